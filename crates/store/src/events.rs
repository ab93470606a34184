//! The history of each destination order: an append-only log of what happened, when, and by
//! whom or what (the merchant, a webhook, the worker, reconciliation). Rows are never updated.

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The order it concerns.
    pub order_id: i64,
    /// The push it concerns, if any.
    pub push_id: Option<i64>,
    /// Who or what did it: `merchant`, `webhook orders/paid`, `worker`, `reconciliation`, ...
    pub actor: &'a str,
    /// A stable machine name, e.g. `order_received`, `push_created`, `push_failed`.
    pub kind: &'a str,
    /// What a merchant reads in the timeline.
    pub message: &'a str,
    /// Details for operators (ids, costs, raw errors).
    pub data: Option<serde_json::Value>,
}

/// A stored history entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderEvent {
    /// Database id; increases with time.
    pub id: i64,
    /// The order.
    pub order_id: i64,
    /// The push, if any.
    pub push_id: Option<i64>,
    /// When.
    pub at: UnixMillis,
    /// Who or what.
    pub actor: String,
    /// Machine name.
    pub kind: String,
    /// Merchant text.
    pub message: String,
    /// Operator details.
    pub data: Option<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    order_id: i64,
    push_id: Option<i64>,
    at: i64,
    actor: String,
    kind: String,
    message: String,
    data: Option<String>,
}

impl Tx {
    /// Appends one entry to the order's history.
    pub async fn append_event(&mut self, event: &NewEvent<'_>, now: UnixMillis) -> Result<i64> {
        let data = event.data.as_ref().map(|d| d.to_string());
        let (id,): (i64,) = with_tx!(self, |c| {
            sqlx::query_as(
                "INSERT INTO order_events (order_id, push_id, at, actor, kind, message, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(event.order_id)
            .bind(event.push_id)
            .bind(now.0)
            .bind(event.actor)
            .bind(event.kind)
            .bind(event.message)
            .bind(data)
            .fetch_one(c)
            .await?
        });
        Ok(id)
    }
}

impl Store {
    /// The order's whole history, oldest first.
    pub async fn order_history(&self, order_id: i64) -> Result<Vec<OrderEvent>> {
        let rows: Vec<EventRow> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT id, order_id, push_id, at, actor, kind, message, data FROM order_events \
                 WHERE order_id = $1 ORDER BY id",
            )
            .bind(order_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                let data = r
                    .data
                    .map(|d| serde_json::from_str(&d))
                    .transpose()
                    .map_err(|e| StoreError::corrupt("event data", e))?;
                Ok(OrderEvent {
                    id: r.id,
                    order_id: r.order_id,
                    push_id: r.push_id,
                    at: UnixMillis(r.at),
                    actor: r.actor,
                    kind: r.kind,
                    message: r.message,
                    data,
                })
            })
            .collect()
    }
}
