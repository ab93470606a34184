//! The merchant's admin pages: the home page (orders, products, installed apps), an order's page
//! and the forms on it (mark paid, cancel, edit quantity, fulfill with tracking, add tracking
//! later, cancel a fulfillment), and app uninstall.

use std::str::FromStr;

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{back, escape, not_found, page};
use crate::merchant::{self, Fulfill, FulfillLine, MerchantError};
use crate::money::shopify_decimal;
use crate::state::{FulfillmentStatus, Order, Shop, TrackingInfo};
use crate::Sim;

type Params = Vec<(String, String)>;

#[derive(Debug, Deserialize)]
pub(super) struct Msg {
    #[serde(default)]
    msg: Option<String>,
}

fn param<'a>(params: &'a Params, name: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Units of each line shipped by live fulfillments.
fn fulfilled(shop: &Shop, order: &Order, line_item_id: u64) -> u32 {
    shop.fulfillments
        .values()
        .filter(|f| f.order_id == order.id && f.status == FulfillmentStatus::Success)
        .flat_map(|f| &f.line_items)
        .filter(|l| l.line_item_id == line_item_id)
        .map(|l| l.quantity)
        .sum()
}

fn fulfillment_state(shop: &Shop, order: &Order) -> &'static str {
    let (mut shipped, mut wanted) = (0, 0);
    for line in &order.line_items {
        shipped += fulfilled(shop, order, line.id).min(line.current_quantity);
        wanted += line.current_quantity;
    }
    match (shipped, wanted) {
        (0, _) => "Unfulfilled",
        (s, w) if s >= w => "Fulfilled",
        _ => "Partially fulfilled",
    }
}

pub(super) async fn home(
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
            "<p><a href=\"/shops/{d}/store\">Open the storefront</a> to place an order as a shopper.</p><h2>Orders</h2>",
            d = escape(&domain)
        );
        if shop.orders.is_empty() {
            body.push_str("<p>No orders yet.</p>");
        } else {
            body.push_str("<table><thead><tr><th>Order</th><th>Date</th><th>Payment</th><th>Fulfillment</th><th>Status</th><th>Total</th></tr></thead><tbody>");
            for order in shop.orders.values().rev() {
                body.push_str(&format!(
                    "<tr><td><a href=\"/shops/{d}/admin/orders/{id}\">{name}</a></td><td>{date}</td><td>{pay}</td><td>{ful}</td><td>{status}</td><td>{total} {cur}</td></tr>",
                    d = escape(&domain),
                    id = order.id,
                    name = escape(&order.name),
                    date = order.created_at.format("%Y-%m-%d %H:%M"),
                    pay = order.financial_status.graphql(),
                    ful = fulfillment_state(shop, order),
                    status = if order.cancelled_at.is_some() { "Cancelled" } else { "Open" },
                    total = shopify_decimal(order.total()),
                    cur = escape(&order.currency),
                ));
            }
            body.push_str("</tbody></table>");
        }
        body.push_str("<h2>Products</h2>");
        if shop.products.is_empty() {
            body.push_str("<p>No products yet.</p>");
        } else {
            body.push_str("<table><thead><tr><th>Product</th><th>Variant</th><th>SKU</th><th>Price</th><th>Available</th></tr></thead><tbody>");
            for product in shop.products.values() {
                for variant in product.variant_ids.iter().filter_map(|v| shop.variants.get(v)) {
                    body.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&product.title),
                        escape(&variant.title),
                        escape(variant.sku.as_deref().unwrap_or("")),
                        shopify_decimal(variant.price),
                        variant.inventory_quantity
                    ));
                }
            }
            body.push_str("</tbody></table>");
        }
        body.push_str("<h2>Apps</h2>");
        let installed: Vec<_> = shop.installations.values().filter(|i| i.installed).collect();
        if installed.is_empty() {
            body.push_str("<p>No apps installed.</p>");
        }
        for installation in installed {
            let title = world
                .apps
                .get(&installation.api_key)
                .map_or(installation.api_key.clone(), |a| a.title.clone());
            body.push_str(&format!(
                "<form method=\"post\" action=\"/shops/{d}/admin/apps/{key}/uninstall\"><p>{title} ({scopes}) \
                 <button type=\"submit\">Uninstall {title}</button></p></form>",
                d = escape(&domain),
                key = escape(&installation.api_key),
                title = escape(&title),
                scopes = escape(&installation.scopes.join(", ")),
            ));
        }
        page(&format!("{} admin", shop.name), msg.msg.as_deref(), &body).into_response()
    })
}

pub(super) async fn order_page(
    State(sim): State<Sim>,
    Path((shop, id)): Path<(String, u64)>,
    Query(msg): Query<Msg>,
) -> Response {
    let domain = shop.to_ascii_lowercase();
    sim.read(|world| {
        let Some(shop) = world.shop(&domain) else {
            return not_found(&format!("There is no shop {domain}."));
        };
        let Some(order) = shop.orders.get(&id) else {
            return not_found(&format!("There is no order {id} on {domain}."));
        };
        let base = format!("/shops/{}/admin/orders/{id}", escape(&domain));
        let mut body = format!(
            "<p><a href=\"/shops/{d}/admin\">Back to orders</a></p><p>Payment: {pay}. Fulfillment: {ful}. {cancelled}Total: {total} {cur}.</p>",
            d = escape(&domain),
            pay = order.financial_status.graphql(),
            ful = fulfillment_state(shop, order),
            cancelled = if order.cancelled_at.is_some() { "Cancelled. " } else { "" },
            total = shopify_decimal(order.total()),
            cur = escape(&order.currency),
        );
        body.push_str("<h2>Items</h2><table><thead><tr><th>Item</th><th>SKU</th><th>Price</th><th>Quantity</th><th>Fulfilled</th><th>Change quantity</th></tr></thead><tbody>");
        for line in &order.line_items {
            body.push_str(&format!(
                "<tr><td>{title}</td><td>{sku}</td><td>{price}</td><td>{qty}</td><td>{done}</td><td>\
                 <form method=\"post\" action=\"{base}/edit_quantity\"><input type=\"hidden\" name=\"line_item_id\" value=\"{lid}\">\
                 <label>New quantity of {title} <input type=\"number\" min=\"0\" name=\"quantity\" value=\"{qty}\"></label> \
                 <button type=\"submit\">Save</button></form></td></tr>",
                title = escape(&line.title),
                sku = escape(line.sku.as_deref().unwrap_or("")),
                price = shopify_decimal(line.unit_price),
                qty = line.current_quantity,
                done = fulfilled(shop, order, line.id),
                lid = line.id,
            ));
        }
        body.push_str("</tbody></table>");
        body.push_str(&format!(
            "<form method=\"post\" action=\"{base}/mark_paid\"><button type=\"submit\">Mark as paid</button></form>\
             <form method=\"post\" action=\"{base}/cancel\"><label>Cancel reason <select name=\"reason\">\
             <option>CUSTOMER</option><option>INVENTORY</option><option>FRAUD</option><option>DECLINED</option><option>STAFF</option><option selected>OTHER</option>\
             </select></label> <button type=\"submit\">Cancel order</button></form>"
        ));
        body.push_str(&format!("<h2>Fulfill</h2><form method=\"post\" action=\"{base}/fulfill\"><fieldset><legend>Units to ship (blank: all remaining)</legend>"));
        for line in &order.line_items {
            let left = line.current_quantity.saturating_sub(fulfilled(shop, order, line.id));
            body.push_str(&format!(
                "<p><label>{title} ({left} left) <input type=\"number\" min=\"0\" max=\"{left}\" name=\"qty_{lid}\"></label></p>",
                title = escape(&line.title),
                lid = line.id,
            ));
        }
        body.push_str(&tracking_fields());
        body.push_str("</fieldset><button type=\"submit\">Fulfill items</button></form>");
        body.push_str("<h2>Fulfillments</h2>");
        for f in shop.fulfillments.values().filter(|f| f.order_id == order.id) {
            let fbase = format!("/shops/{}/admin/fulfillments/{}", escape(&domain), f.id);
            let tracking: Vec<String> = f
                .tracking
                .iter()
                .map(|t| format!("{} {}", t.company.as_deref().unwrap_or(""), t.number.as_deref().unwrap_or("")))
                .collect();
            body.push_str(&format!(
                "<section><h3>{name}: {status:?}</h3><p>Tracking: {tracking}</p>",
                name = escape(&f.name),
                status = f.status,
                tracking = escape(&tracking.join(", ")),
            ));
            if f.status == FulfillmentStatus::Success {
                body.push_str(&format!(
                    "<form method=\"post\" action=\"{fbase}/tracking\"><fieldset><legend>Tracking of {name}</legend>{fields}</fieldset><button type=\"submit\">Update tracking</button></form>\
                     <form method=\"post\" action=\"{fbase}/cancel\"><button type=\"submit\">Cancel fulfillment {name}</button></form>",
                    name = escape(&f.name),
                    fields = tracking_fields(),
                ));
            }
            body.push_str("</section>");
        }
        page(&format!("Order {}", order.name), msg.msg.as_deref(), &body).into_response()
    })
}

fn tracking_fields() -> String {
    "<p><label>Carrier <input name=\"company\" placeholder=\"UPS\"></label></p>\
     <p><label>Tracking numbers (comma-separated) <input name=\"numbers\"></label></p>\
     <p><label><input type=\"checkbox\" name=\"notify\" value=\"1\"> Email the customer</label></p>"
        .to_owned()
}

fn tracking_from(params: &Params) -> Vec<TrackingInfo> {
    let company = Some(param(params, "company").trim())
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    param(params, "numbers")
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| TrackingInfo {
            company: company.clone(),
            number: Some(n.to_owned()),
            url: None,
        })
        .collect()
}

fn outcome(result: Result<String, MerchantError>) -> String {
    match result {
        Ok(done) => done,
        Err(MerchantError::NotFound(s)) => format!("Not found: {s}"),
        Err(MerchantError::Invalid(s)) => format!("Refused: {s}"),
    }
}

pub(super) async fn order_action(
    State(sim): State<Sim>,
    Path((shop, id, action)): Path<(String, u64, String)>,
    Form(params): Form<Params>,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    let result = sim.mutate(|w| match action.as_str() {
        "mark_paid" => merchant::mark_paid(w, &shop, id).map(|()| "Marked as paid".to_owned()),
        "cancel" => merchant::cancel_order(w, &shop, id, param(&params, "reason"))
            .map(|()| "Order cancelled".to_owned()),
        "edit_quantity" => {
            let line = u64::from_str(param(&params, "line_item_id"));
            let quantity = u32::from_str(param(&params, "quantity"));
            match (line, quantity) {
                (Ok(line), Ok(quantity)) => merchant::edit_quantity(w, &shop, id, line, quantity)
                    .map(|()| format!("Quantity changed to {quantity}")),
                _ => Err(MerchantError::Invalid(
                    "quantity must be a whole number".into(),
                )),
            }
        }
        "fulfill" => {
            let mut lines = Vec::new();
            for (key, value) in &params {
                let Some(line) = key.strip_prefix("qty_").and_then(|l| l.parse().ok()) else {
                    continue;
                };
                match value.trim() {
                    "" => {}
                    v => match v.parse::<u32>() {
                        Ok(0) => {}
                        Ok(quantity) => lines.push(FulfillLine {
                            line_item_id: line,
                            quantity,
                        }),
                        Err(_) => {
                            return Err(MerchantError::Invalid(format!("{v:?} is not a quantity")))
                        }
                    },
                }
            }
            let fulfill = Fulfill {
                lines,
                tracking: tracking_from(&params),
                notify_customer: param(&params, "notify") == "1",
            };
            merchant::fulfill(w, &shop, id, fulfill).map(|_| "Items fulfilled".to_owned())
        }
        other => Err(MerchantError::NotFound(format!("order action {other}"))),
    });
    back(
        &format!("/shops/{shop}/admin/orders/{id}"),
        &outcome(result),
    )
}

pub(super) async fn fulfillment_action(
    State(sim): State<Sim>,
    Path((shop, id, action)): Path<(String, u64, String)>,
    Form(params): Form<Params>,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    let order_id = sim.read(|w| {
        w.shop(&shop)
            .and_then(|s| s.fulfillments.get(&id))
            .map(|f| f.order_id)
    });
    let result = sim.mutate(|w| match action.as_str() {
        "tracking" => merchant::update_tracking(
            w,
            &shop,
            id,
            tracking_from(&params),
            param(&params, "notify") == "1",
        )
        .map(|()| "Tracking updated".to_owned()),
        "cancel" => {
            merchant::cancel_fulfillment(w, &shop, id).map(|()| "Fulfillment cancelled".to_owned())
        }
        other => Err(MerchantError::NotFound(format!(
            "fulfillment action {other}"
        ))),
    });
    let path = match order_id {
        Some(order) => format!("/shops/{shop}/admin/orders/{order}"),
        None => format!("/shops/{shop}/admin"),
    };
    back(&path, &outcome(result))
}

pub(super) async fn uninstall(
    State(sim): State<Sim>,
    Path((shop, api_key)): Path<(String, String)>,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    let message = if crate::oauth::uninstall(&sim, &shop, &api_key) {
        format!("Uninstalled {api_key}")
    } else {
        format!("{api_key} is not installed")
    };
    back(&format!("/shops/{shop}/admin"), &message)
}
