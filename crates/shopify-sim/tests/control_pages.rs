//! The merchant pages a person uses: the admin home lists products and installed apps, the app
//! can be uninstalled from it, and the storefront offers the shop's variants and refuses an
//! empty cart with a message.

#![allow(clippy::unwrap_used)]

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
