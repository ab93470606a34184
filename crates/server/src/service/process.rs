//! Processing one stored webhook receipt (the `webhook` job): dispatch on the topic, and either
//! finish (receipt processed and job completed in the handler's transaction) or, for a delivery
//! that can never succeed as it stands, keep the receipt as failed with its error and drop the
//! job (the receipt is the record; `ordersync webhooks retry ID` queues it again). Running it
//! twice is harmless: a processed receipt is skipped.

use ordersync_store::jobs::Job;
use ordersync_store::webhooks::{ReceiptStatus, WebhookReceipt};
use ordersync_store::{Store, Tx, UnixMillis};

use super::{addon, compliance, fulfillment, orders, sync, ProcessError};

/// Which job is being run, by whom: what finishing it needs.
#[derive(Debug, Clone)]
pub struct JobRef {
    /// The job id.
    pub job_id: i64,
    /// The worker holding its lease.
    pub owner: String,
}

/// What a processed receipt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    /// Done (or nothing to do).
    Done,
    /// Kept as failed, with this error.
    Failed(String),
}

/// Marks the receipt processed and completes its job, in `tx`, then commits.
pub(crate) async fn finish(
    mut tx: Tx,
    receipt: &WebhookReceipt,
    job: &JobRef,
    resource_gid: Option<&str>,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    tx.mark_webhook_processed(receipt.id, resource_gid, now)
        .await?;
    tx.complete_job(job.job_id, &job.owner).await?;
    tx.commit().await?;
    Ok(())
}

/// The order topics ordersync takes in.
pub const ORDER_TOPICS: [&str; 4] = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
];

/// Runs the `webhook` job `job` (payload `{"receipt_id": N}`).
pub async fn run_webhook_job(
    store: &Store,
    job: &Job,
    owner: &str,
) -> Result<Processed, ProcessError> {
    let job_ref = JobRef {
        job_id: job.id,
        owner: owner.to_owned(),
    };
    let now = UnixMillis::now();
    let Some(receipt_id) = job.payload.get("receipt_id").and_then(|v| v.as_i64()) else {
        store.complete_job(job.id, owner).await?;
        return Ok(Processed::Failed(format!(
            "job {} has no receipt_id in its payload",
            job.id
        )));
    };
    let receipt = match store.webhook_receipt(receipt_id).await? {
        // Erased since (shop/redact), or already done by an earlier run.
        None => None,
        Some(r) if r.status == ReceiptStatus::Processed => None,
        Some(r) => Some(r),
    };
    let Some(receipt) = receipt else {
        store.complete_job(job.id, owner).await?;
        return Ok(Processed::Done);
    };
    let result = match receipt.topic.as_str() {
        t if ORDER_TOPICS.contains(&t) => orders::ingest(store, &receipt, &job_ref, now).await,
        "app_subscriptions/update" => {
            addon::subscription_updated(store, &receipt, &job_ref, now).await
        }
        "products/create" | "products/update" => {
            sync::product_changed(store, &receipt, &job_ref, now).await
        }
        "fulfillments/create" | "fulfillments/update" => {
            fulfillment::fulfillment_changed(store, &receipt, &job_ref, now).await
        }
        "app/uninstalled" => compliance::app_uninstalled(store, &receipt, &job_ref, now).await,
        "customers/data_request" => compliance::data_request(store, &receipt, &job_ref, now).await,
        "customers/redact" => compliance::customer_redact(store, &receipt, &job_ref, now).await,
        "shop/redact" => compliance::shop_redact(store, &receipt, &job_ref, now).await,
        "" => Err(ProcessError::Final(
            "the X-Shopify-Topic header is missing".into(),
        )),
        other => Err(ProcessError::Final(format!(
            "topic `{other}` is not one ordersync subscribes to"
        ))),
    };
    match result {
        Ok(()) => Ok(Processed::Done),
        Err(ProcessError::Final(error)) => {
            let mut tx = store.begin().await?;
            tx.fail_webhook_receipt(receipt.id, &error, now).await?;
            tx.complete_job(job.id, owner).await?;
            tx.commit().await?;
            tracing::warn!(shop = %receipt.shop_domain, topic = %receipt.topic, receipt_id = receipt.id, %error, "webhook could not be processed; kept as failed");
            Ok(Processed::Failed(error))
        }
        Err(e) => Err(e),
    }
}
