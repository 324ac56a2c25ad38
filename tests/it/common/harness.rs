//! Helpers shared by the integration tests: run a crawl through the library with rows kept in
//! memory, or run the built binary, and compare rows without their timing columns.

use std::time::Duration;
use trawl::config::{Config, OutputTarget};
use trawl::crawl::{crawl, Stop, Summary};
use trawl::output::{MemorySink, Row};

/// A configuration for a crawl of `seeds` with test-friendly defaults: short timeout, and no
/// robots.txt, politeness delay or retries unless a test turns them on (so request counts in the
/// server log are exactly the pages).
pub fn config(seeds: &[String]) -> Config {
    let seeds = seeds
        .iter()
        .map(|s| url::Url::parse(s).expect("seed URL"))
        .collect();
    let mut c = Config::new(seeds, OutputTarget::Stdout);
    c.timeout = Duration::from_secs(10);
    c.connect_timeout = Duration::from_secs(2);
    c.robots = false;
    c.delay = Duration::ZERO;
    c.per_host = std::num::NonZeroUsize::new(1024).expect("nonzero");
    c.retries = 0;
    c
}

/// Run a crawl in this process, panicking (failing the test) if it does not finish within
/// `guard`: a guard against hangs only, never a measure of speed.
pub fn run_with_guard(config: Config, guard: Duration) -> (Summary, MemorySink) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = MemorySink::default();
        let stop = Stop::default();
        let summary = crawl(&config, &mut sink, &stop, None).expect("crawl");
        let _ = tx.send((summary, sink));
    });
    rx.recv_timeout(guard)
        .expect("the crawl did not finish: hang or deadlock")
}

/// Run a crawl in this process (60 s hang guard).
pub fn run(config: Config) -> (Summary, MemorySink) {
    run_with_guard(config, Duration::from_secs(60))
}

/// A row without its timing columns (`elapsed_ms`, `fetched_at`), for comparing crawls.
pub type StableRow = (
    String,
    String,
    u32,
    String,
    Option<u16>,
    String,
    String,
    Option<usize>,
    Option<u64>,
    String,
    Option<&'static str>,
);

pub fn stable(rows: &[Row]) -> Vec<StableRow> {
    let mut v: Vec<StableRow> = rows
        .iter()
        .map(|r| {
            (
                r.url.clone(),
                r.final_url.clone(),
                r.depth,
                r.parent.clone(),
                r.status,
                r.content_type.clone(),
                r.title.clone(),
                r.links,
                r.bytes,
                r.encoding.clone(),
                r.error.map(|e| e.as_str()),
            )
        })
        .collect();
    v.sort();
    v
}

/// The row for `url`, failing the test if there is not exactly one.
pub fn row<'a>(rows: &'a [Row], url: &str) -> &'a Row {
    let found: Vec<&Row> = rows.iter().filter(|r| r.url == url).collect();
    assert_eq!(found.len(), 1, "rows for {url}: {found:#?}");
    found[0]
}
