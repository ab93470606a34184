//! Taking in one webhook delivery: verify the signature over the raw body (constant time, current
//! and previous secret) before anything is parsed, then store the receipt and its processing job
//! in one transaction, deduplicated on the event id. Nothing is processed here: Shopify gets its
//! answer as soon as the delivery is committed.
//!
//! **Group commit.** The handler compresses the body, hands the delivery to the
//! [`IntakeWriter`] over a bounded channel and waits for its answer. The writer takes
//! everything waiting (up to [`MAX_BATCH`] deliveries), stores the receipts and their jobs in one
//! transaction on its own connection, then answers each handler: stored, duplicate (same dedupe
//! rules as one at a time), or, when the batch failed, an error for every one of them (nothing
//! of the batch is stored; Shopify retries on the 500). A batch is whatever arrived while the
//! previous one was being committed, so under light load a delivery is written alone, at once.
//!
//! On SQLite the writer is one dedicated thread driving its own connection synchronously
//! ([`SqliteIntakeWriter`]: no async hand-over per statement); a checkpointer task moves the WAL
//! into the database file in the background ([`checkpoint_periodically`]). On PostgreSQL,
//! [`POSTGRES_WRITERS`] async writers take turns, each on its own connection.
//!
//! **Durability** (`webhook_fsync`, docs/webhooks.md): a batch whose deliveries are all of
//! topics reconciliation takes in again by itself ([`reconciled_topic`]: orders and
//! fulfillments) commits [`CommitSync::Buffered`] (no fsync on the request path); any other
//! topic in the batch, or `webhook_fsync = "all"`, makes it [`CommitSync::Durable`].

use std::sync::Arc;
use std::time::Duration;

use ordersync_shopify::webhook::{SignatureError, WebhookSecrets};
use ordersync_store::sqlite_intake::SqliteIntakeWriter;
use ordersync_store::webhooks::{CommitSync, Intake, NewReceipt, ReceiptToStore};
use ordersync_store::{Backend, CheckpointMode, Store, StoreError, UnixMillis};
use tokio::sync::{mpsc, oneshot, Mutex, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::config::WebhookFsync;
use crate::metrics::inc;

/// Deliveries written in one transaction at most.
pub const MAX_BATCH: usize = 256;

/// Writer tasks on PostgreSQL, each with its own connection, writing batches at the same time
/// (a commit waits for its WAL flush; PostgreSQL flushes concurrent commits together). SQLite has
/// one writer.
const POSTGRES_WRITERS: u32 = 4;

/// Deliveries waiting for the writer at most; further handlers wait for room.
const QUEUE: usize = 2 * MAX_BATCH;

/// How often the checkpointer runs a passive checkpoint of SQLite's WAL. With buffered commits
/// this is also how often the WAL reaches the disk (a checkpoint fsyncs it first).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// WAL frames (pages of 4 KiB) from which the checkpointer also truncates the WAL file, once a
/// passive checkpoint has copied everything (so the truncation has nothing left to copy and
/// holds the writer only for a moment): 16,384 pages, 64 MiB.
const TRUNCATE_FROM_FRAMES: i64 = 16_384;

type Answer = Result<Intake, StoreError>;

struct Pending {
    receipt: ReceiptToStore,
    answer: oneshot::Sender<Answer>,
}

/// Whether reconciliation takes in again, by itself, what a webhook of `topic` says, should the
/// webhook be lost after its 200: order webhooks (order reconciliation lists every recently
/// updated order of a destination store, docs/reconciliation.md) and fulfillment webhooks (push
/// reconciliation lists the changed source orders of every source store, docs/fulfillment.md).
pub fn reconciled_topic(topic: &str) -> bool {
    crate::service::process::ORDER_TOPICS.contains(&topic)
        || matches!(topic, "fulfillments/create" | "fulfillments/update")
}

/// How the batch `receipts` must be committed under `fsync`.
pub fn commit_sync(fsync: WebhookFsync, receipts: &[ReceiptToStore]) -> CommitSync {
    let buffered = fsync == WebhookFsync::UnreconciledTopics
        && receipts.iter().all(|r| reconciled_topic(&r.topic));
    if buffered {
        CommitSync::Buffered
    } else {
        CommitSync::Durable
    }
}

/// The handle handlers send deliveries through; cheap to clone. The writer stops when every
/// handle is dropped, after answering what it took.
#[derive(Clone)]
pub struct IntakeWriter {
    queue: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for IntakeWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntakeWriter")
            .field("waiting", &self.waiting())
            .finish()
    }
}

impl IntakeWriter {
    /// Starts the writer on its own connection to `store`'s database (opened on the first
    /// delivery) and, on SQLite, the checkpointer on `store`. `wake` is notified after each
    /// commit that stored something (the worker's queue). Returns the handle and the task, which
    /// ends once every handle is dropped and what was taken is answered.
    pub fn start(store: &Store, wake: Arc<Notify>, fsync: WebhookFsync) -> (Self, JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(QUEUE);
        let store = store.clone();
        let task = tokio::spawn(async move {
            match store.backend() {
                Backend::Sqlite => {
                    let stop = CancellationToken::new();
                    let checkpointer =
                        tokio::spawn(checkpoint_periodically(store.clone(), stop.clone()));
                    let writer = tokio::task::spawn_blocking(move || {
                        write_sqlite_batches(&store, rx, &wake, fsync);
                    });
                    if let Err(e) = writer.await {
                        tracing::error!(error = %e, "the webhook intake writer stopped");
                    }
                    stop.cancel();
                    let _ = checkpointer.await;
                }
                Backend::Postgres => {
                    let writer = store.dedicated_writer(POSTGRES_WRITERS);
                    let rx = Arc::new(Mutex::new(rx));
                    let loops: Vec<_> = (0..POSTGRES_WRITERS)
                        .map(|_| {
                            let (writer, rx, wake) =
                                (writer.clone(), Arc::clone(&rx), Arc::clone(&wake));
                            tokio::spawn(async move {
                                write_batches(&writer, &rx, &wake, fsync).await;
                            })
                        })
                        .collect();
                    for writer_loop in loops {
                        let _ = writer_loop.await;
                    }
                    writer.close().await;
                }
            }
        });
        (IntakeWriter { queue }, task)
    }

    /// Deliveries handed over and not yet taken by the writer.
    pub fn waiting(&self) -> usize {
        QUEUE - self.queue.capacity()
    }

    /// Stores one delivery with whatever else is waiting, and answers for it once committed.
    pub async fn record(&self, receipt: ReceiptToStore) -> Answer {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Pending { receipt, answer })
            .await
            .map_err(|_| StoreError::Invalid("webhook intake is shutting down".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Invalid("webhook intake stopped before answering".into()))?
    }
}

/// Answers every waiter of a batch with its outcome, and wakes the worker if something was
/// queued.
fn answer_batch(
    outcome: Result<Vec<Intake>, StoreError>,
    waiters: Vec<oneshot::Sender<Answer>>,
    wake: &Notify,
) {
    match outcome {
        Ok(answers) => {
            if answers.iter().any(|a| matches!(a, Intake::Accepted { .. })) {
                wake.notify_one();
            }
            for (waiter, answer) in waiters.into_iter().zip(answers) {
                let _ = waiter.send(Ok(answer));
            }
        }
        Err(e) => {
            tracing::error!(deliveries = waiters.len(), error = %e, "a batch of webhooks could not be stored");
            let shared = Arc::new(e);
            for waiter in waiters {
                let _ = waiter.send(Err(StoreError::Shared(Arc::clone(&shared))));
            }
        }
    }
}

/// The SQLite writer's loop, on a thread of its own: blocks for a delivery, takes whatever else
/// is waiting, writes the batch, answers. Its connection opens on the first batch and again
/// after a batch that failed (so a database that could not be opened is retried).
fn write_sqlite_batches(
    store: &Store,
    mut rx: mpsc::Receiver<Pending>,
    wake: &Notify,
    fsync: WebhookFsync,
) {
    let mut conn: Option<SqliteIntakeWriter> = None;
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let (receipts, waiters): (Vec<ReceiptToStore>, Vec<oneshot::Sender<Answer>>) =
            batch.drain(..).map(|p| (p.receipt, p.answer)).unzip();
        let sync = commit_sync(fsync, &receipts);
        let outcome = match conn.take() {
            Some(c) => Ok(c),
            None => store.sqlite_intake_writer().and_then(|c| {
                c.ok_or_else(|| StoreError::Invalid("the store is not SQLite".into()))
            }),
        }
        .and_then(|mut c| {
            let written = c.record(&receipts, sync, UnixMillis::now());
            if written.is_ok() {
                conn = Some(c);
            }
            written
        });
        answer_batch(outcome, waiters, wake);
    }
}

async fn write_batches(
    writer: &Store,
    rx: &Mutex<mpsc::Receiver<Pending>>,
    wake: &Notify,
    fsync: WebhookFsync,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    loop {
        // One writer at a time takes what is waiting; the others write meanwhile.
        let taken = rx.lock().await.recv_many(&mut batch, MAX_BATCH).await;
        if taken == 0 {
            return;
        }
        let (receipts, waiters): (Vec<ReceiptToStore>, Vec<oneshot::Sender<Answer>>) =
            batch.drain(..).map(|p| (p.receipt, p.answer)).unzip();
        let sync = commit_sync(fsync, &receipts);
        let outcome = writer
            .record_webhooks_with(&receipts, sync, UnixMillis::now())
            .await;
        answer_batch(outcome, waiters, wake);
    }
}

/// On SQLite, every [`CHECKPOINT_EVERY`] a passive checkpoint of the WAL (never waits for the
/// writer, so commits never pay for it); when the WAL has grown past [`TRUNCATE_FROM_FRAMES`] and
/// the passive one copied all of it, a truncating one that gives the file's space back. Returns
/// at once on PostgreSQL. A last passive checkpoint runs when `stop` is cancelled.
pub async fn checkpoint_periodically(store: Store, stop: CancellationToken) {
    if store.backend() != Backend::Sqlite {
        return;
    }
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        match store.checkpoint(CheckpointMode::Passive).await {
            Ok(Some(done))
                if done.wal_frames >= TRUNCATE_FROM_FRAMES
                    && done.checkpointed_frames == done.wal_frames =>
            {
                if let Err(e) = store.checkpoint(CheckpointMode::Truncate).await {
                    tracing::warn!(error = %e, "WAL truncation failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
    if let Err(e) = store.checkpoint(CheckpointMode::Passive).await {
        tracing::warn!(error = %e, "WAL checkpoint failed");
    }
}

/// The parts of a delivery ordersync uses, as received.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// `X-Shopify-Hmac-Sha256`.
    pub hmac: Option<&'a str>,
    /// `X-Shopify-Topic`.
    pub topic: Option<&'a str>,
    /// `X-Shopify-Shop-Domain`.
    pub shop_domain: Option<&'a str>,
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: Option<&'a str>,
    /// `X-Shopify-Event-Id`.
    pub event_id: Option<&'a str>,
    /// `X-Shopify-Triggered-At` (RFC 3339).
    pub triggered_at: Option<&'a str>,
    /// `X-Shopify-API-Version`.
    pub api_version: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
}

/// What became of an authentic delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored and queued.
    Stored {
        /// The receipt.
        receipt_id: i64,
    },
    /// Seen before; ignored.
    Duplicate,
}

/// Why a delivery was not taken.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// No app secret is configured, so no webhook can be authentic.
    #[error("no Shopify app secret is configured")]
    NotConfigured,
    /// The signature is missing or wrong.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Storage failed: Shopify should try again.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The secrets webhooks are checked with, or `None` when no secret is configured.
pub fn secrets(app: &crate::config::ShopifyApp) -> Option<WebhookSecrets> {
    (!app.api_secret.is_empty()).then(|| {
        WebhookSecrets::new(
            app.api_secret.as_bytes().to_vec(),
            app.api_secret_previous
                .as_ref()
                .map(|s| s.as_bytes().to_vec()),
        )
    })
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Verifies and stores one delivery; see the module docs.
pub async fn receive(state: &AppState, d: Delivery<'_>) -> Result<Received, IntakeError> {
    let verified = match &state.webhook_secrets {
        None => Err(IntakeError::NotConfigured),
        Some(secrets) => secrets.verify(d.body, d.hmac).map_err(IntakeError::from),
    };
    if let Err(e) = verified {
        inc(&state.metrics.webhooks_rejected);
        return Err(e);
    }
    let event_id = present(d.event_id);
    let webhook_id = present(d.webhook_id);
    // Shopify always sends both ids; a delivery without either is deduplicated on its signature
    // (the same body signed with the same secret).
    let dedupe_key = match (event_id, webhook_id) {
        (Some(e), _) => format!("event:{e}"),
        (None, Some(w)) => format!("webhook:{w}"),
        (None, None) => format!("body:{}", d.hmac.unwrap_or_default().trim()),
    };
    let triggered_at = present(d.triggered_at)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| UnixMillis::from(t.with_timezone(&chrono::Utc)));
    let topic = present(d.topic).unwrap_or_default().to_lowercase();
    let shop_domain = present(d.shop_domain).unwrap_or_default().to_lowercase();
    let receipt = NewReceipt {
        dedupe_key: &dedupe_key,
        topic: &topic,
        shop_domain: &shop_domain,
        webhook_id,
        event_id,
        triggered_at,
        api_version: present(d.api_version),
        body: d.body,
    };
    // Compressing the body here spreads that work over the runtime's threads; the writer only
    // writes. The writer wakes the worker after the commit.
    match state.intake.record(ReceiptToStore::new(&receipt)).await? {
        Intake::Accepted { receipt_id, job_id } => {
            inc(&state.metrics.webhooks_received);
            tracing::info!(shop = %shop_domain, topic = %topic, receipt_id, job_id, "webhook stored");
            Ok(Received::Stored { receipt_id })
        }
        Intake::Duplicate => {
            inc(&state.metrics.webhooks_duplicates);
            tracing::info!(shop = %shop_domain, topic = %topic, key = %dedupe_key, "duplicate webhook ignored");
            Ok(Received::Duplicate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(topic: &str) -> ReceiptToStore {
        ReceiptToStore::new(&NewReceipt {
            dedupe_key: topic,
            topic,
            shop_domain: "retail.myshopify.com",
            webhook_id: None,
            event_id: None,
            triggered_at: None,
            api_version: None,
            body: b"{}",
        })
    }

    #[test]
    fn only_batches_of_reconciled_topics_skip_the_fsync() {
        let reconciled: Vec<_> = [
            "orders/create",
            "orders/updated",
            "orders/paid",
            "orders/cancelled",
            "fulfillments/create",
            "fulfillments/update",
        ]
        .into_iter()
        .map(of)
        .collect();
        assert_eq!(
            commit_sync(WebhookFsync::UnreconciledTopics, &reconciled),
            CommitSync::Buffered
        );
        assert_eq!(
            commit_sync(WebhookFsync::All, &reconciled),
            CommitSync::Durable
        );
        for topic in [
            "customers/redact",
            "shop/redact",
            "customers/data_request",
            "app/uninstalled",
            "app_subscriptions/update",
            "products/update",
            "",
        ] {
            let mut batch = reconciled.clone();
            batch.push(of(topic));
            assert_eq!(
                commit_sync(WebhookFsync::UnreconciledTopics, &batch),
                CommitSync::Durable,
                "a batch with {topic:?} is fsynced"
            );
        }
    }
}
