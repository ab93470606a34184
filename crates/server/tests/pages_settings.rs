//! The settings-side merchant pages over real HTTP against shopify-sim: Order Push Settings
//! (`/app/settings`), Plan & Billing (`/app/billing`), Connections and synced products
//! (`/app/connections`) and Received orders (`/app/received`). Each form is posted as a browser
//! without JavaScript posts it (the session token in the `id_token` field), the redirect is
//! followed as a browser follows it, and what was saved is checked in storage and, for the
//! settings, on the order a push creates in the source store.

#![allow(clippy::unwrap_used)]

mod auth_support;
mod engine_support;

use std::time::Duration;

use auth_support::{domain, World, NORTHWIND};
use engine_support::*;
use ordersync_core::{EmailContactMethod, OrderPushSettings, PriceBasis, PushStatus};
use ordersync_store::shops::ShopRecord;
use rust_decimal::Decimal;
use serde_json::json;
use shopify_sim::merchant::Payment;

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

/// GET an app page as the shop's merchant (Shopify's session token in `id_token`).
async fn page(w: &World, shop: &str, path: &str) -> Answer {
    let token = w.session_token(shop);
    let sep = if path.contains('?') { '&' } else { '?' };
    let (status, location, body) = w
        .get(&format!("{}{path}{sep}id_token={token}", w.base))
        .await;
    Answer {
        status,
        location,
        body,
    }
}

/// POST a form as the shop's merchant.
async fn post(w: &World, shop: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    form.push(("id_token".to_owned(), w.session_token(shop)));
    let response = w
        .http
        .post(format!("{}{path}", w.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    Answer {
        status,
        location,
        body: response.text().await.unwrap(),
    }
}

/// A POST that must redirect back to `path` (POST/redirect/GET): answers the page it leads to.
async fn post_ok(w: &World, shop: &str, path: &str, back: &str, fields: &[(&str, &str)]) -> String {
    let a = post(w, shop, path, fields).await;
    assert_eq!(a.status, 303, "POST {path}: {}", a.body);
    let location = a.location.unwrap();
    assert!(location.starts_with(back), "{location}");
    assert!(location.contains("id_token="), "{location}");
    let (status, _, body) = w.get(&format!("{}{location}", w.base)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn shop(w: &World, name: &str) -> ShopRecord {
    w.store
        .shop_by_domain(&domain(name))
        .await
        .unwrap()
        .unwrap()
}

async fn stored_settings(w: &World) -> OrderPushSettings {
    let dest = shop(w, NORTHWIND).await;
    w.store.push_settings(dest.id).await.unwrap()
}

const GENERAL_OK: [(&str, &str); 5] = [
    ("contact_method", "custom"),
    ("custom_email", "orders@northwind.example"),
    ("price_basis", "destination_price"),
    ("notify_customer", "1"),
    ("hold_minutes", "0"),
];

#[tokio::test]
async fn settings_saved_on_the_page_reach_the_source_order() {
    let s = setup(true).await;
    let w = &s.world;

    let first = page(w, NORTHWIND, "/app/settings").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("<h1"), "{}", first.body);
    assert!(first.body.contains("Order Push Settings"));
    assert!(first.body.contains("No shipping rate rules"));
    assert!(
        first.body.contains("$0.00 shipping"),
        "the default stated plainly"
    );

    // The general settings.
    let saved = post_ok(
        w,
        NORTHWIND,
        "/app/settings",
        "/app/settings",
        &[
            ("contact_method", "custom"),
            ("custom_email", "orders@northwind.example"),
            ("price_basis", "source_price"),
            ("hold_minutes", "15"),
        ],
    )
    .await;
    assert!(saved.contains("Order Push Settings saved"), "{saved}");
    assert!(saved.contains(r#"value="orders@northwind.example""#));
    let stored = stored_settings(w).await;
    assert_eq!(
        stored.contact,
        EmailContactMethod::Custom(
            ordersync_core::Email::parse("orders@northwind.example").unwrap()
        )
    );
    assert_eq!(stored.price_basis, PriceBasis::SourcePrice);
    assert!(!stored.notify_customer, "the unchecked box is saved");
    assert_eq!(stored.hold_minutes.get(), 15);

    // Back to the destination price and no hold, notify on.
    post_ok(w, NORTHWIND, "/app/settings", "/app/settings", &GENERAL_OK).await;
    let stored = stored_settings(w).await;
    assert_eq!(stored.price_basis, PriceBasis::DestinationPrice);
    assert!(stored.notify_customer);
    assert_eq!(stored.hold_minutes.get(), 0);

    // Rules: add three, edit, reorder, delete.
    let body = post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules",
        "/app/settings",
        &[
            ("title", "Canada only"),
            ("fee", "12"),
            ("countries", "CA"),
            ("source_store", ""),
            ("min_subtotal", ""),
        ],
    )
    .await;
    assert!(body.contains("Canada only"), "{body}");
    assert!(body.contains("added"));
    assert!(body.contains("When no rule matches"));
    post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules",
        "/app/settings",
        &[("title", "Temporary"), ("fee", "1")],
    )
    .await;
    post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules",
        "/app/settings",
        &[
            ("title", "Flat"),
            ("fee", "3"),
            ("source_store", SOUTHWIND),
            ("countries", "us"),
            ("min_subtotal", "5"),
        ],
    )
    .await;
    let edit = page(w, NORTHWIND, "/app/settings?edit=2").await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("Edit rule 3"), "{}", edit.body);
    post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules/2",
        "/app/settings",
        &[
            ("title", "Flat rate"),
            ("fee", "4.25"),
            ("source_store", SOUTHWIND),
            ("countries", "US"),
            ("min_subtotal", ""),
        ],
    )
    .await;
    // Flat rate to the top: it matches first.
    let moved = post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules/2/move",
        "/app/settings",
        &[("direction", "up")],
    )
    .await;
    assert!(moved.contains("moved to position 2"), "{moved}");
    post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules/1/move",
        "/app/settings",
        &[("direction", "up")],
    )
    .await;
    let deleted = post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules/2/delete",
        "/app/settings",
        &[("title", "Temporary")],
    )
    .await;
    assert!(deleted.contains("deleted"), "{deleted}");
    let stored = stored_settings(w).await;
    let titles: Vec<_> = stored
        .shipping_rules
        .rules()
        .iter()
        .map(|r| r.title().to_owned())
        .collect();
    assert_eq!(titles, vec!["Flat rate", "Canada only"]);
    let flat = &stored.shipping_rules.rules()[0];
    assert_eq!(flat.fee(), Decimal::new(425, 2));
    assert_eq!(flat.conditions().source_store, Some(domain(SOUTHWIND)));
    assert_eq!(flat.conditions().countries.len(), 1);
    assert_eq!(flat.conditions().min_items_subtotal, None);

    // A push now carries the custom email and the Flat rate rule's fee.
    let order = order_placed(w, checkout(2, Payment::Paid)).await;
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let created = source_orders_tagged(w, &format!("ordersync-{}", pushed.push_key));
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].email.as_deref(),
        Some("orders@northwind.example")
    );
    assert_eq!(created[0].shipping_lines[0].title, "Flat rate");
    assert_eq!(created[0].shipping_lines[0].price, Decimal::new(425, 2));
    s.world.stop().await;
}

#[tokio::test]
async fn bad_input_in_every_settings_form_is_422_next_to_the_field_and_changes_nothing() {
    let s = setup(false).await;
    let w = &s.world;
    post_ok(w, NORTHWIND, "/app/settings", "/app/settings", &GENERAL_OK).await;
    post_ok(
        w,
        NORTHWIND,
        "/app/settings/rules",
        "/app/settings",
        &[("title", "Standard"), ("fee", "5")],
    )
    .await;
    let before = stored_settings(w).await;

    let bad = post(
        w,
        NORTHWIND,
        "/app/settings",
        &[
            ("contact_method", "custom"),
            ("custom_email", "orders at northwind"),
            ("price_basis", "destination_price"),
            ("hold_minutes", "20000"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("is not a valid email address"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains(r#"id="custom_email-error""#));
    assert!(bad.body.contains(r#"aria-invalid="true""#));
    assert!(bad.body.contains("at most 10080 minutes"));
    assert!(
        bad.body.contains(r#"value="orders at northwind""#),
        "what was typed is kept"
    );
    assert_eq!(stored_settings(w).await, before);

    let bad = post(
        w,
        NORTHWIND,
        "/app/settings",
        &[("contact_method", "custom"), ("price_basis", "cheapest")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter the email address"), "{}", bad.body);
    assert!(bad.body.contains("Choose which price pushed items carry"));
    assert_eq!(stored_settings(w).await, before);

    // Adding a rule.
    let bad = post(
        w,
        NORTHWIND,
        "/app/settings/rules",
        &[
            ("title", ""),
            ("fee", "-4"),
            ("countries", "USA"),
            ("source_store", "nowhere.myshopify.com"),
            ("min_subtotal", "x"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for error in [
        r#"id="new-rule-title-error""#,
        r#"id="new-rule-fee-error""#,
        r#"id="new-rule-countries-error""#,
        r#"id="new-rule-source_store-error""#,
        r#"id="new-rule-min_subtotal-error""#,
    ] {
        assert!(bad.body.contains(error), "{error}: {}", bad.body);
    }
    assert!(bad.body.contains("is not an amount"));
    assert!(bad.body.contains("not a two-letter country code"));
    assert_eq!(stored_settings(w).await, before);

    // Editing a rule.
    let bad = post(
        w,
        NORTHWIND,
        "/app/settings/rules/0",
        &[("title", "Standard"), ("fee", "5.123")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains(r#"id="rule0-fee-error""#), "{}", bad.body);
    assert!(bad.body.contains("at most 2 decimal places"));
    assert_eq!(stored_settings(w).await, before);

    // A rule that is not there, a bad move, a stale delete.
    let gone = post(
        w,
        NORTHWIND,
        "/app/settings/rules/7",
        &[("title", "X"), ("fee", "1")],
    )
    .await;
    assert_eq!(gone.status, 404);
    assert!(gone.body.contains("no longer exists"), "{}", gone.body);
    let bad = post(
        w,
        NORTHWIND,
        "/app/settings/rules/0/move",
        &[("direction", "up")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Nothing was changed"), "{}", bad.body);
    let stale = post(
        w,
        NORTHWIND,
        "/app/settings/rules/0/delete",
        &[("title", "Another rule")],
    )
    .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stored_settings(w).await, before);

    // Without a token: the 401 page, nothing changed.
    let response = w
        .http
        .post(format!("{}/app/settings", w.base))
        .form(&GENERAL_OK)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(stored_settings(w).await, before);

    // A source store has no Order Push Settings.
    install(w, EASTWIND_SOURCE, "source").await;
    let refused = page(w, EASTWIND_SOURCE, "/app/settings").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("source store"), "{}", refused.body);
    let refused = post(w, EASTWIND_SOURCE, "/app/settings", &GENERAL_OK).await;
    assert_eq!(refused.status, 403);
    s.world.stop().await;
}

const EASTWIND_SOURCE: &str = auth_support::EASTWIND;

#[tokio::test]
async fn the_addon_switches_on_through_the_sims_approval_and_is_refused_for_a_source_store() {
    let s = setup(false).await;
    let w = &s.world;
    let dest = shop(w, NORTHWIND).await;

    let off = page(w, NORTHWIND, "/app/billing").await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert!(off.body.contains("Plan &amp; Billing"), "{}", off.body);
    assert!(off.body.contains(">Off<"), "{}", off.body);
    assert!(off.body.contains(">Next<"));

    // Next without the toggle: the error next to it.
    let bad = post(w, NORTHWIND, "/app/billing", &[]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains(r#"id="addon-error""#), "{}", bad.body);

    // The toggle, Next: straight to Shopify's approval page (standalone).
    let next = post(w, NORTHWIND, "/app/billing", &[("addon", "on")]).await;
    assert_eq!(next.status, 303, "{}", next.body);
    let confirmation = next.location.unwrap();
    assert!(confirmation.starts_with(&w.sim.url()), "{confirmation}");
    let waiting = page(w, NORTHWIND, "/app/billing").await;
    assert!(
        waiting.body.contains("Waiting for approval"),
        "{}",
        waiting.body
    );
    assert!(waiting.body.contains("Approve in Shopify"));
    assert!(waiting.body.contains(&confirmation.replace('&', "&amp;")));

    // Embedded, the page links to it for the top window.
    let token = w.session_token(NORTHWIND);
    let embedded = w
        .http
        .post(format!("{}/app/billing", w.base))
        .form(&[
            ("addon", "on"),
            ("id_token", token.as_str()),
            ("embedded", "1"),
            ("host", "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvbm9ydGh3aW5k"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(embedded.status().as_u16(), 200);
    let text = embedded.text().await.unwrap();
    assert!(text.contains(r#"target="_top""#), "{text}");
    assert!(text.contains("Continue to Shopify"));

    // The merchant approves in the simulator and comes back.
    let approved = w
        .http
        .post(&confirmation)
        .form(&[("decision", "approve")])
        .send()
        .await
        .unwrap();
    let back = approved.headers()["location"].to_str().unwrap().to_owned();
    w.get(&back).await;
    let active = page(w, NORTHWIND, "/app/billing").await;
    assert!(active.body.contains(">Active<"), "{}", active.body);
    assert_eq!(
        w.store.order_addon(dest.id).await.unwrap().addon.state(),
        ordersync_core::AddonState::Active
    );

    // Switching off.
    let body = post_ok(w, NORTHWIND, "/app/billing/off", "/app/billing", &[]).await;
    assert!(body.contains("switched off"), "{body}");
    assert!(body.contains(">Off<"));

    // A source store: the toggle disabled with the reason, and the POST refused before Shopify.
    install(w, SOUTHWIND, "source").await;
    let src = shop(w, SOUTHWIND).await;
    let source_page = page(w, SOUTHWIND, "/app/billing").await;
    assert_eq!(source_page.status, 200);
    assert!(
        source_page.body.contains("This is a source store"),
        "{}",
        source_page.body
    );
    assert!(source_page.body.contains("disabled"));
    let refused = post(w, SOUTHWIND, "/app/billing", &[("addon", "on")]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("This is a source store"));
    assert_eq!(
        w.store.order_addon(src.id).await.unwrap().addon.state(),
        ordersync_core::AddonState::Off(ordersync_core::OffReason::NeverSwitchedOn)
    );
    assert_eq!(
        w.installation(SOUTHWIND).unwrap().app_subscriptions.len(),
        0,
        "Shopify was never asked for a charge"
    );
    s.world.stop().await;
}

async fn wait_for(w: &World, shop: &str, path: &str, text: &str) -> String {
    let mut last = String::new();
    for _ in 0..400 {
        let a = page(w, shop, path).await;
        if a.body.contains(text) && !a.body.contains("Re-matching") {
            return a.body;
        }
        last = a.body;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{path} never showed {text}: {last}");
}

#[tokio::test]
async fn connections_page_connects_by_key_refuses_bad_keys_and_links_by_hand() {
    let w = auth_support::start().await;
    w.sim.sim.mutate(|world| {
        world.add_shop(
            SOUTHWIND,
            "Southwind Goods",
            "owner@southwind.example",
            "USD",
        );
    });
    install(&w, NORTHWIND, "destination").await;
    install(&w, SOUTHWIND, "source").await;
    product(&w, NORTHWIND, "MUG", 1250);
    let source_variant = product(&w, SOUTHWIND, "MUG", 900);
    let dest = shop(&w, NORTHWIND).await;
    let src = shop(&w, SOUTHWIND).await;

    let empty = page(&w, NORTHWIND, "/app/connections").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(
        empty.body.contains(&dest.connection_key),
        "the key as selectable text"
    );
    assert!(empty.body.contains("data-copy"), "the copy button");
    assert!(empty.body.contains("No source stores connected"));

    // The source store's page: its key and who to give it to.
    let source_page = page(&w, SOUTHWIND, "/app/connections").await;
    assert!(source_page.body.contains(&src.connection_key));
    assert!(source_page
        .body
        .contains("No destination store connected yet"));

    for (key, error) in [
        ("", "Enter the source store"),
        ("not-a-key", "No store has this connection key"),
        (dest.connection_key.as_str(), "own connection key"),
    ] {
        let bad = post(&w, NORTHWIND, "/app/connections", &[("key", key)]).await;
        assert_eq!(bad.status, 422, "{key}: {}", bad.body);
        assert!(bad.body.contains(error), "{key}: {}", bad.body);
        assert!(bad.body.contains(r#"id="key-error""#));
    }
    // A source store cannot connect.
    let refused = post(
        &w,
        SOUTHWIND,
        "/app/connections",
        &[("key", &dest.connection_key)],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(w.store.source_stores_of(dest.id).await.unwrap().is_empty());

    let connected = post_ok(
        &w,
        NORTHWIND,
        "/app/connections",
        "/app/connections",
        &[("key", &src.connection_key)],
    )
    .await;
    assert!(
        connected.contains("Connected to Southwind Goods"),
        "{connected}"
    );
    let again = post(
        &w,
        NORTHWIND,
        "/app/connections",
        &[("key", &src.connection_key)],
    )
    .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("already connected"), "{}", again.body);

    // Matched by SKU.
    let matched = wait_for(&w, NORTHWIND, "/app/connections?status=matched", ">by SKU<").await;
    assert!(matched.contains("MUG"));
    let source_page = page(&w, SOUTHWIND, "/app/connections").await;
    assert!(
        source_page.body.contains("Northwind"),
        "{}",
        source_page.body
    );

    // Unlink, then it is listed as unlinked.
    let synced = w.store.synced_variants(dest.id).await.unwrap();
    let dest_variant = synced[0].variant.destination_variant.as_str().to_owned();
    let body = post_ok(
        &w,
        NORTHWIND,
        "/app/connections/unlink",
        "/app/connections",
        &[("variant_id", &dest_variant)],
    )
    .await;
    assert!(body.contains("Unlinked variant"), "{body}");
    let unlinked = wait_for(
        &w,
        NORTHWIND,
        "/app/connections?status=unlinked",
        "Unlinked by hand",
    )
    .await;
    assert!(
        !unlinked.contains("Matched ("),
        "the matched list is filtered out"
    );
    assert!(w.store.synced_variants(dest.id).await.unwrap().is_empty());

    // Link by hand: a bad id is refused next to the field; a good one links.
    let bad = post(
        &w,
        NORTHWIND,
        "/app/connections/link",
        &[
            ("variant_id", &dest_variant),
            ("source", SOUTHWIND),
            ("source_variant_id", "not an id"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("source_variant_id-error"), "{}", bad.body);
    assert!(bad.body.contains("“not an id”"));
    let bad = post(
        &w,
        NORTHWIND,
        "/app/connections/link",
        &[
            ("variant_id", &dest_variant),
            ("source", "elsewhere.myshopify.com"),
            ("source_variant_id", "1"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("not connected to"), "{}", bad.body);
    assert!(w.store.synced_variants(dest.id).await.unwrap().is_empty());
    let linked = post_ok(
        &w,
        NORTHWIND,
        "/app/connections/link",
        "/app/connections",
        &[
            ("variant_id", &dest_variant),
            ("source", SOUTHWIND),
            ("source_variant_id", &source_variant.to_string()),
        ],
    )
    .await;
    assert!(linked.contains("Linked variant"), "{linked}");
    wait_for(
        &w,
        NORTHWIND,
        "/app/connections?status=matched",
        ">linked by hand<",
    )
    .await;

    let rematch = post_ok(
        &w,
        NORTHWIND,
        "/app/connections/rematch",
        "/app/connections",
        &[],
    )
    .await;
    assert!(rematch.contains("Re-match queued"));

    // Disconnect asks first, then disconnects.
    let ask = page(
        &w,
        NORTHWIND,
        &format!("/app/connections?disconnect={SOUTHWIND}"),
    )
    .await;
    assert!(
        ask.body.contains(r#"name="confirm" value="yes""#),
        "{}",
        ask.body
    );
    let unconfirmed = post(
        &w,
        NORTHWIND,
        "/app/connections/disconnect",
        &[("source", SOUTHWIND)],
    )
    .await;
    assert_eq!(unconfirmed.status, 200);
    assert_eq!(w.store.source_stores_of(dest.id).await.unwrap().len(), 1);
    let done = post_ok(
        &w,
        NORTHWIND,
        "/app/connections/disconnect",
        "/app/connections",
        &[("source", SOUTHWIND), ("confirm", "yes")],
    )
    .await;
    assert!(done.contains("Disconnected"), "{done}");
    assert!(w.store.source_stores_of(dest.id).await.unwrap().is_empty());
    w.stop().await;
}

#[tokio::test]
async fn a_source_store_sees_the_orders_it_received() {
    let s = setup(true).await;
    let w = &s.world;

    let empty = page(w, SOUTHWIND, "/app/received").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(
        empty.body.contains("No pushed orders yet"),
        "{}",
        empty.body
    );
    assert!(empty.body.contains("Connections"));
    let refused = page(w, NORTHWIND, "/app/received").await;
    assert_eq!(refused.status, 403);

    let order = order_placed(w, checkout(1, Payment::Paid)).await;
    let (status, body) = push(w, &s.dest, order.id, json!({ "source": SOUTHWIND })).await;
    assert_eq!(status, 202, "{body}");
    let pushed = push_when(w, order.id, |p| p.status == PushStatus::Pushed).await;
    let source_name = pushed.source_order_name.clone().unwrap();

    let list = page(w, SOUTHWIND, "/app/received").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&source_name), "{}", list.body);
    assert!(list.body.contains(order.order.name.as_str()));
    assert!(list.body.contains("Northwind Supply"));
    assert!(list.body.contains(NORTHWIND));
    assert!(list.body.contains(">Pushed<"));

    // The JSON API says the same.
    let token = w.session_token(SOUTHWIND);
    let (status, api) = w
        .api("GET", "/api/received-orders", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{api}");
    assert_eq!(api["orders"][0]["destination"], NORTHWIND);
    assert_eq!(
        api["orders"][0]["destination_order"],
        order.order.name.as_str()
    );
    assert_eq!(api["orders"][0]["source_order_name"], source_name.as_str());
    assert_eq!(api["orders"][0]["status"], "pushed");
    assert!(api["next"].is_null());
    let (status, bad) = w
        .api("GET", "/api/received-orders?after=zzz", Some(&token), None)
        .await;
    assert_eq!(status, 400);
    assert!(bad["error"].as_str().unwrap().contains("`after`"));
    let bad_page = page(w, SOUTHWIND, "/app/received?after=zzz").await;
    assert_eq!(bad_page.status, 400);
    s.world.stop().await;
}
