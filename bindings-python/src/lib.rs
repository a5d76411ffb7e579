//! The Python face of erp-api-client: a thin PyO3 translation of the Rust core.
//!
//! No retry, backoff, signing, pagination or batching logic lives here: every call goes to
//! `erp_api_client` (the core). This crate only converts values (JSON <-> Python objects),
//! errors (core `Error` -> the classes of `erp_api_client.errors`) and async models (tokio
//! futures -> blocking calls with the GIL released, or asyncio awaitables).

use std::panic::AssertUnwindSafe;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use erp_api_client::Error;

mod aio;
mod api;
mod rt;
mod verify;

// ---------------------------------------------------------------- errors

static ERROR_CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

fn class_name(kind: &str) -> &'static str {
    match kind {
        "bad_request" => "BadRequestError",
        "unauthorized" => "UnauthorizedError",
        "forbidden" => "ForbiddenError",
        "not_found" => "NotFoundError",
        "conflict" => "ConflictError",
        "validation_failed" => "ValidationFailedError",
        "rate_limited" => "RateLimitedError",
        "server_error" => "ServerError",
        "connection_error" => "ConnectionError",
        "timeout" => "TimeoutError",
        "webhook_verification" => "WebhookVerificationError",
        "invalid_config" => "ConfigurationError",
        "invalid_request" => "InvalidRequestError",
        "decode_error" => "DecodeError",
        _ => "ErpError",
    }
}

fn error_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let classes = ERROR_CLASSES.get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let module = py.import("erp_api_client.errors")?;
        let d = PyDict::new(py);
        for n in [
            "ErpError",
            "BadRequestError",
            "UnauthorizedError",
            "ForbiddenError",
            "NotFoundError",
            "ConflictError",
            "ValidationFailedError",
            "RateLimitedError",
            "ServerError",
            "ConnectionError",
            "TimeoutError",
            "WebhookVerificationError",
            "ConfigurationError",
            "InvalidRequestError",
            "DecodeError",
        ] {
            d.set_item(n, module.getattr(n)?)?;
        }
        Ok(d.unbind())
    })?;
    match classes.bind(py).get_item(name)? {
        Some(c) => Ok(c),
        None => Ok(classes.bind(py).get_item("ErpError")?.expect("ErpError")),
    }
}

/// Builds the Python exception instance for a core error.
fn error_instance<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyAny>> {
    let kind = e.kind();
    let cls = error_class(py, class_name(kind))?;
    let kw = PyDict::new(py);
    kw.set_item("kind", kind)?;
    kw.set_item("code", e.code())?;
    kw.set_item("status", e.status())?;
    kw.set_item("request_id", e.request_id())?;
    match e.details() {
        Some(d) => kw.set_item("details", to_py(py, d)?)?,
        None => kw.set_item("details", py.None())?,
    }
    if kind == "rate_limited" {
        kw.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    }
    if let Some(reason) = e.verification_failure() {
        kw.set_item("reason", reason.as_str())?;
    }
    cls.call((e.message(),), Some(&kw))
}

/// Converts a core error into the Python exception to raise.
pub(crate) fn to_py_err(py: Python<'_>, e: &Error) -> PyErr {
    match error_instance(py, e) {
        Ok(inst) => PyErr::from_value(inst),
        Err(err) => err,
    }
}

/// The base error (`ErpError`) with a message, for failures of the face itself.
pub(crate) fn base_error(py: Python<'_>, kind: &str, message: impl Into<String>) -> PyErr {
    let message = message.into();
    let make = || -> PyResult<PyErr> {
        let cls = error_class(py, "ErpError")?;
        let kw = PyDict::new(py);
        kw.set_item("kind", kind)?;
        Ok(PyErr::from_value(cls.call((message.clone(),), Some(&kw))?))
    };
    make().unwrap_or_else(|e| e)
}

pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let what = if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    };
    format!("internal error in erp_api_client (a bug; please report it): {what}")
}

/// Runs `f`, turning a Rust panic into an `ErpError` (never a crash).
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(base_error(py, "internal", panic_message(&*p))),
    }
}

/// Maps a core result into a Python one.
pub(crate) fn core<T>(py: Python<'_>, r: Result<T, Error>) -> PyResult<T> {
    r.map_err(|e| to_py_err(py, &e))
}

// ---------------------------------------------------------------- values

/// A JSON value as native Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(to_py(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

pub(crate) fn to_py_obj(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    to_py(py, v).map(Bound::unbind)
}

/// A Python object (dict/Mapping, list/tuple, str, int, float, bool, None) as JSON.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    from_py_depth(obj, 0)
}

fn from_py_depth(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > 128 {
        return Err(PyTypeError::new_err(
            "value is nested too deeply to be JSON",
        ));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(PyTypeError::new_err(
            "integer out of the JSON range (64 bits)",
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err("NaN and infinity are not JSON"));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err("JSON object keys must be str"))?;
            m.insert(key.to_cow()?.into_owned(), from_py_depth(&v, depth + 1)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let mut out = Vec::with_capacity(l.len());
        for x in l.iter() {
            out.push(from_py_depth(&x, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let mut out = Vec::with_capacity(t.len());
        for x in t.iter() {
            out.push(from_py_depth(&x, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if obj.hasattr("items")? && obj.hasattr("keys")? {
        // Any other Mapping.
        let d = PyDict::new(obj.py());
        for item in obj.call_method0("items")?.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            d.set_item(k, v)?;
        }
        return from_py_depth(d.as_any(), depth);
    }
    Err(PyTypeError::new_err(format!(
        "cannot send a {} as JSON: use dict, list, str, int, float, bool or None",
        obj.get_type().name()?
    )))
}

/// Body bytes from `bytes`, `bytearray`, `memoryview` or `str`.
pub(crate) fn body_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    obj.extract::<Vec<u8>>()
        .or_else(|_| {
            obj.py()
                .import("builtins")?
                .getattr("bytes")?
                .call1((obj,))?
                .extract::<Vec<u8>>()
        })
        .map_err(|_| PyTypeError::new_err("body must be bytes or str"))
}

// ---------------------------------------------------------------- module

/// The native part of erp_api_client. Import the package `erp_api_client` instead.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", erp_api_client::VERSION)?;
    m.add(
        "EVENT_TYPES",
        PyTuple::new(m.py(), erp_api_client::spec::EVENT_TYPES)?,
    )?;
    m.add(
        "RESOURCES",
        PyTuple::new(
            m.py(),
            erp_api_client::spec::RESOURCES.iter().map(|r| r.name),
        )?,
    )?;
    api::register(m)?;
    verify::register(m)?;
    aio::register(m)?;
    m.add_function(wrap_pyfunction!(rt::_runtime_info, m)?)?;
    Ok(())
}
