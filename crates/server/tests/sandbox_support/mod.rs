//! The sandbox as a person starts it: the `ordersync` binary with no configuration at all (only
//! a free port), in a temporary working folder. [`SandboxProcess::start`] waits until it printed
//! its links (the demo is ready then) and answers them; the JSON API is called with session
//! tokens minted by the simulator's control API, as Shopify's admin would hand them out.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The sandbox's destination store.
pub const DESTINATION: &str = "harbor-home.myshopify.com";
/// Its source stores.
pub const SOURCES: [&str; 2] = ["alder-ceramics.myshopify.com", "birch-linen.myshopify.com"];
/// The sandbox app's API key in the simulator.
pub const API_KEY: &str = "ordersync-sandbox";

/// A running `ordersync` in sandbox mode.
pub struct SandboxProcess {
    child: Option<Child>,
    /// The printed links, by label (`Orders tab (…)`, `Storefront (shopper)`, …).
    pub links: BTreeMap<String, String>,
    /// Its log (stderr), collected by a thread.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// The working folder (its `data/` holds the sandbox database).
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl SandboxProcess {
    /// Starts the binary with nothing configured but `ORDERSYNC_LISTEN=127.0.0.1:0` and waits
    /// (up to 240 s) for the printed links.
    pub fn start() -> SandboxProcess {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ordersync"));
        for (key, _) in std::env::vars() {
            if key.starts_with("ORDERSYNC_") || key == "DATABASE_URL" {
                cmd.env_remove(key);
            }
        }
        let mut child = cmd
            .env("ORDERSYNC_LISTEN", "127.0.0.1:0")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = SandboxProcess {
            child: Some(child),
            links: BTreeMap::new(),
            log,
            dir,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(240);
        let mut ready = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.min(Duration::from_millis(500))) {
                Ok(line) => {
                    if line.contains("ordersync sandbox ready") {
                        ready = true;
                    } else if ready {
                        if line.trim().is_empty() {
                            break;
                        }
                        if let Some((label, url)) = line.trim().split_once(": ") {
                            process
                                .links
                                .insert(label.trim().to_owned(), url.trim().to_owned());
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!(
                        "ordersync exited before the sandbox was ready:\n{}",
                        process.log_tail(60)
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "the sandbox was not ready within 240 s:\n{}",
                process.log_tail(60)
            );
        }
        process
    }

    /// The link printed with a label starting with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.links
            .iter()
            .find(|(label, _)| label.starts_with(prefix))
            .map(|(_, url)| url.clone())
            .unwrap_or_else(|| panic!("no link `{prefix}` in {:#?}", self.links))
    }

    /// ordersync's base URL.
    pub fn app_url(&self) -> String {
        self.link("ordersync")
    }

    /// The simulator's base URL.
    pub fn sim_url(&self) -> String {
        self.link("shopify-sim control API")
            .trim_end_matches("/_sim/shops")
            .to_owned()
    }

    /// The last `n` log lines.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log.lock().unwrap();
        log[log.len().saturating_sub(n)..].join("\n")
    }

    /// A fresh session token for `shop`, from the simulator's control API.
    pub async fn session_token(&self, shop: &str) -> String {
        let answer: Value = self
            .http
            .post(format!(
                "{}/_sim/shops/{shop}/apps/{API_KEY}/session_token",
                self.sim_url()
            ))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["session_token"].as_str().unwrap().to_owned()
    }

    /// `GET` on ordersync's JSON API as `shop`'s merchant; answers status and body.
    pub async fn api_get(&self, shop: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.app_url()))
            .bearer_auth(self.session_token(shop).await)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `POST` on ordersync's JSON API as `shop`'s merchant with a JSON body.
    pub async fn api_post(&self, shop: &str, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.app_url()))
            .bearer_auth(self.session_token(shop).await)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Polls `GET path` as `shop` until `done` holds for the body (up to `secs`); answers it.
    pub async fn poll(
        &self,
        shop: &str,
        path: &str,
        secs: u64,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (status, body) = self.api_get(shop, path).await;
            assert_eq!(status, 200, "GET {path}: {body}");
            if done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "GET {path} never reached the expected state: {body:#}\n{}",
                self.log_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The Orders tab list rows (first page of 250).
    pub async fn orders(&self) -> Vec<Value> {
        let (status, body) = self.api_get(DESTINATION, "/api/orders?limit=250").await;
        assert_eq!(status, 200, "{body}");
        body["orders"].as_array().unwrap().clone()
    }

    /// Stops the process with SIGTERM and waits (SIGKILL after 15 s); answers whether it
    /// exited successfully.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if std::thread::panicking() {
                eprintln!("sandbox log (end):\n{}", self.log_tail(60));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
