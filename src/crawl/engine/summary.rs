//! What a finished crawl did: the counters the report, `--summary-json` and the exit status are
//! made from, and which seeds' hosts gave no page and why. Filled in by the coordinator as pages
//! finish; nothing here does I/O.

use super::stop::StopCause;
use crate::error::ErrorClass;
use crate::record::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// What a finished crawl did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Pages requested (each URL once; redirect hops and retries not counted).
    pub requested: u64,
    /// Rows written.
    pub rows: u64,
    /// Pages finished (with a row or not: robots refusals, unwritten revisits, 304s).
    pub done: u64,
    /// Pages that got an HTTP response (any status).
    pub responded: u64,
    /// Rows with an error.
    pub errors: u64,
    /// Rows by final status class ("2xx", "3xx", "4xx", "5xx").
    pub by_status: BTreeMap<String, u64>,
    /// Rows by error class.
    pub by_error: BTreeMap<ErrorClass, u64>,
    /// Requests repeated after a transient failure.
    pub retries: u64,
    /// Hosts whose circuit breaker tripped (429/503 answers in a row).
    pub backed_off: BTreeSet<String>,
    /// robots.txt files, sitemaps and feeds fetched.
    pub resources: u64,
    /// Rows of pages no earlier crawl with the same `--state` had seen (all rows without state).
    pub new: u64,
    /// Revisited pages answered 304 Not Modified (counted as fetched, no row).
    pub not_modified: u64,
    /// Pages still in flight when the grace period after a stop ran out (left for a resume).
    pub abandoned: u64,
    /// Jobs handed to the workers but not started when the crawl stopped (left for a resume).
    pub taken_back: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Distinct URLs seen.
    pub seen: u64,
    /// Pages still queued when the crawl ended (0 when it ran to its end; with `--redis` the
    /// run's queue).
    pub queued: u64,
    /// Most bytes of page bodies held at once (bounded by `--body-memory`, except for a single
    /// page larger than it).
    pub peak_body_bytes: u64,
    /// Wall time of the crawl.
    pub elapsed: Duration,
    /// True if a stop ended the crawl before its frontier was exhausted.
    pub interrupted: bool,
    /// What stopped it, when something did.
    pub stopped_by: Option<StopCause>,
    /// `--meta`: finished pages whose canonical URL is not their own URL (AMP copies, ...).
    pub canonical_elsewhere: u64,
    /// `--dedup-canonical`: rows not written because their canonical URL already had a row.
    pub dedup_skipped: u64,
    /// `--redis`: pages this process finished after its lease had expired (another process took
    /// them over; their rows are that process's).
    pub dropped: u64,
    /// `--redis`: the run of the shared crawl this process worked in.
    pub shared_run: Option<String>,
    /// Hosts (`host[:port]`) with at least one page answered 2xx or 304.
    pub ok_hosts: BTreeSet<String>,
    /// Why a host failed: the first failure seen there (robots.txt's comes first), in words.
    pub host_causes: BTreeMap<String, String>,
    /// The seeds whose rows this run wrote: seed host -> the host its redirects ended on.
    pub seed_hosts: BTreeMap<String, String>,
    /// Hosts a robots.txt `Crawl-delay` longer than `--delay` slowed, with that delay.
    pub crawl_delayed: BTreeMap<String, Duration>,
    /// Hosts given up after `--max-host-pause` of 429/503 pauses.
    pub gave_up: BTreeSet<String>,
    /// Workers that can never be busy: the seeds' hosts times `--per-host` is less than
    /// `--workers` (with the hint's words).
    pub idle_workers: Option<String>,
}

/// A host that gave no page, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barren {
    pub host: String,
    pub cause: String,
}

/// How a URL's host is named in the summary: `host`, or `host:port` with a port of its own.
pub fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    }
}

/// [`host_of`] of an origin key (`scheme://host:port`).
pub fn host_of_origin(origin: &str) -> String {
    url::Url::parse(origin)
        .map(|u| host_of(&u))
        .unwrap_or_else(|_| origin.to_owned())
}

/// The words for a failed row when no better ones were noted.
fn cause_of_row(row: &Row) -> String {
    match (row.error, row.status) {
        (Some(ErrorClass::Robots), _) => "robots.txt disallows its pages".into(),
        (Some(ErrorClass::RobotsUnreachable), _) => "robots.txt unreachable".into(),
        (Some(ErrorClass::HostGaveUp), _) => {
            "given up: it kept answering 429/503 (--max-host-pause)".into()
        }
        (Some(ErrorClass::OffScope), Some(s)) => format!("answered {s}, a redirect out of scope"),
        (_, Some(s)) if s >= 400 => format!("answered {s}"),
        (Some(e), _) => e.as_str().replace('_', " "),
        (None, Some(s)) => format!("answered {s}"),
        (None, None) => "no answer".into(),
    }
}

impl Summary {
    /// Why `host` failed, unless a cause is known already (the first one stays).
    pub fn note_cause(&mut self, host: &str, cause: String) {
        if !self.ok_hosts.contains(host) {
            self.host_causes.entry(host.to_owned()).or_insert(cause);
        }
    }

    /// A page failed: note why for its host (`cause`: the failure's words, when no response came).
    pub fn note_failure(&mut self, row: &Row, cause: Option<&str>) {
        let Some(url) = row_host_url(row) else {
            return;
        };
        let words = cause.map_or_else(|| cause_of_row(row), str::to_owned);
        self.note_cause(&host_of(&url), words);
    }

    /// The hosts of the seeds this run wrote rows for that gave no page (a 2xx or 304), with
    /// why: the first failure seen on the host its redirects ended on, or on the seed's own.
    pub fn hosts_without_pages(&self) -> Vec<Barren> {
        let mut out: Vec<Barren> = Vec::new();
        for (seed, end) in &self.seed_hosts {
            if self.ok_hosts.contains(seed) || self.ok_hosts.contains(end) {
                continue;
            }
            if out.iter().any(|b| &b.host == seed) {
                continue;
            }
            let cause = self
                .host_causes
                .get(end)
                .or_else(|| self.host_causes.get(seed))
                .cloned()
                .unwrap_or_else(|| "no page answered".into());
            let cause = if end != seed {
                format!("redirected to {end}: {cause}")
            } else {
                cause
            };
            out.push(Barren {
                host: seed.clone(),
                cause,
            });
        }
        out
    }
}

/// The URL whose host a row's page counts for: its final URL, or the URL requested.
fn row_host_url(row: &Row) -> Option<url::Url> {
    let text = if row.final_url.is_empty() {
        &row.url
    } else {
        &row.final_url
    };
    url::Url::parse(text).ok()
}

impl Summary {
    /// Count a finished page (written or not).
    pub fn tally(&mut self, row: &Row) {
        self.done += 1;
        if let Some(url) = row_host_url(row) {
            let host = host_of(&url);
            if row.status.is_some_and(|s| s < 300 || s == 304) {
                self.host_causes.remove(&host);
                self.ok_hosts.insert(host.clone());
            } else if row.error.is_some() {
                let cause = cause_of_row(row);
                self.note_cause(&host, cause);
            }
            if row.depth == 0 && row.parent.is_empty() {
                if let Ok(seed) = url::Url::parse(&row.url) {
                    self.seed_hosts.insert(host_of(&seed), host);
                }
            }
        }
        if let Some(s) = row.status {
            self.responded += 1;
            *self.by_status.entry(format!("{}xx", s / 100)).or_default() += 1;
        }
        if let Some(e) = row.error {
            self.errors += 1;
            *self.by_error.entry(e).or_default() += 1;
        }
        self.bytes += row.bytes.unwrap_or(0);
        if row.status == Some(304) {
            self.not_modified += 1;
        }
    }
}
