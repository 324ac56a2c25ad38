//! Shared helpers for the integration tests.
//!
//! Each test crate pulls this in with `mod common;` and uses only a subset,
//! so unused items are expected here.
#![allow(dead_code)]

pub mod cli;
pub mod harness;
pub mod redis;
pub mod server;
