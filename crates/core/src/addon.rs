//! The Order add-on: the paid recurring charge that lets ordersync push a destination store's
//! orders to its source stores. It exists as pure rules so the service layer, the webhook
//! processing and (later) the push engine and the merchant UI all agree on one state:
//!
//! - what the merchant sees ([`AddonState`]: Off with a reason, Waiting for approval, Active),
//!   derived from the stored [`AddonStatus`], which mirrors Shopify's `AppSubscriptionStatus`;
//! - who may switch it on (only a destination store) and what switching on does when it is
//!   already on or waiting ([`OrderAddon::switch_on`]: never a second charge);
//! - how a status reported by Shopify changes it ([`OrderAddon::apply_shopify`]: late or
//!   out-of-order reports never move it backwards);
//! - whether orders may be pushed ([`OrderAddon::can_push`]) and the Orders tab banner otherwise.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::AppSubscriptionId;
use crate::shop::StoreRole;

/// The Orders tab banner while the add-on is not active.
pub const ORDERS_BANNER: &str = "Orders are recorded but not pushed to your source stores. \
     Switch the Order add-on on in Settings → Plan & Billing to push them.";

/// The add-on's status as stored: Shopify's `AppSubscriptionStatus` for the current charge, or
/// `Off` when no charge was ever requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddonStatus {
    /// Never switched on.
    Off,
    /// A charge waits for the merchant's approval in Shopify.
    Pending,
    /// The merchant approved the charge; it is billed.
    Active,
    /// Shopify put the charge on hold (the store's bills are unpaid); it resumes by itself.
    Frozen,
    /// The merchant declined the charge.
    Declined,
    /// The charge was cancelled (switched off, or the app was uninstalled).
    Cancelled,
    /// The merchant did not approve the charge within two days.
    Expired,
}

/// A stored or reported status that is not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Order add-on status {0:?}")]
pub struct UnknownAddonStatus(pub String);

impl AddonStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [AddonStatus; 7] = [
        AddonStatus::Off,
        AddonStatus::Pending,
        AddonStatus::Active,
        AddonStatus::Frozen,
        AddonStatus::Declined,
        AddonStatus::Cancelled,
        AddonStatus::Expired,
    ];

    /// The stored name: `off`, `pending`, `active`, `frozen`, `declined`, `cancelled`, `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddonStatus::Off => "off",
            AddonStatus::Pending => "pending",
            AddonStatus::Active => "active",
            AddonStatus::Frozen => "frozen",
            AddonStatus::Declined => "declined",
            AddonStatus::Cancelled => "cancelled",
            AddonStatus::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Result<Self, UnknownAddonStatus> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| UnknownAddonStatus(name.to_owned()))
    }

    /// Maps Shopify's `AppSubscriptionStatus` (GraphQL `ACTIVE`, webhook `active`; either case).
    /// The deprecated `ACCEPTED` (approved, not yet billed) still waits.
    pub fn from_shopify(status: &str) -> Result<Self, UnknownAddonStatus> {
        match status.to_ascii_uppercase().as_str() {
            "PENDING" | "ACCEPTED" => Ok(AddonStatus::Pending),
            "ACTIVE" => Ok(AddonStatus::Active),
            "FROZEN" => Ok(AddonStatus::Frozen),
            "DECLINED" => Ok(AddonStatus::Declined),
            "CANCELLED" => Ok(AddonStatus::Cancelled),
            "EXPIRED" => Ok(AddonStatus::Expired),
            _ => Err(UnknownAddonStatus(status.to_owned())),
        }
    }

    /// A charge in this status never changes again (Shopify's terminal states).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            AddonStatus::Declined | AddonStatus::Cancelled | AddonStatus::Expired
        )
    }

    /// What the merchant sees.
    pub fn state(self) -> AddonState {
        match self {
            AddonStatus::Pending => AddonState::WaitingForApproval,
            AddonStatus::Active => AddonState::Active,
            AddonStatus::Off => AddonState::Off(OffReason::NeverSwitchedOn),
            AddonStatus::Frozen => AddonState::Off(OffReason::Frozen),
            AddonStatus::Declined => AddonState::Off(OffReason::Declined),
            AddonStatus::Cancelled => AddonState::Off(OffReason::Cancelled),
            AddonStatus::Expired => AddonState::Off(OffReason::Expired),
        }
    }
}

impl fmt::Display for AddonStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the add-on is off, in the merchant's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffReason {
    /// Never switched on.
    NeverSwitchedOn,
    /// The merchant declined the charge.
    Declined,
    /// The charge was cancelled.
    Cancelled,
    /// Not approved within two days.
    Expired,
    /// On hold for unpaid bills.
    Frozen,
}

impl OffReason {
    /// The sentence shown under the add-on's state.
    pub fn message(self) -> &'static str {
        match self {
            OffReason::NeverSwitchedOn => "The Order add-on has not been switched on.",
            OffReason::Declined => {
                "You declined the Order add-on's charge in Shopify, so it is off. Switch it on again to approve a new charge."
            }
            OffReason::Cancelled => "The Order add-on was switched off and its charge cancelled.",
            OffReason::Expired => {
                "The Order add-on's charge was not approved within two days, so it expired. Switch it on again to approve a new charge."
            }
            OffReason::Frozen => {
                "Shopify has put the Order add-on's charge on hold until the store's bills are paid; it resumes by itself then."
            }
        }
    }
}

/// The add-on as the merchant sees it in Settings → Plan & Billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddonState {
    /// Off, and why.
    Off(OffReason),
    /// Switched on; the charge waits for the merchant's approval in Shopify.
    WaitingForApproval,
    /// On: orders are pushed.
    Active,
}

impl AddonState {
    /// `Off`, `Waiting for approval` or `Active`.
    pub fn label(self) -> &'static str {
        match self {
            AddonState::Off(_) => "Off",
            AddonState::WaitingForApproval => "Waiting for approval",
            AddonState::Active => "Active",
        }
    }

    /// Whether orders may be pushed to source stores.
    pub fn can_push(self) -> bool {
        self == AddonState::Active
    }

    /// The Orders tab banner: `None` when orders are pushed.
    pub fn orders_banner(self) -> Option<&'static str> {
        (!self.can_push()).then_some(ORDERS_BANNER)
    }
}

/// Why switching the add-on on is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddonRefusal {
    /// Only a destination store's orders are pushed.
    #[error(
        "The Order add-on is for destination stores: it pushes the orders your store takes to your source stores. \
         This is a source store, so it receives pushed orders without the add-on."
    )]
    NotADestination,
    /// The charge is on hold; a new one would not help.
    #[error(
        "Shopify has put the Order add-on's charge on hold until the store's bills are paid; it resumes by itself then."
    )]
    Frozen,
}

/// What switching on must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchOn {
    /// It is already on: nothing to do.
    AlreadyActive,
    /// A charge already waits for approval: send the merchant to its page again.
    AwaitApproval {
        /// The pending charge's confirmation URL.
        confirmation_url: String,
    },
    /// Ask Shopify for a new charge.
    CreateCharge,
}

/// What switching off must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchOff {
    /// Cancel this charge in Shopify.
    Cancel(AppSubscriptionId),
    /// Nothing is charged: nothing to do.
    AlreadyOff,
}

/// How a status Shopify reported for a charge changes the add-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopifyUpdate {
    /// Move to this status.
    Change(AddonStatus),
    /// Already in that status.
    Unchanged,
    /// The report is older than what is known (e.g. `PENDING` after `ACTIVE`, anything after a
    /// terminal status): ignored.
    Stale,
    /// Not the store's current charge (an earlier or unknown one): ignored.
    OtherCharge,
}

/// One store's Order add-on: the stored status and the charge behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAddon {
    /// Where it stands.
    pub status: AddonStatus,
    /// The current charge, once one was created.
    pub subscription: Option<AppSubscriptionId>,
    /// Where the merchant approves the current charge.
    pub confirmation_url: Option<String>,
    /// The current charge is a test charge (no money moves).
    pub test: bool,
}

impl Default for OrderAddon {
    fn default() -> Self {
        Self::off()
    }
}

impl OrderAddon {
    /// Never switched on.
    pub fn off() -> Self {
        OrderAddon {
            status: AddonStatus::Off,
            subscription: None,
            confirmation_url: None,
            test: false,
        }
    }

    /// What the merchant sees.
    pub fn state(&self) -> AddonState {
        self.status.state()
    }

    /// Whether this store's orders may be pushed: only while the add-on is active.
    pub fn can_push(&self) -> bool {
        self.state().can_push()
    }

    /// What switching on does for a store with `role`: a source store is refused; an active
    /// add-on stays as it is; a pending charge is reused (one charge, however often the merchant
    /// clicks); otherwise a new charge is needed.
    pub fn switch_on(&self, role: StoreRole) -> Result<SwitchOn, AddonRefusal> {
        if role != StoreRole::Destination {
            return Err(AddonRefusal::NotADestination);
        }
        match (self.status, &self.subscription, &self.confirmation_url) {
            (AddonStatus::Active, _, _) => Ok(SwitchOn::AlreadyActive),
            (AddonStatus::Frozen, _, _) => Err(AddonRefusal::Frozen),
            (AddonStatus::Pending, Some(_), Some(url)) => Ok(SwitchOn::AwaitApproval {
                confirmation_url: url.clone(),
            }),
            _ => Ok(SwitchOn::CreateCharge),
        }
    }

    /// What switching off does: cancel the current charge unless nothing is charged or waiting.
    pub fn switch_off(&self) -> SwitchOff {
        match (&self.subscription, self.status) {
            (Some(id), AddonStatus::Active | AddonStatus::Pending | AddonStatus::Frozen) => {
                SwitchOff::Cancel(id.clone())
            }
            _ => SwitchOff::AlreadyOff,
        }
    }

    /// How Shopify reporting `status` for `subscription` changes the add-on. Only the current
    /// charge counts; `PENDING` never follows another status, and a terminal status is final,
    /// so deliveries arriving out of order cannot move the add-on backwards.
    pub fn apply_shopify(
        &self,
        subscription: &AppSubscriptionId,
        status: AddonStatus,
    ) -> ShopifyUpdate {
        if self.subscription.as_ref() != Some(subscription) {
            return ShopifyUpdate::OtherCharge;
        }
        if status == self.status {
            return ShopifyUpdate::Unchanged;
        }
        if self.status.is_terminal() || status == AddonStatus::Pending || status == AddonStatus::Off
        {
            return ShopifyUpdate::Stale;
        }
        ShopifyUpdate::Change(status)
    }
}

#[cfg(test)]
mod tests;
