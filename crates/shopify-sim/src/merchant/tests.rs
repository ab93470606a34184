//! Merchant actions on a bare world: state changes, derived statuses and the events recorded.

#![allow(clippy::unwrap_used)]

use rust_decimal::Decimal;

use super::*;
use crate::state::{FulfillmentOrderStatus, Topic, TrackingInfo, World};

const SHOP: &str = "acme.myshopify.com";

fn world_with_product() -> (World, u64) {
    let mut world = World::new();
    world.add_shop(SHOP, "Acme", "owner@acme.example", "USD");
    let product = create_product(
        &mut world,
        SHOP,
        NewProduct {
            title: "Mug".into(),
            vendor: None,
            variants: vec![NewVariant {
                title: None,
                sku: Some("MUG-1".into()),
                price: Decimal::new(1200, 2),
                inventory: 10,
            }],
        },
    )
    .unwrap();
    world.pending_events.clear();
    (world, product)
}

fn order(lines: Vec<OrderLine>, payment: Payment) -> PlaceOrder {
    PlaceOrder {
        email: Some("ada@example.com".into()),
        phone: None,
        customer: None,
        shipping_address: None,
        billing_address: None,
        lines,
        shipping_line: Some(("Standard".into(), Decimal::new(500, 2))),
        discount_code: None,
        payment,
        note: None,
        tags: vec![],
        test: false,
    }
}

fn topics(world: &World) -> Vec<Topic> {
    world.pending_events.iter().map(|e| e.topic).collect()
}

#[test]
fn checkout_by_sku_numbers_the_order_takes_stock_and_reuses_the_customer() {
    let (mut world, _) = world_with_product();
    let line = OrderLine {
        sku: Some("MUG-1".into()),
        quantity: 3,
        ..OrderLine::default()
    };
    let first = place_order(&mut world, SHOP, order(vec![line.clone()], Payment::Paid)).unwrap();
    assert_eq!(topics(&world), vec![Topic::OrdersCreate, Topic::OrdersPaid]);
    let second = place_order(&mut world, SHOP, order(vec![line], Payment::Pending)).unwrap();
    let shop = world.shop(SHOP).unwrap();
    let (a, b) = (&shop.orders[&first], &shop.orders[&second]);
    assert_eq!((a.name.as_str(), b.name.as_str()), ("#1001", "#1002"));
    assert_eq!(a.total(), Decimal::new(4100, 2));
    assert_eq!(a.financial_status, crate::state::FinancialStatus::Paid);
    assert_eq!(b.financial_status, crate::state::FinancialStatus::Pending);
    assert_eq!(a.customer_id, b.customer_id);
    assert_eq!(shop.customers.len(), 1);
    assert_eq!(shop.variants.values().next().unwrap().inventory_quantity, 4);
    let fo = shop
        .fulfillment_orders
        .values()
        .find(|f| f.order_id == first)
        .unwrap();
    assert_eq!(fo.location_id, shop.locations[0].id);
    assert_eq!(fo.line_items[0].remaining_quantity, 3);
}

#[test]
fn an_unknown_sku_or_an_empty_order_is_refused_naming_the_problem() {
    let (mut world, _) = world_with_product();
    let err = place_order(
        &mut world,
        SHOP,
        order(
            vec![OrderLine {
                sku: Some("NOPE".into()),
                quantity: 1,
                ..OrderLine::default()
            }],
            Payment::Paid,
        ),
    )
    .unwrap_err();
    assert!(err.to_string().contains("NOPE"), "{err}");
    let err = place_order(&mut world, SHOP, order(vec![], Payment::Paid)).unwrap_err();
    assert!(matches!(err, MerchantError::Invalid(_)));
    assert!(world.pending_events.is_empty());
}

#[test]
fn two_partial_shipments_then_a_cancelled_one_move_the_display_status() {
    let (mut world, _) = world_with_product();
    let id = place_order(
        &mut world,
        SHOP,
        order(
            vec![OrderLine {
                title: Some("Engraving".into()),
                price: Some(Decimal::new(300, 2)),
                quantity: 4,
                ..OrderLine::default()
            }],
            Payment::Authorized,
        ),
    )
    .unwrap();
    let line = world.shop(SHOP).unwrap().orders[&id].line_items[0].id;
    world.pending_events.clear();
    let ship = |n| Fulfill {
        lines: vec![FulfillLine {
            line_item_id: line,
            quantity: n,
        }],
        tracking: vec![],
        notify_customer: false,
    };
    let first = fulfill(&mut world, SHOP, id, ship(1)).unwrap();
    assert_eq!(
        topics(&world),
        vec![
            Topic::FulfillmentsCreate,
            Topic::OrdersPartiallyFulfilled,
            Topic::OrdersUpdated
        ]
    );
    let status = |w: &World| {
        let s = w.shop(SHOP).unwrap();
        display_fulfillment_status(s, &s.orders[&id])
    };
    assert_eq!(status(&world), "PARTIALLY_FULFILLED");
    let err = fulfill(&mut world, SHOP, id, ship(4)).unwrap_err();
    assert!(err.to_string().contains("3 left"), "{err}");
    world.pending_events.clear();
    fulfill(&mut world, SHOP, id, Fulfill::default()).unwrap();
    assert_eq!(topics(&world)[1], Topic::OrdersFulfilled);
    assert_eq!(status(&world), "FULFILLED");
    cancel_fulfillment(&mut world, SHOP, first).unwrap();
    assert_eq!(status(&world), "PARTIALLY_FULFILLED");
    let shop = world.shop(SHOP).unwrap();
    let open: Vec<_> = shop
        .fulfillment_orders
        .values()
        .filter(|f| f.status == FulfillmentOrderStatus::Open)
        .collect();
    assert_eq!(open.len(), 1, "the cancelled unit is open again");
    assert_eq!(fulfillable_quantity(shop, id, line), 1);
    assert!(cancel_order(&mut world, SHOP, id, "customer")
        .unwrap_err()
        .to_string()
        .contains("outstanding fulfillments"));
}

#[test]
fn paying_cancelling_and_editing_record_their_events() {
    let (mut world, _) = world_with_product();
    let variant = *world.shop(SHOP).unwrap().variants.keys().next().unwrap();
    let line = OrderLine {
        variant_id: Some(variant),
        quantity: 2,
        ..OrderLine::default()
    };
    let id = place_order(&mut world, SHOP, order(vec![line], Payment::Authorized)).unwrap();
    world.pending_events.clear();
    mark_paid(&mut world, SHOP, id).unwrap();
    assert_eq!(
        topics(&world),
        vec![Topic::OrdersPaid, Topic::OrdersUpdated]
    );
    assert!(mark_paid(&mut world, SHOP, id).is_err());
    let line_id = world.shop(SHOP).unwrap().orders[&id].line_items[0].id;
    world.pending_events.clear();
    edit_quantity(&mut world, SHOP, id, line_id, 1).unwrap();
    assert_eq!(topics(&world), vec![Topic::OrdersUpdated]);
    assert_eq!(
        world.shop(SHOP).unwrap().orders[&id].total(),
        Decimal::new(1700, 2)
    );
    world.pending_events.clear();
    cancel_order(&mut world, SHOP, id, "CUSTOMER").unwrap();
    assert_eq!(
        topics(&world),
        vec![Topic::OrdersCancelled, Topic::OrdersUpdated]
    );
    let shop = world.shop(SHOP).unwrap();
    assert!(shop.orders[&id].closed_at.is_some());
    assert_eq!(
        shop.variants[&variant].inventory_quantity, 9,
        "one unit back in stock"
    );
    assert!(shop
        .fulfillment_orders
        .values()
        .all(|f| f.status == FulfillmentOrderStatus::Cancelled));
    let again = cancel_order(&mut world, SHOP, id, "CUSTOMER").unwrap_err();
    assert_eq!(
        again.to_string(),
        "Cannot cancel an order that has already been canceled"
    );
    assert!(matches!(
        cancel_order(&mut world, SHOP, 1, "CUSTOMER"),
        Err(MerchantError::NotFound(_))
    ));
}

#[test]
fn tracking_updates_replace_the_numbers() {
    let (mut world, _) = world_with_product();
    let id = place_order(
        &mut world,
        SHOP,
        order(
            vec![OrderLine {
                sku: Some("MUG-1".into()),
                quantity: 1,
                ..OrderLine::default()
            }],
            Payment::Paid,
        ),
    )
    .unwrap();
    let f = fulfill(&mut world, SHOP, id, Fulfill::default()).unwrap();
    world.pending_events.clear();
    let tracking = vec![TrackingInfo {
        company: Some("UPS".into()),
        number: Some("1Z".into()),
        url: None,
    }];
    update_tracking(&mut world, SHOP, f, tracking.clone(), true).unwrap();
    assert_eq!(topics(&world), vec![Topic::FulfillmentsUpdate]);
    assert_eq!(
        world.shop(SHOP).unwrap().fulfillments[&f].tracking,
        tracking
    );
    assert_eq!(
        update_tracking(&mut world, SHOP, 42, vec![], false)
            .unwrap_err()
            .to_string(),
        "Fulfillment does not exist."
    );
}
