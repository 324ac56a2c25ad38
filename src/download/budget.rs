//! The body memory budget: how many bytes of page bodies the workers may hold at once.
//!
//! Page bodies are the crawl's largest allocations (a documentation page can be several
//! megabytes), and with many workers the peak memory is the sum of the bodies in flight. Before a
//! worker reads a body it reserves the declared length (or a guess, for bodies without one) and
//! holds the reservation until the page is extracted and the body dropped. A body that is not yet
//! read stays in the kernel's socket buffer, which is not the crawler's memory.
//!
//! Reservations are granted in the order they were asked for: one that does not fit waits, and
//! so does every later one (a large page is not starved by a stream of small ones), except that
//! the first reservation always fits, so a single page larger than the budget is still read.
//! A release wakes only the waiters it lets through (waking every waiter on each release cost
//! 128 workers half a second of system time per 2,574 pages). Waiting is bounded by a deadline
//! the caller gives (its fetch deadline), after which the reservation is granted over budget
//! rather than failing the page; a reservation that grows while the body is read never waits (two
//! growing readers must not wait for each other).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, Thread};
use std::time::Instant;

/// The shared budget. Cloning shares it.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limit: u64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    bytes: u64,
    holders: u64,
    peak: u64,
    /// Reservations not yet granted, oldest first.
    waiting: VecDeque<Arc<Waiter>>,
}

/// A worker waiting for its reservation; the releaser that grants it sets `granted` and unparks
/// `thread`.
#[derive(Debug)]
struct Waiter {
    bytes: u64,
    thread: Thread,
    granted: AtomicBool,
}

/// Bytes reserved from a [`BodyBudget`], given back on drop.
#[derive(Debug)]
pub struct Reservation {
    budget: BodyBudget,
    bytes: u64,
}

impl State {
    fn take(&mut self, bytes: u64) {
        self.bytes = self.bytes.saturating_add(bytes);
        self.holders += 1;
        self.peak = self.peak.max(self.bytes);
    }

    fn fits(&self, bytes: u64, limit: u64) -> bool {
        self.holders == 0 || self.bytes.saturating_add(bytes) <= limit
    }

    /// Grant the oldest waiters while they fit; the threads to wake.
    fn admit(&mut self, limit: u64) -> Vec<Thread> {
        let mut wake = Vec::new();
        while let Some(front) = self.waiting.front() {
            if !self.fits(front.bytes, limit) {
                break;
            }
            let bytes = front.bytes;
            self.take(bytes);
            if let Some(waiter) = self.waiting.pop_front() {
                waiter.granted.store(true, Ordering::Release);
                wake.push(waiter.thread.clone());
            }
        }
        wake
    }
}

impl BodyBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> BodyBudget {
        BodyBudget {
            inner: Arc::new(Inner {
                limit,
                state: Mutex::new(State::default()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The guarded counters stay consistent even if a holder panicked.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn granted(&self, bytes: u64) -> Reservation {
        Reservation {
            budget: self.clone(),
            bytes,
        }
    }

    /// Reserve `bytes`, waiting until they fit and every earlier waiter is through (or nothing
    /// else is held, or `deadline` passes).
    pub fn reserve(&self, bytes: u64, deadline: Instant) -> Reservation {
        let mut state = self.lock();
        if state.waiting.is_empty() && state.fits(bytes, self.inner.limit)
            || Instant::now() >= deadline
        {
            state.take(bytes);
            return self.granted(bytes);
        }
        let me = Arc::new(Waiter {
            bytes,
            thread: thread::current(),
            granted: AtomicBool::new(false),
        });
        state.waiting.push_back(Arc::clone(&me));
        drop(state);
        loop {
            // Parking may end spuriously (or by an unpark meant for another wait): look again.
            if me.granted.load(Ordering::Acquire) {
                return self.granted(bytes);
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            thread::park_timeout(deadline - now);
        }
        let mut state = self.lock();
        if !me.granted.load(Ordering::Acquire) {
            // Out of time: leave the queue and take the bytes over budget. The waiters behind
            // may fit now that this one is out of their way.
            state.waiting.retain(|w| !Arc::ptr_eq(w, &me));
            state.take(bytes);
            let wake = state.admit(self.inner.limit);
            drop(state);
            wake.iter().for_each(Thread::unpark);
        }
        self.granted(bytes)
    }

    /// How many reservations are waiting.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }

    /// Bytes reserved now, and the most ever reserved at once.
    pub fn usage(&self) -> (u64, u64) {
        let state = self.lock();
        (state.bytes, state.peak)
    }

    /// Give back `bytes` (and the holder, if `holder`), and let through the waiters that now fit.
    fn give_back(&self, bytes: u64, holder: bool) {
        let mut state = self.lock();
        state.bytes = state.bytes.saturating_sub(bytes);
        if holder {
            state.holders = state.holders.saturating_sub(1);
        }
        let wake = state.admit(self.inner.limit);
        drop(state);
        wake.iter().for_each(Thread::unpark);
    }
}

impl Reservation {
    /// Make the reservation `bytes` large without waiting (the body turned out larger or
    /// smaller than reserved).
    pub fn resize(&mut self, bytes: u64) {
        if bytes < self.bytes {
            let freed = self.bytes - bytes;
            self.bytes = bytes;
            self.budget.give_back(freed, false);
        } else {
            let mut state = self.budget.lock();
            state.bytes = state.bytes.saturating_add(bytes - self.bytes);
            state.peak = state.peak.max(state.bytes);
            self.bytes = bytes;
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
        self.budget.give_back(self.bytes, true);
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

    /// Wait (bounded, against hangs) until `n` reservations are queued.
    fn until_waiting(budget: &BodyBudget, n: usize) {
        let give_up = Instant::now() + Duration::from_secs(30);
        while budget.waiting() != n {
            assert!(Instant::now() < give_up, "never {n} waiting");
            thread::yield_now();
        }
    }

    #[test]
    fn a_later_small_reservation_does_not_overtake_a_waiting_large_one() {
        let budget = BodyBudget::new(100);
        let held = budget.reserve(60, far());
        let (tx, rx) = mpsc::channel();
        let spawn = |bytes: u64, name: &'static str| {
            let budget = budget.clone();
            let tx = tx.clone();
            thread::spawn(move || {
                let r = budget.reserve(bytes, far());
                tx.send(name).expect("send");
                r
            })
        };
        let large = spawn(50, "large");
        until_waiting(&budget, 1);
        // 40 of 100 are free: 10 would fit, but the 50 asked first.
        let small = spawn(10, "small");
        until_waiting(&budget, 2);
        assert_eq!(budget.usage().0, 60);
        drop(held);
        // One release lets both through.
        for _ in 0..2 {
            rx.recv_timeout(Duration::from_secs(30)).expect("granted");
        }
        let large = large.join().expect("join");
        let small = small.join().expect("join");
        assert_eq!((large.bytes(), small.bytes()), (50, 10));
        assert_eq!(budget.usage(), (60, 60));
        assert_eq!(budget.waiting(), 0);
    }

    #[test]
    fn a_waiter_out_of_time_leaves_the_queue_and_lets_the_next_through() {
        let budget = BodyBudget::new(100);
        let held = budget.reserve(70, far());
        let late = {
            let budget = budget.clone();
            thread::spawn(move || budget.reserve(50, Instant::now() + Duration::from_millis(100)))
        };
        until_waiting(&budget, 1);
        let next = {
            let budget = budget.clone();
            thread::spawn(move || budget.reserve(10, far()))
        };
        // The first waiter runs out of time: granted over budget (70 + 50), out of the queue.
        let late = late.join().expect("join");
        assert_eq!(late.bytes(), 50);
        drop(held);
        drop(late);
        // Both released: the one behind it is through.
        let next = next.join().expect("join");
        assert_eq!(next.bytes(), 10);
        assert_eq!(budget.waiting(), 0);
        assert_eq!(budget.usage().0, 10);
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
