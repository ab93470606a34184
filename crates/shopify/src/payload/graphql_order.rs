//! The Admin API's `Order` (as `graphql/reconcile_orders.graphql` selects it) → the same
//! [`DestinationOrder`] a webhook body gives, so order reconciliation and webhook intake take an
//! order in through one code path and one state read both ways compares equal.
//!
//! Correspondences with the REST body ([`super::parse_order`]): `displayFinancialStatus` ↔
//! `financial_status`, `displayFulfillmentStatus` ↔ `fulfillment_status` (both parsed by the
//! domain), `unfulfilledQuantity` ↔ `fulfillable_quantity` (units still to ship: current quantity
//! minus shipped), `originalUnitPriceSet` ↔ `price`, `current*PriceSet` ↔ `current_*_price`,
//! `countryCodeV2` ↔ `country_code`, `cancelledAt` ↔ `cancelled_at`; amounts in shop money.
//! An order whose lines do not fit the document's first page is refused (naming `lineItems`)
//! rather than taken in with lines missing.

use ordersync_core::{
    Address, CountryCode, CurrencyCode, Customer, DestinationOrder, Discount, Email,
    FinancialStatus, FulfillmentStatus, LineItem, LineItemId, OrderId, OrderName,
    OriginalShippingLine, VariantId,
};
use serde::Deserialize;

use super::order::{bad, money, non_blank, time};
use super::OrderPayloadError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlOrder {
    id: String,
    name: String,
    display_financial_status: Option<String>,
    display_fulfillment_status: Option<String>,
    cancelled_at: Option<String>,
    email: Option<String>,
    currency_code: String,
    created_at: String,
    updated_at: String,
    customer: Option<GqlCustomer>,
    shipping_address: Option<GqlAddress>,
    billing_address: Option<GqlAddress>,
    line_items: GqlLines,
    current_subtotal_price_set: Option<MoneyBag>,
    current_total_price_set: Option<MoneyBag>,
    total_shipping_price_set: Option<MoneyBag>,
    #[serde(default)]
    discount_codes: Vec<String>,
    shipping_lines: GqlShippingLines,
}

#[derive(Deserialize)]
struct MoneyBag {
    #[serde(rename = "shopMoney")]
    shop_money: MoneyV2,
}

#[derive(Deserialize)]
struct MoneyV2 {
    amount: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlCustomer {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlAddress {
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    province_code: Option<String>,
    country: Option<String>,
    country_code_v2: Option<String>,
    zip: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlLines {
    page_info: Option<GqlPageInfo>,
    nodes: Vec<GqlLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlPageInfo {
    has_next_page: bool,
}

#[derive(Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlLine {
    id: String,
    title: Option<String>,
    name: Option<String>,
    variant_title: Option<String>,
    sku: Option<String>,
    quantity: u32,
    unfulfilled_quantity: Option<u32>,
    #[serde(default = "yes")]
    requires_shipping: bool,
    variant: Option<IdRef>,
    original_unit_price_set: MoneyBag,
    #[serde(default)]
    discount_allocations: Vec<GqlAllocation>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlAllocation {
    allocated_amount_set: MoneyBag,
}

#[derive(Deserialize)]
struct GqlShippingLines {
    nodes: Vec<GqlShippingLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GqlShippingLine {
    title: Option<String>,
    code: Option<String>,
    original_price_set: Option<MoneyBag>,
}

fn address(raw: Option<GqlAddress>) -> Option<Address> {
    let a = raw?;
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
        // As for webhooks: an unusable code stays out of the model and eligibility says so.
        country_code: non_blank(a.country_code_v2).and_then(|c| CountryCode::parse(&c).ok()),
        zip: non_blank(a.zip),
        phone: non_blank(a.phone),
    })
}

fn amount(bag: Option<MoneyBag>) -> String {
    bag.map_or_else(|| "0".to_owned(), |b| b.shop_money.amount)
}

/// Parses one `orders` node of `ReconcileOrders` into the destination order model.
pub fn parse_graphql_order(
    node: &serde_json::Value,
) -> Result<DestinationOrder, OrderPayloadError> {
    let raw: GqlOrder =
        serde_path_to_error::deserialize(node.clone()).map_err(|e| OrderPayloadError::Shape {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    if raw
        .line_items
        .page_info
        .as_ref()
        .is_some_and(|p| p.has_next_page)
    {
        return Err(bad(
            "lineItems",
            format!(
                "order {} has more than {} lines, more than one page",
                raw.name,
                raw.line_items.nodes.len()
            ),
        ));
    }
    let currency = CurrencyCode::parse(&raw.currency_code).map_err(|e| bad("currencyCode", e))?;
    let email = match non_blank(raw.email) {
        Some(e) => Some(Email::parse(&e).map_err(|err| bad("email", err))?),
        None => None,
    };
    let customer = raw.customer.map(|c| Customer {
        first_name: non_blank(c.first_name),
        last_name: non_blank(c.last_name),
        email: non_blank(c.email).and_then(|e| Email::parse(&e).ok()),
        phone: non_blank(c.phone),
    });
    let mut line_items = Vec::with_capacity(raw.line_items.nodes.len());
    for (i, l) in raw.line_items.nodes.into_iter().enumerate() {
        let f = |name: &str| format!("lineItems[{i}].{name}");
        let discounts = l
            .discount_allocations
            .into_iter()
            .enumerate()
            .map(|(j, d)| {
                Ok(Discount {
                    code: None,
                    amount: money(
                        &f(&format!("discountAllocations[{j}].allocatedAmountSet")),
                        &d.allocated_amount_set.shop_money.amount,
                        &currency,
                    )?,
                })
            })
            .collect::<Result<Vec<_>, OrderPayloadError>>()?;
        line_items.push(LineItem {
            id: LineItemId::parse(&l.id).map_err(|e| bad(f("id"), e))?,
            variant: l
                .variant
                .map(|v| VariantId::parse(&v.id))
                .transpose()
                .map_err(|e| bad(f("variant.id"), e))?,
            sku: non_blank(l.sku),
            title: non_blank(l.title)
                .or(non_blank(l.name))
                .unwrap_or_else(|| "Untitled item".to_owned()),
            variant_title: non_blank(l.variant_title),
            quantity: l.quantity,
            fulfillable_quantity: l.unfulfilled_quantity.unwrap_or(l.quantity),
            unit_price: money(
                &f("originalUnitPriceSet"),
                &l.original_unit_price_set.shop_money.amount,
                &currency,
            )?,
            discounts,
            requires_shipping: l.requires_shipping,
        });
    }
    let shipping_lines = raw
        .shipping_lines
        .nodes
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(OriginalShippingLine {
                title: non_blank(s.title).unwrap_or_default(),
                code: non_blank(s.code),
                price: money(
                    &format!("shippingLines[{i}].originalPriceSet"),
                    &amount(s.original_price_set),
                    &currency,
                )?,
            })
        })
        .collect::<Result<Vec<_>, OrderPayloadError>>()?;
    Ok(DestinationOrder {
        id: OrderId::parse(&raw.id).map_err(|e| bad("id", e))?,
        name: OrderName::parse(&raw.name).map_err(|e| bad("name", e))?,
        financial_status: FinancialStatus::parse(
            raw.display_financial_status.as_deref().unwrap_or("pending"),
        ),
        fulfillment_status: FulfillmentStatus::parse(raw.display_fulfillment_status.as_deref()),
        cancelled: raw.cancelled_at.is_some(),
        customer,
        email,
        shipping_address: address(raw.shipping_address),
        billing_address: address(raw.billing_address),
        line_items,
        subtotal: money(
            "currentSubtotalPriceSet",
            &amount(raw.current_subtotal_price_set),
            &currency,
        )?,
        total: money(
            "currentTotalPriceSet",
            &amount(raw.current_total_price_set),
            &currency,
        )?,
        total_shipping: money(
            "totalShippingPriceSet",
            &amount(raw.total_shipping_price_set),
            &currency,
        )?,
        discount_codes: raw
            .discount_codes
            .into_iter()
            .filter_map(|c| non_blank(Some(c)))
            .collect(),
        shipping_lines,
        currency,
        created_at: time("createdAt", &raw.created_at)?,
        updated_at: time("updatedAt", &raw.updated_at)?,
    })
}
