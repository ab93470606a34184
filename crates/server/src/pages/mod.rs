//! The merchant pages: server-rendered HTML (maud templates, checked at compile time), enhanced
//! by a small vendored script (htmx) and styled on Shopify's Polaris tokens so they look at home
//! in the Shopify admin. Every page works without JavaScript. See `docs/ui.md`.
//!
//! | module | role |
//! |---|---|
//! | [`session`] | page authentication: session token → page token, [`session::PageSession`], forms |
//! | [`layout`] | the page frame (nav, landmarks, live region, banners) and shared helpers |
//! | [`assets`] | the vendored and own static files under `/assets/` |
//! | `orders` | the Orders tab (`/app`) |
//! | `order_detail` | View Details (`/app/orders/{id}`) |
//!
//! Handlers are thin: they parse, call the same service functions as the JSON API
//! (`crate::service::*`), and render; a form POSTs, then redirects back with a confirmation
//! (POST/redirect/GET), or re-renders with the error next to the field (422).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
use maud::{html, Markup, DOCTYPE};

use crate::app::AppState;

pub mod assets;
pub mod layout;
mod order_detail;
mod orders;
pub mod session;

pub use session::{PageForm, PageSession};

/// Every page route and the static files.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::router())
        .merge(orders::router())
        .merge(order_detail::router())
}

/// A rendered page as an HTML body.
pub fn html(markup: Markup) -> Html<String> {
    Html(markup.into_string())
}

/// Sets the headers every page carries: never cached, no referrer (links carry the page token),
/// framed only by the shop's admin, no content sniffing.
pub fn page_headers(response: &mut Response, shop: Option<&str>) {
    let ancestors = match shop {
        Some(shop) => format!("https://{shop} https://admin.shopify.com"),
        None => "https://admin.shopify.com".to_owned(),
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' https://cdn.shopify.com; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https://cdn.shopify.com; \
         connect-src 'self' https://*.shopify.com https://*.myshopify.com; \
         base-uri 'self'; object-src 'none'; frame-ancestors {ancestors}"
    );
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// A page of `session`'s shop with `status`, with the page headers.
pub fn respond(session: &PageSession, status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, html(markup)).into_response();
    page_headers(&mut response, Some(session.domain()));
    response
}

/// 303 to `path` (an in-app path) with the session kept and a confirmation message to show.
pub fn redirect_with_notice(session: &PageSession, path: &str, notice: &str) -> Response {
    let mut response = Redirect::to(&session.link_with_notice(path, notice)).into_response();
    page_headers(&mut response, Some(session.domain()));
    response
}

/// 303 to `path` with the session kept.
pub fn redirect(session: &PageSession, path: &str) -> Response {
    let mut response = Redirect::to(&session.link(path)).into_response();
    page_headers(&mut response, Some(session.domain()));
    response
}

/// A bare error page (used where there is no session to render the app frame with).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · ordersync" }
                (layout::stylesheets())
            }
            body {
                main id="main" class="page page--narrow" {
                    div class="card" {
                        h1 class="page-title" { (title) }
                        p { (message) }
                    }
                }
            }
        }
    };
    let mut response = (status, html(markup)).into_response();
    page_headers(&mut response, None);
    response
}

/// An error inside the app frame: 404 for something of another shop or that does not exist,
/// 500 when something failed (logged with `what`; the page only says to try again).
pub fn app_error(
    session: &PageSession,
    nav: layout::Nav,
    status: StatusCode,
    message: &str,
    what: &str,
) -> Response {
    let (title, message) = if status.is_server_error() {
        tracing::error!(error = message, "{what} failed");
        (
            "Something went wrong",
            "Something went wrong on our side. Reload the page to try again.".to_owned(),
        )
    } else if status == StatusCode::NOT_FOUND {
        (
            "Not found",
            format!("{message}. It may have been deleted, or it belongs to another store."),
        )
    } else {
        ("This can't be done", message.to_owned())
    };
    let body = html! {
        div class="card" {
            p { (message) }
            p { a href=(session.link("/app")) { "Back to Orders" } }
        }
    };
    respond(
        session,
        status,
        layout::Layout::new(session, nav, title).render(body),
    )
}
