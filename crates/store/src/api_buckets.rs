//! The Shopify Admin API cost bucket of each shop, shared by every ordersync process on one
//! database.
//!
//! Shopify meters each (app, shop) with one leaky bucket of query-cost points, whichever process
//! calls. So the estimate of that bucket lives here, one `api_buckets` row per shop, and every
//! process reserves points against it before a call ([`Store::reserve_api_points`]) and reports
//! the answer's throttle status after it ([`Store::settle_api_points`]):
//!
//! - a reservation refills the stored estimate at the reported restore rate since it was last
//!   written, and either takes the call's cost from it or answers how long to wait; the write is a
//!   compare-and-set on the row's `version`, so two processes never both spend the same points;
//! - each reservation is also a row in `api_reservations` until its answer arrives; a report
//!   sets the estimate to what Shopify said minus the points still reserved by calls in flight
//!   (in any process), which may not have been charged yet;
//! - a reservation counts until its `expires_at` only (the caller's longest call plus a margin),
//!   so a process killed in the middle of a call holds no points once that time has passed;
//! - until a shop's first answer its bucket size is unknown: one call at a time (across
//!   processes) probes, the others wait.
//!
//! Points are stored in thousandths (`i64`), so both backends compute the same integers.

use std::time::Duration;

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, UnixMillis};

/// What a reservation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketGrant {
    /// The points are reserved: make the call, then settle this reservation id.
    Granted(i64),
    /// The bucket should not hold the points yet (or another call is probing it): ask again
    /// after this long.
    Wait(Duration),
}

/// A bucket's state as an answer reported it (`extensions.cost.throttleStatus`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportedBucket {
    /// Bucket size.
    pub maximum: f64,
    /// Points available when the answer was made.
    pub available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// A stored estimate, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiBucket {
    /// Bucket size (0 until a first answer).
    pub maximum: f64,
    /// Points restored per second.
    pub restore_rate: f64,
    /// Points available at `estimated_at`, after the reservations made since the last report.
    pub available: f64,
    /// When `available` was computed.
    pub estimated_at: UnixMillis,
}

/// How long a call waits while another one probes an unknown bucket.
pub const PROBE_WAIT: Duration = Duration::from_millis(200);

/// Compare-and-set attempts before answering a short wait instead.
const CAS_ATTEMPTS: u32 = 16;

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct Row {
    maximum: i64,
    restore_rate: i64,
    available: i64,
    estimated_at: i64,
    version: i64,
}

fn milli(points: f64) -> i64 {
    if points.is_finite() {
        (points * 1000.0).round() as i64
    } else {
        0
    }
}

fn points(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    async fn api_bucket_row(&self, shop: &str) -> Result<Option<Row>> {
        let row: Option<Row> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT maximum, restore_rate, available, estimated_at, version FROM api_buckets WHERE shop = $1",
            )
            .bind(shop)
            .fetch_optional(c)
            .await?
        });
        Ok(row)
    }

    async fn create_api_bucket(&self, shop: &str, now: UnixMillis) -> Result<()> {
        with_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO api_buckets (shop, maximum, restore_rate, available, estimated_at, version, updated_at) \
                 VALUES ($1, 0, 0, 0, $2, 0, $2) ON CONFLICT (shop) DO NOTHING",
            )
            .bind(shop)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Thousandths of a point reserved by calls in flight on `shop` whose reservation has not
    /// expired at `now`.
    async fn api_points_in_flight(&self, shop: &str, now: UnixMillis) -> Result<i64> {
        let n: i64 = with_pool!(self, |c| {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(cost), 0) AS BIGINT) FROM api_reservations \
                 WHERE shop = $1 AND expires_at > $2",
            )
            .bind(shop)
            .bind(now.0)
            .fetch_one(c)
            .await?
        });
        Ok(n)
    }

    /// Reserves `cost` points of `shop`'s bucket for a call that ends (answer or timeout) within
    /// `hold`, or answers how long to wait. A cost above the bucket size waits for a full bucket.
    pub async fn reserve_api_points(
        &self,
        shop: &str,
        cost: f64,
        hold: Duration,
        now: UnixMillis,
    ) -> Result<BucketGrant> {
        let shop = shop.to_ascii_lowercase();
        let cost = milli(cost).max(0);
        for _ in 0..CAS_ATTEMPTS {
            let Some(row) = self.api_bucket_row(&shop).await? else {
                self.create_api_bucket(&shop, now).await?;
                continue;
            };
            let at = now.0.max(row.estimated_at);
            let available = if row.maximum <= 0 {
                // No answer seen yet: the bucket size is unknown, one call probes at a time.
                if self.api_points_in_flight(&shop, now).await? > 0 {
                    return Ok(BucketGrant::Wait(PROBE_WAIT));
                }
                row.available
            } else {
                let elapsed = (now.0 - row.estimated_at).max(0);
                let refilled = row
                    .available
                    .saturating_add(elapsed.saturating_mul(row.restore_rate) / 1000)
                    .min(row.maximum);
                let needed = cost.min(row.maximum);
                if refilled < needed {
                    let rate = if row.restore_rate > 0 {
                        row.restore_rate
                    } else {
                        1000
                    };
                    let wait_ms = ((needed - refilled) * 1000 + rate - 1) / rate;
                    return Ok(BucketGrant::Wait(Duration::from_millis(
                        u64::try_from(wait_ms.max(1)).unwrap_or(u64::MAX),
                    )));
                }
                refilled - cost
            };
            let mut tx = self.begin().await?;
            let moved = with_tx!(tx, |c| {
                sqlx::query(
                    "UPDATE api_buckets SET available = $1, estimated_at = $2, version = version + 1, \
                     updated_at = $3 WHERE shop = $4 AND version = $5",
                )
                .bind(available)
                .bind(at)
                .bind(now.0)
                .bind(&shop)
                .bind(row.version)
                .execute(c)
                .await?
                .rows_affected()
            });
            if moved == 0 {
                // Another process spent or reported meanwhile: read its estimate and try again.
                continue;
            }
            let id: i64 = with_tx!(tx, |c| {
                sqlx::query_scalar(
                    "INSERT INTO api_reservations (shop, cost, expires_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(&shop)
                .bind(cost)
                .bind(now.plus_millis(millis(hold)).0)
                .fetch_one(c)
                .await?
            });
            tx.commit().await?;
            return Ok(BucketGrant::Granted(id));
        }
        Ok(BucketGrant::Wait(Duration::from_millis(10)))
    }

    /// Ends reservation `reservation` of `shop` and, when the answer reported the bucket, sets
    /// the estimate to it minus what calls still in flight reserved. Reservations that expired
    /// are removed on the way.
    pub async fn settle_api_points(
        &self,
        shop: &str,
        reservation: i64,
        reported: Option<ReportedBucket>,
        now: UnixMillis,
    ) -> Result<()> {
        let shop = shop.to_ascii_lowercase();
        with_pool!(self, |c| {
            sqlx::query(
                "DELETE FROM api_reservations WHERE id = $1 OR (shop = $2 AND expires_at <= $3)",
            )
            .bind(reservation)
            .bind(&shop)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        let Some(reported) = reported else {
            return Ok(());
        };
        for _ in 0..CAS_ATTEMPTS {
            let Some(row) = self.api_bucket_row(&shop).await? else {
                self.create_api_bucket(&shop, now).await?;
                continue;
            };
            // Read after the version: a reservation made after this read moves the version, so
            // the compare-and-set below fails and the sum is read again.
            let in_flight = self.api_points_in_flight(&shop, now).await?;
            let moved = with_pool!(self, |c| {
                sqlx::query(
                    "UPDATE api_buckets SET maximum = $1, restore_rate = $2, available = $3, estimated_at = $4, \
                     version = version + 1, updated_at = $5 WHERE shop = $6 AND version = $7",
                )
                .bind(milli(reported.maximum).max(0))
                .bind(milli(reported.restore_rate).max(0))
                .bind(milli(reported.available) - in_flight)
                .bind(now.0.max(row.estimated_at))
                .bind(now.0)
                .bind(&shop)
                .bind(row.version)
                .execute(c)
                .await?
                .rows_affected()
            });
            if moved == 1 {
                return Ok(());
            }
        }
        // Always contended: the next report sets it.
        Ok(())
    }

    /// The stored estimate of `shop`'s bucket, if any process called it.
    pub async fn api_bucket(&self, shop: &str) -> Result<Option<ApiBucket>> {
        Ok(self
            .api_bucket_row(&shop.to_ascii_lowercase())
            .await?
            .map(|r| ApiBucket {
                maximum: points(r.maximum),
                restore_rate: points(r.restore_rate),
                available: points(r.available),
                estimated_at: UnixMillis(r.estimated_at),
            }))
    }
}
