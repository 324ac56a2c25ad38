//! A worker: receives jobs from the bounded job channel, fetches (a page, a robots.txt, a sitemap
//! or a feed), extracts, and sends exactly one outcome per job back to the coordinator, panics
//! included. It never sends into the job channel (that is the coordinator's alone), never writes
//! output and never sleeps to be polite (waiting is the scheduler's job). It leaves its loop on
//! the `Stop` sentinel, or when the job channel is gone.

use super::clock::HostClock;
use super::filter::LinkFilter;
use super::frontier::{Entry, Origin};
use super::link_memo::LinkMemo;
use super::page_links;
use super::robots_cache::RobotsCache;
use crate::charset;
use crate::discover::{feeds, sitemap};
use crate::error::ErrorClass;
use crate::extract;
use crate::fetch::{Fetcher, Validators, Want};
use crate::output::Row;
use crate::robots::RobotsRules;
use crate::url_norm::{self, UrlKey};
use crossbeam_channel::{Receiver, Sender};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// At most this much of a sitemap or feed is read (before gzip decompression).
pub const RESOURCE_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// What a sitemap or feed job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Sitemap,
    Feed,
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
        /// Least gap after the previous request start to this origin.
        gap: Duration,
    },
    /// Fetch the robots.txt of this URL's origin.
    Robots {
        origin: Origin,
        url: Url,
        gap: Duration,
    },
    /// Fetch a sitemap or a feed; its pages are offered at `depth` with `parent` = the resource URL.
    Resource {
        origin: Origin,
        kind: ResourceKind,
        url: Url,
        depth: u32,
        gap: Duration,
    },
    /// The sentinel: leave the loop (one is sent per worker, like Python's `None`).
    Stop,
}

/// A link to follow, already resolved, filtered and fingerprinted by the worker.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: Url,
    pub key: UrlKey,
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
}

/// One answer per job.
#[derive(Debug)]
pub enum Outcome {
    Page(Origin, Box<PageResult>),
    Robots(Origin, Arc<RobotsRules>),
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
}

/// What every worker shares, read-only.
pub struct WorkerContext {
    pub fetcher: Fetcher,
    pub filter: LinkFilter,
    pub robots: RobotsCache,
    pub clock: HostClock,
    pub max_depth: u32,
    pub want_edges: bool,
    pub want_feeds: bool,
    /// Link resolutions already made in this crawl (see `link_memo`).
    pub memo: LinkMemo,
}

/// The worker loop.
pub fn run(jobs: Receiver<Job>, results: Sender<Outcome>, ctx: &WorkerContext) {
    while let Ok(job) = jobs.recv() {
        let outcome = match job {
            Job::Stop => break,
            Job::Fetch {
                origin,
                entry,
                attempt,
                validators,
                gap,
            } => {
                ctx.clock.start(&origin, gap);
                let page = catch_unwind(AssertUnwindSafe(|| {
                    process(&entry, attempt, validators.as_ref(), ctx)
                }))
                .unwrap_or_else(|_| panicked(entry, attempt));
                Outcome::Page(origin, Box::new(page))
            }
            Job::Robots { origin, url, gap } => {
                ctx.clock.start(&origin, gap);
                let rules = catch_unwind(AssertUnwindSafe(|| ctx.robots.rules(&url, &ctx.fetcher)))
                    .unwrap_or_else(|_| Arc::new(RobotsRules::allow_all()));
                Outcome::Robots(origin, rules)
            }
            Job::Resource {
                origin,
                kind,
                url,
                depth,
                gap,
            } => {
                ctx.clock.start(&origin, gap);
                let (pages, sitemaps) =
                    catch_unwind(AssertUnwindSafe(|| resource(kind, &url, ctx)))
                        .unwrap_or_default();
                Outcome::Resource {
                    origin,
                    kind,
                    url,
                    pages,
                    sitemaps,
                    depth,
                }
            }
        };
        if results.send(outcome).is_err() {
            break;
        }
    }
}

/// Fetch and extract one page.
pub fn process(
    entry: &Entry,
    attempt: u32,
    validators: Option<&Validators>,
    ctx: &WorkerContext,
) -> PageResult {
    let hop_ok = |u: &Url| {
        if !ctx.filter.in_scope(u) {
            Some(ErrorClass::OffScope)
        } else if !ctx.robots.allowed(u, &ctx.fetcher) {
            Some(ErrorClass::Robots)
        } else {
            None
        }
    };
    let fetched = ctx
        .fetcher
        .fetch_with(&entry.url, &hop_ok, Want::Html, validators);
    tracing::debug!(
        url = %entry.url,
        status = ?fetched.status,
        error = ?fetched.error,
        bytes = fetched.bytes,
        ms = fetched.elapsed.as_millis() as u64,
        "fetched"
    );
    let mut row = Row {
        url: entry.url.to_string(),
        final_url: fetched.final_url.to_string(),
        depth: entry.depth,
        parent: entry.parent.as_deref().unwrap_or("").to_owned(),
        status: fetched.status,
        content_type: fetched.content_type,
        bytes: Some(fetched.bytes),
        elapsed_ms: Some(fetched.elapsed.as_millis() as u64),
        fetched_at: fetched
            .started
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        error: fetched.error,
        ..Row::default()
    };
    let mut follow = Vec::new();
    let mut edges = Vec::new();
    let mut feeds_found = Vec::new();
    if let Some(body) = fetched.body {
        let ct = (!row.content_type.is_empty()).then_some(row.content_type.as_str());
        let (text, encoding) = charset::decode_html_owned(body, ct);
        row.encoding = encoding.name().to_owned();
        if ctx.want_feeds && entry.depth == 0 {
            feeds_found = feeds::discover(&text, &fetched.final_url);
        }
        let followed = entry.depth < ctx.max_depth && fetched.status.is_some_and(|s| s < 400);
        let page = if ctx.want_edges || row.error.is_some() {
            // Every link by name (edges), or a failed page whose links the coordinator may drop
            // for a retry: resolve every href, and leave the memo's record of sent links alone.
            let page = extract::extract(&text, &fetched.final_url);
            if ctx.want_edges {
                edges = page.links.iter().map(Url::to_string).collect();
            }
            page_links::from_extracted(page, followed, &ctx.filter)
        } else {
            let link_depth = followed.then_some(entry.depth + 1);
            page_links::read(
                &text,
                &fetched.final_url,
                link_depth,
                &ctx.filter,
                &ctx.memo,
            )
        };
        row.title = page.title;
        row.links = Some(page.count);
        follow = page.follow;
    }
    let final_key = (fetched.final_url != entry.url).then(|| url_norm::key(&fetched.final_url));
    PageResult {
        entry: entry.clone(),
        attempt,
        row,
        follow,
        edges,
        feeds: feeds_found,
        final_key,
        retry_after: fetched.retry_after,
        validators: Validators {
            etag: fetched.etag,
            last_modified: fetched.last_modified,
        },
    }
}

/// Fetch and parse a sitemap or a feed: the pages it lists that may be followed, and (for a
/// sitemap index) the further sitemaps it names.
// Never inlined into the worker loop: a gzip sitemap's decoder state gives this function a ~52 KB
// stack frame, and inlined into `run` it made every worker thread touch that much stack on entry
// (the probes of a large frame write each of its pages): 7 MB of RSS at 128 workers, in crawls
// that never read a sitemap.
#[inline(never)]
fn resource(kind: ResourceKind, url: &Url, ctx: &WorkerContext) -> (Vec<Link>, Vec<Url>) {
    if !ctx.robots.allowed(url, &ctx.fetcher) {
        return (Vec::new(), Vec::new());
    }
    let fetched = ctx.fetcher.fetch_resource(url, RESOURCE_MAX_BYTES);
    tracing::debug!(url = %url, status = ?fetched.status, ?kind, "resource");
    let Some(body) = fetched
        .body
        .filter(|_| fetched.status.is_some_and(|s| s < 300))
    else {
        return (Vec::new(), Vec::new());
    };
    let (pages, sitemaps) = match kind {
        ResourceKind::Sitemap => {
            let map = sitemap::parse(&body, &fetched.final_url);
            (map.pages, map.sitemaps)
        }
        ResourceKind::Feed => (feeds::parse(&body, &fetched.final_url), Vec::new()),
    };
    let links = pages
        .into_iter()
        .filter(|u| ctx.filter.follow(u))
        .map(|url| Link {
            key: url_norm::key(&url),
            url,
        })
        .collect();
    (links, sitemaps)
}

/// The answer for a job whose processing panicked: the coordinator still gets its one result.
fn panicked(entry: Entry, attempt: u32) -> PageResult {
    let row = Row {
        url: entry.url.to_string(),
        depth: entry.depth,
        parent: entry.parent.as_deref().unwrap_or("").to_owned(),
        error: Some(ErrorClass::Panic),
        ..Row::default()
    };
    PageResult {
        entry,
        attempt,
        row,
        follow: Vec::new(),
        edges: Vec::new(),
        feeds: Vec::new(),
        final_key: None,
        retry_after: None,
        validators: Validators::default(),
    }
}
