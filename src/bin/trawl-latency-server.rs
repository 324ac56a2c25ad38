//! `trawl-latency-server`: a synthetic news site on loopback, for crawl benchmarks (`bench/run.sh`).
//!
//! It serves `--pages` deterministic HTML pages of about 43 KB with 140 distinct links each, plus a
//! `/robots.txt` that allows everything, and holds every response for `--latency-ms` before sending
//! it. A crawl of it therefore measures how well a crawler overlaps waiting for slow servers with its
//! own work, which a crawl of nginx on loopback (no latency at all) cannot show.
//!
//! The site: page 0 is `/`, page `i > 0` is `/article/i`. Page `i` links to home and the 19 section
//! fronts (`1..=19`), to its children `100 i + 1 ..= 100 i + 100` (those below `--pages`: a 100-ary
//! tree, so a breadth-first crawl from `/` reaches every page within ⌈log₁₀₀ N⌉ hops, 2 for 5,150
//! pages), to "related" articles drawn from a generator seeded by `i` until it has 136 distinct
//! pages, and to 4 share links on a `.invalid` host, which a host-scoped crawl counts but never
//! follows. Some related links carry a `utm_source` parameter or a `#comments` fragment, as real
//! news sites do; they still name distinct pages. The same `--pages` always gives byte-identical
//! pages, so runs are comparable.
//!
//! Serving: one thread per connection (64 KiB stacks), HTTP/1.1 keep-alive, `Content-Length`
//! bodies, GET and HEAD. The first line on standard output is `listening on ADDR:PORT`; nothing is
//! printed per request. The server runs until it is killed.
//!
//! Why a second HTTP server beside the tests' (`tests/it/common/server.rs`): this one is a benchmark
//! target, so it must be a binary (run by `bench/run.sh`, next to nginx and beside other crawlers,
//! in its own process so its CPU is not trawl's) built with optimizations and kept lean (no log,
//! fixed pages, a thread per connection on a small stack). The test server lives inside the test
//! crate, where a binary cannot, and does what a benchmark must not pay for: scripted misbehaviour
//! and a log of every request. It is built only with `--features bench` (Cargo.toml), so
//! `cargo install --path .` installs `trawl` alone.

use clap::Parser;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Stack of each connection thread: the request and the page live on the heap.
const CONNECTION_STACK: usize = 64 * 1024;
/// A connection idle this long between requests is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest request line or header line accepted, and most header bytes in all.
const MAX_LINE: u64 = 8 * 1024;
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Links to home and the section fronts at the top of every page.
const SECTIONS: usize = 20;
/// Children per page in the tree that makes every page reachable.
const CHILDREN: usize = 100;
/// Distinct pages of the site that every page links to (when the site has that many).
const SITE_LINKS: usize = 136;
/// Links to an off-site host on every page.
const SHARE_LINKS: usize = 4;
/// Page bodies are `BODY_MIN .. BODY_MIN + BODY_SPREAD` bytes (43 KB on average).
const BODY_MIN: usize = 39_000;
const BODY_SPREAD: u64 = 8_000;

/// A synthetic news site on loopback that delays every response (for crawl benchmarks).
#[derive(Debug, Parser)]
#[command(name = "trawl-latency-server", version)]
struct Args {
    /// Port to listen on; 0 picks a free one (read it from the first line of standard output).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Number of pages of the site (page 0 is `/`).
    #[arg(long, default_value_t = 5_150)]
    pages: usize,
    /// Milliseconds to hold every response before sending it.
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// Most connections served at once; more are answered 503 and closed.
    #[arg(long, default_value_t = 4_096)]
    max_connections: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("trawl-latency-server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> io::Result<()> {
    if args.pages == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "--pages must be at least 1",
        ));
    }
    let listener = TcpListener::bind(SocketAddr::new(args.bind, args.port))?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);

    let site = Arc::new(Site::new(args.pages));
    let latency = Duration::from_millis(args.latency_ms);
    let active = Arc::new(AtomicUsize::new(0));
    let mut complaints = Complaints::default();
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                // Out of descriptors and the like: wait a little rather than spin.
                complaints.report(&format!("accept: {err}"));
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let guard = ActiveGuard::enter(&active);
        if guard.count > args.max_connections {
            let _ = refuse(stream);
            continue;
        }
        let site = Arc::clone(&site);
        let spawned = thread::Builder::new()
            .name("connection".into())
            .stack_size(CONNECTION_STACK)
            .spawn(move || {
                let _guard = guard;
                // A connection's I/O errors (reset, timeout) end that connection only.
                let _ = serve(stream, &site, latency);
            });
        if let Err(err) = spawned {
            complaints.report(&format!("cannot start a connection thread: {err}"));
        }
    }
    Ok(())
}

/// Counts the connections being served; decrements when dropped.
struct ActiveGuard {
    active: Arc<AtomicUsize>,
    count: usize,
}

impl ActiveGuard {
    fn enter(active: &Arc<AtomicUsize>) -> Self {
        let count = active.fetch_add(1, Ordering::Relaxed) + 1;
        ActiveGuard {
            active: Arc::clone(active),
            count,
        }
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Server-side troubles (not per request) on stderr, at most one line a second.
#[derive(Default)]
struct Complaints {
    last: Option<Instant>,
}

impl Complaints {
    fn report(&mut self, message: &str) {
        let now = Instant::now();
        if self
            .last
            .is_none_or(|last| now.duration_since(last) >= Duration::from_secs(1))
        {
            eprintln!("trawl-latency-server: {message}");
            self.last = Some(now);
        }
    }
}

/// Answer a connection over `--max-connections` at once, without a thread.
fn refuse(mut stream: TcpStream) -> io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(1)))?;
    let response = Response::new(503, "Service Unavailable", "text/plain; charset=utf-8")
        .header("Retry-After", "1")
        .body(b"too many connections\n".to_vec());
    stream.write_all(&response.encode(false, true))
}

/// Serve one connection: requests one after another until the client closes, asks to close, sends
/// something unparseable, or stays idle for [`IDLE_TIMEOUT`].
fn serve(stream: TcpStream, site: &Site, latency: Duration) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(IDLE_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let (response, head_only, keep_alive) = match read_request(&mut reader)? {
            None => return Ok(()),
            Some(Err(bad)) => (bad, false, false),
            Some(Ok(request)) => {
                let response = match request.method.as_str() {
                    "GET" | "HEAD" => site.respond(&request.target),
                    _ => Response::new(405, "Method Not Allowed", "text/plain; charset=utf-8")
                        .header("Allow", "GET, HEAD")
                        .body(b"only GET and HEAD\n".to_vec()),
                };
                (response, request.method == "HEAD", request.keep_alive)
            }
        };
        if !latency.is_zero() {
            thread::sleep(latency);
        }
        writer.write_all(&response.encode(head_only, !keep_alive))?;
        if !keep_alive {
            return Ok(());
        }
    }
}

/// What the server needs of a request.
struct Request {
    method: String,
    target: String,
    keep_alive: bool,
}

/// Read one request head (and skip its body). `None` at a clean end of the connection; an error
/// response for a request that cannot be served.
fn read_request(
    reader: &mut BufReader<TcpStream>,
) -> io::Result<Option<Result<Request, Response>>> {
    let bad = |why: &str| {
        Response::new(400, "Bad Request", "text/plain; charset=utf-8")
            .body(format!("{why}\n").into_bytes())
    };
    let mut line = String::new();
    // RFC 9112 2.2: ignore empty lines before the request line.
    loop {
        line.clear();
        match read_line(reader, &mut line)? {
            None => return Ok(None),
            Some(false) => return Ok(Some(Err(bad("request line too long")))),
            Some(true) if line.trim().is_empty() => continue,
            Some(true) => break,
        }
    }
    let mut parts = line.split_ascii_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(Some(Err(bad("malformed request line"))));
    };
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Ok(Some(Err(bad("unsupported HTTP version")))),
    };
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        keep_alive: http11,
    };

    let mut header_bytes = 0;
    let mut content_length: u64 = 0;
    loop {
        line.clear();
        match read_line(reader, &mut line)? {
            None => return Ok(None),
            Some(false) => return Ok(Some(Err(bad("header line too long")))),
            Some(true) => {}
        }
        header_bytes += line.len();
        if header_bytes > MAX_HEADER_BYTES {
            return Ok(Some(Err(bad("request head too large"))));
        }
        let field = line.trim_end_matches(['\r', '\n']);
        if field.is_empty() {
            break;
        }
        let Some((name, value)) = field.split_once(':') else {
            return Ok(Some(Err(bad("malformed header line"))));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            for option in value.split(',').map(str::trim) {
                if option.eq_ignore_ascii_case("close") {
                    request.keep_alive = false;
                } else if option.eq_ignore_ascii_case("keep-alive") && !http11 {
                    request.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            match value.parse() {
                Ok(length) => content_length = length,
                Err(_) => return Ok(Some(Err(bad("malformed Content-Length")))),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Ok(Some(Err(bad("request bodies must have a Content-Length"))));
        }
    }
    if content_length > 0 {
        let skipped = io::copy(&mut reader.by_ref().take(content_length), &mut io::sink())?;
        if skipped < content_length {
            return Ok(None);
        }
    }
    Ok(Some(Ok(request)))
}

/// Read one line of at most [`MAX_LINE`] bytes into `line`: `None` at the end of the stream before
/// any byte, `Some(false)` when the line is too long (or not UTF-8), `Some(true)` otherwise.
fn read_line(reader: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<Option<bool>> {
    let mut bytes = Vec::new();
    let read = reader
        .by_ref()
        .take(MAX_LINE)
        .read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    if !bytes.ends_with(b"\n") {
        // Too long, or the peer closed in the middle of a line: either way this connection ends.
        return Ok(if (read as u64) < MAX_LINE {
            None
        } else {
            Some(false)
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            line.push_str(&text);
            Ok(Some(true))
        }
        Err(_) => Ok(Some(false)),
    }
}

/// A response before encoding.
struct Response {
    status: u16,
    reason: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, reason: &'static str, content_type: &str) -> Self {
        Response {
            status,
            reason,
            headers: vec![("Content-Type", content_type.to_owned())],
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The bytes on the wire: one buffer, so one write (and one segment train) per response.
    fn encode(&self, head_only: bool, close: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nServer: trawl-latency-server\r\nContent-Length: {}\r\n",
            self.status,
            self.reason,
            self.body.len()
        );
        for (name, value) in &self.headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.push_str(if close {
            "Connection: close\r\n\r\n"
        } else {
            "Connection: keep-alive\r\n\r\n"
        });
        let mut bytes = Vec::with_capacity(head.len() + self.body.len());
        bytes.extend_from_slice(head.as_bytes());
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// The site: its size, and the headlines and paragraphs that pages are made of (computed once, so
/// that a request costs little CPU on the cores the crawler under test shares).
struct Site {
    pages: usize,
    headlines: Vec<String>,
    paragraphs: Vec<String>,
}

const HTML: &str = "text/html; charset=utf-8";

impl Site {
    fn new(pages: usize) -> Self {
        let mut rng = SplitMix64(0x7472_6177_6c21);
        let paragraphs = (0..128).map(|_| paragraph(&mut rng)).collect();
        let headlines = (0..pages).map(headline).collect();
        Site {
            pages,
            headlines,
            paragraphs,
        }
    }

    fn respond(&self, target: &str) -> Response {
        let path = target.split(['?', '#']).next().unwrap_or(target);
        if path == "/robots.txt" {
            return Response::new(200, "OK", "text/plain; charset=utf-8")
                .body(b"User-agent: *\nAllow: /\n".to_vec());
        }
        match self.page_number(path) {
            Some(page) => Response::new(200, "OK", HTML).body(self.page(page).into_bytes()),
            None => Response::new(404, "Not Found", HTML).body(
                b"<!DOCTYPE html>\n<html><head><title>Not found | Loopback News</title></head>\
                  <body><p>No such page. <a href=\"/\">Home</a></p></body></html>\n"
                    .to_vec(),
            ),
        }
    }

    /// The page a path names: `/` is 0, `/article/i` is `i` for `0 < i < pages` (no leading zeros).
    fn page_number(&self, path: &str) -> Option<usize> {
        if path == "/" {
            return Some(0);
        }
        let digits = path.strip_prefix("/article/")?;
        if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let page: usize = digits.parse().ok()?;
        (page < self.pages).then_some(page)
    }

    /// The distinct pages that page `i` links to, in the order they appear: home and the sections,
    /// the children, then related articles.
    fn links(&self, i: usize) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
        let want = SITE_LINKS.min(self.pages);
        let mut all: Vec<usize> = Vec::with_capacity(want);
        let add = |list: &mut Vec<usize>, all: &mut Vec<usize>, page: usize| {
            if page < self.pages && all.len() < want && !all.contains(&page) {
                all.push(page);
                list.push(page);
            }
        };
        let (mut sections, mut children, mut related) = (Vec::new(), Vec::new(), Vec::new());
        for page in 0..SECTIONS {
            add(&mut sections, &mut all, page);
        }
        for page in (1..=CHILDREN).map(|k| i.saturating_mul(CHILDREN).saturating_add(k)) {
            add(&mut children, &mut all, page);
        }
        let mut rng = SplitMix64(i as u64 ^ 0x5eed);
        while all.len() < want {
            add(
                &mut related,
                &mut all,
                rng.below(self.pages as u64) as usize,
            );
        }
        (sections, children, related)
    }

    /// The HTML of page `i`.
    fn page(&self, i: usize) -> String {
        let mut rng = SplitMix64(i as u64);
        let target = BODY_MIN + rng.below(BODY_SPREAD) as usize;
        let (sections, children, related) = self.links(i);
        let title = &self.headlines[i];
        let mut html = String::with_capacity(target + 4_096);
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} | Loopback News</title>\n\
             <link rel=\"stylesheet\" href=\"/static/site.css\">\n\
             <style>body{{font:16px/1.5 Georgia,serif;max-width:46em;margin:auto}}\
             nav a{{margin-right:.6em}}.related li{{margin:.2em 0}}</style>\n\
             <script>window.dataLayer=window.dataLayer||[];\
             dataLayer.push({{\"page\":{i},\"section\":\"{}\"}});</script>\n\
             </head>\n<body>\n<header><a class=\"logo\" href=\"/\">Loopback News</a>\n<nav>",
            SECTION_NAMES[i % SECTION_NAMES.len()]
        );
        for &page in &sections {
            let name = SECTION_NAMES[page % SECTION_NAMES.len()];
            let _ = write!(html, "<a href=\"{}\">{name}</a> ", PagePath(page));
        }
        let _ = write!(
            html,
            "</nav></header>\n<main>\n<article>\n<h1>{title}</h1>\n\
             <p class=\"byline\">By {} &middot; <time>2026-11-{:02}</time></p>\n",
            headline_words(i ^ 0xb1, 2),
            1 + i % 28
        );
        let links_start = html.len();
        let mut lists = String::with_capacity(16 * 1024);
        lists.push_str("</article>\n<section class=\"related\"><h2>Related</h2>\n<ul>\n");
        for (n, &page) in related.iter().enumerate() {
            let decoration = match n % 10 {
                3 => "?utm_source=related&amp;utm_medium=web",
                7 => "#comments",
                _ => "",
            };
            let _ = writeln!(
                lists,
                "<li><a href=\"{}{decoration}\">{}</a></li>",
                PagePath(page),
                self.headlines[page]
            );
        }
        lists.push_str("</ul></section>\n<section class=\"more\"><h2>More stories</h2>\n<ul>\n");
        for &page in &children {
            let _ = writeln!(
                lists,
                "<li><a href=\"{}\">{}</a></li>",
                PagePath(page),
                self.headlines[page]
            );
        }
        lists.push_str("</ul></section>\n</main>\n<footer><p>Share:");
        for n in 0..SHARE_LINKS {
            let _ = write!(
                lists,
                " <a href=\"https://share{n}.example.invalid/?u=%2Farticle%2F{i}\">network {n}</a>"
            );
        }
        lists.push_str("</p><p>&copy; 2026 Loopback News</p></footer>\n</body>\n</html>\n");

        // Article text between the byline and the lists, up to the target size.
        let room = target.saturating_sub(links_start + lists.len());
        while html.len() - links_start < room {
            let paragraph = &self.paragraphs[rng.below(self.paragraphs.len() as u64) as usize];
            html.push_str(paragraph);
        }
        html.push_str(&lists);
        html
    }
}

/// The path of a page, written without an allocation.
struct PagePath(usize);

impl std::fmt::Display for PagePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            0 => f.write_str("/"),
            page => write!(f, "/article/{page}"),
        }
    }
}

/// The headline of page `i` (its title, and the text of every link to it).
fn headline(i: usize) -> String {
    if i == 0 {
        return "Front page".to_owned();
    }
    let mut words = headline_words(i, 5 + i % 5);
    if i.is_multiple_of(13) {
        words.push_str(" &amp; more");
    }
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

fn headline_words(seed: usize, count: usize) -> String {
    let mut rng = SplitMix64(seed as u64 ^ 0x4ead);
    let mut words = String::new();
    for n in 0..count {
        if n > 0 {
            words.push(' ');
        }
        words.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    words
}

/// One paragraph of article text, 300 to 900 bytes.
fn paragraph(rng: &mut SplitMix64) -> String {
    let length = 300 + rng.below(600) as usize;
    let mut text = String::from("<p>");
    let mut sentence_start = true;
    while text.len() < length {
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        if sentence_start {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
            sentence_start = false;
        } else {
            text.push(' ');
            match rng.below(40) {
                0 => {
                    let _ = write!(text, "<em>{word}</em>");
                }
                1 => {
                    let _ = write!(text, "<strong>{word}</strong>");
                }
                _ => text.push_str(word),
            }
        }
        match rng.below(14) {
            0 => {
                text.push('.');
                text.push(' ');
                sentence_start = true;
            }
            1 => text.push(','),
            _ => {}
        }
    }
    text.push_str(".</p>\n");
    text
}

/// A small, fast, deterministic generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0; the modulo bias is irrelevant here).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

const SECTION_NAMES: [&str; 20] = [
    "Home",
    "World",
    "Politics",
    "Business",
    "Markets",
    "Technology",
    "Science",
    "Health",
    "Climate",
    "Sport",
    "Culture",
    "Books",
    "Travel",
    "Food",
    "Opinion",
    "Local",
    "Education",
    "Media",
    "Weather",
    "Obituaries",
];

const WORDS: [&str; 96] = [
    "government",
    "minister",
    "council",
    "report",
    "market",
    "shares",
    "inflation",
    "election",
    "voters",
    "city",
    "river",
    "storm",
    "season",
    "league",
    "coach",
    "players",
    "scientists",
    "study",
    "patients",
    "hospital",
    "school",
    "teachers",
    "budget",
    "tax",
    "energy",
    "prices",
    "railway",
    "airport",
    "police",
    "court",
    "judge",
    "ruling",
    "company",
    "workers",
    "union",
    "strike",
    "talks",
    "agreement",
    "border",
    "summit",
    "leaders",
    "festival",
    "museum",
    "film",
    "novel",
    "music",
    "record",
    "warning",
    "forecast",
    "drought",
    "harvest",
    "farmers",
    "bank",
    "rates",
    "housing",
    "rents",
    "mayor",
    "plan",
    "new",
    "old",
    "local",
    "national",
    "early",
    "late",
    "record-breaking",
    "quiet",
    "sudden",
    "long-awaited",
    "controversial",
    "historic",
    "says",
    "announces",
    "rejects",
    "approves",
    "delays",
    "opens",
    "closes",
    "wins",
    "loses",
    "faces",
    "after",
    "before",
    "during",
    "despite",
    "amid",
    "over",
    "with",
    "without",
    "the",
    "a",
    "of",
    "in",
    "for",
    "to",
    "and",
    "on",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn paths_name_pages() {
        let site = Site::new(5_150);
        assert_eq!(site.page_number("/"), Some(0));
        assert_eq!(site.page_number("/article/1"), Some(1));
        assert_eq!(site.page_number("/article/5149"), Some(5_149));
        for bad in [
            "/article/5150",
            "/article/01",
            "/article/",
            "/article/1x",
            "/x",
            "",
        ] {
            assert_eq!(site.page_number(bad), None, "{bad:?}");
        }
        assert_eq!(site.respond("/article/7?utm_source=x").status, 200);
        assert_eq!(
            site.respond("/robots.txt").body,
            b"User-agent: *\nAllow: /\n"
        );
        assert_eq!(site.respond("/nope").status, 404);
    }

    #[test]
    fn every_page_has_140_links_and_is_reached_within_two_hops() {
        let site = Site::new(5_150);
        let mut depth = vec![u32::MAX; site.pages];
        depth[0] = 0;
        let mut queue = std::collections::VecDeque::from([0]);
        while let Some(page) = queue.pop_front() {
            let (sections, children, related) = site.links(page);
            let all: HashSet<usize> = sections
                .iter()
                .chain(&children)
                .chain(&related)
                .copied()
                .collect();
            assert_eq!(all.len() + SHARE_LINKS, 140, "page {page}");
            for next in all {
                if depth[next] == u32::MAX {
                    depth[next] = depth[page] + 1;
                    queue.push_back(next);
                }
            }
        }
        assert!(depth.iter().all(|&d| d <= 2), "all pages within 2 hops");
    }

    #[test]
    fn pages_are_deterministic_and_about_43_kb() {
        let (one, two) = (Site::new(5_150), Site::new(5_150));
        let mut total = 0;
        for page in (0..5_150).step_by(37) {
            let html = one.page(page);
            assert_eq!(html, two.page(page));
            assert!(
                (39_000..48_000).contains(&html.len()),
                "page {page}: {}",
                html.len()
            );
            // 140 links, and the logo (`<a class="logo" href="/">`) besides.
            assert_eq!(html.matches("<a href=").count(), 140, "page {page}");
            total += html.len();
        }
        let mean = total / 5_150usize.div_ceil(37);
        assert!((41_000..45_000).contains(&mean), "mean {mean}");
    }

    #[test]
    fn small_sites_link_every_page() {
        let site = Site::new(3);
        for page in 0..3 {
            let (sections, children, related) = site.links(page);
            assert_eq!(sections.len() + children.len() + related.len(), 3);
        }
    }

    /// One connection through `serve`: keep-alive GET, HEAD, a 404, then `Connection: close`.
    #[test]
    fn serves_keep_alive_requests_until_close() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            serve(stream, &Site::new(50), Duration::from_millis(5))
        });
        let mut client = TcpStream::connect(addr).expect("connect");
        client
            .write_all(
                b"GET /article/3 HTTP/1.1\r\nHost: x\r\n\r\n\
                  HEAD / HTTP/1.1\r\nHost: x\r\n\r\n\
                  GET /article/50 HTTP/1.1\r\nHost: x\r\n\r\n\
                  GET /robots.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .expect("write");
        let mut received = Vec::new();
        client
            .read_to_end(&mut received)
            .expect("read until the server closes");
        server.join().expect("server thread").expect("serve");

        let text = String::from_utf8(received).expect("UTF-8");
        let statuses: Vec<&str> = text
            .match_indices("HTTP/1.1 ")
            .map(|(at, _)| &text[at + 9..at + 12])
            .collect();
        assert_eq!(statuses, ["200", "200", "404", "200"]);
        let page = Site::new(50).page(3);
        assert!(text.starts_with(&format!(
            "HTTP/1.1 200 OK\r\nServer: trawl-latency-server\r\nContent-Length: {}\r\n\
             Content-Type: text/html; charset=utf-8\r\nConnection: keep-alive\r\n\r\n",
            page.len()
        )));
        assert!(text.contains(&page));
        assert!(text.ends_with("Connection: close\r\n\r\nUser-agent: *\nAllow: /\n"));
    }
}
