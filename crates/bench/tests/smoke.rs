//! Runs every scenario of `ordersync-bench` tiny, on SQLite and (when
//! `ORDERSYNC_TEST_POSTGRES_URL` names a server) on PostgreSQL, so the tool keeps working. Checks
//! what the tool reports about correctness (every acknowledged webhook stored and queued, every
//! generated order stored, pages answered, every order pushed exactly once, every tracking number
//! brought back), never how fast anything was.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::process::Command;

fn bench(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ordersync-bench"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "ordersync-bench {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

/// The PostgreSQL server to run on, or None to skip (never under CI=true).
fn postgres() -> Option<String> {
    match std::env::var("ORDERSYNC_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but ORDERSYNC_TEST_POSTGRES_URL is not set"
            );
            eprintln!("ORDERSYNC_TEST_POSTGRES_URL not set: skipping the PostgreSQL half");
            None
        }
    }
}

fn backends() -> Vec<Vec<String>> {
    let mut all = vec![vec!["--backend".to_owned(), "sqlite".to_owned()]];
    if let Some(url) = postgres() {
        all.push(vec![
            "--backend".into(),
            "postgres".into(),
            "--postgres-url".into(),
            url,
        ]);
    }
    all
}

fn with(backend: &[String], args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(backend.iter().map(String::as_str));
    bench(&all)
}

/// The figures of the `median` line, by column name.
fn median(stdout: &str, column: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("median"))
        .unwrap_or_else(|| panic!("no median line in:\n{stdout}"));
    line.split_whitespace()
        .find_map(|cell| cell.strip_prefix(&format!("{column}=")))
        .unwrap_or_else(|| panic!("no {column} in {line}"))
        .parse()
        .unwrap()
}

#[test]
fn ingest_stores_and_queues_every_acknowledged_webhook() {
    for backend in backends() {
        let out = with(
            &backend,
            &[
                "ingest",
                "--runs",
                "2",
                "--duration",
                "1",
                "--rate",
                "40",
                "--connections",
                "4",
            ],
        );
        let checks: Vec<&str> = out.lines().filter(|l| l.contains("acknowledged")).collect();
        assert_eq!(checks.len(), 2, "{out}");
        for line in checks {
            // "run 1: 40 acknowledged, 40 receipts with the full body stored and 40 webhook jobs queued"
            let numbers: Vec<u64> = line
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            assert_eq!(numbers.len(), 3, "{line}");
            assert!(numbers[0] > 0, "nothing acknowledged: {line}");
            assert_eq!(numbers[0], numbers[1], "{line}");
            assert_eq!(numbers[0], numbers[2], "{line}");
        }
        assert_eq!(median(&out, "errors"), 0.0, "{out}");
        assert!(median(&out, "peak_rss_mib") > 0.0, "{out}");
    }
}

#[test]
fn ingest_closed_loop_runs_and_checks() {
    let out = bench(&[
        "ingest",
        "--runs",
        "1",
        "--duration",
        "0.5",
        "--connections",
        "2",
    ]);
    assert!(median(&out, "req/s") > 0.0, "{out}");
    assert!(out.contains("webhook jobs queued"), "{out}");
}

#[test]
fn scale_stores_every_order_and_answers_pages() {
    for backend in backends() {
        let out = with(
            &backend,
            &[
                "scale",
                "--orders",
                "1000",
                "--stores",
                "10",
                "--queries",
                "5",
                "--runs",
                "1",
                "--batch",
                "64",
                "--writers",
                "3",
            ],
        );
        // Every order stored once (the tool counts them) by three writers in 16 batches.
        assert!(out.contains("stored: 1000 orders"), "{out}");
        assert!(out.contains("3 writers"), "{out}");
        assert!(median(&out, "search_p99_ms") > 0.0, "{out}");
    }
}

#[test]
fn idle_reports_memory() {
    for backend in backends() {
        let out = with(&backend, &["idle", "--runs", "1", "--duration", "0.2"]);
        assert!(median(&out, "idle_rss_mib") > 0.0, "{out}");
    }
}

/// The numbers of the `run N:` check line that mentions `marker`.
fn check_numbers(stdout: &str, marker: &str) -> Vec<u64> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("run ") && l.contains(marker))
        .unwrap_or_else(|| panic!("no check line with {marker:?} in:\n{stdout}"));
    line.split_whitespace()
        .filter_map(|w| w.trim_end_matches([',', ':']).parse().ok())
        .collect()
}

#[test]
fn push_pushes_every_order_exactly_once_on_every_source_store() {
    for backend in backends() {
        let out = with(
            &backend,
            &["push", "--runs", "1", "--orders", "6", "--sources", "3"],
        );
        // "run 1: 18 orders placed, 18 pushed, 18 push_created entries for 18 pushes, 18 source
        // orders with 18 distinct ordersync tags, 18 orderCreate answered ok"
        let numbers = check_numbers(&out, "orders placed");
        assert_eq!(numbers.len(), 8, "{out}");
        assert_eq!(numbers[0], 1, "{out}");
        for n in &numbers[1..] {
            assert_eq!(*n, 18, "{out}");
        }
        assert_eq!(median(&out, "errors"), 0.0, "{out}");
        assert!(median(&out, "points/push") > 0.0, "{out}");
        assert!(median(&out, "store_min/s") > 0.0, "no store starved: {out}");
        assert!(!out.contains("CHECK FAILED"), "{out}");
    }
}

#[test]
fn tracking_brings_every_tracking_number_to_the_destination_once() {
    for backend in backends() {
        let out = with(
            &backend,
            &[
                "tracking",
                "--runs",
                "1",
                "--fulfillments",
                "5",
                "--rate",
                "20",
            ],
        );
        // "run 1: 5 fulfillments sent, 5 tracking numbers arrived once on the destination"
        assert_eq!(
            check_numbers(&out, "fulfillments sent"),
            vec![1, 5, 5],
            "{out}"
        );
        assert_eq!(median(&out, "arrived"), 5.0, "{out}");
        assert_eq!(median(&out, "errors"), 0.0, "{out}");
        assert!(!out.contains("CHECK FAILED"), "{out}");
    }
}

#[test]
fn bad_options_are_refused_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_ordersync-bench"))
        .args(["ingest", "--duration", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--duration"), "{stderr}");
}
