//! Settings → Plan & Billing: the Order add-on's JSON routes (session-token authenticated, so a
//! store only ever sees and changes its own add-on) and the page Shopify sends the merchant back
//! to after approving or declining the charge.
//!
//! - `GET /api/addon`: the add-on as the merchant sees it (Off with the reason, Waiting for
//!   approval with the approval URL, Active) and the Orders tab banner.
//! - `POST /api/addon` (the toggle, then **Next**): asks Shopify for the charge and answers the
//!   URL where the merchant approves it; a source store is refused (403) with the reason.
//! - `DELETE /api/addon`: switches it off and cancels the charge in Shopify.
//! - `GET /billing/return?shop=…`: Shopify's return URL. It trusts nothing in the query but the
//!   shop's name: it asks Shopify which charges are active, records that, and sends the merchant
//!   back to the app.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use ordersync_core::ShopDomain;
use ordersync_shopify::admin::ShopApi;
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::service::addon::{self, AddonError, AddonOverview, SwitchedOn};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/addon", get(show).post(switch_on).delete(switch_off))
        .route(addon::RETURN_PATH, get(returned))
}

fn overview_json(o: &AddonOverview) -> serde_json::Value {
    json!({
        "state": match o.state {
            ordersync_core::addon::AddonState::Off(_) => "off",
            ordersync_core::addon::AddonState::WaitingForApproval => "waiting_for_approval",
            ordersync_core::addon::AddonState::Active => "active",
        },
        "label": o.state.label(),
        "reason": o.reason,
        "orders_banner": o.orders_banner,
        "confirmation_url": o.confirmation_url,
        "test": o.record.addon.test,
        "last_error": o.record.last_error,
    })
}

fn error(e: &AddonError) -> Response {
    let status = match e {
        AddonError::Refused(_) => StatusCode::FORBIDDEN,
        AddonError::ChargeRefused(_) | AddonError::CancelRefused(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AddonError::NotAuthorized(_) => StatusCode::FORBIDDEN,
        AddonError::Unavailable(_) | AddonError::Shopify(_) => StatusCode::BAD_GATEWAY,
        AddonError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status.is_server_error() {
        tracing::error!(error = ?e, "Order add-on request failed");
    }
    (status, Json(json!({ "error": e.to_string() }))).into_response()
}

/// The Admin API of the shop, with its (refreshed if due) offline token.
async fn shop_api(state: &AppState, shop: &ShopRecord) -> Result<ShopApi, Response> {
    match state.auth.access_token(shop, UnixMillis::now()).await {
        Ok(token) => Ok(state.auth.admin().shop(shop.shop.domain.as_str(), token)),
        Err(e) => {
            tracing::warn!(shop = %shop.shop.domain, error = %e, "no usable access token for billing");
            let status = if e.is_retryable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::FORBIDDEN
            };
            Err((status, Json(json!({ "error": e.public_message() }))).into_response())
        }
    }
}

async fn show(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    match addon::status(&state.store, &shop).await {
        Ok(o) => Json(overview_json(&o)).into_response(),
        Err(e) => error(&e),
    }
}

async fn switch_on(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    // The rules are checked before Shopify is called: a source store never reaches Shopify.
    if let Err(refusal) = addon::status(&state.store, &shop)
        .await
        .map(|o| o.record.addon.switch_on(shop.shop.role))
        .and_then(|r| r.map_err(AddonError::from))
    {
        return error(&refusal);
    }
    let api = match shop_api(&state, &shop).await {
        Ok(api) => api,
        Err(response) => return response,
    };
    match addon::switch_on(&state.store, &api, &shop, &state.addon).await {
        Ok(SwitchedOn::AlreadyActive) => show(State(state), SessionShop(shop)).await,
        Ok(SwitchedOn::Approve { confirmation_url }) => Json(json!({
            "state": "waiting_for_approval",
            "label": "Waiting for approval",
            "confirmation_url": confirmation_url,
        }))
        .into_response(),
        Err(e) => error(&e),
    }
}

async fn switch_off(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    let api = match shop_api(&state, &shop).await {
        Ok(api) => api,
        Err(response) => return response,
    };
    match addon::switch_off(&state.store, &api, &shop).await {
        Ok(_) => show(State(state), SessionShop(shop)).await,
        Err(e) => error(&e),
    }
}

#[derive(Debug, Deserialize)]
struct ReturnQuery {
    shop: String,
}

async fn returned(State(state): State<AppState>, Query(q): Query<ReturnQuery>) -> Response {
    let bad = |message: &str| (StatusCode::BAD_REQUEST, message.to_owned()).into_response();
    let Ok(domain) = ShopDomain::parse(&q.shop) else {
        return bad("The shop in the return address is not a valid *.myshopify.com domain.");
    };
    let shop = match state.store.shop_by_domain(&domain).await {
        Ok(Some(shop)) if shop.installed => shop,
        Ok(_) => return bad("This store has not installed ordersync."),
        Err(e) => {
            tracing::error!(shop = %domain, error = %e, "billing return failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
                .into_response();
        }
    };
    let api = match shop_api(&state, &shop).await {
        Ok(api) => api,
        Err(response) => return response,
    };
    if let Err(e) = addon::confirm(&state.store, &api, &shop).await {
        // The webhook will still bring the answer; the merchant is sent back to the app either way.
        tracing::warn!(shop = %domain, error = %e, "could not confirm the Order add-on charge on return");
    }
    // The app inside the shop's admin (on the configured Shopify host: shopify-sim in the sandbox).
    let config = state.auth.config();
    let admin = config.shopify_base_url.replace("{shop}", domain.as_str());
    Redirect::to(&format!("{admin}/admin/apps/{}", config.api_key)).into_response()
}
