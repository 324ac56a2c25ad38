//! The fast extractor: one streaming tokenizer pass (lol_html element handlers for `title`,
//! `base`, `a` and `area`, entities decoded with `htmlize`) that gives exactly what the DOM
//! extractor in [`super::dom`] gives, or `None` when the page contains markup for which a
//! tokenizer cannot be sure of the tree a browser would build, so that the caller parses that
//! page with the DOM instead. This module owns those fallback rules.
//!
//! It must never return `Some` with a result that differs from [`super::dom::extract`] on the
//! same input: whenever it cannot prove agreement it returns `None`. It must never panic on any
//! input, and it applies no title or URL rules of its own: titles are collapsed exactly as in
//! `dom`, and hrefs are resolved with the shared [`crate::url_norm::http_url`].
//!
//! # Why a tag stream can give the tree's answer
//!
//! The answer depends only on which `title`, `base`, `a` and `area` elements end up in the HTML
//! namespace of the document tree, their order in that tree, their attributes and the title's
//! text. Outside of the constructs listed below, the WHATWG tree builder creates an element for
//! every such start tag the tokenizer emits (the "in head", "after head", "in body", "after body"
//! modes never ignore them), always appends new nodes at the end of the tree in document order,
//! and its repairs of misnested markup (the adoption agency, reconstructing formatting elements)
//! only add clones of `a` elements whose href equals an `a` that comes earlier in the tree, which
//! the deduplication absorbs. Attributes are read from the start tag (the first of duplicate
//! attributes wins in both), and lol_html's tokenizer follows the WHATWG tokenizer, including the
//! text states (RCDATA for `title` and `textarea`, raw text for `style`, `xmp`, `iframe`,
//! `noembed`, `noframes` and — the DOM path parses with scripting enabled — `noscript`, script
//! data, plaintext) and CDATA only in foreign content.
//!
//! # Fallback rules (return `None`)
//!
//! - A NUL character anywhere (the tree builder drops or replaces it depending on context).
//! - `<math>` or `<frameset>` anywhere (MathML integration points; frameset replaces the body
//!   and ignores tags).
//! - `<svg>` unless its content is plain SVG: self-closing `<svg/>` (lol_html would stay in SVG
//!   mode), any element inside that lol_html does not place in the SVG namespace, any
//!   `foreignObject`, `desc`, `title` (HTML integration points), `font`, `math` or HTML
//!   breakout element (`div`, `p`, `b`, `table`, ...) inside, an svg closed by another end tag
//!   than `</svg>` or never closed, or a `</` inside the svg that is not the end tag of an
//!   element opened inside it (a stray end tag can make the tree builder leave SVG through an
//!   element the tokenizer never saw, such as a reconstructed formatting element). `a`, `area`
//!   and `base` inside plain SVG are SVG elements and are ignored, as the DOM ignores them.
//! - `<template>` content is skipped like the DOM skips it; the page falls back if a template is
//!   closed by another end tag than `</template>`, or contains table parts (`table`, `caption`,
//!   `colgroup`, `col`, `tbody`, `thead`, `tfoot`, `tr`, `td`, `th`: after `<col>` directly in a
//!   template the tree builder ignores tags such as `<textarea>` that the tokenizer would still
//!   switch on).
//! - A `title`, `base`, `a` or `area` inside a `<table>` but not inside one of its cells or its
//!   caption (foster parenting moves such content before the table, out of document order), or
//!   a table closed by another end tag than `</table>`. A cell counts as open from its `<td>`,
//!   `<th>` or `<caption>` start tag until the next table-part start tag (`tr`, `tbody`, `col`,
//!   ...) of the same table, and only while the source between that start tag and the element
//!   holds no end tag of a table part (`</td>`, `</tr>`, `</table>`, ...) outside nested tables:
//!   the tree builder closes cells on those, and lol_html does not say so. A `<table>` start tag
//!   directly in a table (not in a cell) closes that table in the tree builder and falls back.
//! - `<select>` containing anything but `option`, `optgroup` and `hr` (the tree builder ignores
//!   other tags there, including `a` and `title`, and the tokenizer would not know), or a select
//!   closed by another end tag than `</select>` or never closed.
//! - Any element of interest whose namespace lol_html judges differently from these rules, and
//!   any parsing error or ambiguity that lol_html reports (its strict mode is on).
//!
//! CR and CRLF are turned into LF before tokenizing, exactly as the HTML input stream
//! preprocessing does, so hrefs and titles see the same characters as in the DOM. Attribute
//! names and values are read from the source text at the positions lol_html reports, not
//! through its string conversion, which decodes with BOM sniffing and drops a leading U+FEFF.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;

use foldhash::fast::RandomState;
use std::fmt;
use std::ops::Range;
use std::rc::Rc;
use std::sync::LazyLock;

use lol_html::html_content::{Element, EndTag, TextChunk};
use lol_html::{ElementContentHandlers, HandlerResult, HtmlRewriter, Selector, Settings};
use url::Url;

use super::Extracted;
use crate::meta::RawMeta;
use crate::robots::meta::RobotsMeta;
use crate::url_norm::http_url;

mod meta;

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Elements that must not appear inside `<svg>`: the HTML breakout tags of the tree builder's
/// foreign-content rules (they pop back to HTML), `font` (breaks out with some attributes), the
/// SVG HTML integration points and MathML.
const NOT_IN_SVG: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "desc",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "font",
    "foreignobject",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "math",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "title",
    "tt",
    "u",
    "ul",
    "var",
];

/// Table parts: inside `<template>` they switch the template's insertion mode to table modes,
/// where the tree builder can ignore tags the tokenizer acts on.
const NOT_IN_TEMPLATE: &[&str] = &[
    "caption", "col", "colgroup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// The only elements the tree builder keeps inside `<select>` without surprises.
const IN_SELECT: &[&str] = &["hr", "optgroup", "option"];

/// Title and links from the stream, or `None` when the DOM must decide (see the module docs for
/// the rules). When `Some`, the result equals [`super::dom::extract`] for the same arguments.
pub fn extract(html: &str, page_url: &Url) -> Option<Extracted> {
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let html = normalize_newlines(html);
    let scan = scan(&html, false)?;
    Some(resolve_links(scan, &html, page_url))
}

/// [`extract`] and the metadata pieces from the same pass, or `None` when the DOM must decide
/// (the rules of the `meta` submodule on top of the module's). When `Some`, it equals
/// [`super::dom::extract_with_meta`].
pub fn extract_with_meta(html: &str, page_url: &Url) -> Option<(Extracted, RawMeta)> {
    let (extracted, raw, body_needed) = read_with_meta(html, page_url)?;
    // The body's date pieces need the tree: the DOM reads them.
    (!body_needed).then_some((extracted, raw))
}

/// The stream's reading of the pieces it reads itself (the head, JSON-LD, `<html lang>`; `body`
/// left empty), even on a page whose body must be read for dates, where [`extract_with_meta`]
/// declines: for the agreement tests, which hold it equal to the DOM's pieces without `body`
/// on every page. `None` when the stream cannot be sure.
pub fn extract_with_meta_before_body(html: &str, page_url: &Url) -> Option<(Extracted, RawMeta)> {
    read_with_meta(html, page_url).map(|(extracted, raw, _)| (extracted, raw))
}

/// The title, links and pieces, and whether the body must be read for dates (the DOM's job).
fn read_with_meta(html: &str, page_url: &Url) -> Option<(Extracted, RawMeta, bool)> {
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let html = normalize_newlines(html);
    let mut scan = scan(&html, true)?;
    let raw = scan.meta.take()?.finish();
    let body_needed =
        crate::meta::needs_body_dates(&raw, page_url) && meta::may_have_body_dates(&html);
    Some((resolve_links(scan, &html, page_url), raw, body_needed))
}

/// The scan's title and its resolved, deduplicated links.
fn resolve_links(mut scan: Scan, html: &str, page_url: &Url) -> Extracted {
    let robots = std::mem::take(&mut scan.robots);
    let mut resolved: Vec<Url> = Vec::new();
    let title = scan.visit(html, page_url, |base, href| {
        resolved.extend(http_url(Some(base), href));
    });
    // Different hrefs can resolve to one URL: keep its first, without cloning any URL.
    // (foldhash: fast and seeded per process, so a page cannot pick colliding hrefs.)
    let mut seen: HashSet<&str, RandomState> =
        HashSet::with_capacity_and_hasher(resolved.len(), RandomState::default());
    let first: Vec<bool> = resolved.iter().map(|u| seen.insert(u.as_str())).collect();
    drop(seen);
    let links = resolved
        .into_iter()
        .zip(first)
        .filter_map(|(url, first)| first.then_some(url))
        .collect();
    Extracted {
        title,
        links,
        robots,
    }
}

/// The stream's reading of a page before any link is resolved: returns the title and calls
/// `each(base, href)` for every distinct entity-decoded href of the document's `a[href]` and
/// `area[href]` elements, in document order, with the base URL in effect (the document's base
/// element resolved, or `page_url`). Of the fragment-only hrefs only the first is given: they
/// all resolve to the base. Resolving each with [`crate::url_norm::http_url`] and keeping the first of
/// equal URLs gives [`extract`]'s links. `None` when the DOM must decide; `each` is then never
/// called (the scan completes before the first call). `robots` gets the page's robots meta
/// elements once the scan is complete, before the first `each`.
pub fn scan_hrefs(
    html: &str,
    page_url: &Url,
    robots: impl FnOnce(&RobotsMeta),
    each: impl FnMut(&Url, &str),
) -> Option<String> {
    // memchr's SIMD search: `str::contains(char)` walks a whole page a word at a time.
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let html = normalize_newlines(html);
    let scan = scan(&html, false)?;
    robots(&scan.robots);
    Some(scan.visit(&html, page_url, each))
}

/// [`scan_hrefs`] with the metadata pieces of the same pass (the `meta` submodule's rules on top
/// of the module's): the title and the pieces, or `None` (and `each` never called) when the DOM
/// must decide.
pub fn scan_hrefs_with_meta(
    html: &str,
    page_url: &Url,
    robots: impl FnOnce(&RobotsMeta),
    each: impl FnMut(&Url, &str),
) -> Option<(String, RawMeta)> {
    if memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let html = normalize_newlines(html);
    let mut scan = scan(&html, true)?;
    let raw = scan.meta.take()?.finish();
    // The body's date pieces need the tree: the DOM reads them (before `robots` and any
    // `each`, as on every other way to `None`).
    if crate::meta::needs_body_dates(&raw, page_url) && meta::may_have_body_dates(&html) {
        return None;
    }
    robots(&scan.robots);
    Some((scan.visit(&html, page_url, each), raw))
}

/// The HTML input stream preprocessing: CRLF and lone CR become LF.
fn normalize_newlines(html: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', html.as_bytes()).is_none() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(after_lf) = rest.strip_prefix('\n') {
            rest = after_lf;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The compiled selectors, parsed once per process.
struct Selectors {
    links: Selector,
    base: Selector,
    title: Selector,
    template: Selector,
    in_template: Selector,
    svg: Selector,
    in_svg: Selector,
    table: Selector,
    table_part: Selector,
    select: Selector,
    in_select: Selector,
    unsupported: Selector,
    robots_meta: Selector,
}

static SELECTORS: LazyLock<Option<Selectors>> = LazyLock::new(|| {
    Some(Selectors {
        links: "a[href], area[href]".parse().ok()?,
        base: "base[href]".parse().ok()?,
        title: "title".parse().ok()?,
        template: "template".parse().ok()?,
        in_template: "template *".parse().ok()?,
        svg: "svg".parse().ok()?,
        in_svg: "svg *".parse().ok()?,
        table: "table".parse().ok()?,
        table_part: "td, th, caption, tr, tbody, thead, tfoot, col, colgroup"
            .parse()
            .ok()?,
        select: "select".parse().ok()?,
        in_select: "select *".parse().ok()?,
        unsupported: "math, frameset".parse().ok()?,
        robots_meta: "meta[name][content]".parse().ok()?,
    })
});

/// What the stream found, before entity decoding and URL resolution.
#[derive(Default)]
struct Scan {
    /// Raw text of the first document title (`None`: no title seen yet).
    title: Option<String>,
    /// The first document title is open: its text chunks are collected.
    title_open: bool,
    /// Where the raw href of the first document `base[href]` is in the input.
    base: Option<Range<usize>>,
    /// Where the raw hrefs of document `a[href]` and `area[href]` are, in document order.
    hrefs: Vec<Range<usize>>,
    template_depth: u32,
    svg_depth: u32,
    /// The open tables, innermost last.
    tables: Vec<TableLevel>,
    select_depth: u32,
    /// Start offset of the outermost open `<svg>` start tag.
    svg_start: usize,
    /// Start offsets of the end tags that closed elements inside the outermost open svg.
    svg_end_tags: Vec<usize>,
    /// Closed outermost svg elements: the input from the start of `<svg` to the start of
    /// `</svg>`, and how many distinct end tags inside it closed elements opened in it.
    svg_regions: Vec<(Range<usize>, usize)>,
    /// A rule said the DOM must decide.
    unsure: bool,
    /// The metadata pieces, when wanted (see the `meta` submodule).
    meta: Option<Box<meta::MetaScan>>,
    /// The robots meta elements that stop link following (see [`on_robots_meta`]).
    robots: RobotsMeta,
}

/// An open `<table>`: where its open cell or caption started, if one is open.
struct TableLevel {
    /// Offset of the `<td>`, `<th>` or `<caption>` start tag of the open cell.
    cell_at: Option<usize>,
    /// The source before this offset has been checked for end tags that close the cell.
    checked: usize,
}

/// End tags on which the tree builder closes a cell, a row or a table (lowercase).
const CELL_CLOSERS: &[&str] = &[
    "caption", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// Does `text` hold an end tag named in [`CELL_CLOSERS`] (ASCII case-insensitive)?
fn closes_cells(text: &str) -> bool {
    text.match_indices("</").any(|(i, _)| {
        let name = &text.as_bytes()[i + 2..];
        CELL_CLOSERS.iter().any(|closer| {
            name.len() > closer.len()
                && name[..closer.len()].eq_ignore_ascii_case(closer.as_bytes())
                && matches!(
                    name[closer.len()],
                    b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\x0c'
                )
        })
    })
}

impl Scan {
    /// Is the innermost open table's cell still open at offset `at` of `html`? Errs when the
    /// tree builder may be in a table mode there (content would be foster-parented).
    fn in_open_cell(&mut self, html: &str, at: usize) -> Result<(), Unsure> {
        let Some(level) = self.tables.last_mut() else {
            return Ok(());
        };
        let cell_at = level.cell_at.ok_or(Unsure)?;
        let from = level.checked.max(cell_at);
        if at > from && closes_cells(html.get(from..at).ok_or(Unsure)?) {
            return Err(Unsure);
        }
        level.checked = level.checked.max(at);
        Ok(())
    }

    /// Does an element of interest (namespace `ns` according to lol_html, start tag at offset
    /// `at` of `html`) count for the result?
    fn counts(&mut self, ns: &str, html: &str, at: usize) -> Result<bool, Unsure> {
        if self.svg_depth > 0 {
            // Plain SVG content (the `svg *` rules hold): SVG elements, not in the result.
            return if ns == SVG_NS { Ok(false) } else { Err(Unsure) };
        }
        if ns != HTML_NS {
            return Err(Unsure);
        }
        if self.template_depth > 0 {
            return Ok(false);
        }
        if self.select_depth > 0 {
            return Err(Unsure);
        }
        self.in_open_cell(html, at)?;
        Ok(true)
    }

    /// Did every `</` inside every svg end an element opened in it?
    fn svg_end_tags_accounted_for(&self, html: &str) -> bool {
        self.svg_regions.iter().all(|(region, end_tags)| {
            html.get(region.clone())
                .is_some_and(|text| text.matches("</").count() == *end_tags)
        })
    }

    /// Decode and collapse the title exactly as `dom::extract` does, and hand each distinct
    /// decoded href with the base to `each` (see [`scan_hrefs`]); `html` is the scanned input.
    fn visit(self, html: &str, page_url: &Url, mut each: impl FnMut(&Url, &str)) -> String {
        let title = self
            .title
            .map(|raw| collapse_ascii_whitespace(&htmlize::unescape(raw.as_str())))
            .unwrap_or_default();
        let base = self
            .base
            .and_then(|at| html.get(at))
            .and_then(|raw| http_url(Some(page_url), &htmlize::unescape_attribute(raw)))
            .unwrap_or_else(|| page_url.clone());

        // The same raw href always resolves to the same URL: give each distinct one once.
        // (foldhash: fast and seeded per process, so a page cannot pick colliding hrefs.)
        let mut seen_raw: HashSet<&str, RandomState> =
            HashSet::with_capacity_and_hasher(self.hrefs.len(), RandomState::default());
        // Every fragment-only href (`#x`, ~40% of a rustdoc page's distinct hrefs) resolves to
        // the base without its fragment: only the first is given.
        let mut fragment_only_seen = false;
        for raw in self.hrefs.iter().filter_map(|at| html.get(at.clone())) {
            if !seen_raw.insert(raw) {
                continue;
            }
            let href = htmlize::unescape_attribute(raw);
            let fragment_only = href
                .trim_start_matches(|c: char| c.is_ascii_whitespace())
                .starts_with('#');
            if fragment_only && std::mem::replace(&mut fragment_only_seen, true) {
                continue;
            }
            each(&base, &href);
        }
        title
    }
}

/// ASCII whitespace stripped from both ends and collapsed, as `dom` does (U+00A0 is kept).
fn collapse_ascii_whitespace(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// The handler error that stops the stream: the DOM must decide.
#[derive(Debug, PartialEq, Eq)]
struct Unsure;

impl fmt::Display for Unsure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("streaming extraction cannot be sure; use the DOM")
    }
}

impl std::error::Error for Unsure {}

type Shared = Rc<RefCell<Scan>>;

/// Run a rule against the shared state; a broken rule marks the scan unsure and stops the stream.
fn apply(shared: &Shared, rule: impl FnOnce(&mut Scan) -> Result<(), Unsure>) -> HandlerResult {
    let Ok(mut scan) = shared.try_borrow_mut() else {
        return Err(Box::new(Unsure));
    };
    match rule(&mut scan) {
        Ok(()) => Ok(()),
        Err(unsure) => {
            scan.unsure = true;
            Err(Box::new(unsure))
        }
    }
}

/// Register an end tag handler on `el`; an element that cannot have content cannot get one.
fn on_end(
    el: &mut Element<'_, '_>,
    shared: &Shared,
    rule: impl FnOnce(&mut Scan, &EndTag<'_>) -> Result<(), Unsure> + 'static,
) -> Result<(), Unsure> {
    let shared = Rc::clone(shared);
    el.on_end_tag(Box::new(move |end: &mut EndTag<'_>| {
        apply(&shared, |scan| rule(scan, end))
    }))
    .map_err(|_| Unsure)
}

/// The end tag that closed an element must be its own: anything else means lol_html popped it
/// where the tree builder might not have.
fn closed_by(end: &EndTag<'_>, name: &str) -> Result<(), Unsure> {
    if end.name().eq_ignore_ascii_case(name) {
        Ok(())
    } else {
        Err(Unsure)
    }
}

/// Where the value of the element's first `href` attribute is in `html`, read from the source:
/// lol_html's string conversions decode with BOM sniffing and would drop a leading U+FEFF from
/// names and values, where the tokenizer keeps it. An attribute without a value is empty.
fn href_range(el: &Element<'_, '_>, html: &str) -> Result<Range<usize>, Unsure> {
    for attr in el.attributes() {
        let name = attr.name_source_location().ok_or(Unsure)?.bytes();
        if html
            .get(name)
            .is_some_and(|n| n.eq_ignore_ascii_case("href"))
        {
            return Ok(attr.value_source_location().map_or(0..0, |v| v.bytes()));
        }
    }
    Err(Unsure) // the selector matched an href that the source does not show
}

/// Offset of the element's start tag in the input.
fn start_of(el: &Element<'_, '_>) -> usize {
    el.source_location().bytes().start
}

fn on_link<'h>(
    shared: &'h Shared,
    html: &'h str,
) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h {
    move |el| {
        apply(shared, |scan| {
            if scan.counts(el.namespace_uri(), html, start_of(el))? {
                scan.hrefs.push(href_range(el, html)?);
            }
            Ok(())
        })
    }
}

/// A `<meta name content>` of the document tree (the rules of [`Scan::counts`], as for links):
/// noted in [`Scan::robots`]. Its place in the tree does not matter, only whether it is in it.
fn on_robots_meta<'h>(
    shared: &'h Shared,
    html: &'h str,
) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h {
    move |el| {
        apply(shared, |scan| {
            if scan.counts(el.namespace_uri(), html, start_of(el))? {
                let content = attr_value(el, html, "content")?;
                if crate::robots::meta::says_nofollow(&content) {
                    scan.robots.note(&attr_value(el, html, "name")?, &content);
                }
            }
            Ok(())
        })
    }
}

/// The entity-decoded value of the element's first attribute named `name` (the selector saw it).
fn attr_value<'a>(el: &Element<'_, '_>, html: &'a str, name: &str) -> Result<Cow<'a, str>, Unsure> {
    for attr in el.attributes() {
        let at = attr.name_source_location().ok_or(Unsure)?.bytes();
        if html.get(at).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
            let value = attr.value_source_location().map_or(0..0, |v| v.bytes());
            return Ok(htmlize::unescape_attribute(html.get(value).ok_or(Unsure)?));
        }
    }
    Err(Unsure)
}

fn on_base<'h>(
    shared: &'h Shared,
    html: &'h str,
) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h {
    move |el| {
        apply(shared, |scan| {
            if scan.counts(el.namespace_uri(), html, start_of(el))? && scan.base.is_none() {
                scan.base = Some(href_range(el, html)?);
            }
            Ok(())
        })
    }
}

fn on_title<'h>(
    shared: &'h Shared,
    html: &'h str,
) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h {
    move |el| {
        apply(shared, |scan| {
            if scan.counts(el.namespace_uri(), html, start_of(el))? && scan.title.is_none() {
                scan.title = Some(String::new());
                scan.title_open = true;
                on_end(el, shared, |scan, _| {
                    scan.title_open = false;
                    Ok(())
                })?;
            }
            Ok(())
        })
    }
}

fn on_title_text(shared: &Shared) -> impl FnMut(&mut TextChunk<'_>) -> HandlerResult + '_ {
    move |chunk| {
        apply(shared, |scan| {
            if scan.title_open {
                if let Some(title) = scan.title.as_mut() {
                    title.push_str(chunk.as_str());
                }
            }
            Ok(())
        })
    }
}

/// An HTML `name` element adds one to the depth `depth` picks until its end tag. An SVG
/// element of that name is left to the svg rules (and, for `select`, `select *` still applies);
/// one in another namespace makes the scan unsure.
fn nests<'s>(
    shared: &'s Shared,
    name: &'static str,
    depth: fn(&mut Scan) -> &mut u32,
) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 's {
    move |el| {
        apply(shared, |scan| {
            if scan.svg_depth > 0 {
                return Ok(());
            }
            if el.namespace_uri() != HTML_NS {
                return Err(Unsure);
            }
            *depth(scan) += 1;
            on_end(el, shared, move |scan, end| {
                closed_by(end, name)?;
                let open = depth(scan);
                *open = open.saturating_sub(1);
                Ok(())
            })
        })
    }
}

fn on_template(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    nests(shared, "template", |scan| &mut scan.template_depth)
}

fn in_template(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    move |el| {
        apply(shared, |scan| {
            if scan.svg_depth == 0 && NOT_IN_TEMPLATE.contains(&el.tag_name().as_str()) {
                return Err(Unsure);
            }
            Ok(())
        })
    }
}

fn on_svg(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    move |el| {
        apply(shared, |scan| {
            if el.is_self_closing() {
                return Err(Unsure);
            }
            if scan.svg_depth == 0 {
                scan.svg_start = el.source_location().bytes().start;
                scan.svg_end_tags.clear();
            }
            scan.svg_depth += 1;
            on_end(el, shared, |scan, end| {
                closed_by(end, "svg")?;
                scan.svg_depth = scan.svg_depth.saturating_sub(1);
                if scan.svg_depth == 0 {
                    // End tags of descendants closed by this same `</svg>` are not inside.
                    let at = end.source_location().bytes().start;
                    let mut inside: Vec<usize> = scan
                        .svg_end_tags
                        .iter()
                        .copied()
                        .filter(|&p| p < at)
                        .collect();
                    inside.dedup();
                    scan.svg_regions.push((scan.svg_start..at, inside.len()));
                }
                Ok(())
            })
        })
    }
}

fn in_svg(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    move |el| {
        apply(shared, |_| {
            if el.namespace_uri() != SVG_NS || NOT_IN_SVG.contains(&el.tag_name().as_str()) {
                return Err(Unsure);
            }
            if el.can_have_content() {
                on_end(el, shared, |scan, end| {
                    scan.svg_end_tags.push(end.source_location().bytes().start);
                    Ok(())
                })?;
            }
            Ok(())
        })
    }
}

fn on_table<'h>(
    shared: &'h Shared,
    html: &'h str,
) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h {
    move |el| {
        apply(shared, |scan| {
            if scan.svg_depth > 0 || scan.template_depth > 0 {
                return Ok(()); // the svg and template rules refuse tables there
            }
            if el.namespace_uri() != HTML_NS {
                return Err(Unsure);
            }
            let at = start_of(el);
            // Only a table nested in a cell nests; directly in a table it closes that table.
            scan.in_open_cell(html, at)?;
            scan.tables.push(TableLevel {
                cell_at: None,
                checked: at,
            });
            on_end(el, shared, |scan, end| {
                closed_by(end, "table")?;
                scan.tables.pop();
                // The end tags inside the closed table were its own.
                if let Some(outer) = scan.tables.last_mut() {
                    outer.checked = outer.checked.max(end.source_location().bytes().end);
                }
                Ok(())
            })
        })
    }
}

/// Table parts of the innermost open table: `td`, `th` and `caption` open a cell, the others
/// (`tr`, `tbody`, `thead`, `tfoot`, `col`, `colgroup`) close it.
fn on_table_part(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    move |el| {
        apply(shared, |scan| {
            if scan.svg_depth > 0 || scan.template_depth > 0 {
                return Ok(()); // the svg and template rules refuse table parts there
            }
            let at = start_of(el);
            let opens = matches!(el.tag_name().as_str(), "td" | "th" | "caption");
            if let Some(level) = scan.tables.last_mut() {
                level.cell_at = opens.then_some(at);
                level.checked = at;
            }
            Ok(())
        })
    }
}

fn on_select(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    nests(shared, "select", |scan| &mut scan.select_depth)
}

fn in_select(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    move |el| {
        apply(shared, |_| {
            if IN_SELECT.contains(&el.tag_name().as_str()) {
                Ok(())
            } else {
                Err(Unsure)
            }
        })
    }
}

fn on_unsupported(shared: &Shared) -> impl FnMut(&mut Element<'_, '_>) -> HandlerResult + '_ {
    move |_| apply(shared, |_| Err(Unsure))
}

/// One (selector, handlers) entry of the rewriter settings.
fn handlers<'h>(
    selector: &'static Selector,
    handlers: ElementContentHandlers<'h>,
) -> (Cow<'static, Selector>, ElementContentHandlers<'h>) {
    (Cow::Borrowed(selector), handlers)
}

/// Which elements with structural rules have a start tag in the source: a `<` followed by the
/// name (ASCII case-insensitive, as the tokenizer reads tag names). A superset (`<tables` counts
/// for `table`), so a rule is left out only when no element it watches can exist.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Present {
    /// `math` or `frameset`.
    unsupported: bool,
    svg: bool,
    template: bool,
    /// `table` (table parts without a table are ignored by the tree builder and by these rules).
    table: bool,
    select: bool,
    /// `meta` (the robots meta rule).
    meta: bool,
}

impl Present {
    fn in_source(html: &str) -> Present {
        let bytes = html.as_bytes();
        let mut p = Present::default();
        for i in memchr::memchr_iter(b'<', bytes) {
            let rest = &bytes[i + 1..];
            let names = |name: &[u8]| {
                rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name)
            };
            match rest.first().map(u8::to_ascii_lowercase) {
                Some(b's') => {
                    p.svg |= names(b"svg");
                    p.select |= names(b"select");
                }
                Some(b't') => {
                    p.template |= names(b"template");
                    p.table |= names(b"table");
                }
                Some(b'm') => {
                    p.unsupported |= names(b"math");
                    p.meta |= names(b"meta");
                }
                Some(b'f') => p.unsupported |= names(b"frameset"),
                _ => {}
            }
        }
        p
    }
}

/// A rule of [`scan`]: whether to register it, its selector, and its handlers (built only when
/// it is registered).
type Rule<'r, 'h> = (
    bool,
    &'static Selector,
    &'r dyn Fn() -> ElementContentHandlers<'h>,
);

/// Run lol_html over `html` with the handlers (and the metadata handlers when `want_meta`);
/// `None` as soon as a rule fails.
fn scan(html: &str, want_meta: bool) -> Option<Scan> {
    let selectors = SELECTORS.as_ref()?;
    let shared: Shared = Rc::default();
    if want_meta {
        shared.try_borrow_mut().ok()?.meta = Some(Box::default());
    }
    let element = ElementContentHandlers::default;
    // Rules for elements the page never opens cannot fire: leave their selectors out, since
    // lol_html matches every selector against every element.
    let present = Present::in_source(html);
    let title = || {
        element()
            .element(on_title(&shared, html))
            .text(on_title_text(&shared))
    };
    // In lol_html's order of registration; a rule whose flag is false is left out.
    let rules: [Rule<'_, '_>; 12] = [
        (present.unsupported, &selectors.unsupported, &|| {
            element().element(on_unsupported(&shared))
        }),
        (present.svg, &selectors.svg, &|| {
            element().element(on_svg(&shared))
        }),
        (present.svg, &selectors.in_svg, &|| {
            element().element(in_svg(&shared))
        }),
        (present.template, &selectors.template, &|| {
            element().element(on_template(&shared))
        }),
        (present.template, &selectors.in_template, &|| {
            element().element(in_template(&shared))
        }),
        (present.table, &selectors.table, &|| {
            element().element(on_table(&shared, html))
        }),
        (present.table, &selectors.table_part, &|| {
            element().element(on_table_part(&shared))
        }),
        (present.select, &selectors.select, &|| {
            element().element(on_select(&shared))
        }),
        (present.select, &selectors.in_select, &|| {
            element().element(in_select(&shared))
        }),
        (true, &selectors.title, &title),
        (true, &selectors.base, &|| {
            element().element(on_base(&shared, html))
        }),
        (true, &selectors.links, &|| {
            element().element(on_link(&shared, html))
        }),
    ];
    let mut settings = Settings::new();
    for (wanted, selector, rule) in rules {
        if wanted {
            settings = settings.append_element_content_handler(handlers(selector, rule()));
        }
    }
    if present.meta {
        let robots = element().element(on_robots_meta(&shared, html));
        settings =
            settings.append_element_content_handler(handlers(&selectors.robots_meta, robots));
    }
    if want_meta {
        settings = meta::add_handlers(settings, &shared, html)?;
    }
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    if rewriter.write(html.as_bytes()).is_err() || rewriter.end().is_err() {
        return None;
    }
    let scan = std::mem::take(&mut *shared.try_borrow_mut().ok()?);
    let complete = !scan.unsure && scan.svg_depth == 0 && scan.select_depth == 0;
    (complete && scan.svg_end_tags_accounted_for(html)).then_some(scan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::dom;

    const PAGE: &str = "https://example.com/dir/page.html?x=1";

    fn page() -> Url {
        Url::parse(PAGE).expect("test url")
    }

    /// The stream's answer, checked against the DOM whenever it gives one.
    fn stream(html: &str) -> Option<Extracted> {
        let got = extract(html, &page());
        if let Some(got) = &got {
            assert_eq!(
                *got,
                dom::extract(html, &page()),
                "stream disagrees on {html:?}"
            );
        }
        got
    }

    /// The stream must handle `html` (and agree with the DOM).
    fn handled(html: &str) -> Extracted {
        stream(html).unwrap_or_else(|| panic!("unexpected fallback on {html:?}"))
    }

    fn falls_back(html: &str) {
        assert_eq!(stream(html), None, "expected a fallback on {html:?}");
    }

    fn links(html: &str) -> Vec<String> {
        handled(html).links.into_iter().map(String::from).collect()
    }

    fn title(html: &str) -> String {
        handled(html).title
    }

    #[test]
    fn structural_rules_are_left_out_only_for_absent_tags() {
        let p = Present::in_source;
        assert_eq!(p("<p><a href=x>x</a></p>"), Present::default());
        let all = Present {
            unsupported: true,
            svg: true,
            template: true,
            table: true,
            select: true,
            meta: true,
        };
        assert_eq!(
            p("<SVG><Template><TABLE><sElEcT><math><Meta>"),
            all,
            "tag names are case-insensitive"
        );
        assert_eq!(
            p("<frameset>"),
            Present {
                unsupported: true,
                ..Present::default()
            }
        );
        assert_eq!(
            p("<tables>"),
            Present {
                table: true,
                ..Present::default()
            }
        );
        assert_eq!(p("< svg>text</svg> &lt;table"), Present::default());
        assert_eq!(
            p("<td><tr><th>"),
            Present::default(),
            "parts without a table"
        );
        // Without the table rules, parts outside any table change nothing.
        assert_eq!(
            links("<td><a href=/in-td></td><a href=/after>"),
            ["https://example.com/in-td", "https://example.com/after"]
        );
    }

    #[test]
    fn plain_page_is_handled() {
        let got = handled(
            "<!doctype html><html><head><title> Shop &amp; Co </title></head>\
             <body><a href='/cart#top'>c</a><a href='mailto:x@y.z'>m</a>\
             <map><area href=/area></map></body></html>",
        );
        assert_eq!(got.title, "Shop & Co");
        assert_eq!(got.links.len(), 2);
    }

    #[test]
    fn title_text_is_rcdata_with_entities() {
        assert_eq!(
            title("<title><b>x</b> &lt;a href=y&gt;</title>"),
            "<b>x</b> <a href=y>"
        );
        assert_eq!(
            title("<title>&notit; &amp &ampx &times5</title>"),
            "¬it; & &x ×5"
        );
        assert_eq!(
            title("<title>&#x110000;&#0;&#xD800;&#x80;&#128&#65</title>"),
            "\u{FFFD}\u{FFFD}\u{FFFD}€€A"
        );
        assert_eq!(
            title("<title>\u{A0}a&nbsp; b\u{A0}</title>"),
            "\u{A0}a\u{A0} b\u{A0}"
        );
        assert_eq!(title("<title>&#9;a&#10;&#13;b&#32;</title>"), "a b");
    }

    #[test]
    fn attribute_entities_follow_the_attribute_rules() {
        // A named reference without ';' followed by '=' or an alphanumeric stays literal.
        assert_eq!(
            links("<a href='/s?a=1&copy=2'>"),
            ["https://example.com/s?a=1&copy=2"]
        );
        assert_eq!(
            links("<a href='/s?a=1&copyx'>"),
            ["https://example.com/s?a=1&copyx"]
        );
        assert_eq!(
            links("<a href='/s?&notit;'>"),
            ["https://example.com/s?&notit;"]
        );
        assert_eq!(
            links("<a href='/s?x&copy'>"),
            ["https://example.com/s?x%C2%A9"]
        );
        assert_eq!(
            links("<a href='/s?a&amp;b&amp=c&#38;d'>"),
            ["https://example.com/s?a&b&amp=c&d"]
        );
        assert_eq!(
            links("<a href='/&#x110000;&#0;'>"),
            ["https://example.com/%EF%BF%BD%EF%BF%BD"]
        );
    }

    #[test]
    fn newlines_are_normalized_like_the_input_stream() {
        handled("<title>a\r\nb\rc</title><a\rhref='/x\r\ny'\r>t</a><a href=\r/z\r>");
        assert_eq!(title("<title>a\r\n\r\nb</title>"), "a b");
        assert_eq!(
            links("<a href='\r\n/p\rq\r\n'>"),
            ["https://example.com/pq"]
        );
        assert_eq!(normalize_newlines("a\r\nb\rc\n\r"), "a\nb\nc\n\n");
    }

    #[test]
    fn nul_falls_back() {
        falls_back("<title>a\0b</title>");
        falls_back("<a href='/x\0'>");
    }

    #[test]
    fn plain_svg_is_skipped() {
        let html = r#"<svg viewBox="0 0 1 1"><g><path d="M0 0"/></g><a href="/svg-link"><text>t</text></a>
            <base href="https://svg.example/"></svg><a href="x">x</a>"#;
        assert_eq!(links(html), ["https://example.com/dir/x"]);
        // CDATA is a section in foreign content: the "tag" inside is text.
        assert_eq!(
            links("<svg><![CDATA[<a href=/cdata>]]></svg><a href=/real>"),
            ["https://example.com/real"]
        );
        // <style> and <script> are not raw text inside svg.
        assert_eq!(
            links("<svg><style><a href=/in-svg></a></style></svg><a href=/html>"),
            ["https://example.com/html"]
        );
        // Nested svg.
        handled("<svg><svg><path></path></svg><g></g></svg><a href=/after>");
    }

    #[test]
    fn svg_with_html_inside_or_odd_structure_falls_back() {
        falls_back("<svg><title>Icon</title></svg><title>Doc</title>");
        falls_back("<svg><desc><p>x</p></desc></svg>");
        falls_back("<svg><foreignObject><a href=/fo>x</a></foreignObject></svg>");
        falls_back("<svg><div><a href=/out>x</a></div></svg>");
        falls_back("<svg><font color=red>x</font></svg>");
        falls_back("<svg/><title>T</title>");
        falls_back("<svg><path d=x>");
        falls_back("<div><svg></div><a href=/x>");
        falls_back("<svg></p><a href=/x></a></svg>");
        // "y" reconstructs <b> around the svg; </b> inside pops the svg: /x is an HTML link.
        falls_back("<p><b>x</p>y<svg></b><a href=/x></a></svg>");
        falls_back("<p><b>x</p>y<svg><g></b><a href=/x></a></g></svg>");
        falls_back("<svg><math><mi><a href=/x></a></mi></math></svg>");
    }

    #[test]
    fn template_content_is_skipped() {
        let html = "<head><template><title>Tpl</title><a href=/tpl>t</a>\
            <base href='https://tpl.example/'><span><svg><path/></svg></span></template>\
            <title>Doc</title></head><a href=/doc>d</a>";
        let got = handled(html);
        assert_eq!(got.title, "Doc");
        assert_eq!(
            got.links,
            [Url::parse("https://example.com/doc").expect("url")]
        );
        handled("<template><template><a href=/x></template><a href=/y></template><a href=/z>");
        // Never closed: everything after is template content.
        assert_eq!(links("<template><a href=/x>"), Vec::<String>::new());
    }

    #[test]
    fn template_with_table_parts_or_wrong_end_falls_back() {
        falls_back("<template><col><textarea></template><a href=/a>");
        falls_back("<template><tr><td>x</td></tr></template>");
        falls_back("<div><template></div><a href=/x></template>");
    }

    #[test]
    fn tables_are_handled_inside_cells_and_fall_back_elsewhere() {
        assert_eq!(
            links("<table><tr><td>x</td></tr></table><a href=/after>"),
            ["https://example.com/after"]
        );
        // In cells and captions, content stays in document order.
        assert_eq!(
            links("<a href=/0><table><caption><a href=/c></caption><tr><td><a href=/1>x</a></td><TH><div><a href=/2></div></th></tr><tr><td><a href=/3></table><a href=/4>"),
            ["/0", "/c", "/1", "/2", "/3", "/4"].map(|p| format!("https://example.com{p}"))
        );
        // Cells left open by the next cell or row, and tables nested in cells.
        assert_eq!(
            links("<table><tr><td><a href=/1><td><a href=/2><tr><td><table><tr><td><a href=/3></td></tr></table><a href=/4></table>"),
            ["/1", "/2", "/3", "/4"].map(|p| format!("https://example.com{p}"))
        );
        assert_eq!(
            handled("<table><tr><td><title>T</title></td></tr></table>").title,
            "T"
        );
        // Directly in a table, row or body: foster-parented before the table.
        falls_back("<table><a href=/fostered>x</a><tr><td><a href=/cell></td></tr></table>");
        falls_back("<table><tr><a href=/in-row><td>x</td></tr></table>");
        falls_back("<table><tbody><title>T</title></tbody></table>");
        falls_back("<table><tr><td>x</td><a href=/after-cell></tr></table>");
        falls_back("<table><tr><td>x</TD ><a href=/after-cell></tr></table>");
        falls_back("<table><tr><td>x</tr><a href=/after-row></table>");
        falls_back("<table><td>x<col><a href=/after-col></table>");
        falls_back("<table><colgroup><a href=/in-colgroup></table>");
        // A table start tag directly in a table closes it; in a cell it nests.
        falls_back("<table><tr><table><td><a href=/x></table>");
        falls_back("<table><td><table></td><a href=/y></table></table>");
        // A table popped by another end tag: the tree builder may keep it open.
        falls_back("<div><table><tr><td></div><a href=/x>");
        assert_eq!(
            links("<table><tr><td></div></td></tr></table><a href=/y>"),
            ["https://example.com/y"]
        );
        falls_back("<table><tr><td>x</td></tr><a href=/late>");
    }

    #[test]
    fn fragment_only_hrefs_give_the_base_once_where_the_first_one_stands() {
        assert_eq!(
            links("<a href=/a><a href='#x'><a href=' #y'><a href='&#35;z'><a href=b><a href='#'>"),
            [
                "https://example.com/a",
                "https://example.com/dir/page.html?x=1",
                "https://example.com/dir/b",
            ]
        );
        // Against a <base>, the base (not the page) without its fragment.
        assert_eq!(
            links("<base href='/other/doc.html#top'><a href='#one'><a href=' #two'>"),
            ["https://example.com/other/doc.html"]
        );
    }

    #[test]
    fn cell_closers_are_found_in_any_case_and_only_as_whole_names() {
        assert!(closes_cells("x</td>y"));
        assert!(closes_cells("</TBODY\n>"));
        assert!(closes_cells("</th/>"));
        assert!(closes_cells("</caption >"));
        assert!(!closes_cells("</tdx>"));
        assert!(!closes_cells("</tt></code></thing>"));
        assert!(!closes_cells("</td"));
        assert!(!closes_cells("<td>"));
    }

    #[test]
    fn select_with_only_options_is_handled() {
        assert_eq!(
            links("<select><option>a<optgroup><option>b</select><a href=x>"),
            ["https://example.com/dir/x"]
        );
        falls_back("<select><a href=/ignored>x</a></select>");
        falls_back("<select><title>T</title></select>");
        falls_back("<select><xmp><a href=/x></xmp></select>");
        falls_back("<select><option>x");
    }

    #[test]
    fn math_and_frameset_fall_back() {
        falls_back("<math><mi><a href=/x>x</a></mi></math>");
        falls_back("<frameset><frame src=x></frameset>");
    }

    #[test]
    fn raw_text_elements_hide_markup() {
        for html in [
            "<noscript><a href=/no>x</a></noscript><a href=/yes>",
            "<script>document.write('<a href=/no>')</script><a href=/yes>",
            "<script><!--<script>'<a href=/no>'</script>--></script><a href=/yes>",
            "<style>a[href='<a href=/no>']{}</style><a href=/yes>",
            "<xmp><a href=/no></xmp><a href=/yes>",
            "<iframe><a href=/no></iframe><a href=/yes>",
            "<noembed><a href=/no></noembed><a href=/yes>",
            "<noframes><a href=/no></noframes><a href=/yes>",
            "<textarea><a href=/no></textarea><a href=/yes>",
            "<!-- <a href=/no> --><a href=/yes>",
            "<!--><a href=/yes>",
            "<![CDATA[<a href=/no>]]><a href=/yes>",
            "<?php echo '<a href=/no>' ?><a href=/yes>",
        ] {
            assert_eq!(links(html), ["https://example.com/yes"], "{html}");
        }
        assert_eq!(
            links("<plaintext><a href=/no></plaintext>"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn title_placement() {
        assert_eq!(title("<body><p>x</p><title>Late</title>"), "Late");
        assert_eq!(title("<title>A</title><title>B</title>"), "A");
        assert_eq!(title("</html><title>After</title>"), "After");
        assert_eq!(title("<a href=x><title>In a</title></a>"), "In a");
        assert_eq!(title("<title/>Self closing</title>"), "Self closing");
        assert_eq!(title("<title>Open <a href=x>"), "Open <a href=x>");
        assert_eq!(title("<title>abc</title"), "abc</title");
        assert_eq!(title("<title>abc</tit"), "abc</tit");
        assert_eq!(title("<TITLE>Upper</TITLE >"), "Upper");
    }

    #[test]
    fn attributes_as_the_tokenizer_reads_them() {
        assert_eq!(
            links("<a href=/first href=/second>"),
            ["https://example.com/first"]
        );
        assert_eq!(links("<A HREF=/upper>"), ["https://example.com/upper"]);
        assert_eq!(links("<a/href=/slash>"), ["https://example.com/slash"]);
        assert_eq!(links("<a href=/x/>"), ["https://example.com/x/"]);
        assert_eq!(links("<a\nhref\n=\n'/nl'\n>"), ["https://example.com/nl"]);
        assert_eq!(links("<a data-href=/no hrefx=/no>"), Vec::<String>::new());
        assert_eq!(links("<a href=\"/unclosed"), Vec::<String>::new());
        // U+FEFF is an ordinary character inside tags (lol_html's string conversion drops it).
        assert_eq!(
            links("<a href=\u{FEFF}x><a href='\u{FEFF}/y'>"),
            [
                "https://example.com/dir/%EF%BB%BFx",
                "https://example.com/dir/%EF%BB%BF/y"
            ]
        );
        assert_eq!(links("<a \u{FEFF}href=/no>"), Vec::<String>::new());
        assert_eq!(
            links("<a \u{FEFF}href=/no href=/yes>"),
            ["https://example.com/yes"]
        );
        assert_eq!(
            links("<base href='\u{FEFF}/b/'><a href=x>"),
            ["https://example.com/dir/%EF%BB%BF/b/x"]
        );
        assert_eq!(title("\u{FEFF}<title>\u{FEFF}t</title>"), "\u{FEFF}t");
        assert_eq!(
            links("<ab href=/no><a\u{e9} href=/no>"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn misnested_links_keep_document_order() {
        handled("<a href=/1><div><a href=/2></div>x<a href=/3>");
        handled("<p><a href=/1></p>text<a href=/2>more");
        handled("<b><a href=/1><i></b><a href=/2></i>");
        handled("<a href=/1><a href=/2><a href=/1>");
    }

    #[test]
    fn base_rules() {
        assert_eq!(
            links("<a href=early><base target=_blank><base href='https://one.example/'><base href='https://two.example/'><a href=late>"),
            ["https://one.example/early", "https://one.example/late"]
        );
        assert_eq!(
            links("<base href='/b/?a&amp;b'><a href=x>"),
            ["https://example.com/b/x"]
        );
        assert_eq!(
            links("<base href='javascript:x'><a href=x>"),
            ["https://example.com/dir/x"]
        );
    }

    #[test]
    fn empty_and_odd_documents() {
        assert_eq!(handled(""), Extracted::default());
        handled("<<<>>>");
        handled("<a href=");
        handled("<title");
        handled("<a href='x'><a href='y'></a");
    }
}
