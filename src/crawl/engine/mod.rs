//! The engine room: the loop that runs one crawl. `launch` wires it (what the workers share, the
//! channels, the ledger, the caller's schedule), spawns the workers, runs the `coordinator`'s
//! loop and winds down; the `ledger` writes rows and mirrors the state; `stop` is the external
//! stop handle and its progress counters; `summary` is what the crawl reports.
//!
//! **Rule: the coordinator is the only sender of jobs and never blocks.** It waits with
//! `select!` on room in the bounded job channel, on the workers' outcomes, on a stop and on the
//! next deadline together, never on a fixed tick; a worker never blocks sending its outcome.
//! **A row reaches its file before its page counts as done** anywhere else (the state, a shared
//! store, the schedule). The invariants that follow are beside the loop, in `coordinator`.
//!
//! What leaves this room: [`crawl_with`] (with its [`Mode`] and [`ScheduleInputs`]), the
//! [`Stop`] handle (with [`StopCause`] and the [`Progress`] counters), [`Persist`], [`Summary`]
//! and [`idle_workers`]; the coordinator, its channels and the ledger stay inside (the
//! coordinator's fields reach only this room).

mod coordinator;
mod launch;
mod ledger;
mod stop;
mod summary;

pub use launch::{crawl_with, idle_workers, Mode, ScheduleInputs};
pub use ledger::Persist;
pub use stop::{Progress, Stop, StopCause};
pub use summary::Summary;
