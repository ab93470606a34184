//! The HTTP surface. Each endpoint module exposes a `router()`; this module puts them together.
//! Handlers parse, call one service function, and map the result: they never write SQL.

use axum::Router;

use crate::app::AppState;

mod api;
mod auth;
mod billing;
mod health;
mod metrics;
mod push;
mod sync;
mod webhooks;

pub use api::ROUTES as API_ROUTES;

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
            .merge(push::router());
    }
    router.with_state(state)
}
