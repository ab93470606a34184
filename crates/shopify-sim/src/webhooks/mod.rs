//! Webhook deliveries: subscriptions' endpoints receive REST-shaped JSON bodies signed with the
//! app secret, with every Shopify header, retried on failure; webhook faults apply here.
//!
//! [`deliveries_for`] runs while the world is still locked (so a body shows the state at the
//! moment of the change) and decides who hears about each [`PendingEvent`]: every installed app
//! of the shop with a subscription to the topic, or only `event.app` for app-specific events
//! (`app/uninstalled`, `app_subscriptions/update`, compliance topics), whose installation may
//! already be uninstalled. Subscriptions made in an app's configuration rather than over GraphQL
//! (compliance topics among them) are `WebhookSubscription`s too, put on the installation by
//! whoever installs the app; topics match on their GraphQL name (`CUSTOMERS_REDACT`).
//!
//! [`Sender`] (in `sender`) posts the deliveries in the background; `payload` builds the bodies.

mod order_payload;
mod payload;
mod sender;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::state::{PendingEvent, Topic, World};

pub use sender::Sender;

/// One delivery to make: one event, to one app's endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Shop domain (`X-Shopify-Shop-Domain`).
    pub shop: String,
    /// The receiving app's API key.
    pub app: String,
    /// The topic (`X-Shopify-Topic`).
    pub topic: Topic,
    /// The subscription's endpoint.
    pub uri: String,
    /// The exact body bytes (JSON).
    pub body: String,
    /// base64 HMAC-SHA256 of `body` with the app secret (`X-Shopify-Hmac-Sha256`).
    pub hmac: String,
    /// `X-Shopify-Webhook-Id`: one per delivery, kept across its retries.
    pub webhook_id: String,
    /// `X-Shopify-Event-Id`: one per event, shared by every app, retry and duplicate.
    pub event_id: String,
    /// When the event happened (`X-Shopify-Triggered-At`).
    pub triggered_at: DateTime<Utc>,
    /// The numeric id of the resource the event is about (the order, the fulfillment, ...),
    /// when it has one; for the journal.
    pub resource_id: Option<u64>,
}

impl Delivery {
    /// Every header Shopify sends with this delivery, in order.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Content-Type", "application/json".to_owned()),
            ("X-Shopify-Topic", self.topic.header().to_owned()),
            ("X-Shopify-Hmac-Sha256", self.hmac.clone()),
            ("X-Shopify-Shop-Domain", self.shop.clone()),
            (
                "X-Shopify-API-Version",
                crate::schema::API_VERSION.to_owned(),
            ),
            ("X-Shopify-Webhook-Id", self.webhook_id.clone()),
            ("X-Shopify-Event-Id", self.event_id.clone()),
            (
                "X-Shopify-Triggered-At",
                self.triggered_at
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            ),
        ]
    }

    /// The same delivery again with a new webhook id (the `Duplicate` fault).
    pub fn duplicate(&self) -> Delivery {
        Delivery {
            webhook_id: uuid::Uuid::new_v4().to_string(),
            ..self.clone()
        }
    }
}

/// base64(HMAC-SHA256(secret, body)): the `X-Shopify-Hmac-Sha256` of a body.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot be reached.
        Err(e) => unreachable!("HMAC-SHA256 rejected a key: {e}"),
    };
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Turns recorded changes into deliveries, while the world is still locked (bodies show the
/// state at the moment of the change). An event whose resource no longer exists, or whose
/// receiving app is not registered, is skipped with a warning.
pub fn deliveries_for(world: &World, events: &[PendingEvent]) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    for event in events {
        let Some(shop) = world.shop(&event.shop) else {
            tracing::warn!(shop = %event.shop, "webhook event for an unknown shop");
            continue;
        };
        let event_id = uuid::Uuid::new_v4().to_string();
        let mut body: Option<String> = None;
        for installation in shop.installations.values() {
            let hears = match &event.app {
                Some(app) => &installation.api_key == app,
                None => installation.installed,
            };
            if !hears {
                continue;
            }
            let topic = event.topic.graphql();
            for subscription in installation
                .webhook_subscriptions
                .iter()
                .filter(|s| s.topic == topic)
            {
                let Some(app) = world.apps.get(&installation.api_key) else {
                    tracing::warn!(app = %installation.api_key, "no registered app to sign a webhook for");
                    continue;
                };
                if body.is_none() {
                    match payload::body(shop, event, &event_id) {
                        Some(value) => body = Some(value.to_string()),
                        None => {
                            tracing::warn!(topic = event.topic.header(), resource = ?event.resource_id, "webhook resource no longer exists");
                            break;
                        }
                    }
                }
                let Some(body) = body.clone() else { break };
                deliveries.push(Delivery {
                    shop: shop.domain.clone(),
                    app: installation.api_key.clone(),
                    topic: event.topic,
                    uri: subscription.uri.clone(),
                    hmac: sign(&app.secret, body.as_bytes()),
                    body,
                    webhook_id: uuid::Uuid::new_v4().to_string(),
                    event_id: event_id.clone(),
                    triggered_at: event.at,
                    resource_id: event.resource_id,
                });
            }
        }
    }
    deliveries
}

/// Records a compliance event (`customers/data_request`, `customers/redact`, `shop/redact`)
/// for one app: what a merchant's or Shopify's action calls for. `customer_id` names the
/// customer for the `customers/*` topics. Returns false for a topic that is not a compliance one.
pub fn compliance_event(
    world: &mut World,
    shop: &str,
    api_key: &str,
    topic: Topic,
    customer_id: Option<u64>,
) -> bool {
    if !matches!(
        topic,
        Topic::CustomersDataRequest | Topic::CustomersRedact | Topic::ShopRedact
    ) {
        return false;
    }
    world.emit_to_app(shop, api_key, topic, customer_id);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            STANDARD.encode([
                0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
                0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
                0x64, 0xec, 0x38, 0x43
            ])
        );
    }
}
