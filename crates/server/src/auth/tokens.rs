//! Keeping a shop's expiring offline token usable: every caller gets its token through
//! [`AuthService::access_token`], which refreshes it first when under five minutes are left; a
//! periodic task ([`AuthService::refresh_due`]) refreshes the others before they are needed. A
//! failed refresh is recorded on the shop (shown by `GET /api/store`), logged and counted, and the
//! caller gets a retryable error so its work is tried again later, not lost. Also: session-token
//! verification, the store's status for the UI, and re-sealing every token after a key rotation.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ordersync_core::{ShopDomain, StoreRole};
use ordersync_shopify::session_token;
use ordersync_store::auth::{SealedTokens, ShopAuth};
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;
use serde::Serialize;

use super::crypto::Purpose;
use super::install::parse_shop;
use super::{AuthError, AuthService, REFRESH_MARGIN};

/// The state of a shop's access token, as the merchant UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// Usable.
    Valid,
    /// Expired; the next use refreshes it.
    Expired,
    /// The last refresh failed; ordersync keeps trying.
    RefreshFailed,
    /// Uninstalled or never installed through OAuth.
    Missing,
}

/// The token part of [`StoreStatus`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenStatus {
    /// Summary.
    pub state: TokenState,
    /// When the access token expires (Unix ms), if it does.
    pub expires_at: Option<i64>,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// When the last refresh failed (Unix ms), until one succeeds.
    pub refresh_failed_at: Option<i64>,
    /// What the merchant should know about it.
    pub message: Option<String>,
}

/// `GET /api/store`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreStatus {
    /// `example.myshopify.com`.
    pub domain: String,
    /// Display name.
    pub name: String,
    /// destination or source.
    pub role: StoreRole,
    /// Shopify plan.
    pub plan: Option<String>,
    /// Whether ordersync is installed.
    pub installed: bool,
    /// The access token.
    pub token: TokenStatus,
}

/// What `ordersync tokens rotate` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Shops whose tokens were re-sealed with the current key.
    pub resealed: u64,
    /// Shops already on the current key.
    pub current: u64,
}

impl AuthService {
    /// Verifies a session token (signature with the app secret, `aud`, `exp`/`nbf` with 10 s
    /// leeway) and answers its shop.
    pub fn verify_session_token(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<ShopDomain, AuthError> {
        let config = &self.inner.config;
        if config.api_secret.is_empty() {
            return Err(AuthError::NotConfigured);
        }
        let claims = session_token::verify(
            token,
            &config.api_key,
            &[config.api_secret.as_str()],
            now.0.div_euclid(1000),
        )?;
        parse_shop(claims.shop())
    }

    pub(super) async fn has_usable_token(
        &self,
        shop_id: i64,
        now: UnixMillis,
    ) -> Result<bool, AuthError> {
        Ok(self.inner.store.shop_auth(shop_id).await?.is_some_and(|a| {
            a.uninstalled_at.is_none()
                && (a.tokens.access_expires_at.is_none_or(|t| t > now)
                    || a.tokens.refresh_expires_at.is_some_and(|t| t > now))
        }))
    }

    /// The shop's offline access token, refreshed first when under five minutes are left.
    /// `NotInstalled` when there is none; a retryable `TokenUnavailable` when refreshing failed.
    pub async fn access_token(
        &self,
        shop: &ShopRecord,
        now: UnixMillis,
    ) -> Result<String, AuthError> {
        let auth = self.installed_auth(shop).await?;
        let auth = if due(&auth, now) {
            match self.refresh(shop, now).await {
                Ok(fresh) => fresh,
                // Still valid for a few minutes: use it; the periodic task tries again.
                Err(e)
                    if e.is_retryable()
                        && auth.tokens.access_expires_at.is_some_and(|t| t > now) =>
                {
                    auth
                }
                Err(e) => return Err(e),
            }
        } else {
            auth
        };
        Ok(self
            .inner
            .config
            .cipher
            .open(shop.id, Purpose::Access, &auth.tokens.access)?)
    }

    async fn installed_auth(&self, shop: &ShopRecord) -> Result<ShopAuth, AuthError> {
        self.inner
            .store
            .shop_auth(shop.id)
            .await?
            .filter(|a| a.uninstalled_at.is_none() && shop.installed)
            .ok_or_else(|| AuthError::NotInstalled(shop.shop.domain.to_string()))
    }

    /// Refreshes the shop's token pair if it is still due (one refresh per shop at a time in
    /// this process), storing the new pair; a failure is recorded and answered as retryable.
    pub async fn refresh(&self, shop: &ShopRecord, now: UnixMillis) -> Result<ShopAuth, AuthError> {
        let lock = {
            let mut locks = self
                .inner
                .refresh_locks
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            Arc::clone(locks.entry(shop.id).or_default())
        };
        let _guard = lock.lock().await;
        let auth = self.installed_auth(shop).await?;
        if !due(&auth, now) {
            return Ok(auth);
        }
        let domain = shop.shop.domain.as_str();
        let cipher = &self.inner.config.cipher;
        let result = match &auth.tokens.refresh {
            None => Err("the access token expired and has no refresh token; reinstall".to_owned()),
            Some(_) if auth.tokens.refresh_expires_at.is_some_and(|t| t <= now) => {
                Err("the refresh token expired; reinstall".to_owned())
            }
            Some(sealed) => {
                let refresh_token = cipher.open(shop.id, Purpose::Refresh, sealed)?;
                self.inner
                    .oauth
                    .refresh(domain, &refresh_token)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        match result {
            Ok(tokens) => {
                let sealed = SealedTokens {
                    access: cipher.seal(shop.id, Purpose::Access, &tokens.access_token),
                    access_expires_at: tokens.expires_in.map(|s| now.plus_millis(s * 1000)),
                    refresh: tokens
                        .refresh_token
                        .as_deref()
                        .map(|r| cipher.seal(shop.id, Purpose::Refresh, r)),
                    refresh_expires_at: tokens
                        .refresh_token_expires_in
                        .map(|s| now.plus_millis(s * 1000)),
                    scopes: tokens.scope.clone(),
                };
                // The stored pair is the one just used (we hold the lock); the new pair must be
                // kept even if another process raced us, since Shopify revoked the old one.
                let stored = self
                    .inner
                    .store
                    .replace_tokens(shop.id, &auth.tokens.access, &sealed, true, now)
                    .await?;
                if !stored {
                    tracing::warn!(
                        shop = domain,
                        "token pair changed during refresh; keeping the newer stored pair"
                    );
                }
                tracing::info!(shop = domain, "access token refreshed");
                Ok(self.installed_auth(shop).await?)
            }
            Err(reason) => {
                self.inner.refresh_failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(shop = domain, operation = "refresh_token", error = %reason, "token refresh failed");
                self.inner
                    .store
                    .record_refresh_failure(shop.id, &reason, now)
                    .await?;
                Err(AuthError::TokenUnavailable {
                    shop: domain.to_owned(),
                    reason,
                })
            }
        }
    }

    /// Refreshes every installed shop's token that is within the margin of expiry (the periodic
    /// task). Failures are recorded per shop; answers how many were refreshed.
    pub async fn refresh_due(&self, now: UnixMillis) -> Result<u64, AuthError> {
        let horizon = now.plus_millis(REFRESH_MARGIN.as_millis() as i64);
        let mut refreshed = 0;
        for auth in self
            .inner
            .store
            .shop_auth_expiring_before(horizon, 200)
            .await?
        {
            let Some(shop) = self.inner.store.shop_by_id(auth.shop_id).await? else {
                continue;
            };
            if !shop.installed {
                continue;
            }
            if self.refresh(&shop, now).await.is_ok() {
                refreshed += 1;
            }
        }
        Ok(refreshed)
    }

    /// Refreshes that failed since start (the `ordersync_token_refresh_failures_total` metric).
    pub fn refresh_failures(&self) -> u64 {
        self.inner.refresh_failures.load(Ordering::Relaxed)
    }

    /// The caller's store for `GET /api/store`.
    pub async fn store_status(
        &self,
        shop: &ShopRecord,
        now: UnixMillis,
    ) -> Result<StoreStatus, AuthError> {
        let auth = self.inner.store.shop_auth(shop.id).await?;
        let token = match &auth {
            Some(a) if a.uninstalled_at.is_none() && shop.installed => {
                let expired = a.tokens.access_expires_at.is_some_and(|t| t <= now);
                let (state, message) = if a.last_refresh_failed_at.is_some() {
                    (
                        TokenState::RefreshFailed,
                        Some("ordersync could not renew its access to this store; it keeps trying. If this lasts, open the app from Shopify admin again.".to_owned()),
                    )
                } else if expired {
                    (TokenState::Expired, None)
                } else {
                    (TokenState::Valid, None)
                };
                TokenStatus {
                    state,
                    expires_at: a.tokens.access_expires_at.map(|t| t.0),
                    scopes: a.tokens.scopes.split(',').map(str::to_owned).collect(),
                    refresh_failed_at: a.last_refresh_failed_at.map(|t| t.0),
                    message,
                }
            }
            _ => TokenStatus {
                state: TokenState::Missing,
                expires_at: None,
                scopes: Vec::new(),
                refresh_failed_at: None,
                message: Some("ordersync is not installed on this store".to_owned()),
            },
        };
        Ok(StoreStatus {
            domain: shop.shop.domain.to_string(),
            name: shop.shop.name.as_str().to_owned(),
            role: shop.shop.role,
            plan: auth.and_then(|a| a.plan_name),
            installed: shop.installed,
            token,
        })
    }

    /// `PUT /api/store/role`.
    pub async fn set_role(
        &self,
        shop: &ShopRecord,
        role: &str,
        now: UnixMillis,
    ) -> Result<ShopRecord, AuthError> {
        let role =
            StoreRole::parse(role.trim()).map_err(|_| AuthError::BadRole(role.to_owned()))?;
        Ok(self
            .inner
            .store
            .set_shop_role(&shop.shop.domain, role, now)
            .await?)
    }

    /// For the `app/uninstalled` webhook: marks the shop uninstalled and its tokens unusable.
    pub async fn record_uninstall(
        &self,
        domain: &ShopDomain,
        now: UnixMillis,
    ) -> Result<(), AuthError> {
        let Some(shop) = self.inner.store.shop_by_domain(domain).await? else {
            return Ok(());
        };
        self.inner
            .store
            .set_shop_installed(domain, false, now)
            .await?;
        self.inner.store.record_uninstall(shop.id, now).await?;
        Ok(())
    }

    /// `ordersync tokens rotate`: re-seals every token not sealed with the current key.
    pub async fn rotate_keys(&self, now: UnixMillis) -> Result<RotationReport, AuthError> {
        let cipher = &self.inner.config.cipher;
        let mut report = RotationReport::default();
        let mut after = 0;
        loop {
            let page = self.inner.store.shop_auth_page(after, 100).await?;
            let Some(last) = page.last() else { break };
            after = last.shop_id;
            for auth in page {
                let stale = cipher.is_stale(&auth.tokens.access)
                    || auth
                        .tokens
                        .refresh
                        .as_ref()
                        .is_some_and(|r| cipher.is_stale(r));
                if !stale {
                    report.current += 1;
                    continue;
                }
                let id = auth.shop_id;
                let access = cipher.open(id, Purpose::Access, &auth.tokens.access)?;
                let refresh = match &auth.tokens.refresh {
                    Some(r) => Some(cipher.open(id, Purpose::Refresh, r)?),
                    None => None,
                };
                let sealed = SealedTokens {
                    access: cipher.seal(id, Purpose::Access, &access),
                    refresh: refresh.map(|r| cipher.seal(id, Purpose::Refresh, &r)),
                    ..auth.tokens.clone()
                };
                // Compare-and-set: a refresh that stored a new pair meanwhile sealed it with the
                // current key already.
                if self
                    .inner
                    .store
                    .replace_tokens(id, &auth.tokens.access, &sealed, false, now)
                    .await?
                {
                    report.resealed += 1;
                } else {
                    report.current += 1;
                }
            }
        }
        Ok(report)
    }
}

fn due(auth: &ShopAuth, now: UnixMillis) -> bool {
    auth.tokens
        .access_expires_at
        .is_some_and(|t| t.0 - now.0 < REFRESH_MARGIN.as_millis() as i64)
}
