//! The chaos harness: shopify-sim in-process and ordersync as **real child processes** (the
//! `ordersync` binary cargo built for these tests), so a process can be SIGKILLed in the middle of
//! its work and started again on the same database, as an operator's crash would.
//!
//! - [`Harness::start`] starts the simulator (the app registered with its key, secret and
//!   redirect URL), a *front* (a TCP forwarder on the one `app_url` Shopify knows, spreading
//!   connections over the processes with the `api` role and skipping dead ones), a fresh database
//!   (an SQLite file, or a new PostgreSQL database when [`Database::Postgres`] is asked), and the
//!   processes listed in [`HarnessConfig::processes`], each with its roles (`api`, `worker`,
//!   `api,worker`) and its own port, kept across restarts. Each process logs to its own file in
//!   the harness's temporary folder; [`Harness::logs_tail`] shows the end of them in failure
//!   messages, and a failed test keeps the folder (its path is printed).
//! - [`Harness::kill`] SIGKILLs one process, [`Harness::restart`] starts it again and waits until
//!   it answers `/healthz`.
//! - Merchant and shopper acts go through the simulator ([`Harness::add_shop`],
//!   [`Harness::product`], [`Harness::place_order`], [`Harness::mark_paid`]); the merchant's
//!   clicks in ordersync go through its JSON API with fresh session tokens ([`Harness::api`],
//!   [`Harness::install`], [`Harness::connect`], [`Harness::addon_on`], [`Harness::auto_push`]).
//! - [`network`] builds several destination and source stores wired together; [`scenario`] is
//!   the chaos run itself (orders of every kind, faults, kills, settling, the checks), reusable
//!   with another [`HarnessConfig`] (several processes on PostgreSQL, say).
//!
//! `docs/testing.md` describes the harness and the chaos test.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

pub mod network;
pub mod scenario;

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ordersync_store::{DatabaseConfig, Store};
use reqwest::redirect::Policy;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use shopify_sim::faults::FaultHit;
use shopify_sim::merchant::{
    create_product, mark_paid, place_order, NewProduct, NewVariant, PlaceOrder,
};
use shopify_sim::state::App;
use shopify_sim::{oauth, RunningSim, Sim, SimConfig, SimServer};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::net::{TcpListener, TcpStream};

/// The app's API key, as registered in the simulator.
pub const KEY: &str = "ordersync-key";
/// The app's secret.
pub const SECRET: &str = "ordersync-secret";

/// Where the processes keep their data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A fresh SQLite file in the harness's temporary folder.
    Sqlite,
    /// A fresh database created on this PostgreSQL server (the URL names any database on it,
    /// e.g. `postgres://postgres@127.0.0.1:5432/test`), dropped when the harness stops.
    Postgres(String),
}

impl Database {
    /// `CHAOS_POSTGRES_URL` set (and not empty): PostgreSQL on that server; else SQLite.
    pub fn from_env() -> Self {
        match std::env::var("CHAOS_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => Database::Postgres(url.trim().to_owned()),
            _ => Database::Sqlite,
        }
    }

    /// For the scale-out test (several processes on one database, the PostgreSQL deployment):
    /// `CHAOS_POSTGRES_URL`, else the suite's `ORDERSYNC_TEST_POSTGRES_URL` (set by `.ci/run`),
    /// else SQLite, which under `CI=true` is refused so that CI always runs it on PostgreSQL.
    pub fn scale_out_from_env() -> Self {
        if let Database::Postgres(url) = Self::from_env() {
            return Database::Postgres(url);
        }
        match std::env::var("ORDERSYNC_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => Database::Postgres(url.trim().to_owned()),
            _ => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI=true: the scale-out chaos test needs PostgreSQL; set \
                     ORDERSYNC_TEST_POSTGRES_URL or CHAOS_POSTGRES_URL"
                );
                Database::Sqlite
            }
        }
    }

    /// `sqlite` or `postgres`.
    pub fn label(&self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

/// How the harness runs ordersync.
#[derive(Debug, Clone)]
pub struct HarnessConfig {
    /// The database every process shares.
    pub database: Database,
    /// One entry per process: its `roles` setting (`api`, `worker` or `api,worker`). At least
    /// one must have the `api` role (Shopify's webhooks and the merchant's clicks reach it).
    pub processes: Vec<String>,
    /// `worker_concurrency` of every process.
    pub worker_concurrency: u32,
    /// `worker_lease_secs`: how long a killed process's jobs stay claimed.
    pub worker_lease_secs: u64,
    /// `worker_poll_ms`: how soon a worker sees jobs another process enqueued.
    pub worker_poll_ms: u64,
    /// `log_level` of every process (logs go to files, see [`Harness::logs_tail`]).
    pub log_level: String,
    /// The simulator's settings (webhook retries, timeout).
    pub sim: SimConfig,
}

impl HarnessConfig {
    /// One process with both roles on `database`; leases short enough that a killed process's
    /// jobs come back within seconds; webhooks retried for about half a minute.
    pub fn single(database: Database) -> Self {
        HarnessConfig {
            database,
            processes: vec!["api,worker".to_owned()],
            worker_concurrency: 8,
            worker_lease_secs: 10,
            worker_poll_ms: 200,
            log_level: std::env::var("CHAOS_LOG_LEVEL").unwrap_or_else(|_| "info".to_owned()),
            sim: chaos_sim_config(),
        }
    }

    /// [`single`](Self::single) on [`Database::from_env`], with the processes of
    /// `CHAOS_PROCESSES` when set: each process's roles, processes separated by `;`, e.g.
    /// `api,worker;api,worker;worker` for three processes.
    pub fn from_env() -> Self {
        let mut config = Self::single(Database::from_env());
        if let Ok(list) = std::env::var("CHAOS_PROCESSES") {
            if !list.trim().is_empty() {
                config.processes = list.split(';').map(|r| r.trim().to_owned()).collect();
            }
        }
        config
    }
}

/// Webhook retries after 100 ms, 200 ms, … capped at 5 s, about 30 s in all (Shopify retries for
/// hours; the test compresses that but keeps it longer than a restart), answered within 10 s.
pub fn chaos_sim_config() -> SimConfig {
    let mut delays: Vec<Duration> = (0..6).map(|i| Duration::from_millis(100 << i)).collect();
    delays.extend(std::iter::repeat_n(Duration::from_secs(5), 5));
    SimConfig {
        webhook_retry_delays: delays,
        webhook_timeout: Duration::from_secs(10),
    }
}

/// One ordersync process.
#[derive(Debug)]
struct Process {
    roles: String,
    port: u16,
    child: Option<Child>,
    log: PathBuf,
    starts: u32,
}

/// shopify-sim, the front and the ordersync processes; see the module docs.
pub struct Harness {
    /// The simulator (state, faults, journal).
    pub sim: Sim,
    /// Where it listens, e.g. `http://127.0.0.1:4000`.
    pub sim_url: String,
    /// The URL Shopify knows the app by (the front).
    pub app_url: String,
    /// A client that does not follow redirects.
    pub http: reqwest::Client,
    /// The database, opened by the test once the first process migrated it, to read state.
    store: Option<Store>,
    /// How it runs.
    pub config: HarnessConfig,
    /// Processes started again after a kill, so far.
    pub restarts: u32,
    /// SIGKILLs sent, so far.
    pub kills: u32,
    procs: Vec<Process>,
    env: Vec<(String, String)>,
    front: tokio::task::JoinHandle<()>,
    pg: Option<(PgConnectOptions, String)>,
    running: Option<RunningSim>,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("app_url", &self.app_url)
            .field("sim", &self.sim_url)
            .field("procs", &self.procs)
            .finish_non_exhaustive()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Harness {
    /// Starts everything; see the module docs. Panics with the processes' logs when one does
    /// not come up.
    pub async fn start(config: HarnessConfig) -> Harness {
        assert!(
            config.processes.iter().any(|r| r.contains("api")),
            "at least one process needs the api role: {:?}",
            config.processes
        );
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app_url = format!("http://{}", front.local_addr().unwrap());

        let sim = Sim::new(config.sim.clone());
        let callback = format!("{app_url}/auth/callback");
        sim.mutate(|w| {
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
        let data_dir = dir.path().join("data");
        let (database_url, db_config, pg) = match &config.database {
            Database::Sqlite => (String::new(), DatabaseConfig::sqlite_in(&data_dir), None),
            Database::Postgres(server) => {
                let (url, options, name) = fresh_postgres(server).await;
                let admin = PgConnectOptions::from_str(server).unwrap();
                (
                    url,
                    DatabaseConfig::Postgres {
                        options: Box::new(options),
                    },
                    Some((admin, name)),
                )
            }
        };
        let key = ordersync_server::auth::crypto::TokenCipher::generate_key();
        let env: Vec<(String, String)> = [
            ("ORDERSYNC_APP_URL", app_url.clone()),
            ("ORDERSYNC_SHOPIFY_API_KEY", KEY.to_owned()),
            ("ORDERSYNC_SHOPIFY_API_SECRET", SECRET.to_owned()),
            (
                "ORDERSYNC_SHOPIFY_BASE_URL",
                format!("{}/shops/{{shop}}", sim.url()),
            ),
            ("ORDERSYNC_TOKEN_ENCRYPTION_KEY", key),
            ("ORDERSYNC_MODE", "development".to_owned()),
            ("ORDERSYNC_DATA_DIR", data_dir.display().to_string()),
            ("ORDERSYNC_DATABASE_URL", database_url),
            (
                "ORDERSYNC_WORKER_CONCURRENCY",
                config.worker_concurrency.to_string(),
            ),
            (
                "ORDERSYNC_WORKER_LEASE_SECS",
                config.worker_lease_secs.to_string(),
            ),
            (
                "ORDERSYNC_WORKER_POLL_MS",
                config.worker_poll_ms.to_string(),
            ),
            ("ORDERSYNC_LOG_LEVEL", config.log_level.clone()),
            ("ORDERSYNC_LOG_FORMAT", "text".to_owned()),
            ("ORDERSYNC_SHUTDOWN_GRACE_SECS", "5".to_owned()),
            // Reconciliation at its shortest interval, so that what dropped webhooks missed is
            // found within the settle time, with an overlap to match: the simulator's search
            // has no index lag and shares the machine's clock, and with the default five
            // minutes every run every 10 s would re-read the last five minutes of orders.
            ("ORDERSYNC_WORKER_RECONCILE_INTERVAL_SECS", "10".to_owned()),
            ("ORDERSYNC_WORKER_RECONCILE_OVERLAP_SECS", "30".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();

        let procs = config
            .processes
            .iter()
            .enumerate()
            .map(|(i, roles)| Process {
                roles: roles.clone(),
                port: free_port(),
                child: None,
                log: dir.path().join(format!("ordersync-{i}.log")),
                starts: 0,
            })
            .collect::<Vec<_>>();
        let backends: Arc<Vec<u16>> = Arc::new(
            procs
                .iter()
                .filter(|p| p.roles.contains("api"))
                .map(|p| p.port)
                .collect(),
        );
        let front = tokio::spawn(serve_front(front, backends));
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut harness = Harness {
            sim: sim.sim.clone(),
            sim_url: sim.url(),
            app_url,
            http,
            store: None,
            config,
            restarts: 0,
            kills: 0,
            procs,
            env,
            front,
            pg,
            running: Some(sim),
            dir,
        };
        // One after another: the first one migrates the database, the others find it ready.
        for i in 0..harness.procs.len() {
            harness.launch(i).await;
        }
        harness.store = Some(Store::connect(&db_config).await.unwrap());
        harness
    }

    /// The database the processes share.
    pub fn store(&self) -> &Store {
        self.store.as_ref().unwrap()
    }

    /// How many processes the harness runs.
    pub fn process_count(&self) -> usize {
        self.procs.len()
    }

    /// Whether process `i` is running (started and not killed).
    pub fn is_running(&self, i: usize) -> bool {
        self.procs[i].child.is_some()
    }

    /// Spawns process `i` and waits until it answers `/healthz`.
    async fn launch(&mut self, i: usize) {
        let bin = env!("CARGO_BIN_EXE_ordersync");
        let p = &mut self.procs[i];
        assert!(p.child.is_none(), "process {i} is already running");
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p.log)
            .unwrap();
        writeln!(
            log,
            "===== start #{} (roles {}) =====",
            p.starts + 1,
            p.roles
        )
        .unwrap();
        let mut cmd = Command::new(bin);
        for (key, _) in std::env::vars() {
            if key.starts_with("ORDERSYNC_") || key == "DATABASE_URL" {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("ORDERSYNC_LISTEN", format!("127.0.0.1:{}", p.port))
            .env("ORDERSYNC_ROLES", &p.roles)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log));
        let child = cmd.spawn().unwrap();
        p.child = Some(child);
        p.starts += 1;
        let port = p.port;
        let started = Instant::now();
        loop {
            let exited = self.procs[i]
                .child
                .as_mut()
                .and_then(|c| c.try_wait().unwrap());
            if let Some(status) = exited {
                self.procs[i].child = None;
                panic!(
                    "ordersync process {i} exited at start ({status}):\n{}",
                    self.logs_tail(40)
                );
            }
            let healthy = self
                .http
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "ordersync process {i} did not answer /healthz within 60 s:\n{}",
                self.logs_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILLs process `i` (no graceful anything: requests and jobs in flight are cut off).
    pub fn kill(&mut self, i: usize) {
        let mut child = self.procs[i]
            .child
            .take()
            .unwrap_or_else(|| panic!("process {i} is not running"));
        child.kill().unwrap();
        child.wait().unwrap();
        self.kills += 1;
    }

    /// Starts process `i` again (after [`kill`](Self::kill)) on its port and database, and waits
    /// until it answers `/healthz`.
    pub async fn restart(&mut self, i: usize) {
        self.launch(i).await;
        self.restarts += 1;
    }

    /// Stops every process with SIGTERM (SIGKILL after 15 s), drops the PostgreSQL database and
    /// stops the simulator.
    pub async fn stop(mut self) {
        for p in &mut self.procs {
            if let Some(mut child) = p.child.take() {
                let pid = child.id().to_string();
                let _ = Command::new("kill").args(["-TERM", &pid]).status();
                let deadline = Instant::now() + Duration::from_secs(15);
                while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if let Some(store) = self.store.take() {
            store.close().await;
        }
        if let Some((admin, name)) = self.pg.take() {
            drop_postgres(&admin, &name).await;
        }
        self.front.abort();
        if let Some(sim) = self.running.take() {
            sim.stop().await;
        }
    }

    /// Lines of process `i`'s log (all its runs) that contain `needle`.
    pub fn log_count(&self, i: usize, needle: &str) -> usize {
        std::fs::read_to_string(&self.procs[i].log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// The roles of process `i`.
    pub fn roles(&self, i: usize) -> &str {
        &self.procs[i].roles
    }

    /// The last `lines` lines of every process's log, for failure messages.
    pub fn logs_tail(&self, lines: usize) -> String {
        let mut out = String::new();
        for (i, p) in self.procs.iter().enumerate() {
            let mut text = String::new();
            if let Ok(mut f) = std::fs::File::open(&p.log) {
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
                let _ = f.read_to_string(&mut text);
            }
            let tail: Vec<&str> = text.lines().rev().take(lines).collect();
            out.push_str(&format!(
                "--- ordersync process {i} ({}), {} ---\n",
                p.roles,
                p.log.display()
            ));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    // --- the simulator: shops, products, a shopper's orders --------------------------------

    /// Adds a shop (not a development store: no 5-per-minute `orderCreate` limit).
    pub fn add_shop(&self, domain: &str, name: &str) {
        self.sim.mutate(|w| {
            let shop = w.add_shop(domain, name, &format!("owner@{domain}"), "USD");
            shop.plan_name = "Shopify".to_owned();
            shop.order_create_limit = false;
        });
    }

    /// A one-variant product with `sku`; answers the variant's numeric id.
    pub fn product(&self, shop: &str, title: &str, sku: &str, price: Decimal, stock: i64) -> u64 {
        self.sim.mutate(|w| {
            let id = create_product(
                w,
                shop,
                NewProduct {
                    title: title.into(),
                    vendor: None,
                    variants: vec![NewVariant {
                        title: None,
                        sku: Some(sku.into()),
                        price,
                        inventory: stock,
                    }],
                },
            )
            .unwrap();
            w.shop(shop).unwrap().products[&id].variant_ids[0]
        })
    }

    /// A shopper checks out in `shop`; answers the order's numeric id and name.
    pub fn place_order(&self, shop: &str, order: PlaceOrder) -> (u64, String) {
        self.sim.mutate(|w| {
            let id = place_order(w, shop, order).unwrap();
            let name = w.shop(shop).unwrap().orders[&id].name.clone();
            (id, name)
        })
    }

    /// The merchant marks an order paid (`orders/paid`, `orders/updated`).
    pub fn mark_paid(&self, shop: &str, order_id: u64) {
        self.sim.mutate(|w| mark_paid(w, shop, order_id)).unwrap();
    }

    /// Every fault that fired, from the simulator's control API (`GET /_sim/faults/hits`).
    pub async fn fault_hits(&self) -> Vec<FaultHit> {
        self.http
            .get(format!("{}/_sim/faults/hits", self.sim_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    // --- ordersync's routes, as the merchant's browser calls them ---------------------------

    /// A fresh session token for `shop` (they live 60 s, so one per call).
    pub fn session_token(&self, shop: &str) -> String {
        self.sim
            .read(|w| oauth::mint_session_token(w, shop, KEY, 1))
            .unwrap()
    }

    /// Calls ordersync's JSON API as `shop`'s merchant; answers the status and the JSON body.
    pub async fn api(
        &self,
        shop: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.app_url))
            .bearer_auth(self.session_token(shop));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get_no_follow(&self, url: &str) -> (u16, Option<String>, String) {
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// Installs the app on `shop` through the real OAuth flow and sets its role
    /// (`destination` or `source`).
    pub async fn install(&self, shop: &str, role: &str) {
        let (status, location, body) = self
            .get_no_follow(&format!("{}/auth?shop={shop}", self.app_url))
            .await;
        assert_eq!(status, 303, "/auth for {shop}: {body}");
        let (status, location, body) = self.get_no_follow(&location.unwrap()).await;
        assert_eq!(status, 302, "authorize for {shop}: {body}");
        let (status, _, body) = self.get_no_follow(&location.unwrap()).await;
        assert_eq!(status, 303, "callback for {shop}: {body}");
        let (status, body) = self
            .api(
                shop,
                "PUT",
                "/api/store/role",
                Some(json!({ "role": role })),
            )
            .await;
        assert_eq!(status, 200, "role of {shop}: {body}");
    }

    /// Connects destination `dest` to source `source` by the source's connection key.
    pub async fn connect(&self, dest: &str, source: &str) {
        let (status, key) = self.api(source, "GET", "/api/connection-key", None).await;
        assert_eq!(status, 200, "connection key of {source}: {key}");
        let (status, body) = self
            .api(
                dest,
                "POST",
                "/api/connections",
                Some(json!({ "key": key["connection_key"] })),
            )
            .await;
        assert!(
            (200..300).contains(&status),
            "connect {dest} to {source}: {body}"
        );
    }

    /// Waits until `dest`'s re-match settled with `expected` synced variants; answers the
    /// synced products overview.
    pub async fn wait_synced(&self, dest: &str, expected: usize) -> Value {
        let mut last = Value::Null;
        for _ in 0..600 {
            let (status, body) = self.api(dest, "GET", "/api/synced-products", None).await;
            assert_eq!(status, 200, "{body}");
            if body["rematch_pending"] == false && body["synced_total"] == expected {
                return body;
            }
            last = body;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{dest} never had {expected} synced products: {last}");
    }

    /// Switches the Order add-on on for `dest` and approves the charge in the simulator.
    pub async fn addon_on(&self, dest: &str) {
        let (status, waiting) = self.api(dest, "POST", "/api/addon", None).await;
        assert_eq!(status, 200, "{waiting}");
        let confirmation = waiting["confirmation_url"].as_str().unwrap().to_owned();
        let approved = self
            .http
            .post(&confirmation)
            .form(&[("decision", "approve")])
            .send()
            .await
            .unwrap();
        let back = approved.headers()["location"].to_str().unwrap().to_owned();
        self.get_no_follow(&back).await;
        let (_, active) = self.api(dest, "GET", "/api/addon", None).await;
        assert_eq!(active["state"], "active", "add-on of {dest}: {active}");
    }

    /// Turns automated push on or off for `dest`.
    pub async fn auto_push(&self, dest: &str, enabled: bool) {
        let (status, body) = self
            .api(
                dest,
                "PUT",
                "/api/settings/auto-push",
                Some(json!({ "enabled": enabled })),
            )
            .await;
        assert_eq!(status, 200, "auto push of {dest}: {body}");
        assert_eq!(body["auto_push"], enabled, "{body}");
    }
}

impl Drop for Harness {
    /// A failed test still leaves no process behind (and no PostgreSQL database); it keeps the
    /// processes' logs (and the SQLite file) and says where.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let dir = std::mem::replace(&mut self.dir, tempfile::TempDir::new().unwrap());
            eprintln!(
                "chaos: ordersync's logs and data kept in {}",
                dir.keep().display()
            );
        }
        for p in &mut self.procs {
            if let Some(mut child) = p.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        self.front.abort();
        if let Some((admin, name)) = self.pg.take() {
            // Drop may run inside the test's runtime: use a thread with its own.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_postgres(&admin, &name));
                }
            })
            .join();
        }
    }
}

/// Forwards every connection to the `api` processes in turn, skipping those that refuse it (a
/// killed one); with none up the connection closes unanswered, as when the app is down.
async fn serve_front(listener: TcpListener, backends: Arc<Vec<u16>>) {
    let next = Arc::new(AtomicUsize::new(0));
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        let backends = Arc::clone(&backends);
        let first = next.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            for k in 0..backends.len() {
                let port = backends[(first + k) % backends.len()];
                if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", port)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    return;
                }
            }
        });
    }
}

/// Creates a fresh database on the PostgreSQL server `server` names; answers its URL, its
/// connect options and its name.
async fn fresh_postgres(server: &str) -> (String, PgConnectOptions, String) {
    let admin = PgConnectOptions::from_str(server)
        .unwrap_or_else(|e| panic!("CHAOS_POSTGRES_URL is not a PostgreSQL URL: {e}"));
    let name = format!(
        "ordersync_chaos_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let mut conn = PgConnection::connect_with(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {server}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    let mut url = reqwest::Url::parse(server).unwrap();
    url.set_path(&format!("/{name}"));
    (url.to_string(), admin.database(&name), name)
}

async fn drop_postgres(admin: &PgConnectOptions, name: &str) {
    if let Ok(mut conn) = PgConnection::connect_with(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
        conn.close().await.ok();
    }
}
