//! Per-host politeness state and the scheduler's bookkeeping: for each origin (scheme, host,
//! port) its robots.txt state, requests in flight, the earliest time the next request may start,
//! retries waiting for their time, sitemaps/feeds to fetch, and the circuit breaker (which gives
//! a host up once its pauses would pass `--max-host-pause`); plus the
//! queue of hosts that may be ready now, the hosts waiting for a free worker, and the timers of
//! hosts waiting for a moment. Owned by the scheduler; it never sends jobs, reads a clock or
//! sleeps: every moment comes in as an argument.

use crate::crawl::jobs::{Continuation, ResourceKind};
use crate::record::Validators;
use crate::record::{Entry, Origin};
use crate::robots::RobotsRules;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Consecutive 429/503 answers that trip a host's circuit breaker.
pub const TRIP_AFTER: u32 = 3;
/// The first pause of a tripped host; it doubles with each trip, up to [`MAX_PAUSE`].
pub const FIRST_PAUSE: Duration = Duration::from_secs(5);
pub const MAX_PAUSE: Duration = Duration::from_secs(300);

/// Where an origin's robots.txt stands.
#[derive(Debug, Clone)]
pub enum RobotsState {
    /// Not requested yet: nothing else may be requested there.
    Unknown,
    /// Requested, no answer yet.
    Pending,
    /// Known.
    Ready(Arc<RobotsRules>),
}

/// A page waiting to be requested again.
#[derive(Debug)]
pub struct Retry {
    pub due: Instant,
    pub entry: Entry,
    pub attempt: u32,
}

/// A sitemap or feed waiting to be fetched from this host.
#[derive(Debug)]
pub struct Resource {
    pub kind: ResourceKind,
    pub url: Url,
    pub depth: u32,
}

/// A page whose fetch redirected to this host, waiting to continue here.
#[derive(Debug)]
pub struct Handoff {
    pub entry: Entry,
    pub attempt: u32,
    pub validators: Option<Validators>,
    pub next: Box<Continuation>,
}

/// One origin's state.
#[derive(Debug)]
pub struct Host {
    /// Some URL of the origin, for its robots.txt.
    pub sample: Url,
    pub robots: RobotsState,
    /// Jobs in flight to this host (pages, robots.txt, sitemaps, feeds).
    pub in_flight: usize,
    /// Pages in flight or waiting for a retry, by depth (the depth gate).
    pub outstanding: Vec<usize>,
    /// The next request may not start before this.
    /// (`None` before its first request: no moment is read from a clock here.)
    pub next_start: Option<Instant>,
    /// Gap between request starts (the larger of `--delay` and Crawl-delay).
    pub delay: Duration,
    pub retries: Vec<Retry>,
    pub resources: VecDeque<Resource>,
    /// Pages of other hosts (or of this one) continuing here after a redirect.
    pub handoffs: VecDeque<Handoff>,
    /// The circuit breaker: paused until this moment.
    pub paused_until: Option<Instant>,
    /// Consecutive 429/503 answers.
    pub overloads: u32,
    /// How often the breaker tripped.
    pub trips: u32,
    /// Pages requested (first attempts).
    pub pages: u64,
    /// The attempt of its next robots.txt request (after transient failures).
    pub robots_attempt: u32,
    /// The breaker's pauses so far.
    pub paused_total: Duration,
    /// Given up (`--max-host-pause`): its remaining pages get `host_gave_up` rows.
    pub gave_up: bool,
    in_ready: bool,
}

impl Host {
    fn new(sample: Url, delay: Duration, robots: bool) -> Host {
        Host {
            sample,
            robots: if robots {
                RobotsState::Unknown
            } else {
                RobotsState::Ready(Arc::new(RobotsRules::allow_all()))
            },
            in_flight: 0,
            outstanding: Vec::new(),
            next_start: None,
            delay,
            retries: Vec::new(),
            resources: VecDeque::new(),
            handoffs: VecDeque::new(),
            paused_until: None,
            overloads: 0,
            trips: 0,
            pages: 0,
            robots_attempt: 0,
            paused_total: Duration::ZERO,
            gave_up: false,
            in_ready: false,
        }
    }

    /// Pages of depth `d` or less are outstanding (in flight or waiting to be retried).
    pub fn outstanding_through(&self, d: usize) -> bool {
        self.outstanding.iter().take(d + 1).any(|&n| n > 0)
    }

    pub fn add_outstanding(&mut self, depth: u32) {
        let d = depth as usize;
        if self.outstanding.len() <= d {
            self.outstanding.resize(d + 1, 0);
        }
        self.outstanding[d] += 1;
    }

    pub fn remove_outstanding(&mut self, depth: u32) {
        if let Some(n) = self.outstanding.get_mut(depth as usize) {
            *n = n.saturating_sub(1);
        }
    }

    /// The breaker tripped with `pause`: pause the host from `now`, or give it up when its
    /// pauses would pass `max_total` (`--max-host-pause`). Returns true when it is given up.
    pub fn trip(&mut self, pause: Duration, now: Instant, max_total: Duration) -> bool {
        if self.paused_total + pause > max_total {
            self.gave_up = true;
            self.paused_until = None;
            return true;
        }
        self.paused_total += pause;
        self.paused_until = Some(now + pause);
        false
    }

    /// The earliest retry, if any: (index, due).
    pub fn earliest_retry(&self) -> Option<(usize, Instant)> {
        self.retries
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.due))
            .min_by_key(|&(_, due)| due)
    }

    /// Count an answer for the circuit breaker; returns the pause if the breaker trips now: the
    /// breaker's own doubling (5 s, 10 s, 20 s, … up to [`MAX_PAUSE`]), or the answer's
    /// `Retry-After` when that is longer and accepted (at most `max_retry_after`). A `Retry-After`
    /// over `max_retry_after` was refused for the page and never lengthens the pause.
    pub fn record_answer(
        &mut self,
        status: Option<u16>,
        retry_after: Option<Duration>,
        max_retry_after: Duration,
    ) -> Option<Duration> {
        match status {
            Some(429 | 503) => self.overloads += 1,
            Some(_) => self.overloads = 0,
            None => {}
        }
        if self.overloads < TRIP_AFTER {
            return None;
        }
        self.overloads = 0;
        let accepted = retry_after.filter(|&d| d <= max_retry_after);
        let pause = FIRST_PAUSE
            .saturating_mul(1 << self.trips.min(8))
            .min(MAX_PAUSE)
            .max(accepted.unwrap_or(Duration::ZERO));
        self.trips += 1;
        Some(pause)
    }
}

/// Every host of the crawl, the ready queue, the hosts waiting for a free worker and the timers.
#[derive(Debug, Default)]
pub struct Hosts {
    map: HashMap<Origin, Host>,
    ready: VecDeque<Origin>,
    /// Hosts with a delay that could send now but wait for an idle worker (their jobs are never
    /// queued ahead in the channel, where the wait would eat into the spacing).
    parked: Vec<Origin>,
    timers: BinaryHeap<Reverse<(Instant, Origin)>>,
}

impl Hosts {
    /// The interned origin of `url`, creating its host on first sight.
    pub fn intern(&mut self, url: &Url, delay: Duration, robots: bool) -> Origin {
        let key = crate::record::origin_key(url);
        if let Some((origin, _)) = self.map.get_key_value(key.as_str()) {
            return origin.clone();
        }
        let origin: Origin = Arc::from(key);
        self.map
            .insert(origin.clone(), Host::new(url.clone(), delay, robots));
        origin
    }

    pub fn get_mut(&mut self, origin: &Origin) -> Option<&mut Host> {
        self.map.get_mut(origin)
    }

    /// Keep `origin` aside until a worker is free.
    pub fn park(&mut self, origin: Origin) {
        self.parked.push(origin);
    }

    /// Put every parked host back in the ready queue.
    pub fn unpark(&mut self) {
        for origin in std::mem::take(&mut self.parked) {
            self.wake(&origin);
        }
    }

    /// Put `origin` in the ready queue (once).
    pub fn wake(&mut self, origin: &Origin) {
        if let Some(h) = self.map.get_mut(origin) {
            if !h.in_ready {
                h.in_ready = true;
                self.ready.push_back(origin.clone());
            }
        }
    }

    /// Wake `origin` at `when`.
    pub fn wake_at(&mut self, when: Instant, origin: &Origin) {
        self.timers.push(Reverse((when, origin.clone())));
    }

    /// Move the hosts whose timers are due into the ready queue.
    pub fn fire_timers(&mut self, now: Instant) {
        while let Some(Reverse((when, _))) = self.timers.peek() {
            if *when > now {
                break;
            }
            if let Some(Reverse((_, origin))) = self.timers.pop() {
                self.wake(&origin);
            }
        }
    }

    /// The next timer, if any.
    pub fn next_timer(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((when, _))| *when)
    }

    /// Take the next host from the ready queue.
    pub fn pop_ready(&mut self) -> Option<Origin> {
        let origin = self.ready.pop_front()?;
        if let Some(h) = self.map.get_mut(&origin) {
            h.in_ready = false;
        }
        Some(origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(10);

    #[test]
    fn a_refused_retry_after_never_lengthens_the_pause() {
        let mut h = Host::new(
            Url::parse("http://a.test/").expect("url"),
            Duration::ZERO,
            true,
        );
        let day = Some(Duration::from_secs(86_400));
        h.record_answer(Some(503), None, MAX);
        h.record_answer(Some(429), None, MAX);
        assert_eq!(h.record_answer(Some(429), day, MAX), Some(FIRST_PAUSE));
        let eight = Some(Duration::from_secs(8));
        h.record_answer(Some(429), None, MAX);
        h.record_answer(Some(429), None, MAX);
        assert_eq!(
            h.record_answer(Some(429), eight, Duration::from_secs(60)),
            Some(FIRST_PAUSE * 2),
            "the doubling wins over a shorter accepted Retry-After"
        );
        let long = Some(Duration::from_secs(50));
        h.record_answer(Some(429), None, MAX);
        h.record_answer(Some(429), None, MAX);
        assert_eq!(
            h.record_answer(Some(429), long, Duration::from_secs(60)),
            Some(Duration::from_secs(50)),
            "a longer accepted Retry-After pauses the host for that long"
        );
    }

    #[test]
    fn the_breaker_trips_after_three_overloads_and_the_pause_doubles() {
        let mut h = Host::new(
            Url::parse("http://a.test/").expect("url"),
            Duration::ZERO,
            true,
        );
        assert_eq!(h.record_answer(Some(503), None, MAX), None);
        assert_eq!(h.record_answer(Some(429), None, MAX), None);
        assert_eq!(
            h.record_answer(Some(200), None, MAX),
            None,
            "a good answer resets the count"
        );
        assert_eq!(h.record_answer(Some(503), None, MAX), None);
        assert_eq!(h.record_answer(Some(503), None, MAX), None);
        assert_eq!(h.record_answer(Some(503), None, MAX), Some(FIRST_PAUSE));
        for _ in 0..2 {
            h.record_answer(Some(429), None, MAX);
        }
        assert_eq!(h.record_answer(Some(429), None, MAX), Some(FIRST_PAUSE * 2));
    }

    #[test]
    fn a_host_is_given_up_when_its_pauses_would_pass_the_bound() {
        let now = Instant::now();
        let mut h = Host::new(
            Url::parse("http://a.test/").expect("url"),
            Duration::ZERO,
            true,
        );
        let bound = Duration::from_secs(20);
        assert!(!h.trip(FIRST_PAUSE, now, bound));
        assert_eq!(h.paused_until, Some(now + FIRST_PAUSE));
        assert!(!h.trip(FIRST_PAUSE * 2, now, bound), "15 s in all");
        assert!(h.trip(FIRST_PAUSE * 4, now, bound), "35 s would pass 20 s");
        assert!(h.gave_up && h.paused_until.is_none());
        assert_eq!(h.paused_total, Duration::from_secs(15));
        let mut zero = Host::new(
            Url::parse("http://b.test/").expect("url"),
            Duration::ZERO,
            true,
        );
        assert!(
            zero.trip(FIRST_PAUSE, now, Duration::ZERO),
            "0: the first trip"
        );
    }

    #[test]
    fn hosts_are_interned_by_origin_and_woken_once() {
        let now = Instant::now();
        let mut hosts = Hosts::default();
        let a = hosts.intern(
            &Url::parse("http://a.test/x").expect("url"),
            Duration::ZERO,
            true,
        );
        let a2 = hosts.intern(
            &Url::parse("http://a.test:80/y").expect("url"),
            Duration::ZERO,
            true,
        );
        assert!(Arc::ptr_eq(&a, &a2));
        let b = hosts.intern(
            &Url::parse("https://a.test/x").expect("url"),
            Duration::ZERO,
            true,
        );
        assert!(!Arc::ptr_eq(&a, &b));
        hosts.wake(&a);
        hosts.wake(&a);
        hosts.wake_at(now, &b);
        hosts.fire_timers(now);
        assert_eq!(hosts.pop_ready().as_deref(), Some(&*a));
        assert_eq!(hosts.pop_ready().as_deref(), Some(&*b));
        assert_eq!(hosts.pop_ready(), None);
    }
}
