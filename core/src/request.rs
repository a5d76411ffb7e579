//! Request building: methods, per-request options and the prepared (not yet sent) request.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name in upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether requests with this method write (and so take `Idempotency-Key` and
    /// `X-Suppress-Webhooks`).
    pub fn is_write(self) -> bool {
        !matches!(self, Method::Get)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Parses `GET`, `POST`, `PATCH`, `DELETE` (any case).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_uppercase().as_str() {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            "PATCH" => Ok(Method::Patch),
            "DELETE" => Ok(Method::Delete),
            _ => Err(Error::invalid(format!(
                "unsupported method '{s}': expected GET, POST, PATCH or DELETE"
            ))),
        }
    }
}

/// Options that apply to one request, overriding the client's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// Timeout of each attempt.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// `Idempotency-Key` for a write (a POST without one gets a generated key).
    pub idempotency_key: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Webhook ids (or `*`) whose deliveries this write must not trigger (`X-Suppress-Webhooks`).
    pub suppress_webhooks: Vec<String>,
}

impl RequestOptions {
    /// Empty options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the number of retries.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Suppresses deliveries to these webhooks (`"*"` for all of the tenant's).
    pub fn suppress_webhooks<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.suppress_webhooks
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// Layers `other` on top of `self` (other's settings win, headers add up).
    pub fn merged(&self, other: &RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        headers.extend(other.headers.iter().cloned());
        let mut suppress = self.suppress_webhooks.clone();
        suppress.extend(other.suppress_webhooks.iter().cloned());
        RequestOptions {
            timeout: other.timeout.or(self.timeout),
            max_retries: other.max_retries.or(self.max_retries),
            idempotency_key: other
                .idempotency_key
                .clone()
                .or_else(|| self.idempotency_key.clone()),
            headers,
            suppress_webhooks: suppress,
        }
    }
}

/// A fully built request, ready to send: what [`crate::Query::prepare`] returns as a dry run
/// and what the client sends. Its `Debug` output hides credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// The path, from `/api/v1` on, without the query.
    pub path: String,
    /// The canonical query string (without `?`; empty if none).
    pub query: String,
    /// The headers, names in lower case, in the order they are sent.
    pub headers: Vec<(String, String)>,
    /// The JSON body, serialized.
    pub body: Option<Vec<u8>>,
    /// Per-request timeout and retries.
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
}

impl PreparedRequest {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed back to JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        self.body
            .as_ref()
            .and_then(|b| crate::json::from_slice(b).ok())
    }

    /// The idempotency key that will be sent, generated or given.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header("idempotency-key")
    }
}

/// Whether a header carries a credential and must never be shown.
pub(crate) fn is_secret_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("x-api-key") || name.eq_ignore_ascii_case("authorization")
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if is_secret_header(k) {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field(
                "body",
                &self.body.as_ref().map(|b| String::from_utf8_lossy(b)),
            )
            .finish()
    }
}

/// Checks that a name used in `filter[...]` or `sort` is a plain field name.
pub(crate) fn check_field_name(what: &str, name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_lowercase() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{what} '{name}' is not a field name (lower-case letters, digits and '_')"
        )))
    }
}

/// Checks an id that goes into a path segment.
pub(crate) fn check_id(id: &str) -> Result<(), Error> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "'{id}' is not a valid id (letters, digits, '_' and '-')"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_parse() {
        assert_eq!("patch".parse::<Method>().unwrap(), Method::Patch);
        assert_eq!(
            "PUT".parse::<Method>().unwrap_err().kind(),
            "invalid_request"
        );
    }

    #[test]
    fn field_and_id_checks() {
        assert!(check_field_name("filter", "customer_account").is_ok());
        assert!(check_field_name("filter", "a]b").is_err());
        assert!(check_field_name("sort", "").is_err());
        assert!(check_field_name("sort", "1a").is_err());
        assert!(check_id("cmp_123").is_ok());
        assert!(check_id("../x").is_err());
        assert!(check_id("").is_err());
    }

    #[test]
    fn debug_hides_credentials() {
        let r = PreparedRequest {
            method: Method::Get,
            url: "http://x/api/v1/companies".into(),
            path: "/api/v1/companies".into(),
            query: String::new(),
            headers: vec![
                ("x-api-key".into(), "sk_secret_value".into()),
                ("authorization".into(), "Bearer tok_secret".into()),
            ],
            body: None,
            timeout: None,
            max_retries: None,
        };
        let s = format!("{r:?}");
        assert!(
            !s.contains("sk_secret_value") && !s.contains("tok_secret"),
            "{s}"
        );
    }

    #[test]
    fn options_merge() {
        let base = RequestOptions::new().max_retries(1).header("a", "1");
        let over = RequestOptions::new().idempotency_key("k").header("b", "2");
        let m = base.merged(&over);
        assert_eq!(m.max_retries, Some(1));
        assert_eq!(m.idempotency_key.as_deref(), Some("k"));
        assert_eq!(m.headers.len(), 2);
    }
}
