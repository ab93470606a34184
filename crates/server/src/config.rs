//! Configuration: the embedded defaults file, then an optional config file, then `ORDERSYNC_*`
//! environment variables (and `DATABASE_URL`), validated into typed values at start-up, with an
//! error that names the setting and the problem.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use ordersync_store::DatabaseConfig;
use serde::Deserialize;

mod addon;

use addon::addon_config;
pub use addon::AddonConfig;

/// The defaults compiled into the binary (`config/default.toml`).
pub const DEFAULTS: &str = include_str!("../config/default.toml");

/// Every key a config file or `ORDERSYNC_*` variable may set.
const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "log_format",
    "log_level",
    "shutdown_grace_secs",
    "shopify_api_key",
    "shopify_api_secret",
    "shopify_api_secret_previous",
    "roles",
    "worker_concurrency",
    "worker_lease_secs",
    "worker_poll_ms",
    // order reconciliation and the scheduler (docs/reconciliation.md)
    "worker_reconcile_enabled",
    "worker_reconcile_interval_secs",
    "worker_reconcile_lookback_hours",
    "worker_reconcile_overlap_secs",
    "worker_reconcile_recheck_secs",
    // raw webhook payloads (docs/webhooks.md)
    "webhook_body_retention_days",
    "webhook_fsync",
    // install and auth (see docs/auth.md)
    "mode",
    "app_url",
    "shopify_scopes",
    "shopify_base_url",
    "token_encryption_key",
    "token_encryption_previous_keys",
    // The Order add-on (billing).
    "addon_name",
    "addon_price",
    "addon_currency",
    "addon_interval",
    "addon_trial_days",
    "addon_test_charges",
    // The sandbox (docs/sandbox.md).
    "sandbox",
];

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A source could not be read or has the wrong shape.
    #[error("configuration: {0}")]
    Load(Box<figment::Error>),
    /// A value was read but is not acceptable.
    #[error("configuration: `{key}` (env {env}) {problem}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// Its environment variable.
        env: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The config file named does not exist.
    #[error("configuration: config file {0} does not exist")]
    MissingFile(PathBuf),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub(crate) listen: String,
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: String,
    pub(crate) log_format: String,
    pub(crate) log_level: String,
    pub(crate) shutdown_grace_secs: u64,
    pub(crate) shopify_api_key: String,
    pub(crate) shopify_api_secret: String,
    pub(crate) shopify_api_secret_previous: String,
    pub(crate) roles: String,
    pub(crate) worker_concurrency: u32,
    pub(crate) worker_lease_secs: u64,
    pub(crate) worker_poll_ms: u64,
    // Order reconciliation and the scheduler (docs/reconciliation.md).
    pub(crate) worker_reconcile_enabled: bool,
    pub(crate) worker_reconcile_interval_secs: u64,
    pub(crate) worker_reconcile_lookback_hours: u64,
    pub(crate) worker_reconcile_overlap_secs: u64,
    pub(crate) worker_reconcile_recheck_secs: u64,
    pub(crate) webhook_body_retention_days: u64,
    pub(crate) webhook_fsync: String,
    // The Order add-on (billing).
    pub(crate) app_url: String,
    pub(crate) addon_name: String,
    pub(crate) addon_price: String,
    pub(crate) addon_currency: String,
    pub(crate) addon_interval: String,
    pub(crate) addon_trial_days: u32,
    pub(crate) addon_test_charges: bool,
    // Install and auth (docs/auth.md).
    pub(crate) mode: String,
    pub(crate) shopify_scopes: String,
    pub(crate) shopify_base_url: String,
    pub(crate) token_encryption_key: String,
    pub(crate) token_encryption_previous_keys: Vec<String>,
    // The sandbox (docs/sandbox.md).
    pub(crate) sandbox: String,
}

/// What this process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Serves HTTP (webhooks, health, metrics).
    pub api: bool,
    /// Runs the job queue.
    pub worker: bool,
}

/// The job worker's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Jobs run at once.
    pub concurrency: u32,
    /// How long a claimed job stays leased.
    pub lease: Duration,
    /// How often the queue is polled for jobs other processes enqueued (and the scheduler looks
    /// for due periodic tasks).
    pub poll_interval: Duration,
    /// Order reconciliation, a periodic task of the scheduler.
    pub reconcile: ReconcileConfig,
    /// How long the raw body of a processed webhook is kept (`None`: for ever).
    pub webhook_body_retention: Option<Duration>,
}

/// Order reconciliation's settings (see `docs/reconciliation.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// Whether the scheduler runs it.
    pub enabled: bool,
    /// How often it runs per destination store.
    pub interval: Duration,
    /// How far back its first run for a store reads.
    pub lookback: Duration,
    /// How far before its cursor each run starts reading again (Shopify's `updated_at` search
    /// is not exact).
    pub overlap: Duration,
    /// Push reconciliation re-reads, a few per run, the open pushes whose source order was not
    /// read back for this long (changes that do not move the order's `updated_at`).
    pub recheck: Duration,
}

/// The Shopify app's credentials. The secret signs webhooks; while it is empty every webhook is
/// refused.
#[derive(Clone, Default)]
pub struct ShopifyApp {
    /// The app's API key (client id).
    pub api_key: String,
    /// The app's API secret (client secret).
    pub api_secret: String,
    /// The secret being rotated out, accepted for webhooks until removed.
    pub api_secret_previous: Option<String>,
}

impl std::fmt::Debug for ShopifyApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyApp")
            .field("api_key", &self.api_key)
            .field("api_secret_set", &!self.api_secret.is_empty())
            .field(
                "api_secret_previous_set",
                &self.api_secret_previous.is_some(),
            )
            .finish()
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Folder of the SQLite file.
    pub data_dir: PathBuf,
    /// Storage backend and location.
    pub database: DatabaseConfig,
    /// Log line format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log_level: String,
    /// Time allowed for in-flight requests at shutdown.
    pub shutdown_grace: Duration,
    /// The Shopify app's credentials.
    pub shopify: ShopifyApp,
    /// API, worker or both.
    pub roles: Roles,
    /// The job worker.
    pub worker: WorkerConfig,
    /// Install and auth: app credentials, URLs, token encryption, mode.
    pub auth: crate::auth::config::AuthConfig,
    /// The Order add-on's charge.
    pub addon: AddonConfig,
    /// Whether `serve` may start the sandbox (docs/sandbox.md).
    pub sandbox: SandboxSetting,
    /// Which acknowledged webhooks are on disk before their 200 (docs/webhooks.md).
    pub webhook_fsync: WebhookFsync,
    /// Whether real configuration was given (app credentials or a database URL); it switches
    /// the sandbox off.
    pub has_real_setup: bool,
}

/// The `webhook_fsync` setting: which webhooks wait for their batch's commit to be on disk
/// (fsynced) before Shopify gets its 200. A process crash never loses an acknowledged webhook
/// either way; this is about power cuts and kernel crashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFsync {
    /// `all`: every one (one fsync per batch).
    All,
    /// `unreconciled-topics` (the default): the topics reconciliation cannot recover
    /// (compliance, `app/uninstalled`, billing, products); order and fulfillment webhooks are
    /// acknowledged once committed to the operating system, and the few a power cut could lose
    /// are taken in again by order and push reconciliation.
    UnreconciledTopics,
}

impl Config {
    /// `webhook_fsync` as the intake applies it: `all` when order reconciliation is switched off
    /// (`worker_reconcile_enabled = false`), since nothing would then take in again what a power
    /// cut lost.
    pub fn effective_webhook_fsync(&self) -> WebhookFsync {
        if self.worker.reconcile.enabled {
            self.webhook_fsync
        } else {
            WebhookFsync::All
        }
    }
}

impl WebhookFsync {
    /// The setting's value as written in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFsync::All => "all",
            WebhookFsync::UnreconciledTopics => "unreconciled-topics",
        }
    }
}

/// The `sandbox` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxSetting {
    /// `serve` starts the sandbox when no real configuration is given.
    Auto,
    /// Never.
    Off,
}

pub(crate) fn invalid(key: &'static str, problem: impl Into<String>) -> ConfigError {
    let env = if key == "database_url" {
        "DATABASE_URL or ORDERSYNC_DATABASE_URL".to_owned()
    } else {
        format!("ORDERSYNC_{}", key.to_uppercase())
    };
    ConfigError::Invalid {
        key,
        env,
        problem: problem.into(),
    }
}

impl Config {
    /// Loads from the defaults, `file` (if any) and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file)?)
    }

    /// The layered sources, before validation (tests add their own layers on top).
    pub fn figment(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.to_owned()));
            }
            figment = figment.merge(Toml::file(path));
        }
        Ok(figment
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(Env::prefixed("ORDERSYNC_").only(KEYS)))
    }

    /// Validates layered sources into a [`Config`].
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: RawConfig = figment
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        let listen = raw.listen.trim().parse::<SocketAddr>().map_err(|_| {
            invalid(
                "listen",
                format!(
                    "`{}` is not an address:port such as 127.0.0.1:8080",
                    raw.listen
                ),
            )
        })?;
        if raw.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        let url = raw.database_url.trim();
        let database = if url.is_empty() {
            DatabaseConfig::sqlite_in(&raw.data_dir)
        } else {
            DatabaseConfig::from_url(url).map_err(|e| invalid("database_url", e.to_string()))?
        };
        let log_format = match raw.log_format.trim().to_lowercase().as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "log_format",
                    format!("`{other}` is not one of: text, json"),
                ))
            }
        };
        if tracing_subscriber::EnvFilter::try_new(&raw.log_level).is_err() {
            return Err(invalid(
                "log_level",
                format!(
                    "`{}` is not a log filter such as info or ordersync=debug",
                    raw.log_level
                ),
            ));
        }
        if raw.shutdown_grace_secs > 600 {
            return Err(invalid(
                "shutdown_grace_secs",
                "must be at most 600 seconds",
            ));
        }
        let mut roles = Roles {
            api: false,
            worker: false,
        };
        for role in raw
            .roles
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            match role.to_lowercase().as_str() {
                "api" => roles.api = true,
                "worker" => roles.worker = true,
                other => {
                    return Err(invalid(
                        "roles",
                        format!("`{other}` is not a role; use api, worker or api,worker"),
                    ))
                }
            }
        }
        if !roles.api && !roles.worker {
            return Err(invalid("roles", "must name api, worker or both"));
        }
        if !(1..=256).contains(&raw.worker_concurrency) {
            return Err(invalid("worker_concurrency", "must be between 1 and 256"));
        }
        if !(1..=3600).contains(&raw.worker_lease_secs) {
            return Err(invalid(
                "worker_lease_secs",
                "must be between 1 and 3600 seconds",
            ));
        }
        if !(10..=600_000).contains(&raw.worker_poll_ms) {
            return Err(invalid(
                "worker_poll_ms",
                "must be between 10 and 600000 milliseconds",
            ));
        }
        if !(10..=86_400).contains(&raw.worker_reconcile_interval_secs) {
            return Err(invalid(
                "worker_reconcile_interval_secs",
                "must be between 10 and 86400 seconds",
            ));
        }
        if !(1..=1_440).contains(&raw.worker_reconcile_lookback_hours) {
            return Err(invalid(
                "worker_reconcile_lookback_hours",
                "must be between 1 and 1440 hours (60 days: Shopify lists older orders only with read_all_orders)",
            ));
        }
        if raw.worker_reconcile_overlap_secs > 86_400 {
            return Err(invalid(
                "worker_reconcile_overlap_secs",
                "must be at most 86400 seconds",
            ));
        }
        if raw.worker_reconcile_recheck_secs > 604_800 {
            return Err(invalid(
                "worker_reconcile_recheck_secs",
                "must be at most 604800 seconds (7 days)",
            ));
        }
        if raw.webhook_body_retention_days > 36_500 {
            return Err(invalid(
                "webhook_body_retention_days",
                "must be at most 36500 days (0 keeps bodies for ever)",
            ));
        }
        let webhook_fsync = match raw.webhook_fsync.trim().to_lowercase().as_str() {
            "all" => WebhookFsync::All,
            "unreconciled-topics" => WebhookFsync::UnreconciledTopics,
            other => {
                return Err(invalid(
                    "webhook_fsync",
                    format!("`{other}` is not one of: all, unreconciled-topics"),
                ))
            }
        };
        let addon = addon_config(&raw)?;
        let sandbox = match raw.sandbox.trim().to_lowercase().as_str() {
            "auto" => SandboxSetting::Auto,
            "off" => SandboxSetting::Off,
            other => {
                return Err(invalid(
                    "sandbox",
                    format!("`{other}` is not one of: auto, off"),
                ))
            }
        };
        let has_real_setup = !raw.shopify_api_key.trim().is_empty()
            || !raw.shopify_api_secret.trim().is_empty()
            || !url.is_empty();
        let previous = raw.shopify_api_secret_previous.trim();
        let auth = crate::auth::config::RawAuthConfig {
            mode: raw.mode,
            app_url: raw.app_url,
            shopify_api_key: raw.shopify_api_key.clone(),
            shopify_api_secret: raw.shopify_api_secret.clone(),
            shopify_scopes: raw.shopify_scopes,
            shopify_base_url: raw.shopify_base_url,
            token_encryption_key: raw.token_encryption_key,
            token_encryption_previous_keys: raw.token_encryption_previous_keys,
        }
        .validate()?;
        Ok(Config {
            addon,
            sandbox,
            webhook_fsync,
            has_real_setup,
            shopify: ShopifyApp {
                api_key: raw.shopify_api_key.trim().to_owned(),
                api_secret: raw.shopify_api_secret.trim().to_owned(),
                api_secret_previous: (!previous.is_empty()).then(|| previous.to_owned()),
            },
            roles,
            worker: WorkerConfig {
                concurrency: raw.worker_concurrency,
                lease: Duration::from_secs(raw.worker_lease_secs),
                poll_interval: Duration::from_millis(raw.worker_poll_ms),
                reconcile: ReconcileConfig {
                    enabled: raw.worker_reconcile_enabled,
                    interval: Duration::from_secs(raw.worker_reconcile_interval_secs),
                    lookback: Duration::from_secs(raw.worker_reconcile_lookback_hours * 3_600),
                    overlap: Duration::from_secs(raw.worker_reconcile_overlap_secs),
                    recheck: Duration::from_secs(raw.worker_reconcile_recheck_secs),
                },
                webhook_body_retention: (raw.webhook_body_retention_days > 0)
                    .then(|| Duration::from_secs(raw.webhook_body_retention_days * 86_400)),
            },
            listen,
            data_dir: raw.data_dir,
            database,
            log_format,
            log_level: raw.log_level,
            shutdown_grace: Duration::from_secs(raw.shutdown_grace_secs),
            auth,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use figment::providers::Serialized;
    use ordersync_core::Money;
    use ordersync_shopify::admin::types::BillingInterval;
    use ordersync_store::Backend;

    use super::*;

    fn with(key: &str, value: &str) -> Result<Config, ConfigError> {
        let figment = Figment::from(Toml::string(DEFAULTS)).merge(Serialized::default(key, value));
        Config::from_figment(figment)
    }

    #[test]
    fn defaults_listen_on_8080_with_sqlite_in_data() {
        let config = Config::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.database.backend(), Backend::Sqlite);
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn the_sandbox_is_auto_until_real_configuration_is_given() {
        let config = Config::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        assert_eq!(config.sandbox, SandboxSetting::Auto);
        assert!(!config.has_real_setup);
        for (key, value) in [
            ("shopify_api_key", "k"),
            ("shopify_api_secret", "s"),
            ("database_url", "sqlite://x.db"),
        ] {
            assert!(with(key, value).unwrap().has_real_setup, "{key}");
        }
        assert_eq!(with("sandbox", "OFF").unwrap().sandbox, SandboxSetting::Off);
        let err = with("sandbox", "maybe").unwrap_err().to_string();
        assert!(
            err.contains("ORDERSYNC_SANDBOX") && err.contains("auto, off"),
            "{err}"
        );
    }

    #[test]
    fn postgres_url_switches_backend() {
        let config = with("database_url", "postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert_eq!(config.database.backend(), Backend::Postgres);
    }

    #[test]
    fn webhook_fsync_defaults_to_unreconciled_topics_and_names_bad_values() {
        let defaults = Config::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        assert_eq!(defaults.webhook_fsync, WebhookFsync::UnreconciledTopics);
        assert_eq!(
            with("webhook_fsync", " ALL ").unwrap().webhook_fsync,
            WebhookFsync::All
        );
        let no_reconciliation = Figment::from(Toml::string(DEFAULTS))
            .merge(Serialized::default("worker_reconcile_enabled", false));
        assert_eq!(
            Config::from_figment(no_reconciliation)
                .unwrap()
                .effective_webhook_fsync(),
            WebhookFsync::All,
            "without reconciliation every webhook is fsynced"
        );
        let err = with("webhook_fsync", "sometimes").unwrap_err().to_string();
        assert!(
            err.contains("ORDERSYNC_WEBHOOK_FSYNC") && err.contains("all, unreconciled-topics"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_setting_and_its_variable() {
        let cases = [
            ("listen", "localhost", "ORDERSYNC_LISTEN"),
            ("database_url", "mysql://x", "DATABASE_URL"),
            ("log_format", "xml", "ORDERSYNC_LOG_FORMAT"),
            ("log_level", "[[", "ORDERSYNC_LOG_LEVEL"),
            ("data_dir", "", "ORDERSYNC_DATA_DIR"),
        ];
        for (key, value, env) in cases {
            let err = with(key, value).unwrap_err().to_string();
            assert!(err.contains(key) && err.contains(env), "{key}: {err}");
        }
    }

    #[test]
    fn defaults_run_both_roles_without_a_secret() {
        let config = Config::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        assert_eq!(
            config.roles,
            Roles {
                api: true,
                worker: true
            }
        );
        assert!(config.shopify.api_secret.is_empty());
        assert_eq!(config.shopify.api_secret_previous, None);
        assert!(!with("roles", "worker").unwrap().roles.api);
        assert_eq!(
            config.worker.webhook_body_retention,
            Some(Duration::from_secs(30 * 86_400)),
            "processed webhook bodies are kept 30 days"
        );
        let keep = Figment::from(Toml::string(DEFAULTS))
            .merge(Serialized::default("webhook_body_retention_days", 0));
        assert_eq!(
            Config::from_figment(keep)
                .unwrap()
                .worker
                .webhook_body_retention,
            None,
            "0 keeps them"
        );
        for (key, value) in [
            ("roles", "api,cron"),
            ("roles", ""),
            ("worker_concurrency", "0"),
            ("worker_lease_secs", "0"),
            ("worker_poll_ms", "1"),
            ("worker_reconcile_interval_secs", "5"),
            ("worker_reconcile_lookback_hours", "0"),
            ("worker_reconcile_lookback_hours", "2000"),
            ("worker_reconcile_overlap_secs", "90000"),
            ("worker_reconcile_recheck_secs", "700000"),
            ("webhook_body_retention_days", "40000"),
            ("webhook_body_retention_days", "-1"),
        ] {
            let figment = Figment::from(Toml::string(DEFAULTS)).merge(Serialized::default(
                key,
                value
                    .parse::<u64>()
                    .map_or_else(|_| serde_json::json!(value), |n| serde_json::json!(n)),
            ));
            let err = Config::from_figment(figment).unwrap_err().to_string();
            assert!(err.contains(key), "{key}={value}: {err}");
        }
    }

    #[test]
    fn the_order_add_on_defaults_to_a_test_charge_of_19_usd_every_30_days() {
        let config = Config::from_figment(Figment::from(Toml::string(DEFAULTS))).unwrap();
        let addon = config.addon;
        assert_eq!(addon.name, "Order add-on");
        assert_eq!(addon.price, Money::parse("19.00", "USD").unwrap());
        assert_eq!(addon.interval, BillingInterval::Every30Days);
        assert_eq!(addon.trial_days, 0);
        assert!(addon.test_charges);
        assert_eq!(addon.app_url, "http://127.0.0.1:8080");
        let annual = with("addon_interval", "annual").unwrap().addon;
        assert_eq!(annual.interval, BillingInterval::Annual);
        let euro = Figment::from(Toml::string(DEFAULTS))
            .merge(Serialized::default("addon_price", "9.5"))
            .merge(Serialized::default("addon_currency", "eur"))
            .merge(Serialized::default("app_url", "https://app.example.com/"));
        let euro = Config::from_figment(euro).unwrap().addon;
        assert_eq!(euro.price, Money::parse("9.50", "EUR").unwrap());
        assert_eq!(euro.app_url, "https://app.example.com");
    }

    #[test]
    fn bad_add_on_settings_name_the_setting() {
        let cases = [
            ("addon_price", "0", "ORDERSYNC_ADDON_PRICE"),
            ("addon_price", "-1.00", "ORDERSYNC_ADDON_PRICE"),
            ("addon_price", "nineteen", "ORDERSYNC_ADDON_PRICE"),
            ("addon_price", "19.001", "ORDERSYNC_ADDON_PRICE"),
            ("addon_currency", "dollars", "ORDERSYNC_ADDON_CURRENCY"),
            ("addon_interval", "MONTHLY", "ORDERSYNC_ADDON_INTERVAL"),
            ("addon_name", " ", "ORDERSYNC_ADDON_NAME"),
            ("app_url", "ordersync.example.com", "ORDERSYNC_APP_URL"),
        ];
        for (key, value, env) in cases {
            let err = with(key, value).unwrap_err().to_string();
            assert!(
                err.contains(key) && err.contains(env),
                "{key}={value}: {err}"
            );
        }
        let figment = Figment::from(Toml::string(DEFAULTS))
            .merge(Serialized::default("addon_trial_days", 400));
        let err = Config::from_figment(figment).unwrap_err().to_string();
        assert!(err.contains("addon_trial_days"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let figment = Figment::from(Toml::string(DEFAULTS))
            .merge(Serialized::default("shopify_api_secret", "hunter2"));
        let config = Config::from_figment(figment).unwrap();
        assert_eq!(config.shopify.api_secret, "hunter2");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn production_refuses_to_start_without_an_encryption_key() {
        let production = Figment::from(Toml::string(DEFAULTS)).merge(Toml::string(
            "mode = \"production\"\napp_url = \"https://ordersync.example\"\n\
             shopify_api_key = \"k\"\nshopify_api_secret = \"s\"",
        ));
        let err = Config::from_figment(production.clone())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("token_encryption_key") && err.contains("ORDERSYNC_TOKEN_ENCRYPTION_KEY"),
            "{err}"
        );
        let key = crate::auth::crypto::TokenCipher::generate_key();
        let config = Config::from_figment(
            production.merge(Serialized::default("token_encryption_key", key)),
        )
        .unwrap();
        assert_eq!(config.auth.mode, crate::auth::config::Mode::Production);
        assert_eq!(config.auth.scopes, crate::auth::SCOPES);
    }

    #[test]
    fn bad_auth_settings_name_the_setting() {
        let cases = [
            ("mode", "staging"),
            ("app_url", "ordersync.example"),
            ("shopify_base_url", "https://example.com"),
            ("token_encryption_key", "c2hvcnQ="),
        ];
        for (key, value) in cases {
            let err = with(key, value).unwrap_err().to_string();
            assert!(err.contains(key), "{key}: {err}");
        }
        let figment = Figment::from(Toml::string(DEFAULTS)).merge(Serialized::default(
            "token_encryption_previous_keys",
            vec!["not-a-key"],
        ));
        let err = Config::from_figment(figment).unwrap_err().to_string();
        assert!(err.contains("token_encryption_previous_keys"), "{err}");
    }

    #[test]
    fn unknown_keys_in_a_file_are_refused() {
        let figment = Figment::from(Toml::string(DEFAULTS)).merge(Toml::string("lisen = \"x\""));
        let err = Config::from_figment(figment).unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
    }

    #[test]
    fn missing_config_file_is_an_error() {
        let err = Config::figment(Some(Path::new("/nonexistent/ordersync.toml"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ordersync.toml"));
    }
}
