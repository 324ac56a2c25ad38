//! `--text` in every mode: a `--state` crawl SIGKILLed mid-crawl and resumed, and a `--redis`
//! crawl with `trawl export`, give the same rows, text included, as an uninterrupted crawl.

use super::text_cli::ARTICLE;
use crate::common::cli::{stderr, trawl, wait_output};
use crate::common::gate::Gate;
use crate::common::redis::RedisServer;
use crate::common::server::{Response, Site, TestServer};
use crate::common::sites::numbered;
use crate::common::wait::wait_until;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use trawl::record::COLUMNS;
use trawl::record::META_COLUMNS;

/// A guard against hangs only.
const GUARD: Duration = Duration::from_secs(60);

const STORIES: usize = 6;

/// Columns of a `--text` row: the output's columns and the text.
const TEXT: usize = COLUMNS.len() + 1;
/// Columns of a `--meta --text` row: the output's, the metadata's and the text.
const META_TEXT: usize = COLUMNS.len() + META_COLUMNS.len() + 1;

/// Story `i`: the article with its own words, so each row's text is its own.
fn story(i: usize) -> String {
    ARTICLE
        .replace("freight yard", &format!("freight yard number {i}"))
        .replace("eighteen months", &format!("{} months", 12 + i))
}

/// `/` linking `/a/0..STORIES`; the stories from `held` on wait at `gate`.
fn site(held: usize, gate: Gate) -> TestServer {
    let mut site = Site::new();
    let mut front = String::from("<title>Front page</title><ul>");
    for i in 0..STORIES {
        front.push_str(&format!("<li><a href=\"/a/{i}\">Story {i}</a></li>"));
    }
    site.page("/", front + "</ul>");
    site.fallback(move |req| match numbered(req.path_only(), "/a/", STORIES) {
        Some(i) => {
            if i >= held {
                gate.pass();
            }
            Response::html(story(i))
        }
        _ => Response::not_found(),
    });
    site.serve()
}

/// Whole records at the head of a CSV file being written (a torn last one is not counted).
fn whole_rows(path: &Path, columns: usize) -> Vec<csv::StringRecord> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&bytes[..]);
    r.records()
        .map_while(Result::ok)
        .filter(|rec| rec.len() == columns)
        .collect()
}

/// Every row of a finished CSV, its cells that vary between crawls (elapsed_ms, fetched_at)
/// blanked and the server's address taken out, as a set.
fn rows(path: &Path, base: &str, columns: usize) -> BTreeSet<Vec<String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a whole row");
            assert_eq!(rec.len(), columns, "{rec:?}");
            rec.iter()
                .enumerate()
                .map(|(i, c)| match i {
                    9 | 10 => String::new(),
                    _ => c.replace(base, ""),
                })
                .collect()
        })
        .collect()
}

fn args<'a>(extra: &[&'a str], out: &'a Path, seed: &'a str) -> Vec<&'a str> {
    let mut a = vec![
        "--ignore-robots",
        "--delay",
        "0",
        "--per-host",
        "4",
        "-w",
        "4",
        "--text",
    ];
    a.extend(extra);
    a.extend(["-o", out.to_str().expect("path"), seed]);
    a
}

/// The rows of an uninterrupted `--text` crawl (with `extra` options) of a fresh site.
fn uninterrupted(extra: &[&str], columns: usize) -> BTreeSet<Vec<String>> {
    let server = site(STORIES, Gate::default());
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("fresh.csv");
    let seed = server.url("/");
    let o = wait_output(
        trawl(&args(extra, &out, &seed)).spawn().expect("spawn"),
        GUARD,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    rows(&out, &server.base(), columns)
}

#[test]
fn a_killed_and_resumed_text_crawl_equals_an_uninterrupted_one() {
    let gate = Gate::default();
    let server = site(3, gate.clone());
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let state = dir.path().join("state.db");
    let partial = dir.path().join("out.csv.partial");
    let seed = server.url("/");
    let extra = ["--state", state.to_str().expect("path")];
    let mut child = trawl(&args(&extra, &out, &seed)).spawn().expect("spawn");
    // The front page and the three free stories are committed (then written); the other
    // three are held at the gate, in flight.
    wait_until("the free rows written", || {
        whole_rows(&partial, TEXT).len() >= 4
    });
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let before = whole_rows(&partial, TEXT);
    assert_eq!(before.len(), 4);
    assert!(before
        .iter()
        .any(|r| r[13].contains("freight yard number 0")));
    gate.open();

    let resumed = wait_output(
        trawl(&args(&extra, &out, &seed)).spawn().expect("spawn"),
        GUARD,
    );
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    for i in 0..3 {
        assert_eq!(server.count(&format!("/a/{i}")), 1, "done before the kill");
    }
    let got = rows(&out, &server.base(), TEXT);
    assert_eq!(got.len(), 1 + STORIES);
    assert_eq!(got, uninterrupted(&[], TEXT));
    // Every story's text came through (the front page is a list of links: no text).
    let texts: BTreeSet<&str> = got.iter().map(|r| r[13].as_str()).collect();
    assert_eq!(texts.len(), 1 + STORIES);
    assert!(texts.contains(""));
}

#[test]
fn a_redis_text_crawl_and_its_export_equal_an_uninterrupted_one() {
    let redis = RedisServer::start();
    let url = redis.url();
    let server = site(STORIES, Gate::default());
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let seed = server.url("/");
    let extra = ["--meta", "--redis", &url, "--crawl-id", "text"];
    let o = wait_output(
        trawl(&args(&extra, &out, &seed)).spawn().expect("spawn"),
        GUARD,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fresh = uninterrupted(&["--meta"], META_TEXT);
    assert_eq!(rows(&out, &server.base(), META_TEXT), fresh);

    let all = dir.path().join("all.csv");
    let o = wait_output(
        trawl(&[
            "export",
            "--redis",
            &url,
            "--crawl-id",
            "text",
            "--meta",
            "--text",
            "-o",
            all.to_str().expect("path"),
        ])
        .spawn()
        .expect("spawn"),
        GUARD,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(rows(&all, &server.base(), META_TEXT), fresh);
    assert_eq!(server.total_requests(), 1 + STORIES, "each page once");

    // The text is kept packed: none of the story's words is in Redis as written.
    let mut conn = redis.connection().expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("keys");
    let dump: Vec<u8> = keys
        .iter()
        .flat_map(|k| {
            let kind: String = redis::cmd("TYPE").arg(k).query(&mut conn).expect("type");
            let values: Vec<Vec<u8>> = match kind.as_str() {
                "string" => vec![redis::cmd("GET").arg(k).query(&mut conn).expect("get")],
                "hash" => redis::cmd("HVALS").arg(k).query(&mut conn).expect("hvals"),
                "list" => redis::cmd("LRANGE")
                    .arg(k)
                    .arg(0)
                    .arg(-1)
                    .query(&mut conn)
                    .expect("lrange"),
                _ => Vec::new(),
            };
            values.concat()
        })
        .collect();
    let dump = String::from_utf8_lossy(&dump);
    assert!(dump.contains(&server.url("/a/0")), "rows are in Redis");
    assert!(!dump.contains("freight yard"), "the text is packed");
}
