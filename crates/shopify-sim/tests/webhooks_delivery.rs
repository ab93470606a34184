//! Webhooks end to end, part two: delivery: retries with the same ids, timeouts, giving up,
//! each webhook fault, fan-out to every subscribed app, and a sender started lazily.

#![allow(clippy::unwrap_used)]

mod webhooks_support;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use shopify_sim::faults::FaultKind;
use shopify_sim::state::{Topic, WebhookSubscription};
use shopify_sim::{Sim, SimConfig, SimServer};
use webhooks_support::*;

const IDLE: Duration = Duration::from_secs(20);

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
