//! Cost-aware throttling per shop. Shopify meters each (app, shop) with a leaky bucket of query
//! points and reports it in `extensions.cost.throttleStatus` on every answer. We keep an
//! estimate per shop: the last reported points, refilled at the reported restore rate, minus
//! what calls in flight reserved. A call waits until the estimate covers its expected cost, so
//! a burst is spread out instead of being answered `THROTTLED`. Callers of one shop queue behind
//! each other (a fair async mutex); other shops have their own state and never wait for it.
//! Until a shop's first answer the bucket size is unknown, so one call probes and the others
//! wait for its answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A bucket's state as an answer reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
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
    queue: tokio::sync::Mutex<()>,
    estimate: Mutex<Estimate>,
    answered: Notify,
}

/// What a call reserved; give it back with [`ShopThrottle::settle`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reservation {
    cost: f64,
    /// How long the call waited for points.
    pub waited: Duration,
}

/// If the probe's answer never comes (a lost connection), waiters look again after this.
const PROBE_PATIENCE: Duration = Duration::from_secs(1);

impl ShopThrottle {
    fn new() -> Self {
        ShopThrottle {
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

    /// Records the end of a reserved call and what the answer (if any) reported.
    pub(crate) fn settle(&self, reservation: Reservation, status: Option<ThrottleStatus>) {
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
        self.answered.notify_waiters();
    }
}

/// The throttles of every shop, and the last requested cost seen per operation.
#[derive(Debug, Default)]
pub(crate) struct Throttles {
    shops: Mutex<HashMap<String, Arc<ShopThrottle>>>,
    costs: Mutex<HashMap<&'static str, f64>>,
}

impl Throttles {
    /// The throttle of `shop` (created on first use).
    pub(crate) fn shop(&self, shop: &str) -> Arc<ShopThrottle> {
        let mut shops = self.shops.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            shops
                .entry(shop.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(ShopThrottle::new())),
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
        let t = ShopThrottle::new();
        let first = t.reserve(10.0).await;
        assert_eq!(first.waited, Duration::ZERO, "the probe goes at once");
        t.settle(first, status(5.0));
        let second = t.reserve(30.0).await;
        // 25 points missing at 50 per second.
        assert_eq!(second.waited, Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_count_against_the_estimate() {
        let t = ShopThrottle::new();
        let probe = t.reserve(10.0).await;
        t.settle(probe, status(100.0));
        let a = t.reserve(60.0).await;
        assert_eq!(a.waited, Duration::ZERO);
        let b = t.reserve(60.0).await;
        // 40 left, 20 missing at 50/s.
        assert_eq!(b.waited, Duration::from_millis(400));
        // a's answer arrives while b is in flight: b's points stay reserved.
        t.settle(a, status(40.0));
        let c = t.reserve(10.0).await;
        assert_eq!(
            c.waited,
            Duration::from_millis(600),
            "40 - 60 in flight = -20"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_call_goes_as_soon_as_an_answer_gives_the_points_back() {
        let t = Arc::new(ShopThrottle::new());
        let probe = t.reserve(10.0).await;
        t.settle(probe, status(100.0));
        // An expensive query reserves 90 of 100 points; a second one needs 90 too.
        let a = t.reserve(90.0).await;
        let waiting = {
            let t = t.clone();
            tokio::spawn(async move { t.reserve(90.0).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The first one's answer: it actually cost 5 points, the bucket holds 95.
        t.settle(a, status(95.0));
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
        busy.settle(probe, status(0.0));
        let quiet = throttles.shop("quiet.myshopify.com");
        assert_eq!(quiet.reserve(50.0).await.waited, Duration::ZERO);
        assert_eq!(throttles.expected_cost("shop", 3), 3.0);
        throttles.learn_cost("shop", 7.0);
        assert_eq!(throttles.expected_cost("shop", 3), 7.0);
    }
}
