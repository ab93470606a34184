//! Order reconciliation (the `reconcile_orders` job, one destination store per run; see
//! `docs/reconciliation.md`).
//!
//! 1. **Redrive**: the store's pushes left Queued or Pushing without a live `push` job (it died
//!    out of attempts, or went missing) get their job again (dedupe key `push:{id}`); the push
//!    job's lookup by tag keeps the source order exactly-once. After [`MAX_PUSH_REDRIVES`]
//!    redrives the push is failed for the merchant instead (Retry starts the count afresh).
//! 2. **Orders webhooks missed**: orders updated since the store's cursor minus an overlap are
//!    read through the Admin API (`orders(query: "updated_at:>='…'", sortKey: UPDATED_AT)`,
//!    paginated), and every state that is new to ordersync goes through the same intake path as a
//!    webhook ([`super::orders::take_in`]): eligibility, stale-state protection, history,
//!    automated push, cancellations and edits. A state already stored (the same order model) or
//!    older than the stored one changes nothing. The cursor advances after each page is
//!    taken in; the first run starts `lookback` ago.

use chrono::{DateTime, SecondsFormat, Utc};
use ordersync_core::{PushEvent, StoreRole};
use ordersync_shopify::admin::AdminError;
use ordersync_shopify::payload::parse_graphql_order;
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::Job;
use ordersync_store::pushes::{PushChange, PushRecord};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, UnixMillis};

use super::orders::{take_in, Incoming};
use super::push::{push_job, refresh_list_status};
use super::ProcessError;
use crate::auth::{AuthError, AuthService};
use crate::config::ReconcileConfig;

/// The job kind of order reconciliation (also its periodic task's name).
pub const RECONCILE_ORDERS_JOB_KIND: &str = "reconcile_orders";

/// Orders per page: the document's requested cost (4 orders × 25 lines) stays under Shopify's
/// 1000-point limit for a single query.
const PAGE_SIZE: u32 = 4;

/// Pages per run, so one run stays well inside its lease; the next run goes on from the cursor.
const MAX_PAGES: u32 = 50;

/// Stuck pushes redriven per run.
const MAX_REDRIVES: u32 = 100;

/// Redrives of one push (since the merchant's last Retry) before it is failed instead: each
/// redrive gives its job all its attempts again, so a push whose job stopped this often will not
/// go through by itself.
pub const MAX_PUSH_REDRIVES: i64 = 3;

/// The actor of history entries written by reconciliation.
pub const ACTOR: &str = "reconciliation";

/// Why a reconciliation run did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// No usable access token for the store.
    #[error("access token: {0}")]
    Token(AuthError),
    /// Reading orders failed.
    #[error("{0}")]
    Shopify(AdminError),
    /// Taking an order in failed.
    #[error("{0}")]
    Intake(ProcessError),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl From<ProcessError> for ReconcileError {
    fn from(e: ProcessError) -> Self {
        match e {
            ProcessError::Store(s) => ReconcileError::Store(s),
            other => ReconcileError::Intake(other),
        }
    }
}

impl ReconcileError {
    /// Whether running again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ReconcileError::Token(e) => e.is_retryable(),
            ReconcileError::Shopify(e) => e.is_retryable() || e.outcome_unknown(),
            ReconcileError::Intake(e) => e.is_retryable(),
            ReconcileError::Store(e) => matches!(
                e,
                StoreError::Database(_) | StoreError::LeaseLost(_) | StoreError::Conflict { .. }
            ),
        }
    }
}

/// What one run did (logged, and answered for tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Pushes whose job was queued again.
    pub redriven: usize,
    /// Orders read.
    pub read: usize,
    /// Order states taken in (new to ordersync).
    pub taken_in: usize,
    /// Orders that could not be read as orders (logged, skipped).
    pub unreadable: usize,
}

/// The search query of a run reading from `since`.
pub fn updated_since_query(since: UnixMillis) -> String {
    let at = DateTime::<Utc>::from_timestamp_millis(since.0).unwrap_or_default();
    format!(
        "updated_at:>='{}'",
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// Runs the `reconcile_orders` job for its shop; see the module docs.
pub async fn run_reconcile_orders(
    store: &Store,
    auth: &AuthService,
    config: &ReconcileConfig,
    lease: std::time::Duration,
    job: &Job,
    owner: &str,
) -> Result<Reconciled, ReconcileError> {
    let shop = match job.shop_id {
        Some(id) => store.shop_by_id(id).await?,
        None => None,
    };
    let Some(shop) = shop else {
        store.complete_job(job.id, owner).await?;
        return Ok(Reconciled::default());
    };
    if !shop.installed
        || shop.shop.role != StoreRole::Destination
        || !store.can_push_orders(shop.id).await?
    {
        store.complete_job(job.id, owner).await?;
        return Ok(Reconciled::default());
    }
    let mut done = Reconciled {
        redriven: redrive_stuck_pushes(store, &shop).await?,
        ..Reconciled::default()
    };
    let started = UnixMillis::now();
    let cursor = match store.reconcile_cursor(shop.id).await? {
        Some(c) => c,
        None => started.plus_millis(-millis(config.lookback)),
    };
    let query = updated_since_query(cursor.plus_millis(-millis(config.overlap)));
    let token = auth
        .access_token(&shop, started)
        .await
        .map_err(ReconcileError::Token)?;
    let api = auth.admin().shop(shop.shop.domain.as_str(), token);
    let mut after: Option<String> = None;
    let mut cursor = cursor;
    for _ in 0..MAX_PAGES {
        // States read now are at least as new as any webhook triggered before this moment.
        let read_at = UnixMillis::now();
        let page = api
            .orders_for_reconciliation(&query, PAGE_SIZE, after.as_deref())
            .await
            .map_err(ReconcileError::Shopify)?;
        let mut newest = cursor;
        for node in &page.nodes {
            done.read += 1;
            if let Some(at) = node_updated_at(node) {
                newest = newest.max(at);
            }
            let order = match parse_graphql_order(node) {
                Ok(o) => o,
                Err(e) => {
                    done.unreadable += 1;
                    tracing::warn!(shop = %shop.shop.domain, order = ?node.get("id"), error = %e, "order could not be read; skipped by reconciliation");
                    continue;
                }
            };
            let stored = store.order_by_gid(shop.id, order.id.as_str()).await?;
            if stored
                .as_ref()
                .is_some_and(|s| s.order == order || s.order.updated_at > order.updated_at)
            {
                continue;
            }
            let raw = serde_json::to_vec(node).unwrap_or_default();
            let incoming = Incoming {
                shop: &shop,
                order: &order,
                raw_payload: &raw,
                event_at: Some(read_at),
                actor: ACTOR.to_owned(),
            };
            let (tx, taken) = take_in(store, &incoming, UnixMillis::now()).await?;
            tx.commit().await?;
            taken.after_commit(store, shop.id).await?;
            if !taken.stale {
                done.taken_in += 1;
                tracing::info!(shop = %shop.shop.domain, order = %order.name.as_str(), "reconciliation took in a state webhooks had not brought");
            }
        }
        let last = !(page.page_info.has_next_page && page.page_info.end_cursor.is_some());
        if last {
            // Everything updated before this read was listed (up to the search's lag, which the
            // next run's overlap covers): the next run need not read further back.
            newest = newest.max(read_at);
        }
        // The page is taken in: the cursor may pass it.
        cursor = newest;
        let mut tx = store.begin().await?;
        tx.advance_reconcile_cursor(shop.id, newest, UnixMillis::now())
            .await?;
        tx.commit().await?;
        store
            .extend_lease(job.id, owner, lease, UnixMillis::now())
            .await?;
        match page.page_info.end_cursor {
            Some(next) if page.page_info.has_next_page => after = Some(next),
            _ => break,
        }
    }
    store.complete_job(job.id, owner).await?;
    tracing::info!(shop = %shop.shop.domain, redriven = done.redriven, read = done.read, taken_in = done.taken_in, unreadable = done.unreadable, "orders reconciled");
    Ok(done)
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn node_updated_at(node: &serde_json::Value) -> Option<UnixMillis> {
    let at = node.get("updatedAt")?.as_str()?;
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| UnixMillis::from(t.with_timezone(&Utc)))
}

/// Queues again the `push` job of the shop's pushes stuck Queued or Pushing with no live job;
/// answers how many. Each redrive is an entry in the order's history. A push already redriven
/// [`MAX_PUSH_REDRIVES`] times (since the merchant's last Retry) is not redriven again: its job
/// keeps stopping, so it is failed with a reason for the merchant, whose Retry starts afresh.
pub async fn redrive_stuck_pushes(store: &Store, shop: &ShopRecord) -> Result<usize, StoreError> {
    let mut redriven = 0;
    for push in store.stuck_pushes(shop.id, MAX_REDRIVES).await? {
        let now = UnixMillis::now();
        if push.redrives >= MAX_PUSH_REDRIVES {
            give_up(store, shop, &push, now).await?;
            continue;
        }
        let mut tx = store.begin().await?;
        let Some(_) = tx
            .redrive_push_job(push.id, &push_job(shop.id, &push, now, now), now)
            .await?
        else {
            continue;
        };
        let message = format!(
            "Push to {} taken up again: its job had stopped before the push was settled",
            push.source_domain
        );
        tx.append_event(
            &NewEvent {
                order_id: push.order_id,
                push_id: Some(push.id),
                actor: ACTOR,
                kind: "push_redriven",
                message: &message,
                data: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        refresh_list_status(store, shop.id, push.order_id).await?;
        tracing::warn!(shop = %shop.shop.domain, source = %push.source_domain, push_id = push.id, status = push.status.as_str(), "stuck push redriven");
        redriven += 1;
    }
    Ok(redriven)
}

/// Fails a push whose job kept stopping although it was redriven [`MAX_PUSH_REDRIVES`] times:
/// the merchant sees it Failed with what to do, and Retry queues it afresh (the push job looks
/// for an order an earlier attempt may have created before creating one).
async fn give_up(
    store: &Store,
    shop: &ShopRecord,
    push: &PushRecord,
    now: UnixMillis,
) -> Result<(), StoreError> {
    let source = match store.shop_by_id(push.source_shop_id).await? {
        Some(s) => s.shop.name.as_str().to_owned(),
        None => push.source_domain.to_string(),
    };
    let reason = format!(
        "ordersync tried to push this order to {source} {} times and each attempt stopped before it finished, so it stopped trying. Check that {source} is still connected and the items are still synced, then click Retry; if it fails again, contact support.",
        push.redrives + 1
    );
    let message = format!("Push to {} failed: {reason}", push.source_domain);
    let mut tx = store.begin().await?;
    let moved = tx
        .transition_push(
            push.id,
            push.status,
            &PushEvent::Failed { retryable: false },
            &PushChange {
                reason: Some(reason),
                ..PushChange::default()
            },
            &NewEvent {
                order_id: push.order_id,
                push_id: None,
                actor: ACTOR,
                kind: "push_failed",
                message: &message,
                data: None,
            },
            now,
        )
        .await;
    match moved {
        Ok(_) => {}
        // The push moved meanwhile (a Retry, a late job): nothing to give up on.
        Err(StoreError::Conflict { .. }) => return Ok(()),
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    refresh_list_status(store, shop.id, push.order_id).await?;
    tracing::warn!(shop = %shop.shop.domain, source = %push.source_domain, push_id = push.id, redrives = push.redrives, "push kept stopping; failed for the merchant");
    Ok(())
}
