//! Events and the outbox: every change writes its event and its pending
//! deliveries in the caller's transaction.

use crate::util::{new_id, now_ms, rfc3339, ApiResult};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("company.created", "A company was created."),
    ("company.updated", "A company was updated."),
    ("company.deleted", "A company was deleted."),
    ("customer.created", "A customer was created."),
    ("customer.updated", "A customer was updated."),
    ("customer.deleted", "A customer was deleted."),
    ("vendor.created", "A vendor was created."),
    ("vendor.updated", "A vendor was updated."),
    ("vendor.deleted", "A vendor was deleted."),
    ("inventory_item.created", "An inventory item was created."),
    ("inventory_item.updated", "An inventory item was updated."),
    ("inventory_item.deleted", "An inventory item was deleted."),
    ("sales_order.created", "A sales order was created."),
    ("sales_order.updated", "A sales order was updated."),
    ("sales_order.deleted", "A sales order was deleted."),
    ("batch.completed", "A batch finished processing."),
    (
        "webhook.test",
        "A test event sent by POST /webhooks/{id}/test.",
    ),
];

pub fn is_event_type(t: &str) -> bool {
    EVENT_TYPES.iter().any(|(n, _)| *n == t)
}

pub fn types_body() -> Value {
    let data: Vec<Value> = EVENT_TYPES
        .iter()
        .map(|(n, d)| json!({ "type": n, "description": d }))
        .collect();
    json!({ "data": data })
}

/// Which webhooks a request asked not to be delivered to.
#[derive(Debug, Clone, Default)]
pub enum Suppress {
    #[default]
    None,
    All,
    Some(Vec<String>),
}

impl Suppress {
    pub fn parse(h: Option<&str>) -> Self {
        match h.map(str::trim) {
            None | Some("") => Suppress::None,
            Some("*") => Suppress::All,
            Some(s) => Suppress::Some(
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect(),
            ),
        }
    }
    fn blocks(&self, id: &str) -> bool {
        match self {
            Suppress::None => false,
            Suppress::All => true,
            Suppress::Some(v) => v.iter().any(|x| x == id),
        }
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Whether an event's data passes a webhook's filters.
pub fn filters_match(filters: &Value, data: &Value) -> bool {
    let Some(map) = filters.as_object() else {
        return true;
    };
    for (k, want) in map {
        if let Some(field) = k.strip_prefix("min_").filter(|_| data.get(k).is_none()) {
            match (data.get(field).and_then(as_f64), as_f64(want)) {
                (Some(have), Some(min)) if have >= min => continue,
                _ => return false,
            }
        }
        if let Some(field) = k.strip_prefix("max_").filter(|_| data.get(k).is_none()) {
            match (data.get(field).and_then(as_f64), as_f64(want)) {
                (Some(have), Some(max)) if have <= max => continue,
                _ => return false,
            }
        }
        let have = data.get(k).unwrap_or(&Value::Null);
        let eq = match (have, want) {
            (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        };
        if !eq {
            return false;
        }
    }
    true
}

/// Writes an event and one pending delivery per matching active webhook.
/// Returns the event id.
pub fn emit(
    conn: &Connection,
    tenant: &str,
    etype: &str,
    data: Value,
    suppress: &Suppress,
) -> ApiResult<String> {
    let text = serde_json::to_string(&data)?;
    emit_text(conn, tenant, etype, &data, &text, suppress)
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// [`emit`] with the data already serialized (`data_text` is `data` as JSON).
pub fn emit_text(
    conn: &Connection,
    tenant: &str,
    etype: &str,
    data: &Value,
    data_text: &str,
    suppress: &Suppress,
) -> ApiResult<String> {
    let id = new_id("evt");
    let now = now_ms();
    let text = format!(
        "{{\"id\":{},\"type\":{},\"created_at\":{},\"tenant_id\":{},\"data\":{}}}",
        json_str(&id),
        json_str(etype),
        json_str(&rfc3339(now)),
        json_str(tenant),
        data_text
    );
    conn.prepare_cached(
        "INSERT INTO events (id, tenant_id, type, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, tenant, etype, text, now])?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, events, filters FROM webhooks WHERE tenant_id = ?1 AND active = 1",
    )?;
    let hooks: Vec<(String, String, String)> = stmt
        .query_map(params![tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (wid, events, filters) in hooks {
        if suppress.blocks(&wid) {
            continue;
        }
        let events: Value = serde_json::from_str(&events).unwrap_or(Value::Null);
        let subscribed = events
            .as_array()
            .map(|a| {
                a.iter()
                    .any(|e| e.as_str() == Some(etype) || e.as_str() == Some("*"))
            })
            .unwrap_or(false);
        if !subscribed {
            continue;
        }
        let filters: Value = serde_json::from_str(&filters).unwrap_or(Value::Null);
        if !filters_match(&filters, data) {
            continue;
        }
        insert_delivery(conn, tenant, &wid, &id, etype, false)?;
    }
    Ok(id)
}

pub fn insert_delivery(
    conn: &Connection,
    tenant: &str,
    webhook_id: &str,
    event_id: &str,
    etype: &str,
    forced: bool,
) -> ApiResult<String> {
    let did = new_id("dlv");
    let now = now_ms();
    conn.prepare_cached(
        "INSERT INTO deliveries (id, tenant_id, webhook_id, event_id, event_type, status, next_attempt_at, created_at, forced)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7)",
    )?
    .execute(params![did, tenant, webhook_id, event_id, etype, now, forced as i64])?;
    Ok(did)
}

pub fn event_from_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
