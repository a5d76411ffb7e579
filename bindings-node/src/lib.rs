//! The Node.js face of `erp-api-client`: a napi-rs addon over the Rust core.
//!
//! This crate only translates: JS values to core builders and back, core errors to a
//! structured payload the JS wrapper (`lib/api.js`) turns into its error classes, and core
//! futures to Promises on napi's tokio runtime. Retry, backoff, signing, pagination,
//! batching and chunking all live in the core.
//!
//! Errors cross as a napi error whose message is `ERROR_MARK` followed by a JSON object
//! (`kind`, `code`, `status`, `message`, `requestId`, `details`, `retryAfter`, `reason`);
//! the JS wrapper never lets that text reach the user. A panic in Rust becomes the same
//! kind of error (kind `internal`), never a crash.

#![deny(clippy::all)]

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use erp_api_client as core;
use futures_util::FutureExt;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::{json, Map, Value};

/// Prefix of the message of every error this addon throws or rejects with.
const ERROR_MARK: &str = "\u{1}erp:";

// ---------------------------------------------------------------- errors

fn payload_of(e: &core::Error) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), e.kind().into());
    m.insert("code".into(), e.code().into());
    m.insert("message".into(), e.message().into());
    if let Some(s) = e.status() {
        m.insert("status".into(), s.into());
    }
    if let Some(r) = e.request_id() {
        m.insert("requestId".into(), r.into());
    }
    if let Some(d) = e.details() {
        m.insert("details".into(), d.clone());
    }
    if let Some(r) = e.retry_after() {
        m.insert("retryAfter".into(), r.as_secs().into());
    }
    if let Some(r) = e.verification_failure() {
        m.insert("reason".into(), r.as_str().into());
    }
    Value::Object(m)
}

fn marked(payload: &Value) -> Error {
    Error::new(Status::GenericFailure, format!("{ERROR_MARK}{payload}"))
}

fn to_js(e: core::Error) -> Error {
    marked(&payload_of(&e))
}

fn invalid(message: impl Into<String>) -> Error {
    marked(
        &json!({"kind": "invalid_request", "code": "INVALID_REQUEST", "message": message.into()}),
    )
}

fn panic_error(payload: Box<dyn std::any::Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    marked(&json!({
        "kind": "internal",
        "code": "INTERNAL",
        "message": format!("internal error in the native addon: {what}"),
    }))
}

/// Runs a synchronous body, turning a panic into an error.
fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(panic_error(p)))
}

/// Spawns a future on napi's tokio runtime as a Promise, turning a panic into an error.
fn spawn<T, F>(env: &Env, fut: F) -> Result<PromiseRaw<'_, T>>
where
    T: 'static + Send + ToNapiValue,
    F: 'static + Send + Future<Output = Result<T>>,
{
    env.spawn_future(async move {
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(r) => r,
            Err(p) => Err(panic_error(p)),
        }
    })
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| invalid(e.to_string()))
}

fn ms(v: f64) -> Duration {
    // `as` saturates: negative and NaN become 0, which the core rejects with a clear message.
    Duration::from_millis(v as u64)
}

fn pairs(v: Option<Vec<Vec<String>>>) -> Result<Vec<(String, String)>> {
    v.unwrap_or_default()
        .into_iter()
        .map(|p| match <[String; 2]>::try_from(p) {
            Ok([k, v]) => Ok((k, v)),
            Err(_) => Err(invalid("headers must be [name, value] pairs")),
        })
        .collect()
}

// ---------------------------------------------------------------- option objects

/// Client settings (the JS wrapper passes headers as `[name, value]` pairs).
#[napi(object)]
pub struct NativeClientOptions {
    pub api_key: Option<String>,
    pub bearer_token: Option<String>,
    pub base_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub max_retries: Option<u32>,
    pub default_headers: Option<Vec<Vec<String>>>,
    pub user_agent_extra: Option<String>,
}

/// Per-request options.
#[napi(object)]
#[derive(Default)]
pub struct NativeRequestOptions {
    pub timeout_ms: Option<f64>,
    pub max_retries: Option<u32>,
    pub idempotency_key: Option<String>,
    pub headers: Option<Vec<Vec<String>>>,
    pub suppress_webhooks: Option<Vec<String>>,
}

impl NativeRequestOptions {
    fn to_core(o: Option<NativeRequestOptions>) -> Result<core::RequestOptions> {
        let Some(o) = o else {
            return Ok(core::RequestOptions::default());
        };
        Ok(core::RequestOptions {
            timeout: o.timeout_ms.map(ms),
            max_retries: o.max_retries,
            idempotency_key: o.idempotency_key,
            headers: pairs(o.headers)?,
            suppress_webhooks: o.suppress_webhooks.unwrap_or_default(),
        })
    }
}

/// The state of a fluent query.
#[napi(object)]
pub struct NativeQuerySpec {
    pub filters: Option<Vec<Vec<String>>>,
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub options: Option<NativeRequestOptions>,
}

/// One batch operation.
#[napi(object)]
pub struct NativeBatchOperation {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
}

/// Batch settings.
#[napi(object)]
pub struct NativeBatchSettings {
    pub mode: Option<String>,
    pub stop_on_error: Option<bool>,
    pub max_parallel: Option<u32>,
    pub idempotency_key: Option<String>,
    pub chunk_size: Option<u32>,
    pub options: Option<NativeRequestOptions>,
}

/// CSV import settings.
#[napi(object)]
pub struct NativeCsvImportSettings {
    pub validate_only: Option<bool>,
    pub batch_size: Option<u32>,
    pub resume_from: Option<u32>,
    pub idempotency_key: Option<String>,
    pub options: Option<NativeRequestOptions>,
}

/// Webhook parameters (register / update).
#[napi(object)]
pub struct NativeWebhookParams {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub filters: Option<Map<String, Value>>,
    pub max_retries: Option<u32>,
    pub backoff_ms: Option<f64>,
    pub secret: Option<String>,
    pub active: Option<bool>,
    pub description: Option<String>,
}

impl NativeWebhookParams {
    fn into_core(self) -> core::WebhookParams {
        let retry_policy = match (self.max_retries, self.backoff_ms) {
            (None, None) => None,
            (m, b) => Some(core::WebhookRetryPolicy {
                max_retries: m.unwrap_or(5),
                backoff_ms: b.map(|b| b as u64).unwrap_or(1000),
            }),
        };
        core::WebhookParams {
            url: self.url,
            events: self.events,
            filters: self.filters,
            retry_policy,
            secret: self.secret,
            active: self.active,
            description: self.description,
        }
    }
}

/// A dry-run request, as sent.
#[napi(object)]
pub struct NativePreparedRequest {
    pub method: String,
    pub url: String,
    pub path: String,
    pub query: String,
    /// `[name, value]` pairs, names in lower case, in send order.
    pub headers: Vec<Vec<String>>,
    /// The JSON body, or null.
    pub body: Option<Value>,
    pub idempotency_key: Option<String>,
}

fn prepared(r: core::PreparedRequest) -> NativePreparedRequest {
    NativePreparedRequest {
        method: r.method.as_str().to_owned(),
        idempotency_key: r.idempotency_key().map(str::to_owned),
        body: r.json(),
        url: r.url,
        path: r.path,
        query: r.query,
        headers: r.headers.into_iter().map(|(k, v)| vec![k, v]).collect(),
    }
}

type ProgressFn = ThreadsafeFunction<Value, Unknown<'static>, Value, Status, false, true>;

fn progress_value(p: &core::BatchProgress) -> Value {
    json!({
        "chunksDone": p.chunks_done,
        "chunksTotal": p.chunks_total,
        "operationsDone": p.operations_done,
        "operationsTotal": p.operations_total,
        "failed": p.failed,
    })
}

/// A page of records, moved (not copied) into `{ data, nextCursor }`.
fn record_page(p: core::Page) -> Value {
    let mut m = Map::with_capacity(2);
    m.insert("data".into(), Value::Array(p.data));
    m.insert(
        "nextCursor".into(),
        p.next_cursor.map_or(Value::Null, Value::String),
    );
    Value::Object(m)
}

fn page_value<T: serde::Serialize>(p: &core::Page<T>) -> Result<Value> {
    Ok(json!({"data": to_value(&p.data)?, "nextCursor": p.next_cursor}))
}

// ---------------------------------------------------------------- client

/// The native client; the JS `Client` wraps it.
#[napi]
pub struct NativeClient {
    client: core::Client,
}

impl NativeClient {
    fn query(&self, resource: &str, spec: Option<NativeQuerySpec>) -> Result<core::Query> {
        let mut q = self.client.resource(resource).map_err(to_js)?;
        let Some(spec) = spec else {
            return Ok(q);
        };
        for (k, v) in pairs(spec.filters)? {
            q = q.filter(k, v);
        }
        if let Some(s) = spec.sort {
            q = q.sort(s);
        }
        if let Some(l) = spec.limit {
            q = q.limit(l);
        }
        if let Some(c) = spec.cursor {
            q = q.cursor(c);
        }
        if spec.options.is_some() {
            q = q.options(&NativeRequestOptions::to_core(spec.options)?);
        }
        Ok(q)
    }

    fn batch(
        &self,
        ops: Vec<NativeBatchOperation>,
        settings: Option<NativeBatchSettings>,
        progress: Option<ProgressFn>,
    ) -> Result<core::Batch> {
        let mut b = self.client.batch();
        for op in ops {
            let method: core::Method = op.method.parse().map_err(to_js)?;
            b = b.add(method, op.path, op.body.unwrap_or(Value::Null));
        }
        if let Some(s) = settings {
            if let Some(m) = s.mode {
                b = b.mode(m.parse().map_err(to_js)?);
            }
            if let Some(x) = s.stop_on_error {
                b = b.stop_on_error(x);
            }
            if let Some(x) = s.max_parallel {
                b = b.max_parallel(x);
            }
            if let Some(k) = s.idempotency_key {
                b = b.idempotency_key(k);
            }
            if let Some(n) = s.chunk_size {
                b = b.chunk_size(n as usize);
            }
            if s.options.is_some() {
                b = b.options(&NativeRequestOptions::to_core(s.options)?);
            }
        }
        if let Some(f) = progress {
            let f = Arc::new(f);
            b = b.on_progress(move |p| {
                f.call(progress_value(&p), ThreadsafeFunctionCallMode::NonBlocking);
            });
        }
        Ok(b)
    }

    fn csv_import(
        &self,
        resource: &str,
        csv_text: String,
        settings: Option<NativeCsvImportSettings>,
        progress: Option<ProgressFn>,
    ) -> Result<core::CsvImport> {
        let mut imp = self.client.batch().from_csv(resource, csv_text);
        if let Some(s) = settings {
            if let Some(x) = s.validate_only {
                imp = imp.validate_only(x);
            }
            if let Some(n) = s.batch_size {
                imp = imp.batch_size(n as usize);
            }
            if let Some(n) = s.resume_from {
                imp = imp.resume_from(n as usize);
            }
            if let Some(k) = s.idempotency_key {
                imp = imp.idempotency_key(k);
            }
            if s.options.is_some() {
                imp = imp.options(&NativeRequestOptions::to_core(s.options)?);
            }
        }
        if let Some(f) = progress {
            let f = Arc::new(f);
            imp = imp.on_progress(move |p| {
                if let Ok(v) = serde_json::to_value(p) {
                    f.call(v, ThreadsafeFunctionCallMode::NonBlocking);
                }
            });
        }
        Ok(imp)
    }

    fn webhooks(&self, options: Option<NativeRequestOptions>) -> Result<core::Webhooks> {
        let w = self.client.webhooks();
        Ok(match options {
            Some(o) => w.with_options(&NativeRequestOptions::to_core(Some(o))?),
            None => w,
        })
    }
}

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(options: NativeClientOptions) -> Result<Self> {
        guard(|| {
            let mut b = core::Client::builder(options.base_url.unwrap_or_default());
            if let Some(k) = options.api_key {
                b = b.api_key(k);
            }
            if let Some(t) = options.bearer_token {
                b = b.bearer_token(t);
            }
            if let Some(t) = options.timeout_ms {
                b = b.timeout(ms(t));
            }
            if let Some(n) = options.max_retries {
                b = b.max_retries(n);
            }
            for (k, v) in pairs(options.default_headers)? {
                b = b.default_header(k, v);
            }
            b = b.user_agent_extra(
                options
                    .user_agent_extra
                    .unwrap_or_else(|| "node".to_owned()),
            );
            let client = b.build().map_err(to_js)?;
            Ok(NativeClient { client })
        })
    }

    /// The base URL requests go to (ends with `/api/v1`).
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// Dry run of a resource operation.
    #[napi]
    pub fn prepare(
        &self,
        resource: String,
        spec: Option<NativeQuerySpec>,
        op: String,
        id: Option<String>,
        body: Option<Value>,
    ) -> Result<NativePreparedRequest> {
        guard(|| {
            let q = self.query(&resource, spec)?;
            let op: core::Op = op.parse().map_err(to_js)?;
            q.prepare(op, id.as_deref(), body.as_ref())
                .map(prepared)
                .map_err(to_js)
        })
    }

    /// `GET /{resource}`: `{ data, nextCursor }`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn list<'e>(
        &self,
        env: &'e Env,
        resource: String,
        spec: Option<NativeQuerySpec>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let q = guard(|| self.query(&resource, spec))?;
        spawn(env, async move {
            Ok(record_page(q.list().await.map_err(to_js)?))
        })
    }

    /// `GET /{resource}/{id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn get<'e>(
        &self,
        env: &'e Env,
        resource: String,
        spec: Option<NativeQuerySpec>,
        id: String,
    ) -> Result<PromiseRaw<'e, Value>> {
        let q = guard(|| self.query(&resource, spec))?;
        spawn(env, async move { q.get(&id).await.map_err(to_js) })
    }

    /// `POST /{resource}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn create<'e>(
        &self,
        env: &'e Env,
        resource: String,
        spec: Option<NativeQuerySpec>,
        body: Value,
    ) -> Result<PromiseRaw<'e, Value>> {
        let q = guard(|| self.query(&resource, spec))?;
        spawn(env, async move { q.create(body).await.map_err(to_js) })
    }

    /// `PATCH /{resource}/{id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn update<'e>(
        &self,
        env: &'e Env,
        resource: String,
        spec: Option<NativeQuerySpec>,
        id: String,
        body: Value,
    ) -> Result<PromiseRaw<'e, Value>> {
        let q = guard(|| self.query(&resource, spec))?;
        spawn(env, async move { q.update(&id, body).await.map_err(to_js) })
    }

    /// `DELETE /{resource}/{id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn delete<'e>(
        &self,
        env: &'e Env,
        resource: String,
        spec: Option<NativeQuerySpec>,
        id: String,
    ) -> Result<PromiseRaw<'e, Value>> {
        let q = guard(|| self.query(&resource, spec))?;
        spawn(env, async move { q.delete(&id).await.map_err(to_js) })
    }

    /// A cursor over every record of every page.
    #[napi]
    pub fn paginate(
        &self,
        resource: String,
        spec: Option<NativeQuerySpec>,
    ) -> Result<NativePaginator> {
        guard(|| {
            let q = self.query(&resource, spec)?;
            Ok(NativePaginator {
                inner: Arc::new(tokio::sync::Mutex::new(q.paginate())),
            })
        })
    }

    /// Any API path (relative to `/api/v1`); resolves to the JSON body.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn request<'e>(
        &self,
        env: &'e Env,
        method: String,
        path: String,
        query: Option<Vec<Vec<String>>>,
        body: Option<Value>,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (client, method, query, options) = guard(|| {
            let method: core::Method = method.parse().map_err(to_js)?;
            Ok((
                self.client.clone(),
                method,
                pairs(query)?,
                NativeRequestOptions::to_core(options)?,
            ))
        })?;
        spawn(env, async move {
            let r = client
                .request(method, &path, &query, body.as_ref(), &options)
                .await
                .map_err(to_js)?;
            Ok(r.body)
        })
    }

    /// `GET /events/types`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn event_types<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Value>> {
        let client = self.client.clone();
        spawn(
            env,
            async move { client.event_types().await.map_err(to_js) },
        )
    }

    // ------------------------------------------------------------ batch

    /// Dry run of a batch (the first chunk's request).
    #[napi]
    pub fn batch_prepare(
        &self,
        ops: Vec<NativeBatchOperation>,
        settings: Option<NativeBatchSettings>,
    ) -> Result<NativePreparedRequest> {
        guard(|| {
            self.batch(ops, settings, None)?
                .prepare()
                .map(prepared)
                .map_err(to_js)
        })
    }

    /// Runs a batch (chunking lenient batches) and resolves to its result.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn batch_execute<'e>(
        &self,
        env: &'e Env,
        ops: Vec<NativeBatchOperation>,
        settings: Option<NativeBatchSettings>,
        #[napi(ts_arg_type = "(progress: unknown) => void")] on_progress: Option<ProgressFn>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let b = guard(|| self.batch(ops, settings, on_progress))?;
        spawn(env, async move {
            let r = b.execute().await;
            to_value(&r.map_err(to_js)?)
        })
    }

    /// Submits an async batch; resolves to a handle.
    #[napi(ts_return_type = "Promise<NativeBatchHandle>")]
    pub fn batch_submit<'e>(
        &self,
        env: &'e Env,
        ops: Vec<NativeBatchOperation>,
        settings: Option<NativeBatchSettings>,
        #[napi(ts_arg_type = "(progress: unknown) => void")] on_progress: Option<ProgressFn>,
    ) -> Result<PromiseRaw<'e, NativeBatchHandle>> {
        let b = guard(|| self.batch(ops, settings, on_progress))?;
        spawn(env, async move {
            let handle = b.submit().await.map_err(to_js)?;
            Ok(NativeBatchHandle { handle })
        })
    }

    /// Imports CSV rows as records of `resource` (the core parses, chunks and checkpoints);
    /// resolves to the import result (serde's keys).
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn batch_import_csv<'e>(
        &self,
        env: &'e Env,
        resource: String,
        csv_text: String,
        settings: Option<NativeCsvImportSettings>,
        #[napi(ts_arg_type = "(progress: unknown) => void")] on_progress: Option<ProgressFn>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let imp = guard(|| self.csv_import(&resource, csv_text, settings, on_progress))?;
        spawn(env, async move {
            let r = imp.execute().await;
            to_value(&r.map_err(to_js)?)
        })
    }

    /// A handle on an existing batch id.
    #[napi]
    pub fn batch_handle(&self, id: String) -> NativeBatchHandle {
        NativeBatchHandle {
            handle: core::BatchHandle::from_id(&self.client, id),
        }
    }

    // ------------------------------------------------------------ webhooks

    /// `POST /webhooks`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_create<'e>(
        &self,
        env: &'e Env,
        params: NativeWebhookParams,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move {
            to_value(&w.create(params.into_core()).await.map_err(to_js)?)
        })
    }

    /// `GET /webhooks`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_list<'e>(
        &self,
        env: &'e Env,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(
            env,
            async move { page_value(&w.list().await.map_err(to_js)?) },
        )
    }

    /// `GET /webhooks/{id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_get<'e>(
        &self,
        env: &'e Env,
        id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(
            env,
            async move { to_value(&w.get(&id).await.map_err(to_js)?) },
        )
    }

    /// `PATCH /webhooks/{id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_update<'e>(
        &self,
        env: &'e Env,
        id: String,
        params: NativeWebhookParams,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move {
            to_value(&w.update(&id, params.into_core()).await.map_err(to_js)?)
        })
    }

    /// `DELETE /webhooks/{id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_delete<'e>(
        &self,
        env: &'e Env,
        id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move { w.delete(&id).await.map_err(to_js) })
    }

    /// `POST /webhooks/{id}/test`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_test<'e>(
        &self,
        env: &'e Env,
        id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(
            env,
            async move { to_value(&w.test(&id).await.map_err(to_js)?) },
        )
    }

    /// `POST /webhooks/{id}/rotate-secret`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_rotate_secret<'e>(
        &self,
        env: &'e Env,
        id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move {
            to_value(&w.rotate_secret(&id).await.map_err(to_js)?)
        })
    }

    /// `GET /webhooks/{id}/deliveries`.
    #[napi(ts_return_type = "Promise<unknown>")]
    #[allow(clippy::too_many_arguments)]
    pub fn webhook_deliveries<'e>(
        &self,
        env: &'e Env,
        id: String,
        status: Option<String>,
        limit: Option<u32>,
        cursor: Option<String>,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        let q = core::DeliveryQuery {
            status,
            limit,
            cursor,
        };
        spawn(env, async move {
            page_value(&w.deliveries(&id, &q).await.map_err(to_js)?)
        })
    }

    /// `GET /webhooks/{id}/deliveries/{delivery_id}`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_delivery<'e>(
        &self,
        env: &'e Env,
        id: String,
        delivery_id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move {
            to_value(&w.delivery(&id, &delivery_id).await.map_err(to_js)?)
        })
    }

    /// `POST /webhooks/{id}/deliveries/{delivery_id}/retry`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_retry_delivery<'e>(
        &self,
        env: &'e Env,
        id: String,
        delivery_id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move {
            to_value(&w.retry_delivery(&id, &delivery_id).await.map_err(to_js)?)
        })
    }

    /// `GET /webhooks/{id}/stats`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_stats<'e>(
        &self,
        env: &'e Env,
        id: String,
        options: Option<NativeRequestOptions>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let w = guard(|| self.webhooks(options))?;
        spawn(env, async move { w.stats(&id).await.map_err(to_js) })
    }
}

// ---------------------------------------------------------------- paginator

/// Walks every page of a list; the JS async iterator forwards `next()` here.
#[napi]
pub struct NativePaginator {
    inner: Arc<tokio::sync::Mutex<core::Paginator>>,
}

#[napi]
impl NativePaginator {
    /// The next record, or null after the last one.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn next<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Option<Value>>> {
        let inner = self.inner.clone();
        spawn(env, async move {
            inner.lock().await.next().await.map_err(to_js)
        })
    }

    /// The next page (`{ data, nextCursor }`), or null after the last one.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn next_page<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Option<Value>>> {
        let inner = self.inner.clone();
        spawn(env, async move {
            match inner.lock().await.next_page().await.map_err(to_js)? {
                Some(p) => Ok(Some(record_page(p))),
                None => Ok(None),
            }
        })
    }
}

// ---------------------------------------------------------------- batch handle

/// A submitted async batch.
#[napi]
pub struct NativeBatchHandle {
    handle: core::BatchHandle,
}

#[napi]
impl NativeBatchHandle {
    /// `bat_...`
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.handle.id().to_owned()
    }

    /// The batch's current state.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn status<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Value>> {
        let h = self.handle.clone();
        spawn(
            env,
            async move { to_value(&h.status().await.map_err(to_js)?) },
        )
    }

    /// Polls until the batch is done.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn wait<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Value>> {
        let h = self.handle.clone();
        spawn(
            env,
            async move { to_value(&h.wait().await.map_err(to_js)?) },
        )
    }
}

// ---------------------------------------------------------------- webhook verification

/// Webhook verification and signing with one or several secrets.
#[napi]
pub struct NativeWebhook {
    inner: core::Webhook,
}

fn body_bytes<'a>(body: &'a Either<String, Uint8ArraySlice<'a>>) -> &'a [u8] {
    match body {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    }
}

#[napi]
impl NativeWebhook {
    #[napi(constructor)]
    pub fn new(secrets: Vec<String>, tolerance_sec: Option<f64>) -> Result<Self> {
        guard(|| {
            let mut inner = core::Webhook::with_secrets(&secrets).map_err(to_js)?;
            if let Some(t) = tolerance_sec {
                inner = inner.tolerance(Duration::from_secs(t.max(0.0) as u64));
            }
            Ok(NativeWebhook { inner })
        })
    }

    /// Checks only the signature and timestamp, against `now` (unix seconds) or, when it is
    /// `undefined`, the current time; throws on failure. The body is not parsed (a body that
    /// is not JSON passes; `verify` in lib/api.js then parses it with JSON.parse). The four
    /// signature headers come as separate arguments (`webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`, `x-webhook-signature`), absent ones as `undefined`: fewer
    /// conversions than a list.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn check_signature(
        &self,
        body: Either<String, Uint8ArraySlice>,
        id: Option<String>,
        timestamp: Option<String>,
        signature: Option<String>,
        x_signature: Option<String>,
        now: Option<i64>,
    ) -> Result<()> {
        guard(|| {
            let h = SigHeaders([&id, &timestamp, &signature, &x_signature]);
            let body = body_bytes(&body);
            match now {
                Some(now) => self.inner.verify_signature_at(body, &h, now),
                None => self.inner.verify_signature(body, &h),
            }
            .map_err(to_js)
        })
    }

    /// The headers to send with a delivery, as a flat `[name, value, ...]` list.
    #[napi]
    pub fn sign(
        &self,
        msg_id: String,
        timestamp: i64,
        body: Either<String, Uint8ArraySlice>,
    ) -> Result<Vec<String>> {
        guard(|| {
            Ok(self
                .inner
                .sign(&msg_id, timestamp, body_bytes(&body))
                .into_iter()
                .flat_map(|(k, v)| [k, v])
                .collect())
        })
    }
}

/// The four signature headers, in the order `check` takes them, without building a list.
struct SigHeaders<'a>([&'a Option<String>; 4]);

impl core::HeaderLookup for SigHeaders<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        let i = [
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "x-webhook-signature",
        ]
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))?;
        self.0[i].as_deref()
    }
}

// ---------------------------------------------------------------- internal hooks (vectors, tests)

/// Internal: core's retry decision, for the shared vectors. `policy` holds
/// `max_retries`, `base_delay_ms`, `max_delay_ms`, `max_retry_after_ms`; `outcome` holds
/// `error` ("connection" | "timeout") or `status` + `retry_after`; `now` is unix seconds.
/// Returns `{ retry, minDelayMs, maxDelayMs, delayMs }`.
#[napi(js_name = "_retryDecision")]
pub fn retry_decision(policy: Value, retries_done: u32, outcome: Value, now: f64) -> Result<Value> {
    guard(|| {
        use core::retry::{Decision, Outcome};
        let d = core::RetryPolicy::default();
        let get = |k: &str, dflt: u64| policy.get(k).and_then(Value::as_u64).unwrap_or(dflt);
        let p = core::RetryPolicy {
            max_retries: get("max_retries", d.max_retries as u64) as u32,
            base_delay: Duration::from_millis(get(
                "base_delay_ms",
                d.base_delay.as_millis() as u64,
            )),
            max_delay: Duration::from_millis(get("max_delay_ms", d.max_delay.as_millis() as u64)),
            max_retry_after: Duration::from_millis(get(
                "max_retry_after_ms",
                d.max_retry_after.as_millis() as u64,
            )),
        };
        let o = match outcome.get("error").and_then(Value::as_str) {
            Some("connection") => Outcome::Connection,
            Some("timeout") => Outcome::Timeout,
            Some(other) => return Err(invalid(format!("unknown outcome error {other:?}"))),
            None => Outcome::Status {
                status: outcome.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
                retry_after: outcome.get("retry_after").and_then(Value::as_str),
            },
        };
        let now = UNIX_EPOCH + Duration::from_secs(now.max(0.0) as u64);
        let dec = p.decide(retries_done, &o, now);
        Ok(match dec {
            Decision::Stop => json!({"retry": false}),
            Decision::Retry { min, max } => json!({
                "retry": true,
                "minDelayMs": min.as_millis() as u64,
                "maxDelayMs": max.as_millis() as u64,
                "delayMs": dec.delay().map(|d| d.as_millis() as u64),
            }),
        })
    })
}

/// Internal: core's mapping of a non-2xx response to an error; returns the error payload
/// (the JS wrapper turns it into its error class). `headers` is a flat `[name, value, ...]`
/// list; `now` is unix seconds.
#[napi(js_name = "_errorFromResponse")]
pub fn error_from_response(
    status: u32,
    headers: Vec<String>,
    body: Either<String, Uint8ArraySlice>,
    now: f64,
) -> Result<Value> {
    guard(|| {
        let h: Vec<(String, String)> = headers
            .chunks_exact(2)
            .map(|c| (c[0].clone(), c[1].clone()))
            .collect();
        let now = UNIX_EPOCH + Duration::from_secs(now.max(0.0) as u64);
        let e = core::Error::from_response(status as u16, &h, body_bytes(&body), now);
        Ok(payload_of(&e))
    })
}

/// Internal: panics on purpose, to test that a panic becomes an error.
#[napi(js_name = "_panicSync")]
pub fn panic_sync() -> Result<()> {
    guard(|| {
        if SystemTime::now() > UNIX_EPOCH {
            panic!("deliberate test panic (sync)");
        }
        Ok(())
    })
}

/// Internal: panics on purpose inside a future.
#[napi(js_name = "_panicAsync", ts_return_type = "Promise<void>")]
pub fn panic_async(env: &Env) -> Result<PromiseRaw<'_, ()>> {
    spawn(env, async move {
        if SystemTime::now() > UNIX_EPOCH {
            panic!("deliberate test panic (async)");
        }
        Ok(())
    })
}

/// The core's version.
#[napi(js_name = "coreVersion")]
pub fn core_version() -> String {
    core::VERSION.to_owned()
}
