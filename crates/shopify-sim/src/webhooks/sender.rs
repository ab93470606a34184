//! The background sender: every delivery is its own task (endpoints are independent), posted
//! with the configured timeout and retried on a non-2xx answer or none, on the configured
//! schedule; every attempt goes to the journal. Webhook faults (drop, duplicate, delay, reorder)
//! are decided once per delivery, before its first attempt.
//!
//! `Sim::new` may run outside a tokio runtime, so deliveries wait in a channel and the task that
//! drains it starts on the first `send` (or `idle`) made inside a runtime.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use super::Delivery;
use crate::faults::FaultKind;
use crate::journal::WebhookAttempt;
use crate::{Sim, SimConfig};

/// Sends deliveries in the background, with retries.
pub struct Sender {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("outstanding", &*self.shared.outstanding.borrow())
            .field("retry_delays", &self.shared.retry_delays)
            .field("timeout", &self.shared.timeout)
            .finish_non_exhaustive()
    }
}

struct Shared {
    client: reqwest::Client,
    retry_delays: Vec<Duration>,
    timeout: Duration,
    queue: mpsc::UnboundedSender<Job>,
    /// The queue's receiving end until the draining task takes it.
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
    /// Deliveries queued, in flight or waiting for a retry (held ones excluded).
    outstanding: watch::Sender<usize>,
    /// Deliveries held back by the `Reorder` fault, per shop, until the shop's next one went out.
    held: Mutex<HashMap<String, Vec<Job>>>,
}

struct Job {
    sim: Sim,
    delivery: Delivery,
    /// Faults were decided already (a duplicate, or a delivery released after being held).
    faults_decided: bool,
    /// A copy made by the `Duplicate` fault.
    duplicate: bool,
}

impl Sender {
    /// A sender with the configured timeout and retry schedule.
    pub fn new(config: &SimConfig) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        Sender {
            shared: Arc::new(Shared {
                client: reqwest::Client::builder()
                    .user_agent("Shopify-Captain-Hook")
                    .build()
                    .unwrap_or_default(),
                retry_delays: config.webhook_retry_delays.clone(),
                timeout: config.webhook_timeout,
                queue,
                receiver: Mutex::new(Some(receiver)),
                outstanding: watch::Sender::new(0),
                held: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Queues deliveries; they go out once a tokio runtime runs the sender.
    pub fn send(&self, sim: &Sim, deliveries: Vec<Delivery>) {
        for delivery in deliveries {
            self.shared.outstanding.send_modify(|n| *n += 1);
            let job = Job {
                sim: sim.clone(),
                delivery,
                faults_decided: false,
                duplicate: false,
            };
            if self.shared.queue.send(job).is_err() {
                // The draining task is gone (its runtime shut down): nothing will send it.
                self.shared.outstanding.send_modify(|n| *n -= 1);
            }
        }
        self.start();
    }

    /// Waits until nothing is queued, in flight or waiting for a retry; false after `timeout`.
    /// Deliveries held back by the `Reorder` fault do not count until released.
    pub async fn idle(&self, timeout: Duration) -> bool {
        self.start();
        let mut outstanding = self.shared.outstanding.subscribe();
        let waited = tokio::time::timeout(timeout, outstanding.wait_for(|n| *n == 0)).await;
        matches!(waited, Ok(Ok(_)))
    }

    /// Starts the draining task, once, if a runtime is at hand.
    fn start(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(mut receiver) = self
            .shared
            .receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
        let shared = Arc::clone(&self.shared);
        runtime.spawn(async move {
            while let Some(job) = receiver.recv().await {
                tokio::spawn(process(Arc::clone(&shared), job));
            }
        });
    }
}

/// One delivery from faults to its last attempt (boxed: it spawns copies of itself).
fn process(shared: Arc<Shared>, job: Job) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(run(shared, job))
}

async fn run(shared: Arc<Shared>, mut job: Job) {
    if !job.faults_decided {
        job.faults_decided = true;
        let d = &job.delivery;
        let faults = job.sim.faults().fire(&d.shop, &[d.topic.header()], true);
        if faults.contains(&FaultKind::Drop) {
            record(&job, 1, 0, "dropped", None);
            finish(&shared);
            return;
        }
        if faults.contains(&FaultKind::Reorder) {
            let shop = d.shop.to_ascii_lowercase();
            shared
                .held
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(shop)
                .or_default()
                .push(job);
            finish(&shared);
            return;
        }
        if faults.contains(&FaultKind::Duplicate) {
            shared.outstanding.send_modify(|n| *n += 1);
            let copy = Job {
                sim: job.sim.clone(),
                delivery: d.duplicate(),
                faults_decided: true,
                duplicate: true,
            };
            tokio::spawn(process(Arc::clone(&shared), copy));
        }
        let delay: u64 = faults
            .iter()
            .map(|f| match f {
                FaultKind::Delay { ms } => *ms,
                _ => 0,
            })
            .sum();
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
    }
    let tries = shared.retry_delays.len() + 1;
    for attempt in 1..=tries {
        let sent = Utc::now();
        let started = std::time::Instant::now();
        let (status, outcome) = post(&shared, &job).await;
        let took = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        record(&job, attempt as u32, status, outcome, Some((sent, took)));
        if attempt == 1 {
            release_held(&shared, &job.delivery.shop);
        }
        if outcome == "delivered" || outcome == "duplicate" {
            break;
        }
        match shared.retry_delays.get(attempt - 1) {
            Some(delay) => tokio::time::sleep(*delay).await,
            None => tracing::warn!(
                shop = %job.delivery.shop,
                topic = job.delivery.topic.header(),
                uri = %job.delivery.uri,
                attempts = tries,
                "webhook delivery given up after its last retry"
            ),
        }
    }
    finish(&shared);
}

/// One POST: the HTTP status (0 for none) and the journal outcome.
async fn post(shared: &Shared, job: &Job) -> (u16, &'static str) {
    let d = &job.delivery;
    let mut request = shared
        .client
        .post(&d.uri)
        .timeout(shared.timeout)
        .body(d.body.clone());
    for (name, value) in d.headers() {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => (
            response.status().as_u16(),
            if job.duplicate {
                "duplicate"
            } else {
                "delivered"
            },
        ),
        Ok(response) => (response.status().as_u16(), "failed"),
        Err(e) if e.is_timeout() => (0, "timeout"),
        Err(e) => {
            tracing::debug!(uri = %d.uri, error = %e, "webhook endpoint unreachable");
            (0, "failed")
        }
    }
}

/// Journals one attempt; `sent` is when its POST started and how long the answer took (none
/// for a delivery that was not sent).
fn record(
    job: &Job,
    attempt: u32,
    http_status: u16,
    outcome: &str,
    sent: Option<(chrono::DateTime<Utc>, u64)>,
) {
    let d = &job.delivery;
    let (at, duration_ms) = sent.unwrap_or_else(|| (Utc::now(), 0));
    job.sim.journal().record_attempt(WebhookAttempt {
        seq: 0,
        at,
        duration_ms,
        resource_id: d.resource_id,
        shop: d.shop.clone(),
        app: d.app.clone(),
        topic: d.topic.header().to_owned(),
        uri: d.uri.clone(),
        webhook_id: d.webhook_id.clone(),
        event_id: d.event_id.clone(),
        attempt,
        http_status,
        outcome: outcome.to_owned(),
    });
}

/// A delivery of `shop` went out: what the `Reorder` fault held back for it goes now.
fn release_held(shared: &Arc<Shared>, shop: &str) {
    let held = shared
        .held
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&shop.to_ascii_lowercase())
        .unwrap_or_default();
    for job in held {
        shared.outstanding.send_modify(|n| *n += 1);
        tokio::spawn(process(Arc::clone(shared), job));
    }
}

fn finish(shared: &Shared) {
    shared.outstanding.send_modify(|n| *n = n.saturating_sub(1));
}
