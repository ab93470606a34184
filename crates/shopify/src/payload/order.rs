//! `orders/*` webhook bodies → [`DestinationOrder`].
//!
//! Choices: amounts are the shop-currency ones (`current_total_price`, `price`, ...) in the
//! order's `currency`; "still to ship" is `fulfillable_quantity`, which already excludes removed
//! and fulfilled units; a line's variant comes from the numeric `variant_id` (REST line items
//! carry no variant GID); a cancelled order has a `cancelled_at`.

use chrono::{DateTime, Utc};
use ordersync_core::{
    Address, CountryCode, CurrencyCode, Customer, DestinationOrder, Discount, Email,
    FinancialStatus, FulfillmentStatus, LineItem, LineItemId, Money, OrderId, OrderName,
    OriginalShippingLine, VariantId,
};
use serde::Deserialize;

/// Why a body could not be read as an order.
#[derive(Debug, thiserror::Error)]
pub enum OrderPayloadError {
    /// Not JSON, or a field has the wrong JSON type.
    #[error("order payload: field `{path}`: {message}")]
    Shape {
        /// Where, e.g. `line_items[2].quantity`.
        path: String,
        /// What serde said.
        message: String,
    },
    /// A field has the right type but an unusable value.
    #[error("order payload: field `{field}`: {problem}")]
    Value {
        /// Where.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

pub(super) fn bad(field: impl Into<String>, problem: impl std::fmt::Display) -> OrderPayloadError {
    OrderPayloadError::Value {
        field: field.into(),
        problem: problem.to_string(),
    }
}

#[derive(Deserialize)]
struct RawOrder {
    admin_graphql_api_id: String,
    name: String,
    financial_status: Option<String>,
    fulfillment_status: Option<String>,
    cancelled_at: Option<String>,
    email: Option<String>,
    contact_email: Option<String>,
    currency: String,
    current_subtotal_price: Option<String>,
    subtotal_price: Option<String>,
    current_total_price: Option<String>,
    total_price: Option<String>,
    total_shipping_price_set: Option<PriceSet>,
    #[serde(default)]
    discount_codes: Vec<RawDiscountCode>,
    #[serde(default)]
    shipping_lines: Vec<RawShippingLine>,
    customer: Option<RawCustomer>,
    shipping_address: Option<RawAddress>,
    billing_address: Option<RawAddress>,
    #[serde(default)]
    line_items: Vec<RawLineItem>,
    created_at: String,
    updated_at: String,
}

#[derive(Deserialize)]
struct PriceSet {
    shop_money: RawMoney,
}

#[derive(Deserialize)]
struct RawMoney {
    amount: String,
}

#[derive(Deserialize)]
struct RawDiscountCode {
    code: Option<String>,
}

#[derive(Deserialize)]
struct RawShippingLine {
    title: Option<String>,
    code: Option<String>,
    price: Option<String>,
}

#[derive(Deserialize)]
struct RawCustomer {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
struct RawAddress {
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    province_code: Option<String>,
    country: Option<String>,
    country_code: Option<String>,
    zip: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
struct RawLineItem {
    admin_graphql_api_id: String,
    variant_id: Option<u64>,
    sku: Option<String>,
    title: Option<String>,
    name: Option<String>,
    variant_title: Option<String>,
    quantity: u32,
    fulfillable_quantity: Option<u32>,
    current_quantity: Option<u32>,
    price: String,
    #[serde(default)]
    discount_allocations: Vec<RawDiscountAllocation>,
    #[serde(default = "yes")]
    requires_shipping: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct RawDiscountAllocation {
    amount: String,
}

pub(super) fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub(super) fn time(field: &str, value: &str) -> Result<DateTime<Utc>, OrderPayloadError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| bad(field, format!("`{value}` is not an RFC 3339 time ({e})")))
}

pub(super) fn money(
    field: &str,
    amount: &str,
    currency: &CurrencyCode,
) -> Result<Money, OrderPayloadError> {
    Money::parse(amount, currency.as_str()).map_err(|e| bad(field, e))
}

fn address(raw: Option<RawAddress>) -> Option<Address> {
    let a = raw?;
    let country_code = match non_blank(a.country_code) {
        // An unusable country code is kept out of the model; eligibility then says the
        // address has no country, which is what the merchant must fix.
        Some(code) => CountryCode::parse(&code).ok(),
        None => None,
    };
    Some(Address {
        first_name: non_blank(a.first_name),
        last_name: non_blank(a.last_name),
        company: non_blank(a.company),
        address1: non_blank(a.address1),
        address2: non_blank(a.address2),
        city: non_blank(a.city),
        province: non_blank(a.province),
        province_code: non_blank(a.province_code),
        country: non_blank(a.country),
        country_code,
        zip: non_blank(a.zip),
        phone: non_blank(a.phone),
    })
}

/// Parses an `orders/create`, `orders/updated`, `orders/paid` or `orders/cancelled` body.
pub fn parse_order(body: &[u8]) -> Result<DestinationOrder, OrderPayloadError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let raw: RawOrder =
        serde_path_to_error::deserialize(de).map_err(|e| OrderPayloadError::Shape {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    let currency = CurrencyCode::parse(&raw.currency).map_err(|e| bad("currency", e))?;
    let email = match non_blank(raw.email).or(non_blank(raw.contact_email)) {
        Some(e) => Some(Email::parse(&e).map_err(|err| bad("email", err))?),
        None => None,
    };
    let customer = match raw.customer {
        Some(c) => Some(Customer {
            first_name: non_blank(c.first_name),
            last_name: non_blank(c.last_name),
            // A malformed customer email is dropped rather than failing the whole order; the
            // order-level `email` is what ordersync uses first.
            email: non_blank(c.email).and_then(|e| Email::parse(&e).ok()),
            phone: non_blank(c.phone),
        }),
        None => None,
    };
    let mut line_items = Vec::with_capacity(raw.line_items.len());
    for (i, l) in raw.line_items.into_iter().enumerate() {
        let f = |name: &str| format!("line_items[{i}].{name}");
        let discounts = l
            .discount_allocations
            .iter()
            .enumerate()
            .map(|(j, d)| {
                Ok(Discount {
                    code: None,
                    amount: money(
                        &f(&format!("discount_allocations[{j}].amount")),
                        &d.amount,
                        &currency,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, OrderPayloadError>>()?;
        line_items.push(LineItem {
            id: LineItemId::parse(&l.admin_graphql_api_id)
                .map_err(|e| bad(f("admin_graphql_api_id"), e))?,
            variant: l
                .variant_id
                .map(VariantId::from_numeric)
                .transpose()
                .map_err(|e| bad(f("variant_id"), e))?,
            sku: non_blank(l.sku),
            title: non_blank(l.title)
                .or(non_blank(l.name))
                .unwrap_or_else(|| "Untitled item".to_owned()),
            variant_title: non_blank(l.variant_title),
            quantity: l.quantity,
            fulfillable_quantity: l
                .fulfillable_quantity
                .or(l.current_quantity)
                .unwrap_or(l.quantity),
            unit_price: money(&f("price"), &l.price, &currency)?,
            discounts,
            requires_shipping: l.requires_shipping,
        });
    }
    let subtotal = raw
        .current_subtotal_price
        .or(raw.subtotal_price)
        .unwrap_or_else(|| "0".to_owned());
    let total = raw
        .current_total_price
        .or(raw.total_price)
        .unwrap_or_else(|| "0".to_owned());
    let shipping = raw
        .total_shipping_price_set
        .map(|p| p.shop_money.amount)
        .unwrap_or_else(|| "0".to_owned());
    let shipping_lines = raw
        .shipping_lines
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(OriginalShippingLine {
                title: non_blank(s.title).unwrap_or_default(),
                code: non_blank(s.code),
                price: money(
                    &format!("shipping_lines[{i}].price"),
                    s.price.as_deref().unwrap_or("0"),
                    &currency,
                )?,
            })
        })
        .collect::<Result<Vec<_>, OrderPayloadError>>()?;
    Ok(DestinationOrder {
        id: OrderId::parse(&raw.admin_graphql_api_id)
            .map_err(|e| bad("admin_graphql_api_id", e))?,
        name: OrderName::parse(&raw.name).map_err(|e| bad("name", e))?,
        financial_status: FinancialStatus::parse(
            raw.financial_status.as_deref().unwrap_or("pending"),
        ),
        fulfillment_status: FulfillmentStatus::parse(raw.fulfillment_status.as_deref()),
        cancelled: raw.cancelled_at.is_some(),
        customer,
        email,
        shipping_address: address(raw.shipping_address),
        billing_address: address(raw.billing_address),
        line_items,
        subtotal: money("current_subtotal_price", &subtotal, &currency)?,
        total: money("current_total_price", &total, &currency)?,
        total_shipping: money("total_shipping_price_set", &shipping, &currency)?,
        discount_codes: raw
            .discount_codes
            .into_iter()
            .filter_map(|d| non_blank(d.code))
            .collect(),
        shipping_lines,
        currency,
        created_at: time("created_at", &raw.created_at)?,
        updated_at: time("updated_at", &raw.updated_at)?,
    })
}
