//! For a source store: `GET /api/received-orders`, the orders it received from its destination
//! stores (newest first, keyset pages), authenticated by a session token so a store only ever
//! sees its own. The handler parses, calls [`crate::service::received`] and maps the result.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::service::received::{self, ReceivedError, ReceivedParams};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/received-orders", get(list))
}

fn error(e: &ReceivedError) -> Response {
    let status = match e {
        ReceivedError::BadInput { .. } => StatusCode::BAD_REQUEST,
        ReceivedError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    super::error_answer(status, e, "received orders request")
}

async fn list(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    params: Result<Query<ReceivedParams>, QueryRejection>,
) -> Response {
    let Query(params) = match params {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("invalid query: {}", e.body_text()) })),
            )
                .into_response()
        }
    };
    match received::received_orders(&state.store, &shop, &params).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => error(&e),
    }
}
