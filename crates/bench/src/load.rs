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
use tokio::sync::{mpsc, Mutex};

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

/// Where a connection gets its next request number: a shared counter (closed loop: send as soon
/// as the previous answer came), or the pacer's tickets (open loop).
enum Next {
    Counter(Arc<AtomicU64>),
    Paced(Arc<Mutex<mpsc::Receiver<(u64, Instant)>>>),
}

/// The open loop's pacer, on a thread of its own: hands out request `i` at its due time
/// `start + i / rate` (to whichever connection is free), sleeping with the operating system's
/// timer rather than the runtime's, whose 1 ms ticks would add up to a millisecond to every
/// request's measured latency. Latency is measured from the due time, so a connection that
/// answers late delays the requests behind it and that shows (no coordinated omission).
fn pace(rate: f64, start: Instant, end: Instant, tickets: mpsc::Sender<(u64, Instant)>) {
    for i in 0.. {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if due >= end {
            return;
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if tickets.blocking_send((i, due)).is_err() {
            return;
        }
    }
}

/// One connection's loop.
async fn connection(
    plan: Arc<LoadPlan>,
    signed: Arc<Signed>,
    next: Next,
    end: Instant,
) -> LoadResult {
    let mut result = LoadResult::default();
    let mut sender = None;
    loop {
        let (i, sent_from) = match &next {
            Next::Counter(counter) => (counter.fetch_add(1, Ordering::Relaxed), Instant::now()),
            Next::Paced(tickets) => match tickets.lock().await.recv().await {
                Some(ticket) => ticket,
                None => break,
            },
        };
        if sent_from >= end {
            break;
        }
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
    let start = Instant::now();
    let end = start + plan.duration;
    let next = match plan.rate {
        None => Next::Counter(Arc::new(AtomicU64::new(0))),
        Some(rate) => {
            let (tickets, receiver) = mpsc::channel(plan.connections.max(1));
            std::thread::Builder::new()
                .name("loadgen-pacer".into())
                .spawn(move || pace(rate, start, end, tickets))
                .expect("start the load generator's pacer thread");
            Next::Paced(Arc::new(Mutex::new(receiver)))
        }
    };
    let tasks: Vec<_> = (0..plan.connections)
        .map(|_| {
            let next = match &next {
                Next::Counter(c) => Next::Counter(Arc::clone(c)),
                Next::Paced(t) => Next::Paced(Arc::clone(t)),
            };
            tokio::spawn(connection(
                Arc::clone(&plan),
                Arc::clone(&signed),
                next,
                end,
            ))
        })
        .collect();
    drop(next);
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
