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
//!   enqueues the `sync_fulfillments` job of every push of one destination store that is Pushed
//!   or Partially fulfilled, so what a lost webhook missed is read back through the same path.

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
use super::ProcessError;

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

/// Runs the `reconcile_pushes` job: queues the `sync_fulfillments` job of every push of the
/// destination store that is Pushed or Partially fulfilled, in one transaction with the job's
/// completion. Answers how many were queued.
pub async fn run_reconcile(store: &Store, job: &Job, owner: &str) -> Result<usize, StoreError> {
    let now = UnixMillis::now();
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
        return Ok(0);
    };
    let pushes = store.pushes_to_reconcile(destination.id).await?;
    let mut tx = store.begin().await?;
    for push in &pushes {
        tx.enqueue(&sync_fulfillments_job(destination.id, push, now), now)
            .await?;
    }
    tx.complete_job(job.id, owner).await?;
    tx.commit().await?;
    tracing::info!(shop = %destination.shop.domain, pushes = pushes.len(), "reconciliation: source orders queued for re-reading");
    Ok(pushes.len())
}
