//! What trawl sends and how it reads a site's answers, as a user runs it (issue 19): cookies (a
//! consent wall, a cookies.txt file, cookies kept to their own site and never printed), extra
//! headers, robots meta and `X-Robots-Tag`, the robots token of a browser-like User-Agent,
//! redirect cycles, `--delay` units, seed-file comments and `--ca-cert`. Request counts and
//! headers come from the test servers' own logs.

use crate::common::cli::{stderr, trawl, wait_output};
use crate::common::rows::columns;
use crate::common::server::{Request, Response, Site, TestServer};
use std::process::Output;
use std::time::Duration;

const GUARD: Duration = Duration::from_secs(60);

/// Run the binary (`-q` unless `args` has a `-v`) writing CSV into `dir`; its output, and the
/// rows as (url, status, title, links, error).
fn crawl(dir: &tempfile::TempDir, args: &[&str]) -> (Output, Vec<[String; 5]>) {
    let out_path = dir.path().join("out.csv");
    let out = out_path.to_str().expect("utf-8 path");
    let mut all = vec!["-o", out];
    all.extend_from_slice(args);
    let mut cmd = trawl(&all);
    if args.iter().any(|a| a.starts_with("-v")) {
        // `trawl` adds -q, which -v conflicts with: run without it.
        cmd = std::process::Command::new(crate::common::cli::bin());
        cmd.args(&all)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
    }
    let output = wait_output(cmd.spawn().expect("spawn"), GUARD);
    let rows = if out_path.exists() {
        columns(&out_path, ["url", "status", "title", "links", "error"])
    } else {
        Vec::new()
    };
    (output, rows)
}

/// The row of `url`: (status, title, links, error).
fn row_of(rows: &[[String; 5]], url: &str) -> (String, String, String, String) {
    let found: Vec<_> = rows.iter().filter(|r| r[0] == url).collect();
    assert_eq!(found.len(), 1, "rows for {url}: {rows:?}");
    let r = found[0];
    (r[1].clone(), r[2].clone(), r[3].clone(), r[4].clone())
}

fn row(status: &str, title: &str, links: &str, error: &str) -> (String, String, String, String) {
    (status.into(), title.into(), links.into(), error.into())
}

/// A usage error: exit 2 and one line on stderr that contains every one of `words`.
fn assert_usage_error(out: &Output, words: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for w in words {
        assert!(err.contains(w), "{w:?} missing in {err:?}");
    }
}

/// The `Cookie` header of each logged request to `path`, in order.
fn cookies_sent(server: &TestServer, path: &str) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.header("cookie").map(str::to_owned))
        .collect()
}

const SECRET: &str = "s3cr3t-c00kie-value";

/// A consent wall: without the consent cookie, `/news` sets it and redirects to itself.
fn consent_wall(req: &Request) -> Response {
    let consented = req
        .header("cookie")
        .is_some_and(|c| c.split("; ").any(|kv| kv == format!("consent={SECRET}")));
    if consented {
        Response::html("<title>News</title><a href=/news/1>one</a>")
    } else {
        Response::redirect(302, "/news").header("Set-Cookie", &format!("consent={SECRET}; Path=/"))
    }
}

#[test]
fn a_consent_wall_that_sets_a_cookie_and_redirects_to_itself_leads_to_the_page() {
    let mut site = Site::new();
    site.route("/news", consent_wall);
    site.page("/news/1", "<title>One</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let news = server.url("/news");
    let (out, rows) = crawl(&dir, &["-vv", &news]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(row_of(&rows, &news), row("200", "News", "1", ""));
    assert_eq!(
        cookies_sent(&server, "/news"),
        [None, Some(format!("consent={SECRET}"))],
        "asked once without, once with the cookie it set"
    );
    // The cookie goes with every later request to the site, and is never printed.
    assert_eq!(
        cookies_sent(&server, "/news/1"),
        [Some(format!("consent={SECRET}"))]
    );
    let printed = format!(
        "{}{}{}",
        stderr(&out),
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.path().join("out.csv")).expect("csv")
    );
    assert!(printed.contains("/news"), "-vv logs requests: {printed}");
    assert!(!printed.contains(SECRET), "a cookie was printed: {printed}");

    // Without cookies the wall is what it looks like: a redirect to the same request, a loop
    // seen at once.
    server.clear_log();
    let (out, rows) = crawl(&dir, &["--no-cookies", &news]);
    assert_eq!(row_of(&rows, &news), row("302", "", "", "redirect_loop"));
    assert_eq!(cookies_sent(&server, "/news"), [None]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn cookies_go_back_to_their_own_site_only() {
    let other = Site::new().serve_on("127.0.0.2");
    let mut site = Site::new();
    let to_other = other.url("/from-a");
    site.route("/", move |_| {
        Response::html(format!(
            "<title>A</title><a href=/a2>a2</a><a href={to_other}>other host</a>"
        ))
        .header("Set-Cookie", "mine=1; Path=/")
        // Another host's domain: refused (RFC 6265 5.3 step 6).
        .header("Set-Cookie", "theirs=1; Domain=127.0.0.2; Path=/")
    });
    site.page("/a2", "<title>A2</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let (out, rows) = crawl(
        &dir,
        &["--scope", "any", "--allow-private", &server.url("/")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(row_of(&rows, &other.url("/from-a")).0, "404");
    assert_eq!(cookies_sent(&server, "/a2"), [Some("mine=1".to_owned())]);
    assert_eq!(cookies_sent(&other, "/from-a"), [None]);
    assert!(other
        .requests()
        .iter()
        .all(|r| r.header("cookie").is_none()));
}

#[test]
fn a_cookies_txt_file_is_sent_each_cookie_to_its_own_site() {
    let a = Site::new().serve();
    let b = Site::new().serve_on("127.0.0.2");
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("cookies.txt");
    let far = 4_102_444_800u64; // 2100-01-01
    std::fs::write(
        &file,
        format!(
            "# Netscape HTTP Cookie File\n\n\
             127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t{SECRET}\n\
             #HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t{far}\tsub\tpaid\n\
             127.0.0.1\tFALSE\t/\tFALSE\t1000\told\texpired\n\
             127.0.0.1\tFALSE\t/private\tFALSE\t0\tdeep\tx\n\
             127.0.0.2\tFALSE\t/\tFALSE\t0\tb\tonly-b\n"
        ),
    )
    .expect("write");
    let (out, _) = crawl(
        &dir,
        &[
            "--cookies",
            file.to_str().expect("path"),
            &a.url("/"),
            &b.url("/"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sent_a = cookies_sent(&a, "/");
    assert_eq!(sent_a.len(), 1);
    let mut pairs: Vec<String> = sent_a[0]
        .as_deref()
        .expect("cookies for a")
        .split("; ")
        .map(str::to_owned)
        .collect();
    pairs.sort();
    assert_eq!(pairs, [format!("session={SECRET}"), "sub=paid".to_owned()]);
    assert_eq!(cookies_sent(&b, "/"), [Some("b=only-b".to_owned())]);
}

#[test]
fn a_bad_cookies_file_is_a_usage_error_before_any_request() {
    let server = Site::new().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dir.path().join("no-such-cookies.txt");
    let (out, _) = crawl(
        &dir,
        &[
            "--cookies",
            missing.to_str().expect("path"),
            &server.url("/"),
        ],
    );
    assert_usage_error(&out, &["--cookies", "no-such-cookies.txt"]);
    let bad = dir.path().join("cookies.json");
    std::fs::write(
        &bad,
        format!("# c\n{{\"name\": \"x\", \"value\": \"{SECRET}\"}}\n"),
    )
    .expect("write");
    let (out, _) = crawl(
        &dir,
        &["--cookies", bad.to_str().expect("path"), &server.url("/")],
    );
    assert_usage_error(&out, &["--cookies", "cookies.json", "line 2"]);
    assert!(!stderr(&out).contains(SECRET), "{}", stderr(&out));
    let (out, _) = crawl(
        &dir,
        &[
            "--cookies",
            bad.to_str().expect("path"),
            "--no-cookies",
            &server.url("/"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(server.total_requests(), 0);
}

#[test]
fn headers_go_with_every_request_and_bad_ones_are_usage_errors() {
    let mut site = Site::new();
    site.page("/", "<title>home</title><a href=/two>two</a>");
    site.page("/two", "<title>two</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let (out, rows) = crawl(
        &dir,
        &[
            "-H",
            "Accept-Language: de-DE,de;q=0.9",
            "--header",
            "X-Trawl-Test:  yes ",
            &server.url("/"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(rows.len(), 2);
    let log = server.requests();
    assert_eq!(log.len(), 3, "robots.txt and two pages");
    for r in &log {
        assert_eq!(
            r.header("accept-language"),
            Some("de-DE,de;q=0.9"),
            "{}",
            r.path
        );
        assert_eq!(r.header("x-trawl-test"), Some("yes"), "{}", r.path);
        assert!(r
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("trawl/")));
    }
    let url = server.url("/");
    for (bad, words) in [
        ("Accept-Language de", &["--header", "Name: value"][..]),
        ("Bad Name: x", &["--header", "Bad Name", "header name"]),
        ("User-Agent: x", &["--header", "--user-agent"]),
        ("Cookie: a=1", &["--header", "--cookies"]),
    ] {
        let (out, _) = crawl(&dir, &["-H", bad, &url]);
        assert_usage_error(&out, words);
    }
    let (out, _) = crawl(&dir, &["-H", "X-Token: abc\u{7f}secret", &url]);
    assert_usage_error(&out, &["--header", "X-Token"]);
    assert!(!stderr(&out).contains("secret"), "{}", stderr(&out));
    let (out, _) = crawl(&dir, &["--user-agent", "bot/1\r\nX-Evil: 1", &url]);
    assert_usage_error(&out, &["--user-agent"]);
    assert_eq!(
        server.total_requests(),
        3,
        "no request after the first crawl"
    );
}

/// A hub whose links must (or must not) be followed; each linked page is `/t/N`.
fn hub(site: &mut Site, path: &str, head: &str, header: Option<&str>) {
    let html = format!(
        "<html><head>{head}<title>{path}</title></head><body>\
         <a href=/t{path}/1>1</a><a href=/t{path}/2 rel=nofollow>2</a></body></html>"
    );
    let mut resp = Response::html(html);
    if let Some(h) = header {
        resp = resp.header("X-Robots-Tag", h);
    }
    site.response(path, resp);
}

#[test]
fn robots_meta_and_x_robots_tag_nofollow_stop_following_a_pages_links() {
    let mut site = Site::new();
    let cases: &[(&str, &str, Option<&str>, bool)] = &[
        // (path, head, X-Robots-Tag, followed)
        (
            "/meta",
            "<meta name=robots content='noindex, NOFOLLOW'>",
            None,
            false,
        ),
        ("/none", "<meta name=\"ROBOTS\" content=none>", None, false),
        ("/ours", "<meta name=trawl content=nofollow>", None, false),
        (
            "/theirs",
            "<meta name=googlebot content=nofollow>",
            None,
            true,
        ),
        ("/noindex", "<meta name=robots content=noindex>", None, true),
        ("/header", "", Some("noindex, nofollow"), false),
        ("/header-ours", "", Some("trawl: none"), false),
        ("/header-theirs", "", Some("googlebot: nofollow"), true),
        ("/plain", "", None, true),
    ];
    let mut seeds = Vec::new();
    for (path, head, header, _) in cases {
        hub(&mut site, path, head, *header);
    }
    site.fallback(|req| Response::html(format!("<title>{}</title>", req.path_only())));
    let server = site.serve();
    for (path, ..) in cases {
        seeds.push(server.url(path));
    }
    let dir = tempfile::tempdir().expect("tmp");
    let edges = dir.path().join("edges.csv");
    let mut args = vec!["--links-output", edges.to_str().expect("path")];
    args.extend(seeds.iter().map(String::as_str));
    let (out, rows) = crawl(&dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let edges = std::fs::read_to_string(&edges).expect("edges");
    for (path, _, _, followed) in cases {
        // Every page is written (noindex too), its links counted and written as edges.
        assert_eq!(row_of(&rows, &server.url(path)), row("200", path, "2", ""));
        let want = if *followed { 1 } else { 0 };
        for n in 1..=2 {
            let target = format!("/t{path}/{n}");
            assert_eq!(
                server.count(&target),
                want,
                "{target}: rel=nofollow is followed too"
            );
            assert!(
                edges.contains(&server.url(&target)),
                "{target} in the edges"
            );
        }
    }
    // --ignore-robots ignores them.
    server.clear_log();
    let (out, _) = crawl(
        &dir,
        &[
            "--ignore-robots",
            &server.url("/meta"),
            &server.url("/header"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for target in ["/t/meta/1", "/t/meta/2", "/t/header/1", "/t/header/2"] {
        assert_eq!(server.count(target), 1, "{target}");
    }
}

#[test]
fn a_browser_like_user_agent_obeys_the_group_of_the_bot_it_names() {
    let mut site = Site::new();
    site.response(
        "/robots.txt",
        Response::text("User-agent: *\nAllow: /\n\nUser-agent: MyBot\nDisallow: /private\n"),
    );
    site.page(
        "/",
        "<meta name=mybot content=nofollow><title>home</title><a href=/private>p</a>",
    );
    site.page(
        "/two",
        "<title>two</title><a href=/private>p</a><a href=/public>p</a>",
    );
    site.fallback(|req| Response::html(format!("<title>{}</title>", req.path_only())));
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let ua = "Mozilla/5.0 (compatible; MyBot/1.0; +https://my.example/bot)";
    let (out, rows) = crawl(
        &dir,
        &["--user-agent", ua, &server.url("/"), &server.url("/two")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.count("/private"), 0, "MyBot's group disallows it");
    assert_eq!(row_of(&rows, &server.url("/private")).3, "robots");
    assert_eq!(server.count("/public"), 1);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("user-agent") == Some(ua)));
    // --robots-agent names another token: MyBot's group and meta no longer apply.
    server.clear_log();
    let (out, rows) = crawl(
        &dir,
        &[
            "--user-agent",
            ua,
            "--robots-agent",
            "OtherBot",
            &server.url("/"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(row_of(&rows, &server.url("/private")).0, "200");
    let (out, _) = crawl(&dir, &["--robots-agent", "My Bot/1", &server.url("/")]);
    assert_usage_error(&out, &["--robots-agent", "My Bot/1"]);
}

#[test]
fn a_redirect_cycle_stops_when_a_request_repeats() {
    let mut site = Site::new();
    site.response("/a", Response::redirect(302, "/b"));
    site.response("/b", Response::redirect(301, "/a"));
    site.response("/self", Response::redirect(307, "/self"));
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    // The default --delay hands every hop back to the scheduler: the cycle is seen across them.
    let (_, rows) = crawl(&dir, &[&server.url("/a"), &server.url("/self")]);
    assert_eq!(
        row_of(&rows, &server.url("/a")),
        row("301", "", "", "redirect_loop")
    );
    assert_eq!(
        row_of(&rows, &server.url("/self")),
        row("307", "", "", "redirect_loop")
    );
    assert_eq!((server.count("/a"), server.count("/b")), (1, 1));
    assert_eq!(server.count("/self"), 1);
}

#[test]
fn delay_takes_units_and_a_bare_number_is_milliseconds() {
    let mut site = Site::new();
    site.page("/", "<title>home</title><a href=/1>1</a><a href=/2>2</a>");
    site.fallback(|req| Response::html(format!("<title>{}</title>", req.path_only())));
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    for delay in ["0.3s", "300ms", "300"] {
        server.clear_log();
        let (out, rows) = crawl(
            &dir,
            &["--ignore-robots", "--delay", delay, &server.url("/")],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(rows.len(), 3);
        let mut starts: Vec<_> = server.requests().iter().map(|r| r.started).collect();
        starts.sort();
        for pair in starts.windows(2) {
            // The server sees a request when its line arrives, which a loaded machine can delay
            // for one request and not the next: half the delay is kept as the bound, far above
            // the 0.3 ms that `0.3s` read as milliseconds would give (and a bare `300` read as
            // seconds would run into the test's guard).
            let gap = pair[1] - pair[0];
            assert!(
                gap >= Duration::from_millis(150),
                "--delay {delay}: {gap:?} apart"
            );
        }
    }
    for bad in ["5min", "-1s", "fast", "2days"] {
        let (out, _) = crawl(&dir, &[&format!("--delay={bad}"), &server.url("/")]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("--delay"), "{}", stderr(&out));
    }
}

#[test]
fn seed_file_comments_and_a_line_without_a_scheme() {
    let mut site = Site::new();
    site.page("/front", "<title>front</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let seeds = dir.path().join("seeds.txt");
    std::fs::write(
        &seeds,
        format!("# news\n{}  # front page\n", server.url("/front")),
    )
    .expect("write");
    let (out, rows) = crawl(&dir, &["--max-depth", "0", seeds.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        row_of(&rows, &server.url("/front")),
        row("200", "front", "0", "")
    );
    std::fs::write(
        &seeds,
        format!("{}\nwww.example.com\n", server.url("/front")),
    )
    .expect("write");
    server.clear_log();
    let (out, _) = crawl(&dir, &[seeds.to_str().expect("path")]);
    assert_usage_error(
        &out,
        &[
            &format!("{}:2:", seeds.display()),
            "did you mean https://www.example.com/?",
        ],
    );
    assert_eq!(server.total_requests(), 0);
}

#[test]
fn a_private_ca_is_trusted_with_ca_cert() {
    let server = crate::common::tls::TlsServer::start(&[("/", "<title>Intranet</title>")]);
    let dir = tempfile::tempdir().expect("tmp");
    let url = server.url("/");
    let (out, rows) = crawl(&dir, &["--ignore-robots", &url]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        row_of(&rows, &url).3,
        "tls",
        "not trusted without --ca-cert"
    );
    let ca = server.tls.ca();
    let (out, rows) = crawl(&dir, &["--ca-cert", ca.to_str().expect("path"), &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(row_of(&rows, &url), row("200", "Intranet", "0", ""));
    assert_eq!(server.paths(), ["/robots.txt", "/"]);
    let missing = dir.path().join("no-ca.pem");
    let (out, _) = crawl(&dir, &["--ca-cert", missing.to_str().expect("path"), &url]);
    assert_usage_error(&out, &["--ca-cert", "no-ca.pem"]);
    let not_pem = dir.path().join("ca.txt");
    std::fs::write(&not_pem, "hello").expect("write");
    let (out, _) = crawl(&dir, &["--ca-cert", not_pem.to_str().expect("path"), &url]);
    assert_usage_error(&out, &["--ca-cert", "ca.txt"]);
    assert_eq!(server.paths().len(), 2, "no request after a usage error");
}
