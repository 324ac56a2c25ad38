//! What each page yields, end to end through fetch, charset decoding and extraction: exact titles
//! (entities, whitespace, SVG, charsets by header, meta, BOM and detection) and exact link sets
//! (`<base>`, `../`, protocol-relative, fragments, non-http schemes).

use crate::common::harness::{config, row, run};
use crate::common::server::{Response, Site};
use std::path::PathBuf;

fn encode(label: &str, text: &str) -> Vec<u8> {
    let enc = encoding_rs::Encoding::for_label(label.as_bytes()).expect("label");
    enc.encode(text).0.into_owned()
}

const RUSSIAN: &str = "Новости Петербурга: главные события дня, погода и происшествия";

#[test]
fn titles_are_what_document_title_gives() {
    let cases: Vec<(&str, Response, &str, &str)> = vec![
        (
            "/entities",
            Response::html("<title> Tom &amp; Jerry&nbsp;&lt;3 &#x41;&#169; </title>"),
            "Tom & Jerry\u{a0}<3 A©",
            "UTF-8",
        ),
        ("/ws", Response::html("<title>\n\t A \n\n  B\t\r\n</title>"), "A B", "UTF-8"),
        (
            "/svg-first",
            Response::html("<body><svg><title>an icon</title></svg><title>The page</title>"),
            "The page",
            "UTF-8",
        ),
        ("/in-body", Response::html("<body><p>x</p><title>in body</title>"), "in body", "UTF-8"),
        ("/two", Response::html("<title>first</title><title>second</title>"), "first", "UTF-8"),
        ("/none", Response::html("<p>no title here</p>"), "", "UTF-8"),
        (
            "/cp1251-meta",
            Response::new(200).content_type("text/html").body(
                [
                    &b"<html><head><meta charset=\"windows-1251\"><title>"[..],
                    &encode("windows-1251", RUSSIAN),
                    b"</title>",
                ]
                .concat(),
            ),
            RUSSIAN,
            "windows-1251",
        ),
        (
            "/cp1251-http-equiv",
            Response::new(200).content_type("text/html").body(
                [
                    &b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=cp1251\"><title>"[..],
                    &encode("windows-1251", RUSSIAN),
                    b"</title>",
                ]
                .concat(),
            ),
            RUSSIAN,
            "windows-1251",
        ),
        (
            "/koi8-header",
            Response::new(200)
                .content_type("text/html; charset=koi8-r")
                .body([&b"<title>"[..], &encode("koi8-r", RUSSIAN), b"</title>"].concat()),
            RUSSIAN,
            "KOI8-R",
        ),
        (
            "/sjis-header",
            Response::new(200)
                .content_type("text/html; charset=Shift_JIS")
                .body([&b"<title>"[..], &encode("shift_jis", "東京のニュース"), b"</title>"].concat()),
            "東京のニュース",
            "Shift_JIS",
        ),
        (
            "/bom-wins",
            Response::new(200)
                .content_type("text/html; charset=windows-1252")
                .body([&b"\xEF\xBB\xBF<title>"[..], "Café".as_bytes(), b"</title>"].concat()),
            "Café",
            "UTF-8",
        ),
        (
            "/latin1-is-1252",
            Response::new(200)
                .content_type("text/html; charset=iso-8859-1")
                .body(&b"<title>\x93quoted\x94</title>"[..]),
            "\u{201c}quoted\u{201d}",
            "windows-1252",
        ),
        (
            "/undeclared-1251",
            Response::new(200).content_type("text/html").body(
                [
                    &b"<title>"[..],
                    &encode("windows-1251", RUSSIAN),
                    b"</title><p>",
                    &encode("windows-1251", &RUSSIAN.repeat(5)),
                ]
                .concat(),
            ),
            RUSSIAN,
            "windows-1251",
        ),
    ];
    let mut site = Site::new();
    let mut home = String::from("<title>home</title>");
    for (path, resp, _, _) in &cases {
        home.push_str(&format!("<a href=\"{path}\">x</a>"));
        site.response(path, resp.clone());
    }
    site.page("/", home);
    let server = site.serve();
    let (_, sink) = run(config(&[server.url("/")]));
    for (path, _, title, encoding) in &cases {
        let r = row(&sink.rows, &server.url(path));
        assert_eq!(&r.title, title, "{path}");
        assert_eq!(&r.encoding, encoding, "{path}");
        assert_eq!(r.error, None, "{path}");
    }
}

#[test]
fn links_resolve_like_document_links() {
    let mut site = Site::new();
    site.page(
        "/dir/page.html",
        r##"<title>links</title>
        <a href="../up.html">up</a>
        <a href="same.html#section">same</a>
        <a href="same.html#other">same again</a>
        <a href="//other.test/proto">protocol-relative</a>
        <a href="  /spaced  ">spaced</a>
        <a href="mailto:news@example.org">mail</a>
        <a href="javascript:void(0)">js</a>
        <a href="tel:+7123">tel</a>
        <a href="data:text/html,hi">data</a>
        <a name="anchor">no href</a>
        <map><area href="/area" alt="a"></map>
        <svg><a href="/svg-link">in svg</a></svg>
        <a href="HTTPS://Example.COM/Upper">upper</a>"##,
    );
    site.page(
        "/based.html",
        r#"<head><base href="/base/dir/"><title>based</title></head>
        <a href="rel">rel</a><a href="../sib">sib</a><a href="?q=1">query</a>"#,
    );
    let server = site.serve();
    let mut c = config(&[server.url("/dir/page.html"), server.url("/based.html")]);
    c.max_depth = 0;
    c.links_output = Some(trawl::config::OutputTarget::File(PathBuf::from(
        "edges.csv",
    )));
    let (_, sink) = run(c);
    let mut got: Vec<(String, String)> = sink.edges.clone();
    got.sort();
    let page = server.url("/dir/page.html");
    let based = server.url("/based.html");
    let mut want: Vec<(String, String)> = [
        (page.clone(), server.url("/up.html")),
        (page.clone(), server.url("/dir/same.html")),
        (page.clone(), "http://other.test/proto".to_owned()),
        (page.clone(), server.url("/spaced")),
        (page.clone(), server.url("/area")),
        (page.clone(), "https://example.com/Upper".to_owned()),
        (based.clone(), server.url("/base/dir/rel")),
        (based.clone(), server.url("/base/sib")),
        (based.clone(), server.url("/base/dir/?q=1")),
    ]
    .into_iter()
    .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(row(&sink.rows, &page).links, Some(6));
    assert_eq!(row(&sink.rows, &based).links, Some(3));
}

#[test]
fn links_resolve_against_the_final_url_after_a_redirect() {
    let mut site = Site::new();
    site.response("/start", Response::redirect(301, "/moved/here.html"));
    site.page(
        "/moved/here.html",
        "<title>moved</title><a href=\"next.html\">n</a>",
    );
    site.page("/moved/next.html", "<title>next</title>");
    let server = site.serve();
    let (_, sink) = run(config(&[server.url("/start")]));
    assert_eq!(
        row(&sink.rows, &server.url("/moved/next.html")).title,
        "next"
    );
    assert_eq!(
        row(&sink.rows, &server.url("/moved/next.html")).parent,
        server.url("/start")
    );
}
