//! Feeds: the item links of an RSS 2.0, RSS 1.0 (RDF) or Atom document ([`parse`]), and the feeds
//! an HTML page announces with `<link rel="alternate">` ([`discover`]). It owns only text → URLs;
//! it must never fetch a feed or an item, follow `xml:base`, or panic on malformed markup.

use std::cell::RefCell;

use lol_html::html_content::Element;
use lol_html::{element, HtmlRewriter, Settings};
use quick_xml::events::{BytesStart, Event};
use url::Url;

use super::{
    decode_document, lenient_reader, next_event, push_distinct, push_reference, push_text,
};
use crate::url_norm::named_url;

/// The announced feed types [`discover`] accepts (compared case-insensitively, parameters ignored).
pub const FEED_TYPES: &[&str] = &["application/rss+xml", "application/atom+xml"];

/// What is being read inside the current item.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Nothing,
    /// `<link>` text (RSS 2.0, RDF).
    Link,
    /// `<guid>` text that is a permalink.
    Guid,
    /// `<pubDate>` (RSS 2.0) or `<published>` (Atom) text.
    Date,
}

/// The candidates for one item's link, in order of preference.
#[derive(Default)]
struct Item {
    /// Depth of the `<item>`/`<entry>` element: its children are at `depth + 1`.
    depth: usize,
    /// The first `<link>` text that is an http(s) URL.
    link: Option<Url>,
    /// Atom links with rel=alternate (or no rel): the first whose type is HTML or absent wins,
    /// else the first.
    alternate_html: Option<Url>,
    alternate_other: Option<Url>,
    /// The first permalink `<guid>`.
    guid: Option<Url>,
    /// The first `<pubDate>` or `<published>` text, trimmed (as written: `crate::meta` parses it).
    date: Option<String>,
}

impl Item {
    /// The item's link and its date.
    fn best(self) -> Option<(Url, Option<String>)> {
        let url = self
            .link
            .or(self.alternate_html)
            .or(self.alternate_other)
            .or(self.guid)?;
        Some((url, self.date))
    }
}

/// Add an item: its URL once, with the date of its first item.
fn push_item(items: &mut Vec<(Url, Option<String>)>, item: (Url, Option<String>)) {
    if !items.iter().any(|(u, _)| *u == item.0) {
        items.push(item);
    }
}

/// The item links of a feed, resolved against `base` (the feed's URL; `xml:base` is ignored),
/// http(s) only, fragments removed, distinct, in document order.
///
/// - RSS 2.0 and RSS 1.0 (RDF): `<item><link>` text; when an item has no usable link, its
///   `<guid>` if it is an absolute URL and not `isPermaLink="false"` (the attribute defaults to
///   true).
/// - Atom: `<entry><link href>` with `rel="alternate"` or no rel (`self`, `edit`, `enclosure`,
///   `related`, `replies`, ... are skipped); of several alternates, the first `text/html` (or
///   untyped) one. An `<atom:link>` inside an RSS item is treated the same way.
///
/// Only links that are direct children of the item count (not those of an Atom `<source>` or of
/// the channel). Malformed XML ends the parse; the items read so far, and the one being read,
/// are kept.
pub fn parse(bytes: &[u8], base: &Url) -> Vec<Url> {
    parse_dated(bytes, base)
        .into_iter()
        .map(|(url, _)| url)
        .collect()
}

/// [`parse`], each link with its item's date: the text of the first `<pubDate>` (RSS 2.0) or
/// `<published>` (Atom) child of the item, trimmed, unparsed (`None` when the item has none or
/// it is blank). A link given by several items keeps the first item's date.
pub fn parse_dated(bytes: &[u8], base: &Url) -> Vec<(Url, Option<String>)> {
    let text = decode_document(bytes);
    let mut reader = lenient_reader(&text);
    let mut links: Vec<(Url, Option<String>)> = Vec::new();
    // Local names (lowercased) of the open elements.
    let mut stack: Vec<String> = Vec::new();
    let mut item: Option<Item> = None;
    let mut reading = Reading::Nothing;
    let mut buf = String::new();
    while let Some(event) = next_event(&mut reader) {
        match event {
            Event::Start(start) => {
                let local = local_name(&start);
                if let Some(current) = item.as_mut() {
                    if stack.len() == current.depth + 1 && reading == Reading::Nothing {
                        reading = start_in_item(current, &local, &start, base);
                        buf.clear();
                    }
                } else if local == "item" || local == "entry" {
                    item = Some(Item {
                        depth: stack.len(),
                        ..Item::default()
                    });
                }
                stack.push(local);
            }
            Event::Empty(start) => {
                if let Some(current) = item.as_mut() {
                    if stack.len() == current.depth + 1 && reading == Reading::Nothing {
                        // `<link href="..."/>`: nothing to read after it.
                        let _ = start_in_item(current, &local_name(&start), &start, base);
                    }
                }
            }
            Event::End(end) => {
                let local =
                    String::from_utf8_lossy(end.name().local_name().as_ref()).to_ascii_lowercase();
                // Close the innermost open element of that name (ignore a stray end tag).
                if let Some(depth) = stack.iter().rposition(|open| *open == local) {
                    stack.truncate(depth);
                }
                if let Some(current) = item.as_mut() {
                    if reading != Reading::Nothing && stack.len() <= current.depth + 1 {
                        finish_reading(current, reading, &buf, base);
                        reading = Reading::Nothing;
                    }
                    if stack.len() <= current.depth {
                        if let Some(found) = item.take().and_then(Item::best) {
                            push_item(&mut links, found);
                        }
                    }
                }
            }
            Event::Text(t) if reading != Reading::Nothing => push_text(&mut buf, &t),
            Event::CData(c) if reading != Reading::Nothing => {
                buf.push_str(&String::from_utf8_lossy(&c));
            }
            Event::GeneralRef(r) if reading != Reading::Nothing => push_reference(&mut buf, &r),
            _ => {}
        }
    }
    // A document cut inside an item: keep what that item had.
    if let Some(mut current) = item.take() {
        if reading != Reading::Nothing {
            finish_reading(&mut current, reading, &buf, base);
        }
        if let Some(found) = current.best() {
            push_item(&mut links, found);
        }
    }
    links
}

fn local_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().local_name().as_ref()).to_ascii_lowercase()
}

/// The value of the attribute whose local name is `name` (any prefix, any case), entity-decoded.
fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    start
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| {
            a.key
                .local_name()
                .as_ref()
                .eq_ignore_ascii_case(name.as_bytes())
        })
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value);
            htmlize::unescape_attribute(raw.as_ref()).into_owned()
        })
}

/// A direct child of the item starts: note an Atom-style link at once, or say which text to read.
fn start_in_item(item: &mut Item, local: &str, start: &BytesStart<'_>, base: &Url) -> Reading {
    match local {
        "link" => match attribute(start, "href") {
            Some(href) => {
                let rel = attribute(start, "rel").unwrap_or_default();
                let rel = rel.trim();
                if !(rel.is_empty() || rel.eq_ignore_ascii_case("alternate")) {
                    return Reading::Nothing;
                }
                let Some(url) = named_url(Some(base), &href) else {
                    return Reading::Nothing;
                };
                let html =
                    attribute(start, "type").is_none_or(|t| crate::download::is_html_type(&t));
                let slot = if html {
                    &mut item.alternate_html
                } else {
                    &mut item.alternate_other
                };
                if slot.is_none() {
                    *slot = Some(url);
                }
                Reading::Nothing
            }
            None if item.link.is_none() => Reading::Link,
            None => Reading::Nothing,
        },
        "guid" if item.guid.is_none() => {
            let permalink = attribute(start, "isPermaLink")
                .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
            if permalink {
                Reading::Guid
            } else {
                Reading::Nothing
            }
        }
        "pubdate" | "published" if item.date.is_none() => Reading::Date,
        _ => Reading::Nothing,
    }
}

/// The text of a `<link>`, `<guid>` or date is complete.
fn finish_reading(item: &mut Item, reading: Reading, text: &str, base: &Url) {
    match reading {
        Reading::Link => {
            if item.link.is_none() {
                item.link = named_url(Some(base), text);
            }
        }
        // A guid is only a link when it is an absolute URL already: "1234" is an id, not a path.
        Reading::Guid => {
            if item.guid.is_none() {
                item.guid = named_url(None, text);
            }
        }
        Reading::Date => {
            let text = text.trim();
            if item.date.is_none() && !text.is_empty() {
                item.date = Some(text.to_owned());
            }
        }
        Reading::Nothing => {}
    }
}

/// Does `rel` (a space-separated token list) contain `alternate`, in any case?
fn rel_has_alternate(rel: &str) -> bool {
    rel.split_ascii_whitespace()
        .any(|token| token.eq_ignore_ascii_case("alternate"))
}

/// Is `mime` (parameters ignored, any case) one of [`FEED_TYPES`]?
fn is_feed_type(mime: &str) -> bool {
    let essence = mime.split(';').next().unwrap_or_default().trim();
    FEED_TYPES.iter().any(|t| essence.eq_ignore_ascii_case(t))
}

/// The feeds `html` announces: every `<link rel="alternate" type="application/rss+xml"` (or
/// `application/atom+xml`) `href>`, where rel is a token list matched case-insensitively and the
/// type is compared case-insensitively without its parameters. Hrefs are entity-decoded and
/// resolved against the document's first `<base href>` (itself resolved against `page_url`),
/// wherever it appears, else `page_url`; http(s) only, fragments removed, distinct, in document
/// order. Markup lol_html cannot parse ends the scan; what was found before is kept.
pub fn discover(html: &str, page_url: &Url) -> Vec<Url> {
    let base_href: RefCell<Option<String>> = RefCell::new(None);
    let hrefs: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let decoded = |el: &Element<'_, '_>, name: &str| {
        el.get_attribute(name)
            .map(|v| htmlize::unescape_attribute(v.as_str()).into_owned())
    };
    {
        let settings = Settings::new()
            .with_strict(false)
            .append_element_content_handler(element!("base[href]", |el| {
                let mut base = base_href.borrow_mut();
                if base.is_none() {
                    *base = decoded(el, "href");
                }
                Ok(())
            }))
            .append_element_content_handler(element!("link[href]", |el| {
                let rel = decoded(el, "rel").unwrap_or_default();
                let mime = decoded(el, "type").unwrap_or_default();
                if rel_has_alternate(&rel) && is_feed_type(&mime) {
                    if let Some(href) = decoded(el, "href") {
                        hrefs.borrow_mut().push(href);
                    }
                }
                Ok(())
            }));
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        if rewriter.write(html.as_bytes()).is_ok() {
            let _ = rewriter.end();
        }
    }
    let base = base_href
        .into_inner()
        .and_then(|href| {
            let href = href.trim_matches(|c: char| c.is_ascii_whitespace());
            page_url.join(href).ok()
        })
        // As in HTML's "frozen base URL": a data: or javascript: base is not a base.
        .filter(|base| !matches!(base.scheme(), "data" | "javascript"))
        .unwrap_or_else(|| page_url.clone());
    let mut feeds = Vec::new();
    for href in hrefs.into_inner() {
        if let Some(url) = crate::url_norm::http_url(Some(&base), &href) {
            push_distinct(&mut feeds, url);
        }
    }
    feeds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn strs(urls: &[Url]) -> Vec<&str> {
        urls.iter().map(Url::as_str).collect()
    }

    fn feed_base() -> Url {
        url("https://example.com/feeds/news.xml")
    }

    #[test]
    fn rss2_item_links() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>News</title>
  <link>https://example.com/</link>
  <atom:link href="https://example.com/feeds/news.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title>One</title>
    <link>https://example.com/a/1?utm_source=rss&amp;x=1#comments</link>
    <guid isPermaLink="true">https://example.com/guid/1</guid>
  </item>
  <item>
    <title>Two</title>
    <link><![CDATA[ https://example.com/a/2 ]]></link>
  </item>
  <item><title>Guid only</title><guid isPermaLink="true">https://example.com/a/3</guid></item>
  <item><title>Guid default</title><guid>https://example.com/a/4</guid></item>
  <item><title>Not a permalink</title><guid isPermaLink="false">https://example.com/a/5</guid></item>
  <item><title>Id guid</title><guid>12345</guid></item>
  <item><title>Dup</title><link>https://example.com/a/1?utm_source=rss&amp;x=1</link></item>
  <item><title>Bad</title><link>javascript:alert(1)</link><guid>https://example.com/a/6</guid></item>
  <item><title>Atom link in RSS</title><atom:link href="https://example.com/a/7"/></item>
</channel>
</rss>"#;
        assert_eq!(
            strs(&parse(xml.as_bytes(), &feed_base())),
            [
                "https://example.com/a/1?utm_source=rss&x=1",
                "https://example.com/a/2",
                "https://example.com/a/3",
                "https://example.com/a/4",
                "https://example.com/a/6",
                "https://example.com/a/7",
            ]
        );
    }

    #[test]
    fn items_carry_their_dates() {
        let rss = br#"<rss version="2.0"><channel><pubDate>Mon, 30 Nov 2026 00:00:00 GMT</pubDate>
<item><link>https://example.com/1</link><pubDate> Mon, 30 Nov 2026 14:05:00 +0100 </pubDate></item>
<item><link>https://example.com/2</link></item>
<item><link>https://example.com/1</link><pubDate>Sun, 01 Jan 2001 00:00:00 GMT</pubDate></item>
</channel></rss>"#;
        let got = parse_dated(rss, &feed_base());
        assert_eq!(
            got,
            [
                (
                    url("https://example.com/1"),
                    Some("Mon, 30 Nov 2026 14:05:00 +0100".to_owned())
                ),
                (url("https://example.com/2"), None),
            ]
        );
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://example.com/a"/>
<updated>2026-11-30T15:00:00Z</updated><published>2026-11-30T14:05:00Z</published></entry></feed>"#;
        assert_eq!(
            parse_dated(atom, &feed_base()),
            [(
                url("https://example.com/a"),
                Some("2026-11-30T14:05:00Z".to_owned())
            )]
        );
    }

    #[test]
    fn atom_entry_links() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example</title>
  <link href="https://example.com/"/>
  <link rel="self" href="https://example.com/feeds/atom.xml"/>
  <entry>
    <title>One</title>
    <link rel="self" href="https://example.com/entries/1.atom"/>
    <link rel="edit" href="https://example.com/edit/1"/>
    <link rel="enclosure" type="audio/mpeg" href="https://example.com/1.mp3"/>
    <link rel="alternate" type="text/html" href="https://example.com/posts/1"/>
    <id>urn:uuid:1</id>
  </entry>
  <entry>
    <link href="https://example.com/posts/2"></link>
    <source><link rel="alternate" href="https://elsewhere.example/"/></source>
  </entry>
  <entry>
    <link rel="ALTERNATE" type="application/pdf" href="https://example.com/posts/3.pdf"/>
    <link rel="alternate" type="text/html; charset=utf-8" href="https://example.com/posts/3"/>
  </entry>
  <entry>
    <link rel="alternate" type="application/pdf" href="https://example.com/posts/4.pdf"/>
  </entry>
  <entry>
    <source><link rel="alternate" href="https://elsewhere.example/5"/></source>
    <link rel="related" href="https://example.com/related"/>
  </entry>
  <entry><link href="/posts/6?a=1&amp;b=2"/></entry>
</feed>"#;
        assert_eq!(
            strs(&parse(xml.as_bytes(), &feed_base())),
            [
                "https://example.com/posts/1",
                "https://example.com/posts/2",
                "https://example.com/posts/3",
                "https://example.com/posts/4.pdf",
                "https://example.com/posts/6?a=1&b=2",
            ]
        );
    }

    #[test]
    fn rdf_item_links() {
        let xml = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://example.com/rss">
    <title>Example</title>
    <link>https://example.com/</link>
    <items><rdf:Seq><rdf:li rdf:resource="https://example.com/x/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://example.com/x/1">
    <title>One</title>
    <link>https://example.com/x/1</link>
  </item>
  <item rdf:about="https://example.com/x/2">
    <title>Two</title>
    <link>
      https://example.com/x/2
    </link>
  </item>
</rdf:RDF>"#;
        assert_eq!(
            strs(&parse(xml.as_bytes(), &feed_base())),
            ["https://example.com/x/1", "https://example.com/x/2"]
        );
    }

    #[test]
    fn relative_links_resolve_against_the_feed_url_not_xml_base() {
        let rss = r#"<rss><channel xml:base="https://other.example/base/">
<item><link>story/1</link></item>
<item><link>/story/2</link></item>
<item><link>//cdn.example.com/story/3</link></item>
</channel></rss>"#;
        assert_eq!(
            strs(&parse(rss.as_bytes(), &feed_base())),
            [
                "https://example.com/feeds/story/1",
                "https://example.com/story/2",
                "https://cdn.example.com/story/3",
            ]
        );
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://other.example/">
<entry xml:base="/elsewhere/"><link href="post/1"/></entry></feed>"#;
        assert_eq!(
            strs(&parse(atom.as_bytes(), &feed_base())),
            ["https://example.com/feeds/post/1"]
        );
    }

    #[test]
    fn malformed_feeds_keep_what_came_before() {
        let xml = "<rss><channel><item><link>https://example.com/1</link></item>\
                   <item><link>https://example.com/2</link></wrong></item>\
                   <item><link>https://example.com/3?a=1&b=2</link></item>\
                   <item><link>https://example.com/4</link>";
        assert_eq!(
            strs(&parse(xml.as_bytes(), &feed_base())),
            [
                "https://example.com/1",
                "https://example.com/2",
                "https://example.com/3?a=1&b=2",
                "https://example.com/4",
            ]
        );
        for junk in crate::junk::JUNK {
            let _ = parse(junk, &feed_base());
        }
    }

    #[test]
    fn latin1_feed() {
        let xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><link>https://example.com/caf\xe9</link></item></channel></rss>";
        assert_eq!(
            strs(&parse(xml, &feed_base())),
            ["https://example.com/caf%C3%A9"]
        );
    }

    #[test]
    fn discover_finds_announced_feeds() {
        let page = url("https://example.com/news/index.html");
        let html = r#"<!doctype html><html><head>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feeds/rss.xml">
<link rel="alternate" type="application/atom+xml" href="atom.xml?a=1&amp;b=2#x">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/json" href="/feed.json">
<link rel="alternate" type="application/rss+xml" href="/feeds/rss.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
<link rel="alternate" type="application/rss+xml">
</head><body><a href="/x" rel="alternate" type="application/rss+xml">not a link element</a></body></html>"#;
        assert_eq!(
            strs(&discover(html, &page)),
            [
                "https://example.com/feeds/rss.xml",
                "https://example.com/news/atom.xml?a=1&b=2",
            ]
        );
    }

    #[test]
    fn discover_uses_the_first_base_href() {
        let page = url("https://example.com/news/index.html");
        let html = r#"<html><head>
<link rel="alternate" type="application/rss+xml" href="rss.xml">
<base target="_blank">
<base href="https://static.example.com/feeds/">
<base href="https://ignored.example/">
<link rel="alternate" type="application/atom+xml" href="atom.xml">
</head></html>"#;
        assert_eq!(
            strs(&discover(html, &page)),
            [
                "https://static.example.com/feeds/rss.xml",
                "https://static.example.com/feeds/atom.xml",
            ]
        );
        // A relative base resolves against the page URL.
        let html = r#"<base href="/v2/"><link rel=alternate type=application/rss+xml href=rss>"#;
        assert_eq!(strs(&discover(html, &page)), ["https://example.com/v2/rss"]);
        // An entity-encoded base, and a javascript: base that is no base at all.
        let html = r#"<base href="https://example.com/a&amp;b/"><link rel=alternate type=application/rss+xml href=rss>"#;
        assert_eq!(
            strs(&discover(html, &page)),
            ["https://example.com/a&b/rss"]
        );
        let html = r#"<base href="javascript:void(0)"><link rel=alternate type=application/rss+xml href=rss>"#;
        assert_eq!(
            strs(&discover(html, &page)),
            ["https://example.com/news/rss"]
        );
    }

    #[test]
    fn discover_rel_tokens_and_type_case() {
        let page = url("http://example.com/");
        let html = r#"
<link rel="home alternate" type="application/rss+xml" href="/1">
<link rel="  ALTERNATE
  feed " type="APPLICATION/RSS+XML" href="/2">
<link rel="Alternate" type="Application/Atom+Xml; charset=UTF-8" href="/3">
<link rel="alternates" type="application/rss+xml" href="/4">
<link rel="alternate-feed" type="application/rss+xml" href="/5">
<link rel="feed" type="application/rss+xml" href="/6">
<link REL="alternate" TYPE="application/atom+xml" HREF=" /7 ">
<link rel="alternate" type="application/rss+xml " href="/8">"#;
        assert_eq!(
            strs(&discover(html, &page)),
            [
                "http://example.com/1",
                "http://example.com/2",
                "http://example.com/3",
                "http://example.com/7",
                "http://example.com/8",
            ]
        );
    }

    #[test]
    fn discover_tolerates_junk() {
        let page = url("https://example.com/");
        assert!(discover("", &page).is_empty());
        assert!(discover("<link", &page).is_empty());
        assert!(discover(
            "<html><head><link rel=alternate type=application/rss+xml href='",
            &page
        )
        .is_empty());
        let _ = discover(
            "<svg><link rel=alternate type=application/rss+xml href=/x></svg><select><xmp><script>",
            &page,
        );
    }
}
