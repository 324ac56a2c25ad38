//! The crawl engine: the coordinator, its workers and the frontier they serve.

pub mod coordinator;
pub mod frontier;
pub mod worker;

pub use coordinator::{crawl, Summary};
