//! CPU cost of the `--text` extractor (`trawl::article`): the DOM build alone
//! (`Html::parse_document`), and the DOM build plus the extraction (`article_text`, plain and
//! Markdown), over the saved real pages of `../shared/corpora/readability-test-pages` (or the
//! directory in `TRAWL_TEXT_CORPUS`), or over a generated 150 KB news page when the corpus is
//! absent. The difference of the two is what `--text` adds per page; `examples/article_eval.rs`
//! prints it per page with the quality figures.
//!
//! This benchmark only reads local files and never touches the network.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use scraper::Html;
use trawl::article::{article_text, TextFormat};
use url::Url;

/// Pages to benchmark: (page URL, HTML).
fn corpus() -> Vec<(Url, String)> {
    let dir = std::env::var_os("TRAWL_TEXT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/corpora/readability-test-pages")
        });
    let mut pages = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        names.sort();
        for page in names {
            let Ok(html) = std::fs::read_to_string(page.join("source.html")) else {
                continue;
            };
            let name = page.file_name().map(|n| n.to_string_lossy().into_owned());
            let url = Url::parse(&format!(
                "https://example.com/{}/",
                name.unwrap_or_default()
            ))
            .expect("url");
            pages.push((url, html));
        }
    }
    if pages.is_empty() {
        println!(
            "no corpus at {}: benchmarking a generated 150 KB page",
            dir.display()
        );
        let url = Url::parse("https://bench.example/2026/03/story.html").expect("url");
        pages.push((url, generated_page()));
    }
    pages
}

/// A 150 KB news page: navigation, a story of 30 paragraphs, a related list, comments, footer.
fn generated_page() -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=utf-8><title>Generated story</title></head>\
         <body><header><nav><ul>",
    );
    for i in 0..60 {
        html.push_str(&format!(
            "<li><a href=\"/section/{i}/\">Section {i}</a></li>"
        ));
    }
    html.push_str("</ul></nav></header><main><article><h1>Generated story</h1><div class=body>");
    for i in 0..30 {
        html.push_str(&format!(
            "<p>Paragraph {i} of the story, with <a href=\"/x/{i}\">a link</a>, some \
             <em>emphasis</em>, and enough words, commas and clauses to read like prose.</p>"
        ));
    }
    html.push_str("</div></article><aside class=related><ul>");
    let mut i = 0;
    while html.len() < 150 * 1024 - 200 {
        html.push_str(&format!(
            "<li class=teaser><a href=\"/story/{i}\">Related story number {i}</a> \
             <span class=meta>2 hours ago</span></li>"
        ));
        i += 1;
    }
    html.push_str("</ul></aside></main><footer>© Example</footer></body></html>");
    html
}

fn bench_article(c: &mut Criterion) {
    let pages = corpus();
    let bytes: usize = pages.iter().map(|(_, html)| html.len()).sum();
    println!(
        "article corpus: {} pages, {:.1} MB",
        pages.len(),
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("article");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(u64::try_from(bytes).expect("size")));
    group.bench_function("DOM build alone (Html::parse_document)", |b| {
        b.iter(|| {
            for (_, html) in &pages {
                black_box(Html::parse_document(black_box(html)));
            }
        });
    });
    group.bench_function("article_text plain (DOM build included)", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(article_text(black_box(html), url, TextFormat::Plain));
            }
        });
    });
    group.bench_function("article_text markdown (DOM build included)", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(article_text(black_box(html), url, TextFormat::Markdown));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_article);
criterion_main!(benches);
