//! `shopify-sim`: runs the simulator as a server (see the library crate and
//! `docs/simulator.md`). Prints the URLs it serves, runs until Ctrl-C or SIGTERM, and with
//! `--state FILE` keeps the world across runs.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use shopify_sim::schema::API_VERSION;
use shopify_sim::seed::{apply_seed, Seed};
use shopify_sim::state::World;
use shopify_sim::{Sim, SimConfig, SimServer};

mod ctl;

/// A faithful local Shopify: Admin GraphQL API 2026-07, webhooks, OAuth, billing, rate limits
/// and faults, for tests, benchmarks and demos.
///
/// Admin API: POST {URL}/shops/{shop}/admin/api/2026-07/graphql.json (or on the shop's host,
/// /admin/api/2026-07/graphql.json). OAuth: /shops/{shop}/admin/oauth/authorize and
/// /admin/oauth/access_token. Control API (JSON): {URL}/_sim/… Merchant pages:
/// {URL}/shops/{shop}/admin and {URL}/shops/{shop}/store. See docs/simulator.md.
#[derive(Debug, Parser)]
#[command(name = "shopify-sim", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port (the URL is printed).
    #[arg(long, env = "SHOPIFY_SIM_LISTEN", default_value = "127.0.0.1:4000")]
    listen: SocketAddr,

    /// Seed file (JSON: apps, shops with locations, products and orders, installs with fixed
    /// tokens) applied at start. Ignored when --state loads a saved world.
    #[arg(long, env = "SHOPIFY_SIM_SEED")]
    seed: Option<PathBuf>,

    /// State file: loaded at start if it exists, written (JSON) on shutdown.
    #[arg(long, env = "SHOPIFY_SIM_STATE")]
    state: Option<PathBuf>,

    /// Approve OAuth installs without showing the approval page.
    #[arg(long)]
    auto_approve: bool,

    /// Retry failed webhook deliveries after 50 ms, 100 ms, … instead of Shopify's schedule
    /// (10 s … 2 h).
    #[arg(long)]
    fast_retries: bool,

    /// Without a command: serve. With `ctl`: act on a running simulator.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Act on a running simulator as a shop owner or shopper would (place an order, mark it
    /// paid, fulfill with tracking, …), or manage its faults and read its journal, through the
    /// control API.
    Ctl(ctl::CtlArgs),
}

fn load_state(path: &Path) -> anyhow::Result<Option<World>> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let world = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a saved shopify-sim world", path.display()))?;
    Ok(Some(world))
}

fn save_state(sim: &Sim, path: &Path) -> anyhow::Result<()> {
    let json = sim.read(serde_json::to_vec_pretty)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn banner(sim: &Sim, url: &str) -> String {
    let mut out = format!("shopify-sim listening on {url}\n  control API: {url}/_sim/shops\n");
    for shop in sim.read(|w| w.shops.keys().cloned().collect::<Vec<_>>()) {
        out.push_str(&format!(
            "  shop {shop}\n    Admin API:  {url}/shops/{shop}/admin/api/{API_VERSION}/graphql.json\n    OAuth:      {url}/shops/{shop}/admin/oauth/authorize\n    admin:      {url}/shops/{shop}/admin\n    storefront: {url}/shops/{shop}/store\n"
        ));
    }
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if let Some(Command::Ctl(ctl)) = &args.command {
        let answer = ctl::run(ctl).await?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{answer}")?;
        return Ok(());
    }
    let config = if args.fast_retries {
        SimConfig::fast()
    } else {
        SimConfig::default()
    };
    let sim = Sim::new(config);
    sim.oauth().set_auto_approve(args.auto_approve);
    let loaded = match &args.state {
        Some(path) => load_state(path)?,
        None => None,
    };
    if let Some(world) = loaded {
        sim.mutate(|w| *w = world);
        tracing::info!("loaded the saved world; --seed is not applied over it");
    } else if let Some(path) = &args.seed {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let seed: Seed =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
                .with_context(|| format!("{} is not a valid seed file", path.display()))?;
        sim.mutate(|w| apply_seed(w, &seed))
            .with_context(|| format!("applying {}", path.display()))?;
    }
    let running = SimServer::start(sim.clone(), args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(banner(&sim, &running.url()).as_bytes())?;
        stdout.flush()?;
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    if let Some(path) = &args.state {
        save_state(&sim, path)?;
        tracing::info!(path = %path.display(), "saved the world");
    }
    Ok(())
}
