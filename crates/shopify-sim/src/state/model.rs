//! The entities a Shopify store holds, as the simulator keeps them in memory. Field names follow
//! Shopify's Admin API; money is exact (`Decimal`) in the shop's currency.

mod apps;
mod catalog;
mod fulfillment;
mod orders;
mod shop;

pub use apps::*;
pub use catalog::*;
pub use fulfillment::*;
pub use orders::*;
pub use shop::*;
