//! Shops and orders to store in the contract tests.

use ordersync_core::{CurrencyCode, Email, Shop, ShopDomain, ShopName, StoreRole};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Store, UnixMillis};

pub const T0: UnixMillis = UnixMillis(1_767_225_600_000); // 2026-01-01T00:00:00Z

pub fn shop(domain: &str, role: StoreRole) -> Shop {
    Shop {
        domain: ShopDomain::parse(domain).unwrap(),
        name: ShopName::parse(&format!("Shop {domain}")).unwrap(),
        admin_email: Email::parse(&format!("owner@{}", domain)).unwrap(),
        currency: CurrencyCode::parse("USD").unwrap(),
        role,
    }
}

pub async fn destination(store: &Store) -> ShopRecord {
    store
        .upsert_shop(&shop("retail.myshopify.com", StoreRole::Destination), T0)
        .await
        .unwrap()
}

pub async fn source(store: &Store, name: &str) -> ShopRecord {
    store
        .upsert_shop(
            &shop(&format!("{name}.myshopify.com"), StoreRole::Source),
            T0,
        )
        .await
        .unwrap()
}
