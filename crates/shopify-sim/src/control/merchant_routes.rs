//! Control routes for a merchant's actions (they call [`crate::merchant`], so webhooks fire as
//! when a person acts in the Shopify admin): create products, place orders as a shopper, mark
//! paid, cancel, edit quantities, fulfill with tracking, update tracking, cancel fulfillments.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{body, shop_domain, ApiError, ApiResult};
use crate::merchant::{self, Fulfill, FulfillLine};
use crate::seed::{SeedOrder, SeedProduct, SeedTracking};
use crate::{gid, Sim};

pub(super) async fn create_product(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let product: SeedProduct = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    let id = sim.mutate(|w| merchant::create_product(w, &shop, product.to_merchant()))?;
    let variants: Vec<u64> = sim.read(|w| {
        w.shop(&shop)
            .and_then(|s| s.products.get(&id))
            .map(|p| p.variant_ids.clone())
            .unwrap_or_default()
    });
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "gid": gid("Product", id), "variant_ids": variants })),
    )
        .into_response())
}

pub(super) async fn place_order(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let order: SeedOrder = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    let id = sim.mutate(|w| merchant::place_order(w, &shop, order.to_merchant()))?;
    let name = sim.read(|w| {
        w.shop(&shop)
            .and_then(|s| s.orders.get(&id))
            .map(|o| o.name.clone())
    });
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "gid": gid("Order", id), "name": name })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cancel {
    #[serde(default = "other")]
    reason: String,
}

fn other() -> String {
    "OTHER".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditQuantity {
    line_item_id: u64,
    quantity: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FulfillLineBody {
    line_item_id: u64,
    quantity: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FulfillBody {
    /// Empty: everything not yet fulfilled.
    #[serde(default)]
    lines: Vec<FulfillLineBody>,
    #[serde(default)]
    tracking: Vec<SeedTracking>,
    #[serde(default)]
    notify_customer: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackingBody {
    tracking: Vec<SeedTracking>,
    #[serde(default)]
    notify_customer: bool,
}

pub(super) async fn order_action(
    State(sim): State<Sim>,
    Path((shop, id, action)): Path<(String, u64, String)>,
    bytes: Bytes,
) -> ApiResult {
    let shop = shop_domain(&sim, &shop)?;
    match action.as_str() {
        "mark_paid" => sim.mutate(|w| merchant::mark_paid(w, &shop, id))?,
        "cancel" => {
            let cancel: Cancel = body(&bytes)?;
            sim.mutate(|w| merchant::cancel_order(w, &shop, id, &cancel.reason))?
        }
        "edit_quantity" => {
            let edit: EditQuantity = body(&bytes)?;
            sim.mutate(|w| merchant::edit_quantity(w, &shop, id, edit.line_item_id, edit.quantity))?
        }
        "fulfill" => {
            let request: FulfillBody = body(&bytes)?;
            let fulfill = Fulfill {
                lines: request
                    .lines
                    .iter()
                    .map(|l| FulfillLine {
                        line_item_id: l.line_item_id,
                        quantity: l.quantity,
                    })
                    .collect(),
                tracking: request
                    .tracking
                    .into_iter()
                    .map(SeedTracking::into_state)
                    .collect(),
                notify_customer: request.notify_customer,
            };
            let fulfillment = sim.mutate(|w| merchant::fulfill(w, &shop, id, fulfill))?;
            return Ok((
                StatusCode::CREATED,
                Json(json!({ "id": fulfillment, "gid": gid("Fulfillment", fulfillment) })),
            )
                .into_response());
        }
        other => {
            return Err(ApiError::not_found(format!(
                "no order action {other:?} (mark_paid, cancel, edit_quantity, fulfill)"
            )))
        }
    }
    Ok(Json(json!({ "ok": true, "order_id": id })).into_response())
}

pub(super) async fn fulfillment_action(
    State(sim): State<Sim>,
    Path((shop, id, action)): Path<(String, u64, String)>,
    bytes: Bytes,
) -> ApiResult {
    let shop = shop_domain(&sim, &shop)?;
    match action.as_str() {
        "tracking" => {
            let request: TrackingBody = body(&bytes)?;
            sim.mutate(|w| {
                merchant::update_tracking(
                    w,
                    &shop,
                    id,
                    request
                        .tracking
                        .into_iter()
                        .map(SeedTracking::into_state)
                        .collect(),
                    request.notify_customer,
                )
            })?
        }
        "cancel" => sim.mutate(|w| merchant::cancel_fulfillment(w, &shop, id))?,
        other => {
            return Err(ApiError::not_found(format!(
                "no fulfillment action {other:?} (tracking, cancel)"
            )))
        }
    }
    Ok(Json(json!({ "ok": true, "fulfillment_id": id })).into_response())
}
