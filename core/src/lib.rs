//! # erp-api-client
//!
//! The client SDK for the ERP API gateway, and the one core behind its Python, Node,
//! browser and PHP faces: a fluent request builder (filter, sort, paginate), the five
//! resource clients, auto-pagination, a batch builder (strict and lenient, idempotency keys,
//! async batches with polling, auto-chunking), webhook management, webhook signature
//! verification, and retries with backoff and jitter, all returning one typed [`Error`].
//!
//! ```no_run
//! use erp_api_client::{Client, Method, Webhook};
//! use serde_json::json;
//!
//! # async fn run() -> erp_api_client::Result<()> {
//! let client = Client::builder("http://127.0.0.1:8080")
//!     .api_key(std::env::var("ERP_API_KEY").unwrap_or_default())
//!     .build()?;
//!
//! // Create two companies atomically.
//! let result = client
//!     .batch()
//!     .add(Method::Post, "/companies", json!({"name": "Acme", "country": "DE"}))
//!     .add(Method::Post, "/companies", json!({"name": "Globex", "country": "DE"}))
//!     .strict()
//!     .execute()
//!     .await?;
//! println!("{} created", result.successful);
//!
//! // List them.
//! let page = client.companies().filter("country", "DE").sort("-created_at").limit(10).list().await?;
//! println!("{} companies", page.data.len());
//!
//! // Get told when another is created.
//! let hook = client.webhooks().register("https://example.com/hooks", ["company.created"]).await?;
//!
//! // In the receiver: verify what arrives.
//! let verifier = Webhook::new(hook.secret.as_deref().unwrap_or_default())?;
//! # let (body, headers): (&[u8], Vec<(String, String)>) = (b"{}", vec![]);
//! let event = verifier.verify(body, &headers)?;
//! println!("{}", event["type"]);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]

mod batch;
mod client;
mod error;
#[cfg(feature = "csv")]
mod import;
mod json;
/// JavaScript value conversions (wasm32 only), for the browser face.
#[cfg(target_arch = "wasm32")]
pub mod js {
    pub use crate::json::{from_js, to_js};
}
mod request;
mod resource;
pub mod retry;
pub mod spec;
mod transport;
mod webhook;
mod webhooks;

pub use batch::{
    Batch, BatchHandle, BatchItemResult, BatchMode, BatchOperation, BatchProgress, BatchResult,
    BatchStatus, ItemError, MaybeSendSync, PollSettings, MAX_BATCH_OPERATIONS, MAX_PARALLEL,
};
pub use client::{Auth, Client, ClientBuilder, Response, BASE_PATH, VERSION};
pub use error::{default_code, kind_for_code, ApiError, Error, Result, VerificationFailure};
#[cfg(feature = "csv")]
pub use import::{CsvImport, ImportProgress, ImportResult, RowError, MAX_IMPORT_BATCH};
pub use request::{Method, PreparedRequest, RequestOptions};
pub use resource::{Op, Page, Paginator, Query, MAX_LIMIT};
pub use retry::RetryPolicy;
pub use transport::RawResponse;
pub use webhook::{HeaderLookup, Webhook, DEFAULT_TOLERANCE, SECRET_PREFIX};
pub use webhooks::{
    Delivery, DeliveryAttempt, DeliveryQuery, WebhookCall, WebhookEndpoint, WebhookParams,
    WebhookRetryPolicy, Webhooks,
};
