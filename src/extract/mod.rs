//! Title and link extraction from decoded HTML: the [`Extracted`] record, the shared
//! browser-style [`resolve_href`] rule, and the exact reference extractor in [`dom`].
//!
//! This module owns only text → (title, links). It must never fetch, decode bytes, apply crawl
//! policy (scope, robots, dedup across pages) or panic on malformed markup; hrefs that do not
//! resolve to http(s) URLs are dropped silently.

pub mod dom;

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
}

/// Exact reference extraction (DOM, scraper). `page_url` is the final URL after redirects.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    dom::extract(html, page_url)
}

/// Resolve one raw href the way browsers do against `base`: trim ASCII whitespace (leading/trailing
/// \t\n\x0C\r and space), `base.join(href)`, keep only http/https, drop the fragment.
pub fn resolve_href(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/dir/page.html?q=1#top").expect("test url")
    }

    fn r(href: &str) -> Option<String> {
        resolve_href(&base(), href).map(String::from)
    }

    #[test]
    fn resolves_relative_forms() {
        assert_eq!(
            r("other.html").as_deref(),
            Some("https://example.com/dir/other.html")
        );
        assert_eq!(
            r("../up.html").as_deref(),
            Some("https://example.com/up.html")
        );
        assert_eq!(r("../../../x").as_deref(), Some("https://example.com/x"));
        assert_eq!(r("/root").as_deref(), Some("https://example.com/root"));
        assert_eq!(
            r("//cdn.example.org/x").as_deref(),
            Some("https://cdn.example.org/x")
        );
        assert_eq!(
            r("?p=2").as_deref(),
            Some("https://example.com/dir/page.html?p=2")
        );
        assert_eq!(r("./").as_deref(), Some("https://example.com/dir/"));
    }

    #[test]
    fn empty_and_fragment_only_hrefs_resolve_to_the_base() {
        assert_eq!(
            r("").as_deref(),
            Some("https://example.com/dir/page.html?q=1")
        );
        assert_eq!(
            r("#frag").as_deref(),
            Some("https://example.com/dir/page.html?q=1")
        );
        assert_eq!(
            r(" \t\n").as_deref(),
            Some("https://example.com/dir/page.html?q=1")
        );
    }

    #[test]
    fn trims_ascii_whitespace_only() {
        assert_eq!(
            r(" \t\n\x0C\r/a b \r\n").as_deref(),
            Some("https://example.com/a%20b")
        );
        // U+00A0 is not ASCII whitespace: it stays and gets percent-encoded.
        assert_eq!(
            r("\u{A0}x").as_deref(),
            Some("https://example.com/dir/%C2%A0x")
        );
    }

    #[test]
    fn drops_fragments() {
        assert_eq!(
            r("a.html#x").as_deref(),
            Some("https://example.com/dir/a.html")
        );
        assert_eq!(
            r("https://other.org/p?x=1#y").as_deref(),
            Some("https://other.org/p?x=1")
        );
    }

    #[test]
    fn keeps_only_http_and_https() {
        assert_eq!(r("http://plain.org").as_deref(), Some("http://plain.org/"));
        assert_eq!(
            r("HTTPS://UPPER.ORG/Path").as_deref(),
            Some("https://upper.org/Path")
        );
        for href in [
            "mailto:a@b.c",
            "javascript:void(0)",
            " JavaScript:alert(1)",
            "tel:+123",
            "data:text/html,hi",
            "ftp://files.example.com/",
            "file:///etc/passwd",
            "about:blank",
        ] {
            assert_eq!(r(href), None, "{href}");
        }
    }

    #[test]
    fn unparsable_hrefs_are_dropped() {
        assert_eq!(r("http://"), None);
        assert_eq!(r("https://exa mple.com/"), None);
        assert_eq!(r("http://[::1"), None);
    }

    #[test]
    fn extract_delegates_to_dom() {
        let page = base();
        let html = "<title>T</title><a href=x>x</a>";
        assert_eq!(extract(html, &page), dom::extract(html, &page));
    }
}
