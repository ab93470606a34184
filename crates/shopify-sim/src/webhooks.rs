//! Webhook deliveries: subscriptions' endpoints receive REST-shaped JSON bodies signed with the
//! app secret, with every Shopify header, retried on failure; webhook faults apply here.

use std::time::Duration;

use crate::state::{PendingEvent, World};
use crate::{Sim, SimConfig};

/// One delivery to make.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Shop domain.
    pub shop: String,
}

/// Turns recorded changes into deliveries, while the world is still locked (bodies show the
/// state at the moment of the change).
pub fn deliveries_for(_world: &World, _events: &[PendingEvent]) -> Vec<Delivery> {
    Vec::new()
}

/// Sends deliveries in the background, with retries.
#[derive(Debug)]
pub struct Sender {}

impl Sender {
    /// A sender with the configured retry schedule.
    pub fn new(_config: &SimConfig) -> Self {
        Sender {}
    }

    /// Queues deliveries.
    pub fn send(&self, _sim: &Sim, _deliveries: Vec<Delivery>) {}

    /// Waits until nothing is pending.
    pub async fn idle(&self, _timeout: Duration) -> bool {
        true
    }
}
