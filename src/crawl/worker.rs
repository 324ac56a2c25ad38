//! A worker: receives jobs from the bounded job channel, fetches and extracts each page, and sends
//! exactly one result per job back to the coordinator, panics included. It never sends into the
//! job channel (that is the coordinator's alone) and never writes output. It leaves its loop on
//! the `Stop` sentinel (or when the job channel is gone).

use crate::charset;
use crate::error::ErrorClass;
use crate::extract;
use crate::fetch::Fetcher;
use crate::output::Row;
use crate::scope::Scope;
use crate::url_norm::{self, UrlKey};
use crossbeam_channel::{Receiver, Sender};
use std::panic::{catch_unwind, AssertUnwindSafe};
use url::Url;

use super::frontier::Entry;

/// A message on the job channel.
#[derive(Debug)]
pub enum Job {
    /// Fetch this page.
    Fetch(Entry),
    /// The sentinel: leave the loop (one is sent per worker, like Python's `None`).
    Stop,
}

/// A link to follow, already resolved and fingerprinted by the worker.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: Url,
    pub key: UrlKey,
}

/// What a worker sends back for one job.
#[derive(Debug)]
pub struct PageResult {
    /// The job's entry, returned so the coordinator can account for it.
    pub entry: Entry,
    /// The page's row.
    pub row: Row,
    /// In-scope links to offer to the frontier (empty when the page's links are not followed).
    pub follow: Vec<Link>,
    /// Every link on the page, for the edges CSV (empty unless edges are wanted).
    pub edges: Vec<String>,
    /// Fingerprint of the final URL when a redirect moved the page.
    pub final_key: Option<UrlKey>,
}

/// What every worker shares, read-only.
pub struct WorkerContext<'a> {
    pub fetcher: &'a Fetcher,
    pub scope: &'a Scope,
    pub max_depth: u32,
    pub want_edges: bool,
}

/// The worker loop.
pub fn run(jobs: Receiver<Job>, results: Sender<PageResult>, ctx: &WorkerContext<'_>) {
    while let Ok(Job::Fetch(entry)) = jobs.recv() {
        let result = match catch_unwind(AssertUnwindSafe(|| process(&entry, ctx))) {
            Ok(r) => r,
            Err(_) => panicked(entry),
        };
        if results.send(result).is_err() {
            break;
        }
    }
}

/// Fetch and extract one page.
pub fn process(entry: &Entry, ctx: &WorkerContext<'_>) -> PageResult {
    let scope = ctx.scope;
    let hop_ok = move |u: &Url| (!scope.contains(u)).then_some(ErrorClass::OffScope);
    let fetched = ctx.fetcher.fetch(&entry.url, &hop_ok);
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
    if let Some(body) = fetched.body {
        let ct = (!row.content_type.is_empty()).then_some(row.content_type.as_str());
        let (text, encoding) = charset::decode_html(&body, ct);
        drop(body);
        row.encoding = encoding.name().to_owned();
        let page = extract::extract(&text, &fetched.final_url);
        row.title = page.title;
        row.links = Some(page.links.len());
        let followed = entry.depth < ctx.max_depth && fetched.status.is_some_and(|s| s < 400);
        for url in page.links {
            if ctx.want_edges {
                edges.push(url.to_string());
            }
            if followed && scope.contains(&url) {
                follow.push(Link {
                    key: url_norm::key(&url),
                    url,
                });
            }
        }
    }
    let final_key = (fetched.final_url != entry.url).then(|| url_norm::key(&fetched.final_url));
    PageResult {
        entry: entry.clone(),
        row,
        follow,
        edges,
        final_key,
    }
}

/// The answer for a job whose processing panicked: the coordinator still gets its one result.
fn panicked(entry: Entry) -> PageResult {
    let row = Row {
        url: entry.url.to_string(),
        depth: entry.depth,
        parent: entry.parent.as_deref().unwrap_or("").to_owned(),
        error: Some(ErrorClass::Panic),
        ..Row::default()
    };
    PageResult {
        entry,
        row,
        follow: Vec::new(),
        edges: Vec::new(),
        final_key: None,
    }
}
