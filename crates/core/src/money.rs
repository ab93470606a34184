//! Money and currencies.
//!
//! Prices, totals and shipping fees travel between Shopify stores as decimal
//! strings. This module makes sure an amount is always paired with its
//! currency, that amounts in different currencies are never mixed, and that
//! amounts are formatted with the currency's minor units (2 for USD, 0 for JPY,
//! 3 for KWD). Floats are never used: amounts are [`Decimal`]s.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Why a currency or an amount was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not three ASCII letters.
    #[error("invalid currency code {0:?}: expected three letters such as USD")]
    InvalidCurrency(String),
    /// Not a plain decimal number such as "24.00".
    #[error("invalid amount {0:?}: expected a number such as 24.00")]
    InvalidAmount(String),
    /// Two amounts in different currencies were combined.
    #[error("cannot combine amounts in {left} and {right}")]
    CurrencyMismatch {
        /// Currency of the left-hand amount.
        left: CurrencyCode,
        /// Currency of the right-hand amount.
        right: CurrencyCode,
    },
    /// The result does not fit in a decimal.
    #[error("amount is too large")]
    Overflow,
}

/// An ISO 4217 currency code: three uppercase ASCII letters (input is
/// uppercased, so "usd" parses as "USD").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode([u8; 3]);

/// Currencies without minor units.
const ZERO_DECIMAL_CURRENCIES: [&str; 16] = [
    "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "KMF", "RWF", "BIF", "DJF",
    "GNF", "VUV", "XPF",
];

/// Currencies with three decimal places.
const THREE_DECIMAL_CURRENCIES: [&str; 7] = ["BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD"];

impl CurrencyCode {
    /// Parses a three-letter code such as "USD".
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(MoneyError::InvalidCurrency(code.to_owned())),
        }
    }

    /// The code, e.g. "USD".
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// How many decimal places amounts in this currency have.
    pub fn minor_units(&self) -> u32 {
        let code = self.as_str();
        if ZERO_DECIMAL_CURRENCIES.contains(&code) {
            0
        } else if THREE_DECIMAL_CURRENCIES.contains(&code) {
            3
        } else {
            2
        }
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CurrencyCode> for String {
    fn from(value: CurrencyCode) -> Self {
        value.as_str().to_owned()
    }
}

/// An amount in a currency. Serialized as `{"amount": "7.50", "currency": "USD"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: CurrencyCode,
}

impl Money {
    /// An amount in a currency. Every decimal is a valid amount.
    pub fn new(amount: Decimal, currency: CurrencyCode) -> Self {
        Self { amount, currency }
    }

    /// Zero in a currency.
    pub fn zero(currency: CurrencyCode) -> Self {
        Self::new(Decimal::ZERO, currency)
    }

    /// Parses Shopify's amount strings ("24.0", "24.00", "0", "1234.5", "-3.10").
    /// Exponents, signs other than a leading '-', and anything not a plain
    /// decimal number are rejected.
    pub fn parse(amount: &str, currency: &str) -> Result<Self, MoneyError> {
        let currency = CurrencyCode::parse(currency)?;
        let amount = parse_plain_decimal(amount)
            .ok_or_else(|| MoneyError::InvalidAmount(amount.to_owned()))?;
        Ok(Self::new(amount, currency))
    }

    /// The amount, at the precision it was given.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// Adds two amounts in the same currency.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The amount multiplied by a quantity (saturating at the largest decimal,
    /// far beyond any real order).
    pub fn times(&self, qty: u32) -> Money {
        Money::new(
            self.amount.saturating_mul(Decimal::from(qty)),
            self.currency,
        )
    }

    /// More than zero.
    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    /// Exactly zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Less than zero.
    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    /// The amount rounded half-even to the currency's minor units.
    pub fn rounded(&self) -> Money {
        Money::new(self.rounded_amount(), self.currency)
    }

    /// The amount with exactly the currency's minor units ("7.50"), as Shopify
    /// expects it.
    pub fn to_shopify_string(&self) -> String {
        self.rounded_amount().to_string()
    }

    fn rounded_amount(&self) -> Decimal {
        let units = self.currency.minor_units();
        let mut rounded = self
            .amount
            .round_dp_with_strategy(units, RoundingStrategy::MidpointNearestEven);
        rounded.rescale(units);
        if rounded.is_zero() {
            rounded.set_sign_positive(true);
        }
        rounded
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_shopify_string(), self.currency)
    }
}

/// Parses `-?digits(.digits)?`, the only shape of amount accepted anywhere.
pub(crate) fn parse_plain_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !fraction.is_none_or(all_digits) {
        return None;
    }
    Decimal::from_str(text).ok()
}

#[cfg(test)]
mod tests;
