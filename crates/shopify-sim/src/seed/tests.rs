//! The seed format read from JSON and applied to a world.

use super::*;

const EXAMPLE: &str = r#"{
  "apps": [{ "api_key": "key", "secret": "shh", "scopes": ["read_orders"], "title": "Ordersync" }],
  "shops": [{
    "domain": "Northwind.myshopify.com", "name": "Northwind", "currency": "EUR",
    "throttle": { "maximum_available": 100.0, "restore_rate": 10.0 },
    "locations": [{ "name": "Warehouse" }, { "name": "Store", "city": "Berlin" }],
    "products": [{ "title": "Mug", "variants": [{ "sku": "MUG-1", "price": "12.50", "inventory": 5 }] }]
  }],
  "installs": [{ "shop": "northwind.myshopify.com", "app": "key", "token": "shpat_fixed" }]
}"#;

#[test]
fn a_seed_creates_shops_products_and_installs_with_fixed_tokens() {
    let seed: Seed = serde_json::from_str(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let mut world = World::new();
    let report = apply_seed(&mut world, &seed).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.shops, vec!["northwind.myshopify.com"]);
    let shop = world
        .shop("northwind.myshopify.com")
        .unwrap_or_else(|| panic!("no shop"));
    assert_eq!(shop.currency, "EUR");
    assert_eq!(shop.throttle.maximum_available, 100.0);
    let names: Vec<_> = shop.locations.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, vec!["Warehouse", "Store"]);
    assert_eq!(shop.products.len(), 1);
    let installation = shop
        .installation("key")
        .unwrap_or_else(|| panic!("not installed"));
    assert_eq!(installation.tokens[0].token, "shpat_fixed");
    assert_eq!(installation.scopes, vec!["read_orders"]);
}

#[test]
fn a_seed_naming_an_unknown_app_or_field_is_refused() {
    let bad: Result<Seed, _> = serde_json::from_str(r#"{ "shopz": [] }"#);
    assert!(bad.unwrap_err().to_string().contains("shopz"));
    let seed: Seed = serde_json::from_str(
        r#"{ "shops": [{ "domain": "a.myshopify.com" }], "installs": [{ "shop": "a.myshopify.com", "app": "nope" }] }"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let err = apply_seed(&mut World::new(), &seed).unwrap_err();
    assert_eq!(
        err.to_string(),
        "install on a.myshopify.com: no app with api key nope"
    );
}
