//! Timestamps as stored: Unix milliseconds in a 64-bit integer, the same on both backends,
//! cheap to index and to compare for keyset pagination.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// The current time from the system clock.
    pub fn now() -> Self {
        UnixMillis(Utc::now().timestamp_millis())
    }

    /// This time plus `ms` milliseconds (saturating).
    pub fn plus_millis(self, ms: i64) -> Self {
        UnixMillis(self.0.saturating_add(ms))
    }

    /// As a chrono time; out-of-range values clamp to the epoch.
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }
}

impl From<DateTime<Utc>> for UnixMillis {
    fn from(t: DateTime<Utc>) -> Self {
        UnixMillis(t.timestamp_millis())
    }
}
