//! The reference reading of the metadata pieces ([`RawMeta`]) from the parsed tree: the
//! document element's `lang`; the `<meta>` and `<link>` elements among the descendants of the
//! first HTML `<head>` of the tree (template contents excluded, as everywhere in `dom`); the text
//! of every `<script type="application/ld+json">` of the document; and, only when those give no
//! publication date (`crate::meta::needs_body_dates`), the body's date pieces
//! (`super::dates`). The stream's reading
//! (`super::super::stream::meta`) must equal this one whenever it answers.

use scraper::{ElementRef, Html, Node};
use url::Url;

use super::{html_elements_in_tree_order, HTML_NS};
use crate::meta::RawMeta;

/// JSON-LD blocks longer than this (bytes of decoded text) are dropped.
pub const JSONLD_MAX_BYTES: usize = 1 << 20;

/// The attributes whose values key a `<meta content>`, in the order their pairs are given.
pub const META_KEYS: [&str; 3] = ["name", "property", "itemprop"];

/// Is `value` (a script's `type`) the JSON-LD type? ASCII whitespace around it is ignored and
/// the comparison is ASCII case-insensitive.
pub fn is_jsonld_type(value: &str) -> bool {
    value
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .eq_ignore_ascii_case("application/ld+json")
}

/// The (key, content) pairs of one `<meta>` with the given attribute lookup (see [`RawMeta`]).
pub fn meta_pairs<'a>(attr: impl Fn(&str) -> Option<&'a str>, out: &mut Vec<(String, String)>) {
    let Some(content) = attr("content") else {
        return;
    };
    for key in META_KEYS {
        if let Some(k) = attr(key) {
            let k = k.trim_matches(|c: char| c.is_ascii_whitespace());
            out.push((k.to_ascii_lowercase(), content.to_owned()));
        }
    }
}

/// The `<link rel href>` pair, if the element has both.
pub fn link_pair<'a>(attr: impl Fn(&str) -> Option<&'a str>) -> Option<(String, String)> {
    Some((attr("rel")?.to_ascii_lowercase(), attr("href")?.to_owned()))
}

/// The metadata pieces of a parsed document served at `page_url`.
pub fn raw_meta(document: &Html, page_url: &Url) -> RawMeta {
    let mut raw = RawMeta {
        html_lang: document
            .root_element()
            .value()
            .attr("lang")
            .map(str::to_owned),
        ..RawMeta::default()
    };
    let mut head_seen = false;
    let elements = html_elements_in_tree_order(document);
    for &element in &elements {
        let value = element.value();
        match value.name() {
            "head" if !head_seen => {
                head_seen = true;
                head_pieces(element, &mut raw);
            }
            "script" if value.attr("type").is_some_and(is_jsonld_type) => {
                let text: String = element.text().collect();
                if text.len() <= JSONLD_MAX_BYTES {
                    raw.jsonld.push(text);
                }
            }
            _ => {}
        }
    }
    if crate::meta::needs_body_dates(&raw, page_url) {
        raw.body = super::dates::body_dates(&elements);
    }
    raw
}

/// The head's `<meta content>` and `<link rel href>` descendants, in tree order.
fn head_pieces(head: ElementRef<'_>, raw: &mut RawMeta) {
    let mut stack: Vec<_> = head.children().rev().collect();
    while let Some(node) = stack.pop() {
        if matches!(node.value(), Node::Fragment) {
            continue;
        }
        if let Some(element) = ElementRef::wrap(node) {
            let value = element.value();
            if &*value.name.ns == HTML_NS {
                match value.name() {
                    "meta" => meta_pairs(|name| value.attr(name), &mut raw.head_meta),
                    "link" => raw.head_links.extend(link_pair(|name| value.attr(name))),
                    _ => {}
                }
            }
        }
        stack.extend(node.children().rev());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(html: &str) -> RawMeta {
        let page = Url::parse("https://example.com/a").expect("url");
        raw_meta(&Html::parse_document(html), &page)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn head_meta_and_links() {
        let got = raw(
            "<html lang=en-GB><head><meta name=' Author ' property=og:x content='A &amp; B'>\
             <meta name=nocontent><link rel=Canonical href='/c?a&amp;b'><link rel=x>\
             <template><meta name=tpl content=t></template></head>\
             <body><meta property=og:title content=body><link rel=canonical href=/body></body>",
        );
        assert_eq!(got.html_lang.as_deref(), Some("en-GB"));
        assert_eq!(
            got.head_meta,
            pairs(&[("author", "A & B"), ("og:x", "A & B")])
        );
        assert_eq!(got.head_links, pairs(&[("canonical", "/c?a&b")]));
    }

    #[test]
    fn head_ends_where_the_parser_ends_it() {
        // Text ends the head: the second meta is in the body.
        let got = raw("<meta name=a content=1>text<meta name=b content=2>");
        assert_eq!(got.head_meta, pairs(&[("a", "1")]));
        // After </head>, a meta still goes into the head.
        let got = raw("<head></head> <meta name=a content=1><div></div><meta name=b content=2>");
        assert_eq!(got.head_meta, pairs(&[("a", "1")]));
        // A later <html lang> adds the attribute to the document element.
        assert_eq!(raw("<p>x<html lang=fr>").html_lang.as_deref(), Some("fr"));
    }

    #[test]
    fn jsonld_and_body_dates() {
        let big = format!(
            "<script type=application/ld+json>{}</script>",
            "x".repeat(JSONLD_MAX_BYTES + 1)
        );
        let got = raw(&format!(
            "<script type=' Application/LD+JSON '>{{\"a\":\"&amp;\"}}</script>{big}\
             <script type=text/javascript>{{}}</script><time datetime=out></time>\
             <article><p><time datetime='2026-01-02'>x</time><time>no attr</time></p></article>\
             <body><script type=application/ld+json>[1]</script>"
        ));
        assert_eq!(got.jsonld, ["{\"a\":\"&amp;\"}", "[1]"]);
        // The body is read (no structured date): the article's times, outside it none.
        let published = crate::meta::DateRole::Published;
        assert_eq!(
            got.body.times,
            [
                (published, "2026-01-02".to_string()),
                (published, "no attr".to_string())
            ]
        );
    }
}
