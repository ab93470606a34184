//! Webhook receipts: every signed webhook ordersync accepted, kept with its exact body, and the
//! job that processes it, written in one transaction (the outbox rule), so an answer of 200 to
//! Shopify means the delivery is durable. Receipts are deduplicated on a key (Shopify's event
//! id, else its webhook id): a second delivery of the same event stores nothing. A receipt that
//! could not be processed stays `failed` with its error until an operator retries it.

use crate::db::{with_pool, with_tx};
use crate::jobs::NewJob;
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// The job kind that processes one receipt; its payload is `{"receipt_id": N}`.
pub const WEBHOOK_JOB_KIND: &str = "webhook";

/// Where a receipt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptStatus {
    /// Stored, its processing job queued.
    Received,
    /// Processed.
    Processed,
    /// Could not be processed; see its error.
    Failed,
}

impl ReceiptStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptStatus::Received => "received",
            ReceiptStatus::Processed => "processed",
            ReceiptStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "received" => Ok(ReceiptStatus::Received),
            "processed" => Ok(ReceiptStatus::Processed),
            "failed" => Ok(ReceiptStatus::Failed),
            other => Err(StoreError::corrupt("webhook receipt status", other)),
        }
    }
}

/// A verified delivery to keep.
#[derive(Debug, Clone, Copy)]
pub struct NewReceipt<'a> {
    /// What makes two deliveries the same event (`X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`).
    pub dedupe_key: &'a str,
    /// `X-Shopify-Topic`, e.g. `orders/paid` (empty when absent).
    pub topic: &'a str,
    /// `X-Shopify-Shop-Domain` (empty when absent).
    pub shop_domain: &'a str,
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: Option<&'a str>,
    /// `X-Shopify-Event-Id`.
    pub event_id: Option<&'a str>,
    /// `X-Shopify-Triggered-At`.
    pub triggered_at: Option<UnixMillis>,
    /// `X-Shopify-API-Version`.
    pub api_version: Option<&'a str>,
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// A stored receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookReceipt {
    /// Database id.
    pub id: i64,
    /// The dedupe key.
    pub dedupe_key: String,
    /// Topic.
    pub topic: String,
    /// Shop domain as sent.
    pub shop_domain: String,
    /// Webhook id.
    pub webhook_id: Option<String>,
    /// Event id.
    pub event_id: Option<String>,
    /// When Shopify says the event happened.
    pub triggered_at: Option<UnixMillis>,
    /// API version of the body.
    pub api_version: Option<String>,
    /// The exact body (replaced by a marker once redacted).
    pub body: Vec<u8>,
    /// Where it stands.
    pub status: ReceiptStatus,
    /// Why processing failed.
    pub error: Option<String>,
    /// The resource it concerned once processed (an order GID), for redaction.
    pub resource_gid: Option<String>,
    /// When it arrived.
    pub received_at: UnixMillis,
    /// When it was processed or failed.
    pub processed_at: Option<UnixMillis>,
}

/// What [`Store::record_webhook`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// Stored, with its processing job.
    Accepted {
        /// The receipt.
        receipt_id: i64,
        /// The job.
        job_id: i64,
    },
    /// The same event was received before; nothing stored.
    Duplicate,
}

/// How many receipts are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiptCounts {
    /// Waiting for processing.
    pub received: i64,
    /// Done.
    pub processed: i64,
    /// Failed.
    pub failed: i64,
}

/// What replaces a body or payload that held personal data.
pub const REDACTED_BODY: &[u8] = br#"{"redacted":true}"#;

#[derive(sqlx::FromRow)]
struct ReceiptRow {
    id: i64,
    dedupe_key: String,
    topic: String,
    shop_domain: String,
    webhook_id: Option<String>,
    event_id: Option<String>,
    triggered_at: Option<i64>,
    api_version: Option<String>,
    body: Vec<u8>,
    status: String,
    error: Option<String>,
    resource_gid: Option<String>,
    received_at: i64,
    processed_at: Option<i64>,
}

impl ReceiptRow {
    fn into_receipt(self) -> Result<WebhookReceipt> {
        Ok(WebhookReceipt {
            id: self.id,
            dedupe_key: self.dedupe_key,
            topic: self.topic,
            shop_domain: self.shop_domain,
            webhook_id: self.webhook_id,
            event_id: self.event_id,
            triggered_at: self.triggered_at.map(UnixMillis),
            api_version: self.api_version,
            body: self.body,
            status: ReceiptStatus::parse(&self.status)?,
            error: self.error,
            resource_gid: self.resource_gid,
            received_at: UnixMillis(self.received_at),
            processed_at: self.processed_at.map(UnixMillis),
        })
    }
}

const RECEIPT_COLUMNS: &str =
    "id, dedupe_key, topic, shop_domain, webhook_id, event_id, triggered_at, \
     api_version, body, status, error, resource_gid, received_at, processed_at";

fn job_for(receipt_id: i64, now: UnixMillis) -> NewJob {
    let mut job = NewJob::new(
        WEBHOOK_JOB_KIND,
        serde_json::json!({ "receipt_id": receipt_id }),
        now,
    );
    job.dedupe_key = Some(format!("webhook-receipt:{receipt_id}"));
    job
}

impl Tx {
    /// Marks a receipt processed, naming the resource it concerned (for later redaction).
    pub async fn mark_webhook_processed(
        &mut self,
        receipt_id: i64,
        resource_gid: Option<&str>,
        now: UnixMillis,
    ) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query(
                "UPDATE webhook_receipts SET status = 'processed', error = NULL, resource_gid = $1, \
                 processed_at = $2 WHERE id = $3",
            )
            .bind(resource_gid)
            .bind(now.0)
            .bind(receipt_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Marks a receipt failed with the reason, keeping its body for a retry.
    pub async fn fail_webhook_receipt(
        &mut self,
        receipt_id: i64,
        error: &str,
        now: UnixMillis,
    ) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query(
                "UPDATE webhook_receipts SET status = 'failed', error = $1, processed_at = $2 WHERE id = $3",
            )
            .bind(error)
            .bind(now.0)
            .bind(receipt_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Replaces the body of a receipt (after its personal data was erased).
    pub async fn redact_webhook_body(&mut self, receipt_id: i64) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query("UPDATE webhook_receipts SET body = $1 WHERE id = $2")
                .bind(REDACTED_BODY)
                .bind(receipt_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

impl Store {
    /// Keeps a verified delivery and queues its processing, in one transaction; a delivery
    /// whose dedupe key was seen before is a [`Intake::Duplicate`] and stores nothing.
    pub async fn record_webhook(&self, r: &NewReceipt<'_>, now: UnixMillis) -> Result<Intake> {
        let mut tx = self.begin().await?;
        let row: Option<(i64,)> = with_tx!(tx, |c| {
            sqlx::query_as(
                "INSERT INTO webhook_receipts (dedupe_key, topic, shop_domain, webhook_id, event_id, \
                 triggered_at, api_version, body, status, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', $9) \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(r.dedupe_key)
            .bind(r.topic)
            .bind(r.shop_domain)
            .bind(r.webhook_id)
            .bind(r.event_id)
            .bind(r.triggered_at.map(|t| t.0))
            .bind(r.api_version)
            .bind(r.body)
            .bind(now.0)
            .fetch_optional(c)
            .await?
        });
        let Some((receipt_id,)) = row else {
            return Ok(Intake::Duplicate);
        };
        let job_id = tx
            .enqueue(&job_for(receipt_id, now), now)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("receipt {receipt_id} already queued")))?;
        tx.commit().await?;
        Ok(Intake::Accepted { receipt_id, job_id })
    }

    /// One receipt by id.
    pub async fn webhook_receipt(&self, receipt_id: i64) -> Result<Option<WebhookReceipt>> {
        let sql = format!("SELECT {RECEIPT_COLUMNS} FROM webhook_receipts WHERE id = $1");
        let row: Option<ReceiptRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(receipt_id)
            .fetch_optional(c)
            .await?);
        row.map(ReceiptRow::into_receipt).transpose()
    }

    /// Receipts, newest first, optionally only those in one status (at most `limit`).
    pub async fn webhook_receipts(
        &self,
        status: Option<ReceiptStatus>,
        limit: u32,
    ) -> Result<Vec<WebhookReceipt>> {
        let sql = format!(
            "SELECT {RECEIPT_COLUMNS} FROM webhook_receipts WHERE ($1 IS NULL OR status = $1) \
             ORDER BY id DESC LIMIT $2"
        );
        let rows: Vec<ReceiptRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(status.map(ReceiptStatus::as_str))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        rows.into_iter().map(ReceiptRow::into_receipt).collect()
    }

    /// Receipts of a shop (by domain), oldest first.
    pub async fn webhook_receipts_of_shop(&self, shop_domain: &str) -> Result<Vec<WebhookReceipt>> {
        let sql = format!(
            "SELECT {RECEIPT_COLUMNS} FROM webhook_receipts WHERE shop_domain = $1 ORDER BY id"
        );
        let rows: Vec<ReceiptRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(shop_domain)
            .fetch_all(c)
            .await?);
        rows.into_iter().map(ReceiptRow::into_receipt).collect()
    }

    /// How many receipts are in each status.
    pub async fn webhook_receipt_counts(&self) -> Result<ReceiptCounts> {
        let rows: Vec<(String, i64)> = with_pool!(self, |c| {
            sqlx::query_as("SELECT status, COUNT(*) FROM webhook_receipts GROUP BY status")
                .fetch_all(c)
                .await?
        });
        let count = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
        Ok(ReceiptCounts {
            received: count("received"),
            processed: count("processed"),
            failed: count("failed"),
        })
    }

    /// See [`Tx::fail_webhook_receipt`].
    pub async fn fail_webhook_receipt(
        &self,
        receipt_id: i64,
        error: &str,
        now: UnixMillis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.fail_webhook_receipt(receipt_id, error, now).await?;
        tx.commit().await
    }

    /// Queues a failed (or stuck) receipt for processing again: it is `received` again, any dead
    /// job of it is dropped and a fresh job is queued. Returns the job's id.
    pub async fn retry_webhook_receipt(&self, receipt_id: i64, now: UnixMillis) -> Result<i64> {
        let mut tx = self.begin().await?;
        let n = with_tx!(tx, |c| {
            sqlx::query(
                "UPDATE webhook_receipts SET status = 'received', error = NULL, processed_at = NULL \
                 WHERE id = $1 AND status <> 'processed'",
            )
            .bind(receipt_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                what: format!("unprocessed webhook receipt {receipt_id}"),
            });
        }
        let job = job_for(receipt_id, now);
        with_tx!(tx, |c| {
            sqlx::query("DELETE FROM jobs WHERE dedupe_key = $1 AND state = 'dead'")
                .bind(&job.dedupe_key)
                .execute(c)
                .await?;
        });
        let id = match tx.enqueue(&job, now).await? {
            Some(id) => id,
            None => {
                let existing: (i64,) = with_tx!(tx, |c| {
                    sqlx::query_as("SELECT id FROM jobs WHERE dedupe_key = $1 AND state = 'queued'")
                        .bind(&job.dedupe_key)
                        .fetch_one(c)
                        .await?
                });
                existing.0
            }
        };
        tx.commit().await?;
        Ok(id)
    }
}
