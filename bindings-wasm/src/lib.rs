//! The browser and edge face of erp-api-client: `core` compiled to wasm32 (its transport is
//! the runtime's `fetch`), exported through wasm-bindgen with exactly the backend contract
//! of the Node addon (`NativeClient`, `NativePaginator`, `NativeBatchHandle`,
//! `NativeWebhook`, `_retryDecision`, `_errorFromResponse`, `coreVersion`), so the npm
//! package's one JavaScript API (`bindings-node/lib/api.js`) runs over either. This crate
//! only converts.
//!
//! Errors are thrown as `Error`s whose message is `"\u{1}erp:"` followed by a JSON payload
//! (`kind`, `code`, `status`, `message`, `requestId`, `details`, `retryAfter`, `reason`),
//! as the Node addon does; the JSON text is made by the runtime's `JSON.stringify`.
//!
//! On other targets the crate is empty (it only exists for wasm32).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use erp_api_client::js::{from_js, to_js};
use erp_api_client::retry::{Decision, Outcome};
use erp_api_client::{
    Batch, BatchHandle, BatchProgress, Client, DeliveryQuery, Error, Method, Op, Page, Paginator,
    PreparedRequest, Query, RequestOptions, RetryPolicy, Webhook, WebhookCall, WebhookParams,
};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

type JsResult<T> = Result<T, JsValue>;

const ERROR_MARK: &str = "\u{1}erp:";

// ------------------------------------------------------------------ conversions

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

fn get_num(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64()
}

fn get_bool(obj: &JsValue, key: &str) -> Option<bool> {
    get(obj, key).as_bool()
}

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn opt_str(v: &JsValue) -> Option<String> {
    v.as_string()
}

/// `[[name, value], ...]` into pairs (values stringified).
fn pairs(v: &JsValue) -> Vec<(String, String)> {
    if !Array::is_array(v) {
        return Vec::new();
    }
    Array::from(v)
        .iter()
        .filter_map(|e| {
            let e = Array::from(&e);
            Some((e.get(0).as_string()?, e.get(1).as_string()?))
        })
        .collect()
}

/// A flat `[name, value, name, value, ...]` list into pairs.
fn flat_pairs(v: &JsValue) -> Vec<(String, String)> {
    if !Array::is_array(v) {
        return Vec::new();
    }
    let a = Array::from(v);
    (0..a.length() / 2)
        .filter_map(|i| Some((a.get(2 * i).as_string()?, a.get(2 * i + 1).as_string()?)))
        .collect()
}

fn strings(v: &JsValue) -> Vec<String> {
    if !Array::is_array(v) {
        return Vec::new();
    }
    Array::from(v)
        .iter()
        .filter_map(|s| s.as_string())
        .collect()
}

fn value_of(v: &JsValue) -> Result<Value, Error> {
    from_js(v).map_err(|m| Error::InvalidRequest { message: m })
}

fn ser_js(v: &impl serde::Serialize) -> Result<JsValue, Error> {
    // No formatting of serde errors: it would pull serde_json's message tables into the bundle.
    serde_json::to_value(v)
        .map(|v| to_js(&v))
        .map_err(|_| Error::InvalidRequest {
            message: "value cannot be converted to JavaScript".into(),
        })
}

fn page_js(p: &Page) -> JsValue {
    let o = Object::new();
    set(&o, "data", &to_js(&Value::Array(p.data.clone())));
    set(
        &o,
        "nextCursor",
        &p.next_cursor
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str),
    );
    o.into()
}

/// The payload object the JS wrapper turns into its error class.
fn payload(err: &Error) -> Object {
    let o = Object::new();
    set(&o, "kind", &JsValue::from_str(err.kind()));
    set(&o, "code", &JsValue::from_str(&err.code()));
    set(&o, "message", &JsValue::from_str(&err.message()));
    if let Some(s) = err.status() {
        set(&o, "status", &JsValue::from(s));
    }
    if let Some(id) = err.request_id() {
        set(&o, "requestId", &JsValue::from_str(id));
    }
    if let Some(d) = err.details() {
        set(&o, "details", &to_js(d));
    }
    if let Some(r) = err.retry_after() {
        set(&o, "retryAfter", &JsValue::from(r.as_secs() as f64));
    }
    if let Some(r) = err.verification_failure() {
        set(&o, "reason", &JsValue::from_str(r.as_str()));
    }
    o
}

/// The thrown form: an `Error` whose message carries the payload.
fn throwable(err: Error) -> JsValue {
    let text = js_sys::JSON::stringify(&payload(&err))
        .map(String::from)
        .unwrap_or_default();
    let mut msg = String::with_capacity(ERROR_MARK.len() + text.len());
    msg.push_str(ERROR_MARK);
    msg.push_str(&text);
    js_sys::Error::new(&msg).into()
}

fn invalid(message: &str) -> Error {
    Error::InvalidRequest {
        message: message.to_owned(),
    }
}

fn ms(v: f64) -> Duration {
    Duration::from_millis(if v.is_finite() && v > 0.0 {
        v as u64
    } else {
        0
    })
}

fn count(v: f64) -> u32 {
    if v.is_finite() && v > 0.0 {
        v.min(u32::MAX as f64) as u32
    } else {
        0
    }
}

fn options_of(o: &JsValue) -> RequestOptions {
    let mut opts = RequestOptions::new();
    if !o.is_object() {
        return opts;
    }
    if let Some(t) = get_num(o, "timeoutMs") {
        opts = opts.timeout(ms(t));
    }
    if let Some(n) = get_num(o, "maxRetries") {
        opts = opts.max_retries(count(n));
    }
    if let Some(k) = get_str(o, "idempotencyKey") {
        opts = opts.idempotency_key(k);
    }
    for (k, v) in pairs(&get(o, "headers")) {
        opts = opts.header(k, v);
    }
    let s = strings(&get(o, "suppressWebhooks"));
    if !s.is_empty() {
        opts = opts.suppress_webhooks(s);
    }
    opts
}

fn prepared_js(r: &PreparedRequest) -> JsValue {
    let o = Object::new();
    set(&o, "method", &JsValue::from_str(r.method.as_str()));
    set(&o, "url", &JsValue::from_str(&r.url));
    set(&o, "path", &JsValue::from_str(&r.path));
    set(&o, "query", &JsValue::from_str(&r.query));
    let headers: Array = r
        .headers
        .iter()
        .map(|(k, v)| -> JsValue {
            let pair = Array::new();
            pair.push(&JsValue::from_str(k));
            pair.push(&JsValue::from_str(v));
            pair.into()
        })
        .collect();
    set(&o, "headers", &headers);
    set(&o, "body", &r.json().map_or(JsValue::NULL, |b| to_js(&b)));
    if let Some(k) = r.idempotency_key() {
        set(&o, "idempotencyKey", &JsValue::from_str(k));
    }
    o.into()
}

/// Every asynchronous operation, run by one dispatcher: one state machine (and one
/// `future_to_promise` instance) instead of one per method keeps the bundle small.
enum Job {
    List(Result<Query, Error>),
    Get(Result<Query, Error>, String),
    Create(Result<Query, Error>, Result<Value, Error>),
    Update(Result<Query, Error>, String, Result<Value, Error>),
    Delete(Result<Query, Error>, String),
    Request(
        Client,
        String,
        String,
        Vec<(String, String)>,
        Result<Value, Error>,
        RequestOptions,
    ),
    EventTypes(Client),
    BatchExecute(Result<Batch, Error>),
    BatchSubmit(Result<Batch, Error>),
    BatchStatus(BatchHandle),
    BatchWait(BatchHandle),
    Webhooks(erp_api_client::Webhooks, Result<WebhookCall, Error>),
    Next(Rc<RefCell<Option<Paginator>>>),
    NextPage(Rc<RefCell<Option<Paginator>>>),
}

async fn run(job: Job) -> Result<JsValue, Error> {
    Ok(match job {
        Job::List(q) => page_js(&q?.list().await?),
        Job::Get(q, id) => to_js(&q?.get(&id).await?),
        Job::Create(q, body) => to_js(&q?.create(body?).await?),
        Job::Update(q, id, body) => to_js(&q?.update(&id, body?).await?),
        Job::Delete(q, id) => to_js(&q?.delete(&id).await?),
        Job::Request(client, method, path, query, body, options) => {
            let method: Method = method.parse()?;
            let body = body?;
            let body = (!body.is_null()).then_some(body);
            let r = client
                .request(method, &path, &query, body.as_ref(), &options)
                .await?;
            to_js(&r.body)
        }
        Job::EventTypes(client) => to_js(&client.event_types().await?),
        Job::BatchExecute(b) => ser_js(&b?.execute().await?)?,
        Job::BatchSubmit(b) => NativeBatchHandle {
            handle: b?.submit().await?,
        }
        .into(),
        Job::BatchStatus(h) => ser_js(&h.status().await?)?,
        Job::BatchWait(h) => ser_js(&h.wait().await?)?,
        Job::Webhooks(w, call) => to_js(&w.call(call?).await?),
        Job::Next(cell) => {
            let mut p = cell
                .borrow_mut()
                .take()
                .ok_or_else(|| invalid("paginator is busy"))?;
            let r = p.next().await;
            *cell.borrow_mut() = Some(p);
            r?.map_or(JsValue::NULL, |v| to_js(&v))
        }
        Job::NextPage(cell) => {
            let mut p = cell
                .borrow_mut()
                .take()
                .ok_or_else(|| invalid("paginator is busy"))?;
            let r = p.next_page().await;
            *cell.borrow_mut() = Some(p);
            r?.map_or(JsValue::NULL, |pg| page_js(&pg))
        }
    })
}

/// Runs a job and hands its result (or error) to JavaScript as a Promise.
fn promise(job: Job) -> Promise {
    future_to_promise(async move { run(job).await.map_err(throwable) })
}

// ------------------------------------------------------------------ client

/// The raw client; the JS `Client` wraps it.
#[wasm_bindgen]
pub struct NativeClient {
    client: Client,
}

impl NativeClient {
    fn query(&self, resource: &str, spec: &JsValue) -> Result<Query, Error> {
        let mut q = self.client.resource(resource)?;
        if !spec.is_object() {
            return Ok(q);
        }
        for (k, v) in pairs(&get(spec, "filters")) {
            q = q.filter(k, v);
        }
        if let Some(s) = get_str(spec, "sort") {
            q = q.sort(s);
        }
        let limit = get(spec, "limit");
        if let Some(l) = limit.as_f64() {
            if l.fract() != 0.0 || !l.is_finite() {
                return Err(invalid("limit must be an integer between 1 and 100"));
            }
            q = q.limit(l as i64);
        }
        if let Some(c) = get_str(spec, "cursor") {
            q = q.cursor(c);
        }
        let o = get(spec, "options");
        if o.is_object() {
            q = q.options(&options_of(&o));
        }
        Ok(q)
    }

    fn batch(
        &self,
        ops: &JsValue,
        settings: &JsValue,
        progress: Option<js_sys::Function>,
    ) -> Result<Batch, Error> {
        let mut b = self.client.batch();
        if Array::is_array(ops) {
            for op in Array::from(ops).iter() {
                let method: Method = get_str(&op, "method").unwrap_or_default().parse()?;
                let body = value_of(&get(&op, "body"))?;
                b = b.add(method, get_str(&op, "path").unwrap_or_default(), body);
            }
        }
        if settings.is_object() {
            if let Some(m) = get_str(settings, "mode") {
                b = b.mode(m.parse()?);
            }
            if let Some(x) = get_bool(settings, "stopOnError") {
                b = b.stop_on_error(x);
            }
            if let Some(x) = get_num(settings, "maxParallel") {
                b = b.max_parallel(count(x));
            }
            if let Some(k) = get_str(settings, "idempotencyKey") {
                b = b.idempotency_key(k);
            }
            if let Some(n) = get_num(settings, "chunkSize") {
                b = b.chunk_size(count(n) as usize);
            }
            let o = get(settings, "options");
            if o.is_object() {
                b = b.options(&options_of(&o));
            }
        }
        if let Some(f) = progress {
            b = b.on_progress(move |p: BatchProgress| {
                let o = Object::new();
                set(&o, "chunksDone", &JsValue::from(p.chunks_done as f64));
                set(&o, "chunksTotal", &JsValue::from(p.chunks_total as f64));
                set(
                    &o,
                    "operationsDone",
                    &JsValue::from(p.operations_done as f64),
                );
                set(
                    &o,
                    "operationsTotal",
                    &JsValue::from(p.operations_total as f64),
                );
                set(&o, "failed", &JsValue::from(p.failed as f64));
                let _ = f.call1(&JsValue::NULL, &o);
            });
        }
        Ok(b)
    }

    fn webhook_call(&self, call: Result<WebhookCall, Error>, options: &JsValue) -> Promise {
        let w = self.client.webhooks().with_options(&options_of(options));
        promise(Job::Webhooks(w, call))
    }
}

fn webhook_params(p: &JsValue) -> WebhookParams {
    let mut w = WebhookParams {
        url: get_str(p, "url"),
        secret: get_str(p, "secret"),
        active: get_bool(p, "active"),
        description: get_str(p, "description"),
        ..Default::default()
    };
    let ev = get(p, "events");
    if Array::is_array(&ev) {
        w.events = Some(strings(&ev));
    }
    if let Ok(Value::Object(m)) = from_js(&get(p, "filters")) {
        w.filters = Some(m);
    }
    let (r, b) = (get_num(p, "maxRetries"), get_num(p, "backoffMs"));
    if r.is_some() || b.is_some() {
        w = w.retry_policy(
            r.map_or(5, count),
            b.map_or(1000, |x| ms(x).as_millis() as u64),
        );
    }
    w
}

#[wasm_bindgen]
impl NativeClient {
    /// `{ apiKey | bearerToken, baseUrl, timeoutMs, maxRetries, defaultHeaders: [[k, v]], userAgentExtra }`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> JsResult<NativeClient> {
        let mut b = Client::builder(get_str(&options, "baseUrl").unwrap_or_default());
        if let Some(k) = get_str(&options, "apiKey") {
            b = b.api_key(k);
        }
        if let Some(t) = get_str(&options, "bearerToken") {
            b = b.bearer_token(t);
        }
        if let Some(t) = get_num(&options, "timeoutMs") {
            b = b.timeout(ms(t));
        }
        if let Some(n) = get_num(&options, "maxRetries") {
            b = b.max_retries(count(n));
        }
        for (k, v) in pairs(&get(&options, "defaultHeaders")) {
            b = b.default_header(k, v);
        }
        b = b
            .user_agent_extra(get_str(&options, "userAgentExtra").unwrap_or_else(|| "wasm".into()));
        let client = b.build().map_err(throwable)?;
        Ok(NativeClient { client })
    }

    /// The base URL requests go to (ends with `/api/v1`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// Dry run of a resource operation.
    pub fn prepare(
        &self,
        resource: String,
        spec: JsValue,
        op: String,
        id: JsValue,
        body: JsValue,
    ) -> JsResult<JsValue> {
        let run = || -> Result<JsValue, Error> {
            let q = self.query(&resource, &spec)?;
            let op: Op = op.parse()?;
            let body = value_of(&body)?;
            let body = (!body.is_null()).then_some(body);
            Ok(prepared_js(&q.prepare(
                op,
                opt_str(&id).as_deref(),
                body.as_ref(),
            )?))
        };
        run().map_err(throwable)
    }

    /// `GET /{resource}`: `{ data, nextCursor }`.
    pub fn list(&self, resource: String, spec: JsValue) -> Promise {
        promise(Job::List(self.query(&resource, &spec)))
    }

    /// `GET /{resource}/{id}`.
    pub fn get(&self, resource: String, spec: JsValue, id: String) -> Promise {
        promise(Job::Get(self.query(&resource, &spec), id))
    }

    /// `POST /{resource}`.
    pub fn create(&self, resource: String, spec: JsValue, body: JsValue) -> Promise {
        promise(Job::Create(self.query(&resource, &spec), value_of(&body)))
    }

    /// `PATCH /{resource}/{id}`.
    pub fn update(&self, resource: String, spec: JsValue, id: String, body: JsValue) -> Promise {
        promise(Job::Update(
            self.query(&resource, &spec),
            id,
            value_of(&body),
        ))
    }

    /// `DELETE /{resource}/{id}`.
    pub fn delete(&self, resource: String, spec: JsValue, id: String) -> Promise {
        promise(Job::Delete(self.query(&resource, &spec), id))
    }

    /// A cursor over every record of every page.
    pub fn paginate(&self, resource: String, spec: JsValue) -> JsResult<NativePaginator> {
        let q = self.query(&resource, &spec).map_err(throwable)?;
        Ok(NativePaginator {
            inner: Rc::new(RefCell::new(Some(q.paginate()))),
        })
    }

    /// Any API path (relative to `/api/v1`); resolves to the JSON body.
    pub fn request(
        &self,
        method: String,
        path: String,
        query: JsValue,
        body: JsValue,
        options: JsValue,
    ) -> Promise {
        promise(Job::Request(
            self.client.clone(),
            method,
            path,
            pairs(&query),
            value_of(&body),
            options_of(&options),
        ))
    }

    /// `GET /events/types`.
    #[wasm_bindgen(js_name = eventTypes)]
    pub fn event_types(&self) -> Promise {
        promise(Job::EventTypes(self.client.clone()))
    }

    /// Dry run of a batch (the first chunk's request).
    #[wasm_bindgen(js_name = batchPrepare)]
    pub fn batch_prepare(&self, ops: JsValue, settings: JsValue) -> JsResult<JsValue> {
        self.batch(&ops, &settings, None)
            .and_then(|b| b.prepare())
            .map(|r| prepared_js(&r))
            .map_err(throwable)
    }

    /// Runs a batch (chunking lenient batches) and resolves to its result.
    #[wasm_bindgen(js_name = batchExecute)]
    pub fn batch_execute(
        &self,
        ops: JsValue,
        settings: JsValue,
        on_progress: Option<js_sys::Function>,
    ) -> Promise {
        promise(Job::BatchExecute(self.batch(&ops, &settings, on_progress)))
    }

    /// Submits an async batch; resolves to a handle.
    #[wasm_bindgen(js_name = batchSubmit)]
    pub fn batch_submit(
        &self,
        ops: JsValue,
        settings: JsValue,
        on_progress: Option<js_sys::Function>,
    ) -> Promise {
        promise(Job::BatchSubmit(self.batch(&ops, &settings, on_progress)))
    }

    /// A handle on an existing batch id.
    #[wasm_bindgen(js_name = batchHandle)]
    pub fn batch_handle(&self, id: String) -> NativeBatchHandle {
        NativeBatchHandle {
            handle: BatchHandle::from_id(&self.client, id),
        }
    }

    /// `POST /webhooks`.
    #[wasm_bindgen(js_name = webhookCreate)]
    pub fn webhook_create(&self, params: JsValue, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::Register(webhook_params(&params))), &options)
    }

    /// `GET /webhooks`.
    #[wasm_bindgen(js_name = webhookList)]
    pub fn webhook_list(&self, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::List), &options)
    }

    /// `GET /webhooks/{id}`.
    #[wasm_bindgen(js_name = webhookGet)]
    pub fn webhook_get(&self, id: String, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::Get(id)), &options)
    }

    /// `PATCH /webhooks/{id}`.
    #[wasm_bindgen(js_name = webhookUpdate)]
    pub fn webhook_update(&self, id: String, params: JsValue, options: JsValue) -> Promise {
        self.webhook_call(
            Ok(WebhookCall::Update(id, webhook_params(&params))),
            &options,
        )
    }

    /// `DELETE /webhooks/{id}`.
    #[wasm_bindgen(js_name = webhookDelete)]
    pub fn webhook_delete(&self, id: String, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::Delete(id)), &options)
    }

    /// `POST /webhooks/{id}/test`.
    #[wasm_bindgen(js_name = webhookTest)]
    pub fn webhook_test(&self, id: String, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::Test(id)), &options)
    }

    /// `POST /webhooks/{id}/rotate-secret`.
    #[wasm_bindgen(js_name = webhookRotateSecret)]
    pub fn webhook_rotate_secret(&self, id: String, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::RotateSecret(id)), &options)
    }

    /// `GET /webhooks/{id}/deliveries`.
    #[wasm_bindgen(js_name = webhookDeliveries)]
    pub fn webhook_deliveries(
        &self,
        id: String,
        status: JsValue,
        limit: JsValue,
        cursor: JsValue,
        options: JsValue,
    ) -> Promise {
        let q = DeliveryQuery {
            status: opt_str(&status),
            limit: limit.as_f64().map(count),
            cursor: opt_str(&cursor),
        };
        self.webhook_call(Ok(WebhookCall::Deliveries(id, q)), &options)
    }

    /// `GET /webhooks/{id}/deliveries/{delivery_id}`.
    #[wasm_bindgen(js_name = webhookDelivery)]
    pub fn webhook_delivery(&self, id: String, delivery_id: String, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::Delivery(id, delivery_id)), &options)
    }

    /// `POST /webhooks/{id}/deliveries/{delivery_id}/retry`.
    #[wasm_bindgen(js_name = webhookRetryDelivery)]
    pub fn webhook_retry_delivery(
        &self,
        id: String,
        delivery_id: String,
        options: JsValue,
    ) -> Promise {
        self.webhook_call(Ok(WebhookCall::RetryDelivery(id, delivery_id)), &options)
    }

    /// `GET /webhooks/{id}/stats`.
    #[wasm_bindgen(js_name = webhookStats)]
    pub fn webhook_stats(&self, id: String, options: JsValue) -> Promise {
        self.webhook_call(Ok(WebhookCall::Stats(id)), &options)
    }
}

/// Walks every page of a list; the JS async iterator forwards `next()` here. One call at a
/// time: a second call while one is running is an error.
#[wasm_bindgen]
pub struct NativePaginator {
    inner: Rc<RefCell<Option<Paginator>>>,
}

#[wasm_bindgen]
impl NativePaginator {
    /// The next record, or null after the last one.
    pub fn next(&self) -> Promise {
        promise(Job::Next(self.inner.clone()))
    }

    /// The next page (`{ data, nextCursor }`), or null after the last one.
    #[wasm_bindgen(js_name = nextPage)]
    pub fn next_page(&self) -> Promise {
        promise(Job::NextPage(self.inner.clone()))
    }
}

/// A submitted async batch.
#[wasm_bindgen]
pub struct NativeBatchHandle {
    handle: BatchHandle,
}

#[wasm_bindgen]
impl NativeBatchHandle {
    /// `bat_...`
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.handle.id().to_owned()
    }

    /// The batch's current state.
    pub fn status(&self) -> Promise {
        promise(Job::BatchStatus(self.handle.clone()))
    }

    /// Polls until the batch is done.
    pub fn wait(&self) -> Promise {
        promise(Job::BatchWait(self.handle.clone()))
    }
}

// ------------------------------------------------------------------ webhook verification

/// Webhook verification and signing with one or several secrets.
#[wasm_bindgen]
pub struct NativeWebhook {
    inner: Webhook,
}

fn body_bytes(body: &JsValue) -> Result<Vec<u8>, Error> {
    if let Some(s) = body.as_string() {
        return Ok(s.into_bytes());
    }
    if body.is_instance_of::<Uint8Array>() || body.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(body).to_vec());
    }
    Err(invalid(
        "body must be a string, a Uint8Array or an ArrayBuffer",
    ))
}

fn sig_headers(
    id: JsValue,
    ts: JsValue,
    sig: JsValue,
    xsig: JsValue,
) -> Vec<(&'static str, String)> {
    let mut h = Vec::with_capacity(4);
    for (name, v) in [
        ("webhook-id", id),
        ("webhook-timestamp", ts),
        ("webhook-signature", sig),
        ("x-webhook-signature", xsig),
    ] {
        if let Some(s) = v.as_string() {
            h.push((name, s));
        }
    }
    h
}

#[wasm_bindgen]
impl NativeWebhook {
    /// `secrets`: one or several (rotation); `toleranceSec` defaults to 300.
    #[wasm_bindgen(constructor)]
    pub fn new(secrets: JsValue, tolerance_sec: Option<f64>) -> JsResult<NativeWebhook> {
        let list = if Array::is_array(&secrets) {
            strings(&secrets)
        } else {
            secrets.as_string().into_iter().collect()
        };
        let mut wh = Webhook::with_secrets(&list).map_err(throwable)?;
        if let Some(t) = tolerance_sec {
            wh = wh.tolerance(Duration::from_secs(if t.is_finite() && t > 0.0 {
                t as u64
            } else {
                0
            }));
        }
        Ok(NativeWebhook { inner: wh })
    }

    /// Checks only the signature and timestamp, as of `now` (unix seconds) or the current
    /// time when it is `undefined`; the body is not parsed.
    #[wasm_bindgen(js_name = checkSignature)]
    pub fn check_signature(
        &self,
        body: JsValue,
        id: JsValue,
        timestamp: JsValue,
        signature: JsValue,
        x_signature: JsValue,
        now: Option<f64>,
    ) -> JsResult<()> {
        let b = body_bytes(&body).map_err(throwable)?;
        let h = sig_headers(id, timestamp, signature, x_signature);
        match now {
            Some(now) => self.inner.verify_signature_at(&b, &h, now as i64),
            None => self.inner.verify_signature(&b, &h),
        }
        .map_err(throwable)
    }

    /// The headers to send with a delivery, as a flat `[name, value, ...]` list.
    pub fn sign(&self, msg_id: String, timestamp: f64, body: JsValue) -> JsResult<Array> {
        let b = body_bytes(&body).map_err(throwable)?;
        let out = Array::new();
        for (k, v) in self.inner.sign(&msg_id, timestamp as i64, &b) {
            out.push(&JsValue::from_str(&k));
            out.push(&JsValue::from_str(&v));
        }
        Ok(out)
    }
}

// ------------------------------------------------------------------ internal hooks

/// The core's version.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    erp_api_client::VERSION.to_owned()
}

/// Internal: core's retry decision, for the shared vectors (`now` in unix seconds).
#[wasm_bindgen(js_name = _retryDecision)]
pub fn retry_decision(policy: JsValue, retries_done: u32, outcome: JsValue, now: f64) -> JsValue {
    let d = RetryPolicy::default();
    let dur = |k: &str, dflt: Duration| get_num(&policy, k).map_or(dflt, ms);
    let p = RetryPolicy {
        max_retries: get_num(&policy, "max_retries").map_or(d.max_retries, count),
        base_delay: dur("base_delay_ms", d.base_delay),
        max_delay: dur("max_delay_ms", d.max_delay),
        max_retry_after: dur("max_retry_after_ms", d.max_retry_after),
    };
    let retry_after = get_str(&outcome, "retry_after");
    let o = match get_str(&outcome, "error").as_deref() {
        Some("connection") => Outcome::Connection,
        Some("timeout") => Outcome::Timeout,
        _ => Outcome::Status {
            status: get_num(&outcome, "status").unwrap_or(0.0) as u16,
            retry_after: retry_after.as_deref(),
        },
    };
    let now = UNIX_EPOCH + Duration::from_secs(now as u64);
    let decision = p.decide(retries_done, &o, now);
    let out = Object::new();
    match decision {
        Decision::Stop => set(&out, "retry", &JsValue::FALSE),
        Decision::Retry { min, max } => {
            set(&out, "retry", &JsValue::TRUE);
            set(&out, "minDelayMs", &JsValue::from(min.as_millis() as f64));
            set(&out, "maxDelayMs", &JsValue::from(max.as_millis() as f64));
            let delay = decision.delay().unwrap_or_default();
            set(&out, "delayMs", &JsValue::from(delay.as_millis() as f64));
        }
    }
    out.into()
}

/// Internal: core's mapping of a non-2xx response to an error; returns the error payload.
/// `headers` is a flat `[name, value, ...]` list; `now` is unix seconds.
#[wasm_bindgen(js_name = _errorFromResponse)]
pub fn error_from_response(
    status: u16,
    headers: JsValue,
    body: JsValue,
    now: f64,
) -> JsResult<JsValue> {
    let b = body_bytes(&body).map_err(throwable)?;
    let now = UNIX_EPOCH + Duration::from_secs(now as u64);
    let err = Error::from_response(status, &flat_pairs(&headers), &b, now);
    Ok(payload(&err).into())
}
