//! The coordinator: the one thread that owns the frontier, the seen-set, the depth and page
//! limits and the in-flight count, and the only sender into the bounded job channel. Workers
//! answer on a second channel; the coordinator writes each row as its result arrives, offers the
//! page's links to the frontier, and when nothing is queued and nothing is in flight sends one
//! `Stop` per worker and joins them all.
//!
//! Invariants (each one is what keeps the crawl from hanging or ending early):
//! - in_flight = jobs sent - results received, and every job yields exactly one result (errors,
//!   skips and panics included), so `in_flight == 0` means every worker is idle and the job channel
//!   is empty.
//! - Only the coordinator sends jobs, with `try_send`; on `Full` the entry goes back to the frontier
//!   and the coordinator waits for results instead. Workers never send into the job channel.
//! - At most `workers + queue_capacity` jobs are out at once and the result channel holds that many,
//!   so a worker never blocks sending its result.
//! - Sentinels are sent only when `in_flight == 0` (never because the frontier merely looks empty).
//! - A page of depth d is dispatched only when no page of depth <= d-2 is still in flight, so its
//!   depth is final (see `frontier`): the page set equals a breadth-first reading's.

use super::frontier::{Entry, Frontier, MemoryFrontier};
use super::worker::{self, Job, PageResult, WorkerContext};
use crate::config::Config;
use crate::error::{CrawlError, ErrorClass};
use crate::fetch::{FetchConfig, Fetcher};
use crate::output::RowSink;
use crate::scope::Scope;
use crate::url_norm;
use crossbeam_channel::{bounded, RecvTimeoutError, TrySendError};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the coordinator waits for a result before it looks at the stop flag again.
const TICK: Duration = Duration::from_millis(100);

/// What a finished crawl did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Pages requested (each URL once; redirect hops not counted).
    pub requested: u64,
    /// Rows written.
    pub rows: u64,
    /// Pages that got an HTTP response (any status).
    pub responded: u64,
    /// Rows with an error.
    pub errors: u64,
    /// Rows by final status class ("2xx", "3xx", "4xx", "5xx").
    pub by_status: BTreeMap<String, u64>,
    /// Rows by error class.
    pub by_error: BTreeMap<ErrorClass, u64>,
    /// Body bytes received.
    pub bytes: u64,
    /// Distinct URLs seen.
    pub seen: u64,
    /// Wall time of the crawl.
    pub elapsed: Duration,
    /// True if the crawl was stopped before its frontier was exhausted by the stop flag.
    pub interrupted: bool,
}

impl Summary {
    fn count(&mut self, r: &PageResult) {
        let row = &r.row;
        self.rows += 1;
        if let Some(s) = row.status {
            self.responded += 1;
            *self.by_status.entry(format!("{}xx", s / 100)).or_default() += 1;
        }
        if let Some(e) = row.error {
            self.errors += 1;
            *self.by_error.entry(e).or_default() += 1;
        }
        self.bytes += row.bytes.unwrap_or(0);
    }
}

/// Run a crawl to its end, writing rows to `sink`. Setting `stop` ends the dispatch of new pages;
/// the pages in flight finish and are written. Every worker thread has exited when this returns.
pub fn crawl(
    config: &Config,
    sink: &mut dyn RowSink,
    stop: &AtomicBool,
) -> Result<Summary, CrawlError> {
    let started = Instant::now();
    let workers = config.workers.get();
    let fetcher = Fetcher::new(FetchConfig {
        user_agent: config.user_agent.clone(),
        timeout: config.timeout,
        connect_timeout: config.connect_timeout,
        max_bytes: config.max_bytes,
        pool_per_host: workers,
    })?;
    let scope = Scope::new(config.scope, &config.seeds);
    let ctx = WorkerContext {
        fetcher: &fetcher,
        scope: &scope,
        max_depth: config.max_depth,
        want_edges: config.links_output.is_some(),
    };
    let mut frontier = MemoryFrontier::new();
    for seed in &config.seeds {
        frontier.offer(Entry {
            key: url_norm::key(seed),
            url: seed.clone(),
            depth: 0,
            parent: None,
        });
    }
    let max_out = workers + config.queue_capacity.get();
    let (job_tx, job_rx) = bounded::<Job>(config.queue_capacity.get());
    let (result_tx, result_rx) = bounded::<PageResult>(max_out);

    let mut summary = std::thread::scope(|s| {
        for i in 0..workers {
            let (jobs, results, ctx) = (job_rx.clone(), result_tx.clone(), &ctx);
            let spawned = std::thread::Builder::new()
                .name(format!("trawl-worker-{i}"))
                .spawn_scoped(s, move || worker::run(jobs, results, ctx));
            if let Err(e) = spawned {
                // Threads already started see the channel close when this returns and exit.
                return Err(CrawlError::Worker(e.to_string()));
            }
        }
        drop(result_tx);
        let mut coordinator = Coordinator {
            config,
            frontier: &mut frontier,
            sink,
            summary: Summary::default(),
            in_flight: 0,
            in_flight_by_depth: Vec::new(),
        };
        let outcome = coordinator.run(&job_tx, &result_rx, max_out, stop);
        let summary = coordinator.summary;
        // Whatever happened, no job is left for a worker to start: drain the channel, answer
        // nothing more, and send one sentinel per worker. Workers still finishing a page send its
        // result into the result channel, which has room for it, then take their sentinel.
        while job_rx.try_recv().is_ok() {}
        for _ in 0..workers {
            if job_tx.send(Job::Stop).is_err() {
                break;
            }
        }
        outcome.map(|()| summary)
    })?;
    sink.flush()?;
    summary.seen = frontier.seen_len() as u64;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

struct Coordinator<'a> {
    config: &'a Config,
    frontier: &'a mut MemoryFrontier,
    sink: &'a mut dyn RowSink,
    summary: Summary,
    in_flight: usize,
    in_flight_by_depth: Vec<usize>,
}

impl Coordinator<'_> {
    fn run(
        &mut self,
        jobs: &crossbeam_channel::Sender<Job>,
        results: &crossbeam_channel::Receiver<PageResult>,
        max_out: usize,
        stop: &AtomicBool,
    ) -> Result<(), CrawlError> {
        let mut last_flush = Instant::now();
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            if stopping {
                self.summary.interrupted = !self.frontier.is_empty() || self.in_flight > 0;
            } else {
                self.dispatch(jobs, max_out)?;
            }
            if self.in_flight == 0 && (stopping || self.frontier.is_empty() || self.limit_reached())
            {
                return Ok(());
            }
            match results.recv_timeout(TICK) {
                Ok(result) => self.take(result)?,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(CrawlError::Worker("every worker has exited".into()))
                }
            }
            if last_flush.elapsed() >= Duration::from_secs(1) {
                self.sink.flush()?;
                last_flush = Instant::now();
            }
        }
    }

    fn limit_reached(&self) -> bool {
        self.config
            .max_pages
            .is_some_and(|m| self.summary.requested >= m)
    }

    /// Send jobs while there is work, room, and the depth gate allows.
    fn dispatch(
        &mut self,
        jobs: &crossbeam_channel::Sender<Job>,
        max_out: usize,
    ) -> Result<(), CrawlError> {
        while self.in_flight < max_out && !self.limit_reached() {
            let Some(depth) = self.frontier.next_depth() else {
                break;
            };
            let gate = (depth as usize).saturating_sub(1);
            if depth >= 2 && self.in_flight_by_depth.iter().take(gate).any(|&n| n > 0) {
                break;
            }
            let Some(entry) = self.frontier.pop() else {
                break;
            };
            match jobs.try_send(Job::Fetch(entry)) {
                Ok(()) => {
                    let d = depth as usize;
                    if self.in_flight_by_depth.len() <= d {
                        self.in_flight_by_depth.resize(d + 1, 0);
                    }
                    self.in_flight_by_depth[d] += 1;
                    self.in_flight += 1;
                    self.summary.requested += 1;
                }
                Err(TrySendError::Full(Job::Fetch(entry))) => {
                    self.frontier.unpop(entry);
                    break;
                }
                Err(_) => return Err(CrawlError::Worker("the job channel closed".into())),
            }
        }
        Ok(())
    }

    /// Account for one result: write its row and edges, offer its links.
    fn take(&mut self, result: PageResult) -> Result<(), CrawlError> {
        self.in_flight -= 1;
        if let Some(n) = self.in_flight_by_depth.get_mut(result.entry.depth as usize) {
            *n -= 1;
        }
        if let Some(key) = result.final_key {
            self.frontier.mark_seen(key);
        }
        self.summary.count(&result);
        self.sink.write_row(&result.row)?;
        if !result.edges.is_empty() {
            self.sink.write_links(
                &result.row.url,
                &mut result.edges.iter().map(String::as_str),
            )?;
        }
        if !result.follow.is_empty() {
            let parent: Arc<str> = Arc::from(result.row.url.as_str());
            let depth = result.entry.depth + 1;
            for link in result.follow {
                self.frontier.offer(Entry {
                    url: link.url,
                    key: link.key,
                    depth,
                    parent: Some(parent.clone()),
                });
            }
        }
        Ok(())
    }
}
