//! Tests for `ids`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn shop_domain_accepts_myshopify_domains_and_lowercases() {
    for (input, stored) in [
        ("my-store.myshopify.com", "my-store.myshopify.com"),
        ("My_Store1.MyShopify.com", "my_store1.myshopify.com"),
        ("a.myshopify.com", "a.myshopify.com"),
        ("9shop.myshopify.com", "9shop.myshopify.com"),
    ] {
        let domain = ShopDomain::parse(input).unwrap();
        assert_eq!(domain.as_str(), stored);
        assert_eq!(domain.to_string(), stored);
    }
}

#[test]
fn shop_domain_rejects_other_domains() {
    for bad in [
        "",
        ".myshopify.com",
        "-shop.myshopify.com",
        "_shop.myshopify.com",
        "shop.example.com",
        "shop.myshopify.com.evil.com",
        "sub.shop.myshopify.com",
        "shop .myshopify.com",
        " shop.myshopify.com",
        "https://shop.myshopify.com",
        "shop.myshopifyxcom",
    ] {
        assert_eq!(
            ShopDomain::parse(bad),
            Err(IdError::InvalidShopDomain(bad.to_owned())),
            "{bad:?}"
        );
    }
}

#[test]
fn shop_domain_serde_is_a_validated_string() {
    let d = ShopDomain::parse("Shop.myshopify.com").unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(json, r#""shop.myshopify.com""#);
    assert_eq!(serde_json::from_str::<ShopDomain>(&json).unwrap(), d);
    assert!(serde_json::from_str::<ShopDomain>(r#""shop.example.com""#).is_err());
}

#[test]
fn gids_parse_their_own_resource() {
    let order = OrderId::parse("gid://shopify/Order/1001").unwrap();
    assert_eq!(order.numeric(), 1001);
    assert_eq!(order.as_str(), "gid://shopify/Order/1001");
    assert_eq!(order.to_string(), "gid://shopify/Order/1001");
    assert_eq!(
        LineItemId::parse("gid://shopify/LineItem/5")
            .unwrap()
            .numeric(),
        5
    );
    assert_eq!(
        VariantId::parse("gid://shopify/ProductVariant/7")
            .unwrap()
            .numeric(),
        7
    );
    assert_eq!(
        ProductId::parse("gid://shopify/Product/8")
            .unwrap()
            .numeric(),
        8
    );
    assert_eq!(
        CustomerId::parse("gid://shopify/Customer/9")
            .unwrap()
            .numeric(),
        9
    );
    assert_eq!(
        FulfillmentId::parse("gid://shopify/Fulfillment/10")
            .unwrap()
            .numeric(),
        10
    );
    assert_eq!(
        FulfillmentOrderId::parse("gid://shopify/FulfillmentOrder/11")
            .unwrap()
            .numeric(),
        11
    );
}

#[test]
fn gids_reject_wrong_resource_zero_and_suffixes() {
    for bad in [
        "",
        "1001",
        "gid://shopify/Order/",
        "gid://shopify/Order/0",
        "gid://shopify/Order/-1",
        "gid://shopify/Order/+1",
        "gid://shopify/Order/12a",
        "gid://shopify/Order/1?key=value",
        "gid://shopify/OrderX/1",
        "gid://shopify/LineItem/1",
        "gid://shopify/order/1",
        "gid://other/Order/1",
        "gid://shopify/Order/99999999999999999999999",
    ] {
        assert_eq!(
            OrderId::parse(bad),
            Err(IdError::InvalidGid {
                resource: "Order",
                value: bad.to_owned()
            }),
            "{bad:?}"
        );
    }
    assert!(FulfillmentId::parse("gid://shopify/FulfillmentOrder/1").is_err());
    assert!(ProductId::parse("gid://shopify/ProductVariant/1").is_err());
}

#[test]
fn gid_from_numeric_round_trips_and_rejects_zero() {
    let v = VariantId::from_numeric(42).unwrap();
    assert_eq!(v.as_str(), "gid://shopify/ProductVariant/42");
    assert_eq!(VariantId::parse(v.as_str()).unwrap(), v);
    assert!(VariantId::from_numeric(0).is_err());
}

#[test]
fn gids_order_by_number_and_canonicalise_leading_zeros() {
    let small = OrderId::from_numeric(9).unwrap();
    let big = OrderId::from_numeric(10).unwrap();
    assert!(small < big);
    assert_eq!(
        OrderId::parse("gid://shopify/Order/007").unwrap().as_str(),
        "gid://shopify/Order/7"
    );
}

#[test]
fn gid_serde_is_a_validated_string() {
    let id = LineItemId::from_numeric(3).unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, r#""gid://shopify/LineItem/3""#);
    assert_eq!(serde_json::from_str::<LineItemId>(&json).unwrap(), id);
    assert!(serde_json::from_str::<OrderId>(&json).is_err());
}

#[test]
fn order_name_is_trimmed_and_bounded() {
    assert_eq!(OrderName::parse(" #1001 ").unwrap().as_str(), "#1001");
    assert_eq!(OrderName::parse("EU-1001").unwrap().as_str(), "EU-1001");
    assert!(OrderName::parse(&"é".repeat(64)).is_ok());
    for bad in ["", "   ", &"x".repeat(65)] {
        assert_eq!(
            OrderName::parse(bad),
            Err(IdError::InvalidOrderName(bad.to_owned()))
        );
    }
    let json = serde_json::to_string(&OrderName::parse("#1").unwrap()).unwrap();
    assert_eq!(
        serde_json::from_str::<OrderName>(&json).unwrap().as_str(),
        "#1"
    );
    assert!(serde_json::from_str::<OrderName>(r#""  ""#).is_err());
}

#[test]
fn sku_is_trimmed_and_bounded() {
    assert_eq!(Sku::parse(" ABC-1 ").unwrap().as_str(), "ABC-1");
    assert!(Sku::parse(&"x".repeat(255)).is_ok());
    for bad in ["", " \t", &"x".repeat(256)] {
        assert_eq!(Sku::parse(bad), Err(IdError::InvalidSku(bad.to_owned())));
    }
    assert!(serde_json::from_str::<Sku>(r#""""#).is_err());
}

#[test]
fn errors_name_the_problem_and_value() {
    let msg = OrderId::parse("gid://shopify/Product/1")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("Order") && msg.contains("gid://shopify/Product/1"),
        "{msg}"
    );
    let msg = ShopDomain::parse("nope").unwrap_err().to_string();
    assert!(msg.contains("shop domain") && msg.contains("nope"), "{msg}");
}
