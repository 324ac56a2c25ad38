//! What the summary says after a stop: "left for a resume" only with `--state`, with the queued
//! count; never a final file that is not there (with `--state` the rows are in `.partial`); a
//! resumed run counts the rows its file holds in all, and a resume given another `-o` says which
//! file it keeps. The leaves wait at a gate in the test server, so the stop finds exactly one
//! page in flight and nine queued.

use crate::common::cli::{bin, wait_output};
use crate::common::gate::Gate;
use crate::common::rows::{partial_of, summary};
use crate::common::server::{Response, Site, TestServer};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const GUARD: Duration = Duration::from_secs(60);

/// `/` linking ten leaves that wait at `gate`.
fn site(gate: &Gate) -> TestServer {
    let mut site = Site::new();
    let links: String = (0..10)
        .map(|i| format!("<a href=\"/leaf/{i}\">{i}</a>"))
        .collect();
    site.page("/", format!("<title>Front</title>{links}"));
    let g = gate.clone();
    site.fallback(move |req| {
        g.pass();
        Response::html(format!("<title>{}</title>", req.path_only()))
    });
    site.serve()
}

/// The binary, not quiet (the summary is what is checked), one request at a time.
fn loud(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args([
        "--ignore-robots",
        "--delay",
        "0",
        "-w",
        "1",
        "--per-host",
        "1",
    ])
    .args(["--timeout", "30"])
    .args(args)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    c
}

/// Run with `args` until the first leaf is in flight, SIGTERM it, and once it says it is
/// stopping, let that leaf finish. Returns the exit status and the stderr lines that are not log
/// lines.
fn terminated(server: &TestServer, gate: &Gate, args: &[&str]) -> (Option<i32>, Vec<String>) {
    use std::io::BufRead;
    let mut child = loud(args).spawn().expect("spawn");
    let err = child.stderr.take().expect("stderr");
    let (said_stopping, heard) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(err).lines() {
            let line = line.expect("stderr line");
            if line.contains("WARN") {
                if line.contains("stopping") {
                    let _ = said_stopping.send(());
                }
            } else {
                lines.push(line);
            }
        }
        lines
    });
    assert!(
        server.wait_for_count("/leaf/0", 1, GUARD),
        "a leaf in flight"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    // The stop is seen before the page in flight finishes (within the grace period, 5 s):
    // nothing else may start.
    heard
        .recv_timeout(GUARD)
        .expect("trawl says it is stopping");
    gate.open();
    let o = wait_output(child, GUARD);
    let lines = reader.join().expect("reader");
    assert_eq!(o.status.code(), Some(143), "{lines:?}");
    assert_eq!(
        server.total_requests(),
        2,
        "the front page and one leaf: {:?}",
        server.paths()
    );
    (o.status.code(), lines)
}

fn lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| !l.contains("WARN"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_stop_with_state_names_the_partial_file_and_what_is_left_and_the_resume_counts_all_rows() {
    let gate = Gate::default();
    let server = site(&gate);
    let dir = tempfile::tempdir().expect("tmp");
    let (out, state, json) = (
        dir.path().join("out.csv"),
        dir.path().join("state.db"),
        dir.path().join("s.json"),
    );
    let (o_, s_, j_) = (
        out.to_str().expect("p"),
        state.to_str().expect("p"),
        json.to_str().expect("p"),
    );
    let seed = server.url("/");
    let (_, l) = terminated(
        &server,
        &gate,
        &["-o", o_, "--state", s_, "--summary-json", j_, &seed],
    );
    assert_eq!(
        l[0],
        format!(
            "trawl: 2 pages requested, 2 rows (2 new) -> {o_}.partial (kept for the resume; \
             {o_} appears when the crawl ends)"
        ),
        "{l:?}"
    );
    assert!(!out.exists() && partial_of(&out).exists());
    assert!(
        l.contains(
            &"  interrupted: 9 pages left for a resume (0 in flight, 9 queued); run the \
                     same command again to go on"
                .to_owned()
        ),
        "{l:?}"
    );
    let s = summary(&json);
    assert_eq!(
        (s["queued"].clone(), s["rows_in_file"].clone()),
        (9.into(), 2.into())
    );

    // The resume, given another -o: it says which file it keeps, and counts every row in it.
    let other = dir.path().join("other.csv");
    let o = wait_output(
        loud(&[
            "-o",
            other.to_str().expect("p"),
            "--state",
            s_,
            "--summary-json",
            j_,
            &seed,
        ])
        .spawn()
        .expect("spawn"),
        GUARD,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let l = lines(&o);
    assert_eq!(
        l[0],
        format!(
            "trawl: resuming the unfinished crawl in {s_}: its rows go on into {o_} (the file \
             it started), not {}",
            other.display()
        )
    );
    assert_eq!(
        l[1],
        format!(
            "trawl: 9 pages requested, 9 rows (9 new) -> {o_}; the file holds 11 rows in all, \
             2 of them from the earlier runs of this crawl"
        )
    );
    assert!(!other.exists());
    assert_eq!(crate::common::rows::whole_records(&out).len(), 11);
    let s = summary(&json);
    assert_eq!(
        (s["queued"].clone(), s["rows_in_file"].clone()),
        (0.into(), 11.into())
    );
}

#[test]
fn a_stop_without_state_promises_no_resume_and_names_the_file_it_wrote() {
    let gate = Gate::default();
    let server = site(&gate);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let o_ = out.to_str().expect("p");
    let (_, l) = terminated(&server, &gate, &["-o", o_, &server.url("/")]);
    assert_eq!(
        l[0],
        format!("trawl: 2 pages requested, 2 rows (2 new) -> {o_}"),
        "{l:?}"
    );
    assert!(out.exists(), "renamed into place");
    assert!(
        l.contains(
            &"  interrupted: 0 pages in flight and 9 queued were not crawled (without \
                     --state there is no resume)"
                .to_owned()
        ),
        "{l:?}"
    );
    assert!(!l.iter().any(|x| x.contains("resume ")), "{l:?}");
}

#[test]
fn a_stop_at_the_time_limit_counts_what_is_left_in_flight_and_queued() {
    // No leaf ever finishes (the gate stays shut until trawl has exited): whether the first leaf
    // was requested before the limit or not, all ten are left for the resume.
    let gate = Gate::default();
    let server = site(&gate);
    let dir = tempfile::tempdir().expect("tmp");
    let (out, state) = (dir.path().join("out.csv"), dir.path().join("state.db"));
    let (o_, s_) = (out.to_str().expect("p"), state.to_str().expect("p"));
    let o = wait_output(
        loud(&[
            "-o",
            o_,
            "--state",
            s_,
            "--max-duration",
            "0.5",
            &server.url("/"),
        ])
        .spawn()
        .expect("spawn"),
        GUARD,
    );
    gate.open();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let l: Vec<String> = String::from_utf8_lossy(&o.stderr)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        l[0],
        format!(
            "trawl: 1 pages requested, 1 rows (1 new) -> {o_}.partial (kept for the resume; \
             {o_} appears when the crawl ends)"
        )
        .replace(
            "1 pages requested",
            &format!("{} pages requested", server.total_requests())
        ),
        "{l:?}"
    );
    let left = l
        .iter()
        .find_map(|x| x.strip_prefix("  stopped at the time limit (--max-duration): "))
        .unwrap_or_else(|| panic!("no stop line: {l:?}"));
    let in_flight = server.total_requests() - 1;
    assert_eq!(
        left,
        format!(
            "10 pages left for a resume ({in_flight} in flight, {} queued); run the same \
             command again to go on",
            10 - in_flight
        )
    );
}
