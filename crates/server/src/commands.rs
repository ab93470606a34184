//! The subcommands that do not serve: migrate, jobs, config, tokens. They print their result on stdout.

#![allow(clippy::print_stdout)]

use anyhow::{bail, Context};
use ordersync_store::jobs::JobState;
use ordersync_store::{Store, UnixMillis};

use crate::cli::{DataExportsCommand, JobsCommand, ListJobs, RedriveJobs, WebhooksCommand};
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
    let roles: Vec<&str> = [("api", config.roles.api), ("worker", config.roles.worker)]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    println!("roles = {}", roles.join(","));
    println!("worker_concurrency = {}", config.worker.concurrency);
    println!("worker_lease_secs = {}", config.worker.lease.as_secs());
    println!(
        "worker_poll_ms = {}",
        config.worker.poll_interval.as_millis()
    );
    println!("shopify_api_key = {}", config.shopify.api_key);
    println!(
        "sandbox = {}",
        match config.sandbox {
            crate::config::SandboxSetting::Auto => "auto",
            crate::config::SandboxSetting::Off => "off",
        }
    );
    let set = |on: bool| if on { "(set)" } else { "(empty)" };
    println!(
        "shopify_api_secret = {}",
        set(!config.shopify.api_secret.is_empty())
    );
    println!(
        "shopify_api_secret_previous = {}",
        set(config.shopify.api_secret_previous.is_some())
    );
    let auth = &config.auth;
    println!("mode = {:?}", auth.mode);
    println!("app_url = {}", auth.app_url);
    println!("shopify_scopes = {}", auth.scopes.join(","));
    println!("shopify_base_url = {}", auth.shopify_base_url);
    println!(
        "token_encryption_key = (key id {})",
        auth.cipher.current_key_id()
    );
}

/// `ordersync webhooks ...`
pub async fn webhooks(config: &Config, command: WebhooksCommand) -> anyhow::Result<()> {
    use ordersync_store::webhooks::ReceiptStatus;
    let store = Store::open(&config.database)
        .await
        .context("opening the database")?;
    match command {
        WebhooksCommand::List { failed, limit } => {
            let counts = store.webhook_receipt_counts().await?;
            println!(
                "received {}, processed {}, failed {}",
                counts.received, counts.processed, counts.failed
            );
            let status = failed.then_some(ReceiptStatus::Failed);
            for r in store.webhook_receipts(status, limit).await? {
                println!(
                    "#{} {} {} {} received {} {}",
                    r.id,
                    r.status.as_str(),
                    if r.topic.is_empty() { "-" } else { &r.topic },
                    if r.shop_domain.is_empty() {
                        "-"
                    } else {
                        &r.shop_domain
                    },
                    r.received_at.to_datetime().to_rfc3339(),
                    r.error.map(|e| format!("error: {e}")).unwrap_or_default()
                );
            }
        }
        WebhooksCommand::Retry { id } => {
            let job = store.retry_webhook_receipt(id, UnixMillis::now()).await?;
            println!("webhook #{id} queued again (job #{job})");
        }
    }
    store.close().await;
    Ok(())
}

/// `ordersync data-exports ...`
pub async fn data_exports(config: &Config, command: DataExportsCommand) -> anyhow::Result<()> {
    let store = Store::open(&config.database)
        .await
        .context("opening the database")?;
    match command {
        DataExportsCommand::List { shop } => {
            for e in store.data_exports(shop.as_deref(), 200).await? {
                println!(
                    "#{} {} customer {} request {} built {}",
                    e.id,
                    e.shop_domain,
                    e.customer_email.as_deref().unwrap_or("-"),
                    e.request_id.as_deref().unwrap_or("-"),
                    e.created_at.to_datetime().to_rfc3339()
                );
            }
        }
        DataExportsCommand::Show { id } => match store.data_export(id).await? {
            Some(e) => println!("{}", serde_json::to_string_pretty(&e.record)?),
            None => bail!("no data record #{id}"),
        },
    }
    store.close().await;
    Ok(())
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
