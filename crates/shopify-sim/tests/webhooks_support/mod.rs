//! Shared set-up of the webhook tests: a simulator with one shop and an installed app, a tiny
//! receiver that records what it is sent and answers as told, GraphQL calls, and an order put
//! straight into the world.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::state::{
    AccessToken, App, Customer, DiscountCode, FinancialStatus, Fulfillment, FulfillmentLineItem,
    FulfillmentStatus, Installation, LineItem, MailingAddress, Order, ShippingLine, TokenKind,
    TrackingInfo, World,
};
use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::state::Topic;
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

pub const SHOP: &str = "northwind.myshopify.com";
pub const TOKEN: &str = "shpat_webhooks";
pub const APP: &str = "app-key";
pub const SECRET: &str = "shpss_app_secret";

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Debug, Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; 200 once empty.
    statuses: Mutex<VecDeque<u16>>,
    /// Milliseconds to wait before answering, in order; none once empty.
    sleeps: Mutex<VecDeque<u64>>,
}

/// A webhook endpoint on 127.0.0.1.
#[derive(Debug, Clone)]
pub struct Receiver {
    state: Arc<ReceiverState>,
    pub base: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { state, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    pub fn answer(&self, statuses: &[u16]) {
        self.state.statuses.lock().unwrap().extend(statuses);
    }

    pub fn sleep_first(&self, sleeps_ms: &[u64]) {
        self.state.sleeps.lock().unwrap().extend(sleeps_ms);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    state.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let sleep = state.sleeps.lock().unwrap().pop_front();
    if let Some(ms) = sleep {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let status = state.statuses.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// Registers an app and installs it on the shop with a token.
pub fn install(w: &mut World, api_key: &str, secret: &str, token: &str) {
    w.apps.insert(
        api_key.into(),
        App {
            api_key: api_key.into(),
            secret: secret.into(),
            scopes: vec!["read_orders".into(), "read_products".into()],
            redirect_urls: vec![],
            title: "Order add-on".into(),
            compliance_url: None,
        },
    );
    let id = w.next_id();
    w.shop_mut(SHOP).unwrap().installations.insert(
        api_key.into(),
        Installation {
            api_key: api_key.into(),
            scopes: vec!["read_orders".into(), "read_products".into()],
            tokens: vec![AccessToken {
                token: token.into(),
                kind: TokenKind::Offline,
                scopes: vec!["read_orders".into(), "read_products".into()],
                expires_at: None,
                refresh_token: None,
                refresh_expires_at: None,
                revoked: false,
            }],
            installed: true,
            webhook_subscriptions: vec![],
            app_subscriptions: vec![],
            id,
        },
    );
}

/// A served simulator with the shop and the app installed.
pub async fn start(config: SimConfig) -> RunningSim {
    let sim = Sim::new(config);
    sim.mutate(|w| {
        w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        install(w, APP, SECRET, TOKEN);
    });
    SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

pub async fn graphql(running: &RunningSim, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub const CREATE: &str = "mutation Create($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format createdAt updatedAt endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    userErrors { field message }
  }
}";

/// Subscribes the app to `topic` at `uri`; returns the subscription's GID.
pub async fn subscribe(running: &RunningSim, topic: &str, uri: &str) -> String {
    let body = graphql(
        running,
        TOKEN,
        CREATE,
        json!({ "topic": topic, "sub": { "uri": uri, "format": "JSON" } }),
    )
    .await;
    let payload = &body["data"]["webhookSubscriptionCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    payload["webhookSubscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Puts a customer and an order of two lines (one shipped by a fulfillment) into the shop;
/// returns (order id, fulfillment id, customer id).
pub fn insert_order(w: &mut World) -> (u64, u64, u64) {
    let customer_id = w.next_id();
    let order_id = w.next_id();
    let line_a = w.next_id();
    let line_b = w.next_id();
    let shipping_id = w.next_id();
    let fulfillment_id = w.next_id();
    let fulfillment_line = w.next_id();
    let now = Utc::now();
    let address = MailingAddress {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        address1: Some("12 Analytical Row".into()),
        city: Some("London".into()),
        country: Some("United Kingdom".into()),
        country_code: Some("GB".into()),
        zip: Some("N1 9GU".into()),
        ..MailingAddress::default()
    };
    let shop = w.shop_mut(SHOP).unwrap();
    let location_id = shop.locations[0].id;
    shop.customers.insert(
        customer_id,
        Customer {
            id: customer_id,
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            phone: None,
            created_at: now,
            updated_at: now,
        },
    );
    let line = |id: u64, title: &str, qty: u32, price: &str, discount: &str| LineItem {
        id,
        variant_id: None,
        product_id: None,
        title: title.into(),
        variant_title: None,
        sku: Some(format!("SKU-{id}")),
        vendor: Some("Northwind".into()),
        quantity: qty,
        current_quantity: qty,
        unit_price: dec(price),
        discount: dec(discount),
        requires_shipping: true,
        taxable: true,
        custom_attributes: vec![("gift".into(), "yes".into())],
    };
    shop.orders.insert(
        order_id,
        Order {
            id: order_id,
            number: 1001,
            name: "#1001".into(),
            email: Some("ada@example.com".into()),
            phone: None,
            note: Some("leave at the door".into()),
            tags: vec!["vip".into(), "web".into()],
            custom_attributes: vec![],
            currency: "USD".into(),
            financial_status: FinancialStatus::Paid,
            cancelled_at: None,
            cancel_reason: None,
            closed_at: None,
            customer_id: Some(customer_id),
            shipping_address: Some(address.clone()),
            billing_address: Some(address),
            line_items: vec![
                line(line_a, "Brass lamp", 2, "24.50", "5"),
                line(line_b, "Oak shelf", 1, "100", "0"),
            ],
            shipping_lines: vec![ShippingLine {
                id: shipping_id,
                title: "Standard".into(),
                code: Some("STD".into()),
                price: dec("7.5"),
            }],
            discount_codes: vec![DiscountCode {
                code: "SPRING5".into(),
                amount: dec("5"),
            }],
            total_tax: dec("3.25"),
            test: false,
            source_name: "web".into(),
            app_api_key: None,
            created_at: now,
            updated_at: now,
            processed_at: now,
            transactions: vec![],
        },
    );
    shop.fulfillments.insert(
        fulfillment_id,
        Fulfillment {
            id: fulfillment_id,
            order_id,
            location_id,
            status: FulfillmentStatus::Success,
            tracking: vec![
                TrackingInfo {
                    company: Some("UPS".into()),
                    number: Some("1Z999".into()),
                    url: Some("https://ups.example/1Z999".into()),
                },
                TrackingInfo {
                    company: Some("UPS".into()),
                    number: Some("1Z998".into()),
                    url: None,
                },
            ],
            line_items: vec![FulfillmentLineItem {
                id: fulfillment_line,
                line_item_id: line_a,
                quantity: 2,
            }],
            fulfillment_order_ids: vec![],
            notify_customer: false,
            name: "#1001.1".into(),
            created_at: now,
            updated_at: now,
        },
    );
    (order_id, fulfillment_id, customer_id)
}

pub fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

pub fn example(topic: &str) -> Value {
    let path = format!(
        "{}/../../contracts/shopify/webhooks/{topic}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&STANDARD.decode(signature).unwrap())
        .is_ok()
}

pub fn fault(operation: &str, kind: FaultKind, times: u32) -> FaultRule {
    FaultRule {
        id: 0,
        shop: Some(SHOP.into()),
        operation: Some(operation.into()),
        fault: kind,
        times: Some(times),
        probability: None,
    }
}

/// Inserts an order and emits `topic` for it; returns the order id.
pub fn order_event(sim: &Sim, topic: Topic) -> u64 {
    sim.mutate(|w| {
        let (order_id, _, _) = insert_order(w);
        w.emit(SHOP, topic, Some(order_id));
        order_id
    })
}
