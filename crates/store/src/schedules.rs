//! Periodic tasks and reconciliation cursors.
//!
//! A *schedule* is one row per (task, shop) with the time of its next run. Every ordersync
//! process sharing the database looks for due rows; to run one, a process moves its
//! `next_run_at` forward with a compare-and-set on the value it read ([`Tx::claim_schedule`]).
//! Only one compare-and-set can succeed for a given `next_run_at`, so a task runs once per
//! interval across all processes, whichever process wins. The winner enqueues the task's job in
//! the same transaction, so a claimed run is never lost.
//!
//! A *reconcile cursor* is, per destination store, the newest Shopify `updated_at` that order
//! reconciliation has taken in; it only moves forward ([`Tx::advance_reconcile_cursor`]).

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, Tx, UnixMillis};

/// A stored schedule row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Schedule {
    /// The task, e.g. `reconcile_orders`.
    pub task: String,
    /// The shop it runs for.
    pub shop_id: i64,
    /// When it is due (Unix ms).
    pub next_run_at: i64,
    /// When a process last claimed it.
    pub last_run_at: Option<i64>,
}

impl Tx {
    /// Creates the schedule of `task` for `shop_id`, first due at `first_run_at`, unless it
    /// exists (an existing row keeps its time). Answers whether it was created.
    pub async fn ensure_schedule(
        &mut self,
        task: &str,
        shop_id: i64,
        first_run_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<bool> {
        let n = with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO schedules (task, shop_id, next_run_at, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (task, shop_id) DO NOTHING",
            )
            .bind(task)
            .bind(shop_id)
            .bind(first_run_at.0)
            .bind(now.0)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Claims one run of a due schedule: moves `next_run_at` from the value read (`seen`) to
    /// `next_run_at`. Answers false when another process claimed it first (the stored time is
    /// no longer `seen.next_run_at`): that process runs it, this one must not.
    pub async fn claim_schedule(
        &mut self,
        seen: &Schedule,
        next_run_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<bool> {
        let n = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE schedules SET next_run_at = $1, last_run_at = $2, updated_at = $2 \
                 WHERE task = $3 AND shop_id = $4 AND next_run_at = $5",
            )
            .bind(next_run_at.0)
            .bind(now.0)
            .bind(&seen.task)
            .bind(seen.shop_id)
            .bind(seen.next_run_at)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Removes the schedule of `task` for `shop_id` (the shop no longer qualifies).
    pub async fn delete_schedule(&mut self, task: &str, shop_id: i64) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query("DELETE FROM schedules WHERE task = $1 AND shop_id = $2")
                .bind(task)
                .bind(shop_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Moves the shop's reconcile cursor to `cursor_at` if that is later than the stored one
    /// (never backwards); creates it when missing.
    pub async fn advance_reconcile_cursor(
        &mut self,
        shop_id: i64,
        cursor_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO reconcile_cursors (shop_id, cursor_at, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (shop_id) DO UPDATE SET cursor_at = excluded.cursor_at, updated_at = excluded.updated_at \
                 WHERE reconcile_cursors.cursor_at < excluded.cursor_at",
            )
            .bind(shop_id)
            .bind(cursor_at.0)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}

impl Store {
    /// See [`Tx::ensure_schedule`].
    pub async fn ensure_schedule(
        &self,
        task: &str,
        shop_id: i64,
        first_run_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let created = tx.ensure_schedule(task, shop_id, first_run_at, now).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Schedules due at `now` (oldest first, at most `limit`), of any task.
    pub async fn due_schedules(&self, now: UnixMillis, limit: u32) -> Result<Vec<Schedule>> {
        let rows: Vec<Schedule> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT task, shop_id, next_run_at, last_run_at FROM schedules WHERE next_run_at <= $1 \
                 ORDER BY next_run_at, task, shop_id LIMIT $2",
            )
            .bind(now.0)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        });
        Ok(rows)
    }

    /// Every schedule of a task, by shop.
    pub async fn schedules_of(&self, task: &str) -> Result<Vec<Schedule>> {
        let rows: Vec<Schedule> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT task, shop_id, next_run_at, last_run_at FROM schedules WHERE task = $1 ORDER BY shop_id",
            )
            .bind(task)
            .fetch_all(c)
            .await?
        });
        Ok(rows)
    }

    /// The installed destination stores whose Order add-on is active (the shops the
    /// per-destination periodic tasks run for), by id.
    pub async fn active_destination_ids(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT s.id FROM shops s JOIN order_addons a ON a.shop_id = s.id \
                 WHERE s.role = 'destination' AND s.installed AND a.status = 'active' ORDER BY s.id",
            )
            .fetch_all(c)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The shop's reconcile cursor, if reconciliation has run for it.
    pub async fn reconcile_cursor(&self, shop_id: i64) -> Result<Option<UnixMillis>> {
        let row: Option<(i64,)> = with_pool!(self, |c| {
            sqlx::query_as("SELECT cursor_at FROM reconcile_cursors WHERE shop_id = $1")
                .bind(shop_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(|(t,)| UnixMillis(t)))
    }
}
