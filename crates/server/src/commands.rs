//! The subcommands that do not serve: migrate, jobs, config, tokens. They print their result on stdout.

#![allow(clippy::print_stdout)]

use anyhow::{bail, Context};
use ordersync_store::jobs::JobState;
use ordersync_store::{Store, UnixMillis};

use crate::cli::{JobsCommand, ListJobs, RedriveJobs};
use crate::config::Config;

/// `ordersync migrate`: applies pending migrations.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = Store::open(&config.database)
        .await
        .context("migrating the database")?;
    println!("database migrated ({})", store.backend().as_str());
    store.close().await;
    Ok(())
}

/// `ordersync config`: prints the effective configuration.
pub fn print_config(config: &Config) {
    println!("listen = {}", config.listen);
    println!("data_dir = {}", config.data_dir.display());
    match &config.database {
        ordersync_store::DatabaseConfig::Sqlite { path } => {
            println!("database = sqlite {}", path.display())
        }
        ordersync_store::DatabaseConfig::Postgres { options } => println!(
            "database = postgres {}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default)")
        ),
    }
    println!("log_format = {:?}", config.log_format);
    println!("log_level = {}", config.log_level);
    println!("shutdown_grace_secs = {}", config.shutdown_grace.as_secs());
    let auth = &config.auth;
    println!("mode = {:?}", auth.mode);
    println!("app_url = {}", auth.app_url);
    println!("shopify_api_key = {}", auth.api_key);
    println!(
        "shopify_api_secret = {}",
        if auth.api_secret.is_empty() {
            "(not set)"
        } else {
            "(set)"
        }
    );
    println!("shopify_scopes = {}", auth.scopes.join(","));
    println!("shopify_base_url = {}", auth.shopify_base_url);
    println!(
        "token_encryption_key = (key id {})",
        auth.cipher.current_key_id()
    );
}

/// `ordersync jobs ...`
pub async fn jobs(config: &Config, command: JobsCommand) -> anyhow::Result<()> {
    let store = Store::open(&config.database)
        .await
        .context("opening the database")?;
    match command {
        JobsCommand::List(ListJobs { state, limit }) => {
            let state = match state.as_str() {
                "queued" => JobState::Queued,
                "running" => JobState::Running,
                "dead" => JobState::Dead,
                other => bail!("--state `{other}` is not one of: queued, running, dead"),
            };
            let (queued, running, dead) = store.job_counts().await?;
            println!("queued {queued}, running {running}, dead {dead}");
            for job in store.jobs_in_state(state, limit).await? {
                println!(
                    "#{} {} attempts {}/{} shop {} error: {}",
                    job.id,
                    job.kind,
                    job.attempts,
                    job.max_attempts,
                    job.shop_id.map_or("-".to_owned(), |s| s.to_string()),
                    job.last_error.as_deref().unwrap_or("-")
                );
            }
        }
        JobsCommand::Redrive(RedriveJobs { id, all: _, kind }) => {
            let n = store
                .redrive_jobs(id, kind.as_deref(), UnixMillis::now())
                .await?;
            println!("redrove {n} dead job(s)");
        }
    }
    store.close().await;
    Ok(())
}

/// `ordersync tokens rotate`: re-encrypts every stored token with the current key.
pub async fn tokens(config: &Config, command: crate::cli::TokensCommand) -> anyhow::Result<()> {
    let store = Store::open(&config.database)
        .await
        .context("opening the database")?;
    let auth = crate::auth::AuthService::new(store.clone(), config.auth.clone())?;
    match command {
        crate::cli::TokensCommand::Rotate => {
            let report = auth.rotate_keys(UnixMillis::now()).await?;
            println!(
                "re-encrypted the tokens of {} shop(s) with key {}; {} already current",
                report.resealed,
                config.auth.cipher.current_key_id(),
                report.current
            );
        }
    }
    store.close().await;
    Ok(())
}
