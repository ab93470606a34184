//! Printing: the machine, each run's figures, and the medians.

use crate::measure::median;
use crate::Cli;

/// Prints what the figures were taken on: CPUs, load, backend.
pub fn machine(cli: &Cli) {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!(
        "machine: {cpus} CPUs ({model}), load average {}",
        load_average()
    );
    println!(
        "backend: {}, runs: {}, ordersync threads: {}, load generator threads: {}",
        cli.backend.as_str(),
        cli.runs,
        cli.server_threads,
        cli.client_threads
    );
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them (empty if unknown).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Figures collected run by run, printed as one line per run and a median line.
#[derive(Debug, Default)]
pub struct Table {
    columns: Vec<(&'static str, usize)>,
    rows: Vec<Vec<f64>>,
}

impl Table {
    /// A table with these columns (name, decimals).
    pub fn new(columns: &[(&'static str, usize)]) -> Self {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds and prints one run's figures.
    pub fn run(&mut self, label: &str, values: Vec<f64>) {
        println!("{}", self.line(label, &values));
        self.rows.push(values);
    }

    fn line(&self, label: &str, values: &[f64]) -> String {
        let cells: Vec<String> = self
            .columns
            .iter()
            .zip(values)
            .map(|((name, decimals), v)| format!("{name}={v:.decimals$}"))
            .collect();
        format!("{label:<8} {}", cells.join("  "))
    }

    /// Prints the median of every column.
    pub fn summary(&self) {
        let medians: Vec<f64> = (0..self.columns.len())
            .map(|i| {
                let column: Vec<f64> = self.rows.iter().map(|r| r[i]).collect();
                median(&column)
            })
            .collect();
        println!("{}", self.line("median", &medians));
    }
}
