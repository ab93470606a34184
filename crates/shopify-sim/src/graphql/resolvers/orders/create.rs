//! `orderCreate` and `orderCancel`: the Admin API's input shapes and user errors (as recorded in
//! `contracts/shopify/captures/`) around [`crate::merchant`]'s checkout and cancellation.

use std::str::FromStr;

use apollo_compiler::resolvers::FieldError;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::super::{access_denied, require_scope, Call};
use crate::graphql::value::coded_error;
use crate::ids::parse_gid;
use crate::merchant::{
    self, LineDetails, NewCustomer, NewTransaction, OrderDetails, OrderLine, Payment, PlaceOrder,
};
use crate::state::{FinancialStatus, MailingAddress};

/// Orders a development store accepts from `orderCreate` per minute.
const DEV_STORE_ORDERS_PER_MINUTE: usize = 5;

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn amount(money_bag: Option<&Value>) -> Option<Decimal> {
    let m = money_bag?;
    let s = m
        .pointer("/shopMoney/amount")
        .or_else(|| m.pointer("/presentmentMoney/amount"))?;
    match s {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

fn user_error(field: Value, message: &str, code: &str) -> Value {
    json!({ "field": field, "message": message, "code": code })
}

fn failed(errors: Vec<Value>) -> Result<Value, FieldError> {
    Ok(json!({ "order": null, "userErrors": errors }))
}

fn address(v: Option<&Value>) -> Option<MailingAddress> {
    let a = v.filter(|v| v.is_object())?;
    Some(MailingAddress {
        first_name: text(a, "firstName"),
        last_name: text(a, "lastName"),
        company: text(a, "company"),
        address1: text(a, "address1"),
        address2: text(a, "address2"),
        city: text(a, "city"),
        province: text(a, "province"),
        province_code: text(a, "provinceCode"),
        country: text(a, "country"),
        country_code: text(a, "countryCode"),
        zip: text(a, "zip"),
        phone: text(a, "phone"),
    })
}

fn missing_tax_rate(lines: &[Value], kind: &str) -> Option<Value> {
    for (i, line) in lines.iter().enumerate() {
        let taxes = line.get("taxLines").and_then(Value::as_array);
        for (j, tax) in taxes.into_iter().flatten().enumerate() {
            let rate = tax.get("rate").and_then(Value::as_str).unwrap_or_default();
            if Decimal::from_str(rate.trim()).is_err() {
                return Some(user_error(
                    json!(["order", kind, i, "taxLines", j, "rate"]),
                    "Tax line rate must be provided",
                    "TAX_LINE_RATE_MISSING",
                ));
            }
        }
    }
    None
}

pub(super) fn order_create(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    require_scope(call.ctx, "write_orders", "orderCreate")?;
    if !crate::http::offline_only(call.ctx.caller.token_kind) {
        return Err(access_denied(
            "orderCreate",
            "`write_orders` access scope and an offline access token",
        ));
    }
    let order = call.args.get("order").cloned().unwrap_or(Value::Null);
    let options = call.args.get("options").cloned().unwrap_or(Value::Null);
    let lines_in = order
        .get("lineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if lines_in.is_empty() {
        return failed(vec![user_error(
            json!(["order", "lineItems"]),
            "Line items must have at least one line item",
            "INVALID",
        )]);
    }
    let processed_at = match text(&order, "processedAt") {
        Some(s) => match DateTime::parse_from_rfc3339(&s) {
            Ok(t) if t.with_timezone(&Utc) <= Utc::now() + Duration::seconds(60) => {
                Some(t.with_timezone(&Utc))
            }
            _ => {
                return failed(vec![user_error(
                    json!(["order", "processedAt"]),
                    "Processed at must not be in the future",
                    "PROCESSED_AT_INVALID",
                )])
            }
        },
        None => None,
    };
    let customer_input = order.get("customer").filter(|c| c.is_object());
    if order.get("customerId").is_some_and(|c| !c.is_null()) && customer_input.is_some() {
        return failed(vec![user_error(
            json!(["order"]),
            "Cannot specify both customerId and customer",
            "REDUNDANT_CUSTOMER_FIELDS",
        )]);
    }
    let shipping_in = order
        .get("shippingLines")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(e) = missing_tax_rate(&lines_in, "lineItems")
        .or_else(|| missing_tax_rate(&shipping_in, "shippingLines"))
    {
        return failed(vec![e]);
    }
    let mut lines = Vec::new();
    let mut details = OrderDetails {
        source_name: call.ctx.caller.api_key.clone(),
        app_api_key: Some(call.ctx.caller.api_key.clone()),
        decrement_inventory: matches!(
            options.get("inventoryBehaviour").and_then(Value::as_str),
            Some("DECREMENT_IGNORING_POLICY" | "DECREMENT_OBEYING_POLICY")
        ),
        processed_at,
        customer_from_email: false,
        currency: text(&order, "currency"),
        ..OrderDetails::default()
    };
    for (i, l) in lines_in.iter().enumerate() {
        let variant_id = match text(l, "variantId") {
            Some(g) => match parse_gid("ProductVariant", &g) {
                Some(id) => Some(id),
                None => {
                    return failed(vec![user_error(
                        json!(["order", "lineItems", i, "variantId"]),
                        "Variant is invalid",
                        "INVALID",
                    )])
                }
            },
            None => None,
        };
        let quantity = l.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        if quantity <= 0 {
            return failed(vec![user_error(
                json!(["order", "lineItems", i, "quantity"]),
                "Quantity must be greater than or equal to 1",
                "INVALID",
            )]);
        }
        lines.push(OrderLine {
            variant_id,
            sku: text(l, "sku"),
            title: text(l, "title"),
            price: amount(l.get("priceSet")),
            quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
        });
        details.lines.push(LineDetails {
            vendor: text(l, "vendor"),
            requires_shipping: Some(
                l.get("requiresShipping")
                    .and_then(Value::as_bool)
                    .unwrap_or(variant_id.is_some()),
            ),
            taxable: l.get("taxable").and_then(Value::as_bool),
            properties: l
                .get("properties")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        text(p, "name").unwrap_or_default(),
                        text(p, "value").unwrap_or_default(),
                    )
                })
                .collect(),
            product_id: text(l, "productId").and_then(|g| parse_gid("Product", &g)),
            variant_title: text(l, "variantTitle"),
            custom: variant_id.is_none(),
        });
    }
    details.custom_attributes = order
        .get("customAttributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| {
            (
                text(a, "key").unwrap_or_default(),
                text(a, "value").unwrap_or_default(),
            )
        })
        .collect();
    for s in &shipping_in {
        details.shipping_lines.push((
            text(s, "title").unwrap_or_default(),
            text(s, "code"),
            amount(s.get("priceSet")).unwrap_or_default(),
        ));
    }
    if let Some(t) = order.get("transactions").and_then(Value::as_array) {
        details.transactions = Some(
            t.iter()
                .map(|t| NewTransaction {
                    kind: text(t, "kind").unwrap_or_else(|| "SALE".into()),
                    status: text(t, "status").unwrap_or_else(|| "SUCCESS".into()),
                    gateway: text(t, "gateway").unwrap_or_else(|| "manual".into()),
                    amount: amount(t.get("amountSet")).unwrap_or_default(),
                    test: t.get("test").and_then(Value::as_bool).unwrap_or(false),
                })
                .collect(),
        );
    }
    details.financial_status = match order.get("financialStatus").and_then(Value::as_str) {
        Some("PAID") => Some(FinancialStatus::Paid),
        Some("AUTHORIZED") => Some(FinancialStatus::Authorized),
        Some("PENDING") => Some(FinancialStatus::Pending),
        Some("PARTIALLY_PAID") => Some(FinancialStatus::PartiallyPaid),
        Some("REFUNDED") => Some(FinancialStatus::Refunded),
        Some("PARTIALLY_REFUNDED") => Some(FinancialStatus::PartiallyRefunded),
        Some("VOIDED") => Some(FinancialStatus::Voided),
        Some("EXPIRED") => Some(FinancialStatus::Expired),
        _ => None,
    };
    let mut customer = None;
    if let Some(c) = customer_input {
        if let Some(id) = c
            .pointer("/toAssociate/id")
            .and_then(Value::as_str)
            .and_then(|g| parse_gid("Customer", g))
        {
            details.customer_id = Some(id);
        } else if let Some(u) = c.get("toUpsert").filter(|u| u.is_object()) {
            customer = Some(NewCustomer {
                first_name: text(u, "firstName"),
                last_name: text(u, "lastName"),
                email: text(u, "email"),
                phone: text(u, "phone"),
            });
        }
    } else if let Some(id) = text(&order, "customerId").and_then(|g| parse_gid("Customer", &g)) {
        details.customer_id = Some(id);
    }
    let discount_code = order.get("discountCode").and_then(|d| {
        if let Some(f) = d.get("itemFixedDiscountCode").filter(|f| f.is_object()) {
            return Some((
                text(f, "code").unwrap_or_default(),
                amount(f.get("amountSet")).unwrap_or_default(),
            ));
        }
        let p = d
            .get("itemPercentageDiscountCode")
            .filter(|f| f.is_object())?;
        let pct = p.get("percentage").and_then(Value::as_f64).unwrap_or(0.0);
        let pct = Decimal::from_str(&pct.to_string()).unwrap_or_default();
        let base: Decimal = lines
            .iter()
            .map(|l| l.price.unwrap_or_default() * Decimal::from(l.quantity))
            .sum();
        Some((
            text(p, "code").unwrap_or_default(),
            (base * pct / Decimal::from(100)).round_dp(2),
        ))
    });
    let place = PlaceOrder {
        email: text(&order, "email"),
        phone: text(&order, "phone"),
        customer,
        shipping_address: address(order.get("shippingAddress")),
        billing_address: address(order.get("billingAddress")),
        lines,
        shipping_line: None,
        discount_code,
        payment: Payment::Pending,
        note: text(&order, "note"),
        tags: order
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        test: order.get("test").and_then(Value::as_bool).unwrap_or(false),
    };
    let result = {
        let mut world = call.ctx.world.borrow_mut();
        let shop = &call.ctx.caller.shop;
        let now = Utc::now();
        let limited = world.shop_mut(shop).is_some_and(|s| {
            if !s.order_create_limit {
                return false;
            }
            while s
                .order_create_times
                .front()
                .is_some_and(|t| now - *t >= Duration::seconds(60))
            {
                s.order_create_times.pop_front();
            }
            s.order_create_times.len() >= DEV_STORE_ORDERS_PER_MINUTE
        });
        if limited {
            return Err(coded_error(
                "Exceeded order API rate limit, please try again in a minute. Upgrade to a paid account to remove this limit.",
                json!({ "code": "THROTTLED" }),
            ));
        }
        let result = merchant::place_order_with(&mut world, shop, place, details);
        if result.is_ok() {
            if let Some(s) = world.shop_mut(shop).filter(|s| s.order_create_limit) {
                s.order_create_times.push_back(now);
            }
        }
        result
    };
    match result {
        Ok(id) => Ok(json!({
            "order": super::lookup(call.ctx, "Order", id).unwrap_or(Value::Null),
            "userErrors": [],
        })),
        Err(e) => failed(vec![user_error(
            json!(["order"]),
            &e.to_string(),
            "INVALID",
        )]),
    }
}

pub(super) fn order_cancel(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    require_scope(call.ctx, "write_orders", "orderCancel")?;
    let refuse = |field: &str, message: &str| {
        Ok(json!({
            "job": null,
            "orderCancelUserErrors": [{ "field": [field], "message": message, "code": "INVALID" }],
            "userErrors": [{ "field": [field], "message": message }],
        }))
    };
    if call
        .str_arg("staffNote")
        .is_some_and(|n| n.chars().count() > 255)
    {
        return refuse(
            "staffNote",
            "Staff note is too long. Maximum length is 255 characters.",
        );
    }
    let present = |k: &str| call.args.get(k).is_some_and(|v| !v.is_null());
    if present("refund") && present("refundMethod") {
        return refuse(
            "refund",
            "Only one of the arguments `refund` or `refund_method` is allowed.",
        );
    }
    let Some(order_id) = call.str_arg("orderId").and_then(|g| parse_gid("Order", g)) else {
        return refuse("orderId", "Order does not exist");
    };
    let reason = call.str_arg("reason").unwrap_or("OTHER");
    let restock = call
        .args
        .get("restock")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let result = {
        let mut world = call.ctx.world.borrow_mut();
        merchant::cancel_order_with(&mut world, &call.ctx.caller.shop, order_id, reason, restock)
    };
    match result {
        Ok(()) => Ok(json!({
            "job": { "__typename": "Job", "id": format!("gid://shopify/Job/{}", uuid::Uuid::new_v4()), "done": false },
            "orderCancelUserErrors": [],
            "userErrors": [],
        })),
        Err(merchant::MerchantError::NotFound(_)) => refuse("orderId", "Order does not exist"),
        Err(e) => refuse("orderId", &e.to_string()),
    }
}
