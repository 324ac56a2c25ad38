//! Turns the story's container into blocks of text in document order: paragraphs, headings,
//! list items, table rows and preformatted text, each with the inline text measured again
//! (characters, link characters, last character) for the filters that follow.
//!
//! Inside a block, whitespace is collapsed to single spaces (`<pre>` keeps its own); one `<br>`
//! is a line break, two in a row end the paragraph. In Markdown, emphasis, code and links are
//! written around their text lazily: a marker is written only once its element's first visible
//! character is, so empty elements leave nothing and spaces stay outside the markers
//! (`a <em> b </em>c` → `a *b* c`).
//!
//! Invariant: the walk numbers elements exactly as `measure` did (document order, not entering
//! cut subtrees), so `items[n]` is the verdict of the n-th element met here.

use scraper::{ElementRef, Node};
use url::Url;

use super::hints::Tag;
use super::measure::{Item, Run};

/// Characters that are not text: soft hyphens (a hint where to break `Vladi\u{ad}mir`),
/// zero-width spaces, word joiners and stray byte-order marks. Left out of words.
const INVISIBLE: [char; 4] = ['\u{ad}', '\u{200b}', '\u{2060}', '\u{feff}'];

/// What kind of block a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Para,
    Heading(u8),
    /// A list item: nesting depth (1 = top level) and its number in an `ol`.
    Item(u8, Option<u32>),
    /// A table row and its number of cells.
    Row(u32),
    Pre,
}

/// One block of the text.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub text: String,
    pub kind: Kind,
    /// Blocks of one list or one table share a group (joined by one newline); 0 is no group.
    pub group: u32,
    /// Block-quote nesting.
    pub quote: u8,
    pub run: Run,
}

/// An inline Markdown marker pair, written lazily.
struct Frame {
    open: &'static str,
    close: String,
    written: bool,
}

/// Renders the subtree of `items[start]`.
pub(super) fn render(items: &[Item<'_>], start: usize, markdown: bool, base: &Url) -> Vec<Block> {
    let mut r = Renderer {
        items,
        next: start,
        md: markdown,
        base,
        blocks: Vec::new(),
        cur: String::new(),
        run: Run::default(),
        space: false,
        br: false,
        line: false,
        kind: Kind::Para,
        frames: Vec::new(),
        quote: 0,
        group: 0,
        groups: 0,
        depth: 0,
        pre: 0,
        link: 0,
        row: None,
        tables: Vec::new(),
    };
    if let Some(it) = items.get(start) {
        r.element(it.el);
    }
    r.flush();
    r.blocks
}

struct Renderer<'i, 'a> {
    items: &'i [Item<'a>],
    next: usize,
    md: bool,
    base: &'i Url,
    blocks: Vec<Block>,
    cur: String,
    run: Run,
    /// A space is due before the next visible character.
    space: bool,
    /// A `<br>` came and no visible character since.
    br: bool,
    /// A line break is due before the next visible character.
    line: bool,
    kind: Kind,
    frames: Vec<Frame>,
    quote: u8,
    group: u32,
    groups: u32,
    /// List nesting.
    depth: u8,
    pre: u32,
    link: u32,
    /// In a data table's row: cells so far.
    row: Option<u32>,
    /// The tables we are in, innermost last: whether each is for layout (holds blocks).
    tables: Vec<bool>,
}

impl Renderer<'_, '_> {
    fn element(&mut self, el: ElementRef<'_>) {
        let n = self.next;
        let Some(it) = self.items.get(n) else {
            return;
        };
        self.next = it.end as usize;
        if it.dropped || it.cut {
            return;
        }
        // Descend in document order from the next number.
        self.next = n + 1;
        let tag = it.tag;
        let layout_table = tag == Tag::Table && it.has_blocks;
        match tag {
            Tag::Br => {
                if self.pre > 0 {
                    self.push_str("\n");
                } else if self.row.is_some() {
                    self.space = true;
                } else if self.br {
                    self.flush();
                } else {
                    self.br = true;
                    self.line = true;
                }
            }
            Tag::Heading(level) if self.row.is_none() => {
                let saved = self.start(Kind::Heading(level));
                self.children(el);
                self.end(saved);
            }
            Tag::List(ordered) if self.row.is_none() => {
                self.flush();
                let saved_group = self.group;
                if self.depth == 0 {
                    // A nested list continues its parent's lines.
                    self.groups += 1;
                    self.group = self.groups;
                }
                self.depth = self.depth.saturating_add(1);
                let mut number = 0u32;
                let saved = self.kind;
                for child in el.children() {
                    if let Some(c) = ElementRef::wrap(child) {
                        if c.value().name() == "li" && !self.is_dropped_next() {
                            number += 1;
                            self.kind = Kind::Item(self.depth, ordered.then_some(number));
                        }
                        self.element(c);
                    } else if let Node::Text(t) = child.value() {
                        self.text(t);
                    }
                }
                self.flush();
                self.kind = saved;
                self.depth -= 1;
                self.group = saved_group;
            }
            Tag::Item if self.row.is_none() => {
                self.flush();
                let kind = match self.kind {
                    Kind::Item(..) => self.kind,
                    _ => Kind::Item(self.depth.max(1), None),
                };
                let saved = self.kind;
                self.kind = kind;
                self.children(el);
                self.flush();
                self.kind = saved;
            }
            Tag::Quote if self.row.is_none() => {
                self.flush();
                self.quote = self.quote.saturating_add(1);
                let saved = self.kind;
                self.kind = Kind::Para;
                self.children(el);
                self.flush();
                self.kind = saved;
                self.quote -= 1;
            }
            Tag::Pre if self.row.is_none() => {
                let saved = self.start(Kind::Pre);
                self.pre += 1;
                self.children(el);
                self.pre -= 1;
                self.end(saved);
            }
            Tag::Table if self.row.is_none() => {
                self.flush();
                let saved_group = self.group;
                self.groups += 1;
                self.group = self.groups;
                self.tables.push(layout_table);
                self.children(el);
                self.tables.pop();
                self.flush();
                self.group = saved_group;
            }
            Tag::Row if self.tables.last() == Some(&false) && self.row.is_none() => {
                let saved = self.start(Kind::Row(0));
                self.row = Some(0);
                self.children(el);
                if let (Some(cells), Kind::Row(_)) = (self.row, self.kind) {
                    self.kind = Kind::Row(cells);
                }
                self.row = None;
                self.end(saved);
            }
            Tag::Cell if self.row.is_some() => {
                let cells = self.row.unwrap_or(0);
                if cells > 0 {
                    self.space = false;
                    self.line = false;
                    let sep = if self.md { " | " } else { "\t" };
                    self.cur.push_str(sep);
                }
                self.row = Some(cells + 1);
                self.children(el);
            }
            Tag::Link => {
                let href = el
                    .attr("href")
                    .map(str::trim)
                    .filter(|h| !h.is_empty() && !h.starts_with("javascript:"))
                    .and_then(|h| self.base.join(h).ok());
                self.link += 1;
                match href {
                    Some(url) if self.md => {
                        self.frames.push(Frame {
                            open: "[",
                            close: format!("]({url})"),
                            written: false,
                        });
                        self.children(el);
                        self.close_frame();
                    }
                    _ => self.children(el),
                }
                self.link -= 1;
            }
            Tag::Em | Tag::Strong | Tag::Code
                if self.md && self.pre == 0 && !matches!(self.kind, Kind::Heading(_)) =>
            {
                let mark = match tag {
                    Tag::Em => "*",
                    Tag::Strong => "**",
                    _ => "`",
                };
                self.frames.push(Frame {
                    open: mark,
                    close: mark.to_string(),
                    written: false,
                });
                self.children(el);
                self.close_frame();
            }
            Tag::Inline | Tag::Em | Tag::Strong | Tag::Code => self.children(el),
            _ if self.row.is_some() => {
                // Block content inside a table cell stays on the row's line.
                self.space = true;
                self.children(el);
                self.space = true;
            }
            _ => {
                let kind = match self.kind {
                    Kind::Item(..) | Kind::Heading(_) | Kind::Pre => self.kind,
                    _ => Kind::Para,
                };
                let saved = self.start(kind);
                self.children(el);
                self.end(saved);
            }
        }
        self.next = it.end as usize;
    }

    /// Whether the element numbered `self.next` is dropped (so an `li` is not counted).
    fn is_dropped_next(&self) -> bool {
        self.items.get(self.next).is_none_or(|i| i.dropped || i.cut)
    }

    fn children(&mut self, el: ElementRef<'_>) {
        for child in el.children() {
            match child.value() {
                Node::Text(t) => self.text(t),
                Node::Element(_) => {
                    if let Some(c) = ElementRef::wrap(child) {
                        self.element(c);
                    }
                }
                _ => {}
            }
        }
    }

    fn start(&mut self, kind: Kind) -> Kind {
        self.flush();
        std::mem::replace(&mut self.kind, kind)
    }

    fn end(&mut self, saved: Kind) {
        self.flush();
        self.kind = saved;
    }

    fn close_frame(&mut self) {
        if let Some(f) = self.frames.pop() {
            if f.written {
                self.cur.push_str(&f.close);
            }
        }
    }

    fn text(&mut self, t: &str) {
        if self.pre > 0 {
            self.push_str(t);
            return;
        }
        // Text without invisible characters (all ASCII text) is written word by word as it is.
        let plain = t.is_ascii();
        for (i, word) in t.split(char::is_whitespace).enumerate() {
            if i > 0 {
                self.space = true;
            }
            if !word.is_empty() {
                self.word(word, plain);
            }
        }
    }

    /// Writes verbatim (inside `pre`).
    fn push_str(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        self.open_frames();
        self.cur.push_str(t);
        self.run.add_text(t, self.link > 0);
    }

    /// Writes one word, after the space or line break due (`plain`: it has no invisible
    /// characters to leave out).
    fn word(&mut self, w: &str, plain: bool) {
        if !self.cur.is_empty() {
            if self.line {
                self.cur.push('\n');
            } else if self.space {
                self.cur.push(' ');
            }
        }
        self.space = false;
        self.line = false;
        self.br = false;
        self.open_frames();
        if !plain && w.contains(INVISIBLE) {
            for c in w.chars().filter(|c| !INVISIBLE.contains(c)) {
                self.cur.push(c);
            }
        } else {
            self.cur.push_str(w);
        }
        self.run.add_text(w, self.link > 0);
    }

    fn open_frames(&mut self) {
        for f in self.frames.iter_mut().filter(|f| !f.written) {
            self.cur.push_str(f.open);
            f.written = true;
        }
    }

    /// Ends the current block (closing open markers, to be reopened in the next one).
    fn flush(&mut self) {
        for f in self.frames.iter_mut().rev().filter(|f| f.written) {
            self.cur.push_str(&f.close);
            f.written = false;
        }
        self.space = false;
        self.line = false;
        self.br = false;
        if self.run.chars == 0 {
            self.cur.clear();
            self.run = Run::default();
            return;
        }
        let text = if self.kind == Kind::Pre {
            self.cur.trim_matches('\n').trim_end().to_string()
        } else {
            self.cur.clone()
        };
        self.cur.clear();
        let run = std::mem::take(&mut self.run);
        self.blocks.push(Block {
            text,
            kind: self.kind,
            group: if matches!(self.kind, Kind::Item(..) | Kind::Row(_)) {
                self.group
            } else {
                0
            },
            quote: self.quote,
            run,
        });
    }
}
