//! The engine's end-to-end fixture, shared by the test files that drive ordersync and
//! shopify-sim together: a destination (Northwind) and a source (Southwind) installed through
//! OAuth, connected, with SKU `MUG` synced and (optionally) the Order add-on approved; a shopper's
//! checkout; waiting for intake and for a push to settle; the source store's orders by tag.

#![allow(dead_code)]

use std::time::Duration;

use crate::auth_support::{domain, start_with, World, NORTHWIND};
use ordersync_store::orders::OrderSummary;
use ordersync_store::pushes::PushRecord;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::merchant::{
    create_product, place_order, NewProduct, NewVariant, OrderLine, Payment, PlaceOrder,
};
use shopify_sim::state::{MailingAddress, Order};

pub const SOUTHWIND: &str = "southwind.myshopify.com";

/// Creates a one-variant product with `sku`; answers the variant's numeric id.
pub fn product(world: &World, shop: &str, sku: &str, price: i64) -> u64 {
    world.sim.sim.mutate(|w| {
        let id = create_product(
            w,
            shop,
            NewProduct {
                title: "Mug".into(),
                vendor: None,
                variants: vec![NewVariant {
                    title: Some("Blue".into()),
                    sku: Some(sku.into()),
                    price: Decimal::new(price, 2),
                    inventory: 50,
                }],
            },
        )
        .unwrap();
        w.shop(shop).unwrap().products[&id].variant_ids[0]
    })
}

pub async fn install(world: &World, shop: &str, role: &str) -> String {
    world.install(shop, "").await;
    let token = world.session_token(shop);
    let (status, body) = world
        .api(
            "PUT",
            "/api/store/role",
            Some(&token),
            Some(json!({ "role": role })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    token
}

/// Switches the Order add-on on and approves the charge in the simulator.
pub async fn addon_on(world: &World, token: &str) {
    let (status, waiting) = world.api("POST", "/api/addon", Some(token), None).await;
    assert_eq!(status, 200, "{waiting}");
    let confirmation = waiting["confirmation_url"].as_str().unwrap().to_owned();
    let approved = world
        .http
        .post(&confirmation)
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    let back = approved.headers()["location"].to_str().unwrap().to_owned();
    world.get(&back).await;
    let (_, active) = world.api("GET", "/api/addon", Some(token), None).await;
    assert_eq!(active["state"], "active", "{active}");
}

/// A destination (Northwind) connected to a source (Southwind), both selling SKU MUG.
pub struct Setup {
    pub world: World,
    pub dest: String,
    pub source_variant: u64,
}

pub async fn setup(addon: bool) -> Setup {
    setup_with(addon, &[]).await
}

/// [`setup`] on the database `database_url` names (`None`: SQLite).
pub async fn setup_on(addon: bool, database_url: Option<&str>) -> Setup {
    match database_url {
        Some(url) => setup_with(addon, &[("database_url", Value::from(url))]).await,
        None => setup_with(addon, &[]).await,
    }
}

/// [`setup`] with some settings of ordersync's configuration changed (name, value).
pub async fn setup_with(addon: bool, settings: &[(&str, Value)]) -> Setup {
    let world = start_with(settings).await;
    world.sim.sim.mutate(|w| {
        w.add_shop(
            SOUTHWIND,
            "Southwind Goods",
            "owner@southwind.example",
            "USD",
        );
    });
    let dest = install(&world, NORTHWIND, "destination").await;
    let src = install(&world, SOUTHWIND, "source").await;
    product(&world, NORTHWIND, "MUG", 1250);
    let source_variant = product(&world, SOUTHWIND, "MUG", 900);
    let (_, key) = world
        .api("GET", "/api/connection-key", Some(&src), None)
        .await;
    let (status, body) = world
        .api(
            "POST",
            "/api/connections",
            Some(&dest),
            Some(json!({ "key": key["connection_key"] })),
        )
        .await;
    assert!((200..300).contains(&status), "{body}");
    // The catalogue is matched in the background; every test here needs the one synced product
    // (up to 60 s: a loaded CI machine runs several of these worlds at once).
    let mut synced = false;
    for _ in 0..2_400 {
        let (_, body) = world
            .api("GET", "/api/synced-products", Some(&dest), None)
            .await;
        if body["rematch_pending"] == false && body["synced"].as_array().map_or(0, Vec::len) == 1 {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(synced, "the source store's product was never synced");
    if addon {
        addon_on(&world, &dest).await;
    }
    Setup {
        world,
        dest,
        source_variant,
    }
}

pub fn checkout(quantity: u32, payment: Payment) -> PlaceOrder {
    PlaceOrder {
        email: Some("ada@example.com".into()),
        phone: None,
        customer: None,
        shipping_address: Some(MailingAddress {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            address1: Some("12 Analytical Row".into()),
            city: Some("Portland".into()),
            country: Some("United States".into()),
            country_code: Some("US".into()),
            province_code: Some("OR".into()),
            zip: Some("97201".into()),
            ..MailingAddress::default()
        }),
        billing_address: None,
        lines: vec![OrderLine {
            sku: Some("MUG".into()),
            quantity,
            ..OrderLine::default()
        }],
        shipping_line: Some(("Express".into(), Decimal::new(999, 2))),
        discount_code: Some(("SAVE1".into(), Decimal::new(100, 2))),
        payment,
        note: None,
        tags: vec![],
        test: false,
    }
}

/// Places an order in the destination and waits until ordersync has taken it in.
pub async fn order_placed(world: &World, order: PlaceOrder) -> OrderSummary {
    let id = world
        .sim
        .sim
        .mutate(|w| place_order(w, NORTHWIND, order).unwrap());
    let shop = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    let gid = format!("gid://shopify/Order/{id}");
    for _ in 0..400 {
        if let Some(o) = world.store.order_by_gid(shop.id, &gid).await.unwrap() {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("order {gid} never taken in");
}

/// The order's only push once `done` holds.
pub async fn push_when(
    world: &World,
    order_id: i64,
    done: impl Fn(&PushRecord) -> bool,
) -> PushRecord {
    let mut last = None;
    for _ in 0..600 {
        let pushes = world.store.pushes_for_order(order_id).await.unwrap();
        if let [p] = pushes.as_slice() {
            if done(p) {
                return p.clone();
            }
        }
        last = Some(pushes);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("push never settled: {last:?}");
}

/// The source store's orders carrying `tag`.
/// The destination order once its Orders tab status is `status` (the list status is refreshed
/// right after a push moves, so it can lag the push by a moment).
/// The numeric id (the sim's key) of the order a push created on its source store; panics when
/// the push has none yet.
pub fn source_order_id(push: &PushRecord) -> u64 {
    let gid = push
        .source_order_gid
        .as_deref()
        .expect("the push has a source order");
    gid.rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an order GID: {gid}"))
}

pub async fn listed_as(
    world: &World,
    order_id: i64,
    status: ordersync_core::OrderListStatus,
) -> OrderSummary {
    let shop = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    let mut last = None;
    for _ in 0..600 {
        let o = world.store.order(shop.id, order_id).await.unwrap().unwrap();
        if o.list_status == status {
            return o;
        }
        last = Some(o.list_status);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("order {order_id} never listed as {status:?}: {last:?}");
}

pub fn source_orders_tagged(world: &World, tag: &str) -> Vec<Order> {
    world.sim.sim.mutate(|w| {
        w.shop(SOUTHWIND)
            .unwrap()
            .orders
            .values()
            .filter(|o| o.tags.iter().any(|t| t == tag))
            .cloned()
            .collect()
    })
}

pub async fn push(world: &World, token: &str, order_id: i64, body: Value) -> (u16, Value) {
    world
        .api(
            "POST",
            &format!("/api/orders/{order_id}/push"),
            Some(token),
            Some(body),
        )
        .await
}

pub async fn kinds(world: &World, order_id: i64) -> Vec<String> {
    world
        .store
        .order_history(order_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// The second source store of [`setup_two_sources`].
pub const WESTERLY: &str = "westerly.myshopify.com";

/// Creates a one-variant product titled `title` with `sku`; answers the variant's numeric id.
pub fn titled_product(world: &World, shop: &str, title: &str, sku: &str, price: i64) -> u64 {
    world.sim.sim.mutate(|w| {
        let id = create_product(
            w,
            shop,
            NewProduct {
                title: title.into(),
                vendor: None,
                variants: vec![NewVariant {
                    title: Some("Default".into()),
                    sku: Some(sku.into()),
                    price: Decimal::new(price, 2),
                    inventory: 50,
                }],
            },
        )
        .unwrap();
        w.shop(shop).unwrap().products[&id].variant_ids[0]
    })
}

/// [`setup`] plus a second source store: Westerly (Westerly Teas) selling SKU `TEA`, connected
/// to Northwind, which sells MUG, TEA and SCARF (SCARF is no source store's: never synced).
pub struct TwoSources {
    pub world: World,
    pub dest: String,
    /// Southwind's MUG variant.
    pub mug_source_variant: u64,
    /// Westerly's TEA variant.
    pub tea_source_variant: u64,
}

pub async fn setup_two_sources(addon: bool) -> TwoSources {
    let Setup {
        world,
        dest,
        source_variant,
        ..
    } = setup(false).await;
    world.sim.sim.mutate(|w| {
        w.add_shop(WESTERLY, "Westerly Teas", "owner@westerly.example", "USD");
    });
    let westerly = install(&world, WESTERLY, "source").await;
    titled_product(&world, NORTHWIND, "Tea", "TEA", 800);
    titled_product(&world, NORTHWIND, "Scarf", "SCARF", 2500);
    let tea = titled_product(&world, WESTERLY, "Tea", "TEA", 500);
    let (_, key) = world
        .api("GET", "/api/connection-key", Some(&westerly), None)
        .await;
    let (status, body) = world
        .api(
            "POST",
            "/api/connections",
            Some(&dest),
            Some(json!({ "key": key["connection_key"] })),
        )
        .await;
    assert!((200..300).contains(&status), "{body}");
    let mut synced = 0;
    for _ in 0..400 {
        let (_, body) = world
            .api("GET", "/api/synced-products", Some(&dest), None)
            .await;
        synced = body["synced"].as_array().map_or(0, Vec::len);
        if body["rematch_pending"] == false && synced == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(synced, 2, "MUG and TEA synced, SCARF not");
    if addon {
        addon_on(&world, &dest).await;
    }
    TwoSources {
        world,
        dest,
        mug_source_variant: source_variant,
        tea_source_variant: tea,
    }
}

/// A checkout of `lines` (SKU, quantity); a `None` SKU is a custom item titled "Gift wrap".
pub fn checkout_of(lines: &[(Option<&str>, u32)], payment: Payment) -> PlaceOrder {
    let mut order = checkout(1, payment);
    order.lines = lines
        .iter()
        .map(|(sku, quantity)| match sku {
            Some(sku) => OrderLine {
                sku: Some((*sku).into()),
                quantity: *quantity,
                ..OrderLine::default()
            },
            None => OrderLine {
                title: Some("Gift wrap".into()),
                price: Some(Decimal::new(300, 2)),
                quantity: *quantity,
                ..OrderLine::default()
            },
        })
        .collect();
    order
}

/// The orders a source store received.
pub fn source_order_count(world: &World, shop: &str) -> usize {
    world.sim.sim.read(|w| w.shop(shop).unwrap().orders.len())
}
