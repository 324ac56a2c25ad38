//! The body memory budget: how many bytes of page bodies the workers may hold at once.
//!
//! Page bodies are the crawl's largest allocations (a documentation page can be several
//! megabytes), and with many workers the peak memory is the sum of the bodies in flight. Before a
//! worker reads a body it reserves the declared length (or a guess, for bodies without one) and
//! holds the reservation until the page is extracted and the body dropped. A reservation that
//! does not fit waits for others to be released, except that the first reservation always fits,
//! so a single page larger than the budget is still read. Waiting is bounded by a deadline the
//! caller gives (its fetch deadline), after which the reservation is granted over budget rather
//! than failing the page; a reservation that grows while the body is read never waits (two
//! growing readers must not wait for each other).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// The shared budget. Cloning shares it.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limit: u64,
    used: Mutex<Used>,
    freed: Condvar,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Used {
    bytes: u64,
    holders: u64,
    peak: u64,
}

/// Bytes reserved from a [`BodyBudget`], given back on drop.
#[derive(Debug)]
pub struct Reservation {
    budget: BodyBudget,
    bytes: u64,
}

impl BodyBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> BodyBudget {
        BodyBudget {
            inner: Arc::new(Inner {
                limit,
                used: Mutex::new(Used::default()),
                freed: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Used> {
        // The guarded counters stay consistent even if a holder panicked.
        self.inner.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserve `bytes`, waiting until they fit (or nothing else is held, or `deadline` passes).
    pub fn reserve(&self, bytes: u64, deadline: Instant) -> Reservation {
        let mut used = self.lock();
        loop {
            let fits = used.holders == 0 || used.bytes.saturating_add(bytes) <= self.inner.limit;
            let now = Instant::now();
            if fits || now >= deadline {
                break;
            }
            used = match self.inner.freed.wait_timeout(used, deadline - now) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
        used.bytes = used.bytes.saturating_add(bytes);
        used.holders += 1;
        used.peak = used.peak.max(used.bytes);
        Reservation {
            budget: self.clone(),
            bytes,
        }
    }

    /// Bytes reserved now, and the most ever reserved at once.
    pub fn usage(&self) -> (u64, u64) {
        let used = self.lock();
        (used.bytes, used.peak)
    }
}

impl Reservation {
    /// Make the reservation `bytes` large without waiting (the body turned out larger or
    /// smaller than reserved).
    pub fn resize(&mut self, bytes: u64) {
        let mut used = self.budget.lock();
        used.bytes = used.bytes.saturating_sub(self.bytes).saturating_add(bytes);
        used.peak = used.peak.max(used.bytes);
        let shrunk = bytes < self.bytes;
        self.bytes = bytes;
        drop(used);
        if shrunk {
            self.budget.inner.freed.notify_all();
        }
    }

    /// The bytes held.
    #[cfg(test)]
    fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = self.budget.lock();
        used.bytes = used.bytes.saturating_sub(self.bytes);
        used.holders = used.holders.saturating_sub(1);
        drop(used);
        self.budget.inner.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[test]
    fn reservations_that_fit_are_granted_and_given_back() {
        let budget = BodyBudget::new(100);
        let a = budget.reserve(60, far());
        let b = budget.reserve(40, far());
        assert_eq!(budget.usage(), (100, 100));
        drop(a);
        drop(b);
        assert_eq!(budget.usage(), (0, 100));
    }

    #[test]
    fn the_first_reservation_always_fits() {
        let budget = BodyBudget::new(10);
        let big = budget.reserve(1_000, far());
        assert_eq!(big.bytes(), 1_000);
        assert_eq!(budget.usage(), (1_000, 1_000));
    }

    #[test]
    fn a_reservation_that_does_not_fit_waits_for_a_release() {
        let budget = BodyBudget::new(100);
        let held = budget.reserve(80, far());
        let (tx, rx) = mpsc::channel();
        let waiter = {
            let budget = budget.clone();
            thread::spawn(move || {
                let r = budget.reserve(50, far());
                // Granted only after the 80 were given back: never more than 100 at once.
                tx.send(budget.usage()).expect("send");
                drop(r);
            })
        };
        // The waiter cannot get through while 80 are held.
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(held);
        let (_, peak) = rx.recv_timeout(Duration::from_secs(30)).expect("granted");
        assert_eq!(peak, 80);
        waiter.join().expect("join");
    }

    #[test]
    fn a_passed_deadline_grants_over_budget_instead_of_waiting_forever() {
        let budget = BodyBudget::new(100);
        let _held = budget.reserve(100, far());
        let r = budget.reserve(10, Instant::now());
        assert_eq!(r.bytes(), 10);
        assert_eq!(budget.usage(), (110, 110));
    }

    #[test]
    fn resizing_never_waits_and_shrinking_wakes_waiters() {
        let budget = BodyBudget::new(100);
        let mut a = budget.reserve(10, far());
        a.resize(150);
        assert_eq!(budget.usage(), (150, 150));
        let (tx, rx) = mpsc::channel();
        let waiter = {
            let budget = budget.clone();
            thread::spawn(move || {
                let _r = budget.reserve(50, far());
                tx.send(()).expect("send");
            })
        };
        a.resize(40);
        rx.recv_timeout(Duration::from_secs(30))
            .expect("granted after shrink");
        waiter.join().expect("join");
        drop(a);
        assert_eq!(budget.usage().0, 0);
    }
}
