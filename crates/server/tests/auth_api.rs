//! The JSON API's session-token authentication and tenant isolation, against shopify-sim over
//! real HTTP.

#![allow(clippy::unwrap_used)]

mod auth_support;

use auth_support::{assert_tenant_isolation, domain, start, EASTWIND, KEY, NORTHWIND, SECRET};
use ordersync_core::StoreRole;
use ordersync_shopify::session_token;
use serde_json::json;

#[tokio::test]
async fn api_routes_need_a_valid_session_token_for_an_installed_shop() {
    let world = start().await;
    world.install(NORTHWIND, "").await;
    let now = chrono::Utc::now().timestamp();
    let claims = |aud: &str, iat: i64| {
        json!({"iss": format!("https://{NORTHWIND}/admin"), "dest": format!("https://{NORTHWIND}"),
               "aud": aud, "sub": "1", "exp": iat + 60, "nbf": iat, "iat": iat})
    };
    let refused = [
        ("no token", None),
        (
            "bad signature",
            Some(session_token::sign("wrong", &claims(KEY, now))),
        ),
        (
            "wrong aud",
            Some(session_token::sign(SECRET, &claims("other-app", now))),
        ),
        (
            "expired",
            Some(session_token::sign(SECRET, &claims(KEY, now - 600))),
        ),
        ("unknown shop", Some(world.session_token(EASTWIND))),
        ("not a jwt", Some("garbage".to_owned())),
    ];
    for (case, token) in refused {
        let (status, body) = world.api("GET", "/api/store", token.as_deref(), None).await;
        assert_eq!(status, 401, "{case}");
        assert_eq!(body, json!({"error": "unauthorized"}), "{case}");
    }

    let token = world.session_token(NORTHWIND);
    let (status, body) = world.api("GET", "/api/store", Some(&token), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["domain"], NORTHWIND);
    assert_eq!(body["name"], "Northwind Supply");
    assert_eq!(body["role"], "destination");
    assert_eq!(body["plan"], "Development");
    assert_eq!(body["installed"], true);
    assert_eq!(body["token"]["state"], "valid");
    // Page loads carry the token as id_token.
    let (status, _, _) = world
        .get(&format!("{}/api/store?id_token={token}", world.base))
        .await;
    assert_eq!(status, 200);

    let (status, body) = world
        .api(
            "PUT",
            "/api/store/role",
            Some(&token),
            Some(json!({"role": "source"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "source");
    let (status, body) = world
        .api(
            "PUT",
            "/api/store/role",
            Some(&token),
            Some(json!({"role": "retailer"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("role"), "{body}");
    world.stop().await;
}

#[tokio::test]
async fn another_shop_sees_nothing_of_the_first() {
    let world = start().await;
    world.install(NORTHWIND, "").await;
    world.install(EASTWIND, "").await;
    let intruder = world.session_token(EASTWIND);
    assert_tenant_isolation(
        &world,
        ordersync_server::http::API_ROUTES,
        &intruder,
        &[NORTHWIND, "Northwind Supply", "owner@northwind.example"],
        |method, path| match (method, path) {
            ("PUT", "/api/store/role") => Some(json!({"role": "source"})),
            ("POST", "/api/connections") => Some(json!({"key": "NOT-A-KEY"})),
            ("PUT", "/api/settings/push") => Some(json!({})),
            ("PUT", "/api/settings/auto-push") => Some(json!({"enabled": false})),
            ("POST", "/api/orders/push") => Some(json!({"orders": [1, 2, 3]})),
            ("PUT", _) => Some(json!({"source": NORTHWIND, "source_variant_id": 1})),
            _ => None,
        },
    )
    .await;
    let victim = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        victim.shop.role,
        StoreRole::Destination,
        "untouched by the other shop"
    );
    world.stop().await;
}
