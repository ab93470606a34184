//! How apps get access, as Shopify grants it: the authorization-code install flow (approval page,
//! HMAC-signed redirect, code exchange), token exchange of a session token (managed install),
//! expiring offline tokens with refresh, online (per-user) tokens, session tokens (HS256 JWTs
//! signed with the app secret), and uninstall. Routes answer on a shop's host
//! (`/admin/oauth/…`) and under `/shops/{shop}/admin/oauth/…`, like the Admin API.

mod access_token;
mod authorize;
mod jwt;
mod tokens;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use jwt::{mint_session_token, mint_session_token_at, verify_session_token, SessionClaims};
pub use tokens::{
    apply_app_config, apply_app_config_everywhere, from_app_config, install_app, install_app_with,
    uninstall, uninstall_app, TokenGrant,
};

use crate::Sim;

/// How long tokens live. Defaults: expiring offline access tokens 1 hour, refresh tokens 30
/// days, online tokens 24 hours, authorization codes 10 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetimes {
    /// Expiring offline access token.
    pub access: Duration,
    /// Refresh token.
    pub refresh: Duration,
    /// Online (per-user) access token.
    pub online: Duration,
    /// Authorization code (single use).
    pub code: Duration,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        TokenLifetimes {
            access: Duration::from_secs(3600),
            refresh: Duration::from_secs(30 * 24 * 3600),
            online: Duration::from_secs(24 * 3600),
            code: Duration::from_secs(600),
        }
    }
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub shop: String,
    pub api_key: String,
    pub scopes: Vec<String>,
    pub online: bool,
    pub expires_at: DateTime<Utc>,
}

/// OAuth settings that can change at run time, and the codes handed out.
#[derive(Debug, Default)]
pub struct OAuthState {
    auto_approve: AtomicBool,
    lifetimes: Mutex<TokenLifetimes>,
    codes: Mutex<HashMap<String, PendingCode>>,
}

impl OAuthState {
    /// With `true`, `/admin/oauth/authorize` redirects at once instead of showing the approval
    /// page (as when the merchant clicks "Install").
    pub fn set_auto_approve(&self, on: bool) {
        self.auto_approve.store(on, Ordering::SeqCst);
    }

    /// Whether installs are approved without the page.
    pub fn auto_approve(&self) -> bool {
        self.auto_approve.load(Ordering::SeqCst)
    }

    /// Token lifetimes in force.
    pub fn lifetimes(&self) -> TokenLifetimes {
        *self.lifetimes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes token lifetimes (tests shorten them).
    pub fn set_lifetimes(&self, lifetimes: TokenLifetimes) {
        *self.lifetimes.lock().unwrap_or_else(|e| e.into_inner()) = lifetimes;
    }

    pub(crate) fn add_code(&self, pending: PendingCode) -> String {
        let code = random_hex(16);
        self.codes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(code.clone(), pending);
        code
    }

    /// Takes a code (single use): `None` when unknown, used or expired.
    pub(crate) fn take_code(&self, code: &str) -> Option<PendingCode> {
        let pending = self
            .codes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(code)?;
        (pending.expires_at > Utc::now()).then_some(pending)
    }
}

/// Routes of this module.
pub fn router() -> Router<Sim> {
    Router::new()
        .route("/admin/oauth/authorize", get(authorize::by_host))
        .route(
            "/shops/{shop}/admin/oauth/authorize",
            get(authorize::by_path),
        )
        .route(
            "/admin/oauth/authorize/approve",
            post(authorize::approve_by_host),
        )
        .route(
            "/shops/{shop}/admin/oauth/authorize/approve",
            post(authorize::approve_by_path),
        )
        .route("/admin/oauth/access_token", post(access_token::by_host))
        .route(
            "/shops/{shop}/admin/oauth/access_token",
            post(access_token::by_path),
        )
}

/// The shop a request on a shop's host is for (`Host: example.myshopify.com:443`).
pub(crate) fn host_shop(headers: &HeaderMap) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split(':').next())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `n` random bytes as lowercase hex.
pub(crate) fn random_hex(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    hex(&bytes)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 of `message` keyed with `secret`.
pub(crate) fn hmac_sha256(secret: &str, message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The `hmac` Shopify puts on a query string: hex HMAC-SHA256 of the other parameters, sorted
/// by key, as `key=value` joined by `&`.
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
    hex(&hmac_sha256(secret, message.as_bytes()))
}
