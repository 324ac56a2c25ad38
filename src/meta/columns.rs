//! The column rules that read several sources: see the [`crate::meta`] docs for the order.

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use super::date::{parse, render_day, Parsed};
use super::jsonld;
use super::text::{clean_name, join_unique, non_empty, normalize_lang, split_commas};
use super::text_date::{text_dates, Order};
use super::url_date::url_date;
use super::words::labelled_update;
use super::{normalize_date, DateRole, DateSource, RawMeta, MODIFIED_KEYS, PUBLISHED_KEYS};

/// Meta keys for `author`, in priority order.
const AUTHOR_KEYS: [&str; 4] = [
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
];

/// The date pieces that are structured markup of the page's own (JSON-LD, then `<meta>`):
/// `datePublished`, `uploadDate`, `dateCreated` of the main entity, then the meta keys.
pub(super) fn structured_published<'a>(
    raw: &'a RawMeta,
    main: Option<&'a Value>,
) -> impl Iterator<Item = (String, DateSource)> + 'a {
    let from_jsonld = main.into_iter().flat_map(|m| {
        ["datePublished", "uploadDate", "dateCreated"]
            .into_iter()
            .flat_map(|key| jsonld::texts(m.get(key)))
    });
    from_jsonld
        .map(|d| (d, DateSource::JsonLd))
        .chain(meta_values(raw, &PUBLISHED_KEYS).map(|d| (d.to_string(), DateSource::Meta)))
}

/// A body `<time>` or markup value: a date in any form [`normalize_date`] reads, else the first
/// date written in it as text that is not labelled an update.
fn body_value(value: &str, order: Order, fetched_at: DateTime<Utc>) -> Option<String> {
    normalize_date(value, fetched_at).or_else(|| {
        text_dates(value, order)
            .into_iter()
            .find(|f| !labelled_update(&value[..f.start]))
            .and_then(|f| render_day(f.date, fetched_at))
    })
}

/// The dates of the visible-text snippets with their roles, in order.
fn text_candidates(
    raw: &RawMeta,
    order: Order,
    fetched_at: DateTime<Utc>,
) -> impl Iterator<Item = (DateRole, String)> + '_ {
    raw.body.text.iter().flat_map(move |(role, snippet)| {
        let mut prev_end = 0;
        let mut out = Vec::new();
        for f in text_dates(snippet, order) {
            let before = snippet.get(prev_end..f.start).unwrap_or("");
            let role = if labelled_update(before) {
                DateRole::Modified
            } else {
                *role
            };
            prev_end = f.end;
            if let Some(day) = render_day(f.date, fetched_at) {
                out.push((role, day));
            }
        }
        out
    })
}

/// A time given in UTC (`...Z`) written instead with the offset another structured source
/// gives for the same instant: content systems often serialize one field in UTC and another in
/// the publisher's own time (`dateCreated: 2017-02-24T01:18:13Z`, `article:published_time:
/// 2017-02-23T17:18:13-08:00`), and only the latter says which day it was for the readers.
fn with_publishers_offset(
    chosen: String,
    others: impl Iterator<Item = String>,
    fetched_at: DateTime<Utc>,
) -> String {
    let Some(Parsed::Instant(at)) = parse(&chosen) else {
        return chosen;
    };
    if at.offset().local_minus_utc() != 0 {
        return chosen;
    }
    others
        .filter_map(|d| match parse(d.trim()) {
            Some(Parsed::Instant(t)) if t.offset().local_minus_utc() != 0 && t == at => {
                normalize_date(&d, fetched_at)
            }
            _ => None,
        })
        .next()
        .unwrap_or(chosen)
}

/// The `published` date and its source, by the order of trust in the module docs.
pub(super) fn published(
    raw: &RawMeta,
    main: Option<&Value>,
    ctx: &DateContext<'_>,
    fallback: Option<(&str, DateSource)>,
) -> Option<(String, DateSource)> {
    let fetched_at = ctx.fetched_at;
    let valid = |d: &str| normalize_date(d, fetched_at);
    let body = |list: &[(DateRole, String)], source: DateSource| -> Option<(String, DateSource)> {
        list.iter()
            .filter(|(role, _)| *role == DateRole::Published)
            .find_map(|(_, v)| body_value(v, ctx.order, fetched_at))
            .map(|d| (d, source))
    };
    structured_published(raw, main)
        .find_map(|(d, source)| Some((valid(&d)?, source)))
        .map(|(d, source)| {
            let others = structured_published(raw, main).map(|(d, _)| d);
            (with_publishers_offset(d, others, fetched_at), source)
        })
        .or_else(|| body(&raw.body.markup, DateSource::Microdata))
        .or_else(|| body(&raw.body.times, DateSource::Time))
        .or_else(|| fallback.and_then(|(d, source)| Some((valid(d)?, source))))
        .or_else(|| {
            let day = url_date(ctx.page_url)?;
            Some((render_day(day, fetched_at)?, DateSource::Url))
        })
        .or_else(|| {
            text_candidates(raw, ctx.order, fetched_at)
                .find(|(role, _)| *role == DateRole::Published)
                .map(|(_, d)| (d, DateSource::Text))
        })
}

/// The `modified` date: JSON-LD `dateModified`, the meta keys, then the body's update dates
/// (markup, `<time>`, text).
pub(super) fn modified(raw: &RawMeta, main: Option<&Value>, ctx: &DateContext<'_>) -> String {
    let fetched_at = ctx.fetched_at;
    let body = |list: &[(DateRole, String)]| -> Option<String> {
        list.iter()
            .filter(|(role, _)| *role == DateRole::Modified)
            .find_map(|(_, v)| body_value(v, ctx.order, fetched_at))
    };
    main.into_iter()
        .flat_map(|m| jsonld::texts(m.get("dateModified")))
        .chain(meta_values(raw, &MODIFIED_KEYS).map(str::to_string))
        .find_map(|d| normalize_date(&d, fetched_at))
        .or_else(|| body(&raw.body.markup))
        .or_else(|| body(&raw.body.times))
        .or_else(|| {
            text_candidates(raw, ctx.order, fetched_at)
                .find(|(role, _)| *role == DateRole::Modified)
                .map(|(_, d)| d)
        })
        .unwrap_or_default()
}

/// What the date rules need to know about the page besides its pieces.
pub(super) struct DateContext<'a> {
    pub(super) page_url: &'a Url,
    pub(super) fetched_at: DateTime<Utc>,
    /// The numeric day/month order of the page's language.
    pub(super) order: Order,
}

/// The values of the meta `keys`, all of the first key, then all of the second, ...; trimmed,
/// empty ones dropped.
pub(super) fn meta_values<'a>(
    raw: &'a RawMeta,
    keys: &'a [&str],
) -> impl Iterator<Item = &'a str> + 'a {
    keys.iter().flat_map(move |key| {
        raw.head_meta
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    })
}

/// The first non-empty value among the meta `keys`, whitespace collapsed.
pub(super) fn first_meta(raw: &RawMeta, keys: &[&str]) -> Option<String> {
    meta_values(raw, keys).find_map(non_empty)
}

pub(super) fn author(raw: &RawMeta, main: Option<&Value>, entities: &[Value]) -> String {
    if let Some(m) = main {
        let names = jsonld::authors(m, entities);
        if !names.is_empty() {
            return join_unique(names);
        }
    }
    for key in AUTHOR_KEYS {
        let names: Vec<String> = meta_values(raw, &[key]).filter_map(clean_name).collect();
        if !names.is_empty() {
            return join_unique(names);
        }
    }
    String::new()
}

pub(super) fn canonical(raw: &RawMeta, page_url: &Url) -> String {
    let web = |u: &Url| matches!(u.scheme(), "http" | "https");
    let from_link = raw
        .head_links
        .iter()
        .filter(|(rel, _)| rel.split_ascii_whitespace().any(|t| t == "canonical"))
        .filter_map(|(_, href)| {
            let href = href.trim();
            (!href.is_empty())
                .then(|| page_url.join(href).ok())
                .flatten()
        })
        .find(web);
    from_link
        .or_else(|| {
            meta_values(raw, &["og:url"])
                .filter_map(|v| Url::parse(v).ok())
                .find(web)
        })
        .map(|u| without_fragment(&u).to_string())
        .unwrap_or_default()
}

pub(super) fn without_fragment(u: &Url) -> Url {
    let mut u = u.clone();
    u.set_fragment(None);
    u
}

pub(super) fn lang(raw: &RawMeta, content_language: Option<&str>) -> String {
    let header = content_language
        .and_then(|h| h.split(',').next())
        .map(|t| t.split(';').next().unwrap_or(t));
    raw.html_lang
        .as_deref()
        .into_iter()
        .chain(header)
        .chain(meta_values(raw, &["og:locale"]))
        .find_map(normalize_lang)
        .unwrap_or_default()
}

pub(super) fn keywords(raw: &RawMeta, main: Option<&Value>) -> String {
    let from_meta =
        |key: &str| -> Vec<String> { meta_values(raw, &[key]).flat_map(split_commas).collect() };
    let from_jsonld = || -> Vec<String> {
        match main.and_then(|m| m.get("keywords")) {
            Some(Value::String(s)) => split_commas(s).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| match i {
                    Value::Object(map) => jsonld::text(map.get("name")),
                    other => jsonld::text(Some(other)),
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let found = [
        from_meta("news_keywords"),
        from_jsonld(),
        from_meta("keywords"),
    ]
    .into_iter()
    .find(|k| !k.is_empty())
    .unwrap_or_else(|| {
        meta_values(raw, &["article:tag"])
            .filter_map(non_empty)
            .collect()
    });
    join_unique(found)
}
