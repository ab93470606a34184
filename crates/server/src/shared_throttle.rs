//! The Shopify API cost bucket of each shop, shared by every ordersync process on one PostgreSQL
//! database: [`StoreBuckets`] gives the Admin API client (`ordersync_shopify::admin`) the
//! store's `api_buckets` estimate (see `ordersync_store::api_buckets` and `docs/deploy.md`).
//!
//! It is switched on when the database is PostgreSQL, the backend several processes share. On
//! SQLite (one process) each shop's estimate stays in the process, as before: no query per call.

use std::sync::Arc;
use std::time::Duration;

use ordersync_shopify::admin::{SharedBuckets, SharedFuture, SharedGrant, ThrottleStatus};
use ordersync_store::api_buckets::{BucketGrant, ReportedBucket};
use ordersync_store::{Backend, Store, UnixMillis};

/// The store's shared bucket estimates.
#[derive(Debug, Clone)]
pub struct StoreBuckets {
    store: Store,
}

impl StoreBuckets {
    /// Shared estimates over `store`.
    pub fn new(store: Store) -> Self {
        StoreBuckets { store }
    }

    /// The shared estimates when `store` is the kind several processes share (PostgreSQL).
    pub fn for_store(store: &Store) -> Option<Arc<dyn SharedBuckets>> {
        match store.backend() {
            Backend::Postgres => Some(Arc::new(StoreBuckets::new(store.clone()))),
            Backend::Sqlite => None,
        }
    }
}

impl SharedBuckets for StoreBuckets {
    fn reserve<'a>(
        &'a self,
        shop: &'a str,
        cost: f64,
        hold: Duration,
    ) -> SharedFuture<'a, SharedGrant> {
        Box::pin(async move {
            match self
                .store
                .reserve_api_points(shop, cost, hold, UnixMillis::now())
                .await
            {
                Ok(BucketGrant::Granted(id)) => Ok(SharedGrant::Granted(id)),
                Ok(BucketGrant::Wait(d)) => Ok(SharedGrant::Wait(d)),
                Err(e) => Err(e.to_string()),
            }
        })
    }

    fn settle<'a>(
        &'a self,
        shop: &'a str,
        reservation: i64,
        status: Option<ThrottleStatus>,
    ) -> SharedFuture<'a, ()> {
        Box::pin(async move {
            let reported = status.map(|s| ReportedBucket {
                maximum: s.maximum_available,
                available: s.currently_available,
                restore_rate: s.restore_rate,
            });
            self.store
                .settle_api_points(shop, reservation, reported, UnixMillis::now())
                .await
                .map_err(|e| e.to_string())
        })
    }
}
