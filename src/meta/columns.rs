//! The column rules that read several sources: see the [`crate::meta`] docs for the order.

use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use super::jsonld;
use super::text::{clean_name, join_unique, non_empty, normalize_lang, split_commas};
use super::{normalize_date, DateSource, RawMeta, PUBLISHED_KEYS};

/// Meta keys for `author`, in priority order.
const AUTHOR_KEYS: [&str; 4] = [
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
];

/// The `published` date and its source, by the order in the module docs.
pub(super) fn published(
    raw: &RawMeta,
    main: Option<&Value>,
    fetched_at: DateTime<Utc>,
    fallback: Option<(&str, DateSource)>,
) -> Option<(String, DateSource)> {
    let valid = |d: &str| normalize_date(d, fetched_at);
    let from_jsonld = main.into_iter().flat_map(|m| {
        jsonld::texts(m.get("datePublished"))
            .into_iter()
            .chain(jsonld::texts(m.get("dateCreated")))
    });
    from_jsonld
        .filter_map(|d| valid(&d))
        .map(|d| (d, DateSource::JsonLd))
        .chain(
            meta_values(raw, &PUBLISHED_KEYS).filter_map(|d| Some((valid(d)?, DateSource::Meta))),
        )
        .chain(
            raw.article_times
                .iter()
                .filter_map(|d| Some((valid(d)?, DateSource::Time))),
        )
        .chain(fallback.and_then(|(d, source)| Some((valid(d)?, source))))
        .next()
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
