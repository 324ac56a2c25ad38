//! The embedded, crash-safe state store behind `--state PATH`: one SQLite file (WAL journal)
//! holding the unfinished crawl (its identity, queue, seen set, done set and row log) so a crawl
//! can resume after a crash, and the history of pages remembered from earlier crawls (with their
//! `ETag`/`Last-Modified` validators) for scheduled "new-only" runs and conditional GETs. One
//! process at a time: an exclusive OS lock on the sidecar `<PATH>.lock` is held for the store's
//! lifetime.
//!
//! This module only stores and returns what the coordinator hands it, each batch in one
//! transaction. It never decides crawl policy (what to fetch, what is new, what to remember or
//! write), never touches the network or the CSV, and never locks, deletes or rewrites the SQLite
//! file behind SQLite's back.
//!
//! Schema (version [`SCHEMA_VERSION`], kept in `PRAGMA user_version`; the file is marked as
//! trawl's by `PRAGMA application_id` = [`APPLICATION_ID`]):
//!
//! - `crawl`: at most one row, the crawl in progress ([`CrawlMeta`]); none once finished.
//! - `queue(seq AUTOINCREMENT, key UNIQUE, depth, url, parent)`: entries not yet done, in flight
//!   ones included. Resume order is `depth, seq`; upserting a key (a promotion) deletes and
//!   reinserts the row, so it gets a fresh `seq` and goes to the back of its new depth.
//! - `seen(key)`, `done(key)`: the current crawl's sets of URL keys.
//! - `rows(seq, 13 columns, meta, text)`: the current crawl's row log, `seq` 0-based and dense;
//!   `meta` is the row's 12 `--meta` cells as a JSON array of strings, NULL for a row without
//!   them; `text` is its `--text` cell packed (DEFLATE, `crate::packed_text`), NULL when empty.
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

use crate::error::ErrorClass;
use crate::meta::Meta;
use crate::record::{Entry, Row, Validators, META_COLUMNS};
use crate::url_norm::UrlKey;
use rusqlite::types::Type;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The schema version this build reads and writes. Older versions are migrated on open
/// ([`OLDEST_MIGRATABLE`] and up).
pub const SCHEMA_VERSION: i64 = 4;

/// The oldest schema version this build migrates to [`SCHEMA_VERSION`]: version 1's tables are
/// version 2's, and its keys are equal (see the module documentation).
pub const OLDEST_MIGRATABLE: i64 = 1;

/// `PRAGMA application_id` of a trawl state file: "TRWL".
pub const APPLICATION_ID: i64 = 0x5452_574C;

/// How long SQLite waits on its own locks. The `.lock` file keeps other trawl processes out, so
/// waiting could only be for a foreign process poking at the file: fail soon instead.
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);

/// The tables a trawl state file must have.
const TABLES: [&str; 6] = ["crawl", "queue", "seen", "done", "rows", "history"];

const SCHEMA: &str = "
CREATE TABLE crawl (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seeds       TEXT NOT NULL,   -- JSON array of strings, in order
    scope       TEXT NOT NULL,
    options     TEXT NOT NULL,
    output      TEXT NOT NULL,
    started_at  TEXT NOT NULL
);
CREATE TABLE queue (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    key     INTEGER NOT NULL UNIQUE,
    depth   INTEGER NOT NULL,
    url     TEXT NOT NULL,
    parent  TEXT
);
CREATE TABLE seen (key INTEGER PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE done (key INTEGER PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE rows (
    seq           INTEGER PRIMARY KEY,
    url           TEXT NOT NULL,
    final_url     TEXT NOT NULL,
    depth         INTEGER NOT NULL,
    parent        TEXT NOT NULL,
    status        INTEGER,
    content_type  TEXT NOT NULL,
    title         TEXT NOT NULL,
    links         INTEGER,
    bytes         INTEGER,
    elapsed_ms    INTEGER,
    fetched_at    TEXT NOT NULL,
    encoding      TEXT NOT NULL,
    error         TEXT,
    meta          TEXT,
    text          BLOB
);
CREATE TABLE history (
    key            INTEGER PRIMARY KEY,
    etag           TEXT,
    last_modified  TEXT,
    fetched_at     TEXT NOT NULL
) WITHOUT ROWID;
";

/// The `failed` table (see the module documentation), made on open when missing.
const FAILED_TABLE: &str = "
CREATE TABLE IF NOT EXISTS failed (
    key         INTEGER PRIMARY KEY,
    fetched_at  TEXT NOT NULL
) WITHOUT ROWID;
";

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

/// The sidecar lock file of a state: `<path>.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(".lock");
    PathBuf::from(s)
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

fn open_err(
    path: &Path,
    e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
) -> StateError {
    StateError::Open {
        path: path.to_owned(),
        source: e.into(),
    }
}

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Refuse an existing, non-empty file that is not an SQLite database before SQLite sees it: SQLite
/// would take a file shorter than its header for an empty database, and the schema would be
/// written over it. A missing or empty file is left to SQLite (an empty one may have its content
/// in a write-ahead log left by a crash).
fn check_header(path: &Path) -> Result<(), StateError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(open_err(path, e)),
    };
    let meta = file.metadata().map_err(|e| open_err(path, e))?;
    if meta.is_dir() {
        return Err(open_err(path, "it is a directory"));
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut head = Vec::with_capacity(SQLITE_MAGIC.len());
    (&mut file)
        .take(SQLITE_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .map_err(|e| open_err(path, e))?;
    if head != SQLITE_MAGIC {
        return Err(open_err(
            path,
            "not a trawl state file (not an SQLite database)",
        ));
    }
    Ok(())
}

/// What `validate` found in the file.
enum Found {
    /// An empty database: create the schema.
    Empty,
    /// A trawl state of this schema version.
    Trawl,
    /// A trawl state of an older schema version this build migrates.
    Older(i64),
}

/// Decide whether `conn` is an empty database or a trawl state this build reads, without writing.
fn validate(conn: &Connection, path: &Path) -> Result<Found, StateError> {
    let not_trawl = |why: String| open_err(path, format!("not a trawl state file ({why})"));
    let unreadable = |e: rusqlite::Error| {
        open_err(
            path,
            format!("not a trawl state file, or a damaged one ({e})"),
        )
    };
    let app_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(unreadable)?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(unreadable)?;
    if app_id == 0 && tables.is_empty() {
        return Ok(Found::Empty);
    }
    if app_id != APPLICATION_ID {
        return Err(not_trawl(format!(
            "an SQLite database of another program (application id {app_id:#x})"
        )));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(unreadable)?;
    if version > SCHEMA_VERSION {
        return Err(open_err(
            path,
            format!(
                "written by a newer trawl (schema version {version}; this trawl reads version \
                 {SCHEMA_VERSION})"
            ),
        ));
    }
    if version < OLDEST_MIGRATABLE {
        return Err(open_err(
            path,
            format!("damaged trawl state (schema version {version})"),
        ));
    }
    if let Some(missing) = TABLES.iter().find(|t| !tables.iter().any(|n| n == *t)) {
        return Err(open_err(
            path,
            format!("damaged trawl state (table {missing} is missing)"),
        ));
    }
    if version < SCHEMA_VERSION {
        return Ok(Found::Older(version));
    }
    Ok(Found::Trawl)
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
    /// Open or create the state at `path`. Takes an exclusive, non-blocking lock on `<path>.lock`
    /// first: if another store holds it, fails at once with [`StateError::Locked`]. The lock goes
    /// with the store (or the process), so it cannot go stale; the lock file itself stays on disk.
    pub fn open(path: &Path) -> Result<StateStore, StateError> {
        if path.is_dir() {
            return Err(open_err(path, "it is a directory"));
        }
        let lock_path = lock_path(path);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| {
                open_err(
                    path,
                    format!("cannot create lock file {}: {e}", lock_path.display()),
                )
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StateError::Locked {
                    path: path.to_owned(),
                    lock: lock_path,
                })
            }
            Err(TryLockError::Error(e)) => {
                return Err(open_err(
                    path,
                    format!("cannot lock {}: {e}", lock_path.display()),
                ))
            }
        }

        check_header(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| open_err(path, e))?;
        let found = validate(&conn, path)?;
        if conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| open_err(path, e))?
        {
            return Err(open_err(path, "the file is read-only"));
        }
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(|e| open_err(path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_err(
                path,
                format!("cannot use a write-ahead log here (journal mode stays {mode})"),
            ));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| open_err(path, e))?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
            .map_err(|e| open_err(path, e))?;
        conn.set_prepared_statement_cache_capacity(32);

        let mut store = StateStore {
            conn,
            path: path.to_owned(),
            lock_path,
            _lock: lock,
            next_row: 0,
            active: false,
        };
        match found {
            Found::Empty => store.create_schema().map_err(|e| open_err(path, e))?,
            Found::Older(version) => store.migrate(version).map_err(|e| {
                open_err(
                    path,
                    format!("cannot migrate from schema version {version}: {e}"),
                )
            })?,
            Found::Trawl => {}
        }
        store
            .conn
            .execute_batch(FAILED_TABLE)
            .map_err(|e| open_err(path, e))?;
        let (active, next_row) = store.load_counters().map_err(|e| store.db(e))?;
        store.active = active;
        store.next_row = next_row;
        Ok(store)
    }

    fn create_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    }

    /// Bring a state of schema version `from` (at least [`OLDEST_MIGRATABLE`]) to
    /// [`SCHEMA_VERSION`], in one transaction: a failure leaves the file as it was.
    fn migrate(&mut self, from: i64) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read again under the write lock: the version `validate` saw was read outside it.
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version != from {
            return Err(
                format!("schema version changed from {from} to {version} while opening").into(),
            );
        }
        // 1 -> 2: the same tables, and every stored key is what `url_norm::key` now computes
        // (pinned by its golden-value test), so only the version changes.
        // 2 -> 3: the rows' `--meta` cells (NULL for the rows already logged).
        let has_meta: bool = tx.query_row(
            "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'meta'",
            [],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !has_meta {
            tx.execute_batch("ALTER TABLE rows ADD COLUMN meta TEXT")?;
        }
        // 3 -> 4: the rows' `--text` cells (NULL, that is empty, for the rows already logged).
        let has_text: bool = tx.query_row(
            "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'text'",
            [],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !has_text {
            tx.execute_batch("ALTER TABLE rows ADD COLUMN text BLOB")?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    }

    fn load_counters(&self) -> rusqlite::Result<(bool, u64)> {
        let active = self
            .conn
            .query_row("SELECT 1 FROM crawl WHERE id = 1", [], |_| Ok(()))
            .optional()?
            .is_some();
        let next_row: u64 =
            self.conn
                .query_row("SELECT coalesce(max(seq) + 1, 0) FROM rows", [], |r| {
                    r.get(0)
                })?;
        Ok((active, next_row))
    }

    fn db(&self, source: rusqlite::Error) -> StateError {
        StateError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// The state file's path.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path (`<path>.lock`).
    #[cfg(test)]
    pub fn lock_path(&self) -> &Path {
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
mod tests {
    use super::*;
    use crate::url_norm;
    use std::time::Instant;

    fn entry(path: &str, depth: u32, parent: Option<&str>) -> Entry {
        let url = Url::parse(&format!("https://h.test/{path}")).expect("url");
        Entry {
            key: url_norm::key(&url),
            url,
            depth,
            parent: parent.map(Arc::from),
        }
    }

    fn meta() -> CrawlMeta {
        CrawlMeta {
            seeds: vec!["https://h.test/".into(), "https://g.test/a?b=1".into()],
            scope: "host".into(),
            options: "max-depth=2 max-pages=none".into(),
            output: "output/trawl-20260101-000000.csv".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn row(e: &Entry, status: Option<u16>) -> Row {
        Row {
            final_url: e.url.to_string(),
            status,
            content_type: "text/html; charset=utf-8".into(),
            title: format!("Title \"{}\",\nwith ünïcode", e.url.path()),
            links: Some(7),
            bytes: Some(u64::MAX >> 1),
            elapsed_ms: Some(12),
            fetched_at: "2026-01-01T00:00:01Z".into(),
            encoding: "UTF-8".into(),
            error: None,
            meta: None,
            dedup_key: None,
            ..Row::for_entry(e)
        }
    }

    fn done(e: &Entry, status: Option<u16>) -> Done {
        Done {
            key: e.key,
            row: row(e, status),
            remember: true,
            validators: Validators::default(),
            write_row: true,
            failed: false,
        }
    }

    /// A fresh directory (kept while the handle lives) and the state file's path in it.
    fn state_path() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("state.db");
        (dir, path)
    }

    /// The state at `path`, opened, with a crawl started.
    fn started(path: &Path) -> StateStore {
        let mut s = StateStore::open(path).expect("open");
        s.start(&meta()).expect("start");
        s
    }

    /// The seed `a` and the two pages `b` and `c` linked from it.
    fn a_and_its_links() -> [Entry; 3] {
        [
            entry("a", 0, None),
            entry("b", 1, Some("https://h.test/a")),
            entry("c", 1, Some("https://h.test/a")),
        ]
    }

    /// A batch that only queues `queued`.
    fn queue_batch(queued: Vec<Entry>) -> Batch {
        Batch {
            queued,
            ..Batch::default()
        }
    }

    /// A batch that only records `done`.
    fn done_batch(done: Vec<Done>) -> Batch {
        Batch {
            done,
            ..Batch::default()
        }
    }

    /// What `known` answers for a page remembered with these validators.
    fn known(etag: &str, last_modified: Option<&str>) -> Option<Validators> {
        Some(Validators {
            etag: Some(etag.into()),
            last_modified: last_modified.map(Into::into),
        })
    }

    fn paths(entries: &[Entry]) -> Vec<(String, u32)> {
        entries
            .iter()
            .map(|e| (e.url.path().to_owned(), e.depth))
            .collect()
    }

    fn sorted(mut keys: Vec<UrlKey>) -> Vec<UrlKey> {
        keys.sort_unstable_by_key(|&k| key_to_db(k));
        keys
    }

    #[test]
    fn second_open_is_locked_until_the_first_is_dropped() {
        let (_dir, path) = state_path();
        let first = StateStore::open(&path).expect("first open");
        let err = StateStore::open(&path).expect_err("second open must fail");
        let lock = lock_path(&path);
        match &err {
            StateError::Locked { path: p, lock: l } => {
                assert_eq!(p, &path);
                assert_eq!(l, &lock);
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains(&lock.display().to_string()), "{msg}");
        assert!(msg.contains("in use by another trawl process"), "{msg}");
        assert_eq!(first.lock_path(), lock);
        drop(first);
        let again = StateStore::open(&path).expect("open after drop");
        assert!(again.unfinished().expect("unfinished").is_none());
        assert!(lock.exists(), "the lock file stays; only the OS lock goes");
    }

    #[test]
    fn start_commit_unfinished_round_trip() {
        let (_dir, path) = state_path();
        let mut s = StateStore::open(&path).expect("open");
        assert!(s.unfinished().expect("unfinished").is_none());
        assert!(!s.in_progress());
        s.start(&meta()).expect("start");
        assert!(s.in_progress());

        let seed = entry("", 0, None);
        let a = entry("a?x=1", 1, Some("https://h.test/"));
        let b = entry("b", 1, Some("https://h.test/"));
        let c = entry("c", 2, Some("https://h.test/a?x=1"));
        let redirect_target = entry("moved", 1, None);
        s.commit(queue_batch(vec![seed.clone()])).expect("seed");
        let mut failed = done(&seed, None);
        failed.row.error = Some(ErrorClass::Timeout);
        failed.row.links = None;
        failed.row.bytes = None;
        failed.row.elapsed_ms = None;
        failed.row.status = None;
        let mut seed_done = done(&seed, Some(200));
        seed_done.row.error = Some(ErrorClass::TooLarge);
        s.commit(Batch {
            queued: vec![a.clone(), b.clone(), c.clone()],
            seen: vec![redirect_target.key],
            done: vec![seed_done.clone()],
        })
        .expect("batch");

        let r = s.unfinished().expect("unfinished").expect("some");
        assert_eq!(r.meta, meta());
        assert_eq!(r.queued, vec![a.clone(), b.clone(), c.clone()]);
        assert_eq!(
            r.seen,
            sorted(vec![seed.key, a.key, b.key, c.key, redirect_target.key])
        );
        assert_eq!(r.rows_logged, 1);
        assert_eq!(r.done, 1);
        assert_eq!(s.rows_from(0).expect("rows"), vec![seed_done.row.clone()]);

        let mut b_done = done(&b, Some(404));
        b_done.row.error = Some(ErrorClass::Http);
        let mut a_failed = failed.clone();
        a_failed.key = a.key;
        a_failed.remember = false;
        a_failed.row.url = a.url.to_string();
        s.commit(done_batch(vec![b_done.clone(), a_failed.clone()]))
            .expect("done");
        assert_eq!(s.rows_logged(), 3);
        assert_eq!(
            s.rows_from(1).expect("rows"),
            vec![b_done.row.clone(), a_failed.row.clone()]
        );
        assert_eq!(s.rows_from(3).expect("rows"), vec![]);
        assert_eq!(s.rows_from(u64::MAX).expect("rows"), vec![]);

        drop(s);
        let s = StateStore::open(&path).expect("reopen");
        assert!(s.in_progress());
        assert_eq!(s.rows_logged(), 3);
        let r = s.unfinished().expect("unfinished").expect("some");
        assert_eq!(r.queued, vec![c]);
        assert_eq!(r.done, 3);
        assert_eq!(r.rows_logged, 3);
        assert_eq!(
            s.rows_from(0).expect("rows"),
            vec![seed_done.row, b_done.row, a_failed.row]
        );
        assert_eq!(s.history_len().expect("history"), 2, "seed and b, not a");
    }

    #[test]
    fn every_row_field_round_trips() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = StateStore::open(&dir.path().join("s")).expect("open");
        s.start(&meta()).expect("start");
        let mut dones = Vec::new();
        for (i, class) in ErrorClass::ALL
            .into_iter()
            .map(Some)
            .chain([None])
            .enumerate()
        {
            let e = entry(&format!("p{i}"), 3, Some("https://h.test/"));
            let mut d = done(&e, Some(u16::MAX - i as u16));
            d.row.error = class;
            d.row.links = Some(usize::MAX >> 1);
            d.row.bytes = Some(i as u64);
            d.row.elapsed_ms = if i % 2 == 0 {
                None
            } else {
                Some(u64::MAX >> 1)
            };
            d.row.encoding = "windows-1251".into();
            d.row.title = String::new();
            if i % 3 == 1 {
                d.row.text = format!("Paragraph {i}, «quoted».\n\n- item\n- item").repeat(i);
            }
            dones.push(d);
        }
        let mut empty = done(&entry("empty", 0, None), None);
        empty.row = Row::default();
        dones.push(empty);
        let expected: Vec<Row> = dones.iter().map(|d| d.row.clone()).collect();
        s.commit(done_batch(dones)).expect("commit");
        assert_eq!(s.rows_from(0).expect("rows"), expected);
        assert_eq!(s.rows_from(5).expect("rows"), expected[5..].to_vec());
    }

    #[test]
    fn drop_without_finish_leaves_the_crawl_resumable_with_in_flight_entries_queued() {
        let (_dir, path) = state_path();
        let [a, b, c] = a_and_its_links();
        {
            let mut s = started(&path);
            s.commit(queue_batch(vec![a.clone(), b.clone(), c.clone()]))
                .expect("queue");
            // The coordinator has popped a and b (in flight); only a finishes before the "crash".
            s.commit(done_batch(vec![done(&a, Some(200))]))
                .expect("done");
            // Dropped without finish().
        }
        let s = StateStore::open(&path).expect("reopen");
        let r = s.unfinished().expect("unfinished").expect("some");
        assert_eq!(r.queued, vec![b.clone(), c.clone()], "b was in flight");
        assert_eq!(r.seen, sorted(vec![a.key, b.key, c.key]));
        assert_eq!(r.done, 1);
        assert_eq!(r.rows_logged, 1);
        assert_eq!(r.meta, meta());
    }

    #[test]
    fn files_left_by_a_crashed_process_are_resumable() {
        // Copy the database and its write-ahead log as they are on disk while the store is open
        // (nothing checkpointed, no clean close): what a killed process leaves behind.
        let (dir, path) = state_path();
        let copy_dir = tempfile::tempdir().expect("tmp");
        let copy = copy_dir.path().join("state.db");
        let a = entry("a", 0, None);
        let b = entry("b", 1, Some("https://h.test/a"));
        let mut s = started(&path);
        s.commit(Batch {
            queued: vec![a.clone(), b.clone()],
            done: vec![],
            seen: vec![],
        })
        .expect("queue");
        s.commit(done_batch(vec![done(&a, Some(200))]))
            .expect("done");
        let wal = dir.path().join("state.db-wal");
        assert!(wal.exists(), "WAL mode");
        std::fs::copy(&path, &copy).expect("copy db");
        std::fs::copy(&wal, copy_dir.path().join("state.db-wal")).expect("copy wal");
        let c = StateStore::open(&copy).expect("open copy");
        let r = c.unfinished().expect("unfinished").expect("some");
        assert_eq!(r.queued, vec![b]);
        assert_eq!(r.done, 1);
        assert_eq!(c.rows_from(0).expect("rows").len(), 1);
        assert!(c.known(a.key).expect("known").is_some());
        drop(s);
    }

    const CHILD_ENV: &str = "TRAWL_STATE_TEST_CHILD";

    /// Child half of `a_killed_process_releases_the_lock_and_keeps_its_commits`; a no-op unless
    /// run by it.
    #[test]
    fn crash_child() {
        let Some(path) = std::env::var_os(CHILD_ENV) else {
            return;
        };
        let path = PathBuf::from(path);
        let mut s = StateStore::open(&path).expect("child open");
        s.start(&meta()).expect("child start");
        let a = entry("a", 0, None);
        let b = entry("b", 1, Some("https://h.test/a"));
        s.commit(queue_batch(vec![a.clone(), b]))
            .expect("child queue");
        s.commit(done_batch(vec![done(&a, Some(200))]))
            .expect("child done");
        println!("ready");
        // Wait to be killed; give up after a minute so a failed parent leaves nothing behind.
        std::thread::sleep(Duration::from_secs(60));
        std::process::exit(3);
    }

    #[test]
    fn a_killed_process_releases_the_lock_and_keeps_its_commits() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};

        struct KillOnDrop(std::process::Child);
        impl Drop for KillOnDrop {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }

        let (_dir, path) = state_path();
        let exe = std::env::current_exe().expect("test binary");
        let mut child = KillOnDrop(
            Command::new(exe)
                .args([
                    "--exact",
                    "state::tests::crash_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &path)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn child"),
        );
        let stdout = child.0.stdout.take().expect("stdout");
        let ready = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("ready"));
        assert!(ready, "the child did not get ready");

        let err = StateStore::open(&path).expect_err("the child holds the lock");
        assert!(matches!(err, StateError::Locked { .. }), "{err:?}");
        assert!(err.to_string().contains(".lock"), "{err}");

        child.0.kill().expect("kill -9 the child");
        let status = child.0.wait().expect("wait");
        assert!(!status.success());

        let s = StateStore::open(&path).expect("the lock died with the child");
        let r = s.unfinished().expect("unfinished").expect("some");
        assert_eq!(paths(&r.queued), [("/b".to_owned(), 1)]);
        assert_eq!(r.done, 1);
        assert_eq!(r.rows_logged, 1);
        assert_eq!(s.history_len().expect("history"), 1);
    }

    #[test]
    fn finish_clears_the_crawl_and_history_persists_across_crawls() {
        let (_dir, path) = state_path();
        let [a, b, c] = a_and_its_links();
        {
            let mut s = started(&path);
            s.commit(queue_batch(vec![a.clone(), b.clone(), c.clone()]))
                .expect("queue");
            s.commit(done_batch(vec![done(&a, Some(200)), done(&b, Some(301))]))
                .expect("done");
            s.finish().expect("finish");
            assert!(!s.in_progress());
            assert!(s.unfinished().expect("unfinished").is_none());
            assert_eq!(s.rows_from(0).expect("rows"), vec![]);
            assert_eq!(s.rows_logged(), 0);
            assert_eq!(s.history_len().expect("history"), 2);
            let err = s.commit(Batch::default()).expect_err("no crawl");
            assert!(matches!(err, StateError::NoCrawl { .. }), "{err:?}");
        }
        let mut s = StateStore::open(&path).expect("reopen");
        assert!(s.unfinished().expect("unfinished").is_none());
        assert_eq!(s.history_len().expect("history"), 2);
        assert!(s.known(a.key).expect("a").is_some());
        assert!(s.known(b.key).expect("b").is_some());
        assert!(s.known(c.key).expect("c").is_none());

        // The second crawl starts empty and adds to the history.
        let mut m = meta();
        m.started_at = "2026-01-02T00:00:00Z".into();
        s.start(&m).expect("start 2");
        let r = s.unfinished().expect("unfinished").expect("some");
        assert_eq!(r.meta, m);
        assert!(r.queued.is_empty() && r.seen.is_empty());
        assert_eq!((r.done, r.rows_logged), (0, 0));
        let mut again = done(&a, Some(304));
        again.write_row = false;
        s.commit(Batch {
            queued: vec![a.clone(), c.clone()],
            done: vec![again, done(&c, Some(200))],
            ..Batch::default()
        })
        .expect("crawl 2");
        assert_eq!(s.history_len().expect("history"), 3);
        let rows = s.rows_from(0).expect("rows");
        assert_eq!(rows.len(), 1, "the revisited page is not logged");
        assert_eq!(rows[0].url, c.url.as_str());
        assert_eq!(s.unfinished().expect("u").expect("some").done, 2);
    }

    #[test]
    fn start_discards_an_unfinished_crawl_but_keeps_its_history() {
        let (_dir, path) = state_path();
        let a = entry("a", 0, None);
        let b = entry("b", 1, None);
        let mut s = started(&path);
        s.commit(Batch {
            queued: vec![a.clone(), b.clone()],
            done: vec![done(&a, Some(200))],
            seen: vec![],
        })
        .expect("commit");
        drop(s);
        let mut s = StateStore::open(&path).expect("reopen");
        assert!(s.unfinished().expect("u").is_some());
        let mut m = meta();
        m.seeds = vec!["https://other.test/".into()];
        s.start(&m).expect("restart");
        let r = s.unfinished().expect("u").expect("some");
        assert_eq!(r.meta, m);
        assert!(r.queued.is_empty());
        assert!(r.seen.is_empty());
        assert_eq!((r.done, r.rows_logged), (0, 0));
        assert_eq!(s.rows_from(0).expect("rows"), vec![]);
        assert!(s.known(a.key).expect("known").is_some());
        // Queue sequence numbers restart; b queued again is alone.
        s.commit(queue_batch(vec![b.clone()])).expect("commit");
        assert_eq!(s.unfinished().expect("u").expect("some").queued, vec![b]);
    }

    #[test]
    fn known_validators_are_upserted() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
        s.start(&meta()).expect("start");
        let a = entry("a", 0, None);
        assert_eq!(s.known(a.key).expect("known"), None);

        let lm = "Wed, 21 Oct 2015 07:28:00 GMT";
        let validated = |status, etag: &str, last_modified: Option<&str>| Done {
            validators: Validators {
                etag: Some(etag.into()),
                last_modified: last_modified.map(Into::into),
            },
            ..done(&a, Some(status))
        };
        // Commit `d`, then what is remembered of a.
        let mut remembered = |d: Done, what: &str| {
            s.commit(done_batch(vec![d])).expect(what);
            s.known(a.key).expect("known")
        };
        assert_eq!(
            remembered(validated(200, "\"v1\"", Some(lm)), "v1"),
            known("\"v1\"", Some(lm))
        );

        // A 304 that repeats only the ETag keeps the remembered Last-Modified.
        assert_eq!(
            remembered(validated(304, "\"v1b\"", None), "304"),
            known("\"v1b\"", Some(lm))
        );

        // A 200 replaces both, including with none.
        assert_eq!(
            remembered(validated(200, "\"v2\"", None), "v2"),
            known("\"v2\"", None)
        );

        // A later failure (remember = false) leaves the remembered page as it was.
        let failed = Done {
            remember: false,
            ..validated(503, "\"never\"", None)
        };
        assert_eq!(
            remembered(failed, "503").and_then(|k| k.etag),
            Some("\"v2\"".into())
        );
        assert_eq!(s.history_len().expect("history"), 1);
    }

    #[test]
    fn remember_false_is_not_in_the_history() {
        let (_dir, path) = state_path();
        let mut s = started(&path);
        let a = entry("a", 0, None);
        let b = entry("b", 0, None);
        let mut fa = done(&a, None);
        fa.remember = false;
        fa.row.error = Some(ErrorClass::Dns);
        let mut fb = done(&b, Some(429));
        fb.remember = false;
        fb.validators.etag = Some("\"x\"".into());
        s.commit(Batch {
            queued: vec![a.clone(), b.clone()],
            done: vec![fa, fb],
            ..Batch::default()
        })
        .expect("commit");
        assert_eq!(s.known(a.key).expect("a"), None);
        assert_eq!(s.known(b.key).expect("b"), None);
        assert_eq!(s.history_len().expect("history"), 0);
        assert_eq!(
            s.rows_from(0).expect("rows").len(),
            2,
            "rows are still logged"
        );
        s.finish().expect("finish");
        drop(s);
        let s = StateStore::open(&path).expect("reopen");
        assert_eq!(s.known(a.key).expect("a"), None);
    }

    #[test]
    fn promoted_entries_move_to_the_back_of_their_new_depth() {
        let (_dir, path) = state_path();
        let mut s = started(&path);
        s.commit(Batch {
            queued: vec![
                entry("x", 3, Some("https://h.test/deep")),
                entry("y", 2, None),
                entry("z", 3, None),
            ],
            ..Batch::default()
        })
        .expect("first");
        s.commit(queue_batch(vec![entry("w", 2, None)]))
            .expect("second");
        let promoted = entry("x", 2, Some("https://h.test/shallow"));
        // Promotions in one batch apply in order: v promoted twice ends at depth 1.
        s.commit(Batch {
            queued: vec![
                promoted.clone(),
                entry("v", 4, None),
                entry("u", 1, None),
                entry("v", 3, None),
                entry("v", 1, None),
            ],
            ..Batch::default()
        })
        .expect("promote");
        drop(s);
        let s = StateStore::open(&path).expect("reopen");
        let r = s.unfinished().expect("u").expect("some");
        assert_eq!(
            paths(&r.queued),
            [
                ("/u".to_owned(), 1),
                ("/v".to_owned(), 1),
                ("/y".to_owned(), 2),
                ("/w".to_owned(), 2),
                ("/x".to_owned(), 2),
                ("/z".to_owned(), 3),
            ]
        );
        let x = r.queued.iter().find(|e| e.key == promoted.key).expect("x");
        assert_eq!(x, &promoted, "depth and parent replaced");
        assert_eq!(r.seen.len(), 6);
    }

    #[test]
    fn marked_seen_removes_a_queued_copy_and_done_keys_are_not_requeued() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
        s.start(&meta()).expect("start");
        let a = entry("a", 1, None);
        let b = entry("b", 1, None);
        let c = entry("c", 1, None);
        s.commit(Batch {
            queued: vec![a.clone(), b.clone(), c.clone()],
            seen: vec![b.key],
            done: vec![done(&a, Some(200))],
        })
        .expect("commit");
        s.commit(queue_batch(vec![entry("a", 0, None)]))
            .expect("re-queue a done key");
        let r = s.unfinished().expect("u").expect("some");
        assert_eq!(r.queued, vec![c.clone()]);
        assert_eq!(r.seen, sorted(vec![a.key, b.key, c.key]));
        assert_eq!(r.done, 1);
    }

    #[test]
    fn keys_with_the_high_bit_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
        s.start(&meta()).expect("start");
        let mut e = entry("a", 0, None);
        let keys = [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1];
        let entries: Vec<Entry> = keys
            .iter()
            .map(|&k| {
                e.key = k;
                e.url = Url::parse(&format!("https://h.test/{k}")).expect("url");
                e.clone()
            })
            .collect();
        s.commit(queue_batch(entries.clone())).expect("commit");
        let mut d = done(&entries[2], Some(200));
        d.validators.etag = Some("e".into());
        s.commit(done_batch(vec![d])).expect("done");
        let r = s.unfinished().expect("u").expect("some");
        let mut expected = entries.clone();
        expected.remove(2);
        assert_eq!(r.queued, expected);
        assert_eq!(r.seen, sorted(keys.to_vec()));
        assert!(s.known(u64::MAX).expect("known").is_some());
        assert!(s.known(u64::MAX - 1).expect("known").is_none());
    }

    #[test]
    fn a_failed_batch_changes_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
        s.start(&meta()).expect("start");
        let a = entry("a", 0, None);
        s.commit(queue_batch(vec![a.clone()])).expect("commit");
        // A byte count beyond i64 cannot be stored: the whole batch is refused.
        let b = entry("b", 1, None);
        let good = done(&a, Some(200));
        let mut bad = done(&b, Some(200));
        bad.row.bytes = Some(u64::MAX);
        let err = s
            .commit(Batch {
                queued: vec![b.clone()],
                seen: vec![],
                done: vec![good, bad],
            })
            .expect_err("u64::MAX does not fit");
        assert!(matches!(err, StateError::Db { .. }), "{err:?}");
        assert!(err.to_string().contains("state.db"), "{err}");
        let r = s.unfinished().expect("u").expect("some");
        assert_eq!(r.queued, vec![a.clone()]);
        assert_eq!((r.done, r.rows_logged), (0, 0));
        assert_eq!(s.rows_logged(), 0);
        assert_eq!(s.history_len().expect("history"), 0);
        // The next good batch numbers its rows from 0.
        s.commit(done_batch(vec![done(&a, Some(200))]))
            .expect("commit");
        assert_eq!(s.rows_from(0).expect("rows").len(), 1);
        assert_eq!(s.rows_logged(), 1);
    }

    fn open_error(path: &Path) -> String {
        match StateStore::open(path) {
            Err(e @ StateError::Open { .. }) => e.to_string(),
            Err(other) => panic!("expected Open, got {other:?}"),
            Ok(_) => panic!("{} must be refused", path.display()),
        }
    }

    #[test]
    fn non_trawl_and_corrupted_files_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "seeds and notes, not a database\n".repeat(100)).expect("write");
        let msg = open_error(&text);
        assert!(msg.contains("not a trawl state file"), "{msg}");
        assert!(msg.contains("notes.txt"), "{msg}");
        // SQLite alone would take a file shorter than its header for an empty database.
        let short = dir.path().join("short");
        std::fs::write(&short, "x").expect("write");
        let msg = open_error(&short);
        assert!(msg.contains("not a trawl state file"), "{msg}");
        assert_eq!(std::fs::read(&short).expect("read"), b"x");

        let other = dir.path().join("other.sqlite");
        {
            let c = Connection::open(&other).expect("sqlite");
            c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
                .expect("table");
        }
        let msg = open_error(&other);
        assert!(msg.contains("not a trawl state file"), "{msg}");
        assert!(msg.contains("another program"), "{msg}");

        // A trawl state whose pages were overwritten with garbage.
        let damaged = dir.path().join("damaged.db");
        {
            let mut s = StateStore::open(&damaged).expect("open");
            s.start(&meta()).expect("start");
        }
        let good = std::fs::read(&damaged).expect("read");
        assert!(good.len() > 4096);
        // Garbage where the file begins, over the header after its magic, over the schema page.
        for range in [0..100, 16..100, 100..4096] {
            let mut bytes = good.clone();
            for b in &mut bytes[range.clone()] {
                *b = 0x5a;
            }
            std::fs::write(&damaged, &bytes).expect("write");
            let msg = open_error(&damaged);
            assert!(msg.contains("not a trawl state file"), "{range:?}: {msg}");
            assert_eq!(
                std::fs::read(&damaged).expect("read"),
                bytes,
                "left as it was"
            );
        }

        // A directory cannot be a state.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        let msg = open_error(&sub);
        assert!(msg.contains(&sub.display().to_string()), "{msg}");

        // The file is never modified by the refusal.
        assert_eq!(
            std::fs::read_to_string(&text).expect("read"),
            "seeds and notes, not a database\n".repeat(100)
        );
        assert!(!dir.path().join("notes.txt-wal").exists());
    }

    #[test]
    fn a_state_from_a_newer_schema_is_refused() {
        let (_dir, path) = state_path();
        drop(StateStore::open(&path).expect("create"));
        {
            let c = Connection::open(&path).expect("sqlite");
            c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .expect("bump");
        }
        let msg = open_error(&path);
        assert!(msg.contains("newer trawl"), "{msg}");
        assert!(
            msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
            "{msg}"
        );
    }

    /// Rewind a state file to an older schema version, as an older trawl left it (before 3, the
    /// rows had no `meta` column; before 4, no `text` column).
    fn set_version(path: &Path, version: i64) {
        let c = Connection::open(path).expect("sqlite");
        let has_meta: i64 = c
            .query_row(
                "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'meta'",
                [],
                |r| r.get(0),
            )
            .expect("table_info");
        if version < 3 && has_meta > 0 {
            c.execute_batch("ALTER TABLE rows DROP COLUMN meta")
                .expect("drop meta");
        }
        let has_text: i64 = c
            .query_row(
                "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'text'",
                [],
                |r| r.get(0),
            )
            .expect("table_info");
        if version < 4 && has_text > 0 {
            c.execute_batch("ALTER TABLE rows DROP COLUMN text")
                .expect("drop text");
        }
        c.pragma_update(None, "user_version", version)
            .expect("user_version");
    }

    fn version_of(path: &Path) -> i64 {
        let c = Connection::open(path).expect("sqlite");
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version")
    }

    #[test]
    fn a_version_1_state_is_migrated_and_its_keys_still_match() {
        let (_dir, path) = state_path();
        let a = entry("a?utm_source=x&b=1", 1, Some("https://h.test/"));
        let b = entry("b", 1, Some("https://h.test/"));
        {
            let mut s = StateStore::open(&path).expect("create");
            s.start(&meta()).expect("start");
            s.commit(queue_batch(vec![a.clone(), b.clone()]))
                .expect("queue");
            let mut d = done(&a, Some(200));
            d.validators.etag = Some("\"v1\"".into());
            s.commit(done_batch(vec![d])).expect("done");
        }
        // A version 1 file: the same tables; its keys were written by the std hasher, which
        // `url_norm` pins equal to today's (golden values), so a fresh key finds them.
        set_version(&path, 1);
        let s = StateStore::open(&path).expect("migrated");
        assert_eq!(version_of(&path), SCHEMA_VERSION);
        let r = s.unfinished().expect("unfinished").expect("in progress");
        assert_eq!(r.meta, meta());
        assert_eq!(paths(&r.queued), vec![("/b".to_string(), 1)]);
        assert_eq!(r.done, 1);
        assert_eq!(r.rows_logged, 1);
        let again = url_norm::key(&Url::parse("https://h.test/a?b=1").expect("url"));
        assert_eq!(
            s.known(again).expect("known"),
            Some(Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None
            })
        );
        drop(s);
        // Opening a migrated file again is a plain open.
        drop(StateStore::open(&path).expect("reopen"));
        assert_eq!(version_of(&path), SCHEMA_VERSION);
    }

    #[test]
    fn a_version_2_state_gets_the_meta_column_and_rows_keep_their_metadata() {
        let (_dir, path) = state_path();
        let a = entry("a", 1, Some("https://h.test/"));
        let b = entry("b", 1, Some("https://h.test/"));
        {
            let mut s = StateStore::open(&path).expect("create");
            s.start(&meta()).expect("start");
            s.commit(Batch {
                queued: vec![a.clone(), b.clone()],
                done: vec![done(&a, Some(200))],
                ..Batch::default()
            })
            .expect("commit");
        }
        set_version(&path, 2);
        let mut s = StateStore::open(&path).expect("migrated");
        assert_eq!(version_of(&path), SCHEMA_VERSION);
        let old = s.rows_from(0).expect("rows");
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].meta, None);
        let mut d = done(&b, Some(200));
        d.row.meta = Some(Box::new(crate::meta::Meta {
            published: "2026-11-30T13:05:00Z".into(),
            author: "Ада; \"Grace\"".into(),
            site_name: "S".into(),
            ..crate::meta::Meta::default()
        }));
        s.commit(done_batch(vec![d.clone()])).expect("commit");
        drop(s);
        let s = StateStore::open(&path).expect("reopen");
        let rows = s.rows_from(0).expect("rows");
        assert_eq!(rows, vec![old[0].clone(), d.row]);
    }

    #[test]
    fn a_version_3_state_gets_the_text_column_and_rows_keep_their_text() {
        let (_dir, path) = state_path();
        let a = entry("a", 1, Some("https://h.test/"));
        let b = entry("b", 1, Some("https://h.test/"));
        {
            let mut s = StateStore::open(&path).expect("create");
            s.start(&meta()).expect("start");
            s.commit(Batch {
                queued: vec![a.clone(), b.clone()],
                done: vec![done(&a, Some(200))],
                ..Batch::default()
            })
            .expect("commit");
        }
        set_version(&path, 3);
        let mut s = StateStore::open(&path).expect("migrated");
        assert_eq!(version_of(&path), SCHEMA_VERSION);
        let old = s.rows_from(0).expect("rows");
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].text, "");
        let mut d = done(&b, Some(200));
        d.row.text = "Первый абзац статьи.\n\nSecond paragraph.".repeat(50);
        s.commit(done_batch(vec![d.clone()])).expect("commit");
        drop(s);
        let s = StateStore::open(&path).expect("reopen");
        assert_eq!(
            s.rows_from(0).expect("rows"),
            vec![old[0].clone(), d.row.clone()]
        );
        // Kept compressed: the stored bytes are a fraction of the text.
        let c = Connection::open(&path).expect("sqlite");
        let stored: i64 = c
            .query_row("SELECT length(text) FROM rows WHERE seq = 1", [], |r| {
                r.get(0)
            })
            .expect("length");
        assert!(stored * 10 < d.row.text.len() as i64, "{stored}");
    }

    #[test]
    fn damaged_stored_text_is_an_error_naming_it() {
        let (_dir, path) = state_path();
        let a = entry("a", 0, None);
        {
            let mut s = StateStore::open(&path).expect("create");
            s.start(&meta()).expect("start");
            let mut d = done(&a, Some(200));
            d.row.text = "text".into();
            s.commit(done_batch(vec![d])).expect("commit");
        }
        let c = Connection::open(&path).expect("sqlite");
        c.execute("UPDATE rows SET text = x'ffffffff'", [])
            .expect("damage");
        drop(c);
        let s = StateStore::open(&path).expect("open");
        let err = s.rows_from(0).expect_err("damaged").to_string();
        assert!(err.contains("stored text"), "{err}");
    }

    #[test]
    fn a_failed_migration_leaves_the_file_as_it_was() {
        let (_dir, path) = state_path();
        drop(StateStore::open(&path).expect("create"));
        set_version(&path, 1);
        // A foreign reader holds a read transaction with the WAL: the migration cannot take the
        // write lock within the busy timeout, and must fail without writing anything.
        let c = Connection::open(&path).expect("sqlite");
        c.execute_batch("BEGIN EXCLUSIVE").expect("lock");
        let msg = open_error(&path);
        assert!(!msg.contains('\n'), "one line: {msg}");
        assert!(msg.contains("state.db"), "{msg}");
        assert!(
            msg.contains("cannot migrate from schema version 1"),
            "{msg}"
        );
        c.execute_batch("ROLLBACK").expect("unlock");
        drop(c);
        assert_eq!(version_of(&path), 1);
    }

    #[test]
    fn refusals_are_one_line() {
        let (_dir, path) = state_path();
        drop(StateStore::open(&path).expect("create"));
        for version in [SCHEMA_VERSION + 1, 0, -1] {
            set_version(&path, version);
            let msg = open_error(&path);
            assert!(!msg.contains('\n'), "one line: {msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains(&format!("schema version {version}")), "{msg}");
            assert_eq!(version_of(&path), version, "left as it was");
        }
    }

    #[test]
    fn a_trawl_state_missing_a_table_is_refused() {
        let (_dir, path) = state_path();
        drop(StateStore::open(&path).expect("create"));
        {
            let c = Connection::open(&path).expect("sqlite");
            c.execute_batch("DROP TABLE history").expect("drop");
        }
        let msg = open_error(&path);
        assert!(msg.contains("history"), "{msg}");
    }

    #[test]
    fn a_missing_directory_is_an_open_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("no/such/dir/state.db");
        let msg = open_error(&path);
        assert!(msg.contains("no/such/dir/state.db"), "{msg}");
        assert!(msg.contains(".lock"), "{msg}");
    }

    #[test]
    fn the_file_is_a_wal_mode_trawl_database() {
        let (_dir, path) = state_path();
        drop(StateStore::open(&path).expect("create"));
        let c = Connection::open(&path).expect("sqlite");
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        let id: i64 = c
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .expect("id");
        assert_eq!(id, APPLICATION_ID);
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn large_batches_stay_fast() {
        const QUEUED: usize = 100_000;
        const DONE: usize = 50_000;
        const BATCH: usize = 5_000;
        let (_dir, path) = state_path();
        let mut s = started(&path);
        let entries: Vec<Entry> = (0..QUEUED)
            .map(|i| {
                entry(
                    &format!("article/{i}?utm_source=x"),
                    1 + (i % 3) as u32,
                    Some("https://h.test/"),
                )
            })
            .collect();
        let t = Instant::now();
        let mut batches = 0;
        for chunk in entries.chunks(BATCH) {
            s.commit(queue_batch(chunk.to_vec())).expect("queue batch");
            batches += 1;
        }
        let queued_time = t.elapsed();
        let t = Instant::now();
        for chunk in entries[..DONE].chunks(BATCH) {
            let done: Vec<Done> = chunk
                .iter()
                .map(|e| {
                    let mut d = done(e, Some(200));
                    d.validators.etag = Some(format!("\"{}\"", e.key));
                    d
                })
                .collect();
            s.commit(Batch {
                done,
                ..Batch::default()
            })
            .expect("done batch");
            batches += 1;
        }
        let done_time = t.elapsed();
        let t = Instant::now();
        let r = s.unfinished().expect("u").expect("some");
        let resume_time = t.elapsed();
        let t = Instant::now();
        let rows = s.rows_from(0).expect("rows");
        let rows_time = t.elapsed();
        eprintln!(
            "state: {QUEUED} queued in {queued_time:?}, {DONE} done in {done_time:?} \
             ({batches} batches of {BATCH}), resume read in {resume_time:?}, \
             {} rows read in {rows_time:?}",
            rows.len()
        );
        assert_eq!(r.queued.len(), QUEUED - DONE);
        assert_eq!(r.seen.len(), QUEUED);
        assert_eq!(r.done, DONE as u64);
        assert_eq!(rows.len(), DONE);
        assert_eq!(s.history_len().expect("history"), DONE as u64);
        // Queue order: by depth, then insertion order.
        assert!(r.queued.windows(2).all(|w| w[0].depth <= w[1].depth));
        for depth in 1..=3 {
            let got: Vec<&Entry> = r.queued.iter().filter(|e| e.depth == depth).collect();
            let expected: Vec<&Entry> = entries[DONE..]
                .iter()
                .filter(|e| e.depth == depth)
                .collect();
            assert_eq!(got, expected, "FIFO at depth {depth}");
        }
        let t = Instant::now();
        s.finish().expect("finish");
        eprintln!("state: finish in {:?}", t.elapsed());
    }
}
