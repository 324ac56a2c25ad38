//! The crawl engine, in three rooms and the messages between them:
//! - `engine/`: the loop (launch, coordinator, ledger, stop, summary). The coordinator is the
//!   only sender of jobs and never blocks; a row reaches its file before its page counts as done.
//! - `schedule/`: what to fetch next and when, behind the `Schedule` trait, with the in-process
//!   `LocalScheduler`. It owns time, reads no clock, never blocks.
//! - `work/`: the worker threads. One job in, one outcome out; never schedules, never writes
//!   output, never sleeps.
//! - `jobs.rs`: the jobs the schedule hands out and the loop sends, and the outcomes the workers
//!   send back. It sits beside the rooms, not in one, because all three use it.
//!
//! [`crawl`] is a crawl of one process (the in-process scheduler); `shared::run` drives the same
//! engine with the Redis scheduler through [`crawl_with`].

mod engine;
pub(crate) mod jobs;
pub(crate) mod schedule;
pub mod work;

pub use engine::{
    crawl_with, idle_workers, Mode, Persist, Progress, ScheduleInputs, Stop, StopCause, Summary,
};

use crate::config::Config;
use crate::error::CrawlError;
use crate::output::RowSink;
use schedule::{LocalScheduler, Rules};

/// Run a crawl of one process to its end, writing rows to `sink`, with the in-process scheduler
/// (resumed from `persist`'s state when it has one). See [`crawl_with`] for stops and threads.
pub fn crawl(
    config: &Config,
    sink: &mut dyn RowSink,
    stop: &Stop,
    persist: Option<Persist<'_>>,
) -> Result<Summary, CrawlError> {
    crawl_with(config, sink, stop, Mode::Alone(persist), |inputs| {
        let resume = inputs.resume;
        let mut sched =
            LocalScheduler::new(Rules::of(config), resume.as_ref().map_or(0, |r| r.done));
        if let Some(r) = resume {
            sched.restore(r.queued, r.seen);
        }
        let seeded = sched.seed(&config.seeds);
        (sched, seeded)
    })
}
