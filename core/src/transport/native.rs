//! Native transport: reqwest (rustls, pooled keep-alive connections) and tokio's timer.

use std::time::{Duration, SystemTime};

use super::RawResponse;
use crate::error::Error;
use crate::request::PreparedRequest;

/// A fresh idempotency key (UUID v4).
pub(crate) fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Parses an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT` and the two obsolete forms).
pub(crate) fn parse_http_date(value: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(value).ok()
}

/// The current time.
pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

/// Waits for `d` on the tokio timer.
pub(crate) async fn sleep(d: Duration) {
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// HTTP transport over reqwest (rustls, connection pooling, keep-alive).
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The base URL, parsed once: each request only swaps path and query, which spares a
    /// full URL parse (host validation included) per request.
    base: reqwest::Url,
}

impl Transport {
    pub fn new(base_url: &str, connect_timeout: Duration) -> Result<Self, Error> {
        let base = reqwest::Url::parse(base_url)
            .map_err(|e| Error::config(format!("base URL '{base_url}' is not a valid URL: {e}")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| Error::config(format!("cannot create the HTTP client: {e}")))?;
        Ok(Transport { http, base })
    }

    pub async fn execute(
        &self,
        req: &PreparedRequest,
        timeout: Duration,
    ) -> Result<RawResponse, Error> {
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .map_err(|_| Error::invalid("bad method"))?;
        let mut url = self.base.clone();
        url.set_path(&req.path);
        url.set_query((!req.query.is_empty()).then_some(req.query.as_str()));
        let mut builder = self.http.request(method, url).timeout(timeout);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let resp = builder.send().await.map_err(map_reqwest_error)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp.bytes().await.map_err(map_reqwest_error)?.to_vec();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn map_reqwest_error(e: reqwest::Error) -> Error {
    // reqwest's Display includes the URL, never headers, so no credential can leak here.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_timeout() {
        Error::Timeout { message }
    } else {
        Error::Connection { message }
    }
}
