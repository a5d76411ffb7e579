//! Client, resources, pages, paginators, batches and webhook management, each in a blocking
//! and an asyncio flavour generated from one body (the flavour only decides whether a core
//! future is run with the GIL released or handed to asyncio).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::{PyStopAsyncIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde::Serialize;
use serde_json::Value;

use erp_api_client::{
    BatchMode, BatchOperation, BatchProgress, Client as CoreClient, ClientBuilder, CsvImport,
    DeliveryQuery, Error, ImportProgress, Method, Op, RequestOptions, WebhookParams,
    WebhookRetryPolicy,
};

use crate::{aio, core, from_py, guard, rt, to_py, to_py_obj};

// ---------------------------------------------------------------- plumbing

/// A core call with its result conversion, boxed so that the blocking and asyncio runners
/// are compiled once rather than once per operation (smaller wheel).
type Job = Pin<Box<dyn Future<Output = Result<aio::Convert, Error>> + Send>>;

/// Runs a core future: blocking (GIL released) or as an asyncio awaitable.
fn run<T, F, C>(py: Python<'_>, asynch: bool, fut: F, convert: C) -> PyResult<Py<PyAny>>
where
    T: Send + 'static,
    F: Future<Output = Result<T, Error>> + Send + 'static,
    C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
{
    let job: Job = Box::pin(async move {
        let v = fut.await?;
        Ok(Box::new(move |py: Python<'_>| convert(py, v)) as aio::Convert)
    });
    run_job(py, asynch, job)
}

fn run_job(py: Python<'_>, asynch: bool, job: Job) -> PyResult<Py<PyAny>> {
    if asynch {
        aio::spawn(py, job, |py, conv| conv(py))
    } else {
        let conv = rt::block(py, move || job)?;
        guard(py, || conv(py))
    }
}

fn json_out(py: Python<'_>, v: Value) -> PyResult<Py<PyAny>> {
    to_py_obj(py, &v)
}

fn ser_out<T: Serialize>(py: Python<'_>, v: T) -> PyResult<Py<PyAny>> {
    let v = core(
        py,
        serde_json::to_value(v).map_err(|e| Error::Decode {
            status: 200,
            message: e.to_string(),
            request_id: None,
        }),
    )?;
    to_py_obj(py, &v)
}

fn page_out<T: Serialize>(py: Python<'_>, p: erp_api_client::Page<T>) -> PyResult<Py<PyAny>> {
    let list = PyList::empty(py);
    for item in p.data {
        list.append(ser_out(py, item)?)?;
    }
    Ok(Py::new(
        py,
        Page {
            data: list.unbind(),
            next_cursor: p.next_cursor,
        },
    )?
    .into_any())
}

fn invalid(py: Python<'_>, message: impl Into<String>) -> PyErr {
    crate::to_py_err(
        py,
        &Error::InvalidRequest {
            message: message.into(),
        },
    )
}

fn config_err(py: Python<'_>, message: impl Into<String>) -> PyErr {
    crate::to_py_err(
        py,
        &Error::Config {
            message: message.into(),
        },
    )
}

fn seconds(py: Python<'_>, what: &str, s: f64) -> PyResult<Duration> {
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(invalid(
            py,
            format!("{what} must be a positive number of seconds"),
        ))
    }
}

/// A filter value as text: str as is, bool as true/false, numbers as JSON.
fn filter_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    match from_py(v)? {
        Value::String(s) => Ok(s),
        Value::Null => Err(PyTypeError::new_err("a filter value cannot be None")),
        other => Ok(other.to_string()),
    }
}

fn str_pairs(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if obj.hasattr("items")? {
        obj.call_method0("items")?
    } else {
        obj.clone()
    };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let (k, v): (String, String) = item?.extract()?;
        out.push((k, v));
    }
    Ok(out)
}

fn str_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    obj.try_iter()?.map(|x| x?.extract::<String>()).collect()
}

/// Builds `RequestOptions` from the keyword arguments every face call shares.
#[allow(clippy::too_many_arguments)]
fn options_from(
    py: Python<'_>,
    timeout: Option<f64>,
    max_retries: Option<u32>,
    idempotency_key: Option<String>,
    headers: Option<&Bound<'_, PyAny>>,
    suppress_webhooks: Option<&Bound<'_, PyAny>>,
) -> PyResult<RequestOptions> {
    let mut o = RequestOptions::new();
    if let Some(t) = timeout {
        o = o.timeout(seconds(py, "timeout", t)?);
    }
    if let Some(n) = max_retries {
        o = o.max_retries(n);
    }
    if let Some(k) = idempotency_key {
        o = o.idempotency_key(k);
    }
    if let Some(h) = headers {
        for (k, v) in str_pairs(h)? {
            o = o.header(k, v);
        }
    }
    if let Some(s) = suppress_webhooks {
        o = o.suppress_webhooks(str_list(s)?);
    }
    Ok(o)
}

fn prepared_dict(py: Python<'_>, r: &erp_api_client::PreparedRequest) -> PyResult<Py<PyAny>> {
    let d = PyDict::new(py);
    d.set_item("method", r.method.as_str())?;
    d.set_item("url", &r.url)?;
    d.set_item("path", &r.path)?;
    d.set_item("query", &r.query)?;
    let h = PyDict::new(py);
    for (k, v) in &r.headers {
        h.set_item(k, v)?;
    }
    d.set_item("headers", h)?;
    match r.json() {
        Some(b) => d.set_item("body", to_py(py, &b)?)?,
        None => d.set_item("body", py.None())?,
    }
    Ok(d.into_any().unbind())
}

// ---------------------------------------------------------------- client cell

/// The core client and the builder that made it (to rebuild it after a fork, and, for the
/// blocking `Client`, once per thread).
pub(crate) struct ClientCell {
    builder: ClientBuilder,
    state: Mutex<(u64, CoreClient)>,
    base_url: String,
    auth: &'static str,
    /// A blocking client: each thread calls through its own core client (see `rt::block`).
    per_thread: bool,
    /// Identifies this cell in the threads' client lists.
    id: u64,
}

static NEXT_CELL_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

thread_local! {
    /// This thread's core clients of blocking `Client`s: (cell id, generation, client). Its
    /// connections live in this thread's runtime, and go with the thread.
    static THREAD_CLIENTS: std::cell::RefCell<Vec<(u64, u64, CoreClient)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl ClientCell {
    /// The client for a call made from this thread.
    fn client(&self, py: Python<'_>) -> PyResult<CoreClient> {
        if !self.per_thread {
            return self.shared_client(py);
        }
        let generation = rt::generation(py)?;
        let found = THREAD_CLIENTS.with(|list| {
            let mut list = list.borrow_mut();
            // A forked child's copies hold the parent's connections: never drop them.
            let mut i = 0;
            while i < list.len() {
                if list[i].1 == generation {
                    i += 1;
                } else {
                    std::mem::forget(list.swap_remove(i));
                }
            }
            list.iter()
                .find(|(id, _, _)| *id == self.id)
                .map(|(_, _, c)| c.clone())
        });
        if let Some(c) = found {
            return Ok(c);
        }
        let fresh = core(py, self.builder.clone().build())?;
        THREAD_CLIENTS.with(|list| list.borrow_mut().push((self.id, generation, fresh.clone())));
        Ok(fresh)
    }

    /// The one client shared by every thread (asyncio calls, iterators).
    fn shared_client(&self, py: Python<'_>) -> PyResult<CoreClient> {
        let generation = rt::generation(py)?;
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 != generation {
            // Forked: the old client's connections belong to the parent's runtime.
            let fresh = core(py, self.builder.clone().build())?;
            std::mem::forget(std::mem::replace(&mut s.1, fresh));
            s.0 = generation;
        }
        Ok(s.1.clone())
    }
}

impl Drop for ClientCell {
    fn drop(&mut self) {
        // This thread's copy goes now; other threads' go when they end.
        let id = self.id;
        let _ = THREAD_CLIENTS.try_with(|list| {
            if let Ok(mut list) = list.try_borrow_mut() {
                list.retain(|(i, _, _)| *i != id);
            }
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn new_cell(
    py: Python<'_>,
    flavour: &str,
    api_key: Option<String>,
    base_url: Option<String>,
    bearer_token: Option<String>,
    timeout: Option<f64>,
    max_retries: Option<u32>,
    default_headers: Option<&Bound<'_, PyAny>>,
) -> PyResult<Arc<ClientCell>> {
    let base_url = base_url.ok_or_else(|| {
        config_err(
            py,
            "no base_url: pass the API's address, e.g. base_url=\"http://127.0.0.1:8080\" (there is no default)",
        )
    })?;
    let mut b = CoreClient::builder(base_url.clone());
    let auth = match (api_key, bearer_token) {
        (Some(_), Some(_)) => {
            return Err(config_err(
                py,
                "pass either api_key or bearer_token, not both",
            ))
        }
        (Some(k), None) => {
            b = b.api_key(k);
            "api_key"
        }
        (None, Some(t)) => {
            b = b.bearer_token(t);
            "bearer_token"
        }
        (None, None) => "none",
    };
    if let Some(t) = timeout {
        b = b.timeout(
            seconds(py, "timeout", t)
                .map_err(|_| config_err(py, "timeout must be a positive number of seconds"))?,
        );
    }
    if let Some(n) = max_retries {
        b = b.max_retries(n);
    }
    if let Some(h) = default_headers {
        for (k, v) in str_pairs(h)? {
            b = b.default_header(k, v);
        }
    }
    let version = py.version_info();
    b = b.user_agent_extra(format!(
        "python/{}.{} ({flavour})",
        version.major, version.minor
    ));
    let generation = rt::generation(py)?;
    let client = guard(py, || core(py, b.clone().build()))?;
    let base = client.base_url().to_owned();
    Ok(Arc::new(ClientCell {
        builder: b,
        state: Mutex::new((generation, client)),
        base_url: base,
        auth,
        per_thread: flavour == "sync",
        id: NEXT_CELL_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    }))
}

// ---------------------------------------------------------------- page

/// One page of a list: `data` (a list of dicts) and `next_cursor`. Iterating a page yields
/// its records.
#[pyclass(frozen, module = "erp_api_client._native")]
pub(crate) struct Page {
    #[pyo3(get)]
    data: Py<PyList>,
    #[pyo3(get)]
    next_cursor: Option<String>,
}

#[pymethods]
impl Page {
    #[getter]
    fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.data.bind(py).len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.data.bind(py).try_iter()?.into_any())
    }

    fn __getitem__<'py>(&self, py: Python<'py>, i: isize) -> PyResult<Bound<'py, PyAny>> {
        self.data.bind(py).as_any().get_item(i)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Page(len={}, next_cursor={:?})",
            self.data.bind(py).len(),
            self.next_cursor
        )
    }
}

// ---------------------------------------------------------------- query state

#[derive(Clone)]
struct QueryState {
    cell: Arc<ClientCell>,
    resource: &'static str,
    filters: Vec<(String, String)>,
    sort: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
    options: RequestOptions,
}

impl QueryState {
    fn new(py: Python<'_>, cell: &Arc<ClientCell>, name: &str) -> PyResult<Self> {
        // Unknown names are reported by the core (same message in every face).
        let c = cell.client(py)?;
        core(py, c.resource(name))?;
        let resource = erp_api_client::spec::RESOURCES
            .iter()
            .find(|r| r.path == name || r.name == name)
            .map(|r| r.name)
            .ok_or_else(|| invalid(py, format!("unknown resource {name:?}")))?;
        Ok(QueryState {
            cell: cell.clone(),
            resource,
            filters: Vec::new(),
            sort: None,
            limit: None,
            cursor: None,
            options: RequestOptions::default(),
        })
    }

    fn build(&self, py: Python<'_>) -> PyResult<erp_api_client::Query> {
        self.build_with(py, self.cell.client(py)?)
    }

    fn build_with(&self, py: Python<'_>, c: CoreClient) -> PyResult<erp_api_client::Query> {
        let mut q = core(py, c.resource(self.resource))?;
        for (k, v) in &self.filters {
            q = q.filter(k.clone(), v);
        }
        if let Some(s) = &self.sort {
            q = q.sort(s.clone());
        }
        if let Some(l) = self.limit {
            q = q.limit(l);
        }
        if let Some(c) = &self.cursor {
            q = q.cursor(c.clone());
        }
        Ok(q.options(&self.options))
    }

    fn filter(
        &self,
        mapping: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut s = self.clone();
        if let Some(m) = mapping {
            let items = if m.hasattr("items")? {
                m.call_method0("items")?
            } else {
                m.clone()
            };
            for item in items.try_iter()? {
                let (k, v): (String, Bound<'_, PyAny>) = item?.extract()?;
                s.filters.push((k, filter_text(&v)?));
            }
        }
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                s.filters.push((k.extract()?, filter_text(&v)?));
            }
        }
        Ok(s)
    }

    fn write_options(
        &self,
        py: Python<'_>,
        idempotency_key: Option<String>,
        suppress_webhooks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<erp_api_client::Query> {
        let q = self.build(py)?;
        let o = options_from(py, None, None, idempotency_key, None, suppress_webhooks)?;
        Ok(q.options(&o))
    }

    fn list(&self, py: Python<'_>, asynch: bool) -> PyResult<Py<PyAny>> {
        let q = self.build(py)?;
        run(py, asynch, async move { q.list().await }, page_out)
    }

    fn get(&self, py: Python<'_>, asynch: bool, id: String) -> PyResult<Py<PyAny>> {
        let q = self.build(py)?;
        run(py, asynch, async move { q.get(&id).await }, json_out)
    }

    fn create(
        &self,
        py: Python<'_>,
        asynch: bool,
        body: &Bound<'_, PyAny>,
        idempotency_key: Option<String>,
        suppress_webhooks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let body = from_py(body)?;
        let q = self.write_options(py, idempotency_key, suppress_webhooks)?;
        run(py, asynch, async move { q.create(body).await }, json_out)
    }

    fn update(
        &self,
        py: Python<'_>,
        asynch: bool,
        id: String,
        body: &Bound<'_, PyAny>,
        idempotency_key: Option<String>,
        suppress_webhooks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let body = from_py(body)?;
        let q = self.write_options(py, idempotency_key, suppress_webhooks)?;
        run(
            py,
            asynch,
            async move { q.update(&id, body).await },
            json_out,
        )
    }

    fn delete(
        &self,
        py: Python<'_>,
        asynch: bool,
        id: String,
        idempotency_key: Option<String>,
        suppress_webhooks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let q = self.write_options(py, idempotency_key, suppress_webhooks)?;
        run(py, asynch, async move { q.delete(&id).await }, json_out)
    }

    fn prepare(
        &self,
        py: Python<'_>,
        op: &str,
        id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let q = self.build(py)?;
        let op = core(py, Op::from_str(op))?;
        let body = match body {
            Some(b) if !b.is_none() => Some(from_py(b)?),
            _ => None,
        };
        let r = guard(py, || core(py, q.prepare(op, id.as_deref(), body.as_ref())))?;
        prepared_dict(py, &r)
    }

    fn repr(&self, cls: &str) -> String {
        let mut s = format!("{cls}({:?}", self.resource);
        for (k, v) in &self.filters {
            s.push_str(&format!(", {k}={v:?}"));
        }
        if let Some(x) = &self.sort {
            s.push_str(&format!(", sort={x:?}"));
        }
        if let Some(x) = self.limit {
            s.push_str(&format!(", limit={x}"));
        }
        s.push(')');
        s
    }
}

/// Generates a resource class (blocking or asyncio flavour).
macro_rules! resource_class {
    ($cls:ident, $name:literal, $asynch:literal, { $($extra:tt)* }) => {
        /// A resource and the fluent request builder over it. Builder methods return a new
        /// builder; `list`, `get`, `create`, `update`, `delete` send.
        #[pyclass(frozen, name = $name, module = "erp_api_client._native")]
        pub(crate) struct $cls {
            q: QueryState,
        }

        #[pymethods]
        impl $cls {
            #[pyo3(signature = (mapping = None, /, **kwargs))]
            fn filter(
                &self,
                mapping: Option<&Bound<'_, PyAny>>,
                kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<Self> {
                Ok(Self { q: self.q.filter(mapping, kwargs)? })
            }

            fn sort(&self, field: String) -> Self {
                let mut q = self.q.clone();
                q.sort = Some(field);
                Self { q }
            }

            fn limit(&self, n: i64) -> Self {
                let mut q = self.q.clone();
                q.limit = Some(n);
                Self { q }
            }

            fn cursor(&self, cursor: String) -> Self {
                let mut q = self.q.clone();
                q.cursor = Some(cursor);
                Self { q }
            }

            #[pyo3(signature = (*, timeout = None, max_retries = None, idempotency_key = None, headers = None, suppress_webhooks = None))]
            fn with_options(
                &self,
                py: Python<'_>,
                timeout: Option<f64>,
                max_retries: Option<u32>,
                idempotency_key: Option<String>,
                headers: Option<&Bound<'_, PyAny>>,
                suppress_webhooks: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let o = options_from(py, timeout, max_retries, idempotency_key, headers, suppress_webhooks)?;
                let mut q = self.q.clone();
                q.options = q.options.merged(&o);
                Ok(Self { q })
            }

            fn list(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.q.list(py, $asynch)
            }

            fn get(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                self.q.get(py, $asynch, id)
            }

            #[pyo3(signature = (body, *, idempotency_key = None, suppress_webhooks = None))]
            fn create(
                &self,
                py: Python<'_>,
                body: &Bound<'_, PyAny>,
                idempotency_key: Option<String>,
                suppress_webhooks: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                self.q.create(py, $asynch, body, idempotency_key, suppress_webhooks)
            }

            #[pyo3(signature = (id, body, *, idempotency_key = None, suppress_webhooks = None))]
            fn update(
                &self,
                py: Python<'_>,
                id: String,
                body: &Bound<'_, PyAny>,
                idempotency_key: Option<String>,
                suppress_webhooks: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                self.q.update(py, $asynch, id, body, idempotency_key, suppress_webhooks)
            }

            #[pyo3(signature = (id, *, idempotency_key = None, suppress_webhooks = None))]
            fn delete(
                &self,
                py: Python<'_>,
                id: String,
                idempotency_key: Option<String>,
                suppress_webhooks: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                self.q.delete(py, $asynch, id, idempotency_key, suppress_webhooks)
            }

            #[pyo3(signature = (op, id = None, body = None))]
            fn prepare(
                &self,
                py: Python<'_>,
                op: &str,
                id: Option<String>,
                body: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                self.q.prepare(py, op, id, body)
            }

            #[getter]
            fn name(&self) -> &'static str {
                self.q.resource
            }

            fn __repr__(&self) -> String {
                self.q.repr($name)
            }

            $($extra)*
        }
    };
}

resource_class!(Resource, "Resource", false, {
    /// Every record of every page, fetching pages as needed.
    fn iter(&self, py: Python<'_>) -> PyResult<Paginator> {
        // An iterator may be advanced from any thread: the shared client and runtime.
        let c = self.q.cell.shared_client(py)?;
        Ok(Paginator {
            inner: self.q.build_with(py, c)?.paginate(),
            generation: rt::generation(py)?,
        })
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<Paginator> {
        self.iter(py)
    }
});

resource_class!(AsyncResource, "AsyncResource", true, {
    /// Every record of every page (`async for`), fetching pages as needed.
    fn iter(&self, py: Python<'_>) -> PyResult<AsyncPaginator> {
        AsyncPaginator::new(py, self.q.build(py)?)
    }

    fn __aiter__(&self, py: Python<'_>) -> PyResult<AsyncPaginator> {
        self.iter(py)
    }
});

// ---------------------------------------------------------------- paginators

/// Iterates every record of every page (blocking).
#[pyclass(module = "erp_api_client._native")]
pub(crate) struct Paginator {
    inner: erp_api_client::Paginator,
    generation: u64,
}

/// An iterator holds a connection pool of the process that made it: after `os.fork()` the
/// child must start a new one (a fresh `.iter()`), which uses the child's own pool.
fn check_generation(py: Python<'_>, generation: u64) -> PyResult<()> {
    if rt::generation(py)? == generation {
        Ok(())
    } else {
        Err(crate::base_error(
            py,
            "invalid_request",
            "this iterator was created before os.fork(): call .iter() again in the child process",
        ))
    }
}

#[pymethods]
impl Paginator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        check_generation(py, self.generation)?;
        let inner = &mut self.inner;
        let next = rt::block_shared(py, move || inner.next())?;
        match next {
            Some(v) => Ok(Some(to_py_obj(py, &v)?)),
            None => Ok(None),
        }
    }

    #[getter]
    fn pages_fetched(&self) -> u64 {
        self.inner.pages_fetched()
    }
}

/// Iterates every record of every page (`async for`).
#[pyclass(frozen, module = "erp_api_client._native")]
pub(crate) struct AsyncPaginator {
    pages: Arc<tokio::sync::Mutex<erp_api_client::Paginator>>,
    buffer: Arc<Mutex<VecDeque<Value>>>,
    generation: u64,
}

impl AsyncPaginator {
    fn new(py: Python<'_>, q: erp_api_client::Query) -> PyResult<Self> {
        Ok(AsyncPaginator {
            pages: Arc::new(tokio::sync::Mutex::new(q.paginate())),
            buffer: Arc::new(Mutex::new(VecDeque::new())),
            generation: rt::generation(py)?,
        })
    }
}

#[pymethods]
impl AsyncPaginator {
    fn __aiter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __anext__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        check_generation(py, self.generation)?;
        let buffered = self
            .buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front();
        if let Some(v) = buffered {
            return aio::ready(py, to_py_obj(py, &v)?);
        }
        let pages = self.pages.clone();
        let buffer = self.buffer.clone();
        aio::spawn(
            py,
            async move {
                let mut p = pages.lock().await;
                // Records another caller buffered while we waited for the lock come first.
                loop {
                    if let Some(v) = buffer.lock().unwrap_or_else(|e| e.into_inner()).pop_front() {
                        return Ok(Some(v));
                    }
                    match p.next_page().await? {
                        None => return Ok(None),
                        Some(page) => buffer
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .extend(page.data),
                    }
                }
            },
            |py, v: Option<Value>| match v {
                Some(v) => to_py_obj(py, &v),
                None => Err(PyStopAsyncIteration::new_err(())),
            },
        )
    }
}

// ---------------------------------------------------------------- batch

#[derive(Clone)]
struct BatchState {
    cell: Arc<ClientCell>,
    ops: Vec<BatchOperation>,
    mode: BatchMode,
    stop_on_error: bool,
    max_parallel: Option<u32>,
    idempotency_key: Option<String>,
    chunk_size: Option<usize>,
    options: RequestOptions,
}

#[derive(Default)]
struct BatchArgs {
    mode: Option<String>,
    stop_on_error: Option<bool>,
    max_parallel: Option<u32>,
    idempotency_key: Option<String>,
    chunk_size: Option<usize>,
}

impl BatchState {
    fn build(
        &self,
        py: Python<'_>,
        args: BatchArgs,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<erp_api_client::Batch> {
        let c = self.cell.client(py)?;
        let mut b = c.batch();
        for op in &self.ops {
            b = b.add_operation(op.clone());
        }
        let mode = match args.mode {
            Some(m) => core(py, BatchMode::from_str(&m))?,
            None => self.mode,
        };
        b = b
            .mode(mode)
            .stop_on_error(args.stop_on_error.unwrap_or(self.stop_on_error))
            .options(&self.options);
        if let Some(p) = args.max_parallel.or(self.max_parallel) {
            b = b.max_parallel(p);
        }
        if let Some(k) = args
            .idempotency_key
            .or_else(|| self.idempotency_key.clone())
        {
            b = b.idempotency_key(k);
        }
        if let Some(n) = args.chunk_size.or(self.chunk_size) {
            b = b.chunk_size(n);
        }
        if let Some(cb) = progress {
            b = b.on_progress(move |p: BatchProgress| {
                Python::attach(|py| {
                    let call = || -> PyResult<()> {
                        let d = PyDict::new(py);
                        d.set_item("chunks_done", p.chunks_done)?;
                        d.set_item("chunks_total", p.chunks_total)?;
                        d.set_item("operations_done", p.operations_done)?;
                        d.set_item("operations_total", p.operations_total)?;
                        d.set_item("failed", p.failed)?;
                        cb.call1(py, (d,))?;
                        Ok(())
                    };
                    if let Err(e) = call() {
                        e.write_unraisable(py, Some(cb.bind(py)));
                    }
                })
            });
        }
        Ok(b)
    }

    fn add(
        &mut self,
        py: Python<'_>,
        method: &str,
        path: String,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let method = core(py, Method::from_str(method))?;
        let body = match body {
            Some(b) if !b.is_none() => Some(from_py(b)?),
            _ => None,
        };
        self.ops.push(BatchOperation { method, path, body });
        Ok(())
    }

    /// The core CSV import on this batch (its options included); the core parses, chunks,
    /// checkpoints and checks the settings.
    #[allow(clippy::too_many_arguments)]
    fn csv_import(
        &self,
        py: Python<'_>,
        resource: &str,
        csv_text: String,
        validate_only: bool,
        batch_size: usize,
        resume_from: usize,
        idempotency_key: Option<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<CsvImport> {
        let b = self.build(py, BatchArgs::default(), None)?;
        let mut imp = b
            .from_csv(resource, csv_text)
            .validate_only(validate_only)
            .batch_size(batch_size)
            .resume_from(resume_from);
        if let Some(k) = idempotency_key {
            imp = imp.idempotency_key(k);
        }
        if let Some(cb) = progress {
            imp = imp.on_progress(move |p: ImportProgress| {
                Python::attach(|py| {
                    let call = || -> PyResult<()> {
                        let d = PyDict::new(py);
                        d.set_item("rows_total", p.rows_total)?;
                        d.set_item("rows_done", p.rows_done)?;
                        d.set_item("imported", p.imported)?;
                        d.set_item("failed", p.failed)?;
                        cb.call1(py, (d,))?;
                        Ok(())
                    };
                    if let Err(e) = call() {
                        e.write_unraisable(py, Some(cb.bind(py)));
                    }
                })
            });
        }
        Ok(imp)
    }
}

fn batch_handle_out(
    py: Python<'_>,
    cell: Arc<ClientCell>,
    asynch: bool,
    h: erp_api_client::BatchHandle,
) -> PyResult<Py<PyAny>> {
    let generation = rt::generation(py)?;
    let inner = HandleState {
        cell,
        id: h.id().to_owned(),
        handle: h,
        generation,
    };
    if asynch {
        Ok(Py::new(py, AsyncBatchHandle { h: inner })?.into_any())
    } else {
        Ok(Py::new(py, BatchHandle { h: inner })?.into_any())
    }
}

macro_rules! batch_class {
    ($cls:ident, $name:literal, $asynch:literal) => {
        /// A batch of operations. `add()` returns the batch; `execute()` runs it and answers
        /// the result; `submit()` runs it in the background and answers a handle;
        /// `from_csv()` imports CSV rows as records.
        #[pyclass(name = $name, module = "erp_api_client._native")]
        pub(crate) struct $cls {
            s: BatchState,
        }

        #[pymethods]
        impl $cls {
            #[pyo3(signature = (method, path, body = None))]
            fn add<'py>(
                slf: Bound<'py, Self>,
                method: &str,
                path: String,
                body: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, Self>> {
                let py = slf.py();
                slf.borrow_mut().s.add(py, method, path, body)?;
                Ok(slf)
            }

            fn strict(slf: Bound<'_, Self>) -> Bound<'_, Self> {
                slf.borrow_mut().s.mode = BatchMode::Strict;
                slf
            }

            fn lenient(slf: Bound<'_, Self>) -> Bound<'_, Self> {
                slf.borrow_mut().s.mode = BatchMode::Lenient;
                slf
            }

            #[pyo3(signature = (*, timeout = None, max_retries = None, headers = None, suppress_webhooks = None))]
            fn with_options<'py>(
                slf: Bound<'py, Self>,
                timeout: Option<f64>,
                max_retries: Option<u32>,
                headers: Option<&Bound<'py, PyAny>>,
                suppress_webhooks: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, Self>> {
                let o = options_from(slf.py(), timeout, max_retries, None, headers, suppress_webhooks)?;
                {
                    let mut b = slf.borrow_mut();
                    b.s.options = b.s.options.merged(&o);
                }
                Ok(slf)
            }

            #[pyo3(signature = (*, mode = None, stop_on_error = None, max_parallel = None, idempotency_key = None, chunk_size = None))]
            fn prepare(
                &self,
                py: Python<'_>,
                mode: Option<String>,
                stop_on_error: Option<bool>,
                max_parallel: Option<u32>,
                idempotency_key: Option<String>,
                chunk_size: Option<usize>,
            ) -> PyResult<Py<PyAny>> {
                let args = BatchArgs { mode, stop_on_error, max_parallel, idempotency_key, chunk_size };
                let b = self.s.build(py, args, None)?;
                let r = guard(py, || core(py, b.prepare()))?;
                prepared_dict(py, &r)
            }

            #[allow(clippy::too_many_arguments)]
            #[pyo3(signature = (*, mode = None, stop_on_error = None, max_parallel = None, idempotency_key = None, chunk_size = None, progress = None))]
            fn execute(
                &self,
                py: Python<'_>,
                mode: Option<String>,
                stop_on_error: Option<bool>,
                max_parallel: Option<u32>,
                idempotency_key: Option<String>,
                chunk_size: Option<usize>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                let args = BatchArgs { mode, stop_on_error, max_parallel, idempotency_key, chunk_size };
                let b = self.s.build(py, args, progress)?;
                if $asynch {
                    aio::spawn(py, async move { b.execute().await }, ser_out)
                } else {
                    let r = rt::block(py, move || async move { b.execute().await })?;
                    guard(py, || ser_out(py, r))
                }
            }

            #[allow(clippy::too_many_arguments)]
            #[pyo3(signature = (*, mode = None, stop_on_error = None, max_parallel = None, idempotency_key = None, progress = None))]
            fn submit(
                &self,
                py: Python<'_>,
                mode: Option<String>,
                stop_on_error: Option<bool>,
                max_parallel: Option<u32>,
                idempotency_key: Option<String>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                let args = BatchArgs { mode, stop_on_error, max_parallel, idempotency_key, chunk_size: None };
                let b = self.s.build(py, args, progress)?;
                let cell = self.s.cell.clone();
                run(py, $asynch, async move { b.submit().await }, move |py, h| {
                    batch_handle_out(py, cell, $asynch, h)
                })
            }

            /// Imports CSV rows as records of `resource` (lenient batches of `batch_size`
            /// rows); answers the import result.
            #[allow(clippy::too_many_arguments, clippy::wrong_self_convention)]
            #[pyo3(signature = (resource, csv_text, *, validate_only = false, batch_size = 500, resume_from = 0, idempotency_key = None, progress = None))]
            fn from_csv(
                &self,
                py: Python<'_>,
                resource: &str,
                csv_text: String,
                validate_only: bool,
                batch_size: usize,
                resume_from: usize,
                idempotency_key: Option<String>,
                progress: Option<Py<PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                let imp = self.s.csv_import(py, resource, csv_text, validate_only, batch_size, resume_from, idempotency_key, progress)?;
                if $asynch {
                    aio::spawn(py, async move { imp.execute().await }, ser_out)
                } else {
                    let r = rt::block(py, move || async move { imp.execute().await })?;
                    guard(py, || ser_out(py, r))
                }
            }

            fn __len__(&self) -> usize {
                self.s.ops.len()
            }

            fn __repr__(&self) -> String {
                format!("{}(operations={}, mode={:?})", $name, self.s.ops.len(), self.s.mode.as_str())
            }
        }
    };
}

batch_class!(Batch, "Batch", false);
batch_class!(AsyncBatch, "AsyncBatch", true);

struct HandleState {
    cell: Arc<ClientCell>,
    id: String,
    handle: erp_api_client::BatchHandle,
    generation: u64,
}

impl HandleState {
    fn handle(&self, py: Python<'_>) -> PyResult<erp_api_client::BatchHandle> {
        if rt::generation(py)? == self.generation && !self.cell.per_thread {
            return Ok(self.handle.clone());
        }
        // Forked, or a blocking client: this process's / this thread's client, same settings.
        let c = self.cell.client(py)?;
        Ok(self.handle.with_client(&c))
    }
}

macro_rules! handle_class {
    ($cls:ident, $name:literal, $asynch:literal) => {
        /// A batch submitted to run in the background.
        #[pyclass(frozen, name = $name, module = "erp_api_client._native")]
        pub(crate) struct $cls {
            h: HandleState,
        }

        #[pymethods]
        impl $cls {
            #[getter]
            fn id(&self) -> &str {
                &self.h.id
            }

            /// The batch's current state (one request).
            fn status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let h = self.h.handle(py)?;
                run(py, $asynch, async move { h.status().await }, ser_out)
            }

            /// Polls until the batch is done; answers its result.
            fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let h = self.h.handle(py)?;
                run(py, $asynch, async move { h.wait().await }, ser_out)
            }

            fn __repr__(&self) -> String {
                format!("{}(id={:?})", $name, self.h.id)
            }
        }
    };
}

handle_class!(BatchHandle, "BatchHandle", false);
handle_class!(AsyncBatchHandle, "AsyncBatchHandle", true);

// ---------------------------------------------------------------- webhooks

#[allow(clippy::too_many_arguments)]
fn webhook_params(
    py: Python<'_>,
    url: Option<String>,
    events: Option<&Bound<'_, PyAny>>,
    filters: Option<&Bound<'_, PyAny>>,
    retry_policy: Option<&Bound<'_, PyAny>>,
    secret: Option<String>,
    active: Option<bool>,
    description: Option<String>,
) -> PyResult<WebhookParams> {
    let mut p = WebhookParams {
        url,
        secret,
        active,
        description,
        ..Default::default()
    };
    if let Some(e) = events {
        p.events = Some(str_list(e)?);
    }
    if let Some(f) = filters {
        match from_py(f)? {
            Value::Object(m) => p.filters = Some(m),
            _ => return Err(invalid(py, "filters must be a dict")),
        }
    }
    if let Some(r) = retry_policy {
        let v = from_py(r)?;
        let rp: WebhookRetryPolicy = serde_json::from_value(v).map_err(|_| {
            invalid(
                py,
                "retry_policy must be {\"max_retries\": int, \"backoff_ms\": int}",
            )
        })?;
        p.retry_policy = Some(rp);
    }
    Ok(p)
}

macro_rules! webhooks_class {
    ($cls:ident, $name:literal, $asynch:literal) => {
        /// Webhook management: register, list, get, update, delete, test, rotate_secret,
        /// deliveries, delivery, retry_delivery, stats.
        #[pyclass(frozen, name = $name, module = "erp_api_client._native")]
        pub(crate) struct $cls {
            cell: Arc<ClientCell>,
            options: RequestOptions,
        }

        impl $cls {
            fn api(&self, py: Python<'_>) -> PyResult<erp_api_client::Webhooks> {
                Ok(self.cell.client(py)?.webhooks().with_options(&self.options))
            }
        }

        #[pymethods]
        impl $cls {
            #[pyo3(signature = (*, timeout = None, max_retries = None, idempotency_key = None, headers = None, suppress_webhooks = None))]
            fn with_options(
                &self,
                py: Python<'_>,
                timeout: Option<f64>,
                max_retries: Option<u32>,
                idempotency_key: Option<String>,
                headers: Option<&Bound<'_, PyAny>>,
                suppress_webhooks: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let o = options_from(py, timeout, max_retries, idempotency_key, headers, suppress_webhooks)?;
                Ok(Self { cell: self.cell.clone(), options: self.options.merged(&o) })
            }

            #[allow(clippy::too_many_arguments)]
            #[pyo3(signature = (url, events, *, filters = None, retry_policy = None, secret = None, active = None, description = None))]
            fn register(
                &self,
                py: Python<'_>,
                url: String,
                events: &Bound<'_, PyAny>,
                filters: Option<&Bound<'_, PyAny>>,
                retry_policy: Option<&Bound<'_, PyAny>>,
                secret: Option<String>,
                active: Option<bool>,
                description: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let p = webhook_params(py, Some(url), Some(events), filters, retry_policy, secret, active, description)?;
                let w = self.api(py)?;
                run(py, $asynch, async move { w.create(p).await }, ser_out)
            }

            fn list(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.list().await }, page_out)
            }

            fn get(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.get(&id).await }, ser_out)
            }

            #[allow(clippy::too_many_arguments)]
            #[pyo3(signature = (id, *, url = None, events = None, filters = None, retry_policy = None, secret = None, active = None, description = None))]
            fn update(
                &self,
                py: Python<'_>,
                id: String,
                url: Option<String>,
                events: Option<&Bound<'_, PyAny>>,
                filters: Option<&Bound<'_, PyAny>>,
                retry_policy: Option<&Bound<'_, PyAny>>,
                secret: Option<String>,
                active: Option<bool>,
                description: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let p = webhook_params(py, url, events, filters, retry_policy, secret, active, description)?;
                let w = self.api(py)?;
                run(py, $asynch, async move { w.update(&id, p).await }, ser_out)
            }

            fn delete(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.delete(&id).await }, json_out)
            }

            fn test(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.test(&id).await }, ser_out)
            }

            fn rotate_secret(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.rotate_secret(&id).await }, ser_out)
            }

            #[pyo3(signature = (id, *, status = None, limit = None, cursor = None))]
            fn deliveries(
                &self,
                py: Python<'_>,
                id: String,
                status: Option<String>,
                limit: Option<u32>,
                cursor: Option<String>,
            ) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                let q = DeliveryQuery { status, limit, cursor };
                run(py, $asynch, async move { w.deliveries(&id, &q).await }, page_out)
            }

            fn delivery(&self, py: Python<'_>, id: String, delivery_id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.delivery(&id, &delivery_id).await }, ser_out)
            }

            fn retry_delivery(&self, py: Python<'_>, id: String, delivery_id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.retry_delivery(&id, &delivery_id).await }, ser_out)
            }

            fn stats(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                let w = self.api(py)?;
                run(py, $asynch, async move { w.stats(&id).await }, json_out)
            }

            fn __repr__(&self) -> String {
                format!("{}(base_url={:?})", $name, self.cell.base_url)
            }
        }
    };
}

webhooks_class!(Webhooks, "Webhooks", false);
webhooks_class!(AsyncWebhooks, "AsyncWebhooks", true);

// ---------------------------------------------------------------- clients

macro_rules! client_class {
    ($cls:ident, $name:literal, $asynch:literal, $flavour:literal, $res:ident, $batch:ident, $hooks:ident, { $($extra:tt)* }) => {
        #[pyclass(frozen, name = $name, module = "erp_api_client._native")]
        pub(crate) struct $cls {
            cell: Arc<ClientCell>,
        }

        #[pymethods]
        impl $cls {
            #[new]
            #[allow(clippy::too_many_arguments)]
            #[pyo3(signature = (api_key = None, *, base_url = None, bearer_token = None, timeout = None, max_retries = None, default_headers = None))]
            fn new(
                py: Python<'_>,
                api_key: Option<String>,
                base_url: Option<String>,
                bearer_token: Option<String>,
                timeout: Option<f64>,
                max_retries: Option<u32>,
                default_headers: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Self> {
                let cell = new_cell(py, $flavour, api_key, base_url, bearer_token, timeout, max_retries, default_headers)?;
                Ok(Self { cell })
            }

            #[getter]
            fn base_url(&self) -> &str {
                &self.cell.base_url
            }

            /// A resource by name (`inventory-items` or `inventory_items`).
            fn resource(&self, py: Python<'_>, name: &str) -> PyResult<$res> {
                Ok($res { q: QueryState::new(py, &self.cell, name)? })
            }

            #[getter]
            fn companies(&self, py: Python<'_>) -> PyResult<$res> {
                self.resource(py, "companies")
            }

            #[getter]
            fn customers(&self, py: Python<'_>) -> PyResult<$res> {
                self.resource(py, "customers")
            }

            #[getter]
            fn vendors(&self, py: Python<'_>) -> PyResult<$res> {
                self.resource(py, "vendors")
            }

            #[getter]
            fn inventory_items(&self, py: Python<'_>) -> PyResult<$res> {
                self.resource(py, "inventory_items")
            }

            #[getter]
            fn sales_orders(&self, py: Python<'_>) -> PyResult<$res> {
                self.resource(py, "sales_orders")
            }

            #[getter]
            fn webhooks(&self) -> $hooks {
                $hooks { cell: self.cell.clone(), options: RequestOptions::default() }
            }

            /// A new, empty batch.
            fn batch(&self) -> $batch {
                $batch {
                    s: BatchState {
                        cell: self.cell.clone(),
                        ops: Vec::new(),
                        mode: BatchMode::Strict,
                        stop_on_error: false,
                        max_parallel: None,
                        idempotency_key: None,
                        chunk_size: None,
                        options: RequestOptions::default(),
                    },
                }
            }

            /// A handle on a batch submitted earlier, by id.
            fn batch_handle(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
                let c = self.cell.client(py)?;
                let h = erp_api_client::BatchHandle::from_id(&c, id);
                batch_handle_out(py, self.cell.clone(), $asynch, h)
            }

            /// The event types webhooks can subscribe to.
            fn event_types(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let c = self.cell.client(py)?;
                run(py, $asynch, async move { c.event_types().await }, json_out)
            }

            fn __repr__(&self) -> String {
                format!("{}(base_url={:?}, auth={:?})", $name, self.cell.base_url, self.cell.auth)
            }

            $($extra)*
        }
    };
}

client_class!(
    Client,
    "Client",
    false,
    "sync",
    Resource,
    Batch,
    Webhooks,
    {
        fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
            slf
        }

        #[pyo3(signature = (*_args))]
        fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
            false
        }

        /// Releases nothing yet (connections are pooled and closed when the client is dropped).
        fn close(&self) {}
    }
);

client_class!(
    AsyncClient,
    "AsyncClient",
    true,
    "asyncio",
    AsyncResource,
    AsyncBatch,
    AsyncWebhooks,
    {
        fn __aenter__(slf: Bound<'_, Self>) -> PyResult<Py<PyAny>> {
            let py = slf.py();
            aio::ready(py, slf.into_any().unbind())
        }

        #[pyo3(signature = (*_args))]
        fn __aexit__(
            &self,
            py: Python<'_>,
            _args: &Bound<'_, pyo3::types::PyTuple>,
        ) -> PyResult<Py<PyAny>> {
            aio::ready(py, false.into_pyobject(py)?.to_owned().into_any().unbind())
        }

        /// Releases nothing yet (connections are pooled and closed when the client is dropped).
        fn close(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            aio::ready(py, py.None())
        }
    }
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Client>()?;
    m.add_class::<AsyncClient>()?;
    m.add_class::<Resource>()?;
    m.add_class::<AsyncResource>()?;
    m.add_class::<Page>()?;
    m.add_class::<Paginator>()?;
    m.add_class::<AsyncPaginator>()?;
    m.add_class::<Batch>()?;
    m.add_class::<AsyncBatch>()?;
    m.add_class::<BatchHandle>()?;
    m.add_class::<AsyncBatchHandle>()?;
    m.add_class::<Webhooks>()?;
    m.add_class::<AsyncWebhooks>()?;
    Ok(())
}
