//! The integration tests, in one test crate (one link step; shared fixtures in `common`):
//! each module tests one part of trawl against servers the tests start on loopback.
//! `tests/threads.rs` stays a binary of its own: it counts every worker thread of its process,
//! so no other crawl may run beside it.

mod common;

mod budget;
mod charset_late;
mod cli;
mod coordinator;
mod crawl;
mod cron;
mod durable;
mod extract_agreement;
mod hostile;
mod man_page;
mod meta_cli;
mod meta_crawl;
mod outputs;
mod pages;
mod panic;
mod polite;
mod redis_crawl;
mod redis_fixture;
mod redis_keys;
mod redis_more;
mod requests;
mod server_selftest;
mod state_history;
mod stop;
mod stop_report;
mod text_cli;
mod text_resume;
mod unattended;
