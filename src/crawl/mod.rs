//! The crawl engine: the coordinator, its workers and the frontier they serve.

pub mod clock;
pub mod coordinator;
pub mod filter;
pub mod frontier;
pub mod hosts;
pub mod link_memo;
pub mod page_links;
pub mod robots_cache;
mod waitlist;
pub mod worker;

pub use coordinator::{crawl, Persist, Stop, Summary};
