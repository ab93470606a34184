//! Shops, connections, synced products and Order Push Settings.

use ordersync_core::{
    EmailContactMethod, Money, OrderPushSettings, ShopDomain, Sku, StoreRole, SyncedVariant,
    VariantId,
};
use ordersync_store::synced::MappingOrigin;
use ordersync_store::{Store, StoreError};

use crate::fixtures::{destination, shop, source, T0};
use crate::harness::contract_tests;

contract_tests!(
    reinstall_keeps_id_and_connection_key,
    connection_key_finds_the_store_and_rotation_retires_it,
    uninstall_keeps_the_shop_marked_uninstalled,
    destination_connects_to_many_sources_but_never_to_a_destination,
    disconnect_removes_the_synced_products_of_that_source,
    synced_products_round_trip_into_a_catalog,
    push_settings_default_then_round_trip,
);

async fn reinstall_keeps_id_and_connection_key(store: &Store) {
    let first = destination(store).await;
    let mut renamed = first.shop.clone();
    renamed.name = ordersync_core::ShopName::parse("Retail Renamed").unwrap();
    let again = store
        .upsert_shop(&renamed, T0.plus_millis(5))
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.connection_key, first.connection_key);
    assert_eq!(again.shop.name.as_str(), "Retail Renamed");
    assert_eq!(again.created_at, T0);
    assert_eq!(again.updated_at, T0.plus_millis(5));
}

async fn connection_key_finds_the_store_and_rotation_retires_it(store: &Store) {
    let supplier = source(store, "northwind").await;
    let found = store
        .shop_by_connection_key(&format!("  {} ", supplier.connection_key))
        .await
        .unwrap();
    assert_eq!(found.map(|s| s.id), Some(supplier.id));
    let new_key = store
        .rotate_connection_key(&supplier.shop.domain, T0)
        .await
        .unwrap();
    assert_ne!(new_key, supplier.connection_key);
    assert!(store
        .shop_by_connection_key(&supplier.connection_key)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .shop_by_connection_key(&new_key)
            .await
            .unwrap()
            .map(|s| s.id),
        Some(supplier.id)
    );
}

async fn uninstall_keeps_the_shop_marked_uninstalled(store: &Store) {
    let d = destination(store).await;
    store
        .set_shop_installed(&d.shop.domain, false, T0.plus_millis(1))
        .await
        .unwrap();
    let after = store.shop_by_domain(&d.shop.domain).await.unwrap().unwrap();
    assert!(!after.installed);
    let reinstalled = store.upsert_shop(&d.shop, T0.plus_millis(2)).await.unwrap();
    assert!(reinstalled.installed);
    let missing = ShopDomain::parse("nobody.myshopify.com").unwrap();
    assert!(matches!(
        store.set_shop_installed(&missing, false, T0).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn destination_connects_to_many_sources_but_never_to_a_destination(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let b = source(store, "bravo").await;
    store.connect_stores(&d, &b, T0).await.unwrap();
    store.connect_stores(&d, &a, T0).await.unwrap();
    store.connect_stores(&d, &a, T0).await.unwrap(); // twice is harmless
    let sources: Vec<_> = store
        .source_stores_of(d.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(sources, vec![a.id, b.id]);
    let dests: Vec<_> = store
        .destination_stores_of(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(dests, vec![d.id]);

    let other = store
        .upsert_shop(&shop("other.myshopify.com", StoreRole::Destination), T0)
        .await
        .unwrap();
    let err = store.connect_stores(&d, &other, T0).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let err = store.connect_stores(&a, &b, T0).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(store.source_stores_of(d.id).await.unwrap().len(), 2);

    // Restricted to some domains: only connected stores among them, by domain, once each.
    let charlie = source(store, "charlie").await; // not connected
    assert_eq!(
        among(
            store,
            d.id,
            vec![
                b.shop.domain.clone(),
                charlie.shop.domain.clone(),
                a.shop.domain.clone(),
                b.shop.domain.clone(),
            ]
        )
        .await,
        vec![a.id, b.id]
    );
    assert_eq!(
        among(store, d.id, vec![b.shop.domain.clone()]).await,
        vec![b.id]
    );
    assert_eq!(
        among(store, d.id, vec![charlie.shop.domain.clone()]).await,
        Vec::<i64>::new()
    );
    assert_eq!(among(store, d.id, Vec::new()).await, Vec::<i64>::new());
    assert!(store
        .source_stores_among(a.id, std::slice::from_ref(&b.shop.domain))
        .await
        .unwrap()
        .is_empty());
}

async fn among(store: &Store, destination_id: i64, domains: Vec<ShopDomain>) -> Vec<i64> {
    store
        .source_stores_among(destination_id, &domains)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

fn mapping(
    dest_variant: u64,
    source: &ShopDomain,
    source_variant: u64,
    sku: &str,
) -> SyncedVariant {
    SyncedVariant {
        destination_variant: VariantId::from_numeric(dest_variant).unwrap(),
        source_shop: source.clone(),
        source_variant: VariantId::from_numeric(source_variant).unwrap(),
        sku: Sku::parse(sku).unwrap(),
        source_price: Some(Money::parse("12.50", "USD").unwrap()),
    }
}

async fn disconnect_removes_the_synced_products_of_that_source(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let b = source(store, "bravo").await;
    store.connect_stores(&d, &a, T0).await.unwrap();
    store.connect_stores(&d, &b, T0).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.upsert_synced_variant(
        d.id,
        a.id,
        &mapping(1, &a.shop.domain, 101, "A-1"),
        MappingOrigin::SkuMatch,
        T0,
    )
    .await
    .unwrap();
    tx.upsert_synced_variant(
        d.id,
        b.id,
        &mapping(2, &b.shop.domain, 201, "B-1"),
        MappingOrigin::Manual,
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(store.disconnect_stores(d.id, a.id).await.unwrap());
    assert!(!store.disconnect_stores(d.id, a.id).await.unwrap());
    let left = store.synced_variants(d.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].variant.sku.as_str(), "B-1");
    assert_eq!(left[0].origin, MappingOrigin::Manual);
}

async fn synced_products_round_trip_into_a_catalog(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    store.connect_stores(&d, &a, T0).await.unwrap();
    let m1 = mapping(1, &a.shop.domain, 101, "A-1");
    let mut m2 = mapping(2, &a.shop.domain, 102, "A-2");
    m2.source_price = None;
    let mut tx = store.begin().await.unwrap();
    tx.upsert_synced_variant(d.id, a.id, &m1, MappingOrigin::SkuMatch, T0)
        .await
        .unwrap();
    tx.upsert_synced_variant(d.id, a.id, &m2, MappingOrigin::SkuMatch, T0)
        .await
        .unwrap();
    // Re-linking a destination variant replaces its mapping rather than adding a second one.
    let relinked = mapping(2, &a.shop.domain, 103, "A-2");
    tx.upsert_synced_variant(d.id, a.id, &relinked, MappingOrigin::Manual, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let catalog = store.synced_catalog(d.id).await.unwrap();
    assert_eq!(catalog.len(), 2);
    assert_eq!(
        catalog.lookup(&VariantId::from_numeric(1).unwrap()),
        Some(&m1)
    );
    assert_eq!(
        catalog.lookup(&VariantId::from_numeric(2).unwrap()),
        Some(&relinked)
    );
    assert!(catalog
        .lookup(&VariantId::from_numeric(3).unwrap())
        .is_none());

    let mut tx = store.begin().await.unwrap();
    assert!(tx
        .remove_synced_variant(d.id, &VariantId::from_numeric(1).unwrap())
        .await
        .unwrap());
    assert!(!tx
        .remove_synced_variant(d.id, &VariantId::from_numeric(1).unwrap())
        .await
        .unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.synced_catalog(d.id).await.unwrap().len(), 1);
}

async fn push_settings_default_then_round_trip(store: &Store) {
    let d = destination(store).await;
    let defaults = store.push_settings(d.id).await.unwrap();
    assert_eq!(defaults, OrderPushSettings::default());
    assert!(!defaults.auto_push, "automated push is off by default");

    let mut settings = OrderPushSettings::default();
    settings.auto_push = true;
    settings.contact =
        EmailContactMethod::Custom(ordersync_core::Email::parse("ops@retail.example").unwrap());
    settings.hold_minutes = ordersync_core::settings::HoldMinutes::new(15).unwrap();
    store.save_push_settings(d.id, &settings, T0).await.unwrap();
    assert_eq!(store.push_settings(d.id).await.unwrap(), settings);
    settings.auto_push = false;
    store.save_push_settings(d.id, &settings, T0).await.unwrap();
    assert_eq!(store.push_settings(d.id).await.unwrap(), settings);
}
