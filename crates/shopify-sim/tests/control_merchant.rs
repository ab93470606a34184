//! Every merchant action through the control API, as `docs/simulator.md` documents it: a
//! product, orders placed as a shopper (paid and pending, with addresses, a discount code and
//! shipping), mark paid, a quantity edit, a partial fulfillment with two tracking numbers,
//! tracking changed later, a cancelled fulfillment, a cancelled order. After each step the Admin
//! API shows the change and the app's endpoint received the matching signed webhooks; bad input
//! is refused (see `control_merchant_errors.rs`).

#![allow(clippy::unwrap_used)]

mod sim_http;
mod webhooks_support;

use reqwest::Method;
use serde_json::json;
use sim_http::*;
use webhooks_support::Receiver;

#[tokio::test]
async fn a_merchants_actions_through_the_control_api_show_in_the_api_and_reach_the_app() {
    let running = start().await;
    setup(&running).await;
    let receiver = Receiver::start().await;
    for topic in TOPICS {
        subscribe(&running, &receiver, topic).await;
    }
    let base = format!("/_sim/shops/{SHOP}");

    // A product with two variants.
    let product = post_ok(
        &running,
        &format!("{base}/products"),
        json!({ "title": "Enamel Mug", "vendor": "Northwind", "variants": [
            { "title": "Blue", "sku": "MUG-BLUE", "price": "12.50", "inventory": 40 },
            { "title": "Red", "sku": "MUG-RED", "price": "14.00", "inventory": 5 },
        ] }),
        201,
    )
    .await;
    let product_id = product["id"].as_u64().unwrap();
    assert_eq!(
        product["gid"],
        format!("gid://shopify/Product/{product_id}")
    );
    let red = product["variant_ids"][1].as_u64().unwrap();
    let data = gql(
        &running,
        "query($id: ID!) { product(id: $id) { title vendor variants(first: 5) { nodes { sku price inventoryQuantity } } } }",
        json!({ "id": product["gid"] }),
    )
    .await;
    assert_eq!(data["product"]["title"], "Enamel Mug");
    assert_eq!(
        data["product"]["variants"]["nodes"],
        json!([
            { "sku": "MUG-BLUE", "price": "12.50", "inventoryQuantity": 40 },
            { "sku": "MUG-RED", "price": "14.00", "inventoryQuantity": 5 },
        ])
    );
    expect_hooks(&running, &receiver, "products/create", product_id, 1).await;

    // A paid order with addresses, a discount code and a shipping line.
    let address = json!({ "first_name": "Ada", "last_name": "Lovelace", "address1": "1 Main St",
                          "city": "Portland", "zip": "97201", "country_code": "US" });
    let placed = post_ok(
        &running,
        &format!("{base}/orders"),
        json!({
            "email": "ada@example.com",
            "customer": { "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" },
            "shipping_address": address, "billing_address": address,
            "lines": [ { "sku": "MUG-BLUE", "quantity": 3 }, { "variant_id": red } ],
            "shipping_line": { "title": "Standard", "price": "5.00" },
            "discount_code": { "code": "WELCOME", "amount": "2.00" },
            "payment": "paid", "note": "Gift", "tags": ["vip"],
        }),
        201,
    )
    .await;
    let paid_id = placed["id"].as_u64().unwrap();
    assert_eq!(placed["gid"], format!("gid://shopify/Order/{paid_id}"));
    assert_eq!(placed["name"], "#1001");
    let o = order(&running, paid_id).await;
    assert_eq!(o["displayFinancialStatus"], "PAID");
    assert_eq!(o["displayFulfillmentStatus"], "UNFULFILLED");
    // 3 × 12.50 + 14.00 − 2.00 + 5.00
    assert_eq!(
        o["totalPriceSet"]["shopMoney"],
        json!({ "amount": "54.5", "currencyCode": "USD" })
    );
    assert_eq!(o["totalDiscountsSet"]["shopMoney"]["amount"], "2.0");
    assert_eq!(o["totalShippingPriceSet"]["shopMoney"]["amount"], "5.0");
    assert_eq!(o["discountCodes"], json!(["WELCOME"]));
    assert_eq!(
        o["customer"],
        json!({ "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace" })
    );
    assert_eq!(
        o["shippingAddress"],
        json!({ "firstName": "Ada", "address1": "1 Main St", "city": "Portland", "zip": "97201", "countryCodeV2": "US" })
    );
    assert_eq!(
        o["billingAddress"],
        json!({ "address1": "1 Main St", "city": "Portland" })
    );
    assert_eq!(
        o["shippingLines"]["nodes"],
        json!([{ "title": "Standard", "originalPriceSet": { "shopMoney": { "amount": "5.0" } } }])
    );
    assert_eq!(o["note"], "Gift");
    assert_eq!(o["tags"], json!(["vip"]));
    let lines = o["lineItems"]["nodes"].as_array().unwrap().clone();
    assert_eq!(lines[0]["sku"], "MUG-BLUE");
    assert_eq!(lines[0]["quantity"], 3);
    assert_eq!(lines[1]["sku"], "MUG-RED");
    let blue_line = numeric(&lines[0]["id"]);
    let red_line = numeric(&lines[1]["id"]);
    expect_hooks(&running, &receiver, "orders/create", paid_id, 1).await;
    expect_hooks(&running, &receiver, "orders/paid", paid_id, 1).await;
    let data = gql(
        &running,
        "query($id: ID!) { productVariant(id: $id) { inventoryQuantity } }",
        json!({ "id": format!("gid://shopify/ProductVariant/{red}") }),
    )
    .await;
    assert_eq!(
        data["productVariant"]["inventoryQuantity"], 4,
        "checkout takes stock"
    );

    // A pending order, then marked paid.
    let pending = post_ok(
        &running,
        &format!("{base}/orders"),
        json!({ "email": "bob@example.com", "lines": [{ "sku": "MUG-BLUE", "quantity": 2 }], "payment": "pending" }),
        201,
    )
    .await;
    let pending_id = pending["id"].as_u64().unwrap();
    assert_eq!(pending["name"], "#1002");
    let o = order(&running, pending_id).await;
    assert_eq!(o["displayFinancialStatus"], "PENDING");
    assert_eq!(o["totalOutstandingSet"]["shopMoney"]["amount"], "25.0");
    expect_hooks(&running, &receiver, "orders/create", pending_id, 1).await;
    expect_hooks(&running, &receiver, "orders/paid", pending_id, 0).await;
    let answer = post_ok(
        &running,
        &format!("{base}/orders/{pending_id}/mark_paid"),
        json!({}),
        200,
    )
    .await;
    assert_eq!(answer["order_id"], pending_id);
    let o = order(&running, pending_id).await;
    assert_eq!(o["displayFinancialStatus"], "PAID");
    assert_eq!(o["totalOutstandingSet"]["shopMoney"]["amount"], "0.0");
    expect_hooks(&running, &receiver, "orders/paid", pending_id, 1).await;
    expect_hooks(&running, &receiver, "orders/updated", pending_id, 1).await;
    refused(
        &running,
        Method::POST,
        &format!("{base}/orders/{pending_id}/mark_paid"),
        None,
        400,
        "already paid",
    )
    .await;

    // One mug fewer on the paid order.
    post_ok(
        &running,
        &format!("{base}/orders/{paid_id}/edit_quantity"),
        json!({ "line_item_id": blue_line, "quantity": 2 }),
        200,
    )
    .await;
    let o = order(&running, paid_id).await;
    assert_eq!(o["lineItems"]["nodes"][0]["currentQuantity"], 2);
    assert_eq!(o["lineItems"]["nodes"][0]["fulfillableQuantity"], 2);
    expect_hooks(&running, &receiver, "orders/updated", paid_id, 1).await;

    // One blue mug ships with UPS under two tracking numbers.
    let shipped = post_ok(
        &running,
        &format!("{base}/orders/{paid_id}/fulfill"),
        json!({
            "lines": [{ "line_item_id": blue_line, "quantity": 1 }],
            "tracking": [ { "company": "UPS", "number": "1Z001" }, { "company": "UPS", "number": "1Z002" } ],
            "notify_customer": true,
        }),
        201,
    )
    .await;
    let fulfillment = shipped["id"].as_u64().unwrap();
    assert_eq!(
        shipped["gid"],
        format!("gid://shopify/Fulfillment/{fulfillment}")
    );
    let o = order(&running, paid_id).await;
    assert_eq!(o["displayFulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(o["fulfillments"].as_array().unwrap().len(), 1);
    assert_eq!(o["fulfillments"][0]["name"], "#1001.1");
    assert_eq!(o["fulfillments"][0]["status"], "SUCCESS");
    assert_eq!(
        o["fulfillments"][0]["trackingInfo"],
        json!([{ "number": "1Z001", "company": "UPS" }, { "number": "1Z002", "company": "UPS" }])
    );
    assert_eq!(
        o["fulfillments"][0]["fulfillmentLineItems"]["nodes"],
        json!([{ "quantity": 1, "lineItem": { "sku": "MUG-BLUE" } }])
    );
    assert_eq!(o["lineItems"]["nodes"][0]["unfulfilledQuantity"], 1);
    expect_hooks(&running, &receiver, "fulfillments/create", fulfillment, 1).await;
    expect_hooks(
        &running,
        &receiver,
        "orders/partially_fulfilled",
        paid_id,
        1,
    )
    .await;
    let created = deliveries(&running, &receiver, "fulfillments/create", fulfillment).await;
    assert_eq!(
        created[0].json()["tracking_numbers"],
        json!(["1Z001", "1Z002"])
    );

    // The carrier changes: tracking replaced later.
    post_ok(
        &running,
        &format!("/_sim/shops/{SHOP}/fulfillments/{fulfillment}/tracking"),
        json!({ "tracking": [{ "company": "FedEx", "number": "7700", "url": "https://fedex.example/7700" }], "notify_customer": true }),
        200,
    )
    .await;
    let o = order(&running, paid_id).await;
    assert_eq!(
        o["fulfillments"][0]["trackingInfo"],
        json!([{ "number": "7700", "company": "FedEx" }])
    );
    expect_hooks(&running, &receiver, "fulfillments/update", fulfillment, 1).await;

    // The shipment is cancelled: the unit is to ship again.
    post_ok(
        &running,
        &format!("/_sim/shops/{SHOP}/fulfillments/{fulfillment}/cancel"),
        json!({}),
        200,
    )
    .await;
    let o = order(&running, paid_id).await;
    assert_eq!(o["fulfillments"][0]["status"], "CANCELLED");
    assert_eq!(o["displayFulfillmentStatus"], "UNFULFILLED");
    assert_eq!(o["lineItems"]["nodes"][0]["fulfillableQuantity"], 2);
    expect_hooks(&running, &receiver, "fulfillments/update", fulfillment, 2).await;
    refused(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/fulfillments/{fulfillment}/cancel"),
        None,
        400,
        "already cancelled",
    )
    .await;
    refused(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/fulfillments/{fulfillment}/tracking"),
        Some(json!({ "tracking": [] })),
        400,
        "cancelled",
    )
    .await;

    // Everything left ships at once.
    let all = post_ok(
        &running,
        &format!("{base}/orders/{paid_id}/fulfill"),
        json!({ "tracking": [{ "company": "USPS", "number": "9400" }] }),
        201,
    )
    .await;
    let all_id = all["id"].as_u64().unwrap();
    let o = order(&running, paid_id).await;
    assert_eq!(o["displayFulfillmentStatus"], "FULFILLED");
    assert_eq!(o["fulfillments"][1]["name"], "#1001.2");
    assert_eq!(o["lineItems"]["nodes"][1]["unfulfilledQuantity"], 0);
    expect_hooks(&running, &receiver, "fulfillments/create", all_id, 1).await;
    expect_hooks(&running, &receiver, "orders/fulfilled", paid_id, 1).await;
    refused(
        &running,
        Method::POST,
        &format!("{base}/orders/{paid_id}/fulfill"),
        None,
        400,
        "nothing left to fulfill",
    )
    .await;
    refused(
        &running,
        Method::POST,
        &format!("{base}/orders/{paid_id}/cancel"),
        None,
        400,
        "outstanding fulfillments",
    )
    .await;
    let _ = red_line;

    // The other order is cancelled by the customer.
    post_ok(
        &running,
        &format!("{base}/orders/{pending_id}/cancel"),
        json!({ "reason": "CUSTOMER" }),
        200,
    )
    .await;
    let o = order(&running, pending_id).await;
    assert_eq!(o["cancelReason"], "CUSTOMER");
    assert!(o["cancelledAt"].is_string());
    assert_eq!(o["closed"], true);
    expect_hooks(&running, &receiver, "orders/cancelled", pending_id, 1).await;
    expect_hooks(&running, &receiver, "orders/updated", pending_id, 2).await;
    refused(
        &running,
        Method::POST,
        &format!("{base}/orders/{pending_id}/cancel"),
        None,
        400,
        "already been canceled",
    )
    .await;
    refused(
        &running,
        Method::POST,
        &format!("{base}/orders/{pending_id}/mark_paid"),
        None,
        400,
        "already paid",
    )
    .await;
    running.stop().await;
}
