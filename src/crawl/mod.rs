//! The crawl engine: the coordinator's loop, its workers, and the scheduler (frontier and
//! per-host politeness) behind the interface the loop calls.

pub mod coordinator;
mod dispatch;
pub mod filter;
pub mod frontier;
pub mod hosts;
pub mod jobs;
pub mod launch;
pub mod ledger;
pub mod link_memo;
pub mod local;
pub mod page_links;
pub mod page_meta;
pub mod robots_cache;
pub mod scheduler;
pub mod stop;
pub mod summary;
mod waitlist;
pub mod worker;

pub use launch::{crawl, crawl_shared};
pub use ledger::Persist;
pub use stop::{Progress, Stop, StopCause};
pub use summary::Summary;
