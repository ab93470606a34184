//! Received orders (`/app/received`), a source store's: the orders ordersync created on it for
//! its destination stores, newest first in pages, with the destination store, the destination
//! order's number, this store's order name, the status and the date. Read through
//! [`crate::service::received`], as `GET /api/received-orders`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use ordersync_core::StoreRole;

use super::layout::{self, Layout, Nav};
use super::{app_error, respond, PageSession};
use crate::app::AppState;
use crate::service::received::{self, ReceivedError, ReceivedParams};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/app/received", get(show))
}

async fn show(
    State(state): State<AppState>,
    session: PageSession,
    Query(params): Query<ReceivedParams>,
) -> Response {
    if session.shop.shop.role != StoreRole::Source {
        return app_error(
            &session,
            Nav::Received,
            StatusCode::FORBIDDEN,
            "Received orders are a source store's: this is a destination store, whose pushed orders are on the Orders tab",
            "received page",
        );
    }
    let list = match received::received_orders(&state.store, &session.shop, &params).await {
        Ok(list) => list,
        Err(e @ ReceivedError::BadInput { .. }) => {
            return app_error(
                &session,
                Nav::Received,
                StatusCode::BAD_REQUEST,
                &format!(
                "This page address is not valid ({e}). Open Received orders again from the menu"
            ),
                "received page",
            )
        }
        Err(e) => {
            return app_error(
                &session,
                Nav::Received,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "received page",
            )
        }
    };
    let first_page = params.after.as_deref().is_none_or(|a| a.trim().is_empty());
    let body = html! {
        section class="card" aria-labelledby="received-heading" {
            h2 id="received-heading" class="visually-hidden" { "Orders received" }
            @if list.orders.is_empty() {
                @if first_page {
                    (layout::empty_state(
                        "No pushed orders yet",
                        "When a connected destination store pushes an order to this store, it appears here and in your Shopify admin's Orders. Give your connection key to the destination store on the Connections page.",
                        Some(html! { a class="button" href=(session.link("/app/connections")) { "Go to Connections" } }),
                    ))
                } @else {
                    (layout::empty_state("No more orders", "This is past the last page.",
                        Some(html! { a class="button" href=(session.link("/app/received")) { "Back to the first page" } })))
                }
            } @else {
                table class="index-table" {
                    caption class="visually-hidden" { "Orders pushed to this store, newest first" }
                    thead {
                        tr {
                            th scope="col" { "Your order" }
                            th scope="col" { "Destination store" }
                            th scope="col" { "Destination order" }
                            th scope="col" { "Status" }
                            th scope="col" { "Ordered" }
                        }
                    }
                    tbody {
                        @for o in &list.orders {
                            tr {
                                td {
                                    @if let Some(name) = &o.source_order_name { strong { (name) } }
                                    @else { span class="subdued" { "Order " (o.source_order_id.rsplit('/').next().unwrap_or("")) } }
                                }
                                td { (o.destination_name) br; span class="subdued" { (o.destination) } }
                                td { (o.destination_order) }
                                td {
                                    (layout::push_badge(o.status, o.label))
                                    @if let Some(reason) = &o.reason { p class="subdued" { (reason) } }
                                }
                                td { (layout::date(&o.ordered_at)) }
                            }
                        }
                    }
                }
                @if list.next.is_some() || !first_page {
                    nav class="pagination" aria-label="Pages" {
                        @if !first_page {
                            a class="button" href=(session.link("/app/received")) { "First page" }
                            " "
                        }
                        @if let Some(next) = &list.next {
                            a class="button" rel="next" href=(session.link(&format!("/app/received?after={}", super::session::encode(next)))) { "Next page" }
                        }
                    }
                }
            }
        }
    };
    respond(
        &session,
        StatusCode::OK,
        Layout::new(&session, Nav::Received, "Received orders").render(body),
    )
}
