//! The command line: `ordersync [--config FILE] [serve|migrate|jobs|config|tokens]`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// ordersync: pushes a destination Shopify store's orders to its source stores and brings
/// fulfillment and tracking back.
#[derive(Debug, Parser)]
#[command(name = "ordersync", version, about)]
pub struct Cli {
    /// A TOML config file layered over the embedded defaults (env: ORDERSYNC_CONFIG).
    #[arg(long, short, global = true, env = "ORDERSYNC_CONFIG")]
    pub config: Option<PathBuf>,

    /// `serve`: never start the sandbox, even without configuration (env: ORDERSYNC_SANDBOX=off).
    #[arg(long, global = true)]
    pub no_sandbox: bool,

    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Inspect and redrive the job queue.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Inspect stored webhooks and retry failed ones.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// The customer data records built for customers/data_request, for the merchant.
    #[command(subcommand, name = "data-exports")]
    DataExports(DataExportsCommand),
    /// Print the effective configuration and exit.
    Config,
    /// Manage the shops' encrypted access tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
}

/// `ordersync tokens ...`
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Re-encrypt every stored token with the current token_encryption_key (after a rotation).
    Rotate,
}

/// `ordersync webhooks ...`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Show stored webhooks, newest first.
    List {
        /// Only those that could not be processed.
        #[arg(long)]
        failed: bool,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue a failed webhook for processing again (after fixing its cause).
    Retry {
        /// The webhook's id, as `webhooks list` shows it.
        id: i64,
    },
}

/// `ordersync data-exports ...`
#[derive(Debug, Subcommand)]
pub enum DataExportsCommand {
    /// Show the records, newest first.
    List {
        /// Only this shop's (e.g. example.myshopify.com).
        #[arg(long)]
        shop: Option<String>,
    },
    /// Print one record as JSON.
    Show {
        /// The record's id.
        id: i64,
    },
}

/// `ordersync jobs ...`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Show queue counts and the jobs in one state.
    List(ListJobs),
    /// Put dead jobs back in the queue with fresh attempts.
    Redrive(RedriveJobs),
}

/// `ordersync jobs list`
#[derive(Debug, Args)]
pub struct ListJobs {
    /// queued, running or dead.
    #[arg(long, default_value = "dead")]
    pub state: String,
    /// At most this many jobs.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `ordersync jobs redrive`
#[derive(Debug, Args)]
pub struct RedriveJobs {
    /// Redrive this dead job.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub id: Option<i64>,
    /// Redrive every dead job (optionally of one --kind).
    #[arg(long)]
    pub all: bool,
    /// With --all: only jobs of this kind.
    #[arg(long, requires = "all")]
    pub kind: Option<String>,
}
