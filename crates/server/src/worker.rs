//! The job worker: claims due jobs from the store's queue with a lease, runs the handler for
//! each job's kind, and records the outcome: a handler completes its job in its own transaction;
//! a retryable failure goes back to the queue with the store's [`RetryPolicy`]; a final one is
//! dead at once. Webhook jobs run one after another in the order they were claimed; other jobs
//! (`register_webhooks`, `rematch`, `push`, `sync_fulfillments`, `reconcile_pushes`,
//! `reconcile_orders`, `cancel_source_order`) run side by side. [`Worker::run`] keeps
//! `concurrency` slots busy: a slot is claimed again as soon as its job ends, so a slow job (a
//! `reconcile_orders` run reading many pages, extending its lease as it goes; a push waiting for
//! Shopify's points) never holds the others up. It wakes as soon as this process enqueues a job
//! (a [`Notify`]) and polls for jobs other processes enqueued. Each job runs in its own task, so
//! a panicking or hanging job (bounded by the lease) fails that job only, never the worker.
//! [`Worker::run_once`] and [`Worker::drain`] claim and run one batch at a time, for tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ordersync_store::jobs::{FailOutcome, Job, RetryPolicy};
use ordersync_store::webhooks::WEBHOOK_JOB_KIND;

use crate::auth::{AuthService, REGISTER_WEBHOOKS_JOB_KIND};
use ordersync_store::{Store, StoreError, UnixMillis};
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::config::WorkerConfig;
use crate::metrics::{inc, Metrics};
use crate::service::destination::{run_cancel_source, CANCEL_SOURCE_JOB_KIND};
use crate::service::fulfillment::{
    run_reconcile, run_sync_fulfillments, RECONCILE_PUSHES_JOB_KIND, SYNC_FULFILLMENTS_JOB_KIND,
};
use crate::service::process::{run_webhook_job, Processed};
use crate::service::push::{run_push, PUSH_JOB_KIND};
use crate::service::reconcile::{run_reconcile_orders, RECONCILE_ORDERS_JOB_KIND};
use crate::service::sync::{run_rematch, REMATCH_JOB_KIND};
use crate::shutdown::Shutdown;

/// A worker; cheap to clone.
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    auth: AuthService,
    owner: String,
    config: WorkerConfig,
    policy: RetryPolicy,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    /// Long jobs running beside the claims (see the module docs).
    beside: Arc<AtomicUsize>,
}

/// How one job attempt failed.
#[derive(Debug)]
struct JobFailure {
    error: String,
    retryable: bool,
}

impl Worker {
    /// A worker over `store`, woken by `wake`, counting into `metrics`.
    pub fn new(
        store: Store,
        auth: AuthService,
        config: WorkerConfig,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Worker {
            store,
            auth,
            owner: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            config,
            policy: RetryPolicy::default(),
            wake,
            metrics,
            beside: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Claims the jobs due now (up to the concurrency), runs them, and returns how many ran.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let beside = u32::try_from(self.beside.load(Ordering::SeqCst)).unwrap_or(u32::MAX);
        let slots = self.config.concurrency.saturating_sub(beside);
        if slots == 0 {
            return Ok(0);
        }
        let jobs = self
            .store
            .claim_jobs(&self.owner, slots, self.config.lease, UnixMillis::now())
            .await?;
        let n = jobs.len();
        // Long jobs run beside this claim and the next ones (not waited for here).
        let (long, jobs): (Vec<Job>, Vec<Job>) = jobs
            .into_iter()
            .partition(|j| j.kind == RECONCILE_ORDERS_JOB_KIND);
        for job in long {
            let this = self.clone();
            this.beside.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                this.run_job(job).await;
                this.beside.fetch_sub(1, Ordering::SeqCst);
            });
        }
        // Webhooks run one after another in arrival order, so two deliveries about the same
        // order never race; other jobs run side by side.
        let (webhooks, others): (Vec<Job>, Vec<Job>) =
            jobs.into_iter().partition(|j| j.kind == WEBHOOK_JOB_KIND);
        let mut running = JoinSet::new();
        for job in others {
            let this = self.clone();
            running.spawn(async move { this.run_job(job).await });
        }
        let this = self.clone();
        running.spawn(async move {
            for job in webhooks {
                this.run_job(job).await;
            }
        });
        while running.join_next().await.is_some() {}
        Ok(n)
    }

    /// Runs jobs until the queue has none due now; returns how many ran (for tests).
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let n = self.run_once().await?;
            if n == 0 {
                if self.beside.load(Ordering::SeqCst) == 0 {
                    return Ok(total);
                }
                // A long job still runs: what it enqueues is due too.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
            total += n;
        }
    }

    /// Runs until `shutdown`: jobs as they come. Each of the `concurrency` slots is claimed
    /// again as soon as its job ends (a slow job never holds up the others); webhook jobs run
    /// one after another in claim order on one lane, the others side by side. Sleeps until this
    /// process enqueues a job, a poll interval passes, or (when every slot is busy) a slot
    /// frees. On shutdown it stops claiming and waits for the running jobs.
    pub async fn run(self, shutdown: Shutdown) {
        tracing::info!(owner = %self.owner, concurrency = self.config.concurrency, "worker started");
        let concurrency = usize::try_from(self.config.concurrency.max(1)).unwrap_or(1);
        let slots = Arc::new(Semaphore::new(concurrency));
        let freed = Arc::new(Notify::new());
        let (lane, mut deliveries) = mpsc::unbounded_channel::<(Job, OwnedSemaphorePermit)>();
        let webhooks = {
            let this = self.clone();
            let freed = Arc::clone(&freed);
            tokio::spawn(async move {
                while let Some((job, slot)) = deliveries.recv().await {
                    this.run_job(job).await;
                    drop(slot);
                    freed.notify_one();
                }
            })
        };
        while !shutdown.is_triggered() {
            let free = slots.available_permits();
            let mut claimed = 0;
            if free > 0 {
                let want = u32::try_from(free).unwrap_or(u32::MAX);
                match self
                    .store
                    .claim_jobs(&self.owner, want, self.config.lease, UnixMillis::now())
                    .await
                {
                    Ok(jobs) => {
                        claimed = jobs.len();
                        for job in jobs {
                            let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                                // Cannot happen: no more jobs are claimed than slots are free.
                                break;
                            };
                            if job.kind == WEBHOOK_JOB_KIND {
                                if let Err(mpsc::error::SendError((job, _))) =
                                    lane.send((job, slot))
                                {
                                    tracing::error!(job_id = job.id, "webhook lane closed; the job's lease will expire and it runs again");
                                }
                            } else {
                                let this = self.clone();
                                let freed = Arc::clone(&freed);
                                tokio::spawn(async move {
                                    this.run_job(job).await;
                                    drop(slot);
                                    freed.notify_one();
                                });
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "worker could not claim jobs"),
                }
            }
            if slots.available_permits() == 0 {
                // Every slot is busy: claim again as soon as one frees.
                tokio::select! {
                    () = freed.notified() => {}
                    () = shutdown.wait() => {}
                }
            } else if claimed < free {
                // Nothing more is due now: look again when this process enqueues a job, when a
                // job ends (what it enqueued is due at once), or after the poll interval.
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = freed.notified() => {}
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                    () = shutdown.wait() => {}
                }
            }
        }
        drop(lane);
        let _ = slots
            .acquire_many(u32::try_from(concurrency).unwrap_or(u32::MAX))
            .await;
        let _ = webhooks.await;
        tracing::info!(owner = %self.owner, "worker stopped");
    }

    /// Whether this worker still holds a lease on the job that runs past now (its handler
    /// extended it).
    async fn lease_held(&self, job_id: i64) -> bool {
        match self.store.job(job_id).await {
            Ok(Some(j)) => {
                j.lease_owner.as_deref() == Some(self.owner.as_str())
                    && j.lease_until.is_some_and(|until| until > UnixMillis::now())
            }
            _ => false,
        }
    }

    async fn run_job(&self, job: Job) {
        let started = std::time::Instant::now();
        let handler = {
            let store = self.store.clone();
            let auth = self.auth.clone();
            let owner = self.owner.clone();
            let job = job.clone();
            let config = self.config;
            tokio::spawn(async move { handle(&store, &auth, &config, &job, &owner).await })
        };
        let mut handler = handler;
        let outcome = loop {
            match tokio::time::timeout(self.config.lease, &mut handler).await {
                Ok(Ok(result)) => break result,
                Ok(Err(join)) => {
                    break Err(JobFailure {
                        error: format!("the handler crashed: {join}"),
                        retryable: false,
                    })
                }
                // A long handler (reconciliation reading many pages) extends its lease as it
                // goes: wait on while it still holds one.
                Err(_) if self.lease_held(job.id).await => continue,
                Err(_) => {
                    break Err(JobFailure {
                        error: format!(
                            "the handler took longer than the lease ({:?})",
                            self.config.lease
                        ),
                        retryable: true,
                    })
                }
            }
        };
        let ms = started.elapsed().as_millis();
        match outcome {
            Ok(handled) => {
                inc(&self.metrics.jobs_processed);
                if handled == Handled::WebhookFailed {
                    inc(&self.metrics.webhooks_failed);
                }
                tracing::info!(job_id = job.id, kind = %job.kind, shop_id = ?job.shop_id, ms, "job done");
            }
            Err(failure) => {
                inc(&self.metrics.jobs_failed);
                self.record_failure(&job, &failure).await;
            }
        }
    }

    async fn record_failure(&self, job: &Job, failure: &JobFailure) {
        let now = UnixMillis::now();
        match self
            .store
            .fail_job(
                job,
                &self.owner,
                &failure.error,
                failure.retryable,
                &self.policy,
                now,
            )
            .await
        {
            Ok(FailOutcome::Retrying(at)) => {
                tracing::warn!(job_id = job.id, kind = %job.kind, error = %failure.error, retry_at = at.0, "job failed; will retry");
            }
            Ok(FailOutcome::Dead) => {
                tracing::error!(job_id = job.id, kind = %job.kind, error = %failure.error, "job failed for good; dead");
                if job.kind == WEBHOOK_JOB_KIND {
                    if let Some(id) = job.payload.get("receipt_id").and_then(|v| v.as_i64()) {
                        if let Err(e) = self
                            .store
                            .fail_webhook_receipt(id, &failure.error, now)
                            .await
                        {
                            tracing::error!(receipt_id = id, error = %e, "could not mark the webhook failed");
                        }
                        inc(&self.metrics.webhooks_failed);
                    }
                }
            }
            Err(e) => {
                tracing::error!(job_id = job.id, error = %e, "could not record the job's failure; its lease will expire");
            }
        }
    }
}

/// What a handler made of a job that it completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handled {
    /// Done.
    Done,
    /// A webhook that cannot be processed: kept as failed on its receipt, job completed.
    WebhookFailed,
}

/// Runs the handler for the job's kind.
async fn handle(
    store: &Store,
    auth: &AuthService,
    config: &WorkerConfig,
    job: &Job,
    owner: &str,
) -> Result<Handled, JobFailure> {
    match job.kind.as_str() {
        REGISTER_WEBHOOKS_JOB_KIND => {
            let result = match job.shop_id {
                Some(shop_id) => auth.ensure_webhooks(shop_id, UnixMillis::now()).await,
                None => Ok(()),
            };
            match result {
                Ok(()) => {
                    store
                        .complete_job(job.id, owner)
                        .await
                        .map_err(|e| JobFailure {
                            retryable: true,
                            error: e.to_string(),
                        })?;
                    Ok(Handled::Done)
                }
                Err(e) => Err(JobFailure {
                    retryable: e.is_retryable(),
                    error: e.to_string(),
                }),
            }
        }
        REMATCH_JOB_KIND => match run_rematch(store, auth, job, owner).await {
            Ok(()) => Ok(Handled::Done),
            Err(e) => Err(JobFailure {
                retryable: e.is_retryable(),
                error: e.to_string(),
            }),
        },
        PUSH_JOB_KIND => match run_push(store, auth, job, owner).await {
            Ok(()) => Ok(Handled::Done),
            Err(e) => Err(JobFailure {
                retryable: e.is_retryable(),
                error: e.to_string(),
            }),
        },
        SYNC_FULFILLMENTS_JOB_KIND => match run_sync_fulfillments(store, auth, job, owner).await {
            Ok(()) => Ok(Handled::Done),
            Err(e) => Err(JobFailure {
                retryable: e.is_retryable(),
                error: e.to_string(),
            }),
        },
        RECONCILE_ORDERS_JOB_KIND => {
            match run_reconcile_orders(store, auth, &config.reconcile, config.lease, job, owner)
                .await
            {
                Ok(_) => Ok(Handled::Done),
                Err(e) => Err(JobFailure {
                    retryable: e.is_retryable(),
                    error: e.to_string(),
                }),
            }
        }
        CANCEL_SOURCE_JOB_KIND => match run_cancel_source(store, auth, job, owner).await {
            Ok(()) => Ok(Handled::Done),
            Err(e) => Err(JobFailure {
                retryable: e.is_retryable(),
                error: e.to_string(),
            }),
        },
        RECONCILE_PUSHES_JOB_KIND => {
            match run_reconcile(store, auth, &config.reconcile, config.lease, job, owner).await {
                Ok(_) => Ok(Handled::Done),
                Err(e) => Err(JobFailure {
                    retryable: e.is_retryable(),
                    error: e.to_string(),
                }),
            }
        }
        WEBHOOK_JOB_KIND => match run_webhook_job(store, job, owner).await {
            Ok(Processed::Done) => Ok(Handled::Done),
            Ok(Processed::Failed(_)) => Ok(Handled::WebhookFailed),
            Err(e) => Err(JobFailure {
                retryable: e.is_retryable(),
                error: e.to_string(),
            }),
        },
        other => Err(JobFailure {
            error: format!("no handler for job kind `{other}`"),
            retryable: false,
        }),
    }
}
