//! Pushes: one per destination order and source store (enforced by a unique key), with the
//! lines it carries and its status. Status changes go through the domain's status machine
//! ([`PushStatus::apply`]) and a compare-and-set on the stored status, so two workers (or a
//! double click) cannot both move the same push, and every change lands in the order's history.

use ordersync_core::{PushEvent, PushStatus, ShopDomain};

use crate::db::{with_pool, with_tx};
use crate::events::NewEvent;
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// A stored push.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRecord {
    /// Database id.
    pub id: i64,
    /// The destination order.
    pub order_id: i64,
    /// The source store.
    pub source_shop_id: i64,
    /// The source store's domain.
    pub source_domain: ShopDomain,
    /// The deterministic key of this push (also a tag on the source order).
    pub push_key: String,
    /// Where the push stands.
    pub status: PushStatus,
    /// Why it failed or needs attention, in merchant words.
    pub status_reason: Option<String>,
    /// The order created on the source store.
    pub source_order_gid: Option<String>,
    /// Its name on the source store, e.g. `#1042`.
    pub source_order_name: Option<String>,
    /// The shipping line title sent.
    pub shipping_title: Option<String>,
    /// The shipping fee sent (decimal string, order currency).
    pub shipping_fee: Option<String>,
    /// The manual fee the merchant typed, if any.
    pub manual_fee: Option<String>,
    /// Why the push needs the merchant although its status is settled (e.g. the destination
    /// order was cancelled after the source store shipped, or edited after the push), in
    /// merchant words; `None` when nothing needs attention.
    pub attention: Option<String>,
    /// How many times reconciliation queued its job again after the job had stopped (reset by
    /// the merchant's Retry).
    pub redrives: i64,
    /// The lines it carries.
    pub lines: Vec<PushLine>,
    /// Created.
    pub created_at: UnixMillis,
    /// Last change.
    pub updated_at: UnixMillis,
}

/// One line of a push.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PushLine {
    /// The destination order's line item (GID).
    pub destination_line_gid: String,
    /// The source store's variant (GID).
    pub source_variant_gid: String,
    /// SKU.
    pub sku: String,
    /// Title.
    pub title: String,
    /// Quantity pushed.
    pub quantity: i64,
    /// Unit price sent (decimal string).
    pub unit_price: String,
    /// How many the source store has fulfilled.
    pub fulfilled_quantity: i64,
}

/// What changes beside the status when a push moves.
#[derive(Debug, Clone, Default)]
pub struct PushChange {
    /// New reason (replaces the old one; `None` clears it).
    pub reason: Option<String>,
    /// The source order, once created.
    pub source_order_gid: Option<String>,
    /// Its name.
    pub source_order_name: Option<String>,
    /// Shipping line sent.
    pub shipping_title: Option<String>,
    /// Shipping fee sent.
    pub shipping_fee: Option<String>,
    /// Manual fee typed by the merchant.
    pub manual_fee: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PushRow {
    id: i64,
    order_id: i64,
    source_shop_id: i64,
    source_domain: String,
    push_key: String,
    status: String,
    status_reason: Option<String>,
    source_order_gid: Option<String>,
    source_order_name: Option<String>,
    shipping_title: Option<String>,
    shipping_fee: Option<String>,
    manual_fee: Option<String>,
    attention: Option<String>,
    redrives: i64,
    created_at: i64,
    updated_at: i64,
}

impl PushRow {
    fn into_record(self, lines: Vec<PushLine>) -> Result<PushRecord> {
        Ok(PushRecord {
            id: self.id,
            order_id: self.order_id,
            source_shop_id: self.source_shop_id,
            source_domain: ShopDomain::parse(&self.source_domain)
                .map_err(|e| StoreError::corrupt("push", e))?,
            push_key: self.push_key,
            status: PushStatus::parse(&self.status)
                .map_err(|e| StoreError::corrupt("push status", e))?,
            status_reason: self.status_reason,
            source_order_gid: self.source_order_gid,
            source_order_name: self.source_order_name,
            shipping_title: self.shipping_title,
            shipping_fee: self.shipping_fee,
            manual_fee: self.manual_fee,
            attention: self.attention,
            redrives: self.redrives,
            lines,
            created_at: UnixMillis(self.created_at),
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

/// The most orders [`Store::pushes_for_orders`] takes at once (a page of the Orders tab).
pub const MAX_ORDERS_AT_ONCE: usize = 250;

#[derive(sqlx::FromRow)]
struct PushLineRow {
    push_id: i64,
    destination_line_gid: String,
    source_variant_gid: String,
    sku: String,
    title: String,
    quantity: i64,
    unit_price: String,
    fulfilled_quantity: i64,
}

const PUSH_SELECT: &str = "SELECT p.id, p.order_id, p.source_shop_id, s.domain AS source_domain, p.push_key, p.status, \
    p.status_reason, p.source_order_gid, p.source_order_name, p.shipping_title, p.shipping_fee, p.manual_fee, \
    p.attention, p.redrives, p.created_at, p.updated_at FROM pushes p JOIN shops s ON s.id = p.source_shop_id";

const LINE_SELECT: &str =
    "SELECT destination_line_gid, source_variant_gid, sku, title, quantity, unit_price, \
    fulfilled_quantity FROM push_lines WHERE push_id = $1 ORDER BY destination_line_gid";

impl Tx {
    /// The push of this order to this source store, created as *Not pushed* if there is none.
    /// Its key is fixed at creation and never changes.
    pub async fn ensure_push(
        &mut self,
        order_id: i64,
        source_shop_id: i64,
        push_key: &str,
        now: UnixMillis,
    ) -> Result<PushRecord> {
        with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO pushes (order_id, source_shop_id, push_key, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (order_id, source_shop_id) DO NOTHING",
            )
            .bind(order_id)
            .bind(source_shop_id)
            .bind(push_key)
            .bind(PushStatus::NotPushed.as_str())
            .bind(now.0)
            .execute(c)
            .await?;
        });
        let sql = format!("{PUSH_SELECT} WHERE p.order_id = $1 AND p.source_shop_id = $2");
        let row: PushRow = with_tx!(self, |c| sqlx::query_as(&sql)
            .bind(order_id)
            .bind(source_shop_id)
            .fetch_one(&mut *c)
            .await?);
        let lines: Vec<PushLine> = with_tx!(self, |c| sqlx::query_as(LINE_SELECT)
            .bind(row.id)
            .fetch_all(c)
            .await?);
        row.into_record(lines)
    }

    /// Replaces the lines a push carries (set when the push is planned, before Shopify is called).
    pub async fn set_push_lines(&mut self, push_id: i64, lines: &[PushLine]) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query("DELETE FROM push_lines WHERE push_id = $1")
                .bind(push_id)
                .execute(&mut *c)
                .await?;
            for l in lines {
                sqlx::query(
                    "INSERT INTO push_lines (push_id, destination_line_gid, source_variant_gid, sku, title, quantity, \
                     unit_price, fulfilled_quantity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(push_id)
                .bind(&l.destination_line_gid)
                .bind(&l.source_variant_gid)
                .bind(&l.sku)
                .bind(&l.title)
                .bind(l.quantity)
                .bind(&l.unit_price)
                .bind(l.fulfilled_quantity)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// Records how many units of a pushed line the source store has fulfilled.
    pub async fn set_fulfilled_quantity(
        &mut self,
        push_id: i64,
        destination_line_gid: &str,
        fulfilled: i64,
    ) -> Result<()> {
        let n = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE push_lines SET fulfilled_quantity = $1 WHERE push_id = $2 AND destination_line_gid = $3",
            )
            .bind(fulfilled)
            .bind(push_id)
            .bind(destination_line_gid)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("line {destination_line_gid} of push {push_id}"),
            });
        }
        Ok(())
    }

    /// Moves a push through the status machine: legal only from `expected` (the status the caller
    /// saw) by `event`. Writes the new status and `change`, and appends `history` to the order's log.
    /// Fails with [`StoreError::Conflict`] when the stored status is no longer `expected`.
    pub async fn transition_push(
        &mut self,
        push_id: i64,
        expected: PushStatus,
        event: &PushEvent,
        change: &PushChange,
        history: &NewEvent<'_>,
        now: UnixMillis,
    ) -> Result<PushStatus> {
        let next = expected.apply(event)?;
        let n = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE pushes SET status = $1, status_reason = $2, \
                 source_order_gid = COALESCE($3, source_order_gid), source_order_name = COALESCE($4, source_order_name), \
                 shipping_title = COALESCE($5, shipping_title), shipping_fee = COALESCE($6, shipping_fee), \
                 manual_fee = COALESCE($7, manual_fee), updated_at = $8 WHERE id = $9 AND status = $10",
            )
            .bind(next.as_str())
            .bind(&change.reason)
            .bind(&change.source_order_gid)
            .bind(&change.source_order_name)
            .bind(&change.shipping_title)
            .bind(&change.shipping_fee)
            .bind(&change.manual_fee)
            .bind(now.0)
            .bind(push_id)
            .bind(expected.as_str())
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict { push_id, expected });
        }
        if matches!(event, PushEvent::Retried) {
            // The merchant's Retry starts the count of redrives afresh.
            with_tx!(self, |c| {
                sqlx::query("UPDATE pushes SET redrives = 0 WHERE id = $1")
                    .bind(push_id)
                    .execute(c)
                    .await?;
            });
        }
        let history = NewEvent {
            push_id: Some(push_id),
            ..history.clone()
        };
        self.append_event(&history, now).await?;
        Ok(next)
    }
}

impl Tx {
    /// Sets (or with `None` clears) why a push needs the merchant, appending `history` to the
    /// order's log. Answers false, writing nothing, when the stored reason is already `attention`
    /// (so flagging the same thing twice changes nothing).
    pub async fn set_push_attention(
        &mut self,
        push_id: i64,
        attention: Option<&str>,
        history: &NewEvent<'_>,
        now: UnixMillis,
    ) -> Result<bool> {
        let n = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE pushes SET attention = $1, updated_at = $2 WHERE id = $3 \
                 AND (attention IS NULL OR $1 IS NULL OR attention <> $1) AND NOT (attention IS NULL AND $1 IS NULL)",
            )
            .bind(attention)
            .bind(now.0)
            .bind(push_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        let history = NewEvent {
            push_id: Some(push_id),
            ..history.clone()
        };
        self.append_event(&history, now).await?;
        Ok(true)
    }

    /// Clears a push's attention reason if it is still `expected` (the reason the merchant or
    /// the caller saw), appending `history` to the order's log. Answers false, writing nothing,
    /// when the reason is gone or has changed meanwhile (a newer reason stays).
    pub async fn clear_push_attention(
        &mut self,
        push_id: i64,
        expected: &str,
        history: &NewEvent<'_>,
        now: UnixMillis,
    ) -> Result<bool> {
        let n = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE pushes SET attention = NULL, updated_at = $1 WHERE id = $2 AND attention = $3",
            )
            .bind(now.0)
            .bind(push_id)
            .bind(expected)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        let history = NewEvent {
            push_id: Some(push_id),
            ..history.clone()
        };
        self.append_event(&history, now).await?;
        Ok(true)
    }

    /// Queues a push's job again (the redrive of a push whose job died or vanished): drops the
    /// push's dead job, if any, enqueues `job` (whose dedupe key is the push's) and counts the
    /// redrive on the push (`redrives`). Answers the new job's id, or `None` (counting nothing)
    /// when a job of the push is already queued.
    pub async fn redrive_push_job(
        &mut self,
        push_id: i64,
        job: &crate::jobs::NewJob,
        now: UnixMillis,
    ) -> Result<Option<i64>> {
        if let Some(key) = &job.dedupe_key {
            with_tx!(self, |c| {
                sqlx::query("DELETE FROM jobs WHERE dedupe_key = $1 AND state = 'dead'")
                    .bind(key)
                    .execute(c)
                    .await?;
            });
        }
        let id = self.enqueue(job, now).await?;
        if id.is_some() {
            with_tx!(self, |c| {
                sqlx::query("UPDATE pushes SET redrives = redrives + 1 WHERE id = $1")
                    .bind(push_id)
                    .execute(c)
                    .await?;
            });
        }
        Ok(id)
    }
}

impl Store {
    /// The destination store's pushes that are Queued or Pushing while no job of theirs
    /// (dedupe key `push:{id}`) is queued or running: their job died (out of attempts, a final
    /// error) or is missing, so nothing would ever move them. Oldest change first, at most `limit`.
    pub async fn stuck_pushes(
        &self,
        destination_shop_id: i64,
        limit: u32,
    ) -> Result<Vec<PushRecord>> {
        let sql = format!(
            "{PUSH_SELECT} JOIN destination_orders o ON o.id = p.order_id \
             WHERE o.shop_id = $1 AND p.status IN ('queued', 'pushing') AND NOT EXISTS ( \
             SELECT 1 FROM jobs j WHERE j.dedupe_key = 'push:' || CAST(p.id AS TEXT) AND j.state IN ('queued', 'running')) \
             ORDER BY p.updated_at, p.id LIMIT $2"
        );
        let rows: Vec<PushRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(destination_shop_id)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        self.with_lines(rows).await
    }

    /// Every push of a destination order, by source store domain.
    pub async fn pushes_for_order(&self, order_id: i64) -> Result<Vec<PushRecord>> {
        let sql = format!("{PUSH_SELECT} WHERE p.order_id = $1 ORDER BY s.domain");
        let rows: Vec<PushRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(order_id)
            .fetch_all(c)
            .await?);
        self.with_lines(rows).await
    }

    /// Every push of these orders (at most [`MAX_ORDERS_AT_ONCE`] ids), each order's by source
    /// store domain: two queries whatever the number of orders, for a page of the Orders tab.
    /// Callers check the orders belong to the shop first.
    pub async fn pushes_for_orders(&self, order_ids: &[i64]) -> Result<Vec<PushRecord>> {
        if order_ids.is_empty() {
            return Ok(Vec::new());
        }
        if order_ids.len() > MAX_ORDERS_AT_ONCE {
            return Err(StoreError::Invalid(format!(
                "at most {MAX_ORDERS_AT_ONCE} orders at once, not {}",
                order_ids.len()
            )));
        }
        let placeholders = |first: usize, n: usize| {
            (first..first + n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "{PUSH_SELECT} WHERE p.order_id IN ({}) ORDER BY p.order_id, s.domain",
            placeholders(1, order_ids.len())
        );
        let rows: Vec<PushRow> = with_pool!(self, |c| {
            let mut q = sqlx::query_as(&sql);
            for id in order_ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let push_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let line_sql = format!(
            "SELECT push_id, destination_line_gid, source_variant_gid, sku, title, quantity, unit_price, \
             fulfilled_quantity FROM push_lines WHERE push_id IN ({}) ORDER BY push_id, destination_line_gid",
            placeholders(1, push_ids.len())
        );
        let lines: Vec<PushLineRow> = with_pool!(self, |c| {
            let mut q = sqlx::query_as(&line_sql);
            for id in &push_ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        let mut by_push: std::collections::HashMap<i64, Vec<PushLine>> =
            std::collections::HashMap::new();
        for l in lines {
            by_push.entry(l.push_id).or_default().push(PushLine {
                destination_line_gid: l.destination_line_gid,
                source_variant_gid: l.source_variant_gid,
                sku: l.sku,
                title: l.title,
                quantity: l.quantity,
                unit_price: l.unit_price,
                fulfilled_quantity: l.fulfilled_quantity,
            });
        }
        rows.into_iter()
            .map(|r| {
                let lines = by_push.remove(&r.id).unwrap_or_default();
                r.into_record(lines)
            })
            .collect()
    }

    /// The push with this key, if any.
    pub async fn push_by_key(&self, push_key: &str) -> Result<Option<PushRecord>> {
        let sql = format!("{PUSH_SELECT} WHERE p.push_key = $1");
        let rows: Vec<PushRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(push_key)
            .fetch_all(c)
            .await?);
        Ok(self.with_lines(rows).await?.pop())
    }

    /// The pushes a source store received, newest first (at most `limit`).
    pub async fn pushes_for_source(
        &self,
        source_shop_id: i64,
        limit: u32,
    ) -> Result<Vec<PushRecord>> {
        let sql = format!("{PUSH_SELECT} WHERE p.source_shop_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2");
        let rows: Vec<PushRow> = with_pool!(self, |c| {
            sqlx::query_as(&sql)
                .bind(source_shop_id)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?
        });
        self.with_lines(rows).await
    }

    async fn with_lines(&self, rows: Vec<PushRow>) -> Result<Vec<PushRecord>> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let lines: Vec<PushLine> = with_pool!(self, |c| sqlx::query_as(LINE_SELECT)
                .bind(row.id)
                .fetch_all(c)
                .await?);
            out.push(row.into_record(lines)?);
        }
        Ok(out)
    }
}
