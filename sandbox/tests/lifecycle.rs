//! Process lifecycle: graceful shutdown, async batches resumed after a crash.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_gracefully() {
    let sb = Sandbox::start();
    assert_eq!(sb.get("/companies").await.status, 200);
    let pid = sb.pid();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let mut sb = sb;
    let t = Instant::now();
    let code = loop {
        if let Some(c) = sb.try_wait() {
            break c;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(code.success(), "{code:?}");
}

async fn count_all(sb: &Sandbox, res: &str) -> usize {
    let mut n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/{res}?limit=100&cursor={c}"),
            None => format!("/{res}?limit=100"),
        };
        let r = sb.get(&path).await;
        n += r.body["data"].as_array().unwrap().len();
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return n,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_batch_resumes_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let sb = Sandbox::start_at(&db, &[]);
    let key = sb.key.clone();
    let ops: Vec<Value> = (0..600)
        .map(|i| json!({"method": "POST", "path": "/companies", "body": {"name": format!("c{i}")}}))
        .collect();
    let r = sb
        .post(
            "/batch",
            json!({"mode": "lenient", "async": true, "operations": ops}),
        )
        .await;
    assert_eq!(r.status, 202);
    let id = r.body["id"].as_str().unwrap().to_string();
    // kill it once it has started, mid-way
    let seen = wait_for(Duration::from_secs(10), "batch to start", || {
        let sb = &sb;
        let id = id.clone();
        async move {
            let g = sb.get(&format!("/batch/{id}")).await;
            let p = g.body["processed"].as_u64().unwrap_or(0);
            (p > 0).then_some(p)
        }
    })
    .await;
    sb.kill();
    eprintln!("killed after {seen} of 600 operations");
    let mut sb = Sandbox::start_at(&db, &[]);
    sb.key = key;
    let done = wait_for(Duration::from_secs(30), "resumed batch", || {
        let sb = &sb;
        let id = id.clone();
        async move {
            let g = sb.get(&format!("/batch/{id}")).await;
            (g.body["status"] == "completed").then_some(g.body)
        }
    })
    .await;
    assert_eq!(done["processed"], 600);
    assert_eq!(done["successful"], 600);
    assert_eq!(done["results"].as_array().unwrap().len(), 600);
    assert_eq!(
        count_all(&sb, "companies").await,
        600,
        "each operation ran exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_in_the_background() {
    // Commits do not checkpoint (wal_autocheckpoint=0); a background connection does. With
    // it, the WAL is reused from the start after each checkpoint and stays small; without
    // it, 12 batches of 1000 creates would leave well over 12 MB of WAL.
    let sb = Sandbox::start();
    for b in 0..12 {
        let ops: Vec<Value> = (0..1000)
            .map(|i| json!({"method": "POST", "path": "/companies", "body": {"name": format!("w{b}-{i}")}}))
            .collect();
        let r = sb
            .post("/batch", json!({"mode": "strict", "operations": ops}))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut wal = sb.db.clone().into_os_string();
    wal.push("-wal");
    let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(size < 8 << 20, "WAL is {size} bytes: not checkpointed");
    assert_eq!(count_all(&sb, "companies").await, 12_000);
}
