//! The schedule room: what to fetch next and when. The frontier and the per-host scheduler
//! behind one small interface, [`Schedule`], which is all the coordinator's loop calls: offer a
//! page's links, take the next ready job, account for an answer, complete a page (with its
//! links), retry it later, hand a redirect over to another host, take a job back on a stop, and
//! ask whether everything is done. Each operation is one call that a shared implementation could
//! make one atomic step on a server.
//!
//! **Rule: this room owns time, reads no clock and never blocks.** Every moment is an argument
//! (`now`, `due`), so its tests drive it with made-up instants; it sends nothing and waits for
//! nothing. Only [`Schedule`], its messages ([`Next`], [`Answered`], [`Finished`],
//! [`Completion`], [`Verdict`], [`Counts`]), [`Rules`] and [`LocalScheduler`] leave this room;
//! `hosts` (politeness), `frontier` and `waitlist` (the queue and the seen-set) and `dispatch`
//! (picking the next job) are private to it.
//!
//! [`LocalScheduler`] is the in-process implementation. `shared::scheduler`'s `RedisScheduler`
//! is the one of a crawl shared through Redis: each operation one script call, and a page's
//! completion carries its links so the shared run can never look finished between the two.

mod dispatch;
mod frontier;
mod hosts;
mod interface;
mod local;
mod waitlist;

pub use interface::{Answered, Completion, Counts, Finished, Next, Rules, Schedule, Verdict};
pub use local::LocalScheduler;
