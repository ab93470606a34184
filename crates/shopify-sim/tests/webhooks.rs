//! Webhooks end to end, part one: subscriptions over GraphQL with Shopify's userErrors, and
//! bodies shaped like Shopify's example webhooks, signed and with every header.
//! (Retries, timeouts, faults and fan-out: `webhooks_delivery.rs`.)

#![allow(clippy::unwrap_used)]

mod webhooks_support;

use std::time::Duration;

use serde_json::{json, Value};
use shopify_sim::state::{Topic, WebhookSubscription};
use shopify_sim::SimConfig;
use webhooks_support::*;

const IDLE: Duration = Duration::from_secs(20);

#[tokio::test]
async fn subscriptions_are_managed_over_graphql_with_shopify_user_errors() {
    let running = start(SimConfig::fast()).await;
    let hook = "https://hooks.example.com/orders";
    let body = graphql(
        &running,
        TOKEN,
        CREATE,
        json!({ "topic": "ORDERS_CREATE", "sub": { "callbackUrl": hook, "format": "JSON" } }),
    )
    .await;
    let created = &body["data"]["webhookSubscriptionCreate"]["webhookSubscription"];
    assert_eq!(created["topic"], "ORDERS_CREATE", "{body}");
    assert_eq!(created["uri"], hook);
    assert_eq!(created["format"], "JSON");
    assert_eq!(created["endpoint"]["__typename"], "WebhookHttpEndpoint");
    assert_eq!(created["endpoint"]["callbackUrl"], hook);
    assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("gid://shopify/WebhookSubscription/"));

    // The same address for the same topic is taken; another topic may use it.
    let again = graphql(
        &running,
        TOKEN,
        CREATE,
        json!({ "topic": "ORDERS_CREATE", "sub": { "callbackUrl": hook } }),
    )
    .await;
    assert_eq!(
        again["data"]["webhookSubscriptionCreate"],
        json!({ "webhookSubscription": null, "userErrors": [{ "field": ["webhookSubscription", "callbackUrl"], "message": "Address for this topic has already been taken" }] }),
        "{again}"
    );
    subscribe(&running, "ORDERS_PAID", hook).await;

    for (uri, message) in [
        ("not a url", "Address is invalid"),
        (
            "ftp://hooks.example.com/x",
            "Address protocol ftp:// is not supported",
        ),
        ("", "Address can't be blank"),
    ] {
        let bad = graphql(
            &running,
            TOKEN,
            CREATE,
            json!({ "topic": "ORDERS_UPDATED", "sub": { "uri": uri } }),
        )
        .await;
        assert_eq!(
            bad["data"]["webhookSubscriptionCreate"]["userErrors"],
            json!([{ "field": ["webhookSubscription", "uri"], "message": message }]),
            "{uri}"
        );
    }

    let list = graphql(
        &running,
        TOKEN,
        "query($topics: [WebhookSubscriptionTopic!]) { webhookSubscriptions(first: 10, topics: $topics) { nodes { id topic } pageInfo { hasNextPage } } webhookSubscriptionsCount { count precision } }",
        json!({ "topics": ["ORDERS_CREATE"] }),
    )
    .await;
    assert_eq!(
        list["data"]["webhookSubscriptions"]["nodes"],
        json!([{ "id": id, "topic": "ORDERS_CREATE" }]),
        "{list}"
    );
    assert_eq!(
        list["data"]["webhookSubscriptionsCount"],
        json!({ "count": 2, "precision": "EXACT" })
    );

    let update = graphql(
        &running,
        TOKEN,
        "mutation($id: ID!) { webhookSubscriptionUpdate(id: $id, webhookSubscription: { uri: \"https://hooks.example.com/v2\" }) { webhookSubscription { id uri format } userErrors { field message } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        update["data"]["webhookSubscriptionUpdate"],
        json!({ "webhookSubscription": { "id": id, "uri": "https://hooks.example.com/v2", "format": "JSON" }, "userErrors": [] }),
        "{update}"
    );
    let one = graphql(
        &running,
        TOKEN,
        "query($id: ID!) { webhookSubscription(id: $id) { uri } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        one["data"]["webhookSubscription"]["uri"],
        "https://hooks.example.com/v2"
    );

    let delete = "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }";
    let deleted = graphql(&running, TOKEN, delete, json!({ "id": id })).await;
    assert_eq!(
        deleted["data"]["webhookSubscriptionDelete"],
        json!({ "deletedWebhookSubscriptionId": id, "userErrors": [] })
    );
    let gone = graphql(&running, TOKEN, delete, json!({ "id": id })).await;
    assert_eq!(
        gone["data"]["webhookSubscriptionDelete"],
        json!({ "deletedWebhookSubscriptionId": null, "userErrors": [{ "field": ["id"], "message": "Webhook subscription does not exist" }] })
    );
    running.stop().await;
}

#[tokio::test]
async fn an_order_webhook_is_signed_headed_and_shaped_like_shopify() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    subscribe(&running, "ORDERS_CREATE", &receiver.url("orders")).await;
    let order_id = order_event(&running.sim, Topic::OrdersCreate);
    assert!(running.sim.webhooks_idle(IDLE).await);

    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let hit = &got[0];
    assert!(verify(
        SECRET,
        &hit.body,
        &hit.header("x-shopify-hmac-sha256")
    ));
    assert!(!verify(
        "other-secret",
        &hit.body,
        &hit.header("x-shopify-hmac-sha256")
    ));
    assert_eq!(hit.header("x-shopify-topic"), "orders/create");
    assert_eq!(hit.header("x-shopify-shop-domain"), SHOP);
    assert_eq!(hit.header("x-shopify-api-version"), "2026-07");
    assert_eq!(hit.header("content-type"), "application/json");
    assert!(uuid::Uuid::parse_str(&hit.header("x-shopify-webhook-id")).is_ok());
    assert!(uuid::Uuid::parse_str(&hit.header("x-shopify-event-id")).is_ok());
    assert!(chrono::DateTime::parse_from_rfc3339(&hit.header("x-shopify-triggered-at")).is_ok());

    let body = hit.json();
    let reference = example("orders/create");
    assert_eq!(keys(&body), keys(&reference));
    assert_eq!(
        keys(&body["line_items"][0]),
        keys(&reference["line_items"][0])
    );
    assert_eq!(
        keys(&body["shipping_lines"][0]),
        keys(&reference["shipping_lines"][0])
    );
    assert_eq!(
        keys(&body["shipping_address"]),
        keys(&reference["shipping_address"])
    );
    assert_eq!(body["id"], json!(order_id));
    assert_eq!(
        body["admin_graphql_api_id"],
        format!("gid://shopify/Order/{order_id}")
    );
    assert_eq!(body["name"], "#1001");
    assert_eq!(body["order_number"], 1001);
    assert_eq!(body["number"], 1);
    // 2 × 24.50 + 100 = 149.00; less 5.00 of discounts = 144.00; + 7.50 shipping + 3.25 tax.
    assert_eq!(body["total_line_items_price"], "149.00");
    assert_eq!(body["total_discounts"], "5.00");
    assert_eq!(body["subtotal_price"], "144.00");
    assert_eq!(body["total_price"], "154.75");
    assert_eq!(
        body["total_price_set"]["shop_money"],
        json!({ "amount": "154.75", "currency_code": "USD" })
    );
    assert_eq!(body["total_tax"], "3.25");
    assert_eq!(body["total_outstanding"], "0.00");
    assert_eq!(body["financial_status"], "paid");
    assert_eq!(
        body["fulfillment_status"], "partial",
        "the lamps shipped, the shelf did not"
    );
    assert_eq!(body["tags"], "vip, web");
    assert_eq!(body["discount_codes"][0]["code"], "SPRING5");
    assert_eq!(body["customer"]["email"], "ada@example.com");
    assert_eq!(body["shipping_address"]["name"], "Ada Lovelace");
    assert_eq!(body["shipping_lines"][0]["price"], "7.50");
    assert_eq!(body["line_items"][0]["fulfillment_status"], "fulfilled");
    assert_eq!(body["line_items"][0]["fulfillable_quantity"], 0);
    assert_eq!(body["line_items"][1]["fulfillable_quantity"], 1);
    assert_eq!(
        body["line_items"][0]["properties"],
        json!([{ "name": "gift", "value": "yes" }])
    );
    assert_eq!(
        body["fulfillments"][0]["tracking_numbers"],
        json!(["1Z999", "1Z998"])
    );
    assert_eq!(body["cancelled_at"], Value::Null);

    let attempts = running.sim.journal().attempts(Some(SHOP), 0);
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, "delivered");
    assert_eq!(attempts[0].http_status, 200);
    assert_eq!(attempts[0].event_id, hit.header("x-shopify-event-id"));
    running.stop().await;
}

#[tokio::test]
async fn a_fulfillment_webhook_carries_its_tracking_and_lines() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    subscribe(
        &running,
        "FULFILLMENTS_CREATE",
        &receiver.url("fulfillments"),
    )
    .await;
    let (order_id, fulfillment_id) = running.sim.mutate(|w| {
        let (order_id, fulfillment_id, _) = insert_order(w);
        w.emit(SHOP, Topic::FulfillmentsCreate, Some(fulfillment_id));
        (order_id, fulfillment_id)
    });
    assert!(running.sim.webhooks_idle(IDLE).await);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("x-shopify-topic"), "fulfillments/create");
    let body = got[0].json();
    let reference = example("fulfillments/create");
    assert_eq!(keys(&body), keys(&reference));
    assert_eq!(
        keys(&body["line_items"][0]),
        keys(&reference["line_items"][0])
    );
    assert_eq!(body["id"], json!(fulfillment_id));
    assert_eq!(body["order_id"], json!(order_id));
    assert_eq!(body["status"], "success");
    assert_eq!(body["tracking_company"], "UPS");
    assert_eq!(body["tracking_number"], "1Z999");
    assert_eq!(body["tracking_numbers"], json!(["1Z999", "1Z998"]));
    assert_eq!(body["tracking_urls"], json!(["https://ups.example/1Z999"]));
    assert_eq!(body["line_items"][0]["quantity"], 2);
    assert_eq!(body["name"], "#1001.1");
    running.stop().await;
}

#[tokio::test]
async fn deleting_a_subscription_stops_its_deliveries() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    let id = subscribe(&running, "ORDERS_CREATE", &receiver.url("create")).await;
    order_event(&running.sim, Topic::OrdersCreate);
    assert!(running.sim.webhooks_idle(IDLE).await);
    assert_eq!(receiver.received().len(), 1);
    graphql(
        &running,
        TOKEN,
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId } }",
        json!({ "id": id }),
    )
    .await;
    order_event(&running.sim, Topic::OrdersCreate);
    assert!(running.sim.webhooks_idle(IDLE).await);
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(running.sim.journal().attempts(Some(SHOP), 0).len(), 1);
    running.stop().await;
}

#[tokio::test]
async fn compliance_webhooks_carry_the_customer_and_their_orders() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    let (order_id, customer_id) = running.sim.mutate(|w| {
        let now = chrono::Utc::now();
        let installation = w
            .shop_mut(SHOP)
            .unwrap()
            .installations
            .get_mut(APP)
            .unwrap();
        for (i, topic) in ["CUSTOMERS_DATA_REQUEST", "CUSTOMERS_REDACT", "SHOP_REDACT"]
            .iter()
            .enumerate()
        {
            // Compliance subscriptions come from the app's configuration, not from GraphQL.
            installation
                .webhook_subscriptions
                .push(WebhookSubscription {
                    id: 900 + i as u64,
                    topic: (*topic).into(),
                    uri: receiver.url("compliance"),
                    format: "JSON".into(),
                    created_at: now,
                    updated_at: now,
                });
        }
        let (order_id, _, customer_id) = insert_order(w);
        assert!(shopify_sim::webhooks::compliance_event(
            w,
            SHOP,
            APP,
            Topic::CustomersDataRequest,
            Some(customer_id)
        ));
        assert!(shopify_sim::webhooks::compliance_event(
            w,
            SHOP,
            APP,
            Topic::CustomersRedact,
            Some(customer_id)
        ));
        assert!(shopify_sim::webhooks::compliance_event(
            w,
            SHOP,
            APP,
            Topic::ShopRedact,
            None
        ));
        assert!(!shopify_sim::webhooks::compliance_event(
            w,
            SHOP,
            APP,
            Topic::OrdersCreate,
            None
        ));
        (order_id, customer_id)
    });
    assert!(running.sim.webhooks_idle(IDLE).await);
    let got = receiver.received();
    let body = |topic: &str| {
        got.iter()
            .find(|r| r.header("x-shopify-topic") == topic)
            .map(|r| r.json())
            .unwrap_or_else(|| panic!("no {topic}"))
    };
    let request = body("customers/data_request");
    assert_eq!(keys(&request), keys(&example("customers/data_request")));
    assert_eq!(request["customer"]["id"], json!(customer_id));
    assert_eq!(request["orders_requested"], json!([order_id]));
    assert!(request["data_request"]["id"].as_u64().unwrap() > 0);
    let redact = body("customers/redact");
    assert_eq!(keys(&redact), keys(&example("customers/redact")));
    assert_eq!(redact["orders_to_redact"], json!([order_id]));
    assert_eq!(redact["shop_domain"], SHOP);
    assert_eq!(keys(&body("shop/redact")), keys(&example("shop/redact")));
    running.stop().await;
}
