//! Counters of the Admin API client, for dashboards and alerts: how many answers per operation
//! and outcome, how many query-cost points were requested and spent, how often Shopify said
//! `THROTTLED` and how long calls waited for points. Plain atomics, so recording never blocks a
//! call; [`ClientMetrics::render_prometheus`] writes the Prometheus text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::admin::operations::OPERATIONS;

/// The outcome of one attempt (one HTTP exchange, or one failure to have one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Data decoded, no errors.
    Ok,
    /// A mutation refused its input.
    UserErrors,
    /// `THROTTLED`.
    Throttled,
    /// `ACCESS_DENIED`.
    AccessDenied,
    /// Other GraphQL errors, or an answer that did not decode.
    GraphqlError,
    /// A non-200 HTTP status.
    HttpError,
    /// Connect failure, broken connection.
    TransportError,
    /// No answer in time.
    Timeout,
}

impl Outcome {
    /// Every outcome, in label order.
    pub const ALL: [Outcome; 8] = [
        Outcome::Ok,
        Outcome::UserErrors,
        Outcome::Throttled,
        Outcome::AccessDenied,
        Outcome::GraphqlError,
        Outcome::HttpError,
        Outcome::TransportError,
        Outcome::Timeout,
    ];

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::UserErrors => "user_errors",
            Outcome::Throttled => "throttled",
            Outcome::AccessDenied => "access_denied",
            Outcome::GraphqlError => "graphql_error",
            Outcome::HttpError => "http_error",
            Outcome::TransportError => "transport_error",
            Outcome::Timeout => "timeout",
        }
    }

    fn index(self) -> usize {
        Outcome::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

const OUTCOMES: usize = Outcome::ALL.len();

/// The client's counters. Attempts are counted, so a call retried twice counts three times.
#[derive(Debug)]
pub struct ClientMetrics {
    attempts: Vec<[AtomicU64; OUTCOMES]>,
    requested_cost: AtomicU64,
    actual_cost: AtomicU64,
    throttled: AtomicU64,
    throttle_wait_ms: AtomicU64,
}

impl Default for ClientMetrics {
    fn default() -> Self {
        ClientMetrics {
            attempts: OPERATIONS
                .iter()
                .map(|_| std::array::from_fn(|_| AtomicU64::new(0)))
                .collect(),
            requested_cost: AtomicU64::new(0),
            actual_cost: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            throttle_wait_ms: AtomicU64::new(0),
        }
    }
}

fn operation_index(operation: &str) -> Option<usize> {
    OPERATIONS.iter().position(|o| o.name == operation)
}

impl ClientMetrics {
    pub(crate) fn record(&self, operation: &str, outcome: Outcome) {
        if let Some(i) = operation_index(operation) {
            if let Some(row) = self.attempts.get(i) {
                row[outcome.index()].fetch_add(1, Ordering::Relaxed);
            }
        }
        if outcome == Outcome::Throttled {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn record_cost(&self, requested: Option<u64>, actual: Option<u64>) {
        if let Some(r) = requested {
            self.requested_cost.fetch_add(r, Ordering::Relaxed);
        }
        if let Some(a) = actual {
            self.actual_cost.fetch_add(a, Ordering::Relaxed);
        }
    }

    pub(crate) fn record_wait(&self, ms: u64) {
        self.throttle_wait_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Attempts of `operation` (its GraphQL operation name, e.g. `OrderCreate`) that ended with
    /// `outcome`.
    pub fn attempts(&self, operation: &str, outcome: Outcome) -> u64 {
        operation_index(operation)
            .and_then(|i| self.attempts.get(i))
            .map_or(0, |row| row[outcome.index()].load(Ordering::Relaxed))
    }

    /// Query-cost points requested, in total.
    pub fn requested_cost_total(&self) -> u64 {
        self.requested_cost.load(Ordering::Relaxed)
    }

    /// Query-cost points actually spent, in total.
    pub fn actual_cost_total(&self) -> u64 {
        self.actual_cost.load(Ordering::Relaxed)
    }

    /// `THROTTLED` answers received.
    pub fn throttled_total(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Milliseconds spent waiting for the bucket before sending.
    pub fn throttle_wait_ms_total(&self) -> u64 {
        self.throttle_wait_ms.load(Ordering::Relaxed)
    }

    /// The counters in the Prometheus text exposition format.
    pub fn render_prometheus(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP shopify_admin_attempts_total Admin API attempts by operation and outcome.\n",
        );
        out.push_str("# TYPE shopify_admin_attempts_total counter\n");
        for (op, row) in OPERATIONS.iter().zip(&self.attempts) {
            for outcome in Outcome::ALL {
                let n = row[outcome.index()].load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "shopify_admin_attempts_total{{operation=\"{}\",outcome=\"{}\"}} {n}",
                        op.name,
                        outcome.label()
                    );
                }
            }
        }
        for (name, help, value) in [
            (
                "shopify_admin_requested_cost_total",
                "Query-cost points requested.",
                self.requested_cost_total(),
            ),
            (
                "shopify_admin_actual_cost_total",
                "Query-cost points actually spent.",
                self.actual_cost_total(),
            ),
            (
                "shopify_admin_throttled_total",
                "THROTTLED answers received.",
                self.throttled_total(),
            ),
            (
                "shopify_admin_throttle_wait_milliseconds_total",
                "Time spent waiting for the cost bucket before sending.",
                self.throttle_wait_ms_total(),
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_as_prometheus_text() {
        let m = ClientMetrics::default();
        m.record("OrderCreate", Outcome::Ok);
        m.record("OrderCreate", Outcome::Ok);
        m.record("Shop", Outcome::Throttled);
        m.record("NoSuchOperation", Outcome::Ok);
        m.record_cost(Some(12), Some(10));
        assert_eq!(m.attempts("OrderCreate", Outcome::Ok), 2);
        assert_eq!(m.throttled_total(), 1);
        let text = m.render_prometheus();
        assert!(text.contains(
            "shopify_admin_attempts_total{operation=\"OrderCreate\",outcome=\"ok\"} 2\n"
        ));
        assert!(text.contains(
            "shopify_admin_attempts_total{operation=\"Shop\",outcome=\"throttled\"} 1\n"
        ));
        assert!(text.contains("shopify_admin_requested_cost_total 12\n"));
        assert!(text.contains("shopify_admin_actual_cost_total 10\n"));
        assert!(!text.contains("NoSuchOperation"));
    }
}
