//! A small, std-only HTTP/1.1 server for integration tests.
//!
//! * [`TestServer::start`] / [`TestServer::start_on`] bind `127.0.0.x:0`, run an
//!   accept thread plus one thread per connection, and serve any number of
//!   keep-alive requests per connection (`Connection: close` is honoured).
//! * Every request is logged ([`LoggedRequest`]) and the peak number of
//!   requests being handled at once is tracked ([`TestServer::max_in_flight`]).
//! * [`Response`] is a builder with delivery modes for misbehaving servers:
//!   [`Response::delay`], [`Response::drip`], [`Response::stall_after`],
//!   [`Response::reset_after`], [`Response::chunked`] and generated bodies
//!   ([`Response::streamed`]) that are never held in memory.
//! * [`Site`] maps paths to responses and turns into a server.
//!
//! Every socket read/write has a timeout and every wait (delay, drip, stall)
//! is interruptible: dropping the server (or calling
//! [`TestServer::shutdown`]) stops accepting, closes all open connections and
//! wakes all waiting handlers, so no test can hang on it.
//!
//! Why a second HTTP server beside `src/bin/trawl-latency-server.rs`: this one
//! is the tests' instrument, std-only and in-process, so a test scripts each
//! response (closures, misbehaviour on purpose) and then asserts on the request
//! log and the peak in flight. The latency server is a benchmark target that
//! must be a lean, optimized binary in a process of its own, and a test crate
//! cannot hold a binary; neither does the other's job well.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long an idle keep-alive connection is kept open waiting for the next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Read/write timeout while a request is being read or a response written.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest time a [`Response::stall_after`] response holds its connection.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);
/// How long [`TestServer::shutdown`] waits for connection threads to wind down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// Write granularity for bodies.
const CHUNK: usize = 64 * 1024;
/// Maximum size of a request line or header line.
const MAX_LINE: usize = 64 * 1024;
/// Maximum number of request header lines.
const MAX_HEADERS: usize = 200;
/// Request bodies up to this size are kept in [`Request::body`]; the rest is skipped.
const MAX_KEPT_BODY: u64 = 16 * 1024 * 1024;

/// A request handler shared between connection threads.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync + 'static>;
/// A body generator: fill `buf` with the body bytes starting at `offset`.
pub type BodyGen = Arc<dyn Fn(u64, &mut [u8]) + Send + Sync + 'static>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------
// Requests and the request log
// ---------------------------------------------------------------------------

/// A parsed request, as passed to handlers.
#[derive(Debug, Clone)]
pub struct Request {
    /// Method as sent, e.g. `GET`.
    pub method: String,
    /// Request target including the query string, e.g. `/a/b?x=1`.
    pub path: String,
    /// Protocol version as sent, e.g. `HTTP/1.1`.
    pub version: String,
    /// Headers in order, names lowercased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The request body (only `Content-Length` bodies; truncated at 16 MiB).
    pub body: Vec<u8>,
    /// Client address.
    pub peer: SocketAddr,
    /// Server address the connection arrived on.
    pub local: SocketAddr,
    /// Per-server connection number (0, 1, 2, ... in accept order).
    pub conn_id: usize,
}

impl Request {
    /// First header value with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The path without the query string.
    pub fn path_only(&self) -> &str {
        split_query(&self.path).0
    }

    /// The query string (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        split_query(&self.path).1
    }
}

/// One entry of the server's request log.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    /// Request target including the query string.
    pub path: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// When the request line had been read.
    pub started: Instant,
    /// When the response was fully written or aborted (`None` while in flight).
    pub finished: Option<Instant>,
    /// Status code the handler chose (`None` until the handler returned).
    pub status: Option<u16>,
    /// Per-server connection number; equal ids mean the same TCP connection.
    pub conn_id: usize,
    /// Client address.
    pub peer: SocketAddr,
}

impl LoggedRequest {
    /// First header value with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `finished - started`, if finished.
    pub fn duration(&self) -> Option<Duration> {
        self.finished
            .map(|f| f.saturating_duration_since(self.started))
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn split_query(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum Body {
    Bytes(Arc<Vec<u8>>),
    Gen { len: u64, gen: BodyGen },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Gen { len, .. } => *len,
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) {
        match self {
            Body::Bytes(b) => {
                let start = offset as usize;
                buf.copy_from_slice(&b[start..start + buf.len()]);
            }
            Body::Gen { gen, .. } => gen(offset, buf),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cutoff {
    Stall(u64),
    Reset(u64),
}

/// A response builder. Cheap to clone (bodies are shared).
#[derive(Clone)]
pub struct Response {
    status: u16,
    reason: Option<String>,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Option<Duration>,
    drip: Option<(usize, Duration)>,
    cutoff: Option<Cutoff>,
    chunked: bool,
    close: bool,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("delay", &self.delay)
            .field("drip", &self.drip)
            .field("cutoff", &self.cutoff)
            .field("chunked", &self.chunked)
            .field("close", &self.close)
            .finish()
    }
}

impl Response {
    /// A response with this status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            reason: None,
            headers: Vec::new(),
            body: Body::Bytes(Arc::new(Vec::new())),
            delay: None,
            drip: None,
            cutoff: None,
            chunked: false,
            close: false,
        }
    }

    /// `200 OK`, `Content-Type: text/html; charset=utf-8`.
    pub fn html(body: impl Into<Vec<u8>>) -> Self {
        Response::new(200)
            .content_type("text/html; charset=utf-8")
            .body(body)
    }

    /// `200 OK`, `Content-Type: text/plain; charset=utf-8`.
    pub fn text(body: impl Into<Vec<u8>>) -> Self {
        Response::new(200)
            .content_type("text/plain; charset=utf-8")
            .body(body)
    }

    /// `404 Not Found` with a small HTML body.
    pub fn not_found() -> Self {
        Response::html(
            "<!doctype html><html><head><title>Not Found</title></head><body>404</body></html>",
        )
        .status(404)
    }

    /// A redirect (301/302/303/307/308) with a `Location` header.
    pub fn redirect(status: u16, location: &str) -> Self {
        Response::new(status)
            .header("Location", location)
            .content_type("text/html; charset=utf-8")
            .body(format!("<a href=\"{location}\">moved</a>"))
    }

    /// A body of `total_len` bytes produced on the fly: `gen(offset, buf)` must
    /// fill `buf` with the bytes at `offset..offset + buf.len()`. Written in
    /// 64 KiB pieces, so huge bodies never sit in memory.
    pub fn streamed(
        status: u16,
        content_type: &str,
        total_len: u64,
        gen: impl Fn(u64, &mut [u8]) + Send + Sync + 'static,
    ) -> Self {
        let mut r = Response::new(status).content_type(content_type);
        r.body = Body::Gen {
            len: total_len,
            gen: Arc::new(gen),
        };
        r
    }

    /// Change the status code.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Override the reason phrase (default: the standard one for the status).
    pub fn reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_string());
        self
    }

    /// Append a header (duplicates allowed, e.g. several `Set-Cookie`).
    ///
    /// A user-supplied `Content-Length` replaces the automatic one (so it may
    /// lie); a user-supplied `Connection: close` closes the connection after
    /// the response.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Remove all headers with this name (case-insensitive).
    pub fn remove_header(mut self, name: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }

    /// Set (replace) `Content-Type`.
    pub fn content_type(self, content_type: &str) -> Self {
        self.remove_header("content-type")
            .header("Content-Type", content_type)
    }

    /// Send no `Content-Type` header at all.
    pub fn no_content_type(self) -> Self {
        self.remove_header("content-type")
    }

    /// Replace the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Bytes(Arc::new(body.into()));
        self
    }

    /// Sleep this long before sending anything (interrupted by server shutdown).
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }

    /// Send headers at once (with `Content-Length`), then the body in pieces of
    /// `chunk_bytes`, waiting `every` before each piece. A body of `len`
    /// bytes therefore takes at least `ceil(len / chunk_bytes) * every`.
    pub fn drip(mut self, chunk_bytes: usize, every: Duration) -> Self {
        self.drip = Some((chunk_bytes.max(1), every));
        self
    }

    /// Send headers and the first `n` body bytes, then hold the connection
    /// open without finishing (until [`STALL_LIMIT`] or server shutdown), then
    /// close it.
    pub fn stall_after(mut self, n: u64) -> Self {
        self.cutoff = Some(Cutoff::Stall(n));
        self
    }

    /// Send headers and the first `n` body bytes, then close the socket
    /// abruptly (the announced `Content-Length` body is left truncated).
    pub fn reset_after(mut self, n: u64) -> Self {
        self.cutoff = Some(Cutoff::Reset(n));
        self
    }

    /// Use `Transfer-Encoding: chunked` instead of `Content-Length`.
    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }

    /// Send `Connection: close` and close the connection after this response.
    pub fn close(mut self) -> Self {
        self.close = true;
        self
    }

    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The full body length in bytes.
    pub fn body_len(&self) -> u64 {
        self.body.len()
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    fn wants_close(&self) -> bool {
        self.close
            || self
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("connection") && has_token(v, "close"))
    }
}

fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

struct Shared {
    handler: Handler,
    stopped: AtomicBool,
    stop: Mutex<bool>,
    stop_cv: Condvar,
    log: Mutex<Vec<LoggedRequest>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    next_conn: AtomicUsize,
    /// Clones of open connections, so shutdown can close them.
    conns: Mutex<HashMap<usize, TcpStream>>,
    /// Number of live connection threads.
    live: Mutex<usize>,
    live_cv: Condvar,
}

impl Shared {
    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Sleep for `d` unless the server stops first. Returns `true` if the full
    /// time elapsed, `false` if interrupted by shutdown.
    fn sleep(&self, d: Duration) -> bool {
        let guard = lock(&self.stop);
        let (guard, _) = self
            .stop_cv
            .wait_timeout_while(guard, d, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        !*guard
    }
}

/// Decrements the live-connection count and unregisters the connection.
struct LiveGuard<'a> {
    shared: &'a Shared,
    conn_id: usize,
}

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        lock(&self.shared.conns).remove(&self.conn_id);
        let mut live = lock(&self.shared.live);
        *live = live.saturating_sub(1);
        self.shared.live_cv.notify_all();
    }
}

/// Counts a request as in flight; on drop marks it finished.
struct InFlight<'a> {
    shared: &'a Shared,
    index: usize,
}

impl<'a> InFlight<'a> {
    fn new(shared: &'a Shared, index: usize) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight { shared, index }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(entry) = lock(&self.shared.log).get_mut(self.index) {
            entry.finished = Some(Instant::now());
        }
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running test server. Dropping it shuts it down.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl TestServer {
    /// Start a server on `127.0.0.1:<free port>`.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> TestServer {
        TestServer::start_on("127.0.0.1", handler)
    }

    /// Start a server on `<ip>:<free port>`, e.g. `"127.0.0.2"` (any
    /// 127.0.0.0/8 address works on Linux loopback). Panics if binding fails.
    pub fn start_on(
        ip: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind((ip, 0))
            .unwrap_or_else(|e| panic!("test server: cannot bind {ip}:0: {e}"));
        let addr = listener
            .local_addr()
            .expect("test server: listener has no local address");
        let shared = Arc::new(Shared {
            handler: Arc::new(handler),
            stopped: AtomicBool::new(false),
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            next_conn: AtomicUsize::new(0),
            conns: Mutex::new(HashMap::new()),
            live: Mutex::new(0),
            live_cv: Condvar::new(),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("test-server-accept-{addr}"))
            .spawn(move || accept_loop(listener, accept_shared))
            .expect("test server: cannot spawn accept thread");
        TestServer {
            addr,
            shared,
            accept_thread: Mutex::new(Some(accept_thread)),
        }
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `"127.0.0.1:PORT"` (host:port, no scheme).
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `"http://127.0.0.1:PORT"` (no trailing slash).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `"http://127.0.0.1:PORT/path"`; a missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{}", self.base(), path)
        } else {
            format!("{}/{}", self.base(), path)
        }
    }

    /// A snapshot of the request log, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Number of requests whose target (path + query) equals `path` exactly.
    pub fn count(&self, path: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Targets (path + query) of all requests, in arrival order.
    pub fn paths(&self) -> Vec<String> {
        lock(&self.shared.log)
            .iter()
            .map(|r| r.path.clone())
            .collect()
    }

    /// Total number of requests received.
    pub fn total_requests(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Forget all logged requests (does not reset `max_in_flight`).
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// Peak number of requests handled at once (request line read until
    /// response written or aborted).
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests being handled right now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// Number of TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.next_conn.load(Ordering::SeqCst)
    }

    /// Poll until `count(path) >= n` or `timeout` passes; returns whether it got there.
    pub fn wait_for_count(&self, path: &str, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.count(path) >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Poll until no request is in flight or `timeout` passes; returns whether
    /// the server went idle. A client can see the last response byte a moment
    /// before the server records `finished`, so call this before inspecting
    /// `finished` / `in_flight` right after a response.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.in_flight() == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Stop accepting, close every open connection, wake every delayed,
    /// dripping or stalled response, and wait (bounded) for connection
    /// threads to finish. Idempotent; also run on drop.
    pub fn shutdown(&self) {
        if self.shared.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        {
            let mut stop = lock(&self.shared.stop);
            *stop = true;
            self.shared.stop_cv.notify_all();
        }
        // Wake the blocking accept() with a connection to ourselves.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        for stream in lock(&self.shared.conns).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        if let Some(handle) = lock(&self.accept_thread).take() {
            if woke {
                let _ = handle.join();
            }
        }
        let live = lock(&self.shared.live);
        let _ = self
            .shared
            .live_cv
            .wait_timeout_while(live, SHUTDOWN_GRACE, |n| *n > 0);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let conn_id = {
                    let mut conns = lock(&shared.conns);
                    if shared.is_stopped() {
                        return;
                    }
                    let conn_id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
                    if let Ok(clone) = stream.try_clone() {
                        conns.insert(conn_id, clone);
                    }
                    *lock(&shared.live) += 1;
                    conn_id
                };
                let conn_shared = Arc::clone(&shared);
                let spawned = thread::Builder::new()
                    .name(format!("test-server-conn-{conn_id}"))
                    .spawn(move || serve_connection(&conn_shared, stream, conn_id));
                if spawned.is_err() {
                    // Undo the bookkeeping; the stream was moved into the failed
                    // closure and is dropped (closed) with it.
                    drop(LiveGuard {
                        shared: &shared,
                        conn_id,
                    });
                }
            }
            Err(_) => {
                if shared.is_stopped() {
                    return;
                }
                // Transient (e.g. EMFILE); back off briefly.
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Read one line (up to `\n`), bounded. `Ok(None)` on clean EOF.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "request line or header too long or truncated",
        ));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    peer: SocketAddr,
    local: SocketAddr,
    conn_id: usize,
) -> io::Result<Option<(Request, Instant)>> {
    reader.get_ref().set_read_timeout(Some(IDLE_TIMEOUT))?;
    // Tolerate a few stray empty lines between requests (RFC 9112 §2.2).
    let mut line = String::new();
    for _ in 0..8 {
        match read_line(reader)? {
            None => return Ok(None),
            Some(l) if l.trim().is_empty() => continue,
            Some(l) => {
                line = l;
                break;
            }
        }
    }
    if line.is_empty() {
        return Ok(None);
    }
    let started = Instant::now();
    reader.get_ref().set_read_timeout(Some(IO_TIMEOUT))?;

    let mut parts = line.split_whitespace();
    let (method, path, version) = match (parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(p), Some(v)) => (m.to_string(), p.to_string(), v.to_string()),
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("malformed request line: {line:?}"),
            ))
        }
    };

    let mut headers = Vec::new();
    loop {
        let Some(h) = read_line(reader)? else {
            return Ok(None);
        };
        if h.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "too many headers",
            ));
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }

    let mut body = Vec::new();
    if let Some(len) = find_header(&headers, "content-length") {
        let len: u64 = len
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?;
        let keep = len.min(MAX_KEPT_BODY);
        reader.by_ref().take(keep).read_to_end(&mut body)?;
        let skipped = io::copy(&mut reader.by_ref().take(len - keep), &mut io::sink())?;
        if body.len() as u64 + skipped != len {
            return Ok(None);
        }
    }

    Ok(Some((
        Request {
            method,
            path,
            version,
            headers,
            body,
            peer,
            local,
            conn_id,
        },
        started,
    )))
}

fn serve_connection(shared: &Shared, stream: TcpStream, conn_id: usize) {
    let _live = LiveGuard { shared, conn_id };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let (Ok(peer), Ok(local), Ok(read_half)) =
        (stream.peer_addr(), stream.local_addr(), stream.try_clone())
    else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;

    while !shared.is_stopped() {
        let Ok(Some((req, started))) = read_request(&mut reader, peer, local, conn_id) else {
            break;
        };

        let index = {
            let mut log = lock(&shared.log);
            log.push(LoggedRequest {
                method: req.method.clone(),
                path: req.path.clone(),
                headers: req.headers.clone(),
                started,
                finished: None,
                status: None,
                conn_id,
                peer,
            });
            log.len() - 1
        };
        let in_flight = InFlight::new(shared, index);

        let resp = catch_unwind(AssertUnwindSafe(|| (shared.handler)(&req)))
            .unwrap_or_else(|_| Response::text("test server: handler panicked").status(500));
        if let Some(entry) = lock(&shared.log).get_mut(index) {
            entry.status = Some(resp.status);
        }

        let client_close = req
            .header("connection")
            .is_some_and(|v| has_token(v, "close"))
            || !req.version.eq_ignore_ascii_case("HTTP/1.1")
            || req
                .header("transfer-encoding")
                .is_some_and(|v| !v.trim().is_empty());
        let close = client_close || resp.wants_close();

        let keep_open = write_response(shared, &mut writer, &req, &resp, close).unwrap_or(false);
        drop(in_flight);
        if !keep_open {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// Write `resp`; returns whether the connection may be reused.
fn write_response(
    shared: &Shared,
    w: &mut TcpStream,
    req: &Request,
    resp: &Response,
    close: bool,
) -> io::Result<bool> {
    if let Some(d) = resp.delay {
        if !shared.sleep(d) {
            return Ok(false);
        }
    }

    let no_body_status =
        (100..200).contains(&resp.status) || resp.status == 204 || resp.status == 304;
    let head_only = req.method.eq_ignore_ascii_case("HEAD") || no_body_status;
    let total = resp.body.len();

    let reason = resp
        .reason
        .as_deref()
        .unwrap_or_else(|| reason_phrase(resp.status));
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason);
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if resp.chunked {
        if !resp.has_header("transfer-encoding") && !no_body_status {
            head.push_str("Transfer-Encoding: chunked\r\n");
        }
    } else if !resp.has_header("content-length") && !no_body_status {
        head.push_str(&format!("Content-Length: {total}\r\n"));
    }
    if close && !resp.has_header("connection") {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    w.flush()?;

    if head_only {
        return Ok(!close);
    }

    let limit = match resp.cutoff {
        Some(Cutoff::Stall(n) | Cutoff::Reset(n)) => n.min(total),
        None => total,
    };
    let step = match resp.drip {
        Some((chunk, _)) => chunk,
        None => CHUNK,
    };
    let mut buf = vec![0u8; (step as u64).min(limit.max(1)) as usize];
    let mut frame = Vec::new();
    let mut off = 0u64;
    while off < limit {
        let n = (step as u64).min(limit - off) as usize;
        if let Some((_, every)) = resp.drip {
            if !shared.sleep(every) {
                return Ok(false);
            }
        }
        if shared.is_stopped() {
            return Ok(false);
        }
        let piece = &mut buf[..n];
        resp.body.read_at(off, piece);
        if resp.chunked {
            frame.clear();
            frame.extend_from_slice(format!("{n:x}\r\n").as_bytes());
            frame.extend_from_slice(piece);
            frame.extend_from_slice(b"\r\n");
            w.write_all(&frame)?;
        } else {
            w.write_all(piece)?;
        }
        off += n as u64;
    }
    w.flush()?;

    match resp.cutoff {
        Some(Cutoff::Stall(_)) => {
            shared.sleep(STALL_LIMIT);
            let _ = w.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Cutoff::Reset(_)) => {
            let _ = w.shutdown(Shutdown::Both);
            return Ok(false);
        }
        None => {}
    }
    if resp.chunked {
        w.write_all(b"0\r\n\r\n")?;
        w.flush()?;
    }
    Ok(!close)
}

// ---------------------------------------------------------------------------
// Site
// ---------------------------------------------------------------------------

/// A path -> response map that can be served.
///
/// Lookup: exact target (path + query) first, then the path without its
/// query, then the fallback (default: 404).
#[derive(Clone, Default)]
pub struct Site {
    routes: HashMap<String, Handler>,
    fallback: Option<Handler>,
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut paths: Vec<&String> = self.routes.keys().collect();
        paths.sort();
        f.debug_struct("Site").field("paths", &paths).finish()
    }
}

impl Site {
    pub fn new() -> Self {
        Site::default()
    }

    /// Serve `html` (200, `text/html; charset=utf-8`) at `path`.
    pub fn page(&mut self, path: &str, html: impl Into<Vec<u8>>) -> &mut Self {
        self.response(path, Response::html(html))
    }

    /// Serve (a clone of) `resp` at `path`.
    pub fn response(&mut self, path: &str, resp: Response) -> &mut Self {
        self.route(path, move |_| resp.clone())
    }

    /// Serve `path` with a handler.
    pub fn route(
        &mut self,
        path: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> &mut Self {
        self.routes.insert(path.to_string(), Arc::new(handler));
        self
    }

    /// Handler for paths with no route (default: [`Response::not_found`]).
    pub fn fallback(
        &mut self,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> &mut Self {
        self.fallback = Some(Arc::new(handler));
        self
    }

    /// Dispatch one request.
    pub fn handle(&self, req: &Request) -> Response {
        let handler = self
            .routes
            .get(&req.path)
            .or_else(|| self.routes.get(req.path_only()))
            .or(self.fallback.as_ref());
        match handler {
            Some(h) => h(req),
            None => Response::not_found(),
        }
    }

    /// Serve on `127.0.0.1:<free port>`.
    pub fn serve(self) -> TestServer {
        self.serve_on("127.0.0.1")
    }

    /// Serve on `<ip>:<free port>`.
    pub fn serve_on(self, ip: &str) -> TestServer {
        TestServer::start_on(ip, move |req| self.handle(req))
    }
}

// ---------------------------------------------------------------------------
// Barrier
// ---------------------------------------------------------------------------

/// Holds requests until `n` of them are open at once, then releases that group together; the
/// next `n` form the next group (a cyclic barrier). If `guard` passes before a group fills, the
/// requests waiting in it are released anyway and counted in [`Barrier::timed_out`], so a test
/// asserts on the counters instead of hanging. The hold is bounded by `guard` only (server
/// shutdown does not cut it short).
///
/// Wrap a handler with [`Barrier::wrap`]: the barrier holds the request before the handler runs,
/// so the log's `started` is the arrival and `finished` comes after the release.
#[derive(Clone)]
pub struct Barrier {
    inner: Arc<BarrierInner>,
}

struct BarrierInner {
    n: usize,
    guard: Duration,
    state: Mutex<BarrierState>,
    cv: Condvar,
}

#[derive(Default)]
struct BarrierState {
    /// Requests waiting in the current group.
    waiting: usize,
    /// Bumped at every release (full or by the guard).
    generation: u64,
    /// Groups released because they filled.
    filled: usize,
    /// Requests released by the guard before their group filled.
    timed_out: usize,
    /// Most requests waiting at once.
    peak: usize,
    /// When the current group's first request arrived.
    first: Option<Instant>,
    /// For each filled group: from its first request's arrival to its last.
    fill_times: Vec<Duration>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.inner.n)
            .field("filled", &self.filled())
            .field("timed_out", &self.timed_out())
            .finish()
    }
}

impl Barrier {
    /// A barrier for groups of `n` (at least 1), each waiting at most `guard` to fill.
    pub fn new(n: usize, guard: Duration) -> Barrier {
        Barrier {
            inner: Arc::new(BarrierInner {
                n: n.max(1),
                guard,
                state: Mutex::new(BarrierState::default()),
                cv: Condvar::new(),
            }),
        }
    }

    /// Wait until the current group is full (returns `true`) or the guard passes (`false`).
    pub fn wait(&self) -> bool {
        let inner = &self.inner;
        let mut st = lock(&inner.state);
        st.waiting += 1;
        st.peak = st.peak.max(st.waiting);
        let first = *st.first.get_or_insert_with(Instant::now);
        if st.waiting >= inner.n {
            st.fill_times.push(first.elapsed());
            st.first = None;
            st.waiting = 0;
            st.generation += 1;
            st.filled += 1;
            inner.cv.notify_all();
            return true;
        }
        let generation = st.generation;
        let deadline = Instant::now() + inner.guard;
        loop {
            let now = Instant::now();
            if now >= deadline {
                // Release the whole unfilled group, counting every request in it.
                st.timed_out += st.waiting;
                st.first = None;
                st.waiting = 0;
                st.generation += 1;
                inner.cv.notify_all();
                return false;
            }
            let (guard, _) = inner
                .cv
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner());
            st = guard;
            if st.generation != generation {
                // Released by a full group, or by another waiter's guard (counted there).
                return st.filled > 0 && st.timed_out == 0;
            }
        }
    }

    /// `handler`, with every request first held at this barrier.
    pub fn wrap(
        &self,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> impl Fn(&Request) -> Response + Send + Sync + 'static {
        let barrier = self.clone();
        move |req| {
            barrier.wait();
            handler(req)
        }
    }

    /// Groups released because they filled.
    pub fn filled(&self) -> usize {
        lock(&self.inner.state).filled
    }

    /// Requests released by the guard before their group filled (0 when every group filled).
    pub fn timed_out(&self) -> usize {
        lock(&self.inner.state).timed_out
    }

    /// Most requests held at once.
    pub fn peak(&self) -> usize {
        lock(&self.inner.state).peak
    }

    /// For each filled group, the time from its first request's arrival to its last.
    pub fn fill_times(&self) -> Vec<Duration> {
        lock(&self.inner.state).fill_times.clone()
    }

    /// Requests waiting in the current group right now.
    pub fn waiting(&self) -> usize {
        lock(&self.inner.state).waiting
    }
}
