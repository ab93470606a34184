//! Order intake from `orders/create|updated|paid|cancelled`: parse the body, decide eligibility
//! against the shop's synced catalog, file the order under its list status (from its pushes and
//! the source stores it routes to), store it (an older state never replaces a newer one) and
//! write what changed to the order's history, all in one transaction with the job's completion.
//! When the store's Auto push is on (and its Order add-on active), an eligible order's pushes
//! to its source stores are queued in that same transaction (after `hold_minutes`). A
//! cancellation or an edit after a push is handled there too ([`super::destination`]).
//!
//! [`take_in`] is the one path of an order state into ordersync: webhooks ([`ingest`]) and order
//! reconciliation ([`super::reconcile`]) both go through it.

use ordersync_core::{
    evaluate, route, status::summarize, DestinationOrder, Eligibility, IneligibleReason,
    ShopDomain, StoreRole,
};
use ordersync_shopify::payload::parse_order;
use ordersync_store::events::NewEvent;
use ordersync_store::orders::{OrderUpsert, UpsertOutcome};
use ordersync_store::shops::ShopRecord;
use ordersync_store::webhooks::WebhookReceipt;
use ordersync_store::{Store, Tx, UnixMillis};
use serde_json::json;

use super::process::{finish, JobRef};
use super::ProcessError;
use super::{destination, push};

/// The shop a receipt names, which must be known to ordersync and have the app installed.
pub(crate) async fn installed_shop(
    store: &Store,
    receipt: &WebhookReceipt,
) -> Result<ShopRecord, ProcessError> {
    let domain = known_domain(receipt)?;
    let shop = store
        .shop_by_domain(&domain)
        .await?
        .ok_or_else(|| ProcessError::Final(format!("shop {domain} is not known to ordersync")))?;
    if !shop.installed {
        return Err(ProcessError::Final(format!(
            "shop {domain} has uninstalled the app"
        )));
    }
    Ok(shop)
}

/// The shop domain of a receipt, parsed.
pub(crate) fn known_domain(receipt: &WebhookReceipt) -> Result<ShopDomain, ProcessError> {
    ShopDomain::parse(&receipt.shop_domain).map_err(|e| {
        ProcessError::Final(format!(
            "X-Shopify-Shop-Domain `{}` is not a shop domain: {e}",
            receipt.shop_domain
        ))
    })
}

/// Takes in one order webhook; see the module docs.
pub async fn ingest(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let shop = installed_shop(store, receipt).await?;
    if shop.shop.role != StoreRole::Destination {
        // A source store's orders are not pushed anywhere; the ones ordersync pushed there may
        // have been cancelled by the supplier.
        return super::fulfillment::source_order_changed(store, &shop, receipt, job, now).await;
    }
    let order = parse_order(&receipt.body).map_err(|e| ProcessError::Final(e.to_string()))?;
    let incoming = Incoming {
        shop: &shop,
        order: &order,
        raw_payload: &receipt.body,
        event_at: receipt.triggered_at,
        actor: format!("webhook {}", receipt.topic),
    };
    let (tx, taken) = take_in(store, &incoming, now).await?;
    finish(tx, receipt, job, Some(order.id.as_str()), now).await?;
    taken.after_commit(store, shop.id).await?;
    Ok(())
}

/// One state of a destination order to take in, from a webhook or from reconciliation.
pub(crate) struct Incoming<'a> {
    /// The destination store (installed, role destination).
    pub shop: &'a ShopRecord,
    /// The order as Shopify described it.
    pub order: &'a DestinationOrder,
    /// What Shopify sent (kept as the order's raw payload).
    pub raw_payload: &'a [u8],
    /// When this state was observed: the webhook's triggered-at, or the time reconciliation read
    /// it; orders two states with the same `updated_at`.
    pub event_at: Option<UnixMillis>,
    /// Who brought it, for the history (`webhook orders/paid`, `reconciliation`).
    pub actor: String,
}

/// What [`take_in`] did, for the work after its transaction commits.
#[derive(Debug)]
pub(crate) struct TakenIn {
    /// The stored order's id.
    pub order_id: i64,
    /// Whether the state was older than the stored one (and ignored).
    pub stale: bool,
    /// Whether pushes changed (queued, cancelled, flagged).
    pub pushes_changed: bool,
    /// How many source stores the stored order routes to (from the synced catalog intake read),
    /// when this state was stored (not stale).
    pub expected_sources: Option<usize>,
}

impl TakenIn {
    /// After the commit: files the order under the list status its pushes now give. Always
    /// (not only when intake changed a push): the status intake stored was computed from pushes
    /// read before its transaction, and a push job may have moved one meanwhile.
    pub(crate) async fn after_commit(
        &self,
        store: &Store,
        shop_id: i64,
    ) -> Result<(), ProcessError> {
        tracing::debug!(
            order_id = self.order_id,
            pushes_changed = self.pushes_changed,
            stale = self.stale,
            "refreshing the list status after intake"
        );
        match self.expected_sources {
            // The order just stored, routed with the catalog intake read: no need to read and
            // route it again.
            Some(expected) => {
                push::refresh_list_status_expecting(store, self.order_id, expected).await?;
            }
            // A newer state is stored: route that one.
            None => push::refresh_list_status(store, shop_id, self.order_id).await?,
        }
        Ok(())
    }
}

/// The one intake path of a destination order's state, shared by webhooks and reconciliation:
/// eligibility, list status, the store's stale-state protection (an older state never replaces a
/// newer one), history, automated push, and what a cancellation or an edit after a push means for
/// the order's pushes ([`super::destination`]). Answers the open transaction, for the caller to
/// finish (mark its receipt processed, complete its job) and commit.
pub(crate) async fn take_in(
    store: &Store,
    incoming: &Incoming<'_>,
    now: UnixMillis,
) -> Result<(Tx, TakenIn), ProcessError> {
    let shop = incoming.shop;
    let order = incoming.order;
    let catalog = store.synced_catalog(shop.id).await?;
    let eligibility = evaluate(order, &catalog);
    let routing = route(order, &catalog);
    let expected_sources = routing.per_source.len();
    let auto = if eligibility.is_eligible() {
        push::auto_push_targets(store, shop, &routing.source_shops(), now).await?
    } else {
        None
    };
    let previous = store.order_by_gid(shop.id, order.id.as_str()).await?;
    let pushes = match &previous {
        Some(p) => store.pushes_for_order(p.id).await?,
        None => Vec::new(),
    };
    // The names of the pushes' source stores (the only ones the history messages name).
    let source_names: Vec<(ShopDomain, String)> = if pushes.is_empty() {
        Vec::new()
    } else {
        let domains: Vec<ShopDomain> = pushes.iter().map(|p| p.source_domain.clone()).collect();
        store
            .source_stores_among(shop.id, &domains)
            .await?
            .into_iter()
            .map(|s| (s.shop.domain, s.shop.name.as_str().to_owned()))
            .collect()
    };
    let statuses: Vec<_> = pushes.iter().map(|p| p.status).collect();
    let list_status = summarize(eligibility.is_eligible(), &statuses, expected_sources);
    let mut tx = store.begin().await?;
    let outcome = tx
        .upsert_order(
            OrderUpsert {
                shop_id: shop.id,
                order,
                eligibility: &eligibility,
                list_status,
                raw_payload: incoming.raw_payload,
                event_at: incoming.event_at,
            },
            now,
        )
        .await?;
    let actor = incoming.actor.as_str();
    let mut events: Vec<(&str, String, Option<serde_json::Value>)> = Vec::new();
    let reasons_event = |e: &Eligibility| {
        if e.reasons() == [IneligibleReason::NothingToShip] {
            // Everything synced has shipped (typically the source store's shipments brought
            // back): not a problem to report, only why nothing more will be pushed.
            return (
                "order_nothing_to_push",
                IneligibleReason::NothingToShip.message(),
                Some(json!({ "reasons": [IneligibleReason::NothingToShip.code()] })),
            );
        }
        let messages: Vec<String> = e.reasons().iter().map(|r| r.message()).collect();
        let codes: Vec<&str> = e.reasons().iter().map(|r| r.code()).collect();
        (
            "order_ineligible",
            format!("Not eligible to push: {}", messages.join(" ")),
            Some(json!({ "reasons": codes })),
        )
    };
    match (outcome, &previous) {
        (UpsertOutcome::Inserted(_), _) | (UpsertOutcome::Updated(_), None) => {
            events.push(("order_received", "Order received".into(), None));
            if eligibility.is_eligible() {
                events.push(("order_eligible", "Eligible to push".into(), None));
            } else {
                events.push(reasons_event(&eligibility));
            }
        }
        (UpsertOutcome::Updated(_), Some(before)) => {
            let same_reasons = before.ineligible_reasons.as_slice() == eligibility.reasons();
            if before.order != *order || !same_reasons {
                events.push(("order_updated", "Order updated".into(), None));
            }
            if !before.eligible && eligibility.is_eligible() {
                events.push((
                    "order_became_eligible",
                    "Order became eligible to push".into(),
                    None,
                ));
            } else if !eligibility.is_eligible() && !same_reasons {
                events.push(reasons_event(&eligibility));
            }
        }
        (UpsertOutcome::Stale(_), _) => {
            tracing::info!(shop = %shop.shop.domain, order = %order.id.as_str(), actor, "older order state ignored");
        }
    }
    for (kind, message, data) in &events {
        tx.append_event(
            &NewEvent {
                order_id: outcome.id(),
                push_id: None,
                actor,
                kind,
                message,
                data: data.clone(),
            },
            now,
        )
        .await?;
    }
    let stale = matches!(outcome, UpsertOutcome::Stale(_));
    let mut auto_queued = 0;
    if let (Some((targets, run_at)), false) = (&auto, stale) {
        let order_ref = push::OrderRef {
            id: outcome.id(),
            gid: &order.id,
        };
        auto_queued = push::queue_auto(&mut tx, shop, order_ref, targets, *run_at, now).await?;
    }
    let mut changed = 0;
    if !stale {
        let was_cancelled = previous.as_ref().is_some_and(|p| p.order.cancelled);
        let after = destination::AfterPush {
            shop,
            order_id: outcome.id(),
            order,
            previous: previous.as_ref().map(|p| &p.order),
            pushes: &pushes,
            routing: &routing,
            source_names: &source_names,
            actor,
        };
        changed = if order.cancelled && !was_cancelled {
            destination::order_cancelled(&mut tx, &after, now).await?
        } else if !order.cancelled {
            destination::flag_edits(&mut tx, &after, now).await?
        } else {
            0
        };
    }
    tracing::info!(shop = %shop.shop.domain, order = %order.name.as_str(), outcome = ?outcome, eligible = eligibility.is_eligible(), auto_queued, pushes_changed = changed, actor, "order taken in");
    Ok((
        tx,
        TakenIn {
            order_id: outcome.id(),
            stale,
            pushes_changed: auto_queued + changed > 0,
            expected_sources: (!stale).then_some(expected_sources),
        },
    ))
}
