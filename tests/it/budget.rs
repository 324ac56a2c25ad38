//! The `--body-memory` budget, as the summary reports it: the most bytes of page bodies held at
//! once is never above the budget (a page larger than the whole budget aside, read alone), also
//! for pages cut at `--max-bytes`, whose read once doubled the buffer to twice `--max-bytes`.
//! Bodies are held back by a barrier in the test server, so every worker asks for room at once.

use crate::common::harness::{config, row, run};
use crate::common::server::{Barrier, Response, TestServer};
use std::num::NonZeroUsize;
use std::time::Duration;
use trawl::error::ErrorClass;

fn page(i: usize, len: usize) -> Vec<u8> {
    let mut body = format!("<title>page {i}</title><p>").into_bytes();
    body.resize(len, b'x');
    body
}

#[test]
fn the_bodies_held_at_once_never_pass_the_budget_with_more_workers_than_fit() {
    const BUDGET: u64 = 100_000;
    // 8 pages answered together (the barrier), 8 workers: room for one page at a time. Four are
    // larger than --max-bytes (declared 150,000 bytes, cut at 100,000), four have no declared
    // length (60,000 bytes, chunked).
    let barrier = Barrier::new(8, Duration::from_secs(30));
    let held = barrier.clone();
    let server = TestServer::start(move |req| {
        if req.path_only() == "/" {
            let links: String = (0..8)
                .map(|i| format!("<a href=\"/p/{i}\">{i}</a>"))
                .collect();
            return Response::html(format!("<title>hub</title>{links}"));
        }
        held.wait();
        let i: usize = req.path_only()[3..].parse().unwrap_or(99);
        if i < 4 {
            Response::html(page(i, 150_000))
        } else {
            Response::html(page(i, 60_000)).chunked()
        }
    });
    let mut c = config(&[server.url("/")]);
    c.workers = NonZeroUsize::new(8).expect("nonzero");
    c.max_bytes = BUDGET;
    c.body_memory = BUDGET;
    c.timeout = Duration::from_secs(60);
    let (summary, sink) = run(c);
    assert_eq!(
        (barrier.filled(), barrier.timed_out()),
        (1, 0),
        "all 8 at once"
    );
    assert_eq!(sink.rows.len(), 9);
    for i in 0..8 {
        let r = row(&sink.rows, &server.url(&format!("/p/{i}")));
        assert_eq!(r.title, format!("page {i}"));
        if i < 4 {
            assert_eq!(
                (r.bytes, r.error),
                (Some(BUDGET), Some(ErrorClass::TooLarge))
            );
        } else {
            assert_eq!((r.bytes, r.error), (Some(60_000), None));
        }
        assert_eq!(server.count(&format!("/p/{i}")), 1);
    }
    // A page cut at --max-bytes holds exactly --max-bytes (it held twice that before), and no
    // second body fits beside it.
    assert_eq!(summary.peak_body_bytes, BUDGET);
}

#[test]
fn with_the_defaults_a_page_past_max_bytes_holds_max_bytes_not_twice() {
    let default = trawl::config::defaults::MAX_BYTES;
    assert_eq!(default, trawl::config::defaults::BODY_MEMORY);
    let server = TestServer::start(move |req| match req.path_only() {
        "/" => Response::html("<title>hub</title><a href=\"/huge\">huge</a>"),
        _ => Response::streamed(200, "text/html", default + 1_000_000, |at, buf| {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = if at + i as u64 == 0 { b'<' } else { b'x' };
            }
        }),
    });
    let dir = tempfile::tempdir().expect("tmp");
    let summary = dir.path().join("summary.json");
    crate::common::cli::assert_trawl()
        .args(["-q", "--ignore-robots", "--delay", "0", "-o"])
        .arg(dir.path().join("out.csv"))
        .arg("--summary-json")
        .arg(&summary)
        .arg(server.url("/"))
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    assert_eq!(json["peak_body_bytes"], serde_json::json!(default));
}
