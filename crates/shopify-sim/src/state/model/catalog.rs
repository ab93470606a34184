//! What a shop sells and to whom: locations, products, variants, customers.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A place stock is kept and shipped from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Location {
    /// Numeric id.
    pub id: u64,
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
pub struct Product {
    /// Numeric id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Vendor.
    pub vendor: String,
    /// `ACTIVE`, `DRAFT`, `ARCHIVED`.
    pub status: String,
    /// URL handle.
    pub handle: String,
    /// Its variants' ids, in order.
    pub variant_ids: Vec<u64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A product variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Variant {
    /// Numeric id.
    pub id: u64,
    /// Its product.
    pub product_id: u64,
    /// Title, e.g. `Default Title` or `Blue / L`.
    pub title: String,
    /// SKU.
    pub sku: Option<String>,
    /// Price in the shop's currency.
    pub price: Decimal,
    /// Inventory item id.
    pub inventory_item_id: u64,
    /// Units available (all locations).
    pub inventory_quantity: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Customer {
    /// Numeric id.
    pub id: u64,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A postal address on an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MailingAddress {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street.
    pub address1: Option<String>,
    /// Street, second line.
    pub address2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Province name.
    pub province: Option<String>,
    /// Province code.
    pub province_code: Option<String>,
    /// Country name.
    pub country: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}
