//! The engine's chaos test: at least 500 orders across two destination and three source stores
//! while shopify-sim injects 5xx answers, timeouts, `THROTTLED` and commit-then-fail on
//! `orderCreate`, duplicates, reorders and delays order webhooks, and the ordersync process (the
//! real binary, a child process) is SIGKILLed and started again mid-run. Afterwards every eligible
//! order has exactly one source order per source store it routes to, with its lines; no
//! ineligible order was pushed; no source order lacks its destination order. It prints its
//! counts (run with `-- --nocapture` to see them when it passes).
//!
//! `CHAOS_ORDERS`, `CHAOS_SEED`, `CHAOS_POSTGRES_URL`, `CHAOS_DROP_WEBHOOKS`,
//! `CHAOS_FULFILLMENT` and the other knobs are described in `docs/testing.md`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod chaos_support;

use chaos_support::scenario::{self, ChaosPlan, Kind};
use chaos_support::{Database, Harness, HarnessConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_survive_faults_duplicates_and_kills_exactly_once() {
    let plan = ChaosPlan::from_env();
    let mut harness = Harness::start(HarnessConfig::from_env()).await;
    let counts = scenario::run(&mut harness, &plan).await;

    // The run did what it says: orders of every kind, faults that fired, kills and restarts.
    let placed: usize = counts.placed.values().sum();
    assert_eq!(placed, plan.orders);
    if plan.orders >= 200 {
        for (kind, _) in Kind::WEIGHTED {
            assert!(
                counts.placed.get(&kind).copied().unwrap_or(0) > 0,
                "no {kind:?} order was placed: {counts}"
            );
        }
        for fault in [
            "status 500",
            "timeout",
            "throttled",
            "commit_then_lose",
            "commit_then_status 500",
        ] {
            let key = format!("orderCreate {fault}");
            assert!(
                counts.fired.get(&key).copied().unwrap_or(0) > 0,
                "no `{key}` fault fired: {counts}"
            );
        }
        for fault in ["duplicate", "reorder", "delay"] {
            assert!(
                counts
                    .fired
                    .iter()
                    .any(|(k, n)| k.starts_with("orders/") && k.ends_with(fault) && *n > 0),
                "no `{fault}` webhook fault fired: {counts}"
            );
        }
    }
    // The fulfillment phase kills once more.
    let kills = plan.kills + usize::from(plan.fulfillment && plan.kills > 0);
    assert_eq!(counts.kills as usize, kills, "{counts}");
    assert_eq!(counts.restarts, counts.kills, "{counts}");
    harness.stop().await;
}

/// The harness with several processes of different roles on one PostgreSQL database
/// (`CHAOS_POSTGRES_URL`, else `ORDERSYNC_TEST_POSTGRES_URL`; SQLite only outside CI): an API and worker, an API only, a worker only; kills land on any of
/// them. Every API process takes webhooks in (the front spreads them) and every worker runs jobs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_processes_with_their_roles_share_the_work_through_kills() {
    let mut plan = ChaosPlan::from_env();
    plan.orders = 150;
    plan.kills = 2;
    plan.fulfillment = false;
    let mut config = HarnessConfig::single(Database::scale_out_from_env());
    config.processes = vec!["api,worker".into(), "api".into(), "worker".into()];
    let mut harness = Harness::start(config).await;
    let counts = scenario::run(&mut harness, &plan).await;
    assert_eq!(counts.placed.values().sum::<usize>(), 150);
    assert_eq!((counts.kills, counts.restarts), (2, 2), "{counts}");
    for i in 0..harness.process_count() {
        let roles = harness.roles(i).to_owned();
        let webhooks = harness.log_count(i, "webhook stored");
        let jobs = harness.log_count(i, "job done");
        assert_eq!(
            webhooks > 0,
            roles.contains("api"),
            "process {i} ({roles}) stored {webhooks} webhooks"
        );
        assert_eq!(
            jobs > 0,
            roles.contains("worker"),
            "process {i} ({roles}) ran {jobs} jobs"
        );
    }
    harness.stop().await;
}
