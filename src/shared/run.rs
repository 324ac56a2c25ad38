//! One process's part of a shared crawl: the same wiring, loop, workers and output as a crawl of
//! one process (`crawl::crawl_with`), with the [`RedisScheduler`] of the run it joined.

use super::join::Joined;
use super::scheduler::RedisScheduler;
use crate::config::Config;
use crate::crawl::{crawl_with, Mode, Stop, Summary};
use crate::error::CrawlError;
use crate::output::RowSink;

/// [`crawl::crawl`](crate::crawl::crawl) as one process of the shared crawl it has joined
/// (`--redis`): the frontier and politeness are the run's in Redis; rows go to `sink` as usual.
pub fn crawl(
    config: &Config,
    sink: &mut dyn RowSink,
    stop: &Stop,
    joined: Joined,
) -> Result<Summary, CrawlError> {
    let run = joined.run.clone();
    crawl_with(config, sink, stop, Mode::Shared { run }, |inputs| {
        let sched = RedisScheduler::new(
            joined.store,
            joined.run,
            joined.token,
            config,
            inputs.robots,
            inputs.stopping,
        );
        (sched, Vec::new())
    })
}
