//! The scheduler's schedules, reconciliation cursors, push attention and the redrive of pushes
//! whose job died.

use std::time::Duration;

use ordersync_core::{AddonStatus, AppSubscriptionId, OrderListStatus, PushEvent, PushStatus};
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::NewJob;
use ordersync_store::pushes::PushChange;
use ordersync_store::schedules::Schedule;
use ordersync_store::{Store, UnixMillis};
use serde_json::json;

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;
use crate::orders::{order, put};

contract_tests!(
    a_schedule_runs_once_per_interval_with_two_schedulers_racing,
    a_claim_loses_once_another_process_moved_the_schedule,
    the_reconcile_cursor_only_moves_forward,
    attention_is_set_once_cleared_and_shown_on_the_push,
    a_queued_push_without_a_live_job_is_stuck_and_redriven_once,
    periodic_tasks_run_for_installed_destinations_with_the_addon_active,
);

const TASK: &str = "reconcile_orders";
const INTERVAL: i64 = 60_000;

/// One scheduler pass as the server runs it: read the due rows, and for each, claim it and
/// enqueue its job in one transaction. Answers how many runs this pass claimed.
async fn pass(store: &Store, now: UnixMillis) -> usize {
    let mut claimed = 0;
    for due in store.due_schedules(now, 100).await.unwrap() {
        let mut tx = store.begin().await.unwrap();
        if tx
            .claim_schedule(&due, now.plus_millis(INTERVAL), now)
            .await
            .unwrap()
        {
            let mut job = NewJob::new(&due.task, json!({}), now);
            job.shop_id = Some(due.shop_id);
            job.dedupe_key = Some(format!("{}:{}:{}", due.task, due.shop_id, now.0));
            tx.enqueue(&job, now).await.unwrap();
            claimed += 1;
        }
        tx.commit().await.unwrap();
    }
    claimed
}

async fn jobs_of(store: &Store, kind: &str) -> usize {
    store
        .claim_jobs(
            "counter",
            1000,
            Duration::from_secs(60),
            UnixMillis(i64::MAX / 2),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == kind)
        .count()
}

async fn a_schedule_runs_once_per_interval_with_two_schedulers_racing(store: &Store) {
    let d = destination(store).await;
    assert!(store.ensure_schedule(TASK, d.id, T0, T0).await.unwrap());
    assert!(
        !store
            .ensure_schedule(TASK, d.id, T0.plus_millis(5), T0)
            .await
            .unwrap(),
        "an existing schedule keeps its time"
    );
    let mut total = 0;
    // Three intervals; in each, two schedulers (processes) tick at the same moment, twice.
    for i in 0..3 {
        let now = T0.plus_millis(i * INTERVAL + 10);
        let (a, b) = tokio::join!(pass(store, now), pass(store, now));
        let (c, e) = tokio::join!(pass(store, now), pass(store, now.plus_millis(1)));
        assert_eq!(a + b + c + e, 1, "interval {i}: exactly one run claimed");
        total += a + b + c + e;
    }
    assert_eq!(total, 3);
    assert_eq!(jobs_of(store, TASK).await, 3, "one job per interval");
    let rows = store.schedules_of(TASK).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].next_run_at, T0.0 + 2 * INTERVAL + 10 + INTERVAL);
    assert!(store
        .due_schedules(T0.plus_millis(3 * INTERVAL), 10)
        .await
        .unwrap()
        .is_empty());
}

async fn a_claim_loses_once_another_process_moved_the_schedule(store: &Store) {
    let d = destination(store).await;
    store.ensure_schedule(TASK, d.id, T0, T0).await.unwrap();
    let seen: Schedule = store.due_schedules(T0, 10).await.unwrap().remove(0);
    assert_eq!(seen.last_run_at, None);
    let mut first = store.begin().await.unwrap();
    assert!(first
        .claim_schedule(&seen, T0.plus_millis(INTERVAL), T0)
        .await
        .unwrap());
    first.commit().await.unwrap();
    let mut late = store.begin().await.unwrap();
    assert!(
        !late
            .claim_schedule(&seen, T0.plus_millis(INTERVAL + 1), T0.plus_millis(1))
            .await
            .unwrap(),
        "the second process saw the old next_run_at and must not run it"
    );
    late.delete_schedule(TASK, d.id).await.unwrap();
    late.commit().await.unwrap();
    assert!(store.schedules_of(TASK).await.unwrap().is_empty());
}

async fn the_reconcile_cursor_only_moves_forward(store: &Store) {
    let d = destination(store).await;
    let other = source(store, "alpha").await;
    assert_eq!(store.reconcile_cursor(d.id).await.unwrap(), None);
    let mut tx = store.begin().await.unwrap();
    tx.advance_reconcile_cursor(d.id, T0.plus_millis(5_000), T0)
        .await
        .unwrap();
    tx.advance_reconcile_cursor(d.id, T0.plus_millis(1_000), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.reconcile_cursor(d.id).await.unwrap(),
        Some(T0.plus_millis(5_000)),
        "an older cursor never replaces a newer one"
    );
    let mut tx = store.begin().await.unwrap();
    tx.advance_reconcile_cursor(d.id, T0.plus_millis(9_000), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.reconcile_cursor(d.id).await.unwrap(),
        Some(T0.plus_millis(9_000))
    );
    assert_eq!(store.reconcile_cursor(other.id).await.unwrap(), None);
}

fn note(order_id: i64, kind: &'static str) -> NewEvent<'static> {
    NewEvent {
        order_id,
        push_id: None,
        actor: "reconcile",
        kind,
        message: kind,
        data: None,
    }
}

async fn attention_is_set_once_cleared_and_shown_on_the_push(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let order_id = put(
        store,
        d.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let mut tx = store.begin().await.unwrap();
    let push = tx.ensure_push(order_id, a.id, "key-a", T0).await.unwrap();
    assert_eq!(push.attention, None);
    let reason =
        "Order #1 was cancelled, but alpha has already shipped 1 of 2 items; contact them.";
    assert!(tx
        .set_push_attention(push.id, Some(reason), &note(order_id, "push_attention"), T0)
        .await
        .unwrap());
    assert!(
        !tx.set_push_attention(push.id, Some(reason), &note(order_id, "push_attention"), T0)
            .await
            .unwrap(),
        "the same reason twice changes nothing"
    );
    tx.commit().await.unwrap();
    let stored = store.push_by_key("key-a").await.unwrap().unwrap();
    assert_eq!(stored.attention.as_deref(), Some(reason));
    let history = store.order_history(order_id).await.unwrap();
    let flagged: Vec<_> = history
        .iter()
        .filter(|e| e.kind == "push_attention")
        .collect();
    assert_eq!(flagged.len(), 1, "one history entry for one flag");
    assert_eq!(flagged[0].push_id, Some(push.id));

    let mut tx = store.begin().await.unwrap();
    assert!(tx
        .set_push_attention(push.id, None, &note(order_id, "push_attention_cleared"), T0)
        .await
        .unwrap());
    assert!(!tx
        .set_push_attention(push.id, None, &note(order_id, "push_attention_cleared"), T0)
        .await
        .unwrap());
    tx.commit().await.unwrap();
    assert_eq!(
        store.push_by_key("key-a").await.unwrap().unwrap().attention,
        None
    );

    // Resolving clears only the reason the caller saw: a newer one stays.
    let mut tx = store.begin().await.unwrap();
    tx.set_push_attention(
        push.id,
        Some("newer"),
        &note(order_id, "push_attention"),
        T0,
    )
    .await
    .unwrap();
    let resolved = note(order_id, "push_attention_resolved");
    assert!(!tx
        .clear_push_attention(push.id, reason, &resolved, T0)
        .await
        .unwrap());
    assert!(tx
        .clear_push_attention(push.id, "newer", &resolved, T0)
        .await
        .unwrap());
    assert!(
        !tx.clear_push_attention(push.id, "newer", &resolved, T0)
            .await
            .unwrap(),
        "resolving twice changes nothing"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        store.push_by_key("key-a").await.unwrap().unwrap().attention,
        None
    );
    let history = store.order_history(order_id).await.unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|e| e.kind == "push_attention_resolved")
            .count(),
        1
    );
}

async fn a_queued_push_without_a_live_job_is_stuck_and_redriven_once(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    let order_id = put(
        store,
        d.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let other_order = put(
        store,
        d.id,
        &order(2, "Grace Hopper", 2),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let mut tx = store.begin().await.unwrap();
    let push = tx.ensure_push(order_id, a.id, "key-a", T0).await.unwrap();
    let idle = tx
        .ensure_push(other_order, a.id, "key-b", T0)
        .await
        .unwrap();
    tx.transition_push(
        push.id,
        PushStatus::NotPushed,
        &PushEvent::Enqueued,
        &PushChange::default(),
        &note(order_id, "push_queued"),
        T0,
    )
    .await
    .unwrap();
    let job = |now| {
        let mut j = NewJob::new("push", json!({ "push_key": "key-a" }), now);
        j.shop_id = Some(d.id);
        j.dedupe_key = Some(format!("push:{}", push.id));
        j.max_attempts = 1;
        j
    };
    tx.enqueue(&job(T0), T0).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        store.stuck_pushes(d.id, 10).await.unwrap().is_empty(),
        "a queued push whose job waits is not stuck; a Not pushed one never is"
    );
    // The job runs and dies (its only attempt fails for good).
    let claimed = store
        .claim_jobs("w", 10, Duration::from_secs(60), T0)
        .await
        .unwrap();
    assert!(
        store.stuck_pushes(d.id, 10).await.unwrap().is_empty(),
        "a running job is alive"
    );
    let policy = ordersync_store::jobs::RetryPolicy::default();
    store
        .fail_job(&claimed[0], "w", "boom", false, &policy, T0)
        .await
        .unwrap();
    let stuck = store.stuck_pushes(d.id, 10).await.unwrap();
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0].id, push.id);
    assert_ne!(stuck[0].id, idle.id);
    assert!(store.stuck_pushes(a.id, 10).await.unwrap().is_empty());

    let mut tx = store.begin().await.unwrap();
    let redriven = tx.redrive_push_job(push.id, &job(T0), T0).await.unwrap();
    assert!(redriven.is_some());
    assert_eq!(
        tx.redrive_push_job(push.id, &job(T0), T0).await.unwrap(),
        None,
        "a second redrive finds the job queued"
    );
    tx.commit().await.unwrap();
    assert!(store.stuck_pushes(d.id, 10).await.unwrap().is_empty());
    let (queued, running, dead) = store.job_counts().await.unwrap();
    assert_eq!(
        (queued, running, dead),
        (1, 0, 0),
        "the dead job was replaced"
    );
    assert_eq!(
        redrives(store).await,
        1,
        "only the redrive that queued counts"
    );

    // Given up on (Queued → Failed), then the merchant's Retry: the count starts afresh.
    let mut tx = store.begin().await.unwrap();
    tx.transition_push(
        push.id,
        PushStatus::Queued,
        &PushEvent::Failed { retryable: false },
        &PushChange {
            reason: Some("gave up".into()),
            ..PushChange::default()
        },
        &note(order_id, "push_failed"),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(redrives(store).await, 1, "failing keeps the count");
    let mut tx = store.begin().await.unwrap();
    tx.transition_push(
        push.id,
        PushStatus::Failed,
        &PushEvent::Retried,
        &PushChange::default(),
        &note(order_id, "push_retried"),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(redrives(store).await, 0, "Retry resets it");
}

async fn redrives(store: &Store) -> i64 {
    store.push_by_key("key-a").await.unwrap().unwrap().redrives
}

async fn periodic_tasks_run_for_installed_destinations_with_the_addon_active(store: &Store) {
    let d = destination(store).await;
    let a = source(store, "alpha").await;
    assert!(store.active_destination_ids().await.unwrap().is_empty());
    let charge = AppSubscriptionId::from_numeric(7).unwrap();
    for shop in [d.id, a.id] {
        store
            .record_addon_requested(shop, &charge, "http://x/confirm", true, T0)
            .await
            .unwrap();
    }
    assert!(
        store.active_destination_ids().await.unwrap().is_empty(),
        "pending is not active"
    );
    for shop in [d.id, a.id] {
        store
            .set_addon_status(shop, &charge, AddonStatus::Pending, AddonStatus::Active, T0)
            .await
            .unwrap();
    }
    assert_eq!(
        store.active_destination_ids().await.unwrap(),
        vec![d.id],
        "a source store never"
    );
    store
        .set_shop_installed(&d.shop.domain, false, T0)
        .await
        .unwrap();
    assert!(
        store.active_destination_ids().await.unwrap().is_empty(),
        "an uninstalled store no more"
    );
}
