//! The history a `--state` keeps for `--only-new` has a window (`--history-days`): a page
//! neither fetched nor found linked for that long is forgotten when the state is opened (and is
//! new again), a known page found linked again stays remembered, and `-v` reports the file's
//! size and what was forgotten. Times in the history are set by the test through SQLite.

use crate::common::cli::{bin, wait_output};
use crate::common::server::{Site, TestServer};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn run(state: &Path, out: &Path, extra: &[&str], seed: &str) -> Output {
    let child = Command::new(bin())
        .args([
            "-v",
            "--ignore-robots",
            "--delay",
            "0",
            "--only-new",
            "--state",
        ])
        .arg(state)
        .arg("-o")
        .arg(out)
        .args(extra)
        .arg(seed)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let o = wait_output(child, Duration::from_secs(60));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn site() -> TestServer {
    let mut site = Site::new();
    site.page("/", "<title>Front</title><a href=\"/a\">a</a>");
    site.page("/a", "<title>Article</title>");
    site.serve()
}

/// Set every history row's time to `at`; returns how many.
fn age_history(state: &Path, at: &str) -> usize {
    let db = rusqlite::Connection::open(state).expect("open");
    db.execute("UPDATE history SET fetched_at = ?1", [at])
        .expect("update")
}

fn history_times(state: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(state).expect("open");
    let mut q = db
        .prepare("SELECT fetched_at FROM history")
        .expect("prepare");
    q.query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// The `-v` line about the opened state.
fn state_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .find(|l| l.contains("state opened"))
        .unwrap_or_else(|| panic!("no state line: {}", String::from_utf8_lossy(&o.stderr)))
        .to_owned()
}

#[test]
fn pages_unseen_for_the_window_are_forgotten_and_pages_seen_again_are_kept() {
    let server = site();
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state.db");
    let seed = server.url("/");
    let o = run(&state, &dir.path().join("1.csv"), &[], &seed);
    assert!(state_line(&o).contains("forgotten=0"), "{}", state_line(&o));
    assert_eq!(server.count("/a"), 1);

    // 80 days ago: inside the 90-day default. /a is found linked again (not fetched: it is
    // known), so it stays remembered, now as seen today.
    let old = (chrono::Utc::now() - chrono::Duration::days(80))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(age_history(&state, &old), 2);
    let o = run(&state, &dir.path().join("2.csv"), &[], &seed);
    assert!(state_line(&o).contains("forgotten=0"), "{}", state_line(&o));
    assert_eq!(server.count("/a"), 1, "known: not fetched again");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for t in history_times(&state) {
        assert!(t.starts_with(&today), "seen again today: {t}");
    }

    // 2020: outside the window. Forgotten when the state opens: /a is new again.
    assert_eq!(age_history(&state, "2020-01-01T00:00:00Z"), 2);
    let out = dir.path().join("3.csv");
    let o = run(&state, &out, &[], &seed);
    let line = state_line(&o);
    assert!(line.contains("forgotten=2"), "{line}");
    assert!(line.contains("window_days=90"), "{line}");
    let bytes: u64 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("bytes="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no size: {line}"));
    let on_disk = std::fs::metadata(&state).expect("state").len();
    assert!(bytes >= on_disk && on_disk > 0, "{bytes} vs {on_disk}");
    assert_eq!(server.count("/a"), 2, "forgotten, so fetched again");
    let rows = crate::common::rows::whole_records(&out);
    let urls: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(urls, vec![seed.as_str(), server.url("/a").as_str()]);

    // --history-days sets the window.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(age_history(&state, &yesterday), 2);
    let o = run(
        &state,
        &dir.path().join("4.csv"),
        &["--history-days", "1"],
        &seed,
    );
    assert!(state_line(&o).contains("forgotten=2"), "{}", state_line(&o));
}

#[test]
fn a_window_of_zero_days_is_refused() {
    let o = Command::new(bin())
        .args([
            "--state",
            "s.db",
            "--history-days",
            "0",
            "https://example.org/",
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        "trawl: --history-days 0: must be a number of days from 1 to 36500"
    );
}
