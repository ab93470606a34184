//! `POST /admin/oauth/access_token`: the code grant, token exchange of a session token, and
//! refresh of an expiring offline token. Bodies may be JSON or form-encoded, as Shopify accepts
//! both; errors are `{"error": "…", "error_description": "…"}`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};

use super::tokens::{install_app_with, refresh, TokenGrant};
use super::{host_shop, verify_session_token};
use crate::state::TokenKind;
use crate::Sim;

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE: &str = "urn:shopify:params:oauth:token-type:offline-access-token";
const ONLINE: &str = "urn:shopify:params:oauth:token-type:online-access-token";

pub(super) async fn by_host(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let shop = host_shop(&headers);
    exchange(&sim, &shop, &headers, &body)
}

pub(super) async fn by_path(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    exchange(&sim, &shop.to_ascii_lowercase(), &headers, &body)
}

fn error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response()
}

/// The body's parameters as strings, whether it is JSON or a form.
fn parameters(headers: &HeaderMap, body: &[u8]) -> Option<HashMap<String, String>> {
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json_body {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        return Some(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect(),
        );
    }
    let text = std::str::from_utf8(body).ok()?;
    Some(
        text.split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (
                    crate::pages::percent_decode(k),
                    crate::pages::percent_decode(v),
                )
            })
            .collect(),
    )
}

fn exchange(sim: &Sim, shop: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    if !sim.read(|w| w.shop(shop).is_some()) {
        return error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            &format!("There is no shop {shop} in this simulator"),
        );
    }
    let Some(params) = parameters(headers, body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body is neither a JSON object nor a form",
        );
    };
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    let api_key = get("client_id");
    let secret = sim.read(|w| w.apps.get(api_key).map(|a| a.secret.clone()));
    let Some(secret) = secret.filter(|s| s == get("client_secret")) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client credentials are invalid: client_id or client_secret is wrong",
        );
    };
    let expiring = matches!(get("expiring"), "1" | "true");
    let lifetimes = sim.oauth().lifetimes();
    match get("grant_type") {
        "" | "authorization_code" => {
            let code = get("code");
            if code.is_empty() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing parameter: code",
                );
            }
            let Some(pending) = sim.oauth().take_code(code) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The authorization code was not found or was already used",
                );
            };
            if pending.api_key != api_key || pending.shop != shop {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The authorization code was issued to another app or shop",
                );
            }
            let kind = if pending.online {
                TokenKind::Online
            } else {
                TokenKind::Offline
            };
            let owner = sim.read(|w| w.shop(shop).map(|s| s.email.clone()));
            let token = sim.mutate(|w| {
                install_app_with(w, shop, api_key, &pending.scopes, kind, expiring, lifetimes)
            });
            match token {
                Some(token) => Json(
                    TokenGrant {
                        token,
                        user_id: pending.online.then_some(1),
                        user_email: owner,
                    }
                    .to_json(),
                )
                .into_response(),
                None => error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The app could not be installed",
                ),
            }
        }
        TOKEN_EXCHANGE => {
            if get("subject_token_type") != ID_TOKEN {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("subject_token_type must be {ID_TOKEN}"),
                );
            }
            let kind = match get("requested_token_type") {
                OFFLINE => TokenKind::Offline,
                ONLINE => TokenKind::Online,
                other => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        &format!("requested_token_type {other:?} is not {OFFLINE} or {ONLINE}"),
                    )
                }
            };
            let claims =
                match verify_session_token(get("subject_token"), api_key, &secret, Utc::now()) {
                    Ok(claims) => claims,
                    Err(why) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            "invalid_subject_token",
                            &format!("Invalid subject token: {why}"),
                        )
                    }
                };
            if !claims.shop().eq_ignore_ascii_case(shop) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_subject_token",
                    &format!(
                        "Invalid subject token: it was issued for {}, not {shop}",
                        claims.shop()
                    ),
                );
            }
            let user_id = claims.sub.parse::<u64>().ok();
            let token = sim.mutate(|w| {
                let scopes = w
                    .shop(shop)
                    .and_then(|s| s.installation(api_key))
                    .map(|i| i.scopes.clone())
                    .or_else(|| w.apps.get(api_key).map(|a| a.scopes.clone()))
                    .unwrap_or_default();
                install_app_with(w, shop, api_key, &scopes, kind, expiring, lifetimes)
            });
            match token {
                Some(token) => Json(
                    TokenGrant {
                        token,
                        user_id,
                        user_email: None,
                    }
                    .to_json(),
                )
                .into_response(),
                None => error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The app could not be installed",
                ),
            }
        }
        "refresh_token" => {
            let refresh_token = get("refresh_token");
            match sim.mutate(|w| refresh(w, shop, api_key, refresh_token, lifetimes)) {
                Ok(token) => Json(
                    TokenGrant {
                        token,
                        user_id: None,
                        user_email: None,
                    }
                    .to_json(),
                )
                .into_response(),
                Err(why) => error(StatusCode::BAD_REQUEST, "invalid_grant", why),
            }
        }
        other => error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type {other:?} is not supported"),
        ),
    }
}
