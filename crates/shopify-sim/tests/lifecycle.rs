//! Events fire when the state changes, whoever changed it: a shopper's checkout, the merchant's
//! actions and the app's own API calls all reach the app's webhook endpoint, signed, in the
//! shapes Shopify sends.

#![allow(clippy::unwrap_used)]

mod webhooks_support;

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::json;
use shopify_sim::merchant::{
    self, Fulfill, FulfillLine, NewProduct, NewVariant, OrderLine, Payment, PlaceOrder,
};
use shopify_sim::state::{MailingAddress, TrackingInfo};
use shopify_sim::SimConfig;
use webhooks_support::*;

const IDLE: Duration = Duration::from_secs(20);

fn address() -> MailingAddress {
    MailingAddress {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        address1: Some("12 Analytical Row".into()),
        city: Some("London".into()),
        country: Some("United Kingdom".into()),
        country_code: Some("GB".into()),
        zip: Some("N1 9GU".into()),
        ..MailingAddress::default()
    }
}

#[tokio::test]
async fn shopper_merchant_and_app_changes_all_reach_the_app_signed() {
    let running = start(SimConfig::fast()).await;
    let receiver = Receiver::start().await;
    running.sim.mutate(|w| {
        let installation = w
            .shop_mut(SHOP)
            .unwrap()
            .installations
            .get_mut(APP)
            .unwrap();
        for scope in ["write_orders", "write_merchant_managed_fulfillment_orders"] {
            installation.tokens[0].scopes.push(scope.into());
            installation.scopes.push(scope.into());
        }
    });
    for topic in [
        "ORDERS_CREATE",
        "ORDERS_PAID",
        "ORDERS_PARTIALLY_FULFILLED",
        "FULFILLMENTS_CREATE",
        "FULFILLMENTS_UPDATE",
    ] {
        subscribe(&running, topic, &receiver.url(&topic.to_lowercase())).await;
    }
    let sim = &running.sim;

    // The merchant adds a product; a shopper checks out without paying yet, then pays.
    let order_id = sim.mutate(|w| {
        merchant::create_product(
            w,
            SHOP,
            NewProduct {
                title: "Brass compass".into(),
                vendor: None,
                variants: vec![NewVariant {
                    title: None,
                    sku: Some("CMP-1".into()),
                    price: Decimal::new(4500, 2),
                    inventory: 10,
                }],
            },
        )
        .unwrap();
        merchant::place_order(
            w,
            SHOP,
            PlaceOrder {
                email: Some("ada@example.com".into()),
                phone: None,
                customer: None,
                shipping_address: Some(address()),
                billing_address: None,
                lines: vec![OrderLine {
                    variant_id: None,
                    sku: Some("CMP-1".into()),
                    title: None,
                    price: None,
                    quantity: 2,
                }],
                shipping_line: None,
                discount_code: None,
                payment: Payment::Pending,
                note: None,
                tags: vec![],
                test: false,
            },
        )
        .unwrap()
    });
    sim.mutate(|w| merchant::mark_paid(w, SHOP, order_id))
        .unwrap();

    // The merchant ships one of the two, with two tracking numbers.
    let line_id = sim.read(|w| w.shop(SHOP).unwrap().orders[&order_id].line_items[0].id);
    let fulfillment_id = sim
        .mutate(|w| {
            merchant::fulfill(
                w,
                SHOP,
                order_id,
                Fulfill {
                    lines: vec![FulfillLine {
                        line_item_id: line_id,
                        quantity: 1,
                    }],
                    tracking: vec![
                        TrackingInfo {
                            company: Some("UPS".into()),
                            number: Some("1Z001".into()),
                            url: None,
                        },
                        TrackingInfo {
                            company: Some("UPS".into()),
                            number: Some("1Z002".into()),
                            url: None,
                        },
                    ],
                    notify_customer: true,
                },
            )
        })
        .unwrap();

    // The app changes the tracking through the Admin API.
    let body = graphql(
        &running,
        TOKEN,
        "mutation($id: ID!, $t: FulfillmentTrackingInput!) { fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t) { fulfillment { id } userErrors { field message } } }",
        json!({ "id": format!("gid://shopify/Fulfillment/{fulfillment_id}"), "t": { "company": "DHL", "numbers": ["JD0003"] } }),
    )
    .await;
    assert_eq!(
        body["data"]["fulfillmentTrackingInfoUpdate"]["userErrors"],
        json!([]),
        "{body}"
    );

    assert!(sim.webhooks_idle(IDLE).await);
    let received = receiver.received();
    let topics: Vec<String> = received
        .iter()
        .map(|r| r.header("x-shopify-topic"))
        .collect();
    for expected in [
        "orders/create",
        "orders/paid",
        "orders/partially_fulfilled",
        "fulfillments/create",
        "fulfillments/update",
    ] {
        assert_eq!(
            topics.iter().filter(|t| *t == expected).count(),
            1,
            "{expected} in {topics:?}"
        );
    }
    for r in &received {
        assert!(
            verify(SECRET, &r.body, &r.header("x-shopify-hmac-sha256")),
            "{} is signed",
            r.path
        );
    }
    let by_topic = |t: &str| {
        received
            .iter()
            .find(|r| r.header("x-shopify-topic") == t)
            .unwrap()
            .json()
    };
    assert_eq!(by_topic("orders/create")["financial_status"], "pending");
    assert_eq!(by_topic("orders/paid")["financial_status"], "paid");
    assert_eq!(by_topic("orders/create")["line_items"][0]["sku"], "CMP-1");
    assert_eq!(
        by_topic("orders/create")["shipping_address"]["city"],
        "London"
    );
    let created = by_topic("fulfillments/create");
    assert_eq!(created["tracking_numbers"], json!(["1Z001", "1Z002"]));
    assert_eq!(created["line_items"][0]["quantity"], 1);
    let updated = by_topic("fulfillments/update");
    assert_eq!(updated["tracking_numbers"], json!(["JD0003"]));
    assert_eq!(updated["tracking_company"], "DHL");
    running.stop().await;
}
