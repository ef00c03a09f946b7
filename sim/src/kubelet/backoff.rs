//! Per-item exponential backoff, as client-go's `flowcontrol.Backoff` that the kubelet
//! uses for container restarts and image pulls: 10s doubling to 300s, forgotten after
//! twice the maximum without an update.

use crate::engine::SimTime;

/// Initial backoff.
pub const INITIAL_MS: u64 = 10_000;
/// Maximum backoff.
pub const MAX_MS: u64 = 300_000;

/// One backoff entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    /// Current delay; 0 when there is no entry.
    pub delay_ms: u64,
    /// When `next` was last called.
    pub last_update: SimTime,
}

impl Backoff {
    fn expired(&self, at: SimTime) -> bool {
        at.since(self.last_update) > 2 * MAX_MS
    }

    /// Records a failure: starts at 10s or doubles, capped at 300s.
    pub fn next(&mut self, now: SimTime) {
        self.delay_ms =
            if self.delay_ms == 0 || self.expired(now) { INITIAL_MS } else { (self.delay_ms * 2).min(MAX_MS) };
        self.last_update = now;
    }

    /// `IsInBackOffSince`: true while less than the delay has passed since `event`.
    pub fn in_backoff_since(&self, event: SimTime, now: SimTime) -> bool {
        self.delay_ms != 0 && !self.expired(event) && now.since(event) < self.delay_ms
    }

    /// `IsInBackOffSinceUpdate`: true while less than the delay has passed since `next`.
    pub fn in_backoff_since_update(&self, now: SimTime) -> bool {
        self.in_backoff_since(self.last_update, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_and_resets_after_ten_minutes() {
        let mut b = Backoff::default();
        let mut delays = Vec::new();
        for i in 0..8 {
            b.next(SimTime(i * 1000));
            delays.push(b.delay_ms / 1000);
        }
        assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
        b.next(SimTime(7000 + 600_001));
        assert_eq!(b.delay_ms, INITIAL_MS);
    }

    #[test]
    fn in_backoff_since_an_event() {
        let mut b = Backoff::default();
        assert!(!b.in_backoff_since(SimTime(0), SimTime(0)));
        b.next(SimTime(0));
        assert!(b.in_backoff_since(SimTime(5_000), SimTime(14_999)));
        assert!(!b.in_backoff_since(SimTime(5_000), SimTime(15_000)));
    }
}
