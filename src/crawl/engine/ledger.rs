//! The row side of a crawl: every finished page is counted in the [`Summary`] and its row written
//! to the sink, or, with `--state`, recorded in the state's batch and written once that batch is
//! committed. It also mirrors into the state what the frontier queued or marked seen, and answers
//! the new-only questions (was this page known to an earlier crawl, with which validators). It
//! never schedules and never touches the network.
//!
//! Invariants (what a kill, SIGKILL included, may not break):
//! - With `--state`, a page's edges reach the kernel (`--links-output`) before the commit that
//!   makes the page done; its row is written after it (a resume writes the rows file anew from
//!   the state's row log, and keeps only the edges of the pages in it).
//! - With a shared store (`--redis`), a page's row and edges reach the kernel before its
//!   completion reaches the store ([`Ledger::write_ahead`]), so the union of the processes'
//!   files holds every row the store counts done; when the store then says the row is not this
//!   process's to write, they are taken back.
//! - `new` counts rows of pages no earlier crawl wrote a row for. In a new-only run a page whose
//!   failure an earlier crawl wrote (no response, 5xx, 429, robots.txt) is fetched again, and
//!   written only if it now succeeds (not counted as new).

use super::summary::Summary;
use crate::crawl::schedule::Schedule;
use crate::error::CrawlError;
use crate::output::RowSink;
use crate::record::{Entry, Link, Row, Validators};
use crate::state::{Batch, Done, Resume, StateError, StateStore};
use crate::url_norm::UrlKey;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The state is committed at least this often while it has changes (and the rows it makes safe
/// written).
const COMMIT_EVERY: Duration = Duration::from_millis(500);
/// Rows are pushed to the operating system at least this often while some are unflushed.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// What [`Ledger::write_ahead`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ahead {
    /// Written and handed to the kernel; the files ended at the mark before.
    Written(crate::output::Mark),
    /// Not written (the sink cannot take rows back): write it once the store says so.
    NotWritten,
}

/// The `--state` side of a crawl: the store, what to resume, and the new-only settings.
pub struct Persist<'a> {
    pub store: &'a mut StateStore,
    /// The unfinished crawl to continue, if any (its seen-set and queue are loaded).
    pub resume: Option<Resume>,
    /// `--only-new`: write rows only for pages no earlier crawl saw; revisit known pages only up
    /// to `revisit_depth`, with conditional requests.
    pub only_new: bool,
    pub revisit_depth: u32,
}

/// The state while a crawl runs: the store and what is not committed yet.
struct StateCtx<'a> {
    store: &'a mut StateStore,
    batch: Batch,
    /// Rows (with their edges) waiting for their pages to be committed as done.
    pending: Vec<(Row, Vec<String>)>,
    last_commit: Instant,
    only_new: bool,
    revisit_depth: u32,
}

fn state_err(e: StateError) -> CrawlError {
    CrawlError::State(Box::new(e))
}

/// Rows, the summary and the state mirror.
pub struct Ledger<'a> {
    sink: &'a mut dyn RowSink,
    state: Option<StateCtx<'a>>,
    pub summary: Summary,
    last_flush: Instant,
    unflushed: bool,
    /// `--dedup-canonical`: the dedup keys that have a row.
    written_keys: HashSet<String>,
    /// With a state, the keys of the rows logged before this run (a resume) are in
    /// `written_keys` (loaded at the first row that has a dedup key).
    keys_loaded: bool,
}

impl<'a> Ledger<'a> {
    /// The ledger, and the crawl to resume if the state holds one.
    pub fn new(
        sink: &'a mut dyn RowSink,
        persist: Option<Persist<'a>>,
        now: Instant,
    ) -> (Ledger<'a>, Option<Resume>) {
        let mut resume = None;
        let state = persist.map(|p| {
            resume = p.resume;
            StateCtx {
                store: p.store,
                batch: Batch::default(),
                pending: Vec::new(),
                last_commit: now,
                only_new: p.only_new,
                revisit_depth: p.revisit_depth,
            }
        });
        let ledger = Ledger {
            sink,
            state,
            summary: Summary::default(),
            last_flush: now,
            unflushed: false,
            written_keys: HashSet::new(),
            keys_loaded: false,
        };
        (ledger, resume)
    }

    /// Validators for a conditional request of a page an earlier crawl remembered (new-only
    /// runs only).
    pub fn validators(&self, key: UrlKey) -> Option<Validators> {
        let st = self.state.as_ref().filter(|st| st.only_new)?;
        st.store.known(key).ok()?
    }

    /// A new-only run revisits known pages only up to `--revisit-depth`: deeper links to pages an
    /// earlier crawl knew are marked seen and dropped here.
    pub fn drop_known(
        &mut self,
        links: Vec<Link>,
        depth: u32,
        frontier: &mut dyn Schedule,
    ) -> Vec<Link> {
        let Some(st) = self.state.as_mut() else {
            return links;
        };
        if !st.only_new || depth <= st.revisit_depth {
            return links;
        }
        links
            .into_iter()
            .filter(|link| {
                if frontier.is_seen(link.key) || !matches!(st.store.known(link.key), Ok(Some(_))) {
                    return true;
                }
                frontier.mark_seen(link.key);
                st.batch.seen.push(link.key);
                false
            })
            .collect()
    }

    /// Does a state mirror the frontier's queue?
    pub fn mirrors(&self) -> bool {
        self.state.is_some()
    }

    /// Mirror entries the frontier queued (or moved up).
    pub fn queued(&mut self, entries: Vec<Entry>) {
        if let Some(st) = self.state.as_mut() {
            st.batch.queued.extend(entries);
        }
    }

    /// Mirror a key the frontier marked seen without queueing it (a redirect's final URL).
    pub fn seen(&mut self, key: UrlKey) {
        if let Some(st) = self.state.as_mut() {
            st.batch.seen.push(key);
        }
    }

    /// Count a finished page in the summary (written or not).
    fn tally(&mut self, row: &Row) {
        self.summary.tally(row);
        if let Some(meta) = &row.meta {
            let own = if row.final_url.is_empty() {
                &row.url
            } else {
                &row.final_url
            };
            if !meta.canonical.is_empty() && meta.canonical != *own {
                self.summary.canonical_elsewhere += 1;
            }
        }
    }

    /// A page is done: count it, and write its row (with a state: record it as done and write
    /// the row once that is committed). `validators` is `None` for a URL that was not requested.
    pub fn finish_page(
        &mut self,
        key: UrlKey,
        row: Row,
        edges: Vec<String>,
        validators: Option<Validators>,
    ) -> Result<(), CrawlError> {
        self.tally(&row);
        // --dedup-canonical: the first row per canonical URL is written; a later page with the
        // same one gets none (its links were followed).
        if row.dedup_key.is_some() && !self.keys_loaded {
            self.keys_loaded = true;
            self.load_written_keys()?;
        }
        let Some(st) = self.state.as_mut() else {
            let duplicate = row
                .dedup_key
                .as_ref()
                .is_some_and(|k| !self.written_keys.insert(k.clone()));
            if duplicate {
                self.summary.dedup_skipped += 1;
                return Ok(());
            }
            self.summary.new += 1;
            self.summary.rows += 1;
            return self.write_out(&row, &edges);
        };
        let known_before = st.store.known(key).map_err(state_err)?.is_some();
        let failed_before = !known_before && st.store.failed_before(key).map_err(state_err)?;
        let requested = validators.is_some();
        let remember = requested && row.status.is_some_and(|s| s < 500 && s != 429);
        // A new-only run writes no row for a page known before, nor again for a page whose
        // failure was written before and that failed again.
        let mut write_row = row.status != Some(304)
            && !(st.only_new && (known_before || (failed_before && !remember)));
        if write_row
            && row
                .dedup_key
                .as_ref()
                .is_some_and(|k| !self.written_keys.insert(k.clone()))
        {
            write_row = false;
            self.summary.dedup_skipped += 1;
        }
        if write_row {
            self.summary.rows += 1;
            if !known_before && !failed_before {
                self.summary.new += 1;
            }
        }
        st.batch.done.push(Done {
            key,
            row: row.clone(),
            remember,
            validators: validators.unwrap_or_default(),
            write_row,
            failed: write_row && !remember,
        });
        if write_row {
            st.pending.push((row, edges));
        }
        Ok(())
    }

    /// Before a shared store (`--redis`) hears that a page is done: write its row and edges and
    /// hand them to the kernel (no fsync: a killed process's writes survive, only a crash of the
    /// machine loses them). Standard output cannot take a row back, so there the row waits for
    /// the store's verdict ([`Ahead::NotWritten`]).
    pub fn write_ahead(&mut self, row: &Row, edges: &[String]) -> Result<Ahead, CrawlError> {
        let Some(mark) = self.sink.mark()? else {
            return Ok(Ahead::NotWritten);
        };
        self.write_out(row, edges)?;
        self.sink.flush()?;
        Ok(Ahead::Written(mark))
    }

    /// The store did not take the completion (another process has the page now): take back
    /// what [`Ledger::write_ahead`] wrote.
    pub fn take_back(&mut self, ahead: Ahead) -> Result<(), CrawlError> {
        match ahead {
            Ahead::Written(mark) => self.sink.retract(mark),
            Ahead::NotWritten => Ok(()),
        }
    }

    /// A page is done and a shared store (`--redis`) decided about its row (it keeps the pages
    /// known to earlier runs and the canonical URLs written): count it, and keep the row written
    /// ahead (or write it) if the store says so, else take it back.
    pub fn finish_shared(
        &mut self,
        row: Row,
        edges: Vec<String>,
        verdict: crate::crawl::schedule::Verdict,
        ahead: Ahead,
    ) -> Result<(), CrawlError> {
        self.tally(&row);
        if verdict.duplicate {
            self.summary.dedup_skipped += 1;
        }
        if !verdict.write {
            return self.take_back(ahead);
        }
        self.summary.rows += 1;
        if !verdict.known_before {
            self.summary.new += 1;
        }
        match ahead {
            Ahead::Written(_) => Ok(()),
            Ahead::NotWritten => self.write_out(&row, &edges),
        }
    }

    /// Write a row and its edges to the sink.
    fn write_out(&mut self, row: &Row, edges: &[String]) -> Result<(), CrawlError> {
        self.sink.write_row(row)?;
        if !edges.is_empty() {
            self.sink
                .write_links(&row.url, &mut edges.iter().map(String::as_str))?;
        }
        self.unflushed = true;
        Ok(())
    }

    /// The dedup keys of the rows the state logged for this crawl before this run: a resumed
    /// `--dedup-canonical` crawl writes no second row for their canonical URLs. A row's key is
    /// its canonical URL, else its final URL (as `page_meta` makes it); rows without metadata
    /// had none.
    fn load_written_keys(&mut self) -> Result<(), CrawlError> {
        let Some(st) = self.state.as_ref() else {
            return Ok(());
        };
        for row in st.store.rows_from(0).map_err(state_err)? {
            if let Some(meta) = &row.meta {
                let key = if !meta.canonical.is_empty() {
                    meta.canonical.clone()
                } else if !row.final_url.is_empty() {
                    row.final_url.clone()
                } else {
                    row.url.clone()
                };
                self.written_keys.insert(key);
            }
        }
        Ok(())
    }

    /// Commit the batch to the state, with the pending pages' edges handed to the kernel first,
    /// then write the rows it made safe. Without a state, rows were written at once and this does
    /// nothing.
    pub fn commit(&mut self, now: Instant) -> Result<(), CrawlError> {
        let Some(st) = self.state.as_mut() else {
            return Ok(());
        };
        let mut edges_written = false;
        for (row, edges) in &st.pending {
            if !edges.is_empty() {
                self.sink
                    .write_links(&row.url, &mut edges.iter().map(String::as_str))?;
                edges_written = true;
            }
        }
        if edges_written {
            self.sink.flush()?;
        }
        if !st.batch.is_empty() {
            st.store
                .commit(std::mem::take(&mut st.batch))
                .map_err(state_err)?;
        }
        st.last_commit = now;
        for (row, _) in std::mem::take(&mut st.pending) {
            self.sink.write_row(&row)?;
            self.unflushed = true;
        }
        Ok(())
    }

    /// When [`Ledger::housekeep`] has something to do next, if ever.
    pub fn next_due(&self) -> Option<Instant> {
        let commit = self
            .state
            .as_ref()
            .filter(|st| !st.batch.is_empty() || !st.pending.is_empty())
            .map(|st| st.last_commit + COMMIT_EVERY);
        let flush = self.unflushed.then_some(self.last_flush + FLUSH_EVERY);
        commit.into_iter().chain(flush).min()
    }

    /// Commit and flush when they are due (or the batch is large).
    pub fn housekeep(&mut self, now: Instant) -> Result<(), CrawlError> {
        let commit_due = self
            .state
            .as_ref()
            .is_some_and(|st| now >= st.last_commit + COMMIT_EVERY || st.pending.len() >= 10_000);
        if commit_due {
            self.commit(now)?;
        }
        if self.unflushed && now >= self.last_flush + FLUSH_EVERY {
            self.flush(now)?;
        }
        Ok(())
    }

    pub fn flush(&mut self, now: Instant) -> Result<(), CrawlError> {
        self.sink.flush()?;
        self.last_flush = now;
        self.unflushed = false;
        Ok(())
    }
}
