//! The webhook dispatcher: delivers pending deliveries from the outbox,
//! signs them, retries with backoff, and keeps each webhook's circuit breaker.

use crate::util::{now_ms, ApiResult};
use crate::webhooks::{self, secret_key_bytes, Webhook};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Notify, Semaphore};

pub const CIRCUIT_THRESHOLD: i64 = 10;
const BATCH: i64 = 500;
const MAX_IN_FLIGHT: usize = 512;

pub type Db = Arc<Mutex<Connection>>;

pub fn lock(db: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    db.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Dispatcher {
    pub db: Db,
    pub notify: Notify,
    inflight: Mutex<HashSet<String>>,
    probing: Mutex<HashSet<String>>,
    client: reqwest::Client,
    cooldown_ms: i64,
    sem: Arc<Semaphore>,
    done_tx: mpsc::UnboundedSender<Finished>,
    done_rx: Mutex<Option<mpsc::UnboundedReceiver<Finished>>>,
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("hmac accepts any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// `v1,<sig>` entries (space separated) for each secret, Standard Webhooks style.
pub fn standard_signature(secrets: &[String], id: &str, ts: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|s| secret_key_bytes(s))
        .map(|k| {
            let sig = hmac(
                &k,
                &[
                    id.as_bytes(),
                    b".",
                    ts.to_string().as_bytes(),
                    b".",
                    body.as_bytes(),
                ],
            );
            format!("v1,{}", STANDARD.encode(sig))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `sha256=<hex>` over the raw body, keyed by the secret string's bytes.
pub fn hub_signature(secret: &str, body: &str) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac(secret.as_bytes(), &[body.as_bytes()]))
    )
}

struct Outcome {
    status: Option<u16>,
    duration_ms: i64,
    excerpt: Option<String>,
    error: Option<String>,
}

/// A finished attempt, waiting to be written.
struct Finished {
    did: String,
    wid: String,
    at: i64,
    out: Outcome,
    probe: Option<String>,
}

impl Dispatcher {
    pub fn new(db: Db, cooldown: Duration) -> Arc<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(10))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .user_agent("erp-sandbox-webhooks/0.1")
            .build()
            .expect("http client");
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Dispatcher {
            db,
            notify: Notify::new(),
            inflight: Mutex::new(HashSet::new()),
            probing: Mutex::new(HashSet::new()),
            client,
            cooldown_ms: cooldown.as_millis() as i64,
            sem: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            done_tx: tx,
            done_rx: Mutex::new(Some(rx)),
        })
    }

    /// Marks a delivery as taken (so the loop leaves it alone).
    pub fn claim(&self, id: &str) {
        self.inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
    }

    fn release(&self, did: &str, probe: Option<&str>) {
        self.inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(did);
        if let Some(w) = probe {
            self.probing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(w);
        }
    }

    /// Crash recovery: whatever was in flight when the process died is due again.
    pub fn recover(&self) -> rusqlite::Result<usize> {
        let conn = lock(&self.db);
        conn.execute(
            "UPDATE deliveries SET next_attempt_at = ?1 WHERE status = 'pending' AND next_attempt_at IS NULL",
            params![now_ms()],
        )
    }

    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let rx = self
            .done_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(rx) = rx {
            tokio::spawn(self.clone().recorder(rx));
        }
        loop {
            if *shutdown.borrow() {
                break;
            }
            let wait = match self.tick() {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("dispatcher: {}", e.message);
                    1000
                }
            };
            if wait > 0 {
                tokio::select! {
                    _ = self.notify.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                    _ = shutdown.changed() => {}
                }
            } else {
                tokio::task::yield_now().await;
            }
        }
    }

    /// Writes finished attempts, many per transaction.
    async fn recorder(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<Finished>) {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < 1024 {
                match rx.try_recv() {
                    Ok(f) => batch.push(f),
                    Err(_) => break,
                }
            }
            let res: ApiResult<()> = (|| {
                let mut conn = lock(&self.db);
                let tx = conn.transaction()?;
                for f in &batch {
                    self.record_in(&tx, &f.did, &f.wid, f.at, &f.out)?;
                }
                tx.commit()?;
                Ok(())
            })();
            if let Err(e) = res {
                eprintln!("dispatcher: recording attempts: {}", e.message);
                let conn = lock(&self.db);
                for f in &batch {
                    let _ = conn.execute(
                        "UPDATE deliveries SET next_attempt_at = ?1 WHERE id = ?2 AND status = 'pending'",
                        params![now_ms() + 1000, f.did],
                    );
                }
            }
            for f in &batch {
                self.release(&f.did, f.probe.as_deref());
            }
            self.notify.notify_one();
        }
    }

    /// Claims due deliveries and starts them; returns how long to sleep (ms).
    fn tick(self: &Arc<Self>) -> ApiResult<i64> {
        let now = now_ms();
        let mut start = Vec::new();
        let full;
        {
            let mut guard = lock(&self.db);
            let conn = guard.transaction()?;
            {
                let mut stmt = conn.prepare_cached(
                    "SELECT d.id, d.webhook_id, d.forced, e.body FROM deliveries d JOIN events e ON e.id = d.event_id
                     WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 ORDER BY d.next_attempt_at LIMIT ?2",
                )?;
                let rows: Vec<(String, String, i64, String)> = stmt
                    .query_map(params![now, BATCH], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect::<Result<_, _>>()?;
                full = rows.len() as i64 == BATCH;
                let mut hooks: HashMap<String, Option<Webhook>> = HashMap::new();
                let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
                let mut probing = self.probing.lock().unwrap_or_else(|e| e.into_inner());
                let mut defer_stmt = conn
                    .prepare_cached("UPDATE deliveries SET next_attempt_at = ?1 WHERE id = ?2")?;
                let mut take_stmt = conn
                    .prepare_cached("UPDATE deliveries SET next_attempt_at = NULL WHERE id = ?1")?;
                for (did, wid, forced, body) in rows {
                    if inflight.contains(&did) {
                        continue;
                    }
                    if !hooks.contains_key(&wid) {
                        hooks.insert(wid.clone(), webhooks::load_any(&conn, &wid)?);
                    }
                    let Some(w) = hooks.get(&wid).cloned().flatten() else {
                        conn.execute(
                            "UPDATE deliveries SET status = 'failed', last_error = 'webhook deleted', completed_at = ?1, next_attempt_at = NULL WHERE id = ?2",
                            params![now, did],
                        )?;
                        continue;
                    };
                    let forced = forced != 0;
                    let mut probe = false;
                    if !forced {
                        if !w.active {
                            defer_stmt.execute(params![now + 1000, did])?;
                            continue;
                        }
                        if let Some(opened) = w.circuit_opened_at {
                            if now < opened + self.cooldown_ms {
                                defer_stmt.execute(params![opened + self.cooldown_ms, did])?;
                                continue;
                            }
                            if probing.contains(&wid) {
                                defer_stmt.execute(params![now + 50, did])?;
                                continue;
                            }
                            probing.insert(wid.clone());
                            probe = true;
                        }
                    }
                    take_stmt.execute(params![did])?;
                    inflight.insert(did.clone());
                    start.push((did, w, body, probe));
                }
            }
            conn.commit()?;
        }
        for (did, w, body, probe) in start {
            let me = self.clone();
            let sem = self.sem.clone();
            tokio::spawn(async move {
                let _permit = sem.acquire_owned().await;
                let at = now_ms();
                let out = me.send(&w, &body, at).await;
                let f = Finished {
                    did,
                    wid: w.id.clone(),
                    at,
                    out,
                    probe: probe.then(|| w.id.clone()),
                };
                if let Err(mpsc::error::SendError(f)) = me.done_tx.send(f) {
                    me.release(&f.did, f.probe.as_deref());
                }
            });
        }
        if full {
            return Ok(0);
        }
        let conn = lock(&self.db);
        let next: Option<i64> = conn
            .query_row(
                "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(match next {
            Some(t) => (t - now_ms()).clamp(1, 1000),
            None => 1000,
        })
    }

    /// One delivery attempt now, recorded before returning (the test endpoint).
    /// The caller has claimed `did`.
    pub async fn attempt(self: &Arc<Self>, did: &str) {
        if let Err(e) = self.attempt_inner(did).await {
            eprintln!("dispatcher: delivery {did}: {}", e.message);
            let conn = lock(&self.db);
            let _ = conn.execute(
                "UPDATE deliveries SET next_attempt_at = ?1 WHERE id = ?2 AND status = 'pending'",
                params![now_ms() + 1000, did],
            );
        }
        self.release(did, None);
        self.notify.notify_one();
    }

    async fn attempt_inner(self: &Arc<Self>, did: &str) -> ApiResult<()> {
        let loaded = {
            let conn = lock(&self.db);
            let row: Option<(String, String, String)> = conn
                .query_row(
                    "SELECT d.webhook_id, d.status, e.body FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?1",
                    params![did],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            match row {
                Some((wid, status, body)) if status == "pending" => {
                    webhooks::load_any(&conn, &wid)?.map(|w| (w, body))
                }
                _ => None,
            }
        };
        let Some((w, body)) = loaded else {
            return Ok(());
        };
        let at = now_ms();
        let out = self.send(&w, &body, at).await;
        let mut conn = lock(&self.db);
        let tx = conn.transaction()?;
        self.record_in(&tx, did, &w.id, at, &out)?;
        tx.commit()?;
        Ok(())
    }

    /// Sends one signed delivery.
    async fn send(&self, w: &Webhook, body: &str, attempted_at: i64) -> Outcome {
        let event_id = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["id"].as_str().map(String::from))
            .unwrap_or_default();
        let ts = attempted_at / 1000;
        let started = Instant::now();
        let res = self
            .client
            .post(&w.url)
            .header("content-type", "application/json")
            .header("webhook-id", &event_id)
            .header("webhook-timestamp", ts.to_string())
            .header(
                "webhook-signature",
                standard_signature(&w.signing_secrets(attempted_at), &event_id, ts, body),
            )
            .header("x-webhook-signature", hub_signature(&w.secret, body))
            .body(body.to_string())
            .send()
            .await;
        match res {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let mut buf: Vec<u8> = Vec::new();
                let mut error = None;
                while buf.len() < 1024 {
                    match resp.chunk().await {
                        Ok(Some(c)) => buf.extend_from_slice(&c),
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(format!("reading response: {e}"));
                            break;
                        }
                    }
                }
                buf.truncate(1024);
                let excerpt = String::from_utf8_lossy(&buf).into_owned();
                Outcome {
                    status: Some(status),
                    duration_ms: started.elapsed().as_millis() as i64,
                    excerpt: Some(excerpt),
                    error: if (200..300).contains(&status) {
                        None
                    } else {
                        Some(error.unwrap_or_else(|| format!("receiver answered {status}")))
                    },
                }
            }
            Err(e) => Outcome {
                status: None,
                duration_ms: started.elapsed().as_millis() as i64,
                excerpt: None,
                error: Some(if e.is_timeout() {
                    "timeout after 10 s".to_string()
                } else if e.is_connect() {
                    format!("connection failed: {e}")
                } else {
                    format!("request failed: {e}")
                }),
            },
        }
    }

    /// Records one attempt in the caller's transaction: the attempt row, the
    /// delivery's new state, the webhook's failure count and circuit.
    fn record_in(
        &self,
        tx: &Connection,
        did: &str,
        wid: &str,
        at: i64,
        out: &Outcome,
    ) -> ApiResult<()> {
        let success = out.status.map(|s| (200..300).contains(&s)).unwrap_or(false);
        tx.prepare_cached(
            "INSERT INTO attempts (delivery_id, webhook_id, attempted_at, status_code, duration_ms, response_excerpt, error, success)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![did, wid, at, out.status, out.duration_ms, out.excerpt, out.error, success as i64])?;
        let now = now_ms();
        let row: Option<(i64, i64, String)> = tx
            .prepare_cached(
                "SELECT attempt_count, budget_start, status FROM deliveries WHERE id = ?1",
            )?
            .query_row(params![did], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((count, budget, status)) = row else {
            return Ok(());
        };
        if status != "pending" {
            return Ok(());
        }
        let count = count + 1;
        // the webhook as it is now (it may have changed during the attempt)
        let cur = webhooks::load_any(tx, wid)?;
        if success {
            tx.prepare_cached(
                "UPDATE deliveries SET status = 'succeeded', attempt_count = ?1, last_status_code = ?2, last_error = NULL,
                 completed_at = ?3, next_attempt_at = NULL, forced = 0 WHERE id = ?4",
            )?
            .execute(params![count, out.status, now, did])?;
            tx.prepare_cached(
                "UPDATE webhooks SET consecutive_failures = 0, circuit_opened_at = NULL, last_triggered_at = ?1 WHERE id = ?2",
            )?
            .execute(params![now, wid])?;
            return Ok(());
        }
        let used = count - budget;
        let (max_retries, backoff) = cur
            .as_ref()
            .map(|c| (c.max_retries, c.backoff_ms))
            .unwrap_or((0, 1000));
        if used > max_retries {
            tx.prepare_cached(
                "UPDATE deliveries SET status = 'failed', attempt_count = ?1, last_status_code = ?2, last_error = ?3,
                 completed_at = ?4, next_attempt_at = NULL, forced = 0 WHERE id = ?5",
            )?
            .execute(params![count, out.status, out.error, now, did])?;
        } else {
            let exp = (used - 1).clamp(0, 20) as u32;
            let base = backoff as f64 * f64::from(1u32 << exp);
            let jitter = 0.8 + fastrand::f64() * 0.4;
            let next = now + (base * jitter).round().max(1.0) as i64;
            tx.prepare_cached(
                "UPDATE deliveries SET attempt_count = ?1, last_status_code = ?2, last_error = ?3, next_attempt_at = ?4,
                 forced = 0 WHERE id = ?5",
            )?
            .execute(params![count, out.status, out.error, next, did])?;
        }
        if let Some(c) = cur {
            let failures = c.consecutive_failures + 1;
            let opened = match c.circuit_opened_at {
                // still cooling down (an attempt that was already in flight): keep the time
                Some(o) if o + self.cooldown_ms > now => Some(o),
                // a failed probe reopens it
                Some(_) => Some(now),
                None if failures >= CIRCUIT_THRESHOLD => Some(now),
                None => None,
            };
            tx.prepare_cached(
                "UPDATE webhooks SET consecutive_failures = ?1, circuit_opened_at = ?2, last_triggered_at = ?3 WHERE id = ?4",
            )?
            .execute(params![failures, opened, now, wid])?;
        }
        Ok(())
    }
}
