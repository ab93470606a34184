//! The seed file: a JSON description of apps, shops (with locations and products), installs
//! (optionally with fixed tokens, for tests) and orders, applied to a world at start-up
//! (`shopify-sim --seed FILE`) or through the control API (`POST /_sim/seed`). The same types
//! are the bodies of the control API's create-shop, create-product and place-order routes.
//! `docs/simulator.md` documents the format with an example.

mod format;

use serde::{Deserialize, Serialize};

pub use format::*;

use crate::merchant::{self, MerchantError};
use crate::state::{Location, World};

/// Why a seed could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The install names an app the seed (or the world) does not have.
    #[error("install on {shop}: no app with api key {app}")]
    UnknownApp {
        /// Shop.
        shop: String,
        /// App.
        app: String,
    },
    /// The install or order names a shop that does not exist.
    #[error("no shop {0}")]
    UnknownShop(String),
    /// A product or order was refused.
    #[error("{what} on {shop}: {reason}")]
    Merchant {
        /// Shop.
        shop: String,
        /// What was being created.
        what: String,
        /// The merchant action's answer.
        reason: String,
    },
}

fn merchant_error(shop: &str, what: String, e: MerchantError) -> SeedError {
    let reason = match e {
        MerchantError::NotFound(s) => format!("not found: {s}"),
        MerchantError::Invalid(s) => s,
    };
    SeedError::Merchant {
        shop: shop.to_owned(),
        what,
        reason,
    }
}

/// What applying a seed produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeedReport {
    /// Shops created.
    pub shops: Vec<String>,
    /// Tokens issued: (shop, app, token).
    pub tokens: Vec<(String, String, String)>,
    /// Products created: (shop, id).
    pub products: Vec<(String, u64)>,
    /// Orders placed: (shop, id).
    pub orders: Vec<(String, u64)>,
}

/// Creates a shop from its seed (products included, orders not). An existing shop is updated.
pub fn create_shop(world: &mut World, seed: &SeedShop) -> Result<Vec<u64>, SeedError> {
    let domain = seed.domain.to_ascii_lowercase();
    let label = domain.split('.').next().unwrap_or_default().to_owned();
    let extra_ids: Vec<u64> = seed
        .locations
        .iter()
        .skip(1)
        .map(|_| world.next_id())
        .collect();
    let shop = world.add_shop(
        &domain,
        seed.name.as_deref().unwrap_or(&label),
        seed.email.as_deref().unwrap_or(&format!("owner@{domain}")),
        seed.currency.as_deref().unwrap_or("USD"),
    );
    if let Some(plan) = &seed.plan {
        shop.plan_name = plan.clone();
    }
    if let Some(throttle) = seed.throttle {
        shop.throttle = throttle.into_state();
    }
    if let Some(limit) = seed.order_create_limit {
        shop.order_create_limit = limit;
    }
    if !seed.locations.is_empty() {
        let primary = shop.locations.first().map(|l| l.id).unwrap_or_default();
        shop.locations = seed
            .locations
            .iter()
            .zip(std::iter::once(primary).chain(extra_ids))
            .map(|(l, id)| Location {
                id,
                name: l.name.clone(),
                address1: l.address1.clone(),
                city: l.city.clone(),
                country_code: l.country_code.clone(),
            })
            .collect();
    }
    seed.products
        .iter()
        .map(|p| {
            merchant::create_product(world, &domain, p.to_merchant())
                .map_err(|e| merchant_error(&domain, format!("product {:?}", p.title), e))
        })
        .collect()
}

/// Applies a seed: apps, then shops and their products, then installs, then orders.
pub fn apply_seed(world: &mut World, seed: &Seed) -> Result<SeedReport, SeedError> {
    let mut report = SeedReport::default();
    for app in &seed.apps {
        world
            .apps
            .insert(app.api_key.clone(), app.clone().into_state());
        crate::oauth::apply_app_config_everywhere(world, &app.api_key);
    }
    for shop in &seed.shops {
        let ids = create_shop(world, shop)?;
        let domain = shop.domain.to_ascii_lowercase();
        report
            .products
            .extend(ids.into_iter().map(|id| (domain.clone(), id)));
        report.shops.push(domain);
    }
    for install in &seed.installs {
        let shop = install.shop.to_ascii_lowercase();
        if world.shop(&shop).is_none() {
            return Err(SeedError::UnknownShop(shop));
        }
        let Some(app) = world.apps.get(&install.app) else {
            return Err(SeedError::UnknownApp {
                shop,
                app: install.app.clone(),
            });
        };
        let scopes = install.scopes.clone().unwrap_or_else(|| app.scopes.clone());
        let Some(token) =
            crate::oauth::install_app(world, &shop, &install.app, &scopes, install.expiring)
        else {
            return Err(SeedError::UnknownShop(shop));
        };
        let value = match &install.token {
            Some(fixed) => {
                if let Some(stored) = world
                    .shop_mut(&shop)
                    .and_then(|s| s.installations.get_mut(&install.app))
                    .and_then(|i| i.tokens.iter_mut().find(|t| t.token == token.token))
                {
                    stored.token = fixed.clone();
                }
                fixed.clone()
            }
            None => token.token,
        };
        report.tokens.push((shop, install.app.clone(), value));
    }
    for shop in &seed.shops {
        let domain = shop.domain.to_ascii_lowercase();
        for (n, order) in shop.orders.iter().enumerate() {
            let id = merchant::place_order(world, &domain, order.to_merchant())
                .map_err(|e| merchant_error(&domain, format!("order #{}", n + 1), e))?;
            report.orders.push((domain.clone(), id));
        }
    }
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
