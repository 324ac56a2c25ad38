//! The per-host request clock: the moment each origin's last request started, shared by the
//! workers. The scheduler already spaces dispatches by the host's delay; because a job can wait in
//! the channel before a worker takes it, two jobs could still leave closer together than that. A
//! worker therefore reserves its start here right before it sends, and waits out the rest of the
//! gap if there is any (a fraction of the delay at most). It never reorders or drops work.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Last request start per origin.
#[derive(Debug, Default)]
pub struct HostClock {
    last: Mutex<HashMap<String, Instant>>,
}

impl HostClock {
    /// Reserve a start for a request to `origin` at least `gap` after the previous one, and wait
    /// until it. Returns at once when `gap` is zero.
    pub fn start(&self, origin: &str, gap: Duration) {
        if gap.is_zero() {
            return;
        }
        let wait = self
            .reserve(origin, gap)
            .saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// Reserve the start of the next request to `origin`: now, or `gap` after the previous
    /// reservation if that is later.
    pub fn reserve(&self, origin: &str, gap: Duration) -> Instant {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let at = match last.get(origin) {
            Some(prev) => (*prev + gap).max(now),
            None => now,
        };
        last.insert(origin.to_owned(), at);
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_spaced_by_the_gap_even_when_asked_at_once() {
        let clock = HostClock::default();
        let gap = Duration::from_millis(30);
        let starts = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let at = clock.reserve("http://a.test:80", gap);
                    starts.lock().expect("lock").push(at);
                });
            }
        });
        let mut starts = starts.into_inner().expect("lock");
        starts.sort();
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= gap, "{:?}", pair[1] - pair[0]);
        }
        assert!(
            clock.reserve("http://other.test:80", gap) <= Instant::now(),
            "another origin does not wait"
        );
    }
}
