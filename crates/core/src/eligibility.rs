//! Which destination orders may be pushed, and why not.
//!
//! Only paid, live orders with a reachable customer, worth something, and
//! containing synced products still to ship are pushed to source stores.
//! [`evaluate`] checks every rule and reports all failures at once, in a stable
//! order, each with a message telling the merchant what to do.
//!
//! | # | Rule | Reason when it fails |
//! |---|------|----------------------|
//! | 1 | payment captured ([`FinancialStatus::is_paid`]) | `not_paid` |
//! | 2 | not cancelled | `cancelled` |
//! | 3 | a first or last name, on the shipping address or the customer | `missing_customer_name` |
//! | 4 | a shipping address | `missing_shipping_address` |
//! | 4 | it has address line 1, city, a valid country code, and a postal code where the country uses one | `incomplete_shipping_address` |
//! | 5 | total above zero | `zero_value` |
//! | 6 | an item whose variant is synced and still has something to ship | `no_synced_products` (no item is a synced product), or `nothing_to_ship` (the synced items are all fulfilled or removed, e.g. after the source store shipped them) |
//!
//! The postal code is only judged when the country code is valid: without a
//! country we cannot know whether one is needed (the country is reported).

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::order::{non_blank, Address, DestinationOrder, FinancialStatus};
use crate::shop::SyncedCatalog;

/// A part of the shipping address needed to ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressField {
    /// Street address (address line 1).
    Address1,
    /// City.
    City,
    /// Country (a valid country code).
    Country,
    /// Postal code.
    PostalCode,
}

impl AddressField {
    /// The field in the merchant's words.
    pub fn label(&self) -> &'static str {
        match self {
            AddressField::Address1 => "street address",
            AddressField::City => "city",
            AddressField::Country => "country",
            AddressField::PostalCode => "postal code",
        }
    }
}

/// Why an order is not pushed. Serialized with its [`code`](Self::code) as tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum IneligibleReason {
    /// The payment was not captured.
    NotPaid {
        /// The order's payment status.
        status: FinancialStatus,
    },
    /// The order was cancelled.
    Cancelled,
    /// Neither the shipping address nor the customer has a name.
    MissingCustomerName,
    /// The order has no shipping address.
    MissingShippingAddress,
    /// The shipping address lacks fields needed to ship.
    IncompleteShippingAddress {
        /// The missing fields, in address order.
        missing: Vec<AddressField>,
    },
    /// The order total is zero (or less).
    ZeroValue {
        /// The order total.
        total: Money,
    },
    /// No item is a synced product.
    NoSyncedProducts,
    /// There are synced items, but nothing of them is left to ship (all fulfilled or removed).
    NothingToShip,
}

impl IneligibleReason {
    /// A stable machine code, e.g. "not_paid".
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPaid { .. } => "not_paid",
            Self::Cancelled => "cancelled",
            Self::MissingCustomerName => "missing_customer_name",
            Self::MissingShippingAddress => "missing_shipping_address",
            Self::IncompleteShippingAddress { .. } => "incomplete_shipping_address",
            Self::ZeroValue { .. } => "zero_value",
            Self::NoSyncedProducts => "no_synced_products",
            Self::NothingToShip => "nothing_to_ship",
        }
    }

    /// What is wrong and what the merchant can do about it.
    pub fn message(&self) -> String {
        match self {
            Self::NotPaid { status } => format!(
                "Not paid yet (payment status: {}). It becomes eligible when the payment is captured.",
                status.label()
            ),
            Self::Cancelled => "The order was cancelled. Cancelled orders are not pushed.".to_owned(),
            Self::MissingCustomerName => "The order has no customer name. Add a first or last name to the shipping address.".to_owned(),
            Self::MissingShippingAddress => "The order has no shipping address. Add a shipping address to the order to push it.".to_owned(),
            Self::IncompleteShippingAddress { missing } => {
                let fields: Vec<&str> = missing.iter().map(AddressField::label).collect();
                format!(
                    "The shipping address is missing: {}. Complete the shipping address to push the order.",
                    fields.join(", ")
                )
            }
            Self::ZeroValue { total } => format!(
                "The order total is {total}; only orders worth more than {} are pushed.",
                Money::zero(total.currency()).to_shopify_string()
            ),
            Self::NoSyncedProducts => "None of the items are synced products. Link the products in Synced products to push them.".to_owned(),
            Self::NothingToShip => "Nothing is left to push: every synced item has been fulfilled or removed.".to_owned(),
        }
    }
}

/// Whether an order may be pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reasons", rename_all = "snake_case")]
pub enum Eligibility {
    /// Every rule holds.
    Eligible,
    /// The failing rules, in the order of the table in the module docs.
    Ineligible(Vec<IneligibleReason>),
}

impl Eligibility {
    /// Every rule holds.
    pub fn is_eligible(&self) -> bool {
        matches!(self, Eligibility::Eligible)
    }

    /// The failing rules (empty when eligible).
    pub fn reasons(&self) -> &[IneligibleReason] {
        match self {
            Eligibility::Eligible => &[],
            Eligibility::Ineligible(reasons) => reasons,
        }
    }
}

/// Checks every rule and reports all failures, in the module table's order.
pub fn evaluate(order: &DestinationOrder, catalog: &SyncedCatalog) -> Eligibility {
    let mut reasons = order_level_reasons(order);
    let synced = |line: &&crate::order::LineItem| {
        line.variant
            .as_ref()
            .is_some_and(|v| catalog.lookup(v).is_some())
    };
    let mut synced_lines = order.line_items.iter().filter(synced).peekable();
    if synced_lines.peek().is_none() {
        reasons.push(IneligibleReason::NoSyncedProducts);
    } else if !synced_lines.any(|line| line.fulfillable_quantity > 0) {
        reasons.push(IneligibleReason::NothingToShip);
    }
    if reasons.is_empty() {
        Eligibility::Eligible
    } else {
        Eligibility::Ineligible(reasons)
    }
}

/// Rules 1 to 5: everything but the synced products, which a push plan judges
/// per source store.
pub(crate) fn order_level_reasons(order: &DestinationOrder) -> Vec<IneligibleReason> {
    let mut reasons = Vec::new();
    if !order.financial_status.is_paid() {
        reasons.push(IneligibleReason::NotPaid {
            status: order.financial_status.clone(),
        });
    }
    if order.cancelled {
        reasons.push(IneligibleReason::Cancelled);
    }
    if !has_name(order) {
        reasons.push(IneligibleReason::MissingCustomerName);
    }
    match &order.shipping_address {
        None => reasons.push(IneligibleReason::MissingShippingAddress),
        Some(address) => {
            let missing = missing_address_fields(address);
            if !missing.is_empty() {
                reasons.push(IneligibleReason::IncompleteShippingAddress { missing });
            }
        }
    }
    if !order.total.is_positive() {
        reasons.push(IneligibleReason::ZeroValue {
            total: order.total.clone(),
        });
    }
    reasons
}

fn has_name(order: &DestinationOrder) -> bool {
    let address_name = order.shipping_address.as_ref().is_some_and(|a| {
        non_blank(a.first_name.as_ref())
            .or(non_blank(a.last_name.as_ref()))
            .is_some()
    });
    let customer_name = order.customer.as_ref().is_some_and(|c| {
        non_blank(c.first_name.as_ref())
            .or(non_blank(c.last_name.as_ref()))
            .is_some()
    });
    address_name || customer_name
}

fn missing_address_fields(address: &Address) -> Vec<AddressField> {
    let mut missing = Vec::new();
    if non_blank(address.address1.as_ref()).is_none() {
        missing.push(AddressField::Address1);
    }
    if non_blank(address.city.as_ref()).is_none() {
        missing.push(AddressField::City);
    }
    match &address.country_code {
        None => missing.push(AddressField::Country),
        Some(country) => {
            if country.uses_postal_code() && non_blank(address.zip.as_ref()).is_none() {
                missing.push(AddressField::PostalCode);
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests;
