//! `--meta` end to end: a crawl of the pages under `tests/meta_corpus/` (written for these tests
//! in the shapes news sites use) served by a local test server, with every metadata column of
//! every page asserted exactly; the Google News sitemap and RSS feed date fallbacks, the
//! canonical count of the summary, and `--dedup-canonical`.

use crate::common::harness::{config, run};
use crate::common::server::{Response, TestServer};
use std::path::PathBuf;
use trawl::meta::Meta;
use trawl::output::Row;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/meta_corpus")
}

/// Serves the corpus: pages as HTML (the Cyrillic page with its charset in the header too, the
/// Japanese one with only its `<meta charset>`), the sitemap and feed as XML, a robots.txt that
/// names the sitemap, and a Content-Language header on one page.
fn corpus_server() -> TestServer {
    TestServer::start(move |req| {
        let path = req.path_only().to_owned();
        if path == "/robots.txt" {
            let host = req.header("host").unwrap_or("127.0.0.1").to_owned();
            return Response::text(format!(
                "User-agent: *\nAllow: /\nSitemap: http://{host}/news-sitemap.xml\n"
            ));
        }
        let file = corpus_dir().join(path.trim_start_matches('/'));
        let Ok(body) = std::fs::read(&file) else {
            return Response::not_found();
        };
        match path.as_str() {
            "/news-sitemap.xml" | "/feed.xml" => Response::new(200)
                .content_type("application/xml")
                .body(body),
            "/cyrillic.html" => Response::new(200)
                .content_type("text/html; charset=windows-1251")
                .body(body),
            "/japanese.html" => Response::new(200).content_type("text/html").body(body),
            "/content-language.html" => {
                Response::html(body).header("Content-Language", "de-AT, en")
            }
            _ => Response::html(body),
        }
    })
}

/// The expected columns, in `META_COLUMNS` order.
fn meta(cells: [&str; 12]) -> Meta {
    Meta::from_cells(cells.map(str::to_owned))
}

/// A page that gives nothing but its language.
fn only_lang(lang: &str) -> Meta {
    meta(["", "", "", "", "", "", lang, "", "", "", "", ""])
}

fn meta_of<'a>(rows: &'a [Row], url: &str) -> &'a Meta {
    let found: Vec<&Row> = rows.iter().filter(|r| r.url == url).collect();
    assert_eq!(found.len(), 1, "rows for {url}");
    found[0]
        .meta
        .as_deref()
        .unwrap_or_else(|| panic!("no metadata for {url}"))
}

fn expected(base: &str) -> Vec<(&'static str, Meta)> {
    let b = |p: &str| format!("{base}{p}");
    vec![
        ("/index.html", only_lang("en")),
        (
            "/graph.html",
            meta([
                "2026-11-30T14:05:00+01:00",
                "2026-11-30T16:30:00Z",
                "jsonld",
                "Ada Lovelace; Grace Hopper",
                "A rocket landed.",
                &b("/graph.html?ref=canonical"),
                "en-GB",
                "NewsArticle",
                "Science",
                "space; rockets; barges",
                // JSON-LD is script text: its entities are not decoded.
                "Rocket lands on a barge &amp; nobody is surprised",
                "The Test Gazette",
            ]),
        ),
        (
            "/reportage.html",
            meta([
                "2026-11-28",
                "",
                "jsonld",
                "Reporter Un",
                "",
                "",
                "fr",
                "ReportageNewsArticle",
                "",
                "terrain; reportage",
                "Sur le terrain",
                "Le Journal Test",
            ]),
        ),
        (
            "/disagree.html",
            meta([
                "2026-11-25T08:00:00-05:00",
                "",
                "jsonld",
                "LD Author",
                "The JSON-LD description",
                "",
                "en-US",
                "NewsArticle",
                "LD Section",
                "",
                "The JSON-LD headline",
                "OG Site",
            ]),
        ),
        (
            "/og-body.html",
            meta([
                "",
                "",
                "",
                "",
                "The head's plain description.",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        (
            "/dublin-core.html",
            meta([
                "2023-01-02",
                "2023-01-05T10:00:00+01:00",
                "meta",
                "",
                "",
                "",
                "en",
                "",
                "",
                "archive; records",
                "",
                "",
            ]),
        ),
        (
            "/parsely.html",
            meta([
                "2026-11-27T06:15:00Z",
                "",
                "meta",
                "First Writer; Second Writer",
                "",
                "",
                "en-US",
                "",
                "",
                "markets; stocks",
                "",
                "",
            ]),
        ),
        (
            "/sailthru.html",
            meta([
                "2026-11-26T18:45:00",
                "",
                "meta",
                "Sail Writer",
                "",
                "https://gazette.test/sailthru",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        (
            "/time-only.html",
            meta([
                "2026-11-29T08:30:00Z",
                "2026-11-29T09:00:00Z",
                "time",
                "",
                "",
                "",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        (
            "/future.html",
            meta([
                "",
                "",
                "",
                "",
                "",
                "",
                "en",
                "NewsArticle",
                "",
                "",
                "From the future",
                "",
            ]),
        ),
        (
            "/non-iso.html",
            meta([
                "2015-11-28T05:36:00",
                "2026-11-30T14:05:00+01:00",
                "meta",
                "",
                "",
                "",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        (
            "/broken.html",
            meta([
                "2026-11-02T07:00:00Z",
                "",
                "jsonld",
                "Real Name",
                "",
                "",
                "en",
                "NewsArticle",
                "",
                "",
                "The good block",
                "",
            ]),
        ),
        (
            "/cyrillic.html",
            meta([
                "2026-11-30T09:00:00+03:00",
                "",
                "meta",
                "Иван Петров",
                "Краткое описание",
                "",
                "ru",
                "",
                "",
                "",
                "Заголовок статьи",
                "",
            ]),
        ),
        (
            "/japanese.html",
            meta([
                "2026-11-30T10:00:00+09:00",
                "",
                "jsonld",
                "山田太郎; 佐藤花子",
                "",
                "",
                "ja",
                "NewsArticle",
                "",
                "",
                "東京で雪",
                "テスト新聞",
            ]),
        ),
        (
            "/article.html",
            meta([
                "",
                "",
                "",
                "",
                "",
                &b("/article.html"),
                "en",
                "",
                "",
                "",
                "The original story",
                "",
            ]),
        ),
        (
            "/amp/article.html",
            meta([
                "",
                "",
                "",
                "",
                "",
                &b("/article.html"),
                "en",
                "",
                "",
                "",
                "The original story",
                "",
            ]),
        ),
        ("/content-language.html", only_lang("de-AT")),
        (
            "/news/sitemap-only.html",
            meta([
                "2026-11-30T06:00:00+02:00",
                "",
                "sitemap",
                "",
                "",
                "",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        (
            "/feed-only.html",
            meta([
                "2026-11-29T21:10:00+01:00",
                "",
                "feed",
                "",
                "",
                "",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        // A WordPress post without structured dates: the article's <time>s (published, and
        // the `updated` one as modified), with the publisher's offset; not the site header's
        // "today", the post navigation's, a comment's or the sidebar calendar's.
        (
            "/wordpress.html",
            meta([
                "2026-11-20T09:15:00+09:00",
                "2026-11-21T10:00:00+09:00",
                "time",
                "",
                "",
                "",
                "en-US",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        // Microdata in the body: the story's datePublished/dateModified, not a comment's or a
        // most-read teaser's, nor the navigation's date.
        (
            "/microdata.html",
            meta([
                "2026-11-18T07:00:00-05:00",
                "2026-11-18T12:30:00-05:00",
                "microdata",
                "",
                "",
                "",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        // Only visible text: the byline's day-first date (German), the "Aktualisiert" one as
        // modified; not the masthead's today, a related list's, the story's text or the footer.
        (
            "/byline-text.html",
            meta([
                "2026-11-16",
                "2026-11-17",
                "text",
                "",
                "",
                "",
                "de",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        // The day in the URL path, not the related list's <time> or the header's today.
        (
            "/2026/11/15/url-dated.html",
            meta([
                "2026-11-15",
                "",
                "url",
                "",
                "",
                "",
                "en",
                "",
                "",
                "",
                "",
                "",
            ]),
        ),
        // More meta names (ISO basic form; a Unix date with a zone abbreviation), almost-JSON
        // JSON-LD (trailing commas, a raw line break in a string) whose main entity is the
        // article, not the WebSite or the Organization listed first.
        (
            "/metanames.html",
            meta([
                "2026-11-14T08:30:00+01:00",
                "2026-11-14T09:45:00+01:00",
                "meta",
                "Di Writer",
                "",
                "",
                "en-GB",
                "NewsArticle",
                "",
                "",
                "Meta names and almost-JSON",
                "",
            ]),
        ),
    ]
}

#[test]
fn every_column_of_every_corpus_page() {
    let server = corpus_server();
    let base = server.base();
    let base = base.trim_end_matches('/');
    let mut c = config(&[format!("{base}/index.html")]);
    c.output_options.meta = true;
    c.robots = true;
    c.sitemaps = true;
    c.feeds = true;
    c.max_depth = 1;
    let (summary, sink) = run(c);
    let expected = expected(base);
    let mut problems = Vec::new();
    for (path, want) in &expected {
        let got = meta_of(&sink.rows, &format!("{base}{path}"));
        if got != want {
            problems.push(format!("{path}:\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(sink.rows.len(), expected.len(), "one row per corpus page");
    // graph (a query string), sailthru (og:url elsewhere) and the AMP copy.
    assert_eq!(summary.canonical_elsewhere, 3);
    assert_eq!(summary.dedup_skipped, 0);
}

#[test]
fn without_meta_rows_carry_no_metadata() {
    let server = corpus_server();
    let base = server.base();
    let base = base.trim_end_matches('/');
    let mut c = config(&[format!("{base}/graph.html")]);
    c.max_depth = 0;
    let (summary, sink) = run(c);
    assert_eq!(sink.rows.len(), 1);
    assert!(sink.rows[0].meta.is_none());
    assert_eq!(
        sink.rows[0].title,
        "Rocket lands on barge | The Test Gazette"
    );
    assert_eq!(summary.canonical_elsewhere, 0);
}

#[test]
fn dedup_canonical_writes_one_row_per_canonical_url_and_follows_links() {
    let server = corpus_server();
    let base = server.base();
    let base = base.trim_end_matches('/');
    for seed in ["/article.html", "/amp/article.html"] {
        server.clear_log();
        let mut c = config(&[format!("{base}{seed}")]);
        c.output_options.meta = true;
        c.dedup_canonical = true;
        c.max_depth = 1;
        let (summary, sink) = run(c);
        // The seed's row is written; the other copy, reached by its link, is skipped.
        let urls: Vec<&str> = sink.rows.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, [format!("{base}{seed}")], "seed {seed}");
        assert_eq!(summary.dedup_skipped, 1, "seed {seed}");
        assert_eq!(summary.canonical_elsewhere, 1, "seed {seed}");
        assert_eq!(server.count("/article.html"), 1, "seed {seed}");
        assert_eq!(server.count("/amp/article.html"), 1, "seed {seed}");
        assert_eq!(
            sink.rows[0].meta.as_ref().map(|m| m.canonical.as_str()),
            Some(format!("{base}/article.html").as_str())
        );
    }
}
