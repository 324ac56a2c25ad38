//! The column rules of `build` for dates and JSON-LD, one test per rule.

use chrono::{DateTime, TimeZone, Utc};
use url::Url;

use super::{build, BodyDates, DateRole, DateSource, Meta, RawMeta};

pub(super) const PAGE: &str = "https://news.example/world/story";

pub(super) fn fetched() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0)
        .single()
        .expect("a valid fetch time")
}

pub(super) fn page() -> Url {
    Url::parse(PAGE).expect("a valid page URL")
}

pub(super) fn run(raw: &RawMeta) -> Meta {
    build(raw, &page(), None, fetched(), None)
}

pub(super) fn heads(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn with_meta(pairs: &[(&str, &str)]) -> RawMeta {
    RawMeta {
        head_meta: heads(pairs),
        ..RawMeta::default()
    }
}

pub(super) fn with_ld(blocks: &[&str]) -> RawMeta {
    RawMeta {
        jsonld: blocks.iter().map(|b| b.to_string()).collect(),
        ..RawMeta::default()
    }
}

#[test]
fn nothing_gives_empty_columns() {
    assert_eq!(run(&RawMeta::default()), Meta::default());
}

#[test]
fn date_source_names() {
    let names = [
        DateSource::JsonLd,
        DateSource::Meta,
        DateSource::Microdata,
        DateSource::Time,
        DateSource::Sitemap,
        DateSource::Feed,
        DateSource::Url,
        DateSource::Text,
    ]
    .map(DateSource::as_str);
    assert_eq!(
        names,
        [
            "jsonld",
            "meta",
            "microdata",
            "time",
            "sitemap",
            "feed",
            "url",
            "text"
        ]
    );
}

#[test]
fn published_from_jsonld() {
    let m = run(&with_ld(&[
        r#"{"@type":"NewsArticle","datePublished":"2026-11-30T14:05:00+01:00"}"#,
    ]));
    // The publisher's offset is kept.
    assert_eq!(m.published, "2026-11-30T14:05:00+01:00");
    assert_eq!(m.date_source, "jsonld");
}

#[test]
fn date_published_beats_date_created() {
    let m = run(&with_ld(&[
        r#"{"@type":"Article","dateCreated":"2026-11-29","datePublished":"2026-11-30"}"#,
    ]));
    assert_eq!(m.published, "2026-11-30");
}

#[test]
fn date_created_when_no_date_published() {
    let m = run(&with_ld(&[
        r#"{"@type":"Article","dateCreated":"2026-11-29"}"#,
    ]));
    assert_eq!(
        (m.published.as_str(), m.date_source.as_str()),
        ("2026-11-29", "jsonld")
    );
}

#[test]
fn invalid_jsonld_date_falls_through_to_meta() {
    let mut raw = with_ld(&[r#"{"@type":"Article","datePublished":"2099-01-01"}"#]);
    raw.head_meta = heads(&[("article:published_time", "2026-11-30T10:00:00Z")]);
    let m = run(&raw);
    assert_eq!(
        (m.published.as_str(), m.date_source.as_str()),
        ("2026-11-30T10:00:00Z", "meta")
    );
}

#[test]
fn meta_keys_in_priority_order() {
    let m = run(&with_meta(&[
        ("dc.date", "2026-11-01"),
        ("parsely-pub-date", "2026-11-02T08:00:00Z"),
        ("datepublished", "2026-11-03"),
    ]));
    assert_eq!(m.published, "2026-11-03");
    assert_eq!(m.date_source, "meta");
}

#[test]
fn rejected_meta_candidate_skipped() {
    let m = run(&with_meta(&[
        ("article:published_time", "not a date"),
        ("sailthru.date", "1989-05-05"),
        ("dc.date", "2023-01-02"),
    ]));
    assert_eq!(m.published, "2023-01-02");
}

#[test]
fn non_iso_meta_date() {
    let m = run(&with_meta(&[(
        "publish-date",
        "2015-11-28 05:36:00.000000",
    )]));
    assert_eq!(m.published, "2015-11-28T05:36:00");
}

#[test]
fn published_from_article_time() {
    let raw = RawMeta {
        body: BodyDates {
            times: vec![
                (DateRole::Published, "garbage".into()),
                (DateRole::Published, "2026-11-30T09:00:00-05:00".into()),
            ],
            ..BodyDates::default()
        },
        ..RawMeta::default()
    };
    let m = run(&raw);
    assert_eq!(
        (m.published.as_str(), m.date_source.as_str()),
        ("2026-11-30T09:00:00-05:00", "time")
    );
}

#[test]
fn fallback_used_only_when_the_page_gives_none() {
    let feed = Some(("Mon, 30 Nov 2026 14:05:00 GMT", DateSource::Feed));
    let m = build(&RawMeta::default(), &page(), None, fetched(), feed);
    assert_eq!(
        (m.published.as_str(), m.date_source.as_str()),
        ("2026-11-30T14:05:00Z", "feed")
    );
    let sitemap = Some(("2026-11-29", DateSource::Sitemap));
    let dated = with_meta(&[("date", "2026-11-28")]);
    let m = build(&dated, &page(), None, fetched(), sitemap);
    assert_eq!(
        (m.published.as_str(), m.date_source.as_str()),
        ("2026-11-28", "meta")
    );
}

#[test]
fn rejected_fallback_gives_nothing() {
    let m = build(
        &RawMeta::default(),
        &page(),
        None,
        fetched(),
        Some(("2030-01-01", DateSource::Sitemap)),
    );
    assert_eq!((m.published.as_str(), m.date_source.as_str()), ("", ""));
}

#[test]
fn modified_jsonld_then_meta() {
    let m = run(&with_ld(&[
        r#"{"@type":"Article","dateModified":"2026-12-01T08:00:00Z"}"#,
    ]));
    assert_eq!(m.modified, "2026-12-01T08:00:00Z");
    let m = run(&with_meta(&[
        ("og:updated_time", "2026-12-01T09:00:00+0100"),
        ("dcterms.modified", "2026-01-01"),
    ]));
    assert_eq!(m.modified, "2026-12-01T09:00:00+01:00");
    assert_eq!(m.date_source, "");
}

#[test]
fn graph_with_nested_author_arrays() {
    let m = run(&with_ld(&[r#"{"@context":"https://schema.org","@graph":[
        {"@type":"WebPage","@id":"https://news.example/world/story","name":"Page"},
        {"@type":"NewsArticle","headline":"Graph story",
         "author":[[{"@type":"Person","name":"Ann Lee"}],[{"@type":"Person","name":"Bo Kim"},"Ann Lee"]]}
    ]}"#]));
    assert_eq!(m.author, "Ann Lee; Bo Kim");
    assert_eq!(m.headline, "Graph story");
    assert_eq!(m.kind, "NewsArticle");
}

#[test]
fn graph_author_reference_resolved_by_id() {
    let m = run(&with_ld(&[r##"{"@graph":[
        {"@type":"Article","mainEntityOfPage":{"@id":"https://news.example/world/story"},
         "author":{"@id":"https://news.example/#/person/1"},"publisher":{"@id":"#org"}},
        {"@type":"Person","@id":"https://news.example/#/person/1","name":"Cy Dee"},
        {"@type":"Organization","@id":"#org","name":"Example News"}
    ]}"##]));
    assert_eq!(m.author, "Cy Dee");
    assert_eq!(m.site_name, "Example News");
}

#[test]
fn reportage_news_article_is_an_article() {
    let m = run(&with_ld(&[
        r#"[{"@type":"BreadcrumbList","name":"Crumbs"},{"@type":"ReportageNewsArticle","headline":"Field report"}]"#,
    ]));
    assert_eq!(m.kind, "ReportageNewsArticle");
    assert_eq!(m.headline, "Field report");
}

#[test]
fn main_entity_of_page_beats_the_first_article() {
    let m = run(&with_ld(&[
        r#"{"@type":"NewsArticle","headline":"Related","url":"https://news.example/other"}"#,
        r#"{"@type":"NewsArticle","headline":"This one","mainEntityOfPage":"https://news.example/world/story/"}"#,
    ]));
    assert_eq!(m.headline, "This one");
}

#[test]
fn url_matching_the_canonical_picks_the_entity() {
    let mut raw = with_ld(&[
        r#"{"@type":"NewsArticle","headline":"Teaser"}"#,
        r#"{"@type":"BlogPosting","headline":"Canonical","url":"/canonical/story"}"#,
    ]);
    raw.head_links = heads(&[("canonical", "/canonical/story")]);
    assert_eq!(run(&raw).headline, "Canonical");
}

#[test]
fn webpage_url_does_not_make_it_the_main_entity() {
    let m = run(&with_ld(&[
        r#"{"@type":"WebPage","url":"https://news.example/world/story","name":"Page"}"#,
        r#"{"@type":"Article","headline":"The article"}"#,
    ]));
    assert_eq!(m.kind, "Article");
}

#[test]
fn webpage_family_then_first_entity() {
    let m = run(&with_ld(&[
        r#"[{"@type":"Organization","name":"O"},{"@type":"CollectionPage","headline":"Section"}]"#,
    ]));
    assert_eq!(m.kind, "CollectionPage");
    let m = run(&with_ld(&[r#"{"@type":"Recipe","headline":"Soup"}"#]));
    assert_eq!(m.kind, "Recipe");
}

#[test]
fn schema_prefixed_and_array_types() {
    let m = run(&with_ld(&[
        r#"{"@type":["https://schema.org/NewsArticle","Thing"],"headline":"H"}"#,
    ]));
    assert_eq!(m.kind, "NewsArticle");
}

#[test]
fn broken_jsonld_skipped_and_the_next_block_used() {
    let m = run(&with_ld(&[
        r#"{"@type":"NewsArticle","headline":"Broken""#,
        r#"<!-- {"@type":"NewsArticle","headline":"Second","datePublished":"2026-11-30"} -->"#,
    ]));
    assert_eq!(m.headline, "Second");
    assert_eq!(m.published, "2026-11-30");
}

#[test]
fn jsonld_beats_opengraph() {
    let mut raw = with_ld(&[r#"{"@type":"NewsArticle","headline":"JSON-LD title",
        "description":"JSON-LD  description","articleSection":["Politics","World"]}"#]);
    raw.head_meta = heads(&[
        ("og:title", "OG title"),
        ("og:description", "OG description"),
        ("og:type", "article"),
        ("article:section", "OG section"),
    ]);
    let m = run(&raw);
    assert_eq!(m.headline, "JSON-LD title");
    assert_eq!(m.description, "JSON-LD description");
    assert_eq!(m.kind, "NewsArticle");
    assert_eq!(m.section, "Politics");
}

#[test]
fn graph_holder_with_a_type_is_an_entity_and_cdata_is_unwrapped() {
    let m = run(&with_ld(&[
        r#"<![CDATA[{"@type":"NewsArticle","headline":"Holder",
        "@graph":[{"@type":"ImageObject","url":"https://news.example/i.jpg"}]}]]>"#,
    ]));
    assert_eq!(m.headline, "Holder");
}

#[test]
fn main_entity_of_page_array_and_relative_id() {
    let m = run(&with_ld(&[
        r#"{"@type":"NewsArticle","headline":"First"}"#,
        r#"{"@type":"NewsArticle","headline":"Mine","mainEntityOfPage":[{"@id":"/world/story"}]}"#,
    ]));
    assert_eq!(m.headline, "Mine");
}

#[test]
fn fragment_ids_do_not_name_the_page() {
    let m = run(&with_ld(&[
        r##"{"@type":"ImageObject","@id":"https://news.example/world/story#image","headline":"Image"}"##,
        r#"{"@type":"NewsArticle","headline":"Article"}"#,
    ]));
    assert_eq!(m.headline, "Article");
}

#[test]
fn date_published_array_first_valid() {
    let m = run(&with_ld(&[
        r#"{"@type":"Article","datePublished":["", "2026-11-30 08:00"]}"#,
    ]));
    assert_eq!(m.published, "2026-11-30T08:00:00");
}
