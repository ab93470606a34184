//! Apps, their installations on shops, access tokens, webhook subscriptions and app charges.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An app registered with the simulator (what a Partner Dashboard app is to Shopify).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    /// Client id (API key).
    pub api_key: String,
    /// Client secret: signs webhooks, session tokens and OAuth query strings.
    pub secret: String,
    /// Access scopes the app asks for, e.g. `read_orders`, `write_orders`.
    pub scopes: Vec<String>,
    /// Allowed OAuth redirect URLs (empty: any).
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    /// Shown on the simulator's pages.
    #[serde(default)]
    pub title: String,
    /// Where the compliance webhooks (`customers/data_request`, `customers/redact`,
    /// `shop/redact`) go: the app configuration's `compliance_topics` subscription, put on every
    /// installation. None: the app hears none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_url: Option<String>,
}

/// Offline (per shop) or online (per user) access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Shop-level token for background work.
    Offline,
    /// User-level token, tied to a staff member's session.
    Online,
}

/// An access token the simulator issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer value (`shpat_…` / `shpua_…`).
    pub token: String,
    /// Offline or online.
    pub kind: TokenKind,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Expiry, for expiring tokens.
    pub expires_at: Option<DateTime<Utc>>,
    /// Refresh token, for expiring offline tokens.
    pub refresh_token: Option<String>,
    /// Refresh token expiry.
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// Revoked by uninstall or by a refresh.
    pub revoked: bool,
}

/// A webhook subscription of one app on one shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookSubscription {
    /// Numeric id (GID `WebhookSubscription/<id>`).
    pub id: u64,
    /// Topic enum as in GraphQL, e.g. `ORDERS_CREATE`.
    pub topic: String,
    /// HTTPS (or, in the simulator, HTTP) endpoint.
    pub uri: String,
    /// Payload format (`JSON`).
    pub format: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A recurring app charge (the Order add-on's billing).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppSubscription {
    /// Numeric id (GID `AppSubscription/<id>`).
    pub id: u64,
    /// Plan name.
    pub name: String,
    /// `PENDING`, `ACTIVE`, `DECLINED`, `CANCELLED`, `EXPIRED`, `FROZEN`.
    pub status: String,
    /// Test charge (no money moves).
    pub test: bool,
    /// Price per interval.
    pub price: Decimal,
    /// Billing interval: `EVERY_30_DAYS` or `ANNUAL`.
    #[serde(default = "every_30_days")]
    pub interval: String,
    /// Currency of the price.
    pub currency: String,
    /// Trial days.
    pub trial_days: u32,
    /// Where the merchant is sent after approving.
    pub return_url: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// End of the current period.
    pub current_period_end: Option<DateTime<Utc>>,
}

fn every_30_days() -> String {
    "EVERY_30_DAYS".to_owned()
}

/// One app installed on one shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Installation {
    /// The app.
    pub api_key: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Tokens issued (revoked ones kept for the journal).
    pub tokens: Vec<AccessToken>,
    /// False after uninstall.
    pub installed: bool,
    /// Webhook subscriptions.
    pub webhook_subscriptions: Vec<WebhookSubscription>,
    /// Billing.
    pub app_subscriptions: Vec<AppSubscription>,
    /// Numeric id of the installation (GID `AppInstallation/<id>`).
    pub id: u64,
}
