//! Shopify's REST-shaped webhook bodies (and the Admin API's `Order` read by reconciliation),
//! parsed into domain types. Shapes follow the 2026-07
//! webhook payloads (see `tests/fixtures/webhooks/`); every error names the field that failed.

mod fulfillment;
mod graphql_order;
mod order;

pub use fulfillment::{
    parse_fulfillment, parse_order_cancellation, FulfillmentLinePayload, FulfillmentPayload,
    FulfillmentPayloadError, OrderCancellationPayload,
};
pub use graphql_order::parse_graphql_order;
pub use order::{parse_order, OrderPayloadError};
