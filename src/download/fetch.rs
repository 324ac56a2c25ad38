//! The fetcher, the downloader room's HTTP client: one shared blocking `reqwest` client
//! (connection reuse, gzip/brotli/deflate), redirects followed by hand so each hop is checked
//! (the caller's [`HopCheck`]: scope, robots), a deadline on the whole fetch (connect to last body
//! byte, all hops), Content-Type checks and sniffing so non-HTML bodies are
//! never downloaded, and a cap on the decoded body size. It never parses HTML and never panics on
//! what a server sends; every failure becomes an [`ErrorClass`]. Cookies (the crawl's [`Jar`]) are
//! sent and kept hop by hop, since redirects are followed here: a response that sets a cookie
//! and redirects to its own URL (a consent wall) is requested again with the cookie. A redirect
//! loop is a request repeated within one page's fetch: the same URL with the same cookies.

use super::budget::{BodyBudget, Reservation};
use super::cookies::Jar;
use super::dns_guard::LookupError;
use super::failure::causes;
use crate::error::{CrawlError, ErrorClass};
use std::collections::HashSet;
use std::hash::Hasher;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// At most this many redirects are followed; the next one is `redirect_loop`.
pub const MAX_REDIRECTS: usize = 10;

/// What the fetcher needs to know.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_bytes: u64,
    /// Idle connections kept per host (the worker count is a good value).
    pub pool_per_host: usize,
    /// Refuse host names that resolve to private addresses (see `dns_guard`).
    pub block_private: bool,
    /// Most bytes of page bodies held at once by all workers (see [`BodyBudget`]).
    pub body_budget: u64,
    /// The most each connection's read buffer grows to (at least [`MIN_MAX_HEADER_BYTES`]):
    /// response heads up to this size are always read, a larger one may fail with `too_large`
    /// (hyper gives up on a head only when it is still incomplete once the buffer is full).
    pub max_header_bytes: u64,
    /// Headers added to every request (`--header`; values marked sensitive). An `Accept` here
    /// replaces trawl's own.
    pub headers: reqwest::header::HeaderMap,
    /// The crawl's cookies; `None` sends and keeps none (`--no-cookies`).
    pub cookies: Option<Arc<Jar>>,
    /// Certificate authorities trusted besides the public ones (`--ca-cert`), DER.
    pub root_certs: Vec<Vec<u8>>,
}

/// The least `--max-header-bytes` (hyper's smallest read buffer).
pub const MIN_MAX_HEADER_BYTES: u64 = 8192;

/// The outcome of fetching one URL (after redirects).
#[derive(Debug)]
pub struct Fetched {
    /// The URL of the final response (the URL requested if there was no redirect).
    pub final_url: Url,
    /// The final status; `None` when no response arrived.
    pub status: Option<u16>,
    /// The final response's Content-Type header.
    pub content_type: String,
    /// The final response's Content-Language header, if any (the `lang` column's fallback).
    pub content_language: Option<String>,
    /// The (decompressed) body when it is HTML, possibly cut at `max_bytes`.
    pub body: Option<Vec<u8>>,
    /// Body bytes received after decompression.
    pub bytes: u64,
    /// When the first request started.
    pub started: chrono::DateTime<chrono::Utc>,
    /// From the first request's start to the end of the last body read.
    pub elapsed: Duration,
    /// Why the fetch failed, if it did.
    pub error: Option<ErrorClass>,
    /// The failure in words when no response came (`TLS: certificate has expired`), for the
    /// log and the summary (see `failure`).
    pub cause: Option<String>,
    /// The final response's `Retry-After`, as a wait from now (seconds or an HTTP date).
    pub retry_after: Option<Duration>,
    /// The final response's `ETag`.
    pub etag: Option<String>,
    /// The final response's `Last-Modified`.
    pub last_modified: Option<String>,
    /// The body's share of the body budget: keep it until the body is dropped.
    pub reservation: Option<Reservation>,
    /// A redirect target the hop check handed back (see [`Hop::HandBack`]); `final_url` and
    /// `status` are then those of the redirecting response.
    pub handed_back: Option<Url>,
    /// Redirects followed (including the ones before `prior_hops` of a continued fetch).
    pub hops: usize,
    /// The requests made for this page so far ([`request_key`]), earlier hops included.
    pub seen: Vec<u64>,
    /// The final response's `X-Robots-Tag` values (see `robots::meta::header_nofollow`).
    pub robots_tags: Vec<String>,
}

/// Validators for a conditional GET: one type with the state and the ledger, kept in `record`.
pub use crate::record::Validators;

/// What kind of body a fetch wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A page: only HTML bodies are downloaded (capped at `max_bytes`).
    Html,
    /// A resource of any type (robots.txt, sitemaps, feeds), capped at the given size.
    Any(u64),
}

/// The shared HTTP client and its limits. Cheap to share by reference across workers.
pub struct Fetcher {
    client: reqwest::blocking::Client,
    config: FetchConfig,
    budget: BodyBudget,
}

/// What to do with a redirect to a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    /// Request it now.
    Follow,
    /// Do not: the fetch ends with this error class (e.g. `OffScope`).
    Refuse(ErrorClass),
    /// Do not request it here: the fetch ends without an error and names it in
    /// [`Fetched::handed_back`], for the caller to request later (another origin's robots.txt or
    /// spacing comes first, or the crawl is stopping).
    HandBack,
}

/// Decides each redirect hop of a fetch.
pub type HopCheck<'a> = &'a (dyn Fn(&Url) -> Hop + Sync);

impl Fetcher {
    /// Build the shared client. Proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) are honoured.
    pub fn new(config: FetchConfig) -> Result<Fetcher, CrawlError> {
        // Always trawl's resolver: its errors are typed (classify), and it refuses private
        // addresses when asked.
        let resolver = super::dns_guard::GuardedResolver {
            block_private: config.block_private,
        };
        let mut builder = reqwest::blocking::Client::builder();
        for der in &config.root_certs {
            let cert = reqwest::Certificate::from_der(der).map_err(CrawlError::Client)?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .default_headers(config.headers.clone())
            .dns_resolver(std::sync::Arc::new(resolver))
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_max_idle_per_host(config.pool_per_host.max(1))
            .tcp_nodelay(true)
            .http1_max_buf_size(
                usize::try_from(config.max_header_bytes.max(MIN_MAX_HEADER_BYTES))
                    .unwrap_or(usize::MAX),
            )
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(CrawlError::Client)?;
        let budget = BodyBudget::new(config.body_budget);
        Ok(Fetcher {
            client,
            config,
            budget,
        })
    }

    /// Bytes of bodies reserved now, and the most ever reserved at once.
    pub fn body_usage(&self) -> (u64, u64) {
        self.budget.usage()
    }

    /// Fetch any resource (robots.txt, a sitemap, a feed) up to `max` bytes, each redirect hop
    /// decided by `hop_ok`.
    pub fn fetch_resource_with(&self, url: &Url, max: u64, hop_ok: HopCheck<'_>) -> Fetched {
        self.fetch_with(url, hop_ok, Want::Any(max), None)
    }

    /// The general fetch: what body is wanted, and validators for a conditional GET.
    pub fn fetch_with(
        &self,
        url: &Url,
        hop_ok: HopCheck<'_>,
        want: Want,
        validators: Option<&Validators>,
    ) -> Fetched {
        self.fetch_from(url, hop_ok, want, validators, (0, &[]))
    }

    /// [`Fetcher::fetch_with`] for a fetch that already followed `prior.0` redirects before it
    /// was handed back (they count towards [`MAX_REDIRECTS`]) and made the requests `prior.1`
    /// ([`Fetched::seen`]; repeating one is a loop).
    pub fn fetch_from(
        &self,
        url: &Url,
        hop_ok: HopCheck<'_>,
        want: Want,
        validators: Option<&Validators>,
        prior: (usize, &[u64]),
    ) -> Fetched {
        let (prior_hops, prior_seen) = prior;
        let start = Instant::now();
        let deadline = start + self.config.timeout;
        let mut out = Fetched {
            final_url: url.clone(),
            status: None,
            content_type: String::new(),
            content_language: None,
            body: None,
            bytes: 0,
            started: chrono::Utc::now(),
            elapsed: Duration::ZERO,
            error: None,
            cause: None,
            retry_after: None,
            etag: None,
            last_modified: None,
            reservation: None,
            handed_back: None,
            hops: prior_hops,
            seen: Vec::new(),
            robots_tags: Vec::new(),
        };
        // Every request of this page's fetch, earlier hops included: the same URL asked again
        // with the same cookies would get the same answer, so a redirect to it is a loop. (A
        // consent wall's redirect to its own URL after setting a cookie is not.)
        let mut visited: HashSet<u64> = prior_seen.iter().copied().collect();
        let mut current = url.clone();
        let mut cookie = self.cookie_header(&current);
        loop {
            visited.insert(request_key(&current, cookie.as_deref()));
            out.final_url = current.clone();
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                out.error = Some(ErrorClass::Timeout);
                break;
            }
            let mut req = self.client.get(current.clone()).timeout(remaining);
            if !self.config.headers.contains_key(reqwest::header::ACCEPT) {
                req = req.header(reqwest::header::ACCEPT, ACCEPT);
            }
            if let Some(value) = cookie
                .as_deref()
                .and_then(|c| reqwest::header::HeaderValue::from_str(c).ok())
            {
                let mut value = value;
                value.set_sensitive(true);
                req = req.header(reqwest::header::COOKIE, value);
            }
            if let Some(v) = validators {
                if let Some(etag) = &v.etag {
                    req = req.header(reqwest::header::IF_NONE_MATCH, etag.as_str());
                }
                if let Some(lm) = &v.last_modified {
                    req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm.as_str());
                }
            }
            let resp = req.send();
            let mut resp = match resp {
                Ok(r) => r,
                Err(e) => {
                    let class = classify(&e);
                    out.error = Some(class);
                    out.cause = Some(super::failure::describe(&e, class));
                    break;
                }
            };
            let status = resp.status().as_u16();
            out.status = Some(status);
            if let Some(jar) = &self.config.cookies {
                let set = resp.headers().get_all(reqwest::header::SET_COOKIE);
                jar.store(&current, set.iter().map(|v| v.as_bytes()));
            }
            out.robots_tags = resp
                .headers()
                .get_all("x-robots-tag")
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            let header = |name: reqwest::header::HeaderName| {
                resp.headers()
                    .get(name)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            };
            out.content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
            out.content_language =
                header(reqwest::header::CONTENT_LANGUAGE).filter(|v| !v.is_empty());
            out.etag = header(reqwest::header::ETAG).filter(|v| !v.is_empty());
            out.last_modified = header(reqwest::header::LAST_MODIFIED).filter(|v| !v.is_empty());
            out.retry_after =
                header(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
                    .and_then(|loc| current.join(loc.trim()).ok());
                if let Some(mut next) = location {
                    next.set_fragment(None);
                    let next_cookie = self.cookie_header(&next);
                    let repeated = visited.contains(&request_key(&next, next_cookie.as_deref()));
                    if repeated || out.hops >= MAX_REDIRECTS {
                        out.error = Some(ErrorClass::RedirectLoop);
                        break;
                    }
                    if !crate::url_norm::is_http(&next) {
                        out.error = Some(ErrorClass::OffScope);
                        break;
                    }
                    match hop_ok(&next) {
                        Hop::Follow => {}
                        Hop::Refuse(err) => {
                            out.error = Some(err);
                            break;
                        }
                        Hop::HandBack => {
                            out.handed_back = Some(next);
                            break;
                        }
                    }
                    out.hops += 1;
                    current = next;
                    cookie = next_cookie;
                    continue;
                }
                // A redirect without a usable Location is the final response.
            }
            if status == 304 {
                // Not modified: no body, nothing to parse.
                break;
            }
            match want {
                Want::Html => self.read_body(&mut resp, &mut out, deadline),
                Want::Any(max) => read_capped(&mut resp, max, &mut out),
            }
            if status >= 400 && matches!(out.error, None | Some(ErrorClass::NotHtml)) {
                out.error = Some(ErrorClass::Http);
            }
            break;
        }
        out.elapsed = start.elapsed();
        out.seen = visited.into_iter().collect();
        out
    }

    /// The `Cookie` header a request to `url` carries now.
    fn cookie_header(&self, url: &Url) -> Option<String> {
        self.config.cookies.as_ref()?.header_for(url)
    }

    /// Read the body of the final response if it is HTML, up to `max_bytes`.
    fn read_body(
        &self,
        resp: &mut reqwest::blocking::Response,
        out: &mut Fetched,
        deadline: Instant,
    ) {
        let max = self.config.max_bytes;
        let mut head = [0u8; SNIFF_LEN];
        let mut head_len = 0;
        let ct = out.content_type.trim();
        if ct.is_empty() || is_unknown_type(ct) {
            // No Content-Type, or one that says it does not know: sniff the first bytes as
            // browsers do.
            head_len = match read_full(resp, &mut head) {
                Ok(n) => n,
                Err(e) => {
                    out.error = Some(classify_io(&e));
                    return;
                }
            };
            out.bytes = head_len as u64;
            if !sniff_html(&head[..head_len]) {
                out.error = Some(ErrorClass::NotHtml);
                return;
            }
        } else if !is_html_type(ct) {
            out.error = Some(ErrorClass::NotHtml);
            return;
        }
        // Room for exactly the declared length (read_to_end then probes for the end without
        // growing), never more than the cap: doubling a large body's buffer as it grows would
        // keep up to twice its size live, with many workers reading large pages at once.
        let declared = resp.content_length().unwrap_or(0);
        let guess = if declared > 0 {
            declared
        } else {
            UNKNOWN_LENGTH_GUESS
        };
        let capacity = guess
            .max(head_len as u64)
            .clamp(8 * 1024, max.max(8 * 1024));
        // Wait for room in the budget for at most half the time left, so that waiting cannot
        // make the page time out.
        let now = Instant::now();
        let wait_until = now + deadline.saturating_duration_since(now) / 2;
        let reservation = out
            .reservation
            .insert(self.budget.reserve(capacity, wait_until));
        let mut body = Vec::with_capacity(capacity as usize);
        body.extend_from_slice(&head[..head_len.min(max as usize)]);
        if head_len as u64 > max {
            out.error = Some(ErrorClass::TooLarge);
        } else {
            let result = read_within(resp, &mut body, max);
            out.bytes = body.len() as u64;
            match result {
                Err(e) => out.error = Some(classify_io(&e)),
                Ok(true) => out.error = Some(ErrorClass::TooLarge),
                Ok(false) => {}
            }
        }
        // The buffer never grew past `max` (see `read_within`): what is held is at most that.
        reservation.resize(body.capacity() as u64);
        out.body = Some(body);
    }
}

/// Read `r` to its end into `body`, whose capacity never passes `max` (nor grows at all when the
/// body fits the room it has: the end is found with a one-byte probe before any growth). True
/// when there was more than `max`, which is left unread. `read_to_end` on a full buffer would
/// double it: a page of exactly its declared length, or one cut at `max`, then held twice its
/// size (with the defaults, 16 MiB for an 8 MiB `--body-memory`).
fn read_within(r: &mut impl Read, body: &mut Vec<u8>, max: u64) -> std::io::Result<bool> {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    loop {
        let room = body.capacity().min(max).saturating_sub(body.len());
        if room > 0 {
            // `take(room)` ends at the capacity: `read_to_end` never grows the buffer then.
            let n = r.by_ref().take(room as u64).read_to_end(body)?;
            if n < room {
                return Ok(false);
            }
            continue;
        }
        let mut probe = [0u8; 1];
        let n = loop {
            match r.read(&mut probe) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            return Ok(false);
        }
        if body.len() >= max {
            return Ok(true);
        }
        let grown = body.capacity().max(8 * 1024).saturating_mul(2).min(max);
        body.reserve_exact(grown - body.len());
        body.push(probe[0]);
    }
}

/// One request of a page's fetch, as a number: its URL and the `Cookie` header it carries
/// (SipHash-1-3 with fixed keys, so every process of a shared crawl computes the same one).
pub fn request_key(url: &Url, cookie: Option<&str>) -> u64 {
    let mut h = siphasher::sip::SipHasher13::new_with_keys(0x7472_6177_6c00_0001, 0);
    h.write(url.as_str().as_bytes());
    h.write_u8(0xff);
    if let Some(c) = cookie {
        h.write(c.as_bytes());
    }
    h.finish()
}

/// What a body without a Content-Length reserves before it is read (then resized to its size).
const UNKNOWN_LENGTH_GUESS: u64 = 64 * 1024;

const ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5";

/// How many bytes the MIME sniffer looks at (WHATWG: 1445).
const SNIFF_LEN: usize = 1445;

/// Read a body of any type up to `max` bytes (more is cut with `too_large`).
fn read_capped(resp: &mut reqwest::blocking::Response, max: u64, out: &mut Fetched) {
    let mut body = Vec::new();
    let result = resp.by_ref().take(max + 1).read_to_end(&mut body);
    if let Err(e) = result {
        out.error = Some(classify_io(&e));
    } else if body.len() as u64 > max {
        body.truncate(max as usize);
        out.error = Some(ErrorClass::TooLarge);
    }
    out.bytes = body.len() as u64;
    out.body = Some(body);
}

/// `Retry-After`: delay-seconds or an HTTP date, as a wait from now.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Is this Content-Type one trawl parses?
pub fn is_html_type(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence.eq_ignore_ascii_case("text/html")
        || essence.eq_ignore_ascii_case("application/xhtml+xml")
}

/// A Content-Type that names no type: `unknown/unknown`, `application/unknown` or `*/*`, which
/// WHATWG MIME sniffing treats as no Content-Type at all (some servers send them for a file
/// whose extension they do not know). `application/octet-stream` is a type (a download), not
/// one of these.
fn is_unknown_type(content_type: &str) -> bool {
    let essence = essence(content_type);
    ["unknown/unknown", "application/unknown", "*/*"]
        .iter()
        .any(|t| essence.eq_ignore_ascii_case(t))
}

/// A Content-Type's MIME type without its parameters (`text/html; charset=utf-8` → `text/html`).
fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// WHATWG MIME sniffing, the HTML part: after optional whitespace (and a BOM), one of the
/// HTML signatures, followed by a space or `>`.
pub fn sniff_html(head: &[u8]) -> bool {
    let mut s = head;
    for bom in [&b"\xEF\xBB\xBF"[..], b"\xFE\xFF", b"\xFF\xFE"] {
        if let Some(rest) = s.strip_prefix(bom) {
            s = rest;
        }
    }
    let s = match s
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
    {
        Some(i) => &s[i..],
        None => return false,
    };
    const SIGS: [&[u8]; 17] = [
        b"<!DOCTYPE HTML",
        b"<HTML",
        b"<HEAD",
        b"<SCRIPT",
        b"<IFRAME",
        b"<H1",
        b"<DIV",
        b"<FONT",
        b"<TABLE",
        b"<A",
        b"<STYLE",
        b"<TITLE",
        b"<B",
        b"<BODY",
        b"<BR",
        b"<P",
        b"<!--",
    ];
    SIGS.iter().any(|sig| {
        s.len() > sig.len()
            && s[..sig.len()].eq_ignore_ascii_case(sig)
            && (*sig == b"<!--" || matches!(s[sig.len()], b' ' | b'>'))
    })
}

/// Read until `buf` is full or the body ends.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The row's error class for a failed request, decided by the types in its source chain (reqwest's
/// own kinds, hyper's, `io::ErrorKind`, rustls's and the resolver's errors), never by message text,
/// so a new reqwest cannot silently move a failure to another class.
pub fn classify(e: &reqwest::Error) -> ErrorClass {
    if e.is_timeout() || causes(e).any(is_timeout) {
        return ErrorClass::Timeout;
    }
    if let Some(lookup) = causes(e).find_map(|c| c.downcast_ref::<LookupError>()) {
        return match lookup {
            LookupError::Refused { .. } => ErrorClass::PrivateAddress,
            LookupError::Failed(_) | LookupError::Spawn(_) => ErrorClass::Dns,
        };
    }
    if causes(e).any(|c| c.is::<rustls::Error>()) {
        return ErrorClass::Tls;
    }
    if e.is_connect() {
        // A TCP connect fails with an error of the OS. The TLS layer's own failures during the
        // handshake (the peer closing it, a message that is not TLS) come as an end of stream or
        // invalid data instead.
        let last_io = causes(e)
            .filter_map(|c| c.downcast_ref::<std::io::Error>())
            .last();
        if last_io.is_some_and(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            )
        }) {
            return ErrorClass::Tls;
        }
        return ErrorClass::Connect;
    }
    let hyper = || causes(e).filter_map(|c| c.downcast_ref::<hyper::Error>());
    if hyper().any(|h| h.is_parse_too_large()) {
        // The response's header block did not fit in --max-header-bytes.
        return ErrorClass::TooLarge;
    }
    if e.is_body()
        || e.is_decode()
        || hyper().any(|h| h.is_incomplete_message() || h.is_closed() || h.is_canceled())
        || causes(e).any(is_broken_connection)
    {
        return ErrorClass::Truncated;
    }
    ErrorClass::Request
}

/// The row's error class for a failed body read.
fn classify_io(e: &std::io::Error) -> ErrorClass {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return ErrorClass::Timeout;
    }
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>()) {
        return match classify(inner) {
            ErrorClass::Timeout => ErrorClass::Timeout,
            _ => ErrorClass::Truncated,
        };
    }
    if causes(e).any(is_timeout) {
        return ErrorClass::Timeout;
    }
    ErrorClass::Truncated
}

/// A timeout at any layer: the OS's, hyper's, or reqwest's own (its timer).
fn is_timeout(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        || cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_timeout)
        || cause
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
}

/// The connection broke under the response: reset, aborted, or closed early.
fn is_broken_connection(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.downcast_ref::<std::io::Error>().is_some_and(|io| {
        matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body_len: usize, capacity: usize, max: u64) -> (Vec<u8>, bool) {
        let mut r = std::io::Cursor::new(vec![b'x'; body_len]);
        let mut body = Vec::with_capacity(capacity);
        let more = read_within(&mut r, &mut body, max).expect("read");
        (body, more)
    }

    #[test]
    fn a_body_is_read_without_its_buffer_ever_passing_max_bytes() {
        // Declared length exact: no growth at all.
        let (b, more) = read(100_000, 100_000, 1 << 20);
        assert_eq!((b.len(), b.capacity(), more), (100_000, 100_000, false));
        // Longer than max: cut at max, the buffer max (read_to_end made it twice max).
        let (b, more) = read(150_000, 100_000, 100_000);
        assert_eq!((b.len(), b.capacity(), more), (100_000, 100_000, true));
        // No length (a small guess): grows by doubling, never past max.
        let (b, more) = read(90_000, 8 * 1024, 100_000);
        assert_eq!((b.len(), more), (90_000, false));
        assert!(b.capacity() <= 100_000, "{}", b.capacity());
        let (b, more) = read(1 << 20, 8 * 1024, 100_000);
        assert_eq!((b.len(), b.capacity(), more), (100_000, 100_000, true));
        // A max below the smallest buffer: still cut at max.
        let (b, more) = read(500, 8 * 1024, 100);
        assert_eq!((b.len(), more), (100, true));
        let (b, more) = read(100, 8 * 1024, 100);
        assert_eq!((b.len(), more), (100, false));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        let got = parse_retry_after(&httpdate::fmt_http_date(later)).expect("date");
        assert!(
            got > Duration::from_secs(100) && got <= Duration::from_secs(120),
            "{got:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    /// The classes no integration test reaches (they need TLS or a name that does not resolve),
    /// decided from the error's types.
    #[test]
    fn tls_dns_and_connect_failures_are_classified_by_type() {
        let client = |block_private| {
            reqwest::blocking::Client::builder()
                .dns_resolver(std::sync::Arc::new(
                    crate::download::dns_guard::GuardedResolver { block_private },
                ))
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client")
        };
        let fail = |client: &reqwest::blocking::Client, url: &str| {
            classify(&client.get(url).send().expect_err(url))
        };
        // A plain HTTP server asked for https: it reads the ClientHello and answers in HTTP,
        // which is not TLS (the connection stays open meanwhile, so no reset races the answer).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let open = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            use std::io::Write;
            for mut stream in listener.incoming().take(1).flatten() {
                let _ = stream.read(&mut [0u8; 4096]);
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                std::thread::sleep(Duration::from_secs(2));
            }
        });
        assert_eq!(
            fail(&client(false), &format!("https://{open}/")),
            ErrorClass::Tls
        );
        // RFC 2606: .invalid never resolves.
        let no_name = "http://no-such-host.invalid/";
        assert_eq!(fail(&client(false), no_name), ErrorClass::Dns);
        // A port nobody listens on: refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        assert_eq!(
            fail(&client(false), &format!("http://{closed}/")),
            ErrorClass::Connect
        );
        assert_eq!(
            fail(
                &client(true),
                &format!("http://localhost:{}/", closed.port())
            ),
            ErrorClass::PrivateAddress
        );
    }

    #[test]
    fn html_types() {
        assert!(is_html_type("text/html; charset=utf-8"));
        assert!(is_html_type("Application/XHTML+XML"));
        assert!(!is_html_type("text/plain"));
        assert!(!is_html_type("application/json"));
        assert!(is_unknown_type("Unknown/Unknown; charset=utf-8"));
        assert!(is_unknown_type("application/unknown"));
        assert!(is_unknown_type("*/*"));
        assert!(!is_unknown_type("application/octet-stream"));
        assert!(!is_unknown_type("text/plain"));
    }

    #[test]
    fn sniffing_follows_the_html_signatures() {
        assert!(sniff_html(b"  \n<!doctype html><title>x</title>"));
        assert!(sniff_html(b"<html>"));
        assert!(sniff_html(b"\xEF\xBB\xBF<p>hi"));
        assert!(sniff_html(b"<!-- c --> text"));
        assert!(!sniff_html(b"%PDF-1.4"));
        assert!(!sniff_html(b"{\"a\": 1}"));
        assert!(!sniff_html(b"<html"));
        assert!(!sniff_html(b"<pre>"));
        assert!(!sniff_html(b""));
    }
}
