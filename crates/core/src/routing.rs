//! Splitting a destination order by source store.
//!
//! Each source store receives one push with only its own synced products.
//! [`route`] groups the items still to ship by the source store that supplies
//! them and lists every other item with the reason it is not pushed.
//!
//! Design choice: there is no separate "not to ship" list. Every line that is
//! not pushed, synced or not, is in [`Routing::unsynced`] with an
//! [`UnsyncedReason`]. Reasons are judged in this order: nothing left to ship
//! (removed or already fulfilled) first, since such a line would not be pushed
//! whatever it is; then custom items without a variant; then variants that are
//! not synced products.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{LineItemId, ShopDomain, Sku, VariantId};
use crate::money::Money;
use crate::order::DestinationOrder;
use crate::shop::SyncedCatalog;

/// An item to push to a source store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutedLine {
    /// The destination order's line item.
    pub line_item: LineItemId,
    /// The source store's variant to order.
    pub source_variant: VariantId,
    /// The synced product's SKU.
    pub sku: Sku,
    /// The product title on the destination order.
    pub title: String,
    /// The quantity still to ship (the line's fulfillable quantity).
    pub quantity: u32,
    /// The destination price of one item, before discounts.
    pub unit_price: Money,
    /// The source store's price, if known.
    pub source_price: Option<Money>,
}

/// Why an item is not pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum UnsyncedReason {
    /// A custom item, without a product variant.
    NoVariant,
    /// The variant is not a synced product.
    NotSynced {
        /// The SKU on the order, if any.
        sku: Option<String>,
    },
    /// Removed from the order or already fulfilled.
    NothingToShip,
}

impl UnsyncedReason {
    /// Why the item is not pushed, in the merchant's words.
    pub fn message(&self) -> String {
        match self {
            Self::NoVariant => {
                "Custom item without a product; it is not pushed. Fulfil it yourself.".to_owned()
            }
            Self::NotSynced { sku: Some(sku) } => format!(
                "Not a synced product (SKU {sku}); it is not pushed. Link it in Synced products to push it next time."
            ),
            Self::NotSynced { sku: None } => {
                "Not a synced product; it is not pushed. Link it in Synced products to push it next time.".to_owned()
            }
            Self::NothingToShip => {
                "Nothing left to ship (removed or already fulfilled); it is not pushed.".to_owned()
            }
        }
    }
}

/// An item that is not pushed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsyncedLine {
    /// The destination order's line item.
    pub line_item: LineItemId,
    /// The product title.
    pub title: String,
    /// Why it is not pushed.
    pub reason: UnsyncedReason,
}

/// A destination order split by source store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Routing {
    /// The items to push, per source store (one push each), in order line order.
    pub per_source: BTreeMap<ShopDomain, Vec<RoutedLine>>,
    /// Every item not pushed, in order line order.
    pub unsynced: Vec<UnsyncedLine>,
}

impl Routing {
    /// The source stores to push to, sorted.
    pub fn source_shops(&self) -> Vec<ShopDomain> {
        self.per_source.keys().cloned().collect()
    }

    /// The items for one source store (empty if none).
    pub fn lines_for(&self, source: &ShopDomain) -> &[RoutedLine] {
        self.per_source.get(source).map_or(&[], Vec::as_slice)
    }
}

/// Splits the order's items by source store; see the module docs.
pub fn route(order: &DestinationOrder, catalog: &SyncedCatalog) -> Routing {
    let mut routing = Routing::default();
    for line in &order.line_items {
        let not_pushed = |reason| UnsyncedLine {
            line_item: line.id.clone(),
            title: line.title.clone(),
            reason,
        };
        if line.fulfillable_quantity == 0 {
            routing
                .unsynced
                .push(not_pushed(UnsyncedReason::NothingToShip));
            continue;
        }
        let Some(variant) = &line.variant else {
            routing.unsynced.push(not_pushed(UnsyncedReason::NoVariant));
            continue;
        };
        let Some(synced) = catalog.lookup(variant) else {
            routing.unsynced.push(not_pushed(UnsyncedReason::NotSynced {
                sku: line.sku.clone(),
            }));
            continue;
        };
        routing
            .per_source
            .entry(synced.source_shop.clone())
            .or_default()
            .push(RoutedLine {
                line_item: line.id.clone(),
                source_variant: synced.source_variant.clone(),
                sku: synced.sku.clone(),
                title: line.title.clone(),
                quantity: line.fulfillable_quantity,
                unit_price: line.unit_price.clone(),
                source_price: synced.source_price.clone(),
            });
    }
    routing
}

#[cfg(test)]
mod tests {
    //! Tests for `routing`, named after the rule each one checks.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::testkit::{
        catalog, domain, line, line_id, usd, variant, OrderBuilder, SUPPLIER_A, SUPPLIER_B,
    };

    #[test]
    fn synced_items_are_grouped_per_source_store() {
        let order = OrderBuilder::new()
            .line_items(vec![
                line(1, Some(101), 2, "10.00"),
                line(2, Some(102), 1, "5.00"),
                line(3, Some(103), 3, "4.50"),
            ])
            .build();
        let routing = route(&order, &catalog());
        assert_eq!(
            routing.source_shops(),
            vec![domain(SUPPLIER_A), domain(SUPPLIER_B)]
        );
        let a = routing.lines_for(&domain(SUPPLIER_A));
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[0],
            RoutedLine {
                line_item: line_id(1),
                source_variant: variant(201),
                sku: Sku::parse("SKU-101").unwrap(),
                title: "Product 1".to_owned(),
                quantity: 2,
                unit_price: usd("10.00"),
                source_price: Some(usd("6.00")),
            }
        );
        assert_eq!(a[1].line_item, line_id(3));
        assert_eq!(a[1].source_variant, variant(203));
        let b = routing.lines_for(&domain(SUPPLIER_B));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].source_variant, variant(202));
        assert_eq!(b[0].source_price, None);
        assert!(routing.unsynced.is_empty());
    }

    #[test]
    fn quantity_is_what_is_left_to_ship() {
        let mut partly_shipped = line(1, Some(101), 5, "10.00");
        partly_shipped.fulfillable_quantity = 2;
        let order = OrderBuilder::new().line_items(vec![partly_shipped]).build();
        let routing = route(&order, &catalog());
        assert_eq!(routing.lines_for(&domain(SUPPLIER_A))[0].quantity, 2);
    }

    #[test]
    fn lines_not_pushed_are_listed_with_their_reason() {
        let mut removed_synced = line(4, Some(101), 1, "1.00");
        removed_synced.fulfillable_quantity = 0;
        let mut removed_custom = line(5, None, 1, "1.00");
        removed_custom.fulfillable_quantity = 0;
        let order = OrderBuilder::new()
            .line_items(vec![
                line(1, None, 1, "1.00"),
                line(2, Some(999), 1, "1.00"),
                line(3, Some(102), 1, "1.00"),
                removed_synced,
                removed_custom,
            ])
            .build();
        let routing = route(&order, &catalog());
        let reasons: Vec<(u64, UnsyncedReason)> = routing
            .unsynced
            .iter()
            .map(|u| (u.line_item.numeric(), u.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, UnsyncedReason::NoVariant),
                (
                    2,
                    UnsyncedReason::NotSynced {
                        sku: Some("SKU-999".to_owned())
                    }
                ),
                (4, UnsyncedReason::NothingToShip),
                (5, UnsyncedReason::NothingToShip),
            ]
        );
        assert_eq!(routing.unsynced[0].title, "Product 1");
        assert_eq!(routing.source_shops(), vec![domain(SUPPLIER_B)]);
        assert!(routing.lines_for(&domain(SUPPLIER_A)).is_empty());
    }

    #[test]
    fn unsynced_reasons_have_messages() {
        assert!(UnsyncedReason::NoVariant.message().contains("Custom item"));
        assert!(UnsyncedReason::NotSynced {
            sku: Some("AB-1".to_owned())
        }
        .message()
        .contains("SKU AB-1"));
        assert!(UnsyncedReason::NotSynced { sku: None }
            .message()
            .starts_with("Not a synced product;"));
        assert!(UnsyncedReason::NothingToShip
            .message()
            .contains("already fulfilled"));
    }

    #[test]
    fn routing_serde_round_trips() {
        let order = OrderBuilder::new()
            .line_items(vec![line(1, Some(101), 1, "1"), line(2, None, 1, "1")])
            .build();
        let routing = route(&order, &catalog());
        let json = serde_json::to_string(&routing).unwrap();
        assert_eq!(serde_json::from_str::<Routing>(&json).unwrap(), routing);
    }
}
