//! The frontier and the per-host scheduler behind one small interface, [`Schedule`], which is all
//! the coordinator's loop calls: offer a page's links, take the next ready job, account for an
//! answer, complete a page, retry it later, hand a redirect over to another host, take a job back
//! on a stop, and ask whether everything is done. Each operation is one call that a shared
//! implementation could make one atomic step on a server.
//!
//! [`LocalScheduler`] is the in-process implementation: the [`MemoryFrontier`] (breadth-first per
//! host, the seen-set) and the [`Hosts`] (robots.txt first, `--per-host`, `--delay`/Crawl-delay,
//! retries, the circuit breaker, sitemaps and feeds, page limits). It owns no clock: every moment
//! is an argument, so its tests drive it with made-up instants. It sends nothing and never
//! blocks.
//!
//! Invariants:
//! - Every host with work is in the ready queue, parked for a free worker, has a timer, or has
//!   a job out whose answer wakes it: no host is forgotten. Every offer wakes its own host here.
//! - A host with a delay gets a job only when a worker is free to take it at once (`worker_free`),
//!   so a job never waits in the channel eating into the spacing; its next start is then
//!   `now + delay`. Hosts without a delay may queue ahead up to `--per-host`.
//! - Within a host, a page of depth d is handed out only when no page of depth <= d-2 of that
//!   host is outstanding (in flight or waiting for a retry), so its depth is final.
//! - `out` counts the jobs handed out and not yet answered or taken back.

use super::frontier::{Frontier, MemoryFrontier, Offered};
use super::hosts::{Handoff, Hosts, Resource, Retry, RobotsState};
use super::jobs::{Continuation, Job, ResourceKind};
use super::page_links::Link;
use crate::error::ErrorClass;
use crate::fetch::Validators;
use crate::record::{Entry, Origin, Row};
use crate::robots::RobotsRules;
use crate::url_norm::UrlKey;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// At most this many sitemaps are fetched per crawl (index files included).
const MAX_SITEMAPS: usize = 1000;

/// What the scheduler hands out next.
#[derive(Debug)]
pub enum Next {
    /// Send this job.
    Job(Job),
    /// This page is finished without a request (robots.txt disallows it): write its row.
    Row(UrlKey, Row),
    /// Nothing ready now.
    Nothing,
}

/// Counters the scheduler keeps for the summary.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// First requests of pages handed out (in this run).
    pub requested: u64,
    /// Requests repeated after a transient failure.
    pub retries: u64,
    /// robots.txt files, sitemaps and feeds handed out.
    pub resources: u64,
    /// Hosts whose circuit breaker tripped.
    pub backed_off: BTreeSet<String>,
}

/// The interface the coordinator's loop uses (see the module documentation).
pub trait Schedule {
    /// Offer links found at `depth` (on `parent`); with `mirror`, returns the entries newly
    /// queued or moved up (for a state that mirrors the queue).
    fn offer(
        &mut self,
        links: Vec<Link>,
        depth: u32,
        parent: Option<Arc<str>>,
        mirror: bool,
    ) -> Vec<Entry>;
    /// Queue a sitemap or a feed.
    fn add_resource(&mut self, kind: ResourceKind, url: Url, depth: u32);
    /// The next job or robots row ready at `now`; `worker_free` says a job sent now is taken at
    /// once (hosts with a delay wait for that).
    fn next(&mut self, now: Instant, worker_free: bool) -> Next;
    /// The earliest moment something waiting becomes ready, if any.
    fn next_wake(&self) -> Option<Instant>;
    /// A job of `origin` was answered (for a page: with `status` and `retry_after`).
    fn answered(
        &mut self,
        origin: &Origin,
        status: Option<u16>,
        retry_after: Option<Duration>,
        now: Instant,
    );
    /// robots.txt of `origin` is known.
    fn robots_known(&mut self, origin: &Origin, rules: Arc<RobotsRules>);
    /// A page is finished (its row written). Returns true when its final URL `final_key` was new
    /// to the seen-set or cancelled a queued copy.
    fn complete(&mut self, entry: &Entry, final_key: Option<UrlKey>) -> bool;
    /// Request `entry` again at `due`.
    fn retry_later(&mut self, entry: Entry, attempt: u32, due: Instant);
    /// Continue a page's fetch on the host of `next.url` (its robots.txt and spacing first).
    fn hand_over(
        &mut self,
        entry: Entry,
        attempt: u32,
        validators: Option<Validators>,
        next: Continuation,
    );
    /// A job handed out was not started (the crawl is stopping): it is as if never handed out.
    fn take_back(&mut self, job: Job);
    /// Nothing queued (or the page limit reached), waiting, or out.
    fn is_done(&self) -> bool;
    /// Entries waiting in the frontier.
    fn queued(&self) -> usize;
    /// Has the seen-set this key? Mark it seen (without queueing; returns true if new).
    fn is_seen(&self, key: UrlKey) -> bool;
    fn mark_seen(&mut self, key: UrlKey) -> bool;
    /// URLs ever seen.
    fn seen_len(&self) -> usize;
    fn counts(&self) -> &Counts;
}

/// The settings the scheduler decides by.
#[derive(Debug, Clone)]
pub struct Rules {
    pub workers: usize,
    pub per_host: usize,
    pub delay: Duration,
    pub robots: bool,
    pub sitemaps: bool,
    pub max_pages: Option<u64>,
    pub max_pages_per_host: Option<u64>,
    pub max_retry_after: Duration,
}

impl Rules {
    pub fn of(config: &crate::config::Config) -> Rules {
        Rules {
            workers: config.workers.get(),
            per_host: config.per_host.get(),
            delay: config.delay,
            robots: config.robots,
            sitemaps: config.sitemaps,
            max_pages: config.max_pages,
            max_pages_per_host: config.max_pages_per_host,
            max_retry_after: config.max_retry_after,
        }
    }
}

/// The in-process frontier and scheduler.
pub struct LocalScheduler {
    rules: Rules,
    frontier: MemoryFrontier,
    hosts: Hosts,
    counts: Counts,
    /// Jobs handed out, not yet answered or taken back.
    out: usize,
    /// Retries, sitemaps/feeds and handed-over pages waiting, over all hosts.
    waiting: usize,
    resources_seen: HashSet<UrlKey>,
    sitemaps_taken: usize,
    /// Origins of the seeds (their robots.txt sitemaps are read with `--sitemaps`).
    seed_origins: HashSet<Origin>,
    /// Pages requested by the earlier runs of a resumed crawl (they count for `--max-pages`).
    requested_before: u64,
}

impl LocalScheduler {
    pub fn new(rules: Rules, requested_before: u64) -> LocalScheduler {
        LocalScheduler {
            rules,
            frontier: MemoryFrontier::new(),
            hosts: Hosts::default(),
            counts: Counts::default(),
            out: 0,
            waiting: 0,
            resources_seen: HashSet::new(),
            sitemaps_taken: 0,
            seed_origins: HashSet::new(),
            requested_before,
        }
    }

    fn origin_of(&mut self, url: &Url) -> Origin {
        // A host's clock starts at its first sight; no moment before it matters.
        let now = Instant::now();
        self.hosts
            .intern(url, self.rules.delay, self.rules.robots, now)
    }

    /// Queue the seeds (depth 0); with `--sitemaps` and robots ignored, try each seed's
    /// `/sitemap.xml`. Returns the entries queued.
    pub fn seed(&mut self, seeds: &[Url]) -> Vec<Entry> {
        let mut queued = Vec::new();
        for seed in seeds {
            let origin = self.origin_of(seed);
            self.seed_origins.insert(origin);
            let link = Link {
                url: seed.clone(),
                key: crate::url_norm::key(seed),
            };
            queued.extend(self.offer(vec![link], 0, None, true));
            if self.rules.sitemaps && !self.rules.robots {
                // Without robots.txt there is no Sitemap: line to read; try the usual place.
                if let Ok(url) = seed.join("/sitemap.xml") {
                    self.add_resource(ResourceKind::Sitemap, url, 1);
                }
            }
        }
        queued
    }

    /// Put back the queue and seen-set of a resumed crawl.
    pub fn restore(&mut self, queued: Vec<Entry>, seen: Vec<UrlKey>) {
        for entry in queued {
            let origin = self.origin_of(&entry.url);
            self.frontier.restore(&origin, entry);
            self.hosts.wake(&origin);
        }
        for key in seen {
            self.frontier.insert_seen(key);
        }
    }

    fn limit_reached(&self) -> bool {
        self.rules
            .max_pages
            .is_some_and(|m| self.requested_before + self.counts.requested >= m)
    }

    /// The decision for one host: a job, a row, or nothing (and whether to look again).
    fn decide(&mut self, origin: &Origin, now: Instant, worker_free: bool) -> Option<Next> {
        // Jobs count against `--per-host` from dispatch, queued or fetched. When the limit is not
        // below the worker count it can never bind, so jobs of hosts without a delay may queue
        // ahead and a worker that finishes takes the next one at once.
        let per_host = match self.rules.per_host {
            n if n >= self.rules.workers => usize::MAX,
            n => n,
        };
        let limit_reached = self.limit_reached();
        let has_pages = !limit_reached && self.frontier.next_depth(origin).is_some();
        let host = self.hosts.get_mut(origin)?;
        if host.in_flight >= per_host {
            return None; // woken by the answer
        }
        let idle = host.retries.is_empty()
            && host.resources.is_empty()
            && host.handoffs.is_empty()
            && !has_pages;
        if idle && !matches!(host.robots, RobotsState::Unknown) {
            return None;
        }
        if let Some(until) = host.paused_until {
            if until > now {
                self.hosts.wake_at(until, origin);
                return None;
            }
            host.paused_until = None;
        }
        if host.next_start > now {
            let at = host.next_start;
            self.hosts.wake_at(at, origin);
            return None;
        }
        if !host.delay.is_zero() && !worker_free {
            self.hosts.park(origin.clone());
            return None;
        }
        let job = match &host.robots {
            RobotsState::Unknown => {
                host.robots = RobotsState::Pending;
                self.counts.resources += 1;
                Job::Robots {
                    origin: origin.clone(),
                    url: host.sample.clone(),
                }
            }
            RobotsState::Pending => return None,
            RobotsState::Ready(rules) => {
                let rules = rules.clone();
                match self.take_work(origin, &rules, now, has_pages)? {
                    Next::Job(job) => job,
                    other => return Some(other),
                }
            }
        };
        let host = self.hosts.get_mut(origin)?;
        host.in_flight += 1;
        host.next_start = now + host.delay;
        self.out += 1;
        // Look at the host again: at once, or when its spacing allows.
        if host.delay.is_zero() {
            self.hosts.wake(origin);
        } else {
            let at = host.next_start;
            self.hosts.wake_at(at, origin);
        }
        Some(Next::Job(job))
    }

    /// The next piece of work of a host whose robots.txt is known: a handed-over page, a
    /// resource, a due retry, or the next page of the frontier.
    fn take_work(
        &mut self,
        origin: &Origin,
        rules: &RobotsRules,
        now: Instant,
        has_pages: bool,
    ) -> Option<Next> {
        let host = self.hosts.get_mut(origin)?;
        let gap = host.delay;
        if let Some(h) = host.handoffs.pop_front() {
            self.waiting -= 1;
            if !rules.allowed(&h.next.url) {
                self.release_home(&h.entry);
                let row = Row {
                    url: h.entry.url.to_string(),
                    final_url: h.next.from.to_string(),
                    depth: h.entry.depth,
                    parent: h.entry.parent.as_deref().unwrap_or("").to_owned(),
                    status: Some(h.next.status),
                    fetched_at: h
                        .next
                        .started
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    elapsed_ms: Some(h.next.elapsed.as_millis() as u64),
                    bytes: Some(0),
                    error: Some(ErrorClass::Robots),
                    ..Row::default()
                };
                self.hosts.wake(origin);
                return Some(Next::Row(h.entry.key, row));
            }
            return Some(Next::Job(Job::Fetch {
                origin: origin.clone(),
                entry: h.entry,
                attempt: h.attempt,
                validators: h.validators,
                gap,
                resume: Some(h.next),
            }));
        }
        if let Some(r) = host.resources.pop_front() {
            self.waiting -= 1;
            self.counts.resources += 1;
            return Some(Next::Job(Job::Resource {
                origin: origin.clone(),
                kind: r.kind,
                url: r.url,
                depth: r.depth,
            }));
        }
        if let Some((i, due)) = host.earliest_retry() {
            if due <= now {
                let r = host.retries.swap_remove(i);
                self.waiting -= 1;
                self.counts.retries += 1;
                return Some(Next::Job(Job::Fetch {
                    origin: origin.clone(),
                    entry: r.entry,
                    attempt: r.attempt,
                    validators: None,
                    gap,
                    resume: None,
                }));
            }
            self.hosts.wake_at(due, origin);
        }
        if !has_pages {
            return None;
        }
        let host = self.hosts.get_mut(origin)?;
        if self
            .rules
            .max_pages_per_host
            .is_some_and(|cap| host.pages >= cap)
        {
            self.frontier.drain(origin);
            return None;
        }
        let depth = self.frontier.next_depth(origin)?;
        if depth >= 2 && host.outstanding_through(depth as usize - 2) {
            return None; // woken by the answer of the shallower page
        }
        let entry = self.frontier.pop(origin)?;
        if !rules.allowed(&entry.url) {
            let error = if rules.unreachable() {
                ErrorClass::RobotsUnreachable
            } else {
                ErrorClass::Robots
            };
            self.hosts.wake(origin);
            let row = Row {
                url: entry.url.to_string(),
                depth: entry.depth,
                parent: entry.parent.as_deref().unwrap_or("").to_owned(),
                error: Some(error),
                ..Row::default()
            };
            return Some(Next::Row(entry.key, row));
        }
        host.pages += 1;
        host.add_outstanding(entry.depth);
        self.counts.requested += 1;
        Some(Next::Job(Job::Fetch {
            origin: origin.clone(),
            entry,
            attempt: 0,
            validators: None,
            gap,
            resume: None,
        }))
    }

    /// The page no longer holds its home host's depth gate.
    fn release_home(&mut self, entry: &Entry) {
        let home = self.origin_of(&entry.url);
        if let Some(h) = self.hosts.get_mut(&home) {
            h.remove_outstanding(entry.depth);
        }
        self.hosts.wake(&home);
    }
}

impl Schedule for LocalScheduler {
    fn offer(
        &mut self,
        links: Vec<Link>,
        depth: u32,
        parent: Option<Arc<str>>,
        mirror: bool,
    ) -> Vec<Entry> {
        let mut queued = Vec::new();
        for link in links {
            if !self.frontier.wants(link.key, depth) {
                continue;
            }
            let origin = self.origin_of(&link.url);
            let entry = Entry {
                url: link.url,
                key: link.key,
                depth,
                parent: parent.clone(),
            };
            let copy = mirror.then(|| entry.clone());
            if self.frontier.offer(&origin, entry) != Offered::Seen {
                queued.extend(copy);
                self.hosts.wake(&origin);
            }
        }
        queued
    }

    fn add_resource(&mut self, kind: ResourceKind, url: Url, depth: u32) {
        if kind == ResourceKind::Sitemap {
            if self.sitemaps_taken >= MAX_SITEMAPS {
                return;
            }
            self.sitemaps_taken += 1;
        }
        if !self.resources_seen.insert(crate::url_norm::key(&url)) {
            return;
        }
        let origin = self.origin_of(&url);
        if let Some(host) = self.hosts.get_mut(&origin) {
            host.resources.push_back(Resource { kind, url, depth });
            self.waiting += 1;
            self.hosts.wake(&origin);
        }
    }

    fn next(&mut self, now: Instant, worker_free: bool) -> Next {
        self.hosts.fire_timers(now);
        if worker_free {
            self.hosts.unpark();
        }
        while let Some(origin) = self.hosts.pop_ready() {
            if let Some(next) = self.decide(&origin, now, worker_free) {
                return next;
            }
        }
        Next::Nothing
    }

    fn next_wake(&self) -> Option<Instant> {
        self.hosts.next_timer()
    }

    fn answered(
        &mut self,
        origin: &Origin,
        status: Option<u16>,
        retry_after: Option<Duration>,
        now: Instant,
    ) {
        self.out = self.out.saturating_sub(1);
        let max = self.rules.max_retry_after;
        let Some(host) = self.hosts.get_mut(origin) else {
            return;
        };
        host.in_flight = host.in_flight.saturating_sub(1);
        if let Some(pause) = host.record_answer(status, retry_after, max) {
            host.paused_until = Some(now + pause);
            self.counts.backed_off.insert(origin.to_string());
            tracing::info!(host = %origin, ?pause, "circuit breaker: host backed off");
        }
        self.hosts.wake(origin);
    }

    fn robots_known(&mut self, origin: &Origin, rules: Arc<RobotsRules>) {
        let sitemaps: Vec<Url> = if self.rules.sitemaps && self.seed_origins.contains(origin) {
            rules.sitemaps().to_vec()
        } else {
            Vec::new()
        };
        if let Some(host) = self.hosts.get_mut(origin) {
            if let Some(d) = rules.crawl_delay() {
                host.delay = host.delay.max(d);
            }
            host.robots = RobotsState::Ready(rules);
        }
        self.hosts.wake(origin);
        for url in sitemaps {
            self.add_resource(ResourceKind::Sitemap, url, 1);
        }
    }

    fn complete(&mut self, entry: &Entry, final_key: Option<UrlKey>) -> bool {
        self.release_home(entry);
        let Some(key) = final_key else {
            return false;
        };
        // A key in flight stays queued (in a mirror) until its own page is done.
        let was_queued = self.frontier.is_queued(key);
        self.frontier.mark_seen(key) || was_queued
    }

    fn retry_later(&mut self, entry: Entry, attempt: u32, due: Instant) {
        let home = self.origin_of(&entry.url);
        if let Some(host) = self.hosts.get_mut(&home) {
            host.retries.push(Retry {
                due,
                entry,
                attempt,
            });
            self.waiting += 1;
            self.hosts.wake_at(due, &home);
        }
    }

    fn hand_over(
        &mut self,
        entry: Entry,
        attempt: u32,
        validators: Option<Validators>,
        next: Continuation,
    ) {
        let origin = self.origin_of(&next.url);
        if let Some(host) = self.hosts.get_mut(&origin) {
            host.handoffs.push_back(Handoff {
                entry,
                attempt,
                validators,
                next: Box::new(next),
            });
            self.waiting += 1;
            self.hosts.wake(&origin);
        }
    }

    fn take_back(&mut self, job: Job) {
        let Some(origin) = job.origin().cloned() else {
            return;
        };
        self.out = self.out.saturating_sub(1);
        if let Some(host) = self.hosts.get_mut(&origin) {
            host.in_flight = host.in_flight.saturating_sub(1);
        }
        match job {
            Job::Fetch {
                entry,
                attempt,
                resume,
                ..
            } => {
                if attempt == 0 && resume.is_none() {
                    self.counts.requested = self.counts.requested.saturating_sub(1);
                    if let Some(host) = self.hosts.get_mut(&origin) {
                        host.pages = host.pages.saturating_sub(1);
                    }
                } else if resume.is_none() {
                    self.counts.retries = self.counts.retries.saturating_sub(1);
                }
                self.release_home(&entry);
            }
            Job::Robots { .. } => {
                self.counts.resources = self.counts.resources.saturating_sub(1);
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.robots = RobotsState::Unknown;
                }
            }
            Job::Resource { .. } => {
                self.counts.resources = self.counts.resources.saturating_sub(1);
            }
            Job::Stop => {}
        }
    }

    fn is_done(&self) -> bool {
        self.out == 0 && self.waiting == 0 && (self.limit_reached() || self.frontier.is_empty())
    }

    fn queued(&self) -> usize {
        self.frontier.len()
    }

    fn is_seen(&self, key: UrlKey) -> bool {
        self.frontier.is_seen(key)
    }

    fn mark_seen(&mut self, key: UrlKey) -> bool {
        self.frontier.mark_seen(key)
    }

    fn seen_len(&self) -> usize {
        self.frontier.seen_len()
    }

    fn counts(&self) -> &Counts {
        &self.counts
    }
}
