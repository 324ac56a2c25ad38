//! Metadata columns (`--meta`): from the raw pieces the HTML pass collects ([`RawMeta`]) to the
//! final column values ([`Meta`]). Pure rules, no I/O; `src/meta/README-section.md` states them
//! for users.
//!
//! Sources, strongest first: the page's JSON-LD main entity, then `<meta>` tags of the first
//! `<head>`, then (dates only) `<time datetime>` inside `<article>`, then a date a news sitemap or
//! a feed gave for the URL. An empty, invalid or out-of-range candidate is skipped and the next
//! one tried; a column with no usable candidate is empty.
//!
//! **JSON-LD.** Each block is parsed on its own with serde_json (an HTML comment or CDATA
//! wrapper is dropped first); a block that does not parse is skipped. Top-level arrays and
//! `@graph` are flattened into one list of entities, in document order (an object holding a
//! `@graph` counts as an entity itself only if it has a `@type`). A reference `{"@id": ...}`
//! without a name (an author, a publisher) is looked up among the entities by `@id`. Types are
//! compared without a schema.org prefix (`https://schema.org/NewsArticle`, `schema:NewsArticle`).
//!
//! **Main entity**, the first rule that picks one:
//!
//! 1. the first entity whose `mainEntityOfPage` (a string, `{"@id"}`/`{"url"}`, or an array of
//!    those) names the page URL or the canonical URL;
//! 2. the first entity that is not WebPage-family whose `url` or `@id` names one of them (a
//!    WebPage's own URL is the page by definition, so it does not show that it is the page's
//!    subject);
//! 3. the first Article-family entity: any type ending in `Article` or `Posting` (Article,
//!    NewsArticle, ReportageNewsArticle, AnalysisNewsArticle, OpinionNewsArticle,
//!    ScholarlyArticle, TechArticle, BlogPosting, LiveBlogPosting, ...) and `Report`;
//! 4. the first WebPage-family entity (any type ending in `Page`);
//! 5. the first entity.
//!
//! "Names" compares URLs after resolving against the page URL; a trailing `/` is ignored, a
//! fragment is not (`.../a#article` is not `.../a`).
//!
//! **Columns.**
//!
//! - `published`: main entity `datePublished`, then `dateCreated` (so `dateCreated` counts only
//!   when there is no usable `datePublished`), source `jsonld`; then the meta keys
//!   [`PUBLISHED_KEYS`] in that order, source `meta`; then the first valid `<time>` in an
//!   `<article>`, source `time`; then the fallback, with its source. `date_source` is empty when
//!   `published` is.
//! - `modified`: `dateModified`, then the meta keys [`MODIFIED_KEYS`].
//! - Dates are normalized by [`normalize_date`], whose docs give the forms and the output.
//! - `author`: the main entity's `author`: strings, Person objects' names (objects without a type
//!   count as persons), arrays of them; organizations' names only if there is no person. A name
//!   is never an object's serialization (`[object Object]` is dropped) nor a URL (`http://`,
//!   `https://`). Else the first of the meta keys `author`, `article:author`, `parsely-author`,
//!   `sailthru.author` that gives a name (all values of that key). Names are trimmed,
//!   deduplicated in order and joined with `; `.
//! - `description`: JSON-LD `description`, else `og:description`, else `description`.
//! - `canonical`: the first `<link rel=canonical>` (rel is a token list) resolved against the page
//!   URL, http(s) only, fragment removed; else `og:url` if absolute http(s).
//! - `lang`: `<html lang>`, else the first tag of `Content-Language`, else `og:locale` (`en_GB`);
//!   in BCP 47 case (`en-GB`, `zh-Hant-TW`); a value that is not a tag is skipped.
//! - `kind`: the main entity's `@type` (the first, if an array), else `og:type`.
//! - `section`: `articleSection` (the first, if an array), else `article:section`.
//! - `keywords`: meta `news_keywords`, else JSON-LD `keywords` (a comma-separated string or an
//!   array), else meta `keywords`, else every `article:tag`; comma-separated strings split,
//!   items deduplicated in order, joined with `; `.
//! - `headline`: JSON-LD `headline`, else `og:title`.
//! - `site_name`: `og:site_name`, else the main entity's `publisher` name.
//!
//! Every text cell has its whitespace collapsed to single spaces and is trimmed. JSON-LD strings
//! are used as JSON decodes them, without HTML entity decoding.

mod columns;
mod date;
mod jsonld;
mod text;

#[cfg(test)]
mod tests_build;
#[cfg(test)]
mod tests_date;
#[cfg(test)]
mod tests_fields;

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use columns::{
    author, canonical, first_meta, keywords, lang, meta_values, published, without_fragment,
};
pub use date::normalize_date;
use text::non_empty;

/// Meta keys for `published`, in priority order.
pub const PUBLISHED_KEYS: [&str; 11] = [
    "article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
    "pubdate",
    "publish-date",
];

/// Meta keys for `modified`, in priority order.
pub const MODIFIED_KEYS: [&str; 3] = [
    "article:modified_time",
    "og:updated_time",
    "dcterms.modified",
];

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

/// The columns of one page. `page_url` is the final URL; `content_language` the response
/// header; `fetched_at` bounds dates; `fallback` is a date a Google News sitemap
/// (`news:publication_date`) or a feed item (RSS pubDate / Atom published) gave for this URL, used
/// only when the page itself gives none.
pub fn build(
    raw: &RawMeta,
    page_url: &Url,
    content_language: Option<&str>,
    fetched_at: DateTime<Utc>,
    fallback: Option<(&str, DateSource)>,
) -> Meta {
    let canonical = canonical(raw, page_url);
    let entities = jsonld::entities(&raw.jsonld);
    let mut targets = vec![without_fragment(page_url)];
    if let Ok(c) = Url::parse(&canonical) {
        targets.push(c);
    }
    let main = jsonld::main_entity(&entities, page_url, &targets);
    let field = |key: &str| main.and_then(|m| jsonld::text(m.get(key)));

    let (published, date_source) = published(raw, main, fetched_at, fallback)
        .map(|(date, source)| (date, source.as_str().to_string()))
        .unwrap_or_default();
    let modified = main
        .into_iter()
        .flat_map(|m| jsonld::texts(m.get("dateModified")))
        .chain(meta_values(raw, &MODIFIED_KEYS).map(str::to_string))
        .find_map(|d| normalize_date(&d, fetched_at))
        .unwrap_or_default();

    Meta {
        published,
        modified,
        date_source,
        author: author(raw, main, &entities),
        description: field("description")
            .or_else(|| first_meta(raw, &["og:description", "description"]))
            .unwrap_or_default(),
        canonical,
        lang: lang(raw, content_language),
        kind: main
            .and_then(|m| jsonld::types(m).into_iter().find_map(non_empty))
            .or_else(|| first_meta(raw, &["og:type"]))
            .unwrap_or_default(),
        section: field("articleSection")
            .or_else(|| first_meta(raw, &["article:section"]))
            .unwrap_or_default(),
        keywords: keywords(raw, main),
        headline: field("headline")
            .or_else(|| first_meta(raw, &["og:title"]))
            .unwrap_or_default(),
        site_name: first_meta(raw, &["og:site_name"])
            .or_else(|| {
                let publisher = main?.get("publisher")?;
                let publisher = match publisher {
                    Value::Array(items) => items.first()?,
                    one => one,
                };
                jsonld::name(publisher, &entities)
            })
            .unwrap_or_default(),
    }
}
