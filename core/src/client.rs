//! The client: configuration, credentials, and the send loop with retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::batch::Batch;
use crate::error::{Error, Result};
use crate::request::{is_secret_header, Method, PreparedRequest, RequestOptions};
use crate::resource::Query;
use crate::retry::{Outcome, RetryPolicy};
use crate::spec::{resource_info, RESOURCES};
use crate::transport::{self, RawResponse, Transport};
use crate::webhooks::Webhooks;

/// The crate version, sent in `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The API's base path, appended to a base URL that does not already end with it.
pub const BASE_PATH: &str = "/api/v1";

/// How the client authenticates. `Debug` never shows the credential.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// Sent as `X-API-Key`.
    ApiKey(String),
    /// Sent as `Authorization: Bearer`.
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiKey(_) => f.write_str("ApiKey([redacted])"),
            Auth::Bearer(_) => f.write_str("Bearer([redacted])"),
        }
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    auth: Option<Auth>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    default_headers: Vec<(String, String)>,
    user_agent_extra: Option<String>,
}

impl ClientBuilder {
    /// Authenticates with an API key (`X-API-Key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.auth = Some(Auth::ApiKey(key.into()));
        self
    }

    /// Authenticates with a bearer token (`Authorization: Bearer`).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Auth::Bearer(token.into()));
        self
    }

    /// Timeout of each attempt (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries after the first attempt (default 3; 0 disables retries).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }

    /// Replaces the whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Adds a header sent with every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Appends a product token to `User-Agent` (the language faces put their name here).
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Self {
        self.user_agent_extra = Some(extra.into());
        self
    }

    /// Builds the client. Fails without a credential or with a malformed base URL.
    pub fn build(self) -> Result<Client> {
        let base = normalize_base_url(&self.base_url)?;
        let auth_header = match &self.auth {
            None => {
                return Err(Error::config(
                    "no credential: set an API key or a bearer token (there is no default)",
                ))
            }
            Some(Auth::ApiKey(k)) => {
                check_credential("API key", k)?;
                ("x-api-key".to_owned(), k.clone())
            }
            Some(Auth::Bearer(t)) => {
                check_credential("bearer token", t)?;
                ("authorization".to_owned(), format!("Bearer {t}"))
            }
        };
        if self.timeout.is_zero() {
            return Err(Error::config("timeout must be greater than zero"));
        }
        let mut default_headers = Vec::with_capacity(self.default_headers.len());
        for (k, v) in &self.default_headers {
            check_header(k, v).map_err(|m| Error::config(format!("default header: {m}")))?;
            default_headers.push((k.to_ascii_lowercase(), v.clone()));
        }
        let user_agent = match &self.user_agent_extra {
            Some(extra) if !extra.trim().is_empty() => {
                format!("erp-api-client/{VERSION} {}", extra.trim())
            }
            _ => format!("erp-api-client/{VERSION} rust"),
        };
        check_header("user-agent", &user_agent).map_err(Error::config)?;
        let transport = Transport::new(&base, self.connect_timeout)?;
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                auth_header,
                timeout: self.timeout,
                retry: self.retry,
                default_headers,
                user_agent,
                transport,
            }),
        })
    }
}

struct Inner {
    base: String,
    auth_header: (String, String),
    timeout: Duration,
    retry: RetryPolicy,
    default_headers: Vec<(String, String)>,
    user_agent: String,
    transport: Transport,
}

/// The API client. Cheap to clone (clones share one connection pool); `Send + Sync`.
///
/// ```no_run
/// # async fn run() -> erp_api_client::Result<()> {
/// use erp_api_client::Client;
/// let client = Client::builder("http://127.0.0.1:8080").api_key("sk_test_...").build()?;
/// let page = client.companies().filter("status", "active").sort("-created_at").limit(10).list().await?;
/// for company in &page.data {
///     println!("{}", company["name"]);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// A decoded successful response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when empty).
    pub body: Value,
}

impl Response {
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

    /// Whether the server replayed a stored response (`Idempotent-Replayed: true`).
    pub fn idempotent_replayed(&self) -> bool {
        self.header("idempotent-replayed") == Some("true")
    }
}

impl Client {
    /// Starts building a client for the API at `base_url` (e.g. `http://127.0.0.1:8080`;
    /// `/api/v1` is appended unless the URL already ends with it).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            auth: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            default_headers: Vec::new(),
            user_agent_extra: None,
        }
    }

    /// The base URL requests go to, ending with `/api/v1`.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The `User-Agent` the client sends.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The `companies` resource.
    pub fn companies(&self) -> Query {
        self.query_for(0)
    }

    /// The `customers` resource.
    pub fn customers(&self) -> Query {
        self.query_for(1)
    }

    /// The `vendors` resource.
    pub fn vendors(&self) -> Query {
        self.query_for(2)
    }

    /// The `inventory-items` resource.
    pub fn inventory_items(&self) -> Query {
        self.query_for(3)
    }

    /// The `sales-orders` resource.
    pub fn sales_orders(&self) -> Query {
        self.query_for(4)
    }

    /// A resource by name: its path (`inventory-items`) or snake-case name (`inventory_items`).
    pub fn resource(&self, name: &str) -> Result<Query> {
        match resource_info(name) {
            Some(info) => Ok(Query::new(self.clone(), info)),
            None => Err(Error::invalid(format!(
                "unknown resource '{name}': expected one of {}",
                RESOURCES
                    .iter()
                    .map(|r| r.path)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn query_for(&self, i: usize) -> Query {
        Query::new(self.clone(), &RESOURCES[i])
    }

    /// A new batch builder.
    pub fn batch(&self) -> Batch {
        Batch::new(self.clone())
    }

    /// Webhook management.
    pub fn webhooks(&self) -> Webhooks {
        Webhooks::new(self.clone())
    }

    /// `GET /events/types`: the event types webhooks can subscribe to.
    pub async fn event_types(&self) -> Result<Value> {
        self.request(
            Method::Get,
            "/events/types",
            &[],
            None,
            &RequestOptions::default(),
        )
        .await
        .map(|r| r.body)
    }

    /// Builds a request without sending it (a dry run): `path` is relative to `/api/v1`.
    /// A POST without an idempotency key gets a generated one here.
    pub fn prepare(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        options: &RequestOptions,
    ) -> Result<PreparedRequest> {
        if !path.starts_with('/') {
            return Err(Error::invalid(format!("path '{path}' must start with '/'")));
        }
        let inner = &self.inner;
        let query = encode_query(query);
        let mut url = String::with_capacity(inner.base.len() + path.len() + query.len() + 1);
        url.push_str(&inner.base);
        url.push_str(path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }

        let mut headers: Vec<(String, String)> = Vec::with_capacity(8);
        headers.push(("accept".into(), "application/json".into()));
        headers.push(("user-agent".into(), inner.user_agent.clone()));
        headers.push(inner.auth_header.clone());
        let body_bytes = match body {
            Some(b) => {
                headers.push(("content-type".into(), "application/json".into()));
                Some(
                    crate::json::to_vec(b)
                        .map_err(|e| Error::invalid(format!("body is not JSON: {e}")))?,
                )
            }
            None => None,
        };
        if method.is_write() {
            let key = match &options.idempotency_key {
                Some(k) => {
                    if k.is_empty() || k.len() > 255 {
                        return Err(Error::invalid(
                            "idempotency key must be 1 to 255 characters",
                        ));
                    }
                    Some(k.clone())
                }
                None if method == Method::Post => Some(transport::new_idempotency_key()),
                None => None,
            };
            if let Some(k) = key {
                headers.push(("idempotency-key".into(), k));
            }
            if !options.suppress_webhooks.is_empty() {
                headers.push((
                    "x-suppress-webhooks".into(),
                    options.suppress_webhooks.join(","),
                ));
            }
        } else if !options.suppress_webhooks.is_empty() {
            return Err(Error::invalid(
                "suppress_webhooks only applies to writes (POST, PATCH, DELETE)",
            ));
        }
        for (k, v) in inner.default_headers.iter().chain(options.headers.iter()) {
            check_header(k, v).map_err(Error::invalid)?;
            let k = k.to_ascii_lowercase();
            if is_secret_header(&k) {
                return Err(Error::invalid(
                    "credentials are set on the client, not as extra headers",
                ));
            }
            if let Some(slot) = headers.iter_mut().find(|(name, _)| *name == k) {
                slot.1 = v.clone();
            } else {
                headers.push((k, v.clone()));
            }
        }
        if let Some(t) = options.timeout {
            if t.is_zero() {
                return Err(Error::invalid("timeout must be greater than zero"));
            }
        }
        Ok(PreparedRequest {
            method,
            url,
            path: format!("{}{}", base_path_of(&inner.base), path),
            query,
            headers,
            body: body_bytes,
            timeout: options.timeout,
            max_retries: options.max_retries,
        })
    }

    /// Sends a prepared request with retries; non-2xx responses become errors. The body is
    /// decoded as JSON (`Null` when empty); a body that is not JSON is an [`Error::Decode`].
    pub async fn send(&self, req: &PreparedRequest) -> Result<Response> {
        let raw = self.send_raw(req).await?;
        decode_response(raw)
    }

    /// Builds and sends a request to any API path (relative to `/api/v1`), with retries.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        options: &RequestOptions,
    ) -> Result<Response> {
        let req = self.prepare(method, path, query, body, options)?;
        self.send(&req).await
    }

    /// Sends a prepared request exactly as [`send`](Self::send) does (same retries, same
    /// errors for non-2xx responses and failed connections) but hands back the successful
    /// response undecoded: for callers that parse the JSON themselves. The body is not
    /// checked; [`RawResponse::decode_error`] builds the error `send` would report for a
    /// body that does not parse.
    pub async fn send_raw(&self, req: &PreparedRequest) -> Result<RawResponse> {
        let inner = &self.inner;
        let timeout = req.timeout.unwrap_or(inner.timeout);
        let mut policy = inner.retry.clone();
        if let Some(n) = req.max_retries {
            policy.max_retries = n;
        }
        let mut retries_done = 0u32;
        loop {
            let result = inner.transport.execute(req, timeout).await;
            let (err, decision) = match result {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
                Ok(resp) => {
                    let now = transport::now();
                    let outcome = Outcome::Status {
                        status: resp.status,
                        retry_after: resp.header("retry-after"),
                    };
                    let decision = policy.decide(retries_done, &outcome, now);
                    let err = Error::from_response(resp.status, &resp.headers, &resp.body, now);
                    (err, decision)
                }
                Err(err) => {
                    let outcome = match err {
                        Error::Timeout { .. } => Outcome::Timeout,
                        Error::Connection { .. } => Outcome::Connection,
                        _ => return Err(err),
                    };
                    let decision = policy.decide(retries_done, &outcome, transport::now());
                    (err, decision)
                }
            };
            match decision.delay() {
                None => return Err(err),
                Some(delay) => {
                    transport::sleep(delay).await;
                    retries_done += 1;
                }
            }
        }
    }
}

fn decode_response(raw: RawResponse) -> Result<Response> {
    let body = if raw.is_empty_body() {
        Value::Null
    } else {
        crate::json::from_slice(&raw.body).map_err(|e| raw.decode_error(e))?
    };
    Ok(Response {
        status: raw.status,
        headers: raw.headers,
        body,
    })
}

pub(crate) fn decode_value<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::Decode {
        status: 200,
        message: format!("unexpected response shape: {e}"),
        request_id: None,
    })
}

/// Encodes query pairs as `application/x-www-form-urlencoded`, in the given order.
pub(crate) fn encode_query(pairs: &[(String, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

fn base_path_of(base: &str) -> &str {
    // base is "scheme://host[:port]/path..."; return the path part.
    let after_scheme = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    match after_scheme.find('/') {
        Some(i) => &after_scheme[i..],
        None => "",
    }
}

fn normalize_base_url(url: &str) -> Result<String> {
    let url = url.trim();
    if url.is_empty() {
        return Err(Error::config(
            "no base URL: pass the API's address, e.g. http://127.0.0.1:8080 (there is no default)",
        ));
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| {
            Error::config(format!(
                "base URL '{url}' must start with http:// or https://"
            ))
        })?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || rest.contains(['?', '#', ' '])
        || host.contains('@')
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
    {
        return Err(Error::config(format!(
            "base URL '{url}' is not a valid http(s) URL with a host and no query"
        )));
    }
    let trimmed = url.trim_end_matches('/');
    if trimmed.ends_with(BASE_PATH) {
        Ok(trimmed.to_owned())
    } else {
        Ok(format!("{trimmed}{BASE_PATH}"))
    }
}

fn check_credential(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::config(format!("the {what} is empty")));
    }
    if value.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(Error::config(format!(
            "the {what} contains whitespace or control characters"
        )));
    }
    Ok(())
}

fn check_header(name: &str, value: &str) -> std::result::Result<(), String> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !name_ok {
        return Err(format!("'{name}' is not a valid header name"));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(format!(
            "the value of header '{name}' contains a line break"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/api/v1"
        );
        assert_eq!(
            normalize_base_url("https://erp.example.com/api/v1/").unwrap(),
            "https://erp.example.com/api/v1"
        );
        assert_eq!(
            normalize_base_url("https://gw.example.com/erp").unwrap(),
            "https://gw.example.com/erp/api/v1"
        );
        for bad in [
            "",
            "ftp://x",
            "http://",
            "http://a b",
            "http://x?y=1",
            "127.0.0.1",
        ] {
            assert_eq!(
                normalize_base_url(bad).unwrap_err().kind(),
                "invalid_config",
                "{bad}"
            );
        }
        assert_eq!(base_path_of("http://h:1/api/v1"), "/api/v1");
    }

    #[test]
    fn builder_requires_credential() {
        let e = Client::builder("http://127.0.0.1:1").build().unwrap_err();
        assert_eq!(e.kind(), "invalid_config");
        let e = Client::builder("http://127.0.0.1:1")
            .api_key("")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_config");
        let e = Client::builder("http://127.0.0.1:1")
            .api_key("a b")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_config");
        assert!(!e.to_string().contains("a b"));
    }

    #[test]
    fn debug_never_shows_credential() {
        let c = Client::builder("http://127.0.0.1:1")
            .api_key("sk_very_secret")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("sk_very_secret"));
        let b = Client::builder("http://127.0.0.1:1").bearer_token("tok_very_secret");
        assert!(!format!("{b:?}").contains("tok_very_secret"));
    }

    #[test]
    fn prepare_generates_key_for_post_only() {
        let c = Client::builder("http://127.0.0.1:1")
            .api_key("k")
            .build()
            .unwrap();
        let o = RequestOptions::default();
        let post = c
            .prepare(
                Method::Post,
                "/companies",
                &[],
                Some(&serde_json::json!({})),
                &o,
            )
            .unwrap();
        assert_eq!(post.idempotency_key().map(str::len), Some(36));
        let patch = c
            .prepare(Method::Patch, "/companies/cmp_1", &[], None, &o)
            .unwrap();
        assert_eq!(patch.idempotency_key(), None);
        let e = c
            .prepare(
                Method::Get,
                "/companies",
                &[],
                None,
                &RequestOptions::new().header("X-Api-Key", "x"),
            )
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_request");
    }
}
