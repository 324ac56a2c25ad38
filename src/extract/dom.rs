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

pub mod dates;
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
    extract_with_meta_parsed(&Html::parse_document(html), page_url)
}

/// [`extract_with_meta`] of a document already parsed (`--text` parses every page it reads, so
/// the crawl reads the links and the metadata from that same tree).
pub fn extract_with_meta_parsed(document: &Html, page_url: &Url) -> (Extracted, RawMeta) {
    (
        extract_parsed(document, page_url),
        meta::raw_meta(document, page_url),
    )
}

/// [`extract`] of a document already parsed.
pub fn extract_parsed(document: &Html, page_url: &Url) -> Extracted {
    let read = read_parsed(document, page_url);
    let base = read.base;
    let mut seen: HashSet<Url> = HashSet::new();
    let mut links = Vec::new();
    for href in read.hrefs {
        if let Some(url) = http_url(Some(&base), href) {
            if seen.insert(url.clone()) {
                links.push(url);
            }
        }
    }

    Extracted {
        title: read.title,
        links,
        robots: read.robots,
    }
}

/// The DOM's reading of a parsed page before any link is resolved, as
/// [`super::stream::scan_hrefs`] gives the stream's (so the crawl can resolve the hrefs through
/// its memo): returns the title, gives `robots` the page's robots meta elements, then calls
/// `each(base, href)` for every `a[href]` and `area[href]` of the document tree in tree order,
/// with the base URL in effect. Resolving each with [`http_url`] and keeping the first of equal
/// URLs gives [`extract_parsed`]'s links.
pub fn scan_hrefs_parsed(
    document: &Html,
    page_url: &Url,
    robots: impl FnOnce(&crate::robots::meta::RobotsMeta),
    mut each: impl FnMut(&Url, &str),
) -> String {
    let read = read_parsed(document, page_url);
    robots(&read.robots);
    for href in read.hrefs {
        each(&read.base, href);
    }
    read.title
}

/// What one walk of the tree reads for the title and the links.
struct Read<'a> {
    title: String,
    /// The frozen base URL: the first base[href] resolved against the document URL; failure or
    /// a non-http(s) result falls back to the document URL.
    base: Url,
    /// Every a[href] and area[href] value, in tree order.
    hrefs: Vec<&'a str>,
    robots: crate::robots::meta::RobotsMeta,
}

fn read_parsed<'a>(document: &'a Html, page_url: &Url) -> Read<'a> {
    let mut title: Option<String> = None;
    let mut base_href: Option<&str> = None;
    let mut hrefs: Vec<&str> = Vec::new();
    let mut robots = crate::robots::meta::RobotsMeta::default();
    for element in html_elements_in_tree_order(document) {
        let value = element.value();
        match value.name() {
            "title" if title.is_none() => title = Some(collapse_ascii_whitespace(element)),
            "base" if base_href.is_none() => base_href = value.attr("href"),
            "a" | "area" => hrefs.extend(value.attr("href")),
            "meta" => {
                if let (Some(name), Some(content)) = (value.attr("name"), value.attr("content")) {
                    robots.note(name, content);
                }
            }
            _ => {}
        }
    }
    let base = base_href
        .and_then(|href| http_url(Some(page_url), href))
        .unwrap_or_else(|| page_url.clone());
    Read {
        title: title.unwrap_or_default(),
        base,
        hrefs,
        robots,
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

    /// Every extractor case (`cases.rs`), against the DOM reference.
    #[test]
    fn every_case() {
        super::super::cases::check_all(extract);
    }

    /// The tree keeps every line feed as written (vendor/html5ever takes them inside text runs
    /// instead of one token per line): in text, after `<pre>` and `<textarea>` (whose first one
    /// the parser drops, LF or CRLF), in script, style and title text, in escaped script data.
    #[test]
    fn line_feeds_survive_the_tokenizer() {
        let html = "<title>\nA\n B\n</title><style>\na{}\n\n</style>\n\n  <p>one\n two\n</p>\n\
                    <pre>\n\ncode\n  line</pre><pre>\r\nx\r\ny</pre><textarea>\n\nt\n</textarea>\
                    <script>\nvar a;\n<!--\n<script>\n</script>\nb\n-->\n</script>\
                    <p>\0\nz&amp;\n</p>";
        let doc = Html::parse_document(html);
        let texts: Vec<String> = doc
            .tree
            .values()
            .filter_map(|n| n.as_text().map(|t| t.to_string()))
            .collect();
        assert_eq!(
            texts,
            [
                "\nA\n B\n",
                "\na{}\n\n",
                "\n\n  ",
                "one\n two\n",
                "\n",
                "\ncode\n  line",
                "x\ny",
                "\nt\n",
                "\nvar a;\n<!--\n<script>\n</script>\nb\n-->\n",
                "\nz&\n",
            ]
        );
    }
}
