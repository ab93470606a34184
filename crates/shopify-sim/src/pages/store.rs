//! placeholder
use crate::Sim;
use axum::extract::{Path, State};
use axum::response::Response;
pub(super) async fn form(State(_sim): State<Sim>, Path(_shop): Path<String>) -> Response {
    super::not_found("x")
}
pub(super) async fn place(State(_sim): State<Sim>, Path(_shop): Path<String>) -> Response {
    super::not_found("x")
}
