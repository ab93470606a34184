//! Scenario `push`: automated pushes under Shopify's rate limit. A destination store with
//! automated push on sells one product of each of `--sources` source stores; `--orders` paid
//! orders per source store are placed on the destination store (as shoppers would, reaching
//! ordersync by webhook), and ordersync pushes each to its source store (`orderCreate`).
//!
//! Every source store's bucket is 2,000 points restoring 100 per second, **emptied when the
//! orders start**, so the whole run is paced by the restore rate: the physical limit of a store
//! is its restore rate divided by the points one push costs, measured from the costs the
//! simulator reports for every call made on that store during the run (`orderCreate` and any
//! other call a push makes). The figures come from the simulator's journal (each call's arrival
//! time, cost and outcome) and from the database (when each order was stored, when its push
//! was recorded created).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use chrono::{DateTime, Utc};
use shopify_sim::merchant::place_order;
use shopify_sim::Sim;

use crate::env::{BackendKind, Database};
use crate::measure::{self, median, Latencies};
use crate::report::Table;
use crate::sql::Conn;
use crate::world::{self, World, WorldOptions, API_KEY, DESTINATION, THROTTLE};
use crate::{Cli, Runtimes};

/// Options of `push`.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// Orders per source store.
    #[arg(long, default_value_t = 2000)]
    pub orders: usize,
    /// Source stores (each has its own bucket).
    #[arg(long, default_value_t = 1)]
    pub sources: usize,
    /// Orders placed per second on the destination store (all source stores together).
    #[arg(long, default_value_t = 500.0)]
    pub order_rate: f64,
    /// ordersync's `worker_concurrency` (jobs run side by side).
    #[arg(long, default_value_t = 4)]
    pub worker_concurrency: u32,
}

/// Runs `push` `cli.runs` times and prints the figures.
pub fn run(cli: &Cli, args: &PushArgs, rt: &Runtimes) -> Result<()> {
    if args.orders == 0 || args.sources == 0 || args.order_rate <= 0.0 {
        bail!("--orders, --sources and --order-rate must be above 0");
    }
    println!(
        "scenario: push, {} orders per source store, {} source store(s), placed at {}/s, \
         buckets {} points restoring {}/s (empty at the start), worker_concurrency {}",
        args.orders,
        args.sources,
        args.order_rate,
        THROTTLE.maximum_available,
        THROTTLE.restore_rate,
        args.worker_concurrency
    );
    let mut table = Table::new(&[
        ("pushes/s", 2),
        ("limit/s", 2),
        ("pct_of_limit", 1),
        ("points/push", 2),
        ("throttled_pct", 2),
        ("calls", 0),
        ("store_min/s", 2),
        ("store_median/s", 2),
        ("store_max/s", 2),
        ("p50_s", 2),
        ("p99_s", 2),
        ("errors", 0),
        ("server_cpu_s", 2),
        ("sim_cpu_s", 2),
        ("postgres_cpu_s", 2),
        ("peak_rss_mib", 1),
    ]);
    let mut failures = Vec::new();
    for i in 0..cli.runs.max(1) {
        let db = rt.server.block_on(Database::fresh(
            cli.backend,
            cli.dir.as_deref(),
            &cli.postgres_url,
            "push",
        ))?;
        if i == 0 {
            println!("database: {}", db.location);
        }
        let outcome = one_run(cli, args, rt, &db, i);
        rt.server.block_on(db.remove());
        let (values, problem) = outcome?;
        table.run(&format!("run {}", i + 1), values);
        if let Some(problem) = problem {
            println!("run {}: CHECK FAILED: {problem}", i + 1);
            failures.push(problem);
        }
    }
    table.summary();
    if !failures.is_empty() {
        bail!(
            "{} run(s) failed the check: {}",
            failures.len(),
            failures.join("; ")
        );
    }
    Ok(())
}

/// The journal's latest sequence number: what a run reads after.
pub fn journal_mark(sim: &Sim) -> u64 {
    let calls = sim.journal().calls(None, 0).last().map_or(0, |c| c.seq);
    let attempts = sim.journal().attempts(None, 0).last().map_or(0, |a| a.seq);
    calls.max(attempts)
}

/// Places `total` orders on the destination store at `rate` per second, the `k`-th for the
/// source store `k % sources`.
pub async fn place_orders(sim: &Sim, total: usize, sources: usize, rate: f64) -> Result<()> {
    let start = tokio::time::Instant::now();
    for k in 0..total {
        tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / rate)).await;
        let order = world::checkout(k, &world::sku(k % sources));
        sim.mutate(|w| place_order(w, DESTINATION, order))
            .map_err(|e| anyhow!("checkout {k}: {e}"))?;
    }
    Ok(())
}

/// Waits until `total` pushes are Pushed; fails when none more was pushed for `stall`.
pub async fn wait_pushed(db: &Database, total: usize, stall: Duration) -> Result<()> {
    let mut conn = Conn::open(db).await?;
    let mut last = (0, Instant::now());
    loop {
        let pushed = conn
            .scalar("SELECT COUNT(*) FROM pushes WHERE status = 'pushed'", None)
            .await?;
        if usize::try_from(pushed).unwrap_or(0) >= total {
            conn.close().await;
            return Ok(());
        }
        if pushed != last.0 {
            last = (pushed, Instant::now());
        } else if last.1.elapsed() > stall {
            conn.close().await;
            bail!("{pushed} of {total} orders pushed, none more for {stall:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the journal says about one source store's calls during the run.
#[derive(Debug, Default, Clone)]
struct StoreCalls {
    calls: u64,
    pushes: u64,
    throttled: u64,
    errors: u64,
    points: u64,
    last_push: Option<DateTime<Utc>>,
}

type RunFigures = (Vec<f64>, Option<String>);

fn one_run(
    cli: &Cli,
    args: &PushArgs,
    rt: &Runtimes,
    db: &Database,
    index: usize,
) -> Result<RunFigures> {
    let total = args.orders * args.sources;
    let world = World::build(
        rt,
        db,
        WorldOptions {
            sources: args.sources,
            units: i64::try_from(args.orders).unwrap_or(i64::MAX / 2) + 10,
            worker_concurrency: args.worker_concurrency,
        },
    )?;
    let outcome = measure_run(cli, args, rt, db, &world, total, index);
    world.stop(rt);
    outcome
}

fn measure_run(
    cli: &Cli,
    args: &PushArgs,
    rt: &Runtimes,
    db: &Database,
    world: &World,
    total: usize,
    index: usize,
) -> Result<RunFigures> {
    let mark = journal_mark(&world.sim);
    for source in &world.sources {
        world
            .sim
            .buckets()
            .set_available(source, API_KEY, THROTTLE, 0.0);
    }
    measure::reset_peak_rss();
    let cpu_before = measure::process_cpu();
    let sim_before = measure::threads_cpu("loadgen");
    let pg_before = pg_cpu(cli);
    let t0 = Utc::now();
    rt.client.block_on(async {
        place_orders(&world.sim, total, args.sources, args.order_rate).await?;
        wait_pushed(db, total, Duration::from_secs(60)).await
    })?;
    let cpu = measure::process_cpu() - cpu_before;
    let sim_cpu = measure::threads_cpu("loadgen") - sim_before;
    let pg_cpu = pg_cpu(cli) - pg_before;
    let peak = measure::peak_rss_mib();

    // The journal: every call on a source store by the app since the bucket was emptied.
    let mut stores: BTreeMap<String, StoreCalls> = world
        .sources
        .iter()
        .map(|s| (s.clone(), StoreCalls::default()))
        .collect();
    for call in world.sim.journal().calls(None, mark) {
        if call.app.as_deref() != Some(API_KEY) {
            continue;
        }
        let Some(s) = stores.get_mut(&call.shop) else {
            continue;
        };
        s.calls += 1;
        s.points += u64::from(call.actual_cost.unwrap_or(0));
        match call.outcome.as_str() {
            "throttled" => s.throttled += 1,
            "ok" if call.root_fields.iter().any(|f| f == "orderCreate") => {
                s.pushes += 1;
                s.last_push = s.last_push.max(Some(call.at));
            }
            "ok" => {}
            _ => s.errors += 1,
        }
    }
    let secs = |until: Option<DateTime<Utc>>| {
        until.map_or(0.0, |t| {
            (t - t0).num_microseconds().unwrap_or(0) as f64 / 1e6
        })
    };
    let per_store_rate: Vec<f64> = stores
        .values()
        .map(|s| s.pushes as f64 / secs(s.last_push).max(1e-9))
        .collect();
    let all = stores
        .values()
        .fold(StoreCalls::default(), |a, s| StoreCalls {
            calls: a.calls + s.calls,
            pushes: a.pushes + s.pushes,
            throttled: a.throttled + s.throttled,
            errors: a.errors + s.errors,
            points: a.points + s.points,
            last_push: a.last_push.max(s.last_push),
        });
    let points_per_push = all.points as f64 / (all.pushes.max(1)) as f64;
    let limit_per_store = THROTTLE.restore_rate / points_per_push.max(1e-9);
    let limit = limit_per_store * args.sources as f64;
    let rate = all.pushes as f64 / secs(all.last_push).max(1e-9);

    // The database: latencies, and that every order was pushed once.
    let check = rt.client.block_on(check_database(db))?;
    // The source stores: one order per destination order, each with its own ordersync tag.
    let (source_orders, distinct_tags) = world.sim.read(|w| {
        let mut tags = HashSet::new();
        let mut orders = 0usize;
        for source in &world.sources {
            for order in w.shop(source).into_iter().flat_map(|s| s.orders.values()) {
                orders += 1;
                if let Some(tag) = order.tags.iter().find(|t| t.starts_with("ordersync-")) {
                    tags.insert(tag.clone());
                }
            }
        }
        (orders, tags.len())
    });
    println!(
        "run {}: {} orders placed, {} pushed, {} push_created entries for {} pushes, {} source orders with {} distinct ordersync tags, {} orderCreate answered ok",
        index + 1,
        total,
        check.pushed,
        check.created_entries,
        check.created_pushes,
        source_orders,
        distinct_tags,
        all.pushes
    );
    let mut latencies = check.latencies;
    let errors = all.errors + check.failed + check.dead;
    let values = vec![
        rate,
        limit,
        100.0 * rate / limit.max(1e-9),
        points_per_push,
        100.0 * all.throttled as f64 / (all.calls.max(1)) as f64,
        all.calls as f64,
        per_store_rate.iter().copied().fold(f64::INFINITY, f64::min),
        median(&per_store_rate),
        per_store_rate.iter().copied().fold(0.0, f64::max),
        latencies.quantile_ms(0.50) / 1000.0,
        latencies.quantile_ms(0.99) / 1000.0,
        errors as f64,
        cpu - sim_cpu,
        sim_cpu,
        pg_cpu,
        peak,
    ];
    let mut problems = Vec::new();
    for (what, n) in [
        ("pushed", check.pushed),
        ("push_created entries", check.created_entries),
        ("pushes with a push_created entry", check.created_pushes),
        ("source orders", source_orders as u64),
        ("distinct ordersync tags", distinct_tags as u64),
        ("orderCreate answered ok", all.pushes),
    ] {
        if n != total as u64 {
            problems.push(format!("{n} {what} for {total} orders"));
        }
    }
    if errors > 0 {
        problems.push(format!(
            "{} failed calls, {} failed pushes, {} dead jobs",
            all.errors, check.failed, check.dead
        ));
    }
    Ok((values, (!problems.is_empty()).then(|| problems.join(", "))))
}

fn pg_cpu(cli: &Cli) -> f64 {
    match cli.backend {
        BackendKind::Postgres => measure::processes_cpu("postgres"),
        BackendKind::Sqlite => 0.0,
    }
}

struct Checked {
    pushed: u64,
    created_entries: u64,
    created_pushes: u64,
    failed: u64,
    dead: u64,
    latencies: Latencies,
}

async fn check_database(db: &Database) -> Result<Checked> {
    let mut conn = Conn::open(db).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let pushed = count(
        conn.scalar("SELECT COUNT(*) FROM pushes WHERE status = 'pushed'", None)
            .await?,
    );
    let failed = count(
        conn.scalar("SELECT COUNT(*) FROM pushes WHERE status = 'failed'", None)
            .await?,
    );
    let created_entries = count(
        conn.scalar(
            "SELECT COUNT(*) FROM order_events WHERE kind = 'push_created'",
            None,
        )
        .await?,
    );
    let created_pushes = count(
        conn.scalar(
            "SELECT COUNT(DISTINCT push_id) FROM order_events WHERE kind = 'push_created'",
            None,
        )
        .await?,
    );
    let dead = count(
        conn.scalar("SELECT COUNT(*) FROM jobs WHERE state = 'dead'", None)
            .await?,
    );
    let mut latencies = Latencies::default();
    for ms in conn
        .integers(
            "SELECT e.at - o.ingested_at FROM order_events e \
             JOIN destination_orders o ON o.id = e.order_id WHERE e.kind = 'push_created'",
        )
        .await?
    {
        latencies.record(Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
    }
    conn.close().await;
    Ok(Checked {
        pushed,
        created_entries,
        created_pushes,
        failed,
        dead,
        latencies,
    })
}
