//! Order reconciliation and the scheduler against shopify-sim over real HTTP: webhooks dropped
//! by the simulator are made up for by the `reconcile_orders` job (through the same intake path
//! as webhooks), a replay changes nothing, two schedulers racing claim one run per interval, and
//! a push whose job died is redriven and ends Pushed with exactly one source order.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;

use std::sync::Arc;
use std::time::Duration;

use auth_support::{domain, World, NORTHWIND};
use engine_support::*;
use ordersync_core::{AddonStatus, PushStatus};
use ordersync_server::scheduler::{PeriodicTask, Scheduler};
use ordersync_server::service::reconcile::RECONCILE_ORDERS_JOB_KIND;
use ordersync_store::jobs::{NewJob, RetryPolicy};
use ordersync_store::UnixMillis;
use serde_json::json;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::{mark_paid, place_order, Payment};

async fn destination_id(w: &World) -> i64 {
    w.store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Runs one reconciliation of the destination store now (as the scheduler would enqueue it)
/// and waits until the worker has finished it.
async fn reconcile(w: &World) {
    let shop_id = destination_id(w).await;
    let now = UnixMillis::now();
    let mut job = NewJob::new(RECONCILE_ORDERS_JOB_KIND, json!({}), now);
    job.shop_id = Some(shop_id);
    w.store.enqueue(&job, now).await.unwrap();
    for _ in 0..800 {
        if !w
            .store
            .has_job_for_shop(RECONCILE_ORDERS_JOB_KIND, shop_id)
            .await
            .unwrap()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the reconcile job never finished");
}

fn drop_order_webhooks(w: &World) {
    for topic in ["orders/create", "orders/updated", "orders/paid"] {
        w.sim.sim.faults().add(FaultRule {
            id: 0,
            shop: Some(NORTHWIND.into()),
            operation: Some(topic.into()),
            fault: FaultKind::Drop,
            times: None,
            probability: None,
        });
    }
}

#[tokio::test]
async fn dropped_webhooks_are_made_up_by_reconciliation_and_a_replay_changes_nothing() {
    let s = setup(true).await;
    let w = &s.world;
    let shop_id = destination_id(w).await;
    // Taken in by webhook while they flow: one paid, one not paid yet.
    let delivered = order_placed(w, checkout(1, Payment::Paid)).await;
    let unpaid = order_placed(w, checkout(2, Payment::Pending)).await;
    assert!(!unpaid.eligible);
    // Reconciling what webhooks already brought changes nothing: the Admin API's order reads
    // as the same model as the webhook's body.
    reconcile(w).await;
    let history_before = w.store.order_history(delivered.id).await.unwrap();
    assert!(
        history_before.iter().all(|e| e.actor != "reconciliation"),
        "{history_before:?}"
    );
    assert_eq!(
        w.store.order(shop_id, delivered.id).await.unwrap().unwrap(),
        delivered
    );
    assert!(w.store.reconcile_cursor(shop_id).await.unwrap().is_some());

    // Auto push on, then the webhooks stop arriving.
    let (status, on) = w
        .api(
            "PUT",
            "/api/settings/auto-push",
            Some(&s.dest),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(status, 200, "{on}");
    drop_order_webhooks(w);
    let missed = w
        .sim
        .sim
        .mutate(|world| place_order(world, NORTHWIND, checkout(3, Payment::Paid)).unwrap());
    let unpaid_id = unpaid.order.id.numeric();
    w.sim
        .sim
        .mutate(|world| mark_paid(world, NORTHWIND, unpaid_id).unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let missed_gid = format!("gid://shopify/Order/{missed}");
    assert!(
        w.store
            .order_by_gid(shop_id, &missed_gid)
            .await
            .unwrap()
            .is_none(),
        "the webhook was dropped"
    );
    assert!(
        !w.store
            .order(shop_id, unpaid.id)
            .await
            .unwrap()
            .unwrap()
            .eligible
    );
    let dropped = w
        .sim
        .sim
        .faults()
        .hits()
        .iter()
        .filter(|h| h.fault == FaultKind::Drop)
        .count();
    assert!(dropped >= 2, "{dropped} webhooks dropped");

    // Nothing is lost, only later.
    reconcile(w).await;
    let recovered = w
        .store
        .order_by_gid(shop_id, &missed_gid)
        .await
        .unwrap()
        .expect("reconciliation took the missed order in");
    assert!(recovered.eligible);
    let history = w.store.order_history(recovered.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.kind == "order_received" && e.actor == "reconciliation"),
        "{history:?}"
    );
    let paid = w.store.order(shop_id, unpaid.id).await.unwrap().unwrap();
    assert!(paid.eligible, "the order paid meanwhile became eligible");
    let history = w.store.order_history(unpaid.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.kind == "order_became_eligible" && e.actor == "reconciliation"),
        "{history:?}"
    );
    // Both go through the same intake as webhooks, auto push included.
    for id in [recovered.id, unpaid.id] {
        let pushed = push_when(w, id, |p| p.status == PushStatus::Pushed).await;
        let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
        assert_eq!(created.len(), 1);
        // The push job refreshes the order's list status just after the push's own status;
        // wait for it so the snapshot below is of the settled state.
        listed_as(w, id, ordersync_core::OrderListStatus::Pushed).await;
    }

    // A replay (the next run re-reads the overlap) changes nothing.
    let snapshot = |ids: Vec<i64>| async move {
        let mut out = Vec::new();
        for id in ids {
            out.push((
                w.store.order(shop_id, id).await.unwrap().unwrap(),
                w.store.order_history(id).await.unwrap().len(),
                w.store.pushes_for_order(id).await.unwrap(),
            ));
        }
        out
    };
    let ids = vec![delivered.id, recovered.id, unpaid.id];
    let before = snapshot(ids.clone()).await;
    reconcile(w).await;
    reconcile(w).await;
    assert_eq!(snapshot(ids).await, before, "replaying changes nothing");
    let sources = w
        .sim
        .sim
        .mutate(|world| world.shop(SOUTHWIND).unwrap().orders.len());
    assert_eq!(sources, 2, "one source order per pushed order, no more");
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn two_schedulers_racing_claim_one_run_per_interval() {
    let s = setup(true).await;
    let w = &s.world;
    let shop_id = destination_id(w).await;
    let task = || {
        vec![PeriodicTask::per_destination(
            "test_periodic",
            Duration::from_secs(60),
        )]
    };
    let a = Scheduler::new(w.store.clone(), task(), Arc::default());
    let b = Scheduler::new(w.store.clone(), task(), Arc::default());
    let t0 = UnixMillis::now();
    // First sight: the schedule is created, first due one interval later.
    let (x, y) = tokio::join!(a.tick(t0), b.tick(t0));
    assert_eq!(x.unwrap() + y.unwrap(), 0);
    let rows = w.store.schedules_of("test_periodic").await.unwrap();
    assert_eq!(rows.len(), 1, "one schedule per task and shop");
    assert_eq!(rows[0].shop_id, shop_id);
    for i in 1..=3 {
        let now = t0.plus_millis(i * 60_000 + 5);
        let (x, y) = tokio::join!(a.tick(now), b.tick(now));
        let (p, q) = tokio::join!(a.tick(now.plus_millis(1)), b.tick(now.plus_millis(2)));
        let claimed = x.unwrap() + y.unwrap() + p.unwrap() + q.unwrap();
        assert_eq!(claimed, 1, "interval {i}: one run across both schedulers");
    }
    // A store whose add-on ended loses its schedule at its next due time.
    let addon = w.store.order_addon(shop_id).await.unwrap().addon;
    let moved = w
        .store
        .set_addon_status(
            shop_id,
            addon.subscription.as_ref().unwrap(),
            AddonStatus::Active,
            AddonStatus::Cancelled,
            UnixMillis::now(),
        )
        .await
        .unwrap();
    assert!(moved);
    let (x, y) = tokio::join!(
        a.tick(t0.plus_millis(10 * 60_000)),
        b.tick(t0.plus_millis(10 * 60_000))
    );
    assert_eq!(x.unwrap() + y.unwrap(), 0);
    assert!(w
        .store
        .schedules_of("test_periodic")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_push_whose_job_died_is_redriven_and_ends_pushed_with_one_source_order() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(2, Payment::Paid)).await;
    // The source order is created but the answer is lost: the push stays Pushing and its job
    // waits to look it up by tag.
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("orderCreate".into()),
        fault: FaultKind::CommitThenLose,
        times: Some(1),
        probability: None,
    });
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    for _ in 0..800 {
        if kinds(w, order.id)
            .await
            .iter()
            .any(|k| k == "push_outcome_unknown")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Before its retry, the job dies (as if it had used up its attempts).
    let later = UnixMillis::now().plus_millis(3_600_000);
    let claimed = w
        .store
        .claim_jobs("test", 20, Duration::from_secs(60), later)
        .await
        .unwrap();
    let mut killed = 0;
    for job in &claimed {
        let push_job = job.kind == "push";
        w.store
            .fail_job(
                job,
                "test",
                "killed by the test",
                !push_job,
                &RetryPolicy::default(),
                UnixMillis::now(),
            )
            .await
            .unwrap();
        killed += usize::from(push_job);
    }
    assert_eq!(killed, 1, "the push job was waiting for its retry");
    let stuck = w.store.pushes_for_order(order.id).await.unwrap();
    assert_eq!(stuck[0].status, PushStatus::Pushing);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        w.store.pushes_for_order(order.id).await.unwrap()[0].status,
        PushStatus::Pushing,
        "nothing moves a push whose job is dead"
    );

    reconcile(w).await;
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
    assert_eq!(created.len(), 1, "found by tag, not created again");
    let history = kinds(w, order.id).await;
    for k in ["push_redriven", "push_resumed", "push_created"] {
        assert!(history.iter().any(|h| h == k), "{k} in {history:?}");
    }
    let (_, _, dead) = w.store.job_counts().await.unwrap();
    assert_eq!(dead, 0, "the dead job was replaced by the redrive");
    w.sim.sim.faults().clear(None);
}

/// Kills the push's job (as if it had used up its attempts) once it waits for a retry, and
/// answers when the push has no live job left.
async fn kill_push_job(w: &World, shop_id: i64, push_id: i64) {
    for _ in 0..800 {
        let stuck = w.store.stuck_pushes(shop_id, 100).await.unwrap();
        if stuck.iter().any(|p| p.id == push_id) {
            return;
        }
        let later = UnixMillis::now().plus_millis(3_600_000);
        let claimed = w
            .store
            .claim_jobs("test", 20, Duration::from_secs(60), later)
            .await
            .unwrap();
        for job in &claimed {
            let push_job = job.kind == "push";
            w.store
                .fail_job(
                    job,
                    "test",
                    "killed by the test",
                    !push_job,
                    &RetryPolicy::default(),
                    UnixMillis::now(),
                )
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the push job never stopped");
}

#[tokio::test]
async fn a_push_whose_job_keeps_dying_is_failed_for_the_merchant_after_a_few_redrives() {
    let s = setup(true).await;
    let w = &s.world;
    let shop_id = destination_id(w).await;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    // Southwind never answers orderCreate: every attempt's outcome is unknown.
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("orderCreate".into()),
        fault: FaultKind::Status { status: 503 },
        times: None,
        probability: None,
    });
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let push_id = push_when(w, order.id, |p| p.status == PushStatus::Pushing)
        .await
        .id;
    let max = ordersync_server::service::reconcile::MAX_PUSH_REDRIVES;
    for round in 1..=max {
        kill_push_job(w, shop_id, push_id).await;
        reconcile(w).await;
        let p = &w.store.pushes_for_order(order.id).await.unwrap()[0];
        assert_eq!(p.redrives, round, "redrive {round} counted");
        assert!(
            matches!(p.status, PushStatus::Queued | PushStatus::Pushing),
            "{:?}",
            p.status
        );
    }
    // Its job stops once more: the next run fails it instead of redriving it forever.
    kill_push_job(w, shop_id, push_id).await;
    reconcile(w).await;
    let failed = &w.store.pushes_for_order(order.id).await.unwrap()[0];
    assert_eq!(failed.status, PushStatus::Failed);
    let reason = failed.status_reason.clone().unwrap();
    assert!(
        reason.contains("Southwind Goods") && reason.contains("click Retry"),
        "{reason}"
    );
    let history = kinds(w, order.id).await;
    let redrives = history.iter().filter(|k| *k == "push_redriven").count();
    assert_eq!(redrives, usize::try_from(max).unwrap(), "{history:?}");
    assert!(history.iter().any(|k| k == "push_failed"), "{history:?}");
    let listed = w.store.order(shop_id, order.id).await.unwrap().unwrap();
    assert_eq!(listed.list_status, ordersync_core::OrderListStatus::Failed);
    // A later run leaves it to the merchant.
    reconcile(w).await;
    assert_eq!(
        w.store.pushes_for_order(order.id).await.unwrap()[0].status,
        PushStatus::Failed
    );

    // Southwind is back; the merchant's Retry pushes it, once, and the count starts afresh.
    w.sim.sim.faults().clear(None);
    let (status, body) = w
        .api(
            "POST",
            &format!("/api/orders/{}/push/{SOUTHWIND}/retry", order.id),
            Some(&s.dest),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    assert_eq!(pushed.redrives, 0);
    let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
    assert_eq!(created.len(), 1);
}
