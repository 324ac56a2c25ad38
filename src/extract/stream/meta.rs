//! The stream's reading of the metadata pieces ([`RawMeta`], `--meta` only), only when the
//! pieces are wanted, so a crawl without `--meta` runs exactly the handlers it ran before. The
//! result must equal the DOM's reading (`super::super::dom::meta`) whenever the stream answers;
//! when the stream cannot be sure of where the tree builder puts an element, the page falls back
//! to the DOM.
//!
//! The head's `<meta>` and `<link>` pieces are read by a lol_html pass of their own
//! ([`read_head`]) that stops where the head has ended (at `<body>` at the latest), so the pass
//! over the whole page adds only `html`, and, when a cheap look at the source shows they can
//! exist, `script` (a `json` or a `&#` in the source). A JSON-LD script's text is the source between its tags, read at the
//! input's end: no text handler (which makes lol_html decode text).
//!
//! # Where the head ends
//!
//! The tree builder puts a `<meta>` or `<link>` into the head while it is in the "before html",
//! "before head", "in head" or "after head" modes, and into the body once it has left them. The
//! stream follows those modes with one flag, *in body*, set by:
//!
//! - the start tag of any element other than the head's (`html`, `head`, `base`, `basefont`,
//!   `bgsound`, `link`, `meta`, `title`, `noscript`, `noframes`, `style`, `script`), such as
//!   `<body>`, `<div>`, `<svg>` or an unknown tag, and a `<noscript>` after a `</head>` (in
//!   "after head" it starts the body);
//! - text that is not ASCII whitespace between two head elements.
//!
//! Only the head elements have a handler (no handler runs for every element or every text
//! chunk). Until the body, the source between one head element (its end tag, for `title`,
//! `script`, `style`, `noscript` and `noframes`, whose content is text to the tokenizer) and the
//! next is read by [`gap`]: ASCII whitespace, comments, doctypes, bogus comments and end tags keep
//! the head; other text, or a start tag (which can only be another element's: the head
//! elements are all reported), ends it. It falls back to the DOM, before the body, on:
//!
//! - a `<template>` (its contents are parsed in their own mode);
//! - an end tag `</br>`, `</body>` or `</html>`, or an end tag with a quote in it;
//! - a character reference that decodes to whitespace only, or a U+FEFF (html5ever drops one at
//!   the start of the input and after a script) in that text;
//! - anything in it the reading does not expect (a head element's start tag, an unclosed
//!   comment).
//!
//! `<html lang>` is the first `lang` among the counted `<html>` start tags (later ones add their
//! attributes to the document element). JSON-LD scripts follow the structural rules of the
//! stream (`Scan::counts`).
//!
//! # The body's dates
//!
//! The body's date pieces (microdata, `<time>`, byline attributes, visible text) need the
//! tree: which part is the article, which is a sidebar or a comment. They are read only when
//! the JSON-LD and the head give no publication date (`crate::meta::needs_body_dates`); then,
//! if the page can hold them at all ([`may_have_body_dates`]), the stream declines and the page
//! is read by the DOM.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use std::rc::Rc;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings};

use super::{apply, handlers, on_end, start_of, Scan, Shared, Unsure, HTML_NS};
use crate::extract::dom::meta::{is_jsonld_type, link_pair, meta_pairs, JSONLD_MAX_BYTES};
use crate::meta::RawMeta;

/// Elements whose start tag keeps the tree builder in the head modes.
const HEAD_ELEMENTS: &[&str] = &[
    "base", "basefont", "bgsound", "head", "html", "link", "meta", "noframes", "noscript",
    "script", "style", "template", "title",
];

/// End tags that end the head.
const HEAD_CLOSERS: &[&str] = &["body", "br", "html"];

/// Head elements whose content the tokenizer reads as text (raw text, RCDATA, script data).
const HEAD_TEXT_ELEMENTS: &[&str] = &["noframes", "noscript", "script", "style", "title"];

/// What the source between two head-phase tokens holds.
#[derive(Debug, PartialEq, Eq)]
enum Gap {
    /// Whitespace, comments, doctypes and end tags only (`true`: a `</head>` among them).
    Blank(bool),
    /// Text that is not whitespace, or the start tag of an element that does not belong in a
    /// head: the head ends there.
    Text,
}

/// Read the source between two head-phase tokens (see the module docs).
fn gap(text: &str) -> Result<Gap, Unsure> {
    let b = text.as_bytes();
    let mut head_end = false;
    let mut i = 0;
    let find = |from: usize, what: &[u8]| -> Option<usize> {
        b.get(from..)?
            .windows(what.len())
            .position(|w| w == what)
            .map(|p| from + p)
    };
    while i < b.len() {
        match b[i] {
            b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' => i += 1,
            b'&' => {
                // A character reference: the text run up to the next tag, decoded, has a
                // non-whitespace character, or the stream cannot tell.
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'<')
                    .map_or(b.len(), |p| i + p);
                let decoded = htmlize::unescape(text.get(i..end).ok_or(Unsure)?);
                let mut chars = decoded.chars();
                return if chars
                    .any(|c| !matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ' | '\u{FEFF}'))
                    && !decoded.contains('\u{FEFF}')
                {
                    Ok(Gap::Text)
                } else {
                    Err(Unsure)
                };
            }
            b'<' => {
                let rest = &b[i..];
                if rest.starts_with(b"<!--") {
                    let body = i + 4;
                    i = if b[body..].starts_with(b">") {
                        body + 1
                    } else if b[body..].starts_with(b"->") {
                        body + 2
                    } else {
                        let end = [
                            find(body, b"-->").map(|p| p + 3),
                            find(body, b"--!>").map(|p| p + 4),
                        ];
                        end.into_iter().flatten().min().ok_or(Unsure)?
                    };
                } else if rest.starts_with(b"</") {
                    let name_len = rest[2..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .count();
                    let name = &rest[2..2 + name_len];
                    if HEAD_CLOSERS
                        .iter()
                        .any(|c| name.eq_ignore_ascii_case(c.as_bytes()))
                    {
                        return Err(Unsure);
                    }
                    let close = find(i + 2, b">").ok_or(Unsure)?;
                    if b[i..close].iter().any(|c| matches!(c, b'"' | b'\'')) {
                        return Err(Unsure);
                    }
                    let whole = close == i + 2 + name_len
                        || matches!(
                            rest.get(2 + name_len),
                            Some(b'\t' | b'\n' | b'\x0c' | b' ' | b'/')
                        );
                    head_end |= whole && name.eq_ignore_ascii_case(b"head");
                    i = close + 1;
                } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
                    i = find(i + 2, b">").ok_or(Unsure)? + 1;
                } else if rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
                    // A start tag: the head elements are all reported by their own handler, so
                    // this is another element, which ends the head.
                    let name_len = rest[1..]
                        .iter()
                        .take_while(|c| !matches!(c, b'\t' | b'\n' | b'\x0c' | b' ' | b'/' | b'>'))
                        .count();
                    let name = &rest[1..1 + name_len];
                    if HEAD_ELEMENTS
                        .iter()
                        .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
                    {
                        return Err(Unsure);
                    }
                    return Ok(Gap::Text);
                } else {
                    return Ok(Gap::Text);
                }
            }
            _ if b[i..].starts_with("\u{FEFF}".as_bytes()) => return Err(Unsure),
            _ => return Ok(Gap::Text),
        }
    }
    Ok(Gap::Blank(head_end))
}

/// The stream's metadata state.
#[derive(Default)]
pub(super) struct MetaScan {
    pub(super) raw: RawMeta,
    /// The tree builder has left the head modes.
    in_body: bool,
    /// Until the body: where the source after the last head-phase token starts.
    gap_from: usize,
    /// A `</head>` was seen before the body ("after head" mode).
    after_head: bool,
    /// Where the text of the open JSON-LD script starts.
    jsonld_from: Option<usize>,
    /// The source ranges of the closed JSON-LD scripts' texts, read at the input's end.
    jsonld: Vec<Range<usize>>,
}

impl MetaScan {
    /// The pieces, once the whole input is scanned.
    pub(super) fn finish(self) -> RawMeta {
        self.raw
    }

    /// Is the tree builder still in the head modes at a start tag at `at`? Reads the source
    /// since the last head-phase token ([`gap`]); errs when the stream cannot tell.
    fn in_head(&mut self, html: &str, at: usize) -> Result<bool, Unsure> {
        if self.in_body {
            return Ok(false);
        }
        if at > self.gap_from {
            match gap(html.get(self.gap_from..at).ok_or(Unsure)?)? {
                Gap::Text => self.in_body = true,
                Gap::Blank(head_end) => self.after_head |= head_end,
            }
            self.gap_from = at;
        }
        Ok(!self.in_body)
    }
}

/// The source range of the value of the element's first attribute named `name` (an attribute
/// without a value is empty), read from the source like `super::href_range`.
fn attr_range(
    el: &Element<'_, '_>,
    html: &str,
    name: &str,
) -> Result<Option<Range<usize>>, Unsure> {
    for attr in el.attributes() {
        let at = attr.name_source_location().ok_or(Unsure)?.bytes();
        if html.get(at).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
            return Ok(Some(
                attr.value_source_location().map_or(0..0, |v| v.bytes()),
            ));
        }
    }
    Ok(None)
}

/// The entity-decoded value of the element's attribute `name`.
fn attr<'a>(
    el: &Element<'_, '_>,
    html: &'a str,
    name: &str,
) -> Result<Option<Cow<'a, str>>, Unsure> {
    match attr_range(el, html, name)? {
        Some(range) => Ok(Some(htmlize::unescape_attribute(
            html.get(range).ok_or(Unsure)?,
        ))),
        None => Ok(None),
    }
}

/// All of `names`' decoded values of one element, in `names` order.
fn attrs<const N: usize>(
    el: &Element<'_, '_>,
    html: &str,
    names: [&str; N],
) -> Result<[Option<String>; N], Unsure> {
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = attr(el, html, name)?.map(Cow::into_owned);
    }
    Ok(out)
}

struct MetaSelectors {
    /// The head elements and `body` (whose start tag ends the head): the head pass's rules.
    head_elements: Selector,
    meta: Selector,
    link: Selector,
    html: Selector,
    script: Selector,
}

static SELECTORS: LazyLock<Option<MetaSelectors>> = LazyLock::new(|| {
    Some(MetaSelectors {
        head_elements: format!("{}, body", HEAD_ELEMENTS.join(", ")).parse().ok()?,
        meta: "meta".parse().ok()?,
        link: "link".parse().ok()?,
        html: "html".parse().ok()?,
        script: "script".parse().ok()?,
    })
});

/// Run `rule` on the metadata state (present whenever these handlers are registered).
fn with_meta<T>(
    scan: &mut Scan,
    rule: impl FnOnce(&mut MetaScan) -> Result<T, Unsure>,
) -> Result<T, Unsure> {
    rule(scan.meta.as_deref_mut().ok_or(Unsure)?)
}

/// Does the source hold a `<` followed by `name` (ASCII case-insensitive, `name` lowercase)? A
/// superset of the elements named `name` the tokenizer can create.
fn has_tag(html: &str, name: &[u8]) -> bool {
    let bytes = html.as_bytes();
    memchr::memchr_iter(b'<', bytes).any(|i| {
        bytes
            .get(i + 1..i + 1 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// Can a `<script>`'s `type` decode to the JSON-LD type? Only if the source spells `json`
/// (ASCII case-insensitive) or holds a numeric character reference (no named reference decodes
/// to an ASCII letter).
fn may_have_jsonld(html: &str) -> bool {
    let bytes = html.as_bytes();
    memchr::memmem::find(bytes, b"&#").is_some()
        || memchr::memchr2_iter(b'j', b'J', bytes).any(|i| {
            bytes
                .get(i + 1..i + 4)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"son"))
        })
}

/// Can the DOM's reading find date pieces in the body (`crate::extract::dom::dates`)? Only if
/// the page has a headline, an article or a main part: a `<h1`, `<article` or `<main` tag, or a
/// `role` attribute (`role=main`). A superset, so that when it says no the body's pieces are
/// empty in the DOM's reading too.
pub(super) fn may_have_body_dates(html: &str) -> bool {
    has_tag(html, b"h1")
        || has_tag(html, b"article")
        || has_tag(html, b"main")
        || memchr::memchr2_iter(b'r', b'R', html.as_bytes()).any(|i| {
            html.as_bytes()
                .get(i + 1..i + 4)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"ole"))
        })
}

/// The head pass stopped: the head has ended, the rest of the input cannot change its reading.
#[derive(Debug)]
struct HeadDone;

impl std::fmt::Display for HeadDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the head has ended")
    }
}

impl std::error::Error for HeadDone {}

/// After a head rule: stop the head pass once the tree builder has left the head modes.
fn stop_after_head(shared: &Shared) -> lol_html::HandlerResult {
    let in_body = shared
        .try_borrow()
        .ok()
        .and_then(|scan| scan.meta.as_ref().map(|m| m.in_body));
    if in_body == Some(true) {
        Err(Box::new(HeadDone))
    } else {
        Ok(())
    }
}

/// The head pass's rule for a `<meta>` or `<link>`: when the element is in the head, its
/// attributes `names` go to `take` (an element outside the HTML namespace makes the scan unsure);
/// then the pass stops if the tree builder has left the head.
fn head_piece<const N: usize>(
    shared: &Shared,
    html: &str,
    el: &mut Element<'_, '_>,
    names: [&str; N],
    take: impl FnOnce(&mut RawMeta, [Option<String>; N]),
) -> lol_html::HandlerResult {
    apply(shared, |scan| {
        with_meta(scan, |m| {
            if !m.in_head(html, start_of(el))? {
                return Ok(());
            }
            if el.namespace_uri() != HTML_NS {
                return Err(Unsure);
            }
            take(&mut m.raw, attrs(el, html, names)?);
            Ok(())
        })
    })?;
    stop_after_head(shared)
}

/// The head's `<meta>` and `<link>` pieces, read by a lol_html pass of their own that stops
/// where the head ends (at `<body>` at the latest, or at the first head element after the
/// head's end), so the pass over the whole page runs no head rules.
fn read_head(html: &str, s: &'static MetaSelectors) -> Result<RawMeta, Unsure> {
    // No `<meta` or `<link` start tag: no such element exists.
    if !has_tag(html, b"meta") && !has_tag(html, b"link") {
        return Ok(RawMeta::default());
    }
    let shared: Shared = Rc::default();
    shared.try_borrow_mut().map_err(|_| Unsure)?.meta = Some(Box::default());
    let settings = head_handlers(Settings::new(), &shared, html, s);
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let ended = rewriter
        .write(html.as_bytes())
        .and_then(|()| rewriter.end())
        .is_ok();
    let mut scan = std::mem::take(&mut *shared.try_borrow_mut().map_err(|_| Unsure)?);
    let meta = scan.meta.take().ok_or(Unsure)?;
    // An error that is not the stop (`HeadDone`, only raised in the body) marks the scan unsure.
    if scan.unsure || !(ended || meta.in_body) {
        return Err(Unsure);
    }
    Ok(meta.raw)
}

/// The head rules (see the module docs) on `settings`, for the head pass.
fn head_handlers<'h>(
    settings: Settings<'h, 'static>,
    shared: &'h Shared,
    html: &'h str,
    s: &'static MetaSelectors,
) -> Settings<'h, 'static> {
    let element = ElementContentHandlers::default;
    let head_element = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            let text_content = with_meta(scan, |m| {
                if !m.in_head(html, start_of(el))? {
                    return Ok(false);
                }
                let name = el.tag_name();
                let after_head_noscript = name == "noscript" && m.after_head;
                if !HEAD_ELEMENTS.contains(&name.as_str()) || after_head_noscript {
                    m.in_body = true;
                    return Ok(false);
                }
                if name == "template" {
                    return Err(Unsure);
                }
                m.gap_from = m.gap_from.max(el.source_location().bytes().end);
                Ok(HEAD_TEXT_ELEMENTS.contains(&name.as_str()))
            })?;
            if text_content {
                // Its content is text to the tokenizer: the next gap starts after its end tag.
                on_end(el, shared, |scan, end| {
                    with_meta(scan, |m| {
                        m.gap_from = m.gap_from.max(end.source_location().bytes().end);
                        Ok(())
                    })
                })?;
            }
            Ok(())
        })?;
        stop_after_head(shared)
    };
    let meta = move |el: &mut Element<'_, '_>| {
        let names = ["content", "name", "property", "itemprop"];
        head_piece(
            shared,
            html,
            el,
            names,
            |raw, [content, name, property, itemprop]| {
                let value = |key: &str| match key {
                    "content" => content.as_deref(),
                    "name" => name.as_deref(),
                    "property" => property.as_deref(),
                    _ => itemprop.as_deref(),
                };
                meta_pairs(value, &mut raw.head_meta);
            },
        )
    };
    let link = move |el: &mut Element<'_, '_>| {
        head_piece(shared, html, el, ["rel", "href"], |raw, [rel, href]| {
            let value = |key: &str| {
                if key == "rel" {
                    rel.as_deref()
                } else {
                    href.as_deref()
                }
            };
            raw.head_links.extend(link_pair(value));
        })
    };
    settings
        .append_element_content_handler(handlers(&s.head_elements, element().element(head_element)))
        .append_element_content_handler(handlers(&s.meta, element().element(meta)))
        .append_element_content_handler(handlers(&s.link, element().element(link)))
}

/// Register the metadata handlers of the pass over the whole page (`<html lang>`, JSON-LD),
/// each only when the source can hold its elements, after reading the head's
/// pieces with a pass of their own ([`read_head`]); `None` if the selectors failed to compile or
/// the head pass is unsure.
pub(super) fn add_handlers<'h>(
    mut settings: Settings<'h, 'static>,
    shared: &'h Shared,
    html: &'h str,
) -> Option<Settings<'h, 'static>> {
    let s = SELECTORS.as_ref()?;
    let head = read_head(html, s).ok()?;
    {
        let mut scan = shared.try_borrow_mut().ok()?;
        let m = scan.meta.as_deref_mut()?;
        m.raw.head_meta = head.head_meta;
        m.raw.head_links = head.head_links;
    }
    let element = ElementContentHandlers::default;
    let html_tag = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            if scan.meta.as_ref().is_none_or(|m| m.raw.html_lang.is_some()) {
                return Ok(());
            }
            let Some(lang) = attr(el, html, "lang")? else {
                return Ok(());
            };
            if scan.counts(el.namespace_uri(), html, start_of(el))? {
                with_meta(scan, |m| {
                    m.raw.html_lang = Some(lang.into_owned());
                    Ok(())
                })?;
            }
            Ok(())
        })
    };
    settings =
        settings.append_element_content_handler(handlers(&s.html, element().element(html_tag)));
    if may_have_jsonld(html) && has_tag(html, b"script") {
        // The script's text is the source between its start and end tags (script data has no
        // character references; CR and NUL are handled before the scan): no text handler.
        let script = move |el: &mut Element<'_, '_>| {
            apply(shared, |scan| {
                if !attr(el, html, "type")?.is_some_and(|t| is_jsonld_type(&t)) {
                    return Ok(());
                }
                if !scan.counts(el.namespace_uri(), html, start_of(el))? {
                    return Ok(());
                }
                let from = el.source_location().bytes().end;
                with_meta(scan, |m| {
                    m.jsonld_from = Some(from);
                    Ok(())
                })?;
                on_end(el, shared, move |scan, end| {
                    let to = end.source_location().bytes().start;
                    with_meta(scan, |m| {
                        if let Some(from) = m.jsonld_from.take() {
                            m.jsonld.push(from..to);
                        }
                        Ok(())
                    })
                })
            })
        };
        // The texts, once the input has ended; a script never closed runs to the end of the
        // input, in the tree too.
        let texts = move |_: &mut lol_html::html_content::DocumentEnd<'_>| {
            apply(shared, |scan| {
                with_meta(scan, |m| {
                    if let Some(from) = m.jsonld_from.take() {
                        m.jsonld.push(from..html.len());
                    }
                    for range in std::mem::take(&mut m.jsonld) {
                        let text = html.get(range).ok_or(Unsure)?;
                        // A longer block is dropped, as the DOM's reading does.
                        if text.len() <= JSONLD_MAX_BYTES {
                            m.raw.jsonld.push(text.to_owned());
                        }
                    }
                    Ok(())
                })
            })
        };
        settings = settings
            .append_element_content_handler(handlers(&s.script, element().element(script)))
            .append_document_content_handler(
                lol_html::DocumentContentHandlers::default().end(texts),
            );
    }
    Some(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::dom;
    use url::Url;

    /// The stream's pieces, checked against the DOM whenever it answers.
    fn stream(html: &str) -> Option<RawMeta> {
        let page = Url::parse("https://example.com/a/b.html").expect("url");
        let got = super::super::extract_with_meta(html, &page);
        if let Some(got) = &got {
            assert_eq!(*got, dom::extract_with_meta(html, &page), "on {html:?}");
        }
        got.map(|(_, raw)| raw)
    }

    fn handled(html: &str) -> RawMeta {
        stream(html).unwrap_or_else(|| panic!("unexpected fallback on {html:?}"))
    }

    fn falls_back(html: &str) {
        assert_eq!(stream(html), None, "expected a fallback on {html:?}");
    }

    fn keys(raw: &RawMeta) -> Vec<&str> {
        raw.head_meta.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn head_as_the_tree_builder_forms_it() {
        let got = handled(
            "<!doctype html><html lang=de><head><meta charset=utf-8>\n<title>T</title>             <meta name=A content='x &amp; y'><script>var s='<meta name=no content=1>';</script>             <style>p{}</style><link rel=Canonical href=/c><!-- c --></head>\n             <meta property=after-head content=1><body><meta property=og:title content=b>",
        );
        assert_eq!(got.html_lang.as_deref(), Some("de"));
        assert_eq!(keys(&got), ["a", "after-head"]);
        assert_eq!(got.head_links, [("canonical".into(), "/c".into())]);
        // Text, unknown or body elements end the head.
        assert_eq!(
            keys(&handled("<meta name=a content=1>x<meta name=b content=1>")),
            ["a"]
        );
        assert_eq!(
            keys(&handled(
                "<meta name=a content=1><foo><meta name=b content=1>"
            )),
            ["a"]
        );
        assert_eq!(
            keys(&handled("<head><img><meta name=b content=1>")),
            Vec::<&str>::new()
        );
        assert_eq!(
            keys(&handled(
                "<meta name=a content=1>&amp;<meta name=b content=1>"
            )),
            ["a"]
        );
        // Implied head; a late <head> is ignored.
        assert_eq!(
            keys(&handled(
                "<meta name=a content=1><head><meta name=b content=1>"
            )),
            ["a", "b"]
        );
        assert_eq!(
            handled("<p>x<html lang=fr><html lang=en>")
                .html_lang
                .as_deref(),
            Some("fr")
        );
        // U+FEFF is text (lol_html's string conversion would drop it).
        falls_back("<script>x</script>\u{FEFF}<meta name=b content=1>");
        let got = handled("<script type=application/ld+json>\u{FEFF}{}</script>");
        assert_eq!(got.jsonld, ["\u{FEFF}{}"]);
    }

    #[test]
    fn unsure_heads_fall_back() {
        falls_back("<head><template><div></div></template><meta name=a content=1>");
        // After </head>, <noscript> starts the body; in the head it does not.
        let after = "<head></head><noscript></noscript><meta name=a content=1>";
        assert_eq!(keys(&handled(after)), Vec::<&str>::new());
        let inside = "<head><noscript><p>x</p></noscript><meta name=a content=1>";
        assert_eq!(keys(&handled(inside)), ["a"]);
        falls_back("</br><meta name=a content=1>");
        // Script text is not read as the head's source.
        let script = "<script>'</body>x'</script><meta name=a content=1>";
        assert_eq!(keys(&handled(script)), ["a"]);
        falls_back("<title>t</title></body><meta name=a content=1>");
        falls_back("&#32;<meta name=a content=1>");
    }

    #[test]
    fn jsonld() {
        let got = handled(
            "<script type=application/ld+json>{\"a\":\"&amp;<b>\"}</script> \
             <body><div><p>x</p><time datetime=2026-01-02>d</time></div> \
             <svg><script type=application/ld+json>{}</script></svg> \
             <template><script type=application/ld+json>[]</script></template> \
             <script type=application/ld+json>[2]",
        );
        assert_eq!(got.jsonld, ["{\"a\":\"&amp;<b>\"}", "[2]"]);
        // No headline, article or main part: no body date pieces, in the DOM's reading too.
        assert_eq!(got.body, crate::meta::BodyDates::default());
    }

    #[test]
    fn body_dates_go_to_the_dom_only_when_needed() {
        // No structured date, and a headline: the body must be read, by the DOM.
        falls_back("<h1>T</h1><time datetime=2026-01-02>d</time>");
        falls_back("<article><p>x</p></article>");
        falls_back("<div role=main><p>x</p></div>");
        // A structured date: the body is not read, the stream answers.
        let dated = "<meta name=pubdate content=2026-01-02><article><h1>T</h1>\
                     <time datetime=2026-01-03>d</time></article>";
        assert_eq!(handled(dated).body, crate::meta::BodyDates::default());
        let ld = "<script type=application/ld+json>{\"@type\":\"NewsArticle\",\
                  \"datePublished\":\"2026-01-02\"}</script><h1>T</h1>";
        assert_eq!(handled(ld).body, crate::meta::BodyDates::default());
        // A structured date that is not one: the body is read.
        falls_back("<meta name=pubdate content=soon><h1>T</h1>");
    }

    #[test]
    fn gaps_between_head_elements() {
        assert_eq!(gap(" \n\t"), Ok(Gap::Blank(false)));
        assert_eq!(
            gap("<!-- a --> <!doctype html><!--><!---><?x?></p></bodyx>"),
            Ok(Gap::Blank(false))
        );
        assert_eq!(gap("<!-- a --!></HEAD >"), Ok(Gap::Blank(true)));
        assert_eq!(gap("</header>"), Ok(Gap::Blank(false)));
        assert_eq!(gap(" x"), Ok(Gap::Text));
        assert_eq!(gap("<3"), Ok(Gap::Text));
        assert_eq!(gap(" <div><meta name=x content=y>"), Ok(Gap::Text));
        assert_eq!(gap("<BODY\n>"), Ok(Gap::Text));
        assert_eq!(gap(" &amp; "), Ok(Gap::Text));
        for unsure in [
            "&#32;",
            "&#xFEFF;",
            "</BODY>",
            "</br/>",
            "</html\n>",
            "<!-- open",
            "</p a='>'>",
            "<META name=x>",
            "\u{FEFF}",
        ] {
            assert_eq!(gap(unsure), Err(Unsure), "{unsure:?}");
        }
    }
}
