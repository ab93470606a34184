//! App billing as an app and a merchant meet it: `appSubscriptionCreate` gives a confirmation
//! URL, the merchant approves or declines on the simulator's page and lands on the return URL,
//! and `currentAppInstallation` reports the subscriptions.

#![allow(clippy::unwrap_used)]

use reqwest::redirect::Policy;
use serde_json::{json, Value};
use shopify_sim::oauth;
use shopify_sim::state::App;
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";
const KEY: &str = "ordersync-key";

async fn start() -> (RunningSim, String) {
    let sim = Sim::new(SimConfig::fast());
    let token = sim.mutate(|w| {
        w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        w.apps.insert(
            KEY.into(),
            App {
                api_key: KEY.into(),
                secret: "secret".into(),
                scopes: vec!["read_orders".into()],
                redirect_urls: vec![],
                title: "Ordersync".into(),
                compliance_url: None,
            },
        );
        oauth::install_app(w, SHOP, KEY, &["read_orders".into()], false).unwrap()
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

async fn gql(running: &RunningSim, token: &str, query: &str, variables: Value) -> Value {
    client()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const CREATE: &str = r#"mutation Create($name: String!, $price: Decimal!, $trial: Int) {
  appSubscriptionCreate(name: $name, returnUrl: "https://app.example/billing/done", test: true, trialDays: $trial,
    lineItems: [{ plan: { appRecurringPricingDetails: { price: { amount: $price, currencyCode: USD }, interval: EVERY_30_DAYS } } }]) {
    appSubscription { id name status test trialDays }
    confirmationUrl
    userErrors { field message }
  }
}"#;

const INSTALLATION: &str = r#"{ currentAppInstallation {
  activeSubscriptions { id name status test trialDays createdAt currentPeriodEnd
    lineItems { plan { pricingDetails { ... on AppRecurringPricing { price { amount currencyCode } interval } } } } }
  allSubscriptions(first: 10) { nodes { name status } }
} }"#;

async fn create(running: &RunningSim, token: &str, name: &str, price: &str) -> (String, String) {
    let body = gql(
        running,
        token,
        CREATE,
        json!({ "name": name, "price": price, "trial": 7 }),
    )
    .await;
    let payload = &body["data"]["appSubscriptionCreate"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["appSubscription"]["status"], "PENDING");
    assert_eq!(payload["appSubscription"]["trialDays"], 7);
    (
        payload["appSubscription"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        payload["confirmationUrl"].as_str().unwrap().to_owned(),
    )
}

async fn decide(url: &str, decision: &str) -> reqwest::Response {
    client()
        .post(url)
        .form(&[("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn approving_activates_and_replaces_declining_does_not() {
    let (running, token) = start().await;
    let (basic_id, basic_url) = create(&running, &token, "Basic", "9.99").await;
    assert!(
        basic_url.starts_with(&format!("{}/shops/{SHOP}/admin/charges/", running.url())),
        "{basic_url}"
    );
    let page = client()
        .get(&basic_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<strong>Basic</strong>: 9.99 USD every 30 days"),
        "{page}"
    );
    assert!(page.contains("Free trial: 7 days"));

    let approved = decide(&basic_url, "approve").await;
    assert_eq!(approved.status(), 302);
    let numeric = basic_id.rsplit('/').next().unwrap();
    assert_eq!(
        approved.headers()["location"],
        format!("https://app.example/billing/done?charge_id={numeric}").as_str()
    );
    let body = gql(&running, &token, INSTALLATION, json!({})).await;
    let active = &body["data"]["currentAppInstallation"]["activeSubscriptions"];
    assert_eq!(active.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(active[0]["id"], basic_id.as_str());
    assert_eq!(active[0]["status"], "ACTIVE");
    assert_eq!(active[0]["test"], true);
    assert!(active[0]["currentPeriodEnd"].is_string());
    assert_eq!(
        active[0]["lineItems"][0]["plan"]["pricingDetails"],
        json!({ "price": { "amount": "9.99", "currencyCode": "USD" }, "interval": "EVERY_30_DAYS" })
    );
    // A decided charge cannot be decided again.
    assert_eq!(decide(&basic_url, "decline").await.status(), 409);

    let (_, pro_url) = create(&running, &token, "Pro", "24.00").await;
    let (_, plus_url) = create(&running, &token, "Plus", "49").await;
    assert_eq!(decide(&pro_url, "approve").await.status(), 302);
    let declined = decide(&plus_url, "decline").await;
    assert_eq!(declined.status(), 302, "the merchant goes back to the app");

    let body = gql(&running, &token, INSTALLATION, json!({})).await;
    let installation = &body["data"]["currentAppInstallation"];
    assert_eq!(installation["activeSubscriptions"][0]["name"], "Pro");
    assert_eq!(
        installation["activeSubscriptions"][0]["lineItems"][0]["plan"]["pricingDetails"]["price"]
            ["amount"],
        "24.0"
    );
    assert_eq!(
        installation["allSubscriptions"]["nodes"],
        json!([
            { "name": "Basic", "status": "CANCELLED" },
            { "name": "Pro", "status": "ACTIVE" },
            { "name": "Plus", "status": "DECLINED" },
        ])
    );
    running.stop().await;
}

#[tokio::test]
async fn cancelling_ends_the_subscription_and_bad_input_is_a_user_error() {
    let (running, token) = start().await;
    let (id, url) = create(&running, &token, "Basic", "9.99").await;
    decide(&url, "approve").await;
    let cancel = r#"mutation($id: ID!) { appSubscriptionCancel(id: $id) { appSubscription { id status } userErrors { field message } } }"#;
    let body = gql(&running, &token, cancel, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["appSubscriptionCancel"]["appSubscription"]["status"], "CANCELLED",
        "{body}"
    );
    let body = gql(&running, &token, INSTALLATION, json!({})).await;
    assert_eq!(
        body["data"]["currentAppInstallation"]["activeSubscriptions"],
        json!([])
    );
    let body = gql(&running, &token, cancel, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["appSubscriptionCancel"]["userErrors"][0]["field"],
        json!(["id"]),
        "{body}"
    );
    let body = gql(
        &running,
        &token,
        cancel,
        json!({ "id": "gid://shopify/AppSubscription/1" }),
    )
    .await;
    assert_eq!(
        body["data"]["appSubscriptionCancel"]["userErrors"][0]["message"],
        "Couldn't find the app subscription"
    );

    let body = gql(
        &running,
        &token,
        CREATE,
        json!({ "name": " ", "price": "5" }),
    )
    .await;
    let payload = &body["data"]["appSubscriptionCreate"];
    assert_eq!(payload["appSubscription"], Value::Null);
    assert_eq!(
        payload["userErrors"],
        json!([{ "field": ["name"], "message": "Name can't be blank" }])
    );
    running.stop().await;
}
