//! The sandbox's demo: a destination store (Harbor Home) selling the products of two source
//! stores (Alder Ceramics and Birch Linen), and a handful of orders that show every push status
//! and every reason an order cannot be pushed.
//!
//! Everything goes through the paths a real setup takes: the stores install ordersync through
//! OAuth (`/auth` → the simulator's authorize → `/auth/callback`), set their role and connect by
//! connection key over ordersync's JSON API (with session tokens the simulator signs), SKU
//! matching builds the synced products, the Order add-on is approved on the simulator's charge
//! page, shoppers' orders reach ordersync as webhooks, pushes are requested over the API and run
//! by the worker, and the suppliers' shipments and cancellations come back as webhooks.

use std::time::Duration;

use anyhow::{anyhow, bail};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::merchant::{
    cancel_order, create_product, fulfill, place_order, Fulfill, FulfillLine, NewCustomer,
    NewProduct, NewVariant, OrderLine, Payment, PlaceOrder,
};
use shopify_sim::state::{MailingAddress, TrackingInfo};
use shopify_sim::Sim;

use super::driver::Driver;
use super::API_KEY;

/// The destination store (the retailer).
pub const DESTINATION: &str = "harbor-home.myshopify.com";
/// The source stores (the suppliers).
pub const SOURCES: [&str; 2] = [ALDER, BIRCH];
const ALDER: &str = "alder-ceramics.myshopify.com";
const BIRCH: &str = "birch-linen.myshopify.com";

/// The SKU both suppliers use: the destination's variant with it is ambiguous, never synced.
pub const AMBIGUOUS_SKU: &str = "TRAY-OAK";

/// One product: title, SKU, supplier price, retail price.
type Item = (&'static str, &'static str, &'static str, &'static str);

const ALDER_ITEMS: &[Item] = &[
    ("Stoneware Mug", "AC-MUG", "9.00", "18.00"),
    ("Serving Bowl", "AC-BOWL", "21.00", "42.00"),
    ("Bud Vase", "AC-VASE", "12.00", "26.00"),
];
const BIRCH_ITEMS: &[Item] = &[
    ("Linen Napkins (set of 4)", "BL-NAPKIN", "14.00", "28.00"),
    ("Wool Throw", "BL-THROW", "55.00", "110.00"),
    ("Table Runner", "BL-RUNNER", "16.00", "34.00"),
];
/// Sold by both suppliers under the same SKU.
const SHARED_ITEM: Item = ("Oak Serving Tray", AMBIGUOUS_SKU, "19.00", "39.00");
/// The destination's own products: no supplier has their SKU.
const OWN_ITEMS: &[Item] = &[
    ("Harbor Tote Bag", "HH-TOTE", "0", "24.00"),
    ("Gift Wrapping", "HH-WRAP", "0", "5.00"),
];

/// How many destination variants end up synced: every supplier item but the shared one.
pub const SYNCED: usize = 6;

/// Builds the demo against a running ordersync (`app_url`) and simulator.
#[derive(Debug)]
pub struct Demo {
    sim: Sim,
    driver: Driver,
}

impl Demo {
    /// A demo builder.
    pub fn new(sim: Sim, app_url: String) -> Demo {
        Demo {
            driver: Driver::new(sim.clone(), app_url, API_KEY),
            sim,
        }
    }

    async fn install(&self, shop: &str, role: &str) -> anyhow::Result<()> {
        self.driver.install(shop, role).await
    }

    async fn connect(&self, dest: &str, source: &str) -> anyhow::Result<()> {
        self.driver.connect(dest, source).await
    }

    async fn expect(
        &self,
        shop: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        self.driver.expect(shop, method, path, body).await
    }

    /// Stores, catalogues, installs, connections, the add-on, then the orders.
    pub async fn build(&self) -> anyhow::Result<()> {
        self.stores()?;
        self.install(DESTINATION, "destination").await?;
        for source in SOURCES {
            self.install(source, "source").await?;
        }
        for source in SOURCES {
            self.connect(DESTINATION, source).await?;
        }
        self.driver
            .wait_synced(DESTINATION, SYNCED, Duration::from_secs(60))
            .await?;
        self.driver.addon_on(DESTINATION).await?;
        self.orders().await?;
        tracing::info!("sandbox demo ready");
        Ok(())
    }

    fn stores(&self) -> anyhow::Result<()> {
        self.sim.mutate(|w| -> anyhow::Result<()> {
            for (domain, name) in [
                (DESTINATION, "Harbor Home"),
                (ALDER, "Alder Ceramics"),
                (BIRCH, "Birch Linen"),
            ] {
                let shop = w.add_shop(domain, name, &format!("owner@{domain}"), "USD");
                // Not development stores: no 5-per-minute orderCreate limit in the demo.
                shop.plan_name = "Shopify".to_owned();
                shop.order_create_limit = false;
            }
            let mut add = |shop: &str, item: &Item, retail: bool| -> anyhow::Result<()> {
                let (title, sku, cost, price) = *item;
                let price = if retail { price } else { cost };
                create_product(
                    w,
                    shop,
                    NewProduct {
                        title: title.into(),
                        vendor: None,
                        variants: vec![NewVariant {
                            title: None,
                            sku: Some(sku.into()),
                            price: price.parse::<Decimal>()?,
                            inventory: 500,
                        }],
                    },
                )
                .map_err(|e| anyhow!("product {sku} in {shop}: {e}"))?;
                Ok(())
            };
            for item in ALDER_ITEMS.iter().chain([&SHARED_ITEM]) {
                add(ALDER, item, false)?;
            }
            for item in BIRCH_ITEMS.iter().chain([&SHARED_ITEM]) {
                add(BIRCH, item, false)?;
            }
            for item in ALDER_ITEMS
                .iter()
                .chain(BIRCH_ITEMS)
                .chain([&SHARED_ITEM])
                .chain(OWN_ITEMS)
            {
                add(DESTINATION, item, true)?;
            }
            Ok(())
        })
    }

    // --- the orders ---------------------------------------------------------------------------

    /// A shopper checks out on the destination store; answers ordersync's id of the order once
    /// its webhook was taken in.
    async fn shopper(&self, order: PlaceOrder) -> anyhow::Result<i64> {
        let name = self.sim.mutate(|w| -> anyhow::Result<String> {
            let id = place_order(w, DESTINATION, order).map_err(|e| anyhow!("checkout: {e}"))?;
            Ok(w.shop(DESTINATION)
                .and_then(|s| s.orders.get(&id))
                .map(|o| o.name.clone())
                .unwrap_or_default())
        })?;
        let number = name.trim_start_matches('#').to_owned();
        for _ in 0..1200 {
            let list = self
                .expect(
                    DESTINATION,
                    reqwest::Method::GET,
                    &format!("/api/orders?q={number}"),
                    None,
                )
                .await?;
            let found = list["orders"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["name"] == name.as_str()))
                .and_then(|r| r["id"].as_i64());
            if let Some(id) = found {
                return Ok(id);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("order {name} never reached ordersync")
    }

    async fn push(&self, id: i64, source: &str) -> anyhow::Result<()> {
        self.expect(
            DESTINATION,
            reqwest::Method::POST,
            &format!("/api/orders/{id}/push"),
            Some(json!({ "source": source })),
        )
        .await?;
        Ok(())
    }

    /// Waits until the order's part for `source` has `status`; answers that part.
    async fn wait_status(&self, id: i64, source: &str, status: &str) -> anyhow::Result<Value> {
        let mut last = Value::Null;
        for _ in 0..1200 {
            let detail = self
                .expect(
                    DESTINATION,
                    reqwest::Method::GET,
                    &format!("/api/orders/{id}"),
                    None,
                )
                .await?;
            let part = detail["sources"]
                .as_array()
                .and_then(|s| s.iter().find(|p| p["source"] == source))
                .cloned()
                .unwrap_or(Value::Null);
            if part["status"] == status {
                return Ok(part);
            }
            last = part;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("order {id} never reached {status} for {source}: {last}")
    }

    /// The source order's numeric id and its line items (id, SKU) in the simulator.
    fn source_order(
        &self,
        source: &str,
        part: &Value,
    ) -> anyhow::Result<(u64, Vec<(u64, String)>)> {
        let gid = part["push"]["source_order_gid"]
            .as_str()
            .ok_or_else(|| anyhow!("the push has no source order: {part}"))?;
        let id = shopify_sim::parse_gid("Order", gid)
            .ok_or_else(|| anyhow!("not an order GID: {gid}"))?;
        let lines = self.sim.read(|w| {
            w.shop(source)
                .and_then(|s| s.orders.get(&id))
                .map(|o| {
                    o.line_items
                        .iter()
                        .map(|l| (l.id, l.sku.clone().unwrap_or_default()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        Ok((id, lines))
    }

    async fn orders(&self) -> anyhow::Result<()> {
        // Pushed: one supplier, pushed by the merchant.
        let pushed = self
            .shopper(checkout(&AVA, &[("BL-NAPKIN", 2)], Payment::Paid))
            .await?;
        self.push(pushed, BIRCH).await?;
        self.wait_status(pushed, BIRCH, "pushed").await?;

        // Partially fulfilled: the supplier ships one of two items, with tracking.
        let partial = self
            .shopper(checkout(
                &BEN,
                &[("AC-MUG", 2), ("AC-BOWL", 1)],
                Payment::Paid,
            ))
            .await?;
        self.push(partial, ALDER).await?;
        let part = self.wait_status(partial, ALDER, "pushed").await?;
        let (source_order, lines) = self.source_order(ALDER, &part)?;
        let mug = lines
            .iter()
            .find(|(_, sku)| sku == "AC-MUG")
            .map(|(id, _)| *id)
            .ok_or_else(|| anyhow!("the source order has no AC-MUG line"))?;
        self.ship(
            ALDER,
            source_order,
            vec![FulfillLine {
                line_item_id: mug,
                quantity: 2,
            }],
            &[("UPS", "1ZSANDBOX0001")],
        )?;
        self.wait_status(partial, ALDER, "partially_fulfilled")
            .await?;

        // Fulfilled: everything shipped, two tracking numbers.
        let fulfilled = self
            .shopper(checkout(&CARA, &[("BL-THROW", 1)], Payment::Paid))
            .await?;
        self.push(fulfilled, BIRCH).await?;
        let part = self.wait_status(fulfilled, BIRCH, "pushed").await?;
        let (source_order, _) = self.source_order(BIRCH, &part)?;
        self.ship(
            BIRCH,
            source_order,
            Vec::new(),
            &[("USPS", "9400SANDBOX0002"), ("USPS", "9400SANDBOX0003")],
        )?;
        self.wait_status(fulfilled, BIRCH, "fulfilled").await?;

        // Cancelled: the supplier cancels the order it received (out of stock).
        let cancelled = self
            .shopper(checkout(&DEV, &[("BL-RUNNER", 1)], Payment::Paid))
            .await?;
        self.push(cancelled, BIRCH).await?;
        let part = self.wait_status(cancelled, BIRCH, "pushed").await?;
        let (source_order, _) = self.source_order(BIRCH, &part)?;
        self.sim
            .mutate(|w| cancel_order(w, BIRCH, source_order, "INVENTORY"))
            .map_err(|e| anyhow!("cancel at {BIRCH}: {e}"))?;
        self.wait_status(cancelled, BIRCH, "cancelled").await?;

        // Failed: the supplier took the vase off its catalogue without telling anyone, so its
        // store refuses the order.
        let failed = self
            .shopper(checkout(&ELI, &[("AC-VASE", 1)], Payment::Paid))
            .await?;
        self.sim.mutate(|w| {
            if let Some(shop) = w.shop_mut(ALDER) {
                let vase: Vec<u64> = shop
                    .variants
                    .iter()
                    .filter(|(_, v)| v.sku.as_deref() == Some("AC-VASE"))
                    .map(|(id, _)| *id)
                    .collect();
                for id in vase {
                    shop.variants.remove(&id);
                }
            }
        });
        self.push(failed, ALDER).await?;
        self.wait_status(failed, ALDER, "failed").await?;

        // Eligible, not pushed yet: for the merchant to push.
        let eligible = self
            .shopper(checkout(&FAY, &[("AC-BOWL", 1)], Payment::Paid))
            .await?;
        self.wait_status(eligible, ALDER, "not_pushed").await?;

        // Multi-source, not pushed yet: items from both suppliers, plus one of the store's own
        // products and the ambiguous tray (neither is pushed anywhere).
        let multi = self
            .shopper(checkout(
                &GUS,
                &[
                    ("AC-MUG", 4),
                    ("BL-NAPKIN", 1),
                    ("HH-WRAP", 1),
                    (AMBIGUOUS_SKU, 1),
                ],
                Payment::Paid,
            ))
            .await?;
        self.wait_status(multi, ALDER, "not_pushed").await?;
        self.wait_status(multi, BIRCH, "not_pushed").await?;

        // Ineligible, each for one reason.
        self.shopper(checkout(&HAL, &[("AC-MUG", 1)], Payment::Pending))
            .await?;
        let mut zero = checkout(&IDA, &[("BL-NAPKIN", 1)], Payment::Paid);
        zero.discount_code = Some(("FREESAMPLE".into(), "28.00".parse()?));
        zero.shipping_line = Some(("Free shipping".into(), Decimal::ZERO));
        self.shopper(zero).await?;
        let mut no_address = checkout(&JUN, &[("BL-THROW", 1)], Payment::Paid);
        no_address.shipping_address = None;
        self.shopper(no_address).await?;
        self.shopper(checkout(&KAI, &[("HH-TOTE", 2)], Payment::Paid))
            .await?;
        Ok(())
    }

    /// The supplier ships `lines` (empty: everything) of its order with tracking numbers.
    fn ship(
        &self,
        source: &str,
        order: u64,
        lines: Vec<FulfillLine>,
        tracking: &[(&str, &str)],
    ) -> anyhow::Result<()> {
        let tracking = tracking
            .iter()
            .map(|(company, number)| TrackingInfo {
                company: Some((*company).to_owned()),
                number: Some((*number).to_owned()),
                url: None,
            })
            .collect();
        self.sim
            .mutate(|w| {
                fulfill(
                    w,
                    source,
                    order,
                    Fulfill {
                        lines,
                        tracking,
                        notify_customer: false,
                    },
                )
            })
            .map_err(|e| anyhow!("shipping at {source}: {e}"))?;
        Ok(())
    }
}

/// A demo shopper: first name, last name, city, state code, zip.
type Shopper = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const AVA: Shopper = ("Ava", "Lindqvist", "Portland", "OR", "97201");
const BEN: Shopper = ("Ben", "Okafor", "Austin", "TX", "78701");
const CARA: Shopper = ("Cara", "Moreau", "Denver", "CO", "80202");
const DEV: Shopper = ("Dev", "Raman", "Chicago", "IL", "60601");
const ELI: Shopper = ("Eli", "Nakamura", "Seattle", "WA", "98101");
const FAY: Shopper = ("Fay", "Holloway", "Boston", "MA", "02108");
const GUS: Shopper = ("Gus", "Petrov", "Miami", "FL", "33101");
const HAL: Shopper = ("Hal", "Brennan", "Phoenix", "AZ", "85001");
const IDA: Shopper = ("Ida", "Svensson", "Madison", "WI", "53703");
const JUN: Shopper = ("Jun", "Park", "Atlanta", "GA", "30303");
const KAI: Shopper = ("Kai", "Mercer", "Tucson", "AZ", "85701");

fn checkout(who: &Shopper, lines: &[(&str, u32)], payment: Payment) -> PlaceOrder {
    let (first, last, city, state, zip) = *who;
    let email = format!(
        "{}.{}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    let address = MailingAddress {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        address1: Some("100 Demo Street".into()),
        city: Some(city.into()),
        province_code: Some(state.into()),
        country_code: Some("US".into()),
        zip: Some(zip.into()),
        ..MailingAddress::default()
    };
    PlaceOrder {
        email: Some(email.clone()),
        phone: None,
        customer: Some(NewCustomer {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: Some(email),
            phone: None,
        }),
        shipping_address: Some(address.clone()),
        billing_address: Some(address),
        lines: lines
            .iter()
            .map(|(sku, quantity)| OrderLine {
                sku: Some((*sku).to_owned()),
                quantity: *quantity,
                ..OrderLine::default()
            })
            .collect(),
        shipping_line: Some(("Standard".into(), Decimal::new(695, 2))),
        discount_code: None,
        payment,
        note: None,
        tags: Vec::new(),
        test: false,
    }
}
