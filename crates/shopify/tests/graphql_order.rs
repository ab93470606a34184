//! The Admin API's `Order` (as order reconciliation reads it) into the destination order model,
//! and errors that name the field.

#![allow(clippy::unwrap_used)]

use ordersync_core::{FinancialStatus, FulfillmentStatus};
use ordersync_shopify::payload::parse_graphql_order;
use serde_json::{json, Value};

fn money(amount: &str) -> Value {
    json!({ "shopMoney": { "amount": amount } })
}

fn node() -> Value {
    json!({
        "id": "gid://shopify/Order/1001",
        "name": "#1001",
        "displayFinancialStatus": "PARTIALLY_REFUNDED",
        "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
        "cancelledAt": null,
        "email": "ada@example.com",
        "currencyCode": "USD",
        "createdAt": "2026-06-29T20:32:52Z",
        "updatedAt": "2026-06-30T08:00:00Z",
        "customer": { "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "phone": null },
        "shippingAddress": {
            "firstName": "Ada", "lastName": "Lovelace", "company": null, "address1": "12 Analytical Row",
            "address2": "", "city": "Portland", "province": "Oregon", "provinceCode": "OR",
            "country": "United States", "countryCodeV2": "US", "zip": "97201", "phone": null
        },
        "billingAddress": null,
        "lineItems": {
            "pageInfo": { "hasNextPage": false },
            "nodes": [{
                "id": "gid://shopify/LineItem/1", "title": "Mug", "name": "Mug - Blue",
                "variantTitle": "Blue", "sku": "MUG", "quantity": 3, "unfulfilledQuantity": 2,
                "requiresShipping": true, "variant": { "id": "gid://shopify/ProductVariant/7" },
                "originalUnitPriceSet": money("12.5"),
                "discountAllocations": [{ "allocatedAmountSet": money("1.0") }]
            }, {
                "id": "gid://shopify/LineItem/2", "title": "Gift wrap", "name": "Gift wrap",
                "variantTitle": null, "sku": null, "quantity": 1, "unfulfilledQuantity": 1,
                "requiresShipping": false, "variant": null,
                "originalUnitPriceSet": money("2.0"), "discountAllocations": []
            }]
        },
        "currentSubtotalPriceSet": money("38.5"),
        "currentTotalPriceSet": money("48.49"),
        "totalShippingPriceSet": money("9.99"),
        "discountCodes": ["SAVE1"],
        "shippingLines": { "nodes": [{ "title": "Express", "code": "EXP", "originalPriceSet": money("9.99") }] }
    })
}

#[test]
fn an_admin_api_order_reads_as_the_destination_order() {
    let order = parse_graphql_order(&node()).unwrap();
    assert_eq!(order.id.as_str(), "gid://shopify/Order/1001");
    assert_eq!(order.name.as_str(), "#1001");
    assert_eq!(order.financial_status, FinancialStatus::PartiallyRefunded);
    assert_eq!(
        order.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
    assert!(!order.cancelled);
    assert_eq!(order.customer_name().as_deref(), Some("Ada Lovelace"));
    let ship = order.shipping_address.as_ref().unwrap();
    assert_eq!(ship.country_code.unwrap().as_str(), "US");
    assert_eq!(ship.address2, None, "blank is absent");
    assert_eq!(order.line_items.len(), 2);
    let mug = &order.line_items[0];
    assert_eq!(mug.quantity, 3);
    assert_eq!(mug.fulfillable_quantity, 2, "unfulfilledQuantity");
    assert_eq!(mug.unit_price.amount().to_string(), "12.5");
    assert_eq!(mug.discounts.len(), 1);
    assert_eq!(
        mug.variant.as_ref().unwrap().as_str(),
        "gid://shopify/ProductVariant/7"
    );
    assert!(order.line_items[1].variant.is_none());
    assert!(!order.line_items[1].requires_shipping);
    assert_eq!(order.total.amount().to_string(), "48.49");
    assert_eq!(order.discount_codes, vec!["SAVE1".to_owned()]);
    assert_eq!(order.shipping_lines[0].title, "Express");

    let mut cancelled = node();
    cancelled["cancelledAt"] = json!("2026-06-30T09:00:00Z");
    assert!(parse_graphql_order(&cancelled).unwrap().cancelled);
}

type Spoil = fn(&mut Value);

#[test]
fn bad_nodes_are_refused_naming_the_field() {
    let cases: Vec<(Spoil, &str)> = vec![
        (
            |n| n["lineItems"]["nodes"][0]["originalUnitPriceSet"] = money("abc"),
            "lineItems[0].originalUnitPriceSet",
        ),
        (
            |n| n["lineItems"]["pageInfo"]["hasNextPage"] = json!(true),
            "lineItems",
        ),
        (|n| n["email"] = json!("not an email"), "email"),
        (|n| n["updatedAt"] = json!("yesterday"), "updatedAt"),
        (
            |n| n["lineItems"]["nodes"][1]["quantity"] = json!("one"),
            "lineItems.nodes[1].quantity",
        ),
        (|n| n["currencyCode"] = json!("dollars"), "currencyCode"),
    ];
    for (spoil, field) in cases {
        let mut n = node();
        spoil(&mut n);
        let err = parse_graphql_order(&n).unwrap_err().to_string();
        assert!(err.contains(field), "{field}: {err}");
    }
}
