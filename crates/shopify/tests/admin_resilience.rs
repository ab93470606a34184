//! The Admin API client under Shopify's failure modes, against shopify-sim over real HTTP:
//! retried (502, query timeout, THROTTLED), never retried when a mutation's outcome is unknown,
//! and per-shop throttling that spreads a burst without slowing another shop.

#![allow(clippy::unwrap_used)]

mod admin_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use admin_support::*;
use ordersync_shopify::admin::metrics::Outcome;
use ordersync_shopify::admin::order_input::{MoneyBag, NewOrder, NewOrderLine};
use rust_decimal_macros::dec;
use shopify_sim::faults::FaultKind;

fn order(tag: &str) -> NewOrder {
    NewOrder {
        line_items: vec![NewOrderLine {
            title: Some("Custom mug".into()),
            quantity: 1,
            price_set: Some(MoneyBag::new(dec!(12.00), "USD")),
            ..NewOrderLine::default()
        }],
        tags: vec![tag.into()],
        ..NewOrder::default()
    }
}

#[tokio::test]
async fn a_502_is_retried_to_success() {
    let world = start().await;
    world.fault("shop", FaultKind::Status { status: 502 }, 2);
    let shop = world.api(SHOP).shop_info().await.unwrap();
    assert_eq!(shop.name, "Northwind Supply");
    assert_eq!(
        world.journal(SHOP, "shop"),
        ["fault_status_502", "fault_status_502", "ok"]
    );
    let metrics = world.client.metrics();
    assert_eq!(metrics.attempts("Shop", Outcome::HttpError), 2);
    assert_eq!(metrics.attempts("Shop", Outcome::Ok), 1);
    world.running.stop().await;
}

#[tokio::test]
async fn a_429_is_retried_and_a_persistent_5xx_gives_up_as_retryable() {
    let world = start_with(|c| c.max_attempts = 2).await;
    world.fault("orders", FaultKind::Status { status: 429 }, 1);
    let page = world.api(SHOP).orders(None, 5, None).await.unwrap();
    assert!(page.nodes.is_empty());
    assert_eq!(world.journal(SHOP, "orders"), ["fault_status_429", "ok"]);

    world.fault("shop", FaultKind::Status { status: 503 }, 5);
    let err = world.api(SHOP).shop_info().await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(!err.outcome_unknown(), "a query has no outcome to lose");
    assert_eq!(world.journal(SHOP, "shop").len(), 2, "max_attempts");
    world.running.stop().await;
}

#[tokio::test]
async fn a_query_timeout_is_retried() {
    let world = start_with(|c| c.timeout = Duration::from_millis(300)).await;
    world.fault("orders", FaultKind::Timeout { ms: 1_000 }, 1);
    world.fault("shop", FaultKind::ConnectionReset, 1);
    world.api(SHOP).orders(None, 5, None).await.unwrap();
    world.api(SHOP).shop_info().await.unwrap();
    // The held request is journalled only when the simulator lets it go: count what fired.
    assert_eq!(world.running.sim.faults().hits().len(), 2);
    assert!(world.journal(SHOP, "orders").contains(&"ok".to_owned()));
    assert_eq!(
        world.journal(SHOP, "shop"),
        ["fault_connection_reset", "ok"]
    );
    let metrics = world.client.metrics();
    assert_eq!(metrics.attempts("Orders", Outcome::Timeout), 1);
    assert_eq!(metrics.attempts("Orders", Outcome::Ok), 1);
    world.running.stop().await;
}

#[tokio::test]
async fn a_mutation_whose_answer_is_lost_is_reported_as_outcome_unknown_not_retried() {
    let world = start().await;
    let api = world.api(SHOP);
    world.fault("orderCreate", FaultKind::CommitThenLose, 1);
    let err = api.order_create(&order("lost"), None).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(world.journal(SHOP, "orderCreate").len(), 1, "not retried");
    assert_eq!(world.orders_tagged("lost"), 1, "the order was created");
    // The caller looks before retrying, and finds it.
    let found = api.orders(Some("tag:lost"), 5, None).await.unwrap();
    assert_eq!(found.nodes.len(), 1);

    world.fault(
        "orderCreate",
        FaultKind::CommitThenStatus { status: 502 },
        1,
    );
    let err = api
        .order_create(&order("bad-gateway"), None)
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(world.orders_tagged("bad-gateway"), 1);
    assert_eq!(world.journal(SHOP, "orderCreate").len(), 2, "not retried");
    world.running.stop().await;
}

#[tokio::test]
async fn a_mutation_timeout_is_outcome_unknown_but_a_refused_connection_is_not() {
    let world = start_with(|c| c.timeout = Duration::from_millis(300)).await;
    world.fault("orderCreate", FaultKind::Timeout { ms: 1_000 }, 1);
    let err = world
        .api(SHOP)
        .order_create(&order("slow"), None)
        .await
        .unwrap_err();
    assert!(err.outcome_unknown() && err.is_retryable(), "{err:?}");
    let metrics = world.client.metrics();
    assert_eq!(metrics.attempts("OrderCreate", Outcome::Timeout), 1);
    let other_attempts: u64 = Outcome::ALL
        .iter()
        .filter(|o| **o != Outcome::Timeout)
        .map(|o| metrics.attempts("OrderCreate", *o))
        .sum();
    assert_eq!(other_attempts, 0, "not retried");
    assert_eq!(world.running.sim.faults().hits().len(), 1);

    // Nothing listens here: the request never left, so it is retried and then reported as a
    // plain transport failure.
    let nowhere = ordersync_shopify::admin::AdminClient::new(config("http://127.0.0.1:9"))
        .unwrap()
        .shop(SHOP, "shpat_x");
    let err = nowhere
        .order_create(&order("never"), None)
        .await
        .unwrap_err();
    assert!(err.is_retryable() && !err.outcome_unknown(), "{err:?}");
    world.running.stop().await;
}

#[tokio::test]
async fn a_throttled_answer_is_waited_out_and_retried() {
    let world = start().await;
    world.fault("shop", FaultKind::Throttled, 1);
    world.api(SHOP).shop_info().await.unwrap();
    assert_eq!(world.journal(SHOP, "shop"), ["fault_throttled", "ok"]);
    assert_eq!(world.client.metrics().throttled_total(), 1);
    world.running.stop().await;
}

#[tokio::test]
async fn a_burst_on_a_small_bucket_is_paced_and_another_shop_is_not_slowed() {
    let world = Arc::new(start().await);
    small_bucket(&world, SHOP, 100.0, 50.0);
    let finished = Arc::new(AtomicU64::new(0));
    let mut busy = Vec::new();
    for _ in 0..40 {
        let (world, finished) = (Arc::clone(&world), Arc::clone(&finished));
        busy.push(tokio::spawn(async move {
            world
                .api(SHOP)
                .variants_by_sku("MUG-1", 3, None)
                .await
                .unwrap();
            finished.fetch_add(1, Ordering::SeqCst) + 1
        }));
    }
    let mut quiet = Vec::new();
    for _ in 0..10 {
        let (world, finished) = (Arc::clone(&world), Arc::clone(&finished));
        quiet.push(tokio::spawn(async move {
            world
                .api(OTHER)
                .variants_by_sku("MUG-1", 3, None)
                .await
                .unwrap();
            finished.fetch_add(1, Ordering::SeqCst) + 1
        }));
    }
    let mut quiet_last = 0;
    for task in quiet {
        quiet_last = quiet_last.max(task.await.unwrap());
    }
    let mut busy_last = 0;
    for task in busy {
        busy_last = busy_last.max(task.await.unwrap());
    }
    assert!(
        quiet_last < busy_last,
        "the other shop finished (#{quiet_last}) before the busy burst (#{busy_last})"
    );
    let busy_calls = world.journal(SHOP, "productVariants");
    let throttled = busy_calls.iter().filter(|o| *o == "throttled").count();
    assert!(throttled <= 2, "{throttled} THROTTLED in {busy_calls:?}");
    assert_eq!(busy_calls.iter().filter(|o| *o == "ok").count(), 40);
    let other = world.journal(OTHER, "productVariants");
    assert!(other.iter().all(|o| o == "ok"), "{other:?}");
    assert!(world.client.metrics().throttle_wait_ms_total() > 0);
}
