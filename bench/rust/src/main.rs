//! `make bench`, Rust side. Against the sandbox named by `ERP_BASE_URL` / `ERP_API_KEY`
//! (the record `BENCH_ID` exists), measures the core beside what a Rust developer would use
//! instead, and writes one JSON row per figure to `BENCH_OUT` (see bench/run.py):
//!
//! - sequential GETs of one record: `erp-api-client` vs a bare `hyper` client (keep-alive,
//!   body collected and parsed with serde_json: the same work);
//! - GETs with 64 in flight: the same two;
//! - a strict batch of 1000 creates, end to end (p50, p95);
//! - a 10,000-row CSV import through chunking;
//! - webhook verification of a 1 KB body vs the `hmac` crate doing the same checks;
//! - building a client (the Rust counterpart of a face's cold start).

use base64ct::{Base64, Encoding};
use bytes::Bytes;
use erp_api_client::{Client, Method, Webhook};
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use sha2::Sha256;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

struct Env {
    base: String,
    key: String,
    id: String,
    scale: f64,
    secret: String,
    body: Vec<u8>,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("erp-bench: set {name} (bench/run.py does)"))
}

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64 * scale) as usize).max(10)
}

struct Rows(Vec<Value>);

impl Rows {
    fn push(&mut self, workload: &str, client: &str, metric: &str, value: f64, n: usize) {
        eprintln!("  rust {workload:<10} {client:<24} {metric:<12} {value:>12.2}  (n={n})");
        self.0.push(
            json!({"face": "rust", "workload": workload, "client": client,
                           "metric": metric, "value": value, "n": n}),
        );
    }
}

fn pct(v: &mut [f64], p: usize) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[(v.len() * p / 100).min(v.len() - 1)]
}

type Hyper = HyperClient<HttpConnector, Empty<Bytes>>;

/// One timed function of the verify comparison.
type Timed<'a> = Box<dyn FnMut() + 'a>;

async fn hyper_get(h: &Hyper, url: &hyper::Uri, key: &str) -> Value {
    let req = hyper::Request::get(url.clone())
        .header("x-api-key", key)
        .header("accept", "application/json")
        .body(Empty::new())
        .unwrap();
    let resp = h.request(req).await.expect("hyper GET");
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    serde_json::from_slice(&body).expect("JSON")
}

#[tokio::main]
async fn main() {
    let e = Env {
        base: env("ERP_BASE_URL"),
        key: env("ERP_API_KEY"),
        id: env("BENCH_ID"),
        scale: std::env::var("BENCH_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1.0),
        secret: env("BENCH_SECRET"),
        body: std::fs::read(env("BENCH_BODY_FILE")).expect("BENCH_BODY_FILE"),
    };
    let out = env("BENCH_OUT");
    let mut rows = Rows(Vec::new());

    let t = Instant::now();
    let client = Client::builder(&e.base)
        .api_key(&e.key)
        .max_retries(0)
        .build()
        .expect("client");
    rows.push(
        "cold",
        "erp-api-client",
        "ms",
        t.elapsed().as_secs_f64() * 1e3,
        1,
    );

    let hyper: Hyper = HyperClient::builder(TokioExecutor::new()).build_http();
    let url: hyper::Uri = format!("{}/api/v1/companies/{}", e.base.trim_end_matches('/'), e.id)
        .parse()
        .unwrap();

    // 1. sequential GETs, interleaved rounds so drift hits both alike
    let n = scaled(5000, e.scale);
    let companies = client.companies();
    let (mut ours, mut theirs) = (0f64, 0f64);
    for _ in 0..50 {
        black_box(companies.get(&e.id).await.unwrap());
        black_box(hyper_get(&hyper, &url, &e.key).await);
    }
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n / 5 {
            black_box(companies.get(&e.id).await.unwrap());
        }
        ours += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..n / 5 {
            black_box(hyper_get(&hyper, &url, &e.key).await);
        }
        theirs += t.elapsed().as_secs_f64();
    }
    let per = |s: f64| s / (n / 5 * 5) as f64 * 1e6;
    rows.push("seq_get", "erp-api-client", "us_per_call", per(ours), n);
    rows.push("seq_get", "hyper", "us_per_call", per(theirs), n);

    // 2. 64 in flight, interleaved rounds
    let n = scaled(10_000, e.scale);
    let per_round = n / 5;
    let ours_task = {
        let client = client.clone();
        let id = e.id.clone();
        move || {
            let q = client.companies();
            let id = id.clone();
            async move {
                black_box(q.get(&id).await.unwrap());
            }
        }
    };
    let hyper_task = {
        let hyper = hyper.clone();
        let url = url.clone();
        let key = e.key.clone();
        move || {
            let (hyper, url, key) = (hyper.clone(), url.clone(), key.clone());
            async move {
                black_box(hyper_get(&hyper, &url, &key).await);
            }
        }
    };
    // BENCH_PROFILE=ours|hyper: only 20,000 GETs of one client with 64 in flight, for
    // `perf record` (how the gap between the two was looked into).
    if let Ok(which) = std::env::var("BENCH_PROFILE") {
        let t = Instant::now();
        if which == "ours" {
            run_concurrent(20_000, 64, ours_task).await;
        } else {
            run_concurrent(20_000, 64, hyper_task).await;
        }
        eprintln!("{which}: {:.0}/s", 20_000.0 / t.elapsed().as_secs_f64());
        return;
    }
    run_concurrent(200, 64, ours_task.clone()).await;
    run_concurrent(200, 64, hyper_task.clone()).await;
    let (mut ours, mut theirs) = (0f64, 0f64);
    for _ in 0..5 {
        let t = Instant::now();
        run_concurrent(per_round, 64, ours_task.clone()).await;
        ours += t.elapsed().as_secs_f64();
        let t = Instant::now();
        run_concurrent(per_round, 64, hyper_task.clone()).await;
        theirs += t.elapsed().as_secs_f64();
    }
    let done = (per_round * 5) as f64;
    rows.push("conc_get", "erp-api-client", "req_per_s", done / ours, n);
    rows.push("conc_get", "hyper", "req_per_s", done / theirs, n);

    // 3. strict batch of 1000 creates, end to end (building the batch included)
    let runs = scaled(20, e.scale).min(20);
    let mut times = Vec::new();
    for r in 0..runs + 2 {
        let t = Instant::now();
        let mut batch = client.batch().strict();
        for i in 0..1000 {
            batch = batch.add(
                Method::Post,
                "/companies",
                json!({"name": format!("rust-{r}-{i}")}),
            );
        }
        let res = batch.execute().await.expect("strict batch");
        assert_eq!(res.successful, 1000);
        if r >= 2 {
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    rows.push(
        "batch_1000",
        "erp-api-client",
        "p50_ms",
        pct(&mut times, 50),
        runs,
    );
    rows.push(
        "batch_1000",
        "erp-api-client",
        "p95_ms",
        pct(&mut times, 95),
        runs,
    );

    // 4. 10,000-row CSV import (chunks of 1000)
    let rows_n = 10_000;
    let mut times = Vec::new();
    for r in 0..3 {
        let csv = csv_text("rust", r, rows_n);
        let t = Instant::now();
        let res = client
            .batch()
            .from_csv("inventory-items", csv)
            .execute()
            .await
            .expect("import");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!((res.imported, res.failed), (rows_n, 0));
    }
    rows.push(
        "csv_10k",
        "erp-api-client",
        "ms",
        pct(&mut times, 50),
        rows_n,
    );

    // 5. verify a 1 KB delivery
    let wh = Webhook::new(&e.secret).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let headers = wh.sign("msg_bench", now, &e.body);
    let n = scaled(200_000, e.scale);
    let key = Base64::decode_vec(e.secret.strip_prefix("whsec_").unwrap()).unwrap();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    let (id, ts, sig) = (
        get("webhook-id"),
        get("webhook-timestamp"),
        get("webhook-signature"),
    );
    let by_hand = |parse: bool| {
        let ts_n: i64 = ts.parse().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((now - ts_n).abs() <= 300);
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(ts.as_bytes());
        mac.update(b".");
        mac.update(&e.body);
        let expected = mac.finalize().into_bytes();
        let given = Base64::decode_vec(sig.strip_prefix("v1,").unwrap()).unwrap();
        assert!(bool::from(given.as_slice().ct_eq(expected.as_slice())));
        if parse {
            black_box(serde_json::from_slice::<Value>(&e.body).unwrap());
        }
    };
    // Interleaved rounds, so drift hits all four alike.
    let mut fns: Vec<(&str, Timed<'_>)> = vec![
        (
            "erp-api-client",
            Box::new(|| {
                black_box(wh.verify(black_box(&e.body), &headers).unwrap());
            }),
        ),
        ("hmac + serde_json", Box::new(|| by_hand(true))),
        ("hmac (signature only)", Box::new(|| by_hand(false))),
        (
            "erp verify_signature",
            Box::new(|| wh.verify_signature(black_box(&e.body), &headers).unwrap()),
        ),
    ];
    let mut secs = vec![0f64; fns.len()];
    for (_, f) in fns.iter_mut() {
        for _ in 0..n / 10 {
            f();
        }
    }
    for _ in 0..5 {
        for (i, (_, f)) in fns.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..n / 5 {
                f();
            }
            secs[i] += t.elapsed().as_secs_f64();
        }
    }
    for (i, (name, _)) in fns.iter().enumerate() {
        rows.push(
            "verify",
            name,
            "us_per_call",
            secs[i] / (n / 5 * 5) as f64 * 1e6,
            n,
        );
    }

    std::fs::write(&out, serde_json::to_vec_pretty(&rows.0).unwrap()).expect("BENCH_OUT");
}

/// The same CSV every face imports: `sku,name,quantity,unit_price`, skus unique per face and run.
fn csv_text(face: &str, run: usize, n: usize) -> String {
    let mut s = String::from("sku,name,quantity,unit_price\n");
    for i in 0..n {
        s.push_str(&format!(
            "{face}-{run}-{i},Item {i},{},{}.25\n",
            i % 100,
            i % 50
        ));
    }
    s
}

async fn run_concurrent<F, Fut>(n: usize, in_flight: usize, make: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..in_flight {
        let (make, next) = (make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                make().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
