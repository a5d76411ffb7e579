//! The core SDK's end-to-end suite against the real sandbox: every operation of the spec
//! through the Rust client, batches, idempotency, scopes, retries through the sandbox's
//! test controls, and signed deliveries verified with the core's verifier.

mod common;

use std::time::Duration;

use common::{wait_for, Receiver, Sandbox};
use erp_api_client::{
    BatchStatus, Client, DeliveryQuery, Method, RequestOptions, RetryPolicy, Webhook, WebhookParams,
};
use futures_util::StreamExt;
use serde_json::{json, Value};

fn sdk(sb: &Sandbox, key: &str) -> Client {
    Client::builder(&sb.base)
        .api_key(key)
        .retry_policy(RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_resource_operation_through_the_sdk() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);

    let company = c
        .companies()
        .create(json!({"name": "Acme", "country": "DE"}))
        .await
        .unwrap();
    let cid = company["id"].as_str().unwrap().to_owned();
    assert!(cid.starts_with("cmp_"));
    let customer = c
        .customers()
        .create(json!({"name": "Zed", "company_id": cid, "customer_account": "CUST-001"}))
        .await
        .unwrap();
    let cus = customer["id"].as_str().unwrap().to_owned();
    let vendor = c
        .vendors()
        .create(json!({"name": "Parts Inc", "payment_terms_days": 30}))
        .await
        .unwrap();
    let item = c
        .inventory_items()
        .create(json!({"sku": "SKU-1", "name": "Bolt", "quantity": 10, "unit_price": 0.5}))
        .await
        .unwrap();
    let order = c
        .sales_orders()
        .create(json!({"customer_id": cus, "amount": 1500, "lines": [{"sku": "SKU-1", "quantity": 3, "unit_price": 0.5}]}))
        .await
        .unwrap();
    assert_eq!(order["status"], "draft");
    assert_eq!(order["currency"], "USD");

    for (q, rec) in [
        (c.companies(), &company),
        (c.customers(), &customer),
        (c.vendors(), &vendor),
        (c.inventory_items(), &item),
        (c.sales_orders(), &order),
    ] {
        let id = rec["id"].as_str().unwrap();
        assert_eq!(&q.get(id).await.unwrap(), rec);
        let page = q.list().await.unwrap();
        assert!(page.data.iter().any(|r| r["id"] == id));
    }

    let updated = c
        .companies()
        .update(&cid, json!({"status": "inactive"}))
        .await
        .unwrap();
    assert_eq!(updated["status"], "inactive");
    assert_eq!(updated["name"], "Acme");

    let deleted = c
        .vendors()
        .delete(vendor["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(deleted["deleted"], true);
    let err = c
        .vendors()
        .get(vendor["id"].as_str().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "not_found");
    assert!(err.request_id().unwrap().starts_with("req_"));
}

#[tokio::test]
async fn filter_sort_and_stream_all_pages() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);
    let mut b = c.batch().strict();
    for i in 0..25 {
        let country = if i % 2 == 0 { "DE" } else { "FR" };
        b = b.add(
            Method::Post,
            "/companies",
            json!({"name": format!("co-{i:02}"), "country": country}),
        );
    }
    assert!(b.execute().await.unwrap().all_succeeded());

    let q = c.companies().filter("country", "DE").sort("-name").limit(5);
    let page = q.list().await.unwrap();
    assert_eq!(page.data.len(), 5);
    assert!(page.has_more());
    assert_eq!(page.data[0]["name"], "co-24");
    let all: Vec<Value> = q.stream().map(|r| r.unwrap()).collect().await;
    assert_eq!(all.len(), 13);
    assert!(all.iter().all(|r| r["country"] == "DE"));
    let names: Vec<&str> = all.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn server_errors_map_to_sdk_errors() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);

    let e = c
        .companies()
        .create(json!({"country": "DE"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "validation_failed");
    assert_eq!(e.code(), "VALIDATION_FAILED");
    let fields = e.details().unwrap()["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["field"] == "name"));

    let e = c
        .companies()
        .create(json!({"name": "x", "bogus": 1}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "validation_failed");

    c.inventory_items()
        .create(json!({"sku": "DUP", "name": "a"}))
        .await
        .unwrap();
    let e = c
        .inventory_items()
        .create(json!({"sku": "DUP", "name": "b"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "conflict");

    let bad = Client::builder(&sb.base)
        .api_key("sk_wrong")
        .build()
        .unwrap();
    let e = bad.companies().list().await.unwrap_err();
    assert_eq!(e.kind(), "unauthorized");
    assert!(!e.to_string().contains("sk_wrong"));

    // Out-of-range limit sent raw (the SDK itself refuses it before sending).
    let e = c
        .request(
            Method::Get,
            "/companies",
            &[("limit".into(), "500".into())],
            None,
            &RequestOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "bad_request");
    let e = c
        .request(Method::Get, "/nope", &[], None, &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "not_found");
}

#[tokio::test]
async fn idempotency_replays_and_rejects_reuse() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);
    let o = RequestOptions::new().idempotency_key("idem-1");
    let body = json!({"name": "Once"});
    let r1 = c
        .request(Method::Post, "/companies", &[], Some(&body), &o)
        .await
        .unwrap();
    let r2 = c
        .request(Method::Post, "/companies", &[], Some(&body), &o)
        .await
        .unwrap();
    assert_eq!(r1.body["id"], r2.body["id"]);
    assert!(!r1.idempotent_replayed());
    assert!(r2.idempotent_replayed());
    let e = c
        .request(
            Method::Post,
            "/companies",
            &[],
            Some(&json!({"name": "Other"})),
            &o,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "IDEMPOTENCY_KEY_REUSED");
    let page = c.companies().filter("name", "Once").list().await.unwrap();
    assert_eq!(page.data.len(), 1);
}

#[tokio::test]
async fn retries_reuse_one_idempotency_key_against_injected_faults() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);
    let r = sb
        .post(
            "/_test/faults",
            json!({"count": 2, "status": 503, "retry_after": 0}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    sb.delete("/_test/requests").await;
    let created = c
        .companies()
        .create(json!({"name": "Retried"}))
        .await
        .unwrap();
    let log = sb.get("/_test/requests").await.body;
    let posts: Vec<&Value> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/api/v1/companies")
        .collect();
    assert_eq!(posts.len(), 3, "{log}");
    let keys: Vec<&Value> = posts.iter().map(|r| &r["idempotency_key"]).collect();
    assert!(keys[0].is_string());
    assert!(keys.iter().all(|k| *k == keys[0]));
    // Exactly one company exists despite three attempts.
    let page = c
        .companies()
        .filter("name", "Retried")
        .list()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0]["id"], created["id"]);

    // 429 with Retry-After, retries exhausted: the error carries retry_after.
    sb.post(
        "/_test/faults",
        json!({"count": 10, "status": 429, "retry_after": 1}),
    )
    .await;
    let e = c.companies().max_retries(0).list().await.unwrap_err();
    assert_eq!(e.kind(), "rate_limited");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    sb.delete("/_test/faults").await;
}

#[tokio::test]
async fn batches_strict_lenient_async_and_replay() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);

    let strict = c
        .batch()
        .strict()
        .add(Method::Post, "/companies", json!({"name": "S1"}))
        .add(Method::Get, "/companies/cmp_missing", ())
        .add(Method::Post, "/companies", json!({"name": "S3"}))
        .execute()
        .await
        .unwrap();
    assert_eq!(strict.status, BatchStatus::Failed);
    assert_eq!(
        strict.results[0].error.as_ref().unwrap().code,
        "ROLLED_BACK"
    );
    assert_eq!(strict.results[1].status, 404);
    assert_eq!(strict.results[2].error.as_ref().unwrap().code, "SKIPPED");
    assert!(c
        .companies()
        .filter("name", "S1")
        .list()
        .await
        .unwrap()
        .data
        .is_empty());

    let lenient = c
        .batch()
        .lenient()
        .add(Method::Post, "/companies", json!({"name": "L1"}))
        .add(Method::Get, "/companies/cmp_missing", ())
        .add(Method::Post, "/companies", json!({"name": "L3"}))
        .execute()
        .await
        .unwrap();
    assert_eq!((lenient.successful, lenient.failed), (2, 1));
    assert_eq!(
        c.companies()
            .filter("name", "L3")
            .list()
            .await
            .unwrap()
            .data
            .len(),
        1
    );

    let stop = c
        .batch()
        .lenient()
        .stop_on_error(true)
        .max_parallel(1)
        .add(Method::Get, "/companies/cmp_missing", ())
        .add(Method::Post, "/companies", json!({"name": "never"}))
        .execute()
        .await
        .unwrap();
    assert_eq!(stop.results[1].error.as_ref().unwrap().code, "SKIPPED");
    assert!(c
        .companies()
        .filter("name", "never")
        .list()
        .await
        .unwrap()
        .data
        .is_empty());

    let replay = c.batch().idempotency_key("batch-replay").add(
        Method::Post,
        "/companies",
        json!({"name": "Replayed"}),
    );
    let a = replay.execute().await.unwrap();
    let b = replay.execute().await.unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(
        c.companies()
            .filter("name", "Replayed")
            .list()
            .await
            .unwrap()
            .data
            .len(),
        1
    );

    let mut big = c.batch().strict();
    for i in 0..300 {
        big = big.add(
            Method::Post,
            "/companies",
            json!({"name": format!("async-{i}")}),
        );
    }
    let handle = big.submit().await.unwrap();
    assert!(handle.id().starts_with("bat_"));
    let done = handle.wait().await.unwrap();
    assert_eq!(done.status, BatchStatus::Completed);
    assert_eq!(done.successful, 300);
}

#[tokio::test]
async fn scopes_and_tenants_hold_inside_batches() {
    let sb = Sandbox::start();
    let reader_key = sb
        .new_key("ten_default", "companies:read,batch:write")
        .await;
    let other_key = sb.new_key("ten_other", "*").await;
    let owner = sdk(&sb, &sb.key);
    let reader = sdk(&sb, &reader_key);
    let other = sdk(&sb, &other_key);

    let mine = owner
        .companies()
        .create(json!({"name": "Mine"}))
        .await
        .unwrap();
    let id = mine["id"].as_str().unwrap();
    assert_eq!(
        other.companies().get(id).await.unwrap_err().kind(),
        "not_found"
    );
    assert_eq!(
        reader
            .companies()
            .create(json!({"name": "x"}))
            .await
            .unwrap_err()
            .kind(),
        "forbidden"
    );
    let r = reader
        .batch()
        .lenient()
        .add(Method::Get, format!("/companies/{id}"), ())
        .add(Method::Post, "/companies", json!({"name": "sneaky"}))
        .execute()
        .await
        .unwrap();
    assert!(r.results[0].success);
    assert_eq!(r.results[1].status, 403);
    let r = other
        .batch()
        .lenient()
        .add(Method::Get, format!("/companies/{id}"), ())
        .execute()
        .await
        .unwrap();
    assert_eq!(r.results[0].status, 404);
}

#[tokio::test]
async fn webhooks_end_to_end_with_verified_deliveries() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);
    let types = c.event_types().await.unwrap();
    assert_eq!(types["data"].as_array().unwrap().len(), 17);

    let rx = Receiver::start(200).await;
    let hook = c
        .webhooks()
        .create(
            WebhookParams::new(rx.url(), ["company.created", "company.updated"])
                .retry_policy(2, 5)
                .description("e2e"),
        )
        .await
        .unwrap();
    let secret = hook.secret.clone().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(c.webhooks().get(&hook.id).await.unwrap().secret, None);
    assert!(c
        .webhooks()
        .list()
        .await
        .unwrap()
        .data
        .iter()
        .any(|w| w.id == hook.id));

    let company = c
        .companies()
        .create(json!({"name": "Hooked"}))
        .await
        .unwrap();
    wait_for(Duration::from_secs(10), "a delivery", || async {
        (rx.count() >= 1).then_some(())
    })
    .await;
    let got = rx.all().remove(0);
    let headers: Vec<(String, String)> = got
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let verifier = Webhook::new(&secret).unwrap();
    let event = verifier.verify(&got.body, &headers).unwrap();
    assert_eq!(event["type"], "company.created");
    assert_eq!(event["data"]["id"], company["id"]);
    // Tampering is caught.
    let mut tampered = got.body.to_vec();
    tampered.push(b' ');
    assert!(verifier.verify(&tampered, &headers).is_err());

    // Suppressed writes are recorded but not delivered to the named webhook.
    c.companies()
        .suppress_webhooks([hook.id.as_str()])
        .create(json!({"name": "Quiet"}))
        .await
        .unwrap();
    let test_delivery = c.webhooks().test(&hook.id).await.unwrap();
    assert_eq!(test_delivery.event_type, "webhook.test");
    wait_for(Duration::from_secs(10), "the test delivery", || async {
        (rx.count() >= 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let types_seen: Vec<String> = rx
        .all()
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types_seen, ["company.created", "webhook.test"]);

    // Rotation: the new secret verifies, and so does the old one during the overlap.
    let rotated = c.webhooks().rotate_secret(&hook.id).await.unwrap();
    let new_secret = rotated.secret.unwrap();
    assert_ne!(new_secret, secret);
    c.companies()
        .update(company["id"].as_str().unwrap(), json!({"name": "Renamed"}))
        .await
        .unwrap();
    wait_for(Duration::from_secs(10), "the update delivery", || async {
        (rx.count() >= 3).then_some(())
    })
    .await;
    let got = rx.all().remove(2);
    let headers: Vec<(String, String)> = got
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    Webhook::new(&new_secret)
        .unwrap()
        .verify(&got.body, &headers)
        .unwrap();
    let sw: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k == "webhook-signature" || k.starts_with("webhook-"))
        .cloned()
        .collect();
    Webhook::new(&secret)
        .unwrap()
        .verify(&got.body, &sw)
        .unwrap();

    // A failing receiver: the delivery fails after its retries, then a manual retry succeeds.
    rx.set_status(500);
    c.companies()
        .create(json!({"name": "Unlucky"}))
        .await
        .unwrap();
    let failed = wait_for(Duration::from_secs(10), "a failed delivery", || async {
        let page = c
            .webhooks()
            .deliveries(
                &hook.id,
                &DeliveryQuery {
                    status: Some("failed".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        page.data.into_iter().next()
    })
    .await;
    assert_eq!(failed.attempt_count, 3);
    let detail = c.webhooks().delivery(&hook.id, &failed.id).await.unwrap();
    assert_eq!(detail.attempts.as_ref().unwrap().len(), 3);
    assert_eq!(detail.attempts.unwrap()[0].status_code, Some(500));
    rx.set_status(200);
    c.webhooks()
        .retry_delivery(&hook.id, &failed.id)
        .await
        .unwrap();
    wait_for(Duration::from_secs(10), "the manual retry", || async {
        let d = c.webhooks().delivery(&hook.id, &failed.id).await.unwrap();
        (d.status == "succeeded").then_some(())
    })
    .await;
    let stats = c.webhooks().stats(&hook.id).await.unwrap();
    assert!(stats.is_object());

    let off = c
        .webhooks()
        .update(&hook.id, WebhookParams::default().active(false))
        .await
        .unwrap();
    assert!(!off.active);
    c.webhooks().delete(&hook.id).await.unwrap();
    assert_eq!(
        c.webhooks().get(&hook.id).await.unwrap_err().kind(),
        "not_found"
    );
}

#[tokio::test]
async fn csv_import_reports_rows_and_resumes_from_a_checkpoint() {
    let sb = Sandbox::start();
    let c = sdk(&sb, &sb.key);
    let mut csv = String::from("sku,name,quantity,unit_price\n");
    for i in 1..=25 {
        match i {
            7 => csv.push_str("SKU-7,Seven,lots,1\n"), // not a number: caught locally
            12 => csv.push_str("SKU-3,Dup,1,1\n"),     // duplicate sku: 409 from the API
            _ => csv.push_str(&format!("SKU-{i},Item {i},{i},{}.5\n", i)),
        }
    }
    let checked = c
        .batch()
        .from_csv("inventory-items", csv.as_str())
        .validate_only(true)
        .execute()
        .await
        .unwrap();
    assert_eq!(
        (checked.rows_total, checked.imported, checked.failed),
        (25, 0, 1)
    );
    assert!(
        c.inventory_items().list().await.unwrap().data.is_empty(),
        "validate_only sends nothing"
    );

    // First run: interrupted after the first chunk (the caller keeps the checkpoint).
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let first = c
        .batch()
        .from_csv("inventory-items", csv.as_str())
        .batch_size(10)
        .idempotency_key("stock-import")
        .on_progress(move |p| s2.lock().unwrap().push(p.rows_done))
        .execute()
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), [10, 20, 25]);
    assert_eq!((first.imported, first.failed), (23, 2));
    let errs: Vec<(usize, &str)> = first
        .errors
        .iter()
        .map(|e| (e.row, e.error.code.as_str()))
        .collect();
    assert_eq!(errs, [(7, "INVALID_VALUE"), (12, "CONFLICT")]);
    assert_eq!(first.checkpoint, 25);

    // Resuming from row 10 re-sends rows 11..25 with the same chunk keys: replayed, not duplicated.
    let resumed = c
        .batch()
        .from_csv("inventory-items", csv.as_str())
        .batch_size(10)
        .idempotency_key("stock-import")
        .resume_from(10)
        .execute()
        .await
        .unwrap();
    assert_eq!(resumed.rows_skipped, 10);
    assert_eq!(resumed.imported, 14);
    let all: Vec<Value> = c
        .inventory_items()
        .limit(100)
        .stream()
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(all.len(), 23);
    let item5 = all.iter().find(|r| r["sku"] == "SKU-5").unwrap();
    assert_eq!(item5["quantity"], 5);
    assert_eq!(item5["unit_price"], 5.5);
}
