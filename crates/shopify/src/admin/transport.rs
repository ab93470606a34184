//! One Admin API call from start to end: wait for the shop's bucket, send with the access token
//! and a timeout, classify the answer, update the bucket estimate, log and count, and retry what
//! may be retried. A mutation whose request went out and whose answer was lost (timeout, broken
//! connection, 5xx) is never retried here: it is reported as outcome-unknown.

use std::time::Duration;

use rand::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use super::error::AdminError;
use super::metrics::Outcome;
use super::operations::Operation;
use super::throttle::ThrottleStatus;
use super::types::UserError;
use super::ShopApi;

#[derive(Debug, Deserialize)]
struct Answer {
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Value>,
    extensions: Option<Extensions>,
}

#[derive(Debug, Deserialize)]
struct Extensions {
    cost: Option<Cost>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cost {
    requested_query_cost: Option<f64>,
    actual_query_cost: Option<f64>,
    throttle_status: Option<WireThrottle>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireThrottle {
    maximum_available: f64,
    currently_available: f64,
    restore_rate: f64,
}

#[derive(Serialize)]
struct Request<'a, V> {
    query: &'static str,
    #[serde(rename = "operationName")]
    operation_name: &'static str,
    variables: &'a V,
}

/// What one attempt produced.
enum Attempt<D> {
    Done(D),
    Throttled,
    Failed(AdminError),
}

impl ShopApi {
    /// Runs `operation` with `variables` and decodes `data` into `D`, with throttling and
    /// retries.
    pub(crate) async fn execute<V: Serialize, D: DeserializeOwned>(
        &self,
        operation: &Operation,
        variables: &V,
        user_errors: fn(&D) -> &[UserError],
    ) -> Result<D, AdminError> {
        let inner = &self.client.inner;
        let config = &inner.config;
        let throttle = inner.throttle.shop(&self.shop);
        let mut attempts = 0u32;
        let mut throttled = 0u32;
        loop {
            let cost = inner
                .throttle
                .expected_cost(operation.name, operation.estimated_cost);
            let reservation = throttle.reserve(cost).await;
            inner
                .metrics
                .record_wait(reservation.waited.as_millis() as u64);
            let started = Instant::now();
            let (attempt, status) = self.attempt(operation, variables, user_errors).await;
            throttle.settle(reservation, status.throttle).await;
            if let Some(requested) = status.requested {
                inner.throttle.learn_cost(operation.name, requested);
            }
            attempts += 1;
            let outcome = match &attempt {
                Attempt::Done(_) => Outcome::Ok,
                Attempt::Throttled => Outcome::Throttled,
                Attempt::Failed(e) => outcome_of(e),
            };
            inner.metrics.record(operation.name, outcome);
            inner.metrics.record_cost(
                status.requested.map(|c| c as u64),
                status.actual.map(|c| c as u64),
            );
            tracing::info!(
                shop = %self.shop,
                operation = operation.name,
                attempt = attempts,
                requested_cost = status.requested,
                actual_cost = status.actual,
                available = status.throttle.map(|t| t.currently_available),
                waited_ms = reservation.waited.as_millis() as u64,
                latency_ms = started.elapsed().as_millis() as u64,
                outcome = outcome.label(),
                "shopify admin call"
            );
            match attempt {
                Attempt::Done(data) => return Ok(data),
                Attempt::Throttled => {
                    throttled += 1;
                    if throttled >= config.max_throttled_attempts {
                        return Err(AdminError::Throttled {
                            shop: self.shop.clone(),
                            operation: operation.name,
                            attempts: throttled,
                        });
                    }
                    // The next reserve() waits for the bucket to hold the requested cost again.
                }
                Attempt::Failed(error) => {
                    if error.outcome_unknown()
                        || !error.is_retryable()
                        || attempts >= config.max_attempts
                    {
                        if error.is_retryable() || error.outcome_unknown() {
                            tracing::warn!(shop = %self.shop, operation = operation.name, error = %error, outcome_unknown = error.outcome_unknown(), "shopify admin call failed");
                        }
                        return Err(error);
                    }
                    let delay = backoff(config.backoff_base, config.backoff_max, attempts);
                    let delay = match &error {
                        AdminError::Http {
                            retry_after: Some(after),
                            ..
                        } => delay.max(*after),
                        _ => delay,
                    };
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt<V: Serialize, D: DeserializeOwned>(
        &self,
        operation: &Operation,
        variables: &V,
        user_errors: fn(&D) -> &[UserError],
    ) -> (Attempt<D>, CostSeen) {
        let inner = &self.client.inner;
        let mutation = operation.mutation;
        let fail = |e| (Attempt::Failed(e), CostSeen::default());
        let sent = inner
            .http
            .post(inner.config.endpoint(&self.shop))
            .header("X-Shopify-Access-Token", &self.token)
            .json(&Request {
                query: operation.document,
                operation_name: operation.name,
                variables,
            })
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return fail(self.transport_error(operation, mutation, &e)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(Duration::from_secs_f64);
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return fail(self.transport_error(operation, mutation, &e)),
        };
        if status == 401 || status == 403 {
            return fail(AdminError::Unauthorized {
                shop: self.shop.clone(),
                operation: operation.name,
                status,
            });
        }
        if status != 200 {
            return fail(AdminError::Http {
                shop: self.shop.clone(),
                operation: operation.name,
                mutation,
                status,
                retry_after,
            });
        }
        let answer: Answer = match serde_json::from_slice(&body) {
            Ok(a) => a,
            Err(e) => return fail(self.decode_error(operation, e.to_string())),
        };
        let cost = answer.extensions.and_then(|e| e.cost);
        let seen = CostSeen {
            requested: cost.as_ref().and_then(|c| c.requested_query_cost),
            actual: cost.as_ref().and_then(|c| c.actual_query_cost),
            throttle: cost
                .and_then(|c| c.throttle_status)
                .map(|t| ThrottleStatus {
                    maximum_available: t.maximum_available,
                    currently_available: t.currently_available,
                    restore_rate: t.restore_rate,
                }),
        };
        if let Some(errors) = answer.errors.filter(|e| !e.is_null()) {
            return match self.graphql_error(operation, &errors) {
                None => (Attempt::Throttled, seen),
                Some(e) => (Attempt::Failed(e), seen),
            };
        }
        let data = answer.data.unwrap_or(Value::Null);
        match serde_path_to_error::deserialize::<_, D>(data) {
            Ok(d) if user_errors(&d).is_empty() => (Attempt::Done(d), seen),
            Ok(d) => (
                Attempt::Failed(AdminError::UserErrors {
                    shop: self.shop.clone(),
                    operation: operation.name,
                    errors: user_errors(&d).to_vec(),
                }),
                seen,
            ),
            Err(e) => (
                Attempt::Failed(
                    self.decode_error(operation, format!("at {}: {}", e.path(), e.inner())),
                ),
                seen,
            ),
        }
    }

    /// Classifies top-level `errors`; `None` means `THROTTLED`.
    fn graphql_error(&self, operation: &Operation, errors: &Value) -> Option<AdminError> {
        let list: Vec<&Value> = match errors {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let code_of = |e: &Value| {
            e.pointer("/extensions/code")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let message_of = |e: &Value| match e.get("message").and_then(Value::as_str) {
            Some(m) => m.to_owned(),
            None => e.to_string(),
        };
        if list.iter().any(|e| code_of(e) == "THROTTLED") {
            return None;
        }
        let message = list
            .iter()
            .map(|e| message_of(e))
            .collect::<Vec<_>>()
            .join("; ");
        if list.iter().any(|e| code_of(e) == "ACCESS_DENIED") {
            return Some(AdminError::AccessDenied {
                shop: self.shop.clone(),
                operation: operation.name,
                message,
            });
        }
        let code = list
            .iter()
            .map(|e| code_of(e))
            .find(|c| !c.is_empty())
            .unwrap_or_else(|| "UNKNOWN".to_owned());
        Some(AdminError::Graphql {
            shop: self.shop.clone(),
            operation: operation.name,
            code,
            message,
        })
    }

    fn transport_error(
        &self,
        operation: &Operation,
        mutation: bool,
        e: &reqwest::Error,
    ) -> AdminError {
        let shop = self.shop.clone();
        let operation = operation.name;
        if e.is_connect() {
            AdminError::Connect {
                shop,
                operation,
                message: error_chain(e),
            }
        } else if e.is_timeout() {
            AdminError::Timeout {
                shop,
                operation,
                mutation,
            }
        } else {
            AdminError::ConnectionLost {
                shop,
                operation,
                mutation,
                message: error_chain(e),
            }
        }
    }

    fn decode_error(&self, operation: &Operation, message: String) -> AdminError {
        AdminError::Decode {
            shop: self.shop.clone(),
            operation: operation.name,
            message,
        }
    }
}

/// Cost figures from an answer.
#[derive(Debug, Default, Clone, Copy)]
struct CostSeen {
    requested: Option<f64>,
    actual: Option<f64>,
    throttle: Option<ThrottleStatus>,
}

fn outcome_of(error: &AdminError) -> Outcome {
    match error {
        AdminError::Connect { .. } | AdminError::ConnectionLost { .. } => Outcome::TransportError,
        AdminError::Timeout { .. } => Outcome::Timeout,
        AdminError::Http { .. } | AdminError::Unauthorized { .. } => Outcome::HttpError,
        AdminError::Throttled { .. } => Outcome::Throttled,
        AdminError::AccessDenied { .. } => Outcome::AccessDenied,
        AdminError::UserErrors { .. } => Outcome::UserErrors,
        AdminError::Graphql { .. } | AdminError::Decode { .. } => Outcome::GraphqlError,
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Exponential backoff with jitter: `base × 2^(attempt-1)`, capped, then a random point in its
/// upper half.
fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    let full = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(max);
    let half = full / 2;
    half + full
        .saturating_sub(half)
        .mul_f64(rand::thread_rng().gen::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for _ in 0..50 {
            let first = backoff(base, max, 1);
            assert!(
                first >= Duration::from_millis(50) && first <= base,
                "{first:?}"
            );
            let third = backoff(base, max, 3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(backoff(base, max, 30) <= max);
        }
    }
}
