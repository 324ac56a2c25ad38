//! Structural thread lifetimes: when `crawl` returns, every worker thread (and the HTTP client's
//! runtime thread) has exited. One test in its own binary, so no other crawl runs beside it.

#[path = "it/common/mod.rs"]
mod common;

use common::harness::{config, run};
use common::server::{Response, TestServer};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Names of this process's live threads (Linux: /proc/self/task/*/comm, 15 characters at most).
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("procfs")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|s| s.trim().to_owned())
        .collect()
}

fn workers_alive() -> usize {
    thread_names()
        .iter()
        .filter(|n| n.starts_with("trawl-worker"))
        .count()
}

#[test]
fn every_worker_thread_has_exited_when_crawl_returns() {
    // The page handler counts the worker threads while the crawl runs: proof that the check below
    // can see them at all.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in_handler = seen.clone();
    let server = TestServer::start(move |req| {
        // A spawned thread names itself when it first runs, so the first request can arrive
        // before every worker shows its name: wait for them (bounded, a guard against hangs).
        let guard = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut alive = workers_alive();
        while alive < 24 && std::time::Instant::now() < guard {
            std::thread::sleep(std::time::Duration::from_millis(1));
            alive = workers_alive();
        }
        seen_in_handler.lock().expect("lock").push(alive);
        match req.path_only() {
            "/" => Response::html("<title>t</title><a href=\"/a\">a</a><a href=\"/b\">b</a>"),
            _ => Response::html("<title>leaf</title>"),
        }
    });
    assert_eq!(workers_alive(), 0);
    let mut c = config(&[server.url("/")]);
    c.workers = NonZeroUsize::new(24).expect("nonzero");
    let (_, sink) = run(c);
    assert_eq!(sink.rows.len(), 3);
    assert_eq!(*seen.lock().expect("lock"), vec![24, 24, 24]);
    let after = thread_names();
    assert!(
        !after
            .iter()
            .any(|n| n.starts_with("trawl-worker") || n.starts_with("reqwest-")),
        "threads left running: {after:?}"
    );
}
