//! The Orders tab's JSON API against shopify-sim over real HTTP: the list (each status filter,
//! search, keyset pages), the counts, one order in full (items from two source stores and
//! unsynced items, what a push would carry, the push, the history), an ineligible order's
//! reasons, the bulk Push, bad input, tenant isolation, and the OpenAPI document.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;

use std::collections::{BTreeSet, HashSet};

use auth_support::{assert_tenant_isolation, EASTWIND, NORTHWIND};
use engine_support::*;
use ordersync_core::{OrderListStatus, PushStatus};
use serde_json::{json, Value};
use shopify_sim::merchant::{fulfill, Fulfill, FulfillLine, NewCustomer, Payment, PlaceOrder};
use shopify_sim::state::TrackingInfo;

/// A paid checkout of one MUG by a named customer with their own email.
fn by(first: &str, last: &str) -> PlaceOrder {
    let mut order = checkout(1, Payment::Paid);
    let email = format!("{}@shoppers.example", first.to_lowercase());
    order.email = Some(email.clone());
    order.customer = Some(NewCustomer {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(email),
        phone: None,
    });
    if let Some(a) = order.shipping_address.as_mut() {
        a.first_name = Some(first.into());
        a.last_name = Some(last.into());
    }
    order
}

async fn get(world: &auth_support::World, token: &str, path: &str) -> (u16, Value) {
    world.api("GET", path, Some(token), None).await
}

fn ids(page: &Value) -> Vec<i64> {
    page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

/// Every page of `/api/orders?{query}` with `limit`, followed by `next`: the ids in order.
async fn all_pages(world: &auth_support::World, token: &str, query: &str, limit: u32) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("/api/orders?limit={limit}&{query}");
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let (status, page) = get(world, token, &path).await;
        assert_eq!(status, 200, "{page}");
        let page_ids = ids(&page);
        assert!(page_ids.len() <= limit as usize);
        seen.extend(page_ids);
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("paging never ended");
}

/// Waits until the simulator has delivered every webhook and ordersync has processed them.
async fn settle(world: &auth_support::World) {
    assert!(
        world
            .sim
            .sim
            .webhooks_idle(std::time::Duration::from_secs(20))
            .await
    );
    for _ in 0..400 {
        if world.store.webhook_receipt_counts().await.unwrap().received == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("webhooks never processed");
}

async fn set_list_status(world: &auth_support::World, order_id: i64, status: OrderListStatus) {
    let mut tx = world.store.begin().await.unwrap();
    tx.set_order_list_status(order_id, status, ordersync_store::UnixMillis::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn codes(reasons: &Value) -> Vec<String> {
    reasons
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(
                !r["message"].as_str().unwrap().is_empty(),
                "every reason has merchant words: {r}"
            );
            r["code"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_list_filters_by_every_status_searches_and_pages_without_gaps_or_repeats() {
    let s = setup(true).await;
    let w = &s.world;
    let names = [
        ("Grace", "Hopper"),
        ("Alan", "Turing"),
        ("Edsger", "Dijkstra"),
        ("Barbara", "Liskov"),
        ("Donald", "Knuth"),
        ("Frances", "Allen"),
        ("Ken", "Thompson"),
    ];
    let mut paid = Vec::new();
    for (first, last) in names {
        paid.push(order_placed(w, by(first, last)).await);
    }
    let unpaid = order_placed(w, checkout(1, Payment::Pending)).await;
    let unpaid_too = order_placed(w, checkout(2, Payment::Pending)).await;

    // Pushed: Push and wait. Failed: Push an unpaid order (the job refuses it).
    let (status, body) = push(w, &s.dest, paid[0].id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    push_when(w, paid[0].id, |p| p.status == PushStatus::Pushed).await;
    let (status, body) = push(w, &s.dest, unpaid_too.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    push_when(w, unpaid_too.id, |p| p.status == PushStatus::Failed).await;
    // Queued: automated push with an hour's hold keeps the next order queued.
    let (status, body) = w
        .api(
            "PUT",
            "/api/settings/push",
            Some(&s.dest),
            Some(json!({ "auto_push": true, "hold_minutes": 60 })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let held = order_placed(w, by("Radia", "Perlman")).await;
    push_when(w, held.id, |p| p.status == PushStatus::Queued).await;
    // Fulfilment and cancellation come back from the source store (another part of the
    // engine); the list only reads the stored list status, so those are filed directly here,
    // once every webhook is taken in (a late orders/paid would file them again).
    settle(w).await;
    set_list_status(w, paid[4].id, OrderListStatus::PartiallyFulfilled).await;
    set_list_status(w, paid[5].id, OrderListStatus::Fulfilled).await;
    set_list_status(w, paid[6].id, OrderListStatus::Cancelled).await;

    let expected: Vec<(&str, Vec<i64>)> = vec![
        ("ineligible", vec![unpaid.id]),
        ("not_pushed", vec![paid[3].id, paid[2].id, paid[1].id]),
        ("queued", vec![held.id]),
        ("pushed", vec![paid[0].id]),
        ("partially_fulfilled", vec![paid[4].id]),
        ("fulfilled", vec![paid[5].id]),
        ("failed", vec![unpaid_too.id]),
        ("cancelled", vec![paid[6].id]),
    ];
    let (status, counts) = get(w, &s.dest, "/api/orders/counts").await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts["total"], 10);
    for (status_name, want) in &expected {
        let (status, page) = get(w, &s.dest, &format!("/api/orders?status={status_name}")).await;
        assert_eq!(status, 200, "{page}");
        let mut got = ids(&page);
        let mut want = want.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "status={status_name}");
        assert_eq!(
            counts["counts"][status_name].as_i64().unwrap(),
            want.len() as i64,
            "count of {status_name}: {counts}"
        );
        for row in page["orders"].as_array().unwrap() {
            assert_eq!(row["status"], *status_name);
        }
    }

    // Every order, newest first, in pages of 3: the same sequence as one big page.
    let (_, everything) = get(w, &s.dest, "/api/orders?limit=250").await;
    let everything = ids(&everything);
    assert_eq!(everything.len(), 10);
    let paged = all_pages(w, &s.dest, "", 3).await;
    assert_eq!(paged, everything, "no gaps, no repeats, same order");
    assert_eq!(paged.iter().collect::<HashSet<_>>().len(), 10);
    // Pages within a filter too.
    let not_pushed = all_pages(w, &s.dest, "status=not_pushed", 2).await;
    assert_eq!(not_pushed, vec![paid[3].id, paid[2].id, paid[1].id]);

    // Search: order number (with or without #), customer name, email; case-insensitive.
    let number = paid[2]
        .order
        .name
        .as_str()
        .trim_start_matches('#')
        .to_owned();
    for q in [format!("%23{number}"), number.clone()] {
        let (status, page) = get(w, &s.dest, &format!("/api/orders?q={q}")).await;
        assert_eq!(status, 200, "{page}");
        assert!(ids(&page).contains(&paid[2].id), "q={q}: {page}");
        assert!(ids(&page).iter().all(|id| {
            let row = page["orders"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == *id)
                .unwrap();
            row["name"]
                .as_str()
                .unwrap()
                .trim_start_matches('#')
                .starts_with(&number)
        }));
    }
    let (_, by_name) = get(w, &s.dest, "/api/orders?q=edsger").await;
    assert_eq!(ids(&by_name), vec![paid[2].id]);
    let (_, by_email) = get(w, &s.dest, "/api/orders?q=BARBARA%40shoppers").await;
    assert_eq!(ids(&by_email), vec![paid[3].id]);
    let (_, filtered) = get(w, &s.dest, "/api/orders?q=edsger&status=failed").await;
    assert!(ids(&filtered).is_empty());

    // A row: customer, money, statuses, items, the source store's part.
    let (_, page) = get(w, &s.dest, "/api/orders?status=pushed").await;
    let row = &page["orders"][0];
    assert_eq!(row["name"], paid[0].order.name.as_str());
    assert_eq!(row["customer_name"], "Grace Hopper");
    assert_eq!(row["total"]["currency"], "USD");
    assert_eq!(row["payment_status"], "paid");
    assert_eq!(row["payment_label"], "Paid");
    assert_eq!(row["fulfillment_status"], "unfulfilled");
    assert_eq!(row["status_label"], "Pushed");
    assert_eq!(row["item_count"], 1);
    assert_eq!(row["synced_item_count"], 1);
    assert_eq!(row["eligible"], true);
    let pushed = w.store.pushes_for_order(paid[0].id).await.unwrap();
    assert_eq!(
        row["sources"],
        json!([{
            "source": SOUTHWIND,
            "source_name": "Southwind Goods",
            "status": "pushed",
            "label": "Pushed",
            "source_order_name": pushed[0].source_order_name,
            "reason": null,
        }])
    );
    let (_, page) = get(w, &s.dest, "/api/orders?status=not_pushed&limit=1").await;
    assert_eq!(page["orders"][0]["sources"][0]["status"], "not_pushed");
    assert!(page["next"].is_string());
    let (_, page) = get(w, &s.dest, "/api/orders?status=ineligible").await;
    assert_eq!(
        codes(&page["orders"][0]["ineligible_reasons"]),
        vec!["not_paid"]
    );
    let (_, page) = get(w, &s.dest, "/api/orders?status=failed").await;
    assert_documented("GET", "/api/orders", 200, &page);
    let (_, all) = get(w, &s.dest, "/api/orders?limit=250").await;
    assert_documented("GET", "/api/orders", 200, &all);
    assert_documented("GET", "/api/orders/counts", 200, &counts);
    let failed = &page["orders"][0]["sources"][0];
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .contains("can't be pushed"),
        "{failed}"
    );
}

#[tokio::test]
async fn an_order_in_full_groups_items_by_source_store_with_what_a_push_would_carry() {
    let t = setup_two_sources(true).await;
    let w = &t.world;
    let settings = json!({
        "contact": { "method": "store_admin_email" },
        "shipping_rules": [
            { "title": "Tea freight", "fee": "3.50", "conditions": { "source_store": WESTERLY, "countries": [] } },
        ],
    });
    let (status, body) = w
        .api("PUT", "/api/settings/push", Some(&t.dest), Some(settings))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_documented("PUT", "/api/settings/push", 200, &body);
    let order = order_placed(
        w,
        checkout_of(
            &[
                (Some("MUG"), 2),
                (Some("TEA"), 1),
                (Some("SCARF"), 1),
                (None, 1),
            ],
            Payment::Paid,
        ),
    )
    .await;
    assert!(order.eligible, "{:?}", order.ineligible_reasons);
    let (status, body) = push(w, &t.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    assert_documented("POST", "/api/orders/{id}/push", 202, &body);
    let southwind_push = {
        let mut found = None;
        for _ in 0..600 {
            let pushes = w.store.pushes_for_order(order.id).await.unwrap();
            if let Some(p) = pushes.iter().find(|p| p.status == PushStatus::Pushed) {
                found = Some(p.clone());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        found.expect("the Southwind push went through")
    };

    // The order's list status is refreshed right after its push moved: wait for the state every
    // interleaving ends in (Southwind pushed, Westerly still to push) before reading it all.
    let mut d = Value::Null;
    for _ in 0..600 {
        let (status, answer) = get(w, &t.dest, &format!("/api/orders/{}", order.id)).await;
        assert_eq!(status, 200, "{answer}");
        d = answer;
        if d["status"] == "not_pushed" && d["sources"][0]["status"] == "pushed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_documented("GET", "/api/orders/{id}", 200, &d);
    assert_eq!(d["id"], order.id);
    assert_eq!(d["name"], order.order.name.as_str());
    assert_eq!(d["customer"]["name"], "Ada Lovelace");
    assert_eq!(d["customer"]["email"], "ada@example.com");
    assert_eq!(d["shipping_address"]["city"], "Portland");
    assert_eq!(d["shipping_address"]["country_code"], "US");
    assert_eq!(d["payment_status"], "paid");
    assert_eq!(d["cancelled"], false);
    assert_eq!(d["total"]["currency"], "USD");
    assert_eq!(d["eligibility"], json!({ "eligible": true, "reasons": [] }));
    assert_eq!(
        d["status"], "not_pushed",
        "Westerly's part is still to push"
    );

    let sources = d["sources"].as_array().unwrap();
    let domains: Vec<&str> = sources
        .iter()
        .map(|g| g["source"].as_str().unwrap())
        .collect();
    assert_eq!(domains, vec![SOUTHWIND, WESTERLY]);

    // Southwind: pushed; the push with its lines, no preview.
    let south = &sources[0];
    assert_eq!(south["source_name"], "Southwind Goods");
    assert_eq!(south["connected"], true);
    assert_eq!(south["status"], "pushed");
    assert_eq!(south["action"], Value::Null);
    assert_eq!(south["would_push"], Value::Null);
    assert_eq!(south["lines"].as_array().unwrap().len(), 1);
    assert_eq!(south["lines"][0]["sku"], "MUG");
    assert_eq!(south["lines"][0]["to_ship"], 2);
    assert_eq!(
        south["lines"][0]["source_variant"],
        format!("gid://shopify/ProductVariant/{}", t.mug_source_variant)
    );
    let p = &south["push"];
    assert_eq!(p["status"], "pushed");
    assert_eq!(p["label"], "Pushed");
    assert_eq!(p["reason"], Value::Null);
    assert_eq!(
        p["source_order_name"],
        json!(southwind_push.source_order_name)
    );
    assert_eq!(
        p["source_order_gid"],
        json!(southwind_push.source_order_gid)
    );
    assert_eq!(p["lines"].as_array().unwrap().len(), 1);
    assert_eq!(p["lines"][0]["quantity"], 2);
    assert_eq!(p["lines"][0]["fulfilled_quantity"], 0);
    assert_eq!(
        p["shipping_title"], "Shipping",
        "the Tea rule is Westerly's only"
    );
    assert_eq!(p["shipping_fee"], "0.00");

    // Westerly: not pushed yet; what Push would carry.
    let west = &sources[1];
    assert_eq!(west["source_name"], "Westerly Teas");
    assert_eq!(west["status"], "not_pushed");
    assert_eq!(west["action"], "push");
    assert_eq!(west["push"], Value::Null);
    assert_eq!(west["cannot_push"], Value::Null);
    assert_eq!(west["lines"][0]["sku"], "TEA");
    let would = &west["would_push"];
    assert_eq!(would["lines"].as_array().unwrap().len(), 1);
    assert_eq!(would["lines"][0]["quantity"], 1);
    assert_eq!(
        would["lines"][0]["source_variant"],
        format!("gid://shopify/ProductVariant/{}", t.tea_source_variant)
    );
    assert_eq!(
        would["lines"][0]["unit_price"]["amount"], "8.00",
        "destination price basis"
    );
    assert_eq!(
        would["shipping"],
        json!({ "title": "Tea freight", "fee": { "amount": "3.50", "currency": "USD" }, "origin": "rule", "rule_index": 0 })
    );
    assert_eq!(
        would["email"], "owner@northwind.example",
        "Store admin email contact method"
    );
    let tags: Vec<&str> = would["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags[0], "Northwind Supply");
    assert_eq!(tags[1], format!("Order {}", order.order.name.as_str()));
    assert_eq!(tags[2], "ordersync");
    assert!(tags[3].starts_with("ordersync-"));
    assert_eq!(
        would["note"],
        format!(
            "Order {} from Northwind Supply, pushed by ordersync.",
            order.order.name.as_str()
        )
    );

    // Items not pushed, with why.
    let apart: Vec<(String, String)> = d["not_pushed_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert!(!l["message"].as_str().unwrap().is_empty());
            (
                l["title"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        apart,
        vec![
            ("Scarf".to_owned(), "not_synced".to_owned()),
            ("Gift wrap".to_owned(), "no_variant".to_owned()),
        ]
    );
    assert!(d["not_pushed_lines"][0]["message"]
        .as_str()
        .unwrap()
        .contains("SCARF"));

    // The history, oldest first, push entries naming their source store.
    let history = d["history"].as_array().unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "order_received");
    for k in [
        "order_eligible",
        "push_queued",
        "push_started",
        "push_created",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let created = history
        .iter()
        .find(|h| h["kind"] == "push_created")
        .unwrap();
    assert_eq!(created["source"], SOUTHWIND);
    assert!(created["at"].as_str().unwrap().ends_with('Z'));
    assert!(!created["message"].as_str().unwrap().is_empty());

    // Exactly one order on Southwind, none on Westerly yet.
    assert_eq!(source_order_count(w, SOUTHWIND), 1);
    assert_eq!(source_order_count(w, WESTERLY), 0);

    // Another store sees none of it: 404, and nothing of the order in any answer.
    let intruder = install(w, EASTWIND, "destination").await;
    let (status, body) = get(w, &intruder, &format!("/api/orders/{}", order.id)).await;
    assert_eq!(status, 404, "{body}");
    let detail_path = format!("/api/orders/{}", order.id);
    let push_path = format!("/api/orders/{}/push", order.id);
    let retry_path = format!("/api/orders/{}/push/{SOUTHWIND}/retry", order.id);
    let routes: Vec<(&str, &str)> = vec![
        ("GET", "/api/orders"),
        ("GET", "/api/orders/counts"),
        ("GET", &detail_path),
        ("POST", "/api/orders/push"),
        ("POST", &push_path),
        ("POST", &retry_path),
    ];
    let victim_order = order.id;
    assert_tenant_isolation(
        w,
        &routes,
        &intruder,
        &[
            NORTHWIND,
            "Northwind Supply",
            order.order.name.as_str(),
            "Ada Lovelace",
            "ada@example.com",
        ],
        |method, path| match (method, path) {
            ("POST", "/api/orders/push") => Some(json!({ "orders": [victim_order] })),
            ("POST", p) if p.ends_with("/push") => Some(json!({ "source": SOUTHWIND })),
            _ => None,
        },
    )
    .await;
    let (_, list) = get(w, &intruder, "/api/orders").await;
    assert_eq!(list["orders"], json!([]));
    assert_eq!(
        w.store.pushes_for_order(order.id).await.unwrap().len(),
        1,
        "the intruder queued nothing"
    );
}

#[tokio::test]
async fn the_order_in_full_shows_each_shipment_with_its_tracking() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(3, Payment::Paid)).await;
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let source_order = source_order_id(&pushed);
    let dest_line = order.order.line_items[0].id.as_str().to_owned();

    // The supplier ships 2 of the 3 mugs with two tracking numbers.
    w.sim.sim.mutate(|world| {
        let line = world.shop(SOUTHWIND).unwrap().orders[&source_order].line_items[0].id;
        fulfill(
            world,
            SOUTHWIND,
            source_order,
            Fulfill {
                lines: vec![FulfillLine {
                    line_item_id: line,
                    quantity: 2,
                }],
                tracking: ["1Z001", "1Z002"]
                    .iter()
                    .map(|n| TrackingInfo {
                        company: Some("UPS".into()),
                        number: Some((*n).into()),
                        url: Some(format!("https://track.example/{n}")),
                    })
                    .collect(),
                notify_customer: false,
            },
        )
        .unwrap()
    });
    let mut detail = Value::Null;
    for _ in 0..600 {
        let (status, d) = get(w, &s.dest, &format!("/api/orders/{}", order.id)).await;
        assert_eq!(status, 200, "{d}");
        if d["sources"][0]["push"]["fulfillments"][0]["destination_state"] == "created" {
            detail = d;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        !detail.is_null(),
        "the shipment never reached the destination order"
    );
    assert_documented("GET", "/api/orders/{id}", 200, &detail);
    let push = &detail["sources"][0]["push"];
    assert_eq!(push["status"], "partially_fulfilled", "{push}");
    let shipments = push["fulfillments"].as_array().unwrap();
    assert_eq!(shipments.len(), 1, "{push}");
    let f = &shipments[0];
    assert_eq!(f["status"], "shipped", "{f}");
    assert_eq!(f["label"], "Shipped");
    assert_eq!(f["tracking_company"], "UPS");
    assert_eq!(f["tracking_numbers"], json!(["1Z001", "1Z002"]));
    assert_eq!(
        f["tracking_urls"],
        json!(["https://track.example/1Z001", "https://track.example/1Z002"])
    );
    assert_eq!(
        f["lines"],
        json!([{ "line_item": dest_line, "title": order.order.line_items[0].title, "quantity": 2 }])
    );
    assert!(f["destination_fulfillment_gid"]
        .as_str()
        .unwrap()
        .starts_with("gid://shopify/Fulfillment/"));
    assert!(f["name"].as_str().unwrap().starts_with('#'), "{f}");
    assert!(f["failure"].is_null());
    assert!(f["created_at"].as_str().unwrap() <= f["updated_at"].as_str().unwrap());
    s.world.stop().await;
}

#[tokio::test]
async fn an_ineligible_order_shows_every_reason_at_once() {
    let s = setup(true).await;
    let w = &s.world;
    let mut unpaid = checkout(1, Payment::Pending);
    unpaid.shipping_address = None;
    unpaid.customer = None;
    let order = order_placed(w, unpaid).await;
    assert!(!order.eligible);
    let stored: Vec<&str> = order.ineligible_reasons.iter().map(|r| r.code()).collect();
    assert_eq!(
        stored,
        vec![
            "not_paid",
            "missing_customer_name",
            "missing_shipping_address"
        ]
    );

    let (status, d) = get(w, &s.dest, &format!("/api/orders/{}", order.id)).await;
    assert_eq!(status, 200, "{d}");
    assert_documented("GET", "/api/orders/{id}", 200, &d);
    assert_eq!(d["eligibility"]["eligible"], false);
    assert_eq!(codes(&d["eligibility"]["reasons"]), stored);
    assert_eq!(d["eligibility"]["reasons"][0]["status"], "pending");
    assert!(d["eligibility"]["reasons"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Not paid yet"));
    assert_eq!(d["status"], "ineligible");
    assert_eq!(d["status_label"], "Ineligible");
    assert_eq!(d["shipping_address"], Value::Null);
    let group = &d["sources"][0];
    assert_eq!(
        group["source"], SOUTHWIND,
        "the MUG still routes to Southwind"
    );
    assert_eq!(
        group["action"],
        Value::Null,
        "no Push for an ineligible order"
    );
    assert_eq!(group["would_push"], Value::Null);
    let why = group["cannot_push"].as_str().unwrap();
    assert!(
        why.contains("can't be pushed") && why.contains("Not paid yet"),
        "{why}"
    );

    let (_, page) = get(w, &s.dest, "/api/orders?status=ineligible").await;
    assert_eq!(ids(&page), vec![order.id]);
    assert_eq!(codes(&page["orders"][0]["ineligible_reasons"]), stored);
    assert_eq!(page["orders"][0]["eligible"], false);
}

#[tokio::test]
async fn bulk_push_reports_each_order_and_source_store_and_creates_one_source_order_each() {
    let t = setup_two_sources(true).await;
    let w = &t.world;
    let both = order_placed(
        w,
        checkout_of(&[(Some("MUG"), 1), (Some("TEA"), 2)], Payment::Paid),
    )
    .await;
    let mug_only = order_placed(w, checkout_of(&[(Some("MUG"), 3)], Payment::Paid)).await;
    let unpaid = order_placed(w, checkout_of(&[(Some("MUG"), 1)], Payment::Pending)).await;
    // Another destination store's order: its id must be "not found" to Northwind.
    let east = install(w, EASTWIND, "destination").await;
    titled_product(w, EASTWIND, "Lamp", "LAMP", 4000);
    let east_id = w.sim.sim.mutate(|world| {
        shopify_sim::merchant::place_order(
            world,
            EASTWIND,
            checkout_of(&[(Some("LAMP"), 1)], Payment::Paid),
        )
        .unwrap()
    });
    let east_shop = w
        .store
        .shop_by_domain(&auth_support::domain(EASTWIND))
        .await
        .unwrap()
        .unwrap();
    let mut east_order = None;
    for _ in 0..400 {
        east_order = w
            .store
            .order_by_gid(east_shop.id, &format!("gid://shopify/Order/{east_id}"))
            .await
            .unwrap();
        if east_order.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let east_order = east_order.expect("Eastwind's order taken in");

    let sent =
        json!({ "orders": [both.id, mug_only.id, unpaid.id, east_order.id, 999_999, both.id] });
    let (status, answer) = w
        .api("POST", "/api/orders/push", Some(&t.dest), Some(sent))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_documented("POST", "/api/orders/push", 200, &answer);
    let results: Vec<(i64, Option<String>, String)> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(!r["message"].as_str().unwrap().is_empty(), "{r}");
            (
                r["order"].as_i64().unwrap(),
                r["source"].as_str().map(str::to_owned),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let q = |id: i64, source: Option<&str>, outcome: &str| {
        (id, source.map(str::to_owned), outcome.to_owned())
    };
    assert_eq!(
        results,
        vec![
            q(both.id, Some(SOUTHWIND), "queued"),
            q(both.id, Some(WESTERLY), "queued"),
            q(mug_only.id, Some(SOUTHWIND), "queued"),
            q(unpaid.id, None, "not_eligible"),
            q(east_order.id, None, "not_found"),
            q(999_999, None, "not_found"),
        ],
        "{answer}"
    );
    assert_eq!(codes(&answer["results"][3]["reasons"]), vec!["not_paid"]);
    assert_eq!(
        answer["summary"],
        json!({ "queued": 3, "not_eligible": 1, "not_found": 2 })
    );
    assert_eq!(answer["queued_any"], true);
    let leaked = answer["results"][4].to_string();
    assert!(
        !leaked.contains("Lamp") && !leaked.contains(EASTWIND),
        "{leaked}"
    );

    // Every push goes through; exactly one source order per order and source store.
    for (order_id, n) in [(both.id, 2), (mug_only.id, 1)] {
        for _ in 0..600 {
            let pushes = w.store.pushes_for_order(order_id).await.unwrap();
            if pushes.len() == n && pushes.iter().all(|p| p.status == PushStatus::Pushed) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let pushes = w.store.pushes_for_order(order_id).await.unwrap();
        assert_eq!(pushes.len(), n);
        for p in &pushes {
            assert_eq!(p.status, PushStatus::Pushed, "{p:?}");
            let shop = if p.source_domain.as_str() == SOUTHWIND {
                SOUTHWIND
            } else {
                WESTERLY
            };
            let tag = format!("ordersync-{}", p.push_key);
            let tagged = w.sim.sim.read(|world| {
                world
                    .shop(shop)
                    .unwrap()
                    .orders
                    .values()
                    .filter(|o| o.tags.contains(&tag))
                    .count()
            });
            assert_eq!(tagged, 1, "one source order for {tag}");
        }
    }
    assert_eq!(source_order_count(w, SOUTHWIND), 2);
    assert_eq!(source_order_count(w, WESTERLY), 1);
    assert!(
        w.store
            .pushes_for_order(unpaid.id)
            .await
            .unwrap()
            .is_empty(),
        "nothing queued for it"
    );
    assert!(w
        .store
        .pushes_for_order(east_order.id)
        .await
        .unwrap()
        .is_empty());
    let (status, east_view) = get(w, &east, &format!("/api/orders/{}", east_order.id)).await;
    assert_eq!(status, 200, "{east_view}");
    assert!(east_view["sources"].as_array().unwrap().is_empty());

    // Again: already pushed, nothing new; only one source store; one with nothing from it.
    let (status, again) = w
        .api(
            "POST",
            "/api/orders/push",
            Some(&t.dest),
            Some(json!({ "orders": [both.id, mug_only.id], "source": WESTERLY })),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_documented("POST", "/api/orders/push", 200, &again);
    assert_eq!(again["results"][0]["outcome"], "already_pushed");
    assert_eq!(again["results"][0]["status"], "pushed");
    assert_eq!(again["results"][0]["source"], WESTERLY);
    assert_eq!(again["results"][1]["outcome"], "nothing_to_push");
    assert_eq!(again["results"].as_array().unwrap().len(), 2);
    assert_eq!(again["queued_any"], false);
    assert_eq!(source_order_count(w, SOUTHWIND), 2);
    assert_eq!(source_order_count(w, WESTERLY), 1);

    let (status, body) = w
        .api(
            "POST",
            "/api/orders/push",
            Some(&t.dest),
            Some(json!({ "orders": [both.id], "source": "nowhere.myshopify.com" })),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("`source`"),
        "{body}"
    );
    let (status, body) = w
        .api(
            "POST",
            "/api/orders/push",
            Some(&t.dest),
            Some(json!({ "orders": [both.id], "source": "not a shop" })),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("`source`"),
        "{body}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let s = setup(false).await;
    let w = &s.world;
    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    let long = "x".repeat(201);
    for (query, field) in [
        ("status=bogus", "`status`"),
        ("status=pushing", "`status`"),
        ("limit=0", "`limit`"),
        ("limit=251", "`limit`"),
        ("limit=ten", "`limit`"),
        ("after=garbage", "`after`"),
        (&format!("q={long}") as &str, "`q`"),
    ] {
        let (status, body) = get(w, &s.dest, &format!("/api/orders?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(field), "{query}: {error}");
    }
    let (status, body) = get(w, &s.dest, "/api/orders?limit=250&status=").await;
    assert_eq!(status, 200, "an empty status is every order: {body}");
    assert_eq!(ids(&body), vec![order.id]);

    let bulk = |body: Value| {
        let dest = s.dest.clone();
        async move {
            w.api("POST", "/api/orders/push", Some(&dest), Some(body))
                .await
        }
    };
    let too_many: Vec<i64> = (1..=251).collect();
    for (body, field) in [
        (json!({ "orders": [order.id, 2, 3, "x"] }), "`orders[3]`"),
        (json!({ "orders": [order.id, 1.5] }), "`orders[1]`"),
        (json!({ "orders": [] }), "`orders`"),
        (json!({ "orders": too_many }), "`orders`"),
        (json!({}), "`orders`"),
        (json!({ "orders": "1" }), "`orders`"),
        (
            json!({ "orders": [1], "shipping_fee": "2" }),
            "`shipping_fee`",
        ),
        (json!({ "orders": [1], "source": 7 }), "`source`"),
        (json!([1, 2]), "`body`"),
    ] {
        let (status, answer) = bulk(body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(field), "{body}: {error}");
    }
    assert!(
        w.store.pushes_for_order(order.id).await.unwrap().is_empty(),
        "nothing queued"
    );
    let response = w
        .http
        .post(format!("{}/api/orders/push", w.base))
        .bearer_auth(&s.dest)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    for path in ["/api/orders/abc", "/api/orders/999999", "/api/orders/-1"] {
        let (status, body) = get(w, &s.dest, path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"], "no such order");
    }

    // A source store has no orders to push: 403, as on the push routes.
    let source = w.session_token(SOUTHWIND);
    for (method, path, body) in [
        ("GET", "/api/orders".to_owned(), None),
        ("GET", "/api/orders/counts".to_owned(), None),
        ("GET", format!("/api/orders/{}", order.id), None),
        (
            "POST",
            "/api/orders/push".to_owned(),
            Some(json!({ "orders": [order.id] })),
        ),
    ] {
        let (status, answer) = w.api(method, &path, Some(&source), body).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    // Without a session token: 401.
    for path in [
        "/api/orders",
        "/api/orders/counts",
        &format!("/api/orders/{}", order.id),
    ] {
        let (status, answer) = w.api("GET", path, None, None).await;
        assert_eq!(status, 401, "{path}: {answer}");
        assert_eq!(answer, json!({ "error": "unauthorized" }));
    }
}

/// Every `(METHOD, path)` the document describes.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every `$ref` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push(v.as_str().unwrap().to_owned());
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_only_real_ones() {
    let world = auth_support::start().await;
    // Served without a session token, and the same document as the one embedded.
    let (status, doc) = world.api("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, 200, "{doc}");
    let embedded: Value = serde_json::from_str(ordersync_server::http::OPENAPI_JSON).unwrap();
    assert_eq!(doc, embedded);
    assert_eq!(doc["openapi"], "3.1.0");

    let routes: BTreeSet<(String, String)> = ordersync_server::http::API_ROUTES
        .iter()
        .chain(ordersync_server::http::PUBLIC_ROUTES)
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let described = documented(&doc);
    let undocumented: Vec<_> = routes.difference(&described).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
    let unknown: Vec<_> = described.difference(&routes).collect();
    assert!(
        unknown.is_empty(),
        "openapi.json describes routes that are not listed: {unknown:?}"
    );

    // Each described operation is well formed: path parameters declared, answers given, the
    // authenticated ones answer 401, every reference resolves.
    let public: HashSet<(String, String)> = ordersync_server::http::PUBLIC_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    for (method, path) in &described {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op["summary"].is_string(), "{method} {path}: summary");
        let responses = op["responses"].as_object().unwrap();
        assert!(!responses.is_empty(), "{method} {path}: responses");
        let declared: HashSet<&str> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let in_path: HashSet<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, in_path, "{method} {path}: path parameters");
        if !public.contains(&(method.clone(), path.clone())) {
            assert!(responses.contains_key("401"), "{method} {path}: 401");
            assert!(
                op.get("security").is_none(),
                "{method} {path} must use the session token"
            );
        } else {
            assert_eq!(op["security"], json!([]), "{method} {path} is public");
        }
    }
    let mut all_refs = Vec::new();
    refs(&doc, &mut all_refs);
    assert!(!all_refs.is_empty());
    for r in all_refs {
        let pointer = r.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }

    // And each one is a real route of the server: without credentials it answers something
    // other than the router's bare 404 (no such path) or 405 (no such method).
    for (method, path) in &described {
        let concrete = path
            .replace("{id}", "1")
            .replace("{source}", "src.myshopify.com")
            .replace("{source_domain}", "src.myshopify.com")
            .replace("{variant_id}", "1");
        let request = world.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{concrete}", world.base),
        );
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(
            status != 405 && !(status == 404 && text.is_empty()),
            "{method} {path} is not served: {status} {text}"
        );
    }

    // What an installed destination store reads from every GET without parameters is what
    // the document says.
    world.install(NORTHWIND, "").await;
    let token = world.session_token(NORTHWIND);
    for (method, path) in ordersync_server::http::API_ROUTES {
        if *method != "GET" || path.contains('{') {
            continue;
        }
        let (status, body) = world.api(method, path, Some(&token), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_documented(method, path, status, &body);
    }
    world.stop().await;
}

/// Checks `value` against a schema of the OpenAPI document (the subset it uses: `$ref`, `oneOf`,
/// `type`, `enum`, `properties`, `required`, `additionalProperties`, `items`); answers every
/// mismatch with its JSON path.
fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc.pointer(r.strip_prefix('#').unwrap()).unwrap();
        return mismatches(doc, target, value, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let fitting = options
            .iter()
            .filter(|o| mismatches(doc, o, value, at).is_empty())
            .count();
        return if fitting == 1 {
            Vec::new()
        } else {
            vec![format!("{at}: {fitting} of oneOf fit {value}")]
        };
    }
    let mut out = Vec::new();
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        _ => Vec::new(),
    };
    let fits = types.is_empty()
        || types.contains(&kind)
        || (kind == "integer" && types.contains(&"number"));
    if !fits {
        out.push(format!("{at}: {kind} where the document says {types:?}"));
        return out;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            out.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Value::Object(map) = value {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !map.contains_key(key.as_str().unwrap()) {
                out.push(format!("{at}: missing {key}"));
            }
        }
        let props = schema["properties"].as_object();
        for (k, v) in map {
            let child = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(s) => out.extend(mismatches(doc, s, v, &child)),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => out.push(format!("{child}: not in the document")),
                    s @ Value::Object(_) => out.extend(mismatches(doc, s, v, &child)),
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            out.extend(mismatches(doc, item_schema, item, &format!("{at}[{i}]")));
        }
    }
    out
}

/// Asserts `value` is what the document says `METHOD path` answers with `status`.
fn assert_documented(method: &str, path: &str, status: u16, value: &Value) {
    let doc: Value = serde_json::from_str(ordersync_server::http::OPENAPI_JSON).unwrap();
    let schema = &doc["paths"][path][method.to_lowercase()]["responses"][status.to_string()]
        ["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status} is not documented"
    );
    let wrong = mismatches(&doc, schema, value, "$");
    assert!(
        wrong.is_empty(),
        "{method} {path} {status} differs from openapi.json: {wrong:#?}"
    );
}

#[test]
fn the_schema_check_catches_what_the_document_does_not_say() {
    let doc: Value = serde_json::from_str(ordersync_server::http::OPENAPI_JSON).unwrap();
    let money = json!({ "$ref": "#/components/schemas/Money" });
    assert!(mismatches(
        &doc,
        &money,
        &json!({ "amount": "1.00", "currency": "USD" }),
        "$"
    )
    .is_empty());
    for wrong in [
        json!({ "amount": 1, "currency": "USD" }),
        json!({ "amount": "1.00" }),
        json!({ "amount": "1.00", "currency": "USD", "extra": true }),
        json!(null),
    ] {
        assert!(!mismatches(&doc, &money, &wrong, "$").is_empty(), "{wrong}");
    }
    let row = json!({ "$ref": "#/components/schemas/SourceStatus" });
    let mut ok = json!({ "source": "a.myshopify.com", "source_name": null, "status": "pushed", "label": "Pushed", "source_order_name": "#1", "reason": null });
    assert!(mismatches(&doc, &row, &ok, "$").is_empty());
    ok["status"] = json!("teleported");
    assert!(!mismatches(&doc, &row, &ok, "$").is_empty());
}
