//! For a source store: the orders it received from its destination stores (one per push that
//! created a source order), newest first in keyset pages, with the destination store, the
//! destination order's number, the source order's name and the push's status. Read by
//! `GET /api/received-orders` and the Received orders page.

use chrono::{TimeZone, Utc};
use ordersync_store::received::{ReceivedCursor, ReceivedPush};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page.
pub const MAX_LIMIT: u32 = ordersync_store::received::MAX_PAGE;

/// Why the list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReceivedError {
    /// A query parameter is malformed.
    #[error("`{field}` {problem}")]
    BadInput {
        /// The parameter.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// The list's query parameters as sent (text, not yet parsed).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReceivedParams {
    /// Page size, 1 to [`MAX_LIMIT`].
    pub limit: Option<String>,
    /// The previous page's `next`.
    pub after: Option<String>,
}

impl ReceivedParams {
    fn parse(&self) -> Result<(Option<ReceivedCursor>, u32), ReceivedError> {
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| ReceivedError::BadInput {
                    field: "limit",
                    problem: format!("must be a whole number from 1 to {MAX_LIMIT}, not `{l}`"),
                })?,
        };
        let after = match self.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) => Some(
                ReceivedCursor::decode(a).map_err(|_| ReceivedError::BadInput {
                    field: "after",
                    problem: "is not a cursor this list gave; start again from the first page"
                        .into(),
                })?,
            ),
        };
        Ok((after, limit))
    }
}

/// One received order.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedView {
    /// The destination store's domain.
    pub destination: String,
    /// Its name.
    pub destination_name: String,
    /// The destination order's number, e.g. `#1001`.
    pub destination_order: String,
    /// The order on this store (GID).
    pub source_order_id: String,
    /// Its name on this store, e.g. `#1042` (`null` while unknown).
    pub source_order_name: Option<String>,
    /// The push status (machine form).
    pub status: &'static str,
    /// Its label, e.g. `Partially fulfilled`.
    pub label: &'static str,
    /// Why it failed or was cancelled.
    pub reason: Option<String>,
    /// When the destination order was placed (RFC 3339).
    pub ordered_at: String,
    /// The push's last change (RFC 3339).
    pub updated_at: String,
}

fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl From<&ReceivedPush> for ReceivedView {
    fn from(r: &ReceivedPush) -> Self {
        ReceivedView {
            destination: r.destination_domain.as_str().to_owned(),
            destination_name: r.destination_name.clone(),
            destination_order: r.destination_order_name.clone(),
            source_order_id: r.source_order_gid.clone(),
            source_order_name: r.source_order_name.clone(),
            status: r.status.as_str(),
            label: r.status.label(),
            reason: r.status_reason.clone(),
            ordered_at: rfc3339(r.ordered_at.0),
            updated_at: rfc3339(r.updated_at.0),
        }
    }
}

/// One page of received orders.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedList {
    /// The orders, newest first.
    pub orders: Vec<ReceivedView>,
    /// The `after` of the next page; `null` on the last page.
    pub next: Option<String>,
}

/// The orders `shop` received as a source store (none for a store that never was one).
pub async fn received_orders(
    store: &Store,
    shop: &ShopRecord,
    params: &ReceivedParams,
) -> Result<ReceivedList, ReceivedError> {
    let (after, limit) = params.parse()?;
    let page = store.received_pushes(shop.id, after, limit).await?;
    Ok(ReceivedList {
        orders: page.rows.iter().map(ReceivedView::from).collect(),
        next: page.next.map(|c| c.encode()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn params(limit: Option<&str>, after: Option<&str>) -> ReceivedParams {
        ReceivedParams {
            limit: limit.map(str::to_owned),
            after: after.map(str::to_owned),
        }
    }

    #[test]
    fn parameters_default_and_are_checked() {
        assert_eq!(params(None, None).parse().unwrap(), (None, DEFAULT_LIMIT));
        assert_eq!(
            params(Some(" "), Some("")).parse().unwrap().1,
            DEFAULT_LIMIT
        );
        assert_eq!(params(Some("250"), None).parse().unwrap().1, 250);
        for bad in ["0", "251", "-1", "x"] {
            let e = params(Some(bad), None).parse().unwrap_err();
            assert!(e.to_string().starts_with("`limit`"), "{e}");
        }
        let e = params(None, Some("nope")).parse().unwrap_err();
        assert!(e.to_string().starts_with("`after`"), "{e}");
        let (after, _) = params(None, Some("5-7")).parse().unwrap();
        assert_eq!(after.unwrap().encode(), "5-7");
    }
}
