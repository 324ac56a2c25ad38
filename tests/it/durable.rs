//! A completed row is in its file before its page counts as done anywhere else, even across a
//! SIGKILL: with `--redis` every row Redis counts done is in the killed process's file, with
//! its edges; with `--state` a kill and resume keeps every edge of every row, once. And
//! `--only-new` counts as new only pages never written before: a failure written once is not
//! written again while it keeps failing (with `--state` and with `--redis`).

use crate::common::cli::{run, stderr, trawl};
use crate::common::redis::RedisServer;
use crate::common::rows::{columns, partial_of, whole_records};
use crate::common::server::{Barrier, Response, Site, TestServer};
use crate::common::wait::wait_until;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A guard against hangs only.
const GUARD: Duration = Duration::from_secs(60);

fn sigkill(child: &mut Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

/// `/` linking `/p/0` .. `/p/4`; the first request of `/p/4` is held at `gate` (a barrier of
/// two: the test is the other party), so with one worker every other page is complete when the
/// server sees it.
fn held_site(gate: &Barrier) -> TestServer {
    let mut site = Site::new();
    let mut front = String::from("<title>Front</title>");
    for i in 0..5 {
        front.push_str(&format!("<a href=\"/p/{i}\">{i}</a>"));
        site.page(&format!("/p/{i}"), format!("<title>Page {i}</title>"));
    }
    site.page("/", front);
    let first = AtomicBool::new(true);
    let gate = gate.clone();
    TestServer::start(move |req| {
        if req.path_only() == "/p/4" && first.swap(false, Ordering::SeqCst) {
            gate.wait();
        }
        site.handle(req)
    })
}

/// The `from` of every edge in an edges CSV, as (from, to) pairs, each checked whole.
fn edges(path: &Path) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_path(path).expect("edges csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a whole edge");
            (rec[0].to_owned(), rec[1].to_owned())
        })
        .collect()
}

/// SIGKILL right after Redis counted pages done: the process's own file holds every row Redis
/// has for the run (and each written row's edges), though it never flushed on a timer or exit.
#[test]
fn with_redis_every_row_counted_done_is_in_the_killed_process_file() {
    let redis = RedisServer::start();
    let gate = Barrier::new(2, GUARD);
    let site = held_site(&gate);
    let dir = tempfile::tempdir().expect("tmp");
    let (out, links) = (dir.path().join("out.csv"), dir.path().join("edges.csv"));
    let url = redis.url();
    let seed = site.url("/");
    let mut child = trawl(&[
        "--redis",
        &url,
        "--crawl-id",
        "kill",
        "--ignore-robots",
        "--delay",
        "0",
        "-w",
        "1",
        "-o",
        out.to_str().expect("path"),
        "--links-output",
        links.to_str().expect("path"),
        &seed,
    ])
    .spawn()
    .expect("spawn");
    assert!(
        site.wait_for_count("/p/4", 1, GUARD),
        "the last page requested"
    );
    sigkill(&mut child);
    assert!(gate.wait(), "the held page released");

    let done: BTreeSet<String> = redis
        .cmd_strings(&["LRANGE", "trawl:{kill}:rows:1", "0", "-1"])
        .iter()
        .map(|text| {
            let cells: Vec<String> = serde_json::from_str(text).expect("row JSON");
            cells[0].clone()
        })
        .collect();
    let want: BTreeSet<String> = std::iter::once(seed.clone())
        .chain((0..4).map(|i| site.url(&format!("/p/{i}"))))
        .collect();
    assert_eq!(done, want, "Redis counts the pages before /p/4 done");
    let in_file: BTreeSet<String> = whole_records(&partial_of(&out))
        .iter()
        .map(|r| r[0].to_owned())
        .collect();
    assert_eq!(in_file, done, "every row Redis counts done is in the file");
    let want_edges: Vec<(String, String)> = (0..5)
        .map(|i| (seed.clone(), site.url(&format!("/p/{i}"))))
        .collect();
    assert_eq!(edges(&partial_of(&links)), want_edges);
}

/// Rows of the state's `rows` table, read beside the running crawl (WAL allows a reader).
fn logged_rows(state: &Path) -> i64 {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(state, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return -1;
    };
    conn.query_row("SELECT count(*) FROM rows", [], |r| r.get(0))
        .unwrap_or(-1)
}

/// `--state --links-output`: SIGKILL right after a commit made pages done, then resume. The
/// finished edges file holds every edge of every row, each once.
#[test]
fn with_state_a_kill_and_resume_keeps_every_edge_once() {
    let gate = Barrier::new(2, GUARD);
    let site = held_site(&gate);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let links = dir.path().join("edges.csv");
    let state = dir.path().join("s.db");
    let seed = site.url("/");
    let args = [
        "--state",
        state.to_str().expect("path"),
        "--ignore-robots",
        "--delay",
        "0",
        "-w",
        "1",
        "-o",
        out.to_str().expect("path"),
        "--links-output",
        links.to_str().expect("path"),
        seed.as_str(),
    ];
    let mut child = trawl(&args).spawn().expect("spawn");
    assert!(site.wait_for_count("/p/4", 1, GUARD));
    // The state commits within half a second of the pages' completion: kill right then.
    wait_until("the state logged the rows", || logged_rows(&state) >= 5);
    sigkill(&mut child);
    assert!(gate.wait());
    assert_eq!(
        edges(&partial_of(&links)).len(),
        5,
        "the edges of the committed front page are on disk"
    );

    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(whole_records(&out).len(), 6);
    let want: Vec<(String, String)> = (0..5)
        .map(|i| (seed.clone(), site.url(&format!("/p/{i}"))))
        .collect();
    assert_eq!(edges(&links), want, "every edge once");
}

/// `/` linking `/ok`, `/flaky` and `/blocked` (robots.txt disallows it); `/flaky` answers
/// `status` (shared with the test).
fn only_new_site(status: Arc<AtomicU16>) -> TestServer {
    let mut site = Site::new();
    site.page(
        "/",
        "<title>Front</title><a href=\"/ok\">ok</a><a href=\"/flaky\">f</a>\
         <a href=\"/blocked\">b</a>",
    )
    .page("/ok", "<title>OK</title>")
    .response(
        "/robots.txt",
        Response::text("User-agent: *\nDisallow: /blocked\n"),
    );
    TestServer::start(move |req| {
        if req.path_only() == "/flaky" {
            let s = status.load(Ordering::SeqCst);
            return Response::html("<title>Flaky</title>").status(s);
        }
        site.handle(req)
    })
}

/// The `url` and `error` cells of a CSV's rows, sorted.
fn url_errors(path: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = columns(path, ["url", "error"])
        .into_iter()
        .map(|[url, error]| (url, error))
        .collect();
    v.sort();
    v
}

fn summary(path: &Path) -> (u64, u64) {
    let v = crate::common::rows::summary(path);
    (
        v["rows"].as_u64().expect("rows"),
        v["new"].as_u64().expect("new"),
    )
}

/// Three hourly `--only-new` runs with `store` (the `--state` or `--redis` options): the first
/// writes every page; the second nothing (a failure and a robots.txt refusal already written
/// are not written again while they keep failing, and are not new); the third writes the page
/// that recovered, not counted as new (its failure was written before).
fn three_hourly_runs(store: &[&str]) {
    let status = Arc::new(AtomicU16::new(503));
    let site = only_new_site(status.clone());
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let hour = |n: u32| -> (PathBuf, PathBuf, Output) {
        let out = dir.path().join(format!("h{n}.csv"));
        let sum = dir.path().join(format!("h{n}.json"));
        let mut args: Vec<&str> = store.to_vec();
        let (o, s) = (
            out.to_str().expect("path").to_owned(),
            sum.to_str().expect("path").to_owned(),
        );
        args.extend([
            "--only-new",
            "--retries",
            "0",
            "--delay",
            "0",
            "-o",
            &o,
            "--summary-json",
            &s,
            &seed,
        ]);
        let r = run(&args);
        (out, sum, r)
    };
    let (out, sum, r) = hour(1);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(
        url_errors(&out),
        [
            (seed.clone(), String::new()),
            (site.url("/blocked"), "robots".into()),
            (site.url("/flaky"), "http".into()),
            (site.url("/ok"), String::new()),
        ]
    );
    assert_eq!(summary(&sum), (4, 4));

    let (out, sum, r) = hour(2);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(url_errors(&out), [], "nothing new this hour");
    assert_eq!(summary(&sum), (0, 0));
    assert_eq!(site.count("/flaky"), 2, "a failed page is fetched again");

    status.store(200, Ordering::SeqCst);
    let (out, sum, r) = hour(3);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(url_errors(&out), [(site.url("/flaky"), String::new())]);
    assert_eq!(summary(&sum), (1, 0), "written again, not new");
    assert_eq!(site.count("/blocked"), 0);
}

#[test]
fn only_new_with_state_writes_a_failure_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("s.db");
    three_hourly_runs(&["--state", state.to_str().expect("path")]);
}

#[test]
fn only_new_with_redis_writes_a_failure_once() {
    let redis = RedisServer::start();
    let url = redis.url();
    three_hourly_runs(&["--redis", &url, "--crawl-id", "hourly"]);
}
