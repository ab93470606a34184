//! Shopify's mandatory privacy webhooks, on the storage side: the customer data records built
//! for `customers/data_request` (kept for the merchant to download), erasing one customer's
//! personal data (`customers/redact`), erasing a whole shop (`shop/redact`), and stopping a
//! shop's queued jobs when the app is uninstalled.

use std::collections::BTreeMap;

use ordersync_core::DestinationOrder;

use crate::db::{with_pool, with_tx};
use crate::orders::OrderSummary;
use crate::webhooks::REDACTED_BODY;
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// Which customer a compliance request names: the orders Shopify lists and the email.
#[derive(Debug, Clone, Copy)]
pub struct CustomerRef<'a> {
    /// The shop's database id.
    pub shop_id: i64,
    /// Order GIDs (`gid://shopify/Order/N`) Shopify named.
    pub order_gids: &'a [String],
    /// The customer's email, if given: every order with it matches too.
    pub email: Option<&'a str>,
}

/// A data record to keep.
#[derive(Debug, Clone, Copy)]
pub struct NewDataExport<'a> {
    /// The shop.
    pub shop_domain: &'a str,
    /// The customer's email, if known.
    pub customer_email: Option<&'a str>,
    /// Shopify's data request id.
    pub request_id: Option<&'a str>,
    /// The record.
    pub record: &'a serde_json::Value,
}

/// A stored data record.
#[derive(Debug, Clone, PartialEq)]
pub struct DataExport {
    /// Database id.
    pub id: i64,
    /// The shop.
    pub shop_domain: String,
    /// The customer's email.
    pub customer_email: Option<String>,
    /// Shopify's data request id.
    pub request_id: Option<String>,
    /// The record.
    pub record: serde_json::Value,
    /// When it was built.
    pub created_at: UnixMillis,
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: i64,
    shop_domain: String,
    customer_email: Option<String>,
    request_id: Option<String>,
    record: String,
    created_at: i64,
}

impl ExportRow {
    fn into_export(self) -> Result<DataExport> {
        Ok(DataExport {
            id: self.id,
            shop_domain: self.shop_domain,
            customer_email: self.customer_email,
            request_id: self.request_id,
            record: serde_json::from_str(&self.record)
                .map_err(|e| StoreError::corrupt("data export", e))?,
            created_at: UnixMillis(self.created_at),
        })
    }
}

const EXPORT_COLUMNS: &str = "id, shop_domain, customer_email, request_id, record, created_at";

fn email_key(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

impl Tx {
    /// Keeps a data record for the merchant.
    pub async fn save_data_export(
        &mut self,
        export: &NewDataExport<'_>,
        now: UnixMillis,
    ) -> Result<i64> {
        let (id,): (i64,) = with_tx!(self, |c| {
            sqlx::query_as(
                "INSERT INTO data_exports (shop_domain, customer_email, request_id, record, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(export.shop_domain)
            .bind(email_key(export.customer_email))
            .bind(export.request_id)
            .bind(export.record.to_string())
            .bind(now.0)
            .fetch_one(c)
            .await?
        });
        Ok(id)
    }

    /// Erases one customer's personal data from a shop's orders: the customer, contact email
    /// and addresses leave the order model and the search keys, the raw payloads (of the orders
    /// and of the webhooks that carried them) are replaced by a marker, history details are
    /// dropped, and data records built for the customer are deleted. Items and amounts stay.
    /// What ordersync pushed of those orders goes too: the bodies of the source stores' webhooks
    /// about the source orders it created (they carry the shopper's name and address). Pushes
    /// themselves keep no request or response, only lines, amounts and the source order's name.
    /// The orders named are also looked for among the webhooks the shop sent (a source store's
    /// own request names the source orders). Returns how many orders were redacted.
    pub async fn redact_customer(
        &mut self,
        shop_domain: &str,
        customer: &CustomerRef<'_>,
        now: UnixMillis,
    ) -> Result<u64> {
        let mut found: BTreeMap<i64, (String, String)> = BTreeMap::new();
        for gid in customer.order_gids {
            let row: Option<(i64, String, String)> = with_tx!(self, |c| {
                sqlx::query_as(
                    "SELECT id, order_gid, model FROM destination_orders WHERE shop_id = $1 AND order_gid = $2",
                )
                .bind(customer.shop_id)
                .bind(gid)
                .fetch_optional(c)
                .await?
            });
            if let Some((id, gid, model)) = row {
                found.insert(id, (gid, model));
            }
        }
        let email = email_key(customer.email);
        if let Some(email) = &email {
            let rows: Vec<(i64, String, String)> = with_tx!(self, |c| {
                sqlx::query_as(
                    "SELECT id, order_gid, model FROM destination_orders WHERE shop_id = $1 AND email_key = $2",
                )
                .bind(customer.shop_id)
                .bind(email)
                .fetch_all(c)
                .await?
            });
            for (id, gid, model) in rows {
                found.insert(id, (gid, model));
            }
        }
        // Webhook bodies naming the orders asked for, whatever ordersync made of them (a source
        // store's request names the orders ordersync created there).
        for gid in customer.order_gids {
            with_tx!(self, |c| {
                sqlx::query(
                    "UPDATE webhook_receipts SET body = $1, body_encoding = 'identity' WHERE shop_domain = $2 AND resource_gid = $3",
                )
                .bind(REDACTED_BODY)
                .bind(shop_domain)
                .bind(gid)
                .execute(c)
                .await?;
            });
        }
        for (id, (gid, model)) in &found {
            // The source orders pushed from this order: the source stores' webhooks about them.
            let pushed: Vec<(String, String)> = with_tx!(self, |c| {
                sqlx::query_as(
                    "SELECT s.domain, p.source_order_gid FROM pushes p JOIN shops s ON s.id = p.source_shop_id \
                     WHERE p.order_id = $1 AND p.source_order_gid IS NOT NULL",
                )
                .bind(id)
                .fetch_all(c)
                .await?
            });
            for (source_domain, source_gid) in &pushed {
                with_tx!(self, |c| {
                    sqlx::query(
                        "UPDATE webhook_receipts SET body = $1, body_encoding = 'identity' WHERE shop_domain = $2 AND resource_gid = $3",
                    )
                    .bind(REDACTED_BODY)
                    .bind(source_domain)
                    .bind(source_gid)
                    .execute(c)
                    .await?;
                });
            }
            let mut order: DestinationOrder =
                serde_json::from_str(model).map_err(|e| StoreError::corrupt("order", e))?;
            order.redact_personal_data();
            let model =
                serde_json::to_string(&order).map_err(|e| StoreError::Invalid(e.to_string()))?;
            with_tx!(self, |c| {
                sqlx::query(
                    "UPDATE destination_orders SET model = $1, customer_name = NULL, customer_key = '', \
                     email_key = '', raw_payload = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(model)
                .bind(REDACTED_BODY)
                .bind(now.0)
                .bind(id)
                .execute(&mut *c)
                .await?;
                sqlx::query("UPDATE order_events SET data = NULL WHERE order_id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "UPDATE webhook_receipts SET body = $1, body_encoding = 'identity' WHERE shop_domain = $2 AND resource_gid = $3",
                )
                .bind(REDACTED_BODY)
                .bind(shop_domain)
                .bind(gid)
                .execute(&mut *c)
                .await?;
            });
        }
        if let Some(email) = &email {
            with_tx!(self, |c| {
                sqlx::query(
                    "DELETE FROM data_exports WHERE shop_domain = $1 AND customer_email = $2",
                )
                .bind(shop_domain)
                .bind(email)
                .execute(c)
                .await?;
            });
        }
        Ok(found.len() as u64)
    }

    /// Erases everything held about a shop: the shop row and all that hangs off it (its
    /// connections, synced products, settings, orders, pushes, history, jobs), its webhook
    /// receipts (but `keep_receipt`, the one being processed) and its data records.
    pub async fn erase_shop(&mut self, shop_domain: &str, keep_receipt: Option<i64>) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query("DELETE FROM shops WHERE domain = $1")
                .bind(shop_domain)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM webhook_receipts WHERE shop_domain = $1 AND id <> $2")
                .bind(shop_domain)
                .bind(keep_receipt.unwrap_or(-1))
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM data_exports WHERE shop_domain = $1")
                .bind(shop_domain)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Cancels a shop's waiting jobs (queued or dead; a running one finishes or fails on its
    /// own). Returns how many were cancelled.
    pub async fn cancel_shop_jobs(&mut self, shop_id: i64) -> Result<u64> {
        let n = with_tx!(self, |c| {
            sqlx::query("DELETE FROM jobs WHERE shop_id = $1 AND state IN ('queued', 'dead')")
                .bind(shop_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(n)
    }
}

impl Store {
    /// The shop's orders that belong to a customer (by the orders named or by email), oldest first.
    pub async fn customer_orders(&self, customer: &CustomerRef<'_>) -> Result<Vec<OrderSummary>> {
        let mut orders: BTreeMap<i64, OrderSummary> = BTreeMap::new();
        for gid in customer.order_gids {
            if let Some(o) = self.order_by_gid(customer.shop_id, gid).await? {
                orders.insert(o.id, o);
            }
        }
        if let Some(email) = email_key(customer.email) {
            for o in self.orders_by_email_key(customer.shop_id, &email).await? {
                orders.insert(o.id, o);
            }
        }
        Ok(orders.into_values().collect())
    }

    /// Data records, newest first, of one shop or all (at most `limit`).
    pub async fn data_exports(
        &self,
        shop_domain: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DataExport>> {
        let sql = format!(
            "SELECT {EXPORT_COLUMNS} FROM data_exports WHERE ($1 IS NULL OR shop_domain = $1) \
             ORDER BY id DESC LIMIT $2"
        );
        let rows: Vec<ExportRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(shop_domain)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        rows.into_iter().map(ExportRow::into_export).collect()
    }

    /// One data record by id.
    pub async fn data_export(&self, id: i64) -> Result<Option<DataExport>> {
        let sql = format!("SELECT {EXPORT_COLUMNS} FROM data_exports WHERE id = $1");
        let row: Option<ExportRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(c)
            .await?);
        row.map(ExportRow::into_export).transpose()
    }
}
