//! The install routes Shopify and the merchant's browser hit: `GET /auth` (start OAuth),
//! `GET /auth/callback` (finish it) and `POST /auth/token-exchange` (embedded install with a
//! session token). Handlers parse, call one [`crate::auth::AuthService`] function and map the
//! result; refusals are a short HTML page (or JSON for the token exchange) without internal detail.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ordersync_shopify::oauth::OAuthError;
use ordersync_store::UnixMillis;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::AuthError;

/// The install routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth", get(begin))
        .route("/auth/callback", get(callback))
        .route("/auth/token-exchange", post(token_exchange))
}

#[derive(Debug, Deserialize)]
struct BeginQuery {
    shop: Option<String>,
    role: Option<String>,
}

fn status_of(e: &AuthError) -> StatusCode {
    match e {
        AuthError::BadShop(_)
        | AuthError::BadRole(_)
        | AuthError::Missing(_)
        | AuthError::BadHmac
        | AuthError::BadState => StatusCode::BAD_REQUEST,
        AuthError::SessionToken(_) | AuthError::NotInstalled(_) => StatusCode::UNAUTHORIZED,
        // Shopify refused the session token in token exchange.
        AuthError::OAuth(OAuthError::Refused { status: 400, .. }) => StatusCode::UNAUTHORIZED,
        AuthError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
        AuthError::OAuth(_) | AuthError::Admin(_) | AuthError::TokenUnavailable { .. } => {
            StatusCode::BAD_GATEWAY
        }
        AuthError::ShopDetails { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AuthError::Store(_) | AuthError::Crypto(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(e: &AuthError) -> Response {
    let status = status_of(e);
    if status.is_server_error() {
        tracing::error!(error = %e, "install failed");
    } else {
        tracing::info!(error = %e, "install refused");
    }
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ordersync: install</title></head>\
         <body><h1>ordersync could not be installed</h1><p>{}</p></body></html>",
        escape(&e.public_message())
    );
    (status, Html(body)).into_response()
}

async fn begin(State(state): State<AppState>, Query(q): Query<BeginQuery>) -> Response {
    let Some(shop) = q.shop.as_deref() else {
        return page(&AuthError::Missing("shop"));
    };
    match state
        .auth
        .begin_install(shop, q.role.as_deref(), UnixMillis::now())
        .await
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => page(&e),
    }
}

async fn callback(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    match state
        .auth
        .complete_install(&params, UnixMillis::now())
        .await
    {
        Ok(installed) => Redirect::to(&installed.redirect).into_response(),
        Err(e) => page(&e),
    }
}

async fn token_exchange(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("Bearer "))
        .map(str::trim);
    let result = match token {
        Some(token) => {
            state
                .auth
                .exchange_session_token(token, UnixMillis::now())
                .await
        }
        None => Err(AuthError::Missing("Authorization")),
    };
    match result {
        Ok(shop) => {
            Json(json!({ "shop": shop.shop.domain.as_str(), "installed": true })).into_response()
        }
        Err(e) => {
            let status = status_of(&e);
            tracing::info!(error = %e, "token exchange refused");
            let message = if status == StatusCode::UNAUTHORIZED {
                "unauthorized".to_owned()
            } else {
                e.public_message()
            };
            (status, Json(json!({ "error": message }))).into_response()
        }
    }
}
