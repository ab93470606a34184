//! The merchant's stores and how they are linked.
//!
//! A destination store sells synced products whose stock lives in source
//! stores. This module names the stores ([`Shop`], [`StoreRole`]), the link
//! between a destination and a source store ([`Connection`]) and the
//! destination store's synced products ([`SyncedCatalog`]), which decide where
//! each ordered item is pushed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::ids::{string_newtype_impls, ShopDomain, Sku, VariantId};
use crate::money::{CurrencyCode, Money};

/// Why a store, connection or catalog was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShopError {
    /// Not "destination" or "source".
    #[error("unknown store role {0:?}: expected \"destination\" or \"source\"")]
    InvalidRole(String),
    /// Blank or longer than 255 characters.
    #[error("invalid store name {0:?}: expected 1 to 255 characters")]
    InvalidName(String),
}

/// Why two stores cannot be connected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// The would-be destination store is a source store.
    #[error("{0} is not a destination store")]
    NotADestination(ShopDomain),
    /// The would-be source store is a destination store.
    #[error("{0} is not a source store")]
    NotASource(ShopDomain),
    /// A store cannot be connected to itself.
    #[error("{0} cannot be connected to itself")]
    SameShop(ShopDomain),
}

/// Why a synced catalog was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// One destination variant may be synced to only one source variant.
    #[error("the destination variant {0} is synced more than once")]
    DuplicateDestinationVariant(VariantId),
}

/// Whether a store sells synced products (destination) or supplies them (source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreRole {
    /// The retailer's store, where shoppers order.
    Destination,
    /// A supplier's store, which receives pushed orders.
    Source,
}

impl StoreRole {
    /// "destination" or "source".
    pub fn as_str(&self) -> &'static str {
        match self {
            StoreRole::Destination => "destination",
            StoreRole::Source => "source",
        }
    }

    /// Parses "destination" or "source".
    pub fn parse(role: &str) -> Result<Self, ShopError> {
        match role {
            "destination" => Ok(StoreRole::Destination),
            "source" => Ok(StoreRole::Source),
            other => Err(ShopError::InvalidRole(other.to_owned())),
        }
    }
}

/// A store's display name: trimmed, 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShopName(String);

impl ShopName {
    /// Trims and validates.
    pub fn parse(name: &str) -> Result<Self, ShopError> {
        let trimmed = name.trim();
        if (1..=255).contains(&trimmed.chars().count()) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(ShopError::InvalidName(name.to_owned()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(ShopName, ShopError);

/// One of the merchant's stores. Fields are public since each is already valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shop {
    /// The permanent `*.myshopify.com` domain.
    pub domain: ShopDomain,
    /// The store's name.
    pub name: ShopName,
    /// The store owner's email.
    pub admin_email: Email,
    /// The store's currency.
    pub currency: CurrencyCode,
    /// Destination or source.
    pub role: StoreRole,
}

/// A destination store linked to one of its source stores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "ConnectionRepr", into = "ConnectionRepr")]
pub struct Connection {
    destination: ShopDomain,
    source: ShopDomain,
}

#[derive(Serialize, Deserialize)]
struct ConnectionRepr {
    destination: ShopDomain,
    source: ShopDomain,
}

impl Connection {
    /// Links a destination store to a source store, checking both roles.
    pub fn new(destination: &Shop, source: &Shop) -> Result<Connection, ConnectionError> {
        if destination.role != StoreRole::Destination {
            return Err(ConnectionError::NotADestination(destination.domain.clone()));
        }
        if source.role != StoreRole::Source {
            return Err(ConnectionError::NotASource(source.domain.clone()));
        }
        Self::from_domains(destination.domain.clone(), source.domain.clone())
    }

    /// Rebuilds a stored connection whose roles were checked when it was made;
    /// still refuses to connect a store to itself.
    pub fn from_domains(
        destination: ShopDomain,
        source: ShopDomain,
    ) -> Result<Connection, ConnectionError> {
        if destination == source {
            return Err(ConnectionError::SameShop(destination));
        }
        Ok(Connection {
            destination,
            source,
        })
    }

    /// The destination store.
    pub fn destination(&self) -> &ShopDomain {
        &self.destination
    }

    /// The source store.
    pub fn source(&self) -> &ShopDomain {
        &self.source
    }
}

impl TryFrom<ConnectionRepr> for Connection {
    type Error = ConnectionError;
    fn try_from(repr: ConnectionRepr) -> Result<Self, Self::Error> {
        Self::from_domains(repr.destination, repr.source)
    }
}

impl From<Connection> for ConnectionRepr {
    fn from(c: Connection) -> Self {
        ConnectionRepr {
            destination: c.destination,
            source: c.source,
        }
    }
}

/// A synced product variant: a destination store variant mapped to the source
/// store variant that fulfils it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedVariant {
    /// The variant shoppers buy on the destination store.
    pub destination_variant: VariantId,
    /// The source store that supplies it.
    pub source_shop: ShopDomain,
    /// The variant ordered on the source store.
    pub source_variant: VariantId,
    /// The SKU shared by both.
    pub sku: Sku,
    /// The source store's price, if known (used with the "source price" basis).
    pub source_price: Option<Money>,
}

/// The destination store's synced products, keyed by destination variant.
/// Serialized as a list of [`SyncedVariant`]s.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<SyncedVariant>", into = "Vec<SyncedVariant>")]
pub struct SyncedCatalog {
    by_destination_variant: BTreeMap<VariantId, SyncedVariant>,
}

impl SyncedCatalog {
    /// Builds the catalog; a destination variant may appear only once.
    pub fn new(variants: impl IntoIterator<Item = SyncedVariant>) -> Result<Self, CatalogError> {
        let mut by_destination_variant = BTreeMap::new();
        for variant in variants {
            let key = variant.destination_variant.clone();
            if by_destination_variant
                .insert(key.clone(), variant)
                .is_some()
            {
                return Err(CatalogError::DuplicateDestinationVariant(key));
            }
        }
        Ok(Self {
            by_destination_variant,
        })
    }

    /// The mapping for a destination variant, if it is a synced product.
    pub fn lookup(&self, destination_variant: &VariantId) -> Option<&SyncedVariant> {
        self.by_destination_variant.get(destination_variant)
    }

    /// Number of synced variants.
    pub fn len(&self) -> usize {
        self.by_destination_variant.len()
    }

    /// No synced variants.
    pub fn is_empty(&self) -> bool {
        self.by_destination_variant.is_empty()
    }

    /// The source stores that supply at least one synced variant, sorted.
    pub fn source_shops(&self) -> BTreeSet<&ShopDomain> {
        self.by_destination_variant
            .values()
            .map(|v| &v.source_shop)
            .collect()
    }

    /// All synced variants, ordered by destination variant.
    pub fn iter(&self) -> impl Iterator<Item = &SyncedVariant> {
        self.by_destination_variant.values()
    }
}

impl TryFrom<Vec<SyncedVariant>> for SyncedCatalog {
    type Error = CatalogError;
    fn try_from(variants: Vec<SyncedVariant>) -> Result<Self, Self::Error> {
        Self::new(variants)
    }
}

impl From<SyncedCatalog> for Vec<SyncedVariant> {
    fn from(catalog: SyncedCatalog) -> Self {
        catalog.by_destination_variant.into_values().collect()
    }
}

#[cfg(test)]
mod tests;
