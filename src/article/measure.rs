//! One pass over the DOM that measures every element (its text, its link text, and a score that
//! says how much story-like text it holds) and finds the story's container: the element whose
//! paragraphs add the most story-like text for the least boilerplate.
//!
//! Elements are numbered in document (pre-)order; the renderer walks the same order and uses
//! the numbers to find each element's verdict, so the two walks must visit exactly the same
//! elements: both descend into every element that is not [`Tag::Skip`] up to [`MAX_DEPTH`].
//!
//! A paragraph (the inline text of a block element) scores by how a story's text looks:
//! - mostly links (over half its characters), headings too: minus twice its length (menus, link
//!   lists, teasers' headlines);
//! - 100 characters or more of non-link text: plus that length less [`PARAGRAPH_COST`] (a
//!   story's paragraph; the cost makes a teaser, a linked headline and a short summary, weigh
//!   less than nothing, so a container does not grow to take in lists of teasers);
//! - shorter, ending like a sentence: plus half its length; otherwise minus half (labels such as
//!   "Advertisement", "Share", "Photo: Agency");
//! - other headings: zero.
//!
//! An element's score is the sum over the paragraphs inside it, so the best container is the
//! one that takes in all of the story and as little else as possible; ties go to the deepest.

use scraper::{ElementRef, Node};

use super::hints::{self, Tag};

/// Elements nested deeper than this are left out (their text too): it bounds the recursion on
/// pathological markup; no real page nests its text this deep.
pub(super) const MAX_DEPTH: u32 = 512;

/// A paragraph of this many non-link characters counts as story text.
pub(super) const GOOD_CHARS: u32 = 100;

/// What a story paragraph costs before it adds to its container's score (see the header).
pub(super) const PARAGRAPH_COST: i32 = 50;

/// Inline text measured so far (of a paragraph, or of an inline element).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Run {
    /// Non-whitespace characters.
    pub chars: u32,
    /// Of which inside links.
    pub link: u32,
    /// The last non-whitespace character.
    pub last: char,
}

impl Run {
    fn add(&mut self, other: Run) {
        self.chars += other.chars;
        self.link += other.link;
        if other.chars > 0 {
            self.last = other.last;
        }
    }

    pub(super) fn add_text(&mut self, text: &str, in_link: bool) {
        let mut n = 0;
        if text.is_ascii() {
            // Most text: a byte is a character of weight 1, whitespace as `char::is_whitespace`
            // says for ASCII (space, \t, \n, \x0b, \x0c, \r).
            for &b in text.as_bytes() {
                if !matches!(b, b' ' | b'\t'..=b'\r') {
                    n += 1;
                    self.last = b as char;
                }
            }
        } else {
            n = self.add_chars(text);
        }
        self.chars += n;
        if in_link {
            self.link += n;
        }
    }

    /// [`Run::add_text`] for text with non-ASCII characters: their count, by [`weight`].
    fn add_chars(&mut self, text: &str) -> u32 {
        let mut n = 0;
        for c in text.chars() {
            if !c.is_whitespace() {
                n += weight(c);
                self.last = c;
            }
        }
        n
    }

    /// The score of a paragraph with this text (see the module's header).
    pub(super) fn value(&self) -> i32 {
        if self.chars == 0 {
            return 0;
        }
        let own = (self.chars - self.link) as i32;
        if self.is_linky() {
            -2 * self.chars as i32
        } else if own >= GOOD_CHARS as i32 {
            own - PARAGRAPH_COST
        } else if ends_sentence(self.last) {
            own / 2
        } else {
            -own / 2
        }
    }

    /// Whether over half of the text is links.
    pub(super) fn is_linky(&self) -> bool {
        self.link * 2 > self.chars
    }

    /// Whether this paragraph is story text (the positive, long case of [`Run::value`]).
    pub(super) fn is_good(&self) -> bool {
        self.link * 2 <= self.chars && self.chars - self.link >= GOOD_CHARS
    }
}

/// How many characters of text `c` counts for: 3 for a Chinese or Japanese character (one
/// carries about what a word of five letters does, so a 40-character Chinese sentence is as
/// much text as a 120-letter English one), 1 otherwise. Thresholds such as [`GOOD_CHARS`] are
/// in these units.
fn weight(c: char) -> u32 {
    match c {
        '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' => 3,
        _ => 1,
    }
}

/// Whether `c` ends a sentence (or a quoted sentence) in the scripts news is written in.
pub(super) fn ends_sentence(c: char) -> bool {
    matches!(
        c,
        '.' | '!'
            | '?'
            | '…'
            | '"'
            | '”'
            | '’'
            | '»'
            | '。'
            | '！'
            | '？'
            | '」'
            | '』'
            | ')'
            | ':'
    )
}

/// What the measuring pass knows about one element.
#[derive(Debug, Clone, Copy)]
pub(super) struct Item<'a> {
    pub el: ElementRef<'a>,
    /// The number after this element's last descendant.
    pub end: u32,
    pub tag: Tag,
    /// Left out with its whole subtree.
    pub dropped: bool,
    /// Dropped for its class/id/role (not for its tag, being hidden or being named for
    /// comments): can be overruled.
    pub by_name: bool,
    /// The sum of the scores of the paragraphs inside (dropped subtrees excluded).
    pub score: i32,
    /// All text inside (dropped subtrees excluded).
    pub text: Run,
    /// Non-link characters in story paragraphs inside (dropped subtrees excluded).
    pub good: u32,
    /// Marked up as the story by its author: `<article>` or `itemprop="articleBody"`.
    pub marked: bool,
    /// Non-link characters in story paragraphs inside, counting dropped subtrees too.
    pub good_all: u32,
    /// Its children were not measured (a [`Tag::Skip`], or nested past [`MAX_DEPTH`]): the
    /// renderer leaves it out too.
    pub cut: bool,
    /// Whether a `p`, heading, list, quote, `pre` or table is inside (a `table` with one is for
    /// layout).
    pub has_blocks: bool,
}

/// The measured document.
pub(super) struct Measured<'a> {
    pub items: Vec<Item<'a>>,
    /// `<title>` text.
    pub title: String,
    /// `og:title` / `twitter:title` content.
    pub og_title: String,
    /// `<base href>`.
    pub base: Option<String>,
    /// The page's class names, each judged once.
    names: hints::NameMemo<'a>,
}

/// Measures `root` and everything in it.
pub(super) fn measure<'a>(root: ElementRef<'a>) -> Measured<'a> {
    let mut m = Measured {
        items: Vec::with_capacity(1024),
        title: String::new(),
        og_title: String::new(),
        base: None,
        names: hints::NameMemo::default(),
    };
    walk(&mut m, root, 0, false);
    // A class name must not hide most of the story: if a dropped-by-name element holds over half
    // of the page's story text (a `<body class="has-header">`, a `<div class="article
    // with-sidebar">`), it is kept, and the page measured again. Not a section named for
    // comments: there, many readers' long paragraphs can outweigh a story of short lines.
    let total = m.items.first().map_or(0, |i| i.good_all);
    let keep: Vec<u32> = m
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.by_name && i.good_all * 2 > total && total > 0)
        .map(|(n, _)| n as u32)
        .collect();
    if !keep.is_empty() {
        let mut again = Measured {
            items: Vec::with_capacity(m.items.len()),
            title: std::mem::take(&mut m.title),
            og_title: std::mem::take(&mut m.og_title),
            base: m.base.take(),
            names: std::mem::take(&mut m.names),
        };
        let mut keep = keep.into_iter().peekable();
        walk_keeping(&mut again, root, 0, false, &mut keep);
        return again;
    }
    m
}

fn walk<'a>(m: &mut Measured<'a>, el: ElementRef<'a>, depth: u32, in_link: bool) -> Run {
    walk_keeping(
        m,
        el,
        depth,
        in_link,
        &mut std::iter::empty::<u32>().peekable(),
    )
}

/// Measures `el` (numbered `m.items.len()`), returning the inline text that flows into its
/// parent's paragraph. Elements whose number `keep` yields are not dropped by name.
fn walk_keeping<'a, K: Iterator<Item = u32>>(
    m: &mut Measured<'a>,
    el: ElementRef<'a>,
    depth: u32,
    in_link: bool,
    keep: &mut std::iter::Peekable<K>,
) -> Run {
    let idx = m.items.len() as u32;
    let e = el.value();
    let name = e.name();
    let tag = hints::tag(name);
    let v = hints::verdict(e, &mut m.names);
    let kept = keep.peek() == Some(&idx);
    if kept {
        keep.next();
    }
    let by_name = v.is_furniture(name) && !kept && !matches!(name, "html" | "body");
    let dropped = tag == Tag::Skip || tag == Tag::Furniture || v.hidden || by_name;
    m.items.push(Item {
        el,
        end: idx + 1,
        tag,
        dropped,
        by_name: by_name && !v.hidden && !v.comments && tag != Tag::Skip && tag != Tag::Furniture,
        score: 0,
        text: Run::default(),
        good: 0,
        marked: name == "article" || v.article_body,
        good_all: 0,
        cut: true,
        has_blocks: false,
    });
    if tag == Tag::Skip || depth >= MAX_DEPTH {
        if name == "head" {
            for c in el.child_elements() {
                head_facts(m, c.value().name(), c);
            }
        }
        return Run::default();
    }
    let in_link = in_link || tag == Tag::Link;
    let mut own = Run::default(); // this element's inline text (for inline elements: all of it)
    let mut score = 0i32;
    // All text inside, summed bottom-up (own text nodes and every kept child's total).
    let mut text = Run::default();
    let mut good = 0u32;
    let mut good_all = 0u32;
    let mut has_blocks = false;
    for child in el.children() {
        match child.value() {
            Node::Text(t) => {
                let mut r = Run::default();
                r.add_text(t, in_link);
                own.add(r);
                text.add(r);
            }
            Node::Element(_) => {
                let Some(c) = ElementRef::wrap(child) else {
                    continue;
                };
                let cidx = m.items.len();
                let r = walk_keeping(m, c, depth + 1, in_link, keep);
                let ci = m.items[cidx];
                good_all += ci.good_all;
                if ci.dropped {
                    continue;
                }
                own.add(r);
                text.add(ci.text);
                score += ci.score;
                good += ci.good;
                has_blocks |= ci.has_blocks
                    || matches!(
                        ci.tag,
                        Tag::Heading(_) | Tag::List(_) | Tag::Table | Tag::Pre | Tag::Quote
                    )
                    || ci.el.value().name() == "p";
            }
            _ => {}
        }
    }
    let end = m.items.len() as u32;
    let block = !is_inline(tag);
    let out = if block {
        if matches!(tag, Tag::Heading(_)) {
            if own.is_linky() {
                score += own.value();
            }
        } else {
            score += own.value();
            if own.is_good() {
                good += own.chars - own.link;
                good_all += own.chars - own.link;
            }
        }
        Run::default()
    } else {
        own
    };
    let item = &mut m.items[idx as usize];
    item.end = end;
    item.score = score;
    item.text = text;
    item.good = good;
    item.good_all = good_all;
    item.has_blocks = has_blocks;
    item.cut = false;
    out
}

fn is_inline(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::Inline | Tag::Link | Tag::Em | Tag::Strong | Tag::Code | Tag::Br
    )
}

/// Collects the head's facts the later steps need (title, og:title, base).
fn head_facts(m: &mut Measured<'_>, name: &str, el: ElementRef<'_>) {
    match name {
        "title" if m.title.is_empty() => m.title = el.text().collect(),
        "meta" if m.og_title.is_empty() => {
            let p = el
                .attr("property")
                .or_else(|| el.attr("name"))
                .unwrap_or("");
            if p.eq_ignore_ascii_case("og:title") || p.eq_ignore_ascii_case("twitter:title") {
                m.og_title = el.attr("content").unwrap_or("").to_string();
            }
        }
        "base" if m.base.is_none() => m.base = el.attr("href").map(str::to_string),
        _ => {}
    }
}

/// The number of the story's container: of the non-dropped container elements with a story
/// paragraph inside, the one with the highest score (the deepest on ties); `None` when no
/// element holds a story paragraph.
pub(super) fn container(items: &[Item<'_>]) -> Option<usize> {
    let mut best: Option<(usize, i32)> = None;
    let mut i = 0;
    while i < items.len() {
        let it = &items[i];
        if it.dropped {
            i = it.end as usize;
            continue;
        }
        if is_container(it) && it.good > 0 && best.is_none_or(|(_, s)| it.score >= s) {
            best = Some((i, it.score));
        }
        i += 1;
    }
    let (best, _) = best?;
    // The page's own markup wins over a wider element when it holds most of the story: of the
    // `<article>` / `itemprop="articleBody"` elements inside holding at least
    // [`MARKED_SHARE`] of the container's story text, the deepest (they nest, each holding
    // over half). A live blog's or an index's many small `<article>`s hold too little.
    let end = items[best].end as usize;
    let need = (items[best].good as u64 * MARKED_SHARE.0) / MARKED_SHARE.1;
    let mut chosen = best;
    let mut i = best + 1;
    while i < end {
        let it = &items[i];
        if it.dropped {
            i = it.end as usize;
            continue;
        }
        if it.marked && it.good as u64 >= need && it.good > 0 {
            chosen = i;
        }
        i += 1;
    }
    Some(chosen)
}

/// The share of the container's story text (numerator, denominator) that an element marked up
/// as the story must hold to be taken instead of the container.
const MARKED_SHARE: (u64, u64) = (3, 5);

/// Elements that can hold a story: not paragraphs, headings or inline elements.
fn is_container(it: &Item<'_>) -> bool {
    match it.tag {
        Tag::Block | Tag::Quote | Tag::Cell | Tag::Inline => {
            !matches!(it.el.value().name(), "p" | "dt" | "dd" | "summary" | "hr")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Run;

    fn run(text: &str) -> Run {
        let mut r = Run::default();
        r.add_text(text, false);
        r
    }

    #[test]
    fn ascii_and_other_text_count_alike() {
        // Every ASCII whitespace `char::is_whitespace` knows (tab to carriage return, space) is
        // skipped; the last non-whitespace character is kept.
        let r = run(" a\tb\u{0B}c\u{0C}d\r\ne. \n");
        assert_eq!((r.chars, r.last), (6, '.'));
        // Non-ASCII: a no-break space is whitespace, a Chinese character weighs 3.
        let r = run("é\u{A0}日本 x\u{3000}");
        assert_eq!((r.chars, r.last), (1 + 3 + 3 + 1, 'x'));
        let mut r = run("word");
        r.add_text("  \n", true);
        assert_eq!((r.chars, r.link, r.last), (4, 0, 'd'));
    }
}
