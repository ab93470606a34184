//! Push status: where each push stands, and what the Orders tab shows.
//!
//! A push (one destination order to one source store) moves through the
//! states below on events from the push worker, the source store's webhooks,
//! the destination store's webhooks and the merchant. Only the listed
//! transitions are legal; anything else is an [`IllegalTransition`] (for
//! example a stale or duplicate webhook), which callers log and ignore.
//! Details such as the source order's name or the failure reason are stored
//! beside the status, so the status fits one database column.
//!
//! | From | Event | To | Why |
//! |------|-------|----|-----|
//! | NotPushed | Enqueued | Queued | merchant clicked Push, or auto push picked it |
//! | NotPushed | DestinationCancelled | Cancelled | nothing was created on the source store |
//! | Queued | Started | Pushing | the worker took the job |
//! | Queued | DestinationCancelled | Cancelled | not created yet: nothing to cancel |
//! | Queued | Failed { retryable: false } | Failed | ordersync gave up on it (its job kept stopping): needs the merchant |
//! | Pushing | Resumed | Pushing | the worker took up again a push left Pushing (crash, lease expiry): it looks the order up before creating |
//! | Pushing | Created | Pushed | the source order exists |
//! | Pushing | Failed { retryable: true } | Queued | tried again later |
//! | Pushing | Failed { retryable: false } | Failed | needs the merchant |
//! | Failed | Retried | Queued | merchant clicked Retry |
//! | Failed | DestinationCancelled | Cancelled | not created: nothing to cancel |
//! | Pushed | PartiallyFulfilled | PartiallyFulfilled | source shipped some items |
//! | Pushed | Fulfilled | Fulfilled | source shipped everything |
//! | Pushed | SourceCancelled | Cancelled | source order cancelled |
//! | PartiallyFulfilled | PartiallyFulfilled | PartiallyFulfilled | more items shipped |
//! | PartiallyFulfilled | Fulfilled | Fulfilled | the rest shipped |
//! | PartiallyFulfilled | FulfillmentCancelled { still_fulfilled_any: true } | PartiallyFulfilled | a shipment was cancelled, others remain |
//! | PartiallyFulfilled | FulfillmentCancelled { still_fulfilled_any: false } | Pushed | the only shipment was cancelled |
//! | PartiallyFulfilled | SourceCancelled | Cancelled | source order cancelled |
//! | Fulfilled | FulfillmentCancelled { still_fulfilled_any: true } | PartiallyFulfilled | a shipment was cancelled |
//! | Fulfilled | FulfillmentCancelled { still_fulfilled_any: false } | Pushed | every shipment was cancelled |
//! | Fulfilled | SourceCancelled | Cancelled | source order cancelled |
//!
//! Everything else is illegal, notably: a second Enqueued or Started (the job
//! is already queued or running); DestinationCancelled while Pushing (the
//! outcome is unknown until the worker finishes) or after the source order
//! exists (the app cancels the source order, which then reports
//! SourceCancelled); and any event on Cancelled, which is terminal.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where one push stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Not pushed yet.
    NotPushed,
    /// Waiting for the push worker.
    Queued,
    /// Being created on the source store (shown as "Queued").
    Pushing,
    /// Created on the source store.
    Pushed,
    /// The source store shipped some items.
    PartiallyFulfilled,
    /// The source store shipped everything.
    Fulfilled,
    /// The push failed and needs the merchant.
    Failed,
    /// Cancelled; terminal.
    Cancelled,
}

/// Why a status value or order list status could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(pub String);

/// Something that happened to a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PushEvent {
    /// Queued for pushing.
    Enqueued,
    /// The worker started creating the source order.
    Started,
    /// A push left Pushing (the worker crashed or lost its lease mid-call) was taken up
    /// again; the outcome of the earlier attempt is unknown.
    Resumed,
    /// The source order was created.
    Created,
    /// Creating the source order failed.
    Failed {
        /// Whether trying again later may work.
        retryable: bool,
    },
    /// The merchant clicked Retry.
    Retried,
    /// The source store shipped some items.
    PartiallyFulfilled,
    /// The source store shipped everything.
    Fulfilled,
    /// The source store cancelled a shipment.
    FulfillmentCancelled {
        /// Whether some items are still shipped.
        still_fulfilled_any: bool,
    },
    /// The source order was cancelled.
    SourceCancelled,
    /// The destination order was cancelled.
    DestinationCancelled,
}

impl PushEvent {
    /// The event's snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Enqueued => "enqueued",
            Self::Started => "started",
            Self::Resumed => "resumed",
            Self::Created => "created",
            Self::Failed { .. } => "failed",
            Self::Retried => "retried",
            Self::PartiallyFulfilled => "partially_fulfilled",
            Self::Fulfilled => "fulfilled",
            Self::FulfillmentCancelled { .. } => "fulfillment_cancelled",
            Self::SourceCancelled => "source_cancelled",
            Self::DestinationCancelled => "destination_cancelled",
        }
    }
}

impl fmt::Display for PushEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event that cannot happen in a state (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a push that is {from} cannot be {event}")]
pub struct IllegalTransition {
    /// The state.
    pub from: PushStatus,
    /// The event.
    pub event: PushEvent,
}

impl PushStatus {
    /// Every state.
    pub const ALL: [PushStatus; 8] = [
        Self::NotPushed,
        Self::Queued,
        Self::Pushing,
        Self::Pushed,
        Self::PartiallyFulfilled,
        Self::Fulfilled,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The snake_case name, e.g. "partially_fulfilled".
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotPushed => "not_pushed",
            Self::Queued => "queued",
            Self::Pushing => "pushing",
            Self::Pushed => "pushed",
            Self::PartiallyFulfilled => "partially_fulfilled",
            Self::Fulfilled => "fulfilled",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(status: &str) -> Result<Self, UnknownStatus> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
            .ok_or_else(|| UnknownStatus(status.to_owned()))
    }

    /// The status as merchants see it; Pushing shows as "Queued".
    pub fn label(&self) -> &'static str {
        match self {
            Self::NotPushed => "Not pushed",
            Self::Queued | Self::Pushing => "Queued",
            Self::Pushed => "Pushed",
            Self::PartiallyFulfilled => "Partially fulfilled",
            Self::Fulfilled => "Fulfilled",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// The state after `event`, if legal (see the module table).
    pub fn apply(self, event: &PushEvent) -> Result<PushStatus, IllegalTransition> {
        use PushEvent as E;
        use PushStatus as S;
        let next = match (self, *event) {
            (S::NotPushed, E::Enqueued) => S::Queued,
            (S::NotPushed | S::Queued | S::Failed, E::DestinationCancelled) => S::Cancelled,
            (S::Queued, E::Started) => S::Pushing,
            (S::Pushing, E::Resumed) => S::Pushing,
            (S::Pushing, E::Created) => S::Pushed,
            (S::Pushing, E::Failed { retryable: true }) => S::Queued,
            (S::Queued | S::Pushing, E::Failed { retryable: false }) => S::Failed,
            (S::Failed, E::Retried) => S::Queued,
            (S::Pushed | S::PartiallyFulfilled, E::PartiallyFulfilled) => S::PartiallyFulfilled,
            (S::Pushed | S::PartiallyFulfilled, E::Fulfilled) => S::Fulfilled,
            (
                S::PartiallyFulfilled | S::Fulfilled,
                E::FulfillmentCancelled {
                    still_fulfilled_any,
                },
            ) => {
                if still_fulfilled_any {
                    S::PartiallyFulfilled
                } else {
                    S::Pushed
                }
            }
            (S::Pushed | S::PartiallyFulfilled | S::Fulfilled, E::SourceCancelled) => S::Cancelled,
            _ => {
                return Err(IllegalTransition {
                    from: self,
                    event: *event,
                })
            }
        };
        Ok(next)
    }
}

impl fmt::Display for PushStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order's status in the Orders tab list and its filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderListStatus {
    /// Not eligible, and nothing pushed.
    Ineligible,
    /// At least one source store still to push.
    NotPushed,
    /// A push is queued or in flight.
    Queued,
    /// Every push created, nothing shipped.
    Pushed,
    /// Some items shipped.
    PartiallyFulfilled,
    /// Every push shipped (or was cancelled).
    Fulfilled,
    /// A push failed.
    Failed,
    /// Every push cancelled.
    Cancelled,
}

impl OrderListStatus {
    /// Every status.
    pub const ALL: [OrderListStatus; 8] = [
        Self::Ineligible,
        Self::NotPushed,
        Self::Queued,
        Self::Pushed,
        Self::PartiallyFulfilled,
        Self::Fulfilled,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ineligible => "ineligible",
            Self::NotPushed => "not_pushed",
            Self::Queued => "queued",
            Self::Pushed => "pushed",
            Self::PartiallyFulfilled => "partially_fulfilled",
            Self::Fulfilled => "fulfilled",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(status: &str) -> Result<Self, UnknownStatus> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
            .ok_or_else(|| UnknownStatus(status.to_owned()))
    }
}

/// Sums up an order's pushes (one per source store that has pushed or been
/// queued) for the Orders tab. `expected_sources` is how many source stores
/// the order's synced items come from. First rule that applies:
///
/// 1. not eligible and every push NotPushed (or none) → Ineligible
/// 2. any Failed → Failed
/// 3. any Queued or Pushing → Queued
/// 4. fewer pushes than expected sources, or any NotPushed → NotPushed
/// 5. all Cancelled → Cancelled
/// 6. all Fulfilled or Cancelled → Fulfilled
/// 7. any PartiallyFulfilled, or Fulfilled mixed with Pushed → PartiallyFulfilled
/// 8. otherwise → Pushed
pub fn summarize(
    eligible: bool,
    pushes: &[PushStatus],
    expected_sources: usize,
) -> OrderListStatus {
    use OrderListStatus as L;
    use PushStatus as S;
    let any = |wanted: &[PushStatus]| pushes.iter().any(|s| wanted.contains(s));
    let all = |wanted: &[PushStatus]| pushes.iter().all(|s| wanted.contains(s));
    if !eligible && all(&[S::NotPushed]) {
        L::Ineligible
    } else if any(&[S::Failed]) {
        L::Failed
    } else if any(&[S::Queued, S::Pushing]) {
        L::Queued
    } else if pushes.is_empty() || pushes.len() < expected_sources || any(&[S::NotPushed]) {
        L::NotPushed
    } else if all(&[S::Cancelled]) {
        L::Cancelled
    } else if all(&[S::Fulfilled, S::Cancelled]) {
        L::Fulfilled
    } else if any(&[S::PartiallyFulfilled, S::Fulfilled]) {
        L::PartiallyFulfilled
    } else {
        L::Pushed
    }
}

#[cfg(test)]
mod tests;
