//! The shop itself, which holds everything else, and its query-cost bucket settings.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Customer, Fulfillment, FulfillmentOrder, Installation, Location, Order, Product, Variant,
};

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
