//! The charge confirmation page an `appSubscriptionCreate` sends the merchant to: approve (the
//! charge becomes ACTIVE, the app's other active charges are cancelled) or decline; either way
//! the app hears `app_subscriptions/update` and the merchant is sent to the charge's return URL
//! with `charge_id`.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use super::{escape, found, not_found, page};
use crate::money::shopify_decimal;
use crate::state::{AppSubscription, Topic, World};
use crate::Sim;

/// Where the merchant approves or declines charge `id`.
pub(crate) fn charge_confirmation_url(sim_base: &str, shop: &str, id: u64) -> String {
    format!("{sim_base}/shops/{shop}/admin/charges/{id}/confirm")
}

fn find<'w>(world: &'w World, shop: &str, id: u64) -> Option<(&'w str, &'w AppSubscription)> {
    world.shop(shop)?.installations.values().find_map(|i| {
        i.app_subscriptions
            .iter()
            .find(|s| s.id == id)
            .map(|s| (i.api_key.as_str(), s))
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct Msg {
    #[serde(default)]
    msg: Option<String>,
}

pub(super) async fn page_handler(
    State(sim): State<Sim>,
    Path((shop, id)): Path<(String, u64)>,
    Query(msg): Query<Msg>,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    sim.read(|world| {
        let Some((api_key, charge)) = find(world, &shop, id) else {
            return not_found(&format!("There is no charge {id} on {shop}."));
        };
        let app = world
            .apps
            .get(api_key)
            .map_or(api_key.to_owned(), |a| a.title.clone());
        let interval = if charge.interval == "ANNUAL" { "year" } else { "30 days" };
        let trial = if charge.trial_days > 0 {
            format!("<p>Free trial: {} days.</p>", charge.trial_days)
        } else {
            String::new()
        };
        let test = if charge.test {
            "<p><strong>Test charge</strong>: no money moves.</p>"
        } else {
            ""
        };
        let body = if charge.status == "PENDING" {
            format!(
                "<p>{app} asks for the plan <strong>{name}</strong>: {price} {currency} every {interval}.</p>{trial}{test}\
                 <form method=\"post\"><button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button> \
                 <button type=\"submit\" name=\"decision\" value=\"decline\">Decline</button></form>",
                app = escape(&app),
                name = escape(&charge.name),
                price = shopify_decimal(charge.price),
                currency = escape(&charge.currency),
            )
        } else {
            format!("<p>This charge is {}.</p>", escape(&charge.status))
        };
        page(&format!("Approve subscription: {}", charge.name), msg.msg.as_deref(), &body)
            .into_response()
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct Decision {
    decision: String,
}

/// Approves or declines a pending charge; returns the URL to send the merchant to.
pub fn decide_charge(
    world: &mut World,
    shop: &str,
    id: u64,
    approve: bool,
) -> Result<String, String> {
    let Some((api_key, charge)) = find(world, shop, id) else {
        return Err(format!("There is no charge {id} on {shop}."));
    };
    if charge.status != "PENDING" {
        return Err(format!("This charge is {}, not pending.", charge.status));
    }
    let api_key = api_key.to_owned();
    let domain = world
        .shop(shop)
        .map(|s| s.domain.clone())
        .unwrap_or_default();
    let Some(installation) = world
        .shop_mut(shop)
        .and_then(|s| s.installations.get_mut(&api_key))
    else {
        return Err(format!("The app {api_key} is not installed on {shop}."));
    };
    let now = Utc::now();
    let mut changed = vec![id];
    if approve {
        for other in &mut installation.app_subscriptions {
            if other.id != id && other.status == "ACTIVE" {
                other.status = "CANCELLED".into();
                changed.push(other.id);
            }
        }
    }
    let mut return_url = String::new();
    if let Some(charge) = installation
        .app_subscriptions
        .iter_mut()
        .find(|s| s.id == id)
    {
        if approve {
            let period = if charge.interval == "ANNUAL" { 365 } else { 30 };
            charge.status = "ACTIVE".into();
            charge.current_period_end =
                Some(now + chrono::Duration::days(i64::from(charge.trial_days) + period));
        } else {
            charge.status = "DECLINED".into();
        }
        return_url = charge.return_url.clone();
    }
    for changed in changed {
        world.emit_to_app(
            &domain,
            &api_key,
            Topic::AppSubscriptionsUpdate,
            Some(changed),
        );
    }
    let separator = if return_url.contains('?') { '&' } else { '?' };
    Ok(format!("{return_url}{separator}charge_id={id}"))
}

pub(super) async fn decide(
    State(sim): State<Sim>,
    Path((shop, id)): Path<(String, u64)>,
    Form(decision): Form<Decision>,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    let approve = match decision.decision.as_str() {
        "approve" => true,
        "decline" => false,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                page(
                    "Bad request",
                    Some(&format!(
                        "decision must be approve or decline, not {other:?}"
                    )),
                    "",
                ),
            )
                .into_response()
        }
    };
    match sim.mutate(|w| decide_charge(w, &shop, id, approve)) {
        Ok(url) => found(&url),
        Err(why) => (StatusCode::CONFLICT, page("Charge", Some(&why), "")).into_response(),
    }
}
