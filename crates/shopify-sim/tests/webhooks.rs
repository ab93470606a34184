//! Webhooks end to end: subscriptions over GraphQL, bodies shaped like Shopify's examples,
//! signatures and headers, retries, timeouts, webhook faults, and fan-out to apps.

#![allow(clippy::unwrap_used)]

mod webhooks_support;

use std::collections::BTreeSet;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::state::{Topic, WebhookSubscription};
use shopify_sim::{Sim, SimConfig, SimServer};
use webhooks_support::*;

const IDLE: Duration = Duration::from_secs(20);

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn example(topic: &str) -> Value {
    let path = format!(
        "{}/../../contracts/shopify/webhooks/{topic}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&STANDARD.decode(signature).unwrap())
        .is_ok()
}

fn fault(operation: &str, kind: FaultKind, times: u32) -> FaultRule {
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
fn order_event(sim: &Sim, topic: Topic) -> u64 {
    sim.mutate(|w| {
        let (order_id, _, _) = insert_order(w);
        w.emit(SHOP, topic, Some(order_id));
        order_id
    })
}

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
async fn a_failing_endpoint_is_retried_with_the_same_ids_until_it_answers() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    receiver.answer(&[500, 503]);
    subscribe(&running, "ORDERS_PAID", &receiver.url("paid")).await;
    order_event(&running.sim, Topic::OrdersPaid);
    assert!(running.sim.webhooks_idle(IDLE).await);

    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let event_ids: BTreeSet<String> = got.iter().map(|r| r.header("x-shopify-event-id")).collect();
    let webhook_ids: BTreeSet<String> = got
        .iter()
        .map(|r| r.header("x-shopify-webhook-id"))
        .collect();
    assert_eq!(event_ids.len(), 1);
    assert_eq!(webhook_ids.len(), 1, "a retry is the same delivery");
    assert!(got.iter().all(|r| r.body == got[0].body));

    let attempts = running.sim.journal().attempts(Some(SHOP), 0);
    let seen: Vec<(u32, u16, &str)> = attempts
        .iter()
        .map(|a| (a.attempt, a.http_status, a.outcome.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, 500, "failed"),
            (2, 503, "failed"),
            (3, 200, "delivered")
        ]
    );
    running.stop().await;
}

#[tokio::test]
async fn a_slow_endpoint_times_out_and_a_dead_one_is_given_up_after_the_last_retry() {
    let config = SimConfig {
        webhook_retry_delays: vec![Duration::from_millis(20); 2],
        webhook_timeout: Duration::from_millis(300),
    };
    let running = start(config).await;
    let slow = Receiver::start().await;
    slow.sleep_first(&[3_000]);
    let dead = Receiver::start().await;
    dead.answer(&[500, 500, 500, 500]);
    subscribe(&running, "ORDERS_UPDATED", &slow.url("slow")).await;
    subscribe(&running, "ORDERS_UPDATED", &dead.url("dead")).await;
    order_event(&running.sim, Topic::OrdersUpdated);
    assert!(running.sim.webhooks_idle(IDLE).await);

    let attempts = running.sim.journal().attempts(Some(SHOP), 0);
    let outcomes = |uri: &str| -> Vec<(u32, &str)> {
        attempts
            .iter()
            .filter(|a| a.uri == uri)
            .map(|a| (a.attempt, a.outcome.as_str()))
            .collect()
    };
    assert_eq!(
        outcomes(&slow.url("slow")),
        vec![(1, "timeout"), (2, "delivered")]
    );
    assert_eq!(
        outcomes(&dead.url("dead")),
        vec![(1, "failed"), (2, "failed"), (3, "failed")],
        "two retries, then given up"
    );
    assert_eq!(dead.received().len(), 3);
    let event_ids: BTreeSet<&str> = attempts.iter().map(|a| a.event_id.as_str()).collect();
    assert_eq!(event_ids.len(), 1, "one event, whatever the endpoint");
    running.stop().await;
}

#[tokio::test]
async fn dropped_and_duplicated_deliveries() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    subscribe(&running, "ORDERS_CREATE", &receiver.url("create")).await;
    subscribe(&running, "ORDERS_PAID", &receiver.url("paid")).await;
    running
        .sim
        .faults()
        .add(fault("orders/create", FaultKind::Drop, 1));
    running
        .sim
        .faults()
        .add(fault("orders/paid", FaultKind::Duplicate, 1));
    order_event(&running.sim, Topic::OrdersCreate);
    order_event(&running.sim, Topic::OrdersPaid);
    assert!(running.sim.webhooks_idle(IDLE).await);

    let got = receiver.received();
    assert!(
        got.iter().all(|r| r.path == "/paid"),
        "the dropped one never arrived"
    );
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("x-shopify-event-id"),
        got[1].header("x-shopify-event-id")
    );
    assert_ne!(
        got[0].header("x-shopify-webhook-id"),
        got[1].header("x-shopify-webhook-id")
    );
    assert_eq!(got[0].body, got[1].body);

    let attempts = running.sim.journal().attempts(Some(SHOP), 0);
    let mut outcomes: Vec<(&str, &str)> = attempts
        .iter()
        .map(|a| (a.topic.as_str(), a.outcome.as_str()))
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        vec![
            ("orders/create", "dropped"),
            ("orders/paid", "delivered"),
            ("orders/paid", "duplicate")
        ]
    );
    assert_eq!(running.sim.faults().hits().len(), 2);

    // The rules were used up: the next event is delivered once.
    order_event(&running.sim, Topic::OrdersCreate);
    assert!(running.sim.webhooks_idle(IDLE).await);
    assert_eq!(
        receiver
            .received()
            .iter()
            .filter(|r| r.path == "/create")
            .count(),
        1
    );
    running.stop().await;
}

#[tokio::test]
async fn delayed_and_reordered_deliveries_arrive_after_later_ones() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    subscribe(&running, "ORDERS_CREATE", &receiver.url("create")).await;
    subscribe(&running, "ORDERS_UPDATED", &receiver.url("updated")).await;

    running
        .sim
        .faults()
        .add(fault("orders/create", FaultKind::Delay { ms: 400 }, 1));
    order_event(&running.sim, Topic::OrdersCreate);
    order_event(&running.sim, Topic::OrdersUpdated);
    assert!(running.sim.webhooks_idle(IDLE).await);
    let paths: Vec<String> = receiver.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, vec!["/updated", "/create"]);

    running
        .sim
        .faults()
        .add(fault("orders/create", FaultKind::Reorder, 1));
    order_event(&running.sim, Topic::OrdersCreate);
    assert!(running.sim.webhooks_idle(IDLE).await);
    assert_eq!(
        receiver.received().len(),
        2,
        "held until the shop's next delivery"
    );
    order_event(&running.sim, Topic::OrdersUpdated);
    assert!(running.sim.webhooks_idle(IDLE).await);
    let paths: Vec<String> = receiver.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, vec!["/updated", "/create", "/updated", "/create"]);
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
async fn every_subscribed_app_hears_an_event_and_app_events_reach_only_their_app() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    running
        .sim
        .mutate(|w| install(w, "other-app", "other-secret", "shpat_other"));
    subscribe(&running, "ORDERS_CREATE", &receiver.url("mine")).await;
    subscribe(
        &running,
        "APP_UNINSTALLED",
        &receiver.url("uninstalled-mine"),
    )
    .await;
    let other = graphql(
        &running,
        "shpat_other",
        CREATE,
        json!({ "topic": "ORDERS_CREATE", "sub": { "uri": receiver.url("theirs") } }),
    )
    .await;
    assert_eq!(
        other["data"]["webhookSubscriptionCreate"]["userErrors"],
        json!([])
    );
    graphql(
        &running,
        "shpat_other",
        CREATE,
        json!({ "topic": "APP_UNINSTALLED", "sub": { "uri": receiver.url("uninstalled-theirs") } }),
    )
    .await;

    order_event(&running.sim, Topic::OrdersCreate);
    // The merchant uninstalls our app: only it hears, though it is no longer installed.
    running.sim.mutate(|w| {
        w.shop_mut(SHOP)
            .unwrap()
            .installations
            .get_mut(APP)
            .unwrap()
            .installed = false;
        w.emit_to_app(SHOP, APP, Topic::AppUninstalled, None);
    });
    assert!(running.sim.webhooks_idle(IDLE).await);

    let got = receiver.received();
    let by_path = |p: &str| {
        got.iter()
            .filter(|r| r.path == p)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (mine, theirs) = (by_path("/mine"), by_path("/theirs"));
    assert_eq!((mine.len(), theirs.len()), (1, 1));
    assert_eq!(
        mine[0].header("x-shopify-event-id"),
        theirs[0].header("x-shopify-event-id")
    );
    assert!(verify(
        SECRET,
        &mine[0].body,
        &mine[0].header("x-shopify-hmac-sha256")
    ));
    assert!(verify(
        "other-secret",
        &theirs[0].body,
        &theirs[0].header("x-shopify-hmac-sha256")
    ));
    assert!(by_path("/uninstalled-theirs").is_empty());
    let uninstalled = by_path("/uninstalled-mine");
    assert_eq!(uninstalled.len(), 1);
    let body = uninstalled[0].json();
    assert_eq!(keys(&body), keys(&example("app/uninstalled")));
    assert_eq!(body["myshopify_domain"], SHOP);
    assert_eq!(body["name"], "Northwind Supply");
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

#[test]
fn events_recorded_outside_a_runtime_go_out_once_one_runs() {
    let sim = Sim::new(SimConfig::fast());
    sim.mutate(|w| {
        w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        install(w, APP, SECRET, TOKEN);
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(Receiver::start());
    let uri = receiver.url("early");
    sim.mutate(|w| {
        let now = chrono::Utc::now();
        let id = w.next_id();
        w.shop_mut(SHOP)
            .unwrap()
            .installations
            .get_mut(APP)
            .unwrap()
            .webhook_subscriptions
            .push(WebhookSubscription {
                id,
                topic: "ORDERS_CREATE".into(),
                uri,
                format: "JSON".into(),
                created_at: now,
                updated_at: now,
            });
        let (order_id, _, _) = insert_order(w);
        w.emit(SHOP, Topic::OrdersCreate, Some(order_id));
    });
    assert!(receiver.received().is_empty());
    runtime.block_on(async {
        assert!(sim.webhooks_idle(IDLE).await);
        assert_eq!(receiver.received().len(), 1);
        let running = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        running.stop().await;
    });
}
