//! Tests for `plan`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::order::FinancialStatus;
use crate::settings::EmailContactMethod;
use crate::shipping::{RuleConditions, ShippingOrigin, ShippingRateRule, ShippingRateRules};
use crate::testkit::{
    catalog, country, destination_shop, domain, line, line_id, named_customer, synced, usd,
    variant, OrderBuilder, SUPPLIER_A, SUPPLIER_B,
};
use rust_decimal_macros::dec;

const KEY_A: &str = "eaa93d167cd992f2"; // sha256sum of "acme-retail.myshopify.com|gid://shopify/Order/5001|supplier-a.myshopify.com"
const KEY_B: &str = "4e47a6555fda262a";

fn plan_with(
    order: &DestinationOrder,
    source: &str,
    catalog: &SyncedCatalog,
    settings: &OrderPushSettings,
    manual_fee: Option<ManualShippingFee>,
) -> Result<PushPlan, PlanError> {
    let destination = destination_shop();
    let source = domain(source);
    plan_push(PushInput {
        order,
        destination: &destination,
        source: &source,
        catalog,
        settings,
        manual_fee,
    })
}

fn plan(order: &DestinationOrder, source: &str) -> Result<PushPlan, PlanError> {
    plan_with(
        order,
        source,
        &catalog(),
        &OrderPushSettings::default(),
        None,
    )
}

#[test]
fn plan_for_one_source_has_only_its_items_and_all_markers() {
    let order = OrderBuilder::new().build();
    let p = plan(&order, SUPPLIER_A).unwrap();
    assert_eq!(p.push_key.as_str(), KEY_A);
    assert_eq!(p.source_shop, domain(SUPPLIER_A));
    assert_eq!(p.destination_shop, domain(crate::testkit::DEST));
    assert_eq!(p.destination_order, order.id);
    assert_eq!(p.destination_order_name.as_str(), "#1001");
    assert_eq!(
        p.lines,
        vec![PlannedLine {
            destination_line: line_id(1),
            source_variant: variant(201),
            sku: Sku::parse("SKU-101").unwrap(),
            title: "Product 1".to_owned(),
            quantity: 2,
            unit_price: usd("10.00"),
        }]
    );
    assert_eq!(p.items_subtotal, usd("20.00"));
    assert_eq!(p.currency.as_str(), "USD");
    assert_eq!(p.email.as_str(), "jane@example.com");
    assert_eq!(p.customer_first_name.as_deref(), Some("Jane"));
    assert_eq!(p.customer_last_name.as_deref(), Some("Doe"));
    assert_eq!(Some(&p.shipping_address), order.shipping_address.as_ref());
    assert_eq!(p.billing_address, order.billing_address);
    let tags: Vec<&str> = p.tags.iter().map(Tag::as_str).collect();
    assert_eq!(
        tags,
        [
            "Acme Retail",
            "Order #1001",
            "ordersync",
            "ordersync-eaa93d167cd992f2"
        ]
    );
    assert_eq!(p.note, "Order #1001 from Acme Retail, pushed by ordersync.");
    let attrs: Vec<(&str, &str)> = p
        .custom_attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("ordersync_push_key", KEY_A),
            ("ordersync_destination_shop", "acme-retail.myshopify.com"),
            ("ordersync_destination_order_id", "gid://shopify/Order/5001"),
            ("ordersync_destination_order", "#1001"),
        ]
    );
    let b = plan(&order, SUPPLIER_B).unwrap();
    assert_eq!(b.push_key.as_str(), KEY_B);
    assert_eq!(b.lines.len(), 1);
    assert_eq!(b.lines[0].source_variant, variant(202));
}

#[test]
fn plan_never_carries_discounts_or_the_original_shipping() {
    let order = OrderBuilder::new().build();
    let p = plan(&order, SUPPLIER_A).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    for forbidden in ["SAVE10", "Express", "EXPRESS-CODE", "9.99"] {
        assert!(
            !json.contains(forbidden),
            "plan carries {forbidden}: {json}"
        );
    }
    assert_eq!(p.shipping.title, "Shipping");
    assert_eq!(p.shipping.fee, usd("0"));
    assert_ne!(p.shipping.fee, order.total_shipping);
    // Unit price is before the line's 1.00 discount.
    assert_eq!(p.lines[0].unit_price, order.line_items[0].unit_price);
}

#[test]
fn shipping_comes_from_rules_or_the_manual_fee() {
    let order = OrderBuilder::new().build();
    let settings = OrderPushSettings {
        shipping_rules: ShippingRateRules::new(vec![
            ShippingRateRule::new(
                "Canada",
                dec!(20),
                RuleConditions {
                    countries: vec![country("CA")],
                    ..RuleConditions::default()
                },
            )
            .unwrap(),
            ShippingRateRule::new("Standard", dec!(7.5), RuleConditions::default()).unwrap(),
        ])
        .unwrap(),
        ..OrderPushSettings::default()
    };
    let p = plan_with(&order, SUPPLIER_A, &catalog(), &settings, None).unwrap();
    assert_eq!(p.shipping.title, "Standard");
    assert_eq!(p.shipping.fee, usd("7.50"));
    assert_eq!(p.shipping.origin, ShippingOrigin::Rule { index: 1 });

    let fee = ManualShippingFee::parse("3.00").unwrap();
    let p = plan_with(&order, SUPPLIER_A, &catalog(), &settings, Some(fee)).unwrap();
    assert_eq!(p.shipping.fee, usd("3"));
    assert_eq!(p.shipping.origin, ShippingOrigin::Manual);
}

#[test]
fn source_price_basis_uses_the_synced_products_price() {
    let order = OrderBuilder::new()
        .line_items(vec![
            line(1, Some(101), 2, "10.00"),
            line(3, Some(103), 1, "8.00"),
        ])
        .build();
    let settings = OrderPushSettings {
        price_basis: PriceBasis::SourcePrice,
        ..OrderPushSettings::default()
    };
    let p = plan_with(&order, SUPPLIER_A, &catalog(), &settings, None).unwrap();
    let prices: Vec<Money> = p.lines.iter().map(|l| l.unit_price.clone()).collect();
    assert_eq!(prices, vec![usd("6.00"), usd("4.00")]);
    assert_eq!(p.items_subtotal, usd("16.00"));
}

#[test]
fn source_price_basis_fails_when_a_price_is_unknown() {
    let order = OrderBuilder::new().build();
    let settings = OrderPushSettings {
        price_basis: PriceBasis::SourcePrice,
        ..OrderPushSettings::default()
    };
    let err = plan_with(&order, SUPPLIER_B, &catalog(), &settings, None).unwrap_err();
    assert_eq!(
        err,
        PlanError::SourcePriceUnknown {
            sku: Sku::parse("SKU-102").unwrap()
        }
    );
    assert!(err.to_string().contains("SKU-102"));
}

#[test]
fn source_prices_in_two_currencies_are_a_mismatch() {
    let mut a = synced(101, SUPPLIER_A, 201, "A");
    a.source_price = Some(usd("1"));
    let mut b = synced(103, SUPPLIER_A, 203, "B");
    b.source_price = Some(Money::parse("1", "EUR").unwrap());
    let catalog = SyncedCatalog::new([a, b]).unwrap();
    let order = OrderBuilder::new()
        .line_items(vec![line(1, Some(101), 1, "1"), line(2, Some(103), 1, "1")])
        .build();
    let settings = OrderPushSettings {
        price_basis: PriceBasis::SourcePrice,
        ..OrderPushSettings::default()
    };
    let err = plan_with(&order, SUPPLIER_A, &catalog, &settings, None).unwrap_err();
    assert!(matches!(err, PlanError::CurrencyMismatch { .. }), "{err:?}");
}

#[test]
fn order_level_rules_block_the_plan_but_not_the_synced_products_rule() {
    let order = OrderBuilder::new()
        .financial_status(FinancialStatus::Pending)
        .cancelled()
        .build();
    assert_eq!(
        plan(&order, SUPPLIER_A),
        Err(PlanError::NotEligible(vec![
            IneligibleReason::NotPaid {
                status: FinancialStatus::Pending
            },
            IneligibleReason::Cancelled,
        ]))
    );
    let no_address = OrderBuilder::new().shipping_address(None).build();
    assert_eq!(
        plan(&no_address, SUPPLIER_A),
        Err(PlanError::NotEligible(vec![
            IneligibleReason::MissingShippingAddress
        ]))
    );
    let msg = plan(&order, SUPPLIER_A).unwrap_err().to_string();
    assert!(
        msg.starts_with("The order can't be pushed: Not paid yet"),
        "{msg}"
    );
}

#[test]
fn a_source_without_items_to_ship_has_nothing_to_plan() {
    let order = OrderBuilder::new().build();
    let other = "supplier-c.myshopify.com";
    assert_eq!(
        plan(&order, other),
        Err(PlanError::NoItemsForSource {
            source: domain(other)
        })
    );
    let mut shipped = line(1, Some(101), 2, "10.00");
    shipped.fulfillable_quantity = 0;
    let order = OrderBuilder::new()
        .line_items(vec![shipped, line(2, Some(102), 1, "5.00")])
        .build();
    assert_eq!(
        plan(&order, SUPPLIER_A),
        Err(PlanError::NoItemsForSource {
            source: domain(SUPPLIER_A)
        })
    );
}

#[test]
fn missing_customer_email_is_explained() {
    let order = OrderBuilder::new().email(None).customer(None).build();
    let err = plan(&order, SUPPLIER_A).unwrap_err();
    assert_eq!(err, PlanError::NoCustomerEmail);
    assert_eq!(
        err.to_string(),
        "The order has no customer email and the contact method is Customer email. Choose another Email Contact Method in Order Push Settings, or add an email to the order."
    );
    let settings = OrderPushSettings {
        contact: EmailContactMethod::StoreAdminEmail,
        ..OrderPushSettings::default()
    };
    let p = plan_with(&order, SUPPLIER_A, &catalog(), &settings, None).unwrap();
    assert_eq!(p.email, destination_shop().admin_email);
}

#[test]
fn customer_names_fall_back_to_the_shipping_address() {
    let order = OrderBuilder::new()
        .customer(Some(named_customer(None, Some(" "))))
        .with_address(|a| {
            a.first_name = Some(" Sam ".to_owned());
            a.last_name = None;
        })
        .build();
    let p = plan(&order, SUPPLIER_A).unwrap();
    assert_eq!(p.customer_first_name.as_deref(), Some("Sam"));
    assert_eq!(p.customer_last_name, None);
}

#[test]
fn plan_serde_round_trips() {
    let p = plan(&OrderBuilder::new().build(), SUPPLIER_B).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<PushPlan>(&json).unwrap(), p);
}

#[test]
fn push_key_is_deterministic_and_parses() {
    let dest = domain(crate::testkit::DEST);
    let order = OrderId::from_numeric(5001).unwrap();
    let key = PushKey::new(&dest, &order, &domain(SUPPLIER_A));
    assert_eq!(key, PushKey::new(&dest, &order, &domain(SUPPLIER_A)));
    assert_eq!(key.as_str(), KEY_A);
    assert_ne!(key, PushKey::new(&dest, &order, &domain(SUPPLIER_B)));
    assert_ne!(
        key,
        PushKey::new(
            &dest,
            &OrderId::from_numeric(5002).unwrap(),
            &domain(SUPPLIER_A)
        )
    );
    assert_eq!(key.tag().as_str(), format!("ordersync-{KEY_A}"));
    assert_eq!(PushKey::parse(KEY_A).unwrap(), key);
    for bad in [
        "",
        "EAA93D167CD992F2",
        "eaa93d167cd992f",
        "eaa93d167cd992f2a",
        "gaa93d167cd992f2",
    ] {
        assert_eq!(
            PushKey::parse(bad),
            Err(MarkerError::InvalidPushKey(bad.to_owned()))
        );
    }
    let json = serde_json::to_string(&key).unwrap();
    assert_eq!(serde_json::from_str::<PushKey>(&json).unwrap(), key);
}

#[test]
fn tag_shorten_is_predictable() {
    let forty = "a".repeat(40);
    let long = format!("{}bcdef", "x".repeat(38));
    let cases = [
        ("Acme Retail", "Acme Retail".to_owned()),
        ("  Acme,  Retail\t Co ", "Acme Retail Co".to_owned()),
        (forty.as_str(), forty.clone()),
        (long.as_str(), format!("{}b…", "x".repeat(38))),
        (",,  ,", "untitled".to_owned()),
    ];
    for (input, expected) in cases {
        let tag = Tag::shorten(input);
        assert_eq!(tag.as_str(), expected, "{input:?}");
        assert!(Tag::parse(tag.as_str()).is_ok());
    }
    // Characters, not bytes, are counted.
    let accented = "é".repeat(45);
    let tag = Tag::shorten(&accented);
    assert_eq!(tag.as_str().chars().count(), 40);
    assert_eq!(tag.as_str(), format!("{}…", "é".repeat(39)));
}

#[test]
fn tag_parse_validates() {
    assert_eq!(Tag::parse(" vip ").unwrap().as_str(), "vip");
    assert!(Tag::parse(&"é".repeat(40)).is_ok());
    for bad in ["", "  ", "a,b", &"x".repeat(41)] {
        assert_eq!(
            Tag::parse(bad),
            Err(MarkerError::InvalidTag(bad.to_owned()))
        );
    }
    assert!(serde_json::from_str::<Tag>(r#""a,b""#).is_err());
}
