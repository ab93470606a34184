//! Synced products: the mapping from a destination store's variant to a source store's variant.
//! Only mapped variants count as synced; the domain's [`SyncedCatalog`] is built from these rows.

use ordersync_core::{Money, ShopDomain, Sku, SyncedCatalog, SyncedVariant, VariantId};

use crate::db::{with_pool, with_tx};
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// How a mapping was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingOrigin {
    /// Found by matching SKUs across the connected stores.
    SkuMatch,
    /// Linked by hand by the merchant.
    Manual,
}

impl MappingOrigin {
    fn as_str(self) -> &'static str {
        match self {
            MappingOrigin::SkuMatch => "sku_match",
            MappingOrigin::Manual => "manual",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "sku_match" => Ok(MappingOrigin::SkuMatch),
            "manual" => Ok(MappingOrigin::Manual),
            other => Err(StoreError::corrupt("mapping origin", other)),
        }
    }
}

/// A stored synced product.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedVariantRecord {
    /// The mapping.
    pub variant: SyncedVariant,
    /// How it was made.
    pub origin: MappingOrigin,
    /// Last change.
    pub updated_at: UnixMillis,
}

#[derive(sqlx::FromRow)]
struct SyncedRow {
    destination_variant_gid: String,
    source_domain: String,
    source_variant_gid: String,
    sku: String,
    source_price: Option<String>,
    source_currency: Option<String>,
    origin: String,
    updated_at: i64,
}

impl SyncedRow {
    fn into_record(self) -> Result<SyncedVariantRecord> {
        let corrupt = |e: String| StoreError::corrupt("synced product", e);
        let source_price = match (self.source_price, self.source_currency) {
            (Some(amount), Some(currency)) => {
                Some(Money::parse(&amount, &currency).map_err(|e| corrupt(e.to_string()))?)
            }
            _ => None,
        };
        Ok(SyncedVariantRecord {
            variant: SyncedVariant {
                destination_variant: VariantId::parse(&self.destination_variant_gid)
                    .map_err(|e| corrupt(e.to_string()))?,
                source_shop: ShopDomain::parse(&self.source_domain)
                    .map_err(|e| corrupt(e.to_string()))?,
                source_variant: VariantId::parse(&self.source_variant_gid)
                    .map_err(|e| corrupt(e.to_string()))?,
                sku: Sku::parse(&self.sku).map_err(|e| corrupt(e.to_string()))?,
                source_price,
            },
            origin: MappingOrigin::parse(&self.origin)?,
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

impl Tx {
    /// Records (or replaces) the mapping for one destination variant.
    pub async fn upsert_synced_variant(
        &mut self,
        destination_shop_id: i64,
        source_shop_id: i64,
        variant: &SyncedVariant,
        origin: MappingOrigin,
        now: UnixMillis,
    ) -> Result<()> {
        let price = variant
            .source_price
            .as_ref()
            .map(|m| m.amount().to_string());
        let currency = variant
            .source_price
            .as_ref()
            .map(|m| m.currency().as_str().to_owned());
        with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO synced_variants (destination_shop_id, destination_variant_gid, source_shop_id, \
                 source_variant_gid, sku, source_price, source_currency, origin, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (destination_shop_id, destination_variant_gid) DO UPDATE SET \
                 source_shop_id = excluded.source_shop_id, source_variant_gid = excluded.source_variant_gid, \
                 sku = excluded.sku, source_price = excluded.source_price, source_currency = excluded.source_currency, \
                 origin = excluded.origin, updated_at = excluded.updated_at",
            )
            .bind(destination_shop_id)
            .bind(variant.destination_variant.as_str())
            .bind(source_shop_id)
            .bind(variant.source_variant.as_str())
            .bind(variant.sku.as_str())
            .bind(price)
            .bind(currency)
            .bind(origin.as_str())
            .bind(now.0)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Removes the mapping of one destination variant (unlink). Returns whether it existed.
    pub async fn remove_synced_variant(
        &mut self,
        destination_shop_id: i64,
        destination_variant: &VariantId,
    ) -> Result<bool> {
        let n = with_tx!(self, |c| {
            sqlx::query("DELETE FROM synced_variants WHERE destination_shop_id = $1 AND destination_variant_gid = $2")
                .bind(destination_shop_id)
                .bind(destination_variant.as_str())
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}

impl Store {
    /// Every synced product of a destination store, ordered by SKU.
    pub async fn synced_variants(
        &self,
        destination_shop_id: i64,
    ) -> Result<Vec<SyncedVariantRecord>> {
        let rows: Vec<SyncedRow> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT v.destination_variant_gid, s.domain AS source_domain, v.source_variant_gid, v.sku, \
                 v.source_price, v.source_currency, v.origin, v.updated_at \
                 FROM synced_variants v JOIN shops s ON s.id = v.source_shop_id \
                 WHERE v.destination_shop_id = $1 ORDER BY v.sku, v.destination_variant_gid",
            )
            .bind(destination_shop_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(SyncedRow::into_record).collect()
    }

    /// The destination store's synced catalog, as the domain rules need it.
    pub async fn synced_catalog(&self, destination_shop_id: i64) -> Result<SyncedCatalog> {
        let variants = self.synced_variants(destination_shop_id).await?;
        SyncedCatalog::new(variants.into_iter().map(|r| r.variant))
            .map_err(|e| StoreError::corrupt("synced catalog", e))
    }
}
