//! The input of `orderCreate`: the subset of `OrderCreateOrderInput` ordersync fills when it
//! pushes a source store's order to the destination store. Absent fields are not sent.

use rust_decimal::Decimal;
use serde::Serialize;

/// An order to create (`OrderCreateOrderInput`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrder {
    /// Contact email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Contact phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Currency of the prices below, e.g. `USD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Lines.
    pub line_items: Vec<NewOrderLine>,
    /// Shipping address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<AddressInput>,
    /// Billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<AddressInput>,
    /// Shipping charges.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shipping_lines: Vec<NewShippingLine>,
    /// `PAID`, `PENDING`, `AUTHORIZED`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub financial_status: Option<String>,
    /// Note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Tags (ordersync tags pushed orders so it can find them again).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The id of the order on the originating platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identifier: Option<String>,
    /// A test order.
    pub test: bool,
}

/// A line of a new order: a variant, or a custom item with a title.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrderLine {
    /// The variant (`gid://shopify/ProductVariant/…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Title of a custom item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Units.
    pub quantity: u32,
    /// Unit price (the variant's price when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_set: Option<MoneyBag>,
}

/// A shipping charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewShippingLine {
    /// e.g. `Standard`.
    pub title: String,
    /// Price.
    pub price_set: MoneyBag,
}

/// An amount in the shop's currency (`MoneyBagInput`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyBag {
    /// The amount.
    pub shop_money: Money,
}

impl MoneyBag {
    /// `amount` in `currency_code`.
    pub fn new(amount: Decimal, currency_code: impl Into<String>) -> Self {
        MoneyBag {
            shop_money: Money {
                amount,
                currency_code: currency_code.into(),
            },
        }
    }
}

/// An exact amount and its currency (`MoneyInput`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    /// Sent as a decimal string.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// e.g. `USD`.
    pub currency_code: String,
}

/// A mailing address (`MailingAddressInput`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Street.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Apartment, suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Province code, e.g. `OR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// ISO country code, e.g. `US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `OrderCreateOptionsInput`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreateOptions {
    /// `BYPASS` (default), `DECREMENT_IGNORING_POLICY`, `DECREMENT_OBEYING_POLICY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_behaviour: Option<String>,
    /// Email the customer a receipt.
    pub send_receipt: bool,
    /// Email the customer when shipped.
    pub send_fulfillment_receipt: bool,
}
