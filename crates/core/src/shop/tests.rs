//! Tests for `shop`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::testkit::{
    self, destination_shop, domain, shop, synced, usd, variant, SUPPLIER_A, SUPPLIER_B,
};

#[test]
fn store_role_as_str_parse_and_serde() {
    for role in [StoreRole::Destination, StoreRole::Source] {
        assert_eq!(StoreRole::parse(role.as_str()).unwrap(), role);
        let json = serde_json::to_string(&role).unwrap();
        assert_eq!(json, format!("\"{}\"", role.as_str()));
        assert_eq!(serde_json::from_str::<StoreRole>(&json).unwrap(), role);
    }
    assert_eq!(
        StoreRole::parse("Source"),
        Err(ShopError::InvalidRole("Source".to_owned()))
    );
}

#[test]
fn shop_name_is_trimmed_non_empty_and_bounded() {
    assert_eq!(ShopName::parse("  Acme ").unwrap().as_str(), "Acme");
    assert!(ShopName::parse(&"n".repeat(255)).is_ok());
    for bad in ["", "  ", &"n".repeat(256)] {
        assert_eq!(
            ShopName::parse(bad),
            Err(ShopError::InvalidName(bad.to_owned()))
        );
    }
    assert!(serde_json::from_str::<ShopName>(r#""""#).is_err());
}

#[test]
fn shop_serde_round_trips() {
    let s = destination_shop();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Shop>(&json).unwrap(), s);
}

#[test]
fn connection_needs_a_destination_and_a_different_source() {
    let dest = destination_shop();
    let source = shop(SUPPLIER_A, "Supplier A", StoreRole::Source);
    let other_dest = shop(SUPPLIER_B, "Other", StoreRole::Destination);

    let c = Connection::new(&dest, &source).unwrap();
    assert_eq!(c.destination(), &dest.domain);
    assert_eq!(c.source(), &source.domain);

    assert_eq!(
        Connection::new(&source, &source),
        Err(ConnectionError::NotADestination(source.domain.clone()))
    );
    assert_eq!(
        Connection::new(&dest, &other_dest),
        Err(ConnectionError::NotASource(other_dest.domain.clone()))
    );
    let mut same_as_source = dest.clone();
    same_as_source.role = StoreRole::Source;
    assert_eq!(
        Connection::new(&dest, &same_as_source),
        Err(ConnectionError::SameShop(dest.domain.clone()))
    );
}

#[test]
fn connection_serde_round_trips_and_rejects_same_shop() {
    let c = Connection::from_domains(domain(testkit::DEST), domain(SUPPLIER_A)).unwrap();
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<Connection>(&json).unwrap(), c);
    let same = format!(r#"{{"destination":"{SUPPLIER_A}","source":"{SUPPLIER_A}"}}"#);
    assert!(serde_json::from_str::<Connection>(&same).is_err());
}

#[test]
fn catalog_looks_up_synced_variants() {
    let catalog = testkit::catalog();
    assert_eq!(catalog.len(), 3);
    assert!(!catalog.is_empty());
    let found = catalog.lookup(&variant(102)).unwrap();
    assert_eq!(found.source_shop, domain(SUPPLIER_B));
    assert_eq!(found.source_variant, variant(202));
    assert!(catalog.lookup(&variant(999)).is_none());
    let shops: Vec<&str> = catalog
        .source_shops()
        .into_iter()
        .map(|d| d.as_str())
        .collect();
    assert_eq!(shops, vec![SUPPLIER_A, SUPPLIER_B]);
    assert_eq!(catalog.iter().count(), 3);
}

#[test]
fn catalog_rejects_two_mappings_for_one_destination_variant() {
    let result = SyncedCatalog::new([
        synced(101, SUPPLIER_A, 201, "A"),
        synced(101, SUPPLIER_B, 202, "B"),
    ]);
    assert_eq!(
        result,
        Err(CatalogError::DuplicateDestinationVariant(variant(101)))
    );
}

#[test]
fn empty_catalog() {
    let catalog = SyncedCatalog::new([]).unwrap();
    assert!(catalog.is_empty());
    assert_eq!(catalog.len(), 0);
    assert!(catalog.source_shops().is_empty());
}

#[test]
fn catalog_serde_round_trips_and_validates() {
    let catalog = testkit::catalog();
    let json = serde_json::to_string(&catalog).unwrap();
    let back: SyncedCatalog = serde_json::from_str(&json).unwrap();
    assert_eq!(back, catalog);
    assert_eq!(
        back.lookup(&variant(101)).unwrap().source_price,
        Some(usd("6.00"))
    );

    let dup = serde_json::to_string(&vec![
        synced(101, SUPPLIER_A, 201, "A"),
        synced(101, SUPPLIER_A, 202, "B"),
    ])
    .unwrap();
    assert!(serde_json::from_str::<SyncedCatalog>(&dup).is_err());
}
