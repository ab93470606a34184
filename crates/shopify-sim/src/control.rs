//! TODO-HELPER: control

use axum::Router;

use crate::Sim;

/// Routes of this module.
pub fn router() -> Router<Sim> {
    Router::new()
}
