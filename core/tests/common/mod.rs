//! A tiny scripted HTTP/1.1 server for fault tests: real sockets on 127.0.0.1, a free port,
//! keep-alive, and per-request actions (respond, stall, drop the connection).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What to do with a request.
pub enum Action {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        delay: Duration,
    },
    /// Close the connection without answering.
    Drop,
}

pub fn json(status: u16, body: serde_json::Value) -> Action {
    Action::Respond {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string(),
        delay: Duration::ZERO,
    }
}

pub fn with_header(a: Action, k: &str, v: &str) -> Action {
    match a {
        Action::Respond {
            status,
            mut headers,
            body,
            delay,
        } => {
            headers.push((k.into(), v.into()));
            Action::Respond {
                status,
                headers,
                body,
                delay,
            }
        }
        other => other,
    }
}

pub fn delayed(a: Action, d: Duration) -> Action {
    match a {
        Action::Respond {
            status,
            headers,
            body,
            ..
        } => Action::Respond {
            status,
            headers,
            body,
            delay: d,
        },
        other => other,
    }
}

pub fn api_error(status: u16, code: &str, message: &str) -> Action {
    json(
        status,
        serde_json::json!({"error": {"code": code, "message": message, "details": null, "request_id": format!("req_{status}")}}),
    )
}

type Handler = dyn Fn(usize, &SeenRequest) -> Action + Send + Sync;

/// The running server. Stops when dropped (its task is aborted).
pub struct Server {
    pub url: String,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a server; `handler(n, req)` gets the 0-based number of the request.
    pub async fn start(
        handler: impl Fn(usize, &SeenRequest) -> Action + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let _ = serve_conn(sock, handler, seen).await;
                });
            }
        });
        Server { url, seen, task }
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn serve_conn(
    mut sock: TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Read until the end of the headers.
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_owned();
        let target = first.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + len {
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + len].to_vec();
        buf.drain(..body_start + len);
        let req = SeenRequest {
            method,
            target,
            headers,
            body,
        };
        let n = {
            let mut s = seen.lock().unwrap();
            s.push(req.clone());
            s.len() - 1
        };
        match handler(n, &req) {
            Action::Drop => return Ok(()),
            Action::Respond {
                status,
                headers,
                body,
                delay,
            } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                if !headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("x-request-id"))
                {
                    out.push_str(&format!("x-request-id: req_hdr_{n}\r\n"));
                }
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&body);
                sock.write_all(out.as_bytes()).await?;
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
