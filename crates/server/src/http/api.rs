//! The merchant's JSON API, every route authenticated by a session token ([`SessionShop`]):
//! a handler only ever sees the caller's own shop, so one store can never read or change
//! another's. Routes here: `GET /api/store`, `PUT /api/store/role`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use ordersync_store::{StoreError, UnixMillis};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::auth::AuthError;

/// Every authenticated JSON route (tenant-isolation tests walk this list).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/store"),
    ("PUT", "/api/store/role"),
    ("GET", "/api/addon"),
    ("POST", "/api/addon"),
    ("DELETE", "/api/addon"),
    ("GET", "/api/connection-key"),
    ("GET", "/api/connections"),
    ("POST", "/api/connections"),
    ("DELETE", "/api/connections/{source_domain}"),
    ("GET", "/api/synced-products"),
    ("POST", "/api/synced-products/rematch"),
    ("PUT", "/api/synced-products/{variant_id}"),
    ("DELETE", "/api/synced-products/{variant_id}"),
    ("POST", "/api/orders/{id}/push"),
    ("POST", "/api/orders/{id}/push/{source}/retry"),
    ("POST", "/api/orders/{id}/push/{source}/resolve"),
    ("GET", "/api/settings/push"),
    ("PUT", "/api/settings/push"),
    ("PUT", "/api/settings/auto-push"),
    ("GET", "/api/orders"),
    ("GET", "/api/orders/counts"),
    ("GET", "/api/orders/{id}"),
    ("POST", "/api/orders/push"),
];

/// The JSON API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/store", get(store))
        .route("/api/store/role", put(set_role))
}

fn error(e: &AuthError) -> Response {
    let (status, message) = match e {
        AuthError::BadRole(_) => (StatusCode::BAD_REQUEST, e.public_message()),
        AuthError::Store(StoreError::Invalid(m)) => (StatusCode::CONFLICT, m.clone()),
        _ => {
            tracing::error!(error = %e, "api request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, e.public_message())
        }
    };
    (status, Json(json!({ "error": message }))).into_response()
}

async fn store(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    match state.auth.store_status(&shop, UnixMillis::now()).await {
        Ok(status) => Json(status).into_response(),
        Err(e) => error(&e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    body: Result<Json<RoleBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("invalid body: {}", e.body_text()) })),
            )
                .into_response()
        }
    };
    let now = UnixMillis::now();
    match state.auth.set_role(&shop, &body.role, now).await {
        Ok(updated) => match state.auth.store_status(&updated, now).await {
            Ok(status) => Json(status).into_response(),
            Err(e) => error(&e),
        },
        Err(e) => error(&e),
    }
}
