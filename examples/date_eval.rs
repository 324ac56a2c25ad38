//! How often `--meta` gets an article's publication day right on real pages.
//!
//! Reads `../shared/corpora/readability-test-pages/*/` from the project's root (or the folder
//! given as the first argument): each page's `source.html` and the `publishedTime` of its
//! `expected-metadata.json`. Each page goes through the crawl's own reading (the HTML pass with
//! the metadata pieces, then `meta::build`) as if served at `http://localhost/<folder>/` (the
//! corpus does not keep the pages' addresses, so the URL gives no date here) and fetched now.
//! The day of `published` (its first ten characters: the day in the publisher's offset) is
//! compared with the day of `publishedTime`.
//!
//! Prints right / given / total over the pages that have a `publishedTime`, the dates given on
//! pages that have none, how many pages the streaming pass left to the DOM, and every miss. `DATE_EVAL_SHOW=<folder>` also prints that page's body
//! date pieces and columns. Skips with a message, exit status 0, when the corpus
//! is absent.
//!
//! ```sh
//! cargo run --release --example date_eval
//! ```

use std::path::{Path, PathBuf};

use trawl::download::decode_html;
use trawl::{extract, meta};

fn main() {
    let dir = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/readability-test-pages"),
        PathBuf::from,
    );
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("date_eval: no corpus at {}, skipped", dir.display());
        return;
    };
    let mut pages: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("source.html").is_file())
        .collect();
    pages.sort();
    let now = chrono::Utc::now();
    let (mut total, mut given, mut right) = (0usize, 0usize, 0usize);
    let mut extra = Vec::new();
    // Pages the stream left to the DOM, and of those, pages whose body gave date pieces.
    let (mut declined, mut body_read) = (0usize, 0usize);
    let mut misses = Vec::new();
    for page in &pages {
        let name = page
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(bytes) = std::fs::read(page.join("source.html")) else {
            continue;
        };
        let expected = std::fs::read_to_string(page.join("expected-metadata.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("publishedTime")?.as_str().map(str::to_owned));
        let (html, _) = decode_html(&bytes, None);
        let Ok(url) = url::Url::parse(&format!("http://localhost/{name}/")) else {
            continue;
        };
        let (_, raw) = extract::extract_with_meta(&html, &url);
        if extract::stream::extract_with_meta(&html, &url).is_none() {
            declined += 1;
            if !raw.body.markup.is_empty()
                || !raw.body.times.is_empty()
                || !raw.body.text.is_empty()
            {
                body_read += 1;
            }
        }
        let got = meta::build(&raw, &url, None, now, None);
        if std::env::var("DATE_EVAL_SHOW").is_ok_and(|show| show == name) {
            println!("{name}: {:#?}\n{got:#?}", raw.body);
        }
        let day = |s: &str| s.get(..10).map(str::to_owned);
        match expected {
            Some(want) => {
                total += 1;
                if !got.published.is_empty() {
                    given += 1;
                }
                if day(&got.published).is_some() && day(&got.published) == day(&want) {
                    right += 1;
                } else {
                    misses.push(format!(
                        "{name}: want {want}, got {:?} ({})",
                        got.published, got.date_source
                    ));
                }
            }
            None if !got.published.is_empty() => {
                extra.push(format!("{name}: {} ({})", got.published, got.date_source));
            }
            None => {}
        }
    }
    if std::env::var("DATE_EVAL_TIME").is_ok() {
        time_paths(&pages);
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            0.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    println!("corpus: {} ({} pages)", dir.display(), pages.len());
    println!(
        "published day: right {right} / given {given} / total {total}: {:.1}% of all, {:.1}% where given",
        pct(right, total),
        pct(right, given)
    );
    println!(
        "read by the DOM with --meta: {declined} of {} pages ({body_read} with body date pieces)",
        pages.len()
    );
    println!("misses ({}):", misses.len());
    for m in &misses {
        println!("  {m}");
    }
    println!("dates on pages without a publishedTime ({}):", extra.len());
    for e in &extra {
        println!("  {e}");
    }
}

/// `DATE_EVAL_TIME=1`: wall time over the corpus (three rounds, the fastest) of the streaming
/// pass with the metadata pieces (what a page with a structured date costs), the public
/// `extract_with_meta` (the DOM for pages whose body must be read) and the DOM alone. A rough
/// guide for the docs, not a benchmark: run it in a release build.
fn time_paths(pages: &[PathBuf]) {
    let docs: Vec<(url::Url, String)> = pages
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p.join("source.html")).ok()?;
            let url = url::Url::parse("http://localhost/page/").ok()?;
            Some((url, decode_html(&bytes, None).0))
        })
        .collect();
    let best = |f: &dyn Fn(&str, &url::Url)| {
        (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                for (url, html) in &docs {
                    f(html, url);
                }
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let stream = best(&|h, u| {
        std::hint::black_box(extract::stream::extract_with_meta(h, u));
    });
    let public = best(&|h, u| {
        std::hint::black_box(extract::extract_with_meta(h, u));
    });
    let dom = best(&|h, u| {
        std::hint::black_box(extract::extract_exact(h, u));
    });
    let per = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / docs.len().max(1) as f64;
    println!(
        "ms per page over {} pages: stream with meta pieces {:.2}, extract_with_meta {:.2}, DOM alone {:.2}",
        docs.len(),
        per(stream),
        per(public),
        per(dom)
    );
}
