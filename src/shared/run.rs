//! One process's part of a shared crawl: the same wiring, loop, workers and output as a crawl of
//! one process (`crawl::launch`), with the [`RedisScheduler`] of the run it joined.

use super::join::Joined;
use super::scheduler::RedisScheduler;
use crate::config::Config;
use crate::crawl::coordinator::Coordinator;
use crate::crawl::launch::{context, drive};
use crate::crawl::ledger::Ledger;
use crate::crawl::{Stop, Summary};
use crate::error::CrawlError;
use crate::output::RowSink;
use std::time::Instant;

/// [`crawl::crawl`](crate::crawl::crawl) as one process of the shared crawl it has joined
/// (`--redis`): the frontier and politeness are the run's in Redis; rows go to `sink` as usual.
pub fn crawl(
    config: &Config,
    sink: &mut dyn RowSink,
    stop: &Stop,
    joined: Joined,
) -> Result<Summary, CrawlError> {
    let started = Instant::now();
    let ctx = context(config, stop, true)?;
    let (mut ledger, _) = Ledger::new(sink, None, started);
    ledger.summary.shared_run = Some(joined.run.clone());
    let sched = RedisScheduler::new(
        joined.store,
        joined.run,
        joined.token,
        config,
        ctx.robots.clone(),
        ctx.stopping.clone(),
    );
    let coordinator = Coordinator::new(config, sched, ledger, started);
    drive(config, stop, ctx, coordinator, started)
}
