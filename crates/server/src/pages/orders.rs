//! The Orders tab (`/app`): the orders with their Push Status per source store, the status
//! filters with their counts, search, keyset pages, the bulk Push of the selected orders, and
//! the automated push toggle (with a confirmation step). A source store is sent to its received
//! orders. Everything comes from the services behind the JSON API (`service::order_views`,
//! `service::settings`, `service::addon`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use ordersync_core::{OrderListStatus, StoreRole};
use serde_json::json;

use super::layout::{
    badge, banner, date, empty_state, fulfillment_badge, money, payment_badge, push_badge, submit,
    Layout, Nav, Tone,
};
use super::session::{encode, PageForm, PageSession};
use crate::app::AppState;
use crate::service::addon;
use crate::service::order_views::{
    self, BulkView, ListParams, OrderCountsView, OrderListView, OrderRowView, OrdersError,
};
use crate::service::settings::{self, SettingsServiceError};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/app", get(index))
        .route("/app/orders/push", post(bulk_push))
        .route("/app/auto-push", post(auto_push))
}

/// The list's filters as the page carries them (the same names as the JSON API's query).
#[derive(Debug, Clone, Default)]
struct Filters {
    status: Option<String>,
    q: Option<String>,
    after: Option<String>,
    /// Page size (the list's default when absent).
    limit: Option<String>,
    /// The `after` of each page before this one, oldest first ([`FIRST`] for the first page):
    /// keyset pages have no way back, so the way back is carried along (the last
    /// [`MAX_PREV`] pages).
    prev: Vec<String>,
}

/// The first page in [`Filters::prev`].
const FIRST: &str = "first";
/// Most pages "Previous page" goes back through.
const MAX_PREV: usize = 50;

/// The Orders tab's query: the list's parameters and the way back.
#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    status: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    after: Option<String>,
    prev: Option<String>,
}

fn prev_of(text: Option<&str>) -> Vec<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl Filters {
    fn of(params: &PageQuery) -> Self {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Filters {
            status: clean(&params.status),
            q: clean(&params.q),
            after: clean(&params.after),
            limit: clean(&params.limit),
            prev: prev_of(params.prev.as_deref()),
        }
    }

    /// The next page's filters (`next` is the list's cursor).
    fn next(&self, next: &str) -> Self {
        let mut prev = self.prev.clone();
        prev.push(self.after.clone().unwrap_or_else(|| FIRST.to_owned()));
        if prev.len() > MAX_PREV {
            prev.drain(..prev.len() - MAX_PREV);
        }
        Filters {
            after: Some(next.to_owned()),
            prev,
            ..self.clone()
        }
    }

    /// The previous page's filters, when the way back is known.
    fn previous(&self) -> Option<Self> {
        self.after.as_ref()?;
        let mut prev = self.prev.clone();
        let back = prev.pop()?;
        Some(Filters {
            after: (back != FIRST).then_some(back),
            prev,
            ..self.clone()
        })
    }

    /// The first page of the same filters.
    fn first(&self) -> Self {
        Filters {
            after: None,
            prev: Vec::new(),
            ..self.clone()
        }
    }

    fn from_form(form: &PageForm) -> Self {
        let get = |name: &str| {
            form.get(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Filters {
            status: get("status"),
            q: get("q"),
            after: get("after"),
            limit: get("limit"),
            prev: prev_of(form.get("prev")),
        }
    }

    fn params(&self) -> ListParams {
        ListParams {
            status: self.status.clone(),
            q: self.q.clone(),
            limit: self.limit.clone(),
            after: self.after.clone(),
        }
    }

    /// `/app?status=…&q=…` (and `after` when `with_after`).
    fn path(&self, with_after: bool) -> String {
        let mut pairs = Vec::new();
        if let Some(s) = &self.status {
            pairs.push(format!("status={}", encode(s)));
        }
        if let Some(q) = &self.q {
            pairs.push(format!("q={}", encode(q)));
        }
        if let Some(l) = &self.limit {
            pairs.push(format!("limit={}", encode(l)));
        }
        if with_after {
            if let Some(a) = &self.after {
                pairs.push(format!("after={}", encode(a)));
                if !self.prev.is_empty() {
                    pairs.push(format!("prev={}", encode(&self.prev.join(","))));
                }
            }
        }
        if pairs.is_empty() {
            "/app".to_owned()
        } else {
            format!("/app?{}", pairs.join("&"))
        }
    }

    fn hidden(&self) -> Markup {
        html! {
            @if let Some(s) = &self.status { input type="hidden" name="status" value=(s); }
            @if let Some(q) = &self.q { input type="hidden" name="q" value=(q); }
            @if let Some(a) = &self.after {
                input type="hidden" name="after" value=(a);
                @if !self.prev.is_empty() { input type="hidden" name="prev" value=(self.prev.join(",")); }
            }
            @if let Some(l) = &self.limit { input type="hidden" name="limit" value=(l); }
        }
    }
}

async fn index(
    State(state): State<AppState>,
    session: PageSession,
    params: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    render(
        &state,
        &session,
        &Filters::of(&params),
        None,
        StatusCode::OK,
    )
    .await
}

/// The Orders tab with `filters`, and an error about the last action when there is one.
async fn render(
    state: &AppState,
    session: &PageSession,
    filters: &Filters,
    action_error: Option<String>,
    status: StatusCode,
) -> Response {
    if session.shop.shop.role == StoreRole::Source {
        return super::redirect(session, "/app/received");
    }
    let shop = &session.shop;
    let list = order_views::list_orders(&state.store, shop, &filters.params()).await;
    let (list, filter_error) = match list {
        Ok(list) => (list, None),
        Err(OrdersError::BadInput { field, problem }) => (
            OrderListView {
                orders: Vec::new(),
                next: None,
            },
            Some(format!("`{field}` {problem}")),
        ),
        Err(e) => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "orders page",
            )
        }
    };
    let counts = match order_views::order_counts(&state.store, shop).await {
        Ok(c) => c,
        Err(e) => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "orders counts",
            )
        }
    };
    let addon = addon::status(&state.store, shop).await;
    let settings = settings::push_settings(&state.store, shop).await;
    let (addon, settings) = match (addon, settings) {
        (Ok(a), Ok(s)) => (a, s),
        (Err(e), _) => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "orders page add-on",
            )
        }
        (_, Err(e)) => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "orders page settings",
            )
        }
    };
    let addon_active = addon.orders_banner.is_none();

    let mut page = Layout::new(session, Nav::Orders, "Orders").actions(auto_push_toggle(
        session,
        settings.auto_push,
        addon_active,
    ));
    if let Some(error) = &action_error {
        page = page.banner(banner(
            Tone::Critical,
            "Nothing was pushed",
            html! { p { (error) } },
        ));
    }
    if let Some(text) = addon.orders_banner {
        page = page.banner(banner(
            Tone::Warning,
            "The Order add-on is not active",
            html! {
                p { (text) }
                p { a href=(session.link("/app/billing")) { "Go to Plan & Billing" } }
            },
        ));
    }
    let failed = counts.counts.get("failed").copied().unwrap_or(0);
    if failed > 0 {
        let text = if failed == 1 {
            "1 order has a failed push.".to_owned()
        } else {
            format!("{failed} orders have a failed push.")
        };
        page = page.banner(banner(
            Tone::Critical,
            "Failed pushes",
            html! {
                p {
                    (text) " "
                    a href=(session.link("/app?status=failed")) { "Show the failed orders" }
                    " to see why and retry them."
                }
            },
        ));
    }
    if let Some(error) = &filter_error {
        page = page.banner(banner(
            Tone::Critical,
            "This list can't be shown",
            html! {
                p { (error) }
                p { a href=(session.link("/app")) { "Show every order" } }
            },
        ));
    }
    let body = orders_card(session, filters, &list, &counts);
    super::respond(session, status, page.render(body))
}

fn auto_push_toggle(session: &PageSession, on: bool, addon_active: bool) -> Markup {
    html! {
        div class="toggle-card" {
            form method="post" action="/app/auto-push" {
                (session.hidden_fields())
                input type="hidden" name="enabled" value=(if on { "false" } else { "true" });
                span class="inline" {
                    strong id="auto-push-label" { "Automated push" }
                    @if on { (badge(Tone::Success, "On")) } @else { (badge(Tone::Neutral, "Off")) }
                }
                button type="submit" class={ "button" @if !on { " button--primary" } }
                    aria-describedby="auto-push-help" {
                    @if on { "Turn off" } @else { "Turn on" }
                    span class="visually-hidden" { " automated push" }
                }
            }
            p id="auto-push-help" {
                @if on {
                    "New paid orders are pushed to your source stores without a click."
                } @else {
                    "When on, new paid orders are pushed to your source stores without a click. Now each order waits for your Push."
                }
                @if !addon_active { " Orders are pushed only while the Order add-on is active." }
            }
        }
    }
}

fn tabs(session: &PageSession, filters: &Filters, counts: &OrderCountsView) -> Markup {
    const ORDER: [OrderListStatus; 8] = [
        OrderListStatus::NotPushed,
        OrderListStatus::Queued,
        OrderListStatus::Pushed,
        OrderListStatus::PartiallyFulfilled,
        OrderListStatus::Fulfilled,
        OrderListStatus::Failed,
        OrderListStatus::Cancelled,
        OrderListStatus::Ineligible,
    ];
    let current = filters.status.as_deref();
    let tab = |status: Option<&str>, label: &str, count: i64| {
        let f = Filters {
            status: status.map(str::to_owned),
            q: filters.q.clone(),
            after: None,
            limit: filters.limit.clone(),
            prev: Vec::new(),
        };
        let href = session.link(&f.path(false));
        html! {
            li {
                @if current == status {
                    a href=(href) aria-current="page" { (label) span class="count" { (count) } }
                } @else {
                    a href=(href) { (label) span class="count" { (count) } }
                }
            }
        }
    };
    html! {
        nav aria-label="Filter orders by status" hx-boost="true" {
            ul class="tabs" {
                (tab(None, "All", counts.total))
                @for s in ORDER {
                    (tab(Some(s.as_str()), order_views::list_status_label(s), counts.counts.get(s.as_str()).copied().unwrap_or(0)))
                }
            }
        }
    }
}

fn search(session: &PageSession, filters: &Filters) -> Markup {
    html! {
        form class="toolbar" method="get" action="/app" role="search" hx-boost="true" {
            @for (name, value) in session.carried() {
                input type="hidden" name=(name) value=(value);
            }
            @if let Some(s) = &filters.status { input type="hidden" name="status" value=(s); }
            @if let Some(l) = &filters.limit { input type="hidden" name="limit" value=(l); }
            div class="field" {
                label class="field__label" for="q" { "Search by order number or customer" }
                input class="field__input" type="search" id="q" name="q"
                    value=(filters.q.as_deref().unwrap_or("")) placeholder="#1001, name or email";
            }
            (submit("Search", false))
            @if filters.q.is_some() {
                a class="button button--plain" href=(session.link(&Filters { q: None, ..filters.first() }.path(false))) { "Clear search" }
            }
        }
    }
}

fn sources_cell(row: &OrderRowView) -> Markup {
    html! {
        div class="sources" {
            @if row.sources.is_empty() {
                @if row.eligible {
                    span class="subdued" { "No synced items" }
                } @else {
                    (badge(Tone::Warning, "Ineligible"))
                }
            }
            @for s in &row.sources {
                div class="source-status" {
                    span class="source-name" { (s.source_name.as_deref().unwrap_or(&s.source)) }
                    @if !row.eligible && s.status == "not_pushed" {
                        (badge(Tone::Warning, "Ineligible"))
                    } @else {
                        (push_badge(s.status, s.label))
                    }
                    @if let Some(name) = &s.source_order_name { span class="subdued" { (name) } }
                }
                @if let Some(reason) = &s.reason {
                    span class="subdued" { (reason) }
                }
            }
            @if !row.eligible {
                @for r in &row.ineligible_reasons {
                    @if let Some(m) = r["message"].as_str() { span class="subdued" { (m) } }
                }
            }
        }
    }
}

fn orders_card(
    session: &PageSession,
    filters: &Filters,
    list: &OrderListView,
    counts: &OrderCountsView,
) -> Markup {
    let empty = if counts.total == 0 {
        Some(empty_state(
            "No orders yet",
            "Orders your store takes appear here as soon as they are placed. Connect your source stores and sync their products so the orders' items can be pushed to them.",
            Some(html! { a class="button button--primary" href=(session.link("/app/connections")) { "Manage connections" } }),
        ))
    } else if list.orders.is_empty() && filters.after.is_none() {
        let label = filters
            .status
            .as_deref()
            .and_then(|s| OrderListStatus::parse(s).ok())
            .map(order_views::list_status_label);
        let heading = match (&filters.q, label) {
            (Some(_), _) => "No orders match your search".to_owned(),
            (None, Some(label)) => format!("No orders are {}", label.to_lowercase()),
            (None, None) => "No orders".to_owned(),
        };
        Some(empty_state(
            &heading,
            "Try another status or search by order number (e.g. #1001), customer name or email.",
            Some(html! { a class="button" href=(session.link("/app")) { "Show every order" } }),
        ))
    } else if list.orders.is_empty() {
        Some(empty_state(
            "No more orders",
            "This was the last page.",
            Some(
                html! { a class="button" href=(session.link(&filters.path(false))) { "Back to the first page" } },
            ),
        ))
    } else {
        None
    };
    html! {
        // With JavaScript, the tabs, the search and the pages swap only this card (htmx, boosted
        // below); links to other pages and the bulk Push form are plain.
        section class="card card--flush" id="orders-card" aria-labelledby="orders-heading"
            hx-target="#orders-card" hx-select="#orders-card" hx-swap="outerHTML show:none" {
            h2 id="orders-heading" class="visually-hidden" { "Orders list" }
            (tabs(session, filters, counts))
            (search(session, filters))
            @if let Some(empty) = empty {
                (empty)
            } @else {
                form method="post" action="/app/orders/push" {
                    (session.hidden_fields())
                    (filters.hidden())
                    div class="table-wrap" {
                        table class="index-table" {
                            caption class="visually-hidden" { "Orders, newest first. Select orders to push them together." }
                            thead {
                                tr {
                                    th scope="col" class="select" {
                                        input type="checkbox" class="checkbox" data-select-all="order" hidden
                                            aria-label="Select every order on this page";
                                    }
                                    th scope="col" { "Order" }
                                    th scope="col" { "Date" }
                                    th scope="col" { "Customer" }
                                    th scope="col" class="num" { "Total" }
                                    th scope="col" { "Payment" }
                                    th scope="col" { "Fulfillment" }
                                    th scope="col" class="num" { "Synced items" }
                                    th scope="col" { "Push status" }
                                    th scope="col" { span class="visually-hidden" { "Details" } }
                                }
                            }
                            tbody {
                                @for row in &list.orders {
                                    @let detail = session.link(&format!("/app/orders/{}", row.id));
                                    tr {
                                        td class="select" {
                                            input type="checkbox" class="checkbox" name="order" value=(row.id)
                                                id={ "select-" (row.id) }
                                                aria-label={ "Select order " (row.name) };
                                        }
                                        th scope="row" { a href=(detail) { (row.name) } }
                                        td { (date(&row.created_at)) }
                                        td { (row.customer_name.as_deref().unwrap_or("No customer")) }
                                        td class="num" { (money(&row.total.amount, &row.total.currency)) }
                                        td { (payment_badge(&row.payment_status, &row.payment_label)) }
                                        td {
                                            @if row.cancelled { (badge(Tone::Neutral, "Cancelled")) }
                                            @else { (fulfillment_badge(&row.fulfillment_status)) }
                                        }
                                        td class="num" { (row.synced_item_count) " of " (row.item_count) }
                                        td { (sources_cell(row)) }
                                        td class="nowrap" { a href=(detail) aria-label={ "View details of order " (row.name) } { "View details" } }
                                    }
                                }
                            }
                        }
                    }
                    div class="bulk-bar" {
                        button type="submit" class="button button--primary" { "Push selected orders" }
                        span class="subdued" { "Each selected order is pushed to every source store its synced items come from." }
                    }
                }
                @if filters.after.is_some() || list.next.is_some() {
                nav class="pagination" aria-label="Pages" hx-boost="true" {
                    @if filters.after.is_some() {
                        a class="button" href=(session.link(&filters.first().path(false))) { "First page" }
                    }
                    @if let Some(previous) = filters.previous() {
                        a class="button" rel="prev" href=(session.link(&previous.path(true))) { "Previous page" }
                    }
                    @if let Some(next) = &list.next {
                        a class="button" rel="next" href=(session.link(&filters.next(next).path(true))) { "Next page" }
                    }
                }
                }
            }
        }
    }
}

/// What a bulk Push did, in one sentence per outcome.
fn bulk_summary(done: &BulkView) -> String {
    let mut parts = Vec::new();
    let count = |o: &str| done.summary.get(o).copied().unwrap_or(0);
    let queued = count("queued");
    if queued > 0 {
        parts.push(if queued == 1 {
            "1 push queued.".to_owned()
        } else {
            format!("{queued} pushes queued.")
        });
    }
    let shown: Vec<String> = done
        .results
        .iter()
        .filter(|r| r.outcome != "queued")
        .take(10)
        .map(|r| match &r.name {
            Some(name) => format!("{name}: {}", r.message),
            None => format!("Order {}: {}", r.order, r.message),
        })
        .collect();
    let others = done
        .results
        .iter()
        .filter(|r| r.outcome != "queued")
        .count();
    parts.extend(shown.iter().map(|s| {
        if s.ends_with('.') {
            s.clone()
        } else {
            format!("{s}.")
        }
    }));
    if others > shown.len() {
        parts.push(format!("{} more not queued.", others - shown.len()));
    }
    parts.join(" ")
}

async fn bulk_push(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let filters = Filters::from_form(&form);
    let mut ids = Vec::new();
    for value in form.all("order") {
        match value.trim().parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => {
                return render(
                    &state,
                    session,
                    &filters,
                    Some(format!("`{value}` is not an order of this list; reload the page and select the orders again.")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        }
    }
    if ids.is_empty() {
        return render(
            &state,
            session,
            &filters,
            Some("Select at least one order to push.".to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let actor = format!("merchant of {} (bulk push)", session.domain());
    match order_views::bulk_push(
        &state.store,
        &session.shop,
        &json!({ "orders": ids }),
        &actor,
    )
    .await
    {
        Ok(done) => {
            if done.queued_any {
                state.jobs_waiting.notify_one();
            }
            super::redirect_with_notice(session, &filters.path(true), &bulk_summary(&done))
        }
        Err(OrdersError::BadInput { field, problem }) => {
            render(
                &state,
                session,
                &filters,
                Some(format!("`{field}` {problem}")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(OrdersError::NotDestination) => super::redirect(session, "/app/received"),
        Err(e) => super::app_error(
            session,
            Nav::Orders,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "bulk push page",
        ),
    }
}

/// The toggle's form: `enabled` (`true`/`false`), then the confirmation page's `confirm=yes`.
async fn auto_push(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    if session.shop.shop.role == StoreRole::Source {
        return super::redirect(session, "/app/received");
    }
    let enabled = match form.get("enabled").map(str::trim) {
        Some("true") => true,
        Some("false") => false,
        other => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!(
                    "`enabled` must be true or false, not `{}`; go back to Orders and use the Automated push button.",
                    other.unwrap_or("")
                ),
                "auto push page",
            )
        }
    };
    if form.get("confirm") != Some("yes") {
        return confirm_page(&state, session, enabled).await;
    }
    match settings::set_auto_push(&state.store, &session.shop, enabled).await {
        Ok(_) => {
            let notice = if enabled {
                "Automated push is on: new paid orders are pushed to your source stores without a click."
            } else {
                "Automated push is off: orders wait for your Push."
            };
            super::redirect_with_notice(session, "/app", notice)
        }
        Err(SettingsServiceError::NotDestination) => super::redirect(session, "/app/received"),
        Err(e) => super::app_error(
            session,
            Nav::Orders,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "auto push",
        ),
    }
}

async fn confirm_page(state: &AppState, session: &PageSession, enabled: bool) -> Response {
    let hold = match settings::push_settings(&state.store, &session.shop).await {
        Ok(s) => s.hold_minutes.get(),
        Err(e) => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "auto push confirmation",
            )
        }
    };
    let title = if enabled {
        "Turn on automated push?"
    } else {
        "Turn off automated push?"
    };
    let body = html! {
        section class="card" aria-labelledby="confirm-heading" {
            h2 id="confirm-heading" class="card__title" { "What changes" }
            @if enabled {
                ul {
                    li { "Every new paid order that passes the checks is pushed to its source stores without a click." }
                    @if hold > 0 {
                        li { "Each order waits " (hold) " minutes first (the hold in Order Push Settings), so you can still edit or cancel it." }
                    } @else {
                        li { "Orders are pushed as soon as they arrive." }
                    }
                    li { "Orders already in the list are not pushed automatically: push them with Push." }
                    li { "Pushes use your Order Push Settings: contact email and shipping rate rules." }
                }
            } @else {
                ul {
                    li { "New orders are recorded and wait for you to push them." }
                    li { "Pushes already queued still go through." }
                }
            }
            form method="post" action="/app/auto-push" class="inline" {
                (session.hidden_fields())
                input type="hidden" name="enabled" value=(enabled);
                input type="hidden" name="confirm" value="yes";
                (submit(if enabled { "Turn on automated push" } else { "Turn off automated push" }, true))
                a class="button" href=(session.link("/app")) { "Cancel" }
            }
        }
    };
    super::respond(
        session,
        StatusCode::OK,
        Layout::new(session, Nav::Orders, title)
            .back("Orders", "/app")
            .render(body),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_walks_back_the_pages_next_went_through() {
        let first = Filters {
            status: Some("failed".into()),
            ..Filters::default()
        };
        assert!(first.previous().is_none());
        let second = first.next("100-7");
        let third = second.next("90-5");
        assert_eq!(
            third.path(true),
            "/app?status=failed&after=90-5&prev=first%2C100-7"
        );
        let back = third.previous().expect("back to the second page");
        assert_eq!(back.after.as_deref(), Some("100-7"));
        let back = back.previous().expect("back to the first page");
        assert_eq!(back.after, None);
        assert_eq!(back.path(true), "/app?status=failed");
        // Read back from the query as sent.
        let read = Filters::of(&PageQuery {
            status: Some("failed".into()),
            after: Some("90-5".into()),
            prev: Some("first,100-7".into()),
            ..PageQuery::default()
        });
        assert_eq!(read.prev, third.prev);
        // Only the last MAX_PREV pages are kept; the way back ends there.
        let mut far = first.clone();
        for n in 0..(MAX_PREV + 5) {
            far = far.next(&format!("{}-{n}", 1000 - n));
        }
        assert_eq!(far.prev.len(), MAX_PREV);
        assert!(far.prev.iter().all(|p| p != FIRST));
    }
}
