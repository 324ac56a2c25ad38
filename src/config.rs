//! The validated settings of one crawl, with real types. Built once from the command line (or by
//! tests and benches directly); the core trusts it and never re-validates or imports clap.

pub use crate::output::OutputTarget;
use crate::scope::ScopeKind;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

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
    /// buffer; see `fetch::DEFAULT_MAX_HEADER_BYTES`).
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
    /// `--redis` and `--crawl-id`: one crawl shared by many processes through Redis.
    pub shared: Option<SharedTarget>,
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

impl Config {
    /// A configuration with the documented defaults, for tests and library users.
    pub fn new(seeds: Vec<Url>, output: OutputTarget) -> Config {
        Config {
            seeds,
            output,
            links_output: None,
            workers: NonZeroUsize::new(16).unwrap_or(NonZeroUsize::MIN),
            queue_capacity: NonZeroUsize::new(64).unwrap_or(NonZeroUsize::MIN),
            max_depth: 1,
            max_pages: None,
            timeout: Duration::from_secs(20),
            max_duration: None,
            connect_timeout: Duration::from_secs(10),
            user_agent: default_user_agent(),
            scope: ScopeKind::Host,
            max_bytes: 8 * 1024 * 1024,
            body_memory: 8 * 1024 * 1024,
            max_header_bytes: crate::fetch::DEFAULT_MAX_HEADER_BYTES,
            per_host: NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN),
            delay: Duration::from_millis(200),
            robots: true,
            sitemaps: false,
            feeds: false,
            retries: 2,
            max_retry_after: Duration::from_secs(10),
            max_pages_per_host: None,
            include: Vec::new(),
            exclude: Vec::new(),
            allow_private: false,
            state: None,
            restart: false,
            shared: None,
            only_new: false,
            revisit_depth: 0,
            output_options: crate::output::OutputOptions::default(),
            dedup_canonical: false,
            summary_json: None,
            quiet: false,
        }
    }
}

/// Where a shared crawl lives: a Redis server and the crawl's id there.
#[derive(Clone)]
pub struct SharedTarget {
    /// `redis://[:PASSWORD@]HOST:PORT/DB` or `rediss://...`. Secret: never printed (see
    /// [`SharedTarget::shown`]).
    pub url: String,
    pub crawl_id: String,
    /// How long a lost connection is retried before the crawl gives up (exit 1).
    pub patience: Duration,
}

impl SharedTarget {
    /// The URL with any password (and user name) replaced by `***`: the only form of it that
    /// is ever printed.
    pub fn shown(&self) -> String {
        redact(&self.url)
    }
}

impl std::fmt::Debug for SharedTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTarget")
            .field("url", &self.shown())
            .field("crawl_id", &self.crawl_id)
            .field("patience", &self.patience)
            .finish()
    }
}

/// `url` with its user info masked; text that is no URL is masked whole after the scheme.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() {
                let _ = u.set_username("***");
            }
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://***"),
            None => "***".to_owned(),
        },
    }
}
