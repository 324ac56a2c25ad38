//! The crawl engine: the coordinator's loop, its workers, and the scheduler (frontier and
//! per-host politeness) behind the interface the loop calls.

pub(crate) mod coordinator;
mod dispatch;
pub mod filter;
pub(crate) mod frontier;
pub(crate) mod hosts;
pub(crate) mod jobs;
pub(crate) mod launch;
pub(crate) mod ledger;
pub mod link_memo;
pub(crate) mod local;
pub mod page_links;
pub(crate) mod page_meta;
pub(crate) mod retry;
pub(crate) mod robots_cache;
pub(crate) mod scheduler;
pub(crate) mod stop;
pub(crate) mod summary;
mod waitlist;
pub mod worker;

pub use launch::crawl;
pub use ledger::Persist;
pub use stop::{Progress, Stop, StopCause};
pub use summary::Summary;
