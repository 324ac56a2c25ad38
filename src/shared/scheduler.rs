//! [`RedisScheduler`]: the [`Schedule`] of a crawl shared by many processes. The frontier, the
//! seen-set, per-host politeness, robots.txt verdicts, leases and the termination counters live
//! in Redis (see `frontier.lua`); each call of the interface is one script call (one round
//! trip). What a process keeps for itself: the answers and resources it has not sent yet (they
//! travel with its next call), the robots.txt rules it has met (to check pages and to let its
//! workers follow redirects), and the keys it has offered (so a link it already sent is not sent
//! again).
//!
//! Invariants:
//! - Every job it hands out holds a lease in Redis under an id made from the job (`p:` + the
//!   page's key, `r:` + the origin for robots.txt, `s:` + the resource's key), and every answer,
//!   completion, retry, hand-over or take-back names that id. A call for a lease that is no
//!   longer this process's does nothing, and a completion then comes back `Dropped`: each page
//!   gets exactly one row in the whole crawl.
//! - It reads no clock for scheduling: Redis's `TIME` is the one clock of the crawl; the moments
//!   it reports are turned into local instants at the reply.
//! - `is_done` is the last reply's word: the script ends the run (and says so to every process)
//!   when nothing is queued, leased or waiting. After the run ends every call does nothing.
//! - After the store is lost for longer than `--redis-timeout`, no call is made any more and
//!   `failure` reports it once.

use super::codec::{self, LinkJson, PageJson, ResourceJson, ValidatorsJson, VerdictJson};
use super::store::Store;
use super::waker::Waker;
use crate::crawl::jobs::{Job, ResourceKind};
use crate::crawl::schedule::{Answered, Completion, Counts, Finished, Next, Schedule, Verdict};
use crate::crawl::work::RobotsCache;
use crate::error::CrawlError;
use crate::error::SharedError;
use crate::record::origin_key;
use crate::record::Link;
use crate::record::Validators;
use crate::record::{Entry, Origin, Row};
use crate::robots::RobotsRules;
use crate::url_norm::UrlKey;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// An idle process looks at the frontier again at least this often, in case a wake-up message
/// was lost (while its subscription reconnected, say).
const LOOK_AGAIN: Duration = Duration::from_secs(5);

/// The reply every operation ends with (see `status` in the script).
#[derive(Debug, Clone, Default)]
struct Status {
    done: bool,
    queued: u64,
    /// The earliest moment a host becomes ready, and the earliest lease deadline.
    wake_at: Option<Instant>,
    lease_at: Option<Instant>,
    seen: u64,
    /// A `--restart` gave the run up (said by the reply of a run that is over).
    given_up: bool,
    at: Option<Instant>,
}

/// A script reply: kind, payload, status, two extras, and the next job a completion brought
/// (kind, payload, two extras; empty when none).
type Reply = (
    String,
    String,
    Vec<i64>,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// The shared scheduler of one process.
pub struct RedisScheduler {
    store: Store,
    run: String,
    token: String,
    lease_ms: u64,
    robots_on: bool,
    cache: Arc<RobotsCache>,
    rules: HashMap<Origin, Arc<RobotsRules>>,
    origins: HashSet<Origin>,
    /// Keys this process offered (or met as final URLs), with the depth offered at.
    offered: HashMap<UrlKey, u32, crate::url_norm::BuildKeyHasher>,
    answers: Vec<Value>,
    resources: Vec<ResourceJson>,
    status: Status,
    counts: Counts,
    /// The `now` of the loop's last call (retry moments are relative to it).
    now: Instant,
    waker: Option<Waker>,
    failure: Option<CrawlError>,
    failed: bool,
    /// The next jobs completions brought (each for the worker that finished the page), sent
    /// before anything else is asked for.
    prefetched: std::collections::VecDeque<Next>,
    /// The crawl is stopping: no job is asked for with a completion.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl RedisScheduler {
    /// The scheduler of a process that joined (or seeded) `run` with lease token `token`.
    pub fn new(
        mut store: Store,
        run: String,
        token: String,
        config: &crate::config::Config,
        cache: Arc<RobotsCache>,
        stopping: Arc<std::sync::atomic::AtomicBool>,
    ) -> RedisScheduler {
        store.stop_on(stopping.clone());
        let waker = Waker::start(store.client(), format!("{}wake", store.prefix));
        RedisScheduler {
            store,
            run,
            token,
            lease_ms: lease(config.timeout).as_millis() as u64,
            robots_on: config.robots,
            cache,
            rules: HashMap::new(),
            origins: HashSet::new(),
            offered: HashMap::default(),
            answers: Vec::new(),
            resources: Vec::new(),
            status: Status::default(),
            counts: Counts::default(),
            now: Instant::now(),
            waker: Some(waker),
            failure: None,
            failed: false,
            prefetched: std::collections::VecDeque::new(),
            stopping,
        }
    }

    fn intern(&mut self, origin: &str) -> Origin {
        if let Some(o) = self.origins.get(origin) {
            return o.clone();
        }
        let o: Origin = Arc::from(origin);
        self.origins.insert(o.clone());
        o
    }

    /// One script call; `None` once the store is lost (the failure is kept for the loop).
    fn call(&mut self, op: &str, arg: Value, bytes: &[u8]) -> Option<Reply> {
        if self.failed {
            return None;
        }
        let json = arg.to_string();
        let result: Result<Reply, SharedError> =
            self.store.call(op, &self.run, &self.token, &json, bytes);
        match result {
            Ok(reply) => {
                self.read_status(&reply.2);
                Some(reply)
            }
            Err(e) => {
                self.failed = true;
                if !matches!(e, SharedError::Stopped { .. }) {
                    self.failure = Some(CrawlError::Shared(e));
                }
                None
            }
        }
    }

    fn read_status(&mut self, s: &[i64]) {
        let at = Instant::now();
        let get = |i: usize| s.get(i).copied().unwrap_or(0);
        let later = |ms: i64| (ms >= 0).then(|| at + Duration::from_millis(ms as u64));
        self.status = Status {
            done: get(0) == 1,
            queued: get(1).max(0) as u64,
            wake_at: later(get(2)),
            lease_at: later(get(3)),
            seen: get(7).max(0) as u64,
            given_up: get(8) == 1,
            at: Some(at),
        };
    }

    /// What the next call carries besides its own arguments: the buffered answers and resources.
    fn with_buffered(&mut self, mut arg: Value) -> Value {
        arg["answers"] = Value::Array(std::mem::take(&mut self.answers));
        let resources = std::mem::take(&mut self.resources);
        arg["resources"] = serde_json::to_value(resources).unwrap_or(Value::Null);
        arg
    }

    /// The rules of `origin`: known here, or as another process stored them (one more call, once
    /// per origin); they are also given to the workers' cache for redirect hops.
    fn rules_for(&mut self, origin: &Origin) -> Arc<RobotsRules> {
        if !self.robots_on {
            return Arc::new(RobotsRules::allow_all());
        }
        if let Some(r) = self.rules.get(origin) {
            return r.clone();
        }
        let arg = json!({ "o": origin.as_ref() });
        let got: Option<(String, Vec<u8>)> = if self.failed {
            None
        } else {
            match self
                .store
                .call("robots_of", &self.run, &self.token, &arg.to_string(), b"")
            {
                Ok(v) => Some(v),
                Err(e) => {
                    self.failed = true;
                    if !matches!(e, SharedError::Stopped { .. }) {
                        self.failure = Some(CrawlError::Shared(e));
                    }
                    None
                }
            }
        };
        let rules = match got {
            Some((verdict, body)) if !verdict.is_empty() => {
                match serde_json::from_str::<VerdictJson>(&verdict) {
                    Ok(v) => codec::rules_of(&v, body, self.cache.user_agent()),
                    Err(_) => RobotsRules::unreachable_rules(),
                }
            }
            // No verdict stored for a host the script calls ready: robots.txt is not used.
            _ => RobotsRules::allow_all(),
        };
        let rules = Arc::new(rules);
        self.cache.insert(origin, rules.clone());
        self.rules.insert(origin.clone(), rules.clone());
        rules
    }

    fn page_job(&mut self, payload: &str, gap_ms: &str, known: &str) -> Option<Next> {
        let p: PageJson = serde_json::from_str(payload).ok()?;
        let url = Url::parse(&p.u).ok()?;
        let key = codec::unhex(&p.k)?;
        let origin = self.intern(&p.o);
        let entry = Entry {
            url,
            key,
            depth: p.d,
            parent: (!p.p.is_empty()).then(|| Arc::from(p.p.as_str())),
        };
        let resume = p.c.as_ref().and_then(|c| c.decode()).map(Box::new);
        if p.g == 1 {
            // Its host was given up: a row, no request (not counted as requested).
            self.counts.gave_up.insert(origin.to_string());
            let row = Row {
                error: Some(crate::error::ErrorClass::HostGaveUp),
                ..Row::for_entry(&entry)
            };
            return Some(self.refuse_with(entry, false, row, p.a));
        }
        match (&resume, p.a) {
            (None, 0) => self.counts.requested += 1,
            (None, _) => self.counts.retries += 1,
            _ => {}
        }
        let rules = self.rules_for(&origin);
        let target = resume.as_ref().map_or(&entry.url, |c| &c.url);
        if !rules.allowed(target) {
            return Some(self.refuse(entry, resume.as_deref(), &rules, p.a));
        }
        let validators = match p.v {
            Some(v) => Some(Validators::from(v)),
            None if p.a == 0 && !known.is_empty() => serde_json::from_str::<ValidatorsJson>(known)
                .ok()
                .map(Validators::from)
                .filter(|v| v.etag.is_some() || v.last_modified.is_some()),
            None => None,
        };
        Some(Next::Job(Job::Fetch {
            origin,
            entry,
            attempt: p.a,
            validators,
            gap: Duration::from_millis(gap_ms.parse().unwrap_or(0)),
            resume,
        }))
    }

    /// A page robots.txt refuses: its row, recorded as done in Redis by [`Schedule::refused`]
    /// once the loop has written it.
    fn refuse(
        &mut self,
        entry: Entry,
        resume: Option<&crate::crawl::jobs::Continuation>,
        rules: &RobotsRules,
        attempt: u32,
    ) -> Next {
        let row = match resume {
            Some(c) => c.refused_row(&entry),
            None => crate::crawl::jobs::refused_row(&entry, rules),
        };
        self.refuse_with(entry, resume.is_none(), row, attempt)
    }

    /// A page finished without a request (`row`): the loop writes it, then records it as done in
    /// Redis through [`Schedule::refused`] (a row reaches the file before its page counts as
    /// done anywhere else).
    fn refuse_with(&mut self, entry: Entry, fresh: bool, row: Row, attempt: u32) -> Next {
        if fresh && attempt == 0 {
            self.counts.requested = self.counts.requested.saturating_sub(1);
        }
        Next::Row(entry.key, row)
    }

    /// The job (or robots row) a reply hands out.
    fn job_of(&mut self, kind: &str, payload: &str, extra: &str, extra2: &str) -> Next {
        match kind {
            "robots" => {
                let Ok(r) = serde_json::from_str::<codec::RobotsJson>(payload) else {
                    return Next::Nothing;
                };
                let Ok(url) = Url::parse(&r.u) else {
                    return Next::Nothing;
                };
                self.counts.resources += 1;
                if r.a > 0 {
                    self.counts.retries += 1;
                }
                Next::Job(Job::Robots {
                    origin: self.intern(&r.o),
                    url,
                    attempt: r.a,
                })
            }
            "resource" => {
                let Ok(r) = serde_json::from_str::<ResourceJson>(payload) else {
                    return Next::Nothing;
                };
                let Ok(url) = Url::parse(&r.u) else {
                    return Next::Nothing;
                };
                self.counts.resources += 1;
                let origin = self.intern(&r.o);
                // The workers check a resource's URL against the rules they know.
                self.rules_for(&origin);
                Next::Job(Job::Resource {
                    origin,
                    kind: r.kind(),
                    url,
                    depth: r.depth,
                })
            }
            "page" => self
                .page_job(payload, extra, extra2)
                .unwrap_or(Next::Nothing),
            _ => Next::Nothing,
        }
    }

    /// The links not sent yet at this depth or less (the rest would change nothing).
    fn unsent(&mut self, links: Vec<Link>, depth: u32) -> Vec<LinkJson> {
        let mut send = Vec::new();
        for link in links {
            if self.offered.get(&link.key).is_some_and(|&d| d <= depth) {
                continue;
            }
            self.offered.insert(link.key, depth);
            send.push(LinkJson {
                k: codec::hex(link.key),
                o: origin_key(&link.url),
                u: link.url.into(),
            });
        }
        send
    }

    fn lease_id(&self, origin: &Origin, job: Answered<'_>) -> String {
        match job {
            Answered::Page(e) => page_id(e.key),
            Answered::Robots => format!("r:{origin}"),
            Answered::Resource(url) => format!("s:{}", codec::hex(crate::url_norm::key(url))),
        }
    }
}

impl Drop for RedisScheduler {
    /// A job a completion brought and nobody started goes back to the frontier at once (not
    /// when its lease expires).
    fn drop(&mut self) {
        while let Some(next) = self.prefetched.pop_front() {
            match next {
                Next::Job(job) => self.take_back(job),
                // A refused page whose row was never written: as if never handed out.
                Next::Row(key, _) => {
                    let arg = self.with_buffered(json!({ "ids": [page_id(key)] }));
                    self.call("take_back", arg, b"");
                }
                Next::Nothing => {}
            }
        }
    }
}

/// The script's verdict on a row: `write known_before duplicate`, each `1` or `0`.
fn verdict_of(text: &str) -> Verdict {
    let flags: Vec<&str> = text.split(' ').collect();
    Verdict {
        write: flags.first() == Some(&"1"),
        known_before: flags.get(1) == Some(&"1"),
        duplicate: flags.get(2) == Some(&"1"),
    }
}

fn page_id(key: UrlKey) -> String {
    format!("p:{}", codec::hex(key))
}

/// How long a job stays this process's: twice `--timeout` (a job never takes longer than one,
/// redirect hops included; the second is to spare on a loaded machine) plus the most grace a
/// stop gives (5 s).
pub fn lease(timeout: Duration) -> Duration {
    timeout * 2 + LEASE_SPARE
}

/// What a lease has beyond two `--timeout`s.
pub const LEASE_SPARE: Duration = Duration::from_secs(5);

impl Schedule for RedisScheduler {
    fn offer(
        &mut self,
        links: Vec<Link>,
        depth: u32,
        parent: Option<Arc<str>>,
        _mirror: bool,
    ) -> Vec<Entry> {
        let send = self.unsent(links, depth);
        if send.is_empty() {
            return Vec::new();
        }
        let arg = json!({
            "links": send,
            "depth": depth,
            "parent": parent.as_deref().unwrap_or(""),
        });
        let arg = self.with_buffered(arg);
        self.call("offer", arg, b"");
        Vec::new()
    }

    fn add_resource(&mut self, kind: ResourceKind, url: Url, depth: u32) {
        self.resources.push(ResourceJson::new(kind, &url, depth));
    }

    fn next(&mut self, now: Instant, worker_free: bool) -> Next {
        self.now = now;
        // A job is taken only for a worker free to start it: a process never holds work another
        // could do, and a lease's time starts with its request, not in the job channel.
        if self.status.done || !worker_free {
            // A job a completion brought waits here for its worker; a row needs none.
            if matches!(self.prefetched.front(), Some(Next::Row(..))) {
                return self.prefetched.pop_front().unwrap_or(Next::Nothing);
            }
            return Next::Nothing;
        }
        if let Some(next) = self.prefetched.pop_front() {
            return next;
        }
        let arg = json!({ "worker_free": true, "lease": self.lease_ms });
        let arg = self.with_buffered(arg);
        let Some((kind, payload, _, extra, extra2, ..)) = self.call("take", arg, b"") else {
            return Next::Nothing;
        };
        self.job_of(&kind, &payload, &extra, &extra2)
    }

    fn next_wake(&self) -> Option<Instant> {
        if self.status.done || self.failed {
            return None;
        }
        let again = self.status.at.unwrap_or(self.now) + LOOK_AGAIN;
        [self.status.wake_at, self.status.lease_at, Some(again)]
            .into_iter()
            .flatten()
            .min()
    }

    fn answered(
        &mut self,
        origin: &Origin,
        job: Answered<'_>,
        status: Option<u16>,
        retry_after: Option<Duration>,
        now: Instant,
    ) {
        self.now = now;
        let mut a = json!({ "id": self.lease_id(origin, job) });
        if let Some(s) = status {
            a["s"] = json!(s);
        }
        if let Some(r) = retry_after {
            a["ra"] = json!(r.as_millis() as u64);
        }
        self.answers.push(a);
    }

    fn robots_known(&mut self, origin: &Origin, rules: Arc<RobotsRules>) {
        self.rules.insert(origin.clone(), rules.clone());
        self.cache.insert(origin, rules.clone());
        let (verdict, body) = codec::verdict(&rules);
        let sitemaps: Vec<ResourceJson> = rules
            .sitemaps()
            .iter()
            .map(|u| ResourceJson::new(ResourceKind::Sitemap, u, 1))
            .collect();
        let mut arg = json!({
            "o": origin.as_ref(),
            "verdict": serde_json::to_string(&verdict).unwrap_or_default(),
            "sitemaps": sitemaps,
        });
        if let Some(d) = rules.crawl_delay() {
            arg["delay"] = json!(d.as_millis() as u64);
        }
        let arg = self.with_buffered(arg);
        self.call("robots", arg, &body);
    }

    fn robots_later(&mut self, origin: &Origin, _url: Url, attempt: u32, due: Instant) {
        let due_in = due.saturating_duration_since(self.now).as_millis() as u64;
        let arg = json!({ "o": origin.as_ref(), "attempt": attempt, "due_in": due_in });
        let arg = self.with_buffered(arg);
        self.call("robots_later", arg, b"");
    }

    fn complete(&mut self, page: Finished<'_>) -> Completion {
        let row = page.row;
        let mut arg = json!({
            "id": page_id(page.entry.key),
            "row": codec::row_json(row),
            "requested": true,
            "validators": serde_json::to_string(&ValidatorsJson::from(page.validators))
                .unwrap_or_default(),
            "links": self.unsent(page.follow, page.entry.depth + 1),
            "depth": page.entry.depth + 1,
            "parent": row.url,
            // The worker that finished the page is free: its next job comes with the answer.
            "take": !self.stopping.load(std::sync::atomic::Ordering::SeqCst),
            "lease": self.lease_ms,
            "worker_free": true,
        });
        if let Some(s) = row.status {
            arg["status"] = json!(s);
        }
        if let (Some(k), Ok(url)) = (page.final_key, Url::parse(&row.final_url)) {
            self.offered.insert(k, 0);
            arg["final"] = json!({ "k": codec::hex(k), "o": origin_key(&url) });
        }
        if let Some(d) = &row.dedup_key {
            arg["dedup"] = json!(codec::hex(crate::url_norm::key_of_canonical(d)));
        }
        for feed in page.feeds {
            self.resources.push(ResourceJson::new(
                ResourceKind::Feed,
                &feed,
                page.entry.depth + 1,
            ));
        }
        let arg = self.with_buffered(arg);
        match self.call("complete", arg, b"") {
            Some((kind, final_new, _, verdict, _, nk, np, ne, ne2)) if kind == "completed" => {
                if !nk.is_empty() {
                    let next = self.job_of(&nk, &np, &ne, &ne2);
                    if !matches!(next, Next::Nothing) {
                        self.prefetched.push_back(next);
                    }
                }
                Completion::Done {
                    final_new: final_new == "1",
                    verdict: Some(verdict_of(&verdict)),
                    queued: Vec::new(),
                }
            }
            _ => Completion::Dropped,
        }
    }

    fn refused(&mut self, key: UrlKey, row: &crate::record::Row) -> Completion {
        let arg = json!({ "id": page_id(key), "row": codec::row_json(row) });
        let arg = self.with_buffered(arg);
        match self.call("refuse", arg, b"") {
            Some((kind, _, _, verdict, ..)) if kind == "completed" => Completion::Done {
                final_new: false,
                verdict: Some(verdict_of(&verdict)),
                queued: Vec::new(),
            },
            _ => Completion::Dropped,
        }
    }

    fn completes_elsewhere(&self) -> bool {
        true
    }

    fn retry_later(&mut self, entry: Entry, attempt: u32, due: Instant) {
        let due_in = due.saturating_duration_since(self.now).as_millis() as u64;
        let arg = json!({ "id": page_id(entry.key), "attempt": attempt, "due_in": due_in });
        let arg = self.with_buffered(arg);
        self.call("retry", arg, b"");
    }

    fn hand_over(
        &mut self,
        entry: Entry,
        attempt: u32,
        validators: Option<Validators>,
        next: crate::crawl::jobs::Continuation,
    ) {
        let mut arg = json!({
            "id": page_id(entry.key),
            "o": origin_key(&next.url),
            "sample": next.url.as_str(),
            "c": codec::ContinuationJson::from(&next),
            "attempt": attempt,
        });
        if let Some(v) = &validators {
            arg["v"] = json!(ValidatorsJson::from(v));
        }
        let arg = self.with_buffered(arg);
        self.call("handover", arg, b"");
    }

    fn take_back(&mut self, job: Job) {
        let id = match &job {
            Job::Fetch {
                entry,
                attempt,
                resume,
                ..
            } => {
                match (resume, attempt) {
                    (None, 0) => self.counts.requested = self.counts.requested.saturating_sub(1),
                    (None, _) => self.counts.retries = self.counts.retries.saturating_sub(1),
                    _ => {}
                }
                page_id(entry.key)
            }
            Job::Robots {
                origin, attempt, ..
            } => {
                self.counts.resources = self.counts.resources.saturating_sub(1);
                if *attempt > 0 {
                    self.counts.retries = self.counts.retries.saturating_sub(1);
                }
                format!("r:{origin}")
            }
            Job::Resource { url, .. } => {
                self.counts.resources = self.counts.resources.saturating_sub(1);
                format!("s:{}", codec::hex(crate::url_norm::key(url)))
            }
            Job::Stop => return,
        };
        let arg = self.with_buffered(json!({ "ids": [id] }));
        self.call("take_back", arg, b"");
    }

    fn is_done(&self) -> bool {
        self.status.done
    }

    fn queued(&self) -> usize {
        self.status.queued as usize
    }

    fn is_seen(&self, key: UrlKey) -> bool {
        self.offered.contains_key(&key)
    }

    fn mark_seen(&mut self, key: UrlKey) -> bool {
        self.offered.insert(key, 0).is_none()
    }

    fn seen_len(&self) -> usize {
        self.status.seen as usize
    }

    fn counts(&self) -> &Counts {
        &self.counts
    }

    fn given_up(&self) -> bool {
        self.status.given_up
    }

    fn waker(&self) -> Option<crossbeam_channel::Receiver<()>> {
        self.waker.as_ref().map(Waker::receiver)
    }

    fn failure(&mut self) -> Option<CrawlError> {
        self.failure.take()
    }
}
