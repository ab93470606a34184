//! `POST /webhooks`: the one endpoint Shopify delivers every topic to. 200 once the delivery is
//! stored (or recognised as a duplicate), 401 for a missing or wrong signature (nothing stored),
//! 500 when storage fails (Shopify retries).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

use crate::app::AppState;
use crate::service::intake::{self, Delivery, IntakeError};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/webhooks", post(receive))
}

async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let delivery = Delivery {
        hmac: header("x-shopify-hmac-sha256"),
        topic: header("x-shopify-topic"),
        shop_domain: header("x-shopify-shop-domain"),
        webhook_id: header("x-shopify-webhook-id"),
        event_id: header("x-shopify-event-id"),
        triggered_at: header("x-shopify-triggered-at"),
        api_version: header("x-shopify-api-version"),
        body: &body,
    };
    match intake::receive(&state, delivery).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e @ (IntakeError::NotConfigured | IntakeError::Signature(_))) => {
            tracing::warn!(shop = ?delivery.shop_domain, topic = ?delivery.topic, reason = %e, "webhook refused");
            (StatusCode::UNAUTHORIZED, "unauthorized")
        }
        Err(IntakeError::Store(e)) => {
            tracing::error!(shop = ?delivery.shop_domain, topic = ?delivery.topic, error = %e, "webhook could not be stored");
            (StatusCode::INTERNAL_SERVER_ERROR, "temporarily unavailable")
        }
    }
}
