//! The REST `Order` and `Fulfillment` as webhooks carry them (`orders/*`, `fulfillments/*`),
//! key for key as `contracts/shopify/webhooks/orders/create.json` and
//! `fulfillments/create.json`. Totals are strings with two decimals; ids are JSON integers and
//! the GID is in `admin_graphql_api_id`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::payload::{amount, money_set, time};
use crate::ids::gid;
use crate::state::{
    Fulfillment, FulfillmentStatus, LineItem, MailingAddress, Order, Shop, TrackingInfo,
};

/// Units of each order line shipped by the order's successful fulfillments.
fn fulfilled_quantities(shop: &Shop, order_id: u64) -> BTreeMap<u64, u32> {
    let mut shipped = BTreeMap::new();
    for f in shop
        .fulfillments
        .values()
        .filter(|f| f.order_id == order_id && f.status == FulfillmentStatus::Success)
    {
        for line in &f.line_items {
            *shipped.entry(line.line_item_id).or_insert(0) += line.quantity;
        }
    }
    shipped
}

/// `null`, `"partial"` or `"fulfilled"` for `shipped` of `wanted` units.
fn fulfillment_status(shipped: u32, wanted: u32) -> Value {
    match (shipped, wanted) {
        (0, _) => Value::Null,
        (s, w) if s >= w => json!("fulfilled"),
        _ => json!("partial"),
    }
}

/// The `orders/*` body.
pub(super) fn order_json(shop: &Shop, order: &Order) -> Option<Value> {
    let c = order.currency.as_str();
    let shipped = fulfilled_quantities(shop, order.id);
    let original_lines: Decimal = order
        .line_items
        .iter()
        .map(|l| l.unit_price * Decimal::from(l.quantity))
        .sum();
    let original_discounts: Decimal = order.line_items.iter().map(|l| l.discount).sum();
    let original_subtotal = original_lines - original_discounts;
    let original_total = original_subtotal + order.total_shipping() + order.total_tax;
    let current_total = order.total();
    let zero = Decimal::ZERO;
    let outstanding = match order.financial_status.rest() {
        "paid" | "partially_refunded" | "refunded" | "voided" => zero,
        _ => current_total,
    };
    let wanted: u32 = order
        .line_items
        .iter()
        .filter(|l| l.requires_shipping)
        .map(|l| l.current_quantity)
        .sum();
    let shipped_total: u32 = order
        .line_items
        .iter()
        .filter(|l| l.requires_shipping)
        .map(|l| {
            shipped
                .get(&l.id)
                .copied()
                .unwrap_or(0)
                .min(l.current_quantity)
        })
        .sum();
    let token = format!(
        "{:032x}",
        u128::from(order.id).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    );
    let fulfillments: Vec<Value> = shop
        .fulfillments
        .values()
        .filter(|f| f.order_id == order.id)
        .filter_map(|f| fulfillment_json(shop, f))
        .collect();
    let customer = order
        .customer_id
        .and_then(|id| shop.customers.get(&id))
        .map(|cu| {
            json!({
                "id": cu.id,
                "created_at": time(cu.created_at),
                "updated_at": time(cu.updated_at),
                "first_name": cu.first_name,
                "last_name": cu.last_name,
                "state": "disabled",
                "note": null,
                "verified_email": cu.email.is_some(),
                "multipass_identifier": null,
                "tax_exempt": false,
                "email": cu.email,
                "phone": cu.phone,
                "currency": shop.currency,
                "tax_exemptions": [],
                "admin_graphql_api_id": gid("Customer", cu.id),
                "default_address": null,
            })
        });
    let head = json!({
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "app_id": null,
        "browser_ip": null,
        "buyer_accepts_marketing": false,
        "cancel_reason": order.cancel_reason.as_ref().map(|r| r.to_lowercase()),
        "cancelled_at": order.cancelled_at.map(time),
        "cart_token": null,
        "checkout_token": null,
        "client_details": null,
        "closed_at": order.closed_at.map(time),
        "confirmation_number": null,
        "confirmed": true,
        "contact_email": order.email,
        "created_at": time(order.created_at),
        "currency": c,
        "current_shipping_price_set": money_set(order.total_shipping(), c),
        "current_subtotal_price": amount(order.subtotal()),
        "current_subtotal_price_set": money_set(order.subtotal(), c),
        "current_total_additional_fees_set": null,
        "current_total_discounts": amount(order.total_discounts()),
        "current_total_discounts_set": money_set(order.total_discounts(), c),
        "current_total_duties_set": null,
        "current_total_price": amount(current_total),
        "current_total_price_set": money_set(current_total, c),
        "current_total_tax": amount(order.total_tax),
        "current_total_tax_set": money_set(order.total_tax, c),
        "customer_locale": "en",
        "device_id": null,
        "discount_codes": order.discount_codes.iter().map(|d| json!({ "code": d.code, "amount": amount(d.amount) })).collect::<Vec<_>>(),
        "duties_included": false,
        "email": order.email,
        "estimated_taxes": false,
    });
    let middle = json!({
        "financial_status": order.financial_status.rest(),
        "fulfillment_status": fulfillment_status(shipped_total, wanted),
        "landing_site": null,
        "landing_site_ref": null,
        "location_id": null,
        "merchant_business_entity_id": null,
        "merchant_of_record_app_id": null,
        "name": order.name,
        "note": order.note,
        "note_attributes": order.custom_attributes.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
        "number": order.number.saturating_sub(1000),
        "order_number": order.number,
        "order_status_url": format!("https://{}/{}/orders/{token}/authenticate?key={token}", shop.domain, shop.id),
        "original_total_additional_fees_set": null,
        "original_total_duties_set": null,
        "payment_gateway_names": [],
        "phone": order.phone,
        "po_number": null,
        "presentment_currency": c,
        "processed_at": time(order.processed_at),
        "reference": null,
        "referring_site": null,
        "source_identifier": null,
        "source_name": order.source_name,
        "source_url": null,
        "subtotal_price": amount(original_subtotal),
        "subtotal_price_set": money_set(original_subtotal, c),
        "tags": order.tags.join(", "),
        "tax_exempt": false,
        "tax_lines": [],
        "taxes_included": false,
        "test": order.test,
        "token": token,
    });
    let tail = json!({
        "total_cash_rounding_payment_adjustment_set": money_set(zero, c),
        "total_cash_rounding_refund_adjustment_set": money_set(zero, c),
        "total_discounts": amount(original_discounts),
        "total_discounts_set": money_set(original_discounts, c),
        "total_line_items_price": amount(original_lines),
        "total_line_items_price_set": money_set(original_lines, c),
        "total_outstanding": amount(outstanding),
        "total_price": amount(original_total),
        "total_price_set": money_set(original_total, c),
        "total_shipping_price_set": money_set(order.total_shipping(), c),
        "total_tax": amount(order.total_tax),
        "total_tax_set": money_set(order.total_tax, c),
        "total_tip_received": amount(zero),
        "total_weight": 0,
        "updated_at": time(order.updated_at),
        "user_id": null,
        "billing_address": order.billing_address.as_ref().map(address_json),
        "customer": customer,
        "discount_applications": [],
        "fulfillments": fulfillments,
        "line_items": order.line_items.iter().map(|l| line_item_json(shop, l, &shipped, c)).collect::<Vec<_>>(),
        "payment_terms": null,
        "refunds": [],
        "shipping_address": order.shipping_address.as_ref().map(address_json),
        "shipping_lines": order.shipping_lines.iter().map(|s| json!({
            "id": s.id,
            "carrier_identifier": null,
            "code": s.code,
            "current_discounted_price_set": money_set(s.price, c),
            "discounted_price": amount(s.price),
            "discounted_price_set": money_set(s.price, c),
            "is_removed": false,
            "phone": null,
            "price": amount(s.price),
            "price_set": money_set(s.price, c),
            "requested_fulfillment_service_id": null,
            "source": "shopify",
            "title": s.title,
            "tax_lines": [],
            "discount_allocations": [],
        })).collect::<Vec<_>>(),
        "returns": [],
        "line_item_groups": [],
    });
    let mut body = Map::new();
    for part in [head, middle, tail] {
        if let Value::Object(map) = part {
            body.extend(map);
        }
    }
    Some(Value::Object(body))
}

/// A REST address (order billing/shipping, fulfillment destination).
fn address_json(a: &MailingAddress) -> Value {
    let name = [a.first_name.as_deref(), a.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "first_name": a.first_name,
        "address1": a.address1,
        "phone": a.phone,
        "city": a.city,
        "zip": a.zip,
        "province": a.province,
        "country": a.country,
        "last_name": a.last_name,
        "address2": a.address2,
        "company": a.company,
        "latitude": null,
        "longitude": null,
        "name": name,
        "country_code": a.country_code,
        "province_code": a.province_code,
    })
}

/// An order's line as REST shows it.
fn line_item_json(
    shop: &Shop,
    line: &LineItem,
    shipped: &BTreeMap<u64, u32>,
    currency: &str,
) -> Value {
    let done = shipped
        .get(&line.id)
        .copied()
        .unwrap_or(0)
        .min(line.current_quantity);
    let name = match &line.variant_title {
        Some(v) if !v.is_empty() && v != "Default Title" => format!("{} - {v}", line.title),
        _ => line.title.clone(),
    };
    json!({
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "attributed_staffs": [],
        "current_quantity": line.current_quantity,
        "fulfillable_quantity": line.current_quantity - done,
        "fulfillment_service": "manual",
        "fulfillment_status": fulfillment_status(done, line.current_quantity),
        "gift_card": false,
        "grams": 0,
        "name": name,
        "price": amount(line.unit_price),
        "price_set": money_set(line.unit_price, currency),
        "product_exists": line.product_id.is_some_and(|p| shop.products.contains_key(&p)),
        "product_id": line.product_id,
        "properties": line.custom_attributes.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
        "quantity": line.quantity,
        "requires_shipping": line.requires_shipping,
        "sales_line_item_group_id": null,
        "sku": line.sku,
        "taxable": line.taxable,
        "title": line.title,
        "total_discount": amount(line.discount),
        "total_discount_set": money_set(line.discount, currency),
        "variant_id": line.variant_id,
        "variant_inventory_management": line.variant_id.map(|_| "shopify"),
        "variant_title": line.variant_title,
        "vendor": line.vendor,
        "tax_lines": [],
        "duties": [],
        // The line's share of the order's discount, as the Admin API's `discountAllocations`.
        "discount_allocations": if line.discount.is_zero() {
            json!([])
        } else {
            json!([{
                "amount": amount(line.discount),
                "amount_set": money_set(line.discount, currency),
                "discount_application_index": 0,
            }])
        },
    })
}

/// Keys of an order line that a fulfillment's line does not carry.
const ORDER_ONLY_LINE_KEYS: [&str; 3] = [
    "attributed_staffs",
    "current_quantity",
    "sales_line_item_group_id",
];

/// The `fulfillments/*` body (and an entry of an order's `fulfillments`).
pub(super) fn fulfillment_json(shop: &Shop, f: &Fulfillment) -> Option<Value> {
    let order = shop.orders.get(&f.order_id)?;
    let shipped = fulfilled_quantities(shop, order.id);
    let line_items: Vec<Value> = f
        .line_items
        .iter()
        .filter_map(|fl| {
            let line = order.line_items.iter().find(|l| l.id == fl.line_item_id)?;
            let mut value = line_item_json(shop, line, &shipped, &order.currency);
            if let Value::Object(map) = &mut value {
                for key in ORDER_ONLY_LINE_KEYS {
                    map.remove(key);
                }
                map.insert("quantity".into(), json!(fl.quantity));
            }
            Some(value)
        })
        .collect();
    let tracking: Vec<&TrackingInfo> = f.tracking.iter().collect();
    let numbers: Vec<&str> = tracking
        .iter()
        .filter_map(|t| t.number.as_deref())
        .collect();
    let urls: Vec<&str> = tracking.iter().filter_map(|t| t.url.as_deref()).collect();
    let mut body = Map::new();
    for (k, v) in [
        ("id", json!(f.id)),
        ("order_id", json!(f.order_id)),
        (
            "status",
            json!(match f.status {
                FulfillmentStatus::Success => "success",
                FulfillmentStatus::Cancelled => "cancelled",
            }),
        ),
        ("created_at", json!(time(f.created_at))),
        ("service", json!("manual")),
        ("updated_at", json!(time(f.updated_at))),
        (
            "tracking_company",
            json!(tracking.iter().find_map(|t| t.company.as_deref())),
        ),
        ("shipment_status", Value::Null),
        ("location_id", json!(f.location_id)),
        ("origin_address", Value::Null),
        ("email", json!(order.email)),
        (
            "destination",
            order
                .shipping_address
                .as_ref()
                .map_or(Value::Null, address_json),
        ),
        ("line_items", json!(line_items)),
        ("tracking_number", json!(numbers.first())),
        ("tracking_numbers", json!(numbers)),
        ("tracking_url", json!(urls.first())),
        ("tracking_urls", json!(urls)),
        ("receipt", json!({})),
        ("name", json!(f.name)),
        ("admin_graphql_api_id", json!(gid("Fulfillment", f.id))),
    ] {
        body.insert(k.to_owned(), v);
    }
    Some(Value::Object(body))
}
