//! Webhook bodies as a 2026-07 app receives them: the REST representation of the resource, key
//! for key as in `contracts/shopify/webhooks/<topic>.json`. Values the simulator models come
//! from the world; keys it does not model carry Shopify's empty value (`null`, `[]`, `false`).
//! Orders and fulfillments are in `order_payload`; products, the shop, billing and compliance here.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use super::order_payload::{fulfillment_json, order_json};
use crate::ids::gid;
use crate::state::{PendingEvent, Shop, Topic};

/// The body of one event, or `None` when its resource is gone.
pub(super) fn body(shop: &Shop, event: &PendingEvent, event_id: &str) -> Option<Value> {
    let id = event.resource_id;
    match event.topic {
        Topic::OrdersCreate
        | Topic::OrdersUpdated
        | Topic::OrdersPaid
        | Topic::OrdersCancelled
        | Topic::OrdersFulfilled
        | Topic::OrdersPartiallyFulfilled => order_json(shop, shop.orders.get(&id?)?),
        Topic::FulfillmentsCreate | Topic::FulfillmentsUpdate => {
            fulfillment_json(shop, shop.fulfillments.get(&id?)?)
        }
        Topic::ProductsCreate | Topic::ProductsUpdate => product_json(shop, id?),
        Topic::AppUninstalled => Some(shop_json(shop)),
        Topic::AppSubscriptionsUpdate => app_subscription_json(shop, event, id?),
        Topic::CustomersDataRequest => {
            let (customer, orders) = customer_and_orders(shop, id?)?;
            Some(json!({
                "shop_id": shop.id,
                "shop_domain": shop.domain,
                "customer": customer,
                "orders_requested": orders,
                "data_request": { "id": number_from_uuid(event_id) },
            }))
        }
        Topic::CustomersRedact => {
            let (customer, orders) = customer_and_orders(shop, id?)?;
            Some(json!({
                "shop_id": shop.id,
                "shop_domain": shop.domain,
                "customer": customer,
                "orders_to_redact": orders,
            }))
        }
        Topic::ShopRedact => Some(json!({ "shop_id": shop.id, "shop_domain": shop.domain })),
    }
}

/// REST timestamps: seconds, with the shop's offset (the simulator's shops are on UTC).
pub(super) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// REST amounts: two decimals (`"10.00"`), half a cent rounded away from zero.
pub(super) fn amount(value: Decimal) -> String {
    let cents = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    format!("{cents:.2}")
}

/// A REST money set (shop and presentment money, the same currency in the simulator).
pub(super) fn money_set(value: Decimal, currency: &str) -> Value {
    let money = json!({ "amount": amount(value), "currency_code": currency });
    json!({ "shop_money": money, "presentment_money": money })
}

/// A stable positive number (below 2^53, safe in JavaScript) derived from an event id, for
/// identifiers Shopify creates with the event (a data request's id).
fn number_from_uuid(event_id: &str) -> u64 {
    let id = uuid::Uuid::parse_str(event_id).map_or(0, |u| u.as_u128());
    (id as u64 & ((1 << 53) - 1)).max(1)
}

fn customer_and_orders(shop: &Shop, customer_id: u64) -> Option<(Value, Vec<u64>)> {
    let customer = shop.customers.get(&customer_id)?;
    let orders = shop
        .orders
        .values()
        .filter(|o| o.customer_id == Some(customer_id))
        .map(|o| o.id)
        .collect();
    Some((
        json!({ "id": customer.id, "email": customer.email, "phone": customer.phone }),
        orders,
    ))
}

fn product_json(shop: &Shop, id: u64) -> Option<Value> {
    let product = shop.products.get(&id)?;
    let variants: Vec<Value> = product
        .variant_ids
        .iter()
        .filter_map(|vid| shop.variants.get(vid))
        .enumerate()
        .map(|(i, v)| {
            json!({
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "barcode": null,
                "compare_at_price": null,
                "created_at": time(v.created_at),
                "id": v.id,
                "inventory_policy": "deny",
                "position": i + 1,
                "price": amount(v.price),
                "product_id": product.id,
                "sku": v.sku,
                "taxable": true,
                "title": v.title,
                "updated_at": time(v.updated_at),
                "option1": v.title,
                "option2": null,
                "option3": null,
                "image_id": null,
                "inventory_item_id": v.inventory_item_id,
                "inventory_quantity": v.inventory_quantity,
                "old_inventory_quantity": v.inventory_quantity,
            })
        })
        .collect();
    let variant_gids: Vec<Value> = product
        .variant_ids
        .iter()
        .filter_map(|vid| shop.variants.get(vid))
        .map(|v| {
            json!({
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "updated_at": v.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            })
        })
        .collect();
    Some(json!({
        "admin_graphql_api_id": gid("Product", product.id),
        "body_html": null,
        "created_at": time(product.created_at),
        "handle": product.handle,
        "id": product.id,
        "product_type": "",
        "published_at": null,
        "template_suffix": null,
        "title": product.title,
        "updated_at": time(product.updated_at),
        "vendor": product.vendor,
        "status": product.status.to_lowercase(),
        "published_scope": "web",
        "tags": "",
        "variants": variants,
        "options": [],
        "images": [],
        "image": null,
        "media": [],
        "variant_gids": variant_gids,
        "has_variants_that_requires_components": false,
        "category": null,
    }))
}

/// The shop as `app/uninstalled` carries it (the REST `Shop` resource).
fn shop_json(shop: &Shop) -> Value {
    let location = shop.primary_location();
    let symbol = match shop.currency.as_str() {
        "USD" | "CAD" | "AUD" | "NZD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        _ => "",
    };
    let money_format = format!("{symbol}{{{{amount}}}}");
    let money_with_currency = format!("{symbol}{{{{amount}}}} {}", shop.currency);
    let head = json!({
        "id": shop.id,
        "name": shop.name,
        "email": shop.email,
        "domain": shop.domain,
        "province": null,
        "country": location.and_then(|l| l.country_code.clone()),
        "address1": location.and_then(|l| l.address1.clone()),
        "zip": null,
        "city": location.and_then(|l| l.city.clone()),
        "source": null,
        "phone": null,
        "latitude": null,
        "longitude": null,
        "primary_locale": "en",
        "address2": null,
        "created_at": null,
        "updated_at": null,
        "country_code": location.and_then(|l| l.country_code.clone()),
        "country_name": null,
        "currency": shop.currency,
        "customer_email": shop.email,
        "timezone": "(GMT+00:00) UTC",
        "iana_timezone": "UTC",
        "shop_owner": null,
    });
    let tail = json!({
        "money_format": money_format,
        "money_with_currency_format": money_with_currency,
        "weight_unit": "kg",
        "province_code": null,
        "taxes_included": false,
        "auto_configure_tax_inclusivity": null,
        "tax_shipping": null,
        "county_taxes": true,
        "plan_display_name": shop.plan_name,
        "plan_name": plan_handle(&shop.plan_name),
        "has_discounts": false,
        "has_gift_cards": false,
        "myshopify_domain": shop.domain,
        "google_apps_domain": null,
        "google_apps_login_enabled": null,
        "money_in_emails_format": money_format,
        "money_with_currency_in_emails_format": money_with_currency,
        "eligible_for_payments": true,
        "requires_extra_payments_agreement": false,
        "password_enabled": false,
        "has_storefront": true,
        "finances": true,
        "primary_location_id": location.map(|l| l.id),
        "checkout_api_supported": true,
        "multi_location_enabled": shop.locations.len() > 1,
        "setup_required": false,
        "pre_launch_enabled": false,
        "enabled_presentment_currencies": [shop.currency],
        "marketing_sms_consent_enabled_at_checkout": false,
        "transactional_sms_disabled": false,
    });
    let mut body = serde_json::Map::new();
    for part in [head, tail] {
        if let Value::Object(map) = part {
            body.extend(map);
        }
    }
    Value::Object(body)
}

/// `Development` → `partner_test`, `Shopify Plus` → `shopify_plus`: REST's `plan_name`.
fn plan_handle(display: &str) -> String {
    match display {
        "Development" => "partner_test".to_owned(),
        other => other.to_lowercase().replace(' ', "_"),
    }
}

fn app_subscription_json(shop: &Shop, event: &PendingEvent, id: u64) -> Option<Value> {
    let subscription = shop
        .installations
        .values()
        .filter(|i| event.app.as_ref().is_none_or(|a| a == &i.api_key))
        .flat_map(|i| i.app_subscriptions.iter())
        .find(|s| s.id == id)?;
    Some(json!({
        "app_subscription": {
            "admin_graphql_api_id": gid("AppSubscription", subscription.id),
            "name": subscription.name,
            "status": subscription.status,
            "admin_graphql_api_shop_id": gid("Shop", shop.id),
            "created_at": time(subscription.created_at),
            "updated_at": time(event.at),
            "currency": subscription.currency,
            "capped_amount": null,
            "price": amount(subscription.price),
            "interval": "every_30_days",
            "plan_handle": null,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_times_look_like_rest() {
        assert_eq!(amount(Decimal::new(10, 0)), "10.00");
        assert_eq!(amount(Decimal::new(41495, 2)), "414.95");
        assert_eq!(amount(Decimal::new(12345, 3)), "12.35");
        let at = DateTime::parse_from_rfc3339("2021-12-31T19:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(time(at), "2021-12-31T19:00:00+00:00");
        assert_eq!(plan_handle("Shopify Plus"), "shopify_plus");
    }
}
