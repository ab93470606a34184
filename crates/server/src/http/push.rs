//! Pushing orders and Order Push Settings, as JSON routes authenticated by a session token:
//! `POST /api/orders/{id}/push`, `POST /api/orders/{id}/push/{source}/retry`,
//! `POST /api/orders/{id}/push/{source}/resolve`,
//! `GET|PUT /api/settings/push` and `PUT /api/settings/auto-push`. Each handler parses, calls one
//! service function ([`crate::service::push`], [`crate::service::settings`]) and maps the result.
//! See `docs/push.md`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::service::push::{request_push, resolve_attention, PushError, PushRequested};
use crate::service::settings::{self, SettingsServiceError};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orders/{id}/push", post(push))
        .route("/api/orders/{id}/push/{source}/retry", post(retry))
        .route("/api/orders/{id}/push/{source}/resolve", post(resolve))
        .route("/api/settings/push", get(get_settings).put(put_settings))
        .route("/api/settings/auto-push", put(auto_push))
}

fn error(e: &PushError) -> Response {
    let status = match e {
        PushError::NotDestination => StatusCode::FORBIDDEN,
        PushError::BadInput { .. } => StatusCode::BAD_REQUEST,
        PushError::OrderNotFound | PushError::NotConnected(_) | PushError::NoPush(_) => {
            StatusCode::NOT_FOUND
        }
        PushError::AlreadyDone(_) | PushError::NotFailed(_) => StatusCode::CONFLICT,
        PushError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    super::error_answer(status, e, "push request")
}

/// An order id from the path; anything else names no order (404).
fn order_id(text: &str) -> Option<i64> {
    text.parse().ok()
}

fn answer(state: &AppState, r: &PushRequested) -> Response {
    state.jobs_waiting.notify_one();
    (
        StatusCode::ACCEPTED,
        Json(json!({
            "source": r.push.source_domain.as_str(),
            "status": r.push.status.as_str(),
            "label": r.push.status.label(),
            "attention": r.push.attention,
            "queued_now": r.queued_now,
        })),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    source: String,
    shipping_fee: Option<String>,
}

async fn push(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path(id): Path<String>,
    body: Result<Json<PushBody>, JsonRejection>,
) -> Response {
    let Some(id) = order_id(&id) else {
        return error(&PushError::OrderNotFound);
    };
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return super::bad_body(&e),
    };
    let actor = format!("merchant of {}", shop.shop.domain);
    match request_push(
        &state.store,
        &shop,
        id,
        &body.source,
        body.shipping_fee.as_deref(),
        false,
        &actor,
    )
    .await
    {
        Ok(r) => answer(&state, &r),
        Err(e) => error(&e),
    }
}

async fn retry(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path((id, source)): Path<(String, String)>,
) -> Response {
    let Some(id) = order_id(&id) else {
        return error(&PushError::OrderNotFound);
    };
    let actor = format!("merchant of {}", shop.shop.domain);
    match request_push(&state.store, &shop, id, &source, None, true, &actor).await {
        Ok(r) => answer(&state, &r),
        Err(e) => error(&e),
    }
}

async fn resolve(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path((id, source)): Path<(String, String)>,
) -> Response {
    let Some(id) = order_id(&id) else {
        return error(&PushError::OrderNotFound);
    };
    let actor = format!("merchant of {}", shop.shop.domain);
    match resolve_attention(&state.store, &shop, id, &source, &actor).await {
        Ok(r) => Json(json!({
            "source": r.push.source_domain.as_str(),
            "status": r.push.status.as_str(),
            "label": r.push.status.label(),
            "attention": r.push.attention,
            "resolved_now": r.resolved_now,
        }))
        .into_response(),
        Err(e) => error(&e),
    }
}

fn settings_answer(
    result: Result<ordersync_core::OrderPushSettings, SettingsServiceError>,
) -> Response {
    let e = match result {
        Ok(s) => return Json(s).into_response(),
        Err(e) => e,
    };
    let status = match e {
        SettingsServiceError::NotDestination => StatusCode::FORBIDDEN,
        SettingsServiceError::BadInput { .. } => StatusCode::BAD_REQUEST,
        SettingsServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    super::error_answer(status, &e, "settings request")
}

async fn get_settings(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    settings_answer(settings::push_settings(&state.store, &shop).await)
}

async fn put_settings(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    match body {
        Ok(Json(body)) => {
            settings_answer(settings::save_push_settings(&state.store, &shop, &body).await)
        }
        Err(e) => super::bad_body(&e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoPushBody {
    enabled: bool,
}

async fn auto_push(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    body: Result<Json<AutoPushBody>, JsonRejection>,
) -> Response {
    match body {
        Ok(Json(body)) => {
            settings_answer(settings::set_auto_push(&state.store, &shop, body.enabled).await)
        }
        Err(e) => super::bad_body(&e),
    }
}
