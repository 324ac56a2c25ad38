//! The date sources added to `build` and their order of trust, one test per rule: meta names,
//! JSON-LD `uploadDate` and almost-JSON, the main entity never furniture, microdata, `<time>`,
//! the URL, visible text, and "updated" dates as `modified`.

use url::Url;

use super::tests_build::{fetched, heads, run, with_ld, with_meta};
use super::{build, needs_body_dates, BodyDates, DateRole, RawMeta};

fn body(markup: &[(DateRole, &str)], times: &[(DateRole, &str)], text: &[&str]) -> RawMeta {
    let own = |list: &[(DateRole, &str)]| -> Vec<(DateRole, String)> {
        list.iter().map(|(r, v)| (*r, (*v).to_string())).collect()
    };
    RawMeta {
        body: BodyDates {
            markup: own(markup),
            times: own(times),
            text: text
                .iter()
                .map(|t| (DateRole::Published, (*t).to_string()))
                .collect(),
        },
        ..RawMeta::default()
    }
}

fn at(raw: &RawMeta, url: &str, lang: Option<&str>) -> super::Meta {
    let url = Url::parse(url).expect("test url");
    build(raw, &url, lang, fetched(), None)
}

fn pair(m: &super::Meta) -> (&str, &str) {
    (m.published.as_str(), m.date_source.as_str())
}

#[test]
fn meta_names_real_sites_use() {
    for key in [
        "og:article:published_time",
        "article.published",
        "publishdate",
        "publication_date",
        "pub_date",
        "dc.date.created",
        "dcterms.date",
        "citation_publication_date",
        "published_time",
    ] {
        let m = run(&with_meta(&[(key, "2026-11-03")]));
        assert_eq!(pair(&m), ("2026-11-03", "meta"), "{key}");
    }
    // Specific names before the generic `date`.
    let m = run(&with_meta(&[
        ("date", "2026-11-01"),
        ("pub_date", "2026-11-02"),
    ]));
    assert_eq!(m.published, "2026-11-02");
}

#[test]
fn updated_meta_names_are_modified_never_published() {
    for key in [
        "og:updated_time",
        "article:modified",
        "og:article:modified_time",
        "last-modified",
    ] {
        let m = run(&with_meta(&[(key, "2026-11-03")]));
        assert_eq!(
            (m.published.as_str(), m.modified.as_str()),
            ("", "2026-11-03"),
            "{key}"
        );
    }
}

#[test]
fn jsonld_upload_date() {
    let m = run(&with_ld(&[
        r#"{"@type":"VideoObject","uploadDate":"2026-11-20T10:00:00+05:30"}"#,
    ]));
    assert_eq!(pair(&m), ("2026-11-20T10:00:00+05:30", "jsonld"));
}

#[test]
fn almost_json_jsonld() {
    let m = run(&with_ld(&[
        "{\"@type\":\"NewsArticle\",\"headline\":\"Two\nlines\",\"datePublished\":\"2026-11-20\",}",
    ]));
    assert_eq!(pair(&m), ("2026-11-20", "jsonld"));
    assert_eq!(m.headline, "Two lines");
    let m = run(&with_ld(&[
        r#"[{"@type":"NewsArticle","datePublished":"2026-11-21","keywords":["a","b",],},]"#,
    ]));
    assert_eq!(
        (m.published.as_str(), m.keywords.as_str()),
        ("2026-11-21", "a; b")
    );
    // A comma inside a string is not touched.
    let m = run(&with_ld(&[
        r#"{"@type":"Article","headline":"a ,}","x":1,}"#,
    ]));
    assert_eq!(m.headline, "a ,}");
}

#[test]
fn main_entity_never_furniture_when_content_exists() {
    // The WebSite names the page URL (a site's home) and comes first; the article has no URL.
    let m = at(
        &with_ld(&[
            r#"{"@type":"WebSite","url":"https://news.example/","datePublished":"2001-01-01","name":"Site"}"#,
            r#"{"@type":"Organization","url":"https://news.example/","name":"Org"}"#,
            r#"{"@type":"Recipe","datePublished":"2026-11-22","name":"Soup"}"#,
        ]),
        "https://news.example/",
        None,
    );
    assert_eq!(
        (m.published.as_str(), m.kind.as_str()),
        ("2026-11-22", "Recipe")
    );
    // Furniture alone is still read.
    let m = run(&with_ld(&[
        r#"{"@type":"WebSite","datePublished":"2026-01-01"}"#,
    ]));
    assert_eq!(m.published, "2026-01-01");
}

#[test]
fn microdata_then_time() {
    let raw = body(
        &[(DateRole::Published, "2026-11-10T08:00:00+01:00")],
        &[(DateRole::Published, "2026-11-11")],
        &[],
    );
    assert_eq!(pair(&run(&raw)), ("2026-11-10T08:00:00+01:00", "microdata"));
    let raw = body(&[], &[(DateRole::Published, "2026-11-11")], &[]);
    assert_eq!(pair(&run(&raw)), ("2026-11-11", "time"));
}

#[test]
fn time_text_without_datetime() {
    let raw = body(&[], &[(DateRole::Published, "11 November 2026")], &[]);
    assert_eq!(pair(&run(&raw)), ("2026-11-11", "time"));
    let raw = body(&[], &[(DateRole::Published, "16.11.2026")], &[]);
    assert_eq!(
        pair(&at(&raw, "https://n.example/a", Some("de"))),
        ("2026-11-16", "time")
    );
}

#[test]
fn structured_before_url_before_text() {
    let mut raw = body(&[], &[], &["By Ann, 12 November 2026"]);
    assert_eq!(
        pair(&at(&raw, "https://n.example/2026/11/13/story", None)),
        ("2026-11-13", "url")
    );
    assert_eq!(
        pair(&at(&raw, "https://n.example/story", None)),
        ("2026-11-12", "text")
    );
    raw.head_meta = heads(&[("pubdate", "2026-11-14")]);
    assert_eq!(
        pair(&at(&raw, "https://n.example/2026/11/13/story", None)),
        ("2026-11-14", "meta")
    );
}

#[test]
fn url_date_validated_and_bounded() {
    let raw = RawMeta::default();
    assert_eq!(
        pair(&at(&raw, "https://n.example/2026/02/30/x", None)),
        ("", "")
    );
    assert_eq!(
        pair(&at(&raw, "https://n.example/2026/11/x", None)),
        ("", "")
    );
    // After the fetch (2026-12-02) by more than a day.
    assert_eq!(
        pair(&at(&raw, "https://n.example/2026/12/24/x", None)),
        ("", "")
    );
    assert_eq!(
        pair(&at(&raw, "https://n.example/20261124/x", None)),
        ("2026-11-24", "url")
    );
}

#[test]
fn text_in_the_pages_language() {
    let raw = body(&[], &[], &["Von Anna Schmidt | 03.11.2026, 10:00 Uhr"]);
    assert_eq!(
        pair(&at(&raw, "https://n.example/a", Some("de"))),
        ("2026-11-03", "text")
    );
    // English without a region: 03/11 could be either.
    let raw = body(&[], &[], &["By Ann | 03/11/2026"]);
    assert_eq!(pair(&at(&raw, "https://n.example/a", Some("en"))), ("", ""));
    assert_eq!(
        pair(&at(&raw, "https://n.example/a", Some("en-US"))),
        ("2026-03-11", "text")
    );
}

#[test]
fn updated_text_is_modified_never_published() {
    let raw = body(&[], &[], &["Updated 12 November 2026"]);
    let m = run(&raw);
    assert_eq!(
        (m.published.as_str(), m.modified.as_str()),
        ("", "2026-11-12")
    );
    let raw = body(
        &[],
        &[],
        &["Published 10 November 2026 · Updated 12 November 2026"],
    );
    let m = run(&raw);
    assert_eq!(
        (m.published.as_str(), m.modified.as_str()),
        ("2026-11-10", "2026-11-12")
    );
    let raw = body(
        &[(DateRole::Modified, "2026-11-12")],
        &[(DateRole::Modified, "2026-11-13")],
        &[],
    );
    let m = run(&raw);
    assert_eq!(
        (m.published.as_str(), m.modified.as_str()),
        ("", "2026-11-12")
    );
}

#[test]
fn body_read_only_without_a_structured_date() {
    let page = Url::parse("https://n.example/a").expect("url");
    assert!(needs_body_dates(&RawMeta::default(), &page));
    assert!(!needs_body_dates(
        &with_meta(&[("pubdate", "2026-11-14")]),
        &page
    ));
    assert!(!needs_body_dates(
        &with_ld(&[r#"{"@type":"Article","datePublished":"2026-11-14"}"#]),
        &page
    ));
    // Unreadable or placeholder dates do not count.
    assert!(needs_body_dates(&with_meta(&[("pubdate", "soon")]), &page));
    assert!(needs_body_dates(
        &with_meta(&[("pubdate", "1970-01-01")]),
        &page
    ));
}

#[test]
fn utc_time_takes_the_publishers_offset_from_another_structured_source() {
    let mut raw = with_ld(&[r#"{"@type":"NewsArticle","dateCreated":"2017-02-24T01:18:13Z"}"#]);
    raw.head_meta = heads(&[("article:published_time", "2017-02-23T17:18:13-08:00")]);
    assert_eq!(pair(&run(&raw)), ("2017-02-23T17:18:13-08:00", "jsonld"));
    // Another instant is not the same time.
    raw.head_meta = heads(&[("article:published_time", "2017-02-23T17:00:00-08:00")]);
    assert_eq!(pair(&run(&raw)), ("2017-02-24T01:18:13Z", "jsonld"));
}
