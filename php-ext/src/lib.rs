//! The C ABI of erp-api-client, for PHP's FFI (and any other C caller).
//!
//! A narrow, JSON-shaped boundary in the style of bitwarden's sdk: a client handle, one call
//! that takes a request description and returns a result, a paginator handle for walking
//! pages, and a webhook verifier handle. Everything here is translation: JSON in, core call,
//! JSON out. Retry, pagination, batching, signing all live in the `erp-api-client` core.
//!
//! A record, a delete's answer or a generic request's answer is not decoded here: the
//! response body goes into the envelope as received (once checked to be one JSON value), so
//! the caller's own JSON decoder (PHP's `json_decode`) is the only one that builds it.
//!
//! Results are `{"ok": <value>}` or `{"error": {"kind", "status", "code", "message",
//! "request_id", "details", "retry_after", "reason"}}`. Every returned `char *` must be
//! released with [`erp_string_free`]; every handle with its own `*_free`. Panics are caught
//! on every export and come back as an error of kind `internal_error`.
#![allow(clippy::missing_safety_doc)]

mod map;

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Mutex;

use erp_api_client::{Client, ClientBuilder, Error, Paginator, RawResponse, Webhook};
use serde_json::{json, Value};

/// A client: configuration, credentials and a connection pool. Create with
/// `erp_client_new`, release with `erp_client_free`. Safe to share between threads.
pub struct ErpClient {
    builder: ClientBuilder,
    /// The client and the process it was built in: a forked child rebuilds its own from
    /// `builder` (the parent's connection pool belongs to the parent's runtime).
    client: Mutex<(u32, Client)>,
}

impl ErpClient {
    fn client(&self) -> Result<Client, FfiError> {
        let pid = std::process::id();
        let mut slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
        if slot.0 != pid {
            let rt = runtime()?;
            let _entered = rt.enter();
            let fresh = (pid, self.builder.clone().build()?);
            // The parent's client is not dropped here: its pool belongs to the parent's
            // runtime, whose wakers must not fire from the child. Keep it reachable.
            static INHERITED: Mutex<Vec<Client>> = Mutex::new(Vec::new());
            let old = std::mem::replace(&mut *slot, fresh);
            INHERITED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(old.1);
        }
        Ok(slot.1.clone())
    }
}

/// A cursor over every page of a list. Create with `erp_paginator_new`, release with
/// `erp_paginator_free`. Not for concurrent use.
pub struct ErpPaginator {
    inner: Paginator,
}

/// A webhook verifier holding one or several secrets. Create with `erp_webhook_new`, release
/// with `erp_webhook_free`.
pub struct ErpWebhook {
    inner: Webhook,
}

/// The one runtime every blocking call runs on (PHP is synchronous). After a `fork()` the
/// child gets a runtime of its own: the parent's one is left untouched (its threads and
/// reactor do not exist in the child).
fn runtime() -> Result<&'static tokio::runtime::Runtime, FfiError> {
    // One entry per process that used the library; a parent's entry is kept (never dropped,
    // still reachable) in its children.
    static RT: Mutex<Vec<(u32, &'static tokio::runtime::Runtime)>> = Mutex::new(Vec::new());
    let pid = std::process::id();
    let mut all = RT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, rt)) = all.iter().find(|(p, _)| *p == pid) {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FfiError::internal(format!("could not start the async runtime: {e}")))?;
    let rt: &'static tokio::runtime::Runtime = Box::leak(Box::new(rt));
    all.push((pid, rt));
    Ok(rt)
}

pub(crate) fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, FfiError> {
    Ok(runtime()?.block_on(f))
}

/// An error on its way out: a core error, or one of the boundary's own.
pub(crate) enum FfiError {
    Core(Error),
    Other { kind: &'static str, message: String },
}

impl FfiError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        FfiError::Other {
            kind: "invalid_request",
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        FfiError::Other {
            kind: "internal_error",
            message: message.into(),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        match self {
            FfiError::Core(e) => error_json(e),
            FfiError::Other { kind, message } => json!({"error": {
                "kind": kind,
                "status": null,
                "code": kind.to_ascii_uppercase(),
                "message": message,
                "request_id": null,
                "details": null,
                "retry_after": null,
                "reason": null,
            }}),
        }
    }
}

impl From<Error> for FfiError {
    fn from(e: Error) -> Self {
        FfiError::Core(e)
    }
}

/// The structured form of a core error.
pub(crate) fn error_json(e: &Error) -> Value {
    json!({"error": {
        "kind": e.kind(),
        "status": e.status(),
        "code": e.code(),
        "message": e.message(),
        "request_id": e.request_id(),
        "details": e.details(),
        "retry_after": e.retry_after().map(|d| d.as_secs()),
        "reason": e.verification_failure().map(|r| r.as_str()),
    }})
}

fn into_c_string(v: &Value) -> *mut c_char {
    // serde_json escapes U+0000, so the text never holds an interior NUL.
    let mut buf = Vec::with_capacity(256);
    if serde_json::to_writer(&mut buf, v).is_err() {
        return ptr::null_mut();
    }
    CString::new(buf).map_or(ptr::null_mut(), CString::into_raw)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let what = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("internal error in erp-api-client (please report): {what}")
}

/// Runs `f`, turning a panic into an `internal_error`.
fn guard<T>(f: impl FnOnce() -> Result<T, FfiError>) -> Result<T, FfiError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(FfiError::internal(panic_message(&*p))),
    }
}

/// Runs `f` and returns its envelope as a caller-owned string.
fn envelope(f: impl FnOnce() -> Result<Value, FfiError>) -> *mut c_char {
    answer_envelope(|| f().map(Answer::Json))
}

/// What an operation answers: a value to encode, or a response body to pass on as it is.
pub(crate) enum Answer {
    Json(Value),
    Raw(RawResponse),
}

/// Runs `f` and returns its envelope as a caller-owned string. A raw body goes into the
/// envelope as received, once it is known to be one JSON value: the caller's JSON decoder
/// is then the only one to build it (no `Value` in between).
fn answer_envelope(f: impl FnOnce() -> Result<Answer, FfiError>) -> *mut c_char {
    let r = guard(f);
    let text = catch_unwind(AssertUnwindSafe(|| match r {
        Ok(Answer::Json(v)) => into_c_string(&json!({ "ok": v })),
        Ok(Answer::Raw(raw)) => match raw_envelope(&raw) {
            Ok(p) => p,
            Err(e) => into_c_string(&error_json(&e)),
        },
        Err(e) => into_c_string(&e.to_json()),
    }));
    text.unwrap_or(ptr::null_mut())
}

/// `{"ok":<body>}` (`{"ok":null}` for an empty body), or the `decode_error` that
/// `Client::send` would report when the body is not exactly one JSON value in UTF-8.
/// The check allocates nothing; it also keeps a body from ever reshaping the envelope.
fn raw_envelope(raw: &RawResponse) -> Result<*mut c_char, Error> {
    let body: &[u8] = if raw.is_empty_body() {
        b"null"
    } else {
        let text = std::str::from_utf8(&raw.body).map_err(|e| raw.decode_error(e))?;
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| raw.decode_error(e))?;
        &raw.body
    };
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"{\"ok\":");
    out.extend_from_slice(body);
    out.push(b'}');
    // Valid JSON holds no NUL byte (control characters are escaped in strings).
    Ok(CString::new(out).map_or(ptr::null_mut(), CString::into_raw))
}

/// Writes an error to `err_out` (if not null).
unsafe fn set_err(err_out: *mut *mut c_char, e: &FfiError) {
    if !err_out.is_null() {
        *err_out = into_c_string(&e.to_json());
    }
}

/// Creates a handle with `f`, or writes the error to `err_out` and returns null.
unsafe fn make_handle<T>(
    err_out: *mut *mut c_char,
    f: impl FnOnce() -> Result<T, FfiError>,
) -> *mut T {
    if !err_out.is_null() {
        *err_out = ptr::null_mut();
    }
    match guard(f) {
        Ok(h) => Box::into_raw(Box::new(h)),
        Err(e) => {
            let _ = catch_unwind(AssertUnwindSafe(|| set_err(err_out, &e)));
            ptr::null_mut()
        }
    }
}

unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, FfiError> {
    if p.is_null() {
        return Err(FfiError::invalid(format!("{what} is null")));
    }
    CStr::from_ptr(p)
        .to_str()
        .map_err(|_| FfiError::invalid(format!("{what} is not UTF-8")))
}

unsafe fn json_arg(p: *const c_char, what: &str) -> Result<Value, FfiError> {
    let s = str_arg(p, what)?;
    serde_json::from_str(s).map_err(|e| FfiError::invalid(format!("{what} is not JSON: {e}")))
}

unsafe fn bytes_arg<'a>(p: *const c_char, len: usize) -> &'a [u8] {
    if p.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p.cast::<u8>(), len)
    }
}

/// The library's version (a static string: do not free).
#[no_mangle]
pub extern "C" fn erp_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Creates a client from a JSON configuration:
/// `{"base_url", "api_key" | "bearer_token", "timeout_ms", "connect_timeout_ms",
/// "max_retries", "default_headers": {...}, "user_agent_extra"}`.
/// Returns null on error and, if `err_out` is not null, stores an error envelope there
/// (release it with `erp_string_free`).
#[no_mangle]
pub unsafe extern "C" fn erp_client_new(
    config_json: *const c_char,
    err_out: *mut *mut c_char,
) -> *mut ErpClient {
    make_handle(err_out, || {
        let cfg = json_arg(config_json, "config")?;
        let rt = runtime()?;
        let _entered = rt.enter();
        let builder = map::client_builder(&cfg)?;
        let client = builder.clone().build()?;
        Ok(ErpClient {
            builder,
            client: Mutex::new((std::process::id(), client)),
        })
    })
}

/// Releases a client (null is ignored).
#[no_mangle]
pub unsafe extern "C" fn erp_client_free(client: *mut ErpClient) {
    if !client.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(client))));
    }
}

/// Runs one operation described by `request_json` (`{"op": "resource.list", ...}`), blocking
/// until it is done, and returns its envelope (never null unless out of memory).
#[no_mangle]
pub unsafe extern "C" fn erp_client_call(
    client: *const ErpClient,
    request_json: *const c_char,
) -> *mut c_char {
    answer_envelope(|| {
        let client = client
            .as_ref()
            .ok_or_else(|| FfiError::invalid("client is null"))?;
        let req = json_arg(request_json, "request")?;
        map::call(&client.client()?, &req)
    })
}

/// Reads one record (`GET /{resource}/{id}`) with the client's settings: the same as
/// `erp_client_call` with `{"op": "resource.get", "resource", "id"}` and no other field
/// (same envelope), without a request description to encode and parse. `resource` and `id`
/// are `resource_len` and `id_len` bytes of UTF-8 (no terminating NUL needed).
#[no_mangle]
pub unsafe extern "C" fn erp_resource_get(
    client: *const ErpClient,
    resource: *const c_char,
    resource_len: usize,
    id: *const c_char,
    id_len: usize,
) -> *mut c_char {
    answer_envelope(|| {
        let client = client
            .as_ref()
            .ok_or_else(|| FfiError::invalid("client is null"))?;
        let utf8 = |b: &'static [u8], what: &str| {
            std::str::from_utf8(b).map_err(|_| FfiError::invalid(format!("{what} is not UTF-8")))
        };
        let resource = utf8(bytes_arg(resource, resource_len), "resource")?;
        let id = utf8(bytes_arg(id, id_len), "id")?;
        let q = client.client()?.resource(resource)?;
        let raw = block_on(q.send_raw(erp_api_client::Op::Get, Some(id), None))??;
        Ok(Answer::Raw(raw))
    })
}

/// Starts walking every page of a list described by `request_json` (`{"resource",
/// "filters", "sort", "limit", "cursor", "options"}`); nothing is sent yet.
/// Returns null on error (see `erp_client_new` for `err_out`).
#[no_mangle]
pub unsafe extern "C" fn erp_paginator_new(
    client: *const ErpClient,
    request_json: *const c_char,
    err_out: *mut *mut c_char,
) -> *mut ErpPaginator {
    make_handle(err_out, || {
        let client = client
            .as_ref()
            .ok_or_else(|| FfiError::invalid("client is null"))?;
        let req = json_arg(request_json, "request")?;
        let q = map::build_query(&client.client()?, &req)?;
        q.prepare(erp_api_client::Op::List, None, None)?;
        Ok(ErpPaginator {
            inner: q.paginate(),
        })
    })
}

/// Fetches the next page: `{"ok": {"data": [...], "next_cursor": ...}}`, `{"ok": null}`
/// after the last page, or an error envelope.
#[no_mangle]
pub unsafe extern "C" fn erp_paginator_next(paginator: *mut ErpPaginator) -> *mut c_char {
    envelope(|| {
        let p = paginator
            .as_mut()
            .ok_or_else(|| FfiError::invalid("paginator is null"))?;
        let page = block_on(p.inner.next_page())??;
        Ok(match page {
            Some(page) => json!({"data": page.data, "next_cursor": page.next_cursor}),
            None => Value::Null,
        })
    })
}

/// Releases a paginator (null is ignored).
#[no_mangle]
pub unsafe extern "C" fn erp_paginator_free(paginator: *mut ErpPaginator) {
    if !paginator.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(paginator))));
    }
}

/// Creates a webhook verifier from a JSON array of secrets (`["whsec_..."]`, several during
/// a rotation) and a timestamp tolerance in seconds. Returns null on error (see
/// `erp_client_new` for `err_out`).
#[no_mangle]
pub unsafe extern "C" fn erp_webhook_new(
    secrets_json: *const c_char,
    tolerance_secs: u64,
    err_out: *mut *mut c_char,
) -> *mut ErpWebhook {
    make_handle(err_out, || {
        let secrets = json_arg(secrets_json, "secrets")?;
        let list: Vec<&str> = match &secrets {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a
                .iter()
                .map(|s| {
                    s.as_str()
                        .ok_or_else(|| FfiError::invalid("every secret must be a string"))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(FfiError::invalid("secrets must be a string or an array")),
        };
        let wh =
            Webhook::with_secrets(list)?.tolerance(std::time::Duration::from_secs(tolerance_secs));
        Ok(ErpWebhook { inner: wh })
    })
}

/// Verifies a delivery: `body` (`body_len` bytes, exactly as received) and its headers as a
/// JSON object (`{"webhook-id": "...", ...}`, names in any case). Returns null when the
/// delivery is authentic and its body is JSON, else an error envelope (kind
/// `webhook_verification`, with `reason`). `now_unix` < 0 means the current time.
#[no_mangle]
pub unsafe extern "C" fn erp_webhook_verify(
    webhook: *const ErpWebhook,
    body: *const c_char,
    body_len: usize,
    headers_json: *const c_char,
    now_unix: i64,
) -> *mut c_char {
    let r = guard(|| {
        let wh = webhook
            .as_ref()
            .ok_or_else(|| FfiError::invalid("webhook is null"))?;
        let headers = map::headers_of(&json_arg(headers_json, "headers")?)?;
        let body = bytes_arg(body, body_len);
        if now_unix < 0 {
            wh.inner.verify(body, &headers)?;
        } else {
            wh.inner.verify_at(body, &headers, now_unix)?;
        }
        Ok(())
    });
    match r {
        Ok(()) => ptr::null_mut(),
        Err(e) => catch_unwind(AssertUnwindSafe(|| into_c_string(&e.to_json())))
            .unwrap_or(ptr::null_mut()),
    }
}

/// Checks only a delivery's signature and timestamp, without parsing the body: `body`
/// (`body_len` bytes, exactly as received) and the four signature headers' values, each null
/// when the header is absent (`webhook-id`, `webhook-timestamp`, `webhook-signature`,
/// `x-webhook-signature`). Returns null when the signature verifies (whatever the body
/// holds), else an error envelope as `erp_webhook_verify` does (release it with
/// `erp_string_free`). `now_unix` < 0 means the current time.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn erp_webhook_verify_signature(
    webhook: *const ErpWebhook,
    body: *const c_char,
    body_len: usize,
    webhook_id: *const c_char,
    webhook_timestamp: *const c_char,
    webhook_signature: *const c_char,
    x_webhook_signature: *const c_char,
    now_unix: i64,
) -> *mut c_char {
    let r = guard(|| {
        let wh = webhook
            .as_ref()
            .ok_or_else(|| FfiError::invalid("webhook is null"))?;
        let value = |p: *const c_char| {
            (!p.is_null()).then(|| String::from_utf8_lossy(CStr::from_ptr(p).to_bytes()))
        };
        let headers = SigHeaders([
            value(webhook_id),
            value(webhook_timestamp),
            value(webhook_signature),
            value(x_webhook_signature),
        ]);
        let body = bytes_arg(body, body_len);
        if now_unix < 0 {
            wh.inner.verify_signature(body, &headers)?;
        } else {
            wh.inner.verify_signature_at(body, &headers, now_unix)?;
        }
        Ok(())
    });
    match r {
        Ok(()) => ptr::null_mut(),
        Err(e) => catch_unwind(AssertUnwindSafe(|| into_c_string(&e.to_json())))
            .unwrap_or(ptr::null_mut()),
    }
}

/// The four signature headers as `erp_webhook_verify_signature` takes them.
struct SigHeaders<'a>([Option<std::borrow::Cow<'a, str>>; 4]);

impl erp_api_client::HeaderLookup for SigHeaders<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        let i = [
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "x-webhook-signature",
        ]
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))?;
        self.0[i].as_deref()
    }
}

/// Signs a message as the API does (with the first secret): returns
/// `{"ok": {"webhook-id", "webhook-timestamp", "webhook-signature", "x-webhook-signature"}}`.
#[no_mangle]
pub unsafe extern "C" fn erp_webhook_sign(
    webhook: *const ErpWebhook,
    msg_id: *const c_char,
    timestamp: i64,
    body: *const c_char,
    body_len: usize,
) -> *mut c_char {
    envelope(|| {
        let wh = webhook
            .as_ref()
            .ok_or_else(|| FfiError::invalid("webhook is null"))?;
        let id = str_arg(msg_id, "msg_id")?;
        let headers = wh.inner.sign(id, timestamp, bytes_arg(body, body_len));
        Ok(Value::Object(
            headers
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ))
    })
}

/// Releases a webhook verifier (null is ignored).
#[no_mangle]
pub unsafe extern "C" fn erp_webhook_free(webhook: *mut ErpWebhook) {
    if !webhook.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(webhook))));
    }
}

/// Operations that need no client (`{"op": "spec"}`, and the test hooks `retry.decide` and
/// `error.from_response` that expose core's own functions to the shared vectors).
#[no_mangle]
pub unsafe extern "C" fn erp_call(request_json: *const c_char) -> *mut c_char {
    envelope(|| {
        let req = json_arg(request_json, "request")?;
        map::call_static(&req)
    })
}

/// Releases a string returned by this library (null is ignored).
#[no_mangle]
pub unsafe extern "C" fn erp_string_free(s: *mut c_char) {
    if !s.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(CString::from_raw(s))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe fn take(p: *mut c_char) -> Value {
        assert!(!p.is_null());
        let v = serde_json::from_str(CStr::from_ptr(p).to_str().unwrap()).unwrap();
        erp_string_free(p);
        v
    }

    #[test]
    fn client_errors_and_dry_run() {
        unsafe {
            let mut err = ptr::null_mut();
            let c = erp_client_new(c"{\"base_url\": \"http://127.0.0.1:9\"}".as_ptr(), &mut err);
            assert!(c.is_null());
            let e = take(err);
            assert_eq!(e["error"]["kind"], "invalid_config");

            let c = erp_client_new(
                c"{\"base_url\": \"http://127.0.0.1:9\", \"api_key\": \"sk_secret_1\"}".as_ptr(),
                &mut err,
            );
            assert!(!c.is_null() && err.is_null());
            let r = take(erp_client_call(
                c,
                c"{\"op\": \"resource.prepare\", \"resource\": \"companies\", \"operation\": \"list\", \"limit\": 5}"
                    .as_ptr(),
            ));
            assert_eq!(
                r["ok"]["url"],
                "http://127.0.0.1:9/api/v1/companies?limit=5"
            );
            let r = take(erp_client_call(c, c"not json".as_ptr()));
            assert_eq!(r["error"]["kind"], "invalid_request");
            let r = take(erp_client_call(c, c"{\"op\": \"frobnicate\"}".as_ptr()));
            assert_eq!(r["error"]["kind"], "invalid_request");
            let r = take(erp_client_call(
                c,
                c"{\"op\": \"resource.get\", \"resource\": \"companies\", \"id\": \"cmp_1\", \"options\": {\"max_retries\": 0}}"
                    .as_ptr(),
            ));
            assert_eq!(r["error"]["kind"], "connection_error");
            assert!(!r.to_string().contains("sk_secret_1"));
            erp_client_free(c);
        }
    }

    #[test]
    fn resource_get_checks_its_arguments_like_the_generic_call() {
        unsafe {
            let mut err = ptr::null_mut();
            let c = erp_client_new(
                c"{\"base_url\": \"http://127.0.0.1:9\", \"api_key\": \"k\", \"max_retries\": 0}"
                    .as_ptr(),
                &mut err,
            );
            assert!(!c.is_null());
            let get = |res: &[u8], id: &[u8]| {
                take(erp_resource_get(
                    c,
                    res.as_ptr().cast(),
                    res.len(),
                    id.as_ptr().cast(),
                    id.len(),
                ))
            };
            assert_eq!(get(b"planets", b"x")["error"]["kind"], "invalid_request");
            assert_eq!(
                get(b"companies", b"\xff")["error"]["kind"],
                "invalid_request"
            );
            assert_eq!(get(b"companies", b"")["error"]["kind"], "invalid_request");
            assert_eq!(
                get(b"companies", b"a/b")["error"]["kind"],
                "invalid_request"
            );
            assert_eq!(
                get(b"companies", b"cmp_1\0x")["error"]["kind"],
                "invalid_request"
            );
            assert_eq!(
                get(b"companies", b"cmp_1")["error"]["kind"],
                "connection_error"
            );
            let r = take(erp_resource_get(
                ptr::null(),
                ptr::null(),
                0,
                ptr::null(),
                0,
            ));
            assert_eq!(r["error"]["kind"], "invalid_request");
            erp_client_free(c);
        }
    }

    #[test]
    fn webhook_roundtrip() {
        unsafe {
            let mut err = ptr::null_mut();
            let wh = erp_webhook_new(
                c"[\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"]".as_ptr(),
                300,
                &mut err,
            );
            assert!(!wh.is_null());
            let body = b"{\"a\":1}";
            let signed = take(erp_webhook_sign(
                wh,
                c"msg_1".as_ptr(),
                1_700_000_000,
                body.as_ptr().cast(),
                body.len(),
            ));
            let headers = CString::new(signed["ok"].to_string()).unwrap();
            let r = erp_webhook_verify(
                wh,
                body.as_ptr().cast(),
                body.len(),
                headers.as_ptr(),
                1_700_000_000,
            );
            assert!(r.is_null());
            let r = take(erp_webhook_verify(
                wh,
                body.as_ptr().cast(),
                body.len(),
                headers.as_ptr(),
                1_800_000_000,
            ));
            assert_eq!(r["error"]["reason"], "timestamp_too_old");

            // Signature only: a body that is not JSON passes, a tampered one does not.
            let raw = b"not json";
            let signed = take(erp_webhook_sign(
                wh,
                c"msg_2".as_ptr(),
                1_700_000_000,
                raw.as_ptr().cast(),
                raw.len(),
            ));
            let h = |k: &str| CString::new(signed["ok"][k].as_str().unwrap()).unwrap();
            let (id, ts, sig, xsig) = (
                h("webhook-id"),
                h("webhook-timestamp"),
                h("webhook-signature"),
                h("x-webhook-signature"),
            );
            let check = |body: &[u8], sig: *const c_char, xsig: *const c_char, now: i64| {
                erp_webhook_verify_signature(
                    wh,
                    body.as_ptr().cast(),
                    body.len(),
                    id.as_ptr(),
                    ts.as_ptr(),
                    sig,
                    xsig,
                    now,
                )
            };
            assert!(check(raw, sig.as_ptr(), ptr::null(), 1_700_000_000).is_null());
            assert!(check(raw, ptr::null(), xsig.as_ptr(), 1_700_000_000).is_null());
            let r = take(check(b"not jsoN", sig.as_ptr(), ptr::null(), 1_700_000_000));
            assert_eq!(r["error"]["reason"], "no_matching_signature");
            let r = take(check(raw, ptr::null(), ptr::null(), -1));
            assert_eq!(r["error"]["reason"], "missing_header");
            let r = take(erp_webhook_verify_signature(
                ptr::null(),
                raw.as_ptr().cast(),
                raw.len(),
                ptr::null(),
                ptr::null(),
                ptr::null(),
                ptr::null(),
                -1,
            ));
            assert_eq!(r["error"]["kind"], "invalid_request");
            erp_webhook_free(wh);
        }
    }

    #[test]
    fn raw_bodies_go_into_the_envelope_only_when_they_are_json() {
        let raw = |body: &[u8]| RawResponse {
            status: 200,
            headers: vec![("x-request-id".into(), "req_1".into())],
            body: body.to_vec(),
        };
        let text = |r: &RawResponse| unsafe {
            let p = raw_envelope(r).unwrap();
            let s = CStr::from_ptr(p).to_str().unwrap().to_owned();
            erp_string_free(p);
            s
        };
        let body = br#" {"id": "cmp_1", "n": 12345678901234567890123, "z": 1.0} "#;
        assert_eq!(
            text(&raw(body)),
            format!("{{\"ok\":{}}}", std::str::from_utf8(body).unwrap())
        );
        assert_eq!(text(&raw(b"")), "{\"ok\":null}");
        assert_eq!(text(&raw(b" \r\n")), "{\"ok\":null}");
        for bad in [
            &b"{\"id\": \"cmp_1\""[..],
            b"1,\"error\":{\"kind\":\"x\"}",
            b"{\"a\":1}}",
            b"<html>",
            b"{\"a\":\"\xff\"}",
            b"\"a\x00b\"",
        ] {
            let e = raw_envelope(&raw(bad)).unwrap_err();
            assert_eq!(e.kind(), "decode_error", "{bad:?}");
            assert_eq!(e.status(), Some(200));
            assert_eq!(e.request_id(), Some("req_1"));
            assert!(e.message().starts_with("response body is not JSON"));
        }
    }

    #[test]
    fn panics_become_errors() {
        let r = match guard(|| -> Result<Value, FfiError> { panic!("boom") }) {
            Ok(_) => unreachable!("the panic is an error"),
            Err(e) => e.to_json(),
        };
        assert_eq!(r["error"]["kind"], "internal_error");
        assert!(r["error"]["message"].as_str().unwrap().contains("boom"));
    }
}
