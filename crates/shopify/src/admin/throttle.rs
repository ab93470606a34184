//! Cost-aware throttling per shop. Shopify meters each (app, shop) with a leaky bucket of query
//! points and reports it in `extensions.cost.throttleStatus` on every answer. We keep an
//! estimate per shop: the last reported points, refilled at the reported restore rate, minus
//! what calls in flight reserved. A call waits until the estimate covers its expected cost, so
//! a burst is spread out instead of being answered `THROTTLED`. Callers of one shop queue behind
//! each other (a fair async mutex); other shops have their own state and never wait for it.
//! Until a shop's first answer the bucket size is unknown, so one call probes and the others
//! wait for its answer.
//!
//! Several processes calling one shop share its bucket at Shopify, so an estimate per process
//! is not enough: with [`SharedBuckets`] (ordersync's database, when several processes share
//! it) the caller at the head of a shop's queue reserves points against one estimate shared by
//! every process instead, and reports each answer's throttle status to it. The process's own
//! estimate is still kept, and used for a call when the shared one cannot be reached.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A bucket's state as an answer reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleStatus {
    /// Bucket size.
    pub maximum_available: f64,
    /// Points available when the answer was made.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// What [`SharedBuckets`] methods return.
pub type SharedFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// What a shared reservation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedGrant {
    /// Points reserved under this id: settle it with the answer.
    Granted(i64),
    /// Not enough points (or another call probes an unknown bucket): ask again after this long.
    Wait(Duration),
}

/// A per-shop bucket estimate shared by every process that calls the same shops (implemented
/// by ordersync over its database). Errors are messages for the log: the client then falls back
/// to its own estimate for that call.
pub trait SharedBuckets: Send + Sync + fmt::Debug {
    /// Reserves `cost` points of `shop`'s bucket for a call that ends within `hold`, or answers
    /// how long to wait. A cost above the bucket size is granted once the bucket is full.
    fn reserve<'a>(
        &'a self,
        shop: &'a str,
        cost: f64,
        hold: Duration,
    ) -> SharedFuture<'a, SharedGrant>;

    /// Ends a reservation; `status` is what the answer reported, if there was one.
    fn settle<'a>(
        &'a self,
        shop: &'a str,
        reservation: i64,
        status: Option<ThrottleStatus>,
    ) -> SharedFuture<'a, ()>;
}

#[derive(Debug)]
struct Estimate {
    known: bool,
    maximum: f64,
    rate: f64,
    available: f64,
    at: Instant,
    in_flight: f64,
}

impl Estimate {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.available = (self.available + elapsed * self.rate).min(self.maximum);
        self.at = now;
    }
}

/// One shop's throttle.
#[derive(Debug)]
pub(crate) struct ShopThrottle {
    shop: String,
    queue: tokio::sync::Mutex<()>,
    estimate: Mutex<Estimate>,
    answered: Notify,
    shared: Option<Shared>,
}

/// The shared estimate and how long a reservation in it lasts.
#[derive(Debug, Clone)]
struct Shared {
    buckets: Arc<dyn SharedBuckets>,
    hold: Duration,
}

/// What a call reserved; give it back with [`ShopThrottle::settle`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reservation {
    cost: f64,
    /// The shared reservation, when the points came from the shared estimate.
    shared: Option<i64>,
    /// How long the call waited for points.
    pub waited: Duration,
}

/// If the probe's answer never comes (a lost connection), waiters look again after this.
const PROBE_PATIENCE: Duration = Duration::from_secs(1);

/// A call waiting on the shared estimate asks again at least this often: another process's
/// answer may have given points back.
const SHARED_RECHECK: Duration = Duration::from_millis(250);

impl ShopThrottle {
    fn new(shop: String, shared: Option<Shared>) -> Self {
        ShopThrottle {
            shop,
            shared,
            queue: tokio::sync::Mutex::new(()),
            estimate: Mutex::new(Estimate {
                known: false,
                maximum: 0.0,
                rate: 0.0,
                available: 0.0,
                at: Instant::now(),
                in_flight: 0.0,
            }),
            answered: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Estimate> {
        self.estimate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the shop's bucket should hold `cost` points, then reserves them.
    pub(crate) async fn reserve(&self, cost: f64) -> Reservation {
        let started = Instant::now();
        let _turn = self.queue.lock().await;
        if let Some(shared) = &self.shared {
            loop {
                let answered = self.answered.notified();
                match shared.buckets.reserve(&self.shop, cost, shared.hold).await {
                    Ok(SharedGrant::Granted(id)) => {
                        let mut e = self.lock();
                        if e.known {
                            e.refill(Instant::now());
                            e.available -= cost;
                        }
                        e.in_flight += cost;
                        return Reservation {
                            cost,
                            shared: Some(id),
                            waited: started.elapsed(),
                        };
                    }
                    Ok(SharedGrant::Wait(d)) => {
                        let _ = tokio::time::timeout(d.min(SHARED_RECHECK), answered).await;
                    }
                    Err(error) => {
                        tracing::warn!(shop = %self.shop, %error, "the shared throttle estimate is unavailable; this call uses the process's own");
                        break;
                    }
                }
            }
        }
        loop {
            let answered = self.answered.notified();
            let wait = {
                let mut e = self.lock();
                let now = Instant::now();
                if !e.known {
                    if e.in_flight <= 0.0 {
                        e.in_flight += cost;
                        return Reservation {
                            cost,
                            shared: None,
                            waited: now - started,
                        };
                    }
                    None
                } else {
                    e.refill(now);
                    // A cost above the bucket size can never be covered: go when it is full.
                    let needed = cost.min(e.maximum);
                    if e.available >= needed {
                        e.available -= cost;
                        e.in_flight += cost;
                        return Reservation {
                            cost,
                            shared: None,
                            waited: now - started,
                        };
                    }
                    let rate = if e.rate > 0.0 { e.rate } else { 1.0 };
                    Some(Duration::from_secs_f64((needed - e.available) / rate))
                }
            };
            match wait {
                // An answer may show the points back sooner (Shopify refunds what a query
                // requested beyond its actual cost): look again then, not only when the
                // estimate says the bucket refilled. Callers queue behind this one meanwhile.
                Some(d) => {
                    let _ = tokio::time::timeout(d, answered).await;
                }
                None => {
                    let _ = tokio::time::timeout(PROBE_PATIENCE, answered).await;
                }
            }
        }
    }

    /// Records the end of a reserved call and what the answer (if any) reported, in this
    /// process's estimate and in the shared one.
    pub(crate) async fn settle(&self, reservation: Reservation, status: Option<ThrottleStatus>) {
        {
            let mut e = self.lock();
            e.in_flight = (e.in_flight - reservation.cost).max(0.0);
            if let Some(s) = status {
                e.known = true;
                e.maximum = s.maximum_available;
                e.rate = s.restore_rate;
                // Calls still in flight may not have paid yet: count them as paid.
                e.available = s.currently_available - e.in_flight;
                e.at = Instant::now();
            }
        }
        if let (Some(shared), Some(id)) = (&self.shared, reservation.shared) {
            if let Err(error) = shared.buckets.settle(&self.shop, id, status).await {
                tracing::warn!(shop = %self.shop, %error, "could not report the answer to the shared throttle estimate; its reservation expires");
            }
        }
        self.answered.notify_waiters();
    }
}

/// The throttles of every shop, and the last requested cost seen per operation.
#[derive(Debug, Default)]
pub(crate) struct Throttles {
    shops: Mutex<HashMap<String, Arc<ShopThrottle>>>,
    costs: Mutex<HashMap<&'static str, f64>>,
    shared: Option<Shared>,
}

impl Throttles {
    /// Throttles that reserve against `buckets`, shared with other processes; a reservation
    /// lasts `hold` (the longest a call can take) unless its answer ends it sooner.
    pub(crate) fn shared(buckets: Arc<dyn SharedBuckets>, hold: Duration) -> Self {
        Throttles {
            shared: Some(Shared { buckets, hold }),
            ..Throttles::default()
        }
    }

    /// The throttle of `shop` (created on first use).
    pub(crate) fn shop(&self, shop: &str) -> Arc<ShopThrottle> {
        let mut shops = self.shops.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            shops
                .entry(shop.to_ascii_lowercase())
                .or_insert_with_key(|key| {
                    Arc::new(ShopThrottle::new(key.clone(), self.shared.clone()))
                }),
        )
    }

    /// The cost to expect for `operation`: the last requested cost Shopify reported, or the
    /// static estimate until then.
    pub(crate) fn expected_cost(&self, operation: &'static str, estimate: u32) -> f64 {
        self.costs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(operation)
            .copied()
            .unwrap_or(f64::from(estimate))
    }

    /// Remembers the requested cost Shopify computed for `operation`.
    pub(crate) fn learn_cost(&self, operation: &'static str, requested: f64) {
        self.costs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(operation, requested);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(available: f64) -> Option<ThrottleStatus> {
        Some(ThrottleStatus {
            maximum_available: 100.0,
            currently_available: available,
            restore_rate: 50.0,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_waits_for_the_points_it_needs_at_the_restore_rate() {
        let t = ShopThrottle::new("a.myshopify.com".into(), None);
        let first = t.reserve(10.0).await;
        assert_eq!(first.waited, Duration::ZERO, "the probe goes at once");
        t.settle(first, status(5.0)).await;
        let second = t.reserve(30.0).await;
        // 25 points missing at 50 per second.
        assert_eq!(second.waited, Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_count_against_the_estimate() {
        let t = ShopThrottle::new("a.myshopify.com".into(), None);
        let probe = t.reserve(10.0).await;
        t.settle(probe, status(100.0)).await;
        let a = t.reserve(60.0).await;
        assert_eq!(a.waited, Duration::ZERO);
        let b = t.reserve(60.0).await;
        // 40 left, 20 missing at 50/s.
        assert_eq!(b.waited, Duration::from_millis(400));
        // a's answer arrives while b is in flight: b's points stay reserved.
        t.settle(a, status(40.0)).await;
        let c = t.reserve(10.0).await;
        assert_eq!(
            c.waited,
            Duration::from_millis(600),
            "40 - 60 in flight = -20"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_call_goes_as_soon_as_an_answer_gives_the_points_back() {
        let t = Arc::new(ShopThrottle::new("a.myshopify.com".into(), None));
        let probe = t.reserve(10.0).await;
        t.settle(probe, status(100.0)).await;
        // An expensive query reserves 90 of 100 points; a second one needs 90 too.
        let a = t.reserve(90.0).await;
        let waiting = {
            let t = t.clone();
            tokio::spawn(async move { t.reserve(90.0).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The first one's answer: it actually cost 5 points, the bucket holds 95.
        t.settle(a, status(95.0)).await;
        let b = waiting.await.expect("the waiting call finished");
        assert_eq!(
            b.waited,
            Duration::from_millis(100),
            "not the 1.6 s the reservation alone would make it wait"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn shops_do_not_share_a_bucket() {
        let throttles = Throttles::default();
        let busy = throttles.shop("busy.myshopify.com");
        let probe = busy.reserve(1.0).await;
        busy.settle(probe, status(0.0)).await;
        let quiet = throttles.shop("quiet.myshopify.com");
        assert_eq!(quiet.reserve(50.0).await.waited, Duration::ZERO);
        assert_eq!(throttles.expected_cost("shop", 3), 3.0);
        throttles.learn_cost("shop", 7.0);
        assert_eq!(throttles.expected_cost("shop", 3), 7.0);
    }

    /// A shared estimate answering from a script, recording what it was told.
    #[derive(Debug, Default)]
    struct Scripted {
        grants: Mutex<Vec<Result<SharedGrant, String>>>,
        settled: Mutex<Vec<(String, i64, Option<ThrottleStatus>)>>,
        asked: Mutex<u32>,
    }

    impl SharedBuckets for Scripted {
        fn reserve<'a>(
            &'a self,
            _shop: &'a str,
            _cost: f64,
            hold: Duration,
        ) -> SharedFuture<'a, SharedGrant> {
            assert_eq!(hold, Duration::from_secs(35));
            *self.asked.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            let next = self
                .grants
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(0);
            Box::pin(async move { next })
        }

        fn settle<'a>(
            &'a self,
            shop: &'a str,
            reservation: i64,
            status: Option<ThrottleStatus>,
        ) -> SharedFuture<'a, ()> {
            self.settled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((shop.to_owned(), reservation, status));
            Box::pin(async { Ok(()) })
        }
    }

    fn shared(script: Vec<Result<SharedGrant, String>>) -> (Arc<Scripted>, Throttles) {
        let scripted = Arc::new(Scripted {
            grants: Mutex::new(script),
            ..Scripted::default()
        });
        let throttles = Throttles::shared(scripted.clone(), Duration::from_secs(35));
        (scripted, throttles)
    }

    #[tokio::test(start_paused = true)]
    async fn with_a_shared_estimate_a_call_waits_for_its_grant_and_reports_its_answer() {
        let (script, throttles) = shared(vec![
            Ok(SharedGrant::Wait(Duration::from_millis(100))),
            // A long wait is asked again sooner: another process may give points back.
            Ok(SharedGrant::Wait(Duration::from_secs(5))),
            Ok(SharedGrant::Granted(7)),
        ]);
        let t = throttles.shop("Supplier.myshopify.com");
        let r = t.reserve(10.0).await;
        assert_eq!(r.waited, Duration::from_millis(100) + SHARED_RECHECK);
        assert_eq!(*script.asked.lock().unwrap_or_else(|e| e.into_inner()), 3);
        t.settle(r, status(80.0)).await;
        assert_eq!(
            *script.settled.lock().unwrap_or_else(|e| e.into_inner()),
            [("supplier.myshopify.com".to_owned(), 7, status(80.0))]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_the_shared_estimate_a_call_uses_the_process_estimate() {
        let (script, throttles) = shared(vec![Err("database down".into())]);
        let t = throttles.shop("supplier.myshopify.com");
        let r = t.reserve(10.0).await;
        assert_eq!(r.waited, Duration::ZERO, "the local probe goes at once");
        t.settle(r, status(80.0)).await;
        assert!(
            script
                .settled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty(),
            "nothing was reserved in the shared estimate"
        );
    }
}
