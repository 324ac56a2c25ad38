//! URL handling cost per link, in links per second: `url_norm::http_url` (join against the page,
//! http(s) only, fragment dropped) and `url_norm::key` (canonical form and fingerprint) over
//! every `a[href]`/`area[href]` of up to the first 300 Rust documentation pages under `std/`,
//! or of a generated page with about 400 links when the documentation is not installed.
//!
//! This benchmark only reads local files and never touches the network; it must stay short so
//! that `cargo bench` finishes in a couple of minutes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scraper::{Html, Selector};
use trawl::crawl::work::page_links;
use trawl::crawl::work::LinkFilter;
use trawl::crawl::work::LinkMemo;
use trawl::extract;
use trawl::scope::{Scope, ScopeKind};
use trawl::url_norm;
use url::Url;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::rust_doc_pages;

/// Every (page URL, raw href) pair of the corpus, duplicates included, in document order.
fn hrefs() -> Vec<(Url, String)> {
    let selector = Selector::parse("a[href], area[href]").expect("selector");
    let mut pages = rust_doc_pages(300);
    if pages.is_empty() {
        println!("no Rust documentation found: benchmarking the links of a generated page");
        let url = Url::parse("https://bench.example/section/page.html").expect("url");
        pages.push((url, generated_page()));
    }
    let mut out = Vec::new();
    for (url, html) in pages {
        let document = Html::parse_document(&html);
        for element in document.select(&selector) {
            if let Some(href) = element.value().attr("href") {
                out.push((url.clone(), href.to_string()));
            }
        }
    }
    out
}

/// About 400 links of the usual shapes: relative, absolute, tagged, with fragments.
fn generated_page() -> String {
    let mut html = String::from("<html><body>");
    for i in 0..400 {
        let href = match i % 4 {
            0 => format!("/story/{i}?utm_source=home&ref={i}"),
            1 => format!("../section/{i}/index.html#top"),
            2 => format!("https://cdn{}.example.org/asset/{i}.html", i % 3),
            _ => format!("story-{i}.html?b=2&a=1"),
        };
        html.push_str(&format!("<p><a href=\"{href}\">link {i}</a></p>"));
    }
    html.push_str("</body></html>");
    html
}

fn bench_urls(c: &mut Criterion) {
    let hrefs = hrefs();
    let resolved: Vec<Url> = hrefs
        .iter()
        .filter_map(|(base, href)| url_norm::http_url(Some(base), href))
        .collect();
    println!(
        "urls corpus: {} hrefs, {} resolve to http(s)",
        hrefs.len(),
        resolved.len()
    );

    let mut group = c.benchmark_group("urls");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));

    group.throughput(Throughput::Elements(hrefs.len() as u64));
    group.bench_function("url_norm::http_url", |b| {
        b.iter(|| {
            for (base, href) in &hrefs {
                black_box(url_norm::http_url(Some(base), black_box(href)));
            }
        });
    });
    group.bench_function("url_norm::http_url + url_norm::key", |b| {
        b.iter(|| {
            for (base, href) in &hrefs {
                if let Some(url) = url_norm::http_url(Some(base), black_box(href)) {
                    black_box(url_norm::key(&url));
                }
            }
        });
    });

    group.throughput(Throughput::Elements(resolved.len() as u64));
    group.bench_function("url_norm::key", |b| {
        b.iter(|| {
            for url in &resolved {
                black_box(url_norm::key(black_box(url)));
            }
        });
    });
    group.finish();
}

/// A page's links as a crawl worker reads them (title, count, links to follow with their keys),
/// per page: resolving every href (`extract::extract`, then filter and key each link), and
/// `page_links::read` through a link memo that is empty (a new one per pass: every href misses)
/// or warm (every href of the corpus already remembered and sent: every href hits).
fn bench_page_links(c: &mut Criterion) {
    let mut pages = rust_doc_pages(300);
    if pages.is_empty() {
        let url = Url::parse("https://bench.example/section/page.html").expect("url");
        pages.push((url, generated_page()));
    }
    let seeds: Vec<Url> = pages.iter().map(|(u, _)| u.clone()).take(1).collect();
    let filter = LinkFilter::new(
        Scope::new(ScopeKind::Host, &seeds),
        vec![],
        vec![],
        true,
        &seeds,
    );
    let mut group = c.benchmark_group("page_links");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(pages.len() as u64));
    group.bench_function("extract + filter + key", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                let page = extract::extract(html, url);
                let follow: Vec<_> = page
                    .links
                    .into_iter()
                    .filter(|u| filter.follow(u))
                    .map(|u| (url_norm::key(&u), u))
                    .collect();
                black_box((page.title, follow));
            }
        });
    });
    group.bench_function("page_links::read, empty memo", |b| {
        b.iter(|| {
            let memo = LinkMemo::new();
            for (url, html) in &pages {
                black_box(page_links::read(
                    html,
                    url,
                    Some(1),
                    &filter,
                    &memo,
                    Some("trawl"),
                ));
            }
        });
    });
    let warm = LinkMemo::new();
    for (url, html) in &pages {
        page_links::read(html, url, Some(1), &filter, &warm, Some("trawl"));
    }
    group.bench_function("page_links::read, warm memo", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                black_box(page_links::read(
                    html,
                    url,
                    Some(1),
                    &filter,
                    &warm,
                    Some("trawl"),
                ));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_urls, bench_page_links);
criterion_main!(benches);
