//! What a finished crawl did: the counters the report, `--summary-json` and the exit status are
//! made from. Filled in by the coordinator as pages finish; nothing here does I/O.

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
}

impl Summary {
    /// Count a finished page (written or not).
    pub fn tally(&mut self, row: &Row) {
        self.done += 1;
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
