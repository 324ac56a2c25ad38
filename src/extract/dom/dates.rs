//! The article's dates in the body of the page ([`BodyDates`]): microdata, `<time>`, date
//! attributes of byline elements, and the visible text next to the headline and the byline.
//! Read from the parsed tree, only for pages whose JSON-LD and head give no publication date
//! (`crate::meta::needs_body_dates`).
//!
//! **Which part of the page is the article's.** The *headline* is the first `<h1>` inside an
//! `<article>` or `<main>` (or `role=main`), else the first `<h1>`. A *side zone* is a part of the
//! page that holds other things' dates: `<aside>`, `<nav>`, a page-level `<header>` or
//! `<footer>` (not inside an `<article>` or `<main>`), `role=complementary|navigation|banner|
//! contentinfo`, a microdata `Comment` or `Review`, and any element whose `class` or `id` names a
//! comment, related or recommended list, calendar, sidebar, widget, trending or most-read list,
//! newsletter, breadcrumb or recirculation module; an element that contains the headline is
//! never a side zone (a `<div class="has-sidebar">` around the whole story is not a sidebar).
//! Nothing inside a side zone is read. The *scopes* where the article's own dates are looked
//! for, in order: the headline's nearest `<article>`/`<main>`, and its neighbourhood (the
//! highest of its parent, grandparent and great-grandparent that is not `<body>`); without a
//! headline, the first `<article>`, else the first `<main>`. A page with neither gives no body
//! date.
//!
//! **Pieces.**
//!
//! - `markup`: every element of the body (in the first scope that has any, outside side zones)
//!   with `itemprop` `datePublished`, `dateCreated` or `uploadDate` (published) or
//!   `dateModified` (modified), its `content`, `datetime` or text; an hAtom `class="published"`
//!   or `"updated"` element inside an `hentry` (microformats2: `dt-published`, `dt-updated`
//!   inside an `h-entry`), its `title`, `datetime` or text; a byline element (a `class` or `id`
//!   with a part naming a byline, dateline, date, timestamp or posting, [`BYLINE_PARTS`]) with a
//!   `title` or a `data-*` attribute whose name says date or time and whose value is a date.
//! - `times`: the `<time>` elements of the first scope that has any, outside side zones: their
//!   `datetime`, or their text; modified when their `class` or `itemprop` says updated or
//!   modified or an update label ("Updated", "Aktualisiert", ...) comes just before them.
//! - `text`: the visible text around the headline (up to 120 characters before it in its parent,
//!   and up to 300 after it, stopping at the story's first long paragraph) and the text of each
//!   byline element in the scopes (up to 200 characters each).

use std::collections::HashSet;

use scraper::{ElementRef, Node};

use super::HTML_NS;
use crate::meta::{labelled_update, BodyDates, DateRole};

/// Words of a `class` or `id` that mark a side zone (matched in the lowercased value, separators
/// removed).
const SIDE_WORDS: &[&str] = &[
    "comment",
    "related",
    "recommend",
    "calendar",
    "sidebar",
    "widget",
    "trending",
    "mostread",
    "mostpopular",
    "mostviewed",
    "popular",
    "newsletter",
    "breadcrumb",
    "recirc",
    "outbrain",
    "taboola",
    "moreon",
    "morefrom",
    "readmore",
    "readnext",
    "upnext",
];

/// Parts of a `class` or `id` token (split at `-`, `_` and lower-to-upper case changes,
/// lowercased) that mark a byline element: `byline`, `post-date`, `publishDate`, `dateline`,
/// `timestamp`, `posted-on`, ...; `meta` counts next to `entry`, `post`, `article` or `story`
/// (`entry-meta`).
const BYLINE_PARTS: &[&str] = &[
    "byline",
    "dateline",
    "date",
    "dates",
    "datetime",
    "timestamp",
    "posted",
    "pubdate",
    "published",
    "publishdate",
    "publication",
];

/// Is the element a byline (see [`BYLINE_PARTS`])?
fn names_byline(e: ElementRef<'_>) -> bool {
    let v = e.value();
    [v.attr("class"), v.attr("id")]
        .into_iter()
        .flatten()
        .flat_map(str::split_ascii_whitespace)
        .any(|token| {
            let parts = token_parts(token);
            parts.iter().any(|p| BYLINE_PARTS.contains(&p.as_str()))
                || (parts.iter().any(|p| p == "meta")
                    && parts
                        .iter()
                        .any(|p| matches!(p.as_str(), "entry" | "post" | "article" | "story")))
        })
}

/// A class token's parts: split at `-`, `_` and where a lowercase letter is followed by an
/// uppercase one, lowercased.
fn token_parts(token: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut prev_lower = false;
    for c in token.chars() {
        let boundary = c == '-' || c == '_' || (prev_lower && c.is_uppercase());
        if boundary && !part.is_empty() {
            parts.push(std::mem::take(&mut part));
        }
        if c != '-' && c != '_' {
            part.extend(c.to_lowercase());
        }
        prev_lower = c.is_lowercase();
    }
    if !part.is_empty() {
        parts.push(part);
    }
    parts
}

/// Byline text longer than this is a paragraph, not a byline.
const BYLINE_MAX_CHARS: usize = 200;

type NodeRef<'a> = ego_tree::NodeRef<'a, Node>;

fn html_element(node: NodeRef<'_>) -> Option<ElementRef<'_>> {
    ElementRef::wrap(node).filter(|e| &*e.value().name.ns == HTML_NS)
}

fn is(node: NodeRef<'_>, names: &[&str]) -> bool {
    html_element(node).is_some_and(|e| names.contains(&e.value().name()))
}

/// `class` and `id`, lowercased, with everything but letters and digits removed.
fn class_words(e: ElementRef<'_>) -> String {
    let v = e.value();
    let mut out = String::new();
    for value in [v.attr("class"), v.attr("id")].into_iter().flatten() {
        out.extend(
            value
                .chars()
                .filter(|c| c.is_alphanumeric() || c.is_whitespace())
                .flat_map(char::to_lowercase),
        );
        out.push(' ');
    }
    out
}

/// Does `words` (from [`class_words`], spaces kept between tokens) name a side zone: a token
/// containing one of [`SIDE_WORDS`] once its separators are removed (`related-posts`,
/// `mostRead`)? `commentary` (an opinion section's class) is not a comment.
fn names_side_zone(words: &str) -> bool {
    words
        .split_whitespace()
        .any(|token| SIDE_WORDS.iter().any(|w| token.contains(w)) && !token.contains("commentary"))
}

fn attr_is(e: ElementRef<'_>, name: &str, values: &[&str]) -> bool {
    e.value().attr(name).is_some_and(|v| {
        v.split_ascii_whitespace()
            .any(|t| values.iter().any(|w| t.eq_ignore_ascii_case(w)))
    })
}

/// The tree around the headline, and the rules that need it.
struct Page<'a> {
    headline: Option<ElementRef<'a>>,
    /// The headline and its ancestors.
    holds_headline: HashSet<ego_tree::NodeId>,
}

impl<'a> Page<'a> {
    fn new(elements: &[ElementRef<'a>]) -> Page<'a> {
        let in_story = |e: &ElementRef<'a>| {
            e.ancestors()
                .any(|a| is(a, &["article", "main"]) || html_element(a).is_some_and(is_role_main))
        };
        let h1s = || elements.iter().filter(|e| e.value().name() == "h1");
        let headline = h1s()
            .find(|e| in_story(e) && !e.ancestors().any(|a| is(a, &["aside", "nav"])))
            .or_else(|| h1s().find(|e| !e.ancestors().any(|a| is(a, &["aside", "nav"]))))
            .copied();
        let holds_headline = headline
            .map(|h| {
                std::iter::once(h.id())
                    .chain(h.ancestors().map(|a| a.id()))
                    .collect()
            })
            .unwrap_or_default();
        Page {
            headline,
            holds_headline,
        }
    }

    /// Is this element itself a side zone (see the module docs)?
    fn is_side(&self, e: ElementRef<'a>) -> bool {
        if self.holds_headline.contains(&e.id()) {
            return false;
        }
        let name = e.value().name();
        let page_level = || !e.ancestors().any(|a| is(a, &["article", "main"]));
        match name {
            "aside" | "nav" | "select" | "form" => return true,
            "header" | "footer" if page_level() => return true,
            "html" | "body" | "main" | "article" => return false,
            _ => {}
        }
        if attr_is(
            e,
            "role",
            &["complementary", "navigation", "banner", "contentinfo"],
        ) {
            return true;
        }
        if e.value().attr("itemscope").is_some()
            && e.value().attr("itemtype").is_some_and(|t| {
                let t = t.trim_end_matches('/');
                ["Comment", "UserComments", "Review"]
                    .iter()
                    .any(|k| t.ends_with(k))
            })
        {
            return true;
        }
        names_side_zone(&class_words(e))
    }

    /// Is the element in a side zone (itself or an ancestor)?
    fn in_side(&self, e: ElementRef<'a>) -> bool {
        self.is_side(e)
            || e.ancestors()
                .filter_map(html_element)
                .any(|a| self.is_side(a))
    }

    /// The scopes, in order (see the module docs).
    fn scopes(&self, elements: &[ElementRef<'a>]) -> Vec<ElementRef<'a>> {
        let mut out = Vec::new();
        if let Some(h) = self.headline {
            out.extend(
                h.ancestors()
                    .filter_map(html_element)
                    .find(|a| matches!(a.value().name(), "article" | "main") || is_role_main(*a)),
            );
            let near = h
                .ancestors()
                .take(3)
                .filter_map(html_element)
                .take_while(|a| !matches!(a.value().name(), "body" | "html"))
                .last();
            if let Some(near) = near {
                if !out.iter().any(|o| o.id() == near.id()) {
                    out.push(near);
                }
            }
        } else {
            let first = |name: &str| {
                elements
                    .iter()
                    .find(|e| e.value().name() == name && !self.in_side(**e))
                    .copied()
            };
            out.extend(first("article").or_else(|| first("main")));
        }
        out
    }
}

fn is_role_main(e: ElementRef<'_>) -> bool {
    attr_is(e, "role", &["main"])
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn element_text(e: ElementRef<'_>) -> String {
    collapse(&e.text().collect::<String>())
}

/// The text just before `e` inside its parent (and the parent's parent when that is short),
/// for an update label.
fn text_before(e: ElementRef<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut node = *e;
    for _ in 0..2 {
        for sibling in node.prev_siblings() {
            let text = match sibling.value() {
                Node::Text(t) => t.to_string(),
                _ => ElementRef::wrap(sibling)
                    .map(|s| s.text().collect())
                    .unwrap_or_default(),
            };
            parts.push(text);
        }
        if parts.iter().map(String::len).sum::<usize>() > 40 {
            break;
        }
        match node.parent() {
            Some(parent) => node = parent,
            None => break,
        }
    }
    parts.reverse();
    collapse(&parts.concat())
}

fn is_update_word(words: &str) -> bool {
    words.contains("update") || words.contains("modif")
}

/// The date pieces of the body of a parsed document (see the module docs).
pub fn body_dates(elements: &[ElementRef<'_>]) -> BodyDates {
    let page = Page::new(elements);
    let scopes = page.scopes(elements);
    let mut out = BodyDates::default();
    if scopes.is_empty() {
        return out;
    }
    let inside =
        |e: &ElementRef<'_>, scope: &ElementRef<'_>| e.ancestors().any(|a| a.id() == scope.id());
    // The pieces of the first scope that has any of a kind.
    let in_first_scope_with = |pick: &dyn Fn(&ElementRef<'_>) -> bool| -> Vec<ElementRef<'_>> {
        for scope in &scopes {
            let found: Vec<ElementRef<'_>> = elements
                .iter()
                .filter(|e| inside(e, scope) && pick(e) && !page.in_side(**e))
                .copied()
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    };

    // Markup: microdata, hAtom, byline attributes.
    let markup = in_first_scope_with(&|e| markup_role(*e).is_some() || byline_attr(*e).is_some());
    for e in markup {
        if let Some(role) = markup_role(e) {
            let v = e.value();
            let value = v
                .attr("content")
                .or_else(|| v.attr("datetime"))
                .or_else(|| v.attr("title").filter(|_| v.attr("itemprop").is_none()))
                .map(collapse)
                .unwrap_or_else(|| element_text(e));
            if !value.is_empty() {
                out.markup.push((role, value));
            }
        } else if let Some(found) = byline_attr(e) {
            out.markup.push(found);
        }
    }

    // Times.
    for e in in_first_scope_with(&|e| e.value().name() == "time") {
        let v = e.value();
        let value = v
            .attr("datetime")
            .map(collapse)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| element_text(e));
        if value.is_empty() {
            continue;
        }
        let words = class_words(e) + &v.attr("itemprop").unwrap_or("").to_ascii_lowercase();
        let modified = is_update_word(&words) && !words.contains("published")
            || labelled_update(&text_before(e));
        let role = if modified {
            DateRole::Modified
        } else {
            DateRole::Published
        };
        out.times.push((role, value));
    }

    // Visible text: around the headline, and the bylines.
    if let Some(h) = page.headline {
        let before: String = h
            .prev_siblings()
            .filter_map(|n| match n.value() {
                Node::Text(t) => Some(t.to_string()),
                _ => html_element(n)
                    .filter(|e| !page.is_side(*e))
                    .map(|e| e.text().collect::<String>()),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let before = collapse(&before);
        let cut = before.char_indices().rev().nth(119).map_or(0, |(i, _)| i);
        if !before.is_empty() {
            out.text
                .push((DateRole::Published, before[cut..].to_string()));
        }
        let after = text_after(&page, h, scopes.last().copied().unwrap_or(h));
        if !after.is_empty() {
            out.text.push((DateRole::Published, after));
        }
    }
    for e in in_first_scope_with(&|e| is_byline(*e)) {
        let text = element_text(e);
        if !text.is_empty() && text.chars().count() <= BYLINE_MAX_CHARS {
            let role = if is_update_word(&class_words(e)) {
                DateRole::Modified
            } else {
                DateRole::Published
            };
            out.text.push((role, text));
        }
    }
    out
}

/// Up to 300 characters of visible text after the headline, inside `scope`, stopping at the
/// story's first long paragraph (120 characters or more) and never reading a side zone.
fn text_after(page: &Page<'_>, headline: ElementRef<'_>, scope: ElementRef<'_>) -> String {
    const MAX: usize = 300;
    let mut out = String::new();
    let mut started = false;
    let mut skip_until: Option<ego_tree::NodeId> = None;
    for edge in scope.traverse() {
        match edge {
            ego_tree::iter::Edge::Close(node) => {
                if node.id() == headline.id() {
                    started = true;
                }
                if skip_until == Some(node.id()) {
                    skip_until = None;
                }
            }
            ego_tree::iter::Edge::Open(node) => {
                if !started || skip_until.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => {
                        out.push_str(t);
                        out.push(' ');
                        if out.len() >= MAX {
                            break;
                        }
                    }
                    Node::Element(_) => {
                        let Some(e) = html_element(node) else {
                            skip_until = Some(node.id());
                            continue;
                        };
                        let name = e.value().name();
                        if matches!(name, "script" | "style" | "noscript" | "template")
                            || page.is_side(e)
                        {
                            skip_until = Some(node.id());
                        } else if name == "p" && element_text(e).chars().count() >= 120 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let text = collapse(&out);
    text.chars().take(MAX).collect()
}

fn is_byline(e: ElementRef<'_>) -> bool {
    !matches!(
        e.value().name(),
        "time" | "script" | "style" | "html" | "body" | "article" | "main"
    ) && names_byline(e)
        && !in_foreign_microformat(e)
        && !e
            .ancestors()
            .filter_map(html_element)
            .take(3)
            .any(names_byline)
}

/// Microformat roots: an entry (the article) or someone's card, an event, a review.
const MICROFORMAT_ROOTS: &[&str] = &[
    "hentry", "h-entry", "vcard", "h-card", "vevent", "h-event", "hreview", "h-review",
];

/// The nearest microformat root around `e` (the one its microformat properties belong to).
fn microformat_root(e: ElementRef<'_>) -> Option<ElementRef<'_>> {
    e.ancestors()
        .filter_map(html_element)
        .find(|a| attr_is(*a, "class", MICROFORMAT_ROOTS))
}

/// Is `e` inside a card, an event or a review (a microformat root that is not an entry)? Its
/// dates are that thing's (a birthday, a founding date), not the article's.
fn in_foreign_microformat(e: ElementRef<'_>) -> bool {
    microformat_root(e).is_some_and(|r| !attr_is(r, "class", &["hentry", "h-entry"]))
}

/// The role of a microdata or hAtom date element.
fn markup_role(e: ElementRef<'_>) -> Option<DateRole> {
    let v = e.value();
    if let Some(prop) = v.attr("itemprop") {
        for token in prop.split_ascii_whitespace() {
            for (name, role) in [
                ("datePublished", DateRole::Published),
                ("dateCreated", DateRole::Published),
                ("uploadDate", DateRole::Published),
                ("dateModified", DateRole::Modified),
            ] {
                if token.eq_ignore_ascii_case(name) {
                    return Some(role);
                }
            }
        }
        return None;
    }
    if e.value().name() == "time" {
        return None; // a <time class="published"> is read as a time
    }
    // Microformats count inside their entry only: hAtom's `published`/`updated` inside an
    // `hentry`, microformats2's `dt-published`/`dt-updated` inside an `h-entry` (the same class
    // names elsewhere, on a person's birthday in an hCard, say, are not an article's date).
    let root = microformat_root(e);
    let in_entry = |entry: &str| root.is_some_and(|r| attr_is(r, "class", &[entry]));
    if attr_is(e, "class", &["published"]) && in_entry("hentry")
        || attr_is(e, "class", &["dt-published"]) && in_entry("h-entry")
    {
        Some(DateRole::Published)
    } else if attr_is(e, "class", &["updated"]) && in_entry("hentry")
        || attr_is(e, "class", &["dt-updated"]) && in_entry("h-entry")
    {
        Some(DateRole::Modified)
    } else {
        None
    }
}

/// A byline element's date attribute: `title`, or a `data-*` attribute whose name says date,
/// time or published, when its value is a date.
fn byline_attr(e: ElementRef<'_>) -> Option<(DateRole, String)> {
    if e.value().name() == "time" || e.value().attr("itemprop").is_some() {
        return None;
    }
    if !names_byline(e) || in_foreign_microformat(e) {
        return None;
    }
    let words = class_words(e);
    let role = if is_update_word(&words) {
        DateRole::Modified
    } else {
        DateRole::Published
    };
    e.value()
        .attrs()
        .filter(|(name, _)| {
            *name == "title"
                || name.strip_prefix("data-").is_some_and(|n| {
                    n.contains("date") || n.contains("time") || n.contains("publish")
                })
        })
        .map(|(_, value)| value.trim())
        .find(|value| crate::meta::is_date(value))
        .map(|value| (role, value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::html_elements_in_tree_order;
    use super::*;
    use crate::meta::DateRole::{Modified, Published};
    use scraper::Html;

    fn read(html: &str) -> BodyDates {
        let document = Html::parse_document(html);
        body_dates(&html_elements_in_tree_order(&document))
    }

    fn own(list: &[(DateRole, &str)]) -> Vec<(DateRole, String)> {
        list.iter().map(|(r, v)| (*r, (*v).to_string())).collect()
    }

    #[test]
    fn time_near_the_headline_outside_any_article() {
        let got = read(
            "<body><header class=site><time datetime=2026-12-01>Today</time></header>\
             <div class=story><div class=head><h1>Title</h1>\
             <p class=byline>By Ann <time datetime=2026-11-20T09:00:00+01:00>20 Nov</time></p></div>\
             <p>Body text.</p></div>\
             <aside><time datetime=2026-11-02>other</time></aside></body>",
        );
        assert_eq!(got.times, own(&[(Published, "2026-11-20T09:00:00+01:00")]));
    }

    #[test]
    fn first_time_of_the_article_not_of_related_lists_or_comments() {
        let got = read(
            "<main><article><h1>T</h1><time datetime=2026-11-20>x</time><p>Story</p>\
             <section class=related-stories><time datetime=2026-11-01>r</time></section>\
             <ol class=comment-list><li><time datetime=2026-11-21>c</time></li></ol>\
             <div itemscope itemtype=https://schema.org/Comment>\
             <time datetime=2026-11-22>c</time></div></article>\
             <div class=sidebar-calendar><time datetime=2026-11-05>5</time></div></main>",
        );
        assert_eq!(got.times, own(&[(Published, "2026-11-20")]));
    }

    #[test]
    fn updated_times_are_modified() {
        let got = read(
            "<article><h1>T</h1><p>Published <time datetime=2026-11-20>a</time>, \
             updated <time datetime=2026-11-21>b</time></p>\
             <time class='updated' datetime=2026-11-22>c</time></article>",
        );
        assert_eq!(
            got.times,
            own(&[
                (Published, "2026-11-20"),
                (Modified, "2026-11-21"),
                (Modified, "2026-11-22")
            ])
        );
    }

    #[test]
    fn microdata_anywhere_in_the_body() {
        let got = read(
            "<div itemscope itemtype=https://schema.org/BlogPosting><h1 itemprop=headline>T</h1>\
             <meta itemprop=datePublished content=2026-11-20>\
             <span itemprop=dateModified>2026-11-21</span>\
             <div itemprop=comment itemscope itemtype=https://schema.org/Comment>\
             <meta itemprop=datePublished content=2026-11-25></div></div>",
        );
        assert_eq!(
            got.markup,
            own(&[(Published, "2026-11-20"), (Modified, "2026-11-21")])
        );
    }

    #[test]
    fn byline_attributes_and_hatom() {
        let got = read(
            "<article class=hentry><h1>T</h1><div class=byline \
             data-published-date=2026-11-20T10:00:00Z data-id=20261120>By Ann</div>\
             <abbr class=published title=2026-11-19>Nov 19</abbr>\
             <table class='infobox vcard'><tr><td><span class='bday published'>1998-02-28</span>\
             <span class=reference-accessdate>Retrieved 2016-05-01</span></td></tr></table>\
             </article>",
        );
        assert_eq!(
            got.markup,
            own(&[
                (Published, "2026-11-20T10:00:00Z"),
                (Published, "2026-11-19")
            ])
        );
        // Outside an hentry, or in an hCard inside it, `published` is not hAtom's.
        let got = read(
            "<article><h1>T</h1><p class=vcard><span class='bday published'>1998-02-28</span>\
             <span class=reference-accessdate>Retrieved 2016-05-01</span></p></article>",
        );
        assert_eq!(got.markup, own(&[]));
        // `accessdate` is not a byline's `date` (only whole parts of a class count), and a
        // card's `published` is no byline: the one text is the headline's neighbourhood.
        assert_eq!(got.text.len(), 1, "{:?}", got.text);
    }

    #[test]
    fn text_next_to_the_headline_and_in_bylines() {
        let got = read(
            "<body><div class=masthead>Monday, 30 November 2026</div>\
             <div class=post><span class=kicker>World</span><h1>Title</h1>\
             <div class=post-meta>By Ann · 16.11.2026</div>\
             <p>A long first paragraph of the story that goes on and on, well past the length of \
             any byline, so that the text after the headline stops here. 01.01.2020</p>\
             <p>More on 02.02.2020</p></div>\
             <footer>© 2026 · 1 December 2026</footer></body>",
        );
        assert_eq!(
            got.text,
            own(&[
                (Published, "World"),
                (Published, "By Ann · 16.11.2026"),
                (Published, "By Ann · 16.11.2026")
            ])
        );
    }

    #[test]
    fn no_headline_no_article_no_dates() {
        let got = read("<div><time datetime=2026-11-20>x</time><p>3 May 2026</p></div>");
        assert_eq!(got, BodyDates::default());
    }

    #[test]
    fn wrapper_naming_a_sidebar_around_the_story_is_not_a_side_zone() {
        let got = read(
            "<div class='layout has-sidebar'><h1>T</h1><time datetime=2026-11-20>x</time>\
             <div class=sidebar><time datetime=2026-11-01>y</time></div></div>",
        );
        assert_eq!(got.times, own(&[(Published, "2026-11-20")]));
    }
}
