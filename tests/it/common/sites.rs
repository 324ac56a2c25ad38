//! Test sites several test files build: a hub linking numbered pages (optionally slow, optionally
//! holding its first requests together at a barrier with [`FirstGroup`]), the pieces to build
//! others like it ([`linking`], [`numbered`]), a seed that redirects to another host and the
//! site it redirects to, a robots.txt that answers 503 once, and what a site's own log says
//! (requests per target, each target once).

use super::gate::Gate;
use super::server::{Barrier, Response, Site, TestServer};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a [`FirstGroup`] waits for its group before giving up (then the test fails on its
/// counters): a guard against hangs only.
pub const BARRIER_GUARD: Duration = Duration::from_secs(10);

/// Holds the first `n` requests it is asked about, once armed, at a barrier for a group of `n`:
/// they are released together when all `n` are in flight at once (or by the guard, which the
/// test then sees in `timed_out`). Unarmed (or once the `n` are through) it holds nothing.
#[derive(Clone)]
pub struct FirstGroup {
    left: Arc<AtomicUsize>,
    n: usize,
    barrier: Barrier,
}

impl FirstGroup {
    pub fn new(n: usize) -> FirstGroup {
        FirstGroup {
            left: Arc::new(AtomicUsize::new(0)),
            n,
            barrier: Barrier::new(n, BARRIER_GUARD),
        }
    }

    /// Hold the next `n` requests.
    pub fn arm(&self) {
        self.left.store(self.n, Ordering::SeqCst);
    }

    pub fn armed(self) -> FirstGroup {
        self.arm();
        self
    }

    /// Called by a handler: wait at the barrier if this request is one of the first `n`.
    pub fn hold(&self) {
        if self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1))
            .is_ok()
            && !self.barrier.wait()
        {
            // The group never filled: hold nothing more (the test fails on the counters).
            self.left.store(0, Ordering::SeqCst);
        }
    }

    /// The barrier itself (its counters and fill times).
    pub fn barrier(&self) -> &Barrier {
        &self.barrier
    }

    /// Requests waiting at the barrier now.
    pub fn waiting(&self) -> usize {
        self.barrier.waiting()
    }

    /// The group filled with every request in it released together, none by the guard.
    pub fn assert_filled(&self, why: &str) {
        assert_eq!(
            (self.barrier.filled(), self.barrier.timed_out()),
            (1, 0),
            "the first {} requests were never in flight at once ({why}): peak {}",
            self.n,
            self.barrier.peak()
        );
    }
}

/// A page titled `title` whose body is `link(i)` for each `i` in `0..n`, in order.
pub fn linking(title: &str, n: usize, link: impl Fn(usize) -> String) -> String {
    let mut html = format!("<title>{title}</title>");
    for i in 0..n {
        html.push_str(&link(i));
    }
    html
}

/// The number `i` of a path `{prefix}{i}` when `i < n` (a page of a numbered site), else `None`.
pub fn numbered(path: &str, prefix: &str, n: usize) -> Option<usize> {
    path.strip_prefix(prefix)
        .and_then(|i| i.parse::<usize>().ok())
        .filter(|i| *i < n)
}

/// A hub at `/` (title `Front`) linking `/p/0..n` (titles `Page i`), each answered after
/// `latency` and passed through `hold` first.
pub fn hub_site(n: usize, latency: Duration, hold: &FirstGroup) -> TestServer {
    hub_site_on("127.0.0.1", n, latency, hold)
}

/// [`hub_site`] served on `ip` (another loopback address: another host).
pub fn hub_site_on(ip: &str, n: usize, latency: Duration, hold: &FirstGroup) -> TestServer {
    let mut site = Site::new();
    let hub = linking("Front", n, |i| format!("<a href=\"/p/{i}\">page {i}</a>"));
    site.page("/", hub);
    let hold = hold.clone();
    site.fallback(move |req| match numbered(req.path_only(), "/p/", n) {
        Some(i) => {
            hold.hold();
            let r = Response::html(format!("<title>Page {i}</title><a href=\"/\">home</a>"));
            if latency.is_zero() {
                r
            } else {
                r.delay(latency)
            }
        }
        _ => Response::not_found(),
    });
    site.serve_on(ip)
}

/// A plain hub: [`hub_site`] of `n` pages answered at once, nothing held.
pub fn hub(n: usize) -> TestServer {
    hub_site(n, Duration::ZERO, &FirstGroup::new(1))
}

/// Every page of a `hub_site` of `n` pages, as URLs.
pub fn hub_urls(server: &TestServer, n: usize) -> BTreeSet<String> {
    std::iter::once(server.url("/"))
        .chain((0..n).map(|i| server.url(&format!("/p/{i}"))))
        .collect()
}

/// Requests per target (path + query) in the site's log.
pub fn counts(server: &TestServer) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in server.paths() {
        *m.entry(p).or_insert(0) += 1;
    }
    m
}

/// Every target in the log requested exactly once; returns them.
pub fn each_once(server: &TestServer) -> BTreeSet<String> {
    let c = counts(server);
    let twice: Vec<(&String, &usize)> = c.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "requested more than once: {twice:?}");
    c.into_keys().collect()
}

/// Where a seed redirects to another host: a site on 127.0.0.2 whose front `/` (title `front`)
/// links `/a` and `/b`, `/b` links `/c`, and `/a` waits at `gate`; no robots.txt.
pub fn redirect_target(gate: &Gate) -> TestServer {
    let mut news = Site::new();
    news.response("/robots.txt", Response::not_found());
    news.page(
        "/",
        "<title>front</title><a href=\"/a\">a</a><a href=\"/b\">b</a>",
    );
    let g = gate.clone();
    news.route("/a", move |_| {
        g.pass();
        Response::html("<title>a</title>")
    });
    news.page("/b", "<title>b</title><a href=\"/c\">c</a>");
    news.page("/c", "<title>c</title>");
    news.serve_on("127.0.0.2")
}

/// A seed's host: `/` answers 301 to `target`, `/other` redirects out of scope (302 to a
/// closed port on 127.0.0.3); no robots.txt.
pub fn redirecting_seed(target: &str) -> TestServer {
    let mut site = Site::new();
    site.response("/robots.txt", Response::not_found());
    site.response("/", Response::redirect(301, target));
    site.response("/other", Response::redirect(302, "http://127.0.0.3:9/gone"));
    site.serve()
}

/// A site whose robots.txt answers 503 to its first request and then disallows `/private`;
/// `/` (title `home`) links `/news` and `/private/1`.
pub fn robots_503_once() -> TestServer {
    let asked = AtomicUsize::new(0);
    let mut site = Site::new();
    site.route("/robots.txt", move |_| {
        if asked.fetch_add(1, Ordering::SeqCst) == 0 {
            Response::new(503).body("busy")
        } else {
            Response::text("User-agent: *\nDisallow: /private\n")
        }
    });
    site.page(
        "/",
        "<title>home</title><a href=\"/news\">n</a><a href=\"/private/1\">p</a>",
    );
    site.page("/news", "<title>news</title>");
    site.serve()
}

/// Two sites for the "a host answering 429 to everything is given up" tests: a host on
/// 127.0.0.2 whose robots.txt is 404 and every other path 429, and a good one whose `/` (title
/// `up`) links `/more` (title `more`). Returns (refusing, good).
pub fn refusing_429_and_good() -> (TestServer, TestServer) {
    let mut refusing = Site::new();
    refusing.response("/robots.txt", Response::not_found());
    refusing.fallback(|_| Response::new(429));
    let refusing = refusing.serve_on("127.0.0.2");
    let mut good = Site::new();
    good.page("/", "<title>up</title><a href=\"/more\">m</a>");
    good.page("/more", "<title>more</title>");
    (refusing, good.serve())
}
