//! The one error type of the crate, and the mapping from HTTP responses to it.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::retry::parse_retry_after;

/// Shorthand for `Result<T, erp_api_client::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the API said about a failed request: the fields of the error body
/// `{"error": {"code", "message", "details", "request_id"}}` plus the HTTP status and,
/// where the server sent one, `Retry-After`.
#[derive(Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code of the response.
    pub status: u16,
    /// The API's error code, e.g. `NOT_FOUND` (derived from the status when the body had none).
    pub code: String,
    /// A human-readable message.
    pub message: String,
    /// The request id (`req_...`) from the body or the `X-Request-Id` header.
    pub request_id: Option<String>,
    /// Structured details, e.g. `{"fields": [{"field": "name", "message": "..."}]}`.
    pub details: Option<Value>,
    /// How long the server asked the client to wait (`Retry-After`), if it said so.
    pub retry_after: Option<Duration>,
}

impl fmt::Debug for ApiError {
    // Hand-written and quote-free: a derived Debug would pull string escaping (and its
    // Unicode tables) into the browser bundle.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ApiError {{ status: {}, code: {}, message: {}",
            self.status, self.code, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, ", request_id: {id}")?;
        }
        if let Some(d) = &self.retry_after {
            write!(f, ", retry_after: {} s", d.as_secs())?;
        }
        if self.details.is_some() {
            f.write_str(", details: present")?;
        }
        f.write_str(" }")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request_id: {id}]")?;
        }
        Ok(())
    }
}

/// Why a webhook signature did not verify. Each reason has a stable string (see [`as_str`](Self::as_str)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationFailure {
    /// A required header (`webhook-id`, `webhook-timestamp`, or any signature header) is missing.
    MissingHeader,
    /// A header is present but not in the expected form.
    MalformedHeader,
    /// `webhook-timestamp` is older than the tolerance allows.
    TimestampTooOld,
    /// `webhook-timestamp` is further in the future than the tolerance allows.
    TimestampTooNew,
    /// No signature matched any of the secrets.
    NoMatchingSignature,
    /// The signature matched but the body is not valid JSON.
    InvalidPayload,
    /// A secret given to the verifier is unusable (empty, or `whsec_` followed by invalid base64).
    InvalidSecret,
}

impl VerificationFailure {
    /// Every reason, in a fixed order.
    pub const ALL: [VerificationFailure; 7] = [
        Self::MissingHeader,
        Self::MalformedHeader,
        Self::TimestampTooOld,
        Self::TimestampTooNew,
        Self::NoMatchingSignature,
        Self::InvalidPayload,
        Self::InvalidSecret,
    ];

    /// The stable reason string, e.g. `no_matching_signature`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingHeader => "missing_header",
            Self::MalformedHeader => "malformed_header",
            Self::TimestampTooOld => "timestamp_too_old",
            Self::TimestampTooNew => "timestamp_too_new",
            Self::NoMatchingSignature => "no_matching_signature",
            Self::InvalidPayload => "invalid_payload",
            Self::InvalidSecret => "invalid_secret",
        }
    }

    /// Parses a reason string produced by [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for VerificationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error the SDK returns.
///
/// API errors (the server answered with a non-2xx status) carry an [`ApiError`]; the others
/// describe what went wrong on the client side. [`Error::kind`] gives a stable string per
/// variant, which every language face uses to pick its exception class.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400, 413 and any other 4xx without a more specific variant.
    #[error("bad request: {0}")]
    BadRequest(Box<ApiError>),
    /// 401: no credential or a wrong one.
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),
    /// 403: the credential lacks a scope.
    #[error("forbidden: {0}")]
    Forbidden(Box<ApiError>),
    /// 404: no such resource or record.
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),
    /// 409: conflict with the current state (e.g. a duplicate SKU).
    #[error("conflict: {0}")]
    Conflict(Box<ApiError>),
    /// 422: validation failed (`details.fields` lists each field), or an idempotency key was reused.
    #[error("validation failed: {0}")]
    ValidationFailed(Box<ApiError>),
    /// 429: rate limited; `retry_after` says when to try again.
    #[error("rate limited: {0}")]
    RateLimited(Box<ApiError>),
    /// 5xx, or a status the API never sends.
    #[error("server error: {0}")]
    Server(Box<ApiError>),
    /// The connection could not be made or broke before a response arrived.
    #[error("connection error: {message}")]
    Connection {
        /// What happened.
        message: String,
    },
    /// No response within the timeout.
    #[error("timeout: {message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// A webhook did not verify.
    #[error("webhook verification failed ({reason}): {message}")]
    WebhookVerification {
        /// Why.
        reason: VerificationFailure,
        /// A readable explanation (never contains a secret).
        message: String,
    },
    /// The client was configured wrongly (no credential, bad base URL, ...).
    #[error("invalid configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// A request could not be built from the arguments (limit out of range, unknown resource, ...).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },
    /// A 2xx response whose body was not what the API promises.
    #[error("could not decode response (status {status}): {message}")]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// What did not parse.
        message: String,
        /// The request id, if the response had one.
        request_id: Option<String>,
    },
}

impl fmt::Debug for Error {
    // `Error::NotFound(ApiError { status: 404, ... })` style, without string escaping.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.api() {
            Some(api) => write!(f, "Error::{}({api:?})", self.kind()),
            None => match self.verification_failure() {
                Some(r) => write!(f, "Error::{}({r}: {})", self.kind(), self.message()),
                None => write!(f, "Error::{}({})", self.kind(), self.message()),
            },
        }
    }
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
};

impl Error {
    /// Every stable kind string, one per variant, in declaration order.
    pub const KINDS: [&'static str; 14] = [
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "validation_failed",
        "rate_limited",
        "server_error",
        "connection_error",
        "timeout",
        "webhook_verification",
        "invalid_config",
        "invalid_request",
        "decode_error",
    ];

    /// The stable kind string of the variant, e.g. `not_found`, `timeout`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::ValidationFailed(_) => "validation_failed",
            Error::RateLimited(_) => "rate_limited",
            Error::Server(_) => "server_error",
            Error::Connection { .. } => "connection_error",
            Error::Timeout { .. } => "timeout",
            Error::WebhookVerification { .. } => "webhook_verification",
            Error::Config { .. } => "invalid_config",
            Error::InvalidRequest { .. } => "invalid_request",
            Error::Decode { .. } => "decode_error",
        }
    }

    /// The API error, for the variants that come from a response.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(e)
            | Error::Unauthorized(e)
            | Error::Forbidden(e)
            | Error::NotFound(e)
            | Error::Conflict(e)
            | Error::ValidationFailed(e)
            | Error::RateLimited(e)
            | Error::Server(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, where there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } => Some(*status),
            _ => self.api().map(|e| e.status),
        }
    }

    /// The error code: the API's (`NOT_FOUND`, ...) for API errors, otherwise the kind in
    /// upper case (`TIMEOUT`, `CONNECTION_ERROR`, ...).
    pub fn code(&self) -> String {
        match self.api() {
            Some(e) => e.code.clone(),
            None => self.kind().to_ascii_uppercase(),
        }
    }

    /// The human-readable message, without the kind prefix.
    pub fn message(&self) -> String {
        match self {
            Error::Connection { message }
            | Error::Timeout { message }
            | Error::WebhookVerification { message, .. }
            | Error::Config { message }
            | Error::InvalidRequest { message }
            | Error::Decode { message, .. } => message.clone(),
            _ => self.api().map(|e| e.message.clone()).unwrap_or_default(),
        }
    }

    /// The request id, where the server gave one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => self.api().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// Structured details from the error body.
    pub fn details(&self) -> Option<&Value> {
        self.api().and_then(|e| e.details.as_ref())
    }

    /// `Retry-After` as sent by the server.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// The reason, for webhook verification errors.
    pub fn verification_failure(&self) -> Option<VerificationFailure> {
        match self {
            Error::WebhookVerification { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// A webhook verification error (for faces that decode a verified body themselves).
    pub fn verification(reason: VerificationFailure, message: impl Into<String>) -> Self {
        Error::WebhookVerification {
            reason,
            message: message.into(),
        }
    }

    /// Builds the error for a non-2xx response: status, headers (any case) and raw body.
    /// `now` resolves a `Retry-After` given as an HTTP date.
    pub fn from_response(
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        now: SystemTime,
    ) -> Error {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(v, now));
        let header_request_id = header("x-request-id").map(str::to_owned);

        let envelope = crate::json::from_slice(body).ok().and_then(|v| match v {
            Value::Object(mut m) => match m.remove("error") {
                Some(Value::Object(e)) => Some(e),
                _ => None,
            },
            _ => None,
        });

        let (code, message, details, request_id) = match envelope {
            Some(mut e) => {
                let code = match e.remove("code") {
                    Some(Value::String(s)) if !s.is_empty() => s,
                    _ => default_code(status).to_owned(),
                };
                let message = match e.remove("message") {
                    Some(Value::String(s)) if !s.is_empty() => s,
                    _ => status_line(status),
                };
                let details = match e.remove("details") {
                    None | Some(Value::Null) => None,
                    Some(d) => Some(d),
                };
                let request_id = match e.remove("request_id") {
                    Some(Value::String(s)) if !s.is_empty() => Some(s),
                    _ => header_request_id,
                };
                (code, message, details, request_id)
            }
            None => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                let message = if text.is_empty() {
                    status_line(status)
                } else {
                    format!("{}: {}", status_line(status), excerpt(text, 200))
                };
                (
                    default_code(status).to_owned(),
                    message,
                    None,
                    header_request_id,
                )
            }
        };

        let api = Box::new(ApiError {
            status,
            code,
            message,
            request_id,
            details,
            retry_after,
        });
        match status {
            401 => Error::Unauthorized(api),
            403 => Error::Forbidden(api),
            404 => Error::NotFound(api),
            409 => Error::Conflict(api),
            422 => Error::ValidationFailed(api),
            429 => Error::RateLimited(api),
            400..=499 => Error::BadRequest(api),
            _ => Error::Server(api),
        }
    }
}

/// The API's error code for a status when the body does not name one.
pub fn default_code(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        422 => "VALIDATION_FAILED",
        429 => "RATE_LIMITED",
        503 => "UNAVAILABLE",
        400..=499 => "BAD_REQUEST",
        _ => "INTERNAL",
    }
}

/// The error kind (see [`Error::kind`]) that an API error code maps to, for every code the
/// spec defines (`None` for codes the API does not define).
pub fn kind_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "BAD_REQUEST" | "PAYLOAD_TOO_LARGE" => "bad_request",
        "UNAUTHORIZED" => "unauthorized",
        "FORBIDDEN" => "forbidden",
        "NOT_FOUND" => "not_found",
        "CONFLICT" => "conflict",
        "VALIDATION_FAILED" | "IDEMPOTENCY_KEY_REUSED" => "validation_failed",
        "RATE_LIMITED" => "rate_limited",
        "INTERNAL" | "UNAVAILABLE" => "server_error",
        // Only inside batch results (status 424): an operation undone or never run.
        "ROLLED_BACK" | "SKIPPED" => "bad_request",
        _ => return None,
    })
}

fn status_line(status: u16) -> String {
    match reason_phrase(status) {
        Some(r) => format!("HTTP {status} {r}"),
        None => format!("HTTP {status}"),
    }
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        424 => "Failed Dependency",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

fn excerpt(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn envelope_fields_are_used() {
        let body = br#"{"error":{"code":"NOT_FOUND","message":"no company cmp_1","details":{"id":"cmp_1"},"request_id":"req_body"}}"#;
        let e = Error::from_response(
            404,
            &hdrs(&[("X-Request-Id", "req_hdr")]),
            body,
            SystemTime::now(),
        );
        assert_eq!(e.kind(), "not_found");
        assert_eq!(e.code(), "NOT_FOUND");
        assert_eq!(e.message(), "no company cmp_1");
        assert_eq!(e.request_id(), Some("req_body"));
        assert_eq!(e.details().unwrap()["id"], "cmp_1");
        assert!(e.to_string().contains("req_body"));
    }

    #[test]
    fn html_body_and_header_request_id() {
        let e = Error::from_response(
            502,
            &hdrs(&[("x-request-id", "req_h")]),
            b"<html>bad gateway</html>",
            SystemTime::now(),
        );
        assert_eq!(e.kind(), "server_error");
        assert_eq!(e.code(), "INTERNAL");
        assert_eq!(
            e.message(),
            "HTTP 502 Bad Gateway: <html>bad gateway</html>"
        );
        assert_eq!(e.request_id(), Some("req_h"));
    }

    #[test]
    fn every_kind_string_is_listed_once() {
        let mut kinds = Error::KINDS.to_vec();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), Error::KINDS.len());
        let samples = [
            Error::config("x"),
            Error::invalid("x"),
            Error::verification(VerificationFailure::MissingHeader, "x"),
            Error::Timeout {
                message: "x".into(),
            },
            Error::Connection {
                message: "x".into(),
            },
        ];
        for e in samples {
            assert!(Error::KINDS.contains(&e.kind()));
            assert_eq!(e.code(), e.kind().to_ascii_uppercase());
        }
    }

    #[test]
    fn long_text_is_cut() {
        let long = "x".repeat(500);
        let e = Error::from_response(500, &[], long.as_bytes(), SystemTime::now());
        assert!(e.message().len() < 260, "{}", e.message().len());
        assert!(e.message().ends_with("..."));
    }
}
