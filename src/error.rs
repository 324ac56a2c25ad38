//! Typed errors of the library. Configuration and input problems (`ConfigError`) are reported at the
//! edge with exit status 2; page-level failures are never errors of the crawl: they become an
//! [`ErrorClass`] in the page's row. Nothing here prints or exits.

use std::path::PathBuf;

/// Bad input found before any request is made. Each message is one line naming the input.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}:{line}: {text:?} is not an http(s) URL: {reason}")]
    BadSeedLine {
        file: String,
        line: usize,
        text: String,
        reason: String,
    },
    #[error("seed {text:?} is not an http(s) URL: {reason}")]
    BadSeedUrl { text: String, reason: String },
    #[error("seed file {path:?}: {source}")]
    SeedFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no seeds: {0}")]
    NoSeeds(String),
    #[error("cannot write output {path:?}: {source}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Why a page's row carries an error. The string forms are the CSV `error` column: a stable interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// The whole request (connect to last body byte) took longer than `--timeout`.
    Timeout,
    /// The host name could not be resolved.
    Dns,
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The TLS handshake failed (bad certificate, protocol error).
    Tls,
    /// The host name resolves only to loopback, private, link-local or multicast addresses, which
    /// `--scope any` does not follow without `--allow-private`; nothing was connected to.
    PrivateAddress,
    /// The final response had a status of 400 or more.
    Http,
    /// The body passed `--max-bytes` after decompression and was cut there.
    TooLarge,
    /// A redirect cycle, or more than 10 redirects.
    RedirectLoop,
    /// The response is not HTML (by Content-Type or by sniffing); the body was not downloaded.
    NotHtml,
    /// A redirect pointed outside `--scope` (or to a non-http(s) URL) and was not followed.
    OffScope,
    /// robots.txt disallows the URL; it was not requested.
    Robots,
    /// The host's robots.txt answered 5xx or not at all, so the whole host is off limits for this
    /// crawl (as Google does); the URL was not requested.
    RobotsUnreachable,
    /// The connection broke or the body ended early (reset, truncated, bad compression).
    Truncated,
    /// Any other failure of the HTTP client.
    Request,
    /// The worker panicked on this page (a bug in trawl); the crawl went on.
    Panic,
    /// The host kept answering 429/503 and its pauses passed `--max-host-pause`: the crawl gave
    /// up on it; the URL was not requested (or not again).
    HostGaveUp,
}

impl ErrorClass {
    /// Every class, in declaration order.
    pub const ALL: [ErrorClass; 16] = [
        ErrorClass::Timeout,
        ErrorClass::Dns,
        ErrorClass::Connect,
        ErrorClass::Tls,
        ErrorClass::PrivateAddress,
        ErrorClass::Http,
        ErrorClass::TooLarge,
        ErrorClass::RedirectLoop,
        ErrorClass::NotHtml,
        ErrorClass::OffScope,
        ErrorClass::Robots,
        ErrorClass::RobotsUnreachable,
        ErrorClass::Truncated,
        ErrorClass::Request,
        ErrorClass::Panic,
        ErrorClass::HostGaveUp,
    ];

    /// The class whose CSV form is `s`.
    pub fn parse(s: &str) -> Option<ErrorClass> {
        ErrorClass::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The value written in the CSV `error` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::Dns => "dns",
            ErrorClass::Connect => "connect",
            ErrorClass::Tls => "tls",
            ErrorClass::PrivateAddress => "private_address",
            ErrorClass::Http => "http",
            ErrorClass::TooLarge => "too_large",
            ErrorClass::RedirectLoop => "redirect_loop",
            ErrorClass::NotHtml => "not_html",
            ErrorClass::OffScope => "off_scope",
            ErrorClass::Robots => "robots",
            ErrorClass::RobotsUnreachable => "robots_unreachable",
            ErrorClass::Truncated => "truncated",
            ErrorClass::Request => "request",
            ErrorClass::Panic => "panic",
            ErrorClass::HostGaveUp => "host_gave_up",
        }
    }
}

#[cfg(test)]
#[test]
fn error_classes_round_trip_through_their_csv_form() {
    for e in ErrorClass::ALL {
        assert_eq!(ErrorClass::parse(e.as_str()), Some(e));
    }
    assert_eq!(ErrorClass::parse("nope"), None);
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fatal error of a crawl that had started (exit status 1). The error that caused it is kept
/// with its type as the source (an `io::Error` whose kind says "broken pipe", the client's
/// builder error, the state store's error), never flattened into text.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("writing {what}: {source}")]
    Write {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("building the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// The crawl's own plumbing failed (a channel closed, a worker panicked outside a page).
    #[error("a worker thread died: {0}")]
    Worker(String),
    /// A worker thread could not be started.
    #[error("a worker thread died: {0}")]
    Spawn(#[source] std::io::Error),
    /// The `--state` store failed (a `state::StateError`; boxed so this module stays below
    /// `state`, which uses it).
    #[error("{0}")]
    State(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The shared store of a `--redis` crawl.
    #[error(transparent)]
    Shared(#[from] SharedError),
}

/// What can go wrong with the shared store of a `--redis` crawl. Every message is one line and
/// names the Redis server only in its redacted form (`SharedTarget::shown`): a password never
/// reaches an error.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    /// No connection at the start (exit 2).
    #[error("cannot reach Redis at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// Redis refused the password of the URL, or wants one it was not given (exit 2). The
    /// password is never part of the message.
    #[error("Redis at {url} {what}; check the password in --redis (or TRAWL_REDIS)")]
    Auth { url: String, what: &'static str },
    /// `--redis-ca` cannot be read (exit 2).
    #[error("--redis-ca {path:?}: {reason}")]
    Ca {
        path: std::path::PathBuf,
        reason: String,
    },
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
    #[error("{ours} {verb} from the running crawl {id} (run {run}), which has {theirs}; use the crawl's options, --restart, or another --crawl-id")]
    Mismatch {
        verb: &'static str,
        ours: String,
        theirs: String,
        id: String,
        run: String,
    },
    /// `trawl export` of a crawl id Redis does not have (exit 2).
    #[error("Redis at {url} has no crawl {id}")]
    NoCrawl { url: String, id: String },
    /// `trawl export --run N` of a run the crawl never had, or whose keys are gone (exit 2).
    #[error("crawl {id} at {url} has no run {run} ({why})")]
    NoRun {
        url: String,
        id: String,
        run: u64,
        why: String,
    },
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
                | SharedError::Auth { .. }
                | SharedError::Ca { .. }
                | SharedError::Foreign { .. }
                | SharedError::Mismatch { .. }
                | SharedError::NoCrawl { .. }
                | SharedError::NoRun { .. }
        )
    }
}
