//! The orders a source store received: only pushes that created a source order, newest first,
//! in keyset pages without gaps or repeats, never another source store's.

use ordersync_core::{OrderListStatus, PushEvent, PushStatus};
use ordersync_store::events::NewEvent;
use ordersync_store::pushes::PushChange;
use ordersync_store::received::ReceivedCursor;
use ordersync_store::{Store, StoreError, UnixMillis};

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;
use crate::orders::{order, put};

contract_tests!(
    received_lists_created_source_orders_newest_first_in_pages,
    a_damaged_received_cursor_is_refused,
);

fn note(order_id: i64) -> NewEvent<'static> {
    NewEvent {
        order_id,
        push_id: None,
        actor: "worker",
        kind: "test",
        message: "test",
        data: None,
    }
}

/// A push of order number `n` to `source_id`, created at `T0 + n` ms; `created` moves it to
/// Pushed with source order `#S<n>`.
async fn push(store: &Store, shop_id: i64, source_id: i64, n: u64, created: bool) -> i64 {
    let order_id = put(
        store,
        shop_id,
        &order(n, "Ada Lovelace", n as i64),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let at = UnixMillis(T0.0 + n as i64);
    let mut tx = store.begin().await.unwrap();
    let p = tx
        .ensure_push(order_id, source_id, &format!("key-{source_id}-{n}"), at)
        .await
        .unwrap();
    if created {
        let none = PushChange::default();
        let mut status = p.status;
        for event in [PushEvent::Enqueued, PushEvent::Started] {
            status = tx
                .transition_push(p.id, status, &event, &none, &note(order_id), at)
                .await
                .unwrap();
        }
        let change = PushChange {
            source_order_gid: Some(format!("gid://shopify/Order/{}", 700 + n)),
            source_order_name: Some(format!("#S{n}")),
            ..PushChange::default()
        };
        tx.transition_push(
            p.id,
            status,
            &PushEvent::Created,
            &change,
            &note(order_id),
            at,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    p.id
}

async fn received_lists_created_source_orders_newest_first_in_pages(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let b = source(store, "bravo").await;
    for n in 1..=5 {
        push(store, d.id, a.id, n, true).await;
    }
    // Not yet created on the source store: not received.
    push(store, d.id, a.id, 6, false).await;
    // Another source store's.
    push(store, d.id, b.id, 7, true).await;

    let first = store.received_pushes(a.id, None, 2).await.unwrap();
    let names: Vec<_> = first
        .rows
        .iter()
        .map(|r| r.destination_order_name.as_str())
        .collect();
    assert_eq!(names, vec!["#5", "#4"]);
    let row = &first.rows[0];
    assert_eq!(row.destination_domain, d.shop.domain);
    assert_eq!(row.destination_name, d.shop.name.as_str());
    assert_eq!(row.source_order_name.as_deref(), Some("#S5"));
    assert_eq!(row.source_order_gid, "gid://shopify/Order/705");
    assert_eq!(row.status, PushStatus::Pushed);

    let mut all: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    let mut next = first.next;
    while let Some(cursor) = next {
        let cursor = ReceivedCursor::decode(&cursor.encode()).unwrap();
        let page = store.received_pushes(a.id, Some(cursor), 2).await.unwrap();
        all.extend(page.rows.iter().map(|r| r.destination_order_name.clone()));
        next = page.next;
    }
    assert_eq!(all, vec!["#5", "#4", "#3", "#2", "#1"]);

    let other = store.received_pushes(b.id, None, 50).await.unwrap();
    assert_eq!(other.rows.len(), 1);
    assert_eq!(other.rows[0].destination_order_name, "#7");
    assert!(other.next.is_none());
    assert!(store
        .received_pushes(d.id, None, 50)
        .await
        .unwrap()
        .rows
        .is_empty());
}

async fn a_damaged_received_cursor_is_refused(_store: &Store) {
    for bad in ["", "abc", "12-x", "x-12"] {
        assert!(
            matches!(ReceivedCursor::decode(bad), Err(StoreError::Invalid(_))),
            "{bad}"
        );
    }
}
