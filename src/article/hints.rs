//! What an element is, judged from its tag and its attributes alone: whether it is never content
//! (scripts, media, navigation, forms' controls), whether its class, id, role or data attributes
//! say it is a site's furniture (navigation, sidebars, related lists, share and subscribe
//! widgets, consent banners, ads, comments, bylines), and how its text flows (a block that
//! starts a new paragraph, or inline text).
//!
//! Invariant: these rules look at one element only; whether a flagged element is really dropped
//! is decided by the caller (`measure`), which may overrule a class name that would hide most of
//! the page's text.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// How an element's content takes part in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    /// Never content: not descended at all (script, style, media, form controls, ...).
    Skip,
    /// Site furniture by its tag (nav, header, footer, aside).
    Furniture,
    /// Starts and ends a paragraph (p, div, section, li, ...).
    Block,
    /// A heading, `h1`..`h6`.
    Heading(u8),
    /// `ul` (false) or `ol` (true).
    List(bool),
    /// `li`
    Item,
    /// `blockquote`
    Quote,
    /// `pre`
    Pre,
    /// `table`
    Table,
    /// `tr`
    Row,
    /// `td`, `th`
    Cell,
    /// `br`
    Br,
    /// `a`
    Link,
    /// `em`, `i`, `cite`: Markdown `*`.
    Em,
    /// `strong`, `b`: Markdown `**`.
    Strong,
    /// `code`, `kbd`, `samp` outside `pre`: Markdown backticks.
    Code,
    /// Everything else: its text flows into the surrounding paragraph.
    Inline,
}

/// The role of an element by its (lowercase) tag name.
pub(super) fn tag(name: &str) -> Tag {
    match name {
        "p" | "div" | "section" | "article" | "main" | "body" | "html" | "center" | "address"
        | "figure" | "dl" | "dt" | "dd" | "details" | "summary" | "fieldset" | "form"
        | "hgroup" | "hr" | "tbody" | "thead" | "tfoot" | "caption" | "header-content" => {
            Tag::Block
        }
        "h1" => Tag::Heading(1),
        "h2" => Tag::Heading(2),
        "h3" => Tag::Heading(3),
        "h4" => Tag::Heading(4),
        "h5" => Tag::Heading(5),
        "h6" => Tag::Heading(6),
        "ul" | "menu" => Tag::List(false),
        "ol" => Tag::List(true),
        "li" => Tag::Item,
        "blockquote" => Tag::Quote,
        "pre" | "listing" | "xmp" | "plaintext" => Tag::Pre,
        "table" => Tag::Table,
        "tr" => Tag::Row,
        "td" | "th" => Tag::Cell,
        "br" => Tag::Br,
        "a" => Tag::Link,
        "em" | "i" | "cite" | "dfn" => Tag::Em,
        "strong" | "b" => Tag::Strong,
        "code" | "kbd" | "samp" | "tt" => Tag::Code,
        "nav" | "header" | "footer" | "aside" => Tag::Furniture,
        "script" | "style" | "noscript" | "template" | "svg" | "math" | "iframe" | "object"
        | "embed" | "canvas" | "video" | "audio" | "picture" | "img" | "source" | "track"
        | "map" | "area" | "select" | "option" | "optgroup" | "button" | "input" | "textarea"
        | "label" | "dialog" | "head" | "title" | "meta" | "link" | "base" | "figcaption"
        | "noembed" | "noframes" | "frameset" | "frame" | "datalist" | "output" | "progress"
        | "meter" | "slot" | "portal" | "rp" => Tag::Skip,
        _ => Tag::Inline,
    }
}

/// Whole words (of a class, id or data attribute, split at non-alphanumerics and at camelCase
/// humps) that name site furniture wherever they appear.
const FURNITURE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "adv",
    "advert",
    "adverts",
    "advertisement",
    "advertising",
    "adslot",
    "adunit",
    // The newsroom chart tool's export: a chart's labels as positioned text over its picture
    // (one artboard per screen size, so each label twice), part of the graphic, not prose.
    "ai2html",
    "aside",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "disclaimer",
    "footer",
    "gdpr",
    "menu",
    "nav",
    "navbar",
    "navigation",
    "newsletter",
    "outbrain",
    "pagination",
    "pager",
    "paywall",
    "popular",
    "popup",
    "promo",
    "promos",
    "promotion",
    "recirc",
    "recirculation",
    "recommended",
    "recommendations",
    "related",
    "replies",
    "reply",
    "respond",
    "share",
    "sharing",
    "sharebar",
    "sidebar",
    "signup",
    "social",
    "sponsor",
    "sponsored",
    "subscribe",
    "subscription",
    "taboola",
    "tagcloud",
    "trending",
];

/// The furniture words that name readers' comments (see [`Verdict::comments`]): whole words
/// only (`comment-list`, `comments_area`), not a stem inside a word (`commented`, a post's
/// state).
const COMMENT_WORDS: &[&str] = &["comment", "comments", "replies", "reply", "respond"];

/// Whole words that name furniture only on an element that is not marked up as the story's own
/// (`<article class="post author-jane">` is the story; `<div class="entry-meta">` is not):
/// bylines, captions, headers, widgets.
const WEAK_FURNITURE_WORDS: &[&str] = &[
    "author",
    "authors",
    "banner",
    "byline",
    "bylines",
    "caption",
    "captions",
    "credit",
    "credits",
    "dateline",
    "header",
    "hidden",
    "hide",
    "masthead",
    "meta",
    "modal",
    "rail",
    "skip",
    "tags",
    "timestamp",
    "toolbar",
    "widget",
    "widgets",
];

/// Stems that name furniture wherever they appear inside a word (`sharebuttons`,
/// `relatedarticles`, `commentlist`): long and specific enough not to occur in content names.
const FURNITURE_STEMS: &[&str] = &[
    "advertis",
    "breadcrumb",
    "comment",
    "cookie",
    "disqus",
    "masthead",
    "mostread",
    "mostpopular",
    "newsletter",
    "outbrain",
    "related",
    "sidebar",
    "sharing",
    "socialmedia",
    "sponsor",
    "taboola",
];

/// Whether the element's attributes say it is furniture or hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Verdict {
    /// Hidden from readers (`hidden`, `aria-hidden`, `display:none`): never content.
    pub hidden: bool,
    /// Named or given a role as furniture.
    pub furniture: bool,
    /// Named with a weak furniture word only (see [`WEAK_FURNITURE_WORDS`]).
    pub weak: bool,
    /// Marked up as the story's body (`itemprop="articleBody"`).
    pub article_body: bool,
    /// Named for readers' comments (the whole word `comments`, `reply`, ...). A comment section is
    /// where the longest paragraphs of many pages sit, so, unlike other furniture, its size
    /// never makes it the story (see `measure`).
    pub comments: bool,
}

/// What each distinct class-like attribute value (`class`, `id`, `data-component`, ...) says,
/// judged once per page: a page repeats the same few values on hundreds of elements (every
/// teaser, every list item), and judging a value's words and stems is most of the scorer's work
/// per element.
#[derive(Default)]
pub(super) struct NameMemo<'a> {
    judged: HashMap<&'a str, Verdict, foldhash::fast::RandomState>,
}

impl<'a> NameMemo<'a> {
    /// What the words of one attribute value say (`furniture`, `weak`, `comments`).
    fn judge(&mut self, value: &'a str) -> Verdict {
        *self.judged.entry(value).or_insert_with(|| {
            let mut v = Verdict::default();
            words(value, &mut v);
            v
        })
    }
}

/// Judges one element by its attributes (`memo` keeps the page's judged names).
pub(super) fn verdict<'a>(el: &'a scraper::node::Element, memo: &mut NameMemo<'a>) -> Verdict {
    let mut v = Verdict::default();
    for (name, value) in el.attrs() {
        match name {
            "hidden" => v.hidden = true,
            "aria-hidden" if value.eq_ignore_ascii_case("true") => v.hidden = true,
            "style" if hides(value) => v.hidden = true,
            "role" => {
                let r = value.trim().to_ascii_lowercase();
                if matches!(
                    r.as_str(),
                    "navigation"
                        | "banner"
                        | "contentinfo"
                        | "complementary"
                        | "menu"
                        | "menubar"
                        | "search"
                        | "dialog"
                        | "alertdialog"
                        | "tablist"
                ) {
                    v.furniture = true;
                }
            }
            "itemprop" => {
                let p = value.to_ascii_lowercase();
                if p.split_ascii_whitespace()
                    .any(|w| matches!(w, "author" | "publisher" | "comment"))
                {
                    v.furniture = true;
                }
                if p.split_ascii_whitespace().any(|w| w == "articlebody") {
                    v.article_body = true;
                }
            }
            "class" | "id" | "data-component" | "data-testid" | "data-module" => {
                let named = memo.judge(value);
                v.furniture |= named.furniture;
                v.weak |= named.weak;
                v.comments |= named.comments;
            }
            _ => {}
        }
    }
    v
}

impl Verdict {
    /// Whether an element named `tag` with this verdict is furniture: a strong word always, a
    /// weak word only on an element not marked up as the story's own (`article`, `main`,
    /// `itemprop="articleBody"`).
    pub(super) fn is_furniture(&self, tag: &str) -> bool {
        self.furniture || (self.weak && !self.article_body && !matches!(tag, "article" | "main"))
    }
}

/// Whether an inline style hides the element.
fn hides(style: &str) -> bool {
    // Most inline styles say neither word: decided without allocating.
    let has = |word: &[u8]| {
        style
            .as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    if !has(b"none") && !has(b"hidden") {
        return false;
    }
    let lower = style.to_ascii_lowercase();
    let s: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    s.contains("display:none") || s.contains("visibility:hidden")
}

/// A short ASCII word built without allocating; longer words keep their first bytes (every
/// listed word and stem is far shorter).
struct Buf {
    bytes: [u8; 64],
    len: usize,
}

impl Buf {
    fn new() -> Self {
        Buf {
            bytes: [0; 64],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        if self.len < self.bytes.len() {
            self.bytes[self.len] = b;
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// Calls `f` with each word of one class name (split at non-alphanumerics and camelCase humps,
/// lowercased).
fn each_word(name: &str, mut f: impl FnMut(&str)) {
    let mut word = Buf::new();
    let mut prev_lower = false;
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() {
            if b.is_ascii_uppercase() && prev_lower {
                f(word.as_str());
                word.len = 0;
            }
            prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
            word.push(b.to_ascii_lowercase());
        } else {
            f(word.as_str());
            word.len = 0;
            prev_lower = false;
        }
    }
    f(word.as_str());
}

/// Screen sizes in responsive utility classes (`hidden-xs`, `d-md-none`, `md:block`).
const BREAKPOINTS: &[&str] = &[
    "xs", "sm", "md", "lg", "xl", "xxl", "mobile", "tablet", "desktop", "print",
];

/// What one word of a class name is, as bits: looked up once per word in [`WORD_KINDS`].
const FURNITURE: u8 = 1;
const COMMENT: u8 = 2;
const WEAK: u8 = 4;
const BREAKPOINT: u8 = 8;
/// `hidden`, `hide`: weak, unless the name is sized for one screen (see [`words`]).
const HIDING: u8 = 16;

/// Every listed word with its kinds: one hash lookup per word of a class name instead of a scan
/// of each list (judging class names is most of the scorer's work on a page).
static WORD_KINDS: LazyLock<HashMap<&'static str, u8, foldhash::fast::FixedState>> =
    LazyLock::new(|| {
        let mut kinds: HashMap<&'static str, u8, foldhash::fast::FixedState> = HashMap::default();
        let lists = [
            (FURNITURE_WORDS, FURNITURE),
            (COMMENT_WORDS, COMMENT),
            (WEAK_FURNITURE_WORDS, WEAK),
            (BREAKPOINTS, BREAKPOINT),
            (&["hidden", "hide"][..], HIDING),
        ];
        for (list, kind) in lists {
            for word in list {
                *kinds.entry(*word).or_default() |= kind;
            }
        }
        kinds
    });

/// [`FURNITURE_STEMS`] as one automaton: a class name is searched once for all of them.
static STEMS: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(FURNITURE_STEMS).ok());

/// Checks the words of a class/id value. A `hidden`/`hide` that only hides at one screen size
/// (`hidden-xs`, or `hidden` beside a Tailwind `md:block`) does not count: the element is
/// shown to a desktop reader.
fn words(value: &str, v: &mut Verdict) {
    let responsive_attr = value.split_ascii_whitespace().any(|c| c.contains(':'));
    for name in value.split_ascii_whitespace() {
        // WordPress's `post_class()` states of the post itself, on the post's own `<article>`:
        // whether it takes comments, not a comment section.
        if matches!(
            name,
            "comments-open" | "comments-closed" | "pings-open" | "pings-closed"
        ) {
            continue;
        }
        // The kinds of all its words; a weak word other than `hidden`/`hide` apart, since
        // whether those count depends on the name's other words.
        let (mut seen, mut weak_other) = (0u8, false);
        each_word(name, |w| {
            if let Some(&kinds) = WORD_KINDS.get(w) {
                seen |= kinds;
                weak_other |= kinds & WEAK != 0 && kinds & HIDING == 0;
            }
        });
        let sized = responsive_attr || seen & BREAKPOINT != 0;
        if seen & FURNITURE != 0 {
            v.furniture = true;
            v.comments |= seen & COMMENT != 0;
        }
        if weak_other || (seen & HIDING != 0 && !sized) {
            v.weak = true;
        }
        let mut joined = Buf::new();
        for &b in name.as_bytes() {
            if b.is_ascii_alphanumeric() {
                joined.push(b.to_ascii_lowercase());
            }
        }
        check_stems(joined.as_str(), v);
    }
}

/// `joined` is one class name with its separators removed (`share-bar` → `sharebar`).
fn check_stems(joined: &str, v: &mut Verdict) {
    if joined.is_empty() {
        return;
    }
    let stem = match &*STEMS {
        Some(stems) => stems.is_match(joined),
        None => FURNITURE_STEMS.iter().any(|s| joined.contains(s)),
    };
    if stem && !joined.contains("commentary") {
        v.furniture = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(html: &str) -> Verdict {
        let doc = scraper::Html::parse_fragment(html);
        let el = doc
            .root_element()
            .child_elements()
            .next()
            .unwrap_or_else(|| panic!("no element in {html}"));
        verdict(el.value(), &mut NameMemo::default())
    }

    #[test]
    fn whole_words_and_stems() {
        assert!(judge("<div class='ad'>").furniture);
        assert!(judge("<div class='top-ad-slot'>").furniture);
        assert!(
            !judge("<div class='headline'>").furniture,
            "ad inside a word"
        );
        assert!(!judge("<div class='shadow download'>").furniture);
        assert!(
            judge("<div class='shareButtons'>").furniture,
            "camelCase hump"
        );
        assert!(
            judge("<div id='relatedarticles'>").furniture,
            "stem inside a word"
        );
        assert!(judge("<div class='site-header'>").is_furniture("div"));
        assert!(judge("<div class='article-header'>").is_furniture("div"));
        assert!(!judge("<article class='post author-jane'>").is_furniture("article"));
        assert!(judge("<div class='entry-meta x'>").weak);
        assert!(!judge("<div class='theader-x'>").is_furniture("div"));
        assert!(!judge("<div class='commentary'>").furniture);
        assert!(judge("<div class='x hidden'>").weak);
        assert!(
            !judge("<div class='story hidden-xs'>").weak,
            "hidden on phones only"
        );
        assert!(
            !judge("<div class='hidden md:block'>").weak,
            "Tailwind: shown from md up"
        );
        assert!(
            judge("<div class='byline-hidden-md'>").weak,
            "another weak word beside a sized hidden"
        );
        assert!(judge("<div class='hide-comments'>").comments);
        assert!(!judge("<div class='share-hidden-xs'>").weak);
        assert!(judge("<div class='share-hidden-xs'>").furniture);
        assert!(judge("<div class='cookie-consent'>").furniture);
        assert!(judge("<div data-component='related-links'>").furniture);
        assert!(judge("<div class='main-content has-sidebar'>").is_furniture("div"));
        assert!(!judge("<div class='meta' itemprop='articleBody'>").is_furniture("div"));
    }

    #[test]
    fn roles_and_hiding() {
        assert!(judge("<div role='navigation'>").furniture);
        assert!(!judge("<div role='main'>").furniture);
        assert!(judge("<div aria-hidden='true'>").hidden);
        assert!(judge("<div style='display: none'>").hidden);
        assert!(judge("<p hidden>").hidden);
        assert!(!judge("<p style='color:red'>").hidden);
    }
}
