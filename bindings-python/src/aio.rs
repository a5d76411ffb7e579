//! asyncio bridge: awaitables driven by the tokio runtime.
//!
//! Each call creates an asyncio future on the running loop and spawns the core future on
//! tokio. When it finishes, the outcome is queued (no GIL needed) and the loop is woken
//! through a socket pair it watches with `add_reader`; the loop then converts the outcomes
//! to Python objects and resolves the futures. One wake-up serves every outcome queued
//! meanwhile, so many requests in flight cost few wake-ups and no GIL contention.
//! Cancelling the asyncio future aborts the tokio task.

use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::{base_error, panic_message, rt, to_py_err};
use erp_api_client::Error;

pub(crate) type Convert = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

enum Outcome {
    Ok(Convert),
    Err(Error),
    Panic(String),
}

struct Done {
    future: Py<PyAny>,
    outcome: Outcome,
}

struct Shared {
    queue: Mutex<Vec<Done>>,
    reader: UnixStream,
    writer: UnixStream,
}

impl Shared {
    fn push(&self, done: Done) {
        let was_empty = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            let e = q.is_empty();
            q.push(done);
            e
        };
        if was_empty {
            // Non-blocking; a full buffer means a wake-up is already pending.
            let _ = (&self.writer).write(&[1]);
        }
    }
}

/// The per-event-loop end of the bridge: the loop calls it when the socket is readable.
#[pyclass(frozen, module = "erp_api_client._native")]
pub(crate) struct _LoopBridge {
    shared: Arc<Shared>,
}

#[pymethods]
impl _LoopBridge {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let mut buf = [0u8; 256];
        while let Ok(n) = (&self.shared.reader).read(&mut buf) {
            if n < buf.len() {
                break;
            }
        }
        let items =
            std::mem::take(&mut *self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()));
        for d in items {
            let fut = d.future.bind(py);
            if fut.call_method0("done")?.is_truthy()? {
                continue; // cancelled meanwhile
            }
            let res = match d.outcome {
                Outcome::Ok(conv) => match crate::guard(py, || conv(py)) {
                    Ok(v) => fut.call_method1("set_result", (v,)),
                    Err(e) => fut.call_method1("set_exception", (e.value(py),)),
                },
                Outcome::Err(e) => {
                    fut.call_method1("set_exception", (to_py_err(py, &e).value(py),))
                }
                Outcome::Panic(m) => {
                    fut.call_method1("set_exception", (base_error(py, "internal", m).value(py),))
                }
            };
            if let Err(e) = res {
                e.write_unraisable(py, Some(fut));
            }
        }
        Ok(())
    }
}

/// Aborts the tokio task when its asyncio future is cancelled.
#[pyclass(frozen, module = "erp_api_client._native")]
pub(crate) struct _Canceller {
    abort: tokio::task::AbortHandle,
}

#[pymethods]
impl _Canceller {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.abort.abort();
        }
        Ok(())
    }
}

static BRIDGES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static GET_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn bridge_for(py: Python<'_>, lp: &Bound<'_, PyAny>) -> PyResult<Arc<Shared>> {
    let bridges = BRIDGES
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()?
                .unbind())
        })?
        .bind(py);
    let existing = bridges.call_method1("get", (lp,))?;
    if let Ok(b) = existing.cast::<_LoopBridge>() {
        return Ok(b.get().shared.clone());
    }
    let (reader, writer) = UnixStream::pair()
        .and_then(|(r, w)| {
            r.set_nonblocking(true)?;
            w.set_nonblocking(true)?;
            Ok((r, w))
        })
        .map_err(|e| {
            base_error(
                py,
                "internal",
                format!("cannot create the asyncio bridge: {e}"),
            )
        })?;
    let fd = reader.as_raw_fd();
    let shared = Arc::new(Shared {
        queue: Mutex::new(Vec::new()),
        reader,
        writer,
    });
    let bridge = Bound::new(
        py,
        _LoopBridge {
            shared: shared.clone(),
        },
    )?;
    lp.call_method1("add_reader", (fd, &bridge))?;
    bridges.set_item(lp, bridge)?;
    Ok(shared)
}

/// Starts `fut` on tokio and returns an asyncio future of its converted result.
pub(crate) fn spawn<T, F, C>(py: Python<'_>, fut: F, convert: C) -> PyResult<Py<PyAny>>
where
    T: Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
    C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
{
    let get_loop = GET_LOOP
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
        })?
        .bind(py);
    let lp = get_loop.call0()?;
    let shared = bridge_for(py, &lp)?;
    let future = lp.call_method0("create_future")?;
    let (runtime, _) = rt::runtime(py)?;
    let handle_ref = future.clone().unbind();
    let task = runtime.spawn(async move {
        let outcome = match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(Ok(v)) => Outcome::Ok(Box::new(move |py: Python<'_>| convert(py, v))),
            Ok(Err(e)) => Outcome::Err(e),
            Err(p) => Outcome::Panic(panic_message(&*p)),
        };
        shared.push(Done {
            future: handle_ref,
            outcome,
        });
    });
    future.call_method1(
        "add_done_callback",
        (_Canceller {
            abort: task.abort_handle(),
        },),
    )?;
    Ok(future.unbind())
}

/// An asyncio future already resolved with `value` (for results that need no I/O).
pub(crate) fn ready(py: Python<'_>, value: Py<PyAny>) -> PyResult<Py<PyAny>> {
    let get_loop = GET_LOOP
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
        })?
        .bind(py);
    let future = get_loop.call0()?.call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future.unbind())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<_LoopBridge>()?;
    m.add_class::<_Canceller>()?;
    Ok(())
}
