//! Scenario `idle`: the resident memory of ordersync started (API and worker roles, migrations
//! applied, nothing to do) and left idle, in this process (which holds nothing else).

use std::time::Duration;

use anyhow::Result;

use crate::env::{self, Database, Running};
use crate::measure;
use crate::report::Table;
use crate::{Cli, Runtimes};

/// Options of `idle`.
#[derive(Debug, clap::Args)]
pub struct IdleArgs {
    /// Seconds to leave it idle before reading its memory.
    #[arg(long, default_value_t = 5.0)]
    pub duration: f64,
}

/// Runs `idle` `cli.runs` times and prints the figures.
pub fn run(cli: &Cli, args: &IdleArgs, rt: &Runtimes) -> Result<()> {
    println!(
        "scenario: idle, ordersync (api,worker) idle for {} s",
        args.duration
    );
    let mut table = Table::new(&[
        ("rss_before_start_mib", 1),
        ("idle_rss_mib", 1),
        ("cpu_s_while_idle", 2),
    ]);
    for i in 0..cli.runs.max(1) {
        let db = rt.server.block_on(Database::fresh(
            cli.backend,
            cli.dir.as_deref(),
            &cli.postgres_url,
            "idle",
        ))?;
        let before = measure::rss_mib();
        let data_dir = db
            .sqlite_dir()
            .map_or_else(std::env::temp_dir, ToOwned::to_owned);
        let server =
            rt.server
                .block_on(Running::start(env::config(&db, "api,worker", &data_dir)?))?;
        let cpu = measure::process_cpu();
        std::thread::sleep(Duration::from_secs_f64(args.duration.max(0.0)));
        let idle = measure::rss_mib();
        let cpu = measure::process_cpu() - cpu;
        rt.server.block_on(server.stop());
        rt.server.block_on(db.remove());
        table.run(&format!("run {}", i + 1), vec![before, idle, cpu]);
    }
    table.summary();
    Ok(())
}
