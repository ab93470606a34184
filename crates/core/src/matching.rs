//! Building synced products: matching a destination store's variants to its connected source
//! stores' variants by SKU, with the merchant's manual links and unlinks taking precedence.
//!
//! Matching is a pure function of the catalogues read from Shopify and the merchant's manual
//! choices, so a re-match can run at any time (on demand, on connect, when products change) and
//! always gives the same answer for the same input. Every destination variant ends up either
//! mapped or not synced with a reason the merchant can act on.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::{ShopDomain, Sku, VariantId};
use crate::money::Money;
use crate::shop::SyncedVariant;

/// One variant of a store's catalogue, as read from Shopify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogVariant {
    /// The variant.
    pub id: VariantId,
    /// Its SKU; `None` when blank.
    pub sku: Option<Sku>,
    /// Its price in the store's currency.
    pub price: Money,
    /// What the merchant sees (product title and variant title).
    pub title: String,
}

/// A connected source store's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCatalog {
    /// The source store.
    pub shop: ShopDomain,
    /// Its variants.
    pub variants: Vec<CatalogVariant>,
}

/// The merchant's decision for one destination variant; it overrides SKU matching and survives
/// re-matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum ManualChoice {
    /// Map it to this source variant.
    Link {
        /// The source store.
        source_shop: ShopDomain,
        /// The source store's variant.
        source_variant: VariantId,
    },
    /// Never map it (until the merchant links it).
    Unlink,
}

/// How a mapping was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOrigin {
    /// Same SKU on exactly one source variant.
    Sku,
    /// Linked by the merchant.
    Manual,
}

/// A destination variant mapped to a source variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The synced product.
    pub variant: SyncedVariant,
    /// How it was made.
    pub origin: MatchOrigin,
}

/// Why a destination variant is not synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotSyncedReason {
    /// The destination variant has no SKU.
    NoSku,
    /// No connected source store has a variant with this SKU.
    NoSourceVariant {
        /// The SKU looked for.
        sku: Sku,
    },
    /// Several source variants have this SKU.
    Ambiguous {
        /// The SKU.
        sku: Sku,
        /// The source stores holding them (a store appears once even with several).
        stores: Vec<ShopDomain>,
    },
    /// Several destination variants have this SKU, so none of them can be matched.
    DuplicateDestinationSku {
        /// The SKU.
        sku: Sku,
    },
    /// The merchant unlinked it.
    Unlinked,
    /// The merchant linked it to a source variant that a connected store no longer has.
    LinkedVariantMissing {
        /// The source store named by the link.
        source_shop: ShopDomain,
        /// The variant named by the link.
        source_variant: VariantId,
    },
    /// The merchant linked it, but neither variant has a SKU to order by.
    LinkedWithoutSku,
}

impl NotSyncedReason {
    /// The status shown in the list: `unmatched`, `ambiguous` or `unlinked`.
    pub fn status(&self) -> &'static str {
        match self {
            NotSyncedReason::Ambiguous { .. } | NotSyncedReason::DuplicateDestinationSku { .. } => {
                "ambiguous"
            }
            NotSyncedReason::Unlinked => "unlinked",
            _ => "unmatched",
        }
    }

    /// What the merchant reads.
    pub fn message(&self) -> String {
        match self {
            NotSyncedReason::NoSku => "This variant has no SKU.".into(),
            NotSyncedReason::NoSourceVariant { sku } => {
                format!("No connected source store has a variant with SKU {sku}.")
            }
            NotSyncedReason::Ambiguous { sku, stores } => format!(
                "Several source variants have SKU {sku} (in {}); link one by hand.",
                stores
                    .iter()
                    .map(ShopDomain::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            NotSyncedReason::DuplicateDestinationSku { sku } => {
                format!("Several variants of this store have SKU {sku}; give each its own SKU or link by hand.")
            }
            NotSyncedReason::Unlinked => "Unlinked by hand.".into(),
            NotSyncedReason::LinkedVariantMissing {
                source_shop,
                source_variant,
            } => format!(
                "Linked by hand to {source_variant} of {source_shop}, which no connected store has any more."
            ),
            NotSyncedReason::LinkedWithoutSku => {
                "Linked by hand, but neither variant has a SKU.".into()
            }
        }
    }
}

/// A destination variant that is not synced, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSynced {
    /// The destination variant.
    pub variant: VariantId,
    /// Its title.
    pub title: String,
    /// Its SKU.
    pub sku: Option<Sku>,
    /// Why.
    pub reason: NotSyncedReason,
}

/// The result of a match: every destination variant is in exactly one of the two lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchOutcome {
    /// Synced products, in destination catalogue order.
    pub mapped: Vec<Mapping>,
    /// The others, in destination catalogue order.
    pub not_synced: Vec<NotSynced>,
}

/// Matches `destination`'s variants to the `sources`' variants by SKU (exact, after trimming),
/// applying the merchant's `manual` choices first. A destination variant listed twice counts
/// once.
pub fn match_variants(
    destination: &[CatalogVariant],
    sources: &[SourceCatalog],
    manual: &BTreeMap<VariantId, ManualChoice>,
) -> MatchOutcome {
    let mut by_sku: BTreeMap<&Sku, Vec<(&ShopDomain, &CatalogVariant)>> = BTreeMap::new();
    let mut by_id: BTreeMap<(&ShopDomain, &VariantId), &CatalogVariant> = BTreeMap::new();
    for source in sources {
        for v in &source.variants {
            if by_id.insert((&source.shop, &v.id), v).is_some() {
                continue;
            }
            if let Some(sku) = &v.sku {
                by_sku.entry(sku).or_default().push((&source.shop, v));
            }
        }
    }
    let mut destination_skus: BTreeMap<&Sku, BTreeSet<&VariantId>> = BTreeMap::new();
    let mut listed = BTreeSet::new();
    for v in destination {
        if !listed.insert(&v.id) {
            continue;
        }
        if let Some(sku) = &v.sku {
            destination_skus.entry(sku).or_default().insert(&v.id);
        }
    }

    let mut outcome = MatchOutcome::default();
    let mut seen = BTreeSet::new();
    for v in destination {
        if !seen.insert(&v.id) {
            continue;
        }
        let not_synced = |reason| NotSynced {
            variant: v.id.clone(),
            title: v.title.clone(),
            sku: v.sku.clone(),
            reason,
        };
        let mapped = |shop: &ShopDomain, source: &CatalogVariant, sku: Sku, origin| Mapping {
            variant: SyncedVariant {
                destination_variant: v.id.clone(),
                source_shop: shop.clone(),
                source_variant: source.id.clone(),
                sku,
                source_price: Some(source.price.clone()),
            },
            origin,
        };
        match manual.get(&v.id) {
            Some(ManualChoice::Unlink) => {
                outcome
                    .not_synced
                    .push(not_synced(NotSyncedReason::Unlinked));
            }
            Some(ManualChoice::Link {
                source_shop,
                source_variant,
            }) => match by_id.get(&(source_shop, source_variant)) {
                None => {
                    outcome
                        .not_synced
                        .push(not_synced(NotSyncedReason::LinkedVariantMissing {
                            source_shop: source_shop.clone(),
                            source_variant: source_variant.clone(),
                        }))
                }
                Some(source) => match source.sku.clone().or_else(|| v.sku.clone()) {
                    None => outcome
                        .not_synced
                        .push(not_synced(NotSyncedReason::LinkedWithoutSku)),
                    Some(sku) => {
                        outcome
                            .mapped
                            .push(mapped(source_shop, source, sku, MatchOrigin::Manual));
                    }
                },
            },
            None => {
                let Some(sku) = &v.sku else {
                    outcome.not_synced.push(not_synced(NotSyncedReason::NoSku));
                    continue;
                };
                if destination_skus.get(sku).is_some_and(|ids| ids.len() > 1) {
                    outcome
                        .not_synced
                        .push(not_synced(NotSyncedReason::DuplicateDestinationSku {
                            sku: sku.clone(),
                        }));
                    continue;
                }
                match by_sku.get(sku).map(Vec::as_slice) {
                    None | Some([]) => {
                        outcome
                            .not_synced
                            .push(not_synced(NotSyncedReason::NoSourceVariant {
                                sku: sku.clone(),
                            }))
                    }
                    Some([(shop, source)]) => {
                        outcome
                            .mapped
                            .push(mapped(shop, source, sku.clone(), MatchOrigin::Sku));
                    }
                    Some(several) => {
                        let stores: BTreeSet<&ShopDomain> =
                            several.iter().map(|(shop, _)| *shop).collect();
                        outcome
                            .not_synced
                            .push(not_synced(NotSyncedReason::Ambiguous {
                                sku: sku.clone(),
                                stores: stores.into_iter().cloned().collect(),
                            }));
                    }
                }
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests;
