//! Crawls run unattended against sites that behave like real news sites (issue 19, the crawl
//! engine's side): a seed that redirects to another host name, a robots.txt that fails once, hosts
//! that give nothing and say why, the exit status for a seed that gave nothing, a host that
//! answers 429 to everything, and the hints for idle workers and a robots.txt `Crawl-delay`.
//! Different hosts are different names on loopback (`localhost`, `127.0.0.1`, `127.0.0.2`);
//! request counts come from the test servers' own logs.

use crate::common::cli::{bin, trawl, wait_output};
use crate::common::gate::Gate;
use crate::common::harness::{config, row, run};
use crate::common::rows::whole_records;
use crate::common::server::{Response, Site, TestServer};
use crate::common::sites::{
    redirect_target, redirecting_seed, refusing_429_and_good, robots_503_once,
};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;
use trawl::error::ErrorClass;
use trawl::scope::ScopeKind;

const GUARD: Duration = Duration::from_secs(60);

/// A site on 127.0.0.2 whose front page links to two pages of its own, a disallowed one, a page
/// of the seed's host (its port in `seed_port`, known once the seed's server runs), and a host
/// nobody brought into scope.
fn news_site(seed_port: Arc<AtomicU16>) -> TestServer {
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nDisallow: /private\n"),
    );
    site.route("/", move |_| {
        let port = seed_port.load(Ordering::SeqCst);
        Response::html(format!(
            "<title>front page</title><a href=\"/a\">a</a><a href=\"/b\">b</a>\
             <a href=\"/private/x\">p</a><a href=\"http://localhost:{port}/other\">o</a>\
             <a href=\"http://127.0.0.3:9/elsewhere\">e</a>"
        ))
    });
    site.page("/a", "<title>story a</title><a href=\"/b\">b</a>");
    site.page("/b", "<title>story b</title>");
    site.serve_on("127.0.0.2")
}

#[test]
fn a_seed_redirecting_to_another_host_brings_that_host_into_scope() {
    for scope in [ScopeKind::Host, ScopeKind::Domain] {
        let seed_port = Arc::new(AtomicU16::new(0));
        let news = news_site(seed_port.clone());
        let seed_server = redirecting_seed(&news.url("/"));
        seed_port.store(seed_server.addr().port(), Ordering::SeqCst);
        let seed = format!("http://localhost:{}/", seed_server.addr().port());
        let mut c = config(std::slice::from_ref(&seed));
        c.robots = true;
        c.scope = scope;
        let (summary, sink) = run(c);
        let front = row(&sink.rows, &seed);
        assert_eq!(front.final_url, news.url("/"), "{scope:?}");
        assert_eq!(
            (front.status, front.error, front.title.as_str()),
            (Some(200), None, "front page")
        );
        assert_eq!(row(&sink.rows, &news.url("/a")).title, "story a");
        assert_eq!(row(&sink.rows, &news.url("/b")).title, "story b");
        assert_eq!(
            row(&sink.rows, &news.url("/private/x")).error,
            Some(ErrorClass::Robots),
            "the new host's robots.txt is obeyed"
        );
        // Its robots.txt came before its first page, and every page was requested once.
        assert_eq!(news.paths()[0], "/robots.txt");
        for path in ["/robots.txt", "/", "/a", "/b"] {
            assert_eq!(news.count(path), 1, "{path} {scope:?}");
        }
        assert_eq!(news.count("/private/x"), 0);
        // Only the seed's own chain widens the scope: another page's redirect stays off scope.
        let other = row(
            &sink.rows,
            &format!("http://localhost:{}/other", seed_server.addr().port()),
        );
        assert_eq!(
            (other.status, other.error),
            (Some(302), Some(ErrorClass::OffScope))
        );
        assert!(
            sink.rows.iter().all(|r| !r.url.contains("127.0.0.3")),
            "a host no seed redirected to stays out: {:?}",
            sink.rows
        );
        assert_eq!(sink.rows.len(), 5, "{:?}", sink.rows);
        assert!(summary.hosts_without_pages().is_empty(), "{summary:?}");
    }
}

#[test]
fn a_robots_txt_that_answers_503_once_is_asked_again_and_obeyed() {
    let server = robots_503_once();
    let mut c = config(&[server.url("/")]);
    c.robots = true;
    c.retries = 2;
    let (summary, sink) = run(c);
    assert_eq!(server.count("/robots.txt"), 2, "{:?}", server.paths());
    assert_eq!(server.paths()[..2], ["/robots.txt", "/robots.txt"]);
    assert_eq!(row(&sink.rows, &server.url("/")).title, "home");
    assert_eq!(row(&sink.rows, &server.url("/news")).title, "news");
    assert_eq!(
        row(&sink.rows, &server.url("/private/1")).error,
        Some(ErrorClass::Robots)
    );
    assert_eq!(server.count("/private/1"), 0);
    assert_eq!(summary.retries, 1);
    assert!(summary.hosts_without_pages().is_empty());
}

#[test]
fn a_robots_txt_that_keeps_failing_is_tried_1_plus_retries_times_and_named_as_the_cause() {
    let mut site = Site::new();
    site.response("/robots.txt", Response::new(503).body("busy"));
    site.page("/", "<title>home</title>");
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.robots = true;
    c.retries = 2;
    let (summary, sink) = run(c);
    assert_eq!(server.paths(), ["/robots.txt"; 3]);
    assert_eq!(sink.rows.len(), 1);
    assert_eq!(sink.rows[0].error, Some(ErrorClass::RobotsUnreachable));
    let host = format!("127.0.0.1:{}", server.addr().port());
    assert_eq!(
        summary
            .hosts_without_pages()
            .iter()
            .map(|b| (b.host.as_str(), b.cause.as_str()))
            .collect::<Vec<_>>(),
        [(
            host.as_str(),
            "robots.txt unreachable: answered 503 (3 tries)"
        )]
    );
}

/// A free port on 127.0.0.1 with nothing listening (connections are refused).
fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A port on 127.0.0.1 whose server answers every connection at once with a plain-HTTP 400
/// and closes it, whatever was sent (a TLS client hello included).
fn not_tls() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut conn) = conn else { return };
            let _ = std::io::Write::write_all(
                &mut conn,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    port
}

fn run_trawl(args: &[&str], quiet: bool) -> Output {
    let mut c = if quiet {
        trawl(args)
    } else {
        let mut c = Command::new(bin());
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    };
    wait_output(c.spawn().expect("spawn"), GUARD)
}

#[test]
fn each_host_that_gave_no_page_is_named_with_its_cause_and_the_run_exits_4() {
    let mut good = Site::new();
    good.page("/", "<title>up</title>");
    let good = good.serve();
    let mut closed = Site::new();
    closed.response(
        "/robots.txt",
        Response::text("User-agent: *\nDisallow: /\n"),
    );
    closed.page("/", "<title>never</title>");
    let closed = closed.serve_on("127.0.0.2");
    let mut gone = Site::new();
    gone.fallback(|_| Response::not_found());
    let gone = gone.serve();
    // A server that answers a TLS hello with plain HTTP: the handshake fails.
    let plain = not_tls();
    let refused = refused_port();
    let seeds = [
        good.url("/"),
        format!("http://127.0.0.1:{refused}/"),
        closed.url("/"),
        format!("http://localhost:{}/", gone.addr().port()),
        format!("https://127.0.0.1:{plain}/"),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.csv");
    let json = dir.path().join("summary.json");
    let mut args = vec![
        "--delay",
        "0",
        "--retries",
        "0",
        "-o",
        out.to_str().expect("path"),
        "--summary-json",
        json.to_str().expect("path"),
    ];
    args.extend(seeds.iter().map(String::as_str));
    let o = run_trawl(&args, false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    let expected = [
        format!("  no page from 127.0.0.1:{refused}: robots.txt unreachable: connection refused"),
        format!(
            "  no page from {}: robots.txt disallows its pages",
            closed.host()
        ),
        format!(
            "  no page from localhost:{}: answered 404",
            gone.addr().port()
        ),
    ];
    for line in &expected {
        assert!(stderr.lines().any(|l| l == line), "{line:?} in\n{stderr}");
    }
    let tls = format!(
        "  no page from 127.0.0.1:{}: robots.txt unreachable: TLS: ",
        plain
    );
    assert!(stderr.lines().any(|l| l.starts_with(&tls)), "{stderr}");
    assert!(!stderr.contains(&format!("no page from {}", good.host())));
    assert!(!stderr.contains("are the hosts reachable"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    let barren = v["hosts_without_pages"].as_array().expect("list");
    assert_eq!(barren.len(), 4, "{barren:?}");
    assert!(barren
        .iter()
        .any(|b| b["host"] == format!("127.0.0.1:{refused}")
            && b["cause"] == "robots.txt unreachable: connection refused"));
    // The rows: one per seed, the good one whole.
    let rows = whole_records(&out);
    assert_eq!(rows.len(), 5);
    assert_eq!(good.count("/"), 1);
    assert_eq!(closed.paths(), ["/robots.txt"]);

    // With -q: that one line, and the same status.
    let o = run_trawl(&args, true);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("trawl: 4 of 5 seed hosts gave no page: "),
        "{stderr}"
    );
    assert!(stderr.contains(&format!(
        "127.0.0.1:{refused} (robots.txt unreachable: connection refused)"
    )));
}

#[test]
fn nothing_fetched_still_exits_3_and_hints_at_reachability_only_then() {
    let refused = refused_port();
    let seed = format!("http://127.0.0.1:{refused}/");
    let o = run_trawl(&["--retries", "0", "-o", "-", &seed], true);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("are the hosts reachable?"), "{stderr}");
    // Every URL refused by robots.txt: a response came, the hosts are reachable.
    let mut closed = Site::new();
    closed.response(
        "/robots.txt",
        Response::text("User-agent: *\nDisallow: /\n"),
    );
    let closed = closed.serve();
    let o = run_trawl(&["-o", "-", &closed.url("/")], true);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("reachable"), "{stderr}");
}

#[test]
fn a_host_answering_429_to_everything_is_given_up_after_max_host_pause() {
    let (refusing, good) = refusing_429_and_good();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.csv");
    let json = dir.path().join("summary.json");
    let pages: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|p| refusing.url(&format!("/{p}")))
        .collect();
    let mut args = vec![
        "--delay",
        "0",
        "--retries",
        "0",
        "--per-host",
        "1",
        // The breaker's first pause (5 s) would pass 1 s: given up at its first trip, no pause.
        "--max-host-pause",
        "1",
        "-o",
        out.to_str().expect("path"),
        "--summary-json",
        json.to_str().expect("path"),
    ];
    let good_seed = good.url("/");
    args.push(&good_seed);
    args.extend(pages.iter().map(String::as_str));
    let o = run_trawl(&args, false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{stderr}");
    // Three 429s in a row trip the breaker: nothing more is asked of that host.
    assert_eq!(refusing.paths(), ["/robots.txt", "/a", "/b", "/c"]);
    let rows = whole_records(&out);
    let error_of = |url: &str| {
        let r = rows.iter().find(|r| &r[0] == url).expect("a row");
        (r[4].to_owned(), r[12].to_owned())
    };
    for p in &pages[..3] {
        assert_eq!(error_of(p), ("429".into(), "http".into()));
    }
    for p in &pages[3..] {
        assert_eq!(error_of(p), (String::new(), "host_gave_up".into()));
    }
    // The other host is not touched by it.
    assert_eq!(error_of(&good.url("/more")), ("200".into(), String::new()));
    assert_eq!(rows.len(), 7);
    let host = refusing.host();
    assert!(
        stderr.contains(&format!(
            "  given up (429/503 for more than --max-host-pause 1 s): {host}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "  no page from {host}: it kept answering 429/503: given up (--max-host-pause 1 s)"
        )),
        "{stderr}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    assert_eq!(v["gave_up"], serde_json::json!([host]));
    assert_eq!(v["by_error"]["host_gave_up"], 2);
}

#[test]
fn idle_workers_and_a_crawl_delay_are_said_in_the_summary() {
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nCrawl-delay: 1\n"),
    );
    site.page("/", "<title>home</title>");
    let server = site.serve();
    let seed = server.url("/");
    let o = run_trawl(
        &[
            "-v",
            "-w",
            "8",
            "--per-host",
            "2",
            "--delay",
            "0",
            "-o",
            "-",
            &seed,
        ],
        false,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let hint = "  one host at --per-host 2: 6 workers idle; raise --per-host if the site allows";
    assert_eq!(stderr.lines().filter(|l| *l == hint).count(), 1, "{stderr}");
    let delayed = format!(
        "  robots.txt Crawl-delay of {}: one request every 1 s (more than --delay)",
        server.host()
    );
    assert!(stderr.lines().any(|l| l == delayed), "{stderr}");
    // -v says it as it happens.
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("INFO") && l.contains("Crawl-delay")),
        "{stderr}"
    );
    // Enough hosts for the workers: no hint.
    let o = run_trawl(&["-w", "2", "--per-host", "2", "-o", "-", &seed], false);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("idle"));
}

/// With `--state`, a crawl stopped after its seed redirected to another host resumes with that
/// host in scope: the resumed process never saw the redirect, and still follows the links of the
/// new host's pages.
#[test]
fn a_resumed_crawl_keeps_the_host_its_seed_redirected_to_in_scope() {
    let gate = Gate::default();
    let news = redirect_target(&gate);
    let seed_server = redirecting_seed(&news.url("/"));
    let seed = format!("http://localhost:{}/", seed_server.addr().port());
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.csv");
    let state = dir.path().join("state.db");
    let args = [
        "--delay",
        "0",
        "-w",
        "1",
        "--per-host",
        "1",
        "--max-depth",
        "2",
        "--state",
        state.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        &seed,
    ];
    // Not quiet: its "stopping" line says the stop was taken.
    let mut child = Command::new(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (said, stopping) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("stopping") {
                let _ = said.send(());
            }
        }
    });
    assert!(news.wait_for_count("/a", 1, GUARD), "the crawl reached /a");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    // Once the stop is taken nothing new starts; then /a may finish in the grace period.
    stopping.recv_timeout(GUARD).expect("the stop was taken");
    gate.open();
    let o = wait_output(child, GUARD);
    assert_eq!(o.status.code(), Some(143));
    assert_eq!(news.count("/b"), 0, "/b is left for the resume");
    let o = wait_output(trawl(&args).spawn().expect("spawn"), GUARD);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let urls: Vec<String> = whole_records(&out)
        .iter()
        .map(|r| r[0].to_owned())
        .collect();
    let mut urls = urls;
    urls.sort();
    let mut want = vec![seed.clone(), news.url("/a"), news.url("/b"), news.url("/c")];
    want.sort();
    assert_eq!(urls, want);
    for path in ["/", "/a", "/b", "/c"] {
        assert_eq!(news.count(path), 1, "{path}");
    }
}
