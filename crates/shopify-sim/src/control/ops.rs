//! Control routes for faults (add, list, remove, what fired) and the journal (API calls and
//! webhook attempts, filtered by shop and sequence number; clear).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::{body, ApiError, ApiResult};
use crate::faults::FaultRule;
use crate::Sim;

pub(super) async fn add_fault(State(sim): State<Sim>, bytes: Bytes) -> ApiResult {
    let rule: FaultRule = body(&bytes)?;
    if rule.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
        return Err(ApiError::bad_request("probability must be between 0 and 1"));
    }
    let id = sim.faults().add(rule);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

pub(super) async fn list_faults(State(sim): State<Sim>) -> ApiResult {
    Ok(Json(sim.faults().rules()).into_response())
}

pub(super) async fn clear_faults(State(sim): State<Sim>) -> ApiResult {
    sim.faults().clear(None);
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn remove_fault(State(sim): State<Sim>, Path(id): Path<u64>) -> ApiResult {
    if !sim.faults().rules().iter().any(|r| r.id == id) {
        return Err(ApiError::not_found(format!("no fault rule {id}")));
    }
    sim.faults().clear(Some(id));
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn fault_hits(State(sim): State<Sim>) -> ApiResult {
    Ok(Json(sim.faults().hits()).into_response())
}

pub(super) async fn clear_fault_hits(State(sim): State<Sim>) -> ApiResult {
    sim.faults().clear_hits();
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct JournalQuery {
    #[serde(default)]
    shop: Option<String>,
    #[serde(default)]
    since: u64,
}

pub(super) async fn journal_calls(
    State(sim): State<Sim>,
    Query(query): Query<JournalQuery>,
) -> ApiResult {
    Ok(Json(sim.journal().calls(query.shop.as_deref(), query.since)).into_response())
}

pub(super) async fn journal_webhooks(
    State(sim): State<Sim>,
    Query(query): Query<JournalQuery>,
) -> ApiResult {
    Ok(Json(sim.journal().attempts(query.shop.as_deref(), query.since)).into_response())
}

pub(super) async fn clear_journal(State(sim): State<Sim>) -> ApiResult {
    sim.journal().clear();
    Ok(StatusCode::NO_CONTENT.into_response())
}
