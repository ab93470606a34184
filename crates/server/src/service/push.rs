//! Pushing a destination order's items for one source store, exactly once (see `docs/push.md`).
//!
//! [`request_push`] (the merchant's Push or Retry, or automated push) moves the push to Queued
//! and enqueues its `push` job in one transaction. [`run_push`] (the job) plans the order, records
//! the intent (Queued → Pushing, with the planned lines) *before* calling Shopify, and creates the
//! source order with `orderCreate`. A push found Pushing again (a crash, a lost lease, an earlier
//! attempt whose outcome is unknown) is first looked up on the source store by its unique tag, so
//! a second order is never created. Every step lands in the order's history.

use ordersync_core::{
    route, status::summarize, ManualShippingFee, OrderId, PushEvent, PushKey, PushStatus,
    ShopDomain, StoreRole,
};
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::NewJob;
use ordersync_store::pushes::{PushChange, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, Tx, UnixMillis};
use serde_json::json;

mod input;
mod job;

pub use input::{new_order, FINANCIAL_STATUS, INVENTORY_BEHAVIOUR};
pub use job::{run_push, PushJobError};

/// The job kind that pushes one order to one source store.
pub const PUSH_JOB_KIND: &str = "push";

/// Why a push request was refused or failed. Messages are for the merchant; storage detail is
/// logged, not shown.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Only destination stores push orders.
    #[error("only a destination store pushes orders; this store is a source store")]
    NotDestination,
    /// No such order in this store.
    #[error("no such order")]
    OrderNotFound,
    /// The source named is not connected.
    #[error("`source`: this store is not connected to source store {0}")]
    NotConnected(String),
    /// A field of the request is malformed.
    #[error("`{field}` {problem}")]
    BadInput {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The push already went through (or was cancelled) and cannot be pushed again.
    #[error("this order was already pushed to that source store (status: {0})")]
    AlreadyDone(&'static str),
    /// Retry asked for a push that has not failed.
    #[error("only a failed push can be retried (status: {0})")]
    NotFailed(&'static str),
    /// The order has no push to that source store.
    #[error("this order has no push to source store {0}")]
    NoPush(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// What a push request did.
#[derive(Debug)]
pub struct PushRequested {
    /// The push, after the request.
    pub push: PushRecord,
    /// False when it was already queued or running (a double click): nothing changed.
    pub queued_now: bool,
}

/// The `push` job of a push; at most one waits per push.
pub fn push_job(
    destination_id: i64,
    push: &PushRecord,
    run_at: UnixMillis,
    now: UnixMillis,
) -> NewJob {
    let mut job = NewJob::new(PUSH_JOB_KIND, json!({ "push_key": push.push_key }), now);
    job.shop_id = Some(destination_id);
    job.run_at = run_at;
    job.dedupe_key = Some(format!("push:{}", push.id));
    job
}

/// Which destination order a push is queued for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderRef<'a> {
    /// Database id.
    pub id: i64,
    /// Shopify id.
    pub gid: &'a OrderId,
}

/// In `tx`: ensures the push of `order` to `source`, and if it is Not pushed (or Failed, when
/// `from_failed`: the merchant's Push or Retry) moves it to Queued and enqueues its job to run at
/// `run_at`. Answers the push and whether it was queued now.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue_in_tx(
    tx: &mut Tx,
    destination: &ShopRecord,
    order: OrderRef<'_>,
    source: &ShopRecord,
    manual_fee: Option<&ManualShippingFee>,
    from_failed: bool,
    actor: &str,
    run_at: UnixMillis,
    now: UnixMillis,
) -> Result<(PushRecord, bool), PushError> {
    let key = PushKey::new(&destination.shop.domain, order.gid, &source.shop.domain);
    let push = tx
        .ensure_push(order.id, source.id, key.as_str(), now)
        .await?;
    let event = match push.status {
        PushStatus::NotPushed => PushEvent::Enqueued,
        PushStatus::Failed if from_failed => PushEvent::Retried,
        PushStatus::Queued | PushStatus::Pushing | PushStatus::Failed => return Ok((push, false)),
        other => return Err(PushError::AlreadyDone(other.as_str())),
    };
    let fee = manual_fee.map(|f| f.amount().to_string());
    let message = match (&event, &fee) {
        (PushEvent::Retried, _) => format!("Push to {} retried", source.shop.domain),
        (_, Some(fee)) => format!(
            "Push to {} queued with a manual shipping fee of {fee}",
            source.shop.domain
        ),
        _ => format!("Push to {} queued", source.shop.domain),
    };
    let change = PushChange {
        manual_fee: fee,
        ..PushChange::default()
    };
    let history = NewEvent {
        order_id: order.id,
        push_id: None,
        actor,
        kind: if event == PushEvent::Retried {
            "push_retried"
        } else {
            "push_queued"
        },
        message: &message,
        data: None,
    };
    tx.transition_push(push.id, push.status, &event, &change, &history, now)
        .await?;
    tx.enqueue(&push_job(destination.id, &push, run_at, now), now)
        .await?;
    Ok((push, true))
}

/// The merchant's Push (or, with `retry`, Retry) of `order_id`'s items for `source`, with an
/// optional manual shipping fee (a decimal string). A second click while queued is a no-op.
pub async fn request_push(
    store: &Store,
    shop: &ShopRecord,
    order_id: i64,
    source: &str,
    manual_fee: Option<&str>,
    retry: bool,
    actor: &str,
) -> Result<PushRequested, PushError> {
    if shop.shop.role != StoreRole::Destination {
        return Err(PushError::NotDestination);
    }
    let domain = ShopDomain::parse(source.trim()).map_err(|e| PushError::BadInput {
        field: "source",
        problem: format!("must be a source store's myshopify domain: {e}"),
    })?;
    let fee = manual_fee
        .map(|f| {
            ManualShippingFee::parse(f).map_err(|e| PushError::BadInput {
                field: "shipping_fee",
                problem: e.to_string(),
            })
        })
        .transpose()?;
    let order = store
        .order(shop.id, order_id)
        .await?
        .ok_or(PushError::OrderNotFound)?;
    let source = store
        .source_stores_of(shop.id)
        .await?
        .into_iter()
        .find(|s| s.shop.domain == domain && s.installed)
        .ok_or_else(|| PushError::NotConnected(domain.to_string()))?;
    let now = UnixMillis::now();
    if retry {
        let key = PushKey::new(&shop.shop.domain, &order.order.id, &domain);
        let status = store.push_by_key(key.as_str()).await?.map(|p| p.status);
        match status {
            Some(PushStatus::Failed) => {}
            Some(PushStatus::Queued | PushStatus::Pushing) => {}
            Some(s) => return Err(PushError::NotFailed(s.as_str())),
            None => return Err(PushError::NotFailed(PushStatus::NotPushed.as_str())),
        }
    }
    let mut tx = store.begin().await?;
    let order_ref = OrderRef {
        id: order.id,
        gid: &order.order.id,
    };
    let queued = queue_in_tx(
        &mut tx,
        shop,
        order_ref,
        &source,
        fee.as_ref(),
        true,
        actor,
        now,
        now,
    )
    .await;
    let (push, queued_now) = match queued {
        Ok(r) => r,
        // Another click or worker moved it meanwhile: it is queued or running.
        Err(PushError::Store(StoreError::Conflict { .. })) => {
            drop(tx);
            let key = PushKey::new(&shop.shop.domain, &order.order.id, &domain);
            let push = store
                .push_by_key(key.as_str())
                .await?
                .ok_or(PushError::OrderNotFound)?;
            return Ok(PushRequested {
                push,
                queued_now: false,
            });
        }
        Err(e) => return Err(e),
    };
    tx.commit().await?;
    refresh_list_status(store, shop.id, order.id).await?;
    let push = store.push_by_key(&push.push_key).await?.unwrap_or(push);
    tracing::info!(shop = %shop.shop.domain, order = %order.order.name.as_str(), source = %domain, queued_now, "push requested");
    Ok(PushRequested { push, queued_now })
}

/// What marking a push's attention resolved did.
#[derive(Debug)]
pub struct AttentionResolved {
    /// The push, after the request.
    pub push: PushRecord,
    /// False when nothing needed attention (already resolved, e.g. a double click).
    pub resolved_now: bool,
}

/// The merchant marks the attention reason of `order_id`'s push to `source` resolved (they dealt
/// with the cancellation or the edit on the source store). The reason is cleared and the order's
/// history says who resolved what. Resolving twice is a no-op; the source store need not be
/// connected any more (an old push can still be resolved).
pub async fn resolve_attention(
    store: &Store,
    shop: &ShopRecord,
    order_id: i64,
    source: &str,
    actor: &str,
) -> Result<AttentionResolved, PushError> {
    if shop.shop.role != StoreRole::Destination {
        return Err(PushError::NotDestination);
    }
    let domain = ShopDomain::parse(source.trim()).map_err(|e| PushError::BadInput {
        field: "source",
        problem: format!("must be a source store's myshopify domain: {e}"),
    })?;
    let order = store
        .order(shop.id, order_id)
        .await?
        .ok_or(PushError::OrderNotFound)?;
    let key = PushKey::new(&shop.shop.domain, &order.order.id, &domain);
    let push = store
        .push_by_key(key.as_str())
        .await?
        .ok_or_else(|| PushError::NoPush(domain.to_string()))?;
    let Some(reason) = push.attention.clone() else {
        return Ok(AttentionResolved {
            push,
            resolved_now: false,
        });
    };
    let now = UnixMillis::now();
    let message = format!("Marked as resolved: {reason}");
    let history = NewEvent {
        order_id: order.id,
        push_id: None,
        actor,
        kind: "push_attention_resolved",
        message: &message,
        data: None,
    };
    let mut tx = store.begin().await?;
    let resolved_now = tx
        .clear_push_attention(push.id, &reason, &history, now)
        .await?;
    tx.commit().await?;
    let push = store.push_by_key(&push.push_key).await?.unwrap_or(push);
    tracing::info!(shop = %shop.shop.domain, order = %order.order.name.as_str(), source = %domain, resolved_now, "push attention resolved");
    Ok(AttentionResolved { push, resolved_now })
}

/// Files the order under the list status its pushes now give (a derived value, refreshed after
/// each push change).
pub async fn refresh_list_status(
    store: &Store,
    shop_id: i64,
    order_id: i64,
) -> Result<(), StoreError> {
    let Some(order) = store.order(shop_id, order_id).await? else {
        return Ok(());
    };
    let catalog = store.synced_catalog(shop_id).await?;
    let expected = route(&order.order, &catalog).per_source.len();
    refresh_list_status_expecting(store, order_id, expected).await
}

/// [`refresh_list_status`] when the caller already knows how many source stores the order
/// routes to (`expected`), from the order and synced catalog it just stored the order with
/// (intake): the order is not read and routed again.
pub(crate) async fn refresh_list_status_expecting(
    store: &Store,
    order_id: i64,
    expected: usize,
) -> Result<(), StoreError> {
    // Read and write in one transaction that holds the order's row: two refreshes (a push job's
    // and an intake's, say) run one after the other, and the later one reads what the earlier
    // committed, so a stale status can never be written last.
    let mut tx = store.begin().await?;
    let Some((eligible, current, pushes)) = tx.order_status_inputs(order_id).await? else {
        return Ok(());
    };
    let status = summarize(eligible, &pushes, expected);
    if status != current {
        tx.set_order_list_status(order_id, status, UnixMillis::now())
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Automated push: the source stores an order is pushed to without a click, and when, if the
/// store's Auto push toggle is on and its Order add-on active; `None` otherwise. Read before the
/// intake transaction; [`queue_auto`] then queues them in it.
pub(crate) async fn auto_push_targets(
    store: &Store,
    destination: &ShopRecord,
    sources: &[ShopDomain],
    now: UnixMillis,
) -> Result<Option<(Vec<ShopRecord>, UnixMillis)>, StoreError> {
    if sources.is_empty() {
        return Ok(None);
    }
    let settings = store.push_settings(destination.id).await?;
    if !settings.auto_push || !store.can_push_orders(destination.id).await? {
        return Ok(None);
    }
    let targets: Vec<ShopRecord> = store
        .source_stores_among(destination.id, sources)
        .await?
        .into_iter()
        .filter(|s| s.installed)
        .collect();
    let hold = i64::from(settings.hold_minutes.get()) * 60_000;
    Ok(Some((targets, UnixMillis(now.0 + hold))))
}

/// In the intake transaction: queues the order's Not pushed pushes to `targets` (a failed push
/// waits for the merchant's Retry; a queued or done one is left alone). Answers how many were queued.
pub(crate) async fn queue_auto(
    tx: &mut Tx,
    destination: &ShopRecord,
    order: OrderRef<'_>,
    targets: &[ShopRecord],
    run_at: UnixMillis,
    now: UnixMillis,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for source in targets {
        match queue_in_tx(
            tx,
            destination,
            order,
            source,
            None,
            false,
            "auto push",
            run_at,
            now,
        )
        .await
        {
            Ok((_, true)) => queued += 1,
            Ok((_, false)) | Err(PushError::AlreadyDone(_)) => {}
            Err(PushError::Store(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(shop = %destination.shop.domain, source = %source.shop.domain, error = %e, "auto push not queued");
            }
        }
    }
    Ok(queued)
}
