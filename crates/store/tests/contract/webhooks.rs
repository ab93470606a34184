//! Webhook receipts (dedupe, one job per receipt, failures kept and retried) and the privacy
//! operations: data records, redacting a customer, erasing a shop, stopping a shop's jobs.

use std::time::Duration;

use ordersync_core::{Eligibility, FinancialStatus, OrderListStatus};
use ordersync_store::compliance::{CustomerRef, NewDataExport};
use ordersync_store::events::NewEvent;
use ordersync_store::jobs::{JobState, NewJob};
use ordersync_store::orders::{OrderUpsert, UpsertOutcome};
use ordersync_store::webhooks::{
    BodyEncoding, CommitSync, Intake, NewReceipt, ReceiptStatus, ReceiptToStore, REDACTED_BODY,
    WEBHOOK_JOB_KIND,
};
use ordersync_store::UnixMillis;
use ordersync_store::{Store, StoreError};
use serde_json::json;

use crate::fixtures::{destination, source, T0};
use crate::harness::contract_tests;
use crate::orders::{order, put};

contract_tests!(
    a_receipt_is_stored_once_with_its_job,
    a_failed_receipt_is_listed_and_retried,
    redacting_a_customer_leaves_no_personal_data,
    erasing_a_shop_leaves_nothing_of_it,
    uninstall_cancels_only_that_shops_waiting_jobs,
    data_records_are_kept_per_shop,
    within_one_second_the_later_event_wins,
    a_batch_answers_each_delivery_as_if_alone,
    a_batch_larger_than_one_insert_is_stored_whole,
    the_intake_writer_answers_each_delivery_as_if_alone,
    the_intake_writer_stores_a_large_batch_whole,
    a_failed_intake_batch_stores_nothing_and_is_retried_whole,
    a_compressed_body_reads_back_identical,
    retention_drops_only_old_processed_bodies,
);

fn receipt<'a>(key: &'a str, shop: &'a str, body: &'a [u8]) -> NewReceipt<'a> {
    NewReceipt {
        dedupe_key: key,
        topic: "orders/create",
        shop_domain: shop,
        webhook_id: Some("wh-1"),
        event_id: Some(key),
        triggered_at: Some(T0),
        api_version: Some("2026-07"),
        body,
    }
}

async fn a_receipt_is_stored_once_with_its_job(store: &Store) {
    let body = br#"{"id": 1, "note": "exact bytes"}"#;
    let first = store
        .record_webhook(&receipt("ev-1", "retail.myshopify.com", body), T0)
        .await
        .unwrap();
    let Intake::Accepted { receipt_id, job_id } = first else {
        panic!("first delivery must be accepted: {first:?}");
    };
    let again = store
        .record_webhook(&receipt("ev-1", "retail.myshopify.com", b"{}"), T0)
        .await
        .unwrap();
    assert_eq!(again, Intake::Duplicate);

    let stored = store.webhook_receipt(receipt_id).await.unwrap().unwrap();
    assert_eq!(
        stored.body,
        body.to_vec(),
        "the first body is kept untouched"
    );
    assert_eq!(stored.status, ReceiptStatus::Received);
    assert_eq!(stored.topic, "orders/create");
    assert_eq!(stored.triggered_at, Some(T0));
    assert_eq!(stored.api_version.as_deref(), Some("2026-07"));
    let job = store.job(job_id).await.unwrap().unwrap();
    assert_eq!(job.kind, WEBHOOK_JOB_KIND);
    assert_eq!(job.payload, json!({ "receipt_id": receipt_id }));
    assert_eq!(
        store.job_counts().await.unwrap(),
        (1, 0, 0),
        "one job, not two"
    );
    assert_eq!(store.webhook_receipt_counts().await.unwrap().received, 1);
}

async fn a_failed_receipt_is_listed_and_retried(store: &Store) {
    let Intake::Accepted { receipt_id, .. } = store
        .record_webhook(&receipt("ev-bad", "retail.myshopify.com", b"not json"), T0)
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    let jobs = store
        .claim_jobs("w1", 5, Duration::from_secs(30), T0)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let mut tx = store.begin().await.unwrap();
    tx.fail_webhook_receipt(receipt_id, "order payload: field `$`: expected value", T0)
        .await
        .unwrap();
    tx.complete_job(jobs[0].id, "w1").await.unwrap();
    tx.commit().await.unwrap();

    let failed = store
        .webhook_receipts(Some(ReceiptStatus::Failed), 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]
        .error
        .as_deref()
        .unwrap()
        .contains("expected value"));
    assert_eq!(failed[0].body, b"not json".to_vec(), "the body is kept");
    assert_eq!(store.job_counts().await.unwrap(), (0, 0, 0));

    let job_id = store.retry_webhook_receipt(receipt_id, T0).await.unwrap();
    let job = store.job(job_id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.payload, json!({ "receipt_id": receipt_id }));
    let again = store.webhook_receipt(receipt_id).await.unwrap().unwrap();
    assert_eq!(again.status, ReceiptStatus::Received);
    assert_eq!(again.error, None);
    // Retrying twice does not queue a second job.
    assert_eq!(
        store.retry_webhook_receipt(receipt_id, T0).await.unwrap(),
        job_id
    );
    assert_eq!(store.job_counts().await.unwrap(), (1, 0, 0));

    let mut tx = store.begin().await.unwrap();
    tx.mark_webhook_processed(receipt_id, None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let err = store
        .retry_webhook_receipt(receipt_id, T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(store
        .webhook_receipts(Some(ReceiptStatus::Failed), 10)
        .await
        .unwrap()
        .is_empty());
}

async fn redacting_a_customer_leaves_no_personal_data(store: &Store) {
    let shop = destination(store).await;
    let ada = order(1, "Ada Lovelace", 1);
    let ada_again = order(2, "Ada Lovelace", 2);
    let grace = order(3, "Grace Hopper", 3);
    let ada_id = put(store, shop.id, &ada, OrderListStatus::NotPushed)
        .await
        .id();
    let ada2_id = put(store, shop.id, &ada_again, OrderListStatus::NotPushed)
        .await
        .id();
    let grace_id = put(store, shop.id, &grace, OrderListStatus::NotPushed)
        .await
        .id();
    let domain = shop.shop.domain.as_str().to_owned();
    let mut tx = store.begin().await.unwrap();
    for id in [ada_id, grace_id] {
        tx.append_event(
            &NewEvent {
                order_id: id,
                push_id: None,
                actor: "webhook orders/create",
                kind: "order_received",
                message: "Order received",
                data: Some(json!({ "email": "someone@shopper.example" })),
            },
            T0,
        )
        .await
        .unwrap();
    }
    tx.save_data_export(
        &NewDataExport {
            shop_domain: &domain,
            customer_email: Some("ADA@shopper.example"),
            request_id: Some("9999"),
            record: &json!({ "orders": ["#1"] }),
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let Intake::Accepted { receipt_id, .. } = store
        .record_webhook(
            &receipt("ev-ada", &domain, br#"{"email":"ada@shopper.example"}"#),
            T0,
        )
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    let mut tx = store.begin().await.unwrap();
    tx.mark_webhook_processed(receipt_id, Some(ada.id.as_str()), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Shopify names order 1; order 2 matches by email.
    let gids = vec![ada.id.as_str().to_owned()];
    let who = CustomerRef {
        shop_id: shop.id,
        order_gids: &gids,
        email: Some("Ada@Shopper.example"),
    };
    assert_eq!(store.customer_orders(&who).await.unwrap().len(), 2);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.redact_customer(&domain, &who, T0).await.unwrap(), 2);
    tx.commit().await.unwrap();

    for id in [ada_id, ada2_id] {
        let o = store.order(shop.id, id).await.unwrap().unwrap();
        assert_eq!(o.order.customer, None);
        assert_eq!(o.order.customer_email(), None);
        assert_eq!(o.order.shipping_address, None);
        assert_eq!(o.order.total, ada.total, "amounts stay");
        assert_eq!(
            store.order_raw_payload(shop.id, id).await.unwrap().unwrap(),
            REDACTED_BODY.to_vec()
        );
    }
    assert!(store.order_history(ada_id).await.unwrap()[0].data.is_none());
    assert!(
        store.order_history(grace_id).await.unwrap()[0]
            .data
            .is_some(),
        "other customers keep theirs"
    );
    let grace_now = store.order(shop.id, grace_id).await.unwrap().unwrap();
    assert_eq!(grace_now.order, grace);
    assert_eq!(
        store
            .webhook_receipt(receipt_id)
            .await
            .unwrap()
            .unwrap()
            .body,
        REDACTED_BODY.to_vec()
    );
    assert!(store
        .data_exports(Some(&domain), 10)
        .await
        .unwrap()
        .is_empty());
    // Search no longer finds her by name or email.
    let found = store
        .list_orders(
            shop.id,
            &ordersync_store::orders::OrderListQuery {
                search: Some("ada".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(found.orders.is_empty(), "{:?}", found.orders);
}

async fn erasing_a_shop_leaves_nothing_of_it(store: &Store) {
    let shop = destination(store).await;
    let other = source(store, "supplier").await;
    let domain = shop.shop.domain.as_str().to_owned();
    let id = put(
        store,
        shop.id,
        &order(1, "Ada Lovelace", 1),
        OrderListStatus::NotPushed,
    )
    .await
    .id();
    let mut job = NewJob::new("push", json!({ "order": id }), T0);
    job.shop_id = Some(shop.id);
    store.enqueue(&job, T0).await.unwrap();
    let Intake::Accepted {
        receipt_id: old, ..
    } = store
        .record_webhook(&receipt("ev-old", &domain, b"{}"), T0)
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    let Intake::Accepted {
        receipt_id: redact, ..
    } = store
        .record_webhook(&receipt("ev-redact", &domain, b"{}"), T0)
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    store
        .record_webhook(&receipt("ev-other", other.shop.domain.as_str(), b"{}"), T0)
        .await
        .unwrap();

    let mut tx = store.begin().await.unwrap();
    tx.erase_shop(&domain, Some(redact)).await.unwrap();
    tx.commit().await.unwrap();

    assert!(store
        .shop_by_domain(&shop.shop.domain)
        .await
        .unwrap()
        .is_none());
    assert!(store.order(shop.id, id).await.unwrap().is_none());
    assert!(store.order_history(id).await.unwrap().is_empty());
    assert!(store.webhook_receipt(old).await.unwrap().is_none());
    let kept: Vec<i64> = store
        .webhook_receipts_of_shop(&domain)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        kept,
        vec![redact],
        "only the shop/redact receipt itself stays"
    );
    assert!(store
        .jobs_in_state(JobState::Queued, 50)
        .await
        .unwrap()
        .iter()
        .all(|j| j.shop_id != Some(shop.id)));
    assert!(store
        .shop_by_domain(&other.shop.domain)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .webhook_receipts_of_shop(other.shop.domain.as_str())
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn uninstall_cancels_only_that_shops_waiting_jobs(store: &Store) {
    let shop = destination(store).await;
    let other = source(store, "supplier").await;
    for owner in [shop.id, shop.id, other.id] {
        let mut job = NewJob::new("push", json!({}), T0);
        job.shop_id = Some(owner);
        store.enqueue(&job, T0).await.unwrap();
    }
    let mut tx = store.begin().await.unwrap();
    tx.set_shop_installed(&shop.shop.domain, false, T0)
        .await
        .unwrap();
    assert_eq!(tx.cancel_shop_jobs(shop.id).await.unwrap(), 2);
    tx.commit().await.unwrap();
    let left = store.jobs_in_state(JobState::Queued, 50).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].shop_id, Some(other.id));
    let record = store
        .shop_by_domain(&shop.shop.domain)
        .await
        .unwrap()
        .unwrap();
    assert!(!record.installed);
    // Re-installing marks it installed again, with the same id.
    let again = destination(store).await;
    assert!(again.installed);
    assert_eq!(again.id, shop.id);
}

async fn data_records_are_kept_per_shop(store: &Store) {
    let record = json!({ "customer": { "email": "ada@example.com" }, "orders": [] });
    let mut tx = store.begin().await.unwrap();
    let a = tx
        .save_data_export(
            &NewDataExport {
                shop_domain: "retail.myshopify.com",
                customer_email: Some("ada@example.com"),
                request_id: Some("9999"),
                record: &record,
            },
            T0,
        )
        .await
        .unwrap();
    tx.save_data_export(
        &NewDataExport {
            shop_domain: "other.myshopify.com",
            customer_email: None,
            request_id: None,
            record: &json!({}),
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mine = store
        .data_exports(Some("retail.myshopify.com"), 10)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, a);
    assert_eq!(mine[0].record, record);
    assert_eq!(mine[0].request_id.as_deref(), Some("9999"));
    assert_eq!(store.data_exports(None, 10).await.unwrap().len(), 2);
    assert_eq!(store.data_export(a).await.unwrap().unwrap().record, record);
    assert!(store.data_export(a + 100).await.unwrap().is_none());
}

async fn within_one_second_the_later_event_wins(store: &Store) {
    let shop = destination(store).await;
    let mut pending = order(1, "Ada Lovelace", 1);
    pending.financial_status = FinancialStatus::parse("pending");
    let paid = order(1, "Ada Lovelace", 1);
    assert_eq!(
        pending.updated_at, paid.updated_at,
        "Shopify's updated_at is to the second"
    );
    let put_at = |o: &ordersync_core::DestinationOrder, event: i64| {
        let o = o.clone();
        async move {
            store
                .upsert_order(
                    OrderUpsert {
                        shop_id: shop.id,
                        order: &o,
                        eligibility: &Eligibility::Eligible,
                        list_status: OrderListStatus::NotPushed,
                        raw_payload: b"{}",
                        event_at: Some(UnixMillis(event)),
                    },
                    T0,
                )
                .await
                .unwrap()
        }
    };
    let id = put_at(&paid, T0.0 + 500).await.id();
    // The earlier event (pending), delivered late, loses the tie.
    assert_eq!(put_at(&pending, T0.0 + 100).await, UpsertOutcome::Stale(id));
    let stored = store.order(shop.id, id).await.unwrap().unwrap();
    assert!(stored.order.financial_status.is_paid());
    // A later event with the same updated_at replaces it.
    assert_eq!(
        put_at(&pending, T0.0 + 900).await,
        UpsertOutcome::Updated(id)
    );
}

/// Shopify's example `orders/create` body (14,894 bytes).
const EXAMPLE_ORDER: &[u8] =
    include_bytes!("../../../../contracts/shopify/webhooks/orders/create.json");

/// How a test writes a batch: the store's pool ([`Store::record_webhooks`]), or the webhook
/// intake's own writer (SQLite: [`SqliteIntakeWriter`] on its own connection; PostgreSQL:
/// [`Store::record_webhooks_with`]) committing as the `CommitSync` says.
#[derive(Debug, Clone, Copy)]
enum BatchWriter {
    Pool,
    Intake(CommitSync),
}

async fn write_batch(
    store: &Store,
    writer: BatchWriter,
    batch: &[ReceiptToStore],
) -> Result<Vec<Intake>, StoreError> {
    match writer {
        BatchWriter::Pool => store.record_webhooks(batch, T0).await,
        BatchWriter::Intake(sync) => match store.sqlite_intake_writer()? {
            Some(mut conn) => conn.record(batch, sync, T0),
            None => store.record_webhooks_with(batch, sync, T0).await,
        },
    }
}

async fn a_batch_answers_each_delivery_as_if_alone(store: &Store) {
    batch_answers_as_if_alone(store, BatchWriter::Pool).await;
}

async fn the_intake_writer_answers_each_delivery_as_if_alone(store: &Store) {
    batch_answers_as_if_alone(store, BatchWriter::Intake(CommitSync::Buffered)).await;
}

async fn batch_answers_as_if_alone(store: &Store, writer: BatchWriter) {
    let shop = "retail.myshopify.com";
    let Intake::Accepted { .. } = store
        .record_webhook(&receipt("ev-1", shop, b"one"), T0)
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    let batch: Vec<ReceiptToStore> = [
        ("ev-2", &b"two"[..]),
        ("ev-1", b"one again"),
        ("ev-3", EXAMPLE_ORDER),
        ("ev-2", b"two again"),
    ]
    .iter()
    .map(|(key, body)| ReceiptToStore::new(&receipt(key, shop, body)))
    .collect();
    let answers = write_batch(store, writer, &batch).await.unwrap();
    let [Intake::Accepted {
        receipt_id: two,
        job_id: two_job,
    }, Intake::Duplicate, Intake::Accepted {
        receipt_id: three,
        job_id: three_job,
    }, Intake::Duplicate] = answers[..]
    else {
        panic!("stored before and repeated within the batch are duplicates: {answers:?}");
    };
    assert_ne!(two, three);
    assert_eq!(
        store.webhook_receipt(two).await.unwrap().unwrap().body,
        b"two".to_vec(),
        "the first delivery of the batch is the one kept"
    );
    assert_eq!(
        store.webhook_receipt(three).await.unwrap().unwrap().body,
        EXAMPLE_ORDER.to_vec()
    );
    for (receipt_id, job_id) in [(two, two_job), (three, three_job)] {
        let job = store.job(job_id).await.unwrap().unwrap();
        assert_eq!(job.kind, WEBHOOK_JOB_KIND);
        assert_eq!(job.state, JobState::Queued);
        assert_eq!(job.payload, json!({ "receipt_id": receipt_id }));
    }
    assert_eq!(store.job_counts().await.unwrap(), (3, 0, 0));
    assert_eq!(store.webhook_receipt_counts().await.unwrap().received, 3);
    assert_eq!(write_batch(store, writer, &[]).await.unwrap(), vec![]);
}

async fn a_batch_larger_than_one_insert_is_stored_whole(store: &Store) {
    large_batch_is_stored_whole(store, BatchWriter::Pool).await;
}

async fn the_intake_writer_stores_a_large_batch_whole(store: &Store) {
    large_batch_is_stored_whole(store, BatchWriter::Intake(CommitSync::Durable)).await;
}

async fn large_batch_is_stored_whole(store: &Store, writer: BatchWriter) {
    let keys: Vec<String> = (0..300).map(|i| format!("ev-{i}")).collect();
    let bodies: Vec<String> = (0..300).map(|i| format!(r#"{{"id": {i}}}"#)).collect();
    let batch: Vec<ReceiptToStore> = keys
        .iter()
        .zip(&bodies)
        .map(|(k, b)| ReceiptToStore::new(&receipt(k, "retail.myshopify.com", b.as_bytes())))
        .collect();
    let answers = write_batch(store, writer, &batch).await.unwrap();
    assert_eq!(answers.len(), 300);
    for (i, answer) in answers.iter().enumerate() {
        let Intake::Accepted { receipt_id, job_id } = *answer else {
            panic!("delivery {i}: {answer:?}");
        };
        let stored = store.webhook_receipt(receipt_id).await.unwrap().unwrap();
        assert_eq!(stored.dedupe_key, keys[i]);
        assert_eq!(stored.body, bodies[i].as_bytes());
        let job = store.job(job_id).await.unwrap().unwrap();
        assert_eq!(job.payload, json!({ "receipt_id": receipt_id }));
    }
    assert_eq!(store.job_counts().await.unwrap(), (300, 0, 0));
}

async fn a_failed_intake_batch_stores_nothing_and_is_retried_whole(store: &Store) {
    // Queued jobs already hold the keys the receipts' jobs are queued under (receipt ids 1 to
    // 20; PostgreSQL's ids are not reused after a rollback): each attempt fails after writing
    // its first receipt.
    let mut blockers = Vec::new();
    for id in 1..=20 {
        let mut blocker = NewJob::new("blocker", json!({}), T0);
        blocker.dedupe_key = Some(format!("webhook-receipt:{id}"));
        blockers.push(store.enqueue(&blocker, T0).await.unwrap().unwrap());
    }
    let shop = "retail.myshopify.com";
    let batch: Vec<ReceiptToStore> = ["ev-a", "ev-b", "ev-c"]
        .iter()
        .map(|key| ReceiptToStore::new(&receipt(key, shop, EXAMPLE_ORDER)))
        .collect();
    for sync in [CommitSync::Buffered, CommitSync::Durable] {
        let writer = BatchWriter::Intake(sync);
        let err = write_batch(store, writer, &batch).await.unwrap_err();
        assert!(err.to_string().contains("already queued"), "{err}");
        assert!(
            store.webhook_receipts(None, 10).await.unwrap().is_empty(),
            "nothing of a failed batch is stored ({sync:?})"
        );
        assert_eq!(store.job_counts().await.unwrap(), (20, 0, 0), "{sync:?}");
    }
    // The blocking jobs run and are done; Shopify's retry of the batch is stored whole (nothing
    // was taken as a duplicate).
    let claimed = store
        .claim_jobs("test", 50, Duration::from_secs(60), T0)
        .await
        .unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), blockers);
    for id in blockers {
        store.complete_job(id, "test").await.unwrap();
    }
    let answers = write_batch(store, BatchWriter::Intake(CommitSync::Buffered), &batch)
        .await
        .unwrap();
    assert!(
        answers.iter().all(|a| matches!(a, Intake::Accepted { .. })),
        "{answers:?}"
    );
    assert_eq!(store.webhook_receipt_counts().await.unwrap().received, 3);
    assert_eq!(store.job_counts().await.unwrap(), (3, 0, 0));
}

async fn a_compressed_body_reads_back_identical(store: &Store) {
    let shop = "retail.myshopify.com";
    let Intake::Accepted { receipt_id, .. } = store
        .record_webhook(&receipt("ev-big", shop, EXAMPLE_ORDER), T0)
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    let stored = store.webhook_receipt(receipt_id).await.unwrap().unwrap();
    assert_eq!(stored.body_encoding, BodyEncoding::Zstd);
    assert!(
        stored.stored_body_len * 3 < EXAMPLE_ORDER.len(),
        "stored {} bytes for {}",
        stored.stored_body_len,
        EXAMPLE_ORDER.len()
    );
    assert_eq!(stored.body, EXAMPLE_ORDER.to_vec());
    let listed = store.webhook_receipts(None, 10).await.unwrap();
    assert_eq!(listed[0].body, EXAMPLE_ORDER.to_vec());
    let of_shop = store.webhook_receipts_of_shop(shop).await.unwrap();
    assert_eq!(of_shop[0].body, EXAMPLE_ORDER.to_vec());

    // A body too small to gain from compression is kept as it is.
    let Intake::Accepted { receipt_id, .. } = store
        .record_webhook(&receipt("ev-small", shop, b"{}"), T0)
        .await
        .unwrap()
    else {
        panic!("accepted")
    };
    let small = store.webhook_receipt(receipt_id).await.unwrap().unwrap();
    assert_eq!(small.body_encoding, BodyEncoding::Identity);
    assert_eq!(small.body, b"{}".to_vec());

    // Redaction replaces a compressed body with the plain marker.
    let mut tx = store.begin().await.unwrap();
    tx.redact_webhook_body(stored.id).await.unwrap();
    tx.commit().await.unwrap();
    let redacted = store.webhook_receipt(stored.id).await.unwrap().unwrap();
    assert_eq!(redacted.body, REDACTED_BODY.to_vec());
    assert_eq!(redacted.body_encoding, BodyEncoding::Identity);
}

async fn retention_drops_only_old_processed_bodies(store: &Store) {
    let shop = "retail.myshopify.com";
    let day = 24 * 3_600_000;
    let mut ids = Vec::new();
    for key in [
        "old-processed",
        "new-processed",
        "old-received",
        "old-failed",
    ] {
        let Intake::Accepted { receipt_id, .. } = store
            .record_webhook(&receipt(key, shop, EXAMPLE_ORDER), T0)
            .await
            .unwrap()
        else {
            panic!("accepted")
        };
        ids.push(receipt_id);
    }
    let mut tx = store.begin().await.unwrap();
    tx.mark_webhook_processed(ids[0], Some("gid://shopify/Order/1"), T0)
        .await
        .unwrap();
    tx.mark_webhook_processed(ids[1], None, T0.plus_millis(10 * day))
        .await
        .unwrap();
    tx.fail_webhook_receipt(ids[3], "broken", T0).await.unwrap();
    tx.commit().await.unwrap();

    let cutoff = T0.plus_millis(day);
    assert_eq!(
        store
            .drop_processed_webhook_bodies(cutoff, 100)
            .await
            .unwrap(),
        1
    );
    let dropped = store.webhook_receipt(ids[0]).await.unwrap().unwrap();
    assert_eq!(dropped.body_encoding, BodyEncoding::Dropped);
    assert!(dropped.body.is_empty());
    assert_eq!(
        dropped.status,
        ReceiptStatus::Processed,
        "the receipt stays"
    );
    assert_eq!(
        dropped.resource_gid.as_deref(),
        Some("gid://shopify/Order/1")
    );
    for kept in &ids[1..] {
        let r = store.webhook_receipt(*kept).await.unwrap().unwrap();
        assert_eq!(
            r.body,
            EXAMPLE_ORDER.to_vec(),
            "receipt {kept} keeps its body"
        );
    }
    assert_eq!(
        store
            .drop_processed_webhook_bodies(cutoff, 100)
            .await
            .unwrap(),
        0,
        "nothing left to drop"
    );
    assert_eq!(store.webhook_receipt_counts().await.unwrap().processed, 2);
}
