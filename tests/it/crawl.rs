//! End-to-end crawls through the library against servers started on 127.0.0.1:0: the page set,
//! request counts from the server's own log, limits, scope, redirects, error rows and the
//! termination protocol (no deadlock, no early exit).

use crate::common::harness::{config, row, run, run_with_guard, stable};
use crate::common::server::{Response, Site, TestServer};
use crate::common::sites::linking;
use std::num::NonZeroUsize;
use std::time::Duration;
use trawl::crawl::Summary;
use trawl::error::ErrorClass;
use trawl::output::MemorySink;
use trawl::scope::ScopeKind;

/// A site of `n` pages in a ternary tree: page j links to its children 3j+1..3j+3, to the root,
/// to its parent, to the next page of the same depth (so a page is often first seen one level too
/// deep and must be moved up), and to a tracking-tagged and a fragment copy of itself. Every page
/// has one parent at its shortest depth, so the `parent` column is deterministic.
fn tree_server(n: usize) -> TestServer {
    let site_n = n;
    TestServer::start(move |req| {
        let path = req.path_only();
        let Some(j) = path
            .strip_prefix("/p/")
            .and_then(|s| s.parse::<usize>().ok())
        else {
            return Response::not_found();
        };
        if j >= site_n {
            return Response::not_found();
        }
        let mut html = format!("<!doctype html><title>Page {j}</title><body>\n");
        for c in [3 * j + 1, 3 * j + 2, 3 * j + 3] {
            if c < site_n {
                html.push_str(&format!("<a href=\"/p/{c}\">child {c}</a>\n"));
            }
        }
        html.push_str("<a href=\"/p/0\">home</a>\n");
        if j > 0 {
            html.push_str(&format!("<a href=\"../p/{}\">up</a>\n", (j - 1) / 3));
        }
        if j + 1 < site_n && depth_of(j + 1) == depth_of(j) {
            html.push_str(&format!("<a href=\"{}\">next</a>\n", j + 1));
        }
        html.push_str(&format!(
            "<a href=\"/p/{j}?utm_source=feed\">self</a><a href=\"#top\">top</a>"
        ));
        Response::html(html)
    })
}

fn depth_of(j: usize) -> u32 {
    let mut d = 0;
    let mut j = j;
    while j > 0 {
        j = (j - 1) / 3;
        d += 1;
    }
    d
}

#[test]
fn a_site_of_300_pages_gives_the_same_rows_with_any_worker_count_and_each_url_once() {
    let n = 300;
    let mut reference = None;
    for workers in [1, 4, 16, 64] {
        let server = tree_server(n);
        let mut c = config(&[server.url("/p/0")]);
        c.workers = NonZeroUsize::new(workers).expect("nonzero");
        c.max_depth = 10;
        let (summary, sink) = run(c);
        assert_eq!(sink.rows.len(), n, "workers={workers}");
        assert_eq!(summary.requested, n as u64);
        for j in 0..n {
            assert_eq!(
                server.count(&format!("/p/{j}")),
                1,
                "/p/{j} requested once, workers={workers}"
            );
        }
        assert_eq!(
            server.total_requests(),
            n,
            "no other request, workers={workers}"
        );
        for j in [0usize, 1, 5, 17, 299] {
            let r = row(&sink.rows, &server.url(&format!("/p/{j}")));
            assert_eq!(r.title, format!("Page {j}"));
            assert_eq!(r.depth, depth_of(j), "depth of {j}");
            let parent = if j == 0 {
                String::new()
            } else {
                server.url(&format!("/p/{}", (j - 1) / 3))
            };
            assert_eq!(r.parent, parent, "parent of {j}");
            assert_eq!(r.status, Some(200));
            assert_eq!(r.error, None);
        }
        // Rows compare equal across worker counts once the port is taken out.
        let port = format!(":{}", server.addr().port());
        let rows: Vec<_> = stable(&sink.rows)
            .into_iter()
            .map(|mut r| {
                r.0 = r.0.replace(&port, ":PORT");
                r.1 = r.1.replace(&port, ":PORT");
                r.3 = r.3.replace(&port, ":PORT");
                r
            })
            .collect();
        match &reference {
            None => reference = Some(rows),
            Some(first) => {
                let diff: Vec<_> = first
                    .iter()
                    .zip(&rows)
                    .filter(|(a, b)| a != b)
                    .take(3)
                    .collect();
                assert!(
                    diff.is_empty(),
                    "rows differ with {workers} workers: {diff:#?}"
                );
                assert_eq!(first.len(), rows.len());
            }
        }
    }
}

#[test]
fn links_column_counts_distinct_links_after_fragment_removal() {
    let server = tree_server(40);
    let mut c = config(&[server.url("/p/0")]);
    c.max_depth = 0;
    let (_, sink) = run(c);
    // /p/0: children 1,2,3; home (itself); next /p/1 (a duplicate); self?utm (a distinct URL);
    // #top (itself again).
    let r = row(&sink.rows, &server.url("/p/0"));
    assert_eq!(r.links, Some(5));
}

#[test]
fn max_depth_limits_what_is_fetched_but_not_what_is_counted() {
    let server = tree_server(300);
    let mut c = config(&[server.url("/p/0")]);
    c.max_depth = 2;
    let (_, sink) = run(c);
    // Depth 0: 1 page, depth 1: 3, depth 2: 9.
    assert_eq!(sink.rows.len(), 13);
    assert!(sink.rows.iter().all(|r| r.depth <= 2));
    assert_eq!(
        server.count("/p/13"),
        0,
        "depth-3 page must not be requested"
    );
    let r = row(&sink.rows, &server.url("/p/4"));
    assert_eq!(r.depth, 2);
    // children 13, 14, 15; home; up; next; self?utm; #top (itself).
    assert_eq!(r.links, Some(8), "links on a depth-N page are counted");
}

/// A link that a deeper page sends first is still fetched at its shortest depth when a slower,
/// shallower page sends it later (the workers' link memo must let the shallower copy through):
/// `/` → `/a` (slow) and `/b`; `/b` → `/c`; `/a` and `/c` both → `/x`; `/x` → `/y` → `/z`.
/// With --max-depth 3, `/x` is at depth 2 (via `/a`), so `/y` (3) is fetched and `/z` (4) is not.
#[test]
fn a_link_found_deeper_first_keeps_its_shortest_depth() {
    let server = TestServer::start(|req| {
        let (links, delay): (&[&str], u64) = match req.path_only() {
            "/" => (&["/a", "/b"], 0),
            "/a" => (&["/x"], 300),
            "/b" => (&["/c"], 0),
            "/c" => (&["/x"], 0),
            "/x" => (&["/y"], 0),
            "/y" => (&["/z"], 0),
            "/z" => (&[], 0),
            _ => return Response::not_found(),
        };
        let body: String = links
            .iter()
            .map(|l| format!("<a href=\"{l}\">{l}</a>"))
            .collect();
        Response::html(format!("<title>{}</title>{body}", req.path_only()))
            .delay(Duration::from_millis(delay))
    });
    let mut c = config(&[server.url("/")]);
    c.workers = NonZeroUsize::new(4).expect("nonzero");
    c.max_depth = 3;
    let (_, sink) = run(c);
    let x = row(&sink.rows, &server.url("/x"));
    assert_eq!((x.depth, x.parent.as_str()), (2, server.url("/a").as_str()));
    assert_eq!(row(&sink.rows, &server.url("/y")).depth, 3);
    assert_eq!(server.count("/z"), 0, "depth 4 is beyond --max-depth");
    for path in ["/", "/a", "/b", "/c", "/x", "/y"] {
        assert_eq!(server.count(path), 1, "{path} requested once");
    }
    assert_eq!(sink.rows.len(), 6);
}

#[test]
fn max_pages_caps_requests() {
    let server = tree_server(300);
    let mut c = config(&[server.url("/p/0")]);
    c.max_depth = 10;
    c.max_pages = Some(25);
    c.workers = NonZeroUsize::new(8).expect("nonzero");
    let (summary, sink) = run(c);
    assert_eq!(summary.requested, 25);
    assert_eq!(sink.rows.len(), 25);
    assert_eq!(server.total_requests(), 25);
    // Breadth-first: the 13 pages of depth <= 2 come before any of depth 4.
    assert!(sink.rows.iter().all(|r| r.depth <= 3));
}

#[test]
fn more_workers_than_pages() {
    let server = tree_server(4);
    let mut c = config(&[server.url("/p/0")]);
    c.workers = NonZeroUsize::new(64).expect("nonzero");
    c.max_depth = 5;
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 4);
    assert_eq!(server.total_requests(), 4);
}

#[test]
fn no_deadlock_with_queue_capacity_1_32_workers_and_a_page_of_10000_links() {
    let n = 10_000;
    let server = TestServer::start(move |req| {
        if req.path_only() == "/" {
            let html = linking("hub", n, |i| format!("<a href=\"/a/{i}\">{i}</a>"));
            return Response::html(html);
        }
        let i = req.path_only().trim_start_matches("/a/");
        Response::html(format!(
            "<title>article {i}</title><a href=\"/\">home</a><a href=\"/a/{i}\">me</a>"
        ))
    });
    let mut c = config(&[server.url("/")]);
    c.workers = NonZeroUsize::new(32).expect("nonzero");
    c.queue_capacity = NonZeroUsize::MIN;
    c.max_depth = 3;
    let (summary, sink) = run_with_guard(c, Duration::from_secs(180));
    assert_eq!(sink.rows.len(), n + 1);
    assert_eq!(summary.requested, n as u64 + 1);
    assert_eq!(row(&sink.rows, &server.url("/")).links, Some(n));
    assert_eq!(
        row(&sink.rows, &server.url("/a/9999")).title,
        "article 9999"
    );
    assert_eq!(server.total_requests(), n + 1, "each page exactly once");
}

#[test]
fn scope_host_domain_and_any() {
    // A second host on 127.0.0.2; the first links to it.
    let other = TestServer::start_on("127.0.0.2", |_| Response::html("<title>other</title>"));
    let other_url = other.url("/x");
    let main = TestServer::start(move |req| match req.path_only() {
        "/" => Response::html(format!(
            "<title>main</title><a href=\"/in\">in</a><a href=\"{other_url}\">out</a>"
        )),
        _ => Response::html("<title>in</title>"),
    });
    for (scope, expect_other) in [
        (ScopeKind::Host, 0),
        (ScopeKind::Domain, 0),
        (ScopeKind::Any, 1),
    ] {
        other.clear_log();
        let mut c = config(&[main.url("/")]);
        c.scope = scope;
        let (_, sink) = run(c);
        assert_eq!(other.total_requests(), expect_other, "{scope:?}");
        assert_eq!(sink.rows.len(), 2 + expect_other, "{scope:?}");
        assert_eq!(
            row(&sink.rows, &main.url("/")).links,
            Some(2),
            "off-scope links are counted"
        );
    }
    // The same host name on another port is in host scope.
    let main_host_other_port = TestServer::start(|_| Response::html("<title>port</title>"));
    let link = main_host_other_port.url("/y");
    let seed = TestServer::start(move |_| Response::html(format!("<a href=\"{link}\">p</a>")));
    let (_, sink) = run(config(&[seed.url("/")]));
    assert_eq!(
        row(&sink.rows, &main_host_other_port.url("/y")).title,
        "port"
    );
}

#[test]
fn redirects_give_final_url_and_join_the_dedup_set() {
    let mut site = Site::new();
    site.page("/", "<title>home</title><a href=\"/old\">old</a><a href=\"/next\">next</a><a href=\"/loop1\">l</a><a href=\"/away\">a</a><a href=\"/chain0\">c</a>");
    site.page("/next", "<title>next</title><a href=\"/new\">new</a>");
    site.response("/old", Response::redirect(301, "/new#frag"));
    site.page("/new", "<title>New &amp; improved</title>");
    site.response("/loop1", Response::redirect(302, "/loop2"));
    site.response("/loop2", Response::redirect(302, "/loop1"));
    site.response(
        "/away",
        Response::redirect(302, "http://127.0.0.2:9/elsewhere"),
    );
    for i in 0..12 {
        site.response(
            &format!("/chain{i}"),
            Response::redirect(307, &format!("/chain{}", i + 1)),
        );
    }
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    // One worker answers in order: "/old" (redirected to "/new") is done before "/next" offers "/new".
    c.workers = NonZeroUsize::MIN;
    c.max_depth = 2;
    let (_, sink) = run(c);
    let old = row(&sink.rows, &server.url("/old"));
    assert_eq!(old.final_url, server.url("/new"));
    assert_eq!(old.status, Some(200));
    assert_eq!(old.title, "New & improved");
    assert_eq!(
        server.count("/new"),
        1,
        "the final URL is not fetched again"
    );
    assert!(sink.rows.iter().all(|r| r.url != server.url("/new")));
    let lp = row(&sink.rows, &server.url("/loop1"));
    assert_eq!(lp.error, Some(ErrorClass::RedirectLoop));
    assert_eq!(lp.status, Some(302));
    let away = row(&sink.rows, &server.url("/away"));
    assert_eq!(
        (away.status, away.error),
        (Some(302), Some(ErrorClass::OffScope))
    );
    assert_eq!(away.final_url, server.url("/away"));
    let chain = row(&sink.rows, &server.url("/chain0"));
    assert_eq!(
        chain.error,
        Some(ErrorClass::RedirectLoop),
        "an 11th hop is a loop"
    );
    assert_eq!(server.count("/chain10"), 1);
    assert_eq!(server.count("/chain11"), 0);
}

#[test]
fn error_statuses_and_non_html_get_rows() {
    let mut site = Site::new();
    site.page("/", "<title>home</title><a href=\"/missing\">m</a><a href=\"/boom\">b</a><a href=\"/file.txt\">t</a><a href=\"/bare\">b</a><a href=\"/blob\">b</a><a href=\"/unknown\">u</a><a href=\"/octet\">o</a>");
    site.response(
        "/boom",
        Response::html("<title>Server error</title><a href=\"/never\">x</a>").status(500),
    );
    site.response("/file.txt", Response::text("<title>not a page</title>"));
    site.response(
        "/bare",
        Response::new(200).body("<!DOCTYPE html><title>sniffed</title>"),
    );
    site.response("/blob", Response::new(200).body("%PDF-1.4 binary"));
    // A server that does not know the file's type says so: sniffed, as with no Content-Type; an
    // octet stream is a download, never sniffed (as browsers do).
    site.response(
        "/unknown",
        Response::new(200)
            .body("<html><title>sniffed too</title>")
            .content_type("application/unknown"),
    );
    site.response(
        "/octet",
        Response::new(200)
            .body("<html><title>a download</title>")
            .content_type("application/octet-stream"),
    );
    let server = site.serve();
    let (_, sink) = run(config(&[server.url("/")]));
    let missing = row(&sink.rows, &server.url("/missing"));
    assert_eq!(
        (missing.status, missing.error),
        (Some(404), Some(ErrorClass::Http))
    );
    let boom = row(&sink.rows, &server.url("/boom"));
    assert_eq!(
        (boom.status, boom.error),
        (Some(500), Some(ErrorClass::Http))
    );
    assert_eq!(boom.title, "Server error");
    assert_eq!(
        server.count("/never"),
        0,
        "links on error pages are not followed"
    );
    let txt = row(&sink.rows, &server.url("/file.txt"));
    assert_eq!(
        (txt.status, txt.error),
        (Some(200), Some(ErrorClass::NotHtml))
    );
    assert_eq!(
        (txt.title.as_str(), txt.links, txt.bytes),
        ("", None, Some(0))
    );
    let bare = row(&sink.rows, &server.url("/bare"));
    assert_eq!((bare.title.as_str(), bare.error), ("sniffed", None));
    let blob = row(&sink.rows, &server.url("/blob"));
    assert_eq!(blob.error, Some(ErrorClass::NotHtml));
    let unknown = row(&sink.rows, &server.url("/unknown"));
    assert_eq!(
        (unknown.title.as_str(), unknown.error),
        ("sniffed too", None)
    );
    let octet = row(&sink.rows, &server.url("/octet"));
    assert_eq!(
        (octet.title.as_str(), octet.error),
        ("", Some(ErrorClass::NotHtml))
    );
}

#[test]
fn a_body_over_max_bytes_is_cut_and_keeps_its_title() {
    let big = format!("<title>Big one</title>{}", "<p>filler</p>".repeat(100_000));
    let mut site = Site::new();
    site.page("/", big);
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.max_bytes = 64 * 1024;
    let (_, sink) = run(c);
    let r = row(&sink.rows, &server.url("/"));
    assert_eq!(r.error, Some(ErrorClass::TooLarge));
    assert_eq!(r.title, "Big one");
    assert_eq!(r.bytes, Some(64 * 1024));
}

/// A site whose `/fat` page sends 200 KB of response headers (40 headers of 5,000 bytes).
fn fat_header_site() -> TestServer {
    let mut site = Site::new();
    site.page(
        "/",
        "<title>Hub</title><a href=\"/fat\">fat</a><a href=\"/thin\">thin</a>",
    );
    let mut fat = Response::html("<title>Fat headers</title>");
    for i in 0..40 {
        fat = fat.header(&format!("X-Pad-{i}"), &"p".repeat(5_000));
    }
    site.response("/fat", fat);
    site.page("/thin", "<title>Thin</title>");
    site.serve()
}

#[test]
fn headers_over_max_header_bytes_fail_the_page_alone() {
    let server = fat_header_site();
    let (_, sink) = run(config(&[server.url("/")]));
    let fat = row(&sink.rows, &server.url("/fat"));
    assert_eq!(fat.error, Some(ErrorClass::TooLarge));
    assert_eq!((fat.status, fat.title.as_str()), (None, ""));
    // The connection that failed is not reused; the next page on the host is fetched.
    let thin = row(&sink.rows, &server.url("/thin"));
    assert_eq!((thin.error, thin.title.as_str()), (None, "Thin"));
    assert_eq!(server.count("/fat"), 1);

    // Raised above the head's size, the same page is read.
    let server = fat_header_site();
    let mut c = config(&[server.url("/")]);
    c.max_header_bytes = 256 * 1024;
    let (_, sink) = run(c);
    let fat = row(&sink.rows, &server.url("/fat"));
    assert_eq!((fat.error, fat.status), (None, Some(200)));
    assert_eq!(fat.title, "Fat headers");
}

#[test]
fn unreachable_seed_is_a_connect_row() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (summary, sink) = run(config(&[format!("http://127.0.0.1:{port}/")]));
    assert_eq!(sink.rows.len(), 1);
    assert_eq!(sink.rows[0].error, Some(ErrorClass::Connect));
    assert_eq!(sink.rows[0].status, None);
    assert_eq!(summary.responded, 0);
}

#[test]
fn a_stalled_and_a_dripping_body_hit_the_whole_request_timeout() {
    let mut site = Site::new();
    site.page(
        "/",
        "<title>t</title><a href=\"/stall\">s</a><a href=\"/drip\">d</a>",
    );
    site.response(
        "/stall",
        Response::html(vec![b' '; 10_000]).stall_after(100),
    );
    // 10,000 bytes, 1 byte every 50 ms: 500 s if nothing stopped it.
    site.response(
        "/drip",
        Response::html(vec![b' '; 10_000]).drip(1, Duration::from_millis(50)),
    );
    let server = site.serve();
    let mut c = config(&[server.url("/")]);
    c.timeout = Duration::from_millis(1500);
    let (_, sink) = run_with_guard(c, Duration::from_secs(30));
    for p in ["/stall", "/drip"] {
        let r = row(&sink.rows, &server.url(p));
        assert_eq!(r.error, Some(ErrorClass::Timeout), "{p}");
        let ms = r.elapsed_ms.expect("elapsed");
        assert!((1500..5000).contains(&ms), "{p} held the worker {ms} ms");
    }
}

#[test]
fn a_gzip_page_is_decompressed() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"<title>zipped</title>").expect("gzip");
    let body = gz.finish().expect("gzip");
    let mut site = Site::new();
    site.response("/", Response::html(body).header("Content-Encoding", "gzip"));
    let server = site.serve();
    let (_, sink) = run(config(&[server.url("/")]));
    assert_eq!(sink.rows[0].title, "zipped");
    assert_eq!(sink.rows[0].bytes, Some(21));
}

/// A site of a hub linking `n` leaf pages of `size` bytes each (declared in Content-Length).
fn big_pages_server(n: usize, size: usize) -> TestServer {
    TestServer::start(move |req| {
        if req.path_only() == "/" {
            let links: String = (0..n)
                .map(|i| format!("<a href=\"/big/{i}\">{i}</a>"))
                .collect();
            return Response::html(format!("<title>hub</title>{links}"));
        }
        let Some(i) = req.path_only().strip_prefix("/big/") else {
            return Response::not_found();
        };
        let head = format!("<title>big {i}</title><p>");
        let mut body = head.into_bytes();
        body.resize(size, b'x');
        Response::html(body)
    })
}

/// Crawl `big_pages_server(n, size)` with 8 workers and `--body-memory body_memory`.
fn crawl_big_pages(n: usize, size: usize, body_memory: u64) -> (TestServer, Summary, MemorySink) {
    let server = big_pages_server(n, size);
    let mut c = config(&[server.url("/")]);
    c.workers = NonZeroUsize::new(8).expect("nonzero");
    c.body_memory = body_memory;
    let (summary, sink) = run(c);
    (server, summary, sink)
}

#[test]
fn body_memory_bounds_the_bodies_held_at_once_and_loses_no_page() {
    const PAGE: usize = 200_000;
    // Room for two pages of 200,000 bytes, not three.
    let (server, summary, sink) = crawl_big_pages(12, PAGE, 500_000);
    assert_eq!(sink.rows.len(), 13);
    for i in 0..12 {
        let r = row(&sink.rows, &server.url(&format!("/big/{i}")));
        assert_eq!(r.title, format!("big {i}"));
        assert_eq!(r.bytes, Some(PAGE as u64));
        assert_eq!(r.error, None);
    }
    assert_eq!(server.count("/big/0"), 1);
    assert!(
        summary.peak_body_bytes >= PAGE as u64 && summary.peak_body_bytes <= 2 * PAGE as u64,
        "peak body bytes {} with --body-memory 500000 and pages of {PAGE}",
        summary.peak_body_bytes
    );
}

#[test]
fn a_body_memory_smaller_than_every_page_reads_them_one_at_a_time() {
    const PAGE: usize = 100_000;
    let (_server, summary, sink) = crawl_big_pages(10, PAGE, 1);
    assert_eq!(sink.rows.len(), 11);
    assert!(sink.rows.iter().all(|r| r.error.is_none()));
    assert_eq!(summary.peak_body_bytes, PAGE as u64);
}
