//! Small helpers: time, ids, hashing, the API error type.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-23T12:16:06.123Z`. The last one formatted
/// is kept per thread: a batch asks for the same millisecond thousands of times.
pub fn rfc3339(ms: i64) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        if l.0 != ms {
            *l = (ms, format_rfc3339(ms));
        }
        l.1.clone()
    })
}

fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        y,
        m,
        d,
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60,
        milli
    )
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Drops a large value (a batch's request or result) on tokio's blocking pool, so that
/// freeing it does not delay the answer; inline outside a runtime.
pub fn drop_in_background<T: Send + 'static>(v: T) {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => {
            h.spawn_blocking(move || drop(v));
        }
        Err(_) => drop(v),
    }
}

/// Cryptographically random bytes from the OS.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    if getrandom::getrandom(&mut v).is_err() {
        for b in v.iter_mut() {
            *b = fastrand::u8(..);
        }
    }
    v
}

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A random alphanumeric string of `n` characters (OS randomness).
pub fn random_alnum(n: usize) -> String {
    random_bytes(n)
        .into_iter()
        .map(|b| ALNUM[(b as usize) % ALNUM.len()] as char)
        .collect()
}

/// Base-62 digits in ASCII order, so fixed-width numbers sort as text.
const ORDERED62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An id with a prefix, e.g. `cmp_0Uy7kQ2b3k9...`: 24 alphanumerics, the creation time in
/// milliseconds (8 base-62 digits, so ids of later records sort later and land at the end
/// of the id indexes instead of all over them) and 16 random ones (95 bits, from OS
/// randomness read in blocks: one `getrandom` call per 256 ids, not one per id).
pub fn new_id(prefix: &str) -> String {
    const TIME: usize = 8;
    const RANDOM: usize = 16;
    const BLOCK: usize = 4096;
    thread_local! {
        static POOL: std::cell::RefCell<(Vec<u8>, usize)> =
            const { std::cell::RefCell::new((Vec::new(), 0)) };
    }
    let mut id = String::with_capacity(prefix.len() + 1 + TIME + RANDOM);
    id.push_str(prefix);
    id.push('_');
    let mut t = now_ms().max(0) as u64;
    let mut digits = [0u8; TIME];
    for d in digits.iter_mut().rev() {
        *d = ORDERED62[(t % 62) as usize];
        t /= 62;
    }
    id.extend(digits.iter().map(|&b| b as char));
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.0.len() < p.1 + RANDOM {
            *p = (random_bytes(BLOCK), 0);
        }
        let at = p.1;
        for &b in &p.0[at..at + RANDOM] {
            id.push(ALNUM[(b as usize) % ALNUM.len()] as char);
        }
        // each byte is used once
        p.1 = at + RANDOM;
    });
    id
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// An API error: status, code, message, details.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Value::Null,
            retry_after: None,
        }
    }
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(400, "BAD_REQUEST", m)
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(401, "UNAUTHORIZED", m)
    }
    pub fn forbidden(scope: &str) -> Self {
        Self::new(
            403,
            "FORBIDDEN",
            format!("this API key lacks the scope `{scope}`"),
        )
        .with_details(json!({ "required_scope": scope }))
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", m)
    }
    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        // 405 has no code of its own in the spec's list: BAD_REQUEST, with the allowed methods
        Self::new(405, "BAD_REQUEST", "method not allowed on this path")
            .with_details(json!({ "allowed": allowed }))
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(409, "CONFLICT", m)
    }
    pub fn validation(fields: Vec<(String, String)>) -> Self {
        let list: Vec<Value> = fields
            .iter()
            .map(|(f, m)| json!({ "field": f, "message": m }))
            .collect();
        let msg = match fields.first() {
            Some((f, m)) if fields.len() == 1 => format!("validation failed: {f}: {m}"),
            _ => format!("validation failed on {} fields", fields.len()),
        };
        Self::new(422, "VALIDATION_FAILED", msg).with_details(json!({ "fields": list }))
    }
    pub fn internal(m: impl Into<String>) -> Self {
        Self::new(500, "INTERNAL", m)
    }

    /// The `error` object without the request id.
    pub fn to_inner(&self, request_id: &str) -> Value {
        json!({
            "code": self.code,
            "message": self.message,
            "details": self.details,
            "request_id": request_id,
        })
    }
    pub fn to_body(&self, request_id: &str) -> Value {
        json!({ "error": self.to_inner(request_id) })
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("storage error: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(format!("serialization error: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_436_166_123), "2026-11-23T12:16:06.123Z");
        assert_eq!(rfc3339(1_795_436_166_123), "2026-11-23T12:16:06.123Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }
    #[test]
    fn ids_are_distinct_and_shaped() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id("cmp")).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let rest = id.strip_prefix("cmp_").unwrap();
            assert_eq!(rest.len(), 24);
            assert!(rest.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        let a = new_id("evt");
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(new_id("evt") > a, "later ids sort later");
    }
}
