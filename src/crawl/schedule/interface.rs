//! The door of the schedule room: the [`Schedule`] trait, all the coordinator's loop calls, and
//! its messages ([`Next`], [`Answered`], [`Finished`], [`Completion`], [`Verdict`], [`Counts`]),
//! with the [`Rules`] a scheduler is built from. Each operation is one call that a shared
//! implementation could make one atomic step on a server. Plain types and one trait: nothing
//! here schedules.

use crate::crawl::jobs::{Continuation, Job, ResourceKind};
use crate::record::Validators;
use crate::record::{Entry, Link, Origin, Row};
use crate::robots::RobotsRules;
use crate::url_norm::UrlKey;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// What the scheduler hands out next.
#[derive(Debug)]
pub enum Next {
    /// Send this job.
    Job(Job),
    /// This page is finished without a request (robots.txt disallows it): write its row (and,
    /// for a shared store, then tell it with [`Schedule::refused`]).
    Row(UrlKey, Row),
    /// Nothing ready now.
    Nothing,
}

/// Which job an answer is for (a shared scheduler ends that job's lease with it).
#[derive(Debug, Clone, Copy)]
pub enum Answered<'a> {
    Page(&'a Entry),
    Robots,
    Resource(&'a Url),
}

/// A finished page, as the loop hands it to [`Schedule::complete`].
#[derive(Debug)]
pub struct Finished<'a> {
    pub entry: &'a Entry,
    /// The key of its final URL when a redirect moved it.
    pub final_key: Option<UrlKey>,
    pub row: &'a Row,
    /// The final response's validators.
    pub validators: &'a Validators,
    /// Links to offer at the page's depth + 1 (found on the row's URL), and feeds to queue, in
    /// the same step as the completion.
    pub follow: Vec<Link>,
    pub feeds: Vec<Url>,
    /// Return the entries queued (for a state that mirrors the queue).
    pub mirror: bool,
}

/// What became of a finished page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The page is no longer this process's (its lease expired and the page went back to the
    /// shared frontier, where another process takes it), or the store was lost before it
    /// answered: no row (one written ahead is taken back), no links.
    Dropped,
    /// Done. `final_new`: its final URL was new to the seen-set or cancelled a queued copy.
    /// `verdict`: `None` when the ledger decides about the row (the in-process scheduler),
    /// the shared store's decision otherwise.
    Done {
        final_new: bool,
        verdict: Option<Verdict>,
        /// With `mirror`: the entries its links queued or moved up.
        queued: Vec<Entry>,
    },
}

/// A shared store's decision about a finished page's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Write the row (a 304, a page known to an earlier run in a new-only run, or a second
    /// page of a canonical URL with `--dedup-canonical` gets none).
    pub write: bool,
    /// An earlier run wrote a row for the page (it is not new).
    pub known_before: bool,
    /// Skipped as a second page of the same canonical URL.
    pub duplicate: bool,
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
    /// Hosts given up after `--max-host-pause` of pauses.
    pub gave_up: BTreeSet<String>,
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
        job: Answered<'_>,
        status: Option<u16>,
        retry_after: Option<Duration>,
        now: Instant,
    );
    /// robots.txt of `origin` is known.
    fn robots_known(&mut self, origin: &Origin, rules: Arc<RobotsRules>);
    /// robots.txt of `origin` failed in a way that may pass: request it again (`attempt`) at
    /// `due`; nothing else of the origin goes before it.
    fn robots_later(&mut self, origin: &Origin, url: Url, attempt: u32, due: Instant);
    /// A page is finished: its links and feeds are offered with it. Says whether the row is
    /// this process's to write.
    fn complete(&mut self, page: Finished<'_>) -> Completion;
    /// A page robots.txt refused (a [`Next::Row`] this scheduler handed out) is recorded as done;
    /// says, as [`Schedule::complete`] does, what became of it. The in-process scheduler
    /// recorded it when it handed the row out.
    fn refused(&mut self, key: UrlKey, row: &Row) -> Completion {
        let _ = (key, row);
        Completion::Done {
            final_new: false,
            verdict: None,
            queued: Vec::new(),
        }
    }
    /// Does a store outside this process count pages done (a shared crawl)? Then each row is
    /// written to this process's file before [`Schedule::complete`] or [`Schedule::refused`].
    fn completes_elsewhere(&self) -> bool {
        false
    }
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
    /// A channel that wakes the loop when work may have appeared elsewhere (another process of
    /// a shared crawl); `None` for a scheduler whose work only changes through the loop's calls.
    fn waker(&self) -> Option<crossbeam_channel::Receiver<()>> {
        None
    }
    /// A fatal failure of the scheduler's store (a shared store lost for longer than allowed):
    /// taken once; the loop ends the crawl with it.
    fn failure(&mut self) -> Option<crate::error::CrawlError> {
        None
    }
    /// The run this scheduler worked in was given up by another process (a shared crawl's
    /// `--restart`): it ended without its frontier running out.
    fn given_up(&self) -> bool {
        false
    }
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
    /// A host whose breaker pauses would pass this is given up.
    pub max_host_pause: Duration,
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
            max_host_pause: config.max_host_pause,
        }
    }
}
