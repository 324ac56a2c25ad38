//! How one step of a run hands its result to the next, or ends the run there: with an exit status
//! (after the step said why, on one line), or with an error for `main` to print. Every step of
//! [`run`](super::run) returns a [`Step`], so `?` ends the run at the step that cannot go on.

use crate::error::{ConfigError, CrawlError};
use crate::exit::Exit;

/// How a step ends the run before its end: with an exit status (the step said why, on one
/// line), or with an error for `main` to print.
pub(super) enum Early {
    Exit(Exit),
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Early {
    fn from(e: anyhow::Error) -> Early {
        Early::Error(e)
    }
}

impl From<CrawlError> for Early {
    fn from(e: CrawlError) -> Early {
        Early::Error(e.into())
    }
}

/// What a step gives the next one, or how the run ends there.
pub(super) type Step<T> = Result<T, Early>;

/// A usage error: its one line, and exit 2.
pub(super) fn usage(e: &ConfigError) -> Early {
    eprintln!("trawl: {e}");
    Early::Exit(Exit::Usage)
}
