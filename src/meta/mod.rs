//! Metadata columns (`--meta`): from the raw pieces the HTML pass collects ([`RawMeta`]) to the
//! final column values ([`Meta`]). Pure rules, no I/O; the README's metadata section states them
//! for users, `docs/METADATA.md` explains the date rules.
//!
//! Sources, strongest first: the page's JSON-LD main entity, then `<meta>` tags of the first
//! `<head>`, then (dates only) the body's microdata and the article's `<time>` ([`BodyDates`]),
//! a date a news sitemap or a feed gave for the URL, the URL path, and the visible text next to
//! the headline and in bylines. An empty, invalid or out-of-range candidate is skipped and the
//! next one tried; a column with no usable candidate is empty.
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
//! - `published`: main entity `datePublished`, `uploadDate`, then `dateCreated`, source `jsonld`
//!   (a UTC time takes the offset another structured candidate gives for the same instant); then
//!   the meta keys [`PUBLISHED_KEYS`] in that order, source `meta`; then the body's markup
//!   (`microdata`), the article's `<time>`s (`time`), the fallback (`sitemap`/`feed`), the URL
//!   path's day (`url`), and the first date in the visible text not labelled an update (`text`).
//!   `date_source` is empty when `published` is.
//! - `modified`: `dateModified`, the meta keys [`MODIFIED_KEYS`], then the body's update dates
//!   (markup, `<time>`, text labelled "Updated" or the like).
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
mod text_date;
mod url_date;
mod words;

#[cfg(test)]
mod tests_build;
#[cfg(test)]
mod tests_date;
#[cfg(test)]
mod tests_fields;
#[cfg(test)]
mod tests_sources;

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use columns::{
    author, canonical, first_meta, keywords, lang, modified, published, structured_published,
    without_fragment, DateContext,
};
pub use date::normalize_date;
use text::non_empty;
pub(crate) use words::labelled_update;

/// Meta keys for `published`, in priority order: the names content systems and their plugins
/// write (Open Graph's `article:` and its variants, schema.org's names as meta, Parse.ly,
/// Sailthru, Dublin Core in its spellings, Highwire's `citation_`, PRISM, and the plain names);
/// the generic `date` and `created` last.
pub const PUBLISHED_KEYS: [&str; 41] = [
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "og:article:published",
    "og:published_time",
    "article.published",
    "article:post_date",
    "article:publicationdate",
    "datepublished",
    "date_published",
    "rnews:datepublished",
    "og:datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.published",
    "dc.date.publication",
    "citation_publication_date",
    "citation_online_date",
    "citation_date",
    "prism.publicationdate",
    "publish-date",
    "publish_date",
    "publishdate",
    "published-date",
    "published_date",
    "published_time",
    "publication_date",
    "publication-date",
    "pub_date",
    "pubdate",
    "og:pubdate",
    "original-publish-date",
    "originalpublicationdate",
    "article_date_original",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "date",
];

/// Meta keys for `modified`, in priority order.
pub const MODIFIED_KEYS: [&str; 12] = [
    "article:modified_time",
    "og:article:modified_time",
    "article:modified",
    "og:updated_time",
    "og:modified_time",
    "article.updated",
    "datemodified",
    "date_modified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "lastmod",
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
    /// The date pieces of the body (microdata, `<time>`, byline attributes, visible text),
    /// read only when the JSON-LD and the head give no publication date
    /// ([`needs_body_dates`]); empty otherwise.
    pub body: BodyDates,
}

/// Whether a body date is the article's publication or its last update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRole {
    Published,
    Modified,
}

/// The article's date pieces found in the body of the page, each in the order it is trusted
/// (`crate::extract::dom::dates` says where each is read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyDates {
    /// Microdata (`itemprop="datePublished"`, ...), hAtom classes and byline date attributes:
    /// values as written.
    pub markup: Vec<(DateRole, String)>,
    /// The article's `<time>` elements: `datetime`, or the text.
    pub times: Vec<(DateRole, String)>,
    /// Visible text next to the headline and in bylines (the role is the one a date in it has
    /// unless an update label comes just before it).
    pub text: Vec<(DateRole, String)>,
}

/// Where the `published` column came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    JsonLd,
    Meta,
    Microdata,
    Time,
    Sitemap,
    Feed,
    Url,
    Text,
}

impl DateSource {
    /// The `date_source` cell.
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::JsonLd => "jsonld",
            DateSource::Meta => "meta",
            DateSource::Microdata => "microdata",
            DateSource::Time => "time",
            DateSource::Url => "url",
            DateSource::Text => "text",
            DateSource::Sitemap => "sitemap",
            DateSource::Feed => "feed",
        }
    }
}

/// The metadata columns of one page, each an empty string when the page gives nothing. Their
/// names and order as cells (`META_COLUMNS`, `Meta::cells`) are the row schema's, kept in
/// `crate::record`.
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

/// Does the page need its body read for dates? True unless its JSON-LD main entity or its
/// head's `<meta>` give a publication date in a form [`normalize_date`] reads, on or after
/// 1990-01-01 (the fetch time is not known yet, so no upper bound is applied: a page whose only
/// structured date lies in the future gets no date, as before). Both HTML readers ask this after
/// reading the head and the JSON-LD, so their pieces stay equal.
pub fn needs_body_dates(raw: &RawMeta, page_url: &Url) -> bool {
    let canonical = canonical(raw, page_url);
    let entities = jsonld::entities(&raw.jsonld);
    let mut targets = vec![without_fragment(page_url)];
    if let Ok(c) = Url::parse(&canonical) {
        targets.push(c);
    }
    let main = jsonld::main_entity(&entities, page_url, &targets);
    let found = structured_published(raw, main).any(|(d, _)| is_date(&d));
    !found
}

/// Is `text` a date [`normalize_date`] reads, on or after 1990-01-01 (no upper bound)?
pub fn is_date(text: &str) -> bool {
    date::parse(text.trim()).is_some_and(date::after_floor)
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

    let lang = lang(raw, content_language);
    let ctx = DateContext {
        page_url,
        fetched_at,
        order: text_date::Order::for_lang(&lang),
    };
    let (published, date_source) = published(raw, main, &ctx, fallback)
        .map(|(date, source)| (date, source.as_str().to_string()))
        .unwrap_or_default();
    let modified = modified(raw, main, &ctx);

    Meta {
        published,
        modified,
        date_source,
        author: author(raw, main, &entities),
        description: field("description")
            .or_else(|| first_meta(raw, &["og:description", "description"]))
            .unwrap_or_default(),
        canonical,
        lang,
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
