//! The storefront: a form where a person, as a shopper, picks variants and quantities, enters an
//! address, chooses paid or pending, and may add a discount code and a shipping line; placing it
//! calls the merchant's `place_order`, so webhooks fire as for a real checkout.

use std::str::FromStr;

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{back, escape, not_found, page};
use crate::merchant::{self, MerchantError, NewCustomer, OrderLine, Payment, PlaceOrder};
use crate::money::shopify_decimal;
use crate::state::MailingAddress;
use crate::Sim;

type Params = Vec<(String, String)>;

#[derive(Debug, Deserialize)]
pub(super) struct Msg {
    #[serde(default)]
    msg: Option<String>,
}

pub(super) async fn form(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    Query(msg): Query<Msg>,
) -> Response {
    let domain = shop.to_ascii_lowercase();
    sim.read(|world| {
        let Some(shop) = world.shop(&domain) else {
            return not_found(&format!("There is no shop {domain}."));
        };
        let mut body = format!(
            "<p><a href=\"/shops/{d}/admin\">Shop admin</a></p><form method=\"post\"><fieldset><legend>Products</legend>",
            d = escape(&domain)
        );
        if shop.variants.is_empty() {
            body.push_str("<p>This shop has no products yet.</p>");
        }
        for product in shop.products.values() {
            for variant in product.variant_ids.iter().filter_map(|v| shop.variants.get(v)) {
                let label = if variant.title == "Default Title" {
                    product.title.clone()
                } else {
                    format!("{} – {}", product.title, variant.title)
                };
                body.push_str(&format!(
                    "<p><label>{label}, {price} {cur} ({stock} in stock) <input type=\"number\" min=\"0\" name=\"qty_{id}\"></label></p>",
                    label = escape(&label),
                    price = shopify_decimal(variant.price),
                    cur = escape(&shop.currency),
                    stock = variant.inventory_quantity,
                    id = variant.id,
                ));
            }
        }
        body.push_str("</fieldset><fieldset><legend>Contact and shipping address</legend>");
        for (name, label) in [
            ("email", "Email"),
            ("first_name", "First name"),
            ("last_name", "Last name"),
            ("address1", "Address"),
            ("city", "City"),
            ("zip", "Postal code"),
            ("country_code", "Country code"),
        ] {
            body.push_str(&format!("<p><label>{label} <input name=\"{name}\"></label></p>"));
        }
        body.push_str(
            "</fieldset><fieldset><legend>Payment</legend>\
             <p><label><input type=\"radio\" name=\"payment\" value=\"paid\" checked> Paid</label> \
             <label><input type=\"radio\" name=\"payment\" value=\"pending\"> Pending</label> \
             <label><input type=\"radio\" name=\"payment\" value=\"authorized\"> Authorized</label></p></fieldset>\
             <fieldset><legend>Extras</legend>\
             <p><label>Discount code <input name=\"discount_code\"></label> <label>Discount amount <input name=\"discount_amount\" inputmode=\"decimal\"></label></p>\
             <p><label>Shipping method <input name=\"shipping_title\" placeholder=\"Standard\"></label> <label>Shipping price <input name=\"shipping_price\" inputmode=\"decimal\"></label></p>\
             <p><label>Note <input name=\"note\"></label></p></fieldset>\
             <button type=\"submit\">Place order</button></form>",
        );
        page(&format!("{} store", shop.name), msg.msg.as_deref(), &body).into_response()
    })
}

fn text(params: &Params, name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn amount(params: &Params, name: &str) -> Result<Option<Decimal>, MerchantError> {
    text(params, name)
        .map(|v| {
            Decimal::from_str(&v)
                .map_err(|_| MerchantError::Invalid(format!("{v:?} is not an amount")))
        })
        .transpose()
}

fn order_from(params: &Params) -> Result<PlaceOrder, MerchantError> {
    let mut lines = Vec::new();
    for (key, value) in params {
        let Some(variant) = key.strip_prefix("qty_").and_then(|v| v.parse().ok()) else {
            continue;
        };
        match value.trim() {
            "" | "0" => {}
            v => lines.push(OrderLine {
                variant_id: Some(variant),
                sku: None,
                title: None,
                price: None,
                quantity: v
                    .parse()
                    .map_err(|_| MerchantError::Invalid(format!("{v:?} is not a quantity")))?,
            }),
        }
    }
    if lines.is_empty() {
        return Err(MerchantError::Invalid("pick at least one product".into()));
    }
    let address = MailingAddress {
        first_name: text(params, "first_name"),
        last_name: text(params, "last_name"),
        address1: text(params, "address1"),
        city: text(params, "city"),
        zip: text(params, "zip"),
        country_code: text(params, "country_code"),
        ..MailingAddress::default()
    };
    let has_address = address != MailingAddress::default();
    let email = text(params, "email");
    let shipping_line = match (
        text(params, "shipping_title"),
        amount(params, "shipping_price")?,
    ) {
        (Some(title), price) => Some((title, price.unwrap_or_default())),
        (None, Some(price)) => Some(("Standard".to_owned(), price)),
        (None, None) => None,
    };
    let discount_code = match (
        text(params, "discount_code"),
        amount(params, "discount_amount")?,
    ) {
        (Some(code), amount) => Some((code, amount.unwrap_or_default())),
        (None, Some(_)) => {
            return Err(MerchantError::Invalid(
                "a discount amount needs a code".into(),
            ))
        }
        (None, None) => None,
    };
    Ok(PlaceOrder {
        email: email.clone(),
        phone: None,
        customer: email.as_ref().map(|e| NewCustomer {
            first_name: address.first_name.clone(),
            last_name: address.last_name.clone(),
            email: Some(e.clone()),
            phone: None,
        }),
        shipping_address: has_address.then(|| address.clone()),
        billing_address: has_address.then_some(address),
        lines,
        shipping_line,
        discount_code,
        payment: match text(params, "payment").as_deref() {
            Some("pending") => Payment::Pending,
            Some("authorized") => Payment::Authorized,
            _ => Payment::Paid,
        },
        note: text(params, "note"),
        tags: Vec::new(),
        test: false,
    })
}

pub(super) async fn place(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    Form(params): Form<Params>,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    let result = order_from(&params).and_then(|order| {
        sim.mutate(|w| {
            let id = merchant::place_order(w, &shop, order)?;
            Ok(w.shop(&shop)
                .and_then(|s| s.orders.get(&id))
                .map_or(format!("Order {id} placed"), |o| {
                    format!("Order {} placed", o.name)
                }))
        })
    });
    let message = match result {
        Ok(done) => done,
        Err(MerchantError::NotFound(s)) => format!("Not found: {s}"),
        Err(MerchantError::Invalid(s)) => format!("Refused: {s}"),
    };
    back(&format!("/shops/{shop}/store"), &message)
}
