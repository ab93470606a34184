//! Browser tests: the sandbox (the `ordersync` binary with no configuration) driven in headless
//! Chromium through WebDriver, as a shopper and a supplier use the simulator's pages, checking
//! what reaches ordersync. Screenshots are saved as artifacts (see `browser_support`).
//! Skipped with a message when Chromium is not installed, except under `CI=true`.

#![allow(clippy::unwrap_used)]

mod browser_support;
mod sandbox_support;

use browser_support::Browser;
use sandbox_support::{SandboxProcess, DESTINATION, SOURCES};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_orders_on_the_storefront_and_the_order_arrives_in_ordersync() {
    let Some(browser) = Browser::start("storefront").await else {
        return;
    };
    let sandbox = SandboxProcess::start();

    browser.goto(&sandbox.link("Storefront")).await;
    browser.fill("Stoneware Mug", "2").await;
    browser.fill("Wool Throw", "1").await;
    browser.fill("Email", "robin.quill@example.com").await;
    browser.fill("First name", "Robin").await;
    browser.fill("Last name", "Quill").await;
    browser.fill("Address", "7 Lantern Lane").await;
    browser.fill("City", "Portland").await;
    browser.fill("Postal code", "97205").await;
    browser.fill("Country code", "US").await;
    browser.screenshot("filled").await;
    browser.click_button("Place order").await;
    let placed = browser
        .wait_until("the order confirmation", 30, |t| t.contains("placed"))
        .await;
    browser.screenshot("placed").await;
    assert!(!placed.contains("pick at least one product"), "{placed}");

    // The sim's orders/create webhook brings it to ordersync: eligible, waiting for a push to
    // both suppliers.
    let list = sandbox
        .poll(DESTINATION, "/api/orders?q=Robin", 60, |b| {
            b["orders"].as_array().is_some_and(|rows| !rows.is_empty())
        })
        .await;
    let row = &list["orders"][0];
    assert_eq!(row["customer_name"], "Robin Quill", "{row}");
    assert_eq!(row["status"], "not_pushed", "{row}");
    assert_eq!(row["eligible"], true, "{row}");
    let mut sources: Vec<&str> = row["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    sources.sort_unstable();
    assert_eq!(sources, SOURCES.to_vec(), "{row}");
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supplier_fulfills_with_two_tracking_numbers_and_they_reach_the_destination_order() {
    let Some(browser) = Browser::start("supplier-fulfills").await else {
        return;
    };
    let sandbox = SandboxProcess::start();
    let supplier = SOURCES[0];

    // The demo's order waiting for a push to one supplier; the merchant pushes it.
    let rows = sandbox.orders().await;
    let order: &Value = rows
        .iter()
        .find(|r| r["status"] == "not_pushed" && r["sources"].as_array().unwrap().len() == 1)
        .expect("the demo has an order waiting for one supplier");
    assert_eq!(order["sources"][0]["source"], supplier, "{order}");
    let id = order["id"].as_i64().unwrap();
    let (status, body) = sandbox
        .api_post(
            DESTINATION,
            &format!("/api/orders/{id}/push"),
            json!({ "source": supplier }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let detail = sandbox
        .poll(DESTINATION, &format!("/api/orders/{id}"), 60, |d| {
            d["sources"][0]["status"] == "pushed"
        })
        .await;
    let source_order = detail["sources"][0]["push"]["source_order_name"]
        .as_str()
        .unwrap()
        .to_owned();

    // In the supplier's admin: open the order it received and ship it with two numbers.
    browser
        .goto(&sandbox.link(&format!("Supplier admin ({supplier})")))
        .await;
    browser.find("a[href*='/admin/orders/']").await;
    let link = browser
        .client
        .find(fantoccini::Locator::LinkText(&source_order))
        .await
        .unwrap_or_else(|e| panic!("no link to {source_order} in the supplier's admin: {e}"));
    link.click().await.unwrap();
    browser.fill("Carrier", "UPS").await;
    browser
        .fill("Tracking numbers", "1ZBROWSER0001, 1ZBROWSER0002")
        .await;
    browser.screenshot("fulfill-form").await;
    browser.click_button("Fulfill items").await;
    browser
        .wait_until("the shipment", 30, |t| t.contains("1ZBROWSER0002"))
        .await;
    browser.screenshot("supplier-fulfilled").await;

    // The shipment comes back: the push is Fulfilled and the destination order in the sim
    // carries both tracking numbers.
    sandbox
        .poll(DESTINATION, &format!("/api/orders/{id}"), 60, |d| {
            d["sources"][0]["status"] == "fulfilled"
        })
        .await;
    let gid = order["order_gid"].as_str().unwrap();
    let numeric = gid.rsplit('/').next().unwrap();
    browser
        .goto(&format!(
            "{}/shops/{DESTINATION}/admin/orders/{numeric}",
            sandbox.sim_url()
        ))
        .await;
    let text = browser.wait_for_text("1ZBROWSER0002", 60).await;
    assert!(text.contains("1ZBROWSER0001"), "{text}");
    browser.screenshot("destination-tracking").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_link_opens_the_orders_tab_with_the_demo_orders() {
    let Some(browser) = Browser::start("orders-tab").await else {
        return;
    };
    let sandbox = SandboxProcess::start();

    // The printed link mints a session token and lands on /app, as opening the app in the
    // Shopify admin does.
    browser.goto(&sandbox.link("Orders tab")).await;
    let text = browser.wait_for_text("Orders", 30).await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/app", "{url}");
    browser.screenshot("orders-tab").await;
    // The demo's orders with their push statuses.
    for expected in [
        "Gus Petrov",
        "Kai Mercer",
        "Pushed",
        "Partially fulfilled",
        "Fulfilled",
        "Failed",
        "Cancelled",
        "Not pushed",
        "Ineligible",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` not on the Orders tab:\n{text}"
        );
    }

    // A badge is as wide as its text, also alone in its cell (no source store to name).
    let cell = browser
        .client
        .find(fantoccini::Locator::XPath(
            "//tr[contains(., 'Kai Mercer')]//div[contains(@class, 'sources')]",
        ))
        .await
        .unwrap();
    let badge = cell.find(fantoccini::Locator::Css(".badge")).await.unwrap();
    assert_eq!(badge.text().await.unwrap(), "Ineligible");
    let (_, _, badge_width, _) = badge.rectangle().await.unwrap();
    let (_, _, cell_width, _) = cell.rectangle().await.unwrap();
    assert!(
        badge_width < cell_width / 2.0,
        "the Ineligible badge stretches across its cell: {badge_width} of {cell_width} px"
    );

    // Search by customer (the start of the name).
    browser
        .fill("Search by order number or customer", "Gus")
        .await;
    browser.click_button("Search").await;
    browser
        .wait_until("the search result", 30, |t| {
            t.contains("Gus Petrov") && !t.contains("Eli Nakamura")
        })
        .await;

    // Filter by status: the Failed tab shows the failed order only, with its reason.
    browser.goto(&sandbox.link("Orders tab")).await;
    browser
        .find("ul.tabs")
        .await
        .find(fantoccini::Locator::XPath(
            ".//a[starts-with(normalize-space(.), 'Failed')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let failed = browser
        .wait_until("the Failed filter", 30, |t| {
            t.contains("Eli Nakamura") && !t.contains("Gus Petrov")
        })
        .await;
    assert!(failed.contains("refused the order"), "{failed}");
    browser.screenshot("orders-tab-failed").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_details_pushes_one_supplier_with_a_manual_fee_and_shows_the_tracking() {
    let Some(browser) = Browser::start("view-details").await else {
        return;
    };
    let sandbox = SandboxProcess::start();
    let row_link = |customer: &str| {
        format!("//tr[contains(., '{customer}')]//a[contains(normalize-space(.), 'View details')]")
    };

    // The fulfilled demo order: its shipment with both tracking numbers.
    browser.goto(&sandbox.link("Orders tab")).await;
    browser
        .client
        .find(fantoccini::Locator::XPath(&row_link("Cara Moreau")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = browser
        .wait_until("the fulfilled order's details", 30, |t| {
            t.contains("9400SANDBOX0003")
        })
        .await;
    assert!(text.contains("9400SANDBOX0002"), "{text}");
    assert!(text.contains("Fulfilled"), "{text}");
    browser.screenshot("fulfilled-order").await;

    // The order waiting for Alder Ceramics: push it with a manual shipping fee.
    browser.goto(&sandbox.link("Orders tab")).await;
    browser
        .client
        .find(fantoccini::Locator::XPath(&row_link("Fay Holloway")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.fill("Shipping fee", "7.25").await;
    browser.screenshot("before-push").await;
    browser.click_button("Push to Alder Ceramics").await;
    browser
        .wait_until("the push confirmation", 30, |t| t.contains("queued"))
        .await;
    let text = browser.wait_for_text("Pushed items", 60).await;
    assert!(text.contains("7.25"), "{text}");
    browser.screenshot("pushed").await;

    // What ordersync sent: the manual fee as the source order's shipping.
    let rows = sandbox.orders().await;
    let id = rows
        .iter()
        .find(|r| r["customer_name"] == "Fay Holloway")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let detail = sandbox
        .poll(DESTINATION, &format!("/api/orders/{id}"), 30, |d| {
            d["sources"][0]["status"] == "pushed"
        })
        .await;
    let push = &detail["sources"][0]["push"];
    assert!(push.to_string().contains("7.25"), "{push:#}");
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_automated_push_on_a_storefront_order_is_pushed_without_a_click() {
    let Some(browser) = Browser::start("auto-push").await else {
        return;
    };
    let sandbox = SandboxProcess::start();

    // The merchant turns automated push on at the top right of the Orders tab, and confirms.
    browser.goto(&sandbox.link("Orders tab")).await;
    browser.click_button("Turn on").await;
    browser
        .wait_until("the confirmation page", 30, |t| t.contains("What changes"))
        .await;
    browser.screenshot("confirm").await;
    browser.click_button("Turn on automated push").await;
    browser
        .wait_until("automated push on", 30, |t| t.contains("Turn off"))
        .await;
    let (_, settings) = sandbox.api_get(DESTINATION, "/api/settings/push").await;
    assert_eq!(settings["auto_push"], true, "{settings}");

    // A shopper orders from one supplier; nobody clicks Push.
    browser.goto(&sandbox.link("Storefront")).await;
    browser.fill("Table Runner", "2").await;
    for (label, value) in [
        ("Email", "sam.ortiz@example.com"),
        ("First name", "Sam"),
        ("Last name", "Ortiz"),
        ("Address", "12 Quay Street"),
        ("City", "Savannah"),
        ("Postal code", "31401"),
        ("Country code", "US"),
    ] {
        browser.fill(label, value).await;
    }
    browser.click_button("Place order").await;
    browser
        .wait_until("the order confirmation", 30, |t| t.contains("placed"))
        .await;

    let list = sandbox
        .poll(DESTINATION, "/api/orders?q=Sam", 90, |b| {
            b["orders"][0]["status"] == "pushed"
        })
        .await;
    assert_eq!(list["orders"][0]["customer_name"], "Sam Ortiz");
    assert_eq!(list["orders"][0]["sources"][0]["source"], SOURCES[1]);

    // The Orders tab shows it Pushed.
    browser.goto(&sandbox.link("Orders tab")).await;
    let text = browser.wait_for_text("Sam Ortiz", 30).await;
    assert!(text.contains("Turn off"), "{text}");
    browser.screenshot("orders-tab").await;
    browser.finish().await;
}

/// Types `text` into the input `css` (replacing what it held).
async fn type_into(browser: &Browser, css: &str, text: &str) {
    let field = browser.find(css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks the link whose text contains `text` (a nav item, a row's View details).
async fn click_link(browser: &Browser, text: &str) {
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(fantoccini::Locator::XPath(&format!(
            "//a[contains(normalize-space(.), \"{text}\")]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no link `{text}`: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks the link `text` in the table row mentioning `row` (waiting for it).
async fn click_link_in_row(browser: &Browser, row: &str, text: &str) {
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(fantoccini::Locator::XPath(&format!(
            "//tr[contains(., \"{row}\")]//a[contains(normalize-space(.), \"{text}\")]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no link `{text}` in the row of {row}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The field `css` is marked invalid and its error, linked by `aria-describedby`, is shown next
/// to it and mentions `expected`; answers the error's text.
async fn expect_field_error(browser: &Browser, css: &str, expected: &str) -> String {
    // Waits for the page answering the submit (the field marked invalid).
    let field = browser.find(&format!("{css}[aria-invalid='true']")).await;
    let id = field
        .attr("id")
        .await
        .unwrap()
        .expect("the field has an id");
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true"),
        "`{css}` is not marked aria-invalid"
    );
    let described = field.attr("aria-describedby").await.unwrap();
    let error_id = format!("{id}-error");
    assert!(
        described
            .as_deref()
            .is_some_and(|d| d.split_whitespace().any(|x| x == error_id)),
        "`{css}` is not described by its error: {described:?}"
    );
    let error = browser.find(&format!("#{error_id}")).await;
    assert!(
        error.is_displayed().await.unwrap(),
        "the error of `{css}` is hidden"
    );
    let text = error.text().await.unwrap();
    assert!(
        text.to_lowercase().contains(&expected.to_lowercase()),
        "the error of `{css}` does not mention `{expected}`: {text}"
    );
    // Next to the field: in the same `.field` block.
    let block = field
        .find(fantoccini::Locator::XPath(
            "./ancestor::div[contains(@class, 'field')][1]",
        ))
        .await
        .unwrap();
    assert!(
        block.text().await.unwrap().contains(&text),
        "the error of `{css}` is not next to it"
    );
    text
}

/// The `orderCreate` calls ordersync made at `shop`, from the simulator's journal.
async fn order_creates(sandbox: &SandboxProcess, shop: &str) -> Vec<Value> {
    let url = format!("{}/_sim/journal/calls?shop={shop}", sandbox.sim_url());
    let calls: Vec<Value> = reqwest::get(&url).await.unwrap().json().await.unwrap();
    calls
        .into_iter()
        .filter(|c| {
            c["root_fields"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == "orderCreate"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_settings_contact_email_and_a_shipping_rule_reach_the_source_order() {
    let Some(browser) = Browser::start("push-settings").await else {
        return;
    };
    let sandbox = SandboxProcess::start();
    let supplier = SOURCES[0];

    // Connections and Plan & Billing as the destination store's merchant.
    browser.goto(&sandbox.link("Orders tab")).await;
    click_link(&browser, "Connections").await;
    browser
        .wait_until("Connections", 30, |t| t.contains("Synced products"))
        .await;
    browser.screenshot("connections").await;
    click_link(&browser, "Plan & Billing").await;
    browser.find("#addon").await;
    browser.screenshot("billing").await;

    // Order Push Settings: a custom contact email, then a flat-rate shipping rule.
    click_link(&browser, "Order Push Settings").await;
    browser
        .find("#contact_method-custom")
        .await
        .click()
        .await
        .unwrap();
    type_into(&browser, "#custom_email", "dropship@harbor-home.example").await;
    browser.click_button("Save").await;
    browser
        .wait_until("the settings saved", 30, |t| {
            t.contains("Order Push Settings saved")
        })
        .await;
    browser.fill("Shipping line title", "Flat rate").await;
    type_into(&browser, "#new-rule-fee", "9.50").await;
    browser.click_button("Add rule").await;
    browser
        .wait_until("the rule listed", 30, |t| {
            t.contains("Flat rate") && t.contains("9.50")
        })
        .await;
    browser.screenshot("settings").await;
    let (_, settings) = sandbox.api_get(DESTINATION, "/api/settings/push").await;
    assert!(
        settings
            .to_string()
            .contains("dropship@harbor-home.example"),
        "{settings:#}"
    );

    // Push the order waiting for Alder Ceramics from View Details: the plan shows the email and
    // the rule's fee, and nobody types a fee.
    let before = order_creates(&sandbox, supplier).await.len();
    click_link(&browser, "Orders").await;
    click_link_in_row(&browser, "Fay Holloway", "View details").await;
    let text = browser
        .wait_until("the order's details", 30, |t| {
            t.contains("Push to Alder Ceramics")
        })
        .await;
    assert!(text.contains("dropship@harbor-home.example"), "{text}");
    let planned = browser.find("#s0-shipping_fee").await;
    assert_eq!(
        planned.prop("value").await.unwrap().as_deref(),
        Some("9.50"),
        "the rule's fee is not the planned fee"
    );
    browser.click_button("Push to Alder Ceramics").await;
    browser
        .wait_until("the push confirmation", 30, |t| t.contains("queued"))
        .await;
    browser.wait_for_text("Pushed items", 60).await;
    browser.screenshot("pushed").await;

    // What the source store received, from the simulator's journal of Admin API calls.
    let creates = order_creates(&sandbox, supplier).await;
    assert_eq!(creates.len(), before + 1, "{creates:#?}");
    let sent = &creates.last().unwrap()["variables"];
    let order = sent
        .as_object()
        .unwrap()
        .values()
        .find(|v| v.get("email").is_some())
        .unwrap_or_else(|| panic!("no order input in {sent:#}"));
    assert_eq!(order["email"], "dropship@harbor-home.example", "{sent:#}");
    let shipping = order["shippingLines"].to_string();
    assert!(
        shipping.contains("Flat rate") && shipping.contains("9.5"),
        "{sent:#}"
    );
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_store_sees_the_addon_toggle_disabled_with_the_reason() {
    let Some(browser) = Browser::start("source-store").await else {
        return;
    };
    let sandbox = SandboxProcess::start();
    browser
        .goto(&format!(
            "{}/sandbox/open?shop={}",
            sandbox.app_url().trim_end_matches('/'),
            SOURCES[0]
        ))
        .await;
    browser.wait_for_text("Received orders", 30).await;
    browser.screenshot("received").await;
    click_link(&browser, "Plan & Billing").await;
    let text = browser
        .wait_until("Plan & Billing", 30, |t| {
            t.contains("This is a source store, so it receives pushed orders")
        })
        .await;
    assert!(
        text.contains("This is a source store, so it receives pushed orders without the add-on"),
        "{text}"
    );
    let toggle = browser.find("#addon").await;
    assert!(!toggle.is_enabled().await.unwrap(), "the toggle is enabled");
    assert!(!toggle.is_selected().await.unwrap(), "the toggle is on");
    let next = browser
        .client
        .find(fantoccini::Locator::XPath(
            "//button[normalize-space(.) = 'Next']",
        ))
        .await
        .unwrap();
    assert!(!next.is_enabled().await.unwrap(), "Next is enabled");
    browser.screenshot("billing").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_in_every_form_shows_the_error_next_to_the_field() {
    let Some(browser) = Browser::start("bad-input").await else {
        return;
    };
    let sandbox = SandboxProcess::start();
    browser.goto(&sandbox.link("Orders tab")).await;

    // Order Push Settings: an invalid custom email and hold; nothing is saved.
    click_link(&browser, "Order Push Settings").await;
    browser
        .find("#contact_method-custom")
        .await
        .click()
        .await
        .unwrap();
    type_into(&browser, "#custom_email", "not-an-email").await;
    browser.fill("Hold before auto push", "ten").await;
    browser.click_button("Save").await;
    browser
        .wait_until("the errors", 30, |t| t.contains("were not saved"))
        .await;
    expect_field_error(&browser, "#custom_email", "is not a valid email address").await;
    expect_field_error(&browser, "#hold_minutes", "whole number of minutes").await;
    browser.screenshot("settings").await;
    let (_, settings) = sandbox.api_get(DESTINATION, "/api/settings/push").await;
    assert!(!settings.to_string().contains("not-an-email"), "{settings}");

    // A shipping rule with a fee that is not an amount.
    browser.fill("Shipping line title", "Flat rate").await;
    type_into(&browser, "#new-rule-fee", "nine").await;
    browser.click_button("Add rule").await;
    browser
        .wait_until("the rule's errors", 30, |t| {
            t.contains("rule was not saved")
        })
        .await;
    expect_field_error(&browser, "#new-rule-fee", "Enter the fee").await;
    browser.screenshot("rule").await;

    // Connections: a connection key that is not one, and a manual link to no variant.
    click_link(&browser, "Connections").await;
    browser
        .fill("Source store's connection key", "not-a-key")
        .await;
    browser.click_button("Connect").await;
    expect_field_error(&browser, "#key", "No store has this connection key").await;
    browser.screenshot("connect").await;
    click_link(&browser, "Connections").await;
    browser
        .wait_until("Connections again", 30, |t| {
            !t.contains("No store has this connection key")
        })
        .await;
    let form = browser.find("form.link-form").await;
    let variant = form
        .find(fantoccini::Locator::Css("input[name='source_variant_id']"))
        .await
        .unwrap();
    variant.send_keys("not a variant").await.unwrap();
    form.find(fantoccini::Locator::Css("button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    expect_field_error(
        &browser,
        "form.link-form input[name='source_variant_id'][aria-invalid='true']",
        "is not a variant id",
    )
    .await;
    browser.screenshot("link").await;

    // View Details: a shipping fee that is not an amount; nothing is pushed.
    click_link(&browser, "Orders").await;
    click_link_in_row(&browser, "Fay Holloway", "View details").await;
    type_into(&browser, "#s0-shipping_fee", "seven").await;
    browser.click_button("Push to Alder Ceramics").await;
    expect_field_error(&browser, "#s0-shipping_fee", "must be a number").await;
    browser.screenshot("push").await;
    let rows = sandbox.orders().await;
    let fay = rows
        .iter()
        .find(|r| r["customer_name"] == "Fay Holloway")
        .unwrap();
    assert_eq!(fay["status"], "not_pushed", "{fay}");
    browser.finish().await;
}
