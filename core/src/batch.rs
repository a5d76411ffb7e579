//! The batch builder: strict (all or nothing) and lenient batches, idempotency keys,
//! async batches with polling, and auto-chunking of more than 1000 operations.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::json::{field_str, shape_error};
use crate::request::{Method, RequestOptions};
use crate::retry::parse_retry_after;
use crate::transport;

const NOT_JSON: &str = "operation body cannot be represented as JSON (map keys must be strings)";

/// Most operations one batch request may carry.
pub const MAX_BATCH_OPERATIONS: usize = 1000;
/// Largest `max_parallel` the API accepts.
pub const MAX_PARALLEL: u32 = 20;

/// `strict`: one transaction, all or nothing. `lenient`: each operation on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BatchMode {
    /// All or nothing (the default).
    #[default]
    Strict,
    /// Each operation stands alone.
    Lenient,
}

impl BatchMode {
    /// `strict` or `lenient`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchMode::Strict => "strict",
            BatchMode::Lenient => "lenient",
        }
    }
}

impl std::str::FromStr for BatchMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "strict" => Ok(BatchMode::Strict),
            "lenient" => Ok(BatchMode::Lenient),
            _ => Err(Error::invalid(format!(
                "unknown batch mode '{s}': expected strict or lenient"
            ))),
        }
    }
}

/// One operation of a batch: a method, a path relative to `/api/v1`, and a body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchOperation {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    #[serde(with = "method_serde")]
    pub method: Method,
    /// E.g. `/companies` or `/companies/cmp_1`.
    pub path: String,
    /// The JSON body, for POST and PATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

mod method_serde {
    use super::Method;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The error of one failed batch item (`ROLLED_BACK` and `SKIPPED` included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    /// The error code, e.g. `NOT_FOUND`, `ROLLED_BACK`, `SKIPPED`.
    pub code: String,
    /// A readable message.
    #[serde(default)]
    pub message: String,
    /// Structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// The outcome of one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItemResult {
    /// Position of the operation in the batch (across chunks, in the whole list).
    pub index: usize,
    /// The HTTP status the operation got (424 for rolled back and skipped items).
    pub status: u16,
    /// Whether it succeeded.
    pub success: bool,
    /// The response body of a successful operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The error of a failed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
}

impl BatchItemResult {
    fn from_json(v: Value) -> Result<BatchItemResult> {
        let Value::Object(mut m) = v else {
            return Err(shape_error("batch result item is not an object"));
        };
        let error = match m.remove("error") {
            Some(Value::Object(mut e)) => Some(ItemError {
                code: match e.remove("code") {
                    Some(Value::String(s)) => s,
                    _ => String::new(),
                },
                message: match e.remove("message") {
                    Some(Value::String(s)) => s,
                    _ => String::new(),
                },
                details: e.remove("details").filter(|d| !d.is_null()),
            }),
            _ => None,
        };
        let index = m
            .get("index")
            .and_then(Value::as_u64)
            .ok_or_else(|| shape_error("batch result item without an index"))?;
        Ok(BatchItemResult {
            index: index as usize,
            status: m.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
            success: m.get("success").and_then(Value::as_bool).unwrap_or(false),
            body: m.remove("body").filter(|b| !b.is_null()),
            error,
        })
    }
}

/// Where a batch is: `pending`, `processing`, `completed` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// Queued.
    Pending,
    /// Running.
    Processing,
    /// Done.
    Completed,
    /// Done, and the batch as a whole failed (a strict batch that rolled back).
    Failed,
}

impl BatchStatus {
    /// Whether the batch has finished.
    pub fn is_done(self) -> bool {
        matches!(self, BatchStatus::Completed | BatchStatus::Failed)
    }
}

/// The result (or, for a running async batch, the state) of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResult {
    /// `bat_...` (for a chunked batch: the first chunk's id; see `batch_ids`).
    pub id: String,
    /// Where the batch is.
    pub status: BatchStatus,
    /// Strict or lenient.
    #[serde(default)]
    pub mode: Option<BatchMode>,
    /// Number of operations.
    #[serde(default)]
    pub total: usize,
    /// Operations processed so far (async batches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed: Option<usize>,
    /// Operations that succeeded (and stayed in effect).
    #[serde(default)]
    pub successful: usize,
    /// Operations that failed, were rolled back or skipped.
    #[serde(default)]
    pub failed: usize,
    /// One result per operation, in order.
    #[serde(default)]
    pub results: Vec<BatchItemResult>,
    /// Server-side processing time.
    #[serde(default)]
    pub duration_ms: u64,
    /// The ids of every batch request a chunked batch was sent as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batch_ids: Vec<String>,
}

impl BatchResult {
    /// Reads a batch result from the API's JSON (hand-written: the browser build carries no
    /// serde deserializers).
    pub fn from_json(v: Value) -> Result<BatchResult> {
        let Value::Object(mut m) = v else {
            return Err(shape_error("batch answer is not an object"));
        };
        let id = match m.remove("id") {
            Some(Value::String(s)) => s,
            _ => return Err(shape_error("batch answer without an id")),
        };
        let status = match m.get("status").and_then(Value::as_str) {
            Some("pending") => BatchStatus::Pending,
            Some("processing") => BatchStatus::Processing,
            Some("completed") => BatchStatus::Completed,
            Some("failed") => BatchStatus::Failed,
            _ => return Err(shape_error("batch answer with an unknown status")),
        };
        let mode = match m.get("mode").and_then(Value::as_str) {
            Some("strict") => Some(BatchMode::Strict),
            Some("lenient") => Some(BatchMode::Lenient),
            _ => None,
        };
        let n = |m: &serde_json::Map<String, Value>, k: &str| {
            m.get(k).and_then(Value::as_u64).unwrap_or(0)
        };
        let mut results = Vec::new();
        if let Some(Value::Array(items)) = m.remove("results") {
            results.reserve(items.len());
            for item in items {
                results.push(BatchItemResult::from_json(item)?);
            }
        }
        let batch_ids = match m.remove("batch_ids") {
            Some(Value::Array(a)) => a
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(BatchResult {
            id,
            status,
            mode,
            total: n(&m, "total") as usize,
            processed: m
                .get("processed")
                .and_then(Value::as_u64)
                .map(|p| p as usize),
            successful: n(&m, "successful") as usize,
            failed: n(&m, "failed") as usize,
            results,
            duration_ms: n(&m, "duration_ms"),
            batch_ids,
        })
    }

    /// Whether every operation succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.status == BatchStatus::Completed && self.failed == 0
    }

    /// The results that did not succeed.
    pub fn failures(&self) -> impl Iterator<Item = &BatchItemResult> {
        self.results.iter().filter(|r| !r.success)
    }
}

/// Progress of a chunked batch, given to the progress callback after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchProgress {
    /// Chunks finished.
    pub chunks_done: usize,
    /// Chunks in all.
    pub chunks_total: usize,
    /// Operations finished.
    pub operations_done: usize,
    /// Operations in all.
    pub operations_total: usize,
    /// Operations that failed so far.
    pub failed: usize,
}

/// `Send + Sync` on native targets; nothing on wasm32, where JavaScript callbacks live on
/// the one thread there is.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` on native targets; nothing on wasm32, where JavaScript callbacks live on
/// the one thread there is.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

#[cfg(not(target_arch = "wasm32"))]
type ProgressFn = Arc<dyn Fn(BatchProgress) + Send + Sync>;
#[cfg(target_arch = "wasm32")]
type ProgressFn = Arc<dyn Fn(BatchProgress)>;

/// Builds and runs a batch. See `client.batch()`.
///
/// ```no_run
/// # async fn run(client: erp_api_client::Client) -> erp_api_client::Result<()> {
/// use erp_api_client::Method;
/// use serde_json::json;
/// let result = client
///     .batch()
///     .add(Method::Post, "/companies", json!({"name": "Acme"}))
///     .add(Method::Post, "/companies", json!({"name": "Globex"}))
///     .strict()
///     .idempotency_key("import-2026-11-23")
///     .execute()
///     .await?;
/// assert!(result.all_succeeded());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Batch {
    client: Client,
    operations: Vec<BatchOperation>,
    mode: BatchMode,
    stop_on_error: bool,
    max_parallel: Option<u32>,
    idempotency_key: Option<String>,
    options: RequestOptions,
    chunk_size: usize,
    chunk_concurrency: usize,
    progress: Option<ProgressFn>,
    poll: PollSettings,
    error: Option<String>,
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("operations", &self.operations.len())
            .field("mode", &self.mode)
            .field("stop_on_error", &self.stop_on_error)
            .field("max_parallel", &self.max_parallel)
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

/// How [`BatchHandle::wait`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSettings {
    /// First wait between polls.
    pub initial_interval: Duration,
    /// Longest wait between polls (the interval grows by half each time).
    pub max_interval: Duration,
    /// Give up (with a timeout error) after this long.
    pub timeout: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        PollSettings {
            initial_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(2),
            timeout: Duration::from_secs(600),
        }
    }
}

impl Batch {
    pub(crate) fn new(client: Client) -> Self {
        Batch {
            client,
            operations: Vec::new(),
            mode: BatchMode::Strict,
            stop_on_error: false,
            max_parallel: None,
            idempotency_key: None,
            options: RequestOptions::default(),
            chunk_size: MAX_BATCH_OPERATIONS,
            chunk_concurrency: 2,
            progress: None,
            poll: PollSettings::default(),
            error: None,
        }
    }

    /// Adds an operation. `body` is any serializable value; `()` or `Value::Null` for none.
    pub fn add(mut self, method: Method, path: impl Into<String>, body: impl Serialize) -> Self {
        match serde_json::to_value(body) {
            Ok(Value::Null) => self.push(method, path.into(), None),
            Ok(v) => self.push(method, path.into(), Some(v)),
            Err(_) => {
                if self.error.is_none() {
                    self.error = Some(NOT_JSON.to_owned());
                }
            }
        }
        self
    }

    /// Adds a prepared operation.
    pub fn add_operation(mut self, op: BatchOperation) -> Self {
        self.push(op.method, op.path, op.body);
        self
    }

    fn push(&mut self, method: Method, path: String, body: Option<Value>) {
        self.operations.push(BatchOperation { method, path, body });
    }

    /// The operations added so far.
    pub fn operations(&self) -> &[BatchOperation] {
        &self.operations
    }

    /// All or nothing (the default).
    pub fn strict(mut self) -> Self {
        self.mode = BatchMode::Strict;
        self
    }

    /// Each operation on its own.
    pub fn lenient(mut self) -> Self {
        self.mode = BatchMode::Lenient;
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: BatchMode) -> Self {
        self.mode = mode;
        self
    }

    /// Lenient batches: skip the rest after the first failure.
    pub fn stop_on_error(mut self, stop: bool) -> Self {
        self.stop_on_error = stop;
        self
    }

    /// How many operations the server runs at once (1 to 20; server default 5).
    pub fn max_parallel(mut self, n: u32) -> Self {
        self.max_parallel = Some(n);
        self
    }

    /// The batch's `Idempotency-Key` (chunks use `<key>:<chunk number>`). Without one, a key
    /// is generated per request so retries never run a batch twice.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Per-request options (timeout, retries, headers, suppressed webhooks) for the batch calls.
    pub fn options(mut self, options: &RequestOptions) -> Self {
        self.options = self.options.merged(options);
        self
    }

    /// Operations per chunk when a lenient batch has more than that (1 to 1000, default 1000).
    pub fn chunk_size(mut self, n: usize) -> Self {
        if (1..=MAX_BATCH_OPERATIONS).contains(&n) {
            self.chunk_size = n;
        } else if self.error.is_none() {
            self.error = Some(format!(
                "chunk size must be between 1 and {MAX_BATCH_OPERATIONS}, got {n}"
            ));
        }
        self
    }

    /// How many chunks are in flight at once (default 2; 1 when `stop_on_error`).
    pub fn chunk_concurrency(mut self, n: usize) -> Self {
        self.chunk_concurrency = n.max(1);
        self
    }

    /// Called after each chunk (and once for an unchunked batch) with the progress so far.
    pub fn on_progress(mut self, f: impl Fn(BatchProgress) + MaybeSendSync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// How [`BatchHandle::wait`] polls a submitted batch.
    pub fn poll_settings(mut self, poll: PollSettings) -> Self {
        self.poll = poll;
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(e) = &self.error {
            return Err(Error::invalid(e.clone()));
        }
        let n = self.operations.len();
        if n == 0 {
            return Err(Error::invalid("a batch needs at least one operation"));
        }
        if self.mode == BatchMode::Strict && n > MAX_BATCH_OPERATIONS {
            return Err(Error::invalid(format!(
                "a strict batch holds at most {MAX_BATCH_OPERATIONS} operations ({n} given): \
                 atomicity cannot span several batches; use lenient mode to chunk it"
            )));
        }
        if let Some(p) = self.max_parallel {
            if !(1..=MAX_PARALLEL).contains(&p) {
                return Err(Error::invalid(format!(
                    "max_parallel must be between 1 and {MAX_PARALLEL}, got {p}"
                )));
            }
        }
        for (i, op) in self.operations.iter().enumerate() {
            let p = op.path.as_str();
            if !p.starts_with('/') {
                return Err(Error::invalid(format!(
                    "operation {i}: path '{p}' must start with '/' (relative to /api/v1)"
                )));
            }
            if p == "/batch" || p.starts_with("/batch/") || p.starts_with("/batch?") {
                return Err(Error::invalid(format!(
                    "operation {i}: a batch may not contain /batch"
                )));
            }
            if let Some(b) = &op.body {
                if !b.is_object() {
                    return Err(Error::invalid(format!(
                        "operation {i}: body must be a JSON object"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The JSON body of one batch request over `ops`.
    pub fn request_body(&self, ops: &[BatchOperation], is_async: bool) -> Value {
        let operations = ops
            .iter()
            .map(|op| {
                let mut o = Map::new();
                o.insert("method".into(), Value::from(op.method.as_str()));
                o.insert("path".into(), Value::from(op.path.as_str()));
                if let Some(b) = &op.body {
                    o.insert("body".into(), b.clone());
                }
                Value::Object(o)
            })
            .collect();
        let mut body = Map::new();
        body.insert("operations".into(), Value::Array(operations));
        body.insert("mode".into(), Value::from(self.mode.as_str()));
        body.insert("stop_on_error".into(), Value::from(self.stop_on_error));
        body.insert("async".into(), Value::from(is_async));
        if let Some(p) = self.max_parallel {
            body.insert("max_parallel".into(), Value::from(p));
        }
        Value::Object(body)
    }

    fn chunk_options(&self, chunk: Option<usize>) -> RequestOptions {
        let mut o = self.options.clone();
        if let Some(k) = &self.idempotency_key {
            o.idempotency_key = Some(match chunk {
                Some(i) => format!("{k}:{i}"),
                None => k.clone(),
            });
        }
        o
    }

    /// Builds the (first) batch request without sending it.
    pub fn prepare(&self) -> Result<crate::PreparedRequest> {
        self.validate()?;
        let end = self.operations.len().min(self.chunk_size);
        let chunked = self.operations.len() > self.chunk_size;
        let body = self.request_body(&self.operations[..end], false);
        self.client.prepare(
            Method::Post,
            "/batch",
            &[],
            Some(&body),
            &self.chunk_options(chunked.then_some(0)),
        )
    }

    async fn send_chunk(
        &self,
        ops: &[BatchOperation],
        chunk: Option<usize>,
    ) -> Result<BatchResult> {
        let body = self.request_body(ops, false);
        let resp = self
            .client
            .request(
                Method::Post,
                "/batch",
                &[],
                Some(&body),
                &self.chunk_options(chunk),
            )
            .await?;
        BatchResult::from_json(resp.body)
    }

    async fn run_chunk(&self, i: usize) -> (usize, Result<BatchResult>) {
        let start = i * self.chunk_size;
        let end = (start + self.chunk_size).min(self.operations.len());
        (
            i,
            self.send_chunk(&self.operations[start..end], Some(i)).await,
        )
    }

    fn report(&self, p: BatchProgress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }

    /// Runs the batch and waits for its result. A lenient batch of more than the chunk size
    /// is split into several batch requests (bounded concurrency), whose results are merged
    /// with indexes into the whole list.
    pub async fn execute(&self) -> Result<BatchResult> {
        self.validate()?;
        let total = self.operations.len();
        if total <= self.chunk_size {
            let r = self.send_chunk(&self.operations, None).await?;
            self.report(BatchProgress {
                chunks_done: 1,
                chunks_total: 1,
                operations_done: total,
                operations_total: total,
                failed: r.failed,
            });
            return Ok(r);
        }
        self.execute_chunked().await
    }

    async fn execute_chunked(&self) -> Result<BatchResult> {
        let total = self.operations.len();
        let chunks_total = total.div_ceil(self.chunk_size);
        let concurrency = if self.stop_on_error {
            1
        } else {
            self.chunk_concurrency
        };
        let mut merged: Vec<Option<BatchResult>> = vec![None; chunks_total];
        let mut done_ops = 0usize;
        let mut failed = 0usize;
        let mut chunks_done = 0usize;
        let mut stopped = false;
        {
            // A plain FuturesUnordered fed from a loop (rather than a stream of closures) keeps
            // this future provably `Send`, so the faces can spawn it on any runtime.
            let mut in_flight = FuturesUnordered::new();
            let mut next = 0usize;
            while next < chunks_total && in_flight.len() < concurrency {
                in_flight.push(self.run_chunk(next));
                next += 1;
            }
            while let Some((i, res)) = in_flight.next().await {
                let r = res?;
                done_ops += r.total.max(chunk_len(total, self.chunk_size, i));
                failed += r.failed;
                chunks_done += 1;
                let chunk_failed = r.failed > 0;
                merged[i] = Some(r);
                self.report(BatchProgress {
                    chunks_done,
                    chunks_total,
                    operations_done: done_ops,
                    operations_total: total,
                    failed,
                });
                if self.stop_on_error && chunk_failed {
                    stopped = true;
                    break;
                }
                if next < chunks_total {
                    in_flight.push(self.run_chunk(next));
                    next += 1;
                }
            }
        }

        let mut out = BatchResult {
            id: String::new(),
            status: BatchStatus::Completed,
            mode: Some(self.mode),
            total,
            processed: None,
            successful: 0,
            failed: 0,
            results: Vec::with_capacity(total),
            duration_ms: 0,
            batch_ids: Vec::new(),
        };
        for (i, slot) in merged.into_iter().enumerate() {
            let offset = i * self.chunk_size;
            match slot {
                Some(r) => {
                    out.batch_ids.push(r.id.clone());
                    out.duration_ms += r.duration_ms;
                    out.successful += r.successful;
                    out.failed += r.failed;
                    if r.status == BatchStatus::Failed {
                        out.status = BatchStatus::Failed;
                    }
                    out.results.extend(r.results.into_iter().map(|mut item| {
                        item.index += offset;
                        item
                    }));
                }
                None => {
                    // Chunks never sent because an earlier one failed under stop_on_error.
                    debug_assert!(stopped);
                    let len = chunk_len(total, self.chunk_size, i);
                    out.failed += len;
                    out.results.extend((0..len).map(|j| {
                        BatchItemResult {
                            index: offset + j,
                            status: 424,
                            success: false,
                            body: None,
                            error: Some(ItemError {
                                code: "SKIPPED".into(),
                                message:
                                    "not run: an earlier operation failed and stop_on_error is set"
                                        .into(),
                                details: None,
                            }),
                        }
                    }));
                }
            }
        }
        out.id = out.batch_ids.first().cloned().unwrap_or_default();
        Ok(out)
    }

    /// Submits the batch to run in the background (`"async": true`) and returns a handle to
    /// poll it. At most 1000 operations (chunking needs [`execute`](Self::execute)).
    pub async fn submit(&self) -> Result<BatchHandle> {
        self.validate()?;
        if self.operations.len() > MAX_BATCH_OPERATIONS {
            return Err(Error::invalid(format!(
                "an async batch holds at most {MAX_BATCH_OPERATIONS} operations; use execute() to chunk"
            )));
        }
        let body = self.request_body(&self.operations, true);
        let resp = self
            .client
            .request(
                Method::Post,
                "/batch",
                &[],
                Some(&body),
                &self.chunk_options(None),
            )
            .await?;
        let id = field_str(&resp.body, "id")
            .ok_or_else(|| shape_error("batch answer without an id"))?
            .to_owned();
        Ok(BatchHandle {
            client: self.client.clone(),
            id,
            poll: self.poll,
            progress: self.progress.clone(),
        })
    }
}

fn chunk_len(total: usize, size: usize, i: usize) -> usize {
    (total - i * size).min(size)
}

/// A submitted async batch.
#[derive(Clone)]
pub struct BatchHandle {
    client: Client,
    id: String,
    poll: PollSettings,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for BatchHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchHandle").field("id", &self.id).finish()
    }
}

impl BatchHandle {
    /// A handle on an existing batch id (e.g. one stored before a restart).
    pub fn from_id(client: &Client, id: impl Into<String>) -> Self {
        BatchHandle {
            client: client.clone(),
            id: id.into(),
            poll: PollSettings::default(),
            progress: None,
        }
    }

    /// The same handle (poll settings and progress callback included) over another client:
    /// for a face that gives each thread its own client and connection pool.
    pub fn with_client(&self, client: &Client) -> Self {
        BatchHandle {
            client: client.clone(),
            ..self.clone()
        }
    }

    /// The batch id (`bat_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the batch's current state once (`GET /batch/{id}`).
    pub async fn status(&self) -> Result<BatchResult> {
        self.fetch().await.map(|(r, _)| r)
    }

    async fn fetch(&self) -> Result<(BatchResult, Option<Duration>)> {
        crate::request::check_id(&self.id)?;
        let resp = self
            .client
            .request(
                Method::Get,
                &format!("/batch/{}", self.id),
                &[],
                None,
                &RequestOptions::default(),
            )
            .await?;
        let hint = resp
            .header("retry-after")
            .and_then(|v| parse_retry_after(v, transport::now()));
        Ok((BatchResult::from_json(resp.body)?, hint))
    }

    /// Polls until the batch is done, with a growing interval that honours `Retry-After`.
    pub async fn wait(&self) -> Result<BatchResult> {
        let mut interval = self.poll.initial_interval;
        let mut waited = Duration::ZERO;
        loop {
            let (state, hint) = self.fetch().await?;
            if let Some(f) = &self.progress {
                f(BatchProgress {
                    chunks_done: usize::from(state.status.is_done()),
                    chunks_total: 1,
                    operations_done: state.processed.unwrap_or(if state.status.is_done() {
                        state.total
                    } else {
                        0
                    }),
                    operations_total: state.total,
                    failed: state.failed,
                });
            }
            if state.status.is_done() {
                return Ok(state);
            }
            let delay = hint
                .unwrap_or(interval)
                .min(self.poll.max_interval.max(interval));
            if waited + delay > self.poll.timeout {
                return Err(Error::Timeout {
                    message: format!(
                        "batch {} still not done after {} s",
                        self.id,
                        waited.as_secs()
                    ),
                });
            }
            transport::sleep(delay).await;
            waited += delay;
            interval = (interval * 3 / 2).min(self.poll.max_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn client() -> Client {
        Client::builder("http://127.0.0.1:9")
            .api_key("k")
            .build()
            .unwrap()
    }

    #[test]
    fn validation() {
        let c = client();
        assert!(c.batch().prepare().is_err());
        let big = (0..1001).fold(c.batch(), |b, i| {
            b.add(Method::Post, "/companies", json!({"name": format!("c{i}")}))
        });
        let e = big.clone().strict().prepare().unwrap_err();
        assert!(e.message().contains("strict"), "{e}");
        assert!(big.lenient().prepare().is_ok());
        for b in [
            c.batch().add(Method::Get, "companies", ()),
            c.batch().add(Method::Post, "/batch", json!({})),
            c.batch().add(Method::Post, "/companies", json!([1])),
            c.batch()
                .add(Method::Get, "/companies", ())
                .max_parallel(21),
            c.batch().add(Method::Get, "/companies", ()).chunk_size(0),
        ] {
            assert_eq!(b.prepare().unwrap_err().kind(), "invalid_request");
        }
    }

    #[test]
    fn request_body_shape() {
        let b = client()
            .batch()
            .add(Method::Post, "/companies", json!({"name": "A"}))
            .add(Method::Delete, "/companies/cmp_1", ())
            .lenient()
            .stop_on_error(true)
            .max_parallel(3)
            .idempotency_key("k1");
        let r = b.prepare().unwrap();
        assert_eq!(r.idempotency_key(), Some("k1"));
        assert_eq!(
            r.json().unwrap(),
            json!({
                "operations": [
                    {"method": "POST", "path": "/companies", "body": {"name": "A"}},
                    {"method": "DELETE", "path": "/companies/cmp_1"}
                ],
                "mode": "lenient", "stop_on_error": true, "max_parallel": 3, "async": false
            })
        );
    }

    #[test]
    fn result_parses() {
        let r: BatchResult = serde_json::from_value(json!({
            "id": "bat_1", "status": "failed", "mode": "strict", "total": 2, "successful": 0, "failed": 2,
            "results": [
                {"index": 0, "status": 424, "success": false, "error": {"code": "ROLLED_BACK", "message": "undone"}},
                {"index": 1, "status": 404, "success": false, "error": {"code": "NOT_FOUND", "message": "x", "request_id": "req_1"}}
            ],
            "duration_ms": 3
        }))
        .unwrap();
        assert!(!r.all_succeeded());
        assert_eq!(r.failures().count(), 2);
        assert_eq!(r.results[0].error.as_ref().unwrap().code, "ROLLED_BACK");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod send_tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn execute_future_is_send() {
        let c = Client::builder("http://127.0.0.1:9")
            .api_key("k")
            .build()
            .unwrap();
        let b = c.batch().add(Method::Get, "/companies", ());
        assert_send(&b.execute());
        assert_send(&b.submit());
    }
}
