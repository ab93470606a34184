//! The raw-payload retention (`webhook_body_retention_days`): the raw body of a webhook that was
//! processed longer ago than the retention is dropped, the receipt itself kept (topic, ids,
//! times, status, the order it concerned). Received and failed webhooks keep their bodies, which
//! they still need. Every process with the `worker` role runs a pass at start and then hourly;
//! passes in several processes at once are harmless (each body is dropped once).

use std::time::Duration;

use ordersync_store::{Store, StoreError, UnixMillis};

use crate::shutdown::Shutdown;

/// Time between two passes.
pub const PASS_EVERY: Duration = Duration::from_secs(3_600);

/// Bodies dropped per statement (a pass repeats until nothing is left).
const PER_STATEMENT: u32 = 1_000;

/// Drops the bodies of the webhooks processed before `now - retention`; returns how many.
pub async fn drop_old_bodies(
    store: &Store,
    retention: Duration,
    now: UnixMillis,
) -> Result<u64, StoreError> {
    let cutoff = now.plus_millis(-i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
    let mut total = 0;
    loop {
        let n = store
            .drop_processed_webhook_bodies(cutoff, PER_STATEMENT)
            .await?;
        total += n;
        if n < u64::from(PER_STATEMENT) {
            return Ok(total);
        }
    }
}

/// Runs [`drop_old_bodies`] now and every [`PASS_EVERY`] until `shutdown`.
pub async fn drop_old_bodies_periodically(store: Store, retention: Duration, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(PASS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.wait() => return,
            _ = tick.tick() => {}
        }
        match drop_old_bodies(&store, retention, UnixMillis::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(dropped = n, "raw bodies of old processed webhooks dropped"),
            Err(e) => tracing::warn!(error = %e, "dropping old webhook bodies failed"),
        }
    }
}
