//! The entities a Shopify store holds, as the simulator keeps them in memory. Field names follow
//! Shopify's Admin API; money is exact (`Decimal`) in the shop's currency.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An app registered with the simulator (what a Partner Dashboard app is to Shopify).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct App {
    /// Client id (API key).
    pub api_key: String,
    /// Client secret: signs webhooks, session tokens and OAuth query strings.
    pub secret: String,
    /// Access scopes the app asks for, e.g. `read_orders`, `write_orders`.
    pub scopes: Vec<String>,
    /// Allowed OAuth redirect URLs (empty: any).
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    /// Shown on the simulator's pages.
    #[serde(default)]
    pub title: String,
    /// Where the compliance webhooks (`customers/data_request`, `customers/redact`,
    /// `shop/redact`) go: the app configuration's `compliance_topics` subscription, put on every
    /// installation. None: the app hears none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_url: Option<String>,
}

/// Offline (per shop) or online (per user) access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Shop-level token for background work.
    Offline,
    /// User-level token, tied to a staff member's session.
    Online,
}

/// An access token the simulator issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    /// The bearer value (`shpat_…` / `shpua_…`).
    pub token: String,
    /// Offline or online.
    pub kind: TokenKind,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Expiry, for expiring tokens.
    pub expires_at: Option<DateTime<Utc>>,
    /// Refresh token, for expiring offline tokens.
    pub refresh_token: Option<String>,
    /// Refresh token expiry.
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// Revoked by uninstall or by a refresh.
    pub revoked: bool,
}

/// A webhook subscription of one app on one shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookSubscription {
    /// Numeric id (GID `WebhookSubscription/<id>`).
    pub id: u64,
    /// Topic enum as in GraphQL, e.g. `ORDERS_CREATE`.
    pub topic: String,
    /// HTTPS (or, in the simulator, HTTP) endpoint.
    pub uri: String,
    /// Payload format (`JSON`).
    pub format: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A recurring app charge (the Order add-on's billing).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppSubscription {
    /// Numeric id (GID `AppSubscription/<id>`).
    pub id: u64,
    /// Plan name.
    pub name: String,
    /// `PENDING`, `ACTIVE`, `DECLINED`, `CANCELLED`, `EXPIRED`, `FROZEN`.
    pub status: String,
    /// Test charge (no money moves).
    pub test: bool,
    /// Price per interval.
    pub price: Decimal,
    /// Billing interval: `EVERY_30_DAYS` or `ANNUAL`.
    #[serde(default = "every_30_days")]
    pub interval: String,
    /// Currency of the price.
    pub currency: String,
    /// Trial days.
    pub trial_days: u32,
    /// Where the merchant is sent after approving.
    pub return_url: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// End of the current period.
    pub current_period_end: Option<DateTime<Utc>>,
}

fn every_30_days() -> String {
    "EVERY_30_DAYS".to_owned()
}

/// One app installed on one shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Installation {
    /// The app.
    pub api_key: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Tokens issued (revoked ones kept for the journal).
    pub tokens: Vec<AccessToken>,
    /// False after uninstall.
    pub installed: bool,
    /// Webhook subscriptions.
    pub webhook_subscriptions: Vec<WebhookSubscription>,
    /// Billing.
    pub app_subscriptions: Vec<AppSubscription>,
    /// Numeric id of the installation (GID `AppInstallation/<id>`).
    pub id: u64,
}

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

/// The payment state Shopify derives from an order's transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinancialStatus {
    /// Nothing captured or authorized.
    Pending,
    /// Authorized, not captured.
    Authorized,
    /// Partly captured.
    PartiallyPaid,
    /// Captured.
    Paid,
    /// Partly refunded.
    PartiallyRefunded,
    /// Refunded.
    Refunded,
    /// Authorization voided.
    Voided,
    /// Authorization expired.
    Expired,
}

impl FinancialStatus {
    /// GraphQL enum value (`OrderDisplayFinancialStatus`).
    pub fn graphql(self) -> &'static str {
        match self {
            FinancialStatus::Pending => "PENDING",
            FinancialStatus::Authorized => "AUTHORIZED",
            FinancialStatus::PartiallyPaid => "PARTIALLY_PAID",
            FinancialStatus::Paid => "PAID",
            FinancialStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
            FinancialStatus::Refunded => "REFUNDED",
            FinancialStatus::Voided => "VOIDED",
            FinancialStatus::Expired => "EXPIRED",
        }
    }

    /// REST / webhook value (`financial_status`).
    pub fn rest(self) -> &'static str {
        match self {
            FinancialStatus::Pending => "pending",
            FinancialStatus::Authorized => "authorized",
            FinancialStatus::PartiallyPaid => "partially_paid",
            FinancialStatus::Paid => "paid",
            FinancialStatus::PartiallyRefunded => "partially_refunded",
            FinancialStatus::Refunded => "refunded",
            FinancialStatus::Voided => "voided",
            FinancialStatus::Expired => "expired",
        }
    }
}

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineItem {
    /// Numeric id.
    pub id: u64,
    /// The variant sold (none for a custom item).
    pub variant_id: Option<u64>,
    /// Its product.
    pub product_id: Option<u64>,
    /// Title.
    pub title: String,
    /// Variant title.
    pub variant_title: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Units ordered.
    pub quantity: u32,
    /// Units after order edits (removals lower it).
    pub current_quantity: u32,
    /// Unit price before discounts.
    pub unit_price: Decimal,
    /// Discount allocated to the whole line.
    pub discount: Decimal,
    /// Ships physically.
    pub requires_shipping: bool,
    /// Taxable.
    pub taxable: bool,
    /// Line properties (`customAttributes`).
    pub custom_attributes: Vec<(String, String)>,
}

/// A shipping line of an order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShippingLine {
    /// Numeric id.
    pub id: u64,
    /// Title shown to the shopper.
    pub title: String,
    /// Carrier/service code.
    pub code: Option<String>,
    /// Price.
    pub price: Decimal,
}

/// A discount code applied to an order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscountCode {
    /// The code.
    pub code: String,
    /// The amount it took off.
    pub amount: Decimal,
}

/// An order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    /// Numeric id.
    pub id: u64,
    /// Order number (1001, 1002, …).
    pub number: u64,
    /// Name, `#1001`.
    pub name: String,
    /// Contact email.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Order attributes (`customAttributes`).
    pub custom_attributes: Vec<(String, String)>,
    /// Currency (the shop's).
    pub currency: String,
    /// Payment state.
    pub financial_status: FinancialStatus,
    /// Set when cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `CUSTOMER`, `FRAUD`, `INVENTORY`, `DECLINED`, `OTHER`, `STAFF`.
    pub cancel_reason: Option<String>,
    /// Set when closed (archived).
    pub closed_at: Option<DateTime<Utc>>,
    /// The customer.
    pub customer_id: Option<u64>,
    /// Ship to.
    pub shipping_address: Option<MailingAddress>,
    /// Bill to.
    pub billing_address: Option<MailingAddress>,
    /// Lines.
    pub line_items: Vec<LineItem>,
    /// Shipping lines.
    pub shipping_lines: Vec<ShippingLine>,
    /// Discount codes.
    pub discount_codes: Vec<DiscountCode>,
    /// Tax total.
    pub total_tax: Decimal,
    /// Test order.
    pub test: bool,
    /// Where it came from: `web`, `shopify_draft_order`, or the creating app's id.
    pub source_name: String,
    /// The app that created it, if any.
    pub app_api_key: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Processed.
    pub processed_at: DateTime<Utc>,
    /// Payment transactions (sales, authorizations, captures), oldest first.
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

/// A payment transaction of an order (`OrderTransaction`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transaction {
    /// Numeric id.
    pub id: u64,
    /// `SALE`, `AUTHORIZATION`, `CAPTURE`, `VOID`, `REFUND` (`OrderTransactionKind`).
    pub kind: String,
    /// `SUCCESS`, `PENDING`, `FAILURE`, `ERROR` (`OrderTransactionStatus`).
    pub status: String,
    /// Payment gateway, e.g. `manual`, `external`, `bogus`.
    pub gateway: String,
    /// Amount.
    pub amount: Decimal,
    /// Test transaction.
    pub test: bool,
    /// The authorization a capture or void settles.
    pub parent_id: Option<u64>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl Order {
    /// Sum of line prices before discounts (current quantities).
    pub fn line_items_total(&self) -> Decimal {
        self.line_items
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.current_quantity))
            .sum()
    }

    /// Discounts on lines.
    pub fn total_discounts(&self) -> Decimal {
        self.line_items
            .iter()
            .filter(|l| l.current_quantity > 0)
            .map(|l| l.discount)
            .sum()
    }

    /// Subtotal: lines after discounts.
    pub fn subtotal(&self) -> Decimal {
        self.line_items_total() - self.total_discounts()
    }

    /// Shipping charged.
    pub fn total_shipping(&self) -> Decimal {
        self.shipping_lines.iter().map(|s| s.price).sum()
    }

    /// What the shopper pays.
    pub fn total(&self) -> Decimal {
        self.subtotal() + self.total_shipping() + self.total_tax
    }
}

/// `FulfillmentOrderStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfillmentOrderStatus {
    /// Ready to fulfill.
    Open,
    /// Partly fulfilled.
    InProgress,
    /// Fully fulfilled.
    Closed,
    /// Cancelled with its order.
    Cancelled,
    /// Cannot be fulfilled.
    Incomplete,
}

impl FulfillmentOrderStatus {
    /// GraphQL enum value.
    pub fn graphql(self) -> &'static str {
        match self {
            FulfillmentOrderStatus::Open => "OPEN",
            FulfillmentOrderStatus::InProgress => "IN_PROGRESS",
            FulfillmentOrderStatus::Closed => "CLOSED",
            FulfillmentOrderStatus::Cancelled => "CANCELLED",
            FulfillmentOrderStatus::Incomplete => "INCOMPLETE",
        }
    }
}

/// One line of a fulfillment order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FulfillmentOrderLineItem {
    /// Numeric id.
    pub id: u64,
    /// The order line it covers.
    pub line_item_id: u64,
    /// Units assigned.
    pub total_quantity: u32,
    /// Units not yet fulfilled.
    pub remaining_quantity: u32,
}

/// The work of fulfilling (part of) an order from one location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FulfillmentOrder {
    /// Numeric id.
    pub id: u64,
    /// The order.
    pub order_id: u64,
    /// Assigned location (chosen by the shop, never by the app).
    pub location_id: u64,
    /// Status.
    pub status: FulfillmentOrderStatus,
    /// Lines.
    pub line_items: Vec<FulfillmentOrderLineItem>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Carrier tracking of a fulfillment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackingInfo {
    /// Carrier name.
    pub company: Option<String>,
    /// Tracking number.
    pub number: Option<String>,
    /// Tracking URL.
    pub url: Option<String>,
}

/// `FulfillmentStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfillmentStatus {
    /// Shipped.
    Success,
    /// Cancelled.
    Cancelled,
}

/// One line of a fulfillment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FulfillmentLineItem {
    /// Numeric id.
    pub id: u64,
    /// The order line.
    pub line_item_id: u64,
    /// Units shipped.
    pub quantity: u32,
}

/// A shipment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fulfillment {
    /// Numeric id.
    pub id: u64,
    /// The order.
    pub order_id: u64,
    /// Shipped from.
    pub location_id: u64,
    /// Status.
    pub status: FulfillmentStatus,
    /// Tracking (several numbers allowed).
    pub tracking: Vec<TrackingInfo>,
    /// Lines shipped.
    pub line_items: Vec<FulfillmentLineItem>,
    /// Which fulfillment orders it drew from.
    pub fulfillment_order_ids: Vec<u64>,
    /// Whether the shopper was emailed.
    pub notify_customer: bool,
    /// Name, `#1001.1`.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Query-cost bucket settings of a shop (per app).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThrottleConfig {
    /// Bucket size in points.
    pub maximum_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            maximum_available: 2000.0,
            restore_rate: 100.0,
        }
    }
}

/// A store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shop {
    /// Numeric id.
    pub id: u64,
    /// `example.myshopify.com`.
    pub domain: String,
    /// Store name.
    pub name: String,
    /// Owner email.
    pub email: String,
    /// Currency code.
    pub currency: String,
    /// Plan display name, e.g. `Development` or `Basic`.
    pub plan_name: String,
    /// Development store: `orderCreate` limited to 5 per minute (switchable).
    pub order_create_limit: bool,
    /// Query-cost bucket.
    pub throttle: ThrottleConfig,
    /// Locations.
    pub locations: Vec<Location>,
    /// Products by id.
    pub products: BTreeMap<u64, Product>,
    /// Variants by id.
    pub variants: BTreeMap<u64, Variant>,
    /// Customers by id.
    pub customers: BTreeMap<u64, Customer>,
    /// Orders by id.
    pub orders: BTreeMap<u64, Order>,
    /// Fulfillment orders by id.
    pub fulfillment_orders: BTreeMap<u64, FulfillmentOrder>,
    /// Fulfillments by id.
    pub fulfillments: BTreeMap<u64, Fulfillment>,
    /// Apps installed, by API key.
    pub installations: BTreeMap<String, Installation>,
    /// Next order number.
    pub next_order_number: u64,
    /// Recent `orderCreate` times, for the development-store limit.
    #[serde(skip)]
    pub order_create_times: VecDeque<DateTime<Utc>>,
}

impl Shop {
    /// The installation of an app, if installed.
    pub fn installation(&self, api_key: &str) -> Option<&Installation> {
        self.installations.get(api_key).filter(|i| i.installed)
    }

    /// The primary location (the first one).
    pub fn primary_location(&self) -> Option<&Location> {
        self.locations.first()
    }
}
