//! Merchant actions through the control API that cannot be done: unknown shops, orders, line
//! items, fulfillments and actions are 404, bodies with a wrong key or value are 400, and every
//! error names the problem; nothing refused changes the shop.

#![allow(clippy::unwrap_used)]

mod sim_http;
mod webhooks_support;

use reqwest::Method;
use serde_json::json;
use sim_http::*;

#[tokio::test]
async fn bad_merchant_actions_are_refused_with_an_error_naming_the_problem() {
    let running = start().await;
    setup(&running).await;
    let base = format!("/_sim/shops/{SHOP}");
    let product = post_ok(
        &running,
        &format!("{base}/products"),
        json!({ "title": "Mug", "variants": [{ "sku": "MUG", "price": "3.00", "inventory": 1 }] }),
        201,
    )
    .await;
    assert_eq!(product["variant_ids"].as_array().unwrap().len(), 1);
    let order = post_ok(
        &running,
        &format!("{base}/orders"),
        json!({ "lines": [{ "sku": "MUG" }] }),
        201,
    )
    .await;
    let id = order["id"].as_u64().unwrap();
    let post = Method::POST;

    // Shops, orders, fulfillments and actions that do not exist: 404.
    refused(
        &running,
        post.clone(),
        "/_sim/shops/nowhere.myshopify.com/orders",
        Some(json!({ "lines": [{ "sku": "MUG" }] })),
        404,
        "nowhere.myshopify.com",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/42/mark_paid"),
        None,
        404,
        "order 42",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}/refund"),
        None,
        404,
        "refund",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/fulfillments/42/cancel"),
        None,
        404,
        "Fulfillment",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/fulfillments/42/ship"),
        None,
        404,
        "ship",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders"),
        Some(json!({ "lines": [{ "sku": "NOPE" }] })),
        404,
        "NOPE",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}/edit_quantity"),
        Some(json!({ "line_item_id": 1, "quantity": 1 })),
        404,
        "line item 1",
    )
    .await;

    // Bodies that are wrong: 400 naming the field or the value.
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders"),
        Some(json!({ "email": "a@example.com" })),
        400,
        "lines",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders"),
        Some(json!({ "lines": [{ "sku": "MUG", "qty": 2 }] })),
        400,
        "invalid JSON body: lines[0].qty: unknown field `qty`",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders"),
        Some(json!({ "lines": [{ "sku": "MUG" }], "payment": "later" })),
        400,
        "later",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders"),
        Some(
            json!({ "lines": [{ "sku": "MUG" }], "shipping_address": { "adress1": "1 Main St" } }),
        ),
        400,
        "adress1",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders"),
        Some(json!({ "lines": [] })),
        400,
        "at least one line item",
    )
    .await;
    refused(&running, post.clone(), &format!("{base}/orders"), Some(json!({ "lines": [{ "sku": "MUG" }], "discount_code": { "code": "BIG", "amount": "99.00" } })), 400, "discount code amount").await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/products"),
        Some(json!({ "title": " ", "variants": [] })),
        400,
        "Title",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/products"),
        Some(json!({ "title": "Mug", "variants": [{ "price": "cheap" }] })),
        400,
        "price",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}/cancel"),
        Some(json!({ "reason": "BORED" })),
        400,
        "BORED",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}/edit_quantity"),
        Some(json!({ "quantity": 1 })),
        400,
        "line_item_id",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}/fulfill"),
        Some(json!({ "tracking": [{ "carrier": "UPS" }] })),
        400,
        "carrier",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}/fulfill"),
        Some(json!({ "lines": [{ "line_item_id": 1, "quantity": 1 }] })),
        404,
        "line item 1",
    )
    .await;
    refused(
        &running,
        post.clone(),
        &format!("{base}/orders/{id}"),
        None,
        404,
        "",
    )
    .await;
    let data = gql(&running, "{ orders(first: 5) { nodes { id } } }", json!({})).await;
    assert_eq!(
        data["orders"]["nodes"].as_array().unwrap().len(),
        1,
        "nothing refused was placed"
    );
    running.stop().await;
}
