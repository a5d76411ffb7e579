//! The erp-api-client quickstart, in Rust.
//!
//! Run it against the sandbox (`make demo` does all of this for you):
//! `ERP_BASE_URL=http://127.0.0.1:8080 ERP_API_KEY=sk_... cargo run -p erp-quickstart`
//!
//! It creates companies with a strict batch, lists them with a filter, registers a webhook
//! to a receiver it runs itself on 127.0.0.1, creates a company, receives and verifies the
//! signed delivery, and shows the delivery history.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use erp_api_client::{Client, DeliveryQuery, Method, Webhook};
use serde_json::json;
use tokio::sync::mpsc;

type Received = (Bytes, Vec<(String, String)>);

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let base_url = std::env::var("ERP_BASE_URL").map_err(|_| "set ERP_BASE_URL")?;
    let api_key = std::env::var("ERP_API_KEY").map_err(|_| "set ERP_API_KEY")?;
    let client = Client::builder(&base_url).api_key(api_key).build()?;
    let run_id = format!(
        "{:x}",
        started.elapsed().as_nanos() ^ u128::from(std::process::id())
    );

    // 1. Create three companies atomically: all or nothing.
    let mut batch = client
        .batch()
        .strict()
        .idempotency_key(format!("quickstart-{run_id}"));
    for name in ["Acme GmbH", "Globex AG", "Initech KG"] {
        batch = batch.add(
            Method::Post,
            "/companies",
            json!({"name": name, "country": "DE"}),
        );
    }
    let result = batch.execute().await?;
    println!(
        "batch {}: {} of {} operations succeeded ({:?}, {} ms)",
        result.id, result.successful, result.total, result.status, result.duration_ms
    );

    // 2. List them back with a filter, newest first.
    let page = client
        .companies()
        .filter("country", "DE")
        .sort("-created_at")
        .limit(5)
        .list()
        .await?;
    let names: Vec<&str> = page
        .data
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    println!("companies in DE (newest first): {}", names.join(", "));

    // 3. Run a receiver on 127.0.0.1 and register a webhook that points at it.
    let (tx, mut rx) = mpsc::channel::<Received>(16);
    let app = Router::new().route(
        "/hooks",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let headers = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                let _ = tx.send((body, headers)).await;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/hooks", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let hook = client
        .webhooks()
        .register(&hook_url, ["company.created"])
        .await?;
    println!(
        "webhook {} registered for company.created -> {hook_url}",
        hook.id
    );
    let secret = hook
        .secret
        .clone()
        .ok_or("the API returned no webhook secret")?;

    // 4. Create a company: the API emits company.created and delivers it, signed.
    let company = client
        .companies()
        .create(json!({"name": "Umbrella SE", "country": "DE"}))
        .await?;
    println!(
        "created company {} ({})",
        company["id"].as_str().unwrap_or("?"),
        company["name"].as_str().unwrap_or("?")
    );

    // 5. Receive the delivery and verify its signature before trusting it.
    let verifier = Webhook::new(&secret)?;
    let (body, headers) = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .map_err(|_| "no webhook delivery arrived within 15 s")?
        .ok_or("receiver stopped")?;
    let event = verifier.verify(&body, &headers)?;
    println!(
        "received {} {} for {}: signature verified",
        event["type"].as_str().unwrap_or("?"),
        event["id"].as_str().unwrap_or("?"),
        event["data"]["id"].as_str().unwrap_or("?")
    );

    // 6. The delivery history, as the API recorded it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let deliveries = client
        .webhooks()
        .deliveries(&hook.id, &DeliveryQuery::default())
        .await?;
    for d in &deliveries.data {
        println!(
            "delivery {}: {} {} after {} attempt(s), last status {}",
            d.id,
            d.event_type,
            d.status,
            d.attempt_count,
            d.last_status_code.map_or("-".to_owned(), |s| s.to_string())
        );
    }

    client.webhooks().delete(&hook.id).await?;
    server.abort();
    println!(
        "rust quickstart: done in {} ms (1 webhook delivery verified)",
        started.elapsed().as_millis()
    );
    Ok(())
}
