//! What the scenarios measure with: CPU time per thread group and per process (from `/proc`, the
//! same utime + stime that `getrusage` reports, at clock-tick resolution), peak and current
//! resident memory (`VmHWM`, `VmRSS`), latency percentiles and medians.

use std::time::Duration;

/// Linux reports utime and stime in `/proc` in USER_HZ ticks, which is 100 on every
/// architecture Linux supports.
const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime of one `/proc/.../stat` line, with its command name.
fn parse_stat(text: &str) -> Option<(String, f64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the command name: state is field 3 of the line, utime 14, stime 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((comm, (utime + stime) / TICKS_PER_SECOND))
}

/// CPU seconds this process used so far (every thread, live or exited).
pub fn process_cpu() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|t| parse_stat(&t))
        .map_or(0.0, |(_, s)| s)
}

/// CPU seconds used so far by this process's live threads whose name starts with `prefix`.
pub fn threads_cpu(prefix: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|t| parse_stat(&t))
        .filter(|(comm, _)| comm.starts_with(prefix))
        .map(|(_, s)| s)
        .sum()
}

/// CPU seconds used so far by every live process named `name` (e.g. `postgres`: the database
/// server's backends work outside this process).
pub fn processes_cpu(name: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|t| parse_stat(&t))
        .filter(|(comm, _)| comm == name)
        .map(|(_, s)| s)
        .sum()
}

fn status_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident memory of this process, in MiB (`VmHWM`).
pub fn peak_rss_mib() -> f64 {
    status_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0
}

/// Current resident memory of this process, in MiB (`VmRSS`).
pub fn rss_mib() -> f64 {
    status_kib("VmRSS:").unwrap_or(0) as f64 / 1024.0
}

/// Resets the peak resident memory to the current one (`/proc/self/clear_refs`, value 5), so
/// each run reports its own peak. Answers false where the kernel refuses.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Latency samples of one run.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    micros: Vec<u64>,
}

impl Latencies {
    /// Records one sample.
    pub fn record(&mut self, d: Duration) {
        self.micros
            .push(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
    }

    /// The `q` quantile (0..=1) in milliseconds (nearest rank), 0 when empty.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        self.micros.sort_unstable();
        let rank = ((q * self.micros.len() as f64).ceil() as usize).clamp(1, self.micros.len());
        self.micros[rank - 1] as f64 / 1000.0
    }

    /// The largest sample in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.micros.iter().copied().max().unwrap_or(0) as f64 / 1000.0
    }
}

/// The median of `values` (the mean of the middle two for an even count), 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_spaces_and_parentheses_in_the_name_parse() {
        let line = "42 (tokio (rt) 1) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        let (comm, cpu) = parse_stat(line).expect("a valid stat line");
        assert_eq!(comm, "tokio (rt) 1");
        assert!((cpu - 3.0).abs() < 1e-9, "{cpu}");
    }

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let mut l = Latencies::default();
        for ms in 1..=100u64 {
            l.record(Duration::from_millis(ms));
        }
        assert_eq!(l.quantile_ms(0.5), 50.0);
        assert_eq!(l.quantile_ms(0.99), 99.0);
        assert_eq!(l.quantile_ms(0.999), 100.0);
        assert_eq!(l.max_ms(), 100.0);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
