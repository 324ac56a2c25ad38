//! Exit statuses of the `trawl` binary, written down once. They live in crontabs and scripts:
//! never renumber them. The README's table mirrors this enum.

/// The process exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The crawl ran to the end (some pages may have failed).
    Ok = 0,
    /// A fatal error after the crawl started (e.g. the output disk filled up).
    Fatal = 1,
    /// Bad input: a bad seed, a missing seed file, an unwritable output path, a bad option.
    Usage = 2,
    /// The crawl ran, but not a single page could be fetched (no HTTP response at all).
    NothingFetched = 3,
    /// The crawl ran to its end, but at least one seed's host gave no page (a 2xx or 304): its
    /// robots.txt was unreachable, its name did not resolve, every page failed, ...
    SeedGaveNothing = 4,
    /// Another trawl process holds the `--state` file (EX_TEMPFAIL): try again later.
    Locked = 75,
    /// Stopped by SIGINT (Ctrl-C).
    Interrupted = 130,
    /// Stopped by SIGTERM.
    Terminated = 143,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}
