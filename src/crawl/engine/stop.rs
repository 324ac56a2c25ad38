//! How a crawl is stopped from outside (a signal) or by its own time limit, and the live
//! counters a progress display reads. Setting the stop wakes the coordinator at once (it waits on
//! a channel here together with its outcomes, never on a tick) and is seen by every worker
//! before each request and each redirect hop.

use crossbeam_channel::{bounded, Receiver, Sender};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Why a crawl stopped before its frontier ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// SIGINT or SIGTERM (or a library caller's [`Stop::request`]).
    Signal,
    /// `--max-duration` passed.
    TimeLimit,
    /// `--redis`: another process's `--restart` gave up the run this process worked in (never
    /// a cause of [`Stop`]; the summary says it).
    Restarted,
}

impl StopCause {
    /// The `stopped_by` value of the summary JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StopCause::Signal => "signal",
            StopCause::TimeLimit => "time_limit",
            StopCause::Restarted => "restarted",
        }
    }
}

/// The stop flag, its cause, the grace period and the live counters.
#[derive(Debug)]
pub struct Stop {
    /// Shared with the workers: once set, no request starts.
    flag: Arc<AtomicBool>,
    /// 0 none, 1 signal, 2 time limit, 3 restarted: the first cause wins.
    cause: AtomicU8,
    /// After a stop, pages still in flight this long are abandoned without a row.
    pub grace: Duration,
    /// Live counters, updated by the coordinator.
    pub progress: Progress,
    wake_tx: Sender<()>,
    wake_rx: Receiver<()>,
}

impl Default for Stop {
    fn default() -> Stop {
        Stop::new(Duration::from_secs(5))
    }
}

impl Stop {
    pub fn new(grace: Duration) -> Stop {
        let (wake_tx, wake_rx) = bounded(1);
        Stop {
            flag: Arc::new(AtomicBool::new(false)),
            cause: AtomicU8::new(0),
            grace,
            progress: Progress::default(),
            wake_tx,
            wake_rx,
        }
    }

    /// Stop the crawl (as a signal does): no new request starts; what is in flight finishes
    /// within the grace period.
    pub fn request(&self) {
        self.request_for(StopCause::Signal);
    }

    /// Stop the crawl for `cause` (the first cause is the one kept).
    pub fn request_for(&self, cause: StopCause) {
        let code = match cause {
            StopCause::Signal => 1,
            StopCause::TimeLimit => 2,
            StopCause::Restarted => 3,
        };
        let _ = self
            .cause
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
        let _ = self.wake_tx.try_send(());
    }

    pub fn is_requested(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub fn cause(&self) -> Option<StopCause> {
        match self.cause.load(Ordering::SeqCst) {
            1 => Some(StopCause::Signal),
            2 => Some(StopCause::TimeLimit),
            3 => Some(StopCause::Restarted),
            _ => None,
        }
    }

    /// The flag the workers check.
    pub(super) fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }

    /// Ready (to the coordinator's select) when a stop was requested.
    pub(super) fn woken(&self) -> &Receiver<()> {
        &self.wake_rx
    }
}

/// Live counters of a running crawl.
#[derive(Debug, Default)]
pub struct Progress {
    /// Pages finished (rows, robots rows and unwritten revisits included).
    pub done: AtomicU64,
    pub in_flight: AtomicU64,
    pub queued: AtomicU64,
    pub errors: AtomicU64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_cause_is_kept_and_the_coordinator_is_woken() {
        let stop = Stop::default();
        assert!(!stop.is_requested() && stop.cause().is_none());
        stop.request_for(StopCause::TimeLimit);
        stop.request();
        assert!(stop.is_requested());
        assert_eq!(stop.cause(), Some(StopCause::TimeLimit));
        assert!(stop.woken().try_recv().is_ok());
        assert!(stop.flag().load(Ordering::SeqCst));
    }
}
