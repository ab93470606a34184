//! Shopify's OAuth endpoints as an app meets them: the query-string HMAC on the install redirect,
//! and `POST {shop}/admin/oauth/access_token` for the authorization-code grant, token exchange of
//! a session token and refresh of an expiring offline token. It exists so every token call gets
//! a timeout, a retry policy that never repeats a single-use grant whose answer was lost, a log
//! line and a typed answer.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::Rng;
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::time::Instant;

/// The grant type of token exchange.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE_TOKEN_TYPE: &str = "urn:shopify:params:oauth:token-type:offline-access-token";

/// Hex HMAC-SHA256 (keyed with the app secret) of the query parameters other than `hmac` and
/// `signature`, sorted, as `key=value` joined by `&`: what Shopify puts in `hmac`.
pub fn query_hmac(secret: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "hmac" && k != "signature")
        .collect();
    pairs.sort();
    let message = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    hex(&hmac_sha256(secret.as_bytes(), message.as_bytes()))
}

/// Whether the query's `hmac` parameter was made with `secret`, compared in constant time.
pub fn verify_query_hmac(secret: &str, params: &[(String, String)]) -> bool {
    let Some((_, given)) = params.iter().find(|(k, _)| k == "hmac") else {
        return false;
    };
    let expected = query_hmac(secret, params);
    let given = given.to_ascii_lowercase();
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

pub(crate) fn hmac_sha256(secret: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The app's credentials and where shops' OAuth endpoints live.
#[derive(Clone)]
pub struct OAuthConfig {
    /// The app's API key (client id).
    pub api_key: String,
    /// The app's secret.
    pub api_secret: String,
    /// A shop's host, `{shop}` replaced by its domain: `https://{shop}` or, for shopify-sim,
    /// `http://127.0.0.1:PORT/shops/{shop}`.
    pub base_url: String,
    /// Limit for one HTTP call.
    pub timeout: Duration,
    /// Attempts for calls that may be repeated, the first included.
    pub max_attempts: u32,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl OAuthConfig {
    /// `{shop host}/admin/oauth/{path}`.
    pub fn shop_url(&self, shop: &str, path: &str) -> String {
        format!(
            "{}/admin/oauth/{path}",
            self.base_url.replace("{shop}", shop).trim_end_matches('/')
        )
    }
}

/// An access token as `/admin/oauth/access_token` answers it.
#[derive(Clone, Deserialize)]
pub struct TokenSet {
    /// The offline access token.
    pub access_token: String,
    /// Granted scopes, comma separated.
    pub scope: String,
    /// Seconds until the access token expires (expiring tokens only).
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// The refresh token (expiring tokens only).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Seconds until the refresh token expires.
    #[serde(default)]
    pub refresh_token_expires_in: Option<i64>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .field("refresh_token_expires_in", &self.refresh_token_expires_in)
            .finish_non_exhaustive()
    }
}

/// Why a token call failed.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The request never reached Shopify, or no answer came in time.
    #[error("{operation} for {shop}: transport error: {detail}")]
    Transport {
        /// Shop.
        shop: String,
        /// Which grant.
        operation: &'static str,
        /// What happened.
        detail: String,
        /// Whether the request may have reached Shopify (false: the connection failed).
        sent: bool,
    },
    /// Shopify refused the grant (`invalid_grant`, `invalid_subject_token`, ...): final.
    #[error("{operation} for {shop}: refused with {status} {code}: {description}")]
    Refused {
        /// Shop.
        shop: String,
        /// Which grant.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// OAuth error code.
        code: String,
        /// Shopify's description.
        description: String,
    },
    /// Shopify answered 5xx or 429.
    #[error("{operation} for {shop}: HTTP {status}")]
    Unavailable {
        /// Shop.
        shop: String,
        /// Which grant.
        operation: &'static str,
        /// HTTP status.
        status: u16,
    },
    /// The answer was not a token.
    #[error("{operation} for {shop}: the answer is not a token: {detail}")]
    Decode {
        /// Shop.
        shop: String,
        /// Which grant.
        operation: &'static str,
        /// Why.
        detail: String,
    },
}

impl OAuthError {
    /// Whether trying again later may succeed (Shopify unreachable or unavailable).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            OAuthError::Transport { .. } | OAuthError::Unavailable { .. }
        )
    }
}

/// Calls Shopify's token endpoint (cheap to clone).
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    config: OAuthConfig,
}

impl OAuthClient {
    /// A client with the configured timeout.
    pub fn new(config: OAuthConfig) -> Result<Self, crate::admin::BuildError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("ordersync/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(OAuthClient { http, config })
    }

    /// The configuration in force.
    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    /// Where to send the merchant to approve the install.
    pub fn authorize_url(
        &self,
        shop: &str,
        scopes: &str,
        redirect_uri: &str,
        state: &str,
    ) -> String {
        let query = [
            ("client_id", self.config.api_key.as_str()),
            ("scope", scopes),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("{}?{query}", self.config.shop_url(shop, "authorize"))
    }

    /// Exchanges an authorization code for an expiring offline token. A code is single use, so
    /// only a request that never left is repeated.
    pub async fn exchange_code(&self, shop: &str, code: &str) -> Result<TokenSet, OAuthError> {
        let form = [
            ("client_id", self.config.api_key.as_str()),
            ("client_secret", self.config.api_secret.as_str()),
            ("code", code),
            ("expiring", "1"),
        ];
        self.post(shop, "authorization_code", &form, false).await
    }

    /// Exchanges a session token for an expiring offline token.
    pub async fn token_exchange(
        &self,
        shop: &str,
        session_token: &str,
    ) -> Result<TokenSet, OAuthError> {
        let form = [
            ("client_id", self.config.api_key.as_str()),
            ("client_secret", self.config.api_secret.as_str()),
            ("grant_type", TOKEN_EXCHANGE_GRANT),
            ("subject_token", session_token),
            ("subject_token_type", ID_TOKEN_TYPE),
            ("requested_token_type", OFFLINE_TOKEN_TYPE),
            ("expiring", "1"),
        ];
        self.post(shop, "token_exchange", &form, true).await
    }

    /// Trades a refresh token for a new access/refresh pair. The old pair stops working when
    /// Shopify answers, so an answer lost on the way is not repeated here.
    pub async fn refresh(&self, shop: &str, refresh_token: &str) -> Result<TokenSet, OAuthError> {
        let form = [
            ("client_id", self.config.api_key.as_str()),
            ("client_secret", self.config.api_secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.post(shop, "refresh_token", &form, false).await
    }

    async fn post(
        &self,
        shop: &str,
        operation: &'static str,
        form: &[(&str, &str)],
        repeatable: bool,
    ) -> Result<TokenSet, OAuthError> {
        let url = self.config.shop_url(shop, "access_token");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = self.post_once(shop, operation, &url, form).await;
            let outcome = match &result {
                Ok(_) => "ok",
                Err(OAuthError::Refused { .. }) => "refused",
                Err(OAuthError::Unavailable { .. }) => "unavailable",
                Err(OAuthError::Transport { .. }) => "transport_error",
                Err(OAuthError::Decode { .. }) => "decode_error",
            };
            tracing::info!(
                shop,
                operation,
                attempt,
                cost = 0,
                latency_ms = started.elapsed().as_millis() as u64,
                outcome,
                "shopify oauth call"
            );
            let (err, sent) = match result {
                Ok(tokens) => return Ok(tokens),
                Err(e @ (OAuthError::Refused { .. } | OAuthError::Decode { .. })) => return Err(e),
                Err(e @ OAuthError::Unavailable { status: 429, .. }) => (e, false),
                Err(e @ OAuthError::Unavailable { .. }) => (e, true),
                Err(e @ OAuthError::Transport { sent, .. }) => (e, sent),
            };
            if attempt >= self.config.max_attempts.max(1) || (sent && !repeatable) {
                tracing::warn!(shop, operation, attempt, error = %err, "shopify oauth call failed");
                return Err(err);
            }
            let base = 250u64.saturating_mul(1 << attempt.min(10));
            let delay = base / 2 + rand::thread_rng().gen_range(0..=base / 2);
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
    }

    async fn post_once(
        &self,
        shop: &str,
        operation: &'static str,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<TokenSet, OAuthError> {
        let transport = |e: reqwest::Error| OAuthError::Transport {
            shop: shop.to_owned(),
            operation,
            sent: !e.is_connect(),
            detail: e.to_string(),
        };
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(transport)?;
        if status == 429 || status >= 500 {
            return Err(OAuthError::Unavailable {
                shop: shop.to_owned(),
                operation,
                status,
            });
        }
        if status != 200 {
            #[derive(Deserialize, Default)]
            struct Refusal {
                #[serde(default)]
                error: String,
                #[serde(default)]
                error_description: String,
            }
            let refusal: Refusal = serde_json::from_slice(&bytes).unwrap_or_default();
            return Err(OAuthError::Refused {
                shop: shop.to_owned(),
                operation,
                status,
                code: refusal.error,
                description: refusal.error_description,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| OAuthError::Decode {
            shop: shop.to_owned(),
            operation,
            detail: e.to_string(),
        })
    }
}

/// Percent-encodes a query or form value (unreserved characters kept).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn query_hmac_verifies_and_a_changed_value_fails() {
        let mut params = pairs(&[
            ("shop", "a.myshopify.com"),
            ("code", "c1"),
            ("state", "s"),
            ("timestamp", "1"),
        ]);
        let hmac = query_hmac("secret", &params);
        params.push(("hmac".into(), hmac));
        assert!(verify_query_hmac("secret", &params));
        assert!(!verify_query_hmac("other", &params));
        params[1].1 = "c2".into();
        assert!(!verify_query_hmac("secret", &params));
        assert!(!verify_query_hmac("secret", &params[..4]));
    }

    #[test]
    fn encode_escapes_reserved_characters() {
        assert_eq!(
            encode("http://h/a b,c"),
            "http%3A%2F%2Fh%2Fa%20b%2Cc".to_owned()
        );
    }
}
