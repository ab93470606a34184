//! The Orders tab's reads beside the list query: the count per list status (index-backed) and
//! the pushes of a whole page of orders at once.

use ordersync_core::{LineItemId, OrderListStatus, PushStatus, VariantId};
use ordersync_store::pushes::PushLine;
use ordersync_store::Store;

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;
use crate::orders::{order, put};

contract_tests!(
    counts_per_list_status_cover_every_status_and_only_this_shop,
    the_counts_query_is_answered_from_the_status_index,
    pushes_of_a_page_of_orders_come_with_their_lines,
);

async fn counts_per_list_status_cover_every_status_and_only_this_shop(store: &Store) {
    let d = destination(store).await;
    let other = store
        .upsert_shop(
            &crate::fixtures::shop(
                "other.myshopify.com",
                ordersync_core::StoreRole::Destination,
            ),
            T0,
        )
        .await
        .unwrap();
    let empty = store.order_counts(d.id).await.unwrap();
    assert_eq!(empty.len(), OrderListStatus::ALL.len());
    assert!(empty.values().all(|n| *n == 0));

    let statuses = [
        OrderListStatus::Failed,
        OrderListStatus::Failed,
        OrderListStatus::Failed,
        OrderListStatus::NotPushed,
        OrderListStatus::Ineligible,
        OrderListStatus::Pushed,
    ];
    for (i, status) in statuses.iter().enumerate() {
        put(
            store,
            d.id,
            &order(i as u64 + 1, "Ada Lovelace", i as i64),
            *status,
        )
        .await;
    }
    // Another shop's failed order is not counted.
    put(
        store,
        other.id,
        &order(99, "Bob Byte", 1),
        OrderListStatus::Failed,
    )
    .await;
    let counts = store.order_counts(d.id).await.unwrap();
    assert_eq!(counts[&OrderListStatus::Failed], 3);
    assert_eq!(counts[&OrderListStatus::NotPushed], 1);
    assert_eq!(counts[&OrderListStatus::Ineligible], 1);
    assert_eq!(counts[&OrderListStatus::Pushed], 1);
    assert_eq!(counts[&OrderListStatus::Queued], 0);
    assert_eq!(counts.values().sum::<i64>(), 6);
    assert_eq!(
        store.order_counts(other.id).await.unwrap()[&OrderListStatus::Failed],
        1
    );
}

async fn the_counts_query_is_answered_from_the_status_index(store: &Store) {
    let d = destination(store).await;
    for n in 1..=20u64 {
        put(
            store,
            d.id,
            &order(n, "Ada Lovelace", n as i64),
            OrderListStatus::NotPushed,
        )
        .await;
    }
    let plan = store.order_counts_plan(d.id).await.unwrap();
    assert!(
        plan.contains("destination_orders_status_page"),
        "the counts must come from the (shop_id, list_status, ...) index: {plan}"
    );
    // SQLite reads the index alone; PostgreSQL may not say "Only" on a table never vacuumed.
    if store.backend() == ordersync_store::Backend::Sqlite {
        assert!(plan.contains("COVERING INDEX"), "{plan}");
    }
}

fn line(n: u64, qty: i64) -> PushLine {
    PushLine {
        destination_line_gid: LineItemId::from_numeric(n).unwrap().as_str().to_owned(),
        source_variant_gid: VariantId::from_numeric(100 + n)
            .unwrap()
            .as_str()
            .to_owned(),
        sku: format!("SKU-{n}"),
        title: format!("Item {n}"),
        quantity: qty,
        unit_price: "9.50".into(),
        fulfilled_quantity: 0,
    }
}

async fn pushes_of_a_page_of_orders_come_with_their_lines(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let b = source(store, "bravo").await;
    let mut ids = Vec::new();
    for n in 1..=3u64 {
        ids.push(
            put(
                store,
                d.id,
                &order(n, "Ada Lovelace", n as i64),
                OrderListStatus::NotPushed,
            )
            .await
            .id(),
        );
    }
    let mut tx = store.begin().await.unwrap();
    // Order 1: pushes to bravo and alpha, alpha's with two lines; order 2: none; order 3: alpha.
    let b1 = tx.ensure_push(ids[0], b.id, "k-1b", T0).await.unwrap();
    let a1 = tx.ensure_push(ids[0], a.id, "k-1a", T0).await.unwrap();
    let a3 = tx.ensure_push(ids[2], a.id, "k-3a", T0).await.unwrap();
    tx.set_push_lines(a1.id, &[line(2, 1), line(1, 3)])
        .await
        .unwrap();
    tx.set_push_lines(a3.id, &[line(7, 1)]).await.unwrap();
    tx.commit().await.unwrap();

    let pushes = store.pushes_for_orders(&ids).await.unwrap();
    let keys: Vec<(i64, &str)> = pushes
        .iter()
        .map(|p| (p.order_id, p.push_key.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![(ids[0], "k-1a"), (ids[0], "k-1b"), (ids[2], "k-3a")],
        "by order, then source store domain"
    );
    // The same records, lines included, as one order's own query gives.
    assert_eq!(
        pushes[..2],
        store.pushes_for_order(ids[0]).await.unwrap()[..]
    );
    assert_eq!(pushes[0].lines.len(), 2);
    assert_eq!(
        pushes[0].lines[0].destination_line_gid,
        line(1, 3).destination_line_gid
    );
    assert_eq!(pushes[0].lines[0].quantity, 3);
    assert!(pushes[1].lines.is_empty());
    assert_eq!(pushes[1].id, b1.id);
    assert_eq!(pushes[2].id, a3.id);
    assert_eq!(pushes[2].status, PushStatus::NotPushed);
    assert!(store.pushes_for_orders(&[]).await.unwrap().is_empty());
    assert!(store.pushes_for_orders(&[ids[1]]).await.unwrap().is_empty());
    let too_many: Vec<i64> = (0..=ordersync_store::pushes::MAX_ORDERS_AT_ONCE as i64).collect();
    assert!(store.pushes_for_orders(&too_many).await.is_err());
}
