//! The HTTP transport and the clock: the only parts of the crate that differ by platform.

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{new_idempotency_key, now, parse_http_date, sleep, Transport};

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::{new_idempotency_key, now, parse_http_date, sleep, Transport};

/// A successful response whose body has not been decoded: what
/// [`Client::send_raw`](crate::Client::send_raw) answers. For callers that decode JSON
/// themselves (the PHP face hands the bytes to `json_decode`), it spares a decode into a
/// `serde_json::Value` and a re-encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body exactly as received.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `X-Request-Id` of the response.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-request-id")
    }

    /// Whether the body is empty or only whitespace (what [`Client::send`](crate::Client::send)
    /// decodes to `null`).
    pub fn is_empty_body(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The error [`Client::send`](crate::Client::send) reports for a body that is not JSON
    /// (kind `decode_error`, with the status and request id).
    pub fn decode_error(&self, message: impl std::fmt::Display) -> crate::Error {
        crate::Error::Decode {
            status: self.status,
            message: format!("response body is not JSON: {message}"),
            request_id: self.request_id().map(str::to_owned),
        }
    }
}
