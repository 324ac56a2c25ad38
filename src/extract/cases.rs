//! The extractor test cases, typed once: a table of pages with the title and links a browser's
//! `document.title` and `document.links` give for them, run against the DOM reference
//! (`dom.rs` tests) and against the crawl's extraction, stream first with the DOM as fallback
//! (`mod.rs` tests). Test-only.

use super::Extracted;
use url::Url;

/// The page URL of every case that does not name its own.
pub const PAGE: &str = "https://example.com/dir/page.html?x=1";

/// One page and what must be read from it; `None` asserts nothing about that part (a case with
/// neither only must not panic).
pub struct Case {
    pub name: &'static str,
    pub html: &'static str,
    pub page: &'static str,
    pub title: Option<&'static str>,
    pub links: Option<&'static [&'static str]>,
}

const fn title(name: &'static str, html: &'static str, title: &'static str) -> Case {
    Case {
        name,
        html,
        page: PAGE,
        title: Some(title),
        links: None,
    }
}

const fn links(name: &'static str, html: &'static str, links: &'static [&'static str]) -> Case {
    Case {
        name,
        html,
        page: PAGE,
        title: None,
        links: Some(links),
    }
}

const fn no_panic(name: &'static str, html: &'static str) -> Case {
    Case {
        name,
        html,
        page: PAGE,
        title: None,
        links: None,
    }
}

pub const CASES: &[Case] = &[
    // --- title ---
    title(
        "title_basic",
        "<html><head><title>Hello</title></head></html>",
        "Hello",
    ),
    title(
        "title_entities_are_decoded",
        "<title>A &amp; B &lt;c&gt; &#x41;&#66; &quot;q&quot; &eacute;</title>",
        "A & B <c> AB \"q\" é",
    ),
    // Markup inside title is text (RCDATA).
    title(
        "title_markup_is_text",
        "<title><b>bold</b></title>",
        "<b>bold</b>",
    ),
    title(
        "title_nbsp_is_kept_not_stripped",
        "<title>&nbsp;a&nbsp;&nbsp;b&nbsp;</title>",
        "\u{A0}a\u{A0}\u{A0}b\u{A0}",
    ),
    title(
        "title_nbsp_is_kept_literal",
        "<title> \u{A0} x </title>",
        "\u{A0} x",
    ),
    title(
        "title_whitespace_is_stripped_and_collapsed",
        "<title>\n\t  Multi\n  line\t\ttitle \r\n with\x0Cform feed  \n</title>",
        "Multi line title with form feed",
    ),
    title(
        "title_whitespace_only_is_empty",
        "<title> \n\t </title>",
        "",
    ),
    title("title_empty", "<title></title>", ""),
    title(
        "title_svg_title_before_html_title_does_not_count",
        "<html><head></head><body>\
            <svg><title>SVG icon</title></svg>\
            <title>Real</title></body></html>",
        "Real",
    ),
    title(
        "title_only_svg",
        "<body><svg><title>Only SVG</title></svg></body>",
        "",
    ),
    title(
        "title_only_mathml",
        "<body><math><title>MathML</title></math></body>",
        "",
    ),
    title(
        "title_in_body_counts",
        "<html><body><p>text</p><title>Late</title></body></html>",
        "Late",
    ),
    title(
        "title_missing_is_empty",
        "<html><head></head><body>No title</body></html>",
        "",
    ),
    title("title_of_nothing_is_empty", "", ""),
    title(
        "title_first_of_two_wins",
        "<title>First</title><title>Second</title>",
        "First",
    ),
    title(
        "title_head_before_body",
        "<head><title>Head</title></head><body><title>Body</title></body>",
        "Head",
    ),
    title(
        "title_in_template_does_not_count",
        "<head><template><title>Tpl</title></template><title>Doc</title></head>",
        "Doc",
    ),
    title(
        "title_unclosed_runs_to_end",
        "<title>Open <a href=x>",
        "Open <a href=x>",
    ),
    title(
        "title_after_a_comment",
        "<!-- <title>c</title> --><title>t</title>",
        "t",
    ),
    // --- links ---
    links(
        "links_relative_and_absolute",
        r#"<a href="a.html">a</a> <a href="/root">r</a> <a href="../up/x">u</a>
            <a href="https://other.org/p?q=1">o</a> <a href="?y=2">q</a>"#,
        &[
            "https://example.com/dir/a.html",
            "https://example.com/root",
            "https://example.com/up/x",
            "https://other.org/p?q=1",
            "https://example.com/dir/page.html?y=2",
        ],
    ),
    links(
        "links_dot_dot_cannot_escape_root",
        "<a href='../../../../x'>",
        &["https://example.com/x"],
    ),
    links(
        "links_protocol_relative",
        "<a href='//cdn.example.net/lib'>x</a>",
        &["https://cdn.example.net/lib"],
    ),
    Case {
        name: "links_protocol_relative_on_http",
        html: "<a href='//cdn.example.net/lib'>x</a>",
        page: "http://example.com/",
        title: None,
        links: Some(&["http://cdn.example.net/lib"]),
    },
    links(
        "links_absolute_base",
        r#"<head><base href="https://base.example.org/sub/"></head>
            <body><a href="x.html">x</a><a href="/abs">y</a><a href="">self</a></body>"#,
        &[
            "https://base.example.org/sub/x.html",
            "https://base.example.org/abs",
            "https://base.example.org/sub/",
        ],
    ),
    links(
        "links_relative_base_resolves_against_page",
        r#"<base href="../other/"><a href="x.html">x</a>"#,
        &["https://example.com/other/x.html"],
    ),
    links(
        "links_base_href_is_trimmed",
        r#"<base href=" /b/ "><a href="x">x</a>"#,
        &["https://example.com/b/x"],
    ),
    links(
        "links_base_applies_to_links_before_it_and_only_first_base_counts",
        r#"<a href="early">e</a><base href="https://one.example/">
            <base href="https://two.example/"><a href="late">l</a>"#,
        &["https://one.example/early", "https://one.example/late"],
    ),
    links(
        "links_base_without_href_is_skipped",
        r#"<base target="_blank"><base href="https://b.example/"><a href="x">"#,
        &["https://b.example/x"],
    ),
    links(
        "links_javascript_base_falls_back_to_page",
        r#"<base href="javascript:alert(1)"><a href="x.html">x</a>"#,
        &["https://example.com/dir/x.html"],
    ),
    links(
        "links_data_base_falls_back_to_page",
        r#"<base href="data:text/html,x"><a href="x.html">x</a>"#,
        &["https://example.com/dir/x.html"],
    ),
    links(
        "links_mailto_base_falls_back_to_page",
        r#"<base href="mailto:x@y.z"><a href="x.html">x</a>"#,
        &["https://example.com/dir/x.html"],
    ),
    links(
        "links_broken_base_falls_back_to_page",
        r#"<base href="http://"><a href="x.html">x</a>"#,
        &["https://example.com/dir/x.html"],
    ),
    links(
        "links_svg_base_does_not_count",
        r#"<svg><base href="https://svg.example/"></base></svg><a href="x">x</a>"#,
        &["https://example.com/dir/x"],
    ),
    links(
        "links_fragments_removed_and_deduplicated",
        r##"<a href="a#x">1</a><a href="a#y">2</a><a href="a">3</a>
            <a href="b">4</a><a href="#top">5</a><a href="https://example.com/dir/a">6</a>"##,
        &[
            "https://example.com/dir/a",
            "https://example.com/dir/b",
            "https://example.com/dir/page.html?x=1",
        ],
    ),
    links(
        "links_non_http_schemes_skipped",
        r#"<a href="mailto:me@example.com">m</a><a href="javascript:void(0)">j</a>
            <a href="tel:+1555">t</a><a href="data:text/html,hi">d</a>
            <a href="ftp://ftp.example.com/f">f</a><a href="ok">ok</a>"#,
        &["https://example.com/dir/ok"],
    ),
    links(
        "links_surrounding_whitespace_trimmed",
        "<a href=\"  \n\thttps://w.example/x \r\n \">x</a><a href=' y '>y</a>",
        &["https://w.example/x", "https://example.com/dir/y"],
    ),
    links(
        "links_area_href_counts",
        r#"<map name="m"><area shape="rect" coords="0,0,1,1" href="/area">
            <area shape="default" nohref></map>"#,
        &["https://example.com/area"],
    ),
    links(
        "links_a_without_href_ignored",
        "<a name='anchor'>x</a><a>y</a><a id=z></a>",
        &[],
    ),
    links(
        "links_empty_href_is_the_base_itself",
        "<a href=''>self</a>",
        &["https://example.com/dir/page.html?x=1"],
    ),
    links(
        "links_valueless_href_is_the_base_itself",
        "<a href>self</a>",
        &["https://example.com/dir/page.html?x=1"],
    ),
    links(
        "links_uppercase_scheme_normalized",
        "<a href='HTTP://WWW.Example.COM:80/Path'>x</a>",
        &["http://www.example.com/Path"],
    ),
    links(
        "links_in_svg_are_not_document_links",
        r#"<svg><a href="/svg-link"><text>t</text></a></svg><a href="/html">h</a>"#,
        &["https://example.com/html"],
    ),
    links(
        "links_in_template_are_not_document_links",
        r#"<template><a href="/tpl">t</a></template><a href="/doc">d</a>"#,
        &["https://example.com/doc"],
    ),
    links(
        "links_entities_in_href_decoded",
        "<a href='/s?a=1&amp;b=2&#x26;c=3'>x</a>",
        &["https://example.com/s?a=1&b=2&c=3"],
    ),
    links(
        "links_document_order_across_nesting",
        r#"<div><p><a href="/1">1</a></p><map><area href="/2"></map></div>
            <table><tr><td><a href="/3">3</a></td></tr></table><a href="/4">4</a>"#,
        &[
            "https://example.com/1",
            "https://example.com/2",
            "https://example.com/3",
            "https://example.com/4",
        ],
    ),
    // --- malformed markup does not panic ---
    no_panic("malformed_open_href", "<a href="),
    no_panic("malformed_brackets", "<<<>>>"),
    no_panic("malformed_open_title", "<title"),
    no_panic("malformed_nested_a", "<a href='x'><a href='y'></a"),
    no_panic("malformed_nul", "\u{0}<a href=\u{0}>"),
    no_panic("malformed_svg_title_link", "<svg><title><a href='/x'>"),
    // --- both ---
    Case {
        name: "title_and_links_together",
        html: "<!doctype html><html><head><title> Shop &amp; Co </title></head>\
             <body><a href='/cart#top'>c</a><a href='mailto:x@y.z'>m</a></body></html>",
        page: PAGE,
        title: Some("Shop & Co"),
        links: Some(&["https://example.com/cart"]),
    },
];

/// Run every case through `extract`, asserting each case's title and links.
pub fn check_all(extract: impl Fn(&str, &Url) -> Extracted) {
    for case in CASES {
        let page = Url::parse(case.page).expect("test url");
        let got = extract(case.html, &page);
        if let Some(title) = case.title {
            assert_eq!(got.title, title, "{}: title of {:?}", case.name, case.html);
        }
        if let Some(links) = case.links {
            let got: Vec<&str> = got.links.iter().map(Url::as_str).collect();
            assert_eq!(got, links, "{}: links of {:?}", case.name, case.html);
        }
    }
}
