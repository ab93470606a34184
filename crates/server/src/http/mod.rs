//! The HTTP surface. Each endpoint module exposes a `router()`; this module puts them together.
//! Handlers parse, call one service function, and map the result: they never write SQL.

use axum::Router;

use crate::app::AppState;

mod api;
mod auth;
mod health;

pub use api::ROUTES as API_ROUTES;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(api::router())
        .with_state(state)
}
