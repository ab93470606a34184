//! # ordersync-core
//!
//! The order-sync domain: pure rules with no I/O, async, SQL, clock or
//! randomness (time is passed in). A destination store sells synced products
//! supplied by source stores; eligible destination orders are pushed, split
//! per source store, to each source store as a real Shopify order. Types are
//! parsed, not validated: they cannot hold invalid values, and serde goes
//! through the same checks.
//!
//! | Module | What it holds |
//! |--------|---------------|
//! | [`money`] | [`Money`], [`CurrencyCode`]: decimal amounts paired with their currency |
//! | [`ids`] | [`ShopDomain`], Shopify gids ([`OrderId`], [`VariantId`], ...), [`OrderName`], [`Sku`] |
//! | [`email`] | [`Email`] |
//! | [`shop`] | the merchant's stores ([`Shop`]), [`Connection`]s and the [`SyncedCatalog`] |
//! | [`matching`] | synced products by SKU, manual links and unlinks ([`match_variants`]) |
//! | [`order`] | the [`DestinationOrder`] model |
//! | [`eligibility`] | which orders may be pushed, and why not ([`evaluate`]) |
//! | [`routing`] | splitting an order by source store ([`route`]) |
//! | [`shipping`] | Shipping Rate Rules ([`resolve_shipping`]) |
//! | [`settings`] | [`OrderPushSettings`] |
//! | [`plan`] | what one push sends to one source store ([`plan_push`]) |
//! | [`status`] | the push status state machine and the Orders tab summary |
//! | [`addon`] | the Order add-on (billing): its states, who may switch it on, [`OrderAddon::can_push`] |

pub mod addon;
pub mod eligibility;
pub mod email;
pub mod ids;
pub mod matching;
pub mod money;
pub mod order;
pub mod plan;
pub mod routing;
pub mod settings;
pub mod shipping;
pub mod shop;
pub mod status;

#[cfg(test)]
pub(crate) mod testkit;

pub use rust_decimal::Decimal;

pub use addon::{
    AddonRefusal, AddonState, AddonStatus, OffReason, OrderAddon, ShopifyUpdate, SwitchOff,
    SwitchOn, UnknownAddonStatus, ORDERS_BANNER,
};
pub use eligibility::{evaluate, AddressField, Eligibility, IneligibleReason};
pub use email::{Email, EmailError};
pub use ids::{
    AppSubscriptionId, CustomerId, FulfillmentId, FulfillmentOrderId, IdError, LineItemId, OrderId,
    OrderName, ProductId, ShopDomain, Sku, VariantId,
};
pub use matching::{
    match_variants, CatalogVariant, ManualChoice, Mapping, MatchOrigin, MatchOutcome, NotSynced,
    NotSyncedReason, SourceCatalog,
};
pub use money::{CurrencyCode, Money, MoneyError};
pub use order::{
    Address, CountryCode, Customer, DestinationOrder, Discount, FinancialStatus, FulfillmentStatus,
    LineItem, OrderError, OriginalShippingLine,
};
pub use plan::{plan_push, MarkerError, PlanError, PlannedLine, PushInput, PushKey, PushPlan, Tag};
pub use routing::{route, RoutedLine, Routing, UnsyncedLine, UnsyncedReason};
pub use settings::{EmailContactMethod, HoldMinutes, OrderPushSettings, PriceBasis, SettingsError};
pub use shipping::{
    resolve_shipping, ManualShippingFee, RuleConditions, ShippingCharge, ShippingContext,
    ShippingError, ShippingOrigin, ShippingRateRule, ShippingRateRules,
};
pub use shop::{
    CatalogError, Connection, ConnectionError, Shop, ShopError, ShopName, StoreRole, SyncedCatalog,
    SyncedVariant,
};
pub use status::{
    summarize, IllegalTransition, OrderListStatus, PushEvent, PushStatus, UnknownStatus,
};
