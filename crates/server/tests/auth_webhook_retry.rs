//! Webhook registration that fails at install does not fail the install: the shop is recorded and
//! a retried job puts the subscriptions in place (once) as soon as Shopify answers again.

#![allow(clippy::unwrap_used)]

mod auth_support;

use std::time::Duration;

use auth_support::*;
use shopify_sim::faults::{FaultKind, FaultRule};

#[tokio::test]
async fn a_failed_registration_at_install_is_retried_by_a_job() {
    let world = start().await;
    world.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(NORTHWIND.into()),
        operation: Some("webhookSubscriptionCreate".into()),
        fault: FaultKind::Status { status: 503 },
        times: Some(1),
        probability: None,
    });
    let landing = world.install(NORTHWIND, "").await;
    assert!(!landing.is_empty(), "the install completed");
    assert!(
        world
            .store
            .shop_by_domain(&domain(NORTHWIND))
            .await
            .unwrap()
            .unwrap()
            .installed
    );
    assert_eq!(
        world.sim.sim.faults().hits().len(),
        1,
        "registration met the outage"
    );

    // The worker retries; wait (bounded) until the subscriptions are in place.
    let expected = expected_subscriptions(&world);
    let mut found = Vec::new();
    for _ in 0..300 {
        found = subscriptions(&world, NORTHWIND);
        if found == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, expected, "every subscription, once");
    world.stop().await;
}
