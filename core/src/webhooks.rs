//! Webhook management: register, list, get, update, delete, test, rotate the secret,
//! deliveries, one delivery with its attempts, manual retry, and health stats.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{decode_value, Client};
use crate::error::{Error, Result};
use crate::request::{check_id, Method, RequestOptions};
use crate::resource::{Page, MAX_LIMIT};
use crate::spec::EVENT_TYPES;

/// Retry policy of a webhook's deliveries: wait `backoff_ms * 2^n` (with jitter) before retry `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRetryPolicy {
    /// Retries after the first attempt (0 to 10, default 5).
    pub max_retries: u32,
    /// Base backoff in milliseconds (default 1000).
    pub backoff_ms: u64,
}

/// A registered webhook. `secret` is only present when it was just created or rotated;
/// `Debug` never shows it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// `whk_...`
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// Subscribed event types.
    pub events: Vec<String>,
    /// Field filters on the event's `data`.
    #[serde(default)]
    pub filters: Map<String, Value>,
    /// Whether deliveries are enabled.
    #[serde(default)]
    pub active: bool,
    /// `active`, `disabled` or `circuit_open`.
    #[serde(default)]
    pub status: String,
    /// Delivery retry policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<WebhookRetryPolicy>,
    /// The signing secret (`whsec_...`), only right after create or rotate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// A free-form description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339, of the last delivery attempt.
    #[serde(default)]
    pub last_triggered_at: Option<String>,
    /// Failed attempts in a row (10 opens the circuit).
    #[serde(default)]
    pub consecutive_failures: u32,
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("filters", &self.filters)
            .field("active", &self.active)
            .field("status", &self.status)
            .field("retry_policy", &self.retry_policy)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("created_at", &self.created_at)
            .field("last_triggered_at", &self.last_triggered_at)
            .field("consecutive_failures", &self.consecutive_failures)
            .finish()
    }
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// RFC 3339.
    pub attempted_at: String,
    /// The receiver's status code, if it answered.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// How long the attempt took.
    #[serde(default)]
    pub duration_ms: u64,
    /// The first 1 KB of the receiver's answer.
    #[serde(default)]
    pub response_excerpt: Option<String>,
    /// Why it failed, if it did without a status.
    #[serde(default)]
    pub error: Option<String>,
}

/// A delivery of one event to one webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// `dlv_...`
    pub id: String,
    /// The webhook.
    pub webhook_id: String,
    /// The event (`evt_...`), also the `webhook-id` header.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts so far.
    #[serde(default)]
    pub attempt_count: u32,
    /// RFC 3339, when the next attempt is due.
    #[serde(default)]
    pub next_attempt_at: Option<String>,
    /// Status of the last attempt.
    #[serde(default)]
    pub last_status_code: Option<u16>,
    /// Error of the last attempt.
    #[serde(default)]
    pub last_error: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339, when it succeeded or finally failed.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// Every attempt (only when fetched alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<Vec<DeliveryAttempt>>,
}

/// Parameters for registering or updating a webhook. Unset fields are not sent.
#[derive(Clone, Default, PartialEq, Serialize)]
pub struct WebhookParams {
    /// Where deliveries go (http or https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Event types to subscribe to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Field filters on the event's `data` (`min_<field>` / `max_<field>` compare numbers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Map<String, Value>>,
    /// Delivery retry policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<WebhookRetryPolicy>,
    /// A secret of your own (`whsec_` + base64 of 24 to 64 bytes); generated if unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Enable or disable deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// A free-form description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl fmt::Debug for WebhookParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookParams")
            .field("url", &self.url)
            .field("events", &self.events)
            .field("filters", &self.filters)
            .field("retry_policy", &self.retry_policy)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("active", &self.active)
            .field("description", &self.description)
            .finish()
    }
}

impl WebhookParams {
    /// Parameters for a new webhook.
    pub fn new<I, S>(url: impl Into<String>, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WebhookParams {
            url: Some(url.into()),
            events: Some(events.into_iter().map(Into::into).collect()),
            ..Default::default()
        }
    }

    /// Adds a filter.
    pub fn filter(mut self, field: impl Into<String>, value: impl Into<Value>) -> Self {
        self.filters
            .get_or_insert_with(Map::new)
            .insert(field.into(), value.into());
        self
    }

    /// Sets the retry policy.
    pub fn retry_policy(mut self, max_retries: u32, backoff_ms: u64) -> Self {
        self.retry_policy = Some(WebhookRetryPolicy {
            max_retries,
            backoff_ms,
        });
        self
    }

    /// Uses this secret instead of a generated one.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Enables or disables deliveries.
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Sets a description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    fn validate(&self, creating: bool) -> Result<Value> {
        if creating && self.url.is_none() {
            return Err(Error::invalid("a webhook needs a url"));
        }
        if let Some(url) = &self.url {
            if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
                return Err(Error::invalid(format!(
                    "webhook url '{url}' must be an http:// or https:// URL"
                )));
            }
        }
        match &self.events {
            None if creating => {
                return Err(Error::invalid("a webhook needs at least one event type"))
            }
            Some(ev) if ev.is_empty() => {
                return Err(Error::invalid("a webhook needs at least one event type"))
            }
            Some(ev) => {
                if let Some(bad) = ev.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
                    return Err(Error::invalid(format!(
                        "unknown event type '{bad}'; see client.event_types()"
                    )));
                }
            }
            None => {}
        }
        serde_json::to_value(self)
            .map_err(|_| Error::invalid("webhook parameters cannot be represented as JSON"))
    }
}

/// Filter for [`Webhooks::deliveries`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// `pending`, `succeeded` or `failed`.
    pub status: Option<String>,
    /// Page size (1 to 100).
    pub limit: Option<u32>,
    /// Cursor from a previous page.
    pub cursor: Option<String>,
}

/// Webhook management, from `client.webhooks()`.
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Client,
    options: RequestOptions,
}

/// One webhook management call, for [`Webhooks::call`]: the untyped entry point the
/// language faces use (they hand the JSON answer straight to their runtime).
#[derive(Debug, Clone)]
pub enum WebhookCall {
    /// `POST /webhooks`
    Register(WebhookParams),
    /// `GET /webhooks`
    List,
    /// `GET /webhooks/{id}`
    Get(String),
    /// `PATCH /webhooks/{id}`
    Update(String, WebhookParams),
    /// `DELETE /webhooks/{id}`
    Delete(String),
    /// `POST /webhooks/{id}/test`
    Test(String),
    /// `POST /webhooks/{id}/rotate-secret`
    RotateSecret(String),
    /// `GET /webhooks/{id}/deliveries`
    Deliveries(String, DeliveryQuery),
    /// `GET /webhooks/{id}/deliveries/{delivery_id}`
    Delivery(String, String),
    /// `POST /webhooks/{id}/deliveries/{delivery_id}/retry`
    RetryDelivery(String, String),
    /// `GET /webhooks/{id}/stats`
    Stats(String),
}

impl Webhooks {
    pub(crate) fn new(client: Client) -> Self {
        Webhooks {
            client,
            options: RequestOptions::default(),
        }
    }

    /// Per-request options for the calls made through this value.
    pub fn with_options(mut self, options: &RequestOptions) -> Self {
        self.options = self.options.merged(options);
        self
    }

    /// Makes one management call and answers the API's JSON as it came.
    pub async fn call(&self, call: WebhookCall) -> Result<Value> {
        let empty = Value::Object(Map::new());
        let (method, path, query, body) = match &call {
            WebhookCall::Register(p) => (
                Method::Post,
                "/webhooks".to_owned(),
                Vec::new(),
                Some(p.validate(true)?),
            ),
            WebhookCall::List => (Method::Get, "/webhooks".to_owned(), Vec::new(), None),
            WebhookCall::Get(id) => (
                Method::Get,
                format!("/webhooks/{}", checked(id)?),
                Vec::new(),
                None,
            ),
            WebhookCall::Update(id, p) => (
                Method::Patch,
                format!("/webhooks/{}", checked(id)?),
                Vec::new(),
                Some(p.validate(false)?),
            ),
            WebhookCall::Delete(id) => (
                Method::Delete,
                format!("/webhooks/{}", checked(id)?),
                Vec::new(),
                None,
            ),
            WebhookCall::Test(id) => (
                Method::Post,
                format!("/webhooks/{}/test", checked(id)?),
                Vec::new(),
                Some(empty),
            ),
            WebhookCall::RotateSecret(id) => (
                Method::Post,
                format!("/webhooks/{}/rotate-secret", checked(id)?),
                Vec::new(),
                Some(empty),
            ),
            WebhookCall::Deliveries(id, q) => (
                Method::Get,
                format!("/webhooks/{}/deliveries", checked(id)?),
                delivery_query(q)?,
                None,
            ),
            WebhookCall::Delivery(id, d) => (
                Method::Get,
                format!("/webhooks/{}/deliveries/{}", checked(id)?, checked(d)?),
                Vec::new(),
                None,
            ),
            WebhookCall::RetryDelivery(id, d) => (
                Method::Post,
                format!(
                    "/webhooks/{}/deliveries/{}/retry",
                    checked(id)?,
                    checked(d)?
                ),
                Vec::new(),
                Some(empty),
            ),
            WebhookCall::Stats(id) => (
                Method::Get,
                format!("/webhooks/{}/stats", checked(id)?),
                Vec::new(),
                None,
            ),
        };
        let resp = self
            .client
            .request(method, &path, &query, body.as_ref(), &self.options)
            .await?;
        Ok(resp.body)
    }

    async fn typed<T: serde::de::DeserializeOwned>(&self, call: WebhookCall) -> Result<T> {
        decode_value(self.call(call).await?)
    }

    /// Registers a webhook for these event types; the answer carries the new `secret`.
    pub async fn register<I, S>(&self, url: &str, events: I) -> Result<WebhookEndpoint>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.create(WebhookParams::new(url, events)).await
    }

    /// Registers a webhook with every parameter.
    pub async fn create(&self, params: WebhookParams) -> Result<WebhookEndpoint> {
        self.typed(WebhookCall::Register(params)).await
    }

    /// Lists the tenant's webhooks.
    pub async fn list(&self) -> Result<Page<WebhookEndpoint>> {
        self.typed(WebhookCall::List).await
    }

    /// One webhook.
    pub async fn get(&self, id: &str) -> Result<WebhookEndpoint> {
        self.typed(WebhookCall::Get(id.to_owned())).await
    }

    /// Changes some of a webhook's settings.
    pub async fn update(&self, id: &str, params: WebhookParams) -> Result<WebhookEndpoint> {
        self.typed(WebhookCall::Update(id.to_owned(), params)).await
    }

    /// Deletes a webhook; answers `{"id", "deleted": true}`.
    pub async fn delete(&self, id: &str) -> Result<Value> {
        self.call(WebhookCall::Delete(id.to_owned())).await
    }

    /// Delivers a `webhook.test` event now; answers the delivery.
    pub async fn test(&self, id: &str) -> Result<Delivery> {
        self.typed(WebhookCall::Test(id.to_owned())).await
    }

    /// Issues a new secret (returned once); the old one keeps signing alongside for 24 h.
    pub async fn rotate_secret(&self, id: &str) -> Result<WebhookEndpoint> {
        self.typed(WebhookCall::RotateSecret(id.to_owned())).await
    }

    /// A page of a webhook's deliveries, optionally filtered by status.
    pub async fn deliveries(&self, id: &str, query: &DeliveryQuery) -> Result<Page<Delivery>> {
        self.typed(WebhookCall::Deliveries(id.to_owned(), query.clone()))
            .await
    }

    /// One delivery with every attempt.
    pub async fn delivery(&self, id: &str, delivery_id: &str) -> Result<Delivery> {
        self.typed(WebhookCall::Delivery(id.to_owned(), delivery_id.to_owned()))
            .await
    }

    /// Queues a failed (or any) delivery for another attempt now.
    pub async fn retry_delivery(&self, id: &str, delivery_id: &str) -> Result<Delivery> {
        self.typed(WebhookCall::RetryDelivery(
            id.to_owned(),
            delivery_id.to_owned(),
        ))
        .await
    }

    /// Delivery health: counts by status, success rate, p50 / p95 latency (last hour, last 24 h).
    pub async fn stats(&self, id: &str) -> Result<Value> {
        self.call(WebhookCall::Stats(id.to_owned())).await
    }
}

fn checked(id: &str) -> Result<&str> {
    check_id(id)?;
    Ok(id)
}

fn delivery_query(query: &DeliveryQuery) -> Result<Vec<(String, String)>> {
    let mut q = Vec::new();
    if let Some(s) = &query.status {
        if !["pending", "succeeded", "failed"].contains(&s.as_str()) {
            return Err(Error::invalid(format!(
                "delivery status '{s}': expected pending, succeeded or failed"
            )));
        }
        q.push(("status".to_owned(), s.clone()));
    }
    if let Some(l) = query.limit {
        if !(1..=MAX_LIMIT).contains(&l) {
            return Err(Error::invalid(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {l}"
            )));
        }
        q.push(("limit".to_owned(), l.to_string()));
    }
    if let Some(c) = &query.cursor {
        q.push(("cursor".to_owned(), c.clone()));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_validate_and_serialize() {
        let p = WebhookParams::new("https://example.com/hook", ["company.created"])
            .filter("customer_account", "CUST-001")
            .filter("min_amount", 1000)
            .retry_policy(3, 10)
            .secret("whsec_abc");
        let v = p.validate(true).unwrap();
        assert_eq!(v["filters"]["min_amount"], 1000);
        assert_eq!(v["retry_policy"]["backoff_ms"], 10);
        assert!(v.get("active").is_none());
        assert!(!format!("{p:?}").contains("whsec_abc"));
        assert!(WebhookParams::new("ftp://x/y/z/w", ["company.created"])
            .validate(true)
            .is_err());
        assert!(
            WebhookParams::new("https://example.com", ["company.exploded"])
                .validate(true)
                .is_err()
        );
        assert!(
            WebhookParams::new("https://example.com", Vec::<String>::new())
                .validate(true)
                .is_err()
        );
        assert!(WebhookParams::default()
            .active(false)
            .validate(false)
            .is_ok());
    }
}
