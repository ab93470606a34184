//! Pushing a destination order's items for one source store, exactly once (see `docs/push.md`).
//!
//! [`request_push`] (the merchant's Push or Retry, or automated push) moves the push to Queued
//! and enqueues its `push` job in one transaction. [`run_push`] (the job) plans the order, records
//! the intent (Queued → Pushing, with the planned lines) *before* calling Shopify, and creates the
//! source order with `orderCreate`. A push found Pushing again (a crash, a lost lease, an earlier
//! attempt whose outcome is unknown) is first looked up on the source store by its unique tag, so
//! a second order is never created. Every step lands in the order's history.

use ordersync_core::{
    plan_push, route, status::summarize, Address, ManualShippingFee, PushEvent, PushInput, PushKey,
    PushPlan, PushStatus, ShopDomain, StoreRole,
};
use ordersync_shopify::admin::order_input::{
    AddressInput, MoneyBag, NewOrder, NewOrderLine, NewShippingLine, OrderCreateOptions,
};
use ordersync_shopify::admin::AdminError;
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::{Job, NewJob};
use ordersync_store::orders::OrderSummary;
use ordersync_store::pushes::{PushChange, PushLine, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, Tx, UnixMillis};
use serde_json::json;

use crate::auth::{AuthError, AuthService};

/// The job kind that pushes one order to one source store.
pub const PUSH_JOB_KIND: &str = "push";

/// The financial status of created source orders: PENDING, so the supplier collects payment
/// from the retailer (the shopper paid the retailer, not the supplier).
pub const FINANCIAL_STATUS: &str = "PENDING";

/// Inventory behaviour of created source orders: the supplier's stock is decremented, obeying
/// its inventory policy (an out-of-stock variant that does not allow overselling is refused).
pub const INVENTORY_BEHAVIOUR: &str = "DECREMENT_OBEYING_POLICY";

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

/// In `tx`: ensures the push of `order` to `source`, and if it is Not pushed (or Failed and
/// `retry` allows) moves it to Queued and enqueues its job to run at `run_at`. Answers the push
/// and whether it was queued now.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue_in_tx(
    tx: &mut Tx,
    destination: &ShopRecord,
    order: &OrderSummary,
    source: &ShopRecord,
    manual_fee: Option<&ManualShippingFee>,
    actor: &str,
    run_at: UnixMillis,
    now: UnixMillis,
) -> Result<(PushRecord, bool), PushError> {
    let key = PushKey::new(
        &destination.shop.domain,
        &order.order.id,
        &source.shop.domain,
    );
    let push = tx
        .ensure_push(order.id, source.id, key.as_str(), now)
        .await?;
    let event = match push.status {
        PushStatus::NotPushed => PushEvent::Enqueued,
        PushStatus::Failed => PushEvent::Retried,
        PushStatus::Queued | PushStatus::Pushing => return Ok((push, false)),
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
    let queued = queue_in_tx(
        &mut tx,
        shop,
        &order,
        &source,
        fee.as_ref(),
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
    let pushes: Vec<PushStatus> = store
        .pushes_for_order(order_id)
        .await?
        .into_iter()
        .map(|p| p.status)
        .collect();
    let status = summarize(order.eligible, &pushes, expected);
    if status != order.list_status {
        let mut tx = store.begin().await?;
        tx.set_order_list_status(order_id, status, UnixMillis::now())
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Why a `push` job attempt did not finish.
#[derive(Debug, thiserror::Error)]
pub enum PushJobError {
    /// No usable access token for the source store.
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
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl PushJobError {
    /// Whether running the job again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            PushJobError::Token { source, .. } => source.is_retryable(),
            PushJobError::Shopify(e) => e.is_retryable() || e.outcome_unknown(),
            PushJobError::Store(e) => {
                matches!(e, StoreError::Database(_) | StoreError::LeaseLost(_))
            }
        }
    }
}

const ACTOR: &str = "push worker";

fn event<'a>(order_id: i64, kind: &'a str, message: &'a str) -> NewEvent<'a> {
    NewEvent {
        order_id,
        push_id: None,
        actor: ACTOR,
        kind,
        message,
        data: None,
    }
}

/// Runs the `push` job; see the module docs.
pub async fn run_push(
    store: &Store,
    auth: &AuthService,
    job: &Job,
    owner: &str,
) -> Result<(), PushJobError> {
    let now = UnixMillis::now();
    let key = job.payload.get("push_key").and_then(|v| v.as_str());
    let push = match key {
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
    let (Some(order), Some(source), true) = (
        order,
        source,
        matches!(push.status, PushStatus::Queued | PushStatus::Pushing) && destination.installed,
    ) else {
        // Already done, cancelled, or the store left: nothing to do.
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    let result = attempt(
        store,
        auth,
        job,
        owner,
        &destination,
        &order,
        &source,
        &push,
        now,
    )
    .await;
    refresh_list_status(store, destination.id, order.id).await?;
    result
}

#[allow(clippy::too_many_arguments)]
async fn attempt(
    store: &Store,
    auth: &AuthService,
    job: &Job,
    owner: &str,
    destination: &ShopRecord,
    order: &OrderSummary,
    source: &ShopRecord,
    push: &PushRecord,
    now: UnixMillis,
) -> Result<(), PushJobError> {
    let mut status = push.status;
    // Refusals that need the merchant.
    let refusal = if !store.can_push_orders(destination.id).await? {
        Some(
            "The Order add-on is not active: switch it on in Plan & Billing to push orders."
                .to_owned(),
        )
    } else if !order.eligible {
        let reasons: Vec<String> = order
            .ineligible_reasons
            .iter()
            .map(|r| r.message())
            .collect();
        Some(format!("The order can't be pushed: {}", reasons.join(" ")))
    } else {
        None
    };
    let plan = match refusal {
        Some(reason) => Err(reason),
        None => plan(store, destination, order, source, push)
            .await?
            .map_err(|e| e.to_string()),
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(reason) => {
            let mut tx = store.begin().await?;
            if status == PushStatus::Queued {
                status = started(&mut tx, order, push, None, now).await?;
            }
            fail_final(&mut tx, order, push, status, &reason, now).await?;
            tx.complete_job(job.id, owner).await?;
            tx.commit().await?;
            tracing::warn!(shop = %destination.shop.domain, source = %source.shop.domain, order = %order.order.name.as_str(), %reason, "push refused");
            return Ok(());
        }
    };
    // Record the intent before calling Shopify.
    let look_first = status == PushStatus::Pushing || job.attempts > 1;
    let mut tx = store.begin().await?;
    if status == PushStatus::Queued {
        started(&mut tx, order, push, Some(&plan), now).await?;
    } else {
        let message = format!(
            "Push to {} taken up again after an interruption; looking for the order on the source store first",
            source.shop.domain
        );
        tx.transition_push(
            push.id,
            status,
            &PushEvent::Resumed,
            &PushChange::default(),
            &event(order.id, "push_resumed", &message),
            now,
        )
        .await?;
    }
    tx.commit().await?;

    let token = auth
        .access_token(source, now)
        .await
        .map_err(|e| PushJobError::Token {
            shop: source.shop.domain.clone(),
            source: e,
        })?;
    let api = auth.admin().shop(source.shop.domain.as_str(), token);
    let started_at = std::time::Instant::now();
    let tag = plan.push_key.tag();
    let mut found = None;
    if look_first {
        let query = format!("tag:{}", tag.as_str());
        match api.orders(Some(&query), 5, None).await {
            Ok(page) => {
                found = page
                    .nodes
                    .into_iter()
                    .find(|o| o.tags.iter().any(|t| t == tag.as_str()))
                    .map(|o| (o.id, o.name, true));
            }
            Err(e) => return shopify_failed(store, job, owner, order, push, source, e, now).await,
        }
    }
    let created = match found {
        Some(f) => f,
        None => match api.order_create(&new_order(&plan), Some(&options())).await {
            Ok(c) => (c.id, c.name, false),
            Err(e) => return shopify_failed(store, job, owner, order, push, source, e, now).await,
        },
    };
    let (gid, name, was_found) = created;
    let message = if was_found {
        format!(
            "Found order {name} on {} (created by an earlier attempt); pushed",
            source.shop.domain
        )
    } else {
        format!("Pushed to {} as order {name}", source.shop.domain)
    };
    let mut tx = store.begin().await?;
    tx.transition_push(
        push.id,
        PushStatus::Pushing,
        &PushEvent::Created,
        &PushChange {
            source_order_gid: Some(gid.clone()),
            source_order_name: Some(name.clone()),
            ..PushChange::default()
        },
        &event(order.id, "push_created", &message),
        now,
    )
    .await?;
    tx.complete_job(job.id, owner).await?;
    tx.commit().await?;
    tracing::info!(shop = %source.shop.domain, operation = "orderCreate", destination = %destination.shop.domain, order = %order.order.name.as_str(), source_order = %gid, found_by_tag = was_found, ms = started_at.elapsed().as_millis(), "order pushed");
    Ok(())
}

/// The plan of this push, or the merchant reason it cannot be planned.
async fn plan(
    store: &Store,
    destination: &ShopRecord,
    order: &OrderSummary,
    source: &ShopRecord,
    push: &PushRecord,
) -> Result<Result<PushPlan, ordersync_core::PlanError>, StoreError> {
    let catalog = store.synced_catalog(destination.id).await?;
    let settings = store.push_settings(destination.id).await?;
    let manual_fee = push
        .manual_fee
        .as_deref()
        .and_then(|f| ManualShippingFee::parse(f).ok());
    Ok(plan_push(PushInput {
        order: &order.order,
        destination: &destination.shop,
        source: &source.shop.domain,
        catalog: &catalog,
        settings: &settings,
        manual_fee,
    }))
}

/// Queued → Pushing, recording the planned lines and shipping when there is a plan.
async fn started(
    tx: &mut Tx,
    order: &OrderSummary,
    push: &PushRecord,
    plan: Option<&PushPlan>,
    now: UnixMillis,
) -> Result<PushStatus, StoreError> {
    let mut change = PushChange::default();
    if let Some(plan) = plan {
        let lines: Vec<PushLine> = plan
            .lines
            .iter()
            .map(|l| PushLine {
                destination_line_gid: l.destination_line.as_str().to_owned(),
                source_variant_gid: l.source_variant.as_str().to_owned(),
                sku: l.sku.as_str().to_owned(),
                title: l.title.clone(),
                quantity: i64::from(l.quantity),
                unit_price: l.unit_price.amount().to_string(),
                fulfilled_quantity: 0,
            })
            .collect();
        tx.set_push_lines(push.id, &lines).await?;
        change.shipping_title = Some(plan.shipping.title.clone());
        change.shipping_fee = Some(plan.shipping.fee.amount().to_string());
    }
    let message = format!("Pushing to {}", push.source_domain);
    tx.transition_push(
        push.id,
        PushStatus::Queued,
        &PushEvent::Started,
        &change,
        &event(order.id, "push_started", &message),
        now,
    )
    .await
}

async fn fail_final(
    tx: &mut Tx,
    order: &OrderSummary,
    push: &PushRecord,
    from: PushStatus,
    reason: &str,
    now: UnixMillis,
) -> Result<(), StoreError> {
    let message = format!("Push to {} failed: {reason}", push.source_domain);
    tx.transition_push(
        push.id,
        from,
        &PushEvent::Failed { retryable: false },
        &PushChange {
            reason: Some(reason.to_owned()),
            ..PushChange::default()
        },
        &event(order.id, "push_failed", &message),
        now,
    )
    .await?;
    Ok(())
}

/// Records a failed Shopify call: unknown outcome → stays Pushing (so the next attempt looks the
/// order up first) and the job retries; retryable → back to Queued and the job retries; final →
/// Failed with a merchant reason, job done.
#[allow(clippy::too_many_arguments)]
async fn shopify_failed(
    store: &Store,
    job: &Job,
    owner: &str,
    order: &OrderSummary,
    push: &PushRecord,
    source: &ShopRecord,
    error: AdminError,
    now: UnixMillis,
) -> Result<(), PushJobError> {
    tracing::warn!(shop = %source.shop.domain, operation = "push", kind = error.kind(), error = %error, "push call failed");
    let mut tx = store.begin().await?;
    if error.outcome_unknown() {
        let message = format!(
            "No answer from {} about the new order; will look for it before trying again",
            source.shop.domain
        );
        let mut e = event(order.id, "push_outcome_unknown", &message);
        e.push_id = Some(push.id);
        tx.append_event(&e, now).await?;
        tx.commit().await?;
        return Err(PushJobError::Shopify(error));
    }
    if error.is_retryable() {
        let message = format!("{} is unavailable; will try again", source.shop.domain);
        tx.transition_push(
            push.id,
            PushStatus::Pushing,
            &PushEvent::Failed { retryable: true },
            &PushChange::default(),
            &event(order.id, "push_retrying", &message),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(PushJobError::Shopify(error));
    }
    let reason = match &error {
        AdminError::UserErrors { errors, .. } => {
            let all: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            format!("{} refused the order: {}", source.shop.domain, all.join("; "))
        }
        AdminError::AccessDenied { .. } | AdminError::Unauthorized { .. } => format!(
            "ordersync is not allowed to create orders on {}; the source store should reinstall the app",
            source.shop.domain
        ),
        _ => format!("{} could not create the order", source.shop.domain),
    };
    fail_final(&mut tx, order, push, PushStatus::Pushing, &reason, now).await?;
    tx.complete_job(job.id, owner).await?;
    tx.commit().await?;
    Ok(())
}

fn address(a: &Address) -> AddressInput {
    AddressInput {
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        company: a.company.clone(),
        address1: a.address1.clone(),
        address2: a.address2.clone(),
        city: a.city.clone(),
        province_code: a.province_code.clone(),
        country_code: a.country_code.as_ref().map(|c| c.as_str().to_owned()),
        zip: a.zip.clone(),
        phone: a.phone.clone(),
    }
}

/// The `orderCreate` input of a plan: no discount codes, no original shipping.
pub fn new_order(plan: &PushPlan) -> NewOrder {
    let currency = plan.currency.as_str().to_owned();
    let mut shipping_address = address(&plan.shipping_address);
    shipping_address.first_name = plan
        .customer_first_name
        .clone()
        .or(shipping_address.first_name);
    shipping_address.last_name = plan
        .customer_last_name
        .clone()
        .or(shipping_address.last_name);
    NewOrder {
        email: Some(plan.email.as_str().to_owned()),
        phone: None,
        currency: Some(currency.clone()),
        line_items: plan
            .lines
            .iter()
            .map(|l| NewOrderLine {
                variant_id: Some(l.source_variant.as_str().to_owned()),
                title: None,
                sku: None,
                quantity: l.quantity,
                price_set: Some(MoneyBag::new(l.unit_price.amount(), currency.clone())),
            })
            .collect(),
        shipping_address: Some(shipping_address),
        billing_address: plan.billing_address.as_ref().map(address),
        shipping_lines: vec![NewShippingLine {
            title: plan.shipping.title.clone(),
            price_set: MoneyBag::new(plan.shipping.fee.amount(), currency),
        }],
        financial_status: Some(FINANCIAL_STATUS.to_owned()),
        note: Some(plan.note.clone()),
        tags: plan.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        source_identifier: Some(plan.push_key.as_str().to_owned()),
        test: false,
    }
}

fn options() -> OrderCreateOptions {
    OrderCreateOptions {
        inventory_behaviour: Some(INVENTORY_BEHAVIOUR.to_owned()),
        send_receipt: false,
        send_fulfillment_receipt: false,
    }
}
