//! Finds every recorded exchange (document, variables, recorded response) in a capture file,
//! whatever its layout: `query`/`document`/`request.query`, `variables`, `response` /
//! `response.payload` / `response.body` / `mutation.response`, nested under `setup`,
//! `operations`, `scenarios`, `cases`, `expected`, `cleanup` or `upstreamCalls`.
//!
//! The file is read with `serde_json_bytes` because it keeps keys in file order, and the order of
//! steps matters (a setup order is created before it is fulfilled).

use serde_json::Value;
use serde_json_bytes::Value as Ordered;

/// One recorded request and Shopify's answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Where it sits in the file, e.g. `setup.orderCreate`.
    pub label: String,
    /// The GraphQL document sent, when the capture recorded it (inherited from an enclosing
    /// object when the exchange itself has none, e.g. `mutation.response` under a root `query`).
    pub document: Option<String>,
    /// The variables sent.
    pub variables: Value,
    /// The response body Shopify returned (`data`, `errors`, `extensions`).
    pub recorded: Value,
    /// Replay order: setup, then the app's upstream reads, then the scenario, then cleanup.
    pub phase: u8,
}

/// Every exchange of a capture file, in replay order.
pub fn exchanges(text: &str) -> Result<Vec<Exchange>, String> {
    let root: Ordered = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut found = Vec::new();
    walk(&root, "", None, &mut found);
    found.sort_by_key(|e| e.phase); // stable: file order within a phase
    Ok(found)
}

fn plain(v: &Ordered) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn get<'a>(v: &'a Ordered, key: &str) -> Option<&'a Ordered> {
    v.as_object().and_then(|o| o.get(key))
}

fn phase(label: &str) -> u8 {
    match label.split('.').next().unwrap_or_default() {
        "setup" => 0,
        "upstreamCalls" => 1,
        "cleanup" => 3,
        _ => 2,
    }
}

/// The response body inside a recorded `response` object.
fn body(response: &Ordered) -> Option<&Ordered> {
    for key in ["payload", "body"] {
        if let Some(b) = get(response, key) {
            return Some(b);
        }
    }
    let o = response.as_object()?;
    (o.contains_key("data") || o.contains_key("errors")).then_some(response)
}

type Inherited<'a> = Option<(&'a str, &'a Ordered)>;

fn walk<'a>(node: &'a Ordered, label: &str, inherited: Inherited<'a>, out: &mut Vec<Exchange>) {
    if let Some(items) = node.as_array() {
        for (i, item) in items.iter().enumerate() {
            walk(item, &join(label, &i.to_string()), inherited, out);
        }
        return;
    }
    let Some(obj) = node.as_object() else { return };
    let request = get(node, "request");
    let own_doc = ["query", "document"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Ordered::as_str))
        .or_else(|| {
            request
                .and_then(|r| get(r, "query"))
                .and_then(Ordered::as_str)
        });
    let own_vars = obj
        .get("variables")
        .or_else(|| request.and_then(|r| get(r, "variables")));
    let here: Inherited<'a> = match (own_doc, own_vars) {
        (Some(doc), Some(vars)) => Some((doc, vars)),
        (Some(doc), None) => Some((doc, &Ordered::Null)),
        _ => inherited,
    };
    if let Some(recorded) = obj.get("response").and_then(body) {
        let variables = own_vars
            .or(inherited.map(|(_, v)| v))
            .map(plain)
            .unwrap_or(Value::Null);
        out.push(Exchange {
            label: label.to_string(),
            document: own_doc.or(inherited.map(|(d, _)| d)).map(str::to_string),
            variables: if variables.is_null() {
                serde_json::json!({})
            } else {
                variables
            },
            recorded: plain(recorded),
            phase: phase(label),
        });
    }
    for (key, child) in obj.iter() {
        let key = key.as_str();
        if matches!(key, "response" | "request" | "variables") {
            continue;
        }
        walk(child, &join(label, key), here, out);
    }
}

fn join(label: &str, key: &str) -> String {
    if label.is_empty() {
        key.to_string()
    } else {
        format!("{label}.{key}")
    }
}
