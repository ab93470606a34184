//! `ordersync-bench`: runs a scenario against ordersync started in this process, on a fresh
//! database, and prints its figures (per run, then the median of the runs). See
//! `docs/benchmarks.md`.
//!
//! ordersync runs on its own runtime (threads named `ordersync…`), the load generator on
//! another (threads named `loadgen…`), so the CPU time of each is told apart.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod env;
mod idle;
mod ingest;
mod load;
mod measure;
mod push;
mod report;
mod scale;
mod sql;
mod tracking;

/// The same allocator as the `ordersync` binary, so that what is measured is what runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::env::BackendKind;

/// Benchmarks of ordersync on this machine.
#[derive(Debug, Parser)]
#[command(name = "ordersync-bench", version)]
pub struct Cli {
    /// The scenario.
    #[command(subcommand)]
    pub scenario: Scenario,
    /// Storage backend.
    #[arg(long, value_enum, default_value = "sqlite", global = true)]
    pub backend: BackendKind,
    /// PostgreSQL server (a fresh database is created on it for each run, then dropped).
    #[arg(
        long,
        env = "ORDERSYNC_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres",
        global = true
    )]
    pub postgres_url: String,
    /// Runs; the summary is the median of each figure.
    #[arg(long, default_value_t = 3, global = true)]
    pub runs: usize,
    /// Folder for the SQLite files (default: the system temp folder, unless it is a memory
    /// filesystem, then /var/tmp).
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    /// Worker threads of ordersync's runtime.
    #[arg(long, default_value_t = 2, global = true)]
    pub server_threads: usize,
    /// Worker threads of the load generator's runtime.
    #[arg(long, default_value_t = 1, global = true)]
    pub client_threads: usize,
}

/// What to measure.
#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// Signed `orders/create` webhooks posted over loopback; every one checked persisted and
    /// queued afterwards.
    Ingest(ingest::IngestArgs),
    /// The Orders tab's queries on a database of many orders across many destination stores.
    Scale(scale::ScaleArgs),
    /// Resident memory of an idle ordersync.
    Idle(idle::IdleArgs),
    /// Automated pushes to source stores under Shopify's rate limit (shopify-sim in-process).
    Push(push::PushArgs),
    /// Tracking propagation: a source store's shipment to the destination's fulfillment.
    Tracking(tracking::TrackingArgs),
}

fn runtime(name: &'static str, threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name(name)
        .enable_all()
        .build()
}

/// The two runtimes every scenario uses.
#[derive(Debug)]
pub struct Runtimes {
    /// ordersync's (and the database set-up's).
    pub server: tokio::runtime::Runtime,
    /// The load generator's.
    pub client: tokio::runtime::Runtime,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtimes = match (
        runtime("ordersync", cli.server_threads),
        runtime("loadgen", cli.client_threads),
    ) {
        (Ok(server), Ok(client)) => Runtimes { server, client },
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("cannot start the runtimes: {e}");
            return ExitCode::FAILURE;
        }
    };
    report::machine(&cli);
    let outcome = match &cli.scenario {
        Scenario::Ingest(args) => ingest::run(&cli, args, &runtimes),
        Scenario::Scale(args) => scale::run(&cli, args, &runtimes),
        Scenario::Idle(args) => idle::run(&cli, args, &runtimes),
        Scenario::Push(args) => push::run(&cli, args, &runtimes),
        Scenario::Tracking(args) => tracking::run(&cli, args, &runtimes),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
