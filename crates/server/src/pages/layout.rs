//! The page frame and the pieces every page is built from.
//!
//! [`Layout`] renders a whole page: skip link, the app nav (different for a source store),
//! landmarks, one `h1` with the primary action at its top right, a live region announcing the
//! confirmation of the last action, a banner slot, and the body. Helpers render badges (Polaris
//! tones), money, dates, empty states, banners and form fields with their inline error.

use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};
use ordersync_core::StoreRole;

use super::assets;
use super::session::PageSession;

/// The app's sections, for the nav.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/app`.
    Orders,
    /// `/app/received` (a source store).
    Received,
    /// `/app/connections`.
    Connections,
    /// `/app/settings`.
    Settings,
    /// `/app/billing`.
    Billing,
}

impl Nav {
    /// The items of a store's nav: a destination store's, or a source store's.
    pub fn items(role: StoreRole) -> &'static [(Nav, &'static str, &'static str)] {
        match role {
            StoreRole::Destination => &[
                (Nav::Orders, "Orders", "/app"),
                (Nav::Connections, "Connections", "/app/connections"),
                (Nav::Settings, "Order Push Settings", "/app/settings"),
                (Nav::Billing, "Plan & Billing", "/app/billing"),
            ],
            StoreRole::Source => &[
                (Nav::Received, "Received orders", "/app/received"),
                (Nav::Connections, "Connections", "/app/connections"),
                (Nav::Billing, "Plan & Billing", "/app/billing"),
            ],
        }
    }
}

/// The stylesheet links (also used by pages outside the app frame).
pub fn stylesheets() -> Markup {
    html! {
        link rel="icon" href="data:,";
        link rel="stylesheet" href=(assets::url("polaris-tokens.css"));
        link rel="stylesheet" href=(assets::url("app.css"));
    }
}

/// A page being built: title, nav section, optional primary action (top right), banners,
/// an optional back link.
#[derive(Debug)]
pub struct Layout<'a> {
    session: &'a PageSession,
    nav: Nav,
    title: String,
    actions: Option<Markup>,
    banners: Vec<Markup>,
    back: Option<(String, String)>,
    subtitle: Option<Markup>,
}

impl<'a> Layout<'a> {
    /// A page titled `title` (the `h1` and the document title) in the `nav` section.
    pub fn new(session: &'a PageSession, nav: Nav, title: impl Into<String>) -> Self {
        Layout {
            session,
            nav,
            title: title.into(),
            actions: None,
            banners: Vec::new(),
            back: None,
            subtitle: None,
        }
    }

    /// The page's primary action(s), at the top right of the header.
    pub fn actions(mut self, actions: Markup) -> Self {
        self.actions = Some(actions);
        self
    }

    /// A banner under the header (see [`banner`]).
    pub fn banner(mut self, banner: Markup) -> Self {
        self.banners.push(banner);
        self
    }

    /// A back link above the title (`path` is in-app; the session is added).
    pub fn back(mut self, label: &str, path: &str) -> Self {
        self.back = Some((label.to_owned(), self.session.link(path)));
        self
    }

    /// A line under the title (badges, dates).
    pub fn subtitle(mut self, subtitle: Markup) -> Self {
        self.subtitle = Some(subtitle);
        self
    }

    /// The whole document.
    pub fn render(self, body: Markup) -> Markup {
        let session = self.session;
        let items = Nav::items(session.shop.shop.role);
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · ordersync" }
                    meta name="ordersync-token" content=(session.token);
                    meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"historyCacheSize":0}"#;
                    @if session.embedded {
                        meta name="shopify-api-key" content=(session.api_key);
                        script src="https://cdn.shopify.com/shopifycloud/app-bridge.js" {}
                    }
                    (stylesheets())
                    script src=(assets::url("htmx.min.js")) defer {}
                    script src=(assets::url("app.js")) defer {}
                }
                body {
                    a class="skip-link" href="#main" { "Skip to content" }
                    header class="app-header" {
                        span class="app-name" { "ordersync" }
                        span class="app-shop" { (session.shop.shop.name.as_str()) }
                    }
                    nav class="app-nav" aria-label="ordersync" {
                        ul {
                            @for (item, label, path) in items {
                                li {
                                    @if *item == self.nav {
                                        a href=(session.link(path)) aria-current="page" { (label) }
                                    } @else {
                                        a href=(session.link(path)) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    main id="main" class="page" tabindex="-1" {
                        @if let Some((label, href)) = &self.back {
                            a class="back-link" href=(href) { "← " (label) }
                        }
                        div class="page-header" {
                            div class="page-header__title" {
                                h1 class="page-title" { (self.title) }
                                @if let Some(subtitle) = &self.subtitle {
                                    div class="page-subtitle" { (subtitle) }
                                }
                            }
                            @if let Some(actions) = &self.actions {
                                div class="page-actions" { (actions) }
                            }
                        }
                        div id="notice" class="notice-region" role="status" aria-live="polite" {
                            @if let Some(notice) = &session.notice {
                                div class="banner banner--success" {
                                    p { (notice) }
                                }
                            }
                        }
                        @for banner in &self.banners {
                            (banner)
                        }
                        (body)
                    }
                }
            }
        }
    }
}

/// The whole document for a simple page: `layout(session, nav, title, body)`.
pub fn layout(session: &PageSession, nav: Nav, title: &str, body: Markup) -> Markup {
    Layout::new(session, nav, title).render(body)
}

/// An in-app link with the session (`href` of every in-app `a`).
pub fn link(session: &PageSession, path: &str) -> String {
    session.link(path)
}

/// Polaris tones of a badge or banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Grey.
    Neutral,
    /// Blue.
    Info,
    /// Green.
    Success,
    /// Yellow.
    Attention,
    /// Orange.
    Warning,
    /// Red.
    Critical,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Info => "info",
            Tone::Success => "success",
            Tone::Attention => "attention",
            Tone::Warning => "warning",
            Tone::Critical => "critical",
        }
    }
}

/// A badge.
pub fn badge(tone: Tone, text: &str) -> Markup {
    html! { span class={ "badge badge--" (tone.class()) } { (text) } }
}

/// The tone of a push status (`not_pushed`, `queued`, …, as the services name them).
pub fn push_status_tone(status: &str) -> Tone {
    match status {
        "queued" | "pushing" => Tone::Info,
        "pushed" | "fulfilled" => Tone::Success,
        "partially_fulfilled" => Tone::Attention,
        "failed" => Tone::Critical,
        "ineligible" => Tone::Warning,
        _ => Tone::Neutral,
    }
}

/// A push status badge.
pub fn push_badge(status: &str, label: &str) -> Markup {
    badge(push_status_tone(status), label)
}

/// A payment status badge (`paid` green, `pending`/`authorized` attention, refunds warning).
pub fn payment_badge(status: &str, label: &str) -> Markup {
    let tone = match status {
        "paid" => Tone::Success,
        "pending" | "authorized" | "partially_paid" => Tone::Attention,
        "refunded" | "partially_refunded" | "voided" => Tone::Warning,
        _ => Tone::Neutral,
    };
    badge(tone, label)
}

/// A fulfillment status badge of the destination order.
pub fn fulfillment_badge(status: &str) -> Markup {
    let (tone, label) = match status {
        "fulfilled" => (Tone::Success, "Fulfilled".to_owned()),
        "partial" | "partially_fulfilled" => (Tone::Attention, "Partially fulfilled".to_owned()),
        "unfulfilled" | "" => (Tone::Attention, "Unfulfilled".to_owned()),
        other => (Tone::Neutral, sentence(other)),
    };
    badge(tone, &label)
}

/// `some_words` → `Some words`.
pub fn sentence(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An amount with its currency, e.g. `$12.50` or `12.50 CHF`.
pub fn money(amount: &str, currency: &str) -> String {
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", amount),
    };
    let digits = match digits.split_once('.') {
        Some((whole, frac)) if frac.len() == 1 => format!("{whole}.{frac}0"),
        Some(_) => digits.to_owned(),
        None => format!("{digits}.00"),
    };
    match currency {
        "USD" | "CAD" | "AUD" | "NZD" => format!("{sign}${digits}"),
        "EUR" => format!("{sign}€{digits}"),
        "GBP" => format!("{sign}£{digits}"),
        "JPY" => format!("{sign}¥{digits}"),
        other => format!("{sign}{digits} {other}"),
    }
}

/// A time (RFC 3339) as a `<time>`: `Nov 27, 2026, 21:41 UTC`.
pub fn date(rfc3339: &str) -> Markup {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => {
            let t = t.with_timezone(&Utc);
            html! { time datetime=(rfc3339) { (t.format("%b %-d, %Y, %H:%M UTC")) } }
        }
        Err(_) => html! { (rfc3339) },
    }
}

/// A banner (Polaris: info, success, warning, critical), with a heading and content.
pub fn banner(tone: Tone, title: &str, content: Markup) -> Markup {
    let role = if tone == Tone::Critical {
        "alert"
    } else {
        "region"
    };
    html! {
        section class={ "banner banner--" (tone.class()) } role=(role) aria-label=(title) {
            h2 class="banner__title" { (title) }
            div class="banner__content" { (content) }
        }
    }
}

/// An empty state: a heading, what to do next, and an optional action.
pub fn empty_state(heading: &str, text: &str, action: Option<Markup>) -> Markup {
    html! {
        div class="empty-state" {
            h2 class="empty-state__heading" { (heading) }
            p { (text) }
            @if let Some(action) = action {
                div class="empty-state__action" { (action) }
            }
        }
    }
}

/// A text field with its label, an optional hint, and its error (then `aria-invalid`, the error
/// linked by `aria-describedby`, and the field focused first).
#[derive(Debug)]
pub struct Field<'a> {
    /// `id` and `name`.
    pub name: &'a str,
    /// Label text.
    pub label: &'a str,
    /// Current value.
    pub value: &'a str,
    /// Help under the field.
    pub hint: Option<&'a str>,
    /// The error, shown under the field.
    pub error: Option<&'a str>,
    /// `inputmode` (e.g. `decimal`).
    pub inputmode: Option<&'a str>,
    /// An id prefix making the field's id unique on a page with several such forms.
    pub id_prefix: &'a str,
}

impl Field<'_> {
    /// The label, the input, the hint and the error.
    pub fn render(&self) -> Markup {
        let id = format!("{}{}", self.id_prefix, self.name);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let mut described = Vec::new();
        if self.error.is_some() {
            described.push(error_id.clone());
        }
        if self.hint.is_some() {
            described.push(hint_id.clone());
        }
        let described = (!described.is_empty()).then(|| described.join(" "));
        html! {
            div class={ "field" @if self.error.is_some() { " field--error" } } {
                label class="field__label" for=(id) { (self.label) }
                input class="field__input" type="text" id=(id) name=(self.name) value=(self.value)
                    inputmode=[self.inputmode]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[described]
                    autofocus[self.error.is_some()];
                @if let Some(error) = self.error {
                    p class="field__error" id=(error_id) { (error) }
                }
                @if let Some(hint) = self.hint {
                    p class="field__hint" id=(hint_id) { (hint) }
                }
            }
        }
    }
}

/// A submit button (`primary` for the page's main action).
pub fn submit(label: &str, primary: bool) -> Markup {
    html! {
        button type="submit" class={ "button" @if primary { " button--primary" } } { (label) }
    }
}
