//! The one writer of crawl output: page rows as CSV (RFC 4180, UTF-8, header once) or JSONL, and
//! the optional `from,to` edges CSV. Owned by the coordinator thread alone; never shared by
//! workers. Files are written as `<OUT>.partial` beside their final name and renamed into place by
//! [`FileSink::finish`], so a reader never sees half a file at the final name; they are created
//! before the first request so a bad path fails at once.

use crate::error::{ConfigError, CrawlError};
use crate::meta::Meta;
pub use crate::meta::META_COLUMNS;
pub use crate::record::Row;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where rows go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// A CSV file (created before the first request).
    File(PathBuf),
    /// Standard output (`-o -`).
    Stdout,
}

/// The CSV columns, in order. Their names are a stable interface (also the JSONL field names).
pub const COLUMNS: [&str; 13] = [
    "url",
    "final_url",
    "depth",
    "parent",
    "status",
    "content_type",
    "title",
    "links",
    "bytes",
    "elapsed_ms",
    "fetched_at",
    "encoding",
    "error",
];

impl Row {
    /// The row's CSV cells, in [`COLUMNS`] order.
    pub fn record(&self) -> [String; 13] {
        fn opt<T: ToString>(v: Option<T>) -> String {
            v.map(|v| v.to_string()).unwrap_or_default()
        }
        [
            self.url.clone(),
            self.final_url.clone(),
            self.depth.to_string(),
            self.parent.clone(),
            opt(self.status),
            self.content_type.clone(),
            self.title.clone(),
            opt(self.links),
            opt(self.bytes),
            opt(self.elapsed_ms),
            self.fetched_at.clone(),
            self.encoding.clone(),
            self.error
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
        ]
    }
}

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
}

/// The row file's format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Csv,
    /// One JSON object per line, with the CSV's field names.
    Jsonl,
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputOptions {
    pub format: Format,
    /// Prefix `'` to CSV cells that begin with `=`, `+`, `-`, `@`, tab or CR.
    pub excel_safe: bool,
    /// Start a CSV file with a UTF-8 byte-order mark.
    pub bom: bool,
    /// `--meta`: the [`META_COLUMNS`] follow the 13 columns (empty cells for a row without
    /// metadata, such as a failed page).
    pub meta: bool,
    /// `--text`: the [`TEXT_COLUMN`] comes last (after the metadata columns with `--meta`).
    pub text: bool,
}

/// The `--text` column's name.
pub const TEXT_COLUMN: &str = "text";

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

/// One output file being written at `<final>.partial` (or standard output).
struct OutFile {
    writer: BufWriter<Box<dyn Write + Send>>,
    /// Final path, `None` for standard output.
    path: Option<PathBuf>,
    name: String,
}

impl OutFile {
    /// Create (truncate) `<path>.partial`, or use standard output.
    fn create(target: &OutputTarget) -> Result<OutFile, ConfigError> {
        match target {
            OutputTarget::Stdout => Ok(OutFile {
                writer: BufWriter::with_capacity(64 * 1024, Box::new(io::stdout())),
                path: None,
                name: "standard output".into(),
            }),
            OutputTarget::File(path) => {
                if let Some(dir) = path.parent().filter(|d| *d == Path::new("output")) {
                    // The default directory is created on demand; any other must exist.
                    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Output {
                        path: path.clone(),
                        source,
                    })?;
                }
                let partial = partial_path(path);
                let file = File::create(&partial).map_err(|source| ConfigError::Output {
                    path: path.clone(),
                    source,
                })?;
                Ok(OutFile {
                    writer: BufWriter::with_capacity(64 * 1024, Box::new(file)),
                    path: Some(path.clone()),
                    name: partial.display().to_string(),
                })
            }
        }
    }

    /// Open `<path>.partial` to append (a resumed crawl's edges), cutting a torn last line.
    fn append(path: &Path) -> Result<(OutFile, bool), ConfigError> {
        let partial = partial_path(path);
        let err = |source| ConfigError::Output {
            path: path.to_owned(),
            source,
        };
        let existing = match std::fs::read(&partial) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(err(e)),
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)
            .map_err(err)?;
        let had_content = existing.as_ref().is_some_and(|b| !b.is_empty());
        if let Some(bytes) = &existing {
            let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            if keep < bytes.len() {
                file.set_len(keep as u64).map_err(err)?;
            }
        }
        Ok((
            OutFile {
                writer: BufWriter::with_capacity(64 * 1024, Box::new(file)),
                path: Some(path.to_owned()),
                name: partial.display().to_string(),
            },
            had_content,
        ))
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

    /// Flush, sync and rename `<path>.partial` to `<path>`.
    fn finish(mut self) -> Result<Option<PathBuf>, CrawlError> {
        self.flush()?;
        let Some(path) = self.path.take() else {
            return Ok(None);
        };
        let partial = partial_path(&path);
        drop(self.writer);
        std::fs::rename(&partial, &path).map_err(|source| CrawlError::Write {
            what: format!("renaming {} to {}", partial.display(), path.display()),
            source,
        })?;
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
    /// unwritable path.
    pub fn create(
        target: &OutputTarget,
        links: Option<&PathBuf>,
        options: OutputOptions,
    ) -> Result<FileSink, ConfigError> {
        let rows = OutFile::create(target)?;
        let links = links
            .map(|p| OutFile::create(&OutputTarget::File(p.clone())))
            .transpose()?;
        let mut sink = FileSink {
            rows,
            options,
            links,
            record: Vec::with_capacity(1024),
        };
        sink.headers().map_err(|e| ConfigError::Output {
            path: PathBuf::from(sink.rows.name.clone()),
            source: io::Error::other(e),
        })?;
        Ok(sink)
    }

    /// Reopen the output of a resumed crawl: the rows file is written anew from `rows` (the
    /// state's log of every row already done, so nothing is lost or doubled whatever the kill
    /// left in the file), and the edges file is appended to.
    pub fn resume(
        target: &OutputTarget,
        links: Option<&PathBuf>,
        options: OutputOptions,
        rows: &[Row],
    ) -> Result<FileSink, ConfigError> {
        let out = OutFile::create(target)?;
        let (links, links_had_header) = match links {
            Some(p) => {
                let (f, had) = OutFile::append(p)?;
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
        result.map_err(|e| ConfigError::Output {
            path: PathBuf::from(sink.rows.name.clone()),
            source: io::Error::other(e),
        })?;
        Ok(sink)
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
                let mut cells: Vec<String> = row.record().into();
                if self.options.meta {
                    cells.extend(row.meta.as_deref().cloned().unwrap_or_default().cells());
                }
                if self.options.text {
                    cells.push(row.text.clone());
                }
                self.csv_line(&cells, self.options.excel_safe)
            }
            Format::Csv => {
                let cells = row.record();
                self.csv_line(&cells, self.options.excel_safe)
            }
            Format::Jsonl => {
                self.record.clear();
                let empty = Meta::default();
                let written = if self.options.meta || self.options.text {
                    let meta = self
                        .options
                        .meta
                        .then(|| row.meta.as_deref().unwrap_or(&empty));
                    let text = self.options.text.then_some(row.text.as_str());
                    serde_json::to_writer(&mut self.record, &WithMeta { row, meta, text })
                } else {
                    serde_json::to_writer(&mut self.record, row)
                };
                written.map_err(|e| CrawlError::Write {
                    what: self.rows.name.clone(),
                    source: io::Error::other(e),
                })?;
                self.record.push(b'\n');
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
}

/// A JSONL line with the metadata fields (`--meta`) after the row's, then the text (`--text`).
#[derive(serde::Serialize)]
struct WithMeta<'a> {
    #[serde(flatten)]
    row: &'a Row,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    meta: Option<&'a Meta>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

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
        assert_eq!(rows[0].len(), 25);
        assert_eq!(&rows[0][13], "2026-11-30T13:05:00Z");
        assert_eq!(
            &rows[0][16], "'=Ada; Grace",
            "excel-safe applies to the new cells"
        );
        assert_eq!(&rows[0][23], "A, \"quoted\"");
        // A row without metadata (a failed page) has the cells, empty.
        assert_eq!(rows[1].len(), 25);
        assert!(rows[1].iter().skip(13).all(str::is_empty));
        // Without --meta: the 13 columns, whatever the row carries.
        let dir = tempfile::tempdir().expect("tmp");
        let path = write(dir.path(), OutputOptions::default(), &[with_meta()]);
        let mut r = csv::Reader::from_path(&path).expect("read");
        assert_eq!(r.headers().expect("headers").len(), 13);
        assert_eq!(r.records().next().expect("row").expect("record").len(), 13);
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
            assert_eq!(lines[0].as_object().expect("object").len(), 25);
        }
        assert_eq!(lines[0]["published"], "2026-11-30T13:05:00Z");
        assert_eq!(lines[1]["published"], "");
        let options = OutputOptions {
            format: Format::Jsonl,
            ..OutputOptions::default()
        };
        let dir = tempfile::tempdir().expect("tmp");
        let path = write(dir.path(), options, &[with_meta()]);
        let text = std::fs::read_to_string(&path).expect("read");
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("json");
        assert_eq!(line.as_object().expect("object").len(), 13);
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
                assert_eq!(v["text"], cell);
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
        std::fs::write(partial_path(&edges), "from,to\na,b\nc,d-torn").expect("w");
        let rows = [sample()];
        let mut sink = FileSink::resume(
            &OutputTarget::File(path.clone()),
            Some(&edges),
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
            "from,to\na,b\ne,f\n"
        );
    }
}
