//! Where the simulator's state becomes GraphQL: root fields, mutations, fields whose value
//! depends on arguments, and lookups by GID. One module per area; each answers `None` for what
//! it does not own, and [`field`] asks them in turn.
//!
//! Objects are JSON maps (see [`crate::graphql::value`]). Builders put every field they model
//! in the map; a nested object that is expensive or cyclic is a `{"__ref": gid}` resolved on
//! demand by [`lookup`].

mod billing;
mod fulfillments;
mod orders;
mod products;
mod shop;
mod webhooks;

use apollo_compiler::resolvers::{FieldError, ResolveInfo};
use serde_json::{json, Map, Value};

use crate::graphql::value::{coded_error, Ctx};

/// The value of `type_name.field` on the object `obj`, when it is computed rather than stored in
/// the object's map.
pub fn field(
    ctx: &Ctx<'_>,
    type_name: &str,
    field: &str,
    obj: &Map<String, Value>,
    info: &ResolveInfo<'_>,
) -> Option<Result<Value, FieldError>> {
    let args = arguments(info);
    let call = Call {
        ctx,
        type_name,
        field,
        obj,
        args: &args,
    };
    shop::field(&call)
        .or_else(|| products::field(&call))
        .or_else(|| orders::field(&call))
        .or_else(|| fulfillments::field(&call))
        .or_else(|| webhooks::field(&call))
        .or_else(|| billing::field(&call))
}

/// The object a GID names, as JSON with `__typename`, if it exists on the caller's shop.
pub fn lookup(ctx: &Ctx<'_>, gid: &str) -> Option<Value> {
    let (kind, id) = crate::ids::split_gid(gid)?;
    shop::lookup(ctx, kind, id)
        .or_else(|| products::lookup(ctx, kind, id))
        .or_else(|| orders::lookup(ctx, kind, id))
        .or_else(|| fulfillments::lookup(ctx, kind, id))
        .or_else(|| webhooks::lookup(ctx, kind, id))
        .or_else(|| billing::lookup(ctx, kind, id))
}

/// One field to resolve.
pub(crate) struct Call<'a, 'c, 'w> {
    pub ctx: &'c Ctx<'w>,
    pub type_name: &'a str,
    pub field: &'a str,
    /// The parent object's fields.
    pub obj: &'a Map<String, Value>,
    /// Coerced arguments.
    pub args: &'a Map<String, Value>,
}

impl Call<'_, '_, '_> {
    /// Whether this call is `type_name.field`.
    pub fn is(&self, type_name: &str, field: &str) -> bool {
        self.type_name == type_name && self.field == field
    }

    /// A string argument.
    pub fn str_arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }
}

fn arguments(info: &ResolveInfo<'_>) -> Map<String, Value> {
    match serde_json::to_value(info.arguments()) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Shopify's answer when the token lacks a scope: `ACCESS_DENIED` with the scope named.
pub(crate) fn require_scope(ctx: &Ctx<'_>, scope: &str, field: &str) -> Result<(), FieldError> {
    if ctx.caller.has_scope(scope) {
        return Ok(());
    }
    Err(access_denied(field, &format!("`{scope}` access scope")))
}

/// An `ACCESS_DENIED` field error.
pub(crate) fn access_denied(field: &str, required: &str) -> FieldError {
    coded_error(
        format!("Access denied for {field} field. Required access: {required}."),
        json!({
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": format!("{required}."),
        }),
    )
}

/// A `UserError` object.
pub(crate) fn user_error(field: &[&str], message: &str) -> Value {
    json!({ "__typename": "UserError", "field": field, "message": message })
}
