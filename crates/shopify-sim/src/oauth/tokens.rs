//! Installations and the tokens in them: issuing (offline, expiring offline, online), refreshing,
//! and uninstalling (tokens revoked, charges cancelled, `app/uninstalled` delivered, then the
//! app's webhook subscriptions removed).

use chrono::Utc;
use serde_json::{json, Value};

use super::{random_hex, TokenLifetimes};
use crate::state::{AccessToken, Installation, TokenKind, Topic, WebhookSubscription, World};
use crate::Sim;

/// A token just issued, with what the `/admin/oauth/access_token` answer says about it.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The token as stored.
    pub token: AccessToken,
    /// The staff member, for online tokens.
    pub user_id: Option<u64>,
    /// The shop owner's email (for `associated_user`).
    pub user_email: Option<String>,
}

impl TokenGrant {
    /// The JSON body Shopify answers with.
    pub fn to_json(&self) -> Value {
        let now = Utc::now();
        let secs = |at: Option<chrono::DateTime<Utc>>| at.map(|at| (at - now).num_seconds().max(0));
        let mut body = json!({
            "access_token": self.token.token,
            "scope": self.token.scopes.join(","),
        });
        if let Some(expires_in) = secs(self.token.expires_at) {
            body["expires_in"] = json!(expires_in);
        }
        if let Some(refresh) = &self.token.refresh_token {
            body["refresh_token"] = json!(refresh);
            body["refresh_token_expires_in"] = json!(secs(self.token.refresh_expires_at));
        }
        if self.token.kind == TokenKind::Online {
            let id = self.user_id.unwrap_or(1);
            body["associated_user_scope"] = json!(self.token.scopes.join(","));
            body["session"] = json!(random_hex(16));
            body["associated_user"] = json!({
                "id": id,
                "first_name": "Staff",
                "last_name": format!("Member {id}"),
                "email": self.user_email.clone().unwrap_or_else(|| format!("staff{id}@example.com")),
                "account_owner": id == 1,
                "locale": "en",
                "collaborator": false,
                "email_verified": true,
            });
        }
        body
    }
}

/// Installs `api_key` on `shop` (or reuses the installation) and issues an offline token with
/// the default lifetimes; `expiring` gives it an expiry and a refresh token. For seeds and tests.
///
/// Returns `None` when the shop or the app does not exist.
pub fn install_app(
    world: &mut World,
    shop: &str,
    api_key: &str,
    scopes: &[String],
    expiring: bool,
) -> Option<AccessToken> {
    install_app_with(
        world,
        shop,
        api_key,
        scopes,
        TokenKind::Offline,
        expiring,
        TokenLifetimes::default(),
    )
}

/// Like [`install_app`], with the token kind and lifetimes chosen.
pub fn install_app_with(
    world: &mut World,
    shop: &str,
    api_key: &str,
    scopes: &[String],
    kind: TokenKind,
    expiring: bool,
    lifetimes: TokenLifetimes,
) -> Option<AccessToken> {
    if !world.apps.contains_key(api_key) {
        return None;
    }
    let new_id = world.next_id();
    let shop = world.shop_mut(shop)?;
    let installation = shop
        .installations
        .entry(api_key.to_owned())
        .or_insert_with(|| Installation {
            api_key: api_key.to_owned(),
            scopes: Vec::new(),
            tokens: Vec::new(),
            installed: true,
            webhook_subscriptions: Vec::new(),
            app_subscriptions: Vec::new(),
            id: new_id,
        });
    installation.installed = true;
    let mut granted = scopes.to_vec();
    granted.sort();
    granted.dedup();
    installation.scopes = granted.clone();
    let token = issue(kind, granted, expiring, lifetimes);
    installation.tokens.push(token.clone());
    let domain = shop.domain.clone();
    apply_app_config(world, &domain, api_key);
    Some(token)
}

/// The compliance topics an app's configuration subscribes to (GraphQL topic names).
const COMPLIANCE_TOPICS: [&str; 3] = ["CUSTOMERS_DATA_REQUEST", "CUSTOMERS_REDACT", "SHOP_REDACT"];

/// Whether a subscription comes from the app's configuration (a compliance topic) rather than
/// the API: the Admin API neither lists nor changes those.
pub fn from_app_config(subscription: &WebhookSubscription) -> bool {
    COMPLIANCE_TOPICS.contains(&subscription.topic.as_str())
}

/// Puts the app configuration's subscriptions on the app's installation on `shop` (if installed):
/// the compliance topics at the app's `compliance_url`, replacing earlier ones; none when the app
/// has no such URL. Runs on every install and when an app is registered again.
pub fn apply_app_config(world: &mut World, shop: &str, api_key: &str) {
    let Some(url) = world.apps.get(api_key).map(|a| a.compliance_url.clone()) else {
        return;
    };
    let ids: Vec<u64> = COMPLIANCE_TOPICS.iter().map(|_| world.next_id()).collect();
    let Some(installation) = world
        .shop_mut(shop)
        .and_then(|s| s.installations.get_mut(api_key))
        .filter(|i| i.installed)
    else {
        return;
    };
    installation
        .webhook_subscriptions
        .retain(|s| !COMPLIANCE_TOPICS.contains(&s.topic.as_str()));
    let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
        return;
    };
    let now = Utc::now();
    for (topic, id) in COMPLIANCE_TOPICS.iter().zip(ids) {
        installation
            .webhook_subscriptions
            .push(WebhookSubscription {
                id,
                topic: (*topic).to_owned(),
                uri: url.clone(),
                format: "JSON".into(),
                created_at: now,
                updated_at: now,
            });
    }
}

/// [`apply_app_config`] on every shop the app is installed on (after the app was registered or
/// registered again).
pub fn apply_app_config_everywhere(world: &mut World, api_key: &str) {
    let shops: Vec<String> = world.shops.keys().cloned().collect();
    for shop in shops {
        apply_app_config(world, &shop, api_key);
    }
}

/// A new token (not stored).
pub(crate) fn issue(
    kind: TokenKind,
    scopes: Vec<String>,
    expiring: bool,
    lifetimes: TokenLifetimes,
) -> AccessToken {
    let now = Utc::now();
    let after = |d: std::time::Duration| {
        now + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::days(3650))
    };
    let online = kind == TokenKind::Online;
    AccessToken {
        token: format!(
            "{}_{}",
            if online { "shpua" } else { "shpat" },
            random_hex(16)
        ),
        kind,
        scopes,
        expires_at: if online {
            Some(after(lifetimes.online))
        } else if expiring {
            Some(after(lifetimes.access))
        } else {
            None
        },
        refresh_token: (expiring && !online).then(|| format!("shprt_{}", random_hex(16))),
        refresh_expires_at: (expiring && !online).then(|| after(lifetimes.refresh)),
        revoked: false,
    }
}

/// Exchanges a refresh token: the token it belongs to is revoked and a new pair issued.
pub(crate) fn refresh(
    world: &mut World,
    shop: &str,
    api_key: &str,
    refresh_token: &str,
    lifetimes: TokenLifetimes,
) -> Result<AccessToken, &'static str> {
    let installation = world
        .shop_mut(shop)
        .and_then(|s| s.installations.get_mut(api_key))
        .filter(|i| i.installed)
        .ok_or("The app is not installed on this shop")?;
    let now = Utc::now();
    let old = installation
        .tokens
        .iter_mut()
        .find(|t| t.refresh_token.as_deref() == Some(refresh_token))
        .ok_or("The refresh token is not valid")?;
    if old.revoked || old.refresh_expires_at.is_some_and(|e| e <= now) {
        return Err("The refresh token is expired or was already used");
    }
    old.revoked = true;
    let scopes = old.scopes.clone();
    let token = issue(TokenKind::Offline, scopes, true, lifetimes);
    installation.tokens.push(token.clone());
    Ok(token)
}

/// Uninstalls an app: the installation is marked uninstalled, its tokens revoked, its pending and
/// active charges cancelled, and `app/uninstalled` is recorded for that app. The webhook
/// subscriptions stay until the event has been turned into a delivery: [`uninstall`] removes them
/// afterwards. Returns false when the app was not installed.
pub fn uninstall_app(world: &mut World, shop: &str, api_key: &str) -> bool {
    let Some(installation) = world
        .shop_mut(shop)
        .and_then(|s| s.installations.get_mut(api_key))
        .filter(|i| i.installed)
    else {
        return false;
    };
    installation.installed = false;
    for token in &mut installation.tokens {
        token.revoked = true;
    }
    for charge in &mut installation.app_subscriptions {
        if matches!(
            charge.status.as_str(),
            "PENDING" | "ACTIVE" | "ACCEPTED" | "FROZEN"
        ) {
            charge.status = "CANCELLED".into();
        }
    }
    let domain = world
        .shop(shop)
        .map(|s| s.domain.clone())
        .unwrap_or_default();
    world.emit_to_app(&domain, api_key, Topic::AppUninstalled, None);
    true
}

/// Uninstalls an app on a running simulator: [`uninstall_app`], then (once `app/uninstalled` is
/// queued for delivery) removes the app's webhook subscriptions on that shop.
pub fn uninstall(sim: &Sim, shop: &str, api_key: &str) -> bool {
    if !sim.mutate(|w| uninstall_app(w, shop, api_key)) {
        return false;
    }
    sim.mutate(|w| {
        if let Some(i) = w
            .shop_mut(shop)
            .and_then(|s| s.installations.get_mut(api_key))
            .filter(|i| !i.installed)
        {
            i.webhook_subscriptions.clear();
        }
    });
    true
}
