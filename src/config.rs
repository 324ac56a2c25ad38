//! The validated settings of one crawl, with real types, and the option defaults ([`defaults`]).
//! Built once from the command line (or by tests and benches directly); the core trusts it and
//! never re-validates or imports clap.

pub use crate::output::OutputTarget;
use crate::scope::ScopeKind;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// Every option default, defined once, in the command line's units: clap's `default_value_t`
/// (cli.rs) applies and shows them in `--help`, [`Config::new`] starts from them, and a test
/// (tests/cli.rs) holds the README's option table to `--help`, so the three cannot drift.
pub mod defaults {
    /// `--workers`.
    pub const WORKERS: usize = 16;
    /// `--queue-capacity`.
    pub const QUEUE_CAPACITY: usize = 64;
    /// `--max-depth`: each front page and the articles it links to.
    pub const MAX_DEPTH: u32 = 1;
    /// `--timeout`, in seconds.
    pub const TIMEOUT_SECS: f64 = 20.0;
    /// The most connecting alone may take; less when `--timeout` is less.
    pub const MAX_CONNECT_TIMEOUT_SECS: u64 = 10;
    /// `--max-bytes`: 8 MiB.
    pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
    /// `--body-memory`: 8 MiB.
    pub const BODY_MEMORY: u64 = 8 * 1024 * 1024;
    /// `--max-header-bytes`: Varnish's default limit on a whole response head, far above what
    /// pages send (a few KiB), and small enough that 128 idle keep-alive connections hold 4 MiB of
    /// read buffers rather than the ~23 MB they grew to with hyper's default cap (~400 KiB).
    pub const MAX_HEADER_BYTES: u64 = 32 * 1024;
    /// `--per-host`.
    pub const PER_HOST: usize = 2;
    /// `--delay`, in milliseconds.
    pub const DELAY_MS: u64 = 200;
    /// `--retries`.
    pub const RETRIES: u32 = 2;
    /// `--max-retry-after`, in seconds.
    pub const MAX_RETRY_AFTER_SECS: u64 = 10;
    /// `--revisit-depth`: the seeds only.
    pub const REVISIT_DEPTH: u32 = 0;
    /// `--scope`.
    pub const SCOPE: crate::scope::ScopeKind = crate::scope::ScopeKind::Host;
}

/// Everything a crawl needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The seed URLs, depth 0, in order, without duplicates.
    pub seeds: Vec<Url>,
    /// The rows' destination.
    pub output: OutputTarget,
    /// The optional edges CSV (`from,to`).
    pub links_output: Option<PathBuf>,
    /// Worker threads.
    pub workers: NonZeroUsize,
    /// Capacity of the bounded job channel.
    pub queue_capacity: NonZeroUsize,
    /// Pages of depth <= max_depth are fetched; seeds are depth 0.
    pub max_depth: u32,
    /// At most this many distinct pages are requested.
    pub max_pages: Option<u64>,
    /// Limit on one whole fetch, from connect to the last body byte (redirect hops included).
    pub timeout: Duration,
    /// The crawl stops (as on SIGTERM, but exiting 0) once it has run this long.
    pub max_duration: Option<Duration>,
    /// Limit on establishing one connection.
    pub connect_timeout: Duration,
    /// The User-Agent header.
    pub user_agent: String,
    /// Which discovered links are followed.
    pub scope: ScopeKind,
    /// Cap on a body's decoded size; past it the page is cut with `error=too_large`.
    pub max_bytes: u64,
    /// Most bytes of page bodies held at once by all workers (see `budget::BodyBudget`).
    pub body_memory: u64,
    /// Response heads up to this size are always read (also the cap on each connection's read
    /// buffer; see [`defaults::MAX_HEADER_BYTES`]).
    pub max_header_bytes: u64,
    /// Most requests in flight to one host (scheme, host and port).
    pub per_host: NonZeroUsize,
    /// Least gap between two request starts to one host (robots.txt `Crawl-delay` when larger).
    pub delay: Duration,
    /// Obey robots.txt (false with `--ignore-robots`).
    pub robots: bool,
    /// Seed the crawl from the `Sitemap:` lines of the seeds' robots.txt.
    pub sitemaps: bool,
    /// Seed the crawl from the RSS/Atom feeds the seed pages announce.
    pub feeds: bool,
    /// A URL is requested at most `1 + retries` times (transient failures only).
    pub retries: u32,
    /// A longer `Retry-After` ends the retries for that URL.
    pub max_retry_after: Duration,
    /// At most this many pages are requested from one host.
    pub max_pages_per_host: Option<u64>,
    /// Only links matching one of these are followed (all when empty).
    pub include: Vec<regex::Regex>,
    /// Links matching one of these are not followed.
    pub exclude: Vec<regex::Regex>,
    /// Follow links to loopback/private/link-local/multicast addresses under `--scope any`.
    pub allow_private: bool,
    /// The embedded state store (`--state`), for resume and new-only runs.
    pub state: Option<PathBuf>,
    /// Discard an unfinished crawl in the state instead of resuming it.
    pub restart: bool,
    /// Write rows only for pages no earlier crawl with this state saw.
    pub only_new: bool,
    /// In a new-only run, known pages up to this many links from the seeds are fetched again.
    pub revisit_depth: u32,
    /// How rows are written (format, spreadsheet safety, BOM).
    pub output_options: crate::output::OutputOptions,
    /// `--dedup-canonical`: at most one row per canonical URL (needs `output_options.meta`).
    pub dedup_canonical: bool,
    /// Also write the summary as JSON here.
    pub summary_json: Option<PathBuf>,
    /// Print nothing but fatal errors.
    pub quiet: bool,
}

/// The default User-Agent: names trawl, its version and where to read about it.
pub fn default_user_agent() -> String {
    format!(
        "trawl/{} (+https://crates.io/crates/trawl)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The limit on connecting for a whole-fetch `timeout`: the smaller of it and
/// [`defaults::MAX_CONNECT_TIMEOUT_SECS`].
pub fn connect_timeout(timeout: Duration) -> Duration {
    timeout.min(Duration::from_secs(defaults::MAX_CONNECT_TIMEOUT_SECS))
}

impl Config {
    /// A configuration with the documented defaults, for tests and library users.
    pub fn new(seeds: Vec<Url>, output: OutputTarget) -> Config {
        Config {
            seeds,
            output,
            links_output: None,
            workers: NonZeroUsize::new(defaults::WORKERS).unwrap_or(NonZeroUsize::MIN),
            queue_capacity: NonZeroUsize::new(defaults::QUEUE_CAPACITY)
                .unwrap_or(NonZeroUsize::MIN),
            max_depth: defaults::MAX_DEPTH,
            max_pages: None,
            timeout: Duration::from_secs_f64(defaults::TIMEOUT_SECS),
            max_duration: None,
            connect_timeout: connect_timeout(Duration::from_secs_f64(defaults::TIMEOUT_SECS)),
            user_agent: default_user_agent(),
            scope: defaults::SCOPE,
            max_bytes: defaults::MAX_BYTES,
            body_memory: defaults::BODY_MEMORY,
            max_header_bytes: defaults::MAX_HEADER_BYTES,
            per_host: NonZeroUsize::new(defaults::PER_HOST).unwrap_or(NonZeroUsize::MIN),
            delay: Duration::from_millis(defaults::DELAY_MS),
            robots: true,
            sitemaps: false,
            feeds: false,
            retries: defaults::RETRIES,
            max_retry_after: Duration::from_secs(defaults::MAX_RETRY_AFTER_SECS),
            max_pages_per_host: None,
            include: Vec::new(),
            exclude: Vec::new(),
            allow_private: false,
            state: None,
            restart: false,
            only_new: false,
            revisit_depth: defaults::REVISIT_DEPTH,
            output_options: crate::output::OutputOptions::default(),
            dedup_canonical: false,
            summary_json: None,
            quiet: false,
        }
    }
}
