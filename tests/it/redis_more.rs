//! More of the `--redis` crawl: `rediss://` against a TLS-only redis-server whose certificate a
//! private CA signed (`--redis-ca`), and `--restart` giving up a running run for the next one.

use crate::common::cli::{run, stderr, trawl, wait_output};
use crate::common::gate::Gate;
use crate::common::redis::{RedisOptions, RedisServer, Tls};
use crate::common::rows::{columns, urls};
use crate::common::server::{Response, Site};
use crate::common::sites::linking;
use crate::common::sites::{
    hub, redirect_target, redirecting_seed, refusing_429_and_good, robots_503_once,
};
use std::collections::BTreeSet;
use std::time::Duration;

/// A guard against hangs only.
const GUARD: Duration = Duration::from_secs(60);

#[test]
fn rediss_with_a_private_ca_crawls_and_exports_and_an_untrusted_one_is_refused() {
    let tls = Tls::make();
    let redis = RedisServer::start_with(RedisOptions {
        tls: Some(tls.clone()),
        ..RedisOptions::default()
    });
    let url = redis.url();
    assert!(url.starts_with("rediss://127.0.0.1:"), "{url}");
    let site = hub(5);
    let dir = tempfile::tempdir().expect("tmp");
    let (out, all) = (dir.path().join("out.csv"), dir.path().join("all.csv"));
    let ca = tls.ca();
    let ca = ca.to_str().expect("path");
    let seed = site.url("/");
    let o = run(&[
        "--redis",
        &url,
        "--redis-ca",
        ca,
        "--crawl-id",
        "tls",
        "--ignore-robots",
        "--delay",
        "0",
        "-o",
        out.to_str().expect("path"),
        &seed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected: BTreeSet<String> = std::iter::once(seed.clone())
        .chain((0..5).map(|i| site.url(&format!("/p/{i}"))))
        .collect();
    assert_eq!(urls(&out), expected);
    let o = run(&[
        "export",
        "--redis",
        &url,
        "--redis-ca",
        ca,
        "--crawl-id",
        "tls",
        "-o",
        all.to_str().expect("path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(urls(&all), expected);
    assert_eq!(site.total_requests(), 6, "each page once");

    // The public roots do not know this CA: refused at the start, in one line, exit 2.
    let o = run(&["--redis", &url, "--crawl-id", "tls2", &seed]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("trawl: cannot reach Redis at {url}: ")),
        "{err}"
    );
    // A CA file that cannot be read is named.
    let missing = dir.path().join("nope.pem");
    let o = run(&[
        "--redis",
        &url,
        "--redis-ca",
        missing.to_str().expect("path"),
        "--crawl-id",
        "tls2",
        &seed,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nope.pem"), "{}", stderr(&o));
    assert_eq!(
        site.total_requests(),
        6,
        "the refused runs requested nothing"
    );
}

#[test]
fn restart_gives_up_the_running_run_and_starts_the_next_with_its_own_options() {
    let gate = Gate::default();
    let mut site = Site::new();
    let front = linking("Front", 4, |i| format!("<a href=\"/p/{i}\">{i}</a>"));
    site.page("/", front);
    let g = gate.clone();
    site.fallback(move |req| {
        g.pass();
        Response::html(format!("<title>{}</title>", req.path_only()))
    });
    let site = site.serve();
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let (first_out, second_out) = (dir.path().join("1.csv"), dir.path().join("2.csv"));
    let seed = site.url("/");
    let common = [
        "--redis",
        url.as_str(),
        "--crawl-id",
        "rs",
        "--ignore-robots",
        "--delay",
        "0",
        "--per-host",
        "1",
        "-w",
        "1",
        "--timeout",
        "30",
    ];
    // Run 1 (depth 1): its first page hangs at the gate.
    let mut first_args = common.to_vec();
    first_args.extend(["-o", first_out.to_str().expect("p"), &seed]);
    let first = trawl(&first_args).spawn().expect("spawn");
    assert!(
        site.wait_for_count("/p/0", 1, GUARD),
        "run 1 reached its first page"
    );
    // Another depth is refused while run 1 goes on...
    let mut other = common.to_vec();
    other.extend([
        "--max-depth",
        "0",
        "-o",
        second_out.to_str().expect("p"),
        &seed,
    ]);
    let o = run(&other);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--max-depth 0 differs from the running crawl rs (run 1)"),
        "{}",
        stderr(&o)
    );
    // ...and taken with --restart: run 2, depth 0, the seed alone.
    other.push("--restart");
    let o = run(&other);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(urls(&second_out), BTreeSet::from([seed.clone()]));
    assert_eq!(
        redis
            .cmd_string(&["HGET", "trawl:{rs}:meta", "run"])
            .as_deref(),
        Some("2")
    );
    // Run 1's process finds its run over: its page in flight is dropped, it exits 0.
    gate.open();
    let out = wait_output(first, GUARD);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(urls(&first_out), BTreeSet::from([seed.clone()]));
    assert_eq!(
        site.count("/p/1"),
        0,
        "nothing of run 1 started after it was given up"
    );
}

#[test]
fn the_url_can_come_from_the_environment_and_its_password_is_never_shown() {
    let redis = RedisServer::with_password("s3cret-from-env");
    let site = hub(2);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let seed = site.url("/");
    let child = trawl(&[
        "--crawl-id",
        "env",
        "--ignore-robots",
        "--delay",
        "0",
        "-o",
        out.to_str().expect("path"),
        &seed,
    ])
    .env("TRAWL_REDIS", redis.url())
    .spawn()
    .expect("spawn");
    let o = wait_output(child, GUARD);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(urls(&out).len(), 3);
    assert_eq!(
        redis
            .cmd_string(&["HGET", "trawl:{env}:meta", "state"])
            .as_deref(),
        Some("done")
    );
    // --help names the variable, never its value.
    let help = std::process::Command::new(crate::common::cli::bin())
        .arg("--help")
        .env("TRAWL_REDIS", redis.url())
        .output()
        .expect("help");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("TRAWL_REDIS"), "{text}");
    assert!(!text.contains("s3cret-from-env"), "{text}");
}

/// Issue 19 item 1 across processes: the seed's redirect to another host widens the scope of the
/// process that followed it, and a process that joins later learns it from the shared frontier
/// (a page handed out is in the run's scope), so it follows the links of that host's pages too.
#[test]
fn a_seed_redirect_widens_the_scope_of_every_process_of_a_shared_crawl() {
    let gate = Gate::default();
    let news = redirect_target(&gate);
    let seed_site = redirecting_seed(&news.url("/"));
    let seed = format!("http://localhost:{}/", seed_site.addr().port());
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let (first_out, second_out) = (dir.path().join("1.csv"), dir.path().join("2.csv"));
    let common = [
        "--redis",
        url.as_str(),
        "--crawl-id",
        "widen",
        // A delay: a host's job goes only to a free worker, so the held process takes no more.
        "--delay",
        "50",
        "--per-host",
        "2",
        "-w",
        "1",
        "--max-depth",
        "2",
    ];
    // The first process follows the seed's redirect, then holds /a at the gate.
    let mut first_args = common.to_vec();
    first_args.extend(["-o", first_out.to_str().expect("p"), &seed]);
    let first = trawl(&first_args).spawn().expect("spawn");
    assert!(news.wait_for_count("/a", 1, GUARD), "the first reached /a");
    // The second never saw the redirect: it takes /b, and follows /b's link to /c.
    let mut second_args = common.to_vec();
    second_args.extend(["-o", second_out.to_str().expect("p"), &seed]);
    let second = trawl(&second_args).spawn().expect("spawn");
    let followed = news.wait_for_count("/c", 1, GUARD);
    if !followed {
        gate.open();
        let o2 = wait_output(second, GUARD);
        panic!("/c was not followed: {:?}\n{}", news.paths(), stderr(&o2));
    }
    gate.open();
    let (o1, o2) = (wait_output(first, GUARD), wait_output(second, GUARD));
    assert_eq!(o1.status.code(), Some(0), "{}", stderr(&o1));
    assert_eq!(o2.status.code(), Some(0), "{}", stderr(&o2));
    assert_eq!(
        urls(&first_out),
        BTreeSet::from([seed.clone(), news.url("/a")])
    );
    assert_eq!(
        urls(&second_out),
        BTreeSet::from([news.url("/b"), news.url("/c")])
    );
    for path in ["/", "/a", "/b", "/c"] {
        assert_eq!(news.count(path), 1, "{path}");
    }
}

/// Issue 19 item 2 in a shared crawl: a robots.txt answering 503 once is asked again (through the
/// script's `robots_later`, after the backoff) and obeyed; the host is not lost for the run.
#[test]
fn a_robots_txt_answering_503_once_is_asked_again_in_a_shared_crawl() {
    let site = robots_503_once();
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let seed = site.url("/");
    let o = run(&[
        "--redis",
        url.as_str(),
        "--crawl-id",
        "robots-again",
        "--delay",
        "0",
        "--retries",
        "2",
        "-o",
        out.to_str().expect("p"),
        &seed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(site.count("/robots.txt"), 2, "{:?}", site.paths());
    assert_eq!(site.paths()[..2], ["/robots.txt", "/robots.txt"]);
    assert_eq!(site.count("/news"), 1);
    assert_eq!(site.count("/private/1"), 0);
    let mut rows: Vec<(String, String)> = columns(&out, ["url", "error"])
        .into_iter()
        .map(|[url, error]| (url, error))
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            (seed.clone(), String::new()),
            (site.url("/news"), String::new()),
            (site.url("/private/1"), "robots".to_owned()),
        ]
    );
}

/// Issue 19 item 9 in a shared crawl: a host answering 429 to everything is given up by the
/// script once a pause would pass `--max-host-pause` (1 s: at the first trip, no pause waited);
/// its other pages get `host_gave_up` rows without a request, the other host is whole.
#[test]
fn a_host_answering_429_to_everything_is_given_up_in_a_shared_crawl() {
    let (refusing, good) = refusing_429_and_good();
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let pages: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|p| refusing.url(&format!("/{p}")))
        .collect();
    let good_seed = good.url("/");
    let mut args = vec![
        "--redis",
        url.as_str(),
        "--crawl-id",
        "gave-up",
        "--delay",
        "0",
        "--retries",
        "0",
        "--per-host",
        "1",
        "--max-host-pause",
        "1",
        "-o",
        out.to_str().expect("p"),
        &good_seed,
    ];
    args.extend(pages.iter().map(String::as_str));
    let o = run(&args);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(refusing.paths(), ["/robots.txt", "/a", "/b", "/c"]);
    let rows: BTreeSet<(String, String, String)> = columns(&out, ["url", "status", "error"])
        .into_iter()
        .map(|[url, status, error]| (url, status, error))
        .collect();
    let mut want = BTreeSet::from([
        (good_seed.clone(), "200".to_owned(), String::new()),
        (good.url("/more"), "200".to_owned(), String::new()),
    ]);
    for p in &pages[..3] {
        want.insert((p.clone(), "429".into(), "http".into()));
    }
    for p in &pages[3..] {
        want.insert((p.clone(), String::new(), "host_gave_up".into()));
    }
    assert_eq!(rows, want);
    assert!(
        stderr(&o).contains(&format!("{} (it kept answering 429/503", refusing.host())),
        "{}",
        stderr(&o)
    );
}
