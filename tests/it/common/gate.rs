//! A gate for test servers: a handler calls [`Gate::pass`] and waits there until the test calls
//! [`Gate::open`], so a test decides exactly which requests are in flight when it acts (a kill, a
//! signal, a second process). The wait is bounded by a guard against hangs only.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a request waits at a gate nobody opens: a guard against hangs, never a timing.
pub const GATE_GUARD: Duration = Duration::from_secs(60);

/// Requests wait in [`Gate::pass`] until [`Gate::open`] (bounded by the gate's guard,
/// [`GATE_GUARD`] unless made [`Gate::with_guard`]).
#[derive(Clone)]
pub struct Gate {
    open: Arc<(Mutex<bool>, Condvar)>,
    guard: Duration,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::with_guard(GATE_GUARD)
    }
}

impl Gate {
    /// A closed gate whose requests give up waiting after `guard` (a guard against hangs).
    pub fn with_guard(guard: Duration) -> Gate {
        Gate {
            open: Arc::default(),
            guard,
        }
    }

    /// Wait until the gate is open (or the guard has passed).
    pub fn pass(&self) {
        let (m, cv) = &*self.open;
        let g = m.lock().unwrap_or_else(|e| e.into_inner());
        let _ = cv
            .wait_timeout_while(g, self.guard, |open| !*open)
            .unwrap_or_else(|e| e.into_inner());
    }

    /// Let every waiting and later request through.
    pub fn open(&self) {
        let (m, cv) = &*self.open;
        *m.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_all();
    }
}
