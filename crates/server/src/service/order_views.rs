//! The Orders tab, read and acted on in bulk (see `docs/api.md`): the list with its filters,
//! search and keyset pages ([`list_orders`]), the count per list status ([`order_counts`]), one
//! order in full ([`order_detail`]) and the bulk Push ([`bulk_push`]). Every function takes the
//! caller's own shop, so another shop's order is simply not found. What the answers say about
//! routing and what a push would carry comes from the domain (`route`, `plan_push`) over the
//! synced catalog and the Order Push Settings, exactly as intake and the push job use them.
//!
//! Answers are serializable views: the JSON the merchant UI reads (documented in
//! `http/openapi.json`). Times are RFC 3339 in UTC, money is `{amount, currency}` with the amount
//! a decimal string.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use ordersync_core::{
    plan_push, route, Address, DestinationOrder, IneligibleReason, ManualShippingFee, Money,
    OrderListStatus, PushInput, PushPlan, PushStatus, RoutedLine, ShippingOrigin, ShopDomain,
    StoreRole, SyncedCatalog,
};
use ordersync_store::fulfillments::{PushFulfillment, ShipmentState, SourceShipmentStatus};
use ordersync_store::orders::{OrderCursor, OrderListQuery, OrderSummary};
use ordersync_store::pushes::PushRecord;
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, StoreError, UnixMillis};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::push::{request_push, PushError};

/// Default page size of the list.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size of the list.
pub const MAX_LIMIT: u32 = 250;
/// Most order ids one bulk Push takes.
pub const MAX_BULK: usize = 250;
/// Longest search text.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Why an Orders tab request was refused or failed. Messages are for the merchant; storage
/// detail is logged, not shown.
#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    /// Only destination stores have orders to push.
    #[error("only a destination store has orders to push; this store is a source store")]
    NotDestination,
    /// A field of the request is malformed.
    #[error("`{field}` {problem}")]
    BadInput {
        /// The field (query parameter or body path, e.g. `orders[3]`).
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// No such order in this store.
    #[error("no such order")]
    OrderNotFound,
    /// The source named is not connected.
    #[error("`source`: this store is not connected to source store {0}")]
    NotConnected(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

fn bad(field: &str, problem: impl Into<String>) -> OrdersError {
    OrdersError::BadInput {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

fn require_destination(shop: &ShopRecord) -> Result<(), OrdersError> {
    if shop.shop.role == StoreRole::Destination {
        Ok(())
    } else {
        Err(OrdersError::NotDestination)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared views

/// An amount and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyView {
    /// Decimal string, e.g. `"12.50"`.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

impl From<&Money> for MoneyView {
    fn from(m: &Money) -> Self {
        MoneyView {
            amount: m.amount().to_string(),
            currency: m.currency().as_str().to_owned(),
        }
    }
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn millis(t: UnixMillis) -> String {
    DateTime::<Utc>::from_timestamp_millis(t.0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// The Orders tab's words for a list status.
pub fn list_status_label(status: OrderListStatus) -> &'static str {
    match status {
        OrderListStatus::Ineligible => "Ineligible",
        OrderListStatus::NotPushed => "Not pushed",
        OrderListStatus::Queued => "Queued",
        OrderListStatus::Pushed => "Pushed",
        OrderListStatus::PartiallyFulfilled => "Partially fulfilled",
        OrderListStatus::Fulfilled => "Fulfilled",
        OrderListStatus::Failed => "Failed",
        OrderListStatus::Cancelled => "Cancelled",
    }
}

/// A reason an order is not eligible: its machine `code`, the `message` in merchant words, and
/// the reason's details (`status`, `missing`, `total`) when it has any.
fn reason_json(reason: &IneligibleReason) -> Value {
    let mut v = serde_json::to_value(reason).unwrap_or_else(|_| json!({ "code": reason.code() }));
    if let Value::Object(map) = &mut v {
        map.insert("message".into(), Value::String(reason.message()));
    }
    v
}

fn reasons_json(reasons: &[IneligibleReason]) -> Vec<Value> {
    reasons.iter().map(reason_json).collect()
}

/// Names (and whether still connected) of the source stores an order's pushes and routing name.
struct Sources {
    by_domain: HashMap<ShopDomain, (String, bool)>,
}

impl Sources {
    async fn load(store: &Store, shop: &ShopRecord) -> Result<Self, StoreError> {
        let by_domain = store
            .source_stores_of(shop.id)
            .await?
            .into_iter()
            .map(|s| {
                (
                    s.shop.domain.clone(),
                    (s.shop.name.as_str().to_owned(), s.installed),
                )
            })
            .collect();
        Ok(Sources { by_domain })
    }

    /// Adds the names of pushes' source stores that are no longer connected.
    async fn add_pushed(&mut self, store: &Store, pushes: &[PushRecord]) -> Result<(), StoreError> {
        for p in pushes {
            if !self.by_domain.contains_key(&p.source_domain) {
                if let Some(s) = store.shop_by_id(p.source_shop_id).await? {
                    self.by_domain.insert(
                        p.source_domain.clone(),
                        (s.shop.name.as_str().to_owned(), false),
                    );
                }
            }
        }
        Ok(())
    }

    fn name(&self, domain: &ShopDomain) -> Option<String> {
        self.by_domain.get(domain).map(|(n, _)| n.clone())
    }

    fn connected(&self, domain: &ShopDomain) -> bool {
        self.by_domain.get(domain).is_some_and(|(_, c)| *c)
    }
}

/// Every source store of an order: those its items route to now, and those it has a push for.
fn source_domains(routed: &[ShopDomain], pushes: &[&PushRecord]) -> Vec<ShopDomain> {
    let mut all: BTreeSet<ShopDomain> = routed.iter().cloned().collect();
    all.extend(pushes.iter().map(|p| p.source_domain.clone()));
    all.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// List

/// The list's query parameters, as the merchant UI sends them (text, not yet parsed).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    /// A list status (see [`OrderListStatus`]); empty or absent: every order.
    pub status: Option<String>,
    /// Search: the start of the order number (`#1001` or `1001`), customer name or email.
    pub q: Option<String>,
    /// Page size, 1 to [`MAX_LIMIT`].
    pub limit: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

impl ListParams {
    fn parse(&self) -> Result<OrderListQuery, OrdersError> {
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(OrderListStatus::parse(s).map_err(|_| {
                let all: Vec<&str> = OrderListStatus::ALL.iter().map(|s| s.as_str()).collect();
                bad(
                    "status",
                    format!("must be one of {}, not `{s}`", all.join(", ")),
                )
            })?),
        };
        let search = match self.q.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) if q.chars().count() > MAX_SEARCH_CHARS => {
                return Err(bad(
                    "q",
                    format!("must be at most {MAX_SEARCH_CHARS} characters"),
                ))
            }
            Some(q) => Some(q.to_owned()),
        };
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| {
                    bad(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}, not `{l}`"),
                    )
                })?,
        };
        let after = match self.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) => Some(OrderCursor::decode(a).map_err(|_| {
                bad(
                    "after",
                    "is not a cursor this list gave; start again from the first page",
                )
            })?),
        };
        Ok(OrderListQuery {
            status,
            eligible: None,
            search,
            after,
            limit: Some(limit),
        })
    }
}

/// Where one source store's part of an order stands.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStatusView {
    /// The source store's domain.
    pub source: String,
    /// Its name, when known.
    pub source_name: Option<String>,
    /// The push status (`not_pushed` when there is no push yet).
    pub status: &'static str,
    /// The status in merchant words.
    pub label: &'static str,
    /// The order created on the source store, e.g. `#1042`.
    pub source_order_name: Option<String>,
    /// Why the push failed, in merchant words.
    pub reason: Option<String>,
}

/// One row of the Orders tab.
#[derive(Debug, Clone, Serialize)]
pub struct OrderRowView {
    /// ordersync's id of the order (used in the other routes).
    pub id: i64,
    /// Shopify's id (GID).
    pub order_gid: String,
    /// The order number, e.g. `#1001`.
    pub name: String,
    /// When the order was placed.
    pub created_at: String,
    /// The customer's name (or the name on the shipping address).
    pub customer_name: Option<String>,
    /// The order total.
    pub total: MoneyView,
    /// Payment status, e.g. `paid`.
    pub payment_status: String,
    /// In merchant words, e.g. `Paid`.
    pub payment_label: String,
    /// Fulfillment status on the destination store, e.g. `unfulfilled`.
    pub fulfillment_status: String,
    /// Whether the order was cancelled.
    pub cancelled: bool,
    /// The list status.
    pub status: &'static str,
    /// In merchant words.
    pub status_label: &'static str,
    /// Units ordered.
    pub item_count: u64,
    /// Units that are synced products.
    pub synced_item_count: u64,
    /// Per source store, where its part stands.
    pub sources: Vec<SourceStatusView>,
    /// Whether the order may be pushed.
    pub eligible: bool,
    /// Why not, every reason (empty when eligible).
    pub ineligible_reasons: Vec<Value>,
}

/// A page of the Orders tab.
#[derive(Debug, Clone, Serialize)]
pub struct OrderListView {
    /// Newest first.
    pub orders: Vec<OrderRowView>,
    /// The `after` of the next page; `null` on the last page.
    pub next: Option<String>,
}

fn item_counts(order: &DestinationOrder, catalog: &SyncedCatalog) -> (u64, u64) {
    let mut all = 0u64;
    let mut synced = 0u64;
    for line in &order.line_items {
        all += u64::from(line.quantity);
        if line
            .variant
            .as_ref()
            .is_some_and(|v| catalog.lookup(v).is_some())
        {
            synced += u64::from(line.quantity);
        }
    }
    (all, synced)
}

fn source_status(
    domain: &ShopDomain,
    push: Option<&PushRecord>,
    sources: &Sources,
) -> SourceStatusView {
    let status = push.map_or(PushStatus::NotPushed, |p| p.status);
    SourceStatusView {
        source: domain.as_str().to_owned(),
        source_name: sources.name(domain),
        status: status.as_str(),
        label: status.label(),
        source_order_name: push.and_then(|p| p.source_order_name.clone()),
        reason: push.and_then(|p| p.status_reason.clone()),
    }
}

fn row(
    o: &OrderSummary,
    catalog: &SyncedCatalog,
    pushes: &[&PushRecord],
    sources: &Sources,
) -> OrderRowView {
    let order = &o.order;
    let routing = route(order, catalog);
    let (item_count, synced_item_count) = item_counts(order, catalog);
    let sources_view = source_domains(&routing.source_shops(), pushes)
        .iter()
        .map(|d| {
            let push = pushes.iter().copied().find(|p| &p.source_domain == d);
            source_status(d, push, sources)
        })
        .collect();
    OrderRowView {
        id: o.id,
        order_gid: order.id.as_str().to_owned(),
        name: order.name.as_str().to_owned(),
        created_at: rfc3339(&order.created_at),
        customer_name: order.customer_name(),
        total: (&order.total).into(),
        payment_status: order.financial_status.as_str().to_owned(),
        payment_label: order.financial_status.label().to_owned(),
        fulfillment_status: order.fulfillment_status.as_str().to_owned(),
        cancelled: order.cancelled,
        status: o.list_status.as_str(),
        status_label: list_status_label(o.list_status),
        item_count,
        synced_item_count,
        sources: sources_view,
        eligible: o.eligible,
        ineligible_reasons: reasons_json(&o.ineligible_reasons),
    }
}

/// A page of the shop's orders, newest first, filtered and searched per `params`.
pub async fn list_orders(
    store: &Store,
    shop: &ShopRecord,
    params: &ListParams,
) -> Result<OrderListView, OrdersError> {
    require_destination(shop)?;
    let query = params.parse()?;
    let page = store.list_orders(shop.id, &query).await?;
    let catalog = store.synced_catalog(shop.id).await?;
    let ids: Vec<i64> = page.orders.iter().map(|o| o.id).collect();
    let pushes = store.pushes_for_orders(&ids).await?;
    let mut sources = Sources::load(store, shop).await?;
    sources.add_pushed(store, &pushes).await?;
    let orders = page
        .orders
        .iter()
        .map(|o| {
            let mine: Vec<&PushRecord> = pushes.iter().filter(|p| p.order_id == o.id).collect();
            row(o, &catalog, &mine, &sources)
        })
        .collect();
    Ok(OrderListView {
        orders,
        next: page.next.map(|c| c.encode()),
    })
}

/// How many orders each list status holds.
#[derive(Debug, Clone, Serialize)]
pub struct OrderCountsView {
    /// Per list status (every status present).
    pub counts: BTreeMap<&'static str, i64>,
    /// Every order.
    pub total: i64,
}

/// The count per list status (the "N failed pushes" banner, the filter badges).
pub async fn order_counts(
    store: &Store,
    shop: &ShopRecord,
) -> Result<OrderCountsView, OrdersError> {
    require_destination(shop)?;
    let counts = store.order_counts(shop.id).await?;
    Ok(OrderCountsView {
        total: counts.values().sum(),
        counts: counts.into_iter().map(|(s, n)| (s.as_str(), n)).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Detail

/// An item of the order that goes to a source store.
#[derive(Debug, Clone, Serialize)]
pub struct RoutedLineView {
    /// The destination line item (GID).
    pub line_item: String,
    /// Product title.
    pub title: String,
    /// Variant title, e.g. `Blue`.
    pub variant_title: Option<String>,
    /// The synced product's SKU.
    pub sku: String,
    /// Units ordered.
    pub quantity: u32,
    /// Units still to ship (what a push carries).
    pub to_ship: u32,
    /// Destination price of one, before discounts.
    pub unit_price: MoneyView,
    /// The source store's variant (GID).
    pub source_variant: String,
    /// The source store's price, when known.
    pub source_price: Option<MoneyView>,
}

/// An item that is not pushed, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotPushedLineView {
    /// The destination line item (GID).
    pub line_item: String,
    /// Product title.
    pub title: String,
    /// SKU on the order, if any.
    pub sku: Option<String>,
    /// Units ordered.
    pub quantity: u32,
    /// `no_variant`, `not_synced` or `nothing_to_ship`.
    pub reason: &'static str,
    /// Why, in merchant words.
    pub message: String,
}

/// The shipping line a push carries.
#[derive(Debug, Clone, Serialize)]
pub struct ShippingView {
    /// Title.
    pub title: String,
    /// Fee.
    pub fee: MoneyView,
    /// `manual`, `rule` or `default`.
    pub origin: &'static str,
    /// The matching Shipping Rate Rule's position (0-based) when `origin` is `rule`.
    pub rule_index: Option<usize>,
}

/// One line of what a push would carry.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedLineView {
    /// The destination line item (GID).
    pub line_item: String,
    /// The source store's variant (GID).
    pub source_variant: String,
    /// SKU.
    pub sku: String,
    /// Title.
    pub title: String,
    /// Units.
    pub quantity: u32,
    /// Price of one, by the price basis setting.
    pub unit_price: MoneyView,
}

/// What Push (or Retry) would send to the source store now (core `plan_push`).
#[derive(Debug, Clone, Serialize)]
pub struct WouldPushView {
    /// The items.
    pub lines: Vec<PlannedLineView>,
    /// Their subtotal.
    pub items_subtotal: MoneyView,
    /// The shipping line: the merchant's manual fee of this push if any, else the first
    /// matching Shipping Rate Rule, else `Shipping` at 0.00.
    pub shipping: ShippingView,
    /// The email the Email Contact Method gives.
    pub email: String,
    /// Tags on the source order.
    pub tags: Vec<String>,
    /// Its note.
    pub note: String,
}

impl From<&PushPlan> for WouldPushView {
    fn from(plan: &PushPlan) -> Self {
        let (origin, rule_index) = match plan.shipping.origin {
            ShippingOrigin::Manual => ("manual", None),
            ShippingOrigin::Rule { index } => ("rule", Some(index)),
            ShippingOrigin::Default => ("default", None),
        };
        WouldPushView {
            lines: plan
                .lines
                .iter()
                .map(|l| PlannedLineView {
                    line_item: l.destination_line.as_str().to_owned(),
                    source_variant: l.source_variant.as_str().to_owned(),
                    sku: l.sku.as_str().to_owned(),
                    title: l.title.clone(),
                    quantity: l.quantity,
                    unit_price: (&l.unit_price).into(),
                })
                .collect(),
            items_subtotal: (&plan.items_subtotal).into(),
            shipping: ShippingView {
                title: plan.shipping.title.clone(),
                fee: (&plan.shipping.fee).into(),
                origin,
                rule_index,
            },
            email: plan.email.as_str().to_owned(),
            tags: plan.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            note: plan.note.clone(),
        }
    }
}

/// A line a push carries, with what the source store shipped.
#[derive(Debug, Clone, Serialize)]
pub struct PushLineView {
    /// The destination line item (GID).
    pub line_item: String,
    /// The source store's variant (GID).
    pub source_variant: String,
    /// SKU.
    pub sku: String,
    /// Title.
    pub title: String,
    /// Units pushed.
    pub quantity: i64,
    /// Units the source store fulfilled.
    pub fulfilled_quantity: i64,
    /// Unit price sent (decimal string, in the push's currency).
    pub unit_price: String,
}

/// A push of the order to one source store.
#[derive(Debug, Clone, Serialize)]
pub struct PushView {
    /// Status.
    pub status: &'static str,
    /// In merchant words.
    pub label: &'static str,
    /// Why it failed, in merchant words.
    pub reason: Option<String>,
    /// Why the merchant should look at it (cancelled after shipping, edited after the push).
    pub attention: Option<String>,
    /// The order created on the source store (GID).
    pub source_order_gid: Option<String>,
    /// Its name there, e.g. `#1042`.
    pub source_order_name: Option<String>,
    /// The lines it carries (set when it started).
    pub lines: Vec<PushLineView>,
    /// Shipping line title sent.
    pub shipping_title: Option<String>,
    /// Shipping fee sent (decimal string).
    pub shipping_fee: Option<String>,
    /// The manual shipping fee the merchant entered, if any.
    pub manual_fee: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// The source store's shipments of this push and what ordersync did with each on the
    /// destination order, oldest first.
    pub fulfillments: Vec<FulfillmentView>,
}

/// Units of one destination line a shipment covers.
#[derive(Debug, Clone, Serialize)]
pub struct ShippedLineView {
    /// The destination line item (GID).
    pub line_item: String,
    /// Its product title, when the order still has the line.
    pub title: Option<String>,
    /// Units shipped.
    pub quantity: i64,
}

/// One shipment of a push: what the source store says about it and where its copy on the
/// destination order stands.
#[derive(Debug, Clone, Serialize)]
pub struct FulfillmentView {
    /// The source store's fulfillment (GID).
    pub source_fulfillment_gid: String,
    /// Its name on the source store, e.g. `#1042.1`.
    pub name: Option<String>,
    /// What the source store says: `pending`, `shipped` or `cancelled`.
    pub status: &'static str,
    /// In merchant words.
    pub label: &'static str,
    /// Carrier, e.g. `UPS`.
    pub tracking_company: Option<String>,
    /// Tracking numbers.
    pub tracking_numbers: Vec<String>,
    /// Tracking pages, in the order of the numbers.
    pub tracking_urls: Vec<String>,
    /// The destination lines and units it ships (empty when not known).
    pub lines: Vec<ShippedLineView>,
    /// The destination side: `pending`, `creating`, `created`, `failed` or `none`.
    pub destination_state: &'static str,
    /// In merchant words.
    pub destination_label: &'static str,
    /// The fulfillment on the destination order (GID), once created.
    pub destination_fulfillment_gid: Option<String>,
    /// Why the destination store refused it, in merchant words.
    pub failure: Option<String>,
    /// First seen.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

fn shipment_label(status: SourceShipmentStatus) -> &'static str {
    match status {
        SourceShipmentStatus::Pending => "Not shipped yet",
        SourceShipmentStatus::Shipped => "Shipped",
        SourceShipmentStatus::Cancelled => "Cancelled",
    }
}

fn destination_label(state: ShipmentState) -> &'static str {
    match state {
        ShipmentState::Pending => "Waiting to be added to the order",
        ShipmentState::Creating => "Being added to the order",
        ShipmentState::Created => "On the order",
        ShipmentState::Failed => "Refused by the store",
        ShipmentState::Nothing => "Nothing to add",
    }
}

impl FulfillmentView {
    fn new(f: &PushFulfillment, order: &DestinationOrder) -> Self {
        FulfillmentView {
            source_fulfillment_gid: f.source_fulfillment_gid.clone(),
            name: f.source_name.clone(),
            status: f.source_status.as_str(),
            label: shipment_label(f.source_status),
            tracking_company: f.tracking.company.clone(),
            tracking_numbers: f.tracking.numbers.clone(),
            tracking_urls: f.tracking.urls.clone(),
            lines: f
                .lines
                .iter()
                .map(|l| ShippedLineView {
                    line_item: l.destination_line_gid.clone(),
                    title: order
                        .line_items
                        .iter()
                        .find(|li| li.id.as_str() == l.destination_line_gid)
                        .map(|li| li.title.clone()),
                    quantity: l.quantity,
                })
                .collect(),
            destination_state: f.state.as_str(),
            destination_label: destination_label(f.state),
            destination_fulfillment_gid: f.destination_fulfillment_gid.clone(),
            failure: f.failure.clone(),
            created_at: millis(f.created_at),
            updated_at: millis(f.updated_at),
        }
    }
}

impl PushView {
    fn new(p: &PushRecord, shipments: &[PushFulfillment], order: &DestinationOrder) -> Self {
        PushView {
            status: p.status.as_str(),
            label: p.status.label(),
            reason: p.status_reason.clone(),
            attention: p.attention.clone(),
            source_order_gid: p.source_order_gid.clone(),
            source_order_name: p.source_order_name.clone(),
            lines: p
                .lines
                .iter()
                .map(|l| PushLineView {
                    line_item: l.destination_line_gid.clone(),
                    source_variant: l.source_variant_gid.clone(),
                    sku: l.sku.clone(),
                    title: l.title.clone(),
                    quantity: l.quantity,
                    fulfilled_quantity: l.fulfilled_quantity,
                    unit_price: l.unit_price.clone(),
                })
                .collect(),
            shipping_title: p.shipping_title.clone(),
            shipping_fee: p.shipping_fee.clone(),
            manual_fee: p.manual_fee.clone(),
            created_at: millis(p.created_at),
            updated_at: millis(p.updated_at),
            fulfillments: shipments
                .iter()
                .map(|f| FulfillmentView::new(f, order))
                .collect(),
        }
    }
}

/// The order's part for one source store.
#[derive(Debug, Clone, Serialize)]
pub struct SourceGroupView {
    /// The source store's domain.
    pub source: String,
    /// Its name, when known.
    pub source_name: Option<String>,
    /// Whether it is still connected (and installed): pushing needs it.
    pub connected: bool,
    /// The status of this part (`not_pushed` when there is no push yet).
    pub status: &'static str,
    /// In merchant words.
    pub label: &'static str,
    /// What the merchant can do now: `push`, `retry` or `null`.
    pub action: Option<&'static str>,
    /// The items of the order this source store supplies that are still to ship.
    pub lines: Vec<RoutedLineView>,
    /// What Push or Retry would send now; `null` when neither is possible or the push cannot be
    /// planned (then `cannot_push` says why).
    pub would_push: Option<WouldPushView>,
    /// Why a push would fail now (the order's or the settings' problem), in merchant words.
    pub cannot_push: Option<String>,
    /// The push, once there is one.
    pub push: Option<PushView>,
}

/// One entry of the order's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    /// When.
    pub at: String,
    /// Machine name, e.g. `push_created`.
    pub kind: String,
    /// What happened, in merchant words.
    pub message: String,
    /// Who or what did it.
    pub actor: String,
    /// The source store of the push it concerns, if any.
    pub source: Option<String>,
}

/// The customer on an order.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    /// Name (the customer's, else the shipping address's).
    pub name: Option<String>,
    /// Email (the order's contact email, else the customer's).
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// Whether the order may be pushed, and every reason why not.
#[derive(Debug, Clone, Serialize)]
pub struct EligibilityView {
    /// Every rule holds.
    pub eligible: bool,
    /// The failing rules (`code`, `message`, details), in rule order.
    pub reasons: Vec<Value>,
}

/// One order in full.
#[derive(Debug, Clone, Serialize)]
pub struct OrderDetailView {
    /// ordersync's id.
    pub id: i64,
    /// Shopify's id (GID).
    pub order_gid: String,
    /// The order number.
    pub name: String,
    /// Placed.
    pub created_at: String,
    /// Last changed on Shopify.
    pub updated_at: String,
    /// The shopper.
    pub customer: CustomerView,
    /// Ship to.
    pub shipping_address: Option<Address>,
    /// Bill to.
    pub billing_address: Option<Address>,
    /// Items subtotal after discounts.
    pub subtotal: MoneyView,
    /// Shipping the shopper paid.
    pub total_shipping: MoneyView,
    /// Total.
    pub total: MoneyView,
    /// Payment status.
    pub payment_status: String,
    /// In merchant words.
    pub payment_label: String,
    /// Fulfillment status on the destination store.
    pub fulfillment_status: String,
    /// Cancelled on the destination store.
    pub cancelled: bool,
    /// The list status.
    pub status: &'static str,
    /// In merchant words.
    pub status_label: &'static str,
    /// Eligibility.
    pub eligibility: EligibilityView,
    /// Per source store: its items, what a push would carry, and the push.
    pub sources: Vec<SourceGroupView>,
    /// Items that are not pushed, with why.
    pub not_pushed_lines: Vec<NotPushedLineView>,
    /// Everything that happened to the order, oldest first.
    pub history: Vec<HistoryView>,
}

fn routed_line(order: &DestinationOrder, l: &RoutedLine) -> RoutedLineView {
    let original = order.line_items.iter().find(|li| li.id == l.line_item);
    RoutedLineView {
        line_item: l.line_item.as_str().to_owned(),
        title: l.title.clone(),
        variant_title: original.and_then(|li| li.variant_title.clone()),
        sku: l.sku.as_str().to_owned(),
        quantity: original.map_or(l.quantity, |li| li.quantity),
        to_ship: l.quantity,
        unit_price: (&l.unit_price).into(),
        source_variant: l.source_variant.as_str().to_owned(),
        source_price: l.source_price.as_ref().map(MoneyView::from),
    }
}

/// One order of the shop in full; another shop's order is not found.
pub async fn order_detail(
    store: &Store,
    shop: &ShopRecord,
    order_id: i64,
) -> Result<OrderDetailView, OrdersError> {
    require_destination(shop)?;
    let o = store
        .order(shop.id, order_id)
        .await?
        .ok_or(OrdersError::OrderNotFound)?;
    let order = &o.order;
    let catalog = store.synced_catalog(shop.id).await?;
    let settings = store.push_settings(shop.id).await?;
    let pushes = store.pushes_for_order(o.id).await?;
    let mut sources = Sources::load(store, shop).await?;
    sources.add_pushed(store, &pushes).await?;
    let routing = route(order, &catalog);
    let push_refs: Vec<&PushRecord> = pushes.iter().collect();
    let mut shipments: HashMap<i64, Vec<PushFulfillment>> = HashMap::new();
    for p in &pushes {
        shipments.insert(p.id, store.push_fulfillments(p.id).await?);
    }

    let groups = source_domains(&routing.source_shops(), &push_refs)
        .into_iter()
        .map(|domain| {
            let push = pushes.iter().find(|p| p.source_domain == domain);
            let status = push.map_or(PushStatus::NotPushed, |p| p.status);
            let connected = sources.connected(&domain);
            let lines = routing.lines_for(&domain);
            // Pushing needs an eligible order and a connected source store with items to ship.
            let can = connected && o.eligible && !lines.is_empty();
            let action = match status {
                PushStatus::NotPushed if can => Some("push"),
                PushStatus::Failed if can => Some("retry"),
                _ => None,
            };
            let (would_push, cannot_push) =
                if matches!(status, PushStatus::NotPushed | PushStatus::Failed) {
                    let manual_fee = push
                        .and_then(|p| p.manual_fee.as_deref())
                        .and_then(|f| ManualShippingFee::parse(f).ok());
                    let planned = plan_push(PushInput {
                        order,
                        destination: &shop.shop,
                        source: &domain,
                        catalog: &catalog,
                        settings: &settings,
                        manual_fee,
                    });
                    match planned {
                        Ok(plan) => (Some(WouldPushView::from(&plan)), None),
                        Err(e) => (None, Some(e.to_string())),
                    }
                } else {
                    (None, None)
                };
            SourceGroupView {
                source: domain.as_str().to_owned(),
                source_name: sources.name(&domain),
                connected,
                status: status.as_str(),
                label: status.label(),
                action,
                lines: lines.iter().map(|l| routed_line(order, l)).collect(),
                would_push,
                cannot_push,
                push: push.map(|p| {
                    let shipped = shipments.get(&p.id).map_or(&[][..], Vec::as_slice);
                    PushView::new(p, shipped, order)
                }),
            }
        })
        .collect();

    let not_pushed_lines = routing
        .unsynced
        .iter()
        .map(|u| {
            let original = order.line_items.iter().find(|li| li.id == u.line_item);
            NotPushedLineView {
                line_item: u.line_item.as_str().to_owned(),
                title: u.title.clone(),
                sku: original.and_then(|li| li.sku.clone()),
                quantity: original.map_or(0, |li| li.quantity),
                reason: match u.reason {
                    ordersync_core::UnsyncedReason::NoVariant => "no_variant",
                    ordersync_core::UnsyncedReason::NotSynced { .. } => "not_synced",
                    ordersync_core::UnsyncedReason::NothingToShip => "nothing_to_ship",
                },
                message: u.reason.message(),
            }
        })
        .collect();

    let push_sources: HashMap<i64, String> = pushes
        .iter()
        .map(|p| (p.id, p.source_domain.as_str().to_owned()))
        .collect();
    let history = store
        .order_history(o.id)
        .await?
        .into_iter()
        .map(|e| HistoryView {
            at: millis(e.at),
            source: e.push_id.and_then(|id| push_sources.get(&id).cloned()),
            kind: e.kind,
            message: e.message,
            actor: e.actor,
        })
        .collect();

    Ok(OrderDetailView {
        id: o.id,
        order_gid: order.id.as_str().to_owned(),
        name: order.name.as_str().to_owned(),
        created_at: rfc3339(&order.created_at),
        updated_at: rfc3339(&order.updated_at),
        customer: CustomerView {
            name: order.customer_name(),
            email: order.customer_email().map(|e| e.as_str().to_owned()),
            phone: order.customer.as_ref().and_then(|c| c.phone.clone()),
        },
        shipping_address: order.shipping_address.clone(),
        billing_address: order.billing_address.clone(),
        subtotal: (&order.subtotal).into(),
        total_shipping: (&order.total_shipping).into(),
        total: (&order.total).into(),
        payment_status: order.financial_status.as_str().to_owned(),
        payment_label: order.financial_status.label().to_owned(),
        fulfillment_status: order.fulfillment_status.as_str().to_owned(),
        cancelled: order.cancelled,
        status: o.list_status.as_str(),
        status_label: list_status_label(o.list_status),
        eligibility: EligibilityView {
            eligible: o.eligible,
            reasons: reasons_json(&o.ineligible_reasons),
        },
        sources: groups,
        not_pushed_lines,
        history,
    })
}

// ---------------------------------------------------------------------------------------------
// Bulk push

/// The bulk Push body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    orders: Vec<i64>,
    #[serde(default)]
    source: Option<String>,
}

/// What the bulk Push did for one order and source store.
#[derive(Debug, Clone, Serialize)]
pub struct BulkResultView {
    /// The order id as sent.
    pub order: i64,
    /// Its number, when found.
    pub name: Option<String>,
    /// The source store, when the outcome concerns one.
    pub source: Option<String>,
    /// `queued`, `already_queued`, `already_pushed`, `not_eligible`, `nothing_to_push`,
    /// `not_connected`, `not_found` or `error`.
    pub outcome: &'static str,
    /// The push status after the request, when there is a push.
    pub status: Option<&'static str>,
    /// In merchant words.
    pub label: Option<&'static str>,
    /// What happened, in merchant words.
    pub message: String,
    /// For `not_eligible`: every reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Value>,
}

/// The bulk Push's answer.
#[derive(Debug, Clone, Serialize)]
pub struct BulkView {
    /// One entry per order and source store (per order when no source store applies), in the
    /// order the ids were sent (repeated ids once).
    pub results: Vec<BulkResultView>,
    /// How many entries had each outcome.
    pub summary: BTreeMap<&'static str, usize>,
    /// Whether any push was queued (the worker was woken).
    pub queued_any: bool,
}

fn parse_bulk(body: &Value) -> Result<BulkBody, OrdersError> {
    if !body.is_object() {
        return Err(bad(
            "body",
            "must be a JSON object: {\"orders\": [id, ...], \"source\": optional domain}",
        ));
    }
    let parsed: BulkBody = serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let field = if path == "." {
            // A missing or unknown top-level field: serde's message names it in backticks.
            inner
                .split('`')
                .nth(1)
                .filter(|_| {
                    inner.starts_with("missing field") || inner.starts_with("unknown field")
                })
                .unwrap_or("body")
                .to_owned()
        } else {
            path
        };
        bad(&field, inner)
    })?;
    if parsed.orders.is_empty() {
        return Err(bad("orders", "must list at least one order id"));
    }
    if parsed.orders.len() > MAX_BULK {
        return Err(bad(
            "orders",
            format!(
                "lists {} order ids; at most {MAX_BULK} at once",
                parsed.orders.len()
            ),
        ));
    }
    Ok(parsed)
}

fn outcome_of(result: &Result<super::push::PushRequested, PushError>) -> (&'static str, String) {
    match result {
        Ok(r) if r.queued_now => ("queued", format!("Push to {} queued", r.push.source_domain)),
        Ok(r) => (
            "already_queued",
            format!("Push to {} was already queued", r.push.source_domain),
        ),
        Err(PushError::AlreadyDone(_)) => ("already_pushed", "Already pushed".to_owned()),
        Err(PushError::NotConnected(d)) => (
            "not_connected",
            format!("This store is not connected to source store {d}"),
        ),
        Err(PushError::OrderNotFound) => ("not_found", "No such order".to_owned()),
        Err(e) => {
            tracing::error!(error = %e, "bulk push of one order failed");
            (
                "error",
                "something went wrong on our side; try again".to_owned(),
            )
        }
    }
}

/// The merchant's bulk Push (`{"orders": [id, ...], "source": optional domain}`): for each order,
/// each source store its items route to (or only `source`) is pushed as the Push button would
/// (`request_push`); ineligible orders are reported with their reasons and nothing is queued
/// for them; another shop's id is `not_found`. A failed push is queued again (as Retry).
pub async fn bulk_push(
    store: &Store,
    shop: &ShopRecord,
    body: &Value,
    actor: &str,
) -> Result<BulkView, OrdersError> {
    require_destination(shop)?;
    let body = parse_bulk(body)?;
    let only = match body.source.as_deref() {
        None => None,
        Some(s) => {
            let domain = ShopDomain::parse(s.trim()).map_err(|e| {
                bad(
                    "source",
                    format!("must be a source store's myshopify domain: {e}"),
                )
            })?;
            let connected = store
                .source_stores_of(shop.id)
                .await?
                .into_iter()
                .any(|s| s.shop.domain == domain && s.installed);
            if !connected {
                return Err(OrdersError::NotConnected(domain.to_string()));
            }
            Some(domain)
        }
    };
    let catalog = store.synced_catalog(shop.id).await?;
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for id in body.orders {
        if !seen.insert(id) {
            continue;
        }
        let Some(o) = store.order(shop.id, id).await? else {
            results.push(BulkResultView {
                order: id,
                name: None,
                source: None,
                outcome: "not_found",
                status: None,
                label: None,
                message: "No such order".to_owned(),
                reasons: Vec::new(),
            });
            continue;
        };
        let name = Some(o.order.name.as_str().to_owned());
        if !o.eligible {
            let messages: Vec<String> = o.ineligible_reasons.iter().map(|r| r.message()).collect();
            results.push(BulkResultView {
                order: id,
                name,
                source: None,
                outcome: "not_eligible",
                status: None,
                label: None,
                message: format!("The order can't be pushed: {}", messages.join(" ")),
                reasons: reasons_json(&o.ineligible_reasons),
            });
            continue;
        }
        let routing = route(&o.order, &catalog);
        let targets: Vec<ShopDomain> = match &only {
            Some(d) if routing.lines_for(d).is_empty() => {
                results.push(BulkResultView {
                    order: id,
                    name,
                    source: Some(d.as_str().to_owned()),
                    outcome: "nothing_to_push",
                    status: None,
                    label: None,
                    message: format!("The order has no synced products to ship from {d}."),
                    reasons: Vec::new(),
                });
                continue;
            }
            Some(d) => vec![d.clone()],
            None => routing.source_shops(),
        };
        if targets.is_empty() {
            results.push(BulkResultView {
                order: id,
                name,
                source: None,
                outcome: "nothing_to_push",
                status: None,
                label: None,
                message: "None of the order's items still to ship are synced products.".to_owned(),
                reasons: Vec::new(),
            });
            continue;
        }
        for source in targets {
            let result = request_push(store, shop, id, source.as_str(), None, false, actor).await;
            let (outcome, message) = outcome_of(&result);
            let (status, label) = match &result {
                Ok(r) => (Some(r.push.status.as_str()), Some(r.push.status.label())),
                Err(PushError::AlreadyDone(s)) => {
                    let status = PushStatus::parse(s).ok();
                    (status.map(|s| s.as_str()), status.map(|s| s.label()))
                }
                Err(_) => (None, None),
            };
            results.push(BulkResultView {
                order: id,
                name: name.clone(),
                source: Some(source.as_str().to_owned()),
                outcome,
                status,
                label,
                message,
                reasons: Vec::new(),
            });
        }
    }
    let mut summary = BTreeMap::new();
    for r in &results {
        *summary.entry(r.outcome).or_insert(0) += 1;
    }
    let queued_any = summary.contains_key("queued");
    tracing::info!(shop = %shop.shop.domain, orders = seen.len(), ?summary, "bulk push");
    Ok(BulkView {
        results,
        summary,
        queued_any,
    })
}
