//! Shopify's decimal formatting: amounts in responses are strings with trailing zeros dropped
//! but at least one decimal place (`"24.0"`, `"31.9"`, `"10.99"`), as recorded from the real API.

use rust_decimal::Decimal;

/// Formats an amount as the Admin API returns `Decimal` and `Money` scalars.
pub fn shopify_decimal(amount: Decimal) -> String {
    let normalized = amount.normalize();
    let s = normalized.to_string();
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// A `MoneyV2` object.
pub fn money_v2(amount: Decimal, currency: &str) -> serde_json::Value {
    serde_json::json!({ "amount": shopify_decimal(amount), "currencyCode": currency })
}

/// A `MoneyBag` object (shop and presentment money, the same currency in the simulator).
pub fn money_bag(amount: Decimal, currency: &str) -> serde_json::Value {
    serde_json::json!({ "shopMoney": money_v2(amount, currency), "presentmentMoney": money_v2(amount, currency) })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn amounts_look_like_the_recorded_ones() {
        let cases = [
            ("24.00", "24.0"),
            ("0", "0.0"),
            ("31.90", "31.9"),
            ("10.99", "10.99"),
            ("-5", "-5.0"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                shopify_decimal(Decimal::from_str(input).unwrap_or_default()),
                expected
            );
        }
    }
}
