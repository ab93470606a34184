//! `app/uninstalled` and Shopify's mandatory privacy webhooks. Uninstalling marks the shop
//! uninstalled and cancels its waiting jobs (its history stays; a re-install resumes).
//! `customers/data_request` builds the record of what ordersync holds about the customer and
//! keeps it for the merchant (`ordersync data-exports`); `customers/redact` erases the
//! customer's personal data; `shop/redact` erases the shop. The privacy webhooks are processed
//! for uninstalled and unknown shops too (there may be nothing to do), and their own bodies,
//! which name the customer, are erased once processed.

use ordersync_core::OrderId;
use ordersync_store::compliance::{CustomerRef, NewDataExport};
use ordersync_store::webhooks::WebhookReceipt;
use ordersync_store::{Store, UnixMillis};
use serde::Deserialize;
use serde_json::{json, Value};

use super::orders::{installed_shop, known_domain};
use super::process::{finish, JobRef};
use super::ProcessError;

/// `app/uninstalled`.
pub async fn app_uninstalled(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let domain = known_domain(receipt)?;
    let shop = match installed_shop(store, receipt).await {
        Ok(shop) => shop,
        // Already uninstalled: nothing more to do.
        Err(ProcessError::Final(_)) if store.shop_by_domain(&domain).await?.is_some() => {
            return finish(store.begin().await?, receipt, job, None, now).await;
        }
        Err(e) => return Err(e),
    };
    // A late delivery (Shopify retries for hours) of an uninstall that came before the current
    // install: the store installed ordersync again since, so nothing is uninstalled now.
    if let (Some(triggered), Some(auth)) = (receipt.triggered_at, store.shop_auth(shop.id).await?) {
        if auth.installed_at > triggered {
            tracing::info!(shop = %domain, "app/uninstalled from before the current install ignored");
            return finish(store.begin().await?, receipt, job, None, now).await;
        }
    }
    // Shopify cancels an app's charges when it is uninstalled: the Order add-on ends with it.
    let addon = store.order_addon(shop.id).await?;
    let mut tx = store.begin().await?;
    tx.set_shop_installed(&domain, false, now).await?;
    tx.record_uninstall(shop.id, now).await?;
    if let Some(subscription) = addon.addon.subscription.as_ref() {
        if !addon.addon.status.is_terminal() {
            tx.set_addon_status(
                shop.id,
                subscription,
                addon.addon.status,
                ordersync_core::addon::AddonStatus::Cancelled,
                now,
            )
            .await?;
        }
    }
    let cancelled = tx.cancel_shop_jobs(shop.id).await?;
    tracing::info!(shop = %domain, cancelled_jobs = cancelled, "app uninstalled");
    finish(tx, receipt, job, None, now).await
}

#[derive(Debug, Deserialize)]
struct CustomerRequest {
    customer: Option<CustomerIds>,
    #[serde(default)]
    orders_requested: Vec<u64>,
    #[serde(default)]
    orders_to_redact: Vec<u64>,
    data_request: Option<DataRequestId>,
}

#[derive(Debug, Deserialize)]
struct CustomerIds {
    id: Option<u64>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DataRequestId {
    id: Option<Value>,
}

fn parse_request(receipt: &WebhookReceipt) -> Result<CustomerRequest, ProcessError> {
    serde_json::from_slice(&receipt.body)
        .map_err(|e| ProcessError::Final(format!("{} payload is not valid: {e}", receipt.topic)))
}

fn order_gids(ids: &[u64]) -> Result<Vec<String>, ProcessError> {
    ids.iter()
        .map(|id| {
            OrderId::from_numeric(*id)
                .map(|g| g.as_str().to_owned())
                .map_err(|e| ProcessError::Final(format!("order id {id}: {e}")))
        })
        .collect()
}

/// `customers/data_request`: the record of the customer's orders, addresses, emails and history.
pub async fn data_request(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let domain = known_domain(receipt)?;
    let request = parse_request(receipt)?;
    let gids = order_gids(&request.orders_requested)?;
    let email = request.customer.as_ref().and_then(|c| c.email.clone());
    let mut orders = Vec::new();
    if let Some(shop) = store.shop_by_domain(&domain).await? {
        let who = CustomerRef {
            shop_id: shop.id,
            order_gids: &gids,
            email: email.as_deref(),
        };
        for o in store.customer_orders(&who).await? {
            let history: Vec<Value> = store
                .order_history(o.id)
                .await?
                .into_iter()
                .map(|e| {
                    json!({ "at": e.at.to_datetime().to_rfc3339(), "by": e.actor, "what": e.message })
                })
                .collect();
            orders.push(json!({
                "order": o.order.name.as_str(),
                "order_id": o.order.id.as_str(),
                "placed_at": o.order.created_at.to_rfc3339(),
                "email": o.order.customer_email().map(|e| e.as_str().to_owned()),
                "customer": o.order.customer,
                "shipping_address": o.order.shipping_address,
                "billing_address": o.order.billing_address,
                "items": o.order.line_items.iter().map(|l| json!({ "title": l.title, "sku": l.sku, "quantity": l.quantity })).collect::<Vec<_>>(),
                "total": o.order.total.to_string(),
                "history": history,
            }));
        }
    }
    let request_id = request
        .data_request
        .and_then(|d| d.id)
        .map(|id| id.to_string().trim_matches('"').to_owned());
    let customer = request.customer.as_ref();
    let record = json!({
        "shop": domain.as_str(),
        "data_request_id": request_id,
        "customer": {
            "id": customer.and_then(|c| c.id),
            "email": customer.and_then(|c| c.email.clone()),
            "phone": customer.and_then(|c| c.phone.clone()),
        },
        "generated_at": now.to_datetime().to_rfc3339(),
        "orders": orders,
    });
    let mut tx = store.begin().await?;
    let id = tx
        .save_data_export(
            &NewDataExport {
                shop_domain: domain.as_str(),
                customer_email: email.as_deref(),
                request_id: request_id.as_deref(),
                record: &record,
            },
            now,
        )
        .await?;
    tx.redact_webhook_body(receipt.id).await?;
    tracing::info!(shop = %domain, export_id = id, orders = orders.len(), "customer data record built");
    finish(tx, receipt, job, None, now).await
}

/// `customers/redact`: the customer's personal data leaves every order named or matching the email.
pub async fn customer_redact(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let domain = known_domain(receipt)?;
    let request = parse_request(receipt)?;
    let gids = order_gids(&request.orders_to_redact)?;
    let email = request.customer.as_ref().and_then(|c| c.email.clone());
    let mut tx = store.begin().await?;
    if let Some(shop) = store.shop_by_domain(&domain).await? {
        let who = CustomerRef {
            shop_id: shop.id,
            order_gids: &gids,
            email: email.as_deref(),
        };
        let n = tx.redact_customer(domain.as_str(), &who, now).await?;
        tracing::info!(shop = %domain, orders = n, "customer redacted");
    }
    tx.redact_webhook_body(receipt.id).await?;
    finish(tx, receipt, job, None, now).await
}

/// `shop/redact`: everything held about the shop is erased.
pub async fn shop_redact(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let domain = known_domain(receipt)?;
    let mut tx = store.begin().await?;
    tx.erase_shop(domain.as_str(), Some(receipt.id)).await?;
    tracing::info!(shop = %domain, "shop erased");
    finish(tx, receipt, job, None, now).await
}
