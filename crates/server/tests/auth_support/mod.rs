//! A shopify-sim and an ordersync server wired to it over real HTTP, for the install and auth
//! tests: the sim knows the app (key, secret, redirect URL), ordersync's config points its
//! Shopify base URL at the sim. Also the tenant-isolation check later issues reuse for their
//! routes.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use ordersync_core::ShopDomain;
use ordersync_server::app::Server;
use ordersync_server::auth::AuthService;
use ordersync_server::config::{Config, DEFAULTS};
use ordersync_server::shutdown::Shutdown;
use ordersync_store::Store;
use reqwest::redirect::Policy;
use shopify_sim::oauth;
use shopify_sim::state::{App, Installation};
use shopify_sim::{RunningSim, Sim, SimConfig, SimServer};

pub const KEY: &str = "ordersync-key";
pub const SECRET: &str = "ordersync-secret";
pub const NORTHWIND: &str = "northwind.myshopify.com";
pub const EASTWIND: &str = "eastwind.myshopify.com";

pub struct World {
    pub sim: RunningSim,
    pub base: String,
    pub store: Store,
    pub auth: AuthService,
    pub http: reqwest::Client,
    /// The token encryption key the server runs with.
    pub key: String,
    /// Its configuration sources (tests derive other configurations from it).
    pub figment: Figment,
    shutdown: Shutdown,
    _dir: tempfile::TempDir,
}

pub async fn start() -> World {
    start_with(&[]).await
}

/// [`start`] on the database `database_url` names (`None`: an SQLite file in a temporary folder).
pub async fn start_on(database_url: Option<&str>) -> World {
    match database_url {
        Some(url) => start_with(&[("database_url", serde_json::Value::from(url))]).await,
        None => start_with(&[]).await,
    }
}

/// [`start`] with some settings of ordersync's configuration changed (name, value).
pub async fn start_with(settings: &[(&str, serde_json::Value)]) -> World {
    // Bound now and handed to the server: the port cannot be taken meanwhile.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app_url = format!("http://127.0.0.1:{port}");
    let sim = Sim::new(SimConfig::fast());
    let callback = format!("{app_url}/auth/callback");
    sim.mutate(|w| {
        w.add_shop(
            NORTHWIND,
            "Northwind Supply",
            "owner@northwind.example",
            "USD",
        );
        w.add_shop(EASTWIND, "Eastwind Retail", "owner@eastwind.example", "EUR");
        w.apps.insert(
            KEY.into(),
            App {
                api_key: KEY.into(),
                secret: SECRET.into(),
                scopes: ordersync_server::auth::SCOPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                redirect_urls: vec![callback],
                title: "Ordersync".into(),
                compliance_url: None,
            },
        );
    });
    sim.oauth().set_auto_approve(true);
    let sim = SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = ordersync_server::auth::crypto::TokenCipher::generate_key();
    let figment = Figment::from(Toml::string(DEFAULTS))
        .merge(Serialized::default("listen", format!("127.0.0.1:{port}")))
        .merge(Serialized::default(
            "data_dir",
            dir.path().display().to_string(),
        ))
        .merge(Serialized::default("app_url", app_url.clone()))
        .merge(Serialized::default("shopify_api_key", KEY))
        .merge(Serialized::default("shopify_api_secret", SECRET))
        .merge(Serialized::default(
            "shopify_base_url",
            format!("{}/shops/{{shop}}", sim.url()),
        ))
        .merge(Serialized::default("token_encryption_key", key.clone()));
    let figment = settings.iter().fold(figment, |f, (name, value)| {
        f.merge(Serialized::default(name, value))
    });
    let config = Config::from_figment(figment.clone()).unwrap();
    let server = Server::on_listener(config, listener).await.unwrap();
    let store = server.store().clone();
    let auth = server.auth().clone();
    let shutdown = Shutdown::new();
    tokio::spawn(server.run(shutdown.clone()));
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    World {
        sim,
        base: app_url,
        store,
        auth,
        http,
        key,
        figment,
        shutdown,
        _dir: dir,
    }
}

impl World {
    pub async fn stop(self) {
        self.shutdown.trigger();
        self.sim.stop().await;
    }

    /// GET without following redirects; answers the status and the Location header.
    pub async fn get(&self, url: &str) -> (u16, Option<String>, String) {
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// `/auth?shop=…` then the sim's authorize redirect: answers the callback URL Shopify
    /// sends the merchant to (not yet followed).
    pub async fn authorize(&self, shop: &str, extra: &str) -> String {
        let (status, location, body) = self
            .get(&format!("{}/auth?shop={shop}{extra}", self.base))
            .await;
        assert_eq!(status, 303, "{body}");
        let authorize = location.unwrap();
        assert!(
            authorize.starts_with(&format!(
                "{}/shops/{shop}/admin/oauth/authorize?",
                self.sim.url()
            )),
            "{authorize}"
        );
        let (status, location, body) = self.get(&authorize).await;
        assert_eq!(status, 302, "{body}");
        location.unwrap()
    }

    /// The full install: answers where ordersync sends the merchant at the end.
    pub async fn install(&self, shop: &str, extra: &str) -> String {
        let callback = self.authorize(shop, extra).await;
        let (status, location, body) = self.get(&callback).await;
        assert_eq!(status, 303, "{body}");
        location.unwrap()
    }

    pub fn installation(&self, shop: &str) -> Option<Installation> {
        self.sim
            .sim
            .read(|w| w.shop(shop).and_then(|s| s.installations.get(KEY).cloned()))
    }

    pub fn session_token(&self, shop: &str) -> String {
        self.sim
            .sim
            .read(|w| oauth::mint_session_token(w, shop, KEY, 1))
            .unwrap()
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

/// Tenant isolation: for every `(method, path)` route, a request with `intruder_token` (a
/// session token of another installed shop) must be refused or answer only about the
/// intruder's own shop: status 2xx/401/403/404 and no trace of `victim_markers` (the first
/// shop's domain, name, ...) in the body. Later issues add their routes to
/// `ordersync_server::http::API_ROUTES` and this check covers them.
pub async fn assert_tenant_isolation(
    world: &World,
    routes: &[(&str, &str)],
    intruder_token: &str,
    victim_markers: &[&str],
    body_for: impl Fn(&str, &str) -> Option<serde_json::Value>,
) {
    for (method, path) in routes {
        let (status, body) = world
            .api(method, path, Some(intruder_token), body_for(method, path))
            .await;
        assert!(
            (200..300).contains(&status) || [401, 403, 404].contains(&status),
            "{method} {path}: status {status} {body}"
        );
        let text = body.to_string();
        for marker in victim_markers {
            assert!(
                !text.contains(marker),
                "{method} {path} leaked {marker}: {text}"
            );
        }
    }
}

/// A shop domain known to be valid.
pub fn domain(shop: &str) -> ShopDomain {
    ShopDomain::parse(shop).unwrap()
}

/// The shop's webhook subscriptions in the simulator, as (GraphQL topic, uri), sorted.
pub fn subscriptions(world: &World, shop: &str) -> Vec<(String, String)> {
    let mut subs: Vec<(String, String)> = world
        .installation(shop)
        .unwrap()
        .webhook_subscriptions
        .iter()
        .map(|s| (s.topic.clone(), s.uri.clone()))
        .collect();
    subs.sort();
    subs
}

/// What install must leave: one subscription per topic ordersync uses, at `{app_url}/webhooks`.
pub fn expected_subscriptions(world: &World) -> Vec<(String, String)> {
    let mut subs: Vec<(String, String)> = ordersync_server::auth::WEBHOOK_TOPICS
        .iter()
        .map(|t| {
            (
                t.replace('/', "_").to_uppercase(),
                format!("{}/webhooks", world.base),
            )
        })
        .collect();
    subs.sort();
    subs
}
