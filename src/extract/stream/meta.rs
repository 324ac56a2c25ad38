//! The stream's reading of the metadata pieces ([`RawMeta`], `--meta` only): extra lol_html
//! handlers added to the one streaming pass only when the pieces are wanted, so a crawl without
//! `--meta` runs exactly the handlers it ran before. The result must equal the DOM's reading
//! (`super::super::dom::meta`) whenever the stream answers; when the stream cannot be sure of
//! where the tree builder puts an element, the page falls back to the DOM.
//!
//! # Where the head ends
//!
//! The tree builder puts a `<meta>` or `<link>` into the head while it is in the "before html",
//! "before head", "in head" or "after head" modes, and into the body once it has left them. The
//! stream follows those modes with one flag, *in body*, set by:
//!
//! - the start tag of any element other than the head's (`html`, `head`, `base`, `basefont`,
//!   `bgsound`, `link`, `meta`, `title`, `noscript`, `noframes`, `style`, `script`), such as
//!   `<body>`, `<div>`, `<svg>` or an unknown tag;
//! - text (outside raw text, RCDATA and script data) that is not ASCII whitespace.
//!
//! It falls back to the DOM, before the body, on:
//!
//! - a `<template>` (its contents are parsed in their own mode);
//! - a `<noscript>` after a `</head>` (in "after head" it starts the body, in "in head" it does
//!   not: the stream does not track `</head>` itself);
//! - an end tag `</br>`, `</body>` or `</html>` before a head `<meta>` or `<link>` (they end the
//!   head, unless they are script text; the stream does not tell those apart);
//! - text with a character reference that decodes to whitespace only, or with a U+FEFF (html5ever
//!   drops one at the start of the input and after a script).
//!
//! `<html lang>` is the first `lang` among the counted `<html>` start tags (later ones add their
//! attributes to the document element). JSON-LD scripts, `<article>` and `<time>` follow the
//! structural rules of the stream (`Scan::counts`); an `<article>` closed by another end tag
//! than `</article>` falls back.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use lol_html::html_content::{Element, TextChunk, TextType};
use lol_html::{DocumentContentHandlers, ElementContentHandlers, Selector, Settings};

use super::{apply, closed_by, handlers, on_end, start_of, Scan, Shared, Unsure, HTML_NS};
use crate::extract::dom::meta::{is_jsonld_type, link_pair, meta_pairs, JSONLD_MAX_BYTES};
use crate::meta::RawMeta;

/// Elements whose start tag keeps the tree builder in the head modes.
const HEAD_ELEMENTS: &[&str] = &[
    "base", "basefont", "bgsound", "head", "html", "link", "meta", "noframes", "noscript",
    "script", "style", "template", "title",
];

/// End tags that end the head.
const HEAD_CLOSERS: &[&str] = &["body", "br", "html"];

/// The stream's metadata state.
#[derive(Default)]
pub(super) struct MetaScan {
    pub(super) raw: RawMeta,
    /// The tree builder has left the head modes.
    in_body: bool,
    /// The source before this offset holds no [`HEAD_CLOSERS`] end tag.
    checked: usize,
    /// The text of the open JSON-LD script.
    jsonld: Option<String>,
    /// Open counted `<article>` elements.
    article_depth: u32,
}

impl MetaScan {
    /// The pieces, once the whole input is scanned.
    pub(super) fn finish(mut self) -> RawMeta {
        // A script never closed runs to the end of the input, in the tree too.
        if let Some(text) = self.jsonld.take() {
            if text.len() <= JSONLD_MAX_BYTES {
                self.raw.jsonld.push(text);
            }
        }
        self.raw
    }

    /// May an element at `at` still go into the head? Errs when the stream cannot tell.
    fn in_head(&mut self, html: &str, at: usize) -> Result<bool, Unsure> {
        if self.in_body {
            return Ok(false);
        }
        let from = self.checked.min(at);
        if has_end_tag(html.get(from..at).ok_or(Unsure)?, HEAD_CLOSERS) {
            return Err(Unsure);
        }
        self.checked = at;
        Ok(true)
    }
}

/// Does `text` hold an end tag with one of `names` (lowercase; matched ASCII case-insensitively
/// and only as whole names)?
fn has_end_tag(text: &str, names: &[&str]) -> bool {
    text.match_indices("</").any(|(i, _)| {
        let rest = &text.as_bytes()[i + 2..];
        names.iter().any(|name| {
            rest.len() >= name.len()
                && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                && rest
                    .get(name.len())
                    .is_none_or(|b| matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\x0c'))
        })
    })
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
    any: Selector,
    meta: Selector,
    link: Selector,
    html: Selector,
    script: Selector,
    article: Selector,
    time: Selector,
}

static SELECTORS: LazyLock<Option<MetaSelectors>> = LazyLock::new(|| {
    Some(MetaSelectors {
        any: "*".parse().ok()?,
        meta: "meta".parse().ok()?,
        link: "link".parse().ok()?,
        html: "html".parse().ok()?,
        script: "script".parse().ok()?,
        article: "article".parse().ok()?,
        time: "time[datetime]".parse().ok()?,
    })
});

/// Run `rule` on the metadata state (present whenever these handlers are registered).
fn with_meta(
    scan: &mut Scan,
    rule: impl FnOnce(&mut MetaScan) -> Result<(), Unsure>,
) -> Result<(), Unsure> {
    rule(scan.meta.as_deref_mut().ok_or(Unsure)?)
}

/// Register the metadata handlers; `None` if the selectors failed to compile.
pub(super) fn add_handlers<'h>(
    settings: Settings<'h, 'static>,
    shared: &'h Shared,
    html: &'h str,
) -> Option<Settings<'h, 'static>> {
    let s = SELECTORS.as_ref()?;
    let element = ElementContentHandlers::default;
    let any = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            with_meta(scan, |m| {
                if m.in_body {
                    return Ok(());
                }
                let name = el.tag_name();
                if !HEAD_ELEMENTS.contains(&name.as_str()) {
                    m.in_body = true;
                    return Ok(());
                }
                let at = start_of(el);
                match name.as_str() {
                    "template" => Err(Unsure),
                    "noscript" if has_end_tag(html.get(..at).ok_or(Unsure)?, &["head"]) => {
                        Err(Unsure)
                    }
                    _ => Ok(()),
                }
            })
        })
    };
    let text = move |chunk: &mut TextChunk<'_>| {
        apply(shared, |scan| {
            with_meta(scan, |m| {
                if m.in_body || chunk.text_type() != TextType::Data {
                    return Ok(());
                }
                // From the source: lol_html's string conversion drops a leading U+FEFF.
                let raw = html.get(chunk.source_location().bytes()).ok_or(Unsure)?;
                let blank = |t: &str| t.bytes().all(|b| b.is_ascii_whitespace());
                if blank(raw) {
                    return Ok(());
                }
                // html5ever drops a U+FEFF at the start of the input and, it turns out, after a
                // script: the stream does not follow those rules.
                if raw.contains('\u{FEFF}') {
                    return Err(Unsure);
                }
                if raw.contains('&') && blank(&htmlize::unescape(raw)) {
                    return Err(Unsure);
                }
                m.in_body = true;
                Ok(())
            })
        })
    };
    let meta = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            with_meta(scan, |m| {
                if !m.in_head(html, start_of(el))? {
                    return Ok(());
                }
                if el.namespace_uri() != HTML_NS {
                    return Err(Unsure);
                }
                let [content, name, property, itemprop] =
                    attrs(el, html, ["content", "name", "property", "itemprop"])?;
                let value = |key: &str| match key {
                    "content" => content.as_deref(),
                    "name" => name.as_deref(),
                    "property" => property.as_deref(),
                    _ => itemprop.as_deref(),
                };
                meta_pairs(value, &mut m.raw.head_meta);
                Ok(())
            })
        })
    };
    let link = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            with_meta(scan, |m| {
                if !m.in_head(html, start_of(el))? {
                    return Ok(());
                }
                if el.namespace_uri() != HTML_NS {
                    return Err(Unsure);
                }
                let [rel, href] = attrs(el, html, ["rel", "href"])?;
                let value = |key: &str| {
                    if key == "rel" {
                        rel.as_deref()
                    } else {
                        href.as_deref()
                    }
                };
                m.raw.head_links.extend(link_pair(value));
                Ok(())
            })
        })
    };
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
    let script = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            if !attr(el, html, "type")?.is_some_and(|t| is_jsonld_type(&t)) {
                return Ok(());
            }
            if !scan.counts(el.namespace_uri(), html, start_of(el))? {
                return Ok(());
            }
            with_meta(scan, |m| {
                m.jsonld = Some(String::new());
                Ok(())
            })?;
            on_end(el, shared, |scan, _| {
                with_meta(scan, |m| {
                    if let Some(text) = m.jsonld.take() {
                        if text.len() <= JSONLD_MAX_BYTES {
                            m.raw.jsonld.push(text);
                        }
                    }
                    Ok(())
                })
            })
        })
    };
    let script_text = move |chunk: &mut TextChunk<'_>| {
        apply(shared, |scan| {
            with_meta(scan, |m| {
                if let Some(text) = m.jsonld.as_mut() {
                    // Past the limit the block is dropped anyway: stop copying.
                    if text.len() <= JSONLD_MAX_BYTES {
                        text.push_str(html.get(chunk.source_location().bytes()).ok_or(Unsure)?);
                    }
                }
                Ok(())
            })
        })
    };
    let article = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            if !scan.counts(el.namespace_uri(), html, start_of(el))? {
                return Ok(());
            }
            with_meta(scan, |m| {
                m.article_depth += 1;
                Ok(())
            })?;
            on_end(el, shared, |scan, end| {
                closed_by(end, "article")?;
                with_meta(scan, |m| {
                    m.article_depth = m.article_depth.saturating_sub(1);
                    Ok(())
                })
            })
        })
    };
    let time = move |el: &mut Element<'_, '_>| {
        apply(shared, |scan| {
            if scan.meta.as_ref().is_none_or(|m| m.article_depth == 0) {
                return Ok(());
            }
            let Some(datetime) = attr(el, html, "datetime")? else {
                return Err(Unsure); // the selector matched an attribute the source does not show
            };
            if scan.counts(el.namespace_uri(), html, start_of(el))? {
                with_meta(scan, |m| {
                    m.raw.article_times.push(datetime.into_owned());
                    Ok(())
                })?;
            }
            Ok(())
        })
    };
    Some(
        settings
            .append_document_content_handler(DocumentContentHandlers::default().text(text))
            .append_element_content_handler(handlers(&s.any, element().element(any)))
            .append_element_content_handler(handlers(&s.meta, element().element(meta)))
            .append_element_content_handler(handlers(&s.link, element().element(link)))
            .append_element_content_handler(handlers(&s.html, element().element(html_tag)))
            .append_element_content_handler(handlers(
                &s.script,
                element().element(script).text(script_text),
            ))
            .append_element_content_handler(handlers(&s.article, element().element(article)))
            .append_element_content_handler(handlers(&s.time, element().element(time))),
    )
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
        falls_back("<head></head><noscript></noscript><meta name=a content=1>");
        falls_back("</br><meta name=a content=1>");
        falls_back("<script>'</body>'</script><meta name=a content=1>");
        falls_back("&#32;<meta name=a content=1>");
    }

    #[test]
    fn jsonld_and_times() {
        let got = handled(
            "<script type=application/ld+json>{\"a\":\"&amp;<b>\"}</script>             <body><article><h1>x</h1><time datetime=2026-01-02>d</time></article>             <time datetime=outside></time><svg><script type=application/ld+json>{}</script></svg>             <template><script type=application/ld+json>[]</script></template>             <script type=application/ld+json>[2]",
        );
        assert_eq!(got.jsonld, ["{\"a\":\"&amp;<b>\"}", "[2]"]);
        assert_eq!(got.article_times, ["2026-01-02"]);
        falls_back("<div><article></div><time datetime=x>");
        handled("<article><table><tr><td><time datetime=x></td></tr></table></article>");
    }

    #[test]
    fn end_tags_are_found_as_whole_names() {
        assert!(has_end_tag("x</BODY>", HEAD_CLOSERS));
        assert!(has_end_tag("</br", HEAD_CLOSERS));
        assert!(has_end_tag("</html\n>", HEAD_CLOSERS));
        assert!(!has_end_tag("</bodyx></b></head>", HEAD_CLOSERS));
    }
}
