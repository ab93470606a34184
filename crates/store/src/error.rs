//! The storage layer's error type: what went wrong, in words a caller can act on.

use ordersync_core::status::{IllegalTransition, PushStatus};

/// Everything a storage call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The webhook intake's own SQLite connection answered with an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The database URL or path cannot be used.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// A row the caller named does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `shop example.myshopify.com`.
        what: String,
    },
    /// A stored value no longer parses as its domain type (a bug or a manual edit of the database).
    #[error("stored {what} is invalid: {detail}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// Why it did not parse.
        detail: String,
    },
    /// The push status change is not allowed by the status machine.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// Someone else changed the push first; reload and decide again.
    #[error("push {push_id} changed concurrently (expected status {expected:?})")]
    Conflict {
        /// The push.
        push_id: i64,
        /// The status the caller saw.
        expected: PushStatus,
    },
    /// A rule of the data model was broken (e.g. connecting two destination stores).
    #[error("{0}")]
    Invalid(String),
    /// One failure shared by several callers (a batch written for many requests failed).
    #[error(transparent)]
    Shared(#[from] std::sync::Arc<StoreError>),
    /// The job's lease was lost: another worker owns it now.
    #[error("job {0} is no longer leased by this worker")]
    LeaseLost(i64),
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}
