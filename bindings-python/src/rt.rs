//! The tokio runtimes, fork-aware, and the blocking runners.
//!
//! Two kinds: one multi-thread runtime for the process (asyncio calls, and iterators that
//! may move between threads), and for the blocking `Client`, one current-thread runtime per
//! Python thread. A blocking call then runs entirely on the calling thread, connection
//! included: no hand-off to a worker thread and back, which on a small machine costs more
//! than the rest of the call. Each thread's blocking calls use that thread's own connection
//! pool (see `api::ClientCell`), since a connection lives in the runtime that opened it.
//!
//! After `os.fork()` the child has none of the parent's runtime threads: the runtime (and
//! every connection pool registered with it) is unusable there. Each runtime records the pid
//! that built it; a call from another pid builds a fresh runtime (a new generation) and
//! leaks the old one (dropping it would wait for threads that do not exist). Clients compare
//! generations and rebuild their core client from the kept builder.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::{base_error, panic_message, to_py_err};
use erp_api_client::Error;

struct State {
    pid: u32,
    generation: u64,
    runtime: &'static Runtime,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// The runtime for this process and its generation (which changes after a fork).
pub(crate) fn runtime(py: Python<'_>) -> PyResult<(&'static Runtime, u64)> {
    let pid = std::process::id();
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = guard.as_ref() {
        if s.pid == pid {
            return Ok((s.runtime, s.generation));
        }
    }
    let generation = guard.as_ref().map_or(1, |s| s.generation + 1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("erp-api-client")
        .worker_threads(
            std::thread::available_parallelism()
                .map(|n| n.get().clamp(1, 4))
                .unwrap_or(2),
        )
        .build()
        .map_err(|e| {
            base_error(
                py,
                "internal",
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    let runtime: &'static Runtime = Box::leak(Box::new(rt));
    // The old runtime, if any, belongs to the parent process: leak it (never drop it here).
    *guard = Some(State {
        pid,
        generation,
        runtime,
    });
    Ok((runtime, generation))
}

thread_local! {
    /// This thread's runtime for blocking calls, and the pid that built it.
    static LOCAL: std::cell::RefCell<Option<(u32, std::rc::Rc<Runtime>)>> =
        const { std::cell::RefCell::new(None) };
}

/// This thread's current-thread runtime (rebuilt in a forked child).
fn local_runtime(py: Python<'_>) -> PyResult<std::rc::Rc<Runtime>> {
    let pid = std::process::id();
    LOCAL.with(|cell| {
        let mut slot = cell.borrow_mut();
        if let Some((p, rt)) = slot.as_ref() {
            if *p == pid {
                return Ok(rt.clone());
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                base_error(
                    py,
                    "internal",
                    format!("cannot start the async runtime: {e}"),
                )
            })?;
        let rt = std::rc::Rc::new(rt);
        // A runtime inherited through fork() holds the parent's connections: leak it.
        if let Some((_, old)) = slot.replace((pid, rt.clone())) {
            std::mem::forget(old);
        }
        Ok(rt)
    })
}

/// The current generation (without creating a runtime).
pub(crate) fn generation(py: Python<'_>) -> PyResult<u64> {
    runtime(py).map(|(_, g)| g)
}

enum Fail {
    Core(Error),
    Py(PyErr),
    Panic(String),
}

/// Runs a core future to completion on this thread's current-thread runtime with the GIL
/// released (see the module docs), checking for signals (Ctrl-C) a few times a second. The
/// future must only use this thread's clients (`ClientCell::client`). A panic becomes an
/// `ErpError`.
pub(crate) fn block<T, F, M>(py: Python<'_>, make: M) -> PyResult<T>
where
    T: Send,
    F: Future<Output = Result<T, Error>>,
    M: FnOnce() -> F + Send,
{
    let rt = local_runtime(py)?;
    // The runtime is this thread's, and the closure runs on this thread: it only crosses
    // `detach` (which requires Send) in form.
    let rt = SendPtr(&*rt as *const Runtime);
    drive(py, move || rt.into_ref(), make)
}

/// As `block`, on the process-wide multi-thread runtime: for iterators, which keep one
/// client and may be advanced from any thread.
pub(crate) fn block_shared<T, F, M>(py: Python<'_>, make: M) -> PyResult<T>
where
    T: Send,
    F: Future<Output = Result<T, Error>>,
    M: FnOnce() -> F + Send,
{
    let (rt, _) = runtime(py)?;
    drive(py, move || rt, make)
}

struct SendPtr(*const Runtime);
// SAFETY: only dereferenced on the thread that owns the runtime (see `block`).
unsafe impl Send for SendPtr {}

impl SendPtr {
    fn into_ref<'a>(self) -> &'a Runtime {
        // SAFETY: `block` keeps the runtime alive until `drive` returns, on this thread.
        unsafe { &*self.0 }
    }
}

fn drive<'r, T, F, M, R>(py: Python<'_>, rt: R, make: M) -> PyResult<T>
where
    T: Send,
    F: Future<Output = Result<T, Error>>,
    M: FnOnce() -> F + Send,
    R: FnOnce() -> &'r Runtime + Send,
{
    let out = py.detach(move || -> Result<T, Fail> {
        let rt = rt();
        let _context = rt.enter();
        let fut = make();
        let mut fut = std::pin::pin!(fut);
        loop {
            let step = std::panic::catch_unwind(AssertUnwindSafe(|| {
                rt.block_on(tokio::time::timeout(
                    Duration::from_millis(200),
                    fut.as_mut(),
                ))
            }));
            match step {
                Err(p) => return Err(Fail::Panic(panic_message(&*p))),
                Ok(Ok(res)) => return res.map_err(Fail::Core),
                Ok(Err(_elapsed)) => {
                    Python::attach(|py| py.check_signals()).map_err(Fail::Py)?;
                }
            }
        }
    });
    out.map_err(|f| match f {
        Fail::Core(e) => to_py_err(py, &e),
        Fail::Py(e) => e,
        Fail::Panic(m) => base_error(py, "internal", m),
    })
}

/// Diagnostics for tests: (pid the runtime was built in, generation).
#[pyfunction]
pub(crate) fn _runtime_info(py: Python<'_>) -> PyResult<(u32, u64)> {
    let g = generation(py)?;
    Ok((std::process::id(), g))
}
