//! The install-and-auth settings: app credentials, public URL, Shopify host template, scopes,
//! token encryption keys and the run mode. Kept apart from the rest of the configuration so it
//! can be validated (production refuses to run without a real encryption key) in one place.

use super::crypto::TokenCipher;
use super::SCOPES;
use crate::config::{invalid, ConfigError};

/// A fixed, publicly known key used in development mode when none is configured. Tokens sealed
/// with it are as good as plain text: production mode refuses to start without a real key.
const DEVELOPMENT_KEY: &str = "b3JkZXJzeW5jLWRldmVsb3BtZW50LWtleS0wMDAwMDA=";

/// As read from the config sources.
#[derive(Debug)]
pub(crate) struct RawAuthConfig {
    pub(crate) mode: String,
    pub(crate) app_url: String,
    pub(crate) shopify_api_key: String,
    pub(crate) shopify_api_secret: String,
    pub(crate) shopify_scopes: String,
    pub(crate) shopify_base_url: String,
    pub(crate) token_encryption_key: String,
    pub(crate) token_encryption_previous_keys: Vec<String>,
}

/// Production or development.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Real shops: every auth setting required.
    Production,
    /// Local work: a known development encryption key stands in when none is set.
    Development,
}

/// The validated settings.
#[derive(Clone)]
pub struct AuthConfig {
    /// Production or development.
    pub mode: Mode,
    /// Public URL of ordersync, without a trailing slash.
    pub app_url: String,
    /// The app's client id.
    pub api_key: String,
    /// The app's secret.
    pub api_secret: String,
    /// Scopes requested at install.
    pub scopes: Vec<String>,
    /// `https://{shop}` or shopify-sim's `http://…/shops/{shop}`.
    pub shopify_base_url: String,
    /// Encrypts tokens at rest.
    pub cipher: TokenCipher,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("mode", &self.mode)
            .field("app_url", &self.app_url)
            .field("api_key", &self.api_key)
            .field("scopes", &self.scopes)
            .field("shopify_base_url", &self.shopify_base_url)
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}

impl RawAuthConfig {
    pub(crate) fn validate(self) -> Result<AuthConfig, ConfigError> {
        let mode = match self.mode.trim().to_ascii_lowercase().as_str() {
            "production" => Mode::Production,
            "development" => Mode::Development,
            other => {
                return Err(invalid(
                    "mode",
                    format!("`{other}` is not one of: production, development"),
                ))
            }
        };
        let production = mode == Mode::Production;
        let app_url = self.app_url.trim().trim_end_matches('/').to_owned();
        if !(app_url.starts_with("https://") || app_url.starts_with("http://")) {
            return Err(invalid(
                "app_url",
                format!("`{app_url}` is not an http(s) URL such as https://ordersync.example.com"),
            ));
        }
        if production && !app_url.starts_with("https://") {
            return Err(invalid(
                "app_url",
                "must be an https:// URL in production mode",
            ));
        }
        if production && self.shopify_api_key.trim().is_empty() {
            return Err(invalid("shopify_api_key", "is required in production mode"));
        }
        if production && self.shopify_api_secret.trim().is_empty() {
            return Err(invalid(
                "shopify_api_secret",
                "is required in production mode",
            ));
        }
        let base = self.shopify_base_url.trim().to_owned();
        if !base.contains("{shop}") || !base.starts_with("http") {
            return Err(invalid(
                "shopify_base_url",
                format!(
                    "`{base}` must be an http(s) URL containing {{shop}}, e.g. https://{{shop}}"
                ),
            ));
        }
        let scopes: Vec<String> = if self.shopify_scopes.trim().is_empty() {
            SCOPES.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.shopify_scopes
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let key = self.token_encryption_key.trim();
        let key = if key.is_empty() {
            if production {
                return Err(invalid(
                    "token_encryption_key",
                    "is required in production mode: base64 of 32 random bytes (openssl rand -base64 32)",
                ));
            }
            DEVELOPMENT_KEY
        } else {
            key
        };
        TokenCipher::new(key, &[]).map_err(|e| invalid("token_encryption_key", e.to_string()))?;
        for previous in &self.token_encryption_previous_keys {
            TokenCipher::new(previous, &[])
                .map_err(|e| invalid("token_encryption_previous_keys", e.to_string()))?;
        }
        let cipher = TokenCipher::new(key, &self.token_encryption_previous_keys)
            .map_err(|e| invalid("token_encryption_key", e.to_string()))?;
        Ok(AuthConfig {
            mode,
            app_url,
            api_key: self.shopify_api_key.trim().to_owned(),
            api_secret: self.shopify_api_secret.trim().to_owned(),
            scopes,
            shopify_base_url: base,
            cipher,
        })
    }
}
