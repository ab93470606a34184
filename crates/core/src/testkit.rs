//! Test helpers: ready-made stores, synced products and an order builder, so
//! that each test states only what it is about.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};

use crate::email::Email;
use crate::ids::{LineItemId, OrderId, OrderName, ShopDomain, Sku, VariantId};
use crate::money::{CurrencyCode, Money};
use crate::order::{
    Address, CountryCode, Customer, DestinationOrder, Discount, FinancialStatus, FulfillmentStatus,
    LineItem, OriginalShippingLine,
};
use crate::shop::{Shop, ShopName, StoreRole, SyncedCatalog, SyncedVariant};

/// The destination store's domain.
pub(crate) const DEST: &str = "acme-retail.myshopify.com";
/// A source store with synced variants 101 and 103.
pub(crate) const SUPPLIER_A: &str = "supplier-a.myshopify.com";
/// A source store with synced variant 102.
pub(crate) const SUPPLIER_B: &str = "supplier-b.myshopify.com";

pub(crate) fn usd_code() -> CurrencyCode {
    CurrencyCode::parse("USD").unwrap()
}

pub(crate) fn usd(amount: &str) -> Money {
    Money::parse(amount, "USD").unwrap()
}

pub(crate) fn domain(domain: &str) -> ShopDomain {
    ShopDomain::parse(domain).unwrap()
}

pub(crate) fn variant(n: u64) -> VariantId {
    VariantId::from_numeric(n).unwrap()
}

pub(crate) fn line_id(n: u64) -> LineItemId {
    LineItemId::from_numeric(n).unwrap()
}

pub(crate) fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

pub(crate) fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

pub(crate) fn shop(domain_name: &str, name: &str, role: StoreRole) -> Shop {
    Shop {
        domain: domain(domain_name),
        name: ShopName::parse(name).unwrap(),
        admin_email: email(&format!(
            "owner@{}",
            domain_name.replace(".myshopify.com", ".example")
        )),
        currency: usd_code(),
        role,
    }
}

/// "Acme Retail", the destination store.
pub(crate) fn destination_shop() -> Shop {
    shop(DEST, "Acme Retail", StoreRole::Destination)
}

pub(crate) fn synced(
    dest_variant: u64,
    source: &str,
    source_variant: u64,
    sku: &str,
) -> SyncedVariant {
    SyncedVariant {
        destination_variant: variant(dest_variant),
        source_shop: domain(source),
        source_variant: variant(source_variant),
        sku: Sku::parse(sku).unwrap(),
        source_price: None,
    }
}

/// 101 → supplier A 201 (SKU-101, source price 6.00), 102 → supplier B 202
/// (SKU-102, no source price), 103 → supplier A 203 (SKU-103, 4.00).
pub(crate) fn catalog() -> SyncedCatalog {
    let mut a1 = synced(101, SUPPLIER_A, 201, "SKU-101");
    a1.source_price = Some(usd("6.00"));
    let b = synced(102, SUPPLIER_B, 202, "SKU-102");
    let mut a2 = synced(103, SUPPLIER_A, 203, "SKU-103");
    a2.source_price = Some(usd("4.00"));
    SyncedCatalog::new([a1, b, a2]).unwrap()
}

/// A line item of `quantity` (all still to ship) at `price` USD each.
pub(crate) fn line(id: u64, variant_id: Option<u64>, quantity: u32, price: &str) -> LineItem {
    LineItem {
        id: line_id(id),
        variant: variant_id.map(variant),
        sku: variant_id.map(|v| format!("SKU-{v}")),
        title: format!("Product {id}"),
        variant_title: Some("Default".to_owned()),
        quantity,
        fulfillable_quantity: quantity,
        unit_price: usd(price),
        discounts: vec![Discount {
            code: Some("SAVE10".to_owned()),
            amount: usd("1.00"),
        }],
        requires_shipping: true,
    }
}

pub(crate) fn complete_address() -> Address {
    Address {
        first_name: Some("Jane".to_owned()),
        last_name: Some("Doe".to_owned()),
        company: None,
        address1: Some("1 Main Street".to_owned()),
        address2: Some("Apt 2".to_owned()),
        city: Some("Springfield".to_owned()),
        province: Some("Illinois".to_owned()),
        province_code: Some("IL".to_owned()),
        country: Some("United States".to_owned()),
        country_code: Some(country("US")),
        zip: Some("62701".to_owned()),
        phone: Some("+15555550100".to_owned()),
    }
}

/// Builds destination orders. `OrderBuilder::new()` is a paid, eligible order
/// "#1001" with two synced lines (variant 101 ×2 at 10.00 from supplier A,
/// variant 102 ×1 at 5.00 from supplier B), discount code "SAVE10" and an
/// "Express" shipping line at 9.99.
#[derive(Debug)]
pub(crate) struct OrderBuilder {
    order: DestinationOrder,
}

impl OrderBuilder {
    pub(crate) fn new() -> Self {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
        Self {
            order: DestinationOrder {
                id: OrderId::from_numeric(5001).unwrap(),
                name: OrderName::parse("#1001").unwrap(),
                financial_status: FinancialStatus::Paid,
                fulfillment_status: FulfillmentStatus::Unfulfilled,
                cancelled: false,
                customer: Some(Customer {
                    first_name: Some("Jane".to_owned()),
                    last_name: Some("Doe".to_owned()),
                    email: Some(email("jane.customer@example.com")),
                    phone: None,
                }),
                email: Some(email("jane@example.com")),
                shipping_address: Some(complete_address()),
                billing_address: Some(complete_address()),
                line_items: vec![
                    line(1, Some(101), 2, "10.00"),
                    line(2, Some(102), 1, "5.00"),
                ],
                subtotal: usd("23.00"),
                total: usd("32.99"),
                total_shipping: usd("9.99"),
                discount_codes: vec!["SAVE10".to_owned()],
                shipping_lines: vec![OriginalShippingLine {
                    title: "Express".to_owned(),
                    code: Some("EXPRESS-CODE".to_owned()),
                    price: usd("9.99"),
                }],
                currency: usd_code(),
                created_at: at,
                updated_at: at,
            },
        }
    }

    pub(crate) fn financial_status(mut self, status: FinancialStatus) -> Self {
        self.order.financial_status = status;
        self
    }

    pub(crate) fn cancelled(mut self) -> Self {
        self.order.cancelled = true;
        self
    }

    pub(crate) fn customer(mut self, customer: Option<Customer>) -> Self {
        self.order.customer = customer;
        self
    }

    pub(crate) fn email(mut self, email: Option<Email>) -> Self {
        self.order.email = email;
        self
    }

    pub(crate) fn shipping_address(mut self, address: Option<Address>) -> Self {
        self.order.shipping_address = address;
        self
    }

    /// Changes the shipping address in place.
    pub(crate) fn with_address(mut self, change: impl FnOnce(&mut Address)) -> Self {
        if let Some(address) = self.order.shipping_address.as_mut() {
            change(address);
        }
        self
    }

    pub(crate) fn line_items(mut self, lines: Vec<LineItem>) -> Self {
        self.order.line_items = lines;
        self
    }

    pub(crate) fn total(mut self, total: Money) -> Self {
        self.order.total = total;
        self
    }

    pub(crate) fn build(self) -> DestinationOrder {
        self.order
    }
}

/// A customer with only a name.
pub(crate) fn named_customer(first: Option<&str>, last: Option<&str>) -> Customer {
    Customer {
        first_name: first.map(str::to_owned),
        last_name: last.map(str::to_owned),
        email: None,
        phone: None,
    }
}
