//! Pushing orders against shopify-sim over real HTTP: a destination and a source store installed
//! through OAuth, connected, with a matching SKU and the Order add-on approved in the simulator;
//! orders placed by a shopper in the destination reach ordersync by webhook, and the merchant's
//! Push creates exactly one order on the source store, whatever goes wrong in between.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;

use engine_support::*;
use ordersync_core::PushStatus;
use rust_decimal::Decimal;
use serde_json::json;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::Payment;

#[tokio::test]
async fn a_double_clicked_push_creates_exactly_one_source_order_with_the_plan() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(2, Payment::Paid)).await;
    let body = json!({ "source": SOUTHWIND });
    let (first, second) = tokio::join!(
        push(w, &s.dest, order.id, body.clone()),
        push(w, &s.dest, order.id, body.clone())
    );
    // Exactly one click queues the push. The other finds it queued or running (202, nothing
    // queued now) or, when the worker already pushed it before that click was handled, done
    // (409): which one depends only on timing.
    let mut queued_now = 0;
    for (status, body) in [&first, &second] {
        match status {
            202 if body["queued_now"] == true => queued_now += 1,
            202 => assert_eq!(body["queued_now"], false, "{body}"),
            409 => assert!(
                body["error"].as_str().unwrap().contains("already pushed"),
                "{body}"
            ),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(queued_now, 1, "{first:?} {second:?}");

    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let tag = format!("ordersync-{}", pushed.push_key);
    let created = source_orders_tagged(w, &tag);
    assert_eq!(created.len(), 1, "exactly one source order");
    let o = &created[0];
    assert_eq!(Some(o.name.clone()), pushed.source_order_name);
    assert_eq!(o.line_items.len(), 1);
    assert_eq!(o.line_items[0].variant_id, Some(s.source_variant));
    assert_eq!(o.line_items[0].quantity, 2);
    assert!(
        o.tags.contains(&"Northwind Supply".to_owned()),
        "{:?}",
        o.tags
    );
    assert!(o
        .tags
        .contains(&format!("Order {}", order.order.name.as_str())));
    assert_eq!(
        o.note.as_deref(),
        Some(
            format!(
                "Order {} from Northwind Supply, pushed by ordersync.",
                order.order.name.as_str()
            )
            .as_str()
        )
    );
    assert_eq!(o.email.as_deref(), Some("ada@example.com"));
    assert!(o.discount_codes.is_empty(), "no discount codes");
    assert_eq!(o.shipping_lines.len(), 1);
    assert_eq!(
        o.shipping_lines[0].title, "Shipping",
        "not the shopper's Express"
    );
    assert_eq!(o.shipping_lines[0].price, Decimal::ZERO);
    assert_eq!(pushed.lines.len(), 1);
    assert_eq!(pushed.shipping_fee.as_deref(), Some("0.00"));

    // Pushing again is refused: it is done.
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 409, "{body}");
    let history = kinds(w, order.id).await;
    for k in ["push_queued", "push_started", "push_created"] {
        assert!(history.iter().any(|h| h == k), "{k} in {history:?}");
    }
    w.sim.sim.faults().clear(None);
}

#[tokio::test]
async fn a_lost_answer_to_order_create_still_gives_one_source_order_found_by_tag() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    w.sim.sim.faults().add(FaultRule {
        id: 0,
        shop: Some(SOUTHWIND.into()),
        operation: Some("orderCreate".into()),
        fault: FaultKind::CommitThenLose,
        times: Some(1),
        probability: None,
    });
    let (status, body) = push(
        w,
        &s.dest,
        order.id,
        json!({ "source": SOUTHWIND, "shipping_fee": "7.50" }),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
    assert_eq!(
        created.len(),
        1,
        "the retry found the order instead of creating another"
    );
    assert_eq!(created[0].shipping_lines[0].price, Decimal::new(750, 2));
    assert_eq!(
        Some(created[0].id.to_string()),
        pushed
            .source_order_gid
            .as_deref()
            .and_then(|g| g.rsplit('/').next())
            .map(str::to_owned)
    );
    let history = kinds(w, order.id).await;
    assert!(
        history.iter().any(|h| h == "push_outcome_unknown"),
        "{history:?}"
    );
}

#[tokio::test]
async fn a_refused_order_fails_with_the_reason_and_retry_works_after_the_fix() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    // The supplier deletes the variant: Shopify refuses the order.
    let variant = w.sim.sim.mutate(|world| {
        world
            .shop_mut(SOUTHWIND)
            .unwrap()
            .variants
            .remove(&s.source_variant)
            .unwrap()
    });
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let failed = push_when(w, order.id, |p| p.status == PushStatus::Failed).await;
    let reason = failed.status_reason.clone().unwrap();
    assert!(
        reason.contains(SOUTHWIND) && reason.contains("refused"),
        "{reason}"
    );
    assert!(source_orders_tagged(w, &format!("ordersync-{}", failed.push_key)).is_empty());

    w.sim.sim.mutate(|world| {
        world
            .shop_mut(SOUTHWIND)
            .unwrap()
            .variants
            .insert(s.source_variant, variant);
    });
    let (status, body) = w
        .api(
            "POST",
            &format!("/api/orders/{}/push/{SOUTHWIND}/retry", order.id),
            Some(&s.dest),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    assert_eq!(pushed.status_reason, None);
    assert_eq!(
        source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key)).len(),
        1
    );
    assert!(kinds(w, order.id).await.iter().any(|k| k == "push_retried"));
}

#[tokio::test]
async fn without_the_add_on_or_for_an_ineligible_order_nothing_is_created() {
    let s = setup(false).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let failed = push_when(w, order.id, |p| p.status == PushStatus::Failed).await;
    assert!(failed
        .status_reason
        .unwrap()
        .contains("Order add-on is not active"));

    addon_on(w, &s.dest).await;
    let unpaid = order_placed(w, checkout(1, Payment::Pending)).await;
    assert!(!unpaid.eligible);
    let (status, body) = push(w, &s.dest, unpaid.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let refused = push_when(w, unpaid.id, |p| p.status == PushStatus::Failed).await;
    assert!(refused.status_reason.unwrap().contains("can't be pushed"));
    let any = w
        .sim
        .sim
        .mutate(|world| world.shop(SOUTHWIND).unwrap().orders.len());
    assert_eq!(any, 0, "nothing was created on the source store");

    // Bad input names the field.
    let (status, body) = push(
        w,
        &s.dest,
        order.id,
        json!({ "source": SOUTHWIND, "shipping_fee": "-2" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("`shipping_fee`"),
        "{body}"
    );
    let (status, body) = push(
        w,
        &s.dest,
        order.id,
        json!({ "source": "nowhere.myshopify.com" }),
    )
    .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn settings_are_validated_and_auto_push_pushes_a_new_paid_order_without_a_click() {
    let s = setup(true).await;
    let w = &s.world;
    let (status, defaults) = w
        .api("GET", "/api/settings/push", Some(&s.dest), None)
        .await;
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(defaults["auto_push"], false);

    // Bad input is refused naming the field, and nothing is saved.
    let bad_email = json!({ "contact": { "method": "custom", "email": "not an email" } });
    let (status, body) = w
        .api("PUT", "/api/settings/push", Some(&s.dest), Some(bad_email))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("contact"),
        "{body}"
    );
    let negative = json!({ "shipping_rules": [{ "title": "Flat", "fee": "-1.00" }] });
    let (status, body) = w
        .api("PUT", "/api/settings/push", Some(&s.dest), Some(negative))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("shipping_rules"),
        "{body}"
    );

    // A shipping rule and the customer email replaced by a custom one.
    let settings = json!({
        "contact": { "method": "custom", "email": "orders@northwind.example" },
        "shipping_rules": [{ "title": "Flat rate", "fee": "4.25" }],
    });
    let (status, saved) = w
        .api("PUT", "/api/settings/push", Some(&s.dest), Some(settings))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["auto_push"], false);

    // Before the toggle, a new order waits for a click.
    let waiting = order_placed(w, checkout(1, Payment::Paid)).await;
    let (status, on) = w
        .api(
            "PUT",
            "/api/settings/auto-push",
            Some(&s.dest),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(status, 200, "{on}");
    assert_eq!(on["auto_push"], true);
    assert_eq!(
        on["shipping_rules"][0]["title"], "Flat rate",
        "other settings kept"
    );

    let auto = order_placed(w, checkout(3, Payment::Paid)).await;
    let pushed = push_when(w, auto.id, |p| p.status == PushStatus::Pushed).await;
    let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].line_items[0].quantity, 3);
    assert_eq!(
        created[0].email.as_deref(),
        Some("orders@northwind.example")
    );
    assert_eq!(created[0].shipping_lines[0].title, "Flat rate");
    assert_eq!(created[0].shipping_lines[0].price, Decimal::new(425, 2));
    let history = w.store.order_history(auto.id).await.unwrap();
    assert!(history
        .iter()
        .any(|e| e.kind == "push_queued" && e.actor == "auto push"));

    // An unpaid order is not eligible and is never pushed; the earlier order still waits.
    // (Auto push queues in the intake transaction: once the order is stored, so would its push be.)
    let unpaid = order_placed(w, checkout(1, Payment::Pending)).await;
    assert!(w
        .store
        .pushes_for_order(unpaid.id)
        .await
        .unwrap()
        .is_empty());
    assert!(w
        .store
        .pushes_for_order(waiting.id)
        .await
        .unwrap()
        .is_empty());
    let total = w
        .sim
        .sim
        .mutate(|world| world.shop(SOUTHWIND).unwrap().orders.len());
    assert_eq!(
        total, 1,
        "only the auto-pushed order reached the source store"
    );
}

#[tokio::test]
async fn another_store_cannot_push_this_stores_order() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    let intruder = install(w, auth_support::EASTWIND, "destination").await;
    let (status, body) = push(w, &intruder, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 404, "{body}");
    assert!(w.store.pushes_for_order(order.id).await.unwrap().is_empty());
}
