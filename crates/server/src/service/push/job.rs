//! The `push` job: plans the push, records the intent (Queued → Pushing with the planned lines)
//! before calling Shopify, looks the order up by its unique tag when an earlier attempt's outcome
//! is unknown, then creates it with `orderCreate`; see `docs/push.md`.

use ordersync_core::{
    plan_push, ManualShippingFee, PlanError, PushEvent, PushInput, PushPlan, PushStatus, ShopDomain,
};
use ordersync_shopify::admin::AdminError;
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::Job;
use ordersync_store::orders::OrderSummary;
use ordersync_store::pushes::{PushChange, PushLine, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, Tx, UnixMillis};

use super::input::{new_order, options};
use super::refresh_list_status;
use crate::auth::{AuthError, AuthService};
use crate::service::shop_api::{find_pushed_order, push_tag, shop_api};

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
            if status == PushStatus::Pushing {
                // An earlier attempt may have created the source order before the order became
                // unpushable (e.g. cancelled): look before failing, so that order is not lost.
                if let Some((gid, name)) = find_by_tag(auth, source, push, now).await? {
                    let message = format!(
                        "Found order {name} on {} (created by an earlier attempt); pushed",
                        source.shop.domain
                    );
                    let mut tx = store.begin().await?;
                    tx.transition_push(
                        push.id,
                        PushStatus::Pushing,
                        &PushEvent::Created,
                        &PushChange {
                            source_order_gid: Some(gid),
                            source_order_name: Some(name),
                            ..PushChange::default()
                        },
                        &event(order.id, "push_created", &message),
                        now,
                    )
                    .await?;
                    tx.complete_job(job.id, owner).await?;
                    tx.commit().await?;
                    return Ok(());
                }
            }
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
    // A push with planned lines was Pushing before (an earlier job, now redriven or retried by
    // the merchant, may have created the order without hearing back): look first too.
    let look_first = status == PushStatus::Pushing || job.attempts > 1 || !push.lines.is_empty();
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

    let api = source_api(auth, source, now).await?;
    let started_at = std::time::Instant::now();
    let tag = plan.push_key.tag();
    let mut found = None;
    if look_first {
        match find_pushed_order(&api, tag.as_str()).await {
            Ok(hit) => found = hit.map(|(id, name)| (id, name, true)),
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

/// The source order an earlier attempt of this push created, found by the push's unique tag.
async fn find_by_tag(
    auth: &AuthService,
    source: &ShopRecord,
    push: &PushRecord,
    now: UnixMillis,
) -> Result<Option<(String, String)>, PushJobError> {
    let api = source_api(auth, source, now).await?;
    find_pushed_order(&api, &push_tag(&push.push_key))
        .await
        .map_err(PushJobError::Shopify)
}

async fn source_api(
    auth: &AuthService,
    source: &ShopRecord,
    now: UnixMillis,
) -> Result<ordersync_shopify::admin::ShopApi, PushJobError> {
    shop_api(auth, source, now)
        .await
        .map_err(|e| PushJobError::Token {
            shop: source.shop.domain.clone(),
            source: e,
        })
}

/// The plan of this push, or the merchant reason it cannot be planned.
async fn plan(
    store: &Store,
    destination: &ShopRecord,
    order: &OrderSummary,
    source: &ShopRecord,
    push: &PushRecord,
) -> Result<Result<PushPlan, PlanError>, StoreError> {
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
