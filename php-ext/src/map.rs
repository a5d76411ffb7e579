//! Maps request descriptions (JSON) onto the core's builders, and results back to JSON.
//! Mapping only: every behaviour is the core's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use erp_api_client::retry::{Decision, Outcome};
use erp_api_client::{
    spec, Batch, BatchHandle, BatchMode, Client, ClientBuilder, CsvImport, DeliveryQuery, Error,
    Method, Op, PreparedRequest, Query, RawResponse, RequestOptions, RetryPolicy, WebhookParams,
};
use serde_json::{json, Value};

use crate::{block_on, error_json, Answer, FfiError};

type R<T> = Result<T, FfiError>;

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

fn opt_str<'a>(v: &'a Value, key: &str) -> R<Option<&'a str>> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(FfiError::invalid(format!("{key} must be a string"))),
    }
}

fn req_str<'a>(v: &'a Value, key: &str) -> R<&'a str> {
    opt_str(v, key)?.ok_or_else(|| FfiError::invalid(format!("{key} is required")))
}

fn opt_u64(v: &Value, key: &str) -> R<Option<u64>> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x
            .as_u64()
            .map(Some)
            .ok_or_else(|| FfiError::invalid(format!("{key} must be a non-negative integer"))),
    }
}

fn opt_i64(v: &Value, key: &str) -> R<Option<i64>> {
    match field(v, key) {
        None => Ok(None),
        Some(x) => x
            .as_i64()
            .map(Some)
            .ok_or_else(|| FfiError::invalid(format!("{key} must be an integer"))),
    }
}

fn opt_u32(v: &Value, key: &str) -> R<Option<u32>> {
    opt_u64(v, key)?
        .map(|n| u32::try_from(n).map_err(|_| FfiError::invalid(format!("{key} is too large"))))
        .transpose()
}

fn opt_bool(v: &Value, key: &str) -> R<Option<bool>> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(FfiError::invalid(format!("{key} must be a boolean"))),
    }
}

fn str_list(v: &Value, key: &str) -> R<Option<Vec<String>>> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| FfiError::invalid(format!("{key} must list strings")))
            })
            .collect::<R<Vec<_>>>()
            .map(Some),
        Some(_) => Err(FfiError::invalid(format!("{key} must be an array"))),
    }
}

/// A scalar as text, the way it goes into a query string (`true`, `12`, `1.5`, `abc`).
fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Headers from `{"name": "value"}` or `[["name", "value"], ...]`.
pub(crate) fn headers_of(v: &Value) -> R<Vec<(String, String)>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Object(m) => Ok(m.iter().map(|(k, v)| (k.clone(), display(v))).collect()),
        Value::Array(a) => a
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([k, v]) => Ok((display(k), display(v))),
                _ => Err(FfiError::invalid("headers must be [name, value] pairs")),
            })
            .collect(),
        _ => Err(FfiError::invalid("headers must be an object")),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(crate) fn client_builder(cfg: &Value) -> R<ClientBuilder> {
    let mut b = Client::builder(opt_str(cfg, "base_url")?.unwrap_or(""));
    if let Some(k) = opt_str(cfg, "api_key")? {
        b = b.api_key(k);
    }
    if let Some(t) = opt_str(cfg, "bearer_token")? {
        b = b.bearer_token(t);
    }
    if let Some(t) = opt_u64(cfg, "timeout_ms")? {
        b = b.timeout(ms(t));
    }
    if let Some(t) = opt_u64(cfg, "connect_timeout_ms")? {
        b = b.connect_timeout(ms(t));
    }
    if let Some(n) = opt_u32(cfg, "max_retries")? {
        b = b.max_retries(n);
    }
    if let Some(h) = field(cfg, "default_headers") {
        for (k, v) in headers_of(h)? {
            b = b.default_header(k, v);
        }
    }
    Ok(b.user_agent_extra(opt_str(cfg, "user_agent_extra")?.unwrap_or("php")))
}

fn options_of(req: &Value) -> R<RequestOptions> {
    let mut o = RequestOptions::new();
    let Some(v) = field(req, "options") else {
        return Ok(o);
    };
    if let Some(t) = opt_u64(v, "timeout_ms")? {
        o = o.timeout(ms(t));
    }
    if let Some(n) = opt_u32(v, "max_retries")? {
        o = o.max_retries(n);
    }
    if let Some(k) = opt_str(v, "idempotency_key")? {
        o = o.idempotency_key(k);
    }
    if let Some(h) = field(v, "headers") {
        for (k, v) in headers_of(h)? {
            o = o.header(k, v);
        }
    }
    if let Some(ids) = str_list(v, "suppress_webhooks")? {
        o = o.suppress_webhooks(ids);
    }
    Ok(o)
}

pub(crate) fn build_query(client: &Client, req: &Value) -> R<Query> {
    let mut q = client.resource(req_str(req, "resource")?)?;
    match field(req, "filters") {
        None => {}
        Some(Value::Array(fs)) => {
            for f in fs {
                match f.as_array().map(Vec::as_slice) {
                    Some([Value::String(k), v]) => q = q.filter(k.as_str(), display(v)),
                    _ => return Err(FfiError::invalid("filters must be [field, value] pairs")),
                }
            }
        }
        Some(Value::Object(m)) => {
            for (k, v) in m {
                q = q.filter(k.as_str(), display(v));
            }
        }
        Some(_) => return Err(FfiError::invalid("filters must be an array of pairs")),
    }
    if let Some(s) = opt_str(req, "sort")? {
        q = q.sort(s);
    }
    if let Some(l) = opt_i64(req, "limit")? {
        q = q.limit(l);
    }
    if let Some(c) = opt_str(req, "cursor")? {
        q = q.cursor(c);
    }
    Ok(q.options(&options_of(req)?))
}

fn prepared_json(r: &PreparedRequest) -> Value {
    json!({
        "method": r.method.as_str(),
        "url": r.url,
        "path": r.path,
        "query": r.query,
        "headers": r
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<serde_json::Map<_, _>>(),
        "body": r.json(),
        "idempotency_key": r.idempotency_key(),
    })
}

fn build_batch(client: &Client, req: &Value) -> R<Batch> {
    let mut b = client.batch();
    let ops = match field(req, "operations") {
        Some(Value::Array(a)) => a.as_slice(),
        None => &[],
        Some(_) => return Err(FfiError::invalid("operations must be an array")),
    };
    for op in ops {
        let method: Method = req_str(op, "method")?.parse()?;
        let body = op.get("body").cloned().unwrap_or(Value::Null);
        b = b.add(method, req_str(op, "path")?, body);
    }
    if let Some(m) = opt_str(req, "mode")? {
        b = b.mode(m.parse::<BatchMode>()?);
    }
    if let Some(s) = opt_bool(req, "stop_on_error")? {
        b = b.stop_on_error(s);
    }
    if let Some(p) = opt_u32(req, "max_parallel")? {
        b = b.max_parallel(p);
    }
    if let Some(k) = opt_str(req, "idempotency_key")? {
        b = b.idempotency_key(k);
    }
    if let Some(n) = opt_u64(req, "chunk_size")? {
        b = b.chunk_size(n as usize);
    }
    Ok(b.options(&options_of(req)?))
}

/// A CSV import (`client.batch().from_csv(...)`): parsing, chunking and checkpoints are the
/// core's. No progress callback crosses the C ABI.
fn build_csv_import(client: &Client, req: &Value) -> R<CsvImport> {
    let mut i = client
        .batch()
        .from_csv(req_str(req, "resource")?, req_str(req, "csv")?);
    if let Some(v) = opt_bool(req, "validate_only")? {
        i = i.validate_only(v);
    }
    if let Some(n) = opt_u64(req, "batch_size")? {
        i = i.batch_size(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if let Some(n) = opt_u64(req, "resume_from")? {
        i = i.resume_from(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if let Some(k) = opt_str(req, "idempotency_key")? {
        i = i.idempotency_key(k);
    }
    Ok(i.options(&options_of(req)?))
}

fn webhook_params(req: &Value) -> R<WebhookParams> {
    let mut p = WebhookParams {
        url: opt_str(req, "url")?.map(str::to_owned),
        events: str_list(req, "events")?,
        secret: opt_str(req, "secret")?.map(str::to_owned),
        active: opt_bool(req, "active")?,
        description: opt_str(req, "description")?.map(str::to_owned),
        ..WebhookParams::default()
    };
    match field(req, "filters") {
        None => {}
        Some(Value::Object(m)) => p.filters = Some(m.clone()),
        Some(_) => return Err(FfiError::invalid("filters must be an object")),
    }
    if let Some(rp) = field(req, "retry_policy") {
        p = p.retry_policy(
            opt_u32(rp, "max_retries")?.unwrap_or(5),
            opt_u64(rp, "backoff_ms")?.unwrap_or(1000),
        );
    }
    Ok(p)
}

fn to_json<T: serde::Serialize>(v: T) -> R<Value> {
    serde_json::to_value(v).map_err(|e| FfiError::invalid(e.to_string()))
}

fn wait<F: std::future::Future<Output = erp_api_client::Result<T>>, T>(f: F) -> R<T> {
    Ok(block_on(f)??)
}

/// Runs one client operation. Those that answer the API's body as it is (a record, the
/// result of a delete, a generic request) hand back the raw response: the caller decodes it.
pub(crate) fn call(client: &Client, req: &Value) -> R<Answer> {
    let op = req_str(req, "op")?;
    let id = || req_str(req, "id");
    let raw = |r: erp_api_client::Result<RawResponse>| -> R<Answer> { Ok(Answer::Raw(r?)) };
    let body = || field(req, "body").unwrap_or(&Value::Null);
    match op {
        "resource.get" => {
            let q = build_query(client, req)?;
            raw(block_on(q.send_raw(Op::Get, Some(id()?), None))?)
        }
        "resource.create" => {
            let q = build_query(client, req)?;
            raw(block_on(q.send_raw(Op::Create, None, Some(body())))?)
        }
        "resource.update" => {
            let q = build_query(client, req)?;
            raw(block_on(q.send_raw(Op::Update, Some(id()?), Some(body())))?)
        }
        "resource.delete" => {
            let q = build_query(client, req)?;
            raw(block_on(q.send_raw(Op::Delete, Some(id()?), None))?)
        }
        "request" => {
            let method: Method = req_str(req, "method")?.parse()?;
            let query = match field(req, "query") {
                Some(q) => headers_of(q)?,
                None => Vec::new(),
            };
            let r = client.prepare(
                method,
                req_str(req, "path")?,
                &query,
                field(req, "body"),
                &options_of(req)?,
            )?;
            raw(block_on(client.send_raw(&r))?)
        }
        _ => call_json(client, op, req).map(Answer::Json),
    }
}

/// The operations whose answer is built from decoded values.
fn call_json(client: &Client, op: &str, req: &Value) -> R<Value> {
    let id = || req_str(req, "id");
    match op {
        "resource.list" => to_json(wait(build_query(client, req)?.list())?),
        "resource.prepare" => {
            let op: Op = req_str(req, "operation")?.parse()?;
            let q = build_query(client, req)?;
            let r = q.prepare(op, opt_str(req, "id")?, field(req, "body"))?;
            Ok(prepared_json(&r))
        }
        "batch.execute" => to_json(wait(build_batch(client, req)?.execute())?),
        "batch.prepare" => Ok(prepared_json(&build_batch(client, req)?.prepare()?)),
        "batch.submit" => {
            let h = wait(build_batch(client, req)?.submit())?;
            Ok(json!({"id": h.id()}))
        }
        "batch.from_csv" => to_json(wait(build_csv_import(client, req)?.execute())?),
        "batch.status" => to_json(wait(BatchHandle::from_id(client, id()?).status())?),
        "batch.wait" => to_json(wait(BatchHandle::from_id(client, id()?).wait())?),
        "event_types" => wait(client.event_types()),
        _ if op.starts_with("webhooks.") => webhooks(client, &op[9..], req),
        _ => Err(FfiError::invalid(format!("unknown operation {op:?}"))),
    }
}

fn webhooks(client: &Client, op: &str, req: &Value) -> R<Value> {
    let w = client.webhooks().with_options(&options_of(req)?);
    let id = || req_str(req, "id");
    let dlv = || req_str(req, "delivery_id");
    match op {
        "create" => to_json(wait(w.create(webhook_params(req)?))?),
        "list" => to_json(wait(w.list())?),
        "get" => to_json(wait(w.get(id()?))?),
        "update" => to_json(wait(w.update(id()?, webhook_params(req)?))?),
        "delete" => wait(w.delete(id()?)),
        "test" => to_json(wait(w.test(id()?))?),
        "rotate_secret" => to_json(wait(w.rotate_secret(id()?))?),
        "deliveries" => {
            let q = DeliveryQuery {
                status: opt_str(req, "status")?.map(str::to_owned),
                limit: opt_u32(req, "limit")?,
                cursor: opt_str(req, "cursor")?.map(str::to_owned),
            };
            to_json(wait(w.deliveries(id()?, &q))?)
        }
        "delivery" => to_json(wait(w.delivery(id()?, dlv()?))?),
        "retry_delivery" => to_json(wait(w.retry_delivery(id()?, dlv()?))?),
        "stats" => wait(w.stats(id()?)),
        _ => Err(FfiError::invalid(format!(
            "unknown operation \"webhooks.{op}\""
        ))),
    }
}

fn time_of(req: &Value) -> R<SystemTime> {
    Ok(match opt_u64(req, "now_unix")? {
        Some(s) => UNIX_EPOCH + Duration::from_secs(s),
        None => SystemTime::now(),
    })
}

/// Operations without a client: the spec tables and the vector hooks.
pub(crate) fn call_static(req: &Value) -> R<Value> {
    match req_str(req, "op")? {
        "spec" => Ok(json!({
            "resources": spec::RESOURCES.iter().map(|r| json!({
                "path": r.path, "name": r.name, "singular": r.singular, "id_prefix": r.id_prefix,
            })).collect::<Vec<_>>(),
            "event_types": spec::EVENT_TYPES,
            "error_codes": spec::ERROR_CODES,
        })),
        "retry.decide" => {
            let p = field(req, "policy").unwrap_or(&Value::Null);
            let d = RetryPolicy::default();
            let policy = RetryPolicy {
                max_retries: opt_u32(p, "max_retries")?.unwrap_or(d.max_retries),
                base_delay: opt_u64(p, "base_delay_ms")?.map_or(d.base_delay, ms),
                max_delay: opt_u64(p, "max_delay_ms")?.map_or(d.max_delay, ms),
                max_retry_after: opt_u64(p, "max_retry_after_ms")?.map_or(d.max_retry_after, ms),
            };
            let o = field(req, "outcome").unwrap_or(&Value::Null);
            let outcome = match opt_str(o, "error")? {
                Some("connection") => Outcome::Connection,
                Some("timeout") => Outcome::Timeout,
                Some(other) => return Err(FfiError::invalid(format!("unknown error {other:?}"))),
                None => Outcome::Status {
                    status: opt_u32(o, "status")?.unwrap_or(0) as u16,
                    retry_after: opt_str(o, "retry_after")?,
                },
            };
            let retries = opt_u32(req, "retries_done")?.unwrap_or(0);
            Ok(match policy.decide(retries, &outcome, time_of(req)?) {
                Decision::Stop => json!({"retry": false}),
                Decision::Retry { min, max } => json!({
                    "retry": true,
                    "min_delay_ms": min.as_millis() as u64,
                    "max_delay_ms": max.as_millis() as u64,
                }),
            })
        }
        "error.from_response" => {
            let body = match opt_str(req, "body_base64")? {
                Some(b) => base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|_| FfiError::invalid("body_base64 is not base64"))?,
                None => opt_str(req, "body")?.unwrap_or("").as_bytes().to_vec(),
            };
            let headers = headers_of(field(req, "headers").unwrap_or(&Value::Null))?;
            let status = opt_u32(req, "status")?.unwrap_or(0) as u16;
            let e = Error::from_response(status, &headers, &body, time_of(req)?);
            let mut v = error_json(&e);
            Ok(v["error"].take())
        }
        other => Err(FfiError::invalid(format!("unknown operation {other:?}"))),
    }
}
