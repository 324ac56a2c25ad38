//! The last steps on the story's blocks: leaving out what a page puts around a story inside its
//! container (the headline and byline block above it, link lines, labels, a trailing tail of
//! tags and share prompts), deciding whether the page is an article at all, and joining the
//! blocks into the text.
//!
//! The non-article rule (a front page, a section or tag index, a search page, a page of links
//! gets an empty text): the page is not an article when its chosen container
//! 1. holds no story paragraph (100 or more characters of non-link text, at most half links), or
//! 2. is mostly links (over half of its characters), or
//! 3. is a list of teasers: three or more headlines (blocks of [`TEASER_CHARS`] characters or
//!    more that are mostly a link), and over two thirds of its prose blocks come right after
//!    one. An index is teasers, each a linked headline and its summary; a story is prose that
//!    follows prose, with perhaps a few "read more" lines or a list of links inside; or
//! 4. holds less than a third of the page's story text (outside furniture): the page's prose
//!    is spread over many places, as on a front page of sections, each with a teaser or two.
//!    A story's container holds nearly all of it (over 70% on every article of the test
//!    corpus, 6% on its front page).

use super::measure::{ends_sentence, Run};
use super::render::{Block, Kind};

/// A block that is mostly a link counts as a teaser's headline from this many characters on
/// (about four words: "Next", "Share on X" or a tag are not headlines).
pub(super) const TEASER_CHARS: u32 = 20;

/// Leaves out the non-story blocks of a container, in place.
pub(super) fn filter(blocks: &mut Vec<Block>, titles: &[String]) {
    // Link lines ("Read more: ...", a related headline) and labels ("Advertisement").
    blocks.retain(|b| {
        let r = b.run;
        let linky = r.link * 2 > r.chars && !matches!(b.kind, Kind::Row(_) | Kind::Pre);
        let label = b.kind == Kind::Para && r.link * 2 <= r.chars && is_label(&r, &b.text);
        !linky && !label
    });
    // Above the first story paragraph: the headline (an h1, or a heading repeating the title)
    // and the byline/date lines (short, not sentences).
    let first = blocks
        .iter()
        .position(|b| b.run.is_good() && is_prose(b.kind));
    if let Some(first) = first {
        let mut n = 0;
        blocks.retain(|b| {
            n += 1;
            if n > first {
                return true;
            }
            match b.kind {
                Kind::Heading(1) => false,
                Kind::Heading(_) => !is_title(&b.text, titles),
                Kind::Para => b.run.value() > 0,
                _ => true,
            }
        });
    }
    // After the last story paragraph: headings with nothing after them, short paragraphs that
    // are not sentences (tags, "Share this", credits).
    while let Some(b) = blocks.last() {
        if b.run.is_good() && is_prose(b.kind) {
            break;
        }
        // A list, table or code the story ends with stays, however short its lines.
        let tail =
            matches!(b.kind, Kind::Heading(_)) || (b.kind == Kind::Para && b.run.value() <= 0);
        if !tail {
            break;
        }
        blocks.pop();
    }
}

/// Paragraph-like blocks (not a table row, not code).
fn is_prose(kind: Kind) -> bool {
    matches!(kind, Kind::Para | Kind::Item(..))
}

/// A short line that is not a sentence: a label such as "Advertisement" or "Photo".
fn is_label(run: &Run, text: &str) -> bool {
    run.chars < 30 && !ends_sentence(run.last) && text.split_whitespace().count() <= 3
}

/// Whether a heading repeats the page's title (the headline).
fn is_title(heading: &str, titles: &[String]) -> bool {
    let h = normalize(heading);
    !h.is_empty()
        && titles.iter().any(|t| {
            let t = normalize(t);
            !t.is_empty() && (t == h || (h.len() * 2 >= t.len() && t.contains(&h)))
        })
}

/// Lowercase alphanumerics only, for comparing titles.
pub(super) fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether the container's blocks make an article (the module's rule).
pub(super) fn is_article(
    blocks: &[Block],
    container: &Run,
    container_story: u32,
    page_story: u32,
) -> bool {
    if container.is_linky() || !blocks.iter().any(|b| b.run.is_good()) {
        return false;
    }
    if u64::from(container_story) * 3 < u64::from(page_story) {
        return false;
    }
    let is_headline = |b: &Block| {
        b.run.is_linky()
            && b.run.chars >= TEASER_CHARS
            && !matches!(b.kind, Kind::Row(_) | Kind::Pre)
    };
    let teasers = blocks.iter().filter(|b| is_headline(b)).count();
    let mut prose = 0usize;
    let mut after_headline = 0usize;
    let mut prev: Option<&Block> = None;
    for b in blocks {
        if !b.run.is_linky() && b.run.value() > 0 {
            prose += 1;
            if prev.is_some_and(is_headline) {
                after_headline += 1;
            }
        }
        prev = Some(b);
    }
    !(teasers >= 3 && after_headline * 3 > prose * 2)
}

/// Joins the blocks: one blank line between blocks, one newline between the items of a list
/// or the rows of a table; in Markdown with heading, list, quote, table and fence syntax.
pub(super) fn join(blocks: &[Block], markdown: bool) -> String {
    let mut out = String::with_capacity(blocks.iter().map(|b| b.text.len() + 4).sum());
    let mut prev: Option<&Block> = None;
    let mut header_done = 0u32;
    for b in blocks {
        if let Some(p) = prev {
            let same_group = b.group != 0 && p.group == b.group;
            if same_group {
                out.push('\n');
            } else {
                out.push('\n');
                if markdown && p.quote > 0 && b.quote > 0 {
                    push_quote(&mut out, p.quote.min(b.quote));
                    let l = out.trim_end_matches(' ').len();
                    out.truncate(l);
                }
                out.push('\n');
            }
        }
        if !markdown {
            out.push_str(&b.text);
            prev = Some(b);
            continue;
        }
        let mut body = String::new();
        match b.kind {
            Kind::Heading(level) => {
                body.push_str(&"#".repeat(level as usize));
                body.push(' ');
                body.push_str(&b.text);
            }
            Kind::Item(depth, number) => {
                body.push_str(&"  ".repeat(depth.saturating_sub(1) as usize));
                match number {
                    Some(n) => body.push_str(&format!("{n}. ")),
                    None => body.push_str("- "),
                }
                body.push_str(&b.text);
            }
            Kind::Row(cells) => {
                body.push_str("| ");
                body.push_str(&b.text);
                body.push_str(" |");
                if header_done != b.group {
                    header_done = b.group;
                    body.push('\n');
                    body.push('|');
                    for _ in 0..cells.max(1) {
                        body.push_str(" --- |");
                    }
                }
            }
            Kind::Pre => {
                body.push_str("```\n");
                body.push_str(&b.text);
                body.push_str("\n```");
            }
            Kind::Para => body.push_str(&b.text),
        }
        if b.quote > 0 {
            for (i, line) in body.split('\n').enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                push_quote(&mut out, b.quote);
                out.push_str(line);
            }
        } else {
            out.push_str(&body);
        }
        prev = Some(b);
    }
    out
}

fn push_quote(out: &mut String, depth: u8) {
    for _ in 0..depth {
        out.push_str("> ");
    }
}
