//! The Shopify edge of ordersync: everything that knows Shopify's wire formats, so the domain
//! core never does.
//!
//! | module | what it does |
//! |---|---|
//! | [`webhook`] | verifies `X-Shopify-Hmac-Sha256` over the raw body, in constant time, with an optional old secret during rotation |
//! | [`payload`] | parses Shopify's REST-shaped webhook bodies into domain types, with errors naming the field |
//!
//! The GraphQL Admin API client, OAuth and session tokens come with the platform issue.

pub mod payload;
pub mod webhook;
