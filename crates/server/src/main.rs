//! `ordersync`: see the library crate for the map of modules.

use std::process::ExitCode;

use clap::Parser;
use ordersync_server::app::Server;
use ordersync_server::cli::{Cli, Command};
use ordersync_server::config::Config;
use ordersync_server::shutdown::Shutdown;
use ordersync_server::{commands, sandbox, telemetry};

/// mimalloc rather than glibc's malloc: per-thread free lists, and freed pages are not handed
/// back to the kernel on every burst (docs/benchmarks.md, ingest profile).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("ordersync: {e}");
            }
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_level);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config, cli.config.as_deref(), cli.no_sandbox).await,
        Command::Migrate => commands::migrate(&config).await,
        Command::Jobs(jobs) => commands::jobs(&config, jobs).await,
        Command::Webhooks(command) => commands::webhooks(&config, command).await,
        Command::DataExports(command) => commands::data_exports(&config, command).await,
        Command::Tokens(tokens) => commands::tokens(&config, tokens).await,
        Command::Config => {
            commands::print_config(&config);
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            #[allow(clippy::print_stderr)]
            {
                eprintln!("ordersync: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    config: Config,
    file: Option<&std::path::Path>,
    no_sandbox: bool,
) -> anyhow::Result<()> {
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    match sandbox::decide(&config, no_sandbox) {
        sandbox::Decision::Start => {
            tracing::info!("no configuration given: starting the sandbox (docs/sandbox.md; --no-sandbox or ORDERSYNC_SANDBOX=off to serve without it)");
            let running = sandbox::Sandbox::start(Config::figment(file)?, shutdown.clone()).await?;
            let links = running.links.describe();
            tracing::info!("sandbox ready");
            #[allow(clippy::print_stdout)]
            {
                println!("{links}");
            }
            return running.wait().await;
        }
        sandbox::Decision::Off(why) => tracing::info!("sandbox off: {why}"),
    }
    let server = Server::bind(config).await?;
    server.run(shutdown).await?;
    Ok(())
}
