//! One crawl shared by many processes (on many machines) through Redis (`--redis`,
//! `--crawl-id`): joining a crawl and its runs (`join`), a process's part of a run (`run`), the
//! connection and the one Lua script every operation is (`store`, `frontier.lua`), the
//! [`Schedule`](crate::crawl::schedule::Schedule) implementation the coordinator drives
//! (`scheduler`), the wake-up subscription (`waker`), the JSON that travels (`codec`), and
//! `trawl export` (`export`), and `trawl forget` (`forget`). Its errors are `error::SharedError`. The loop, workers, fetch,
//! extraction and output are the same as for one process.

pub mod codec;
pub mod export;
pub mod forget;
pub mod join;
pub mod run;
pub mod scheduler;
pub mod store;
mod waker;

pub use join::join;
