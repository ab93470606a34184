//! `shopify-sim`: see the library crate.
fn main() {}
