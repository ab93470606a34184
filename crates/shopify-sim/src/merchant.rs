//! What a shop owner or a shopper does to a store: create products, check out (place an order),
//! mark it paid, cancel it, edit it, fulfill it, track and cancel shipments.
//!
//! These are the only functions that change the commerce state: the Admin API mutations, the
//! control API, the HTML pages and the seed loader all call them, so every path records the same
//! webhook events (via [`World::emit`]) and keeps the derived statuses consistent.
//!
//! | module | role |
//! |---|---|
//! | this file | errors, input types, products and customers |
//! | [`orders`] | checkout (a shopper's, and `orderCreate`'s) |
//! | [`order_changes`] | payment, cancellation, order edits, display statuses |
//! | [`fulfill`] | fulfillment orders, shipments, tracking, cancelled shipments |

mod fulfill;
mod order_changes;
mod orders;

/// Payment sums of an order (received, capturable, outstanding), for the API's money fields.
pub(crate) mod orders_money {
    pub(crate) use super::order_changes::{capturable, outstanding, received};
}

use chrono::Utc;
use rust_decimal::Decimal;

pub use fulfill::{
    cancel_fulfillment, fulfill, fulfill_fulfillment_orders, update_tracking,
    FulfillmentOrderRequest,
};
pub use order_changes::{
    cancel_order, cancel_order_with, display_fulfillment_status, edit_quantity,
    fulfillable_quantity, fulfilled_quantity, mark_paid,
};
pub use orders::{place_order, place_order_with, LineDetails, NewTransaction, OrderDetails};

use crate::state::Topic;
use crate::state::{Customer, MailingAddress, Product, Shop, TrackingInfo, Variant, World};

/// Why a merchant action was refused. Messages name the field or the problem (and, where the
/// Admin API has a recorded wording, use it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantError {
    /// The shop, order, variant, fulfillment … does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request is not acceptable as it stands.
    #[error("{0}")]
    Invalid(String),
}

/// A variant of a new product.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVariant {
    /// Title (`Default Title` when absent).
    pub title: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Price.
    pub price: Decimal,
    /// Units in stock.
    pub inventory: i64,
}

/// A new product.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    /// Title.
    pub title: String,
    /// Vendor (the shop's name when absent).
    pub vendor: Option<String>,
    /// Variants (one `Default Title` variant at 0.00 when empty).
    pub variants: Vec<NewVariant>,
}

/// A shopper's details at checkout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCustomer {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email (an existing customer with this email is reused).
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// One line of an order being placed: a variant (by id or by SKU) or a custom item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderLine {
    /// The variant, by id.
    pub variant_id: Option<u64>,
    /// The variant, by SKU (or the SKU of a custom item).
    pub sku: Option<String>,
    /// Title of a custom item (a variant's product title otherwise).
    pub title: Option<String>,
    /// Unit price (the variant's price when absent).
    pub price: Option<Decimal>,
    /// Units.
    pub quantity: u32,
}

/// How the shopper paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// Captured at checkout.
    Paid,
    /// Not paid yet (e.g. bank transfer, cash on delivery).
    Pending,
    /// Authorized, to be captured later.
    Authorized,
}

/// An order as a shopper checks it out.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceOrder {
    /// Contact email.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// The customer (reused by email when one exists).
    pub customer: Option<NewCustomer>,
    /// Ship to.
    pub shipping_address: Option<MailingAddress>,
    /// Bill to.
    pub billing_address: Option<MailingAddress>,
    /// Lines (at least one).
    pub lines: Vec<OrderLine>,
    /// Shipping method title and price.
    pub shipping_line: Option<(String, Decimal)>,
    /// Discount code and the amount it takes off the lines.
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

/// One line of a shipment: units of an order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FulfillLine {
    /// The order line.
    pub line_item_id: u64,
    /// Units shipped.
    pub quantity: u32,
}

/// A shipment the merchant makes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fulfill {
    /// What ships; empty: everything not yet shipped.
    pub lines: Vec<FulfillLine>,
    /// Tracking numbers.
    pub tracking: Vec<TrackingInfo>,
    /// Email the shopper.
    pub notify_customer: bool,
}

pub(crate) fn shop_mut<'w>(
    world: &'w mut World,
    shop: &str,
) -> Result<&'w mut Shop, MerchantError> {
    world
        .shop_mut(shop)
        .ok_or_else(|| MerchantError::NotFound(format!("shop {shop} does not exist")))
}

/// Creates a product with its variants; emits `products/create`. Returns the product id.
pub fn create_product(
    world: &mut World,
    shop: &str,
    product: NewProduct,
) -> Result<u64, MerchantError> {
    if product.title.trim().is_empty() {
        return Err(MerchantError::Invalid("Title can't be blank".into()));
    }
    let vendor = product.vendor.clone().unwrap_or_else(|| {
        shop_mut(world, shop)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    });
    let shop_domain = shop_mut(world, shop)?.domain.clone();
    let mut variants = product.variants;
    if variants.is_empty() {
        variants.push(NewVariant {
            title: None,
            sku: None,
            price: Decimal::ZERO,
            inventory: 0,
        });
    }
    for (i, v) in variants.iter().enumerate() {
        if v.price < Decimal::ZERO {
            return Err(MerchantError::Invalid(format!(
                "variants[{i}].price must not be negative"
            )));
        }
    }
    let product_id = world.next_id();
    let now = Utc::now();
    let mut new_variants = Vec::new();
    for v in variants {
        let id = world.next_id();
        let inventory_item_id = world.next_id();
        new_variants.push(Variant {
            id,
            product_id,
            title: v.title.unwrap_or_else(|| "Default Title".into()),
            sku: v.sku.filter(|s| !s.is_empty()),
            price: v.price,
            inventory_item_id,
            inventory_quantity: v.inventory,
            created_at: now,
            updated_at: now,
        });
    }
    let s = shop_mut(world, &shop_domain)?;
    s.products.insert(
        product_id,
        Product {
            id: product_id,
            handle: handle(&product.title),
            title: product.title,
            vendor,
            status: "ACTIVE".into(),
            variant_ids: new_variants.iter().map(|v| v.id).collect(),
            created_at: now,
            updated_at: now,
        },
    );
    for v in new_variants {
        s.variants.insert(v.id, v);
    }
    world.emit(&shop_domain, Topic::ProductsCreate, Some(product_id));
    Ok(product_id)
}

fn handle(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Finds a customer by email, or creates one. Returns its id.
pub(crate) fn upsert_customer(
    world: &mut World,
    shop: &str,
    customer: NewCustomer,
) -> Result<u64, MerchantError> {
    let email = customer.email.as_deref().map(str::to_ascii_lowercase);
    if let Some(email) = &email {
        let s = shop_mut(world, shop)?;
        if let Some(existing) = s
            .customers
            .values_mut()
            .find(|c| c.email.as_deref().map(str::to_ascii_lowercase).as_ref() == Some(email))
        {
            if customer.first_name.is_some() {
                existing.first_name = customer.first_name;
            }
            if customer.last_name.is_some() {
                existing.last_name = customer.last_name;
            }
            if customer.phone.is_some() {
                existing.phone = customer.phone;
            }
            existing.updated_at = Utc::now();
            return Ok(existing.id);
        }
    }
    let id = world.next_id();
    let now = Utc::now();
    shop_mut(world, shop)?.customers.insert(
        id,
        Customer {
            id,
            first_name: customer.first_name,
            last_name: customer.last_name,
            email: customer.email,
            phone: customer.phone,
            created_at: now,
            updated_at: now,
        },
    );
    Ok(id)
}

#[cfg(test)]
mod tests;
