//! Typed inputs and answers of the Admin API operations, hand-written to match the documents
//! under `graphql/` (field names are the GraphQL ones in camelCase). Statuses stay strings so a
//! value Shopify adds later does not break decoding; money is an exact [`Decimal`].

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A mutation's refusal of its input: the path of the field (when known) and Shopify's message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserError {
    /// Path to the input field, e.g. `["order", "lineItems", "0", "quantity"]`.
    #[serde(default, deserialize_with = "field_path")]
    pub field: Option<Vec<String>>,
    /// What is wrong.
    pub message: String,
    /// A machine-readable code, when the payload has one.
    #[serde(default)]
    pub code: Option<String>,
}

/// Field paths may hold list indexes as numbers: keep them as text.
fn field_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let parts: Option<Vec<Value>> = Option::deserialize(d)?;
    Ok(parts.map(|parts| {
        parts
            .into_iter()
            .map(|p| match p {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect()
    }))
}

/// Cursor information of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// More nodes after this page.
    pub has_next_page: bool,
    /// Cursor to pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// One page of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The nodes of this page.
    pub nodes: Vec<T>,
    /// Where the next page starts.
    pub page_info: PageInfo,
}

/// Nodes of a connection without paging (nested lists).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Nodes<T> {
    /// The nodes.
    pub nodes: Vec<T>,
}

impl<T> Default for Nodes<T> {
    fn default() -> Self {
        Nodes { nodes: Vec::new() }
    }
}

/// The shop.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopInfo {
    /// `gid://shopify/Shop/…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Owner's contact email.
    pub email: String,
    /// `example.myshopify.com`.
    pub myshopify_domain: String,
    /// Currency, e.g. `USD`.
    pub currency_code: String,
    /// Plan.
    pub plan: ShopPlan,
}

/// The shop's plan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopPlan {
    /// e.g. `Development`, `Basic`.
    pub display_name: String,
}

/// The app's installation on the shop.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInstallation {
    /// `gid://shopify/AppInstallation/…`.
    pub id: String,
    /// Subscriptions in force.
    pub active_subscriptions: Vec<AppSubscription>,
}

/// An app subscription (recurring charge).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppSubscription {
    /// `gid://shopify/AppSubscription/…`.
    pub id: String,
    /// Plan name.
    pub name: String,
    /// `PENDING`, `ACTIVE`, `DECLINED`, `CANCELLED`, …
    pub status: String,
    /// A test charge.
    pub test: bool,
}

/// Billing interval of a recurring charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingInterval {
    /// Every 30 days.
    #[serde(rename = "EVERY_30_DAYS")]
    Every30Days,
    /// Every year.
    Annual,
}

/// A recurring subscription to ask the merchant to approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppSubscription {
    /// Plan name shown to the merchant.
    pub name: String,
    /// Where Shopify sends the merchant after approving or declining.
    pub return_url: String,
    /// A test charge (development stores).
    pub test: bool,
    /// Free trial days.
    pub trial_days: Option<u32>,
    /// Price per interval.
    pub price: Decimal,
    /// Price currency, e.g. `USD`.
    pub currency_code: String,
    /// Interval.
    pub interval: BillingInterval,
}

/// A created subscription and the page where the merchant approves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedAppSubscription {
    /// The subscription (status `PENDING`).
    pub subscription: AppSubscription,
    /// Send the merchant here.
    pub confirmation_url: String,
}

/// A webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookSubscription {
    /// `gid://shopify/WebhookSubscription/…`.
    pub id: String,
    /// e.g. `ORDERS_CREATE`.
    pub topic: String,
    /// Endpoint.
    pub uri: String,
}

/// A product variant found by SKU.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductVariant {
    /// `gid://shopify/ProductVariant/…`.
    pub id: String,
    /// SKU.
    pub sku: Option<String>,
    /// Price in the shop's currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// Variant title (`Default Title` for single-variant products).
    pub title: String,
    /// Its product.
    pub product: ProductRef,
}

/// A product variant of a shop's catalogue (`CatalogVariants`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogVariant {
    /// `gid://shopify/ProductVariant/…`.
    pub id: String,
    /// SKU; `None` or blank when the merchant set none.
    pub sku: Option<String>,
    /// Price in the shop's currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// Variant title (`Default Title` for single-variant products).
    pub title: String,
    /// Product and variant title together, as the admin shows it.
    pub display_name: String,
    /// Its product.
    pub product: ProductRef,
}

/// A product, by id and title.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductRef {
    /// `gid://shopify/Product/…`.
    pub id: String,
    /// Title.
    pub title: String,
}

/// An order as listed by `orders`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    /// `gid://shopify/Order/…`.
    pub id: String,
    /// e.g. `#1001`.
    pub name: String,
    /// Tags.
    pub tags: Vec<String>,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601.
    pub updated_at: String,
    /// ISO 8601, when cancelled.
    pub cancelled_at: Option<String>,
}

/// An order with its lines, fulfillment orders and fulfillments.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// `gid://shopify/Order/…`.
    pub id: String,
    /// e.g. `#1001`.
    pub name: String,
    /// Tags.
    pub tags: Vec<String>,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601.
    pub updated_at: String,
    /// ISO 8601, when cancelled.
    pub cancelled_at: Option<String>,
    /// Why it was cancelled (`CUSTOMER`, `INVENTORY`, …), when it was.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// Shop currency of the order.
    pub currency_code: String,
    /// Line items (first 50; empty when not selected).
    #[serde(default)]
    pub line_items: Nodes<LineItem>,
    /// Fulfillment orders (first 5; empty when not selected).
    #[serde(default)]
    pub fulfillment_orders: Nodes<FulfillmentOrder>,
    /// Shipments (first 10; empty when not selected).
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
}

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LineItem {
    /// `gid://shopify/LineItem/…`.
    pub id: String,
    /// Title.
    pub title: String,
    /// SKU.
    pub sku: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// The variant, when it still exists.
    pub variant: Option<IdRef>,
}

/// An object by id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdRef {
    /// Global id.
    pub id: String,
}

/// A fulfillment order: what one location should ship.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrder {
    /// `gid://shopify/FulfillmentOrder/…`.
    pub id: String,
    /// `OPEN`, `IN_PROGRESS`, `CLOSED`, …
    pub status: String,
    /// Its lines (first 50).
    pub line_items: Nodes<FulfillmentOrderLineItem>,
}

/// A line of a fulfillment order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrderLineItem {
    /// `gid://shopify/FulfillmentOrderLineItem/…`.
    pub id: String,
    /// Units still to ship.
    pub remaining_quantity: i64,
    /// The order line it ships.
    pub line_item: IdRef,
}

/// A shipment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fulfillment {
    /// `gid://shopify/Fulfillment/…`.
    pub id: String,
    /// `SUCCESS`, `CANCELLED`, …
    pub status: String,
    /// e.g. `#1001.1` (when selected).
    #[serde(default)]
    pub name: Option<String>,
    /// ISO 8601 (when selected).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Tracking numbers with their carrier and URL (empty when not selected).
    #[serde(default)]
    pub tracking_info: Vec<TrackingInfo>,
    /// The order lines it ships (first 50; `None` when not selected).
    #[serde(default)]
    pub fulfillment_line_items: Option<Nodes<FulfillmentLineItem>>,
}

/// Units of one order line in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentLineItem {
    /// Units shipped (Shopify may leave it null for a removed line).
    pub quantity: Option<i64>,
    /// The order line.
    pub line_item: ShippedLineItem,
}

/// The order line of a shipment line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ShippedLineItem {
    /// `gid://shopify/LineItem/…`.
    pub id: String,
    /// SKU.
    pub sku: Option<String>,
    /// The variant, when it still exists.
    pub variant: Option<IdRef>,
}

/// One tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TrackingInfo {
    /// Carrier.
    pub company: Option<String>,
    /// Tracking number.
    pub number: Option<String>,
    /// Tracking page.
    pub url: Option<String>,
}

/// Tracking to attach to a shipment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrackingInput {
    /// Carrier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Tracking numbers.
    pub numbers: Vec<String>,
    /// Tracking pages, in the order of `numbers`.
    pub urls: Vec<String>,
}

/// Units of fulfillment-order lines to ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrderLines {
    /// The fulfillment order.
    pub fulfillment_order_id: String,
    /// Lines and quantities; empty ships everything left on it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_order_line_items: Vec<FulfillmentLineQuantity>,
}

/// A fulfillment-order line and how many units of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FulfillmentLineQuantity {
    /// `gid://shopify/FulfillmentOrderLineItem/…`.
    pub id: String,
    /// Units.
    pub quantity: u32,
}

/// A shipment to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewFulfillment {
    /// What to ship, per fulfillment order.
    pub line_items_by_fulfillment_order: Vec<FulfillmentOrderLines>,
    /// Tracking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_info: Option<TrackingInput>,
    /// Let Shopify email the customer.
    pub notify_customer: bool,
}

/// Why an order is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CancelReason {
    /// The customer asked.
    Customer,
    /// Payment declined.
    Declined,
    /// Fraud.
    Fraud,
    /// Out of stock.
    Inventory,
    /// Staff error.
    Staff,
    /// Another reason.
    Other,
}

/// The order created by `orderCreate`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedOrder {
    /// `gid://shopify/Order/…`.
    pub id: String,
    /// e.g. `#1001`.
    pub name: String,
}
