//! What the replay needs to know about a recorded exchange: the root fields of its document,
//! the GIDs it mentions, whether it may have changed state, and the API-version differences
//! between the capture and the simulator (which speaks 2026-07).

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::ast::{Definition, Document, OperationType, Selection};
use serde_json::Value;

/// The root fields of the document's operation: (response key, field name), and whether it is a
/// mutation.
pub fn root_fields(document: &str) -> Result<(Vec<(String, String)>, bool), String> {
    let doc = Document::parse(document, "capture.graphql")
        .map_err(|e| format!("the recorded document does not parse: {e}"))?;
    let fragments: BTreeMap<String, &Vec<Selection>> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::FragmentDefinition(f) => Some((f.name.to_string(), &f.selection_set)),
            _ => None,
        })
        .collect();
    let op = doc
        .definitions
        .iter()
        .find_map(|d| match d {
            Definition::OperationDefinition(op) => Some(op),
            _ => None,
        })
        .ok_or("the recorded document has no operation")?;
    let mut fields = Vec::new();
    let mut pending: Vec<&Vec<Selection>> = vec![&op.selection_set];
    while let Some(set) = pending.pop() {
        for selection in set {
            match selection {
                Selection::Field(f) => fields.push((
                    f.alias.as_ref().unwrap_or(&f.name).to_string(),
                    f.name.to_string(),
                )),
                Selection::FragmentSpread(s) => {
                    pending.extend(fragments.get(s.fragment_name.as_str()).copied())
                }
                Selection::InlineFragment(i) => pending.push(&i.selection_set),
            }
        }
    }
    Ok((fields, op.operation_type == OperationType::Mutation))
}

pub fn gids_in(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) if s.starts_with("gid://shopify/") => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| gids_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| gids_in(v, out)),
        _ => {}
    }
}

pub fn gids_in_text(text: &str, out: &mut BTreeSet<String>) {
    for piece in text.split('"').skip(1).step_by(2) {
        if piece.starts_with("gid://shopify/") {
            out.insert(piece.to_string());
        }
    }
}

pub fn kind_of(gid: &str) -> &str {
    gid.trim_start_matches("gid://shopify/")
        .split('/')
        .next()
        .unwrap_or_default()
}

/// Resources whose state the recorded mutations change (shops, locations, apps and products
/// are not changed by any of them).
pub const STATEFUL: &[&str] = &[
    "Order",
    "LineItem",
    "FulfillmentOrder",
    "FulfillmentOrderLineItem",
    "Fulfillment",
    "FulfillmentLineItem",
];

/// Root fields that only read: an exchange answering only these changes nothing.
pub const READS: &[&str] = &[
    "shop",
    "currentAppInstallation",
    "product",
    "products",
    "productVariant",
    "productVariants",
    "order",
    "orders",
    "ordersCount",
    "fulfillment",
    "fulfillmentOrder",
    "location",
    "locations",
    "node",
    "nodes",
];

/// Whether a recorded answer (whose document is unknown) may come from a mutation.
pub fn writes(recorded: &Value) -> bool {
    recorded
        .get("data")
        .and_then(Value::as_object)
        .is_some_and(|data| data.keys().any(|k| !READS.contains(&k.as_str())))
}

/// `REPORT_PROGRESS` became a supported action of open fulfillment orders in 2026-04 (Shopify
/// changelog "Report Fulfillment Order progress"); captures from earlier versions do not list it.
pub fn without_report_progress(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(actions)) = map.get_mut("supportedActions") {
                actions
                    .retain(|a| a.get("action").and_then(Value::as_str) != Some("REPORT_PROGRESS"));
            }
            map.values_mut().for_each(without_report_progress);
        }
        Value::Array(items) => items.iter_mut().for_each(without_report_progress),
        _ => {}
    }
}
