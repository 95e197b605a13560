//! Time as the API shows it, and the clock that drives the lifecycle.
//!
//! All domain times are milliseconds since the Unix epoch on the *virtual*
//! clock: wall time plus an offset that the admin API can push forward, or a
//! frozen instant that only the admin API moves (the `manual` profile).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// RFC 3339 with second precision, as `creationTimestamp` is written.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Milliseconds of an RFC 3339 time; `None` if it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

pub fn wall_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The persisted state of the virtual clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    /// Added to wall time.
    pub offset_ms: i64,
    /// When set, time stands still at this instant (plus nothing) until advanced.
    pub frozen_at_ms: Option<i64>,
}

impl ClockState {
    /// A clock that stands still at `wall` (the `manual` profile starts this way).
    pub fn frozen(wall: i64) -> Self {
        ClockState {
            offset_ms: 0,
            frozen_at_ms: Some(wall),
        }
    }

    pub fn now(&self, wall: i64) -> i64 {
        match self.frozen_at_ms {
            Some(t) => t,
            None => wall + self.offset_ms,
        }
    }

    /// Moves virtual time forward; never backward.
    pub fn advance(&mut self, ms: i64) {
        let ms = ms.max(0);
        match &mut self.frozen_at_ms {
            Some(t) => *t += ms,
            None => self.offset_ms += ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_second_precision_and_z() {
        assert_eq!(rfc3339(1_663_297_840_123), "2022-09-16T03:10:40Z");
    }

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let mut c = ClockState::frozen(1_000);
        assert_eq!(c.now(99_999), 1_000);
        c.advance(500);
        assert_eq!(c.now(0), 1_500);
        c.advance(-10);
        assert_eq!(c.now(0), 1_500);
    }

    #[test]
    fn running_clock_follows_wall_plus_offset() {
        let mut c = ClockState::default();
        c.advance(60_000);
        assert_eq!(c.now(1_000), 61_000);
    }
}
