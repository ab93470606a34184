//! The control API over HTTP: setting up shops, apps and installs, throttling, faults and the
//! journal, session tokens and uninstall, with errors that name the problem.

#![allow(clippy::unwrap_used)]

use reqwest::{Client, Method};
use serde_json::{json, Value};
use shopify_sim::{oauth, RunningSim, Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";

async fn start() -> RunningSim {
    SimServer::start(Sim::new(SimConfig::fast()), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn call(
    running: &RunningSim,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = Client::new().request(method, format!("{}{path}", running.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn gql(running: &RunningSim, token: &str) -> (u16, Value) {
    let response = Client::new()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": "{ shop { name } }" }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A shop with the app installed; returns the token.
async fn setup(running: &RunningSim) -> String {
    let (status, _) = call(running, Method::POST, "/_sim/apps", Some(json!({
        "api_key": "key", "secret": "secret", "scopes": ["read_orders", "write_orders"], "title": "Ordersync"
    }))).await;
    assert_eq!(status, 201);
    let (status, shop) = call(
        running,
        Method::POST,
        "/_sim/shops",
        Some(json!({
            "domain": SHOP, "name": "Northwind Supply", "currency": "EUR"
        })),
    )
    .await;
    assert_eq!(status, 201, "{shop}");
    assert_eq!(shop["currency"], "EUR");
    let (status, grant) = call(
        running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/apps/key"),
        Some(json!({ "token": "shpat_fixed" })),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    assert_eq!(grant["access_token"], "shpat_fixed");
    assert_eq!(grant["scope"], "read_orders,write_orders");
    "shpat_fixed".to_owned()
}

#[tokio::test]
async fn shops_apps_and_installs_are_set_up_and_errors_name_the_problem() {
    let running = start().await;
    let token = setup(&running).await;
    let (status, body) = gql(&running, &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["shop"]["name"], "Northwind Supply");

    let (_, shops) = call(&running, Method::GET, "/_sim/shops", None).await;
    assert_eq!(shops[0]["domain"], SHOP);
    assert_eq!(shops[0]["installed_apps"], json!(["key"]));

    let (status, body) = call(
        &running,
        Method::POST,
        "/_sim/shops",
        Some(json!({ "domian": "x" })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("domian"), "{body}");
    let (status, body) = call(
        &running,
        Method::POST,
        "/_sim/shops/nowhere.myshopify.com/apps/key",
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "no shop nowhere.myshopify.com");
    let (status, body) = call(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/apps/nope"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "no app with api key nope");
    let (status, body) = call(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/compliance"),
        Some(json!({ "topic": "orders/create" })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("not a compliance topic"));

    // A product through the merchant action.
    let (status, product) = call(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/products"),
        Some(json!({ "title": "Mug", "variants": [{ "sku": "MUG-1", "price": "12.50", "inventory": 3 }] })),
    )
    .await;
    assert_eq!(status, 201, "{product}");
    assert_eq!(product["variant_ids"].as_array().unwrap().len(), 1);
    let (status, body) = call(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/orders/1/ship"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("no order action"));
    running.stop().await;
}

#[tokio::test]
async fn session_tokens_and_uninstall_work_through_the_control_api() {
    let running = start().await;
    let token = setup(&running).await;
    let (status, body) = call(
        &running,
        Method::POST,
        &format!("/_sim/shops/{SHOP}/apps/key/session_token"),
        Some(json!({ "user_id": 7 })),
    )
    .await;
    assert_eq!(status, 200);
    let claims = oauth::verify_session_token(
        body["session_token"].as_str().unwrap(),
        "key",
        "secret",
        chrono::Utc::now(),
    )
    .unwrap();
    assert_eq!(claims.sub, "7");
    assert_eq!(claims.dest, format!("https://{SHOP}"));

    let (status, _) = call(
        &running,
        Method::DELETE,
        &format!("/_sim/shops/{SHOP}/apps/key"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(gql(&running, &token).await.0, 401);
    let (status, body) = call(
        &running,
        Method::DELETE,
        &format!("/_sim/shops/{SHOP}/apps/key"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], format!("key is not installed on {SHOP}"));

    let (_, settings) = call(
        &running,
        Method::PUT,
        "/_sim/oauth",
        Some(json!({ "auto_approve": true, "access_token_seconds": 60 })),
    )
    .await;
    assert_eq!(settings["auto_approve"], true);
    assert!(running.sim.oauth().auto_approve());
    assert_eq!(running.sim.oauth().lifetimes().access.as_secs(), 60);
    running.stop().await;
}

#[tokio::test]
async fn throttle_and_bucket_controls_change_what_the_api_answers() {
    let running = start().await;
    let token = setup(&running).await;
    let (status, _) = call(
        &running,
        Method::PUT,
        &format!("/_sim/shops/{SHOP}/throttle"),
        Some(json!({ "maximum_available": 50.0, "restore_rate": 0.0 })),
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = gql(&running, &token).await;
    assert_eq!(
        body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"], 50.0,
        "{body}"
    );

    let (status, _) = call(
        &running,
        Method::PUT,
        &format!("/_sim/shops/{SHOP}/bucket"),
        Some(json!({ "api_key": "key", "available": 0 })),
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = gql(&running, &token).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "THROTTLED",
        "{body}"
    );
    let (status, _) = call(
        &running,
        Method::DELETE,
        &format!("/_sim/shops/{SHOP}/bucket?api_key=key"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = gql(&running, &token).await;
    assert_eq!(body["data"]["shop"]["name"], "Northwind Supply");

    let (_, body) = call(
        &running,
        Method::PUT,
        &format!("/_sim/shops/{SHOP}/order_create_limit"),
        Some(json!({ "enabled": true })),
    )
    .await;
    assert_eq!(body["order_create_limit"], true);
    assert!(running
        .sim
        .read(|w| w.shop(SHOP).unwrap().order_create_limit));
    running.stop().await;
}

#[tokio::test]
async fn faults_fire_are_counted_and_the_journal_records_calls() {
    let running = start().await;
    let token = setup(&running).await;
    let (status, added) = call(
        &running,
        Method::POST,
        "/_sim/faults",
        Some(json!({
            "shop": SHOP, "operation": "shop", "kind": "status", "status": 503, "times": 1
        })),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(added["id"], 1);
    let (_, rules) = call(&running, Method::GET, "/_sim/faults", None).await;
    assert_eq!(rules[0]["kind"], "status");

    assert_eq!(gql(&running, &token).await.0, 503);
    assert_eq!(
        gql(&running, &token).await.0,
        200,
        "the rule fired its one time"
    );
    let (_, hits) = call(&running, Method::GET, "/_sim/faults/hits", None).await;
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["operation"], "shop");
    let (_, rules) = call(&running, Method::GET, "/_sim/faults", None).await;
    assert_eq!(rules, json!([]));

    let (status, body) = call(
        &running,
        Method::POST,
        "/_sim/faults",
        Some(json!({ "kind": "explode" })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("explode"),
        "{body}"
    );
    let (_, added) = call(
        &running,
        Method::POST,
        "/_sim/faults",
        Some(json!({ "kind": "latency", "ms": 1 })),
    )
    .await;
    let path = format!("/_sim/faults/{}", added["id"]);
    assert_eq!(call(&running, Method::DELETE, &path, None).await.0, 204);
    assert_eq!(call(&running, Method::DELETE, &path, None).await.0, 404);

    let (_, calls) = call(
        &running,
        Method::GET,
        &format!("/_sim/journal/calls?shop={SHOP}"),
        None,
    )
    .await;
    let outcomes: Vec<_> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["fault_status_503", "ok"]);
    let since = calls[0]["seq"].as_u64().unwrap();
    let (_, later) = call(
        &running,
        Method::GET,
        &format!("/_sim/journal/calls?since={since}"),
        None,
    )
    .await;
    assert_eq!(later.as_array().unwrap().len(), 1);
    let (_, other) = call(
        &running,
        Method::GET,
        "/_sim/journal/calls?shop=other.myshopify.com",
        None,
    )
    .await;
    assert_eq!(other, json!([]));
    let (_, webhooks) = call(&running, Method::GET, "/_sim/journal/webhooks", None).await;
    assert!(webhooks.is_array());
    assert_eq!(
        call(&running, Method::DELETE, "/_sim/journal", None)
            .await
            .0,
        204
    );
    let (_, calls) = call(&running, Method::GET, "/_sim/journal/calls", None).await;
    assert_eq!(calls, json!([]));
    running.stop().await;
}
