//! The chaos run: shoppers place orders of every kind in several destination stores while the
//! simulator injects faults (on `orderCreate`, on order webhooks) and ordersync processes are
//! SIGKILLed and started again; then, once ordersync has settled, the simulator's state is
//! checked: every eligible order has exactly one source order on every source store it routes
//! to, with the right lines; no ineligible order produced one; no source order lacks its
//! destination order. [`run`] prints what happened (orders by kind, pushes, source orders, faults
//! that fired by kind, kills and restarts, phase times).
//!
//! The fault schedule, the orders and the kill points come from one seeded RNG (`CHAOS_SEED`,
//! printed at the start); which request a fault lands on still depends on timing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use ordersync_core::{OrderId, PushKey, PushStatus, ShopDomain};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use shopify_sim::faults::{FaultKind, FaultRule};
use shopify_sim::merchant::{fulfill, Fulfill, FulfillLine, OrderLine, Payment, PlaceOrder};
use shopify_sim::state::{FulfillmentStatus, MailingAddress, Order, TrackingInfo};

use super::network::{self, Destination, Network};
use super::Harness;

/// What a chaos run does. [`ChaosPlan::from_env`] reads the overrides; `docs/testing.md`
/// lists them.
#[derive(Debug, Clone)]
pub struct ChaosPlan {
    /// Orders the shoppers place (`CHAOS_ORDERS`, default 500).
    pub orders: usize,
    /// The RNG seed (`CHAOS_SEED`; random when unset, always printed).
    pub seed: u64,
    /// Orders placed per second (`CHAOS_RATE`, default 25).
    pub orders_per_sec: f64,
    /// Destination stores (`CHAOS_DESTINATIONS`, default 2).
    pub destinations: usize,
    /// Source stores (`CHAOS_SOURCES`, default 3).
    pub sources: usize,
    /// SIGKILLs during the run, spread evenly (`CHAOS_KILLS`, default 2).
    pub kills: usize,
    /// After each order, the chance that an `orderCreate` fault is armed (`times: 1`) on a
    /// source store (`CHAOS_API_FAULT_RATE`, default 0.2).
    pub api_fault_rate: f64,
    /// After each order, the chance that a webhook fault is armed on a destination store's
    /// order topic (`CHAOS_WEBHOOK_FAULT_RATE`, default 0.2).
    pub webhook_fault_rate: f64,
    /// Whether `drop` is among the webhook faults (`CHAOS_DROP_WEBHOOKS`, on unless `0`). A
    /// dropped order webhook is only recovered by the destination reconciliation (a periodic job
    /// that lists the store's recent orders), a dropped shipment webhook by push reconciliation.
    pub drop_webhooks: bool,
    /// Whether the fulfillment phase runs (`CHAOS_FULFILLMENT`, on unless `0`): fulfillment and
    /// tracking flow back from source to destination orders; see [`fulfillment_phase`].
    pub fulfillment: bool,
    /// How long ordersync may take to settle after the last order, and after the last shipment
    /// (`CHAOS_SETTLE_SECS`, default 600).
    pub settle_timeout: Duration,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v} is not valid: {e}")),
        _ => default,
    }
}

/// A switch from the environment: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`, else `default`.
fn env_switch(name: &str, default: bool) -> bool {
    match std::env::var(name).as_deref().map(str::trim) {
        Ok("1" | "true" | "yes" | "on") => true,
        Ok("0" | "false" | "no" | "off") => false,
        Ok(other) if !other.is_empty() => panic!("{name}={other} is not valid: use 1 or 0"),
        _ => default,
    }
}

impl ChaosPlan {
    /// The defaults (500 orders, 2 destinations, 3 sources, 2 kills), overridden by the
    /// `CHAOS_*` environment variables.
    pub fn from_env() -> Self {
        let plan = ChaosPlan {
            orders: env_or("CHAOS_ORDERS", 500),
            seed: env_or("CHAOS_SEED", rand::random::<u64>()),
            orders_per_sec: env_or("CHAOS_RATE", 25.0),
            destinations: env_or("CHAOS_DESTINATIONS", 2),
            sources: env_or("CHAOS_SOURCES", 3),
            kills: env_or("CHAOS_KILLS", 2),
            api_fault_rate: env_or("CHAOS_API_FAULT_RATE", 0.2),
            webhook_fault_rate: env_or("CHAOS_WEBHOOK_FAULT_RATE", 0.2),
            drop_webhooks: env_switch("CHAOS_DROP_WEBHOOKS", true),
            fulfillment: env_switch("CHAOS_FULFILLMENT", true),
            settle_timeout: Duration::from_secs(env_or("CHAOS_SETTLE_SECS", 600)),
        };
        assert!(plan.orders >= 1, "CHAOS_ORDERS must be at least 1");
        assert!(plan.orders_per_sec > 0.0, "CHAOS_RATE must be above 0");
        assert!(
            (0.0..=1.0).contains(&plan.api_fault_rate)
                && (0.0..=1.0).contains(&plan.webhook_fault_rate),
            "CHAOS_API_FAULT_RATE and CHAOS_WEBHOOK_FAULT_RATE are between 0 and 1"
        );
        plan
    }
}

/// Units per SKU.
pub type Units = BTreeMap<String, u32>;

/// The kinds of orders shoppers place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Paid, items from two or three source stores.
    EligibleMulti,
    /// Paid, items from one source store (sometimes with an unsynced item as well).
    EligibleSingle,
    /// Placed unpaid, marked paid a little later.
    LaterPaid,
    /// Never paid.
    Unpaid,
    /// Worth $0 (a discount takes off everything, no shipping).
    ZeroValue,
    /// No shipping address.
    MissingAddress,
    /// Only items no source store supplies.
    NoSyncedProduct,
}

impl Kind {
    /// Every kind, with its share of the orders (percent).
    pub const WEIGHTED: [(Kind, u32); 7] = [
        (Kind::EligibleMulti, 30),
        (Kind::EligibleSingle, 30),
        (Kind::LaterPaid, 10),
        (Kind::Unpaid, 8),
        (Kind::ZeroValue, 7),
        (Kind::MissingAddress, 7),
        (Kind::NoSyncedProduct, 8),
    ];

    /// Whether ordersync must push it (once paid, for [`Kind::LaterPaid`]).
    pub fn eligible(self) -> bool {
        matches!(
            self,
            Kind::EligibleMulti | Kind::EligibleSingle | Kind::LaterPaid
        )
    }

    /// The reason code ordersync must give for not pushing it.
    pub fn expected_reason(self) -> Option<&'static str> {
        match self {
            Kind::Unpaid => Some("not_paid"),
            Kind::ZeroValue => Some("zero_value"),
            Kind::MissingAddress => Some("missing_shipping_address"),
            Kind::NoSyncedProduct => Some("no_synced_products"),
            Kind::EligibleMulti | Kind::EligibleSingle | Kind::LaterPaid => None,
        }
    }

    fn pick(rng: &mut StdRng) -> Kind {
        let total: u32 = Self::WEIGHTED.iter().map(|(_, w)| w).sum();
        let mut roll = rng.gen_range(0..total);
        for (kind, weight) in Self::WEIGHTED {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        unreachable!("weights cover the roll")
    }
}

/// An order a shopper placed, and what it must produce.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Its destination (index into [`Network::destinations`]).
    pub dest: usize,
    /// Numeric id in the destination store.
    pub id: u64,
    /// Its name, `#1001`.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// The source orders it must produce: per source (index), SKU → units. Empty for the kinds
    /// that are not eligible.
    pub routes: BTreeMap<usize, Units>,
    /// For [`Kind::LaterPaid`]: marked paid once this many orders were placed.
    pub pay_after: Option<usize>,
}

impl Placed {
    /// `gid://shopify/Order/<id>`.
    pub fn gid(&self) -> String {
        format!("gid://shopify/Order/{}", self.id)
    }

    /// The tag ordersync puts on the source order it creates on source `s` for this order.
    pub fn tag(&self, net: &Network, s: usize) -> String {
        let key = PushKey::new(
            &ShopDomain::parse(&net.destinations[self.dest].domain).unwrap(),
            &OrderId::parse(&self.gid()).unwrap(),
            &ShopDomain::parse(&net.sources[s].domain).unwrap(),
        );
        format!("ordersync-{}", key.as_str())
    }
}

/// The orders API faults land on, with the labels they are counted under.
fn api_faults() -> Vec<FaultKind> {
    vec![
        FaultKind::Status { status: 500 },
        FaultKind::Timeout { ms: 1500 },
        FaultKind::Throttled,
        FaultKind::CommitThenLose,
        FaultKind::Status { status: 502 },
        FaultKind::CommitThenStatus { status: 500 },
        FaultKind::Status { status: 503 },
        FaultKind::CommitThenStatus { status: 502 },
    ]
}

/// A fault's label in the counts, e.g. `status 502`, `commit_then_lose`.
pub fn fault_label(kind: &FaultKind) -> String {
    match kind {
        FaultKind::Latency { .. } => "latency".into(),
        FaultKind::Status { status } => format!("status {status}"),
        FaultKind::ConnectionReset => "connection_reset".into(),
        FaultKind::Timeout { .. } => "timeout".into(),
        FaultKind::Throttled => "throttled".into(),
        FaultKind::CommitThenLose => "commit_then_lose".into(),
        FaultKind::CommitThenStatus { status } => format!("commit_then_status {status}"),
        FaultKind::Drop => "drop".into(),
        FaultKind::Duplicate => "duplicate".into(),
        FaultKind::Delay { .. } => "delay".into(),
        FaultKind::Reorder => "reorder".into(),
    }
}

/// Arms faults with `times: 1`, one pending rule per (shop, operation) at most (the simulator
/// fires every matching rule on one request, so stacked rules would land together).
struct Arming {
    armed: BTreeMap<String, usize>,
    skipped: usize,
}

impl Arming {
    fn new() -> Self {
        Arming {
            armed: BTreeMap::new(),
            skipped: 0,
        }
    }

    /// Arms `fault` on `shop` for every one of `operations`, or on none when one has a rule
    /// pending; answers whether it could.
    fn arm_all(&mut self, h: &Harness, shop: &str, operations: &[&str], fault: FaultKind) -> bool {
        let rules = h.sim.faults().rules();
        let busy = rules.iter().any(|r| {
            r.shop.as_deref() == Some(shop)
                && r.operation
                    .as_deref()
                    .is_some_and(|op| operations.contains(&op))
        });
        if busy {
            self.skipped += 1;
            return false;
        }
        for operation in operations {
            self.arm(h, &[shop], operation, fault.clone());
        }
        true
    }

    /// Arms `fault` on the first of `shops` (in the order given) with no pending rule for
    /// `operation`; answers whether it could.
    fn arm(&mut self, h: &Harness, shops: &[&str], operation: &str, fault: FaultKind) -> bool {
        let pending: BTreeSet<(String, String)> = h
            .sim
            .faults()
            .rules()
            .into_iter()
            .filter_map(|r| Some((r.shop?, r.operation?)))
            .collect();
        let free = shops
            .iter()
            .find(|s| !pending.contains(&((**s).to_owned(), operation.to_owned())));
        let Some(shop) = free else {
            self.skipped += 1;
            return false;
        };
        *self
            .armed
            .entry(format!("{operation} {}", fault_label(&fault)))
            .or_default() += 1;
        h.sim.faults().add(FaultRule {
            id: 0,
            shop: Some((*shop).to_owned()),
            operation: Some(operation.to_owned()),
            fault,
            times: Some(1),
            probability: None,
        });
        true
    }
}

fn address(i: usize) -> MailingAddress {
    MailingAddress {
        first_name: Some("Ada".into()),
        last_name: Some(format!("Shopper{i}")),
        address1: Some(format!("{} Analytical Row", 10 + i)),
        city: Some("Portland".into()),
        country: Some("United States".into()),
        country_code: Some("US".into()),
        province_code: Some("OR".into()),
        zip: Some("97201".into()),
        ..MailingAddress::default()
    }
}

/// A shopper's checkout of `kind` in `dest`, and the source orders it must produce.
fn checkout(
    kind: Kind,
    dest: &Destination,
    i: usize,
    rng: &mut StdRng,
) -> (PlaceOrder, BTreeMap<usize, Units>) {
    let mut lines: Vec<(String, u32, Decimal, Option<usize>)> = Vec::new();
    let mut take_from = |sources: &[usize], rng: &mut StdRng| {
        for s in sources {
            let items = dest.synced_from(*s);
            let n = rng.gen_range(1..=items.len());
            for item in items.choose_multiple(rng, n) {
                lines.push((
                    item.sku.clone(),
                    rng.gen_range(1..=3),
                    item.price,
                    item.source,
                ));
            }
        }
    };
    let multi = match kind {
        Kind::EligibleMulti => true,
        Kind::LaterPaid => rng.gen_bool(0.5),
        _ => false,
    };
    match kind {
        Kind::NoSyncedProduct => {
            let items = dest.unsynced();
            let n = rng.gen_range(1..=items.len().min(2));
            for item in items.choose_multiple(rng, n) {
                lines.push((item.sku.clone(), rng.gen_range(1..=2), item.price, None));
            }
        }
        _ if multi && dest.sources.len() >= 2 => {
            let k = rng.gen_range(2..=dest.sources.len().min(3));
            let chosen: Vec<usize> = dest.sources.choose_multiple(rng, k).copied().collect();
            take_from(&chosen, rng);
        }
        _ => {
            let s = *dest.sources.choose(rng).unwrap();
            take_from(&[s], rng);
        }
    }
    // Now and then an eligible order also carries an item no source supplies.
    if matches!(kind, Kind::EligibleMulti | Kind::EligibleSingle) && rng.gen_bool(0.2) {
        let item = *dest.unsynced().choose(rng).unwrap();
        lines.push((item.sku.clone(), 1, item.price, None));
    }
    let mut routes: BTreeMap<usize, Units> = BTreeMap::new();
    if kind.eligible() {
        for (sku, qty, _, source) in &lines {
            if let Some(s) = source {
                *routes
                    .entry(*s)
                    .or_default()
                    .entry(sku.clone())
                    .or_default() += qty;
            }
        }
    }
    let line_total: Decimal = lines
        .iter()
        .map(|(_, qty, price, _)| *price * Decimal::from(*qty))
        .sum();
    let order = PlaceOrder {
        email: Some(format!("shopper{i}@example.com")),
        phone: None,
        customer: None,
        shipping_address: (kind != Kind::MissingAddress).then(|| address(i)),
        billing_address: None,
        lines: lines
            .iter()
            .map(|(sku, qty, _, _)| OrderLine {
                sku: Some(sku.clone()),
                quantity: *qty,
                ..OrderLine::default()
            })
            .collect(),
        shipping_line: (kind != Kind::ZeroValue).then(|| ("Standard".into(), Decimal::new(499, 2))),
        discount_code: (kind == Kind::ZeroValue).then(|| ("FREE".into(), line_total)),
        payment: match kind {
            Kind::LaterPaid | Kind::Unpaid => Payment::Pending,
            _ => Payment::Paid,
        },
        note: None,
        tags: vec![],
        test: false,
    };
    (order, routes)
}

/// What a run saw, printed at the end.
#[derive(Debug, Default)]
pub struct Counts {
    /// Orders placed, by kind.
    pub placed: BTreeMap<Kind, usize>,
    /// Eligible orders.
    pub eligible: usize,
    /// (order, source store) pairs that must have a source order.
    pub expected_source_orders: usize,
    /// Source orders found in the source stores.
    pub source_orders: usize,
    /// Pushes ordersync holds, by status.
    pub pushes: BTreeMap<String, usize>,
    /// Faults armed, by operation and kind.
    pub armed: BTreeMap<String, usize>,
    /// Faults that fired, by operation and kind (`/_sim/faults/hits`).
    pub fired: BTreeMap<String, usize>,
    /// Faults not armed because one was pending on every candidate.
    pub arming_skipped: usize,
    /// SIGKILLs.
    pub kills: u32,
    /// Restarts.
    pub restarts: u32,
    /// Webhook attempts by outcome (the simulator's journal).
    pub webhook_attempts: BTreeMap<String, usize>,
    /// Phase times, for the log (never asserted).
    pub phases: Vec<(&'static str, Duration)>,
    /// The fulfillment phase's counts, when it ran.
    pub fulfillment: Option<FulfillmentCounts>,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total: usize = self.placed.values().sum();
        writeln!(f, "orders placed: {total}")?;
        for (kind, n) in &self.placed {
            writeln!(f, "  {kind:?}: {n}")?;
        }
        writeln!(f, "eligible orders: {}", self.eligible)?;
        writeln!(
            f,
            "source orders expected: {}, found: {}",
            self.expected_source_orders, self.source_orders
        )?;
        writeln!(f, "pushes by status: {:?}", self.pushes)?;
        writeln!(f, "faults armed: {:?}", self.armed)?;
        writeln!(f, "faults fired (/_sim/faults/hits): {:?}", self.fired)?;
        writeln!(
            f,
            "faults not armed (one pending already): {}",
            self.arming_skipped
        )?;
        writeln!(
            f,
            "webhook attempts by outcome: {:?}",
            self.webhook_attempts
        )?;
        writeln!(f, "SIGKILLs: {}, restarts: {}", self.kills, self.restarts)?;
        if let Some(fc) = &self.fulfillment {
            writeln!(f, "{fc}")?;
        }
        let phases: Vec<String> = self
            .phases
            .iter()
            .map(|(name, d)| format!("{name} {:.1}s", d.as_secs_f64()))
            .collect();
        write!(f, "phases: {}", phases.join(", "))
    }
}

/// The whole run: builds the stores, places the orders under faults and kills, waits for
/// ordersync to settle, checks, runs the fulfillment phase when asked, and answers the counts
/// (also printed). Panics with a clear message (and the processes' logs) when a check fails.
pub async fn run(h: &mut Harness, plan: &ChaosPlan) -> Counts {
    let started = Instant::now();
    let mut counts = Counts::default();
    let mut rng = StdRng::seed_from_u64(plan.seed);
    eprintln!(
        "chaos: seed {} (replay with CHAOS_SEED={}), {} orders at {}/s, {} destinations, {} sources, {} kills, database {}, processes {:?}",
        plan.seed,
        plan.seed,
        plan.orders,
        plan.orders_per_sec,
        plan.destinations,
        plan.sources,
        plan.kills,
        h.config.database.label(),
        h.config.processes,
    );

    let net = network::build(h, plan.destinations, plan.sources).await;
    counts.phases.push(("setup", started.elapsed()));

    let placing = Instant::now();
    let (ledger, arming) = place_orders(h, &net, plan, &mut rng).await;
    counts.arming_skipped = arming.skipped;
    counts.armed = arming.armed;
    counts.phases.push(("placing", placing.elapsed()));

    let settling = Instant::now();
    settle(h, &net, &ledger, plan.settle_timeout).await;
    counts.phases.push(("settling", settling.elapsed()));

    check(h, &net, &ledger, &mut counts).await;

    if plan.fulfillment {
        let phase = Instant::now();
        counts.fulfillment = Some(fulfillment_phase(h, &net, &ledger, plan, &mut rng).await);
        counts.phases.push(("fulfillment", phase.elapsed()));
    }

    for hit in h.fault_hits().await {
        *counts
            .fired
            .entry(format!("{} {}", hit.operation, fault_label(&hit.fault)))
            .or_default() += 1;
    }
    for attempt in h.sim.journal().attempts(None, 0) {
        *counts.webhook_attempts.entry(attempt.outcome).or_default() += 1;
    }
    counts.kills = h.kills;
    counts.restarts = h.restarts;
    counts.phases.push(("total", started.elapsed()));
    eprintln!("chaos: seed {}\n{counts}", plan.seed);
    counts
}

/// Places the orders at the plan's pace, arming faults, paying later-paid orders, killing and
/// restarting processes on the way; then pays what is left, restarts what is down, clears the
/// fault rules and releases webhooks the `reorder` fault still holds.
async fn place_orders(
    h: &mut Harness,
    net: &Network,
    plan: &ChaosPlan,
    rng: &mut StdRng,
) -> (Vec<Placed>, Arming) {
    let mut ledger: Vec<Placed> = Vec::with_capacity(plan.orders);
    let mut arming = Arming::new();
    let api = api_faults();
    let mut webhook_kinds = vec![
        FaultKind::Duplicate,
        FaultKind::Reorder,
        FaultKind::Delay { ms: 0 },
    ];
    if plan.drop_webhooks {
        webhook_kinds.push(FaultKind::Drop);
    }
    let kill_at: Vec<usize> = (1..=plan.kills)
        .map(|k| plan.orders * k / (plan.kills + 1))
        .collect();
    // (process, restart once this many orders were placed)
    let mut down: Vec<(usize, usize)> = Vec::new();
    let (mut api_n, mut hook_n) = (0usize, 0usize);
    let start = Instant::now();
    for i in 0..plan.orders {
        for _ in kill_at.iter().filter(|k| **k == i) {
            let running: Vec<usize> = (0..h.process_count())
                .filter(|p| h.is_running(*p))
                .collect();
            if let Some(p) = running.choose(rng).copied() {
                let (queued, leased, _) = h.store().job_counts().await.unwrap_or_default();
                h.kill(p);
                let back_at = i + rng.gen_range(5..=20);
                eprintln!(
                    "chaos: order {i}: SIGKILL process {p} ({leased} jobs leased, {queued} queued); back after order {back_at}"
                );
                down.push((p, back_at));
            }
        }
        let due: Vec<usize> = down
            .iter()
            .filter(|(_, at)| *at <= i)
            .map(|(p, _)| *p)
            .collect();
        for p in due {
            h.restart(p).await;
            down.retain(|(q, _)| *q != p);
        }

        if rng.gen_bool(plan.api_fault_rate) {
            // The rotation moves on only when the fault was armed, so every kind gets its turn.
            let fault = api[api_n % api.len()].clone();
            let mut shops: Vec<&str> = net.sources.iter().map(|s| s.domain.as_str()).collect();
            shops.shuffle(rng);
            if arming.arm(h, &shops, "orderCreate", fault) {
                api_n += 1;
            }
        }
        let kind = Kind::pick(rng);
        let dest = rng.gen_range(0..net.destinations.len());
        let (order, routes) = checkout(kind, &net.destinations[dest], i, rng);
        if rng.gen_bool(plan.webhook_fault_rate) {
            let fault = match &webhook_kinds[hook_n % webhook_kinds.len()] {
                FaultKind::Delay { .. } => FaultKind::Delay {
                    ms: rng.gen_range(200..3000),
                },
                other => other.clone(),
            };
            if fault == FaultKind::Drop {
                // Every webhook of the order about to be placed: only the destination
                // reconciliation can find it (a lone dropped `orders/create` of a paid order
                // would be made good by its `orders/paid`).
                let topics: &[&str] = if order.payment == Payment::Paid {
                    &["orders/create", "orders/paid"]
                } else {
                    &["orders/create"]
                };
                if arming.arm_all(h, &net.destinations[dest].domain, topics, fault) {
                    hook_n += 1;
                }
            } else {
                let topic = *["orders/create", "orders/paid", "orders/updated"]
                    .choose(rng)
                    .unwrap();
                let mut shops: Vec<&str> =
                    net.destinations.iter().map(|d| d.domain.as_str()).collect();
                shops.shuffle(rng);
                if arming.arm(h, &shops, topic, fault) {
                    hook_n += 1;
                }
            }
        }
        let (id, name) = h.place_order(&net.destinations[dest].domain, order);
        ledger.push(Placed {
            dest,
            id,
            name,
            kind,
            routes,
            pay_after: (kind == Kind::LaterPaid).then(|| i + rng.gen_range(5..=40)),
        });
        for p in ledger.iter_mut().filter(|p| p.pay_after == Some(i)) {
            h.mark_paid(&net.destinations[p.dest].domain, p.id);
            p.pay_after = None;
        }

        let due = start + Duration::from_secs_f64((i + 1) as f64 / plan.orders_per_sec);
        tokio::time::sleep_until(due.into()).await;
    }
    for p in ledger.iter_mut().filter(|p| p.pay_after.is_some()) {
        h.mark_paid(&net.destinations[p.dest].domain, p.id);
        p.pay_after = None;
    }
    for (p, _) in std::mem::take(&mut down) {
        h.restart(p).await;
    }
    release_held_webhooks(h, net, "orders");
    (ledger, arming)
}

/// Clears every fault rule, then makes one delivery per shop (a new product), which releases
/// the deliveries the `reorder` fault still holds for that shop.
fn release_held_webhooks(h: &Harness, net: &Network, round: &str) {
    h.sim.faults().clear(None);
    let shops = net
        .destinations
        .iter()
        .map(|d| d.domain.as_str())
        .chain(net.sources.iter().map(|s| s.domain.as_str()));
    for (n, shop) in shops.enumerate() {
        h.product(
            shop,
            "Flush",
            &format!("FLUSH-{round}-{n}"),
            Decimal::ONE,
            1,
        );
    }
}

/// Every source store's orders, with the source's index.
fn source_orders(h: &Harness, net: &Network) -> Vec<(usize, Order)> {
    h.sim.read(|w| {
        net.sources
            .iter()
            .enumerate()
            .flat_map(|(s, src)| {
                w.shop(&src.domain)
                    .unwrap()
                    .orders
                    .values()
                    .map(move |o| (s, o.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

/// Source orders by their `ordersync-<key>` tag.
fn by_tag(orders: &[(usize, Order)]) -> HashMap<String, Vec<(usize, &Order)>> {
    let mut map: HashMap<String, Vec<(usize, &Order)>> = HashMap::new();
    for (s, o) in orders {
        for t in o.tags.iter().filter(|t| t.starts_with("ordersync-")) {
            map.entry(t.clone()).or_default().push((*s, o));
        }
    }
    map
}

/// One push as ordersync holds it: source domain, status, status reason, source order gid.
type PushView = (String, PushStatus, Option<String>, Option<String>);

/// What ordersync holds about a placed order.
#[derive(Debug, Clone, Default)]
struct View {
    /// Whether it judged the order eligible.
    eligible: bool,
    /// Why not (reason codes).
    reasons: Vec<&'static str>,
    /// Its pushes.
    pushes: Vec<PushView>,
}

/// ordersync's view of a placed order; `None` when it never took the order in.
async fn view_of(
    h: &Harness,
    net: &Network,
    shop_ids: &mut HashMap<usize, i64>,
    p: &Placed,
) -> Option<View> {
    let shop_id = match shop_ids.get(&p.dest) {
        Some(id) => *id,
        None => {
            let domain = ShopDomain::parse(&net.destinations[p.dest].domain).unwrap();
            let id = h.store().shop_by_domain(&domain).await.unwrap().unwrap().id;
            shop_ids.insert(p.dest, id);
            id
        }
    };
    let order = h.store().order_by_gid(shop_id, &p.gid()).await.unwrap()?;
    let pushes = h.store().pushes_for_order(order.id).await.unwrap();
    Some(View {
        eligible: order.eligible,
        reasons: order.ineligible_reasons.iter().map(|r| r.code()).collect(),
        pushes: pushes
            .into_iter()
            .map(|x| {
                (
                    x.source_domain.as_str().to_owned(),
                    x.status,
                    x.status_reason,
                    x.source_order_gid,
                )
            })
            .collect(),
    })
}

/// Waits until every eligible order has its source orders, the simulator has no webhook left to
/// deliver, ordersync took every order in and judged it as its kind says (a later-paid one
/// eligible) and holds every push as Pushed; panics after `timeout` listing what
/// is missing (with ordersync's view of it) and the end of the processes' logs.
async fn settle(h: &Harness, net: &Network, ledger: &[Placed], timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let started = Instant::now();
    let mut report = started;
    let mut shop_ids = HashMap::new();
    loop {
        let orders = source_orders(h, net);
        let tags = by_tag(&orders);
        let missing: Vec<(&Placed, usize)> = ledger
            .iter()
            .flat_map(|p| p.routes.keys().map(move |s| (p, *s)))
            .filter(|(p, s)| !tags.contains_key(&p.tag(net, *s)))
            .collect();
        let mut open = Vec::new();
        if missing.is_empty() && h.sim.webhooks_idle(Duration::ZERO).await {
            for p in ledger {
                let what = format!(
                    "{} {} ({:?})",
                    net.destinations[p.dest].domain, p.name, p.kind
                );
                match view_of(h, net, &mut shop_ids, p).await {
                    None => open.push(format!("{what}: not taken in")),
                    Some(view) if view.eligible != p.kind.eligible() => open.push(format!(
                        "{what}: judged eligible={} {:?}",
                        view.eligible, view.reasons
                    )),
                    Some(view) => {
                        for (source, status, reason, _) in view.pushes {
                            if status != PushStatus::Pushed {
                                open.push(format!(
                                    "{what} → {source}: push {} {}",
                                    status.as_str(),
                                    reason.unwrap_or_default()
                                ));
                            }
                        }
                    }
                }
            }
            if open.is_empty() {
                return;
            }
        }
        if report.elapsed() >= Duration::from_secs(15) {
            report = Instant::now();
            eprintln!(
                "chaos: settling, {:.0}s: {} source orders missing{}",
                started.elapsed().as_secs_f64(),
                missing.len(),
                if missing.is_empty() {
                    format!(", {} orders or pushes not settled", open.len())
                } else {
                    String::new()
                }
            );
        }
        if Instant::now() >= deadline {
            panic!(
                "{}",
                settle_report(h, net, ledger, &missing, &open, &mut shop_ids).await
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn settle_report(
    h: &Harness,
    net: &Network,
    ledger: &[Placed],
    missing: &[(&Placed, usize)],
    open: &[String],
    shop_ids: &mut HashMap<usize, i64>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ordersync did not settle: {} source orders missing, {} orders or pushes not settled in ordersync (of {} orders placed)",
        missing.len(),
        open.len(),
        ledger.len()
    );
    for (p, s) in missing.iter().take(40) {
        let view = match view_of(h, net, shop_ids, p).await {
            None => "ordersync never took the order in".to_owned(),
            Some(view) => match view
                .pushes
                .iter()
                .find(|(source, ..)| *source == net.sources[*s].domain)
            {
                None => "ordersync has no push for it".to_owned(),
                Some((_, status, reason, _)) => format!(
                    "ordersync's push is {} {}",
                    status.as_str(),
                    reason.clone().unwrap_or_default()
                ),
            },
        };
        let _ = writeln!(
            out,
            "  {} {} ({:?}) → {}: no source order; {view}",
            net.destinations[p.dest].domain, p.name, p.kind, net.sources[*s].domain
        );
    }
    for line in open.iter().take(40) {
        let _ = writeln!(out, "  not settled: {line}");
    }
    if let Ok((queued, running, dead)) = h.store().job_counts().await {
        let _ = writeln!(out, "jobs: {queued} queued, {running} running, {dead} dead");
    }
    if let Ok(dead) = h
        .store()
        .jobs_in_state(ordersync_store::jobs::JobState::Dead, 10)
        .await
    {
        for j in dead {
            let _ = writeln!(out, "  dead job {} {}: {:?}", j.id, j.kind, j.last_error);
        }
    }
    let _ = writeln!(
        out,
        "webhooks idle in the simulator: {}",
        h.sim.webhooks_idle(Duration::ZERO).await
    );
    out.push_str(&h.logs_tail(30));
    out
}

/// The checks on the simulator's state after settling; fills `counts`.
async fn check(h: &Harness, net: &Network, ledger: &[Placed], counts: &mut Counts) {
    let orders = source_orders(h, net);
    let tags = by_tag(&orders);
    let mut problems: Vec<String> = Vec::new();
    let mut expected_tags: BTreeSet<String> = BTreeSet::new();
    let mut shop_ids = HashMap::new();
    for p in ledger {
        *counts.placed.entry(p.kind).or_default() += 1;
        let dest = &net.destinations[p.dest];
        let what = format!("{} {} ({:?})", dest.domain, p.name, p.kind);
        if p.kind.eligible() {
            counts.eligible += 1;
            assert!(
                !p.routes.is_empty(),
                "{what}: an eligible order routes to a source"
            );
        }
        let Some(view) = view_of(h, net, &mut shop_ids, p).await else {
            problems.push(format!("{what}: ordersync never took it in"));
            continue;
        };
        if view.eligible != p.kind.eligible() {
            problems.push(format!(
                "{what}: ordersync judged it eligible={} {:?}",
                view.eligible, view.reasons
            ));
        }
        if let Some(code) = p.kind.expected_reason() {
            if !view.reasons.contains(&code) {
                problems.push(format!(
                    "{what}: ordersync's reasons {:?} lack `{code}`",
                    view.reasons
                ));
            }
        }
        let pushes = view.pushes;
        for (s, source) in net.sources.iter().enumerate() {
            let tag = p.tag(net, s);
            let found = tags.get(&tag).map(Vec::as_slice).unwrap_or_default();
            let Some(want) = p.routes.get(&s) else {
                if !found.is_empty() {
                    problems.push(format!(
                        "{what} must not be pushed to {} but has {} source order(s) there",
                        source.domain,
                        found.len()
                    ));
                }
                continue;
            };
            expected_tags.insert(tag.clone());
            counts.expected_source_orders += 1;
            if found.len() != 1 {
                problems.push(format!(
                    "{what} has {} source orders on {} (tag {tag}), not exactly one",
                    found.len(),
                    source.domain
                ));
                continue;
            }
            let (on, o) = found[0];
            if on != s {
                problems.push(format!(
                    "{what}: its source order for {} is on {}",
                    source.domain, net.sources[on].domain
                ));
            }
            let mut got: BTreeMap<String, u32> = BTreeMap::new();
            for l in &o.line_items {
                *got.entry(l.sku.clone().unwrap_or_default()).or_default() += l.quantity;
            }
            if &got != want {
                problems.push(format!(
                    "{what}: source order {} on {} has lines {got:?}, expected {want:?}",
                    o.name, source.domain
                ));
            }
            let order_tag = format!("Order {}", p.name);
            if !o.tags.contains(&order_tag) || !o.tags.contains(&dest.name) {
                problems.push(format!(
                    "{what}: source order {} lacks the tags `{order_tag}` / `{}`: {:?}",
                    o.name, dest.name, o.tags
                ));
            }
            let gid = format!("gid://shopify/Order/{}", o.id);
            let recorded = pushes
                .iter()
                .find(|(d, ..)| *d == source.domain)
                .and_then(|(_, _, _, g)| g.clone());
            if recorded.as_deref() != Some(gid.as_str()) {
                problems.push(format!(
                    "{what}: ordersync recorded source order {recorded:?} for {}, the store has {gid}",
                    source.domain
                ));
            }
        }
        for (_, status, _, _) in &pushes {
            *counts.pushes.entry(status.as_str().to_owned()).or_default() += 1;
        }
    }
    counts.source_orders = orders.len();
    for (s, o) in &orders {
        let known = o.tags.iter().any(|t| expected_tags.contains(t));
        if !known {
            problems.push(format!(
                "source order {} on {} has no destination order (tags {:?})",
                o.name, net.sources[*s].domain, o.tags
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        counts.source_orders, counts.expected_source_orders,
        "every source order is one expected (order, source) pair"
    );
}

/// What the fulfillment phase saw.
#[derive(Debug, Default)]
pub struct FulfillmentCounts {
    /// Fulfillments the suppliers made (partial ones included).
    pub source_fulfillments: usize,
    /// Source orders left unfulfilled.
    pub left_unfulfilled: usize,
    /// Fulfillments found on the destination orders.
    pub destination_fulfillments: usize,
    /// Faults armed, by operation and kind.
    pub armed: BTreeMap<String, usize>,
}

impl std::fmt::Display for FulfillmentCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fulfillment: {} source fulfillments ({} source orders left unfulfilled), {} destination fulfillments; faults armed {:?}",
            self.source_fulfillments, self.left_unfulfilled, self.destination_fulfillments, self.armed
        )
    }
}

/// **The fulfillment phase** (on unless `CHAOS_FULFILLMENT=0`): the suppliers fulfill their source orders with
/// tracking (most in one shipment, some in two, some not yet) while `fulfillmentCreate` on the
/// destination stores fails now and then (the same faults as `orderCreate`) and the source
/// stores' `fulfillments/create` webhooks are duplicated, reordered, delayed or dropped (unless
/// `CHAOS_DROP_WEBHOOKS=0`; recovered by the push reconciliation job); one process is SIGKILLed
/// in the middle. Then it waits until every source fulfillment's tracking number is on a
/// fulfillment of its destination order and the units shipped per SKU match, and checks that
/// nothing was shipped twice.
pub async fn fulfillment_phase(
    h: &mut Harness,
    net: &Network,
    ledger: &[Placed],
    plan: &ChaosPlan,
    rng: &mut StdRng,
) -> FulfillmentCounts {
    let mut fc = FulfillmentCounts::default();
    let mut arming = Arming::new();
    let api = api_faults();
    let mut webhook_kinds = vec![
        FaultKind::Duplicate,
        FaultKind::Reorder,
        FaultKind::Delay { ms: 500 },
    ];
    if plan.drop_webhooks {
        webhook_kinds.push(FaultKind::Drop);
    }
    // Source order → the placed order it serves.
    let mut origin: HashMap<String, usize> = HashMap::new();
    for (n, p) in ledger.iter().enumerate() {
        for s in p.routes.keys() {
            origin.insert(p.tag(net, *s), n);
        }
    }
    let mut work: Vec<(usize, Order)> = source_orders(h, net);
    work.shuffle(rng);
    let kill_at = work.len() / 2;
    let mut killed: Option<usize> = None;
    let mut tracking_n = 0u64;
    let start = Instant::now();
    for (i, (s, o)) in work.iter().enumerate() {
        if i == kill_at && plan.kills > 0 {
            let p = rng.gen_range(0..h.process_count());
            h.kill(p);
            killed = Some(p);
        }
        if i == kill_at + 10 {
            if let Some(p) = killed.take() {
                h.restart(p).await;
            }
        }
        if rng.gen_bool(plan.api_fault_rate) {
            let mut shops: Vec<&str> = net.destinations.iter().map(|d| d.domain.as_str()).collect();
            shops.shuffle(rng);
            arming.arm(h, &shops, "fulfillmentCreate", api[i % api.len()].clone());
        }
        if rng.gen_bool(plan.webhook_fault_rate) {
            let mut shops: Vec<&str> = net.sources.iter().map(|x| x.domain.as_str()).collect();
            shops.shuffle(rng);
            let fault = webhook_kinds[i % webhook_kinds.len()].clone();
            arming.arm(h, &shops, "fulfillments/create", fault);
        }
        let roll = rng.gen_range(0..10);
        let shop = &net.sources[*s].domain;
        let mut ship = |lines: Vec<FulfillLine>| {
            tracking_n += 1;
            let tracking = TrackingInfo {
                company: Some("UPS".into()),
                number: Some(format!("1ZCHAOS{:08}", tracking_n)),
                url: None,
            };
            h.sim
                .mutate(|w| {
                    fulfill(
                        w,
                        shop,
                        o.id,
                        Fulfill {
                            lines,
                            tracking: vec![tracking],
                            notify_customer: false,
                        },
                    )
                })
                .unwrap();
        };
        match roll {
            0 => fc.left_unfulfilled += 1,
            1 | 2 if o.line_items.iter().map(|l| l.quantity).sum::<u32>() >= 2 => {
                // Two shipments: one unit of the first line, then the rest.
                let first = &o.line_items[0];
                ship(vec![FulfillLine {
                    line_item_id: first.id,
                    quantity: 1,
                }]);
                ship(vec![]);
            }
            _ => ship(vec![]),
        }
        let due = start + Duration::from_secs_f64((i + 1) as f64 / plan.orders_per_sec);
        tokio::time::sleep_until(due.into()).await;
    }
    if let Some(p) = killed {
        h.restart(p).await;
    }
    release_held_webhooks(h, net, "fulfillments");

    // Wait until every source fulfillment is on its destination order.
    let deadline = Instant::now() + plan.settle_timeout;
    let waiting = Instant::now();
    let mut report = waiting;
    loop {
        let (missing, shipped, dest_count) = h.sim.read(|w| {
            let mut missing = Vec::new();
            // (placed index) → SKU → units shipped by the sources / on the destination.
            let mut shipped: BTreeMap<usize, (Units, Units)> = BTreeMap::new();
            let mut source_fulfillments = 0;
            for src in &net.sources {
                let shop = w.shop(&src.domain).unwrap();
                for f in shop.fulfillments.values() {
                    if f.status != FulfillmentStatus::Success {
                        continue;
                    }
                    let o = &shop.orders[&f.order_id];
                    let Some(n) = o.tags.iter().find_map(|t| origin.get(t)).copied() else {
                        continue;
                    };
                    source_fulfillments += 1;
                    let p = &ledger[n];
                    let entry = shipped.entry(n).or_default();
                    for fl in &f.line_items {
                        let sku = o
                            .line_items
                            .iter()
                            .find(|l| l.id == fl.line_item_id)
                            .and_then(|l| l.sku.clone())
                            .unwrap_or_default();
                        *entry.0.entry(sku).or_default() += fl.quantity;
                    }
                    let dest_shop = w.shop(&net.destinations[p.dest].domain).unwrap();
                    let numbers: Vec<&str> = f
                        .tracking
                        .iter()
                        .filter_map(|t| t.number.as_deref())
                        .collect();
                    let on_dest = dest_shop.fulfillments.values().any(|df| {
                        df.order_id == p.id
                            && df.status == FulfillmentStatus::Success
                            && numbers.iter().all(|num| {
                                df.tracking.iter().any(|t| t.number.as_deref() == Some(num))
                            })
                    });
                    if !on_dest {
                        missing.push(format!(
                            "{} {} ← {} {} fulfillment {} (tracking {numbers:?})",
                            net.destinations[p.dest].domain, p.name, src.domain, o.name, f.name
                        ));
                    }
                }
            }
            let mut dest_count = 0;
            for (n, (_, on_dest)) in shipped.iter_mut() {
                let p = &ledger[*n];
                let dest_shop = w.shop(&net.destinations[p.dest].domain).unwrap();
                let order = &dest_shop.orders[&p.id];
                for df in dest_shop
                    .fulfillments
                    .values()
                    .filter(|df| df.order_id == p.id && df.status == FulfillmentStatus::Success)
                {
                    dest_count += 1;
                    for fl in &df.line_items {
                        let sku = order
                            .line_items
                            .iter()
                            .find(|l| l.id == fl.line_item_id)
                            .and_then(|l| l.sku.clone())
                            .unwrap_or_default();
                        *on_dest.entry(sku).or_default() += fl.quantity;
                    }
                }
            }
            fc.source_fulfillments = source_fulfillments;
            (missing, shipped, dest_count)
        });
        fc.destination_fulfillments = dest_count;
        if !missing.is_empty() && report.elapsed() >= Duration::from_secs(15) {
            report = Instant::now();
            eprintln!(
                "chaos: fulfillment phase, {:.0}s after the last shipment: {} of {} source fulfillments not on their destination orders yet",
                waiting.elapsed().as_secs_f64(),
                missing.len(),
                fc.source_fulfillments
            );
        }
        if missing.is_empty() {
            let wrong: Vec<String> = shipped
                .iter()
                .filter(|(_, (src, dst))| src != dst)
                .map(|(n, (src, dst))| {
                    let p = &ledger[*n];
                    format!(
                        "{} {}: sources shipped {src:?}, the destination order shows {dst:?}",
                        net.destinations[p.dest].domain, p.name
                    )
                })
                .collect();
            if wrong.is_empty() {
                fc.armed = arming.armed;
                return fc;
            }
            if Instant::now() >= deadline {
                panic!(
                    "units shipped differ between source and destination orders:\n{}\n{}",
                    wrong.join("\n"),
                    h.logs_tail(30)
                );
            }
        } else if Instant::now() >= deadline {
            panic!(
                "{} source fulfillments are not on their destination orders, e.g.:\n{}\n{}",
                missing.len(),
                missing
                    .iter()
                    .take(40)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
                h.logs_tail(30)
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
