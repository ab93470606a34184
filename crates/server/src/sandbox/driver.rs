//! A merchant's and Shopify admin's side of ordersync, driven over HTTP against a running
//! ordersync and an in-process shopify-sim: install a store through OAuth, set its role,
//! connect stores by connection key, wait for synced products, approve the Order add-on,
//! switch automated push, and any JSON API call with a fresh session token.
//!
//! The sandbox's demo builds its stores with it; the benchmark tool (`crates/bench`) builds its
//! worlds of many stores with it.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use shopify_sim::state::App;
use shopify_sim::{oauth, Sim};

/// Registers ordersync in the simulator as an app (what the Partner Dashboard holds): its key,
/// secret, the scopes ordersync asks for and its OAuth callback under `app_url`.
pub fn register_app(sim: &Sim, api_key: &str, secret: &str, app_url: &str, title: &str) {
    sim.mutate(|w| {
        w.apps.insert(
            api_key.into(),
            App {
                api_key: api_key.into(),
                secret: secret.into(),
                scopes: crate::auth::SCOPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                redirect_urls: vec![format!("{app_url}/auth/callback")],
                title: title.into(),
                compliance_url: None,
            },
        );
    });
}

/// Drives ordersync (`app_url`) as the merchants of the simulator's stores would, for the app
/// `api_key`.
#[derive(Debug, Clone)]
pub struct Driver {
    sim: Sim,
    app_url: String,
    api_key: String,
    http: reqwest::Client,
}

impl Driver {
    /// A driver; installs need the simulator's OAuth auto-approve on
    /// (`sim.oauth().set_auto_approve(true)`).
    pub fn new(sim: Sim, app_url: String, api_key: &str) -> Driver {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Driver {
            sim,
            app_url,
            api_key: api_key.to_owned(),
            http,
        }
    }

    /// A fresh session token for `shop`, as Shopify's admin hands the embedded app.
    pub fn session_token(&self, shop: &str) -> anyhow::Result<String> {
        self.sim
            .read(|w| oauth::mint_session_token(w, shop, &self.api_key, 1))
            .ok_or_else(|| anyhow!("cannot mint a session token for {shop}"))
    }

    /// Calls ordersync's JSON API as `shop`'s merchant; answers the status and the JSON (or
    /// the text as a JSON string).
    pub async fn api(
        &self,
        shop: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.app_url))
            .bearer_auth(self.session_token(shop)?);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path} as {shop}"))?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    /// [`Driver::api`], refusing an answer other than 2xx.
    pub async fn expect(
        &self,
        shop: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let (status, answer) = self.api(shop, method.clone(), path, body).await?;
        if !(200..300).contains(&status) {
            bail!("{method} {path} as {shop} answered {status}: {answer}");
        }
        Ok(answer)
    }

    /// Follows one redirect step by hand; answers the status and the `Location`.
    async fn step(&self, url: &str) -> anyhow::Result<(u16, Option<String>)> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| url.to_owned())?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        if !response.status().is_redirection() {
            let body = response.text().await.unwrap_or_default();
            bail!("{url} answered {status} instead of a redirect: {body}");
        }
        Ok((status, location))
    }

    /// The OAuth install: ordersync's `/auth` → the simulator's authorize page (approved) →
    /// ordersync's `/auth/callback`; then the store's role (`destination` or `source`).
    pub async fn install(&self, shop: &str, role: &str) -> anyhow::Result<()> {
        let (_, authorize) = self
            .step(&format!("{}/auth?shop={shop}", self.app_url))
            .await?;
        let authorize = authorize.ok_or_else(|| anyhow!("/auth for {shop}: no redirect"))?;
        let (_, callback) = self.step(&authorize).await?;
        let callback = callback.ok_or_else(|| anyhow!("authorize for {shop}: no redirect"))?;
        self.step(&callback).await?;
        self.expect(
            shop,
            reqwest::Method::PUT,
            "/api/store/role",
            Some(json!({ "role": role })),
        )
        .await?;
        tracing::info!(shop, role, "store installed");
        Ok(())
    }

    /// `dest` connects to `source` with the source's connection key.
    pub async fn connect(&self, dest: &str, source: &str) -> anyhow::Result<()> {
        let key = self
            .expect(source, reqwest::Method::GET, "/api/connection-key", None)
            .await?;
        self.expect(
            dest,
            reqwest::Method::POST,
            "/api/connections",
            Some(json!({ "key": key["connection_key"] })),
        )
        .await?;
        Ok(())
    }

    /// Waits (up to `timeout`) until `dest` has `expected` synced products and no re-match
    /// pending.
    pub async fn wait_synced(
        &self,
        dest: &str,
        expected: usize,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last = Value::Null;
        while tokio::time::Instant::now() < deadline {
            let body = self
                .expect(dest, reqwest::Method::GET, "/api/synced-products", None)
                .await?;
            if body["rematch_pending"] == false && body["synced_total"] == expected {
                return Ok(());
            }
            last = body;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("{dest} never had {expected} synced products: {last}")
    }

    /// Switches the Order add-on on and approves the charge on the simulator's page; waits
    /// until it is active.
    pub async fn addon_on(&self, dest: &str) -> anyhow::Result<()> {
        let waiting = self
            .expect(dest, reqwest::Method::POST, "/api/addon", None)
            .await?;
        let confirmation = waiting["confirmation_url"]
            .as_str()
            .ok_or_else(|| anyhow!("no confirmation_url: {waiting}"))?
            .to_owned();
        let approved = self
            .http
            .post(&confirmation)
            .form(&[("decision", "approve")])
            .send()
            .await?;
        let back = approved
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .ok_or_else(|| anyhow!("approving the charge did not send the merchant back"))?
            .to_owned();
        self.http.get(&back).send().await?;
        for _ in 0..600 {
            let state = self
                .expect(dest, reqwest::Method::GET, "/api/addon", None)
                .await?;
            if state["state"] == "active" {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the Order add-on of {dest} never became active")
    }

    /// Switches automated push on or off for `dest`.
    pub async fn auto_push(&self, dest: &str, enabled: bool) -> anyhow::Result<()> {
        let body = self
            .expect(
                dest,
                reqwest::Method::PUT,
                "/api/settings/auto-push",
                Some(json!({ "enabled": enabled })),
            )
            .await?;
        if body["auto_push"] != enabled {
            bail!("automated push of {dest} is not {enabled}: {body}");
        }
        Ok(())
    }
}
