//! The embedded, crash-safe state store behind `--state PATH`: one SQLite file (WAL journal)
//! holding the unfinished crawl (its identity, queue, seen set, done set and row log) so a crawl
//! can resume after a crash, and the history of pages remembered from earlier crawls (with their
//! `ETag`/`Last-Modified` validators) for scheduled "new-only" runs and conditional GETs. One
//! process at a time: an exclusive OS lock on the sidecar `<PATH>.lock` is held for the store's
//! lifetime.
//!
//! The room's rule: the state only stores and returns what the ledger (`crawl::ledger`, the
//! coordinator's bookkeeper) hands it, each batch in one transaction. It never decides crawl
//! policy (what to fetch, what is new, what to remember or write), never touches the network or
//! the output files, and never locks, deletes or rewrites the SQLite file behind SQLite's back.
//!
//! Files: this one holds the store's lifecycle (start, commit, finish, forget), its batches and
//! its reads; `open.rs` takes the lock, checks the file is trawl's, creates or migrates the
//! schema; `tests.rs` holds the tests. Only [`StateStore`] and its values ([`CrawlMeta`],
//! [`Batch`], [`Done`], [`Resume`], [`StateError`]) leave the room.
//!
//! Schema (version [`open::SCHEMA_VERSION`], kept in `PRAGMA user_version`; the file is marked as
//! trawl's by `PRAGMA application_id` = [`open::APPLICATION_ID`]):
//!
//! - `crawl`: at most one row, the crawl in progress ([`CrawlMeta`]); none once finished.
//! - `queue(seq AUTOINCREMENT, key UNIQUE, depth, url, parent)`: entries not yet done, in flight
//!   ones included. Resume order is `depth, seq`; upserting a key (a promotion) deletes and
//!   reinserts the row, so it gets a fresh `seq` and goes to the back of its new depth.
//! - `seen(key)`, `done(key)`: the current crawl's sets of URL keys.
//! - `rows(seq, 13 columns, meta, text)`: the current crawl's row log, `seq` 0-based and dense
//!   (the 13 are `crate::record::COLUMNS`, typed); `meta` is the row's 12 `--meta` cells as a
//!   JSON array of strings (`Meta::cells`), NULL for a row without them; `text` is its `--text`
//!   cell packed (DEFLATE, `crate::record::packed_text`), NULL when empty.
//! - `history(key, etag, last_modified, fetched_at)`: pages remembered across crawls;
//!   `fetched_at` is when the page was last fetched or marked seen again (a known link a new-only
//!   run dropped, a redirect's final URL): the clock of the history's window, which
//!   [`StateStore::forget_before`] prunes.
//! - `failed(key, fetched_at)`: pages whose failure row (no response, 5xx, 429, robots.txt) a
//!   crawl wrote and that no crawl has fetched well since (a new-only run does not write them
//!   again). Created on open when missing (a file of an older build has none; nothing else
//!   changes, so the schema version stays). `fetched_at` is the row's, or the moment it was
//!   written for a row without a request (robots.txt); pruned by the same window.
//!
//! URL keys (`u64`, [`crate::url_norm::key`]) are stored as the `i64` with the same bits.
//!
//! Versions: 1 stored keys made by std's zero-keyed `SipHasher` through `Hash for str`, a byte feed
//! std does not promise to keep. 2 stores keys of trawl's own fixed definition (SipHash-2-4 over
//! the canonical bytes and 0xFF, `url_norm::key_of_canonical`), which equal every key version 1
//! stored; a version 1 file is migrated on open by stamping version 2, in one transaction. 3 adds
//! the nullable `rows.meta` column (a version 1 or 2 file gets it on open, NULL in every row it
//! has, in the same transaction). 4 adds the nullable `rows.text` column the same way. A file of
//! a newer version is refused.

mod open;

use crate::error::ErrorClass;
use crate::meta::Meta;
use crate::record::{Entry, Row, Validators, META_COLUMNS};
use crate::url_norm::UrlKey;
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process (or another store in this one) holds the state.
    #[error(
        "state {} is in use by another trawl process (lock {} is held)",
        path.display(),
        lock.display()
    )]
    Locked { path: PathBuf, lock: PathBuf },
    /// The state cannot be created or opened, or is not a trawl state file of a version this
    /// build reads.
    #[error("cannot open state {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A database operation failed on an open state.
    #[error("state {}: {source}", path.display())]
    Db {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// `commit` was called with no crawl in progress (neither started nor resumable).
    #[error("state {}: no crawl in progress (start() was not called)", path.display())]
    NoCrawl { path: PathBuf },
}

/// What identifies a crawl for resume purposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlMeta {
    /// Seed URLs, in order.
    pub seeds: Vec<String>,
    /// `host` | `domain` | `any`.
    pub scope: String,
    /// The options a resume must agree on, as a JSON object of option -> value
    /// (`Config::agreed_options`; empty in a state written before they were kept).
    pub options: String,
    /// The output path the crawl started with (kept on resume).
    pub output: String,
    /// When the crawl started, RFC 3339.
    pub started_at: String,
}

/// One page finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub key: UrlKey,
    pub row: Row,
    /// Record the page in the history for later crawls (false for failed fetches: no response,
    /// 5xx, 429, so the next scheduled run tries them again). `false` leaves any earlier history
    /// entry of the page as it was.
    pub remember: bool,
    /// Validators to remember. They replace the remembered ones, except that on a 304 row a
    /// `None` keeps the remembered value (a 304 need not repeat every validator).
    pub validators: Validators,
    /// Whether the row goes to the output (and so to the row log).
    pub write_row: bool,
    /// The row written is a failure's (`remember` is false): the page goes into `failed`
    /// unless the history knows it. A remembered page leaves `failed`.
    pub failed: bool,
}

/// Everything the coordinator changed since the last commit; applied in one transaction, in this
/// order: `queued`, then `seen`, then `done`.
#[derive(Debug, Default)]
pub struct Batch {
    /// Newly queued or promoted entries: upserted by key (url, depth and parent replaced, and a
    /// fresh sequence number, so a promoted entry goes to the back of its new depth). Keys already
    /// done in this crawl are ignored.
    pub queued: Vec<Entry>,
    /// Keys marked seen without being queued (redirect final URLs); a queued copy is removed.
    pub seen: Vec<UrlKey>,
    /// Finished pages: removed from the queue, added to the done and seen sets, `write_row` rows
    /// appended to the row log, `remember` ones upserted into the history.
    pub done: Vec<Done>,
}

impl Batch {
    /// Nothing to commit?
    pub fn is_empty(&self) -> bool {
        self.queued.is_empty() && self.seen.is_empty() && self.done.is_empty()
    }
}

/// What a resumed crawl starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub meta: CrawlMeta,
    /// Every queued entry not yet done (in flight ones included), by depth then queue order.
    pub queued: Vec<Entry>,
    /// Every key seen in this crawl (queued, done or marked), in ascending order of its `i64` bits.
    pub seen: Vec<UrlKey>,
    /// Rows in the row log.
    pub rows_logged: u64,
    /// Pages done in this crawl.
    pub done: u64,
}

/// The open state: a SQLite connection and the held lock. Dropping it closes the database and then
/// releases the lock.
pub struct StateStore {
    // Field order matters: the connection closes before the lock is released.
    conn: Connection,
    path: PathBuf,
    lock_path: PathBuf,
    _lock: File,
    /// Sequence number of the next row of the row log.
    next_row: u64,
    /// A crawl is in progress (started, or unfinished from an earlier process).
    active: bool,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("path", &self.path)
            .field("lock_path", &self.lock_path)
            .field("next_row", &self.next_row)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

fn key_to_db(key: UrlKey) -> i64 {
    key.cast_signed()
}

fn key_from_db(v: i64) -> UrlKey {
    v.cast_unsigned()
}

fn conversion(
    col: usize,
    ty: Type,
    e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, ty, e.into())
}

/// A row's `--meta` cells as stored: a JSON array of the 12 strings in `META_COLUMNS` order.
fn meta_to_db(meta: Option<&Meta>) -> Option<String> {
    meta.and_then(|m| serde_json::to_string(&m.cells()).ok())
}

/// The stored `--meta` cells back (`None` for a row without them).
fn meta_from_db(text: Option<String>) -> Result<Option<Box<Meta>>, String> {
    let Some(text) = text else {
        return Ok(None);
    };
    let cells: Vec<String> = serde_json::from_str(&text).map_err(|e| format!("meta: {e}"))?;
    let cells = <[String; META_COLUMNS.len()]>::try_from(cells)
        .map_err(|_| format!("meta: not {} cells", META_COLUMNS.len()))?;
    Ok(Some(Box::new(Meta::from_cells(cells))))
}

impl StateStore {
    fn db(&self, source: rusqlite::Error) -> StateError {
        StateError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// The state file's path.
    #[cfg(test)]
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The lock file's path (`<path>.lock`).
    #[cfg(test)]
    pub fn lock_path(&self) -> &std::path::Path {
        &self.lock_path
    }

    /// Rows in the current crawl's row log (the sequence number of the next one).
    #[cfg(test)]
    pub fn rows_logged(&self) -> u64 {
        self.next_row
    }

    /// Is a crawl in progress (started, or left unfinished by an earlier process)?
    #[cfg(test)]
    pub fn in_progress(&self) -> bool {
        self.active
    }

    /// The unfinished crawl, if the last crawl did not finish.
    pub fn unfinished(&self) -> Result<Option<Resume>, StateError> {
        self.read_unfinished().map_err(|e| self.db(e))
    }

    fn read_unfinished(&self) -> rusqlite::Result<Option<Resume>> {
        let meta = self
            .conn
            .query_row(
                "SELECT seeds, scope, options, output, started_at FROM crawl WHERE id = 1",
                [],
                |r| {
                    let seeds: String = r.get(0)?;
                    let seeds: Vec<String> =
                        serde_json::from_str(&seeds).map_err(|e| conversion(0, Type::Text, e))?;
                    Ok(CrawlMeta {
                        seeds,
                        scope: r.get(1)?,
                        options: r.get(2)?,
                        output: r.get(3)?,
                        started_at: r.get(4)?,
                    })
                },
            )
            .optional()?;
        let Some(meta) = meta else {
            return Ok(None);
        };
        let mut st = self
            .conn
            .prepare("SELECT url, key, depth, parent FROM queue ORDER BY depth, seq")?;
        let queued = st
            .query_map([], |r| {
                let url: String = r.get(0)?;
                let url = Url::parse(&url).map_err(|e| conversion(0, Type::Text, e))?;
                Ok(Entry {
                    url,
                    key: key_from_db(r.get(1)?),
                    depth: r.get(2)?,
                    parent: r.get::<_, Option<String>>(3)?.map(Arc::from),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut st = self.conn.prepare("SELECT key FROM seen ORDER BY key")?;
        let seen = st
            .query_map([], |r| r.get(0).map(key_from_db))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let done: u64 = self
            .conn
            .query_row("SELECT count(*) FROM done", [], |r| r.get(0))?;
        Ok(Some(Resume {
            meta,
            queued,
            seen,
            rows_logged: self.next_row,
            done,
        }))
    }

    /// Start a new crawl: discard any unfinished crawl's queue, seen and done sets and row log, and
    /// store `meta`. The history is kept.
    pub fn start(&mut self, meta: &CrawlMeta) -> Result<(), StateError> {
        self.write_start(meta).map_err(|e| self.db(e))?;
        self.active = true;
        self.next_row = 0;
        Ok(())
    }

    fn write_start(&mut self, meta: &CrawlMeta) -> rusqlite::Result<()> {
        let seeds = serde_json::to_string(&meta.seeds)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        clear_crawl(&tx)?;
        tx.execute(
            "INSERT INTO crawl (id, seeds, scope, options, output, started_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![
                seeds,
                meta.scope,
                meta.options,
                meta.output,
                meta.started_at
            ],
        )?;
        tx.commit()
    }

    /// Apply a batch atomically: all of it or, on error, none of it.
    pub fn commit(&mut self, batch: Batch) -> Result<(), StateError> {
        if !self.active {
            return Err(StateError::NoCrawl {
                path: self.path.clone(),
            });
        }
        if batch.is_empty() {
            return Ok(());
        }
        let next_row = self.write_batch(&batch).map_err(|e| self.db(e))?;
        self.next_row = next_row;
        Ok(())
    }

    /// Write `batch` in one transaction; returns the next row sequence number.
    fn write_batch(&mut self, batch: &Batch) -> rusqlite::Result<u64> {
        let mut next_row = self.next_row;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut add_seen = tx.prepare_cached("INSERT OR IGNORE INTO seen (key) VALUES (?1)")?;
            let mut unqueue = tx.prepare_cached("DELETE FROM queue WHERE key = ?1")?;

            if !batch.queued.is_empty() {
                // REPLACE deletes a queued copy and inserts a new row: a fresh AUTOINCREMENT seq.
                let mut enqueue = tx.prepare_cached(
                    "INSERT OR REPLACE INTO queue (key, depth, url, parent)
                     SELECT ?1, ?2, ?3, ?4
                     WHERE NOT EXISTS (SELECT 1 FROM done WHERE key = ?1)",
                )?;
                for e in &batch.queued {
                    let key = key_to_db(e.key);
                    enqueue.execute(params![key, e.depth, e.url.as_str(), e.parent.as_deref()])?;
                    add_seen.execute([key])?;
                }
            }
            if !batch.seen.is_empty() {
                // A remembered page seen again stays in the history's window.
                let mut touch =
                    tx.prepare_cached("UPDATE history SET fetched_at = ?1 WHERE key = ?2")?;
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                for &key in &batch.seen {
                    let key = key_to_db(key);
                    add_seen.execute([key])?;
                    unqueue.execute([key])?;
                    touch.execute(params![now, key])?;
                }
            }
            if !batch.done.is_empty() {
                let mut add_done =
                    tx.prepare_cached("INSERT OR IGNORE INTO done (key) VALUES (?1)")?;
                let mut log_row = tx.prepare_cached(
                    "INSERT INTO rows (seq, url, final_url, depth, parent, status, content_type,
                        title, links, bytes, elapsed_ms, fetched_at, encoding, error, meta, text)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                        ?16)",
                )?;
                let mut remember = tx.prepare_cached(
                    "INSERT INTO history (key, etag, last_modified, fetched_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET
                        etag = CASE WHEN ?5 THEN coalesce(excluded.etag, etag)
                                    ELSE excluded.etag END,
                        last_modified = CASE WHEN ?5
                                    THEN coalesce(excluded.last_modified, last_modified)
                                    ELSE excluded.last_modified END,
                        fetched_at = excluded.fetched_at",
                )?;
                let mut fail = tx.prepare_cached(
                    "INSERT OR IGNORE INTO failed (key, fetched_at)
                     SELECT ?1, coalesce(nullif(?2, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                     WHERE NOT EXISTS (SELECT 1 FROM history WHERE key = ?1)",
                )?;
                let mut unfail = tx.prepare_cached("DELETE FROM failed WHERE key = ?1")?;
                for d in &batch.done {
                    let key = key_to_db(d.key);
                    if d.failed {
                        fail.execute(params![key, d.row.fetched_at])?;
                    }
                    unqueue.execute([key])?;
                    add_done.execute([key])?;
                    add_seen.execute([key])?;
                    if d.write_row {
                        let r = &d.row;
                        log_row.execute(params![
                            next_row,
                            r.url,
                            r.final_url,
                            r.depth,
                            r.parent,
                            r.status,
                            r.content_type,
                            r.title,
                            r.links,
                            r.bytes,
                            r.elapsed_ms,
                            r.fetched_at,
                            r.encoding,
                            r.error.map(ErrorClass::as_str),
                            meta_to_db(r.meta.as_deref()),
                            (!r.text.is_empty()).then(|| crate::record::packed_text::pack(&r.text)),
                        ])?;
                        next_row += 1;
                    }
                    if d.remember {
                        unfail.execute([key])?;
                        remember.execute(params![
                            key,
                            d.validators.etag,
                            d.validators.last_modified,
                            d.row.fetched_at,
                            d.row.status == Some(304),
                        ])?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(next_row)
    }

    /// Rows of the current crawl's row log with sequence number `>= from` (0-based), in order.
    pub fn rows_from(&self, from: u64) -> Result<Vec<Row>, StateError> {
        self.read_rows(from).map_err(|e| self.db(e))
    }

    fn read_rows(&self, from: u64) -> rusqlite::Result<Vec<Row>> {
        let mut st = self.conn.prepare_cached(
            "SELECT url, final_url, depth, parent, status, content_type, title, links, bytes,
                elapsed_ms, fetched_at, encoding, error, meta, text
             FROM rows WHERE seq >= ?1 ORDER BY seq",
        )?;
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        let rows = st
            .query_map([from], |r| {
                let error = match r.get::<_, Option<String>>(12)? {
                    None => None,
                    Some(s) => Some(ErrorClass::parse(&s).ok_or_else(|| {
                        conversion(12, Type::Text, format!("unknown error class {s:?}"))
                    })?),
                };
                Ok(Row {
                    url: r.get(0)?,
                    final_url: r.get(1)?,
                    depth: r.get(2)?,
                    parent: r.get(3)?,
                    status: r.get(4)?,
                    content_type: r.get(5)?,
                    title: r.get(6)?,
                    links: r.get(7)?,
                    bytes: r.get(8)?,
                    elapsed_ms: r.get(9)?,
                    fetched_at: r.get(10)?,
                    encoding: r.get(11)?,
                    error,
                    meta: meta_from_db(r.get(13)?).map_err(|e| conversion(13, Type::Text, e))?,
                    text: match r.get::<_, Option<Vec<u8>>>(14)? {
                        Some(packed) => crate::record::packed_text::unpack(&packed)
                            .map_err(|e| conversion(14, Type::Blob, e.to_string()))?,
                        None => String::new(),
                    },
                    dedup_key: None,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Was this page remembered by an earlier crawl (or earlier in this one)? With its validators.
    pub fn known(&self, key: UrlKey) -> Result<Option<Validators>, StateError> {
        let read = || -> rusqlite::Result<Option<Validators>> {
            self.conn
                .prepare_cached("SELECT etag, last_modified FROM history WHERE key = ?1")?
                .query_row([key_to_db(key)], |r| {
                    Ok(Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                })
                .optional()
        };
        read().map_err(|e| self.db(e))
    }

    /// Did an earlier crawl (or this one) write a failure row for this page, which no crawl has
    /// fetched well since?
    pub fn failed_before(&self, key: UrlKey) -> Result<bool, StateError> {
        let read = || -> rusqlite::Result<bool> {
            self.conn
                .prepare_cached("SELECT 1 FROM failed WHERE key = ?1")?
                .query_row([key_to_db(key)], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        };
        read().map_err(|e| self.db(e))
    }

    /// Mark the current crawl finished: clear its queue, seen and done sets and row log (the
    /// history stays). Afterwards `unfinished()` is `None`.
    pub fn finish(&mut self) -> Result<(), StateError> {
        let write = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            clear_crawl(&tx)?;
            tx.commit()?;
            // Give the space of a large crawl's log back to the file now rather than on close;
            // harmless if it cannot complete.
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        };
        write(&mut self.conn).map_err(|e| self.db(e))?;
        self.active = false;
        self.next_row = 0;
        Ok(())
    }

    /// Forget the pages of the history last fetched or seen before `cutoff` (an RFC 3339 UTC
    /// time, as `fetched_at` is written); returns how many. The file's freed pages are reused by
    /// later writes, so the file stops growing rather than shrinking.
    pub fn forget_before(&mut self, cutoff: &str) -> Result<u64, StateError> {
        let n = self
            .conn
            .execute("DELETE FROM history WHERE fetched_at < ?1", [cutoff])
            .map_err(|e| self.db(e))?;
        // A failure written that long ago is forgotten too: the page is new again.
        self.conn
            .execute("DELETE FROM failed WHERE fetched_at < ?1", [cutoff])
            .map_err(|e| self.db(e))?;
        Ok(n as u64)
    }

    /// Bytes the state takes on disk: the file and its write-ahead log.
    pub fn file_bytes(&self) -> u64 {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        [self.path.as_os_str(), wal.as_os_str()]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Number of pages in the history.
    pub fn history_len(&self) -> Result<u64, StateError> {
        self.conn
            .query_row("SELECT count(*) FROM history", [], |r| r.get(0))
            .map_err(|e| self.db(e))
    }
}

/// Delete the current crawl and everything of it (not the history).
fn clear_crawl(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM crawl;
         DELETE FROM queue;
         DELETE FROM seen;
         DELETE FROM done;
         DELETE FROM rows;
         DELETE FROM sqlite_sequence WHERE name = 'queue';",
    )
}

#[cfg(test)]
mod tests;
