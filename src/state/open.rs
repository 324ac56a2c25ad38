//! Opening a state file, the only door into one: take the exclusive lock on `<PATH>.lock`,
//! refuse a file that is not trawl's (its SQLite header, `application_id`, tables) or is of a newer
//! schema, create the schema in an empty file, and migrate an older version in one transaction
//! (the versions are listed in `super`'s documentation). Nothing here reads or writes a crawl:
//! that is the store's (`super`); a refusal is a [`StateError::Open`] naming the file.

use super::{StateError, StateStore};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema version this build reads and writes. Older versions are migrated on open
/// ([`OLDEST_MIGRATABLE`] and up).
pub(super) const SCHEMA_VERSION: i64 = 4;

/// The oldest schema version this build migrates to [`SCHEMA_VERSION`]: version 1's tables are
/// version 2's, and its keys are equal (see the module documentation).
pub(super) const OLDEST_MIGRATABLE: i64 = 1;

/// `PRAGMA application_id` of a trawl state file: "TRWL".
pub(super) const APPLICATION_ID: i64 = 0x5452_574C;

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

/// The sidecar lock file of a state: `<path>.lock`.
pub(super) fn lock_path(path: &Path) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(".lock");
    PathBuf::from(s)
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
}
