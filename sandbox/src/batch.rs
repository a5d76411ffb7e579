//! `POST /batch`: strict (one transaction, all or nothing) and lenient
//! (each operation alone, optionally stopping at the first error), sync or async.

use crate::api::{self, After, Ctx, Method, Route};
use crate::dispatcher::{lock, Dispatcher};
use crate::events::{self, Suppress};
use crate::util::{new_id, now_ms, rfc3339, ApiError, ApiResult};
use crate::webhooks;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Op {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub body: Option<Value>,
    /// `Idempotency-Key` of this operation alone.
    pub idempotency_key: Option<String>,
    /// `X-Suppress-Webhooks` of this operation alone (else the batch's).
    pub suppress: Option<String>,
}

#[derive(Debug, Clone)]
pub struct BatchReq {
    pub ops: Vec<Op>,
    pub strict: bool,
    pub stop_on_error: bool,
    pub max_parallel: i64,
    pub is_async: bool,
}

fn bad(field: &str, msg: impl Into<String>) -> ApiError {
    let m = msg.into();
    ApiError::bad_request(format!("invalid batch: {field}: {m}"))
        .with_details(json!({ "fields": [{ "field": field, "message": m }] }))
}

pub fn parse(body: &Value) -> ApiResult<BatchReq> {
    let Some(o) = body.as_object() else {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    };
    let mut req = BatchReq {
        ops: vec![],
        strict: true,
        stop_on_error: false,
        max_parallel: 5,
        is_async: false,
    };
    for (k, v) in o {
        match k.as_str() {
            "operations" => {}
            "mode" => match v.as_str() {
                Some("strict") => req.strict = true,
                Some("lenient") => req.strict = false,
                _ => return Err(bad("mode", "must be `strict` or `lenient`")),
            },
            "stop_on_error" => {
                req.stop_on_error = v
                    .as_bool()
                    .ok_or_else(|| bad("stop_on_error", "must be a boolean"))?
            }
            "async" => {
                req.is_async = v
                    .as_bool()
                    .ok_or_else(|| bad("async", "must be a boolean"))?
            }
            "max_parallel" => match v.as_i64() {
                Some(n) if (1..=20).contains(&n) => req.max_parallel = n,
                _ => return Err(bad("max_parallel", "must be an integer from 1 to 20")),
            },
            other => return Err(bad(other, "unknown field")),
        }
    }
    let Some(ops) = o.get("operations").and_then(Value::as_array) else {
        return Err(bad(
            "operations",
            "is required: an array of 1 to 1000 operations",
        ));
    };
    if ops.is_empty() || ops.len() > 1000 {
        return Err(bad(
            "operations",
            format!("must hold 1 to 1000 operations, got {}", ops.len()),
        ));
    }
    for (i, op) in ops.iter().enumerate() {
        let f = |x: &str| format!("operations[{i}].{x}");
        let Some(m) = op.as_object() else {
            return Err(bad(
                &format!("operations[{i}]"),
                "must be an object {method, path, body}",
            ));
        };
        for k in m.keys() {
            if !["method", "path", "body", "headers"].contains(&k.as_str()) {
                return Err(bad(&f(k), "unknown field"));
            }
        }
        let method = m
            .get("method")
            .and_then(Value::as_str)
            .and_then(Method::parse)
            .ok_or_else(|| bad(&f("method"), "must be GET, POST, PATCH or DELETE"))?;
        let raw = m
            .get("path")
            .and_then(Value::as_str)
            .filter(|p| p.starts_with('/'))
            .ok_or_else(|| {
                bad(
                    &f("path"),
                    "must be a path relative to /api/v1, starting with `/`",
                )
            })?;
        let raw = raw
            .strip_prefix("/api/v1")
            .filter(|r| r.is_empty() || r.starts_with('/'))
            .unwrap_or(raw);
        let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
        let first = path.trim_matches('/').split('/').next().unwrap_or("");
        if first == "batch" {
            return Err(bad(&f("path"), "a batch operation may not target /batch"));
        }
        let body = match m.get("body") {
            None | Some(Value::Null) => None,
            Some(b @ Value::Object(_)) => Some(b.clone()),
            Some(_) => return Err(bad(&f("body"), "must be a JSON object")),
        };
        let mut idempotency_key = None;
        let mut suppress = None;
        match m.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(h)) => {
                for (name, v) in h {
                    let Some(v) = v.as_str() else {
                        return Err(bad(&f(&format!("headers.{name}")), "must be a string"));
                    };
                    match name.to_ascii_lowercase().as_str() {
                        "idempotency-key" => {
                            if v.is_empty() || v.len() > 255 {
                                return Err(bad(
                                    &f("headers.Idempotency-Key"),
                                    "must be 1 to 255 characters",
                                ));
                            }
                            idempotency_key = Some(v.to_string());
                        }
                        "x-suppress-webhooks" => suppress = Some(v.to_string()),
                        _ => {}
                    }
                }
            }
            Some(_) => return Err(bad(&f("headers"), "must be an object of strings")),
        }
        req.ops.push(Op {
            method,
            path: path.to_string(),
            query: query.to_string(),
            body,
            idempotency_key,
            suppress,
        });
    }
    Ok(req)
}

/// One result item. Built by hand: `json!` would deep-copy `value` (`serde_json::to_value`),
/// which for a 1000-op batch was a tenth of the request's time.
fn result_item(i: usize, status: u16, success: bool, value: Value) -> Value {
    let mut m = Map::new();
    m.insert("index".into(), Value::from(i));
    m.insert("status".into(), Value::from(status));
    m.insert("success".into(), Value::Bool(success));
    m.insert((if success { "body" } else { "error" }).into(), value);
    Value::Object(m)
}

fn err_item(i: usize, e: &ApiError, rid: &str) -> Value {
    result_item(i, e.status, false, e.to_inner(rid))
}

/// Runs one operation; `savepoint` isolates it (lenient).
fn run_one(
    conn: &Connection,
    ctx: &Ctx,
    op: &Op,
    i: usize,
    rid: &str,
    savepoint: bool,
) -> ApiResult<Value> {
    let own_suppress = op.suppress.as_deref().map(|s| Suppress::parse(Some(s)));
    let ctx = &Ctx {
        tenant: ctx.tenant,
        scopes: ctx.scopes,
        suppress: own_suppress.as_ref().unwrap_or(ctx.suppress),
    };
    let attempt = || -> Result<(u16, Value), ApiError> {
        let route = api::resolve(Some(op.method), &op.path)?;
        if matches!(route, Route::BatchCreate) {
            return Err(ApiError::bad_request("a batch may not contain `/batch`"));
        }
        ctx.check_scope(&route)?;
        if api::needs_body(&route) && op.body.is_none() {
            return Err(ApiError::bad_request(
                "this operation needs a JSON object `body`",
            ));
        }
        let key = op
            .idempotency_key
            .as_deref()
            .filter(|_| op.method.is_write());
        let hash = key
            .map(|_| api::request_hash(op.method, &op.path, &op.query, op.body.as_ref()))
            .unwrap_or_default();
        if let Some(k) = key {
            if let Some((status, body)) = api::idempotency_lookup(conn, ctx.tenant, k, &hash)? {
                return Ok((status, serde_json::from_str(&body).unwrap_or(Value::Null)));
            }
        }
        let (status, body, after) = api::exec(conn, ctx, &route, &op.query, op.body.as_ref())?;
        let body = match after {
            After::Nothing => body,
            After::DeliverNow(wid, did) => webhooks::delivery(conn, ctx.tenant, &wid, &did)?,
        };
        if let Some(k) = key {
            api::idempotency_store(conn, ctx.tenant, k, &hash, status, &body)?;
        }
        Ok((status, body))
    };
    if savepoint {
        conn.execute_batch("SAVEPOINT op")?;
    }
    let r = attempt();
    if savepoint {
        if r.is_err() {
            conn.execute_batch("ROLLBACK TO op; RELEASE op")?;
        } else {
            conn.execute_batch("RELEASE op")?;
        }
    }
    match r {
        Ok((status, body)) => Ok(result_item(i, status, true, body)),
        Err(e) if e.status >= 500 => Err(e),
        Err(e) => Ok(err_item(i, &e, rid)),
    }
}

fn is_ok(item: &Value) -> bool {
    item["success"].as_bool().unwrap_or(false)
}

fn skipped(i: usize, rid: &str) -> Value {
    err_item(
        i,
        &ApiError::new(
            424,
            "SKIPPED",
            "not run because an earlier operation failed",
        ),
        rid,
    )
}

/// Strict: all or nothing inside the caller's transaction.
fn run_strict(conn: &Connection, ctx: &Ctx, ops: &[Op], rid: &str) -> ApiResult<Vec<Value>> {
    conn.execute_batch("SAVEPOINT strict_batch")?;
    let mut items = Vec::with_capacity(ops.len());
    let mut failed_at = None;
    for (i, op) in ops.iter().enumerate() {
        let item = match run_one(conn, ctx, op, i, rid, false) {
            Ok(v) => v,
            Err(e) => {
                conn.execute_batch("ROLLBACK TO strict_batch; RELEASE strict_batch")?;
                return Err(e);
            }
        };
        let ok = is_ok(&item);
        items.push(item);
        if !ok {
            failed_at = Some(i);
            break;
        }
    }
    match failed_at {
        None => {
            conn.execute_batch("RELEASE strict_batch")?;
        }
        Some(f) => {
            conn.execute_batch("ROLLBACK TO strict_batch; RELEASE strict_batch")?;
            let rb = ApiError::new(
                424,
                "ROLLED_BACK",
                "rolled back because another operation of this strict batch failed",
            )
            .with_details(json!({ "failed_index": f }));
            for item in items.iter_mut().take(f) {
                let i = item["index"].as_u64().unwrap_or(0) as usize;
                *item = err_item(i, &rb, rid);
            }
            for i in f + 1..ops.len() {
                items.push(skipped(i, rid));
            }
        }
    }
    Ok(items)
}

fn summary(id: &str, req: &BatchReq, items: Vec<Value>, started: Instant, created: i64) -> Value {
    let ok = items.iter().filter(|x| is_ok(x)).count();
    let failed = items.len() - ok;
    let status = if failed > 0 { "failed" } else { "completed" };
    // by hand, not `json!`: that would deep-copy `items` (see `result_item`)
    let mut m = Map::new();
    m.insert("id".into(), Value::from(id));
    m.insert("status".into(), Value::from(status));
    m.insert(
        "mode".into(),
        Value::from(if req.strict { "strict" } else { "lenient" }),
    );
    m.insert("total".into(), Value::from(req.ops.len()));
    m.insert("processed".into(), Value::from(req.ops.len()));
    m.insert("successful".into(), Value::from(ok));
    m.insert("failed".into(), Value::from(failed));
    m.insert("results".into(), Value::Array(items));
    m.insert(
        "duration_ms".into(),
        Value::from(started.elapsed().as_millis() as i64),
    );
    m.insert("created_at".into(), Value::from(rfc3339(created)));
    m.insert("completed_at".into(), Value::from(rfc3339(now_ms())));
    Value::Object(m)
}

/// Stores the result and emits `batch.completed`; returns the result as JSON text
/// (serialized once: the same text is the stored result, the response and the
/// idempotency record).
fn finish(
    conn: &Connection,
    tenant: &str,
    result: &Value,
    suppress: &Suppress,
) -> ApiResult<String> {
    let id = result["id"].as_str().unwrap_or("");
    let text = serde_json::to_string(result)?;
    conn.execute(
        "UPDATE batches SET status = ?1, processed = ?2, result = ?3, completed_at = ?4 WHERE id = ?5",
        params![result["status"].as_str(), result["total"].as_i64(), text, now_ms(), id],
    )?;
    let data: serde_json::Map<String, Value> = result
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "results")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let data = Value::Object(data);
    events::emit(conn, tenant, "batch.completed", data, suppress)?;
    Ok(text)
}

fn insert_row(
    conn: &Connection,
    id: &str,
    tenant: &str,
    req: &BatchReq,
    body: &Value,
    status: &str,
    now: i64,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO batches (id, tenant_id, status, mode, total, request, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, tenant, status, if req.strict { "strict" } else { "lenient" }, req.ops.len() as i64, body.to_string(), now],
    )?;
    Ok(())
}

/// Runs a synchronous batch inside the caller's transaction: the result as JSON text.
pub fn run_sync(
    conn: &Connection,
    ctx: &Ctx,
    req: &BatchReq,
    body: &Value,
    rid: &str,
) -> ApiResult<String> {
    let started = Instant::now();
    let id = new_id("bat");
    let now = now_ms();
    // the request itself is only kept for async batches (to resume them after a crash)
    let _ = body;
    insert_row(conn, &id, ctx.tenant, req, &Value::Null, "processing", now)?;
    let items = if req.strict {
        run_strict(conn, ctx, &req.ops, rid)?
    } else {
        let mut items = Vec::with_capacity(req.ops.len());
        let mut stop = false;
        for (i, op) in req.ops.iter().enumerate() {
            if stop {
                items.push(skipped(i, rid));
                continue;
            }
            let item = run_one(conn, ctx, op, i, rid, true)?;
            if !is_ok(&item) && req.stop_on_error {
                stop = true;
            }
            items.push(item);
        }
        items
    };
    let result = summary(&id, req, items, started, now);
    let text = finish(conn, ctx.tenant, &result, ctx.suppress)?;
    crate::util::drop_in_background(result);
    Ok(text)
}

/// Queues an async batch (in the caller's transaction): the 202 body.
pub fn queue(
    conn: &Connection,
    ctx: &Ctx,
    suppress_header: Option<&str>,
    req: &BatchReq,
    body: &Value,
    rid: &str,
) -> ApiResult<(String, Value)> {
    let id = new_id("bat");
    let now = now_ms();
    insert_row(conn, &id, ctx.tenant, req, body, "pending", now)?;
    conn.execute(
        "UPDATE batches SET scopes = ?1, suppress = ?2, request_id = ?3 WHERE id = ?4",
        params![ctx.scopes.join(","), suppress_header, rid, id],
    )?;
    Ok((
        id.clone(),
        json!({ "id": id, "status": "pending", "mode": if req.strict { "strict" } else { "lenient" }, "total": req.ops.len(), "processed": 0, "created_at": rfc3339(now) }),
    ))
}

/// Async batches a previous process did not finish (crash recovery).
pub fn unfinished(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM batches WHERE status IN ('pending', 'processing') AND scopes IS NOT NULL ORDER BY created_at",
    )?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// Processes a queued batch in the background (also resumes one after a restart).
pub async fn run_async(disp: Arc<Dispatcher>, id: String) {
    let r = tokio::task::spawn_blocking(move || run_async_blocking(&disp, &id).map(|_| disp)).await;
    match r {
        Ok(Ok(d)) => d.notify.notify_one(),
        Ok(Err(e)) => eprintln!("batch: {}", e.message),
        Err(e) => eprintln!("batch task: {e}"),
    }
}

fn run_async_blocking(disp: &Dispatcher, id: &str) -> ApiResult<()> {
    let started = Instant::now();
    type Row = (String, String, String, Option<String>, String, i64, i64);
    let (tenant, scopes, request, suppress, rid, created, processed): Row = {
        let conn = lock(&disp.db);
        conn.execute(
            "UPDATE batches SET status = 'processing' WHERE id = ?1",
            params![id],
        )?;
        conn.query_row(
            "SELECT tenant_id, scopes, request, suppress, COALESCE(request_id, ''), created_at, processed FROM batches WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )?
    };
    let scopes: Vec<String> = scopes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let suppress = Suppress::parse(suppress.as_deref());
    let req = parse(&serde_json::from_str(&request)?)?;
    let ctx = Ctx {
        tenant: &tenant,
        scopes: &scopes,
        suppress: &suppress,
    };
    if req.strict {
        let mut conn = lock(&disp.db);
        let tx = conn.transaction()?;
        let items = run_strict(&tx, &ctx, &req.ops, &rid)?;
        let result = summary(id, &req, items, started, created);
        finish(&tx, &tenant, &result, &suppress)?;
        tx.commit()?;
        return Ok(());
    }
    // lenient: each operation commits with its result, so a restart resumes after the last one
    let mut items: Vec<Value> = {
        let conn = lock(&disp.db);
        let mut stmt = conn.prepare(
            "SELECT item FROM batch_items WHERE batch_id = ?1 AND idx < ?2 ORDER BY idx",
        )?;
        let rows = stmt
            .query_map(params![id, processed], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|t| serde_json::from_str(t).unwrap_or(Value::Null))
            .collect()
    };
    let mut stop = req.stop_on_error && items.iter().any(|x| !is_ok(x));
    for (i, op) in req.ops.iter().enumerate().skip(items.len()) {
        let item = if stop {
            skipped(i, &rid)
        } else {
            let mut conn = lock(&disp.db);
            let tx = conn.transaction()?;
            let item = run_one(&tx, &ctx, op, i, &rid, true)?;
            tx.execute(
                "UPDATE batches SET processed = ?1 WHERE id = ?2",
                params![i as i64 + 1, id],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO batch_items (batch_id, idx, item) VALUES (?1, ?2, ?3)",
                params![id, i as i64, item.to_string()],
            )?;
            tx.commit()?;
            drop(conn);
            disp.notify.notify_one();
            item
        };
        if !is_ok(&item) && req.stop_on_error {
            stop = true;
        }
        items.push(item);
    }
    let result = summary(id, &req, items, started, created);
    let mut conn = lock(&disp.db);
    let tx = conn.transaction()?;
    finish(&tx, &tenant, &result, &suppress)?;
    tx.execute("DELETE FROM batch_items WHERE batch_id = ?1", params![id])?;
    tx.commit()?;
    Ok(())
}

pub fn get(conn: &Connection, tenant: &str, id: &str) -> ApiResult<Value> {
    let row: Option<(String, String, i64, i64, Option<String>, i64)> = conn
        .query_row(
            "SELECT status, mode, total, processed, result, created_at FROM batches WHERE tenant_id = ?1 AND id = ?2",
            params![tenant, id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((status, mode, total, processed, result, created)) = row else {
        return Err(ApiError::not_found(format!("no batch with id `{id}`")));
    };
    if let Some(r) = result {
        return Ok(serde_json::from_str(&r)?);
    }
    Ok(json!({
        "id": id,
        "status": status,
        "mode": mode,
        "total": total,
        "processed": processed,
        "created_at": rfc3339(created),
    }))
}
