//! The Admin API endpoint end to end over HTTP: authentication, validation errors shaped like
//! Shopify's, cost extensions, the bucket and THROTTLED.

#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use shopify_sim::state::{AccessToken, Installation, ThrottleConfig, TokenKind};
use shopify_sim::{Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";
const TOKEN: &str = "shpat_test";

async fn start(throttle: ThrottleConfig) -> shopify_sim::RunningSim {
    let sim = Sim::new(SimConfig::fast());
    sim.mutate(|w| {
        let shop = w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        shop.throttle = throttle;
        shop.installations.insert(
            "app-key".into(),
            Installation {
                api_key: "app-key".into(),
                scopes: vec!["read_orders".into()],
                tokens: vec![AccessToken {
                    token: TOKEN.into(),
                    kind: TokenKind::Offline,
                    scopes: vec!["read_orders".into()],
                    expires_at: None,
                    refresh_token: None,
                    refresh_expires_at: None,
                    revoked: false,
                }],
                installed: true,
                webhook_subscriptions: vec![],
                app_subscriptions: vec![],
                id: 77,
            },
        );
    });
    SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn post(running: &shopify_sim::RunningSim, token: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_query_answers_with_data_and_cost() {
    let running = start(ThrottleConfig::default()).await;
    let (status, body) = post(
        &running,
        TOKEN,
        json!({ "query": "{ shop { name myshopifyDomain currencyCode } }" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["shop"]["name"], "Northwind Supply");
    assert_eq!(body["data"]["shop"]["myshopifyDomain"], SHOP);
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 1);
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], 1);
    assert_eq!(
        body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"],
        2000.0
    );
    assert_eq!(
        body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        1999
    );
    running.stop().await;
}

#[tokio::test]
async fn a_bad_token_is_refused_and_an_unknown_field_is_named() {
    let running = start(ThrottleConfig::default()).await;
    let (status, body) = post(&running, "nope", json!({ "query": "{ shop { name } }" })).await;
    assert_eq!(status, 401);
    assert!(body["errors"]
        .as_str()
        .unwrap()
        .contains("Invalid API key or access token"));

    let (status, body) = post(
        &running,
        TOKEN,
        json!({ "query": "{ shop { name colour } }" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["message"],
        "Field 'colour' doesn't exist on type 'Shop'"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "undefinedField");
    assert_eq!(body["errors"][0]["locations"][0]["line"], 1);
    assert!(body.get("data").is_none());

    // A field the schema has but the simulator does not model is an error naming it, not a null.
    let (_, body) = post(
        &running,
        TOKEN,
        json!({ "query": "{ shop { name weightUnit } }" }),
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Shop.weightUnit"),
        "{body}"
    );
    running.stop().await;
}

#[tokio::test]
async fn an_empty_bucket_answers_throttled_until_it_refills() {
    let running = start(ThrottleConfig {
        maximum_available: 10.0,
        restore_rate: 50.0,
    })
    .await;
    let query = json!({ "query": "{ locations(first: 4) { nodes { id name } } }" }); // requested 2 + 4 = 6
    let (_, first) = post(&running, TOKEN, query.clone()).await;
    assert_eq!(first["extensions"]["cost"]["requestedQueryCost"], 6);
    assert_eq!(
        first["extensions"]["cost"]["actualQueryCost"], 3,
        "one location came back"
    );
    let (_, second) = post(
        &running,
        TOKEN,
        json!({ "query": "{ locations(first: 8) { nodes { id } } }" }),
    )
    .await;
    assert_eq!(
        second["errors"][0]["extensions"]["code"], "THROTTLED",
        "{second}"
    );
    assert!(second.get("data").is_none());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, third) = post(
        &running,
        TOKEN,
        json!({ "query": "{ locations(first: 8) { nodes { id } } }" }),
    )
    .await;
    assert!(third.get("errors").is_none(), "{third}");
    let journal = running.sim.journal().calls(Some(SHOP), 0);
    let outcomes: Vec<_> = journal.iter().map(|c| c.outcome.as_str()).collect();
    assert_eq!(outcomes, vec!["ok", "throttled", "ok"]);
    running.stop().await;
}
