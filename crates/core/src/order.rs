//! The destination order model.
//!
//! A shopper's order on the destination store, as much of it as deciding
//! eligibility and planning pushes needs. Identifiers, money and emails are
//! validated types; addresses stay raw (as Shopify gives them) so that an order
//! with a bad address can still be represented and the merchant told why it is
//! not eligible.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::ids::{string_newtype_impls, LineItemId, OrderId, OrderName, VariantId};
use crate::money::{CurrencyCode, Money};

/// Why an order field was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// Not two ASCII letters.
    #[error("invalid country code {0:?}: expected two letters such as US")]
    InvalidCountryCode(String),
}

/// The order's payment status. Parses Shopify's REST (`partially_paid`) and
/// GraphQL (`PARTIALLY_PAID`) forms; anything else is kept as `Unknown` so new
/// Shopify statuses don't break parsing. Serialized as the REST form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FinancialStatus {
    /// Payment pending.
    Pending,
    /// Authorized, not captured.
    Authorized,
    /// Part of the total was paid.
    PartiallyPaid,
    /// Paid in full.
    Paid,
    /// Paid, then part refunded.
    PartiallyRefunded,
    /// Refunded in full.
    Refunded,
    /// Authorization voided.
    Voided,
    /// Authorization expired.
    Expired,
    /// A status this version does not know, as Shopify sent it.
    Unknown(String),
}

impl FinancialStatus {
    /// Parses REST or GraphQL forms, case-insensitively; never fails.
    pub fn parse(status: &str) -> Self {
        match status.trim().to_ascii_lowercase().as_str() {
            "pending" => Self::Pending,
            "authorized" => Self::Authorized,
            "partially_paid" => Self::PartiallyPaid,
            "paid" => Self::Paid,
            "partially_refunded" => Self::PartiallyRefunded,
            "refunded" => Self::Refunded,
            "voided" => Self::Voided,
            "expired" => Self::Expired,
            _ => Self::Unknown(status.to_owned()),
        }
    }

    /// The REST form, e.g. "partially_paid" (unknown statuses as received).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Authorized => "authorized",
            Self::PartiallyPaid => "partially_paid",
            Self::Paid => "paid",
            Self::PartiallyRefunded => "partially_refunded",
            Self::Refunded => "refunded",
            Self::Voided => "voided",
            Self::Expired => "expired",
            Self::Unknown(raw) => raw,
        }
    }

    /// Whether the money was captured. True for `Paid` and also for
    /// `PartiallyRefunded`: a partial refund happens after the full payment was
    /// captured, and the items not refunded still have to ship.
    pub fn is_paid(&self) -> bool {
        matches!(self, Self::Paid | Self::PartiallyRefunded)
    }

    /// The status in the merchant's words, e.g. "Partially refunded".
    pub fn label(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::Authorized => "Authorized",
            Self::PartiallyPaid => "Partially paid",
            Self::Paid => "Paid",
            Self::PartiallyRefunded => "Partially refunded",
            Self::Refunded => "Refunded",
            Self::Voided => "Voided",
            Self::Expired => "Expired",
            Self::Unknown(raw) => raw,
        }
    }
}

impl From<String> for FinancialStatus {
    fn from(value: String) -> Self {
        Self::parse(&value)
    }
}

impl From<FinancialStatus> for String {
    fn from(value: FinancialStatus) -> Self {
        value.as_str().to_owned()
    }
}

/// The destination order's fulfillment status. Parses REST (`null`,
/// `"partial"`, `"fulfilled"`, `"restocked"`) and GraphQL (`UNFULFILLED`,
/// `PARTIALLY_FULFILLED`, `FULFILLED`, `RESTOCKED`) forms; other values (such as
/// GraphQL's `ON_HOLD`) are kept as `Unknown`. Serialized as snake_case
/// (`"unfulfilled"`, `"partially_fulfilled"`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FulfillmentStatus {
    /// Nothing shipped yet.
    Unfulfilled,
    /// Some items shipped.
    PartiallyFulfilled,
    /// Everything shipped.
    Fulfilled,
    /// Items were restocked.
    Restocked,
    /// A status this version does not know, as Shopify sent it.
    Unknown(String),
}

impl FulfillmentStatus {
    /// Parses REST (`None` means unfulfilled) or GraphQL forms; never fails.
    pub fn parse(status: Option<&str>) -> Self {
        let Some(raw) = status else {
            return Self::Unfulfilled;
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "unfulfilled" => Self::Unfulfilled,
            "partial" | "partially_fulfilled" => Self::PartiallyFulfilled,
            "fulfilled" => Self::Fulfilled,
            "restocked" => Self::Restocked,
            _ => Self::Unknown(raw.to_owned()),
        }
    }

    /// The snake_case form (unknown statuses as received).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unfulfilled => "unfulfilled",
            Self::PartiallyFulfilled => "partially_fulfilled",
            Self::Fulfilled => "fulfilled",
            Self::Restocked => "restocked",
            Self::Unknown(raw) => raw,
        }
    }
}

impl From<String> for FulfillmentStatus {
    fn from(value: String) -> Self {
        Self::parse(Some(&value))
    }
}

impl From<FulfillmentStatus> for String {
    fn from(value: FulfillmentStatus) -> Self {
        value.as_str().to_owned()
    }
}

/// An ISO 3166-1 alpha-2 country code such as "US" (input is uppercased).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

/// Countries whose addresses have no postal code, or where it is optional
/// (Ireland's Eircode; Hong Kong, Qatar, UAE and much of Africa and the
/// Caribbean have none). Based on Shopify's and the UPU's address formats.
const COUNTRIES_WITHOUT_POSTAL_CODE: &[&str] = &[
    "AE", "AG", "AN", "AO", "AW", "BF", "BI", "BJ", "BO", "BS", "BW", "BZ", "CD", "CF", "CG", "CI",
    "CK", "CM", "DJ", "DM", "ER", "FJ", "GA", "GD", "GH", "GM", "GQ", "GY", "HK", "IE", "JM", "KI",
    "KM", "KN", "KP", "LC", "ML", "MO", "MR", "MS", "MW", "NR", "NU", "QA", "RW", "SB", "SC", "SL",
    "SO", "SR", "ST", "SY", "TD", "TF", "TG", "TK", "TL", "TO", "TT", "TV", "TZ", "UG", "VU", "YE",
    "ZW",
];

impl CountryCode {
    /// Parses two ASCII letters.
    pub fn parse(code: &str) -> Result<Self, OrderError> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(OrderError::InvalidCountryCode(code.to_owned())),
        }
    }

    /// The code, e.g. "US".
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }

    /// Whether addresses in this country need a postal code to be shippable.
    pub fn uses_postal_code(&self) -> bool {
        !COUNTRIES_WITHOUT_POSTAL_CODE.contains(&self.as_str())
    }
}

string_newtype_impls!(CountryCode, OrderError);

/// A postal address as Shopify gives it; see [`crate::eligibility`] for what
/// makes it shippable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street address.
    pub address1: Option<String>,
    /// Apartment, suite, etc.
    pub address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province or state name.
    pub province: Option<String>,
    /// Province or state code.
    pub province_code: Option<String>,
    /// Country name.
    pub country: Option<String>,
    /// Country code; `None` when missing or not a valid code.
    pub country_code: Option<CountryCode>,
    /// Postal code.
    pub zip: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// The shopper who placed the order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Customer {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email, if valid.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<String>,
}

/// A discount Shopify allocated to a line item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    /// The discount code, if it came from one.
    pub code: Option<String>,
    /// The amount taken off the line.
    pub amount: Money,
}

/// An item of the destination order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// The line item.
    pub id: LineItemId,
    /// The variant bought; `None` for custom items.
    pub variant: Option<VariantId>,
    /// The SKU as given on the order.
    pub sku: Option<String>,
    /// Product title.
    pub title: String,
    /// Variant title, e.g. "Large / Blue".
    pub variant_title: Option<String>,
    /// Quantity ordered.
    pub quantity: u32,
    /// Quantity still to ship; 0 when removed or fully fulfilled.
    pub fulfillable_quantity: u32,
    /// Price of one item before discounts.
    pub unit_price: Money,
    /// Discounts allocated to this line.
    pub discounts: Vec<Discount>,
    /// Whether the item is shipped.
    pub requires_shipping: bool,
}

/// A shipping line the shopper chose on the destination store. Never carried
/// over to pushed orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalShippingLine {
    /// Shipping method title, e.g. "Express".
    pub title: String,
    /// Shipping method code.
    pub code: Option<String>,
    /// What the shopper paid for shipping.
    pub price: Money,
}

/// An order placed on the destination store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationOrder {
    /// The order.
    pub id: OrderId,
    /// The order's name, e.g. "#1001".
    pub name: OrderName,
    /// Payment status.
    pub financial_status: FinancialStatus,
    /// Fulfillment status on the destination store.
    pub fulfillment_status: FulfillmentStatus,
    /// Whether the order was cancelled.
    pub cancelled: bool,
    /// The shopper, if any.
    pub customer: Option<Customer>,
    /// The order's contact email.
    pub email: Option<Email>,
    /// Where to ship.
    pub shipping_address: Option<Address>,
    /// Billing address.
    pub billing_address: Option<Address>,
    /// The items.
    pub line_items: Vec<LineItem>,
    /// Items subtotal after discounts.
    pub subtotal: Money,
    /// Order total.
    pub total: Money,
    /// Shipping the shopper paid.
    pub total_shipping: Money,
    /// Discount codes used.
    pub discount_codes: Vec<String>,
    /// Shipping methods chosen.
    pub shipping_lines: Vec<OriginalShippingLine>,
    /// The order's currency.
    pub currency: CurrencyCode,
    /// When the order was placed.
    pub created_at: DateTime<Utc>,
    /// When the order last changed.
    pub updated_at: DateTime<Utc>,
}

/// `Some(trimmed)` if the text has anything but whitespace.
pub(crate) fn non_blank(text: Option<&String>) -> Option<&str> {
    text.map(|t| t.trim()).filter(|t| !t.is_empty())
}

/// Joins the non-blank parts of a first and last name.
fn full_name(first: Option<&String>, last: Option<&String>) -> Option<String> {
    let parts: Vec<&str> = [non_blank(first), non_blank(last)]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

impl DestinationOrder {
    /// The order's contact email, else the customer's email.
    pub fn customer_email(&self) -> Option<&Email> {
        self.email
            .as_ref()
            .or_else(|| self.customer.as_ref().and_then(|c| c.email.as_ref()))
    }

    /// Removes everything that identifies the shopper (customer, contact email, both
    /// addresses), keeping the items and amounts: what a `customers/redact` leaves behind.
    pub fn redact_personal_data(&mut self) {
        self.customer = None;
        self.email = None;
        self.shipping_address = None;
        self.billing_address = None;
    }

    /// The customer's name ("Jane Doe"), else the name on the shipping address.
    pub fn customer_name(&self) -> Option<String> {
        self.customer
            .as_ref()
            .and_then(|c| full_name(c.first_name.as_ref(), c.last_name.as_ref()))
            .or_else(|| {
                self.shipping_address
                    .as_ref()
                    .and_then(|a| full_name(a.first_name.as_ref(), a.last_name.as_ref()))
            })
    }
}

#[cfg(test)]
mod tests;
