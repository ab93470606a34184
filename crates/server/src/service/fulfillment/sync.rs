//! The `sync_fulfillments` job: re-read one push's source order, record its shipments, settle
//! the push's status, and bring each shipment to the destination order exactly once.
//!
//! Per shipment (`push_fulfillments` row), by what the source says and what was done:
//!
//! | row state | source | action |
//! |---|---|---|
//! | pending | shipped | pick the destination fulfillment-order lines, claim (intent, committed), `fulfillmentCreate` |
//! | pending | cancelled | nothing to create |
//! | creating | any | look among the destination order's fulfillments for the one an earlier attempt made; else as pending |
//! | created | shipped, tracking differs | `fulfillmentTrackingInfoUpdate` |
//! | created | cancelled | `fulfillmentCancel` (unless the destination shows it cancelled already) |
//! | failed, none | — | nothing (the history says why) |

use std::collections::BTreeMap;

use ordersync_core::{PushEvent, PushStatus, ShopDomain};
use ordersync_shopify::admin::types::{
    Fulfillment, FulfillmentLineQuantity, FulfillmentOrderLines, NewFulfillment, Order,
    TrackingInput,
};
use ordersync_shopify::admin::{AdminError, ShopApi};
use ordersync_store::events::NewEvent;
use ordersync_store::fulfillments::{
    PushFulfillment, Recorded, ShipmentOutcome, ShipmentState, ShippedLine, SourceShipment,
    SourceShipmentStatus, Tracking,
};
use ordersync_store::jobs::Job;
use ordersync_store::pushes::{PushChange, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, Tx, UnixMillis};
use serde_json::json;

use super::source_cancelled;
use crate::auth::{AuthError, AuthService};
use crate::service::push::refresh_list_status;

/// How long a worker's claim to create a destination fulfillment holds (longer than one
/// `fulfillmentCreate` call with its throttling waits).
const CLAIM_MILLIS: i64 = 120_000;

const ACTOR: &str = "fulfillment sync";

/// Why a `sync_fulfillments` attempt did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No usable access token.
    #[error("access token of {shop}: {source}")]
    Token {
        /// The shop.
        shop: ShopDomain,
        /// Why.
        source: AuthError,
    },
    /// Shopify failed in a way worth trying again (including an unknown outcome).
    #[error("{0}")]
    Shopify(AdminError),
    /// Another worker is creating one of the push's shipments right now.
    #[error("{0}")]
    Busy(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether running the job again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Token { source, .. } => source.is_retryable(),
            SyncError::Shopify(e) => e.is_retryable() || e.outcome_unknown(),
            SyncError::Busy(_) => true,
            SyncError::Store(e) => matches!(
                e,
                StoreError::Database(_) | StoreError::LeaseLost(_) | StoreError::Conflict { .. }
            ),
        }
    }
}

/// One shop's Admin API, with the error mapping of this job.
async fn api(auth: &AuthService, shop: &ShopRecord, now: UnixMillis) -> Result<ShopApi, SyncError> {
    crate::service::shop_api::shop_api(auth, shop, now)
        .await
        .map_err(|e| SyncError::Token {
            shop: shop.shop.domain.clone(),
            source: e,
        })
}

/// What the job works with.
struct Ctx<'a> {
    store: &'a Store,
    push: PushRecord,
    source: ShopRecord,
    destination: ShopRecord,
    destination_order_gid: String,
}

impl Ctx<'_> {
    fn event<'m>(&self, kind: &'m str, message: &'m str) -> NewEvent<'m> {
        NewEvent {
            order_id: self.push.order_id,
            push_id: Some(self.push.id),
            actor: ACTOR,
            kind,
            message,
            data: None,
        }
    }

    fn source_name(&self) -> &str {
        self.source.shop.name.as_str()
    }

    fn titles(&self, lines: &[ShippedLine]) -> String {
        let parts: Vec<String> = lines
            .iter()
            .map(|l| {
                let title = self
                    .push
                    .lines
                    .iter()
                    .find(|p| p.destination_line_gid == l.destination_line_gid)
                    .map_or("item", |p| p.title.as_str());
                format!("{} × {title}", l.quantity)
            })
            .collect();
        parts.join(", ")
    }
}

fn shipment_label(row: &PushFulfillment) -> &str {
    row.source_name
        .as_deref()
        .unwrap_or(row.source_fulfillment_gid.as_str())
}

fn describe(tracking: &Tracking) -> String {
    if tracking.numbers.is_empty() && tracking.urls.is_empty() {
        return match &tracking.company {
            Some(c) => format!("carrier {c}, no tracking number"),
            None => "no tracking".to_owned(),
        };
    }
    let mut out = String::from("tracking ");
    if let Some(c) = &tracking.company {
        out.push_str(c);
        out.push(' ');
    }
    if tracking.numbers.is_empty() {
        out.push_str(&tracking.urls.join(", "));
    } else {
        out.push_str(&tracking.numbers.join(", "));
    }
    out
}

fn source_status(status: &str) -> SourceShipmentStatus {
    match status.to_ascii_uppercase().as_str() {
        "SUCCESS" => SourceShipmentStatus::Shipped,
        "CANCELLED" | "ERROR" | "FAILURE" => SourceShipmentStatus::Cancelled,
        _ => SourceShipmentStatus::Pending,
    }
}

fn tracking_of(f: &Fulfillment) -> Tracking {
    Tracking {
        company: f.tracking_info.iter().find_map(|t| t.company.clone()),
        numbers: f
            .tracking_info
            .iter()
            .filter_map(|t| t.number.clone())
            .collect(),
        urls: f
            .tracking_info
            .iter()
            .filter_map(|t| t.url.clone())
            .collect(),
    }
}

fn tracking_input(t: &Tracking) -> TrackingInput {
    TrackingInput {
        company: t.company.clone(),
        numbers: t.numbers.clone(),
        urls: t.urls.clone(),
    }
}

/// The destination lines a source shipment ships: each source line's variant (or SKU when the
/// variant is gone) to the push lines of that variant, filling each up to its quantity less what
/// other live shipments of the push already took.
fn map_lines(push: &PushRecord, others: &[PushFulfillment], f: &Fulfillment) -> Vec<ShippedLine> {
    let mut taken: BTreeMap<&str, i64> = BTreeMap::new();
    for row in others
        .iter()
        .filter(|r| r.source_status != SourceShipmentStatus::Cancelled)
    {
        for l in &row.lines {
            *taken.entry(l.destination_line_gid.as_str()).or_default() += l.quantity;
        }
    }
    let mut out: Vec<ShippedLine> = Vec::new();
    let nodes = f
        .fulfillment_line_items
        .as_ref()
        .map_or(&[][..], |n| n.nodes.as_slice());
    for fli in nodes {
        let mut left = fli.quantity.unwrap_or(0).max(0);
        let variant = fli.line_item.variant.as_ref().map(|v| v.id.as_str());
        for line in push.lines.iter().filter(|l| match variant {
            Some(v) => l.source_variant_gid == v,
            None => fli.line_item.sku.as_deref() == Some(l.sku.as_str()),
        }) {
            let used = taken
                .get(line.destination_line_gid.as_str())
                .copied()
                .unwrap_or(0);
            let take = left.min(line.quantity - used);
            if take <= 0 {
                continue;
            }
            *taken.entry(line.destination_line_gid.as_str()).or_default() += take;
            left -= take;
            match out
                .iter_mut()
                .find(|o| o.destination_line_gid == line.destination_line_gid)
            {
                Some(o) => o.quantity += take,
                None => out.push(ShippedLine {
                    destination_line_gid: line.destination_line_gid.clone(),
                    quantity: take,
                }),
            }
        }
        if left > 0 {
            tracing::warn!(line = %fli.line_item.id, units = left, "source shipment line is not part of the push; ignored");
        }
    }
    out
}

/// Units of each line a destination fulfillment ships.
fn shipped_units(f: &Fulfillment) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for n in f
        .fulfillment_line_items
        .as_ref()
        .map_or(&[][..], |n| n.nodes.as_slice())
    {
        *out.entry(n.line_item.id.clone()).or_default() += n.quantity.unwrap_or(0);
    }
    out
}

fn units(lines: &[ShippedLine]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for l in lines {
        *out.entry(l.destination_line_gid.clone()).or_default() += l.quantity;
    }
    out
}

/// Runs the `sync_fulfillments` job; see the module docs.
pub async fn run_sync_fulfillments(
    store: &Store,
    auth: &AuthService,
    job: &Job,
    owner: &str,
) -> Result<(), SyncError> {
    let now = UnixMillis::now();
    let push = match job.payload.get("push_key").and_then(|v| v.as_str()) {
        Some(k) => store.push_by_key(k).await?,
        None => None,
    };
    let destination = match job.shop_id {
        Some(id) => store.shop_by_id(id).await?,
        None => None,
    };
    let source = match &push {
        Some(p) => store.shop_by_id(p.source_shop_id).await?,
        None => None,
    };
    let order = match (&push, &destination) {
        (Some(p), Some(d)) => store.order(d.id, p.order_id).await?,
        _ => None,
    };
    let (Some(push), Some(destination), Some(source), Some(order)) =
        (push, destination, source, order)
    else {
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    let live = matches!(
        push.status,
        PushStatus::Pushed | PushStatus::PartiallyFulfilled | PushStatus::Fulfilled
    );
    let (true, Some(source_order_gid), true, true) = (
        live,
        push.source_order_gid.clone(),
        destination.installed,
        source.installed,
    ) else {
        // Not pushed yet, cancelled, or a store left: nothing to bring back.
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    let ctx = Ctx {
        store,
        destination_order_gid: order.order.id.as_str().to_owned(),
        push,
        source,
        destination,
    };
    let result = sync(&ctx, auth, job, owner, &source_order_gid, now).await;
    refresh_list_status(store, ctx.destination.id, ctx.push.order_id).await?;
    result
}

async fn sync(
    ctx: &Ctx<'_>,
    auth: &AuthService,
    job: &Job,
    owner: &str,
    source_order_gid: &str,
    now: UnixMillis,
) -> Result<(), SyncError> {
    let store = ctx.store;
    let source_api = api(auth, &ctx.source, now).await?;
    let source_order = source_api
        .order_shipments(source_order_gid)
        .await
        .map_err(SyncError::Shopify)?;
    let Some(source_order) = source_order else {
        tracing::warn!(push = ctx.push.id, source = %ctx.source.shop.domain, order = source_order_gid, "source order not found; nothing to bring back");
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    if source_order.cancelled_at.is_some() {
        let mut tx = store.begin().await?;
        source_cancelled(
            &mut tx,
            &ctx.push,
            &ctx.source,
            &source_order.name,
            source_order.cancel_reason.as_deref(),
            ACTOR,
            now,
        )
        .await?;
        tx.complete_job(job.id, owner).await?;
        tx.commit().await?;
        return Ok(());
    }
    record_source(ctx, &source_order, now).await?;

    // The destination side, shipment by shipment.
    let rows = store.push_fulfillments(ctx.push.id).await?;
    let todo: Vec<i64> = rows
        .iter()
        .filter(|r| needs_work(r))
        .map(|r| r.id)
        .collect();
    if !todo.is_empty() {
        let dest_api = api(auth, &ctx.destination, now).await?;
        let notify = store
            .push_settings(ctx.destination.id)
            .await?
            .notify_customer;
        for id in todo {
            apply(ctx, &dest_api, notify, id, now).await?;
        }
    }
    // Everything the source order showed is on the destination: reconciliation need not queue
    // this push again until the source order changes.
    store
        .mark_push_checked(
            ctx.push.id,
            super::parse_time(&source_order.updated_at),
            now,
        )
        .await?;
    store.complete_job(job.id, owner).await?;
    Ok(())
}

fn needs_work(r: &PushFulfillment) -> bool {
    match r.state {
        ShipmentState::Pending => r.source_status != SourceShipmentStatus::Pending,
        ShipmentState::Creating => true,
        ShipmentState::Created => match r.source_status {
            SourceShipmentStatus::Cancelled => {
                r.applied_status != Some(SourceShipmentStatus::Cancelled)
            }
            SourceShipmentStatus::Shipped => r.applied_tracking.as_ref() != Some(&r.tracking),
            SourceShipmentStatus::Pending => false,
        },
        ShipmentState::Failed | ShipmentState::Nothing => false,
    }
}

/// Records every shipment of the source order and settles the push's status, in one
/// transaction.
async fn record_source(
    ctx: &Ctx<'_>,
    source_order: &Order,
    now: UnixMillis,
) -> Result<(), SyncError> {
    let mut tx = ctx.store.begin().await?;
    for f in &source_order.fulfillments {
        let rows = tx.push_fulfillments(ctx.push.id).await?;
        let existing = rows.iter().find(|r| r.source_fulfillment_gid == f.id);
        let lines = match existing {
            Some(r) => r.lines.clone(),
            None => map_lines(&ctx.push, &rows, f),
        };
        let status = source_status(&f.status);
        let tracking = tracking_of(f);
        let recorded = tx
            .record_source_shipment(
                ctx.push.id,
                &SourceShipment {
                    source_fulfillment_gid: &f.id,
                    source_name: f.name.as_deref(),
                    status,
                    tracking: &tracking,
                    lines: &lines,
                },
                now,
            )
            .await?;
        let name = f.name.as_deref().unwrap_or(f.id.as_str());
        let message = match (recorded, existing) {
            (Recorded::New(_), _) if status == SourceShipmentStatus::Shipped => Some((
                "source_shipped",
                format!(
                    "{} shipped {} ({name}), {}",
                    ctx.source_name(),
                    if lines.is_empty() {
                        "items not part of this push".to_owned()
                    } else {
                        ctx.titles(&lines)
                    },
                    describe(&tracking)
                ),
            )),
            (Recorded::Changed(_), Some(before))
                if before.source_status != SourceShipmentStatus::Cancelled
                    && status == SourceShipmentStatus::Cancelled =>
            {
                Some((
                    "source_shipment_cancelled",
                    format!("{} cancelled shipment {name}", ctx.source_name()),
                ))
            }
            (Recorded::Changed(_), Some(before))
                if before.source_status == SourceShipmentStatus::Pending
                    && status == SourceShipmentStatus::Shipped =>
            {
                Some((
                    "source_shipped",
                    format!(
                        "{} shipped {} ({name}), {}",
                        ctx.source_name(),
                        ctx.titles(&lines),
                        describe(&tracking)
                    ),
                ))
            }
            (Recorded::Changed(_), Some(before)) if before.tracking != tracking => Some((
                "source_tracking_changed",
                format!(
                    "{} changed the tracking of shipment {name}: {}",
                    ctx.source_name(),
                    describe(&tracking)
                ),
            )),
            _ => None,
        };
        if let Some((kind, message)) = message {
            tx.append_event(&ctx.event(kind, &message), now).await?;
        }
    }
    settle(ctx, &mut tx, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets each push line's fulfilled quantity from the shipments the source store made, and moves
/// the push to Pushed / Partially fulfilled / Fulfilled accordingly.
async fn settle(ctx: &Ctx<'_>, tx: &mut Tx, now: UnixMillis) -> Result<(), SyncError> {
    let rows = tx.push_fulfillments(ctx.push.id).await?;
    let mut shipped: BTreeMap<&str, i64> = BTreeMap::new();
    for row in rows
        .iter()
        .filter(|r| r.source_status == SourceShipmentStatus::Shipped)
    {
        for l in &row.lines {
            *shipped.entry(l.destination_line_gid.as_str()).or_default() += l.quantity;
        }
    }
    let mut before_total = 0;
    let mut after_total = 0;
    let mut ordered = 0;
    for line in &ctx.push.lines {
        let now_shipped = shipped
            .get(line.destination_line_gid.as_str())
            .copied()
            .unwrap_or(0)
            .min(line.quantity);
        before_total += line.fulfilled_quantity;
        after_total += now_shipped;
        ordered += line.quantity;
        if now_shipped != line.fulfilled_quantity {
            tx.set_fulfilled_quantity(ctx.push.id, &line.destination_line_gid, now_shipped)
                .await?;
        }
    }
    let target = if ordered > 0 && after_total >= ordered {
        PushStatus::Fulfilled
    } else if after_total > 0 {
        PushStatus::PartiallyFulfilled
    } else {
        PushStatus::Pushed
    };
    let from = ctx.push.status;
    let source = ctx.source_name();
    let (event, kind, message) = match (from, target) {
        (PushStatus::Pushed, PushStatus::PartiallyFulfilled) => (
            PushEvent::PartiallyFulfilled,
            "push_partially_fulfilled",
            format!("Partially fulfilled: {source} shipped {after_total} of {ordered} items"),
        ),
        (PushStatus::PartiallyFulfilled, PushStatus::PartiallyFulfilled)
            if after_total > before_total =>
        {
            (
                PushEvent::PartiallyFulfilled,
                "push_partially_fulfilled",
                format!("Partially fulfilled: {source} shipped {after_total} of {ordered} items"),
            )
        }
        (PushStatus::Pushed | PushStatus::PartiallyFulfilled, PushStatus::Fulfilled) => (
            PushEvent::Fulfilled,
            "push_fulfilled",
            format!("Fulfilled: {source} shipped all {ordered} items"),
        ),
        (
            PushStatus::PartiallyFulfilled | PushStatus::Fulfilled,
            PushStatus::PartiallyFulfilled,
        ) if after_total < before_total || from == PushStatus::Fulfilled => (
            PushEvent::FulfillmentCancelled {
                still_fulfilled_any: true,
            },
            "push_fulfillment_cancelled",
            format!(
                "A shipment was cancelled: {source} has shipped {after_total} of {ordered} items"
            ),
        ),
        (PushStatus::PartiallyFulfilled | PushStatus::Fulfilled, PushStatus::Pushed) => (
            PushEvent::FulfillmentCancelled {
                still_fulfilled_any: false,
            },
            "push_fulfillment_cancelled",
            format!("A shipment was cancelled: nothing of this push is shipped by {source} now"),
        ),
        _ => return Ok(()),
    };
    tx.transition_push(
        ctx.push.id,
        from,
        &event,
        &PushChange::default(),
        &ctx.event(kind, &message),
        now,
    )
    .await?;
    Ok(())
}

/// Brings one shipment to the destination order: up to three steps (find or create, then
/// tracking or cancellation), each recorded before the next.
async fn apply(
    ctx: &Ctx<'_>,
    api: &ShopApi,
    notify: bool,
    id: i64,
    now: UnixMillis,
) -> Result<(), SyncError> {
    for _ in 0..3 {
        let rows = ctx.store.push_fulfillments(ctx.push.id).await?;
        let Some(row) = rows.into_iter().find(|r| r.id == id) else {
            return Ok(());
        };
        if !needs_work(&row) {
            return Ok(());
        }
        match row.state {
            ShipmentState::Pending | ShipmentState::Creating => {
                create(ctx, api, notify, &row, now).await?
            }
            ShipmentState::Created => update(ctx, api, notify, &row, now).await?,
            ShipmentState::Failed | ShipmentState::Nothing => return Ok(()),
        }
    }
    Ok(())
}

async fn outcome(
    ctx: &Ctx<'_>,
    row: &PushFulfillment,
    outcome: &ShipmentOutcome,
    history: Option<(&str, String)>,
    now: UnixMillis,
) -> Result<(), SyncError> {
    let mut tx = ctx.store.begin().await?;
    tx.record_shipment_outcome(row.id, outcome, now).await?;
    if let Some((kind, message)) = history {
        let mut e = ctx.event(kind, &message);
        e.data = Some(json!({
            "source_fulfillment": row.source_fulfillment_gid,
            "destination_fulfillment": match outcome {
                ShipmentOutcome::Created { destination_fulfillment_gid, .. } => Some(destination_fulfillment_gid.as_str()),
                _ => row.destination_fulfillment_gid.as_deref(),
            },
        }));
        tx.append_event(&e, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn refusal(error: &AdminError) -> String {
    match error {
        AdminError::UserErrors { errors, .. } => {
            let all: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            all.join("; ")
        }
        AdminError::AccessDenied { .. } | AdminError::Unauthorized { .. } => {
            "ordersync is not allowed to fulfill orders there; the store should reinstall the app"
                .to_owned()
        }
        other => other.to_string(),
    }
}

/// Pending or creating: look for what an earlier attempt made, else pick the fulfillment-order
/// lines, claim, and create.
async fn create(
    ctx: &Ctx<'_>,
    api: &ShopApi,
    notify: bool,
    row: &PushFulfillment,
    now: UnixMillis,
) -> Result<(), SyncError> {
    let dest = ctx.destination.shop.name.as_str();
    let label = shipment_label(row);
    let order = api
        .order_for_fulfillment(&ctx.destination_order_gid)
        .await
        .map_err(SyncError::Shopify)?;
    let Some(order) = order else {
        let reason = format!("the order no longer exists on {dest}");
        let message = format!("Shipment {label} could not be added: {reason}");
        return outcome(
            ctx,
            row,
            &ShipmentOutcome::Failed(reason),
            Some(("shipment_failed", message)),
            now,
        )
        .await;
    };
    if row.state == ShipmentState::Creating {
        if let Some(found) = find_made(ctx, &order, row).await? {
            let message = format!(
                "Found shipment {label} on the order (created by an earlier attempt); {}",
                describe(&tracking_of(found))
            );
            return outcome(
                ctx,
                row,
                &ShipmentOutcome::Created {
                    destination_fulfillment_gid: found.id.clone(),
                    tracking: tracking_of(found),
                },
                Some(("shipment_found", message)),
                now,
            )
            .await;
        }
    }
    if row.source_status != SourceShipmentStatus::Shipped {
        let message = format!(
            "{} cancelled shipment {label} before it reached the order; nothing to add",
            ctx.source_name()
        );
        return outcome(
            ctx,
            row,
            &ShipmentOutcome::Nothing,
            Some(("shipment_skipped", message)),
            now,
        )
        .await;
    }
    // The destination's fulfillment orders decide the location; ordersync only picks lines.
    let mut groups: Vec<FulfillmentOrderLines> = Vec::new();
    let mut sent: Vec<ShippedLine> = Vec::new();
    let mut short = 0;
    for want in &row.lines {
        let mut left = want.quantity;
        for fo in order
            .fulfillment_orders
            .nodes
            .iter()
            .filter(|fo| matches!(fo.status.as_str(), "OPEN" | "IN_PROGRESS"))
        {
            for li in fo
                .line_items
                .nodes
                .iter()
                .filter(|li| li.line_item.id == want.destination_line_gid)
            {
                let take = left.min(li.remaining_quantity);
                if take <= 0 {
                    continue;
                }
                left -= take;
                let quantity = u32::try_from(take).unwrap_or(u32::MAX);
                let line = FulfillmentLineQuantity {
                    id: li.id.clone(),
                    quantity,
                };
                match groups.iter_mut().find(|g| g.fulfillment_order_id == fo.id) {
                    Some(g) => g.fulfillment_order_line_items.push(line),
                    None => groups.push(FulfillmentOrderLines {
                        fulfillment_order_id: fo.id.clone(),
                        fulfillment_order_line_items: vec![line],
                    }),
                }
                match sent
                    .iter_mut()
                    .find(|s| s.destination_line_gid == want.destination_line_gid)
                {
                    Some(s) => s.quantity += take,
                    None => sent.push(ShippedLine {
                        destination_line_gid: want.destination_line_gid.clone(),
                        quantity: take,
                    }),
                }
            }
        }
        short += left;
    }
    if sent.is_empty() {
        let message = if row.lines.is_empty() {
            format!("Shipment {label} ships nothing of this push; nothing to add")
        } else {
            format!(
                "Shipment {label} ({}) is already fulfilled on the order; nothing to add",
                ctx.titles(&row.lines)
            )
        };
        return outcome(
            ctx,
            row,
            &ShipmentOutcome::Nothing,
            Some(("shipment_skipped", message)),
            now,
        )
        .await;
    }
    // Intent before the call.
    let mut tx = ctx.store.begin().await?;
    let claimed = tx
        .claim_shipment(row.id, &sent, UnixMillis(now.0 + CLAIM_MILLIS), now)
        .await?;
    tx.commit().await?;
    if !claimed {
        return Err(SyncError::Busy(format!(
            "shipment {label} is being created by another worker"
        )));
    }
    let input = NewFulfillment {
        line_items_by_fulfillment_order: groups,
        tracking_info: (!row.tracking.is_empty()).then(|| tracking_input(&row.tracking)),
        notify_customer: notify,
    };
    match api.fulfillment_create(&input).await {
        Ok(made) => {
            let mut message = format!(
                "Shipment {label} added to the order: {}, {}",
                ctx.titles(&sent),
                describe(&row.tracking)
            );
            if short > 0 {
                message.push_str(&format!(
                    " ({short} more already fulfilled on {dest} were not shipped again)"
                ));
            }
            tracing::info!(push = ctx.push.id, source_fulfillment = %row.source_fulfillment_gid, destination_fulfillment = %made.id, "shipment created on the destination");
            outcome(
                ctx,
                row,
                &ShipmentOutcome::Created {
                    destination_fulfillment_gid: made.id,
                    tracking: row.tracking.clone(),
                },
                Some(("shipment_created", message)),
                now,
            )
            .await
        }
        Err(e) if e.outcome_unknown() || e.is_retryable() => {
            // Still `creating`: the next attempt looks at the order's fulfillments first.
            let history = e.outcome_unknown().then(|| {
                (
                    "shipment_outcome_unknown",
                    format!("No answer from {dest} about shipment {label}; will look for it before trying again"),
                )
            });
            outcome(ctx, row, &ShipmentOutcome::Released, history, now).await?;
            Err(SyncError::Shopify(e))
        }
        Err(e) => {
            let reason = refusal(&e);
            let message = format!("{dest} refused shipment {label}: {reason}");
            tracing::warn!(push = ctx.push.id, error = %e, "shipment refused by the destination");
            outcome(
                ctx,
                row,
                &ShipmentOutcome::Failed(reason),
                Some(("shipment_failed", message)),
                now,
            )
            .await
        }
    }
}

/// The destination fulfillment an earlier attempt created for `row`: not tied to any shipment
/// yet, shipping exactly the lines sent; one with the same tracking numbers first.
async fn find_made<'o>(
    ctx: &Ctx<'_>,
    order: &'o Order,
    row: &PushFulfillment,
) -> Result<Option<&'o Fulfillment>, SyncError> {
    let Some(sent) = &row.sent_lines else {
        return Ok(None);
    };
    let want = units(sent);
    let claimed = ctx
        .store
        .claimed_destination_fulfillments(ctx.push.order_id)
        .await?;
    let candidates: Vec<&Fulfillment> = order
        .fulfillments
        .iter()
        .filter(|f| f.status.eq_ignore_ascii_case("SUCCESS"))
        .filter(|f| !claimed.contains(&f.id))
        .filter(|f| shipped_units(f) == want)
        .collect();
    Ok(candidates
        .iter()
        .find(|f| tracking_of(f).numbers == row.tracking.numbers)
        .or(candidates.first())
        .copied())
}

/// Created: apply a cancellation or a tracking change.
async fn update(
    ctx: &Ctx<'_>,
    api: &ShopApi,
    notify: bool,
    row: &PushFulfillment,
    now: UnixMillis,
) -> Result<(), SyncError> {
    let dest = ctx.destination.shop.name.as_str();
    let label = shipment_label(row);
    let Some(gid) = row.destination_fulfillment_gid.as_deref() else {
        return Ok(());
    };
    if row.source_status == SourceShipmentStatus::Cancelled {
        let result = api.fulfillment_cancel(gid).await;
        let refused = match result {
            Ok(_) => None,
            Err(e) if e.outcome_unknown() || e.is_retryable() => {
                return Err(SyncError::Shopify(e));
            }
            Err(e) => {
                // Already cancelled there (a replay after a lost answer, or the merchant)?
                let order = api
                    .order_for_fulfillment(&ctx.destination_order_gid)
                    .await
                    .map_err(SyncError::Shopify)?;
                let gone = order.as_ref().is_some_and(|o| {
                    o.fulfillments
                        .iter()
                        .any(|f| f.id == gid && f.status.eq_ignore_ascii_case("CANCELLED"))
                });
                (!gone).then(|| refusal(&e))
            }
        };
        return match refused {
            None => {
                let message = format!(
                    "{} cancelled shipment {label}; its shipment on the order was cancelled",
                    ctx.source_name()
                );
                outcome(
                    ctx,
                    row,
                    &ShipmentOutcome::Cancelled,
                    Some(("shipment_cancelled", message)),
                    now,
                )
                .await
            }
            Some(reason) => {
                let message = format!("{dest} refused to cancel shipment {label}: {reason}");
                outcome(
                    ctx,
                    row,
                    &ShipmentOutcome::Failed(reason),
                    Some(("shipment_failed", message)),
                    now,
                )
                .await
            }
        };
    }
    match api
        .fulfillment_tracking_info_update(gid, &tracking_input(&row.tracking), notify)
        .await
    {
        Ok(_) => {
            let message = format!(
                "Tracking of shipment {label} updated on the order: {}",
                describe(&row.tracking)
            );
            outcome(
                ctx,
                row,
                &ShipmentOutcome::TrackingApplied(row.tracking.clone()),
                Some(("shipment_tracking_updated", message)),
                now,
            )
            .await
        }
        Err(e) if e.outcome_unknown() || e.is_retryable() => Err(SyncError::Shopify(e)),
        Err(e) => {
            let reason = refusal(&e);
            let message = format!("{dest} refused the tracking of shipment {label}: {reason}");
            outcome(
                ctx,
                row,
                &ShipmentOutcome::Failed(reason),
                Some(("shipment_failed", message)),
                now,
            )
            .await
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use ordersync_shopify::admin::types::{FulfillmentLineItem, IdRef, Nodes, ShippedLineItem};
    use ordersync_store::pushes::PushLine;

    use super::*;

    fn push(lines: &[(&str, &str, &str, i64)]) -> PushRecord {
        PushRecord {
            id: 1,
            order_id: 1,
            source_shop_id: 2,
            source_domain: ShopDomain::parse("southwind.myshopify.com").unwrap(),
            push_key: "k".into(),
            status: PushStatus::Pushed,
            status_reason: None,
            attention: None,
            redrives: 0,
            source_order_gid: Some("gid://shopify/Order/1".into()),
            source_order_name: Some("#1".into()),
            shipping_title: None,
            shipping_fee: None,
            manual_fee: None,
            lines: lines
                .iter()
                .map(|(dest, variant, sku, quantity)| PushLine {
                    destination_line_gid: (*dest).into(),
                    source_variant_gid: (*variant).into(),
                    sku: (*sku).into(),
                    title: "Mug".into(),
                    quantity: *quantity,
                    unit_price: "1.00".into(),
                    fulfilled_quantity: 0,
                })
                .collect(),
            created_at: UnixMillis(0),
            updated_at: UnixMillis(0),
        }
    }

    fn shipment(lines: &[(Option<&str>, &str, i64)]) -> Fulfillment {
        Fulfillment {
            id: "gid://shopify/Fulfillment/9".into(),
            status: "SUCCESS".into(),
            name: None,
            updated_at: None,
            tracking_info: vec![],
            fulfillment_line_items: Some(Nodes {
                nodes: lines
                    .iter()
                    .map(|(variant, sku, quantity)| FulfillmentLineItem {
                        quantity: Some(*quantity),
                        line_item: ShippedLineItem {
                            id: "gid://shopify/LineItem/5".into(),
                            sku: Some((*sku).into()),
                            variant: variant.map(|v| IdRef { id: v.into() }),
                        },
                    })
                    .collect(),
            }),
        }
    }

    fn line(dest: &str, quantity: i64) -> ShippedLine {
        ShippedLine {
            destination_line_gid: dest.into(),
            quantity,
        }
    }

    #[test]
    fn a_variant_on_two_push_lines_fills_them_in_turn_across_shipments() {
        let p = push(&[("D1", "V", "MUG", 2), ("D2", "V", "MUG", 3)]);
        let first = map_lines(&p, &[], &shipment(&[(Some("V"), "MUG", 3)]));
        assert_eq!(first, vec![line("D1", 2), line("D2", 1)]);
        let recorded = PushFulfillment {
            id: 1,
            push_id: 1,
            source_fulfillment_gid: "gid://shopify/Fulfillment/8".into(),
            source_name: None,
            source_status: SourceShipmentStatus::Shipped,
            tracking: Tracking::default(),
            lines: first,
            state: ShipmentState::Created,
            claim_until: None,
            sent_lines: None,
            destination_fulfillment_gid: None,
            applied_status: None,
            applied_tracking: None,
            failure: None,
            created_at: UnixMillis(0),
            updated_at: UnixMillis(0),
        };
        let rest = map_lines(
            &p,
            std::slice::from_ref(&recorded),
            &shipment(&[(Some("V"), "MUG", 5)]),
        );
        assert_eq!(
            rest,
            vec![line("D2", 2)],
            "only what is left; the excess is ignored"
        );
        let cancelled = PushFulfillment {
            source_status: SourceShipmentStatus::Cancelled,
            ..recorded
        };
        let again = map_lines(&p, &[cancelled], &shipment(&[(Some("V"), "MUG", 2)]));
        assert_eq!(
            again,
            vec![line("D1", 2)],
            "a cancelled shipment frees its units"
        );
    }

    #[test]
    fn a_deleted_variant_is_matched_by_sku_and_an_unknown_line_is_ignored() {
        let p = push(&[("D1", "V1", "MUG", 1), ("D2", "V2", "CUP", 1)]);
        let mapped = map_lines(
            &p,
            &[],
            &shipment(&[(None, "CUP", 1), (Some("V9"), "BOWL", 4)]),
        );
        assert_eq!(mapped, vec![line("D2", 1)]);
    }

    #[test]
    fn shopify_statuses_and_tracking_are_read() {
        assert_eq!(source_status("SUCCESS"), SourceShipmentStatus::Shipped);
        assert_eq!(source_status("CANCELLED"), SourceShipmentStatus::Cancelled);
        assert_eq!(source_status("FAILURE"), SourceShipmentStatus::Cancelled);
        assert_eq!(source_status("OPEN"), SourceShipmentStatus::Pending);
        let t = Tracking {
            company: Some("UPS".into()),
            numbers: vec!["1".into(), "2".into()],
            urls: vec![],
        };
        assert_eq!(describe(&t), "tracking UPS 1, 2");
        assert_eq!(describe(&Tracking::default()), "no tracking");
    }
}
