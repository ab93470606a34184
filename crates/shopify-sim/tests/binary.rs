//! The `shopify-sim` binary: starts with a seed on a free port, prints its URL, serves the
//! seeded shop with the seeded token, and with `--state` keeps the world across a restart.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

const SEED: &str = r#"{
  "apps": [{ "api_key": "key", "secret": "secret", "scopes": ["read_orders"], "title": "Ordersync" }],
  "shops": [{ "domain": "northwind.myshopify.com", "name": "Northwind Supply",
              "products": [{ "title": "Mug", "variants": [{ "sku": "MUG-1", "price": "12.50", "inventory": 4 }] }] }],
  "installs": [{ "shop": "northwind.myshopify.com", "app": "key", "token": "shpat_seeded" }]
}"#;

/// Starts the binary; returns it and the URL from its first line.
fn spawn(args: &[&str]) -> (Child, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("shopify-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let rest: Vec<String> = lines.take(6).map(|l| l.unwrap()).collect();
    (child, url, rest)
}

fn terminate(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "a clean exit on SIGTERM");
}

fn shop_name(url: &str, token: &str) -> Value {
    reqwest::blocking::Client::new()
        .post(format!(
            "{url}/shops/northwind.myshopify.com/admin/api/2026-07/graphql.json"
        ))
        .header("X-Shopify-Access-Token", token)
        .json(&json!({ "query": "{ shop { name } }" }))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn help_documents_the_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for option in ["--listen", "--seed", "--state", "--auto-approve"] {
        assert!(help.contains(option), "{help}");
    }
}

#[test]
fn the_binary_serves_a_seeded_shop_and_keeps_its_state_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, SEED).unwrap();
    let state = dir.path().join("state.json");

    let (mut child, url, banner) = spawn(&[
        "--seed",
        seed.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        banner.iter().any(|l| l.contains(&format!(
            "{url}/shops/northwind.myshopify.com/admin/api/2026-07/graphql.json"
        ))),
        "{banner:?}"
    );
    assert_eq!(
        shop_name(&url, "shpat_seeded")["data"]["shop"]["name"],
        "Northwind Supply"
    );
    let shops: Value = reqwest::blocking::get(format!("{url}/_sim/shops"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(shops[0]["products"], 1);
    terminate(&mut child);
    assert!(state.exists(), "the world was saved on shutdown");

    // Restarted without the seed, the saved world answers with the same token.
    let (mut child, url, _) = spawn(&["--state", state.to_str().unwrap()]);
    assert_eq!(
        shop_name(&url, "shpat_seeded")["data"]["shop"]["name"],
        "Northwind Supply"
    );
    terminate(&mut child);
}

#[test]
fn a_bad_seed_file_stops_the_binary_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, r#"{ "shopz": [] }"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--listen", "127.0.0.1:0", "--seed", seed.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("is not a valid seed file"), "{stderr}");
    assert!(stderr.contains("shopz"), "{stderr}");
}

/// The seed example of `docs/simulator.md`, exactly as the doc shows it.
fn doc_seed_example() -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/simulator.md"
    ))
    .unwrap();
    let section = &doc[doc.find("## Seed file").unwrap()..];
    let start = section.find("```json\n").unwrap() + "```json\n".len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_owned()
}

#[test]
fn the_docs_seed_example_loads_and_its_orders_are_visible_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, doc_seed_example()).unwrap();
    let (mut child, url, _) = spawn(&["--seed", seed.to_str().unwrap()]);
    let body: Value = reqwest::blocking::Client::new()
        .post(format!(
            "{url}/shops/northwind.myshopify.com/admin/api/2026-07/graphql.json"
        ))
        .header("X-Shopify-Access-Token", "shpat_demo")
        .json(
            &json!({ "query": "{ shop { name currencyCode } orders(first: 5) { nodes {
            name email note tags displayFinancialStatus displayFulfillmentStatus discountCodes
            totalPriceSet { shopMoney { amount currencyCode } }
            shippingAddress { address1 city }
            customer { firstName lastName }
            lineItems(first: 5) { nodes { sku quantity } } } } }" }),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    terminate(&mut child);
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["shop"]["name"], "Northwind Supply");
    let orders = body["data"]["orders"]["nodes"].as_array().unwrap();
    assert_eq!(orders.len(), 1, "{body}");
    let order = &orders[0];
    assert_eq!(order["name"], "#1001");
    assert_eq!(order["email"], "ada@example.com");
    assert_eq!(order["displayFinancialStatus"], "PAID");
    assert_eq!(order["displayFulfillmentStatus"], "UNFULFILLED");
    assert_eq!(order["discountCodes"], json!(["WELCOME"]));
    // 2 × 12.50 − 2.00 + 5.00
    assert_eq!(
        order["totalPriceSet"]["shopMoney"],
        json!({ "amount": "28.0", "currencyCode": "USD" })
    );
    assert_eq!(
        order["shippingAddress"],
        json!({ "address1": "1 Main St", "city": "Portland" })
    );
    assert_eq!(
        order["customer"],
        json!({ "firstName": "Ada", "lastName": "Lovelace" })
    );
    assert_eq!(order["note"], "Gift");
    assert_eq!(order["tags"], json!(["vip"]));
    assert_eq!(
        order["lineItems"]["nodes"],
        json!([{ "sku": "MUG-BLUE", "quantity": 2 }])
    );
}

#[test]
fn a_typo_deep_in_a_seed_file_is_named_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let typo = doc_seed_example().replace("\"address1\"", "\"adress1\"");
    std::fs::write(&seed, typo).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--listen", "127.0.0.1:0", "--seed", seed.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("shops[0].orders[0].shipping_address.adress1"),
        "{stderr}"
    );
}
