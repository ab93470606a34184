//! Several destination and source stores wired together the way merchants do it: each installed
//! through OAuth with its role set, every source selling two products, every destination selling
//! the products of *every* source (those of a source it is not connected to stay unsynced) and a
//! product of its own, connected by key to its sources, its synced products checked, its Order
//! add-on approved and automated push switched on.
//!
//! Destination `d` (0-based) connects to every source except source `d - 1` (destination 0
//! connects to all), so with 2 destinations and 3 sources the second destination has two sources
//! and two products that cannot be synced.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::Harness;

/// A source (supplier) store.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its domain.
    pub domain: String,
    /// Its name.
    pub name: String,
    /// The SKUs it sells.
    pub skus: Vec<String>,
}

/// A product a destination sells.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its SKU.
    pub sku: String,
    /// Its price.
    pub price: Decimal,
    /// The source it is synced from (index into [`Network::sources`]); `None`: not synced.
    pub source: Option<usize>,
}

/// A destination (retailer) store.
#[derive(Debug, Clone)]
pub struct Destination {
    /// Its domain.
    pub domain: String,
    /// Its name.
    pub name: String,
    /// The sources it is connected to (indices into [`Network::sources`]).
    pub sources: Vec<usize>,
    /// What it sells.
    pub catalog: Vec<Item>,
}

impl Destination {
    /// The synced items of source `s`.
    pub fn synced_from(&self, s: usize) -> Vec<&Item> {
        self.catalog
            .iter()
            .filter(|i| i.source == Some(s))
            .collect()
    }

    /// The items no source supplies.
    pub fn unsynced(&self) -> Vec<&Item> {
        self.catalog.iter().filter(|i| i.source.is_none()).collect()
    }
}

/// The stores of a run.
#[derive(Debug, Clone)]
pub struct Network {
    /// Destination stores.
    pub destinations: Vec<Destination>,
    /// Source stores.
    pub sources: Vec<Source>,
}

impl Network {
    /// The source with this domain.
    pub fn source_index(&self, domain: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.domain == domain)
    }
}

/// Units in stock at every source: orders never run out.
const SOURCE_STOCK: i64 = 1_000_000;

/// Creates, installs and wires `destinations` destination and `sources` source stores; see the
/// module docs.
pub async fn build(h: &Harness, destinations: usize, sources: usize) -> Network {
    assert!(
        destinations >= 1 && sources >= 2,
        "at least 1 destination and 2 sources"
    );
    let sources: Vec<Source> = (1..=sources)
        .map(|n| Source {
            domain: format!("supplier-{n}.myshopify.com"),
            name: format!("Supplier {n}"),
            skus: vec![format!("S{n}-MUG"), format!("S{n}-TEE")],
        })
        .collect();
    for (n, s) in sources.iter().enumerate() {
        h.add_shop(&s.domain, &s.name);
        for (k, sku) in s.skus.iter().enumerate() {
            let price = Decimal::new(600 + 100 * i64::try_from(n + k).unwrap(), 2);
            h.product(
                &s.domain,
                &format!("{} {sku}", s.name),
                sku,
                price,
                SOURCE_STOCK,
            );
        }
        h.install(&s.domain, "source").await;
    }
    let mut dests = Vec::new();
    for d in 0..destinations {
        let domain = format!("retailer-{}.myshopify.com", d + 1);
        let name = format!("Retailer {}", d + 1);
        h.add_shop(&domain, &name);
        let connected: Vec<usize> = (0..sources.len())
            .filter(|s| d == 0 || *s != (d - 1) % sources.len())
            .collect();
        let mut catalog = Vec::new();
        for (n, s) in sources.iter().enumerate() {
            for (k, sku) in s.skus.iter().enumerate() {
                let price = Decimal::new(1250 + 250 * i64::try_from(n + k).unwrap(), 2);
                catalog.push(Item {
                    sku: sku.clone(),
                    price,
                    source: connected.contains(&n).then_some(n),
                });
            }
        }
        catalog.push(Item {
            sku: format!("R{}-GIFT", d + 1),
            price: Decimal::new(1500, 2),
            source: None,
        });
        for item in &catalog {
            h.product(
                &domain,
                &format!("Retail {}", item.sku),
                &item.sku,
                item.price,
                1_000_000,
            );
        }
        h.install(&domain, "destination").await;
        for s in &connected {
            h.connect(&domain, &sources[*s].domain).await;
        }
        let expected = catalog.iter().filter(|i| i.source.is_some()).count();
        let overview = h.wait_synced(&domain, expected).await;
        // Each synced SKU maps to the source that sells it.
        let by_sku: BTreeMap<String, String> = overview["synced"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["sku"].as_str().unwrap().to_owned(),
                    m["source"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for item in catalog.iter().filter(|i| i.source.is_some()) {
            let source = &sources[item.source.unwrap()].domain;
            assert_eq!(
                by_sku.get(&item.sku),
                Some(source),
                "{domain}: {} should be synced from {source}: {overview}",
                item.sku
            );
        }
        h.addon_on(&domain).await;
        h.auto_push(&domain, true).await;
        dests.push(Destination {
            domain,
            name,
            sources: connected,
            catalog,
        });
    }
    Network {
        destinations: dests,
        sources,
    }
}
