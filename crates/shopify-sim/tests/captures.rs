//! Contract tests: every recorded real Shopify exchange in `contracts/shopify/captures/` whose
//! root fields the simulator implements is replayed against it (with equivalent state set up
//! and recorded GIDs mapped to the simulator's), and the answer must have the recorded shape:
//! the same keys, JSON types, enum values, money formatting, GID types, `userErrors` and
//! top-level errors. Exchanges that cannot be replayed are listed with the reason.

#![allow(clippy::unwrap_used)]
// The test's report is the table of replayed and skipped exchanges it prints.
#![allow(clippy::print_stdout)]

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

#[test]
fn the_comparison_notices_what_a_client_would() {
    use captures_support::compare::differences;
    use serde_json::json;
    let recorded = json!({ "data": { "order": {
        "id": "gid://shopify/Order/1", "createdAt": "2026-05-06T01:44:23Z", "name": "#1167",
        "displayFinancialStatus": "PAID", "total": { "amount": "24.0" },
        "userErrors": [{ "field": ["order", "lineItems", 0], "message": "Bad" }] } } });
    let same = json!({ "data": { "order": {
        "id": "gid://shopify/Order/9", "createdAt": "2027-01-01T00:00:00Z", "name": "#1001",
        "displayFinancialStatus": "PAID", "total": { "amount": "24.0" },
        "userErrors": [{ "field": ["order", "lineItems", 0], "message": "Bad" }] } } });
    assert!(differences(&recorded, &same).is_empty());
    let different = json!({ "data": { "order": {
        "id": "gid://shopify/LineItem/9", "createdAt": null, "name": "#1001",
        "displayFinancialStatus": "PENDING", "total": { "amount": "24.00" }, "extra": 1,
        "userErrors": [{ "field": ["order", "lineItems", "0"], "message": "Bad" }] } } });
    let found = differences(&recorded, &different);
    for path in [
        ".id:",
        ".createdAt:",
        ".displayFinancialStatus:",
        ".amount:",
        ".extra:",
        ".field[",
    ] {
        assert!(
            found.iter().any(|d| d.contains(path)),
            "{path} not in {found:?}"
        );
    }
}

#[test]
fn every_layout_of_capture_yields_its_exchanges() {
    let text = r#"{
        "query": "mutation A { orderCreate { userErrors { message } } }",
        "variables": { "x": 1 },
        "setup": { "read": { "document": "query B { shop { id } }", "response": { "status": 200, "payload": { "data": { "shop": null } } } } },
        "mutation": { "response": { "data": { "orderCreate": null } } },
        "upstreamCalls": [{ "request": { "query": "query C { order(id: \"1\") { id } }", "variables": {} }, "response": { "body": { "data": { "order": null } } } }],
        "cleanup": [{ "query": "mutation D { orderCancel { job { id } } }", "response": { "data": { "orderCancel": null } } }]
    }"#;
    let found = captures_support::walk::exchanges(text).unwrap();
    let labels: Vec<&str> = found.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(
        labels,
        ["setup.read", "upstreamCalls.0", "mutation", "cleanup.0"]
    );
    assert_eq!(found[2].variables["x"], 1);
    assert!(found[2]
        .document
        .as_deref()
        .unwrap()
        .contains("orderCreate"));
    assert!(found[1].document.as_deref().unwrap().contains("order(id"));
}
