//! How the built binary stops: on SIGTERM/SIGINT and at `--max-duration`, no new request starts,
//! the pages in flight finish within the grace period and get complete rows, and with `--state`
//! the next run requests exactly the pages without a row. The stop never waits on a worker busy
//! past the grace period. Requests and their times come from the test servers' own logs.

use crate::common::cli::{kill, run, stderr, trawl, wait_output};
use crate::common::rows::{columns, partial_of, summary};
use crate::common::server::{Response, Site, TestServer};
use crate::common::wait::wait_until;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Data rows of a CSV file as url -> (status, title), checking each row is whole and each URL
/// has one row.
fn rows(path: &Path) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for [url, status, title] in columns(path, ["url", "status", "title"]) {
        let old = out.insert(url.clone(), (status, title));
        assert!(old.is_none(), "two rows for {url}");
    }
    out
}

/// A hub at `/` linking every page of `pages` but itself (in order); each page has the given
/// title and answers after its own delay (read at request time, so a test can change it).
struct Pages {
    server: TestServer,
    /// path -> title, the hub included.
    titles: BTreeMap<String, String>,
}

fn pages_site(pages: Vec<(String, String, Arc<AtomicU64>)>) -> Pages {
    let mut site = Site::new();
    let mut hub = String::from("<title>hub</title>");
    let mut titles = BTreeMap::from([("/".to_owned(), "hub".to_owned())]);
    for (path, title, delay_ms) in pages {
        hub.push_str(&format!("<a href=\"{path}\">{title}</a>"));
        titles.insert(path.clone(), title.clone());
        site.route(&path, move |_| {
            let html = Response::html(format!("<title>{title}</title>"));
            match delay_ms.load(Ordering::SeqCst) {
                0 => html,
                ms => html.delay(Duration::from_millis(ms)),
            }
        });
    }
    site.page("/", hub);
    Pages {
        server: site.serve(),
        titles,
    }
}

impl Pages {
    /// Check the rows of one run: each complete, with the title its page serves, and every page
    /// the server answered completely (finished, 200) in `log` has a row.
    fn check_rows(&self, got: &BTreeMap<String, (String, String)>) {
        let base = self.server.base();
        for (url, (status, title)) in got {
            let path = url.strip_prefix(&base).expect("a URL of the site");
            assert_eq!(status, "200", "{url}: only complete pages have rows");
            assert_eq!(Some(title), self.titles.get(path), "{url}");
        }
        assert!(self.server.wait_idle(Duration::from_secs(10)));
        for r in self.server.requests() {
            if r.finished.is_some() && r.status == Some(200) {
                assert!(
                    got.contains_key(&self.server.url(&r.path)),
                    "{} was answered in full but has no row",
                    r.path
                );
            }
        }
    }

    /// Every page of the site, as URLs.
    fn all_urls(&self) -> BTreeSet<String> {
        self.titles.keys().map(|p| self.server.url(p)).collect()
    }

    /// The requests of the log (after a `clear_log`) must be exactly the pages of the site
    /// without a row in `before`, each once.
    fn check_resumed_requests(&self, before: &BTreeMap<String, (String, String)>) {
        let mut asked = self.server.paths();
        asked.sort();
        let mut want: Vec<String> = self
            .titles
            .keys()
            .filter(|p| !before.contains_key(&self.server.url(p)))
            .cloned()
            .collect();
        want.sort();
        assert_eq!(
            asked, want,
            "the resume requests exactly the pages without a row"
        );
    }
}

fn fixed(ms: u64) -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(ms))
}

// ---------------------------------------------------------------------------
// 2. SIGTERM and SIGINT mid-crawl
// ---------------------------------------------------------------------------

/// Start trawl with `args` (which write to `out` with `--state`), wait until `ready` holds of
/// the server, send `signal` at `t`, and check the stopped run: it exits with `code`, no request
/// starts later than `t + 100 ms`, the rows stay in `out.partial`, and every row there is
/// complete. Returns those rows.
fn signal_when(
    site: &Pages,
    args: &[&str],
    out: &Path,
    ready_what: &str,
    ready: impl Fn(&TestServer) -> bool,
    signal: &str,
    code: i32,
) -> BTreeMap<String, (String, String)> {
    let server = &site.server;
    let child = trawl(args).spawn().expect("spawn");
    wait_until(ready_what, || ready(server));
    let t = Instant::now();
    kill(&child, signal);
    let o = wait_output(child, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));

    // 100 ms covers a request already waiting out its --delay when the signal comes, and the
    // signal's own way to the crawl; no request starts later than that.
    let late: Vec<(String, Duration)> = server
        .requests()
        .iter()
        .filter(|r| r.started > t + Duration::from_millis(100))
        .map(|r| (r.path.clone(), r.started - t))
        .collect();
    assert!(
        late.is_empty(),
        "{} requests started after the signal: {late:?}",
        late.len()
    );
    assert!(!out.exists(), "with --state the crawl is left unfinished");
    let before = rows(&partial_of(out));
    site.check_rows(&before);
    assert!(
        before.len() < site.titles.len(),
        "the signal cut the crawl short"
    );
    before
}

/// Rerun `args` after `signal_when` left `before` in `out.partial`: it requests exactly the
/// pages without a row, each once, and the final `out` has every page exactly once.
fn resume_and_check(
    site: &Pages,
    args: &[&str],
    out: &Path,
    before: &BTreeMap<String, (String, String)>,
) {
    site.server.clear_log();
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    site.check_resumed_requests(before);
    assert!(!partial_of(out).exists());
    let all = rows(out);
    site.check_rows(&all);
    assert_eq!(
        all.keys().cloned().collect::<BTreeSet<_>>(),
        site.all_urls(),
        "every page exactly once over both runs"
    );
}

fn signal_mid_crawl_then_resume(signal: &str, code: i32) {
    // 40 leaves, the third one slow: it is requested early and still in flight at the signal.
    let mut pages: Vec<(String, String, Arc<AtomicU64>)> = (0..39)
        .map(|i| (format!("/leaf/{i}"), format!("Leaf {i}"), fixed(0)))
        .collect();
    pages.insert(2, ("/slow".into(), "Slow leaf".into(), fixed(1500)));
    let site = pages_site(pages);
    let dir = tempfile::tempdir().expect("tmp");
    let (out, state) = (dir.path().join("out.csv"), dir.path().join("state.db"));
    let seed = site.server.url("/");
    let args = [
        "-o",
        out.to_str().expect("p"),
        "--state",
        state.to_str().expect("p"),
        "--delay",
        "100",
        "--workers",
        "4",
        "--per-host",
        "4",
        "--ignore-robots",
        &seed,
    ];

    // With --delay 100 at most one request waits out its delay when the signal comes.
    let before = signal_when(
        &site,
        &args,
        &out,
        "/slow to be requested",
        |s| s.count("/slow") >= 1,
        signal,
        code,
    );
    assert_eq!(
        before.get(&site.server.url("/slow")),
        Some(&("200".to_owned(), "Slow leaf".to_owned())),
        "the page in flight at the signal finished within the grace period"
    );
    resume_and_check(&site, &args, &out, &before);
}

#[test]
fn sigterm_mid_crawl_starts_nothing_new_and_the_resume_fetches_only_what_is_missing() {
    signal_mid_crawl_then_resume("-TERM", 143);
}

#[test]
fn sigint_mid_crawl_starts_nothing_new_and_the_resume_fetches_only_what_is_missing() {
    signal_mid_crawl_then_resume("-INT", 130);
}

#[test]
fn sigterm_takes_no_queued_job_even_with_delay_0_and_per_host_equal_to_workers() {
    // 60 leaves, each answered after 300 ms; with no delay and --per-host equal to --workers
    // jobs queue up in the 64-slot channel ahead of the 4 workers. None of them may be taken
    // once the signal has come.
    let latency = fixed(300);
    let site = pages_site(
        (0..60)
            .map(|i| (format!("/leaf/{i}"), format!("Leaf {i}"), latency.clone()))
            .collect(),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let (out, state) = (dir.path().join("out.csv"), dir.path().join("state.db"));
    let seed = site.server.url("/");
    let args = [
        "-o",
        out.to_str().expect("p"),
        "--state",
        state.to_str().expect("p"),
        "--delay",
        "0",
        "--per-host",
        "4",
        "-w",
        "4",
        "--queue-capacity",
        "64",
        "--ignore-robots",
        &seed,
    ];
    let before = signal_when(
        &site,
        &args,
        &out,
        "8 leaves to be requested",
        |s| s.paths().iter().filter(|p| p.starts_with("/leaf/")).count() >= 8,
        "-TERM",
        143,
    );
    resume_and_check(&site, &args, &out, &before);
}

// ---------------------------------------------------------------------------
// 4. --max-duration
// ---------------------------------------------------------------------------

/// 300 leaves answered after `latency` ms each (changeable).
fn big_site(latency: &Arc<AtomicU64>) -> Pages {
    pages_site(
        (0..300)
            .map(|i| (format!("/p/{i}"), format!("Page {i}"), latency.clone()))
            .collect(),
    )
}

/// The first request's start, and the latest start, in the server's log.
fn first_and_last_start(server: &TestServer) -> (Instant, Instant) {
    let starts: Vec<Instant> = server.requests().iter().map(|r| r.started).collect();
    (
        *starts.iter().min().expect("requests"),
        *starts.iter().max().expect("requests"),
    )
}

fn assert_no_start_after_the_limit(server: &TestServer) {
    // The crawl's clock starts before its first request, so the limit passes at most 1 s after
    // that request's start; a request already waiting for its turn may start 100 ms later.
    let (first, last) = first_and_last_start(server);
    assert!(
        last <= first + Duration::from_millis(1100),
        "a request started {:?} after the first one (--max-duration 1)",
        last - first
    );
}

#[test]
fn max_duration_stops_like_sigterm_but_exits_0_and_renames_the_rows_into_place() {
    let latency = fixed(100);
    let site = big_site(&latency);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let json = dir.path().join("summary.json");
    let seed = site.server.url("/");
    let o = run(&[
        "-o",
        out.to_str().expect("p"),
        "--summary-json",
        json.to_str().expect("p"),
        "--workers",
        "2",
        "--per-host",
        "2",
        "--delay",
        "0",
        "--ignore-robots",
        "--max-duration",
        "1",
        &seed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = summary(&json);
    assert_eq!(s["interrupted"], true, "{s}");
    assert_eq!(s["stopped_by"], "time_limit", "{s}");
    assert_no_start_after_the_limit(&site.server);
    assert!(
        !dir.path().join("out.csv.partial").exists(),
        "without --state the rows are renamed into place"
    );
    let got = rows(&out);
    site.check_rows(&got);
    assert!(
        !got.is_empty() && got.len() < site.titles.len(),
        "{} rows",
        got.len()
    );
}

#[test]
fn max_duration_with_state_leaves_the_rest_for_the_next_run() {
    let latency = fixed(100);
    let site = big_site(&latency);
    let server = &site.server;
    let dir = tempfile::tempdir().expect("tmp");
    let (out, state) = (dir.path().join("out.csv"), dir.path().join("state.db"));
    let partial = dir.path().join("out.csv.partial");
    let json = dir.path().join("summary.json");
    let seed = server.url("/");
    let common = [
        "-o",
        out.to_str().expect("p"),
        "--state",
        state.to_str().expect("p"),
        "--summary-json",
        json.to_str().expect("p"),
        "--workers",
        "2",
        "--per-host",
        "2",
        "--delay",
        "0",
        "--ignore-robots",
    ];
    let mut first_args = common.to_vec();
    first_args.extend(["--max-duration", "1", &seed]);
    let o = run(&first_args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = summary(&json);
    assert_eq!(s["interrupted"], true, "{s}");
    assert_eq!(s["stopped_by"], "time_limit", "{s}");
    assert_no_start_after_the_limit(server);
    assert!(
        !out.exists(),
        "an interrupted crawl with --state stays .partial"
    );
    let before = rows(&partial);
    site.check_rows(&before);
    assert!(
        !before.is_empty() && before.len() < site.titles.len(),
        "{} rows",
        before.len()
    );

    // A resume with another depth (or filter, or limit) would write a different crawl: refused,
    // naming the option, before any request.
    server.clear_log();
    let mut other = common.to_vec();
    other.extend(["--max-depth", "3", "--exclude", "nothing", &seed]);
    let o = run(&other);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("with --exclude (none), --max-depth 1, not --exclude nothing, --max-depth 3")
            && err.contains("--restart"),
        "{err}"
    );
    assert_eq!(
        server.total_requests(),
        0,
        "a refused resume requests nothing"
    );

    // The rest, at full speed.
    latency.store(0, Ordering::SeqCst);
    server.clear_log();
    let mut second_args = common.to_vec();
    second_args.push(&seed);
    let o = run(&second_args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = summary(&json);
    assert_eq!(s["interrupted"], false, "{s}");
    assert_eq!(s["stopped_by"], serde_json::Value::Null, "{s}");
    site.check_resumed_requests(&before);
    assert!(!partial.exists());
    let all = rows(&out);
    site.check_rows(&all);
    assert_eq!(
        all.keys().cloned().collect::<BTreeSet<_>>(),
        site.all_urls(),
        "every page exactly once over both runs"
    );
}

// ---------------------------------------------------------------------------
// 6. The stop never waits for a busy worker
// ---------------------------------------------------------------------------

#[test]
fn sigterm_with_more_workers_than_channel_slots_exits_after_the_grace_period() {
    // 16 pages held 20 s each (cut short when the server drops): 8 are in flight, one per
    // worker, far past the grace period of min(--timeout 30, 5 s).
    let pages = (0..16)
        .map(|i| (format!("/hold/{i}"), format!("Held {i}"), fixed(20_000)))
        .collect();
    let site = pages_site(pages);
    let server = &site.server;
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let seed = server.url("/");
    let child = trawl(&[
        "-o",
        out.to_str().expect("p"),
        "--workers",
        "8",
        "--queue-capacity",
        "1",
        "--per-host",
        "8",
        "--delay",
        "0",
        "--timeout",
        "30",
        "--ignore-robots",
        &seed,
    ])
    .spawn()
    .expect("spawn");
    wait_until("8 pages in flight", || server.in_flight() == 8);
    let t = Instant::now();
    kill(&child, "-TERM");
    let o = wait_output(child, Duration::from_secs(60));
    let took = t.elapsed();
    assert_eq!(o.status.code(), Some(143), "{}", stderr(&o));
    // 5 s of grace plus a little; the held pages would keep a waiting sentinel until 20 s.
    assert!(
        took < Duration::from_secs(12),
        "exited {took:?} after the signal"
    );
    let got = rows(&out);
    assert_eq!(
        got,
        BTreeMap::from([(server.url("/"), ("200".to_owned(), "hub".to_owned()))]),
        "only the hub finished; without --state the rows are renamed into place"
    );
}
