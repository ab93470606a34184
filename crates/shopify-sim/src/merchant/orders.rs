//! Orders: a shopper's checkout (and the Admin API's `orderCreate`, which shares it), payment,
//! cancellation, quantity edits, and the statuses Shopify derives from them.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{shop_mut, upsert_customer, MerchantError, NewCustomer, Payment, PlaceOrder};
use crate::state::{
    DiscountCode, FinancialStatus, FulfillmentOrder, FulfillmentOrderLineItem,
    FulfillmentOrderStatus, FulfillmentStatus, LineItem, Order, ShippingLine, Shop, Topic,
    Transaction, World,
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
        (s.domain.clone(), s.currency.clone(), location)
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

/// Money an order has received (successful sales and captures).
pub(crate) fn received(order: &Order) -> Decimal {
    order
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && (t.kind == "SALE" || t.kind == "CAPTURE"))
        .map(|t| t.amount)
        .sum()
}

/// Authorized money not yet captured.
pub(crate) fn capturable(order: &Order) -> Decimal {
    if order.cancelled_at.is_some() {
        return Decimal::ZERO;
    }
    let authorized: Decimal = order
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && t.kind == "AUTHORIZATION")
        .map(|t| t.amount)
        .sum();
    let captured: Decimal = order
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && t.kind == "CAPTURE" && t.parent_id.is_some())
        .map(|t| t.amount)
        .sum();
    (authorized - captured).max(Decimal::ZERO)
}

/// What the shopper still owes (authorized money counts as covered, as Shopify reports it).
pub(crate) fn outstanding(order: &Order) -> Decimal {
    (order.total() - received(order) - capturable(order)).max(Decimal::ZERO)
}

fn derive_financial_status(order: &Order) -> FinancialStatus {
    let got = received(order);
    let total = order.total();
    if got > Decimal::ZERO && got >= total {
        FinancialStatus::Paid
    } else if got > Decimal::ZERO {
        FinancialStatus::PartiallyPaid
    } else if capturable(order) > Decimal::ZERO {
        FinancialStatus::Authorized
    } else if total.is_zero() {
        FinancialStatus::Paid
    } else {
        FinancialStatus::Pending
    }
}

fn order_mut(s: &mut Shop, order_id: u64) -> Result<&mut Order, MerchantError> {
    s.orders
        .get_mut(&order_id)
        .ok_or_else(|| MerchantError::NotFound(format!("order {order_id} does not exist")))
}

/// Records the outstanding payment (capturing an authorization if there is one); emits
/// `orders/paid` and `orders/updated`.
pub fn mark_paid(world: &mut World, shop: &str, order_id: u64) -> Result<(), MerchantError> {
    let ids = (world.next_id(), Utc::now());
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let order = order_mut(s, order_id)?;
    if order.financial_status == FinancialStatus::Paid {
        return Err(MerchantError::Invalid(format!(
            "order {} is already paid",
            order.name
        )));
    }
    if order.cancelled_at.is_some() {
        return Err(MerchantError::Invalid(format!(
            "order {} is cancelled",
            order.name
        )));
    }
    let authorization = order
        .transactions
        .iter()
        .find(|t| t.kind == "AUTHORIZATION" && t.status == "SUCCESS")
        .map(|t| (t.id, t.gateway.clone()));
    let amount = (order.total() - received(order)).max(Decimal::ZERO);
    order.transactions.push(Transaction {
        id: ids.0,
        kind: if authorization.is_some() {
            "CAPTURE"
        } else {
            "SALE"
        }
        .into(),
        status: "SUCCESS".into(),
        gateway: authorization
            .as_ref()
            .map_or_else(|| "manual".to_owned(), |a| a.1.clone()),
        amount,
        test: order.test,
        parent_id: authorization.map(|a| a.0),
        created_at: ids.1,
    });
    order.financial_status = FinancialStatus::Paid;
    order.updated_at = ids.1;
    world.emit(&domain, Topic::OrdersPaid, Some(order_id));
    world.emit(&domain, Topic::OrdersUpdated, Some(order_id));
    Ok(())
}

/// The `OrderCancelReason` values.
pub(crate) const CANCEL_REASONS: [&str; 6] = [
    "CUSTOMER",
    "DECLINED",
    "FRAUD",
    "INVENTORY",
    "STAFF",
    "OTHER",
];

/// Cancels (and closes) an order and its open fulfillment orders, returning the units to stock;
/// emits `orders/cancelled` and `orders/updated`. `reason` is an `OrderCancelReason`
/// (`customer` or `CUSTOMER`).
pub fn cancel_order(
    world: &mut World,
    shop: &str,
    order_id: u64,
    reason: &str,
) -> Result<(), MerchantError> {
    cancel_order_with(world, shop, order_id, reason, true)
}

/// [`cancel_order`], choosing whether the units go back to stock.
pub fn cancel_order_with(
    world: &mut World,
    shop: &str,
    order_id: u64,
    reason: &str,
    restock: bool,
) -> Result<(), MerchantError> {
    let reason = reason.to_ascii_uppercase();
    if !CANCEL_REASONS.contains(&reason.as_str()) {
        return Err(MerchantError::Invalid(format!(
            "reason must be one of {}, got {reason}",
            CANCEL_REASONS.join(", ")
        )));
    }
    let now = Utc::now();
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let shipped = s
        .fulfillments
        .values()
        .any(|f| f.order_id == order_id && f.status == FulfillmentStatus::Success);
    let order = order_mut(s, order_id)?;
    if order.cancelled_at.is_some() {
        return Err(MerchantError::Invalid(
            "Cannot cancel an order that has already been canceled".into(),
        ));
    }
    if shipped {
        return Err(MerchantError::Invalid(
            "Cannot cancel an order that has outstanding fulfillments".into(),
        ));
    }
    order.cancelled_at = Some(now);
    order.cancel_reason = Some(reason);
    order.closed_at = Some(now);
    order.updated_at = now;
    let returned: Vec<(u64, u32)> = order
        .line_items
        .iter()
        .filter_map(|l| l.variant_id.map(|v| (v, l.current_quantity)))
        .collect();
    for fo in s.fulfillment_orders.values_mut() {
        if fo.order_id == order_id
            && matches!(
                fo.status,
                FulfillmentOrderStatus::Open | FulfillmentOrderStatus::InProgress
            )
        {
            fo.status = FulfillmentOrderStatus::Cancelled;
            fo.updated_at = now;
        }
    }
    if restock {
        for (variant, units) in returned {
            if let Some(v) = s.variants.get_mut(&variant) {
                v.inventory_quantity += i64::from(units);
                v.updated_at = now;
            }
        }
    }
    world.emit(&domain, Topic::OrdersCancelled, Some(order_id));
    world.emit(&domain, Topic::OrdersUpdated, Some(order_id));
    Ok(())
}

/// Changes how many units of a line the order has (an order edit); the open fulfillment orders
/// follow. Emits `orders/updated`.
pub fn edit_quantity(
    world: &mut World,
    shop: &str,
    order_id: u64,
    line_item_id: u64,
    quantity: u32,
) -> Result<(), MerchantError> {
    let now = Utc::now();
    let new_fo_ids = (world.next_id(), world.next_id());
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let shipped = fulfilled_quantity(s, order_id, line_item_id);
    let order = order_mut(s, order_id)?;
    if order.cancelled_at.is_some() {
        return Err(MerchantError::Invalid(format!(
            "order {} is cancelled and cannot be edited",
            order.name
        )));
    }
    let line = order
        .line_items
        .iter_mut()
        .find(|l| l.id == line_item_id)
        .ok_or_else(|| {
            MerchantError::NotFound(format!(
                "line item {line_item_id} is not on order {order_id}"
            ))
        })?;
    if quantity < shipped {
        return Err(MerchantError::Invalid(format!(
            "quantity {quantity} is below the {shipped} units already fulfilled"
        )));
    }
    let old = line.current_quantity;
    line.current_quantity = quantity;
    order.updated_at = now;
    let location = s.primary_location().map(|l| l.id).unwrap_or_default();
    let mut open: Vec<&mut FulfillmentOrder> = s
        .fulfillment_orders
        .values_mut()
        .filter(|fo| {
            fo.order_id == order_id
                && matches!(
                    fo.status,
                    FulfillmentOrderStatus::Open | FulfillmentOrderStatus::InProgress
                )
        })
        .collect();
    if quantity > old {
        let add = quantity - old;
        let target = open.iter_mut().find_map(|fo| {
            fo.line_items
                .iter_mut()
                .find(|l| l.line_item_id == line_item_id)
        });
        match target {
            Some(l) => {
                l.total_quantity += add;
                l.remaining_quantity += add;
            }
            None => {
                s.fulfillment_orders.insert(
                    new_fo_ids.0,
                    FulfillmentOrder {
                        id: new_fo_ids.0,
                        order_id,
                        location_id: location,
                        status: FulfillmentOrderStatus::Open,
                        line_items: vec![FulfillmentOrderLineItem {
                            id: new_fo_ids.1,
                            line_item_id,
                            total_quantity: add,
                            remaining_quantity: add,
                        }],
                        created_at: now,
                        updated_at: now,
                    },
                );
            }
        }
    } else {
        let mut remove = old - quantity;
        for fo in open.iter_mut() {
            for l in fo
                .line_items
                .iter_mut()
                .filter(|l| l.line_item_id == line_item_id)
            {
                let take = remove.min(l.remaining_quantity);
                l.remaining_quantity -= take;
                l.total_quantity -= take;
                remove -= take;
            }
            fo.updated_at = now;
            if fo.line_items.iter().all(|l| l.remaining_quantity == 0) {
                fo.status = FulfillmentOrderStatus::Closed;
            }
        }
    }
    world.emit(&domain, Topic::OrdersUpdated, Some(order_id));
    Ok(())
}

/// Units of a line shipped by fulfillments that were not cancelled.
pub fn fulfilled_quantity(shop: &Shop, order_id: u64, line_item_id: u64) -> u32 {
    shop.fulfillments
        .values()
        .filter(|f| f.order_id == order_id && f.status == FulfillmentStatus::Success)
        .flat_map(|f| f.line_items.iter())
        .filter(|l| l.line_item_id == line_item_id)
        .map(|l| l.quantity)
        .sum()
}

/// Units of a line still to ship on open fulfillment orders.
pub fn fulfillable_quantity(shop: &Shop, order_id: u64, line_item_id: u64) -> u32 {
    shop.fulfillment_orders
        .values()
        .filter(|fo| {
            fo.order_id == order_id
                && matches!(
                    fo.status,
                    FulfillmentOrderStatus::Open | FulfillmentOrderStatus::InProgress
                )
        })
        .flat_map(|fo| fo.line_items.iter())
        .filter(|l| l.line_item_id == line_item_id)
        .map(|l| l.remaining_quantity)
        .sum()
}

/// `UNFULFILLED`, `PARTIALLY_FULFILLED` or `FULFILLED`, from the units shipped.
pub fn display_fulfillment_status(shop: &Shop, order: &Order) -> &'static str {
    let ordered: u32 = order.line_items.iter().map(|l| l.current_quantity).sum();
    let shipped: u32 = order
        .line_items
        .iter()
        .map(|l| fulfilled_quantity(shop, order.id, l.id).min(l.current_quantity))
        .sum();
    if shipped == 0 {
        "UNFULFILLED"
    } else if shipped >= ordered {
        "FULFILLED"
    } else {
        "PARTIALLY_FULFILLED"
    }
}
