//! Connections between a destination store and its source stores. A destination store may be
//! connected to many source stores; the pair is validated by the domain
//! ([`ordersync_core::Connection::new`]) before it is stored.

use ordersync_core::Connection;

use crate::db::with_tx;
use crate::shops::ShopRecord;
use crate::{Result, Store, StoreError, Tx, UnixMillis};

impl Tx {
    /// Connects a destination store to a source store, in this transaction. Connecting twice is
    /// harmless.
    pub async fn connect_stores(
        &mut self,
        destination: &ShopRecord,
        source: &ShopRecord,
        now: UnixMillis,
    ) -> Result<()> {
        Connection::new(&destination.shop, &source.shop)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO connections (destination_shop_id, source_shop_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (destination_shop_id, source_shop_id) DO NOTHING",
            )
            .bind(destination.id)
            .bind(source.id)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}

impl Store {
    /// Connects a destination store to a source store. Connecting twice is harmless.
    pub async fn connect_stores(
        &self,
        destination: &ShopRecord,
        source: &ShopRecord,
        now: UnixMillis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.connect_stores(destination, source, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a connection and the synced products and manual links that depended on it.
    /// Returns whether it existed. Orders and pushes already made are kept.
    pub async fn disconnect_stores(&self, destination_id: i64, source_id: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let removed = tx.disconnect_stores(destination_id, source_id).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The source stores a destination store is connected to, by domain.
    pub async fn source_stores_of(&self, destination_id: i64) -> Result<Vec<ShopRecord>> {
        self.shops_by_id_query(
            "JOIN connections k ON k.source_shop_id = s.id WHERE k.destination_shop_id = $1 ORDER BY s.domain",
            destination_id,
        )
        .await
    }

    /// The destination stores connected to a source store, by domain.
    pub async fn destination_stores_of(&self, source_id: i64) -> Result<Vec<ShopRecord>> {
        self.shops_by_id_query(
            "JOIN connections k ON k.destination_shop_id = s.id WHERE k.source_shop_id = $1 ORDER BY s.domain",
            source_id,
        )
        .await
    }
}
