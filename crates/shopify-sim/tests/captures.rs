//! Contract tests: every recorded real Shopify exchange in `contracts/shopify/captures/` whose
//! root fields the simulator implements is replayed against it (with equivalent state set up
//! and recorded GIDs mapped to the simulator's), and the answer must have the recorded shape:
//! the same keys, JSON types, enum values, money formatting, GID types, `userErrors` and
//! top-level errors. Exchanges that cannot be replayed are listed with the reason.

#![allow(clippy::unwrap_used)]

mod captures_support;

use captures_support::{replay_file, Outcome, Row};

fn capture_files() -> Vec<(String, String)> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts/shopify/captures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<62} {:<48} {:<34} result",
        "capture", "exchange", "root fields"
    );
    for row in rows {
        let result = match &row.outcome {
            Outcome::Replayed { differences, cost } => {
                let mut s = if differences.is_empty() {
                    "replayed: same shape".to_string()
                } else {
                    format!("replayed: {} difference(s)", differences.len())
                };
                if let Some(cost) = cost {
                    s.push_str(&format!(" [info: {cost}]"));
                }
                s
            }
            Outcome::Skipped(reason) => format!("skipped: {reason}"),
        };
        println!(
            "{:<62} {:<48} {:<34} {result}",
            row.file, row.label, row.roots
        );
    }
}

#[tokio::test]
async fn recorded_exchanges_replay_with_the_same_shape() {
    let mut rows = Vec::new();
    for (name, text) in capture_files() {
        rows.extend(replay_file(&name, &text).await);
    }
    print_table(&rows);
    let replayed = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Replayed { .. }))
        .count();
    let failures: Vec<String> = rows
        .iter()
        .flat_map(|row| match &row.outcome {
            Outcome::Replayed { differences, .. } => differences
                .iter()
                .map(|d| format!("{} {}: {d}", row.file, row.label))
                .collect(),
            Outcome::Skipped(_) => vec![],
        })
        .collect();
    assert!(replayed > 0, "no exchange was replayed");
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
