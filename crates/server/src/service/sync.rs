//! Connections and synced products (see `docs/connections.md`): a destination store connects to
//! source stores by their connection keys; its synced products are built by matching SKUs across
//! the connected stores' catalogues, read through the Admin API by the `rematch` job, with the
//! merchant's manual links and unlinks taking precedence. Every change that calls for a re-match
//! enqueues it in the same transaction (outbox); one re-match per destination waits at a time.

use std::collections::BTreeMap;

use ordersync_core::{
    match_variants, CatalogVariant, Money, ShopDomain, Sku, SourceCatalog, StoreRole, VariantId,
};
use ordersync_shopify::admin::AdminError;
use ordersync_store::jobs::{Job, NewJob};
use ordersync_store::matching::UnsyncedRecord;
use ordersync_store::shops::ShopRecord;
use ordersync_store::synced::SyncedVariantRecord;
use ordersync_store::webhooks::WebhookReceipt;
use ordersync_store::{Store, StoreError, UnixMillis};

use super::orders::known_domain;
use super::process::{finish, JobRef};
use super::ProcessError;
use crate::auth::{AuthError, AuthService};

/// The job kind that re-matches one destination store's synced products.
pub const REMATCH_JOB_KIND: &str = "rematch";

/// The most variants read from one shop in a re-match.
pub const MAX_CATALOGUE: usize = 50_000;

/// Why a connection or synced-products request was refused or failed. The messages are for the
/// merchant; storage detail is logged, not shown.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Only destination stores connect to sources and have synced products.
    #[error("only a destination store can do this; this store is a source store")]
    NotDestination,
    /// The body lacks a required field or it is malformed.
    #[error("`{field}` {problem}")]
    BadInput {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// No store has this key.
    #[error("no store has this connection key; check it with the source store")]
    UnknownKey,
    /// The key is this store's own.
    #[error("this is this store's own connection key; enter the key of a source store")]
    OwnKey,
    /// The key is a destination store's.
    #[error("this key belongs to a destination store; only source stores can be connected")]
    KeyOfDestination,
    /// The key's store has uninstalled ordersync.
    #[error("the store with this key has uninstalled ordersync")]
    SourceUninstalled,
    /// The path names no source store connected to this one.
    #[error("this store is not connected to that source store")]
    NotConnected,
    /// The path names no variant.
    #[error("`variant_id` must be a product variant id (gid://shopify/ProductVariant/N or N)")]
    NoSuchVariant,
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// What `GET /api/synced-products` shows.
#[derive(Debug)]
pub struct SyncedOverview {
    /// Synced products (at most the limit).
    pub mapped: Vec<SyncedVariantRecord>,
    /// All synced products, counted.
    pub mapped_total: usize,
    /// Unmatched, ambiguous and unlinked variants with reasons (at most the limit).
    pub not_synced: Vec<UnsyncedRecord>,
    /// Whether a re-match is waiting or running.
    pub rematch_pending: bool,
}

/// The re-match job of a destination store; at most one waits per store.
pub fn rematch_job(destination_id: i64, now: UnixMillis) -> NewJob {
    let mut job = NewJob::new(REMATCH_JOB_KIND, serde_json::json!({}), now);
    job.shop_id = Some(destination_id);
    job.dedupe_key = Some(format!("{REMATCH_JOB_KIND}:{destination_id}"));
    job
}

fn require_destination(shop: &ShopRecord) -> Result<(), SyncError> {
    if shop.shop.role == StoreRole::Destination {
        Ok(())
    } else {
        Err(SyncError::NotDestination)
    }
}

/// A variant id from a path or body: a gid or its number.
pub fn parse_variant(text: &str) -> Option<VariantId> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(n) => VariantId::from_numeric(n).ok(),
        Err(_) => VariantId::parse(text).ok(),
    }
}

/// Connects `destination` to the source store whose connection key is `key`, and queues a
/// re-match. Answers the source store.
pub async fn connect(
    store: &Store,
    destination: &ShopRecord,
    key: &str,
    now: UnixMillis,
) -> Result<ShopRecord, SyncError> {
    require_destination(destination)?;
    if key.trim().is_empty() {
        return Err(SyncError::BadInput {
            field: "key",
            problem: "is required".into(),
        });
    }
    let source = store
        .shop_by_connection_key(key)
        .await?
        .ok_or(SyncError::UnknownKey)?;
    if source.id == destination.id {
        return Err(SyncError::OwnKey);
    }
    if source.shop.role != StoreRole::Source {
        return Err(SyncError::KeyOfDestination);
    }
    if !source.installed {
        return Err(SyncError::SourceUninstalled);
    }
    let mut tx = store.begin().await?;
    tx.connect_stores(destination, &source, now).await?;
    tx.enqueue(&rematch_job(destination.id, now), now).await?;
    tx.commit().await?;
    tracing::info!(shop = %destination.shop.domain, source = %source.shop.domain, "connected to a source store");
    Ok(source)
}

/// Whether `key` is the connection key of a source store `destination` is already connected to
/// (connecting again is harmless; the merchant pages say so instead).
pub async fn already_connected(
    store: &Store,
    destination: &ShopRecord,
    key: &str,
) -> Result<Option<ShopRecord>, SyncError> {
    require_destination(destination)?;
    let Some(source) = store.shop_by_connection_key(key.trim()).await? else {
        return Ok(None);
    };
    Ok(store
        .source_stores_of(destination.id)
        .await?
        .into_iter()
        .find(|s| s.id == source.id))
}

async fn connected_source(
    store: &Store,
    destination: &ShopRecord,
    domain: &str,
) -> Result<ShopRecord, SyncError> {
    let domain = ShopDomain::parse(domain).map_err(|_| SyncError::NotConnected)?;
    store
        .source_stores_of(destination.id)
        .await?
        .into_iter()
        .find(|s| s.shop.domain == domain)
        .ok_or(SyncError::NotConnected)
}

/// Disconnects a source store: its synced products and manual links go; a re-match is queued
/// so the remaining variants show why they are not synced.
pub async fn disconnect(
    store: &Store,
    destination: &ShopRecord,
    source_domain: &str,
    now: UnixMillis,
) -> Result<(), SyncError> {
    require_destination(destination)?;
    let source = connected_source(store, destination, source_domain).await?;
    let mut tx = store.begin().await?;
    tx.disconnect_stores(destination.id, source.id).await?;
    tx.enqueue(&rematch_job(destination.id, now), now).await?;
    tx.commit().await?;
    tracing::info!(shop = %destination.shop.domain, source = %source.shop.domain, "disconnected a source store");
    Ok(())
}

/// The stores connected to `shop`: its sources (a destination) or its destinations (a source).
pub async fn connections(store: &Store, shop: &ShopRecord) -> Result<Vec<ShopRecord>, SyncError> {
    Ok(match shop.shop.role {
        StoreRole::Destination => store.source_stores_of(shop.id).await?,
        StoreRole::Source => store.destination_stores_of(shop.id).await?,
    })
}

/// The destination store's synced products and the variants that are not, up to `limit` each.
pub async fn synced_products(
    store: &Store,
    destination: &ShopRecord,
    limit: usize,
) -> Result<SyncedOverview, SyncError> {
    require_destination(destination)?;
    let mut mapped = store.synced_variants(destination.id).await?;
    let mapped_total = mapped.len();
    mapped.truncate(limit);
    let not_synced = store
        .unsynced_variants(destination.id, u32::try_from(limit).unwrap_or(u32::MAX))
        .await?;
    let rematch_pending = store
        .has_job_for_shop(REMATCH_JOB_KIND, destination.id)
        .await?;
    Ok(SyncedOverview {
        mapped,
        mapped_total,
        not_synced,
        rematch_pending,
    })
}

/// Queues a re-match (a no-op while one already waits).
pub async fn request_rematch(
    store: &Store,
    destination: &ShopRecord,
    now: UnixMillis,
) -> Result<(), SyncError> {
    require_destination(destination)?;
    store
        .enqueue(&rematch_job(destination.id, now), now)
        .await?;
    Ok(())
}

/// Links a destination variant to a connected source store's variant by hand (it survives
/// re-matches), and queues a re-match that applies it.
pub async fn link(
    store: &Store,
    destination: &ShopRecord,
    variant: &str,
    source_domain: &str,
    source_variant: &str,
    now: UnixMillis,
) -> Result<(), SyncError> {
    require_destination(destination)?;
    let variant = parse_variant(variant).ok_or(SyncError::NoSuchVariant)?;
    let source_variant = parse_variant(source_variant).ok_or_else(|| SyncError::BadInput {
        field: "source_variant_id",
        problem: "must be a product variant id (gid://shopify/ProductVariant/N or N)".into(),
    })?;
    let source = connected_source(store, destination, source_domain).await?;
    let mut tx = store.begin().await?;
    tx.set_variant_choice(
        destination.id,
        &variant,
        Some((source.id, &source_variant)),
        now,
    )
    .await?;
    tx.enqueue(&rematch_job(destination.id, now), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Unlinks a destination variant: it stops being synced at once and stays unlinked through
/// re-matches until linked again.
pub async fn unlink(
    store: &Store,
    destination: &ShopRecord,
    variant: &str,
    now: UnixMillis,
) -> Result<(), SyncError> {
    require_destination(destination)?;
    let variant = parse_variant(variant).ok_or(SyncError::NoSuchVariant)?;
    let mut tx = store.begin().await?;
    tx.set_variant_choice(destination.id, &variant, None, now)
        .await?;
    tx.enqueue(&rematch_job(destination.id, now), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A products webhook (`products/create`, `products/update`): queues a re-match for every
/// destination store the change may affect (the shop itself if it is a destination, its
/// connected destinations if it is a source), with the receipt's completion. A shop ordersync
/// does not know (or that uninstalled) has nothing to re-match.
pub async fn product_changed(
    store: &Store,
    receipt: &WebhookReceipt,
    job: &JobRef,
    now: UnixMillis,
) -> Result<(), ProcessError> {
    let domain = known_domain(receipt)?;
    let destinations = match store.shop_by_domain(&domain).await? {
        Some(shop) if shop.installed => match shop.shop.role {
            StoreRole::Destination => vec![shop.id],
            StoreRole::Source => store
                .destination_stores_of(shop.id)
                .await?
                .into_iter()
                .filter(|d| d.installed)
                .map(|d| d.id)
                .collect(),
        },
        _ => Vec::new(),
    };
    let mut tx = store.begin().await?;
    for id in destinations {
        tx.enqueue(&rematch_job(id, now), now).await?;
    }
    finish(tx, receipt, job, None, now).await
}

/// Why a re-match did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RematchError {
    /// No usable access token for a shop.
    #[error("access token of {shop}: {source}")]
    Token {
        /// The shop.
        shop: ShopDomain,
        /// Why.
        source: AuthError,
    },
    /// Reading a catalogue failed.
    #[error("{0}")]
    Shopify(#[from] AdminError),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl RematchError {
    /// Whether running the job again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            RematchError::Token { source, .. } => source.is_retryable(),
            RematchError::Shopify(e) => e.is_retryable(),
            RematchError::Store(e) => {
                matches!(e, StoreError::Database(_) | StoreError::LeaseLost(_))
            }
        }
    }
}

async fn catalogue(
    auth: &AuthService,
    shop: &ShopRecord,
    now: UnixMillis,
) -> Result<Vec<CatalogVariant>, RematchError> {
    let token = auth
        .access_token(shop, now)
        .await
        .map_err(|source| RematchError::Token {
            shop: shop.shop.domain.clone(),
            source,
        })?;
    let api = auth.admin().shop(shop.shop.domain.as_str(), token);
    let variants = api.all_variants(MAX_CATALOGUE).await?;
    let mut out = Vec::with_capacity(variants.len());
    for v in variants {
        let Ok(id) = VariantId::parse(&v.id) else {
            tracing::warn!(shop = %shop.shop.domain, id = %v.id, "variant id not understood; skipped");
            continue;
        };
        out.push(CatalogVariant {
            id,
            sku: v.sku.as_deref().and_then(|s| Sku::parse(s).ok()),
            price: Money::new(v.price, shop.shop.currency),
            title: v.display_name,
        });
    }
    Ok(out)
}

/// Runs the `rematch` job: reads the destination's and every connected, installed source's
/// catalogue, matches them, and replaces the stored result and completes the job in one
/// transaction. Running it twice gives the same result.
pub async fn run_rematch(
    store: &Store,
    auth: &AuthService,
    job: &Job,
    owner: &str,
) -> Result<(), RematchError> {
    let now = UnixMillis::now();
    let destination = match job.shop_id {
        Some(id) => store.shop_by_id(id).await?,
        None => None,
    };
    let Some(destination) =
        destination.filter(|d| d.installed && d.shop.role == StoreRole::Destination)
    else {
        // Erased, uninstalled or no longer a destination: nothing to match.
        store.complete_job(job.id, owner).await?;
        return Ok(());
    };
    let started = std::time::Instant::now();
    let own = catalogue(auth, &destination, now).await?;
    let mut sources = Vec::new();
    let mut source_ids = BTreeMap::new();
    for source in store.source_stores_of(destination.id).await? {
        if !source.installed {
            continue;
        }
        sources.push(SourceCatalog {
            shop: source.shop.domain.clone(),
            variants: catalogue(auth, &source, now).await?,
        });
        source_ids.insert(source.shop.domain.clone(), source.id);
    }
    let manual = store.variant_choices(destination.id).await?;
    let outcome = match_variants(&own, &sources, &manual);
    let mut tx = store.begin().await?;
    tx.replace_match(destination.id, &outcome, &source_ids, now)
        .await?;
    tx.complete_job(job.id, owner).await?;
    tx.commit().await?;
    tracing::info!(
        shop = %destination.shop.domain,
        operation = "rematch",
        sources = sources.len(),
        variants = own.len(),
        mapped = outcome.mapped.len(),
        not_synced = outcome.not_synced.len(),
        ms = started.elapsed().as_millis(),
        "synced products re-matched"
    );
    Ok(())
}
