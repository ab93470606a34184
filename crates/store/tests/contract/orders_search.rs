//! The Orders tab's search: one ordered range per key merged by date must page exactly like
//! the plain list filtered by the same prefix (no order twice, none missed, ties on the
//! creation time broken by id), and be answered from the search indexes.

use ordersync_core::{DestinationOrder, Email, OrderListStatus};
use ordersync_store::orders::{OrderCursor, OrderListQuery, OrderSummary};
use ordersync_store::Store;

use crate::fixtures::destination;
use crate::harness::contract_tests;
use crate::orders::{order, put};

contract_tests!(
    search_pages_like_the_filtered_list,
    search_with_a_status_filter_pages_like_the_filtered_list,
    search_is_answered_from_the_search_indexes,
);

/// An order whose customer is `customer` and whose email is `email`.
fn with_email(number: u64, customer: &str, email: &str, minute: i64) -> DestinationOrder {
    let mut o = order(number, customer, minute);
    if let Some(c) = o.customer.as_mut() {
        c.email = Some(Email::parse(email).unwrap());
    }
    o
}

/// Stores 40 orders: customer and email both matching `ad`, the customer only, the email only,
/// neither; several per creation minute so that pages break inside ties. Every fifth is failed.
async fn fill(store: &Store, shop_id: i64) {
    let people = [
        ("Ada Lovelace", "ada@shopper.example"),
        ("Adele Adkins", "singer@shopper.example"),
        ("Bob Byte", "admin@shopper.example"),
        ("Carl Codd", "carl@shopper.example"),
    ];
    for n in 0..40u64 {
        let (customer, email) = people[(n % 4) as usize];
        // Three orders per minute (#1000 to #1002 at minute 13, #1003 to #1005 at 12, ...),
        // so the newest first order breaks the ties by id.
        let minute = 13 - (n / 3) as i64;
        let status = if n % 5 == 0 {
            OrderListStatus::Failed
        } else {
            OrderListStatus::NotPushed
        };
        put(
            store,
            shop_id,
            &with_email(1000 + n, customer, email, minute),
            status,
        )
        .await;
    }
}

/// Every page of `query` with `limit`, in order.
async fn pages(store: &Store, shop_id: i64, query: OrderListQuery, limit: u32) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut after: Option<OrderCursor> = None;
    for _ in 0..100 {
        let page = store
            .list_orders(
                shop_id,
                &OrderListQuery {
                    after,
                    limit: Some(limit),
                    ..query.clone()
                },
            )
            .await
            .unwrap();
        assert!(page.orders.len() <= limit as usize);
        seen.extend(page.orders.iter().map(|o| o.id));
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
    panic!("more than 100 pages");
}

/// The whole list (no search), newest first, kept where `keep` says.
async fn listed(
    store: &Store,
    shop_id: i64,
    status: Option<OrderListStatus>,
    keep: impl Fn(&OrderSummary) -> bool,
) -> Vec<i64> {
    let page = store
        .list_orders(
            shop_id,
            &OrderListQuery {
                status,
                limit: Some(250),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(page.next.is_none());
    page.orders
        .iter()
        .filter(|o| keep(o))
        .map(|o| o.id)
        .collect()
}

fn matches(o: &OrderSummary, prefix: &str) -> bool {
    let customer = o
        .order
        .customer_name()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let email = o
        .order
        .customer_email()
        .map(|e| e.as_str().to_lowercase())
        .unwrap_or_default();
    let number = o.order.name.as_str().trim_start_matches('#').to_lowercase();
    [customer, email, number]
        .iter()
        .any(|k| k.starts_with(prefix))
}

async fn search_pages_like_the_filtered_list(store: &Store) {
    let d = destination(store).await;
    fill(store, d.id).await;
    let search = |q: &str| OrderListQuery {
        search: Some(q.to_owned()),
        ..Default::default()
    };
    // `ad`: customer and email (once each, not twice), customer only, email only.
    let expected = listed(store, d.id, None, |o| matches(o, "ad")).await;
    assert_eq!(expected.len(), 30);
    for limit in [1, 2, 3, 4, 7, 30, 50] {
        assert_eq!(
            pages(store, d.id, search("ad"), limit).await,
            expected,
            "limit {limit}"
        );
    }
    // A prefix of order numbers, with and without `#`, and one that matches a single key.
    let tens = listed(store, d.id, None, |o| matches(o, "101")).await;
    assert_eq!(tens.len(), 10);
    assert_eq!(pages(store, d.id, search("#101"), 3).await, tens);
    assert_eq!(pages(store, d.id, search("101"), 4).await, tens);
    let carl = listed(store, d.id, None, |o| matches(o, "carl")).await;
    assert_eq!(carl.len(), 10);
    assert_eq!(pages(store, d.id, search("CARL"), 3).await, carl);
    assert!(pages(store, d.id, search("zz"), 3).await.is_empty());
}

async fn search_with_a_status_filter_pages_like_the_filtered_list(store: &Store) {
    let d = destination(store).await;
    fill(store, d.id).await;
    let failed = Some(OrderListStatus::Failed);
    let expected = listed(store, d.id, failed, |o| matches(o, "ad")).await;
    assert_eq!(expected.len(), 6);
    let query = OrderListQuery {
        status: failed,
        search: Some("ad".into()),
        ..Default::default()
    };
    for limit in [1, 3, 50] {
        assert_eq!(pages(store, d.id, query.clone(), limit).await, expected);
    }
    let eligible = OrderListQuery {
        eligible: Some(true),
        search: Some("ad".into()),
        ..Default::default()
    };
    let expected = listed(store, d.id, None, |o| o.eligible && matches(o, "ad")).await;
    assert_eq!(pages(store, d.id, eligible, 2).await, expected);
}

async fn search_is_answered_from_the_search_indexes(store: &Store) {
    let d = destination(store).await;
    fill(store, d.id).await;
    let plan = store
        .list_orders_plan(
            d.id,
            &OrderListQuery {
                search: Some("ad".into()),
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    // The rows are read by id, for the page only, on both backends.
    let by_id = match store.backend() {
        ordersync_store::Backend::Sqlite => "USING INTEGER PRIMARY KEY",
        ordersync_store::Backend::Postgres => "destination_orders_pkey",
    };
    assert!(plan.contains(by_id), "{plan}");
    // Which index answers each key depends on PostgreSQL's statistics of a 40-order table (the
    // `scale` benchmark prints the plan at a million orders); SQLite has no statistics, so its
    // plan here is the plan at any size: each key's range is read from its index alone.
    if store.backend() == ordersync_store::Backend::Sqlite {
        for index in [
            "destination_orders_name_page",
            "destination_orders_customer_page",
            "destination_orders_email_page",
        ] {
            assert!(
                plan.contains(&format!("USING COVERING INDEX {index} ")),
                "the search must read {index} alone: {plan}"
            );
        }
        assert!(!plan.contains("destination_orders_page"), "{plan}");
    }
}
