//! Connecting to the database, applying migrations, and running the same query on either backend.
//!
//! [`Store`] holds a pool for one backend. Queries are written once with `$1`-style parameters,
//! which both SQLite and PostgreSQL accept, and run through the [`with_pool!`] and [`with_tx!`]
//! macros, which expand the query code once per backend with that backend's concrete types.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::{Result, StoreError};

/// Which database engine a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, one file, the embedded default.
    Sqlite,
    /// PostgreSQL, for scale and for several ordersync processes.
    Postgres,
}

impl Backend {
    /// Lowercase name, as shown in logs and test output.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DatabaseConfig {
    /// An SQLite file (created if missing).
    Sqlite {
        /// Path of the database file.
        path: PathBuf,
    },
    /// A PostgreSQL server.
    Postgres {
        /// Parsed connection options (host, database, user, ...).
        options: Box<PgConnectOptions>,
    },
}

impl DatabaseConfig {
    /// Picks the backend from a URL's scheme: `postgres://` or `postgresql://` for PostgreSQL,
    /// `sqlite://PATH` or `sqlite:PATH` for SQLite.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|e| {
                StoreError::Config(format!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))
            })?;
            Ok(DatabaseConfig::Postgres {
                options: Box::new(options),
            })
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(StoreError::Config(
                    "DATABASE_URL sqlite: URL has no file path (e.g. sqlite://data/ordersync.db)"
                        .into(),
                ));
            }
            Ok(DatabaseConfig::Sqlite {
                path: PathBuf::from(path),
            })
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StoreError::Config(format!(
                "DATABASE_URL scheme `{scheme}` is not supported; use postgres:// or sqlite://"
            )))
        }
    }

    /// The SQLite file `ordersync.db` inside a data directory.
    pub fn sqlite_in(data_dir: impl Into<PathBuf>) -> Self {
        DatabaseConfig::Sqlite {
            path: data_dir.into().join("ordersync.db"),
        }
    }

    /// Which backend this configuration selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseConfig::Sqlite { .. } => Backend::Sqlite,
            DatabaseConfig::Postgres { .. } => Backend::Postgres,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The storage handle: cheap to clone, shared by the HTTP server and the workers.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

/// Runs `$body` with `$c` bound to the store's pool, once per backend.
macro_rules! with_pool {
    ($store:expr, |$c:ident| $body:expr) => {
        match &$store.pool {
            $crate::db::Pool::Sqlite($c) => $body,
            $crate::db::Pool::Postgres($c) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Runs `$body` with `$c` bound to the transaction's connection, once per backend.
macro_rules! with_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::db::TxInner::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}
pub(crate) use with_tx;

/// How [`Store::checkpoint`] checkpoints SQLite's WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointMode {
    /// Copy what can be copied now; never waits.
    Passive,
    /// Wait for the writer, copy everything and truncate the WAL file to zero bytes.
    Truncate,
}

/// What a checkpoint found and did (SQLite's `wal_checkpoint` answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalCheckpoint {
    /// A `TRUNCATE` checkpoint could not finish (a reader or writer held on).
    pub busy: bool,
    /// Frames (pages) in the WAL.
    pub wal_frames: i64,
    /// Of those, the ones copied into the database file.
    pub checkpointed_frames: i64,
}

/// A transaction on either backend. Writes made through it land together on [`Tx::commit`],
/// or not at all when it is dropped.
#[derive(Debug)]
pub struct Tx {
    pub(crate) inner: TxInner,
}

#[derive(Debug)]
pub(crate) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Makes every write of this transaction durable.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Which backend the transaction runs on.
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }
}

impl Store {
    /// Connects (creating the SQLite file and its folder if needed) and applies pending migrations.
    #[tracing::instrument(skip_all, fields(backend = config.backend().as_str()))]
    pub async fn open(config: &DatabaseConfig) -> Result<Self> {
        let store = Self::connect(config).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(config: &DatabaseConfig) -> Result<Self> {
        let pool = match config {
            DatabaseConfig::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Config(format!(
                            "cannot create data directory {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Pool::Sqlite(pool)
            }
            DatabaseConfig::Postgres { options } => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with((**options).clone())
                    .await?;
                Pool::Postgres(pool)
            }
        };
        Ok(Store { pool })
    }

    /// Applies every migration of this backend that is not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction (on SQLite, one that holds the write lock from its start).
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            // IMMEDIATE takes SQLite's write lock at the start (waiting up to the busy timeout),
            // so a transaction that reads then writes can never fail half-way with "database is
            // locked" because another writer committed in between. SQLite has one writer anyway.
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// A store on its own `connections` PostgreSQL connections, for tasks that write in batches
    /// (the webhook intake's writers): no other task waits for those connections. Connections
    /// open on first use. On SQLite the intake has a connection of its own instead
    /// ([`Store::sqlite_intake_writer`]) and this returns the store itself.
    pub fn dedicated_writer(&self, connections: u32) -> Store {
        let pool = match &self.pool {
            Pool::Sqlite(_) => return self.clone(),
            Pool::Postgres(p) => {
                let options = (*p.connect_options())
                    .clone()
                    .statement_cache_capacity(1024);
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(connections.max(1))
                        .min_connections(0)
                        .acquire_timeout(Duration::from_secs(10))
                        .connect_lazy_with(options),
                )
            }
        };
        Store { pool }
    }

    /// Checkpoints SQLite's WAL into the database file (nothing on PostgreSQL, which checkpoints
    /// by itself): [`CheckpointMode::Passive`] copies what it can without waiting for anyone;
    /// [`CheckpointMode::Truncate`] waits for the writer, copies everything and empties the WAL
    /// file. Returns the WAL's frames and how many of them are in the database file now.
    pub async fn checkpoint(&self, mode: CheckpointMode) -> Result<Option<WalCheckpoint>> {
        let Pool::Sqlite(p) = &self.pool else {
            return Ok(None);
        };
        let sql = match mode {
            CheckpointMode::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
            CheckpointMode::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
        };
        let (busy, log, checkpointed): (i64, i64, i64) = sqlx::query_as(sql).fetch_one(p).await?;
        Ok(Some(WalCheckpoint {
            busy: busy != 0,
            wal_frames: log.max(0),
            checkpointed_frames: checkpointed.max(0),
        }))
    }

    /// Answers whether the database is reachable and answering queries (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, |c| {
            sqlx::query("SELECT 1").execute(c).await?;
        });
        Ok(())
    }

    /// Closes every connection (at shutdown), so SQLite can checkpoint its WAL.
    pub async fn close(&self) {
        with_pool!(self, |c| c.close().await);
    }

    /// Tables and their columns with a backend-neutral type name, and index names: used by the
    /// test that keeps the two backends' schemas in step.
    pub async fn schema_outline(&self) -> Result<Vec<String>> {
        use sqlx::Row;
        let mut lines = Vec::new();
        match &self.pool {
            Pool::Sqlite(p) => {
                let tables = sqlx::query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name",
                )
                .fetch_all(p)
                .await?;
                for t in tables {
                    let table: String = t.try_get("name")?;
                    let cols = sqlx::query(
                        "SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info($1)",
                    )
                    .bind(&table)
                    .fetch_all(p)
                    .await?;
                    for c in cols {
                        let name: String = c.try_get("name")?;
                        let ty: String = c.try_get("type")?;
                        let not_null: bool =
                            c.try_get::<i64, _>("nn")? != 0 || c.try_get::<i64, _>("pk")? != 0;
                        lines.push(format!(
                            "column {table}.{name} {} {}",
                            neutral_type(&ty),
                            nullability(not_null)
                        ));
                    }
                }
                let indexes = sqlx::query(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
                )
                .fetch_all(p)
                .await?;
                for i in indexes {
                    lines.push(format!("index {}", i.try_get::<String, _>("name")?));
                }
            }
            Pool::Postgres(p) => {
                let cols = sqlx::query(
                    "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, \
                     is_nullable::text AS nullable FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx\\_%' \
                     ORDER BY table_name, ordinal_position",
                )
                .fetch_all(p)
                .await?;
                for c in cols {
                    let table: String = c.try_get("t")?;
                    let name: String = c.try_get("c")?;
                    let ty: String = c.try_get("ty")?;
                    let not_null = c.try_get::<String, _>("nullable")? == "NO";
                    lines.push(format!(
                        "column {table}.{name} {} {}",
                        neutral_type(&ty),
                        nullability(not_null)
                    ));
                }
                let indexes = sqlx::query(
                    "SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = current_schema() \
                     AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key' \
                     AND tablename NOT LIKE '\\_sqlx\\_%' ORDER BY indexname",
                )
                .fetch_all(p)
                .await?;
                for i in indexes {
                    lines.push(format!("index {}", i.try_get::<String, _>("name")?));
                }
            }
        }
        lines.sort();
        Ok(lines)
    }
}

fn nullability(not_null: bool) -> &'static str {
    if not_null {
        "not null"
    } else {
        "null"
    }
}

fn neutral_type(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "bigserial" => "int",
        "text" => "text",
        "blob" | "bytea" => "bytes",
        "boolean" => "bool",
        _ => "other",
    }
}
