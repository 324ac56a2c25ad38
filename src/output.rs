//! The one writer of crawl output: page rows as CSV (RFC 4180, UTF-8, header once) and the
//! optional `from,to` edges CSV. Owned by the coordinator thread alone; never shared by workers.
//! The output files are created before the first request so a bad path fails at once.

use crate::config::OutputTarget;
use crate::error::{ConfigError, CrawlError, ErrorClass};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The CSV columns, in order. Their names are a stable interface.
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

/// One page's row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// The URL as requested (WHATWG serialization, no fragment).
    pub url: String,
    /// The URL of the final response after redirects (empty when nothing was requested).
    pub final_url: String,
    /// Link distance from a seed (seeds are 0).
    pub depth: u32,
    /// The page the URL was found on (empty for seeds).
    pub parent: String,
    /// Final HTTP status; `None` when there was no response.
    pub status: Option<u16>,
    /// The final response's Content-Type header, as sent.
    pub content_type: String,
    /// `document.title`.
    pub title: String,
    /// Distinct http(s) links on the page; `None` when the page was not parsed as HTML.
    pub links: Option<usize>,
    /// Body bytes received after decompression (`None` when nothing was requested).
    pub bytes: Option<u64>,
    /// Milliseconds from the request's start to the end of the body.
    pub elapsed_ms: Option<u64>,
    /// When the request started, RFC 3339 UTC.
    pub fetched_at: String,
    /// The charset the page was decoded with.
    pub encoding: String,
    /// Why the page failed, if it did.
    pub error: Option<ErrorClass>,
}

impl Row {
    fn record(&self) -> [String; 13] {
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

/// The CSV files of a crawl.
pub struct CsvSink {
    rows: csv::Writer<Box<dyn Write + Send>>,
    rows_name: String,
    links: Option<(csv::Writer<BufWriter<File>>, String)>,
}

fn create(path: &Path) -> Result<File, ConfigError> {
    File::create(path).map_err(|source| ConfigError::Output {
        path: path.to_owned(),
        source,
    })
}

impl CsvSink {
    /// Create the output files and write their headers. Fails fast on an unwritable path.
    pub fn create(target: &OutputTarget, links: Option<&PathBuf>) -> Result<CsvSink, ConfigError> {
        let (inner, rows_name): (Box<dyn Write + Send>, String) = match target {
            OutputTarget::Stdout => (
                Box::new(BufWriter::new(io::stdout())),
                "standard output".into(),
            ),
            OutputTarget::File(path) => {
                if let Some(dir) = path.parent().filter(|d| *d == Path::new("output")) {
                    // The default directory is created on demand; any other must exist.
                    std::fs::create_dir_all(dir).map_err(|source| ConfigError::Output {
                        path: path.clone(),
                        source,
                    })?;
                }
                (
                    Box::new(BufWriter::with_capacity(64 * 1024, create(path)?)),
                    path.display().to_string(),
                )
            }
        };
        let mut rows = csv::Writer::from_writer(inner);
        let header_err = |name: &str, e: csv::Error| ConfigError::Output {
            path: PathBuf::from(name),
            source: io::Error::other(e),
        };
        rows.write_record(COLUMNS)
            .map_err(|e| header_err(&rows_name, e))?;
        let links = match links {
            Some(path) => {
                let mut w =
                    csv::Writer::from_writer(BufWriter::with_capacity(64 * 1024, create(path)?));
                w.write_record(["from", "to"])
                    .map_err(|e| header_err(&path.display().to_string(), e))?;
                Some((w, path.display().to_string()))
            }
            None => None,
        };
        Ok(CsvSink {
            rows,
            rows_name,
            links,
        })
    }
}

fn write_err(what: &str, e: csv::Error) -> CrawlError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    };
    CrawlError::Write {
        what: what.to_owned(),
        source,
    }
}

impl RowSink for CsvSink {
    fn write_row(&mut self, row: &Row) -> Result<(), CrawlError> {
        self.rows
            .write_record(row.record())
            .map_err(|e| write_err(&self.rows_name, e))
    }

    fn write_links(
        &mut self,
        from: &str,
        to: &mut dyn Iterator<Item = &str>,
    ) -> Result<(), CrawlError> {
        if let Some((w, name)) = &mut self.links {
            for t in to {
                w.write_record([from, t]).map_err(|e| write_err(name, e))?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), CrawlError> {
        self.rows.flush().map_err(|source| CrawlError::Write {
            what: self.rows_name.clone(),
            source,
        })?;
        if let Some((w, name)) = &mut self.links {
            w.flush().map_err(|source| CrawlError::Write {
                what: name.clone(),
                source,
            })?;
        }
        Ok(())
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

    #[test]
    fn titles_with_commas_quotes_and_newlines_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("out.csv");
        let title = "=SUM(A1), \"quoted\"\nsecond line, with ünïcode";
        {
            let mut sink = CsvSink::create(&OutputTarget::File(path.clone()), None).expect("sink");
            let row = Row {
                url: "https://a.org/".into(),
                title: title.into(),
                status: Some(200),
                error: Some(ErrorClass::Http),
                ..Row::default()
            };
            sink.write_row(&row).expect("row");
            sink.flush().expect("flush");
        }
        let mut r = csv::Reader::from_path(&path).expect("read");
        assert_eq!(
            r.headers().expect("headers").iter().collect::<Vec<_>>(),
            COLUMNS
        );
        let recs: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("records");
        assert_eq!(recs.len(), 1);
        assert_eq!(&recs[0][6], title);
        assert_eq!(&recs[0][4], "200");
        assert_eq!(&recs[0][12], "http");
        assert_eq!(&recs[0][7], "");
    }

    #[test]
    fn unwritable_path_is_refused_with_its_name() {
        let err = CsvSink::create(&OutputTarget::File("/nonexistent-dir/x.csv".into()), None)
            .err()
            .expect("must fail")
            .to_string();
        assert!(err.contains("/nonexistent-dir/x.csv"), "{err}");
    }
}
