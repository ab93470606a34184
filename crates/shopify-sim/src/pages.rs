//! Small server-rendered HTML pages (no JavaScript) through which a person acts as a shop's
//! merchant and shopper: the admin home (orders, products), a storefront to place an order, an
//! order page (mark paid, cancel, edit quantities, fulfill with tracking, cancel fulfillments),
//! app uninstall, and the billing charge confirmation. Forms POST, then redirect back with a
//! message (`?msg=`).

mod admin;
mod charges;
mod store;

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::Sim;

/// Routes of this module.
pub fn router() -> Router<Sim> {
    Router::new()
        .route("/shops/{shop}/admin", get(admin::home))
        .route("/shops/{shop}/admin/orders/{id}", get(admin::order_page))
        .route(
            "/shops/{shop}/admin/orders/{id}/{action}",
            post(admin::order_action),
        )
        .route(
            "/shops/{shop}/admin/fulfillments/{id}/{action}",
            post(admin::fulfillment_action),
        )
        .route(
            "/shops/{shop}/admin/apps/{api_key}/uninstall",
            post(admin::uninstall),
        )
        .route("/shops/{shop}/store", get(store::form).post(store::place))
        .route(
            "/shops/{shop}/admin/charges/{id}/confirm",
            get(charges::page_handler).post(charges::decide),
        )
}

pub use charges::decide_charge;

/// Where the merchant approves or declines charge `id`, on the simulator at `base_url`.
pub(crate) fn charge_confirmation_url(base_url: &str, shop: &str, id: u64) -> String {
    charges::charge_confirmation_url(base_url, shop, id)
}

/// A 302 redirect, as Shopify answers OAuth and charge approvals.
pub(crate) fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// A 303 back to a page with a message shown on it.
pub(crate) fn back(path: &str, message: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("{path}?msg={}", percent_encode(message)),
        )],
    )
        .into_response()
}

/// A page: title, an optional message, and the body.
pub(crate) fn page(title: &str, message: Option<&str>, body: &str) -> Html<String> {
    let message = message
        .filter(|m| !m.is_empty())
        .map(|m| format!("<p role=\"status\">{}</p>", escape(m)))
        .unwrap_or_default();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;margin:2rem;max-width:60rem}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}[role=status]{{background:#eef;padding:.5rem}}\
         fieldset{{margin:1rem 0}}</style></head><body><main><h1>{t}</h1>{message}{body}</main></body></html>",
        t = escape(title)
    ))
}

/// A 404 page naming what is missing.
pub(crate) fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, page("Not found", Some(what), "")).into_response()
}

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value (unreserved characters kept).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a form or query value (`+` is a space).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_html_is_escaped() {
        let text = "a b&c=d/é%";
        assert_eq!(percent_decode(&percent_encode(text)), text);
        assert_eq!(percent_decode("a+b%2Fc%"), "a b/c%");
        assert_eq!(escape("<a href=\"x\">"), "&lt;a href=&quot;x&quot;&gt;");
    }
}
