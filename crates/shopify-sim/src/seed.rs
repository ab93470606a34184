//! The seed file: a JSON description of apps, shops (with locations and products), installs
//! (optionally with fixed tokens, for tests) and orders, applied to a world at start-up
//! (`shopify-sim --seed FILE`) or through the control API (`POST /_sim/seed`). The same types
//! are the bodies of the control API's create-shop, create-product and place-order routes.
//! `docs/simulator.md` documents the format with an example.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::merchant::{self, MerchantError};
use crate::state::{App, Location, MailingAddress, ThrottleConfig, World};

/// A whole seed file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Apps to register.
    #[serde(default)]
    pub apps: Vec<App>,
    /// Shops to create (with their products and orders).
    #[serde(default)]
    pub shops: Vec<SeedShop>,
    /// Apps to install on shops.
    #[serde(default)]
    pub installs: Vec<SeedInstall>,
}

/// A shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedShop {
    /// `example.myshopify.com`.
    pub domain: String,
    /// Store name (defaults to the domain's first label).
    #[serde(default)]
    pub name: Option<String>,
    /// Owner email.
    #[serde(default)]
    pub email: Option<String>,
    /// Currency (default `USD`).
    #[serde(default)]
    pub currency: Option<String>,
    /// Plan display name (default `Development`).
    #[serde(default)]
    pub plan: Option<String>,
    /// Query-cost bucket (default 2000 points, 100 per second).
    #[serde(default)]
    pub throttle: Option<ThrottleConfig>,
    /// Development-store `orderCreate` limit (default off).
    #[serde(default)]
    pub order_create_limit: Option<bool>,
    /// Locations (default one, "Shop location"); the first is the primary.
    #[serde(default)]
    pub locations: Vec<SeedLocation>,
    /// Products.
    #[serde(default)]
    pub products: Vec<SeedProduct>,
    /// Orders, placed after the installs.
    #[serde(default)]
    pub orders: Vec<SeedOrder>,
}

/// A location.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLocation {
    /// Name.
    pub name: String,
    /// Street.
    #[serde(default)]
    pub address1: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// ISO country code.
    #[serde(default)]
    pub country_code: Option<String>,
}

/// A product.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProduct {
    /// Title.
    pub title: String,
    /// Vendor.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Variants (at least one).
    pub variants: Vec<SeedVariant>,
}

/// A variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVariant {
    /// Title (default `Default Title`).
    #[serde(default)]
    pub title: Option<String>,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Price, a decimal string such as `"24.00"`.
    pub price: Decimal,
    /// Units in stock.
    #[serde(default)]
    pub inventory: i64,
}

/// An app installed on a shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInstall {
    /// Shop domain.
    pub shop: String,
    /// App API key.
    pub app: String,
    /// Granted scopes (default: the app's).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// A fixed offline token value, so tests know it in advance.
    #[serde(default)]
    pub token: Option<String>,
    /// Issue an expiring token (with a refresh token).
    #[serde(default)]
    pub expiring: bool,
}

/// A customer on an order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCustomer {
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

/// One line of an order: a variant (by id or SKU) or a custom item (title and price).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLine {
    /// Variant id.
    #[serde(default)]
    pub variant_id: Option<u64>,
    /// Variant SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Custom item title.
    #[serde(default)]
    pub title: Option<String>,
    /// Price override.
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Units (default 1).
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// A titled amount (shipping line).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedShipping {
    /// Title shown to the shopper.
    pub title: String,
    /// Price.
    pub price: Decimal,
}

/// A discount code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDiscount {
    /// The code.
    pub code: String,
    /// Amount off the order.
    pub amount: Decimal,
}

/// How the shopper paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedPayment {
    /// Captured.
    #[default]
    Paid,
    /// Not yet paid.
    Pending,
    /// Authorized only.
    Authorized,
}

/// An order as a shopper places it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrder {
    /// Contact email.
    #[serde(default)]
    pub email: Option<String>,
    /// Contact phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Customer.
    #[serde(default)]
    pub customer: Option<SeedCustomer>,
    /// Ship to.
    #[serde(default)]
    pub shipping_address: Option<MailingAddress>,
    /// Bill to.
    #[serde(default)]
    pub billing_address: Option<MailingAddress>,
    /// Lines.
    pub lines: Vec<SeedLine>,
    /// Shipping line.
    #[serde(default)]
    pub shipping_line: Option<SeedShipping>,
    /// Discount code.
    #[serde(default)]
    pub discount_code: Option<SeedDiscount>,
    /// Payment (`paid`, `pending`, `authorized`; default `paid`).
    #[serde(default)]
    pub payment: SeedPayment,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Test order.
    #[serde(default)]
    pub test: bool,
}

impl SeedProduct {
    /// The merchant action's input.
    pub fn to_merchant(&self) -> merchant::NewProduct {
        merchant::NewProduct {
            title: self.title.clone(),
            vendor: self.vendor.clone(),
            variants: self
                .variants
                .iter()
                .map(|v| merchant::NewVariant {
                    title: v.title.clone(),
                    sku: v.sku.clone(),
                    price: v.price,
                    inventory: v.inventory,
                })
                .collect(),
        }
    }
}

impl SeedOrder {
    /// The merchant action's input.
    pub fn to_merchant(&self) -> merchant::PlaceOrder {
        merchant::PlaceOrder {
            email: self.email.clone(),
            phone: self.phone.clone(),
            customer: self.customer.clone().map(|c| merchant::NewCustomer {
                first_name: c.first_name,
                last_name: c.last_name,
                email: c.email,
                phone: c.phone,
            }),
            shipping_address: self.shipping_address.clone(),
            billing_address: self.billing_address.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| merchant::OrderLine {
                    variant_id: l.variant_id,
                    sku: l.sku.clone(),
                    title: l.title.clone(),
                    price: l.price,
                    quantity: l.quantity,
                })
                .collect(),
            shipping_line: self.shipping_line.clone().map(|s| (s.title, s.price)),
            discount_code: self.discount_code.clone().map(|d| (d.code, d.amount)),
            payment: match self.payment {
                SeedPayment::Paid => merchant::Payment::Paid,
                SeedPayment::Pending => merchant::Payment::Pending,
                SeedPayment::Authorized => merchant::Payment::Authorized,
            },
            note: self.note.clone(),
            tags: self.tags.clone(),
            test: self.test,
        }
    }
}

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
        shop.throttle = throttle;
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
        world.apps.insert(app.api_key.clone(), app.clone());
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
