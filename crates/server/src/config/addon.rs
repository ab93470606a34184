//! The Order add-on's settings (`app_url`, `addon_*`): what the merchant is asked to approve in
//! Shopify, validated at start-up with errors naming the setting. Kept apart from the rest of
//! the configuration because it belongs to billing (see `docs/billing.md`).

use ordersync_core::Money;
use ordersync_shopify::admin::types::BillingInterval;

use super::{invalid, ConfigError, RawConfig};

/// The Order add-on's charge: what the merchant is asked to approve in Shopify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonConfig {
    /// The plan name shown on Shopify's approval page and the merchant's bill.
    pub name: String,
    /// Price per interval, in `currency` (exact decimal).
    pub price: Money,
    /// Every 30 days or every year.
    pub interval: BillingInterval,
    /// Free trial days (0: none).
    pub trial_days: u32,
    /// Ask Shopify for test charges (no money moves): on by default; production sets it off.
    pub test_charges: bool,
    /// Where ordersync is reached from the internet (no trailing `/`); Shopify sends the
    /// merchant back under it after approving or declining.
    pub app_url: String,
}

/// Validates the Order add-on's settings.
pub(super) fn addon_config(raw: &RawConfig) -> Result<AddonConfig, ConfigError> {
    let app_url = raw.app_url.trim().trim_end_matches('/');
    let host = app_url
        .strip_prefix("https://")
        .or_else(|| app_url.strip_prefix("http://"))
        .unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(invalid(
            "app_url",
            format!(
                "`{}` is not an http(s) URL such as https://ordersync.example.com",
                raw.app_url
            ),
        ));
    }
    let name = raw.addon_name.trim();
    if !(1..=255).contains(&name.chars().count()) {
        return Err(invalid("addon_name", "must be 1 to 255 characters"));
    }
    let currency = raw.addon_currency.trim().to_uppercase();
    if ordersync_core::CurrencyCode::parse(&currency).is_err() {
        return Err(invalid(
            "addon_currency",
            format!(
                "`{}` is not a currency code such as USD",
                raw.addon_currency
            ),
        ));
    }
    let price = Money::parse(raw.addon_price.trim(), &currency)
        .ok()
        .filter(|m| m.is_positive() && m.amount().scale() <= m.currency().minor_units())
        .ok_or_else(|| {
            invalid(
                "addon_price",
                format!(
                    "`{}` is not a price above 0 such as 19.00 (in {currency})",
                    raw.addon_price
                ),
            )
        })?;
    let interval = match raw.addon_interval.trim().to_uppercase().as_str() {
        "EVERY_30_DAYS" => BillingInterval::Every30Days,
        "ANNUAL" => BillingInterval::Annual,
        _ => {
            return Err(invalid(
                "addon_interval",
                format!(
                    "`{}` is not one of: EVERY_30_DAYS, ANNUAL",
                    raw.addon_interval
                ),
            ))
        }
    };
    if raw.addon_trial_days > 365 {
        return Err(invalid("addon_trial_days", "must be at most 365 days"));
    }
    Ok(AddonConfig {
        name: name.to_owned(),
        price,
        interval,
        trial_days: raw.addon_trial_days,
        test_charges: raw.addon_test_charges,
        app_url: app_url.to_owned(),
    })
}
