//! The typed errors of a shared (`--redis`) crawl. Every message is one line and names the Redis
//! server only in its redacted form (`SharedTarget::shown`): a password never reaches an error.

/// What can go wrong with the shared store.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    /// No connection at the start (exit 2).
    #[error("cannot reach Redis at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The connection was lost mid-crawl and did not come back in time (exit 1).
    #[error("lost Redis at {url} for more than {secs} s (--redis-timeout): {reason}")]
    Lost {
        url: String,
        secs: u64,
        reason: String,
    },
    /// The crawl's keys hold something that is not a trawl crawl of this schema (exit 2).
    #[error("Redis key {key} holds {found}, not a trawl crawl of schema {schema}; use another --crawl-id (nothing was changed)")]
    Foreign {
        key: String,
        found: String,
        schema: &'static str,
    },
    /// A joiner's option differs from the running crawl's (exit 2).
    #[error("{ours}: not as in the running crawl {id} (run {run}), which has {theirs}; use the crawl's options, or another --crawl-id")]
    Mismatch {
        ours: String,
        theirs: String,
        id: String,
        run: String,
    },
    /// `trawl export` of a crawl id Redis does not have (exit 2).
    #[error("Redis at {url} has no crawl {id}")]
    NoCrawl { url: String, id: String },
    /// Redis answered something the script never sends: a bug, or another program's script.
    #[error("unexpected answer from Redis at {url}: {what}")]
    Protocol { url: String, what: String },
    /// The crawl is stopping: the store is not retried any more.
    #[error("stopped while waiting for Redis at {url}")]
    Stopped { url: String },
}

impl SharedError {
    /// Bad input or a refusal at the start (exit 2), rather than a failure mid-crawl (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SharedError::Unreachable { .. }
                | SharedError::Foreign { .. }
                | SharedError::Mismatch { .. }
                | SharedError::NoCrawl { .. }
        )
    }
}
