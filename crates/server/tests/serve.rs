//! The server as an operator meets it: start on the embedded defaults (SQLite created and
//! migrated), answer health checks, refuse bad configuration with a clear message, and stop
//! cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use ordersync_server::app::Server;
use ordersync_server::config::{Config, DEFAULTS};
use ordersync_server::shutdown::Shutdown;

fn test_config(data_dir: &std::path::Path) -> Config {
    let figment = Figment::from(Toml::string(DEFAULTS))
        .merge(Serialized::default("listen", "127.0.0.1:0"))
        .merge(Serialized::default(
            "data_dir",
            data_dir.display().to_string(),
        ));
    Config::from_figment(figment).unwrap()
}

#[tokio::test]
async fn health_and_readiness_answer_and_shutdown_is_graceful() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(test_config(dir.path())).await.unwrap();
    let addr = server.local_addr().unwrap();
    let shutdown = Shutdown::new();
    let running = tokio::spawn(server.run(shutdown.clone()));

    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready: serde_json::Value = reqwest::get(format!("http://{addr}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], "sqlite");
    assert!(dir.path().join("ordersync.db").exists());
    let missing = reqwest::get(format!("http://{addr}/no-such-page"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err(),
        "nothing listens after shutdown"
    );
}

#[tokio::test]
async fn readiness_fails_when_storage_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(test_config(dir.path())).await.unwrap();
    let addr = server.local_addr().unwrap();
    server.store().close().await;
    let shutdown = Shutdown::new();
    let running = tokio::spawn(server.run(shutdown.clone()));
    let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    shutdown.trigger();
    running.await.unwrap().unwrap();
}

/// The binary on its defaults, without the sandbox (which `serve` starts when nothing is
/// configured; `tests/sandbox.rs` covers it): these tests are about the plain server.
fn ordersync() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ordersync"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ORDERSYNC_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd.env("ORDERSYNC_SANDBOX", "off");
    cmd
}

#[test]
fn the_binary_starts_on_defaults_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = ordersync()
        .current_dir(dir.path())
        .env("ORDERSYNC_LISTEN", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said_sandbox_off = false;
    let addr = loop {
        let line = lines
            .next()
            .expect("ordersync exited before listening")
            .unwrap();
        said_sandbox_off |= line.contains("sandbox off: sandbox = off");
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    assert!(said_sandbox_off, "the log says why the sandbox is off");
    let body = reqwest::blocking::get(format!("http://{addr}/readyz"))
        .unwrap()
        .text()
        .unwrap();
    assert!(body.contains("ready"), "{body}");
    // The default data_dir is ./data, relative to where ordersync runs.
    assert!(dir.path().join("data/ordersync.db").exists());

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "ordersync did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("ordersync stopped")),
        "{rest:#?}"
    );

    let migrate = ordersync()
        .current_dir(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(migrate.status.success());
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("database migrated (sqlite)"));
}

#[test]
fn bad_configuration_is_refused_with_the_setting_named() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ORDERSYNC_LISTEN", "not-an-address", "ORDERSYNC_LISTEN"),
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL"),
        ("ORDERSYNC_LOG_FORMAT", "yaml", "ORDERSYNC_LOG_FORMAT"),
    ];
    for (var, value, named) in cases {
        let out = ordersync()
            .current_dir(dir.path())
            .env(var, value)
            .arg("config")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(named), "{var}={value}: {stderr}");
    }
    let out = ordersync()
        .current_dir(dir.path())
        .args(["--config", "missing.toml", "config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created when the configuration is refused"
    );
}

#[test]
fn config_file_and_env_layer_over_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ordersync.toml"),
        "listen = \"127.0.0.1:9999\"\nlog_level = \"debug\"\n",
    )
    .unwrap();
    let out = ordersync()
        .current_dir(dir.path())
        .env("ORDERSYNC_LOG_LEVEL", "warn")
        .args(["--config", "ordersync.toml", "config"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("listen = 127.0.0.1:9999"), "{stdout}");
    assert!(
        stdout.contains("log_level = warn"),
        "env wins over the file: {stdout}"
    );
    assert!(
        stdout.contains("database = sqlite data/ordersync.db"),
        "{stdout}"
    );
}
