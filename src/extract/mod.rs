//! Title and link extraction from decoded HTML: the [`Extracted`] record (hrefs resolved by
//! [`crate::url_norm::http_url`], the browser's rule), the exact reference extractor in [`dom`] and the fast
//! streaming extractor in [`stream`], which [`extract`] tries first, falling back to the DOM on
//! the pages the stream cannot judge exactly.
//!
//! This module owns only text → (title, links). It must never fetch, decode bytes, apply crawl
//! policy (scope, robots, dedup across pages) or panic on malformed markup; hrefs that do not
//! resolve to http(s) URLs are dropped silently.

pub mod dom;
pub mod stream;

use crate::meta::RawMeta;
use url::Url;

/// What a page yields for the crawl: its title and its outgoing links.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extracted {
    /// `document.title`: the first HTML-namespace `<title>` in tree order, its text with ASCII
    /// whitespace stripped from both ends and runs of it collapsed to one space; empty if none.
    pub title: String,
    /// The distinct absolute http(s) URLs that a[href] and area[href] resolve to, in document order of first
    /// appearance, fragment removed (set_fragment(None)). What `document.links` gives, deduplicated.
    pub links: Vec<Url>,
    /// The robots `<meta>` elements that say `nofollow` or `none` (document tree, HTML
    /// namespace, template contents left out, as for the links).
    pub robots: crate::robots::meta::RobotsMeta,
}

/// Title and links of a page served at `page_url` (the final URL after redirects). Always equal
/// to [`extract_exact`]: the streaming pass answers when it can be sure, the DOM otherwise.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    stream::extract(html, page_url).unwrap_or_else(|| dom::extract(html, page_url))
}

/// Exact reference extraction (DOM, scraper), for checks and benchmarks: the same result as
/// [`extract`], always through the full tree.
pub fn extract_exact(html: &str, page_url: &Url) -> Extracted {
    dom::extract(html, page_url)
}

/// [`extract`] and the metadata pieces of the page (`--meta`): the stream when it can be sure,
/// the DOM otherwise; always equal to [`extract_with_meta_exact`].
pub fn extract_with_meta(html: &str, page_url: &Url) -> (Extracted, RawMeta) {
    stream::extract_with_meta(html, page_url)
        .unwrap_or_else(|| dom::extract_with_meta(html, page_url))
}

/// The exact reference for [`extract_with_meta`] (DOM, scraper).
pub fn extract_with_meta_exact(html: &str, page_url: &Url) -> (Extracted, RawMeta) {
    dom::extract_with_meta(html, page_url)
}

/// The name of the test-only hook read by [`panic_if_asked`].
pub const TEST_PANIC_ENV: &str = "TRAWL_TEST_PANIC_ON";

/// A hook for the "a worker panics but the crawl never hangs" test (tests/it/panic.rs): in a debug
/// build, when `TRAWL_TEST_PANIC_ON` is set to a non-empty text, extracting a page whose
/// requested URL contains that text panics, as a bug in an extractor would. The worker calls it
/// just before extracting a page. A release build (no `debug_assertions`) compiles it to nothing
/// and never reads the variable, so a user's environment cannot make trawl panic; a `cfg(test)`
/// seam would not do, since the test runs the `trawl` binary, which is not built for tests.
#[inline]
pub fn panic_if_asked(page_url: &Url) {
    #[cfg(debug_assertions)]
    {
        static ON: std::sync::LazyLock<Option<String>> = std::sync::LazyLock::new(|| {
            std::env::var(TEST_PANIC_ENV)
                .ok()
                .filter(|part| !part.is_empty())
        });
        if let Some(part) = ON.as_deref() {
            if page_url.as_str().contains(part) {
                panic!("{TEST_PANIC_ENV}={part}: extracting {page_url} panics, as asked");
            }
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = page_url;
}

#[cfg(test)]
mod cases;

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/dir/page.html?q=1#top").expect("test url")
    }

    #[test]
    fn extract_delegates_to_dom() {
        let page = base();
        let html = "<title>T</title><a href=x>x</a>";
        assert_eq!(extract(html, &page), dom::extract(html, &page));
    }

    #[test]
    fn extract_exact_is_the_dom() {
        let page = base();
        let html = "<table><tr><td><a href=x>x</a></td></tr></table><title>T</title>";
        assert_eq!(extract_exact(html, &page), dom::extract(html, &page));
        assert_eq!(extract(html, &page), extract_exact(html, &page));
    }

    /// Every extractor case (`cases.rs`) through the public [`extract`] (stream first, DOM on
    /// fallback), which must equal the DOM reference; the stream itself must be `None` or agree.
    #[test]
    fn every_case_through_extract() {
        cases::check_all(|html, page| {
            let got = extract(html, page);
            assert_eq!(got, extract_exact(html, page), "extract on {html:?}");
            if let Some(streamed) = stream::extract(html, page) {
                assert_eq!(streamed, got, "stream on {html:?}");
            }
            got
        });
    }
}
