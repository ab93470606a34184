//! Compliance webhooks and uninstall through the control API: the compliance topics reach the
//! app's configured `compliance_url` (signed), those configuration subscriptions stay out of the
//! Admin API's list, and an uninstall delivers `app/uninstalled`, refuses the token afterwards
//! and removes the app's subscriptions until it is installed again.

#![allow(clippy::unwrap_used)]

mod sim_http;
mod webhooks_support;

use reqwest::Method;
use serde_json::json;
use sim_http::*;
use webhooks_support::Receiver;

#[tokio::test]
async fn compliance_webhooks_reach_the_configured_url_and_uninstall_revokes_the_token() {
    let running = start().await;
    let receiver = Receiver::start().await;
    post_ok(
        &running,
        "/_sim/apps",
        json!({ "api_key": KEY, "secret": SECRET, "scopes": ["read_orders", "read_customers"],
                "compliance_url": receiver.url("compliance") }),
        201,
    )
    .await;
    post_ok(&running, "/_sim/shops", json!({ "domain": SHOP }), 201).await;
    post_ok(
        &running,
        &format!("/_sim/shops/{SHOP}/apps/{KEY}"),
        json!({ "token": TOKEN }),
        201,
    )
    .await;
    subscribe(&running, &receiver, "APP_UNINSTALLED").await;
    let data = gql(
        &running,
        "{ webhookSubscriptions(first: 10) { nodes { topic } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        data["webhookSubscriptions"]["nodes"],
        json!([{ "topic": "APP_UNINSTALLED" }]),
        "subscriptions from the app's configuration are not listed"
    );
    let placed = post_ok(
        &running,
        &format!("/_sim/shops/{SHOP}/orders"),
        json!({ "email": "ada@example.com", "lines": [{ "title": "Gift wrap", "price": "3.00" }] }),
        201,
    )
    .await;
    let order_id = placed["id"].as_u64().unwrap();
    let data = gql(
        &running,
        "query($id: ID!) { order(id: $id) { customer { id } } }",
        json!({ "id": placed["gid"] }),
    )
    .await;
    let customer = numeric(&data["order"]["customer"]["id"]);

    let compliance = format!("/_sim/shops/{SHOP}/compliance");
    for body in [
        json!({ "topic": "customers/data_request", "customer_id": customer }),
        json!({ "topic": "customers/redact", "customer_id": customer, "api_key": KEY }),
        json!({ "topic": "shop/redact" }),
    ] {
        let answer = post_ok(&running, &compliance, body.clone(), 202).await;
        assert_eq!(answer["topic"], body["topic"]);
    }
    refused(
        &running,
        Method::POST,
        &compliance,
        Some(json!({ "topic": "customers/redact" })),
        400,
        "customer_id",
    )
    .await;
    assert!(running.sim.webhooks_idle(IDLE).await);
    let got: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/compliance")
        .collect();
    let topics: Vec<String> = got.iter().map(|r| r.header("x-shopify-topic")).collect();
    assert_eq!(
        topics,
        ["customers/data_request", "customers/redact", "shop/redact"]
    );
    for r in &got {
        assert!(webhooks_support::verify(
            SECRET,
            &r.body,
            &r.header("x-shopify-hmac-sha256")
        ));
        assert_eq!(r.json()["shop_domain"], SHOP);
    }
    assert_eq!(got[1].json()["customer"]["id"], customer);
    assert_eq!(got[1].json()["orders_to_redact"], json!([order_id]));

    // Uninstall: app/uninstalled arrives signed, the token is refused, the app is gone.
    let (status, answer) = call(
        &running,
        Method::DELETE,
        &format!("/_sim/shops/{SHOP}/apps/{KEY}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["uninstalled"], KEY);
    assert!(running.sim.webhooks_idle(IDLE).await);
    let uninstalled: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.header("x-shopify-topic") == "app/uninstalled")
        .collect();
    assert_eq!(uninstalled.len(), 1);
    assert!(webhooks_support::verify(
        SECRET,
        &uninstalled[0].body,
        &uninstalled[0].header("x-shopify-hmac-sha256")
    ));
    assert_eq!(uninstalled[0].json()["myshopify_domain"], SHOP);
    let (status, _) = gql_status(&running, TOKEN, "{ shop { name } }", json!({})).await;
    assert_eq!(status, 401);
    refused(
        &running,
        Method::DELETE,
        &format!("/_sim/shops/{SHOP}/apps/{KEY}"),
        None,
        404,
        "not installed",
    )
    .await;
    let (_, shops) = call(&running, Method::GET, "/_sim/shops", None).await;
    assert_eq!(shops[0]["installed_apps"], json!([]));
    let before = receiver.received().len();
    post_ok(
        &running,
        &compliance,
        json!({ "topic": "shop/redact" }),
        202,
    )
    .await;
    assert!(running.sim.webhooks_idle(IDLE).await);
    assert_eq!(
        receiver.received().len(),
        before,
        "an uninstalled app's configuration is gone"
    );

    // Reinstalled: a new token works and the configuration's subscriptions are back.
    post_ok(
        &running,
        &format!("/_sim/shops/{SHOP}/apps/{KEY}"),
        json!({ "token": "shpat_again" }),
        201,
    )
    .await;
    let (status, body) = gql_status(
        &running,
        "shpat_again",
        "{ webhookSubscriptions(first: 10) { nodes { topic } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["webhookSubscriptions"]["nodes"],
        json!([]),
        "GraphQL subscriptions went with the uninstall"
    );
    post_ok(
        &running,
        &compliance,
        json!({ "topic": "shop/redact" }),
        202,
    )
    .await;
    assert!(running.sim.webhooks_idle(IDLE).await);
    assert_eq!(receiver.received().len(), before + 1);
    running.stop().await;
}
