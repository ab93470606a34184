//! The durable job queue. Jobs are rows: enqueued inside the caller's transaction (so a state
//! change and the work that follows it land together), claimed with a time-limited lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers), retried with exponential
//! backoff and jitter, and parked as *dead* after their last attempt until an operator redrives
//! them. A finished job is deleted: the order history, not the queue, is the record of what happened.
//!
//! A worker that crashes keeps its lease until it expires; the job is then claimed again (and
//! counted as an attempt), so handlers must be idempotent.

use std::time::Duration;

use rand::Rng;

use crate::db::{with_pool, with_tx, Pool};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its `run_at`.
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    /// Out of attempts, or failed with a final error; waits for a redrive.
    Dead,
}

impl JobState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Dead => "dead",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "queued" => Ok(JobState::Queued),
            "running" => Ok(JobState::Running),
            "dead" => Ok(JobState::Dead),
            other => Err(StoreError::corrupt("job state", other)),
        }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What handler runs it, e.g. `webhook`, `push`, `reconcile`.
    pub kind: String,
    /// The shop it works for, if any (uninstalling a shop can then stop its jobs).
    pub shop_id: Option<i64>,
    /// Handler input.
    pub payload: serde_json::Value,
    /// Not before this time.
    pub run_at: UnixMillis,
    /// Attempts before the job is dead.
    pub max_attempts: u32,
    /// At most one *queued* job per key: enqueueing another is a no-op while one waits.
    pub dedupe_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` to run now, with the default 8 attempts.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value, now: UnixMillis) -> Self {
        NewJob {
            kind: kind.into(),
            shop_id: None,
            payload,
            run_at: now,
            max_attempts: 8,
            dedupe_key: None,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Database id.
    pub id: i64,
    /// Handler name.
    pub kind: String,
    /// The shop, if any.
    pub shop_id: Option<i64>,
    /// Handler input.
    pub payload: serde_json::Value,
    /// Where it stands.
    pub state: JobState,
    /// Claims so far (including the current one).
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Earliest next run.
    pub run_at: UnixMillis,
    /// The worker holding it.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_until: Option<UnixMillis>,
    /// The last failure.
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    shop_id: Option<i64>,
    payload: String,
    state: String,
    attempts: i64,
    max_attempts: i64,
    run_at: i64,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
    last_error: Option<String>,
}

impl JobRow {
    fn into_job(self) -> Result<Job> {
        Ok(Job {
            id: self.id,
            kind: self.kind,
            shop_id: self.shop_id,
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| StoreError::corrupt("job payload", e))?,
            state: JobState::parse(&self.state)?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            max_attempts: u32::try_from(self.max_attempts).unwrap_or(u32::MAX),
            run_at: UnixMillis(self.run_at),
            lease_owner: self.lease_owner,
            lease_until: self.lease_until.map(UnixMillis),
            last_error: self.last_error,
        })
    }
}

const JOB_COLUMNS: &str =
    "id, kind, shop_id, payload, state, attempts, max_attempts, run_at, lease_owner, lease_until, last_error";

/// How long to wait before the next attempt: exponential from `base`, capped at `max`, with
/// "equal jitter" (half the delay fixed, half random) so failing jobs do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure (before jitter).
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(2),
            max: Duration::from_secs(30 * 60),
        }
    }
}

impl RetryPolicy {
    /// The delay after `attempts` failed attempts (1 = the first failure), given `jitter` in `[0, 1]`.
    pub fn delay(&self, attempts: u32, jitter: f64) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1u32 << exp.min(31)).min(self.max);
        let half = full / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// What happened to a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// It will run again at this time.
    Retrying(UnixMillis),
    /// It is dead and waits for a redrive.
    Dead,
}

impl Tx {
    /// Enqueues a job in this transaction. Returns its id, or `None` when a queued job with the
    /// same dedupe key already waits.
    pub async fn enqueue(&mut self, job: &NewJob, now: UnixMillis) -> Result<Option<i64>> {
        let payload = job.payload.to_string();
        let row: Option<(i64,)> = with_tx!(self, |c| {
            sqlx::query_as(
                "INSERT INTO jobs (kind, shop_id, payload, state, attempts, max_attempts, run_at, dedupe_key, \
                 created_at, updated_at) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $7, $7) \
                 ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state = 'queued' DO NOTHING \
                 RETURNING id",
            )
            .bind(&job.kind)
            .bind(job.shop_id)
            .bind(payload)
            .bind(i64::from(job.max_attempts.max(1)))
            .bind(job.run_at.0)
            .bind(&job.dedupe_key)
            .bind(now.0)
            .fetch_optional(c)
            .await?
        });
        Ok(row.map(|(id,)| id))
    }

    /// Finishes a job in this transaction, together with the handler's own writes.
    pub async fn complete_job(&mut self, job_id: i64, owner: &str) -> Result<()> {
        let n = with_tx!(self, |c| {
            sqlx::query("DELETE FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2")
                .bind(job_id)
                .bind(owner)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::LeaseLost(job_id));
        }
        Ok(())
    }
}

impl Store {
    /// See [`Tx::enqueue`].
    pub async fn enqueue(&self, job: &NewJob, now: UnixMillis) -> Result<Option<i64>> {
        let mut tx = self.begin().await?;
        let id = tx.enqueue(job, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` jobs that are due (or whose lease expired) for `owner`, leasing each
    /// for `lease`. A job whose lease expired on its last attempt is declared dead instead.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        limit: u32,
        lease: Duration,
        now: UnixMillis,
    ) -> Result<Vec<Job>> {
        let lease_until = now.plus_millis(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        with_pool!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_until = NULL, updated_at = $1, \
                 last_error = COALESCE(last_error, 'the worker stopped while running it') \
                 WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts",
            )
            .bind(now.0)
            .execute(c)
            .await?;
        });
        let lock = match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, \
             updated_at = $3 WHERE id IN (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3) \
             OR (state = 'running' AND lease_until < $3) ORDER BY run_at, id LIMIT $4 {lock}) \
             RETURNING {JOB_COLUMNS}"
        );
        let rows: Vec<JobRow> = with_pool!(self, |c| {
            sqlx::query_as(&sql)
                .bind(owner)
                .bind(lease_until.0)
                .bind(now.0)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?
        });
        let mut jobs = rows
            .into_iter()
            .map(JobRow::into_job)
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Keeps a long-running job leased.
    pub async fn extend_lease(
        &self,
        job_id: i64,
        owner: &str,
        lease: Duration,
        now: UnixMillis,
    ) -> Result<()> {
        let until = now.plus_millis(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let n = with_pool!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET lease_until = $1, updated_at = $2 WHERE id = $3 AND state = 'running' AND lease_owner = $4",
            )
            .bind(until.0)
            .bind(now.0)
            .bind(job_id)
            .bind(owner)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::LeaseLost(job_id));
        }
        Ok(())
    }

    /// Finishes a job that has no writes of its own.
    pub async fn complete_job(&self, job_id: i64, owner: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.complete_job(job_id, owner).await?;
        tx.commit().await
    }

    /// Records a failure. A retryable failure with attempts left is queued again after the
    /// policy's backoff; otherwise the job is dead.
    pub async fn fail_job(
        &self,
        job: &Job,
        owner: &str,
        error: &str,
        retryable: bool,
        policy: &RetryPolicy,
        now: UnixMillis,
    ) -> Result<FailOutcome> {
        let jitter: f64 = rand::thread_rng().gen();
        let outcome = if retryable && job.attempts < job.max_attempts {
            let delay = policy.delay(job.attempts, jitter);
            FailOutcome::Retrying(
                now.plus_millis(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
            )
        } else {
            FailOutcome::Dead
        };
        let (state, run_at) = match outcome {
            FailOutcome::Retrying(at) => ("queued", at),
            FailOutcome::Dead => ("dead", job.run_at),
        };
        if state == "queued" {
            // The same work (same dedupe key) was queued again while this attempt ran: the
            // queued twin does it, so this attempt's retry merges into it instead of breaking
            // the one-queued-job-per-key rule.
            let merged = with_pool!(self, |c| {
                sqlx::query(
                    "DELETE FROM jobs WHERE id = $1 AND state = 'running' AND lease_owner = $2 \
                     AND dedupe_key IS NOT NULL AND EXISTS (SELECT 1 FROM jobs q \
                     WHERE q.dedupe_key = jobs.dedupe_key AND q.state = 'queued' AND q.id <> jobs.id)",
                )
                .bind(job.id)
                .bind(owner)
                .execute(c)
                .await?
                .rows_affected()
            });
            if merged == 1 {
                return Ok(outcome);
            }
        }
        let n = with_pool!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, lease_owner = NULL, lease_until = NULL, \
                 updated_at = $4 WHERE id = $5 AND state = 'running' AND lease_owner = $6",
            )
            .bind(state)
            .bind(run_at.0)
            .bind(error)
            .bind(now.0)
            .bind(job.id)
            .bind(owner)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::LeaseLost(job.id));
        }
        Ok(outcome)
    }

    /// Puts dead jobs back in the queue with fresh attempts: one job by id, or every dead job
    /// (of one kind, if given). Returns how many were redriven.
    pub async fn redrive_jobs(
        &self,
        job_id: Option<i64>,
        kind: Option<&str>,
        now: UnixMillis,
    ) -> Result<u64> {
        let n = with_pool!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1 \
                 WHERE state = 'dead' AND ($2 IS NULL OR id = $2) AND ($3 IS NULL OR kind = $3)",
            )
            .bind(now.0)
            .bind(job_id)
            .bind(kind)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n)
    }

    /// Jobs in one state, oldest first (at most `limit`), for operators.
    pub async fn jobs_in_state(&self, state: JobState, limit: u32) -> Result<Vec<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE state = $1 ORDER BY id LIMIT $2");
        let rows: Vec<JobRow> = with_pool!(self, |c| {
            sqlx::query_as(&sql)
                .bind(state.as_str())
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(JobRow::into_job).collect()
    }

    /// One job by id.
    pub async fn job(&self, job_id: i64) -> Result<Option<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row: Option<JobRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(job_id)
            .fetch_optional(c)
            .await?);
        row.map(JobRow::into_job).transpose()
    }

    /// Whether a job of `kind` for the shop is queued or running (not dead).
    pub async fn has_job_for_shop(&self, kind: &str, shop_id: i64) -> Result<bool> {
        let n: i64 = with_pool!(self, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND shop_id = $2 AND state IN ('queued', 'running')",
            )
            .bind(kind)
            .bind(shop_id)
            .fetch_one(c)
            .await?
        });
        Ok(n > 0)
    }

    /// How many jobs are in each state: `(queued, running, dead)`.
    pub async fn job_counts(&self) -> Result<(i64, i64, i64)> {
        let rows: Vec<(String, i64)> = with_pool!(self, |c| {
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                .fetch_all(c)
                .await?
        });
        let count = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
        Ok((count("queued"), count("running"), count("dead")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps_and_jitter_stays_in_the_upper_half() {
        let p = RetryPolicy {
            base: Duration::from_secs(2),
            max: Duration::from_secs(60),
        };
        assert_eq!(p.delay(1, 1.0), Duration::from_secs(2));
        assert_eq!(p.delay(2, 1.0), Duration::from_secs(4));
        assert_eq!(p.delay(3, 1.0), Duration::from_secs(8));
        assert_eq!(p.delay(10, 1.0), Duration::from_secs(60));
        assert_eq!(p.delay(40, 0.0), Duration::from_secs(30));
        assert_eq!(p.delay(1, 0.0), Duration::from_secs(1));
        for j in [0.0, 0.25, 0.5, 0.99] {
            let d = p.delay(3, j);
            assert!(
                d >= Duration::from_secs(4) && d <= Duration::from_secs(8),
                "{d:?}"
            );
        }
    }
}
