//! Runs every case of every file in `spec/vectors/` against the core.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use base64ct::{Base64, Encoding};
use erp_api_client::retry::{Decision, Outcome};
use erp_api_client::{
    Batch, BatchMode, Client, Error, Method, Op, PreparedRequest, RequestOptions, RetryPolicy,
    Webhook,
};
use serde_json::{Map, Value};

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn cases<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("no {key}"))
}

fn headers_of(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------- signatures

#[test]
fn signature_vectors() {
    let v = load("signatures.json");
    let verify = cases(&v, "verify");
    assert!(verify.len() >= 30, "need at least 30 verify cases");
    let mut reasons_seen = std::collections::BTreeSet::new();
    for c in verify {
        let name = c["name"].as_str().unwrap();
        let secrets: Vec<&str> = c["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let expected = &c["expected"];
        let body = c["body"].as_str().unwrap().as_bytes();
        let headers = headers_of(&c["headers"]);
        let now = c["now"].as_i64().unwrap();
        let webhook = Webhook::with_secrets(&secrets)
            .map(|wh| wh.tolerance(Duration::from_secs(c["tolerance_sec"].as_u64().unwrap())));
        // Signature only: the same outcome, except that a body that is not JSON passes.
        let sig_only = webhook
            .as_ref()
            .map_err(|e| e.verification_failure())
            .and_then(|wh| {
                wh.verify_signature_at(body, &headers, now)
                    .map_err(|e| e.verification_failure())
            });
        let expected_sig_only = match expected["reason"].as_str() {
            None | Some("invalid_payload") => Ok(()),
            Some(r) => Err(Some(r)),
        };
        assert_eq!(
            sig_only.map_err(|f| f.map(|f| f.as_str())),
            expected_sig_only,
            "{name}: verify_signature"
        );
        let result = webhook.and_then(|wh| wh.verify_at(body, &headers, now));
        if expected["valid"].as_bool().unwrap() {
            let event = result.unwrap_or_else(|e| panic!("{name}: expected valid, got {e}"));
            assert_eq!(event, expected["event"], "{name}");
        } else {
            let err = match result {
                Ok(_) => panic!("{name}: expected {}, got valid", expected["reason"]),
                Err(e) => e,
            };
            assert_eq!(err.kind(), "webhook_verification", "{name}");
            let reason = err.verification_failure().unwrap().as_str();
            assert_eq!(
                reason,
                expected["reason"].as_str().unwrap(),
                "{name}: {err}"
            );
            reasons_seen.insert(reason);
            for s in &secrets {
                if s.len() > 8 {
                    assert!(!err.to_string().contains(s), "{name}: secret in message");
                }
            }
        }
    }
    assert_eq!(reasons_seen.len(), 7, "every failure reason has a case");

    for c in cases(&v, "sign") {
        let name = c["name"].as_str().unwrap();
        let secrets: Vec<&str> = c["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let wh = Webhook::with_secrets(&secrets).unwrap();
        let got = wh.sign(
            c["msg_id"].as_str().unwrap(),
            c["timestamp"].as_i64().unwrap(),
            c["body"].as_str().unwrap().as_bytes(),
        );
        let got: Map<String, Value> = got.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
        assert_eq!(Value::Object(got), c["expected_headers"], "{name}");
    }
}

// ---------------------------------------------------------------- retry

fn policy_from(defaults: &Value, over: Option<&Value>) -> RetryPolicy {
    let get = |k: &str| {
        over.and_then(|o| o.get(k))
            .unwrap_or(&defaults[k])
            .as_u64()
            .unwrap()
    };
    RetryPolicy {
        max_retries: get("max_retries") as u32,
        base_delay: Duration::from_millis(get("base_delay_ms")),
        max_delay: Duration::from_millis(get("max_delay_ms")),
        max_retry_after: Duration::from_millis(get("max_retry_after_ms")),
    }
}

#[test]
fn retry_vectors() {
    let v = load("retry.json");
    let now: SystemTime = httpdate::parse_http_date(v["now"].as_str().unwrap()).unwrap();
    let cs = cases(&v, "cases");
    assert!(cs.len() >= 20);
    for c in cs {
        let name = c["name"].as_str().unwrap();
        let policy = policy_from(&v["default_policy"], c.get("policy"));
        let o = &c["outcome"];
        let headers = headers_of(&o["headers"]);
        let outcome = match o.get("error").and_then(Value::as_str) {
            Some("connection") => Outcome::Connection,
            Some("timeout") => Outcome::Timeout,
            Some(other) => panic!("{name}: unknown error kind {other}"),
            None => Outcome::Status {
                status: o["status"].as_u64().unwrap() as u16,
                retry_after: headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                    .map(|(_, v)| v.as_str()),
            },
        };
        let d = policy.decide(c["retries_done"].as_u64().unwrap() as u32, &outcome, now);
        let e = &c["expected"];
        if e["retry"].as_bool().unwrap() {
            let min = Duration::from_millis(e["min_delay_ms"].as_u64().unwrap());
            let max = Duration::from_millis(e["max_delay_ms"].as_u64().unwrap());
            assert_eq!(d, Decision::Retry { min, max }, "{name}");
            for _ in 0..50 {
                let x = d.delay().unwrap();
                assert!(x >= min && x <= max, "{name}: {x:?}");
            }
        } else {
            assert_eq!(d, Decision::Stop, "{name}");
        }
    }
}

// ---------------------------------------------------------------- errors

#[test]
fn error_vectors() {
    let v = load("errors.json");
    let now: SystemTime = httpdate::parse_http_date(v["now"].as_str().unwrap()).unwrap();
    for c in cases(&v, "cases") {
        let name = c["name"].as_str().unwrap();
        let body: Vec<u8> = match c.get("body_base64") {
            Some(b) => Base64::decode_vec(b.as_str().unwrap()).unwrap(),
            None => c["body"].as_str().unwrap().as_bytes().to_vec(),
        };
        let err = Error::from_response(
            c["status"].as_u64().unwrap() as u16,
            &headers_of(&c["headers"]),
            &body,
            now,
        );
        let e = &c["expected"];
        assert_eq!(err.kind(), e["kind"].as_str().unwrap(), "{name}");
        assert_eq!(err.code(), e["code"].as_str().unwrap(), "{name}");
        assert_eq!(err.message(), e["message"].as_str().unwrap(), "{name}");
        assert_eq!(err.request_id(), e["request_id"].as_str(), "{name}");
        assert_eq!(
            err.retry_after().map(|d| d.as_secs()),
            e["retry_after"].as_u64(),
            "{name}"
        );
        assert_eq!(
            err.details(),
            e["details"].as_object().map(|_| &e["details"]),
            "{name}"
        );
        assert_eq!(
            err.status(),
            Some(c["status"].as_u64().unwrap() as u16),
            "{name}"
        );
        let kinds = v["kinds"].as_object().unwrap();
        assert!(kinds.contains_key(err.kind()), "{name}");
    }
}

// ---------------------------------------------------------------- requests

fn build_client(c: &Value) -> Result<Client, Error> {
    let mut b = Client::builder(c["base_url"].as_str().unwrap());
    if let Some(k) = c.get("api_key").and_then(Value::as_str) {
        b = b.api_key(k);
    }
    if let Some(t) = c.get("bearer_token").and_then(Value::as_str) {
        b = b.bearer_token(t);
    }
    for (k, v) in headers_of(&c["default_headers"]) {
        b = b.default_header(k, v);
    }
    b.build()
}

fn options_of(o: &Value) -> RequestOptions {
    let mut opts = RequestOptions::new();
    if let Some(k) = o.get("idempotency_key").and_then(Value::as_str) {
        opts = opts.idempotency_key(k);
    }
    for (k, v) in headers_of(&o["headers"]) {
        opts = opts.header(k, v);
    }
    if let Some(ids) = o.get("suppress_webhooks").and_then(Value::as_array) {
        opts = opts.suppress_webhooks(ids.iter().map(|s| s.as_str().unwrap().to_owned()));
    }
    opts
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn prepare_resource(client: &Client, r: &Value) -> Result<PreparedRequest, Error> {
    let mut q = client.resource(r["resource"].as_str().unwrap())?;
    if let Some(fs) = r.get("filters").and_then(Value::as_array) {
        for f in fs {
            q = q.filter(f[0].as_str().unwrap(), display(&f[1]));
        }
    }
    if let Some(s) = r.get("sort").and_then(Value::as_str) {
        q = q.sort(s);
    }
    if let Some(l) = r.get("limit").and_then(Value::as_i64) {
        q = q.limit(l);
    }
    if let Some(c) = r.get("cursor").and_then(Value::as_str) {
        q = q.cursor(c);
    }
    if let Some(o) = r.get("options") {
        q = q.options(&options_of(o));
    }
    let op: Op = r["op"].as_str().unwrap().parse()?;
    q.prepare(op, r.get("id").and_then(Value::as_str), r.get("body"))
}

fn prepare_batch(client: &Client, b: &Value) -> Result<PreparedRequest, Error> {
    let mut batch: Batch = client.batch();
    let ops: Vec<Value> = match b.get("operations_repeat") {
        Some(rep) => vec![rep["operation"].clone(); rep["count"].as_u64().unwrap() as usize],
        None => b["operations"].as_array().unwrap().clone(),
    };
    for op in ops {
        let method: Method = op["method"].as_str().unwrap().parse()?;
        batch = batch.add(
            method,
            op["path"].as_str().unwrap(),
            op.get("body").cloned().unwrap_or(Value::Null),
        );
    }
    if let Some(m) = b.get("mode").and_then(Value::as_str) {
        batch = batch.mode(m.parse::<BatchMode>()?);
    }
    if let Some(s) = b.get("stop_on_error").and_then(Value::as_bool) {
        batch = batch.stop_on_error(s);
    }
    if let Some(p) = b.get("max_parallel").and_then(Value::as_u64) {
        batch = batch.max_parallel(p as u32);
    }
    if let Some(k) = b.get("idempotency_key").and_then(Value::as_str) {
        batch = batch.idempotency_key(k);
    }
    batch.prepare()
}

#[test]
fn request_vectors() {
    let v = load("requests.json");
    let cs = cases(&v, "cases");
    assert!(cs.len() >= 30);
    for c in cs {
        let name = c["name"].as_str().unwrap();
        let result = build_client(&c["client"]).and_then(|client| {
            if let Some(r) = c.get("request") {
                prepare_resource(&client, r)
            } else {
                prepare_batch(&client, &c["batch"])
            }
        });
        if let Some(e) = c.get("expected_error") {
            match result {
                Ok(r) => panic!("{name}: expected an error, got {r:?}"),
                Err(err) => assert_eq!(err.kind(), e["kind"].as_str().unwrap(), "{name}: {err}"),
            }
            continue;
        }
        let r = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = &c["expected"];
        assert_eq!(r.method.as_str(), e["method"].as_str().unwrap(), "{name}");
        assert_eq!(r.url, e["url"].as_str().unwrap(), "{name}");
        assert_eq!(r.path, e["path"].as_str().unwrap(), "{name}");
        assert_eq!(r.query, e["query"].as_str().unwrap(), "{name}");
        for (k, want) in headers_of(&e["headers"]) {
            assert_eq!(r.header(&k), Some(want.as_str()), "{name}: header {k}");
        }
        for k in e["absent_headers"].as_array().unwrap() {
            let k = k.as_str().unwrap();
            assert_eq!(r.header(k), None, "{name}: header {k} should be absent");
        }
        assert!(r
            .header("user-agent")
            .unwrap()
            .starts_with("erp-api-client/"));
        match &e["idempotency_key"] {
            Value::Null => assert_eq!(r.idempotency_key(), None, "{name}"),
            Value::String(s) if s == "generated" => {
                let k = r
                    .idempotency_key()
                    .unwrap_or_else(|| panic!("{name}: no key"));
                let u = uuid::Uuid::parse_str(k).unwrap_or_else(|_| panic!("{name}: {k}"));
                assert_eq!(u.get_version_num(), 4, "{name}");
            }
            Value::String(s) => assert_eq!(r.idempotency_key(), Some(s.as_str()), "{name}"),
            other => panic!("{name}: bad idempotency_key {other}"),
        }
        if let Some(n) = e.get("body_operations_count") {
            let body = r.json().unwrap();
            assert_eq!(
                body["operations"].as_array().unwrap().len() as u64,
                n.as_u64().unwrap(),
                "{name}"
            );
        } else {
            assert_eq!(r.json().unwrap_or(Value::Null), e["body"], "{name}");
        }
    }
}
