//! The messages between the crawl's three rooms: a [`Job`] the schedule hands out and the
//! coordinator sends on the bounded job channel (it is its only sender), exactly one [`Outcome`]
//! back per job on the outcome channel, and the rows of pages robots.txt refuses. It sits beside
//! `engine/`, `schedule/` and `work/` rather than in one of them because all three use it, and it
//! imports none of them. Plain data; nothing here fetches, schedules or writes.

use crate::record::Link;
use crate::record::Validators;
use crate::record::{Entry, Origin, Row};
use crate::robots::RobotsRules;
use crate::url_norm::UrlKey;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// What a sitemap or feed job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Sitemap,
    Feed,
}

/// Where a page's fetch picks up again after a redirect to another origin was handed back to the
/// scheduler (so that origin's robots.txt comes first and its spacing holds).
#[derive(Debug, Clone)]
pub struct Continuation {
    /// The URL to request next (the redirect's target).
    pub url: Url,
    /// The URL whose response redirected there.
    pub from: Url,
    /// That response's status.
    pub status: u16,
    /// Redirects followed so far, over every hop of the page.
    pub hops: usize,
    /// The requests made so far, over every hop of the page (see `download::fetch::request_key`): one
    /// repeated is a redirect loop.
    pub seen: Vec<u64>,
    /// When the page's first request started, and the time its earlier hops took.
    pub started: chrono::DateTime<chrono::Utc>,
    pub elapsed: Duration,
}

impl Continuation {
    /// The row of a page whose redirect led here and robots.txt refuses the target: the last
    /// response it got, no request for the target.
    pub fn refused_row(&self, entry: &Entry) -> Row {
        Row {
            final_url: self.from.to_string(),
            status: Some(self.status),
            fetched_at: self
                .started
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            elapsed_ms: Some(self.elapsed.as_millis() as u64),
            bytes: Some(0),
            error: Some(crate::error::ErrorClass::Robots),
            ..Row::for_entry(entry)
        }
    }
}

/// The row of a queued page robots.txt refuses (`robots`, or `robots_unreachable` when the
/// robots.txt could not be read): nothing was requested.
pub fn refused_row(entry: &Entry, rules: &RobotsRules) -> Row {
    let error = if rules.unreachable() {
        crate::error::ErrorClass::RobotsUnreachable
    } else {
        crate::error::ErrorClass::Robots
    };
    Row {
        error: Some(error),
        ..Row::for_entry(entry)
    }
}

/// A message on the job channel.
#[derive(Debug)]
pub enum Job {
    /// Fetch this page (attempt 0 is the first request; validators make it conditional).
    Fetch {
        origin: Origin,
        entry: Entry,
        attempt: u32,
        validators: Option<Validators>,
        /// The origin's delay: a redirect to the same origin is followed inline only when it is
        /// zero (otherwise the hop goes back to the scheduler like any other origin's).
        gap: Duration,
        /// Set when this job continues a page after a redirect to `origin`.
        resume: Option<Box<Continuation>>,
    },
    /// Fetch the robots.txt of this URL's origin (attempt 0 is the first request).
    Robots {
        origin: Origin,
        url: Url,
        attempt: u32,
    },
    /// Fetch a sitemap or a feed; its pages are offered at `depth` with `parent` = the resource URL.
    Resource {
        origin: Origin,
        kind: ResourceKind,
        url: Url,
        depth: u32,
    },
    /// The sentinel: leave the loop (one is sent per worker, like Python's `None`).
    Stop,
}

impl Job {
    /// The origin a job counts against (`None` for the sentinel).
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Job::Fetch { origin, .. }
            | Job::Robots { origin, .. }
            | Job::Resource { origin, .. } => Some(origin),
            Job::Stop => None,
        }
    }
}

/// What a worker sends back for one page.
#[derive(Debug)]
pub struct PageResult {
    /// The job's entry, returned so the coordinator can account for it.
    pub entry: Entry,
    /// Which attempt this was.
    pub attempt: u32,
    /// The page's row.
    pub row: Row,
    /// Links to offer to the frontier (empty when the page's links are not followed).
    pub follow: Vec<Link>,
    /// Every link on the page, for the edges CSV (empty unless edges are wanted).
    pub edges: Vec<String>,
    /// Feeds the page announces (only for seed pages with `--feeds`).
    pub feeds: Vec<Url>,
    /// Fingerprint of the final URL when a redirect moved the page.
    pub final_key: Option<UrlKey>,
    /// The server's Retry-After.
    pub retry_after: Option<Duration>,
    /// Validators of the final response, for a later conditional GET.
    pub validators: Validators,
    /// The failure in words when no response came (for the summary).
    pub cause: Option<String>,
}

/// One answer per job.
#[derive(Debug)]
pub enum Outcome {
    Page(Origin, Box<PageResult>),
    /// The page redirected to another origin (or, with a delay, to its own): the rest of its
    /// fetch is a new job there. No row yet.
    Redirected {
        origin: Origin,
        entry: Entry,
        attempt: u32,
        validators: Option<Validators>,
        next: Box<Continuation>,
    },
    /// robots.txt is known; `cause` says why it was unreachable when it was.
    Robots {
        origin: Origin,
        rules: Arc<RobotsRules>,
        cause: Option<String>,
        /// Requests made for it (1 + retries).
        tries: u32,
    },
    /// robots.txt failed in a way that may pass: ask again after `wait`.
    RobotsRetry {
        origin: Origin,
        url: Url,
        attempt: u32,
        status: Option<u16>,
        wait: Duration,
    },
    Resource {
        origin: Origin,
        kind: ResourceKind,
        url: Url,
        /// Pages to offer (filtered like links).
        pages: Vec<Link>,
        /// Further sitemaps (from a sitemap index).
        sitemaps: Vec<Url>,
        depth: u32,
    },
    /// The crawl was stopping when a worker took this job: it was not started, and goes back.
    NotStarted(Job),
}
