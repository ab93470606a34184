//! Identifiers of shops, orders and their parts.
//!
//! Shopify hands us shop domains, GraphQL global ids (`gid://shopify/Order/1`),
//! order names and SKUs as plain strings. Mixing them up (an order id where a
//! variant id is expected, a shop that is not a `*.myshopify.com` domain) would
//! push the wrong thing to the wrong store, so each gets its own validated type.

use serde::{Deserialize, Serialize};

/// What was wrong with an identifier, and the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not a `<name>.myshopify.com` domain.
    #[error("invalid shop domain {0:?}: expected a domain such as my-store.myshopify.com")]
    InvalidShopDomain(String),
    /// Not a `gid://shopify/<resource>/<number>` id of the expected resource.
    #[error("invalid {resource} id {value:?}: expected gid://shopify/{resource}/<number>")]
    InvalidGid {
        /// The Shopify resource expected, e.g. "Order".
        resource: &'static str,
        /// The rejected value.
        value: String,
    },
    /// Blank or longer than 64 characters.
    #[error("invalid order name {0:?}: expected 1 to 64 characters such as #1001")]
    InvalidOrderName(String),
    /// Blank or longer than 255 characters.
    #[error("invalid SKU {0:?}: expected 1 to 255 characters")]
    InvalidSku(String),
}

/// Implements serde-as-validated-string, `Display` and `FromStr` for a type with
/// `parse(&str) -> Result<Self, E>` and `as_str()`.
macro_rules! string_newtype_impls {
    ($ty:ty, $err:ty) => {
        impl TryFrom<String> for $ty {
            type Error = $err;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$ty> for String {
            fn from(value: $ty) -> Self {
                value.as_str().to_owned()
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}
pub(crate) use string_newtype_impls;

/// A shop's permanent domain, e.g. `my-store.myshopify.com`, stored lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShopDomain(String);

const MYSHOPIFY_SUFFIX: &str = ".myshopify.com";

impl ShopDomain {
    /// Parses `^[a-zA-Z0-9][a-zA-Z0-9-_]*\.myshopify\.com$` (case-insensitive
    /// suffix) and lowercases it.
    pub fn parse(domain: &str) -> Result<Self, IdError> {
        let lower = domain.to_ascii_lowercase();
        let valid = lower.strip_suffix(MYSHOPIFY_SUFFIX).is_some_and(|name| {
            let mut bytes = name.bytes();
            bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
                && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if valid {
            Ok(Self(lower))
        } else {
            Err(IdError::InvalidShopDomain(domain.to_owned()))
        }
    }

    /// The domain, lowercased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(ShopDomain, IdError);

const GID_PREFIX: &str = "gid://shopify/";

/// Parses `gid://shopify/<resource>/<number>` with a number > 0 and no query suffix.
fn parse_gid(resource: &'static str, value: &str) -> Result<u64, IdError> {
    let invalid = || IdError::InvalidGid {
        resource,
        value: value.to_owned(),
    };
    let number = value
        .strip_prefix(GID_PREFIX)
        .and_then(|rest| rest.strip_prefix(resource))
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(invalid)?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match number.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(invalid()),
    }
}

macro_rules! gid_type {
    ($(#[$doc:meta])* $name:ident, $resource:literal) => {
        $(#[$doc])*
        ///
        /// Ordered by number. The stored gid is canonical (no leading zeros).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name {
            numeric: u64,
            gid: String,
        }

        impl $name {
            /// The Shopify resource name in the gid.
            pub const RESOURCE: &'static str = $resource;

            #[doc = concat!("Parses `gid://shopify/", $resource, "/<number>` (number > 0).")]
            pub fn parse(gid: &str) -> Result<Self, IdError> {
                parse_gid($resource, gid).map(Self::from_numeric_unchecked)
            }

            /// Builds the id from its number; 0 is not an id.
            pub fn from_numeric(numeric: u64) -> Result<Self, IdError> {
                if numeric == 0 {
                    return Err(IdError::InvalidGid {
                        resource: $resource,
                        value: "0".to_owned(),
                    });
                }
                Ok(Self::from_numeric_unchecked(numeric))
            }

            fn from_numeric_unchecked(numeric: u64) -> Self {
                Self {
                    numeric,
                    gid: format!("{GID_PREFIX}{}/{numeric}", $resource),
                }
            }

            /// The full gid.
            pub fn as_str(&self) -> &str {
                &self.gid
            }

            /// The number (REST id).
            pub fn numeric(&self) -> u64 {
                self.numeric
            }
        }

        string_newtype_impls!($name, IdError);
    };
}

gid_type!(
    /// A Shopify order, `gid://shopify/Order/<n>`.
    OrderId,
    "Order"
);
gid_type!(
    /// An order's line item, `gid://shopify/LineItem/<n>`.
    LineItemId,
    "LineItem"
);
gid_type!(
    /// A product variant, `gid://shopify/ProductVariant/<n>`.
    VariantId,
    "ProductVariant"
);
gid_type!(
    /// A product, `gid://shopify/Product/<n>`.
    ProductId,
    "Product"
);
gid_type!(
    /// A customer, `gid://shopify/Customer/<n>`.
    CustomerId,
    "Customer"
);
gid_type!(
    /// A fulfillment, `gid://shopify/Fulfillment/<n>`.
    FulfillmentId,
    "Fulfillment"
);
gid_type!(
    /// A fulfillment order, `gid://shopify/FulfillmentOrder/<n>`.
    FulfillmentOrderId,
    "FulfillmentOrder"
);

gid_type!(
    /// An app subscription (the Order add-on's recurring charge), `gid://shopify/AppSubscription/<n>`.
    AppSubscriptionId,
    "AppSubscription"
);

/// Trims and checks 1..=max characters.
fn bounded_text(value: &str, max_chars: usize) -> Option<String> {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    (1..=max_chars).contains(&chars).then(|| trimmed.to_owned())
}

/// An order's name as the merchant sees it, e.g. "#1001" or "EU-1001":
/// trimmed, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderName(String);

impl OrderName {
    /// Trims and validates.
    pub fn parse(name: &str) -> Result<Self, IdError> {
        bounded_text(name, 64)
            .map(Self)
            .ok_or_else(|| IdError::InvalidOrderName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(OrderName, IdError);

/// A stock keeping unit: trimmed, 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    /// Trims and validates.
    pub fn parse(sku: &str) -> Result<Self, IdError> {
        bounded_text(sku, 255)
            .map(Self)
            .ok_or_else(|| IdError::InvalidSku(sku.to_owned()))
    }

    /// The SKU.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(Sku, IdError);

#[cfg(test)]
mod tests;
