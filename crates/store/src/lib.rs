//! Persistence for ordersync, on SQLite (the embedded default) and PostgreSQL (the scale backend).
//!
//! One [`Store`] talks to either backend; the backend is picked from the database URL's scheme.
//! The SQL is shared where both dialects agree (most of it) and split where they do not (job claims).
//!
//! | module | what it keeps |
//! |---|---|
//! | [`auth`] | each shop's sealed access/refresh tokens, scopes, plan, install times, refresh failures; OAuth state nonces |
//! | [`db`] | connecting, migrations, the backend switch and [`Tx`], a transaction on either backend |
//! | [`shops`] | installed stores and their connection keys |
//! | [`connections`] | which source stores a destination store is connected to |
//! | [`synced`] | synced products: destination variant → source variant mappings |
//! | [`matching`] | manual links/unlinks of destination variants and the variants the last re-match could not map |
//! | [`settings`] | Order Push Settings per destination store |
//! | [`addon`] | the Order add-on per shop: status, Shopify charge, times; whether orders may be pushed |
//! | [`orders`] | destination orders (raw payload kept) and the Orders tab list query |
//! | [`pushes`] | one push per destination order and source store, its lines and status |
//! | [`fulfillments`] | shipments brought back from source stores: source state, destination fulfillment, what was applied |
//! | [`pushes`] | one push per destination order and source store, its lines, status and attention reason |
//! | [`schedules`] | periodic tasks run once per interval across processes; reconciliation cursors |
//! | [`api_buckets`] | each shop's Shopify API cost bucket, shared by every process: reservations and reports |
//! | [`events`] | the append-only history of each order |
//! | [`webhooks`] | webhook receipts (raw body, stored compressed; dedupe key) and the job that processes each, written in batches |
//! | [`compliance`] | customer data records, redacting a customer, erasing a shop, stopping a shop's jobs |
//! | [`jobs`] | the durable job queue: enqueue in the caller's transaction, leases, retries, dead jobs |
//! | [`time`] | the millisecond timestamps stored in every table |
//!
//! Every write that a job must follow is made inside a [`Tx`] together with the job
//! (the outbox rule), so a crash can never leave a state change without its follow-up.

pub mod addon;
pub mod api_buckets;
pub mod auth;
pub mod compliance;
pub mod connections;
pub mod db;
mod error;
pub mod events;
pub mod fulfillments;
pub mod jobs;
pub mod matching;
pub mod orders;
pub mod pushes;
pub mod received;
pub mod schedules;
pub mod settings;
pub mod shops;
pub mod sqlite_intake;
pub mod synced;
pub mod time;
pub mod webhooks;

pub use db::{Backend, CheckpointMode, DatabaseConfig, Store, Tx, WalCheckpoint};
pub use error::StoreError;
pub use time::UnixMillis;

/// Result of every storage call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
