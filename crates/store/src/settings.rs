//! Order Push Settings per destination store, kept as one validated JSON document: the
//! domain type ([`OrderPushSettings`]) checks it on the way in and on the way out.

use ordersync_core::OrderPushSettings;

use crate::db::with_pool;
use crate::{Result, Store, StoreError, UnixMillis};

impl Store {
    /// The store's Order Push Settings, or the defaults (manual push, customer email,
    /// $0.00 shipping) when the merchant never saved any.
    pub async fn push_settings(&self, shop_id: i64) -> Result<OrderPushSettings> {
        let row: Option<(String,)> = with_pool!(self, |c| {
            sqlx::query_as("SELECT settings FROM push_settings WHERE shop_id = $1")
                .bind(shop_id)
                .fetch_optional(c)
                .await?
        });
        match row {
            Some((json,)) => {
                serde_json::from_str(&json).map_err(|e| StoreError::corrupt("push settings", e))
            }
            None => Ok(OrderPushSettings::default()),
        }
    }

    /// Replaces the store's Order Push Settings.
    pub async fn save_push_settings(
        &self,
        shop_id: i64,
        settings: &OrderPushSettings,
        now: UnixMillis,
    ) -> Result<()> {
        let json =
            serde_json::to_string(settings).map_err(|e| StoreError::Invalid(e.to_string()))?;
        with_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO push_settings (shop_id, settings, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (shop_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            )
            .bind(shop_id)
            .bind(json)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}
