//! The HTTP surface. Each endpoint module exposes a `router()`; this module puts them together.
//! Handlers parse, call one service function, and map the result: they never write SQL.

use axum::Router;

use crate::app::AppState;

mod api;
mod auth;
mod billing;
mod health;
mod metrics;
mod openapi;
mod orders;
mod push;
mod sync;
mod webhooks;

pub use api::ROUTES as API_ROUTES;
pub use openapi::OPENAPI_JSON;

/// Every route that is not behind a session token: probes, metrics, Shopify's webhooks, the
/// install and billing-return pages, and the API's own OpenAPI document (the `openapi` test
/// checks these and [`API_ROUTES`] are exactly the routes the document describes).
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/webhooks"),
    ("GET", "/auth"),
    ("GET", "/auth/callback"),
    ("POST", "/auth/token-exchange"),
    ("GET", "/billing/return"),
    ("GET", "/api/openapi.json"),
];

/// Every route of the server; `/webhooks`, OAuth and the JSON API only when this process has
/// the `api` role.
pub fn router(state: AppState, serve_api: bool) -> Router {
    let mut router = Router::new()
        .merge(health::router())
        .merge(metrics::router());
    if serve_api {
        router = router
            .merge(webhooks::router())
            .merge(auth::router())
            .merge(api::router())
            .merge(billing::router())
            .merge(sync::router())
            .merge(push::router())
            .merge(orders::router())
            .merge(openapi::router())
            .merge(crate::pages::router());
    }
    router.with_state(state)
}

/// 400 for a JSON body that does not parse, naming what serde found wrong.
pub(crate) fn bad_body(e: &axum::extract::rejection::JsonRejection) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": format!("invalid body: {}", e.body_text()) })),
    )
        .into_response()
}

/// A JSON error answer: the error's own words for a 4xx; for a 5xx the detail is logged (with
/// `what` failed) and the caller only reads that something went wrong.
pub(crate) fn error_answer(
    status: axum::http::StatusCode,
    error: &dyn std::fmt::Display,
    what: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = if status.is_server_error() {
        tracing::error!(error = %error, "{what} failed");
        "something went wrong on our side; try again".to_owned()
    } else {
        error.to_string()
    };
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}
