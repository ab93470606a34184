//! What the server does, below HTTP: taking in a webhook ([`intake`]), processing a stored one
//! ([`process`]: orders in [`orders`], uninstall and privacy in [`compliance`], billing changes in
//! [`addon`], product changes in [`sync`]), the Order add-on's Plan & Billing operations
//! ([`addon`]), connections and synced products with their `rematch` job ([`sync`]), and pushing orders to
//! source stores exactly once with the `push` job ([`push`]) under the Order Push Settings
//! ([`settings`]), bringing shipments, tracking and source cancellations back with the
//! `sync_fulfillments` and `reconcile_pushes` jobs ([`fulfillment`]), order reconciliation and the
//! redrive of stuck pushes ([`reconcile`]), and what a destination order's cancellation or edit
//! after a push does ([`destination`]); the Orders tab's list, counts, detail and bulk Push
//! ([`order_views`]); dropping old raw webhook bodies ([`retention`]). HTTP handlers and
//! the worker call these; they hold no SQL themselves (that is the store's) and no HTTP.

pub mod addon;
pub mod compliance;
pub mod destination;
pub mod fulfillment;
pub mod intake;
pub mod order_views;
pub mod orders;
pub mod process;
pub mod push;
pub mod received;
pub mod reconcile;
pub mod retention;
pub mod settings;
mod shop_api;
pub mod sync;

use ordersync_store::StoreError;

/// Why processing a webhook did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// It can never succeed as it stands (bad body, unknown shop, unsupported topic): the
    /// receipt is kept as failed until an operator retries it.
    #[error("{0}")]
    Final(String),
    /// Storage failed; the job is retried.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl ProcessError {
    /// Whether running again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProcessError::Final(_) => false,
            ProcessError::Store(e) => {
                matches!(e, StoreError::Database(_) | StoreError::LeaseLost(_))
            }
        }
    }
}
