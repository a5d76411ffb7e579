//! Resource clients: the fluent request builder, pages and auto-pagination.

use std::collections::VecDeque;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::json::shape_error;
use crate::request::{check_field_name, check_id, Method, PreparedRequest, RequestOptions};
use crate::spec::ResourceInfo;
use crate::transport::RawResponse;

/// Largest page size the API accepts.
pub const MAX_LIMIT: u32 = 100;

/// One page of a list: `{"data": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T = Value> {
    /// The records of this page.
    pub data: Vec<T>,
    /// The cursor of the next page, `None` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

impl Page {
    /// Reads a page from the API's JSON (hand-written: the browser build carries no serde
    /// deserializers).
    pub fn from_json(v: Value) -> Result<Page> {
        let Value::Object(mut m) = v else {
            return Err(shape_error("a list answer is not an object"));
        };
        let data = match m.remove("data") {
            Some(Value::Array(a)) => a,
            _ => return Err(shape_error("a list answer without a data array")),
        };
        let next_cursor = match m.remove("next_cursor") {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => None,
            Some(_) => return Err(shape_error("next_cursor is not a string")),
        };
        Ok(Page { data, next_cursor })
    }
}

impl<T> Page<T> {
    /// Whether another page follows.
    pub fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }
}

/// The operations every resource supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `GET /{res}`
    List,
    /// `GET /{res}/{id}`
    Get,
    /// `POST /{res}`
    Create,
    /// `PATCH /{res}/{id}`
    Update,
    /// `DELETE /{res}/{id}`
    Delete,
}

impl Op {
    /// The operation's name (`list`, `get`, `create`, `update`, `delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::List => "list",
            Op::Get => "get",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Op::List | Op::Get => Method::Get,
            Op::Create => Method::Post,
            Op::Update => Method::Patch,
            Op::Delete => Method::Delete,
        }
    }

    /// All five, in a fixed order.
    pub const ALL: [Op; 5] = [Op::List, Op::Get, Op::Create, Op::Update, Op::Delete];
}

impl FromStr for Op {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Op::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown operation '{s}': expected list, get, create, update or delete"
                ))
            })
    }
}

/// A fluent request on one resource: filters, sort, page size, cursor and per-request
/// options, then one of `list`, `get`, `create`, `update`, `delete`, `stream`.
///
/// Builder methods never fail; an invalid argument is reported by the call that sends
/// (or [`prepare`](Self::prepare)s) the request.
#[derive(Debug, Clone)]
pub struct Query {
    client: Client,
    resource: &'static ResourceInfo,
    filters: Vec<(String, String)>,
    sort: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
    options: RequestOptions,
    error: Option<String>,
}

impl Query {
    pub(crate) fn new(client: Client, resource: &'static ResourceInfo) -> Self {
        Query {
            client,
            resource,
            filters: Vec::new(),
            sort: None,
            limit: None,
            cursor: None,
            options: RequestOptions::default(),
            error: None,
        }
    }

    /// The resource this query is for.
    pub fn resource(&self) -> &'static ResourceInfo {
        self.resource
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e.message());
        }
    }

    /// Keeps records whose `field` equals `value` (`filter[field]=value`); call again for more.
    pub fn filter(mut self, field: impl Into<String>, value: impl Display) -> Self {
        let field = field.into();
        match check_field_name("filter field", &field) {
            Ok(()) => self.filters.push((field, value.to_string())),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sorts by a field, `-field` for descending.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        let sort = sort.into();
        match check_field_name("sort field", sort.strip_prefix('-').unwrap_or(&sort)) {
            Ok(()) => self.sort = Some(sort),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Page size, 1 to 100 (the server's default is 20).
    pub fn limit(mut self, limit: i64) -> Self {
        if (1..=MAX_LIMIT as i64).contains(&limit) {
            self.limit = Some(limit);
        } else {
            self.fail(Error::invalid(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        self
    }

    /// Starts at this cursor (from a previous page's `next_cursor`).
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Per-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Per-request retry count.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.options.max_retries = Some(n);
        self
    }

    /// `Idempotency-Key` for the write this query sends.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// An extra header for this request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.headers.push((name.into(), value.into()));
        self
    }

    /// Do not deliver the events this write causes to these webhooks (`"*"`: to none of the tenant's).
    pub fn suppress_webhooks<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options = self.options.suppress_webhooks(ids);
        self
    }

    /// Layers whole [`RequestOptions`] on this request.
    pub fn options(mut self, options: &RequestOptions) -> Self {
        self.options = self.options.merged(options);
        self
    }

    /// Builds the request for `op` without sending it. `id` is needed by get, update and
    /// delete; `body` (a JSON object) by create and update.
    pub fn prepare(
        &self,
        op: Op,
        id: Option<&str>,
        body: Option<&Value>,
    ) -> Result<PreparedRequest> {
        if let Some(msg) = &self.error {
            return Err(Error::invalid(msg.clone()));
        }
        let base = format!("/{}", self.resource.path);
        let path = match op {
            Op::List | Op::Create => {
                if id.is_some() {
                    return Err(Error::invalid(format!("{} takes no id", op.as_str())));
                }
                base
            }
            Op::Get | Op::Update | Op::Delete => {
                let id =
                    id.ok_or_else(|| Error::invalid(format!("{} needs an id", op.as_str())))?;
                check_id(id)?;
                format!("{base}/{id}")
            }
        };
        let body = match op {
            Op::Create | Op::Update => match body {
                Some(Value::Object(_)) => body,
                Some(_) => {
                    return Err(Error::invalid(format!(
                        "{} needs a JSON object as body",
                        op.as_str()
                    )))
                }
                None => {
                    return Err(Error::invalid(format!("{} needs a body", op.as_str())));
                }
            },
            _ => {
                if body.is_some() {
                    return Err(Error::invalid(format!("{} takes no body", op.as_str())));
                }
                None
            }
        };
        let query = if op == Op::List {
            self.list_query(self.cursor.as_deref())
        } else {
            Vec::new()
        };
        self.client
            .prepare(op.method(), &path, &query, body, &self.options)
    }

    fn list_query(&self, cursor: Option<&str>) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = self
            .filters
            .iter()
            .map(|(k, v)| (format!("filter[{k}]"), v.clone()))
            .collect();
        if let Some(s) = &self.sort {
            q.push(("sort".into(), s.clone()));
        }
        if let Some(l) = self.limit {
            q.push(("limit".into(), l.to_string()));
        }
        if let Some(c) = cursor {
            q.push(("cursor".into(), c.to_owned()));
        }
        q
    }

    /// Sends `op` exactly as [`list`](Self::list), [`get`](Self::get), [`create`](Self::create),
    /// [`update`](Self::update) and [`delete`](Self::delete) do (same request, retries and
    /// errors; `id` and `body` as for [`prepare`](Self::prepare)) but answers the successful
    /// response undecoded, for callers that parse the JSON themselves (see
    /// [`Client::send_raw`]).
    pub async fn send_raw(
        &self,
        op: Op,
        id: Option<&str>,
        body: Option<&Value>,
    ) -> Result<RawResponse> {
        let req = self.prepare(op, id, body)?;
        self.client.send_raw(&req).await
    }

    async fn run(&self, op: Op, id: Option<&str>, body: Option<&Value>) -> Result<Value> {
        let req = self.prepare(op, id, body)?;
        Ok(self.client.send(&req).await?.body)
    }

    /// One page (`GET /{res}`).
    pub async fn list(&self) -> Result<Page> {
        let req = self.prepare(Op::List, None, None)?;
        Page::from_json(self.client.send(&req).await?.body)
    }

    /// One record (`GET /{res}/{id}`).
    pub async fn get(&self, id: &str) -> Result<Value> {
        self.run(Op::Get, Some(id), None).await
    }

    /// Creates a record (`POST /{res}`); answers the created record.
    pub async fn create(&self, body: impl Serialize) -> Result<Value> {
        let body = to_body(body)?;
        self.run(Op::Create, None, Some(&body)).await
    }

    /// Updates fields of a record (`PATCH /{res}/{id}`); answers the updated record.
    pub async fn update(&self, id: &str, body: impl Serialize) -> Result<Value> {
        let body = to_body(body)?;
        self.run(Op::Update, Some(id), Some(&body)).await
    }

    /// Deletes a record (`DELETE /{res}/{id}`); answers `{"id", "deleted": true}`.
    pub async fn delete(&self, id: &str) -> Result<Value> {
        self.run(Op::Delete, Some(id), None).await
    }

    /// A cursor over every record of every page, fetching pages as needed.
    pub fn paginate(&self) -> Paginator {
        Paginator {
            query: self.clone(),
            cursor: self.cursor.clone(),
            buffer: VecDeque::new(),
            done: false,
            pages_fetched: 0,
        }
    }

    /// A stream of every record of every page.
    ///
    /// ```no_run
    /// # async fn run(client: erp_api_client::Client) -> erp_api_client::Result<()> {
    /// use futures_util::StreamExt;
    /// let mut all = std::pin::pin!(client.customers().limit(100).stream());
    /// while let Some(customer) = all.next().await {
    ///     println!("{}", customer?["name"]);
    /// }
    /// # Ok(()) }
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    pub fn stream(&self) -> impl Stream<Item = Result<Value>> + Send + 'static {
        self.stream_inner()
    }

    /// A stream of every record of every page.
    #[cfg(target_arch = "wasm32")]
    pub fn stream(&self) -> impl Stream<Item = Result<Value>> + 'static {
        self.stream_inner()
    }

    fn stream_inner(&self) -> impl Stream<Item = Result<Value>> + 'static {
        futures_util::stream::unfold(Some(self.paginate()), |state| async move {
            let mut p = state?;
            match p.next().await {
                Ok(Some(item)) => Some((Ok(item), Some(p))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}

fn to_body(body: impl Serialize) -> Result<Value> {
    serde_json::to_value(body).map_err(|_| {
        Error::invalid("body cannot be represented as JSON (map keys must be strings)")
    })
}

/// Walks all pages of a list, one record or one page at a time. Stops at the last page.
#[derive(Debug)]
pub struct Paginator {
    query: Query,
    cursor: Option<String>,
    buffer: VecDeque<Value>,
    done: bool,
    pages_fetched: u64,
}

impl Paginator {
    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Page>> {
        if self.done {
            return Ok(None);
        }
        let mut q = self.query.clone();
        q.cursor = self.cursor.clone();
        let page = match q.list().await {
            Ok(p) => p,
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        self.pages_fetched += 1;
        match &page.next_cursor {
            Some(next) if Some(next) == self.cursor.as_ref() => {
                self.done = true;
                return Err(Error::Decode {
                    status: 200,
                    message: format!(
                        "the server returned the same cursor twice ({next}); stopping"
                    ),
                    request_id: None,
                });
            }
            Some(next) => self.cursor = Some(next.clone()),
            None => self.done = true,
        }
        Ok(Some(page))
    }

    /// The next record, fetching the next page when the current one is used up.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Result<Option<Value>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Ok(Some(item));
            }
            match self.next_page().await? {
                Some(page) => self.buffer.extend(page.data),
                None => return Ok(None),
            }
        }
    }

    /// How many pages have been fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder("http://127.0.0.1:9")
            .api_key("k")
            .build()
            .unwrap()
    }

    #[test]
    fn list_query_order_and_encoding() {
        let r = client()
            .companies()
            .filter("status", "active")
            .filter("name", "A&B Co")
            .sort("-created_at")
            .limit(10)
            .cursor("c/1")
            .prepare(Op::List, None, None)
            .unwrap();
        assert_eq!(
            r.query,
            "filter%5Bstatus%5D=active&filter%5Bname%5D=A%26B+Co&sort=-created_at&limit=10&cursor=c%2F1"
        );
        assert_eq!(r.path, "/api/v1/companies");
        assert!(r
            .url
            .starts_with("http://127.0.0.1:9/api/v1/companies?filter"));
    }

    #[test]
    fn bad_arguments_surface_at_prepare() {
        let c = client();
        for (q, needle) in [
            (c.companies().limit(0), "limit"),
            (c.companies().limit(101), "limit"),
            (c.companies().sort("name;drop"), "sort"),
            (c.companies().filter("a[b]", 1), "filter"),
        ] {
            let e = q.prepare(Op::List, None, None).unwrap_err();
            assert_eq!(e.kind(), "invalid_request");
            assert!(e.message().contains(needle), "{e}");
        }
        let q = c.companies();
        assert!(q.prepare(Op::Get, None, None).is_err());
        assert!(q.prepare(Op::Get, Some("a/b"), None).is_err());
        assert!(q.prepare(Op::Create, None, Some(&Value::from(3))).is_err());
        assert!(q.prepare(Op::Create, None, None).is_err());
        assert!("frobnicate".parse::<Op>().is_err());
    }
}
