//! The Orders tab as JSON routes authenticated by a session token (a store only ever sees its own
//! orders): `GET /api/orders` (filters, search, keyset pages), `GET /api/orders/counts`,
//! `GET /api/orders/{id}` and the bulk Push `POST /api/orders/push`. Each handler parses, calls
//! one [`crate::service::order_views`] function and maps the result. See `docs/api.md`.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::auth::session::SessionShop;
use crate::service::order_views::{self, ListParams, OrdersError};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orders", get(list))
        .route("/api/orders/counts", get(counts))
        .route("/api/orders/push", post(bulk_push))
        .route("/api/orders/{id}", get(detail))
}

fn error(e: &OrdersError) -> Response {
    let status = match e {
        OrdersError::NotDestination => StatusCode::FORBIDDEN,
        OrdersError::BadInput { .. } => StatusCode::BAD_REQUEST,
        OrdersError::OrderNotFound | OrdersError::NotConnected(_) => StatusCode::NOT_FOUND,
        OrdersError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    super::error_answer(status, e, "orders request")
}

async fn list(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    params: Result<Query<ListParams>, QueryRejection>,
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
    match order_views::list_orders(&state.store, &shop, &params).await {
        Ok(page) => Json(page).into_response(),
        Err(e) => error(&e),
    }
}

async fn counts(State(state): State<AppState>, SessionShop(shop): SessionShop) -> Response {
    match order_views::order_counts(&state.store, &shop).await {
        Ok(counts) => Json(counts).into_response(),
        Err(e) => error(&e),
    }
}

async fn detail(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    Path(id): Path<String>,
) -> Response {
    // An id that is not a number names no order.
    let Ok(id) = id.parse::<i64>() else {
        return error(&OrdersError::OrderNotFound);
    };
    match order_views::order_detail(&state.store, &shop, id).await {
        Ok(order) => Json(order).into_response(),
        Err(e) => error(&e),
    }
}

async fn bulk_push(
    State(state): State<AppState>,
    SessionShop(shop): SessionShop,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return super::bad_body(&e),
    };
    let actor = format!("merchant of {} (bulk push)", shop.shop.domain);
    match order_views::bulk_push(&state.store, &shop, &body, &actor).await {
        Ok(done) => {
            if done.queued_any {
                state.jobs_waiting.notify_one();
            }
            Json(done).into_response()
        }
        Err(e) => error(&e),
    }
}
