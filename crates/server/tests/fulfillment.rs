//! Fulfillment and tracking back, against shopify-sim over real HTTP: an order is pushed from
//! the destination (Northwind) to the source (Southwind); the supplier then ships, tracks,
//! cancels shipments or cancels the order in the simulator, and the destination order and the
//! push follow, exactly once, whatever the webhooks do.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;

use std::time::Duration;

use auth_support::{domain, World, NORTHWIND};
use engine_support::*;
use ordersync_core::{OrderListStatus, PushStatus};
use ordersync_server::service::fulfillment::{
    reconcile_pushes_job, sync_fulfillments_job, SYNC_FULFILLMENTS_JOB_KIND,
};
use ordersync_store::orders::OrderSummary;
use ordersync_store::pushes::PushRecord;
use ordersync_store::UnixMillis;
use serde_json::json;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::{
    cancel_fulfillment, cancel_order, fulfill, update_tracking, Fulfill, FulfillLine, Payment,
};
use shopify_sim::state::{Fulfillment, FulfillmentStatus, TrackingInfo};

/// A paid destination order of `quantity` mugs, pushed to Southwind.
struct Pushed {
    s: Setup,
    order: OrderSummary,
    push: PushRecord,
    /// The source order (numeric id in the simulator).
    source_order: u64,
    /// The destination order (numeric id in the simulator).
    dest_order: u64,
}

async fn pushed(quantity: u32) -> Pushed {
    pushed_with(quantity, &[]).await
}

async fn pushed_with(quantity: u32, settings: &[(&str, serde_json::Value)]) -> Pushed {
    let s = setup_with(true, settings).await;
    let order = order_placed(&s.world, checkout(quantity, Payment::Paid)).await;
    let (status, body) = push(&s.world, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let push = push_when(&s.world, order.id, |p| p.status == PushStatus::Pushed).await;
    let source_order = source_order_id(&push);
    let dest_order = order.order.id.numeric();
    Pushed {
        s,
        order,
        push,
        source_order,
        dest_order,
    }
}

fn tracking(company: &str, numbers: &[&str]) -> Vec<TrackingInfo> {
    numbers
        .iter()
        .map(|n| TrackingInfo {
            company: Some(company.into()),
            number: Some((*n).into()),
            url: Some(format!("https://track.example/{n}")),
        })
        .collect()
}

/// The supplier ships `quantity` units of the source order's only line.
fn ship(w: &World, source_order: u64, quantity: u32, tracking: Vec<TrackingInfo>) -> u64 {
    w.sim.sim.mutate(|w| {
        let line = w.shop(SOUTHWIND).unwrap().orders[&source_order].line_items[0].id;
        fulfill(
            w,
            SOUTHWIND,
            source_order,
            Fulfill {
                lines: vec![FulfillLine {
                    line_item_id: line,
                    quantity,
                }],
                tracking,
                notify_customer: false,
            },
        )
        .unwrap()
    })
}

/// The destination order's fulfillments in the simulator, oldest first.
fn dest_fulfillments(w: &World, dest_order: u64) -> Vec<Fulfillment> {
    w.sim.sim.mutate(|w| {
        let mut all: Vec<Fulfillment> = w
            .shop(NORTHWIND)
            .unwrap()
            .fulfillments
            .values()
            .filter(|f| f.order_id == dest_order)
            .cloned()
            .collect();
        all.sort_by_key(|f| f.id);
        all
    })
}

/// Waits until the destination order's fulfillments satisfy `done`.
async fn dest_when(
    w: &World,
    dest_order: u64,
    done: impl Fn(&[Fulfillment]) -> bool,
) -> Vec<Fulfillment> {
    for _ in 0..600 {
        let all = dest_fulfillments(w, dest_order);
        if done(&all) {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "destination fulfillments never settled: {:?}",
        dest_fulfillments(w, dest_order)
    );
}

/// Waits until no `sync_fulfillments` job of the destination store is left.
async fn syncs_done(w: &World) {
    let shop = w
        .store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    for _ in 0..600 {
        if !w
            .store
            .has_job_for_shop(SYNC_FULFILLMENTS_JOB_KIND, shop.id)
            .await
            .unwrap()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("sync_fulfillments jobs never finished");
}

/// Runs a job now and waits until the worker finished it.
async fn run_job(w: &World, job: ordersync_store::jobs::NewJob) {
    let id = w
        .store
        .enqueue(&job, UnixMillis::now())
        .await
        .unwrap()
        .expect("enqueued");
    for _ in 0..600 {
        if w.store.job(id).await.unwrap().is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} never finished");
}

fn numbers(f: &Fulfillment) -> Vec<String> {
    f.tracking.iter().filter_map(|t| t.number.clone()).collect()
}

fn count(history: &[String], kind: &str) -> usize {
    history.iter().filter(|k| *k == kind).count()
}

#[tokio::test]
async fn two_partial_shipments_reach_the_destination_with_their_lines_and_tracking() {
    let p = pushed(3).await;
    let w = &p.s.world;
    let dest_line = w
        .sim
        .sim
        .mutate(|w| w.shop(NORTHWIND).unwrap().orders[&p.dest_order].line_items[0].id);

    ship(w, p.source_order, 1, tracking("UPS", &["1Z001", "1Z002"]));
    let push = push_when(w, p.order.id, |x| {
        x.status == PushStatus::PartiallyFulfilled
    })
    .await;
    assert_eq!(push.lines[0].fulfilled_quantity, 1);
    let first = dest_when(w, p.dest_order, |f| f.len() == 1).await;
    let f = &first[0];
    assert_eq!(f.status, FulfillmentStatus::Success);
    assert_eq!(f.line_items.len(), 1);
    assert_eq!(f.line_items[0].line_item_id, dest_line);
    assert_eq!(f.line_items[0].quantity, 1);
    assert_eq!(numbers(f), vec!["1Z001", "1Z002"]);
    assert!(f
        .tracking
        .iter()
        .all(|t| t.company.as_deref() == Some("UPS")));
    let urls: Vec<_> = f.tracking.iter().filter_map(|t| t.url.clone()).collect();
    assert_eq!(
        urls,
        vec!["https://track.example/1Z001", "https://track.example/1Z002"]
    );
    assert!(f.notify_customer, "notify customer defaults to on");

    ship(w, p.source_order, 2, tracking("DHL", &["JD77"]));
    let push = push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    assert_eq!(push.lines[0].fulfilled_quantity, 3);
    let both = dest_when(w, p.dest_order, |f| f.len() == 2).await;
    let second = &both[1];
    assert_eq!(second.line_items[0].line_item_id, dest_line);
    assert_eq!(second.line_items[0].quantity, 2);
    assert_eq!(numbers(second), vec!["JD77"]);
    assert_eq!(second.tracking[0].company.as_deref(), Some("DHL"));
    assert_eq!(
        numbers(&both[0]),
        vec!["1Z001", "1Z002"],
        "first one unchanged"
    );

    syncs_done(w).await;
    let history = kinds(w, p.order.id).await;
    assert_eq!(count(&history, "shipment_created"), 2, "{history:?}");
    assert_eq!(count(&history, "source_shipped"), 2, "{history:?}");
    assert_eq!(
        count(&history, "push_partially_fulfilled"),
        1,
        "{history:?}"
    );
    assert_eq!(count(&history, "push_fulfilled"), 1, "{history:?}");
    // The list status follows the push once its refresh ran (right after the push moved).
    listed_as(w, p.order.id, OrderListStatus::Fulfilled).await;

    // The destination's own `orders/updated` for the fulfilled order comes back through intake:
    // the merchant is told nothing is left to push, not that the items are not synced.
    let mut settled = None;
    for _ in 0..600 {
        let o = w
            .store
            .order(p.order.shop_id, p.order.id)
            .await
            .unwrap()
            .unwrap();
        if o.order
            .line_items
            .iter()
            .all(|l| l.fulfillable_quantity == 0)
        {
            settled = Some(o);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let order = settled.expect("the fulfilled destination order was taken in");
    assert_eq!(
        order.ineligible_reasons,
        vec![ordersync_core::IneligibleReason::NothingToShip]
    );
    listed_as(w, p.order.id, OrderListStatus::Fulfilled).await;
    let history = w.store.order_history(p.order.id).await.unwrap();
    assert!(
        history.iter().all(|e| e.kind != "order_ineligible"),
        "{history:?}"
    );
    let nothing: Vec<_> = history
        .iter()
        .filter(|e| e.kind == "order_nothing_to_push")
        .collect();
    assert_eq!(nothing.len(), 1, "{history:?}");
    assert_eq!(
        nothing[0].message,
        "Nothing is left to push: every synced item has been fulfilled or removed."
    );
}

#[tokio::test]
async fn tracking_added_after_the_shipment_updates_the_destination_shipment() {
    let p = pushed(1).await;
    let w = &p.s.world;
    let source_fulfillment = ship(w, p.source_order, 1, vec![]);
    push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    let made = dest_when(w, p.dest_order, |f| f.len() == 1).await;
    assert!(made[0].tracking.is_empty(), "{:?}", made[0].tracking);

    w.sim.sim.mutate(|w| {
        update_tracking(
            w,
            SOUTHWIND,
            source_fulfillment,
            tracking("FedEx", &["FX1", "FX2"]),
            false,
        )
        .unwrap()
    });
    let tracked = dest_when(w, p.dest_order, |f| {
        f.len() == 1 && numbers(&f[0]) == ["FX1", "FX2"]
    })
    .await;
    assert_eq!(tracked[0].id, made[0].id, "the same shipment, re-tracked");
    assert_eq!(tracked[0].tracking[0].company.as_deref(), Some("FedEx"));
    syncs_done(w).await;
    let history = kinds(w, p.order.id).await;
    assert_eq!(
        count(&history, "shipment_tracking_updated"),
        1,
        "{history:?}"
    );
    assert_eq!(count(&history, "shipment_created"), 1, "{history:?}");
}

#[tokio::test]
async fn a_cancelled_source_shipment_cancels_the_destination_shipment() {
    let p = pushed(2).await;
    let w = &p.s.world;
    let source_fulfillment = ship(w, p.source_order, 2, tracking("UPS", &["1Z9"]));
    push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    dest_when(w, p.dest_order, |f| f.len() == 1).await;

    w.sim
        .sim
        .mutate(|w| cancel_fulfillment(w, SOUTHWIND, source_fulfillment).unwrap());
    let push = push_when(w, p.order.id, |x| x.status == PushStatus::Pushed).await;
    assert_eq!(push.lines[0].fulfilled_quantity, 0);
    let cancelled = dest_when(w, p.dest_order, |f| {
        f.len() == 1 && f[0].status == FulfillmentStatus::Cancelled
    })
    .await;
    assert_eq!(cancelled.len(), 1, "cancelled, not re-created");
    syncs_done(w).await;
    let history = kinds(w, p.order.id).await;
    for k in [
        "source_shipment_cancelled",
        "push_fulfillment_cancelled",
        "shipment_cancelled",
    ] {
        assert_eq!(count(&history, k), 1, "{k} in {history:?}");
    }
}

#[tokio::test]
async fn duplicate_webhook_deliveries_change_nothing() {
    let p = pushed(2).await;
    let w = &p.s.world;
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: None,
        fault: FaultKind::Duplicate,
        times: None,
        probability: None,
    });
    ship(w, p.source_order, 1, tracking("UPS", &["1ZA"]));
    push_when(w, p.order.id, |x| {
        x.status == PushStatus::PartiallyFulfilled
    })
    .await;
    ship(w, p.source_order, 1, tracking("UPS", &["1ZB"]));
    push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    dest_when(w, p.dest_order, |f| f.len() == 2).await;
    syncs_done(w).await;
    let hits = w.sim.sim.faults().hits();
    assert!(
        hits.iter()
            .any(|h| h.operation.starts_with("fulfillments/") && h.fault == FaultKind::Duplicate),
        "the simulator delivered shipments twice: {hits:?}"
    );
    w.sim.sim.faults().clear(None);
    // A replay of the whole source order changes nothing either.
    run_job(
        w,
        sync_fulfillments_job(p.order.shop_id, &p.push, UnixMillis::now()),
    )
    .await;
    let all = dest_fulfillments(w, p.dest_order);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(numbers(&all[0]), vec!["1ZA"]);
    assert_eq!(numbers(&all[1]), vec!["1ZB"]);
    let history = kinds(w, p.order.id).await;
    assert_eq!(count(&history, "shipment_created"), 2, "{history:?}");
    assert_eq!(count(&history, "source_shipped"), 2, "{history:?}");
    assert_eq!(
        count(&history, "push_partially_fulfilled"),
        1,
        "{history:?}"
    );
    assert_eq!(count(&history, "push_fulfilled"), 1, "{history:?}");
}

#[tokio::test]
async fn reconciliation_brings_back_a_shipment_whose_webhook_was_lost() {
    let p = pushed(1).await;
    let w = &p.s.world;
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("fulfillments/create".into()),
        fault: FaultKind::Drop,
        times: None,
        probability: None,
    });
    ship(w, p.source_order, 1, tracking("USPS", &["9400"]));
    for _ in 0..400 {
        if w.sim
            .sim
            .faults()
            .hits()
            .iter()
            .any(|h| h.operation == "fulfillments/create")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    syncs_done(w).await;
    let still = w.store.pushes_for_order(p.order.id).await.unwrap();
    assert_eq!(still[0].status, PushStatus::Pushed, "the webhook was lost");
    assert!(dest_fulfillments(w, p.dest_order).is_empty());

    run_job(w, reconcile_pushes_job(p.order.shop_id, UnixMillis::now())).await;
    let push = push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    assert_eq!(push.lines[0].fulfilled_quantity, 1);
    let made = dest_when(w, p.dest_order, |f| f.len() == 1).await;
    assert_eq!(numbers(&made[0]), vec!["9400"]);
    assert_eq!(made[0].tracking[0].company.as_deref(), Some("USPS"));
    syncs_done(w).await;

    // Reconciling again: the push is done, nothing is re-read or re-created.
    run_job(w, reconcile_pushes_job(p.order.shop_id, UnixMillis::now())).await;
    syncs_done(w).await;
    assert_eq!(dest_fulfillments(w, p.dest_order).len(), 1);
    let history = kinds(w, p.order.id).await;
    assert_eq!(count(&history, "shipment_created"), 1, "{history:?}");
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn reconciliation_rechecks_a_fulfilled_push_for_a_tracking_change_whose_webhook_was_lost() {
    // Every open or recently fulfilled push is due for its recheck at once.
    let p = pushed_with(1, &[("worker_reconcile_recheck_secs", json!(0))]).await;
    let w = &p.s.world;
    let shipment = ship(w, p.source_order, 1, tracking("UPS", &["1ZOLD"]));
    let made = dest_when(w, p.dest_order, |f| f.len() == 1).await;
    assert_eq!(numbers(&made[0]), vec!["1ZOLD"]);
    push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    syncs_done(w).await;
    // The read-back recorded the source order's updated_at: reconciliation compares with it.
    let source = w
        .store
        .shop_by_domain(&domain(SOUTHWIND))
        .await
        .unwrap()
        .unwrap();
    let gid = p.push.source_order_gid.clone().unwrap();
    let seen = w
        .store
        .live_pushes_of_source_orders(source.id, std::slice::from_ref(&gid))
        .await
        .unwrap()
        .remove(0)
        .source_updated_at;
    let updated_at = w.sim.sim.mutate(|w| {
        w.shop(SOUTHWIND).unwrap().orders[&p.source_order]
            .updated_at
            .timestamp()
    });
    // To the second, as the Admin API gives it.
    assert_eq!(seen, Some(UnixMillis(updated_at * 1_000)));

    // The supplier changes the tracking number; the webhook is lost, and the order's
    // updated_at does not move, so only the recheck can find it.
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("fulfillments/update".into()),
        fault: FaultKind::Drop,
        times: None,
        probability: None,
    });
    w.sim.sim.mutate(|w| {
        update_tracking(w, SOUTHWIND, shipment, tracking("UPS", &["1ZNEW"]), false).unwrap()
    });
    for _ in 0..400 {
        if w.sim
            .sim
            .faults()
            .hits()
            .iter()
            .any(|h| h.operation == "fulfillments/update")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    syncs_done(w).await;
    assert_eq!(
        numbers(&dest_fulfillments(w, p.dest_order)[0]),
        vec!["1ZOLD"]
    );

    run_job(w, reconcile_pushes_job(p.order.shop_id, UnixMillis::now())).await;
    let updated = dest_when(w, p.dest_order, |f| {
        f.len() == 1 && numbers(&f[0]) == vec!["1ZNEW"]
    })
    .await;
    assert_eq!(updated[0].tracking[0].company.as_deref(), Some("UPS"));
    syncs_done(w).await;
    let history = kinds(w, p.order.id).await;
    assert_eq!(count(&history, "shipment_created"), 1, "{history:?}");
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn a_source_order_cancelled_by_the_supplier_cancels_the_push_only() {
    let p = pushed(1).await;
    let w = &p.s.world;
    let name = p.push.source_order_name.clone().unwrap();
    w.sim
        .sim
        .mutate(|w| cancel_order(w, SOUTHWIND, p.source_order, "inventory").unwrap());
    let push = push_when(w, p.order.id, |x| x.status == PushStatus::Cancelled).await;
    assert_eq!(
        push.status_reason.as_deref(),
        Some(format!("Southwind Goods cancelled {name} (reason: inventory)").as_str())
    );
    let history = w.store.order_history(p.order.id).await.unwrap();
    let entry = history
        .iter()
        .find(|e| e.kind == "push_source_cancelled")
        .expect("a history entry");
    assert_eq!(entry.message, push.status_reason.clone().unwrap());
    assert_eq!(entry.push_id, Some(push.id));
    // The destination order is left alone.
    let dest = w
        .sim
        .sim
        .mutate(|w| w.shop(NORTHWIND).unwrap().orders[&p.dest_order].clone());
    assert!(dest.cancelled_at.is_none());
    assert!(dest_fulfillments(w, p.dest_order).is_empty());
    // A reconciliation re-read changes nothing: the push is done.
    run_job(w, reconcile_pushes_job(p.order.shop_id, UnixMillis::now())).await;
    syncs_done(w).await;
    let history = kinds(w, p.order.id).await;
    assert_eq!(count(&history, "push_source_cancelled"), 1, "{history:?}");
}

#[tokio::test]
async fn a_lost_answer_to_fulfillment_create_still_gives_one_destination_shipment() {
    let p = pushed(2).await;
    let w = &p.s.world;
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(NORTHWIND.into()),
        operation: Some("fulfillmentCreate".into()),
        fault: FaultKind::CommitThenLose,
        times: Some(1),
        probability: None,
    });
    ship(w, p.source_order, 2, tracking("UPS", &["1ZLOST"]));
    push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    let made = dest_when(w, p.dest_order, |f| !f.is_empty()).await;
    syncs_done(w).await;
    let all = dest_fulfillments(w, p.dest_order);
    assert_eq!(all.len(), 1, "found, not created twice: {all:?}");
    assert_eq!(all[0].id, made[0].id);
    assert_eq!(numbers(&all[0]), vec!["1ZLOST"]);
    let history = kinds(w, p.order.id).await;
    assert_eq!(
        count(&history, "shipment_outcome_unknown"),
        1,
        "{history:?}"
    );
    assert_eq!(count(&history, "shipment_found"), 1, "{history:?}");
    assert_eq!(count(&history, "shipment_created"), 0, "{history:?}");
    let rows = w.store.push_fulfillments(p.push.id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].destination_fulfillment_gid.as_deref(),
        Some(format!("gid://shopify/Fulfillment/{}", all[0].id).as_str())
    );
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn a_reordered_delivery_cannot_bring_back_old_tracking() {
    let p = pushed(1).await;
    let w = &p.s.world;
    // The shipment's create is held back until its tracking update has gone out.
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("fulfillments/create".into()),
        fault: FaultKind::Reorder,
        times: Some(1),
        probability: None,
    });
    let source_fulfillment = w.sim.sim.mutate(|w| {
        let line = w.shop(SOUTHWIND).unwrap().orders[&p.source_order].line_items[0].id;
        let id = fulfill(
            w,
            SOUTHWIND,
            p.source_order,
            Fulfill {
                lines: vec![FulfillLine {
                    line_item_id: line,
                    quantity: 1,
                }],
                tracking: tracking("UPS", &["OLD1"]),
                notify_customer: false,
            },
        )
        .unwrap();
        update_tracking(w, SOUTHWIND, id, tracking("UPS", &["NEW1"]), false).unwrap();
        id
    });
    push_when(w, p.order.id, |x| x.status == PushStatus::Fulfilled).await;
    dest_when(w, p.dest_order, |f| {
        f.len() == 1 && numbers(&f[0]) == ["NEW1"]
    })
    .await;
    syncs_done(w).await;
    // Once every delivery is in, a replay still leaves the newest tracking.
    run_job(
        w,
        sync_fulfillments_job(p.order.shop_id, &p.push, UnixMillis::now()),
    )
    .await;
    let all = dest_fulfillments(w, p.dest_order);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(numbers(&all[0]), vec!["NEW1"]);
    assert!(
        w.sim
            .sim
            .faults()
            .hits()
            .iter()
            .any(|h| h.operation == "fulfillments/create" && h.fault == FaultKind::Reorder),
        "the create was delivered out of order"
    );
    let rows = w.store.push_fulfillments(p.push.id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].source_fulfillment_gid,
        format!("gid://shopify/Fulfillment/{source_fulfillment}")
    );
    assert_eq!(
        rows[0].applied_tracking.as_ref().unwrap().numbers,
        vec!["NEW1"]
    );
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn the_notify_customer_setting_off_ships_without_telling_the_shopper() {
    let p = pushed(1).await;
    let w = &p.s.world;
    let (status, body) = w
        .api(
            "PUT",
            "/api/settings/push",
            Some(&p.s.dest),
            Some(json!({ "notify_customer": false })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notify_customer"], false, "{body}");
    ship(w, p.source_order, 1, tracking("UPS", &["1ZQUIET"]));
    let made = dest_when(w, p.dest_order, |f| f.len() == 1).await;
    assert!(!made[0].notify_customer);
    assert_eq!(numbers(&made[0]), vec!["1ZQUIET"]);
}

/// Waits until the simulator delivered every webhook and ordersync processed them.
async fn webhooks_settled(w: &World) {
    assert!(w.sim.sim.webhooks_idle(Duration::from_secs(20)).await);
    for _ in 0..600 {
        if w.store.webhook_receipt_counts().await.unwrap().received == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("webhooks never processed");
}

/// The receipts (of any shop) whose body still holds one of `needles`.
async fn receipts_naming(w: &World, needles: &[&str]) -> Vec<(String, String)> {
    w.store
        .webhook_receipts(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            let body = String::from_utf8_lossy(&r.body);
            needles.iter().any(|n| body.contains(n))
        })
        .map(|r| (r.shop_domain, r.topic))
        .collect()
}

#[tokio::test]
async fn redacting_a_customer_also_erases_what_came_back_about_the_pushed_order() {
    let s = setup(true).await;
    let w = &s.world;
    let mut placed = checkout(1, Payment::Paid);
    placed.customer = Some(shopify_sim::merchant::NewCustomer {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        email: Some("ada@example.com".into()),
        phone: None,
    });
    let order = order_placed(w, placed).await;
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let source_order = source_order_id(&pushed);
    ship(w, source_order, 1, tracking("UPS", &["1Z900"]));
    push_when(w, order.id, |p| p.status == PushStatus::Fulfilled).await;
    dest_when(w, order.order.id.numeric(), |f| f.len() == 1).await;
    syncs_done(w).await;
    webhooks_settled(w).await;

    let personal = ["Lovelace", "Analytical Row", "ada@example.com"];
    let before = receipts_naming(w, &personal).await;
    assert!(
        before.iter().any(|(shop, _)| shop == SOUTHWIND),
        "the source store's webhooks about the pushed order carry her details: {before:?}"
    );
    let customer = w
        .sim
        .sim
        .mutate(|world| {
            world.shop(NORTHWIND).unwrap().orders[&order.order.id.numeric()].customer_id
        })
        .unwrap();
    // The app's privacy webhooks are delivered to ordersync's /webhooks.
    let hook = format!("{}/webhooks", w.base);
    w.sim.sim.mutate(|world| {
        world
            .apps
            .get_mut(auth_support::KEY)
            .unwrap()
            .compliance_url = Some(hook);
        shopify_sim::oauth::apply_app_config(world, NORTHWIND, auth_support::KEY);
    });
    w.sim.sim.mutate(|world| {
        assert!(shopify_sim::webhooks::compliance_event(
            world,
            NORTHWIND,
            auth_support::KEY,
            shopify_sim::state::Topic::CustomersRedact,
            Some(customer),
        ))
    });
    webhooks_settled(w).await;

    let left = receipts_naming(w, &personal).await;
    assert!(left.is_empty(), "receipts still naming her: {left:?}");
    let redacted = w
        .store
        .order(order.shop_id, order.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(redacted.order.shipping_address, None);
    // The push, its lines and its shipment stay (the merchant's records), without her details.
    let after = push_when(w, order.id, |p| p.status == PushStatus::Fulfilled).await;
    assert_eq!(after.source_order_gid, pushed.source_order_gid);
    let text = format!("{after:?}");
    assert!(personal.iter().all(|n| !text.contains(n)), "{text}");
    let shipments = w.store.push_fulfillments(after.id).await.unwrap();
    assert_eq!(shipments.len(), 1);
    let history = w.store.order_history(order.id).await.unwrap();
    let text = format!("{history:?}");
    assert!(personal.iter().all(|n| !text.contains(n)), "{text}");
}
