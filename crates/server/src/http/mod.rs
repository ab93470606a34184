//! The HTTP surface. Each endpoint module exposes a `router()`; this module puts them together.
//! Handlers parse, call one service function, and map the result: they never write SQL.

use axum::Router;

use crate::app::AppState;

mod health;
mod metrics;
mod webhooks;

/// Every route of the server; `/webhooks` only when this process has the `api` role.
pub fn router(state: AppState, api: bool) -> Router {
    let mut router = Router::new()
        .merge(health::router())
        .merge(metrics::router());
    if api {
        router = router.merge(webhooks::router());
    }
    router.with_state(state)
}
