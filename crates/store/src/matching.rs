//! What a re-match of a destination store's synced products needs kept: the merchant's manual
//! choices (link or unlink, which override SKU matching and survive re-matches) and the
//! destination variants the last re-match could not map, with their reasons. The mappings
//! themselves are `synced_variants` rows ([`crate::synced`]).

use std::collections::BTreeMap;

use ordersync_core::{
    ManualChoice, MatchOrigin, MatchOutcome, NotSyncedReason, ShopDomain, Sku, VariantId,
};

use crate::db::{with_pool, with_tx};
use crate::synced::MappingOrigin;
use crate::{Result, Store, StoreError, Tx, UnixMillis};

/// A destination variant the last re-match could not map.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsyncedRecord {
    /// The destination variant.
    pub variant: VariantId,
    /// Its title when matched.
    pub title: String,
    /// Its SKU.
    pub sku: Option<Sku>,
    /// Why it is not synced.
    pub reason: NotSyncedReason,
    /// When the re-match ran.
    pub updated_at: UnixMillis,
}

#[derive(sqlx::FromRow)]
struct UnsyncedRow {
    destination_variant_gid: String,
    title: String,
    sku: Option<String>,
    reason: String,
    updated_at: i64,
}

impl UnsyncedRow {
    fn into_record(self) -> Result<UnsyncedRecord> {
        let corrupt = |e: String| StoreError::corrupt("unsynced variant", e);
        Ok(UnsyncedRecord {
            variant: VariantId::parse(&self.destination_variant_gid)
                .map_err(|e| corrupt(e.to_string()))?,
            title: self.title,
            sku: self
                .sku
                .map(|s| Sku::parse(&s))
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
            reason: serde_json::from_str(&self.reason).map_err(|e| corrupt(e.to_string()))?,
            updated_at: UnixMillis(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ChoiceRow {
    destination_variant_gid: String,
    choice: String,
    source_domain: Option<String>,
    source_variant_gid: Option<String>,
}

impl ChoiceRow {
    fn into_pair(self) -> Result<(VariantId, ManualChoice)> {
        let corrupt = |e: String| StoreError::corrupt("variant choice", e);
        let variant =
            VariantId::parse(&self.destination_variant_gid).map_err(|e| corrupt(e.to_string()))?;
        let choice = match (
            self.choice.as_str(),
            self.source_domain,
            self.source_variant_gid,
        ) {
            ("unlink", _, _) => ManualChoice::Unlink,
            ("link", Some(domain), Some(gid)) => ManualChoice::Link {
                source_shop: ShopDomain::parse(&domain).map_err(|e| corrupt(e.to_string()))?,
                source_variant: VariantId::parse(&gid).map_err(|e| corrupt(e.to_string()))?,
            },
            (other, _, _) => return Err(corrupt(format!("choice `{other}` without its source"))),
        };
        Ok((variant, choice))
    }
}

impl Tx {
    /// Records the merchant's choice for one destination variant: a link to a source store's
    /// variant (`source_shop_id` with the variant) or an unlink. An unlink also removes the
    /// current mapping at once, so the variant stops counting as synced before the re-match.
    pub async fn set_variant_choice(
        &mut self,
        destination_shop_id: i64,
        destination_variant: &VariantId,
        link: Option<(i64, &VariantId)>,
        now: UnixMillis,
    ) -> Result<()> {
        let (choice, source_id, source_gid) = match link {
            Some((id, gid)) => ("link", Some(id), Some(gid.as_str())),
            None => ("unlink", None, None),
        };
        with_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO variant_choices (destination_shop_id, destination_variant_gid, choice, \
                 source_shop_id, source_variant_gid, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (destination_shop_id, destination_variant_gid) DO UPDATE SET \
                 choice = excluded.choice, source_shop_id = excluded.source_shop_id, \
                 source_variant_gid = excluded.source_variant_gid, updated_at = excluded.updated_at",
            )
            .bind(destination_shop_id)
            .bind(destination_variant.as_str())
            .bind(choice)
            .bind(source_id)
            .bind(source_gid)
            .bind(now.0)
            .execute(c)
            .await?;
        });
        if link.is_none() {
            self.remove_synced_variant(destination_shop_id, destination_variant)
                .await?;
        }
        Ok(())
    }

    /// Replaces the destination store's synced products and unsynced variants with a re-match's
    /// outcome. `source_ids` gives the store id of each source domain in the outcome; a mapping
    /// to a store not in it (disconnected meanwhile) is left out.
    pub async fn replace_match(
        &mut self,
        destination_shop_id: i64,
        outcome: &MatchOutcome,
        source_ids: &BTreeMap<ShopDomain, i64>,
        now: UnixMillis,
    ) -> Result<()> {
        with_tx!(self, |c| {
            sqlx::query("DELETE FROM synced_variants WHERE destination_shop_id = $1")
                .bind(destination_shop_id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM unsynced_variants WHERE destination_shop_id = $1")
                .bind(destination_shop_id)
                .execute(&mut *c)
                .await?;
        });
        for m in &outcome.mapped {
            let Some(source_id) = source_ids.get(&m.variant.source_shop) else {
                continue;
            };
            let origin = match m.origin {
                MatchOrigin::Sku => MappingOrigin::SkuMatch,
                MatchOrigin::Manual => MappingOrigin::Manual,
            };
            self.upsert_synced_variant(destination_shop_id, *source_id, &m.variant, origin, now)
                .await?;
        }
        for n in &outcome.not_synced {
            let reason = serde_json::to_string(&n.reason)
                .map_err(|e| StoreError::Invalid(format!("reason: {e}")))?;
            with_tx!(self, |c| {
                sqlx::query(
                    "INSERT INTO unsynced_variants (destination_shop_id, destination_variant_gid, title, sku, \
                     status, reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(destination_shop_id)
                .bind(n.variant.as_str())
                .bind(&n.title)
                .bind(n.sku.as_ref().map(Sku::as_str))
                .bind(n.reason.status())
                .bind(&reason)
                .bind(now.0)
                .execute(c)
                .await?;
            });
        }
        Ok(())
    }

    /// Disconnects a source store: the connection, the synced products and manual links that
    /// depended on it go, in this transaction. Returns whether the connection existed.
    pub async fn disconnect_stores(&mut self, destination_id: i64, source_id: i64) -> Result<bool> {
        let removed = with_tx!(self, |c| {
            for table in ["synced_variants", "variant_choices"] {
                sqlx::query(&format!(
                    "DELETE FROM {table} WHERE destination_shop_id = $1 AND source_shop_id = $2"
                ))
                .bind(destination_id)
                .bind(source_id)
                .execute(&mut *c)
                .await?;
            }
            sqlx::query(
                "DELETE FROM connections WHERE destination_shop_id = $1 AND source_shop_id = $2",
            )
            .bind(destination_id)
            .bind(source_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        Ok(removed > 0)
    }
}

impl Store {
    /// The merchant's manual choices for a destination store.
    pub async fn variant_choices(
        &self,
        destination_shop_id: i64,
    ) -> Result<BTreeMap<VariantId, ManualChoice>> {
        let rows: Vec<ChoiceRow> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT v.destination_variant_gid, v.choice, s.domain AS source_domain, v.source_variant_gid \
                 FROM variant_choices v LEFT JOIN shops s ON s.id = v.source_shop_id \
                 WHERE v.destination_shop_id = $1",
            )
            .bind(destination_shop_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(ChoiceRow::into_pair).collect()
    }

    /// Up to `limit` destination variants the last re-match could not map, by status then SKU.
    pub async fn unsynced_variants(
        &self,
        destination_shop_id: i64,
        limit: u32,
    ) -> Result<Vec<UnsyncedRecord>> {
        let rows: Vec<UnsyncedRow> = with_pool!(self, |c| {
            sqlx::query_as(
                "SELECT destination_variant_gid, title, sku, reason, updated_at FROM unsynced_variants \
                 WHERE destination_shop_id = $1 ORDER BY status, sku, destination_variant_gid LIMIT $2",
            )
            .bind(destination_shop_id)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(UnsyncedRow::into_record).collect()
    }
}
