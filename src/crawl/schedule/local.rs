//! The in-process [`Schedule`]: the [`MemoryFrontier`] (breadth-first per host, the seen-set) and
//! the [`Hosts`] (robots.txt first and its retries, `--per-host`, `--delay`/Crawl-delay, retries,
//! the circuit breaker and giving a host up, sitemaps and feeds, handed-over redirects, page
//! limits). How it picks the next job is
//! in `dispatch`. It owns no clock: every moment is an argument, so its tests drive it with
//! made-up instants. It sends nothing and never blocks.
//!
//! Invariants:
//! - Every host with work is in the ready queue, parked for a free worker, has a timer, or has
//!   a job out whose answer wakes it: no host is forgotten. Every offer wakes its own host here,
//!   never at the caller.
//! - A host with a delay gets a job only when a worker is free to take it at once (`worker_free`),
//!   so a job never waits in the channel eating into the spacing; its next start is then
//!   `now + delay`. Hosts without a delay may queue ahead up to `--per-host`.
//! - Within a host, a page of depth d is handed out only when no page of depth <= d-2 of that
//!   host is outstanding (in flight or waiting for a retry), so its depth is final.
//! - `out` counts the jobs handed out and not yet answered or taken back; `waiting` the retries,
//!   resources and handed-over pages queued on hosts.

use super::frontier::{MemoryFrontier, Offered};
use super::hosts::{Handoff, Hosts, Resource, Retry, RobotsState};
use super::interface::{Answered, Completion, Counts, Finished, Next, Rules, Schedule};
use crate::crawl::jobs::{Continuation, Job, ResourceKind};
use crate::record::Link;
use crate::record::Validators;
use crate::record::{Entry, Origin};
use crate::robots::RobotsRules;
use crate::url_norm::UrlKey;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// At most this many sitemaps are fetched per crawl (index files included).
const MAX_SITEMAPS: usize = 1000;

/// The in-process frontier and scheduler.
pub struct LocalScheduler {
    pub(super) rules: Rules,
    pub(super) frontier: MemoryFrontier,
    pub(super) hosts: Hosts,
    pub(super) counts: Counts,
    /// Jobs handed out, not yet answered or taken back.
    pub(super) out: usize,
    /// Retries, sitemaps/feeds and handed-over pages waiting, over all hosts.
    pub(super) waiting: usize,
    pub(super) resources_seen: HashSet<UrlKey>,
    pub(super) sitemaps_taken: usize,
    /// Origins of the seeds (their robots.txt sitemaps are read with `--sitemaps`).
    pub(super) seed_origins: HashSet<Origin>,
    /// Pages requested by the earlier runs of a resumed crawl (they count for `--max-pages`).
    pub(super) requested_before: u64,
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

    pub(super) fn origin_of(&mut self, url: &Url) -> Origin {
        self.hosts.intern(url, self.rules.delay, self.rules.robots)
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

    pub(super) fn limit_reached(&self) -> bool {
        self.rules
            .max_pages
            .is_some_and(|m| self.requested_before + self.counts.requested >= m)
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
        _job: Answered<'_>,
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
            if host.trip(pause, now, self.rules.max_host_pause) {
                self.counts.gave_up.insert(origin.to_string());
                tracing::info!(
                    host = %origin,
                    paused = ?host.paused_total,
                    "given up: it keeps answering 429/503 (--max-host-pause)"
                );
            } else {
                self.counts.backed_off.insert(origin.to_string());
                tracing::info!(host = %origin, ?pause, "circuit breaker: host backed off");
            }
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

    fn robots_later(&mut self, origin: &Origin, _url: Url, attempt: u32, due: Instant) {
        if let Some(host) = self.hosts.get_mut(origin) {
            host.robots = RobotsState::Unknown;
            host.robots_attempt = attempt;
            host.next_start = Some(host.next_start.map_or(due, |at| at.max(due)));
        }
        self.hosts.wake_at(due, origin);
    }

    fn complete(&mut self, page: Finished<'_>) -> Completion {
        self.release_home(page.entry);
        let final_new = page.final_key.is_some_and(|key| {
            // A key in flight stays queued (in a mirror) until its own page is done.
            let was_queued = self.frontier.is_queued(key);
            self.frontier.mark_seen(key) || was_queued
        });
        let depth = page.entry.depth + 1;
        let queued = if page.follow.is_empty() {
            Vec::new()
        } else {
            let parent: Arc<str> = Arc::from(page.row.url.as_str());
            self.offer(page.follow, depth, Some(parent), page.mirror)
        };
        for feed in page.feeds {
            self.add_resource(ResourceKind::Feed, feed, depth);
        }
        Completion::Done {
            final_new,
            verdict: None,
            queued,
        }
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
        // The work goes back where it came from, so it is handed out again (a stopping crawl
        // hands nothing out; its state still holds the page as pending).
        match job {
            Job::Fetch {
                entry,
                attempt,
                validators,
                resume: Some(next),
                ..
            } => {
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.handoffs.push_front(Handoff {
                        entry,
                        attempt,
                        validators,
                        next,
                    });
                    self.waiting += 1;
                }
            }
            Job::Fetch {
                entry, attempt: 0, ..
            } => {
                self.counts.requested = self.counts.requested.saturating_sub(1);
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.pages = host.pages.saturating_sub(1);
                    host.remove_outstanding(entry.depth);
                }
                self.frontier.restore(&origin, entry);
            }
            Job::Fetch { entry, attempt, .. } => {
                self.counts.retries = self.counts.retries.saturating_sub(1);
                if let Some(host) = self.hosts.get_mut(&origin) {
                    // Its dispatch set the host's next start: the retry is due again then.
                    if let Some(due) = host.next_start {
                        host.retries.push(Retry {
                            due,
                            entry,
                            attempt,
                        });
                        self.waiting += 1;
                    }
                }
            }
            Job::Robots { attempt, .. } => {
                self.counts.resources = self.counts.resources.saturating_sub(1);
                if attempt > 0 {
                    self.counts.retries = self.counts.retries.saturating_sub(1);
                }
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.robots = RobotsState::Unknown;
                }
            }
            Job::Resource {
                kind, url, depth, ..
            } => {
                self.counts.resources = self.counts.resources.saturating_sub(1);
                if let Some(host) = self.hosts.get_mut(&origin) {
                    host.resources.push_front(Resource { kind, url, depth });
                    self.waiting += 1;
                }
            }
            Job::Stop => {}
        }
        self.hosts.wake(&origin);
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

#[cfg(test)]
mod tests;
