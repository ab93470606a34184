//! Fulfillment orders and fulfillments: `fulfillmentOrder`, `fulfillment`, `fulfillmentCreate`,
//! `fulfillmentTrackingInfoUpdate(V2)` and `fulfillmentCancel`, all through [`crate::merchant`].

use apollo_compiler::resolvers::FieldError;
use serde_json::{json, Value};

use super::orders::json::{line_item_json, reference, ts};
use super::{access_denied, Call};
use crate::graphql::value::Ctx;
use crate::ids::{gid, parse_gid};
use crate::merchant::{self, FulfillmentOrderRequest, MerchantError};
use crate::state::{
    Fulfillment, FulfillmentOrder, FulfillmentOrderStatus, FulfillmentStatus, Shop, TrackingInfo,
};

const READ_FO: [&str; 4] = [
    "read_merchant_managed_fulfillment_orders",
    "read_assigned_fulfillment_orders",
    "read_third_party_fulfillment_orders",
    "read_fulfillments",
];
const WRITE_FO: [&str; 4] = [
    "write_merchant_managed_fulfillment_orders",
    "write_assigned_fulfillment_orders",
    "write_third_party_fulfillment_orders",
    "write_fulfillments",
];

fn require_any(ctx: &Ctx<'_>, scopes: &[&str], field: &str) -> Result<(), FieldError> {
    if scopes.iter().any(|s| ctx.caller.has_scope(s)) {
        return Ok(());
    }
    let names: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
    Err(access_denied(
        field,
        &format!("{} access scope", names.join(" or ")),
    ))
}

/// The `FulfillmentOrder` object.
pub(crate) fn fulfillment_order_json(shop: &Shop, fo: &FulfillmentOrder) -> Value {
    let order = shop.orders.get(&fo.order_id);
    let location = shop.locations.iter().find(|l| l.id == fo.location_id);
    // As recorded (2026-04): an open merchant-managed fulfillment order can report progress
    // (since 2026-04), move and hold; it can be split only when it holds more than one unit.
    let splittable = fo
        .line_items
        .iter()
        .map(|l| l.remaining_quantity)
        .sum::<u32>()
        > 1;
    let actions: &[&str] = match (fo.status, splittable) {
        (FulfillmentOrderStatus::Open, true) => &[
            "CREATE_FULFILLMENT",
            "REPORT_PROGRESS",
            "MOVE",
            "HOLD",
            "SPLIT",
        ],
        (FulfillmentOrderStatus::Open, false) => {
            &["CREATE_FULFILLMENT", "REPORT_PROGRESS", "MOVE", "HOLD"]
        }
        (FulfillmentOrderStatus::InProgress, _) => {
            &["CREATE_FULFILLMENT", "REPORT_PROGRESS", "HOLD"]
        }
        _ => &[],
    };
    let fulfill_at = fo.created_at.format("%Y-%m-%dT%H:00:00Z").to_string();
    json!({
        "__typename": "FulfillmentOrder",
        "id": gid("FulfillmentOrder", fo.id),
        "status": fo.status.graphql(),
        "requestStatus": "UNSUBMITTED",
        "assignedLocation": {
            "name": location.map(|l| l.name.clone()).unwrap_or_default(),
            "location": reference("Location", fo.location_id),
            "address1": location.and_then(|l| l.address1.clone()),
            "city": location.and_then(|l| l.city.clone()),
            "countryCode": location.and_then(|l| l.country_code.clone()).unwrap_or_else(|| "US".into()),
            "province": null, "zip": null, "phone": null,
        },
        "lineItems": fo.line_items.iter().map(|l| {
            let line = order.and_then(|o| o.line_items.iter().find(|x| x.id == l.line_item_id).map(|x| (o, x)));
            json!({
                "__typename": "FulfillmentOrderLineItem",
                "id": gid("FulfillmentOrderLineItem", l.id),
                "totalQuantity": l.total_quantity,
                "remainingQuantity": l.remaining_quantity,
                "sku": line.and_then(|(_, x)| x.sku.clone()),
                "productTitle": line.map(|(_, x)| x.title.clone()),
                "lineItem": line.map_or(Value::Null, |(o, x)| line_item_json(shop, o, x)),
            })
        }).collect::<Vec<_>>(),
        "supportedActions": actions.iter().map(|a| json!({ "action": a, "externalUrl": null })).collect::<Vec<_>>(),
        "order": reference("Order", fo.order_id),
        "orderId": gid("Order", fo.order_id),
        "orderName": order.map(|o| o.name.clone()),
        "createdAt": ts(fo.created_at),
        "updatedAt": ts(fo.updated_at),
        "fulfillAt": fulfill_at,
        "fulfillBy": null,
        "fulfillmentHolds": [],
        "merchantRequests": [],
    })
}

/// The `Fulfillment` object.
pub(crate) fn fulfillment_json(shop: &Shop, f: &Fulfillment) -> Value {
    let order = shop.orders.get(&f.order_id);
    let (status, display) = match f.status {
        FulfillmentStatus::Success => ("SUCCESS", "FULFILLED"),
        FulfillmentStatus::Cancelled => ("CANCELLED", "CANCELED"),
    };
    json!({
        "__typename": "Fulfillment",
        "id": gid("Fulfillment", f.id),
        "legacyResourceId": f.id.to_string(),
        "name": f.name,
        "status": status,
        "displayStatus": display,
        "createdAt": ts(f.created_at),
        "updatedAt": ts(f.updated_at),
        "deliveredAt": null, "estimatedDeliveryAt": null, "inTransitAt": null,
        "requiresShipping": true,
        "totalQuantity": f.line_items.iter().map(|l| l.quantity).sum::<u32>(),
        "trackingInfo": f.tracking.iter().map(|t| json!({ "company": t.company, "number": t.number, "url": t.url })).collect::<Vec<_>>(),
        "fulfillmentLineItems": f.line_items.iter().map(|l| json!({
            "__typename": "FulfillmentLineItem",
            "id": gid("FulfillmentLineItem", l.id),
            "quantity": l.quantity,
            "lineItem": order.and_then(|o| o.line_items.iter().find(|x| x.id == l.line_item_id).map(|x| line_item_json(shop, o, x))).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "location": reference("Location", f.location_id),
        "order": reference("Order", f.order_id),
    })
}

pub(super) fn field(call: &Call<'_, '_, '_>) -> Option<Result<Value, FieldError>> {
    Some(match (call.type_name, call.field) {
        ("Query", "fulfillmentOrder") => require_any(call.ctx, &READ_FO, "fulfillmentOrder")
            .map(|()| by_id(call.ctx, "FulfillmentOrder", call.str_arg("id"))),
        ("Query", "fulfillment") => require_any(call.ctx, &READ_FO, "fulfillment")
            .and_then(|()| super::require_scope(call.ctx, "read_orders", "fulfillment"))
            .map(|()| by_id(call.ctx, "Fulfillment", call.str_arg("id"))),
        ("Fulfillment", "trackingInfo") | ("Order", "fulfillments") => {
            let items = call
                .obj
                .get(call.field)
                .cloned()
                .unwrap_or(Value::Array(vec![]));
            Ok(
                match (items, call.args.get("first").and_then(Value::as_u64)) {
                    (Value::Array(mut a), Some(n)) => {
                        a.truncate(n as usize);
                        Value::Array(a)
                    }
                    (other, _) => other,
                },
            )
        }
        ("Mutation", "fulfillmentCreate" | "fulfillmentCreateV2") => fulfillment_create(call),
        ("Mutation", "fulfillmentTrackingInfoUpdate" | "fulfillmentTrackingInfoUpdateV2") => {
            tracking_update(call)
        }
        ("Mutation", "fulfillmentCancel") => fulfillment_cancel(call),
        _ => return None,
    })
}

fn by_id(ctx: &Ctx<'_>, kind: &str, id: Option<&str>) -> Value {
    id.and_then(|g| parse_gid(kind, g))
        .and_then(|n| lookup(ctx, kind, n))
        .unwrap_or(Value::Null)
}

pub(super) fn lookup(ctx: &Ctx<'_>, kind: &str, id: u64) -> Option<Value> {
    let world = ctx.world.borrow();
    let shop = world.shop(&ctx.caller.shop)?;
    match kind {
        "FulfillmentOrder" => shop
            .fulfillment_orders
            .get(&id)
            .map(|fo| fulfillment_order_json(shop, fo)),
        "Fulfillment" => shop
            .fulfillments
            .get(&id)
            .map(|f| fulfillment_json(shop, f)),
        _ => None,
    }
}

fn tracking_from(input: Option<&Value>) -> Vec<TrackingInfo> {
    let Some(t) = input.filter(|v| v.is_object()) else {
        return vec![];
    };
    let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |k: &str| -> Vec<String> {
        t.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let company = text("company");
    let mut numbers = list("numbers");
    let mut urls = list("urls");
    if numbers.is_empty() {
        numbers.extend(text("number"));
    }
    if urls.is_empty() {
        urls.extend(text("url"));
    }
    if numbers.is_empty() {
        return urls
            .into_iter()
            .map(|u| TrackingInfo {
                company: company.clone(),
                number: None,
                url: Some(u),
            })
            .collect();
    }
    numbers
        .into_iter()
        .enumerate()
        .map(|(i, n)| TrackingInfo {
            company: company.clone(),
            number: Some(n),
            url: urls.get(i).cloned(),
        })
        .collect()
}

fn payload(call: &Call<'_, '_, '_>, fulfillment: Option<u64>, errors: Vec<Value>) -> Value {
    let f = fulfillment
        .and_then(|id| lookup(call.ctx, "Fulfillment", id))
        .unwrap_or(Value::Null);
    json!({ "fulfillment": f, "userErrors": errors })
}

fn error(field: Vec<Value>, message: &str) -> Value {
    let path: Vec<String> = field
        .iter()
        .map(|f| f.as_str().map_or_else(|| f.to_string(), str::to_owned))
        .collect();
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    super::user_error(&path, message)
}

fn fulfillment_create(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    require_any(call.ctx, &WRITE_FO, "fulfillmentCreate")?;
    let input = call.args.get("fulfillment").cloned().unwrap_or(Value::Null);
    let groups = input
        .get("lineItemsByFulfillmentOrder")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Quantities are checked first, for every group, as Shopify does.
    for (g, group) in groups.iter().enumerate() {
        let lines = group
            .get("fulfillmentOrderLineItems")
            .and_then(Value::as_array);
        for (i, line) in lines.into_iter().flatten().enumerate() {
            if line.get("quantity").and_then(Value::as_i64).unwrap_or(0) <= 0 {
                let path = [
                    "fulfillment",
                    "lineItemsByFulfillmentOrder",
                    &g.to_string(),
                    "fulfillmentOrderLineItems",
                    &i.to_string(),
                    "quantity",
                ];
                let path = path.iter().map(|p| json!(p)).collect();
                return Ok(payload(
                    call,
                    None,
                    vec![error(path, "Quantity must be greater than 0")],
                ));
            }
        }
    }
    let mut requests = Vec::new();
    for group in &groups {
        let fo = group
            .get("fulfillmentOrderId")
            .and_then(Value::as_str)
            .and_then(|g| parse_gid("FulfillmentOrder", g));
        let Some(fo) = fo else {
            return Ok(payload(
                call,
                None,
                vec![error(
                    vec![json!("fulfillment")],
                    "Fulfillment order does not exist.",
                )],
            ));
        };
        let lines = group
            .get("fulfillmentOrderLineItems")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .map(|l| {
                        let id = l
                            .get("id")
                            .and_then(Value::as_str)
                            .and_then(|g| parse_gid("FulfillmentOrderLineItem", g))
                            .unwrap_or(0);
                        let qty = l.get("quantity").and_then(Value::as_u64).unwrap_or(0);
                        (id, u32::try_from(qty).unwrap_or(u32::MAX))
                    })
                    .collect()
            });
        requests.push(FulfillmentOrderRequest {
            fulfillment_order_id: fo,
            lines,
        });
    }
    let tracking = tracking_from(input.get("trackingInfo"));
    let notify = input
        .get("notifyCustomer")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let result = {
        let mut world = call.ctx.world.borrow_mut();
        merchant::fulfill_fulfillment_orders(
            &mut world,
            &call.ctx.caller.shop,
            &requests,
            tracking,
            notify,
        )
    };
    Ok(match result {
        Ok(id) => payload(call, Some(id), vec![]),
        Err(e) => payload(
            call,
            None,
            vec![error(vec![json!("fulfillment")], &e.to_string())],
        ),
    })
}

fn tracking_update(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    require_any(call.ctx, &WRITE_FO, call.field)?;
    let id = call
        .str_arg("fulfillmentId")
        .and_then(|g| parse_gid("Fulfillment", g));
    let tracking = tracking_from(call.args.get("trackingInfoInput"));
    let notify = call
        .args
        .get("notifyCustomer")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let result = match id {
        Some(id) => {
            let mut world = call.ctx.world.borrow_mut();
            merchant::update_tracking(&mut world, &call.ctx.caller.shop, id, tracking, notify)
                .map(|()| id)
        }
        None => Err(MerchantError::NotFound(
            "Fulfillment does not exist.".into(),
        )),
    };
    Ok(match result {
        Ok(id) => payload(call, Some(id), vec![]),
        Err(e) => payload(
            call,
            None,
            vec![error(vec![json!("fulfillmentId")], &e.to_string())],
        ),
    })
}

fn fulfillment_cancel(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    require_any(call.ctx, &WRITE_FO, "fulfillmentCancel")?;
    let id = call.str_arg("id").and_then(|g| parse_gid("Fulfillment", g));
    let result = match id {
        Some(id) => {
            let mut world = call.ctx.world.borrow_mut();
            merchant::cancel_fulfillment(&mut world, &call.ctx.caller.shop, id).map(|()| id)
        }
        None => Err(MerchantError::NotFound("Fulfillment not found.".into())),
    };
    Ok(match result {
        Ok(id) => payload(call, Some(id), vec![]),
        Err(e) => payload(call, None, vec![error(vec![json!("id")], &e.to_string())]),
    })
}
