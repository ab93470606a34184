//! Destination orders as ingested from Shopify, with the raw payload kept, and the Orders tab's
//! list query: keyset pagination on (created at, id), filters by list status and eligibility,
//! search by order number, customer name or email. Every filter has an index that starts with
//! the shop, so a page costs the same at a thousand orders and at a million; a search reads the
//! index entries of its matches (not their rows) and then only the page's rows. The count per list
//! status (the Orders tab's "N failed pushes" banner and filter badges) is one GROUP BY answered
//! from the `destination_orders_status_page` index alone.

use std::collections::BTreeMap;

use ordersync_core::{DestinationOrder, Eligibility, IneligibleReason, OrderListStatus};

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// What [`Tx::upsert_order`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// A new order was stored.
    Inserted(i64),
    /// The stored order was replaced by a state at least as new.
    Updated(i64),
    /// The stored order is newer than this one (an out-of-order delivery); nothing changed.
    Stale(i64),
}

impl UpsertOutcome {
    /// The order's database id, whatever happened.
    pub fn id(self) -> i64 {
        match self {
            UpsertOutcome::Inserted(id) | UpsertOutcome::Updated(id) | UpsertOutcome::Stale(id) => {
                id
            }
        }
    }
}

/// One destination order to store, with what the domain decided about it.
#[derive(Debug, Clone, Copy)]
pub struct OrderUpsert<'a> {
    /// The destination store.
    pub shop_id: i64,
    /// The order as parsed.
    pub order: &'a DestinationOrder,
    /// Whether it can be pushed, and why not.
    pub eligibility: &'a Eligibility,
    /// The status the Orders tab files it under.
    pub list_status: OrderListStatus,
    /// The exact bytes Shopify sent (webhook body or API answer).
    pub raw_payload: &'a [u8],
    /// When Shopify says the change happened (a webhook's triggered-at), if known: among
    /// states with the same `updated_at` (Shopify gives it to the second) the later event wins.
    pub event_at: Option<UnixMillis>,
}

/// An order as the Orders tab lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderSummary {
    /// Database id.
    pub id: i64,
    /// The destination store.
    pub shop_id: i64,
    /// The order, as last ingested.
    pub order: DestinationOrder,
    /// Whether it can be pushed.
    pub eligible: bool,
    /// Every rule it fails, empty when eligible.
    pub ineligible_reasons: Vec<IneligibleReason>,
    /// Where the Orders tab files it.
    pub list_status: OrderListStatus,
    /// When ordersync first stored it.
    pub ingested_at: UnixMillis,
}

/// A position in the order list: the last order of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderCursor {
    created_at: i64,
    id: i64,
}

impl OrderCursor {
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
        Ok(OrderCursor {
            created_at: created.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderListQuery {
    /// Only this list status.
    pub status: Option<OrderListStatus>,
    /// Only eligible (true) or ineligible (false) orders.
    pub eligible: Option<bool>,
    /// Matches the start of the order number (with or without `#`), the customer's name or email.
    pub search: Option<String>,
    /// Continue after this order.
    pub after: Option<OrderCursor>,
    /// Page size, 1 to 250 (default 50).
    pub limit: Option<u32>,
}

/// One page of orders, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPage {
    /// The orders.
    pub orders: Vec<OrderSummary>,
    /// Where the next page starts, if there is one.
    pub next: Option<OrderCursor>,
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    shop_id: i64,
    model: String,
    eligible: bool,
    ineligible_reasons: String,
    list_status: String,
    shopify_created_at: i64,
    ingested_at: i64,
}

impl OrderRow {
    fn into_summary(self) -> Result<OrderSummary> {
        Ok(OrderSummary {
            id: self.id,
            shop_id: self.shop_id,
            order: serde_json::from_str(&self.model)
                .map_err(|e| StoreError::corrupt("order", e))?,
            eligible: self.eligible,
            ineligible_reasons: serde_json::from_str(&self.ineligible_reasons)
                .map_err(|e| StoreError::corrupt("ineligible reasons", e))?,
            list_status: OrderListStatus::parse(&self.list_status)
                .map_err(|e| StoreError::corrupt("list status", e))?,
            ingested_at: UnixMillis(self.ingested_at),
        })
    }
}

const ORDER_COLUMNS: &str = "id, shop_id, model, eligible, ineligible_reasons, list_status, shopify_created_at, ingested_at";

/// Lowercased order number without a leading `#`: what a search for `#10` or `10` matches.
fn name_key(name: &str) -> String {
    name.trim().trim_start_matches('#').to_lowercase()
}

/// The smallest string greater than every string starting with `prefix`, for index range scans
/// that behave the same on both backends (byte order: SQLite's BINARY, PostgreSQL's "C").
fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

enum Param {
    Int(i64),
    Text(String),
    Bool(bool),
}

macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                Param::Int(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.clone()),
                Param::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

impl Tx {
    /// Stores a destination order, or replaces the stored one when this state is at least as new
    /// (by Shopify's `updated_at`), so duplicate and out-of-order deliveries converge on the latest.
    pub async fn upsert_order(
        &mut self,
        up: OrderUpsert<'_>,
        now: UnixMillis,
    ) -> Result<UpsertOutcome> {
        let order = up.order;
        let model = serde_json::to_string(order).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let reasons = match up.eligibility {
            Eligibility::Eligible => Vec::new(),
            Eligibility::Ineligible(r) => r.clone(),
        };
        let reasons =
            serde_json::to_string(&reasons).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let updated_at = UnixMillis::from(order.updated_at).0;
        let customer_name = order.customer_name();
        let customer_key = customer_name
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        let email_key = order
            .customer_email()
            .map(|e| e.as_str().to_lowercase())
            .unwrap_or_default();
        let existing: Option<(i64, i64, Option<i64>)> = with_tx!(self, |c| {
            sqlx::query_as("SELECT id, shopify_updated_at, event_at FROM destination_orders WHERE shop_id = $1 AND order_gid = $2")
                .bind(up.shop_id)
                .bind(order.id.as_str())
                .fetch_optional(c)
                .await?
        });
        let values = vec![
            Param::Int(up.shop_id),
            Param::Text(order.id.as_str().to_owned()),
            Param::Text(order.name.as_str().to_owned()),
            Param::Text(name_key(order.name.as_str())),
            Param::Text(customer_name.clone().unwrap_or_default()),
            Param::Text(customer_key),
            Param::Text(email_key),
            Param::Text(order.financial_status.as_str().to_owned()),
            Param::Text(order.fulfillment_status.as_str().to_owned()),
            Param::Bool(order.cancelled),
            Param::Text(order.total.amount().to_string()),
            Param::Text(order.currency.as_str().to_owned()),
            Param::Bool(matches!(up.eligibility, Eligibility::Eligible)),
            Param::Text(reasons),
            Param::Text(up.list_status.as_str().to_owned()),
            Param::Int(UnixMillis::from(order.created_at).0),
            Param::Int(updated_at),
            Param::Text(model),
            Param::Int(now.0),
        ];
        let payload = up.raw_payload.to_vec();
        let event_at = up.event_at.map(|t| t.0);
        let older_event =
            |stored: Option<i64>| matches!((stored, event_at), (Some(s), Some(e)) if s > e);
        match existing {
            Some((id, stored, _)) if stored > updated_at => Ok(UpsertOutcome::Stale(id)),
            Some((id, stored, stored_event))
                if stored == updated_at && older_event(stored_event) =>
            {
                Ok(UpsertOutcome::Stale(id))
            }
            Some((id, _, _)) => {
                let sql = "UPDATE destination_orders SET shop_id = $1, order_gid = $2, name = $3, name_key = $4, \
                    customer_name = $5, customer_key = $6, email_key = $7, financial_status = $8, \
                    fulfillment_status = $9, cancelled = $10, total_amount = $11, currency = $12, eligible = $13, \
                    ineligible_reasons = $14, list_status = $15, shopify_created_at = $16, shopify_updated_at = $17, \
                    model = $18, updated_at = $19, raw_payload = $20, event_at = $22 WHERE id = $21 AND shopify_updated_at <= $17";
                let n = with_tx!(self, |c| {
                    bind_all!(sqlx::query(sql), &values)
                        .bind(payload)
                        .bind(id)
                        .bind(event_at)
                        .execute(c)
                        .await?
                        .rows_affected()
                });
                Ok(if n == 0 {
                    UpsertOutcome::Stale(id)
                } else {
                    UpsertOutcome::Updated(id)
                })
            }
            None => {
                let sql = "INSERT INTO destination_orders (shop_id, order_gid, name, name_key, customer_name, \
                    customer_key, email_key, financial_status, fulfillment_status, cancelled, total_amount, currency, \
                    eligible, ineligible_reasons, list_status, shopify_created_at, shopify_updated_at, model, \
                    updated_at, raw_payload, ingested_at, event_at) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $19, $21) \
                    RETURNING id";
                let (id,): (i64,) = with_tx!(self, |c| {
                    bind_all!(sqlx::query_as(sql), &values)
                        .bind(payload)
                        .bind(event_at)
                        .fetch_one(c)
                        .await?
                });
                Ok(UpsertOutcome::Inserted(id))
            }
        }
    }

    /// Files an order under another list status (after a push changed).
    /// Takes the order's row for the rest of the transaction (so that two transactions filing
    /// the same order run one after the other: a row lock on PostgreSQL, SQLite's single writer
    /// already) and answers whether it is eligible, its list status and its pushes' statuses,
    /// as committed now. `None` when there is no such order.
    pub async fn order_status_inputs(
        &mut self,
        order_id: i64,
    ) -> Result<Option<(bool, OrderListStatus, Vec<ordersync_core::PushStatus>)>> {
        let row: Option<(bool, String)> = with_tx!(self, |c| {
            sqlx::query("UPDATE destination_orders SET list_status = list_status WHERE id = $1")
                .bind(order_id)
                .execute(&mut *c)
                .await?;
            sqlx::query_as("SELECT eligible, list_status FROM destination_orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(&mut *c)
                .await?
        });
        let Some((eligible, list_status)) = row else {
            return Ok(None);
        };
        let list_status = OrderListStatus::parse(&list_status)
            .map_err(|e| StoreError::corrupt("order list status", e))?;
        let statuses: Vec<(String,)> = with_tx!(self, |c| {
            sqlx::query_as("SELECT status FROM pushes WHERE order_id = $1 ORDER BY id")
                .bind(order_id)
                .fetch_all(c)
                .await?
        });
        let pushes = statuses
            .into_iter()
            .map(|(s,)| {
                ordersync_core::PushStatus::parse(&s)
                    .map_err(|e| StoreError::corrupt("push status", e))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((eligible, list_status, pushes)))
    }

    /// Files the order under `status` in the Orders tab.
    pub async fn set_order_list_status(
        &mut self,
        order_id: i64,
        status: OrderListStatus,
        now: UnixMillis,
    ) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query(
                "UPDATE destination_orders SET list_status = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(status.as_str())
            .bind(now.0)
            .bind(order_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}

impl Store {
    /// See [`Tx::upsert_order`].
    pub async fn upsert_order(
        &self,
        up: OrderUpsert<'_>,
        now: UnixMillis,
    ) -> Result<UpsertOutcome> {
        let mut tx = self.begin().await?;
        let outcome = tx.upsert_order(up, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// One order of a shop by database id; another shop's order is not found.
    pub async fn order(&self, shop_id: i64, order_id: i64) -> Result<Option<OrderSummary>> {
        self.order_where("shop_id = $1 AND id = $2", shop_id, Param::Int(order_id))
            .await
    }

    /// One order of a shop by its Shopify id (GID).
    pub async fn order_by_gid(
        &self,
        shop_id: i64,
        order_gid: &str,
    ) -> Result<Option<OrderSummary>> {
        self.order_where(
            "shop_id = $1 AND order_gid = $2",
            shop_id,
            Param::Text(order_gid.to_owned()),
        )
        .await
    }

    async fn order_where(
        &self,
        condition: &str,
        shop_id: i64,
        key: Param,
    ) -> Result<Option<OrderSummary>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM destination_orders WHERE {condition}");
        let params = [Param::Int(shop_id), key];
        let row: Option<OrderRow> = with_pool!(self, |c| bind_all!(sqlx::query_as(&sql), &params)
            .fetch_optional(c)
            .await?);
        row.map(OrderRow::into_summary).transpose()
    }

    /// A shop's orders whose lowercased email is `email_key`, oldest first.
    pub(crate) async fn orders_by_email_key(
        &self,
        shop_id: i64,
        email_key: &str,
    ) -> Result<Vec<OrderSummary>> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM destination_orders WHERE shop_id = $1 AND email_key = $2 ORDER BY id"
        );
        let rows: Vec<OrderRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(shop_id)
            .bind(email_key)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(OrderRow::into_summary).collect()
    }

    /// The exact bytes Shopify last sent for this order.
    pub async fn order_raw_payload(&self, shop_id: i64, order_id: i64) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT raw_payload FROM destination_orders WHERE shop_id = $1 AND id = $2",
            )
            .bind(shop_id)
            .bind(order_id)
            .fetch_optional(c)
            .await?
        });
        Ok(row.map(|(p,)| p))
    }

    /// A page of a shop's orders, newest first.
    pub async fn list_orders(&self, shop_id: i64, query: &OrderListQuery) -> Result<OrderPage> {
        let (sql, params, limit) = list_orders_sql(shop_id, query);
        let rows: Vec<OrderRow> = with_pool!(self, |c| bind_all!(sqlx::query_as(&sql), &params)
            .fetch_all(c)
            .await?);
        let mut cursors: Vec<OrderCursor> = rows
            .iter()
            .map(|r| OrderCursor {
                created_at: r.shopify_created_at,
                id: r.id,
            })
            .collect();
        let mut orders = rows
            .into_iter()
            .map(OrderRow::into_summary)
            .collect::<Result<Vec<_>>>()?;
        let next = if orders.len() as i64 > limit {
            orders.truncate(limit as usize);
            cursors.truncate(limit as usize);
            cursors.pop()
        } else {
            None
        };
        Ok(OrderPage { orders, next })
    }

    /// The backend's query plan for [`Store::list_orders`] with these parameters, so a test can
    /// check which indexes answer it. PostgreSQL: with sequential scans discouraged (as on a
    /// table too big to scan), or with `analyze` the plan it really runs, run, with its timings
    /// and buffers (`EXPLAIN (ANALYZE, BUFFERS)`). SQLite: `EXPLAIN QUERY PLAN` either way.
    #[doc(hidden)]
    pub async fn list_orders_plan(
        &self,
        shop_id: i64,
        query: &OrderListQuery,
        analyze: bool,
    ) -> Result<String> {
        let (sql, params, _) = list_orders_sql(shop_id, query);
        let lines: Vec<String> = match &self.pool {
            crate::db::Pool::Sqlite(p) => {
                let explain = format!("EXPLAIN QUERY PLAN {sql}");
                let rows: Vec<(i64, i64, i64, String)> =
                    bind_all!(sqlx::query_as(&explain), &params)
                        .fetch_all(p)
                        .await?;
                rows.into_iter().map(|r| r.3).collect()
            }
            crate::db::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                let explain = if analyze {
                    format!("EXPLAIN (ANALYZE, BUFFERS) {sql}")
                } else {
                    sqlx::query("SET LOCAL enable_seqscan = off")
                        .execute(&mut *tx)
                        .await?;
                    format!("EXPLAIN {sql}")
                };
                let rows: Vec<(String,)> = bind_all!(sqlx::query_as(&explain), &params)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.rollback().await?;
                rows.into_iter().map(|r| r.0).collect()
            }
        };
        Ok(lines.join("\n"))
    }
}

/// The list query for [`Store::list_orders`]: its SQL, parameters and page size (one more row
/// is fetched, to know whether a next page exists).
///
/// Without a search, one keyset range on `destination_orders_page` or
/// `destination_orders_status_page`, which are in list order: the scan stops after the page.
/// A search is a prefix of up to three keys (order number, customer name, email); a prefix
/// range is not in date order (it spans many keys), so each key gets its own subquery that
/// reads its range from the key's `(shop_id, key, shopify_created_at, id)` index alone and keeps
/// the page's worth of newest (date, id) pairs; the union of those (an order can match on two
/// keys) gives the page's ids, and only the page's rows are read from the table. The page is
/// the same as one `OR` query's: an order among the page's newest matches is among the newest
/// matches of every key it matches.
fn list_orders_sql(shop_id: i64, query: &OrderListQuery) -> (String, Vec<Param>, i64) {
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 250));
    let mut params = vec![Param::Int(shop_id)];
    let mut conditions = vec!["shop_id = $1".to_owned()];
    let mut add = |sql: &str, values: Vec<Param>| {
        let mut sql = sql.to_owned();
        for (i, v) in values.into_iter().enumerate() {
            params.push(v);
            sql = sql.replace(&format!("?{}", i + 1), &format!("${}", params.len()));
        }
        conditions.push(sql);
    };
    if let Some(status) = query.status {
        add(
            "list_status = ?1",
            vec![Param::Text(status.as_str().to_owned())],
        );
    }
    if let Some(eligible) = query.eligible {
        add("eligible = ?1", vec![Param::Bool(eligible)]);
    }
    if let Some(after) = query.after {
        add(
            "(shopify_created_at < ?1 OR (shopify_created_at = ?1 AND id < ?2))",
            vec![Param::Int(after.created_at), Param::Int(after.id)],
        );
    }
    let search = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|search| {
            let lowered = search.to_lowercase();
            match lowered.strip_prefix('#') {
                Some(number) => (number.trim().to_owned(), &["name_key"][..]),
                None => (lowered, &["name_key", "customer_key", "email_key"][..]),
            }
        });
    let order = "ORDER BY shopify_created_at DESC, id DESC";
    let fetch = limit + 1;
    let Some((prefix, keys)) = search else {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM destination_orders WHERE {} {order} LIMIT {fetch}",
            conditions.join(" AND ")
        );
        return (sql, params, limit);
    };
    let upper = prefix_upper_bound(&prefix);
    params.push(Param::Text(prefix));
    params.push(Param::Text(upper));
    let (lo, hi) = (params.len() - 1, params.len());
    let common = conditions.join(" AND ");
    // In each key's subquery the sort keys are written `+column`: an expression, not the
    // column, so no index can provide the order and the planner picks the index by the WHERE
    // alone, the key's range (SQLite without statistics would rather walk the shop's
    // `destination_orders_page` in date order and read every row until a page of matches).
    let branches: Vec<String> = keys
        .iter()
        .map(|key| {
            format!(
                "SELECT id, shopify_created_at FROM (SELECT id, shopify_created_at \
                 FROM destination_orders WHERE {common} AND {key} >= ${lo} AND {key} < ${hi} \
                 ORDER BY +shopify_created_at DESC, +id DESC LIMIT {fetch}) AS by_{key}"
            )
        })
        .collect();
    // The ids come from the shop's subqueries only; no `shop_id` here, so that the rows are
    // read by id.
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM destination_orders WHERE id IN \
         (SELECT id FROM ({}) AS matches {order} LIMIT {fetch}) {order}",
        branches.join(" UNION ")
    );
    (sql, params, limit)
}

/// The count per list status: an index-only GROUP BY on `destination_orders_status_page`
/// (`shop_id, list_status, ...`), never a scan of the orders themselves.
const ORDER_COUNTS_SQL: &str = "SELECT list_status, COUNT(*) AS n FROM destination_orders \
     WHERE shop_id = $1 GROUP BY list_status";

impl Store {
    /// How many of a shop's orders the Orders tab files under each list status; every status is
    /// present (0 when none).
    pub async fn order_counts(&self, shop_id: i64) -> Result<BTreeMap<OrderListStatus, i64>> {
        let rows: Vec<(String, i64)> = with_pool!(self, |c| sqlx::query_as(ORDER_COUNTS_SQL)
            .bind(shop_id)
            .fetch_all(c)
            .await?);
        let mut counts: BTreeMap<OrderListStatus, i64> =
            OrderListStatus::ALL.into_iter().map(|s| (s, 0)).collect();
        for (status, n) in rows {
            let status = OrderListStatus::parse(&status)
                .map_err(|e| StoreError::corrupt("list status", e))?;
            counts.insert(status, n);
        }
        Ok(counts)
    }

    /// The backend's query plan for [`Store::order_counts`] (PostgreSQL: with sequential scans
    /// discouraged, as on a table too big to scan), so a test can check it stays index-backed.
    #[doc(hidden)]
    pub async fn order_counts_plan(&self, shop_id: i64) -> Result<String> {
        let sql = ORDER_COUNTS_SQL.replace("$1", &shop_id.to_string());
        let lines: Vec<String> = match &self.pool {
            crate::db::Pool::Sqlite(p) => {
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .fetch_all(p)
                        .await?;
                rows.into_iter().map(|r| r.3).collect()
            }
            crate::db::Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SET LOCAL enable_seqscan = off")
                    .execute(&mut *tx)
                    .await?;
                let rows: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {sql}"))
                    .fetch_all(&mut *tx)
                    .await?;
                tx.rollback().await?;
                rows.into_iter().map(|r| r.0).collect()
            }
        };
        Ok(lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_key_drops_hash_and_case() {
        assert_eq!(name_key("#1001"), "1001");
        assert_eq!(name_key(" EU-77 "), "eu-77");
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = OrderCursor {
            created_at: 1_700_000_000_000,
            id: 42,
        };
        assert_eq!(OrderCursor::decode(&c.encode()).ok(), Some(c));
        assert!(OrderCursor::decode("not-a-cursor").is_err());
        assert!(OrderCursor::decode("").is_err());
    }
}
