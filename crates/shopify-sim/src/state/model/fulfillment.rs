//! Fulfillment: fulfillment orders (the work, per location) and fulfillments (the shipments).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
