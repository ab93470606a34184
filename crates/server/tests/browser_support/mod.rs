//! Browser tests' harness: headless Chromium driven through WebDriver (`fantoccini` talking to
//! `chromedriver`), as a person would use the pages.
//!
//! [`Browser::start`] starts `chromedriver` on a free port (its own process group, so nothing
//! outlives the test) and opens a Chromium session with a fresh, temporary user-data folder and
//! `--headless=new --no-sandbox --disable-gpu --disable-background-networking
//! --disable-component-update --disable-sync --no-first-run`. Nothing is fetched from the
//! network: the pages come from ordersync and shopify-sim on 127.0.0.1.
//!
//! When Chromium or chromedriver is missing the test is **skipped** with a message saying so,
//! unless `CI=true`, where a missing browser **fails** the test (`.ci/run` installs `chromium`
//! and `chromium-driver`). Paths: `CHROMIUM` and `CHROMEDRIVER` override `/usr/bin/chromium`
//! and `/usr/bin/chromedriver`.
//!
//! [`Browser::screenshot`] saves a PNG as a test artifact under `$BROWSER_ARTIFACTS`, or
//! `target/browser-artifacts/` of the workspace, named `<test>-<label>.png`.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)]

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Chromium's switches for tests: headless, no sandbox (root in CI), nothing in the background.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
];

/// A Chromium session.
pub struct Browser {
    /// The WebDriver client (navigate, find, click, …).
    pub client: Client,
    driver: Option<Child>,
    profile: Option<tempfile::TempDir>,
    test: String,
}

fn find_program(var: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(var) {
        if !path.is_empty() {
            return Some(PathBuf::from(path)).filter(|p| p.is_file());
        }
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Where screenshots go: `$BROWSER_ARTIFACTS`, else the workspace's `target/browser-artifacts`.
pub fn artifacts_dir() -> PathBuf {
    match std::env::var("BROWSER_ARTIFACTS") {
        Ok(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts"),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the test `test` (used in artifact
    /// names). `None`: the browser is not installed and this is not CI; the test should return
    /// (the message was printed).
    pub async fn start(test: &str) -> Option<Browser> {
        let chromium = find_program(
            "CHROMIUM",
            &[
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ],
        );
        let driver = find_program("CHROMEDRIVER", &["/usr/bin/chromedriver"]);
        let (chromium, driver) = match (chromium, driver) {
            (Some(c), Some(d)) => (c, d),
            (c, d) => {
                let missing = format!(
                    "browser test `{test}`: {} not installed (apt-get install chromium chromium-driver)",
                    match (c, d) {
                        (None, None) => "chromium and chromedriver are",
                        (None, Some(_)) => "chromium is",
                        _ => "chromedriver is",
                    }
                );
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "{missing}; under CI=true a missing browser fails the test"
                );
                eprintln!("SKIPPED {missing}");
                return None;
            }
        };
        let (mut child, url) = start_driver(&driver).await;
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium.display().to_string(), "args": args }),
        );
        let browser = Browser {
            client: match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&url)
                .await
            {
                Ok(client) => client,
                Err(e) => {
                    kill_group(&mut child);
                    panic!("cannot open a Chromium session through chromedriver: {e}");
                }
            },
            driver: Some(child),
            profile: Some(profile),
            test: test.to_owned(),
        };
        browser
            .client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(60)),
                Some(Duration::from_secs(60)),
                Some(Duration::ZERO),
            ))
            .await
            .unwrap();
        Some(browser)
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The first element matching the CSS selector, waiting for it (up to 30 s).
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` on the page: {e}"))
    }

    /// The input whose `<label>` contains `label` (wrapping it, or naming it with `for`).
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!(
            "//label[contains(normalize-space(.), \"{label}\")]//input \
             | //input[@id = //label[contains(normalize-space(.), \"{label}\")]/@for]"
        );
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no field labelled `{label}` on the page: {e}"))
    }

    /// Types `text` into the field labelled `label` (replacing what it held).
    pub async fn fill(&self, label: &str, text: &str) {
        let field = self.field(label).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the button whose text contains `text`.
    pub async fn click_button(&self, text: &str) {
        let xpath = format!("//button[contains(normalize-space(.), \"{text}\")]");
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button `{text}`: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// The page's visible text (read again when the page changed under the read).
    pub async fn text(&self) -> String {
        let mut last_error = None;
        for _ in 0..50 {
            let read = match self.client.find(Locator::Css("body")).await {
                Ok(body) => body.text().await,
                Err(e) => Err(e),
            };
            match read {
                Ok(text) => return text,
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot read the page's text: {last_error:?}")
    }

    /// Waits (up to `secs`, without reloading: for the page to change after a click or an htmx
    /// swap) until `done` holds for the page's text; answers the text.
    pub async fn wait_until(&self, what: &str, secs: u64, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let text = self.text().await;
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never happened on {}:\n{text}",
                self.client.current_url().await.unwrap()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits (up to `secs`, reloading every half second: for a change on the server's side)
    /// until the page's text contains `needle`; answers the text. Only for pages loaded by GET.
    pub async fn wait_for_text(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` never appeared on {}:\n{text}",
                self.client.current_url().await.unwrap()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            self.client.refresh().await.unwrap();
        }
    }

    /// Saves a screenshot of the window as `<test>-<label>.png` in [`artifacts_dir`]; answers
    /// its path.
    pub async fn screenshot(&self, label: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}-{label}.png", self.test));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Ends the session and stops chromedriver and Chromium.
    pub async fn finish(mut self) {
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(15), client.close()).await;
        if let Some(mut child) = self.driver.take() {
            kill_group(&mut child);
        }
    }
}

/// Starts chromedriver on a free port and waits until it answers; another port when the one
/// picked was taken meanwhile (chromedriver then exits at once).
async fn start_driver(driver: &Path) -> (Child, String) {
    let http = reqwest::Client::new();
    for _ in 0..5 {
        let port = free_port();
        let mut child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let ready = http
                .get(format!("{url}/status"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return (child, url);
            }
            if started.elapsed() > Duration::from_secs(60) {
                kill_group(&mut child);
                panic!("chromedriver did not answer on port {port} within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("chromedriver exited at start five times (ports taken?)")
}

/// SIGKILLs the process group this harness started (chromedriver and the Chromium it ran).
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(mut child) = self.driver.take() {
            kill_group(&mut child);
        }
    }
}
