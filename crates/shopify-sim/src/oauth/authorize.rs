//! `GET /admin/oauth/authorize`: the merchant's install approval, then the redirect back to the
//! app with `code`, `hmac`, `host`, `shop`, `state` and `timestamp`.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chrono::Utc;

use super::{host_shop, query_hmac, PendingCode};
use crate::pages::{escape, found, percent_encode};
use crate::Sim;

type Params = Vec<(String, String)>;

pub(super) async fn by_host(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    authorize(&sim, &host_shop(&headers), &params)
}

pub(super) async fn by_path(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    authorize(&sim, &shop.to_ascii_lowercase(), &params)
}

pub(super) async fn approve_by_host(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Form(params): Form<Params>,
) -> Response {
    approve(&sim, &host_shop(&headers), &params)
}

pub(super) async fn approve_by_path(
    State(sim): State<Sim>,
    Path(shop): Path<String>,
    Form(params): Form<Params>,
) -> Response {
    approve(&sim, &shop.to_ascii_lowercase(), &params)
}

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A request to install, checked.
struct Request {
    api_key: String,
    title: String,
    scopes: Vec<String>,
    redirect_uri: String,
    state: String,
    online: bool,
}

fn error_page(status: StatusCode, message: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><title>Oauth error</title></head><body><main><h1>Oauth error invalid_request</h1><p role=\"alert\">{}</p></main></body></html>",
            escape(message)
        )),
    )
        .into_response()
}

/// The request, or why it is refused (status and message).
fn check(sim: &Sim, shop: &str, params: &Params) -> Result<Request, (StatusCode, String)> {
    sim.read(|world| {
        if world.shop(shop).is_none() {
            return Err((
                StatusCode::NOT_FOUND,
                format!("There is no shop {shop} in this simulator."),
            ));
        }
        let api_key = param(params, "client_id").unwrap_or_default();
        let Some(app) = world.apps.get(api_key) else {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("The client_id {api_key:?} is not a registered app."),
            ));
        };
        let redirect_uri = param(params, "redirect_uri").unwrap_or_default().to_owned();
        if redirect_uri.is_empty() {
            return Err((
                StatusCode::BAD_REQUEST,
                "redirect_uri is missing.".to_owned(),
            ));
        }
        if !app.redirect_urls.is_empty()
            && !app
                .redirect_urls
                .iter()
                .any(|allowed| redirect_uri.starts_with(allowed.as_str()))
        {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("The redirect_uri {redirect_uri} is not whitelisted for this app."),
            ));
        }
        let scopes = match param(params, "scope") {
            Some(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => app.scopes.clone(),
        };
        let online = params
            .iter()
            .any(|(k, v)| (k == "grant_options[]" || k == "grant_options") && v == "per-user");
        Ok(Request {
            api_key: api_key.to_owned(),
            title: if app.title.is_empty() {
                api_key.to_owned()
            } else {
                app.title.clone()
            },
            scopes,
            redirect_uri,
            state: param(params, "state").unwrap_or_default().to_owned(),
            online,
        })
    })
}

fn authorize(sim: &Sim, shop: &str, params: &Params) -> Response {
    let request = match check(sim, shop, params) {
        Ok(r) => r,
        Err((status, why)) => return error_page(status, &why),
    };
    if sim.oauth().auto_approve() {
        return redirect_with_code(sim, shop, &request);
    }
    let hidden: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><title>Install {title}</title></head><body><main>\
         <h1>Install {title} on {shop}</h1>\
         <p>{title} will be able to:</p><ul>{scopes}</ul>\
         <form method=\"post\" action=\"/shops/{shop}/admin/oauth/authorize/approve\">{hidden}\
         <button type=\"submit\">Install app</button></form>\
         <p><a href=\"/shops/{shop}/admin\">Cancel</a></p></main></body></html>",
        title = escape(&request.title),
        shop = escape(shop),
    ))
    .into_response()
}

fn approve(sim: &Sim, shop: &str, params: &Params) -> Response {
    match check(sim, shop, params) {
        Ok(request) => redirect_with_code(sim, shop, &request),
        Err((status, why)) => error_page(status, &why),
    }
}

fn redirect_with_code(sim: &Sim, shop: &str, request: &Request) -> Response {
    let Some(secret) = sim.read(|w| w.apps.get(&request.api_key).map(|a| a.secret.clone())) else {
        return error_page(StatusCode::BAD_REQUEST, "The app is no longer registered.");
    };
    let lifetimes = sim.oauth().lifetimes();
    let code = sim.oauth().add_code(PendingCode {
        shop: shop.to_owned(),
        api_key: request.api_key.clone(),
        scopes: request.scopes.clone(),
        online: request.online,
        expires_at: Utc::now()
            + chrono::Duration::from_std(lifetimes.code)
                .unwrap_or_else(|_| chrono::Duration::minutes(10)),
    });
    let mut query: Vec<(String, String)> = vec![
        ("code".into(), code),
        (
            "host".into(),
            STANDARD_NO_PAD.encode(format!("{shop}/admin")),
        ),
        ("shop".into(), shop.to_owned()),
        ("state".into(), request.state.clone()),
        ("timestamp".into(), Utc::now().timestamp().to_string()),
    ];
    let hmac = query_hmac(&secret, &query);
    query.insert(1, ("hmac".into(), hmac));
    let encoded = query
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let separator = if request.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    found(&format!("{}{separator}{encoded}", request.redirect_uri))
}
