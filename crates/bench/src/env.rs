//! The system under test: a fresh database (a SQLite file on a real disk, or a new PostgreSQL
//! database) and ordersync started in this process on its own runtime threads.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use ordersync_server::app::Server;
use ordersync_server::config::{Config, DEFAULTS};
use ordersync_server::shutdown::Shutdown;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// The webhook secret the server verifies with and the load generator signs with.
pub const SECRET: &str = "ordersync-bench-secret";

/// Which storage backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// A SQLite file (WAL; the webhook intake commits with synchronous=FULL, the rest with
    /// NORMAL) in a fresh folder.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `--postgres-url`.
    Postgres,
}

impl BackendKind {
    /// Its name in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgres",
        }
    }
}

/// The filesystem type of the mount holding `path` (longest mount point prefix in
/// `/proc/self/mounts`).
pub fn filesystem_of(path: &Path) -> Option<(String, String)> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let path = path.canonicalize().ok()?;
    mounts
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let device = parts.next()?;
            let mount = parts.next()?;
            let fstype = parts.next()?;
            path.starts_with(mount)
                .then(|| (mount.len(), device.to_owned(), fstype.to_owned()))
        })
        .max_by_key(|(len, _, _)| *len)
        .map(|(_, device, fstype)| (device, fstype))
}

/// The folder fresh SQLite files are made in: `--dir`, else the system temp folder, else
/// `/var/tmp`; never a memory filesystem, where durability would be a fiction.
pub fn data_root(requested: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match requested {
        Some(p) => vec![p.to_owned()],
        None => vec![std::env::temp_dir(), PathBuf::from("/var/tmp")],
    };
    for dir in &candidates {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        match filesystem_of(dir) {
            Some((_, fstype)) if fstype == "tmpfs" || fstype == "ramfs" => continue,
            _ => return Ok(dir.clone()),
        }
    }
    bail!(
        "{} is a memory filesystem; name a folder on a disk with --dir",
        candidates[0].display()
    )
}

/// A fresh database for one run; dropped (PostgreSQL) or deleted (SQLite) at the end.
#[derive(Debug)]
pub struct Database {
    /// The backend.
    pub kind: BackendKind,
    /// The URL ordersync is configured with.
    pub url: String,
    /// Where the data lives (SQLite: the folder).
    pub location: String,
    dir: Option<tempfile::TempDir>,
    pg_admin: Option<PgConnectOptions>,
    pg_name: Option<String>,
}

impl Database {
    /// Makes a fresh, empty database.
    pub async fn fresh(
        kind: BackendKind,
        dir: Option<&Path>,
        postgres_url: &str,
        label: &str,
    ) -> Result<Self> {
        match kind {
            BackendKind::Sqlite => {
                let root = data_root(dir)?;
                let dir = tempfile::Builder::new()
                    .prefix("ordersync-bench-")
                    .tempdir_in(&root)
                    .with_context(|| format!("cannot make a folder in {}", root.display()))?;
                let file = dir.path().join("ordersync.db");
                let fs = filesystem_of(dir.path())
                    .map(|(dev, t)| format!("{dev} ({t})"))
                    .unwrap_or_else(|| "unknown filesystem".into());
                Ok(Database {
                    kind,
                    url: format!("sqlite://{}", file.display()),
                    location: format!("{} on {fs}", file.display()),
                    dir: Some(dir),
                    pg_admin: None,
                    pg_name: None,
                })
            }
            BackendKind::Postgres => {
                let admin = PgConnectOptions::from_str(postgres_url)
                    .with_context(|| format!("`{postgres_url}` is not a PostgreSQL URL"))?
                    .database("postgres");
                let name = format!(
                    "ordersync_bench_{}_{}_{}",
                    label,
                    std::process::id(),
                    rand::random::<u32>()
                );
                let mut conn = admin.connect().await.with_context(|| {
                    format!("cannot connect to PostgreSQL at {postgres_url} (is it running?)")
                })?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .with_context(|| format!("cannot create database {name}"))?;
                conn.close().await.ok();
                let host = admin.get_host().to_owned();
                let port = admin.get_port();
                let user = admin.get_username().to_owned();
                Ok(Database {
                    kind,
                    url: format!("postgres://{user}@{host}:{port}/{name}"),
                    location: format!("database {name} on {host}:{port}"),
                    dir: None,
                    pg_admin: Some(admin),
                    pg_name: Some(name),
                })
            }
        }
    }

    /// The SQLite folder, if SQLite.
    pub fn sqlite_dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(tempfile::TempDir::path)
    }

    /// Drops the PostgreSQL database (the SQLite folder goes with `self`).
    pub async fn remove(self) {
        if let (Some(admin), Some(name)) = (self.pg_admin, self.pg_name) {
            if let Ok(mut conn) = admin.connect().await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
                conn.close().await.ok();
            }
        }
    }
}

/// ordersync's configuration for a run: a free loopback port, the database, the webhook
/// secret, and `roles`.
pub fn config(db: &Database, roles: &str, data_dir: &Path) -> Result<Config> {
    config_with(db, roles, data_dir, Vec::new())
}

/// [`config`] with more settings on top (`app_url`, `shopify_base_url`, worker settings, ...).
pub fn config_with(
    db: &Database,
    roles: &str,
    data_dir: &Path,
    extra: Vec<(&'static str, serde_json::Value)>,
) -> Result<Config> {
    let mut figment = Figment::from(Toml::string(DEFAULTS))
        .merge(Serialized::default("listen", "127.0.0.1:0"))
        .merge(Serialized::default(
            "data_dir",
            data_dir.display().to_string(),
        ))
        .merge(Serialized::default("database_url", db.url.clone()))
        .merge(Serialized::default("shopify_api_key", "ordersync-bench"))
        .merge(Serialized::default("shopify_api_secret", SECRET))
        .merge(Serialized::default("roles", roles))
        .merge(Serialized::default("log_level", "warn"));
    for (key, value) in extra {
        figment = figment.merge(Serialized::default(key, value));
    }
    Config::from_figment(figment).map_err(|e| anyhow::anyhow!("bad configuration: {e}"))
}

/// A running ordersync.
#[derive(Debug)]
pub struct Running {
    /// Its address.
    pub addr: std::net::SocketAddr,
    shutdown: Shutdown,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Binds and starts serving on the current runtime.
    pub async fn start(config: Config) -> Result<Self> {
        let server = Server::bind(config)
            .await
            .context("ordersync did not start")?;
        Self::serve(server)
    }

    /// Starts serving on `listener` (bound beforehand, so that its address could go into the
    /// configuration as `app_url`), on the current runtime.
    pub async fn start_on(config: Config, listener: tokio::net::TcpListener) -> Result<Self> {
        let server = Server::on_listener(config, listener)
            .await
            .context("ordersync did not start")?;
        Self::serve(server)
    }

    fn serve(server: Server) -> Result<Self> {
        let addr = server.local_addr()?;
        let shutdown = Shutdown::new();
        let run = server.run(shutdown.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = run.await {
                tracing_error(&e.to_string());
            }
        });
        Ok(Running {
            addr,
            shutdown,
            task,
        })
    }

    /// Stops it and waits until storage is closed.
    pub async fn stop(self) {
        self.shutdown.trigger();
        let _ = self.task.await;
    }
}

#[allow(clippy::print_stderr)]
fn tracing_error(message: &str) {
    eprintln!("ordersync stopped with an error: {message}");
}
