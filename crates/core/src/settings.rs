//! Order Push Settings, per destination store.
//!
//! How the merchant wants orders pushed: automatically or by hand, which email
//! the source store sees, the Shipping Rate Rules, which price the items carry,
//! whether shoppers are notified when items ship, and how long to wait before
//! pushing. Stored as JSON; every field has a default so older stored settings
//! still load, and loading validates like the constructors do.

use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::order::DestinationOrder;
use crate::shipping::ShippingRateRules;
use crate::shop::Shop;

/// Why settings were rejected, or a contact email could not be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The hold is longer than a week.
    #[error("the hold before pushing must be at most {max} minutes (one week), not {value}")]
    HoldTooLong {
        /// The rejected value.
        value: u32,
        /// The limit.
        max: u32,
    },
    /// Contact method is Customer email but the order has none.
    #[error("the order has no customer email")]
    NoCustomerEmail,
}

/// Which email the pushed order carries on the source store. Serialized as
/// `{"method":"customer_email"}`, `{"method":"store_admin_email"}` or
/// `{"method":"custom","email":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "ContactRepr", into = "ContactRepr")]
pub enum EmailContactMethod {
    /// The shopper's email from the destination order.
    #[default]
    CustomerEmail,
    /// The destination store admin's email.
    StoreAdminEmail,
    /// A fixed email the merchant chose.
    Custom(Email),
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
enum ContactRepr {
    CustomerEmail,
    StoreAdminEmail,
    Custom { email: Email },
}

impl From<ContactRepr> for EmailContactMethod {
    fn from(repr: ContactRepr) -> Self {
        match repr {
            ContactRepr::CustomerEmail => Self::CustomerEmail,
            ContactRepr::StoreAdminEmail => Self::StoreAdminEmail,
            ContactRepr::Custom { email } => Self::Custom(email),
        }
    }
}

impl From<EmailContactMethod> for ContactRepr {
    fn from(method: EmailContactMethod) -> Self {
        match method {
            EmailContactMethod::CustomerEmail => Self::CustomerEmail,
            EmailContactMethod::StoreAdminEmail => Self::StoreAdminEmail,
            EmailContactMethod::Custom(email) => Self::Custom { email },
        }
    }
}

/// Which price pushed items carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    /// The destination order's unit price, before discounts.
    #[default]
    DestinationPrice,
    /// The source store's price from the synced product.
    SourcePrice,
}

/// Minutes to wait after an order becomes eligible before pushing it
/// (0..=10080, one week). Serialized as a number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(try_from = "u32", into = "u32")]
pub struct HoldMinutes(u32);

impl HoldMinutes {
    /// One week.
    pub const MAX: u32 = 10_080;

    /// Validates 0..=10080.
    pub fn new(minutes: u32) -> Result<Self, SettingsError> {
        if minutes > Self::MAX {
            return Err(SettingsError::HoldTooLong {
                value: minutes,
                max: Self::MAX,
            });
        }
        Ok(Self(minutes))
    }

    /// The minutes.
    pub fn get(&self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for HoldMinutes {
    type Error = SettingsError;
    fn try_from(minutes: u32) -> Result<Self, Self::Error> {
        Self::new(minutes)
    }
}

impl From<HoldMinutes> for u32 {
    fn from(minutes: HoldMinutes) -> Self {
        minutes.0
    }
}

/// A destination store's Order Push Settings. Fields are public since each is
/// already valid; missing fields take their defaults when loading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderPushSettings {
    /// Push eligible orders without the merchant clicking Push (default off).
    pub auto_push: bool,
    /// Which email the pushed order carries (default the customer's).
    pub contact: EmailContactMethod,
    /// The Shipping Rate Rules (default none: free shipping).
    pub shipping_rules: ShippingRateRules,
    /// Which price pushed items carry (default the destination price).
    pub price_basis: PriceBasis,
    /// Notify the shopper when the source store ships (default on).
    pub notify_customer: bool,
    /// Wait before pushing (default 0).
    pub hold_minutes: HoldMinutes,
}

impl Default for OrderPushSettings {
    fn default() -> Self {
        Self {
            auto_push: false,
            contact: EmailContactMethod::CustomerEmail,
            shipping_rules: ShippingRateRules::default(),
            price_basis: PriceBasis::DestinationPrice,
            notify_customer: true,
            hold_minutes: HoldMinutes::default(),
        }
    }
}

impl OrderPushSettings {
    /// The email a pushed order carries, by the contact method.
    pub fn contact_email(
        &self,
        order: &DestinationOrder,
        destination: &Shop,
    ) -> Result<Email, SettingsError> {
        match &self.contact {
            EmailContactMethod::CustomerEmail => order
                .customer_email()
                .cloned()
                .ok_or(SettingsError::NoCustomerEmail),
            EmailContactMethod::StoreAdminEmail => Ok(destination.admin_email.clone()),
            EmailContactMethod::Custom(email) => Ok(email.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Tests for `settings`, named after the rule each one checks.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::shipping::{RuleConditions, ShippingRateRule};
    use crate::testkit::{destination_shop, email, OrderBuilder};
    use rust_decimal_macros::dec;

    #[test]
    fn defaults_are_manual_push_customer_email_no_rules_notify() {
        let s = OrderPushSettings::default();
        assert!(!s.auto_push);
        assert_eq!(s.contact, EmailContactMethod::CustomerEmail);
        assert!(s.shipping_rules.is_empty());
        assert_eq!(s.price_basis, PriceBasis::DestinationPrice);
        assert!(s.notify_customer);
        assert_eq!(s.hold_minutes.get(), 0);
    }

    #[test]
    fn missing_fields_load_as_defaults() {
        let s: OrderPushSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, OrderPushSettings::default());
        let s: OrderPushSettings = serde_json::from_str(r#"{"auto_push":true}"#).unwrap();
        assert!(s.auto_push && s.notify_customer);
    }

    #[test]
    fn settings_serde_round_trips() {
        let settings = OrderPushSettings {
            auto_push: true,
            contact: EmailContactMethod::Custom(email("orders@acme.example")),
            shipping_rules: ShippingRateRules::new(vec![ShippingRateRule::new(
                "Standard",
                dec!(7.50),
                RuleConditions::default(),
            )
            .unwrap()])
            .unwrap(),
            price_basis: PriceBasis::SourcePrice,
            notify_customer: false,
            hold_minutes: HoldMinutes::new(60).unwrap(),
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            serde_json::from_str::<OrderPushSettings>(&json).unwrap(),
            settings
        );
    }

    #[test]
    fn contact_method_json_shape() {
        let cases = [
            (
                EmailContactMethod::CustomerEmail,
                r#"{"method":"customer_email"}"#,
            ),
            (
                EmailContactMethod::StoreAdminEmail,
                r#"{"method":"store_admin_email"}"#,
            ),
            (
                EmailContactMethod::Custom(email("a@b.co")),
                r#"{"method":"custom","email":"a@b.co"}"#,
            ),
        ];
        for (method, json) in cases {
            assert_eq!(serde_json::to_string(&method).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<EmailContactMethod>(json).unwrap(),
                method
            );
        }
        assert!(
            serde_json::from_str::<EmailContactMethod>(r#"{"method":"custom","email":"bad"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<EmailContactMethod>(r#"{"method":"custom"}"#).is_err());
    }

    #[test]
    fn hold_minutes_at_most_a_week() {
        assert_eq!(HoldMinutes::new(10_080).unwrap().get(), 10_080);
        assert_eq!(
            HoldMinutes::new(10_081),
            Err(SettingsError::HoldTooLong {
                value: 10_081,
                max: 10_080
            })
        );
        assert!(serde_json::from_str::<OrderPushSettings>(r#"{"hold_minutes":10081}"#).is_err());
        let s: OrderPushSettings = serde_json::from_str(r#"{"hold_minutes":30}"#).unwrap();
        assert_eq!(s.hold_minutes.get(), 30);
    }

    #[test]
    fn invalid_rules_are_rejected_on_load() {
        let json = r#"{"shipping_rules":[{"title":"","fee":"1"}]}"#;
        assert!(serde_json::from_str::<OrderPushSettings>(json).is_err());
    }

    #[test]
    fn contact_email_follows_the_method() {
        let shop = destination_shop();
        let order = OrderBuilder::new().build();
        let mut s = OrderPushSettings::default();
        assert_eq!(
            s.contact_email(&order, &shop).unwrap().as_str(),
            "jane@example.com"
        );
        let no_email = OrderBuilder::new().email(None).customer(None).build();
        assert_eq!(
            s.contact_email(&no_email, &shop),
            Err(SettingsError::NoCustomerEmail)
        );
        assert_eq!(
            SettingsError::NoCustomerEmail.to_string(),
            "the order has no customer email"
        );
        s.contact = EmailContactMethod::StoreAdminEmail;
        assert_eq!(s.contact_email(&no_email, &shop).unwrap(), shop.admin_email);
        s.contact = EmailContactMethod::Custom(email("ops@acme.example"));
        assert_eq!(
            s.contact_email(&no_email, &shop).unwrap().as_str(),
            "ops@acme.example"
        );
    }
}
