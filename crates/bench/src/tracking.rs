//! Scenario `tracking`: tracking propagation. `--fulfillments` orders spread over `--sources`
//! source stores are pushed first (as in `push`, automated push on), the queue is left to go
//! idle and every bucket is refilled (as after an idle spell), then each pushed source order is
//! fulfilled with its own tracking number, one at a time at `--rate` per second (open loop), as
//! its supplier would in Shopify's admin. Measured for each: from the simulator **starting to
//! send** the source store's `fulfillments/create` webhook to the simulator **receiving** the
//! destination store's `fulfillmentCreate` carrying that tracking number (both times from the
//! simulator's journal, one clock). No latency is added in the simulator. The defaults (80 at
//! 20/s over 5 source stores) stay within the full buckets, so no call waits for the rate limit.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use chrono::{DateTime, Utc};
use shopify_sim::merchant::{fulfill, Fulfill};
use shopify_sim::state::TrackingInfo;
use shopify_sim::Sim;

use crate::env::{BackendKind, Database};
use crate::measure::{self, Latencies};
use crate::push::{journal_mark, place_orders, wait_pushed};
use crate::report::Table;
use crate::sql::Conn;
use crate::world::{World, WorldOptions, API_KEY, DESTINATION, THROTTLE};
use crate::{Cli, Runtimes};

/// Options of `tracking`.
#[derive(Debug, clap::Args)]
pub struct TrackingArgs {
    /// Fulfillments (one per pushed order). The default stays within the full buckets of the
    /// destination store and the source stores, so that no call waits for the rate limit.
    #[arg(long, default_value_t = 80)]
    pub fulfillments: usize,
    /// Fulfillments per second (open loop).
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Source stores the orders are spread across (each fulfillment costs its source store's
    /// bucket the points of one order read).
    #[arg(long, default_value_t = 5)]
    pub sources: usize,
    /// ordersync's `worker_concurrency`.
    #[arg(long, default_value_t = 4)]
    pub worker_concurrency: u32,
}

/// Runs `tracking` `cli.runs` times and prints the figures.
pub fn run(cli: &Cli, args: &TrackingArgs, rt: &Runtimes) -> Result<()> {
    if args.fulfillments == 0 || args.sources == 0 || args.rate <= 0.0 {
        bail!("--fulfillments, --sources and --rate must be above 0");
    }
    println!(
        "scenario: tracking, {} fulfillments at {}/s across {} source store(s), worker_concurrency {}",
        args.fulfillments, args.rate, args.sources, args.worker_concurrency
    );
    let mut table = Table::new(&[
        ("p50_ms", 1),
        ("p99_ms", 1),
        ("max_ms", 1),
        ("arrived", 0),
        ("throttled", 0),
        ("errors", 0),
        ("server_cpu_s", 2),
        ("sim_cpu_s", 2),
        ("postgres_cpu_s", 2),
    ]);
    let mut failures = Vec::new();
    for i in 0..cli.runs.max(1) {
        let db = rt.server.block_on(Database::fresh(
            cli.backend,
            cli.dir.as_deref(),
            &cli.postgres_url,
            "tracking",
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

type RunFigures = (Vec<f64>, Option<String>);

fn one_run(
    cli: &Cli,
    args: &TrackingArgs,
    rt: &Runtimes,
    db: &Database,
    index: usize,
) -> Result<RunFigures> {
    let world = World::build(
        rt,
        db,
        WorldOptions {
            sources: args.sources,
            units: i64::try_from(args.fulfillments).unwrap_or(i64::MAX / 2) + 10,
            worker_concurrency: args.worker_concurrency,
        },
    )?;
    let outcome = measure_run(cli, args, rt, db, &world, index);
    world.stop(rt);
    outcome
}

/// One shipment sent: where, its fulfillment id and tracking number.
struct Shipment {
    shop: String,
    fulfillment: u64,
    number: String,
}

fn measure_run(
    cli: &Cli,
    args: &TrackingArgs,
    rt: &Runtimes,
    db: &Database,
    world: &World,
    index: usize,
) -> Result<RunFigures> {
    let n = args.fulfillments;
    rt.client.block_on(async {
        place_orders(&world.sim, n, args.sources, 200.0).await?;
        wait_pushed(db, n, Duration::from_secs(60)).await?;
        wait_idle(&world.sim, db).await
    })?;
    // The pushed orders on the source stores.
    let targets: Vec<(String, u64)> = world.sim.read(|w| {
        world
            .sources
            .iter()
            .flat_map(|source| {
                w.shop(source)
                    .into_iter()
                    .flat_map(|s| s.orders.values())
                    .filter(|o| o.tags.iter().any(|t| t.starts_with("ordersync-")))
                    .map(|o| (source.clone(), o.id))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    if targets.len() != n {
        bail!("{} source orders for {n} pushes", targets.len());
    }
    // Buckets full, as after an idle spell (the pushes used the sources' points).
    for shop in world
        .sources
        .iter()
        .map(String::as_str)
        .chain([DESTINATION])
    {
        world
            .sim
            .buckets()
            .set_available(shop, API_KEY, THROTTLE, THROTTLE.maximum_available);
    }
    let mark = journal_mark(&world.sim);
    let run_tag = format!("{}{index}", rand::random::<u16>());
    let cpu_before = measure::process_cpu();
    let sim_before = measure::threads_cpu("loadgen");
    let pg_before = pg_cpu(cli);
    let shipments = rt.client.block_on(async {
        let start = tokio::time::Instant::now();
        let mut shipments = Vec::with_capacity(n);
        for (k, (shop, order)) in targets.iter().enumerate() {
            tokio::time::sleep_until(start + Duration::from_secs_f64(k as f64 / args.rate)).await;
            let number = format!("1ZBENCH{run_tag}T{k:06}");
            let tracking = vec![TrackingInfo {
                company: Some("UPS".into()),
                number: Some(number.clone()),
                url: None,
            }];
            let fulfillment = world
                .sim
                .mutate(|w| {
                    fulfill(
                        w,
                        shop,
                        *order,
                        Fulfill {
                            lines: Vec::new(),
                            tracking,
                            notify_customer: false,
                        },
                    )
                })
                .map_err(|e| anyhow!("fulfilling order {order} at {shop}: {e}"))?;
            shipments.push(Shipment {
                shop: shop.clone(),
                fulfillment,
                number,
            });
        }
        wait_arrived(&world.sim, &shipments, Duration::from_secs(30)).await;
        // The simulator journals a call once it has answered it, a moment after the shipment
        // it made is visible: wait for the journal too before reading it.
        wait_journaled(&world.sim, mark, shipments.len(), Duration::from_secs(5)).await;
        Ok::<_, anyhow::Error>(shipments)
    })?;
    let cpu = measure::process_cpu() - cpu_before;
    let sim_cpu = measure::threads_cpu("loadgen") - sim_before;
    let pg_cpu = pg_cpu(cli) - pg_before;

    // Send times of the first attempt of each source store's fulfillments/create.
    let sent: HashMap<(String, u64), DateTime<Utc>> = world
        .sim
        .journal()
        .attempts(None, mark)
        .into_iter()
        .filter(|a| a.topic == "fulfillments/create" && a.attempt == 1 && a.app == API_KEY)
        .filter_map(|a| {
            a.resource_id
                .map(|id| ((a.shop.to_ascii_lowercase(), id), a.at))
        })
        .collect();
    // Arrival of the destination's fulfillmentCreate calls, with their variables.
    let creates: Vec<(DateTime<Utc>, String)> = world
        .sim
        .journal()
        .calls(Some(DESTINATION), mark)
        .into_iter()
        .filter(|c| {
            c.app.as_deref() == Some(API_KEY)
                && c.outcome == "ok"
                && c.root_fields.iter().any(|f| f == "fulfillmentCreate")
        })
        .map(|c| (c.at, c.variables.to_string()))
        .collect();
    let calls = world.sim.journal().calls(None, mark);
    print_calls(index, n, &calls);
    let failed: Vec<String> = calls
        .iter()
        .filter(|c| {
            c.app.as_deref() == Some(API_KEY) && !matches!(c.outcome.as_str(), "ok" | "throttled")
        })
        .map(|c| format!("{} {:?}: {}", c.shop, c.root_fields, c.outcome))
        .collect();
    if !failed.is_empty() {
        println!("run {}: failed calls: {failed:?}", index + 1);
    }
    let throttled = calls
        .iter()
        .filter(|c| c.app.as_deref() == Some(API_KEY) && c.outcome == "throttled")
        .count();
    let errors = failed.len() + rt.client.block_on(dead_jobs(db))?;
    let on_destination = tracking_on_destination(&world.sim);
    let mut latencies = Latencies::default();
    let mut arrived = 0usize;
    let mut problems = Vec::new();
    let mut slowest = Vec::new();
    for (k, s) in shipments.iter().enumerate() {
        let copies = on_destination.get(&s.number).copied().unwrap_or(0);
        if copies == 1 {
            arrived += 1;
        } else {
            problems.push(format!("{} arrived {copies} times", s.number));
            continue;
        }
        let sent_at = sent.get(&(s.shop.clone(), s.fulfillment));
        let created_at = creates
            .iter()
            .filter(|(_, vars)| vars.contains(&s.number))
            .map(|(at, _)| *at)
            .min();
        match (sent_at, created_at) {
            (Some(sent), Some(created)) => {
                let took = (created - *sent).to_std().unwrap_or(Duration::ZERO);
                slowest.push((took, k));
                latencies.record(took);
            }
            _ => problems.push(format!(
                "{}: no webhook send time or no fulfillmentCreate in the journal",
                s.number
            )),
        }
    }
    slowest.sort_unstable_by(|a, b| b.cmp(a));
    let slowest: Vec<String> = slowest
        .iter()
        .take(3)
        .map(|(took, k)| format!("#{k} {} ms", took.as_millis()))
        .collect();
    println!("run {}: slowest: {}", index + 1, slowest.join(", "));
    let mut deliveries: std::collections::BTreeMap<(&str, String), usize> = Default::default();
    for a in world.sim.journal().attempts(None, mark) {
        let store = if a.shop.eq_ignore_ascii_case(DESTINATION) {
            "destination"
        } else {
            "source"
        };
        *deliveries.entry((store, a.topic.clone())).or_default() += 1;
    }
    let deliveries: Vec<String> = deliveries
        .iter()
        .map(|((store, topic), count)| {
            format!("{store} {topic} {:.2}", *count as f64 / n.max(1) as f64)
        })
        .collect();
    println!(
        "run {}: webhook deliveries per fulfillment: {}",
        index + 1,
        deliveries.join(", ")
    );
    println!(
        "run {}: {} fulfillments sent, {} tracking numbers arrived once on the destination",
        index + 1,
        shipments.len(),
        arrived
    );
    if errors > 0 {
        problems.push(format!("{errors} failed calls or dead jobs"));
    }
    problems.truncate(5);
    let values = vec![
        latencies.quantile_ms(0.50),
        latencies.quantile_ms(0.99),
        latencies.max_ms(),
        arrived as f64,
        throttled as f64,
        errors as f64,
        cpu - sim_cpu,
        sim_cpu,
        pg_cpu,
    ];
    Ok((values, (!problems.is_empty()).then(|| problems.join(", "))))
}

/// The Admin API calls of the run per store (destination, sources together) and root field:
/// how many, points, `THROTTLED` answers; per fulfillment.
fn print_calls(index: usize, fulfillments: usize, calls: &[shopify_sim::journal::ApiCall]) {
    let mut by: std::collections::BTreeMap<(&str, String), (u64, u64, u64, u32)> =
        Default::default();
    for c in calls.iter().filter(|c| c.app.as_deref() == Some(API_KEY)) {
        let store = if c.shop.eq_ignore_ascii_case(DESTINATION) {
            "destination"
        } else {
            "source"
        };
        let e = by.entry((store, c.root_fields.join("+"))).or_default();
        e.0 += 1;
        e.1 += u64::from(c.actual_cost.unwrap_or(0));
        e.2 += u64::from(c.outcome == "throttled");
        e.3 = e.3.max(c.requested_cost.unwrap_or(0));
    }
    let per = fulfillments.max(1) as f64;
    for ((store, fields), (count, points, throttled, requested)) in by {
        println!(
            "run {}: {store} {fields}: {:.2} calls and {:.1} points per fulfillment (requested up to {requested}), {throttled} THROTTLED",
            index + 1,
            count as f64 / per,
            points as f64 / per
        );
    }
}

/// How many times each tracking number is on the destination store's fulfillments.
fn tracking_on_destination(sim: &Sim) -> HashMap<String, usize> {
    sim.read(|w| {
        let mut seen = HashMap::new();
        for f in w
            .shop(DESTINATION)
            .into_iter()
            .flat_map(|s| s.fulfillments.values())
        {
            for t in &f.tracking {
                if let Some(number) = &t.number {
                    *seen.entry(number.clone()).or_insert(0) += 1;
                }
            }
        }
        seen
    })
}

/// Waits until every shipment's tracking number is on the destination store, or nothing new
/// arrived for `stall` (the check then names what is missing).
async fn wait_arrived(sim: &Sim, shipments: &[Shipment], stall: Duration) {
    let mut last = (usize::MAX, Instant::now());
    loop {
        let seen = tracking_on_destination(sim);
        let arrived = shipments
            .iter()
            .filter(|s| seen.contains_key(&s.number))
            .count();
        if arrived == shipments.len() {
            return;
        }
        if arrived != last.0 {
            last = (arrived, Instant::now());
        } else if last.1.elapsed() > stall {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the journal holds `expected` answered `fulfillmentCreate` calls of ordersync on
/// the destination since `mark`, or `patience` passed (the check then names what is missing).
async fn wait_journaled(sim: &Sim, mark: u64, expected: usize, patience: Duration) {
    let started = Instant::now();
    loop {
        let journaled = sim
            .journal()
            .calls(Some(DESTINATION), mark)
            .iter()
            .filter(|c| {
                c.app.as_deref() == Some(API_KEY)
                    && c.outcome == "ok"
                    && c.root_fields.iter().any(|f| f == "fulfillmentCreate")
            })
            .count();
        if journaled >= expected || started.elapsed() > patience {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until no webhook is in flight and no job is due or running: the idle queue the
/// measurement starts from.
async fn wait_idle(sim: &Sim, db: &Database) -> Result<()> {
    let mut conn = Conn::open(db).await?;
    for _ in 0..600 {
        let webhooks_idle = sim.webhooks_idle(Duration::from_millis(100)).await;
        let now = Utc::now().timestamp_millis();
        let busy = conn
            .scalar(
                &format!(
                    "SELECT COUNT(*) FROM jobs WHERE state = 'running' \
                     OR (state = 'queued' AND run_at <= {now})"
                ),
                None,
            )
            .await?;
        if webhooks_idle && busy == 0 {
            conn.close().await;
            // Let the last job's answer settle.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    conn.close().await;
    bail!("the queue never went idle after the pushes")
}

async fn dead_jobs(db: &Database) -> Result<usize> {
    let mut conn = Conn::open(db).await?;
    let dead = conn
        .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'dead'", None)
        .await?;
    conn.close().await;
    Ok(usize::try_from(dead).unwrap_or(0))
}

fn pg_cpu(cli: &Cli) -> f64 {
    match cli.backend {
        BackendKind::Postgres => measure::processes_cpu("postgres"),
        BackendKind::Sqlite => 0.0,
    }
}
