//! Orders, their lines, customers and transactions as the Admin API's JSON objects.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::ids::gid;
use crate::merchant::{display_fulfillment_status, fulfillable_quantity, fulfilled_quantity};
use crate::money::money_bag;
use crate::state::{Customer, LineItem, MailingAddress, Order, Shop, Transaction};

/// A `DateTime` as the Admin API writes it (`2026-06-29T20:32:52Z`).
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A legacy `Money` scalar (`"31.90"`).
pub(crate) fn money_scalar(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp(2))
}

/// `{"__ref": gid}` for an object resolved on demand.
pub(crate) fn reference(kind: &str, id: u64) -> Value {
    json!({ "__ref": gid(kind, id) })
}

fn address(a: &Option<MailingAddress>, id: u64) -> Value {
    let Some(a) = a else { return Value::Null };
    let name = [a.first_name.as_deref(), a.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "__typename": "MailingAddress",
        "id": gid("MailingAddress", id),
        "firstName": a.first_name, "lastName": a.last_name, "name": name,
        "company": a.company, "address1": a.address1, "address2": a.address2,
        "city": a.city, "province": a.province, "provinceCode": a.province_code,
        "country": a.country, "countryCodeV2": a.country_code, "zip": a.zip, "phone": a.phone,
    })
}

/// The `Customer` object.
pub(crate) fn customer_json(c: &Customer) -> Value {
    let name = [c.first_name.as_deref(), c.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "__typename": "Customer",
        "id": gid("Customer", c.id),
        "legacyResourceId": c.id.to_string(),
        "firstName": c.first_name, "lastName": c.last_name,
        "displayName": if name.is_empty() { c.email.clone().unwrap_or_default() } else { name },
        "email": c.email, "phone": c.phone,
        "createdAt": ts(c.created_at), "updatedAt": ts(c.updated_at),
    })
}

/// The `LineItem` object.
pub(crate) fn line_item_json(shop: &Shop, order: &Order, l: &LineItem) -> Value {
    let c = &order.currency;
    let shipped = fulfilled_quantity(shop, order.id, l.id);
    let per_unit = if l.quantity == 0 {
        Decimal::ZERO
    } else {
        l.discount / Decimal::from(l.quantity)
    };
    let allocations: Vec<Value> = if l.discount.is_zero() {
        vec![]
    } else {
        vec![json!({ "allocatedAmountSet": money_bag(l.discount, c) })]
    };
    json!({
        "__typename": "LineItem",
        "id": gid("LineItem", l.id),
        "title": l.title,
        "name": match &l.variant_title { Some(v) => format!("{} - {v}", l.title), None => l.title.clone() },
        "quantity": l.quantity,
        "currentQuantity": l.current_quantity,
        "sku": l.sku,
        "variant": l.variant_id.map_or(Value::Null, |id| reference("ProductVariant", id)),
        "product": l.product_id.map_or(Value::Null, |id| reference("Product", id)),
        "vendor": l.vendor,
        "variantTitle": l.variant_title,
        "customAttributes": l.custom_attributes.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "requiresShipping": l.requires_shipping,
        "taxable": l.taxable,
        "isGiftCard": false,
        "fulfillableQuantity": fulfillable_quantity(shop, order.id, l.id),
        "unfulfilledQuantity": l.current_quantity.saturating_sub(shipped),
        "nonFulfillableQuantity": 0,
        "originalUnitPriceSet": money_bag(l.unit_price, c),
        "discountedUnitPriceSet": money_bag(l.unit_price - per_unit, c),
        "originalTotalSet": money_bag(l.unit_price * Decimal::from(l.quantity), c),
        "discountedTotalSet": money_bag(l.unit_price * Decimal::from(l.quantity) - l.discount, c),
        "totalDiscountSet": money_bag(l.discount, c),
        "discountAllocations": allocations,
    })
}

fn transaction_json(order: &Order, t: &Transaction, with_parent: bool) -> Value {
    let parent = match (with_parent, t.parent_id) {
        (true, Some(p)) => order
            .transactions
            .iter()
            .find(|x| x.id == p)
            .map_or(Value::Null, |x| transaction_json(order, x, false)),
        _ => Value::Null,
    };
    json!({
        "__typename": "OrderTransaction",
        "id": gid("OrderTransaction", t.id),
        "kind": t.kind, "status": t.status, "gateway": t.gateway, "test": t.test,
        "amountSet": money_bag(t.amount, &order.currency),
        "createdAt": ts(t.created_at), "processedAt": ts(t.created_at),
        "parentTransaction": parent,
    })
}

/// The `Order` object (fulfillment orders and fulfillments included, built by their module).
pub(crate) fn order_json(shop: &Shop, order: &Order) -> Value {
    use crate::merchant::orders_money::{capturable, outstanding, received};
    let c = &order.currency;
    let capturable = capturable(order);
    let received = received(order);
    let mut gateways: Vec<String> = Vec::new();
    for t in &order.transactions {
        if !gateways.contains(&t.gateway) {
            gateways.push(t.gateway.clone());
        }
    }
    let fulfillment_orders: Vec<Value> = shop
        .fulfillment_orders
        .values()
        .filter(|fo| fo.order_id == order.id)
        .map(|fo| super::super::fulfillments::fulfillment_order_json(shop, fo))
        .collect();
    let fulfillments: Vec<Value> = shop
        .fulfillments
        .values()
        .filter(|f| f.order_id == order.id)
        .map(|f| super::super::fulfillments::fulfillment_json(shop, f))
        .collect();
    let mut out = json!({
        "__typename": "Order",
        "id": gid("Order", order.id),
        "legacyResourceId": order.id.to_string(),
        "name": order.name,
        "number": order.number,
        "email": order.email,
        "phone": order.phone,
        "note": order.note,
        "tags": order.tags,
        "customAttributes": order.custom_attributes.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "createdAt": ts(order.created_at),
        "updatedAt": ts(order.updated_at),
        "processedAt": ts(order.processed_at),
        "closed": order.closed_at.is_some(),
        "closedAt": order.closed_at.map(ts),
        "cancelledAt": order.cancelled_at.map(ts),
        "cancelReason": order.cancel_reason,
        "confirmed": true,
        "displayFinancialStatus": order.financial_status.graphql(),
        "displayFulfillmentStatus": display_fulfillment_status(shop, order),
        "fullyPaid": order.financial_status == crate::state::FinancialStatus::Paid,
        "test": order.test,
        "currencyCode": c,
        "presentmentCurrencyCode": c,
    });
    let more = json!({
        "customer": order.customer_id.and_then(|id| shop.customers.get(&id)).map_or(Value::Null, customer_json),
        "shippingAddress": address(&order.shipping_address, order.id),
        "billingAddress": address(&order.billing_address, order.id + 1),
        "lineItems": order.line_items.iter().map(|l| line_item_json(shop, order, l)).collect::<Vec<_>>(),
        "shippingLines": order.shipping_lines.iter().map(|s| json!({
            "__typename": "ShippingLine",
            "id": gid("ShippingLine", s.id), "title": s.title, "code": s.code,
            "originalPriceSet": money_bag(s.price, c), "discountedPriceSet": money_bag(s.price, c),
        })).collect::<Vec<_>>(),
        "discountCodes": order.discount_codes.iter().map(|d| d.code.clone()).collect::<Vec<_>>(),
        "discountCode": order.discount_codes.first().map(|d| d.code.clone()),
        "subtotalPriceSet": money_bag(order.subtotal(), c),
        "currentSubtotalPriceSet": money_bag(order.subtotal(), c),
        "totalPriceSet": money_bag(order.total(), c),
        "currentTotalPriceSet": money_bag(order.total(), c),
        "totalDiscountsSet": money_bag(order.total_discounts(), c),
        "currentTotalDiscountsSet": money_bag(order.total_discounts(), c),
        "totalShippingPriceSet": money_bag(order.total_shipping(), c),
        "totalTaxSet": money_bag(order.total_tax, c),
        "currentTotalTaxSet": money_bag(order.total_tax, c),
        "capturable": capturable > Decimal::ZERO,
        "totalCapturable": money_scalar(capturable),
        "totalCapturableSet": money_bag(capturable, c),
        "totalOutstandingSet": money_bag(outstanding(order), c),
        "totalReceivedSet": money_bag(received, c),
        "netPaymentSet": money_bag(received, c),
        "paymentGatewayNames": gateways,
        "transactions": order.transactions.iter().map(|t| transaction_json(order, t, true)).collect::<Vec<_>>(),
        "fulfillmentOrders": fulfillment_orders,
        "fulfillments": fulfillments,
        "sourceName": order.source_name,
    });
    if let (Value::Object(out), Value::Object(more)) = (&mut out, more) {
        out.extend(more);
    }
    out
}
