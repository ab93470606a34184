//! Webhook receipts: every signed webhook ordersync accepted, kept with its exact body, and the
//! job that processes it, written in one transaction (the outbox rule), so an answer of 200 to
//! Shopify means the delivery is durable. Receipts are deduplicated on a key (Shopify's event
//! id, else its webhook id): a second delivery of the same event stores nothing. A receipt that
//! could not be processed stays `failed` with its error until an operator retries it.
//!
//! Intake writes in batches ([`Store::record_webhooks`]): many receipts and their jobs in one
//! transaction, each answered as if it had been recorded alone. Bodies are stored compressed
//! ([`encode_body`], zstd) with their encoding beside them, and every reader gets the exact bytes
//! back through [`decode_body`]; rows written before compression (`identity`) read unchanged.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::db::{with_pool, with_tx, TxInner};
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

/// How a receipt's body is stored (the `body_encoding` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// The exact bytes (rows written before compression, small bodies, redaction markers).
    Identity,
    /// The exact bytes compressed with zstd.
    Zstd,
    /// Removed by the raw-payload retention: the receipt is kept, its body reads as empty.
    Dropped,
}

impl BodyEncoding {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyEncoding::Identity => "identity",
            BodyEncoding::Zstd => "zstd",
            BodyEncoding::Dropped => "dropped",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "identity" => Ok(BodyEncoding::Identity),
            "zstd" => Ok(BodyEncoding::Zstd),
            "dropped" => Ok(BodyEncoding::Dropped),
            other => Err(StoreError::corrupt("webhook body encoding", other)),
        }
    }
}

/// zstd level for stored bodies: level 3 (zstd's default) takes Shopify's 15 KB example order
/// to about 2.3 KB in tens of microseconds.
const ZSTD_LEVEL: i32 = 3;

/// Bodies shorter than this are stored as they are: compressing them saves nothing.
const COMPRESS_FROM: usize = 256;

thread_local! {
    /// One compression context per thread, reused (building one per body costs more than
    /// compressing a small body).
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
}

/// A body in its stored form, with its encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBody {
    /// How `bytes` encode the body.
    pub encoding: BodyEncoding,
    /// The stored bytes.
    pub bytes: Vec<u8>,
}

/// Encodes a body for storage: zstd when that makes it smaller, else the bytes as they are.
pub fn encode_body(raw: &[u8]) -> EncodedBody {
    let identity = || EncodedBody {
        encoding: BodyEncoding::Identity,
        bytes: raw.to_vec(),
    };
    if raw.len() < COMPRESS_FROM {
        return identity();
    }
    let compressed = COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = zstd::bulk::Compressor::new(ZSTD_LEVEL).ok();
        }
        slot.as_mut().and_then(|c| c.compress(raw).ok())
    });
    match compressed {
        Some(bytes) if bytes.len() < raw.len() => EncodedBody {
            encoding: BodyEncoding::Zstd,
            bytes,
        },
        _ => identity(),
    }
}

/// The exact body from its stored form: the one function every reader of a stored webhook body
/// goes through.
pub fn decode_body(encoding: BodyEncoding, stored: Vec<u8>) -> Result<Vec<u8>> {
    match encoding {
        BodyEncoding::Identity => Ok(stored),
        BodyEncoding::Zstd => zstd::stream::decode_all(stored.as_slice())
            .map_err(|e| StoreError::corrupt("webhook body (zstd)", e)),
        BodyEncoding::Dropped => Ok(Vec::new()),
    }
}

/// A verified delivery ready for [`Store::record_webhooks`]: owned, its body encoded already
/// (so the compression runs on the caller's thread, not inside the write).
#[derive(Debug, Clone)]
pub struct ReceiptToStore {
    /// See [`NewReceipt::dedupe_key`].
    pub dedupe_key: String,
    /// See [`NewReceipt::topic`].
    pub topic: String,
    /// See [`NewReceipt::shop_domain`].
    pub shop_domain: String,
    /// See [`NewReceipt::webhook_id`].
    pub webhook_id: Option<String>,
    /// See [`NewReceipt::event_id`].
    pub event_id: Option<String>,
    /// See [`NewReceipt::triggered_at`].
    pub triggered_at: Option<UnixMillis>,
    /// See [`NewReceipt::api_version`].
    pub api_version: Option<String>,
    /// The body, encoded.
    pub body: EncodedBody,
}

impl ReceiptToStore {
    /// Copies a delivery and encodes its body.
    pub fn new(r: &NewReceipt<'_>) -> Self {
        ReceiptToStore {
            dedupe_key: r.dedupe_key.to_owned(),
            topic: r.topic.to_owned(),
            shop_domain: r.shop_domain.to_owned(),
            webhook_id: r.webhook_id.map(str::to_owned),
            event_id: r.event_id.map(str::to_owned),
            triggered_at: r.triggered_at,
            api_version: r.api_version.map(str::to_owned),
            body: encode_body(r.body),
        }
    }
}

/// How a batch of deliveries' commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitSync {
    /// On disk before the commit returns: an acknowledged delivery survives a power cut (SQLite
    /// `synchronous = FULL`; PostgreSQL `synchronous_commit` as configured, `on` by default).
    Durable,
    /// In the operating system's cache when the commit returns, on disk shortly after (SQLite
    /// `synchronous = NORMAL`: at the next WAL checkpoint; PostgreSQL `synchronous_commit =
    /// off`: within three `wal_writer_delay`s). A process crash loses nothing; a power cut can
    /// lose the last commits, whole, in commit order.
    Buffered,
}

/// Receipts one `INSERT` carries at most in [`Store::record_webhooks`] (9 parameters each, far
/// under either backend's limit).
const ROWS_PER_INSERT: usize = 128;

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
    /// The exact body (replaced by a marker once redacted; empty once dropped by the retention).
    pub body: Vec<u8>,
    /// How the body is stored.
    pub body_encoding: BodyEncoding,
    /// The body's size as stored (compressed).
    pub stored_body_len: usize,
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
    body_encoding: String,
    status: String,
    error: Option<String>,
    resource_gid: Option<String>,
    received_at: i64,
    processed_at: Option<i64>,
}

impl ReceiptRow {
    fn into_receipt(self) -> Result<WebhookReceipt> {
        let body_encoding = BodyEncoding::parse(&self.body_encoding)?;
        let stored_body_len = self.body.len();
        Ok(WebhookReceipt {
            id: self.id,
            dedupe_key: self.dedupe_key,
            topic: self.topic,
            shop_domain: self.shop_domain,
            webhook_id: self.webhook_id,
            event_id: self.event_id,
            triggered_at: self.triggered_at.map(UnixMillis),
            api_version: self.api_version,
            body: decode_body(body_encoding, self.body)?,
            body_encoding,
            stored_body_len,
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
     api_version, body, body_encoding, status, error, resource_gid, received_at, processed_at";

pub(crate) fn job_key(receipt_id: i64) -> String {
    format!("webhook-receipt:{receipt_id}")
}

pub(crate) fn job_for(receipt_id: i64, now: UnixMillis) -> NewJob {
    let mut job = NewJob::new(
        WEBHOOK_JOB_KIND,
        serde_json::json!({ "receipt_id": receipt_id }),
        now,
    );
    job.dedupe_key = Some(job_key(receipt_id));
    job
}

/// Which deliveries of a batch to insert: the first of each dedupe key (the others are
/// duplicates of it), **in key order**, so that two batches written at once (on PostgreSQL)
/// take the keys' locks in the same order and cannot deadlock on a repeated delivery. Also
/// returns the index of the first delivery of each key.
pub(crate) fn receipts_to_insert(
    receipts: &[ReceiptToStore],
) -> (HashMap<&str, usize>, Vec<usize>) {
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(receipts.len());
    let mut fresh: Vec<usize> = Vec::with_capacity(receipts.len());
    for (i, r) in receipts.iter().enumerate() {
        if !first_of.contains_key(r.dedupe_key.as_str()) {
            first_of.insert(&r.dedupe_key, i);
            fresh.push(i);
        }
    }
    fresh.sort_by(|a, b| receipts[*a].dedupe_key.cmp(&receipts[*b].dedupe_key));
    (first_of, fresh)
}

/// A batch's answers in delivery order: [`Intake::Accepted`] for each delivery `stored` gives a
/// receipt and job id for, [`Intake::Duplicate`] for the others (a key stored before, or
/// earlier in the batch).
pub(crate) fn answers_in_order(
    len: usize,
    stored: impl Fn(usize) -> Option<(i64, i64)>,
) -> Vec<Intake> {
    (0..len)
        .map(|i| match stored(i) {
            Some((receipt_id, job_id)) => Intake::Accepted { receipt_id, job_id },
            None => Intake::Duplicate,
        })
        .collect()
}

/// Appends to `sql` the rows of a multi-row `VALUES`: `rows` groups of `per_row` numbered
/// parameters, numbered from `$first`, each group ending with `suffix` (columns every row takes
/// from the shared parameters `$1`…): `($3, $4, 'received', $1), ($5, $6, 'received', $1)`.
fn push_values(sql: &mut String, rows: usize, per_row: usize, first: usize, suffix: &str) {
    use std::fmt::Write;
    let mut n = first;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for _ in 0..per_row {
            let _ = write!(sql, "${n}, ");
            n += 1;
        }
        sql.push_str(suffix);
        sql.push(')');
    }
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
            sqlx::query(
                "UPDATE webhook_receipts SET body = $1, body_encoding = 'identity' WHERE id = $2",
            )
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
        let mut answers = self.record_webhooks(&[ReceiptToStore::new(r)], now).await?;
        answers
            .pop()
            .ok_or_else(|| StoreError::Invalid("no answer for the webhook".into()))
    }

    /// Keeps many verified deliveries and queues their processing, all in one transaction
    /// (multi-row `INSERT`s), and answers for each, in order, what [`Store::record_webhook`]
    /// would have answered had they been recorded one after the other: a delivery whose dedupe
    /// key was stored before, or comes earlier in `receipts`, is a [`Intake::Duplicate`]. On an
    /// error nothing of the batch is stored.
    pub async fn record_webhooks(
        &self,
        receipts: &[ReceiptToStore],
        now: UnixMillis,
    ) -> Result<Vec<Intake>> {
        self.record_webhooks_with(receipts, CommitSync::Durable, now)
            .await
    }

    /// [`Store::record_webhooks`], committed as `sync` says on PostgreSQL. On SQLite the pool's
    /// connections commit with `synchronous = NORMAL` whatever `sync` is: the intake writes
    /// SQLite through [`crate::sqlite_intake::SqliteIntakeWriter`], which honours it.
    pub async fn record_webhooks_with(
        &self,
        receipts: &[ReceiptToStore],
        sync: CommitSync,
        now: UnixMillis,
    ) -> Result<Vec<Intake>> {
        let (first_of, fresh) = receipts_to_insert(receipts);
        let mut tx = self.begin().await?;
        if sync == CommitSync::Buffered {
            if let TxInner::Postgres(c) = &mut tx.inner {
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut **c)
                    .await?;
            }
        }
        // Receipt id by batch index, for the ones inserted (a key stored before inserts nothing).
        let mut receipt_ids: HashMap<usize, i64> = HashMap::with_capacity(fresh.len());
        for chunk in fresh.chunks(ROWS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO webhook_receipts (dedupe_key, topic, shop_domain, webhook_id, event_id, \
                 triggered_at, api_version, body, body_encoding, status, received_at) VALUES ",
            );
            push_values(&mut sql, chunk.len(), 9, 2, "'received', $1");
            sql.push_str(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key");
            let rows: Vec<(i64, String)> = with_tx!(tx, |c| {
                let mut q = sqlx::query_as(&sql).bind(now.0);
                for &i in chunk {
                    let r = &receipts[i];
                    q = q
                        .bind(&r.dedupe_key)
                        .bind(&r.topic)
                        .bind(&r.shop_domain)
                        .bind(&r.webhook_id)
                        .bind(&r.event_id)
                        .bind(r.triggered_at.map(|t| t.0))
                        .bind(&r.api_version)
                        .bind(&r.body.bytes)
                        .bind(r.body.encoding.as_str());
                }
                q.fetch_all(c).await?
            });
            for (id, key) in rows {
                let i = first_of.get(key.as_str()).copied().ok_or_else(|| {
                    StoreError::Invalid(format!("stored receipt {id} has an unknown key {key}"))
                })?;
                receipt_ids.insert(i, id);
            }
        }
        // Their jobs, in the same transaction.
        let inserted: Vec<(usize, i64)> = fresh
            .iter()
            .filter_map(|i| receipt_ids.get(i).map(|id| (*i, *id)))
            .collect();
        let mut job_ids: HashMap<String, i64> = HashMap::with_capacity(inserted.len());
        for chunk in inserted.chunks(ROWS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO jobs (dedupe_key, payload, run_at, kind, shop_id, state, attempts, \
                 max_attempts, created_at, updated_at) VALUES ",
            );
            push_values(
                &mut sql,
                chunk.len(),
                3,
                4,
                "$2, NULL, 'queued', 0, $3, $1, $1",
            );
            sql.push_str(
                " ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state = 'queued' \
                 DO NOTHING RETURNING id, dedupe_key",
            );
            let jobs: Vec<NewJob> = chunk.iter().map(|(_, id)| job_for(*id, now)).collect();
            let rows: Vec<(i64, String)> = with_tx!(tx, |c| {
                let mut q = sqlx::query_as(&sql)
                    .bind(now.0)
                    .bind(WEBHOOK_JOB_KIND)
                    .bind(i64::from(jobs.first().map_or(1, |j| j.max_attempts.max(1))));
                for job in &jobs {
                    // The layout of each row: the job's dedupe key, payload and run time.
                    q = q
                        .bind(&job.dedupe_key)
                        .bind(job.payload.to_string())
                        .bind(job.run_at.0);
                }
                q.fetch_all(c).await?
            });
            job_ids.extend(rows.into_iter().map(|(id, key)| (key, id)));
        }
        let mut stored: HashMap<usize, (i64, i64)> = HashMap::with_capacity(receipt_ids.len());
        for (&i, &receipt_id) in &receipt_ids {
            let job_id = job_ids.get(&job_key(receipt_id)).copied().ok_or_else(|| {
                StoreError::Invalid(format!("receipt {receipt_id} already queued"))
            })?;
            stored.insert(i, (receipt_id, job_id));
        }
        let answers = answers_in_order(receipts.len(), |i| stored.get(&i).copied());
        tx.commit().await?;
        Ok(answers)
    }

    /// The raw-payload retention: drops the bodies of (at most `limit`) receipts processed
    /// before `processed_before`, oldest first, keeping the receipts themselves (their body then
    /// reads as empty, encoding [`BodyEncoding::Dropped`]). Received and failed receipts keep
    /// their bodies, which they still need. Returns how many bodies were dropped.
    pub async fn drop_processed_webhook_bodies(
        &self,
        processed_before: UnixMillis,
        limit: u32,
    ) -> Result<u64> {
        let n = with_pool!(self, |c| {
            sqlx::query(
                "UPDATE webhook_receipts SET body = $1, body_encoding = 'dropped' WHERE id IN \
                 (SELECT id FROM webhook_receipts WHERE status = 'processed' AND processed_at < $2 \
                 AND body_encoding <> 'dropped' ORDER BY processed_at LIMIT $3)",
            )
            .bind(Vec::<u8>::new())
            .bind(processed_before.0)
            .bind(i64::from(limit))
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n)
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
