//! What happens to an order's pushes when the destination order changes after it was pushed
//! (see `docs/push.md`, "Cancellations and edits").
//!
//! **Cancelled** (an `orders/cancelled` or `orders/updated` with `cancelled_at`, from a webhook or
//! from reconciliation), decided in the intake transaction ([`order_cancelled`]):
//! - a push that never started (Not pushed, or Queued/Failed without planned lines) moves to
//!   Cancelled by the status machine's `DestinationCancelled`; a queued `push` job then finds it
//!   Cancelled and does nothing;
//! - a Queued or Failed push with planned lines was Pushing before, so an earlier attempt may have
//!   created the source order: its `cancel_source_order` job looks it up by the push's tag first
//!   (found: handled as below, then `DestinationCancelled`; not found: `DestinationCancelled`);
//! - a push whose source order exists or may exist (Pushing, Pushed, Partially fulfilled,
//!   Fulfilled) gets a `cancel_source_order` job ([`run_cancel_source`]): it reads the source order
//!   through the Admin API right before acting; nothing shipped → `orderCancel` (restock, no
//!   email to the shopper) and the push moves to Cancelled (`SourceCancelled`: the source order is
//!   cancelled); something shipped → the source order is left alone and the push is flagged
//!   with an attention reason for the merchant. Cancelling twice is harmless: an already
//!   cancelled source order is recognised when read and recorded as cancelled.
//!
//! **Edited after a push** (line items or quantities no longer match what was pushed,
//! [`flag_edits`]): the push is flagged with an attention reason naming the change; nothing is
//! sent to the source store automatically. The reason clears by itself when the order matches
//! the push again; any attention reason clears when the merchant marks it resolved
//! (`service::push::resolve_attention`).

use ordersync_core::{DestinationOrder, PushEvent, PushStatus, Routing, ShopDomain};
use ordersync_shopify::admin::types::{CancelReason, Order as SourceOrder};
use ordersync_shopify::admin::AdminError;
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::{Job, NewJob};
use ordersync_store::pushes::{PushChange, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, Tx, UnixMillis};
use serde_json::json;

use super::push::refresh_list_status;
use super::shop_api::{find_pushed_order, push_tag, shop_api};
use crate::auth::{AuthError, AuthService};

/// The job kind that cancels one push's source order after its destination order was cancelled.
pub const CANCEL_SOURCE_JOB_KIND: &str = "cancel_source_order";

/// Restock the source order's items when ordersync cancels it: nothing has shipped (it is only
/// cancelled then), and the push decremented the supplier's stock, so it goes back.
pub const CANCEL_RESTOCK: bool = true;

/// Attempts of a `cancel_source_order` job: it waits (retrying) while the push is still being
/// created, which can take the push job's own retries.
const CANCEL_MAX_ATTEMPTS: u32 = 20;

/// The order and its pushes, as the intake transaction sees them.
pub(crate) struct AfterPush<'a> {
    /// The destination store.
    pub shop: &'a ShopRecord,
    /// The stored order's id.
    pub order_id: i64,
    /// The order's new state.
    pub order: &'a DestinationOrder,
    /// The state stored before, if any.
    pub previous: Option<&'a DestinationOrder>,
    /// Its pushes, read before the transaction.
    pub pushes: &'a [PushRecord],
    /// Its routing under the current synced catalogue.
    pub routing: &'a Routing,
    /// The source stores' names, by domain (the domain stands in for a store not found).
    pub source_names: &'a [(ShopDomain, String)],
    /// Who brought the change, for the history.
    pub actor: &'a str,
}

impl AfterPush<'_> {
    fn source_name(&self, domain: &ShopDomain) -> String {
        self.source_names
            .iter()
            .find(|(d, _)| d == domain)
            .map_or_else(|| domain.to_string(), |(_, n)| n.clone())
    }
}

fn event<'a>(order_id: i64, actor: &'a str, kind: &'a str, message: &'a str) -> NewEvent<'a> {
    NewEvent {
        order_id,
        push_id: None,
        actor,
        kind,
        message,
        data: None,
    }
}

/// The `cancel_source_order` job of a push; at most one waits per push.
pub fn cancel_source_job(destination_id: i64, push: &PushRecord, now: UnixMillis) -> NewJob {
    let mut job = NewJob::new(
        CANCEL_SOURCE_JOB_KIND,
        json!({ "push_key": push.push_key }),
        now,
    );
    job.shop_id = Some(destination_id);
    job.max_attempts = CANCEL_MAX_ATTEMPTS;
    job.dedupe_key = Some(format!("cancel_source:{}", push.id));
    job
}

/// In the intake transaction of an order that just became cancelled: cancels the pushes that
/// created nothing and queues the cancellation of the source orders of the others. Answers how
/// many pushes it changed or queued work for.
pub(crate) async fn order_cancelled(
    tx: &mut Tx,
    a: &AfterPush<'_>,
    now: UnixMillis,
) -> Result<usize, StoreError> {
    let name = a.order.name.as_str();
    let mut changed = 0;
    for push in a.pushes {
        let source = a.source_name(&push.source_domain);
        match push.status {
            PushStatus::Cancelled => continue,
            // Never started (no planned lines): nothing can exist on the source store. A Queued
            // or Failed push with lines was Pushing before (a retryable failure, a refusal): an
            // earlier attempt may have created the source order, so the job looks first.
            PushStatus::NotPushed | PushStatus::Queued | PushStatus::Failed
                if push.status == PushStatus::NotPushed || push.lines.is_empty() =>
            {
                let message = format!(
                    "Order {name} was cancelled; the push to {source} is cancelled (nothing was created there)"
                );
                let moved = tx
                    .transition_push(
                        push.id,
                        push.status,
                        &PushEvent::DestinationCancelled,
                        &PushChange::default(),
                        &event(a.order_id, a.actor, "push_cancelled", &message),
                        now,
                    )
                    .await;
                match moved {
                    Ok(_) => {}
                    // The push job moved it meanwhile (e.g. Queued → Pushing): the job below
                    // reads it again and does what its status then needs.
                    Err(StoreError::Conflict { .. }) => {
                        tx.enqueue(&cancel_source_job(a.shop.id, push, now), now)
                            .await?;
                    }
                    Err(e) => return Err(e),
                }
            }
            PushStatus::NotPushed
            | PushStatus::Queued
            | PushStatus::Failed
            | PushStatus::Pushing
            | PushStatus::Pushed
            | PushStatus::PartiallyFulfilled
            | PushStatus::Fulfilled => {
                let target = push
                    .source_order_name
                    .as_deref()
                    .map_or_else(|| "the order".to_owned(), |n| format!("order {n}"));
                let message = format!(
                    "Order {name} was cancelled; cancelling {target} on {source} unless it has shipped"
                );
                tx.enqueue(&cancel_source_job(a.shop.id, push, now), now)
                    .await?;
                let mut e = event(a.order_id, a.actor, "source_cancel_queued", &message);
                e.push_id = Some(push.id);
                tx.append_event(&e, now).await?;
            }
        }
        changed += 1;
    }
    Ok(changed)
}

/// In the intake transaction of an order that is not cancelled: flags each push whose source
/// order exists and whose lines no longer match the order (quantity changed, line removed, or a
/// new item for that source store). A push's line matches while the units still to ship on the
/// destination order lie between what was pushed minus what the source store shipped and what
/// was pushed (shipping back lags the source store). Answers how many pushes were newly flagged.
pub(crate) async fn flag_edits(
    tx: &mut Tx,
    a: &AfterPush<'_>,
    now: UnixMillis,
) -> Result<usize, StoreError> {
    let mut flagged = 0;
    for push in a.pushes {
        let created = matches!(
            push.status,
            PushStatus::Pushed | PushStatus::PartiallyFulfilled | PushStatus::Fulfilled
        );
        if !created || push.lines.is_empty() {
            continue;
        }
        let changes = edits(a.order, a.previous, a.routing, push);
        let source = a.source_name(&push.source_domain);
        if changes.is_empty() {
            // An edit's reason goes away by itself once the order matches the push again (the
            // edit was undone); any other reason stays until the merchant resolves it.
            let edit_reason = push
                .attention
                .as_deref()
                .filter(|r| r.contains(EDITED_MARK));
            if let Some(reason) = edit_reason {
                if matches_push(a.order, a.routing, push) {
                    let message = format!(
                        "Order {} matches what was pushed to {source} again; the push no longer needs attention",
                        a.order.name.as_str()
                    );
                    let e = event(a.order_id, a.actor, "push_attention_cleared", &message);
                    tx.clear_push_attention(push.id, reason, &e, now).await?;
                }
            }
            continue;
        }
        let target = push
            .source_order_name
            .as_deref()
            .map_or_else(|| "the order".to_owned(), |n| format!("order {n}"));
        let reason = format!(
            "Order {}{EDITED_MARK}{source} ({}); the change was not sent: update {target} on {source} or contact them.",
            a.order.name.as_str(),
            changes.join("; ")
        );
        let e = event(a.order_id, a.actor, "push_attention", &reason);
        if tx
            .set_push_attention(push.id, Some(&reason), &e, now)
            .await?
        {
            flagged += 1;
        }
    }
    Ok(flagged)
}

/// The words of an edit's attention reason that tell it from the others.
const EDITED_MARK: &str = " was edited after it was pushed to ";

/// Whether the order now asks exactly what the push carries: every pushed line's units still to
/// ship fit what was pushed and shipped, and no item for that source store is missing from the
/// push. Stricter than [`edits`] (which only reports lines added since the previous state).
fn matches_push(order: &DestinationOrder, routing: &Routing, push: &PushRecord) -> bool {
    edits(order, None, routing, push).is_empty()
        && routing.lines_for(&push.source_domain).iter().all(|routed| {
            routed.quantity == 0
                || push
                    .lines
                    .iter()
                    .any(|l| l.destination_line_gid == routed.line_item.as_str())
        })
}

/// What changed on the order compared with a push's lines, in merchant words (empty: nothing).
fn edits(
    order: &DestinationOrder,
    previous: Option<&DestinationOrder>,
    routing: &Routing,
    push: &PushRecord,
) -> Vec<String> {
    let mut changes = Vec::new();
    for line in &push.lines {
        let current = order
            .line_items
            .iter()
            .find(|l| l.id.as_str() == line.destination_line_gid);
        let still_to_ship = current.map_or(0, |l| i64::from(l.fulfillable_quantity));
        let lowest = (line.quantity - line.fulfilled_quantity).max(0);
        if still_to_ship > line.quantity || still_to_ship < lowest {
            changes.push(match (current, line.fulfilled_quantity) {
                (None, _) => format!("{}: removed", line.title),
                (Some(_), 0) => format!("{}: {} → {}", line.title, line.quantity, still_to_ship),
                (Some(_), shipped) => format!(
                    "{}: {} pushed, {shipped} shipped, {still_to_ship} still to ship",
                    line.title, line.quantity
                ),
            });
        }
    }
    for routed in routing.lines_for(&push.source_domain) {
        let pushed = push
            .lines
            .iter()
            .any(|l| l.destination_line_gid == routed.line_item.as_str());
        // A line the order already had was not synced when pushed (the catalogue changed since):
        // not an edit of the order.
        let new_line =
            previous.is_some_and(|p| p.line_items.iter().all(|l| l.id != routed.line_item));
        if !pushed && new_line && routed.quantity > 0 {
            changes.push(format!("{}: {} added", routed.title, routed.quantity));
        }
    }
    changes
}

/// Why a `cancel_source_order` job attempt did not finish.
#[derive(Debug, thiserror::Error)]
pub enum CancelJobError {
    /// No usable access token for the source store.
    #[error("access token of {shop}: {source}")]
    Token {
        /// The shop.
        shop: ShopDomain,
        /// Why.
        source: AuthError,
    },
    /// Shopify failed in a way worth trying again.
    #[error("{0}")]
    Shopify(AdminError),
    /// The push is still being created; the cancellation waits for its outcome.
    #[error("the push to {0} is still being created; cancelling once it is settled")]
    PushInProgress(ShopDomain),
    /// Storage failed (or the push moved meanwhile: the next attempt reads it again).
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl CancelJobError {
    /// Whether running the job again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            CancelJobError::Token { source, .. } => source.is_retryable(),
            CancelJobError::Shopify(e) => e.is_retryable() || e.outcome_unknown(),
            CancelJobError::PushInProgress(_) => true,
            CancelJobError::Store(e) => matches!(
                e,
                StoreError::Database(_) | StoreError::LeaseLost(_) | StoreError::Conflict { .. }
            ),
        }
    }
}

const CANCEL_ACTOR: &str = "cancel worker";

/// Units of a source order shipped, and units ordered: from Shopify's fulfillment orders (what
/// is left to ship) and its fulfillments, and at least what ordersync recorded as fulfilled.
fn shipped(order: &SourceOrder, push: &PushRecord) -> (i64, i64) {
    let ordered: i64 = order.line_items.nodes.iter().map(|l| l.quantity).sum();
    let remaining: i64 = order
        .fulfillment_orders
        .nodes
        .iter()
        .flat_map(|fo| fo.line_items.nodes.iter())
        .map(|l| l.remaining_quantity)
        .sum();
    let recorded: i64 = push.lines.iter().map(|l| l.fulfilled_quantity).sum();
    let mut shipped = (ordered - remaining).max(recorded).max(0);
    if shipped == 0 && order.fulfillments.iter().any(|f| f.status == "SUCCESS") {
        shipped = 1;
    }
    (shipped, ordered)
}

fn items(n: i64) -> &'static str {
    if n == 1 {
        "item"
    } else {
        "items"
    }
}

/// Runs the `cancel_source_order` job; see the module docs.
pub async fn run_cancel_source(
    store: &Store,
    auth: &AuthService,
    job: &Job,
    owner: &str,
) -> Result<(), CancelJobError> {
    let now = UnixMillis::now();
    let push = match job.payload.get("push_key").and_then(|v| v.as_str()) {
        Some(k) => store.push_by_key(k).await?,
        None => None,
    };
    let destination = match job.shop_id {
        Some(id) => store.shop_by_id(id).await?,
        None => None,
    };
    let (Some(push), Some(destination)) = (push, destination) else {
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    let order = store.order(destination.id, push.order_id).await?;
    let source = store.shop_by_id(push.source_shop_id).await?;
    let (Some(order), Some(source)) = (order, source) else {
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    let name = order.order.name.as_str().to_owned();
    let source_name = source.shop.name.as_str().to_owned();
    let history = |kind: &'static str, message: String| (kind, message);
    let result = match push.status {
        PushStatus::Cancelled => None,
        PushStatus::Pushing => return Err(CancelJobError::PushInProgress(source.shop.domain)),
        PushStatus::Queued | PushStatus::Failed if !push.lines.is_empty() && source.installed => {
            // It was Pushing before: look for a source order an earlier attempt created.
            match find_by_tag(auth, &source, &push, now).await? {
                Some((gid, order_name)) => {
                    cancel_on_source(auth, &source, &push, &gid, &name, &order_name, now)
                        .await?
                        .map(|(_, attention, history)| {
                            (PushEvent::DestinationCancelled, attention, history)
                        })
                }
                None => Some((
                    PushEvent::DestinationCancelled,
                    None,
                    history(
                        "push_cancelled",
                        format!("Order {name} was cancelled; the push to {source_name} is cancelled (no order was found there)"),
                    ),
                )),
            }
        }
        PushStatus::NotPushed | PushStatus::Queued | PushStatus::Failed => Some((
            PushEvent::DestinationCancelled,
            None,
            history(
                "push_cancelled",
                format!("Order {name} was cancelled; the push to {source_name} is cancelled (nothing was created there)"),
            ),
        )),
        PushStatus::Pushed | PushStatus::PartiallyFulfilled | PushStatus::Fulfilled => {
            let Some(gid) = push.source_order_gid.clone() else {
                store.complete_job(job.id, owner).await?;
                return Ok(());
            };
            let target = push.source_order_name.clone().unwrap_or_else(|| gid.clone());
            if !source.installed {
                Some((
                    PushEvent::SourceCancelled,
                    Some(format!("Order {name} was cancelled, but {source_name} has uninstalled ordersync, so order {target} there could not be cancelled; contact them.")),
                    history("push_attention", String::new()),
                ))
            } else {
                cancel_on_source(auth, &source, &push, &gid, &name, &target, now).await?
            }
        }
    };
    let mut tx = store.begin().await?;
    if let Some((event, attention, (kind, message))) = result {
        match attention {
            Some(reason) => {
                let e = NewEvent {
                    order_id: order.id,
                    push_id: None,
                    actor: CANCEL_ACTOR,
                    kind: "push_attention",
                    message: &reason,
                    data: None,
                };
                tx.set_push_attention(push.id, Some(&reason), &e, now)
                    .await?;
                tracing::warn!(shop = %destination.shop.domain, source = %source.shop.domain, order = %name, %reason, "source order not cancelled; push needs attention");
            }
            None => {
                let e = NewEvent {
                    order_id: order.id,
                    push_id: None,
                    actor: CANCEL_ACTOR,
                    kind,
                    message: &message,
                    data: None,
                };
                tx.transition_push(
                    push.id,
                    push.status,
                    &event,
                    &PushChange::default(),
                    &e,
                    now,
                )
                .await?;
                tracing::info!(shop = %destination.shop.domain, source = %source.shop.domain, order = %name, event = %event, "push cancelled");
            }
        }
    }
    tx.complete_job(job.id, owner).await?;
    tx.commit().await?;
    refresh_list_status(store, destination.id, order.id).await?;
    Ok(())
}

/// The source order an earlier attempt of this push created, found by the push's unique tag.
async fn find_by_tag(
    auth: &AuthService,
    source: &ShopRecord,
    push: &PushRecord,
    now: UnixMillis,
) -> Result<Option<(String, String)>, CancelJobError> {
    let api = source_api(auth, source, now).await?;
    find_pushed_order(&api, &push_tag(&push.push_key))
        .await
        .map_err(CancelJobError::Shopify)
}

async fn source_api(
    auth: &AuthService,
    source: &ShopRecord,
    now: UnixMillis,
) -> Result<ordersync_shopify::admin::ShopApi, CancelJobError> {
    shop_api(auth, source, now)
        .await
        .map_err(|e| CancelJobError::Token {
            shop: source.shop.domain.clone(),
            source: e,
        })
}

/// What one cancellation attempt on the source store came to: the push event with its history,
/// or an attention reason (the event is then unused).
type Decision = Option<(PushEvent, Option<String>, (&'static str, String))>;

/// Reads the source order, then cancels it if nothing shipped; see the module docs.
async fn cancel_on_source(
    auth: &AuthService,
    source: &ShopRecord,
    push: &PushRecord,
    gid: &str,
    name: &str,
    target: &str,
    now: UnixMillis,
) -> Result<Decision, CancelJobError> {
    let source_name = source.shop.name.as_str();
    let api = source_api(auth, source, now).await?;
    let read = |e: AdminError| {
        tracing::warn!(shop = %source.shop.domain, operation = "order", kind = e.kind(), error = %e, "reading the source order failed");
        CancelJobError::Shopify(e)
    };
    let Some(current) = api.order(gid).await.map_err(read)? else {
        return Ok(Some((
            PushEvent::SourceCancelled,
            None,
            (
                "source_order_cancelled",
                format!("Order {target} no longer exists on {source_name}; nothing to cancel"),
            ),
        )));
    };
    if current.cancelled_at.is_some() {
        return Ok(Some((
            PushEvent::SourceCancelled,
            None,
            (
                "source_order_cancelled",
                format!(
                    "Order {target} on {source_name} is cancelled (Order {name} was cancelled)"
                ),
            ),
        )));
    }
    let (shipped, ordered) = shipped(&current, push);
    if shipped > 0 {
        let reason = format!(
            "Order {name} was cancelled, but {source_name} has already shipped {shipped} of {ordered} {}; contact them.",
            items(ordered)
        );
        return Ok(Some((
            PushEvent::SourceCancelled,
            Some(reason),
            ("", String::new()),
        )));
    }
    match api
        .order_cancel(gid, CancelReason::Customer, CANCEL_RESTOCK, false)
        .await
    {
        Ok(()) => Ok(Some((
            PushEvent::SourceCancelled,
            None,
            (
                "source_order_cancelled",
                format!("Cancelled order {target} on {source_name} (Order {name} was cancelled); its items were restocked"),
            ),
        ))),
        Err(AdminError::UserErrors { errors, .. }) => {
            // Already cancelled (a lost answer of an earlier attempt), or refused: read again.
            let again = api.order(gid).await.map_err(read)?;
            if again.as_ref().is_none_or(|o| o.cancelled_at.is_some()) {
                return Ok(Some((
                    PushEvent::SourceCancelled,
                    None,
                    (
                        "source_order_cancelled",
                        format!("Order {target} on {source_name} is cancelled (Order {name} was cancelled)"),
                    ),
                )));
            }
            let all: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            let reason = format!(
                "Order {name} was cancelled, but {source_name} refused to cancel order {target} ({}); contact them.",
                all.join("; ")
            );
            Ok(Some((PushEvent::SourceCancelled, Some(reason), ("", String::new()))))
        }
        Err(e) => {
            tracing::warn!(shop = %source.shop.domain, operation = "orderCancel", kind = e.kind(), error = %e, "cancelling the source order failed");
            if e.is_retryable() || e.outcome_unknown() {
                Err(CancelJobError::Shopify(e))
            } else {
                let reason = format!(
                    "Order {name} was cancelled, but ordersync could not cancel order {target} on {source_name}; cancel it there or contact them."
                );
                Ok(Some((PushEvent::SourceCancelled, Some(reason), ("", String::new()))))
            }
        }
    }
}
