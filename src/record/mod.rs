//! The records that several layers share, kept below all of them, and the row schema: a page's
//! row (written by `output`, logged by `state`, kept in Redis by `shared`, made by `crawl`) with
//! its columns and cells (below: the one place the layout is spelled), the text cell's stored
//! form ([`packed_text`]), a URL waiting in the frontier, a page's [`Validators`] (fetch sends
//! them, the state remembers them, the ledger hands them on), and the origin that politeness is
//! counted by (with [`origin_key`], how a URL's origin is written). Plain data and conversions
//! only: nothing here does I/O or decides anything.

pub(crate) mod packed_text;

use crate::error::ErrorClass;
use crate::meta::Meta;
use crate::url_norm::UrlKey;
use serde::Serialize;
use std::sync::Arc;
use url::Url;

/// One page's row.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
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
    #[serde(serialize_with = "error_str")]
    pub error: Option<ErrorClass>,
    /// The metadata columns (`--meta` only; written by `output` only when it is on).
    #[serde(skip)]
    pub meta: Option<Box<Meta>>,
    /// The article's text (`--text` only; written by `output` only when it is on): empty for a
    /// page that is not an article, a failed page and a non-HTML one.
    #[serde(skip)]
    pub text: String,
    /// With `--dedup-canonical`: the page's canonical URL (its final URL when it names none).
    /// At most one row per key is written; never an output column.
    #[serde(skip)]
    pub dedup_key: Option<String>,
}

impl Row {
    /// The row of a queued entry before anything about its fetch is known: its URL, depth and
    /// parent, every other cell empty. Every row starts here, so the three identity cells are
    /// filled the same way everywhere.
    pub fn for_entry(entry: &Entry) -> Row {
        Row {
            url: entry.url.to_string(),
            depth: entry.depth,
            parent: entry.parent.as_deref().unwrap_or("").to_owned(),
            ..Row::default()
        }
    }
}

fn error_str<S: serde::Serializer>(e: &Option<ErrorClass>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.map(ErrorClass::as_str).unwrap_or(""))
}

/// A page's validators for a conditional GET (`If-None-Match` / `If-Modified-Since`): what the
/// fetch read from the final response, what the state remembers for the next crawl and hands
/// back. One type for the three.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub url: Url,
    /// Dedup fingerprint of `url`.
    pub key: UrlKey,
    /// Link distance from a seed.
    pub depth: u32,
    /// The page the URL was found on (`None` for seeds).
    pub parent: Option<Arc<str>>,
}

/// A link to follow, already resolved, filtered and fingerprinted by the worker (found on a
/// page; the schedule turns it into an [`Entry`]).
#[derive(Debug, Clone)]
pub struct Link {
    pub url: Url,
    pub key: UrlKey,
}

/// The politeness unit a URL belongs to: `scheme://host:port` (its text is [`origin_key`]).
pub type Origin = Arc<str>;

/// The origin key `scheme://host:port`, port always explicit (default ports filled in), e.g.
/// `https://example.com:443`. IPv6 hosts keep their brackets. A URL without a host gives
/// `scheme://`.
pub fn origin_key(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{}://{}:{}", url.scheme(), host, port),
        (Some(host), None) => format!("{}://{}", url.scheme(), host),
        (None, _) => format!("{}://", url.scheme()),
    }
}

// ---------------------------------------------------------------------------------------------
// The row schema, written once: the column names ([`COLUMNS`], [`META_COLUMNS`], [`TEXT_COLUMN`]),
// a [`Row`] to its cells and back, and the metadata cells to and from a [`Meta`]. The sinks
// (`output`), the Redis row codec (`shared::codec`) and the state store (`state`) take the layout
// from here and spell it nowhere else.
//
// Invariant: `Row::from_stored_cells(row.stored_cells()) == Ok(row)` for every row without a
// `dedup_key` (never stored), and `Meta::from_cells(m.cells()) == m`.

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

/// The [`COLUMNS`] whose cells are numbers (a JSONL line writes them as numbers); every other
/// cell is a string.
pub const NUMERIC_COLUMNS: [&str; 5] = ["depth", "status", "links", "bytes", "elapsed_ms"];

/// The `--meta` column names, in output order (after the [`COLUMNS`]).
pub const META_COLUMNS: [&str; 12] = [
    "published",
    "modified",
    "date_source",
    "author",
    "description",
    "canonical",
    "lang",
    "kind",
    "section",
    "keywords",
    "headline",
    "site_name",
];

/// The `--text` column's name (last, after the metadata columns with `--meta`).
pub const TEXT_COLUMN: &str = "text";

impl Row {
    /// The row's cells, in [`COLUMNS`] order (what the CSV writes; empty for a `None`).
    pub fn cells(&self) -> [String; COLUMNS.len()] {
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

    /// The row as a store keeps it (a JSON row in Redis): its [`COLUMNS`] cells, then the
    /// [`META_COLUMNS`] cells when it has metadata, then its text packed
    /// ([`packed_text::to_cell`]) when it has one. So 13, 14, 25 or 26 cells.
    pub fn stored_cells(&self) -> Vec<String> {
        let mut cells: Vec<String> = self.cells().to_vec();
        if let Some(m) = &self.meta {
            cells.extend(m.cells());
        }
        if !self.text.is_empty() {
            cells.push(packed_text::to_cell(&self.text));
        }
        cells
    }

    /// A stored row back ([`Row::stored_cells`]); an error names what is wrong.
    pub fn from_stored_cells(cells: Vec<String>) -> Result<Row, String> {
        const BASE: usize = COLUMNS.len();
        const WITH_META: usize = BASE + META_COLUMNS.len();
        let n = cells.len();
        if ![BASE, BASE + 1, WITH_META, WITH_META + 1].contains(&n) {
            return Err(format!("a row of {n} cells"));
        }
        let mut cells = cells.into_iter();
        let mut base: Vec<String> = cells.by_ref().take(BASE).collect();
        let meta = if n >= WITH_META {
            let m: Vec<String> = cells.by_ref().take(META_COLUMNS.len()).collect();
            // Exactly META_COLUMNS.len() cells were taken: n >= WITH_META.
            let m: [String; META_COLUMNS.len()] =
                m.try_into().map_err(|_| format!("a row of {n} cells"))?;
            Some(Box::new(Meta::from_cells(m)))
        } else {
            None
        };
        let text = match cells.next() {
            Some(cell) => packed_text::from_cell(&cell).map_err(|e| e.to_string())?,
            None => String::new(),
        };
        fn opt<T: std::str::FromStr>(s: &str) -> Result<Option<T>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            s.parse().map(Some).map_err(|_| format!("bad number {s:?}"))
        }
        let c = &mut base;
        let error = if c[12].is_empty() {
            None
        } else {
            Some(ErrorClass::parse(&c[12]).ok_or_else(|| format!("bad error {:?}", c[12]))?)
        };
        Ok(Row {
            depth: c[2].parse().map_err(|_| format!("bad depth {:?}", c[2]))?,
            status: opt(&c[4])?,
            links: opt(&c[7])?,
            bytes: opt(&c[8])?,
            elapsed_ms: opt(&c[9])?,
            url: std::mem::take(&mut c[0]),
            final_url: std::mem::take(&mut c[1]),
            parent: std::mem::take(&mut c[3]),
            content_type: std::mem::take(&mut c[5]),
            title: std::mem::take(&mut c[6]),
            fetched_at: std::mem::take(&mut c[10]),
            encoding: std::mem::take(&mut c[11]),
            error,
            meta,
            text,
            dedup_key: None,
        })
    }
}

impl Meta {
    /// The cells, in [`META_COLUMNS`] order.
    pub fn cells(&self) -> [String; META_COLUMNS.len()] {
        [
            self.published.clone(),
            self.modified.clone(),
            self.date_source.clone(),
            self.author.clone(),
            self.description.clone(),
            self.canonical.clone(),
            self.lang.clone(),
            self.kind.clone(),
            self.section.clone(),
            self.keywords.clone(),
            self.headline.clone(),
            self.site_name.clone(),
        ]
    }

    /// The metadata of its cells, in [`META_COLUMNS`] order.
    pub fn from_cells(cells: [String; META_COLUMNS.len()]) -> Meta {
        let [published, modified, date_source, author, description, canonical, lang, kind, section, keywords, headline, site_name] =
            cells;
        Meta {
            published,
            modified,
            date_source,
            author,
            description,
            canonical,
            lang,
            kind,
            section,
            keywords,
            headline,
            site_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn origin_key_has_scheme_host_and_explicit_port() {
        let u = url("https://user:pw@example.com:8443/a/b?c=d#e");
        assert_eq!(origin_key(&u), "https://example.com:8443");
        assert_eq!(
            origin_key(&url("https://Example.COM/x")),
            "https://example.com:443"
        );
        assert_eq!(
            origin_key(&url("http://example.com:80/")),
            "http://example.com:80"
        );
        assert_eq!(origin_key(&url("http://[::1]/")), "http://[::1]:80");
    }

    #[test]
    fn cells_follow_the_column_order() {
        let m = Meta {
            published: "1".into(),
            modified: "2".into(),
            date_source: "3".into(),
            author: "4".into(),
            description: "5".into(),
            canonical: "6".into(),
            lang: "7".into(),
            kind: "8".into(),
            section: "9".into(),
            keywords: "10".into(),
            headline: "11".into(),
            site_name: "12".into(),
        };
        let cells = m.cells();
        assert_eq!(
            cells.iter().map(String::as_str).collect::<Vec<_>>(),
            ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
        );
        assert_eq!(META_COLUMNS[0], "published");
        assert_eq!(META_COLUMNS[11], "site_name");
        assert_eq!(Meta::from_cells(cells), m);
    }

    /// A numeric column the JSONL writer looks for must be a column (a renamed column would
    /// silently turn into a string).
    #[test]
    fn numeric_columns_are_columns() {
        for name in NUMERIC_COLUMNS {
            assert!(COLUMNS.contains(&name), "{name}");
        }
    }
}
