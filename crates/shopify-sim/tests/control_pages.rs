//! The merchant pages a person uses: the admin home lists products and installed apps, the app
//! can be uninstalled from it, and the storefront offers the shop's variants and refuses an
//! empty cart with a message. Then the whole merchant flow through the forms, posted as a browser
//! posts them: checkout, mark paid, a quantity edit, a fulfillment with tracking, tracking
//! changed, the fulfillment and an order cancelled; each redirect shows the outcome, the Admin
//! API shows the change and the app receives the webhooks.

#![allow(clippy::unwrap_used)]

mod sim_http;
mod webhooks_support;

use reqwest::redirect::Policy;
use rust_decimal::Decimal;
use shopify_sim::merchant::{create_product, NewProduct, NewVariant};
use shopify_sim::state::App;
use shopify_sim::{oauth, RunningSim, Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";

async fn start() -> (RunningSim, String) {
    let sim = Sim::new(SimConfig::fast());
    let token = sim.mutate(|w| {
        w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        w.apps.insert(
            "key".into(),
            App {
                api_key: "key".into(),
                secret: "secret".into(),
                scopes: vec!["read_orders".into()],
                redirect_urls: vec![],
                title: "Ordersync".into(),
                compliance_url: None,
            },
        );
        create_product(
            w,
            SHOP,
            NewProduct {
                title: "Enamel Mug".into(),
                vendor: None,
                variants: vec![NewVariant {
                    title: None,
                    sku: Some("MUG-1".into()),
                    price: Decimal::new(1250, 2),
                    inventory: 4,
                }],
            },
        )
        .unwrap();
        oauth::install_app(w, SHOP, "key", &["read_orders".into()], false).unwrap()
    });
    let running = SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (running, token.token)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_admin_home_lists_products_and_apps_and_uninstalls() {
    let (running, token) = start().await;
    let home = client()
        .get(format!("{}/shops/{SHOP}/admin", running.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("<h1>Northwind Supply admin</h1>"), "{home}");
    assert!(home.contains("<td>Enamel Mug</td>"));
    assert!(
        home.contains("<td>MUG-1</td><td>12.5</td><td>4</td>"),
        "{home}"
    );
    assert!(home.contains("Uninstall Ordersync"));

    let response = client()
        .post(format!(
            "{}/shops/{SHOP}/admin/apps/key/uninstall",
            running.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("/shops/{SHOP}/admin?msg=Uninstalled%20key")
    );
    let after = client()
        .get(format!("{}{location}", running.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(after.contains("<p role=\"status\">Uninstalled key</p>"));
    assert!(after.contains("No apps installed."));
    let status = client()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&serde_json::json!({ "query": "{ shop { name } }" }))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    running.stop().await;
}

#[tokio::test]
async fn the_storefront_offers_variants_and_refuses_an_empty_cart() {
    let (running, _) = start().await;
    let store = client()
        .get(format!("{}/shops/{SHOP}/store", running.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        store.contains("Enamel Mug, 12.5 USD (4 in stock)"),
        "{store}"
    );
    let response = client()
        .post(format!("{}/shops/{SHOP}/store", running.url()))
        .form(&[("email", "shopper@example.com"), ("payment", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("?msg=Refused%3A%20pick%20at%20least%20one%20product"));
    let missing = client()
        .get(format!(
            "{}/shops/nowhere.myshopify.com/admin",
            running.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    running.stop().await;
}

/// Posts a form as a browser does and follows the redirect; returns the page it lands on.
async fn submit(running: &RunningSim, path: &str, form: &[(&str, String)]) -> String {
    let response = client()
        .post(format!("{}{path}", running.url()))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "POST {path}");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    get_page(running, &location).await
}

async fn get_page(running: &RunningSim, path: &str) -> String {
    let response = client()
        .get(format!("{}{path}", running.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}

/// The number right after `prefix` in `html` (the first one).
fn id_after(html: &str, prefix: &str) -> u64 {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {html}"))
        + prefix.len();
    html[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn status(message: &str) -> String {
    format!("<p role=\"status\">{message}</p>")
}

#[tokio::test]
async fn a_merchants_actions_through_the_pages_show_on_them_in_the_api_and_reach_the_app() {
    use serde_json::json;
    use sim_http::{expect_hooks, order, post_ok, setup, subscribe, TOPICS};

    let running = sim_http::start().await;
    setup(&running).await;
    let receiver = webhooks_support::Receiver::start().await;
    for topic in TOPICS {
        subscribe(&running, &receiver, topic).await;
    }
    let product = post_ok(
        &running,
        &format!("/_sim/shops/{SHOP}/products"),
        json!({ "title": "Enamel Mug", "variants": [
            { "title": "Blue", "sku": "MUG-BLUE", "price": "12.50", "inventory": 40 },
            { "title": "Red", "sku": "MUG-RED", "price": "14.00", "inventory": 5 },
        ] }),
        201,
    )
    .await;
    let blue = product["variant_ids"][0].as_u64().unwrap();
    let red = product["variant_ids"][1].as_u64().unwrap();
    let store = format!("/shops/{SHOP}/store");
    let form = get_page(&running, &store).await;
    assert!(
        form.contains("Enamel Mug – Blue, 12.5 USD (40 in stock)"),
        "{form}"
    );
    assert!(form.contains(&format!("name=\"qty_{red}\"")));

    // Checkout: paid, with an address, a discount code and a shipping line.
    let placed = submit(
        &running,
        &store,
        &[
            (&*format!("qty_{blue}"), "3".to_owned()),
            (&*format!("qty_{red}"), "1".to_owned()),
            ("email", "ada@example.com".into()),
            ("first_name", "Ada".into()),
            ("last_name", "Lovelace".into()),
            ("address1", "1 Main St".into()),
            ("city", "Portland".into()),
            ("zip", "97201".into()),
            ("country_code", "US".into()),
            ("payment", "paid".into()),
            ("discount_code", "WELCOME".into()),
            ("discount_amount", "2.00".into()),
            ("shipping_title", "Standard".into()),
            ("shipping_price", "5.00".into()),
            ("note", "Gift".into()),
        ],
    )
    .await;
    assert!(placed.contains(&status("Order #1001 placed")), "{placed}");
    assert!(
        placed.contains("(37 in stock)"),
        "the storefront shows the stock taken"
    );
    let home = get_page(&running, &format!("/shops/{SHOP}/admin")).await;
    let paid_id = id_after(&home, &format!("/shops/{SHOP}/admin/orders/"));
    assert!(
        home.contains("<td>PAID</td><td>Unfulfilled</td><td>Open</td><td>54.5 USD</td>"),
        "{home}"
    );
    let o = order(&running, paid_id).await;
    assert_eq!(o["name"], "#1001");
    assert_eq!(o["displayFinancialStatus"], "PAID");
    assert_eq!(o["totalPriceSet"]["shopMoney"]["amount"], "54.5");
    assert_eq!(o["discountCodes"], json!(["WELCOME"]));
    assert_eq!(o["shippingAddress"]["city"], "Portland");
    assert_eq!(o["shippingLines"]["nodes"][0]["title"], "Standard");
    assert_eq!(o["customer"]["lastName"], "Lovelace");
    assert_eq!(o["note"], "Gift");
    let blue_line = sim_http::numeric(&o["lineItems"]["nodes"][0]["id"]);
    expect_hooks(&running, &receiver, "orders/create", paid_id, 1).await;
    expect_hooks(&running, &receiver, "orders/paid", paid_id, 1).await;

    // A pending checkout, marked paid on its page.
    let placed = submit(
        &running,
        &store,
        &[
            (&*format!("qty_{red}"), "2".to_owned()),
            ("payment", "pending".into()),
        ],
    )
    .await;
    assert!(placed.contains(&status("Order #1002 placed")), "{placed}");
    let home = get_page(&running, &format!("/shops/{SHOP}/admin")).await;
    let pending_id = id_after(&home, &format!("/shops/{SHOP}/admin/orders/"));
    assert_ne!(pending_id, paid_id, "the newest order is listed first");
    let page = format!("/shops/{SHOP}/admin/orders/{pending_id}");
    assert!(get_page(&running, &page)
        .await
        .contains("Payment: PENDING."));
    let after = submit(&running, &format!("{page}/mark_paid"), &[]).await;
    assert!(after.contains(&status("Marked as paid")), "{after}");
    assert!(after.contains("Payment: PAID."));
    assert_eq!(
        order(&running, pending_id).await["displayFinancialStatus"],
        "PAID"
    );
    expect_hooks(&running, &receiver, "orders/paid", pending_id, 1).await;
    let again = submit(&running, &format!("{page}/mark_paid"), &[]).await;
    assert!(
        again.contains(&status("Refused: order #1002 is already paid")),
        "{again}"
    );

    // One blue mug fewer.
    let page = format!("/shops/{SHOP}/admin/orders/{paid_id}");
    let after = submit(
        &running,
        &format!("{page}/edit_quantity"),
        &[
            ("line_item_id", blue_line.to_string()),
            ("quantity", "2".into()),
        ],
    )
    .await;
    assert!(after.contains(&status("Quantity changed to 2")), "{after}");
    assert_eq!(
        order(&running, paid_id).await["lineItems"]["nodes"][0]["currentQuantity"],
        2
    );
    expect_hooks(&running, &receiver, "orders/updated", paid_id, 1).await;

    // One blue mug ships with two UPS numbers; the red one is left blank (not shipped).
    let after = submit(
        &running,
        &format!("{page}/fulfill"),
        &[
            (&*format!("qty_{blue_line}"), "1".to_owned()),
            ("company", "UPS".into()),
            ("numbers", "1Z001, 1Z002".into()),
            ("notify", "1".into()),
        ],
    )
    .await;
    assert!(after.contains(&status("Items fulfilled")), "{after}");
    assert!(after.contains("Fulfillment: Partially fulfilled."));
    assert!(after.contains("Tracking: UPS 1Z001, UPS 1Z002"), "{after}");
    let fulfillment = id_after(&after, &format!("/shops/{SHOP}/admin/fulfillments/"));
    let o = order(&running, paid_id).await;
    assert_eq!(o["displayFulfillmentStatus"], "PARTIALLY_FULFILLED");
    assert_eq!(
        o["fulfillments"][0]["trackingInfo"],
        json!([{ "number": "1Z001", "company": "UPS" }, { "number": "1Z002", "company": "UPS" }])
    );
    expect_hooks(&running, &receiver, "fulfillments/create", fulfillment, 1).await;
    expect_hooks(
        &running,
        &receiver,
        "orders/partially_fulfilled",
        paid_id,
        1,
    )
    .await;

    // Tracking changed later.
    let fpage = format!("/shops/{SHOP}/admin/fulfillments/{fulfillment}");
    let after = submit(
        &running,
        &format!("{fpage}/tracking"),
        &[("company", "FedEx".into()), ("numbers", "7700".into())],
    )
    .await;
    assert!(after.contains(&status("Tracking updated")), "{after}");
    assert!(after.contains("Tracking: FedEx 7700"));
    assert_eq!(
        order(&running, paid_id).await["fulfillments"][0]["trackingInfo"],
        json!([{ "number": "7700", "company": "FedEx" }])
    );
    expect_hooks(&running, &receiver, "fulfillments/update", fulfillment, 1).await;

    // The shipment cancelled, then everything shipped at once (quantities left blank).
    let after = submit(&running, &format!("{fpage}/cancel"), &[]).await;
    assert!(after.contains(&status("Fulfillment cancelled")), "{after}");
    assert!(after.contains("Fulfillment: Unfulfilled."));
    assert_eq!(
        order(&running, paid_id).await["fulfillments"][0]["status"],
        "CANCELLED"
    );
    expect_hooks(&running, &receiver, "fulfillments/update", fulfillment, 2).await;
    let after = submit(
        &running,
        &format!("{page}/fulfill"),
        &[
            (&*format!("qty_{blue_line}"), String::new()),
            ("company", String::new()),
            ("numbers", String::new()),
        ],
    )
    .await;
    assert!(after.contains("Fulfillment: Fulfilled."), "{after}");
    assert_eq!(
        order(&running, paid_id).await["displayFulfillmentStatus"],
        "FULFILLED"
    );
    expect_hooks(&running, &receiver, "orders/fulfilled", paid_id, 1).await;

    // The other order cancelled by the customer.
    let page = format!("/shops/{SHOP}/admin/orders/{pending_id}");
    let after = submit(
        &running,
        &format!("{page}/cancel"),
        &[("reason", "CUSTOMER".into())],
    )
    .await;
    assert!(after.contains(&status("Order cancelled")), "{after}");
    assert!(after.contains("Cancelled. "));
    let o = order(&running, pending_id).await;
    assert_eq!(o["cancelReason"], "CUSTOMER");
    expect_hooks(&running, &receiver, "orders/cancelled", pending_id, 1).await;
    let home = get_page(&running, &format!("/shops/{SHOP}/admin")).await;
    assert!(
        home.contains("<td>PAID</td><td>Unfulfilled</td><td>Cancelled</td>"),
        "{home}"
    );
    running.stop().await;
}
