//! The sandbox: what `ordersync` (serve) does on a machine with no configuration. It starts
//! shopify-sim in-process next to ordersync, on a fresh SQLite file, and builds a ready demo
//! through the same paths a real merchant's stores take (OAuth install, connection key, SKU
//! matching, the Order add-on's charge approval, shoppers' orders arriving by webhook, pushes
//! run by the worker, the supplier's shipments coming back). See `docs/sandbox.md`.
//!
//! | piece | role |
//! |---|---|
//! | [`decide`] | whether `serve` starts the sandbox (no real configuration, not switched off) |
//! | [`Sandbox::start`] | the simulator, the server and the demo, answering the [`Links`] |
//! | [`demo`] | the demo's stores, catalogues and orders |
//! | [`driver`] | a merchant's clicks in ordersync over HTTP (install, connect, add-on, ...), for the demo and the benchmarks |

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use figment::providers::Serialized;
use figment::Figment;
use serde::Deserialize;
use shopify_sim::{oauth, RunningSim, Sim, SimConfig, SimServer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::{ServeError, Server};
use crate::config::{Config, SandboxSetting};
use crate::shutdown::Shutdown;

pub mod demo;
pub mod driver;

/// The sandbox app's API key, as registered in the simulator.
pub const API_KEY: &str = "ordersync-sandbox";

/// How many earlier runs' databases stay under `data_dir/sandbox` (older ones are deleted).
const KEEP_RUNS: usize = 5;

/// Whether `serve` starts the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start it.
    Start,
    /// Serve normally; the reason, for the log.
    Off(&'static str),
}

/// The sandbox starts only when nothing real was configured and it was not switched off.
pub fn decide(config: &Config, no_sandbox_flag: bool) -> Decision {
    if no_sandbox_flag {
        Decision::Off("--no-sandbox given")
    } else if config.sandbox == SandboxSetting::Off {
        Decision::Off("sandbox = off (ORDERSYNC_SANDBOX)")
    } else if config.has_real_setup {
        Decision::Off("real configuration given (Shopify API key or secret, or a database URL)")
    } else if !(config.roles.api && config.roles.worker) {
        Decision::Off("the sandbox needs both roles (api,worker) in one process")
    } else {
        Decision::Start
    }
}

/// Where a person goes in the sandbox.
#[derive(Debug, Clone)]
pub struct Links {
    /// ordersync itself (`http://ADDR`).
    pub app_url: String,
    /// The simulator (`http://ADDR`).
    pub sim_url: String,
    /// Opens ordersync's Orders tab as the destination store's merchant (a sandbox route that
    /// mints a session token and redirects to `/app`).
    pub orders_tab: String,
    /// The destination store's storefront in the simulator: place an order as a shopper.
    pub storefront: String,
    /// The destination store's admin in the simulator.
    pub destination_admin: String,
    /// Each source store's admin in the simulator (domain, URL): fulfill with tracking.
    pub source_admins: Vec<(String, String)>,
    /// The folder of this run's SQLite database.
    pub data_dir: PathBuf,
}

impl Links {
    /// The lines printed at start-up (`label: URL`, one per line).
    pub fn describe(&self) -> String {
        let mut lines: Vec<(String, String)> = vec![
            ("Start here".into(), format!("{}/sandbox", self.app_url)),
            (
                format!("Orders tab ({})", demo::DESTINATION),
                self.orders_tab.clone(),
            ),
            ("Storefront (shopper)".into(), self.storefront.clone()),
            ("Destination admin".into(), self.destination_admin.clone()),
        ];
        for (domain, url) in &self.source_admins {
            lines.push((format!("Supplier admin ({domain})"), url.clone()));
        }
        lines.push(("ordersync".into(), self.app_url.clone()));
        lines.push((
            "shopify-sim control API".into(),
            format!("{}/_sim/shops", self.sim_url),
        ));
        lines.push(("sandbox data".into(), self.data_dir.display().to_string()));
        let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 1;
        let mut out =
            String::from("ordersync sandbox ready (demo data; nothing here talks to Shopify)\n");
        for (label, value) in lines {
            out.push_str(&format!("  {:<width$} {value}\n", format!("{label}:")));
        }
        out
    }
}

/// A running sandbox: the simulator, the server and its demo.
#[derive(Debug)]
pub struct Sandbox {
    /// Where to go.
    pub links: Links,
    /// The simulator (tests read and act on it).
    pub sim: Sim,
    running_sim: Option<RunningSim>,
    server: JoinHandle<Result<(), ServeError>>,
}

impl Sandbox {
    /// Starts the simulator and ordersync (configured from `figment` with the sandbox's app,
    /// simulator and database on top), builds the demo and answers once it is ready. It stops
    /// when `shutdown` fires ([`Sandbox::wait`]).
    pub async fn start(figment: Figment, shutdown: Shutdown) -> anyhow::Result<Sandbox> {
        let base = Config::from_figment(figment.clone())?;
        let run_dir = fresh_run_dir(&base.data_dir)?;
        let listener = TcpListener::bind(base.listen)
            .await
            .with_context(|| format!("cannot listen on {}", base.listen))?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            addr.ip()
        };
        let app_url = format!("http://{}", SocketAddr::new(host, addr.port()));
        let secret = random_secret();

        let sim = Sim::new(SimConfig::fast());
        driver::register_app(&sim, API_KEY, &secret, &app_url, "ordersync (sandbox)");
        // The approval page is the merchant's click; the sandbox installs its own three stores.
        sim.oauth().set_auto_approve(true);
        let running_sim = SimServer::start(sim.clone(), SocketAddr::new(host, 0))
            .await
            .context("cannot start shopify-sim")?;
        let sim_url = running_sim.url();

        let config = Config::from_figment(
            figment
                .merge(Serialized::default("shopify_api_key", API_KEY))
                .merge(Serialized::default("shopify_api_secret", &secret))
                .merge(Serialized::default("app_url", &app_url))
                .merge(Serialized::default(
                    "shopify_base_url",
                    format!("{sim_url}/shops/{{shop}}"),
                ))
                .merge(Serialized::default("database_url", ""))
                .merge(Serialized::default(
                    "data_dir",
                    run_dir.display().to_string(),
                ))
                .merge(Serialized::default("listen", addr.to_string())),
        )?;
        let shop_url = |shop: &str| format!("{sim_url}/shops/{shop}");
        let links = Links {
            orders_tab: format!("{app_url}/sandbox/open?shop={}", demo::DESTINATION),
            storefront: format!("{}/store", shop_url(demo::DESTINATION)),
            destination_admin: format!("{}/admin", shop_url(demo::DESTINATION)),
            source_admins: demo::SOURCES
                .iter()
                .map(|s| ((*s).to_owned(), format!("{}/admin", shop_url(s))))
                .collect(),
            app_url: app_url.clone(),
            sim_url,
            data_dir: run_dir,
        };
        let server = Server::on_listener(config, listener)
            .await?
            .with_routes(routes(sim.clone(), links.clone()));
        let server = tokio::spawn(server.run(shutdown));

        let demo = demo::Demo::new(sim.clone(), app_url);
        tokio::time::timeout(Duration::from_secs(180), demo.build())
            .await
            .map_err(|_| anyhow::anyhow!("the sandbox demo was not ready within 180 s"))?
            .context("the sandbox could not build its demo")?;

        Ok(Sandbox {
            links,
            sim,
            running_sim: Some(running_sim),
            server,
        })
    }

    /// Waits until the server stopped (its shutdown fired), then stops the simulator.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let served = (&mut self.server).await;
        if let Some(sim) = self.running_sim.take() {
            sim.stop().await;
        }
        served??;
        Ok(())
    }
}

/// `data_dir/sandbox/<UTC time>-<pid>`, created; older runs beyond the last few are deleted.
fn fresh_run_dir(data_dir: &Path) -> anyhow::Result<PathBuf> {
    let root = data_dir.join("sandbox");
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&root)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    runs.sort();
    if runs.len() >= KEEP_RUNS {
        for old in &runs[..=runs.len() - KEEP_RUNS] {
            if let Err(e) = std::fs::remove_dir_all(old) {
                tracing::warn!(dir = %old.display(), error = %e, "cannot delete an old sandbox run");
            }
        }
    }
    let name = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id()
    );
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// A fresh app secret for this run (the simulator signs webhooks and session tokens with it).
fn random_secret() -> String {
    use rand::Rng as _;
    let bytes: [u8; 24] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Deserialize)]
struct OpenQuery {
    shop: String,
}

/// The sandbox's own routes: `GET /sandbox` lists the links; `GET /sandbox/open?shop=…` opens
/// the app for a store as Shopify's admin would (a fresh session token in `id_token`).
fn routes(sim: Sim, links: Links) -> Router {
    let page = Html(index_page(&links));
    Router::new()
        .route("/sandbox", get(move || async move { page }))
        .route("/sandbox/open", get(open_app))
        .with_state(sim)
}

/// A plain page with the sandbox's links (what start-up prints).
fn index_page(links: &Links) -> String {
    let item = |label: &str, url: &str, what: &str| {
        format!("<li><a href=\"{url}\">{label}</a>: {what}</li>")
    };
    let mut items = vec![
        item(
            "Orders tab",
            &links.orders_tab,
            "ordersync as Harbor Home's merchant (the destination store)",
        ),
        item(
            "Storefront",
            &links.storefront,
            "place an order on Harbor Home as a shopper",
        ),
        item(
            "Harbor Home admin",
            &links.destination_admin,
            "the destination store in the simulated Shopify admin: orders, shipments, tracking",
        ),
    ];
    for (domain, url) in &links.source_admins {
        items.push(item(
            &format!("Supplier admin: {domain}"),
            url,
            "open an order ordersync pushed here and fulfill it with tracking",
        ));
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ordersync sandbox</title></head>\
         <body><main><h1>ordersync sandbox</h1><p>A local demo: ordersync and a simulated Shopify \
         with three stores. Nothing here talks to Shopify. Data: <code>{}</code>.</p><ul>{}</ul></main></body></html>",
        links.data_dir.display(),
        items.join("")
    )
}

async fn open_app(State(sim): State<Sim>, Query(q): Query<OpenQuery>) -> Response {
    let shop = q.shop.trim().to_ascii_lowercase();
    let token = sim.read(|w| {
        let installed = w
            .shop(&shop)
            .and_then(|s| s.installations.get(API_KEY))
            .is_some_and(|i| i.installed);
        installed
            .then(|| oauth::mint_session_token(w, &shop, API_KEY, 1))
            .flatten()
    });
    match token {
        Some(token) => Redirect::to(&format!("/app?shop={shop}&id_token={token}")).into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            format!(
                "`shop`: {shop} is not a sandbox store with ordersync installed (try {})",
                demo::DESTINATION
            ),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn each_run_gets_a_fresh_folder_and_only_the_last_runs_are_kept() {
        let data = tempfile::tempdir().unwrap();
        let root = data.path().join("sandbox");
        for i in 0..7 {
            std::fs::create_dir_all(root.join(format!("20260101T00000{i}Z-1"))).unwrap();
        }
        std::fs::write(root.join("note.txt"), "not a run").unwrap();
        let run = fresh_run_dir(data.path()).unwrap();
        assert!(run.is_dir() && run.starts_with(&root));
        let mut left: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), KEEP_RUNS + 1, "{left:?}");
        assert_eq!(left[0], "20260101T000003Z-1", "the oldest runs went first");
        assert!(left.contains(&"note.txt".to_owned()));
        assert!(left.contains(&run.file_name().unwrap().to_string_lossy().into_owned()));
    }

    #[test]
    fn the_index_page_lists_every_link() {
        let links = Links {
            app_url: "http://127.0.0.1:8080".into(),
            sim_url: "http://127.0.0.1:4000".into(),
            orders_tab: "http://127.0.0.1:8080/sandbox/open?shop=a.myshopify.com".into(),
            storefront: "http://127.0.0.1:4000/shops/a.myshopify.com/store".into(),
            destination_admin: "http://127.0.0.1:4000/shops/a.myshopify.com/admin".into(),
            source_admins: vec![(
                "b.myshopify.com".into(),
                "http://127.0.0.1:4000/shops/b.myshopify.com/admin".into(),
            )],
            data_dir: PathBuf::from("data/sandbox/x"),
        };
        let page = index_page(&links);
        let printed = links.describe();
        for url in [
            &links.orders_tab,
            &links.storefront,
            &links.destination_admin,
            &links.source_admins[0].1,
        ] {
            assert!(page.contains(url.as_str()), "{url} in {page}");
            assert!(printed.contains(url.as_str()), "{url} in {printed}");
        }
    }
}
