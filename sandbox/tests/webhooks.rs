//! Webhooks: management, signed delivery, filters, suppression, retries,
//! circuit breaker, manual retry, rotation, crash recovery.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashSet;
use std::time::Duration;

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

/// Checks both signature schemes of a received delivery with our own HMAC.
fn check_signatures(r: &Received, secrets: &[&str]) {
    let id = r.header("webhook-id");
    let ts = r.header("webhook-timestamp");
    let body = std::str::from_utf8(&r.body).unwrap();
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.json()["id"], id, "webhook-id is the event id");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - ts.parse::<i64>().unwrap()).abs() < 60);
    let expected: Vec<String> = secrets
        .iter()
        .map(|s| {
            let key = STANDARD.decode(s.strip_prefix("whsec_").unwrap()).unwrap();
            format!(
                "v1,{}",
                STANDARD.encode(hmac(&key, format!("{id}.{ts}.{body}").as_bytes()))
            )
        })
        .collect();
    assert_eq!(r.header("webhook-signature"), expected.join(" "));
    let hub = format!(
        "sha256={}",
        hex::encode(hmac(secrets[0].as_bytes(), body.as_bytes()))
    );
    assert_eq!(r.header("x-webhook-signature"), hub);
}

async fn register(sb: &Sandbox, body: Value) -> Value {
    let r = sb.post("/webhooks", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_signed_events_with_filters_and_suppression() {
    let sb = Sandbox::start();
    let rx = Receiver::start(200).await;
    let wh = register(
        &sb,
        json!({"url": rx.url(), "events": ["customer.created", "customer.updated"], "filters": {"customer_account": "CUST-001"}}),
    )
    .await;
    let wid = wh["id"].as_str().unwrap().to_string();
    let secret = wh["secret"].as_str().unwrap().to_string();
    assert!(wid.starts_with("whk_"));
    assert!(secret.starts_with("whsec_"));
    assert_eq!(STANDARD.decode(&secret[6..]).unwrap().len(), 32);
    assert_eq!(wh["status"], "active");
    assert_eq!(wh["active"], true);
    assert_eq!(
        wh["retry_policy"],
        json!({"max_retries": 5, "backoff_ms": 1000})
    );
    assert_eq!(wh["consecutive_failures"], 0);
    assert!(wh["last_triggered_at"].is_null());

    // matching
    let c = sb
        .post(
            "/customers",
            json!({"name": "A", "customer_account": "CUST-001"}),
        )
        .await;
    // not matching the filter
    sb.post(
        "/customers",
        json!({"name": "B", "customer_account": "CUST-002"}),
    )
    .await;
    // not subscribed
    sb.post("/companies", json!({"name": "C"})).await;
    wait_for(Duration::from_secs(5), "first delivery", || async {
        (rx.count() >= 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.count(), 1);
    let got = rx.all();
    check_signatures(&got[0], &[&secret]);
    let ev = got[0].json();
    assert_eq!(ev["type"], "customer.created");
    assert_eq!(ev["tenant_id"], "ten_default");
    assert_eq!(ev["data"], c.body);
    assert!(ev["id"].as_str().unwrap().starts_with("evt_"));

    // loop prevention: suppressed by id, and by *
    let cid = c.body["id"].as_str().unwrap();
    let r = sb
        .req_full(
            Method::PATCH,
            &format!("/customers/{cid}"),
            Some(&sb.key),
            Some(&json!({"name": "A2"})),
            &[("x-suppress-webhooks", &wid)],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = sb
        .req_full(
            Method::PATCH,
            &format!("/customers/{cid}"),
            Some(&sb.key),
            Some(&json!({"name": "A3"})),
            &[("x-suppress-webhooks", "*")],
        )
        .await;
    assert_eq!(r.status, 200);
    // events are still recorded
    let evs = sb.get("/events?type=customer.updated").await;
    assert_eq!(evs.body["data"].as_array().unwrap().len(), 2);
    sb.patch(&format!("/customers/{cid}"), json!({"name": "A4"}))
        .await;
    wait_for(Duration::from_secs(5), "unsuppressed update", || async {
        (rx.count() >= 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.count(), 2);
    assert_eq!(rx.all()[1].json()["data"]["name"], "A4");

    // min_/max_ filters on numbers
    let rx2 = Receiver::start(200).await;
    register(&sb, json!({"url": rx2.url(), "events": ["sales_order.created"], "filters": {"min_amount": 100, "max_amount": 500}})).await;
    for amount in [50, 100, 300, 501] {
        sb.post(
            "/sales-orders",
            json!({"customer_id": cid, "amount": amount}),
        )
        .await;
    }
    wait_for(Duration::from_secs(5), "filtered orders", || async {
        (rx2.count() >= 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let amounts: Vec<i64> = rx2
        .all()
        .iter()
        .map(|r| r.json()["data"]["amount"].as_i64().unwrap())
        .collect();
    let mut sorted = amounts.clone();
    sorted.sort();
    assert_eq!(sorted, [100, 300]);

    // history and stats
    let l = sb.get(&format!("/webhooks/{wid}/deliveries")).await;
    assert_eq!(l.status, 200);
    let d = &l.body["data"][0];
    assert!(d["id"].as_str().unwrap().starts_with("dlv_"));
    assert_eq!(d["webhook_id"], wid.as_str());
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["attempt_count"], 1);
    assert_eq!(d["last_status_code"], 200);
    assert!(d["completed_at"].is_string());
    let one = sb
        .get(&format!(
            "/webhooks/{wid}/deliveries/{}",
            d["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one.body["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(one.body["attempts"][0]["status_code"], 200);
    assert_eq!(one.body["attempts"][0]["response_excerpt"], "ok");
    let s = sb.get(&format!("/webhooks/{wid}/stats")).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(s.body["counts"]["succeeded"], 2);
    assert_eq!(s.body["webhook_id"], wid.as_str());
    assert_eq!(s.body["status"], "active");
    let h = &s.body["last_hour"];
    assert_eq!(
        (
            h["total"].as_i64(),
            h["succeeded"].as_i64(),
            h["failed"].as_i64(),
            h["pending"].as_i64()
        ),
        (Some(2), Some(2), Some(0), Some(0))
    );
    assert_eq!(h["success_rate"], 1.0);
    assert!(h["p50_ms"].is_number());
    assert!(s.body["last_24h"]["p95_ms"].is_number());
    let w = sb.get(&format!("/webhooks/{wid}")).await;
    assert!(w.body["last_triggered_at"].is_string());
    assert!(
        w.body.get("secret").is_none(),
        "the secret is only shown on create and rotate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_management_and_validation() {
    let sb = Sandbox::start();
    let rx = Receiver::start(200).await;
    for (body, field) in [
        (
            json!({"url": "ftp://x.test/h", "events": ["company.created"]}),
            "url",
        ),
        (
            json!({"url": "not a url", "events": ["company.created"]}),
            "url",
        ),
        (
            json!({"url": rx.url(), "events": ["company.exploded"]}),
            "events.0",
        ),
        (json!({"url": rx.url(), "events": []}), "events"),
        (
            json!({"url": rx.url(), "events": ["company.created"], "secret": "hunter2"}),
            "secret",
        ),
        (
            json!({"url": rx.url(), "events": ["company.created"], "secret": format!("whsec_{}", STANDARD.encode([1u8; 16]))}),
            "secret",
        ),
        (
            json!({"url": rx.url(), "events": ["company.created"], "retry_policy": {"max_retries": 11}}),
            "retry_policy.max_retries",
        ),
        (
            json!({"url": rx.url(), "events": ["company.created"], "retry_policy": {"backoff_ms": 0}}),
            "retry_policy.backoff_ms",
        ),
        (
            json!({"url": rx.url(), "events": ["company.created"], "colour": 1}),
            "colour",
        ),
        (json!({"events": ["company.created"]}), "url"),
    ] {
        let r = sb.post("/webhooks", body.clone()).await;
        assert_eq!(r.status, 422, "{body}");
        assert_eq!(r.code(), "VALIDATION_FAILED");
        let fields: Vec<&str> = r.body["error"]["details"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {fields:?}");
    }
    let r = sb
        .post(
            "/webhooks",
            json!({"url": rx.url(), "events": ["company.created"], "secret": "nope"}),
        )
        .await;
    assert!(r.body["error"]["details"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("whsec_"));

    // a supplied secret is kept as given
    let mine = format!("whsec_{}", STANDARD.encode([7u8; 24]));
    let wh = register(&sb, json!({"url": rx.url(), "events": ["company.created", "webhook.test"], "secret": mine, "retry_policy": {"max_retries": 2, "backoff_ms": 5}})).await;
    assert_eq!(wh["secret"], mine.as_str());
    let wid = wh["id"].as_str().unwrap().to_string();
    // list, patch
    let l = sb.get("/webhooks").await;
    assert_eq!(l.body["data"].as_array().unwrap().len(), 1);
    assert!(l.body["data"][0].get("secret").is_none());
    let p = sb
        .patch(&format!("/webhooks/{wid}"), json!({"active": false}))
        .await;
    assert_eq!(p.status, 200);
    assert_eq!(p.body["status"], "disabled");
    let p = sb
        .patch(
            &format!("/webhooks/{wid}"),
            json!({"active": true, "filters": {"country": "DE"}}),
        )
        .await;
    assert_eq!(p.body["status"], "active");
    assert_eq!(p.body["filters"], json!({"country": "DE"}));
    assert_eq!(
        sb.patch(&format!("/webhooks/{wid}"), json!({"url": "mailto:x@y"}))
            .await
            .status,
        422
    );

    // test delivery: answered with the delivery, already attempted
    let t = sb.post(&format!("/webhooks/{wid}/test"), json!({})).await;
    assert_eq!(t.status, 200, "{:?}", t.body);
    assert_eq!(t.body["event_type"], "webhook.test");
    assert_eq!(t.body["status"], "succeeded");
    assert_eq!(t.body["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(rx.count(), 1);
    check_signatures(&rx.all()[0], &[&mine]);
    assert_eq!(rx.all()[0].json()["type"], "webhook.test");

    // rotation: the new secret is returned, both sign for a while (new first)
    let rot = sb
        .post(&format!("/webhooks/{wid}/rotate-secret"), json!({}))
        .await;
    assert_eq!(rot.status, 200);
    let new = rot.body["secret"].as_str().unwrap().to_string();
    assert_ne!(new, mine);
    sb.post("/companies", json!({"name": "R", "country": "DE"}))
        .await;
    wait_for(
        Duration::from_secs(5),
        "delivery after rotation",
        || async { (rx.count() >= 2).then_some(()) },
    )
    .await;
    check_signatures(&rx.all()[1], &[&new, &mine]);

    // delete
    assert_eq!(sb.delete(&format!("/webhooks/{wid}")).await.status, 200);
    assert_eq!(sb.get(&format!("/webhooks/{wid}")).await.status, 404);
    assert_eq!(
        sb.post("/webhooks/whk_nope/test", json!({})).await.status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_schedule_then_fail_then_manual_retry() {
    let sb = Sandbox::start();
    let rx = Receiver::start(500).await;
    let backoff = 40u64;
    let wh = register(&sb, json!({"url": rx.url(), "events": ["vendor.created"], "retry_policy": {"max_retries": 3, "backoff_ms": backoff}})).await;
    let wid = wh["id"].as_str().unwrap().to_string();
    sb.post("/vendors", json!({"name": "V"})).await;
    let dlv = wait_for(Duration::from_secs(10), "delivery to fail", || {
        let sb = &sb;
        let wid = wid.clone();
        async move {
            let l = sb
                .get(&format!("/webhooks/{wid}/deliveries?status=failed"))
                .await;
            l.body["data"].as_array().unwrap().first().cloned()
        }
    })
    .await;
    assert_eq!(dlv["attempt_count"], 4);
    assert_eq!(dlv["last_status_code"], 500);
    let got = rx.all();
    assert_eq!(got.len(), 4);
    // same event every time, gaps of backoff * 2^n (+-20% jitter, plus scheduling slack)
    let ids: HashSet<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1);
    for n in 0..3 {
        let gap = got[n + 1].at.duration_since(got[n].at).as_millis() as u64;
        let want = backoff << n;
        assert!(
            gap * 10 >= want * 8 - 10,
            "gap {n}: {gap} ms, want about {want}"
        );
        assert!(
            gap <= want * 12 / 10 + 600,
            "gap {n}: {gap} ms, want about {want}"
        );
    }
    let did = dlv["id"].as_str().unwrap().to_string();
    let one = sb.get(&format!("/webhooks/{wid}/deliveries/{did}")).await;
    let attempts = one.body["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4);
    for a in attempts {
        assert_eq!(a["status_code"], 500);
        assert_eq!(a["response_excerpt"], "ok");
        assert!(a["duration_ms"].is_number());
        assert!(a["attempted_at"].is_string());
        assert!(a["error"].is_string());
    }
    // a retry by hand, once the receiver is fixed
    rx.set_status(200);
    let r = sb
        .post(
            &format!("/webhooks/{wid}/deliveries/{did}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "pending");
    wait_for(Duration::from_secs(5), "manual retry", || {
        let sb = &sb;
        let (wid, did) = (wid.clone(), did.clone());
        async move {
            let d = sb.get(&format!("/webhooks/{wid}/deliveries/{did}")).await;
            (d.body["status"] == "succeeded").then_some(())
        }
    })
    .await;
    assert_eq!(rx.count(), 5);
    let s = sb
        .get(&format!("/webhooks/{wid}/deliveries?status=succeeded"))
        .await;
    assert_eq!(s.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_opens_after_exactly_ten_failures_and_closes_after_a_good_probe() {
    let sb = Sandbox::start_with(&["--circuit-cooldown-secs", "3"]);
    let rx = Receiver::start(503).await;
    let wh = register(&sb, json!({"url": rx.url(), "events": ["company.created"], "retry_policy": {"max_retries": 10, "backoff_ms": 1}})).await;
    let wid = wh["id"].as_str().unwrap().to_string();
    sb.post("/companies", json!({"name": "C"})).await;
    let w = wait_for(Duration::from_secs(10), "circuit to open", || {
        let sb = &sb;
        let wid = wid.clone();
        async move {
            let w = sb.get(&format!("/webhooks/{wid}")).await;
            (w.body["status"] == "circuit_open").then_some(w.body)
        }
    })
    .await;
    assert_eq!(w["consecutive_failures"], 10);
    assert_eq!(rx.count(), 10);
    // while open, nothing is sent, even for new events
    sb.post("/companies", json!({"name": "D"})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.count(), 10);
    let opened_at = rx.all()[9].at;
    // the receiver recovers; after the cooldown one probe goes out and closes the circuit
    rx.set_status(200);
    wait_for(Duration::from_secs(10), "circuit to close", || {
        let sb = &sb;
        let wid = wid.clone();
        async move {
            let w = sb.get(&format!("/webhooks/{wid}")).await;
            (w.body["status"] == "active").then_some(())
        }
    })
    .await;
    let got = rx.all();
    assert!(
        got[10].at.duration_since(opened_at) >= Duration::from_millis(2900),
        "probe came too early"
    );
    let w = sb.get(&format!("/webhooks/{wid}")).await;
    assert_eq!(w.body["consecutive_failures"], 0);
    // both events arrive in the end
    wait_for(Duration::from_secs(10), "both events", || async {
        let ids: HashSet<String> = rx
            .all()
            .iter()
            .map(|r| r.header("webhook-id").to_string())
            .collect();
        (ids.len() == 2).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_delivers_every_committed_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let port = free_port();
    let flags = ["--circuit-cooldown-secs", "0.3"];
    let sb = Sandbox::start_at(&db, &flags);
    let key = sb.key.clone();
    let url = format!("http://{port}/hook");
    register(&sb, json!({"url": url, "events": ["company.created"], "retry_policy": {"max_retries": 10, "backoff_ms": 200}})).await;
    let ops: Vec<Value> = (0..30)
        .map(|i| json!({"method": "POST", "path": "/companies", "body": {"name": format!("c{i}")}}))
        .collect();
    let r = sb
        .post("/batch", json!({"mode": "lenient", "operations": ops}))
        .await;
    assert_eq!(r.body["successful"], 30);
    for i in 0..5 {
        sb.post("/companies", json!({"name": format!("d{i}")}))
            .await;
    }
    sb.kill();

    let rx = Receiver::start_on(port, 200).await;
    let mut sb = Sandbox::start_at(&db, &flags);
    sb.key = key;
    let events = sb.get("/events?type=company.created&limit=100").await;
    let committed: HashSet<String> = events.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(committed.len(), 35);
    wait_for(
        Duration::from_secs(30),
        "every event after the restart",
        || async {
            let ids: HashSet<String> = rx
                .all()
                .iter()
                .map(|r| r.header("webhook-id").to_string())
                .collect();
            (ids == committed).then_some(())
        },
    )
    .await;
    for r in rx.all() {
        assert!(committed.contains(r.header("webhook-id")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_webhooks_pagination_conflicts_and_batch_suppression() {
    let sb = Sandbox::start();
    let rx = Receiver::start(200).await;
    let wh = register(
        &sb,
        json!({"url": rx.url(), "events": ["vendor.created", "batch.completed"]}),
    )
    .await;
    let wid = wh["id"].as_str().unwrap().to_string();
    // disabled: nothing is queued for it
    let p = sb
        .patch(&format!("/webhooks/{wid}"), json!({"active": false}))
        .await;
    assert_eq!(p.body["status"], "disabled");
    sb.post("/vendors", json!({"name": "off"})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 0);
    sb.patch(&format!("/webhooks/{wid}"), json!({"active": true}))
        .await;
    // a batch sent with X-Suppress-Webhooks: * delivers nothing, not even batch.completed
    let ops =
        json!({"operations": [{"method": "POST", "path": "/vendors", "body": {"name": "quiet"}}]});
    let r = sb
        .req_full(
            Method::POST,
            "/batch",
            Some(&sb.key),
            Some(&ops),
            &[("x-suppress-webhooks", "*")],
        )
        .await;
    assert_eq!(r.body["successful"], 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 0);
    // three deliveries, paged two by two, newest first
    for i in 0..3 {
        sb.post("/vendors", json!({"name": format!("v{i}")})).await;
    }
    wait_for(Duration::from_secs(5), "three deliveries", || async {
        (rx.count() >= 3).then_some(())
    })
    .await;
    let p1 = sb.get(&format!("/webhooks/{wid}/deliveries?limit=2")).await;
    assert_eq!(p1.body["data"].as_array().unwrap().len(), 2);
    let c = p1.body["next_cursor"].as_str().unwrap().to_string();
    let p2 = sb
        .get(&format!("/webhooks/{wid}/deliveries?limit=2&cursor={c}"))
        .await;
    assert_eq!(p2.body["data"].as_array().unwrap().len(), 1);
    assert!(p2.body["next_cursor"].is_null());
    let mut ids: Vec<String> = p1.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2.body["data"].as_array().unwrap())
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    // a succeeded delivery can be redelivered by hand; a pending one is a conflict
    let did = ids[0].clone();
    let r = sb
        .post(
            &format!("/webhooks/{wid}/deliveries/{did}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202);
    let again = sb
        .post(
            &format!("/webhooks/{wid}/deliveries/{did}/retry"),
            json!({}),
        )
        .await;
    assert!(
        again.status == 409 || again.status == 202,
        "{}",
        again.status
    );
    if again.status == 409 {
        assert_eq!(again.code(), "CONFLICT");
    }
    wait_for(Duration::from_secs(5), "redelivery", || async {
        (rx.count() >= 4).then_some(())
    })
    .await;
    assert_eq!(
        sb.get(&format!("/webhooks/{wid}/deliveries/dlv_nope"))
            .await
            .status,
        404
    );
    assert_eq!(sb.get("/webhooks/whk_nope/deliveries").await.status, 404);
    // another tenant cannot see this webhook
    let other = sb.new_key("ten_other", "*").await;
    let r = sb
        .req_full(
            Method::GET,
            &format!("/webhooks/{wid}"),
            Some(&other),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_probe_reopens_the_circuit() {
    let sb = Sandbox::start_with(&["--circuit-cooldown-secs", "0.6"]);
    let rx = Receiver::start(500).await;
    let wh = register(&sb, json!({"url": rx.url(), "events": ["company.created"], "retry_policy": {"max_retries": 10, "backoff_ms": 1}})).await;
    let wid = wh["id"].as_str().unwrap().to_string();
    sb.post("/companies", json!({"name": "C"})).await;
    // 10 failures open it
    wait_for(Duration::from_secs(10), "circuit to open", || {
        let sb = &sb;
        let wid = wid.clone();
        async move {
            let w = sb.get(&format!("/webhooks/{wid}")).await;
            (w.body["status"] == "circuit_open").then_some(())
        }
    })
    .await;
    // a second event waits; probes go one per cooldown and fail, each reopening the circuit
    sb.post("/companies", json!({"name": "D"})).await;
    wait_for(Duration::from_secs(15), "two probes", || async {
        (rx.count() >= 12).then_some(())
    })
    .await;
    let got = rx.all();
    let gap1 = got[10].at.duration_since(got[9].at);
    let gap2 = got[11].at.duration_since(got[10].at);
    assert!(
        gap1 >= Duration::from_millis(550),
        "first probe after {gap1:?}"
    );
    assert!(
        gap2 >= Duration::from_millis(550),
        "second probe after {gap2:?}"
    );
    let w = sb.get(&format!("/webhooks/{wid}")).await;
    assert_eq!(w.body["status"], "circuit_open");
    assert!(w.body["consecutive_failures"].as_i64().unwrap() >= 11);
    // the delivery is failed after its 11 attempts (max_retries 10), still listable
    let l = wait_for(Duration::from_secs(5), "failed delivery", || {
        let sb = &sb;
        let wid = wid.clone();
        async move {
            let l = sb
                .get(&format!("/webhooks/{wid}/deliveries?status=failed"))
                .await;
            l.body["data"].as_array().unwrap().first().cloned()
        }
    })
    .await;
    assert_eq!(l["attempt_count"], 11);
}
