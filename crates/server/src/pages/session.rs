//! Authentication of the merchant pages (see `docs/ui.md`).
//!
//! Shopify opens an embedded app's URL with `?shop=…&host=…&embedded=1&id_token=<session token>`.
//! A page request carries a token in, in order: `Authorization: Bearer`, the `id_token` query
//! parameter, or (forms, see [`PageForm`]) an `id_token` form field. It is verified exactly like
//! the JSON API's session token ([`crate::auth::AuthService::verify_session_token`]): HS256 with
//! the app secret, `aud` = the app's API key, `exp`/`nbf`. Shopify's token lives about a minute,
//! so the page layer mints its own *page token* (same format and claims, signed with the same
//! secret, valid for [`PAGE_TOKEN_SECS`]) and puts it into every in-app link and form. A request
//! without a valid token, or for a shop that has not installed ordersync, gets the 401 page.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup, DOCTYPE};
use ordersync_store::shops::ShopRecord;
use ordersync_store::UnixMillis;
use serde_json::json;

use crate::app::AppState;

/// How long a page token is valid, in seconds.
pub const PAGE_TOKEN_SECS: i64 = 3600;

/// Longest confirmation message carried in a redirect (`notice`), in characters.
const MAX_NOTICE_CHARS: usize = 1500;

/// The installed shop a page request is for, and what the page needs to keep the merchant
/// signed in: the page token to put into links and forms, and whether it runs embedded in the
/// Shopify admin (then App Bridge is loaded and `host` is carried along).
#[derive(Debug, Clone)]
pub struct PageSession {
    /// The shop.
    pub shop: ShopRecord,
    /// A fresh page token for this shop.
    pub token: String,
    /// The request says it is embedded (`embedded=1` or a `host`).
    pub embedded: bool,
    /// Shopify's `host` parameter (base64 of the admin's host), carried along when embedded.
    pub host: Option<String>,
    /// The app's API key (App Bridge's `shopify-api-key` meta).
    pub api_key: String,
    /// A confirmation message for the live region (the `notice` of a POST/redirect/GET).
    pub notice: Option<String>,
}

impl PageSession {
    /// `path` with this session's page token (and `host`/`embedded` when embedded) added to its
    /// query, for every in-app link and redirect.
    pub fn link(&self, path: &str) -> String {
        let mut url = path.to_owned();
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for (k, v) in self.carried() {
            url.push(sep);
            url.push_str(k);
            url.push('=');
            url.push_str(&encode(&v));
            sep = '&';
        }
        url
    }

    /// `path` with the session's parameters and a confirmation message to show.
    pub fn link_with_notice(&self, path: &str, notice: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.link(&format!("{path}{sep}notice={}", encode(notice)))
    }

    /// The query parameters that keep the session: `id_token`, and `embedded`/`host` when
    /// embedded.
    pub fn carried(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("id_token", self.token.clone())];
        if self.embedded {
            params.push(("embedded", "1".to_owned()));
            if let Some(host) = &self.host {
                params.push(("host", host.clone()));
            }
        }
        params
    }

    /// Hidden inputs carrying the session in a form (every form of every page has them).
    pub fn hidden_fields(&self) -> Markup {
        html! {
            @for (name, value) in self.carried() {
                input type="hidden" name=(name) value=(value);
            }
        }
    }

    /// The shop's domain.
    pub fn domain(&self) -> &str {
        self.shop.shop.domain.as_str()
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a `application/x-www-form-urlencoded` value (`+` is a space).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| char::from(c).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
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

/// The query string as decoded pairs.
pub fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Why a page request was refused: no token, a refused token, or a shop that has not installed
/// ordersync (the reason is logged, the page only says what to do); or storage failed.
#[derive(Debug)]
pub enum PageRejection {
    /// 401.
    Unauthorized,
    /// 500.
    Internal,
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Unauthorized => unauthorized_page(),
            PageRejection::Internal => super::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Something went wrong on our side. Reload the page to try again.",
            ),
        }
    }
}

/// The 401 page: what happened and what to do.
pub fn unauthorized_page() -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in again · ordersync" }
                (super::layout::stylesheets())
            }
            body {
                main id="main" class="page page--narrow" {
                    div class="card" {
                        h1 class="page-title" { "Your session has ended" }
                        p {
                            "ordersync could not confirm which store you are signed in to: the link is incomplete or it expired. "
                            "Open ordersync again from your Shopify admin (Apps → ordersync) to continue."
                        }
                    }
                }
            }
        }
    };
    let mut response = (StatusCode::UNAUTHORIZED, super::html(markup)).into_response();
    super::page_headers(&mut response, None);
    response
}

/// Signs a page token for `shop`, valid [`PAGE_TOKEN_SECS`] from `now` (seconds).
fn mint(state: &AppState, domain: &str, sub: Option<&str>, now: i64) -> String {
    let config = state.auth.config();
    let mut claims = json!({
        "iss": format!("https://{domain}/admin"),
        "dest": format!("https://{domain}"),
        "aud": config.api_key,
        "exp": now + PAGE_TOKEN_SECS,
        "nbf": now,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(sub) = sub {
        claims["sub"] = json!(sub);
    }
    ordersync_shopify::session_token::sign(&config.api_secret, &claims)
}

/// The `sub` claim of a token already verified (the staff member), kept in page tokens.
fn subject(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims["sub"].as_str().map(str::to_owned)
}

async fn authenticate(
    parts: &Parts,
    state: &AppState,
    form_token: Option<&str>,
) -> Result<PageSession, PageRejection> {
    let query = query_pairs(parts);
    let token = bearer(parts)
        .or_else(|| first(&query, "id_token").map(str::to_owned))
        .or_else(|| form_token.map(str::to_owned))
        .ok_or_else(|| {
            tracing::info!(path = parts.uri.path(), "page request without a token");
            PageRejection::Unauthorized
        })?;
    let now = UnixMillis::now();
    let domain = state.auth.verify_session_token(&token, now).map_err(|e| {
        tracing::info!(error = %e, path = parts.uri.path(), "page token refused");
        PageRejection::Unauthorized
    })?;
    let shop = state
        .store
        .shop_by_domain(&domain)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "looking up the page session's shop");
            PageRejection::Internal
        })?
        .filter(|s| s.installed)
        .ok_or_else(|| {
            tracing::info!(shop = %domain, "page token for a shop that has not installed ordersync");
            PageRejection::Unauthorized
        })?;
    let host = first(&query, "host").map(str::to_owned);
    let embedded = host.is_some() || first(&query, "embedded") == Some("1");
    let notice = first(&query, "notice").map(|n| n.chars().take(MAX_NOTICE_CHARS).collect());
    let token = mint(
        state,
        domain.as_str(),
        subject(&token).as_deref(),
        now.0.div_euclid(1000),
    );
    Ok(PageSession {
        shop,
        token,
        embedded,
        host,
        api_key: state.auth.config().api_key.clone(),
        notice,
    })
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, None).await
    }
}

/// A submitted form (`application/x-www-form-urlencoded`) and the session it is authenticated
/// by: the token may also come from its `id_token` field (forms work without JavaScript). The
/// fields are kept as sent, in order, so repeated names (checkboxes) are all there.
#[derive(Debug, Clone)]
pub struct PageForm {
    /// The session.
    pub session: PageSession,
    /// Every field as sent (session fields included).
    pub fields: Vec<(String, String)>,
}

impl PageForm {
    /// The first value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl FromRequest<AppState> for PageForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let req = Request::from_parts(parts.clone(), body);
        let fields = match Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(Form(fields)) => fields,
            Err(e) => {
                // Still authenticate first: an unauthenticated caller learns nothing more.
                authenticate(&parts, state, None)
                    .await
                    .map_err(IntoResponse::into_response)?;
                return Err(super::error_page(
                    StatusCode::BAD_REQUEST,
                    "The form could not be read",
                    &format!(
                        "The form was not sent as a web form ({}). Reload the page and try again.",
                        e.body_text()
                    ),
                ));
            }
        };
        let form_token = fields
            .iter()
            .find(|(k, _)| k == "id_token")
            .map(|(_, v)| v.clone());
        let mut session = authenticate(&parts, state, form_token.as_deref())
            .await
            .map_err(IntoResponse::into_response)?;
        // A form keeps the embedded state it was rendered with.
        if !session.embedded {
            session.host = fields
                .iter()
                .find(|(k, v)| k == "host" && !v.is_empty())
                .map(|(_, v)| v.clone());
            session.embedded =
                session.host.is_some() || fields.iter().any(|(k, v)| k == "embedded" && v == "1");
        }
        Ok(PageForm { session, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_and_decode_round_trip() {
        let text = "Push to southwind.myshopify.com queued: 2 + 3 = 5 & more ✓";
        assert_eq!(decode(&encode(text)), text);
        assert_eq!(decode("a+b%2Cc"), "a b,c");
        assert_eq!(decode("100%"), "100%");
    }
}
