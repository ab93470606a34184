//! Re-match results (synced products and unsynced variants with reasons) and the merchant's
//! manual links and unlinks.

use std::collections::BTreeMap;

use ordersync_core::{
    match_variants, CatalogVariant, ManualChoice, Money, NotSyncedReason, ShopDomain, Sku,
    SourceCatalog, VariantId,
};
use ordersync_store::synced::MappingOrigin;
use ordersync_store::Store;

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;

contract_tests!(
    a_rematch_replaces_mappings_and_reasons,
    manual_choices_round_trip_and_unlink_removes_the_mapping_at_once,
    disconnect_drops_the_links_to_that_source,
);

fn variant(n: u64) -> VariantId {
    VariantId::from_numeric(n).unwrap()
}

fn cv(n: u64, sku: Option<&str>) -> CatalogVariant {
    CatalogVariant {
        id: variant(n),
        sku: sku.map(|s| Sku::parse(s).unwrap()),
        price: Money::parse("12.50", "USD").unwrap(),
        title: format!("Mug - {n}"),
    }
}

async fn a_rematch_replaces_mappings_and_reasons(store: &Store) {
    let dest = destination(store).await;
    let a = source(store, "north").await;
    let b = source(store, "south").await;
    let sources = vec![
        SourceCatalog {
            shop: a.shop.domain.clone(),
            variants: vec![cv(101, Some("MUG")), cv(102, Some("TEE"))],
        },
        SourceCatalog {
            shop: b.shop.domain.clone(),
            variants: vec![cv(201, Some("TEE"))],
        },
    ];
    let ids = BTreeMap::from([(a.shop.domain.clone(), a.id), (b.shop.domain.clone(), b.id)]);
    let destination_variants = vec![cv(1, Some("MUG")), cv(2, Some("TEE")), cv(3, None)];
    let outcome = match_variants(&destination_variants, &sources, &BTreeMap::new());
    let mut tx = store.begin().await.unwrap();
    tx.replace_match(dest.id, &outcome, &ids, T0).await.unwrap();
    tx.commit().await.unwrap();

    let synced = store.synced_variants(dest.id).await.unwrap();
    assert_eq!(synced.len(), 1);
    assert_eq!(synced[0].variant.destination_variant, variant(1));
    assert_eq!(synced[0].variant.source_variant, variant(101));
    assert_eq!(synced[0].origin, MappingOrigin::SkuMatch);
    assert_eq!(
        synced[0].variant.source_price,
        Some(Money::parse("12.50", "USD").unwrap())
    );
    let unsynced = store.unsynced_variants(dest.id, 100).await.unwrap();
    let got: Vec<(u64, String, Option<String>, NotSyncedReason)> = unsynced
        .iter()
        .map(|u| {
            (
                u.variant.numeric(),
                u.title.clone(),
                u.sku.as_ref().map(|s| s.to_string()),
                u.reason.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                2,
                "Mug - 2".into(),
                Some("TEE".into()),
                NotSyncedReason::Ambiguous {
                    sku: Sku::parse("TEE").unwrap(),
                    stores: vec![a.shop.domain.clone(), b.shop.domain.clone()],
                }
            ),
            (3, "Mug - 3".into(), None, NotSyncedReason::NoSku),
        ],
        "ambiguous sorts before unmatched"
    );
    assert_eq!(store.unsynced_variants(dest.id, 1).await.unwrap().len(), 1);

    // The next re-match replaces everything: TEE is gone from the south store.
    let sources = vec![sources[0].clone()];
    let outcome = match_variants(&destination_variants, &sources, &BTreeMap::new());
    let mut tx = store.begin().await.unwrap();
    tx.replace_match(dest.id, &outcome, &ids, T0.plus_millis(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let synced = store.synced_variants(dest.id).await.unwrap();
    assert_eq!(
        synced
            .iter()
            .map(|s| s.variant.destination_variant.numeric())
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        store
            .unsynced_variants(dest.id, 100)
            .await
            .unwrap()
            .iter()
            .map(|u| u.variant.numeric())
            .collect::<Vec<_>>(),
        vec![3]
    );
}

async fn manual_choices_round_trip_and_unlink_removes_the_mapping_at_once(store: &Store) {
    let dest = destination(store).await;
    let a = source(store, "north").await;
    let sources = vec![SourceCatalog {
        shop: a.shop.domain.clone(),
        variants: vec![cv(101, Some("MUG")), cv(102, Some("TEE"))],
    }];
    let ids = BTreeMap::from([(a.shop.domain.clone(), a.id)]);
    let outcome = match_variants(
        &[cv(1, Some("MUG")), cv(2, None)],
        &sources,
        &BTreeMap::new(),
    );
    let mut tx = store.begin().await.unwrap();
    tx.replace_match(dest.id, &outcome, &ids, T0).await.unwrap();
    tx.set_variant_choice(dest.id, &variant(2), Some((a.id, &variant(102))), T0)
        .await
        .unwrap();
    tx.set_variant_choice(dest.id, &variant(1), None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        store.synced_variants(dest.id).await.unwrap().is_empty(),
        "unlinking takes the mapping away before any re-match"
    );
    let choices = store.variant_choices(dest.id).await.unwrap();
    assert_eq!(
        choices,
        BTreeMap::from([
            (variant(1), ManualChoice::Unlink),
            (
                variant(2),
                ManualChoice::Link {
                    source_shop: a.shop.domain.clone(),
                    source_variant: variant(102),
                }
            ),
        ])
    );
    // A later choice replaces the earlier one.
    let mut tx = store.begin().await.unwrap();
    tx.set_variant_choice(dest.id, &variant(2), None, T0.plus_millis(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.variant_choices(dest.id).await.unwrap()[&variant(2)],
        ManualChoice::Unlink
    );
    let other = source(store, "elsewhere").await;
    assert!(store.variant_choices(other.id).await.unwrap().is_empty());
}

async fn disconnect_drops_the_links_to_that_source(store: &Store) {
    let dest = destination(store).await;
    let a = source(store, "north").await;
    let b = source(store, "south").await;
    store.connect_stores(&dest, &a, T0).await.unwrap();
    store.connect_stores(&dest, &b, T0).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.set_variant_choice(dest.id, &variant(1), Some((a.id, &variant(101))), T0)
        .await
        .unwrap();
    tx.set_variant_choice(dest.id, &variant(2), Some((b.id, &variant(201))), T0)
        .await
        .unwrap();
    tx.set_variant_choice(dest.id, &variant(3), None, T0)
        .await
        .unwrap();
    assert!(tx.disconnect_stores(dest.id, a.id).await.unwrap());
    tx.commit().await.unwrap();
    let choices = store.variant_choices(dest.id).await.unwrap();
    let south: ShopDomain = b.shop.domain.clone();
    assert_eq!(
        choices,
        BTreeMap::from([
            (
                variant(2),
                ManualChoice::Link {
                    source_shop: south,
                    source_variant: variant(201),
                }
            ),
            (variant(3), ManualChoice::Unlink),
        ])
    );
    assert!(!store.disconnect_stores(dest.id, a.id).await.unwrap());
}
