//! Shopify's REST-shaped webhook bodies (and the Admin API's `Order` read by reconciliation),
//! parsed into domain types. Shapes follow the 2026-07
//! webhook payloads (see `tests/fixtures/webhooks/`); every error names the field that failed.

mod graphql_order;
mod order;

pub use graphql_order::parse_graphql_order;
pub use order::{parse_order, OrderPayloadError};
