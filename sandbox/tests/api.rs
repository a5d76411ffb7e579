//! Resources, errors, idempotency, scopes, tenants, rate limit, CORS, test controls.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn ids(r: &Resp) -> Vec<String> {
    r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_every_resource() {
    let sb = Sandbox::start();
    let cmp = sb
        .post(
            "/companies",
            json!({"name": "Acme", "country": "DE", "email": "a@acme.test"}),
        )
        .await;
    assert_eq!(cmp.status, 201, "{:?}", cmp.body);
    let cmp_id = cmp.body["id"].as_str().unwrap().to_string();
    assert!(cmp_id.starts_with("cmp_"));
    assert_eq!(cmp.body["status"], "active");
    assert!(cmp.body["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(cmp.header("x-request-id").unwrap().starts_with("req_"));
    assert!(cmp.header("x-ratelimit-limit").is_some());
    assert!(cmp.header("x-ratelimit-remaining").is_some());
    assert!(cmp.header("x-ratelimit-reset").is_some());

    let cus = sb.post("/customers", json!({"name": "Bob", "company_id": cmp_id, "customer_account": "CUST-001", "credit_limit": 100.5})).await;
    assert_eq!(cus.status, 201, "{:?}", cus.body);
    let cus_id = cus.body["id"].as_str().unwrap().to_string();
    assert!(cus_id.starts_with("cus_"));
    let ven = sb
        .post("/vendors", json!({"name": "V", "payment_terms_days": 30}))
        .await;
    assert_eq!(ven.status, 201, "{:?}", ven.body);
    assert!(ven.body["id"].as_str().unwrap().starts_with("ven_"));
    let itm = sb
        .post(
            "/inventory-items",
            json!({"sku": "SKU-1", "name": "Widget", "unit_price": 2.5}),
        )
        .await;
    assert_eq!(itm.status, 201, "{:?}", itm.body);
    assert_eq!(itm.body["quantity"], 0);
    assert!(itm.body["id"].as_str().unwrap().starts_with("itm_"));
    let so = sb
        .post(
            "/sales-orders",
            json!({"customer_id": cus_id, "amount": 10, "lines": [{"sku": "SKU-1", "quantity": 2, "unit_price": 5}]}),
        )
        .await;
    assert_eq!(so.status, 201, "{:?}", so.body);
    assert_eq!(so.body["status"], "draft");
    assert_eq!(so.body["currency"], "USD");
    let so_id = so.body["id"].as_str().unwrap().to_string();
    assert!(so_id.starts_with("so_"));

    // read, update, delete for each
    for (res, id, patch) in [
        ("companies", cmp_id.clone(), json!({"status": "inactive"})),
        ("customers", cus_id.clone(), json!({"credit_limit": 7})),
        (
            "vendors",
            ven.body["id"].as_str().unwrap().to_string(),
            json!({"payment_terms_days": 60}),
        ),
        (
            "inventory-items",
            itm.body["id"].as_str().unwrap().to_string(),
            json!({"quantity": 9}),
        ),
        (
            "sales-orders",
            so_id.clone(),
            json!({"status": "confirmed"}),
        ),
    ] {
        let g = sb.get(&format!("/{res}/{id}")).await;
        assert_eq!(g.status, 200, "{res}");
        assert_eq!(g.body["id"], id.as_str());
        let p = sb.patch(&format!("/{res}/{id}"), patch.clone()).await;
        assert_eq!(p.status, 200, "{res}: {:?}", p.body);
        let (k, v) = patch.as_object().unwrap().iter().next().unwrap();
        assert_eq!(&p.body[k], v, "{res}");
        let g = sb.get(&format!("/{res}/{id}")).await;
        assert_eq!(&g.body[k], v, "{res}");
    }
    for (res, id) in [
        ("sales-orders", so_id),
        ("customers", cus_id),
        ("companies", cmp_id),
    ] {
        let d = sb.delete(&format!("/{res}/{id}")).await;
        assert_eq!(d.status, 200);
        assert_eq!(d.body, json!({"id": id, "deleted": true}));
        let g = sb.get(&format!("/{res}/{id}")).await;
        assert_eq!(g.status, 404);
        assert_eq!(g.code(), "NOT_FOUND");
        let d = sb.delete(&format!("/{res}/{id}")).await;
        assert_eq!(d.status, 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_sort_paginate() {
    let sb = Sandbox::start();
    for i in 0..25 {
        let status = if i % 2 == 0 { "active" } else { "inactive" };
        let r = sb
            .post("/inventory-items", json!({"sku": format!("S{i:02}"), "name": format!("n{}", 24 - i), "quantity": i, "status": status}))
            .await;
        assert_eq!(r.status, 201);
    }
    // default limit 20, cursor through everything
    let p1 = sb.get("/inventory-items").await;
    assert_eq!(p1.body["data"].as_array().unwrap().len(), 20);
    let c = p1.body["next_cursor"].as_str().unwrap().to_string();
    let p2 = sb.get(&format!("/inventory-items?cursor={c}")).await;
    assert_eq!(p2.status, 200);
    assert_eq!(p2.body["data"].as_array().unwrap().len(), 5);
    assert!(p2.body["next_cursor"].is_null());
    let mut all = ids(&p1);
    all.extend(ids(&p2));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 25);

    // filter
    let f = sb
        .get("/inventory-items?filter[status]=active&limit=100")
        .await;
    assert_eq!(f.body["data"].as_array().unwrap().len(), 13);
    let f = sb
        .get("/inventory-items?filter[status]=inactive&filter[quantity]=3")
        .await;
    assert_eq!(f.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(f.body["data"][0]["sku"], "S03");
    let f = sb.get("/inventory-items?filter%5Bsku%5D=S07").await;
    assert_eq!(f.body["data"][0]["quantity"], 7);

    // sort desc by quantity, paged by 10
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/inventory-items?sort=-quantity&limit=10&cursor={c}"),
            None => "/inventory-items?sort=-quantity&limit=10".to_string(),
        };
        let r = sb.get(&path).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        for x in r.body["data"].as_array().unwrap() {
            seen.push(x["quantity"].as_i64().unwrap());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, (0..25).rev().collect::<Vec<i64>>());
    // sort by a string field ascending
    let r = sb.get("/inventory-items?sort=name&limit=3").await;
    let names: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["n0", "n1", "n10"]);

    // bad list parameters
    for q in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "sort=nope",
        "filter[nope]=1",
        "cursor=garbage",
    ] {
        let r = sb.get(&format!("/inventory-items?{q}")).await;
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.code(), "BAD_REQUEST");
    }
    let r = sb.get("/inventory-items?limit=100").await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_the_contract_shape() {
    let sb = Sandbox::start();
    // 401 without or with a wrong key
    let r = sb
        .req_full(Method::GET, "/companies", None, None, &[])
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "UNAUTHORIZED");
    assert!(r.body["error"]["details"].is_null());
    assert!(r.body["error"]["request_id"]
        .as_str()
        .unwrap()
        .starts_with("req_"));
    assert_eq!(
        r.header("x-request-id"),
        r.body["error"]["request_id"].as_str()
    );
    let r = sb
        .req_full(Method::GET, "/companies", Some("sk_test_wrong"), None, &[])
        .await;
    assert_eq!(r.status, 401);
    // bearer works
    let r = sb
        .req_full(
            Method::GET,
            "/companies",
            None,
            None,
            &[("authorization", &format!("Bearer {}", sb.key))],
        )
        .await;
    assert_eq!(r.status, 200);
    // 404 unknown resource / route, with the error body
    let r = sb.get("/widgets").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "NOT_FOUND");
    let r = sb
        .client
        .get(format!("{}/nowhere", sb.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("x-request-id").is_some());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "NOT_FOUND");
    // 405
    let r = sb
        .req_full(
            Method::PUT,
            "/companies",
            Some(&sb.key),
            Some(&json!({})),
            &[],
        )
        .await;
    assert_eq!(r.status, 405);
    assert!(r.body["error"]["code"].is_string());
    // 413
    let big = "x".repeat(1024 * 1024 + 10);
    let r = sb
        .req_full(
            Method::POST,
            "/companies",
            Some(&sb.key),
            Some(&json!({"name": big})),
            &[],
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.code(), "PAYLOAD_TOO_LARGE");
    // 400 malformed JSON, non-object, invalid UTF-8
    for raw in [
        &b"{\"name\": "[..],
        &b"[1,2]"[..],
        &b"\"str\""[..],
        &b"{\"name\": \"\xff\xfe\"}"[..],
    ] {
        let r = sb
            .client
            .post(sb.url("/companies"))
            .header("x-api-key", &sb.key)
            .header("content-type", "application/json")
            .body(raw.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{:?}", String::from_utf8_lossy(raw));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "BAD_REQUEST");
    }
    // 422: unknown field, wrong type, missing required, bad enum, bad refs
    let r = sb
        .post(
            "/sales-orders",
            json!({"customer_id": "cus_x", "lines": [{"sku": "A", "quantity": 0}]}),
        )
        .await;
    let fields: Vec<&str> = r.body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"lines.0.quantity"), "{fields:?}");
    let r = sb
        .post(
            "/companies",
            json!({"name": "A", "colour": "red", "country": "de"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "VALIDATION_FAILED");
    let fields: Vec<&str> = r.body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"colour") && fields.contains(&"country"),
        "{fields:?}"
    );
    for (res, body) in [
        ("companies", json!({})),
        ("companies", json!({"name": 12})),
        ("companies", json!({"name": "A", "status": "zombie"})),
        (
            "customers",
            json!({"name": "C", "company_id": "cmp_missing"}),
        ),
        ("customers", json!({"name": "C", "credit_limit": -1})),
        ("vendors", json!({"name": "V", "payment_terms_days": 400})),
        ("vendors", json!({"name": "V", "payment_terms_days": 1.5})),
        (
            "inventory-items",
            json!({"sku": "X", "name": "n", "quantity": -1}),
        ),
        ("sales-orders", json!({"customer_id": "cus_missing"})),
        (
            "sales-orders",
            json!({"customer_id": "cus_x", "currency": "usd"}),
        ),
        (
            "sales-orders",
            json!({"customer_id": "cus_x", "lines": [{"sku": "A", "quantity": 0, "unit_price": 1}]}),
        ),
    ] {
        let r = sb.post(&format!("/{res}"), body.clone()).await;
        assert_eq!(r.status, 422, "{res} {body}: {:?}", r.body);
        assert!(!r.body["error"]["details"]["fields"]
            .as_array()
            .unwrap()
            .is_empty());
    }
    // 409 duplicate sku
    assert_eq!(
        sb.post("/inventory-items", json!({"sku": "DUP", "name": "a"}))
            .await
            .status,
        201
    );
    let r = sb
        .post("/inventory-items", json!({"sku": "DUP", "name": "b"}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "CONFLICT");
    // a patch that changes nothing is still fine; a read-only field is not
    let c = sb.post("/companies", json!({"name": "A"})).await;
    let id = c.body["id"].as_str().unwrap();
    let r = sb
        .patch(&format!("/companies/{id}"), json!({"id": "cmp_other"}))
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_replay_and_reuse() {
    let sb = Sandbox::start();
    let body = json!({"name": "Once"});
    let h = [("idempotency-key", "key-1")];
    let a = sb
        .req_full(Method::POST, "/companies", Some(&sb.key), Some(&body), &h)
        .await;
    assert_eq!(a.status, 201);
    assert!(a.header("idempotent-replayed").is_none());
    let b = sb
        .req_full(Method::POST, "/companies", Some(&sb.key), Some(&body), &h)
        .await;
    assert_eq!(b.status, 201);
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(a.body, b.body);
    let list = sb.get("/companies").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    // same key, different request
    let c = sb
        .req_full(
            Method::POST,
            "/companies",
            Some(&sb.key),
            Some(&json!({"name": "Twice"})),
            &h,
        )
        .await;
    assert_eq!(c.status, 422);
    assert_eq!(c.code(), "IDEMPOTENCY_KEY_REUSED");
    // keys are per tenant: another tenant may use the same key
    let other = sb.new_key("ten_other", "*").await;
    let d = sb
        .req_full(Method::POST, "/companies", Some(&other), Some(&body), &h)
        .await;
    assert_eq!(d.status, 201);
    assert!(d.header("idempotent-replayed").is_none());
    assert_ne!(d.body["id"], a.body["id"]);
    // delete replay
    let id = a.body["id"].as_str().unwrap();
    let dh = [("idempotency-key", "del-1")];
    let x = sb
        .req_full(
            Method::DELETE,
            &format!("/companies/{id}"),
            Some(&sb.key),
            None,
            &dh,
        )
        .await;
    let y = sb
        .req_full(
            Method::DELETE,
            &format!("/companies/{id}"),
            Some(&sb.key),
            None,
            &dh,
        )
        .await;
    assert_eq!((x.status, y.status), (200, 200));
    assert_eq!(y.header("idempotent-replayed"), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_and_scopes() {
    let sb = Sandbox::start();
    let other = sb.new_key("ten_b", "*").await;
    let readonly = sb.new_key("ten_default", "companies:read").await;
    let mine = sb.post("/companies", json!({"name": "Mine"})).await;
    let id = mine.body["id"].as_str().unwrap().to_string();
    // the other tenant sees nothing of it
    let r = sb
        .req_full(
            Method::GET,
            &format!("/companies/{id}"),
            Some(&other),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = sb
        .req_full(Method::GET, "/companies", Some(&other), None, &[])
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 0);
    let r = sb
        .req_full(
            Method::PATCH,
            &format!("/companies/{id}"),
            Some(&other),
            Some(&json!({"name": "x"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = sb
        .req_full(
            Method::DELETE,
            &format!("/companies/{id}"),
            Some(&other),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    // a reference to another tenant's record is not found
    let r = sb
        .req_full(
            Method::POST,
            "/customers",
            Some(&other),
            Some(&json!({"name": "c", "company_id": id})),
            &[],
        )
        .await;
    assert_eq!(r.status, 422);
    // the same sku may exist in two tenants
    assert_eq!(
        sb.post("/inventory-items", json!({"sku": "S", "name": "a"}))
            .await
            .status,
        201
    );
    let r = sb
        .req_full(
            Method::POST,
            "/inventory-items",
            Some(&other),
            Some(&json!({"sku": "S", "name": "a"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201);
    // scopes
    let r = sb
        .req_full(Method::GET, "/companies", Some(&readonly), None, &[])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);
    let r = sb
        .req_full(
            Method::POST,
            "/companies",
            Some(&readonly),
            Some(&json!({"name": "n"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "FORBIDDEN");
    let r = sb
        .req_full(Method::GET, "/vendors", Some(&readonly), None, &[])
        .await;
    assert_eq!(r.status, 403);
    let r = sb
        .req_full(Method::GET, "/webhooks", Some(&readonly), None, &[])
        .await;
    assert_eq!(r.status, 403);
    let r = sb
        .req_full(
            Method::POST,
            "/batch",
            Some(&readonly),
            Some(&json!({"operations": [{"method": "GET", "path": "/companies"}]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_types_are_listed() {
    let sb = Sandbox::start();
    let r = sb.get("/events/types").await;
    assert_eq!(r.status, 200);
    let types: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 17);
    for t in [
        "company.created",
        "inventory_item.updated",
        "sales_order.deleted",
        "batch.completed",
        "webhook.test",
    ] {
        assert!(types.contains(&t), "{t}");
    }
    sb.post("/companies", json!({"name": "E"})).await;
    let r = sb.get("/events?type=company.created").await;
    assert_eq!(r.status, 200);
    let e = &r.body["data"][0];
    assert!(e["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(e["type"], "company.created");
    assert_eq!(e["tenant_id"], "ten_default");
    assert_eq!(e["data"]["name"], "E");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_controls_inject_faults() {
    let sb = Sandbox::start();
    // status faults with Retry-After, for the next 2 requests of this key only
    let r = sb
        .req_full(
            Method::POST,
            "/_test/faults",
            Some(&sb.key),
            Some(&json!({"count": 2, "status": 503, "retry_after": 1})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let other = sb.new_key("ten_default", "*").await;
    let r = sb
        .req_full(Method::GET, "/companies", Some(&other), None, &[])
        .await;
    assert_eq!(r.status, 200);
    for _ in 0..2 {
        let r = sb
            .req_full(
                Method::POST,
                "/companies",
                Some(&sb.key),
                Some(&json!({"name": "f"})),
                &[("idempotency-key", "same")],
            )
            .await;
        assert_eq!(r.status, 503);
        assert_eq!(r.code(), "UNAVAILABLE");
        assert_eq!(r.header("retry-after"), Some("1"));
    }
    let r = sb
        .req_full(
            Method::POST,
            "/companies",
            Some(&sb.key),
            Some(&json!({"name": "f"})),
            &[("idempotency-key", "same")],
        )
        .await;
    assert_eq!(r.status, 201);
    // the request log shows the same idempotency key three times
    let log = sb
        .req_full(Method::GET, "/_test/requests", Some(&sb.key), None, &[])
        .await;
    let keys: Vec<&str> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["method"] == "POST")
        .map(|x| x["idempotency_key"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(keys, ["same", "same", "same"]);

    // delay
    sb.req_full(
        Method::POST,
        "/_test/faults",
        Some(&sb.key),
        Some(&json!({"count": 1, "delay_ms": 300})),
        &[],
    )
    .await;
    let t = std::time::Instant::now();
    let r = sb.get("/companies").await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed().as_millis() >= 300);

    // dropped connection
    sb.req_full(
        Method::POST,
        "/_test/faults",
        Some(&sb.key),
        Some(&json!({"count": 1, "drop_connection": true})),
        &[],
    )
    .await;
    let e = sb
        .client
        .get(sb.url("/companies"))
        .header("x-api-key", &sb.key)
        .send()
        .await;
    assert!(e.is_err(), "expected a dropped connection");
    assert_eq!(sb.get("/companies").await.status, 200);

    // clear
    sb.req_full(
        Method::POST,
        "/_test/faults",
        Some(&sb.key),
        Some(&json!({"count": 5, "status": 500})),
        &[],
    )
    .await;
    let r = sb
        .req_full(Method::DELETE, "/_test/faults", Some(&sb.key), None, &[])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(sb.get("/companies").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_controls_are_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_erp-sandbox"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("y.db"))
        .args(["--api-key", "sk_test_pinned"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut l1 = String::new();
    out.read_line(&mut l1).unwrap();
    assert_eq!(l1.trim(), "api key: sk_test_pinned");
    let mut l2 = String::new();
    out.read_line(&mut l2).unwrap();
    let base = l2.trim().strip_prefix("listening on ").unwrap().to_string();
    let c = client();
    let r = c
        .post(format!("{base}/_test/faults"))
        .header("x-api-key", "sk_test_pinned")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .get(format!("{base}/api/v1/companies"))
        .header("x-api-key", "sk_test_pinned")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429() {
    let sb = Sandbox::start_with(&["--rate-limit", "0.01,3"]);
    let mut codes = Vec::new();
    for _ in 0..5 {
        let r = sb.get("/companies").await;
        codes.push(r.status);
        if r.status == 429 {
            assert_eq!(r.code(), "RATE_LIMITED");
            assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
            assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
        }
    }
    assert_eq!(&codes[..3], &[200, 200, 200]);
    assert!(codes[3..].contains(&429), "{codes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_and_exposed_headers() {
    let sb = Sandbox::start_with(&["--cors-origin", "http://localhost:3000"]);
    let r = sb
        .client
        .request(Method::OPTIONS, sb.url("/companies"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "x-api-key,content-type,idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let r = sb
        .client
        .get(sb.url("/companies"))
        .header("origin", "http://localhost:3000")
        .header("x-api-key", &sb.key)
        .send()
        .await
        .unwrap();
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("x-ratelimit-remaining"),
        "{exposed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_restart_and_keys_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let sb = Sandbox::start_at(&db, &[]);
    let key = sb.key.clone();
    assert!(!key.is_empty());
    let id = sb.post("/companies", json!({"name": "Kept"})).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    sb.kill();
    // keys create on the same database
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_erp-sandbox"))
        .args([
            "keys",
            "create",
            "--tenant",
            "ten_cli",
            "--scopes",
            "companies:read,companies:write",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let cli_key = line.trim().strip_prefix("api key: ").unwrap().to_string();
    let mut sb = Sandbox::start_at(&db, &[]);
    assert!(sb.key.is_empty(), "no new key on a restart");
    sb.key = key;
    let r = sb.get(&format!("/companies/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "Kept");
    let r = sb
        .req_full(Method::GET, "/companies", Some(&cli_key), None, &[])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"].as_array().unwrap().len(), 0);
    let r = sb
        .req_full(Method::GET, "/vendors", Some(&cli_key), None, &[])
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_never_gets_a_500() {
    let sb = Sandbox::start();
    let cmp = sb.post("/companies", json!({"name": "A"})).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let wh = sb
        .post(
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/h", "events": ["company.created"]}),
        )
        .await;
    let wid = wh.body["id"].as_str().unwrap().to_string();
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"123".to_vec(),
        b"\"x\"".to_vec(),
        b"{".to_vec(),
        b"{\"name\":".to_vec(),
        b"\xff\xfe\x00".to_vec(),
        deep.into_bytes(),
        b"{\"name\": 1e400}".to_vec(),
        b"{\"name\": {\"x\": [1, {}]}}".to_vec(),
        b"{\"name\": null, \"status\": null}".to_vec(),
        b"{\"operations\": [{\"method\": \"POST\", \"path\": \"/companies?limit=0\", \"body\": []}]}".to_vec(),
        b"{\"operations\": \"x\"}".to_vec(),
        b"{\"url\": 5, \"events\": [1, null], \"filters\": [], \"retry_policy\": \"x\", \"secret\": 7}".to_vec(),
        b"{\"lines\": [1, \"a\", {\"sku\": 5}], \"customer_id\": []}".to_vec(),
    ];
    let paths = [
        "/companies".to_string(),
        format!("/companies/{cmp}"),
        "/customers".to_string(),
        "/sales-orders".to_string(),
        "/inventory-items".to_string(),
        "/batch".to_string(),
        "/webhooks".to_string(),
        format!("/webhooks/{wid}"),
        format!("/webhooks/{wid}/rotate-secret"),
        format!("/webhooks/{wid}/deliveries/dlv_x/retry"),
        "/companies/%00%ff".to_string(),
        "//companies//".to_string(),
        format!("/companies/{}", "x".repeat(5000)),
    ];
    let methods = [
        Method::GET,
        Method::POST,
        Method::PATCH,
        Method::DELETE,
        Method::PUT,
    ];
    let mut n = 0;
    for p in &paths {
        for m in &methods {
            for b in &bodies {
                let r = sb
                    .client
                    .request(m.clone(), sb.url(p))
                    .header("x-api-key", &sb.key)
                    .header("content-type", "application/json")
                    .body(b.clone())
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or(Value::Null);
                assert!(
                    status < 500,
                    "{m} {p} {:?}: {status} {v}",
                    String::from_utf8_lossy(b)
                );
                if status >= 400 {
                    assert!(v["error"]["code"].is_string(), "{m} {p}: {v}");
                }
                n += 1;
            }
        }
    }
    for q in [
        "limit=-1",
        "limit=1e9",
        "limit=99999999999999999999",
        "cursor=%25%25",
        "cursor=eyJ4Ijo1fQ",
        "filter[]=x",
        "filter[name=x",
        "filter[name]=%FF",
        "sort=-",
        "sort=--name",
        "sort=name)%20--",
        "filter[name')%20OR%201=1--]=x",
        "filter[created_at]=x&sort=-updated_at",
    ] {
        for p in ["/companies", "/webhooks", "/events"] {
            let r = sb.get(&format!("{p}?{q}")).await;
            assert!(r.status < 500, "{p}?{q}: {}", r.status);
            n += 1;
        }
        let r = sb.get(&format!("/webhooks/{wid}/deliveries?{q}")).await;
        assert!(r.status < 500, "deliveries?{q}: {}", r.status);
    }
    for (h, v) in [
        ("idempotency-key", "k".repeat(300)),
        ("x-suppress-webhooks", ",,,*,".to_string()),
    ] {
        let r = sb
            .req_full(
                Method::POST,
                "/companies",
                Some(&sb.key),
                Some(&json!({"name": "h"})),
                &[(h, &v)],
            )
            .await;
        assert!(r.status < 500, "{h}: {}", r.status);
    }
    assert!(n > 1000);
    // the server is still fine
    assert_eq!(sb.get("/companies").await.status, 200);
}
