//! Shopify's example `orders/*` webhook bodies parse into destination orders, and the example
//! order (voided and cancelled) is found ineligible for exactly those reasons.

#![allow(clippy::unwrap_used)]

use ordersync_core::eligibility::{evaluate, Eligibility, IneligibleReason};
use ordersync_core::{FinancialStatus, SyncedCatalog};
use ordersync_shopify::payload::{parse_order, OrderPayloadError};

fn fixture(topic: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../contracts/shopify/webhooks/{topic}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_order_topic_example_parses() {
    for topic in [
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    ] {
        let order = parse_order(&fixture(topic)).unwrap_or_else(|e| panic!("{topic}: {e}"));
        assert!(
            order.id.as_str().starts_with("gid://shopify/Order/"),
            "{topic}"
        );
        assert!(!order.line_items.is_empty(), "{topic}");
    }
}

#[test]
fn the_create_example_maps_field_by_field() {
    let order = parse_order(&fixture("orders/create")).unwrap();
    // The GID is the identity, not the JavaScript-rounded numeric id beside it.
    assert_eq!(order.id.as_str(), "gid://shopify/Order/820982911946154508");
    assert_eq!(order.name.as_str(), "#9999");
    assert_eq!(order.financial_status, FinancialStatus::parse("voided"));
    assert!(order.cancelled);
    assert_eq!(order.total.to_string(), "414.95 USD");
    assert_eq!(
        order.email.as_ref().map(|e| e.as_str()),
        Some("jon@example.com")
    );
    let ship = order.shipping_address.as_ref().unwrap();
    assert_eq!(ship.city.as_deref(), Some("Shippington"));
    assert_eq!(ship.country_code.as_ref().map(|c| c.as_str()), Some("US"));
    let first = &order.line_items[0];
    assert_eq!(
        first.id.as_str(),
        "gid://shopify/LineItem/487817672276298554"
    );
    assert_eq!(first.sku.as_deref(), Some("SKU2006-001"));
    assert_eq!(first.unit_price.to_string(), "89.99 USD");
    assert_eq!(
        first.variant, None,
        "the example's line items have no variant"
    );
    assert_eq!(order.shipping_lines[0].title, "Generic Shipping");
}

#[test]
fn the_example_order_is_ineligible_for_every_reason_it_has() {
    let order = parse_order(&fixture("orders/create")).unwrap();
    let catalog = SyncedCatalog::new(Vec::new()).unwrap();
    let Eligibility::Ineligible(reasons) = evaluate(&order, &catalog) else {
        panic!("a voided, cancelled order must not be eligible");
    };
    assert!(
        reasons.contains(&IneligibleReason::NotPaid {
            status: FinancialStatus::parse("voided")
        }),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&IneligibleReason::Cancelled),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&IneligibleReason::NoSyncedProducts),
        "{reasons:?}"
    );
    assert!(
        !reasons
            .iter()
            .any(|r| matches!(r, IneligibleReason::MissingCustomerName)),
        "{reasons:?}"
    );
}

#[test]
fn a_bad_body_names_the_field() {
    let mut body: serde_json::Value = serde_json::from_slice(&fixture("orders/create")).unwrap();
    body["line_items"][1]["quantity"] = serde_json::json!("two");
    let err = parse_order(&serde_json::to_vec(&body).unwrap()).unwrap_err();
    assert!(matches!(err, OrderPayloadError::Shape { .. }));
    assert!(err.to_string().contains("line_items[1].quantity"), "{err}");

    let mut body: serde_json::Value = serde_json::from_slice(&fixture("orders/create")).unwrap();
    body["line_items"][0]["price"] = serde_json::json!("12,50");
    let err = parse_order(&serde_json::to_vec(&body).unwrap()).unwrap_err();
    assert!(err.to_string().contains("line_items[0].price"), "{err}");

    let mut body: serde_json::Value = serde_json::from_slice(&fixture("orders/create")).unwrap();
    body["admin_graphql_api_id"] = serde_json::json!("gid://shopify/Product/1");
    let err = parse_order(&serde_json::to_vec(&body).unwrap()).unwrap_err();
    assert!(err.to_string().contains("admin_graphql_api_id"), "{err}");

    let err = parse_order(b"not json").unwrap_err();
    assert!(matches!(err, OrderPayloadError::Shape { .. }), "{err}");
}
