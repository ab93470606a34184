//! The Orders tab and View Details pages against shopify-sim over real HTTP: the list with its
//! Push Status per source store, status tabs, search and keyset pages; the bulk Push; the
//! automated push toggle and its confirmation; View Details with items per source store and the
//! unsynced ones apart; a manual push with a shipping fee that reaches the source order; a bad
//! fee answered 422 next to the field; Retry after a failure; shipments with tracking; another
//! shop's order is never shown nor pushed.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;
mod pages_support;

use std::collections::HashSet;
use std::time::Duration;

use auth_support::{World, EASTWIND, NORTHWIND};
use engine_support::*;
use ordersync_core::PushStatus;
use pages_support::{assert_labelled, follow, get, post, Page};
use rust_decimal::Decimal;
use shopify_sim::merchant::{
    cancel_order, fulfill, Fulfill, FulfillLine, NewCustomer, Payment, PlaceOrder,
};
use shopify_sim::state::TrackingInfo;

/// A paid checkout of one MUG by a named customer.
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

/// Opens `path` as the merchant of `shop` coming from the Shopify admin.
async fn open(world: &World, shop: &str, path: &str) -> Page {
    let sep = if path.contains('?') { '&' } else { '?' };
    get(
        world,
        &format!("{path}{sep}id_token={}", world.session_token(shop)),
    )
    .await
}

/// Submits a form of `page` (its session fields) to `action` with `fields`.
async fn submit(world: &World, page: &Page, action: &str, fields: &[(&str, &str)]) -> Page {
    let token = page.token();
    let mut all: Vec<(&str, &str)> = vec![("id_token", token.as_str())];
    all.extend_from_slice(fields);
    post(world, action, &all).await
}

fn order_names(page: &Page) -> Vec<String> {
    // Each row's order number is the text of its row header link.
    let mut names = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find("<th scope=\"row\"><a href=\"") {
        rest = &rest[i..];
        let start = rest.find('>').unwrap() + 1;
        let start = start + rest[start..].find('>').unwrap() + 1;
        let end = start + rest[start..].find('<').unwrap();
        names.push(rest[start..end].to_owned());
        rest = &rest[end..];
    }
    names
}

#[tokio::test]
async fn the_orders_tab_lists_filters_searches_and_pages() {
    let s = setup(true).await;
    let w = &s.world;
    let mut placed = Vec::new();
    for (first, last) in [
        ("Grace", "Hopper"),
        ("Alan", "Turing"),
        ("Barbara", "Liskov"),
        ("Ken", "Thompson"),
    ] {
        placed.push(order_placed(w, by(first, last)).await);
    }
    let unpaid = order_placed(w, checkout(1, Payment::Pending)).await;

    let page = open(w, NORTHWIND, "/app").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_labelled(&page);
    let text = page.text();
    for o in &placed {
        assert!(text.contains(o.order.name.as_str()), "{text}");
    }
    for column in [
        "Order",
        "Date",
        "Customer",
        "Total",
        "Payment",
        "Fulfillment",
        "Synced items",
        "Push status",
    ] {
        assert!(
            page.contains(&format!("<th scope=\"col\">{column}</th>"))
                || page.contains(&format!(">{column}</th>")),
            "{column}"
        );
    }
    assert!(text.contains("Grace Hopper"), "{text}");
    assert!(text.contains("Southwind Goods Not pushed"), "{text}");
    assert!(text.contains("Ineligible"), "{text}");
    assert!(text.contains("1 of 1"), "synced items: {text}");
    // Newest first.
    let names = order_names(&page);
    assert_eq!(
        names.first().unwrap(),
        unpaid.order.name.as_str(),
        "{names:?}"
    );
    // Tabs with counts, the toggle, no add-on banner (it is active), no failed banner.
    assert!(text.contains("All 5"), "{text}");
    assert!(text.contains("Not pushed 4"), "{text}");
    assert!(text.contains("Ineligible 1"), "{text}");
    assert!(text.contains("Automated push Off Turn on"), "{text}");
    assert!(!text.contains("The Order add-on is not active"));
    assert!(!text.contains("Failed pushes"));
    // Every row has a labelled checkbox and a View details link.
    assert!(page.contains(&format!(
        "aria-label=\"Select order {}\"",
        placed[0].order.name.as_str()
    )));
    assert!(page.contains(&format!(
        "aria-label=\"View details of order {}\"",
        placed[0].order.name.as_str()
    )));

    // The Ineligible tab: only the unpaid order, with its reason.
    let ineligible = get(w, &page.link("/app?status=ineligible")).await;
    assert_eq!(ineligible.status, 200);
    assert_eq!(
        order_names(&ineligible),
        vec![unpaid.order.name.as_str().to_owned()]
    );
    assert!(
        ineligible.text().to_lowercase().contains("paid"),
        "{}",
        ineligible.text()
    );
    assert!(ineligible.contains("aria-current=\"page\""));

    // Search by customer and by order number.
    let token = page.token();
    let found = get(w, &format!("/app?q=Barbara&id_token={token}")).await;
    assert_eq!(
        order_names(&found),
        vec![placed[2].order.name.as_str().to_owned()]
    );
    let number = placed[1]
        .order
        .name
        .as_str()
        .trim_start_matches('#')
        .to_owned();
    let found = get(w, &format!("/app?q=%23{number}&id_token={token}")).await;
    assert_eq!(
        order_names(&found),
        vec![placed[1].order.name.as_str().to_owned()]
    );
    let none = get(w, &format!("/app?q=nobody-at-all&id_token={token}")).await;
    assert_eq!(none.status, 200);
    assert!(
        none.text().contains("No orders match your search"),
        "{}",
        none.text()
    );
    assert!(order_names(&none).is_empty());

    // Keyset pages of 2: Next page until the end, every order once, newest first; then
    // Previous page back to the start, the same pages in reverse.
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut current = get(w, &format!("/app?limit=2&id_token={token}")).await;
    assert!(
        !current.contains("rel=\"prev\""),
        "no way back from the first page"
    );
    loop {
        assert_eq!(current.status, 200, "{}", current.body);
        let names = order_names(&current);
        assert!(!names.is_empty() && names.len() <= 2, "{names:?}");
        pages.push(names);
        match pages_support::attr_after(&current.body, "rel=\"next\"", "href") {
            Some(next) if pages.len() < 10 => current = get(w, &next).await,
            _ => break,
        }
    }
    let seen: Vec<String> = pages.concat();
    assert_eq!(seen, order_names(&page), "no gaps, no repeats, same order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);
    assert_eq!(pages.len(), 3);
    for want in pages.iter().rev().skip(1) {
        let back = pages_support::attr_after(&current.body, "rel=\"prev\"", "href")
            .expect("a Previous page link");
        current = get(w, &back).await;
        assert_eq!(&order_names(&current), want);
    }
    assert!(!current.contains("rel=\"prev\""), "back on the first page");

    // A cursor that is not the list's is explained, not a crash.
    let bad = get(w, &format!("/app?after=garbage&id_token={token}")).await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.text().contains("start again from the first page"),
        "{}",
        bad.text()
    );
}

#[tokio::test]
async fn an_empty_store_says_what_to_do_and_the_add_on_banner_links_to_billing() {
    let s = setup(false).await;
    let w = &s.world;
    let page = open(w, NORTHWIND, "/app").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = page.text();
    assert!(text.contains("No orders yet"), "{text}");
    assert!(text.contains("The Order add-on is not active"), "{text}");
    assert!(page.link("/app/billing").contains("id_token="));
    assert!(page.link("/app/connections").contains("id_token="));
}

#[tokio::test]
async fn selected_orders_are_pushed_together() {
    let s = setup(true).await;
    let w = &s.world;
    let a = order_placed(w, by("Grace", "Hopper")).await;
    let b = order_placed(w, by("Alan", "Turing")).await;
    let unpaid = order_placed(w, checkout(1, Payment::Pending)).await;
    let page = open(w, NORTHWIND, "/app").await;

    // Nothing selected: 422 with the reason, nothing pushed.
    let none = submit(w, &page, "/app/orders/push", &[]).await;
    assert_eq!(none.status, 422, "{}", none.body);
    assert!(none.text().contains("Select at least one order to push."));
    assert!(w.store.pushes_for_order(a.id).await.unwrap().is_empty());

    let (ida, idb, idu) = (a.id.to_string(), b.id.to_string(), unpaid.id.to_string());
    let done = submit(
        w,
        &page,
        "/app/orders/push",
        &[("order", &ida), ("order", &idb), ("order", &idu)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = follow(w, &done).await;
    assert_eq!(back.status, 200);
    let text = back.text();
    assert!(text.contains("2 pushes queued."), "{text}");
    assert!(
        text.contains(&format!(
            "{}: The order can't be pushed",
            unpaid.order.name.as_str()
        )),
        "{text}"
    );
    assert!(back.contains("role=\"status\""));
    for o in [&a, &b] {
        push_when(w, o.id, |p| p.status == PushStatus::Pushed).await;
    }
    assert!(w
        .store
        .pushes_for_order(unpaid.id)
        .await
        .unwrap()
        .is_empty());
    let pushed = open(w, NORTHWIND, "/app?status=pushed").await;
    let mut names = order_names(&pushed);
    names.sort();
    let mut want = vec![
        a.order.name.as_str().to_owned(),
        b.order.name.as_str().to_owned(),
    ];
    want.sort();
    assert_eq!(names, want);
    assert!(
        pushed.text().contains("Southwind Goods Pushed"),
        "{}",
        pushed.text()
    );
}

#[tokio::test]
async fn the_automated_push_toggle_asks_for_confirmation_then_pushes_new_orders() {
    let s = setup(true).await;
    let w = &s.world;
    let shop = w
        .store
        .shop_by_domain(&auth_support::domain(NORTHWIND))
        .await
        .unwrap()
        .unwrap();
    let page = open(w, NORTHWIND, "/app").await;
    assert!(page.text().contains("Automated push Off Turn on"));

    // First the confirmation page: nothing changes yet.
    let confirm = submit(w, &page, "/app/auto-push", &[("enabled", "true")]).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert_labelled(&confirm);
    let text = confirm.text();
    assert!(text.contains("Turn on automated push?"), "{text}");
    assert!(
        text.contains("Orders already in the list are not pushed automatically"),
        "{text}"
    );
    assert!(confirm.contains(r#"name="confirm" value="yes""#));
    assert!(!w.store.push_settings(shop.id).await.unwrap().auto_push);

    // Bad value: refused, nothing changes.
    let bad = submit(
        w,
        &page,
        "/app/auto-push",
        &[("enabled", "maybe"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(!w.store.push_settings(shop.id).await.unwrap().auto_push);

    // Confirmed: on, with a confirmation message and the toggle now offering Turn off.
    let done = submit(
        w,
        &confirm,
        "/app/auto-push",
        &[("enabled", "true"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(w.store.push_settings(shop.id).await.unwrap().auto_push);
    let back = follow(w, &done).await;
    let text = back.text();
    assert!(text.contains("Automated push is on"), "{text}");
    assert!(text.contains("Automated push On Turn off"), "{text}");

    // A new paid order is pushed without a click.
    let order = order_placed(w, by("Grace", "Hopper")).await;
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    assert_eq!(
        source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key)).len(),
        1
    );

    // And off again, through the same confirmation.
    let off = submit(w, &back, "/app/auto-push", &[("enabled", "false")]).await;
    assert!(off.text().contains("Turn off automated push?"));
    let done = submit(
        w,
        &off,
        "/app/auto-push",
        &[("enabled", "false"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(done.status, 303);
    assert!(!w.store.push_settings(shop.id).await.unwrap().auto_push);
}

#[tokio::test]
async fn view_details_pushes_one_source_store_with_a_manual_fee() {
    let s = setup_two_sources(true).await;
    let w = &s.world;
    let mut checkout = checkout_of(
        &[(Some("MUG"), 2), (Some("TEA"), 1), (Some("SCARF"), 1)],
        Payment::Paid,
    );
    checkout.email = Some("ada@example.com".into());
    let order = order_placed(w, checkout).await;
    let path = format!("/app/orders/{}", order.id);

    let page = open(w, NORTHWIND, &path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_labelled(&page);
    let text = page.text();
    assert!(
        text.contains(&format!("Order {}", order.order.name.as_str())),
        "{text}"
    );
    assert!(text.contains("Southwind Goods"), "{text}");
    assert!(text.contains("Westerly Teas"), "{text}");
    assert!(text.contains("Items not pushed"), "{text}");
    assert!(
        text.contains("Scarf SCARF 1 Not a synced product"),
        "unsynced apart, with why: {text}"
    );
    assert!(text.contains("Contact email ada@example.com"), "{text}");
    assert!(text.contains("Tags"), "{text}");
    assert!(text.contains("Note"), "{text}");
    assert!(text.contains("Push to Southwind Goods"), "{text}");
    assert!(text.contains("Timeline"), "{text}");
    // The fee is pre-filled from the rules (none: the default 0.00), with its label.
    assert!(
        page.contains(
            r#"<label class="field__label" for="s0-shipping_fee">Shipping fee (USD)</label>"#
        ),
        "{}",
        page.body
    );
    assert!(
        page.contains(r#"name="shipping_fee" value="0.00""#),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<h1").count(), 1);

    let southwind = format!("/app/orders/{}/push/{SOUTHWIND}", order.id);
    // Bad fees: 422, the error next to the field with what was typed, nothing pushed.
    for (fee, says) in [
        ("abc", "Shipping fee must be a number like 7.50."),
        ("-2", "Shipping fee must not be negative."),
        ("1.234", "at most 2 decimal places"),
        ("", "Enter a shipping fee"),
    ] {
        let bad = submit(
            w,
            &page,
            &southwind,
            &[("shipping_fee", fee), ("planned_fee", "0.00")],
        )
        .await;
        assert_eq!(bad.status, 422, "{fee}: {}", bad.body);
        assert_labelled(&bad);
        assert!(bad.contains(r#"aria-invalid="true""#), "{fee}");
        assert!(
            bad.contains(r#"aria-describedby="s0-shipping_fee-error s0-shipping_fee-hint""#),
            "{fee}"
        );
        let error =
            pages_support::attr_after(&bad.body, "id=\"s0-shipping_fee-error\"", "class").unwrap();
        assert_eq!(error, "field__error");
        assert!(bad.text().contains(says), "{fee}: {}", bad.text());
        assert!(
            bad.contains(&format!(r#"name="shipping_fee" value="{fee}""#)),
            "{fee}"
        );
    }
    assert!(w.store.pushes_for_order(order.id).await.unwrap().is_empty());
    assert_eq!(source_order_count(w, SOUTHWIND), 0);

    // A manual fee: queued, then the source order carries it.
    let done = submit(
        w,
        &page,
        &southwind,
        &[("shipping_fee", "7.50"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = follow(w, &done).await;
    assert!(
        back.text()
            .contains("Push to Southwind Goods queued with a shipping fee of 7.50."),
        "{}",
        back.text()
    );
    let pushed = wait_push(w, order.id, SOUTHWIND, PushStatus::Pushed).await;
    let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].shipping_lines[0].price, Decimal::new(750, 2));

    // The page now shows the source order and Pushed; Westerly can still be pushed, and the
    // pre-filled fee kept means no manual fee (the rules decide).
    let page = open(w, NORTHWIND, &path).await;
    let text = page.text();
    let source_name = pushed.source_order_name.clone().unwrap();
    assert!(
        text.contains(&format!("Source order {source_name} Pushed")),
        "{text}"
    );
    assert!(
        text.contains("Shipping fee sent $7.50 (entered by hand)"),
        "{text}"
    );
    assert!(text.contains("Push to Westerly Teas"), "{text}");
    let westerly = format!("/app/orders/{}/push/{WESTERLY}", order.id);
    let done = submit(
        w,
        &page,
        &westerly,
        &[("shipping_fee", "0.00"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let tea = wait_push(w, order.id, WESTERLY, PushStatus::Pushed).await;
    assert_eq!(tea.manual_fee, None);
    let page = open(w, NORTHWIND, &path).await;
    // Pushing again is refused with the reason, not a crash.
    let again = submit(
        w,
        &page,
        &southwind,
        &[("shipping_fee", "1.00"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.text().contains("already pushed"), "{}", again.text());
}

/// The order's push to `source` once it has `status`.
async fn wait_push(
    w: &World,
    order_id: i64,
    source: &str,
    status: PushStatus,
) -> ordersync_store::pushes::PushRecord {
    for _ in 0..600 {
        let pushes = w.store.pushes_for_order(order_id).await.unwrap();
        if let Some(p) = pushes
            .iter()
            .find(|p| p.source_domain.as_str() == source && p.status == status)
        {
            return p.clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the push to {source} never reached {status:?}");
}

#[tokio::test]
async fn a_failed_push_shows_its_reason_and_retry_pushes_it() {
    let s = setup(false).await;
    let w = &s.world;
    let order = order_placed(w, by("Grace", "Hopper")).await;
    let path = format!("/app/orders/{}", order.id);
    let page = open(w, NORTHWIND, &path).await;
    let done = submit(
        w,
        &page,
        &format!("{path}/push/{SOUTHWIND}"),
        &[("shipping_fee", "0.00"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    push_when(w, order.id, |p| p.status == PushStatus::Failed).await;

    let page = open(w, NORTHWIND, &path).await;
    let text = page.text();
    assert!(text.contains("The push failed"), "{text}");
    assert!(text.contains("Order add-on is not active"), "{text}");
    assert!(text.contains("Retry push to Southwind Goods"), "{text}");
    // The list counts it and links to the Failed filter.
    let list = open(w, NORTHWIND, "/app").await;
    assert!(
        list.text().contains("1 order has a failed push."),
        "{}",
        list.text()
    );
    let failed = get(w, &list.link("/app?status=failed")).await;
    assert_eq!(
        order_names(&failed),
        vec![order.order.name.as_str().to_owned()]
    );

    addon_on(w, &s.dest).await;
    let retried = submit(
        w,
        &page,
        &format!("{path}/push/{SOUTHWIND}/retry"),
        &[("shipping_fee", "0.00"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(retried.status, 303, "{}", retried.body);
    assert!(follow(w, &retried).await.text().contains("queued again"));
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    assert_eq!(
        source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key)).len(),
        1
    );
    let page = open(w, NORTHWIND, &path).await;
    let text = page.text();
    assert!(text.contains("Pushed"), "{text}");
    assert!(!text.contains("Retry push"), "{text}");
    assert!(kinds(w, order.id).await.iter().any(|k| k == "push_retried"));
    assert!(text.contains("retried"), "the timeline tells: {text}");
}

#[tokio::test]
async fn shipments_show_the_carrier_and_tracking_links() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(3, Payment::Paid)).await;
    let path = format!("/app/orders/{}", order.id);
    let page = open(w, NORTHWIND, &path).await;
    let done = submit(
        w,
        &page,
        &format!("{path}/push/{SOUTHWIND}"),
        &[("shipping_fee", "0.00"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(done.status, 303);
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let source_order = source_order_id(&pushed);
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
    let mut page = open(w, NORTHWIND, &path).await;
    for _ in 0..600 {
        if page.text().contains("On the order") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        page = open(w, NORTHWIND, &path).await;
    }
    let text = page.text();
    assert!(text.contains("Shipments"), "{text}");
    assert!(text.contains("Carrier UPS"), "{text}");
    assert!(text.contains("Shipped"), "{text}");
    assert!(text.contains("On the order"), "{text}");
    assert!(text.contains("Partially fulfilled"), "{text}");
    for n in ["1Z001", "1Z002"] {
        assert!(
            page.hrefs().contains(&format!("https://track.example/{n}")),
            "{n}"
        );
        assert!(text.contains(n));
    }
    assert!(text.contains("2 × Mug"), "{text}");
}

#[tokio::test]
async fn another_shops_order_is_never_shown_nor_pushed() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, by("Grace", "Hopper")).await;
    install(w, EASTWIND, "destination").await;
    let path = format!("/app/orders/{}", order.id);

    let intruder = open(w, EASTWIND, &path).await;
    assert_eq!(intruder.status, 404, "{}", intruder.body);
    let text = intruder.text();
    assert!(!text.contains(order.order.name.as_str()), "{text}");
    assert!(!text.contains("Hopper"), "{text}");
    assert!(!text.contains("Southwind"), "{text}");

    let list = open(w, EASTWIND, "/app").await;
    assert_eq!(list.status, 200);
    assert!(order_names(&list).is_empty());
    assert!(!list.text().contains("Hopper"));
    let search = open(w, EASTWIND, "/app?q=Hopper").await;
    assert!(order_names(&search).is_empty());

    for action in [
        format!("{path}/push/{SOUTHWIND}"),
        format!("{path}/push/{SOUTHWIND}/retry"),
        format!("{path}/push/{SOUTHWIND}/resolve"),
    ] {
        let refused = submit(
            w,
            &list,
            &action,
            &[("shipping_fee", "5.00"), ("planned_fee", "0.00")],
        )
        .await;
        assert_eq!(refused.status, 404, "{action}: {}", refused.body);
        assert!(!refused.text().contains("Hopper"));
    }
    let id = order.id.to_string();
    let bulk = submit(w, &list, "/app/orders/push", &[("order", &id)]).await;
    assert_eq!(bulk.status, 303, "{}", bulk.body);
    let back = follow(w, &bulk).await;
    assert!(back.text().contains("No such order"), "{}", back.text());
    assert!(!back.text().contains("Hopper"));
    assert!(w.store.pushes_for_order(order.id).await.unwrap().is_empty());

    // Ids that are not numbers name no order.
    assert_eq!(open(w, NORTHWIND, "/app/orders/abc").await.status, 404);
    assert_eq!(open(w, NORTHWIND, "/app/orders/999999").await.status, 404);
    // The owner still sees it.
    assert_eq!(open(w, NORTHWIND, &path).await.status, 200);
}

#[tokio::test]
async fn a_push_needing_attention_is_flagged_and_can_be_marked_resolved() {
    let s = setup(true).await;
    let w = &s.world;
    let order = order_placed(w, checkout(2, Payment::Paid)).await;
    let path = format!("/app/orders/{}", order.id);
    let page = open(w, NORTHWIND, &path).await;
    let done = submit(
        w,
        &page,
        &format!("{path}/push/{SOUTHWIND}"),
        &[("shipping_fee", "0.00"), ("planned_fee", "0.00")],
    )
    .await;
    assert_eq!(done.status, 303);
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let source_order = source_order_id(&pushed);
    let dest_order = order.order.id.numeric();
    // The supplier ships one mug, then the shopper cancels the destination order.
    w.sim.sim.mutate(|world| {
        let line = world.shop(SOUTHWIND).unwrap().orders[&source_order].line_items[0].id;
        fulfill(
            world,
            SOUTHWIND,
            source_order,
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
    let flagged = push_when(w, order.id, |p| p.attention.is_some()).await;
    let attention = flagged.attention.clone().unwrap();

    let page = open(w, NORTHWIND, &path).await;
    let text = page.text();
    assert!(
        text.contains(&format!(
            "Needs your attention: Southwind Goods {attention}"
        )),
        "{text}"
    );
    assert!(text.contains("Mark as resolved"), "{text}");
    let done = submit(w, &page, &format!("{path}/push/{SOUTHWIND}/resolve"), &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = follow(w, &done).await;
    let text = back.text();
    assert!(text.contains("Marked as resolved: the push to"), "{text}");
    assert!(!text.contains("Needs your attention"), "{text}");
    assert!(
        text.contains(&format!("Marked as resolved: {attention}")),
        "the timeline tells: {text}"
    );
    assert_eq!(
        w.store.pushes_for_order(order.id).await.unwrap()[0].attention,
        None
    );
}
