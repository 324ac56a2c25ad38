//! Extraction throughput in bytes of HTML per second: the exact DOM path (`extract_exact`), the
//! streaming path (`stream::extract`), the streaming path with the `--meta` pieces
//! (`stream::extract_with_meta`) and the public `extract` (stream, DOM on fallback), over
//! up to the first 300 pages of the installed Rust documentation under `std/`, or over a
//! generated 64 KB page with about 400 links when the documentation is not installed.
//!
//! This benchmark only reads local files and never touches the network; it must stay short
//! (a few seconds per path) so that `cargo bench` finishes in a couple of minutes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use trawl::extract::{extract, extract_exact, stream};
use url::Url;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::rust_doc_pages;

/// Pages to benchmark: (page URL, HTML).
fn corpus() -> Vec<(Url, String)> {
    let pages = rust_doc_pages(300);
    if pages.is_empty() {
        println!("no Rust documentation found: benchmarking a generated 64 KB page");
        let url = Url::parse("https://bench.example/section/page.html").expect("url");
        return vec![(url, generated_page())];
    }
    pages
}

/// A 64 KB news-like page: a head, a navigation list and paragraphs, about 400 links.
fn generated_page() -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=utf-8><title>Generated &amp; benchmarked</title>\
         <link rel=stylesheet href=/s.css><script>var x = '<a href=\"/no\">';</script></head><body>\
         <nav><ul>",
    );
    for i in 0..40 {
        html.push_str(&format!(
            "<li><a href=\"/section/{i}/\">Section {i}</a></li>"
        ));
    }
    html.push_str("</ul></nav><main>");
    let mut i = 0;
    while html.len() < 64 * 1024 - 200 {
        html.push_str(&format!(
            "<p>Paragraph {i} with some text &mdash; and a <a href=\"/story/{i}?ref=home&amp;pos={i}\">\
             link to story {i}</a> plus filler words.</p>\n"
        ));
        i += 1;
    }
    html.push_str("</main></body></html>");
    html
}

fn bench_extract(c: &mut Criterion) {
    let pages = corpus();
    let bytes: usize = pages.iter().map(|(_, html)| html.len()).sum();
    let fallbacks = pages
        .iter()
        .filter(|(url, html)| stream::extract(html, url).is_none())
        .count();
    println!(
        "extract corpus: {} pages, {:.1} MB, {fallbacks} left to the DOM by the stream",
        pages.len(),
        bytes as f64 / 1e6
    );

    let mut group = c.benchmark_group("extract");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(u64::try_from(bytes).expect("size")));
    group.bench_function("dom (extract_exact)", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(extract_exact(black_box(html), url));
            }
        });
    });
    group.bench_function("stream (stream::extract)", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(stream::extract(black_box(html), url));
            }
        });
    });
    group.bench_function("stream with --meta (stream::extract_with_meta)", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(stream::extract_with_meta(black_box(html), url));
            }
        });
    });
    group.bench_function("public (extract)", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(extract(black_box(html), url));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_extract);
criterion_main!(benches);
