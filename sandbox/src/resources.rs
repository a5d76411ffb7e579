//! The five resources: schemas, validation, CRUD and listing.

use crate::events::{emit, emit_text, Suppress};
use crate::util::{new_id, now_ms, rfc3339, ApiError, ApiResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Res {
    Companies,
    Customers,
    Vendors,
    InventoryItems,
    SalesOrders,
}

#[derive(Clone, Copy)]
pub enum Ty {
    Str(usize, usize),
    Enum(&'static [&'static str]),
    Email,
    Upper(usize),
    Number,
    Int(i64, i64),
    RefCompany,
    RefCustomer,
    Lines,
}

pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub default: Option<fn() -> Value>,
}

const fn f(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        default: None,
    }
}
const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
        default: None,
    }
}
const fn def(name: &'static str, ty: Ty, d: fn() -> Value) -> Field {
    Field {
        name,
        ty,
        required: false,
        default: Some(d),
    }
}

const STATUS: &[&str] = &["active", "inactive"];
const SO_STATUS: &[&str] = &["draft", "confirmed", "shipped", "cancelled"];
fn d_active() -> Value {
    json!("active")
}
fn d_draft() -> Value {
    json!("draft")
}
fn d_zero() -> Value {
    json!(0)
}
fn d_no_lines() -> Value {
    json!([])
}
fn d_usd() -> Value {
    json!("USD")
}

static COMPANIES: &[Field] = &[
    req("name", Ty::Str(1, 200)),
    def("status", Ty::Enum(STATUS), d_active),
    f("email", Ty::Email),
    f("country", Ty::Upper(2)),
    f("tax_id", Ty::Str(0, 255)),
];
static CUSTOMERS: &[Field] = &[
    req("name", Ty::Str(1, 200)),
    f("company_id", Ty::RefCompany),
    f("email", Ty::Email),
    f("customer_account", Ty::Str(0, 255)),
    def("status", Ty::Enum(STATUS), d_active),
    f("credit_limit", Ty::Number),
];
static VENDORS: &[Field] = &[
    req("name", Ty::Str(1, 200)),
    f("email", Ty::Email),
    def("status", Ty::Enum(STATUS), d_active),
    f("payment_terms_days", Ty::Int(0, 365)),
];
static ITEMS: &[Field] = &[
    req("sku", Ty::Str(1, 255)),
    req("name", Ty::Str(1, 200)),
    def("quantity", Ty::Int(0, i64::MAX), d_zero),
    f("unit_price", Ty::Number),
    def("status", Ty::Enum(STATUS), d_active),
];
static ORDERS: &[Field] = &[
    req("customer_id", Ty::RefCustomer),
    f("customer_account", Ty::Str(0, 255)),
    def("status", Ty::Enum(SO_STATUS), d_draft),
    f("amount", Ty::Number),
    def("currency", Ty::Upper(3), d_usd),
    def("lines", Ty::Lines, d_no_lines),
];

impl Res {
    pub fn parse(s: &str) -> Option<Res> {
        Some(match s {
            "companies" => Res::Companies,
            "customers" => Res::Customers,
            "vendors" => Res::Vendors,
            "inventory-items" => Res::InventoryItems,
            "sales-orders" => Res::SalesOrders,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Res::Companies => "companies",
            Res::Customers => "customers",
            Res::Vendors => "vendors",
            Res::InventoryItems => "inventory-items",
            Res::SalesOrders => "sales-orders",
        }
    }
    pub fn singular(self) -> &'static str {
        match self {
            Res::Companies => "company",
            Res::Customers => "customer",
            Res::Vendors => "vendor",
            Res::InventoryItems => "inventory_item",
            Res::SalesOrders => "sales_order",
        }
    }
    pub fn prefix(self) -> &'static str {
        match self {
            Res::Companies => "cmp",
            Res::Customers => "cus",
            Res::Vendors => "ven",
            Res::InventoryItems => "itm",
            Res::SalesOrders => "so",
        }
    }
    pub fn fields(self) -> &'static [Field] {
        match self {
            Res::Companies => COMPANIES,
            Res::Customers => CUSTOMERS,
            Res::Vendors => VENDORS,
            Res::InventoryItems => ITEMS,
            Res::SalesOrders => ORDERS,
        }
    }
    fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "object"];

fn is_upper(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn valid_email(s: &str) -> bool {
    let Some((a, b)) = s.split_once('@') else {
        return false;
    };
    !a.is_empty()
        && !b.is_empty()
        && !b.contains('@')
        && !s.chars().any(char::is_whitespace)
        && s.len() <= 254
}

fn record_exists(conn: &Connection, tenant: &str, res: Res, id: &str) -> ApiResult<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM records WHERE tenant_id = ?1 AND resource = ?2 AND id = ?3",
            params![tenant, res.name(), id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn check_value(
    conn: &Connection,
    tenant: &str,
    fld: &Field,
    v: &Value,
    errs: &mut Vec<(String, String)>,
) -> ApiResult<()> {
    let name = fld.name;
    let mut bad = |m: String| errs.push((name.to_string(), m));
    if v.is_null() {
        if fld.required || fld.default.is_some() {
            bad("may not be null".into());
        }
        return Ok(());
    }
    match fld.ty {
        Ty::Str(min, max) => match v.as_str() {
            Some(s) if s.chars().count() < min => bad(format!("must be at least {min} characters")),
            Some(s) if s.chars().count() > max => bad(format!("must be at most {max} characters")),
            Some(_) => {}
            None => bad("must be a string".into()),
        },
        Ty::Enum(opts) => match v.as_str() {
            Some(s) if opts.contains(&s) => {}
            _ => bad(format!("must be one of: {}", opts.join(", "))),
        },
        Ty::Email => match v.as_str() {
            Some(s) if valid_email(s) => {}
            Some(_) => bad("must be an email address".into()),
            None => bad("must be a string".into()),
        },
        Ty::Upper(n) => match v.as_str() {
            Some(s) if is_upper(s, n) => {}
            _ => bad(format!("must be {n} uppercase letters")),
        },
        Ty::Number => match v.as_f64() {
            Some(x) if v.is_number() && x >= 0.0 => {}
            Some(_) if v.is_number() => bad("must be >= 0".into()),
            _ => bad("must be a number".into()),
        },
        Ty::Int(min, max) => match v.as_i64() {
            Some(x) if x >= min && x <= max => {}
            Some(_) => bad(format!("must be an integer between {min} and {max}")),
            None => bad("must be an integer".into()),
        },
        Ty::RefCompany | Ty::RefCustomer => {
            let target = if matches!(fld.ty, Ty::RefCompany) {
                Res::Companies
            } else {
                Res::Customers
            };
            match v.as_str() {
                Some(s) => {
                    if !record_exists(conn, tenant, target, s)? {
                        bad(format!("no {} with id `{s}`", target.singular()));
                    }
                }
                None => bad("must be a string id".into()),
            }
        }
        Ty::Lines => match v.as_array() {
            None => bad("must be an array of {sku, quantity, unit_price}".into()),
            Some(lines) => {
                for (i, l) in lines.iter().enumerate() {
                    let p = format!("{name}.{i}");
                    let Some(o) = l.as_object() else {
                        errs.push((p, "must be an object".into()));
                        continue;
                    };
                    for k in o.keys() {
                        if !["sku", "quantity", "unit_price"].contains(&k.as_str()) {
                            errs.push((format!("{p}.{k}"), "unknown field".into()));
                        }
                    }
                    match o.get("sku").and_then(Value::as_str) {
                        Some(s) if !s.is_empty() => {}
                        _ => {
                            errs.push((format!("{p}.sku"), "is required (non-empty string)".into()))
                        }
                    }
                    match o.get("quantity").and_then(Value::as_i64) {
                        Some(q) if q >= 1 => {}
                        _ => errs.push((format!("{p}.quantity"), "must be an integer >= 1".into())),
                    }
                    match o.get("unit_price") {
                        None => {}
                        Some(Value::Number(n)) if n.as_f64().unwrap_or(-1.0) >= 0.0 => {}
                        _ => errs.push((format!("{p}.unit_price"), "must be a number >= 0".into())),
                    }
                }
            }
        },
    }
    Ok(())
}

/// Validates a create (`existing` None) or patch body; returns the new record data.
fn build(
    conn: &Connection,
    tenant: &str,
    res: Res,
    body: &Map<String, Value>,
    existing: Option<&Map<String, Value>>,
) -> ApiResult<Map<String, Value>> {
    let mut errs = Vec::new();
    for (k, v) in body {
        if READ_ONLY.contains(&k.as_str()) {
            errs.push((k.clone(), "is read-only".into()));
            continue;
        }
        match res.field(k) {
            None => errs.push((k.clone(), "unknown field".into())),
            Some(fld) => check_value(conn, tenant, fld, v, &mut errs)?,
        }
    }
    let mut out = existing.cloned().unwrap_or_default();
    if existing.is_none() {
        for fld in res.fields() {
            if !body.contains_key(fld.name) {
                if fld.required {
                    errs.push((fld.name.to_string(), "is required".into()));
                } else if let Some(d) = fld.default {
                    out.insert(fld.name.to_string(), d());
                } else {
                    out.insert(fld.name.to_string(), Value::Null);
                }
            }
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    for (k, v) in body {
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

fn check_sku(conn: &Connection, tenant: &str, sku: &str, except: Option<&str>) -> ApiResult<()> {
    let other: Option<String> = conn
        .query_row(
            "SELECT id FROM records WHERE tenant_id = ?1 AND resource = 'inventory-items'
             AND json_extract(data, '$.sku') = ?2 AND id != ?3",
            params![tenant, sku, except.unwrap_or("")],
            |r| r.get(0),
        )
        .optional()?;
    match other {
        Some(id) => Err(ApiError::conflict(format!(
            "an inventory item with sku `{sku}` already exists"
        ))
        .with_details(json!({ "field": "sku", "existing_id": id }))),
        None => Ok(()),
    }
}

pub fn get(conn: &Connection, tenant: &str, res: Res, id: &str) -> ApiResult<Value> {
    let text: Option<String> = conn
        .query_row(
            "SELECT data FROM records WHERE tenant_id = ?1 AND resource = ?2 AND id = ?3",
            params![tenant, res.name(), id],
            |r| r.get(0),
        )
        .optional()?;
    match text {
        Some(t) => Ok(serde_json::from_str(&t)?),
        None => Err(
            ApiError::not_found(format!("no {} with id `{id}`", res.singular()))
                .with_details(json!({ "resource": res.name(), "id": id })),
        ),
    }
}

pub fn create(
    conn: &Connection,
    tenant: &str,
    res: Res,
    body: &Map<String, Value>,
    sup: &Suppress,
) -> ApiResult<Value> {
    let mut data = build(conn, tenant, res, body, None)?;
    if res == Res::InventoryItems {
        check_sku(conn, tenant, data["sku"].as_str().unwrap_or(""), None)?;
    }
    let id = new_id(res.prefix());
    let now = now_ms();
    data.insert("id".into(), json!(id));
    data.insert("created_at".into(), json!(rfc3339(now)));
    data.insert("updated_at".into(), json!(rfc3339(now)));
    let rec = Value::Object(data);
    let text = serde_json::to_string(&rec)?;
    conn.prepare_cached(
        "INSERT INTO records (id, tenant_id, resource, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, tenant, res.name(), text, now])?;
    emit_text(
        conn,
        tenant,
        &format!("{}.created", res.singular()),
        &rec,
        &text,
        sup,
    )?;
    Ok(rec)
}

pub fn update(
    conn: &Connection,
    tenant: &str,
    res: Res,
    id: &str,
    body: &Map<String, Value>,
    sup: &Suppress,
) -> ApiResult<Value> {
    let cur = get(conn, tenant, res, id)?;
    let cur = cur.as_object().cloned().unwrap_or_default();
    let mut data = build(conn, tenant, res, body, Some(&cur))?;
    if res == Res::InventoryItems {
        if let Some(s) = body.get("sku").and_then(Value::as_str) {
            check_sku(conn, tenant, s, Some(id))?;
        }
    }
    data.insert("updated_at".into(), json!(rfc3339(now_ms())));
    let rec = Value::Object(data);
    let text = serde_json::to_string(&rec)?;
    conn.prepare_cached(
        "UPDATE records SET data = ?1 WHERE tenant_id = ?2 AND resource = ?3 AND id = ?4",
    )?
    .execute(params![text, tenant, res.name(), id])?;
    emit_text(
        conn,
        tenant,
        &format!("{}.updated", res.singular()),
        &rec,
        &text,
        sup,
    )?;
    Ok(rec)
}

pub fn delete(
    conn: &Connection,
    tenant: &str,
    res: Res,
    id: &str,
    sup: &Suppress,
) -> ApiResult<Value> {
    let cur = get(conn, tenant, res, id)?;
    conn.execute(
        "DELETE FROM records WHERE tenant_id = ?1 AND resource = ?2 AND id = ?3",
        params![tenant, res.name(), id],
    )?;
    emit(
        conn,
        tenant,
        &format!("{}.deleted", res.singular()),
        cur,
        sup,
    )?;
    Ok(json!({ "id": id, "deleted": true }))
}

/// Parses `limit` (1..100, default 20).
pub fn parse_limit(v: Option<&str>) -> ApiResult<i64> {
    match v {
        None => Ok(20),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_request(format!(
                "`limit` must be an integer from 1 to 100, got `{s}`"
            ))
            .with_details(json!({ "parameter": "limit" }))),
        },
    }
}

fn sortable(res: Res, name: &str) -> bool {
    ["id", "created_at", "updated_at"].contains(&name)
        || res
            .field(name)
            .map(|f| !matches!(f.ty, Ty::Lines))
            .unwrap_or(false)
}

fn filter_value(res: Res, name: &str, raw: &str) -> ApiResult<SqlValue> {
    let bad = |m: String| {
        Err(ApiError::bad_request(m)
            .with_details(json!({ "parameter": format!("filter[{name}]") })))
    };
    if ["id", "created_at", "updated_at"].contains(&name) {
        return Ok(SqlValue::Text(raw.into()));
    }
    let Some(fld) = res.field(name) else {
        return bad(format!(
            "cannot filter {} on unknown field `{name}`",
            res.name()
        ));
    };
    match fld.ty {
        Ty::Int(..) => match raw.parse::<i64>() {
            Ok(n) => Ok(SqlValue::Integer(n)),
            Err(_) => bad(format!("filter[{name}] must be an integer")),
        },
        Ty::Number => match raw.parse::<f64>() {
            Ok(n) => Ok(SqlValue::Real(n)),
            Err(_) => bad(format!("filter[{name}] must be a number")),
        },
        Ty::Lines => bad(format!("cannot filter on `{name}`")),
        _ => Ok(SqlValue::Text(raw.into())),
    }
}

fn json_to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Real(-1e308),
        Value::Bool(b) => SqlValue::Integer(*b as i64),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// Lists records: `filter[f]=v`, `sort=f|-f`, `limit`, `cursor`.
pub fn list(conn: &Connection, tenant: &str, res: Res, query: &str) -> ApiResult<Value> {
    let mut filters: Vec<(String, SqlValue)> = Vec::new();
    let mut sort: Option<String> = None;
    let mut limit: Option<String> = None;
    let mut cursor: Option<String> = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(name) = k.strip_prefix("filter[").and_then(|r| r.strip_suffix(']')) {
            filters.push((name.to_string(), filter_value(res, name, &v)?));
        } else {
            match &*k {
                "sort" => sort = Some(v.into_owned()),
                "limit" => limit = Some(v.into_owned()),
                "cursor" => cursor = Some(v.into_owned()),
                _ => {}
            }
        }
    }
    let limit = parse_limit(limit.as_deref())?;
    let sort = sort.unwrap_or_else(|| "created_at".into());
    let (field, desc) = match sort.strip_prefix('-') {
        Some(f) => (f.to_string(), true),
        None => (sort.trim_start_matches('+').to_string(), false),
    };
    if !sortable(res, &field) {
        return Err(
            ApiError::bad_request(format!("cannot sort {} by `{field}`", res.name()))
                .with_details(json!({ "parameter": "sort" })),
        );
    }
    let key_expr = if field == "created_at" {
        "created_at".to_string()
    } else {
        format!("COALESCE(json_extract(data, '$.{field}'), -1e308)")
    };
    let mut sql =
        format!("SELECT seq, data, {key_expr} FROM records WHERE tenant_id = ? AND resource = ?");
    let mut args: Vec<SqlValue> = vec![
        SqlValue::Text(tenant.into()),
        SqlValue::Text(res.name().into()),
    ];
    for (name, val) in &filters {
        sql.push_str(&format!(" AND json_extract(data, '$.{name}') = ?"));
        args.push(val.clone());
    }
    if let Some(c) = cursor {
        let bad = || {
            ApiError::bad_request("invalid `cursor`").with_details(json!({ "parameter": "cursor" }))
        };
        let raw = URL_SAFE_NO_PAD.decode(c.as_bytes()).map_err(|_| bad())?;
        let cv: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
        if cv.get("s").and_then(Value::as_str) != Some(sort.as_str()) {
            return Err(bad().with_details(
                json!({ "parameter": "cursor", "reason": "cursor was made for another sort" }),
            ));
        }
        let seq = cv.get("q").and_then(Value::as_i64).ok_or_else(bad)?;
        let k = cv.get("k").cloned().unwrap_or(Value::Null);
        let op = if desc { "<" } else { ">" };
        sql.push_str(&format!(" AND ({key_expr}, seq) {op} (?, ?)"));
        args.push(json_to_sql(&k));
        args.push(SqlValue::Integer(seq));
    }
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push_str(&format!(
        " ORDER BY {key_expr} {dir}, seq {dir} LIMIT {}",
        limit + 1
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows: Vec<(i64, String, SqlValue)> = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let mut data = Vec::with_capacity(rows.len());
    for (_, d, _) in rows {
        data.push(serde_json::from_str::<Value>(d)?);
    }
    let next = if more {
        let (seq, _, key) = rows.last().expect("non-empty");
        let k = match key {
            SqlValue::Integer(i) => json!(i),
            SqlValue::Real(r) => json!(r),
            SqlValue::Text(t) => json!(t),
            _ => Value::Null,
        };
        let c = json!({ "s": sort, "k": k, "q": seq });
        Value::String(URL_SAFE_NO_PAD.encode(c.to_string()))
    } else {
        Value::Null
    };
    Ok(json!({ "data": data, "next_cursor": next }))
}
