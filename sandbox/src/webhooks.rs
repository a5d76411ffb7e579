//! Webhook management: register, update, delete, rotate, deliveries, stats.

use crate::events::{is_event_type, EVENT_TYPES};
use crate::util::{new_id, now_ms, random_bytes, rfc3339, ApiError, ApiResult};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Map, Value};

pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    #[allow(dead_code)]
    pub tenant_id: String,
    pub url: String,
    pub description: Option<String>,
    pub events: Value,
    pub filters: Value,
    pub active: bool,
    pub max_retries: i64,
    pub backoff_ms: i64,
    pub secret: String,
    pub prev_secret: Option<String>,
    pub prev_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_triggered_at: Option<i64>,
    pub consecutive_failures: i64,
    pub circuit_opened_at: Option<i64>,
}

pub const WH_COLS: &str = "id, tenant_id, url, description, events, filters, active, max_retries, backoff_ms, secret, prev_secret, prev_secret_expires_at, created_at, updated_at, last_triggered_at, consecutive_failures, circuit_opened_at";

impl Webhook {
    pub fn from_row(r: &Row) -> rusqlite::Result<Webhook> {
        Self::from_row_at(r, 0)
    }

    pub fn from_row_at(row: &Row, off: usize) -> rusqlite::Result<Webhook> {
        let r = RowAt(row, off);
        let ev: String = r.get(4)?;
        let fl: String = r.get(5)?;
        Ok(Webhook {
            id: r.get(0)?,
            tenant_id: r.get(1)?,
            url: r.get(2)?,
            description: r.get(3)?,
            events: serde_json::from_str(&ev).unwrap_or(json!([])),
            filters: serde_json::from_str(&fl).unwrap_or(json!({})),
            active: r.get::<i64>(6)? != 0,
            max_retries: r.get(7)?,
            backoff_ms: r.get(8)?,
            secret: r.get(9)?,
            prev_secret: r.get(10)?,
            prev_secret_expires_at: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
            last_triggered_at: r.get(14)?,
            consecutive_failures: r.get(15)?,
            circuit_opened_at: r.get(16)?,
        })
    }

    pub fn status(&self) -> &'static str {
        if !self.active {
            "disabled"
        } else if self.circuit_opened_at.is_some() {
            "circuit_open"
        } else {
            "active"
        }
    }

    /// Secrets that sign now: the current one first, then the previous one while it overlaps.
    pub fn signing_secrets(&self, now: i64) -> Vec<String> {
        let mut v = vec![self.secret.clone()];
        if let (Some(p), Some(exp)) = (&self.prev_secret, self.prev_secret_expires_at) {
            if exp > now {
                v.push(p.clone());
            }
        }
        v
    }

    pub fn to_json(&self, with_secret: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "url": self.url,
            "description": self.description,
            "events": self.events,
            "filters": self.filters,
            "active": self.active,
            "status": self.status(),
            "retry_policy": { "max_retries": self.max_retries, "backoff_ms": self.backoff_ms },
            "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at),
            "last_triggered_at": self.last_triggered_at.map(rfc3339),
            "consecutive_failures": self.consecutive_failures,
            "circuit_opened_at": self.circuit_opened_at.map(rfc3339),
        });
        if with_secret {
            v["secret"] = json!(self.secret);
        }
        v
    }
}

pub fn load(conn: &Connection, tenant: &str, id: &str) -> ApiResult<Webhook> {
    conn.query_row(
        &format!("SELECT {WH_COLS} FROM webhooks WHERE tenant_id = ?1 AND id = ?2"),
        params![tenant, id],
        Webhook::from_row,
    )
    .optional()?
    .ok_or_else(|| {
        ApiError::not_found(format!("no webhook with id `{id}`"))
            .with_details(json!({ "resource": "webhooks", "id": id }))
    })
}

pub fn load_any(conn: &Connection, id: &str) -> rusqlite::Result<Option<Webhook>> {
    conn.prepare_cached(&format!("SELECT {WH_COLS} FROM webhooks WHERE id = ?1"))?
        .query_row(params![id], Webhook::from_row)
        .optional()
}

pub fn generate_secret() -> String {
    format!("whsec_{}", STANDARD.encode(random_bytes(32)))
}

/// The key bytes of a `whsec_` secret, if it has the required form.
pub fn secret_key_bytes(secret: &str) -> Option<Vec<u8>> {
    let b = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    (24..=64).contains(&b.len()).then_some(b)
}

const SECRET_HELP: &str =
    "must be `whsec_` followed by the standard base64 of 24 to 64 random bytes (e.g. `whsec_` + base64 of 32 bytes); omit it to have one generated";

fn check_url(u: &Value, errs: &mut Vec<(String, String)>) -> Option<String> {
    let Some(s) = u.as_str() else {
        errs.push(("url".into(), "must be a string".into()));
        return None;
    };
    match reqwest::Url::parse(s) {
        Ok(url)
            if (url.scheme() == "http" || url.scheme() == "https") && url.host_str().is_some() =>
        {
            Some(s.to_string())
        }
        Ok(_) => {
            errs.push(("url".into(), "must be an http or https URL".into()));
            None
        }
        Err(e) => {
            errs.push(("url".into(), format!("is not a valid URL: {e}")));
            None
        }
    }
}

fn check_events(v: &Value, errs: &mut Vec<(String, String)>) -> Option<Value> {
    let Some(a) = v.as_array() else {
        errs.push(("events".into(), "must be an array of event types".into()));
        return None;
    };
    if a.is_empty() {
        errs.push(("events".into(), "must name at least one event type".into()));
        return None;
    }
    let mut ok = true;
    let mut seen = std::collections::HashSet::new();
    for (i, e) in a.iter().enumerate() {
        match e.as_str() {
            Some(t) if is_event_type(t) && !seen.insert(t) => {
                ok = false;
                errs.push((format!("events.{i}"), format!("`{t}` is listed twice")));
            }
            Some(t) if is_event_type(t) => {}
            Some(t) => {
                ok = false;
                errs.push((
                    format!("events.{i}"),
                    format!(
                        "unknown event type `{t}`; known: {}",
                        EVENT_TYPES
                            .iter()
                            .map(|x| x.0)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            None => {
                ok = false;
                errs.push((format!("events.{i}"), "must be a string".into()));
            }
        }
    }
    ok.then(|| v.clone())
}

fn check_retry(v: &Value, errs: &mut Vec<(String, String)>, cur: (i64, i64)) -> (i64, i64) {
    let Some(o) = v.as_object() else {
        errs.push((
            "retry_policy".into(),
            "must be an object {max_retries, backoff_ms}".into(),
        ));
        return cur;
    };
    let (mut mr, mut bo) = cur;
    for (k, x) in o {
        match k.as_str() {
            "max_retries" => match x.as_i64() {
                Some(n) if (0..=10).contains(&n) => mr = n,
                _ => errs.push((
                    "retry_policy.max_retries".into(),
                    "must be an integer from 0 to 10".into(),
                )),
            },
            "backoff_ms" => match x.as_i64() {
                Some(n) if (1..=3_600_000).contains(&n) => bo = n,
                _ => errs.push((
                    "retry_policy.backoff_ms".into(),
                    "must be an integer from 1 to 3600000".into(),
                )),
            },
            _ => errs.push((format!("retry_policy.{k}"), "unknown field".into())),
        }
    }
    (mr, bo)
}

fn check_filters(v: &Value, errs: &mut Vec<(String, String)>) -> Option<Value> {
    match v {
        Value::Null => Some(json!({})),
        Value::Object(m) => {
            let mut ok = true;
            for (k, x) in m {
                let numeric = k.starts_with("min_") || k.starts_with("max_");
                if x.is_object() || x.is_array() || (numeric && !x.is_number()) {
                    ok = false;
                    errs.push((
                        format!("filters.{k}"),
                        if numeric {
                            "must be a number".into()
                        } else {
                            "must be a scalar value".into()
                        },
                    ));
                }
            }
            ok.then(|| v.clone())
        }
        _ => {
            errs.push(("filters".into(), "must be an object".into()));
            None
        }
    }
}

pub fn create(conn: &Connection, tenant: &str, body: &Map<String, Value>) -> ApiResult<Value> {
    let mut errs = Vec::new();
    let mut url = None;
    let mut events = None;
    let mut filters = json!({});
    let mut active = true;
    let mut desc = None;
    let mut retry = (5, 1000);
    let mut secret = None;
    for (k, v) in body {
        match k.as_str() {
            "url" => url = check_url(v, &mut errs),
            "events" => events = check_events(v, &mut errs),
            "filters" => filters = check_filters(v, &mut errs).unwrap_or(filters),
            "active" => match v.as_bool() {
                Some(b) => active = b,
                None => errs.push(("active".into(), "must be a boolean".into())),
            },
            "description" => match v {
                Value::Null => {}
                Value::String(s) => desc = Some(s.clone()),
                _ => errs.push(("description".into(), "must be a string".into())),
            },
            "retry_policy" => retry = check_retry(v, &mut errs, retry),
            "secret" => match v.as_str() {
                Some(s) if secret_key_bytes(s).is_some() => secret = Some(s.to_string()),
                _ => errs.push(("secret".into(), SECRET_HELP.into())),
            },
            _ => errs.push((k.clone(), "unknown field".into())),
        }
    }
    if !body.contains_key("url") {
        errs.push(("url".into(), "is required".into()));
    }
    if !body.contains_key("events") {
        errs.push(("events".into(), "is required".into()));
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ApiError::validation(vec![(
            "url".into(),
            "is required".into(),
        )]));
    };
    let id = new_id("whk");
    let now = now_ms();
    let secret = secret.unwrap_or_else(generate_secret);
    conn.execute(
        "INSERT INTO webhooks (id, tenant_id, url, description, events, filters, active, max_retries, backoff_ms, secret, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![id, tenant, url, desc, events.to_string(), filters.to_string(), active as i64, retry.0, retry.1, secret, now],
    )?;
    Ok(load(conn, tenant, &id)?.to_json(true))
}

pub fn update(
    conn: &Connection,
    tenant: &str,
    id: &str,
    body: &Map<String, Value>,
) -> ApiResult<Value> {
    let mut w = load(conn, tenant, id)?;
    let mut errs = Vec::new();
    let mut close_circuit = false;
    for (k, v) in body {
        match k.as_str() {
            "url" => {
                if let Some(u) = check_url(v, &mut errs) {
                    w.url = u;
                }
            }
            "events" => {
                if let Some(e) = check_events(v, &mut errs) {
                    w.events = e;
                }
            }
            "filters" => {
                if let Some(f) = check_filters(v, &mut errs) {
                    w.filters = f;
                }
            }
            "active" => match v.as_bool() {
                Some(b) => {
                    w.active = b;
                    close_circuit |= b;
                }
                None => errs.push(("active".into(), "must be a boolean".into())),
            },
            "status" => match v.as_str() {
                Some("active") => {
                    w.active = true;
                    close_circuit = true;
                }
                Some("disabled") => w.active = false,
                _ => errs.push(("status".into(), "must be `active` or `disabled`".into())),
            },
            "description" => match v {
                Value::Null => w.description = None,
                Value::String(s) => w.description = Some(s.clone()),
                _ => errs.push(("description".into(), "must be a string".into())),
            },
            "retry_policy" => {
                let (a, b) = check_retry(v, &mut errs, (w.max_retries, w.backoff_ms));
                w.max_retries = a;
                w.backoff_ms = b;
            }
            "secret" => errs.push((
                "secret".into(),
                "use POST /webhooks/{id}/rotate-secret".into(),
            )),
            _ => errs.push((k.clone(), "unknown field".into())),
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    if close_circuit {
        w.circuit_opened_at = None;
        w.consecutive_failures = 0;
    }
    conn.execute(
        "UPDATE webhooks SET url=?1, description=?2, events=?3, filters=?4, active=?5, max_retries=?6, backoff_ms=?7,
         updated_at=?8, circuit_opened_at=?9, consecutive_failures=?10 WHERE id=?11 AND tenant_id=?12",
        params![
            w.url, w.description, w.events.to_string(), w.filters.to_string(), w.active as i64, w.max_retries,
            w.backoff_ms, now_ms(), w.circuit_opened_at, w.consecutive_failures, id, tenant
        ],
    )?;
    Ok(load(conn, tenant, id)?.to_json(false))
}

pub fn delete(conn: &Connection, tenant: &str, id: &str) -> ApiResult<Value> {
    load(conn, tenant, id)?;
    conn.execute("DELETE FROM webhooks WHERE id = ?1", params![id])?;
    conn.execute(
        "UPDATE deliveries SET status = 'failed', last_error = 'webhook deleted', completed_at = ?2, next_attempt_at = NULL
         WHERE webhook_id = ?1 AND status = 'pending'",
        params![id, now_ms()],
    )?;
    Ok(json!({ "id": id, "deleted": true }))
}

pub fn rotate(
    conn: &Connection,
    tenant: &str,
    id: &str,
    body: Option<&Map<String, Value>>,
) -> ApiResult<Value> {
    let w = load(conn, tenant, id)?;
    let mut new_secret = None;
    if let Some(b) = body {
        let mut errs = Vec::new();
        for (k, v) in b {
            match k.as_str() {
                "secret" => match v.as_str() {
                    Some(s) if secret_key_bytes(s).is_some() => new_secret = Some(s.to_string()),
                    _ => errs.push(("secret".into(), SECRET_HELP.into())),
                },
                _ => errs.push((k.clone(), "unknown field".into())),
            }
        }
        if !errs.is_empty() {
            return Err(ApiError::validation(errs));
        }
    }
    let now = now_ms();
    let secret = new_secret.unwrap_or_else(generate_secret);
    conn.execute(
        "UPDATE webhooks SET secret = ?1, prev_secret = ?2, prev_secret_expires_at = ?3, updated_at = ?4 WHERE id = ?5",
        params![secret, w.secret, now + ROTATION_OVERLAP_MS, now, id],
    )?;
    let w = load(conn, tenant, id)?;
    let mut v = w.to_json(true);
    v["previous_secret_expires_at"] = json!(rfc3339(now + ROTATION_OVERLAP_MS));
    Ok(v)
}

pub fn list(conn: &Connection, tenant: &str, query: &str) -> ApiResult<Value> {
    let mut limit = None;
    let mut cursor: Option<i64> = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "limit" => limit = Some(v.into_owned()),
            "cursor" => {
                cursor = Some(v.parse().map_err(|_| {
                    ApiError::bad_request("invalid `cursor`")
                        .with_details(json!({ "parameter": "cursor" }))
                })?)
            }
            _ => {}
        }
    }
    let limit = crate::resources::parse_limit(limit.as_deref())?;
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, {WH_COLS} FROM webhooks WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
    ))?;
    let rows: Vec<(i64, Webhook)> = stmt
        .query_map(params![tenant, cursor.unwrap_or(0), limit + 1], |r| {
            let seq: i64 = r.get(0)?;
            let w = Webhook::from_row_at(r, 1)?;
            Ok((seq, w))
        })?
        .collect::<Result<_, _>>()?;
    page(rows, limit, |w| w.to_json(false))
}

/// A row read from a column offset.
struct RowAt<'a, 'b>(&'a Row<'b>, usize);
impl RowAt<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, i: usize) -> rusqlite::Result<T> {
        self.0.get(i + self.1)
    }
}

fn page<T>(rows: Vec<(i64, T)>, limit: i64, f: impl Fn(&T) -> Value) -> ApiResult<Value> {
    let more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next = if more {
        json!(rows.last().map(|r| r.0.to_string()))
    } else {
        Value::Null
    };
    Ok(json!({ "data": rows.iter().map(|r| f(&r.1)).collect::<Vec<_>>(), "next_cursor": next }))
}

pub const DLV_COLS: &str = "id, webhook_id, event_id, event_type, status, attempt_count, next_attempt_at, last_status_code, last_error, created_at, completed_at";

pub fn delivery_from_row(r: &Row, off: usize) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, String>(off)?,
        "webhook_id": r.get::<_, String>(off + 1)?,
        "event_id": r.get::<_, String>(off + 2)?,
        "event_type": r.get::<_, String>(off + 3)?,
        "status": r.get::<_, String>(off + 4)?,
        "attempt_count": r.get::<_, i64>(off + 5)?,
        "next_attempt_at": r.get::<_, Option<i64>>(off + 6)?.map(rfc3339),
        "last_status_code": r.get::<_, Option<i64>>(off + 7)?,
        "last_error": r.get::<_, Option<String>>(off + 8)?,
        "created_at": rfc3339(r.get::<_, i64>(off + 9)?),
        "completed_at": r.get::<_, Option<i64>>(off + 10)?.map(rfc3339),
    }))
}

pub fn deliveries(conn: &Connection, tenant: &str, wid: &str, query: &str) -> ApiResult<Value> {
    load(conn, tenant, wid)?;
    let mut limit = None;
    let mut cursor: Option<i64> = None;
    let mut status: Option<String> = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "limit" => limit = Some(v.into_owned()),
            "status" => {
                if !["pending", "succeeded", "failed"].contains(&&*v) {
                    return Err(ApiError::bad_request(
                        "`status` must be pending, succeeded or failed",
                    )
                    .with_details(json!({ "parameter": "status" })));
                }
                status = Some(v.into_owned())
            }
            "cursor" => {
                cursor = Some(v.parse().map_err(|_| {
                    ApiError::bad_request("invalid `cursor`")
                        .with_details(json!({ "parameter": "cursor" }))
                })?)
            }
            _ => {}
        }
    }
    let limit = crate::resources::parse_limit(limit.as_deref())?;
    let mut stmt = conn.prepare(&format!(
        "SELECT seq, {DLV_COLS} FROM deliveries WHERE webhook_id = ?1 AND seq < ?2 AND (?3 IS NULL OR status = ?3)
         ORDER BY seq DESC LIMIT ?4"
    ))?;
    let rows: Vec<(i64, Value)> = stmt
        .query_map(
            params![wid, cursor.unwrap_or(i64::MAX), status, limit + 1],
            |r| Ok((r.get(0)?, delivery_from_row(r, 1)?)),
        )?
        .collect::<Result<_, _>>()?;
    page(rows, limit, |v| v.clone())
}

pub fn delivery(conn: &Connection, tenant: &str, wid: &str, did: &str) -> ApiResult<Value> {
    load(conn, tenant, wid)?;
    let mut d = conn
        .query_row(
            &format!("SELECT {DLV_COLS} FROM deliveries WHERE id = ?1 AND webhook_id = ?2"),
            params![did, wid],
            |r| delivery_from_row(r, 0),
        )
        .optional()?
        .ok_or_else(|| {
            ApiError::not_found(format!("no delivery with id `{did}`"))
                .with_details(json!({ "resource": "deliveries", "id": did }))
        })?;
    let mut stmt = conn.prepare_cached(
        "SELECT attempted_at, status_code, duration_ms, response_excerpt, error FROM attempts WHERE delivery_id = ?1 ORDER BY seq",
    )?;
    let attempts: Vec<Value> = stmt
        .query_map(params![did], |r| {
            Ok(json!({
                "attempted_at": rfc3339(r.get(0)?),
                "status_code": r.get::<_, Option<i64>>(1)?,
                "duration_ms": r.get::<_, i64>(2)?,
                "response_excerpt": r.get::<_, Option<String>>(3)?,
                "error": r.get::<_, Option<String>>(4)?,
            }))
        })?
        .collect::<Result<_, _>>()?;
    d["attempts"] = Value::Array(attempts);
    Ok(d)
}

pub fn retry(conn: &Connection, tenant: &str, wid: &str, did: &str) -> ApiResult<Value> {
    let d = delivery(conn, tenant, wid, did)?;
    if d["status"] == "pending" {
        return Err(ApiError::conflict("this delivery is already pending")
            .with_details(json!({ "status": "pending" })));
    }
    conn.execute(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?1, completed_at = NULL, forced = 1,
         budget_start = attempt_count WHERE id = ?2",
        params![now_ms(), did],
    )?;
    delivery(conn, tenant, wid, did)
}

fn window(conn: &Connection, wid: &str, since: i64) -> ApiResult<Value> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.status, (SELECT a.duration_ms FROM attempts a WHERE a.delivery_id = d.id AND a.success = 1
                           ORDER BY a.seq DESC LIMIT 1)
         FROM deliveries d WHERE d.webhook_id = ?1 AND d.created_at >= ?2",
    )?;
    let rows: Vec<(String, Option<i64>)> = stmt
        .query_map(params![wid, since], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let n = |s: &str| rows.iter().filter(|r| r.0 == s).count();
    let (pending, succeeded, failed) = (n("pending"), n("succeeded"), n("failed"));
    let mut d: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
    d.sort_unstable();
    let pct = |p: f64| -> Value {
        if d.is_empty() {
            Value::Null
        } else {
            let i = ((p * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1;
            json!(d[i])
        }
    };
    Ok(json!({
        "total": rows.len(),
        "pending": pending,
        "succeeded": succeeded,
        "failed": failed,
        "success_rate": if succeeded + failed == 0 { Value::Null } else { json!(succeeded as f64 / (succeeded + failed) as f64) },
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
    }))
}

pub fn stats(conn: &Connection, tenant: &str, wid: &str) -> ApiResult<Value> {
    let w = load(conn, tenant, wid)?;
    let mut counts = json!({ "pending": 0, "succeeded": 0, "failed": 0 });
    let mut stmt = conn.prepare_cached(
        "SELECT status, COUNT(*) FROM deliveries WHERE webhook_id = ?1 GROUP BY status",
    )?;
    let rows: Vec<(String, i64)> = stmt
        .query_map(params![wid], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut total = 0;
    for (s, n) in rows {
        counts[s] = json!(n);
        total += n;
    }
    let done = counts["succeeded"].as_i64().unwrap_or(0) + counts["failed"].as_i64().unwrap_or(0);
    let now = now_ms();
    Ok(json!({
        "webhook_id": wid,
        "status": w.status(),
        "consecutive_failures": w.consecutive_failures,
        "last_triggered_at": w.last_triggered_at.map(rfc3339),
        "total": total,
        "counts": counts,
        "success_rate": if done == 0 { Value::Null } else { json!(counts["succeeded"].as_i64().unwrap_or(0) as f64 / done as f64) },
        "last_hour": window(conn, wid, now - 3_600_000)?,
        "last_24h": window(conn, wid, now - 86_400_000)?,
    }))
}
