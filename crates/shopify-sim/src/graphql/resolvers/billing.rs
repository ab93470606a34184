//! App billing: `appSubscriptionCreate` (a PENDING charge and the URL of the page where the
//! merchant approves or declines it, see `pages::charges`), `appSubscriptionCancel`, and the
//! calling app's `currentAppInstallation { activeSubscriptions allSubscriptions }`.

use std::str::FromStr;

use apollo_compiler::resolvers::FieldError;
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::{user_error, Call};
use crate::graphql::value::Ctx;
use crate::ids::{gid, parse_gid};
use crate::money::money_v2;
use crate::state::{AppSubscription, Topic};

pub(super) fn field(call: &Call<'_, '_, '_>) -> Option<Result<Value, FieldError>> {
    match (call.type_name, call.field) {
        ("Mutation", "appSubscriptionCreate") => Some(Ok(create(call))),
        ("Mutation", "appSubscriptionCancel") => Some(Ok(cancel(call))),
        ("AppInstallation", "activeSubscriptions") => Some(Ok(subscriptions(call.ctx, true))),
        ("AppInstallation", "allSubscriptions") => Some(Ok(subscriptions(call.ctx, false))),
        _ => None,
    }
}

pub(super) fn lookup(ctx: &Ctx<'_>, kind: &str, id: u64) -> Option<Value> {
    if kind != "AppSubscription" {
        return None;
    }
    let world = ctx.world.borrow();
    let installation = world
        .shop(&ctx.caller.shop)?
        .installation(&ctx.caller.api_key)?;
    installation
        .app_subscriptions
        .iter()
        .find(|s| s.id == id)
        .map(subscription_json)
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `AppSubscription` object.
pub(crate) fn subscription_json(s: &AppSubscription) -> Value {
    json!({
        "__typename": "AppSubscription",
        "id": gid("AppSubscription", s.id),
        "name": s.name,
        "status": s.status,
        "test": s.test,
        "trialDays": s.trial_days,
        "createdAt": time(s.created_at),
        "currentPeriodEnd": s.current_period_end.map(time),
        "returnUrl": s.return_url,
        "lineItems": [{
            "id": format!("gid://shopify/AppSubscriptionLineItem/{}?v=1&index=0", s.id),
            "plan": { "pricingDetails": {
                "__typename": "AppRecurringPricing",
                "price": money_v2(s.price, &s.currency),
                "interval": s.interval,
                "discount": null,
                "planHandle": null,
            }},
        }],
    })
}

fn subscriptions(ctx: &Ctx<'_>, active_only: bool) -> Value {
    let world = ctx.world.borrow();
    let Some(installation) = world
        .shop(&ctx.caller.shop)
        .and_then(|s| s.installation(&ctx.caller.api_key))
    else {
        return json!([]);
    };
    Value::Array(
        installation
            .app_subscriptions
            .iter()
            .filter(|s| !active_only || s.status == "ACTIVE")
            .map(subscription_json)
            .collect(),
    )
}

fn payload(fields: Map<String, Value>) -> Value {
    Value::Object(fields)
}

fn create_error(field: &[&str], message: &str) -> Value {
    json!({
        "appSubscription": null,
        "confirmationUrl": null,
        "userErrors": [user_error(field, message)],
    })
}

/// The recurring plan of the input's only line item: (price, currency, interval).
fn recurring_plan(line_items: &[Value]) -> Result<(Decimal, String, String), Value> {
    let [item] = line_items else {
        return Err(create_error(
            &["lineItems"],
            "shopify-sim models exactly one recurring line item per subscription",
        ));
    };
    let plan = &item["plan"];
    if !plan["appUsagePricingDetails"].is_null() {
        return Err(create_error(
            &["lineItems", "0", "plan", "appUsagePricingDetails"],
            "shopify-sim does not model usage pricing; use appRecurringPricingDetails",
        ));
    }
    let details = &plan["appRecurringPricingDetails"];
    if details.is_null() {
        return Err(create_error(
            &["lineItems", "0", "plan"],
            "A plan needs appRecurringPricingDetails",
        ));
    }
    let amount = match &details["price"]["amount"] {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    };
    let Some(amount) = amount.filter(|a| *a >= Decimal::ZERO) else {
        return Err(create_error(
            &[
                "lineItems",
                "0",
                "plan",
                "appRecurringPricingDetails",
                "price",
                "amount",
            ],
            "Price must be a non-negative amount",
        ));
    };
    let currency = details["price"]["currencyCode"]
        .as_str()
        .unwrap_or("USD")
        .to_owned();
    let interval = details["interval"]
        .as_str()
        .unwrap_or("EVERY_30_DAYS")
        .to_owned();
    Ok((amount, currency, interval))
}

fn create(call: &Call<'_, '_, '_>) -> Value {
    let name = call.str_arg("name").unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return create_error(&["name"], "Name can't be blank");
    }
    let return_url = call.str_arg("returnUrl").unwrap_or_default().to_owned();
    if !(return_url.starts_with("https://") || return_url.starts_with("http://")) {
        return create_error(&["returnUrl"], "Return url must be an http(s) URL");
    }
    let items = call
        .args
        .get("lineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (price, currency, interval) = match recurring_plan(&items) {
        Ok(plan) => plan,
        Err(errors) => return errors,
    };
    let trial_days = call
        .args
        .get("trialDays")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if trial_days < 0 {
        return create_error(
            &["trialDays"],
            "Trial days must be greater than or equal to 0",
        );
    }
    let test = call
        .args
        .get("test")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let shop = call.ctx.caller.shop.clone();
    let api_key = call.ctx.caller.api_key.clone();
    let mut world = call.ctx.world.borrow_mut();
    let id = world.next_id();
    let Some(installation) = world
        .shop_mut(&shop)
        .and_then(|s| s.installations.get_mut(&api_key))
        .filter(|i| i.installed)
    else {
        return create_error(&[], "The app is not installed on this shop");
    };
    let subscription = AppSubscription {
        id,
        name,
        status: "PENDING".into(),
        test,
        price,
        interval,
        currency,
        trial_days: u32::try_from(trial_days).unwrap_or(u32::MAX),
        return_url,
        created_at: Utc::now(),
        current_period_end: None,
    };
    let object = subscription_json(&subscription);
    installation.app_subscriptions.push(subscription);
    let url = crate::pages::charge_confirmation_url(&world.base_url, &shop, id);
    let mut fields = Map::new();
    fields.insert("appSubscription".into(), object);
    fields.insert("confirmationUrl".into(), json!(url));
    fields.insert("userErrors".into(), json!([]));
    payload(fields)
}

fn cancel(call: &Call<'_, '_, '_>) -> Value {
    let not_found = || {
        json!({
            "appSubscription": null,
            "userErrors": [user_error(&["id"], "Couldn't find the app subscription")],
        })
    };
    let Some(id) = call
        .str_arg("id")
        .and_then(|g| parse_gid("AppSubscription", g))
    else {
        return not_found();
    };
    let shop = call.ctx.caller.shop.clone();
    let api_key = call.ctx.caller.api_key.clone();
    let mut world = call.ctx.world.borrow_mut();
    let Some(subscription) = world
        .shop_mut(&shop)
        .and_then(|s| s.installations.get_mut(&api_key))
        .and_then(|i| i.app_subscriptions.iter_mut().find(|s| s.id == id))
    else {
        return not_found();
    };
    if matches!(
        subscription.status.as_str(),
        "CANCELLED" | "DECLINED" | "EXPIRED"
    ) {
        return json!({
            "appSubscription": null,
            "userErrors": [user_error(&["id"], &format!(
                "Cannot cancel a subscription whose status is {}",
                subscription.status
            ))],
        });
    }
    subscription.status = "CANCELLED".into();
    let object = subscription_json(subscription);
    world.emit_to_app(&shop, &api_key, Topic::AppSubscriptionsUpdate, Some(id));
    json!({ "appSubscription": object, "userErrors": [] })
}
