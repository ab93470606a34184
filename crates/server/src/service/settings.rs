//! Order Push Settings of a destination store (see `docs/push.md`): read them, replace them from
//! the merchant's JSON (every field checked by the domain types; a bad one is refused naming its
//! path, e.g. `contact.email` or `shipping_rules[0].fee`), and switch Auto push on or off. Auto
//! push applies to orders taken in (created or updated) after it is switched on; orders already
//! stored wait for a click.

use ordersync_core::{OrderPushSettings, StoreRole};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, UnixMillis};

/// Why a settings request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsServiceError {
    /// Only destination stores push orders.
    #[error("only a destination store has Order Push Settings; this store is a source store")]
    NotDestination,
    /// A field is malformed.
    #[error("`{field}`: {problem}")]
    BadInput {
        /// The field's path in the body.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

fn require_destination(shop: &ShopRecord) -> Result<(), SettingsServiceError> {
    if shop.shop.role == StoreRole::Destination {
        Ok(())
    } else {
        Err(SettingsServiceError::NotDestination)
    }
}

/// The store's Order Push Settings (defaults when never saved).
pub async fn push_settings(
    store: &Store,
    shop: &ShopRecord,
) -> Result<OrderPushSettings, SettingsServiceError> {
    require_destination(shop)?;
    Ok(store.push_settings(shop.id).await?)
}

/// Replaces the store's Order Push Settings with `body` (missing fields take their defaults).
pub async fn save_push_settings(
    store: &Store,
    shop: &ShopRecord,
    body: &serde_json::Value,
) -> Result<OrderPushSettings, SettingsServiceError> {
    require_destination(shop)?;
    let settings: OrderPushSettings =
        serde_path_to_error::deserialize(body).map_err(|e| SettingsServiceError::BadInput {
            field: e.path().to_string(),
            problem: e.inner().to_string(),
        })?;
    store
        .save_push_settings(shop.id, &settings, UnixMillis::now())
        .await?;
    tracing::info!(shop = %shop.shop.domain, auto_push = settings.auto_push, "order push settings saved");
    Ok(settings)
}

/// Switches Auto push on or off, keeping the other settings.
pub async fn set_auto_push(
    store: &Store,
    shop: &ShopRecord,
    enabled: bool,
) -> Result<OrderPushSettings, SettingsServiceError> {
    require_destination(shop)?;
    let mut settings = store.push_settings(shop.id).await?;
    settings.auto_push = enabled;
    store
        .save_push_settings(shop.id, &settings, UnixMillis::now())
        .await?;
    tracing::info!(shop = %shop.shop.domain, auto_push = enabled, "auto push switched");
    Ok(settings)
}
