//! Metadata columns (`--meta`): from the raw pieces the HTML pass collects to the final column
//! values. Interface first; the rules follow.

use chrono::{DateTime, Utc};
use url::Url;

/// What the HTML pass collects for the metadata columns. Attribute values are entity-decoded;
/// JSON-LD text is raw script text (never entity-decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawMeta {
    /// `lang` of the first `<html>` element.
    pub html_lang: Option<String>,
    /// For each `<meta content=...>` in the document's first `<head>` (as the HTML parser forms
    /// it), in document order: one (key, content) pair per attribute among name, property,
    /// itemprop that it has, key ASCII-lowercased and trimmed.
    pub head_meta: Vec<(String, String)>,
    /// For each `<link rel=... href=...>` in the first `<head>`: (rel ASCII-lowercased, href as
    /// written).
    pub head_links: Vec<(String, String)>,
    /// The text of every `<script type="application/ld+json">` anywhere in the document, in
    /// order (blocks over 1 MiB are dropped by the collector).
    pub jsonld: Vec<String>,
    /// The datetime attribute of every `<time datetime>` inside an `<article>`, in order.
    pub article_times: Vec<String>,
}

/// Where the `published` column came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    JsonLd,
    Meta,
    Time,
    Sitemap,
    Feed,
}

impl DateSource {
    /// The `date_source` cell.
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::JsonLd => "jsonld",
            DateSource::Meta => "meta",
            DateSource::Time => "time",
            DateSource::Sitemap => "sitemap",
            DateSource::Feed => "feed",
        }
    }
}

/// The metadata columns of one page, each an empty string when the page gives nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Meta {
    pub published: String,
    pub modified: String,
    pub date_source: String,
    pub author: String,
    pub description: String,
    pub canonical: String,
    pub lang: String,
    pub kind: String,
    pub section: String,
    pub keywords: String,
    pub headline: String,
    pub site_name: String,
}

/// The column names, in output order.
pub const META_COLUMNS: [&str; 12] = [
    "published",
    "modified",
    "date_source",
    "author",
    "description",
    "canonical",
    "lang",
    "kind",
    "section",
    "keywords",
    "headline",
    "site_name",
];

impl Meta {
    /// The cells, in [`META_COLUMNS`] order.
    pub fn cells(&self) -> [String; 12] {
        [
            self.published.clone(),
            self.modified.clone(),
            self.date_source.clone(),
            self.author.clone(),
            self.description.clone(),
            self.canonical.clone(),
            self.lang.clone(),
            self.kind.clone(),
            self.section.clone(),
            self.keywords.clone(),
            self.headline.clone(),
            self.site_name.clone(),
        ]
    }
}

/// The columns of one page. Not yet implemented: returns empty columns.
pub fn build(
    _raw: &RawMeta,
    _page_url: &Url,
    _content_language: Option<&str>,
    _fetched_at: DateTime<Utc>,
    _fallback: Option<(&str, DateSource)>,
) -> Meta {
    Meta::default()
}

/// Parse one date string. Not yet implemented: always `None`.
pub fn normalize_date(_text: &str, _fetched_at: DateTime<Utc>) -> Option<String> {
    None
}
