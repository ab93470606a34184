//! Tests for `money`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn usd() -> CurrencyCode {
    CurrencyCode::parse("USD").unwrap()
}

fn money(amount: &str, currency: &str) -> Money {
    Money::parse(amount, currency).unwrap()
}

#[test]
fn currency_code_accepts_three_letters_and_uppercases() {
    assert_eq!(CurrencyCode::parse("USD").unwrap().as_str(), "USD");
    assert_eq!(CurrencyCode::parse("eur").unwrap().as_str(), "EUR");
    assert_eq!(CurrencyCode::parse("JPY").unwrap().to_string(), "JPY");
}

#[test]
fn currency_code_rejects_anything_else() {
    for bad in ["", "US", "USDD", "U$D", "12A", " USD", "ÜSD"] {
        assert_eq!(
            CurrencyCode::parse(bad),
            Err(MoneyError::InvalidCurrency(bad.to_owned())),
            "{bad:?}"
        );
    }
}

#[test]
fn currency_minor_units_follow_iso_4217() {
    let cases = [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("XPF", 0),
        ("CLP", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("IQD", 3),
    ];
    for (code, units) in cases {
        assert_eq!(
            CurrencyCode::parse(code).unwrap().minor_units(),
            units,
            "{code}"
        );
    }
}

#[test]
fn money_parses_shopify_amount_forms() {
    for (text, expected) in [
        ("24.0", dec!(24)),
        ("24.00", dec!(24)),
        ("0", dec!(0)),
        ("1234.5", dec!(1234.5)),
        ("-3.10", dec!(-3.1)),
    ] {
        assert_eq!(money(text, "USD").amount(), expected, "{text}");
    }
}

#[test]
fn money_rejects_non_plain_numbers() {
    for bad in [
        "", "abc", "1e3", "NaN", "inf", "1.", ".5", "+1", "1,000", " 1", "1.2.3", "-",
    ] {
        assert_eq!(
            Money::parse(bad, "USD"),
            Err(MoneyError::InvalidAmount(bad.to_owned())),
            "{bad:?}"
        );
    }
    assert!(matches!(
        Money::parse("1", "US"),
        Err(MoneyError::InvalidCurrency(_))
    ));
}

#[test]
fn display_rounds_half_even_to_minor_units() {
    let cases = [
        ("7.5", "USD", "7.50 USD"),
        ("0", "USD", "0.00 USD"),
        ("1.005", "USD", "1.00 USD"),
        ("1.015", "USD", "1.02 USD"),
        ("2.5", "JPY", "2 JPY"),
        ("3.5", "JPY", "4 JPY"),
        ("1.2", "KWD", "1.200 KWD"),
        ("-0.001", "USD", "0.00 USD"),
    ];
    for (amount, currency, shown) in cases {
        assert_eq!(money(amount, currency).to_string(), shown);
    }
}

#[test]
fn shopify_string_has_exactly_the_minor_units() {
    assert_eq!(money("7.5", "USD").to_shopify_string(), "7.50");
    assert_eq!(money("1000", "JPY").to_shopify_string(), "1000");
    assert_eq!(money("1.23456", "BHD").to_shopify_string(), "1.235");
}

#[test]
fn sign_predicates() {
    let zero = Money::zero(usd());
    assert!(zero.is_zero() && !zero.is_positive() && !zero.is_negative());
    let positive = money("0.01", "USD");
    assert!(positive.is_positive() && !positive.is_zero() && !positive.is_negative());
    let negative = money("-0.01", "USD");
    assert!(negative.is_negative() && !negative.is_zero() && !negative.is_positive());
}

#[test]
fn adding_different_currencies_is_a_mismatch() {
    let err = money("1", "USD")
        .checked_add(&money("1", "EUR"))
        .unwrap_err();
    assert_eq!(
        err,
        MoneyError::CurrencyMismatch {
            left: usd(),
            right: CurrencyCode::parse("EUR").unwrap()
        }
    );
}

#[test]
fn times_multiplies_by_quantity() {
    assert_eq!(money("2.50", "USD").times(3), money("7.5", "USD"));
    assert_eq!(money("2.50", "USD").times(0), Money::zero(usd()));
}

#[test]
fn money_serde_round_trips_and_validates() {
    let m = money("7.50", "USD");
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(json, r#"{"amount":"7.50","currency":"USD"}"#);
    assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"XX"}"#).is_err());
    let code: CurrencyCode = serde_json::from_str(r#""JPY""#).unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), r#""JPY""#);
}

fn amount() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_i64..1_000_000_000, 0_u32..=6).prop_map(|(m, s)| Decimal::new(m, s))
}

fn currency() -> impl Strategy<Value = CurrencyCode> {
    prop::sample::select(vec!["USD", "EUR", "JPY", "KWD", "CLP"])
        .prop_map(|c| CurrencyCode::parse(c).unwrap())
}

proptest! {
    #[test]
    fn addition_is_commutative(a in amount(), b in amount(), c in currency()) {
        let (a, b) = (Money::new(a, c), Money::new(b, c));
        prop_assert_eq!(a.checked_add(&b).unwrap(), b.checked_add(&a).unwrap());
    }

    #[test]
    fn addition_is_associative(a in amount(), b in amount(), x in amount(), c in currency()) {
        let (a, b, x) = (Money::new(a, c), Money::new(b, c), Money::new(x, c));
        let left = a.checked_add(&b).unwrap().checked_add(&x).unwrap();
        let right = a.checked_add(&b.checked_add(&x).unwrap()).unwrap();
        prop_assert_eq!(left, right);
    }

    #[test]
    fn parse_of_format_is_the_rounded_amount(a in amount(), c in currency()) {
        let m = Money::new(a, c);
        let parsed = Money::parse(&m.to_shopify_string(), c.as_str()).unwrap();
        let expected = a.round_dp_with_strategy(c.minor_units(), RoundingStrategy::MidpointNearestEven);
        prop_assert_eq!(parsed.amount(), expected);
        prop_assert_eq!(parsed, m.rounded());
    }

    #[test]
    fn times_equals_repeated_addition(a in amount(), n in 0_u32..20, c in currency()) {
        let m = Money::new(a, c);
        let mut sum = Money::zero(c);
        for _ in 0..n {
            sum = sum.checked_add(&m).unwrap();
        }
        prop_assert_eq!(m.times(n), sum);
    }

    #[test]
    fn mismatched_currencies_always_error(a in amount(), b in amount(), c1 in currency(), c2 in currency()) {
        prop_assume!(c1 != c2);
        let result = Money::new(a, c1).checked_add(&Money::new(b, c2));
        prop_assert_eq!(result, Err(MoneyError::CurrencyMismatch { left: c1, right: c2 }));
    }
}
