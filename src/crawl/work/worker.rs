//! A worker: receives jobs from the bounded job channel, fetches (a page, a robots.txt, a sitemap
//! or a feed), extracts, and sends exactly one outcome per job back to the coordinator, panics
//! included. It never sends into the job channel (that is the coordinator's alone), never writes
//! output and never sleeps on a clock (the scheduler owns time): it waits only for a job, the
//! network, and room in the body budget (at most half its `--timeout`). Once the crawl is stopping it starts no
//! request: a job taken then goes back unstarted, and a redirect hop goes back to the
//! coordinator instead of being followed. A redirect to another origin (or to its own when that
//! origin has a delay) is handed back too, so that origin's robots.txt and spacing come first.
//! It leaves its loop on the `Stop` sentinel, or when the job channel is gone.

use super::filter::LinkFilter;
use super::link_memo::LinkMemo;
use super::page_links;
pub use super::page_meta::PageMeta;
use super::robots_cache::{RobotsAnswer, RobotsCache};
use crate::article::TextFormat;
use crate::crawl::jobs::{Continuation, Job, Outcome, PageResult, ResourceKind};
use crate::discover::{feeds, sitemap};
use crate::download::decode_html_owned;
use crate::download::{Fetched, Fetcher, Hop, Validators, Want};
use crate::error::ErrorClass;
use crate::extract;
use crate::meta::DateSource;
use crate::record::Link;
use crate::record::{self, Entry, Origin, Row};
use crate::robots::RobotsRules;
use crate::url_norm;
use crossbeam_channel::{Receiver, Sender};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// At most this much of a sitemap or feed is read (before gzip decompression).
pub const RESOURCE_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// What every worker shares. Settings are read-only; the caches in it (link memo, robots.txt
/// rules, sitemap and feed dates) and the fetcher's body budget are synchronized inside.
pub struct WorkerContext {
    pub fetcher: Fetcher,
    pub filter: LinkFilter,
    pub robots: Arc<RobotsCache>,
    pub max_depth: u32,
    pub want_edges: bool,
    pub want_feeds: bool,
    /// Link resolutions already made in this crawl (see `link_memo`).
    pub memo: LinkMemo,
    /// `--meta`: the metadata columns are built (see `page_meta`).
    pub meta: Option<PageMeta>,
    /// `--text`: the article's text is extracted, in this form, from the page's DOM (also read for its links).
    pub text: Option<TextFormat>,
    /// Set when the crawl stops: no request starts after it.
    pub stopping: Arc<AtomicBool>,
    /// The robots product token whose page directives (robots meta, `X-Robots-Tag`) are obeyed;
    /// `None` with `--ignore-robots`.
    pub robots_token: Option<String>,
    /// When a failed robots.txt is tried again (`--retries`, `--max-retry-after`).
    pub retry: super::retry::RetryRules,
}

impl WorkerContext {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// A redirect of robots.txt, a sitemap or a feed is followed inline, but not once the crawl
    /// is stopping (the fetch then ends as a failed one).
    fn resource_hop(&self) -> Hop {
        if self.stopping() {
            Hop::Refuse(ErrorClass::Request)
        } else {
            Hop::Follow
        }
    }
}

/// The worker loop.
pub fn run(jobs: Receiver<Job>, results: Sender<Outcome>, ctx: &WorkerContext) {
    while let Ok(job) = jobs.recv() {
        if matches!(job, Job::Stop) {
            break;
        }
        // The last look at the stop before this job's first request.
        let outcome = if ctx.stopping() {
            Outcome::NotStarted(job)
        } else {
            perform(job, ctx)
        };
        if results.send(outcome).is_err() {
            break;
        }
    }
}

fn perform(job: Job, ctx: &WorkerContext) -> Outcome {
    match job {
        Job::Fetch {
            origin,
            entry,
            attempt,
            validators,
            gap,
            resume,
        } => {
            admit(&entry, ctx);
            let fetched = catch_unwind(AssertUnwindSafe(|| {
                fetch_page(
                    &origin,
                    &entry,
                    validators.as_ref(),
                    gap,
                    resume.as_deref(),
                    ctx,
                )
            }));
            match fetched {
                Ok(f) => match f.handed_back.clone() {
                    Some(next) => Outcome::Redirected {
                        origin,
                        next: Box::new(Continuation {
                            url: next,
                            status: f.status.unwrap_or(0),
                            from: f.final_url,
                            hops: f.hops,
                            seen: f.seen,
                            started: f.started,
                            elapsed: f.elapsed,
                        }),
                        entry,
                        attempt,
                        validators,
                    },
                    None => {
                        if is_seed(&entry) && f.status.is_some_and(|s| s < 400) {
                            widen(&f.final_url, "a seed redirected there", ctx);
                        }
                        let page =
                            catch_unwind(AssertUnwindSafe(|| process(&entry, attempt, f, ctx)))
                                .unwrap_or_else(|_| panicked(entry, attempt));
                        Outcome::Page(origin, Box::new(page))
                    }
                },
                Err(_) => Outcome::Page(origin, Box::new(panicked(entry, attempt))),
            }
        }
        Job::Robots {
            origin,
            url,
            attempt,
        } => {
            let hop = |_: &Url| ctx.resource_hop();
            let retry = |f: &Fetched| {
                let wait = super::retry::wait(ctx.retry, attempt, f.error, f.status, f.retry_after);
                wait.filter(|_| !ctx.stopping())
            };
            let answer = catch_unwind(AssertUnwindSafe(|| {
                ctx.robots.fetch(&url, &ctx.fetcher, &hop, &retry)
            }))
            .unwrap_or_else(|_| RobotsAnswer::Known {
                rules: Arc::new(RobotsRules::unreachable_rules()),
                cause: Some("trawl's robots.txt reader failed".into()),
            });
            match answer {
                RobotsAnswer::Known { rules, cause } => Outcome::Robots {
                    origin,
                    rules,
                    cause,
                    tries: attempt + 1,
                },
                RobotsAnswer::Retry { wait, status, .. } => Outcome::RobotsRetry {
                    origin,
                    url,
                    attempt,
                    status,
                    wait,
                },
            }
        }
        Job::Resource {
            origin,
            kind,
            url,
            depth,
        } => {
            let (pages, sitemaps) =
                catch_unwind(AssertUnwindSafe(|| resource(kind, &url, ctx))).unwrap_or_default();
            Outcome::Resource {
                origin,
                kind,
                url,
                pages,
                sitemaps,
                depth,
            }
        }
        Job::Stop => unreachable!("the sentinel is handled by the loop"),
    }
}

/// A seed (depth 0, found on no page): its redirect chain may widen the scope.
fn is_seed(entry: &Entry) -> bool {
    entry.depth == 0 && entry.parent.is_none()
}

/// Bring `url`'s host into the scope; the link memo forgets what it judged under the old one.
fn widen(url: &Url, why: &str, ctx: &WorkerContext) {
    if ctx.filter.widen(url) {
        ctx.memo.forget_judgements();
        tracing::info!(host = url.host_str().unwrap_or(""), "in scope now: {why}");
    }
}

/// The frontier holds only URLs in the crawl's scope, so a page handed out whose host is out of
/// this process's scope was brought in by a seed's redirect seen elsewhere (another process of a
/// shared crawl, or an earlier run of a resumed one): the scope here grows the same way.
fn admit(entry: &Entry, ctx: &WorkerContext) {
    if !is_seed(entry) && !ctx.filter.in_scope(&entry.url) {
        widen(&entry.url, "the crawl's frontier holds its pages", ctx);
    }
}

/// Fetch a page (or its continuation after a redirect), deciding each redirect hop: off scope or
/// disallowed ends the fetch with that error; a hop to another origin, to this origin when it has
/// a delay, to an origin whose robots.txt is not known, or any hop once the crawl is stopping,
/// is handed back.
fn fetch_page(
    origin: &Origin,
    entry: &Entry,
    validators: Option<&Validators>,
    gap: Duration,
    resume: Option<&Continuation>,
    ctx: &WorkerContext,
) -> Fetched {
    let seed = is_seed(entry);
    let hop = |u: &Url| {
        // A seed's own redirect chain may leave the scope: its final host joins it (the hop
        // goes to another origin, so it is handed back and that origin's robots.txt comes first).
        let passable = ctx.filter.in_scope(u) || (seed && ctx.filter.seed_may_reach(u));
        if !passable {
            return Hop::Refuse(ErrorClass::OffScope);
        }
        if ctx.stopping() || !gap.is_zero() || record::origin_key(u) != **origin {
            return Hop::HandBack;
        }
        match ctx.robots.known(u) {
            Some(rules) if rules.allowed(u) => Hop::Follow,
            Some(_) => Hop::Refuse(ErrorClass::Robots),
            None => Hop::HandBack,
        }
    };
    let (url, hops, seen) = match resume {
        Some(c) => (&c.url, c.hops + 1, c.seen.as_slice()),
        None => (&entry.url, 0, &[][..]),
    };
    let mut fetched = ctx
        .fetcher
        .fetch_from(url, &hop, Want::Html, validators, (hops, seen));
    if let Some(c) = resume {
        fetched.started = c.started;
        fetched.elapsed += c.elapsed;
    }
    tracing::debug!(
        url = %url,
        status = ?fetched.status,
        error = ?fetched.error,
        bytes = fetched.bytes,
        ms = fetched.elapsed.as_millis() as u64,
        "fetched"
    );
    fetched
}

/// Fetch and extract one page.
pub fn process(entry: &Entry, attempt: u32, fetched: Fetched, ctx: &WorkerContext) -> PageResult {
    let mut row = Row {
        final_url: fetched.final_url.to_string(),
        status: fetched.status,
        content_type: fetched.content_type,
        bytes: Some(fetched.bytes),
        elapsed_ms: Some(fetched.elapsed.as_millis() as u64),
        fetched_at: fetched
            .started
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        error: fetched.error,
        ..Row::for_entry(entry)
    };
    let cause = fetched.cause;
    match (row.error, &cause) {
        // What TLS failed on is worth a line at -v (a certificate expired, a wrong name).
        (Some(ErrorClass::Tls), Some(c)) => tracing::info!(url = %entry.url, "{c}"),
        (Some(e), Some(c)) => tracing::debug!(url = %entry.url, error = %e, "{c}"),
        _ => {}
    }
    let mut follow = Vec::new();
    let mut edges = Vec::new();
    let mut feeds_found = Vec::new();
    if let Some(body) = fetched.body {
        let ct = (!row.content_type.is_empty()).then_some(row.content_type.as_str());
        let (text, encoding) = decode_html_owned(body, ct);
        row.encoding = encoding.name().to_owned();
        extract::panic_if_asked(&entry.url);
        if ctx.want_feeds && entry.depth == 0 {
            feeds_found = feeds::discover(&text, &fetched.final_url);
        }
        let robots = ctx.robots_token.as_deref();
        // `X-Robots-Tag: nofollow`: the links are counted (and written as edges), not followed.
        let header_nofollow = robots.is_some_and(|token| {
            crate::robots::meta::header_nofollow(
                fetched.robots_tags.iter().map(String::as_str),
                token,
            )
        });
        let followed = entry.depth < ctx.max_depth
            && fetched.status.is_some_and(|s| s < 400)
            && !header_nofollow;
        let edges_or_failed = ctx.want_edges || row.error.is_some();
        // --text on a page that came whole: its DOM is built for the text anyway, so the title,
        // links and metadata are read from that one tree (the exact reference, equal to the
        // stream's reading) instead of a second pass, its hrefs through the same link memo
        // (`page_links::Source`).
        let dom = ctx
            .text
            .filter(|_| row.error.is_none())
            .map(|_| scraper::Html::parse_document(&text));
        let link_depth = followed.then_some(entry.depth + 1);
        let source: page_links::Source = match &dom {
            Some(doc) => doc.into(),
            None => (&text).into(),
        };
        let page = if let Some(pm) = &ctx.meta {
            // --meta: one pass gives the links and the metadata pieces.
            let (page, raw) = if edges_or_failed {
                // Every link by name (edges), or a failed page whose links the coordinator may
                // drop for a retry: resolve every href, and leave the memo's record alone.
                let (page, raw) = source.extract_with_meta(&fetched.final_url);
                if ctx.want_edges {
                    edges = page.links.iter().map(Url::to_string).collect();
                }
                (
                    page_links::from_extracted(page, followed, &ctx.filter, robots),
                    raw,
                )
            } else {
                page_links::read_with_meta(
                    source,
                    &fetched.final_url,
                    link_depth,
                    &ctx.filter,
                    &ctx.memo,
                    robots,
                )
            };
            let (meta, dedup_key) = pm.build(
                &raw,
                entry.key,
                &fetched.final_url,
                fetched.content_language.as_deref(),
                fetched.started,
            );
            row.meta = Some(Box::new(meta));
            row.dedup_key = dedup_key;
            page
        } else if edges_or_failed {
            // As above: every href resolved, the memo left alone.
            let page = source.extract(&fetched.final_url);
            if ctx.want_edges {
                edges = page.links.iter().map(Url::to_string).collect();
            }
            page_links::from_extracted(page, followed, &ctx.filter, robots)
        } else {
            page_links::read(
                source,
                &fetched.final_url,
                link_depth,
                &ctx.filter,
                &ctx.memo,
                robots,
            )
        };
        if header_nofollow || page.nofollow {
            tracing::debug!(url = %fetched.final_url, "robots nofollow: links not followed");
        }
        row.title = page.title;
        row.links = Some(page.count);
        follow = page.follow;
        if let (Some(format), Some(doc)) = (ctx.text, &dom) {
            row.text = crate::article::article_text_of(doc, &fetched.final_url, format);
        }
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
        cause,
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
    // The scheduler sends a resource only once its origin's robots.txt is known.
    if !ctx.robots.known(url).is_some_and(|r| r.allowed(url)) {
        return (Vec::new(), Vec::new());
    }
    let hop = |_: &Url| ctx.resource_hop();
    let fetched = ctx
        .fetcher
        .fetch_resource_with(url, RESOURCE_MAX_BYTES, &hop);
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
            if let Some(pm) = &ctx.meta {
                let dates = map.dates.iter().map(|(u, d)| (u, d.as_str()));
                pm.listed(DateSource::Sitemap, dates);
            }
            (map.pages, map.sitemaps)
        }
        ResourceKind::Feed if ctx.meta.is_some() => {
            let items = feeds::parse_dated(&body, &fetched.final_url);
            if let Some(pm) = &ctx.meta {
                let dates = items.iter().filter_map(|(u, d)| Some((u, d.as_deref()?)));
                pm.listed(DateSource::Feed, dates);
            }
            (items.into_iter().map(|(u, _)| u).collect(), Vec::new())
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
        error: Some(ErrorClass::Panic),
        ..Row::for_entry(&entry)
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
        cause: None,
    }
}
