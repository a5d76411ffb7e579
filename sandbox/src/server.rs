//! The HTTP face: auth, rate limit, faults, idempotency, errors, headers.

use crate::api::{self, After, Ctx, Method, Route};
use crate::batch;
use crate::db;
use crate::dispatcher::{lock, Dispatcher};
use crate::events::Suppress;
use crate::util::{new_id, now_ms, sha256_hex, ApiError};
use crate::webhooks;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::TransactionBehavior;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

pub const MAX_BODY: usize = 1024 * 1024;

/// Lets a handler drop its connection without answering.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

#[derive(Debug, Clone)]
pub struct Fault {
    key: Option<String>,
    prefix: Option<String>,
    remaining: u64,
    status: Option<u16>,
    retry_after: Option<u64>,
    delay_ms: u64,
    drop_connection: bool,
}

impl Fault {
    fn matches(&self, key: &str) -> bool {
        self.key.as_deref().map(|k| k == key).unwrap_or(true)
            && self
                .prefix
                .as_deref()
                .map(|p| key.starts_with(p))
                .unwrap_or(true)
    }
    fn to_json(&self) -> Value {
        json!({
            "api_key_prefix": self.prefix,
            "remaining": self.remaining,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay_ms": self.delay_ms,
            "drop_connection": self.drop_connection,
        })
    }
}

pub struct AppState {
    pub disp: Arc<Dispatcher>,
    pub test_controls: bool,
    pub rate: f64,
    pub burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    faults: Mutex<Vec<Fault>>,
    requests: Mutex<HashMap<String, VecDeque<Value>>>,
}

impl AppState {
    pub fn new(disp: Arc<Dispatcher>, test_controls: bool, rate: f64, burst: f64) -> Self {
        AppState {
            disp,
            test_controls,
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token: (allowed, remaining, seconds to full, retry after).
    fn take_token(&self, key_hash: &str) -> (bool, u64, u64, u64) {
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let e = b.entry(key_hash.to_string()).or_insert((self.burst, now));
        let elapsed = now.duration_since(e.1).as_secs_f64();
        e.0 = (e.0 + elapsed * self.rate).min(self.burst);
        e.1 = now;
        let ok = e.0 >= 1.0;
        if ok {
            e.0 -= 1.0;
        }
        let reset = ((self.burst - e.0) / self.rate).ceil().max(0.0) as u64;
        let retry = (((1.0 - e.0) / self.rate).ceil() as u64).max(1);
        (ok, e.0.floor() as u64, reset, retry)
    }

    /// The bucket without taking a token: (remaining, seconds to full).
    fn peek_tokens(&self, key_hash: &str) -> (u64, u64) {
        let b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let tokens = match b.get(key_hash) {
            Some((t, at)) => (t + at.elapsed().as_secs_f64() * self.rate).min(self.burst),
            None => self.burst,
        };
        (
            tokens.floor() as u64,
            ((self.burst - tokens) / self.rate).ceil().max(0.0) as u64,
        )
    }

    fn take_fault(&self, key: &str) -> Option<Fault> {
        let mut f = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        let i = f.iter().position(|x| x.remaining > 0 && x.matches(key))?;
        f[i].remaining -= 1;
        let out = f[i].clone();
        if f[i].remaining == 0 {
            f.remove(i);
        }
        Some(out)
    }

    fn log_request(&self, key_hash: &str, entry: Value) {
        if !self.test_controls {
            return;
        }
        let mut r = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let q = r.entry(key_hash.to_string()).or_default();
        q.push_back(entry);
        while q.len() > 1000 {
            q.pop_front();
        }
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    text_response(status, body.to_string())
}

/// A response whose body is JSON text already.
fn text_response(status: u16, body: String) -> Response {
    let mut r = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub fn error_response(e: &ApiError, rid: &str) -> Response {
    let mut r = json_response(e.status, &e.to_body(rid));
    if let Some(s) = e.retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub fn credential(h: &HeaderMap) -> Option<String> {
    if let Some(k) = header_str(h, "x-api-key") {
        let k = k.trim();
        if !k.is_empty() {
            return Some(k.to_string());
        }
    }
    let a = header_str(h, "authorization")?.trim();
    let (scheme, tok) = a.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !tok.trim().is_empty())
        .then(|| tok.trim().to_string())
}

/// The single entry point for every request.
pub async fn handle(State(st): State<Arc<AppState>>, req: Request) -> Response {
    let rid = new_id("req");
    let mut resp = handle_inner(st, req, &rid).await;
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

async fn read_body(body: Body, headers: &HeaderMap) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            413,
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than 1 MiB",
        )
        .with_details(json!({ "max_bytes": MAX_BODY }))
    };
    if let Some(n) = header_str(headers, "content-length").and_then(|v| v.parse::<u64>().ok()) {
        if n > MAX_BODY as u64 {
            // take (and drop) a moderately large body so the client reads a clean answer
            if n <= 16 * MAX_BODY as u64 {
                let _ = tokio::time::timeout(
                    Duration::from_secs(2),
                    axum::body::to_bytes(body, 16 * MAX_BODY),
                )
                .await;
            }
            return Err(too_large());
        }
    }
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        let msg = e.to_string();
        if msg.contains("length limit") || msg.contains("too large") {
            too_large()
        } else {
            ApiError::bad_request(format!("could not read the request body: {msg}"))
        }
    })
}

async fn handle_inner(st: Arc<AppState>, req: Request, rid: &str) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    if st.test_controls && (path == "/_test" || path.starts_with("/_test/")) {
        let body = match read_body(body, &parts.headers).await {
            Ok(b) => b,
            Err(e) => return error_response(&e, rid),
        };
        return match test_route(&st, parts.method.as_str(), &path, &parts.headers, &body) {
            Ok((s, v)) => json_response(s, &v),
            Err(e) => error_response(&e, rid),
        };
    }
    let Some(rel) = path
        .strip_prefix("/api/v1")
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        let e = ApiError::not_found(format!(
            "no route for `{path}`; the API lives under /api/v1"
        ))
        .with_details(json!({ "path": path }));
        return error_response(&e, rid);
    };
    let rel = rel.to_string();

    // the body first: an unread body would poison the client's kept-alive connection
    let raw = match read_body(body, &parts.headers).await {
        Ok(b) => b,
        Err(e) => {
            let mut r = error_response(&e, rid);
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
    };

    // auth
    let Some(key) = credential(&parts.headers) else {
        return error_response(
            &ApiError::unauthorized(
                "missing credential: send `X-API-Key: <key>` or `Authorization: Bearer <key>`",
            ),
            rid,
        );
    };
    let found = {
        let conn = lock(&st.disp.db);
        db::lookup_key(&conn, &key)
    };
    let (tenant, scopes) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return error_response(&ApiError::unauthorized("invalid API key"), rid),
        Err(e) => return error_response(&ApiError::from(e), rid),
    };
    let key_hash = sha256_hex(key.as_bytes());
    let idem = header_str(&parts.headers, "idempotency-key").map(str::to_string);
    let method_s = parts.method.as_str().to_string();
    let log = |status: u16, note: &str| {
        st.log_request(
            &key_hash,
            json!({
                "method": method_s,
                "path": path,
                "query": query,
                "idempotency_key": idem,
                "status": status,
                "fault": note,
                "at": crate::util::rfc3339(now_ms()),
            }),
        )
    };

    // injected faults
    if let Some(f) = st.take_fault(&key) {
        if f.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
        }
        if f.drop_connection {
            log(0, "drop_connection");
            if let Some(k) = parts.extensions.get::<ConnKill>() {
                k.0.notify_one();
                std::future::pending::<()>().await;
            }
            return error_response(&ApiError::new(503, "UNAVAILABLE", "injected fault"), rid);
        }
        if let Some(s) = f.status {
            let code = match s {
                401 => "UNAUTHORIZED",
                403 => "FORBIDDEN",
                404 => "NOT_FOUND",
                409 => "CONFLICT",
                413 => "PAYLOAD_TOO_LARGE",
                422 => "VALIDATION_FAILED",
                429 => "RATE_LIMITED",
                408 | 502 | 503 | 504 => "UNAVAILABLE",
                400..=499 => "BAD_REQUEST",
                _ => "INTERNAL",
            };
            let mut e = ApiError::new(s, code, format!("injected fault: {s}"))
                .with_details(json!({ "injected": true }));
            e.retry_after = f.retry_after;
            log(s, "status");
            let mut resp = error_response(&e, rid);
            let (remaining, reset) = st.peek_tokens(&key_hash);
            rate_headers(&mut resp, st.burst, remaining, reset);
            return resp;
        }
    }

    // rate limit
    let (allowed, remaining, reset, retry) = st.take_token(&key_hash);
    let mut resp = if !allowed {
        let mut e = ApiError::new(429, "RATE_LIMITED", "rate limit exceeded for this API key")
            .with_details(json!({ "limit_per_second": st.rate, "burst": st.burst }));
        e.retry_after = Some(retry);
        error_response(&e, rid)
    } else {
        let ctx_scopes = scopes.clone();
        authed(&st, &parts, raw, &rel, &query, &tenant, &ctx_scopes, rid).await
    };
    rate_headers(&mut resp, st.burst, remaining, reset);
    log(resp.status().as_u16(), "");
    resp
}

fn rate_headers(resp: &mut Response, burst: f64, remaining: u64, reset: u64) {
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(burst as u64));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert(
        "x-ratelimit-reset",
        HeaderValue::from((now_ms() / 1000) as u64 + reset),
    );
}

#[allow(clippy::too_many_arguments)]
async fn authed(
    st: &Arc<AppState>,
    parts: &axum::http::request::Parts,
    raw: Bytes,
    rel: &str,
    query: &str,
    tenant: &str,
    scopes: &[String],
    rid: &str,
) -> Response {
    match authed_inner(st, parts, raw, rel, query, tenant, scopes, rid).await {
        Ok(r) => r,
        Err(e) => error_response(&e, rid),
    }
}

enum Done {
    Plain(u16, Value),
    /// A body already serialized (a synchronous batch's result).
    Text(u16, String),
    Replay(u16, String),
    DeliverNow(String, String),
    AsyncBatch(u16, Value, String),
}

#[allow(clippy::too_many_arguments)]
async fn authed_inner(
    st: &Arc<AppState>,
    parts: &axum::http::request::Parts,
    raw: Bytes,
    rel: &str,
    query: &str,
    tenant: &str,
    scopes: &[String],
    rid: &str,
) -> Result<Response, ApiError> {
    let method = Method::parse(parts.method.as_str());
    let route = api::resolve(method, rel)?;
    let method = method.ok_or_else(|| ApiError::method_not_allowed(&[]))?;
    let suppress = Suppress::parse(header_str(&parts.headers, "x-suppress-webhooks"));
    let ctx = Ctx {
        tenant,
        scopes,
        suppress: &suppress,
    };
    ctx.check_scope(&route)?;
    let json_body: Option<Value> = if raw.iter().all(|b| b.is_ascii_whitespace()) {
        None
    } else {
        Some(serde_json::from_slice(&raw).map_err(|e| {
            ApiError::bad_request(format!("malformed JSON body: {e}")).with_details(json!({
                "line": e.line(),
                "column": e.column(),
            }))
        })?)
    };
    if api::needs_body(&route) || (method.is_write() && json_body.is_some()) {
        match &json_body {
            Some(Value::Object(_)) => {}
            Some(_) => {
                return Err(ApiError::bad_request(
                    "the request body must be a JSON object",
                ))
            }
            None if api::needs_body(&route) => {
                return Err(ApiError::bad_request(
                    "this request needs a JSON object body",
                ))
            }
            None => {}
        }
    }
    let idem = if method.is_write() {
        match header_str(&parts.headers, "idempotency-key") {
            Some(k) if k.is_empty() || k.len() > 255 => {
                return Err(ApiError::bad_request(
                    "`Idempotency-Key` must be 1 to 255 characters",
                ))
            }
            Some(k) => Some(k.to_string()),
            None => None,
        }
    } else {
        None
    };
    let batch_req = if matches!(route, Route::BatchCreate) {
        Some(batch::parse(json_body.as_ref().unwrap_or(&Value::Null))?)
    } else {
        None
    };
    let req_hash = api::request_hash(method, rel, query, json_body.as_ref());

    // the transaction: the change, its events and deliveries, the idempotency record
    let done = {
        let mut conn = lock(&st.disp.db);
        let tx = conn.transaction_with_behavior(if method.is_write() {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        })?;
        let replay = match &idem {
            Some(k) => {
                api::idempotency_lookup(&tx, tenant, k, &req_hash)?.map(|(s, b)| Done::Replay(s, b))
            }
            None => None,
        };
        match replay {
            Some(r) => r,
            None => {
                let done = if let Some(b) = &batch_req {
                    let raw_body = json_body.as_ref().unwrap_or(&Value::Null);
                    if b.is_async {
                        let (id, v) = batch::queue(
                            &tx,
                            &ctx,
                            header_str(&parts.headers, "x-suppress-webhooks"),
                            b,
                            raw_body,
                            rid,
                        )?;
                        Done::AsyncBatch(202, v, id)
                    } else {
                        Done::Text(200, batch::run_sync(&tx, &ctx, b, raw_body, rid)?)
                    }
                } else {
                    let (status, v, after) =
                        api::exec(&tx, &ctx, &route, query, json_body.as_ref())?;
                    match after {
                        After::Nothing => Done::Plain(status, v),
                        After::DeliverNow(w, d) => {
                            st.disp.claim(&d);
                            Done::DeliverNow(w, d)
                        }
                    }
                };
                if let (Some(k), Done::Plain(s, v) | Done::AsyncBatch(s, v, ..)) = (&idem, &done) {
                    if (200..300).contains(s) {
                        api::idempotency_store(&tx, tenant, k, &req_hash, *s, v)?;
                    }
                }
                if let (Some(k), Done::Text(s, t)) = (&idem, &done) {
                    if (200..300).contains(s) {
                        api::idempotency_store_text(&tx, tenant, k, &req_hash, *s, t)?;
                    }
                }
                tx.commit()?;
                done
            }
        }
    };
    if method.is_write() {
        st.disp.notify.notify_one();
    }
    if let Some(b) = batch_req {
        // freeing a 1000-operation request takes a millisecond or two: not before answering
        crate::util::drop_in_background((b, json_body));
    }
    Ok(match done {
        Done::Plain(s, v) => json_response(s, &v),
        Done::Text(s, t) => text_response(s, t),
        Done::Replay(s, body) => {
            let location = (s == 202)
                .then(|| serde_json::from_str::<Value>(&body).ok())
                .flatten()
                .and_then(|v| v["id"].as_str().map(|id| format!("/api/v1/batch/{id}")));
            let mut r = (StatusCode::from_u16(s).unwrap_or(StatusCode::OK), body).into_response();
            if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                r.headers_mut().insert(header::LOCATION, l);
            }
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
        Done::DeliverNow(w, d) => {
            st.disp.attempt(&d).await;
            let v = {
                let conn = lock(&st.disp.db);
                let v = webhooks::delivery(&conn, tenant, &w, &d)?;
                if let Some(k) = &idem {
                    api::idempotency_store(&conn, tenant, k, &req_hash, 200, &v)?;
                }
                v
            };
            json_response(200, &v)
        }
        Done::AsyncBatch(s, v, id) => {
            let location = format!("/api/v1/batch/{id}");
            tokio::spawn(batch::run_async(st.disp.clone(), id));
            let mut r = json_response(s, &v);
            if let Ok(l) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, l);
            }
            r
        }
    })
}

/// `/_test/...` routes (only with `--test-controls`).
fn test_route(
    st: &AppState,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    raw: &[u8],
) -> Result<(u16, Value), ApiError> {
    let key = credential(headers);
    let body: Value = if raw.iter().all(|b| b.is_ascii_whitespace()) {
        json!({})
    } else {
        serde_json::from_slice(raw)
            .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))?
    };
    match (method, path.trim_end_matches('/')) {
        ("POST", "/_test/faults") => {
            let o = body
                .as_object()
                .ok_or_else(|| ApiError::bad_request("body must be an object"))?;
            let prefix = o
                .get("api_key_prefix")
                .and_then(Value::as_str)
                .map(String::from);
            if prefix.is_none() && key.is_none() {
                return Err(ApiError::bad_request(
                    "send the API key the fault is for in X-API-Key / Authorization, or give `api_key_prefix`",
                ));
            }
            let u = |k: &str| o.get(k).and_then(Value::as_u64);
            let status = u("status").map(|s| s as u16);
            if let Some(s) = status {
                if !(400..=599).contains(&s) {
                    return Err(ApiError::bad_request("`status` must be from 400 to 599"));
                }
            }
            let f = Fault {
                key: if prefix.is_some() { None } else { key },
                prefix,
                remaining: u("count").unwrap_or(1),
                status,
                retry_after: u("retry_after"),
                delay_ms: u("delay_ms").unwrap_or(0),
                drop_connection: o
                    .get("drop_connection")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            };
            let v = f.to_json();
            st.faults.lock().unwrap_or_else(|e| e.into_inner()).push(f);
            Ok((201, json!({ "fault": v })))
        }
        ("GET", "/_test/faults") => {
            let f = st.faults.lock().unwrap_or_else(|e| e.into_inner());
            let list: Vec<Value> = f
                .iter()
                .filter(|x| key.as_deref().map(|k| x.matches(k)).unwrap_or(true))
                .map(Fault::to_json)
                .collect();
            Ok((200, json!({ "data": list })))
        }
        ("DELETE", "/_test/faults") => {
            let mut f = st.faults.lock().unwrap_or_else(|e| e.into_inner());
            let before = f.len();
            match key.as_deref() {
                Some(k) => f.retain(|x| !x.matches(k)),
                None => f.clear(),
            }
            Ok((200, json!({ "cleared": before - f.len() })))
        }
        ("GET", "/_test/requests") | ("DELETE", "/_test/requests") => {
            let k = key
                .ok_or_else(|| ApiError::bad_request("send the API key whose requests you want"))?;
            let h = sha256_hex(k.as_bytes());
            let mut r = st.requests.lock().unwrap_or_else(|e| e.into_inner());
            if method == "DELETE" {
                r.remove(&h);
                return Ok((200, json!({ "cleared": true })));
            }
            let list: Vec<Value> = r
                .get(&h)
                .map(|q| q.iter().cloned().collect())
                .unwrap_or_default();
            Ok((200, json!({ "data": list })))
        }
        ("POST", "/_test/keys") => {
            let tenant = body
                .get("tenant")
                .or_else(|| body.get("tenant_id"))
                .and_then(Value::as_str)
                .unwrap_or("ten_default")
                .to_string();
            let scopes = match body.get("scopes") {
                None => db::parse_scopes("*"),
                Some(Value::String(s)) => db::parse_scopes(s),
                Some(Value::Array(a)) => db::parse_scopes(
                    &a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                Some(_) => Err("`scopes` must be a list or a comma-separated string".into()),
            }
            .map_err(ApiError::bad_request)?;
            let k = db::new_api_key();
            let conn = lock(&st.disp.db);
            db::insert_key(&conn, &k, &tenant, &scopes)?;
            Ok((
                201,
                json!({ "api_key": k, "tenant_id": tenant, "scopes": scopes }),
            ))
        }
        _ => Err(ApiError::not_found(format!(
            "no test route for {method} {path}"
        ))),
    }
}
