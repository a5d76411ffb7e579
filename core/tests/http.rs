//! Fault cases over real HTTP against a scripted server on 127.0.0.1: retries, backoff,
//! Retry-After, idempotency-key reuse, timeouts, dropped connections, error mapping,
//! pagination, batch chunking and async batches.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{api_error, delayed, json, with_header, Action, Server};
use erp_api_client::{Client, Method, RetryPolicy};
use futures_util::StreamExt;
use serde_json::json;

const KEY: &str = "sk_test_do_not_leak_0123456789";

fn fast_policy(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(60),
    }
}

fn client(url: &str, retries: u32) -> Client {
    Client::builder(url)
        .api_key(KEY)
        .retry_policy(fast_policy(retries))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn retries_503_then_succeeds_with_the_same_idempotency_key() {
    let srv = Server::start(|n, _| {
        if n < 2 {
            api_error(503, "UNAVAILABLE", "try later")
        } else {
            json(201, json!({"id": "cmp_1", "name": "Acme"}))
        }
    })
    .await;
    let c = client(&srv.url, 3);
    let created = c.companies().create(json!({"name": "Acme"})).await.unwrap();
    assert_eq!(created["id"], "cmp_1");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3);
    let key = reqs[0].header("idempotency-key").unwrap().to_owned();
    assert_eq!(key.len(), 36);
    assert!(reqs
        .iter()
        .all(|r| r.header("idempotency-key") == Some(key.as_str())));
    assert!(reqs.iter().all(|r| r.header("x-api-key") == Some(KEY)));
    assert!(reqs[0]
        .header("user-agent")
        .unwrap()
        .starts_with("erp-api-client/"));
    assert_eq!(reqs[0].json(), json!({"name": "Acme"}));
}

#[tokio::test]
async fn given_idempotency_key_is_kept_across_retries() {
    let srv = Server::start(|n, _| {
        if n == 0 {
            Action::Drop
        } else {
            json(200, json!({"id": "cmp_1"}))
        }
    })
    .await;
    let c = client(&srv.url, 2);
    c.companies()
        .idempotency_key("my-key-1")
        .update("cmp_1", json!({"name": "B"}))
        .await
        .unwrap();
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs
        .iter()
        .all(|r| r.header("idempotency-key") == Some("my-key-1")));
    assert!(reqs.iter().all(|r| r.method == "PATCH"));
}

#[tokio::test]
async fn gives_up_after_max_retries_and_reports_the_last_error() {
    let srv = Server::start(|_, _| api_error(502, "INTERNAL", "bad gateway")).await;
    let c = client(&srv.url, 2);
    let err = c.companies().get("cmp_1").await.unwrap_err();
    assert_eq!(srv.count(), 3);
    assert_eq!(err.kind(), "server_error");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.request_id(), Some("req_502"));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let srv = Server::start(|n, _| {
        if n == 0 {
            with_header(
                api_error(429, "RATE_LIMITED", "slow down"),
                "retry-after",
                "1",
            )
        } else {
            json(200, json!({"data": [], "next_cursor": null}))
        }
    })
    .await;
    let c = client(&srv.url, 3);
    let start = Instant::now();
    c.companies().list().await.unwrap();
    // The jittered backoff alone would wait at most 10 ms; Retry-After asks for 1 s.
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(srv.count(), 2);
}

#[tokio::test]
async fn rate_limited_error_carries_retry_after() {
    let srv = Server::start(|_, _| {
        with_header(
            api_error(429, "RATE_LIMITED", "slow down"),
            "Retry-After",
            "30",
        )
    })
    .await;
    let c = client(&srv.url, 0);
    let err = c.companies().list().await.unwrap_err();
    assert_eq!(err.kind(), "rate_limited");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(srv.count(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for (status, code, kind) in [
        (400, "BAD_REQUEST", "bad_request"),
        (401, "UNAUTHORIZED", "unauthorized"),
        (403, "FORBIDDEN", "forbidden"),
        (404, "NOT_FOUND", "not_found"),
        (409, "CONFLICT", "conflict"),
        (422, "VALIDATION_FAILED", "validation_failed"),
    ] {
        let srv = Server::start(move |_, _| api_error(status, code, "nope")).await;
        let c = client(&srv.url, 3);
        let err = c
            .customers()
            .create(json!({"name": "x"}))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(err.code(), code);
        assert_eq!(srv.count(), 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn conflict_with_retry_after_is_retried() {
    let srv = Server::start(|n, _| {
        if n == 0 {
            with_header(
                api_error(409, "CONFLICT", "in progress"),
                "Retry-After",
                "0",
            )
        } else {
            json(201, json!({"id": "cus_1"}))
        }
    })
    .await;
    let c = client(&srv.url, 3);
    c.customers().create(json!({"name": "x"})).await.unwrap();
    assert_eq!(srv.count(), 2);
}

#[tokio::test]
async fn slow_responses_time_out_and_are_retried() {
    let srv = Server::start(|n, _| {
        let a = json(200, json!({"id": "cmp_1"}));
        if n == 0 {
            delayed(a, Duration::from_millis(800))
        } else {
            a
        }
    })
    .await;
    let c = Client::builder(&srv.url)
        .api_key(KEY)
        .retry_policy(fast_policy(1))
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let got = c.companies().get("cmp_1").await.unwrap();
    assert_eq!(got["id"], "cmp_1");
    assert_eq!(srv.count(), 2);

    // Without retries the timeout surfaces as its own error kind.
    let srv2 =
        Server::start(|_, _| delayed(json(200, json!({})), Duration::from_millis(600))).await;
    let c2 = client(&srv2.url, 0);
    let err = c2
        .companies()
        .timeout(Duration::from_millis(100))
        .get("cmp_1")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "timeout", "{err}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn dropped_connections_are_connection_errors_after_retries() {
    let srv = Server::start(|_, _| Action::Drop).await;
    let c = client(&srv.url, 2);
    let err = c.vendors().list().await.unwrap_err();
    assert_eq!(err.kind(), "connection_error", "{err}");
    assert_eq!(srv.count(), 3);
    assert!(!err.to_string().contains(KEY));
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"), 1);
    let err = c.vendors().list().await.unwrap_err();
    assert_eq!(err.kind(), "connection_error", "{err}");
}

#[tokio::test]
async fn non_json_success_is_a_decode_error() {
    let srv = Server::start(|_, _| Action::Respond {
        status: 200,
        headers: vec![("x-request-id".into(), "req_html".into())],
        body: "<html>hi</html>".into(),
        delay: Duration::ZERO,
    })
    .await;
    let c = client(&srv.url, 0);
    let err = c.companies().get("cmp_1").await.unwrap_err();
    assert_eq!(err.kind(), "decode_error");
    assert_eq!(err.request_id(), Some("req_html"));
}

#[tokio::test]
async fn send_raw_hands_back_the_body_as_received_with_the_same_retries_and_errors() {
    let body = r#"{"name": "Acme", "id": "cmp_1", "n": 1.0}"#;
    let srv = Server::start(move |n, _| match n {
        0 => api_error(503, "UNAVAILABLE", "try later"),
        1 => Action::Respond {
            status: 200,
            headers: vec![("x-request-id".into(), "req_raw".into())],
            body: body.into(),
            delay: Duration::ZERO,
        },
        _ => api_error(404, "NOT_FOUND", "no such company"),
    })
    .await;
    let c = client(&srv.url, 1);
    let raw = c
        .companies()
        .send_raw(erp_api_client::Op::Get, Some("cmp_1"), None)
        .await
        .unwrap();
    assert_eq!(srv.count(), 2, "the 503 was retried");
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body, body.as_bytes());
    assert_eq!(raw.request_id(), Some("req_raw"));
    assert!(!raw.is_empty_body());
    let e = raw.decode_error("test");
    assert_eq!(e.kind(), "decode_error");
    assert_eq!(e.request_id(), Some("req_raw"));

    let req = c
        .prepare(
            Method::Get,
            "/companies/cmp_1",
            &[],
            None,
            &Default::default(),
        )
        .unwrap();
    let err = c.send_raw(&req).await.unwrap_err();
    assert_eq!(err.kind(), "not_found");
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn stream_walks_every_page() {
    let srv = Server::start(|_, req| {
        let q = req.query().to_owned();
        let (data, next) = if !q.contains("cursor=") {
            (json!([{"id": "cmp_1"}, {"id": "cmp_2"}]), json!("p2"))
        } else if q.contains("cursor=p2") {
            (json!([{"id": "cmp_3"}]), json!("p3"))
        } else {
            (json!([]), json!(null))
        };
        json(200, json!({"data": data, "next_cursor": next}))
    })
    .await;
    let c = client(&srv.url, 0);
    let q = c.companies().filter("status", "active").limit(2);
    let ids: Vec<String> = q
        .stream()
        .map(|r| r.unwrap()["id"].as_str().unwrap().to_owned())
        .collect()
        .await;
    assert_eq!(ids, ["cmp_1", "cmp_2", "cmp_3"]);
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs
        .iter()
        .all(|r| r.query().starts_with("filter%5Bstatus%5D=active&limit=2")));
    assert!(reqs[2].query().ends_with("cursor=p3"));

    let mut p = q.paginate();
    let mut pages = 0;
    while let Some(_page) = p.next_page().await.unwrap() {
        pages += 1;
    }
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn repeated_cursor_stops_pagination_with_an_error() {
    let srv =
        Server::start(|_, _| json(200, json!({"data": [{"id": 1}], "next_cursor": "same"}))).await;
    let c = client(&srv.url, 0);
    let results: Vec<_> = c.companies().stream().collect().await;
    assert!(results.last().unwrap().is_err());
    assert!(srv.count() <= 3);
}

fn batch_answer(req: &common::SeenRequest) -> Action {
    let body = req.json();
    let ops = body["operations"].as_array().unwrap();
    let results: Vec<_> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            if op["path"] == "/companies/fail" {
                json!({"index": i, "status": 404, "success": false, "error": {"code": "NOT_FOUND", "message": "no"}})
            } else {
                json!({"index": i, "status": 201, "success": true, "body": {"id": format!("cmp_{i}")}})
            }
        })
        .collect();
    let failed = results.iter().filter(|r| r["success"] == false).count();
    json(
        200,
        json!({"id": format!("bat_{}", req.header("idempotency-key").unwrap()), "status": if failed > 0 {"failed"} else {"completed"},
               "mode": body["mode"], "total": ops.len(), "successful": ops.len() - failed, "failed": failed,
               "results": results, "duration_ms": 1}),
    )
}

#[tokio::test]
async fn lenient_batches_over_1000_are_chunked_and_merged() {
    let srv = Server::start(|_, req| batch_answer(req)).await;
    let c = client(&srv.url, 0);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p2 = progress.clone();
    let mut b = c
        .batch()
        .lenient()
        .idempotency_key("imp")
        .on_progress(move |p| {
            p2.lock().unwrap().push(p);
        });
    for i in 0..2500 {
        let path = if i == 1700 {
            "/companies/fail"
        } else {
            "/companies"
        };
        b = b.add(Method::Post, path, json!({"name": format!("c{i}")}));
    }
    let r = b.execute().await.unwrap();
    assert_eq!(r.total, 2500);
    assert_eq!(r.results.len(), 2500);
    assert_eq!(r.failed, 1);
    assert_eq!(r.successful, 2499);
    assert!(r.results.iter().enumerate().all(|(i, it)| it.index == i));
    assert!(!r.results[1700].success);
    let mut keys: Vec<String> = srv
        .requests()
        .iter()
        .map(|q| q.header("idempotency-key").unwrap().to_owned())
        .collect();
    keys.sort();
    assert_eq!(keys, ["imp:0", "imp:1", "imp:2"]);
    assert_eq!(r.batch_ids.len(), 3);
    let progress = progress.lock().unwrap();
    assert_eq!(progress.len(), 3);
    assert_eq!(progress.last().unwrap().operations_done, 2500);
    assert_eq!(progress.last().unwrap().chunks_done, 3);
}

#[tokio::test]
async fn chunked_stop_on_error_skips_the_remaining_chunks() {
    let srv = Server::start(|_, req| batch_answer(req)).await;
    let c = client(&srv.url, 0);
    let mut b = c.batch().lenient().stop_on_error(true).chunk_size(10);
    for i in 0..35 {
        let path = if i == 12 {
            "/companies/fail"
        } else {
            "/companies"
        };
        b = b.add(Method::Post, path, json!({"name": "x"}));
    }
    let r = b.execute().await.unwrap();
    assert_eq!(srv.count(), 2, "chunks after the failing one are not sent");
    assert_eq!(r.results.len(), 35);
    assert_eq!(r.results[34].error.as_ref().unwrap().code, "SKIPPED");
    assert_eq!(r.results[34].status, 424);
    assert_eq!(r.failed, 1 + 15);
}

#[tokio::test]
async fn async_batch_is_polled_until_done() {
    let polls = Arc::new(AtomicUsize::new(0));
    let p2 = polls.clone();
    let srv = Server::start(move |_, req| {
        if req.method == "POST" {
            assert_eq!(req.json()["async"], true);
            return json(202, json!({"id": "bat_9", "status": "pending"}));
        }
        assert_eq!(req.path(), "/api/v1/batch/bat_9");
        let n = p2.fetch_add(1, Ordering::SeqCst);
        if n < 2 {
            with_header(
                json(200, json!({"id": "bat_9", "status": "processing", "total": 2, "processed": n})),
                "Retry-After",
                "0",
            )
        } else {
            json(200, json!({"id": "bat_9", "status": "completed", "mode": "strict", "total": 2, "successful": 2, "failed": 0,
                             "results": [{"index": 0, "status": 201, "success": true}, {"index": 1, "status": 201, "success": true}], "duration_ms": 5}))
        }
    })
    .await;
    let c = client(&srv.url, 0);
    let h = c
        .batch()
        .add(Method::Post, "/companies", json!({"name": "a"}))
        .add(Method::Post, "/companies", json!({"name": "b"}))
        .submit()
        .await
        .unwrap();
    assert_eq!(h.id(), "bat_9");
    let r = h.wait().await.unwrap();
    assert!(r.all_succeeded());
    assert_eq!(polls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn webhook_management_round_trip() {
    let srv = Server::start(|_, req| {
        let hook = json!({"id": "whk_1", "url": "https://example.com/h", "events": ["company.created"], "filters": {},
                          "active": true, "status": "active", "retry_policy": {"max_retries": 5, "backoff_ms": 1000},
                          "secret": "whsec_c2VjcmV0LWtleS1hbHBoYS0wMTIzNDU2Nzg5YWJjZGVm", "created_at": "2026-11-23T00:00:00Z",
                          "last_triggered_at": null, "consecutive_failures": 0});
        let delivery = json!({"id": "dlv_1", "webhook_id": "whk_1", "event_id": "evt_1", "event_type": "company.created",
                              "status": "failed", "attempt_count": 6, "next_attempt_at": null, "last_status_code": 500,
                              "last_error": null, "created_at": "2026-11-23T00:00:00Z", "completed_at": "2026-11-23T00:01:00Z",
                              "attempts": [{"attempted_at": "2026-11-23T00:00:00Z", "status_code": 500, "duration_ms": 3, "response_excerpt": "boom", "error": null}]});
        match (req.method.as_str(), req.path()) {
            ("POST", "/api/v1/webhooks") => json(201, hook),
            ("GET", "/api/v1/webhooks/whk_1/deliveries") => json(200, json!({"data": [delivery], "next_cursor": null})),
            (_, p) if p.contains("/deliveries/") || p.ends_with("/test") => json(200, delivery),
            _ => json(200, hook),
        }
    })
    .await;
    let c = client(&srv.url, 0);
    let w = c.webhooks();
    let hook = w
        .register("https://example.com/h", ["company.created"])
        .await
        .unwrap();
    assert_eq!(hook.id, "whk_1");
    assert!(hook.secret.as_deref().unwrap().starts_with("whsec_"));
    assert!(!format!("{hook:?}").contains("c2VjcmV0"));
    let ds = w
        .deliveries(
            "whk_1",
            &erp_api_client::DeliveryQuery {
                status: Some("failed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ds.data[0].status, "failed");
    let d = w.delivery("whk_1", "dlv_1").await.unwrap();
    assert_eq!(d.attempts.unwrap()[0].status_code, Some(500));
    let reqs = srv.requests();
    assert_eq!(reqs[0].json()["events"], json!(["company.created"]));
    assert_eq!(reqs[1].query(), "status=failed");
    // Client-side validation never reaches the server.
    assert!(w
        .register("https://example.com/h", ["nope.created"])
        .await
        .is_err());
    assert!(w.get("../x").await.is_err());
    assert_eq!(srv.count(), 3);
}
