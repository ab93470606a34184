//! Scenario `ingest`: signed `orders/create` deliveries of realistic size posted to
//! `POST /webhooks` over loopback, then every acknowledged delivery checked in the database:
//! its receipt (full body) stored and its processing job queued.
//!
//! ordersync runs with the `api` role only, so what is measured is the intake (verify, store
//! receipt and job in one transaction, answer); the jobs stay queued for the check.

use std::time::Duration;

use anyhow::{bail, Result};

use crate::env::{self, BackendKind, Database, Running};
use crate::load::{self, LoadPlan, ORDER_WEBHOOK};
use crate::measure;
use crate::report::Table;
use crate::sql::Conn;
use crate::{Cli, Runtimes};

/// Options of `ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Seconds of load per run.
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// Offered requests per second (open loop, latency from each request's due time); omit
    /// for the closed loop at maximum rate.
    #[arg(long)]
    pub rate: Option<f64>,
    /// HTTP connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
}

/// Runs `ingest` `cli.runs` times and prints the figures.
pub fn run(cli: &Cli, args: &IngestArgs, rt: &Runtimes) -> Result<()> {
    if args.duration <= 0.0 || args.connections == 0 || args.rate.is_some_and(|r| r <= 0.0) {
        bail!("--duration, --connections and --rate must be above 0");
    }
    println!(
        "scenario: ingest, {} s per run, {} connections, {}, body {} bytes",
        args.duration,
        args.connections,
        args.rate
            .map_or("closed loop (maximum rate)".to_owned(), |r| format!(
                "open loop at {r}/s offered"
            )),
        ORDER_WEBHOOK.len()
    );
    let mut table = Table::new(&[
        ("req/s", 0),
        ("p50_ms", 3),
        ("p99_ms", 3),
        ("p99.9_ms", 3),
        ("max_ms", 3),
        ("errors", 0),
        ("server_cpu_s", 2),
        ("loadgen_cpu_s", 2),
        ("postgres_cpu_s", 2),
        ("peak_rss_mib", 1),
    ]);
    let mut failures = Vec::new();
    for i in 0..cli.runs.max(1) {
        let db = rt.server.block_on(Database::fresh(
            cli.backend,
            cli.dir.as_deref(),
            &cli.postgres_url,
            "ingest",
        ))?;
        if i == 0 {
            println!("database: {}", db.location);
        }
        let outcome = one_run(cli, args, rt, &db, i);
        rt.server.block_on(db.remove());
        match outcome? {
            (values, None) => table.run(&format!("run {}", i + 1), values),
            (values, Some(problem)) => {
                table.run(&format!("run {}", i + 1), values);
                println!("run {}: CHECK FAILED: {problem}", i + 1);
                failures.push(problem);
            }
        }
    }
    table.summary();
    if !failures.is_empty() {
        bail!(
            "{} run(s) lost deliveries: {}",
            failures.len(),
            failures.join("; ")
        );
    }
    Ok(())
}

type RunFigures = (Vec<f64>, Option<String>);

fn one_run(
    cli: &Cli,
    args: &IngestArgs,
    rt: &Runtimes,
    db: &Database,
    index: usize,
) -> Result<RunFigures> {
    let data_dir = db
        .sqlite_dir()
        .map_or_else(std::env::temp_dir, ToOwned::to_owned);
    let config = env::config(db, "api", &data_dir)?;
    let server = rt.server.block_on(Running::start(config))?;
    let run_id = format!(
        "bench-{}-{index}-{}",
        std::process::id(),
        rand::random::<u32>()
    );
    let plan = LoadPlan {
        addr: server.addr,
        connections: args.connections,
        rate: args.rate,
        duration: Duration::from_secs_f64(args.duration),
        run_id: run_id.clone(),
    };
    measure::reset_peak_rss();
    let cpu_before = measure::process_cpu();
    let loadgen_before = measure::threads_cpu("loadgen");
    let pg_before = pg_cpu(cli);
    let mut result = rt.client.block_on(load::run(plan));
    let cpu = measure::process_cpu() - cpu_before;
    let loadgen_cpu = measure::threads_cpu("loadgen") - loadgen_before;
    let pg_cpu = pg_cpu(cli) - pg_before;
    let peak = measure::peak_rss_mib();
    let check = rt.server.block_on(verify(db, &run_id));
    rt.server.block_on(server.stop());
    let rate = result.ok as f64 / result.elapsed.as_secs_f64().max(1e-9);
    if !result.error_samples.is_empty() {
        println!("run {}: errors, e.g. {:?}", index + 1, result.error_samples);
    }
    let values = vec![
        rate,
        result.latencies.quantile_ms(0.50),
        result.latencies.quantile_ms(0.99),
        result.latencies.quantile_ms(0.999),
        result.latencies.max_ms(),
        result.errors as f64,
        cpu - loadgen_cpu,
        loadgen_cpu,
        pg_cpu,
        peak,
    ];
    let problem = match check {
        Ok(stored) => {
            println!(
                "run {}: {} acknowledged, {} receipts with the full body stored and {} webhook jobs queued",
                index + 1,
                result.ok,
                stored.receipts,
                stored.jobs
            );
            (stored.receipts != result.ok || stored.jobs != result.ok).then(|| {
                format!(
                    "{} acknowledged but {} receipts and {} jobs stored",
                    result.ok, stored.receipts, stored.jobs
                )
            })
        }
        Err(e) => Some(format!("cannot check the database: {e:#}")),
    };
    Ok((values, problem))
}

fn pg_cpu(cli: &Cli) -> f64 {
    match cli.backend {
        BackendKind::Postgres => measure::processes_cpu("postgres"),
        BackendKind::Sqlite => 0.0,
    }
}

struct Stored {
    receipts: u64,
    jobs: u64,
}

/// Counts this run's receipts (by event id, each with the whole body, still waiting for
/// processing) and the queued webhook jobs.
async fn verify(db: &Database, run_id: &str) -> Result<Stored> {
    let mut conn = Conn::open(db).await?;
    let pattern = format!("{run_id}-%");
    // Event ids are unique per delivery, and the dedupe key is unique: one row per event id.
    let receipts = conn
        .count_bodies_equal(
            "SELECT body, body_encoding FROM webhook_receipts \
             WHERE event_id LIKE $1 AND status = 'received' AND topic = 'orders/create'",
            &pattern,
            ORDER_WEBHOOK,
        )
        .await?;
    let jobs = conn
        .scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'webhook' AND state = 'queued'",
            None,
        )
        .await?;
    conn.close().await;
    Ok(Stored {
        receipts: u64::try_from(receipts).unwrap_or(0),
        jobs: u64::try_from(jobs).unwrap_or(0),
    })
}
