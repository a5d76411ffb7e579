//! Rough throughput figures; ignored by default. Run with
//! `cargo test -p erp-sandbox --release --test bench -- --ignored --nocapture`.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn pct(v: &mut [Duration], p: usize) -> Duration {
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_strict_batch() {
    let sb = Sandbox::start();
    let mut times = Vec::new();
    for b in 0..20 {
        let ops: Vec<Value> = (0..1000)
            .map(|i| json!({"method": "POST", "path": "/companies", "body": {"name": format!("c{b}-{i}")}}))
            .collect();
        let t = Instant::now();
        let r = sb
            .post("/batch", json!({"mode": "strict", "operations": ops}))
            .await;
        times.push(t.elapsed());
        assert_eq!(r.body["successful"], 1000);
    }
    eprintln!(
        "1000-op strict batch over HTTP (raw reqwest, no webhooks): p50 {:?}, p95 {:?}",
        pct(&mut times, 50),
        pct(&mut times, 95)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_deliveries() {
    let sb = Sandbox::start();
    let rx = Receiver::start(200).await;
    sb.post(
        "/webhooks",
        json!({"url": rx.url(), "events": ["company.created"]}),
    )
    .await;
    let total = 10_000;
    let t0 = Instant::now();
    for b in 0..total / 1000 {
        let ops: Vec<Value> = (0..1000)
            .map(|i| json!({"method": "POST", "path": "/companies", "body": {"name": format!("c{b}-{i}")}}))
            .collect();
        let r = sb
            .post("/batch", json!({"mode": "strict", "operations": ops}))
            .await;
        assert_eq!(r.body["successful"], 1000);
    }
    wait_for(Duration::from_secs(120), "all deliveries", || async {
        (rx.count() >= total).then_some(())
    })
    .await;
    let el = t0.elapsed();
    eprintln!(
        "{total} signed deliveries in {el:?}: {:.0}/s",
        total as f64 / el.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_event_to_delivery_latency() {
    let sb = Sandbox::start();
    let rx = Receiver::start(200).await;
    sb.post(
        "/webhooks",
        json!({"url": rx.url(), "events": ["company.created"]}),
    )
    .await;
    // one create at a time, paced; latency = receipt time - time the create returned
    let mut lat = Vec::new();
    for i in 0..300 {
        let before = rx.count();
        let r = sb
            .post("/companies", json!({"name": format!("l{i}")}))
            .await;
        let committed = Instant::now();
        assert_eq!(r.status, 201);
        let got = wait_for(Duration::from_secs(5), "delivery", || async {
            (rx.count() > before).then(|| rx.all()[before].at)
        })
        .await;
        lat.push(got.saturating_duration_since(committed));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    eprintln!(
        "event-to-delivery latency: p50 {:?}, p99 {:?}",
        pct(&mut lat, 50),
        pct(&mut lat, 99)
    );
}
