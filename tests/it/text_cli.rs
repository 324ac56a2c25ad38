//! `--text` and `--text-format` as a user runs them: the `text` column (CSV and JSONL) after the
//! 13 columns and after the `--meta` columns, its exact cells for an article, empty for an index
//! page, a failed page and a non-HTML one; the output without `--text` unchanged; the refused
//! combinations.

use crate::common::cli::assert_trawl as trawl;
use crate::common::cli::stderr as stderr_of;
use crate::common::server::{Response, Site, TestServer};
use trawl::article::{article_text, TextFormat};
use trawl::output::{COLUMNS, TEXT_COLUMN};
use trawl::record::META_COLUMNS;

/// A news article as sites make them: navigation, the site header, the headline block, four
/// paragraphs of story in `<article>`, a footer.
pub const ARTICLE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Council approves the river park | The Daily Test</title>
<meta property="article:published_time" content="2026-11-30T14:05:00+01:00">
</head><body>
<header class="site-header"><a href="/">The Daily Test</a>
<nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main>
<article>
<header><h1>Council approves the river park</h1><p class="byline">By Ada Writer</p></header>
<p>The city council voted on Tuesday evening to turn the old freight yard beside the river into
a public park, ending a dispute that has divided the neighbourhood for more than ten years.</p>
<p>The plan keeps the two brick warehouses at the northern end of the site, which will become a
market hall and a workshop for the boat club, and replaces the rest of the yard with lawns,
a playground and a path along the water.</p>
<p>Residents who had campaigned for housing on the land said they were disappointed but would
not challenge the decision in court. The council promised to look for other sites for new
homes before the end of the year.</p>
<p>Work on the park is due to start in the spring and should take about eighteen months. The
first section, along the river path, could open to walkers as early as next summer.</p>
</article>
</main>
<footer><p>Copyright 2026 The Daily Test. All rights reserved.</p></footer>
</body></html>"#;

/// The text a reader finds in [`ARTICLE`]: its four paragraphs, whitespace collapsed.
pub const ARTICLE_TEXT: &str = "The city council voted on Tuesday evening to turn the old freight yard beside the river into a public park, ending a dispute that has divided the neighbourhood for more than ten years.

The plan keeps the two brick warehouses at the northern end of the site, which will become a market hall and a workshop for the boat club, and replaces the rest of the yard with lawns, a playground and a path along the water.

Residents who had campaigned for housing on the land said they were disappointed but would not challenge the decision in court. The council promised to look for other sites for new homes before the end of the year.

Work on the park is due to start in the spring and should take about eighteen months. The first section, along the river path, could open to walkers as early as next summer.";

/// A section front: a list of links to stories, no story of its own.
const INDEX: &str = r#"<!doctype html><html><head><title>News | The Daily Test</title></head><body>
<nav><a href="/">Home</a></nav>
<h1>News</h1>
<ul>
<li><a href="/story">Council approves the river park</a></li>
<li><a href="/gone">A story that was taken down</a></li>
<li><a href="/data.txt">The vote, as data</a></li>
</ul></body></html>"#;

/// The index linking the article, a page that fails (404 with an article-like body) and a
/// non-HTML file (and `/`, which it also links, is a 404).
fn news_site() -> TestServer {
    let mut site = Site::new();
    site.page("/news", INDEX);
    site.page("/story", ARTICLE);
    site.response("/gone", Response::html(ARTICLE).status(404));
    site.response(
        "/data.txt",
        Response::text("<p>The council voted 31 to 12.</p>"),
    );
    site.serve()
}

fn common(server: &TestServer) -> Vec<String> {
    ["-q", "--ignore-robots", "--delay", "0", "-o", "-"]
        .iter()
        .map(|s| s.to_string())
        .chain([server.url("/news")])
        .collect()
}

/// The CSV on standard output: header and records (sorted by URL).
fn csv_of(stdout: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(stdout);
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let mut rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("rows");
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    (header, rows)
}

fn run(server: &TestServer, extra: &[&str]) -> std::process::Output {
    let out = trawl()
        .args(common(server))
        .args(extra)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    out
}

/// The cells that change from one crawl to the next (elapsed_ms, fetched_at) blanked.
fn stable(rec: &csv::StringRecord) -> Vec<String> {
    rec.iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 9 || i == 10 {
                String::new()
            } else {
                c.to_owned()
            }
        })
        .collect()
}

#[test]
fn the_text_column_holds_the_story_and_is_empty_for_other_pages() {
    let server = news_site();
    let out = run(&server, &["--text"]);
    let (header, rows) = csv_of(&out.stdout);
    let mut want: Vec<&str> = COLUMNS.to_vec();
    want.push(TEXT_COLUMN);
    assert_eq!(header, want);
    let by_path: Vec<(String, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].replace(&server.base(), ""), &r[12], &r[13]))
        .collect();
    assert_eq!(
        by_path,
        vec![
            ("/".to_owned(), "http", ""),
            ("/data.txt".to_owned(), "not_html", ""),
            ("/gone".to_owned(), "http", ""),
            ("/news".to_owned(), "", ""),
            ("/story".to_owned(), "", ARTICLE_TEXT),
        ]
    );
}

#[test]
fn the_text_comes_after_the_meta_columns_in_csv_and_jsonl() {
    let server = news_site();
    let out = run(&server, &["--meta", "--text"]);
    let (header, rows) = csv_of(&out.stdout);
    let want: Vec<&str> = COLUMNS
        .iter()
        .chain(META_COLUMNS.iter())
        .chain([TEXT_COLUMN].iter())
        .copied()
        .collect();
    assert_eq!(header, want);
    let story = rows.last().expect("story");
    assert_eq!(&story[0], server.url("/story"));
    // The publisher's offset is kept (issue 18), not converted to UTC.
    assert_eq!(&story[13], "2026-11-30T14:05:00+01:00", "the --meta cells");
    assert_eq!(&story[25], ARTICLE_TEXT);

    for extra in [&["--text"][..], &["--meta", "--text"][..]] {
        let mut args = extra.to_vec();
        args.extend(["--format", "jsonl"]);
        let out = run(&server, &args);
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let mut fields: Vec<&str> = COLUMNS.to_vec();
        if extra.contains(&"--meta") {
            fields.extend(META_COLUMNS);
        }
        fields.push(TEXT_COLUMN);
        let mut seen_story = false;
        for line in text.lines() {
            // In column order (a JSON map would sort them: read the line itself).
            let at: Vec<usize> = fields
                .iter()
                .map(|k| line.find(&format!("\"{k}\":")).expect("field"))
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{line}");
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            assert_eq!(v.as_object().expect("object").len(), fields.len());
            if v["url"] == server.url("/story") {
                assert_eq!(v["text"], ARTICLE_TEXT);
                seen_story = true;
            } else {
                assert_eq!(
                    v["text"],
                    serde_json::Value::Null,
                    "an empty text is null: {line}"
                );
            }
        }
        assert!(seen_story);
    }
}

#[test]
fn without_text_the_output_is_what_it_was() {
    let server = news_site();
    for (extra, columns) in [
        (&[][..], COLUMNS.len()),
        (&["--meta"][..], COLUMNS.len() + META_COLUMNS.len()),
    ] {
        let plain = run(&server, extra);
        let (header, rows) = csv_of(&plain.stdout);
        let mut want: Vec<&str> = COLUMNS.to_vec();
        if extra.contains(&"--meta") {
            want.extend(META_COLUMNS);
        }
        assert_eq!(header, want);
        let head = String::from_utf8_lossy(&plain.stdout);
        assert!(head.starts_with(&format!("{}\n", want.join(","))), "{head}");
        let mut args = extra.to_vec();
        args.push("--text");
        let (_, with_text) = csv_of(&run(&server, &args).stdout);
        // The same rows, the text column apart.
        let without_last: Vec<Vec<String>> = with_text
            .iter()
            .map(|r| {
                let mut cells = stable(r);
                cells.pop();
                cells
            })
            .collect();
        assert_eq!(rows.iter().map(stable).collect::<Vec<_>>(), without_last);
        // JSONL: the same fields as before, no "text".
        let mut args = extra.to_vec();
        args.extend(["--format", "jsonl"]);
        let out = run(&server, &args);
        for line in String::from_utf8(out.stdout).expect("utf-8").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            assert_eq!(v.as_object().expect("object").len(), columns, "{line}");
        }
    }
}

#[test]
fn text_format_markdown_is_what_the_extractor_gives_in_markdown() {
    // A paragraph with emphasis and a relative link: what Markdown is for.
    let page = ARTICLE.replace(
        "ending a dispute",
        "ending <em>a dispute</em> (<a href=\"/archive/park\">our coverage</a>)",
    );
    let mut site = Site::new();
    site.page("/news", INDEX);
    site.page("/story", page.clone());
    let server = site.serve();
    let story_url = url::Url::parse(&server.url("/story")).expect("url");
    for (format, form) in [
        ("plain", TextFormat::Plain),
        ("markdown", TextFormat::Markdown),
    ] {
        let out = run(
            &server,
            &["--text", "--text-format", format, "--max-depth", "1"],
        );
        let (_, rows) = csv_of(&out.stdout);
        let story = rows
            .iter()
            .find(|r| &r[0] == story_url.as_str())
            .expect("story row");
        assert_eq!(
            &story[13],
            article_text(&page, &story_url, form),
            "{format}"
        );
        assert!(
            story[13].contains("Residents who had campaigned"),
            "{format}"
        );
    }
}

#[test]
fn refused_combinations_name_the_option_in_one_line() {
    let site = Site::new().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = trawl()
        .current_dir(dir.path())
        .args(["--text-format", "markdown"])
        .arg(site.url("/"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "trawl: --text-format needs --text (it sets the form of the text column)\n"
    );
    let out = trawl()
        .current_dir(dir.path())
        .args(["--text", "--text-format", "html"])
        .arg(site.url("/"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--text-format"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(site.total_requests(), 0);
    assert!(
        !dir.path().join("output").exists(),
        "no output file for a refused run"
    );
}

#[test]
fn a_resume_must_keep_the_text_option() {
    let mut site = Site::new();
    site.page("/story", ARTICLE);
    site.page("/news", INDEX);
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state.db");
    let run = |extra: &[&str]| {
        trawl()
            .args(["-q", "--ignore-robots", "--state"])
            .arg(&state)
            .args(extra)
            .arg("-o")
            .arg(dir.path().join("rows.csv"))
            .arg(server.url("/story"))
            .output()
            .expect("run")
    };
    // Stopped before the next page's turn (the delay): the crawl stays unfinished in the state.
    let first = run(&["--text", "--max-duration", "0.5", "--delay", "3000"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    assert_eq!(server.count("/story"), 1);
    for (extra, ours) in [
        (&[][..], "--text off"),
        (
            &["--text", "--text-format", "markdown"][..],
            "--text markdown",
        ),
    ] {
        let again = run(extra);
        assert_eq!(again.status.code(), Some(2), "{}", stderr_of(&again));
        let err = stderr_of(&again);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("--text plain") && err.contains(ours), "{err}");
    }
    assert_eq!(
        server.total_requests(),
        1,
        "the refused runs requested nothing"
    );
}
