//! Batch: strict atomicity, lenient partial success, stop_on_error, async, idempotency, scopes.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

fn company(name: &str) -> Value {
    json!({"method": "POST", "path": "/companies", "body": {"name": name}})
}

async fn count(sb: &Sandbox, res: &str) -> usize {
    sb.get(&format!("/{res}?limit=100")).await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_batch_is_all_or_nothing() {
    let sb = Sandbox::start();
    let r = sb
        .post(
            "/batch",
            json!({"mode": "strict", "operations": [
                company("A"),
                company("B"),
                {"method": "POST", "path": "/companies", "body": {"name": 42}},
                company("C"),
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let b = &r.body;
    assert!(b["id"].as_str().unwrap().starts_with("bat_"));
    assert_eq!(b["status"], "failed");
    assert_eq!(b["mode"], "strict");
    assert_eq!(b["total"], 4);
    assert_eq!(b["successful"], 0);
    assert_eq!(b["failed"], 4);
    let res = b["results"].as_array().unwrap();
    assert_eq!(res.len(), 4);
    for (i, item) in res.iter().enumerate().take(2) {
        assert_eq!(item["index"], i);
        assert_eq!(item["status"], 424);
        assert_eq!(item["success"], false);
        assert_eq!(item["error"]["code"], "ROLLED_BACK");
    }
    assert_eq!(res[2]["status"], 422);
    assert_eq!(res[2]["error"]["code"], "VALIDATION_FAILED");
    assert_eq!(res[3]["status"], 424);
    assert_eq!(res[3]["error"]["code"], "SKIPPED");
    assert_eq!(
        count(&sb, "companies").await,
        0,
        "nothing may be left behind"
    );
    // and no event of the rolled-back writes
    let ev = sb.get("/events?type=company.created").await;
    assert_eq!(ev.body["data"].as_array().unwrap().len(), 0);

    // success: everything applied, 201 per create, references inside the batch work in order
    let r = sb.post("/batch", json!({"mode": "strict", "operations": [company("A"), company("B"), {"method": "GET", "path": "/companies?limit=5"}]})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["successful"], 3);
    assert_eq!(r.body["results"][0]["status"], 201);
    assert_eq!(r.body["results"][0]["success"], true);
    assert!(r.body["results"][0]["body"]["id"]
        .as_str()
        .unwrap()
        .starts_with("cmp_"));
    assert_eq!(
        r.body["results"][2]["body"]["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(r.body["duration_ms"].is_number());
    assert_eq!(count(&sb, "companies").await, 2);
    let got = sb
        .get(&format!("/batch/{}", r.body["id"].as_str().unwrap()))
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["successful"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lenient_partial_success_and_stop_on_error() {
    let sb = Sandbox::start();
    let ops = json!([company("A"), {"method": "GET", "path": "/companies/cmp_nope"}, company("B")]);
    let r = sb
        .post("/batch", json!({"mode": "lenient", "operations": ops}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "failed", "not every operation succeeded");
    assert_eq!(r.body["successful"], 2);
    assert_eq!(r.body["failed"], 1);
    assert_eq!(r.body["results"][1]["status"], 404);
    assert_eq!(r.body["results"][1]["error"]["code"], "NOT_FOUND");
    assert_eq!(count(&sb, "companies").await, 2);

    let r = sb
        .post(
            "/batch",
            json!({"mode": "lenient", "stop_on_error": true, "operations": ops}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["successful"], 1);
    assert_eq!(r.body["failed"], 2);
    assert_eq!(r.body["results"][2]["error"]["code"], "SKIPPED");
    assert_eq!(r.body["results"][2]["status"], 424);
    assert_eq!(count(&sb, "companies").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_request_validation() {
    let sb = Sandbox::start();
    for body in [
        json!({"operations": []}),
        json!({"operations": [company("A")], "max_parallel": 0}),
        json!({"operations": [company("A")], "max_parallel": 21}),
        json!({"operations": [{"method": "POST", "path": "/batch", "body": {}}]}),
        json!({"operations": [{"method": "PUT", "path": "/companies"}]}),
        json!({"operations": [company("A")], "mode": "sloppy"}),
        json!({"operations": (0..1001).map(|i| company(&format!("c{i}"))).collect::<Vec<_>>()}),
    ] {
        let r = sb.post("/batch", body).await;
        assert_eq!(r.status, 400, "{:?}", r.body);
        assert_eq!(r.code(), "BAD_REQUEST");
    }
    // 1000 operations are fine, strict, in one go
    let ops: Vec<Value> = (0..1000).map(|i| company(&format!("c{i}"))).collect();
    let t = std::time::Instant::now();
    let r = sb
        .post("/batch", json!({"mode": "strict", "operations": ops}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["successful"], 1000);
    eprintln!("1000-op strict batch: {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_is_authorized_alone() {
    let sb = Sandbox::start();
    let k = sb
        .new_key("ten_default", "batch:write,companies:write,companies:read")
        .await;
    let ops = json!([company("A"), {"method": "POST", "path": "/vendors", "body": {"name": "V"}}, company("B")]);
    let r = sb
        .req_full(
            Method::POST,
            "/batch",
            Some(&k),
            Some(&json!({"mode": "lenient", "operations": ops})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["results"][1]["status"], 403);
    assert_eq!(r.body["results"][1]["error"]["code"], "FORBIDDEN");
    assert_eq!(r.body["successful"], 2);
    // strict: the forbidden op rolls everything back
    let r = sb
        .req_full(
            Method::POST,
            "/batch",
            Some(&k),
            Some(&json!({"mode": "strict", "operations": ops})),
            &[],
        )
        .await;
    assert_eq!(r.body["results"][0]["error"]["code"], "ROLLED_BACK");
    assert_eq!(r.body["results"][1]["status"], 403);
    assert_eq!(count(&sb, "companies").await, 2);
    // another tenant's ids are not found inside a batch either
    let other = sb.new_key("ten_other", "*").await;
    let id = sb.get("/companies").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = sb
        .req_full(
            Method::POST,
            "/batch",
            Some(&other),
            Some(&json!({"operations": [{"method": "GET", "path": format!("/companies/{id}")}]})),
            &[],
        )
        .await;
    assert_eq!(r.body["results"][0]["status"], 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_batch_is_pollable() {
    let sb = Sandbox::start();
    let ops: Vec<Value> = (0..50).map(|i| company(&format!("c{i}"))).collect();
    let r = sb
        .post(
            "/batch",
            json!({"mode": "lenient", "async": true, "operations": ops}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "pending");
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.header("location").unwrap(), format!("/api/v1/batch/{id}"));
    let done = wait_for(Duration::from_secs(10), "async batch", || {
        let sb = &sb;
        let id = id.clone();
        async move {
            let g = sb.get(&format!("/batch/{id}")).await;
            assert_eq!(g.status, 200);
            let s = g.body["status"].as_str().unwrap().to_string();
            assert!(["pending", "processing", "completed", "failed"].contains(&s.as_str()));
            assert!(g.body["processed"].as_u64().unwrap() <= 50);
            (s == "completed").then_some(g.body)
        }
    })
    .await;
    assert_eq!(done["processed"], 50);
    assert_eq!(done["successful"], 50);
    assert_eq!(done["results"].as_array().unwrap().len(), 50);
    assert_eq!(count(&sb, "companies").await, 50);
    // strict async with a failure leaves nothing
    let r = sb.post("/batch", json!({"mode": "strict", "async": true, "operations": [company("x"), {"method": "POST", "path": "/companies", "body": {}}]})).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let done = wait_for(Duration::from_secs(10), "strict async batch", || {
        let sb = &sb;
        let id = id.clone();
        async move {
            let g = sb.get(&format!("/batch/{id}")).await;
            (g.body["status"] == "failed").then_some(g.body)
        }
    })
    .await;
    assert_eq!(done["results"][0]["error"]["code"], "ROLLED_BACK");
    assert_eq!(count(&sb, "companies").await, 50);
    assert_eq!(sb.get("/batch/bat_nope").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_idempotent_replay() {
    let sb = Sandbox::start();
    let body = json!({"mode": "strict", "operations": [company("A"), company("B")]});
    let h = [("idempotency-key", "batch-1")];
    let a = sb
        .req_full(Method::POST, "/batch", Some(&sb.key), Some(&body), &h)
        .await;
    let b = sb
        .req_full(Method::POST, "/batch", Some(&sb.key), Some(&body), &h)
        .await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(a.body, b.body);
    assert_eq!(count(&sb, "companies").await, 2);
    let c = sb
        .req_full(
            Method::POST,
            "/batch",
            Some(&sb.key),
            Some(&json!({"operations": [company("Z")]})),
            &h,
        )
        .await;
    assert_eq!(c.status, 422);
    assert_eq!(c.code(), "IDEMPOTENCY_KEY_REUSED");
    // async too: the same batch id comes back
    let body = json!({"async": true, "operations": [company("C")]});
    let h = [("idempotency-key", "batch-2")];
    let a = sb
        .req_full(Method::POST, "/batch", Some(&sb.key), Some(&body), &h)
        .await;
    let b = sb
        .req_full(Method::POST, "/batch", Some(&sb.key), Some(&body), &h)
        .await;
    assert_eq!((a.status, b.status), (202, 202));
    assert_eq!(a.body["id"], b.body["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_counts_as_one_request() {
    let sb = Sandbox::start_with(&["--rate-limit", "0.01", "--rate-burst", "2"]);
    let ops: Vec<Value> = (0..20).map(|i| company(&format!("c{i}"))).collect();
    let r = sb.post("/batch", json!({"operations": ops})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_headers_and_batch_completed_event() {
    let sb = Sandbox::start();
    let rx = Receiver::start(200).await;
    let wh = sb
        .post(
            "/webhooks",
            json!({"url": rx.url(), "events": ["company.created", "batch.completed"]}),
        )
        .await;
    let wid = wh.body["id"].as_str().unwrap().to_string();
    let ops = json!([
        {"method": "POST", "path": "/companies", "body": {"name": "A"}, "headers": {"Idempotency-Key": "op-a"}},
        {"method": "POST", "path": "/companies", "body": {"name": "quiet"}, "headers": {"X-Suppress-Webhooks": wid}},
    ]);
    let r = sb
        .post("/batch", json!({"mode": "lenient", "operations": ops}))
        .await;
    assert_eq!(r.body["successful"], 2, "{:?}", r.body);
    let first = r.body["results"][0]["body"].clone();
    // the operation's own idempotency key replays in a later batch and alone
    let r2 = sb
        .post("/batch", json!({"operations": [ops[0].clone()]}))
        .await;
    assert_eq!(r2.body["results"][0]["body"], first);
    let alone = sb
        .req_full(
            Method::POST,
            "/companies",
            Some(&sb.key),
            Some(&json!({"name": "A"})),
            &[("idempotency-key", "op-a")],
        )
        .await;
    assert_eq!(alone.status, 201);
    assert_eq!(alone.header("idempotent-replayed"), Some("true"));
    assert_eq!(alone.body, first);
    assert_eq!(count(&sb, "companies").await, 2);
    // deliveries: company A (not the suppressed one), and batch.completed twice
    wait_for(Duration::from_secs(5), "deliveries", || async {
        (rx.count() >= 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got: Vec<Value> = rx.all().iter().map(|r| r.json()).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    let companies: Vec<&Value> = got
        .iter()
        .filter(|e| e["type"] == "company.created")
        .collect();
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0]["data"]["name"], "A");
    let done: Vec<&Value> = got
        .iter()
        .filter(|e| e["type"] == "batch.completed")
        .collect();
    assert_eq!(done.len(), 2);
    assert!(done[0]["data"]["id"].as_str().unwrap().starts_with("bat_"));
    assert!(done[0]["data"].get("results").is_none());
    assert!(done[0]["data"]["total"].is_number());
}
