//! The work room: the worker threads and what they share. A worker takes a job from the job
//! channel (a page, a robots.txt, a sitemap or a feed), fetches it, reads it (title, links,
//! metadata, text) and sends its outcome back to the coordinator.
//!
//! **Rule: one job in, one outcome out; a worker never schedules, never writes output and never
//! sleeps on a clock.** It sends nothing into the job channel (that is the coordinator's alone),
//! decides no host's timing (the schedule owns time: a failed robots.txt's outcome says how long
//! to wait, by the `retry` rule, and the schedule does the waiting), writes no row (the
//! coordinator's ledger does), and waits only for a job, the network and room in the body budget.
//!
//! What the loop uses leaves this room: `WorkerContext` and `run`, `PageMeta`, the `RobotsCache`
//! (shared with `shared/`, which also reads stored verdicts with `robots_guarded`) and the
//! `retry` rule (the coordinator applies it to pages, the worker to robots.txt; it lives here,
//! beside its first user, because the loop may look down into this room but this room never
//! looks up into the loop). The benches and tests read pages with [`page_links`], [`LinkFilter`]
//! and [`LinkMemo`].

mod filter;
mod link_memo;
pub mod page_links;
mod page_meta;
pub(crate) mod retry;
mod robots_cache;
mod worker;

pub use filter::LinkFilter;
pub use link_memo::LinkMemo;
pub(crate) use page_meta::PageMeta;
pub(crate) use robots_cache::{guarded as robots_guarded, RobotsCache};
pub(crate) use worker::{run, WorkerContext};
