//! Destination cancellations and edits after a push, against shopify-sim over real HTTP: a
//! cancelled destination order cancels its source order when nothing has shipped (read from the
//! source store right before), flags the push for the merchant when something has, cancels a
//! push still waiting without creating anything, and an edit after the push is flagged, not
//! re-pushed. Also when the cancellation's webhooks are lost (reconciliation brings it).

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;

use std::time::Duration;

use auth_support::{domain, World, NORTHWIND};
use engine_support::*;
use ordersync_core::PushStatus;
use ordersync_server::service::push::run_push;
use ordersync_server::service::reconcile::RECONCILE_ORDERS_JOB_KIND;
use ordersync_store::jobs::NewJob;
use ordersync_store::pushes::PushRecord;
use ordersync_store::UnixMillis;
use serde_json::json;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::{cancel_order, edit_quantity, fulfill, Fulfill, FulfillLine, Payment};
use shopify_sim::state::Order;

/// Places a paid order of `quantity` mugs, pushes it, and waits until it is Pushed.
async fn pushed_order(s: &Setup, quantity: u32) -> (i64, u64, PushRecord) {
    let w = &s.world;
    let order = order_placed(w, checkout(quantity, Payment::Paid)).await;
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    (order.id, order.order.id.numeric(), pushed)
}

fn source_order(w: &World, push: &PushRecord) -> Order {
    let id = source_order_id(push);
    w.sim
        .sim
        .mutate(|world| world.shop(SOUTHWIND).unwrap().orders[&id].clone())
}

async fn history(w: &World, order_id: i64) -> Vec<(String, String, String)> {
    w.store
        .order_history(order_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.actor, e.message))
        .collect()
}

#[tokio::test]
async fn a_destination_cancel_before_shipping_cancels_the_source_order() {
    let s = setup(true).await;
    let w = &s.world;
    let (order_id, dest_order, pushed) = pushed_order(&s, 2).await;
    let inventory = |w: &World| {
        w.sim.sim.mutate(|world| {
            world.shop(SOUTHWIND).unwrap().variants[&s.source_variant].inventory_quantity
        })
    };
    let stock_after_push = inventory(w);
    w.sim
        .sim
        .mutate(|world| cancel_order(world, NORTHWIND, dest_order, "customer").unwrap());
    let cancelled = push_when(w, order_id, |p| p.status == PushStatus::Cancelled).await;
    assert_eq!(cancelled.attention, None);
    let source = source_order(w, &pushed);
    assert!(
        source.cancelled_at.is_some(),
        "the source order is cancelled"
    );
    assert_eq!(
        inventory(w),
        stock_after_push + 2,
        "its items went back to stock"
    );
    // The source store's own cancellation webhook may move the push to Cancelled before the
    // cancel job, which made the cancellation, records it: wait for that entry.
    let mut h = history(w, order_id).await;
    for _ in 0..400 {
        if h.iter().any(|(k, _, _)| k == "source_order_cancelled") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        h = history(w, order_id).await;
    }
    let kinds: Vec<&str> = h.iter().map(|(k, _, _)| k.as_str()).collect();
    for k in ["source_cancel_queued", "source_order_cancelled"] {
        assert!(kinds.contains(&k), "{k} in {h:?}");
    }
    let done = h
        .iter()
        .find(|(k, _, _)| k == "source_order_cancelled")
        .unwrap();
    assert!(
        done.2.contains(&source.name) && done.2.contains("Southwind Goods"),
        "{done:?}"
    );
    listed_as(w, order_id, ordersync_core::OrderListStatus::Cancelled).await;
}

#[tokio::test]
async fn a_destination_cancel_after_partial_shipping_flags_the_push_and_leaves_the_source_order() {
    let s = setup(true).await;
    let w = &s.world;
    let (order_id, dest_order, pushed) = pushed_order(&s, 2).await;
    let source = source_order(w, &pushed);
    let line = source.line_items[0].id;
    w.sim.sim.mutate(|world| {
        fulfill(
            world,
            SOUTHWIND,
            source.id,
            Fulfill {
                lines: vec![FulfillLine {
                    line_item_id: line,
                    quantity: 1,
                }],
                tracking: vec![],
                notify_customer: false,
            },
        )
        .unwrap()
    });
    w.sim
        .sim
        .mutate(|world| cancel_order(world, NORTHWIND, dest_order, "customer").unwrap());
    // The attention flag (from the cancellation) and the status (from the shipment's read-back)
    // are set by two jobs that may finish in either order: wait for both.
    let flagged = push_when(w, order_id, |p| {
        p.attention.is_some() && p.status == PushStatus::PartiallyFulfilled
    })
    .await;
    let name = source_order(w, &pushed);
    assert!(
        name.cancelled_at.is_none(),
        "the source order is left alone"
    );
    assert_ne!(flagged.status, PushStatus::Cancelled);
    let order_name = w
        .store
        .order(flagged_shop(w).await, order_id)
        .await
        .unwrap()
        .unwrap()
        .order
        .name;
    assert_eq!(
        flagged.attention.as_deref(),
        Some(
            format!(
                "Order {} was cancelled, but Southwind Goods has already shipped 1 of 2 items; contact them.",
                order_name.as_str()
            )
            .as_str()
        )
    );
    let h = history(w, order_id).await;
    assert!(
        h.iter()
            .any(|(k, _, m)| k == "push_attention" && Some(m) == flagged.attention.as_ref()),
        "{h:?}"
    );

    // The merchant deals with it on Southwind and marks it resolved: the reason clears, the
    // history says who resolved what; a second click changes nothing.
    let path = format!("/api/orders/{order_id}/push/{SOUTHWIND}/resolve");
    let (status, body) = w.api("POST", &path, Some(&s.dest), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resolved_now"], true, "{body}");
    assert!(body["attention"].is_null(), "{body}");
    assert_eq!(body["status"], flagged.status.as_str());
    let after = w.store.pushes_for_order(order_id).await.unwrap();
    assert_eq!(after[0].attention, None);
    let h = history(w, order_id).await;
    let resolved: Vec<_> = h
        .iter()
        .filter(|(k, _, _)| k == "push_attention_resolved")
        .collect();
    assert_eq!(resolved.len(), 1, "{h:?}");
    assert_eq!(resolved[0].1, format!("merchant of {NORTHWIND}"));
    assert!(
        resolved[0]
            .2
            .contains(flagged.attention.as_deref().unwrap()),
        "{h:?}"
    );
    let (status, again) = w.api("POST", &path, Some(&s.dest), None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["resolved_now"], false, "{again}");
    let (_, detail) = w
        .api(
            "GET",
            &format!("/api/orders/{order_id}"),
            Some(&s.dest),
            None,
        )
        .await;
    assert!(
        detail["sources"][0]["push"]["attention"].is_null(),
        "{detail}"
    );
    // A source store the order has no push to, and a bad domain, are refused by name.
    let (status, body) = w
        .api(
            "POST",
            &format!("/api/orders/{order_id}/push/westerly.myshopify.com/resolve"),
            Some(&s.dest),
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("no push"),
        "{body}"
    );
    let (status, body) = w
        .api(
            "POST",
            &format!("/api/orders/{order_id}/push/not a shop/resolve"),
            Some(&s.dest),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("`source`"),
        "{body}"
    );
}

async fn flagged_shop(w: &World) -> i64 {
    w.store
        .shop_by_domain(&domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_push_still_waiting_is_cancelled_without_creating_anything() {
    let s = setup(true).await;
    let w = &s.world;
    // Auto push with an hour's hold: the push waits Queued.
    let (status, body) = w
        .api(
            "PUT",
            "/api/settings/push",
            Some(&s.dest),
            Some(json!({ "auto_push": true, "hold_minutes": 60 })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    let queued = push_when(w, order.id, |p| p.status == PushStatus::Queued).await;
    w.sim.sim.mutate(|world| {
        cancel_order(world, NORTHWIND, order.order.id.numeric(), "customer").unwrap()
    });
    let cancelled = push_when(w, order.id, |p| p.status == PushStatus::Cancelled).await;
    assert_eq!(cancelled.id, queued.id);
    assert_eq!(cancelled.source_order_gid, None);
    // Its job, run now as if its hold were over, finds it cancelled: nothing is created.
    let later = UnixMillis::now().plus_millis(2 * 3_600_000);
    let jobs = w
        .store
        .claim_jobs("test", 10, Duration::from_secs(60), later)
        .await
        .unwrap();
    let push_job = jobs
        .iter()
        .find(|j| j.kind == "push")
        .expect("the push job waits");
    run_push(&w.store, &w.auth, push_job, "test").await.unwrap();
    assert!(
        w.store.job(push_job.id).await.unwrap().is_none(),
        "job done"
    );
    assert_eq!(
        w.store.pushes_for_order(order.id).await.unwrap()[0].status,
        PushStatus::Cancelled
    );
    let total = w
        .sim
        .sim
        .mutate(|world| world.shop(SOUTHWIND).unwrap().orders.len());
    assert_eq!(total, 0, "no source order");
    let h = history(w, order.id).await;
    assert!(
        h.iter()
            .any(|(k, a, _)| k == "push_cancelled" && a.starts_with("webhook orders/")),
        "{h:?}"
    );
}

#[tokio::test]
async fn an_edit_after_the_push_is_flagged_not_pushed_again() {
    let s = setup(true).await;
    let w = &s.world;
    let (order_id, dest_order, pushed) = pushed_order(&s, 2).await;
    let line = w
        .sim
        .sim
        .mutate(|world| world.shop(NORTHWIND).unwrap().orders[&dest_order].line_items[0].id);
    w.sim
        .sim
        .mutate(|world| edit_quantity(world, NORTHWIND, dest_order, line, 3).unwrap());
    let flagged = push_when(w, order_id, |p| p.attention.is_some()).await;
    let attention = flagged.attention.clone().unwrap();
    assert!(
        attention.contains("was edited after it was pushed to Southwind Goods")
            && attention.contains("2 → 3")
            && attention.contains(pushed.source_order_name.as_deref().unwrap()),
        "{attention}"
    );
    assert_eq!(flagged.status, PushStatus::Pushed);
    let source = source_order(w, &pushed);
    assert_eq!(source.line_items[0].quantity, 2, "nothing re-pushed");
    let total = w
        .sim
        .sim
        .mutate(|world| world.shop(SOUTHWIND).unwrap().orders.len());
    assert_eq!(total, 1);
    // The same state again (a duplicate or reconciliation) flags nothing more.
    let flags =
        |h: &[(String, String, String)]| h.iter().filter(|(k, _, _)| k == "push_attention").count();
    assert_eq!(flags(&history(w, order_id).await), 1);

    // The edit undone: the order matches the push again, so the reason clears by itself.
    w.sim
        .sim
        .mutate(|world| edit_quantity(world, NORTHWIND, dest_order, line, 2).unwrap());
    let cleared = push_when(w, order_id, |p| p.attention.is_none()).await;
    assert_eq!(cleared.status, PushStatus::Pushed);
    let h = history(w, order_id).await;
    assert_eq!(
        h.iter()
            .filter(|(k, _, _)| k == "push_attention_cleared")
            .count(),
        1,
        "{h:?}"
    );
    assert_eq!(flags(&h), 1, "{h:?}");
}

#[tokio::test]
async fn a_cancellation_whose_webhooks_were_lost_is_found_by_reconciliation() {
    let s = setup(true).await;
    let w = &s.world;
    let (order_id, dest_order, pushed) = pushed_order(&s, 1).await;
    for topic in ["orders/cancelled", "orders/updated"] {
        w.sim.sim.faults().add(FaultRule {
            id: 0,
            shop: Some(NORTHWIND.into()),
            operation: Some(topic.into()),
            fault: FaultKind::Drop,
            times: None,
            probability: None,
        });
    }
    w.sim
        .sim
        .mutate(|world| cancel_order(world, NORTHWIND, dest_order, "customer").unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        w.store.pushes_for_order(order_id).await.unwrap()[0].status,
        PushStatus::Pushed
    );
    let shop_id = flagged_shop(w).await;
    let mut job = NewJob::new(RECONCILE_ORDERS_JOB_KIND, json!({}), UnixMillis::now());
    job.shop_id = Some(shop_id);
    w.store.enqueue(&job, UnixMillis::now()).await.unwrap();
    push_when(w, order_id, |p| p.status == PushStatus::Cancelled).await;
    assert!(source_order(w, &pushed).cancelled_at.is_some());
    let h = history(w, order_id).await;
    assert!(
        h.iter()
            .any(|(k, a, _)| k == "source_cancel_queued" && a == "reconciliation"),
        "{h:?}"
    );
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn a_cancel_while_the_push_outcome_is_unknown_still_cancels_the_one_source_order() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    // The source order is created but the answer is lost: the push stays Pushing.
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("orderCreate".into()),
        fault: FaultKind::CommitThenLose,
        times: Some(1),
        probability: None,
    });
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    for _ in 0..800 {
        let h = history(w, order.id).await;
        if h.iter().any(|(k, _, _)| k == "push_outcome_unknown") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    w.sim.sim.mutate(|world| {
        cancel_order(world, NORTHWIND, order.order.id.numeric(), "customer").unwrap()
    });
    // The push job finds the order it created (instead of failing the now cancelled order),
    // then the cancellation cancels it.
    let cancelled = push_when(w, order.id, |p| p.status == PushStatus::Cancelled).await;
    let created = source_orders_tagged(w, &format!("ordersync-{}", cancelled.push_key));
    assert_eq!(created.len(), 1, "one source order");
    assert!(created[0].cancelled_at.is_some(), "and it is cancelled");
    let h = history(w, order.id).await;
    let kinds: Vec<&str> = h.iter().map(|(k, _, _)| k.as_str()).collect();
    for k in [
        "source_cancel_queued",
        "push_created",
        "source_order_cancelled",
    ] {
        assert!(kinds.contains(&k), "{k} in {h:?}");
    }
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn a_cancel_while_the_push_waits_to_retry_finds_and_cancels_the_order_it_created() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    // Created but the answer lost; then the lookup by tag fails once: the push goes back to
    // Queued (with its planned lines) to retry later, although its source order exists.
    for (operation, fault, times) in [
        ("orderCreate", FaultKind::CommitThenLose, Some(1)),
        ("orders", FaultKind::Status { status: 503 }, None),
    ] {
        w.sim.sim.faults().add(FaultRule {
            id: 0,
            shop: Some(SOUTHWIND.into()),
            operation: Some(operation.into()),
            fault,
            times,
            probability: None,
        });
    }
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let waiting = push_when(w, order.id, |p| {
        p.status == PushStatus::Queued && !p.lines.is_empty()
    })
    .await;
    w.sim.sim.faults().clear(None);
    w.sim.sim.mutate(|world| {
        cancel_order(world, NORTHWIND, order.order.id.numeric(), "customer").unwrap()
    });
    let cancelled = push_when(w, order.id, |p| p.status == PushStatus::Cancelled).await;
    assert_eq!(cancelled.id, waiting.id);
    let created = source_orders_tagged(w, &format!("ordersync-{}", cancelled.push_key));
    assert_eq!(created.len(), 1, "one source order");
    assert!(
        created[0].cancelled_at.is_some(),
        "the order the earlier attempt created is cancelled, not orphaned"
    );
    let h = history(w, order.id).await;
    assert!(
        h.iter().any(|(k, _, _)| k == "source_order_cancelled"),
        "{h:?}"
    );
    w.sim.sim.faults().clear(None);
}
