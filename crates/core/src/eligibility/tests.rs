//! Tests for `eligibility`, named after the rule each one checks.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::order::{DestinationOrder, FinancialStatus};
use crate::testkit::{catalog, country, line, named_customer, usd, OrderBuilder};

fn reasons(order: &DestinationOrder) -> Vec<IneligibleReason> {
    evaluate(order, &catalog()).reasons().to_vec()
}

#[test]
fn a_complete_paid_order_with_synced_items_is_eligible() {
    let order = OrderBuilder::new().build();
    assert_eq!(evaluate(&order, &catalog()), Eligibility::Eligible);
    assert!(evaluate(&order, &catalog()).is_eligible());
}

#[test]
fn each_rule_failing_alone_gives_exactly_its_reason() {
    let cases: Vec<(&str, OrderBuilder, IneligibleReason)> = vec![
        (
            "unpaid_order_is_ineligible_with_payment_status",
            OrderBuilder::new().financial_status(FinancialStatus::Pending),
            IneligibleReason::NotPaid {
                status: FinancialStatus::Pending,
            },
        ),
        (
            "cancelled_order_is_ineligible",
            OrderBuilder::new().cancelled(),
            IneligibleReason::Cancelled,
        ),
        (
            "order_without_any_name_is_ineligible",
            OrderBuilder::new()
                .customer(Some(named_customer(Some(" "), None)))
                .with_address(|a| {
                    a.first_name = None;
                    a.last_name = Some("".to_owned());
                }),
            IneligibleReason::MissingCustomerName,
        ),
        (
            "order_without_shipping_address_is_ineligible",
            // The customer still has a name, so only the address is missing.
            OrderBuilder::new().shipping_address(None),
            IneligibleReason::MissingShippingAddress,
        ),
        (
            "address_without_street_is_incomplete",
            OrderBuilder::new().with_address(|a| a.address1 = Some("  ".to_owned())),
            IneligibleReason::IncompleteShippingAddress {
                missing: vec![AddressField::Address1],
            },
        ),
        (
            "address_without_city_is_incomplete",
            OrderBuilder::new().with_address(|a| a.city = None),
            IneligibleReason::IncompleteShippingAddress {
                missing: vec![AddressField::City],
            },
        ),
        (
            "address_without_valid_country_code_is_incomplete",
            OrderBuilder::new().with_address(|a| a.country_code = None),
            IneligibleReason::IncompleteShippingAddress {
                missing: vec![AddressField::Country],
            },
        ),
        (
            "address_without_postal_code_in_a_postal_country_is_incomplete",
            OrderBuilder::new().with_address(|a| a.zip = Some(" ".to_owned())),
            IneligibleReason::IncompleteShippingAddress {
                missing: vec![AddressField::PostalCode],
            },
        ),
        (
            "zero_total_is_ineligible",
            OrderBuilder::new().total(usd("0.00")),
            IneligibleReason::ZeroValue { total: usd("0") },
        ),
        (
            "negative_total_is_ineligible",
            OrderBuilder::new().total(usd("-1")),
            IneligibleReason::ZeroValue { total: usd("-1") },
        ),
        (
            "order_without_synced_items_is_ineligible",
            OrderBuilder::new().line_items(vec![
                line(1, Some(999), 1, "10.00"),
                line(2, None, 1, "5.00"),
            ]),
            IneligibleReason::NoSyncedProducts,
        ),
        (
            "synced_items_with_nothing_left_to_ship_are_ineligible",
            OrderBuilder::new().line_items(vec![{
                let mut l = line(1, Some(101), 2, "10.00");
                l.fulfillable_quantity = 0;
                l
            }]),
            IneligibleReason::NothingToShip,
        ),
        (
            "fulfilled_synced_items_beside_unsynced_ones_leave_nothing_to_ship",
            OrderBuilder::new().line_items(vec![
                {
                    let mut l = line(1, Some(101), 2, "10.00");
                    l.fulfillable_quantity = 0;
                    l
                },
                line(2, Some(999), 1, "5.00"),
            ]),
            IneligibleReason::NothingToShip,
        ),
        (
            "order_without_line_items_is_ineligible",
            OrderBuilder::new().line_items(vec![]),
            IneligibleReason::NoSyncedProducts,
        ),
    ];
    for (name, builder, expected) in cases {
        assert_eq!(reasons(&builder.build()), vec![expected], "{name}");
    }
}

#[test]
fn every_unpaid_status_is_reported_with_that_status() {
    for status in [
        FinancialStatus::Authorized,
        FinancialStatus::PartiallyPaid,
        FinancialStatus::Refunded,
        FinancialStatus::Voided,
        FinancialStatus::Expired,
        FinancialStatus::Unknown("HELD".to_owned()),
    ] {
        let order = OrderBuilder::new().financial_status(status.clone()).build();
        assert_eq!(reasons(&order), vec![IneligibleReason::NotPaid { status }]);
    }
}

#[test]
fn passing_variants_of_each_rule_stay_eligible() {
    let cases: Vec<(&str, OrderBuilder)> = vec![
        (
            "partially_refunded_counts_as_paid",
            OrderBuilder::new().financial_status(FinancialStatus::PartiallyRefunded),
        ),
        (
            "name_only_on_the_customer_is_enough",
            OrderBuilder::new().with_address(|a| {
                a.first_name = None;
                a.last_name = None;
            }),
        ),
        (
            "last_name_only_on_the_address_is_enough",
            OrderBuilder::new()
                .customer(None)
                .with_address(|a| a.first_name = None),
        ),
        (
            "no_postal_code_needed_in_hong_kong",
            OrderBuilder::new().with_address(|a| {
                a.country_code = Some(country("HK"));
                a.zip = None;
            }),
        ),
        (
            "no_postal_code_needed_in_ireland",
            OrderBuilder::new().with_address(|a| {
                a.country_code = Some(country("IE"));
                a.zip = None;
            }),
        ),
        (
            "one_synced_item_to_ship_among_others_is_enough",
            OrderBuilder::new().line_items(vec![
                line(1, None, 1, "10.00"),
                line(2, Some(999), 1, "10.00"),
                line(3, Some(103), 1, "10.00"),
            ]),
        ),
        (
            "a_cent_is_worth_pushing",
            OrderBuilder::new().total(usd("0.01")),
        ),
    ];
    for (name, builder) in cases {
        assert_eq!(
            evaluate(&builder.build(), &catalog()),
            Eligibility::Eligible,
            "{name}"
        );
    }
}

#[test]
fn all_failing_rules_are_reported_in_a_stable_order() {
    let order = OrderBuilder::new()
        .financial_status(FinancialStatus::Refunded)
        .cancelled()
        .customer(None)
        .with_address(|a| {
            a.first_name = None;
            a.last_name = None;
            a.address1 = None;
            a.city = None;
            a.zip = None;
        })
        .total(usd("0"))
        .line_items(vec![line(1, None, 1, "0")])
        .build();
    let codes: Vec<&str> = reasons(&order).iter().map(IneligibleReason::code).collect();
    assert_eq!(
        codes,
        vec![
            "not_paid",
            "cancelled",
            "missing_customer_name",
            "incomplete_shipping_address",
            "zero_value",
            "no_synced_products"
        ]
    );
    assert_eq!(
        reasons(&order)[3],
        IneligibleReason::IncompleteShippingAddress {
            missing: vec![
                AddressField::Address1,
                AddressField::City,
                AddressField::PostalCode
            ]
        }
    );
}

#[test]
fn missing_address_and_missing_name_are_both_reported() {
    let order = OrderBuilder::new()
        .shipping_address(None)
        .customer(None)
        .financial_status(FinancialStatus::Pending)
        .build();
    assert_eq!(
        reasons(&order),
        vec![
            IneligibleReason::NotPaid {
                status: FinancialStatus::Pending
            },
            IneligibleReason::MissingCustomerName,
            IneligibleReason::MissingShippingAddress,
        ]
    );
}

#[test]
fn without_a_country_the_postal_code_is_not_judged() {
    let order = OrderBuilder::new()
        .with_address(|a| {
            a.country_code = None;
            a.zip = None;
        })
        .build();
    assert_eq!(
        reasons(&order),
        vec![IneligibleReason::IncompleteShippingAddress {
            missing: vec![AddressField::Country]
        }]
    );
}

#[test]
fn messages_tell_the_merchant_what_happened_and_what_to_do() {
    let cases = [
        (
            IneligibleReason::NotPaid {
                status: FinancialStatus::Pending,
            },
            "Not paid yet (payment status: Pending). It becomes eligible when the payment is captured.",
        ),
        (
            IneligibleReason::ZeroValue { total: usd("0") },
            "The order total is 0.00 USD; only orders worth more than 0.00 are pushed.",
        ),
        (
            IneligibleReason::NoSyncedProducts,
            "None of the items are synced products. Link the products in Synced products to push them.",
        ),
        (
            IneligibleReason::NothingToShip,
            "Nothing is left to push: every synced item has been fulfilled or removed.",
        ),
        (
            IneligibleReason::IncompleteShippingAddress {
                missing: vec![AddressField::City, AddressField::PostalCode],
            },
            "The shipping address is missing: city, postal code. Complete the shipping address to push the order.",
        ),
        (
            IneligibleReason::Cancelled,
            "The order was cancelled. Cancelled orders are not pushed.",
        ),
        (
            IneligibleReason::MissingCustomerName,
            "The order has no customer name. Add a first or last name to the shipping address.",
        ),
        (
            IneligibleReason::MissingShippingAddress,
            "The order has no shipping address. Add a shipping address to the order to push it.",
        ),
    ];
    for (reason, message) in cases {
        assert_eq!(reason.message(), message);
    }
    let partially = IneligibleReason::NotPaid {
        status: FinancialStatus::PartiallyPaid,
    };
    assert!(partially
        .message()
        .contains("payment status: Partially paid"));
}

#[test]
fn reasons_serialize_with_their_code_and_round_trip() {
    let all = vec![
        IneligibleReason::NotPaid {
            status: FinancialStatus::Voided,
        },
        IneligibleReason::Cancelled,
        IneligibleReason::MissingCustomerName,
        IneligibleReason::MissingShippingAddress,
        IneligibleReason::IncompleteShippingAddress {
            missing: vec![AddressField::Country],
        },
        IneligibleReason::ZeroValue { total: usd("0") },
        IneligibleReason::NoSyncedProducts,
        IneligibleReason::NothingToShip,
    ];
    for reason in &all {
        let json = serde_json::to_value(reason).unwrap();
        assert_eq!(json["code"], reason.code());
    }
    let eligibility = Eligibility::Ineligible(all);
    let json = serde_json::to_string(&eligibility).unwrap();
    assert_eq!(
        serde_json::from_str::<Eligibility>(&json).unwrap(),
        eligibility
    );
    let json = serde_json::to_string(&Eligibility::Eligible).unwrap();
    assert_eq!(
        serde_json::from_str::<Eligibility>(&json).unwrap(),
        Eligibility::Eligible
    );
}
