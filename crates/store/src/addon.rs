//! The Order add-on per shop (table `order_addons`): its status, the Shopify charge behind it
//! and when it was requested, activated and ended. It is kept here so the service layer, the
//! webhook processing and the push engine ([`Store::can_push_orders`]) read one record. Status
//! changes reported by Shopify go through a compare-and-set ([`Tx::set_addon_status`]), so a
//! late webhook cannot overwrite a change made meanwhile.

use ordersync_core::{AddonStatus, AppSubscriptionId, OrderAddon};

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// A shop's Order add-on as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonRecord {
    /// The shop.
    pub shop_id: i64,
    /// Status and current charge.
    pub addon: OrderAddon,
    /// When the current charge was requested.
    pub requested_at: Option<UnixMillis>,
    /// When the current charge became active.
    pub activated_at: Option<UnixMillis>,
    /// When the current charge ended (declined, cancelled or expired).
    pub cancelled_at: Option<UnixMillis>,
    /// The last thing that went wrong talking to Shopify about it, in merchant words.
    pub last_error: Option<String>,
    /// Last change; `None` when the shop never switched the add-on on.
    pub updated_at: Option<UnixMillis>,
}

impl AddonRecord {
    /// A shop that never switched the add-on on.
    pub fn never(shop_id: i64) -> Self {
        AddonRecord {
            shop_id,
            addon: OrderAddon::off(),
            requested_at: None,
            activated_at: None,
            cancelled_at: None,
            last_error: None,
            updated_at: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AddonRow {
    shop_id: i64,
    status: String,
    subscription_gid: Option<String>,
    confirmation_url: Option<String>,
    test: bool,
    requested_at: Option<i64>,
    activated_at: Option<i64>,
    cancelled_at: Option<i64>,
    last_error: Option<String>,
    updated_at: i64,
}

impl AddonRow {
    fn into_record(self) -> Result<AddonRecord> {
        let status =
            AddonStatus::parse(&self.status).map_err(|e| StoreError::corrupt("add-on", e))?;
        let subscription = self
            .subscription_gid
            .as_deref()
            .map(AppSubscriptionId::parse)
            .transpose()
            .map_err(|e| StoreError::corrupt("add-on", e))?;
        Ok(AddonRecord {
            shop_id: self.shop_id,
            addon: OrderAddon {
                status,
                subscription,
                confirmation_url: self.confirmation_url,
                test: self.test,
            },
            requested_at: self.requested_at.map(UnixMillis),
            activated_at: self.activated_at.map(UnixMillis),
            cancelled_at: self.cancelled_at.map(UnixMillis),
            last_error: self.last_error,
            updated_at: Some(UnixMillis(self.updated_at)),
        })
    }
}

const COLUMNS: &str = "shop_id, status, subscription_gid, confirmation_url, test, requested_at, \
     activated_at, cancelled_at, last_error, updated_at";

impl Store {
    /// The shop's add-on; [`AddonRecord::never`] when it was never switched on.
    pub async fn order_addon(&self, shop_id: i64) -> Result<AddonRecord> {
        let sql = format!("SELECT {COLUMNS} FROM order_addons WHERE shop_id = $1");
        let row: Option<AddonRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(shop_id)
            .fetch_optional(c)
            .await?);
        match row {
            Some(row) => row.into_record(),
            None => Ok(AddonRecord::never(shop_id)),
        }
    }

    /// The add-on whose current charge is `subscription`, if any.
    pub async fn addon_by_subscription(
        &self,
        subscription: &AppSubscriptionId,
    ) -> Result<Option<AddonRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM order_addons WHERE subscription_gid = $1");
        let row: Option<AddonRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(subscription.as_str())
            .fetch_optional(c)
            .await?);
        row.map(AddonRow::into_record).transpose()
    }

    /// Whether the shop's orders may be pushed to its source stores: only while its Order
    /// add-on is active. The push engine asks this before every push.
    pub async fn can_push_orders(&self, shop_id: i64) -> Result<bool> {
        Ok(self.order_addon(shop_id).await?.addon.can_push())
    }

    /// Records a charge just created in Shopify (status `pending`), replacing the previous one:
    /// requested now, not activated or ended, no error.
    pub async fn record_addon_requested(
        &self,
        shop_id: i64,
        subscription: &AppSubscriptionId,
        confirmation_url: &str,
        test: bool,
        now: UnixMillis,
    ) -> Result<AddonRecord> {
        let sql = format!(
            "INSERT INTO order_addons (shop_id, status, subscription_gid, confirmation_url, test, \
             requested_at, activated_at, cancelled_at, last_error, updated_at) \
             VALUES ($1, 'pending', $2, $3, $4, $5, NULL, NULL, NULL, $5) \
             ON CONFLICT (shop_id) DO UPDATE SET status = 'pending', \
             subscription_gid = excluded.subscription_gid, confirmation_url = excluded.confirmation_url, \
             test = excluded.test, requested_at = excluded.requested_at, activated_at = NULL, \
             cancelled_at = NULL, last_error = NULL, updated_at = excluded.updated_at \
             RETURNING {COLUMNS}"
        );
        let row: AddonRow = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(shop_id)
            .bind(subscription.as_str())
            .bind(confirmation_url)
            .bind(test)
            .bind(now.0)
            .fetch_one(c)
            .await?);
        row.into_record()
    }

    /// Keeps what went wrong talking to Shopify about the add-on (shown to the merchant with
    /// its state); the status is left as it is.
    pub async fn record_addon_error(
        &self,
        shop_id: i64,
        error: &str,
        now: UnixMillis,
    ) -> Result<()> {
        with_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO order_addons (shop_id, status, last_error, updated_at) \
                 VALUES ($1, 'off', $2, $3) \
                 ON CONFLICT (shop_id) DO UPDATE SET last_error = excluded.last_error, \
                 updated_at = excluded.updated_at",
            )
            .bind(shop_id)
            .bind(error)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// See [`Tx::set_addon_status`].
    pub async fn set_addon_status(
        &self,
        shop_id: i64,
        subscription: &AppSubscriptionId,
        expected: AddonStatus,
        new: AddonStatus,
        now: UnixMillis,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = tx
            .set_addon_status(shop_id, subscription, expected, new, now)
            .await?;
        tx.commit().await?;
        Ok(done)
    }
}

impl Tx {
    /// Moves the shop's add-on from `expected` to `new`, only if its current charge is still
    /// `subscription` in status `expected` (compare-and-set). Becoming active stamps
    /// `activated_at`; ending (declined, cancelled, expired) stamps `cancelled_at`; the last
    /// error is cleared. Answers whether it moved.
    pub async fn set_addon_status(
        &mut self,
        shop_id: i64,
        subscription: &AppSubscriptionId,
        expected: AddonStatus,
        new: AddonStatus,
        now: UnixMillis,
    ) -> Result<bool> {
        let activated = (new == AddonStatus::Active).then_some(now.0);
        let ended = new.is_terminal().then_some(now.0);
        let moved = with_tx!(self, |c| {
            sqlx::query(
                "UPDATE order_addons SET status = $1, activated_at = COALESCE($2, activated_at), \
                 cancelled_at = COALESCE($3, cancelled_at), last_error = NULL, updated_at = $4 \
                 WHERE shop_id = $5 AND subscription_gid = $6 AND status = $7",
            )
            .bind(new.as_str())
            .bind(activated)
            .bind(ended)
            .bind(now.0)
            .bind(shop_id)
            .bind(subscription.as_str())
            .bind(expected.as_str())
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(moved == 1)
    }
}
