//! The Admin GraphQL endpoint's logic, transport aside: parse and validate a document against the
//! 2026-07 schema (answering invalid ones the way Shopify does), execute it on the world, and
//! shape errors like Shopify's (`extensions.code`, `locations`, `path`).

pub mod cost;
pub mod resolvers;
pub mod value;

use apollo_compiler::executable::OperationType;
use apollo_compiler::resolvers::Execution;
use apollo_compiler::validation::Valid;
use apollo_compiler::ExecutableDocument;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::schema::admin_schema;
use crate::state::{TokenKind, World};
use value::{Ctx, JsonObject, EXTENSIONS_MARK, INTEGER_MARK};

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Shop domain.
    pub shop: String,
    /// App API key.
    pub api_key: String,
    /// Scopes of the token used.
    pub scopes: Vec<String>,
    /// Offline or online token.
    pub token_kind: TokenKind,
}

impl Caller {
    /// Whether the token carries `scope` (a `write_x` scope implies `read_x`).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| {
            s == scope
                || scope
                    .strip_prefix("read_")
                    .is_some_and(|rest| s.strip_prefix("write_") == Some(rest))
        })
    }
}

/// A GraphQL request body.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphqlRequest {
    /// The document.
    pub query: String,
    /// Variable values.
    #[serde(default)]
    pub variables: Option<Value>,
    /// Which operation to run, when the document has several.
    #[serde(default, rename = "operationName")]
    pub operation_name: Option<String>,
}

/// A validated request, ready to cost and execute.
#[derive(Debug)]
pub struct Prepared {
    /// The validated document.
    pub document: Valid<ExecutableDocument>,
    /// The selected operation's name, if any.
    pub operation_name: Option<String>,
    /// A mutation (vs a query).
    pub is_mutation: bool,
    /// The root fields selected (for the journal), e.g. `["orderCreate"]`.
    pub root_fields: Vec<String>,
    /// Coerced variables.
    pub variables: Map<String, Value>,
}

/// Parses and validates a request; an invalid one gets Shopify's error body.
pub fn prepare(request: &GraphqlRequest) -> Result<Prepared, Value> {
    let schema = admin_schema();
    let document = match ExecutableDocument::parse_and_validate(
        schema,
        request.query.as_str(),
        "query.graphql",
    ) {
        Ok(doc) => doc,
        Err(with_errors) => {
            let errors: Vec<Value> = with_errors
                .errors
                .iter()
                .map(|d| shopify_validation_error(&d))
                .collect();
            return Err(json!({ "errors": errors }));
        }
    };
    let operation = match document.operations.get(request.operation_name.as_deref()) {
        Ok(op) => op,
        Err(e) => {
            let message = match request.operation_name.as_deref() {
                Some(name) => format!("No operation named \"{name}\""),
                None => e.message().to_string(),
            };
            return Err(json!({ "errors": [{ "message": message }] }));
        }
    };
    let root_fields = operation
        .selection_set
        .fields()
        .map(|f| f.name.to_string())
        .collect::<Vec<_>>();
    let is_mutation = operation.operation_type == OperationType::Mutation;
    let operation_name = operation.name.as_ref().map(|n| n.to_string());
    let variables = match &request.variables {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(json!({ "errors": [{ "message": "Variables must be an object" }] })),
    };
    Ok(Prepared {
        document,
        operation_name,
        is_mutation,
        root_fields,
        variables,
    })
}

/// Shopify's (graphql-ruby's) wording for the most common validation errors, apollo's otherwise.
fn shopify_validation_error(
    d: &apollo_compiler::diagnostic::Diagnostic<'_, apollo_compiler::validation::DiagnosticData>,
) -> Value {
    let compat = d.unstable_to_json_compat();
    let mut error =
        serde_json::to_value(&compat).unwrap_or_else(|_| json!({ "message": compat.message }));
    if d.error.unstable_error_name() == Some("UndefinedField") {
        // apollo: "type `Product` does not have a field `foo`"
        let text = d.error.to_string();
        let parts: Vec<&str> = text.split('`').collect();
        if let [_, type_name, _, field_name, ..] = parts.as_slice() {
            error["message"] = json!(format!(
                "Field '{field_name}' doesn't exist on type '{type_name}'"
            ));
            error["extensions"] =
                json!({ "code": "undefinedField", "typeName": type_name, "fieldName": field_name });
        }
    }
    error
}

/// Runs a prepared request on the world as `caller`. Returns the response body (without
/// `extensions.cost`, which the transport adds).
pub fn execute(world: &mut World, caller: &Caller, prepared: &Prepared) -> Value {
    let schema = admin_schema();
    let operation = match prepared
        .document
        .operations
        .get(prepared.operation_name.as_deref())
    {
        Ok(op) => op,
        Err(e) => return json!({ "errors": [{ "message": e.message().to_string() }] }),
    };
    let root_type = if prepared.is_mutation {
        "Mutation"
    } else {
        "Query"
    };
    let variables: apollo_compiler::response::JsonMap = prepared
        .variables
        .iter()
        .map(|(k, v)| (k.as_str().into(), serde_json_bytes::Value::from(v.clone())))
        .collect();
    let ctx = Ctx {
        world: std::cell::RefCell::new(world),
        caller,
    };
    let root = JsonObject::new(&ctx, root_type, Map::new());
    let execution = Execution::new(schema, &prepared.document)
        .operation(operation)
        .raw_variable_values(&variables);
    let response = match execution.execute_sync(&root) {
        Ok(response) => response,
        Err(e) => {
            let error = e.to_graphql_error(&prepared.document.sources);
            return json!({ "errors": [serde_json::to_value(error).unwrap_or(Value::Null)] });
        }
    };
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({ "data": null }));
    if let Some(data) = body.get_mut("data") {
        restore_integers(data);
    }
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            split_extensions(error);
        }
    }
    body
}

/// Turns integers marked by the resolver (see [`value::INTEGER_MARK`]) back into JSON numbers.
fn restore_integers(value: &mut Value) {
    match value {
        Value::String(s) if s.starts_with(INTEGER_MARK) => {
            if let Ok(n) = s[INTEGER_MARK.len_utf8()..].parse::<i64>() {
                *value = json!(n);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(restore_integers),
        Value::Object(map) => map.values_mut().for_each(restore_integers),
        _ => {}
    }
}

/// Moves extensions smuggled in a field error's message (see [`value::coded_error`]) to `extensions`.
fn split_extensions(error: &mut Value) {
    let Some(message) = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    if let Some((text, ext)) = message.split_once(EXTENSIONS_MARK) {
        error["message"] = json!(text);
        if let Ok(ext) = serde_json::from_str::<Value>(ext) {
            error["extensions"] = ext;
        }
    }
}
