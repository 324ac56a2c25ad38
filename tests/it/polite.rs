//! Politeness and robustness on the real web, against servers started on 127.0.0.1 and
//! 127.0.0.2: robots.txt, per-host concurrency and delay, host-aware scheduling, retries with
//! Retry-After, the circuit breaker, and crawler traps. Request counts and times come from the
//! test servers' own logs.

use crate::common::harness::{config, row, run, run_with_guard};
use crate::common::server::{Response, Site, TestServer};
use crate::common::sites::linking;
use std::num::NonZeroUsize;
use std::time::Duration;
use trawl::error::ErrorClass;

fn n(v: usize) -> NonZeroUsize {
    NonZeroUsize::new(v).expect("nonzero")
}

#[test]
fn robots_txt_is_fetched_first_once_and_obeyed() {
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text(
            "User-agent: *\nDisallow: /\n\n\
             User-agent: trawl\nDisallow: /private/\nAllow: /private/ok\nDisallow: /*.pdf$\n",
        ),
    );
    site.page(
        "/",
        "<title>home</title><a href=\"/private/secret\">s</a><a href=\"/private/ok\">ok</a>\
         <a href=\"/public\">p</a><a href=\"/doc.pdf\">pdf</a><a href=\"/doc.pdf?x=1\">pdf2</a>\
         <a href=\"/go\">redirect into /private/</a>",
    );
    site.response("/go", Response::redirect(302, "/private/by-redirect"));
    site.page("/private/ok", "<title>ok</title>");
    site.page("/public", "<title>public</title>");
    site.page("/doc.pdf?x=1", "<title>pdf with query</title>");
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.robots = true;
    c.workers = n(8);
    let (_, sink) = run(c);
    let log = server.paths();
    assert_eq!(
        log[0], "/robots.txt",
        "robots.txt comes before any other request: {log:?}"
    );
    assert_eq!(server.count("/robots.txt"), 1);
    assert_eq!(
        server.count("/private/secret"),
        0,
        "disallowed URLs are never requested"
    );
    assert_eq!(server.count("/doc.pdf"), 0);
    let secret = row(&sink.rows, &server.url("/private/secret"));
    assert_eq!(
        (secret.status, secret.error),
        (None, Some(ErrorClass::Robots))
    );
    assert_eq!(secret.parent, server.url("/"));
    assert_eq!(
        row(&sink.rows, &server.url("/doc.pdf")).error,
        Some(ErrorClass::Robots)
    );
    assert_eq!(
        row(&sink.rows, &server.url("/private/ok")).title,
        "ok",
        "Allow wins by length"
    );
    assert_eq!(
        row(&sink.rows, &server.url("/doc.pdf?x=1")).title,
        "pdf with query",
        "$ anchors"
    );
    assert_eq!(row(&sink.rows, &server.url("/public")).status, Some(200));
    let go = row(&sink.rows, &server.url("/go"));
    assert_eq!(
        (go.status, go.error),
        (Some(302), Some(ErrorClass::Robots)),
        "hops are checked"
    );
    assert_eq!(server.count("/private/by-redirect"), 0);
    assert_eq!(sink.rows.len(), 7);
}

#[test]
fn robots_txt_5xx_or_unreachable_disallows_the_host_and_4xx_allows_it() {
    let mut site = Site::new();
    site.response("/robots.txt", Response::new(503).body("busy"));
    site.page("/", "<title>home</title>");
    let server = site.serve();
    let mut c = config(&[server.url("/"), server.url("/other")]);
    c.robots = true;
    let (summary, sink) = run(c);
    assert_eq!(
        server.paths(),
        ["/robots.txt"],
        "nothing but robots.txt is requested"
    );
    assert_eq!(sink.rows.len(), 2);
    for r in &sink.rows {
        assert_eq!(r.error, Some(ErrorClass::RobotsUnreachable), "{r:?}");
    }
    assert_eq!(summary.responded, 0);

    let mut site = Site::new();
    site.response("/robots.txt", Response::new(403).body("no"));
    site.page("/", "<title>home</title>");
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.robots = true;
    let (_, sink) = run(c);
    assert_eq!(
        row(&sink.rows, &server.url("/")).title,
        "home",
        "a 4xx robots.txt allows all"
    );
}

#[test]
fn ignore_robots_fetches_no_robots_txt() {
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nDisallow: /\n"),
    );
    site.page("/", "<title>home</title>");
    let server = site.serve();
    let (_, sink) = run(config(&[server.url("/")]));
    assert_eq!(server.paths(), ["/"]);
    assert_eq!(sink.rows[0].title, "home");
}

/// A site of `pages` leaves under one hub, each answered after `latency`.
fn slow_site(pages: usize, latency: Duration) -> Site {
    let mut site = Site::new();
    let hub = linking("hub", pages, |i| format!("<a href=\"/p/{i}\">{i}</a>"));
    site.page("/", hub);
    site.fallback(move |req| {
        if req.path_only().starts_with("/p/") {
            Response::html(format!("<title>{}</title>", req.path_only())).delay(latency)
        } else {
            Response::not_found()
        }
    });
    site
}

#[test]
fn per_host_caps_requests_in_flight_to_one_host() {
    let server = slow_site(24, Duration::from_millis(40)).serve();
    let mut c = config(&[server.url("/")]);
    c.workers = n(16);
    c.per_host = n(3);
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 25);
    assert!(server.wait_idle(Duration::from_secs(5)));
    let max = server.max_in_flight();
    assert!((1..=3).contains(&max), "{max} requests in flight at once");
}

#[test]
fn request_starts_to_one_host_are_at_least_delay_apart() {
    let server = slow_site(8, Duration::ZERO).serve();
    let mut c = config(&[server.url("/")]);
    c.workers = n(8);
    c.per_host = n(8);
    c.delay = Duration::from_millis(120);
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 9);
    let mut starts: Vec<_> = server.requests().iter().map(|r| r.started).collect();
    starts.sort();
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        // The server sees a request when its line arrives; loopback adds well under 20 ms.
        assert!(
            gap >= Duration::from_millis(100),
            "two starts {gap:?} apart"
        );
    }
}

#[test]
fn crawl_delay_in_robots_txt_spaces_requests_when_larger() {
    let mut site = slow_site(3, Duration::ZERO);
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nCrawl-delay: 0.3\n"),
    );
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.robots = true;
    c.workers = n(4);
    c.per_host = n(4);
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 4);
    let mut starts: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.path != "/robots.txt")
        .map(|r| r.started)
        .collect();
    starts.sort();
    for pair in starts.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(280),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn a_slow_host_does_not_hold_up_a_fast_one() {
    let slow = slow_site(6, Duration::from_millis(700)).serve();
    let fast = slow_site(30, Duration::ZERO).serve_on("127.0.0.2");
    let mut c = config(&[slow.url("/"), fast.url("/")]);
    c.workers = n(4);
    c.per_host = n(2);
    let (_, sink) = run_with_guard(c, Duration::from_secs(60));
    assert_eq!(sink.rows.len(), 7 + 31);
    assert!(slow.wait_idle(Duration::from_secs(5)) && fast.wait_idle(Duration::from_secs(5)));
    let last = |s: &TestServer| {
        s.requests()
            .iter()
            .filter_map(|r| r.finished)
            .max()
            .expect("requests")
    };
    assert!(last(&fast) < last(&slow), "the fast host finished first");
    // While the slow host's two slots were busy, the fast host's pages went through: all of them
    // were answered before the slow host's last page started.
    let slow_last_start = slow
        .requests()
        .iter()
        .map(|r| r.started)
        .max()
        .expect("requests");
    assert!(last(&fast) < slow_last_start);
}

#[test]
fn retries_recover_from_a_500_and_a_503_with_retry_after() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let flaky = AtomicUsize::new(0);
    let busy = AtomicUsize::new(0);
    let mut site = Site::new();
    site.page("/", "<title>home</title><a href=\"/flaky\">f</a><a href=\"/busy\">b</a><a href=\"/later\">l</a>");
    site.route("/flaky", move |_| {
        if flaky.fetch_add(1, Ordering::SeqCst) == 0 {
            Response::html("<title>oops</title>").status(500)
        } else {
            Response::html("<title>flaky ok</title>")
        }
    });
    site.route("/busy", move |_| {
        if busy.fetch_add(1, Ordering::SeqCst) == 0 {
            Response::new(503).header("Retry-After", "1")
        } else {
            Response::html("<title>busy ok</title>")
        }
    });
    // A Retry-After beyond --max-retry-after ends the retries at once.
    site.response("/later", Response::new(429).header("Retry-After", "3600"));
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.retries = 2;
    let (summary, sink) = run(c);
    assert_eq!(row(&sink.rows, &server.url("/flaky")).title, "flaky ok");
    assert_eq!(server.count("/flaky"), 2);
    let busy_row = row(&sink.rows, &server.url("/busy"));
    assert_eq!(
        (busy_row.status, busy_row.title.as_str()),
        (Some(200), "busy ok")
    );
    let busy_log: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/busy")
        .collect();
    assert_eq!(busy_log.len(), 2);
    assert!(
        busy_log[1].started - busy_log[0].started >= Duration::from_millis(950),
        "Retry-After: 1 honoured"
    );
    assert_eq!(server.count("/later"), 1);
    assert_eq!(row(&sink.rows, &server.url("/later")).status, Some(429));
    assert_eq!(summary.retries, 2);
    assert_eq!(sink.rows.len(), 4, "a retried page has one row");
}

#[test]
fn retries_stop_after_one_plus_n_requests() {
    let mut site = Site::new();
    site.response("/", Response::new(502).body("bad gateway"));
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.retries = 2;
    let (_, sink) = run(c);
    assert_eq!(server.count("/"), 3);
    assert_eq!(
        (sink.rows[0].status, sink.rows[0].error),
        (Some(502), Some(ErrorClass::Http))
    );
}

#[test]
fn a_host_answering_429_again_and_again_is_backed_off() {
    let mut site = Site::new();
    let hub = linking("hub", 5, |i| format!("<a href=\"/x/{i}\">{i}</a>"));
    site.page("/", hub);
    site.fallback(|_| Response::new(429));
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.per_host = n(1);
    let (summary, sink) = run_with_guard(c, Duration::from_secs(60));
    assert_eq!(sink.rows.len(), 6);
    assert_eq!(summary.backed_off.len(), 1, "{:?}", summary.backed_off);
    assert!(summary.backed_off.iter().all(|h| h.contains("127.0.0.1")));
    // Three 429s in a row trip the breaker: the fourth request waits out the pause.
    let mut starts: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.path != "/")
        .map(|r| r.started)
        .collect();
    starts.sort();
    assert!(
        starts[3] - starts[2] >= Duration::from_secs(4),
        "{:?}",
        starts[3] - starts[2]
    );
}

#[test]
fn an_infinite_calendar_ends_with_the_depth_and_page_limits() {
    let server = TestServer::start(|req| {
        let day: u64 = req
            .path_only()
            .trim_start_matches("/cal/")
            .parse()
            .unwrap_or(0);
        Response::html(format!(
            "<title>day {day}</title><a href=\"/cal/{}\">next</a><a href=\"/cal/{}\">next week</a>",
            day + 1,
            day + 7
        ))
    });
    let mut c = config(&[server.url("/cal/0")]);
    c.max_depth = 1_000_000;
    c.max_pages = Some(40);
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 40);
    assert_eq!(server.total_requests(), 40);

    let mut c = config(&[server.url("/cal/0")]);
    c.max_depth = 5;
    let (_, sink) = run(c);
    assert!(sink.rows.iter().all(|r| r.depth <= 5));
    assert_eq!(sink.rows.len(), server.total_requests() - 40);
}

#[test]
fn repeated_path_segments_and_max_pages_per_host_stop_traps() {
    let server = TestServer::start(|req| {
        Response::html(format!(
            "<title>{}</title><a href=\"{}/a/\">deeper</a>",
            req.path_only(),
            req.path_only().trim_end_matches('/')
        ))
    });
    let mut c = config(&[server.url("/a/")]);
    c.max_depth = 100;
    let (_, sink) = run(c);
    // /a/, /a/a/, /a/a/a/ are fetched; /a/a/a/a/ repeats a segment four times.
    assert_eq!(sink.rows.len(), 3);
    assert_eq!(server.count("/a/a/a/a/"), 0);

    let other = slow_site(20, Duration::ZERO).serve();
    let mut c = config(&[other.url("/")]);
    c.max_pages_per_host = Some(5);
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 5);
    assert_eq!(other.total_requests(), 5);
}

#[test]
fn sitemaps_and_feeds_seed_the_crawl() {
    use std::io::Write;
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nAllow: /\nSitemap: /sitemap_index.xml\n"),
    );
    site.response(
        "/sitemap_index.xml",
        Response::new(200).content_type("application/xml").body(
            "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <sitemap><loc>/news.xml.gz</loc></sitemap></sitemapindex>",
        ),
    );
    let news = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
        xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\
        <url><loc>/articles/from-sitemap</loc><news:news><news:title>T</news:title></news:news></url>\
        </urlset>";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(news.as_bytes()).expect("gzip");
    site.response(
        "/news.xml.gz",
        Response::new(200)
            .content_type("application/gzip")
            .body(gz.finish().expect("gzip")),
    );
    site.page(
        "/",
        "<head><title>Front</title><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss\"></head>",
    );
    site.response(
        "/rss",
        Response::new(200).content_type("application/rss+xml").body(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>c</title><link>/</link>\
             <item><title>i</title><link>/articles/from-feed</link></item></channel></rss>",
        ),
    );
    site.page("/articles/from-sitemap", "<title>Sitemap article</title>");
    site.page("/articles/from-feed", "<title>Feed article</title>");
    let server = site.serve();

    let mut c = config(&[server.url("/")]);
    c.robots = true;
    let (_, sink) = run(c.clone());
    assert_eq!(sink.rows.len(), 1, "neither without --sitemaps/--feeds");

    c.sitemaps = true;
    c.feeds = true;
    let (_, sink) = run(c);
    let sm = row(&sink.rows, &server.url("/articles/from-sitemap"));
    assert_eq!((sm.title.as_str(), sm.depth), ("Sitemap article", 1));
    assert_eq!(sm.parent, server.url("/news.xml.gz"));
    let feed = row(&sink.rows, &server.url("/articles/from-feed"));
    assert_eq!((feed.title.as_str(), feed.depth), ("Feed article", 1));
    assert_eq!(feed.parent, server.url("/rss"));
    assert_eq!(
        sink.rows.len(),
        3,
        "sitemaps and feeds get no rows of their own"
    );
}

#[test]
fn a_host_name_resolving_to_a_private_address_is_refused_before_connecting() {
    use trawl::download::{FetchConfig, Fetcher};
    let mut site = Site::new();
    site.page("/secret", "<title>internal admin</title>");
    let server = site.serve();
    let port = server.addr().port();
    let mut hop = Site::new();
    hop.response(
        "/hop",
        Response::redirect(302, &format!("http://localhost:{port}/secret")),
    );
    let hop = hop.serve();
    let fetcher = Fetcher::new(FetchConfig {
        user_agent: "trawl-test".into(),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        max_bytes: 1 << 20,
        pool_per_host: 1,
        block_private: true,
        body_budget: 1 << 20,
        max_header_bytes: trawl::config::defaults::MAX_HEADER_BYTES,
        headers: Default::default(),
        cookies: None,
        root_certs: Vec::new(),
    })
    .expect("client");
    // A page that redirects to a name of this machine (an IP literal would be refused by the link
    // filter before any request; a name is caught when it is resolved).
    let follow = |_: &url::Url| trawl::download::Hop::Follow;
    let page = trawl::download::Want::Html;
    let fetched = fetcher.fetch_with(
        &url::Url::parse(&hop.url("/hop")).expect("url"),
        &follow,
        page,
        None,
    );
    assert_eq!(fetched.error, Some(ErrorClass::PrivateAddress));
    assert_eq!(server.total_requests(), 0, "nothing was connected to");
    let direct = fetcher.fetch_with(
        &url::Url::parse(&format!("http://localhost:{port}/secret")).expect("url"),
        &follow,
        page,
        None,
    );
    assert_eq!(
        (direct.status, direct.error),
        (None, Some(ErrorClass::PrivateAddress))
    );
    assert_eq!(server.total_requests(), 0);
}

/// trawl has no public home, so the default User-Agent names trawl and its version and nothing
/// else (it once pointed at a registry page that does not exist); an operator's own contact goes
/// in with --user-agent, unchanged, robots.txt and pages alike.
#[test]
fn the_default_user_agent_points_nowhere_false_and_an_operators_own_is_sent_as_given() {
    let mut site = Site::new();
    site.response("/robots.txt", Response::text("User-agent: *\nAllow: /\n"));
    site.page("/", "<title>home</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    crate::common::cli::assert_trawl()
        .args(["-q", "-o"])
        .arg(&out)
        .arg(server.url("/"))
        .assert()
        .success();
    let sent: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("user-agent").unwrap_or("").to_owned())
        .collect();
    let ours = format!("trawl/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(sent, vec![ours.clone(), ours], "robots.txt and the page");

    server.clear_log();
    let theirs = "trawl/0.1 (+mailto:ops@example.org)";
    crate::common::cli::assert_trawl()
        .args(["-q", "--user-agent", theirs, "-o"])
        .arg(dir.path().join("again.csv"))
        .arg(server.url("/"))
        .assert()
        .success();
    for r in server.requests() {
        assert_eq!(r.header("user-agent"), Some(theirs), "{}", r.path);
    }
}
