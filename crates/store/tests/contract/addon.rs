//! The Order add-on per shop: never switched on, a charge requested, Shopify's status changes
//! by compare-and-set, errors kept, and the push gate.

use ordersync_core::{AddonState, AddonStatus, AppSubscriptionId, OffReason};
use ordersync_store::Store;

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;

contract_tests!(
    a_shop_that_never_switched_on_is_off_and_cannot_push,
    a_requested_charge_waits_then_becomes_active_and_lets_orders_be_pushed,
    a_stale_status_change_is_refused_by_compare_and_set,
    a_new_charge_replaces_a_declined_one,
    errors_are_kept_without_changing_the_state,
    the_add_on_goes_with_its_shop,
);

fn gid(n: u64) -> AppSubscriptionId {
    AppSubscriptionId::from_numeric(n).unwrap()
}

async fn a_shop_that_never_switched_on_is_off_and_cannot_push(store: &Store) {
    let shop = destination(store).await;
    let record = store.order_addon(shop.id).await.unwrap();
    assert_eq!(
        record.addon.state(),
        AddonState::Off(OffReason::NeverSwitchedOn)
    );
    assert_eq!(record.updated_at, None);
    assert!(!store.can_push_orders(shop.id).await.unwrap());
    assert!(store
        .addon_by_subscription(&gid(1))
        .await
        .unwrap()
        .is_none());
}

async fn a_requested_charge_waits_then_becomes_active_and_lets_orders_be_pushed(store: &Store) {
    let shop = destination(store).await;
    let url = "http://sim/shops/retail.myshopify.com/admin/charges/9/confirm";
    let pending = store
        .record_addon_requested(shop.id, &gid(9), url, true, T0)
        .await
        .unwrap();
    assert_eq!(pending.addon.state(), AddonState::WaitingForApproval);
    assert_eq!(pending.addon.confirmation_url.as_deref(), Some(url));
    assert!(pending.addon.test);
    assert_eq!(pending.requested_at, Some(T0));
    assert!(!store.can_push_orders(shop.id).await.unwrap());

    let found = store.addon_by_subscription(&gid(9)).await.unwrap().unwrap();
    assert_eq!(found.shop_id, shop.id);

    let later = T0.plus_millis(60_000);
    assert!(store
        .set_addon_status(
            shop.id,
            &gid(9),
            AddonStatus::Pending,
            AddonStatus::Active,
            later
        )
        .await
        .unwrap());
    let active = store.order_addon(shop.id).await.unwrap();
    assert_eq!(active.addon.state(), AddonState::Active);
    assert_eq!(active.activated_at, Some(later));
    assert_eq!(active.cancelled_at, None);
    assert!(store.can_push_orders(shop.id).await.unwrap());

    let end = T0.plus_millis(120_000);
    assert!(store
        .set_addon_status(
            shop.id,
            &gid(9),
            AddonStatus::Active,
            AddonStatus::Cancelled,
            end
        )
        .await
        .unwrap());
    let cancelled = store.order_addon(shop.id).await.unwrap();
    assert_eq!(
        cancelled.addon.state(),
        AddonState::Off(OffReason::Cancelled)
    );
    assert_eq!(cancelled.activated_at, Some(later));
    assert_eq!(cancelled.cancelled_at, Some(end));
    assert!(!store.can_push_orders(shop.id).await.unwrap());
}

async fn a_stale_status_change_is_refused_by_compare_and_set(store: &Store) {
    let shop = destination(store).await;
    store
        .record_addon_requested(shop.id, &gid(3), "http://x/confirm", false, T0)
        .await
        .unwrap();
    // Someone else already moved it on.
    assert!(store
        .set_addon_status(
            shop.id,
            &gid(3),
            AddonStatus::Pending,
            AddonStatus::Active,
            T0
        )
        .await
        .unwrap());
    assert!(!store
        .set_addon_status(
            shop.id,
            &gid(3),
            AddonStatus::Pending,
            AddonStatus::Declined,
            T0
        )
        .await
        .unwrap());
    // Another charge is not this shop's current one.
    assert!(!store
        .set_addon_status(
            shop.id,
            &gid(4),
            AddonStatus::Active,
            AddonStatus::Cancelled,
            T0
        )
        .await
        .unwrap());
    assert_eq!(
        store.order_addon(shop.id).await.unwrap().addon.status,
        AddonStatus::Active
    );
}

async fn a_new_charge_replaces_a_declined_one(store: &Store) {
    let shop = destination(store).await;
    store
        .record_addon_requested(shop.id, &gid(5), "http://x/5", false, T0)
        .await
        .unwrap();
    store
        .set_addon_status(
            shop.id,
            &gid(5),
            AddonStatus::Pending,
            AddonStatus::Declined,
            T0,
        )
        .await
        .unwrap();
    let declined = store.order_addon(shop.id).await.unwrap();
    assert_eq!(declined.addon.state(), AddonState::Off(OffReason::Declined));
    assert_eq!(declined.cancelled_at, Some(T0));

    let again = store
        .record_addon_requested(shop.id, &gid(6), "http://x/6", false, T0.plus_millis(1))
        .await
        .unwrap();
    assert_eq!(again.addon.status, AddonStatus::Pending);
    assert_eq!(again.addon.subscription, Some(gid(6)));
    assert_eq!(again.cancelled_at, None);
    assert!(store
        .addon_by_subscription(&gid(5))
        .await
        .unwrap()
        .is_none());
}

async fn errors_are_kept_without_changing_the_state(store: &Store) {
    let shop = destination(store).await;
    store
        .record_addon_error(shop.id, "Shopify did not accept the charge: price", T0)
        .await
        .unwrap();
    let record = store.order_addon(shop.id).await.unwrap();
    assert_eq!(record.addon.status, AddonStatus::Off);
    assert_eq!(
        record.last_error.as_deref(),
        Some("Shopify did not accept the charge: price")
    );
    store
        .record_addon_requested(shop.id, &gid(8), "http://x/8", false, T0)
        .await
        .unwrap();
    store
        .record_addon_error(shop.id, "Shopify could not be reached", T0)
        .await
        .unwrap();
    let record = store.order_addon(shop.id).await.unwrap();
    assert_eq!(record.addon.status, AddonStatus::Pending);
    assert_eq!(
        record.last_error.as_deref(),
        Some("Shopify could not be reached")
    );
}

async fn the_add_on_goes_with_its_shop(store: &Store) {
    let shop = destination(store).await;
    let other = source(store, "northwind").await;
    store
        .record_addon_requested(shop.id, &gid(11), "http://x/11", false, T0)
        .await
        .unwrap();
    assert_eq!(
        store.order_addon(other.id).await.unwrap().addon.status,
        AddonStatus::Off
    );
    let mut tx = store.begin().await.unwrap();
    tx.erase_shop(shop.shop.domain.as_str(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(store
        .addon_by_subscription(&gid(11))
        .await
        .unwrap()
        .is_none());
}
