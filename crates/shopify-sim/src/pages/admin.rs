//! placeholder
use crate::Sim;
use axum::extract::{Path, State};
use axum::response::Response;
pub(super) async fn home(State(_sim): State<Sim>, Path(_shop): Path<String>) -> Response {
    super::not_found("x")
}
pub(super) async fn order_page(State(_sim): State<Sim>, Path(_p): Path<(String, u64)>) -> Response {
    super::not_found("x")
}
pub(super) async fn order_action(
    State(_sim): State<Sim>,
    Path(_p): Path<(String, u64, String)>,
) -> Response {
    super::not_found("x")
}
pub(super) async fn fulfillment_action(
    State(_sim): State<Sim>,
    Path(_p): Path<(String, u64, String)>,
) -> Response {
    super::not_found("x")
}
pub(super) async fn uninstall(
    State(_sim): State<Sim>,
    Path(_p): Path<(String, String)>,
) -> Response {
    super::not_found("x")
}
