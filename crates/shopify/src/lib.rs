//! The Shopify edge of ordersync: everything that knows Shopify's wire formats, so the domain
//! core never does.
//!
//! | module | what it does |
//! |---|---|
//! | [`webhook`] | verifies `X-Shopify-Hmac-Sha256` over the raw body, in constant time, with an optional old secret during rotation |
//! | [`payload`] | parses Shopify's REST-shaped webhook bodies into domain types, with errors naming the field |
//! | [`admin`] | the Admin GraphQL API client (2026-07): typed operations, per-shop throttling, retries, metrics |
//! | [`oauth`] | the install redirect's query HMAC and the token endpoint (code grant, token exchange, refresh) |
//! | [`session_token`] | verifies App Bridge session tokens (HS256 JWTs) |

pub mod admin;
pub mod oauth;
pub mod payload;
pub mod session_token;
pub mod webhook;
