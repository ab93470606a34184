//! Shipping Rate Rules: what a pushed order is charged for shipping.
//!
//! The shopper's shipping method and price on the destination store are never
//! carried over. Instead the merchant lists Shipping Rate Rules; the first rule
//! whose conditions all hold decides the title and fee of the pushed order's
//! shipping line. A manual fee (entered when pushing by hand) overrides the
//! rules. When no rule matches, shipping is free with the title "Shipping"
//! ([`DEFAULT_SHIPPING_TITLE`]): the source store sees an explicit zero-fee
//! line rather than guessing a price.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::ShopDomain;
use crate::money::{parse_plain_decimal, Money};
use crate::order::CountryCode;

/// The most rules a destination store may have.
pub const MAX_RULES: usize = 50;
/// The title of the shipping line when a manual fee is used or no rule matches.
pub const DEFAULT_SHIPPING_TITLE: &str = "Shipping";
/// The largest manual shipping fee.
pub const MAX_MANUAL_FEE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Why a rule, a rule list change or a manual fee was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShippingError {
    /// Blank or longer than 255 characters.
    #[error("rule title must be 1 to 255 characters")]
    InvalidTitle(String),
    /// A rule's fee is below zero.
    #[error("rule fee must not be negative")]
    NegativeFee(Decimal),
    /// A rule's fee has more than 4 decimal places.
    #[error("rule fee must have at most 4 decimal places")]
    FeeTooPrecise(Decimal),
    /// A rule's minimum items subtotal is below zero.
    #[error("minimum items subtotal must not be negative")]
    NegativeMinimum(Decimal),
    /// More than [`MAX_RULES`] rules.
    #[error("at most {max} shipping rate rules are allowed")]
    TooManyRules {
        /// The limit.
        max: usize,
    },
    /// A rule position that does not exist (or cannot move that way).
    #[error("there is no shipping rate rule at position {index} (there are {len})")]
    BadIndex {
        /// The position asked for.
        index: usize,
        /// How many rules there are.
        len: usize,
    },
    /// A manual fee that is not a plain number.
    #[error("shipping fee must be a number like 7.50")]
    FeeNotANumber(String),
    /// A manual fee below zero.
    #[error("shipping fee must not be negative")]
    ManualFeeNegative(Decimal),
    /// A manual fee with more than 2 decimal places.
    #[error("shipping fee must have at most 2 decimal places")]
    ManualFeeTooPrecise(Decimal),
    /// A manual fee above [`MAX_MANUAL_FEE`].
    #[error("shipping fee must be at most 1000000")]
    ManualFeeTooLarge(Decimal),
}

/// When a rule applies. Every condition that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuleConditions {
    /// Only orders pushed to this source store.
    pub source_store: Option<ShopDomain>,
    /// Only orders shipped to one of these countries (empty = any country).
    pub countries: Vec<CountryCode>,
    /// Only when the pushed items' subtotal is at least this.
    pub min_items_subtotal: Option<Decimal>,
}

/// A Shipping Rate Rule: when its conditions hold, the pushed order gets a
/// shipping line with this title and fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RuleRepr", into = "RuleRepr")]
pub struct ShippingRateRule {
    title: String,
    fee: Decimal,
    conditions: RuleConditions,
}

#[derive(Serialize, Deserialize)]
struct RuleRepr {
    title: String,
    fee: Decimal,
    #[serde(default)]
    conditions: RuleConditions,
}

impl ShippingRateRule {
    /// Validates: title trimmed and 1..=255 characters, fee ≥ 0 with at most 4
    /// decimal places, minimum subtotal ≥ 0.
    pub fn new(
        title: &str,
        fee: Decimal,
        conditions: RuleConditions,
    ) -> Result<Self, ShippingError> {
        let trimmed = title.trim();
        if !(1..=255).contains(&trimmed.chars().count()) {
            return Err(ShippingError::InvalidTitle(title.to_owned()));
        }
        if fee.is_sign_negative() && !fee.is_zero() {
            return Err(ShippingError::NegativeFee(fee));
        }
        if fee.normalize().scale() > 4 {
            return Err(ShippingError::FeeTooPrecise(fee));
        }
        if let Some(min) = conditions.min_items_subtotal {
            if min.is_sign_negative() && !min.is_zero() {
                return Err(ShippingError::NegativeMinimum(min));
            }
        }
        Ok(Self {
            title: trimmed.to_owned(),
            fee: fee.abs(),
            conditions,
        })
    }

    /// The shipping line title on the pushed order.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The fee, in the pushed order's currency.
    pub fn fee(&self) -> Decimal {
        self.fee
    }

    /// When the rule applies.
    pub fn conditions(&self) -> &RuleConditions {
        &self.conditions
    }

    /// Whether every set condition holds for this push.
    pub fn matches(&self, ctx: &ShippingContext<'_>) -> bool {
        let c = &self.conditions;
        c.source_store
            .as_ref()
            .is_none_or(|s| s == ctx.source_store)
            && (c.countries.is_empty()
                || ctx
                    .destination_country
                    .is_some_and(|country| c.countries.contains(country)))
            && c.min_items_subtotal
                .is_none_or(|min| ctx.items_subtotal.amount() >= min)
    }
}

impl TryFrom<RuleRepr> for ShippingRateRule {
    type Error = ShippingError;
    fn try_from(r: RuleRepr) -> Result<Self, Self::Error> {
        Self::new(&r.title, r.fee, r.conditions)
    }
}

impl From<ShippingRateRule> for RuleRepr {
    fn from(r: ShippingRateRule) -> Self {
        RuleRepr {
            title: r.title,
            fee: r.fee,
            conditions: r.conditions,
        }
    }
}

/// The merchant's ordered Shipping Rate Rules (at most [`MAX_RULES`]); the
/// first matching rule wins. Serialized as a list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<ShippingRateRule>", into = "Vec<ShippingRateRule>")]
pub struct ShippingRateRules(Vec<ShippingRateRule>);

impl ShippingRateRules {
    /// At most [`MAX_RULES`] rules, in priority order.
    pub fn new(rules: Vec<ShippingRateRule>) -> Result<Self, ShippingError> {
        if rules.len() > MAX_RULES {
            return Err(ShippingError::TooManyRules { max: MAX_RULES });
        }
        Ok(Self(rules))
    }

    /// The rules, in priority order.
    pub fn rules(&self) -> &[ShippingRateRule] {
        &self.0
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No rules.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn bad_index(&self, index: usize) -> ShippingError {
        ShippingError::BadIndex {
            index,
            len: self.0.len(),
        }
    }

    fn check_room(&self) -> Result<(), ShippingError> {
        if self.0.len() >= MAX_RULES {
            return Err(ShippingError::TooManyRules { max: MAX_RULES });
        }
        Ok(())
    }

    /// Adds a rule last (lowest priority).
    pub fn push(&mut self, rule: ShippingRateRule) -> Result<(), ShippingError> {
        self.check_room()?;
        self.0.push(rule);
        Ok(())
    }

    /// Inserts a rule at `index` (0..=len).
    pub fn insert(&mut self, index: usize, rule: ShippingRateRule) -> Result<(), ShippingError> {
        if index > self.0.len() {
            return Err(self.bad_index(index));
        }
        self.check_room()?;
        self.0.insert(index, rule);
        Ok(())
    }

    /// Removes and returns the rule at `index`.
    pub fn remove(&mut self, index: usize) -> Result<ShippingRateRule, ShippingError> {
        if index >= self.0.len() {
            return Err(self.bad_index(index));
        }
        Ok(self.0.remove(index))
    }

    /// Moves a rule to a new position, shifting the rules between.
    pub fn reorder(&mut self, from: usize, to: usize) -> Result<(), ShippingError> {
        let len = self.0.len();
        if from >= len {
            return Err(self.bad_index(from));
        }
        if to >= len {
            return Err(self.bad_index(to));
        }
        let rule = self.0.remove(from);
        self.0.insert(to, rule);
        Ok(())
    }

    /// Raises a rule's priority by one; the first rule cannot move up.
    pub fn move_up(&mut self, index: usize) -> Result<(), ShippingError> {
        if index == 0 || index >= self.0.len() {
            return Err(self.bad_index(index));
        }
        self.0.swap(index - 1, index);
        Ok(())
    }

    /// Lowers a rule's priority by one; the last rule cannot move down.
    pub fn move_down(&mut self, index: usize) -> Result<(), ShippingError> {
        if index >= self.0.len().saturating_sub(1) {
            return Err(self.bad_index(index));
        }
        self.0.swap(index, index + 1);
        Ok(())
    }
}

impl TryFrom<Vec<ShippingRateRule>> for ShippingRateRules {
    type Error = ShippingError;
    fn try_from(rules: Vec<ShippingRateRule>) -> Result<Self, Self::Error> {
        Self::new(rules)
    }
}

impl From<ShippingRateRules> for Vec<ShippingRateRule> {
    fn from(rules: ShippingRateRules) -> Self {
        rules.0
    }
}

/// What rules are matched against, for one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippingContext<'a> {
    /// The source store receiving the push.
    pub source_store: &'a ShopDomain,
    /// The shipping address's country, if valid.
    pub destination_country: Option<&'a CountryCode>,
    /// Sum of the pushed lines' unit price × quantity; the fee is charged in
    /// its currency.
    pub items_subtotal: &'a Money,
}

/// A shipping fee the merchant entered for one push: ≥ 0, ≤ 1,000,000, at most
/// 2 decimal places. Serialized as a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct ManualShippingFee(Decimal);

impl ManualShippingFee {
    /// Validates an amount.
    pub fn new(fee: Decimal) -> Result<Self, ShippingError> {
        if fee.is_sign_negative() && !fee.is_zero() {
            return Err(ShippingError::ManualFeeNegative(fee));
        }
        if fee.normalize().scale() > 2 {
            return Err(ShippingError::ManualFeeTooPrecise(fee));
        }
        if fee > MAX_MANUAL_FEE {
            return Err(ShippingError::ManualFeeTooLarge(fee));
        }
        Ok(Self(fee.abs()))
    }

    /// Parses what the merchant typed, e.g. "7.50" (surrounding spaces allowed).
    pub fn parse(text: &str) -> Result<Self, ShippingError> {
        let fee = parse_plain_decimal(text.trim())
            .ok_or_else(|| ShippingError::FeeNotANumber(text.to_owned()))?;
        Self::new(fee)
    }

    /// The amount.
    pub fn amount(&self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for ManualShippingFee {
    type Error = ShippingError;
    fn try_from(fee: Decimal) -> Result<Self, Self::Error> {
        Self::new(fee)
    }
}

impl From<ManualShippingFee> for Decimal {
    fn from(fee: ManualShippingFee) -> Self {
        fee.0
    }
}

/// Where the shipping charge came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShippingOrigin {
    /// A fee the merchant entered for this push.
    Manual,
    /// The rule at this position (0-based) matched first.
    Rule {
        /// The rule's position.
        index: usize,
    },
    /// No rule matched: free shipping titled "Shipping".
    Default,
}

/// The shipping line of a pushed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingCharge {
    /// The shipping line title.
    pub title: String,
    /// The fee, rounded to the currency's minor units.
    pub fee: Money,
    /// Where it came from.
    pub origin: ShippingOrigin,
}

/// Decides the shipping line: the manual fee if given, else the first matching
/// rule, else free shipping titled [`DEFAULT_SHIPPING_TITLE`]. The fee is in
/// `items_subtotal`'s currency.
pub fn resolve_shipping(
    rules: &ShippingRateRules,
    ctx: ShippingContext<'_>,
    manual_fee: Option<ManualShippingFee>,
) -> ShippingCharge {
    let currency = ctx.items_subtotal.currency();
    let charge = |title: &str, fee: Decimal, origin| ShippingCharge {
        title: title.to_owned(),
        fee: Money::new(fee, currency).rounded(),
        origin,
    };
    if let Some(manual) = manual_fee {
        return charge(
            DEFAULT_SHIPPING_TITLE,
            manual.amount(),
            ShippingOrigin::Manual,
        );
    }
    rules
        .rules()
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.matches(&ctx))
        .map_or_else(
            || {
                charge(
                    DEFAULT_SHIPPING_TITLE,
                    Decimal::ZERO,
                    ShippingOrigin::Default,
                )
            },
            |(index, rule)| charge(rule.title(), rule.fee(), ShippingOrigin::Rule { index }),
        )
}

#[cfg(test)]
mod tests;
