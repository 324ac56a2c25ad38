//! The records that several layers share, kept below all of them, and the row schema: a page's
//! row (written by `output`, logged by `state`, kept in Redis by `shared`, made by `crawl`) with
//! its columns and cells ([`cells`]: the one place the layout is spelled), the text cell's stored
//! form ([`packed_text`]), a URL waiting in the frontier, a page's [`Validators`] (fetch sends
//! them, the state remembers them, the ledger hands them on), and the origin that politeness is
//! counted by (with [`origin_key`], how a URL's origin is written). Plain data and conversions
//! only: nothing here does I/O or decides anything.

mod cells;
pub(crate) mod packed_text;

pub use cells::{COLUMNS, META_COLUMNS, TEXT_COLUMN};

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
}
