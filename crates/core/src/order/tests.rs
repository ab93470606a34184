//! Tests for `order`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::testkit::{email, named_customer, OrderBuilder};

#[test]
fn financial_status_parses_rest_and_graphql_forms() {
    let cases = [
        ("pending", "PENDING", FinancialStatus::Pending),
        ("authorized", "AUTHORIZED", FinancialStatus::Authorized),
        (
            "partially_paid",
            "PARTIALLY_PAID",
            FinancialStatus::PartiallyPaid,
        ),
        ("paid", "PAID", FinancialStatus::Paid),
        (
            "partially_refunded",
            "PARTIALLY_REFUNDED",
            FinancialStatus::PartiallyRefunded,
        ),
        ("refunded", "REFUNDED", FinancialStatus::Refunded),
        ("voided", "VOIDED", FinancialStatus::Voided),
        ("expired", "EXPIRED", FinancialStatus::Expired),
    ];
    for (rest, graphql, expected) in cases {
        assert_eq!(FinancialStatus::parse(rest), expected);
        assert_eq!(FinancialStatus::parse(graphql), expected);
        assert_eq!(expected.as_str(), rest);
    }
    assert_eq!(
        FinancialStatus::parse("SOMETHING_NEW"),
        FinancialStatus::Unknown("SOMETHING_NEW".to_owned())
    );
}

#[test]
fn only_captured_payments_count_as_paid() {
    let paid = [FinancialStatus::Paid, FinancialStatus::PartiallyRefunded];
    let unpaid = [
        FinancialStatus::Pending,
        FinancialStatus::Authorized,
        FinancialStatus::PartiallyPaid,
        FinancialStatus::Refunded,
        FinancialStatus::Voided,
        FinancialStatus::Expired,
        FinancialStatus::Unknown("paid_later".to_owned()),
    ];
    assert!(paid.iter().all(FinancialStatus::is_paid));
    assert!(!unpaid.iter().any(FinancialStatus::is_paid));
}

#[test]
fn financial_status_labels_are_merchant_words() {
    assert_eq!(FinancialStatus::Pending.label(), "Pending");
    assert_eq!(FinancialStatus::PartiallyPaid.label(), "Partially paid");
    assert_eq!(
        FinancialStatus::PartiallyRefunded.label(),
        "Partially refunded"
    );
    assert_eq!(
        FinancialStatus::Unknown("ON_HOLD".to_owned()).label(),
        "ON_HOLD"
    );
}

#[test]
fn financial_status_serde_round_trips_including_unknown() {
    for status in [
        FinancialStatus::PartiallyPaid,
        FinancialStatus::Unknown("NEW_THING".to_owned()),
    ] {
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(
            serde_json::from_str::<FinancialStatus>(&json).unwrap(),
            status
        );
    }
    assert_eq!(
        serde_json::to_string(&FinancialStatus::Paid).unwrap(),
        r#""paid""#
    );
}

#[test]
fn fulfillment_status_parses_rest_and_graphql_forms() {
    let cases = [
        (None, FulfillmentStatus::Unfulfilled),
        (Some("UNFULFILLED"), FulfillmentStatus::Unfulfilled),
        (Some("partial"), FulfillmentStatus::PartiallyFulfilled),
        (
            Some("PARTIALLY_FULFILLED"),
            FulfillmentStatus::PartiallyFulfilled,
        ),
        (Some("fulfilled"), FulfillmentStatus::Fulfilled),
        (Some("FULFILLED"), FulfillmentStatus::Fulfilled),
        (Some("restocked"), FulfillmentStatus::Restocked),
        (
            Some("ON_HOLD"),
            FulfillmentStatus::Unknown("ON_HOLD".to_owned()),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(FulfillmentStatus::parse(input), expected, "{input:?}");
        let json = serde_json::to_string(&expected).unwrap();
        assert_eq!(
            serde_json::from_str::<FulfillmentStatus>(&json).unwrap(),
            expected
        );
    }
}

#[test]
fn country_code_parses_two_letters() {
    assert_eq!(CountryCode::parse("US").unwrap().as_str(), "US");
    assert_eq!(CountryCode::parse("de").unwrap().to_string(), "DE");
    for bad in ["", "U", "USA", "U1", "  "] {
        assert_eq!(
            CountryCode::parse(bad),
            Err(OrderError::InvalidCountryCode(bad.to_owned()))
        );
    }
    let json = serde_json::to_string(&CountryCode::parse("FR").unwrap()).unwrap();
    assert_eq!(json, r#""FR""#);
    assert!(serde_json::from_str::<CountryCode>(r#""FRA""#).is_err());
}

#[test]
fn postal_codes_are_required_except_where_countries_have_none() {
    for code in ["US", "GB", "DE", "KE", "NA", "CA", "JP"] {
        assert!(
            CountryCode::parse(code).unwrap().uses_postal_code(),
            "{code}"
        );
    }
    for code in ["IE", "HK", "AE", "QA", "JM", "ZW"] {
        assert!(
            !CountryCode::parse(code).unwrap().uses_postal_code(),
            "{code}"
        );
    }
}

#[test]
fn customer_email_prefers_the_order_email() {
    let order = OrderBuilder::new().build();
    assert_eq!(order.customer_email().unwrap().as_str(), "jane@example.com");
    let order = OrderBuilder::new().email(None).build();
    assert_eq!(
        order.customer_email().unwrap().as_str(),
        "jane.customer@example.com"
    );
    let order = OrderBuilder::new().email(None).customer(None).build();
    assert_eq!(order.customer_email(), None);
    let order = OrderBuilder::new()
        .email(Some(email("x@y.io")))
        .customer(None)
        .build();
    assert_eq!(order.customer_email().unwrap().as_str(), "x@y.io");
}

#[test]
fn customer_name_comes_from_customer_else_shipping_address() {
    let order = OrderBuilder::new()
        .customer(Some(named_customer(Some(" Ann "), None)))
        .build();
    assert_eq!(order.customer_name().as_deref(), Some("Ann"));
    let order = OrderBuilder::new()
        .customer(Some(named_customer(Some("  "), None)))
        .with_address(|a| a.first_name = Some("Sam".to_owned()))
        .build();
    assert_eq!(order.customer_name().as_deref(), Some("Sam Doe"));
    let order = OrderBuilder::new()
        .customer(None)
        .with_address(|a| {
            a.first_name = None;
            a.last_name = Some(" ".to_owned());
        })
        .build();
    assert_eq!(order.customer_name(), None);
}

#[test]
fn destination_order_serde_round_trips() {
    let order = OrderBuilder::new().build();
    let json = serde_json::to_string(&order).unwrap();
    assert_eq!(
        serde_json::from_str::<DestinationOrder>(&json).unwrap(),
        order
    );
}
