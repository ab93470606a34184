//! Replays the recorded Shopify exchanges of `contracts/shopify/captures/` against the
//! simulator. [`walk`] finds the exchanges, [`compare`] checks the answers' shape, and this
//! module sets up an equivalent shop, keeps recorded GIDs mapped to the simulator's, and decides
//! what can be replayed.

pub mod compare;
pub mod exchange;
pub mod walk;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::merchant::{self, NewProduct, NewVariant};
use shopify_sim::state::{AccessToken, App, Installation, Location, TokenKind};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

use exchange::{
    gids_in, gids_in_text, kind_of, root_fields, without_report_progress, writes, STATEFUL,
};
use walk::Exchange;

/// The shop the captures were recorded on (its currency is CAD).
pub const SHOP: &str = "harry-test-heelo.myshopify.com";
const TOKEN: &str = "shpat_capture_replay";
const API_KEY: &str = "capture-replay";

/// Root fields the simulator implements.
const IMPLEMENTED: &[&str] = &[
    "shop",
    "currentAppInstallation",
    "product",
    "products",
    "productVariant",
    "productVariants",
    "order",
    "orders",
    "ordersCount",
    "orderCreate",
    "orderCancel",
    "fulfillment",
    "fulfillmentOrder",
    "fulfillmentCreate",
    "fulfillmentCreateV2",
    "fulfillmentTrackingInfoUpdate",
    "fulfillmentTrackingInfoUpdateV2",
    "fulfillmentCancel",
    "location",
    "locations",
    "node",
    "nodes",
];

/// Exchanges whose recorded behaviour the simulator does not model, with the reason.
const KNOWN_GAPS: &[(&str, &str, &str)] = &[(
    "2026-04-fulfillment-create-multi-group.json",
    "setup.locations",
    "the recorded shop has locations that do not fulfill online orders; the simulator's \
     locations have no such setting (its locations are seeded from this answer for later steps)",
)];

/// What happened to one exchange.
#[derive(Debug)]
pub enum Outcome {
    /// Sent to the simulator; the differences found (empty: same shape) and a cost note.
    Replayed {
        /// Shape differences.
        differences: Vec<String>,
        /// `requestedQueryCost` difference, information only.
        cost: Option<String>,
    },
    /// Not sent, and why.
    Skipped(String),
}

/// One line of the report.
#[derive(Debug)]
pub struct Row {
    /// Capture file.
    pub file: String,
    /// Where the exchange sits in the file.
    pub label: String,
    /// Its root fields.
    pub roots: String,
    /// Result.
    pub outcome: Outcome,
}

/// Replays every exchange of one capture file on a fresh simulator.
pub async fn replay_file(file: &str, text: &str) -> Vec<Row> {
    let exchanges = match walk::exchanges(text) {
        Ok(e) => e,
        Err(e) => {
            return vec![Row {
                file: file.into(),
                label: "-".into(),
                roots: "-".into(),
                outcome: Outcome::Replayed {
                    differences: vec![e],
                    cost: None,
                },
            }]
        }
    };
    let api_version = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| {
            v.get("apiVersion")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    let running = start().await;
    let mut replay = Replay {
        running: &running,
        api_version,
        file: file.to_string(),
        gids: BTreeMap::new(),
        tainted: BTreeMap::new(),
        skipped: Vec::new(),
    };
    let mut rows = Vec::new();
    for exchange in exchanges {
        let (roots, outcome) = replay.one(&exchange).await;
        rows.push(Row {
            file: file.into(),
            label: exchange.label.clone(),
            roots,
            outcome,
        });
    }
    running.stop().await;
    rows
}

async fn start() -> RunningSim {
    let sim = Sim::new(SimConfig::fast());
    let scopes: Vec<String> = [
        "read_products",
        "write_products",
        "read_orders",
        "write_orders",
        "read_locations",
        "read_fulfillments",
        "write_fulfillments",
        "read_merchant_managed_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
        "read_assigned_fulfillment_orders",
        "write_assigned_fulfillment_orders",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    sim.mutate(|w| {
        w.apps.insert(
            API_KEY.into(),
            App {
                api_key: API_KEY.into(),
                secret: "capture-replay-secret".into(),
                scopes: scopes.clone(),
                redirect_urls: vec![],
                title: "hermes-conformance-products".into(),
                compliance_url: None,
            },
        );
        let shop = w.add_shop(
            SHOP,
            "harry-test-heelo",
            "owner@harry-test-heelo.example",
            "CAD",
        );
        shop.installations.insert(
            API_KEY.into(),
            Installation {
                api_key: API_KEY.into(),
                scopes: scopes.clone(),
                tokens: vec![AccessToken {
                    token: TOKEN.into(),
                    kind: TokenKind::Offline,
                    scopes: scopes.clone(),
                    expires_at: None,
                    refresh_token: None,
                    refresh_expires_at: None,
                    revoked: false,
                }],
                installed: true,
                webhook_subscriptions: vec![],
                app_subscriptions: vec![],
                id: 1,
            },
        );
    });
    SimServer::start(sim, "127.0.0.1:0".parse().expect("address"))
        .await
        .expect("the simulator starts")
}

struct Replay<'r> {
    running: &'r RunningSim,
    /// The API version the capture was recorded with (the simulator speaks 2026-07).
    api_version: String,
    /// The capture file's name.
    file: String,
    /// Recorded GID -> the simulator's GID for the same thing.
    gids: BTreeMap<String, String>,
    /// Recorded GIDs touched by a skipped mutation -> its label.
    tainted: BTreeMap<String, String>,
    /// Labels of exchanges not replayed (what is nested in them depends on them).
    skipped: Vec<String>,
}

impl Replay<'_> {
    async fn one(&mut self, exchange: &Exchange) -> (String, Outcome) {
        if let Some(outer) = self
            .skipped
            .iter()
            .find(|l| exchange.label.starts_with(&format!("{l}.")))
        {
            let reason = format!("it follows the step {outer}, which was not replayed");
            self.taint(exchange);
            return ("?".into(), skip(&reason));
        }
        let Some(document) = &exchange.document else {
            if writes(&exchange.recorded) {
                self.taint(exchange);
            }
            self.skipped.push(exchange.label.clone());
            return ("?".into(), skip("no document recorded for this exchange"));
        };
        let (fields, mutation) = match root_fields(document) {
            Ok(f) => f,
            Err(e) => return ("?".into(), skip(&e)),
        };
        let roots = fields
            .iter()
            .map(|(_, name)| name.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(",");
        if let Some(data) = exchange.recorded.get("data").and_then(Value::as_object) {
            if data.keys().any(|k| !fields.iter().any(|(key, _)| key == k)) {
                let keys = data.keys().cloned().collect::<Vec<_>>().join(",");
                if writes(&exchange.recorded) {
                    self.taint(exchange);
                }
                self.skipped.push(exchange.label.clone());
                return (
                    keys,
                    skip("no document recorded for this exchange (the enclosing one answers other fields)"),
                );
            }
        }
        let mut recorded_gids = BTreeSet::new();
        gids_in(&exchange.variables, &mut recorded_gids);
        gids_in_text(document, &mut recorded_gids);
        if let Some((_, name)) = fields
            .iter()
            .find(|(_, name)| !IMPLEMENTED.contains(&name.as_str()))
        {
            let reason = if name == "appSubscriptionCreate" {
                "billing (appSubscriptionCreate) is replayed by the billing work, not here".into()
            } else {
                format!("the simulator does not implement `{name}`")
            };
            if mutation {
                self.taint(exchange);
            }
            self.skipped.push(exchange.label.clone());
            return (roots, skip(&reason));
        }
        let mut seen = recorded_gids.clone();
        gids_in(&exchange.recorded, &mut seen);
        if let Some((gid, step)) = seen
            .iter()
            .find_map(|g| self.tainted.get(g).map(|step| (g.clone(), step.clone())))
        {
            self.taint(exchange);
            return (
                roots,
                skip(&format!("{gid} depends on the skipped step {step}")),
            );
        }
        self.seed_locations(&exchange.recorded);
        if let Some((_, _, reason)) = KNOWN_GAPS
            .iter()
            .find(|(file, label, _)| *file == self.file && *label == exchange.label)
        {
            return (roots, skip(reason));
        }
        for gid in &recorded_gids {
            self.provide(gid);
        }
        let variables = self.rewrite(&exchange.variables);
        let mut document = document.clone();
        for (recorded, sim) in &self.gids {
            document = document.replace(&format!("\"{recorded}\""), &format!("\"{sim}\""));
        }
        let mut actual = self.send(&document, &variables).await;
        self.learn(&exchange.recorded, &actual);
        if self.api_version.as_str() < "2026-04" {
            without_report_progress(&mut actual);
        }
        let (differences, unselected): (Vec<String>, Vec<String>) =
            compare::differences(&exchange.recorded, &actual)
                .into_iter()
                .partition(|d| !compare::unselected(d, &document));
        let mut notes: Vec<String> = compare::cost_note(&exchange.recorded, &actual)
            .into_iter()
            .collect();
        if !unselected.is_empty() {
            notes.push(format!(
                "recorded response has fields its recorded document does not select: {}",
                unselected.join("; ")
            ));
        }
        let outcome = Outcome::Replayed {
            differences,
            cost: (!notes.is_empty()).then(|| notes.join("; ")),
        };
        (roots, outcome)
    }

    /// Marks the recorded GIDs of an exchange that was not replayed: later exchanges whose
    /// recorded state involves them cannot be reproduced.
    fn taint(&mut self, exchange: &Exchange) {
        let mut gids = BTreeSet::new();
        gids_in(&exchange.variables, &mut gids);
        gids_in(&exchange.recorded, &mut gids);
        for gid in gids.into_iter().filter(|g| STATEFUL.contains(&kind_of(g))) {
            self.tainted.entry(gid).or_insert(exchange.label.clone());
        }
    }

    /// Gives the shop as many locations as a recorded `locations` answer lists.
    fn seed_locations(&self, recorded: &Value) {
        let Some(nodes) = recorded
            .pointer("/data/locations/nodes")
            .and_then(Value::as_array)
        else {
            return;
        };
        self.running.sim.mutate(|w| {
            let ids: Vec<u64> = (0..nodes.len()).map(|_| w.next_id()).collect();
            let Some(shop) = w.shop_mut(SHOP) else { return };
            for (node, id) in nodes.iter().zip(ids).skip(shop.locations.len()) {
                shop.locations.push(Location {
                    id,
                    name: node["name"].as_str().unwrap_or("Replayed location").into(),
                    address1: None,
                    city: None,
                    country_code: Some("CA".into()),
                });
            }
        });
    }

    async fn send(&self, document: &str, variables: &Value) -> Value {
        let response = reqwest::Client::new()
            .post(self.running.graphql_url(SHOP))
            .header("X-Shopify-Access-Token", TOKEN)
            .json(&json!({ "query": document, "variables": variables }))
            .send()
            .await
            .expect("the simulator answers");
        response.json().await.unwrap_or(Value::Null)
    }

    /// Creates a product for a product or variant GID the capture refers to but did not create.
    fn provide(&mut self, gid: &str) {
        if self.gids.contains_key(gid) || !matches!(kind_of(gid), "Product" | "ProductVariant") {
            return;
        }
        let sim = &self.running.sim;
        let (product, variant) = sim.mutate(|w| {
            let id = merchant::create_product(
                w,
                SHOP,
                NewProduct {
                    title: "Replayed capture product".into(),
                    vendor: Some("Hermes Vendor".into()),
                    variants: vec![NewVariant {
                        title: None,
                        sku: None,
                        price: Decimal::new(1000, 2),
                        inventory: 100,
                    }],
                },
            )
            .expect("a product is created");
            let variant = w
                .shop(SHOP)
                .and_then(|s| s.products.get(&id))
                .and_then(|p| p.variant_ids.first().copied())
                .unwrap_or_default();
            (id, variant)
        });
        let sim_gid = match kind_of(gid) {
            "Product" => format!("gid://shopify/Product/{product}"),
            _ => format!("gid://shopify/ProductVariant/{variant}"),
        };
        self.gids.insert(gid.to_string(), sim_gid);
    }

    fn rewrite(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.gids.get(s).unwrap_or(s).clone()),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.rewrite(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Maps the recorded GIDs to the simulator's, walking both responses in parallel.
    fn learn(&mut self, recorded: &Value, actual: &Value) {
        match (recorded, actual) {
            (Value::String(r), Value::String(a))
                if r.starts_with("gid://shopify/") && kind_of(r) == kind_of(a) =>
            {
                self.gids.entry(r.clone()).or_insert(a.clone());
            }
            (Value::Array(r), Value::Array(a)) => {
                r.iter().zip(a).for_each(|(r, a)| self.learn(r, a));
            }
            (Value::Object(r), Value::Object(a)) => {
                for (key, rv) in r {
                    if let Some(av) = a.get(key) {
                        self.learn(rv, av);
                    }
                }
            }
            _ => {}
        }
    }
}

fn skip(reason: &str) -> Outcome {
    Outcome::Skipped(reason.to_string())
}
