//! Shopify's rate limit: a leaky bucket of query-cost points per app and shop. A request pays its
//! requested cost up front (or is `THROTTLED` when the bucket cannot pay), and gets back the
//! difference between requested and actual cost once it ran. The bucket refills at the shop's
//! restore rate. Buckets of different shops never affect each other.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use crate::state::ThrottleConfig;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    available: f64,
    at: Instant,
}

/// The buckets of every (shop, app).
#[derive(Debug, Default)]
pub struct Buckets {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

/// A bucket's state, as `extensions.cost.throttleStatus` reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleStatus {
    /// Bucket size.
    pub maximum_available: f64,
    /// Points available now.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl ThrottleStatus {
    /// The JSON Shopify sends.
    pub fn to_json(self) -> Value {
        json!({
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available.floor() as i64,
            "restoreRate": self.restore_rate,
        })
    }
}

impl Buckets {
    fn with<R>(
        &self,
        shop: &str,
        app: &str,
        config: ThrottleConfig,
        f: impl FnOnce(&mut Bucket) -> R,
    ) -> R {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let bucket = buckets
            .entry((shop.to_owned(), app.to_owned()))
            .or_insert(Bucket {
                available: config.maximum_available,
                at: now,
            });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.available =
            (bucket.available + elapsed * config.restore_rate).min(config.maximum_available);
        bucket.at = now;
        f(bucket)
    }

    /// Pays `cost` if the bucket holds it; otherwise leaves it untouched. Either way returns the
    /// status after the attempt.
    pub fn try_spend(
        &self,
        shop: &str,
        app: &str,
        config: ThrottleConfig,
        cost: f64,
    ) -> Result<ThrottleStatus, ThrottleStatus> {
        self.with(shop, app, config, |b| {
            let paid = b.available >= cost;
            if paid {
                b.available -= cost;
            }
            let status = ThrottleStatus {
                maximum_available: config.maximum_available,
                currently_available: b.available,
                restore_rate: config.restore_rate,
            };
            if paid {
                Ok(status)
            } else {
                Err(status)
            }
        })
    }

    /// Gives back points (requested minus actual cost).
    pub fn refund(
        &self,
        shop: &str,
        app: &str,
        config: ThrottleConfig,
        points: f64,
    ) -> ThrottleStatus {
        self.with(shop, app, config, |b| {
            b.available = (b.available + points.max(0.0)).min(config.maximum_available);
            ThrottleStatus {
                maximum_available: config.maximum_available,
                currently_available: b.available,
                restore_rate: config.restore_rate,
            }
        })
    }

    /// Empties or refills a bucket (control API, tests).
    pub fn set_available(&self, shop: &str, app: &str, config: ThrottleConfig, points: f64) {
        self.with(shop, app, config, |b| {
            b.available = points.clamp(0.0, config.maximum_available)
        });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_pays_refunds_and_refuses_when_short() {
        let buckets = Buckets::default();
        let config = ThrottleConfig {
            maximum_available: 100.0,
            restore_rate: 0.0,
        };
        assert_eq!(
            buckets
                .try_spend("a", "app", config, 60.0)
                .map(|s| s.currently_available),
            Ok(40.0)
        );
        assert!(
            buckets.try_spend("a", "app", config, 60.0).is_err(),
            "40 points cannot pay 60"
        );
        assert_eq!(
            buckets.refund("a", "app", config, 30.0).currently_available,
            70.0
        );
        // Another shop's bucket is untouched.
        assert_eq!(
            buckets
                .try_spend("b", "app", config, 100.0)
                .map(|s| s.currently_available),
            Ok(0.0)
        );
    }

    #[test]
    fn a_bucket_refills_at_the_restore_rate_up_to_its_size() {
        let buckets = Buckets::default();
        let config = ThrottleConfig {
            maximum_available: 1000.0,
            restore_rate: 1000.0,
        };
        buckets.set_available("a", "app", config, 0.0);
        std::thread::sleep(Duration::from_millis(50));
        let status = buckets.refund("a", "app", config, 0.0);
        assert!(status.currently_available >= 50.0, "{status:?}");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            buckets.refund("a", "app", config, 0.0).currently_available,
            1000.0
        );
    }
}
