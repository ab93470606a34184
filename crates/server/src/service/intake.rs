//! Taking in one webhook delivery: verify the signature over the raw body (constant time, current
//! and previous secret) before anything is parsed, then store the receipt and its processing job
//! in one transaction, deduplicated on the event id. Nothing is processed here: Shopify gets its
//! answer as soon as the delivery is durable.

use ordersync_shopify::webhook::{SignatureError, WebhookSecrets};
use ordersync_store::webhooks::{Intake, NewReceipt};
use ordersync_store::{StoreError, UnixMillis};

use crate::app::AppState;
use crate::metrics::inc;

/// The parts of a delivery ordersync uses, as received.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// `X-Shopify-Hmac-Sha256`.
    pub hmac: Option<&'a str>,
    /// `X-Shopify-Topic`.
    pub topic: Option<&'a str>,
    /// `X-Shopify-Shop-Domain`.
    pub shop_domain: Option<&'a str>,
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: Option<&'a str>,
    /// `X-Shopify-Event-Id`.
    pub event_id: Option<&'a str>,
    /// `X-Shopify-Triggered-At` (RFC 3339).
    pub triggered_at: Option<&'a str>,
    /// `X-Shopify-API-Version`.
    pub api_version: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
}

/// What became of an authentic delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored and queued.
    Stored {
        /// The receipt.
        receipt_id: i64,
    },
    /// Seen before; ignored.
    Duplicate,
}

/// Why a delivery was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// No app secret is configured, so no webhook can be authentic.
    #[error("no Shopify app secret is configured")]
    NotConfigured,
    /// The signature is missing or wrong.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Storage failed: Shopify should try again.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The secrets webhooks are checked with, or `None` when no secret is configured.
pub fn secrets(app: &crate::config::ShopifyApp) -> Option<WebhookSecrets> {
    (!app.api_secret.is_empty()).then(|| {
        WebhookSecrets::new(
            app.api_secret.as_bytes().to_vec(),
            app.api_secret_previous
                .as_ref()
                .map(|s| s.as_bytes().to_vec()),
        )
    })
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Verifies and stores one delivery; see the module docs.
pub async fn receive(state: &AppState, d: Delivery<'_>) -> Result<Received, IntakeError> {
    let verified = match &state.webhook_secrets {
        None => Err(IntakeError::NotConfigured),
        Some(secrets) => secrets.verify(d.body, d.hmac).map_err(IntakeError::from),
    };
    if let Err(e) = verified {
        inc(&state.metrics.webhooks_rejected);
        return Err(e);
    }
    let event_id = present(d.event_id);
    let webhook_id = present(d.webhook_id);
    // Shopify always sends both ids; a delivery without either is deduplicated on its signature
    // (the same body signed with the same secret).
    let dedupe_key = match (event_id, webhook_id) {
        (Some(e), _) => format!("event:{e}"),
        (None, Some(w)) => format!("webhook:{w}"),
        (None, None) => format!("body:{}", d.hmac.unwrap_or_default().trim()),
    };
    let triggered_at = present(d.triggered_at)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| UnixMillis::from(t.with_timezone(&chrono::Utc)));
    let topic = present(d.topic).unwrap_or_default().to_lowercase();
    let shop_domain = present(d.shop_domain).unwrap_or_default().to_lowercase();
    let receipt = NewReceipt {
        dedupe_key: &dedupe_key,
        topic: &topic,
        shop_domain: &shop_domain,
        webhook_id,
        event_id,
        triggered_at,
        api_version: present(d.api_version),
        body: d.body,
    };
    match state
        .store
        .record_webhook(&receipt, UnixMillis::now())
        .await?
    {
        Intake::Accepted { receipt_id, job_id } => {
            inc(&state.metrics.webhooks_received);
            tracing::info!(shop = %shop_domain, topic = %topic, receipt_id, job_id, "webhook stored");
            state.jobs_waiting.notify_one();
            Ok(Received::Stored { receipt_id })
        }
        Intake::Duplicate => {
            inc(&state.metrics.webhooks_duplicates);
            tracing::info!(shop = %shop_domain, topic = %topic, key = %dedupe_key, "duplicate webhook ignored");
            Ok(Received::Duplicate)
        }
    }
}
