//! Shared helpers for the integration tests, one copy of each, used by every test file.
//!
//! The room's rule: it owns what tests need to set a scene and read its outcome (servers, Redis,
//! sites, the binary and its processes, waiting, reading rows and summaries back); it asserts
//! only what is true of every test (a row is whole, a wait ends), never a test's own
//! expectations, and never sleeps where it could poll a condition (time limits are guards
//! against hangs only).
//!
//! - `server.rs`, `tls.rs`: the test HTTP(S) server and its log; `sites.rs`: sites built on it.
//! - `gate.rs`: holding requests until the test lets them through.
//! - `redis.rs`: a redis-server of the test's own.
//! - `cli.rs`: running the binary to its end; `procs.rs`: processes a test keeps running.
//! - `wait.rs`: waiting for a condition; `rows.rs`: reading outputs and summaries back.
//! - `harness.rs`: a crawl through the library, rows kept in memory.
//!
//! The `it` test crate declares it once (`tests/it/main.rs`); `tests/threads.rs`, which must be
//! a process of its own, pulls it in by path and uses only a subset, so unused items are expected
//! there.
#![allow(dead_code)]

pub mod cli;
pub mod gate;
pub mod harness;
pub mod procs;
pub mod redis;
pub mod rows;
pub mod server;
pub mod sites;
pub mod tls;
pub mod wait;
