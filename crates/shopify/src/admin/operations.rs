//! The Admin API operations ordersync uses, one GraphQL document each under
//! `crates/shopify/graphql/` (validated against the 2026-07 schema by a test), and the typed
//! method of [`ShopApi`] that runs it. Mutations report `userErrors` as
//! [`AdminError::UserErrors`]; see [`AdminError::outcome_unknown`] before retrying one.

use serde::Deserialize;
use serde_json::json;

use super::order_input::{NewOrder, OrderCreateOptions};
use super::types::*;
use super::{AdminError, ShopApi};

/// An operation: its GraphQL name, document, whether it changes anything, and the query cost to
/// expect before Shopify has reported one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name in its document.
    pub name: &'static str,
    /// The document.
    pub document: &'static str,
    /// A mutation (never retried once its outcome is unknown).
    pub mutation: bool,
    /// Expected query cost until the first answer tells the real one.
    pub estimated_cost: u32,
}

macro_rules! operation {
    ($const:ident, $name:literal, $file:literal, $mutation:expr, $cost:expr) => {
        #[doc = concat!("`", $name, "` (`graphql/", $file, "`).")]
        pub const $const: Operation = Operation {
            name: $name,
            document: include_str!(concat!("../../graphql/", $file)),
            mutation: $mutation,
            estimated_cost: $cost,
        };
    };
}

operation!(SHOP, "Shop", "shop.graphql", false, 2);
operation!(
    CURRENT_APP_INSTALLATION,
    "CurrentAppInstallation",
    "current_app_installation.graphql",
    false,
    3
);
operation!(
    WEBHOOK_SUBSCRIPTIONS,
    "WebhookSubscriptions",
    "webhook_subscriptions.graphql",
    false,
    52
);
operation!(
    WEBHOOK_SUBSCRIPTION_CREATE,
    "WebhookSubscriptionCreate",
    "webhook_subscription_create.graphql",
    true,
    10
);
operation!(
    WEBHOOK_SUBSCRIPTION_DELETE,
    "WebhookSubscriptionDelete",
    "webhook_subscription_delete.graphql",
    true,
    10
);
operation!(
    APP_SUBSCRIPTION_CREATE,
    "AppSubscriptionCreate",
    "app_subscription_create.graphql",
    true,
    10
);
operation!(
    APP_SUBSCRIPTION_CANCEL,
    "AppSubscriptionCancel",
    "app_subscription_cancel.graphql",
    true,
    10
);
operation!(
    PRODUCT_VARIANTS,
    "ProductVariants",
    "product_variants.graphql",
    false,
    22
);
operation!(
    CATALOG_VARIANTS,
    "CatalogVariants",
    "catalog_variants.graphql",
    false,
    252
);
operation!(ORDERS, "Orders", "orders.graphql", false, 52);
operation!(ORDER, "Order", "order.graphql", false, 950);
operation!(
    ORDER_SHIPMENTS,
    "OrderShipments",
    "order_shipments.graphql",
    false,
    350
);
operation!(
    ORDER_FULFILLMENT_ORDERS,
    "OrderFulfillmentOrders",
    "order_fulfillment_orders.graphql",
    false,
    760
);
operation!(
    RECONCILE_ORDERS,
    "ReconcileOrders",
    "reconcile_orders.graphql",
    false,
    830
);
operation!(
    ORDER_CREATE,
    "OrderCreate",
    "order_create.graphql",
    true,
    10
);
operation!(
    ORDER_CANCEL,
    "OrderCancel",
    "order_cancel.graphql",
    true,
    10
);
operation!(
    FULFILLMENT_CREATE,
    "FulfillmentCreate",
    "fulfillment_create.graphql",
    true,
    11
);
operation!(
    FULFILLMENT_TRACKING_INFO_UPDATE,
    "FulfillmentTrackingInfoUpdate",
    "fulfillment_tracking_info_update.graphql",
    true,
    11
);
operation!(
    FULFILLMENT_CANCEL,
    "FulfillmentCancel",
    "fulfillment_cancel.graphql",
    true,
    10
);

/// Every operation the client sends.
pub const OPERATIONS: [Operation; 19] = [
    SHOP,
    CURRENT_APP_INSTALLATION,
    WEBHOOK_SUBSCRIPTIONS,
    WEBHOOK_SUBSCRIPTION_CREATE,
    WEBHOOK_SUBSCRIPTION_DELETE,
    APP_SUBSCRIPTION_CREATE,
    APP_SUBSCRIPTION_CANCEL,
    PRODUCT_VARIANTS,
    CATALOG_VARIANTS,
    ORDERS,
    ORDER,
    ORDER_SHIPMENTS,
    ORDER_FULFILLMENT_ORDERS,
    RECONCILE_ORDERS,
    ORDER_CREATE,
    ORDER_CANCEL,
    FULFILLMENT_CREATE,
    FULFILLMENT_TRACKING_INFO_UPDATE,
    FULFILLMENT_CANCEL,
];

/// `(name, document)` of every operation, for the schema validation test.
pub const DOCUMENTS: [(&str, &str); 19] = {
    let mut out = [("", ""); 19];
    let mut i = 0;
    while i < OPERATIONS.len() {
        out[i] = (OPERATIONS[i].name, OPERATIONS[i].document);
        i += 1;
    }
    out
};

fn none<D>(_: &D) -> &[UserError] {
    &[]
}

#[derive(Deserialize)]
struct ShopData {
    shop: ShopInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstallationData {
    current_app_installation: AppInstallation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhooksData {
    webhook_subscriptions: Page<WebhookSubscription>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VariantsData {
    product_variants: Page<ProductVariant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CatalogData {
    product_variants: Page<CatalogVariant>,
}

#[derive(Deserialize)]
struct OrdersData {
    orders: Page<OrderSummary>,
}

#[derive(Deserialize)]
struct RawOrdersData {
    orders: Page<serde_json::Value>,
}

#[derive(Deserialize)]
struct OrderData {
    order: Option<Order>,
}

/// `{ root: payload }` of a mutation.
#[derive(Deserialize)]
struct Root<P> {
    #[serde(alias = "webhookSubscriptionCreate")]
    #[serde(alias = "webhookSubscriptionDelete")]
    #[serde(alias = "appSubscriptionCreate")]
    #[serde(alias = "appSubscriptionCancel")]
    #[serde(alias = "orderCreate")]
    #[serde(alias = "orderCancel")]
    #[serde(alias = "fulfillmentCreate")]
    #[serde(alias = "fulfillmentTrackingInfoUpdate")]
    #[serde(alias = "fulfillmentCancel")]
    payload: P,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(default, alias = "orderCancelUserErrors")]
    user_errors: Vec<UserError>,
    webhook_subscription: Option<WebhookSubscription>,
    deleted_webhook_subscription_id: Option<String>,
    app_subscription: Option<AppSubscription>,
    confirmation_url: Option<String>,
    order: Option<CreatedOrder>,
    fulfillment: Option<Fulfillment>,
}

fn user_errors(root: &Root<Payload>) -> &[UserError] {
    &root.payload.user_errors
}

impl ShopApi {
    async fn mutate(
        &self,
        operation: &Operation,
        variables: serde_json::Value,
    ) -> Result<Payload, AdminError> {
        self.execute(operation, &variables, user_errors)
            .await
            .map(|r: Root<Payload>| r.payload)
    }

    fn missing(&self, operation: &Operation, field: &str) -> AdminError {
        AdminError::Decode {
            shop: self.shop.clone(),
            operation: operation.name,
            message: format!("`{field}` is null although userErrors is empty"),
        }
    }

    /// The shop's identity, currency and plan.
    pub async fn shop_info(&self) -> Result<ShopInfo, AdminError> {
        let data: ShopData = self.execute(&SHOP, &json!({}), none).await?;
        Ok(data.shop)
    }

    /// The app's installation and its active subscriptions.
    pub async fn current_app_installation(&self) -> Result<AppInstallation, AdminError> {
        let data: InstallationData = self
            .execute(&CURRENT_APP_INSTALLATION, &json!({}), none)
            .await?;
        Ok(data.current_app_installation)
    }

    /// One page of the app's webhook subscriptions.
    pub async fn webhook_subscriptions(
        &self,
        first: u32,
        after: Option<&str>,
    ) -> Result<Page<WebhookSubscription>, AdminError> {
        let vars = json!({ "first": first, "after": after });
        let data: WebhooksData = self.execute(&WEBHOOK_SUBSCRIPTIONS, &vars, none).await?;
        Ok(data.webhook_subscriptions)
    }

    /// Subscribes `uri` to `topic` (e.g. `ORDERS_CREATE`), JSON format.
    pub async fn webhook_subscription_create(
        &self,
        topic: &str,
        uri: &str,
    ) -> Result<WebhookSubscription, AdminError> {
        let op = &WEBHOOK_SUBSCRIPTION_CREATE;
        let payload = self
            .mutate(op, json!({ "topic": topic, "uri": uri }))
            .await?;
        payload
            .webhook_subscription
            .ok_or_else(|| self.missing(op, "webhookSubscription"))
    }

    /// Removes a webhook subscription; answers the id removed.
    pub async fn webhook_subscription_delete(&self, id: &str) -> Result<String, AdminError> {
        let op = &WEBHOOK_SUBSCRIPTION_DELETE;
        let payload = self.mutate(op, json!({ "id": id })).await?;
        payload
            .deleted_webhook_subscription_id
            .ok_or_else(|| self.missing(op, "deletedWebhookSubscriptionId"))
    }

    /// Creates a recurring subscription; the merchant approves it at the confirmation URL.
    pub async fn app_subscription_create(
        &self,
        plan: &NewAppSubscription,
    ) -> Result<CreatedAppSubscription, AdminError> {
        let op = &APP_SUBSCRIPTION_CREATE;
        let vars = json!({
            "name": plan.name,
            "returnUrl": plan.return_url,
            "test": plan.test,
            "trialDays": plan.trial_days,
            "price": { "amount": plan.price.to_string(), "currencyCode": plan.currency_code },
            "interval": plan.interval,
        });
        let payload = self.mutate(op, vars).await?;
        Ok(CreatedAppSubscription {
            subscription: payload
                .app_subscription
                .ok_or_else(|| self.missing(op, "appSubscription"))?,
            confirmation_url: payload
                .confirmation_url
                .ok_or_else(|| self.missing(op, "confirmationUrl"))?,
        })
    }

    /// Cancels a subscription; answers it as it is now.
    pub async fn app_subscription_cancel(&self, id: &str) -> Result<AppSubscription, AdminError> {
        let op = &APP_SUBSCRIPTION_CANCEL;
        let payload = self.mutate(op, json!({ "id": id })).await?;
        payload
            .app_subscription
            .ok_or_else(|| self.missing(op, "appSubscription"))
    }

    /// One page of variants whose SKU is `sku` (`productVariants(query: "sku:…")`).
    pub async fn variants_by_sku(
        &self,
        sku: &str,
        first: u32,
        after: Option<&str>,
    ) -> Result<Page<ProductVariant>, AdminError> {
        let query = format!("sku:{}", search_value(sku));
        let vars = json!({ "query": query, "first": first, "after": after });
        let data: VariantsData = self.execute(&PRODUCT_VARIANTS, &vars, none).await?;
        Ok(data.product_variants)
    }

    /// Every product variant of the shop, paging through `productVariants` 250 at a time (the
    /// catalogue a re-match of synced products reads). Stops with an error past `max` variants,
    /// so a runaway catalogue cannot hold a worker forever.
    pub async fn all_variants(&self, max: usize) -> Result<Vec<CatalogVariant>, AdminError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let vars = json!({ "first": 250, "after": after });
            let data: CatalogData = self.execute(&CATALOG_VARIANTS, &vars, none).await?;
            out.extend(data.product_variants.nodes);
            if out.len() > max {
                return Err(AdminError::Decode {
                    shop: self.shop.clone(),
                    operation: CATALOG_VARIANTS.name,
                    message: format!("more than {max} product variants"),
                });
            }
            match data.product_variants.page_info {
                PageInfo {
                    has_next_page: true,
                    end_cursor: Some(cursor),
                } => after = Some(cursor),
                _ => return Ok(out),
            }
        }
    }

    /// One page of orders matching a search `query` (e.g. `updated_at:>'2026-01-01T00:00:00Z'`
    /// or `tag:ordersync-123`), oldest update first.
    pub async fn orders(
        &self,
        query: Option<&str>,
        first: u32,
        after: Option<&str>,
    ) -> Result<Page<OrderSummary>, AdminError> {
        let vars = json!({ "query": query, "first": first, "after": after });
        let data: OrdersData = self.execute(&ORDERS, &vars, none).await?;
        Ok(data.orders)
    }

    /// One page of orders matching a search `query` (e.g. `updated_at:>='2026-01-01T00:00:00Z'`),
    /// oldest update first, each with everything the destination order model needs, as the raw
    /// JSON node (see [`crate::payload::parse_graphql_order`]). Order reconciliation reads these.
    pub async fn orders_for_reconciliation(
        &self,
        query: &str,
        first: u32,
        after: Option<&str>,
    ) -> Result<Page<serde_json::Value>, AdminError> {
        let vars = json!({ "query": query, "first": first, "after": after });
        let data: RawOrdersData = self.execute(&RECONCILE_ORDERS, &vars, none).await?;
        Ok(data.orders)
    }

    /// An order with its lines, fulfillment orders and fulfillments; `None` when it does not exist.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, AdminError> {
        let data: OrderData = self.execute(&ORDER, &json!({ "id": id }), none).await?;
        Ok(data.order)
    }

    /// An order with its shipments (their lines with SKU and variant, tracking) but neither its
    /// lines nor its fulfillment orders: what reading back a source order needs, for about a
    /// third of [`ShopApi::order`]'s requested cost. `None` when it does not exist.
    pub async fn order_shipments(&self, id: &str) -> Result<Option<Order>, AdminError> {
        let data: OrderData = self
            .execute(&ORDER_SHIPMENTS, &json!({ "id": id }), none)
            .await?;
        Ok(data.order)
    }

    /// An order with its fulfillment orders and shipments but not its lines: what creating a
    /// fulfillment on it needs. `None` when it does not exist.
    pub async fn order_for_fulfillment(&self, id: &str) -> Result<Option<Order>, AdminError> {
        let data: OrderData = self
            .execute(&ORDER_FULFILLMENT_ORDERS, &json!({ "id": id }), none)
            .await?;
        Ok(data.order)
    }

    /// Creates an order. On [`AdminError::outcome_unknown`] the order may exist: look for it
    /// (e.g. by tag with [`ShopApi::orders`]) before trying again.
    pub async fn order_create(
        &self,
        order: &NewOrder,
        options: Option<&OrderCreateOptions>,
    ) -> Result<CreatedOrder, AdminError> {
        let op = &ORDER_CREATE;
        let payload = self
            .mutate(op, json!({ "order": order, "options": options }))
            .await?;
        payload.order.ok_or_else(|| self.missing(op, "order"))
    }

    /// Cancels an order (Shopify finishes it in a background job).
    pub async fn order_cancel(
        &self,
        order_id: &str,
        reason: CancelReason,
        restock: bool,
        notify_customer: bool,
    ) -> Result<(), AdminError> {
        let vars = json!({ "orderId": order_id, "reason": reason, "restock": restock, "notifyCustomer": notify_customer });
        self.mutate(&ORDER_CANCEL, vars).await.map(|_| ())
    }

    /// Ships fulfillment-order lines, with tracking.
    pub async fn fulfillment_create(
        &self,
        fulfillment: &NewFulfillment,
    ) -> Result<Fulfillment, AdminError> {
        let op = &FULFILLMENT_CREATE;
        let payload = self
            .mutate(op, json!({ "fulfillment": fulfillment }))
            .await?;
        payload
            .fulfillment
            .ok_or_else(|| self.missing(op, "fulfillment"))
    }

    /// Replaces a shipment's tracking.
    pub async fn fulfillment_tracking_info_update(
        &self,
        fulfillment_id: &str,
        tracking: &TrackingInput,
        notify_customer: bool,
    ) -> Result<Fulfillment, AdminError> {
        let op = &FULFILLMENT_TRACKING_INFO_UPDATE;
        let vars = json!({ "fulfillmentId": fulfillment_id, "trackingInfoInput": tracking, "notifyCustomer": notify_customer });
        let payload = self.mutate(op, vars).await?;
        payload
            .fulfillment
            .ok_or_else(|| self.missing(op, "fulfillment"))
    }

    /// Cancels a shipment.
    pub async fn fulfillment_cancel(&self, fulfillment_id: &str) -> Result<IdRef, AdminError> {
        let op = &FULFILLMENT_CANCEL;
        let payload = self.mutate(op, json!({ "id": fulfillment_id })).await?;
        payload
            .fulfillment
            .map(|f| IdRef { id: f.id })
            .ok_or_else(|| self.missing(op, "fulfillment"))
    }
}

/// Quotes a search value when it holds spaces, quotes or colons.
fn search_value(value: &str) -> String {
    if value
        .chars()
        .any(|c| c.is_whitespace() || c == ':' || c == '"' || c == '\'')
    {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_owned()
    }
}
