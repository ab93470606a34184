//! A world of stores for the scenarios that need Shopify's side (`push`, `tracking`):
//! shopify-sim in this process, on the load generator's runtime (so its CPU is told apart from
//! ordersync's), and ordersync with both roles on a fresh database, set up through the paths a
//! real merchant takes (the sandbox's [`Driver`]): one destination store and `sources` source
//! stores installed through OAuth with their roles, the destination connected to every source,
//! one product per source synced (its SKU sold by the destination), the Order add-on approved
//! and automated push on. Order reconciliation is off, so every Admin API call on a source
//! store during a run is a push's.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use ordersync_server::sandbox::driver::{register_app, Driver};
use rust_decimal::Decimal;
use serde_json::json;
use shopify_sim::merchant::{create_product, NewCustomer, NewProduct, NewVariant, OrderLine};
use shopify_sim::merchant::{Payment, PlaceOrder};
use shopify_sim::state::{MailingAddress, ThrottleConfig};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

use crate::env::{self, Database, Running, SECRET};
use crate::Runtimes;

/// The app's API key in the simulator (and ordersync's `shopify_api_key`).
pub const API_KEY: &str = "ordersync-bench";
/// The destination store.
pub const DESTINATION: &str = "bench-retail.myshopify.com";
/// Every source store's query-cost bucket: Shopify's standard 2,000 points restoring 100 per
/// second (per app and store).
pub const THROTTLE: ThrottleConfig = ThrottleConfig {
    maximum_available: 2000.0,
    restore_rate: 100.0,
};

/// The `i`-th source store.
pub fn source_domain(i: usize) -> String {
    format!("bench-supplier-{i:03}.myshopify.com")
}

/// The SKU of the `i`-th source store's product (also on the destination's matching product).
pub fn sku(i: usize) -> String {
    format!("SUP{i:03}-MUG")
}

/// What to build.
#[derive(Debug, Clone, Copy)]
pub struct WorldOptions {
    /// Source stores.
    pub sources: usize,
    /// Stock of every product, in units.
    pub units: i64,
    /// ordersync's `worker_concurrency`.
    pub worker_concurrency: u32,
}

/// The running world.
#[derive(Debug)]
pub struct World {
    /// The simulator.
    pub sim: Sim,
    running_sim: RunningSim,
    /// ordersync.
    pub server: Running,
    /// The merchants' clicks.
    pub driver: Driver,
    /// The source stores' domains.
    pub sources: Vec<String>,
}

impl World {
    /// Starts the simulator and ordersync on `db` and builds the stores.
    pub fn build(rt: &Runtimes, db: &Database, options: WorldOptions) -> Result<World> {
        let sim = Sim::new(SimConfig::fast());
        sim.oauth().set_auto_approve(true);
        let localhost: SocketAddr = "127.0.0.1:0".parse()?;
        let running_sim = rt
            .client
            .block_on(async {
                // The webhook sender starts on the runtime of its first use: this one.
                sim.webhooks_idle(Duration::ZERO).await;
                SimServer::start(sim.clone(), localhost).await
            })
            .context("cannot start shopify-sim")?;
        let sim_url = running_sim.url();

        let listener = rt
            .server
            .block_on(tokio::net::TcpListener::bind(localhost))
            .context("cannot listen for ordersync")?;
        let app_url = format!("http://{}", listener.local_addr()?);
        register_app(&sim, API_KEY, SECRET, &app_url, "ordersync (bench)");
        let data_dir = db
            .sqlite_dir()
            .map_or_else(std::env::temp_dir, ToOwned::to_owned);
        let config = env::config_with(
            db,
            "api,worker",
            &data_dir,
            vec![
                ("shopify_api_key", json!(API_KEY)),
                ("app_url", json!(app_url)),
                (
                    "shopify_base_url",
                    json!(format!("{sim_url}/shops/{{shop}}")),
                ),
                ("worker_concurrency", json!(options.worker_concurrency)),
                ("worker_reconcile_enabled", json!(false)),
            ],
        )?;
        let server = rt.server.block_on(Running::start_on(config, listener))?;

        let sources: Vec<String> = (0..options.sources).map(source_domain).collect();
        stores(&sim, &sources, options.units)?;
        let driver = Driver::new(sim.clone(), app_url, API_KEY);
        let world = World {
            sim,
            running_sim,
            server,
            driver,
            sources,
        };
        rt.client.block_on(world.install())?;
        Ok(world)
    }

    async fn install(&self) -> Result<()> {
        let d = &self.driver;
        d.install(DESTINATION, "destination").await?;
        for source in &self.sources {
            d.install(source, "source").await?;
        }
        for source in &self.sources {
            d.connect(DESTINATION, source).await?;
        }
        d.wait_synced(DESTINATION, self.sources.len(), Duration::from_secs(300))
            .await?;
        d.addon_on(DESTINATION).await?;
        d.auto_push(DESTINATION, true).await?;
        // Webhook subscriptions are made by a job after each install: wait for them, or the
        // first orders would reach nobody.
        let mut shops = vec![(DESTINATION.to_owned(), "ORDERS_CREATE")];
        shops.extend(
            self.sources
                .iter()
                .map(|s| (s.clone(), "FULFILLMENTS_CREATE")),
        );
        for _ in 0..1200 {
            let missing = self.sim.read(|w| {
                shops
                    .iter()
                    .filter(|(shop, topic)| {
                        !w.shop(shop)
                            .and_then(|s| s.installations.get(API_KEY))
                            .is_some_and(|i| {
                                i.webhook_subscriptions.iter().any(|s| s.topic == *topic)
                            })
                    })
                    .count()
            });
            if missing == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("webhook subscriptions were not registered for every store")
    }

    /// Stops ordersync, then the simulator.
    pub fn stop(self, rt: &Runtimes) {
        rt.server.block_on(self.server.stop());
        rt.client.block_on(self.running_sim.stop());
    }
}

/// The stores and their products; the sources' buckets are [`THROTTLE`], none is a
/// development store (no 5-per-minute `orderCreate` limit).
fn stores(sim: &Sim, sources: &[String], units: i64) -> Result<()> {
    sim.mutate(|w| -> Result<()> {
        let mut add_shop = |domain: &str, name: &str| {
            let shop = w.add_shop(domain, name, &format!("owner@{domain}"), "USD");
            shop.plan_name = "Shopify".to_owned();
            shop.order_create_limit = false;
            shop.throttle = THROTTLE;
        };
        add_shop(DESTINATION, "Bench Retail");
        for (i, source) in sources.iter().enumerate() {
            add_shop(source, &format!("Bench Supplier {i}"));
        }
        let mut product = |shop: &str, i: usize, price: &str| -> Result<()> {
            create_product(
                w,
                shop,
                NewProduct {
                    title: format!("Mug {i}"),
                    vendor: None,
                    variants: vec![NewVariant {
                        title: None,
                        sku: Some(sku(i)),
                        price: price.parse::<Decimal>()?,
                        inventory: units,
                    }],
                },
            )
            .map_err(|e| anyhow!("product {} in {shop}: {e}", sku(i)))?;
            Ok(())
        };
        for (i, source) in sources.iter().enumerate() {
            product(source, i, "9.00")?;
            product(DESTINATION, i, "18.00")?;
        }
        Ok(())
    })
}

/// The `n`-th shopper's paid checkout of one unit of `sku` on the destination store.
pub fn checkout(n: usize, sku: &str) -> PlaceOrder {
    let first = format!("Shopper{n}");
    let email = format!("shopper{n}@example.com");
    let address = MailingAddress {
        first_name: Some(first.clone()),
        last_name: Some("Bench".into()),
        address1: Some(format!("{} Bench Street", n + 1)),
        city: Some("Portland".into()),
        province_code: Some("OR".into()),
        country_code: Some("US".into()),
        zip: Some("97201".into()),
        ..MailingAddress::default()
    };
    PlaceOrder {
        email: Some(email.clone()),
        phone: None,
        customer: Some(NewCustomer {
            first_name: Some(first),
            last_name: Some("Bench".into()),
            email: Some(email),
            phone: None,
        }),
        shipping_address: Some(address.clone()),
        billing_address: Some(address),
        lines: vec![OrderLine {
            sku: Some(sku.to_owned()),
            quantity: 1,
            ..OrderLine::default()
        }],
        shipping_line: Some(("Standard".into(), Decimal::new(695, 2))),
        discount_code: None,
        payment: Payment::Paid,
        note: None,
        tags: Vec::new(),
        test: false,
    }
}
