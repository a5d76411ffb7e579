//! wasm32 transport: the runtime's global `fetch` (browsers, Node 18+, Deno, Cloudflare
//! Workers, Vercel Edge), `setTimeout` for the retry timer, `Date.now()` for the clock and
//! `crypto.getRandomValues` (through `uuid`'s `js` feature) for idempotency keys and jitter.

use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::RawResponse;
use crate::error::Error;
use crate::request::PreparedRequest;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &Object) -> Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;

    type FetchResponse;
    #[wasm_bindgen(method, getter)]
    fn status(this: &FetchResponse) -> u16;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &FetchResponse) -> FetchHeaders;
    #[wasm_bindgen(method, js_name = arrayBuffer)]
    fn array_buffer(this: &FetchResponse) -> Promise;

    type FetchHeaders;
    #[wasm_bindgen(method)]
    fn get(this: &FetchHeaders, name: &str) -> Option<String>;

    type AbortSignal;
    #[wasm_bindgen(static_method_of = AbortSignal)]
    fn timeout(ms: i32) -> AbortSignal;
}

/// The response headers the SDK reads (a browser only shows those the server exposes).
const RESPONSE_HEADERS: [&str; 7] = [
    "retry-after",
    "x-request-id",
    "idempotent-replayed",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "content-type",
];

/// A fresh idempotency key (UUID v4 from `crypto.getRandomValues`).
pub(crate) fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Parses an HTTP date with the runtime's `Date.parse` (the IMF-fixdate form every server
/// sends, `Wed, 21 Oct 2026 07:28:00 GMT`; `Date.parse` would accept far more, so anything
/// not in that shape is refused first, as the native build refuses it).
pub(crate) fn parse_http_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    let shaped = b.len() == 29
        && b[3] == b','
        && value.ends_with(" GMT")
        && b[7] == b' '
        && b[11] == b' '
        && b[16] == b' '
        && b[19] == b':'
        && b[22] == b':';
    if !shaped {
        return None;
    }
    let ms = js_sys::Date::parse(value);
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::from_millis(ms as u64))
}

/// The current time, from `Date.now()`.
pub(crate) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(js_sys::Date::now() as u64)
}

/// Waits for `d` with `setTimeout`.
pub(crate) async fn sleep(d: Duration) {
    if d.is_zero() {
        return;
    }
    let ms = d.as_millis().min(i32::MAX as u128) as i32;
    let promise = Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// HTTP transport over `fetch`.
#[derive(Debug, Clone)]
pub(crate) struct Transport;

static SEED: Once = Once::new();

impl Transport {
    pub fn new(_base_url: &str, _connect_timeout: Duration) -> Result<Self, Error> {
        // Seed the jitter generator from the platform's CSPRNG once.
        SEED.call_once(|| {
            let b = uuid::Uuid::new_v4().into_bytes();
            let mut s = [0u8; 8];
            s.copy_from_slice(&b[..8]);
            fastrand::seed(u64::from_le_bytes(s));
        });
        Ok(Transport)
    }

    pub async fn execute(
        &self,
        req: &PreparedRequest,
        timeout: Duration,
    ) -> Result<RawResponse, Error> {
        let init = Object::new();
        let headers = Object::new();
        for (k, v) in &req.headers {
            // Browsers refuse to let scripts set User-Agent; the value stays informative elsewhere.
            if k == "user-agent" {
                continue;
            }
            set(&headers, k, &JsValue::from_str(v));
        }
        set(&init, "method", &JsValue::from_str(req.method.as_str()));
        set(&init, "headers", &headers);
        if let Some(body) = &req.body {
            let text =
                std::str::from_utf8(body).map_err(|_| Error::invalid("body is not UTF-8"))?;
            set(&init, "body", &JsValue::from_str(text));
        }
        let ms = timeout.as_millis().clamp(1, i32::MAX as u128) as i32;
        set(&init, "signal", &AbortSignal::timeout(ms));

        let resp: FetchResponse = JsFuture::from(global_fetch(&req.url, &init))
            .await
            .map_err(map_js_error)?
            .unchecked_into();
        let status = resp.status();
        let hs = resp.headers();
        let headers = RESPONSE_HEADERS
            .iter()
            .filter_map(|name| hs.get(name).map(|v| ((*name).to_owned(), v)))
            .collect();
        let buf = JsFuture::from(resp.array_buffer())
            .await
            .map_err(map_js_error)?;
        let body = Uint8Array::new(&buf).to_vec();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn map_js_error(e: JsValue) -> Error {
    let get = |k: &str| {
        Reflect::get(&e, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    };
    let name = get("name").unwrap_or_default();
    let message = get("message").unwrap_or_else(|| "fetch failed".to_owned());
    if name == "TimeoutError" || name == "AbortError" {
        Error::Timeout { message }
    } else {
        Error::Connection {
            message: if name.is_empty() {
                message
            } else {
                let mut m = name;
                m.push_str(": ");
                m.push_str(&message);
                m
            },
        }
    }
}
