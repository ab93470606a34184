//! Pushing orders, as JSON routes authenticated by a session token: `POST /api/orders/{id}/push`
//! and `POST /api/orders/{id}/push/{source}/retry`. Each handler parses, calls
//! [`crate::service::push::request_push`] and maps the result. See `docs/push.md`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::service::push::{request_push, PushError, PushRequested};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orders/{id}/push", post(push))
        .route("/api/orders/{id}/push/{source}/retry", post(retry))
}

fn error(e: &PushError) -> Response {
    let status = match e {
        PushError::NotDestination => StatusCode::FORBIDDEN,
        PushError::BadInput { .. } => StatusCode::BAD_REQUEST,
        PushError::OrderNotFound | PushError::NotConnected(_) => StatusCode::NOT_FOUND,
        PushError::AlreadyDone(_) | PushError::NotFailed(_) => StatusCode::CONFLICT,
        PushError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = if status.is_server_error() {
        tracing::error!(error = %e, "push request failed");
        "something went wrong on our side; try again".to_owned()
    } else {
        e.to_string()
    };
    (status, Json(json!({ "error": message }))).into_response()
}

fn answer(state: &AppState, r: &PushRequested) -> Response {
    state.jobs_waiting.notify_one();
    (
        StatusCode::ACCEPTED,
        Json(json!({
            "source": r.push.source_domain.as_str(),
            "status": r.push.status.as_str(),
            "label": r.push.status.label(),
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
    Path(id): Path<i64>,
    body: Result<Json<PushBody>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("invalid body: {}", e.body_text()) })),
            )
                .into_response()
        }
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
    Path((id, source)): Path<(i64, String)>,
) -> Response {
    let actor = format!("merchant of {}", shop.shop.domain);
    match request_push(&state.store, &shop, id, &source, None, true, &actor).await {
        Ok(r) => answer(&state, &r),
        Err(e) => error(&e),
    }
}
