//! SQLite storage: schema, opening, API keys.

use crate::util::{now_ms, random_alnum, sha256_hex};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

pub const ALL_SCOPES: &[&str] = &[
    "companies:read",
    "companies:write",
    "customers:read",
    "customers:write",
    "vendors:read",
    "vendors:write",
    "inventory-items:read",
    "inventory-items:write",
    "sales-orders:read",
    "sales-orders:write",
    "webhooks:manage",
    "batch:write",
    "events:read",
];

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS records_tr ON records(tenant_id, resource, seq);
CREATE INDEX IF NOT EXISTS records_sku ON records(tenant_id, json_extract(data, '$.sku'))
    WHERE resource = 'inventory-items';
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_t ON events(tenant_id, seq);
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    events TEXT NOT NULL,
    filters TEXT NOT NULL,
    active INTEGER NOT NULL,
    max_retries INTEGER NOT NULL,
    backoff_ms INTEGER NOT NULL,
    secret TEXT NOT NULL,
    prev_secret TEXT,
    prev_secret_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_triggered_at INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    circuit_opened_at INTEGER
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt_count INTEGER NOT NULL DEFAULT 0,
    budget_start INTEGER NOT NULL DEFAULT 0,
    forced INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_status_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_wh ON deliveries(webhook_id, seq);
CREATE TABLE IF NOT EXISTS attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    attempted_at INTEGER NOT NULL,
    status_code INTEGER,
    duration_ms INTEGER NOT NULL,
    response_excerpt TEXT,
    error TEXT,
    success INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_d ON attempts(delivery_id, seq);
CREATE INDEX IF NOT EXISTS attempts_w ON attempts(webhook_id, attempted_at);
CREATE TABLE IF NOT EXISTS idempotency (
    tenant_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    status TEXT NOT NULL,
    mode TEXT NOT NULL,
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,
    request TEXT NOT NULL,
    result TEXT,
    scopes TEXT,
    suppress TEXT,
    request_id TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE TABLE IF NOT EXISTS batch_items (
    batch_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (batch_id, idx)
);
"#;

pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(dir);
        }
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "mmap_size", 268_435_456)?;
    conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// Moves WAL checkpoints off the serving connection: `conn` stops checkpointing on commit,
/// and a background thread with its own connection runs a PASSIVE checkpoint (which never
/// blocks a writer) every 200 ms. The WAL stays as durable as before; only who copies it
/// back into the database file, and when, changes.
pub fn start_checkpointer(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    let own = Connection::open(path)?;
    own.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(200));
            // Busy or failed: try again next round (a PASSIVE checkpoint is best effort).
            let _ = own.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        })
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    Ok(())
}

pub fn new_api_key() -> String {
    format!("sk_test_{}", random_alnum(40))
}

pub fn insert_key(
    conn: &Connection,
    key: &str,
    tenant: &str,
    scopes: &[String],
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO api_keys (key_hash, tenant_id, scopes, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256_hex(key.as_bytes()), tenant, scopes.join(","), now_ms()],
    )?;
    Ok(())
}

/// Looks an API key up: (tenant, scopes).
pub fn lookup_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<(String, Vec<String>)>> {
    conn.query_row(
        "SELECT tenant_id, scopes FROM api_keys WHERE key_hash = ?1",
        params![sha256_hex(key.as_bytes())],
        |r| {
            let t: String = r.get(0)?;
            let s: String = r.get(1)?;
            Ok((
                t,
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect(),
            ))
        },
    )
    .optional()
}

/// On a new database: creates the default tenant's key (or the pinned one) and
/// returns it so it can be printed. On an existing one: registers a pinned key if given.
pub fn bootstrap(conn: &Connection, pinned: Option<&str>) -> rusqlite::Result<Option<String>> {
    let done: Option<String> = conn
        .query_row("SELECT v FROM meta WHERE k = 'bootstrapped'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let scopes: Vec<String> = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
    if done.is_some() {
        if let Some(k) = pinned {
            insert_key(conn, k, "ten_default", &scopes)?;
        }
        return Ok(None);
    }
    let key = pinned.map(String::from).unwrap_or_else(new_api_key);
    insert_key(conn, &key, "ten_default", &scopes)?;
    conn.execute(
        "INSERT INTO meta (k, v) VALUES ('bootstrapped', ?1)",
        params![now_ms().to_string()],
    )?;
    Ok(Some(key))
}

/// Parses a scope list (`a,b` or `*` / `all`), rejecting unknown scopes.
pub fn parse_scopes(s: &str) -> Result<Vec<String>, String> {
    let s = s.trim();
    if s == "*" || s == "all" {
        return Ok(ALL_SCOPES.iter().map(|x| x.to_string()).collect());
    }
    let mut out = Vec::new();
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !ALL_SCOPES.contains(&p) {
            return Err(format!(
                "unknown scope `{p}`; known: {}",
                ALL_SCOPES.join(", ")
            ));
        }
        out.push(p.to_string());
    }
    Ok(out)
}
