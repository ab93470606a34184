//! Orders: `order`, `orders` (search, sort, pagination), `ordersCount`, `node`/`nodes`, and the
//! `orderCreate` / `orderCancel` mutations (in [`create`]), all through [`crate::merchant`].

mod create;
pub(crate) mod json;
pub(crate) mod search;

use apollo_compiler::resolvers::FieldError;
use serde_json::{json, Value};

use super::{require_scope, Call};
use crate::graphql::value::Ctx;
use crate::ids::parse_gid;
use crate::merchant::display_fulfillment_status;
use crate::state::{Order, Shop};
use search::{matches_all, number_matches, text_contains, text_eq, time_matches, Term};

pub(super) fn field(call: &Call<'_, '_, '_>) -> Option<Result<Value, FieldError>> {
    Some(match (call.type_name, call.field) {
        ("Query", "order") => require_scope(call.ctx, "read_orders", "order").map(|()| {
            call.str_arg("id")
                .and_then(|g| parse_gid("Order", g))
                .and_then(|id| lookup(call.ctx, "Order", id))
                .unwrap_or(Value::Null)
        }),
        ("Query", "orders") => {
            require_scope(call.ctx, "read_orders", "orders").map(|()| orders(call))
        }
        ("Query", "ordersCount") => {
            require_scope(call.ctx, "read_orders", "ordersCount").map(|()| orders_count(call))
        }
        _ if call.is("Query", "node") => Ok(call
            .str_arg("id")
            .and_then(|g| super::lookup(call.ctx, g))
            .unwrap_or(Value::Null)),
        ("Query", "nodes") => Ok(Value::Array(
            call.args
                .get("ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|g| {
                    g.as_str()
                        .and_then(|g| super::lookup(call.ctx, g))
                        .unwrap_or(Value::Null)
                })
                .collect(),
        )),
        ("Mutation", "orderCreate") => create::order_create(call),
        ("Mutation", "orderCancel") => create::order_cancel(call),
        _ => return None,
    })
}

pub(super) fn lookup(ctx: &Ctx<'_>, kind: &str, id: u64) -> Option<Value> {
    let world = ctx.world.borrow();
    let shop = world.shop(&ctx.caller.shop)?;
    match kind {
        "Order" => shop.orders.get(&id).map(|o| json::order_json(shop, o)),
        "Customer" => shop.customers.get(&id).map(json::customer_json),
        _ => None,
    }
}

fn order_matches(shop: &Shop, order: &Order, term: &Term) -> bool {
    let Some(key) = term.key.as_deref() else {
        let mut fields: Vec<&str> = vec![order.name.as_str()];
        fields.extend(order.email.as_deref());
        fields.extend(order.note.as_deref());
        fields.extend(order.tags.iter().map(String::as_str));
        fields.extend(order.line_items.iter().map(|l| l.title.as_str()));
        fields.extend(order.line_items.iter().filter_map(|l| l.sku.as_deref()));
        return text_contains(term, fields);
    };
    match key {
        "tag" | "tags" => order.tags.iter().any(|t| text_eq(term, t)),
        "name" => {
            let want = term.value.trim_start_matches('#');
            order
                .name
                .trim_start_matches('#')
                .eq_ignore_ascii_case(want)
        }
        "id" => number_matches(term, order.id),
        "updated_at" => time_matches(term, order.updated_at),
        "created_at" => time_matches(term, order.created_at),
        "processed_at" => time_matches(term, order.processed_at),
        "email" => order.email.as_deref().is_some_and(|e| text_eq(term, e)),
        "sku" => order
            .line_items
            .iter()
            .any(|l| l.sku.as_deref().is_some_and(|s| text_eq(term, s))),
        "financial_status" => text_eq(term, order.financial_status.rest()),
        "fulfillment_status" => {
            let status = display_fulfillment_status(shop, order);
            match term.value.to_ascii_lowercase().as_str() {
                "unshipped" | "unfulfilled" => status == "UNFULFILLED",
                "partial" | "partially_fulfilled" => status == "PARTIALLY_FULFILLED",
                "shipped" | "fulfilled" => status == "FULFILLED",
                "any" => true,
                _ => false,
            }
        }
        "status" => match term.value.to_ascii_lowercase().as_str() {
            "open" => order.closed_at.is_none() && order.cancelled_at.is_none(),
            "closed" => order.closed_at.is_some(),
            "cancelled" | "canceled" => order.cancelled_at.is_some(),
            "any" => true,
            _ => false,
        },
        "test" => text_eq(term, if order.test { "true" } else { "false" }),
        "customer_id" => order.customer_id.is_some_and(|c| number_matches(term, c)),
        _ => false,
    }
}

fn matching_orders<'s>(shop: &'s Shop, query: Option<&str>) -> Vec<&'s Order> {
    let terms = search::parse(query.unwrap_or_default());
    shop.orders
        .values()
        .filter(|o| matches_all(&terms, |t| order_matches(shop, o, t)))
        .collect()
}

fn orders(call: &Call<'_, '_, '_>) -> Value {
    let world = call.ctx.world.borrow();
    let Some(shop) = world.shop(&call.ctx.caller.shop) else {
        return Value::Array(vec![]);
    };
    let mut found = matching_orders(shop, call.str_arg("query"));
    match call.str_arg("sortKey").unwrap_or("ID") {
        "CREATED_AT" => found.sort_by_key(|o| (o.created_at, o.id)),
        "UPDATED_AT" => found.sort_by_key(|o| (o.updated_at, o.id)),
        "PROCESSED_AT" => found.sort_by_key(|o| (o.processed_at, o.id)),
        "ORDER_NUMBER" => found.sort_by_key(|o| (o.number, o.id)),
        "TOTAL_PRICE" => found.sort_by_key(|o| (o.total(), o.id)),
        _ => found.sort_by_key(|o| o.id),
    }
    // Only the page's orders are rendered (the connection keeps the page of this list); the
    // others stand in as their id, which is all a cursor needs. A search matching thousands of
    // orders then costs what its page costs, not what all of them would.
    let reverse = call.args.get("reverse").and_then(Value::as_bool) == Some(true);
    let total = found.len();
    let page = crate::graphql::value::page_window(
        total,
        |k| call.args.get(k).and_then(Value::as_i64),
        |k| call.args.get(k).and_then(Value::as_str).map(str::to_owned),
    )
    .map_or(0..total, |w| w.range);
    Value::Array(
        found
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                let at = if reverse { total - 1 - i } else { i };
                if page.contains(&at) {
                    json::order_json(shop, o)
                } else {
                    json!({ "id": crate::ids::gid("Order", o.id) })
                }
            })
            .collect(),
    )
}

fn orders_count(call: &Call<'_, '_, '_>) -> Value {
    let world = call.ctx.world.borrow();
    let count = world
        .shop(&call.ctx.caller.shop)
        .map_or(0, |shop| matching_orders(shop, call.str_arg("query")).len());
    let limit = call
        .args
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(10_000) as usize;
    if count > limit {
        json!({ "count": limit, "precision": "AT_LEAST" })
    } else {
        json!({ "count": count, "precision": "EXACT" })
    }
}
