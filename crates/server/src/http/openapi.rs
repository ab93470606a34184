//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every route (`openapi.json` beside this
//! file, embedded at build time). Public: it describes the API, it holds no shop's data. The
//! `openapi` test keeps it in step with [`super::API_ROUTES`] and [`super::PUBLIC_ROUTES`].

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
