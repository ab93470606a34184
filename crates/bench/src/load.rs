//! The webhook load generator: N HTTP/1.1 keep-alive connections over loopback, each posting
//! signed `orders/create` deliveries with their own event and webhook ids.
//!
//! * Closed loop (`rate` = None): every connection sends its next request as soon as the previous
//!   answer is in; throughput is the server's maximum at that concurrency.
//! * Open loop (`rate` = Some(r)): request i is due at `start + i / r`, handed round-robin to the
//!   connections. Latency is measured from the due time, not from when the request was actually
//!   written, so a stalled server is charged for the requests it held back (no coordinated
//!   omission), as long as there are enough connections for the rate.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use ordersync_shopify::webhook::WebhookSecrets;
use tokio::net::TcpStream;

use crate::measure::Latencies;

/// The example `orders/create` webhook body (Shopify's own example order, about 15 KB as
/// delivered), copied from Shopify's webhook reference into `contracts/shopify`.
pub const ORDER_WEBHOOK: &[u8] =
    include_bytes!("../../../contracts/shopify/webhooks/orders/create.json");

/// The shop every delivery claims to come from.
pub const SHOP: &str = "bench-retail.myshopify.com";

/// How to load the server.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// The server.
    pub addr: SocketAddr,
    /// Connections.
    pub connections: usize,
    /// Requests per second (open loop), or None for as fast as answers come (closed loop).
    pub rate: Option<f64>,
    /// How long to send.
    pub duration: Duration,
    /// Prefix of every event id (unique per run).
    pub run_id: String,
}

/// What a load run saw.
#[derive(Debug, Default)]
pub struct LoadResult {
    /// Answered 200.
    pub ok: u64,
    /// Answered anything else, or failed on the connection.
    pub errors: u64,
    /// The first few error descriptions.
    pub error_samples: Vec<String>,
    /// Latency of each answered request (200 or not).
    pub latencies: Latencies,
    /// From the first send to the last answer.
    pub elapsed: Duration,
}

struct Signed {
    body: Bytes,
    hmac: String,
}

async fn connect(addr: SocketAddr) -> Result<http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

fn request(signed: &Signed, event_id: &str, addr: SocketAddr) -> Result<Request<Full<Bytes>>> {
    Ok(Request::post("/webhooks")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .header("x-shopify-topic", "orders/create")
        .header("x-shopify-hmac-sha256", &signed.hmac)
        .header("x-shopify-shop-domain", SHOP)
        .header("x-shopify-api-version", "2026-07")
        .header("x-shopify-webhook-id", uuid::Uuid::new_v4().to_string())
        .header("x-shopify-event-id", event_id)
        .header(
            "x-shopify-triggered-at",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        )
        .body(Full::new(signed.body.clone()))?)
}

/// One connection's loop; `next` hands out request numbers (and so due times in open loop).
async fn connection(
    plan: Arc<LoadPlan>,
    signed: Arc<Signed>,
    next: Arc<AtomicU64>,
    start: Instant,
    end: Instant,
) -> LoadResult {
    let mut result = LoadResult::default();
    let mut sender = None;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let due = match plan.rate {
            Some(rate) => start + Duration::from_secs_f64(i as f64 / rate),
            None => Instant::now(),
        };
        if due >= end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let sent_from = match plan.rate {
            Some(_) => due,
            None => Instant::now(),
        };
        let outcome = async {
            if sender.is_none() {
                sender = Some(connect(plan.addr).await?);
            }
            let s = sender.as_mut().context("no connection")?;
            s.ready().await?;
            let event_id = format!("{}-{i}", plan.run_id);
            let response = s
                .send_request(request(&signed, &event_id, plan.addr)?)
                .await?;
            let status = response.status();
            let _ = response.into_body().collect().await?;
            anyhow::Ok(status)
        }
        .await;
        match outcome {
            Ok(status) => {
                result.latencies.record(sent_from.elapsed());
                if status.is_success() {
                    result.ok += 1;
                } else {
                    result.errors += 1;
                    if result.error_samples.len() < 5 {
                        result.error_samples.push(format!("HTTP {status}"));
                    }
                }
            }
            Err(e) => {
                sender = None;
                result.errors += 1;
                if result.error_samples.len() < 5 {
                    result.error_samples.push(format!("{e:#}"));
                }
            }
        }
    }
    result
}

/// Runs the plan on the current runtime.
pub async fn run(plan: LoadPlan) -> LoadResult {
    let secrets = WebhookSecrets::new(crate::env::SECRET.as_bytes().to_vec(), None);
    let body = Bytes::from_static(ORDER_WEBHOOK);
    let signed = Arc::new(Signed {
        hmac: secrets.sign(&body),
        body,
    });
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + plan.duration;
    let tasks: Vec<_> = (0..plan.connections)
        .map(|_| {
            tokio::spawn(connection(
                Arc::clone(&plan),
                Arc::clone(&signed),
                Arc::clone(&next),
                start,
                end,
            ))
        })
        .collect();
    let mut total = LoadResult::default();
    for task in tasks {
        match task.await {
            Ok(r) => {
                total.ok += r.ok;
                total.errors += r.errors;
                for e in r.error_samples {
                    if total.error_samples.len() < 5 {
                        total.error_samples.push(e);
                    }
                }
                total.latencies.merge(r.latencies);
            }
            Err(e) => {
                total.errors += 1;
                total.error_samples.push(format!("load task failed: {e}"));
            }
        }
    }
    total.elapsed = start.elapsed();
    total
}
