//! The Order add-on (Settings → Plan & Billing), below HTTP: show it ([`status`]), switch it on
//! (a Shopify charge the merchant approves: [`switch_on`]), check the approval when the merchant
//! comes back ([`confirm`]), switch it off ([`switch_off`]), and follow Shopify's
//! `app_subscriptions/update` webhook ([`subscription_updated`]). The rules are the domain's
//! (`ordersync_core::addon`); this module talks to Shopify and storage, logs every change, and
//! turns failures into [`AddonError`]s a merchant can read (the detail goes to the log).
//!
//! The add-on becomes Active only when Shopify says the charge is active (the webhook or
//! `currentAppInstallation.activeSubscriptions`), never because ordersync asked for it.

use ordersync_core::{
    AddonRefusal, AddonState, AddonStatus, AppSubscriptionId, ShopifyUpdate, SwitchOff, SwitchOn,
};
use ordersync_shopify::admin::types::NewAppSubscription;
use ordersync_shopify::admin::{AdminError, ShopApi};
use ordersync_store::addon::AddonRecord;
use ordersync_store::shops::ShopRecord;
use ordersync_store::webhooks::WebhookReceipt;
use ordersync_store::{Store, StoreError, UnixMillis};
use serde::Deserialize;

use super::process::{finish, JobRef};
use super::ProcessError;
use crate::config::AddonConfig;

/// Where Shopify sends the merchant back after approving or declining (under `app_url`, with
/// `?shop=…`; Shopify adds `charge_id`). The route behind it calls [`confirm`].
pub const RETURN_PATH: &str = "/billing/return";

/// How often a status change is tried again when something else changed the add-on meanwhile.
const CAS_ATTEMPTS: usize = 5;

/// Why an add-on operation did not succeed. The messages are for the merchant.
#[derive(Debug, thiserror::Error)]
pub enum AddonError {
    /// The rules refuse it (a source store, a charge on hold).
    #[error("{0}")]
    Refused(#[from] AddonRefusal),
    /// Shopify refused the charge (its user errors, which name the problem).
    #[error("Shopify did not accept the charge: {0}")]
    ChargeRefused(String),
    /// Shopify refused to cancel the charge.
    #[error("Shopify did not cancel the charge: {0}")]
    CancelRefused(String),
    /// The app's access to the store is missing or revoked.
    #[error("ordersync is not allowed to manage this store's billing. Open the app from your Shopify admin to reconnect it, then try again.")]
    NotAuthorized(#[source] AdminError),
    /// Shopify could not be reached, or did not answer in time (possibly after doing it).
    #[error("Shopify could not be reached. Please try again in a few minutes.")]
    Unavailable(#[source] AdminError),
    /// Shopify answered something ordersync did not expect.
    #[error(
        "Shopify answered unexpectedly. Please try again; if it keeps happening, contact support."
    )]
    Shopify(String),
    /// Storage failed.
    #[error("Something went wrong on our side. Please try again.")]
    Store(#[from] StoreError),
}

/// The add-on as Settings → Plan & Billing and the Orders tab show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonOverview {
    /// Off (with a reason), Waiting for approval or Active.
    pub state: AddonState,
    /// Why it is off, in the merchant's words (`None` unless off).
    pub reason: Option<&'static str>,
    /// The Orders tab banner (`None` while active).
    pub orders_banner: Option<&'static str>,
    /// Where to approve the waiting charge (only while waiting).
    pub confirmation_url: Option<String>,
    /// The stored record (charge, test flag, times, last error).
    pub record: AddonRecord,
}

impl AddonOverview {
    fn of(record: AddonRecord) -> Self {
        let state = record.addon.state();
        AddonOverview {
            state,
            reason: match state {
                AddonState::Off(reason) => Some(reason.message()),
                _ => None,
            },
            orders_banner: state.orders_banner(),
            confirmation_url: (state == AddonState::WaitingForApproval)
                .then(|| record.addon.confirmation_url.clone())
                .flatten(),
            record,
        }
    }
}

/// What switching on came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchedOn {
    /// It was already active.
    AlreadyActive,
    /// Send the merchant to Shopify to approve the charge (a new one, or the one already waiting).
    Approve {
        /// Shopify's approval page.
        confirmation_url: String,
    },
}

/// The shop's add-on.
pub async fn status(store: &Store, shop: &ShopRecord) -> Result<AddonOverview, AddonError> {
    Ok(AddonOverview::of(store.order_addon(shop.id).await?))
}

/// Whether `shop`'s orders may be pushed now: only while its add-on is active. The push engine
/// calls this before pushing (and leaves the order recorded, not pushed, otherwise).
pub async fn can_push(store: &Store, shop_id: i64) -> Result<bool, StoreError> {
    store.can_push_orders(shop_id).await
}

/// Switches the add-on on: a source store is refused; an active add-on stays; a charge already
/// waiting is reused; otherwise Shopify is asked for a charge (`appSubscriptionCreate`) and the
/// add-on waits for the merchant's approval at the answered URL.
pub async fn switch_on(
    store: &Store,
    api: &ShopApi,
    shop: &ShopRecord,
    config: &AddonConfig,
) -> Result<SwitchedOn, AddonError> {
    let domain = shop.shop.domain.as_str();
    let record = store.order_addon(shop.id).await?;
    let plan = match record.addon.switch_on(shop.shop.role) {
        Ok(plan) => plan,
        Err(refusal) => {
            tracing::info!(shop = domain, ?refusal, "Order add-on switch-on refused");
            return Err(refusal.into());
        }
    };
    match plan {
        SwitchOn::AlreadyActive => return Ok(SwitchedOn::AlreadyActive),
        SwitchOn::AwaitApproval { confirmation_url } => {
            tracing::info!(
                shop = domain,
                "Order add-on already waiting for approval; the pending charge is reused"
            );
            return Ok(SwitchedOn::Approve { confirmation_url });
        }
        SwitchOn::CreateCharge => {}
    }
    let request = NewAppSubscription {
        name: config.name.clone(),
        return_url: format!("{}{RETURN_PATH}?shop={domain}", config.app_url),
        test: config.test_charges,
        trial_days: (config.trial_days > 0).then_some(config.trial_days),
        price: config.price.amount(),
        currency_code: config.price.currency().as_str().to_owned(),
        interval: config.interval,
    };
    let now = UnixMillis::now();
    let created = match api.app_subscription_create(&request).await {
        Ok(created) => created,
        Err(e) => return Err(shopify_failed(store, shop, "appSubscriptionCreate", e, now).await),
    };
    let id = AppSubscriptionId::parse(&created.subscription.id).map_err(|e| {
        tracing::error!(shop = domain, id = %created.subscription.id, error = %e, "appSubscriptionCreate answered an unusable id");
        AddonError::Shopify(e.to_string())
    })?;
    store
        .record_addon_requested(
            shop.id,
            &id,
            &created.confirmation_url,
            created.subscription.test,
            now,
        )
        .await?;
    tracing::info!(shop = domain, subscription = id.as_str(), test = created.subscription.test, price = %config.price.amount(), "Order add-on switched on: waiting for approval");
    Ok(SwitchedOn::Approve {
        confirmation_url: created.confirmation_url,
    })
}

/// After the merchant comes back from Shopify's approval page: reads
/// `currentAppInstallation.activeSubscriptions` and, if the add-on's charge is there, takes its
/// status (so the add-on becomes Active even if the webhook never arrives).
pub async fn confirm(
    store: &Store,
    api: &ShopApi,
    shop: &ShopRecord,
) -> Result<AddonOverview, AddonError> {
    let now = UnixMillis::now();
    let installation = match api.current_app_installation().await {
        Ok(installation) => installation,
        Err(e) => return Err(shopify_failed(store, shop, "currentAppInstallation", e, now).await),
    };
    let record = store.order_addon(shop.id).await?;
    let Some(id) = record.addon.subscription.clone() else {
        return Ok(AddonOverview::of(record));
    };
    let Some(charge) = installation
        .active_subscriptions
        .iter()
        .find(|s| s.id == id.as_str())
    else {
        tracing::info!(shop = %shop.shop.domain, subscription = id.as_str(), state = record.addon.status.as_str(), "Order add-on charge not active in Shopify yet");
        return Ok(AddonOverview::of(record));
    };
    let reported = AddonStatus::from_shopify(&charge.status)
        .map_err(|e| AddonError::Shopify(e.to_string()))?;
    apply(store, shop, &id, reported, now, "currentAppInstallation").await?;
    status(store, shop).await
}

/// Switches the add-on off: cancels its charge in Shopify (`appSubscriptionCancel`); nothing
/// to do when nothing is charged or waiting.
pub async fn switch_off(
    store: &Store,
    api: &ShopApi,
    shop: &ShopRecord,
) -> Result<AddonOverview, AddonError> {
    let record = store.order_addon(shop.id).await?;
    let SwitchOff::Cancel(id) = record.addon.switch_off() else {
        return Ok(AddonOverview::of(record));
    };
    let now = UnixMillis::now();
    let cancelled = match api.app_subscription_cancel(id.as_str()).await {
        Ok(cancelled) => cancelled,
        Err(e) => return Err(shopify_failed(store, shop, "appSubscriptionCancel", e, now).await),
    };
    let reported = AddonStatus::from_shopify(&cancelled.status)
        .map_err(|e| AddonError::Shopify(e.to_string()))?;
    apply(store, shop, &id, reported, now, "appSubscriptionCancel").await?;
    status(store, shop).await
}

/// Applies a status Shopify reported for the shop's charge `id` (compare-and-set, re-read when
/// something else changed the add-on meanwhile); logs a change.
async fn apply(
    store: &Store,
    shop: &ShopRecord,
    id: &AppSubscriptionId,
    reported: AddonStatus,
    now: UnixMillis,
    via: &'static str,
) -> Result<(), StoreError> {
    for _ in 0..CAS_ATTEMPTS {
        let current = store.order_addon(shop.id).await?;
        match current.addon.apply_shopify(id, reported) {
            ShopifyUpdate::Change(new) => {
                if store
                    .set_addon_status(shop.id, id, current.addon.status, new, now)
                    .await?
                {
                    log_change(
                        shop.shop.domain.as_str(),
                        id,
                        current.addon.status,
                        new,
                        via,
                    );
                    return Ok(());
                }
            }
            other => {
                tracing::info!(shop = %shop.shop.domain, subscription = id.as_str(), reported = reported.as_str(), outcome = ?other, via, "Order add-on status report ignored");
                return Ok(());
            }
        }
    }
    Err(StoreError::Invalid(format!(
        "the Order add-on of {} kept changing while applying {reported}",
        shop.shop.domain
    )))
}

fn log_change(shop: &str, id: &AppSubscriptionId, from: AddonStatus, to: AddonStatus, via: &str) {
    tracing::info!(
        shop,
        subscription = id.as_str(),
        from = from.as_str(),
        to = to.as_str(),
        state = to.state().label(),
        via,
        "Order add-on changed"
    );
}

/// Logs a failed Shopify call with its detail, keeps the merchant's message as the add-on's
/// last error, and answers that message.
async fn shopify_failed(
    store: &Store,
    shop: &ShopRecord,
    operation: &'static str,
    error: AdminError,
    now: UnixMillis,
) -> AddonError {
    tracing::warn!(shop = %shop.shop.domain, operation, kind = error.kind(), error = %error, "Order add-on: Shopify call failed");
    let merchant = match error.user_errors() {
        Some(errors) => {
            let text = errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            if operation == "appSubscriptionCancel" {
                AddonError::CancelRefused(text)
            } else {
                AddonError::ChargeRefused(text)
            }
        }
        None => match error {
            AdminError::Unauthorized { .. } | AdminError::AccessDenied { .. } => {
                AddonError::NotAuthorized(error)
            }
            e if e.is_retryable() || e.outcome_unknown() => AddonError::Unavailable(e),
            e => AddonError::Shopify(e.to_string()),
        },
    };
    if let Err(e) = store
        .record_addon_error(shop.id, &merchant.to_string(), now)
        .await
    {
        tracing::warn!(shop = %shop.shop.domain, error = %e, "could not keep the Order add-on's last error");
    }
    merchant
}

#[derive(Debug, Deserialize)]
struct SubscriptionUpdate {
    app_subscription: SubscriptionFields,
}

#[derive(Debug, Deserialize)]
struct SubscriptionFields {
    admin_graphql_api_id: String,
    status: String,
}

/// `app_subscriptions/update`: moves the add-on whose current charge is named by the payload to
/// the reported status, unless the report is stale (out of order) or names another charge
/// (processed and ignored, with a log line).
pub async fn subscription_updated(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let update: SubscriptionUpdate = serde_json::from_slice(&receipt.body).map_err(|e| {
        ProcessError::Final(format!(
            "app_subscriptions/update payload is not valid: {e}"
        ))
    })?;
    let fields = update.app_subscription;
    let id = AppSubscriptionId::parse(&fields.admin_graphql_api_id)
        .map_err(|e| ProcessError::Final(format!("app_subscription.admin_graphql_api_id: {e}")))?;
    let reported = AddonStatus::from_shopify(&fields.status)
        .map_err(|e| ProcessError::Final(format!("app_subscription.status: {e}")))?;
    for _ in 0..CAS_ATTEMPTS {
        let record = store.addon_by_subscription(&id).await?;
        let shop = match &record {
            Some(r) => store.shop_by_id(r.shop_id).await?,
            None => None,
        };
        let (Some(record), Some(shop)) = (record, shop) else {
            tracing::info!(shop = %receipt.shop_domain, subscription = id.as_str(), reported = reported.as_str(), "app_subscriptions/update for a charge that is no store's current Order add-on; ignored");
            return finish(store.begin().await?, receipt, job, Some(id.as_str()), now).await;
        };
        if shop.shop.domain.as_str() != receipt.shop_domain {
            tracing::warn!(shop = %receipt.shop_domain, owner = %shop.shop.domain, subscription = id.as_str(), "app_subscriptions/update names another shop's charge; ignored");
            return finish(store.begin().await?, receipt, job, Some(id.as_str()), now).await;
        }
        let update = record.addon.apply_shopify(&id, reported);
        let ShopifyUpdate::Change(new) = update else {
            tracing::info!(shop = %receipt.shop_domain, subscription = id.as_str(), current = record.addon.status.as_str(), reported = reported.as_str(), outcome = ?update, "app_subscriptions/update ignored");
            return finish(store.begin().await?, receipt, job, Some(id.as_str()), now).await;
        };
        let mut tx = store.begin().await?;
        if tx
            .set_addon_status(shop.id, &id, record.addon.status, new, now)
            .await?
        {
            log_change(
                &receipt.shop_domain,
                &id,
                record.addon.status,
                new,
                "app_subscriptions/update",
            );
            return finish(tx, receipt, job, Some(id.as_str()), now).await;
        }
    }
    Err(ProcessError::Store(StoreError::Invalid(format!(
        "the Order add-on charge {id} kept changing while applying {reported}"
    ))))
}
