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
    // End to end through the Rust SDK: build, send, the sandbox's one transaction, decode.
    let sb = Sandbox::start();
    let client = erp_api_client::Client::builder(&sb.base)
        .api_key(&sb.key)
        .build()
        .unwrap();
    let mut times = Vec::new();
    for b in 0..25 {
        let mut batch = client.batch().strict();
        for i in 0..1000 {
            batch = batch.add(
                erp_api_client::Method::Post,
                "/companies",
                json!({"name": format!("c{b}-{i}")}),
            );
        }
        let t = Instant::now();
        let r = batch.execute().await.unwrap();
        times.push(t.elapsed());
        assert_eq!(r.successful, 1000);
    }
    eprintln!(
        "1000-op strict batch through the Rust SDK: p50 {:?}, p95 {:?} (25 runs)",
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_event_to_delivery_latency_at_1000_per_second() {
    // Creates paced at 1000/s for 3 s (each on its own task, so a slow answer does not lower
    // the rate); latency = the receiver's arrival time - the time the create answered.
    let sb = Sandbox::start_with(&["--rate-limit", "100000"]);
    let rx = Receiver::start(200).await;
    sb.post(
        "/webhooks",
        json!({"url": rx.url(), "events": ["company.created"]}),
    )
    .await;
    let client = erp_api_client::Client::builder(&sb.base)
        .api_key(&sb.key)
        .build()
        .unwrap();
    let total = 3000usize;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total);
    let t0 = Instant::now();
    for i in 0..total {
        tick.tick().await;
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            let r = c
                .companies()
                .create(json!({"name": format!("p{i}")}))
                .await
                .unwrap();
            (r["id"].as_str().unwrap().to_owned(), Instant::now())
        }));
    }
    let mut answered = std::collections::HashMap::new();
    for t in tasks {
        let (id, at) = t.await.unwrap();
        answered.insert(id, at);
    }
    let sent_rate = total as f64 / t0.elapsed().as_secs_f64();
    wait_for(Duration::from_secs(60), "all deliveries", || async {
        (rx.count() >= total).then_some(())
    })
    .await;
    let mut lat: Vec<Duration> = rx
        .all()
        .iter()
        .filter_map(|r| {
            let id = r.json()["data"]["id"].as_str()?.to_owned();
            Some(r.at.saturating_duration_since(*answered.get(&id)?))
        })
        .collect();
    assert_eq!(lat.len(), total);
    eprintln!(
        "event-to-delivery latency at {sent_rate:.0} events/s: p50 {:?}, p99 {:?}",
        pct(&mut lat, 50),
        pct(&mut lat, 99)
    );
}
