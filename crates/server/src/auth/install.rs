//! Installing ordersync on a shop: the OAuth redirect with a single-use `state`, the callback's
//! checks (HMAC, state, shop) and code exchange, token exchange of a session token for embedded
//! installs, then recording the shop with its sealed tokens in one transaction and registering
//! the webhook subscriptions (list first, create only what is missing, so re-installs never
//! duplicate them).

use ordersync_core::{CurrencyCode, Email, Shop, ShopDomain, ShopName, StoreRole};
use ordersync_shopify::admin::ShopApi;
use ordersync_shopify::oauth::{verify_query_hmac, TokenSet};
use ordersync_store::auth::SealedTokens;
use ordersync_store::jobs::NewJob;
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;
use rand::RngCore;

use super::crypto::Purpose;
use super::{
    AuthError, AuthService, CALLBACK_PATH, REGISTER_WEBHOOKS_JOB_KIND, STATE_LIFETIME,
    WEBHOOK_TOPICS,
};

/// A finished install.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The shop as recorded.
    pub shop: ShopRecord,
    /// Where to send the merchant next.
    pub redirect: String,
}

pub(super) fn parse_shop(shop: &str) -> Result<ShopDomain, AuthError> {
    ShopDomain::parse(shop.trim()).map_err(|_| AuthError::BadShop(shop.to_owned()))
}

fn parse_role(role: Option<&str>) -> Result<Option<StoreRole>, AuthError> {
    role.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| StoreRole::parse(r).map_err(|_| AuthError::BadRole(r.to_owned())))
        .transpose()
}

fn millis_from_now(now: UnixMillis, secs: Option<i64>) -> Option<UnixMillis> {
    secs.map(|s| now.plus_millis(s.saturating_mul(1000)))
}

impl AuthService {
    /// `GET /auth?shop=…[&role=…]`: remembers a fresh `state` and answers the URL of the shop's
    /// approval page.
    pub async fn begin_install(
        &self,
        shop: &str,
        role: Option<&str>,
        now: UnixMillis,
    ) -> Result<String, AuthError> {
        let domain = parse_shop(shop)?;
        let role = parse_role(role)?;
        self.require_credentials()?;
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let expires = now.plus_millis(STATE_LIFETIME.as_millis() as i64);
        self.inner
            .store
            .create_oauth_state(&nonce, &domain, role, expires, now)
            .await?;
        let config = &self.inner.config;
        Ok(self.inner.oauth.authorize_url(
            domain.as_str(),
            &config.scopes.join(","),
            &format!("{}{CALLBACK_PATH}", config.app_url),
            &nonce,
        ))
    }

    /// `GET /auth/callback?code&hmac&host&shop&state&timestamp`: checks the HMAC, the shop and
    /// the single-use state, exchanges the code for an expiring offline token and installs.
    pub async fn complete_install(
        &self,
        params: &[(String, String)],
        now: UnixMillis,
    ) -> Result<Installed, AuthError> {
        self.require_credentials()?;
        let get = |key: &'static str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .ok_or(AuthError::Missing(key))
        };
        if !verify_query_hmac(&self.inner.config.api_secret, params) {
            return Err(AuthError::BadHmac);
        }
        let domain = parse_shop(get("shop")?)?;
        let state = get("state")?;
        let code = get("code")?;
        let role = self
            .inner
            .store
            .take_oauth_state(state, &domain, now)
            .await?
            .ok_or(AuthError::BadState)?;
        let tokens = self
            .inner
            .oauth
            .exchange_code(domain.as_str(), code)
            .await?;
        let shop = self
            .install_with_tokens(&domain, &tokens, role, now)
            .await?;
        let host = get("host").unwrap_or_default();
        let redirect = format!(
            "{}/?shop={}&host={}",
            self.inner.config.app_url,
            domain.as_str(),
            ordersync_shopify::oauth::encode(host)
        );
        Ok(Installed { shop, redirect })
    }

    /// Token exchange for embedded installs: when the session token's shop has no usable
    /// offline token, trades the session token for one and installs. Answers the shop.
    pub async fn exchange_session_token(
        &self,
        session_token: &str,
        now: UnixMillis,
    ) -> Result<ShopRecord, AuthError> {
        self.require_credentials()?;
        let domain = self.verify_session_token(session_token, now)?;
        if let Some(shop) = self.inner.store.shop_by_domain(&domain).await? {
            if shop.installed && self.has_usable_token(shop.id, now).await? {
                return Ok(shop);
            }
        }
        let tokens = self
            .inner
            .oauth
            .token_exchange(domain.as_str(), session_token)
            .await?;
        self.install_with_tokens(&domain, &tokens, None, now).await
    }

    /// Records the shop (details read with the new token; role as chosen, else as before, else
    /// destination) and its sealed tokens in one transaction, then registers webhooks.
    async fn install_with_tokens(
        &self,
        domain: &ShopDomain,
        tokens: &TokenSet,
        role: Option<StoreRole>,
        now: UnixMillis,
    ) -> Result<ShopRecord, AuthError> {
        let api = self
            .inner
            .admin
            .shop(domain.as_str(), tokens.access_token.clone());
        let info = api.shop_info().await?;
        let details = |field: &str, e: String| AuthError::ShopDetails {
            shop: domain.to_string(),
            detail: format!("{field}: {e}"),
        };
        let existing = self.inner.store.shop_by_domain(domain).await?;
        let role = role
            .or(existing.map(|s| s.shop.role))
            .unwrap_or(StoreRole::Destination);
        let shop = Shop {
            domain: domain.clone(),
            name: ShopName::parse(&info.name).map_err(|e| details("name", e.to_string()))?,
            admin_email: Email::parse(&info.email).map_err(|e| details("email", e.to_string()))?,
            currency: CurrencyCode::parse(&info.currency_code)
                .map_err(|e| details("currencyCode", e.to_string()))?,
            role,
        };
        let cipher = &self.inner.config.cipher;
        let mut tx = self.inner.store.begin().await?;
        let record = tx.upsert_shop(&shop, now).await?;
        let sealed = SealedTokens {
            access: cipher.seal(record.id, Purpose::Access, &tokens.access_token),
            access_expires_at: millis_from_now(now, tokens.expires_in),
            refresh: tokens
                .refresh_token
                .as_deref()
                .map(|r| cipher.seal(record.id, Purpose::Refresh, r)),
            refresh_expires_at: millis_from_now(now, tokens.refresh_token_expires_in),
            scopes: tokens.scope.clone(),
        };
        tx.save_install(record.id, &sealed, Some(&info.plan.display_name), now)
            .await?;
        tx.commit().await?;
        tracing::info!(shop = %domain, role = role.as_str(), plan = %info.plan.display_name, "shop installed");
        if let Err(e) = self.register_webhooks(&api).await {
            // The install stands; the subscriptions are put in place by a retried job.
            tracing::warn!(shop = %domain, error = %e, "webhook registration failed; queued to retry");
            let mut job = NewJob::new(REGISTER_WEBHOOKS_JOB_KIND, serde_json::json!({}), now);
            job.shop_id = Some(record.id);
            job.dedupe_key = Some(format!("{REGISTER_WEBHOOKS_JOB_KIND}:{}", record.id));
            self.inner.store.enqueue(&job, now).await?;
        }
        Ok(record)
    }

    /// Puts the shop's webhook subscriptions in place (the `register_webhooks` job, queued when
    /// registration at install failed). A shop that is gone or uninstalled has nothing to do.
    pub async fn ensure_webhooks(&self, shop_id: i64, now: UnixMillis) -> Result<(), AuthError> {
        let Some(shop) = self.inner.store.shop_by_id(shop_id).await? else {
            return Ok(());
        };
        if !shop.installed {
            return Ok(());
        }
        let token = self.access_token(&shop, now).await?;
        let api = self.admin().shop(shop.shop.domain.as_str(), token);
        self.register_webhooks(&api).await
    }

    /// Makes the shop's webhook subscriptions exactly [`WEBHOOK_TOPICS`] at `{app_url}/webhooks`:
    /// creates the missing ones and removes ours that point elsewhere (an old `app_url`).
    async fn register_webhooks(&self, api: &ShopApi) -> Result<(), AuthError> {
        let uri = self.webhook_url();
        let mut existing = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = api.webhook_subscriptions(100, after.as_deref()).await?;
            existing.extend(page.nodes);
            match page.page_info.end_cursor {
                Some(cursor) if page.page_info.has_next_page => after = Some(cursor),
                _ => break,
            }
        }
        let mut created = 0;
        for topic in WEBHOOK_TOPICS {
            let graphql_topic = topic.replace('/', "_").to_uppercase();
            let mine = |s: &&ordersync_shopify::admin::types::WebhookSubscription| {
                s.topic == graphql_topic
            };
            for stale in existing.iter().filter(mine).filter(|s| s.uri != uri) {
                api.webhook_subscription_delete(&stale.id).await?;
            }
            if !existing.iter().filter(mine).any(|s| s.uri == uri) {
                api.webhook_subscription_create(&graphql_topic, &uri)
                    .await?;
                created += 1;
            }
        }
        tracing::info!(
            shop = api.domain(),
            created,
            "webhook subscriptions in place"
        );
        Ok(())
    }
}
