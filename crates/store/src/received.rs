//! What a source store received: the orders ordersync created on it for its destination stores,
//! newest first, in keyset pages (`pushes_by_source` index), each with the destination store, the
//! destination order's number and the push's status. Only pushes that created a source order
//! (a `source_order_gid` is recorded) are listed: the others never reached the source store.

use ordersync_core::{PushStatus, ShopDomain};

use crate::db::with_pool;
use crate::{Result, Store, StoreError, UnixMillis};

/// The most rows one page holds.
pub const MAX_PAGE: u32 = 250;

/// One order a source store received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPush {
    /// The push's id.
    pub push_id: i64,
    /// The destination store's domain.
    pub destination_domain: ShopDomain,
    /// The destination store's name.
    pub destination_name: String,
    /// The destination order's number, e.g. `#1001`.
    pub destination_order_name: String,
    /// The order created on the source store (GID).
    pub source_order_gid: String,
    /// Its name on the source store, e.g. `#1042` (`None` while unknown).
    pub source_order_name: Option<String>,
    /// Where the push stands.
    pub status: PushStatus,
    /// Why it failed or was cancelled, in merchant words.
    pub status_reason: Option<String>,
    /// When the destination order was placed.
    pub ordered_at: UnixMillis,
    /// When the push was created.
    pub created_at: UnixMillis,
    /// The push's last change.
    pub updated_at: UnixMillis,
}

/// A position in the received list: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedCursor {
    created_at: i64,
    id: i64,
}

impl ReceivedCursor {
    /// The opaque text form used in URLs.
    pub fn encode(&self) -> String {
        format!("{}-{}", self.created_at, self.id)
    }

    /// Reads the text form back; a damaged cursor is a clear error, not page one.
    pub fn decode(s: &str) -> Result<Self> {
        let bad = || {
            StoreError::Invalid(format!(
                "page cursor `{s}` is not valid; start again from the first page"
            ))
        };
        let (created, id) = s.rsplit_once('-').ok_or_else(bad)?;
        Ok(ReceivedCursor {
            created_at: created.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// One page of received orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPage {
    /// The rows.
    pub rows: Vec<ReceivedPush>,
    /// Where the next page starts, if there is one.
    pub next: Option<ReceivedCursor>,
}

#[derive(sqlx::FromRow)]
struct ReceivedRow {
    id: i64,
    destination_domain: String,
    destination_name: String,
    order_name: String,
    source_order_gid: String,
    source_order_name: Option<String>,
    status: String,
    status_reason: Option<String>,
    shopify_created_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl ReceivedRow {
    fn into_record(self) -> Result<ReceivedPush> {
        Ok(ReceivedPush {
            push_id: self.id,
            destination_domain: ShopDomain::parse(&self.destination_domain)
                .map_err(|e| StoreError::corrupt("received push", e))?,
            destination_name: self.destination_name,
            destination_order_name: self.order_name,
            source_order_gid: self.source_order_gid,
            source_order_name: self.source_order_name,
            status: PushStatus::parse(&self.status)
                .map_err(|e| StoreError::corrupt("push status", e))?,
            status_reason: self.status_reason,
            ordered_at: UnixMillis(self.shopify_created_at),
            created_at: UnixMillis(self.created_at),
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

const RECEIVED_SELECT: &str =
    "SELECT p.id, d.domain AS destination_domain, d.name AS destination_name, \
    o.name AS order_name, p.source_order_gid, p.source_order_name, p.status, p.status_reason, \
    o.shopify_created_at, p.created_at, p.updated_at \
    FROM pushes p JOIN destination_orders o ON o.id = p.order_id JOIN shops d ON d.id = o.shop_id \
    WHERE p.source_shop_id = $1 AND p.source_order_gid IS NOT NULL";

impl Store {
    /// The orders ordersync created on the source store `source_shop_id`, newest first, after
    /// `after`, at most `limit` (1 to [`MAX_PAGE`]).
    pub async fn received_pushes(
        &self,
        source_shop_id: i64,
        after: Option<ReceivedCursor>,
        limit: u32,
    ) -> Result<ReceivedPage> {
        let limit = i64::from(limit.clamp(1, MAX_PAGE));
        let (after_created, after_id) =
            after.map_or((i64::MAX, i64::MAX), |c| (c.created_at, c.id));
        let sql = format!(
            "{RECEIVED_SELECT} AND (p.created_at < $2 OR (p.created_at = $2 AND p.id < $3)) \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $4"
        );
        let rows: Vec<ReceivedRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(source_shop_id)
            .bind(after_created)
            .bind(after_id)
            .bind(limit + 1)
            .fetch_all(c)
            .await?);
        let mut cursors: Vec<ReceivedCursor> = rows
            .iter()
            .map(|r| ReceivedCursor {
                created_at: r.created_at,
                id: r.id,
            })
            .collect();
        let mut rows = rows
            .into_iter()
            .map(ReceivedRow::into_record)
            .collect::<Result<Vec<_>>>()?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            cursors.truncate(limit as usize);
            cursors.pop()
        } else {
            None
        };
        Ok(ReceivedPage { rows, next })
    }
}
