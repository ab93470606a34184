//! Direct SQL on a run's database, for what the tool checks or prepares outside ordersync's own
//! paths: counts after a run, sizes.

use std::str::FromStr;

use anyhow::{Context, Result};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::env::{BackendKind, Database};

/// A connection to a run's database.
#[derive(Debug)]
pub enum Conn {
    /// SQLite.
    Sqlite(sqlx::SqliteConnection),
    /// PostgreSQL.
    Postgres(sqlx::PgConnection),
}

impl Conn {
    /// Opens one.
    pub async fn open(db: &Database) -> Result<Self> {
        Ok(match db.kind {
            BackendKind::Sqlite => Conn::Sqlite(
                SqliteConnectOptions::from_str(&db.url)?
                    .connect()
                    .await
                    .context("cannot open the SQLite file")?,
            ),
            BackendKind::Postgres => Conn::Postgres(
                PgConnectOptions::from_str(&db.url)?
                    .connect()
                    .await
                    .context("cannot connect to the PostgreSQL database")?,
            ),
        })
    }

    /// The first column of the first row of `sql` (written with `$1`-style parameters, both
    /// backends accept them), as an integer.
    pub async fn scalar(&mut self, sql: &str, text_param: Option<&str>) -> Result<i64> {
        let value: Option<i64> = match self {
            Conn::Sqlite(c) => {
                let mut q = sqlx::query_scalar(sql);
                if let Some(p) = text_param {
                    q = q.bind(p);
                }
                q.fetch_one(c).await?
            }
            Conn::Postgres(c) => {
                let mut q = sqlx::query_scalar(sql);
                if let Some(p) = text_param {
                    q = q.bind(p);
                }
                q.fetch_one(c).await?
            }
        };
        Ok(value.unwrap_or(0))
    }

    /// How many rows of `sql` (columns: a body as stored and its encoding, with one text
    /// parameter) hold exactly `expected` once decoded by the store's own decoder, the one every
    /// reader of stored webhook bodies goes through. Rows are streamed, not loaded at once.
    pub async fn count_bodies_equal(
        &mut self,
        sql: &str,
        text_param: &str,
        expected: &[u8],
    ) -> Result<i64> {
        use futures_util::TryStreamExt;
        use ordersync_store::webhooks::{decode_body, BodyEncoding};
        let mut matching = 0;
        let mut check = |body: Vec<u8>, encoding: String| -> Result<()> {
            let body = decode_body(BodyEncoding::parse(&encoding)?, body)?;
            if body == expected {
                matching += 1;
            }
            Ok(())
        };
        match self {
            Conn::Sqlite(c) => {
                let mut rows = sqlx::query_as::<_, (Vec<u8>, String)>(sql)
                    .bind(text_param)
                    .fetch(c);
                while let Some((body, encoding)) = rows.try_next().await? {
                    check(body, encoding)?;
                }
            }
            Conn::Postgres(c) => {
                let mut rows = sqlx::query_as::<_, (Vec<u8>, String)>(sql)
                    .bind(text_param)
                    .fetch(c);
                while let Some((body, encoding)) = rows.try_next().await? {
                    check(body, encoding)?;
                }
            }
        }
        Ok(matching)
    }

    /// The first column of every row of `sql` (no parameters), as integers.
    pub async fn integers(&mut self, sql: &str) -> Result<Vec<i64>> {
        Ok(match self {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(c).await?,
            Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_all(c).await?,
        })
    }

    /// Bytes the database takes on disk (SQLite: pages in use after a WAL checkpoint;
    /// PostgreSQL: `pg_database_size`).
    pub async fn database_bytes(&mut self) -> Result<i64> {
        match self {
            Conn::Sqlite(c) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut *c)
                    .await?;
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(&mut *c)
                    .await?;
                let free: i64 = sqlx::query_scalar("PRAGMA freelist_count")
                    .fetch_one(&mut *c)
                    .await?;
                let size: i64 = sqlx::query_scalar("PRAGMA page_size")
                    .fetch_one(&mut *c)
                    .await?;
                Ok((pages - free) * size)
            }
            Conn::Postgres(c) => {
                sqlx::query("VACUUM ANALYZE").execute(&mut *c).await?;
                Ok(
                    sqlx::query_scalar("SELECT pg_database_size(current_database())")
                        .fetch_one(&mut *c)
                        .await?,
                )
            }
        }
    }

    /// Closes it.
    pub async fn close(self) {
        match self {
            Conn::Sqlite(c) => c.close().await.ok(),
            Conn::Postgres(c) => c.close().await.ok(),
        };
    }
}
