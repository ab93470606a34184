//! `shopify.app.toml` (what an operator deploys with Shopify CLI) must ask for exactly the scopes
//! and webhook topics the code uses, with redirect and webhook paths ordersync serves.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use ordersync_server::auth::{
    CALLBACK_PATH, COMPLIANCE_TOPICS, SCOPES, WEBHOOK_PATH, WEBHOOK_TOPICS,
};
use toml::Value;

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn shopify_app_toml_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shopify.app.toml");
    let app: Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();

    assert!(!app["client_id"].as_str().unwrap().is_empty());
    assert_eq!(app["embedded"].as_bool(), Some(true));
    let application_url = app["application_url"].as_str().unwrap();
    assert!(application_url.starts_with("https://"));

    let scopes = app["access_scopes"]["scopes"].as_str().unwrap();
    assert_eq!(
        set(scopes.split(',').map(str::trim)),
        set(SCOPES.iter().copied())
    );

    let redirects = strings(&app["auth"]["redirect_urls"]);
    assert!(
        redirects.contains(&format!("{application_url}{CALLBACK_PATH}").as_str()),
        "{redirects:?}"
    );

    assert_eq!(
        app["webhooks"]["api_version"].as_str(),
        Some(ordersync_shopify::admin::API_VERSION)
    );
    let mut topics = BTreeSet::new();
    let mut compliance = BTreeSet::new();
    for subscription in app["webhooks"]["subscriptions"].as_array().unwrap() {
        assert_eq!(subscription["uri"].as_str(), Some(WEBHOOK_PATH));
        if let Some(t) = subscription.get("topics") {
            topics.extend(set(strings(t)));
        }
        if let Some(t) = subscription.get("compliance_topics") {
            compliance.extend(set(strings(t)));
        }
    }
    assert_eq!(topics, set(WEBHOOK_TOPICS.iter().copied()));
    assert_eq!(compliance, set(COMPLIANCE_TOPICS.iter().copied()));
}
