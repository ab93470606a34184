//! Shipping: fulfillments drawn from fulfillment orders, tracking updates, and cancelled
//! shipments whose units go back to be fulfilled again.

use std::collections::BTreeSet;

use chrono::Utc;

use super::order_changes::{archive_if_complete, display_fulfillment_status};
use super::{shop_mut, Fulfill, MerchantError};
use crate::state::{
    Fulfillment, FulfillmentLineItem, FulfillmentOrder, FulfillmentOrderLineItem,
    FulfillmentOrderStatus, FulfillmentStatus, Topic, TrackingInfo, World,
};

/// Units to ship from one fulfillment order (`FulfillmentOrderLineItemsInput`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentOrderRequest {
    /// The fulfillment order.
    pub fulfillment_order_id: u64,
    /// (fulfillment order line item id, units); `None`: everything it has left.
    pub lines: Option<Vec<(u64, u32)>>,
}

fn is_open(fo: &FulfillmentOrder) -> bool {
    matches!(
        fo.status,
        FulfillmentOrderStatus::Open | FulfillmentOrderStatus::InProgress
    )
}

/// Ships units of an order: the given lines (from its open fulfillment orders), or everything
/// left. Emits `fulfillments/create`, `orders/fulfilled` or `orders/partially_fulfilled`, and
/// `orders/updated`. Returns the fulfillment id.
pub fn fulfill(
    world: &mut World,
    shop: &str,
    order_id: u64,
    fulfill: Fulfill,
) -> Result<u64, MerchantError> {
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let order = s
        .orders
        .get(&order_id)
        .ok_or_else(|| MerchantError::NotFound(format!("order {order_id} does not exist")))?;
    if order.cancelled_at.is_some() {
        return Err(MerchantError::Invalid(format!(
            "order {} is cancelled and cannot be fulfilled",
            order.name
        )));
    }
    let open: Vec<&FulfillmentOrder> = s
        .fulfillment_orders
        .values()
        .filter(|fo| fo.order_id == order_id && is_open(fo))
        .collect();
    let requests: Vec<FulfillmentOrderRequest> = if fulfill.lines.is_empty() {
        open.iter()
            .map(|fo| FulfillmentOrderRequest {
                fulfillment_order_id: fo.id,
                lines: None,
            })
            .collect()
    } else {
        let mut picks: Vec<(u64, u64, u32)> = Vec::new();
        for want in &fulfill.lines {
            if !order.line_items.iter().any(|l| l.id == want.line_item_id) {
                return Err(MerchantError::NotFound(format!(
                    "line item {} is not on order {}",
                    want.line_item_id, order.name
                )));
            }
            let mut left = want.quantity;
            for fo in &open {
                for l in fo
                    .line_items
                    .iter()
                    .filter(|l| l.line_item_id == want.line_item_id)
                {
                    let take = left.min(l.remaining_quantity);
                    if take > 0 {
                        picks.push((fo.id, l.id, take));
                        left -= take;
                    }
                }
            }
            if left > 0 || want.quantity == 0 {
                return Err(MerchantError::Invalid(format!(
                    "line item {}: asked to fulfill {} units, {} left to fulfill",
                    want.line_item_id,
                    want.quantity,
                    want.quantity - left
                )));
            }
        }
        let mut requests: Vec<FulfillmentOrderRequest> = Vec::new();
        for (fo, line, qty) in picks {
            match requests.iter_mut().find(|r| r.fulfillment_order_id == fo) {
                Some(r) => r.lines.get_or_insert_with(Vec::new).push((line, qty)),
                None => requests.push(FulfillmentOrderRequest {
                    fulfillment_order_id: fo,
                    lines: Some(vec![(line, qty)]),
                }),
            }
        }
        requests
    };
    if requests.is_empty() {
        return Err(MerchantError::Invalid(format!(
            "order {} has nothing left to fulfill",
            order.name
        )));
    }
    fulfill_fulfillment_orders(
        world,
        &domain,
        &requests,
        fulfill.tracking,
        fulfill.notify_customer,
    )
}

/// Ships units from fulfillment orders of one order at one location (what `fulfillmentCreate`
/// does), with the Admin API's messages for what it refuses. Emits the same events as [`fulfill`].
pub fn fulfill_fulfillment_orders(
    world: &mut World,
    shop: &str,
    requests: &[FulfillmentOrderRequest],
    tracking: Vec<TrackingInfo>,
    notify_customer: bool,
) -> Result<u64, MerchantError> {
    let fulfillment_id = world.next_id();
    let line_ids: Vec<u64> = (0..64).map(|_| world.next_id()).collect();
    let now = Utc::now();
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let mut orders = BTreeSet::new();
    let mut locations = BTreeSet::new();
    for r in requests {
        let fo = s
            .fulfillment_orders
            .get(&r.fulfillment_order_id)
            .ok_or_else(|| MerchantError::NotFound("Fulfillment order does not exist.".into()))?;
        orders.insert(fo.order_id);
        locations.insert(fo.location_id);
    }
    let join = |ids: &BTreeSet<u64>| {
        ids.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if orders.len() > 1 {
        return Err(MerchantError::Invalid(format!(
            "All fulfillment orders must belong to the same order. Multiple orders with ids [{}] were found.",
            join(&orders)
        )));
    }
    if locations.len() > 1 {
        return Err(MerchantError::Invalid(format!(
            "All fulfillment orders must be assigned to a single location. Multiple locations with ids [{}] were found.",
            join(&locations)
        )));
    }
    let (Some(&order_id), Some(&location_id)) = (orders.first(), locations.first()) else {
        return Err(MerchantError::Invalid(
            "Fulfillment must draw from at least one fulfillment order".into(),
        ));
    };
    // Validate every pick before changing anything.
    let mut picks: Vec<(u64, u64, u64, u32)> = Vec::new(); // (fo, fo line, order line, qty)
    for r in requests {
        let fo = s
            .fulfillment_orders
            .get(&r.fulfillment_order_id)
            .ok_or_else(|| MerchantError::NotFound("Fulfillment order does not exist.".into()))?;
        if !is_open(fo) {
            return Err(MerchantError::Invalid(format!(
                "Fulfillment order {} has an unfulfillable status= {}.",
                fo.id,
                fo.status.graphql().to_ascii_lowercase()
            )));
        }
        match &r.lines {
            None => picks.extend(
                fo.line_items
                    .iter()
                    .filter(|l| l.remaining_quantity > 0)
                    .map(|l| (fo.id, l.id, l.line_item_id, l.remaining_quantity)),
            ),
            Some(lines) => {
                for (line_id, qty) in lines {
                    let l = fo
                        .line_items
                        .iter()
                        .find(|l| l.id == *line_id)
                        .ok_or_else(|| {
                            MerchantError::NotFound(
                                "Fulfillment order line item does not exist.".into(),
                            )
                        })?;
                    let already: u32 = picks.iter().filter(|p| p.1 == *line_id).map(|p| p.3).sum();
                    if *qty == 0 || already + qty > l.remaining_quantity {
                        return Err(MerchantError::Invalid(
                            "Invalid fulfillment order line item quantity requested.".into(),
                        ));
                    }
                    picks.push((fo.id, l.id, l.line_item_id, *qty));
                }
            }
        }
    }
    if picks.is_empty() {
        return Err(MerchantError::Invalid(
            "Fulfillment order has no remaining line items to fulfill.".into(),
        ));
    }
    let mut line_items: Vec<FulfillmentLineItem> = Vec::new();
    for (fo_id, fo_line, order_line, qty) in &picks {
        if let Some(fo) = s.fulfillment_orders.get_mut(fo_id) {
            if let Some(l) = fo.line_items.iter_mut().find(|l| l.id == *fo_line) {
                l.remaining_quantity -= qty;
            }
            fo.status = if fo.line_items.iter().all(|l| l.remaining_quantity == 0) {
                FulfillmentOrderStatus::Closed
            } else {
                FulfillmentOrderStatus::InProgress
            };
            fo.updated_at = now;
        }
        match line_items
            .iter_mut()
            .find(|l| l.line_item_id == *order_line)
        {
            Some(l) => l.quantity += qty,
            None => line_items.push(FulfillmentLineItem {
                id: line_ids.get(line_items.len()).copied().unwrap_or_default(),
                line_item_id: *order_line,
                quantity: *qty,
            }),
        }
    }
    let count = s
        .fulfillments
        .values()
        .filter(|f| f.order_id == order_id)
        .count();
    let order_name = s
        .orders
        .get(&order_id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let fo_ids: Vec<u64> = picks
        .iter()
        .map(|p| p.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    s.fulfillments.insert(
        fulfillment_id,
        Fulfillment {
            id: fulfillment_id,
            order_id,
            location_id,
            status: FulfillmentStatus::Success,
            tracking,
            line_items,
            fulfillment_order_ids: fo_ids,
            notify_customer,
            name: format!("{order_name}.{}", count + 1),
            created_at: now,
            updated_at: now,
        },
    );
    archive_if_complete(s, order_id, now);
    let status = match s.orders.get_mut(&order_id) {
        Some(order) => {
            order.updated_at = now;
            let order = order.clone();
            display_fulfillment_status(s, &order)
        }
        None => "UNFULFILLED",
    };
    world.emit(&domain, Topic::FulfillmentsCreate, Some(fulfillment_id));
    let topic = if status == "FULFILLED" {
        Topic::OrdersFulfilled
    } else {
        Topic::OrdersPartiallyFulfilled
    };
    world.emit(&domain, topic, Some(order_id));
    world.emit(&domain, Topic::OrdersUpdated, Some(order_id));
    Ok(fulfillment_id)
}

/// Replaces a shipment's tracking; emits `fulfillments/update`.
pub fn update_tracking(
    world: &mut World,
    shop: &str,
    fulfillment_id: u64,
    tracking: Vec<TrackingInfo>,
    notify_customer: bool,
) -> Result<(), MerchantError> {
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let f = s
        .fulfillments
        .get_mut(&fulfillment_id)
        .ok_or_else(|| MerchantError::NotFound("Fulfillment does not exist.".into()))?;
    if f.status == FulfillmentStatus::Cancelled {
        return Err(MerchantError::Invalid(
            "Cannot update tracking of a cancelled fulfillment.".into(),
        ));
    }
    f.tracking = tracking;
    f.notify_customer = notify_customer;
    f.updated_at = Utc::now();
    world.emit(&domain, Topic::FulfillmentsUpdate, Some(fulfillment_id));
    Ok(())
}

/// Cancels a shipment. As Shopify does, the units go back to be fulfilled: a fulfillment order
/// that was closed by this shipment stays closed and a new open one at the same location takes
/// the units; one still open gets them back. Emits `fulfillments/update` and `orders/updated`.
pub fn cancel_fulfillment(
    world: &mut World,
    shop: &str,
    fulfillment_id: u64,
) -> Result<(), MerchantError> {
    let now = Utc::now();
    let new_ids: Vec<u64> = (0..32).map(|_| world.next_id()).collect();
    let s = shop_mut(world, shop)?;
    let domain = s.domain.clone();
    let f = s
        .fulfillments
        .get_mut(&fulfillment_id)
        .ok_or_else(|| MerchantError::NotFound("Fulfillment not found.".into()))?;
    if f.status == FulfillmentStatus::Cancelled {
        return Err(MerchantError::Invalid(
            "Fulfillment is already cancelled.".into(),
        ));
    }
    f.status = FulfillmentStatus::Cancelled;
    f.updated_at = now;
    let f = f.clone();
    let mut next = new_ids.into_iter();
    let mut reopened: Vec<FulfillmentOrder> = Vec::new();
    for line in &f.line_items {
        let mut left = line.quantity;
        for fo_id in &f.fulfillment_order_ids {
            let Some(fo) = s.fulfillment_orders.get_mut(fo_id) else {
                continue;
            };
            let was_closed = fo.status == FulfillmentOrderStatus::Closed;
            let location = fo.location_id;
            for l in fo
                .line_items
                .iter_mut()
                .filter(|l| l.line_item_id == line.line_item_id)
            {
                let back = left.min(l.total_quantity - l.remaining_quantity);
                if back == 0 {
                    continue;
                }
                l.remaining_quantity += back;
                left -= back;
                if was_closed {
                    let target = match reopened.iter_mut().position(|r| r.location_id == location) {
                        Some(i) => i,
                        None => {
                            reopened.push(FulfillmentOrder {
                                id: next.next().unwrap_or_default(),
                                order_id: f.order_id,
                                location_id: location,
                                status: FulfillmentOrderStatus::Open,
                                line_items: Vec::new(),
                                created_at: now,
                                updated_at: now,
                            });
                            reopened.len() - 1
                        }
                    };
                    reopened[target].line_items.push(FulfillmentOrderLineItem {
                        id: next.next().unwrap_or_default(),
                        line_item_id: line.line_item_id,
                        total_quantity: back,
                        remaining_quantity: back,
                    });
                }
            }
            if !was_closed {
                fo.status = if fo
                    .line_items
                    .iter()
                    .all(|l| l.remaining_quantity == l.total_quantity)
                {
                    FulfillmentOrderStatus::Open
                } else {
                    FulfillmentOrderStatus::InProgress
                };
            }
            fo.updated_at = now;
        }
    }
    for fo in reopened {
        s.fulfillment_orders.insert(fo.id, fo);
    }
    if let Some(order) = s.orders.get_mut(&f.order_id) {
        order.updated_at = now;
    }
    archive_if_complete(s, f.order_id, now);
    world.emit(&domain, Topic::FulfillmentsUpdate, Some(fulfillment_id));
    world.emit(&domain, Topic::OrdersUpdated, Some(f.order_id));
    Ok(())
}
