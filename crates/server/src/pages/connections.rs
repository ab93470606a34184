//! Connections and synced products (`/app/connections`): this store's connection key (with a
//! copy button, and selectable without JavaScript); for a destination store, connecting a source
//! store by its key, the connected source stores with Disconnect (confirmed first), and the
//! synced products with their match status (matched, unmatched, ambiguous with the reason,
//! unlinked), filtered by status, with manual Link and Unlink and Re-match; for a source store,
//! the destination stores connected to it.
//!
//! The handlers call the same service functions as the JSON routes ([`crate::service::sync`]).
//!
//! Routes: `GET /app/connections` (`?status=matched|unmatched|ambiguous|unlinked`,
//! `?disconnect=DOMAIN` asks to confirm), `POST /app/connections` (connect, field `key`),
//! `POST /app/connections/disconnect` (`source`), `POST /app/connections/link` (`variant_id`,
//! `source`, `source_variant_id`), `POST /app/connections/unlink` (`variant_id`),
//! `POST /app/connections/rematch`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use ordersync_core::StoreRole;
use ordersync_store::shops::ShopRecord;
use ordersync_store::synced::MappingOrigin;
use ordersync_store::UnixMillis;
use serde::Deserialize;

use super::layout::{self, Field, Layout, Nav, Tone};
use super::settings::FieldErrors;
use super::{app_error, redirect_with_notice, respond, PageForm, PageSession};
use crate::app::AppState;
use crate::service::sync::{self, SyncError, SyncedOverview};

/// At most this many synced and this many unsynced variants on the page.
const LIST_LIMIT: usize = 1000;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/connections", get(show).post(connect))
        .route("/app/connections/disconnect", post(disconnect))
        .route("/app/connections/link", post(link))
        .route("/app/connections/unlink", post(unlink))
        .route("/app/connections/rematch", post(rematch))
}

/// The match-status filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Matched,
    Unmatched,
    Ambiguous,
    Unlinked,
}

impl Filter {
    const ALL: [(Filter, &'static str, &'static str); 5] = [
        (Filter::All, "", "All"),
        (Filter::Matched, "matched", "Matched"),
        (Filter::Unmatched, "unmatched", "Unmatched"),
        (Filter::Ambiguous, "ambiguous", "Ambiguous"),
        (Filter::Unlinked, "unlinked", "Unlinked"),
    ];

    fn parse(text: Option<&str>) -> Option<Filter> {
        let text = text.unwrap_or("").trim();
        Self::ALL
            .iter()
            .find(|(_, code, _)| *code == text)
            .map(|(f, _, _)| *f)
    }

    fn code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or("", |(_, c, _)| c)
    }

    fn shows_synced(self) -> bool {
        matches!(self, Filter::All | Filter::Matched)
    }

    fn shows_unsynced(self, status: &str) -> bool {
        match self {
            Filter::All => true,
            Filter::Matched => false,
            other => other.code() == status,
        }
    }
}

/// The number of a Shopify GID (`gid://shopify/ProductVariant/42` → `42`).
fn numeric(gid: &str) -> &str {
    gid.rsplit('/').next().unwrap_or(gid)
}

/// What the page shows beside what is stored.
#[derive(Debug, Default)]
struct View {
    filter: Option<String>,
    /// Asking to confirm disconnecting this store.
    confirm_disconnect: Option<String>,
    /// The connect form being corrected: the key typed and its error.
    connect: Option<(String, String)>,
    /// A link form being corrected: the variant, the values and the errors.
    link: Option<(String, String, String, FieldErrors)>,
    /// An error about the lists as a whole.
    list_error: Option<String>,
}

fn key_card(session: &PageSession) -> Markup {
    let key = &session.shop.connection_key;
    let destination = session.shop.shop.role == StoreRole::Destination;
    html! {
        section class="card" aria-labelledby="key-heading" {
            h2 id="key-heading" class="card__title" { "This store's connection key" }
            p id="connection-key-hint" {
                @if destination {
                    "A source store does not need this key: connect to your source stores with theirs, below."
                } @else {
                    "Give this key to the destination store that sells your products: it connects to this store with it."
                }
            }
            div class="copy-field" {
                label class="field__label" for="connection-key" { "Connection key" }
                input class="field__input field__input--mono" type="text" id="connection-key" value=(key)
                    readonly aria-describedby="connection-key-hint";
                button type="button" class="button" data-copy="connection-key" hidden {
                    "Copy" span class="visually-hidden" { " the connection key" }
                }
            }
        }
    }
}

fn connect_card(session: &PageSession, view: &View) -> Markup {
    let (value, error) = match &view.connect {
        Some((value, error)) => (value.as_str(), Some(error.as_str())),
        None => ("", None),
    };
    html! {
        form method="post" action="/app/connections" class="card form" aria-labelledby="connect-heading" novalidate {
            (session.hidden_fields())
            h2 id="connect-heading" class="card__title" { "Connect a source store" }
            (Field { name: "key", label: "Source store's connection key", value,
                hint: Some("The source store finds its key on this page in its own ordersync."),
                error, inputmode: None, id_prefix: "" }.render())
            div class="form__actions" { (layout::submit("Connect", true)) }
        }
    }
}

fn stores_card(session: &PageSession, stores: &[ShopRecord], view: &View) -> Markup {
    let destination = session.shop.shop.role == StoreRole::Destination;
    html! {
        section class="card" aria-labelledby="stores-heading" {
            h2 id="stores-heading" class="card__title" {
                @if destination { "Connected source stores" } @else { "Connected destination stores" }
            }
            @if stores.is_empty() {
                @if destination {
                    (layout::empty_state("No source stores connected",
                        "Ask each source store for its connection key and enter it above. Their products with the same SKUs as yours become synced products.",
                        None))
                } @else {
                    (layout::empty_state("No destination store connected yet",
                        "Give your connection key (above) to the destination store that sells your products; it connects with it.",
                        None))
                }
            } @else {
                ul class="resource-list" {
                    @for store in stores {
                        @let domain = store.shop.domain.as_str();
                        li class="resource-list__item" {
                            div {
                                strong { (store.shop.name.as_str()) }
                                " "
                                span class="subdued" { (domain) }
                                @if !store.installed {
                                    " " (layout::badge(Tone::Warning, "Uninstalled ordersync"))
                                }
                            }
                            @if destination {
                                @if view.confirm_disconnect.as_deref() == Some(domain) {
                                    form method="post" action="/app/connections/disconnect" class="confirm" role="alertdialog"
                                        aria-labelledby=(format!("disconnect-{domain}")) {
                                        (session.hidden_fields())
                                        input type="hidden" name="source" value=(domain);
                                        input type="hidden" name="confirm" value="yes";
                                        p id=(format!("disconnect-{domain}")) {
                                            "Disconnect " strong { (domain) } "? Its synced products and manual links are removed; "
                                            "orders already pushed stay as they are."
                                        }
                                        button type="submit" class="button button--critical" autofocus { "Disconnect" }
                                        " "
                                        a class="button" href=(session.link("/app/connections")) { "Cancel" }
                                    }
                                } @else {
                                    a class="button button--plain button--critical"
                                        href=(session.link(&format!("/app/connections?disconnect={}", super::session::encode(domain)))) {
                                        "Disconnect" span class="visually-hidden" { " " (domain) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn status_badge(status: &str) -> Markup {
    match status {
        "ambiguous" => layout::badge(Tone::Warning, "Ambiguous"),
        "unlinked" => layout::badge(Tone::Neutral, "Unlinked"),
        _ => layout::badge(Tone::Attention, "Unmatched"),
    }
}

fn link_form(
    session: &PageSession,
    variant: &str,
    sources: &[ShopRecord],
    view: &View,
    label: &str,
) -> Markup {
    let n = numeric(variant);
    let prefix = format!("link{n}-");
    let (source, source_variant, errors) = match &view.link {
        Some((v, source, sv, errors)) if v == variant => {
            (source.clone(), sv.clone(), errors.clone())
        }
        _ => (String::new(), String::new(), FieldErrors::default()),
    };
    let select_id = format!("{prefix}source");
    let source_error = errors.get("source");
    html! {
        form method="post" action="/app/connections/link" class="inline-form link-form" aria-label=(format!("Link {label}")) novalidate {
            (session.hidden_fields())
            input type="hidden" name="variant_id" value=(variant);
            div class={ "field" @if source_error.is_some() { " field--error" } } {
                label class="field__label" for=(select_id) { "Source store" }
                select class="field__input" id=(select_id) name="source"
                    aria-invalid=[source_error.map(|_| "true")]
                    aria-describedby=[source_error.map(|_| format!("{select_id}-error"))] {
                    @for s in sources {
                        option value=(s.shop.domain.as_str()) selected[source == s.shop.domain.as_str()] { (s.shop.domain.as_str()) }
                    }
                }
                @if let Some(e) = source_error {
                    p class="field__error" id=(format!("{select_id}-error")) { (e) }
                }
            }
            (Field { name: "source_variant_id", label: "Source variant id", value: &source_variant,
                hint: None,
                error: errors.get("source_variant_id"), inputmode: None, id_prefix: &prefix }.render())
            (layout::submit("Link", false))
        }
    }
}

fn products_card(
    session: &PageSession,
    o: &SyncedOverview,
    sources: &[ShopRecord],
    filter: Filter,
    view: &View,
) -> Markup {
    let currency_money =
        |m: &ordersync_core::Money| layout::money(&m.amount().to_string(), m.currency().as_str());
    let synced: Vec<_> = if filter.shows_synced() {
        o.mapped.iter().collect()
    } else {
        Vec::new()
    };
    let unsynced: Vec<_> = o
        .not_synced
        .iter()
        .filter(|n| filter.shows_unsynced(n.reason.status()))
        .collect();
    html! {
        section class="card" aria-labelledby="products-heading" {
            div class="card__header" {
                h2 id="products-heading" class="card__title" { "Synced products" }
                form method="post" action="/app/connections/rematch" class="inline-form" {
                    (session.hidden_fields())
                    (layout::submit("Re-match", false))
                }
            }
            p {
                "Your variants are matched to the connected source stores' variants by SKU. "
                (o.mapped_total) " synced, " (o.not_synced.len()) " not synced."
            }
            @if o.rematch_pending {
                (layout::banner(Tone::Info, "Re-matching", html! {
                    p { "A re-match is waiting or running; reload the page in a moment to see its result." }
                }))
            }
            @if let Some(error) = &view.list_error {
                p class="field__error" role="alert" { (error) }
            }
            form method="get" action="/app/connections" class="filter-bar" {
                @for (name, value) in session.carried() {
                    input type="hidden" name=(name) value=(value);
                }
                label class="field__label" for="status-filter" { "Match status" }
                select class="field__input" id="status-filter" name="status" {
                    @for (f, code, label) in Filter::ALL {
                        option value=(code) selected[f == filter] { (label) }
                    }
                }
                (layout::submit("Filter", false))
            }
            @if synced.is_empty() && unsynced.is_empty() {
                @if sources.is_empty() {
                    (layout::empty_state("No synced products yet",
                        "Connect a source store above: its variants with the same SKUs as yours become synced products.", None))
                } @else if filter == Filter::All {
                    (layout::empty_state("No products to match yet",
                        "Choose Re-match to read the catalogues again, or add products with SKUs in your store and your source stores.", None))
                } @else {
                    (layout::empty_state("No products with this status",
                        "Choose another match status, or All.", None))
                }
            }
            @if !synced.is_empty() {
                table class="index-table" {
                    caption { "Matched (" (synced.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "SKU" }
                            th scope="col" { "Your variant" }
                            th scope="col" { "Source store" }
                            th scope="col" { "Source variant" }
                            th scope="col" { "Source price" }
                            th scope="col" { "Status" }
                            th scope="col" { span class="visually-hidden" { "Actions" } }
                        }
                    }
                    tbody {
                        @for m in &synced {
                            @let v = &m.variant;
                            tr {
                                td { (v.sku.as_str()) }
                                td { (numeric(v.destination_variant.as_str())) }
                                td { (v.source_shop.as_str()) }
                                td { (numeric(v.source_variant.as_str())) }
                                td { @if let Some(p) = &v.source_price { (currency_money(p)) } @else { "—" } }
                                td {
                                    (layout::badge(Tone::Success, "Matched"))
                                    @if m.origin == MappingOrigin::Manual { " " span class="subdued" { "linked by hand" } }
                                    @else { " " span class="subdued" { "by SKU" } }
                                }
                                td {
                                    form method="post" action="/app/connections/unlink" class="inline-form" {
                                        (session.hidden_fields())
                                        input type="hidden" name="variant_id" value=(v.destination_variant.as_str());
                                        button type="submit" class="button button--plain" {
                                            "Unlink" span class="visually-hidden" { " SKU " (v.sku.as_str()) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if o.mapped_total > o.mapped.len() {
                    p class="subdued" { "Showing the first " (o.mapped.len()) " of " (o.mapped_total) " synced products." }
                }
            }
            @if !unsynced.is_empty() {
                @if !sources.is_empty() {
                    p class="subdued" {
                        "To link a variant by hand, choose the source store and enter the source variant's number "
                        "(from the source store's admin) or its gid://shopify/ProductVariant/… id."
                    }
                }
                table class="index-table" {
                    caption { "Not synced (" (unsynced.len()) ")" }
                    thead {
                        tr {
                            th scope="col" { "Variant" }
                            th scope="col" { "SKU" }
                            th scope="col" { "Status" }
                            th scope="col" { "Why" }
                            th scope="col" { "Link by hand" }
                        }
                    }
                    tbody {
                        @for n in &unsynced {
                            @let label = if n.title.is_empty() { numeric(n.variant.as_str()).to_owned() } else { n.title.clone() };
                            tr id=(format!("variant-{}", numeric(n.variant.as_str()))) {
                                td { (label) " " span class="subdued" { (numeric(n.variant.as_str())) } }
                                td { @if let Some(sku) = &n.sku { (sku.as_str()) } @else { "—" } }
                                td { (status_badge(n.reason.status())) }
                                td { (n.reason.message()) }
                                td {
                                    @if sources.is_empty() {
                                        span class="subdued" { "Connect a source store first." }
                                    } @else {
                                        (link_form(session, n.variant.as_str(), sources, view, &label))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn render(
    state: &AppState,
    session: &PageSession,
    status: StatusCode,
    view: View,
) -> Response {
    let stores = match sync::connections(&state.store, &session.shop).await {
        Ok(stores) => stores,
        Err(e) => return sync_error_page(session, &e),
    };
    let destination = session.shop.shop.role == StoreRole::Destination;
    let filter = Filter::parse(view.filter.as_deref()).unwrap_or(Filter::All);
    let products = if destination {
        match sync::synced_products(&state.store, &session.shop, LIST_LIMIT).await {
            Ok(o) => Some(o),
            Err(e) => return sync_error_page(session, &e),
        }
    } else {
        None
    };
    let body = html! {
        (key_card(session))
        @if destination {
            (connect_card(session, &view))
        }
        (stores_card(session, &stores, &view))
        @if let Some(o) = &products {
            (products_card(session, o, &stores, filter, &view))
        }
    };
    let title = if destination {
        "Connections and synced products"
    } else {
        "Connections"
    };
    respond(
        session,
        status,
        Layout::new(session, Nav::Connections, title).render(body),
    )
}

fn sync_error_page(session: &PageSession, e: &SyncError) -> Response {
    let status = match e {
        SyncError::NotDestination => StatusCode::FORBIDDEN,
        SyncError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        SyncError::NotConnected | SyncError::NoSuchVariant | SyncError::UnknownKey => {
            StatusCode::NOT_FOUND
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let message = match e {
        SyncError::NotDestination => {
            "Only a destination store connects to source stores and has synced products; this is a source store. Give your connection key to your destination store instead".to_owned()
        }
        other => sentence(&other.to_string()),
    };
    app_error(
        session,
        Nav::Connections,
        status,
        &message,
        "connections page",
    )
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Debug, Deserialize)]
struct ShowQuery {
    status: Option<String>,
    disconnect: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    session: PageSession,
    Query(q): Query<ShowQuery>,
) -> Response {
    let view = View {
        filter: q.status,
        confirm_disconnect: q.disconnect,
        ..View::default()
    };
    render(&state, &session, StatusCode::OK, view).await
}

async fn connect(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let key = form.get("key").unwrap_or_default().trim().to_owned();
    let again = |message: String| View {
        connect: Some((key.clone(), message)),
        ..View::default()
    };
    if key.is_empty() {
        let view = again("Enter the source store's connection key.".to_owned());
        return render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await;
    }
    match sync::already_connected(&state.store, &session.shop, &key).await {
        Ok(Some(source)) => {
            let view = again(format!(
                "This store is already connected to {} ({}).",
                source.shop.name.as_str(),
                source.shop.domain
            ));
            return render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await;
        }
        Ok(None) => {}
        Err(e) => return sync_error_page(session, &e),
    }
    match sync::connect(&state.store, &session.shop, &key, UnixMillis::now()).await {
        Ok(source) => {
            state.jobs_waiting.notify_one();
            redirect_with_notice(
                session,
                "/app/connections",
                &format!(
                    "Connected to {} ({}). Its products are being matched to yours by SKU.",
                    source.shop.name.as_str(),
                    source.shop.domain
                ),
            )
        }
        Err(
            e @ (SyncError::UnknownKey
            | SyncError::OwnKey
            | SyncError::KeyOfDestination
            | SyncError::SourceUninstalled
            | SyncError::BadInput { .. }),
        ) => {
            let view = again(format!("{}.", sentence(&e.to_string())));
            render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
        Err(e) => sync_error_page(session, &e),
    }
}

async fn disconnect(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let source = form.get("source").unwrap_or_default().trim().to_owned();
    if form.get("confirm") != Some("yes") {
        // Without the confirmation, ask for it.
        let view = View {
            confirm_disconnect: Some(source),
            ..View::default()
        };
        return render(&state, session, StatusCode::OK, view).await;
    }
    match sync::disconnect(&state.store, &session.shop, &source, UnixMillis::now()).await {
        Ok(()) => {
            state.jobs_waiting.notify_one();
            redirect_with_notice(
                session,
                "/app/connections",
                &format!("Disconnected {source}. Its synced products were removed."),
            )
        }
        Err(SyncError::NotConnected) => {
            let view = View {
                list_error: Some(format!(
                    "This store is not connected to {source}; nothing was changed."
                )),
                ..View::default()
            };
            render(&state, session, StatusCode::NOT_FOUND, view).await
        }
        Err(e) => sync_error_page(session, &e),
    }
}

async fn link(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let variant = form.get("variant_id").unwrap_or_default().trim().to_owned();
    let source = form.get("source").unwrap_or_default().trim().to_owned();
    let source_variant = form
        .get("source_variant_id")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let mut errors = FieldErrors::default();
    if source.is_empty() {
        errors.add("source", "Choose the source store.");
    }
    if source_variant.is_empty() {
        errors.add(
            "source_variant_id",
            "Enter the source variant's id, e.g. 43210.",
        );
    }
    let result = if errors.is_empty() {
        sync::link(
            &state.store,
            &session.shop,
            &variant,
            &source,
            &source_variant,
            UnixMillis::now(),
        )
        .await
    } else {
        Ok(())
    };
    match result {
        Ok(()) if errors.is_empty() => {
            state.jobs_waiting.notify_one();
            return redirect_with_notice(
                session,
                "/app/connections",
                &format!(
                    "Linked variant {} to {source} variant {}. The re-match applies it in a moment.",
                    numeric(&variant),
                    numeric(&source_variant)
                ),
            );
        }
        Ok(()) => {}
        Err(SyncError::BadInput {
            field: "source_variant_id",
            problem,
        }) => {
            errors.add(
                "source_variant_id",
                format!("“{source_variant}” is not a variant id: it {problem}."),
            );
        }
        Err(SyncError::NotConnected) => {
            errors.add(
                "source",
                format!(
                    "This store is not connected to “{source}”. Choose a connected source store."
                ),
            );
        }
        Err(SyncError::NoSuchVariant) => {
            let view = View {
                list_error: Some(format!(
                    "“{variant}” is not one of your product variants; nothing was linked."
                )),
                ..View::default()
            };
            return render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await;
        }
        Err(e) => return sync_error_page(session, &e),
    }
    let view = View {
        link: Some((variant, source, source_variant, errors)),
        ..View::default()
    };
    render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await
}

async fn unlink(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let variant = form.get("variant_id").unwrap_or_default().trim().to_owned();
    match sync::unlink(&state.store, &session.shop, &variant, UnixMillis::now()).await {
        Ok(()) => {
            state.jobs_waiting.notify_one();
            redirect_with_notice(
                session,
                "/app/connections",
                &format!(
                    "Unlinked variant {}. It stays unsynced until you link it again.",
                    numeric(&variant)
                ),
            )
        }
        Err(SyncError::NoSuchVariant) => {
            let view = View {
                list_error: Some(format!(
                    "“{variant}” is not one of your product variants; nothing was unlinked."
                )),
                ..View::default()
            };
            render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
        Err(e) => sync_error_page(session, &e),
    }
}

async fn rematch(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    match sync::request_rematch(&state.store, &session.shop, UnixMillis::now()).await {
        Ok(()) => {
            state.jobs_waiting.notify_one();
            redirect_with_notice(
                session,
                "/app/connections",
                "Re-match queued: the catalogues are read again and matched by SKU.",
            )
        }
        Err(e) => sync_error_page(session, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_select() {
        assert_eq!(Filter::parse(None), Some(Filter::All));
        assert_eq!(Filter::parse(Some(" ambiguous ")), Some(Filter::Ambiguous));
        assert_eq!(Filter::parse(Some("nope")), None);
        assert!(Filter::Matched.shows_synced() && !Filter::Unmatched.shows_synced());
        assert!(Filter::Unmatched.shows_unsynced("unmatched"));
        assert!(!Filter::Unmatched.shows_unsynced("ambiguous"));
        assert!(Filter::All.shows_unsynced("unlinked"));
        assert!(!Filter::Matched.shows_unsynced("unmatched"));
    }

    #[test]
    fn gid_numbers() {
        assert_eq!(numeric("gid://shopify/ProductVariant/42"), "42");
        assert_eq!(numeric("42"), "42");
    }
}
