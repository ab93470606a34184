//! Connections and synced products against shopify-sim over real HTTP: stores installed through
//! OAuth, catalogues created in the simulator, re-matches run by the server's own worker.

#![allow(clippy::unwrap_used)]

mod auth_support;

use std::time::Duration;

use auth_support::{assert_tenant_isolation, start, World, EASTWIND, NORTHWIND};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::merchant::{create_product, NewProduct, NewVariant};

const SOUTHWIND: &str = "southwind.myshopify.com";
const WESTWIND: &str = "westwind.myshopify.com";

/// Creates a product with one variant per `(title, sku)` in `shop`; answers the variant gids.
fn product(
    world: &World,
    shop: &str,
    title: &str,
    variants: &[(&str, Option<&str>)],
) -> Vec<String> {
    world.sim.sim.mutate(|w| {
        let id = create_product(
            w,
            shop,
            NewProduct {
                title: title.into(),
                vendor: None,
                variants: variants
                    .iter()
                    .map(|(t, sku)| NewVariant {
                        title: Some((*t).into()),
                        sku: sku.map(str::to_owned),
                        price: Decimal::new(1250, 2),
                        inventory: 5,
                    })
                    .collect(),
            },
        )
        .unwrap();
        let s = w.shop(shop).unwrap();
        s.products[&id]
            .variant_ids
            .iter()
            .map(|v| format!("gid://shopify/ProductVariant/{v}"))
            .collect()
    })
}

async fn install(world: &World, shop: &str, role: &str) -> String {
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

async fn key_of(world: &World, token: &str) -> String {
    let (status, body) = world
        .api("GET", "/api/connection-key", Some(token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["connection_key"].as_str().unwrap().to_owned()
}

/// The synced products once no re-match waits and `done` holds (the worker runs in the server;
/// webhooks arrive from the simulator on their own time).
async fn synced_when(world: &World, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        let (status, body) = world
            .api("GET", "/api/synced-products", Some(token), None)
            .await;
        assert_eq!(status, 200, "{body}");
        if body["rematch_pending"] == false && done(&body) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("synced products never settled: {last}");
}

fn synced_of<'a>(body: &'a Value, variant: &str) -> Option<&'a Value> {
    body["synced"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["variant_id"] == variant)
}

fn not_synced_of<'a>(body: &'a Value, variant: &str) -> Option<&'a Value> {
    body["not_synced"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["variant_id"] == variant)
}

#[tokio::test]
async fn connect_match_link_unlink_update_and_disconnect() {
    let world = start().await;
    world.sim.sim.mutate(|w| {
        w.add_shop(
            SOUTHWIND,
            "Southwind Goods",
            "owner@southwind.example",
            "USD",
        );
    });
    let dest = install(&world, NORTHWIND, "destination").await;
    let east = install(&world, EASTWIND, "source").await;
    // Southwind is still a destination when its key is first tried.
    world.install(SOUTHWIND, "").await;
    let south = world.session_token(SOUTHWIND);

    let d = product(
        &world,
        NORTHWIND,
        "Mug",
        &[("Blue", Some("MUG")), ("Plain", None)],
    );
    let (mug, plain) = (d[0].clone(), d[1].clone());
    let tee = product(&world, NORTHWIND, "Tee", &[("M", Some("TEE"))])[0].clone();
    let lamp = product(
        &world,
        NORTHWIND,
        "Lamp",
        &[("Default Title", Some("LAMP"))],
    )[0]
    .clone();
    let caps = product(
        &world,
        NORTHWIND,
        "Cap",
        &[("Red", Some("CAP")), ("Blue", Some("CAP"))],
    );
    let e = product(
        &world,
        EASTWIND,
        "Mug",
        &[("Blue", Some("MUG")), ("M", Some("TEE"))],
    );
    let (east_mug, east_tee) = (e[0].clone(), e[1].clone());
    let south_tee = product(&world, SOUTHWIND, "Tee", &[("M", Some("TEE"))])[0].clone();

    // Refusals, each naming the problem.
    let connect = |token: String, key: String| {
        let world = &world;
        async move {
            world
                .api(
                    "POST",
                    "/api/connections",
                    Some(&token),
                    Some(json!({ "key": key })),
                )
                .await
        }
    };
    let (status, body) = connect(dest.clone(), "NOPE-NOPE".into()).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("no store has this connection key"));
    let (status, body) = connect(dest.clone(), key_of(&world, &dest).await).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("own connection key"));
    let (status, body) = connect(dest.clone(), key_of(&world, &south).await).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("destination store"));
    let (status, body) = connect(east.clone(), key_of(&world, &dest).await).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = connect(dest.clone(), "  ".into()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("`key`"));
    let (status, body) = world
        .api(
            "POST",
            "/api/connections",
            Some(&dest),
            Some(json!({ "code": "x" })),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Connect both sources.
    let (status, body) = world
        .api(
            "PUT",
            "/api/store/role",
            Some(&south),
            Some(json!({ "role": "source" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = connect(dest.clone(), key_of(&world, &east).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["domain"], EASTWIND);
    let (status, body) = connect(dest.clone(), key_of(&world, &south).await).await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = world
        .api("GET", "/api/connections", Some(&dest), None)
        .await;
    let domains: Vec<&str> = body["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, vec![EASTWIND, SOUTHWIND]);
    let (_, body) = world
        .api("GET", "/api/connections", Some(&east), None)
        .await;
    assert_eq!(
        body["connections"][0]["domain"], NORTHWIND,
        "a source sees its destinations"
    );

    // The match.
    let body = synced_when(&world, &dest, |b| synced_of(b, &mug).is_some()).await;
    let m = synced_of(&body, &mug).unwrap();
    assert_eq!(m["source"], EASTWIND);
    assert_eq!(m["source_variant_id"], east_mug.as_str());
    assert_eq!(m["linked"], "sku");
    assert_eq!(
        m["source_price"],
        json!({"amount": "12.50", "currency": "EUR"})
    );
    assert_eq!(body["synced_total"], 1);
    let reason = |v: &str| not_synced_of(&body, v).unwrap().clone();
    assert_eq!(reason(&plain)["reason"], json!({"kind": "no_sku"}));
    assert_eq!(reason(&plain)["status"], "unmatched");
    assert_eq!(reason(&plain)["title"], "Mug - Plain");
    assert_eq!(
        reason(&lamp)["reason"],
        json!({"kind": "no_source_variant", "sku": "LAMP"})
    );
    assert_eq!(
        reason(&tee)["reason"],
        json!({"kind": "ambiguous", "sku": "TEE", "stores": [EASTWIND, SOUTHWIND]})
    );
    assert_eq!(reason(&tee)["status"], "ambiguous");
    assert!(reason(&tee)["message"]
        .as_str()
        .unwrap()
        .contains(SOUTHWIND));
    for cap in &caps {
        assert_eq!(
            reason(cap)["reason"],
            json!({"kind": "duplicate_destination_sku", "sku": "CAP"})
        );
    }

    // Manual link and unlink, surviving a re-match.
    let path = |v: &str| format!("/api/synced-products/{}", v.rsplit('/').next().unwrap());
    let (status, body) = world
        .api(
            "PUT",
            &path(&tee),
            Some(&dest),
            Some(json!({"source": SOUTHWIND, "source_variant_id": south_tee})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = world
        .api(
            "PUT",
            &path(&tee),
            Some(&dest),
            Some(json!({"source": WESTWIND, "source_variant_id": 1})),
        )
        .await;
    assert_eq!(status, 404, "a store that is not connected: {body}");
    let (status, body) = world
        .api(
            "PUT",
            &path(&tee),
            Some(&dest),
            Some(json!({"source": SOUTHWIND, "source_variant_id": "x"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("source_variant_id"));
    let (status, _) = world.api("DELETE", &path(&mug), Some(&dest), None).await;
    assert_eq!(status, 202);
    let check_manual = |body: &Value| {
        let t = synced_of(body, &tee).unwrap();
        assert_eq!(t["source"], SOUTHWIND);
        assert_eq!(t["linked"], "manual");
        assert!(synced_of(body, &mug).is_none());
        assert_eq!(not_synced_of(body, &mug).unwrap()["status"], "unlinked");
    };
    check_manual(&synced_when(&world, &dest, |b| synced_of(b, &tee).is_some()).await);
    let (status, body) = world
        .api("POST", "/api/synced-products/rematch", Some(&dest), None)
        .await;
    assert_eq!(status, 202, "{body}");
    check_manual(&synced_when(&world, &dest, |_| true).await);

    // A product change in a source re-matches: Southwind now has a LAMP.
    let south_lamp = product(
        &world,
        SOUTHWIND,
        "Lamp",
        &[("Default Title", Some("LAMP"))],
    )[0]
    .clone();
    let body = synced_when(&world, &dest, |b| synced_of(b, &lamp).is_some()).await;
    assert_eq!(
        synced_of(&body, &lamp).unwrap()["source_variant_id"],
        south_lamp.as_str()
    );

    // Disconnecting Southwind drops its mappings and links: TEE now matches Eastwind by SKU.
    let (status, body) = world
        .api(
            "DELETE",
            &format!("/api/connections/{SOUTHWIND}"),
            Some(&dest),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let body = synced_when(&world, &dest, |b| {
        synced_of(b, &tee).is_some_and(|t| t["source"] == EASTWIND)
    })
    .await;
    assert_eq!(
        synced_of(&body, &tee).unwrap()["source_variant_id"],
        east_tee.as_str()
    );
    assert_eq!(synced_of(&body, &tee).unwrap()["linked"], "sku");
    assert!(body["synced"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["source"] != SOUTHWIND));
    assert_eq!(
        not_synced_of(&body, &lamp).unwrap()["reason"],
        json!({"kind": "no_source_variant", "sku": "LAMP"})
    );
    assert_eq!(
        not_synced_of(&body, &mug).unwrap()["status"],
        "unlinked",
        "the unlink stays"
    );
    let (status, _) = world
        .api(
            "DELETE",
            &format!("/api/connections/{SOUTHWIND}"),
            Some(&dest),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = world
        .api("GET", "/api/synced-products", Some(&east), None)
        .await;
    assert_eq!(
        status, 403,
        "a source store has no synced products of its own"
    );
    world.stop().await;
}

#[tokio::test]
async fn another_store_sees_and_changes_nothing_of_the_first() {
    let world = start().await;
    world.sim.sim.mutate(|w| {
        w.add_shop(
            WESTWIND,
            "Westwind Traders",
            "owner@westwind.example",
            "USD",
        );
    });
    let dest = install(&world, NORTHWIND, "destination").await;
    let east = install(&world, EASTWIND, "source").await;
    let mug = product(
        &world,
        NORTHWIND,
        "Secret Mug",
        &[("Blue", Some("SECRET-MUG"))],
    )[0]
    .clone();
    product(&world, EASTWIND, "Mug", &[("Blue", Some("SECRET-MUG"))]);
    let (status, _) = world
        .api(
            "POST",
            "/api/connections",
            Some(&dest),
            Some(json!({ "key": key_of(&world, &east).await })),
        )
        .await;
    assert_eq!(status, 201);
    synced_when(&world, &dest, |b| synced_of(b, &mug).is_some()).await;

    let intruder = install(&world, WESTWIND, "destination").await;
    let victim_key = key_of(&world, &dest).await;
    assert_tenant_isolation(
        &world,
        ordersync_server::http::API_ROUTES,
        &intruder,
        &[
            NORTHWIND,
            "Northwind Supply",
            EASTWIND,
            "SECRET-MUG",
            &victim_key,
        ],
        |method, path| match (method, path) {
            ("PUT", "/api/store/role") => Some(json!({"role": "destination"})),
            ("POST", "/api/connections") => Some(json!({"key": "NOT-A-KEY"})),
            ("PUT", "/api/settings/push") => Some(json!({})),
            ("PUT", "/api/settings/auto-push") => Some(json!({"enabled": false})),
            ("POST", "/api/orders/push") => Some(json!({"orders": [1, 2, 3]})),
            ("PUT", _) => Some(json!({"source": EASTWIND, "source_variant_id": 1})),
            _ => None,
        },
    )
    .await;
    // The intruder's unlink of the victim's variant touched only its own store.
    let (status, _) = world
        .api(
            "DELETE",
            &format!("/api/synced-products/{}", mug.rsplit('/').next().unwrap()),
            Some(&intruder),
            None,
        )
        .await;
    assert_eq!(status, 202);
    let body = synced_when(&world, &dest, |_| true).await;
    assert_eq!(synced_of(&body, &mug).unwrap()["linked"], "sku");
    world.stop().await;
}
