//! Faults on demand: rules set at run time (control API) that make the simulator misbehave the
//! way Shopify and networks do, per shop and per operation, and a record of every fault that
//! fired so a test can count what happened.
//!
//! API faults: added latency, an HTTP status (5xx, 429), a reset connection, a timeout,
//! `THROTTLED`, and **commit then fail** (the mutation takes effect, then the answer is lost or
//! is a 500). Webhook faults: drop, duplicate, delay, reorder.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer after an extra delay.
    Latency {
        /// Milliseconds to add.
        ms: u64,
    },
    /// Answer with this HTTP status (e.g. 500, 502, 503, 429) and run nothing.
    Status {
        /// The status code.
        status: u16,
    },
    /// Drop the connection without an answer; run nothing.
    ConnectionReset,
    /// Hold the request, then drop it (the client's timeout fires first); run nothing.
    Timeout {
        /// How long to hold it.
        ms: u64,
    },
    /// Answer `THROTTLED` whatever the bucket holds; run nothing.
    Throttled,
    /// Run the request (the change happens), then lose the answer.
    CommitThenLose,
    /// Run the request (the change happens), then answer with this HTTP status.
    CommitThenStatus {
        /// The status code.
        status: u16,
    },
    /// Webhooks: do not deliver.
    Drop,
    /// Webhooks: deliver twice (same event id).
    Duplicate,
    /// Webhooks: deliver this much later.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Webhooks: hold this delivery until the next one of the shop went out.
    Reorder,
}

impl FaultKind {
    /// Whether it applies to webhook deliveries (else to API calls).
    pub fn is_webhook_fault(&self) -> bool {
        matches!(
            self,
            FaultKind::Drop | FaultKind::Duplicate | FaultKind::Delay { .. } | FaultKind::Reorder
        )
    }
}

/// A fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Assigned by the simulator.
    #[serde(default)]
    pub id: u64,
    /// Only this shop (any when absent).
    #[serde(default)]
    pub shop: Option<String>,
    /// Only this operation: a root field such as `orderCreate`, or a webhook topic such as
    /// `orders/create` (any when absent).
    #[serde(default)]
    pub operation: Option<String>,
    /// What happens.
    #[serde(flatten)]
    pub fault: FaultKind,
    /// Fire this many times, then retire (forever when absent).
    #[serde(default)]
    pub times: Option<u32>,
    /// Fire with this probability, 0 to 1 (always when absent).
    #[serde(default)]
    pub probability: Option<f64>,
}

/// A fault that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultHit {
    /// The rule.
    pub rule_id: u64,
    /// The shop.
    pub shop: String,
    /// The operation or topic.
    pub operation: String,
    /// What happened.
    pub fault: FaultKind,
    /// When.
    pub at: DateTime<Utc>,
}

/// The rules in force and the faults that fired.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    hits: Mutex<Vec<FaultHit>>,
    next_id: Mutex<u64>,
}

impl Faults {
    /// Adds a rule; returns its id.
    pub fn add(&self, mut rule: FaultRule) -> u64 {
        let mut next = self.next_id.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        rule.id = *next;
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
        *next
    }

    /// Removes one rule (or all with `None`).
    pub fn clear(&self, id: Option<u64>) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        match id {
            Some(id) => rules.retain(|r| r.id != id),
            None => rules.clear(),
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every fault that fired, oldest first.
    pub fn hits(&self) -> Vec<FaultHit> {
        self.hits.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets the record of fired faults.
    pub fn clear_hits(&self) {
        self.hits.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The faults that fire now for this shop and operation (API faults when `webhook` is false),
    /// counted and recorded. A rule with `times` left loses one.
    pub fn fire(&self, shop: &str, operations: &[&str], webhook: bool) -> Vec<FaultKind> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let mut fired = Vec::new();
        for rule in rules.iter_mut() {
            if rule.fault.is_webhook_fault() != webhook {
                continue;
            }
            if rule
                .shop
                .as_deref()
                .is_some_and(|s| !s.eq_ignore_ascii_case(shop))
            {
                continue;
            }
            let operation = match &rule.operation {
                Some(op) if !operations.contains(&op.as_str()) => continue,
                Some(op) => op.clone(),
                None => operations.first().copied().unwrap_or_default().to_owned(),
            };
            if rule.times == Some(0) {
                continue;
            }
            if let Some(p) = rule.probability {
                if rand::random::<f64>() >= p {
                    continue;
                }
            }
            if let Some(times) = rule.times.as_mut() {
                *times -= 1;
            }
            self.hits
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(FaultHit {
                    rule_id: rule.id,
                    shop: shop.to_owned(),
                    operation,
                    fault: rule.fault.clone(),
                    at: Utc::now(),
                });
            fired.push(rule.fault.clone());
        }
        rules.retain(|r| r.times != Some(0));
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        shop: Option<&str>,
        operation: Option<&str>,
        fault: FaultKind,
        times: Option<u32>,
    ) -> FaultRule {
        FaultRule {
            id: 0,
            shop: shop.map(str::to_owned),
            operation: operation.map(str::to_owned),
            fault,
            times,
            probability: None,
        }
    }

    #[test]
    fn rules_match_shop_and_operation_and_retire_after_their_count() {
        let faults = Faults::default();
        faults.add(rule(
            Some("a.myshopify.com"),
            Some("orderCreate"),
            FaultKind::CommitThenLose,
            Some(2),
        ));
        faults.add(rule(None, None, FaultKind::Latency { ms: 5 }, None));
        assert_eq!(
            faults.fire("b.myshopify.com", &["orderCreate"], false),
            vec![FaultKind::Latency { ms: 5 }]
        );
        assert_eq!(
            faults.fire("a.myshopify.com", &["orders"], false),
            vec![FaultKind::Latency { ms: 5 }]
        );
        for _ in 0..2 {
            let fired = faults.fire("a.myshopify.com", &["orderCreate"], false);
            assert!(fired.contains(&FaultKind::CommitThenLose));
        }
        assert!(!faults
            .fire("a.myshopify.com", &["orderCreate"], false)
            .contains(&FaultKind::CommitThenLose));
        assert_eq!(faults.rules().len(), 1, "the counted rule retired");
        assert_eq!(
            faults
                .hits()
                .iter()
                .filter(|h| h.fault == FaultKind::CommitThenLose)
                .count(),
            2
        );
    }

    #[test]
    fn webhook_and_api_faults_do_not_mix() {
        let faults = Faults::default();
        faults.add(rule(None, Some("orders/create"), FaultKind::Drop, None));
        assert!(faults
            .fire("a.myshopify.com", &["orders/create"], false)
            .is_empty());
        assert_eq!(
            faults.fire("a.myshopify.com", &["orders/create"], true),
            vec![FaultKind::Drop]
        );
    }

    #[test]
    fn rules_read_from_json() {
        let rule: FaultRule =
            serde_json::from_str(r#"{"shop":"a.myshopify.com","operation":"orderCreate","kind":"commit_then_status","status":502,"times":1}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rule.fault, FaultKind::CommitThenStatus { status: 502 });
        assert_eq!(rule.times, Some(1));
    }
}
