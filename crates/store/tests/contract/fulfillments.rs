//! Shipments brought back from source stores: recorded once, changes detected, claimed once.

use ordersync_core::{OrderListStatus, PushEvent, PushStatus};
use ordersync_store::events::NewEvent;
use ordersync_store::fulfillments::{
    Recorded, ShipmentOutcome, ShipmentState, ShippedLine, SourceCursor, SourceShipment,
    SourceShipmentStatus, Tracking,
};
use ordersync_store::pushes::{PushChange, PushRecord};
use ordersync_store::{Store, UnixMillis};

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;
use crate::orders::{order, put};

contract_tests!(
    a_shipment_is_recorded_once_and_its_changes_are_detected,
    a_shipment_is_claimed_by_one_worker_at_a_time,
    pushes_are_found_by_source_order_and_by_what_reconciliation_lists,
);

fn history(order_id: i64) -> NewEvent<'static> {
    NewEvent {
        order_id,
        push_id: None,
        actor: "worker",
        kind: "test",
        message: "test",
        data: None,
    }
}

/// A destination order pushed to `source` (status Pushed, source order `source_gid`).
async fn pushed(store: &Store, number: u64, source_gid: &str) -> (i64, PushRecord) {
    let d = destination(store).await;
    let s = source(store, "alpha").await;
    let order_id = put(
        store,
        d.id,
        &order(number, "Ada Lovelace", 1),
        OrderListStatus::Pushed,
    )
    .await
    .id();
    let mut tx = store.begin().await.unwrap();
    let push = tx
        .ensure_push(order_id, s.id, &format!("key-{number}"), T0)
        .await
        .unwrap();
    let mut status = push.status;
    for event in [PushEvent::Enqueued, PushEvent::Started] {
        status = tx
            .transition_push(
                push.id,
                status,
                &event,
                &PushChange::default(),
                &history(order_id),
                T0,
            )
            .await
            .unwrap();
    }
    let change = PushChange {
        source_order_gid: Some(source_gid.to_owned()),
        source_order_name: Some("#1001".into()),
        ..PushChange::default()
    };
    tx.transition_push(
        push.id,
        status,
        &PushEvent::Created,
        &change,
        &history(order_id),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let push = store.pushes_for_order(order_id).await.unwrap().remove(0);
    (order_id, push)
}

fn lines(qty: i64) -> Vec<ShippedLine> {
    vec![ShippedLine {
        destination_line_gid: "gid://shopify/LineItem/9001".into(),
        quantity: qty,
    }]
}

async fn a_shipment_is_recorded_once_and_its_changes_are_detected(store: &Store) {
    let (_, push) = pushed(store, 1, "gid://shopify/Order/77").await;
    let none = Tracking::default();
    let ups = Tracking {
        company: Some("UPS".into()),
        numbers: vec!["1Z1".into(), "1Z2".into()],
        urls: vec![
            "https://ups.example/1Z1".into(),
            "https://ups.example/1Z2".into(),
        ],
    };
    let two = lines(2);
    let shipment = |status, tracking| SourceShipment {
        source_fulfillment_gid: "gid://shopify/Fulfillment/5",
        source_name: Some("#1001.1"),
        status,
        tracking,
        lines: &two,
    };
    let mut tx = store.begin().await.unwrap();
    let first = tx
        .record_source_shipment(push.id, &shipment(SourceShipmentStatus::Shipped, &none), T0)
        .await
        .unwrap();
    assert!(matches!(first, Recorded::New(_)), "{first:?}");
    let again = tx
        .record_source_shipment(push.id, &shipment(SourceShipmentStatus::Shipped, &none), T0)
        .await
        .unwrap();
    assert_eq!(
        again,
        Recorded::Unchanged(first.id()),
        "a replay changes nothing"
    );
    let tracked = tx
        .record_source_shipment(push.id, &shipment(SourceShipmentStatus::Shipped, &ups), T0)
        .await
        .unwrap();
    assert_eq!(tracked, Recorded::Changed(first.id()));
    // Later sights never change the lines fixed at the first one.
    let other_lines = lines(1);
    let mut different = shipment(SourceShipmentStatus::Cancelled, &ups);
    different.lines = &other_lines;
    let cancelled = tx
        .record_source_shipment(push.id, &different, T0)
        .await
        .unwrap();
    assert_eq!(cancelled, Recorded::Changed(first.id()));
    // An older read saying "shipped" cannot revive a cancelled shipment.
    let stale = tx
        .record_source_shipment(push.id, &shipment(SourceShipmentStatus::Shipped, &ups), T0)
        .await
        .unwrap();
    assert_eq!(stale, Recorded::Unchanged(first.id()));
    tx.commit().await.unwrap();
    let rows = store.push_fulfillments(push.id).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.source_status, SourceShipmentStatus::Cancelled);
    assert_eq!(row.tracking, ups);
    assert_eq!(row.lines, two);
    assert_eq!(row.state, ShipmentState::Pending);
    assert_eq!(row.source_name.as_deref(), Some("#1001.1"));
    assert!(row.destination_fulfillment_gid.is_none());
}

async fn a_shipment_is_claimed_by_one_worker_at_a_time(store: &Store) {
    let (order_id, push) = pushed(store, 2, "gid://shopify/Order/78").await;
    let tracking = Tracking {
        company: Some("DHL".into()),
        numbers: vec!["JD1".into()],
        urls: vec![],
    };
    let two = lines(2);
    let mut tx = store.begin().await.unwrap();
    let id = tx
        .record_source_shipment(
            push.id,
            &SourceShipment {
                source_fulfillment_gid: "gid://shopify/Fulfillment/6",
                source_name: None,
                status: SourceShipmentStatus::Shipped,
                tracking: &tracking,
                lines: &two,
            },
            T0,
        )
        .await
        .unwrap()
        .id();
    let until = UnixMillis(T0.0 + 60_000);
    assert!(tx.claim_shipment(id, &two, until, T0).await.unwrap());
    assert!(
        !tx.claim_shipment(id, &two, until, UnixMillis(T0.0 + 1_000))
            .await
            .unwrap(),
        "held by the first worker"
    );
    assert!(
        tx.claim_shipment(
            id,
            &two,
            UnixMillis(T0.0 + 200_000),
            UnixMillis(T0.0 + 60_000)
        )
        .await
        .unwrap(),
        "taken over once the claim expired"
    );
    tx.record_shipment_outcome(id, &ShipmentOutcome::Released, T0)
        .await
        .unwrap();
    let row = tx.push_fulfillments(push.id).await.unwrap().remove(0);
    assert_eq!(
        row.state,
        ShipmentState::Creating,
        "released: still look first"
    );
    assert_eq!(row.claim_until, None);
    assert_eq!(row.sent_lines.as_deref(), Some(two.as_slice()));
    tx.record_shipment_outcome(
        id,
        &ShipmentOutcome::Created {
            destination_fulfillment_gid: "gid://shopify/Fulfillment/900".into(),
            tracking: tracking.clone(),
        },
        T0,
    )
    .await
    .unwrap();
    assert!(
        !tx.claim_shipment(id, &two, until, UnixMillis(T0.0 + 999_999))
            .await
            .unwrap(),
        "a created shipment is never claimed again"
    );
    tx.commit().await.unwrap();
    let row = store.push_fulfillments(push.id).await.unwrap().remove(0);
    assert_eq!(row.state, ShipmentState::Created);
    assert_eq!(row.applied_status, Some(SourceShipmentStatus::Shipped));
    assert_eq!(row.applied_tracking, Some(tracking));
    assert_eq!(
        store
            .claimed_destination_fulfillments(order_id)
            .await
            .unwrap(),
        vec!["gid://shopify/Fulfillment/900".to_owned()]
    );
    let mut tx = store.begin().await.unwrap();
    tx.record_shipment_outcome(id, &ShipmentOutcome::Cancelled, T0)
        .await
        .unwrap();
    tx.record_shipment_outcome(
        id,
        &ShipmentOutcome::TrackingApplied(Tracking::default()),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let row = store.push_fulfillments(push.id).await.unwrap().remove(0);
    assert_eq!(row.applied_status, Some(SourceShipmentStatus::Cancelled));
    assert_eq!(row.applied_tracking, Some(Tracking::default()));
    let mut tx = store.begin().await.unwrap();
    let missing = tx
        .record_shipment_outcome(id + 1_000, &ShipmentOutcome::Nothing, T0)
        .await;
    assert!(missing.is_err(), "an unknown shipment is an error");
}

async fn pushes_are_found_by_source_order_and_by_what_reconciliation_lists(store: &Store) {
    let (_, first) = pushed(store, 3, "gid://shopify/Order/80").await;
    let (order_id, second) = pushed(store, 4, "gid://shopify/Order/81").await;
    let found = store
        .push_by_source_order(first.source_shop_id, "gid://shopify/Order/81")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, second.id);
    let d = destination(store).await;
    assert_eq!(
        store.destination_of_push(found.id).await.unwrap(),
        Some(d.id)
    );
    assert_eq!(
        store.destination_of_push(found.id + 99).await.unwrap(),
        None
    );
    assert!(store
        .push_by_source_order(first.source_shop_id, "gid://shopify/Order/99")
        .await
        .unwrap()
        .is_none());
    let alpha = first.source_shop_id;
    assert_eq!(
        store.sources_to_reconcile(d.id).await.unwrap(),
        vec![(alpha, T0)]
    );
    let gids: Vec<String> = ["80", "81", "99"]
        .iter()
        .map(|n| format!("gid://shopify/Order/{n}"))
        .collect();
    let hits = store
        .live_pushes_of_source_orders(alpha, &gids)
        .await
        .unwrap();
    let ids: Vec<(i64, i64, Option<UnixMillis>)> = hits
        .iter()
        .map(|h| (h.push.id, h.destination_shop_id, h.source_updated_at))
        .collect();
    assert_eq!(ids, vec![(first.id, d.id, None), (second.id, d.id, None)]);
    assert!(store
        .live_pushes_of_source_orders(alpha + 1_000, &gids)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .live_pushes_of_source_orders(alpha, &[])
        .await
        .unwrap()
        .is_empty());

    // Read back: the source order's updated_at is kept, and the recheck skips it until it is old.
    let later = UnixMillis(T0.0 + 60_000);
    store
        .mark_push_checked(first.id, Some(UnixMillis(T0.0 + 5_000)), later)
        .await
        .unwrap();
    let hit = store
        .live_pushes_of_source_orders(alpha, &gids[..1])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(hit.source_updated_at, Some(UnixMillis(T0.0 + 5_000)));
    // Without a newer updated_at the one seen stays.
    store
        .mark_push_checked(first.id, None, later)
        .await
        .unwrap();
    let hit = store
        .live_pushes_of_source_orders(alpha, &gids[..1])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(hit.source_updated_at, Some(UnixMillis(T0.0 + 5_000)));
    let recheck = |before: UnixMillis, fulfilled_since: UnixMillis, limit: u32| async move {
        store
            .pushes_to_recheck(d.id, before, fulfilled_since, limit)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<i64>>()
    };
    // Not read since T0 (never read: its last change) comes first, then the one read at `later`.
    assert_eq!(
        recheck(UnixMillis(T0.0 + 120_000), T0, 10).await,
        vec![second.id, first.id]
    );
    assert_eq!(
        recheck(UnixMillis(T0.0 + 30_000), T0, 10).await,
        vec![second.id]
    );
    assert_eq!(
        recheck(UnixMillis(T0.0 + 120_000), T0, 1).await,
        vec![second.id]
    );
    assert!(recheck(T0, T0, 10).await.is_empty());
    // A recheck stamps what it queued: it goes behind the others even if its read-back fails.
    let mut tx = store.begin().await.unwrap();
    tx.mark_push_rechecked(second.id, UnixMillis(T0.0 + 90_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        recheck(UnixMillis(T0.0 + 120_000), T0, 10).await,
        vec![first.id, second.id]
    );
    assert_eq!(
        recheck(UnixMillis(T0.0 + 80_000), T0, 10).await,
        vec![first.id]
    );
    // The stamp ages like a read-back: back in line once it is older than both.
    let mut tx = store.begin().await.unwrap();
    tx.mark_push_rechecked(second.id, T0).await.unwrap();
    tx.commit().await.unwrap();

    // A fulfilled push is still live (tracking can change) but rechecked only while recent.
    let mut tx = store.begin().await.unwrap();
    tx.transition_push(
        second.id,
        PushStatus::Pushed,
        &PushEvent::Fulfilled,
        &PushChange::default(),
        &history(order_id),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store
            .live_pushes_of_source_orders(alpha, &gids)
            .await
            .unwrap()
            .len(),
        2
    );
    let fulfilled_at = store
        .push_by_key(&second.push_key)
        .await
        .unwrap()
        .unwrap()
        .updated_at;
    assert_eq!(
        recheck(UnixMillis(T0.0 + 120_000), fulfilled_at, 10).await,
        vec![second.id, first.id]
    );
    assert_eq!(
        recheck(
            UnixMillis(T0.0 + 120_000),
            UnixMillis(fulfilled_at.0 + 1),
            10
        )
        .await,
        vec![first.id]
    );
    let other = source(store, "bravo").await;
    assert!(store
        .sources_to_reconcile(other.id)
        .await
        .unwrap()
        .is_empty());

    // The source store's cursor only moves forward; `cut` is what the last page said.
    assert_eq!(store.source_reconcile_cursor(alpha).await.unwrap(), None);
    store
        .advance_source_reconcile_cursor(alpha, UnixMillis(T0.0 + 10), true, T0)
        .await
        .unwrap();
    store
        .advance_source_reconcile_cursor(alpha, UnixMillis(T0.0 + 5), false, T0)
        .await
        .unwrap();
    assert_eq!(
        store.source_reconcile_cursor(alpha).await.unwrap(),
        Some(SourceCursor {
            at: UnixMillis(T0.0 + 10),
            cut: false
        })
    );
    store
        .advance_source_reconcile_cursor(alpha, UnixMillis(T0.0 + 20), true, T0)
        .await
        .unwrap();
    assert_eq!(
        store.source_reconcile_cursor(alpha).await.unwrap(),
        Some(SourceCursor {
            at: UnixMillis(T0.0 + 20),
            cut: true
        })
    );
}
