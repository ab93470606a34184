//! The seed file's format (also the bodies of the control API's create-app, create-shop,
//! create-product, place-order and fulfill routes). Every object refuses unknown keys, so a typo
//! in a seed or a request is an error naming the key rather than a silently missing value.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::merchant;
use crate::state::{App, MailingAddress, ThrottleConfig, TrackingInfo};

/// A whole seed file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Apps to register.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
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
    pub throttle: Option<SeedThrottle>,
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
    pub shipping_address: Option<SeedAddress>,
    /// Bill to.
    #[serde(default)]
    pub billing_address: Option<SeedAddress>,
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
            shipping_address: self.shipping_address.clone().map(SeedAddress::into_state),
            billing_address: self.billing_address.clone().map(SeedAddress::into_state),
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

/// An app as registered (the Partner Dashboard's view of it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    /// Client id.
    pub api_key: String,
    /// Client secret.
    pub secret: String,
    /// Access scopes the app asks for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Allowed OAuth redirect URLs (empty: any).
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    /// Shown on the pages.
    #[serde(default)]
    pub title: String,
    /// Where the compliance webhooks go (the app configuration's `compliance_topics`).
    #[serde(default)]
    pub compliance_url: Option<String>,
}

impl SeedApp {
    /// The app as the world keeps it.
    pub fn into_state(self) -> App {
        App {
            api_key: self.api_key,
            secret: self.secret,
            scopes: self.scopes,
            redirect_urls: self.redirect_urls,
            title: self.title,
            compliance_url: self.compliance_url,
        }
    }
}

/// A shop's query-cost bucket.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedThrottle {
    /// Bucket size in points.
    pub maximum_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl SeedThrottle {
    /// The bucket settings as the world keeps them.
    pub fn into_state(self) -> ThrottleConfig {
        ThrottleConfig {
            maximum_available: self.maximum_available,
            restore_rate: self.restore_rate,
        }
    }
}

/// A postal address (every field optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAddress {
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company: Option<String>,
    /// Street.
    #[serde(default)]
    pub address1: Option<String>,
    /// Street, second line.
    #[serde(default)]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Province name.
    #[serde(default)]
    pub province: Option<String>,
    /// Province code.
    #[serde(default)]
    pub province_code: Option<String>,
    /// Country name.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub zip: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

impl SeedAddress {
    /// The address as an order keeps it.
    pub fn into_state(self) -> MailingAddress {
        MailingAddress {
            first_name: self.first_name,
            last_name: self.last_name,
            company: self.company,
            address1: self.address1,
            address2: self.address2,
            city: self.city,
            province: self.province,
            province_code: self.province_code,
            country: self.country,
            country_code: self.country_code,
            zip: self.zip,
            phone: self.phone,
        }
    }
}

/// A tracking number with its carrier and URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTracking {
    /// Carrier (`UPS`).
    #[serde(default)]
    pub company: Option<String>,
    /// Tracking number.
    #[serde(default)]
    pub number: Option<String>,
    /// Tracking URL.
    #[serde(default)]
    pub url: Option<String>,
}

impl SeedTracking {
    /// The tracking as a fulfillment keeps it.
    pub fn into_state(self) -> TrackingInfo {
        TrackingInfo {
            company: self.company,
            number: self.number,
            url: self.url,
        }
    }
}
