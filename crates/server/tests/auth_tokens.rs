//! Keeping tokens usable, against shopify-sim over real HTTP: refresh before expiry (on use
//! and periodic), a failed refresh recorded, retryable and visible, and key rotation.

#![allow(clippy::unwrap_used)]

mod auth_support;

use std::time::Duration;

use auth_support::{domain, start, EASTWIND, KEY, NORTHWIND};
use ordersync_store::UnixMillis;
use shopify_sim::oauth::{self, TokenLifetimes};

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

    // Shopify revokes every token (an uninstall ordersync did not hear about: its
    // `app/uninstalled` webhook is lost): refresh fails.
    world.sim.sim.faults().add(shopify_sim::faults::FaultRule {
        id: 0,
        shop: Some(NORTHWIND.into()),
        operation: Some("app/uninstalled".into()),
        fault: shopify_sim::faults::FaultKind::Drop,
        times: None,
        probability: None,
    });
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
