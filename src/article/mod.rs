//! The article's main text (`--text`): the story's paragraphs, subheadings, lists, quotes, tables
//! and preformatted text of a page, in document order, as plain text or Markdown, with the page's
//! boilerplate (navigation, header, footer, sidebars, related lists, widgets, banners, comments,
//! the headline and byline block) left out; an empty text for a page that is not an article.
//!
//! This module owns only decoded HTML → text. It must never fetch, decode bytes, or panic on
//! malformed markup.
//!
//! Interface placeholder: the scorer that decides what the main content is is being written; this
//! first version keeps the text of every `<p>` outside `nav`, `header`, `footer` and `aside`.

use scraper::{Html, Selector};
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
    let _ = (page_url, format);
    let doc = Html::parse_document(html);
    let Ok(p) = Selector::parse("p") else {
        return String::new();
    };
    let mut blocks = Vec::new();
    'paragraphs: for el in doc.select(&p) {
        for anc in el.ancestors().filter_map(scraper::ElementRef::wrap) {
            if matches!(anc.value().name(), "nav" | "header" | "footer" | "aside") {
                continue 'paragraphs;
            }
        }
        let text = el.text().collect::<String>();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            blocks.push(text);
        }
    }
    blocks.join("\n\n")
}
