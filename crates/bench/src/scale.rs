//! Scenario `scale`: a database of many destination orders spread across many destination
//! stores, then the Orders tab's three questions timed through the same service call as
//! `GET /api/orders` (`service::order_views::list_orders`): the first page, a page filtered by
//! status, and a search. Also the bytes stored per order.
//!
//! The orders are Shopify's example `orders/create` body with its ids, number, dates, customer
//! and email varied per order, parsed by ordersync's own payload parser and stored through the
//! store crate's `upsert_order` (raw payload kept, as intake keeps it), in batches of one
//! transaction each, several transactions at once (`--writers`). Eligibility is decided by the
//! domain (no synced products: not eligible); the list status is spread over every status so
//! that filters have something to find.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ordersync_core::{
    evaluate, CurrencyCode, DestinationOrder, Eligibility, Email, OrderListStatus, Shop,
    ShopDomain, ShopName, StoreRole, SyncedCatalog,
};
use ordersync_server::service::order_views::{self, ListParams};
use ordersync_store::orders::{OrderListQuery, OrderUpsert};
use ordersync_store::shops::ShopRecord;
use ordersync_store::{Backend, DatabaseConfig, Store, UnixMillis};
use rand::Rng;
use serde_json::Value;

use crate::env::Database;
use crate::load::ORDER_WEBHOOK;
use crate::measure::Latencies;
use crate::report::Table;
use crate::sql::Conn;
use crate::{Cli, Runtimes};

/// Options of `scale`.
#[derive(Debug, clap::Args)]
pub struct ScaleArgs {
    /// Orders in the database.
    #[arg(long, default_value_t = 1_000_000)]
    pub orders: u64,
    /// Destination stores they are spread across.
    #[arg(long, default_value_t = 1_000)]
    pub stores: u64,
    /// Queries of each kind per run.
    #[arg(long, default_value_t = 300)]
    pub queries: usize,
    /// Orders per insert transaction.
    #[arg(long, default_value_t = 1_000)]
    pub batch: u64,
    /// Insert transactions running at once while filling (default: 1 on SQLite, 4 on
    /// PostgreSQL).
    #[arg(long)]
    pub writers: Option<usize>,
}

const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken",
];
const LAST_NAMES: [&str; 8] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson",
];

/// The list status of the `n`-th order: half not eligible, the rest spread over the push
/// statuses, `failed` rare (2 %) as it should be.
fn status_of(n: u64) -> OrderListStatus {
    match n % 50 {
        0..=24 => OrderListStatus::Ineligible,
        25..=29 => OrderListStatus::NotPushed,
        30..=32 => OrderListStatus::Queued,
        33..=40 => OrderListStatus::Pushed,
        41..=42 => OrderListStatus::PartiallyFulfilled,
        43..=46 => OrderListStatus::Fulfilled,
        47 => OrderListStatus::Cancelled,
        _ => OrderListStatus::Failed,
    }
}

/// The example order as the `k`-th order overall, the `n`-th of its store.
fn order_body(
    template: &Value,
    k: u64,
    n: u64,
    base: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>> {
    let mut v = template.clone();
    let id = 6_000_000_000_000 + k;
    let at = (base + chrono::Duration::seconds(i64::try_from(k).unwrap_or(0)))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let first = FIRST_NAMES[(n % 8) as usize];
    let last = LAST_NAMES[((n / 8) % 8) as usize];
    let email = format!(
        "{}.{}{}@example.com",
        first.to_lowercase(),
        last.to_lowercase(),
        n % 97
    );
    let o = v
        .as_object_mut()
        .context("the example order is not an object")?;
    o.insert("id".into(), id.into());
    o.insert(
        "admin_graphql_api_id".into(),
        format!("gid://shopify/Order/{id}").into(),
    );
    o.insert("name".into(), format!("#{}", 1001 + n).into());
    o.insert("order_number".into(), (1001 + n).into());
    o.insert("number".into(), (1 + n).into());
    o.insert("created_at".into(), at.clone().into());
    o.insert("updated_at".into(), at.clone().into());
    o.insert("processed_at".into(), at.into());
    o.insert("cancelled_at".into(), Value::Null);
    o.insert("cancel_reason".into(), Value::Null);
    o.insert("financial_status".into(), "paid".into());
    o.insert("email".into(), email.clone().into());
    o.insert("contact_email".into(), email.clone().into());
    if let Some(c) = o.get_mut("customer").and_then(Value::as_object_mut) {
        c.insert("first_name".into(), first.into());
        c.insert("last_name".into(), last.into());
        c.insert("email".into(), email.into());
    }
    Ok(serde_json::to_vec(&v)?)
}

async fn make_stores(store: &Store, count: u64) -> Result<Vec<ShopRecord>> {
    let now = UnixMillis::now();
    let mut shops = Vec::new();
    let mut tx = store.begin().await?;
    for i in 0..count {
        let shop = Shop {
            domain: ShopDomain::parse(&format!("retail-{i:05}.myshopify.com"))?,
            name: ShopName::parse(&format!("Retail {i}"))?,
            admin_email: Email::parse(&format!("owner{i}@example.com"))?,
            currency: CurrencyCode::parse("USD")?,
            role: StoreRole::Destination,
        };
        shops.push(tx.upsert_shop(&shop, now).await?);
    }
    tx.commit().await?;
    Ok(shops)
}

/// One generated order, parsed and judged, ready to store.
struct Generated {
    body: Vec<u8>,
    order: DestinationOrder,
    eligibility: Eligibility,
    store: usize,
    status: OrderListStatus,
}

/// Orders `k` to `end` (exclusive), generated and parsed as intake would.
fn generate(
    template: &Value,
    base: chrono::DateTime<chrono::Utc>,
    stores: u64,
    k: u64,
    end: u64,
) -> Result<Vec<Generated>> {
    let catalog = SyncedCatalog::default();
    (k..end)
        .map(|k| {
            let (s, n) = (k % stores, k / stores);
            let body = order_body(template, k, n, base)?;
            let order = ordersync_shopify::payload::parse_order(&body)
                .map_err(|e| anyhow::anyhow!("the generated order does not parse: {e}"))?;
            let eligibility = evaluate(&order, &catalog);
            Ok(Generated {
                body,
                order,
                eligibility,
                store: usize::try_from(s)?,
                status: status_of(n),
            })
        })
        .collect()
}

/// How many transactions fill the database at once: `--writers`, else 1 on SQLite (it has one
/// writer; a second one waiting for the lock behind a long commit and checkpoint can run out of
/// the busy timeout) and 4 on PostgreSQL.
fn writers(store: &Store, args: &ScaleArgs) -> usize {
    args.writers.unwrap_or(match store.backend() {
        Backend::Sqlite => 1,
        Backend::Postgres => 4,
    })
}

/// Fills the database: `writers` tasks each take the next batch of `--batch` orders, generate
/// and parse it (on a blocking thread, while the batch before is being stored), and store it in
/// one transaction through `Tx::upsert_order`, the product's write path.
async fn populate(store: &Store, shops: &[ShopRecord], args: &ScaleArgs) -> Result<Duration> {
    let template: Arc<Value> = Arc::new(serde_json::from_slice(ORDER_WEBHOOK)?);
    let base = chrono::Utc::now() - chrono::Duration::days(400);
    let shops: Arc<Vec<i64>> = Arc::new(shops.iter().map(|s| s.id).collect());
    let started = Instant::now();
    let next_batch = Arc::new(AtomicU64::new(0));
    let stored = Arc::new(AtomicU64::new(0));
    let (total, batch) = (args.orders, args.batch.max(1));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers(store, args).max(1) {
        let (store, template, shops) = (store.clone(), template.clone(), shops.clone());
        let (next_batch, stored) = (next_batch.clone(), stored.clone());
        tasks.spawn(async move {
            // The next batch is generated (on a blocking thread) while this one is stored.
            let claim = || {
                let k = next_batch
                    .fetch_add(1, Ordering::Relaxed)
                    .saturating_mul(batch);
                (k < total).then(|| {
                    let end = (k + batch).min(total);
                    let (template, stores) = (template.clone(), shops.len() as u64);
                    tokio::task::spawn_blocking(move || generate(&template, base, stores, k, end))
                })
            };
            let mut next = claim();
            while let Some(generating) = next {
                let orders = generating.await??;
                next = claim();
                let mut tx = store.begin().await?;
                let now = UnixMillis::now();
                for g in &orders {
                    tx.upsert_order(
                        OrderUpsert {
                            shop_id: shops[g.store],
                            order: &g.order,
                            eligibility: &g.eligibility,
                            list_status: g.status,
                            raw_payload: &g.body,
                            event_at: None,
                        },
                        now,
                    )
                    .await?;
                }
                tx.commit().await?;
                stored.fetch_add(orders.len() as u64, Ordering::Relaxed);
            }
            anyhow::Ok(())
        });
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(15));
    ticker.tick().await;
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(outcome) => outcome??,
                None => break,
            },
            _ = ticker.tick() => {
                let k = stored.load(Ordering::Relaxed);
                println!(
                    "  {k} orders stored ({:.0}/s)",
                    k as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(started.elapsed())
}

/// The query plans of the list query behind the three questions, on one store (PostgreSQL:
/// run, with timings and buffers).
async fn print_plans(store: &Store, shop: &ShopRecord) -> Result<()> {
    let questions = [
        ("first page", OrderListQuery::default()),
        (
            "filtered page (status=failed)",
            OrderListQuery {
                status: Some(OrderListStatus::Failed),
                ..OrderListQuery::default()
            },
        ),
        (
            "search (q=ada)",
            OrderListQuery {
                search: Some("ada".into()),
                ..OrderListQuery::default()
            },
        ),
    ];
    for (what, query) in questions {
        let plan = store.list_orders_plan(shop.id, &query, true).await?;
        println!("plan of the {what}, {}:", shop.shop.domain.as_str());
        for line in plan.lines() {
            println!("  {line}");
        }
    }
    Ok(())
}

/// Runs `scale`: fills one database, then times the queries `cli.runs` times on it.
pub fn run(cli: &Cli, args: &ScaleArgs, rt: &Runtimes) -> Result<()> {
    if args.stores == 0 || args.orders == 0 || args.queries == 0 {
        bail!("--orders, --stores and --queries must be above 0");
    }
    println!(
        "scenario: scale, {} orders across {} destination stores, {} queries of each kind per run",
        args.orders, args.stores, args.queries
    );
    let db = rt.server.block_on(Database::fresh(
        cli.backend,
        cli.dir.as_deref(),
        &cli.postgres_url,
        "scale",
    ))?;
    println!("database: {}", db.location);
    let outcome = rt.server.block_on(measure_scale(cli, args, &db));
    rt.server.block_on(db.remove());
    outcome
}

async fn measure_scale(cli: &Cli, args: &ScaleArgs, db: &Database) -> Result<()> {
    let store = Store::open(&DatabaseConfig::from_url(&db.url)?).await?;
    let shops = make_stores(&store, args.stores).await?;
    let took = populate(&store, &shops, args).await?;
    println!(
        "stored {} orders in {:.1} s ({:.0} orders/s, {} writers)",
        args.orders,
        took.as_secs_f64(),
        args.orders as f64 / took.as_secs_f64(),
        writers(&store, args)
    );
    let mut conn = Conn::open(db).await?;
    let stored = conn
        .scalar("SELECT COUNT(*) FROM destination_orders", None)
        .await?;
    if u64::try_from(stored).unwrap_or(0) != args.orders {
        bail!("{} orders generated but {stored} stored", args.orders);
    }
    let bytes = conn.database_bytes().await?;
    let payload = conn
        .scalar(
            "SELECT CAST(SUM(length(raw_payload)) AS BIGINT) FROM destination_orders",
            None,
        )
        .await?;
    let model = conn
        .scalar(
            "SELECT CAST(SUM(length(model)) AS BIGINT) FROM destination_orders",
            None,
        )
        .await?;
    conn.close().await;
    let per = |b: i64| b as f64 / args.orders as f64;
    println!(
        "stored: {stored} orders; database {:.1} MiB, {:.0} bytes per order (raw payload {:.0}, order model {:.0}, before page/TOAST compression)",
        bytes as f64 / 1_048_576.0,
        per(bytes),
        per(payload),
        per(model)
    );
    let mut table = Table::new(&[
        ("first_p50_ms", 2),
        ("first_p99_ms", 2),
        ("filtered_p50_ms", 2),
        ("filtered_p99_ms", 2),
        ("search_p50_ms", 2),
        ("search_p99_ms", 2),
        ("max_ms", 2),
    ]);
    let mut rng = rand::thread_rng();
    for run in 0..cli.runs.max(1) {
        let mut kinds = [
            Latencies::default(),
            Latencies::default(),
            Latencies::default(),
        ];
        let mut rows = 0usize;
        for _ in 0..args.queries {
            let shop = &shops[rng.gen_range(0..shops.len())];
            let name = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())].to_lowercase();
            let queries = [
                ListParams::default(),
                ListParams {
                    status: Some("failed".into()),
                    ..ListParams::default()
                },
                ListParams {
                    q: Some(name),
                    ..ListParams::default()
                },
            ];
            for (kind, params) in queries.iter().enumerate() {
                let started = Instant::now();
                let page = order_views::list_orders(&store, shop, params)
                    .await
                    .map_err(|e| anyhow::anyhow!("the Orders tab query failed: {e}"))?;
                kinds[kind].record(started.elapsed());
                rows += page.orders.len();
                if kind == 0 && page.orders.is_empty() {
                    bail!("the first page of {} is empty", shop.shop.domain.as_str());
                }
            }
        }
        println!(
            "run {}: load average {} after its queries",
            run + 1,
            crate::report::load_average()
        );
        let max = kinds.iter().map(Latencies::max_ms).fold(0.0, f64::max);
        let [mut first, mut filtered, mut search] = kinds;
        table.run(
            &format!("run {}", run + 1),
            vec![
                first.quantile_ms(0.5),
                first.quantile_ms(0.99),
                filtered.quantile_ms(0.5),
                filtered.quantile_ms(0.99),
                search.quantile_ms(0.5),
                search.quantile_ms(0.99),
                max,
            ],
        );
        if rows == 0 {
            bail!("every query answered nothing");
        }
    }
    table.summary();
    print_plans(&store, &shops[0]).await?;
    store.close().await;
    Ok(())
}
