//! Every Admin API fault mode, as a client meets it over HTTP, and the record of what fired.
//! "Commit then fail" is the case that makes apps create duplicate orders: the order exists
//! although the caller saw no answer or an error.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{json, Value};
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::state::App;
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";

async fn start() -> (RunningSim, String) {
    let sim = Sim::new(SimConfig::fast());
    let token = sim.mutate(|w| {
        w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        w.apps.insert(
            "app-key".into(),
            App {
                api_key: "app-key".into(),
                secret: "secret".into(),
                scopes: vec!["write_orders".into()],
                redirect_urls: vec![],
                title: "Order add-on".into(),
                compliance_url: None,
            },
        );
        shopify_sim::oauth::install_app(w, SHOP, "app-key", &["write_orders".to_owned()], false)
            .unwrap()
            .token
    });
    (
        SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap(),
        token,
    )
}

fn rule(operation: &str, fault: FaultKind) -> FaultRule {
    FaultRule {
        id: 0,
        shop: Some(SHOP.into()),
        operation: Some(operation.into()),
        fault,
        times: Some(1),
        probability: None,
    }
}

const CREATE: &str = "mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) { order { id name } userErrors { field message } } }";

fn order_input(tag: &str) -> Value {
    json!({ "order": {
        "email": "shopper@example.com",
        "tags": [tag],
        "lineItems": [{ "title": "Custom mug", "quantity": 1, "priceSet": { "shopMoney": { "amount": "12.00", "currencyCode": "USD" } } }]
    }})
}

async fn send(
    running: &RunningSim,
    token: &str,
    query: &str,
    variables: Value,
    timeout: Duration,
) -> reqwest::Result<(u16, String)> {
    let response = reqwest::Client::new()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .timeout(timeout)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

fn orders_tagged(running: &RunningSim, tag: &str) -> usize {
    running.sim.read(|w| {
        w.shop(SHOP)
            .unwrap()
            .orders
            .values()
            .filter(|o| o.tags.iter().any(|t| t == tag))
            .count()
    })
}

const LONG: Duration = Duration::from_secs(10);

#[tokio::test]
async fn status_faults_answer_that_status_and_run_nothing() {
    let (running, token) = start().await;
    for status in [500u16, 502, 503, 429] {
        running
            .sim
            .faults()
            .add(rule("orderCreate", FaultKind::Status { status }));
        let tag = format!("status-{status}");
        let (got, body) = send(&running, &token, CREATE, order_input(&tag), LONG)
            .await
            .unwrap();
        assert_eq!(got, status, "{body}");
        assert_eq!(
            orders_tagged(&running, &tag),
            0,
            "nothing ran on a {status}"
        );
    }
    // The next call is served normally: each rule fired once.
    let (got, body) = send(&running, &token, CREATE, order_input("after"), LONG)
        .await
        .unwrap();
    assert_eq!(got, 200, "{body}");
    assert_eq!(orders_tagged(&running, "after"), 1);
    running.stop().await;
}

#[tokio::test]
async fn reset_and_timeout_leave_the_caller_without_an_answer_and_run_nothing() {
    let (running, token) = start().await;
    running
        .sim
        .faults()
        .add(rule("orderCreate", FaultKind::ConnectionReset));
    assert!(send(&running, &token, CREATE, order_input("reset"), LONG)
        .await
        .is_err());
    assert_eq!(orders_tagged(&running, "reset"), 0);

    running
        .sim
        .faults()
        .add(rule("orderCreate", FaultKind::Timeout { ms: 2_000 }));
    let err = send(
        &running,
        &token,
        CREATE,
        order_input("timeout"),
        Duration::from_millis(200),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(orders_tagged(&running, "timeout"), 0);
    running.stop().await;
}

#[tokio::test]
async fn throttled_and_latency_faults() {
    let (running, token) = start().await;
    running.sim.faults().add(rule("shop", FaultKind::Throttled));
    let (status, body) = send(&running, &token, "{ shop { name } }", json!({}), LONG)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "THROTTLED");
    assert!(body["extensions"]["cost"]["throttleStatus"]["restoreRate"].is_number());

    running
        .sim
        .faults()
        .add(rule("shop", FaultKind::Latency { ms: 50 }));
    let (status, body) = send(&running, &token, "{ shop { name } }", json!({}), LONG)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("Northwind Supply"));
    running.stop().await;
}

#[tokio::test]
async fn commit_then_fail_creates_the_order_although_the_caller_saw_a_failure() {
    let (running, token) = start().await;
    running
        .sim
        .faults()
        .add(rule("orderCreate", FaultKind::CommitThenLose));
    assert!(
        send(&running, &token, CREATE, order_input("lost"), LONG)
            .await
            .is_err(),
        "the answer is lost"
    );
    assert_eq!(
        orders_tagged(&running, "lost"),
        1,
        "but the order was created"
    );

    running.sim.faults().add(rule(
        "orderCreate",
        FaultKind::CommitThenStatus { status: 502 },
    ));
    let (status, _) = send(&running, &token, CREATE, order_input("bad-gateway"), LONG)
        .await
        .unwrap();
    assert_eq!(status, 502);
    assert_eq!(
        orders_tagged(&running, "bad-gateway"),
        1,
        "the order was created before the 502"
    );

    // The app can find what it created by tag, which is how ordersync avoids duplicates.
    let (_, body) = send(
        &running,
        &token,
        "query($q: String!) { orders(first: 5, query: $q) { nodes { id tags } } }",
        json!({ "q": "tag:lost" }),
        LONG,
    )
    .await
    .unwrap();
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["data"]["orders"]["nodes"].as_array().unwrap().len(),
        1,
        "{body}"
    );

    let hits = running.sim.faults().hits();
    let kinds: Vec<&FaultKind> = hits.iter().map(|h| &h.fault).collect();
    assert_eq!(
        kinds,
        vec![
            &FaultKind::CommitThenLose,
            &FaultKind::CommitThenStatus { status: 502 }
        ]
    );
    let outcomes: Vec<String> = running
        .sim
        .journal()
        .calls(Some(SHOP), 0)
        .into_iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(outcomes[0], "ok+fault_commit_then_lose");
    assert_eq!(outcomes[1], "ok+fault_commit_then_status_502");
    running.stop().await;
}
