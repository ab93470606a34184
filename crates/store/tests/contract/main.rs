//! The storage contract: the same behaviour on SQLite and on PostgreSQL. Every test below runs
//! once per backend (`sqlite::name` and `postgres::name` in the output).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod addon;
mod api_buckets;
mod auth;
mod fixtures;
mod fulfillments;
mod harness;
mod jobs;
mod matching;
mod orders;
mod orders_search;
mod orders_tab;
mod received;
mod schedules;
mod schema;
mod shops;
mod webhooks;
