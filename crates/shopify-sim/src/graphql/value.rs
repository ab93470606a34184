//! One resolver for every GraphQL object: objects are JSON maps built from the simulator's state
//! (see [`crate::graphql::resolvers`]), and this module walks them the way the schema says.
//!
//! - A key present in the map is the field's value; an absent key is a field the simulator does
//!   not model, answered with an error that names it (never a silent null).
//! - A list whose schema type is a `…Connection` is paginated with `first`/`last`/`after`/
//!   `before`/`reverse` into `edges`, `nodes` and `pageInfo`, with opaque cursors.
//! - `{"__ref": "gid://shopify/Product/1"}` is looked up when (and only if) it is selected,
//!   so objects can point at each other without building the whole graph.
//! - Fields whose value depends on arguments, and root fields, are computed by
//!   [`resolvers::field`](crate::graphql::resolvers::field).

use std::cell::RefCell;

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::schema::ExtendedType;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::graphql::resolvers;
use crate::graphql::Caller;
use crate::state::World;

/// What resolvers can reach: the world (mutations borrow it mutably, one field at a time) and
/// who is calling.
pub struct Ctx<'w> {
    /// The simulator's state.
    pub world: RefCell<&'w mut World>,
    /// The authenticated app and shop.
    pub caller: &'w Caller,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

/// A GraphQL object backed by a JSON map.
#[derive(Debug)]
pub struct JsonObject<'c, 'w> {
    pub(crate) ctx: &'c Ctx<'w>,
    pub(crate) type_name: String,
    pub(crate) fields: Map<String, Value>,
}

impl<'c, 'w> JsonObject<'c, 'w> {
    /// An object of `type_name` with these fields.
    pub fn new(ctx: &'c Ctx<'w>, type_name: impl Into<String>, fields: Map<String, Value>) -> Self {
        JsonObject {
            ctx,
            type_name: type_name.into(),
            fields,
        }
    }
}

/// Separates a message from the `extensions` a field error carries (FieldError has no room for them).
pub(crate) const EXTENSIONS_MARK: char = '\u{1f}';

/// Marks an integer returned where the schema says `String` (Shopify puts list indexes in
/// `userErrors.field` paths as JSON numbers, e.g. `["order", "lineItems", 0, "quantity"]`); the
/// executor only accepts strings there, so [`crate::graphql::execute`] turns it back afterwards.
pub(crate) const INTEGER_MARK: char = '\u{1e}';

/// A field error with Shopify `extensions` (e.g. `{"code": "ACCESS_DENIED"}`).
pub fn coded_error(message: impl Into<String>, extensions: Value) -> FieldError {
    FieldError {
        message: format!("{}{EXTENSIONS_MARK}{extensions}", message.into()),
    }
}

/// A plain field error.
pub fn field_error(message: impl Into<String>) -> FieldError {
    FieldError {
        message: message.into(),
    }
}

impl ObjectValue for JsonObject<'_, '_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let name = info.field_name();
        let value = match resolvers::field(self.ctx, &self.type_name, name, &self.fields, info) {
            Some(result) => result?,
            None => match self.fields.get(name) {
                Some(v) => v.clone(),
                None => {
                    return Err(field_error(format!(
                    "shopify-sim does not model the field `{}.{name}`; ask for fields it models",
                    self.type_name
                )))
                }
            },
        };
        let ty = &info.field_definition().ty;
        to_resolved(self.ctx, value, ty, info)
    }
}

fn to_resolved<'a>(
    ctx: &'a Ctx<'_>,
    value: Value,
    ty: &apollo_compiler::ast::Type,
    info: &'a ResolveInfo<'a>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let named = ty.inner_named_type().as_str();
    let schema = info.schema();
    let composite = matches!(
        schema.types.get(named),
        Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
    );
    // Lists of leaves (`[String!]`) as well as of objects are resolved item by item.
    let value = match value {
        Value::Array(items) if ty.is_list() => {
            let item_ty = ty.item_type().clone();
            let resolved: Vec<Result<ResolvedValue<'a>, FieldError>> = items
                .into_iter()
                .map(|item| to_resolved(ctx, item, &item_ty, info))
                .collect();
            return Ok(ResolvedValue::List(Box::new(resolved.into_iter())));
        }
        other => other,
    };
    if !composite {
        let value = match value {
            Value::Number(n) if named == "String" && n.is_i64() => {
                Value::String(format!("{INTEGER_MARK}{n}"))
            }
            other => other,
        };
        return Ok(ResolvedValue::leaf(serde_json_bytes::Value::from(value)));
    }
    match value {
        Value::Null => Ok(ResolvedValue::null()),
        Value::Array(items) if named.ends_with("Connection") && !ty.is_list() => {
            let connection = paginate(items, info.arguments())?;
            object(ctx, connection, named, schema)
        }
        other => object(ctx, other, named, schema),
    }
}

fn object<'a>(
    ctx: &'a Ctx<'_>,
    value: Value,
    named: &str,
    schema: &apollo_compiler::Schema,
) -> Result<ResolvedValue<'a>, FieldError> {
    let value = match value {
        Value::Object(map) if map.contains_key("__ref") => {
            let gid = map
                .get("__ref")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match resolvers::lookup(ctx, &gid) {
                Some(found) => found,
                None => return Ok(ResolvedValue::null()),
            }
        }
        other => other,
    };
    let Value::Object(mut map) = value else {
        return Err(field_error(format!(
            "shopify-sim built a non-object value for type {named}"
        )));
    };
    let type_name = match map
        .remove("__typename")
        .and_then(|t| t.as_str().map(str::to_owned))
    {
        Some(t) => t,
        None if matches!(schema.types.get(named), Some(ExtendedType::Object(_))) => {
            named.to_owned()
        }
        None => {
            return Err(field_error(format!(
                "shopify-sim cannot tell the concrete type of a {named}"
            )))
        }
    };
    Ok(ResolvedValue::object(JsonObject::new(ctx, type_name, map)))
}

/// The opaque cursor of the item at `index` of a list.
pub fn cursor(item: &Value, index: usize) -> String {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .and_then(crate::ids::split_gid)
        .map(|(_, n)| json!(n))
        .unwrap_or_else(|| json!(index));
    STANDARD.encode(json!({ "last_id": id, "last_index": index }).to_string())
}

fn decode_cursor(cursor: &str) -> Result<usize, FieldError> {
    let bad = || {
        field_error(format!(
            "Invalid cursor for current pagination sort: {cursor}"
        ))
    };
    let bytes = STANDARD.decode(cursor).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    v.get("last_index")
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .ok_or_else(bad)
}

/// Which items of a list of `len` (after `reverse`) a connection page covers, per
/// `first`/`last`/`after`/`before`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageWindow {
    /// The items of the page.
    pub range: std::ops::Range<usize>,
    /// `pageInfo.hasNextPage`.
    pub has_next: bool,
    /// `pageInfo.hasPreviousPage`.
    pub has_previous: bool,
}

/// The page of a list of `len` items that the connection arguments ask for (`int` and `text`
/// read an argument); an error for bad arguments, as Shopify answers them.
pub fn page_window(
    len: usize,
    int: impl Fn(&str) -> Option<i64>,
    text: impl Fn(&str) -> Option<String>,
) -> Result<PageWindow, FieldError> {
    let first = int("first");
    let last = int("last");
    if first.is_none() && last.is_none() {
        return Err(coded_error(
            "you must provide one of first or last",
            json!({ "code": "argumentLiteralsIncompatible" }),
        ));
    }
    for (k, n) in [("first", first), ("last", last)] {
        if let Some(n) = n {
            if !(0..=250).contains(&n) {
                return Err(field_error(format!(
                    "`{k}` must be between 0 and 250, got {n}"
                )));
            }
        }
    }
    let mut start = 0;
    let mut end = len;
    if let Some(after) = text("after") {
        start = (decode_cursor(&after)? + 1).min(end);
    }
    if let Some(before) = text("before") {
        end = decode_cursor(&before)?.min(end).max(start);
    }
    let mut has_next = end < len;
    let mut has_previous = start > 0;
    if let Some(n) = first {
        let n = n as usize;
        if end - start > n {
            has_next = true;
            end = start + n;
        }
    }
    if let Some(n) = last {
        let n = n as usize;
        if end - start > n {
            has_previous = true;
            start = end - n;
        }
    }
    Ok(PageWindow {
        range: start..end,
        has_next,
        has_previous,
    })
}

/// Turns a full list into a connection page per `first`/`last`/`after`/`before`/`reverse`.
pub fn paginate(
    mut items: Vec<Value>,
    args: &apollo_compiler::response::JsonMap,
) -> Result<Value, FieldError> {
    let int = |k: &str| args.get(k).and_then(|v| v.as_i64());
    let text = |k: &str| args.get(k).and_then(|v| v.as_str().map(str::to_owned));
    if args.get("reverse").and_then(|v| v.as_bool()) == Some(true) {
        items.reverse();
    }
    let PageWindow {
        range,
        has_next,
        has_previous,
    } = page_window(items.len(), int, text)?;
    let indexed: Vec<(usize, Value)> = items.into_iter().enumerate().collect();
    let window = &indexed[range];
    let edges: Vec<Value> = window
        .iter()
        .map(|(i, node)| json!({ "cursor": cursor(node, *i), "node": node }))
        .collect();
    let nodes: Vec<Value> = window.iter().map(|(_, node)| node.clone()).collect();
    let start_cursor = window.first().map(|(i, n)| cursor(n, *i));
    let end_cursor = window.last().map(|(i, n)| cursor(n, *i));
    Ok(json!({
        "edges": edges,
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": start_cursor,
            "endCursor": end_cursor,
        }
    }))
}
