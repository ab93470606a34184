//! Install and auth against shopify-sim over real HTTP: the OAuth install, the callback's
//! checks, token exchange, expiring tokens and their refresh, webhook registration across
//! installs, re-install after uninstall, session-token auth on the API and tenant isolation.

#![allow(clippy::unwrap_used)]

mod auth_support;

use std::time::Duration;

use auth_support::{assert_tenant_isolation, start, World, EASTWIND, KEY, NORTHWIND, SECRET};
use ordersync_core::{ShopDomain, StoreRole};
use ordersync_shopify::session_token;
use ordersync_store::UnixMillis;
use serde_json::json;
use shopify_sim::oauth::{self, TokenLifetimes};

fn domain(shop: &str) -> ShopDomain {
    ShopDomain::parse(shop).unwrap()
}

fn subscriptions(world: &World, shop: &str) -> Vec<(String, String)> {
    let mut subs: Vec<(String, String)> = world
        .installation(shop)
        .unwrap()
        .webhook_subscriptions
        .iter()
        .map(|s| (s.topic.clone(), s.uri.clone()))
        .collect();
    subs.sort();
    subs
}

fn expected_subscriptions(world: &World) -> Vec<(String, String)> {
    let mut subs: Vec<(String, String)> = ordersync_server::auth::WEBHOOK_TOPICS
        .iter()
        .map(|t| {
            (
                t.replace('/', "_").to_uppercase(),
                format!("{}/webhooks", world.base),
            )
        })
        .collect();
    subs.sort();
    subs
}

#[tokio::test]
async fn oauth_install_records_the_shop_with_sealed_tokens_and_registers_webhooks_once() {
    let world = start().await;
    let landing = world.install(NORTHWIND, "").await;
    assert!(
        landing.starts_with(&format!("{}/?shop={NORTHWIND}&host=", world.base)),
        "{landing}"
    );
    let shop = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert!(shop.installed);
    assert_eq!(shop.shop.name.as_str(), "Northwind Supply");
    assert_eq!(shop.shop.admin_email.as_str(), "owner@northwind.example");
    assert_eq!(shop.shop.role, StoreRole::Destination);

    let installation = world.installation(NORTHWIND).unwrap();
    let live = installation.tokens.iter().find(|t| !t.revoked).unwrap();
    assert!(
        live.expires_at.is_some(),
        "an expiring offline token was asked for"
    );
    let auth = world.store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.plan_name.as_deref(), Some("Development"));
    assert!(auth.tokens.access_expires_at.is_some());
    assert!(auth.tokens.refresh.is_some());
    let needle = live.token.as_bytes();
    assert!(
        !auth
            .tokens
            .access
            .ciphertext
            .windows(needle.len())
            .any(|w| w == needle),
        "the token is not stored in clear"
    );
    let token = world
        .auth
        .access_token(&shop, UnixMillis::now())
        .await
        .unwrap();
    assert_eq!(token, live.token);
    assert_eq!(
        subscriptions(&world, NORTHWIND),
        expected_subscriptions(&world)
    );

    // Installing again (e.g. the merchant opens the install link twice) adds nothing.
    world.install(NORTHWIND, "").await;
    assert_eq!(
        subscriptions(&world, NORTHWIND),
        expected_subscriptions(&world)
    );
    let again = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, shop.id);
    world.stop().await;
}

#[tokio::test]
async fn the_role_can_be_chosen_at_install_and_is_kept_on_reinstall() {
    let world = start().await;
    world.install(EASTWIND, "&role=source").await;
    let shop = world
        .store
        .shop_by_domain(&domain(EASTWIND))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shop.shop.role, StoreRole::Source);
    world.install(EASTWIND, "").await;
    let shop = world
        .store
        .shop_by_domain(&domain(EASTWIND))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shop.shop.role, StoreRole::Source);
    let (status, _, body) = world
        .get(&format!(
            "{}/auth?shop={EASTWIND}&role=supplier",
            world.base
        ))
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("role"), "{body}");
    world.stop().await;
}

#[tokio::test]
async fn callback_refuses_bad_shop_tampered_hmac_and_reused_state() {
    let world = start().await;
    let (status, _, body) = world
        .get(&format!("{}/auth?shop=evil.example.com", world.base))
        .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("shop") && body.contains("myshopify.com"),
        "{body}"
    );
    let (status, _, _) = world.get(&format!("{}/auth", world.base)).await;
    assert_eq!(status, 400);

    let callback = world.authorize(NORTHWIND, "").await;
    let url = reqwest::Url::parse(&callback).unwrap();
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let rebuild = |params: &[(String, String)]| {
        let mut url = url.clone();
        url.query_pairs_mut().clear().extend_pairs(params);
        url.to_string()
    };

    // Tampered hmac.
    let mut tampered = params.clone();
    for (k, v) in &mut tampered {
        if k == "hmac" {
            *v = format!("{}0", &v[..v.len() - 1]);
        }
    }
    let (status, _, _) = world.get(&rebuild(&tampered)).await;
    assert_eq!(status, 400);
    // A changed parameter under the original hmac.
    let mut changed = params.clone();
    for (k, v) in &mut changed {
        if k == "timestamp" {
            v.push('1');
        }
    }
    assert_eq!(world.get(&rebuild(&changed)).await.0, 400);
    // A bad shop correctly signed.
    let mut bad_shop: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "hmac")
        .map(|(k, v)| {
            if k == "shop" {
                (k.clone(), "evil.example.com".to_owned())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    let hmac = oauth::query_hmac(SECRET, &bad_shop);
    bad_shop.push(("hmac".into(), hmac));
    assert_eq!(world.get(&rebuild(&bad_shop)).await.0, 400);
    assert!(world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .is_none());

    // The genuine callback works once; the same state again is refused.
    assert_eq!(world.get(&callback).await.0, 303);
    let (status, _, body) = world.get(&callback).await;
    assert_eq!(status, 400);
    assert!(body.contains("state"), "{body}");
    world.stop().await;
}

#[tokio::test]
async fn token_exchange_installs_from_a_session_token() {
    let world = start().await;
    let token = world.session_token(EASTWIND);
    let (status, body) = world
        .api("POST", "/auth/token-exchange", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["shop"], EASTWIND);
    let shop = world
        .store
        .shop_by_domain(&domain(EASTWIND))
        .await
        .unwrap()
        .unwrap();
    assert!(shop.installed);
    assert_eq!(shop.shop.currency.as_str(), "EUR");
    assert!(world.installation(EASTWIND).unwrap().installed);
    assert_eq!(
        subscriptions(&world, EASTWIND),
        expected_subscriptions(&world)
    );
    let tokens_issued = world.installation(EASTWIND).unwrap().tokens.len();

    // With a usable token already, no second exchange.
    let (status, _) = world
        .api(
            "POST",
            "/auth/token-exchange",
            Some(&world.session_token(EASTWIND)),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        world.installation(EASTWIND).unwrap().tokens.len(),
        tokens_issued
    );

    let forged = session_token::sign(
        "not-the-secret",
        &json!({"dest": format!("https://{EASTWIND}"), "aud": KEY,
                "exp": chrono::Utc::now().timestamp() + 60, "nbf": chrono::Utc::now().timestamp()}),
    );
    let (status, body) = world
        .api("POST", "/auth/token-exchange", Some(&forged), None)
        .await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"error": "unauthorized"}));
    world.stop().await;
}

#[tokio::test]
async fn tokens_close_to_expiry_are_refreshed_and_a_failed_refresh_is_visible() {
    let world = start().await;
    world.sim.sim.oauth().set_lifetimes(TokenLifetimes {
        access: Duration::from_secs(120),
        ..TokenLifetimes::default()
    });
    world.install(NORTHWIND, "").await;
    let shop = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    let first = world
        .installation(NORTHWIND)
        .unwrap()
        .tokens
        .last()
        .unwrap()
        .token
        .clone();

    // Two minutes left is under the five-minute margin: the next use refreshes.
    let token = world
        .auth
        .access_token(&shop, UnixMillis::now())
        .await
        .unwrap();
    assert_ne!(token, first);
    let installation = world.installation(NORTHWIND).unwrap();
    assert!(installation
        .tokens
        .iter()
        .any(|t| t.token == first && t.revoked));
    assert!(installation
        .tokens
        .iter()
        .any(|t| t.token == token && !t.revoked));
    let api = world.auth.admin().shop(NORTHWIND, token.clone());
    assert_eq!(api.shop_info().await.unwrap().name, "Northwind Supply");
    // The periodic pass refreshes what is due.
    assert_eq!(world.auth.refresh_due(UnixMillis::now()).await.unwrap(), 1);

    // Shopify revokes every token (an uninstall ordersync did not hear about): refresh fails.
    assert!(oauth::uninstall(&world.sim.sim, NORTHWIND, KEY));
    let err = world
        .auth
        .access_token(&shop, UnixMillis::now().plus_millis(200_000))
        .await;
    let err = err.unwrap_err();
    assert!(err.is_retryable(), "the work is retried later: {err}");
    assert!(world.auth.refresh_failures() >= 1);
    let auth = world.store.shop_auth(shop.id).await.unwrap().unwrap();
    assert!(auth.last_refresh_error.unwrap().contains("invalid_grant"));

    // The failure is visible to the merchant, without internal detail.
    let (status, body) = world
        .api(
            "GET",
            "/api/store",
            Some(&world.session_token(NORTHWIND)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token"]["state"], "refresh_failed");
    assert!(body["token"]["refresh_failed_at"].is_i64());
    assert!(
        !body.to_string().contains("invalid_grant"),
        "no internal detail: {body}"
    );
    world.stop().await;
}

#[tokio::test]
async fn reinstall_after_uninstall_resumes_with_the_same_store() {
    let world = start().await;
    world.install(NORTHWIND, "&role=source").await;
    let first = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert!(oauth::uninstall(&world.sim.sim, NORTHWIND, KEY));
    // What the app/uninstalled webhook handler does.
    world
        .auth
        .record_uninstall(&domain(NORTHWIND), UnixMillis::now())
        .await
        .unwrap();
    assert!(world
        .installation(NORTHWIND)
        .unwrap()
        .webhook_subscriptions
        .is_empty());
    let (status, _) = world
        .api(
            "GET",
            "/api/store",
            Some(&world.session_token(NORTHWIND)),
            None,
        )
        .await;
    assert_eq!(status, 401, "an uninstalled store has no API");

    world.install(NORTHWIND, "").await;
    let again = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.connection_key, first.connection_key);
    assert_eq!(again.shop.role, StoreRole::Source);
    assert!(again.installed);
    assert_eq!(
        subscriptions(&world, NORTHWIND),
        expected_subscriptions(&world)
    );
    let (status, body) = world
        .api(
            "GET",
            "/api/store",
            Some(&world.session_token(NORTHWIND)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["installed"], true);
    assert_eq!(body["token"]["state"], "valid");
    world.stop().await;
}

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
        |method, _| (method == "PUT").then(|| json!({"role": "source"})),
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

#[tokio::test]
async fn tokens_rotate_reseals_every_token_with_the_new_key() {
    use figment::providers::Serialized;
    use ordersync_server::auth::crypto::TokenCipher;
    use ordersync_server::auth::AuthService;
    use ordersync_server::config::Config;

    let world = start().await;
    world.install(NORTHWIND, "").await;
    world.install(EASTWIND, "").await;
    let north = world
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    let before = world
        .auth
        .access_token(&north, UnixMillis::now())
        .await
        .unwrap();
    let old_id = world.auth.config().cipher.current_key_id().to_owned();

    let new_key = TokenCipher::generate_key();
    let rotated_config = Config::from_figment(
        world
            .figment
            .clone()
            .merge(Serialized::default("token_encryption_key", new_key.clone()))
            .merge(Serialized::default(
                "token_encryption_previous_keys",
                vec![world.key.clone()],
            )),
    )
    .unwrap();
    let rotated = AuthService::new(world.store.clone(), rotated_config.auth).unwrap();
    // Old values still open with the old key configured as previous.
    assert_eq!(
        rotated
            .access_token(&north, UnixMillis::now())
            .await
            .unwrap(),
        before
    );
    let report = rotated.rotate_keys(UnixMillis::now()).await.unwrap();
    assert_eq!((report.resealed, report.current), (2, 0));
    let again = rotated.rotate_keys(UnixMillis::now()).await.unwrap();
    assert_eq!((again.resealed, again.current), (0, 2));
    let auth = world.store.shop_auth(north.id).await.unwrap().unwrap();
    assert_ne!(auth.tokens.access.key_id, old_id);
    assert_eq!(
        auth.tokens.refresh.unwrap().key_id,
        auth.tokens.access.key_id
    );

    // After rotation the old key can be dropped.
    let new_only = Config::from_figment(
        world
            .figment
            .clone()
            .merge(Serialized::default("token_encryption_key", new_key)),
    )
    .unwrap();
    let new_only = AuthService::new(world.store.clone(), new_only.auth).unwrap();
    assert_eq!(
        new_only
            .access_token(&north, UnixMillis::now())
            .await
            .unwrap(),
        before
    );
    // ...and the old key alone no longer opens anything.
    assert!(world
        .auth
        .access_token(&north, UnixMillis::now())
        .await
        .is_err());
    world.stop().await;
}
