//! Destination orders, the Orders tab list query, pushes and the order history.

use chrono::{TimeZone, Utc};
use ordersync_core::{
    Address, CountryCode, Customer, DestinationOrder, Eligibility, FinancialStatus,
    FulfillmentStatus, IneligibleReason, LineItem, LineItemId, Money, OrderId, OrderListStatus,
    OrderName, PushEvent, PushStatus, VariantId,
};
use ordersync_store::events::NewEvent;
use ordersync_store::orders::{OrderCursor, OrderListQuery, OrderUpsert, UpsertOutcome};
use ordersync_store::pushes::{PushChange, PushLine};
use ordersync_store::{Store, StoreError, UnixMillis};

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;

contract_tests!(
    an_order_keeps_its_model_and_raw_payload,
    out_of_order_deliveries_converge_on_the_newest_state,
    list_pages_newest_first_without_gaps_or_repeats,
    list_filters_by_status_and_eligibility,
    search_matches_order_number_customer_or_email,
    another_shops_orders_are_invisible,
    one_push_per_order_and_source_store,
    push_status_moves_only_by_legal_steps_and_logs_history,
    a_stale_status_loses_the_race,
);

pub(crate) fn order(number: u64, customer: &str, minute: i64) -> DestinationOrder {
    let (first, last) = customer.split_once(' ').unwrap_or((customer, ""));
    let at = Utc.timestamp_millis_opt(T0.0 + minute * 60_000).unwrap();
    DestinationOrder {
        id: OrderId::from_numeric(5_000 + number).unwrap(),
        name: OrderName::parse(&format!("#{number}")).unwrap(),
        financial_status: FinancialStatus::parse("paid"),
        fulfillment_status: FulfillmentStatus::parse(None),
        cancelled: false,
        customer: Some(Customer {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: Some(
                ordersync_core::Email::parse(&format!("{}@shopper.example", first.to_lowercase()))
                    .unwrap(),
            ),
            phone: None,
        }),
        email: None,
        shipping_address: Some(Address {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            address1: Some("1 Main St".into()),
            city: Some("Springfield".into()),
            country_code: Some(CountryCode::parse("US").unwrap()),
            zip: Some("12345".into()),
            ..Address::default()
        }),
        billing_address: None,
        line_items: vec![LineItem {
            id: LineItemId::from_numeric(9_000 + number).unwrap(),
            variant: Some(VariantId::from_numeric(1).unwrap()),
            sku: Some("A-1".into()),
            title: "Widget".into(),
            variant_title: None,
            quantity: 1,
            fulfillable_quantity: 1,
            unit_price: Money::parse("20.00", "USD").unwrap(),
            discounts: vec![],
            requires_shipping: true,
        }],
        subtotal: Money::parse("20.00", "USD").unwrap(),
        total: Money::parse("20.00", "USD").unwrap(),
        total_shipping: Money::parse("0.00", "USD").unwrap(),
        discount_codes: vec![],
        shipping_lines: vec![],
        currency: ordersync_core::CurrencyCode::parse("USD").unwrap(),
        created_at: at,
        updated_at: at,
    }
}

pub(crate) async fn put(
    store: &Store,
    shop_id: i64,
    o: &DestinationOrder,
    status: OrderListStatus,
) -> UpsertOutcome {
    let eligibility = if status == OrderListStatus::Ineligible {
        Eligibility::Ineligible(vec![IneligibleReason::Cancelled])
    } else {
        Eligibility::Eligible
    };
    let payload =
        serde_json::to_vec(&serde_json::json!({ "id": o.id.numeric(), "name": o.name.as_str() }))
            .unwrap();
    store
        .upsert_order(
            OrderUpsert {
                shop_id,
                order: o,
                eligibility: &eligibility,
                list_status: status,
                raw_payload: &payload,
                event_at: None,
            },
            T0,
        )
        .await
        .unwrap()
}

async fn an_order_keeps_its_model_and_raw_payload(store: &Store) {
    let d = destination(store).await;
    let o = order(1001, "Ada Lovelace", 0);
    let eligibility = Eligibility::Ineligible(vec![
        IneligibleReason::NotPaid {
            status: FinancialStatus::parse("pending"),
        },
        IneligibleReason::MissingShippingAddress,
    ]);
    let raw = br##"{"id": 820982911946154500, "name": "#1001"}"##;
    let up = OrderUpsert {
        shop_id: d.id,
        order: &o,
        eligibility: &eligibility,
        list_status: OrderListStatus::Ineligible,
        raw_payload: raw,
        event_at: None,
    };
    let id = store.upsert_order(up, T0).await.unwrap();
    assert!(matches!(id, UpsertOutcome::Inserted(_)));
    let stored = store.order(d.id, id.id()).await.unwrap().unwrap();
    assert_eq!(stored.order, o);
    assert!(!stored.eligible);
    assert_eq!(
        stored.ineligible_reasons,
        match eligibility {
            Eligibility::Ineligible(r) => r,
            _ => unreachable!(),
        }
    );
    assert_eq!(stored.list_status, OrderListStatus::Ineligible);
    assert_eq!(
        store
            .order_raw_payload(d.id, id.id())
            .await
            .unwrap()
            .unwrap(),
        raw.to_vec()
    );
    let by_gid = store
        .order_by_gid(d.id, o.id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_gid.id, id.id());
}

async fn out_of_order_deliveries_converge_on_the_newest_state(store: &Store) {
    let d = destination(store).await;
    let created = order(1001, "Ada Lovelace", 0);
    let mut paid = created.clone();
    paid.financial_status = FinancialStatus::parse("paid");
    paid.updated_at = created.updated_at + chrono::Duration::minutes(5);
    let mut cancelled_earlier = created.clone();
    cancelled_earlier.cancelled = true;
    cancelled_earlier.updated_at = created.updated_at + chrono::Duration::minutes(1);

    let first = put(store, d.id, &paid, OrderListStatus::NotPushed).await;
    assert!(matches!(first, UpsertOutcome::Inserted(_)));
    // Older states arriving late change nothing.
    assert_eq!(
        put(store, d.id, &created, OrderListStatus::Ineligible).await,
        UpsertOutcome::Stale(first.id())
    );
    assert_eq!(
        put(store, d.id, &cancelled_earlier, OrderListStatus::Ineligible).await,
        UpsertOutcome::Stale(first.id())
    );
    // A duplicate of the newest state is applied again (idempotent).
    assert_eq!(
        put(store, d.id, &paid, OrderListStatus::NotPushed).await,
        UpsertOutcome::Updated(first.id())
    );
    let stored = store.order(d.id, first.id()).await.unwrap().unwrap();
    assert_eq!(stored.order, paid);
    assert_eq!(stored.list_status, OrderListStatus::NotPushed);
}

async fn list_pages_newest_first_without_gaps_or_repeats(store: &Store) {
    let d = destination(store).await;
    // Orders 1..=25; 10..=14 share one creation minute to exercise the id tie-break.
    for n in 1..=25u64 {
        let minute = if (10..=14).contains(&n) { 10 } else { n as i64 };
        put(
            store,
            d.id,
            &order(n, "Ada Lovelace", minute),
            OrderListStatus::NotPushed,
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_orders(
                d.id,
                &OrderListQuery {
                    after,
                    limit: Some(7),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.orders.iter().map(|o| o.order.created_at));
        assert!(page.orders.len() <= 7);
        match page.next {
            Some(next) => after = Some(OrderCursor::decode(&next.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 25, "every order exactly once");
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(matches!(
        OrderCursor::decode("garbage"),
        Err(StoreError::Invalid(_))
    ));
}

async fn list_filters_by_status_and_eligibility(store: &Store) {
    let d = destination(store).await;
    put(
        store,
        d.id,
        &order(1, "A A", 1),
        OrderListStatus::Ineligible,
    )
    .await;
    put(store, d.id, &order(2, "B B", 2), OrderListStatus::NotPushed).await;
    put(store, d.id, &order(3, "C C", 3), OrderListStatus::Failed).await;
    put(store, d.id, &order(4, "D D", 4), OrderListStatus::Failed).await;
    let names = |page: ordersync_store::orders::OrderPage| {
        page.orders
            .into_iter()
            .map(|o| o.order.name.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let failed = store
        .list_orders(
            d.id,
            &OrderListQuery {
                status: Some(OrderListStatus::Failed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(failed), vec!["#4", "#3"]);
    let ineligible = store
        .list_orders(
            d.id,
            &OrderListQuery {
                eligible: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(ineligible), vec!["#1"]);
    let eligible = store
        .list_orders(
            d.id,
            &OrderListQuery {
                eligible: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(eligible), vec!["#4", "#3", "#2"]);

    let mut tx = store.begin().await.unwrap();
    let third = store
        .order_by_gid(d.id, order(3, "C C", 3).id.as_str())
        .await
        .unwrap()
        .unwrap();
    tx.set_order_list_status(third.id, OrderListStatus::Pushed, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let failed = store
        .list_orders(
            d.id,
            &OrderListQuery {
                status: Some(OrderListStatus::Failed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(failed), vec!["#4"]);
}

async fn search_matches_order_number_customer_or_email(store: &Store) {
    let d = destination(store).await;
    put(
        store,
        d.id,
        &order(1001, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await;
    put(
        store,
        d.id,
        &order(1002, "Grace Hopper", 2),
        OrderListStatus::NotPushed,
    )
    .await;
    put(
        store,
        d.id,
        &order(2001, "Alan Turing", 3),
        OrderListStatus::NotPushed,
    )
    .await;
    let search = |q: &str| {
        let q = q.to_owned();
        async move {
            let page = store
                .list_orders(
                    d.id,
                    &OrderListQuery {
                        search: Some(q),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            page.orders
                .into_iter()
                .map(|o| o.order.name.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("#100").await, vec!["#1002", "#1001"]);
    assert_eq!(search("1001").await, vec!["#1001"]);
    assert_eq!(search("#2001").await, vec!["#2001"]);
    assert_eq!(search("grace").await, vec!["#1002"]);
    assert_eq!(search("  ADA love ").await, vec!["#1001"]);
    assert_eq!(search("alan@shopper").await, vec!["#2001"]);
    assert!(search("nobody").await.is_empty());
    assert_eq!(
        search("   ").await.len(),
        3,
        "a blank search lists everything"
    );
}

async fn another_shops_orders_are_invisible(store: &Store) {
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
    let id = put(
        store,
        d.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    assert!(store.order(other.id, id).await.unwrap().is_none());
    assert!(store
        .order_raw_payload(other.id, id)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .list_orders(other.id, &OrderListQuery::default())
        .await
        .unwrap()
        .orders
        .is_empty());
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

fn note(order_id: i64, kind: &'static str) -> NewEvent<'static> {
    NewEvent {
        order_id,
        push_id: None,
        actor: "worker",
        kind,
        message: kind,
        data: None,
    }
}

async fn one_push_per_order_and_source_store(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let b = source(store, "bravo").await;
    let order_id = put(
        store,
        d.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let mut tx = store.begin().await.unwrap();
    let first = tx.ensure_push(order_id, a.id, "key-a", T0).await.unwrap();
    let again = tx
        .ensure_push(order_id, a.id, "another-key", T0)
        .await
        .unwrap();
    let other = tx.ensure_push(order_id, b.id, "key-b", T0).await.unwrap();
    tx.set_push_lines(first.id, &[line(1, 2), line(2, 1)])
        .await
        .unwrap();
    tx.set_fulfilled_quantity(first.id, &line(1, 2).destination_line_gid, 1)
        .await
        .unwrap();
    assert!(matches!(
        tx.set_fulfilled_quantity(first.id, "gid://shopify/LineItem/999", 1)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        again.id, first.id,
        "the same order and source store share one push"
    );
    assert_eq!(again.push_key, "key-a", "the key is fixed at creation");
    assert_ne!(other.id, first.id);
    assert_eq!(first.status, PushStatus::NotPushed);

    let pushes = store.pushes_for_order(order_id).await.unwrap();
    assert_eq!(pushes.len(), 2);
    assert_eq!(pushes[0].source_domain, a.shop.domain);
    assert_eq!(pushes[0].lines.len(), 2);
    assert_eq!(pushes[0].lines[0].fulfilled_quantity, 1);
    assert_eq!(
        store.push_by_key("key-b").await.unwrap().unwrap().id,
        other.id
    );
    assert!(store.push_by_key("nope").await.unwrap().is_none());
    assert_eq!(store.pushes_for_source(a.id, 10).await.unwrap().len(), 1);
}

async fn push_status_moves_only_by_legal_steps_and_logs_history(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let order_id = put(
        store,
        d.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let mut tx = store.begin().await.unwrap();
    let push = tx.ensure_push(order_id, a.id, "key-a", T0).await.unwrap();
    let none = PushChange::default();
    let mut status = push.status;
    for (event, kind) in [
        (PushEvent::Enqueued, "push_queued"),
        (PushEvent::Started, "push_started"),
    ] {
        status = tx
            .transition_push(push.id, status, &event, &none, &note(order_id, kind), T0)
            .await
            .unwrap();
    }
    let created = PushChange {
        source_order_gid: Some("gid://shopify/Order/77".into()),
        source_order_name: Some("#1042".into()),
        shipping_title: Some("Shipping".into()),
        shipping_fee: Some("0.00".into()),
        ..PushChange::default()
    };
    status = tx
        .transition_push(
            push.id,
            status,
            &PushEvent::Created,
            &created,
            &note(order_id, "push_created"),
            UnixMillis(T0.0 + 1),
        )
        .await
        .unwrap();
    assert_eq!(status, PushStatus::Pushed);
    // Illegal: a pushed order cannot be pushed again.
    let err = tx
        .transition_push(
            push.id,
            status,
            &PushEvent::Started,
            &none,
            &note(order_id, "x"),
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::IllegalTransition(_)), "{err}");
    tx.commit().await.unwrap();

    let stored = store.pushes_for_order(order_id).await.unwrap().remove(0);
    assert_eq!(stored.status, PushStatus::Pushed);
    assert_eq!(stored.source_order_name.as_deref(), Some("#1042"));
    assert_eq!(
        stored.source_order_gid.as_deref(),
        Some("gid://shopify/Order/77")
    );
    let history = store.order_history(order_id).await.unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["push_queued", "push_started", "push_created"]);
    assert!(history
        .iter()
        .all(|e| e.push_id == Some(push.id) && e.actor == "worker"));
}

async fn a_stale_status_loses_the_race(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let order_id = put(
        store,
        d.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let push = store.begin().await.unwrap();
    let mut tx = push;
    let p = tx.ensure_push(order_id, a.id, "key-a", T0).await.unwrap();
    tx.commit().await.unwrap();
    // Two clicks on Push both saw "Not pushed": only the first one moves the push.
    let mut first = store.begin().await.unwrap();
    first
        .transition_push(
            p.id,
            PushStatus::NotPushed,
            &PushEvent::Enqueued,
            &PushChange::default(),
            &note(order_id, "q1"),
            T0,
        )
        .await
        .unwrap();
    first.commit().await.unwrap();
    let mut second = store.begin().await.unwrap();
    let err = second
        .transition_push(
            p.id,
            PushStatus::NotPushed,
            &PushEvent::Enqueued,
            &PushChange::default(),
            &note(order_id, "q2"),
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    drop(second);
    let history = store.order_history(order_id).await.unwrap();
    assert_eq!(history.len(), 1, "the losing click left no history");
}
