//! The `ordersync` binary's library: everything but `main`, so tests can boot the real server
//! in-process on port 0.
//!
//! | module | role |
//! |---|---|
//! | [`cli`] | command line (serve, migrate, jobs, config) |
//! | [`config`] | embedded defaults → config file → `ORDERSYNC_*` env, validated |
//! | [`auth`] | install (OAuth, token exchange), expiring tokens, encryption at rest, session tokens |
//! | [`app`] | opening storage, binding, serving until shutdown |
//! | [`http`] | the routes (`/healthz`, `/readyz`, `/metrics`, `/webhooks`) |
//! | [`pages`] | the merchant pages (`/app`, …) and their static files |
//! | [`service`] | webhook intake and processing: orders, uninstall, privacy webhooks |
//! | [`worker`] | the job worker: leases, retries, wake-ups |
//! | [`scheduler`] | periodic tasks (order reconciliation), once per interval across processes |
//! | [`shared_throttle`] | each shop's Shopify API cost bucket shared by every process (PostgreSQL) |
//! | [`metrics`] | the counters behind `/metrics` |
//! | [`sandbox`] | `serve` without configuration: shopify-sim in-process and a ready demo |
//! | [`shutdown`] | the one token every task watches |
//! | [`telemetry`] | structured logs (text or JSON) |
//! | [`commands`] | the non-serving subcommands |

pub mod app;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod http;
pub mod metrics;
pub mod pages;
pub mod sandbox;
pub mod scheduler;
pub mod service;
pub mod shared_throttle;
pub mod shutdown;
pub mod telemetry;
pub mod worker;
