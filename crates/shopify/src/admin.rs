//! The Shopify Admin GraphQL API client (version 2026-07): the only way ordersync talks to a
//! shop. It exists so that every call gets the same care: a timeout, cost-aware throttling per
//! shop, retries that never repeat a mutation whose outcome is unknown, typed answers, a log line
//! and metrics.
//!
//! | module | role |
//! |---|---|
//! | this file | configuration, [`AdminClient`] and the per-shop handle [`ShopApi`] |
//! | [`operations`] | the operations (documents under `graphql/`) and their typed methods |
//! | [`types`] | request inputs and response types |
//! | [`order_input`] | the input of `orderCreate` |
//! | [`error`] | [`AdminError`]: which case happened, retryable or not, outcome known or not |
//! | [`metrics`] | [`ClientMetrics`]: counters per operation and outcome, cost totals |
//! | `throttle` | the per-shop estimate of the cost bucket, optionally shared across processes ([`SharedBuckets`]) |
//! | `transport` | one call: wait for points, send, classify, retry |
//!
//! See `docs/shopify-client.md`.

pub mod error;
pub mod metrics;
pub mod operations;
pub mod order_input;
mod throttle;
mod transport;
pub mod types;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use error::AdminError;
pub use metrics::ClientMetrics;
pub use throttle::{SharedBuckets, SharedFuture, SharedGrant, ThrottleStatus};

/// The Admin API version every document is written for.
pub const API_VERSION: &str = "2026-07";

/// How the client reaches Shopify and how patient it is.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminConfig {
    /// Where a shop's Admin API lives, with `{shop}` replaced by the shop's domain; the client
    /// appends `/admin/api/2026-07/graphql.json`. Production: `https://{shop}`; shopify-sim:
    /// `http://127.0.0.1:PORT/shops/{shop}`.
    pub base_url: String,
    /// Limit for one HTTP call (connect, send, answer).
    pub timeout: Duration,
    /// Attempts for retryable failures (transport, 5xx, 429), the first included.
    pub max_attempts: u32,
    /// Attempts when Shopify answers `THROTTLED` (each waits for the bucket to refill).
    pub max_throttled_attempts: u32,
    /// First backoff delay; doubled each attempt, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff delay.
    pub backoff_max: Duration,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            base_url: "https://{shop}".to_owned(),
            timeout: Duration::from_secs(30),
            max_attempts: 4,
            max_throttled_attempts: 8,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
        }
    }
}

impl AdminConfig {
    /// The GraphQL endpoint of `shop`.
    pub fn endpoint(&self, shop: &str) -> String {
        format!(
            "{}/admin/api/{API_VERSION}/graphql.json",
            self.base_url.replace("{shop}", shop).trim_end_matches('/')
        )
    }
}

/// How long a shared reservation outlives the call's timeout (reading the answer, settling).
pub const SHARED_RESERVATION_MARGIN: Duration = Duration::from_secs(5);

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the HTTP client could not be built: {0}")]
pub struct BuildError(#[from] reqwest::Error);

/// The Admin API client, shared by every shop (cheap to clone). Per-shop throttle state lives
/// inside, so one busy shop never slows another.
#[derive(Debug, Clone)]
pub struct AdminClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: AdminConfig,
    throttle: throttle::Throttles,
    metrics: Arc<ClientMetrics>,
}

impl AdminClient {
    /// A client with rustls (webpki roots) and the configured timeout; each shop's bucket is
    /// estimated by this process alone.
    pub fn new(config: AdminConfig) -> Result<Self, BuildError> {
        Self::build(config, throttle::Throttles::default())
    }

    /// A client whose per-shop bucket estimates are `shared` with the other processes that call
    /// the same shops (see [`SharedBuckets`]). A reservation there lasts the call's timeout plus
    /// [`SHARED_RESERVATION_MARGIN`] unless the answer ends it sooner.
    pub fn with_shared_buckets(
        config: AdminConfig,
        shared: Arc<dyn SharedBuckets>,
    ) -> Result<Self, BuildError> {
        let hold = config.timeout + SHARED_RESERVATION_MARGIN;
        Self::build(config, throttle::Throttles::shared(shared, hold))
    }

    fn build(config: AdminConfig, throttle: throttle::Throttles) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("ordersync/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(AdminClient {
            inner: Arc::new(Inner {
                http,
                config,
                throttle,
                metrics: Arc::new(ClientMetrics::default()),
            }),
        })
    }

    /// The handle for one shop and its offline access token.
    pub fn shop(&self, domain: impl Into<String>, access_token: impl Into<String>) -> ShopApi {
        ShopApi {
            client: self.clone(),
            shop: domain.into(),
            token: access_token.into(),
        }
    }

    /// Counters of every call made through this client.
    pub fn metrics(&self) -> Arc<ClientMetrics> {
        Arc::clone(&self.inner.metrics)
    }

    /// The configuration in force.
    pub fn config(&self) -> &AdminConfig {
        &self.inner.config
    }
}

/// One shop's Admin API, as the app installed on it. The typed operations are in
/// [`operations`].
#[derive(Clone)]
pub struct ShopApi {
    client: AdminClient,
    shop: String,
    token: String,
}

impl ShopApi {
    /// The shop's domain.
    pub fn domain(&self) -> &str {
        &self.shop
    }
}

impl fmt::Debug for ShopApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopApi")
            .field("shop", &self.shop)
            .field("token", &"<redacted>")
            .finish()
    }
}
