//! Test support: start the real `erp-sandbox` binary, talk to it over HTTP,
//! and run a webhook receiver on 127.0.0.1.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Sandbox {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    pub base: String,
    pub key: String,
    pub db: PathBuf,
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let mut s = Self::start_at(&db, extra);
        s._dir = Some(dir);
        s
    }

    /// Starts on an existing (or new) database file; `key` is read from the
    /// first-start line, or stays empty on a restart.
    pub fn start_at(db: &Path, extra: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_erp-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .arg("--test-controls")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start erp-sandbox");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut key = String::new();
        let base;
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("erp-sandbox exited before listening");
            }
            let line = line.trim();
            if let Some(k) = line.strip_prefix("api key: ") {
                key = k.to_string();
            } else if let Some(a) = line.strip_prefix("listening on ") {
                base = a.to_string();
                break;
            }
        }
        Sandbox {
            child,
            _stdout: out,
            base,
            key,
            db: db.to_path_buf(),
            client: client(),
            _dir: None,
        }
    }

    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, no cleanup.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/_test") {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/api/v1{}", self.base, path)
        }
    }

    pub async fn req_full(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut rb = self.client.request(method, self.url(path));
        if let Some(k) = key {
            rb = rb.header("X-API-Key", k);
        }
        for (n, v) in headers {
            rb = rb.header(*n, *v);
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.req_full(Method::GET, path, Some(&self.key), None, &[])
            .await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.req_full(Method::POST, path, Some(&self.key), Some(&body), &[])
            .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.req_full(Method::PATCH, path, Some(&self.key), Some(&body), &[])
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.req_full(Method::DELETE, path, Some(&self.key), None, &[])
            .await
    }

    /// A new key through the test controls.
    pub async fn new_key(&self, tenant: &str, scopes: &str) -> String {
        let r = self
            .req_full(
                Method::POST,
                "/_test/keys",
                None,
                Some(&serde_json::json!({ "tenant": tenant, "scopes": scopes })),
                &[],
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["api_key"].as_str().unwrap().to_string()
    }
}

/// Polls `f` until it returns Some, or panics after `timeout`.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    pub fn header(&self, n: &str) -> &str {
        self.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

#[derive(Clone)]
struct RecvState {
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

/// A webhook receiver on 127.0.0.1 that records every request and answers
/// with a settable status.
pub struct Receiver {
    pub addr: SocketAddr,
    pub got: Arc<Mutex<Vec<Received>>>,
    pub status: Arc<AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(s): State<RecvState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    s.got.lock().unwrap().push(Received {
        at: Instant::now(),
        headers,
        body,
    });
    let code = s.status.load(Ordering::SeqCst);
    (StatusCode::from_u16(code).unwrap(), "ok")
}

impl Receiver {
    pub async fn start(status: u16) -> Receiver {
        Self::start_on("127.0.0.1:0".parse().unwrap(), status).await
    }

    pub async fn start_on(addr: SocketAddr, status: u16) -> Receiver {
        let l = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = l.local_addr().unwrap();
        let st = RecvState {
            got: Arc::new(Mutex::new(Vec::new())),
            status: Arc::new(AtomicU16::new(status)),
        };
        let app = axum::Router::new().fallback(receive).with_state(st.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(l, app).await;
        });
        Receiver {
            addr,
            got: st.got,
            status: st.status,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }
    pub fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
    pub fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
    pub fn set_status(&self, s: u16) {
        self.status.store(s, Ordering::SeqCst);
    }
}

/// A port that nothing listens on (bound, then released).
pub fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}
