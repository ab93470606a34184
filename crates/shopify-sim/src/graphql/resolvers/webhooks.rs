//! Webhook subscriptions of the calling app on the calling shop: `webhookSubscriptionCreate`,
//! `webhookSubscriptionUpdate`, `webhookSubscriptionDelete`, `webhookSubscriptions`,
//! `webhookSubscriptionsCount`, `webhookSubscription(id:)` and lookups by GID, with Shopify's
//! payloads and `userErrors`.
//!
//! Endpoints are HTTP(S) URLs (the simulator accepts `http://` so tests can listen locally);
//! Pub/Sub and EventBridge URIs and the XML format are refused with a message saying so, since
//! the simulator cannot deliver to them.

use apollo_compiler::resolvers::FieldError;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::{user_error, Call};
use crate::graphql::value::{field_error, Ctx};
use crate::ids::{gid, parse_gid};
use crate::oauth::from_app_config;
use crate::schema::API_VERSION;
use crate::state::{Installation, WebhookSubscription};

pub(super) fn field(call: &Call<'_, '_, '_>) -> Option<Result<Value, FieldError>> {
    match (call.type_name, call.field) {
        ("Query", "webhookSubscriptions") => Some(list(call)),
        ("Query", "webhookSubscriptionsCount") => Some(count(call)),
        ("Query", "webhookSubscription") => Some(Ok(call
            .str_arg("id")
            .and_then(|id| lookup_gid(call.ctx, id))
            .unwrap_or(Value::Null))),
        ("Mutation", "webhookSubscriptionCreate") => Some(Ok(create(call))),
        ("Mutation", "webhookSubscriptionUpdate") => Some(Ok(update(call))),
        ("Mutation", "webhookSubscriptionDelete") => Some(Ok(delete(call))),
        _ => None,
    }
}

pub(super) fn lookup(ctx: &Ctx<'_>, kind: &str, id: u64) -> Option<Value> {
    if kind != "WebhookSubscription" {
        return None;
    }
    let world = ctx.world.borrow();
    let installation = world
        .shop(&ctx.caller.shop)?
        .installation(&ctx.caller.api_key)?;
    installation
        .webhook_subscriptions
        .iter()
        .filter(|s| !from_app_config(s))
        .find(|s| s.id == id)
        .map(subscription_json)
}

fn lookup_gid(ctx: &Ctx<'_>, id: &str) -> Option<Value> {
    lookup(
        ctx,
        "WebhookSubscription",
        parse_gid("WebhookSubscription", id)?,
    )
}

/// The `WebhookSubscription` object.
pub(crate) fn subscription_json(s: &WebhookSubscription) -> Value {
    let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "__typename": "WebhookSubscription",
        "id": gid("WebhookSubscription", s.id),
        "legacyResourceId": s.id.to_string(),
        "topic": s.topic,
        "uri": s.uri,
        "callbackUrl": s.uri,
        "endpoint": { "__typename": "WebhookHttpEndpoint", "callbackUrl": s.uri },
        "format": s.format,
        "createdAt": at(s.created_at),
        "updatedAt": at(s.updated_at),
        "apiVersion": { "handle": API_VERSION, "displayName": API_VERSION, "supported": true },
        "filter": null,
        "includeFields": [],
        "metafieldNamespaces": [],
        "metafields": [],
        "name": null,
    })
}

/// The caller's subscriptions, filtered by the arguments (before pagination).
fn list(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    if call.str_arg("query").is_some_and(|q| !q.trim().is_empty()) {
        return Err(field_error(
            "shopify-sim does not support the `query` argument of webhookSubscriptions; filter with topics, uri or format",
        ));
    }
    Ok(Value::Array(
        matching(call).iter().map(subscription_json).collect(),
    ))
}

fn count(call: &Call<'_, '_, '_>) -> Result<Value, FieldError> {
    if call.str_arg("query").is_some_and(|q| !q.trim().is_empty()) {
        return Err(field_error(
            "shopify-sim does not support the `query` argument of webhookSubscriptionsCount",
        ));
    }
    let world = call.ctx.world.borrow();
    let n = world
        .shop(&call.ctx.caller.shop)
        .and_then(|s| s.installation(&call.ctx.caller.api_key))
        .map_or(0, |i| {
            i.webhook_subscriptions
                .iter()
                .filter(|s| !from_app_config(s))
                .count()
        });
    let limit = call.args.get("limit").and_then(Value::as_u64);
    Ok(match limit {
        Some(limit) if n as u64 > limit => json!({ "count": limit, "precision": "AT_LEAST" }),
        _ => json!({ "count": n, "precision": "EXACT" }),
    })
}

fn matching(call: &Call<'_, '_, '_>) -> Vec<WebhookSubscription> {
    let world = call.ctx.world.borrow();
    let Some(installation) = world
        .shop(&call.ctx.caller.shop)
        .and_then(|s| s.installation(&call.ctx.caller.api_key))
    else {
        return Vec::new();
    };
    let topics: Option<Vec<&str>> = call
        .args
        .get("topics")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect());
    let uri = call.str_arg("uri").or_else(|| call.str_arg("callbackUrl"));
    let format = call.str_arg("format");
    let mut found: Vec<WebhookSubscription> = installation
        .webhook_subscriptions
        .iter()
        .filter(|s| !from_app_config(s))
        .filter(|s| {
            topics
                .as_ref()
                .is_none_or(|t| t.contains(&s.topic.as_str()))
        })
        .filter(|s| uri.is_none_or(|u| s.uri == u))
        .filter(|s| format.is_none_or(|f| s.format == f))
        .cloned()
        .collect();
    match call.str_arg("sortKey") {
        Some("ID") => found.sort_by_key(|s| s.id),
        _ => found.sort_by_key(|s| (s.created_at, s.id)),
    }
    found
}

/// The endpoint and format an input asks for, or the user errors that refuse it. `existing`
/// supplies what an update leaves unchanged.
fn read_input(
    input: &Map<String, Value>,
    existing: Option<&WebhookSubscription>,
) -> Result<(String, String), Vec<Value>> {
    let (key, uri) = match (input.get("uri"), input.get("callbackUrl")) {
        (Some(Value::String(u)), _) => ("uri", Some(u.clone())),
        (_, Some(Value::String(u))) => ("callbackUrl", Some(u.clone())),
        _ => ("callbackUrl", existing.map(|s| s.uri.clone())),
    };
    let field = ["webhookSubscription", key];
    let Some(uri) = uri.filter(|u| !u.trim().is_empty()) else {
        return Err(vec![user_error(&field, "Address can't be blank")]);
    };
    match reqwest::Url::parse(&uri) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        Ok(url) if matches!(url.scheme(), "pubsub" | "arn") => {
            return Err(vec![user_error(
                &field,
                &format!(
                    "Address protocol {}:// is not supported by shopify-sim (HTTP endpoints only)",
                    url.scheme()
                ),
            )])
        }
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            return Err(vec![user_error(
                &field,
                &format!("Address protocol {}:// is not supported", url.scheme()),
            )])
        }
        _ => return Err(vec![user_error(&field, "Address is invalid")]),
    }
    let format = match input.get("format").and_then(Value::as_str) {
        Some(f) => f.to_owned(),
        None => existing.map_or_else(|| "JSON".to_owned(), |s| s.format.clone()),
    };
    if format != "JSON" {
        return Err(vec![user_error(
            &["webhookSubscription", "format"],
            "Format XML is not supported by shopify-sim (JSON only)",
        )]);
    }
    Ok((uri, format))
}

fn taken(installation: &Installation, topic: &str, uri: &str, except: Option<u64>) -> bool {
    installation
        .webhook_subscriptions
        .iter()
        .any(|s| s.topic == topic && s.uri == uri && Some(s.id) != except)
}

fn input(call: &Call<'_, '_, '_>) -> Map<String, Value> {
    call.args
        .get("webhookSubscription")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn payload(subscription: Option<Value>, errors: Vec<Value>) -> Value {
    json!({ "webhookSubscription": subscription, "userErrors": errors })
}

fn create(call: &Call<'_, '_, '_>) -> Value {
    let topic = call.str_arg("topic").unwrap_or_default().to_owned();
    let (uri, format) = match read_input(&input(call), None) {
        Ok(ok) => ok,
        Err(errors) => return payload(None, errors),
    };
    let mut world = call.ctx.world.borrow_mut();
    let id = world.next_id();
    let caller = call.ctx.caller;
    let Some(installation) = world
        .shop_mut(&caller.shop)
        .and_then(|s| s.installations.get_mut(&caller.api_key))
        .filter(|i| i.installed)
    else {
        return payload(None, vec![user_error(&[], "The app is not installed")]);
    };
    if taken(installation, &topic, &uri, None) {
        let key = if input(call).contains_key("uri") {
            "uri"
        } else {
            "callbackUrl"
        };
        return payload(
            None,
            vec![user_error(
                &["webhookSubscription", key],
                "Address for this topic has already been taken",
            )],
        );
    }
    let now = Utc::now();
    let subscription = WebhookSubscription {
        id,
        topic,
        uri,
        format,
        created_at: now,
        updated_at: now,
    };
    installation
        .webhook_subscriptions
        .push(subscription.clone());
    payload(Some(subscription_json(&subscription)), Vec::new())
}

fn not_found() -> Value {
    user_error(&["id"], "Webhook subscription does not exist")
}

fn update(call: &Call<'_, '_, '_>) -> Value {
    let id = call
        .str_arg("id")
        .and_then(|g| parse_gid("WebhookSubscription", g));
    let input = input(call);
    let mut world = call.ctx.world.borrow_mut();
    let caller = call.ctx.caller;
    let Some(installation) = world
        .shop_mut(&caller.shop)
        .and_then(|s| s.installations.get_mut(&caller.api_key))
        .filter(|i| i.installed)
    else {
        return payload(None, vec![not_found()]);
    };
    let Some(existing) = installation
        .webhook_subscriptions
        .iter()
        .filter(|s| !from_app_config(s))
        .find(|s| Some(s.id) == id)
        .cloned()
    else {
        return payload(None, vec![not_found()]);
    };
    let (uri, format) = match read_input(&input, Some(&existing)) {
        Ok(ok) => ok,
        Err(errors) => return payload(None, errors),
    };
    if taken(installation, &existing.topic, &uri, Some(existing.id)) {
        let key = if input.contains_key("uri") {
            "uri"
        } else {
            "callbackUrl"
        };
        return payload(
            None,
            vec![user_error(
                &["webhookSubscription", key],
                "Address for this topic has already been taken",
            )],
        );
    }
    let Some(subscription) = installation
        .webhook_subscriptions
        .iter_mut()
        .find(|s| s.id == existing.id)
    else {
        return payload(None, vec![not_found()]);
    };
    subscription.uri = uri;
    subscription.format = format;
    subscription.updated_at = Utc::now();
    payload(Some(subscription_json(subscription)), Vec::new())
}

fn delete(call: &Call<'_, '_, '_>) -> Value {
    let gid_arg = call.str_arg("id").unwrap_or_default().to_owned();
    let id = parse_gid("WebhookSubscription", &gid_arg);
    let mut world = call.ctx.world.borrow_mut();
    let caller = call.ctx.caller;
    let removed = world
        .shop_mut(&caller.shop)
        .and_then(|s| s.installations.get_mut(&caller.api_key))
        .filter(|i| i.installed)
        .and_then(|i| {
            let at = i
                .webhook_subscriptions
                .iter()
                .position(|s| Some(s.id) == id && !from_app_config(s))?;
            Some(i.webhook_subscriptions.remove(at))
        });
    match removed {
        Some(s) => json!({
            "deletedWebhookSubscriptionId": gid("WebhookSubscription", s.id),
            "userErrors": [],
        }),
        None => json!({ "deletedWebhookSubscriptionId": null, "userErrors": [not_found()] }),
    }
}
