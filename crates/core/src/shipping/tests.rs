//! Tests for `shipping`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::testkit::{country, domain, usd, SUPPLIER_A, SUPPLIER_B};
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn rule(title: &str, fee: Decimal, conditions: RuleConditions) -> ShippingRateRule {
    ShippingRateRule::new(title, fee, conditions).unwrap()
}

fn any_rule(title: &str, fee: Decimal) -> ShippingRateRule {
    rule(title, fee, RuleConditions::default())
}

fn min_rule(title: &str, fee: Decimal, min: Decimal) -> ShippingRateRule {
    rule(
        title,
        fee,
        RuleConditions {
            min_items_subtotal: Some(min),
            ..RuleConditions::default()
        },
    )
}

fn resolve(
    rules: &ShippingRateRules,
    source: &str,
    country_code: Option<&str>,
    subtotal: &str,
) -> ShippingCharge {
    let source = domain(source);
    let country_code = country_code.map(country);
    let subtotal = usd(subtotal);
    let ctx = ShippingContext {
        source_store: &source,
        destination_country: country_code.as_ref(),
        items_subtotal: &subtotal,
    };
    resolve_shipping(rules, ctx, None)
}

#[test]
fn brief_example_free_over_100_else_standard() {
    let rules = ShippingRateRules::new(vec![
        min_rule("Free shipping", dec!(0.00), dec!(100.00)),
        any_rule("Standard", dec!(7.50)),
    ])
    .unwrap();
    let over = resolve(&rules, SUPPLIER_A, Some("US"), "120");
    assert_eq!(over.title, "Free shipping");
    assert_eq!(over.fee.to_string(), "0.00 USD");
    assert_eq!(over.origin, ShippingOrigin::Rule { index: 0 });
    let under = resolve(&rules, SUPPLIER_A, Some("US"), "99.99");
    assert_eq!(under.title, "Standard");
    assert_eq!(under.fee.to_string(), "7.50 USD");
    assert_eq!(under.origin, ShippingOrigin::Rule { index: 1 });
    let exactly = resolve(&rules, SUPPLIER_A, Some("US"), "100.00");
    assert_eq!(exactly.origin, ShippingOrigin::Rule { index: 0 });

    // Rule order matters: with the catch-all first, it always wins.
    let reversed = ShippingRateRules::new(rules.rules().iter().rev().cloned().collect()).unwrap();
    let over = resolve(&reversed, SUPPLIER_A, Some("US"), "120");
    assert_eq!(over.title, "Standard");
    assert_eq!(over.fee, usd("7.50"));
}

#[test]
fn each_condition_must_hold() {
    let only_b = rule(
        "B only",
        dec!(1),
        RuleConditions {
            source_store: Some(domain(SUPPLIER_B)),
            ..RuleConditions::default()
        },
    );
    let only_eu = rule(
        "EU",
        dec!(2),
        RuleConditions {
            countries: vec![country("DE"), country("FR")],
            ..RuleConditions::default()
        },
    );
    let rules = ShippingRateRules::new(vec![only_b, only_eu]).unwrap();
    assert_eq!(
        resolve(&rules, SUPPLIER_B, None, "1").origin,
        ShippingOrigin::Rule { index: 0 }
    );
    assert_eq!(
        resolve(&rules, SUPPLIER_A, Some("FR"), "1").origin,
        ShippingOrigin::Rule { index: 1 }
    );
    assert_eq!(
        resolve(&rules, SUPPLIER_A, Some("US"), "1").origin,
        ShippingOrigin::Default
    );
    // A country condition never matches when the country is unknown.
    assert_eq!(
        resolve(&rules, SUPPLIER_A, None, "1").origin,
        ShippingOrigin::Default
    );
}

#[test]
fn all_conditions_together() {
    let strict = rule(
        "Strict",
        dec!(3),
        RuleConditions {
            source_store: Some(domain(SUPPLIER_A)),
            countries: vec![country("US")],
            min_items_subtotal: Some(dec!(50)),
        },
    );
    let rules = ShippingRateRules::new(vec![strict]).unwrap();
    assert_eq!(
        resolve(&rules, SUPPLIER_A, Some("US"), "50").origin,
        ShippingOrigin::Rule { index: 0 }
    );
    assert_eq!(
        resolve(&rules, SUPPLIER_B, Some("US"), "50").origin,
        ShippingOrigin::Default
    );
    assert_eq!(
        resolve(&rules, SUPPLIER_A, Some("CA"), "50").origin,
        ShippingOrigin::Default
    );
    assert_eq!(
        resolve(&rules, SUPPLIER_A, Some("US"), "49.99").origin,
        ShippingOrigin::Default
    );
}

#[test]
fn no_matching_rule_means_free_shipping_titled_shipping() {
    let charge = resolve(&ShippingRateRules::default(), SUPPLIER_A, None, "10");
    assert_eq!(
        charge,
        ShippingCharge {
            title: "Shipping".to_owned(),
            fee: usd("0.00"),
            origin: ShippingOrigin::Default
        }
    );
}

#[test]
fn manual_fee_overrides_rules() {
    let rules = ShippingRateRules::new(vec![any_rule("Standard", dec!(7.50))]).unwrap();
    let source = domain(SUPPLIER_A);
    let subtotal = usd("10");
    let ctx = ShippingContext {
        source_store: &source,
        destination_country: None,
        items_subtotal: &subtotal,
    };
    let charge = resolve_shipping(&rules, ctx, Some(ManualShippingFee::parse("3.25").unwrap()));
    assert_eq!(charge.title, "Shipping");
    assert_eq!(charge.fee, usd("3.25"));
    assert_eq!(charge.origin, ShippingOrigin::Manual);
}

#[test]
fn fee_is_rounded_to_the_currency() {
    let rules = ShippingRateRules::new(vec![any_rule("Standard", dec!(7.5))]).unwrap();
    let source = domain(SUPPLIER_A);
    let subtotal = Money::parse("1000", "JPY").unwrap();
    let ctx = ShippingContext {
        source_store: &source,
        destination_country: None,
        items_subtotal: &subtotal,
    };
    let charge = resolve_shipping(&rules, ctx, None);
    assert_eq!(charge.fee.to_string(), "8 JPY");
}

#[test]
fn rule_validation() {
    let ok = ShippingRateRule::new("  Standard ", dec!(7.1234), RuleConditions::default()).unwrap();
    assert_eq!(ok.title(), "Standard");
    assert_eq!(ok.fee(), dec!(7.1234));
    let cases = [
        (
            "",
            dec!(1),
            None,
            ShippingError::InvalidTitle(String::new()),
        ),
        (
            "  ",
            dec!(1),
            None,
            ShippingError::InvalidTitle("  ".to_owned()),
        ),
        (
            &*"t".repeat(256),
            dec!(1),
            None,
            ShippingError::InvalidTitle("t".repeat(256)),
        ),
        (
            "Fee",
            dec!(-0.01),
            None,
            ShippingError::NegativeFee(dec!(-0.01)),
        ),
        (
            "Fee",
            dec!(1.00001),
            None,
            ShippingError::FeeTooPrecise(dec!(1.00001)),
        ),
        (
            "Fee",
            dec!(1),
            Some(dec!(-1)),
            ShippingError::NegativeMinimum(dec!(-1)),
        ),
    ];
    for (title, fee, min, expected) in cases {
        let conditions = RuleConditions {
            min_items_subtotal: min,
            ..RuleConditions::default()
        };
        assert_eq!(ShippingRateRule::new(title, fee, conditions), Err(expected));
    }
    assert!(
        ShippingRateRule::new(&"t".repeat(255), dec!(1.10000), RuleConditions::default()).is_ok()
    );
}

#[test]
fn rule_serde_round_trips_and_validates() {
    let r = rule(
        "EU",
        dec!(4.5),
        RuleConditions {
            source_store: Some(domain(SUPPLIER_A)),
            countries: vec![country("DE")],
            min_items_subtotal: Some(dec!(20)),
        },
    );
    let rules = ShippingRateRules::new(vec![r, any_rule("Any", dec!(1))]).unwrap();
    let json = serde_json::to_string(&rules).unwrap();
    assert_eq!(
        serde_json::from_str::<ShippingRateRules>(&json).unwrap(),
        rules
    );
    assert!(serde_json::from_str::<ShippingRateRule>(r#"{"title":"X","fee":"-1"}"#).is_err());
    assert!(serde_json::from_str::<ShippingRateRule>(r#"{"title":" ","fee":"1"}"#).is_err());
    let no_conditions: ShippingRateRule =
        serde_json::from_str(r#"{"title":"X","fee":"1"}"#).unwrap();
    assert_eq!(no_conditions.conditions(), &RuleConditions::default());
    let too_many = serde_json::to_string(&vec![any_rule("X", dec!(1)); 51]).unwrap();
    assert!(serde_json::from_str::<ShippingRateRules>(&too_many).is_err());
}

#[test]
fn at_most_fifty_rules() {
    let mut rules = ShippingRateRules::new(vec![any_rule("X", dec!(1)); 50]).unwrap();
    assert_eq!(rules.len(), 50);
    assert_eq!(
        rules.push(any_rule("Y", dec!(1))),
        Err(ShippingError::TooManyRules { max: 50 })
    );
    assert_eq!(
        rules.insert(0, any_rule("Y", dec!(1))),
        Err(ShippingError::TooManyRules { max: 50 })
    );
    assert_eq!(
        ShippingRateRules::new(vec![any_rule("X", dec!(1)); 51]),
        Err(ShippingError::TooManyRules { max: 50 })
    );
}

fn titles(rules: &ShippingRateRules) -> Vec<&str> {
    rules.rules().iter().map(ShippingRateRule::title).collect()
}

#[test]
fn editing_the_rule_list() {
    let mut rules = ShippingRateRules::default();
    assert!(rules.is_empty());
    rules.push(any_rule("A", dec!(1))).unwrap();
    rules.push(any_rule("C", dec!(1))).unwrap();
    rules.insert(1, any_rule("B", dec!(1))).unwrap();
    rules.insert(3, any_rule("D", dec!(1))).unwrap();
    assert_eq!(titles(&rules), ["A", "B", "C", "D"]);
    rules.move_up(2).unwrap();
    assert_eq!(titles(&rules), ["A", "C", "B", "D"]);
    rules.move_down(0).unwrap();
    assert_eq!(titles(&rules), ["C", "A", "B", "D"]);
    rules.reorder(3, 0).unwrap();
    assert_eq!(titles(&rules), ["D", "C", "A", "B"]);
    rules.reorder(0, 3).unwrap();
    assert_eq!(titles(&rules), ["C", "A", "B", "D"]);
    assert_eq!(rules.remove(1).unwrap().title(), "A");
    assert_eq!(titles(&rules), ["C", "B", "D"]);
}

#[test]
fn bad_positions_are_errors_and_change_nothing() {
    let mut rules =
        ShippingRateRules::new(vec![any_rule("A", dec!(1)), any_rule("B", dec!(1))]).unwrap();
    let bad = |index| Err(ShippingError::BadIndex { index, len: 2 });
    assert_eq!(rules.insert(3, any_rule("X", dec!(1))), bad(3));
    assert_eq!(rules.remove(2).map(|_| ()), bad(2));
    assert_eq!(rules.move_up(0), bad(0));
    assert_eq!(rules.move_up(2), bad(2));
    assert_eq!(rules.move_down(1), bad(1));
    assert_eq!(rules.move_down(usize::MAX), bad(usize::MAX));
    assert_eq!(rules.reorder(2, 0), bad(2));
    assert_eq!(rules.reorder(0, 2), bad(2));
    assert_eq!(titles(&rules), ["A", "B"]);
}

#[test]
fn manual_fee_parsing() {
    assert_eq!(
        ManualShippingFee::parse(" 7.50 ").unwrap().amount(),
        dec!(7.5)
    );
    assert_eq!(ManualShippingFee::parse("0").unwrap().amount(), dec!(0));
    assert_eq!(
        ManualShippingFee::parse("1000000").unwrap().amount(),
        dec!(1000000)
    );
    let cases = [
        ("", "shipping fee must be a number like 7.50"),
        ("abc", "shipping fee must be a number like 7.50"),
        ("1e3", "shipping fee must be a number like 7.50"),
        ("7,50", "shipping fee must be a number like 7.50"),
        ("-1", "shipping fee must not be negative"),
        ("1.234", "shipping fee must have at most 2 decimal places"),
        ("1000000.01", "shipping fee must be at most 1000000"),
    ];
    for (text, message) in cases {
        assert_eq!(
            ManualShippingFee::parse(text).unwrap_err().to_string(),
            message,
            "{text:?}"
        );
    }
    let fee = ManualShippingFee::parse("7.50").unwrap();
    let json = serde_json::to_string(&fee).unwrap();
    assert_eq!(
        serde_json::from_str::<ManualShippingFee>(&json).unwrap(),
        fee
    );
    assert!(serde_json::from_str::<ManualShippingFee>(r#""-2""#).is_err());
}

// --- properties -----------------------------------------------------------

const SHOPS: [&str; 2] = [SUPPLIER_A, SUPPLIER_B];
const COUNTRIES: [&str; 3] = ["US", "DE", "FR"];

fn arb_rule() -> impl Strategy<Value = ShippingRateRule> {
    (
        prop::option::of(0..SHOPS.len()),
        prop::collection::vec(0..COUNTRIES.len(), 0..3),
        prop::option::of(0_i64..20_000),
        0_i64..5_000,
        "[A-Z][a-z]{0,8}",
    )
        .prop_map(|(shop, countries, min, fee, title)| {
            let conditions = RuleConditions {
                source_store: shop.map(|i| domain(SHOPS[i])),
                countries: countries
                    .into_iter()
                    .map(|i| country(COUNTRIES[i]))
                    .collect(),
                min_items_subtotal: min.map(|m| Decimal::new(m, 2)),
            };
            rule(&title, Decimal::new(fee, 2), conditions)
        })
}

fn arb_rules() -> impl Strategy<Value = ShippingRateRules> {
    prop::collection::vec(arb_rule(), 0..8).prop_map(|r| ShippingRateRules::new(r).unwrap())
}

/// (source, country, subtotal in cents)
fn arb_ctx() -> impl Strategy<Value = (usize, Option<usize>, i64)> {
    (
        0..SHOPS.len(),
        prop::option::of(0..COUNTRIES.len()),
        0_i64..25_000,
    )
}

/// Reference: check every rule naively, keep the first that matches.
fn naive_first_match(
    rules: &[ShippingRateRule],
    source: &str,
    country_code: Option<&str>,
    subtotal: Decimal,
) -> Option<usize> {
    let mut found = None;
    for (i, r) in rules.iter().enumerate().rev() {
        let c = r.conditions();
        let source_ok = match &c.source_store {
            None => true,
            Some(s) => s.as_str() == source,
        };
        let country_ok =
            c.countries.is_empty() || c.countries.iter().any(|k| Some(k.as_str()) == country_code);
        let min_ok = match c.min_items_subtotal {
            None => true,
            Some(m) => subtotal >= m,
        };
        if source_ok && country_ok && min_ok {
            found = Some(i);
        }
    }
    found
}

proptest! {
    #[test]
    fn first_match_equals_naive_reference(rules in arb_rules(), (s, c, cents) in arb_ctx()) {
        let country_code = c.map(|i| COUNTRIES[i]);
        let charge = resolve(&rules, SHOPS[s], country_code, &Decimal::new(cents, 2).to_string());
        match naive_first_match(rules.rules(), SHOPS[s], country_code, Decimal::new(cents, 2)) {
            Some(i) => {
                prop_assert_eq!(charge.origin, ShippingOrigin::Rule { index: i });
                prop_assert_eq!(charge.title.as_str(), rules.rules()[i].title());
                prop_assert_eq!(charge.fee.amount(), rules.rules()[i].fee());
            }
            None => {
                prop_assert_eq!(charge.origin, ShippingOrigin::Default);
                prop_assert!(charge.fee.is_zero());
            }
        }
    }

    #[test]
    fn manual_fee_always_wins(rules in arb_rules(), (s, c, cents) in arb_ctx(), fee in 0_i64..100_000_000) {
        let source = domain(SHOPS[s]);
        let country_code = c.map(|i| country(COUNTRIES[i]));
        let subtotal = Money::new(Decimal::new(cents, 2), crate::testkit::usd_code());
        let ctx = ShippingContext { source_store: &source, destination_country: country_code.as_ref(), items_subtotal: &subtotal };
        let manual = ManualShippingFee::new(Decimal::new(fee, 2)).unwrap();
        let charge = resolve_shipping(&rules, ctx, Some(manual));
        prop_assert_eq!(charge.origin, ShippingOrigin::Manual);
        prop_assert_eq!(charge.fee.amount(), Decimal::new(fee, 2));
        prop_assert_eq!(charge.title.as_str(), "Shipping");
    }

    #[test]
    fn no_rules_means_zero(( s, c, cents) in arb_ctx()) {
        let charge = resolve(&ShippingRateRules::default(), SHOPS[s], c.map(|i| COUNTRIES[i]), &Decimal::new(cents, 2).to_string());
        prop_assert_eq!(charge.origin, ShippingOrigin::Default);
        prop_assert!(charge.fee.is_zero());
    }

    #[test]
    fn rule_order_matters(a in arb_rule(), b in arb_rule(), (s, c, cents) in arb_ctx()) {
        // When both rules match, whichever is first wins.
        let country_code = c.map(|i| COUNTRIES[i]);
        let subtotal = Decimal::new(cents, 2).to_string();
        let ab = ShippingRateRules::new(vec![a.clone(), b.clone()]).unwrap();
        let ba = ShippingRateRules::new(vec![b.clone(), a.clone()]).unwrap();
        let both = naive_first_match(std::slice::from_ref(&a), SHOPS[s], country_code, Decimal::new(cents, 2)).is_some()
            && naive_first_match(std::slice::from_ref(&b), SHOPS[s], country_code, Decimal::new(cents, 2)).is_some();
        let first = resolve(&ab, SHOPS[s], country_code, &subtotal);
        let second = resolve(&ba, SHOPS[s], country_code, &subtotal);
        if both {
            prop_assert_eq!(first.origin, ShippingOrigin::Rule { index: 0 });
            prop_assert_eq!(first.title.as_str(), a.title());
            prop_assert_eq!(second.origin, ShippingOrigin::Rule { index: 0 });
            prop_assert_eq!(second.title.as_str(), b.title());
        }
    }
}
