//! The session-token extractor: every merchant UI page and JSON API route takes a
//! [`SessionShop`] argument, so a request without a valid session token for an installed shop
//! never reaches its handler. The token comes from `Authorization: Bearer <jwt>` (App Bridge's
//! fetch) or the `id_token` query parameter (page loads). Every refusal is the same
//! `401 {"error": "unauthorized"}`: the reason is logged, never shown.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;
use serde_json::json;

use crate::app::AppState;

/// The installed shop a request's session token names.
#[derive(Debug, Clone)]
pub struct SessionShop(pub ShopRecord);

/// The refusal: 401 with a JSON error and nothing else.
#[derive(Debug)]
pub struct Unauthorized;

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "unauthorized" })),
        )
            .into_response()
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    parts.uri.query()?.split('&').find_map(|pair| {
        pair.strip_prefix("id_token=")
            .map(|t| t.replace("%2E", ".").replace("%2e", "."))
    })
}

impl FromRequestParts<AppState> for SessionShop {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| Unauthorized.into_response())?;
        let domain = state
            .auth
            .verify_session_token(&token, UnixMillis::now())
            .map_err(|e| {
                tracing::info!(error = %e, path = parts.uri.path(), "session token refused");
                Unauthorized.into_response()
            })?;
        let shop = state
            .store
            .shop_by_domain(&domain)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "looking up the session's shop");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "internal error" })),
                )
                    .into_response()
            })?
            .filter(|s| s.installed)
            .ok_or_else(|| {
                tracing::info!(shop = %domain, "session token for a shop that has not installed ordersync");
                Unauthorized.into_response()
            })?;
        Ok(SessionShop(shop))
    }
}
