//! Counters for `GET /metrics` (Prometheus text format): webhooks received, refused for a bad
//! signature, duplicates and failed, and the worker's jobs processed and failed, kept in memory
//! since the process started; queue and receipt counts are read from storage at scrape time.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use ordersync_store::webhooks::ReceiptCounts;

/// The process's counters; shared by the HTTP handlers and the worker.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Webhooks stored (signature valid, not a duplicate).
    pub webhooks_received: AtomicU64,
    /// Webhooks refused with 401.
    pub webhooks_rejected: AtomicU64,
    /// Webhooks answered 200 and ignored as duplicates.
    pub webhooks_duplicates: AtomicU64,
    /// Signed webhooks that could not be processed.
    pub webhooks_failed: AtomicU64,
    /// Jobs the worker finished.
    pub jobs_processed: AtomicU64,
    /// Job attempts that failed.
    pub jobs_failed: AtomicU64,
}

/// Adds one to a counter.
pub fn inc(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What storage says at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredCounts {
    /// Jobs `(queued, running, dead)`.
    pub jobs: (i64, i64, i64),
    /// Receipts per status.
    pub receipts: ReceiptCounts,
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn render(&self, stored: &StoredCounts) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        metric(
            "ordersync_webhooks_received_total",
            "counter",
            "Webhooks with a valid signature that were stored.",
            &[("", get(&self.webhooks_received))],
        );
        metric(
            "ordersync_webhooks_rejected_total",
            "counter",
            "Webhooks refused with 401 (missing or bad signature, or no secret configured).",
            &[("{reason=\"bad_signature\"}", get(&self.webhooks_rejected))],
        );
        metric(
            "ordersync_webhooks_duplicates_total",
            "counter",
            "Webhooks ignored because their event was received before.",
            &[("", get(&self.webhooks_duplicates))],
        );
        metric(
            "ordersync_webhooks_failed_total",
            "counter",
            "Signed webhooks that could not be processed (kept for a retry).",
            &[("", get(&self.webhooks_failed))],
        );
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let r = stored.receipts;
        metric(
            "ordersync_webhook_receipts",
            "gauge",
            "Stored webhook receipts by status.",
            &[
                ("{status=\"received\"}", n(r.received)),
                ("{status=\"processed\"}", n(r.processed)),
                ("{status=\"failed\"}", n(r.failed)),
            ],
        );
        let (queued, running, dead) = stored.jobs;
        metric(
            "ordersync_jobs",
            "gauge",
            "Jobs in the queue by state.",
            &[
                ("{state=\"queued\"}", n(queued)),
                ("{state=\"running\"}", n(running)),
                ("{state=\"dead\"}", n(dead)),
            ],
        );
        metric(
            "ordersync_worker_jobs_processed_total",
            "counter",
            "Jobs this process's worker finished.",
            &[("", get(&self.jobs_processed))],
        );
        metric(
            "ordersync_worker_jobs_failed_total",
            "counter",
            "Job attempts this process's worker failed (retried or dead).",
            &[("", get(&self.jobs_failed))],
        );
        out
    }
}

/// Everything `/metrics` shows: the counters and what storage holds now (zeros, with a log
/// line, when storage does not answer).
pub async fn scrape(state: &crate::app::AppState) -> String {
    let mut stored = StoredCounts::default();
    match state.store.job_counts().await {
        Ok(jobs) => stored.jobs = jobs,
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count jobs"),
    }
    match state.store.webhook_receipt_counts().await {
        Ok(receipts) => stored.receipts = receipts,
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count webhook receipts"),
    }
    let mut text = state.metrics.render(&stored);
    // Every Admin API call: per operation and outcome, cost, THROTTLED answers, time waited.
    text.push_str(&state.auth.admin().metrics().render_prometheus());
    text
}
