//! `erp-sandbox`: a local server that implements the ERP API for real
//! (embedded SQLite) and delivers signed webhooks.

mod api;
mod batch;
mod db;
mod dispatcher;
mod events;
mod resources;
mod server;
mod util;
mod webhooks;

use axum::http::{HeaderName, HeaderValue, Method as HttpMethod};
use axum::response::Response;
use clap::{Args, Parser, Subcommand};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

#[derive(Parser)]
#[command(
    name = "erp-sandbox",
    version,
    about = "A local ERP API server with real storage and signed webhooks"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        cmd: KeysCmd,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Create an API key and print it (`api key: <key>`).
    Create {
        /// Tenant the key belongs to.
        #[arg(long, default_value = "ten_default")]
        tenant: String,
        /// Comma-separated scopes, or `*` for every scope.
        #[arg(long, default_value = "*")]
        scopes: String,
        /// SQLite database file.
        #[arg(long, default_value = "./.sandbox/sandbox.db")]
        db: PathBuf,
    },
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// SQLite database file.
    #[arg(long, default_value = "./.sandbox/sandbox.db")]
    db: PathBuf,
    /// Enable the /_test/ endpoints (fault injection, request log, keys).
    #[arg(long)]
    test_controls: bool,
    /// Requests per second per API key (token bucket refill rate); `N,BURST` also sets the burst.
    #[arg(long, default_value = "1000", value_parser = parse_rate)]
    rate_limit: (f64, Option<f64>),
    /// Bucket size per API key (default: twice the rate).
    #[arg(long)]
    rate_burst: Option<f64>,
    /// Allowed CORS origin (repeatable, or `*`).
    #[arg(long = "cors-origin")]
    cors_origin: Vec<String>,
    /// How long an open circuit stays open before one probe (seconds, fractions allowed).
    #[arg(long, default_value_t = 3600.0)]
    circuit_cooldown_secs: f64,
    /// Use this bootstrap API key (tenant `ten_default`, every scope) instead of a random one.
    #[arg(long)]
    api_key: Option<String>,
}

/// `N` or `N,BURST` (requests per second, bucket size).
fn parse_rate(s: &str) -> Result<(f64, Option<f64>), String> {
    let (r, b) = match s.split_once(',') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let num = |x: &str| -> Result<f64, String> {
        match x.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
            _ => Err(format!("`{x}` is not a positive number")),
        }
    };
    Ok((num(r)?, b.map(num).transpose()?))
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.cmd {
        Some(Cmd::Keys {
            cmd: KeysCmd::Create { tenant, scopes, db },
        }) => keys_create(&tenant, &scopes, &db),
        Some(Cmd::Serve(a)) => serve_main(a),
        None => serve_main(cli.serve),
    };
    std::process::exit(code);
}

fn keys_create(tenant: &str, scopes: &str, path: &std::path::Path) -> i32 {
    let scopes = match db::parse_scopes(scopes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let res = db::open(path).and_then(|c| {
        let k = db::new_api_key();
        db::insert_key(&c, &k, tenant, &scopes).map(|_| k)
    });
    match res {
        Ok(k) => {
            println!("api key: {k}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn serve_main(a: ServeArgs) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match rt.block_on(serve(a)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let rid = util::new_id("req");
    let e = util::ApiError::internal("internal error");
    let mut r = server::error_response(&e, &rid);
    if let Ok(v) = HeaderValue::from_str(&rid) {
        r.headers_mut().insert("x-request-id", v);
    }
    r
}

async fn ensure_request_id(mut r: Response) -> Response {
    if !r.headers().contains_key("x-request-id") {
        if let Ok(v) = HeaderValue::from_str(&util::new_id("req")) {
            r.headers_mut().insert("x-request-id", v);
        }
    }
    r
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let expose: Vec<HeaderName> = [
        "x-request-id",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
        "idempotent-replayed",
        "location",
    ]
    .iter()
    .map(|h| HeaderName::from_static(h))
    .collect();
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                HttpMethod::GET,
                HttpMethod::POST,
                HttpMethod::PATCH,
                HttpMethod::DELETE,
                HttpMethod::OPTIONS,
            ])
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers(expose)
            .max_age(Duration::from_secs(600)),
    )
}

async fn serve(a: ServeArgs) -> Result<(), String> {
    let conn = db::open(&a.db).map_err(|e| format!("opening {}: {e}", a.db.display()))?;
    if let Some(k) = db::bootstrap(&conn, a.api_key.as_deref()).map_err(|e| e.to_string())? {
        println!("api key: {k}");
    }
    // Checkpoints run on their own connection and thread, so that a write (a batch commit)
    // never pays for copying the WAL back into the database.
    db::start_checkpointer(&conn, &a.db).map_err(|e| format!("checkpointer: {e}"))?;
    let db = Arc::new(Mutex::new(conn));
    let secs = a.circuit_cooldown_secs;
    let cooldown = Duration::from_secs_f64(if secs.is_finite() {
        secs.clamp(0.0, 1e9)
    } else {
        3600.0
    });
    let disp = dispatcher::Dispatcher::new(db, cooldown);
    disp.recover().map_err(|e| e.to_string())?;
    let rate = a.rate_limit.0;
    let burst = a
        .rate_burst
        .or(a.rate_limit.1)
        .unwrap_or(rate * 2.0)
        .max(1.0);
    let state = Arc::new(server::AppState::new(
        disp.clone(),
        a.test_controls,
        rate,
        burst,
    ));

    let mut app = axum::Router::new()
        .fallback(server::handle)
        .with_state(state)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ));
    if let Some(c) = cors(&a.cors_origin) {
        app = app.layer(c);
    }
    let app = app.layer(axum::middleware::map_response(ensure_request_id));

    let listener = tokio::net::TcpListener::bind(a.listen)
        .await
        .map_err(|e| format!("binding {}: {e}", a.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{local}");
    let _ = std::io::stdout().flush();

    let (stop_tx, stop_rx) = watch::channel(false);
    let disp_task = tokio::spawn(disp.clone().run(stop_rx.clone()));
    let unfinished = {
        let conn = dispatcher::lock(&disp.db);
        batch::unfinished(&conn).map_err(|e| e.to_string())?
    };
    for id in unfinished {
        tokio::spawn(batch::run_async(disp.clone(), id));
    }
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });

    let active = Arc::new(AtomicUsize::new(0));
    let mut stop = stop_rx.clone();
    loop {
        tokio::select! {
            acc = listener.accept() => {
                let Ok((stream, _)) = acc else {
                    // e.g. out of file descriptors: back off a little
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let kill = Arc::new(Notify::new());
                let k2 = kill.clone();
                let svc = app.clone().map_request(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(server::ConnKill(k2.clone()));
                    req
                });
                let mut stop = stop_rx.clone();
                let active = active.clone();
                active.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = kill.notified() => {}
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(5), conn.as_mut()).await;
                        }
                    }
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while active.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), disp_task).await;
    eprintln!("erp-sandbox: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
