//! TEMPORARY stand-in for H1's `merchant.rs` (same signatures) so the control API, pages and
//! seeds compile and can be exercised: `create_product` does its real job; the others answer
//! `MerchantError::Invalid`. Replaced by H1's module at merge.

use chrono::Utc;
use rust_decimal::Decimal;

use crate::state::{MailingAddress, Product, TrackingInfo, Variant, World};

/// Why a merchant action was refused.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    /// The shop, order, line or fulfillment does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The action does not apply.
    #[error("invalid: {0}")]
    Invalid(String),
}

/// A variant to create.
#[derive(Debug, Clone)]
pub struct NewVariant {
    /// Title.
    pub title: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Price.
    pub price: Decimal,
    /// Units in stock.
    pub inventory: i64,
}

/// A product to create.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Title.
    pub title: String,
    /// Vendor.
    pub vendor: Option<String>,
    /// Variants.
    pub variants: Vec<NewVariant>,
}

/// Creates a product.
pub fn create_product(
    world: &mut World,
    shop: &str,
    product: NewProduct,
) -> Result<u64, MerchantError> {
    if world.shop(shop).is_none() {
        return Err(MerchantError::NotFound(format!("shop {shop}")));
    }
    let id = world.next_id();
    let mut variants = Vec::new();
    for v in &product.variants {
        variants.push((world.next_id(), world.next_id(), v.clone()));
    }
    let now = Utc::now();
    let Some(s) = world.shop_mut(shop) else {
        return Err(MerchantError::NotFound(format!("shop {shop}")));
    };
    for (vid, inv, v) in &variants {
        s.variants.insert(
            *vid,
            Variant {
                id: *vid,
                product_id: id,
                title: v.title.clone().unwrap_or_else(|| "Default Title".into()),
                sku: v.sku.clone(),
                price: v.price,
                inventory_item_id: *inv,
                inventory_quantity: v.inventory,
                created_at: now,
                updated_at: now,
            },
        );
    }
    s.products.insert(
        id,
        Product {
            id,
            title: product.title.clone(),
            vendor: product.vendor.clone().unwrap_or_else(|| s.name.clone()),
            status: "ACTIVE".into(),
            handle: product.title.to_lowercase().replace(' ', "-"),
            variant_ids: variants.iter().map(|(v, _, _)| *v).collect(),
            created_at: now,
            updated_at: now,
        },
    );
    Ok(id)
}

/// A customer.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone)]
pub struct OrderLine {
    /// Variant.
    pub variant_id: Option<u64>,
    /// SKU.
    pub sku: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Price.
    pub price: Option<Decimal>,
    /// Units.
    pub quantity: u32,
}

/// How the shopper pays.
#[derive(Debug, Clone, Copy)]
pub enum Payment {
    /// Captured.
    Paid,
    /// Nothing yet.
    Pending,
    /// Authorized.
    Authorized,
}

/// An order as a shopper places it.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Customer.
    pub customer: Option<NewCustomer>,
    /// Ship to.
    pub shipping_address: Option<MailingAddress>,
    /// Bill to.
    pub billing_address: Option<MailingAddress>,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Shipping (title, price).
    pub shipping_line: Option<(String, Decimal)>,
    /// Discount (code, amount).
    pub discount_code: Option<(String, Decimal)>,
    /// Payment.
    pub payment: Payment,
    /// Note.
    pub note: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Test order.
    pub test: bool,
}

fn stand_in() -> MerchantError {
    MerchantError::Invalid("merchant stand-in: not implemented until H1's merchant.rs".into())
}

/// Places an order.
pub fn place_order(
    _world: &mut World,
    _shop: &str,
    _order: PlaceOrder,
) -> Result<u64, MerchantError> {
    Err(stand_in())
}

/// Marks an order paid.
pub fn mark_paid(_world: &mut World, _shop: &str, _order_id: u64) -> Result<(), MerchantError> {
    Err(stand_in())
}

/// Cancels an order.
pub fn cancel_order(
    _world: &mut World,
    _shop: &str,
    _order_id: u64,
    _reason: &str,
) -> Result<(), MerchantError> {
    Err(stand_in())
}

/// Changes a line's quantity.
pub fn edit_quantity(
    _world: &mut World,
    _shop: &str,
    _order_id: u64,
    _line_item_id: u64,
    _quantity: u32,
) -> Result<(), MerchantError> {
    Err(stand_in())
}

/// Units of one line to ship.
#[derive(Debug, Clone)]
pub struct FulfillLine {
    /// The line.
    pub line_item_id: u64,
    /// Units.
    pub quantity: u32,
}

/// A shipment to make.
#[derive(Debug, Clone)]
pub struct Fulfill {
    /// Lines (empty: everything left).
    pub lines: Vec<FulfillLine>,
    /// Tracking.
    pub tracking: Vec<TrackingInfo>,
    /// Email the shopper.
    pub notify_customer: bool,
}

/// Ships (part of) an order.
pub fn fulfill(
    _world: &mut World,
    _shop: &str,
    _order_id: u64,
    _fulfill: Fulfill,
) -> Result<u64, MerchantError> {
    Err(stand_in())
}

/// Replaces a fulfillment's tracking.
pub fn update_tracking(
    _world: &mut World,
    _shop: &str,
    _fulfillment_id: u64,
    _tracking: Vec<TrackingInfo>,
    _notify_customer: bool,
) -> Result<(), MerchantError> {
    Err(stand_in())
}

/// Cancels a fulfillment.
pub fn cancel_fulfillment(
    _world: &mut World,
    _shop: &str,
    _fulfillment_id: u64,
) -> Result<(), MerchantError> {
    Err(stand_in())
}
