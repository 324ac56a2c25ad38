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

/// A hook for the "a worker panics but the crawl never hangs" test (tests/panic.rs): in a debug
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
mod tests {
    use super::*;
    use crate::url_norm::http_url;

    fn base() -> Url {
        Url::parse("https://example.com/dir/page.html?q=1#top").expect("test url")
    }

    fn r(href: &str) -> Option<String> {
        http_url(Some(&base()), href).map(String::from)
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

    #[test]
    fn extract_exact_is_the_dom() {
        let page = base();
        let html = "<table><tr><td><a href=x>x</a></td></tr></table><title>T</title>";
        assert_eq!(extract_exact(html, &page), dom::extract(html, &page));
        assert_eq!(extract(html, &page), extract_exact(html, &page));
    }

    /// Every case of the `dom` tests, through the public [`extract`] (stream first, DOM on
    /// fallback); the stream itself must be `None` or agree with the DOM on each.
    mod dom_cases_through_extract {
        use super::super::*;

        const PAGE: &str = "https://example.com/dir/page.html?x=1";

        fn run_at(html: &str, page: &str) -> Extracted {
            let page = Url::parse(page).expect("test url");
            let got = extract(html, &page);
            assert_eq!(got, extract_exact(html, &page), "extract on {html:?}");
            if let Some(streamed) = stream::extract(html, &page) {
                assert_eq!(streamed, got, "stream on {html:?}");
            }
            got
        }

        fn run(html: &str) -> Extracted {
            run_at(html, PAGE)
        }

        fn title(html: &str) -> String {
            run(html).title
        }

        fn links(html: &str) -> Vec<String> {
            run(html).links.into_iter().map(String::from).collect()
        }

        #[test]
        fn titles() {
            assert_eq!(
                title("<html><head><title>Hello</title></head></html>"),
                "Hello"
            );
            assert_eq!(
                title("<title>A &amp; B &lt;c&gt; &#x41;&#66; &quot;q&quot; &eacute;</title>"),
                "A & B <c> AB \"q\" é"
            );
            assert_eq!(title("<title><b>bold</b></title>"), "<b>bold</b>");
            assert_eq!(
                title("<title>&nbsp;a&nbsp;&nbsp;b&nbsp;</title>"),
                "\u{A0}a\u{A0}\u{A0}b\u{A0}"
            );
            assert_eq!(title("<title> \u{A0} x </title>"), "\u{A0} x");
            assert_eq!(
                title("<title>\n\t  Multi\n  line\t\ttitle \r\n with\x0Cform feed  \n</title>"),
                "Multi line title with form feed"
            );
            assert_eq!(title("<title> \n\t </title>"), "");
            assert_eq!(title("<title></title>"), "");
            assert_eq!(
                title("<html><body><p>text</p><title>Late</title></body></html>"),
                "Late"
            );
            assert_eq!(title("<html><head></head><body>No title</body></html>"), "");
            assert_eq!(title(""), "");
            assert_eq!(title("<title>First</title><title>Second</title>"), "First");
            assert_eq!(
                title("<head><title>Head</title></head><body><title>Body</title></body>"),
                "Head"
            );
            assert_eq!(
                title("<head><template><title>Tpl</title></template><title>Doc</title></head>"),
                "Doc"
            );
            assert_eq!(title("<title>Open <a href=x>"), "Open <a href=x>");
        }

        #[test]
        fn foreign_titles() {
            let html = "<html><head></head><body>\
                <svg><title>SVG icon</title></svg>\
                <title>Real</title></body></html>";
            assert_eq!(title(html), "Real");
            assert_eq!(title("<body><svg><title>Only SVG</title></svg></body>"), "");
            assert_eq!(title("<body><math><title>MathML</title></math></body>"), "");
        }

        #[test]
        fn relative_and_absolute_links() {
            let html = r#"<a href="a.html">a</a> <a href="/root">r</a> <a href="../up/x">u</a>
                <a href="https://other.org/p?q=1">o</a> <a href="?y=2">q</a>"#;
            assert_eq!(
                links(html),
                [
                    "https://example.com/dir/a.html",
                    "https://example.com/root",
                    "https://example.com/up/x",
                    "https://other.org/p?q=1",
                    "https://example.com/dir/page.html?y=2",
                ]
            );
            assert_eq!(links("<a href='../../../../x'>"), ["https://example.com/x"]);
            assert_eq!(
                links("<a href='//cdn.example.net/lib'>x</a>"),
                ["https://cdn.example.net/lib"]
            );
            let http = run_at(
                "<a href='//cdn.example.net/lib'>x</a>",
                "http://example.com/",
            );
            assert_eq!(http.links[0].as_str(), "http://cdn.example.net/lib");
        }

        #[test]
        fn base_elements() {
            let html = r#"<head><base href="https://base.example.org/sub/"></head>
                <body><a href="x.html">x</a><a href="/abs">y</a><a href="">self</a></body>"#;
            assert_eq!(
                links(html),
                [
                    "https://base.example.org/sub/x.html",
                    "https://base.example.org/abs",
                    "https://base.example.org/sub/",
                ]
            );
            assert_eq!(
                links(r#"<base href="../other/"><a href="x.html">x</a>"#),
                ["https://example.com/other/x.html"]
            );
            assert_eq!(
                links(r#"<base href=" /b/ "><a href="x">x</a>"#),
                ["https://example.com/b/x"]
            );
            let html = r#"<a href="early">e</a><base href="https://one.example/">
                <base href="https://two.example/"><a href="late">l</a>"#;
            assert_eq!(
                links(html),
                ["https://one.example/early", "https://one.example/late"]
            );
            let html = r#"<base target="_blank"><base href="https://b.example/"><a href="x">"#;
            assert_eq!(links(html), ["https://b.example/x"]);
            for base in [
                "javascript:alert(1)",
                "data:text/html,x",
                "mailto:x@y.z",
                "http://",
            ] {
                let html = format!(r#"<base href="{base}"><a href="x.html">x</a>"#);
                assert_eq!(links(&html), ["https://example.com/dir/x.html"], "{base}");
            }
            let html = r#"<svg><base href="https://svg.example/"></base></svg><a href="x">x</a>"#;
            assert_eq!(links(html), ["https://example.com/dir/x"]);
        }

        #[test]
        fn link_filtering_and_dedup() {
            let html = r##"<a href="a#x">1</a><a href="a#y">2</a><a href="a">3</a>
                <a href="b">4</a><a href="#top">5</a><a href="https://example.com/dir/a">6</a>"##;
            assert_eq!(
                links(html),
                [
                    "https://example.com/dir/a",
                    "https://example.com/dir/b",
                    "https://example.com/dir/page.html?x=1",
                ]
            );
            let html = r#"<a href="mailto:me@example.com">m</a><a href="javascript:void(0)">j</a>
                <a href="tel:+1555">t</a><a href="data:text/html,hi">d</a>
                <a href="ftp://ftp.example.com/f">f</a><a href="ok">ok</a>"#;
            assert_eq!(links(html), ["https://example.com/dir/ok"]);
            let html = "<a href=\"  \n\thttps://w.example/x \r\n \">x</a><a href=' y '>y</a>";
            assert_eq!(
                links(html),
                ["https://w.example/x", "https://example.com/dir/y"]
            );
            let html = r#"<map name="m"><area shape="rect" coords="0,0,1,1" href="/area">
                <area shape="default" nohref></map>"#;
            assert_eq!(links(html), ["https://example.com/area"]);
            assert_eq!(
                links("<a name='anchor'>x</a><a>y</a><a id=z></a>"),
                Vec::<String>::new()
            );
            assert_eq!(
                links("<a href=''>self</a>"),
                ["https://example.com/dir/page.html?x=1"]
            );
            assert_eq!(
                links("<a href>self</a>"),
                ["https://example.com/dir/page.html?x=1"]
            );
            assert_eq!(
                links("<a href='HTTP://WWW.Example.COM:80/Path'>x</a>"),
                ["http://www.example.com/Path"]
            );
            assert_eq!(
                links("<a href='/s?a=1&amp;b=2&#x26;c=3'>x</a>"),
                ["https://example.com/s?a=1&b=2&c=3"]
            );
        }

        #[test]
        fn links_outside_the_html_document_tree() {
            let html = r#"<svg><a href="/svg-link"><text>t</text></a></svg><a href="/html">h</a>"#;
            assert_eq!(links(html), ["https://example.com/html"]);
            let html = r#"<template><a href="/tpl">t</a></template><a href="/doc">d</a>"#;
            assert_eq!(links(html), ["https://example.com/doc"]);
        }

        #[test]
        fn document_order_across_nesting() {
            let html = r#"<div><p><a href="/1">1</a></p><map><area href="/2"></map></div>
                <table><tr><td><a href="/3">3</a></td></tr></table><a href="/4">4</a>"#;
            assert_eq!(
                links(html),
                [
                    "https://example.com/1",
                    "https://example.com/2",
                    "https://example.com/3",
                    "https://example.com/4",
                ]
            );
        }

        #[test]
        fn malformed_markup_does_not_panic() {
            for html in [
                "<a href=",
                "<<<>>>",
                "<title",
                "<a href='x'><a href='y'></a",
                "\u{0}<a href=\u{0}>",
                "<svg><title><a href='/x'>",
                "<!-- <title>c</title> --><title>t</title>",
            ] {
                let _ = run(html);
            }
            assert_eq!(title("<!-- <title>c</title> --><title>t</title>"), "t");
        }

        #[test]
        fn title_and_links_together() {
            let got = run(
                "<!doctype html><html><head><title> Shop &amp; Co </title></head>\
                 <body><a href='/cart#top'>c</a><a href='mailto:x@y.z'>m</a></body></html>",
            );
            assert_eq!(
                got,
                Extracted {
                    title: "Shop & Co".to_string(),
                    links: vec![Url::parse("https://example.com/cart").expect("test url")],
                }
            );
        }
    }
}
