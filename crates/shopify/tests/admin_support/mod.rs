//! A simulated Shopify for the Admin API client tests: shops with the app installed, a product,
//! and a client pointed at the simulator over real HTTP.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use ordersync_shopify::admin::{AdminClient, AdminConfig, ShopApi};
use rust_decimal::Decimal;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::{self, NewProduct, NewVariant};
use shopify_sim::state::{App, ThrottleConfig};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

pub const SHOP: &str = "northwind.myshopify.com";
pub const OTHER: &str = "southwind.myshopify.com";
pub const KEY: &str = "ordersync-key";
pub const SCOPES: [&str; 5] = [
    "read_orders",
    "write_orders",
    "read_products",
    "write_merchant_managed_fulfillment_orders",
    "read_merchant_managed_fulfillment_orders",
];

pub struct World {
    pub running: RunningSim,
    pub client: AdminClient,
    pub tokens: Vec<(String, String)>,
}

impl World {
    pub fn api(&self, shop: &str) -> ShopApi {
        let token = &self.tokens.iter().find(|(s, _)| s == shop).unwrap().1;
        self.client.shop(shop, token.clone())
    }

    pub fn fault(&self, operation: &str, fault: FaultKind, times: u32) {
        self.running.sim.faults().add(FaultRule {
            id: 0,
            shop: Some(SHOP.into()),
            operation: Some(operation.into()),
            fault,
            times: Some(times),
            probability: None,
        });
    }

    /// Outcomes the simulator recorded for `root_field` calls on `shop`.
    pub fn journal(&self, shop: &str, root_field: &str) -> Vec<String> {
        self.running
            .sim
            .journal()
            .calls(Some(shop), 0)
            .into_iter()
            .filter(|c| c.root_fields.iter().any(|f| f == root_field))
            .map(|c| c.outcome)
            .collect()
    }

    pub fn orders_tagged(&self, tag: &str) -> usize {
        self.running.sim.read(|w| {
            w.shop(SHOP)
                .unwrap()
                .orders
                .values()
                .filter(|o| o.tags.iter().any(|t| t == tag))
                .count()
        })
    }
}

pub fn config(base: &str) -> AdminConfig {
    AdminConfig {
        base_url: format!("{base}/shops/{{shop}}"),
        // Long enough for a debug build on a loaded machine: tests that are about timeouts set
        // their own.
        timeout: Duration::from_secs(20),
        max_attempts: 4,
        max_throttled_attempts: 8,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(100),
    }
}

pub async fn start() -> World {
    start_with(|_| {}).await
}

pub async fn start_with(adjust: impl FnOnce(&mut AdminConfig)) -> World {
    let sim = Sim::new(SimConfig::fast());
    let scopes: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
    let tokens = sim.mutate(|w| {
        w.apps.insert(
            KEY.into(),
            App {
                api_key: KEY.into(),
                secret: "secret".into(),
                scopes: scopes.clone(),
                redirect_urls: vec![],
                title: "Ordersync".into(),
                compliance_url: None,
            },
        );
        let mut tokens = Vec::new();
        for (domain, name) in [(SHOP, "Northwind Supply"), (OTHER, "Southwind Goods")] {
            w.add_shop(domain, name, &format!("owner@{domain}"), "USD");
            let token = shopify_sim::oauth::install_app(w, domain, KEY, &scopes, false).unwrap();
            tokens.push((domain.to_owned(), token.token));
            for (title, sku, cents) in [("Enamel Mug", "MUG-1", 1250), ("Teapot", "POT-1", 3450)] {
                merchant::create_product(
                    w,
                    domain,
                    NewProduct {
                        title: title.into(),
                        vendor: None,
                        variants: vec![NewVariant {
                            title: None,
                            sku: Some(sku.into()),
                            price: Decimal::new(cents, 2),
                            inventory: 100,
                        }],
                    },
                )
                .unwrap();
            }
        }
        tokens
    });
    let running = SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = config(&running.url());
    adjust(&mut config);
    World {
        client: AdminClient::new(config).unwrap(),
        running,
        tokens,
    }
}

/// Makes `shop`'s bucket small.
pub fn small_bucket(world: &World, shop: &str, maximum: f64, rate: f64) {
    world.running.sim.mutate(|w| {
        w.shop_mut(shop).unwrap().throttle = ThrottleConfig {
            maximum_available: maximum,
            restore_rate: rate,
        };
    });
}
