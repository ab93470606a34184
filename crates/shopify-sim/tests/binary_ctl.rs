//! `shopify-sim ctl`: a person at a shell places an order, pays it and ships it with tracking on
//! a running simulator, and reads what happened; a refused action says why and exits non-zero.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

const SEED: &str = r#"{
  "apps": [{ "api_key": "key", "secret": "secret", "scopes": ["read_orders"], "title": "Ordersync" }],
  "shops": [{ "domain": "northwind.myshopify.com", "name": "Northwind Supply",
              "products": [{ "title": "Mug", "variants": [{ "sku": "MUG-1", "price": "12.50", "inventory": 4 }] }] }],
  "installs": [{ "shop": "northwind.myshopify.com", "app": "key", "token": "shpat_seeded" }]
}"#;
const SHOP: &str = "northwind.myshopify.com";

fn ctl(url: &str, args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["ctl", "--url", url])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.success(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

#[test]
fn a_shop_owner_acts_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, SEED).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopify-sim"))
        .args(["--listen", "127.0.0.1:0", "--seed", seed.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let url = first
        .strip_prefix("shopify-sim listening on ")
        .unwrap()
        .to_owned();

    let (ok, order, err) = ctl(
        &url,
        &[
            "place-order",
            "--shop",
            SHOP,
            "--line",
            "MUG-1=2",
            "--email",
            "ada@example.com",
            "--ship-to",
            "Ada Lovelace, 12 Analytical Row, London, N1 9GU, GB",
            "--pending",
        ],
    );
    assert!(ok, "{err}");
    let order_id = order["id"].as_u64().unwrap();
    assert_eq!(order["name"], "#1001");

    let (ok, _, err) = ctl(
        &url,
        &[
            "mark-paid",
            "--shop",
            SHOP,
            "--order",
            &order_id.to_string(),
        ],
    );
    assert!(ok, "{err}");
    // Paying twice is refused with the simulator's reason.
    let (ok, _, err) = ctl(
        &url,
        &[
            "mark-paid",
            "--shop",
            SHOP,
            "--order",
            &order_id.to_string(),
        ],
    );
    assert!(!ok);
    assert!(err.contains("already paid"), "{err}");

    let (ok, fulfillment, err) = ctl(
        &url,
        &[
            "fulfill",
            "--shop",
            SHOP,
            "--order",
            &order_id.to_string(),
            "--tracking",
            "UPS:1Z001",
            "--tracking",
            "UPS:1Z002",
        ],
    );
    assert!(ok, "{err}");
    assert!(fulfillment["id"].as_u64().is_some(), "{fulfillment}");

    let (ok, calls, _) = ctl(&url, &["webhooks"]);
    assert!(ok);
    assert!(calls.is_array() || calls.is_object(), "{calls}");
    let (ok, _, err) = ctl(&url, &["place-order", "--shop", SHOP, "--line", "MUG-1"]);
    assert!(!ok);
    assert!(err.contains("SKU=QUANTITY"), "{err}");

    // The order is paid and fulfilled with both numbers, as the Admin API shows.
    let body: Value = reqwest::blocking::Client::new()
        .post(format!("{url}/shops/{SHOP}/admin/api/2026-07/graphql.json"))
        .header("X-Shopify-Access-Token", "shpat_seeded")
        .json(&serde_json::json!({ "query": format!(
            "{{ order(id: \"gid://shopify/Order/{order_id}\") {{ displayFinancialStatus displayFulfillmentStatus fulfillments {{ trackingInfo {{ number company }} }} }} }}"
        ) }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let order = &body["data"]["order"];
    assert_eq!(order["displayFinancialStatus"], "PAID", "{body}");
    assert_eq!(order["displayFulfillmentStatus"], "FULFILLED");
    assert_eq!(
        order["fulfillments"][0]["trackingInfo"][1]["number"],
        "1Z002"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
