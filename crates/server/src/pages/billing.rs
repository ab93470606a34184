//! Settings → Plan & Billing (`/app/billing`): the Order add-on's state (Off with why, Waiting
//! for approval, Active, Declined), the toggle with **Next** that asks Shopify for the charge and
//! sends the merchant to Shopify's approval page, and switching it off. A source store sees the
//! toggle disabled with the reason; its POST is refused (403) before Shopify is asked anything.
//!
//! The handlers call the same service functions as `POST`/`DELETE /api/addon`
//! ([`crate::service::addon`]). Approval: Shopify's confirmation page cannot be shown inside the
//! admin's frame, so when the app runs embedded the page shows a link that opens it in the top
//! window (`target="_top"`, and `app.js` follows it at once); standalone the POST answers a 303 to
//! it. Shopify sends the merchant back to `/billing/return`, which records the answer.
//!
//! Routes: `GET /app/billing`, `POST /app/billing` (the toggle + Next), `POST /app/billing/off`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use ordersync_core::{AddonRefusal, AddonState, AddonStatus, OffReason, StoreRole};
use ordersync_shopify::admin::types::BillingInterval;
use ordersync_shopify::admin::ShopApi;
use ordersync_store::UnixMillis;

use super::layout::{self, Layout, Nav, Tone};
use super::{page_headers, redirect_with_notice, respond, PageForm, PageSession};
use crate::app::AppState;
use crate::service::addon::{self, AddonError, AddonOverview, SwitchedOn};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/billing", get(show).post(next))
        .route("/app/billing/off", post(switch_off))
}

/// The state as the page names it, with its badge tone.
fn state_badge(o: &AddonOverview) -> (Tone, &'static str) {
    match (o.state, o.record.addon.status) {
        (AddonState::Active, _) => (Tone::Success, "Active"),
        (AddonState::WaitingForApproval, _) => (Tone::Attention, "Waiting for approval"),
        (AddonState::Off(OffReason::Declined), _) | (_, AddonStatus::Declined) => {
            (Tone::Critical, "Declined")
        }
        (AddonState::Off(OffReason::Frozen), _) => (Tone::Warning, "On hold"),
        (AddonState::Off(_), _) => (Tone::Neutral, "Off"),
    }
}

fn price(state: &AppState) -> String {
    let c = &state.addon;
    let per = match c.interval {
        BillingInterval::Every30Days => "every 30 days",
        BillingInterval::Annual => "per year",
    };
    let mut text = format!(
        "{} {per}",
        layout::money(&c.price.amount().to_string(), c.price.currency().as_str())
    );
    if c.trial_days > 0 {
        text.push_str(&format!(", after a {}-day free trial", c.trial_days));
    }
    text
}

struct Problem {
    message: String,
}

fn render(
    state: &AppState,
    session: &PageSession,
    o: &AddonOverview,
    status: StatusCode,
    problem: Option<&Problem>,
) -> Response {
    let source = session.shop.shop.role != StoreRole::Destination;
    let (tone, label) = state_badge(o);
    let on = matches!(o.state, AddonState::Active | AddonState::WaitingForApproval);
    let refusal = source.then(|| AddonRefusal::NotADestination.to_string());
    let frozen = o.record.addon.status == AddonStatus::Frozen;
    let disabled = source || frozen;
    let describedby = if problem.is_some() {
        "addon-error addon-hint"
    } else {
        "addon-hint"
    };
    let body = html! {
        section class="card" aria-labelledby="addon-heading" {
            div class="card__header" {
                h2 id="addon-heading" class="card__title" { (state.addon.name) }
                (layout::badge(tone, label))
            }
            p {
                "Pushes your store's paid orders to your source stores as real Shopify orders and brings "
                "their tracking back. " (price(state)) ", billed by Shopify"
                @if o.record.addon.test { " (test charge: no money moves)" } "."
            }
            @if let Some(reason) = o.reason {
                p class="addon__reason" { (reason) }
            }
            @if let Some(error) = &o.record.last_error {
                @if o.state != AddonState::Active {
                    p class="addon__reason" { "Last problem: " (error) }
                }
            }
            @if o.state == AddonState::WaitingForApproval {
                @if let Some(url) = &o.confirmation_url {
                    (layout::banner(Tone::Warning, "Approve the charge in Shopify", html! {
                        p { "The add-on becomes active once you approve its charge in Shopify." }
                        p {
                            a class="button button--primary" href=(url) target="_top" rel="noopener" {
                                "Approve in Shopify"
                            }
                        }
                    }))
                }
            }
            form method="post" action="/app/billing" class="form" novalidate {
                (session.hidden_fields())
                div class={ "field field--checkbox field--toggle" @if problem.is_some() { " field--error" } } {
                    input type="checkbox" id="addon" name="addon" value="on" role="switch"
                        checked[on && !source] disabled[disabled]
                        aria-invalid=[problem.map(|_| "true")]
                        aria-describedby=(describedby);
                    label for="addon" { "Order add-on" }
                    @if let Some(problem) = problem {
                        p class="field__error" id="addon-error" { (problem.message) }
                    }
                    p class="field__hint" id="addon-hint" {
                        @if let Some(reason) = &refusal {
                            (reason)
                        } @else if frozen {
                            "The charge is on hold; it resumes by itself once the store's bills are paid."
                        } @else if on {
                            "Switched on. Clear it and choose Next to switch the add-on off (its charge is cancelled)."
                        } @else {
                            "Switch it on and choose Next: Shopify asks you to approve the charge."
                        }
                    }
                }
                div class="form__actions" {
                    button type="submit" class="button button--primary" disabled[disabled] { "Next" }
                }
            }
            @if on && !source {
                form method="post" action="/app/billing/off" class="form" {
                    (session.hidden_fields())
                    button type="submit" class="button button--critical" { "Switch off the add-on" }
                }
            }
        }
    };
    respond(
        session,
        status,
        Layout::new(session, Nav::Billing, "Plan & Billing").render(body),
    )
}

fn status_code(e: &AddonError) -> StatusCode {
    match e {
        AddonError::Refused(_) | AddonError::NotAuthorized(_) => StatusCode::FORBIDDEN,
        AddonError::ChargeRefused(_) | AddonError::CancelRefused(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AddonError::Unavailable(_) | AddonError::Shopify(_) => StatusCode::BAD_GATEWAY,
        AddonError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The page again with `e` next to the toggle (the state re-read).
async fn with_error(state: &AppState, session: &PageSession, e: &AddonError) -> Response {
    let status = status_code(e);
    if status.is_server_error() {
        tracing::error!(error = ?e, shop = %session.shop.shop.domain, "Order add-on page request failed");
    }
    with_problem(state, session, status, e.to_string()).await
}

/// The page again with `message` next to the toggle (the state re-read).
async fn with_problem(
    state: &AppState,
    session: &PageSession,
    status: StatusCode,
    message: String,
) -> Response {
    match addon::status(&state.store, &session.shop).await {
        Ok(o) => render(state, session, &o, status, Some(&Problem { message })),
        Err(e) => super::app_error(
            session,
            Nav::Billing,
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "billing page",
        ),
    }
}

/// The shop's Admin API with its (refreshed if due) offline token, or the page saying why
/// there is none (as `POST /api/addon` answers: 503 when it may work later, else 403).
async fn shop_api(state: &AppState, session: &PageSession) -> Result<ShopApi, Response> {
    match state
        .auth
        .access_token(&session.shop, UnixMillis::now())
        .await
    {
        Ok(token) => Ok(state
            .auth
            .admin()
            .shop(session.shop.shop.domain.as_str(), token)),
        Err(e) => {
            tracing::warn!(shop = %session.shop.shop.domain, error = %e, "no usable access token for billing");
            let status = if e.is_retryable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::FORBIDDEN
            };
            Err(with_problem(state, session, status, e.public_message().to_string()).await)
        }
    }
}

async fn show(State(state): State<AppState>, session: PageSession) -> Response {
    match addon::status(&state.store, &session.shop).await {
        Ok(o) => render(&state, &session, &o, StatusCode::OK, None),
        Err(e) => with_error(&state, &session, &e).await,
    }
}

/// The approval step: standalone, straight to Shopify's page; embedded, a page whose link opens
/// it in the top window.
fn approve(session: &PageSession, url: &str) -> Response {
    if !session.embedded {
        let mut response = Redirect::to(url).into_response();
        page_headers(&mut response, Some(session.domain()));
        return response;
    }
    let body = html! {
        section class="card" aria-labelledby="approve-heading" {
            h2 id="approve-heading" class="card__title" { "Approve the charge in Shopify" }
            p { "Shopify shows the Order add-on's charge for you to approve. You come back here afterwards." }
            p {
                a class="button button--primary" href=(url) target="_top" rel="noopener" data-top-redirect=(url) {
                    "Continue to Shopify"
                }
            }
        }
    };
    respond(
        session,
        StatusCode::OK,
        Layout::new(session, Nav::Billing, "Plan & Billing").render(body),
    )
}

async fn next(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let want_on = form.get("addon").is_some_and(|v| !v.is_empty());
    let overview = match addon::status(&state.store, &session.shop).await {
        Ok(o) => o,
        Err(e) => return with_error(&state, session, &e).await,
    };
    let on = matches!(
        overview.state,
        AddonState::Active | AddonState::WaitingForApproval
    );
    if !want_on {
        if on {
            return do_switch_off(&state, session).await;
        }
        // The rules still speak for a source store that submits an empty toggle.
        if let Err(refusal) = overview.record.addon.switch_on(session.shop.shop.role) {
            if refusal == AddonRefusal::NotADestination {
                return with_error(&state, session, &AddonError::Refused(refusal)).await;
            }
        }
        return render(
            &state,
            session,
            &overview,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&Problem {
                message: "Switch the Order add-on on, then choose Next.".to_owned(),
            }),
        );
    }
    // The rules first: a source store never reaches Shopify.
    if let Err(refusal) = overview.record.addon.switch_on(session.shop.shop.role) {
        return with_error(&state, session, &AddonError::Refused(refusal)).await;
    }
    let api = match shop_api(&state, session).await {
        Ok(api) => api,
        Err(response) => return response,
    };
    match addon::switch_on(&state.store, &api, &session.shop, &state.addon).await {
        Ok(SwitchedOn::AlreadyActive) => redirect_with_notice(
            session,
            "/app/billing",
            "The Order add-on is already active",
        ),
        Ok(SwitchedOn::Approve { confirmation_url }) => approve(session, &confirmation_url),
        Err(e) => with_error(&state, session, &e).await,
    }
}

async fn do_switch_off(state: &AppState, session: &PageSession) -> Response {
    let api = match shop_api(state, session).await {
        Ok(api) => api,
        Err(response) => return response,
    };
    match addon::switch_off(&state.store, &api, &session.shop).await {
        Ok(_) => redirect_with_notice(
            session,
            "/app/billing",
            "The Order add-on is switched off and its charge cancelled. Orders are no longer pushed.",
        ),
        Err(e) => with_error(state, session, &e).await,
    }
}

async fn switch_off(State(state): State<AppState>, form: PageForm) -> Response {
    do_switch_off(&state, &form.session).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use ordersync_core::OrderAddon;
    use ordersync_store::addon::AddonRecord;

    fn overview(status: AddonStatus) -> AddonOverview {
        let mut record = AddonRecord::never(1);
        record.addon = OrderAddon {
            status,
            ..record.addon
        };
        let state = record.addon.state();
        AddonOverview {
            state,
            reason: None,
            orders_banner: None,
            confirmation_url: None,
            record,
        }
    }

    #[test]
    fn each_state_has_its_badge() {
        assert_eq!(state_badge(&overview(AddonStatus::Active)).1, "Active");
        assert_eq!(state_badge(&overview(AddonStatus::Declined)).1, "Declined");
        assert_eq!(state_badge(&overview(AddonStatus::Off)).1, "Off");
        assert_eq!(state_badge(&overview(AddonStatus::Cancelled)).1, "Off");
        assert_eq!(state_badge(&overview(AddonStatus::Frozen)).1, "On hold");
    }
}
