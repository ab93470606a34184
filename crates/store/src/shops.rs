//! Installed stores: their identity (domain, name, admin email, currency), their role
//! (destination or source) and the connection key a destination store enters to connect.

use ordersync_core::{CurrencyCode, Email, Shop, ShopDomain, ShopName, StoreRole};

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// A stored shop.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopRecord {
    /// Database id, used by the other tables.
    pub id: i64,
    /// The store as the domain sees it.
    pub shop: Shop,
    /// The key this store shares so a destination store can connect to it.
    pub connection_key: String,
    /// False once the app was uninstalled; history is kept.
    pub installed: bool,
    /// When the store was first seen.
    pub created_at: UnixMillis,
    /// Last change.
    pub updated_at: UnixMillis,
}

#[derive(sqlx::FromRow)]
struct ShopRow {
    id: i64,
    domain: String,
    name: String,
    admin_email: String,
    currency: String,
    role: String,
    connection_key: String,
    installed: bool,
    created_at: i64,
    updated_at: i64,
}

impl ShopRow {
    fn into_record(self) -> Result<ShopRecord> {
        let corrupt = |e: String| StoreError::corrupt("shop", e);
        Ok(ShopRecord {
            id: self.id,
            shop: Shop {
                domain: ShopDomain::parse(&self.domain).map_err(|e| corrupt(e.to_string()))?,
                name: ShopName::parse(&self.name).map_err(|e| corrupt(e.to_string()))?,
                admin_email: Email::parse(&self.admin_email).map_err(|e| corrupt(e.to_string()))?,
                currency: CurrencyCode::parse(&self.currency)
                    .map_err(|e| corrupt(e.to_string()))?,
                role: StoreRole::parse(&self.role).map_err(|e| corrupt(e.to_string()))?,
            },
            connection_key: self.connection_key,
            installed: self.installed,
            created_at: UnixMillis(self.created_at),
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

const SHOP_COLUMNS: &str =
    "id, domain, name, admin_email, currency, role, connection_key, installed, created_at, updated_at";

/// A fresh, hard-to-guess connection key such as `7F3A-91C2-5D0E-B4A8-22F1`.
pub fn new_connection_key() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    hex.as_bytes()
        .chunks(4)
        .take(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

impl Tx {
    /// Records an installed store, or refreshes its details on re-install (its id and
    /// connection key are kept, and it is marked installed again).
    pub async fn upsert_shop(&mut self, shop: &Shop, now: UnixMillis) -> Result<ShopRecord> {
        let sql = format!(
            "INSERT INTO shops (domain, name, admin_email, currency, role, connection_key, installed, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7) \
             ON CONFLICT (domain) DO UPDATE SET name = excluded.name, admin_email = excluded.admin_email, \
             currency = excluded.currency, role = excluded.role, installed = TRUE, updated_at = excluded.updated_at \
             RETURNING {SHOP_COLUMNS}"
        );
        let row: ShopRow = with_tx!(self, |c| {
            sqlx::query_as(&sql)
                .bind(shop.domain.as_str())
                .bind(shop.name.as_str())
                .bind(shop.admin_email.as_str())
                .bind(shop.currency.as_str())
                .bind(shop.role.as_str())
                .bind(new_connection_key())
                .bind(now.0)
                .fetch_one(c)
                .await?
        });
        row.into_record()
    }

    /// Marks a store installed or uninstalled, keeping everything else.
    pub async fn set_shop_installed(
        &mut self,
        domain: &ShopDomain,
        installed: bool,
        now: UnixMillis,
    ) -> Result<()> {
        let done = with_tx!(self, |c| {
            sqlx::query("UPDATE shops SET installed = $1, updated_at = $2 WHERE domain = $3")
                .bind(installed)
                .bind(now.0)
                .bind(domain.as_str())
                .execute(c)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound {
                what: format!("shop {domain}"),
            });
        }
        Ok(())
    }
}

impl Store {
    /// See [`Tx::upsert_shop`].
    pub async fn upsert_shop(&self, shop: &Shop, now: UnixMillis) -> Result<ShopRecord> {
        let mut tx = self.begin().await?;
        let record = tx.upsert_shop(shop, now).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// See [`Tx::set_shop_installed`].
    pub async fn set_shop_installed(
        &self,
        domain: &ShopDomain,
        installed: bool,
        now: UnixMillis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.set_shop_installed(domain, installed, now).await?;
        tx.commit().await
    }

    /// The store with this domain, if known.
    pub async fn shop_by_domain(&self, domain: &ShopDomain) -> Result<Option<ShopRecord>> {
        self.shop_where("domain = $1", domain.as_str()).await
    }

    /// The store that shares this connection key, if any.
    pub async fn shop_by_connection_key(&self, key: &str) -> Result<Option<ShopRecord>> {
        self.shop_where("connection_key = $1", key.trim()).await
    }

    /// The store with this database id, if any.
    pub async fn shop_by_id(&self, id: i64) -> Result<Option<ShopRecord>> {
        Ok(self.shops_by_id_query("WHERE s.id = $1", id).await?.pop())
    }

    /// Shops selected by `tail` (joins, `WHERE`, `ORDER BY` on the alias `s`) with one id parameter.
    pub(crate) async fn shops_by_id_query(&self, tail: &str, id: i64) -> Result<Vec<ShopRecord>> {
        let columns = SHOP_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {columns} FROM shops s {tail}");
        let rows: Vec<ShopRow> =
            with_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_all(c).await?);
        rows.into_iter().map(ShopRow::into_record).collect()
    }

    /// The source stores among `domains` that the destination store `destination_id` is
    /// connected to, by domain: [`Store::source_stores_of`] restricted to those domains, in one
    /// query that reads only their rows (an order names one or a few of a destination's many
    /// source stores).
    pub async fn source_stores_among(
        &self,
        destination_id: i64,
        domains: &[ShopDomain],
    ) -> Result<Vec<ShopRecord>> {
        let mut domains: Vec<&str> = domains.iter().map(ShopDomain::as_str).collect();
        domains.sort_unstable();
        domains.dedup();
        if domains.is_empty() {
            return Ok(Vec::new());
        }
        let columns = SHOP_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let placeholders = (2..domains.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM shops s JOIN connections k ON k.source_shop_id = s.id \
             WHERE k.destination_shop_id = $1 AND s.domain IN ({placeholders}) ORDER BY s.domain"
        );
        let rows: Vec<ShopRow> = with_pool!(self, |c| {
            let mut query = sqlx::query_as(&sql).bind(destination_id);
            for domain in &domains {
                query = query.bind(*domain);
            }
            query.fetch_all(c).await?
        });
        rows.into_iter().map(ShopRow::into_record).collect()
    }

    async fn shop_where(&self, condition: &str, value: &str) -> Result<Option<ShopRecord>> {
        let sql = format!("SELECT {SHOP_COLUMNS} FROM shops WHERE {condition}");
        let row: Option<ShopRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(value)
            .fetch_optional(c)
            .await?);
        row.map(ShopRow::into_record).transpose()
    }

    /// Gives the store a new connection key; the old one stops working (existing connections stay).
    pub async fn rotate_connection_key(
        &self,
        domain: &ShopDomain,
        now: UnixMillis,
    ) -> Result<String> {
        let key = new_connection_key();
        let done = with_pool!(self, |c| {
            sqlx::query("UPDATE shops SET connection_key = $1, updated_at = $2 WHERE domain = $3")
                .bind(&key)
                .bind(now.0)
                .bind(domain.as_str())
                .execute(c)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound {
                what: format!("shop {domain}"),
            });
        }
        Ok(key)
    }
}

impl Store {
    /// Changes a store's role. Refused (`Invalid`) while it has connections, which only make
    /// sense for the role they were made with; setting the role it has is a no-op.
    pub async fn set_shop_role(
        &self,
        domain: &ShopDomain,
        role: StoreRole,
        now: UnixMillis,
    ) -> Result<ShopRecord> {
        let current = self
            .shop_by_domain(domain)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("shop {domain}"),
            })?;
        if current.shop.role == role {
            return Ok(current);
        }
        // One statement: a read-then-write transaction on SQLite fails at once ("database is
        // locked") when another connection wrote in between, without waiting for the lock.
        let sql = format!(
            "UPDATE shops SET role = $1, updated_at = $2 WHERE id = $3 AND NOT EXISTS \
             (SELECT 1 FROM connections WHERE destination_shop_id = $3 OR source_shop_id = $3) \
             RETURNING {SHOP_COLUMNS}"
        );
        let row: Option<ShopRow> = with_pool!(self, |c| {
            sqlx::query_as(&sql)
                .bind(role.as_str())
                .bind(now.0)
                .bind(current.id)
                .fetch_optional(c)
                .await?
        });
        let Some(row) = row else {
            return Err(StoreError::Invalid(
                "the store's role cannot change while it is connected to other stores".into(),
            ));
        };
        row.into_record()
    }
}
