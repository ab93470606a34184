//! Shared set-up of the end-to-end tests that drive the simulator only over HTTP, as a user of
//! `docs/simulator.md` would: the control API, Admin GraphQL calls, webhook subscriptions, and
//! a receiver (from `webhooks_support`) that checks what reached the app.

#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::{json, Value};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

use crate::webhooks_support::{verify, Received, Receiver, CREATE};

pub const SHOP: &str = "northwind.myshopify.com";
pub const KEY: &str = "ordersync-key";
pub const SECRET: &str = "ordersync-secret";
pub const TOKEN: &str = "shpat_flow";
pub const IDLE: Duration = Duration::from_secs(20);

/// Every topic a merchant's actions fire.
pub const TOPICS: [&str; 9] = [
    "PRODUCTS_CREATE",
    "ORDERS_CREATE",
    "ORDERS_PAID",
    "ORDERS_UPDATED",
    "ORDERS_CANCELLED",
    "ORDERS_FULFILLED",
    "ORDERS_PARTIALLY_FULFILLED",
    "FULFILLMENTS_CREATE",
    "FULFILLMENTS_UPDATE",
];

pub async fn start() -> RunningSim {
    SimServer::start(Sim::new(SimConfig::fast()), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A control API call; answers the status and the JSON body (`null` when there is none).
pub async fn call(
    running: &RunningSim,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = Client::new().request(method, format!("{}{path}", running.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A POST to the control API that must succeed with `status`.
pub async fn post_ok(running: &RunningSim, path: &str, body: Value, status: u16) -> Value {
    let (got, answer) = call(running, Method::POST, path, Some(body)).await;
    assert_eq!(got, status, "POST {path}: {answer}");
    answer
}

/// A control API call that must fail with `status` and an error containing `needle`.
pub async fn refused(
    running: &RunningSim,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    needle: &str,
) {
    let (got, answer) = call(running, method, path, body).await;
    assert_eq!(got, status, "{path}: {answer}");
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(needle),
        "{path}: {error:?} should name {needle:?}"
    );
}

/// An Admin GraphQL call with `token`: (HTTP status, body).
pub async fn gql_status(
    running: &RunningSim,
    token: &str,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let response = Client::new()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An Admin GraphQL call that must answer data without errors.
pub async fn gql(running: &RunningSim, query: &str, variables: Value) -> Value {
    let (status, body) = gql_status(running, TOKEN, query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// Registers the app, creates the shop and installs the app with [`TOKEN`], all through the
/// control API.
pub async fn setup(running: &RunningSim) {
    post_ok(
        running,
        "/_sim/apps",
        json!({
            "api_key": KEY, "secret": SECRET, "title": "Ordersync",
            "scopes": ["read_orders", "write_orders", "read_products", "read_fulfillments", "read_customers"],
        }),
        201,
    )
    .await;
    post_ok(
        running,
        "/_sim/shops",
        json!({ "domain": SHOP, "name": "Northwind Supply" }),
        201,
    )
    .await;
    let grant = post_ok(
        running,
        &format!("/_sim/shops/{SHOP}/apps/{KEY}"),
        json!({ "token": TOKEN }),
        201,
    )
    .await;
    assert_eq!(grant["access_token"], TOKEN);
}

/// Subscribes the app to `topic` at the receiver.
pub async fn subscribe(running: &RunningSim, receiver: &Receiver, topic: &str) {
    let data = gql(
        running,
        CREATE,
        json!({ "topic": topic, "sub": { "uri": receiver.url("hooks"), "format": "JSON" } }),
    )
    .await;
    assert_eq!(data["webhookSubscriptionCreate"]["userErrors"], json!([]));
}

/// The deliveries so far of `topic` (`orders/paid`) whose body's `id` (or `order_id`) is `id`,
/// each checked to be signed with the app secret for the shop.
pub async fn deliveries(
    running: &RunningSim,
    receiver: &Receiver,
    topic: &str,
    id: u64,
) -> Vec<Received> {
    assert!(running.sim.webhooks_idle(IDLE).await);
    let got: Vec<Received> = receiver
        .received()
        .into_iter()
        .filter(|r| r.header("x-shopify-topic") == topic)
        .filter(|r| {
            let body = r.json();
            body["id"].as_u64() == Some(id) || body["order_id"].as_u64() == Some(id)
        })
        .collect();
    for r in &got {
        assert!(
            verify(SECRET, &r.body, &r.header("x-shopify-hmac-sha256")),
            "{topic} is signed"
        );
        assert_eq!(r.header("x-shopify-shop-domain"), SHOP);
    }
    got
}

/// Asserts exactly `n` deliveries of `topic` for resource `id` arrived so far.
pub async fn expect_hooks(
    running: &RunningSim,
    receiver: &Receiver,
    topic: &str,
    id: u64,
    n: usize,
) {
    let got = deliveries(running, receiver, topic, id).await;
    assert_eq!(got.len(), n, "{topic} for {id}: got {}", got.len());
}

pub const ORDER: &str = "query($id: ID!) { order(id: $id) {
  id name email displayFinancialStatus displayFulfillmentStatus cancelledAt cancelReason closed note tags
  discountCodes
  totalPriceSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } }
  totalOutstandingSet { shopMoney { amount } }
  customer { email firstName lastName }
  shippingAddress { firstName address1 city zip countryCodeV2 }
  billingAddress { address1 city }
  shippingLines(first: 5) { nodes { title originalPriceSet { shopMoney { amount } } } }
  lineItems(first: 10) { nodes { id sku title quantity currentQuantity unfulfilledQuantity fulfillableQuantity } }
  fulfillments { id name status trackingInfo { number company } fulfillmentLineItems(first: 10) { nodes { quantity lineItem { sku } } } }
} }";

/// The order as the Admin API shows it.
pub async fn order(running: &RunningSim, id: u64) -> Value {
    let data = gql(
        running,
        ORDER,
        json!({ "id": format!("gid://shopify/Order/{id}") }),
    )
    .await;
    assert!(data["order"].is_object(), "order {id}: {data}");
    data["order"].clone()
}

/// The numeric id at the end of a GID.
pub fn numeric(gid: &Value) -> u64 {
    gid.as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}
