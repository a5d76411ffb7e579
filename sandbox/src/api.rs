//! Routing and the operations themselves, independent of HTTP so that a
//! batch runs each operation exactly as if it were sent alone.

use crate::events::{self, Suppress};
use crate::resources::{self, Res};
use crate::util::{ApiError, ApiResult};
use crate::webhooks;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }
    pub fn is_write(self) -> bool {
        self != Method::Get
    }
}

#[derive(Debug, Clone)]
pub enum Route {
    List(Res),
    Create(Res),
    Get(Res, String),
    Update(Res, String),
    Delete(Res, String),
    WhList,
    WhCreate,
    WhGet(String),
    WhUpdate(String),
    WhDelete(String),
    WhTest(String),
    WhRotate(String),
    WhStats(String),
    DlvList(String),
    DlvGet(String, String),
    DlvRetry(String, String),
    BatchCreate,
    BatchGet(String),
    EventTypes,
    EventList,
    EventGet(String),
}

fn allow(method: Method, allowed: &[(Method, Route)]) -> ApiResult<Route> {
    for (m, r) in allowed {
        if *m == method {
            return Ok(r.clone());
        }
    }
    let names: Vec<&str> = allowed
        .iter()
        .map(|(m, _)| match m {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        })
        .collect();
    Err(ApiError::method_not_allowed(&names))
}

/// Resolves a path relative to `/api/v1` (e.g. `/companies/cmp_1`).
pub fn resolve(method: Option<Method>, path: &str) -> ApiResult<Route> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let nf = || {
        ApiError::not_found(format!("no route for `{path}`")).with_details(json!({ "path": path }))
    };
    let Some(method) = method else {
        // an unknown method on a known path is a 405 (with what is allowed), else a 404
        let mut allowed = Vec::new();
        for (m, n) in [
            (Method::Get, "GET"),
            (Method::Post, "POST"),
            (Method::Patch, "PATCH"),
            (Method::Delete, "DELETE"),
        ] {
            match resolve(Some(m), path) {
                Ok(_) => allowed.push(n),
                Err(e) if e.status == 404 => return Err(e),
                Err(_) => {}
            }
        }
        return Err(ApiError::method_not_allowed(&allowed));
    };
    use Method::*;
    let s = |x: &str| x.to_string();
    match segs.as_slice() {
        [r] if Res::parse(r).is_some() => {
            let r = Res::parse(r).unwrap_or(Res::Companies);
            allow(method, &[(Get, Route::List(r)), (Post, Route::Create(r))])
        }
        [r, id] if Res::parse(r).is_some() && !id.is_empty() => {
            let r = Res::parse(r).unwrap_or(Res::Companies);
            allow(
                method,
                &[
                    (Get, Route::Get(r, s(id))),
                    (Patch, Route::Update(r, s(id))),
                    (Delete, Route::Delete(r, s(id))),
                ],
            )
        }
        ["webhooks"] => allow(method, &[(Get, Route::WhList), (Post, Route::WhCreate)]),
        ["webhooks", id] if !id.is_empty() => allow(
            method,
            &[
                (Get, Route::WhGet(s(id))),
                (Patch, Route::WhUpdate(s(id))),
                (Delete, Route::WhDelete(s(id))),
            ],
        ),
        ["webhooks", id, "test"] => allow(method, &[(Post, Route::WhTest(s(id)))]),
        ["webhooks", id, "rotate-secret"] => allow(method, &[(Post, Route::WhRotate(s(id)))]),
        ["webhooks", id, "stats"] => allow(method, &[(Get, Route::WhStats(s(id)))]),
        ["webhooks", id, "deliveries"] => allow(method, &[(Get, Route::DlvList(s(id)))]),
        ["webhooks", id, "deliveries", d] if !d.is_empty() => {
            allow(method, &[(Get, Route::DlvGet(s(id), s(d)))])
        }
        ["webhooks", id, "deliveries", d, "retry"] => {
            allow(method, &[(Post, Route::DlvRetry(s(id), s(d)))])
        }
        ["batch"] => allow(method, &[(Post, Route::BatchCreate)]),
        ["batch", id] if !id.is_empty() => allow(method, &[(Get, Route::BatchGet(s(id)))]),
        ["events"] => allow(method, &[(Get, Route::EventList)]),
        ["events", "types"] => allow(method, &[(Get, Route::EventTypes)]),
        ["events", id] if !id.is_empty() => allow(method, &[(Get, Route::EventGet(s(id)))]),
        _ => Err(nf()),
    }
}

/// The scope a route needs, if any.
pub fn scope(route: &Route) -> Option<String> {
    Some(match route {
        Route::List(r) | Route::Get(r, _) => format!("{}:read", r.name()),
        Route::Create(r) | Route::Update(r, _) | Route::Delete(r, _) => {
            format!("{}:write", r.name())
        }
        Route::BatchCreate | Route::BatchGet(_) => "batch:write".into(),
        Route::EventTypes | Route::EventList | Route::EventGet(_) => "events:read".into(),
        _ => "webhooks:manage".into(),
    })
}

/// Whether the route needs a JSON object body.
pub fn needs_body(route: &Route) -> bool {
    matches!(
        route,
        Route::Create(_)
            | Route::Update(..)
            | Route::WhCreate
            | Route::WhUpdate(_)
            | Route::BatchCreate
    )
}

pub struct Ctx<'a> {
    pub tenant: &'a str,
    pub scopes: &'a [String],
    pub suppress: &'a Suppress,
}

impl Ctx<'_> {
    pub fn check_scope(&self, route: &Route) -> ApiResult<()> {
        match scope(route) {
            Some(s) if !self.scopes.contains(&s) => Err(ApiError::forbidden(&s)),
            _ => Ok(()),
        }
    }
}

/// Something to do after the transaction commits.
pub enum After {
    Nothing,
    DeliverNow(String, String),
}

fn object(body: Option<&Value>) -> ApiResult<&Map<String, Value>> {
    match body {
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ApiError::bad_request(
            "the request body must be a JSON object",
        )),
        None => Err(ApiError::bad_request(
            "this request needs a JSON object body",
        )),
    }
}

/// Runs one operation (not batch creation) inside the caller's transaction.
pub fn exec(
    conn: &Connection,
    ctx: &Ctx,
    route: &Route,
    query: &str,
    body: Option<&Value>,
) -> ApiResult<(u16, Value, After)> {
    let t = ctx.tenant;
    let ok = |v: Value| Ok((200, v, After::Nothing));
    match route {
        Route::List(r) => ok(resources::list(conn, t, *r, query)?),
        Route::Get(r, id) => ok(resources::get(conn, t, *r, id)?),
        Route::Create(r) => Ok((
            201,
            resources::create(conn, t, *r, object(body)?, ctx.suppress)?,
            After::Nothing,
        )),
        Route::Update(r, id) => ok(resources::update(
            conn,
            t,
            *r,
            id,
            object(body)?,
            ctx.suppress,
        )?),
        Route::Delete(r, id) => ok(resources::delete(conn, t, *r, id, ctx.suppress)?),
        Route::WhList => ok(webhooks::list(conn, t, query)?),
        Route::WhCreate => Ok((
            201,
            webhooks::create(conn, t, object(body)?)?,
            After::Nothing,
        )),
        Route::WhGet(id) => ok(webhooks::load(conn, t, id)?.to_json(false)),
        Route::WhUpdate(id) => ok(webhooks::update(conn, t, id, object(body)?)?),
        Route::WhDelete(id) => ok(webhooks::delete(conn, t, id)?),
        Route::WhRotate(id) => {
            let b = match body {
                None | Some(Value::Null) => None,
                other => Some(object(other)?),
            };
            ok(webhooks::rotate(conn, t, id, b)?)
        }
        Route::WhTest(id) => {
            let w = webhooks::load(conn, t, id)?;
            let data = json!({
                "webhook_id": w.id,
                "message": "This is a test event from the ERP API sandbox.",
            });
            let eid = events::emit(conn, t, "webhook.test", data, &Suppress::All)?;
            let did = events::insert_delivery(conn, t, &w.id, &eid, "webhook.test", true)?;
            Ok((200, Value::Null, After::DeliverNow(w.id, did)))
        }
        Route::WhStats(id) => ok(webhooks::stats(conn, t, id)?),
        Route::DlvList(id) => ok(webhooks::deliveries(conn, t, id, query)?),
        Route::DlvGet(id, d) => ok(webhooks::delivery(conn, t, id, d)?),
        Route::DlvRetry(id, d) => Ok((202, webhooks::retry(conn, t, id, d)?, After::Nothing)),
        Route::EventTypes => ok(events::types_body()),
        Route::EventList => ok(list_events(conn, t, query)?),
        Route::EventGet(id) => {
            let body: Option<String> = conn
                .query_row(
                    "SELECT body FROM events WHERE tenant_id = ?1 AND id = ?2",
                    params![t, id],
                    |r| r.get(0),
                )
                .optional()?;
            match body {
                Some(b) => ok(events::event_from_text(&b)),
                None => Err(ApiError::not_found(format!("no event with id `{id}`"))),
            }
        }
        Route::BatchGet(id) => ok(crate::batch::get(conn, t, id)?),
        Route::BatchCreate => Err(ApiError::bad_request("a batch may not contain `/batch`")),
    }
}

fn list_events(conn: &Connection, t: &str, query: &str) -> ApiResult<Value> {
    let mut limit = None;
    let mut cursor: Option<i64> = None;
    let mut etype: Option<String> = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "limit" => limit = Some(v.into_owned()),
            "type" => etype = Some(v.into_owned()),
            "cursor" => {
                cursor = Some(v.parse().map_err(|_| {
                    ApiError::bad_request("invalid `cursor`")
                        .with_details(json!({ "parameter": "cursor" }))
                })?)
            }
            _ => {}
        }
    }
    let limit = resources::parse_limit(limit.as_deref())?;
    let mut stmt = conn.prepare(
        "SELECT seq, body FROM events WHERE tenant_id = ?1 AND seq < ?2 AND (?3 IS NULL OR type = ?3)
         ORDER BY seq DESC LIMIT ?4",
    )?;
    let rows: Vec<(i64, String)> = stmt
        .query_map(
            params![t, cursor.unwrap_or(i64::MAX), etype, limit + 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    let more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next = if more {
        json!(rows.last().map(|r| r.0.to_string()))
    } else {
        Value::Null
    };
    Ok(json!({
        "data": rows.iter().map(|r| events::event_from_text(&r.1)).collect::<Vec<_>>(),
        "next_cursor": next,
    }))
}

pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;

/// The fingerprint of a request for idempotency: method, path, query, body (canonical JSON).
/// The body is serialized straight into the hash (a batch body is about 90 KB).
pub fn request_hash(method: Method, path: &str, query: &str, body: Option<&Value>) -> String {
    use sha2::{Digest, Sha256};
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.update(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Sha256::new());
    h.0.update(format!("{method:?}\n{path}\n{query}\n").as_bytes());
    if let Some(b) = body {
        // the same bytes as `b.to_string()`: hashes stored before this change still match
        serde_json::to_writer(&mut h, b).expect("hashing cannot fail");
    }
    hex::encode(h.0.finalize())
}

/// A stored answer for this key: Ok(Some((status, body))) to replay, Ok(None) to run,
/// Err for a key used with a different request.
pub fn idempotency_lookup(
    conn: &Connection,
    tenant: &str,
    key: &str,
    hash: &str,
) -> ApiResult<Option<(u16, String)>> {
    let row: Option<(String, i64, String, i64)> = conn
        .prepare_cached(
            "SELECT request_hash, status, body, created_at FROM idempotency WHERE tenant_id = ?1 AND key = ?2",
        )?
        .query_row(params![tenant, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    match row {
        Some((h, status, body, at)) if crate::util::now_ms() - at < IDEMPOTENCY_TTL_MS => {
            if h != hash {
                return Err(ApiError::new(
                    422,
                    "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was already used with a different request",
                )
                .with_details(json!({ "idempotency_key": key })));
            }
            Ok(Some((status as u16, body)))
        }
        _ => Ok(None),
    }
}

pub fn idempotency_store(
    conn: &Connection,
    tenant: &str,
    key: &str,
    hash: &str,
    status: u16,
    body: &Value,
) -> ApiResult<()> {
    idempotency_store_text(conn, tenant, key, hash, status, &body.to_string())
}

/// [`idempotency_store`] with the body already serialized.
pub fn idempotency_store_text(
    conn: &Connection,
    tenant: &str,
    key: &str,
    hash: &str,
    status: u16,
    body: &str,
) -> ApiResult<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO idempotency (tenant_id, key, request_hash, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![tenant, key, hash, status as i64, body, crate::util::now_ms()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_hash_is_the_hash_of_the_canonical_text() {
        let body = json!({"b": [1, "x\"y"], "a": {"z": null, "c": 1.5}});
        let text = format!("Post\n/batch\nq=1\n{body}");
        assert_eq!(
            request_hash(Method::Post, "/batch", "q=1", Some(&body)),
            crate::util::sha256_hex(text.as_bytes())
        );
        assert_eq!(
            request_hash(Method::Delete, "/companies/x", "", None),
            crate::util::sha256_hex(b"Delete\n/companies/x\n\n")
        );
    }
}
