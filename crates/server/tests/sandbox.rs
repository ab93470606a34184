//! The sandbox: `ordersync` with no configuration starts shopify-sim in-process and builds a
//! ready demo through the real paths (OAuth install, connection keys, SKU matching, the Order
//! add-on's approval, webhooks, the worker's pushes, the suppliers' shipments). Runs the binary
//! as a person would and checks what the demo holds through ordersync's JSON API.

#![allow(clippy::unwrap_used)]

mod sandbox_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sandbox_support::{SandboxProcess, DESTINATION, SOURCES};
use serde_json::Value;

/// Every status the demo promises, by the list row's `status`.
const STATUSES: [&str; 7] = [
    "not_pushed",
    "pushed",
    "partially_fulfilled",
    "fulfilled",
    "failed",
    "cancelled",
    "ineligible",
];

/// Every reason an order cannot be pushed that the demo shows.
const REASONS: [&str; 4] = [
    "not_paid",
    "zero_value",
    "missing_shipping_address",
    "no_synced_products",
];

fn statuses_and_reasons(rows: &[Value]) -> (Vec<String>, Vec<String>) {
    let statuses = rows
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect();
    let reasons = rows
        .iter()
        .flat_map(|r| r["ineligible_reasons"].as_array().unwrap().clone())
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    (statuses, reasons)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_configuration_serve_starts_the_sandbox_with_its_demo() {
    let mut sandbox = SandboxProcess::start();

    // The links a person needs.
    assert!(sandbox.link("Orders tab").contains("/sandbox/open?shop="));
    assert!(sandbox
        .link("Storefront")
        .ends_with(&format!("/shops/{DESTINATION}/store")));
    for source in SOURCES {
        assert!(sandbox
            .link(&format!("Supplier admin ({source})"))
            .ends_with(&format!("/shops/{source}/admin")));
    }
    // A fresh SQLite file under ./data/sandbox.
    let runs: Vec<_> = std::fs::read_dir(sandbox.dir.path().join("data/sandbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].join("ordersync.db").exists());
    assert!(!sandbox.dir.path().join("data/ordersync.db").exists());

    // Three stores installed, with their roles.
    for (shop, role) in [
        (DESTINATION, "destination"),
        (SOURCES[0], "source"),
        (SOURCES[1], "source"),
    ] {
        let (status, store) = sandbox.api_get(shop, "/api/store").await;
        assert_eq!(status, 200, "{shop}: {store}");
        assert_eq!(store["installed"], true, "{store}");
        assert_eq!(store["role"], role, "{store}");
    }
    // Synced products, with an unsynced own product and the ambiguous shared SKU.
    let synced = sandbox
        .poll(DESTINATION, "/api/synced-products", 60, |b| {
            b["rematch_pending"] == false
        })
        .await;
    assert_eq!(synced["synced_total"], 6, "{synced:#}");
    let text = synced.to_string();
    assert!(
        text.contains("TRAY-OAK") && text.contains("ambiguous"),
        "{text}"
    );
    assert!(text.contains("HH-TOTE"), "{text}");
    // The Order add-on is active.
    let (_, addon) = sandbox.api_get(DESTINATION, "/api/addon").await;
    assert_eq!(addon["state"], "active", "{addon}");

    // Every status and every reason, and an order routed to both suppliers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let rows = loop {
        let rows = sandbox.orders().await;
        let (statuses, reasons) = statuses_and_reasons(&rows);
        if STATUSES.iter().all(|s| statuses.iter().any(|x| x == s))
            && REASONS.iter().all(|r| reasons.iter().any(|x| x == r))
        {
            break rows;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "missing statuses or reasons: have {statuses:?} / {reasons:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(
        rows.iter()
            .any(|r| r["status"] == "not_pushed" && r["sources"].as_array().unwrap().len() == 2),
        "no multi-source order waiting to be pushed: {rows:#?}"
    );
    let failed = rows.iter().find(|r| r["status"] == "failed").unwrap();
    assert!(
        failed["sources"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{failed}"
    );
    let pushed = rows.iter().find(|r| r["status"] == "pushed").unwrap();
    assert!(
        pushed["sources"][0]["source_order_name"].is_string(),
        "{pushed}"
    );

    // The Orders tab link opens the app with a session token for the destination store.
    let open = sandbox
        .http
        .get(sandbox.link("Orders tab"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 303);
    let location = open.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/app?shop={DESTINATION}&id_token=")),
        "{location}"
    );
    let token = location.split("id_token=").nth(1).unwrap();
    let store: Value = sandbox
        .http
        .get(format!("{}/api/store", sandbox.app_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(store["domain"], DESTINATION, "{store}");
    // The index page lists the same links.
    let index = sandbox
        .http
        .get(sandbox.link("Start here"))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    let index = index.text().await.unwrap();
    for link in [sandbox.link("Orders tab"), sandbox.link("Storefront")] {
        assert!(index.contains(&link), "{link} not on /sandbox: {index}");
    }
    let unknown = sandbox
        .http
        .get(format!(
            "{}/sandbox/open?shop=nowhere.myshopify.com",
            sandbox.app_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    assert!(sandbox.stop(), "the sandbox stops cleanly on SIGTERM");
}

/// Starts the binary with `env` and `args`, reads its log until it listens; answers the log.
fn log_until_listening(env: &[(&str, &str)], args: &[&str]) -> (Vec<String>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ordersync"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ORDERSYNC_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .envs(env.iter().copied())
        .env("ORDERSYNC_LISTEN", "127.0.0.1:0")
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.contains("listening on http://");
        seen.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    (seen, dir)
}

/// Environment, arguments, and what the log must say.
type Case = (
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    &'static str,
);

#[test]
fn real_configuration_or_the_switch_turns_the_sandbox_off_and_the_log_says_so() {
    let cases: [Case; 3] = [
        (
            &[
                ("ORDERSYNC_SHOPIFY_API_KEY", "key"),
                ("ORDERSYNC_SHOPIFY_API_SECRET", "secret"),
            ],
            &[],
            "sandbox off: real configuration given",
        ),
        (&[], &["--no-sandbox"], "sandbox off: --no-sandbox given"),
        (
            &[("ORDERSYNC_SANDBOX", "off")],
            &["serve"],
            "sandbox off: sandbox = off",
        ),
    ];
    for (env, args, expected) in cases {
        let (log, dir) = log_until_listening(env, args);
        assert!(
            log.iter().any(|l| l.contains(expected)),
            "{env:?} {args:?}: {log:#?}"
        );
        assert!(
            log.iter().any(|l| l.contains("listening on http://")),
            "{log:#?}"
        );
        assert!(!dir.path().join("data/sandbox").exists());
        assert!(dir.path().join("data/ordersync.db").exists());
    }
}
