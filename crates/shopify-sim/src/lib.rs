//! shopify-sim: a faithful local Shopify for ordersync's tests, benchmarks and demo.
//!
//! It behaves like Shopify from the outside: the Admin GraphQL API 2026-07 (every document
//! validated against the real schema), query-cost rate limits, webhooks signed with the app
//! secret, OAuth and token exchange, billing, and a merchant's actions, plus faults on demand
//! and a journal of everything that happened. Use it in-process ([`SimServer`]) or as the
//! `shopify-sim` binary; `docs/simulator.md` explains both.
//!
//! | module | role |
//! |---|---|
//! | [`state`] | the world in memory: apps, shops, products, customers, orders, fulfillments |
//! | [`graphql`] | validation, execution, cost, and the resolvers per area |
//! | [`throttle`] | leaky buckets of query-cost points per app and shop |
//! | [`webhooks`] | subscriptions' deliveries: payloads, HMAC, retries, webhook faults |
//! | [`oauth`] | install (authorize, code grant), token exchange, expiring tokens, session tokens |
//! | [`merchant`] | what a shop owner does: products, orders as a shopper places them, fulfilling |
//! | [`control`] | the JSON control API over HTTP: seed, merchant actions, faults, journal |
//! | [`pages`] | small HTML pages per shop for a person to act as shopper and merchant |
//! | [`faults`] | fault rules and the record of faults that fired |
//! | [`journal`] | every API call and webhook attempt |
//! | [`seed`] | the seed file format |
//! | [`http`] | the routes and the server |

pub mod control;
pub mod faults;
pub mod graphql;
pub mod http;
mod ids;
pub mod journal;
pub mod merchant;
mod money;
pub mod oauth;
pub mod pages;
pub mod schema;
pub mod seed;
pub mod state;
pub mod throttle;
pub mod webhooks;

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub use http::{RunningSim, SimServer};
pub use ids::{gid, parse_gid};
pub use money::shopify_decimal;

use crate::state::World;

/// Settings of one simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Webhook retry delays, in order; Shopify retries 8 times over about 4 hours. Tests
    /// compress this.
    pub webhook_retry_delays: Vec<Duration>,
    /// How long a webhook endpoint has to answer.
    pub webhook_timeout: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            webhook_retry_delays: [10, 30, 60, 300, 900, 1800, 3600, 7200]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            webhook_timeout: Duration::from_secs(5),
        }
    }
}

impl SimConfig {
    /// Webhook retries after 50, 100, 200 … ms: for tests.
    pub fn fast() -> Self {
        SimConfig {
            webhook_retry_delays: (0..8).map(|i| Duration::from_millis(50 << i)).collect(),
            webhook_timeout: Duration::from_secs(5),
        }
    }
}

/// A simulator: cheap to clone, shared by its HTTP server, its webhook sender and tests.
#[derive(Debug, Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    world: Mutex<World>,
    buckets: throttle::Buckets,
    faults: faults::Faults,
    journal: journal::Journal,
    webhooks: webhooks::Sender,
    config: SimConfig,
    base_url: RwLock<String>,
    oauth: oauth::OAuthState,
}

impl Sim {
    /// An empty simulator.
    pub fn new(config: SimConfig) -> Self {
        Sim {
            inner: Arc::new(Inner {
                world: Mutex::new(World::new()),
                buckets: throttle::Buckets::default(),
                faults: faults::Faults::default(),
                journal: journal::Journal::default(),
                webhooks: webhooks::Sender::new(&config),
                config,
                base_url: RwLock::new(String::from("http://127.0.0.1")),
                oauth: oauth::OAuthState::default(),
            }),
        }
    }

    /// Reads the world.
    pub fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        let world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        f(&world)
    }

    /// Changes the world, then sends the webhooks the change calls for.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        let result = f(&mut world);
        let events = std::mem::take(&mut world.pending_events);
        if !events.is_empty() {
            let deliveries = webhooks::deliveries_for(&world, &events);
            drop(world);
            self.inner.webhooks.send(self, deliveries);
        }
        result
    }

    /// Fault rules and their record.
    pub fn faults(&self) -> &faults::Faults {
        &self.inner.faults
    }

    /// The journal.
    pub fn journal(&self) -> &journal::Journal {
        &self.inner.journal
    }

    /// Query-cost buckets.
    pub fn buckets(&self) -> &throttle::Buckets {
        &self.inner.buckets
    }

    /// OAuth settings (auto-approve, token lifetimes) and pending authorization codes.
    pub fn oauth(&self) -> &oauth::OAuthState {
        &self.inner.oauth
    }

    /// Settings.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// The URL the simulator is reached at (e.g. `http://127.0.0.1:4000`), for the links it
    /// hands out (OAuth redirects, billing confirmation URLs).
    pub fn base_url(&self) -> String {
        self.inner
            .base_url
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_base_url(&self, url: String) {
        self.mutate(|w| w.base_url = url.clone());
        *self
            .inner
            .base_url
            .write()
            .unwrap_or_else(|e| e.into_inner()) = url;
    }

    /// Waits until no webhook delivery is pending or in flight (retries included), or `timeout`.
    pub async fn webhooks_idle(&self, timeout: Duration) -> bool {
        self.inner.webhooks.idle(timeout).await
    }
}
