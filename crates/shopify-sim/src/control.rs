//! The control API: JSON over HTTP under `/_sim/…`, for tests, benchmarks and the demo to set the
//! simulator up and steer it: shops, apps, installs and tokens, seeds, a merchant's actions,
//! throttling, OAuth switches, faults and the journal. Errors are `{"error": "…"}` with 400 or
//! 404. Every route is listed in `docs/simulator.md`.

mod merchant_routes;
mod ops;
mod setup;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::merchant::MerchantError;
use crate::Sim;

/// Routes of this module.
pub fn router() -> Router<Sim> {
    Router::new()
        .route("/_sim/seed", post(setup::seed))
        .route(
            "/_sim/apps",
            get(setup::list_apps).post(setup::register_app),
        )
        .route(
            "/_sim/shops",
            get(setup::list_shops).post(setup::create_shop),
        )
        .route(
            "/_sim/shops/{shop}/apps/{api_key}",
            post(setup::install).delete(setup::uninstall),
        )
        .route(
            "/_sim/shops/{shop}/apps/{api_key}/session_token",
            post(setup::session_token),
        )
        .route("/_sim/shops/{shop}/compliance", post(setup::compliance))
        .route("/_sim/shops/{shop}/throttle", put(setup::throttle))
        .route(
            "/_sim/shops/{shop}/bucket",
            put(setup::set_bucket).delete(setup::reset_bucket),
        )
        .route(
            "/_sim/shops/{shop}/order_create_limit",
            put(setup::order_create_limit),
        )
        .route("/_sim/oauth", put(setup::oauth_settings))
        .route(
            "/_sim/shops/{shop}/products",
            post(merchant_routes::create_product),
        )
        .route(
            "/_sim/shops/{shop}/orders",
            post(merchant_routes::place_order),
        )
        .route(
            "/_sim/shops/{shop}/orders/{id}/{action}",
            post(merchant_routes::order_action),
        )
        .route(
            "/_sim/shops/{shop}/fulfillments/{id}/{action}",
            post(merchant_routes::fulfillment_action),
        )
        .route(
            "/_sim/faults",
            get(ops::list_faults)
                .post(ops::add_fault)
                .delete(ops::clear_faults),
        )
        .route(
            "/_sim/faults/hits",
            get(ops::fault_hits).delete(ops::clear_fault_hits),
        )
        .route("/_sim/faults/{id}", delete(ops::remove_fault))
        .route("/_sim/journal", delete(ops::clear_journal))
        .route("/_sim/journal/calls", get(ops::journal_calls))
        .route("/_sim/journal/webhooks", get(ops::journal_webhooks))
}

/// A control API error: a status and a message naming the problem.
#[derive(Debug)]
pub(crate) struct ApiError(pub StatusCode, pub String);

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError(StatusCode::BAD_REQUEST, message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError(StatusCode::NOT_FOUND, message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<MerchantError> for ApiError {
    fn from(e: MerchantError) -> Self {
        match e {
            MerchantError::NotFound(s) => ApiError::not_found(s),
            MerchantError::Invalid(s) => ApiError::bad_request(s),
        }
    }
}

pub(crate) type ApiResult = Result<Response, ApiError>;

/// Parses a JSON body (an empty body reads as `{}`), naming what is wrong with it and where
/// (`lines[0].quantity: invalid type …`).
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| match e.path().to_string().as_str() {
        "." => ApiError::bad_request(format!("invalid JSON body: {}", e.inner())),
        path => ApiError::bad_request(format!("invalid JSON body: {path}: {}", e.inner())),
    })
}

/// Checks the shop exists; returns its canonical domain.
pub(crate) fn shop_domain(sim: &Sim, shop: &str) -> Result<String, ApiError> {
    let domain = shop.to_ascii_lowercase();
    if sim.read(|w| w.shop(&domain).is_some()) {
        Ok(domain)
    } else {
        Err(ApiError::not_found(format!("no shop {domain}")))
    }
}
