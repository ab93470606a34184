//! The durable job queue: claims, leases, retries, dead jobs, redrive, dedupe, outbox.

use std::time::Duration;

use ordersync_store::jobs::{FailOutcome, JobState, NewJob, RetryPolicy};
use ordersync_store::{Store, StoreError};
use serde_json::json;

use crate::fixtures::T0;
use crate::harness::contract_tests;

contract_tests!(
    a_job_is_claimed_once_and_completion_removes_it,
    racing_workers_never_share_a_job,
    an_expired_lease_lets_another_worker_take_over,
    retryable_failure_waits_for_its_backoff,
    last_attempt_or_final_error_makes_the_job_dead_until_redriven,
    a_lease_that_expires_on_the_last_attempt_is_dead,
    dedupe_key_keeps_one_queued_job,
    a_rolled_back_transaction_enqueues_nothing,
);

const LEASE: Duration = Duration::from_secs(30);

fn job(n: i64) -> NewJob {
    NewJob::new("test", json!({ "n": n }), T0)
}

async fn a_job_is_claimed_once_and_completion_removes_it(store: &Store) {
    let id = store.enqueue(&job(1), T0).await.unwrap().unwrap();
    let claimed = store.claim_jobs("w1", 10, LEASE, T0).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, id);
    assert_eq!(claimed[0].payload, json!({ "n": 1 }));
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(claimed[0].state, JobState::Running);
    assert!(store
        .claim_jobs("w2", 10, LEASE, T0)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.complete_job(id, "w2").await,
        Err(StoreError::LeaseLost(_))
    ));
    store.complete_job(id, "w1").await.unwrap();
    assert!(store.job(id).await.unwrap().is_none());
    assert_eq!(store.job_counts().await.unwrap(), (0, 0, 0));
}

async fn racing_workers_never_share_a_job(store: &Store) {
    for n in 0..40 {
        store.enqueue(&job(n), T0).await.unwrap();
    }
    let mut handles = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_jobs(&format!("w{w}"), 3, LEASE, T0)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch.into_iter().map(|j| j.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, 40, "every job claimed");
    assert_eq!(all.len(), 40, "no job claimed twice");
}

async fn an_expired_lease_lets_another_worker_take_over(store: &Store) {
    let id = store.enqueue(&job(1), T0).await.unwrap().unwrap();
    store.claim_jobs("crashed", 1, LEASE, T0).await.unwrap();
    assert!(store
        .claim_jobs("w2", 1, LEASE, T0.plus_millis(29_000))
        .await
        .unwrap()
        .is_empty());
    let later = T0.plus_millis(31_000);
    let taken = store.claim_jobs("w2", 1, LEASE, later).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].attempts, 2);
    assert!(matches!(
        store.complete_job(id, "crashed").await,
        Err(StoreError::LeaseLost(_))
    ));
    store.extend_lease(id, "w2", LEASE, later).await.unwrap();
    store.complete_job(id, "w2").await.unwrap();
}

async fn retryable_failure_waits_for_its_backoff(store: &Store) {
    store.enqueue(&job(1), T0).await.unwrap();
    let j = store.claim_jobs("w", 1, LEASE, T0).await.unwrap().remove(0);
    let policy = RetryPolicy {
        base: Duration::from_secs(10),
        max: Duration::from_secs(60),
    };
    let outcome = store
        .fail_job(&j, "w", "HTTP 502 from Shopify", true, &policy, T0)
        .await
        .unwrap();
    let FailOutcome::Retrying(at) = outcome else {
        panic!("expected a retry, got {outcome:?}")
    };
    assert!(
        at >= T0.plus_millis(5_000) && at <= T0.plus_millis(10_000),
        "{at:?}"
    );
    let stored = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(stored.state, JobState::Queued);
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 502 from Shopify"));
    assert!(store
        .claim_jobs("w", 1, LEASE, at.plus_millis(-1))
        .await
        .unwrap()
        .is_empty());
    let again = store.claim_jobs("w", 1, LEASE, at).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

async fn last_attempt_or_final_error_makes_the_job_dead_until_redriven(store: &Store) {
    let policy = RetryPolicy::default();
    let mut limited = job(1);
    limited.max_attempts = 2;
    let id = store.enqueue(&limited, T0).await.unwrap().unwrap();
    let mut now = T0;
    for attempt in 1..=2 {
        let j = store
            .claim_jobs("w", 1, LEASE, now)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(j.attempts, attempt);
        let outcome = store
            .fail_job(&j, "w", "timeout", true, &policy, now)
            .await
            .unwrap();
        now = match outcome {
            FailOutcome::Retrying(at) => at,
            FailOutcome::Dead => {
                assert_eq!(attempt, 2, "dead only after the last attempt");
                now
            }
        };
    }
    let dead = store.jobs_in_state(JobState::Dead, 10).await.unwrap();
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    assert!(store
        .claim_jobs("w", 1, LEASE, now.plus_millis(3_600_000))
        .await
        .unwrap()
        .is_empty());

    // A final error kills a job on its first attempt.
    let other = store.enqueue(&job(2), now).await.unwrap().unwrap();
    let j = store
        .claim_jobs("w", 1, LEASE, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(j.id, other);
    let outcome = store
        .fail_job(&j, "w", "ACCESS_DENIED", false, &policy, now)
        .await
        .unwrap();
    assert_eq!(outcome, FailOutcome::Dead);
    assert_eq!(store.job_counts().await.unwrap(), (0, 0, 2));

    assert_eq!(store.redrive_jobs(Some(id), None, now).await.unwrap(), 1);
    let revived = store.job(id).await.unwrap().unwrap();
    assert_eq!((revived.state, revived.attempts), (JobState::Queued, 0));
    assert_eq!(
        store
            .redrive_jobs(None, Some("other-kind"), now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.redrive_jobs(None, Some("test"), now).await.unwrap(),
        1
    );
    assert_eq!(
        store.claim_jobs("w", 10, LEASE, now).await.unwrap().len(),
        2
    );
}

async fn a_lease_that_expires_on_the_last_attempt_is_dead(store: &Store) {
    let mut once = job(1);
    once.max_attempts = 1;
    let id = store.enqueue(&once, T0).await.unwrap().unwrap();
    store.claim_jobs("crashed", 1, LEASE, T0).await.unwrap();
    let later = T0.plus_millis(60_000);
    assert!(store
        .claim_jobs("w", 1, LEASE, later)
        .await
        .unwrap()
        .is_empty());
    let dead = store.job(id).await.unwrap().unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert!(dead.last_error.unwrap().contains("stopped"));
}

async fn dedupe_key_keeps_one_queued_job(store: &Store) {
    let mut reconcile = NewJob::new("reconcile", json!({}), T0);
    reconcile.dedupe_key = Some("reconcile:shop-1".into());
    let first = store.enqueue(&reconcile, T0).await.unwrap();
    assert!(first.is_some());
    assert_eq!(store.enqueue(&reconcile, T0).await.unwrap(), None);
    let running = store.claim_jobs("w", 1, LEASE, T0).await.unwrap();
    assert_eq!(running.len(), 1);
    // While one runs, another may wait: the change that prompted it must not be lost.
    let second = store.enqueue(&reconcile, T0).await.unwrap();
    assert!(second.is_some() && second != first);
    assert_eq!(store.enqueue(&reconcile, T0).await.unwrap(), None);
    // The running one fails and would retry: its retry merges into the queued twin instead of
    // breaking the one-queued-job-per-key rule (which would leave it stuck until its lease ends).
    let outcome = store
        .fail_job(
            &running[0],
            "w",
            "HTTP 502 from Shopify",
            true,
            &RetryPolicy::default(),
            T0,
        )
        .await
        .unwrap();
    assert!(matches!(outcome, FailOutcome::Retrying(_)), "{outcome:?}");
    assert_eq!(store.job(running[0].id).await.unwrap(), None);
    assert_eq!(store.job_counts().await.unwrap(), (1, 0, 0));
}

async fn a_rolled_back_transaction_enqueues_nothing(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    tx.enqueue(&job(1), T0).await.unwrap();
    drop(tx);
    assert_eq!(store.job_counts().await.unwrap(), (0, 0, 0));
    let mut tx = store.begin().await.unwrap();
    tx.enqueue(&job(2), T0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.job_counts().await.unwrap(), (1, 0, 0));
}
