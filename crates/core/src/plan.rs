//! Push plans: exactly what one push sends to one source store.
//!
//! [`plan_push`] turns a destination order into the order to create on one
//! source store: that store's synced items still to ship, the shipping line
//! from the Shipping Rate Rules, the contact email from Order Push Settings,
//! the shopper's name and addresses, and markers (tags, note, custom
//! attributes, a deterministic [`PushKey`]) that tie the source order back to
//! the destination order and make pushes idempotent.
//!
//! What is deliberately never carried over: the shopper's shipping method
//! title/code and price, discount codes and discount amounts. Items carry
//! their unit price before discounts (or the source store's price), so the
//! supplier bills the retailer's agreed price, not the shopper's deal.
//!
//! The note reads exactly `Order <name> from <destination store name>, pushed
//! by ordersync.` and the tags are, in order: the destination store name, `Order
//! <name>`, `ordersync`, and the push key tag `ordersync-<key>` (each shortened
//! to Shopify's 40-character tag limit by [`Tag::shorten`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::eligibility::{order_level_reasons, IneligibleReason};
use crate::email::Email;
use crate::ids::{
    string_newtype_impls, LineItemId, OrderId, OrderName, ShopDomain, Sku, VariantId,
};
use crate::money::{CurrencyCode, Money, MoneyError};
use crate::order::{non_blank, Address, DestinationOrder};
use crate::routing::route;
use crate::settings::{OrderPushSettings, PriceBasis, SettingsError};
use crate::shipping::{resolve_shipping, ManualShippingFee, ShippingCharge, ShippingContext};
use crate::shop::{Shop, SyncedCatalog};

/// The tag every pushed order carries.
pub const ORDERSYNC_TAG: &str = "ordersync";
/// Shopify's limit on a tag's length, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// Why a push cannot be planned, in words the merchant can act on.
///
/// `Display` and `Error` are written by hand rather than with `thiserror`,
/// which would take the `source` field of [`PlanError::NoItemsForSource`] for
/// an underlying error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The order fails order-level eligibility rules.
    NotEligible(Vec<IneligibleReason>),
    /// None of the order's items still to ship come from this source store.
    NoItemsForSource {
        /// The source store.
        source: ShopDomain,
    },
    /// Contact method is Customer email and the order has none.
    NoCustomerEmail,
    /// Price basis is Source price and a synced product has none.
    SourcePriceUnknown {
        /// The synced product's SKU.
        sku: Sku,
    },
    /// Item prices are in different currencies.
    CurrencyMismatch {
        /// The currency of the push.
        expected: CurrencyCode,
        /// A price in another currency.
        found: CurrencyCode,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotEligible(reasons) => {
                write!(f, "The order can't be pushed: {}", messages(reasons))
            }
            Self::NoItemsForSource { source } => {
                write!(f, "The order has no synced products to ship from {source}.")
            }
            Self::NoCustomerEmail => f.write_str(
                "The order has no customer email and the contact method is Customer email. \
                 Choose another Email Contact Method in Order Push Settings, or add an email to the order.",
            ),
            Self::SourcePriceUnknown { sku } => write!(
                f,
                "The source price of SKU {sku} is unknown. Sync the product again or use the \
                 destination price in Order Push Settings."
            ),
            Self::CurrencyMismatch { expected, found } => write!(
                f,
                "The items' prices are in different currencies ({expected} and {found}); \
                 they can't be pushed in one order."
            ),
        }
    }
}

impl std::error::Error for PlanError {}

fn messages(reasons: &[IneligibleReason]) -> String {
    let all: Vec<String> = reasons.iter().map(IneligibleReason::message).collect();
    all.join(" ")
}

/// Identifies one push (destination store, destination order, source store):
/// the first 16 hex characters of SHA-256 over `"<dest>|<order gid>|<source>"`.
/// The same push always gets the same key, so retries are recognised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PushKey(String);

/// Why a push key or tag was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    /// Not 16 lowercase hex characters.
    #[error("invalid push key {0:?}: expected 16 lowercase hex characters")]
    InvalidPushKey(String),
    /// Blank, over 40 characters, or containing a comma.
    #[error("invalid tag {0:?}: expected 1 to 40 characters without commas")]
    InvalidTag(String),
}

impl PushKey {
    /// The key of pushing `order` from `destination` to `source`.
    pub fn new(destination: &ShopDomain, order: &OrderId, source: &ShopDomain) -> Self {
        let digest = Sha256::digest(format!("{destination}|{order}|{source}").as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Self(hex)
    }

    /// Parses 16 lowercase hex characters.
    pub fn parse(key: &str) -> Result<Self, MarkerError> {
        if key.len() == 16 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(key.to_owned()))
        } else {
            Err(MarkerError::InvalidPushKey(key.to_owned()))
        }
    }

    /// The 16 hex characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unique tag `ordersync-<key>` used to find the pushed order on the
    /// source store when the outcome of a push is unknown.
    pub fn tag(&self) -> Tag {
        Tag(format!("{ORDERSYNC_TAG}-{}", self.0))
    }
}

string_newtype_impls!(PushKey, MarkerError);

/// A Shopify order tag: trimmed, 1 to 40 characters, no commas.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    /// Trims and validates.
    pub fn parse(tag: &str) -> Result<Self, MarkerError> {
        let trimmed = tag.trim();
        let chars = trimmed.chars().count();
        if (1..=MAX_TAG_CHARS).contains(&chars) && !trimmed.contains(',') {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(MarkerError::InvalidTag(tag.to_owned()))
        }
    }

    /// Makes any text a valid tag, predictably: removes commas, collapses
    /// whitespace runs to one space, trims, and if still over 40 characters
    /// keeps the first 39 characters followed by "…". Text with nothing left
    /// becomes the tag "untitled".
    pub fn shorten(text: &str) -> Tag {
        let without_commas = text.replace(',', "");
        let collapsed = without_commas
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if collapsed.is_empty() {
            return Tag("untitled".to_owned());
        }
        if collapsed.chars().count() <= MAX_TAG_CHARS {
            return Tag(collapsed);
        }
        let kept: String = collapsed.chars().take(MAX_TAG_CHARS - 1).collect();
        Tag(format!("{kept}…"))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(Tag, MarkerError);

/// What [`plan_push`] needs.
#[derive(Debug, Clone, Copy)]
pub struct PushInput<'a> {
    /// The destination order.
    pub order: &'a DestinationOrder,
    /// The destination store.
    pub destination: &'a Shop,
    /// The source store to push to.
    pub source: &'a ShopDomain,
    /// The destination store's synced products.
    pub catalog: &'a SyncedCatalog,
    /// The destination store's Order Push Settings.
    pub settings: &'a OrderPushSettings,
    /// A shipping fee entered for this push, overriding the rules.
    pub manual_fee: Option<ManualShippingFee>,
}

/// An item of the order to create on the source store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedLine {
    /// The destination order's line item it fulfils.
    pub destination_line: LineItemId,
    /// The source store's variant.
    pub source_variant: VariantId,
    /// The synced product's SKU.
    pub sku: Sku,
    /// The product title.
    pub title: String,
    /// How many to order.
    pub quantity: u32,
    /// The price of one, per the price basis, before any discount.
    pub unit_price: Money,
}

/// Everything one push sends to one source store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPlan {
    /// Identifies this push.
    pub push_key: PushKey,
    /// The source store.
    pub source_shop: ShopDomain,
    /// The destination store.
    pub destination_shop: ShopDomain,
    /// The destination order.
    pub destination_order: OrderId,
    /// The destination order's name.
    pub destination_order_name: OrderName,
    /// The items, in order line order.
    pub lines: Vec<PlannedLine>,
    /// The shipping line.
    pub shipping: ShippingCharge,
    /// The contact email.
    pub email: Email,
    /// The shopper's first name.
    pub customer_first_name: Option<String>,
    /// The shopper's last name.
    pub customer_last_name: Option<String>,
    /// Where the source store ships.
    pub shipping_address: Address,
    /// The billing address, if any.
    pub billing_address: Option<Address>,
    /// Tags, in the order listed in the module docs.
    pub tags: Vec<Tag>,
    /// The order note.
    pub note: String,
    /// Custom attributes (`ordersync_push_key`, `ordersync_destination_shop`,
    /// `ordersync_destination_order_id`, `ordersync_destination_order`).
    pub custom_attributes: Vec<(String, String)>,
    /// The currency of every amount in the plan.
    pub currency: CurrencyCode,
    /// Sum of the lines' unit price × quantity.
    pub items_subtotal: Money,
}

/// Plans the push of `input.order` to `input.source`.
///
/// Fails when the order breaks an order-level eligibility rule (payment,
/// cancellation, customer name, shipping address, total; the "no synced
/// products" rule is replaced by [`PlanError::NoItemsForSource`]), when no
/// email can be chosen, or when a needed source price is unknown.
pub fn plan_push(input: PushInput<'_>) -> Result<PushPlan, PlanError> {
    let order = input.order;
    let reasons = order_level_reasons(order);
    if !reasons.is_empty() {
        return Err(PlanError::NotEligible(reasons));
    }
    let shipping_address = order
        .shipping_address
        .clone()
        .ok_or_else(|| PlanError::NotEligible(vec![IneligibleReason::MissingShippingAddress]))?;

    let routing = route(order, input.catalog);
    let routed = routing.lines_for(input.source);
    if routed.is_empty() {
        return Err(PlanError::NoItemsForSource {
            source: input.source.clone(),
        });
    }

    let mut lines = Vec::with_capacity(routed.len());
    for line in routed {
        let unit_price = match input.settings.price_basis {
            PriceBasis::DestinationPrice => line.unit_price.clone(),
            PriceBasis::SourcePrice => {
                line.source_price
                    .clone()
                    .ok_or_else(|| PlanError::SourcePriceUnknown {
                        sku: line.sku.clone(),
                    })?
            }
        };
        lines.push(PlannedLine {
            destination_line: line.line_item.clone(),
            source_variant: line.source_variant.clone(),
            sku: line.sku.clone(),
            title: line.title.clone(),
            quantity: line.quantity,
            unit_price,
        });
    }

    let currency = match input.settings.price_basis {
        PriceBasis::DestinationPrice => order.currency,
        PriceBasis::SourcePrice => lines
            .first()
            .map_or(order.currency, |l| l.unit_price.currency()),
    };
    let mut items_subtotal = Money::zero(currency);
    for line in &lines {
        items_subtotal = items_subtotal
            .checked_add(&line.unit_price.times(line.quantity))
            .map_err(|err| match err {
                MoneyError::CurrencyMismatch { left, right } => PlanError::CurrencyMismatch {
                    expected: left,
                    found: right,
                },
                _ => PlanError::CurrencyMismatch {
                    expected: currency,
                    found: line.unit_price.currency(),
                },
            })?;
    }

    let shipping = resolve_shipping(
        &input.settings.shipping_rules,
        ShippingContext {
            source_store: input.source,
            destination_country: shipping_address.country_code.as_ref(),
            items_subtotal: &items_subtotal,
        },
        input.manual_fee,
    );
    // Choosing the contact email only fails when the customer email is missing.
    let email = input
        .settings
        .contact_email(order, input.destination)
        .map_err(|_: SettingsError| PlanError::NoCustomerEmail)?;
    let (customer_first_name, customer_last_name) = customer_names(order, &shipping_address);

    let destination_shop = input.destination.domain.clone();
    let push_key = PushKey::new(&destination_shop, &order.id, input.source);
    let store_name = input.destination.name.as_str();
    let tags = vec![
        Tag::shorten(store_name),
        Tag::shorten(&format!("Order {}", order.name)),
        Tag(ORDERSYNC_TAG.to_owned()),
        push_key.tag(),
    ];
    let note = format!(
        "Order {} from {store_name}, pushed by ordersync.",
        order.name
    );
    let custom_attributes = vec![
        (
            "ordersync_push_key".to_owned(),
            push_key.as_str().to_owned(),
        ),
        (
            "ordersync_destination_shop".to_owned(),
            destination_shop.as_str().to_owned(),
        ),
        (
            "ordersync_destination_order_id".to_owned(),
            order.id.as_str().to_owned(),
        ),
        (
            "ordersync_destination_order".to_owned(),
            order.name.as_str().to_owned(),
        ),
    ];

    Ok(PushPlan {
        push_key,
        source_shop: input.source.clone(),
        destination_shop,
        destination_order: order.id.clone(),
        destination_order_name: order.name.clone(),
        lines,
        shipping,
        email,
        customer_first_name,
        customer_last_name,
        shipping_address,
        billing_address: order.billing_address.clone(),
        tags,
        note,
        custom_attributes,
        currency,
        items_subtotal,
    })
}

/// The customer's first/last name if the customer has any, else the shipping
/// address's (trimmed; blank parts are `None`).
fn customer_names(order: &DestinationOrder, address: &Address) -> (Option<String>, Option<String>) {
    let pick = |first: Option<&String>, last: Option<&String>| {
        let (first, last) = (non_blank(first), non_blank(last));
        (first.is_some() || last.is_some())
            .then(|| (first.map(str::to_owned), last.map(str::to_owned)))
    };
    order
        .customer
        .as_ref()
        .and_then(|c| pick(c.first_name.as_ref(), c.last_name.as_ref()))
        .or_else(|| pick(address.first_name.as_ref(), address.last_name.as_ref()))
        .unwrap_or((None, None))
}

#[cfg(test)]
mod tests;
