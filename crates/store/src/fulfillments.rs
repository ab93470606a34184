//! Shipments brought back from source stores: one row per (push, source fulfillment), holding what
//! the source store says about the shipment now and what was done on the destination order, so
//! that replays (duplicate or reordered webhooks, reconciliation re-reads) change nothing and a
//! tracking change or a cancelled shipment is detected by comparing the two.
//!
//! Creating the destination fulfillment is exactly-once in the spirit of the push: the worker
//! *claims* the row (`pending` → `creating`, with the lines it is about to send and a claim that
//! expires) and commits before calling Shopify; a row found `creating` again means the earlier
//! call may have run, so the caller looks at the destination order's fulfillments before
//! creating another. See `docs/fulfillment.md`.

use serde::{Deserialize, Serialize};

use crate::db::{with_pool, with_tx};
use crate::pushes::PushRecord;
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// What the source store says about a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceShipmentStatus {
    /// Not shipped yet (Shopify's `pending` / `open`).
    Pending,
    /// Shipped (`success`).
    Shipped,
    /// Cancelled, or failed (`cancelled`, `error`, `failure`); final.
    Cancelled,
}

impl SourceShipmentStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Shipped => "shipped",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "shipped" => Ok(Self::Shipped),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(StoreError::corrupt("shipment status", other)),
        }
    }
}

/// Where the destination side of a shipment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentState {
    /// Nothing done on the destination yet.
    Pending,
    /// Intent recorded: `fulfillmentCreate` may have run; look before creating again.
    Creating,
    /// The destination fulfillment exists.
    Created,
    /// The destination store refused it (see `failure`).
    Failed,
    /// Nothing to create (cancelled before it was synced, or nothing left to ship there).
    Nothing,
}

impl ShipmentState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Creating => "creating",
            Self::Created => "created",
            Self::Failed => "failed",
            Self::Nothing => "none",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "creating" => Ok(Self::Creating),
            "created" => Ok(Self::Created),
            "failed" => Ok(Self::Failed),
            "none" => Ok(Self::Nothing),
            other => Err(StoreError::corrupt("shipment state", other)),
        }
    }
}

/// Tracking of a shipment: one carrier, numbers, and their pages in the same order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// Carrier, e.g. `UPS`.
    pub company: Option<String>,
    /// Tracking numbers.
    pub numbers: Vec<String>,
    /// Tracking pages.
    pub urls: Vec<String>,
}

impl Tracking {
    /// No carrier, number or page.
    pub fn is_empty(&self) -> bool {
        self.company.is_none() && self.numbers.is_empty() && self.urls.is_empty()
    }
}

/// Units of one destination order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedLine {
    /// The destination order's line item (GID).
    pub destination_line_gid: String,
    /// Units.
    pub quantity: i64,
}

/// A stored shipment.
#[derive(Debug, Clone, PartialEq)]
pub struct PushFulfillment {
    /// Database id.
    pub id: i64,
    /// The push.
    pub push_id: i64,
    /// The source store's fulfillment (GID).
    pub source_fulfillment_gid: String,
    /// Its name on the source store, e.g. `#1005.1`.
    pub source_name: Option<String>,
    /// What the source store says now.
    pub source_status: SourceShipmentStatus,
    /// The source's tracking now.
    pub tracking: Tracking,
    /// The destination lines it ships (fixed when first seen).
    pub lines: Vec<ShippedLine>,
    /// The destination side.
    pub state: ShipmentState,
    /// Until when a worker's claim to create it holds.
    pub claim_until: Option<UnixMillis>,
    /// The lines the creating worker sent (set with the claim).
    pub sent_lines: Option<Vec<ShippedLine>>,
    /// The destination fulfillment (GID), once created or found.
    pub destination_fulfillment_gid: Option<String>,
    /// The status last applied to the destination fulfillment.
    pub applied_status: Option<SourceShipmentStatus>,
    /// The tracking last applied to it.
    pub applied_tracking: Option<Tracking>,
    /// Why the destination refused it.
    pub failure: Option<String>,
    /// First seen.
    pub created_at: UnixMillis,
    /// Last change.
    pub updated_at: UnixMillis,
}

/// A shipment as the source store reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceShipment<'a> {
    /// The source fulfillment (GID).
    pub source_fulfillment_gid: &'a str,
    /// Its name, e.g. `#1005.1`.
    pub source_name: Option<&'a str>,
    /// Its status.
    pub status: SourceShipmentStatus,
    /// Its tracking.
    pub tracking: &'a Tracking,
    /// The destination lines it ships; stored only when the shipment is first seen.
    pub lines: &'a [ShippedLine],
}

/// What recording a source shipment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// First seen; stored as `pending`.
    New(i64),
    /// Its status or tracking changed.
    Changed(i64),
    /// Nothing new.
    Unchanged(i64),
}

impl Recorded {
    /// The row's id.
    pub fn id(self) -> i64 {
        match self {
            Recorded::New(id) | Recorded::Changed(id) | Recorded::Unchanged(id) => id,
        }
    }
}

/// What a destination-side step records.
#[derive(Debug, Clone, PartialEq)]
pub enum ShipmentOutcome {
    /// The destination fulfillment exists (created or found) with this status and tracking.
    Created {
        /// Its GID.
        destination_fulfillment_gid: String,
        /// The tracking it carries.
        tracking: Tracking,
    },
    /// New tracking applied.
    TrackingApplied(Tracking),
    /// The destination fulfillment was cancelled.
    Cancelled,
    /// The destination store refused it, for this reason.
    Failed(String),
    /// Nothing to create.
    Nothing,
    /// The claim is given up without knowing more (the next worker looks first).
    Released,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    push_id: i64,
    source_fulfillment_gid: String,
    source_name: Option<String>,
    source_status: String,
    tracking: String,
    lines: String,
    state: String,
    claim_until: Option<i64>,
    sent_lines: Option<String>,
    destination_fulfillment_gid: Option<String>,
    applied_status: Option<String>,
    applied_tracking: Option<String>,
    failure: Option<String>,
    created_at: i64,
    updated_at: i64,
}

fn json<T: for<'de> Deserialize<'de>>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::corrupt(what, e))
}

fn text<T: Serialize>(v: &T) -> String {
    // Plain structs of strings and numbers always serialize.
    serde_json::to_string(v).unwrap_or_default()
}

impl Row {
    fn into_record(self) -> Result<PushFulfillment> {
        Ok(PushFulfillment {
            id: self.id,
            push_id: self.push_id,
            source_fulfillment_gid: self.source_fulfillment_gid,
            source_name: self.source_name,
            source_status: SourceShipmentStatus::parse(&self.source_status)?,
            tracking: json("shipment tracking", &self.tracking)?,
            lines: json("shipment lines", &self.lines)?,
            state: ShipmentState::parse(&self.state)?,
            claim_until: self.claim_until.map(UnixMillis),
            sent_lines: self
                .sent_lines
                .map(|s| json("shipment sent lines", &s))
                .transpose()?,
            destination_fulfillment_gid: self.destination_fulfillment_gid,
            applied_status: self
                .applied_status
                .map(|s| SourceShipmentStatus::parse(&s))
                .transpose()?,
            applied_tracking: self
                .applied_tracking
                .map(|s| json("shipment applied tracking", &s))
                .transpose()?,
            failure: self.failure,
            created_at: UnixMillis(self.created_at),
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

const SELECT: &str = "SELECT id, push_id, source_fulfillment_gid, source_name, source_status, tracking, lines, \
    state, claim_until, sent_lines, destination_fulfillment_gid, applied_status, applied_tracking, failure, \
    created_at, updated_at FROM push_fulfillments";

impl Tx {
    /// Records that a recheck queued the push's read-back at `at`.
    pub async fn mark_push_rechecked(&mut self, push_id: i64, at: UnixMillis) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query("UPDATE pushes SET rechecked_at = $1 WHERE id = $2")
                .bind(at.0)
                .bind(push_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// The shipments of a push, oldest first, read inside this transaction.
    pub async fn push_fulfillments(&mut self, push_id: i64) -> Result<Vec<PushFulfillment>> {
        let sql = format!("{SELECT} WHERE push_id = $1 ORDER BY id");
        let rows: Vec<Row> = with_tx!(self, |c| sqlx::query_as(&sql)
            .bind(push_id)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(Row::into_record).collect()
    }

    /// Records what the source store says about a shipment of `push_id`. A cancelled shipment
    /// stays cancelled (Shopify never revives one, so an older read cannot undo it); the lines
    /// are kept from the first sight.
    pub async fn record_source_shipment(
        &mut self,
        push_id: i64,
        shipment: &SourceShipment<'_>,
        now: UnixMillis,
    ) -> Result<Recorded> {
        let sql = format!("{SELECT} WHERE push_id = $1 AND source_fulfillment_gid = $2");
        let existing: Option<Row> = with_tx!(self, |c| sqlx::query_as(&sql)
            .bind(push_id)
            .bind(shipment.source_fulfillment_gid)
            .fetch_optional(c)
            .await?);
        let Some(existing) = existing.map(Row::into_record).transpose()? else {
            let (id,): (i64,) = with_tx!(self, |c| {
                sqlx::query_as(
                    "INSERT INTO push_fulfillments (push_id, source_fulfillment_gid, source_name, source_status, \
                     tracking, lines, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                     RETURNING id",
                )
                .bind(push_id)
                .bind(shipment.source_fulfillment_gid)
                .bind(shipment.source_name)
                .bind(shipment.status.as_str())
                .bind(text(shipment.tracking))
                .bind(text(&shipment.lines))
                .bind(ShipmentState::Pending.as_str())
                .bind(now.0)
                .fetch_one(c)
                .await?
            });
            return Ok(Recorded::New(id));
        };
        let status = if existing.source_status == SourceShipmentStatus::Cancelled {
            SourceShipmentStatus::Cancelled
        } else {
            shipment.status
        };
        if status == existing.source_status && shipment.tracking == &existing.tracking {
            return Ok(Recorded::Unchanged(existing.id));
        }
        with_tx!(self, |c| {
            sqlx::query(
                "UPDATE push_fulfillments SET source_status = $1, tracking = $2, \
                 source_name = COALESCE(source_name, $3), updated_at = $4 WHERE id = $5",
            )
            .bind(status.as_str())
            .bind(text(shipment.tracking))
            .bind(shipment.source_name)
            .bind(now.0)
            .bind(existing.id)
            .execute(c)
            .await?;
        });
        Ok(Recorded::Changed(existing.id))
    }

    /// Claims a shipment for creating its destination fulfillment: legal from `pending`, or from
    /// `creating` once the earlier claim expired. Records the lines about to be sent and holds
    /// the claim until `claim_until`. Answers false when another worker holds it, or it moved on.
    pub async fn claim_shipment(
        &mut self,
        id: i64,
        sent_lines: &[ShippedLine],
        claim_until: UnixMillis,
        now: UnixMillis,
    ) -> Result<bool> {
        let n = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE push_fulfillments SET state = $1, claim_until = $2, sent_lines = $3, updated_at = $4 \
                 WHERE id = $5 AND (state = $6 OR (state = $1 AND (claim_until IS NULL OR claim_until <= $4)))",
            )
            .bind(ShipmentState::Creating.as_str())
            .bind(claim_until.0)
            .bind(text(&sent_lines))
            .bind(now.0)
            .bind(id)
            .bind(ShipmentState::Pending.as_str())
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records what a destination-side step came to.
    pub async fn record_shipment_outcome(
        &mut self,
        id: i64,
        outcome: &ShipmentOutcome,
        now: UnixMillis,
    ) -> Result<()> {
        let n = with_tx!(self, |c| {
            let q = match outcome {
                ShipmentOutcome::Created {
                    destination_fulfillment_gid,
                    tracking,
                } => sqlx::query(
                    "UPDATE push_fulfillments SET state = 'created', claim_until = NULL, \
                     destination_fulfillment_gid = $1, applied_status = 'shipped', applied_tracking = $2, \
                     failure = NULL, updated_at = $3 WHERE id = $4",
                )
                .bind(destination_fulfillment_gid.clone())
                .bind(text(tracking))
                .bind(now.0)
                .bind(id),
                ShipmentOutcome::TrackingApplied(tracking) => sqlx::query(
                    "UPDATE push_fulfillments SET applied_tracking = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(text(tracking))
                .bind(now.0)
                .bind(id),
                ShipmentOutcome::Cancelled => sqlx::query(
                    "UPDATE push_fulfillments SET applied_status = 'cancelled', updated_at = $1 WHERE id = $2",
                )
                .bind(now.0)
                .bind(id),
                ShipmentOutcome::Failed(reason) => sqlx::query(
                    "UPDATE push_fulfillments SET state = 'failed', claim_until = NULL, failure = $1, \
                     updated_at = $2 WHERE id = $3",
                )
                .bind(reason.clone())
                .bind(now.0)
                .bind(id),
                ShipmentOutcome::Nothing => sqlx::query(
                    "UPDATE push_fulfillments SET state = 'none', claim_until = NULL, updated_at = $1 WHERE id = $2",
                )
                .bind(now.0)
                .bind(id),
                ShipmentOutcome::Released => sqlx::query(
                    "UPDATE push_fulfillments SET claim_until = NULL, updated_at = $1 WHERE id = $2",
                )
                .bind(now.0)
                .bind(id),
            };
            q.execute(c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("shipment {id}"),
            });
        }
        Ok(())
    }
}

/// Where push reconciliation stands on a source store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceCursor {
    /// The newest Shopify `updated_at` of its `ordersync` orders listed so far.
    pub at: UnixMillis,
    /// The last run stopped at its page limit: the next goes on from `at` itself.
    pub cut: bool,
}

/// When a push was last looked at by push reconciliation: read back, or queued by a recheck,
/// whichever is later (its last change when neither).
const LAST_LOOK: &str = "CASE WHEN p.rechecked_at IS NOT NULL \
     AND p.rechecked_at > COALESCE(p.checked_at, p.updated_at) \
     THEN p.rechecked_at ELSE COALESCE(p.checked_at, p.updated_at) END";

/// A live push whose source order is among those a source store listed.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceOrderPush {
    /// The push.
    pub push: PushRecord,
    /// Its destination store.
    pub destination_shop_id: i64,
    /// Shopify's `updated_at` of the source order when the push last read it back, if it did.
    pub source_updated_at: Option<UnixMillis>,
    /// When that read was (ordersync's clock).
    pub checked_at: Option<UnixMillis>,
}

impl Store {
    /// The shipments of a push, oldest first.
    pub async fn push_fulfillments(&self, push_id: i64) -> Result<Vec<PushFulfillment>> {
        let sql = format!("{SELECT} WHERE push_id = $1 ORDER BY id");
        let rows: Vec<Row> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(push_id)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(Row::into_record).collect()
    }

    /// The destination fulfillments already tied to a shipment of any push of this destination
    /// order (so a lookup never adopts one twice).
    pub async fn claimed_destination_fulfillments(&self, order_id: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT f.destination_fulfillment_gid FROM push_fulfillments f JOIN pushes p ON p.id = f.push_id \
                 WHERE p.order_id = $1 AND f.destination_fulfillment_gid IS NOT NULL ORDER BY f.id",
            )
            .bind(order_id)
            .fetch_all(c)
            .await?
        });
        Ok(rows.into_iter().map(|(g,)| g).collect())
    }

    /// The destination store of a push's order.
    pub async fn destination_of_push(&self, push_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT o.shop_id FROM pushes p JOIN destination_orders o ON o.id = p.order_id WHERE p.id = $1",
            )
            .bind(push_id)
            .fetch_optional(c)
            .await?
        });
        Ok(row.map(|(id,)| id))
    }

    /// The push that created `source_order_gid` on the source store `source_shop_id`, if any.
    pub async fn push_by_source_order(
        &self,
        source_shop_id: i64,
        source_order_gid: &str,
    ) -> Result<Option<PushRecord>> {
        let ids: Vec<(String,)> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT push_key FROM pushes WHERE source_shop_id = $1 AND source_order_gid = $2 ORDER BY id",
            )
            .bind(source_shop_id)
            .bind(source_order_gid)
            .fetch_all(c)
            .await?
        });
        match ids.into_iter().next() {
            Some((key,)) => self.push_by_key(&key).await,
            None => Ok(None),
        }
    }

    /// The source stores that hold source orders of `destination_shop_id`'s live pushes
    /// (Pushed, Partially fulfilled or Fulfilled), each with when the oldest live push of that
    /// store (from any destination: its cursor serves them all) was made: what push
    /// reconciliation reads, and from when on a source store's first run.
    pub async fn sources_to_reconcile(
        &self,
        destination_shop_id: i64,
    ) -> Result<Vec<(i64, UnixMillis)>> {
        let rows: Vec<(i64, i64)> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT q.source_shop_id, MIN(q.created_at) FROM pushes q \
                 WHERE q.status IN ('pushed', 'partially_fulfilled', 'fulfilled') \
                 AND q.source_order_gid IS NOT NULL AND q.source_shop_id IN ( \
                   SELECT p.source_shop_id FROM pushes p \
                   JOIN destination_orders o ON o.id = p.order_id \
                   WHERE o.shop_id = $1 AND p.status IN ('pushed', 'partially_fulfilled', 'fulfilled') \
                   AND p.source_order_gid IS NOT NULL) \
                 GROUP BY q.source_shop_id ORDER BY q.source_shop_id",
            )
            .bind(destination_shop_id)
            .fetch_all(c)
            .await?
        });
        Ok(rows.into_iter().map(|(s, t)| (s, UnixMillis(t))).collect())
    }

    /// Among `source_order_gids` on the source store `source_shop_id`, those that are the source
    /// order of a live push (Pushed, Partially fulfilled or Fulfilled), in the order of the push
    /// ids.
    pub async fn live_pushes_of_source_orders(
        &self,
        source_shop_id: i64,
        source_order_gids: &[String],
    ) -> Result<Vec<SourceOrderPush>> {
        if source_order_gids.is_empty() {
            return Ok(Vec::new());
        }
        if source_order_gids.len() > 500 {
            return Err(StoreError::Invalid(format!(
                "at most 500 source orders at once, not {}",
                source_order_gids.len()
            )));
        }
        let list: Vec<String> = (0..source_order_gids.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT p.push_key, o.shop_id, p.source_updated_at, p.checked_at FROM pushes p JOIN destination_orders o ON o.id = p.order_id \
             WHERE p.source_shop_id = $1 AND p.source_order_gid IN ({}) \
             AND p.status IN ('pushed', 'partially_fulfilled', 'fulfilled') ORDER BY p.id",
            list.join(", ")
        );
        let rows: Vec<(String, i64, Option<i64>, Option<i64>)> = with_pool!(self, |c| {
            let mut q = sqlx::query_as(&sql).bind(source_shop_id);
            for gid in source_order_gids {
                q = q.bind(gid);
            }
            q.fetch_all(c).await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (key, destination_shop_id, seen, checked) in rows {
            if let Some(push) = self.push_by_key(&key).await? {
                out.push(SourceOrderPush {
                    push,
                    destination_shop_id,
                    source_updated_at: seen.map(UnixMillis),
                    checked_at: checked.map(UnixMillis),
                });
            }
        }
        Ok(out)
    }

    /// Up to `limit` pushes of `destination_shop_id` still open (Pushed or Partially fulfilled,
    /// or Fulfilled since `fulfilled_since`: tracking may still change), on a source store still
    /// installed, whose source order was neither read back nor queued by a recheck since
    /// `checked_before` (the longest ago first): the few a push reconciliation run re-reads
    /// whatever their `updated_at`. Mark them with [`Tx::mark_push_rechecked`].
    pub async fn pushes_to_recheck(
        &self,
        destination_shop_id: i64,
        checked_before: UnixMillis,
        fulfilled_since: UnixMillis,
        limit: u32,
    ) -> Result<Vec<PushRecord>> {
        let sql = format!(
            "SELECT p.push_key FROM pushes p JOIN destination_orders o ON o.id = p.order_id \
                 JOIN shops s ON s.id = p.source_shop_id \
                 WHERE o.shop_id = $1 AND s.installed AND p.source_order_gid IS NOT NULL \
                 AND (p.status IN ('pushed', 'partially_fulfilled') \
                      OR (p.status = 'fulfilled' AND p.updated_at >= $3)) \
                 AND {LAST_LOOK} < $2 \
                 ORDER BY {LAST_LOOK}, p.id LIMIT $4"
        );
        let keys: Vec<(String,)> = with_pool!(self, |c| {
            sqlx::query_as(&sql)
                .bind(destination_shop_id)
                .bind(checked_before.0)
                .bind(fulfilled_since.0)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?
        });
        let mut out = Vec::with_capacity(keys.len());
        for (key,) in keys {
            if let Some(p) = self.push_by_key(&key).await? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Records that the push's source order was read back at `at` (ordersync's clock), when
    /// Shopify's `updated_at` of it was `source_updated_at`.
    pub async fn mark_push_checked(
        &self,
        push_id: i64,
        source_updated_at: Option<UnixMillis>,
        at: UnixMillis,
    ) -> Result<()> {
        with_pool!(self, |c| {
            sqlx::query(
                "UPDATE pushes SET checked_at = $1, \
                 source_updated_at = COALESCE($2, source_updated_at) WHERE id = $3",
            )
            .bind(at.0)
            .bind(source_updated_at.map(|t| t.0))
            .bind(push_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The push reconciliation cursor of a source store, if a run listed it.
    pub async fn source_reconcile_cursor(
        &self,
        source_shop_id: i64,
    ) -> Result<Option<SourceCursor>> {
        let row: Option<(i64, bool)> = with_pool!(self, |c| {
            sqlx::query_as("SELECT cursor_at, cut FROM source_reconcile_cursors WHERE shop_id = $1")
                .bind(source_shop_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(|(t, cut)| SourceCursor {
            at: UnixMillis(t),
            cut,
        }))
    }

    /// Records a listed page of the source store: the cursor moves to `cursor_at` if that is
    /// later than the stored one (never backwards; created when missing), and `cut` says
    /// whether the listing stopped before its last page.
    pub async fn advance_source_reconcile_cursor(
        &self,
        source_shop_id: i64,
        cursor_at: UnixMillis,
        cut: bool,
        now: UnixMillis,
    ) -> Result<()> {
        with_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO source_reconcile_cursors (shop_id, cursor_at, cut, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (shop_id) DO UPDATE SET \
                 cursor_at = CASE WHEN excluded.cursor_at > source_reconcile_cursors.cursor_at \
                   THEN excluded.cursor_at ELSE source_reconcile_cursors.cursor_at END, \
                 cut = excluded.cut, updated_at = excluded.updated_at",
            )
            .bind(source_shop_id)
            .bind(cursor_at.0)
            .bind(cut)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}
