//! `shopify-sim ctl …`: a person's or a script's way to act on a running simulator from the
//! shell, as a shop owner or a shopper would, through its control API (the same routes
//! `docs/simulator.md` lists for curl). Prints the answer as JSON; a refused action prints the
//! simulator's reason and exits with status 1.

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// `shopify-sim ctl`.
#[derive(Debug, Args)]
pub struct CtlArgs {
    /// The simulator's URL.
    #[arg(long, env = "SHOPIFY_SIM_URL", default_value = "http://127.0.0.1:4000")]
    pub url: String,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The actions.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// List the shops.
    Shops,
    /// Place an order as a shopper would.
    PlaceOrder {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// A line: SKU=QUANTITY (repeat for several lines).
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// Contact email.
        #[arg(long)]
        email: Option<String>,
        /// Ship to "First Last, street, city, postal code, country code".
        #[arg(long)]
        ship_to: Option<String>,
        /// Leave it unpaid (payment pending).
        #[arg(long)]
        pending: bool,
        /// A discount code: CODE=AMOUNT.
        #[arg(long)]
        discount: Option<String>,
        /// A shipping line: TITLE=PRICE.
        #[arg(long)]
        shipping: Option<String>,
    },
    /// Mark an order paid.
    MarkPaid {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The order's numeric id.
        #[arg(long)]
        order: u64,
    },
    /// Cancel an order.
    Cancel {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The order's numeric id.
        #[arg(long)]
        order: u64,
        /// CUSTOMER, FRAUD, INVENTORY, DECLINED, STAFF or OTHER.
        #[arg(long, default_value = "OTHER")]
        reason: String,
    },
    /// Change the quantity of an order line.
    EditQuantity {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The order's numeric id.
        #[arg(long)]
        order: u64,
        /// The line item's numeric id.
        #[arg(long)]
        line: u64,
        /// The new quantity.
        #[arg(long)]
        quantity: u32,
    },
    /// Fulfill some or all items of an order, with tracking.
    Fulfill {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The order's numeric id.
        #[arg(long)]
        order: u64,
        /// LINE_ITEM_ID=QUANTITY (repeat); none: everything left.
        #[arg(long = "line")]
        lines: Vec<String>,
        /// COMPANY:NUMBER[:URL] (repeat for several numbers).
        #[arg(long = "tracking")]
        tracking: Vec<String>,
        /// Email the shopper.
        #[arg(long)]
        notify: bool,
    },
    /// Replace the tracking of a fulfillment.
    UpdateTracking {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The fulfillment's numeric id.
        #[arg(long)]
        fulfillment: u64,
        /// COMPANY:NUMBER[:URL] (repeat).
        #[arg(long = "tracking", required = true)]
        tracking: Vec<String>,
        /// Email the shopper.
        #[arg(long)]
        notify: bool,
    },
    /// Cancel a fulfillment.
    CancelFulfillment {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The fulfillment's numeric id.
        #[arg(long)]
        fulfillment: u64,
    },
    /// Uninstall an app from a shop.
    Uninstall {
        /// The shop's domain.
        #[arg(long)]
        shop: String,
        /// The app's API key.
        #[arg(long)]
        app: String,
    },
    /// Add a fault rule (JSON, as in docs/simulator.md), e.g.
    /// '{"operation":"orderCreate","kind":"commit_then_lose","times":1}'.
    FaultAdd {
        /// The rule.
        rule: String,
    },
    /// List the fault rules in force.
    Faults,
    /// Remove every fault rule.
    FaultsClear,
    /// The faults that fired.
    FaultHits,
    /// Admin API calls recorded (optionally of one shop, after a sequence number).
    Calls {
        /// Only this shop.
        #[arg(long)]
        shop: Option<String>,
        /// Only after this sequence number.
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
    /// Webhook delivery attempts recorded.
    Webhooks {
        /// Only this shop.
        #[arg(long)]
        shop: Option<String>,
        /// Only after this sequence number.
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
}

fn pair<'a>(text: &'a str, what: &str, example: &str) -> anyhow::Result<(&'a str, &'a str)> {
    text.split_once('=')
        .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
        .with_context(|| format!("{what} `{text}` is not of the form {example}"))
}

fn tracking(items: &[String]) -> anyhow::Result<Value> {
    items
        .iter()
        .map(|t| {
            let mut parts = t.splitn(3, ':');
            let company = parts.next().unwrap_or_default();
            let number = parts.next().unwrap_or_default();
            if company.is_empty() || number.is_empty() {
                bail!("tracking `{t}` is not of the form COMPANY:NUMBER[:URL]");
            }
            Ok(json!({ "company": company, "number": number, "url": parts.next() }))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Value::Array)
}

fn address(text: &str) -> anyhow::Result<Value> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [name, street, city, zip, country] = parts.as_slice() else {
        bail!("--ship-to `{text}` is not \"First Last, street, city, postal code, country code\"");
    };
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    Ok(json!({
        "first_name": first, "last_name": last, "address1": street, "city": city, "zip": zip, "country_code": country
    }))
}

/// The request an action makes: method, path, body.
fn request(action: &Action) -> anyhow::Result<(&'static str, String, Option<Value>)> {
    Ok(match action {
        Action::Shops => ("GET", "/_sim/shops".into(), None),
        Action::PlaceOrder {
            shop,
            lines,
            email,
            ship_to,
            pending,
            discount,
            shipping,
        } => {
            let lines = lines
                .iter()
                .map(|l| {
                    let (sku, qty) = pair(l, "--line", "SKU=QUANTITY")?;
                    let quantity: u32 = qty
                        .parse()
                        .with_context(|| format!("--line `{l}`: `{qty}` is not a quantity"))?;
                    Ok(json!({ "sku": sku, "quantity": quantity }))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut body =
                json!({ "lines": lines, "payment": if *pending { "pending" } else { "paid" } });
            if let Some(email) = email {
                body["email"] = json!(email);
            }
            if let Some(to) = ship_to {
                body["shipping_address"] = address(to)?;
            }
            if let Some(d) = discount {
                let (code, amount) = pair(d, "--discount", "CODE=AMOUNT")?;
                body["discount_code"] = json!({ "code": code, "amount": amount });
            }
            if let Some(s) = shipping {
                let (title, price) = pair(s, "--shipping", "TITLE=PRICE")?;
                body["shipping_line"] = json!({ "title": title, "price": price });
            }
            ("POST", format!("/_sim/shops/{shop}/orders"), Some(body))
        }
        Action::MarkPaid { shop, order } => (
            "POST",
            format!("/_sim/shops/{shop}/orders/{order}/mark_paid"),
            None,
        ),
        Action::Cancel {
            shop,
            order,
            reason,
        } => (
            "POST",
            format!("/_sim/shops/{shop}/orders/{order}/cancel"),
            Some(json!({ "reason": reason })),
        ),
        Action::EditQuantity {
            shop,
            order,
            line,
            quantity,
        } => (
            "POST",
            format!("/_sim/shops/{shop}/orders/{order}/edit_quantity"),
            Some(json!({ "line_item_id": line, "quantity": quantity })),
        ),
        Action::Fulfill {
            shop,
            order,
            lines,
            tracking: t,
            notify,
        } => {
            let mut body = json!({ "tracking": tracking(t)?, "notify_customer": notify });
            if !lines.is_empty() {
                let lines = lines
                    .iter()
                    .map(|l| {
                        let (id, qty) = pair(l, "--line", "LINE_ITEM_ID=QUANTITY")?;
                        let id: u64 = id.parse().with_context(|| {
                            format!("--line `{l}`: `{id}` is not a line item id")
                        })?;
                        let quantity: u32 = qty
                            .parse()
                            .with_context(|| format!("--line `{l}`: `{qty}` is not a quantity"))?;
                        Ok(json!({ "line_item_id": id, "quantity": quantity }))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                body["lines"] = Value::Array(lines);
            }
            (
                "POST",
                format!("/_sim/shops/{shop}/orders/{order}/fulfill"),
                Some(body),
            )
        }
        Action::UpdateTracking {
            shop,
            fulfillment,
            tracking: t,
            notify,
        } => (
            "POST",
            format!("/_sim/shops/{shop}/fulfillments/{fulfillment}/tracking"),
            Some(json!({ "tracking": tracking(t)?, "notify_customer": notify })),
        ),
        Action::CancelFulfillment { shop, fulfillment } => (
            "POST",
            format!("/_sim/shops/{shop}/fulfillments/{fulfillment}/cancel"),
            None,
        ),
        Action::Uninstall { shop, app } => {
            ("DELETE", format!("/_sim/shops/{shop}/apps/{app}"), None)
        }
        Action::FaultAdd { rule } => {
            let rule: Value = serde_json::from_str(rule).context("the fault rule is not JSON")?;
            ("POST", "/_sim/faults".into(), Some(rule))
        }
        Action::Faults => ("GET", "/_sim/faults".into(), None),
        Action::FaultsClear => ("DELETE", "/_sim/faults".into(), None),
        Action::FaultHits => ("GET", "/_sim/faults/hits".into(), None),
        Action::Calls { shop, since } => {
            ("GET", journal_path("calls", shop.as_deref(), *since), None)
        }
        Action::Webhooks { shop, since } => (
            "GET",
            journal_path("webhooks", shop.as_deref(), *since),
            None,
        ),
    })
}

fn journal_path(kind: &str, shop: Option<&str>, since: u64) -> String {
    match shop {
        Some(shop) => format!("/_sim/journal/{kind}?shop={shop}&since={since}"),
        None => format!("/_sim/journal/{kind}?since={since}"),
    }
}

/// Runs one action against the simulator at `args.url`; returns the answer to print.
pub async fn run(args: &CtlArgs) -> anyhow::Result<String> {
    let (method, path, body) = request(&args.action)?;
    let url = format!("{}{path}", args.url.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let mut req = match method {
        "GET" => client.get(&url),
        "DELETE" => client.delete(&url),
        _ => client.post(&url),
    };
    if let Some(body) = body {
        req = req.json(&body);
    } else if method == "POST" {
        req = req.json(&json!({}));
    }
    let response = req
        .send()
        .await
        .with_context(|| format!("cannot reach shopify-sim at {}", args.url))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let pretty = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    if !status.is_success() {
        bail!("{method} {path} answered {status}: {pretty}");
    }
    Ok(pretty)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn place_order_arguments_become_the_control_api_body() {
        let action = Action::PlaceOrder {
            shop: "a.myshopify.com".into(),
            lines: vec!["MUG-1=2".into()],
            email: Some("ada@example.com".into()),
            ship_to: Some("Ada Lovelace, 12 Analytical Row, London, N1 9GU, GB".into()),
            pending: true,
            discount: Some("SAVE5=5.00".into()),
            shipping: Some("Standard=4.99".into()),
        };
        let (method, path, body) = request(&action).unwrap();
        assert_eq!(
            (method, path.as_str()),
            ("POST", "/_sim/shops/a.myshopify.com/orders")
        );
        let body = body.unwrap();
        assert_eq!(body["lines"], json!([{ "sku": "MUG-1", "quantity": 2 }]));
        assert_eq!(body["payment"], "pending");
        assert_eq!(body["shipping_address"]["last_name"], "Lovelace");
        assert_eq!(body["shipping_address"]["country_code"], "GB");
        assert_eq!(
            body["discount_code"],
            json!({ "code": "SAVE5", "amount": "5.00" })
        );
    }

    #[test]
    fn bad_arguments_name_the_problem() {
        let bad_line = Action::PlaceOrder {
            shop: "a".into(),
            lines: vec!["MUG-1".into()],
            email: None,
            ship_to: None,
            pending: false,
            discount: None,
            shipping: None,
        };
        assert!(request(&bad_line)
            .unwrap_err()
            .to_string()
            .contains("SKU=QUANTITY"));
        let bad_tracking = Action::UpdateTracking {
            shop: "a".into(),
            fulfillment: 1,
            tracking: vec!["UPS".into()],
            notify: false,
        };
        assert!(request(&bad_tracking)
            .unwrap_err()
            .to_string()
            .contains("COMPANY:NUMBER"));
        let with_url = tracking(&["UPS:1Z9:https://ups.example/t/1Z9".into()]).unwrap();
        assert_eq!(with_url[0]["url"], "https://ups.example/t/1Z9");
    }
}
