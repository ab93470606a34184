//! Install and auth: how a shop installs ordersync (OAuth authorization-code grant, or token
//! exchange of a session token for embedded installs), how its expiring offline token is kept
//! fresh, how tokens are encrypted at rest, and how merchant UI requests prove their shop
//! (session tokens). HTTP handlers call [`AuthService`]; nothing here knows about routes.
//!
//! | module | role |
//! |---|---|
//! | [`config`] | the settings (app credentials, URLs, keys, mode), validated |
//! | [`crypto`] | [`crypto::TokenCipher`]: AEAD sealing of tokens, key ids, rotation |
//! | `install` | OAuth begin/callback, token exchange, recording the shop, webhook registration |
//! | `tokens` | the access token for a call, refresh (before use and periodic), status, key rotation |
//! | [`session`] | the session-token extractor every merchant UI / JSON API route uses |
//!
//! See `docs/auth.md`.

pub mod config;
pub mod crypto;
mod install;
pub mod session;
mod tokens;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ordersync_shopify::admin::{AdminClient, AdminConfig, AdminError};
use ordersync_shopify::oauth::{OAuthClient, OAuthConfig, OAuthError};
use ordersync_shopify::session_token::SessionTokenError;
use ordersync_store::{Store, StoreError};

pub use install::Installed;
pub use tokens::{RotationReport, StoreStatus, TokenState, TokenStatus};

use self::config::AuthConfig;
use self::crypto::CryptoError;

/// The access scopes ordersync needs (the single source of truth: `shopify.app.toml` is checked
/// against it by a test).
pub const SCOPES: &[&str] = &[
    "read_orders",
    "write_orders",
    "read_products",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
];

/// The webhook topics ordersync subscribes each shop to at install (Admin API subscriptions).
pub const WEBHOOK_TOPICS: &[&str] = &[
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "fulfillments/create",
    "fulfillments/update",
    "app/uninstalled",
    "app_subscriptions/update",
    "products/create",
    "products/update",
];

/// The mandatory compliance topics, subscribed in the app configuration (`shopify.app.toml`),
/// not through the Admin API.
pub const COMPLIANCE_TOPICS: &[&str] =
    &["customers/data_request", "customers/redact", "shop/redact"];

/// Where Shopify delivers webhooks, relative to `app_url`.
pub const WEBHOOK_PATH: &str = "/webhooks";

/// Where Shopify sends the merchant back after approving an install, relative to `app_url`.
pub const CALLBACK_PATH: &str = "/auth/callback";

/// A token is refreshed when less than this is left.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long an OAuth `state` nonce stays usable.
pub const STATE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// Why an auth operation failed. `Display` is for logs; [`AuthError::public_message`] is what a
/// merchant may see.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// `shop` is not a `*.myshopify.com` domain.
    #[error("`shop` is not a valid myshopify.com domain: {0:?}")]
    BadShop(String),
    /// `role` is not destination or source.
    #[error("`role` must be destination or source, not {0:?}")]
    BadRole(String),
    /// A required query parameter is missing.
    #[error("the `{0}` parameter is missing")]
    Missing(&'static str),
    /// The callback's `hmac` does not match.
    #[error("the callback's hmac does not match")]
    BadHmac,
    /// The `state` is unknown, used, expired or for another shop.
    #[error("the OAuth state is unknown, used, expired or for another shop")]
    BadState,
    /// `shopify_api_key`/`shopify_api_secret` are not set.
    #[error("shopify_api_key and shopify_api_secret are not configured")]
    NotConfigured,
    /// The session token was refused.
    #[error("session token refused: {0}")]
    SessionToken(#[from] SessionTokenError),
    /// The shop has not installed ordersync (or uninstalled it).
    #[error("{0} has not installed ordersync")]
    NotInstalled(String),
    /// No usable access token right now (refresh failed or Shopify unreachable): try later.
    #[error("no usable access token for {shop}: {reason}")]
    TokenUnavailable {
        /// Shop.
        shop: String,
        /// Why.
        reason: String,
    },
    /// A token call to Shopify failed.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// An Admin API call failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// Shopify sent shop details ordersync cannot accept.
    #[error("Shopify's details for {shop} are invalid: {detail}")]
    ShopDetails {
        /// Shop.
        shop: String,
        /// Which field and why.
        detail: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored token could not be decrypted.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl AuthError {
    /// Whether the work that needed a token should be retried later.
    pub fn is_retryable(&self) -> bool {
        match self {
            AuthError::TokenUnavailable { .. } => true,
            AuthError::OAuth(e) => e.is_retryable(),
            AuthError::Admin(e) => e.is_retryable(),
            AuthError::Store(StoreError::Database(_)) => true,
            _ => false,
        }
    }

    /// What a merchant is told: no internal detail.
    pub fn public_message(&self) -> String {
        match self {
            AuthError::BadShop(_)
            | AuthError::BadRole(_)
            | AuthError::Missing(_)
            | AuthError::BadHmac
            | AuthError::BadState => self.to_string(),
            AuthError::NotConfigured => "ordersync is not configured for installs yet".into(),
            AuthError::SessionToken(_) => "unauthorized".into(),
            AuthError::NotInstalled(_) => "this store has not installed ordersync".into(),
            AuthError::TokenUnavailable { .. } | AuthError::OAuth(_) | AuthError::Admin(_) => {
                "Shopify could not be reached or refused the request; please try again".into()
            }
            AuthError::ShopDetails { .. } => {
                "Shopify sent store details ordersync cannot use".into()
            }
            AuthError::Store(_) | AuthError::Crypto(_) => "an internal error occurred".into(),
        }
    }
}

/// The job that puts a shop's webhook subscriptions in place when that failed at install.
pub const REGISTER_WEBHOOKS_JOB_KIND: &str = "register_webhooks";

/// Install, tokens and session tokens, shared by the HTTP handlers, the worker and the refresh
/// task (cheap to clone).
#[derive(Clone)]
pub struct AuthService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: AuthConfig,
    oauth: OAuthClient,
    admin: AdminClient,
    refresh_locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    refresh_failures: AtomicU64,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The service could not be built.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BuildError(#[from] ordersync_shopify::admin::BuildError);

impl AuthService {
    /// With the Admin API client and the token endpoint pointed at `config.shopify_base_url`.
    pub fn new(store: Store, config: AuthConfig) -> Result<Self, BuildError> {
        let admin_config = AdminConfig {
            base_url: config.shopify_base_url.clone(),
            ..AdminConfig::default()
        };
        // Several processes on one PostgreSQL database share each shop's bucket estimate.
        let admin = match crate::shared_throttle::StoreBuckets::for_store(&store) {
            Some(shared) => AdminClient::with_shared_buckets(admin_config, shared)?,
            None => AdminClient::new(admin_config)?,
        };
        let oauth = OAuthClient::new(OAuthConfig {
            api_key: config.api_key.clone(),
            api_secret: config.api_secret.clone(),
            base_url: config.shopify_base_url.clone(),
            timeout: Duration::from_secs(20),
            max_attempts: 3,
        })?;
        Ok(AuthService {
            inner: Arc::new(Inner {
                store,
                config,
                oauth,
                admin,
                refresh_locks: Mutex::new(HashMap::new()),
                refresh_failures: AtomicU64::new(0),
            }),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The shared Admin API client (for every other part of ordersync that calls Shopify).
    pub fn admin(&self) -> &AdminClient {
        &self.inner.admin
    }

    fn require_credentials(&self) -> Result<(), AuthError> {
        let c = &self.inner.config;
        if c.api_key.is_empty() || c.api_secret.is_empty() {
            return Err(AuthError::NotConfigured);
        }
        Ok(())
    }

    /// `{app_url}/webhooks`.
    pub fn webhook_url(&self) -> String {
        format!("{}{WEBHOOK_PATH}", self.inner.config.app_url)
    }
}

/// How often the periodic task looks for tokens close to expiry.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Refreshes tokens close to expiry every [`REFRESH_INTERVAL`] until shutdown.
pub async fn refresh_periodically(auth: AuthService, shutdown: crate::shutdown::Shutdown) {
    loop {
        tokio::select! {
            () = shutdown.wait() => return,
            () = tokio::time::sleep(REFRESH_INTERVAL) => {}
        }
        match auth.refresh_due(ordersync_store::UnixMillis::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(refreshed = n, "periodic token refresh"),
            Err(e) => tracing::warn!(error = %e, "periodic token refresh failed"),
        }
    }
}
