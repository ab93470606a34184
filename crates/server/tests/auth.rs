//! Installing against shopify-sim over real HTTP: the OAuth install, the callback's checks,
//! token exchange, the role, webhook registration across installs, re-install after uninstall.

#![allow(clippy::unwrap_used)]

mod auth_support;

use auth_support::{
    domain, expected_subscriptions, start, subscriptions, EASTWIND, KEY, NORTHWIND, SECRET,
};
use ordersync_core::StoreRole;
use ordersync_shopify::session_token;
use ordersync_store::UnixMillis;
use serde_json::json;
use shopify_sim::oauth;

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
            // Another last digit (one hmac in 16 already ends in 0).
            let last = if v.ends_with('0') { '1' } else { '0' };
            *v = format!("{}{last}", &v[..v.len() - 1]);
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
    // The uninstall's own app/uninstalled webhook may arrive before or after the re-install; in
    // either order the store ends installed. Wait until it was processed.
    let mut processed = false;
    for _ in 0..800 {
        processed = world
            .store
            .webhook_receipts_of_shop(NORTHWIND)
            .await
            .unwrap()
            .iter()
            .any(|r| {
                r.topic == "app/uninstalled"
                    && r.status == ordersync_store::webhooks::ReceiptStatus::Processed
            });
        if processed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        processed,
        "the app/uninstalled webhook was delivered and processed"
    );
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
