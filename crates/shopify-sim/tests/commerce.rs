//! The commerce API over HTTP: product search, order queries, orderCreate (limits, scopes),
//! orderCancel, and shipping an order in two parts with tracking, then cancelling a shipment.

#![allow(clippy::unwrap_used)]

use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::merchant::{self, NewProduct, NewVariant, OrderLine, Payment, PlaceOrder};
use shopify_sim::state::{AccessToken, Installation, TokenKind};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";
const FULL: &str = "shpat_full";
const READ_ONLY: &str = "shpat_read";
const ONLINE: &str = "shpua_online";

fn token(value: &str, kind: TokenKind, scopes: &[&str]) -> AccessToken {
    AccessToken {
        token: value.into(),
        kind,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        expires_at: None,
        refresh_token: None,
        refresh_expires_at: None,
        revoked: false,
    }
}

async fn start() -> RunningSim {
    let sim = Sim::new(SimConfig::fast());
    let all = [
        "read_products",
        "write_orders",
        "write_merchant_managed_fulfillment_orders",
    ];
    sim.mutate(|w| {
        let shop = w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        shop.installations.insert(
            "app-key".into(),
            Installation {
                api_key: "app-key".into(),
                scopes: all.iter().map(|s| s.to_string()).collect(),
                tokens: vec![
                    token(FULL, TokenKind::Offline, &all),
                    token(READ_ONLY, TokenKind::Offline, &["read_orders"]),
                    token(ONLINE, TokenKind::Online, &all),
                ],
                installed: true,
                webhook_subscriptions: vec![],
                app_subscriptions: vec![],
                id: 77,
            },
        );
        for (title, sku, cents) in [("Mug", "MUG-1", 1200), ("Teapot", "POT-1", 3450)] {
            merchant::create_product(
                w,
                SHOP,
                NewProduct {
                    title: title.into(),
                    vendor: Some("Northwind".into()),
                    variants: vec![NewVariant {
                        title: None,
                        sku: Some(sku.into()),
                        price: Decimal::new(cents, 2),
                        inventory: 20,
                    }],
                },
            )
            .unwrap();
        }
    });
    SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn gql(running: &RunningSim, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn checkout(sku: &str, quantity: u32, payment: Payment, tags: &[&str]) -> PlaceOrder {
    PlaceOrder {
        email: Some("ada@example.com".into()),
        phone: None,
        customer: None,
        shipping_address: None,
        billing_address: None,
        lines: vec![OrderLine {
            sku: Some(sku.into()),
            quantity,
            ..OrderLine::default()
        }],
        shipping_line: None,
        discount_code: None,
        payment,
        note: None,
        tags: tags.iter().map(|s| s.to_string()).collect(),
        test: false,
    }
}

#[tokio::test]
async fn variants_are_found_by_sku_with_their_product_and_price() {
    let running = start().await;
    let body = gql(
        &running,
        FULL,
        "query($q: String) { productVariants(first: 5, query: $q) { nodes { id sku price inventoryQuantity inventoryItem { id } product { title vendor } } } }",
        json!({ "q": "sku:POT-1" }),
    )
    .await;
    let nodes = body["data"]["productVariants"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{body}");
    assert_eq!(nodes[0]["sku"], "POT-1");
    assert_eq!(nodes[0]["price"], "34.50");
    assert_eq!(nodes[0]["product"]["title"], "Teapot");
    assert!(nodes[0]["inventoryItem"]["id"]
        .as_str()
        .unwrap()
        .starts_with("gid://shopify/InventoryItem/"));
    let products = gql(&running, FULL, "{ products(first: 5, query: \"title:mug\") { nodes { title variants(first: 1) { nodes { sku } } } } }", json!({})).await;
    assert_eq!(
        products["data"]["products"]["nodes"][0]["variants"]["nodes"][0]["sku"], "MUG-1",
        "{products}"
    );
    running.stop().await;
}

#[tokio::test]
async fn orders_are_filtered_sorted_counted_and_paginated() {
    let running = start().await;
    running.sim.mutate(|w| {
        merchant::place_order(w, SHOP, checkout("MUG-1", 1, Payment::Paid, &["vip"])).unwrap();
        merchant::place_order(w, SHOP, checkout("POT-1", 2, Payment::Pending, &["vip"])).unwrap();
        let third =
            merchant::place_order(w, SHOP, checkout("MUG-1", 3, Payment::Paid, &[])).unwrap();
        merchant::cancel_order(w, SHOP, third, "customer").unwrap();
    });
    let names = |body: &Value| -> Vec<String> {
        body["data"]["orders"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($q: String, $after: String, $sort: OrderSortKeys, $rev: Boolean, $first: Int = 10) { orders(first: $first, after: $after, query: $q, sortKey: $sort, reverse: $rev) { nodes { name displayFinancialStatus cancelReason } pageInfo { hasNextPage endCursor } } }";
    let page = gql(
        &running,
        READ_ONLY,
        q,
        json!({ "sort": "ORDER_NUMBER", "rev": true, "first": 2 }),
    )
    .await;
    assert_eq!(names(&page), vec!["#1003", "#1002"], "{page}");
    assert_eq!(page["data"]["orders"]["pageInfo"]["hasNextPage"], true);
    let next = gql(&running, READ_ONLY, q, json!({ "sort": "ORDER_NUMBER", "rev": true, "first": 2, "after": page["data"]["orders"]["pageInfo"]["endCursor"] })).await;
    assert_eq!(names(&next), vec!["#1001"]);
    assert_eq!(next["data"]["orders"]["pageInfo"]["hasNextPage"], false);
    for (query, expected) in [
        ("tag:vip", vec!["#1001", "#1002"]),
        ("tag:vip AND financial_status:paid", vec!["#1001"]),
        ("name:#1002", vec!["#1002"]),
        ("name:1003 status:cancelled", vec!["#1003"]),
        ("status:open", vec!["#1001", "#1002"]),
        ("-tag:vip", vec!["#1003"]),
        (
            "updated_at:>'2020-01-01T00:00:00Z' fulfillment_status:unfulfilled",
            vec!["#1001", "#1002", "#1003"],
        ),
        ("created_at:<2020-01-01", vec![]),
        ("teapot", vec!["#1002"]),
    ] {
        let body = gql(&running, READ_ONLY, q, json!({ "q": query })).await;
        let mut got = names(&body);
        got.sort();
        assert_eq!(got, expected, "query {query}: {body}");
    }
    let count = gql(&running, READ_ONLY, "{ all: ordersCount { count precision } some: ordersCount(query: \"tag:vip\", limit: 1) { count precision } }", json!({})).await;
    assert_eq!(
        count["data"]["all"],
        json!({ "count": 3, "precision": "EXACT" })
    );
    assert_eq!(
        count["data"]["some"],
        json!({ "count": 1, "precision": "AT_LEAST" })
    );
    running.stop().await;
}

const CREATE: &str = "mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) { order { id name displayFinancialStatus displayFulfillmentStatus tags totalPriceSet { shopMoney { amount currencyCode } } lineItems(first: 5) { nodes { id title sku quantity variant { sku } } } fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 5) { nodes { id remainingQuantity } } } } } userErrors { field message code } } }";

async fn variant_gid(running: &RunningSim, sku: &str) -> String {
    let body = gql(
        running,
        FULL,
        "query($q: String) { productVariants(first: 1, query: $q) { nodes { id } } }",
        json!({ "q": format!("sku:{sku}") }),
    )
    .await;
    body["data"]["productVariants"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn order_create_makes_an_order_and_names_what_it_refuses() {
    let running = start().await;
    let mug = variant_gid(&running, "MUG-1").await;
    let body = gql(&running, FULL, CREATE, json!({ "order": {
        "email": "bob@example.com", "tags": ["wholesale", "b2b"], "financialStatus": "PAID",
        "lineItems": [
            { "variantId": mug, "quantity": 2 },
            { "title": "Gift wrap", "quantity": 1, "priceSet": { "shopMoney": { "amount": "2.50", "currencyCode": "USD" } } }
        ]
    }})).await;
    let order = &body["data"]["orderCreate"]["order"];
    assert_eq!(
        body["data"]["orderCreate"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert_eq!(order["name"], "#1001");
    assert_eq!(order["displayFinancialStatus"], "PAID");
    assert_eq!(order["displayFulfillmentStatus"], "UNFULFILLED");
    assert_eq!(order["tags"], json!(["b2b", "wholesale"]));
    assert_eq!(
        order["totalPriceSet"]["shopMoney"],
        json!({ "amount": "26.5", "currencyCode": "USD" })
    );
    assert_eq!(order["lineItems"]["nodes"][0]["variant"]["sku"], "MUG-1");
    assert_eq!(order["lineItems"]["nodes"][1]["variant"], Value::Null);
    assert_eq!(order["fulfillmentOrders"]["nodes"][0]["status"], "OPEN");

    let empty = gql(
        &running,
        FULL,
        CREATE,
        json!({ "order": { "email": "x@example.com", "lineItems": [] } }),
    )
    .await;
    assert_eq!(empty["data"]["orderCreate"]["order"], Value::Null);
    assert_eq!(
        empty["data"]["orderCreate"]["userErrors"],
        json!([{ "field": ["order", "lineItems"], "message": "Line items must have at least one line item", "code": "INVALID" }])
    );
    let unknown = gql(&running, FULL, CREATE, json!({ "order": { "lineItems": [{ "variantId": "gid://shopify/ProductVariant/1", "quantity": 1 }] } })).await;
    assert!(
        unknown["data"]["orderCreate"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("variant 1 does not exist"),
        "{unknown}"
    );
    running.stop().await;
}

#[tokio::test]
async fn order_create_needs_write_orders_and_an_offline_token() {
    let running = start().await;
    let order = json!({ "order": { "lineItems": [{ "title": "X", "quantity": 1, "priceSet": { "shopMoney": { "amount": "1.00", "currencyCode": "USD" } } }] } });
    for token in [READ_ONLY, ONLINE] {
        let body = gql(&running, token, CREATE, order.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "ACCESS_DENIED",
            "{token}: {body}"
        );
        assert_eq!(body["data"]["orderCreate"], Value::Null);
    }
    assert!(running
        .sim
        .read(|w| w.shop(SHOP).unwrap().orders.is_empty()));
    running.stop().await;
}

#[tokio::test]
async fn a_development_store_takes_five_orders_a_minute() {
    let running = start().await;
    running
        .sim
        .mutate(|w| w.shop_mut(SHOP).unwrap().order_create_limit = true);
    let order = json!({ "order": { "lineItems": [{ "title": "X", "quantity": 1, "priceSet": { "shopMoney": { "amount": "1.00", "currencyCode": "USD" } } }] } });
    for _ in 0..5 {
        let body = gql(&running, FULL, CREATE, order.clone()).await;
        assert!(
            body["data"]["orderCreate"]["order"]["id"].is_string(),
            "{body}"
        );
    }
    let sixth = gql(&running, FULL, CREATE, order).await;
    assert_eq!(sixth["data"]["orderCreate"], Value::Null, "{sixth}");
    assert!(sixth["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Exceeded order API rate limit"));
    assert_eq!(running.sim.read(|w| w.shop(SHOP).unwrap().orders.len()), 5);
    running.stop().await;
}

const FULFILL: &str = "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id status displayStatus trackingInfo(first: 5) { company number url } fulfillmentLineItems(first: 5) { nodes { quantity lineItem { sku } } } } userErrors { field message } } }";
const READ: &str = "query($id: ID!) { order(id: $id) { displayFulfillmentStatus cancelledAt lineItems(first: 1) { nodes { fulfillableQuantity unfulfilledQuantity } } fulfillments(first: 5) { status } fulfillmentOrders(first: 5) { nodes { status } } } }";

#[tokio::test]
async fn an_order_ships_in_two_parts_with_tracking_and_a_shipment_can_be_cancelled() {
    let running = start().await;
    let pot = variant_gid(&running, "POT-1").await;
    let created = gql(
        &running,
        FULL,
        CREATE,
        json!({ "order": { "lineItems": [{ "variantId": pot, "quantity": 3 }] } }),
    )
    .await;
    let order = &created["data"]["orderCreate"]["order"];
    let order_id = order["id"].as_str().unwrap().to_owned();
    let fo = order["fulfillmentOrders"]["nodes"][0]["id"].clone();
    let fo_line = order["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["id"].clone();

    let over = gql(&running, FULL, FULFILL, json!({ "f": { "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo, "fulfillmentOrderLineItems": [{ "id": fo_line, "quantity": 4 }] }] } })).await;
    assert_eq!(
        over["data"]["fulfillmentCreate"]["userErrors"],
        json!([{ "field": ["fulfillment"], "message": "Invalid fulfillment order line item quantity requested." }])
    );

    let first = gql(&running, FULL, FULFILL, json!({ "f": {
        "trackingInfo": { "company": "UPS", "number": "1Z-A", "url": "https://ups.example/1Z-A" },
        "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo, "fulfillmentOrderLineItems": [{ "id": fo_line, "quantity": 1 }] }] } })).await;
    let shipment = &first["data"]["fulfillmentCreate"]["fulfillment"];
    assert_eq!(shipment["status"], "SUCCESS", "{first}");
    assert_eq!(
        shipment["fulfillmentLineItems"]["nodes"][0],
        json!({ "quantity": 1, "lineItem": { "sku": "POT-1" } })
    );
    let first_id = shipment["id"].clone();
    let read = gql(&running, FULL, READ, json!({ "id": order_id })).await;
    assert_eq!(
        read["data"]["order"]["displayFulfillmentStatus"],
        "PARTIALLY_FULFILLED"
    );
    assert_eq!(
        read["data"]["order"]["lineItems"]["nodes"][0]["fulfillableQuantity"],
        2
    );

    let second = gql(&running, FULL, FULFILL, json!({ "f": {
        "trackingInfo": { "company": "DHL", "numbers": ["DHL-1", "DHL-2"], "urls": ["https://dhl.example/1", "https://dhl.example/2"] },
        "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo }] } })).await;
    let shipment = &second["data"]["fulfillmentCreate"]["fulfillment"];
    assert_eq!(
        shipment["trackingInfo"],
        json!([
            { "company": "DHL", "number": "DHL-1", "url": "https://dhl.example/1" },
            { "company": "DHL", "number": "DHL-2", "url": "https://dhl.example/2" }
        ])
    );
    assert_eq!(shipment["fulfillmentLineItems"]["nodes"][0]["quantity"], 2);
    let read = gql(&running, FULL, READ, json!({ "id": order_id })).await;
    assert_eq!(
        read["data"]["order"]["displayFulfillmentStatus"],
        "FULFILLED"
    );
    assert_eq!(
        read["data"]["order"]["fulfillmentOrders"]["nodes"][0]["status"],
        "CLOSED"
    );

    let update = gql(&running, FULL, "mutation($id: ID!, $t: FulfillmentTrackingInput!) { fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: true) { fulfillment { trackingInfo { number company } } userErrors { field message } } }",
        json!({ "id": first_id, "t": { "company": "FedEx", "number": "FX-9" } })).await;
    assert_eq!(
        update["data"]["fulfillmentTrackingInfoUpdate"]["fulfillment"]["trackingInfo"],
        json!([{ "number": "FX-9", "company": "FedEx" }]),
        "{update}"
    );

    let cancel_order = gql(&running, FULL, "mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true) { job { id } orderCancelUserErrors { field message code } } }", json!({ "id": order_id })).await;
    assert_eq!(
        cancel_order["data"]["orderCancel"]["orderCancelUserErrors"][0]["message"],
        "Cannot cancel an order that has outstanding fulfillments"
    );

    let cancel = gql(&running, FULL, "mutation($id: ID!) { fulfillmentCancel(id: $id) { fulfillment { status displayStatus } userErrors { field message } } }", json!({ "id": first_id })).await;
    assert_eq!(
        cancel["data"]["fulfillmentCancel"]["fulfillment"],
        json!({ "status": "CANCELLED", "displayStatus": "CANCELED" })
    );
    let read = gql(&running, FULL, READ, json!({ "id": order_id })).await;
    assert_eq!(
        read["data"]["order"]["displayFulfillmentStatus"], "PARTIALLY_FULFILLED",
        "{read}"
    );
    assert_eq!(
        read["data"]["order"]["lineItems"]["nodes"][0]["fulfillableQuantity"],
        1
    );
    assert_eq!(
        read["data"]["order"]["fulfillments"],
        json!([{ "status": "CANCELLED" }, { "status": "SUCCESS" }])
    );
    running.stop().await;
}

#[tokio::test]
async fn an_unshipped_order_is_cancelled_once() {
    let running = start().await;
    let id = running.sim.mutate(|w| {
        merchant::place_order(w, SHOP, checkout("MUG-1", 1, Payment::Paid, &[])).unwrap()
    });
    let gid = shopify_sim::gid("Order", id);
    let q = "mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true) { job { id done } orderCancelUserErrors { field message code } userErrors { field message } } }";
    let ok = gql(&running, FULL, q, json!({ "id": gid })).await;
    assert_eq!(ok["data"]["orderCancel"]["job"]["done"], false, "{ok}");
    assert!(ok["data"]["orderCancel"]["job"]["id"]
        .as_str()
        .unwrap()
        .starts_with("gid://shopify/Job/"));
    let again = gql(&running, FULL, q, json!({ "id": gid })).await;
    assert_eq!(
        again["data"]["orderCancel"]["userErrors"],
        json!([{ "field": ["orderId"], "message": "Cannot cancel an order that has already been canceled" }])
    );
    let read = gql(&running, FULL, READ, json!({ "id": gid })).await;
    assert!(read["data"]["order"]["cancelledAt"].is_string());
    assert_eq!(
        read["data"]["order"]["fulfillmentOrders"]["nodes"][0]["status"],
        "CANCELLED"
    );
    let stock = running.sim.read(|w| {
        w.shop(SHOP)
            .unwrap()
            .variants
            .values()
            .find(|v| v.sku.as_deref() == Some("MUG-1"))
            .unwrap()
            .inventory_quantity
    });
    assert_eq!(stock, 20, "the unit went back to stock");
    running.stop().await;
}
