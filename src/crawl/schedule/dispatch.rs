//! How the in-process scheduler picks the next job of a host: robots.txt first; then, once the
//! host's pause, spacing, `--per-host` limit and (for a host with a delay) a free worker allow, a
//! page handed over after a redirect, a sitemap or feed, a due retry, or the next page of the
//! frontier that the depth gate and the page limits let through. A page robots.txt refuses, and
//! every remaining page of a host given up (`--max-host-pause`), becomes a row here, without a
//! request.

use super::hosts::RobotsState;
use super::interface::Next;
use super::local::LocalScheduler;
use crate::crawl::jobs::Job;
use crate::record::{Entry, Origin};
use crate::robots::RobotsRules;
use std::time::Instant;

impl LocalScheduler {
    /// The decision for one host: a job, a row, or nothing (and whether to look again).
    pub(super) fn decide(
        &mut self,
        origin: &Origin,
        now: Instant,
        worker_free: bool,
    ) -> Option<Next> {
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
        if host.gave_up {
            return self.give_up_one(origin, has_pages);
        }
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
        if let Some(at) = host.next_start.filter(|&at| at > now) {
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
                if host.robots_attempt > 0 {
                    self.counts.retries += 1;
                }
                Job::Robots {
                    origin: origin.clone(),
                    url: host.sample.clone(),
                    attempt: host.robots_attempt,
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
        let at = now + host.delay;
        host.next_start = Some(at);
        self.out += 1;
        // Look at the host again: at once, or when its spacing allows.
        if host.delay.is_zero() {
            self.hosts.wake(origin);
        } else {
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
                let row = h.next.refused_row(&h.entry);
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
            self.hosts.wake(origin);
            let row = crate::crawl::jobs::refused_row(&entry, rules);
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

    /// A host given up (`--max-host-pause`): the row of one of its remaining pages (a page
    /// handed over, a retry, the next of the frontier), none requested; sitemaps and feeds are
    /// dropped. Looked at again until nothing is left.
    fn give_up_one(&mut self, origin: &Origin, has_pages: bool) -> Option<Next> {
        let gave_up = |entry: &Entry| crate::record::Row {
            error: Some(crate::error::ErrorClass::HostGaveUp),
            ..crate::record::Row::for_entry(entry)
        };
        let host = self.hosts.get_mut(origin)?;
        self.waiting -= host.resources.len();
        host.resources.clear();
        let (entry, held) = if let Some(h) = host.handoffs.pop_front() {
            (h.entry, true)
        } else if let Some(r) = host.retries.pop() {
            (r.entry, true)
        } else if has_pages {
            (self.frontier.pop(origin)?, false)
        } else {
            return None;
        };
        if held {
            self.waiting -= 1;
            self.release_home(&entry);
        }
        self.hosts.wake(origin);
        let row = gave_up(&entry);
        Some(Next::Row(entry.key, row))
    }

    /// The page no longer holds its home host's depth gate.
    pub(super) fn release_home(&mut self, entry: &Entry) {
        let home = self.origin_of(&entry.url);
        if let Some(h) = self.hosts.get_mut(&home) {
            h.remove_outstanding(entry.depth);
        }
        self.hosts.wake(&home);
    }
}
