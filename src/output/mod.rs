//! The sinks: the one writer of crawl output, page rows as CSV (RFC 4180, UTF-8, header once) or
//! JSONL, and the optional `from,to` edges CSV. The room's rule: it writes what it is handed and
//! decides nothing about a row; the cells and column names are the row schema's
//! (`crate::record`), and the paths a run may write are [`paths`]' ([`OutputTarget`], checked
//! before the first request). Workers never hold a sink. Rows are written by the coordinator
//! alone (through its ledger); the one other thread that touches a sink is the signal thread,
//! which closes a [`SharedSink`] between two rows (its lock is held while a row is written, so a
//! row is never torn).
//!
//! Files are written as `<OUT>.partial` beside their final name and renamed into place by
//! [`FileSink::finish`], so a reader never sees half a file at the final name; they are created
//! before the first request so a bad path fails at once, exclusively and locked, so no two
//! processes ever write one file (see [`OutputTarget`] for the names a run may take). What was
//! written can be handed to the kernel and taken back ([`RowSink::mark`], [`RowSink::retract`]):
//! a shared crawl writes each row before Redis hears of it.

pub mod paths;

use crate::error::{ConfigError, CrawlError};
use crate::record::NUMERIC_COLUMNS;
pub use crate::record::{Row, COLUMNS, META_COLUMNS, TEXT_COLUMN};
pub use paths::OutputTarget;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where rows and edges are written.
pub trait RowSink {
    /// Write one page row.
    fn write_row(&mut self, row: &Row) -> Result<(), CrawlError>;
    /// Write the edges of one page (`from` is the page's URL).
    fn write_links(
        &mut self,
        from: &str,
        to: &mut dyn Iterator<Item = &str>,
    ) -> Result<(), CrawlError>;
    /// Push everything written so far to the operating system.
    fn flush(&mut self) -> Result<(), CrawlError>;
    /// Hand everything written to the kernel and say where the files end, so that what is
    /// written next can be taken back ([`RowSink::retract`]); `None` when this sink cannot take
    /// anything back (standard output).
    fn mark(&mut self) -> Result<Option<Mark>, CrawlError> {
        Ok(None)
    }
    /// Take back everything written after `mark` (no other writer appends to a file, so that is
    /// exactly what this process wrote since).
    fn retract(&mut self, mark: Mark) -> Result<(), CrawlError> {
        let _ = mark;
        Ok(())
    }
}

/// Where a sink's files ended at [`RowSink::mark`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    rows: u64,
    links: Option<u64>,
}

/// The row file's format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Csv,
    /// One JSON object per line, with the CSV's field names.
    Jsonl,
}

impl Format {
    /// The default file name's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputOptions {
    pub format: Format,
    /// Prefix `'` to CSV cells that begin with `=`, `+`, `-`, `@`, tab or CR.
    pub excel_safe: bool,
    /// Start a CSV file with a UTF-8 byte-order mark.
    pub bom: bool,
    /// `--meta`: the [`META_COLUMNS`] follow the [`COLUMNS`] (empty cells for a row without
    /// metadata, such as a failed page).
    pub meta: bool,
    /// `--text`: the [`TEXT_COLUMN`] comes last (after the metadata columns with `--meta`).
    pub text: bool,
}

/// A cell a spreadsheet would run as a formula gets a leading `'`.
pub fn excel_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// `<path>.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Most `-N` names tried for a numbered output before giving up.
const MAX_NUMBERED: u32 = 10_000;

/// Remove `<path>.partial` if no process holds it: the file of an unfinished `--state` crawl
/// that `--restart` discards.
pub fn reclaim_partial(path: &Path) {
    let partial = partial_path(path);
    if let Ok(f) = OpenOptions::new().write(true).open(&partial) {
        if f.try_lock().is_ok() {
            let _ = std::fs::remove_file(&partial);
        }
    }
}

/// One output file being written at `<final>.partial` (or standard output).
///
/// Invariant: one writer per file. A `.partial` is created exclusively (`O_EXCL`) and locked
/// (`flock`) for as long as it is written; a resume reopens its own `.partial` only under that
/// lock (and under the `--state` lock that names the file), so no two trawl processes ever
/// write one file.
struct OutFile {
    writer: BufWriter<Box<dyn Write + Send>>,
    /// The open `.partial` (the same open file as the writer's, so one offset): it holds the
    /// lock, and rows are taken back through it (`truncate`). `None` for standard output.
    file: Option<File>,
    /// Final path, `None` for standard output.
    path: Option<PathBuf>,
    name: String,
}

/// `option PATH: why` (exit 2).
fn refused(option: &str, path: &Path, why: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid(format!("{option} {}: {why}", path.display()))
}

/// Why `<path>.partial` cannot be had: a running trawl holds its lock, or a run that did not
/// finish left it.
fn in_use(option: &str, path: &Path, partial: &Path) -> ConfigError {
    let locked = File::open(partial).is_ok_and(|f| f.try_lock().is_err());
    if locked {
        refused(
            option,
            path,
            format!(
                "another trawl process is writing it ({} is locked)",
                partial.display()
            ),
        )
    } else {
        refused(
            option,
            path,
            format!(
                "{} was left by a run that did not finish; resume that run with its --state, \
                 or remove the file",
                partial.display()
            ),
        )
    }
}

/// Is `file` still the file at `path` (not renamed away by the process that held it)?
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl OutFile {
    fn stdout() -> OutFile {
        OutFile {
            writer: BufWriter::with_capacity(64 * 1024, Box::new(io::stdout())),
            file: None,
            path: None,
            name: "standard output".into(),
        }
    }

    fn of(file: File, path: PathBuf, partial: &Path) -> Result<OutFile, io::Error> {
        let writer: Box<dyn Write + Send> = Box::new(file.try_clone()?);
        Ok(OutFile {
            writer: BufWriter::with_capacity(64 * 1024, writer),
            file: Some(file),
            path: Some(path),
            name: partial.display().to_string(),
        })
    }

    /// Create `<path>.partial` exclusively and lock it (or use standard output). A literal path
    /// whose `.partial` exists is refused; a numbered one takes the first free `-N` name (one
    /// whose final file and `.partial` are both absent).
    fn create(option: &'static str, target: &OutputTarget) -> Result<OutFile, ConfigError> {
        let (path, numbered) = match target {
            OutputTarget::Stdout => return Ok(OutFile::stdout()),
            OutputTarget::File(p) => (p, false),
            OutputTarget::NextFree(p) => (p, true),
        };
        if let Some(dir) = path
            .parent()
            .filter(|d| *d == Path::new(paths::DEFAULT_DIR))
        {
            // The default directory is created on demand; any other must exist.
            std::fs::create_dir_all(dir).map_err(|e| refused(option, path, e))?;
        }
        let last = if numbered { MAX_NUMBERED } else { 0 };
        for n in 0..=last {
            let candidate = paths::numbered(path, n);
            if numbered && candidate.exists() {
                continue;
            }
            let partial = partial_path(&candidate);
            let file = match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&partial)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && numbered => continue,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(in_use(option, path, &partial))
                }
                Err(e) => return Err(refused(option, path, e)),
            };
            // Another process may have opened the new file (a resume naming it) and locked it
            // first: then it is that one's.
            if file.try_lock().is_err() {
                if numbered {
                    continue;
                }
                return Err(in_use(option, path, &partial));
            }
            return OutFile::of(file, candidate, &partial).map_err(|e| refused(option, path, e));
        }
        Err(refused(
            option,
            path,
            format!("every name up to -{MAX_NUMBERED} is taken"),
        ))
    }

    /// Open `<path>.partial` of a resumed crawl (creating it if it is gone) and lock it;
    /// `append` keeps what it holds, otherwise it is emptied. Refused while another process
    /// holds it.
    fn reopen(option: &'static str, path: &Path, append: bool) -> Result<OutFile, ConfigError> {
        let partial = partial_path(path);
        for _ in 0..3 {
            let file = OpenOptions::new()
                .write(true)
                .append(append)
                .create(true)
                .truncate(false)
                .open(&partial)
                .map_err(|e| refused(option, path, e))?;
            if file.try_lock().is_err() {
                return Err(in_use(option, path, &partial));
            }
            if !same_file(&file, &partial) {
                // Renamed into place by the process that held it: open the name again.
                continue;
            }
            if !append {
                file.set_len(0).map_err(|e| refused(option, path, e))?;
            }
            return OutFile::of(file, path.to_owned(), &partial)
                .map_err(|e| refused(option, path, e));
        }
        Err(in_use(option, path, &partial))
    }

    /// Keep only the complete lines of the (locked) `.partial` whose first field is in `keep`,
    /// and the header: a resumed crawl's edges are those of the pages the state logged a row
    /// for (the pages written before their commit are fetched again and write theirs again).
    /// Lines are records: a URL holds no line break. Filtered in place, front to back.
    fn keep_edges_of(&mut self, keep: &HashSet<&str>) -> io::Result<bool> {
        use std::io::BufRead;
        use std::os::unix::fs::FileExt;
        let Some(path) = &self.path else {
            return Ok(false);
        };
        let partial = partial_path(path);
        let mut reader = io::BufReader::new(File::open(&partial)?);
        let out = OpenOptions::new().write(true).open(&partial)?;
        let mut line = Vec::new();
        let (mut at, mut first) = (0u64, true);
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 || line.last() != Some(&b'\n') {
                break;
            }
            let keep_it = first || {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(&line[..]);
                r.records()
                    .next()
                    .and_then(Result::ok)
                    .is_some_and(|rec| rec.get(0).is_some_and(|from| keep.contains(from)))
            };
            first = false;
            if keep_it {
                out.write_all_at(&line, at)?;
                at += line.len() as u64;
            }
        }
        out.set_len(at)?;
        Ok(at > 0)
    }

    fn write_err(&self, source: io::Error) -> CrawlError {
        CrawlError::Write {
            what: self.name.clone(),
            source,
        }
    }

    fn flush(&mut self) -> Result<(), CrawlError> {
        self.writer.flush().map_err(|e| self.write_err(e))
    }

    /// Everything written handed to the kernel; where the file ends now (`None` for standard
    /// output, which cannot take anything back).
    fn position(&mut self) -> Result<Option<u64>, CrawlError> {
        use std::io::Seek;
        self.flush()?;
        match self.file.as_ref() {
            Some(mut f) => f.stream_position().map(Some).map_err(|e| self.write_err(e)),
            None => Ok(None),
        }
    }

    /// Take back everything written after `at` (a [`OutFile::position`]).
    fn truncate(&mut self, at: u64) -> Result<(), CrawlError> {
        use std::io::Seek;
        self.flush()?;
        if let Some(mut f) = self.file.as_ref() {
            f.set_len(at)
                .and_then(|()| f.seek(io::SeekFrom::Start(at)).map(|_| ()))
                .map_err(|e| self.write_err(e))?;
        }
        Ok(())
    }

    /// Remove the `.partial` of a run refused after its files were made.
    fn discard(self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(partial_path(path));
        }
    }

    /// Flush and rename `<path>.partial` to `<path>` (the lock is let go after the rename).
    fn finish(mut self) -> Result<Option<PathBuf>, CrawlError> {
        self.flush()?;
        let Some(path) = self.path.take() else {
            return Ok(None);
        };
        let partial = partial_path(&path);
        std::fs::rename(&partial, &path).map_err(|source| CrawlError::Write {
            what: format!("renaming {} to {}", partial.display(), path.display()),
            source,
        })?;
        drop(self.writer);
        drop(self.file);
        Ok(Some(path))
    }
}

/// The output files of a crawl: rows (CSV or JSONL) and optional edges (CSV), each written at
/// `<name>.partial` until [`FileSink::finish`].
pub struct FileSink {
    rows: OutFile,
    options: OutputOptions,
    links: Option<OutFile>,
    record: Vec<u8>,
}

/// A CSV error as the `io::Error` it is (a failed write: its kind, e.g. `BrokenPipe`, kept), or
/// wrapped whole when it is not one. Its text is the same either way.
fn csv_io(e: csv::Error) -> io::Error {
    if !e.is_io_error() {
        return io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        // Not reached: is_io_error() holds only for ErrorKind::Io.
        kind => io::Error::other(format!("{kind:?}")),
    }
}

impl FileSink {
    /// Create the output files of a new crawl and write their headers. Fails fast on an
    /// unwritable path or a name in use (see [`OutputTarget`]); a failure leaves no file.
    pub fn create(
        target: &OutputTarget,
        links: Option<&OutputTarget>,
        options: OutputOptions,
    ) -> Result<FileSink, ConfigError> {
        let rows = OutFile::create("-o", target)?;
        let links = match links
            .map(|t| OutFile::create("--links-output", t))
            .transpose()
        {
            Ok(l) => l,
            Err(e) => {
                rows.discard();
                return Err(e);
            }
        };
        let mut sink = FileSink {
            rows,
            options,
            links,
            record: Vec::with_capacity(1024),
        };
        if let Err(e) = sink.headers() {
            let name = sink.rows.name.clone();
            sink.discard();
            return Err(ConfigError::Invalid(format!("-o {name}: {e}")));
        }
        Ok(sink)
    }

    /// Reopen the output of a resumed crawl: the rows file is written anew from `rows` (the
    /// state's log of every row already done, so nothing is lost or doubled whatever the kill
    /// left in the file), and the edges file keeps the edges of those rows' pages (each page's
    /// edges reach the file before its page is committed as done, so none is missing; those of
    /// pages not committed are dropped, as the pages are fetched again).
    pub fn resume(
        target: &OutputTarget,
        links: Option<&OutputTarget>,
        options: OutputOptions,
        rows: &[Row],
    ) -> Result<FileSink, ConfigError> {
        let out = match target.path() {
            Some(p) => OutFile::reopen("-o", p, false)?,
            None => OutFile::stdout(),
        };
        let (links, links_had_header) = match links {
            Some(t) => {
                let mut f = match t.path() {
                    Some(p) => OutFile::reopen("--links-output", p, true)?,
                    None => OutFile::stdout(),
                };
                let keep: HashSet<&str> = rows.iter().map(|r| r.url.as_str()).collect();
                let had = f
                    .keep_edges_of(&keep)
                    .map_err(|e| ConfigError::Invalid(format!("--links-output {}: {e}", f.name)))?;
                (Some(f), had)
            }
            None => (None, false),
        };
        let mut sink = FileSink {
            rows: out,
            options,
            links,
            record: Vec::with_capacity(1024),
        };
        let result = (|| {
            sink.rows_header()?;
            if !links_had_header {
                sink.links_header()?;
            }
            for row in rows {
                sink.write_row(row)?;
            }
            sink.flush()
        })();
        result.map_err(|e| ConfigError::Invalid(format!("-o {}: {e}", sink.rows.name)))?;
        Ok(sink)
    }

    /// The final path of the rows file (`None` for standard output): a numbered name as chosen.
    pub fn rows_path(&self) -> Option<&Path> {
        self.rows.path.as_deref()
    }

    /// The final path of the edges file, if it is a file.
    pub fn links_path(&self) -> Option<&Path> {
        self.links.as_ref().and_then(|l| l.path.as_deref())
    }

    /// Remove the files of a run refused after they were made (nothing of it is in them).
    pub fn discard(self) {
        if let Some(l) = self.links {
            l.discard();
        }
        self.rows.discard();
    }

    fn headers(&mut self) -> Result<(), CrawlError> {
        self.rows_header()?;
        self.links_header()
    }

    fn rows_header(&mut self) -> Result<(), CrawlError> {
        if self.options.format == Format::Csv {
            if self.options.bom {
                self.rows
                    .writer
                    .write_all(b"\xEF\xBB\xBF")
                    .map_err(|e| self.rows.write_err(e))?;
            }
            let mut cells: Vec<String> = COLUMNS.map(String::from).into();
            if self.options.meta {
                cells.extend(META_COLUMNS.map(String::from));
            }
            if self.options.text {
                cells.push(TEXT_COLUMN.into());
            }
            self.csv_line(&cells, false)?;
        }
        Ok(())
    }

    fn links_header(&mut self) -> Result<(), CrawlError> {
        if let Some(l) = &mut self.links {
            l.writer
                .write_all(b"from,to\n")
                .map_err(|e| l.write_err(e))?;
        }
        Ok(())
    }

    /// Encode one CSV record into `self.record` and write it whole.
    fn csv_line(&mut self, cells: &[String], safe: bool) -> Result<(), CrawlError> {
        self.record.clear();
        {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(&mut self.record);
            let res = if safe {
                w.write_record(cells.iter().map(|c| excel_safe(c)).map(|c| c.into_owned()))
            } else {
                w.write_record(cells)
            };
            res.and_then(|()| w.flush().map_err(csv::Error::from))
                .map_err(|e| CrawlError::Write {
                    what: self.rows.name.clone(),
                    source: csv_io(e),
                })?;
        }
        self.rows
            .writer
            .write_all(&self.record)
            .map_err(|e| self.rows.write_err(e))
    }

    /// Flush, and rename every `.partial` file into place. Returns the rows file's final path.
    pub fn finish(self) -> Result<Option<PathBuf>, CrawlError> {
        if let Some(l) = self.links {
            l.finish()?;
        }
        self.rows.finish()
    }
}

impl RowSink for FileSink {
    fn write_row(&mut self, row: &Row) -> Result<(), CrawlError> {
        match self.options.format {
            Format::Csv if self.options.meta || self.options.text => {
                let mut cells: Vec<String> = row.cells().into();
                if self.options.meta {
                    cells.extend(row.meta.as_deref().cloned().unwrap_or_default().cells());
                }
                if self.options.text {
                    cells.push(row.text.clone());
                }
                self.csv_line(&cells, self.options.excel_safe)
            }
            Format::Csv => {
                let cells = row.cells();
                self.csv_line(&cells, self.options.excel_safe)
            }
            Format::Jsonl => {
                let mut cells: Vec<String> = row.cells().into();
                let mut names: Vec<&str> = COLUMNS.into();
                if self.options.meta {
                    cells.extend(row.meta.as_deref().cloned().unwrap_or_default().cells());
                    names.extend(META_COLUMNS);
                }
                if self.options.text {
                    cells.push(row.text.clone());
                    names.push(TEXT_COLUMN);
                }
                self.record.clear();
                jsonl_line(&mut self.record, &names, &cells).map_err(|e| CrawlError::Write {
                    what: self.rows.name.clone(),
                    source: io::Error::other(e),
                })?;
                self.rows
                    .writer
                    .write_all(&self.record)
                    .map_err(|e| self.rows.write_err(e))
            }
        }
    }

    fn write_links(
        &mut self,
        from: &str,
        to: &mut dyn Iterator<Item = &str>,
    ) -> Result<(), CrawlError> {
        let Some(l) = &mut self.links else {
            return Ok(());
        };
        let mut buf = Vec::new();
        {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(&mut buf);
            for t in to {
                w.write_record([from, t]).map_err(|e| CrawlError::Write {
                    what: l.name.clone(),
                    source: csv_io(e),
                })?;
            }
            w.flush().map_err(|e| l.write_err(e))?;
        }
        l.writer.write_all(&buf).map_err(|e| l.write_err(e))
    }

    fn flush(&mut self) -> Result<(), CrawlError> {
        self.rows.flush()?;
        if let Some(l) = &mut self.links {
            l.flush()?;
        }
        Ok(())
    }

    fn mark(&mut self) -> Result<Option<Mark>, CrawlError> {
        let Some(rows) = self.rows.position()? else {
            return Ok(None);
        };
        let links = match &mut self.links {
            Some(l) => match l.position()? {
                Some(at) => Some(at),
                None => return Ok(None),
            },
            None => None,
        };
        Ok(Some(Mark { rows, links }))
    }

    fn retract(&mut self, mark: Mark) -> Result<(), CrawlError> {
        self.rows.truncate(mark.rows)?;
        if let (Some(l), Some(at)) = (&mut self.links, mark.links) {
            l.truncate(at)?;
        }
        Ok(())
    }
}

/// One JSONL line: the fields in column order, named as the CSV's columns; a value the CSV leaves
/// empty is `null` (so `select(.error)` picks the failed rows), a number is a number.
fn jsonl_line(out: &mut Vec<u8>, names: &[&str], cells: &[String]) -> serde_json::Result<()> {
    out.push(b'{');
    for (i, (name, cell)) in names.iter().zip(cells).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, name)?;
        out.push(b':');
        if cell.is_empty() {
            out.extend_from_slice(b"null");
        } else if NUMERIC_COLUMNS.contains(name) && cell.bytes().all(|b| b.is_ascii_digit()) {
            out.extend_from_slice(cell.as_bytes());
        } else {
            serde_json::to_writer(&mut *out, cell)?;
        }
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// A [`FileSink`] that the coordinator writes through and that a signal handler can close from
/// another thread between two rows (the lock is held while a row is written, so a row is never
/// torn).
#[derive(Clone)]
pub struct SharedSink(std::sync::Arc<std::sync::Mutex<Option<FileSink>>>);

impl SharedSink {
    pub fn new(sink: FileSink) -> SharedSink {
        SharedSink(std::sync::Arc::new(std::sync::Mutex::new(Some(sink))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<FileSink>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take the sink out (for `finish`); later writes are dropped.
    pub fn take(&self) -> Option<FileSink> {
        self.lock().take()
    }

    /// Flush what was written; with `rename`, also move the files into place. Used on the way out.
    pub fn close(&self, rename: bool) -> Result<(), CrawlError> {
        let mut guard = self.lock();
        match guard.take() {
            Some(sink) if rename => sink.finish().map(|_| ()),
            Some(mut sink) => {
                let r = sink.flush();
                *guard = Some(sink);
                r
            }
            None => Ok(()),
        }
    }
}

impl RowSink for SharedSink {
    fn write_row(&mut self, row: &Row) -> Result<(), CrawlError> {
        match self.lock().as_mut() {
            Some(s) => s.write_row(row),
            None => Ok(()),
        }
    }

    fn write_links(
        &mut self,
        from: &str,
        to: &mut dyn Iterator<Item = &str>,
    ) -> Result<(), CrawlError> {
        match self.lock().as_mut() {
            Some(s) => s.write_links(from, to),
            None => Ok(()),
        }
    }

    fn flush(&mut self) -> Result<(), CrawlError> {
        match self.lock().as_mut() {
            Some(s) => s.flush(),
            None => Ok(()),
        }
    }

    fn mark(&mut self) -> Result<Option<Mark>, CrawlError> {
        match self.lock().as_mut() {
            Some(s) => s.mark(),
            None => Ok(None),
        }
    }

    fn retract(&mut self, mark: Mark) -> Result<(), CrawlError> {
        match self.lock().as_mut() {
            Some(s) => s.retract(mark),
            None => Ok(()),
        }
    }
}

/// A sink that keeps rows in memory (tests, benches, library users).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub rows: Vec<Row>,
    pub edges: Vec<(String, String)>,
}

impl RowSink for MemorySink {
    fn write_row(&mut self, row: &Row) -> Result<(), CrawlError> {
        self.rows.push(row.clone());
        Ok(())
    }

    fn write_links(
        &mut self,
        from: &str,
        to: &mut dyn Iterator<Item = &str>,
    ) -> Result<(), CrawlError> {
        self.edges
            .extend(to.map(|t| (from.to_owned(), t.to_owned())));
        Ok(())
    }

    fn flush(&mut self) -> Result<(), CrawlError> {
        Ok(())
    }

    fn mark(&mut self) -> Result<Option<Mark>, CrawlError> {
        Ok(Some(Mark {
            rows: self.rows.len() as u64,
            links: Some(self.edges.len() as u64),
        }))
    }

    fn retract(&mut self, mark: Mark) -> Result<(), CrawlError> {
        self.rows.truncate(mark.rows as usize);
        self.edges.truncate(mark.links.unwrap_or(0) as usize);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;
    use crate::meta::Meta;

    fn sample() -> Row {
        Row {
            url: "https://a.org/".into(),
            title: "=SUM(A1), \"quoted\"\nsecond line, with ünïcode".into(),
            status: Some(200),
            error: Some(ErrorClass::Http),
            ..Row::default()
        }
    }

    fn write(dir: &Path, options: OutputOptions, rows: &[Row]) -> PathBuf {
        let path = dir.join("out.csv");
        let mut sink =
            FileSink::create(&OutputTarget::File(path.clone()), None, options).expect("sink");
        for r in rows {
            sink.write_row(r).expect("row");
        }
        sink.flush().expect("flush");
        assert!(
            partial_path(&path).exists() && !path.exists(),
            "written as .partial"
        );
        assert_eq!(sink.finish().expect("finish"), Some(path.clone()));
        assert!(!partial_path(&path).exists());
        path
    }

    fn with_meta() -> Row {
        let mut row = sample();
        row.meta = Some(Box::new(Meta {
            published: "2026-11-30T13:05:00Z".into(),
            author: "=Ada; Grace".into(),
            headline: "A, \"quoted\"".into(),
            ..Meta::default()
        }));
        row
    }

    #[test]
    fn meta_columns_follow_the_thirteen_only_with_meta() {
        let dir = tempfile::tempdir().expect("tmp");
        let options = OutputOptions {
            meta: true,
            excel_safe: true,
            ..OutputOptions::default()
        };
        let path = write(dir.path(), options, &[with_meta(), Row::default()]);
        let mut r = csv::Reader::from_path(&path).expect("read");
        let headers: Vec<String> = r
            .headers()
            .expect("headers")
            .iter()
            .map(String::from)
            .collect();
        let want: Vec<&str> = COLUMNS.iter().chain(META_COLUMNS.iter()).copied().collect();
        assert_eq!(headers, want);
        let rows: Vec<csv::StringRecord> = r.records().map(|r| r.expect("record")).collect();
        assert_eq!(rows[0].len(), COLUMNS.len() + META_COLUMNS.len());
        assert_eq!(&rows[0][13], "2026-11-30T13:05:00Z");
        assert_eq!(
            &rows[0][16], "'=Ada; Grace",
            "excel-safe applies to the new cells"
        );
        assert_eq!(&rows[0][23], "A, \"quoted\"");
        // A row without metadata (a failed page) has the cells, empty.
        assert_eq!(rows[1].len(), COLUMNS.len() + META_COLUMNS.len());
        assert!(rows[1].iter().skip(13).all(str::is_empty));
        // Without --meta: the 13 columns, whatever the row carries.
        let dir = tempfile::tempdir().expect("tmp");
        let path = write(dir.path(), OutputOptions::default(), &[with_meta()]);
        let mut r = csv::Reader::from_path(&path).expect("read");
        assert_eq!(r.headers().expect("headers").len(), COLUMNS.len());
        assert_eq!(
            r.records().next().expect("row").expect("record").len(),
            COLUMNS.len()
        );
    }

    #[test]
    fn jsonl_meta_fields_follow_the_row_fields_only_with_meta() {
        let dir = tempfile::tempdir().expect("tmp");
        let options = OutputOptions {
            format: Format::Jsonl,
            meta: true,
            ..OutputOptions::default()
        };
        let path = write(dir.path(), options, &[with_meta(), Row::default()]);
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        // The fields in column order (serde_json's map would sort them: read the text).
        let want: Vec<&str> = COLUMNS.iter().chain(META_COLUMNS.iter()).copied().collect();
        for line in text.lines() {
            let at: Vec<usize> = want
                .iter()
                .map(|k| line.find(&format!("\"{k}\":")).expect("field"))
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{line}");
            assert_eq!(
                lines[0].as_object().expect("object").len(),
                COLUMNS.len() + META_COLUMNS.len()
            );
        }
        assert_eq!(lines[0]["published"], "2026-11-30T13:05:00Z");
        assert_eq!(lines[1]["published"], serde_json::Value::Null);
        let options = OutputOptions {
            format: Format::Jsonl,
            ..OutputOptions::default()
        };
        let dir = tempfile::tempdir().expect("tmp");
        let path = write(dir.path(), options, &[with_meta()]);
        let text = std::fs::read_to_string(&path).expect("read");
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("json");
        assert_eq!(line.as_object().expect("object").len(), COLUMNS.len());
    }

    #[test]
    fn the_text_column_comes_last_only_with_text() {
        let mut row = with_meta();
        row.text = "First paragraph, \"quoted\".\n\nSecond one.".into();
        for meta in [false, true] {
            let options = OutputOptions {
                meta,
                text: true,
                ..OutputOptions::default()
            };
            let dir = tempfile::tempdir().expect("tmp");
            let path = write(dir.path(), options, &[row.clone(), Row::default()]);
            let mut r = csv::Reader::from_path(&path).expect("read");
            let headers: Vec<String> = r
                .headers()
                .expect("headers")
                .iter()
                .map(String::from)
                .collect();
            let mut want: Vec<&str> = COLUMNS.to_vec();
            if meta {
                want.extend(META_COLUMNS);
            }
            want.push(TEXT_COLUMN);
            assert_eq!(headers, want);
            let rows: Vec<csv::StringRecord> = r.records().map(|r| r.expect("record")).collect();
            assert_eq!(rows[0].len(), want.len());
            assert_eq!(&rows[0][want.len() - 1], row.text);
            assert_eq!(&rows[1][want.len() - 1], "", "a row without text");
            if meta {
                assert_eq!(&rows[0][13], "2026-11-30T13:05:00Z");
            }

            let options = OutputOptions {
                format: Format::Jsonl,
                ..options
            };
            let dir = tempfile::tempdir().expect("tmp");
            let path = write(dir.path(), options, &[row.clone(), Row::default()]);
            let text = std::fs::read_to_string(&path).expect("read");
            for (line, cell) in text.lines().zip([row.text.as_str(), ""]) {
                let at: Vec<usize> = want
                    .iter()
                    .map(|k| line.find(&format!("\"{k}\":")).expect("field"))
                    .collect();
                assert!(at.windows(2).all(|w| w[0] < w[1]), "{line}");
                let v: serde_json::Value = serde_json::from_str(line).expect("json");
                assert_eq!(v.as_object().expect("object").len(), want.len());
                // An empty cell is `null` in JSONL, as every field's is.
                let want_text = if cell.is_empty() {
                    serde_json::Value::Null
                } else {
                    cell.into()
                };
                assert_eq!(v["text"], want_text);
            }
        }
    }

    #[test]
    fn titles_with_commas_quotes_and_newlines_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = write(dir.path(), OutputOptions::default(), &[sample()]);
        let mut r = csv::Reader::from_path(&path).expect("read");
        assert_eq!(
            r.headers().expect("headers").iter().collect::<Vec<_>>(),
            COLUMNS
        );
        let recs: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("records");
        assert_eq!(recs.len(), 1);
        assert_eq!(&recs[0][6], sample().title);
        assert_eq!(&recs[0][4], "200");
        assert_eq!(&recs[0][12], "http");
        assert_eq!(&recs[0][7], "");
    }

    #[test]
    fn excel_safe_and_bom() {
        let dir = tempfile::tempdir().expect("tmp");
        let options = OutputOptions {
            excel_safe: true,
            bom: true,
            ..OutputOptions::default()
        };
        let mut row = sample();
        row.title = "@cmd".into();
        row.parent = "-1".into();
        row.content_type = "text/html".into();
        let path = write(dir.path(), options, &[row]);
        let bytes = std::fs::read(&path).expect("read");
        assert!(bytes.starts_with(b"\xEF\xBB\xBFurl,final_url,"));
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        let rec = r.records().next().expect("row").expect("row");
        assert_eq!((&rec[6], &rec[3], &rec[5]), ("'@cmd", "'-1", "text/html"));
        assert_eq!(excel_safe("\tx"), "'\tx");
        assert_eq!(excel_safe("+1"), "'+1");
        assert_eq!(excel_safe("a=b"), "a=b");
    }

    #[test]
    fn jsonl_has_one_object_per_row_with_the_csv_names() {
        let dir = tempfile::tempdir().expect("tmp");
        let options = OutputOptions {
            format: Format::Jsonl,
            bom: true,
            excel_safe: true,
            meta: false,
            text: false,
        };
        let path = write(dir.path(), options, &[sample(), Row::default()]);
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "no header, no BOM: {text}");
        let v: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = COLUMNS.to_vec();
        want.sort_unstable();
        let mut got = keys.clone();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(
            v["title"],
            sample().title.as_str(),
            "no excel prefix in JSONL"
        );
        assert_eq!(v["status"], 200);
        assert_eq!(v["links"], serde_json::Value::Null);
        assert_eq!(v["error"], "http");
    }

    #[test]
    fn unwritable_path_is_refused_with_its_name() {
        let err = FileSink::create(
            &OutputTarget::File("/nonexistent-dir/x.csv".into()),
            None,
            OutputOptions::default(),
        )
        .err()
        .expect("must fail")
        .to_string();
        assert!(err.contains("/nonexistent-dir/x.csv"), "{err}");
    }

    #[test]
    fn resume_rewrites_rows_from_the_log_and_appends_edges_after_a_torn_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.csv");
        let edges = dir.path().join("edges.csv");
        std::fs::write(
            partial_path(&path),
            "url,final_url\nhttps://a.org/,torn-row-without-end",
        )
        .expect("w");
        // The edges of a logged row's page are kept; those of a page not logged (written before
        // a commit the kill prevented) and a torn line go.
        std::fs::write(
            partial_path(&edges),
            "from,to\nhttps://a.org/,b\nc,d\nhttps://a.org/,d-torn",
        )
        .expect("w");
        let rows = [sample()];
        let mut sink = FileSink::resume(
            &OutputTarget::File(path.clone()),
            Some(&OutputTarget::File(edges.clone())),
            OutputOptions::default(),
            &rows,
        )
        .expect("resume");
        sink.write_links("e", &mut ["f"].into_iter()).expect("edge");
        sink.finish().expect("finish");
        let mut r = csv::Reader::from_path(&path).expect("read");
        let recs: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("records");
        assert_eq!(recs.len(), 1);
        assert_eq!(&recs[0][6], sample().title);
        assert_eq!(
            std::fs::read_to_string(&edges).expect("edges"),
            "from,to\nhttps://a.org/,b\ne,f\n"
        );
    }

    #[test]
    fn a_literal_name_in_use_is_refused_and_a_numbered_one_moves_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.csv");
        let first = FileSink::create(
            &OutputTarget::File(path.clone()),
            None,
            OutputOptions::default(),
        )
        .expect("first");
        let err = FileSink::create(
            &OutputTarget::File(path.clone()),
            None,
            OutputOptions::default(),
        )
        .err()
        .expect("in use")
        .to_string();
        assert!(err.contains("another trawl process is writing it"), "{err}");
        let second = FileSink::create(
            &OutputTarget::NextFree(path.clone()),
            None,
            OutputOptions::default(),
        )
        .expect("numbered");
        assert_eq!(
            second.rows_path(),
            Some(dir.path().join("out-1.csv").as_path())
        );
        // A finished file's name is taken too, for a numbered name.
        assert_eq!(first.finish().expect("finish"), Some(path.clone()));
        let third = FileSink::create(
            &OutputTarget::NextFree(path.clone()),
            None,
            OutputOptions::default(),
        )
        .expect("numbered");
        assert_eq!(
            third.rows_path(),
            Some(dir.path().join("out-2.csv").as_path())
        );
        // Rows links failing: the rows file made first is removed.
        let err = FileSink::create(
            &OutputTarget::File(dir.path().join("x.csv")),
            Some(&OutputTarget::File(dir.path().join("no/e.csv"))),
            OutputOptions::default(),
        );
        assert!(err.is_err());
        assert!(!partial_path(&dir.path().join("x.csv")).exists());
    }

    #[test]
    fn rows_written_after_a_mark_are_taken_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.csv");
        let edges = dir.path().join("e.csv");
        let mut sink = FileSink::create(
            &OutputTarget::File(path.clone()),
            Some(&OutputTarget::File(edges.clone())),
            OutputOptions::default(),
        )
        .expect("sink");
        let kept = Row {
            url: "https://a.org/kept".into(),
            ..Row::default()
        };
        sink.write_row(&kept).expect("row");
        let mark = sink
            .mark()
            .expect("mark")
            .expect("a file can take rows back");
        let on_disk = std::fs::read_to_string(partial_path(&path)).expect("r");
        assert!(on_disk.contains("https://a.org/kept"), "marked = on disk");
        sink.write_row(&sample()).expect("row");
        sink.write_links("https://a.org/", &mut ["https://b.org/"].into_iter())
            .expect("edge");
        sink.flush().expect("flush");
        sink.retract(mark).expect("retract");
        sink.write_row(&kept).expect("row");
        sink.finish().expect("finish");
        let recs = csv::Reader::from_path(&path)
            .expect("read")
            .records()
            .map(|r| r.expect("whole")[0].to_owned())
            .collect::<Vec<_>>();
        assert_eq!(recs, ["https://a.org/kept", "https://a.org/kept"]);
        assert_eq!(std::fs::read_to_string(&edges).expect("e"), "from,to\n");
    }
}
