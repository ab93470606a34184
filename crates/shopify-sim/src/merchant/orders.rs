//! Orders: a shopper's checkout (and the Admin API's `orderCreate`, which shares it), payment,
//! cancellation, quantity edits, and the statuses Shopify derives from them.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use super::order_changes::derive_financial_status;
use super::{shop_mut, upsert_customer, MerchantError, NewCustomer, Payment, PlaceOrder};
use crate::state::{
    DiscountCode, FinancialStatus, FulfillmentOrder, FulfillmentOrderLineItem,
    FulfillmentOrderStatus, LineItem, Order, ShippingLine, Topic, Transaction, World,
};

/// A payment transaction recorded with a new order (`orderCreate`'s `transactions`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTransaction {
    /// `SALE`, `AUTHORIZATION`, `CAPTURE`.
    pub kind: String,
    /// `SUCCESS`, `PENDING`, `FAILURE`, `ERROR`.
    pub status: String,
    /// Gateway name.
    pub gateway: String,
    /// Amount.
    pub amount: Decimal,
    /// Test transaction.
    pub test: bool,
}

/// Line details a checkout does not ask for but the Admin API's `orderCreate` can set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineDetails {
    /// Vendor (the product's vendor for a variant line).
    pub vendor: Option<String>,
    /// Ships physically (true for a variant line, `false` by default for a custom item via the API).
    pub requires_shipping: Option<bool>,
    /// Taxable (default true).
    pub taxable: Option<bool>,
    /// Line properties (`customAttributes`).
    pub properties: Vec<(String, String)>,
    /// The product a custom item belongs to.
    pub product_id: Option<u64>,
    /// Variant title of a custom item.
    pub variant_title: Option<String>,
    /// Never look the SKU up: a custom item that merely carries a SKU.
    pub custom: bool,
}

/// Everything about a new order beyond what a shopper's checkout decides.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDetails {
    /// Per line (by index into `PlaceOrder::lines`); missing entries mean defaults.
    pub lines: Vec<LineDetails>,
    /// Order attributes.
    pub custom_attributes: Vec<(String, String)>,
    /// `web` for a checkout; the app's id for `orderCreate`.
    pub source_name: String,
    /// The creating app.
    pub app_api_key: Option<String>,
    /// Take the units out of stock (a checkout does; `orderCreate` bypasses by default).
    pub decrement_inventory: bool,
    /// Transactions recorded instead of the ones `payment` implies.
    pub transactions: Option<Vec<NewTransaction>>,
    /// Payment state forced by the caller (`orderCreate`'s `financialStatus`).
    pub financial_status: Option<FinancialStatus>,
    /// Processed at (now when absent).
    pub processed_at: Option<DateTime<Utc>>,
    /// Shipping lines (title, code, price) instead of `PlaceOrder::shipping_line`.
    pub shipping_lines: Vec<(String, Option<String>, Decimal)>,
    /// An existing customer to attach.
    pub customer_id: Option<u64>,
    /// Create a customer from the contact email when no customer is given.
    pub customer_from_email: bool,
    /// The order's currency (`orderCreate`'s `currency`; the shop's currency when absent).
    pub currency: Option<String>,
}

impl Default for OrderDetails {
    fn default() -> Self {
        OrderDetails {
            lines: Vec::new(),
            custom_attributes: Vec::new(),
            source_name: "web".into(),
            app_api_key: None,
            decrement_inventory: true,
            transactions: None,
            financial_status: None,
            processed_at: None,
            shipping_lines: Vec::new(),
            customer_id: None,
            customer_from_email: true,
            currency: None,
        }
    }
}

/// Places an order as a shopper checking out: numbers it, reuses or creates the customer (by
/// email), takes the units out of stock, opens a fulfillment order at the shop's primary location.
/// Emits `orders/create` (and `orders/paid` when paid). Returns the order id.
pub fn place_order(world: &mut World, shop: &str, order: PlaceOrder) -> Result<u64, MerchantError> {
    place_order_with(world, shop, order, OrderDetails::default())
}

/// [`place_order`] with the details the Admin API's `orderCreate` can set.
pub fn place_order_with(
    world: &mut World,
    shop: &str,
    order: PlaceOrder,
    details: OrderDetails,
) -> Result<u64, MerchantError> {
    if order.lines.is_empty() {
        return Err(MerchantError::Invalid(
            "Line items must have at least one line item".into(),
        ));
    }
    let now = Utc::now();
    let (domain, currency, location_id) = {
        let s = shop_mut(world, shop)?;
        let location = s
            .primary_location()
            .map(|l| l.id)
            .ok_or_else(|| MerchantError::Invalid(format!("shop {shop} has no location")))?;
        let currency = details
            .currency
            .clone()
            .unwrap_or_else(|| s.currency.clone());
        (s.domain.clone(), currency, location)
    };
    // Resolve lines before changing anything.
    let mut lines = Vec::new();
    for (i, line) in order.lines.iter().enumerate() {
        let d = details.lines.get(i).cloned().unwrap_or_default();
        if line.quantity == 0 {
            return Err(MerchantError::Invalid(format!(
                "lineItems[{i}].quantity must be greater than 0"
            )));
        }
        let s = shop_mut(world, &domain)?;
        let variant = match (line.variant_id, &line.sku) {
            (Some(id), _) => Some(s.variants.get(&id).cloned().ok_or_else(|| {
                MerchantError::NotFound(format!(
                    "lineItems[{i}].variantId: variant {id} does not exist"
                ))
            })?),
            (None, Some(sku)) if !(d.custom || line.title.is_some() && line.price.is_some()) => {
                Some(
                    s.variants
                        .values()
                        .find(|v| v.sku.as_deref() == Some(sku))
                        .cloned()
                        .ok_or_else(|| {
                            MerchantError::NotFound(format!(
                                "lineItems[{i}].sku: no variant has SKU {sku}"
                            ))
                        })?,
                )
            }
            _ => None,
        };
        let item = match variant {
            Some(v) => {
                let product = s.products.get(&v.product_id);
                LineItem {
                    id: 0,
                    variant_id: Some(v.id),
                    product_id: Some(v.product_id),
                    title: line
                        .title
                        .clone()
                        .or_else(|| product.map(|p| p.title.clone()))
                        .unwrap_or_default(),
                    variant_title: (v.title != "Default Title").then(|| v.title.clone()),
                    sku: v.sku.clone(),
                    vendor: d
                        .vendor
                        .clone()
                        .or_else(|| product.map(|p| p.vendor.clone())),
                    quantity: line.quantity,
                    current_quantity: line.quantity,
                    unit_price: line.price.unwrap_or(v.price),
                    discount: Decimal::ZERO,
                    requires_shipping: d.requires_shipping.unwrap_or(true),
                    taxable: d.taxable.unwrap_or(true),
                    custom_attributes: d.properties.clone(),
                }
            }
            None => {
                let title = line
                    .title
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| {
                        MerchantError::Invalid(format!(
                            "lineItems[{i}].title is required for an item without a variant"
                        ))
                    })?;
                let price = line.price.ok_or_else(|| {
                    MerchantError::Invalid(format!(
                        "lineItems[{i}].price is required for an item without a variant"
                    ))
                })?;
                LineItem {
                    id: 0,
                    variant_id: None,
                    product_id: d.product_id,
                    title,
                    variant_title: d.variant_title.clone(),
                    sku: line.sku.clone(),
                    vendor: d.vendor.clone(),
                    quantity: line.quantity,
                    current_quantity: line.quantity,
                    unit_price: price,
                    discount: Decimal::ZERO,
                    requires_shipping: d.requires_shipping.unwrap_or(true),
                    taxable: d.taxable.unwrap_or(true),
                    custom_attributes: d.properties.clone(),
                }
            }
        };
        if item.unit_price < Decimal::ZERO {
            return Err(MerchantError::Invalid(format!(
                "lineItems[{i}].price must not be negative"
            )));
        }
        lines.push(item);
    }
    for line in &mut lines {
        line.id = world.next_id();
    }
    let mut discount_codes = Vec::new();
    if let Some((code, amount)) = &order.discount_code {
        allocate_discount(&mut lines, *amount)?;
        discount_codes.push(DiscountCode {
            code: code.clone(),
            amount: *amount,
        });
    }
    let mut shipping_specs = details.shipping_lines.clone();
    if shipping_specs.is_empty() {
        if let Some((title, price)) = &order.shipping_line {
            shipping_specs.push((title.clone(), None, *price));
        }
    }
    let mut shipping_lines = Vec::new();
    for (title, code, price) in shipping_specs {
        shipping_lines.push(ShippingLine {
            id: world.next_id(),
            title,
            code,
            price,
        });
    }
    let customer_id = match (details.customer_id, order.customer.clone()) {
        (Some(id), _) => {
            if !shop_mut(world, &domain)?.customers.contains_key(&id) {
                return Err(MerchantError::NotFound(format!(
                    "customer {id} does not exist"
                )));
            }
            Some(id)
        }
        (None, Some(c)) => Some(upsert_customer(world, &domain, c)?),
        (None, None) if details.customer_from_email && order.email.is_some() => {
            Some(upsert_customer(
                world,
                &domain,
                NewCustomer {
                    email: order.email.clone(),
                    ..NewCustomer::default()
                },
            )?)
        }
        (None, None) => None,
    };
    let order_id = world.next_id();
    let fo_id = world.next_id();
    let fo_line_ids: Vec<u64> = lines.iter().map(|_| world.next_id()).collect();
    let mut new = Order {
        id: order_id,
        number: 0,
        name: String::new(),
        email: order.email.clone(),
        phone: order.phone.clone(),
        note: order.note.clone(),
        tags: normalized_tags(&order.tags),
        custom_attributes: details.custom_attributes.clone(),
        currency,
        financial_status: FinancialStatus::Pending,
        cancelled_at: None,
        cancel_reason: None,
        closed_at: None,
        customer_id,
        shipping_address: order.shipping_address.clone(),
        billing_address: order.billing_address.clone(),
        line_items: lines,
        shipping_lines,
        discount_codes,
        total_tax: Decimal::ZERO,
        test: order.test,
        source_name: details.source_name.clone(),
        app_api_key: details.app_api_key.clone(),
        created_at: now,
        updated_at: now,
        processed_at: details.processed_at.unwrap_or(now),
        transactions: Vec::new(),
    };
    let total = new.total();
    let specs = match &details.transactions {
        Some(t) => t.clone(),
        None => {
            let forced = details.financial_status;
            let kind = match (forced, order.payment) {
                (Some(FinancialStatus::Paid), _) | (None, Payment::Paid) => Some("SALE"),
                (Some(FinancialStatus::Authorized), _) | (None, Payment::Authorized) => {
                    Some("AUTHORIZATION")
                }
                _ => None,
            };
            kind.map(|k| NewTransaction {
                kind: k.into(),
                status: "SUCCESS".into(),
                gateway: "manual".into(),
                amount: total,
                test: order.test,
            })
            .into_iter()
            .collect()
        }
    };
    for t in specs {
        new.transactions.push(Transaction {
            id: world.next_id(),
            kind: t.kind,
            status: t.status,
            gateway: t.gateway,
            amount: t.amount,
            test: t.test,
            parent_id: None,
            created_at: now,
        });
    }
    new.financial_status = details
        .financial_status
        .unwrap_or_else(|| derive_financial_status(&new));
    let paid = new.financial_status == FinancialStatus::Paid;
    let s = shop_mut(world, &domain)?;
    new.number = s.next_order_number;
    new.name = format!("#{}", new.number);
    s.next_order_number += 1;
    if details.decrement_inventory {
        for line in &new.line_items {
            if let Some(v) = line.variant_id.and_then(|id| s.variants.get_mut(&id)) {
                v.inventory_quantity -= i64::from(line.quantity);
                v.updated_at = now;
            }
        }
    }
    s.fulfillment_orders.insert(
        fo_id,
        FulfillmentOrder {
            id: fo_id,
            order_id,
            location_id,
            status: FulfillmentOrderStatus::Open,
            line_items: new
                .line_items
                .iter()
                .zip(fo_line_ids)
                .map(|(l, id)| FulfillmentOrderLineItem {
                    id,
                    line_item_id: l.id,
                    total_quantity: l.quantity,
                    remaining_quantity: l.quantity,
                })
                .collect(),
            created_at: now,
            updated_at: now,
        },
    );
    s.orders.insert(order_id, new);
    world.emit(&domain, Topic::OrdersCreate, Some(order_id));
    if paid {
        world.emit(&domain, Topic::OrdersPaid, Some(order_id));
    }
    Ok(order_id)
}

/// Tags as Shopify keeps them: trimmed, deduplicated, sorted case-insensitively.
fn normalized_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags.iter().flat_map(|t| t.split(',')) {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_owned());
        }
    }
    out.sort_by_key(|t| t.to_lowercase());
    out
}

/// Spreads a discount over the lines in proportion to their totals (cents on the last line).
fn allocate_discount(lines: &mut [LineItem], amount: Decimal) -> Result<(), MerchantError> {
    let total: Decimal = lines
        .iter()
        .map(|l| l.unit_price * Decimal::from(l.quantity))
        .sum();
    if amount < Decimal::ZERO || amount > total {
        return Err(MerchantError::Invalid(format!(
            "discount code amount {amount} must be between 0 and the line total {total}"
        )));
    }
    if total.is_zero() {
        return Ok(());
    }
    let mut left = amount;
    let n = lines.len();
    for (i, line) in lines.iter_mut().enumerate() {
        let share = if i + 1 == n {
            left
        } else {
            (amount * line.unit_price * Decimal::from(line.quantity) / total)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
        };
        line.discount = share;
        left -= share;
    }
    Ok(())
}
