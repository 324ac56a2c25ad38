//! Self-test of the test-support HTTP server in `tests/it/common/server.rs`,
//! using a raw `std::net::TcpStream` client.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::server::{Response, Site, TestServer};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT).expect("connect");
    stream
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .expect("set read timeout");
    stream
        .set_write_timeout(Some(CLIENT_TIMEOUT))
        .expect("set write timeout");
    BufReader::new(stream)
}

fn send(conn: &mut BufReader<TcpStream>, raw: &str) {
    conn.get_mut()
        .write_all(raw.as_bytes())
        .expect("write request");
}

fn get_request(host: &str, path: &str, close: bool) -> String {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: selftest\r\n{connection}\r\n")
}

fn read_line(conn: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    conn.read_line(&mut line).expect("read line");
    line.trim_end_matches(['\r', '\n']).to_string()
}

/// Read status line and headers.
fn read_head(conn: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>) {
    let status_line = read_line(conn);
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(
        parts.next(),
        Some("HTTP/1.1"),
        "status line {status_line:?}"
    );
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let mut headers = Vec::new();
    loop {
        let line = read_line(conn);
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').expect("header line");
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    (status, headers)
}

/// Read one complete response (Content-Length or chunked body).
fn read_response(conn: &mut BufReader<TcpStream>) -> RawResponse {
    let (status, headers) = read_head(conn);
    let mut resp = RawResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let size = usize::from_str_radix(&read_line(conn), 16).expect("chunk size");
            let mut chunk = vec![0u8; size + 2];
            conn.read_exact(&mut chunk).expect("chunk data");
            assert_eq!(&chunk[size..], b"\r\n");
            if size == 0 {
                break;
            }
            resp.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = resp.header("content-length") {
        let len: usize = len.parse().expect("content-length");
        let mut body = vec![0u8; len];
        conn.read_exact(&mut body).expect("body");
        resp.body = body;
    }
    resp
}

/// One request on a fresh connection with `Connection: close`.
fn get(server: &TestServer, path: &str) -> RawResponse {
    let mut conn = connect(server.addr());
    send(&mut conn, &get_request(&server.host(), path, true));
    read_response(&mut conn)
}

/// Read until EOF (or a connection error); returns the bytes read.
fn read_to_eof(conn: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                assert!(
                    !matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ),
                    "timed out waiting for EOF"
                );
                break;
            }
        }
    }
    out
}

#[test]
fn basic_get_and_log() {
    let mut site = Site::new();
    site.page("/", "<html><title>Home</title></html>");
    let server = site.serve();
    assert!(server.url("/x").starts_with("http://127.0.0.1:"));
    assert_eq!(server.url("x"), server.url("/x"));
    assert_eq!(server.base(), format!("http://{}", server.addr()));

    let resp = get(&server, "/");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "<html><title>Home</title></html>");
    assert_eq!(
        resp.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(resp.header("content-length"), Some("32"));

    assert_eq!(server.count("/"), 1);
    assert_eq!(server.paths(), vec!["/".to_string()]);
    assert!(server.wait_idle(Duration::from_secs(5)));
    let log = server.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].header("user-agent"), Some("selftest"));
    assert!(log[0]
        .headers
        .iter()
        .any(|(k, v)| k == "host" && *v == server.host()));
    // The response was fully read, so the server has finished it.
    let finished = log[0].finished.expect("finished");
    assert!(finished >= log[0].started);
    assert_eq!(log[0].status, Some(200));
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let mut site = Site::new();
    site.page("/a", "A").page("/b", "BB");
    let server = site.serve();

    let mut conn = connect(server.addr());
    send(&mut conn, &get_request(&server.host(), "/a", false));
    let a = read_response(&mut conn);
    send(&mut conn, &get_request(&server.host(), "/b", false));
    let b = read_response(&mut conn);
    assert_eq!((a.status, a.text().as_str()), (200, "A"));
    assert_eq!((b.status, b.text().as_str()), (200, "BB"));
    assert_eq!(a.header("connection"), None);

    assert_eq!(server.paths(), vec!["/a".to_string(), "/b".to_string()]);
    assert_eq!(server.connections(), 1);
    assert!(server.wait_idle(Duration::from_secs(5)));
    let log = server.requests();
    assert_eq!(log[0].conn_id, log[1].conn_id);

    // Pipelined pair, the second asking to close.
    let pipelined = format!(
        "{}{}",
        get_request(&server.host(), "/a", false),
        get_request(&server.host(), "/b", true)
    );
    send(&mut conn, &pipelined);
    assert_eq!(read_response(&mut conn).text(), "A");
    let last = read_response(&mut conn);
    assert_eq!(last.text(), "BB");
    assert_eq!(last.header("connection"), Some("close"));
    // Connection: close is honoured: the server closes the socket.
    assert!(read_to_eof(&mut conn).is_empty());
    assert_eq!(server.count("/a"), 2);
    assert_eq!(server.connections(), 1);
}

#[test]
fn unknown_path_is_404_and_query_routing() {
    let mut site = Site::new();
    site.page("/p", "plain")
        .page("/p?v=2", "exact")
        .route("/echo", |req| {
            Response::text(format!(
                "{} {}",
                req.path_only(),
                req.query().unwrap_or("-")
            ))
        });
    let server = site.serve();

    assert_eq!(get(&server, "/missing").status, 404);
    assert_eq!(get(&server, "/p?v=2").text(), "exact");
    assert_eq!(get(&server, "/p?v=3").text(), "plain");
    assert_eq!(get(&server, "/echo?q=1").text(), "/echo q=1");
    assert_eq!(server.count("/missing"), 1);
    assert_eq!(server.count("/p?v=3"), 1);
    assert_eq!(server.count("/p"), 0);
    assert_eq!(server.requests()[0].status, Some(404));
}

#[test]
fn redirect_sets_location() {
    let mut site = Site::new();
    site.response("/old", Response::redirect(301, "/new"))
        .response("/tmp", Response::redirect(302, "http://127.0.0.1:1/else"));
    let server = site.serve();

    let r = get(&server, "/old");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/new"));
    let r = get(&server, "/tmp");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:1/else"));
}

#[test]
fn headers_content_type_and_head() {
    let mut site = Site::new();
    site.response(
        "/bare",
        Response::html("x").no_content_type().header("X-Test", "1"),
    )
    .response(
        "/csv",
        Response::new(200).content_type("text/csv").body("a,b"),
    )
    .response(
        "/gz",
        Response::html(vec![0x1f, 0x8b]).header("Content-Encoding", "gzip"),
    );
    let server = site.serve();

    let r = get(&server, "/bare");
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.header("x-test"), Some("1"));
    assert_eq!(
        get(&server, "/csv").header("content-type"),
        Some("text/csv")
    );
    let r = get(&server, "/gz");
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.body, vec![0x1f, 0x8b]);

    // HEAD: headers with Content-Length but no body; connection stays usable.
    let mut conn = connect(server.addr());
    send(
        &mut conn,
        &format!("HEAD /csv HTTP/1.1\r\nHost: {}\r\n\r\n", server.host()),
    );
    let (status, headers) = read_head(&mut conn);
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-length".to_string(), "3".to_string())));
    send(&mut conn, &get_request(&server.host(), "/csv", true));
    assert_eq!(read_response(&mut conn).text(), "a,b");
}

#[test]
fn post_body_is_read_and_skipped() {
    let server =
        TestServer::start(|req| Response::text(format!("{}:{}", req.method, req.body.len())));
    let mut conn = connect(server.addr());
    send(
        &mut conn,
        &format!(
            "POST /form HTTP/1.1\r\nHost: {}\r\nContent-Length: 5\r\n\r\nhello",
            server.host()
        ),
    );
    assert_eq!(read_response(&mut conn).text(), "POST:5");
    send(&mut conn, &get_request(&server.host(), "/after", true));
    assert_eq!(read_response(&mut conn).text(), "GET:0");
    assert_eq!(
        server.paths(),
        vec!["/form".to_string(), "/after".to_string()]
    );
}

#[test]
fn drip_takes_at_least_n_times_every() {
    let every = Duration::from_millis(50);
    let server = TestServer::start(move |_| Response::html("0123456789").drip(2, every));
    let t0 = Instant::now();
    let r = get(&server, "/slow");
    let elapsed = t0.elapsed();
    assert_eq!(r.text(), "0123456789");
    assert_eq!(r.header("content-length"), Some("10"));
    assert!(elapsed >= every * 5, "drip finished too fast: {elapsed:?}");
    assert!(server.wait_idle(Duration::from_secs(5)));
    let log = server.requests();
    assert!(log[0].duration().expect("finished") >= every * 5);
}

#[test]
fn delay_postpones_headers() {
    let server = TestServer::start(|_| Response::html("late").delay(Duration::from_millis(150)));
    let t0 = Instant::now();
    assert_eq!(get(&server, "/").text(), "late");
    assert!(t0.elapsed() >= Duration::from_millis(150));
}

#[test]
fn reset_closes_early() {
    let server = TestServer::start(|_| Response::html(vec![b'x'; 1000]).reset_after(100));
    let mut conn = connect(server.addr());
    send(&mut conn, &get_request(&server.host(), "/", false));
    let t0 = Instant::now();
    let (status, headers) = read_head(&mut conn);
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-length".to_string(), "1000".to_string())));
    let body = read_to_eof(&mut conn);
    assert_eq!(body.len(), 100);
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert!(server.wait_idle(Duration::from_secs(5)));
    assert!(server.requests()[0].finished.is_some());
}

#[test]
fn stall_is_released_by_shutdown() {
    let server = TestServer::start(|_| Response::html(vec![b'y'; 1000]).stall_after(10));
    let mut conn = connect(server.addr());
    send(&mut conn, &get_request(&server.host(), "/", false));
    let (status, _) = read_head(&mut conn);
    assert_eq!(status, 200);
    let mut ten = [0u8; 10];
    conn.read_exact(&mut ten).expect("first bytes");
    // Nothing more arrives.
    conn.get_ref()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("set read timeout");
    let mut more = [0u8; 1];
    let err = conn
        .read(&mut more)
        .expect_err("stalled response sent more");
    assert!(matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ));
    assert_eq!(server.in_flight(), 1);
    assert!(server.requests()[0].finished.is_none());

    let t0 = Instant::now();
    server.shutdown();
    assert!(t0.elapsed() < Duration::from_secs(3), "shutdown hung");
    assert_eq!(server.in_flight(), 0);
    assert!(server.requests()[0].finished.is_some());
    conn.get_ref()
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .expect("set read timeout");
    assert!(read_to_eof(&mut conn).is_empty());
    drop(server);
}

#[test]
fn chunked_and_streamed_bodies() {
    const BIG: u64 = 8 * 1024 * 1024 + 123;
    let gen = |off: u64, buf: &mut [u8]| {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = b'a' + ((off + i as u64) % 26) as u8;
        }
    };
    let mut site = Site::new();
    site.response("/chunked", Response::html("hello chunked world").chunked())
        .response("/big", Response::streamed(200, "text/html", BIG, gen))
        .response(
            "/bigchunked",
            Response::streamed(200, "text/html", 200_000, gen).chunked(),
        );
    let server = site.serve();

    let r = get(&server, "/chunked");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.text(), "hello chunked world");

    let r = get(&server, "/big");
    assert_eq!(r.header("content-length"), Some(BIG.to_string().as_str()));
    assert_eq!(r.body.len() as u64, BIG);
    assert!(r
        .body
        .iter()
        .enumerate()
        .all(|(i, &b)| b == b'a' + (i % 26) as u8));

    let r = get(&server, "/bigchunked");
    assert_eq!(r.body.len(), 200_000);
    assert_eq!(r.body[199_999], b'a' + (199_999 % 26) as u8);
}

#[test]
fn max_in_flight_counts_concurrent_requests() {
    let server = Arc::new(TestServer::start(|_| {
        Response::html("ok").delay(Duration::from_millis(300))
    }));
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let server = Arc::clone(&server);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                get(&server, &format!("/slow/{i}")).status
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("client thread"), 200);
    }
    assert_eq!(server.max_in_flight(), 3);
    assert!(server.wait_idle(Duration::from_secs(5)));
    assert_eq!(server.total_requests(), 3);

    // Sequential requests do not raise it.
    let seq = TestServer::start(|_| Response::html("ok"));
    get(&seq, "/1");
    assert!(seq.wait_idle(Duration::from_secs(5)));
    get(&seq, "/2");
    assert_eq!(seq.max_in_flight(), 1);
}

#[test]
fn server_on_127_0_0_2() {
    let mut site = Site::new();
    site.route("/who", |req| Response::text(req.local.ip().to_string()));
    let server = site.serve_on("127.0.0.2");
    assert_eq!(server.addr().ip().to_string(), "127.0.0.2");
    assert!(server.url("/who").starts_with("http://127.0.0.2:"));
    let r = get(&server, "/who");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "127.0.0.2");
    assert_eq!(server.count("/who"), 1);
}

#[test]
fn handler_panic_gives_500_and_server_survives() {
    let server = TestServer::start(|req| {
        if req.path == "/boom" {
            panic!("intentional test panic");
        }
        Response::html("fine")
    });
    assert_eq!(get(&server, "/boom").status, 500);
    assert_eq!(get(&server, "/ok").text(), "fine");
    assert!(server.wait_for_count("/ok", 1, Duration::from_secs(1)));
}
