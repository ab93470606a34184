//! View Details (`/app/orders/{id}`): one order in full, from the same service as
//! `GET /api/orders/{id}` (`service::order_views::order_detail`): its items grouped by source
//! store, the unsynced items apart with why, per source store a Push (shipping fee pre-filled
//! from the Shipping Rate Rules, editable; the contact email; the tags and note) or a Retry,
//! the source order once pushed, its shipments with carrier and tracking, attention reasons, and
//! the order's history as a timeline. Push, Retry and "Mark as resolved" call
//! `service::push` like the JSON API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use ordersync_core::StoreRole;

use super::layout::{
    badge, banner, date, empty_state, fulfillment_badge, money, payment_badge, push_badge,
    push_status_tone, submit, Field, Layout, Nav, Tone,
};
use super::session::{PageForm, PageSession};
use crate::app::AppState;
use crate::service::order_views::{
    self, FulfillmentView, OrderDetailView, OrdersError, PushView, SourceGroupView, WouldPushView,
};
use crate::service::push::{request_push, resolve_attention, PushError};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/orders/{id}", get(show))
        .route("/app/orders/{id}/push/{source}", post(push))
        .route("/app/orders/{id}/push/{source}/retry", post(retry))
        .route("/app/orders/{id}/push/{source}/resolve", post(resolve))
}

/// What the merchant typed into one source store's Push form, and what was wrong with it.
#[derive(Debug, Default)]
struct Entered {
    source: String,
    fee: String,
    error: Option<String>,
}

/// A problem with the last action that is not about a field (shown as a banner).
#[derive(Debug, Default)]
struct Problems {
    entered: Option<Entered>,
    action_error: Option<String>,
}

fn path_of(id: i64) -> String {
    format!("/app/orders/{id}")
}

async fn show(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Response {
    render(&state, &session, &id, Problems::default(), StatusCode::OK).await
}

async fn render(
    state: &AppState,
    session: &PageSession,
    id: &str,
    problems: Problems,
    status: StatusCode,
) -> Response {
    if session.shop.shop.role == StoreRole::Source {
        return super::redirect(session, "/app/received");
    }
    // An id that is not a number names no order.
    let Ok(id) = id.parse::<i64>() else {
        return not_found(session);
    };
    match order_views::order_detail(&state.store, &session.shop, id).await {
        Ok(order) => super::respond(session, status, page(session, &order, &problems)),
        Err(OrdersError::OrderNotFound) => not_found(session),
        Err(OrdersError::NotDestination) => super::redirect(session, "/app/received"),
        Err(e) => super::app_error(
            session,
            Nav::Orders,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "order details page",
        ),
    }
}

fn not_found(session: &PageSession) -> Response {
    super::app_error(
        session,
        Nav::Orders,
        StatusCode::NOT_FOUND,
        "This order isn't in your store",
        "order details page",
    )
}

fn source_title(g: &SourceGroupView) -> &str {
    g.source_name.as_deref().unwrap_or(&g.source)
}

fn page(session: &PageSession, order: &OrderDetailView, problems: &Problems) -> Markup {
    let mut layout = Layout::new(session, Nav::Orders, format!("Order {}", order.name))
        .back("Orders", "/app")
        .subtitle(html! {
            (date(&order.created_at))
            (payment_badge(&order.payment_status, &order.payment_label))
            @if order.cancelled { (badge(Tone::Neutral, "Cancelled")) }
            @else { (fulfillment_badge(&order.fulfillment_status)) }
            (badge(push_status_tone(order.status), order.status_label))
        });
    if let Some(error) = &problems.action_error {
        layout = layout.banner(banner(
            Tone::Critical,
            "That didn't work",
            html! { p { (error) } },
        ));
    }
    if !order.eligibility.eligible {
        layout = layout.banner(banner(
            Tone::Warning,
            "This order can't be pushed",
            html! {
                ul {
                    @for r in &order.eligibility.reasons {
                        @if let Some(m) = r["message"].as_str() { li { (m) } }
                    }
                }
            },
        ));
    }
    for g in &order.sources {
        if let Some(push) = &g.push {
            if let Some(attention) = &push.attention {
                layout = layout.banner(banner(
                    Tone::Warning,
                    &format!("Needs your attention: {}", source_title(g)),
                    html! {
                        p { (attention) }
                        form method="post" action=(format!("/app/orders/{}/push/{}/resolve", order.id, g.source)) {
                            (session.hidden_fields())
                            (submit("Mark as resolved", false))
                        }
                    },
                ));
            }
        }
    }
    let body = html! {
        div class="columns" {
            div {
                @if order.sources.is_empty() {
                    section class="card" aria-labelledby="no-sources-heading" {
                        h2 id="no-sources-heading" class="card__title" { "Source stores" }
                        (empty_state(
                            "Nothing to push",
                            "None of this order's items are synced products of a connected source store. Connect the store that supplies them and sync its products, or link the items by hand in Connections.",
                            Some(html! { a class="button" href=(session.link("/app/connections")) { "Go to Connections" } }),
                        ))
                    }
                }
                @for (i, g) in order.sources.iter().enumerate() {
                    (source_card(session, order, i, g, problems.entered.as_ref().filter(|e| e.source == g.source)))
                }
                @if !order.not_pushed_lines.is_empty() {
                    section class="card" aria-labelledby="unsynced-heading" {
                        h2 id="unsynced-heading" class="card__title" { "Items not pushed" }
                        p class="subdued" { "These items stay with your store: they are not sent to any source store." }
                        div class="table-wrap" {
                            table class="index-table" {
                                thead { tr {
                                    th scope="col" { "Item" }
                                    th scope="col" { "SKU" }
                                    th scope="col" class="num" { "Quantity" }
                                    th scope="col" { "Why" }
                                } }
                                tbody {
                                    @for l in &order.not_pushed_lines {
                                        tr {
                                            th scope="row" { (l.title) }
                                            td { @if let Some(sku) = &l.sku { code { (sku) } } @else { span class="subdued" { "None" } } }
                                            td class="num" { (l.quantity) }
                                            td { (l.message) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (timeline(order))
            }
            div {
                (customer_card(order))
                section class="card" aria-labelledby="summary-heading" {
                    h2 id="summary-heading" class="card__title" { "Summary" }
                    dl class="details" {
                        dt { "Subtotal" } dd { (money(&order.subtotal.amount, &order.subtotal.currency)) }
                        dt { "Shipping" } dd { (money(&order.total_shipping.amount, &order.total_shipping.currency)) }
                        dt { "Total" } dd { strong { (money(&order.total.amount, &order.total.currency)) } }
                    }
                }
            }
        }
    };
    layout.render(body)
}

fn customer_card(order: &OrderDetailView) -> Markup {
    let c = &order.customer;
    html! {
        section class="card" aria-labelledby="customer-heading" {
            h2 id="customer-heading" class="card__title" { "Customer" }
            @if c.name.is_none() && c.email.is_none() && c.phone.is_none() {
                p class="subdued" { "No customer" }
            }
            @if let Some(name) = &c.name { p { (name) } }
            @if let Some(email) = &c.email { p { (email) } }
            @if let Some(phone) = &c.phone { p { (phone) } }
            h3 class="card__title" { "Shipping address" }
            @if let Some(a) = &order.shipping_address {
                address {
                    @let name = [a.first_name.as_deref(), a.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                    @if !name.is_empty() { (name) br; }
                    @if let Some(v) = &a.company { (v) br; }
                    @if let Some(v) = &a.address1 { (v) br; }
                    @if let Some(v) = &a.address2 { (v) br; }
                    @let city = [a.city.as_deref(), a.province_code.as_deref().or(a.province.as_deref()), a.zip.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                    @if !city.is_empty() { (city) br; }
                    @if let Some(v) = &a.country { (v) }
                }
            } @else {
                p class="subdued" { "No shipping address" }
            }
        }
    }
}

fn source_card(
    session: &PageSession,
    order: &OrderDetailView,
    i: usize,
    g: &SourceGroupView,
    entered: Option<&Entered>,
) -> Markup {
    let heading = format!("source-{i}-heading");
    html! {
        section class="card" aria-labelledby=(heading) {
            div class="card__header" {
                div {
                    h2 id=(heading) class="card__title" { (source_title(g)) }
                    span class="subdued" { (g.source) }
                }
                @if !order.eligibility.eligible && g.status == "not_pushed" {
                    (badge(Tone::Warning, "Ineligible"))
                } @else {
                    (push_badge(g.status, g.label))
                }
            }
            @if !g.connected {
                p class="subdued" { "This source store is no longer connected: reconnect it in Connections to push to it." }
            }
            @if let Some(push) = &g.push {
                (push_details(push, &order.total.currency))
            }
            // Once pushed, the pushed items (with what shipped) say it all.
            @if !g.lines.is_empty() && g.push.as_ref().is_none_or(|p| p.lines.is_empty()) {
                h3 class="card__title" { "Items to ship" }
                div class="table-wrap" {
                    table class="index-table" {
                        thead { tr {
                            th scope="col" { "Item" }
                            th scope="col" { "SKU" }
                            th scope="col" class="num" { "Ordered" }
                            th scope="col" class="num" { "To ship" }
                            th scope="col" class="num" { "Price" }
                        } }
                        tbody {
                            @for l in &g.lines {
                                tr {
                                    th scope="row" {
                                        (l.title)
                                        @if let Some(v) = &l.variant_title { span class="subdued" { " · " (v) } }
                                    }
                                    td { code { (l.sku) } }
                                    td class="num" { (l.quantity) }
                                    td class="num" { (l.to_ship) }
                                    td class="num" { (money(&l.unit_price.amount, &l.unit_price.currency)) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(reason) = &g.cannot_push {
                (banner(Tone::Critical, "A push would fail now", html! { p { (reason) } }))
            }
            @match (g.action, &g.would_push) {
                (Some(action), Some(plan)) => (push_form(session, order, i, g, action, plan, entered)),
                _ => {}
            }
        }
    }
}

fn push_details(push: &PushView, currency: &str) -> Markup {
    html! {
        @if push.status == "failed" {
            (banner(Tone::Critical, "The push failed", html! {
                p { (push.reason.as_deref().unwrap_or("The source store refused the order.")) }
                p { "Fix the cause, then retry below." }
            }))
        } @else if let Some(reason) = &push.reason {
            p class="subdued" { (reason) }
        }
        @if let Some(name) = &push.source_order_name {
            dl class="details" {
                dt { "Source order" }
                dd class="inline" { strong { (name) } (push_badge(push.status, push.label)) }
                @if let Some(fee) = &push.shipping_fee {
                    dt { "Shipping fee sent" }
                    dd { (money(fee, currency)) @if push.manual_fee.is_some() { span class="subdued" { " (entered by hand)" } } }
                }
                dt { "Last change" } dd { (date(&push.updated_at)) }
            }
            @if !push.lines.is_empty() {
                h3 class="card__title" { "Pushed items" }
                div class="table-wrap" {
                    table class="index-table" {
                        thead { tr {
                            th scope="col" { "Item" }
                            th scope="col" { "SKU" }
                            th scope="col" class="num" { "Pushed" }
                            th scope="col" class="num" { "Shipped" }
                        } }
                        tbody {
                            @for l in &push.lines {
                                tr {
                                    th scope="row" { (l.title) }
                                    td { code { (l.sku) } }
                                    td class="num" { (l.quantity) }
                                    td class="num" { (l.fulfilled_quantity) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !push.fulfillments.is_empty() {
            h3 class="card__title" { "Shipments" }
            @for f in &push.fulfillments {
                (shipment(f))
            }
        }
    }
}

fn shipment(f: &FulfillmentView) -> Markup {
    let tone = match f.status {
        "shipped" => Tone::Success,
        "cancelled" => Tone::Neutral,
        _ => Tone::Attention,
    };
    html! {
        div class="card__section stack" {
            div class="inline" {
                strong { (f.name.as_deref().unwrap_or("Shipment")) }
                (badge(tone, f.label))
                span class="subdued" { (f.destination_label) }
            }
            dl class="details" {
                dt { "Carrier" }
                dd { (f.tracking_company.as_deref().unwrap_or("Not given")) }
                dt { "Tracking" }
                dd {
                    @if f.tracking_numbers.is_empty() {
                        span class="subdued" { "No tracking number" }
                    } @else {
                        ul class="tracking" {
                            @for (n, number) in f.tracking_numbers.iter().enumerate() {
                                li {
                                    @match f.tracking_urls.get(n).filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                                        Some(url) => a href=(url) target="_blank" rel="noopener noreferrer" { (number) span class="visually-hidden" { " (opens the carrier's tracking page)" } },
                                        None => span class="mono" { (number) },
                                    }
                                }
                            }
                        }
                    }
                }
                @if !f.lines.is_empty() {
                    dt { "Items" }
                    dd {
                        @for (n, l) in f.lines.iter().enumerate() {
                            @if n > 0 { ", " }
                            (l.quantity) " × " (l.title.as_deref().unwrap_or("item"))
                        }
                    }
                }
                dt { "Updated" } dd { (date(&f.updated_at)) }
            }
            @if let Some(failure) = &f.failure {
                p class="field__error" { (failure) }
            }
        }
    }
}

fn push_form(
    session: &PageSession,
    order: &OrderDetailView,
    i: usize,
    g: &SourceGroupView,
    action: &str,
    plan: &WouldPushView,
    entered: Option<&Entered>,
) -> Markup {
    let retry = action == "retry";
    let path = if retry {
        format!("/app/orders/{}/push/{}/retry", order.id, g.source)
    } else {
        format!("/app/orders/{}/push/{}", order.id, g.source)
    };
    let fee = &plan.shipping.fee;
    let origin = match (plan.shipping.origin, plan.shipping.rule_index) {
        ("manual", _) => "The fee you entered for this push.".to_owned(),
        ("rule", Some(n)) => format!(
            "From Shipping Rate Rule {} (“{}”). Change it to send another fee with this push.",
            n + 1,
            plan.shipping.title
        ),
        _ => format!(
            "No Shipping Rate Rule matches, so the default {} shipping applies. Change it to send another fee with this push.",
            money("0.00", &fee.currency)
        ),
    };
    let value = entered.map_or(fee.amount.as_str(), |e| e.fee.as_str());
    let prefix = format!("s{i}-");
    let label = format!("Shipping fee ({})", fee.currency);
    html! {
        form method="post" action=(path) class="stack" aria-label={ (if retry { "Retry the push to " } else { "Push to " }) (source_title(g)) } {
            (session.hidden_fields())
            input type="hidden" name="planned_fee" value=(fee.amount);
            h3 class="card__title" { "What the source order will carry" }
            dl class="details" {
                dt { "Items" }
                @let units = plan.lines.iter().map(|l| u64::from(l.quantity)).sum::<u64>();
                dd { (units) @if units == 1 { " unit, " } @else { " units, " } (money(&plan.items_subtotal.amount, &plan.items_subtotal.currency)) }
                dt { "Contact email" } dd { (plan.email) }
                dt { "Tags" }
                dd class="inline" { @for t in &plan.tags { (badge(Tone::Neutral, t)) } }
                dt { "Note" } dd { pre class="preview" { (plan.note) } }
            }
            (Field {
                name: "shipping_fee",
                label: &label,
                value,
                hint: Some(&origin),
                error: entered.and_then(|e| e.error.as_deref()),
                inputmode: Some("decimal"),
                id_prefix: &prefix,
            }.render())
            div class="inline" {
                (submit(&if retry { format!("Retry push to {}", source_title(g)) } else { format!("Push to {}", source_title(g)) }, true))
            }
        }
    }
}

fn timeline(order: &OrderDetailView) -> Markup {
    html! {
        section class="card" aria-labelledby="timeline-heading" {
            h2 id="timeline-heading" class="card__title" { "Timeline" }
            @if order.history.is_empty() {
                p class="subdued" { "Nothing has happened to this order yet." }
            } @else {
                ol class="timeline" reversed {
                    @for e in order.history.iter().rev() {
                        li {
                            div { (e.message) }
                            div class="meta" {
                                (date(&e.at)) " · " (e.actor)
                                @if let Some(s) = &e.source { " · " (s) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The fee to send: `None` when the merchant kept the pre-filled fee (the rules decide), else
/// what they typed; an empty field is an error.
fn manual_fee(form: &PageForm) -> Result<Option<String>, String> {
    let fee = form.get("shipping_fee").unwrap_or("").trim();
    if fee.is_empty() {
        return Err("Enter a shipping fee, for example 0.00 for free shipping.".to_owned());
    }
    let planned = form.get("planned_fee").unwrap_or("").trim();
    Ok((fee != planned).then(|| fee.to_owned()))
}

async fn push(
    State(state): State<AppState>,
    Path((id, source)): Path<(String, String)>,
    form: PageForm,
) -> Response {
    submit_push(&state, form, &id, &source, false).await
}

async fn retry(
    State(state): State<AppState>,
    Path((id, source)): Path<(String, String)>,
    form: PageForm,
) -> Response {
    submit_push(&state, form, &id, &source, true).await
}

async fn submit_push(
    state: &AppState,
    form: PageForm,
    id: &str,
    source: &str,
    retry: bool,
) -> Response {
    let session = &form.session;
    let Ok(order_id) = id.parse::<i64>() else {
        return not_found(session);
    };
    let typed = form.get("shipping_fee").unwrap_or("").to_owned();
    let field_error = |error: String| Problems {
        entered: Some(Entered {
            source: source.to_owned(),
            fee: typed.clone(),
            error: Some(error),
        }),
        action_error: None,
    };
    let fee = match manual_fee(&form) {
        Ok(fee) => fee,
        Err(error) => {
            return render(
                state,
                session,
                id,
                field_error(error),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let actor = format!("merchant of {}", session.domain());
    let result = request_push(
        &state.store,
        &session.shop,
        order_id,
        source,
        fee.as_deref(),
        retry,
        &actor,
    )
    .await;
    match result {
        Ok(r) => {
            state.jobs_waiting.notify_one();
            let sent = r
                .push
                .manual_fee
                .as_deref()
                .or(fee.as_deref())
                .map(|f| format!(" with a shipping fee of {f}"))
                .unwrap_or_default();
            // The source store by its name, as the page shows it.
            let name = match state.store.shop_by_id(r.push.source_shop_id).await {
                Ok(Some(shop)) => shop.shop.name.as_str().to_owned(),
                _ => source.to_owned(),
            };
            let notice = match (retry, r.queued_now) {
                (_, false) => format!("The push to {name} was already queued."),
                (true, true) => format!("Push to {name} queued again{sent}."),
                (false, true) => format!("Push to {name} queued{sent}."),
            };
            super::redirect_with_notice(session, &path_of(order_id), &notice)
        }
        Err(PushError::BadInput {
            field: "shipping_fee",
            problem,
        }) => {
            render(
                state,
                session,
                id,
                field_error(sentence_case(&problem)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => action_failed(state, session, id, &e).await,
    }
}

/// A refused Push/Retry/resolve: 404 for another shop's order, else the detail page with the
/// reason in a banner.
async fn action_failed(
    state: &AppState,
    session: &PageSession,
    id: &str,
    e: &PushError,
) -> Response {
    let status = match e {
        PushError::OrderNotFound => return not_found(session),
        PushError::NotDestination => return super::redirect(session, "/app/received"),
        PushError::BadInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        PushError::NotConnected(_) | PushError::NoPush(_) => StatusCode::NOT_FOUND,
        PushError::AlreadyDone(_) | PushError::NotFailed(_) => StatusCode::CONFLICT,
        PushError::Store(_) => {
            return super::app_error(
                session,
                Nav::Orders,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "push from the order details page",
            )
        }
    };
    let problems = Problems {
        entered: None,
        action_error: Some(sentence_case(&e.to_string())),
    };
    render(state, session, id, problems, status).await
}

fn sentence_case(text: &str) -> String {
    let text = text.replace('`', "");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => {
            let text: String = c.to_uppercase().chain(chars).collect();
            if text.ends_with('.') {
                text
            } else {
                text + "."
            }
        }
        None => text,
    }
}

async fn resolve(
    State(state): State<AppState>,
    Path((id, source)): Path<(String, String)>,
    form: PageForm,
) -> Response {
    let session = &form.session;
    let Ok(order_id) = id.parse::<i64>() else {
        return not_found(session);
    };
    let actor = format!("merchant of {}", session.domain());
    match resolve_attention(&state.store, &session.shop, order_id, &source, &actor).await {
        Ok(r) => {
            let notice = if r.resolved_now {
                format!("Marked as resolved: the push to {source} no longer needs your attention.")
            } else {
                "Nothing needed your attention any more.".to_owned()
            };
            super::redirect_with_notice(session, &path_of(order_id), &notice)
        }
        Err(e) => action_failed(&state, session, &id, &e).await,
    }
}
