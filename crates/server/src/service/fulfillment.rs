//! Fulfillment and tracking back from source stores, and source cancellations (see
//! `docs/fulfillment.md`).
//!
//! - A source store's `fulfillments/create|update` webhook names the source order; when that
//!   order is an ordersync push, [`fulfillment_changed`] enqueues the push's `sync_fulfillments`
//!   job (in the receipt's transaction). The job ([`run_sync_fulfillments`]) re-reads the source
//!   order through the Admin API, records every shipment (`push_fulfillments`), moves the push to
//!   Partially fulfilled / Fulfilled, and creates, re-tracks or cancels the matching fulfillment
//!   on the destination order through its fulfillment orders. Each step is idempotent: a replay
//!   finds nothing new to do.
//! - A source store's order webhook with `cancelled_at` (the supplier cancelled the order) moves
//!   the push to Cancelled with the reason in merchant words ([`source_order_changed`]); the
//!   destination order is not touched.
//! - Reconciliation: the `reconcile_pushes` job ([`reconcile_pushes_job`], [`run_reconcile`])
//!   lists, per source store, the ordersync-tagged orders updated since that store's cursor and
//!   enqueues the `sync_fulfillments` job of each push whose source order changed since it was
//!   last read back (plus a few open pushes not read for long), so what a lost webhook missed is
//!   read back through the same path.

use ordersync_core::{PushEvent, PushStatus, StoreRole};
use ordersync_shopify::payload::{parse_fulfillment, parse_order_cancellation};
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::{Job, NewJob};
use ordersync_store::pushes::{PushChange, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::webhooks::WebhookReceipt;
use ordersync_store::{Store, StoreError, Tx, UnixMillis};
use serde_json::json;

use super::orders::installed_shop;
use super::process::{finish, JobRef};
use super::push::refresh_list_status;
use super::reconcile::updated_since_query;
use super::ProcessError;
use crate::auth::AuthService;
use crate::config::ReconcileConfig;

mod sync;

pub use sync::{run_sync_fulfillments, SyncError};

/// The job kind that brings one push's shipments (and cancellation) back from its source store.
pub const SYNC_FULFILLMENTS_JOB_KIND: &str = "sync_fulfillments";

/// The job kind that re-reads the source orders of one destination store's open pushes.
pub const RECONCILE_PUSHES_JOB_KIND: &str = "reconcile_pushes";

/// The `sync_fulfillments` job of a push; at most one waits per push.
pub fn sync_fulfillments_job(destination_id: i64, push: &PushRecord, now: UnixMillis) -> NewJob {
    let mut job = NewJob::new(
        SYNC_FULFILLMENTS_JOB_KIND,
        json!({ "push_key": push.push_key }),
        now,
    );
    job.shop_id = Some(destination_id);
    job.dedupe_key = Some(format!("{SYNC_FULFILLMENTS_JOB_KIND}:{}", push.id));
    job
}

/// The `reconcile_pushes` job of a destination store; at most one waits per store. Enqueue it
/// with `tx.enqueue(&reconcile_pushes_job(shop_id, now), now)` (a periodic scheduler does, per
/// destination store).
pub fn reconcile_pushes_job(destination_shop_id: i64, now: UnixMillis) -> NewJob {
    let mut job = NewJob::new(
        RECONCILE_PUSHES_JOB_KIND,
        json!({ "destination_shop_id": destination_shop_id }),
        now,
    );
    job.shop_id = Some(destination_shop_id);
    job.dedupe_key = Some(format!("{RECONCILE_PUSHES_JOB_KIND}:{destination_shop_id}"));
    job
}

/// A source store's `fulfillments/create` or `fulfillments/update`: when the order shipped is an
/// ordersync push, queue its `sync_fulfillments` job. Other shops' and other orders' shipments
/// are not ordersync's business.
pub async fn fulfillment_changed(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let shop = installed_shop(store, receipt).await?;
    if shop.shop.role != StoreRole::Source {
        // A destination store's own shipments (including the ones ordersync made): nothing to
        // do, but the receipt names its order so a customer's redaction finds it.
        let order = parse_fulfillment(&receipt.body).ok().map(|f| f.order_id);
        return finish(store.begin().await?, receipt, job, order.as_deref(), now).await;
    }
    let shipment =
        parse_fulfillment(&receipt.body).map_err(|e| ProcessError::Final(e.to_string()))?;
    let push = store
        .push_by_source_order(shop.id, &shipment.order_id)
        .await?;
    let destination = match &push {
        Some(p) => store.destination_of_push(p.id).await?,
        None => None,
    };
    let mut tx = store.begin().await?;
    if let (Some(push), Some(destination)) = (&push, destination) {
        tx.enqueue(&sync_fulfillments_job(destination, push, now), now)
            .await?;
        tracing::info!(shop = %shop.shop.domain, fulfillment = %shipment.id, status = %shipment.status, push = push.id, "source shipment: sync queued");
    }
    finish(tx, receipt, job, Some(&shipment.order_id), now).await
}

/// A source store's order webhook (`orders/*`): when the order is an ordersync push (found by
/// its GID, or by its `ordersync-<key>` tag) and the supplier cancelled it, the push becomes
/// Cancelled. Anything else about a source store's orders is not ordersync's business.
pub async fn source_order_changed(
    store: &Store,
    shop: &ShopRecord,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let order =
        parse_order_cancellation(&receipt.body).map_err(|e| ProcessError::Final(e.to_string()))?;
    // Every receipt names its order, so a customer's redaction finds the bodies that carry
    // the customer's details (the source order has the shopper's name and address).
    if order.cancelled_at.is_none() {
        return finish(store.begin().await?, receipt, job, Some(&order.id), now).await;
    }
    let mut push = store.push_by_source_order(shop.id, &order.id).await?;
    if push.is_none() {
        for key in order
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("ordersync-"))
        {
            if let Some(p) = store.push_by_key(key).await? {
                if p.source_shop_id == shop.id {
                    push = Some(p);
                    break;
                }
            }
        }
    }
    let Some(push) = push else {
        return finish(store.begin().await?, receipt, job, Some(&order.id), now).await;
    };
    let destination = store.destination_of_push(push.id).await?;
    let actor = format!("webhook {}", receipt.topic);
    let mut tx = store.begin().await?;
    let cancelled = source_cancelled(
        &mut tx,
        &push,
        shop,
        &order.name,
        order.cancel_reason.as_deref(),
        &actor,
        now,
    )
    .await?;
    finish(tx, receipt, job, Some(&order.id), now).await?;
    if let (true, Some(destination)) = (cancelled, destination) {
        refresh_list_status(store, destination, push.order_id).await?;
    }
    Ok(())
}

/// In `tx`: the supplier cancelled the source order of `push`. Moves the push to Cancelled with
/// the reason in merchant words; the destination order is left alone. Answers whether it moved
/// (false: already cancelled, or not in a state the source order exists in).
pub(crate) async fn source_cancelled(
    tx: &mut Tx,
    push: &PushRecord,
    source: &ShopRecord,
    order_name: &str,
    reason: Option<&str>,
    actor: &str,
    now: UnixMillis,
) -> Result<bool, StoreError> {
    if !matches!(
        push.status,
        PushStatus::Pushed | PushStatus::PartiallyFulfilled | PushStatus::Fulfilled
    ) {
        if push.status != PushStatus::Cancelled {
            tracing::warn!(push = push.id, status = %push.status, "source order cancelled while the push is not pushed; left for reconciliation");
        }
        return Ok(false);
    }
    let message = match reason {
        Some(r) => format!(
            "{} cancelled {order_name} (reason: {})",
            source.shop.name.as_str(),
            r.to_ascii_lowercase()
        ),
        None => format!("{} cancelled {order_name}", source.shop.name.as_str()),
    };
    tx.transition_push(
        push.id,
        push.status,
        &PushEvent::SourceCancelled,
        &PushChange {
            reason: Some(message.clone()),
            ..PushChange::default()
        },
        &NewEvent {
            order_id: push.order_id,
            push_id: Some(push.id),
            actor,
            kind: "push_source_cancelled",
            message: &message,
            data: Some(json!({ "source_order": push.source_order_gid, "reason": reason })),
        },
        now,
    )
    .await?;
    tracing::info!(push = push.id, source = %source.shop.domain, order = order_name, "source order cancelled; push cancelled");
    Ok(true)
}

/// Source orders listed per page by push reconciliation (summaries: a few points each).
const SOURCE_PAGE_SIZE: u32 = 100;

/// Pages of one source store's changed orders a run reads at most (the cursor moves after each,
/// so the next run goes on from there).
const MAX_SOURCE_PAGES: usize = 50;

/// Open pushes a run re-reads regardless of `updated_at` (see [`ReconcileConfig::recheck`]).
const RECHECK_PER_RUN: u32 = 25;

/// How long after it was fulfilled a push is still re-read by the recheck (tracking numbers
/// still change then).
const RECHECK_FULFILLED_FOR_MILLIS: i64 = 7 * 24 * 3_600_000;

/// What one `reconcile_pushes` run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushesReconciled {
    /// Source orders listed as changed since the cursors.
    pub listed: usize,
    /// `sync_fulfillments` jobs queued because their source order changed.
    pub changed: usize,
    /// `sync_fulfillments` jobs queued by the recheck of pushes not read for long.
    pub rechecked: usize,
    /// Source stores whose orders could not be listed this run.
    pub failed_sources: usize,
}

/// Runs the `reconcile_pushes` job of a destination store (see `docs/fulfillment.md`): for each
/// source store holding its live pushes, lists that store's ordersync-tagged orders updated
/// since the store's cursor (minus the overlap), and queues the `sync_fulfillments` job of each
/// live push (of any destination) whose source order changed since the push last read it; then
/// queues the re-read of a few open pushes not read back for `config.recheck`.
pub async fn run_reconcile(
    store: &Store,
    auth: &AuthService,
    config: &ReconcileConfig,
    lease: std::time::Duration,
    job: &Job,
    owner: &str,
) -> Result<PushesReconciled, SyncError> {
    let id = job
        .payload
        .get("destination_shop_id")
        .and_then(|v| v.as_i64())
        .or(job.shop_id);
    let destination = match id {
        Some(id) => store.shop_by_id(id).await?,
        None => None,
    };
    let Some(destination) = destination.filter(|d| d.installed) else {
        store.complete_job(job.id, owner).await?;
        return Ok(PushesReconciled::default());
    };
    let mut done = PushesReconciled::default();
    for (source_id, oldest) in store.sources_to_reconcile(destination.id).await? {
        let Some(source) = store.shop_by_id(source_id).await?.filter(|s| s.installed) else {
            continue;
        };
        // One source store failing (a revoked token, Shopify down) does not hold up the others:
        // its cursor stays where it was, so the next run reads from there again.
        match reconcile_source(store, auth, config, &source, oldest, lease, job, owner).await {
            Ok((listed, changed)) => {
                done.listed += listed;
                done.changed += changed;
            }
            Err(SyncError::Store(e)) => return Err(SyncError::Store(e)),
            Err(e) => {
                done.failed_sources += 1;
                tracing::warn!(shop = %destination.shop.domain, source = %source.shop.domain, error = %e, "push reconciliation could not list the source store's orders; next run tries again");
            }
        }
    }
    let now = UnixMillis::now();
    let recheck = store
        .pushes_to_recheck(
            destination.id,
            now.plus_millis(-millis(config.recheck)),
            now.plus_millis(-RECHECK_FULFILLED_FOR_MILLIS),
            RECHECK_PER_RUN,
        )
        .await?;
    let mut tx = store.begin().await?;
    for push in &recheck {
        // Stamped whatever the read-back then does, so a push whose read-back keeps failing
        // goes to the back of the line instead of holding its front.
        tx.mark_push_rechecked(push.id, now).await?;
        if tx
            .enqueue(&sync_fulfillments_job(destination.id, push, now), now)
            .await?
            .is_some()
        {
            done.rechecked += 1;
        }
    }
    tx.complete_job(job.id, owner).await?;
    tx.commit().await?;
    tracing::info!(shop = %destination.shop.domain, listed = done.listed, changed = done.changed, rechecked = done.rechecked, failed_sources = done.failed_sources, "pushes reconciled: source orders queued for re-reading");
    Ok(done)
}

/// One source store's part of a run: answers (orders listed, re-reads queued).
#[allow(clippy::too_many_arguments)]
async fn reconcile_source(
    store: &Store,
    auth: &AuthService,
    config: &ReconcileConfig,
    source: &ShopRecord,
    oldest_push: UnixMillis,
    lease: std::time::Duration,
    job: &Job,
    owner: &str,
) -> Result<(usize, usize), SyncError> {
    // A run that stopped at its page limit goes on from its cursor; otherwise a run starts the
    // overlap before it (Shopify's search is not exact), or at the oldest live push.
    let (cursor, from) = match store.source_reconcile_cursor(source.id).await? {
        Some(c) if c.cut => (c.at, c.at),
        Some(c) => (c.at, c.at.plus_millis(-millis(config.overlap))),
        None => (
            oldest_push,
            oldest_push.plus_millis(-millis(config.overlap)),
        ),
    };
    let query = format!("tag:ordersync {}", updated_since_query(from));
    let api = crate::service::shop_api::shop_api(auth, source, UnixMillis::now())
        .await
        .map_err(|e| SyncError::Token {
            shop: source.shop.domain.clone(),
            source: e,
        })?;
    let mut after: Option<String> = None;
    let (mut listed, mut changed) = (0, 0);
    for _ in 0..MAX_SOURCE_PAGES {
        let read_at = UnixMillis::now();
        let page = api
            .orders(Some(&query), SOURCE_PAGE_SIZE, after.as_deref())
            .await
            .map_err(SyncError::Shopify)?;
        listed += page.nodes.len();
        let mut newest = cursor;
        let mut updated: Vec<(String, Option<UnixMillis>)> = Vec::new();
        for node in &page.nodes {
            let at = parse_time(&node.updated_at);
            if let Some(at) = at {
                newest = newest.max(at);
            }
            updated.push((node.id.clone(), at));
        }
        let gids: Vec<String> = updated.iter().map(|(g, _)| g.clone()).collect();
        let found = store.live_pushes_of_source_orders(source.id, &gids).await?;
        let now = UnixMillis::now();
        let mut tx = store.begin().await?;
        for hit in &found {
            let at = updated
                .iter()
                .find(|(g, _)| Some(g) == hit.push.source_order_gid.as_ref())
                .and_then(|(_, at)| *at);
            if at.is_some_and(|at| read_back_since(at, hit.source_updated_at, hit.checked_at)) {
                continue;
            }
            if tx
                .enqueue(
                    &sync_fulfillments_job(hit.destination_shop_id, &hit.push, now),
                    now,
                )
                .await?
                .is_some()
            {
                changed += 1;
            }
        }
        tx.commit().await?;
        let last = !(page.page_info.has_next_page && page.page_info.end_cursor.is_some());
        if last {
            newest = newest.max(read_at);
        }
        store
            .advance_source_reconcile_cursor(source.id, newest, !last, UnixMillis::now())
            .await?;
        store
            .extend_lease(job.id, owner, lease, UnixMillis::now())
            .await?;
        match page.page_info.end_cursor {
            Some(next) if page.page_info.has_next_page => after = Some(next),
            _ => break,
        }
    }
    Ok((listed, changed))
}

/// How far ordersync's clock may be ahead of Shopify's: a read-back counts as later than a
/// change made in the same second as the `updated_at` it saw only when it was made this much
/// more than a second after that second began (by ordersync's clock).
const CLOCK_MARGIN_MILLIS: i64 = 5_000;

/// Whether a push's last read-back (which saw `updated_at` `seen`, at `checked_at`) already saw
/// the source order's state of `updated_at`.
/// Shopify gives `updated_at` to the second: a read that saw an older second missed the change;
/// one that saw the same second saw it only if it was made after that second ended (with a
/// margin for the two clocks), otherwise a second change within that second could be missed.
fn read_back_since(
    updated_at: UnixMillis,
    seen: Option<UnixMillis>,
    checked_at: Option<UnixMillis>,
) -> bool {
    match (seen, checked_at) {
        (Some(seen), _) if updated_at < seen => true,
        (Some(seen), Some(checked)) if updated_at == seen => {
            checked.0 >= seen.0 + 1_000 + CLOCK_MARGIN_MILLIS
        }
        _ => false,
    }
}

/// An ISO 8601 time from the Admin API as Unix milliseconds.
pub(crate) fn parse_time(at: &str) -> Option<UnixMillis> {
    chrono::DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| UnixMillis::from(t.with_timezone(&chrono::Utc)))
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_800_000_000_000;

    #[test]
    fn a_read_back_counts_only_when_it_surely_saw_the_change() {
        let at = |ms: i64| Some(UnixMillis(ms));
        // Never read back: re-read.
        assert!(!read_back_since(UnixMillis(S), None, None));
        // The read saw a newer second: nothing new.
        assert!(read_back_since(UnixMillis(S), at(S + 1_000), at(S + 1_200)));
        // The order changed in a later second: re-read.
        assert!(!read_back_since(
            UnixMillis(S + 1_000),
            at(S),
            at(S + 60_000)
        ));
        // Same second, read during it: a second change in that second may have been missed.
        assert!(!read_back_since(UnixMillis(S), at(S), at(S + 300)));
        // Same second, read well after it ended (beyond the clock margin): it saw it.
        assert!(read_back_since(
            UnixMillis(S),
            at(S),
            at(S + 1_000 + CLOCK_MARGIN_MILLIS)
        ));
        assert!(!read_back_since(
            UnixMillis(S),
            at(S),
            at(S + 999 + CLOCK_MARGIN_MILLIS)
        ));
    }
}
