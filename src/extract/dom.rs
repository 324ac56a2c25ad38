//! The exact reference extractor: parses the whole document with `scraper` (html5ever, the
//! WHATWG tree builder) and reads `document.title`, the document base URL and
//! `document.links` the way a browser would, honouring element namespaces (SVG/MathML
//! `<title>` and `<a>` do not count) and leaving `<template>` contents out of the document tree.
//!
//! This module must never take shortcuts that change results (regexes, partial parsing) and
//! never panic on any input; it is the correctness baseline that faster extractors are
//! checked against.

use std::collections::HashSet;

use scraper::{ElementRef, Html, Node};
use url::Url;

use super::Extracted;
use crate::meta::RawMeta;
use crate::url_norm::http_url;

pub mod meta;

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Extract `document.title` and the deduplicated `document.links` (http(s) only, fragments
/// removed, first-appearance order) from `html`, served at `page_url` (the final URL after
/// redirects), honouring the first `<base href>`.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    extract_parsed(&Html::parse_document(html), page_url)
}

/// [`extract`] and the metadata pieces ([`meta::raw_meta`]) from one parse.
pub fn extract_with_meta(html: &str, page_url: &Url) -> (Extracted, RawMeta) {
    let document = Html::parse_document(html);
    (
        extract_parsed(&document, page_url),
        meta::raw_meta(&document),
    )
}

fn extract_parsed(document: &Html, page_url: &Url) -> Extracted {
    let mut title: Option<String> = None;
    let mut base_href: Option<&str> = None;
    let mut hrefs: Vec<&str> = Vec::new();
    for element in html_elements_in_tree_order(document) {
        let value = element.value();
        match value.name() {
            "title" if title.is_none() => title = Some(collapse_ascii_whitespace(element)),
            "base" if base_href.is_none() => base_href = value.attr("href"),
            "a" | "area" => hrefs.extend(value.attr("href")),
            _ => {}
        }
    }

    // The frozen base URL: the first base[href] resolved against the document URL; failure or
    // a non-http(s) result falls back to the document URL.
    let base = base_href
        .and_then(|href| http_url(Some(page_url), href))
        .unwrap_or_else(|| page_url.clone());

    let mut seen: HashSet<Url> = HashSet::new();
    let mut links = Vec::new();
    for href in hrefs {
        if let Some(url) = http_url(Some(&base), href) {
            if seen.insert(url.clone()) {
                links.push(url);
            }
        }
    }

    Extracted {
        title: title.unwrap_or_default(),
        links,
    }
}

/// Every HTML-namespace element of the document tree, in tree order (pre-order, depth first).
/// Template contents hang under a `Node::Fragment` child in scraper's tree; like a browser's
/// document tree, the walk does not enter them.
fn html_elements_in_tree_order(document: &Html) -> Vec<ElementRef<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![document.tree.root()];
    while let Some(node) = stack.pop() {
        if matches!(node.value(), Node::Fragment) {
            continue;
        }
        if let Some(element) = ElementRef::wrap(node) {
            if &*element.value().name.ns == HTML_NS {
                out.push(element);
            }
        }
        stack.extend(node.children().rev());
    }
    out
}

/// The element's text content with ASCII whitespace (TAB, LF, FF, CR, SPACE; not U+00A0)
/// stripped from both ends and each run of it collapsed to a single space.
fn collapse_ascii_whitespace(element: ElementRef<'_>) -> String {
    let text: String = element.text().collect();
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://example.com/dir/page.html?x=1";

    fn run(html: &str) -> Extracted {
        extract(html, &Url::parse(PAGE).expect("test url"))
    }

    fn title(html: &str) -> String {
        run(html).title
    }

    fn links(html: &str) -> Vec<String> {
        run(html).links.into_iter().map(String::from).collect()
    }

    // --- title ---

    #[test]
    fn title_basic() {
        assert_eq!(
            title("<html><head><title>Hello</title></head></html>"),
            "Hello"
        );
    }

    #[test]
    fn title_entities_are_decoded() {
        assert_eq!(
            title("<title>A &amp; B &lt;c&gt; &#x41;&#66; &quot;q&quot; &eacute;</title>"),
            "A & B <c> AB \"q\" é"
        );
        // Markup inside title is text (RCDATA).
        assert_eq!(title("<title><b>bold</b></title>"), "<b>bold</b>");
    }

    #[test]
    fn title_nbsp_is_kept_not_stripped() {
        assert_eq!(
            title("<title>&nbsp;a&nbsp;&nbsp;b&nbsp;</title>"),
            "\u{A0}a\u{A0}\u{A0}b\u{A0}"
        );
        assert_eq!(title("<title> \u{A0} x </title>"), "\u{A0} x");
    }

    #[test]
    fn title_whitespace_is_stripped_and_collapsed() {
        assert_eq!(
            title("<title>\n\t  Multi\n  line\t\ttitle \r\n with\x0Cform feed  \n</title>"),
            "Multi line title with form feed"
        );
        assert_eq!(title("<title> \n\t </title>"), "");
        assert_eq!(title("<title></title>"), "");
    }

    #[test]
    fn title_svg_title_before_html_title_does_not_count() {
        let html = "<html><head></head><body>\
            <svg><title>SVG icon</title></svg>\
            <title>Real</title></body></html>";
        assert_eq!(title(html), "Real");
        assert_eq!(title("<body><svg><title>Only SVG</title></svg></body>"), "");
        assert_eq!(title("<body><math><title>MathML</title></math></body>"), "");
    }

    #[test]
    fn title_in_body_counts() {
        assert_eq!(
            title("<html><body><p>text</p><title>Late</title></body></html>"),
            "Late"
        );
    }

    #[test]
    fn title_missing_is_empty() {
        assert_eq!(title("<html><head></head><body>No title</body></html>"), "");
        assert_eq!(title(""), "");
    }

    #[test]
    fn title_first_of_two_wins() {
        assert_eq!(title("<title>First</title><title>Second</title>"), "First");
        assert_eq!(
            title("<head><title>Head</title></head><body><title>Body</title></body>"),
            "Head"
        );
    }

    #[test]
    fn title_in_template_does_not_count() {
        assert_eq!(
            title("<head><template><title>Tpl</title></template><title>Doc</title></head>"),
            "Doc"
        );
    }

    #[test]
    fn title_unclosed_runs_to_end() {
        assert_eq!(title("<title>Open <a href=x>"), "Open <a href=x>");
    }

    // --- links ---

    #[test]
    fn links_relative_and_absolute() {
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
    }

    #[test]
    fn links_dot_dot_cannot_escape_root() {
        assert_eq!(links("<a href='../../../../x'>"), ["https://example.com/x"]);
    }

    #[test]
    fn links_protocol_relative() {
        assert_eq!(
            links("<a href='//cdn.example.net/lib'>x</a>"),
            ["https://cdn.example.net/lib"]
        );
        let http = extract(
            "<a href='//cdn.example.net/lib'>x</a>",
            &Url::parse("http://example.com/").expect("test url"),
        );
        assert_eq!(http.links[0].as_str(), "http://cdn.example.net/lib");
    }

    #[test]
    fn links_absolute_base() {
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
    }

    #[test]
    fn links_relative_base_resolves_against_page() {
        let html = r#"<base href="../other/"><a href="x.html">x</a>"#;
        assert_eq!(links(html), ["https://example.com/other/x.html"]);
        let html = r#"<base href=" /b/ "><a href="x">x</a>"#;
        assert_eq!(links(html), ["https://example.com/b/x"]);
    }

    #[test]
    fn links_base_applies_to_links_before_it_and_only_first_base_counts() {
        let html = r#"<a href="early">e</a><base href="https://one.example/">
            <base href="https://two.example/"><a href="late">l</a>"#;
        assert_eq!(
            links(html),
            ["https://one.example/early", "https://one.example/late"]
        );
    }

    #[test]
    fn links_base_without_href_is_skipped() {
        let html = r#"<base target="_blank"><base href="https://b.example/"><a href="x">"#;
        assert_eq!(links(html), ["https://b.example/x"]);
    }

    #[test]
    fn links_non_http_or_broken_base_falls_back_to_page() {
        for base in [
            "javascript:alert(1)",
            "data:text/html,x",
            "mailto:x@y.z",
            "http://",
        ] {
            let html = format!(r#"<base href="{base}"><a href="x.html">x</a>"#);
            assert_eq!(links(&html), ["https://example.com/dir/x.html"], "{base}");
        }
    }

    #[test]
    fn links_svg_base_does_not_count() {
        let html = r#"<svg><base href="https://svg.example/"></base></svg><a href="x">x</a>"#;
        assert_eq!(links(html), ["https://example.com/dir/x"]);
    }

    #[test]
    fn links_fragments_removed_and_deduplicated() {
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
    }

    #[test]
    fn links_non_http_schemes_skipped() {
        let html = r#"<a href="mailto:me@example.com">m</a><a href="javascript:void(0)">j</a>
            <a href="tel:+1555">t</a><a href="data:text/html,hi">d</a>
            <a href="ftp://ftp.example.com/f">f</a><a href="ok">ok</a>"#;
        assert_eq!(links(html), ["https://example.com/dir/ok"]);
    }

    #[test]
    fn links_surrounding_whitespace_trimmed() {
        let html = "<a href=\"  \n\thttps://w.example/x \r\n \">x</a><a href=' y '>y</a>";
        assert_eq!(
            links(html),
            ["https://w.example/x", "https://example.com/dir/y"]
        );
    }

    #[test]
    fn links_area_href_counts() {
        let html = r#"<map name="m"><area shape="rect" coords="0,0,1,1" href="/area">
            <area shape="default" nohref></map>"#;
        assert_eq!(links(html), ["https://example.com/area"]);
    }

    #[test]
    fn links_a_without_href_ignored() {
        assert_eq!(
            links("<a name='anchor'>x</a><a>y</a><a id=z></a>"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn links_empty_href_is_the_base_itself() {
        assert_eq!(
            links("<a href=''>self</a>"),
            ["https://example.com/dir/page.html?x=1"]
        );
        assert_eq!(
            links("<a href>self</a>"),
            ["https://example.com/dir/page.html?x=1"]
        );
    }

    #[test]
    fn links_uppercase_scheme_normalized() {
        assert_eq!(
            links("<a href='HTTP://WWW.Example.COM:80/Path'>x</a>"),
            ["http://www.example.com/Path"]
        );
    }

    #[test]
    fn links_in_svg_are_not_document_links() {
        let html = r#"<svg><a href="/svg-link"><text>t</text></a></svg><a href="/html">h</a>"#;
        assert_eq!(links(html), ["https://example.com/html"]);
    }

    #[test]
    fn links_in_template_are_not_document_links() {
        let html = r#"<template><a href="/tpl">t</a></template><a href="/doc">d</a>"#;
        assert_eq!(links(html), ["https://example.com/doc"]);
    }

    #[test]
    fn links_entities_in_href_decoded() {
        assert_eq!(
            links("<a href='/s?a=1&amp;b=2&#x26;c=3'>x</a>"),
            ["https://example.com/s?a=1&b=2&c=3"]
        );
    }

    #[test]
    fn links_document_order_across_nesting() {
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
