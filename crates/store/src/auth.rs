//! What installing the app leaves behind: each shop's access and refresh tokens (sealed by the
//! server's token cipher before they get here: this layer only ever sees ciphertext and the id of
//! the key that made it), their expiry, the granted scopes, the plan, install/uninstall times and
//! the last refresh failure; and the single-use OAuth `state` nonces of installs in progress.

use ordersync_core::{ShopDomain, StoreRole};

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// A secret as stored: ciphertext and the id of the key that sealed it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    /// Which encryption key sealed it (so older keys still open it during a rotation).
    pub key_id: String,
    /// Nonce and ciphertext, as the cipher wrote them.
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedSecret")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A token pair to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedTokens {
    /// The offline access token.
    pub access: SealedSecret,
    /// When it expires (`None`: a non-expiring token).
    pub access_expires_at: Option<UnixMillis>,
    /// The refresh token of an expiring access token.
    pub refresh: Option<SealedSecret>,
    /// When the refresh token expires.
    pub refresh_expires_at: Option<UnixMillis>,
    /// Granted scopes, comma separated.
    pub scopes: String,
}

/// A shop's stored authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopAuth {
    /// The shop's id.
    pub shop_id: i64,
    /// The tokens.
    pub tokens: SealedTokens,
    /// The shop's Shopify plan, as read at install.
    pub plan_name: Option<String>,
    /// The last install.
    pub installed_at: UnixMillis,
    /// When the app was uninstalled (cleared on re-install).
    pub uninstalled_at: Option<UnixMillis>,
    /// Why the last refresh failed, until one succeeds.
    pub last_refresh_error: Option<String>,
    /// When it failed.
    pub last_refresh_failed_at: Option<UnixMillis>,
    /// Last change.
    pub updated_at: UnixMillis,
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    shop_id: i64,
    access_token: Vec<u8>,
    access_token_key_id: String,
    access_expires_at: Option<i64>,
    refresh_token: Option<Vec<u8>>,
    refresh_token_key_id: Option<String>,
    refresh_expires_at: Option<i64>,
    scopes: String,
    plan_name: Option<String>,
    installed_at: i64,
    uninstalled_at: Option<i64>,
    last_refresh_error: Option<String>,
    last_refresh_failed_at: Option<i64>,
    updated_at: i64,
}

impl AuthRow {
    fn into_auth(self) -> Result<ShopAuth> {
        let refresh = match (self.refresh_token, self.refresh_token_key_id) {
            (Some(ciphertext), Some(key_id)) => Some(SealedSecret { key_id, ciphertext }),
            (None, None) => None,
            _ => {
                return Err(StoreError::corrupt(
                    "shop auth",
                    "refresh token without its key id",
                ))
            }
        };
        Ok(ShopAuth {
            shop_id: self.shop_id,
            tokens: SealedTokens {
                access: SealedSecret {
                    key_id: self.access_token_key_id,
                    ciphertext: self.access_token,
                },
                access_expires_at: self.access_expires_at.map(UnixMillis),
                refresh,
                refresh_expires_at: self.refresh_expires_at.map(UnixMillis),
                scopes: self.scopes,
            },
            plan_name: self.plan_name,
            installed_at: UnixMillis(self.installed_at),
            uninstalled_at: self.uninstalled_at.map(UnixMillis),
            last_refresh_error: self.last_refresh_error,
            last_refresh_failed_at: self.last_refresh_failed_at.map(UnixMillis),
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

const AUTH_COLUMNS: &str = "shop_id, access_token, access_token_key_id, access_expires_at, \
    refresh_token, refresh_token_key_id, refresh_expires_at, scopes, plan_name, installed_at, \
    uninstalled_at, last_refresh_error, last_refresh_failed_at, updated_at";

impl Tx {
    /// Records an install (or re-install) of the app on a shop: new tokens, scopes and plan, the
    /// install time; clears the uninstall time and any refresh failure.
    pub async fn save_install(
        &mut self,
        shop_id: i64,
        tokens: &SealedTokens,
        plan_name: Option<&str>,
        now: UnixMillis,
    ) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO shop_auth (shop_id, access_token, access_token_key_id, access_expires_at, \
                 refresh_token, refresh_token_key_id, refresh_expires_at, scopes, plan_name, installed_at, \
                 uninstalled_at, last_refresh_error, last_refresh_failed_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, $10) \
                 ON CONFLICT (shop_id) DO UPDATE SET access_token = excluded.access_token, \
                 access_token_key_id = excluded.access_token_key_id, access_expires_at = excluded.access_expires_at, \
                 refresh_token = excluded.refresh_token, refresh_token_key_id = excluded.refresh_token_key_id, \
                 refresh_expires_at = excluded.refresh_expires_at, scopes = excluded.scopes, \
                 plan_name = excluded.plan_name, installed_at = excluded.installed_at, uninstalled_at = NULL, \
                 last_refresh_error = NULL, last_refresh_failed_at = NULL, updated_at = excluded.updated_at",
            )
            .bind(shop_id)
            .bind(&tokens.access.ciphertext)
            .bind(&tokens.access.key_id)
            .bind(tokens.access_expires_at.map(|t| t.0))
            .bind(tokens.refresh.as_ref().map(|r| r.ciphertext.clone()))
            .bind(tokens.refresh.as_ref().map(|r| r.key_id.clone()))
            .bind(tokens.refresh_expires_at.map(|t| t.0))
            .bind(&tokens.scopes)
            .bind(plan_name)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}

impl Store {
    /// The shop's stored authorization, if the app was ever installed through OAuth.
    pub async fn shop_auth(&self, shop_id: i64) -> Result<Option<ShopAuth>> {
        let sql = format!("SELECT {AUTH_COLUMNS} FROM shop_auth WHERE shop_id = $1");
        let row: Option<AuthRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(shop_id)
            .fetch_optional(c)
            .await?);
        row.map(AuthRow::into_auth).transpose()
    }

    /// Installed shops whose access token expires before `before`, soonest first.
    pub async fn shop_auth_expiring_before(
        &self,
        before: UnixMillis,
        limit: u32,
    ) -> Result<Vec<ShopAuth>> {
        let sql = format!(
            "SELECT {AUTH_COLUMNS} FROM shop_auth WHERE access_expires_at < $1 \
             AND uninstalled_at IS NULL ORDER BY access_expires_at, shop_id LIMIT $2"
        );
        let rows: Vec<AuthRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(before.0)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        rows.into_iter().map(AuthRow::into_auth).collect()
    }

    /// Every stored authorization with a shop id above `after`, by shop id (for key rotation).
    pub async fn shop_auth_page(&self, after: i64, limit: u32) -> Result<Vec<ShopAuth>> {
        let sql = format!(
            "SELECT {AUTH_COLUMNS} FROM shop_auth WHERE shop_id > $1 ORDER BY shop_id LIMIT $2"
        );
        let rows: Vec<AuthRow> = with_pool!(self, |c| sqlx::query_as(&sql)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?);
        rows.into_iter().map(AuthRow::into_auth).collect()
    }

    /// Stores a token pair if the stored access token is still `expected` (compare-and-set).
    /// After a refresh (`refreshed`) it also clears the refresh failure; a re-sealing (key
    /// rotation) leaves it as it is. Answers whether it stored: `false` means someone else
    /// stored a newer pair first.
    pub async fn replace_tokens(
        &self,
        shop_id: i64,
        expected: &SealedSecret,
        tokens: &SealedTokens,
        refreshed: bool,
        now: UnixMillis,
    ) -> Result<bool> {
        let failure = if refreshed {
            "last_refresh_error = NULL, last_refresh_failed_at = NULL"
        } else {
            "last_refresh_error = last_refresh_error, last_refresh_failed_at = last_refresh_failed_at"
        };
        let sql = format!(
            "UPDATE shop_auth SET access_token = $1, access_token_key_id = $2, access_expires_at = $3, \
             refresh_token = $4, refresh_token_key_id = $5, refresh_expires_at = $6, scopes = $7, \
             {failure}, updated_at = $8 WHERE shop_id = $9 AND access_token = $10"
        );
        let done = with_pool!(self, |c| {
            sqlx::query(&sql)
                .bind(&tokens.access.ciphertext)
                .bind(&tokens.access.key_id)
                .bind(tokens.access_expires_at.map(|t| t.0))
                .bind(tokens.refresh.as_ref().map(|r| r.ciphertext.clone()))
                .bind(tokens.refresh.as_ref().map(|r| r.key_id.clone()))
                .bind(tokens.refresh_expires_at.map(|t| t.0))
                .bind(&tokens.scopes)
                .bind(now.0)
                .bind(shop_id)
                .bind(&expected.ciphertext)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Records why refreshing the shop's token failed (shown to the merchant and operators
    /// until a refresh succeeds).
    pub async fn record_refresh_failure(
        &self,
        shop_id: i64,
        error: &str,
        now: UnixMillis,
    ) -> Result<()> {
        let done = with_pool!(self, |c| {
            sqlx::query(
                "UPDATE shop_auth SET last_refresh_error = $1, last_refresh_failed_at = $2, \
                 updated_at = $2 WHERE shop_id = $3",
            )
            .bind(error)
            .bind(now.0)
            .bind(shop_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound {
                what: format!("authorization of shop {shop_id}"),
            });
        }
        Ok(())
    }

    /// Records that the app was uninstalled from the shop: the tokens are of no use any more
    /// but are kept until the next install replaces them.
    pub async fn record_uninstall(&self, shop_id: i64, now: UnixMillis) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.record_uninstall(shop_id, now).await?;
        tx.commit().await
    }

    /// Remembers an OAuth `state` nonce for an install of `shop` starting now; `role` is the
    /// role asked for, if any. Expired nonces are swept on the way.
    pub async fn create_oauth_state(
        &self,
        nonce: &str,
        shop: &ShopDomain,
        role: Option<StoreRole>,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        with_tx!(tx, |c| {
            sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                .bind(now.0)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO oauth_states (nonce, shop_domain, role, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(nonce)
            .bind(shop.as_str())
            .bind(role.map(|r| r.as_str()))
            .bind(expires_at.0)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        tx.commit().await
    }

    /// Uses up an OAuth `state` nonce: `Some(role asked for)` when it was issued for `shop` and
    /// has not expired; `None` otherwise. Either way it can never be used again.
    pub async fn take_oauth_state(
        &self,
        nonce: &str,
        shop: &ShopDomain,
        now: UnixMillis,
    ) -> Result<Option<Option<StoreRole>>> {
        let row: Option<(String, Option<String>, i64)> = with_pool!(self, |c| {
            sqlx::query_as(
                "DELETE FROM oauth_states WHERE nonce = $1 RETURNING shop_domain, role, expires_at",
            )
            .bind(nonce)
            .fetch_optional(c)
            .await?
        });
        let Some((domain, role, expires_at)) = row else {
            return Ok(None);
        };
        if domain != shop.as_str() || expires_at < now.0 {
            return Ok(None);
        }
        let role = role
            .map(|r| StoreRole::parse(&r))
            .transpose()
            .map_err(|e| StoreError::corrupt("oauth state", e))?;
        Ok(Some(role))
    }
}

impl Tx {
    /// See [`Store::record_uninstall`]; here inside the caller's transaction.
    pub async fn record_uninstall(&mut self, shop_id: i64, now: UnixMillis) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query(
                "UPDATE shop_auth SET uninstalled_at = $1, updated_at = $1 WHERE shop_id = $2",
            )
            .bind(now.0)
            .bind(shop_id)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}
