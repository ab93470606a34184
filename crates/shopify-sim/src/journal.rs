//! What happened, for tests and people: every Admin API call (shop, app, operation, variables,
//! cost, outcome) and every webhook delivery attempt, newest last, readable through the control
//! API. Bounded: the oldest entries go first past the limit.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many entries of each kind are kept.
pub const LIMIT: usize = 200_000;

/// One Admin API call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiCall {
    /// Sequence number.
    pub seq: u64,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// The shop.
    pub shop: String,
    /// The app (API key), when authenticated.
    pub app: Option<String>,
    /// The operation's name, if the document named it.
    pub operation_name: Option<String>,
    /// Root fields, e.g. `["orderCreate"]`.
    pub root_fields: Vec<String>,
    /// Variables as sent.
    pub variables: Value,
    /// Requested cost.
    pub requested_cost: Option<u32>,
    /// Actual cost.
    pub actual_cost: Option<u32>,
    /// `ok`, `user_errors`, `errors`, `throttled`, `invalid`, `unauthorized`, or a fault name.
    pub outcome: String,
    /// HTTP status answered (0 when the connection was dropped).
    pub http_status: u16,
    /// Time to answer.
    pub duration_ms: u64,
}

/// One webhook delivery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookAttempt {
    /// Sequence number.
    pub seq: u64,
    /// When it was sent (its POST started; for a `dropped` one, when it was dropped).
    pub at: DateTime<Utc>,
    /// Time the endpoint took to answer (0 when it was not sent).
    #[serde(default)]
    pub duration_ms: u64,
    /// The shop.
    pub shop: String,
    /// The app.
    pub app: String,
    /// The numeric id of what the event is about (the order of `orders/*`, the fulfillment of
    /// `fulfillments/*`, ...), when it has one.
    #[serde(default)]
    pub resource_id: Option<u64>,
    /// Topic, e.g. `orders/create`.
    pub topic: String,
    /// Endpoint.
    pub uri: String,
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: String,
    /// `X-Shopify-Event-Id`.
    pub event_id: String,
    /// 1 for the first try.
    pub attempt: u32,
    /// HTTP status received (0: no answer).
    pub http_status: u16,
    /// `delivered`, `failed`, `timeout`, `dropped` (fault), `duplicate` (fault).
    pub outcome: String,
}

/// The journal.
#[derive(Debug, Default)]
pub struct Journal {
    calls: Mutex<VecDeque<ApiCall>>,
    attempts: Mutex<VecDeque<WebhookAttempt>>,
    seq: Mutex<u64>,
}

impl Journal {
    fn next_seq(&self) -> u64 {
        let mut seq = self.seq.lock().unwrap_or_else(|e| e.into_inner());
        *seq += 1;
        *seq
    }

    /// Records an API call (its `seq` is assigned here).
    pub fn record_call(&self, mut call: ApiCall) {
        call.seq = self.next_seq();
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.len() >= LIMIT {
            calls.pop_front();
        }
        calls.push_back(call);
    }

    /// Records a webhook attempt (its `seq` is assigned here).
    pub fn record_attempt(&self, mut attempt: WebhookAttempt) {
        attempt.seq = self.next_seq();
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if attempts.len() >= LIMIT {
            attempts.pop_front();
        }
        attempts.push_back(attempt);
    }

    /// API calls, optionally of one shop, after `since` (a sequence number).
    pub fn calls(&self, shop: Option<&str>, since: u64) -> Vec<ApiCall> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls
            .iter()
            .filter(|c| c.seq > since && shop.is_none_or(|s| c.shop.eq_ignore_ascii_case(s)))
            .cloned()
            .collect()
    }

    /// Webhook attempts, optionally of one shop, after `since`.
    pub fn attempts(&self, shop: Option<&str>, since: u64) -> Vec<WebhookAttempt> {
        let attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts
            .iter()
            .filter(|a| a.seq > since && shop.is_none_or(|s| a.shop.eq_ignore_ascii_case(s)))
            .cloned()
            .collect()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.attempts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
