//! Query cost, the way Shopify documents it: scalars and enums cost 0, objects 1, a connection
//! `2 + n × (cost of one node)` where `n` is its `first`/`last`, a list of objects one object per
//! item, and a mutation 10 for its root field (the payload and the objects it holds directly
//! are free; what those select is not, as recorded: `fulfillment { trackingInfo { … } }` costs 11). Fragments on abstract types count the most expensive branch. The *requested*
//! cost uses `first`/`last`; the *actual* cost counts what the response really holds.

use apollo_compiler::executable::{Field, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Map, Value};

/// What a mutation's root field costs.
pub const MUTATION_COST: u32 = 10;
/// The most one query may cost.
pub const SINGLE_QUERY_MAX: u32 = 1000;

struct Coster<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    variables: &'a Map<String, Value>,
}

/// The cost of `operation` before running it.
pub fn requested_cost(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &Map<String, Value>,
) -> u32 {
    Coster {
        schema,
        document,
        variables,
    }
    .operation(operation, None)
}

/// The cost of `operation` given the response `data` it produced.
pub fn actual_cost(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &Map<String, Value>,
    data: &Value,
) -> u32 {
    Coster {
        schema,
        document,
        variables,
    }
    .operation(operation, Some(data))
}

impl Coster<'_> {
    fn operation(&self, operation: &Operation, data: Option<&Value>) -> u32 {
        if operation.is_mutation() {
            let mut total = 0;
            for field in operation.selection_set.fields() {
                let here =
                    data.map(|d| d.get(field.response_key().as_str()).unwrap_or(&Value::Null));
                // The payload and the objects it holds directly are free; what they select is not.
                total += MUTATION_COST;
                for child in field.selection_set.fields() {
                    let inner =
                        here.map(|d| d.get(child.response_key().as_str()).unwrap_or(&Value::Null));
                    total += match inner {
                        Some(Value::Array(items)) => items
                            .iter()
                            .map(|i| self.set(&child.selection_set, Some(i)))
                            .sum(),
                        Some(Value::Null) => 0,
                        other => self.set(&child.selection_set, other),
                    };
                }
            }
            total
        } else {
            self.set(&operation.selection_set, data)
        }
    }

    fn set(&self, set: &SelectionSet, data: Option<&Value>) -> u32 {
        let mut total = 0;
        let mut branch_max = 0;
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => total += self.field(field, data),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = spread.fragment_def(self.document) {
                        branch_max = branch_max.max(self.set(&fragment.selection_set, data));
                    }
                }
                Selection::InlineFragment(inline) => {
                    branch_max = branch_max.max(self.set(&inline.selection_set, data));
                }
            }
        }
        total + branch_max
    }

    fn field(&self, field: &Field, data: Option<&Value>) -> u32 {
        if field.name.starts_with("__") {
            return 0;
        }
        let ty = field.definition.ty.inner_named_type().as_str();
        let composite = matches!(
            self.schema.types.get(ty),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        );
        if !composite {
            return 0;
        }
        let here = data.map(|d| d.get(field.response_key().as_str()).unwrap_or(&Value::Null));
        if matches!(here, Some(Value::Null)) {
            return 0;
        }
        if ty.ends_with("Connection") {
            return self.connection(field, here);
        }
        match here {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| 1 + self.set(&field.selection_set, Some(item)))
                .sum(),
            Some(one) => 1 + self.set(&field.selection_set, Some(one)),
            None if field.definition.ty.is_list() => {
                self.page_size(field) * (1 + self.set(&field.selection_set, None))
            }
            None => 1 + self.set(&field.selection_set, None),
        }
    }

    fn connection(&self, field: &Field, data: Option<&Value>) -> u32 {
        // One node's cost: what `nodes { … }` or `edges { node { … } }` selects, whichever is dearer.
        let mut per_node = 1;
        let mut inner = Vec::new();
        collect_node_sets(self.document, &field.selection_set, &mut inner);
        match data {
            None => {
                for set in &inner {
                    per_node = per_node.max(1 + self.set(set, None));
                }
                2 + self.page_size(field) * per_node
            }
            Some(value) => {
                let nodes: Vec<&Value> = match value.get("nodes").and_then(Value::as_array) {
                    Some(nodes) => nodes.iter().collect(),
                    None => value
                        .get("edges")
                        .and_then(Value::as_array)
                        .map(|edges| edges.iter().filter_map(|e| e.get("node")).collect())
                        .unwrap_or_default(),
                };
                let mut total = 2;
                for node in nodes {
                    let mut cost = 1;
                    for set in &inner {
                        cost = cost.max(1 + self.set(set, Some(node)));
                    }
                    total += cost;
                }
                total
            }
        }
    }

    fn page_size(&self, field: &Field) -> u32 {
        for name in ["first", "last"] {
            let Some(arg) = field.arguments.iter().find(|a| a.name == name) else {
                continue;
            };
            let n = match arg.value.as_ref() {
                apollo_compiler::ast::Value::Int(i) => i.try_to_i32().ok().map(|v| v.max(0) as u32),
                apollo_compiler::ast::Value::Variable(v) => self
                    .variables
                    .get(v.as_str())
                    .and_then(Value::as_u64)
                    .map(|v| v as u32),
                _ => None,
            };
            if let Some(n) = n {
                return n;
            }
        }
        1
    }
}

/// The selection sets that apply to one node of a connection: `nodes { … }` and `edges { node { … } }`.
fn collect_node_sets<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    out: &mut Vec<&'a SelectionSet>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(f) if f.name == "nodes" => out.push(&f.selection_set),
            Selection::Field(f) if f.name == "edges" => {
                for inner in f.selection_set.fields() {
                    if inner.name == "node" {
                        out.push(&inner.selection_set);
                    }
                }
            }
            Selection::Field(_) => {}
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = spread.fragment_def(document) {
                    collect_node_sets(document, &fragment.selection_set, out);
                }
            }
            Selection::InlineFragment(inline) => {
                collect_node_sets(document, &inline.selection_set, out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use apollo_compiler::ExecutableDocument;
    use serde_json::json;

    use super::*;
    use crate::schema::admin_schema;

    fn cost(query: &str) -> u32 {
        let schema = admin_schema();
        let doc = ExecutableDocument::parse_and_validate(schema, query, "q.graphql").unwrap();
        let op = doc.operations.get(None).unwrap();
        requested_cost(schema, &doc, op, &Map::new())
    }

    #[test]
    fn recorded_costs_of_simple_documents() {
        // Figures recorded from the real API (contracts/shopify/captures).
        assert_eq!(
            cost("{ currentAppInstallation { id app { id handle title } } }"),
            2
        );
        assert_eq!(cost("{ shop { id name myshopifyDomain url currencyCode primaryDomain { id host url sslEnabled } } }"), 2);
        assert_eq!(cost("{ products(first: 1) { nodes { id } } }"), 3);
        assert_eq!(cost("query($id: ID!) { order(id: $id) { id closed closedAt cancelledAt cancelReason } }"), 1);
        assert_eq!(
            cost("mutation { appSubscriptionCreate(name: \"x\", returnUrl: \"https://x\", lineItems: []) { appSubscription { id } userErrors { field message } } }"),
            10
        );
    }

    #[test]
    fn connections_scale_with_page_size_and_nesting() {
        assert_eq!(cost("{ orders(first: 10) { nodes { id } } }"), 2 + 10);
        assert_eq!(
            cost("{ orders(first: 10) { edges { node { id customer { id } } } } }"),
            2 + 10 * 2
        );
        assert_eq!(
            cost("{ orders(first: 2) { nodes { id lineItems(first: 5) { nodes { id } } } } }"),
            2 + 2 * (1 + 2 + 5)
        );
    }

    #[test]
    fn actual_cost_counts_what_came_back() {
        let schema = admin_schema();
        let doc = ExecutableDocument::parse_and_validate(
            schema,
            "{ orders(first: 50) { nodes { id } } }",
            "q.graphql",
        )
        .unwrap();
        let op = doc.operations.get(None).unwrap();
        let data = json!({ "orders": { "nodes": [{ "id": "a" }, { "id": "b" }] } });
        assert_eq!(requested_cost(schema, &doc, op, &Map::new()), 52);
        assert_eq!(actual_cost(schema, &doc, op, &Map::new(), &data), 4);
    }
}
