use super::open::{lock_path, APPLICATION_ID, SCHEMA_VERSION};
use super::*;
use crate::url_norm;
use std::path::Path;
use std::time::Duration;
use std::time::Instant;

fn entry(path: &str, depth: u32, parent: Option<&str>) -> Entry {
    let url = Url::parse(&format!("https://h.test/{path}")).expect("url");
    Entry {
        key: url_norm::key(&url),
        url,
        depth,
        parent: parent.map(Arc::from),
    }
}

fn meta() -> CrawlMeta {
    CrawlMeta {
        seeds: vec!["https://h.test/".into(), "https://g.test/a?b=1".into()],
        scope: "host".into(),
        options: "max-depth=2 max-pages=none".into(),
        output: "output/trawl-20260101-000000.csv".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn row(e: &Entry, status: Option<u16>) -> Row {
    Row {
        final_url: e.url.to_string(),
        status,
        content_type: "text/html; charset=utf-8".into(),
        title: format!("Title \"{}\",\nwith ünïcode", e.url.path()),
        links: Some(7),
        bytes: Some(u64::MAX >> 1),
        elapsed_ms: Some(12),
        fetched_at: "2026-01-01T00:00:01Z".into(),
        encoding: "UTF-8".into(),
        error: None,
        meta: None,
        dedup_key: None,
        ..Row::for_entry(e)
    }
}

fn done(e: &Entry, status: Option<u16>) -> Done {
    Done {
        key: e.key,
        row: row(e, status),
        remember: true,
        validators: Validators::default(),
        write_row: true,
        failed: false,
    }
}

/// A fresh directory (kept while the handle lives) and the state file's path in it.
fn state_path() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("state.db");
    (dir, path)
}

/// The state at `path`, opened, with a crawl started.
fn started(path: &Path) -> StateStore {
    let mut s = StateStore::open(path).expect("open");
    s.start(&meta()).expect("start");
    s
}

/// The seed `a` and the two pages `b` and `c` linked from it.
fn a_and_its_links() -> [Entry; 3] {
    [
        entry("a", 0, None),
        entry("b", 1, Some("https://h.test/a")),
        entry("c", 1, Some("https://h.test/a")),
    ]
}

/// A batch that only queues `queued`.
fn queue_batch(queued: Vec<Entry>) -> Batch {
    Batch {
        queued,
        ..Batch::default()
    }
}

/// A batch that only records `done`.
fn done_batch(done: Vec<Done>) -> Batch {
    Batch {
        done,
        ..Batch::default()
    }
}

/// What `known` answers for a page remembered with these validators.
fn known(etag: &str, last_modified: Option<&str>) -> Option<Validators> {
    Some(Validators {
        etag: Some(etag.into()),
        last_modified: last_modified.map(Into::into),
    })
}

fn paths(entries: &[Entry]) -> Vec<(String, u32)> {
    entries
        .iter()
        .map(|e| (e.url.path().to_owned(), e.depth))
        .collect()
}

fn sorted(mut keys: Vec<UrlKey>) -> Vec<UrlKey> {
    keys.sort_unstable_by_key(|&k| key_to_db(k));
    keys
}

#[test]
fn second_open_is_locked_until_the_first_is_dropped() {
    let (_dir, path) = state_path();
    let first = StateStore::open(&path).expect("first open");
    let err = StateStore::open(&path).expect_err("second open must fail");
    let lock = lock_path(&path);
    match &err {
        StateError::Locked { path: p, lock: l } => {
            assert_eq!(p, &path);
            assert_eq!(l, &lock);
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&lock.display().to_string()), "{msg}");
    assert!(msg.contains("in use by another trawl process"), "{msg}");
    assert_eq!(first.lock_path(), lock);
    drop(first);
    let again = StateStore::open(&path).expect("open after drop");
    assert!(again.unfinished().expect("unfinished").is_none());
    assert!(lock.exists(), "the lock file stays; only the OS lock goes");
}

#[test]
fn start_commit_unfinished_round_trip() {
    let (_dir, path) = state_path();
    let mut s = StateStore::open(&path).expect("open");
    assert!(s.unfinished().expect("unfinished").is_none());
    assert!(!s.in_progress());
    s.start(&meta()).expect("start");
    assert!(s.in_progress());

    let seed = entry("", 0, None);
    let a = entry("a?x=1", 1, Some("https://h.test/"));
    let b = entry("b", 1, Some("https://h.test/"));
    let c = entry("c", 2, Some("https://h.test/a?x=1"));
    let redirect_target = entry("moved", 1, None);
    s.commit(queue_batch(vec![seed.clone()])).expect("seed");
    let mut failed = done(&seed, None);
    failed.row.error = Some(ErrorClass::Timeout);
    failed.row.links = None;
    failed.row.bytes = None;
    failed.row.elapsed_ms = None;
    failed.row.status = None;
    let mut seed_done = done(&seed, Some(200));
    seed_done.row.error = Some(ErrorClass::TooLarge);
    s.commit(Batch {
        queued: vec![a.clone(), b.clone(), c.clone()],
        seen: vec![redirect_target.key],
        done: vec![seed_done.clone()],
    })
    .expect("batch");

    let r = s.unfinished().expect("unfinished").expect("some");
    assert_eq!(r.meta, meta());
    assert_eq!(r.queued, vec![a.clone(), b.clone(), c.clone()]);
    assert_eq!(
        r.seen,
        sorted(vec![seed.key, a.key, b.key, c.key, redirect_target.key])
    );
    assert_eq!(r.rows_logged, 1);
    assert_eq!(r.done, 1);
    assert_eq!(s.rows_from(0).expect("rows"), vec![seed_done.row.clone()]);

    let mut b_done = done(&b, Some(404));
    b_done.row.error = Some(ErrorClass::Http);
    let mut a_failed = failed.clone();
    a_failed.key = a.key;
    a_failed.remember = false;
    a_failed.row.url = a.url.to_string();
    s.commit(done_batch(vec![b_done.clone(), a_failed.clone()]))
        .expect("done");
    assert_eq!(s.rows_logged(), 3);
    assert_eq!(
        s.rows_from(1).expect("rows"),
        vec![b_done.row.clone(), a_failed.row.clone()]
    );
    assert_eq!(s.rows_from(3).expect("rows"), vec![]);
    assert_eq!(s.rows_from(u64::MAX).expect("rows"), vec![]);

    drop(s);
    let s = StateStore::open(&path).expect("reopen");
    assert!(s.in_progress());
    assert_eq!(s.rows_logged(), 3);
    let r = s.unfinished().expect("unfinished").expect("some");
    assert_eq!(r.queued, vec![c]);
    assert_eq!(r.done, 3);
    assert_eq!(r.rows_logged, 3);
    assert_eq!(
        s.rows_from(0).expect("rows"),
        vec![seed_done.row, b_done.row, a_failed.row]
    );
    assert_eq!(s.history_len().expect("history"), 2, "seed and b, not a");
}

#[test]
fn every_row_field_round_trips() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = StateStore::open(&dir.path().join("s")).expect("open");
    s.start(&meta()).expect("start");
    let mut dones = Vec::new();
    for (i, class) in ErrorClass::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .enumerate()
    {
        let e = entry(&format!("p{i}"), 3, Some("https://h.test/"));
        let mut d = done(&e, Some(u16::MAX - i as u16));
        d.row.error = class;
        d.row.links = Some(usize::MAX >> 1);
        d.row.bytes = Some(i as u64);
        d.row.elapsed_ms = if i % 2 == 0 {
            None
        } else {
            Some(u64::MAX >> 1)
        };
        d.row.encoding = "windows-1251".into();
        d.row.title = String::new();
        if i % 3 == 1 {
            d.row.text = format!("Paragraph {i}, «quoted».\n\n- item\n- item").repeat(i);
        }
        dones.push(d);
    }
    let mut empty = done(&entry("empty", 0, None), None);
    empty.row = Row::default();
    dones.push(empty);
    let expected: Vec<Row> = dones.iter().map(|d| d.row.clone()).collect();
    s.commit(done_batch(dones)).expect("commit");
    assert_eq!(s.rows_from(0).expect("rows"), expected);
    assert_eq!(s.rows_from(5).expect("rows"), expected[5..].to_vec());
}

#[test]
fn drop_without_finish_leaves_the_crawl_resumable_with_in_flight_entries_queued() {
    let (_dir, path) = state_path();
    let [a, b, c] = a_and_its_links();
    {
        let mut s = started(&path);
        s.commit(queue_batch(vec![a.clone(), b.clone(), c.clone()]))
            .expect("queue");
        // The coordinator has popped a and b (in flight); only a finishes before the "crash".
        s.commit(done_batch(vec![done(&a, Some(200))]))
            .expect("done");
        // Dropped without finish().
    }
    let s = StateStore::open(&path).expect("reopen");
    let r = s.unfinished().expect("unfinished").expect("some");
    assert_eq!(r.queued, vec![b.clone(), c.clone()], "b was in flight");
    assert_eq!(r.seen, sorted(vec![a.key, b.key, c.key]));
    assert_eq!(r.done, 1);
    assert_eq!(r.rows_logged, 1);
    assert_eq!(r.meta, meta());
}

#[test]
fn files_left_by_a_crashed_process_are_resumable() {
    // Copy the database and its write-ahead log as they are on disk while the store is open
    // (nothing checkpointed, no clean close): what a killed process leaves behind.
    let (dir, path) = state_path();
    let copy_dir = tempfile::tempdir().expect("tmp");
    let copy = copy_dir.path().join("state.db");
    let a = entry("a", 0, None);
    let b = entry("b", 1, Some("https://h.test/a"));
    let mut s = started(&path);
    s.commit(Batch {
        queued: vec![a.clone(), b.clone()],
        done: vec![],
        seen: vec![],
    })
    .expect("queue");
    s.commit(done_batch(vec![done(&a, Some(200))]))
        .expect("done");
    let wal = dir.path().join("state.db-wal");
    assert!(wal.exists(), "WAL mode");
    std::fs::copy(&path, &copy).expect("copy db");
    std::fs::copy(&wal, copy_dir.path().join("state.db-wal")).expect("copy wal");
    let c = StateStore::open(&copy).expect("open copy");
    let r = c.unfinished().expect("unfinished").expect("some");
    assert_eq!(r.queued, vec![b]);
    assert_eq!(r.done, 1);
    assert_eq!(c.rows_from(0).expect("rows").len(), 1);
    assert!(c.known(a.key).expect("known").is_some());
    drop(s);
}

const CHILD_ENV: &str = "TRAWL_STATE_TEST_CHILD";

/// Child half of `a_killed_process_releases_the_lock_and_keeps_its_commits`; a no-op unless
/// run by it.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let mut s = StateStore::open(&path).expect("child open");
    s.start(&meta()).expect("child start");
    let a = entry("a", 0, None);
    let b = entry("b", 1, Some("https://h.test/a"));
    s.commit(queue_batch(vec![a.clone(), b]))
        .expect("child queue");
    s.commit(done_batch(vec![done(&a, Some(200))]))
        .expect("child done");
    println!("ready");
    // Wait to be killed; give up after a minute so a failed parent leaves nothing behind.
    std::thread::sleep(Duration::from_secs(60));
    std::process::exit(3);
}

#[test]
fn a_killed_process_releases_the_lock_and_keeps_its_commits() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let (_dir, path) = state_path();
    let exe = std::env::current_exe().expect("test binary");
    let mut child = KillOnDrop(
        Command::new(exe)
            .args([
                "--exact",
                "state::tests::crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let ready = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("ready"));
    assert!(ready, "the child did not get ready");

    let err = StateStore::open(&path).expect_err("the child holds the lock");
    assert!(matches!(err, StateError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains(".lock"), "{err}");

    child.0.kill().expect("kill -9 the child");
    let status = child.0.wait().expect("wait");
    assert!(!status.success());

    let s = StateStore::open(&path).expect("the lock died with the child");
    let r = s.unfinished().expect("unfinished").expect("some");
    assert_eq!(paths(&r.queued), [("/b".to_owned(), 1)]);
    assert_eq!(r.done, 1);
    assert_eq!(r.rows_logged, 1);
    assert_eq!(s.history_len().expect("history"), 1);
}

#[test]
fn finish_clears_the_crawl_and_history_persists_across_crawls() {
    let (_dir, path) = state_path();
    let [a, b, c] = a_and_its_links();
    {
        let mut s = started(&path);
        s.commit(queue_batch(vec![a.clone(), b.clone(), c.clone()]))
            .expect("queue");
        s.commit(done_batch(vec![done(&a, Some(200)), done(&b, Some(301))]))
            .expect("done");
        s.finish().expect("finish");
        assert!(!s.in_progress());
        assert!(s.unfinished().expect("unfinished").is_none());
        assert_eq!(s.rows_from(0).expect("rows"), vec![]);
        assert_eq!(s.rows_logged(), 0);
        assert_eq!(s.history_len().expect("history"), 2);
        let err = s.commit(Batch::default()).expect_err("no crawl");
        assert!(matches!(err, StateError::NoCrawl { .. }), "{err:?}");
    }
    let mut s = StateStore::open(&path).expect("reopen");
    assert!(s.unfinished().expect("unfinished").is_none());
    assert_eq!(s.history_len().expect("history"), 2);
    assert!(s.known(a.key).expect("a").is_some());
    assert!(s.known(b.key).expect("b").is_some());
    assert!(s.known(c.key).expect("c").is_none());

    // The second crawl starts empty and adds to the history.
    let mut m = meta();
    m.started_at = "2026-01-02T00:00:00Z".into();
    s.start(&m).expect("start 2");
    let r = s.unfinished().expect("unfinished").expect("some");
    assert_eq!(r.meta, m);
    assert!(r.queued.is_empty() && r.seen.is_empty());
    assert_eq!((r.done, r.rows_logged), (0, 0));
    let mut again = done(&a, Some(304));
    again.write_row = false;
    s.commit(Batch {
        queued: vec![a.clone(), c.clone()],
        done: vec![again, done(&c, Some(200))],
        ..Batch::default()
    })
    .expect("crawl 2");
    assert_eq!(s.history_len().expect("history"), 3);
    let rows = s.rows_from(0).expect("rows");
    assert_eq!(rows.len(), 1, "the revisited page is not logged");
    assert_eq!(rows[0].url, c.url.as_str());
    assert_eq!(s.unfinished().expect("u").expect("some").done, 2);
}

#[test]
fn start_discards_an_unfinished_crawl_but_keeps_its_history() {
    let (_dir, path) = state_path();
    let a = entry("a", 0, None);
    let b = entry("b", 1, None);
    let mut s = started(&path);
    s.commit(Batch {
        queued: vec![a.clone(), b.clone()],
        done: vec![done(&a, Some(200))],
        seen: vec![],
    })
    .expect("commit");
    drop(s);
    let mut s = StateStore::open(&path).expect("reopen");
    assert!(s.unfinished().expect("u").is_some());
    let mut m = meta();
    m.seeds = vec!["https://other.test/".into()];
    s.start(&m).expect("restart");
    let r = s.unfinished().expect("u").expect("some");
    assert_eq!(r.meta, m);
    assert!(r.queued.is_empty());
    assert!(r.seen.is_empty());
    assert_eq!((r.done, r.rows_logged), (0, 0));
    assert_eq!(s.rows_from(0).expect("rows"), vec![]);
    assert!(s.known(a.key).expect("known").is_some());
    // Queue sequence numbers restart; b queued again is alone.
    s.commit(queue_batch(vec![b.clone()])).expect("commit");
    assert_eq!(s.unfinished().expect("u").expect("some").queued, vec![b]);
}

#[test]
fn known_validators_are_upserted() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
    s.start(&meta()).expect("start");
    let a = entry("a", 0, None);
    assert_eq!(s.known(a.key).expect("known"), None);

    let lm = "Wed, 21 Oct 2015 07:28:00 GMT";
    let validated = |status, etag: &str, last_modified: Option<&str>| Done {
        validators: Validators {
            etag: Some(etag.into()),
            last_modified: last_modified.map(Into::into),
        },
        ..done(&a, Some(status))
    };
    // Commit `d`, then what is remembered of a.
    let mut remembered = |d: Done, what: &str| {
        s.commit(done_batch(vec![d])).expect(what);
        s.known(a.key).expect("known")
    };
    assert_eq!(
        remembered(validated(200, "\"v1\"", Some(lm)), "v1"),
        known("\"v1\"", Some(lm))
    );

    // A 304 that repeats only the ETag keeps the remembered Last-Modified.
    assert_eq!(
        remembered(validated(304, "\"v1b\"", None), "304"),
        known("\"v1b\"", Some(lm))
    );

    // A 200 replaces both, including with none.
    assert_eq!(
        remembered(validated(200, "\"v2\"", None), "v2"),
        known("\"v2\"", None)
    );

    // A later failure (remember = false) leaves the remembered page as it was.
    let failed = Done {
        remember: false,
        ..validated(503, "\"never\"", None)
    };
    assert_eq!(
        remembered(failed, "503").and_then(|k| k.etag),
        Some("\"v2\"".into())
    );
    assert_eq!(s.history_len().expect("history"), 1);
}

#[test]
fn remember_false_is_not_in_the_history() {
    let (_dir, path) = state_path();
    let mut s = started(&path);
    let a = entry("a", 0, None);
    let b = entry("b", 0, None);
    let mut fa = done(&a, None);
    fa.remember = false;
    fa.row.error = Some(ErrorClass::Dns);
    let mut fb = done(&b, Some(429));
    fb.remember = false;
    fb.validators.etag = Some("\"x\"".into());
    s.commit(Batch {
        queued: vec![a.clone(), b.clone()],
        done: vec![fa, fb],
        ..Batch::default()
    })
    .expect("commit");
    assert_eq!(s.known(a.key).expect("a"), None);
    assert_eq!(s.known(b.key).expect("b"), None);
    assert_eq!(s.history_len().expect("history"), 0);
    assert_eq!(
        s.rows_from(0).expect("rows").len(),
        2,
        "rows are still logged"
    );
    s.finish().expect("finish");
    drop(s);
    let s = StateStore::open(&path).expect("reopen");
    assert_eq!(s.known(a.key).expect("a"), None);
}

#[test]
fn promoted_entries_move_to_the_back_of_their_new_depth() {
    let (_dir, path) = state_path();
    let mut s = started(&path);
    s.commit(Batch {
        queued: vec![
            entry("x", 3, Some("https://h.test/deep")),
            entry("y", 2, None),
            entry("z", 3, None),
        ],
        ..Batch::default()
    })
    .expect("first");
    s.commit(queue_batch(vec![entry("w", 2, None)]))
        .expect("second");
    let promoted = entry("x", 2, Some("https://h.test/shallow"));
    // Promotions in one batch apply in order: v promoted twice ends at depth 1.
    s.commit(Batch {
        queued: vec![
            promoted.clone(),
            entry("v", 4, None),
            entry("u", 1, None),
            entry("v", 3, None),
            entry("v", 1, None),
        ],
        ..Batch::default()
    })
    .expect("promote");
    drop(s);
    let s = StateStore::open(&path).expect("reopen");
    let r = s.unfinished().expect("u").expect("some");
    assert_eq!(
        paths(&r.queued),
        [
            ("/u".to_owned(), 1),
            ("/v".to_owned(), 1),
            ("/y".to_owned(), 2),
            ("/w".to_owned(), 2),
            ("/x".to_owned(), 2),
            ("/z".to_owned(), 3),
        ]
    );
    let x = r.queued.iter().find(|e| e.key == promoted.key).expect("x");
    assert_eq!(x, &promoted, "depth and parent replaced");
    assert_eq!(r.seen.len(), 6);
}

#[test]
fn marked_seen_removes_a_queued_copy_and_done_keys_are_not_requeued() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
    s.start(&meta()).expect("start");
    let a = entry("a", 1, None);
    let b = entry("b", 1, None);
    let c = entry("c", 1, None);
    s.commit(Batch {
        queued: vec![a.clone(), b.clone(), c.clone()],
        seen: vec![b.key],
        done: vec![done(&a, Some(200))],
    })
    .expect("commit");
    s.commit(queue_batch(vec![entry("a", 0, None)]))
        .expect("re-queue a done key");
    let r = s.unfinished().expect("u").expect("some");
    assert_eq!(r.queued, vec![c.clone()]);
    assert_eq!(r.seen, sorted(vec![a.key, b.key, c.key]));
    assert_eq!(r.done, 1);
}

#[test]
fn keys_with_the_high_bit_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
    s.start(&meta()).expect("start");
    let mut e = entry("a", 0, None);
    let keys = [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1];
    let entries: Vec<Entry> = keys
        .iter()
        .map(|&k| {
            e.key = k;
            e.url = Url::parse(&format!("https://h.test/{k}")).expect("url");
            e.clone()
        })
        .collect();
    s.commit(queue_batch(entries.clone())).expect("commit");
    let mut d = done(&entries[2], Some(200));
    d.validators.etag = Some("e".into());
    s.commit(done_batch(vec![d])).expect("done");
    let r = s.unfinished().expect("u").expect("some");
    let mut expected = entries.clone();
    expected.remove(2);
    assert_eq!(r.queued, expected);
    assert_eq!(r.seen, sorted(keys.to_vec()));
    assert!(s.known(u64::MAX).expect("known").is_some());
    assert!(s.known(u64::MAX - 1).expect("known").is_none());
}

#[test]
fn a_failed_batch_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = StateStore::open(&dir.path().join("state.db")).expect("open");
    s.start(&meta()).expect("start");
    let a = entry("a", 0, None);
    s.commit(queue_batch(vec![a.clone()])).expect("commit");
    // A byte count beyond i64 cannot be stored: the whole batch is refused.
    let b = entry("b", 1, None);
    let good = done(&a, Some(200));
    let mut bad = done(&b, Some(200));
    bad.row.bytes = Some(u64::MAX);
    let err = s
        .commit(Batch {
            queued: vec![b.clone()],
            seen: vec![],
            done: vec![good, bad],
        })
        .expect_err("u64::MAX does not fit");
    assert!(matches!(err, StateError::Db { .. }), "{err:?}");
    assert!(err.to_string().contains("state.db"), "{err}");
    let r = s.unfinished().expect("u").expect("some");
    assert_eq!(r.queued, vec![a.clone()]);
    assert_eq!((r.done, r.rows_logged), (0, 0));
    assert_eq!(s.rows_logged(), 0);
    assert_eq!(s.history_len().expect("history"), 0);
    // The next good batch numbers its rows from 0.
    s.commit(done_batch(vec![done(&a, Some(200))]))
        .expect("commit");
    assert_eq!(s.rows_from(0).expect("rows").len(), 1);
    assert_eq!(s.rows_logged(), 1);
}

fn open_error(path: &Path) -> String {
    match StateStore::open(path) {
        Err(e @ StateError::Open { .. }) => e.to_string(),
        Err(other) => panic!("expected Open, got {other:?}"),
        Ok(_) => panic!("{} must be refused", path.display()),
    }
}

#[test]
fn non_trawl_and_corrupted_files_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "seeds and notes, not a database\n".repeat(100)).expect("write");
    let msg = open_error(&text);
    assert!(msg.contains("not a trawl state file"), "{msg}");
    assert!(msg.contains("notes.txt"), "{msg}");
    // SQLite alone would take a file shorter than its header for an empty database.
    let short = dir.path().join("short");
    std::fs::write(&short, "x").expect("write");
    let msg = open_error(&short);
    assert!(msg.contains("not a trawl state file"), "{msg}");
    assert_eq!(std::fs::read(&short).expect("read"), b"x");

    let other = dir.path().join("other.sqlite");
    {
        let c = Connection::open(&other).expect("sqlite");
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("table");
    }
    let msg = open_error(&other);
    assert!(msg.contains("not a trawl state file"), "{msg}");
    assert!(msg.contains("another program"), "{msg}");

    // A trawl state whose pages were overwritten with garbage.
    let damaged = dir.path().join("damaged.db");
    {
        let mut s = StateStore::open(&damaged).expect("open");
        s.start(&meta()).expect("start");
    }
    let good = std::fs::read(&damaged).expect("read");
    assert!(good.len() > 4096);
    // Garbage where the file begins, over the header after its magic, over the schema page.
    for range in [0..100, 16..100, 100..4096] {
        let mut bytes = good.clone();
        for b in &mut bytes[range.clone()] {
            *b = 0x5a;
        }
        std::fs::write(&damaged, &bytes).expect("write");
        let msg = open_error(&damaged);
        assert!(msg.contains("not a trawl state file"), "{range:?}: {msg}");
        assert_eq!(
            std::fs::read(&damaged).expect("read"),
            bytes,
            "left as it was"
        );
    }

    // A directory cannot be a state.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let msg = open_error(&sub);
    assert!(msg.contains(&sub.display().to_string()), "{msg}");

    // The file is never modified by the refusal.
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "seeds and notes, not a database\n".repeat(100)
    );
    assert!(!dir.path().join("notes.txt-wal").exists());
}

#[test]
fn a_state_from_a_newer_schema_is_refused() {
    let (_dir, path) = state_path();
    drop(StateStore::open(&path).expect("create"));
    {
        let c = Connection::open(&path).expect("sqlite");
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
    }
    let msg = open_error(&path);
    assert!(msg.contains("newer trawl"), "{msg}");
    assert!(
        msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{msg}"
    );
}

/// Rewind a state file to an older schema version, as an older trawl left it (before 3, the
/// rows had no `meta` column; before 4, no `text` column).
fn set_version(path: &Path, version: i64) {
    let c = Connection::open(path).expect("sqlite");
    let has_meta: i64 = c
        .query_row(
            "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'meta'",
            [],
            |r| r.get(0),
        )
        .expect("table_info");
    if version < 3 && has_meta > 0 {
        c.execute_batch("ALTER TABLE rows DROP COLUMN meta")
            .expect("drop meta");
    }
    let has_text: i64 = c
        .query_row(
            "SELECT count(*) FROM pragma_table_info('rows') WHERE name = 'text'",
            [],
            |r| r.get(0),
        )
        .expect("table_info");
    if version < 4 && has_text > 0 {
        c.execute_batch("ALTER TABLE rows DROP COLUMN text")
            .expect("drop text");
    }
    c.pragma_update(None, "user_version", version)
        .expect("user_version");
}

fn version_of(path: &Path) -> i64 {
    let c = Connection::open(path).expect("sqlite");
    c.pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version")
}

#[test]
fn a_version_1_state_is_migrated_and_its_keys_still_match() {
    let (_dir, path) = state_path();
    let a = entry("a?utm_source=x&b=1", 1, Some("https://h.test/"));
    let b = entry("b", 1, Some("https://h.test/"));
    {
        let mut s = StateStore::open(&path).expect("create");
        s.start(&meta()).expect("start");
        s.commit(queue_batch(vec![a.clone(), b.clone()]))
            .expect("queue");
        let mut d = done(&a, Some(200));
        d.validators.etag = Some("\"v1\"".into());
        s.commit(done_batch(vec![d])).expect("done");
    }
    // A version 1 file: the same tables; its keys were written by the std hasher, which
    // `url_norm` pins equal to today's (golden values), so a fresh key finds them.
    set_version(&path, 1);
    let s = StateStore::open(&path).expect("migrated");
    assert_eq!(version_of(&path), SCHEMA_VERSION);
    let r = s.unfinished().expect("unfinished").expect("in progress");
    assert_eq!(r.meta, meta());
    assert_eq!(paths(&r.queued), vec![("/b".to_string(), 1)]);
    assert_eq!(r.done, 1);
    assert_eq!(r.rows_logged, 1);
    let again = url_norm::key(&Url::parse("https://h.test/a?b=1").expect("url"));
    assert_eq!(
        s.known(again).expect("known"),
        Some(Validators {
            etag: Some("\"v1\"".into()),
            last_modified: None
        })
    );
    drop(s);
    // Opening a migrated file again is a plain open.
    drop(StateStore::open(&path).expect("reopen"));
    assert_eq!(version_of(&path), SCHEMA_VERSION);
}

#[test]
fn a_version_2_state_gets_the_meta_column_and_rows_keep_their_metadata() {
    let (_dir, path) = state_path();
    let a = entry("a", 1, Some("https://h.test/"));
    let b = entry("b", 1, Some("https://h.test/"));
    {
        let mut s = StateStore::open(&path).expect("create");
        s.start(&meta()).expect("start");
        s.commit(Batch {
            queued: vec![a.clone(), b.clone()],
            done: vec![done(&a, Some(200))],
            ..Batch::default()
        })
        .expect("commit");
    }
    set_version(&path, 2);
    let mut s = StateStore::open(&path).expect("migrated");
    assert_eq!(version_of(&path), SCHEMA_VERSION);
    let old = s.rows_from(0).expect("rows");
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].meta, None);
    let mut d = done(&b, Some(200));
    d.row.meta = Some(Box::new(crate::meta::Meta {
        published: "2026-11-30T13:05:00Z".into(),
        author: "Ада; \"Grace\"".into(),
        site_name: "S".into(),
        ..crate::meta::Meta::default()
    }));
    s.commit(done_batch(vec![d.clone()])).expect("commit");
    drop(s);
    let s = StateStore::open(&path).expect("reopen");
    let rows = s.rows_from(0).expect("rows");
    assert_eq!(rows, vec![old[0].clone(), d.row]);
}

#[test]
fn a_version_3_state_gets_the_text_column_and_rows_keep_their_text() {
    let (_dir, path) = state_path();
    let a = entry("a", 1, Some("https://h.test/"));
    let b = entry("b", 1, Some("https://h.test/"));
    {
        let mut s = StateStore::open(&path).expect("create");
        s.start(&meta()).expect("start");
        s.commit(Batch {
            queued: vec![a.clone(), b.clone()],
            done: vec![done(&a, Some(200))],
            ..Batch::default()
        })
        .expect("commit");
    }
    set_version(&path, 3);
    let mut s = StateStore::open(&path).expect("migrated");
    assert_eq!(version_of(&path), SCHEMA_VERSION);
    let old = s.rows_from(0).expect("rows");
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].text, "");
    let mut d = done(&b, Some(200));
    d.row.text = "Первый абзац статьи.\n\nSecond paragraph.".repeat(50);
    s.commit(done_batch(vec![d.clone()])).expect("commit");
    drop(s);
    let s = StateStore::open(&path).expect("reopen");
    assert_eq!(
        s.rows_from(0).expect("rows"),
        vec![old[0].clone(), d.row.clone()]
    );
    // Kept compressed: the stored bytes are a fraction of the text.
    let c = Connection::open(&path).expect("sqlite");
    let stored: i64 = c
        .query_row("SELECT length(text) FROM rows WHERE seq = 1", [], |r| {
            r.get(0)
        })
        .expect("length");
    assert!(stored * 10 < d.row.text.len() as i64, "{stored}");
}

#[test]
fn damaged_stored_text_is_an_error_naming_it() {
    let (_dir, path) = state_path();
    let a = entry("a", 0, None);
    {
        let mut s = StateStore::open(&path).expect("create");
        s.start(&meta()).expect("start");
        let mut d = done(&a, Some(200));
        d.row.text = "text".into();
        s.commit(done_batch(vec![d])).expect("commit");
    }
    let c = Connection::open(&path).expect("sqlite");
    c.execute("UPDATE rows SET text = x'ffffffff'", [])
        .expect("damage");
    drop(c);
    let s = StateStore::open(&path).expect("open");
    let err = s.rows_from(0).expect_err("damaged").to_string();
    assert!(err.contains("stored text"), "{err}");
}

#[test]
fn a_failed_migration_leaves_the_file_as_it_was() {
    let (_dir, path) = state_path();
    drop(StateStore::open(&path).expect("create"));
    set_version(&path, 1);
    // A foreign reader holds a read transaction with the WAL: the migration cannot take the
    // write lock within the busy timeout, and must fail without writing anything.
    let c = Connection::open(&path).expect("sqlite");
    c.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let msg = open_error(&path);
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(msg.contains("state.db"), "{msg}");
    assert!(
        msg.contains("cannot migrate from schema version 1"),
        "{msg}"
    );
    c.execute_batch("ROLLBACK").expect("unlock");
    drop(c);
    assert_eq!(version_of(&path), 1);
}

#[test]
fn refusals_are_one_line() {
    let (_dir, path) = state_path();
    drop(StateStore::open(&path).expect("create"));
    for version in [SCHEMA_VERSION + 1, 0, -1] {
        set_version(&path, version);
        let msg = open_error(&path);
        assert!(!msg.contains('\n'), "one line: {msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(&format!("schema version {version}")), "{msg}");
        assert_eq!(version_of(&path), version, "left as it was");
    }
}

#[test]
fn a_trawl_state_missing_a_table_is_refused() {
    let (_dir, path) = state_path();
    drop(StateStore::open(&path).expect("create"));
    {
        let c = Connection::open(&path).expect("sqlite");
        c.execute_batch("DROP TABLE history").expect("drop");
    }
    let msg = open_error(&path);
    assert!(msg.contains("history"), "{msg}");
}

#[test]
fn a_missing_directory_is_an_open_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("no/such/dir/state.db");
    let msg = open_error(&path);
    assert!(msg.contains("no/such/dir/state.db"), "{msg}");
    assert!(msg.contains(".lock"), "{msg}");
}

#[test]
fn the_file_is_a_wal_mode_trawl_database() {
    let (_dir, path) = state_path();
    drop(StateStore::open(&path).expect("create"));
    let c = Connection::open(&path).expect("sqlite");
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let id: i64 = c
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .expect("id");
    assert_eq!(id, APPLICATION_ID);
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(v, SCHEMA_VERSION);
}

#[test]
fn large_batches_stay_fast() {
    const QUEUED: usize = 100_000;
    const DONE: usize = 50_000;
    const BATCH: usize = 5_000;
    let (_dir, path) = state_path();
    let mut s = started(&path);
    let entries: Vec<Entry> = (0..QUEUED)
        .map(|i| {
            entry(
                &format!("article/{i}?utm_source=x"),
                1 + (i % 3) as u32,
                Some("https://h.test/"),
            )
        })
        .collect();
    let t = Instant::now();
    let mut batches = 0;
    for chunk in entries.chunks(BATCH) {
        s.commit(queue_batch(chunk.to_vec())).expect("queue batch");
        batches += 1;
    }
    let queued_time = t.elapsed();
    let t = Instant::now();
    for chunk in entries[..DONE].chunks(BATCH) {
        let done: Vec<Done> = chunk
            .iter()
            .map(|e| {
                let mut d = done(e, Some(200));
                d.validators.etag = Some(format!("\"{}\"", e.key));
                d
            })
            .collect();
        s.commit(Batch {
            done,
            ..Batch::default()
        })
        .expect("done batch");
        batches += 1;
    }
    let done_time = t.elapsed();
    let t = Instant::now();
    let r = s.unfinished().expect("u").expect("some");
    let resume_time = t.elapsed();
    let t = Instant::now();
    let rows = s.rows_from(0).expect("rows");
    let rows_time = t.elapsed();
    eprintln!(
        "state: {QUEUED} queued in {queued_time:?}, {DONE} done in {done_time:?} \
             ({batches} batches of {BATCH}), resume read in {resume_time:?}, \
             {} rows read in {rows_time:?}",
        rows.len()
    );
    assert_eq!(r.queued.len(), QUEUED - DONE);
    assert_eq!(r.seen.len(), QUEUED);
    assert_eq!(r.done, DONE as u64);
    assert_eq!(rows.len(), DONE);
    assert_eq!(s.history_len().expect("history"), DONE as u64);
    // Queue order: by depth, then insertion order.
    assert!(r.queued.windows(2).all(|w| w[0].depth <= w[1].depth));
    for depth in 1..=3 {
        let got: Vec<&Entry> = r.queued.iter().filter(|e| e.depth == depth).collect();
        let expected: Vec<&Entry> = entries[DONE..]
            .iter()
            .filter(|e| e.depth == depth)
            .collect();
        assert_eq!(got, expected, "FIFO at depth {depth}");
    }
    let t = Instant::now();
    s.finish().expect("finish");
    eprintln!("state: finish in {:?}", t.elapsed());
}
