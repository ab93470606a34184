//! After checkout: payment sums and marking paid, cancelling, editing quantities, and the
//! fulfillment status Shopify derives from shipped units.

use chrono::Utc;
use rust_decimal::Decimal;

use super::{shop_mut, MerchantError};
use crate::state::{
    FinancialStatus, FulfillmentOrder, FulfillmentOrderLineItem, FulfillmentOrderStatus,
    FulfillmentStatus, Order, Shop, Topic, Transaction, World,
};

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

pub(super) fn derive_financial_status(order: &Order) -> FinancialStatus {
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
    archive_if_complete(s, order_id, ids.1);
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

/// Shopify's default "automatically archive the order" setting, as recorded: an order that is
/// both paid and fully fulfilled is closed (`closed`, `closedAt`); cancelling the shipment that
/// completed it reopens it. Cancelled orders stay closed.
pub(super) fn archive_if_complete(s: &mut Shop, order_id: u64, now: chrono::DateTime<Utc>) {
    let Some(order) = s.orders.get(&order_id) else {
        return;
    };
    if order.cancelled_at.is_some() {
        return;
    }
    let complete = order.financial_status == FinancialStatus::Paid
        && display_fulfillment_status(s, order) == "FULFILLED";
    let Some(order) = s.orders.get_mut(&order_id) else {
        return;
    };
    match (complete, order.closed_at.is_some()) {
        (true, false) => order.closed_at = Some(now),
        (false, true) => order.closed_at = None,
        _ => {}
    }
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
