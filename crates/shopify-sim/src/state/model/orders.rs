//! Orders: lines, shipping lines, discount codes, payments, and the totals Shopify derives.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::MailingAddress;

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
