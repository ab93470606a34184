//! Webhooks end to end: shopify-sim delivers real, signed webhooks to a real ordersync server;
//! the tests drive ordersync's worker and check what a merchant or an operator would see.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ordersync_core::{IneligibleReason, OrderListStatus};
use ordersync_server::config::WebhookFsync;
use ordersync_server::service::intake::IntakeWriter;
use ordersync_store::jobs::{JobState, NewJob};
use ordersync_store::webhooks::{
    BodyEncoding, Intake, NewReceipt, ReceiptStatus, ReceiptToStore, REDACTED_BODY,
};
use ordersync_store::UnixMillis;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::{self, OrderLine, Payment};
use shopify_sim::state::Topic;
use support::*;

fn headers(topic: &str, shop: &str, event: &str, hmac: String) -> Vec<(&'static str, String)> {
    vec![
        ("X-Shopify-Topic", topic.to_owned()),
        ("X-Shopify-Shop-Domain", shop.to_owned()),
        ("X-Shopify-Event-Id", event.to_owned()),
        ("X-Shopify-Webhook-Id", format!("wh-{event}")),
        ("X-Shopify-Hmac-Sha256", hmac),
    ]
}

fn fault(topic: &str, fault: FaultKind) -> FaultRule {
    FaultRule {
        id: 0,
        shop: Some(SHOP.into()),
        operation: Some(topic.into()),
        fault,
        times: Some(1),
        probability: None,
    }
}

#[tokio::test]
async fn orders_are_taken_in_with_eligibility_reasons_and_history() {
    let env = start().await;
    let pending = env.place(Payment::Pending, "ada@example.com", env.synced_line());
    let custom = env.place(
        Payment::Paid,
        "bob@example.com",
        vec![OrderLine {
            title: Some("Gift wrap".into()),
            price: Some(rust_decimal::Decimal::new(500, 2)),
            quantity: 1,
            ..OrderLine::default()
        }],
    );
    env.settle().await;

    let order = env.order(pending).await;
    assert!(!order.eligible);
    assert!(
        matches!(
            order.ineligible_reasons.as_slice(),
            [IneligibleReason::NotPaid { .. }]
        ),
        "{:?}",
        order.ineligible_reasons
    );
    assert_eq!(order.list_status, OrderListStatus::Ineligible);
    let gift = env.order(custom).await;
    assert_eq!(
        gift.ineligible_reasons,
        vec![IneligibleReason::NoSyncedProducts]
    );

    env.sim
        .sim
        .mutate(|w| merchant::mark_paid(w, SHOP, pending))
        .unwrap();
    env.settle().await;
    let paid = env.order(pending).await;
    assert!(paid.eligible, "{:?}", paid.ineligible_reasons);
    assert_eq!(paid.list_status, OrderListStatus::NotPushed);
    assert!(paid.order.financial_status.is_paid());
    let history = env.history(pending).await;
    assert_eq!(history[0], "Order received");
    assert!(
        history[1].starts_with("Not eligible to push: Not paid yet"),
        "{history:?}"
    );
    assert!(
        history.contains(&"Order became eligible to push".to_owned()),
        "{history:?}"
    );
    assert_eq!(
        history.iter().filter(|h| *h == "Order received").count(),
        1,
        "{history:?}"
    );

    env.sim
        .sim
        .mutate(|w| merchant::cancel_order(w, SHOP, pending, "CUSTOMER"))
        .unwrap();
    env.settle().await;
    let cancelled = env.order(pending).await;
    assert!(cancelled.order.cancelled);
    assert!(cancelled
        .ineligible_reasons
        .contains(&IneligibleReason::Cancelled));
    assert!(env.metric("ordersync_webhooks_received_total").await >= 6);
    assert_eq!(env.metric("ordersync_webhooks_failed_total").await, 0);
    assert_eq!(env.metric("ordersync_jobs{state=\"queued\"}").await, 0);
    assert!(env.metric("ordersync_worker_jobs_processed_total").await >= 6);
    env.shutdown.trigger();
}

#[tokio::test]
async fn a_forged_or_missing_signature_is_refused_and_nothing_is_stored() {
    let env = start().await;
    let body = br#"{"id": 1}"#;
    let forged = headers("orders/create", SHOP, "e-1", sign("not-the-secret", body));
    assert_eq!(env.post(body, &forged).await, 401);
    let mut unsigned = headers("orders/create", SHOP, "e-2", String::new());
    unsigned.pop();
    assert_eq!(env.post(body, &unsigned).await, 401);
    // Signed for another body.
    let swapped = headers("orders/create", SHOP, "e-3", sign(SECRET, b"{}"));
    assert_eq!(env.post(body, &swapped).await, 401);
    assert!(env
        .store
        .webhook_receipts(None, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(env.store.job_counts().await.unwrap(), (0, 0, 0));
    assert_eq!(
        env.metric("ordersync_webhooks_rejected_total{reason=\"bad_signature\"}")
            .await,
        3
    );
    env.shutdown.trigger();

    // With no secret configured, even a correctly signed webhook is refused.
    let dir = tempfile::tempdir().unwrap();
    let server = ordersync_server::app::Server::bind(config(dir.path(), ""))
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let shutdown = ordersync_server::shutdown::Shutdown::new();
    tokio::spawn(server.run(shutdown.clone()));
    let status = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks"))
        .header("X-Shopify-Hmac-Sha256", sign("", body))
        .header("X-Shopify-Topic", "orders/create")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    shutdown.trigger();
}

#[tokio::test]
async fn a_duplicated_delivery_is_processed_once() {
    let env = start().await;
    env.sim
        .sim
        .faults()
        .add(fault("orders/create", FaultKind::Duplicate));
    let id = env.place(Payment::Paid, "ada@example.com", env.synced_line());
    env.settle().await;
    assert_eq!(
        env.sim.sim.faults().hits().len(),
        1,
        "the sim duplicated it"
    );
    assert_eq!(env.metric("ordersync_webhooks_duplicates_total").await, 1);
    let creates: Vec<_> = env
        .store
        .webhook_receipts(None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.topic == "orders/create")
        .collect();
    assert_eq!(creates.len(), 1);
    let history = env.history(id).await;
    assert_eq!(
        history.iter().filter(|h| *h == "Order received").count(),
        1,
        "{history:?}"
    );
    assert!(env.order(id).await.eligible);
    env.shutdown.trigger();
}

#[tokio::test]
async fn reordered_and_delayed_deliveries_leave_the_newest_state() {
    let env = start().await;
    // orders/create (pending) is held until the paid state went out: it arrives last.
    env.sim
        .sim
        .faults()
        .add(fault("orders/create", FaultKind::Reorder));
    let first = env.place(Payment::Pending, "ada@example.com", env.synced_line());
    // Shopify's updated_at has millisecond precision: let the next change be later.
    tokio::time::sleep(Duration::from_millis(5)).await;
    env.sim
        .sim
        .mutate(|w| merchant::mark_paid(w, SHOP, first))
        .unwrap();
    env.settle().await;
    let order = env.order(first).await;
    assert!(
        order.order.financial_status.is_paid(),
        "the older pending state did not win"
    );
    assert!(order.eligible);

    // orders/cancelled is delayed; the cancellation still lands.
    env.sim
        .sim
        .faults()
        .add(fault("orders/cancelled", FaultKind::Delay { ms: 300 }));
    let second = env.place(Payment::Paid, "grace@example.com", env.synced_line());
    env.settle().await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    env.sim
        .sim
        .mutate(|w| merchant::cancel_order(w, SHOP, second, "OTHER"))
        .unwrap();
    env.settle().await;
    let cancelled = env.order(second).await;
    assert!(cancelled.order.cancelled);
    assert!(!cancelled.eligible);
    assert!(env.sim.sim.faults().hits().len() >= 2);
    env.shutdown.trigger();
}

#[tokio::test]
async fn a_signed_webhook_that_cannot_be_processed_is_kept_visible_and_retryable() {
    let env = start().await;
    let bad = b"{\"id\": 1, \"line_items\": [";
    let h = headers("orders/create", SHOP, "bad-json", sign(SECRET, bad));
    assert_eq!(
        env.post(bad, &h).await,
        200,
        "kept, so Shopify need not retry"
    );

    // A real order body from a shop ordersync does not know yet.
    let stranger = "stranger.myshopify.com";
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../contracts/shopify/webhooks/orders/paid.json"
    ))
    .unwrap();
    let body = String::from_utf8(body)
        .unwrap()
        .replace("{shop}", "stranger");
    let h = headers(
        "orders/paid",
        stranger,
        "stranger-1",
        sign(SECRET, body.as_bytes()),
    );
    assert_eq!(env.post(body.as_bytes(), &h).await, 200);
    let unsupported = headers("inventory_levels/update", SHOP, "p-1", sign(SECRET, b"{}"));
    assert_eq!(env.post(b"{}", &unsupported).await, 200);
    env.worker.drain().await.unwrap();

    let failed = env
        .store
        .webhook_receipts(Some(ReceiptStatus::Failed), 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 3, "{failed:#?}");
    let error_of = |topic: &str| {
        failed
            .iter()
            .find(|r| r.topic == topic)
            .and_then(|r| r.error.clone())
            .unwrap()
    };
    assert!(
        error_of("orders/create").contains("order payload"),
        "{}",
        error_of("orders/create")
    );
    assert!(
        error_of("orders/paid").contains("not known"),
        "{}",
        error_of("orders/paid")
    );
    assert!(error_of("inventory_levels/update").contains("inventory_levels/update"));
    assert_eq!(env.metric("ordersync_webhooks_failed_total").await, 3);
    assert_eq!(
        env.metric("ordersync_webhook_receipts{status=\"failed\"}")
            .await,
        3
    );
    assert_eq!(
        env.store.job_counts().await.unwrap(),
        (0, 0, 0),
        "the worker carries on"
    );

    let (ok, listed) = env.cli(&["webhooks", "list", "--failed"]);
    assert!(ok, "{listed}");
    assert!(listed.contains("failed 3"), "{listed}");
    assert!(
        listed.contains("stranger.myshopify.com") && listed.contains("not known"),
        "{listed}"
    );

    // The fix: the shop installs ordersync. Then the operator retries the webhook.
    let shop = env
        .store
        .upsert_shop(
            &shop(stranger, ordersync_core::StoreRole::Destination),
            UnixMillis::now(),
        )
        .await
        .unwrap();
    let receipt = failed.iter().find(|r| r.topic == "orders/paid").unwrap();
    let (ok, out) = env.cli(&["webhooks", "retry", &receipt.id.to_string()]);
    assert!(ok, "{out}");
    assert_eq!(env.worker.drain().await.unwrap(), 1);
    let now = env
        .store
        .webhook_receipt(receipt.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, ReceiptStatus::Processed);
    let page = env
        .store
        .list_orders(shop.id, &Default::default())
        .await
        .unwrap();
    assert_eq!(page.orders.len(), 1, "the order is in after the retry");
    env.shutdown.trigger();
}

#[tokio::test]
async fn uninstalling_stops_the_shops_jobs_and_keeps_its_history() {
    let env = start().await;
    let id = env.place(Payment::Paid, "ada@example.com", env.synced_line());
    env.settle().await;
    let mut later = NewJob::new(
        "push",
        serde_json::json!({ "order": id }),
        UnixMillis::now(),
    );
    later.shop_id = Some(env.destination.id);
    later.run_at = UnixMillis::now().plus_millis(3_600_000);
    env.store.enqueue(&later, UnixMillis::now()).await.unwrap();

    assert!(shopify_sim::oauth::uninstall(&env.sim.sim, SHOP, API_KEY));
    env.settle().await;
    let shop = env
        .store
        .shop_by_domain(&env.destination.shop.domain)
        .await
        .unwrap()
        .unwrap();
    assert!(!shop.installed);
    assert!(
        env.store
            .jobs_in_state(JobState::Queued, 50)
            .await
            .unwrap()
            .is_empty(),
        "its queued jobs are cancelled"
    );
    assert_eq!(
        env.history(id).await[0],
        "Order received",
        "history is kept"
    );

    // Re-installing resumes.
    let again = env
        .store
        .upsert_shop(&env.destination.shop, UnixMillis::now())
        .await
        .unwrap();
    assert!(again.installed);
    assert_eq!(again.id, env.destination.id);
    env.shutdown.trigger();
}

#[tokio::test]
async fn privacy_webhooks_export_redact_and_erase() {
    let env = start().await;
    let ada = env.place(Payment::Paid, "ada@example.com", env.synced_line());
    let grace = env.place(Payment::Paid, "grace@example.com", env.synced_line());
    env.settle().await;
    let customer = env
        .sim
        .sim
        .read(|w| w.shop(SHOP).unwrap().orders[&ada].customer_id)
        .unwrap();
    let compliance = |topic: Topic| {
        env.sim.sim.mutate(|w| {
            assert!(shopify_sim::webhooks::compliance_event(
                w,
                SHOP,
                API_KEY,
                topic,
                Some(customer)
            ))
        })
    };

    compliance(Topic::CustomersDataRequest);
    env.settle().await;
    let exports = env.store.data_exports(Some(SHOP), 10).await.unwrap();
    assert_eq!(exports.len(), 1);
    let record = &exports[0].record;
    assert_eq!(record["customer"]["email"], "ada@example.com");
    let orders = record["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1, "only her orders: {record:#}");
    assert_eq!(orders[0]["email"], "ada@example.com");
    assert_eq!(orders[0]["shipping_address"]["city"], "Portland");
    assert!(orders[0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["what"] == "Order received"));
    let (ok, shown) = env.cli(&["data-exports", "show", &exports[0].id.to_string()]);
    assert!(ok && shown.contains("ada@example.com"), "{shown}");

    compliance(Topic::CustomersRedact);
    env.settle().await;
    let redacted = env.order(ada).await;
    assert_eq!(redacted.order.customer, None);
    assert_eq!(redacted.order.customer_email(), None);
    assert_eq!(redacted.order.shipping_address, None);
    assert_eq!(
        env.store
            .order_raw_payload(env.destination.id, redacted.id)
            .await
            .unwrap()
            .unwrap(),
        REDACTED_BODY.to_vec()
    );
    for r in env.store.webhook_receipts(None, 100).await.unwrap() {
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            !body.contains("ada@example.com"),
            "receipt #{} ({}) still names her",
            r.id,
            r.topic
        );
    }
    assert!(env
        .store
        .data_exports(Some(SHOP), 10)
        .await
        .unwrap()
        .is_empty());
    let other = env.order(grace).await;
    assert_eq!(
        other.order.customer_email().unwrap().as_str(),
        "grace@example.com"
    );

    compliance(Topic::ShopRedact);
    env.settle().await;
    assert!(env
        .store
        .shop_by_domain(&env.destination.shop.domain)
        .await
        .unwrap()
        .is_none());
    assert!(env
        .store
        .order_by_gid(env.destination.id, &format!("gid://shopify/Order/{grace}"))
        .await
        .unwrap()
        .is_none());
    let left = env.store.webhook_receipts_of_shop(SHOP).await.unwrap();
    assert_eq!(left.len(), 1, "only the shop/redact receipt itself");
    assert_eq!(left[0].topic, "shop/redact");
    assert_eq!(left[0].status, ReceiptStatus::Processed);
    env.shutdown.trigger();
}

/// Shopify's example `orders/create` body.
const EXAMPLE_ORDER: &[u8] =
    include_bytes!("../../../contracts/shopify/webhooks/orders/create.json");

/// A direct connection to the server's SQLite file, for what no ordersync path does on purpose.
async fn raw_db(env: &Env) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    let path = env.dir.path().join("ordersync.db");
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_are_all_stored_and_queued() {
    let env = start().await;
    let body = |i: usize| format!(r#"{{"id": {i}, "note": "{}"}}"#, "x".repeat(400 + i));
    let mut sends = Vec::new();
    // 200 deliveries at once, and 20 of them a second time among them.
    for i in (0..200).chain(0..20) {
        let base = env.base.clone();
        let body = body(i);
        let headers = headers(
            "orders/create",
            SHOP,
            &format!("c-{i}"),
            sign(SECRET, body.as_bytes()),
        );
        sends.push(tokio::spawn(async move {
            let mut request = reqwest::Client::new()
                .post(format!("{base}/webhooks"))
                .body(body);
            for (k, v) in headers {
                request = request.header(k, v);
            }
            request.send().await.unwrap().status().as_u16()
        }));
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), 200);
    }
    let receipts = env.store.webhook_receipts(None, 1000).await.unwrap();
    assert_eq!(receipts.len(), 200, "one receipt per event");
    for r in &receipts {
        let i: usize = r.event_id.as_deref().unwrap()[2..].parse().unwrap();
        assert_eq!(
            r.body,
            body(i).into_bytes(),
            "receipt {} has its own body",
            r.id
        );
        assert_eq!(r.status, ReceiptStatus::Received);
        assert_eq!(r.body_encoding, BodyEncoding::Zstd);
    }
    let queued: HashSet<i64> = env
        .store
        .jobs_in_state(JobState::Queued, 1000)
        .await
        .unwrap()
        .iter()
        .map(|j| j.payload["receipt_id"].as_i64().unwrap())
        .collect();
    let stored: HashSet<i64> = receipts.iter().map(|r| r.id).collect();
    assert_eq!(queued, stored, "every receipt has its queued job");
    assert_eq!(env.metric("ordersync_webhooks_received_total").await, 200);
    assert_eq!(env.metric("ordersync_webhooks_duplicates_total").await, 20);
    // And the worker processes them all.
    assert_eq!(env.worker.drain().await.unwrap(), 200);
    assert_eq!(
        env.store.webhook_receipt_counts().await.unwrap().received,
        0
    );
    env.shutdown.trigger();
}

#[tokio::test]
async fn a_receipt_stored_before_compression_is_processed() {
    let env = start().await;
    // A row as the intake wrote it before bodies were compressed: the exact bytes, and the
    // encoding column at its migration default.
    let mut db = raw_db(&env).await;
    let (receipt_id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_receipts (dedupe_key, topic, shop_domain, event_id, body, status, received_at) \
         VALUES ('event:old-1', 'orders/create', $1, 'old-1', $2, 'received', $3) RETURNING id",
    )
    .bind(SHOP)
    .bind(EXAMPLE_ORDER)
    .bind(UnixMillis::now().0)
    .fetch_one(&mut db)
    .await
    .unwrap();
    let mut job = NewJob::new(
        "webhook",
        serde_json::json!({ "receipt_id": receipt_id }),
        UnixMillis::now(),
    );
    job.dedupe_key = Some(format!("webhook-receipt:{receipt_id}"));
    env.store.enqueue(&job, UnixMillis::now()).await.unwrap();

    let old = env
        .store
        .webhook_receipt(receipt_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.body_encoding, BodyEncoding::Identity);
    assert_eq!(old.body, EXAMPLE_ORDER.to_vec());
    assert_eq!(env.worker.drain().await.unwrap(), 1);
    let done = env
        .store
        .webhook_receipt(receipt_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, ReceiptStatus::Processed, "{:?}", done.error);
    let example: serde_json::Value = serde_json::from_slice(EXAMPLE_ORDER).unwrap();
    let gid = example["admin_graphql_api_id"].as_str().unwrap();
    assert_eq!(done.resource_gid.as_deref(), Some(gid), "{done:?}");
    let order = env
        .store
        .order_by_gid(env.destination.id, gid)
        .await
        .unwrap();
    assert!(order.is_some(), "the order of the old receipt is stored");
    env.shutdown.trigger();
}

fn to_store(key: &str, body: &[u8]) -> ReceiptToStore {
    ReceiptToStore::new(&NewReceipt {
        dedupe_key: key,
        topic: "orders/create",
        shop_domain: SHOP,
        webhook_id: None,
        event_id: Some(key),
        triggered_at: None,
        api_version: None,
        body,
    })
}

#[tokio::test]
async fn a_failed_batch_answers_every_delivery_with_an_error() {
    let env = start().await;
    let mut db = raw_db(&env).await;
    // The database refuses one delivery (as a full disk or a broken file would refuse them all).
    sqlx::query(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON webhook_receipts \
         WHEN NEW.event_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let body = br#"{"id": 1}"#;
    let poison = headers("orders/create", SHOP, "poison", sign(SECRET, body));
    assert_eq!(
        env.post(body, &poison).await,
        500,
        "never a 200 for what was not stored"
    );

    // Deliveries queued behind the writer while SQLite's write lock is held, while the database
    // refuses them all (as a full disk would): however the writer batches them, every one is
    // answered with an error. (That one refused delivery fails its whole batch is a store
    // contract test: nothing of a failed batch is stored.)
    sqlx::query(
        "CREATE TRIGGER refuse_batch BEFORE INSERT ON webhook_receipts \
         WHEN NEW.event_id LIKE 'b-%' BEGIN SELECT RAISE(ABORT, 'batch refused'); END",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let (writer, task) = IntakeWriter::start(
        &env.store,
        Arc::new(tokio::sync::Notify::new()),
        WebhookFsync::UnreconciledTopics,
    );
    let lock = env.store.begin().await.unwrap();
    let keys: Vec<String> = std::iter::once("poison".to_owned())
        .chain((0..9).map(|i| format!("b-{i}")))
        .collect();
    let answers: Vec<_> = keys
        .iter()
        .map(|key| {
            let writer = writer.clone();
            let receipt = to_store(key, EXAMPLE_ORDER);
            tokio::spawn(async move { writer.record(receipt).await })
        })
        .collect();
    for _ in 0..500 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if writer.waiting() == 0 {
            break;
        }
    }
    drop(lock);
    for (key, answer) in keys.iter().zip(answers) {
        let answer = answer.await.unwrap();
        assert!(answer.is_err(), "{key}: {answer:?}");
    }
    assert!(env
        .store
        .webhook_receipts(None, 50)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(env.store.job_counts().await.unwrap(), (0, 0, 0));

    // Shopify retries; once the database takes them, they are stored (not taken as duplicates).
    for trigger in ["refuse_poison", "refuse_batch"] {
        sqlx::query(&format!("DROP TRIGGER {trigger}"))
            .execute(&mut db)
            .await
            .unwrap();
    }
    let mut ids = HashMap::new();
    for key in &keys {
        let Intake::Accepted { receipt_id, .. } =
            writer.record(to_store(key, EXAMPLE_ORDER)).await.unwrap()
        else {
            panic!("{key} is accepted on the retry");
        };
        ids.insert(key.clone(), receipt_id);
    }
    assert_eq!(ids.len(), keys.len());
    assert_eq!(
        env.store.job_counts().await.unwrap(),
        (keys.len() as i64, 0, 0)
    );
    drop(writer);
    task.await.unwrap();
    env.shutdown.trigger();
}

#[tokio::test]
async fn processed_bodies_older_than_the_retention_are_dropped_and_receipts_kept() {
    use ordersync_server::service::retention::drop_old_bodies;
    let env = start().await;
    let id = env.place(Payment::Paid, "ada@example.com", env.synced_line());
    env.settle().await;
    let before = env.store.webhook_receipts(None, 50).await.unwrap();
    let processed: Vec<i64> = before
        .iter()
        .filter(|r| r.status == ReceiptStatus::Processed)
        .map(|r| r.id)
        .collect();
    assert!(!processed.is_empty());
    let retention = Duration::from_secs(30 * 86_400);
    assert_eq!(
        drop_old_bodies(&env.store, retention, UnixMillis::now())
            .await
            .unwrap(),
        0,
        "nothing is older than 30 days yet"
    );
    let later = UnixMillis::now().plus_millis(31 * 86_400_000);
    assert_eq!(
        drop_old_bodies(&env.store, retention, later).await.unwrap(),
        processed.len() as u64
    );
    let after = env.store.webhook_receipts(None, 50).await.unwrap();
    assert_eq!(after.len(), before.len(), "every receipt is kept");
    for r in &after {
        if processed.contains(&r.id) {
            assert_eq!(r.body_encoding, BodyEncoding::Dropped);
            assert!(r.body.is_empty());
        } else {
            assert!(!r.body.is_empty(), "receipt {} keeps its body", r.id);
        }
    }
    assert!(env.order(id).await.eligible, "the order itself stays");
    env.shutdown.trigger();
}
