//! The simulator's world: apps, shops and everything in them, in memory behind one lock.
//!
//! Every change goes through [`crate::Sim::mutate`], which runs the change under the lock and
//! then turns the [`PendingEvent`]s it recorded into webhook deliveries, so "events fire when the
//! state changes, whoever changed it" holds for API calls and merchant actions alike.

mod model;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
pub use model::*;
use serde::{Deserialize, Serialize};

/// A webhook topic, as Shopify names it in headers (`orders/create`) and in GraphQL (`ORDERS_CREATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Topic {
    /// `orders/create`
    OrdersCreate,
    /// `orders/updated`
    OrdersUpdated,
    /// `orders/paid`
    OrdersPaid,
    /// `orders/cancelled`
    OrdersCancelled,
    /// `orders/fulfilled`
    OrdersFulfilled,
    /// `orders/partially_fulfilled`
    OrdersPartiallyFulfilled,
    /// `fulfillments/create`
    FulfillmentsCreate,
    /// `fulfillments/update`
    FulfillmentsUpdate,
    /// `products/create`
    ProductsCreate,
    /// `products/update`
    ProductsUpdate,
    /// `app/uninstalled`
    AppUninstalled,
    /// `app_subscriptions/update`
    AppSubscriptionsUpdate,
    /// `customers/data_request` (compliance)
    CustomersDataRequest,
    /// `customers/redact` (compliance)
    CustomersRedact,
    /// `shop/redact` (compliance)
    ShopRedact,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 15] = [
        Topic::OrdersCreate,
        Topic::OrdersUpdated,
        Topic::OrdersPaid,
        Topic::OrdersCancelled,
        Topic::OrdersFulfilled,
        Topic::OrdersPartiallyFulfilled,
        Topic::FulfillmentsCreate,
        Topic::FulfillmentsUpdate,
        Topic::ProductsCreate,
        Topic::ProductsUpdate,
        Topic::AppUninstalled,
        Topic::AppSubscriptionsUpdate,
        Topic::CustomersDataRequest,
        Topic::CustomersRedact,
        Topic::ShopRedact,
    ];

    /// `orders/create` form (the `X-Shopify-Topic` header).
    pub fn header(self) -> &'static str {
        match self {
            Topic::OrdersCreate => "orders/create",
            Topic::OrdersUpdated => "orders/updated",
            Topic::OrdersPaid => "orders/paid",
            Topic::OrdersCancelled => "orders/cancelled",
            Topic::OrdersFulfilled => "orders/fulfilled",
            Topic::OrdersPartiallyFulfilled => "orders/partially_fulfilled",
            Topic::FulfillmentsCreate => "fulfillments/create",
            Topic::FulfillmentsUpdate => "fulfillments/update",
            Topic::ProductsCreate => "products/create",
            Topic::ProductsUpdate => "products/update",
            Topic::AppUninstalled => "app/uninstalled",
            Topic::AppSubscriptionsUpdate => "app_subscriptions/update",
            Topic::CustomersDataRequest => "customers/data_request",
            Topic::CustomersRedact => "customers/redact",
            Topic::ShopRedact => "shop/redact",
        }
    }

    /// `ORDERS_CREATE` form (the GraphQL `WebhookSubscriptionTopic` enum).
    pub fn graphql(self) -> String {
        self.header().replace('/', "_").to_uppercase()
    }

    /// Parses either form.
    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL
            .into_iter()
            .find(|t| t.header() == s || t.graphql() == s)
    }
}

/// A change that webhooks report, recorded while the world is locked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEvent {
    /// The shop.
    pub shop: String,
    /// The topic.
    pub topic: Topic,
    /// The resource's numeric id (order, fulfillment, product, subscription), if any.
    pub resource_id: Option<u64>,
    /// Only this app hears it (app-specific topics such as `app/uninstalled`); `None`: every subscribed app.
    pub app: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Everything the simulator holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct World {
    /// Registered apps by API key.
    pub apps: BTreeMap<String, App>,
    /// Shops by domain.
    pub shops: BTreeMap<String, Shop>,
    /// Next numeric id (ids are unique across the whole simulator, like Shopify's).
    pub next_id: u64,
    /// Changes not yet turned into webhook deliveries.
    #[serde(skip)]
    pub pending_events: Vec<PendingEvent>,
    /// Where the simulator is reached (`http://127.0.0.1:4000`), for links resolvers hand out
    /// (billing confirmation URLs). Set by the server.
    #[serde(skip)]
    pub base_url: String,
}

impl World {
    /// An empty world whose ids start high, like Shopify's.
    pub fn new() -> Self {
        World {
            next_id: 5_000_000_001,
            ..World::default()
        }
    }

    /// A fresh numeric id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Records a change for the webhooks.
    pub fn emit(&mut self, shop: &str, topic: Topic, resource_id: Option<u64>) {
        self.pending_events.push(PendingEvent {
            shop: shop.to_owned(),
            topic,
            resource_id,
            app: None,
            at: Utc::now(),
        });
    }

    /// Records a change only one app hears about.
    pub fn emit_to_app(
        &mut self,
        shop: &str,
        api_key: &str,
        topic: Topic,
        resource_id: Option<u64>,
    ) {
        self.pending_events.push(PendingEvent {
            shop: shop.to_owned(),
            topic,
            resource_id,
            app: Some(api_key.to_owned()),
            at: Utc::now(),
        });
    }

    /// A shop by domain.
    pub fn shop(&self, domain: &str) -> Option<&Shop> {
        self.shops.get(&domain.to_ascii_lowercase())
    }

    /// A shop by domain, for changing.
    pub fn shop_mut(&mut self, domain: &str) -> Option<&mut Shop> {
        self.shops.get_mut(&domain.to_ascii_lowercase())
    }

    /// Creates a shop with one location ("Shop location").
    pub fn add_shop(&mut self, domain: &str, name: &str, email: &str, currency: &str) -> &mut Shop {
        let domain = domain.to_ascii_lowercase();
        let shop_id = self.next_id();
        let location_id = self.next_id();
        self.shops.entry(domain.clone()).or_insert_with(|| Shop {
            id: shop_id,
            domain,
            name: name.to_owned(),
            email: email.to_owned(),
            currency: currency.to_owned(),
            plan_name: "Development".to_owned(),
            order_create_limit: false,
            throttle: ThrottleConfig::default(),
            locations: vec![Location {
                id: location_id,
                name: "Shop location".to_owned(),
                address1: None,
                city: None,
                country_code: None,
            }],
            products: BTreeMap::new(),
            variants: BTreeMap::new(),
            customers: BTreeMap::new(),
            orders: BTreeMap::new(),
            fulfillment_orders: BTreeMap::new(),
            fulfillments: BTreeMap::new(),
            installations: BTreeMap::new(),
            next_order_number: 1001,
            order_create_times: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_in_both_forms() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.header()), Some(topic));
            assert_eq!(Topic::parse(&topic.graphql()), Some(topic));
        }
        assert_eq!(
            Topic::OrdersPartiallyFulfilled.graphql(),
            "ORDERS_PARTIALLY_FULFILLED"
        );
        assert_eq!(Topic::parse("orders/deleted"), None);
    }
}
