//! What a `--redis` crawl leaves in Redis and tells about its run: every process's summary has
//! the run's `seen`; a run given up by another process's `--restart` says so; the per-URL keys of
//! `--only-new` are written only by such runs; every key has a lifetime (`--redis-ttl`, checked
//! with Redis's TTL command); and `trawl forget` deletes a crawl's keys, refusing a running crawl
//! unless forced. Pages are held at a gate in the test server, so the processes overlap exactly
//! as each test needs.

use crate::common::cli::{bin, run, stderr, trawl, wait_output};
use crate::common::gate::Gate;
use crate::common::redis::RedisServer;
use crate::common::rows::summary;
use crate::common::server::{Response, Site, TestServer};
use crate::common::sites::linking;
use crate::common::wait::wait_until;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A guard against hangs only.
const GUARD: Duration = Duration::from_secs(60);
const DAY: i64 = 86_400;

/// `/` linking `/p/0..n`; the `/p/` pages wait at `gate`.
fn gated_hub(n: usize, gate: &Gate) -> TestServer {
    let mut site = Site::new();
    let front = linking("Front", n, |i| format!("<a href=\"/p/{i}\">{i}</a>"));
    site.page("/", front);
    let g = gate.clone();
    site.fallback(move |req| {
        g.pass();
        Response::html(format!("<title>{}</title>", req.path_only()))
    });
    site.serve()
}

fn base<'a>(url: &'a str, id: &'a str) -> Vec<&'a str> {
    vec![
        "--redis",
        url,
        "--crawl-id",
        id,
        "--ignore-robots",
        "--delay",
        "0",
        "--per-host",
        "2",
        "-w",
        "1",
        "--timeout",
        "30",
    ]
}

fn ttl(redis: &RedisServer, key: &str) -> i64 {
    redis.cmd_int(&["TTL", key])
}

#[test]
fn every_process_reports_the_runs_seen_count_not_only_the_last() {
    let gate = Gate::default();
    let site = gated_hub(4, &gate);
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let mut children = Vec::new();
    for i in 0..2 {
        let out = dir.path().join(format!("{i}.csv"));
        let json = dir.path().join(format!("{i}.json"));
        let mut args = base(&url, "seen");
        args.extend(["-o", out.to_str().expect("p"), "--summary-json"]);
        args.extend([json.to_str().expect("p"), seed.as_str()]);
        children.push((trawl(&args).spawn().expect("spawn"), json));
        // Each process holds one page at the gate: both are in the run before it can end.
        wait_until(&format!("process {i} took a page"), || {
            site.paths().iter().filter(|p| p.starts_with("/p/")).count() > i
        });
    }
    gate.open();
    let mut seen = Vec::new();
    for (child, json) in children {
        let o = wait_output(child, GUARD);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        seen.push(summary(&json)["seen"].clone());
    }
    // The seed and its 4 links, in both summaries (the process that did not end the run read 0).
    assert_eq!(seen, vec![serde_json::json!(5), serde_json::json!(5)]);
}

#[test]
fn a_run_given_up_by_restart_makes_its_processes_say_so() {
    let gate = Gate::default();
    let site = gated_hub(4, &gate);
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let (first_out, first_json) = (dir.path().join("1.csv"), dir.path().join("1.json"));
    // Not quiet: its summary lines are what this test reads.
    let mut args = base(&url, "gone");
    args.extend(["-o", first_out.to_str().expect("p"), "--summary-json"]);
    args.extend([first_json.to_str().expect("p"), seed.as_str()]);
    let first = Command::new(bin())
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    assert!(
        site.wait_for_count("/p/0", 1, GUARD),
        "run 1 reached a page"
    );
    // While run 1 runs, its meta key has no expiry.
    assert_eq!(ttl(&redis, "trawl:{gone}:meta"), -1);
    let second_out = dir.path().join("2.csv");
    let mut args = base(&url, "gone");
    args.extend([
        "--restart",
        "--max-depth",
        "0",
        "-o",
        second_out.to_str().expect("p"),
        &seed,
    ]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    gate.open();
    let o = wait_output(first, GUARD);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("trawl: stopped: the run was given up by a --restart in another process; "),
        "{err}"
    );
    assert!(
        err.contains("  run 1 is over: a newer run of the crawl replaced it"),
        "{err}"
    );
    let s = summary(&first_json);
    assert_eq!(s["stopped_by"], "restarted");
    assert_eq!(s["interrupted"], true);
    assert_eq!(s["run"], 1);
    // The run given up keeps its rows for export, as long as any run's.
    let rows = ttl(&redis, "trawl:{gone}:rows:1");
    assert!(
        (7 * DAY - 60..=7 * DAY).contains(&rows),
        "rows:1 TTL {rows}"
    );
}

#[test]
fn only_only_new_runs_write_per_url_keys_and_every_key_expires() {
    let gate = Gate::default();
    gate.open();
    let site = gated_hub(3, &gate);
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let out = dir.path().join("o.csv");

    // Without --only-new: no per-URL keys; rows and meta live --redis-ttl days (2 here).
    let mut args = base(&url, "plain");
    args.extend(["--redis-ttl", "2", "-o", out.to_str().expect("p"), &seed]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(redis.keys("trawl:{plain}:k:*"), Vec::<String>::new());
    for key in ["trawl:{plain}:meta", "trawl:{plain}:rows:1"] {
        let t = ttl(&redis, key);
        assert!((2 * DAY - 60..=2 * DAY).contains(&t), "{key}: TTL {t}");
    }
    // Every key of the crawl has a lifetime.
    for key in redis.keys("trawl:{plain}:*") {
        assert!(ttl(&redis, &key) > 0, "{key} never expires");
    }

    // With --only-new the known pages are kept as long as the meta key (3 days here).
    let mut args = base(&url, "hourly");
    args.extend([
        "--only-new",
        "--redis-ttl",
        "3",
        "-o",
        out.to_str().expect("p"),
        &seed,
    ]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let known = redis.keys("trawl:{hourly}:k:*");
    assert!(!known.is_empty());
    for key in redis.keys("trawl:{hourly}:*") {
        let t = ttl(&redis, &key);
        assert!(t > 0, "{key} never expires");
        if !key.starts_with("trawl:{hourly}:1:") {
            assert!((3 * DAY - 60..=3 * DAY).contains(&t), "{key}: TTL {t}");
        }
    }
    // A later run with a shorter lifetime does not cut the meta key below what is kept.
    let mut args = base(&url, "hourly");
    args.extend([
        "--only-new",
        "--redis-ttl",
        "1",
        "-o",
        out.to_str().expect("p"),
        &seed,
    ]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = ttl(&redis, "trawl:{hourly}:meta");
    assert!((3 * DAY - 60..=3 * DAY).contains(&t), "meta TTL {t}");
    // (Nothing new: run 2 wrote no rows.) The known pages go with the meta key, never before.
    assert_eq!(redis.keys("trawl:{hourly}:rows:2"), Vec::<String>::new());
    for key in redis.keys("trawl:{hourly}:k:*") {
        let t = ttl(&redis, &key);
        assert!((3 * DAY - 60..=3 * DAY).contains(&t), "{key}: TTL {t}");
    }
}

#[test]
fn forget_deletes_a_crawls_keys_and_refuses_a_running_one_unless_forced() {
    let gate = Gate::default();
    let site = gated_hub(2, &gate);
    let redis = RedisServer::start();
    redis.cmd(&["SET", "someone-else", "x"]);
    redis.cmd(&["SET", "trawl:{other}:x", "y"]);
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let out = dir.path().join("o.csv");
    let mut args = base(&url, "old");
    args.extend(["--only-new", "-o", out.to_str().expect("p"), &seed]);
    let running = trawl(&args).spawn().expect("spawn");
    assert!(
        site.wait_for_count("/p/0", 1, GUARD),
        "the crawl is running"
    );
    let forget = |id: &str, force: bool| {
        let mut a = vec!["forget", "--redis", url.as_str(), "--crawl-id", id];
        if force {
            a.push("--force");
        }
        run(&a)
    };
    // Running: refused, exit 75, nothing deleted.
    let keys = redis.keys("trawl:{old}:*").len();
    let o = forget("old", false);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(stderr(&o).contains("crawl old"), "{}", stderr(&o));
    assert!(stderr(&o).contains("is running (run 1)"), "{}", stderr(&o));
    assert_eq!(redis.keys("trawl:{old}:*").len(), keys);
    gate.open();
    let o = wait_output(running, GUARD);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!redis.keys("trawl:{old}:k:*").is_empty());
    // Done: every key of the crawl goes, nothing else.
    let o = forget("old", false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(redis.keys("trawl:{old}:*"), Vec::<String>::new());
    assert_eq!(
        redis.cmd_string(&["GET", "someone-else"]).as_deref(),
        Some("x")
    );
    // Again, or a crawl never made: nothing to do, exit 0.
    assert_eq!(forget("old", false).status.code(), Some(0));
    // Keys of another program under a crawl's prefix: refused (exit 2) unless forced.
    let o = forget("other", false);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        redis.cmd_string(&["GET", "trawl:{other}:x"]).as_deref(),
        Some("y")
    );
    assert_eq!(forget("other", true).status.code(), Some(0));
    assert_eq!(redis.keys("trawl:{other}:*"), Vec::<String>::new());
    // The next crawl of the forgotten id starts at run 1, everything new.
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        redis
            .cmd_string(&["HGET", "trawl:{old}:meta", "run"])
            .as_deref(),
        Some("1")
    );
}

#[test]
fn a_forced_forget_stops_the_running_crawl_at_its_next_step_and_leaves_no_key() {
    let gate = Gate::default();
    let site = gated_hub(2, &gate);
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let out = dir.path().join("o.csv");
    let mut args = base(&url, "busy");
    args.extend(["-o", out.to_str().expect("p"), &seed]);
    let running = trawl(&args).spawn().expect("spawn");
    assert!(
        site.wait_for_count("/p/0", 1, GUARD),
        "the crawl is running"
    );
    let o = run(&["forget", "--redis", &url, "--crawl-id", "busy", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(redis.keys("trawl:{busy}:*"), Vec::<String>::new());
    gate.open();
    let o = wait_output(running, GUARD);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Its page in flight was dropped, nothing else was requested, and it wrote no key again.
    assert_eq!(site.count("/p/1"), 0);
    assert_eq!(
        crate::common::rows::whole_records(&out).len(),
        1,
        "the front page's row"
    );
    assert_eq!(redis.keys("trawl:{busy}:*"), Vec::<String>::new());
}
