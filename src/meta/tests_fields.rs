//! The column rules of `build` for the text columns, one test per rule.

use super::tests_build::{fetched, heads, page, run, with_ld, with_meta};
use super::{build, RawMeta};

#[test]
fn object_authors_give_names_not_serializations() {
    let m = run(&with_ld(&[r#"{"@type":"NewsArticle","author":[
        {"@type":"Person","name":" Dana  Ross ","url":"https://news.example/dana"},
        {"@type":"Person","givenName":"Eli","familyName":"Fox"},
        "[object Object]",
        {"@type":"Person","name":{"@value":"Gil Hart"}}
    ]}"#]));
    assert_eq!(m.author, "Dana Ross; Eli Fox; Gil Hart");
}

#[test]
fn author_urls_dropped() {
    let m = run(&with_ld(&[r#"{"@type":"Article","author":[
        "https://news.example/staff/ann", {"@type":"Person","name":"HTTP://X.EXAMPLE"}, "Ann Lee"]}"#]));
    assert_eq!(m.author, "Ann Lee");
}

#[test]
fn organization_author_only_without_persons() {
    let m = run(&with_ld(&[r#"{"@type":"Article","author":[
        {"@type":"NewsMediaOrganization","name":"Wire Service"},{"@type":"Person","name":"Ann Lee"}]}"#]));
    assert_eq!(m.author, "Ann Lee");
    let m = run(&with_ld(&[
        r#"{"@type":"Article","author":{"@type":"Organization","name":"Wire Service"}}"#,
    ]));
    assert_eq!(m.author, "Wire Service");
}

#[test]
fn author_from_meta_when_jsonld_has_none() {
    let mut raw = with_ld(&[
        r#"{"@type":"Article","author":{"@type":"Person","url":"https://x.example/a"}}"#,
    ]);
    raw.head_meta = heads(&[
        ("article:author", "https://facebook.example/ann"),
        ("parsely-author", "Ann Lee"),
        ("parsely-author", "Bo Kim"),
        ("sailthru.author", "Not used"),
    ]);
    assert_eq!(run(&raw).author, "Ann Lee; Bo Kim");
    assert_eq!(
        run(&with_meta(&[
            ("author", "Cy Dee"),
            ("article:author", "Other")
        ]))
        .author,
        "Cy Dee"
    );
    assert_eq!(
        run(&with_meta(&[("article:author", "Dee Eve")])).author,
        "Dee Eve"
    );
}

#[test]
fn description_whitespace_collapsed_and_fallbacks() {
    let m = run(&with_meta(&[
        ("description", " plain\n\t text "),
        ("og:description", ""),
    ]));
    assert_eq!(m.description, "plain text");
    let m = run(&with_meta(&[
        ("description", "plain"),
        ("og:description", "open  graph"),
    ]));
    assert_eq!(m.description, "open graph");
}

#[test]
fn canonical_resolved_fragment_removed() {
    let raw = RawMeta {
        head_links: heads(&[
            ("stylesheet", "/s.css"),
            ("canonical", "../world/story?id=1#top"),
        ]),
        ..RawMeta::default()
    };
    assert_eq!(run(&raw).canonical, "https://news.example/world/story?id=1");
}

#[test]
fn canonical_rel_is_a_token_list() {
    let raw = RawMeta {
        head_links: heads(&[("canonical amphtml", "https://news.example/c")]),
        ..RawMeta::default()
    };
    assert_eq!(run(&raw).canonical, "https://news.example/c");
}

#[test]
fn canonical_from_og_url_only_if_absolute() {
    assert_eq!(run(&with_meta(&[("og:url", "/relative")])).canonical, "");
    let m = run(&with_meta(&[
        ("og:url", "/relative"),
        ("og:url", "https://news.example/og#x"),
    ]));
    assert_eq!(m.canonical, "https://news.example/og");
    let raw = RawMeta {
        head_links: heads(&[("canonical", "javascript:void(0)"), ("canonical", "")]),
        head_meta: heads(&[("og:url", "https://news.example/og")]),
        ..RawMeta::default()
    };
    assert_eq!(run(&raw).canonical, "https://news.example/og");
}

#[test]
fn lang_html_then_header_then_og_locale() {
    let html = RawMeta {
        html_lang: Some("EN-gb".into()),
        head_meta: heads(&[("og:locale", "fr_FR")]),
        ..RawMeta::default()
    };
    assert_eq!(
        build(&html, &page(), Some("de"), fetched(), None).lang,
        "en-GB"
    );
    let no_html = RawMeta {
        html_lang: Some("".into()),
        head_meta: heads(&[("og:locale", "fr_FR")]),
        ..RawMeta::default()
    };
    let m = build(&no_html, &page(), Some("de-at, en;q=0.5"), fetched(), None);
    assert_eq!(m.lang, "de-AT");
    assert_eq!(run(&no_html).lang, "fr-FR");
}

#[test]
fn lang_bcp47_case_and_invalid_skipped() {
    let tag = |t: &str| {
        let raw = RawMeta {
            html_lang: Some(t.into()),
            ..RawMeta::default()
        };
        run(&raw).lang
    };
    assert_eq!(tag("zh-hant-tw"), "zh-Hant-TW");
    assert_eq!(tag("es-419"), "es-419");
    assert_eq!(tag("en-US-x-twain"), "en-US-x-twain");
    assert_eq!(tag("{{ lang }}"), "");
    assert_eq!(tag("e"), "");
}

#[test]
fn kind_from_og_type_without_jsonld() {
    assert_eq!(run(&with_meta(&[("og:type", "article")])).kind, "article");
}

#[test]
fn section_from_meta() {
    assert_eq!(
        run(&with_meta(&[("article:section", " World ")])).section,
        "World"
    );
    let m = run(&with_ld(&[
        r#"{"@type":"Article","articleSection":"Sport"}"#,
    ]));
    assert_eq!(m.section, "Sport");
}

#[test]
fn keywords_news_keywords_first() {
    let mut raw = with_ld(&[r#"{"@type":"Article","keywords":"ld one, ld two"}"#]);
    raw.head_meta = heads(&[("keywords", "plain"), ("news_keywords", "news, wire, news")]);
    assert_eq!(run(&raw).keywords, "news; wire");
}

#[test]
fn keywords_jsonld_before_keywords_meta() {
    let mut raw = with_ld(&[
        r#"{"@type":"Article","keywords":["Ld One",{"@type":"DefinedTerm","name":"Ld Two"}]}"#,
    ]);
    raw.head_meta = heads(&[("keywords", "plain")]);
    assert_eq!(run(&raw).keywords, "Ld One; Ld Two");
    let raw = with_ld(&[r#"{"@type":"Article","keywords":"a,b , ,c"}"#]);
    assert_eq!(run(&raw).keywords, "a; b; c");
}

#[test]
fn keywords_meta_then_article_tags() {
    assert_eq!(
        run(&with_meta(&[("keywords", "x, y"), ("article:tag", "t")])).keywords,
        "x; y"
    );
    let m = run(&with_meta(&[
        ("article:tag", "Tag, with comma"),
        ("article:tag", "Two"),
    ]));
    assert_eq!(m.keywords, "Tag, with comma; Two");
}

#[test]
fn headline_from_og_title() {
    assert_eq!(
        run(&with_meta(&[("og:title", " OG  title ")])).headline,
        "OG title"
    );
}

#[test]
fn site_name_og_then_publisher() {
    let mut raw = with_ld(&[
        r#"{"@type":"Article","publisher":{"@type":"Organization","name":"Publisher"}}"#,
    ]);
    assert_eq!(run(&raw).site_name, "Publisher");
    raw.head_meta = heads(&[("og:site_name", "OG Site")]);
    assert_eq!(run(&raw).site_name, "OG Site");
}
