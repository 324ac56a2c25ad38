//! The coordinator: the one thread that owns the frontier, the seen-set, the depth and page
//! limits, per-host politeness (robots.txt first, `--per-host`, `--delay`, retries, the circuit
//! breaker) and the in-flight count, and the only sender into the bounded job channel. Workers
//! answer on a second channel; the coordinator writes each row as its result arrives, offers the
//! page's links to the frontier, and when nothing is queued, waiting or in flight sends one `Stop`
//! per worker and joins them all.
//!
//! Invariants (each one is what keeps the crawl from hanging or ending early):
//! - in_flight = jobs sent - outcomes received, and every job yields exactly one outcome (errors,
//!   skips and panics included), so `in_flight == 0` means every worker is idle and the job
//!   channel is empty.
//! - Only the coordinator sends jobs, and only when the channel has room (it is the only sender,
//!   so room seen is room kept). Workers never send into the job channel.
//! - At most `workers + queue_capacity` jobs are out at once and the outcome channel holds that
//!   many, so a worker never blocks sending its outcome.
//! - Sentinels are sent only when nothing is in flight, queued or waiting for a retry (never
//!   because the frontier merely looks empty).
//! - Every host with work is in the ready queue, has a timer, or has a job in flight whose outcome
//!   wakes it: no host is forgotten.
//! - Within a host, a page of depth d is dispatched only when no page of depth <= d-2 of that
//!   host is outstanding, so its depth is final (see `frontier`).

use super::clock::HostClock;
use super::filter::LinkFilter;
use super::frontier::{Entry, Frontier, MemoryFrontier, Offered, Origin};
use super::hosts::{Hosts, Resource, Retry, RobotsState};
use super::link_memo::LinkMemo;
use super::robots_cache::RobotsCache;
use super::worker::{self, Job, Link, Outcome, PageResult, ResourceKind, WorkerContext};
use crate::config::Config;
use crate::error::{CrawlError, ErrorClass};
use crate::fetch::Validators;
use crate::fetch::{FetchConfig, Fetcher};
use crate::output::{Row, RowSink};
use crate::scope::Scope;
use crate::state::{Batch, Done, Resume, StateError, StateStore};
use crate::url_norm::{self, UrlKey};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Longest wait for an outcome before the coordinator looks at the stop flag and timers again.
const TICK: Duration = Duration::from_millis(100);
/// The state is committed at least this often (and the rows it makes safe written).
const COMMIT_EVERY: Duration = Duration::from_millis(500);
/// At most this many sitemaps are fetched per crawl (index files included).
const MAX_SITEMAPS: usize = 1000;

/// What a finished crawl did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Pages requested (each URL once; redirect hops and retries not counted).
    pub requested: u64,
    /// Rows written.
    pub rows: u64,
    /// Pages finished (with a row or not: robots refusals, unwritten revisits, 304s).
    pub done: u64,
    /// Pages that got an HTTP response (any status).
    pub responded: u64,
    /// Rows with an error.
    pub errors: u64,
    /// Rows by final status class ("2xx", "3xx", "4xx", "5xx").
    pub by_status: BTreeMap<String, u64>,
    /// Rows by error class.
    pub by_error: BTreeMap<ErrorClass, u64>,
    /// Requests repeated after a transient failure.
    pub retries: u64,
    /// Hosts whose circuit breaker tripped (429/503 answers in a row).
    pub backed_off: BTreeSet<String>,
    /// robots.txt files, sitemaps and feeds fetched.
    pub resources: u64,
    /// Rows of pages no earlier crawl with the same `--state` had seen (all rows without state).
    pub new: u64,
    /// Revisited pages answered 304 Not Modified (counted as fetched, no row).
    pub not_modified: u64,
    /// Pages still in flight when the grace period after a stop ran out (left for a resume).
    pub abandoned: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Distinct URLs seen.
    pub seen: u64,
    /// Most bytes of page bodies held at once (bounded by `--body-memory`, except for a single
    /// page larger than it).
    pub peak_body_bytes: u64,
    /// Wall time of the crawl.
    pub elapsed: Duration,
    /// True if the stop flag ended the crawl before its frontier was exhausted.
    pub interrupted: bool,
}

impl Summary {
    /// Count a finished page (written or not).
    fn tally(&mut self, row: &Row) {
        self.done += 1;
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

/// The `--state` side of a crawl: the store, what to resume, and the new-only settings.
pub struct Persist<'a> {
    pub store: &'a mut StateStore,
    /// The unfinished crawl to continue, if any (its seen-set and queue are loaded).
    pub resume: Option<Resume>,
    /// `--only-new`: write rows only for pages no earlier crawl saw; revisit known pages only up
    /// to `revisit_depth`, with conditional requests.
    pub only_new: bool,
    pub revisit_depth: u32,
}

/// How a crawl may be stopped from outside, and how far it got (read by a progress display).
#[derive(Debug, Default)]
pub struct Stop {
    /// Set (by a signal handler) to stop dispatching new pages.
    pub requested: AtomicBool,
    /// After a stop, pages still in flight this long are abandoned without a row.
    pub grace: Duration,
    /// Live counters, updated by the coordinator.
    pub progress: Progress,
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

/// Run a crawl to its end, writing rows to `sink`. When `stop.requested` is set the dispatch of new
/// pages ends; the pages in flight finish within `stop.grace` and are written, the rest are
/// abandoned (left queued in the state for a resume). Every worker thread has exited when this
/// returns, except after abandoning pages: those workers end with their fetch, at the latest
/// after `--timeout`, or with the process.
pub fn crawl(
    config: &Config,
    sink: &mut dyn RowSink,
    stop: &Stop,
    persist: Option<Persist<'_>>,
) -> Result<Summary, CrawlError> {
    let started = Instant::now();
    let workers = config.workers.get();
    let filter = LinkFilter::new(
        Scope::new(config.scope, &config.seeds),
        config.include.clone(),
        config.exclude.clone(),
        config.allow_private,
        &config.seeds,
    );
    let fetcher = Fetcher::new(FetchConfig {
        user_agent: config.user_agent.clone(),
        timeout: config.timeout,
        connect_timeout: config.connect_timeout,
        max_bytes: config.max_bytes,
        pool_per_host: config.per_host.get().min(workers),
        block_private: filter.blocks_private(),
        body_budget: config.body_memory,
        max_header_bytes: config.max_header_bytes,
    })?;
    let ctx = Arc::new(WorkerContext {
        fetcher,
        filter,
        robots: RobotsCache::new(config.robots, &config.user_agent),
        clock: HostClock::default(),
        max_depth: config.max_depth,
        want_edges: config.links_output.is_some(),
        want_feeds: config.feeds,
        memo: LinkMemo::new(),
    });
    let max_out = workers + config.queue_capacity.get();
    let (job_tx, job_rx) = bounded::<Job>(config.queue_capacity.get());
    let (outcome_tx, outcome_rx) = bounded::<Outcome>(max_out);
    let mut coordinator = Coordinator::new(config, sink, max_out, persist)?;
    coordinator.seed();

    let mut handles = Vec::with_capacity(workers);
    let mut spawn_error = None;
    for i in 0..workers {
        let (jobs, outcomes, ctx) = (job_rx.clone(), outcome_tx.clone(), ctx.clone());
        match std::thread::Builder::new()
            .name(format!("trawl-worker-{i}"))
            .spawn(move || worker::run(jobs, outcomes, &ctx))
        {
            Ok(h) => handles.push(h),
            Err(e) => {
                spawn_error = Some(CrawlError::Worker(e.to_string()));
                break;
            }
        }
    }
    drop(outcome_tx);
    let outcome = match spawn_error {
        Some(e) => Err(e),
        None => coordinator.run(&job_tx, &outcome_rx, stop),
    };
    // Whatever happened, no job is left for a worker to start: drain the channel and send one
    // sentinel per worker. A worker still finishing a page sends its outcome into the outcome
    // channel, which has room for it, then takes its sentinel.
    while job_rx.try_recv().is_ok() {}
    for _ in 0..handles.len() {
        if job_tx.send(Job::Stop).is_err() {
            break;
        }
    }
    let abandoned = coordinator.in_flight;
    if abandoned == 0 {
        for h in handles {
            if h.join().is_err() {
                return Err(CrawlError::Worker("a worker thread panicked".into()));
            }
        }
    }
    let persisted = coordinator.commit();
    let mut summary = std::mem::take(&mut coordinator.summary);
    summary.abandoned = abandoned as u64;
    summary.seen = coordinator.frontier.seen_len() as u64;
    summary.elapsed = started.elapsed();
    summary.peak_body_bytes = ctx.fetcher.body_usage().1;
    outcome?;
    persisted?;
    coordinator.sink.flush()?;
    Ok(summary)
}

/// The state side while a crawl runs: the store and what is not committed yet.
struct StateCtx<'a> {
    store: &'a mut StateStore,
    batch: Batch,
    /// Rows (with their edges) waiting for their pages to be committed as done.
    pending: Vec<(Row, Vec<String>)>,
    last_commit: Instant,
    only_new: bool,
    revisit_depth: u32,
}

fn state_err(e: StateError) -> CrawlError {
    CrawlError::State(e.to_string())
}

/// What the scheduler does next for one host.
enum Action {
    /// Send this job (a page when `page` is true).
    Send(Job),
    /// Write this row (a URL robots.txt disallows) and look at the host again.
    Row(UrlKey, Row),
    /// Nothing before this moment.
    Wait(Instant),
    /// Nothing until an outcome or a new URL wakes the host.
    Idle,
}

struct Coordinator<'a> {
    config: &'a Config,
    sink: &'a mut dyn RowSink,
    frontier: MemoryFrontier,
    hosts: Hosts,
    summary: Summary,
    max_out: usize,
    in_flight: usize,
    /// Retries waiting, over all hosts.
    waiting_retries: usize,
    /// Sitemaps and feeds waiting, over all hosts.
    waiting_resources: usize,
    /// Sitemaps and feeds already taken (fingerprints).
    resources_seen: HashSet<UrlKey>,
    sitemaps_taken: usize,
    /// Origins of the seeds (their robots.txt sitemaps are read with `--sitemaps`).
    seed_origins: HashSet<Origin>,
    state: Option<StateCtx<'a>>,
    /// Pages requested by the earlier runs of a resumed crawl (they count for `--max-pages`).
    requested_before: u64,
}

impl<'a> Coordinator<'a> {
    fn new(
        config: &'a Config,
        sink: &'a mut dyn RowSink,
        max_out: usize,
        persist: Option<Persist<'a>>,
    ) -> Result<Coordinator<'a>, CrawlError> {
        let mut c = Coordinator {
            config,
            sink,
            frontier: MemoryFrontier::new(),
            hosts: Hosts::default(),
            summary: Summary::default(),
            max_out,
            in_flight: 0,
            waiting_retries: 0,
            waiting_resources: 0,
            resources_seen: HashSet::new(),
            sitemaps_taken: 0,
            seed_origins: HashSet::new(),
            state: None,
            requested_before: 0,
        };
        if let Some(p) = persist {
            if let Some(resume) = p.resume {
                c.requested_before = resume.done;
                for entry in resume.queued {
                    let origin = c.origin_of(&entry.url);
                    c.frontier.restore(&origin, entry);
                    c.hosts.wake(&origin);
                }
                for key in resume.seen {
                    c.frontier.insert_seen(key);
                }
            }
            c.state = Some(StateCtx {
                store: p.store,
                batch: Batch::default(),
                pending: Vec::new(),
                last_commit: Instant::now(),
                only_new: p.only_new,
                revisit_depth: p.revisit_depth,
            });
        }
        Ok(c)
    }

    /// Was this page remembered by an earlier crawl?
    fn known(&self, key: UrlKey) -> Result<Option<Validators>, CrawlError> {
        let Some(st) = &self.state else {
            return Ok(None);
        };
        Ok(st.store.known(key).map_err(state_err)?.map(|k| Validators {
            etag: k.etag,
            last_modified: k.last_modified,
        }))
    }

    /// Commit the batch to the state, then write the rows it made safe. Without a state, rows
    /// were written at once and this does nothing.
    fn commit(&mut self) -> Result<(), CrawlError> {
        let Some(st) = &mut self.state else {
            return Ok(());
        };
        if !st.batch.is_empty() {
            st.store
                .commit(std::mem::take(&mut st.batch))
                .map_err(state_err)?;
        }
        st.last_commit = Instant::now();
        for (row, edges) in std::mem::take(&mut st.pending) {
            self.sink.write_row(&row)?;
            if !edges.is_empty() {
                self.sink
                    .write_links(&row.url, &mut edges.iter().map(String::as_str))?;
            }
        }
        Ok(())
    }

    fn origin_of(&mut self, url: &Url) -> Origin {
        self.hosts
            .intern(url, self.config.delay, self.config.robots, Instant::now())
    }

    fn seed(&mut self) {
        for seed in &self.config.seeds {
            let origin = self.origin_of(seed);
            self.seed_origins.insert(origin.clone());
            self.offer(&origin, seed.clone(), url_norm::key(seed), 0, None);
            if self.config.sitemaps && !self.config.robots {
                // Without robots.txt there is no Sitemap: line to read; try the usual place.
                if let Ok(url) = seed.join("/sitemap.xml") {
                    self.add_resource(ResourceKind::Sitemap, url, 1);
                }
            }
        }
    }

    fn offer(
        &mut self,
        origin: &Origin,
        url: Url,
        key: UrlKey,
        depth: u32,
        parent: Option<Arc<str>>,
    ) {
        let entry = Entry {
            url,
            key,
            depth,
            parent,
        };
        if let Some(st) = &mut self.state {
            // A new-only run revisits known pages only up to --revisit-depth.
            if st.only_new && depth > st.revisit_depth && !self.frontier.is_seen(key) {
                if let Ok(Some(_)) = st.store.known(key) {
                    self.frontier.mark_seen(key);
                    st.batch.seen.push(key);
                    return;
                }
            }
            let copy = entry.clone();
            if self.frontier.offer(origin, entry) != Offered::Seen {
                st.batch.queued.push(copy);
                self.hosts.wake(origin);
            }
            return;
        }
        if self.frontier.offer(origin, entry) != Offered::Seen {
            self.hosts.wake(origin);
        }
    }

    fn add_resource(&mut self, kind: ResourceKind, url: Url, depth: u32) {
        if kind == ResourceKind::Sitemap {
            if self.sitemaps_taken >= MAX_SITEMAPS {
                return;
            }
            self.sitemaps_taken += 1;
        }
        if !self.resources_seen.insert(url_norm::key(&url)) {
            return;
        }
        let origin = self.origin_of(&url);
        if let Some(host) = self.hosts.get_mut(&origin) {
            host.resources.push_back(Resource { kind, url, depth });
            self.waiting_resources += 1;
            self.hosts.wake(&origin);
        }
    }

    fn limit_reached(&self) -> bool {
        self.config
            .max_pages
            .is_some_and(|m| self.requested_before + self.summary.requested >= m)
    }

    fn finished(&self) -> bool {
        self.in_flight == 0
            && self.waiting_retries == 0
            && (self.limit_reached() || (self.frontier.is_empty() && self.waiting_resources == 0))
    }

    fn run(
        &mut self,
        jobs: &Sender<Job>,
        outcomes: &Receiver<Outcome>,
        stop: &Stop,
    ) -> Result<(), CrawlError> {
        let mut last_flush = Instant::now();
        let mut stop_deadline: Option<Instant> = None;
        loop {
            let stopping = stop.requested.load(Ordering::Relaxed);
            if stopping {
                self.summary.interrupted |= !self.finished();
                let deadline = *stop_deadline.get_or_insert_with(|| Instant::now() + stop.grace);
                if self.in_flight == 0 || Instant::now() >= deadline {
                    return Ok(());
                }
            } else {
                self.dispatch(jobs)?;
                if self.finished() {
                    return Ok(());
                }
            }
            let p = &stop.progress;
            p.done.store(self.summary.done, Ordering::Relaxed);
            p.in_flight.store(self.in_flight as u64, Ordering::Relaxed);
            p.queued
                .store(self.frontier.len() as u64, Ordering::Relaxed);
            p.errors.store(self.summary.errors, Ordering::Relaxed);
            let now = Instant::now();
            let wait = self
                .hosts
                .next_timer()
                .map_or(TICK, |t| t.saturating_duration_since(now).min(TICK));
            match outcomes.recv_timeout(wait) {
                Ok(outcome) => self.take(outcome)?,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(CrawlError::Worker("every worker has exited".into()))
                }
            }
            // Take whatever else has arrived before dispatching again.
            while let Ok(outcome) = outcomes.try_recv() {
                self.take(outcome)?;
            }
            if self.state.as_ref().is_some_and(|st| {
                st.last_commit.elapsed() >= COMMIT_EVERY || st.pending.len() >= 10_000
            }) {
                self.commit()?;
            }
            if last_flush.elapsed() >= Duration::from_secs(1) {
                self.sink.flush()?;
                last_flush = Instant::now();
            }
        }
    }

    /// Send jobs while hosts are ready and there is room.
    fn dispatch(&mut self, jobs: &Sender<Job>) -> Result<(), CrawlError> {
        let now = Instant::now();
        self.hosts.fire_timers(now);
        while self.in_flight < self.max_out && !jobs.is_full() {
            let Some(origin) = self.hosts.pop_ready() else {
                break;
            };
            loop {
                match self.next_action(&origin, now) {
                    Action::Send(job) => {
                        // Room was seen and only this thread sends, so this cannot block.
                        jobs.send(job)
                            .map_err(|_| CrawlError::Worker("the job channel closed".into()))?;
                        self.in_flight += 1;
                        if let Some(host) = self.hosts.get_mut(&origin) {
                            host.in_flight += 1;
                            host.next_start = now + host.delay;
                            if host.delay.is_zero() {
                                self.hosts.wake(&origin);
                            } else {
                                let at = host.next_start;
                                self.hosts.wake_at(at, &origin);
                            }
                        }
                        break;
                    }
                    Action::Row(key, row) => self.finish_page(key, row, Vec::new(), None)?,
                    Action::Wait(at) => {
                        self.hosts.wake_at(at, &origin);
                        break;
                    }
                    Action::Idle => break,
                }
            }
        }
        Ok(())
    }

    /// The scheduler's decision for one host.
    fn next_action(&mut self, origin: &Origin, now: Instant) -> Action {
        // Jobs count against `--per-host` from dispatch, queued or fetched. When the limit is not
        // below the worker count it can never bind (no more than `workers` requests run at
        // once), so jobs may queue ahead: a worker that finishes takes the next job at once
        // instead of waiting for this thread to read its outcome first.
        let per_host = match self.config.per_host.get() {
            n if n >= self.config.workers.get() => usize::MAX,
            n => n,
        };
        let limit_reached = self.limit_reached();
        let Some(host) = self.hosts.get_mut(origin) else {
            return Action::Idle;
        };
        if host.in_flight >= per_host {
            return Action::Idle; // woken by the outcome
        }
        let rules = match &host.robots {
            RobotsState::Unknown => {
                host.robots = RobotsState::Pending;
                self.summary.resources += 1;
                return Action::Send(Job::Robots {
                    origin: origin.clone(),
                    url: host.sample.clone(),
                    gap: host.delay,
                });
            }
            RobotsState::Pending => return Action::Idle,
            RobotsState::Ready(rules) => rules.clone(),
        };
        let has_pages = !limit_reached && self.frontier.next_depth(origin).is_some();
        if host.retries.is_empty() && host.resources.is_empty() && !has_pages {
            return Action::Idle;
        }
        if let Some(until) = host.paused_until {
            if until > now {
                return Action::Wait(until);
            }
            host.paused_until = None;
        }
        if host.next_start > now {
            return Action::Wait(host.next_start);
        }
        if let Some(r) = host.resources.pop_front() {
            self.waiting_resources -= 1;
            self.summary.resources += 1;
            return Action::Send(Job::Resource {
                origin: origin.clone(),
                kind: r.kind,
                url: r.url,
                depth: r.depth,
                gap: host.delay,
            });
        }
        if let Some((i, due)) = host.earliest_retry() {
            if due <= now {
                let r = host.retries.swap_remove(i);
                self.waiting_retries -= 1;
                self.summary.retries += 1;
                return Action::Send(Job::Fetch {
                    origin: origin.clone(),
                    entry: r.entry,
                    attempt: r.attempt,
                    validators: None,
                    gap: host.delay,
                });
            }
        }
        let next_retry = host.earliest_retry().map(|(_, due)| due);
        let idle = next_retry.map_or(Action::Idle, Action::Wait);
        if !has_pages {
            return idle;
        }
        if let Some(cap) = self.config.max_pages_per_host {
            if host.pages >= cap {
                self.frontier.drain(origin);
                return idle;
            }
        }
        let Some(depth) = self.frontier.next_depth(origin) else {
            return idle;
        };
        if depth >= 2 && host.outstanding_through(depth as usize - 2) {
            return idle; // woken by the outcome of the shallower page
        }
        let Some(entry) = self.frontier.pop(origin) else {
            return idle;
        };
        if !rules.allowed(&entry.url) {
            let error = if rules.unreachable() {
                ErrorClass::RobotsUnreachable
            } else {
                ErrorClass::Robots
            };
            return Action::Row(
                entry.key,
                Row {
                    url: entry.url.to_string(),
                    depth: entry.depth,
                    parent: entry.parent.as_deref().unwrap_or("").to_owned(),
                    error: Some(error),
                    ..Row::default()
                },
            );
        }
        host.pages += 1;
        host.add_outstanding(entry.depth);
        let gap = host.delay;
        self.summary.requested += 1;
        let validators = match &self.state {
            Some(st) if st.only_new => self.known(entry.key).ok().flatten(),
            _ => None,
        };
        Action::Send(Job::Fetch {
            origin: origin.clone(),
            entry,
            attempt: 0,
            validators,
            gap,
        })
    }

    /// Account for one outcome.
    fn take(&mut self, outcome: Outcome) -> Result<(), CrawlError> {
        self.in_flight -= 1;
        match outcome {
            Outcome::Page(origin, page) => {
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.in_flight -= 1;
                }
                self.hosts.wake(&origin);
                self.take_page(&origin, *page)
            }
            Outcome::Robots(origin, rules) => {
                let sitemaps: Vec<Url> =
                    if self.config.sitemaps && self.seed_origins.contains(&origin) {
                        rules.sitemaps().to_vec()
                    } else {
                        Vec::new()
                    };
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.in_flight -= 1;
                    if let Some(d) = rules.crawl_delay() {
                        host.delay = host.delay.max(d);
                    }
                    host.robots = RobotsState::Ready(rules);
                }
                self.hosts.wake(&origin);
                for url in sitemaps {
                    self.add_resource(ResourceKind::Sitemap, url, 1);
                }
                Ok(())
            }
            Outcome::Resource {
                origin,
                kind,
                url,
                pages,
                sitemaps,
                depth,
            } => {
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.in_flight -= 1;
                }
                self.hosts.wake(&origin);
                if depth <= self.config.max_depth {
                    let parent: Arc<str> = Arc::from(url.as_str());
                    self.offer_links(pages, depth, &parent);
                }
                for s in sitemaps {
                    self.add_resource(kind, s, depth);
                }
                Ok(())
            }
        }
    }

    fn offer_links(&mut self, links: Vec<Link>, depth: u32, parent: &Arc<str>) {
        for link in links {
            if !self.frontier.wants(link.key, depth) {
                continue;
            }
            let origin = self.origin_of(&link.url);
            self.offer(&origin, link.url, link.key, depth, Some(parent.clone()));
        }
    }

    fn take_page(&mut self, origin: &Origin, page: PageResult) -> Result<(), CrawlError> {
        let now = Instant::now();
        let status = page.row.status;
        let depth = page.entry.depth;
        let retry = self.retry_wait(&page);
        let Some(host) = self.hosts.get_mut(origin) else {
            return Ok(());
        };
        if let Some(pause) = host.record_answer(status, page.retry_after) {
            host.paused_until = Some(now + pause);
            self.summary.backed_off.insert(origin.to_string());
            tracing::info!(host = %origin, ?pause, "circuit breaker: host backed off");
        }
        if let Some(wait) = retry {
            host.retries.push(Retry {
                due: now + wait,
                entry: page.entry,
                attempt: page.attempt + 1,
            });
            self.waiting_retries += 1;
            self.hosts.wake_at(now + wait, origin);
            return Ok(());
        }
        host.remove_outstanding(depth);
        if let Some(key) = page.final_key {
            // Mirror into the state exactly what changed in memory: a new key, or a queued copy
            // cancelled. A key in flight stays queued in the state until its own page is done.
            let was_queued = self.frontier.is_queued(key);
            if self.frontier.mark_seen(key) || was_queued {
                if let Some(st) = &mut self.state {
                    st.batch.seen.push(key);
                }
            }
        }
        let parent: Arc<str> = Arc::from(page.row.url.as_str());
        self.finish_page(page.entry.key, page.row, page.edges, Some(page.validators))?;
        if !page.follow.is_empty() {
            self.offer_links(page.follow, depth + 1, &parent);
        }
        for feed in page.feeds {
            self.add_resource(ResourceKind::Feed, feed, depth + 1);
        }
        Ok(())
    }

    /// If the page failed in a way worth another try, how long to wait first.
    fn retry_wait(&self, page: &PageResult) -> Option<Duration> {
        if page.attempt >= self.config.retries {
            return None;
        }
        let status = page.row.status;
        let transient = matches!(
            page.row.error,
            Some(ErrorClass::Timeout | ErrorClass::Connect | ErrorClass::Truncated)
        ) || status.is_some_and(|s| s == 429 || s >= 500);
        if !transient {
            return None;
        }
        if let Some(after) = page.retry_after {
            // A longer wait than we accept ends the retries for this URL.
            return (after <= self.config.max_retry_after).then_some(after);
        }
        Some(backoff(page.attempt))
    }

    /// A page is done: count it, and write its row (with a state: record it as done and write the
    /// row once that is committed). `validators` is `None` for a URL that was not requested.
    fn finish_page(
        &mut self,
        key: UrlKey,
        row: Row,
        edges: Vec<String>,
        validators: Option<Validators>,
    ) -> Result<(), CrawlError> {
        self.summary.tally(&row);
        if row.status == Some(304) {
            self.summary.not_modified += 1;
        }
        let Some(st) = &self.state else {
            self.summary.new += 1;
            self.summary.rows += 1;
            self.sink.write_row(&row)?;
            if !edges.is_empty() {
                self.sink
                    .write_links(&row.url, &mut edges.iter().map(String::as_str))?;
            }
            return Ok(());
        };
        let known_before = st.store.known(key).map_err(state_err)?.is_some();
        let requested = validators.is_some();
        let remember = requested && row.status.is_some_and(|s| s < 500 && s != 429);
        let write_row = row.status != Some(304) && !(st.only_new && known_before);
        if write_row {
            self.summary.rows += 1;
            if !known_before {
                self.summary.new += 1;
            }
        }
        let validators = validators.unwrap_or_default();
        let Some(st) = &mut self.state else {
            return Ok(());
        };
        st.batch.done.push(Done {
            key,
            row: row.clone(),
            remember,
            etag: validators.etag,
            last_modified: validators.last_modified,
            write_row,
        });
        if write_row {
            st.pending.push((row, edges));
        }
        Ok(())
    }
}

/// Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, … (±50%), at most 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1 << attempt.min(6));
    base.mul_f64(0.5 + fastrand::f64())
        .min(Duration::from_secs(30))
}
