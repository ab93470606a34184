//! Install and auth: sealed tokens, refresh bookkeeping, uninstall, OAuth state nonces, roles.

use ordersync_core::{ShopDomain, StoreRole};
use ordersync_store::auth::{SealedSecret, SealedTokens};
use ordersync_store::{Store, StoreError};

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;

contract_tests!(
    install_stores_sealed_tokens_and_reinstall_replaces_them,
    refresh_is_compare_and_set_and_failures_stay_visible_until_a_success,
    expiring_tokens_are_found_soonest_first_and_uninstalled_shops_skipped,
    oauth_state_is_single_use_bound_to_its_shop_and_expires,
    role_changes_unless_connected,
);

fn sealed(key: &str, bytes: &[u8]) -> SealedSecret {
    SealedSecret {
        key_id: key.into(),
        ciphertext: bytes.to_vec(),
    }
}

fn tokens(access: &[u8], expires: Option<i64>) -> SealedTokens {
    SealedTokens {
        access: sealed("k1", access),
        access_expires_at: expires.map(|ms| T0.plus_millis(ms)),
        refresh: Some(sealed("k1", b"refresh")),
        refresh_expires_at: Some(T0.plus_millis(1_000_000)),
        scopes: "read_orders,write_orders".into(),
    }
}

async fn install_stores_sealed_tokens_and_reinstall_replaces_them(store: &Store) {
    let shop = destination(store).await;
    assert!(store.shop_auth(shop.id).await.unwrap().is_none());
    let mut tx = store.begin().await.unwrap();
    tx.save_install(shop.id, &tokens(b"a1", Some(3600)), Some("Basic"), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let auth = store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.tokens, tokens(b"a1", Some(3600)));
    assert_eq!(auth.plan_name.as_deref(), Some("Basic"));
    assert_eq!(auth.installed_at, T0);

    store
        .record_uninstall(shop.id, T0.plus_millis(10))
        .await
        .unwrap();
    store
        .record_refresh_failure(shop.id, "refused", T0.plus_millis(11))
        .await
        .unwrap();
    let auth = store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.uninstalled_at, Some(T0.plus_millis(10)));

    let mut tx = store.begin().await.unwrap();
    tx.save_install(shop.id, &tokens(b"a2", None), None, T0.plus_millis(20))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let auth = store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.tokens.access.ciphertext, b"a2");
    assert_eq!(auth.installed_at, T0.plus_millis(20));
    assert_eq!(auth.uninstalled_at, None);
    assert_eq!(auth.last_refresh_error, None);
}

async fn refresh_is_compare_and_set_and_failures_stay_visible_until_a_success(store: &Store) {
    let shop = destination(store).await;
    let mut tx = store.begin().await.unwrap();
    tx.save_install(shop.id, &tokens(b"a1", Some(60)), None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store
        .record_refresh_failure(shop.id, "invalid_grant", T0.plus_millis(5))
        .await
        .unwrap();
    let auth = store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.last_refresh_error.as_deref(), Some("invalid_grant"));
    assert_eq!(auth.last_refresh_failed_at, Some(T0.plus_millis(5)));

    let stale = sealed("k1", b"not-the-stored-one");
    assert!(!store
        .replace_tokens(shop.id, &stale, &tokens(b"a2", Some(120)), true, T0)
        .await
        .unwrap());
    // Re-sealing (key rotation) keeps the failure visible.
    let mut resealed = tokens(b"a1-resealed", Some(60));
    resealed.access.key_id = "k2".into();
    assert!(store
        .replace_tokens(shop.id, &sealed("k1", b"a1"), &resealed, false, T0)
        .await
        .unwrap());
    let auth = store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.tokens.access.key_id, "k2");
    assert_eq!(auth.last_refresh_error.as_deref(), Some("invalid_grant"));
    // A refresh clears it.
    assert!(store
        .replace_tokens(
            shop.id,
            &sealed("k2", b"a1-resealed"),
            &tokens(b"a2", Some(120)),
            true,
            T0
        )
        .await
        .unwrap());
    let auth = store.shop_auth(shop.id).await.unwrap().unwrap();
    assert_eq!(auth.tokens.access.ciphertext, b"a2");
    assert_eq!(auth.last_refresh_error, None);
    assert!(matches!(
        store.record_refresh_failure(999_999, "x", T0).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn expiring_tokens_are_found_soonest_first_and_uninstalled_shops_skipped(store: &Store) {
    let a = source(store, "alpha").await;
    let b = source(store, "bravo").await;
    let c = source(store, "charlie").await;
    let d = source(store, "delta").await;
    let mut tx = store.begin().await.unwrap();
    tx.save_install(a.id, &tokens(b"a", Some(500)), None, T0)
        .await
        .unwrap();
    tx.save_install(b.id, &tokens(b"b", Some(100)), None, T0)
        .await
        .unwrap();
    tx.save_install(c.id, &tokens(b"c", None), None, T0)
        .await
        .unwrap();
    tx.save_install(d.id, &tokens(b"d", Some(50)), None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.record_uninstall(d.id, T0).await.unwrap();
    let due = store
        .shop_auth_expiring_before(T0.plus_millis(1000), 10)
        .await
        .unwrap();
    let ids: Vec<i64> = due.iter().map(|x| x.shop_id).collect();
    assert_eq!(ids, vec![b.id, a.id]);
    let page = store.shop_auth_page(0, 3).await.unwrap();
    assert_eq!(page.len(), 3);
    let rest = store.shop_auth_page(page[2].shop_id, 3).await.unwrap();
    assert_eq!(rest.len(), 1);
}

async fn oauth_state_is_single_use_bound_to_its_shop_and_expires(store: &Store) {
    let shop = ShopDomain::parse("retail.myshopify.com").unwrap();
    let other = ShopDomain::parse("other.myshopify.com").unwrap();
    let exp = T0.plus_millis(600_000);
    store
        .create_oauth_state("n1", &shop, Some(StoreRole::Source), exp, T0)
        .await
        .unwrap();
    store
        .create_oauth_state("n2", &shop, None, exp, T0)
        .await
        .unwrap();
    store
        .create_oauth_state("n3", &shop, None, exp, T0)
        .await
        .unwrap();
    assert_eq!(
        store.take_oauth_state("n1", &shop, T0).await.unwrap(),
        Some(Some(StoreRole::Source))
    );
    assert_eq!(store.take_oauth_state("n1", &shop, T0).await.unwrap(), None);
    assert_eq!(
        store.take_oauth_state("n2", &other, T0).await.unwrap(),
        None
    );
    assert_eq!(store.take_oauth_state("n2", &shop, T0).await.unwrap(), None);
    assert_eq!(
        store
            .take_oauth_state("n3", &shop, exp.plus_millis(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.take_oauth_state("unknown", &shop, T0).await.unwrap(),
        None
    );
}

async fn role_changes_unless_connected(store: &Store) {
    let retail = destination(store).await;
    let changed = store
        .set_shop_role(&retail.shop.domain, StoreRole::Source, T0.plus_millis(1))
        .await
        .unwrap();
    assert_eq!(changed.shop.role, StoreRole::Source);
    let back = store
        .set_shop_role(
            &retail.shop.domain,
            StoreRole::Destination,
            T0.plus_millis(2),
        )
        .await
        .unwrap();
    assert_eq!(back.shop.role, StoreRole::Destination);
    let supplier = source(store, "northwind").await;
    store.connect_stores(&retail, &supplier, T0).await.unwrap();
    assert!(matches!(
        store
            .set_shop_role(&retail.shop.domain, StoreRole::Source, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(store
        .set_shop_role(&retail.shop.domain, StoreRole::Destination, T0)
        .await
        .is_ok());
}
