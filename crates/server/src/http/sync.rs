//! Connections and synced products, as JSON routes authenticated by a session token (so a
//! store only ever sees and changes its own): each handler parses, calls one
//! [`crate::service::sync`] function and maps the result. See `docs/connections.md`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::service::sync::{self, SyncError, SyncedOverview};

/// At most this many synced and this many unsynced variants in one answer.
const LIST_LIMIT: usize = 1000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/connection-key", get(connection_key))
        .route("/api/connections", get(list).post(connect))
        .route("/api/connections/{source_domain}", delete(disconnect))
        .route("/api/synced-products", get(synced_products))
        .route("/api/synced-products/rematch", post(rematch))
        .route(
            "/api/synced-products/{variant_id}",
            put(link).delete(unlink),
        )
}

fn error(e: &SyncError) -> Response {
    let status = match e {
        SyncError::NotDestination => StatusCode::FORBIDDEN,
        SyncError::BadInput { .. } => StatusCode::BAD_REQUEST,
        SyncError::UnknownKey | SyncError::NotConnected | SyncError::NoSuchVariant => {
            StatusCode::NOT_FOUND
        }
        SyncError::OwnKey | SyncError::KeyOfDestination | SyncError::SourceUninstalled => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        SyncError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    super::error_answer(status, &e, "connections request")
}

fn store_json(s: &ShopRecord) -> Value {
    json!({
        "domain": s.shop.domain.as_str(),
        "name": s.shop.name.as_str(),
        "role": s.shop.role.as_str(),
        "installed": s.installed,
    })
}

/// Answers 202 after a change that queued a re-match, and wakes this process's worker.
fn queued(state: &AppState, body: Value) -> Response {
    state.jobs_waiting.notify_one();
    (StatusCode::ACCEPTED, Json(body)).into_response()
}

async fn connection_key(SessionShop(shop): SessionShop) -> Response {
    Json(json!({ "connection_key": shop.connection_key, "role": shop.shop.role.as_str() }))
        .into_response()
}

async fn list(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    match sync::connections(&state.store, &shop).await {
        Ok(stores) => Json(json!({
            "role": shop.shop.role.as_str(),
            "connections": stores.iter().map(store_json).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => error(&e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectBody {
    key: String,
}

async fn connect(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    body: Result<Json<ConnectBody>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(e) => return super::bad_body(&e),
    };
    match sync::connect(&state.store, &shop, &body.key, UnixMillis::now()).await {
        Ok(source) => {
            state.jobs_waiting.notify_one();
            (StatusCode::CREATED, Json(store_json(&source))).into_response()
        }
        Err(e) => error(&e),
    }
}

async fn disconnect(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path(source_domain): Path<String>,
) -> Response {
    match sync::disconnect(&state.store, &shop, &source_domain, UnixMillis::now()).await {
        Ok(()) => {
            state.jobs_waiting.notify_one();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(&e),
    }
}

fn overview_json(o: &SyncedOverview) -> Value {
    json!({
        "rematch_pending": o.rematch_pending,
        "synced_total": o.mapped_total,
        "synced": o.mapped.iter().map(|m| json!({
            "variant_id": m.variant.destination_variant.as_str(),
            "sku": m.variant.sku.as_str(),
            "source": m.variant.source_shop.as_str(),
            "source_variant_id": m.variant.source_variant.as_str(),
            "source_price": m.variant.source_price.as_ref().map(|p| json!({
                "amount": p.amount().to_string(),
                "currency": p.currency().as_str(),
            })),
            "linked": match m.origin {
                ordersync_store::synced::MappingOrigin::SkuMatch => "sku",
                ordersync_store::synced::MappingOrigin::Manual => "manual",
            },
        })).collect::<Vec<_>>(),
        "not_synced": o.not_synced.iter().map(|n| json!({
            "variant_id": n.variant.as_str(),
            "title": n.title,
            "sku": n.sku.as_ref().map(|s| s.as_str()),
            "status": n.reason.status(),
            "reason": n.reason,
            "message": n.reason.message(),
        })).collect::<Vec<_>>(),
    })
}

async fn synced_products(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
) -> Response {
    match sync::synced_products(&state.store, &shop, LIST_LIMIT).await {
        Ok(overview) => Json(overview_json(&overview)).into_response(),
        Err(e) => error(&e),
    }
}

async fn rematch(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    match sync::request_rematch(&state.store, &shop, UnixMillis::now()).await {
        Ok(()) => queued(&state, json!({ "rematch": "queued" })),
        Err(e) => error(&e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    source: String,
    source_variant_id: Value,
}

async fn link(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path(variant_id): Path<String>,
    body: Result<Json<LinkBody>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(e) => return super::bad_body(&e),
    };
    // Ids are accepted as gids or numbers, in JSON strings or numbers.
    let source_variant = match &body.source_variant_id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let now = UnixMillis::now();
    match sync::link(
        &state.store,
        &shop,
        &variant_id,
        &body.source,
        &source_variant,
        now,
    )
    .await
    {
        Ok(()) => queued(&state, json!({ "link": "saved", "rematch": "queued" })),
        Err(e) => error(&e),
    }
}

async fn unlink(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path(variant_id): Path<String>,
) -> Response {
    match sync::unlink(&state.store, &shop, &variant_id, UnixMillis::now()).await {
        Ok(()) => queued(&state, json!({ "unlink": "saved", "rematch": "queued" })),
        Err(e) => error(&e),
    }
}
