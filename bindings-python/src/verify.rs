//! `Webhook` (signature verification and signing) and the internal test hooks that reach
//! core functions the public surface does not expose (retry decisions, error mapping).

use std::time::{Duration, SystemTime};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString};

use erp_api_client::retry::{Decision, Outcome};
use erp_api_client::{Error, HeaderLookup, RetryPolicy, VerificationFailure};

use crate::{body_bytes, core, error_instance, guard, to_py_err};

/// The verification headers picked out of any header mapping (case-insensitively).
#[derive(Default)]
struct Picked {
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    x_signature: Option<String>,
}

impl HeaderLookup for Picked {
    fn header(&self, name: &str) -> Option<&str> {
        let slot = if name.eq_ignore_ascii_case("webhook-id") {
            &self.id
        } else if name.eq_ignore_ascii_case("webhook-timestamp") {
            &self.timestamp
        } else if name.eq_ignore_ascii_case("webhook-signature") {
            &self.signature
        } else if name.eq_ignore_ascii_case("x-webhook-signature") {
            &self.x_signature
        } else {
            return None;
        };
        slot.as_deref()
    }
}

fn header_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(b.as_bytes()).into_owned());
    }
    Err(PyTypeError::new_err("header values must be str or bytes"))
}

/// Lengths of the names `pick` keeps ("webhook-id", "webhook-timestamp" and
/// "webhook-signature", "x-webhook-signature"): any other name is skipped without converting it.
fn may_be_wanted(len: usize) -> bool {
    matches!(len, 10 | 17 | 19)
}

fn pick_one(p: &mut Picked, k: &Bound<'_, PyAny>, v: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(s) = k.cast::<PyString>() {
        if !may_be_wanted(s.len()?) {
            return Ok(());
        }
    }
    let name = header_text(k)?;
    let slot = if name.eq_ignore_ascii_case("webhook-id") {
        &mut p.id
    } else if name.eq_ignore_ascii_case("webhook-timestamp") {
        &mut p.timestamp
    } else if name.eq_ignore_ascii_case("webhook-signature") {
        &mut p.signature
    } else if name.eq_ignore_ascii_case("x-webhook-signature") {
        &mut p.x_signature
    } else {
        return Ok(());
    };
    if slot.is_none() {
        *slot = Some(header_text(v)?);
    }
    Ok(())
}

/// Copies only the four verification headers out of a dict, a mapping or (name, value) pairs.
fn pick(headers: &Bound<'_, PyAny>) -> PyResult<Picked> {
    let mut p = Picked::default();
    if let Ok(d) = headers.cast::<PyDict>() {
        // Iterates in place: no list of items, no copy of the headers that are not needed.
        for (k, v) in d.iter() {
            pick_one(&mut p, &k, &v)?;
        }
        return Ok(p);
    }
    let items = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone() // an iterable of (name, value) pairs
    };
    for item in items.try_iter()? {
        let item = item?;
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        pick_one(&mut p, &k, &v)?;
    }
    Ok(p)
}

/// Runs `f` over the body's bytes; a `bytes` body is not copied.
fn with_body<T>(body: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> PyResult<T>) -> PyResult<T> {
    if let Ok(b) = body.cast::<PyBytes>() {
        return f(b.as_bytes());
    }
    if let Ok(s) = body.cast::<PyString>() {
        return f(s.to_cow()?.as_bytes());
    }
    f(&body_bytes(body)?)
}

/// Python's `json.JSONDecoder(parse_constant=int)`: the stdlib decoder, minus the NaN and
/// Infinity literals that JSON does not have (`int("NaN")` raises, as the core's parser would).
static DECODER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The verified body as Python objects, decoded by Python's own json module: faster than
/// building them from the core's `Value`. A body that is not UTF-8 JSON raises the same
/// `invalid_payload` error as the core's `verify`.
fn decode_event<'py>(py: Python<'py>, body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let decoder = DECODER.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let json = py.import("json")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("parse_constant", py.get_type::<pyo3::types::PyInt>())?;
        Ok(json
            .getattr("JSONDecoder")?
            .call((), Some(&kwargs))?
            .unbind())
    })?;
    let not_json = || {
        to_py_err(
            py,
            &Error::verification(
                VerificationFailure::InvalidPayload,
                "the signature is valid but the body is not JSON",
            ),
        )
    };
    let text = if let Ok(s) = body.cast::<PyString>() {
        s.clone()
    } else {
        let decoded = with_body(body, |bytes| {
            Ok(std::str::from_utf8(bytes)
                .map(|s| PyString::new(py, s))
                .ok())
        })?;
        decoded.ok_or_else(not_json)?
    };
    match decoder.bind(py).call_method1("decode", (text,)) {
        Ok(event) => Ok(event),
        Err(e)
            if e.is_instance_of::<pyo3::exceptions::PyValueError>(py)
                || e.is_instance_of::<pyo3::exceptions::PyRecursionError>(py) =>
        {
            Err(not_json())
        }
        Err(e) => Err(e),
    }
}

/// Verifies (and signs) webhook deliveries with one secret or several (rotation).
#[pyclass(frozen, module = "erp_api_client._native")]
pub(crate) struct Webhook {
    inner: erp_api_client::Webhook,
    count: usize,
}

#[pymethods]
impl Webhook {
    #[new]
    #[pyo3(signature = (secret, tolerance = 300.0))]
    fn new(py: Python<'_>, secret: &Bound<'_, PyAny>, tolerance: f64) -> PyResult<Self> {
        let secrets: Vec<String> = if let Ok(s) = secret.cast::<PyString>() {
            vec![s.to_cow()?.into_owned()]
        } else {
            secret
                .try_iter()
                .and_then(|it| it.map(|x| x?.extract::<String>()).collect())
                .map_err(|_| PyTypeError::new_err("secret must be a str or a list of str"))?
        };
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return Err(PyTypeError::new_err(
                "tolerance must be a non-negative number of seconds",
            ));
        }
        let count = secrets.len();
        let inner = guard(py, || {
            core(py, erp_api_client::Webhook::with_secrets(&secrets))
        })?
        .tolerance(Duration::from_secs_f64(tolerance));
        Ok(Webhook { inner, count })
    }

    /// Checks a delivery's signature and timestamp against the current time without parsing
    /// the body; raises WebhookVerificationError as verify does.
    fn verify_signature(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let picked = pick(headers)?;
        with_body(body, |bytes| {
            guard(py, || core(py, self.inner.verify_signature(bytes, &picked)))
        })
    }

    /// Checks a delivery's signature and timestamp as of `now` (unix seconds) without parsing
    /// the body.
    fn verify_signature_at(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        now: i64,
    ) -> PyResult<()> {
        let picked = pick(headers)?;
        with_body(body, |bytes| {
            guard(py, || {
                core(py, self.inner.verify_signature_at(bytes, &picked, now))
            })
        })
    }

    /// Verifies a delivery against the current time; returns the event as a dict.
    fn verify<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.verify_signature(py, body, headers)?;
        decode_event(py, body)
    }

    /// Verifies a delivery as of `now` (unix seconds).
    fn verify_at<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        now: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.verify_signature_at(py, body, headers, now)?;
        decode_event(py, body)
    }

    /// Signs a payload as the API does; returns the headers to send.
    fn sign<'py>(
        &self,
        py: Python<'py>,
        msg_id: &str,
        timestamp: i64,
        body: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let bytes = body_bytes(body)?;
        let headers = guard(py, || Ok(self.inner.sign(msg_id, timestamp, &bytes)))?;
        let d = PyDict::new(py);
        for (k, v) in headers {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    #[getter]
    fn tolerance(&self) -> f64 {
        self.inner.tolerance_duration().as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!(
            "Webhook(secrets=[{} redacted], tolerance={})",
            self.count,
            self.inner.tolerance_duration().as_secs_f64()
        )
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Internal (tests): core `RetryPolicy::decide`. `policy` has max_retries, base_delay_ms,
/// max_delay_ms, max_retry_after_ms; `outcome` is {"error": "connection"|"timeout"} or
/// {"status": N, "retry_after": str|None}; `now` is an HTTP date.
#[pyfunction]
#[pyo3(signature = (policy, retries_done, outcome, now))]
fn _retry_decision<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyDict>,
    retries_done: u32,
    outcome: &Bound<'py, PyDict>,
    now: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let get = |k: &str| -> PyResult<u64> {
        policy
            .get_item(k)?
            .ok_or_else(|| PyTypeError::new_err(format!("policy needs {k}")))?
            .extract()
    };
    let p = RetryPolicy {
        max_retries: get("max_retries")? as u32,
        base_delay: Duration::from_millis(get("base_delay_ms")?),
        max_delay: Duration::from_millis(get("max_delay_ms")?),
        max_retry_after: Duration::from_millis(get("max_retry_after_ms")?),
    };
    let now: SystemTime = httpdate::parse_http_date(now)
        .map_err(|_| PyTypeError::new_err("now must be an HTTP date"))?;
    let error: Option<String> = outcome.get_item("error")?.and_then(|v| v.extract().ok());
    let retry_after: Option<String> = outcome
        .get_item("retry_after")?
        .and_then(|v| v.extract().ok());
    let o = match error.as_deref() {
        Some("connection") => Outcome::Connection,
        Some("timeout") => Outcome::Timeout,
        Some(other) => return Err(PyTypeError::new_err(format!("unknown error {other:?}"))),
        None => Outcome::Status {
            status: outcome
                .get_item("status")?
                .ok_or_else(|| PyTypeError::new_err("outcome needs status or error"))?
                .extract()?,
            retry_after: retry_after.as_deref(),
        },
    };
    let d = p.decide(retries_done, &o, now);
    let out = PyDict::new(py);
    match d {
        Decision::Stop => out.set_item("retry", false)?,
        Decision::Retry { min, max } => {
            out.set_item("retry", true)?;
            out.set_item("min_delay_ms", ms(min))?;
            out.set_item("max_delay_ms", ms(max))?;
            let picked = d.delay().map(ms);
            out.set_item("delay_ms", picked)?;
        }
    }
    Ok(out)
}

/// Internal (tests): the exception core `Error::from_response` maps a response to.
#[pyfunction]
#[pyo3(signature = (status, headers, body, now))]
fn _error_from_response<'py>(
    py: Python<'py>,
    status: u16,
    headers: &Bound<'py, PyAny>,
    body: &Bound<'py, PyAny>,
    now: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let now: SystemTime = httpdate::parse_http_date(now)
        .map_err(|_| PyTypeError::new_err("now must be an HTTP date"))?;
    let mut hs: Vec<(String, String)> = Vec::new();
    let items = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    for item in items.try_iter()? {
        let (k, v): (String, String) = item?.extract()?;
        hs.push((k, v));
    }
    let bytes = body_bytes(body)?;
    let e: Error = Error::from_response(status, &hs, &bytes, now);
    error_instance(py, &e)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Webhook>()?;
    m.add_function(wrap_pyfunction!(_retry_decision, m)?)?;
    m.add_function(wrap_pyfunction!(_error_from_response, m)?)?;
    Ok(())
}
