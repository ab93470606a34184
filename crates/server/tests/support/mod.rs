//! A real ordersync server (in-process, port 0, SQLite in a temp folder, `api` role only so the
//! tests drive the worker) and a real shopify-sim that delivers signed webhooks to it.

#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use chrono::Utc;
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use ordersync_core::{
    CurrencyCode, Email, Shop, ShopDomain, ShopName, Sku, StoreRole, SyncedVariant, VariantId,
};
use ordersync_server::app::Server;
use ordersync_server::config::{Config, DEFAULTS};
use ordersync_server::shutdown::Shutdown;
use ordersync_server::worker::Worker;
use ordersync_store::shops::ShopRecord;
use ordersync_store::synced::MappingOrigin;
use ordersync_store::{Store, UnixMillis};
use rust_decimal::Decimal;
use shopify_sim::merchant::{
    self, NewCustomer, NewProduct, NewVariant, OrderLine, Payment, PlaceOrder,
};
use shopify_sim::state::{App, MailingAddress, Topic, WebhookSubscription};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

pub const SHOP: &str = "retail.myshopify.com";
pub const SOURCE: &str = "supplier.myshopify.com";
pub const API_KEY: &str = "ordersync-key";
pub const SECRET: &str = "shpss_test_secret";
pub const SKU: &str = "MUG-BLUE";

pub const TOPICS: [Topic; 7] = [
    Topic::OrdersCreate,
    Topic::OrdersUpdated,
    Topic::OrdersPaid,
    Topic::OrdersCancelled,
    Topic::AppUninstalled,
    Topic::CustomersDataRequest,
    Topic::CustomersRedact,
];

pub struct Env {
    pub sim: RunningSim,
    pub base: String,
    pub store: Store,
    pub worker: Worker,
    pub dir: tempfile::TempDir,
    pub shutdown: Shutdown,
    pub destination: ShopRecord,
    /// The sim's numeric id of the synced variant.
    pub variant_id: u64,
}

pub fn config(dir: &std::path::Path, secret: &str) -> Config {
    let figment = Figment::from(Toml::string(DEFAULTS))
        .merge(Serialized::default("listen", "127.0.0.1:0"))
        .merge(Serialized::default("data_dir", dir.display().to_string()))
        .merge(Serialized::default("roles", "api"))
        .merge(Serialized::default("shopify_api_key", API_KEY))
        .merge(Serialized::default("shopify_api_secret", secret));
    Config::from_figment(figment).unwrap()
}

pub fn shop(domain: &str, role: StoreRole) -> Shop {
    Shop {
        domain: ShopDomain::parse(domain).unwrap(),
        name: ShopName::parse("Retail").unwrap(),
        admin_email: Email::parse(&format!("owner@{domain}")).unwrap(),
        currency: CurrencyCode::parse("USD").unwrap(),
        role,
    }
}

/// Starts both, registers and installs the app in the sim with ordersync's secret, subscribes
/// it to every topic at ordersync's `/webhooks`, and records the shops and the synced product
/// in ordersync's store.
pub async fn start() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(config(dir.path(), SECRET)).await.unwrap();
    let addr = server.local_addr().unwrap();
    let base = format!("http://{addr}");
    let store = server.store().clone();
    let worker = server.worker();
    let shutdown = Shutdown::new();
    tokio::spawn(server.run(shutdown.clone()));

    let sim = Sim::new(SimConfig::fast());
    let hook = format!("{base}/webhooks");
    let variant_id = sim.mutate(|w| {
        w.add_shop(SHOP, "Retail", "owner@retail.example", "USD");
        w.apps.insert(
            API_KEY.into(),
            App {
                api_key: API_KEY.into(),
                secret: SECRET.into(),
                scopes: vec!["read_orders".into()],
                redirect_urls: vec![],
                title: "ordersync".into(),
                compliance_url: None,
            },
        );
        shopify_sim::oauth::install_app(w, SHOP, API_KEY, &["read_orders".to_owned()], false)
            .unwrap();
        let now = Utc::now();
        let mut subs = Vec::new();
        for topic in TOPICS.iter().chain([Topic::ShopRedact].iter()) {
            subs.push(WebhookSubscription {
                id: w.next_id(),
                topic: topic.graphql(),
                uri: hook.clone(),
                format: "JSON".into(),
                created_at: now,
                updated_at: now,
            });
        }
        w.shop_mut(SHOP)
            .unwrap()
            .installations
            .get_mut(API_KEY)
            .unwrap()
            .webhook_subscriptions = subs;
        let product = merchant::create_product(
            w,
            SHOP,
            NewProduct {
                title: "Enamel Mug".into(),
                vendor: None,
                variants: vec![NewVariant {
                    title: None,
                    sku: Some(SKU.into()),
                    price: Decimal::new(1250, 2),
                    inventory: 100,
                }],
            },
        )
        .unwrap();
        w.shop(SHOP)
            .unwrap()
            .variants
            .values()
            .find(|v| v.product_id == product)
            .unwrap()
            .id
    });
    let sim = SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    let now = UnixMillis::now();
    let destination = store
        .upsert_shop(&shop(SHOP, StoreRole::Destination), now)
        .await
        .unwrap();
    let source = store
        .upsert_shop(&shop(SOURCE, StoreRole::Source), now)
        .await
        .unwrap();
    store
        .connect_stores(&destination, &source, now)
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.upsert_synced_variant(
        destination.id,
        source.id,
        &SyncedVariant {
            destination_variant: VariantId::from_numeric(variant_id).unwrap(),
            source_shop: ShopDomain::parse(SOURCE).unwrap(),
            source_variant: VariantId::from_numeric(42).unwrap(),
            sku: Sku::parse(SKU).unwrap(),
            source_price: None,
        },
        MappingOrigin::Manual,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Env {
        sim,
        base,
        store,
        worker,
        dir,
        shutdown,
        destination,
        variant_id,
    }
}

impl Env {
    /// Waits for the sim's deliveries, then runs every due job.
    pub async fn settle(&self) -> usize {
        assert!(self.sim.sim.webhooks_idle(Duration::from_secs(20)).await);
        self.worker.drain().await.unwrap()
    }

    pub fn place(&self, payment: Payment, email: &str, lines: Vec<OrderLine>) -> u64 {
        self.sim.sim.mutate(|w| {
            merchant::place_order(
                w,
                SHOP,
                PlaceOrder {
                    email: Some(email.into()),
                    phone: None,
                    customer: Some(NewCustomer {
                        first_name: Some("Ada".into()),
                        last_name: Some("Lovelace".into()),
                        email: Some(email.into()),
                        phone: None,
                    }),
                    shipping_address: Some(MailingAddress {
                        first_name: Some("Ada".into()),
                        last_name: Some("Lovelace".into()),
                        address1: Some("1 Main St".into()),
                        city: Some("Portland".into()),
                        province_code: Some("OR".into()),
                        country_code: Some("US".into()),
                        zip: Some("97201".into()),
                        ..MailingAddress::default()
                    }),
                    billing_address: None,
                    lines,
                    shipping_line: None,
                    discount_code: None,
                    payment,
                    note: None,
                    tags: vec![],
                    test: false,
                },
            )
            .unwrap()
        })
    }

    pub fn synced_line(&self) -> Vec<OrderLine> {
        vec![OrderLine {
            sku: Some(SKU.into()),
            quantity: 2,
            ..OrderLine::default()
        }]
    }

    pub async fn order(&self, sim_id: u64) -> ordersync_store::orders::OrderSummary {
        let gid = format!("gid://shopify/Order/{sim_id}");
        self.store
            .order_by_gid(self.destination.id, &gid)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("order {gid} was not taken in"))
    }

    pub async fn history(&self, sim_id: u64) -> Vec<String> {
        let id = self.order(sim_id).await.id;
        self.store
            .order_history(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The value of one sample line of `/metrics`.
    pub async fn metric(&self, sample: &str) -> u64 {
        let text = self.metrics().await;
        text.lines()
            .find_map(|l| l.strip_prefix(sample).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("no {sample} in {text}"))
            .trim()
            .parse()
            .unwrap()
    }

    /// Posts a body to `/webhooks` with the given headers.
    pub async fn post(&self, body: &[u8], headers: &[(&str, String)]) -> u16 {
        let mut request = reqwest::Client::new()
            .post(format!("{}/webhooks", self.base))
            .body(body.to_vec());
        for (k, v) in headers {
            request = request.header(*k, v);
        }
        request.send().await.unwrap().status().as_u16()
    }

    /// Runs the ordersync binary on this server's database.
    pub fn cli(&self, args: &[&str]) -> (bool, String) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ordersync"));
        for (key, _) in std::env::vars() {
            if key.starts_with("ORDERSYNC_") || key == "DATABASE_URL" {
                cmd.env_remove(key);
            }
        }
        let out = cmd
            .env("ORDERSYNC_DATA_DIR", self.dir.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

/// Shopify's signature of `body` with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    shopify_sim::webhooks::sign(secret, body)
}
