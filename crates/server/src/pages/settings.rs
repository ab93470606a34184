//! Order Push Settings (`/app/settings`), a destination store's: the Email Contact Method, the
//! Shipping Rate Rules (add, edit, delete, reorder), the price basis, notifying the customer on
//! fulfillment and the hold before an automated push.
//!
//! Every form is checked here field by field (the error shown next to its field, HTTP 422,
//! nothing stored), then saved through [`settings::save_push_settings`], the same service
//! function as `PUT /api/settings/push`, and the page redirects back with a confirmation.
//!
//! Routes: `GET /app/settings` (`?edit=N` opens rule N's form), `POST /app/settings` (the
//! general settings), `POST /app/settings/rules` (add a rule), `POST /app/settings/rules/{n}`
//! (save rule n), `POST /app/settings/rules/{n}/delete`, `POST /app/settings/rules/{n}/move`
//! (`direction=up|down`).

use std::str::FromStr;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use ordersync_core::{
    CountryCode, Decimal, Email, EmailContactMethod, HoldMinutes, OrderPushSettings, PriceBasis,
    RuleConditions, ShippingRateRule, ShopDomain, StoreRole,
};
use serde::Deserialize;

use super::layout::{self, Field, Layout, Nav};
use super::{app_error, redirect_with_notice, respond, PageForm, PageSession};
use crate::app::AppState;
use crate::service::settings::{self, SettingsServiceError};
use crate::service::sync;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/settings", get(show).post(save_general))
        .route("/app/settings/rules", post(add_rule))
        .route("/app/settings/rules/{index}", post(save_rule))
        .route("/app/settings/rules/{index}/delete", post(delete_rule))
        .route("/app/settings/rules/{index}/move", post(move_rule))
}

// ---------------------------------------------------------------------------------------------
// Form checking (pure)

/// The errors of a submitted form, by field name, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// Records `message` for `field` (the first error of a field wins).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The error of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// No errors.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields are wrong.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// An amount typed by a merchant: digits with an optional fraction, an optional leading `$`;
/// `None` when it is not such a number.
pub fn parse_amount(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let text = text.strip_prefix('$').unwrap_or(text).trim();
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// The general settings form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneralForm {
    /// `customer_email`, `store_admin_email` or `custom`.
    pub contact_method: String,
    /// The custom email (used with `custom`).
    pub custom_email: String,
    /// `destination_price` or `source_price`.
    pub price_basis: String,
    /// The checkbox.
    pub notify_customer: bool,
    /// Minutes, as typed.
    pub hold_minutes: String,
}

impl GeneralForm {
    /// The stored settings as the form shows them.
    pub fn of(s: &OrderPushSettings) -> Self {
        let (contact_method, custom_email) = match &s.contact {
            EmailContactMethod::CustomerEmail => ("customer_email", String::new()),
            EmailContactMethod::StoreAdminEmail => ("store_admin_email", String::new()),
            EmailContactMethod::Custom(email) => ("custom", email.as_str().to_owned()),
        };
        GeneralForm {
            contact_method: contact_method.to_owned(),
            custom_email,
            price_basis: match s.price_basis {
                PriceBasis::DestinationPrice => "destination_price",
                PriceBasis::SourcePrice => "source_price",
            }
            .to_owned(),
            notify_customer: s.notify_customer,
            hold_minutes: s.hold_minutes.get().to_string(),
        }
    }

    /// The form as submitted (an absent checkbox is unchecked).
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        GeneralForm {
            contact_method: field(fields, "contact_method").trim().to_owned(),
            custom_email: field(fields, "custom_email").trim().to_owned(),
            price_basis: field(fields, "price_basis").trim().to_owned(),
            notify_customer: !field(fields, "notify_customer").is_empty(),
            hold_minutes: field(fields, "hold_minutes").trim().to_owned(),
        }
    }

    /// `base` with this form's fields applied (Auto push and the rules are kept), or every
    /// field's error.
    pub fn apply(&self, base: &OrderPushSettings) -> Result<OrderPushSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let contact = match self.contact_method.as_str() {
            "customer_email" => Some(EmailContactMethod::CustomerEmail),
            "store_admin_email" => Some(EmailContactMethod::StoreAdminEmail),
            "custom" => match Email::parse(&self.custom_email) {
                Ok(email) => Some(EmailContactMethod::Custom(email)),
                Err(_) if self.custom_email.is_empty() => {
                    errors.add(
                        "custom_email",
                        "Enter the email address pushed orders should carry, or choose another contact method.",
                    );
                    None
                }
                Err(_) => {
                    errors.add(
                        "custom_email",
                        format!(
                            "“{}” is not a valid email address. Enter one like orders@example.com.",
                            self.custom_email
                        ),
                    );
                    None
                }
            },
            _ => {
                errors.add("contact_method", "Choose which email pushed orders carry.");
                None
            }
        };
        let price_basis = match self.price_basis.as_str() {
            "destination_price" => Some(PriceBasis::DestinationPrice),
            "source_price" => Some(PriceBasis::SourcePrice),
            _ => {
                errors.add("price_basis", "Choose which price pushed items carry.");
                None
            }
        };
        let hold = if self.hold_minutes.is_empty() {
            Some(HoldMinutes::default())
        } else {
            match self.hold_minutes.parse::<u32>() {
                Ok(m) => match HoldMinutes::new(m) {
                    Ok(h) => Some(h),
                    Err(_) => {
                        errors.add(
                            "hold_minutes",
                            format!(
                                "The hold can be at most {} minutes (one week).",
                                HoldMinutes::MAX
                            ),
                        );
                        None
                    }
                },
                Err(_) => {
                    errors.add(
                        "hold_minutes",
                        format!(
                            "Enter a whole number of minutes from 0 to {}, like 30.",
                            HoldMinutes::MAX
                        ),
                    );
                    None
                }
            }
        };
        match (contact, price_basis, hold) {
            (Some(contact), Some(price_basis), Some(hold_minutes)) if errors.is_empty() => {
                Ok(OrderPushSettings {
                    contact,
                    price_basis,
                    hold_minutes,
                    notify_customer: self.notify_customer,
                    ..base.clone()
                })
            }
            _ => Err(errors),
        }
    }
}

/// A Shipping Rate Rule's form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleForm {
    /// The shipping line's title.
    pub title: String,
    /// The fee.
    pub fee: String,
    /// Only orders to this source store (empty: any).
    pub source_store: String,
    /// Only orders shipped to these countries (two-letter codes, comma separated; empty: any).
    pub countries: String,
    /// Only when the items subtotal is at least this (empty: any).
    pub min_subtotal: String,
}

impl RuleForm {
    /// A stored rule as the form shows it.
    pub fn of(rule: &ShippingRateRule) -> Self {
        let c = rule.conditions();
        RuleForm {
            title: rule.title().to_owned(),
            fee: rule.fee().to_string(),
            source_store: c
                .source_store
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            countries: c
                .countries
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            min_subtotal: c
                .min_items_subtotal
                .map(|m| m.to_string())
                .unwrap_or_default(),
        }
    }

    /// The form as submitted.
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        RuleForm {
            title: field(fields, "title").trim().to_owned(),
            fee: field(fields, "fee").trim().to_owned(),
            source_store: field(fields, "source_store").trim().to_owned(),
            countries: field(fields, "countries").trim().to_owned(),
            min_subtotal: field(fields, "min_subtotal").trim().to_owned(),
        }
    }

    /// The rule, or every field's error. `stores` are the source stores a rule may name (the
    /// connected ones, and the one the rule named before).
    pub fn rule(&self, stores: &[ShopDomain]) -> Result<ShippingRateRule, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title_len = self.title.chars().count();
        if title_len == 0 {
            errors.add(
                "title",
                "Enter the shipping line's title, like Standard shipping.",
            );
        } else if title_len > 255 {
            errors.add("title", "The title can be at most 255 characters.");
        }
        let fee = match parse_amount(&self.fee) {
            None if self.fee.is_empty() => {
                errors.add("fee", "Enter the fee, like 7.50 (0 for free shipping).");
                None
            }
            None => {
                errors.add(
                    "fee",
                    format!(
                        "“{}” is not an amount. Enter the fee like 7.50, without a currency.",
                        self.fee
                    ),
                );
                None
            }
            Some(fee) if fee.normalize().scale() > 2 => {
                errors.add("fee", "The fee can have at most 2 decimal places.");
                None
            }
            Some(fee) => Some(fee),
        };
        let source_store = if self.source_store.is_empty() {
            None
        } else {
            match ShopDomain::parse(&self.source_store) {
                Ok(d) if stores.contains(&d) => Some(d),
                _ => {
                    errors.add(
                        "source_store",
                        "Choose one of the connected source stores, or Any source store.",
                    );
                    None
                }
            }
        };
        let mut countries = Vec::new();
        let mut bad = Vec::new();
        for code in self
            .countries
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
        {
            match CountryCode::parse(code) {
                Ok(c) if !countries.contains(&c) => countries.push(c),
                Ok(_) => {}
                Err(_) => bad.push(code.to_owned()),
            }
        }
        if !bad.is_empty() {
            errors.add(
                "countries",
                format!(
                    "{} {} not a two-letter country code. Enter codes like US, CA, separated by commas.",
                    bad.iter().map(|b| format!("“{b}”")).collect::<Vec<_>>().join(", "),
                    if bad.len() == 1 { "is" } else { "are" }
                ),
            );
        }
        let min_items_subtotal = if self.min_subtotal.is_empty() {
            None
        } else {
            match parse_amount(&self.min_subtotal) {
                Some(m) => Some(m),
                None => {
                    errors.add(
                        "min_subtotal",
                        format!(
                            "“{}” is not an amount. Enter it like 50.00, or leave it empty.",
                            self.min_subtotal
                        ),
                    );
                    None
                }
            }
        };
        let Some(fee) = fee.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        ShippingRateRule::new(
            &self.title,
            fee,
            RuleConditions {
                source_store,
                countries,
                min_items_subtotal,
            },
        )
        .map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.add("title", e.to_string());
            errors
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// What the page shows beside the stored settings: a form being corrected, or a rule open.
#[derive(Debug, Default)]
struct View {
    general: Option<(GeneralForm, FieldErrors)>,
    /// The rule form: `None` index is the new rule's.
    rule: Option<(Option<usize>, RuleForm, FieldErrors)>,
    /// The rule being edited (`?edit=N`).
    edit: Option<usize>,
    /// An error about the rules as a whole (a stale position).
    rules_error: Option<String>,
}

fn radio(
    name: &str,
    value: &str,
    current: &str,
    label: &str,
    hint: Option<&str>,
    described: Option<&str>,
) -> Markup {
    let id = format!("{name}-{value}");
    html! {
        div class="choice" {
            input type="radio" id=(id) name=(name) value=(value) checked[current == value]
                aria-describedby=[described];
            label for=(id) { (label) }
            @if let Some(hint) = hint {
                p class="field__hint" { (hint) }
            }
        }
    }
}

fn error_text(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p class="field__error" id=(id) { (error) }
        }
    }
}

fn describe_conditions(rule: &ShippingRateRule, currency: &str) -> String {
    let c = rule.conditions();
    let mut parts = Vec::new();
    match &c.source_store {
        Some(s) => parts.push(format!("orders to {s}")),
        None => parts.push("orders to any source store".to_owned()),
    }
    if !c.countries.is_empty() {
        parts.push(format!(
            "shipped to {}",
            c.countries
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(min) = c.min_items_subtotal {
        parts.push(format!(
            "items subtotal at least {}",
            layout::money(&min.to_string(), currency)
        ));
    }
    let mut text = parts.join(", ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    text
}

fn rule_form(
    session: &PageSession,
    index: Option<usize>,
    form: &RuleForm,
    errors: &FieldErrors,
    stores: &[ShopDomain],
) -> Markup {
    let prefix = match index {
        Some(i) => format!("rule{i}-"),
        None => "new-rule-".to_owned(),
    };
    let action = match index {
        Some(i) => format!("/app/settings/rules/{i}"),
        None => "/app/settings/rules".to_owned(),
    };
    let heading = match index {
        Some(i) => format!("Edit rule {}", i + 1),
        None => "Add a shipping rate rule".to_owned(),
    };
    let heading_id = format!("{prefix}heading");
    let store_id = format!("{prefix}source_store");
    let store_error = errors.get("source_store");
    html! {
        form method="post" action=(action) class="form rule-form" id=(format!("{prefix}form")) aria-labelledby=(heading_id) novalidate {
            (session.hidden_fields())
            h2 id=(heading_id) class="card__title" { (heading) }
            @if !errors.is_empty() {
                p class="form__summary" role="alert" {
                    "The rule was not saved: " (errors.len()) " field" @if errors.len() != 1 { "s" } " to correct below."
                }
            }
            (Field { name: "title", label: "Shipping line title", value: &form.title,
                hint: Some("The shipping line's name on the source order, e.g. Standard shipping."),
                error: errors.get("title"), inputmode: None, id_prefix: &prefix }.render())
            (Field { name: "fee", label: "Fee", value: &form.fee,
                hint: Some("In the store's currency, e.g. 7.50; 0 for free shipping."),
                error: errors.get("fee"), inputmode: Some("decimal"), id_prefix: &prefix }.render())
            fieldset class="fieldset" {
                legend { "Conditions (all must hold; leave empty for any)" }
                div class={ "field" @if store_error.is_some() { " field--error" } } {
                    label class="field__label" for=(store_id) { "Source store" }
                    select class="field__input" id=(store_id) name="source_store"
                        aria-invalid=[store_error.map(|_| "true")]
                        aria-describedby=[store_error.map(|_| format!("{store_id}-error"))] {
                        option value="" selected[form.source_store.is_empty()] { "Any source store" }
                        @for store in stores {
                            option value=(store.as_str()) selected[form.source_store == store.as_str()] { (store.as_str()) }
                        }
                        @if !form.source_store.is_empty() && !stores.iter().any(|s| s.as_str() == form.source_store) {
                            option value=(form.source_store) selected { (form.source_store) " (not connected)" }
                        }
                    }
                    (error_text(&format!("{store_id}-error"), store_error))
                }
                (Field { name: "countries", label: "Shipping countries", value: &form.countries,
                    hint: Some("Two-letter country codes separated by commas, e.g. US, CA."),
                    error: errors.get("countries"), inputmode: None, id_prefix: &prefix }.render())
                (Field { name: "min_subtotal", label: "Minimum items subtotal", value: &form.min_subtotal,
                    hint: Some("The rule applies when the items pushed to that store cost at least this much."),
                    error: errors.get("min_subtotal"), inputmode: Some("decimal"), id_prefix: &prefix }.render())
            }
            div class="form__actions" {
                (layout::submit(if index.is_some() { "Save rule" } else { "Add rule" }, true))
                @if index.is_some() {
                    a class="button" href=(session.link("/app/settings")) { "Cancel" }
                }
            }
        }
    }
}

fn rules_card(
    session: &PageSession,
    s: &OrderPushSettings,
    view: &View,
    stores: &[ShopDomain],
) -> Markup {
    let currency = session.shop.shop.currency.as_str();
    let rules = s.shipping_rules.rules();
    let free = layout::money("0.00", currency);
    html! {
        section class="card" aria-labelledby="rules-heading" {
            h2 id="rules-heading" class="card__title" { "Shipping Rate Rules" }
            p {
                "Each pushed order gets one shipping line: the first rule below whose conditions all hold. "
                "A fee typed for a manual push replaces it."
            }
            @if let Some(error) = &view.rules_error {
                p class="field__error" role="alert" { (error) }
            }
            @if rules.is_empty() {
                (layout::empty_state(
                    "No shipping rate rules",
                    &format!("Pushed orders carry {free} shipping (a shipping line titled “Shipping” at {free}). Add a rule below to charge your source stores' shipping."),
                    None,
                ))
            } @else {
                p class="rules__default" {
                    "When no rule matches, the pushed order carries " strong { (free) " shipping" } "."
                }
                ol class="rule-list" {
                    @for (i, rule) in rules.iter().enumerate() {
                        li class="rule" id=(format!("rule-{i}")) {
                            div class="rule__summary" {
                                span class="rule__title" { (rule.title()) }
                                " — "
                                strong { (layout::money(&rule.fee().to_string(), currency)) }
                                p class="rule__conditions" { (describe_conditions(rule, currency)) }
                            }
                            div class="rule__actions" {
                                a class="button button--plain" href=(session.link(&format!("/app/settings?edit={i}#rule{i}-form"))) {
                                    "Edit" span class="visually-hidden" { " rule " (i + 1) ", " (rule.title()) }
                                }
                                @if i > 0 {
                                    form method="post" action=(format!("/app/settings/rules/{i}/move")) class="inline-form" {
                                        (session.hidden_fields())
                                        input type="hidden" name="direction" value="up";
                                        button type="submit" class="button button--plain" {
                                            "Move up" span class="visually-hidden" { " rule " (i + 1) ", " (rule.title()) }
                                        }
                                    }
                                }
                                @if i + 1 < rules.len() {
                                    form method="post" action=(format!("/app/settings/rules/{i}/move")) class="inline-form" {
                                        (session.hidden_fields())
                                        input type="hidden" name="direction" value="down";
                                        button type="submit" class="button button--plain" {
                                            "Move down" span class="visually-hidden" { " rule " (i + 1) ", " (rule.title()) }
                                        }
                                    }
                                }
                                form method="post" action=(format!("/app/settings/rules/{i}/delete")) class="inline-form" {
                                    (session.hidden_fields())
                                    input type="hidden" name="title" value=(rule.title());
                                    button type="submit" class="button button--plain button--critical" {
                                        "Delete" span class="visually-hidden" { " rule " (i + 1) ", " (rule.title()) }
                                    }
                                }
                            }
                            @let editing = match &view.rule {
                                Some((Some(j), form, errors)) if *j == i => Some((form.clone(), errors.clone())),
                                _ if view.edit == Some(i) => Some((RuleForm::of(rule), FieldErrors::default())),
                                _ => None,
                            };
                            @if let Some((form, errors)) = editing {
                                (rule_form(session, Some(i), &form, &errors, stores))
                            }
                        }
                    }
                }
            }
            @let (new_form, new_errors) = match &view.rule {
                Some((None, form, errors)) => (form.clone(), errors.clone()),
                _ => (RuleForm::default(), FieldErrors::default()),
            };
            (rule_form(session, None, &new_form, &new_errors, stores))
        }
    }
}

fn general_card(session: &PageSession, s: &OrderPushSettings, view: &View) -> Markup {
    let (form, errors) = match &view.general {
        Some((form, errors)) => (form.clone(), errors.clone()),
        None => (GeneralForm::of(s), FieldErrors::default()),
    };
    let admin_email = session.shop.shop.admin_email.as_str().to_owned();
    let contact_error = errors.get("contact_method");
    let basis_error = errors.get("price_basis");
    let custom_error = errors.get("custom_email");
    html! {
        form method="post" action="/app/settings" class="card form" aria-labelledby="general-heading" novalidate {
            (session.hidden_fields())
            h2 id="general-heading" class="card__title" { "Pushed orders" }
            @if !errors.is_empty() {
                p class="form__summary" role="alert" {
                    "The settings were not saved: " (errors.len()) " field" @if errors.len() != 1 { "s" } " to correct below."
                }
            }
            fieldset class={ "fieldset" @if contact_error.is_some() || custom_error.is_some() { " field--error" } }
                aria-describedby=[contact_error.map(|_| "contact_method-error")] {
                legend { "Email Contact Method" }
                p class="field__hint" { "The email the order carries on the source store: the source store's notifications go there." }
                (radio("contact_method", "customer_email", &form.contact_method, "Customer email", Some("The shopper's email from your order."), None))
                (radio("contact_method", "store_admin_email", &form.contact_method, "Store admin email", Some(&format!("Your store's admin email, {admin_email}.")), None))
                (radio("contact_method", "custom", &form.contact_method, "Custom email", None, None))
                (Field { name: "custom_email", label: "Custom email", value: &form.custom_email,
                    hint: Some("Used when Custom email is chosen, e.g. orders@example.com."),
                    error: custom_error, inputmode: Some("email"), id_prefix: "" }.render())
                (error_text("contact_method-error", contact_error))
            }
            fieldset class={ "fieldset" @if basis_error.is_some() { " field--error" } }
                aria-describedby=[basis_error.map(|_| "price_basis-error")] {
                legend { "Price basis" }
                (radio("price_basis", "destination_price", &form.price_basis, "Destination price", Some("The price the shopper paid on your store, before discounts."), None))
                (radio("price_basis", "source_price", &form.price_basis, "Source price", Some("The source store's own price for the synced product."), None))
                (error_text("price_basis-error", basis_error))
            }
            div class="field field--checkbox" {
                input type="checkbox" id="notify_customer" name="notify_customer" value="1"
                    checked[form.notify_customer] aria-describedby="notify_customer-hint";
                label for="notify_customer" { "Notify the customer on fulfillment" }
                p class="field__hint" id="notify_customer-hint" {
                    "When the source store ships, the shopper gets Shopify's shipping confirmation from your store."
                }
            }
            (Field { name: "hold_minutes", label: "Hold before auto push (minutes)", value: &form.hold_minutes,
                hint: Some("With automated push on, wait this long after an order becomes eligible (0 to 10080, one week). 0 pushes at once."),
                error: errors.get("hold_minutes"), inputmode: Some("numeric"), id_prefix: "" }.render())
            div class="form__actions" {
                (layout::submit("Save", true))
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
    if session.shop.shop.role != StoreRole::Destination {
        return app_error(
            session,
            Nav::Settings,
            StatusCode::FORBIDDEN,
            "Order Push Settings are a destination store's: this is a source store, which receives pushed orders. See Received orders",
            "settings page",
        );
    }
    let s = match settings::push_settings(&state.store, &session.shop).await {
        Ok(s) => s,
        Err(e) => return settings_error(session, &e),
    };
    let stores = match rule_stores(state, session, &s).await {
        Ok(stores) => stores,
        Err(response) => return response,
    };
    let auto = if s.auto_push { "on" } else { "off" };
    let body = html! {
        p class="page-intro" {
            "How orders are pushed to your source stores. Automated push is " strong { (auto) }
            "; switch it on or off at the top of the "
            a href=(session.link("/app")) { "Orders" } " tab."
        }
        (general_card(session, &s, &view))
        (rules_card(session, &s, &view, &stores))
    };
    respond(
        session,
        status,
        Layout::new(session, Nav::Settings, "Order Push Settings").render(body),
    )
}

/// The source stores a rule may name: the connected ones and any a stored rule names.
async fn rule_stores(
    state: &AppState,
    session: &PageSession,
    s: &OrderPushSettings,
) -> Result<Vec<ShopDomain>, Response> {
    let mut stores: Vec<ShopDomain> = match sync::connections(&state.store, &session.shop).await {
        Ok(list) => list.into_iter().map(|s| s.shop.domain).collect(),
        Err(e) => {
            return Err(app_error(
                session,
                Nav::Settings,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "settings page",
            ))
        }
    };
    for rule in s.shipping_rules.rules() {
        if let Some(d) = &rule.conditions().source_store {
            if !stores.contains(d) {
                stores.push(d.clone());
            }
        }
    }
    Ok(stores)
}

fn settings_error(session: &PageSession, e: &SettingsServiceError) -> Response {
    let status = match e {
        SettingsServiceError::NotDestination => StatusCode::FORBIDDEN,
        SettingsServiceError::BadInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        SettingsServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    app_error(session, Nav::Settings, status, &e.to_string(), "settings")
}

// ---------------------------------------------------------------------------------------------
// Handlers

#[derive(Debug, Deserialize)]
struct ShowQuery {
    edit: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    session: PageSession,
    Query(q): Query<ShowQuery>,
) -> Response {
    let view = View {
        edit: q.edit.and_then(|e| e.parse().ok()),
        ..View::default()
    };
    render(&state, &session, StatusCode::OK, view).await
}

/// Saves `new` through the service, then redirects with `notice`.
async fn store_settings(
    state: &AppState,
    session: &PageSession,
    new: &OrderPushSettings,
    notice: &str,
) -> Response {
    let body = match serde_json::to_value(new) {
        Ok(body) => body,
        Err(e) => {
            return app_error(
                session,
                Nav::Settings,
                StatusCode::INTERNAL_SERVER_ERROR,
                &e.to_string(),
                "settings",
            )
        }
    };
    match settings::save_push_settings(&state.store, &session.shop, &body).await {
        Ok(_) => redirect_with_notice(session, "/app/settings", notice),
        Err(e) => settings_error(session, &e),
    }
}

async fn current(state: &AppState, session: &PageSession) -> Result<OrderPushSettings, Response> {
    if session.shop.shop.role != StoreRole::Destination {
        return Err(settings_error(
            session,
            &SettingsServiceError::NotDestination,
        ));
    }
    settings::push_settings(&state.store, &session.shop)
        .await
        .map_err(|e| settings_error(session, &e))
}

async fn save_general(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let base = match current(&state, session).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let general = GeneralForm::from_fields(&form.fields);
    match general.apply(&base) {
        Ok(new) => store_settings(&state, session, &new, "Order Push Settings saved").await,
        Err(errors) => {
            let view = View {
                general: Some((general, errors)),
                ..View::default()
            };
            render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
    }
}

async fn add_rule(State(state): State<AppState>, form: PageForm) -> Response {
    let session = &form.session;
    let mut s = match current(&state, session).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let rule_form = RuleForm::from_fields(&form.fields);
    let stores = match rule_stores(&state, session, &s).await {
        Ok(stores) => stores,
        Err(r) => return r,
    };
    let result = rule_form.rule(&stores).and_then(|rule| {
        let title = rule.title().to_owned();
        s.shipping_rules.push(rule).map(|()| title).map_err(|e| {
            let mut errors = FieldErrors::default();
            errors.add(
                "title",
                format!("{}. Delete a rule first.", sentence_case(&e.to_string())),
            );
            errors
        })
    });
    match result {
        Ok(title) => {
            store_settings(
                &state,
                session,
                &s,
                &format!("Shipping rate rule “{title}” added"),
            )
            .await
        }
        Err(errors) => {
            let view = View {
                rule: Some((None, rule_form, errors)),
                ..View::default()
            };
            render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
    }
}

fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A rule position from the path, or the page re-rendered with why it names no rule.
async fn rule_index(
    state: &AppState,
    session: &PageSession,
    s: &OrderPushSettings,
    index: &str,
) -> Result<usize, Response> {
    match index.parse::<usize>() {
        Ok(i) if i < s.shipping_rules.len() => Ok(i),
        _ => {
            let view = View {
                rules_error: Some(
                    "That rule no longer exists (the rules changed meanwhile). Nothing was changed; check the rules below."
                        .to_owned(),
                ),
                ..View::default()
            };
            Err(render(state, session, StatusCode::NOT_FOUND, view).await)
        }
    }
}

async fn save_rule(
    State(state): State<AppState>,
    Path(index): Path<String>,
    form: PageForm,
) -> Response {
    let session = &form.session;
    let mut s = match current(&state, session).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let i = match rule_index(&state, session, &s, &index).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let rule_form = RuleForm::from_fields(&form.fields);
    let stores = match rule_stores(&state, session, &s).await {
        Ok(stores) => stores,
        Err(r) => return r,
    };
    match rule_form.rule(&stores) {
        Ok(rule) => {
            let title = rule.title().to_owned();
            let mut rules: Vec<ShippingRateRule> = s.shipping_rules.rules().to_vec();
            rules[i] = rule;
            s.shipping_rules = match ordersync_core::ShippingRateRules::new(rules) {
                Ok(r) => r,
                Err(e) => {
                    return app_error(
                        session,
                        Nav::Settings,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &e.to_string(),
                        "settings",
                    )
                }
            };
            store_settings(
                &state,
                session,
                &s,
                &format!("Shipping rate rule “{title}” saved"),
            )
            .await
        }
        Err(errors) => {
            let view = View {
                rule: Some((Some(i), rule_form, errors)),
                ..View::default()
            };
            render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await
        }
    }
}

async fn delete_rule(
    State(state): State<AppState>,
    Path(index): Path<String>,
    form: PageForm,
) -> Response {
    let session = &form.session;
    let mut s = match current(&state, session).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let i = match rule_index(&state, session, &s, &index).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    // The title sent with the button guards against deleting another rule after a change.
    let expected = form.get("title").unwrap_or_default();
    if !expected.is_empty() && s.shipping_rules.rules()[i].title() != expected {
        let view = View {
            rules_error: Some(format!(
                "The rules changed meanwhile, so “{expected}” was not deleted. Check the rules below and try again."
            )),
            ..View::default()
        };
        return render(&state, session, StatusCode::CONFLICT, view).await;
    }
    let removed = match s.shipping_rules.remove(i) {
        Ok(rule) => rule,
        Err(e) => {
            return app_error(
                session,
                Nav::Settings,
                StatusCode::NOT_FOUND,
                &e.to_string(),
                "settings",
            )
        }
    };
    let notice = if s.shipping_rules.is_empty() {
        format!(
            "Shipping rate rule “{}” deleted. There are no rules now: pushed orders carry {} shipping.",
            removed.title(),
            layout::money("0.00", session.shop.shop.currency.as_str())
        )
    } else {
        format!("Shipping rate rule “{}” deleted", removed.title())
    };
    store_settings(&state, session, &s, &notice).await
}

async fn move_rule(
    State(state): State<AppState>,
    Path(index): Path<String>,
    form: PageForm,
) -> Response {
    let session = &form.session;
    let mut s = match current(&state, session).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let i = match rule_index(&state, session, &s, &index).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let title = s.shipping_rules.rules()[i].title().to_owned();
    let (moved, to) = match form.get("direction") {
        Some("up") => (s.shipping_rules.move_up(i), i.wrapping_sub(1)),
        Some("down") => (s.shipping_rules.move_down(i), i + 1),
        _ => {
            let view = View {
                rules_error: Some("Choose Move up or Move down.".to_owned()),
                ..View::default()
            };
            return render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await;
        }
    };
    if moved.is_err() {
        let view = View {
            rules_error: Some(format!(
                "“{title}” can't move further that way. Nothing was changed."
            )),
            ..View::default()
        };
        return render(&state, session, StatusCode::UNPROCESSABLE_ENTITY, view).await;
    }
    store_settings(
        &state,
        session,
        &s,
        &format!("Shipping rate rule “{title}” moved to position {}", to + 1),
    )
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn domain(d: &str) -> ShopDomain {
        ShopDomain::parse(d).unwrap()
    }

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(parse_amount("7.50"), Some(Decimal::new(750, 2)));
        assert_eq!(parse_amount(" $7 "), Some(Decimal::new(7, 0)));
        assert_eq!(parse_amount("0"), Some(Decimal::ZERO));
        for bad in [
            "",
            "-1",
            "7,50",
            "1e3",
            "abc",
            ".5",
            "5.",
            "1.2.3",
            "99999999999999",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn general_form_applies_every_field_and_keeps_the_rest() {
        let mut base = OrderPushSettings {
            auto_push: true,
            ..OrderPushSettings::default()
        };
        base.shipping_rules
            .push(ShippingRateRule::new("Std", Decimal::ONE, RuleConditions::default()).unwrap())
            .unwrap();
        let form = GeneralForm::from_fields(&fields(&[
            ("contact_method", "custom"),
            ("custom_email", " Orders@Acme.example "),
            ("price_basis", "source_price"),
            ("hold_minutes", "30"),
        ]));
        let s = form.apply(&base).unwrap();
        assert_eq!(
            s.contact,
            EmailContactMethod::Custom(Email::parse("Orders@acme.example").unwrap()),
            "trimmed, the domain lower-cased"
        );
        assert_eq!(s.price_basis, PriceBasis::SourcePrice);
        assert!(!s.notify_customer, "an absent checkbox is unchecked");
        assert_eq!(s.hold_minutes.get(), 30);
        assert!(s.auto_push, "auto push is kept");
        assert_eq!(s.shipping_rules, base.shipping_rules, "rules are kept");
        // And back: the form shows what was saved.
        let shown = GeneralForm::of(&s);
        assert_eq!(shown.contact_method, "custom");
        assert_eq!(shown.custom_email, "Orders@acme.example");
        assert_eq!(shown.hold_minutes, "30");
    }

    #[test]
    fn general_form_names_each_bad_field() {
        let base = OrderPushSettings::default();
        let e = GeneralForm::from_fields(&fields(&[
            ("contact_method", "custom"),
            ("custom_email", "not-an-email"),
            ("price_basis", "cheapest"),
            ("hold_minutes", "10081"),
        ]))
        .apply(&base)
        .unwrap_err();
        assert_eq!(e.len(), 3);
        assert!(e.get("custom_email").unwrap().contains("not-an-email"));
        assert!(e.get("price_basis").is_some());
        assert!(e.get("hold_minutes").unwrap().contains("10080"));

        let e = GeneralForm::from_fields(&fields(&[
            ("contact_method", "custom"),
            ("price_basis", "destination_price"),
            ("hold_minutes", "-5"),
        ]))
        .apply(&base)
        .unwrap_err();
        assert!(e
            .get("custom_email")
            .unwrap()
            .starts_with("Enter the email"));
        assert!(e.get("hold_minutes").unwrap().contains("whole number"));

        let e = GeneralForm::from_fields(&fields(&[("price_basis", "destination_price")]))
            .apply(&base)
            .unwrap_err();
        assert!(e.get("contact_method").is_some());
        // A custom email is ignored unless Custom is chosen.
        let s = GeneralForm::from_fields(&fields(&[
            ("contact_method", "store_admin_email"),
            ("custom_email", "junk"),
            ("price_basis", "destination_price"),
            ("notify_customer", "1"),
        ]))
        .apply(&base)
        .unwrap();
        assert_eq!(s.contact, EmailContactMethod::StoreAdminEmail);
        assert!(s.notify_customer);
        assert_eq!(s.hold_minutes.get(), 0, "an empty hold is 0");
    }

    #[test]
    fn rule_form_builds_the_rule_with_its_conditions() {
        let stores = [domain("southwind.myshopify.com")];
        let rule = RuleForm::from_fields(&fields(&[
            ("title", " Flat rate "),
            ("fee", "7.50"),
            ("source_store", "southwind.myshopify.com"),
            ("countries", "us, CA ,us"),
            ("min_subtotal", "50"),
        ]))
        .rule(&stores)
        .unwrap();
        assert_eq!(rule.title(), "Flat rate");
        assert_eq!(rule.fee(), Decimal::new(750, 2));
        let c = rule.conditions();
        assert_eq!(c.source_store.as_ref(), Some(&stores[0]));
        let codes: Vec<_> = c.countries.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, vec!["US", "CA"]);
        assert_eq!(c.min_items_subtotal, Some(Decimal::new(50, 0)));
        // And back.
        let shown = RuleForm::of(&rule);
        assert_eq!(shown.countries, "US, CA");
        assert_eq!(shown.source_store, "southwind.myshopify.com");
        assert_eq!(RuleForm::of(&rule).rule(&stores).unwrap(), rule);

        let any = RuleForm::from_fields(&fields(&[("title", "Free"), ("fee", "0")]))
            .rule(&[])
            .unwrap();
        assert_eq!(any.conditions(), &RuleConditions::default());
    }

    #[test]
    fn rule_form_names_each_bad_field() {
        let stores = [domain("southwind.myshopify.com")];
        let e = RuleForm::from_fields(&fields(&[
            ("title", "  "),
            ("fee", "-3"),
            ("source_store", "elsewhere.myshopify.com"),
            ("countries", "US, USA, 1"),
            ("min_subtotal", "lots"),
        ]))
        .rule(&stores)
        .unwrap_err();
        assert_eq!(e.len(), 5);
        assert!(e.get("title").is_some());
        assert!(e.get("fee").unwrap().contains("-3"));
        assert!(e.get("source_store").unwrap().contains("connected"));
        let countries = e.get("countries").unwrap();
        assert!(
            countries.contains("USA") && countries.contains("“1”") && countries.contains("are")
        );
        assert!(e.get("min_subtotal").unwrap().contains("lots"));

        let e = RuleForm::from_fields(&fields(&[("title", "X"), ("fee", "1.005")]))
            .rule(&stores)
            .unwrap_err();
        assert!(e.get("fee").unwrap().contains("2 decimal"));
        let e = RuleForm::from_fields(&fields(&[("title", "X")]))
            .rule(&stores)
            .unwrap_err();
        assert!(e.get("fee").unwrap().starts_with("Enter the fee"));
        let long = "x".repeat(256);
        let e = RuleForm::from_fields(&fields(&[("title", long.as_str()), ("fee", "1")]))
            .rule(&stores)
            .unwrap_err();
        assert!(e.get("title").unwrap().contains("255"));
    }

    #[test]
    fn conditions_read_as_a_sentence() {
        let rule = RuleForm::from_fields(&fields(&[
            ("title", "Flat"),
            ("fee", "5"),
            ("countries", "US"),
            ("min_subtotal", "20"),
        ]))
        .rule(&[])
        .unwrap();
        assert_eq!(
            describe_conditions(&rule, "USD"),
            "Orders to any source store, shipped to US, items subtotal at least $20.00"
        );
    }
}
