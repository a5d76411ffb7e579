//! The one tokio runtime of the process, fork-aware, and the blocking runner.
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

/// The current generation (without creating a runtime).
pub(crate) fn generation(py: Python<'_>) -> PyResult<u64> {
    runtime(py).map(|(_, g)| g)
}

enum Fail {
    Core(Error),
    Py(PyErr),
    Panic(String),
}

/// Runs a core future to completion on the runtime with the GIL released, checking for
/// signals (Ctrl-C) a few times a second. The future is made and polled on this thread, so
/// it need not be `Send`. A panic becomes an `ErpError`.
pub(crate) fn block<T, F, M>(py: Python<'_>, make: M) -> PyResult<T>
where
    T: Send,
    F: Future<Output = Result<T, Error>>,
    M: FnOnce() -> F + Send,
{
    let (rt, _) = runtime(py)?;
    let out = py.detach(move || -> Result<T, Fail> {
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
