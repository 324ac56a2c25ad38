//! Shared helpers for the integration tests.
//!
//! The `it` test crate declares it once (`tests/it/main.rs`); `tests/threads.rs`, which must be
//! a process of its own, pulls it in by path and uses only a subset, so unused items are expected
//! there.
#![allow(dead_code)]

pub mod cli;
pub mod gate;
pub mod harness;
pub mod redis;
pub mod server;
pub mod tls;
