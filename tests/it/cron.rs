//! trawl as cron runs it: the built binary against servers started on 127.0.0.1, killed and
//! resumed, stopped by SIGTERM, run twice on one state, and its output options.

use crate::common::cli::{bin, kill, wait_output, RUN_GUARD};
use crate::common::rows::columns;
use crate::common::server::{Response, Site, TestServer};
use crate::common::sites::linking;
use crate::common::wait::wait_until;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The quiet binary (`common/cli.rs`) with these tests' common options: no politeness delay so the
/// tests run fast.
fn trawl(args: &[&str]) -> Command {
    let mut c = crate::common::cli::trawl(&["--delay", "0", "--per-host", "4", "-w", "4"]);
    c.args(args);
    c
}

fn run(args: &[&str]) -> Output {
    wait_output(trawl(args).spawn().expect("spawn"), RUN_GUARD)
}

/// Data rows of a CSV file as [url, title, status, depth, parent], checking each row is whole.
fn rows(path: &Path) -> Vec<[String; 5]> {
    columns(path, ["url", "title", "status", "depth", "parent"])
}

fn csv_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// A hub linking `n` articles, each answered after `latency`.
fn news_site(n: usize, latency: Duration) -> TestServer {
    let mut site = Site::new();
    let hub = linking("Front page", n, |i| {
        format!("<a href=\"/a/{i}\">story {i}</a>")
    });
    site.page("/", hub);
    site.fallback(move |req| match req.path_only().strip_prefix("/a/") {
        Some(id) => Response::html(format!("<title>Story {id}</title>")).delay(latency),
        None => Response::not_found(),
    });
    site.serve()
}

#[test]
fn sigkill_mid_crawl_then_resume_equals_an_uninterrupted_crawl() {
    // 80 pages of 150 ms, 4 at a time: about 3 s, committed every half second.
    let server = news_site(80, Duration::from_millis(150));
    let dir = tempfile::tempdir().expect("tmp");
    let (out, state) = (dir.path().join("out.csv"), dir.path().join("state.db"));
    let partial = dir.path().join("out.csv.partial");
    let seed = server.url("/");
    let args = [
        "-o",
        out.to_str().expect("path"),
        "--state",
        state.to_str().expect("path"),
        &seed,
    ];

    let mut child = trawl(&args).spawn().expect("spawn");
    // Kill once some rows are on disk (committed to the state first).
    wait_until("rows in the partial file", || csv_lines(&partial) >= 12);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        !out.exists(),
        "an unfinished crawl is never at the final name"
    );
    let before: BTreeSet<String> = rows(&partial).into_iter().map(|[url, ..]| url).collect();
    assert!(before.len() >= 11);

    let resumed = run(&args);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(!partial.exists());
    let got = rows(&out);
    let urls: Vec<&String> = got.iter().map(|r| &r[0]).collect();
    let distinct: BTreeSet<&String> = urls.iter().copied().collect();
    assert_eq!(urls.len(), distinct.len(), "no duplicated row");
    assert_eq!(got.len(), 81, "no lost row");
    for url in &before {
        let path = url.trim_start_matches(&server.base());
        assert_eq!(
            server.count(path),
            1,
            "{path} was done before the kill: not fetched again"
        );
    }

    // The same crawl, uninterrupted, on a fresh state.
    let fresh = news_site(80, Duration::ZERO);
    let out2 = dir.path().join("fresh.csv");
    let seed2 = fresh.url("/");
    let state2 = dir.path().join("fresh.db");
    let o = run(&[
        "-o",
        out2.to_str().expect("p"),
        "--state",
        state2.to_str().expect("p"),
        &seed2,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let norm = |rows: Vec<[String; 5]>, base: &str| {
        rows.into_iter()
            .map(|[u, t, s, d, p]| (u.replace(base, ""), t, s, d, p.replace(base, "")))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(norm(got, &server.base()), norm(rows(&out2), &fresh.base()));
}

#[test]
fn sigterm_mid_crawl_leaves_complete_rows_and_exits_143() {
    let server = news_site(200, Duration::from_millis(30));
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let partial = dir.path().join("out.csv.partial");
    let seed = server.url("/");
    let child = trawl(&["-o", out.to_str().expect("p"), &seed])
        .spawn()
        .expect("spawn");
    wait_until("the crawl under way", || server.total_requests() >= 10);
    assert!(
        !out.exists() && partial.exists(),
        "written as .partial while running"
    );
    kill(&child, "-TERM");
    let o = wait_output(child, RUN_GUARD);
    assert_eq!(o.status.code(), Some(143));
    assert!(
        out.exists() && !partial.exists(),
        "without --state the rows are renamed into place"
    );
    let got = rows(&out);
    assert!(!got.is_empty() && got.len() < 201, "{} rows", got.len());
    assert!(
        got.iter().all(|r| r[2] == "200"),
        "only complete pages have rows"
    );
}

#[test]
fn a_second_run_on_the_same_state_is_refused_with_75() {
    let slow = news_site(50, Duration::from_millis(100));
    let other = news_site(1, Duration::ZERO);
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state.db");
    let (s1, s2) = (slow.url("/"), other.url("/"));
    let out1 = dir.path().join("1.csv");
    let mut first = trawl(&[
        "-o",
        out1.to_str().expect("p"),
        "--state",
        state.to_str().expect("p"),
        &s1,
    ])
    .spawn()
    .expect("spawn");
    wait_until("the first run under way", || slow.total_requests() >= 2);
    let out2 = dir.path().join("2.csv");
    let second = run(&[
        "-o",
        out2.to_str().expect("p"),
        "--state",
        state.to_str().expect("p"),
        &s2,
    ]);
    assert_eq!(second.status.code(), Some(75));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("state.db.lock"), "names the lock: {err}");
    assert_eq!(other.total_requests(), 0, "refused before any request");
    assert!(!out2.exists() && !dir.path().join("2.csv.partial").exists());
    first.kill().expect("kill");
    let _ = first.wait();
}

/// The front page's requests: the If-None-Match sent, and the status answered.
type ConditionalLog = Arc<Mutex<Vec<(Option<String>, u16)>>>;

/// A news site whose articles can be added while the test runs, with ETags on the front page.
struct GrowingSite {
    server: TestServer,
    articles: Arc<AtomicUsize>,
    conditional: ConditionalLog,
}

fn growing_site(initial: usize) -> GrowingSite {
    let articles = Arc::new(AtomicUsize::new(initial));
    let conditional: ConditionalLog = Arc::new(Mutex::new(Vec::new()));
    let (a, c) = (articles.clone(), conditional.clone());
    let server = TestServer::start(move |req| {
        let n = a.load(Ordering::SeqCst);
        if req.path_only() == "/" {
            let etag = format!("\"front-{n}\"");
            let inm = req.header("if-none-match").map(str::to_owned);
            let status = if inm.as_deref() == Some(etag.as_str()) {
                304
            } else {
                200
            };
            c.lock().expect("lock").push((inm, status));
            if status == 304 {
                return Response::new(304).header("ETag", &etag);
            }
            let hub = linking("Front", n, |i| format!("<a href=\"/a/{i}\">{i}</a>"));
            return Response::html(hub).header("ETag", &etag);
        }
        match req.path_only().trim_start_matches("/a/").parse::<usize>() {
            Ok(i) if i < n => Response::html(format!("<title>Article {i}</title>")),
            _ => Response::not_found(),
        }
    });
    GrowingSite {
        server,
        articles,
        conditional,
    }
}

#[test]
fn hourly_new_only_runs_write_exactly_the_new_articles() {
    let site = growing_site(5);
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state.db");
    let seed = site.server.url("/");
    let st = state.to_str().expect("p");
    let hour = |name: &str| {
        let out = dir.path().join(name);
        let summary = dir.path().join(format!("{name}.json"));
        let o = run(&[
            "--only-new",
            "--state",
            st,
            "--summary-json",
            summary.to_str().expect("p"),
            "-o",
            out.to_str().expect("p"),
            &seed,
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(summary).expect("summary"))
                .expect("json");
        (rows(&out), json)
    };
    let (first, _) = hour("1.csv");
    assert_eq!(first.len(), 6, "the first run writes everything");

    site.articles.store(8, Ordering::SeqCst);
    let (second, json) = hour("2.csv");
    let titles: BTreeSet<String> = second.iter().map(|r| r[1].clone()).collect();
    let want: BTreeSet<String> = (5..8).map(|i| format!("Article {i}")).collect();
    assert_eq!(titles, want, "exactly the three new articles");
    assert_eq!(
        (json["rows"].as_u64(), json["new"].as_u64()),
        (Some(3), Some(3))
    );
    for i in 0..5 {
        assert_eq!(
            site.server.count(&format!("/a/{i}")),
            1,
            "known articles are not fetched again"
        );
    }

    let (third, json) = hour("3.csv");
    assert!(third.is_empty(), "nothing new: {third:?}");
    assert_eq!(json["not_modified"].as_u64(), Some(1));
    assert_eq!(json["pages"].as_u64(), Some(1));
    let conditional = site.conditional.lock().expect("lock").clone();
    assert_eq!(conditional.len(), 3);
    assert_eq!(conditional[0], (None, 200));
    assert_eq!(
        conditional[1],
        (Some("\"front-5\"".into()), 200),
        "the revisit is conditional"
    );
    assert_eq!(conditional[2], (Some("\"front-8\"".into()), 304));
    for key in [
        "pages",
        "rows",
        "new",
        "not_modified",
        "errors",
        "elapsed_s",
    ] {
        assert!(json[key].is_u64(), "{key} in {json}");
    }
}

#[test]
fn a_failed_page_is_tried_again_by_the_next_run() {
    let broken = Arc::new(AtomicUsize::new(1));
    let b = broken.clone();
    let mut site = Site::new();
    site.page(
        "/",
        "<title>Front</title><a href=\"/a\">a</a><a href=\"/b\">b</a><a href=\"/gone\">g</a>",
    );
    site.page("/a", "<title>A</title>");
    site.route("/b", move |_| {
        if b.load(Ordering::SeqCst) == 1 {
            Response::new(500)
        } else {
            Response::html("<title>B</title>")
        }
    });
    site.response("/gone", Response::new(410));
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let st = dir.path().join("s.db");
    let seed = server.url("/");
    let o1 = dir.path().join("1.csv");
    let args = |out: &Path| {
        vec![
            "--only-new".to_owned(),
            "--retries".into(),
            "0".into(),
            "--state".into(),
            st.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            seed.clone(),
        ]
    };
    let a1 = args(&o1);
    run(&a1.iter().map(String::as_str).collect::<Vec<_>>());
    broken.store(0, Ordering::SeqCst);
    let o2 = dir.path().join("2.csv");
    let a2 = args(&o2);
    run(&a2.iter().map(String::as_str).collect::<Vec<_>>());
    let second: Vec<String> = rows(&o2).into_iter().map(|[_, title, ..]| title).collect();
    assert_eq!(second, ["B"], "the 500 was not remembered; the 410 was");
    assert_eq!(server.count("/gone"), 1);
}

#[test]
fn resuming_with_other_seeds_is_refused_naming_restart() {
    let server = news_site(80, Duration::from_millis(150));
    let dir = tempfile::tempdir().expect("tmp");
    let st = dir.path().join("s.db");
    let out = dir.path().join("o.csv");
    let seed = server.url("/");
    let mut child = trawl(&[
        "-o",
        out.to_str().expect("p"),
        "--state",
        st.to_str().expect("p"),
        &seed,
    ])
    .spawn()
    .expect("spawn");
    wait_until("rows", || csv_lines(&dir.path().join("o.csv.partial")) >= 3);
    child.kill().expect("kill");
    let _ = child.wait();
    let other = server.url("/a/1");
    let o = run(&[
        "--state",
        st.to_str().expect("p"),
        "-o",
        out.to_str().expect("p"),
        &other,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--restart") && err.lines().count() == 1,
        "{err}"
    );
    let o = run(&[
        "--restart",
        "--state",
        st.to_str().expect("p"),
        "-o",
        out.to_str().expect("p"),
        &other,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(rows(&out).len(), 1);
}

#[test]
fn output_options_date_placeholder_excel_safe_bom_and_jsonl() {
    let mut site = Site::new();
    site.page("/", "<title>=HYPERLINK(\"x\")</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = server.url("/");
    let pattern = dir.path().join("news-{date}.csv");
    let o = run(&[
        "--excel-safe",
        "--bom",
        "-o",
        pattern.to_str().expect("p"),
        &seed,
    ]);
    assert_eq!(o.status.code(), Some(0));
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let path = dir.path().join(format!("news-{today}.csv"));
    let bytes = std::fs::read(&path).expect("the {date} file");
    assert!(bytes.starts_with(b"\xEF\xBB\xBFurl,"));
    let text = String::from_utf8_lossy(&bytes[3..]).into_owned();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rec = r.records().next().expect("row").expect("row");
    assert_eq!(&rec[6], "'=HYPERLINK(\"x\")");

    let jsonl = dir.path().join("o.jsonl");
    let o = run(&["--format", "jsonl", "-o", jsonl.to_str().expect("p"), &seed]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&jsonl).expect("jsonl");
    let v: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("line")).expect("json");
    assert_eq!(v["title"], "=HYPERLINK(\"x\")");
    assert_eq!(v["status"], 200);
    assert_eq!(v["url"], seed.as_str());
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let o = Command::new(bin())
        .args(["--completions", "bash"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--max-depth"));
    let o = Command::new(bin()).arg("--man").output().expect("run");
    assert!(String::from_utf8_lossy(&o.stdout).contains(".TH trawl"));
}

#[test]
fn a_second_sigint_quits_at_once_without_a_torn_row() {
    // Every page takes 3 s, so the first SIGINT's grace period (5 s) would keep trawl waiting.
    let server = news_site(50, Duration::from_secs(3));
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let seed = server.url("/");
    let child = trawl(&["-o", out.to_str().expect("p"), "--timeout", "30", &seed])
        .spawn()
        .expect("spawn");
    wait_until("articles in flight", || server.total_requests() >= 3);
    for _ in 0..2 {
        kill(&child, "-INT");
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = Instant::now();
    let o = wait_output(child, RUN_GUARD);
    assert_eq!(o.status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(2), "quit at once");
    // The front page's row is complete; no article finished.
    let got = rows(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0][1], "Front page");
}
