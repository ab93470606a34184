//! The SQLite side of the webhook intake's group commit: a connection of its own, driven
//! synchronously by one dedicated thread (the intake writer), so a batch of deliveries costs no
//! async hand-over per statement or per returned row (sqlx runs every SQLite statement on a
//! worker thread and streams each row back through a channel: at thousands of deliveries a
//! second those wake-ups were most of the intake's CPU). Same tables, same answers as
//! [`Store::record_webhooks`], which stays the path of every other caller and of PostgreSQL.
//!
//! Durability is chosen per batch ([`CommitSync`]): `synchronous = FULL` (the WAL fsynced at
//! commit) or `NORMAL` (the WAL left to the next checkpoint: a process crash loses nothing; a
//! power cut can lose the last commits, never half of one).

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::{params, OpenFlags, TransactionBehavior};

use crate::db::Pool;
use crate::webhooks::{
    answers_in_order, job_for, job_key, receipts_to_insert, CommitSync, Intake, ReceiptToStore,
    WEBHOOK_JOB_KIND,
};
use crate::{Result, Store, StoreError, UnixMillis};

fn pragma(sync: CommitSync) -> &'static str {
    match sync {
        CommitSync::Durable => "PRAGMA synchronous = FULL",
        CommitSync::Buffered => "PRAGMA synchronous = NORMAL",
    }
}

const INSERT_RECEIPT: &str = "INSERT INTO webhook_receipts (dedupe_key, topic, shop_domain, \
     webhook_id, event_id, triggered_at, api_version, body, body_encoding, status, received_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'received', ?10) \
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";

const INSERT_JOB: &str = "INSERT INTO jobs (dedupe_key, payload, run_at, kind, shop_id, state, \
     attempts, max_attempts, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, NULL, 'queued', 0, ?5, ?6, ?6) \
     ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state = 'queued' \
     DO NOTHING RETURNING id";

/// The intake's own SQLite connection. Blocking: use it from a thread of its own (it is `Send`,
/// not `Sync`).
#[derive(Debug)]
pub struct SqliteIntakeWriter {
    conn: rusqlite::Connection,
    sync: Option<CommitSync>,
}

impl Store {
    /// Opens the webhook intake's own connection to this store's SQLite database (`None` on
    /// PostgreSQL). The database must exist and be migrated (it is, once the store is open). The
    /// connection never checkpoints the WAL itself (`wal_autocheckpoint = 0`), so a commit never
    /// pays for one: whoever holds it must run [`Store::checkpoint`] periodically.
    pub fn sqlite_intake_writer(&self) -> Result<Option<SqliteIntakeWriter>> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Ok(None);
        };
        let path = pool.connect_options().get_filename().to_owned();
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| {
            StoreError::Config(format!(
                "cannot open {} for the webhook intake: {e}",
                path.display()
            ))
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // The pool made the database WAL (persistent); checking it costs nothing and a database
        // that is not in WAL mode would make every commit block the readers.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Config(format!(
                "{} is in journal mode {mode}, not WAL",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0;")?;
        conn.set_prepared_statement_cache_capacity(8);
        Ok(Some(SqliteIntakeWriter { conn, sync: None }))
    }
}

impl SqliteIntakeWriter {
    /// Stores `receipts` and their jobs in one transaction, committed with `sync`, and answers
    /// for each, in order, exactly what [`Store::record_webhooks`] answers. On an error nothing
    /// of the batch is stored.
    pub fn record(
        &mut self,
        receipts: &[ReceiptToStore],
        sync: CommitSync,
        now: UnixMillis,
    ) -> Result<Vec<Intake>> {
        if self.sync != Some(sync) {
            self.conn.execute_batch(pragma(sync))?;
            self.sync = Some(sync);
        }
        let (_, fresh) = receipts_to_insert(receipts);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stored: HashMap<usize, (i64, i64)> = HashMap::with_capacity(fresh.len());
        {
            let mut insert_receipt = tx.prepare_cached(INSERT_RECEIPT)?;
            let mut insert_job = tx.prepare_cached(INSERT_JOB)?;
            for i in fresh {
                let r = &receipts[i];
                let receipt_id: Option<i64> = insert_receipt
                    .query(params![
                        r.dedupe_key,
                        r.topic,
                        r.shop_domain,
                        r.webhook_id,
                        r.event_id,
                        r.triggered_at.map(|t| t.0),
                        r.api_version,
                        r.body.bytes,
                        r.body.encoding.as_str(),
                        now.0,
                    ])?
                    .next()?
                    .map(|row| row.get(0))
                    .transpose()?;
                // A key stored before: a duplicate, nothing to queue.
                let Some(receipt_id) = receipt_id else {
                    continue;
                };
                let job = job_for(receipt_id, now);
                let job_id: Option<i64> = insert_job
                    .query(params![
                        job.dedupe_key,
                        job.payload.to_string(),
                        job.run_at.0,
                        WEBHOOK_JOB_KIND,
                        i64::from(job.max_attempts.max(1)),
                        now.0,
                    ])?
                    .next()?
                    .map(|row| row.get(0))
                    .transpose()?;
                let job_id = job_id.ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "receipt {receipt_id} already queued ({})",
                        job_key(receipt_id)
                    ))
                })?;
                stored.insert(i, (receipt_id, job_id));
            }
        }
        let answers = answers_in_order(receipts.len(), |i| stored.get(&i).copied());
        tx.commit()?;
        Ok(answers)
    }
}
