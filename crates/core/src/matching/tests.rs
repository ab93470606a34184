//! SKU matching: a table of cases per reason and manual choice, and a property over random catalogues.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::testkit::{domain, usd, variant, SUPPLIER_A, SUPPLIER_B};

fn v(id: u64, sku: Option<&str>) -> CatalogVariant {
    CatalogVariant {
        id: variant(id),
        sku: sku.map(|s| Sku::parse(s).unwrap()),
        price: usd(&format!("{id}.50")),
        title: format!("Variant {id}"),
    }
}

fn source(shop: &str, variants: Vec<CatalogVariant>) -> SourceCatalog {
    SourceCatalog {
        shop: domain(shop),
        variants,
    }
}

fn sku(s: &str) -> Sku {
    Sku::parse(s).unwrap()
}

/// (destination variant, source shop, source variant, origin) of each mapping.
fn mapped(o: &MatchOutcome) -> Vec<(u64, String, u64, MatchOrigin)> {
    o.mapped
        .iter()
        .map(|m| {
            (
                m.variant.destination_variant.numeric(),
                m.variant.source_shop.to_string(),
                m.variant.source_variant.numeric(),
                m.origin,
            )
        })
        .collect()
}

fn reasons(o: &MatchOutcome) -> Vec<(u64, NotSyncedReason)> {
    o.not_synced
        .iter()
        .map(|n| (n.variant.numeric(), n.reason.clone()))
        .collect()
}

#[test]
fn skus_match_across_connected_sources_with_a_reason_for_every_miss() {
    let destination = vec![
        v(1, Some("MUG")),
        v(2, None),
        v(3, Some("LAMP")),
        v(4, Some("TEE")),
        v(5, Some("CAP")),
        v(6, Some("CAP")),
        v(7, Some("SOCK")),
    ];
    let sources = vec![
        source(
            SUPPLIER_A,
            vec![v(101, Some("MUG")), v(102, Some("TEE")), v(103, None)],
        ),
        source(
            SUPPLIER_B,
            vec![
                v(201, Some("TEE")),
                v(202, Some("CAP")),
                v(203, Some("SOCK")),
                v(204, Some("SOCK")),
            ],
        ),
    ];
    let o = match_variants(&destination, &sources, &BTreeMap::new());
    assert_eq!(
        mapped(&o),
        vec![(1, SUPPLIER_A.into(), 101, MatchOrigin::Sku)]
    );
    assert_eq!(o.mapped[0].variant.source_price, Some(usd("101.50")));
    assert_eq!(o.mapped[0].variant.sku, sku("MUG"));
    let cases = [
        (2, NotSyncedReason::NoSku, "unmatched"),
        (
            3,
            NotSyncedReason::NoSourceVariant { sku: sku("LAMP") },
            "unmatched",
        ),
        (
            4,
            NotSyncedReason::Ambiguous {
                sku: sku("TEE"),
                stores: vec![domain(SUPPLIER_A), domain(SUPPLIER_B)],
            },
            "ambiguous",
        ),
        (
            5,
            NotSyncedReason::DuplicateDestinationSku { sku: sku("CAP") },
            "ambiguous",
        ),
        (
            6,
            NotSyncedReason::DuplicateDestinationSku { sku: sku("CAP") },
            "ambiguous",
        ),
        (
            7,
            NotSyncedReason::Ambiguous {
                sku: sku("SOCK"),
                stores: vec![domain(SUPPLIER_B)],
            },
            "ambiguous",
        ),
    ];
    assert_eq!(
        reasons(&o),
        cases
            .iter()
            .map(|(id, r, _)| (*id, r.clone()))
            .collect::<Vec<_>>()
    );
    for (id, reason, status) in cases {
        assert_eq!(reason.status(), status, "variant {id}");
    }
    assert!(o.not_synced[2].reason.message().contains(SUPPLIER_A));
    assert!(o.not_synced[2].reason.message().contains(SUPPLIER_B));
}

#[test]
fn manual_choices_override_matching() {
    let destination = vec![
        v(1, Some("MUG")),
        v(2, Some("TEE")),
        v(3, None),
        v(4, None),
        v(5, Some("LAMP")),
    ];
    let sources = vec![
        source(SUPPLIER_A, vec![v(101, Some("MUG")), v(102, Some("TEE"))]),
        source(SUPPLIER_B, vec![v(201, Some("TEE")), v(202, None)]),
    ];
    let link = |shop: &str, id| ManualChoice::Link {
        source_shop: domain(shop),
        source_variant: variant(id),
    };
    let manual = BTreeMap::from([
        (variant(1), ManualChoice::Unlink),
        (variant(2), link(SUPPLIER_B, 201)),
        (variant(3), link(SUPPLIER_B, 202)),
        (variant(4), link(SUPPLIER_A, 102)),
        (variant(5), link(SUPPLIER_A, 999)),
    ]);
    let o = match_variants(&destination, &sources, &manual);
    assert_eq!(
        mapped(&o),
        vec![
            (2, SUPPLIER_B.into(), 201, MatchOrigin::Manual),
            (4, SUPPLIER_A.into(), 102, MatchOrigin::Manual),
        ]
    );
    assert_eq!(o.mapped[1].variant.sku, sku("TEE"), "the source's SKU");
    assert_eq!(
        reasons(&o),
        vec![
            (1, NotSyncedReason::Unlinked),
            (3, NotSyncedReason::LinkedWithoutSku),
            (
                5,
                NotSyncedReason::LinkedVariantMissing {
                    source_shop: domain(SUPPLIER_A),
                    source_variant: variant(999),
                }
            ),
        ]
    );
}

#[test]
fn reasons_round_trip_through_json() {
    let reason = NotSyncedReason::Ambiguous {
        sku: sku("TEE"),
        stores: vec![domain(SUPPLIER_A)],
    };
    let json = serde_json::to_string(&reason).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"ambiguous","sku":"TEE","stores":["supplier-a.myshopify.com"]}"#
    );
    assert_eq!(
        serde_json::from_str::<NotSyncedReason>(&json).unwrap(),
        reason
    );
    assert!(
        serde_json::from_str::<NotSyncedReason>(r#"{"kind":"no_source_variant","sku":" "}"#)
            .is_err()
    );
}

fn arb_variants(ids: std::ops::Range<u64>) -> impl Strategy<Value = Vec<CatalogVariant>> {
    prop::collection::vec(
        (
            ids,
            prop::option::of(prop::sample::select(vec!["A", "B", "C", "D"])),
        ),
        0..8,
    )
    .prop_map(|vs| vs.into_iter().map(|(id, s)| v(id, s)).collect())
}

/// A catalogue as Shopify gives it: each variant once.
fn arb_unique_variants(ids: std::ops::Range<u64>) -> impl Strategy<Value = Vec<CatalogVariant>> {
    prop::collection::btree_map(
        ids,
        prop::option::of(prop::sample::select(vec!["A", "B", "C", "D"])),
        0..8,
    )
    .prop_map(|vs| vs.into_iter().map(|(id, s)| v(id, s)).collect())
}

proptest! {
    #[test]
    fn every_destination_variant_is_mapped_or_explained(
        destination in arb_variants(1..12),
        a in arb_unique_variants(100..112),
        b in arb_unique_variants(200..212),
        unlinked in prop::collection::btree_set(1u64..12, 0..3),
    ) {
        let sources = vec![source(SUPPLIER_A, a), source(SUPPLIER_B, b)];
        let manual: BTreeMap<VariantId, ManualChoice> =
            unlinked.iter().map(|id| (variant(*id), ManualChoice::Unlink)).collect();
        let o = match_variants(&destination, &sources, &manual);
        let distinct: BTreeSet<&VariantId> = destination.iter().map(|v| &v.id).collect();
        let mut covered: Vec<&VariantId> = o.mapped.iter().map(|m| &m.variant.destination_variant)
            .chain(o.not_synced.iter().map(|n| &n.variant)).collect();
        covered.sort();
        prop_assert_eq!(covered, distinct.into_iter().collect::<Vec<_>>());
        for m in &o.mapped {
            let id = &m.variant.destination_variant;
            prop_assert!(!unlinked.contains(&id.numeric()));
            // An SKU mapping is the only source variant with the destination's (unique) SKU.
            let dest_sku = destination.iter().find(|v| &v.id == id).and_then(|v| v.sku.clone());
            prop_assert_eq!(Some(&m.variant.sku), dest_sku.as_ref());
            let holders = sources.iter().flat_map(|s| s.variants.iter().map(move |v| (&s.shop, v)))
                .filter(|(_, v)| v.sku.as_ref() == Some(&m.variant.sku))
                .map(|(shop, v)| (shop.clone(), v.id.clone()))
                .collect::<BTreeSet<_>>();
            prop_assert_eq!(holders.len(), 1);
        }
        for n in &o.not_synced {
            if unlinked.contains(&n.variant.numeric()) {
                prop_assert_eq!(&n.reason, &NotSyncedReason::Unlinked);
            }
        }
    }
}
