//! Hostile pages against the built binary: a 50 MB page, a gzip bomb, a reset mid-body, invalid
//! UTF-8, malformed HTML. Each gives a row and never a panic, and the process's peak memory (as
//! trawl reports it in --summary-json, from the kernel's VmHWM) stays bounded.

use crate::common::server::{Response, Site};
use std::io::Write;
use std::process::Command;

/// Peak memory the whole process may reach on these pages (the body cap is 8 MiB).
const PEAK_LIMIT_KB: u64 = 120 * 1024;

fn gzip_bomb(zeros: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    gz.write_all(b"<title>bomb</title>").expect("gzip");
    for _ in 0..zeros / chunk.len() {
        gz.write_all(&chunk).expect("gzip");
    }
    gz.finish().expect("gzip")
}

#[test]
fn hostile_pages_give_rows_with_bounded_memory() {
    let mut site = Site::new();
    site.page(
        "/",
        "<title>hub</title><a href=\"/huge\">1</a><a href=\"/bomb\">2</a><a href=\"/reset\">3</a>\
         <a href=\"/latin\">4</a><a href=\"/broken\">5</a><a href=\"/nul\">6</a>",
    );
    // 50 MB of HTML, generated as it is sent.
    site.response(
        "/huge",
        Response::streamed(200, "text/html", 50 * 1024 * 1024, |offset, buf| {
            let head = b"<html><head><title>Huge page</title></head><body>";
            for (i, b) in buf.iter_mut().enumerate() {
                let pos = offset as usize + i;
                *b = if pos < head.len() {
                    head[pos]
                } else {
                    b"<p>x</p>\n"[pos % 9]
                };
            }
        }),
    );
    // 256 MiB of zeros in about 250 KB of gzip.
    site.response(
        "/bomb",
        Response::html(gzip_bomb(256 << 20)).header("Content-Encoding", "gzip"),
    );
    site.response(
        "/reset",
        Response::html(format!("<title>cut</title>{}", "y".repeat(100_000))).reset_after(2_000),
    );
    site.response(
        "/latin",
        Response::new(200)
            .content_type("text/html")
            .body(&b"<title>Caf\xe9 cr\xe8me br\xfbl\xe9e \xe0 la carte</title>"[..]),
    );
    site.page(
        "/broken",
        "<title>unclosed <b>bold<table><tr><td><a href=/x>x</a></div></span>",
    );
    site.response(
        "/nul",
        Response::html(&b"<title>nul\0byte</title>\0\0<a href=\"/\0\">"[..]),
    );
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("o.csv");
    let summary = dir.path().join("s.json");
    let o = Command::new(assert_cmd::cargo::cargo_bin("trawl"))
        .args(["-q", "--delay", "0", "--retries", "0", "--summary-json"])
        .arg(&summary)
        .arg("-o")
        .arg(&out)
        .arg(server.url("/"))
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut reader = csv::Reader::from_path(&out).expect("csv");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let get = |path: &str| {
        rows.iter()
            .find(|r| r[0] == server.url(path))
            .unwrap_or_else(|| panic!("no row for {path}"))
            .clone()
    };
    assert_eq!(rows.len(), 7);
    let huge = get("/huge");
    assert_eq!(
        (&huge[6], &huge[12], &huge[8]),
        ("Huge page", "too_large", "8388608")
    );
    let bomb = get("/bomb");
    assert_eq!((&bomb[6], &bomb[12]), ("bomb", "too_large"));
    let reset = get("/reset");
    assert_eq!(&reset[12], "truncated");
    let latin = get("/latin");
    assert_eq!(
        &latin[6], "Café crème brûlée à la carte",
        "invalid UTF-8: detected"
    );
    assert_eq!(&latin[11], "windows-1252");
    // An unclosed <title> is RCDATA to the end of the document, as in a browser.
    assert_eq!(
        &get("/broken")[6],
        "unclosed <b>bold<table><tr><td><a href=/x>x</a></div></span>"
    );
    assert_eq!(&get("/broken")[12], "");
    assert_eq!(&get("/nul")[6], "nul\u{fffd}byte");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    let peak = json["peak_rss_kb"].as_u64().expect("peak_rss_kb");
    assert!(peak < PEAK_LIMIT_KB, "peak memory {peak} KiB");
}
