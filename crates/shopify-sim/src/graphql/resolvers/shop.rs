//! The shop itself, its locations, and the calling app's installation.

use apollo_compiler::resolvers::FieldError;
use serde_json::{json, Value};

use super::Call;
use crate::graphql::value::Ctx;
use crate::ids::gid;
use crate::state::Shop;

pub(super) fn field(call: &Call<'_, '_, '_>) -> Option<Result<Value, FieldError>> {
    let world = call.ctx.world.borrow();
    let shop = world.shop(&call.ctx.caller.shop)?;
    Some(Ok(match (call.type_name, call.field) {
        ("Query", "shop") => shop_json(shop),
        ("Query", "locations") => Value::Array(
            shop.locations
                .iter()
                .map(|l| location_json(shop, l.id))
                .collect(),
        ),
        ("Query", "location") => match call
            .str_arg("id")
            .and_then(|g| crate::ids::parse_gid("Location", g))
        {
            Some(id) if shop.locations.iter().any(|l| l.id == id) => location_json(shop, id),
            _ if call.str_arg("id").is_none() => shop
                .primary_location()
                .map_or(Value::Null, |l| location_json(shop, l.id)),
            _ => Value::Null,
        },
        ("Query", "currentAppInstallation") => {
            let Some(installation) = shop.installation(&call.ctx.caller.api_key) else {
                return Some(Ok(Value::Null));
            };
            let app = world.apps.get(&call.ctx.caller.api_key);
            json!({
                "id": gid("AppInstallation", installation.id),
                "accessScopes": installation.scopes.iter().map(|s| json!({ "handle": s, "description": s })).collect::<Vec<_>>(),
                "app": {
                    "id": gid("App", app_numeric_id(&call.ctx.caller.api_key)),
                    "apiKey": call.ctx.caller.api_key,
                    "handle": app.map(|a| slug(&a.title)).unwrap_or_default(),
                    "title": app.map(|a| a.title.clone()).unwrap_or_default(),
                },
                "launchUrl": format!("https://{}/admin/apps/{}", shop.domain, call.ctx.caller.api_key),
            })
        }
        _ => return None,
    }))
}

pub(super) fn lookup(ctx: &Ctx<'_>, kind: &str, id: u64) -> Option<Value> {
    let world = ctx.world.borrow();
    let shop = world.shop(&ctx.caller.shop)?;
    match kind {
        "Shop" if shop.id == id => Some(shop_json(shop)),
        "Location" if shop.locations.iter().any(|l| l.id == id) => Some(location_json(shop, id)),
        _ => None,
    }
}

/// A stable number for an app's GID, derived from its API key.
pub(crate) fn app_numeric_id(api_key: &str) -> u64 {
    api_key.bytes().fold(1_000_003u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }) % 1_000_000_000
}

fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The `Shop` object.
pub(crate) fn shop_json(shop: &Shop) -> Value {
    json!({
        "__typename": "Shop",
        "id": gid("Shop", shop.id),
        "name": shop.name,
        "email": shop.email,
        "contactEmail": shop.email,
        "myshopifyDomain": shop.domain,
        "url": format!("https://{}", shop.domain),
        "currencyCode": shop.currency,
        "ianaTimezone": "UTC",
        "timezoneAbbreviation": "UTC",
        "plan": {
            "displayName": shop.plan_name,
            "partnerDevelopment": shop.plan_name == "Development",
            "shopifyPlus": shop.plan_name == "Shopify Plus",
        },
        "primaryDomain": {
            "id": gid("Domain", shop.id),
            "host": shop.domain,
            "url": format!("https://{}", shop.domain),
            "sslEnabled": true,
        },
    })
}

/// The `Location` object.
pub(crate) fn location_json(shop: &Shop, id: u64) -> Value {
    let Some(l) = shop.locations.iter().find(|l| l.id == id) else {
        return Value::Null;
    };
    json!({
        "__typename": "Location",
        "id": gid("Location", l.id),
        "name": l.name,
        "isActive": true,
        "isFulfillmentService": false,
        "fulfillsOnlineOrders": true,
        "shipsInventory": true,
    })
}
