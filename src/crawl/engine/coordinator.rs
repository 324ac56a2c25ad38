//! The coordinator's event loop: the one thread that drives the [`Schedule`] (frontier and
//! per-host politeness), is the only sender into the bounded job channel, takes every outcome,
//! writes rows through the [`Ledger`], and at the end sends one `Stop` sentinel per worker.
//!
//! Invariants (each one is what keeps the crawl from hanging, ending early, or going on after a
//! stop):
//! - in_flight = jobs sent - outcomes received - jobs taken back out of the channel, and every
//!   job sent yields exactly one outcome (errors, skips, panics and unstarted jobs included), so
//!   `in_flight == 0` means every worker is idle and the job channel is empty.
//! - Only this thread sends jobs, and it never blocks doing so: it waits on room in the job
//!   channel, an outcome, a stop, and the next deadline (host timers, the state's commit, the
//!   time limit) together in one `select`, never on a fixed tick. A worker taking a job makes
//!   room and so wakes it: any channel capacity, 1 included, keeps every worker busy.
//! - At most `workers + queue_capacity` jobs are out at once and the outcome channel holds that
//!   many, so a worker never blocks sending its outcome.
//! - The crawl is over when nothing is held, in flight, queued or waiting in the schedule (never
//!   because the frontier merely looks empty); only then are the sentinels sent.
//! - After a stop no job is sent: the job held and the jobs still in the channel are taken back
//!   (no row; with `--state` they stay pending), workers send back unstarted any job they take,
//!   and the pages in flight get their rows if they finish within the grace period.
//! - A shared store (`--redis`) hears of a finished page (fetched or refused by robots.txt) only
//!   after its row is in this process's file (`Ledger::write_ahead`).
//! - Sentinels are sent as room appears; with pages abandoned in flight, only as many as fit now
//!   (the busy workers leave when the channel closes), so shutting down never waits for a fetch.

use super::ledger::{Ahead, Ledger};
use super::stop::{Stop, StopCause};
use crate::config::Config;
use crate::crawl::jobs::{Job, Outcome, PageResult};
use crate::crawl::schedule::{Answered, Completion, Finished, Next, Schedule};
use crate::crawl::work::retry::{self, RetryRules};
use crate::error::CrawlError;
use crate::record::{Link, Row};
use crossbeam_channel::{Receiver, Select, Sender, TrySendError};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The coordinator's ends of the two channels.
pub(super) struct Channels {
    pub(super) jobs: Sender<Job>,
    /// Its own receiver of the job channel: jobs not yet taken are taken back from it on a stop.
    pub(super) unsent: Receiver<Job>,
    pub(super) outcomes: Receiver<Outcome>,
}

/// The loop's state.
pub(super) struct Coordinator<'a, S: Schedule> {
    config: &'a Config,
    pub(super) sched: S,
    pub(super) ledger: Ledger<'a>,
    workers: usize,
    capacity: usize,
    max_out: usize,
    in_flight: usize,
    /// The job the schedule gave out, waiting for room in the channel.
    held: Option<Job>,
    /// `--max-duration` ends the crawl here.
    time_limit: Option<Instant>,
}

impl<'a, S: Schedule> Coordinator<'a, S> {
    pub(super) fn new(config: &'a Config, sched: S, ledger: Ledger<'a>, started: Instant) -> Self {
        let workers = config.workers.get();
        Coordinator {
            config,
            sched,
            ledger,
            workers,
            capacity: config.queue_capacity.get(),
            max_out: workers + config.queue_capacity.get(),
            in_flight: 0,
            held: None,
            time_limit: config.max_duration.map(|d| started + d),
        }
    }

    /// Jobs sent and not yet answered (after the grace period: the pages abandoned).
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Offer a page's links (one call), mirrored into the state.
    pub(super) fn offer(&mut self, links: Vec<Link>, depth: u32, parent: Option<Arc<str>>) {
        let links = self.ledger.drop_known(links, depth, &mut self.sched);
        let mirror = self.ledger.mirrors();
        let queued = self.sched.offer(links, depth, parent, mirror);
        self.ledger.queued(queued);
    }

    fn finished(&self) -> bool {
        self.held.is_none() && self.in_flight == 0 && self.sched.is_done()
    }

    /// Crawl until everything is done, or a stop; after a stop, wind down.
    pub(super) fn run(&mut self, ch: &Channels, stop: &Stop) -> Result<(), CrawlError> {
        loop {
            let now = Instant::now();
            if self.time_limit.is_some_and(|t| now >= t) {
                stop.request_for(StopCause::TimeLimit);
            }
            if stop.is_requested() {
                if !self.finished() {
                    self.ledger.summary.interrupted = true;
                    self.ledger.summary.stopped_by = stop.cause();
                }
                return self.wind_down(ch, stop);
            }
            self.fill(now)?;
            if let Some(e) = self.sched.failure() {
                return Err(e);
            }
            if self.finished() {
                return Ok(());
            }
            self.publish(stop);
            let deadline = [
                self.sched.next_wake(),
                self.ledger.next_due(),
                self.time_limit,
            ]
            .into_iter()
            .flatten()
            .min();
            self.wait(ch, stop, deadline)?;
            self.ledger.housekeep(Instant::now())?;
        }
    }

    /// Ask the schedule for the next job unless one is held or the cap is reached; rows of pages
    /// robots.txt refuses are written on the way.
    fn fill(&mut self, now: Instant) -> Result<(), CrawlError> {
        while self.held.is_none() && self.in_flight < self.max_out {
            // A job sent now is taken at once: fewer jobs are out (queued in the channel or being
            // fetched) than there are workers, so the idle workers outnumber the queued jobs.
            let worker_free = self.in_flight < self.workers;
            match self.sched.next(now, worker_free) {
                Next::Job(mut job) => {
                    if let Job::Fetch {
                        entry,
                        attempt: 0,
                        validators,
                        resume: None,
                        ..
                    } = &mut job
                    {
                        // A shared scheduler may have given the validators already.
                        if let Some(v) = self.ledger.validators(entry.key) {
                            *validators = Some(v);
                        }
                    }
                    self.held = Some(job);
                }
                Next::Row(key, row) => self.refused_row(key, row)?,
                Next::Nothing => break,
            }
        }
        Ok(())
    }

    /// Wait for room (when a job is held), an outcome, a stop or the deadline, and act on it.
    fn wait(
        &mut self,
        ch: &Channels,
        stop: &Stop,
        deadline: Option<Instant>,
    ) -> Result<(), CrawlError> {
        let mut sel = Select::new();
        // Room in the channel is waited on when a take could matter: the channel at most half
        // full, or as many idle workers as queued jobs (they could empty it before any outcome
        // arrives). Otherwise every worker that takes a job has sent an outcome first, which
        // wakes this loop anyway, so being woken by each take would only cost a context switch.
        let queued = ch.jobs.len();
        let idle = self
            .workers
            .saturating_sub(self.in_flight.saturating_sub(queued));
        let room_matters = queued <= self.capacity / 2 || idle >= queued;
        let send = self
            .held
            .as_ref()
            .filter(|_| room_matters)
            .map(|_| sel.send(&ch.jobs));
        let recv = sel.recv(&ch.outcomes);
        sel.recv(stop.woken());
        let waker = self.sched.waker();
        let woken = waker.as_ref().map(|w| sel.recv(w));
        let oper = match deadline {
            Some(at) => match sel.select_deadline(at) {
                Ok(oper) => oper,
                Err(_) => return Ok(()), // a timer is due
            },
            None => sel.select(),
        };
        let i = oper.index();
        if Some(i) == send {
            let Some(job) = self.held.take() else {
                return Err(CrawlError::Worker("no job held for the send".into()));
            };
            oper.send(&ch.jobs, job)
                .map_err(|_| CrawlError::Worker("the job channel closed".into()))?;
            self.in_flight += 1;
        } else if i == recv {
            let outcome = oper
                .recv(&ch.outcomes)
                .map_err(|_| CrawlError::Worker("every worker has exited".into()))?;
            self.on_outcome(outcome)?;
            // Take whatever else has arrived before dispatching again.
            while let Ok(outcome) = ch.outcomes.try_recv() {
                self.on_outcome(outcome)?;
            }
        } else if let (Some(w), true) = (&waker, Some(i) == woken) {
            // Work may have appeared elsewhere: the next fill asks the schedule.
            let _ = oper.recv(w);
        } else {
            let _ = oper.recv(stop.woken());
        }
        Ok(())
    }

    /// After a stop: take back every job not started, then give the pages in flight the grace
    /// period to finish (their rows are written); what is still out then is abandoned.
    fn wind_down(&mut self, ch: &Channels, stop: &Stop) -> Result<(), CrawlError> {
        self.take_back_unsent(ch);
        let grace_end = Instant::now() + stop.grace;
        while self.in_flight > 0 {
            self.publish(stop);
            match ch.outcomes.recv_deadline(grace_end) {
                Ok(outcome) => self.on_outcome(outcome)?,
                Err(_) => break,
            }
        }
        self.ledger.summary.abandoned = self.in_flight as u64;
        Ok(())
    }

    /// Take back the held job and every job still in the channel.
    pub(super) fn take_back_unsent(&mut self, ch: &Channels) {
        if let Some(job) = self.held.take() {
            self.sched.take_back(job);
            self.ledger.summary.taken_back += 1;
        }
        while let Ok(job) = ch.unsent.try_recv() {
            self.in_flight -= 1;
            self.sched.take_back(job);
            self.ledger.summary.taken_back += 1;
        }
    }

    /// Send one sentinel per worker as room appears. With pages abandoned in flight, send only
    /// what fits now: the busy workers leave when the channel closes. Returns the number sent.
    pub(super) fn send_sentinels(&mut self, ch: &Channels, workers: usize) -> usize {
        let mut sent = 0;
        while sent < workers {
            if self.in_flight > 0 {
                match ch.jobs.try_send(Job::Stop) {
                    Ok(()) => sent += 1,
                    Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => break,
                }
                continue;
            }
            let mut sel = Select::new();
            let send = sel.send(&ch.jobs);
            sel.recv(&ch.outcomes);
            let oper = sel.select();
            if oper.index() == send {
                if oper.send(&ch.jobs, Job::Stop).is_err() {
                    break;
                }
                sent += 1;
            } else if oper.recv(&ch.outcomes).is_err() {
                break; // every worker is gone
            }
        }
        sent
    }

    fn publish(&self, stop: &Stop) {
        let p = &stop.progress;
        let s = &self.ledger.summary;
        p.done.store(s.done, Ordering::Relaxed);
        p.in_flight.store(self.in_flight as u64, Ordering::Relaxed);
        p.queued
            .store(self.sched.queued() as u64, Ordering::Relaxed);
        p.errors.store(s.errors, Ordering::Relaxed);
    }

    /// Account for one outcome.
    fn on_outcome(&mut self, outcome: Outcome) -> Result<(), CrawlError> {
        self.in_flight -= 1;
        let now = Instant::now();
        match outcome {
            Outcome::NotStarted(job) => {
                self.sched.take_back(job);
                self.ledger.summary.taken_back += 1;
            }
            Outcome::Robots {
                origin,
                rules,
                cause,
                tries,
            } => {
                self.sched
                    .answered(&origin, Answered::Robots, None, None, now);
                if let Some(cause) = cause {
                    let tries = if tries > 1 {
                        format!(" ({tries} tries)")
                    } else {
                        String::new()
                    };
                    let host = super::summary::host_of_origin(&origin);
                    tracing::info!(%host, "robots.txt unreachable: {cause}{tries}");
                    self.ledger
                        .summary
                        .note_cause(&host, format!("robots.txt unreachable: {cause}{tries}"));
                }
                if let Some(d) = rules.crawl_delay().filter(|&d| d > self.config.delay) {
                    let host = super::summary::host_of_origin(&origin);
                    tracing::info!(%host, "robots.txt Crawl-delay {d:?}: one request every {d:?}");
                    self.ledger.summary.crawl_delayed.insert(host, d);
                }
                self.sched.robots_known(&origin, rules);
            }
            Outcome::RobotsRetry {
                origin,
                url,
                attempt,
                status,
                wait,
            } => {
                self.sched
                    .answered(&origin, Answered::Robots, status, None, now);
                self.sched
                    .robots_later(&origin, url, attempt + 1, now + wait);
            }
            Outcome::Resource {
                origin,
                kind,
                url,
                pages,
                sitemaps,
                depth,
            } => {
                self.sched
                    .answered(&origin, Answered::Resource(&url), None, None, now);
                // Sitemaps of an index first: they travel with the offer of its pages.
                for s in sitemaps {
                    self.sched.add_resource(kind, s, depth);
                }
                if depth <= self.config.max_depth {
                    self.offer(pages, depth, Some(Arc::from(url.as_str())));
                }
            }
            Outcome::Redirected {
                origin,
                entry,
                attempt,
                validators,
                next,
            } => {
                self.sched.answered(
                    &origin,
                    Answered::Page(&entry),
                    Some(next.status),
                    None,
                    now,
                );
                self.sched.hand_over(entry, attempt, validators, *next);
            }
            Outcome::Page(origin, page) => {
                let (status, retry_after) = (page.row.status, page.retry_after);
                self.sched.answered(
                    &origin,
                    Answered::Page(&page.entry),
                    status,
                    retry_after,
                    now,
                );
                self.take_page(*page, now)?;
            }
        }
        Ok(())
    }

    /// The row of a page robots.txt refused. A shared store counts it done only once the row is
    /// in this process's file.
    fn refused_row(&mut self, key: crate::url_norm::UrlKey, row: Row) -> Result<(), CrawlError> {
        if !self.sched.completes_elsewhere() {
            return self.ledger.finish_page(key, row, Vec::new(), None);
        }
        let ahead = self.ledger.write_ahead(&row, &[])?;
        match self.sched.refused(key, &row) {
            Completion::Done {
                verdict: Some(v), ..
            } => self.ledger.finish_shared(row, Vec::new(), v, ahead),
            Completion::Done { verdict: None, .. } => {
                self.ledger.take_back(ahead)?;
                self.ledger.finish_page(key, row, Vec::new(), None)
            }
            Completion::Dropped => self.ledger.take_back(ahead),
        }
    }

    fn take_page(&mut self, page: PageResult, now: Instant) -> Result<(), CrawlError> {
        if let Some(wait) = self.retry_wait(&page) {
            self.sched
                .retry_later(page.entry, page.attempt + 1, now + wait);
            return Ok(());
        }
        if page.row.error.is_some() {
            self.ledger
                .summary
                .note_failure(&page.row, page.cause.as_deref());
        }
        // The page's links and feeds go with its completion, in one step of the schedule: a
        // shared crawl can never look finished between the two.
        let depth = page.entry.depth;
        let follow = self
            .ledger
            .drop_known(page.follow, depth + 1, &mut self.sched);
        // A shared store counts the page done for every process: its row is in this process's
        // file before that (a 304 has none).
        let ahead = if self.sched.completes_elsewhere() && page.row.status != Some(304) {
            self.ledger.write_ahead(&page.row, &page.edges)?
        } else {
            Ahead::NotWritten
        };
        let completion = self.sched.complete(Finished {
            entry: &page.entry,
            final_key: page.final_key,
            row: &page.row,
            validators: &page.validators,
            follow,
            feeds: page.feeds,
            mirror: self.ledger.mirrors(),
        });
        let (final_new, verdict, queued) = match completion {
            Completion::Done {
                final_new,
                verdict,
                queued,
            } => (final_new, verdict, queued),
            Completion::Dropped => {
                // Another process has the page now: its row and links are that one's.
                self.ledger.summary.dropped += 1;
                return self.ledger.take_back(ahead);
            }
        };
        if final_new {
            if let Some(key) = page.final_key {
                self.ledger.seen(key);
            }
        }
        self.ledger.queued(queued);
        match verdict {
            None => {
                self.ledger.take_back(ahead)?;
                self.ledger.finish_page(
                    page.entry.key,
                    page.row,
                    page.edges,
                    Some(page.validators),
                )?
            }
            Some(v) => self.ledger.finish_shared(page.row, page.edges, v, ahead)?,
        }
        Ok(())
    }

    /// If the page failed in a way worth another try, how long to wait first.
    fn retry_wait(&self, page: &PageResult) -> Option<Duration> {
        retry::wait(
            self.retry_rules(),
            page.attempt,
            page.row.error,
            page.row.status,
            page.retry_after,
        )
    }

    fn retry_rules(&self) -> RetryRules {
        RetryRules {
            retries: self.config.retries,
            max_retry_after: self.config.max_retry_after,
        }
    }
}
