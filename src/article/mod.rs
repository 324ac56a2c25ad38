//! The article's main text (`--text`): the story's paragraphs, subheadings, lists, quotes, tables
//! and preformatted text of a page, in document order, as plain text or Markdown, with the page's
//! boilerplate (navigation, header, footer, sidebars, related lists, widgets, banners, comments,
//! the headline and byline block) left out; an empty text for a page that is not an article.
//!
//! This module owns only decoded HTML → text. It must never fetch, decode bytes, or panic on
//! malformed markup. The steps, each in its own file (docs/TEXT.md has the reasoning and the
//! measurements):
//! 1. [`hints`]: what one element is by its tag and attributes (never content, furniture, block
//!    or inline);
//! 2. [`measure`]: one pass over the DOM scoring every element by the story-like text inside it,
//!    and the choice of the container (the element that takes in the most story for the least
//!    boilerplate);
//! 3. [`render`]: the container's blocks of text, plain or Markdown;
//! 4. [`blocks`]: the headline/byline block, link lines and the trailing tail left out, the
//!    non-article rule, and the joining.

mod blocks;
mod hints;
mod measure;
mod render;
#[cfg(test)]
mod tests;

use scraper::Html;
use url::Url;

/// The form of the `text` column (`--text-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextFormat {
    /// Plain text: blocks separated by one blank line.
    #[default]
    Plain,
    /// Markdown: headings, lists, quotes, emphasis and links as `[text](absolute URL)`.
    Markdown,
}

/// The main text of the page served at `page_url` (its final URL, against which links resolve),
/// in `format`; empty when the page is not an article.
pub fn article_text(html: &str, page_url: &Url, format: TextFormat) -> String {
    let doc = Html::parse_document(html);
    article_text_of(&doc, page_url, format)
}

/// [`article_text`] of an already parsed document (so a caller that has the DOM parses once).
pub fn article_text_of(doc: &Html, page_url: &Url, format: TextFormat) -> String {
    let m = measure::measure(doc.root_element());
    let Some(container) = measure::container(&m.items) else {
        return String::new();
    };
    let base = m
        .base
        .as_deref()
        .and_then(|b| page_url.join(b.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let markdown = format == TextFormat::Markdown;
    let mut blocks = render::render(&m.items, container, markdown, &base);
    let page_story = m.items.first().map_or(0, |root| root.good);
    let c = &m.items[container];
    if !blocks::is_article(&blocks, &c.text, c.good, page_story) {
        return String::new();
    }
    let titles = [m.title, m.og_title];
    blocks::filter(&mut blocks, &titles);
    blocks::join(&blocks, markdown)
}
