//! The coordinator's scheduling, pinned from outside: a job channel of one slot still keeps every
//! worker busy, one overloaded page never stalls a host for longer than the circuit breaker's own
//! pause, and a redirect to an origin whose robots.txt is not known yet goes back through the
//! scheduler (robots.txt first, then the origin's delay). Counts and times come from the test
//! servers' own logs; barriers in the server make "all workers busy at once" an event, not a
//! guess.

use crate::common::cli::{trawl, wait_output};
use crate::common::harness::{config, row, run_with_guard};
use crate::common::rows::columns;
use crate::common::server::{Barrier, Response, Site, TestServer};
use crate::common::sites::{linking, numbered};
use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use trawl::error::ErrorClass;

fn n(v: usize) -> NonZeroUsize {
    NonZeroUsize::new(v).expect("nonzero")
}

/// One CSV row: [url, final_url, status, title, error], after checking it is whole.
type CsvRow = [String; 5];

fn rows(path: &Path) -> Vec<CsvRow> {
    columns(path, ["url", "final_url", "status", "title", "error"])
}

// ---------------------------------------------------------------------------
// 1. A job channel of one slot keeps every worker busy
// ---------------------------------------------------------------------------

/// A hub at `/` linking `/leaf/0..leaves` (titles `Leaf i`); every leaf is held at `barrier`.
fn barrier_site(leaves: usize, barrier: &Barrier) -> TestServer {
    let mut site = Site::new();
    let hub = linking("hub", leaves, |i| {
        format!("<a href=\"/leaf/{i}\">leaf {i}</a>")
    });
    site.page("/", hub);
    let barrier = barrier.clone();
    site.fallback(
        move |req| match numbered(req.path_only(), "/leaf/", leaves) {
            Some(i) => {
                barrier.wait();
                Response::html(format!("<title>Leaf {i}</title>"))
            }
            _ => Response::not_found(),
        },
    );
    site.serve()
}

/// Crawl a hub and `leaves` leaves with `workers` workers and a job channel of one slot, the
/// leaves held at a barrier for groups of `workers` that waits at most `guard` for a group to fill.
fn crawl_behind_barrier(leaves: usize, workers: usize, guard: Duration) -> (TestServer, Barrier) {
    let barrier = Barrier::new(workers, guard);
    let server = barrier_site(leaves, &barrier);
    let mut c = config(&[server.url("/")]);
    c.workers = n(workers);
    c.queue_capacity = n(1);
    let (summary, sink) = run_with_guard(c, Duration::from_secs(120));
    eprintln!(
        "barrier of {workers}: filled {} groups, {} requests released by the guard, fill times {:?}",
        barrier.filled(),
        barrier.timed_out(),
        barrier.fill_times()
    );
    let mut want: BTreeSet<String> = (0..leaves).map(|i| format!("Leaf {i}")).collect();
    want.insert("hub".into());
    let titles: BTreeSet<String> = sink.rows.iter().map(|r| r.title.clone()).collect();
    assert_eq!(sink.rows.len(), leaves + 1);
    assert_eq!(titles, want);
    for r in &sink.rows {
        assert_eq!((r.status, r.error), (Some(200), None), "{r:?}");
    }
    assert_eq!(server.count("/"), 1);
    for i in 0..leaves {
        assert_eq!(server.count(&format!("/leaf/{i}")), 1, "/leaf/{i}");
    }
    assert_eq!(server.total_requests(), leaves + 1);
    assert_eq!(summary.requested, (leaves + 1) as u64);
    (server, barrier)
}

#[test]
fn queue_capacity_1_keeps_all_8_workers_busy_at_once() {
    // The guard only keeps a broken scheduler from hanging the test; a group that fills is
    // released at once.
    let (_server, barrier) = crawl_behind_barrier(8, 8, Duration::from_secs(10));
    assert_eq!(
        (barrier.filled(), barrier.timed_out()),
        (1, 0),
        "all 8 leaves were in flight at once (8 workers, one channel slot)"
    );
}

#[test]
fn queue_capacity_1_refills_8_workers_three_times_over() {
    // 24 leaves, groups of 8: each group fills only if every worker is given its next page while
    // the others are still held.
    let (_server, barrier) = crawl_behind_barrier(24, 8, Duration::from_secs(10));
    assert_eq!(
        (barrier.filled(), barrier.timed_out()),
        (3, 0),
        "three full groups of 8 leaves in flight at once"
    );
}

#[test]
fn queue_capacity_1_fills_128_workers_without_waiting_for_a_timer() {
    // Handing 128 jobs through one slot to idle workers takes milliseconds; 5 s is a guard
    // (wide, so a loaded CI machine cannot trip it). A scheduler that hands out jobs only on an
    // outcome or a 100 ms timer tick (about two per tick while every page is held) needs about
    // 6 s: the build before the select-based loop failed a 3 s guard twice in two runs.
    let (_server, barrier) = crawl_behind_barrier(128, 128, Duration::from_secs(5));
    assert_eq!(
        (barrier.filled(), barrier.timed_out()),
        (1, 0),
        "all 128 leaves were in flight at once within the guard"
    );
}

// ---------------------------------------------------------------------------
// 3. One overloaded page never stalls the crawl
// ---------------------------------------------------------------------------

#[test]
fn a_refused_retry_after_does_not_set_the_circuit_breakers_pause() {
    let first_503 = Arc::new(AtomicUsize::new(0));
    let first_429 = Arc::new(AtomicUsize::new(0));
    let mut site = Site::new();
    let mut hub = String::from(
        "<title>hub</title><a href=\"/503\">a</a><a href=\"/429\">b</a><a href=\"/always429\">c</a>",
    );
    for i in 0..10 {
        hub.push_str(&format!("<a href=\"/good/{i}\">good {i}</a>"));
    }
    site.page("/", hub);
    let c503 = first_503.clone();
    site.route("/503", move |_| {
        if c503.fetch_add(1, Ordering::SeqCst) == 0 {
            Response::new(503).body("busy")
        } else {
            Response::html("<title>Recovered 503</title>")
        }
    });
    let c429 = first_429.clone();
    site.route("/429", move |_| {
        if c429.fetch_add(1, Ordering::SeqCst) == 0 {
            Response::new(429).body("slow down")
        } else {
            Response::html("<title>Recovered 429</title>")
        }
    });
    // A day's wait: far over --max-retry-after, so it is refused for this URL.
    site.response(
        "/always429",
        Response::new(429)
            .header("Retry-After", "86400")
            .body("tomorrow"),
    );
    site.fallback(|req| match numbered(req.path_only(), "/good/", 10) {
        Some(i) => Response::html(format!("<title>Good {i}</title>")),
        _ => Response::not_found(),
    });
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let summary = dir.path().join("summary.json");
    let seed = server.url("/");
    let child = trawl(&[
        "-o",
        out.to_str().expect("p"),
        "--summary-json",
        summary.to_str().expect("p"),
        "--workers",
        "1",
        "--per-host",
        "1",
        "--delay",
        "0",
        "--retries",
        "2",
        "--timeout",
        "3",
        "--ignore-robots",
        &seed,
    ])
    .spawn()
    .expect("spawn");
    // The breaker's own first pause is 5 s; the refused Retry-After would be capped at 300 s.
    let o = wait_output(child, Duration::from_secs(60));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    let backed_off = json["backed_off"].as_array().expect("backed_off");
    assert!(
        backed_off.len() == 1
            && backed_off[0]
                .as_str()
                .is_some_and(|h| h.contains(&server.host())),
        "the three overloads in a row tripped the breaker: {json}"
    );

    let got = rows(&out);
    let by_url: BTreeMap<&str, &CsvRow> = got.iter().map(|r| (r[0].as_str(), r)).collect();
    assert_eq!(by_url.len(), got.len(), "one row per URL: {got:#?}");
    assert_eq!(got.len(), 14);
    for i in 0..10 {
        let r = by_url[server.url(&format!("/good/{i}")).as_str()];
        assert_eq!((r[2].as_str(), r[3].clone()), ("200", format!("Good {i}")));
        assert_eq!(server.count(&format!("/good/{i}")), 1);
    }
    let r = by_url[server.url("/503").as_str()];
    assert_eq!((r[2].as_str(), r[3].as_str()), ("200", "Recovered 503"));
    let r = by_url[server.url("/429").as_str()];
    assert_eq!((r[2].as_str(), r[3].as_str()), ("200", "Recovered 429"));
    assert_eq!(server.count("/503"), 2);
    assert_eq!(server.count("/429"), 2);
    let r = by_url[server.url("/always429").as_str()];
    assert_eq!(r[2], "429", "{r:?}");
    let asked = server.count("/always429");
    assert!(
        (1..=3).contains(&asked),
        "/always429 requested {asked} times"
    );
}

// ---------------------------------------------------------------------------
// 5. A redirect to an origin with an unknown robots.txt goes back to the scheduler
// ---------------------------------------------------------------------------

/// Server A: `/` links `/r`, which redirects (302) to `target`.
fn redirecting_site(target: &str) -> TestServer {
    let mut site = Site::new();
    site.response("/robots.txt", Response::text("User-agent: *\nAllow: /\n"));
    site.page("/", "<title>A home</title><a href=\"/r\">moved</a>");
    site.response("/r", Response::redirect(302, target));
    site.serve()
}

/// Server B (127.0.0.1, another port: the same host name, so in `--scope host`, but another
/// origin with its own robots.txt).
fn target_site(robots: &str) -> TestServer {
    let mut site = Site::new();
    site.response("/robots.txt", Response::text(robots.to_owned()));
    site.page("/target", "<title>Target on B</title>");
    site.serve()
}

fn crawl_through_redirect(a: &TestServer) -> trawl::output::MemorySink {
    let mut c = config(&[a.url("/")]);
    c.robots = true;
    c.delay = Duration::from_millis(300);
    c.workers = n(4);
    let (_, sink) = run_with_guard(c, Duration::from_secs(60));
    sink
}

#[test]
fn a_redirect_to_a_new_origin_fetches_its_robots_txt_first_and_keeps_its_delay() {
    let b = target_site("User-agent: *\nAllow: /\n");
    let a = redirecting_site(&b.url("/target"));
    let sink = crawl_through_redirect(&a);

    assert_eq!(
        b.paths(),
        ["/robots.txt", "/target"],
        "B's robots.txt once, before /target"
    );
    let log = b.requests();
    let gap = log[1].started - log[0].started;
    assert!(
        gap >= Duration::from_millis(280),
        "B's two request starts are {gap:?} apart (--delay 300)"
    );
    assert_eq!(a.count("/r"), 1);
    let r = row(&sink.rows, &a.url("/r"));
    assert_eq!(r.final_url, b.url("/target"));
    assert_eq!((r.status, r.error), (Some(200), None));
    assert_eq!(r.title, "Target on B");
    assert_eq!(sink.rows.len(), 2, "{:#?}", sink.rows);
}

#[test]
fn a_redirect_into_a_new_origins_disallowed_path_is_a_robots_row() {
    let b = target_site("User-agent: *\nDisallow: /target\n");
    let a = redirecting_site(&b.url("/target"));
    let sink = crawl_through_redirect(&a);

    assert_eq!(b.count("/robots.txt"), 1);
    assert_eq!(b.count("/target"), 0, "a disallowed URL is never requested");
    assert_eq!(a.count("/r"), 1);
    let r = row(&sink.rows, &a.url("/r"));
    assert_eq!(r.error, Some(ErrorClass::Robots), "{r:?}");
    assert_eq!(sink.rows.len(), 2, "{:#?}", sink.rows);
}
