//! One crawl across several trawl processes on a real Redis (issue 12 and its `--redis`
//! contract): the built binary run as separate processes with
//! `--redis URL --crawl-id ID` against local sites, each test with its own redis-server
//! (tests/it/common/redis.rs) and its own site (tests/it/common/server.rs, sites.rs); the
//! processes are `common/procs.rs`'s handles and their rows are read by `common/rows.rs`.
//!
//! Everything asserted comes from the site's own request log (paths, headers, start and end
//! times, peak requests in flight), from the processes' outputs and exit codes, from
//! `trawl export`, and from Redis itself. Where a test needs processes to overlap, the site holds
//! the first requests at a barrier that only fills when every process has a request in flight
//! (its `-w` values are chosen so no smaller set of processes can fill it), so the overlap is an
//! event the test checks (`filled == 1`, `timed_out == 0`), not a timing guess. Time limits are
//! guards against hangs, except where the contract itself is about time (`--delay`, leases of
//! `2 × --timeout + 5 s`, `--redis-timeout`, no idle timer).

use crate::common::gate::Gate;
use crate::common::procs::{finish_all, path_str, run_plain, strings, Ended, Proc};
use crate::common::redis::{free_port, RedisServer};
use crate::common::rows::{
    assert_same_rows, by_url, csv_rows, jsonl_rows, kept_rows, partial_of, rows_of, stable_set,
    summary, union, FileRow,
};
use crate::common::server::{LoggedRequest, Response, Site, TestServer};
use crate::common::sites::{counts, BARRIER_GUARD};
use crate::common::sites::{each_once, hub, hub_site, hub_site_on, hub_urls, FirstGroup};
use crate::common::sites::{linking, numbered};
use crate::common::wait::wait_until;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Loopback and the wake-up of the worker that starts a request: the slack tests/it/polite.rs
/// and the closing note of issue 11 allow on `--delay`.
const DELAY_SLACK: Duration = Duration::from_millis(20);

/// The options every process of a crawl gives: Redis, the crawl id, and the crawl's rules.
fn crawl_args(redis: &RedisServer, id: &str, rules: &[&str]) -> Vec<String> {
    let mut a = strings(&["--redis", &redis.url(), "--crawl-id", id]);
    a.extend(strings(rules));
    a
}

/// `base` plus this process's own options and its `-o`.
fn with(base: &[String], own: &[&str], out: &Path) -> Vec<String> {
    let mut a = base.to_vec();
    a.extend(strings(own));
    a.extend(["-o".to_owned(), path_str(out)]);
    a
}

/// `trawl export --redis URL --crawl-id ID [EXTRA] -o PATH`: exit 0 and its CSV rows.
fn export(redis: &RedisServer, id: &str, extra: &[&str], out: &Path) -> Vec<FileRow> {
    let url = redis.url();
    let o = path_str(out);
    let mut args = vec!["export", "--redis", &url, "--crawl-id", id, "-o", &o];
    args.extend_from_slice(extra);
    let e = run_plain(&args);
    e.expect_code(0);
    csv_rows(out)
}

// ---------------------------------------------------------------------------
// 1. Three processes, one crawl: the union is the single-process crawl
// ---------------------------------------------------------------------------

/// Two fronts (`/` and `/second`) on one host with robots.txt, a 404, a redirect, a page
/// robots.txt disallows, depth-2 pages linked from several depth-1 pages, an off-host link, and
/// `/x/shared`, linked from depth-1 `/p/3` (depth 2 that way) and from the front `/second`
/// (depth 1), which answers late: the breadth-first depth rule must give it depth 1 whichever
/// process finds it first. The first six `/p/*` requests go through `hold`.
fn mixed_site(hold: &FirstGroup) -> TestServer {
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nDisallow: /private\n"),
    );
    let mut hub = linking("Front", 12, |i| format!("<a href=\"/p/{i}\">p{i}</a>"));
    hub.push_str(
        "<a href=\"/missing\">m</a><a href=\"/old\">o</a><a href=\"/private/secret\">s</a>\
         <a href=\"http://127.0.0.2:9/elsewhere\">off host</a>",
    );
    site.page("/", hub);
    let mut second = String::from("<title>Second front</title>");
    for i in 10..16 {
        second.push_str(&format!("<a href=\"/p/{i}\">p{i}</a>"));
    }
    second.push_str("<a href=\"/x/shared\">shared</a>");
    site.response(
        "/second",
        Response::html(second).delay(Duration::from_millis(300)),
    );
    for i in 0..16 {
        let hold = hold.clone();
        let mut body = format!(
            "<title>Page {i}</title><a href=\"/q/{}\">q</a><a href=\"/q/{}\">q</a><a href=\"/\">home</a>",
            i % 5,
            (i + 1) % 5
        );
        if i == 3 {
            body.push_str("<a href=\"/x/shared\">shared</a>");
        }
        site.route(&format!("/p/{i}"), move |_| {
            hold.hold();
            Response::html(body.clone())
        });
    }
    for j in 0..5 {
        site.page(
            &format!("/q/{j}"),
            format!("<title>Deep {j}</title><a href=\"/r/{j}\">too deep</a>"),
        );
    }
    site.page("/x/shared", "<title>Shared</title>");
    site.response("/old", Response::redirect(301, "/new"));
    site.page("/new", "<title>New home</title>");
    site.page("/private/secret", "<title>Secret</title>");
    site.serve()
}

#[test]
fn three_processes_together_write_exactly_the_single_process_crawl() {
    // Workers 2, 2 and 3: six requests in flight at once need all three processes.
    let hold = FirstGroup::new(6);
    let site = mixed_site(&hold);
    let dir = tempfile::tempdir().expect("tmp");
    let seeds = [site.url("/"), site.url("/second")];
    // A small delay: a process takes pages only for its free workers, so all three get some
    // (without one, see a_process_joining_late_takes_a_share_at_once_on_a_host_without_delay).
    let rules = [
        "--max-depth",
        "2",
        "--per-host",
        "8",
        "--delay",
        "10",
        "--retries",
        "0",
    ];

    // The reference: one process, no Redis.
    let single_out = dir.path().join("single.csv");
    let mut single_args = strings(&rules);
    single_args.extend(strings(&["-w", "3", "-o", &path_str(&single_out)]));
    single_args.extend(seeds.iter().cloned());
    Proc::spawn("single", &single_args).finish().expect_code(0);
    let single = by_url("single", &csv_rows(&single_out));
    let single_paths = each_once(&site);
    // 2 fronts, 16 pages, 5 deep pages, shared, missing, old (-> new), private.
    assert_eq!(single.len(), 27, "the reference crawl: {single:#?}");
    assert_eq!(single[&site.url("/x/shared")].depth, "1");
    assert_eq!(single[&site.url("/private/secret")].error, "robots");
    assert_eq!(single[&site.url("/old")].final_url, site.url("/new"));
    site.clear_log();

    // The same crawl by three processes on one Redis, started together; per-process options
    // (workers, job channel, output format, timeout) differ, as the contract allows.
    let redis = RedisServer::start();
    let mut base = crawl_args(&redis, "three", &rules);
    base.extend(seeds.iter().cloned());
    let outs = [
        dir.path().join("a.csv"),
        dir.path().join("b.jsonl"),
        dir.path().join("c.csv"),
    ];
    hold.arm();
    let procs = vec![
        Proc::spawn("a", &with(&base, &["-w", "2"], &outs[0])),
        Proc::spawn(
            "b",
            &with(
                &base,
                &["-w", "2", "--format", "jsonl", "--timeout", "7"],
                &outs[1],
            ),
        ),
        Proc::spawn(
            "c",
            &with(&base, &["-w", "3", "--queue-capacity", "1"], &outs[2]),
        ),
    ];
    let exits = finish_all(procs);
    for e in &exits {
        e.expect_code(0);
    }
    hold.assert_filled("all three processes working on the crawl at once");

    let parts: Vec<Vec<FileRow>> = outs.iter().map(|o| rows_of(o)).collect();
    for (o, rows) in outs.iter().zip(&parts) {
        assert!(
            !rows.is_empty(),
            "{} took a share: it has rows",
            o.display()
        );
    }
    let all = union(&[("a", &parts[0]), ("b", &parts[1]), ("c", &parts[2])]);
    assert_same_rows(
        &stable_set(all.values()),
        &stable_set(single.values()),
        "the union of the three outputs is the single-process crawl, row for row",
    );

    // The site saw each request once, and exactly the requests of the single crawl (robots.txt
    // included: fetched once for the whole crawl).
    assert_eq!(each_once(&site), single_paths);
    assert_eq!(site.count("/robots.txt"), 1);

    // No idle timer: every process exits as soon as the run is over.
    assert!(site.wait_idle(Duration::from_secs(5)));
    let last = site
        .requests()
        .iter()
        .filter_map(|r| r.finished)
        .max()
        .expect("requests");
    for e in &exits {
        let after = e.at.saturating_duration_since(last);
        assert!(
            after < Duration::from_secs(3),
            "{} exited {after:?} after the last response: an idle wait",
            e.name
        );
    }

    // The whole run is in Redis too.
    let exported = export(&redis, "three", &[], &dir.path().join("all.csv"));
    assert_eq!(
        stable_set(by_url("export", &exported).values()),
        stable_set(single.values())
    );
    // Every script call is an EVALSHA of one script, loaded (at most) once per process.
    let calls = redis.command_calls();
    assert!(calls.get("evalsha").is_some_and(|&n| n > 0), "{calls:?}");
    assert_eq!(calls.get("eval"), None, "plain EVAL: {calls:?}");
    assert!(
        calls.get("script|load").copied().unwrap_or(0) <= 3,
        "{calls:?}"
    );
    eprintln!(
        "three processes, {} pages: Redis commands {calls:?}",
        all.len()
    );
}

// ---------------------------------------------------------------------------
// 2. Politeness across processes
// ---------------------------------------------------------------------------

#[test]
fn per_host_and_delay_hold_across_all_processes_together() {
    // Three hosts, one hub and six slow pages each; three processes of 2 workers: the first
    // five page requests (over all hosts) are held until all five are in flight at once, which
    // takes all three processes, and 2 per host on three hosts leave room for five.
    let hold = FirstGroup::new(5).armed();
    let latency = Duration::from_millis(100);
    let sites: Vec<TestServer> = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        .iter()
        .map(|ip| hub_site_on(ip, 6, latency, &hold))
        .collect();
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let delay = Duration::from_millis(150);
    let mut base = crawl_args(
        &redis,
        "polite",
        &[
            "--per-host",
            "2",
            "--delay",
            "150",
            "--ignore-robots",
            "--retries",
            "0",
        ],
    );
    base.extend(sites.iter().map(|s| s.url("/")));
    let outs: Vec<PathBuf> = (0..3)
        .map(|i| dir.path().join(format!("{i}.csv")))
        .collect();
    let procs = outs
        .iter()
        .enumerate()
        .map(|(i, o)| Proc::spawn(&format!("p{i}"), &with(&base, &["-w", "2"], o)))
        .collect();
    for e in finish_all(procs) {
        e.expect_code(0);
    }
    hold.assert_filled("three processes crawling at once");

    let parts: Vec<Vec<FileRow>> = outs.iter().map(|o| csv_rows(o)).collect();
    let all = union(&[("p0", &parts[0]), ("p1", &parts[1]), ("p2", &parts[2])]);
    let want: BTreeSet<String> = sites.iter().flat_map(|s| hub_urls(s, 6)).collect();
    assert_eq!(all.keys().cloned().collect::<BTreeSet<_>>(), want);

    let mut peaks = Vec::new();
    for s in &sites {
        assert!(s.wait_idle(Duration::from_secs(5)));
        assert_eq!(each_once(s).len(), 7, "{}", s.base());
        peaks.push(s.max_in_flight());
        let mut starts: Vec<Instant> = s.requests().iter().map(|r| r.started).collect();
        starts.sort();
        for pair in starts.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap + DELAY_SLACK >= delay,
                "{}: two request starts {gap:?} apart (--delay 150)",
                s.base()
            );
        }
    }
    assert!(
        peaks.iter().all(|&p| p <= 2),
        "requests in flight per host over all processes: {peaks:?} (--per-host 2)"
    );
    assert!(
        peaks.contains(&2),
        "the limit was reached somewhere (the test is not vacuous): {peaks:?}"
    );
}

// ---------------------------------------------------------------------------
// 3. A process SIGKILLed mid-crawl
// ---------------------------------------------------------------------------

#[test]
fn a_sigkilled_process_leaves_leases_the_others_finish_once_they_expire() {
    // --timeout 1: leases of 2 × 1 + 5 = 7 s. Pages answer after 400 ms, well inside the timeout.
    let latency = Duration::from_millis(400);
    let lease = Duration::from_secs(7);
    let n = 16;
    let site = hub_site(n, latency, &FirstGroup::new(1));
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "kill",
        &[
            "--per-host",
            "8",
            "--delay",
            "0",
            "--ignore-robots",
            "--retries",
            "0",
            "--timeout",
            "1",
        ],
    );
    base.push(site.url("/"));
    let (a_out, b_out, c_out) = (
        dir.path().join("a.csv"),
        dir.path().join("b.csv"),
        dir.path().join("c.csv"),
    );

    // A alone until its third page request has arrived; then it is killed at once. Requests that
    // started in the 300 ms before the kill were still waiting out their 400 ms when it came: A
    // held their leases and never completed them.
    let mut a = Proc::spawn("a", &with(&base, &["-w", "2"], &a_out));
    let a_spawned = a.spawned;
    let page_requests = |s: &TestServer| {
        s.requests()
            .iter()
            .filter(|r| r.path.starts_with("/p/"))
            .count()
    };
    wait_until("A's third page request", || page_requests(&site) >= 3);
    a.sigkill();
    let killed = Instant::now();
    let leased_by_a: BTreeSet<String> = site
        .requests()
        .iter()
        .filter(|r| r.started + Duration::from_millis(300) > killed && r.started <= killed)
        .map(|r| r.path.clone())
        .collect();
    assert!(!leased_by_a.is_empty(), "A had a page in flight");

    // B and C join the same run (A's leases keep it going) and finish it.
    let b = Proc::spawn("b", &with(&base, &["-w", "2"], &b_out));
    let c = Proc::spawn("c", &with(&base, &["-w", "2"], &c_out));
    for e in finish_all(vec![b, c]) {
        e.expect_code(0);
    }

    let log = site.requests();
    let mut by_path: BTreeMap<String, Vec<&LoggedRequest>> = BTreeMap::new();
    for r in &log {
        by_path.entry(r.path.clone()).or_default().push(r);
    }
    for (path, reqs) in &by_path {
        assert!(reqs.len() <= 2, "{path} requested {} times", reqs.len());
        if reqs.len() == 2 {
            assert!(
                reqs[0].started <= killed,
                "{path} requested twice, the first time not by A"
            );
        }
    }
    for p in &leased_by_a {
        assert_eq!(
            by_path[p].len(),
            2,
            "{p}: in flight at A's kill, finished by another process"
        );
    }

    // The run has every page exactly once; the survivors no row twice, A's pages among them.
    let exported = by_url(
        "export",
        &export(&redis, "kill", &[], &dir.path().join("all.csv")),
    );
    assert_eq!(
        exported.keys().cloned().collect::<BTreeSet<_>>(),
        hub_urls(&site, n)
    );
    for r in exported.values() {
        assert_eq!(r.status, "200", "{r:?}");
    }
    let (b_rows, c_rows) = (csv_rows(&b_out), csv_rows(&c_out));
    let survivors = union(&[("b", &b_rows), ("c", &c_rows)]);
    for p in &leased_by_a {
        assert!(
            survivors.contains_key(&site.url(p)),
            "{p} (A's lease) written by a survivor"
        );
    }
    for (url, r) in &survivors {
        assert_eq!(
            exported.get(url).map(FileRow::stable),
            Some(r.stable()),
            "a survivor's row is the run's row"
        );
    }

    // A's pages were taken again only once its leases (taken after A started) expired.
    let early: Vec<(String, Duration)> = by_path
        .iter()
        .filter(|(_, reqs)| reqs.len() == 2)
        .map(|(p, reqs)| (p.clone(), reqs[1].started - a_spawned))
        .filter(|(_, after)| *after < lease)
        .collect();
    assert!(
        early.is_empty(),
        "taken again before a lease of 2 x 1 + 5 = {lease:?} expired (time after A started): {early:?}"
    );
}

// ---------------------------------------------------------------------------
// 4. A process joining late takes a share
// ---------------------------------------------------------------------------

/// Pages 0-9 answer in 100 ms; of pages 10-19 the first three requests are held until three
/// are in flight at once. A (two workers) crawls alone until both its workers are held there;
/// then B joins. The crawl cannot end, and those pages cannot be answered, until B takes a page:
/// a process that joins takes its share at once.
fn late_joiner(delay: &str) {
    let n = 20;
    let hold = FirstGroup::new(3).armed();
    let mut site = Site::new();
    let hub = linking("Front", n, |i| format!("<a href=\"/p/{i}\">p{i}</a>"));
    site.page("/", hub);
    for i in 0..n {
        let hold = hold.clone();
        site.route(&format!("/p/{i}"), move |_| {
            let r = Response::html(format!("<title>Page {i}</title>"));
            if i >= 10 {
                hold.hold();
                r
            } else {
                r.delay(Duration::from_millis(100))
            }
        });
    }
    let site = site.serve();
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "late",
        &[
            "--per-host",
            "4",
            "--delay",
            delay,
            "--ignore-robots",
            "--retries",
            "0",
        ],
    );
    base.push(site.url("/"));
    let (a_out, b_out) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let a = Proc::spawn("a", &with(&base, &["-w", "2"], &a_out));
    wait_until("A's two workers held, pages 0-9 done", || {
        hold.waiting() == 2
    });
    let done_by_a = site
        .requests()
        .iter()
        .filter(|r| r.finished.is_some())
        .count();
    assert_eq!(done_by_a, 11, "A did the hub and pages 0-9 alone");
    let joined = Instant::now();
    let b = Proc::spawn("b", &with(&base, &["-w", "2"], &b_out));
    for e in finish_all(vec![a, b]) {
        e.expect_code(0);
    }
    hold.assert_filled("the late process took a page while A's two workers were busy");

    let (a_rows, b_rows) = (csv_rows(&a_out), csv_rows(&b_out));
    assert!(!b_rows.is_empty(), "the late process wrote rows");
    let all = union(&[("a", &a_rows), ("b", &b_rows)]);
    assert_eq!(
        all.keys().cloned().collect::<BTreeSet<_>>(),
        hub_urls(&site, n)
    );
    assert_eq!(each_once(&site).len(), n + 1, "no page requested twice");
    // B's pages were requested after it joined: B fetched them itself.
    let started: BTreeMap<String, Instant> = site
        .requests()
        .iter()
        .map(|r| (site.url(&r.path), r.started))
        .collect();
    for r in &b_rows {
        assert!(
            started[&r.url] > joined,
            "{} requested before B started",
            r.url
        );
    }
}

#[test]
fn a_process_joining_late_takes_a_share_at_once() {
    late_joiner("20");
}

/// The same on a host without a delay. A process must not hold more pages than its workers can
/// start (pages leased to it wait for its workers while the host's --per-host slots are taken,
/// and no other process can have them).
#[test]
fn a_process_joining_late_takes_a_share_at_once_on_a_host_without_delay() {
    late_joiner("0");
}

// ---------------------------------------------------------------------------
// 5. Hourly --only-new crawls
// ---------------------------------------------------------------------------

/// A front page whose articles can be added between runs. The front page has an ETag that
/// changes with the article count; each article has an ETag and a Last-Modified and answers 304
/// to a matching If-None-Match or a not-older If-Modified-Since. The first requests to articles
/// go through `hold`.
fn news_site(articles: Arc<AtomicUsize>, hold: &FirstGroup) -> TestServer {
    const MODIFIED: &str = "Tue, 01 Dec 2026 08:00:00 GMT";
    let hold = hold.clone();
    TestServer::start(move |req| {
        let n = articles.load(Ordering::SeqCst);
        if req.path_only() == "/" {
            let etag = format!("\"front-{n}\"");
            if req.header("if-none-match") == Some(etag.as_str()) {
                return Response::new(304).header("ETag", &etag);
            }
            let hub = linking("Front", n, |i| format!("<a href=\"/a/{i}\">{i}</a>"));
            return Response::html(hub).header("ETag", &etag);
        }
        match req.path_only().strip_prefix("/a/").map(str::parse::<usize>) {
            Some(Ok(i)) if i < n => {
                hold.hold();
                let etag = format!("\"a-{i}\"");
                let fresh = req.header("if-none-match") == Some(etag.as_str())
                    || req
                        .header("if-modified-since")
                        .and_then(|d| httpdate::parse_http_date(d).ok())
                        .zip(httpdate::parse_http_date(MODIFIED).ok())
                        .is_some_and(|(since, modified)| since >= modified);
                if fresh {
                    Response::new(304)
                        .header("ETag", &etag)
                        .header("Last-Modified", MODIFIED)
                } else {
                    Response::html(format!("<title>Article {i}</title>"))
                        .header("ETag", &etag)
                        .header("Last-Modified", MODIFIED)
                }
            }
            _ => Response::not_found(),
        }
    })
}

fn sum(summaries: &[serde_json::Value], key: &str) -> u64 {
    summaries
        .iter()
        .map(|s| s[key].as_u64().unwrap_or_else(|| panic!("{key} in {s}")))
        .sum()
}

#[test]
fn hourly_only_new_runs_write_only_new_pages_and_revisit_conditionally() {
    let articles = Arc::new(AtomicUsize::new(5));
    // Run 2 has two processes of one worker each: its first two article requests are held until
    // both are in flight, so both processes are in run 2 (neither starts a run 3).
    let hold = FirstGroup::new(2);
    let site = news_site(articles.clone(), &hold);
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "hourly",
        &[
            "--only-new",
            "--revisit-depth",
            "1",
            "--per-host",
            "4",
            // A process takes pages only for free workers (see the three-process test).
            "--delay",
            "10",
            "--ignore-robots",
            "--retries",
            "0",
        ],
    );
    base.push(site.url("/"));
    let own = |name: &str, extra: &[&str]| {
        let out = dir.path().join(format!("{name}.csv"));
        let json = dir.path().join(format!("{name}.json"));
        let mut own = strings(extra);
        own.extend(["--summary-json".to_owned(), path_str(&json)]);
        let own: Vec<&str> = own.iter().map(String::as_str).collect();
        (with(&base, &own, &out), out, json)
    };

    // Run 1: everything is new.
    let (args, out1, _) = own("run1", &["-w", "2"]);
    Proc::spawn("run 1", &args).finish().expect_code(0);
    let first = csv_rows(&out1);
    assert_eq!(
        first.len(),
        6,
        "the first run writes every page: {first:#?}"
    );
    for r in site.requests() {
        assert!(
            r.header("if-none-match").is_none() && r.header("if-modified-since").is_none(),
            "nothing is known in run 1: {} was conditional",
            r.path
        );
    }
    site.clear_log();

    // Run 2, after run 1 ended: three more articles.
    articles.store(8, Ordering::SeqCst);
    hold.arm();
    let (args_a, out_a, json_a) = own("run2a", &["-w", "1"]);
    let (args_b, out_b, json_b) = own("run2b", &["-w", "1"]);
    let procs = vec![
        Proc::spawn("run 2 a", &args_a),
        Proc::spawn("run 2 b", &args_b),
    ];
    for e in finish_all(procs) {
        e.expect_code(0);
    }
    hold.assert_filled("both processes of run 2 at once");
    let second = union(&[
        ("run 2 a", &csv_rows(&out_a)),
        ("run 2 b", &csv_rows(&out_b)),
    ]);
    let titles: BTreeSet<String> = second.values().map(|r| r.title.clone()).collect();
    let want: BTreeSet<String> = (5..8).map(|i| format!("Article {i}")).collect();
    assert_eq!(titles, want, "run 2 writes exactly the three new articles");

    // Run 2's requests: the front page and the known articles conditionally (the articles
    // answer 304), the new articles plainly; each once.
    assert_eq!(each_once(&site).len(), 9);
    for r in site.requests() {
        let conditional =
            r.header("if-none-match").is_some() || r.header("if-modified-since").is_some();
        match r.path.strip_prefix("/a/").map(str::parse::<usize>) {
            None => {
                assert_eq!(r.path, "/");
                assert_eq!(r.header("if-none-match"), Some("\"front-5\""), "{r:?}");
                assert_eq!(r.status, Some(200), "the front page changed");
            }
            Some(Ok(i)) if i < 5 => {
                assert!(
                    conditional,
                    "known article {i} revisited conditionally: {r:?}"
                );
                assert_eq!(r.status, Some(304), "{r:?}");
            }
            Some(_) => {
                assert!(
                    !conditional,
                    "new article {} sent validators: {r:?}",
                    r.path
                );
                assert_eq!(r.status, Some(200));
            }
        }
    }
    let s = [summary(&json_a), summary(&json_b)];
    assert_eq!(
        (sum(&s, "rows"), sum(&s, "new"), sum(&s, "not_modified")),
        (3, 3, 5),
        "{s:?}"
    );

    // Each run's rows stay in Redis: export picks the run, the latest by default.
    let run1 = export(
        &redis,
        "hourly",
        &["--run", "1"],
        &dir.path().join("e1.csv"),
    );
    let run2 = export(
        &redis,
        "hourly",
        &["--run", "2"],
        &dir.path().join("e2.csv"),
    );
    let latest = export(&redis, "hourly", &[], &dir.path().join("e.csv"));
    assert_eq!(stable_set(&run1), stable_set(&first));
    assert_eq!(stable_set(&run2), stable_set(second.values()));
    assert_eq!(stable_set(&latest), stable_set(&run2));
}

// ---------------------------------------------------------------------------
// 6. Redis killed mid-crawl and restarted
// ---------------------------------------------------------------------------

#[test]
fn redis_lost_mid_crawl_exits_1_and_a_rerun_after_its_restart_finishes_the_run() {
    let n = 30;
    // The front page waits until both processes have joined (A is in the run: it requested the
    // front page; B says so in its log, at -v).
    let gate = Gate::with_guard(BARRIER_GUARD);
    let mut site = Site::new();
    let hub = linking("Front", n, |i| format!("<a href=\"/p/{i}\">page {i}</a>"));
    let g = gate.clone();
    site.route("/", move |_| {
        g.pass();
        Response::html(hub.clone())
    });
    site.fallback(move |req| match numbered(req.path_only(), "/p/", n) {
        Some(i) => Response::html(format!("<title>Page {i}</title><a href=\"/\">home</a>"))
            .delay(Duration::from_millis(200)),
        _ => Response::not_found(),
    });
    let site = site.serve();
    let mut redis = RedisServer::persistent();
    let port = redis.port();
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "outage",
        &[
            "--per-host",
            "8",
            // A process takes pages only for free workers (see the three-process test).
            "--delay",
            "10",
            "--ignore-robots",
            "--retries",
            "0",
            // Long enough for the front page to wait for B's start on a loaded machine.
            "--timeout",
            "3",
            "--redis-timeout",
            "2",
        ],
    );
    base.push(site.url("/"));
    let outs: Vec<PathBuf> = ["a1", "b1", "a2", "b2"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.csv")))
        .collect();
    let a = Proc::spawn("a", &with(&base, &["-w", "2"], &outs[0]));
    wait_until("A's front page in flight", || site.in_flight() == 1);
    let (b, b_err) = Proc::spawn_watched("b", &with(&base, &["-w", "2"], &outs[1]));
    wait_until("B joined", || b_err.any("joined the shared crawl"));
    gate.open();

    // Kill Redis with pages done and pages in flight.
    wait_until("pages answered and pages in flight", || {
        let log = site.requests();
        log.iter()
            .filter(|r| r.path.starts_with("/p/") && r.finished.is_some())
            .count()
            >= 8
            && log.iter().any(|r| r.finished.is_none())
    });
    redis.kill();
    let lost = Instant::now();
    let exits = finish_all(vec![a, b]);
    for e in &exits {
        e.expect_code(1);
        // A is quiet: one line. B logs at -v: one line besides its log lines.
        let line = if e.name == "b" {
            let lines = b_err.all();
            let own: Vec<String> = lines
                .into_iter()
                .filter(|l| !l.contains("trawl::"))
                .collect();
            assert_eq!(own.len(), 1, "b: one line besides its log: {own:?}");
            own[0].clone()
        } else {
            e.one_line()
        };
        assert!(
            line.starts_with(&format!("trawl: lost Redis at redis://127.0.0.1:{port}/0")),
            "{}: {line}",
            e.name
        );
        let after = e.at - lost;
        assert!(
            after >= Duration::from_millis(1900),
            "{} gave up {after:?} after the loss, before --redis-timeout 2",
            e.name
        );
        assert!(
            after < Duration::from_secs(12),
            "{} took {after:?} to give up (--redis-timeout 2, --timeout 3)",
            e.name
        );
    }
    // Rows already written stay written, each whole.
    let mut before = Vec::new();
    for (name, o) in [("a", &outs[0]), ("b", &outs[1])] {
        let (rows, kept) = kept_rows(o);
        eprintln!("{name}: {} rows kept in {}", rows.len(), kept.display());
        before.push(rows);
    }
    let before = union(&[("a", &before[0]), ("b", &before[1])]);
    assert!(!before.is_empty(), "rows were written before the loss");
    for r in before.values() {
        assert_eq!(r.status, "200", "{r:?}");
    }

    // Redis comes back with its data; the same commands continue the run.
    redis.restart();
    assert_eq!(redis.port(), port);
    let a = Proc::spawn("a again", &with(&base, &["-w", "2"], &outs[2]));
    let b = Proc::spawn("b again", &with(&base, &["-w", "2"], &outs[3]));
    for e in finish_all(vec![a, b]) {
        e.expect_code(0);
    }
    let after = union(&[
        ("a again", &csv_rows(&outs[2])),
        ("b again", &csv_rows(&outs[3])),
    ]);
    let exported = by_url(
        "export",
        &export(&redis, "outage", &[], &dir.path().join("all.csv")),
    );
    assert_eq!(
        exported.keys().cloned().collect::<BTreeSet<_>>(),
        hub_urls(&site, n),
        "every page once in the run"
    );
    // Every row written, before the loss or after, is the run's row, and none twice.
    let written: Vec<FileRow> = before.values().chain(after.values()).cloned().collect();
    let written = by_url("rows written before and after the loss", &written);
    for (url, r) in &written {
        assert_eq!(
            exported.get(url).map(FileRow::stable),
            Some(r.stable()),
            "a row written is the run's row"
        );
    }
    // A page whose completion Redis applied as it was killed has its row in Redis (the export)
    // and in no output: its process never heard the answer. Only such pages may be missing.
    let log = site.requests();
    for url in exported.keys().filter(|u| !written.contains_key(*u)) {
        let path = url.strip_prefix(&site.base()).expect("the site's URL");
        let reqs: Vec<&LoggedRequest> = log.iter().filter(|r| r.path == path).collect();
        let finished: Vec<Option<Duration>> = reqs
            .iter()
            .map(|r| r.finished.map(|f| lost.saturating_duration_since(f)))
            .collect();
        eprintln!(
            "{path}: in the export only; requests finished this long before the loss: {finished:?}"
        );
        assert!(
            reqs.len() == 1 && reqs[0].finished.is_some_and(|f| f <= lost && f + Duration::from_secs(2) > lost),
            "{path} is in the export but in no output, and was not answered just before the loss: {reqs:?}"
        );
    }
    // Only a page in flight at the loss is requested twice.
    for (path, k) in counts(&site) {
        assert!(k <= 2, "{path} requested {k} times");
    }
}

// ---------------------------------------------------------------------------
// 7. A new run after the end; --max-pages over all processes
// ---------------------------------------------------------------------------

#[test]
fn a_process_arriving_after_the_end_starts_the_next_run() {
    let n = 4;
    let site = hub(n);
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "again",
        &["--delay", "0", "--ignore-robots", "--retries", "0"],
    );
    base.push(site.url("/"));
    let (o1, o2) = (dir.path().join("1.csv"), dir.path().join("2.csv"));
    Proc::spawn("first", &with(&base, &[], &o1))
        .finish()
        .expect_code(0);
    Proc::spawn("second", &with(&base, &[], &o2))
        .finish()
        .expect_code(0);
    let all = hub_urls(&site, n);
    let urls = |rows: &[FileRow]| by_url("", rows).into_keys().collect::<BTreeSet<_>>();
    assert_eq!(urls(&csv_rows(&o1)), all);
    assert_eq!(urls(&csv_rows(&o2)), all, "run 2 has a fresh seen-set");
    assert_eq!(
        counts(&site).values().copied().collect::<BTreeSet<_>>(),
        [2].into()
    );
    let run1 = export(&redis, "again", &["--run", "1"], &dir.path().join("e1.csv"));
    let run2 = export(&redis, "again", &["--run", "2"], &dir.path().join("e2.csv"));
    assert_eq!((urls(&run1), urls(&run2)), (all.clone(), all));
}

#[test]
fn max_pages_counts_the_requests_of_all_processes() {
    let hold = FirstGroup::new(3).armed();
    let site = hub_site(30, Duration::from_millis(50), &hold);
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "capped",
        &[
            "--max-pages",
            "8",
            "--per-host",
            "4",
            // A delay, so a process takes pages only for free workers and the other gets some
            // (without one, see a_process_joining_late_takes_a_share_at_once_on_a_host_without_delay).
            "--delay",
            "10",
            "--ignore-robots",
            "--retries",
            "0",
        ],
    );
    base.push(site.url("/"));
    let (a_out, b_out) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let procs = vec![
        Proc::spawn("a", &with(&base, &["-w", "2"], &a_out)),
        Proc::spawn("b", &with(&base, &["-w", "2"], &b_out)),
    ];
    for e in finish_all(procs) {
        e.expect_code(0);
    }
    hold.assert_filled("both processes in the run");
    let all = union(&[("a", &csv_rows(&a_out)), ("b", &csv_rows(&b_out))]);
    assert_eq!(all.len(), 8, "{all:#?}");
    assert_eq!(each_once(&site).len(), 8, "8 requests over both processes");
}

#[test]
fn an_idle_process_takes_a_page_as_soon_as_its_host_is_ready() {
    // One host with --delay 1000; A and B one worker each. B joins while the front page is A's
    // (so B has nothing to do and waits); then the front page is answered within the delay, so
    // its pages become ready one second after its start, a moment no one is told of. A takes
    // the first page (held below); when the host is ready again, A's worker is busy and B, idle,
    // must take the second at once, not at some later look.
    let gate = Gate::with_guard(BARRIER_GUARD);
    let hold = FirstGroup::new(2).armed();
    let mut site = Site::new();
    let hub = linking("Front", 4, |i| format!("<a href=\"/p/{i}\">p{i}</a>"));
    let g = gate.clone();
    site.route("/", move |_| {
        g.pass();
        Response::html(hub.clone())
    });
    let h = hold.clone();
    site.fallback(move |req| {
        h.hold();
        Response::html(format!("<title>{}</title>", req.path))
    });
    let site = site.serve();
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let delay = Duration::from_millis(1000);
    let mut base = crawl_args(
        &redis,
        "idle",
        &["--delay", "1000", "--per-host", "4", "--ignore-robots"],
    );
    base.push(site.url("/"));
    let a = Proc::spawn("a", &with(&base, &["-w", "1"], &dir.path().join("a.csv")));
    wait_until("A's front page in flight", || site.in_flight() == 1);
    let evalsha = || redis.command_calls().get("evalsha").copied().unwrap_or(0);
    let before = evalsha();
    let (b, b_err) =
        Proc::spawn_watched("b", &with(&base, &["-w", "1"], &dir.path().join("b.csv")));
    // B joined (its log says so) and has asked for work since (its join and a take: two script
    // calls; A, waiting for its page, makes none).
    wait_until("B joined and idle", || {
        b_err.any("joined the shared crawl") && evalsha() >= before + 2
    });
    gate.open();
    for e in finish_all(vec![a, b]) {
        e.expect_code(0);
    }
    hold.assert_filled("B took a page while A's one worker was busy");
    let fill = hold.barrier().fill_times()[0];
    assert!(
        fill < delay + Duration::from_millis(500),
        "B took the host's next page {fill:?} after A took its first, with --delay {delay:?}: \
         it was idle while the host was ready"
    );
}

#[test]
fn processes_started_together_all_join_none_is_refused() {
    // Eight processes on a fresh crawl id at the same moment, in six crawls: the first to
    // arrive seeds the run and the others join it (or, arriving after its end, start the next);
    // none may take the crawl's own new keys for another program's.
    let site = hub_site(4, Duration::from_millis(300), &FirstGroup::new(1));
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut refused = Vec::new();
    for round in 0..6 {
        let id = format!("together-{round}");
        let mut base = crawl_args(
            &redis,
            &id,
            &["--delay", "0", "--per-host", "8", "--ignore-robots"],
        );
        base.push(site.url("/"));
        let procs = (0..8)
            .map(|i| {
                let out = dir.path().join(format!("{round}-{i}.csv"));
                Proc::spawn(&format!("{id} #{i}"), &with(&base, &["-w", "2"], &out))
            })
            .collect();
        for e in finish_all(procs) {
            if e.code() != Some(0) {
                refused.push(format!("{}: exit {:?}: {}", e.name, e.code(), e.stderr()));
            }
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

// ---------------------------------------------------------------------------
// 8. Keys
// ---------------------------------------------------------------------------

#[test]
fn keys_live_under_the_crawl_hash_tag_and_a_finished_run_expires() {
    let n = 5;
    let site = hub(n);
    let redis = RedisServer::start();
    redis.cmd(&["SET", "someone-else", "x"]);
    let dir = tempfile::tempdir().expect("tmp");
    let mut base = crawl_args(
        &redis,
        "tidy.v1",
        &["--delay", "0", "--ignore-robots", "--only-new"],
    );
    base.push(site.url("/"));
    let out = dir.path().join("o.csv");
    Proc::spawn("crawl", &with(&base, &[], &out))
        .finish()
        .expect_code(0);

    let keys = redis.keys("*");
    for k in &keys {
        assert!(
            k == "someone-else" || k.starts_with("trawl:{tidy.v1}:"),
            "a key outside the crawl's hash tag: {k}"
        );
    }
    assert_eq!(
        redis.cmd_string(&["GET", "someone-else"]).as_deref(),
        Some("x")
    );
    assert_eq!(
        redis
            .cmd_string(&["TYPE", "trawl:{tidy.v1}:meta"])
            .as_deref(),
        Some("hash")
    );
    // The rows of run 1: a list, kept 7 days after the run's end.
    let rows = "trawl:{tidy.v1}:rows:1";
    assert_eq!(redis.cmd_int(&["LLEN", rows]), (n + 1) as i64);
    let ttl = redis.cmd_int(&["TTL", rows]);
    assert!(
        (7 * 86400 - 60..=7 * 86400).contains(&ttl),
        "rows expire 7 days after the end: TTL {ttl}"
    );
    // Run 1's own keys expire 600 s after its end.
    let run_keys = redis.keys("trawl:{tidy.v1}:1:*");
    assert!(!run_keys.is_empty(), "run keys: {keys:?}");
    for k in &run_keys {
        let ttl = redis.cmd_int(&["TTL", k]);
        assert!((540..=600).contains(&ttl), "{k}: TTL {ttl}");
    }
    // The known pages (for --only-new) are kept apart from the run: no run-sized expiry.
    let known = redis.keys("trawl:{tidy.v1}:k:*");
    assert!(!known.is_empty(), "known pages: {keys:?}");
    for k in &known {
        let ttl = redis.cmd_int(&["TTL", k]);
        assert!(ttl == -1 || ttl > 600, "{k}: TTL {ttl}");
    }
}

// ---------------------------------------------------------------------------
// 9. Faults and bad input
// ---------------------------------------------------------------------------

/// A crawl's stdout, stderr and summary JSON (and output file, if any) contain no `secret`.
fn assert_secret_nowhere(secret: &str, e: &Ended, files: &[&Path]) {
    assert!(
        !e.stdout().contains(secret),
        "password on stdout: {}",
        e.stdout()
    );
    assert!(
        !e.stderr().contains(secret),
        "password on stderr: {}",
        e.stderr()
    );
    for f in files {
        if let Ok(text) = std::fs::read_to_string(f) {
            assert!(
                !text.contains(secret),
                "password in {}: {text}",
                f.display()
            );
        }
    }
}

#[test]
fn unreachable_redis_exits_2_naming_the_url_never_the_password() {
    let port = free_port();
    let secret = "hunter2-sekrit";
    let url = format!("redis://:{secret}@127.0.0.1:{port}/0");
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("s.json");
    let out = dir.path().join("o.csv");
    let e = run_plain(&[
        "--redis",
        &url,
        "--crawl-id",
        "news",
        "--summary-json",
        &path_str(&json),
        "-o",
        &path_str(&out),
        "http://127.0.0.1:9/",
    ]);
    e.expect_code(2);
    let line = e.one_line();
    assert!(
        line.starts_with(&format!(
            "trawl: cannot reach Redis at redis://:***@127.0.0.1:{port}/0: "
        )),
        "{line}"
    );
    assert_secret_nowhere(secret, &e, &[&json, &out, &partial_of(&out)]);

    // Without a password, the URL as given.
    let plain = format!("redis://127.0.0.1:{port}/0");
    let e = run_plain(&[
        "--redis",
        &plain,
        "--crawl-id",
        "news",
        "http://127.0.0.1:9/",
    ]);
    e.expect_code(2);
    assert!(
        e.one_line()
            .starts_with(&format!("trawl: cannot reach Redis at {plain}: ")),
        "{}",
        e.stderr()
    );
}

#[test]
fn a_password_in_the_url_is_never_printed() {
    let secret = "pa55-w0rd-xyz";
    let redis = RedisServer::with_password(secret);
    let site = hub(3);
    let dir = tempfile::tempdir().expect("tmp");
    let (out, json) = (dir.path().join("o.csv"), dir.path().join("s.json"));
    let url = redis.url();
    assert!(url.contains(secret));
    // The right password, with per-request logging and the summary: works, never printed.
    let e = run_plain(&[
        "-vv",
        "--redis",
        &url,
        "--crawl-id",
        "pw",
        "--delay",
        "0",
        "--ignore-robots",
        "--summary-json",
        &path_str(&json),
        "-o",
        &path_str(&out),
        &site.url("/"),
    ]);
    e.expect_code(0);
    assert_eq!(csv_rows(&out).len(), 4);
    assert_secret_nowhere(secret, &e, &[&json, &out]);
    let exported = dir.path().join("all.csv");
    let e = run_plain(&[
        "export",
        "--redis",
        &url,
        "--crawl-id",
        "pw",
        "-o",
        &path_str(&exported),
    ]);
    e.expect_code(0);
    assert_secret_nowhere(secret, &e, &[&exported]);
    // A wrong password: refused at start, exit 2, one line, neither password printed.
    let wrong = format!("redis://:not-{secret}@127.0.0.1:{}/0", redis.port());
    let e = run_plain(&["--redis", &wrong, "--crawl-id", "pw", &site.url("/")]);
    e.expect_code(2);
    e.one_line();
    assert_secret_nowhere(secret, &e, &[]);
}

#[test]
fn keys_of_another_program_or_schema_are_refused_and_left_alone() {
    let redis = RedisServer::start();
    let site = hub(2);
    redis.cmd(&["SET", "trawl:{str}:meta", "hello"]);
    redis.cmd(&[
        "HSET",
        "trawl:{other}:meta",
        "owner",
        "someone-else",
        "v",
        "1",
    ]);
    redis.cmd(&[
        "HSET",
        "trawl:{future}:meta",
        "program",
        "trawl",
        "schema",
        "999",
        "run",
        "1",
        "state",
        "done",
    ]);
    let dump = |k: &str| redis.cmd(&["DUMP", k]);
    let before: Vec<_> = redis
        .keys("*")
        .iter()
        .map(|k| (k.clone(), dump(k)))
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    for id in ["str", "other", "future"] {
        let key = format!("trawl:{{{id}}}:meta");
        let e = run_plain(&[
            "--redis",
            &redis.url(),
            "--crawl-id",
            id,
            "--ignore-robots",
            "-o",
            &path_str(&dir.path().join(format!("{id}.csv"))),
            &site.url("/"),
        ]);
        e.expect_code(2);
        let line = e.one_line();
        assert!(line.contains(&key), "the message names {key}: {line}");
        assert!(
            !dir.path().join(format!("{id}.csv")).exists(),
            "no file made"
        );
    }
    assert_eq!(site.total_requests(), 0, "nothing crawled");
    let after: Vec<_> = redis
        .keys("*")
        .iter()
        .map(|k| (k.clone(), dump(k)))
        .collect();
    assert_eq!(before, after, "every key untouched, none added");
    for k in [
        "trawl:{str}:meta",
        "trawl:{other}:meta",
        "trawl:{future}:meta",
    ] {
        assert_eq!(redis.cmd_int(&["TTL", k]), -1, "{k} got an expiry");
    }
}

#[test]
fn a_joiner_with_other_rules_is_refused_naming_the_option() {
    // The running crawl: its pages wait at a gate until the joiners have been refused.
    let gate = Gate::with_guard(BARRIER_GUARD);
    let mut site = Site::new();
    site.page(
        "/",
        "<title>Front</title><a href=\"/a\">a</a><a href=\"/b\">b</a><a href=\"/c\">c</a>",
    );
    for p in ["/a", "/b", "/c"] {
        let gate = gate.clone();
        site.route(p, move |req| {
            gate.pass();
            Response::html(format!("<title>{}</title>", req.path))
        });
    }
    let site = site.serve();
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    // The crawl's rules, as (option, value); a joiner changes one of them.
    let rules: Vec<(&str, Option<&str>)> = vec![
        ("--max-depth", Some("1")),
        // A delay: a process takes pages only for free workers, so the first leaves /c alone.
        ("--delay", Some("10")),
        ("--per-host", Some("4")),
        ("--ignore-robots", None),
    ];
    let rules_with = |change: &[&str]| -> Vec<String> {
        let mut r = rules.clone();
        match r.iter_mut().find(|(k, _)| *k == change[0]) {
            Some(slot) => slot.1 = change.get(1).copied(),
            None => r.push((change[0], change.get(1).copied())),
        }
        r.into_iter()
            .flat_map(|(k, v)| std::iter::once(k.to_owned()).chain(v.map(str::to_owned)))
            .collect()
    };
    let crawl = |rules: Vec<String>, seeds: &[String]| -> Vec<String> {
        let mut a = strings(&["--redis", &redis.url(), "--crawl-id", "news"]);
        a.extend(rules);
        a.extend(seeds.iter().cloned());
        a
    };
    let seed = [site.url("/")];
    let mut first_args = crawl(rules_with(&["--max-depth", "1"]), &seed);
    first_args.extend(strings(&[
        "-w",
        "2",
        "-o",
        &path_str(&dir.path().join("first.csv")),
    ]));
    let first = Proc::spawn("first", &first_args);
    wait_until("the first process's pages in flight", || {
        site.in_flight() == 2
    });

    let joiner = |args: Vec<String>| -> Ended {
        let mut args = args;
        args.extend(strings(&["-o", &path_str(&dir.path().join("joiner.csv"))]));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = run_plain(&args);
        e.expect_code(2);
        e
    };
    let differing: &[&[&str]] = &[
        &["--max-depth", "2"],
        &["--scope", "domain"],
        &["--max-pages", "5"],
        &["--max-pages-per-host", "5"],
        &["--include", "/a"],
        &["--exclude", "/b"],
        &["--delay", "300"],
        &["--per-host", "1"],
        &["--user-agent", "other/1"],
        &["--robots-agent", "OtherBot"],
        &["--retries", "0"],
        &["--max-retry-after", "3"],
        &["--only-new"],
        &["--sitemaps"],
        &["--feeds"],
        &["--allow-private"],
        &["--meta"],
    ];
    for change in differing {
        let e = joiner(crawl(rules_with(change), &seed));
        let line = e.one_line();
        assert!(
            line.starts_with("trawl: ") && line.contains(change[0]) && line.contains("news"),
            "{change:?}: {line}"
        );
    }
    // Robots obeyed by the joiner, ignored by the crawl.
    let mut obeying = rules_with(&["--max-depth", "1"]);
    obeying.retain(|a| a != "--ignore-robots");
    let line = joiner(crawl(obeying, &seed)).one_line();
    assert!(line.contains("--ignore-robots"), "{line}");
    // The contract's own example (checked at the end, so the rest is checked first).
    let example = joiner(crawl(rules_with(&["--max-depth", "2"]), &seed)).one_line();
    // Other seeds are refused too; the same seeds in another order, given twice, are the same set.
    let line = joiner(crawl(
        rules_with(&["--max-depth", "1"]),
        &[site.url("/"), site.url("/a")],
    ))
    .one_line();
    assert!(line.contains("seed"), "{line}");
    assert_eq!(
        site.total_requests(),
        3,
        "the refused joiners requested nothing"
    );

    // Per-process options may differ: this joiner is accepted and ends with the run.
    let mut same = crawl(
        rules_with(&["--max-depth", "1"]),
        &[site.url("/"), site.url("/")],
    );
    same.extend(strings(&[
        "-w",
        "7",
        "--timeout",
        "9",
        "--format",
        "jsonl",
        "--queue-capacity",
        "1",
        "-o",
        &path_str(&dir.path().join("same.jsonl")),
    ]));
    let same = Proc::spawn("same rules", &same);
    // It joined run 1 (not a run after it): it has the crawl's third page in flight.
    wait_until("the joiner's page in flight", || site.in_flight() == 3);

    // The refusals changed nothing: the crawl finishes with every page once.
    gate.open();
    for e in finish_all(vec![first, same]) {
        e.expect_code(0);
    }
    let all = union(&[
        ("first", &csv_rows(&dir.path().join("first.csv"))),
        ("same rules", &jsonl_rows(&dir.path().join("same.jsonl"))),
    ]);
    assert_eq!(all.len(), 4);
    assert_eq!(each_once(&site).len(), 4);
    assert!(
        !dir.path().join("joiner.csv").exists(),
        "a refused joiner makes no file"
    );
    // The contract's example, word for word (it may go on with advice).
    assert!(
        example.starts_with(
            "trawl: --max-depth 2 differs from the running crawl news (run 1), which has --max-depth 1"
        ),
        "{example}"
    );
}

#[test]
fn bad_command_lines_exit_2() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("s.db");
    let out = path_str(&dir.path().join("o.csv"));
    let url = redis.url();
    let long = "x".repeat(65);
    let st = path_str(&state);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "--redis with --state",
            vec!["--crawl-id", "c", "--state", &st],
        ),
        ("--redis without --crawl-id", vec![]),
        ("a space in the id", vec!["--crawl-id", "a b"]),
        ("braces in the id", vec!["--crawl-id", "x{y}"]),
        ("an id of 65 characters", vec!["--crawl-id", &long]),
        ("an empty id", vec!["--crawl-id", ""]),
    ];
    let mut wrong = Vec::new();
    for (what, extra) in &cases {
        let mut args = vec!["--redis", &url];
        args.extend(extra);
        args.extend(["-o", &out, "--ignore-robots", "http://127.0.0.1:9/"]);
        let e = run_plain(&args);
        if e.code() != Some(2) || e.stderr().trim().is_empty() {
            wrong.push(format!(
                "{what}: exit {:?}, stderr {:?}",
                e.code(),
                e.stderr()
            ));
        }
    }
    // export of a crawl id Redis does not have.
    let e = run_plain(&["export", "--redis", &url, "--crawl-id", "never-crawled"]);
    if e.code() != Some(2) || e.one_line().is_empty() {
        wrong.push(format!(
            "export of no crawl: exit {:?}, {:?}",
            e.code(),
            e.stderr()
        ));
    }
    assert!(
        wrong.is_empty(),
        "not refused with exit 2:\n{}",
        wrong.join("\n")
    );
    assert_eq!(redis.dbsize(), 0, "nothing written to Redis");
    assert!(!state.exists());
}

#[test]
fn a_stray_key_under_a_new_crawl_id_is_refused_and_left_alone() {
    // No meta hash, but a key where trawl would keep run 1's rows holds something else.
    let redis = RedisServer::start();
    let site = hub(2);
    let key = "trawl:{stray}:rows:1";
    redis.cmd(&["SET", key, "not a list"]);
    let dir = tempfile::tempdir().expect("tmp");
    let e = run_plain(&[
        "--redis",
        &redis.url(),
        "--crawl-id",
        "stray",
        "--ignore-robots",
        "-o",
        &path_str(&dir.path().join("o.csv")),
        &site.url("/"),
    ]);
    e.expect_code(2);
    let line = e.one_line();
    assert!(line.contains(key), "the message names {key}: {line}");
    assert_eq!(redis.keys("*"), [key], "nothing added");
    assert_eq!(
        redis.cmd_string(&["GET", key]).as_deref(),
        Some("not a list")
    );
    assert_eq!(site.total_requests(), 0, "nothing crawled");
}

#[test]
fn export_refuses_keys_of_another_program_or_schema() {
    let redis = RedisServer::start();
    redis.cmd(&["SET", "trawl:{str}:meta", "hello"]);
    redis.cmd(&["HSET", "trawl:{other}:meta", "owner", "someone-else"]);
    redis.cmd(&[
        "HSET",
        "trawl:{future}:meta",
        "program",
        "trawl",
        "schema",
        "999",
        "run",
        "1",
    ]);
    let dir = tempfile::tempdir().expect("tmp");
    let mut wrong = Vec::new();
    for id in ["str", "other", "future"] {
        let key = format!("trawl:{{{id}}}:meta");
        let out = dir.path().join(format!("{id}.csv"));
        let e = run_plain(&[
            "export",
            "--redis",
            &redis.url(),
            "--crawl-id",
            id,
            "-o",
            &path_str(&out),
        ]);
        let err = e.stderr();
        if e.code() != Some(2) || err.lines().count() != 1 || !err.contains(&key) || out.exists() {
            wrong.push(format!(
                "{id}: exit {:?}, file made {}, stderr {err:?}",
                e.code(),
                out.exists()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "export of another program's keys:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        redis.cmd_string(&["GET", "trawl:{str}:meta"]).as_deref(),
        Some("hello")
    );
    assert_eq!(redis.dbsize(), 3);
}
