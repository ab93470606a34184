//! OAuth as an app meets it over HTTP: the install approval and HMAC-signed redirect, the code
//! grant, token exchange of session tokens, expiring tokens and refresh, and uninstall.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::redirect::Policy;
use reqwest::Url;
use serde_json::{json, Value};
use sha2::Sha256;
use shopify_sim::oauth::{self, TokenLifetimes};
use shopify_sim::state::App;
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

const SHOP: &str = "northwind.myshopify.com";
const KEY: &str = "ordersync-key";
const SECRET: &str = "ordersync-secret";

async fn start() -> RunningSim {
    let sim = Sim::new(SimConfig::fast());
    sim.mutate(|w| {
        w.add_shop(SHOP, "Northwind Supply", "owner@northwind.example", "USD");
        for (key, secret) in [(KEY, SECRET), ("other-key", "other-secret")] {
            w.apps.insert(
                key.into(),
                App {
                    api_key: key.into(),
                    secret: secret.into(),
                    scopes: vec!["read_orders".into(), "write_orders".into()],
                    redirect_urls: vec!["https://app.example/auth/callback".into()],
                    title: "Ordersync".into(),
                    compliance_url: None,
                },
            );
        }
    });
    SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn authorize_url(running: &RunningSim, extra: &str) -> String {
    format!(
        "{}/shops/{SHOP}/admin/oauth/authorize?client_id={KEY}&scope=read_orders,write_orders&redirect_uri=https://app.example/auth/callback&state=nonce-123{extra}",
        running.url()
    )
}

/// The redirect's query parameters, after checking the HMAC the way an app must.
fn verified_params(location: &str) -> Vec<(String, String)> {
    let url = Url::parse(location).unwrap();
    assert_eq!(url.path(), "/auth/callback");
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let hmac = params.iter().find(|(k, _)| k == "hmac").unwrap().1.clone();
    let mut rest: Vec<_> = params
        .iter()
        .filter(|(k, _)| k != "hmac")
        .cloned()
        .collect();
    rest.sort();
    let message = rest
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hmac, expected,
        "the redirect's hmac verifies with the app secret"
    );
    params
}

fn get<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    &params.iter().find(|(k, _)| k == key).unwrap().1
}

async fn exchange(running: &RunningSim, body: Value) -> (u16, Value) {
    let response = client()
        .post(format!(
            "{}/shops/{SHOP}/admin/oauth/access_token",
            running.url()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn shop_name(running: &RunningSim, token: &str) -> (u16, Value) {
    let response = client()
        .post(running.graphql_url(SHOP))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": "{ shop { name } }" }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_code_grant_installs_the_app_and_its_token_calls_the_api() {
    let running = start().await;
    let page = client()
        .get(authorize_url(&running, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Install Ordersync on northwind.myshopify.com"),
        "{html}"
    );
    assert!(html.contains("<li>write_orders</li>"));

    // The merchant clicks "Install app": the form posts the same parameters.
    let approved = client()
        .post(format!(
            "{}/shops/{SHOP}/admin/oauth/authorize/approve",
            running.url()
        ))
        .form(&[
            ("client_id", KEY),
            ("scope", "read_orders,write_orders"),
            ("redirect_uri", "https://app.example/auth/callback"),
            ("state", "nonce-123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 302);
    let location = approved.headers()["location"].to_str().unwrap().to_owned();
    let params = verified_params(&location);
    assert_eq!(get(&params, "shop"), SHOP);
    assert_eq!(get(&params, "state"), "nonce-123");
    use base64::Engine;
    let host = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(get(&params, "host"))
        .unwrap();
    assert_eq!(String::from_utf8(host).unwrap(), format!("{SHOP}/admin"));
    let code = get(&params, "code").to_owned();

    let (status, wrong) = exchange(
        &running,
        json!({ "client_id": KEY, "client_secret": "nope", "code": code }),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(wrong["error"], "invalid_client");

    let (status, grant) = exchange(
        &running,
        json!({ "client_id": KEY, "client_secret": SECRET, "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["scope"], "read_orders,write_orders");
    assert!(
        grant.get("expires_in").is_none(),
        "a plain offline token does not expire"
    );
    let token = grant["access_token"].as_str().unwrap();
    assert!(token.starts_with("shpat_"));
    let (status, body) = shop_name(&running, token).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["shop"]["name"], "Northwind Supply");

    // A code is single-use.
    let (status, again) = exchange(
        &running,
        json!({ "client_id": KEY, "client_secret": SECRET, "code": code }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_request");
    running.stop().await;
}

#[tokio::test]
async fn auto_approve_redirects_at_once_and_per_user_grants_an_online_token() {
    let running = start().await;
    running.sim.oauth().set_auto_approve(true);
    let response = client()
        .get(authorize_url(&running, "&grant_options[]=per-user"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let params = verified_params(response.headers()["location"].to_str().unwrap());
    // Form-encoded, as most OAuth clients send it.
    let response = client()
        .post(format!(
            "{}/shops/{SHOP}/admin/oauth/access_token",
            running.url()
        ))
        .form(&[
            ("client_id", KEY),
            ("client_secret", SECRET),
            ("code", get(&params, "code")),
        ])
        .send()
        .await
        .unwrap();
    let grant: Value = response.json().await.unwrap();
    assert!(
        grant["access_token"]
            .as_str()
            .unwrap()
            .starts_with("shpua_"),
        "{grant}"
    );
    assert_eq!(grant["associated_user"]["email"], "owner@northwind.example");
    assert_eq!(grant["associated_user"]["account_owner"], true);
    assert!(grant["expires_in"].as_i64().unwrap() > 86_000);

    // A redirect_uri the app did not register is refused.
    let bad = client()
        .get(format!(
            "{}/shops/{SHOP}/admin/oauth/authorize?client_id={KEY}&scope=read_orders&redirect_uri=https://evil.example/cb&state=x",
            running.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("not whitelisted"));
    running.stop().await;
}

fn exchange_body(subject: &str, requested: &str) -> Value {
    json!({
        "client_id": KEY,
        "client_secret": SECRET,
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": subject,
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        "requested_token_type": requested,
    })
}

#[tokio::test]
async fn token_exchange_accepts_a_fresh_session_token_and_refuses_bad_ones() {
    let running = start().await;
    let offline = "urn:shopify:params:oauth:token-type:offline-access-token";
    let session = running
        .sim
        .read(|w| oauth::mint_session_token(w, SHOP, KEY, 42))
        .unwrap();
    let (status, grant) = exchange(&running, exchange_body(&session, offline)).await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(
        grant["scope"], "read_orders,write_orders",
        "the app's configured scopes"
    );
    let (status, _) = shop_name(&running, grant["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    let online = "urn:shopify:params:oauth:token-type:online-access-token";
    let (_, grant) = exchange(&running, exchange_body(&session, online)).await;
    assert_eq!(grant["associated_user"]["id"], 42, "{grant}");

    // Tampered signature.
    let mut tampered = session.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let (status, body) = exchange(&running, exchange_body(&tampered, offline)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_subject_token");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{body}"
    );

    // Minted for another app: signed with its secret, and its audience is not this app.
    let foreign = running
        .sim
        .read(|w| oauth::mint_session_token(w, SHOP, "other-key", 42))
        .unwrap();
    let (status, body) = exchange(&running, exchange_body(&foreign, offline)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_subject_token");

    // Expired: issued two minutes ago, valid for one.
    let old = running
        .sim
        .read(|w| {
            oauth::mint_session_token_at(
                w,
                SHOP,
                KEY,
                42,
                chrono::Utc::now() - chrono::Duration::seconds(120),
            )
        })
        .unwrap();
    let (status, body) = exchange(&running, exchange_body(&old, offline)).await;
    assert_eq!(status, 400);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    running.stop().await;
}

#[tokio::test]
async fn an_expiring_token_refreshes_and_the_old_one_is_refused_after() {
    let running = start().await;
    let session = running
        .sim
        .read(|w| oauth::mint_session_token(w, SHOP, KEY, 1))
        .unwrap();
    let mut body = exchange_body(
        &session,
        "urn:shopify:params:oauth:token-type:offline-access-token",
    );
    body["expiring"] = json!(1);
    let (_, grant) = exchange(&running, body).await;
    let expires_in = grant["expires_in"].as_i64().unwrap();
    assert!(
        (3590..=3600).contains(&expires_in),
        "one hour by default: {grant}"
    );
    assert!(grant["refresh_token_expires_in"].as_i64().unwrap() > 29 * 24 * 3600);
    let old_access = grant["access_token"].as_str().unwrap().to_owned();
    let refresh_token = grant["refresh_token"].as_str().unwrap().to_owned();

    let refresh = json!({
        "client_id": KEY, "client_secret": SECRET,
        "grant_type": "refresh_token", "refresh_token": refresh_token,
    });
    let (status, fresh) = exchange(&running, refresh.clone()).await;
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["access_token"], old_access);
    assert_ne!(fresh["refresh_token"], refresh_token);
    assert_eq!(
        shop_name(&running, &old_access).await.0,
        401,
        "the old token is revoked"
    );
    assert_eq!(
        shop_name(&running, fresh["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    let (status, reused) = exchange(&running, refresh).await;
    assert_eq!(status, 400);
    assert_eq!(reused["error"], "invalid_grant");

    // With lifetimes shortened to nothing, a new expiring token is refused at once.
    running.sim.oauth().set_lifetimes(TokenLifetimes {
        access: Duration::ZERO,
        ..TokenLifetimes::default()
    });
    let refresh = json!({
        "client_id": KEY, "client_secret": SECRET,
        "grant_type": "refresh_token", "refresh_token": fresh["refresh_token"],
    });
    let (_, short) = exchange(&running, refresh).await;
    assert_eq!(short["expires_in"], 0);
    assert_eq!(
        shop_name(&running, short["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
    running.stop().await;
}

#[tokio::test]
async fn uninstall_revokes_tokens_and_reinstall_reuses_the_installation() {
    let running = start().await;
    let scopes = vec!["read_orders".to_owned()];
    let token = running
        .sim
        .mutate(|w| oauth::install_app(w, SHOP, KEY, &scopes, false))
        .unwrap();
    assert_eq!(shop_name(&running, &token.token).await.0, 200);
    let first_id = running
        .sim
        .read(|w| w.shop(SHOP).unwrap().installations[KEY].id);
    assert!(oauth::uninstall(&running.sim, SHOP, KEY));
    assert!(
        !oauth::uninstall(&running.sim, SHOP, KEY),
        "already uninstalled"
    );
    assert_eq!(shop_name(&running, &token.token).await.0, 401);
    running.sim.read(|w| {
        let installation = &w.shop(SHOP).unwrap().installations[KEY];
        assert!(!installation.installed);
        assert!(installation.tokens.iter().all(|t| t.revoked));
    });
    let again = running
        .sim
        .mutate(|w| oauth::install_app(w, SHOP, KEY, &scopes, false))
        .unwrap();
    assert_eq!(shop_name(&running, &again.token).await.0, 200);
    assert_eq!(
        shop_name(&running, &token.token).await.0,
        401,
        "old tokens stay revoked"
    );
    let second_id = running
        .sim
        .read(|w| w.shop(SHOP).unwrap().installations[KEY].id);
    assert_eq!(first_id, second_id);
    running.stop().await;
}
