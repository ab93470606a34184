//! The scheduler: periodic tasks that run once per interval per shop across **all** ordersync
//! processes sharing one database, not once per process (see `docs/reconciliation.md`).
//!
//! Each task has a `schedules` row per shop it applies to (today: every installed destination
//! store whose Order add-on is active), with the time of its next run. Every process with the
//! `worker` role ticks (each `worker_poll_ms`): it creates the missing rows (first run one interval
//! later), reads the due ones, and for each moves `next_run_at` to now + interval by a
//! compare-and-set on the value it read, enqueueing the task's job (dedupe key `{task}:{shop}`)
//! in the same transaction. Only one process's compare-and-set can win a run, so two
//! schedulers racing enqueue one job; a process that crashes after claiming has committed the
//! job with the claim, so the run is not lost. A row whose shop no longer qualifies is removed.
//!
//! Adding a per-destination-store task is one line in [`periodic_tasks`] (plus its job handler
//! in the worker).

use std::sync::Arc;
use std::time::Duration;

use ordersync_store::jobs::NewJob;
use ordersync_store::{Store, StoreError, UnixMillis};
use serde_json::json;
use tokio::sync::Notify;

use crate::config::WorkerConfig;
use crate::service::fulfillment::RECONCILE_PUSHES_JOB_KIND;
use crate::service::reconcile::RECONCILE_ORDERS_JOB_KIND;
use crate::shutdown::Shutdown;

/// A periodic task run per destination store: its job kind (also the task's name) and interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicTask {
    /// The job kind enqueued for each run; the `schedules` rows are named after it.
    pub kind: &'static str,
    /// Time between two runs for one shop.
    pub interval: Duration,
}

impl PeriodicTask {
    /// A task run every `interval` for each installed destination store with the Order add-on
    /// active; its job gets the shop as `shop_id`.
    pub fn per_destination(kind: &'static str, interval: Duration) -> Self {
        PeriodicTask { kind, interval }
    }
}

/// The periodic tasks this configuration runs.
pub fn periodic_tasks(config: &WorkerConfig) -> Vec<PeriodicTask> {
    let mut tasks = Vec::new();
    if config.reconcile.enabled {
        tasks.push(PeriodicTask::per_destination(
            RECONCILE_ORDERS_JOB_KIND,
            config.reconcile.interval,
        ));
        tasks.push(PeriodicTask::per_destination(
            RECONCILE_PUSHES_JOB_KIND,
            config.reconcile.interval,
        ));
    }
    tasks
}

/// Schedules that one tick reads at most.
const DUE_PER_TICK: u32 = 500;

/// A scheduler over a store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Scheduler {
    store: Store,
    tasks: Vec<PeriodicTask>,
    wake: Arc<Notify>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Scheduler {
    /// A scheduler running `tasks`, waking `wake` (the worker) when it enqueued a job.
    pub fn new(store: Store, tasks: Vec<PeriodicTask>, wake: Arc<Notify>) -> Self {
        Scheduler { store, tasks, wake }
    }

    /// One tick at `now`: creates missing schedules, claims the due runs and enqueues their jobs.
    /// Answers how many runs this process claimed.
    pub async fn tick(&self, now: UnixMillis) -> Result<usize, StoreError> {
        if self.tasks.is_empty() {
            return Ok(0);
        }
        let shops = self.store.active_destination_ids().await?;
        for task in &self.tasks {
            let existing: Vec<i64> = self
                .store
                .schedules_of(task.kind)
                .await?
                .into_iter()
                .map(|s| s.shop_id)
                .collect();
            for shop_id in shops.iter().filter(|id| !existing.contains(id)) {
                let first = now.plus_millis(millis(task.interval));
                self.store
                    .ensure_schedule(task.kind, *shop_id, first, now)
                    .await?;
            }
        }
        let mut claimed = 0;
        for due in self.store.due_schedules(now, DUE_PER_TICK).await? {
            // A task another process runs but this one has switched off is left to that process.
            let Some(task) = self.tasks.iter().find(|t| t.kind == due.task) else {
                continue;
            };
            let mut tx = self.store.begin().await?;
            if !shops.contains(&due.shop_id) {
                tx.delete_schedule(&due.task, due.shop_id).await?;
                tx.commit().await?;
                continue;
            }
            let next = now.plus_millis(millis(task.interval));
            if tx.claim_schedule(&due, next, now).await? {
                let mut job = NewJob::new(task.kind, json!({}), now);
                job.shop_id = Some(due.shop_id);
                job.dedupe_key = Some(format!("{}:{}", task.kind, due.shop_id));
                job.max_attempts = 3;
                tx.enqueue(&job, now).await?;
                claimed += 1;
            }
            tx.commit().await?;
        }
        if claimed > 0 {
            self.wake.notify_one();
            tracing::debug!(claimed, "periodic tasks enqueued");
        }
        Ok(claimed)
    }

    /// Ticks every `every` until `shutdown`.
    pub async fn run(self, every: Duration, shutdown: Shutdown) {
        let kinds: Vec<&str> = self.tasks.iter().map(|t| t.kind).collect();
        tracing::info!(tasks = ?kinds, "scheduler started");
        while !shutdown.is_triggered() {
            if let Err(e) = self.tick(UnixMillis::now()).await {
                tracing::error!(error = %e, "scheduler tick failed");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = shutdown.wait() => {}
            }
        }
        tracing::info!("scheduler stopped");
    }
}
