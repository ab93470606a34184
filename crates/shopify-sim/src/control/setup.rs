//! Control routes that set the world up: seeds, apps, shops, installs and tokens, session
//! tokens, compliance webhooks, throttling and OAuth switches.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, shop_domain, ApiError, ApiResult};
use crate::oauth::{self, TokenGrant, TokenLifetimes};
use crate::seed::{self, Seed, SeedApp, SeedShop, SeedThrottle};
use crate::state::{App, ThrottleConfig, TokenKind, Topic};
use crate::Sim;

pub(super) async fn seed(State(sim): State<Sim>, bytes: Bytes) -> ApiResult {
    let seed: Seed = body(&bytes)?;
    let report = sim
        .mutate(|w| seed::apply_seed(w, &seed))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

pub(super) async fn register_app(State(sim): State<Sim>, bytes: Bytes) -> ApiResult {
    let app = body::<SeedApp>(&bytes)?.into_state();
    if app.api_key.is_empty() || app.secret.is_empty() {
        return Err(ApiError::bad_request(
            "api_key and secret must not be empty",
        ));
    }
    sim.mutate(|w| {
        w.apps.insert(app.api_key.clone(), app.clone());
        oauth::apply_app_config_everywhere(w, &app.api_key);
    });
    Ok((StatusCode::CREATED, Json(app)).into_response())
}

pub(super) async fn list_apps(State(sim): State<Sim>) -> ApiResult {
    let apps: Vec<App> = sim.read(|w| w.apps.values().cloned().collect());
    Ok(Json(apps).into_response())
}

fn shop_json(shop: &crate::state::Shop) -> Value {
    json!({
        "domain": shop.domain,
        "id": crate::gid("Shop", shop.id),
        "name": shop.name,
        "email": shop.email,
        "currency": shop.currency,
        "plan": shop.plan_name,
        "throttle": shop.throttle,
        "order_create_limit": shop.order_create_limit,
        "locations": shop.locations.iter().map(|l| json!({ "id": l.id, "name": l.name })).collect::<Vec<_>>(),
        "installed_apps": shop.installations.values().filter(|i| i.installed).map(|i| i.api_key.clone()).collect::<Vec<_>>(),
        "products": shop.products.len(),
        "orders": shop.orders.len(),
    })
}

pub(super) async fn create_shop(State(sim): State<Sim>, bytes: Bytes) -> ApiResult {
    let shop: SeedShop = body(&bytes)?;
    if !shop.domain.ends_with(".myshopify.com") {
        return Err(ApiError::bad_request(format!(
            "domain {:?} must end with .myshopify.com",
            shop.domain
        )));
    }
    if !shop.orders.is_empty() {
        return Err(ApiError::bad_request(
            "place orders with POST /_sim/shops/{shop}/orders once apps are installed",
        ));
    }
    let domain = shop.domain.to_ascii_lowercase();
    sim.mutate(|w| seed::create_shop(w, &shop))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let shop = sim.read(|w| w.shop(&domain).map(shop_json));
    Ok((StatusCode::CREATED, Json(shop)).into_response())
}

pub(super) async fn list_shops(State(sim): State<Sim>) -> ApiResult {
    let shops: Vec<Value> = sim.read(|w| w.shops.values().map(shop_json).collect());
    Ok(Json(shops).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallRequest {
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    expiring: bool,
    #[serde(default)]
    online: bool,
    #[serde(default)]
    token: Option<String>,
}

pub(super) async fn install(
    State(sim): State<Sim>,
    Path((shop, api_key)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let request: InstallRequest = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    let lifetimes = sim.oauth().lifetimes();
    let grant = sim.mutate(|w| {
        let app = w
            .apps
            .get(&api_key)
            .ok_or_else(|| ApiError::not_found(format!("no app with api key {api_key}")))?;
        let scopes = request.scopes.clone().unwrap_or_else(|| app.scopes.clone());
        let kind = if request.online {
            TokenKind::Online
        } else {
            TokenKind::Offline
        };
        let mut token = oauth::install_app_with(
            w,
            &shop,
            &api_key,
            &scopes,
            kind,
            request.expiring,
            lifetimes,
        )
        .ok_or_else(|| ApiError::not_found(format!("no shop {shop}")))?;
        if let Some(fixed) = &request.token {
            if let Some(stored) = w
                .shop_mut(&shop)
                .and_then(|s| s.installations.get_mut(&api_key))
                .and_then(|i| i.tokens.iter_mut().find(|t| t.token == token.token))
            {
                stored.token = fixed.clone();
                token.token = fixed.clone();
            }
        }
        Ok::<_, ApiError>(TokenGrant {
            token,
            user_id: request.online.then_some(1),
            user_email: None,
        })
    })?;
    Ok((StatusCode::CREATED, Json(grant.to_json())).into_response())
}

pub(super) async fn uninstall(
    State(sim): State<Sim>,
    Path((shop, api_key)): Path<(String, String)>,
) -> ApiResult {
    let shop = shop_domain(&sim, &shop)?;
    if oauth::uninstall(&sim, &shop, &api_key) {
        Ok(Json(json!({ "uninstalled": api_key })).into_response())
    } else {
        Err(ApiError::not_found(format!(
            "{api_key} is not installed on {shop}"
        )))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionTokenRequest {
    #[serde(default = "owner")]
    user_id: u64,
}

fn owner() -> u64 {
    1
}

pub(super) async fn session_token(
    State(sim): State<Sim>,
    Path((shop, api_key)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let request: SessionTokenRequest = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    let token = sim
        .read(|w| oauth::mint_session_token(w, &shop, &api_key, request.user_id))
        .ok_or_else(|| ApiError::not_found(format!("no app with api key {api_key}")))?;
    Ok(Json(json!({ "session_token": token })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplianceRequest {
    topic: String,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    customer_id: Option<u64>,
}

pub(super) async fn compliance(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let request: ComplianceRequest = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    let topic = match Topic::parse(&request.topic) {
        Some(t @ (Topic::CustomersDataRequest | Topic::CustomersRedact | Topic::ShopRedact)) => t,
        _ => {
            return Err(ApiError::bad_request(format!(
                "topic {:?} is not a compliance topic (customers/data_request, customers/redact, shop/redact)",
                request.topic
            )))
        }
    };
    if topic != Topic::ShopRedact && request.customer_id.is_none() {
        return Err(ApiError::bad_request(format!(
            "{} needs customer_id",
            topic.header()
        )));
    }
    sim.mutate(|w| match &request.api_key {
        Some(app) => w.emit_to_app(&shop, app, topic, request.customer_id),
        None => w.emit(&shop, topic, request.customer_id),
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "topic": topic.header() })),
    )
        .into_response())
}

pub(super) async fn throttle(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let config: ThrottleConfig = body::<SeedThrottle>(&bytes)?.into_state();
    if config.maximum_available <= 0.0 || config.restore_rate < 0.0 {
        return Err(ApiError::bad_request(
            "maximum_available must be positive and restore_rate not negative",
        ));
    }
    let shop = shop_domain(&sim, &shop)?;
    sim.mutate(|w| {
        if let Some(s) = w.shop_mut(&shop) {
            s.throttle = config;
        }
    });
    Ok(Json(config).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketRequest {
    api_key: String,
    available: f64,
}

pub(super) async fn set_bucket(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let request: BucketRequest = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    let config = sim.read(|w| w.shop(&shop).map(|s| s.throttle).unwrap_or_default());
    sim.buckets()
        .set_available(&shop, &request.api_key, config, request.available);
    Ok(Json(json!({ "api_key": request.api_key, "available": request.available.clamp(0.0, config.maximum_available) })).into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct BucketQuery {
    api_key: String,
}

pub(super) async fn reset_bucket(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    Query(query): Query<BucketQuery>,
) -> ApiResult {
    let shop = shop_domain(&sim, &shop)?;
    let config = sim.read(|w| w.shop(&shop).map(|s| s.throttle).unwrap_or_default());
    sim.buckets()
        .set_available(&shop, &query.api_key, config, config.maximum_available);
    Ok(
        Json(json!({ "api_key": query.api_key, "available": config.maximum_available }))
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Toggle {
    enabled: bool,
}

pub(super) async fn order_create_limit(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let toggle: Toggle = body(&bytes)?;
    let shop = shop_domain(&sim, &shop)?;
    sim.mutate(|w| {
        if let Some(s) = w.shop_mut(&shop) {
            s.order_create_limit = toggle.enabled;
        }
    });
    Ok(Json(json!({ "order_create_limit": toggle.enabled })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuthSettings {
    #[serde(default)]
    auto_approve: Option<bool>,
    #[serde(default)]
    access_token_seconds: Option<u64>,
    #[serde(default)]
    refresh_token_seconds: Option<u64>,
    #[serde(default)]
    online_token_seconds: Option<u64>,
}

pub(super) async fn oauth_settings(State(sim): State<Sim>, bytes: Bytes) -> ApiResult {
    let settings: OAuthSettings = body(&bytes)?;
    if let Some(on) = settings.auto_approve {
        sim.oauth().set_auto_approve(on);
    }
    let mut lifetimes = sim.oauth().lifetimes();
    let secs = Duration::from_secs;
    if let Some(s) = settings.access_token_seconds {
        lifetimes.access = secs(s);
    }
    if let Some(s) = settings.refresh_token_seconds {
        lifetimes.refresh = secs(s);
    }
    if let Some(s) = settings.online_token_seconds {
        lifetimes.online = secs(s);
    }
    sim.oauth().set_lifetimes(lifetimes);
    let TokenLifetimes {
        access,
        refresh,
        online,
        ..
    } = lifetimes;
    Ok(Json(json!({
        "auto_approve": sim.oauth().auto_approve(),
        "access_token_seconds": access.as_secs(),
        "refresh_token_seconds": refresh.as_secs(),
        "online_token_seconds": online.as_secs(),
    }))
    .into_response())
}
