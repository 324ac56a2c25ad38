//! The validated settings of one crawl, with real types, and the option defaults ([`defaults`]).
//! Built once from the command line (or by tests and benches directly); the core trusts it and
//! never re-validates or imports clap.

pub use crate::output::OutputTarget;
use crate::scope::ScopeKind;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// Every option default, defined once, in the command line's units: clap's `default_value_t`
/// (src/cli/mod.rs) applies and shows them in `--help`, [`Config::new`] starts from them, and a
/// test (tests/it/cli.rs) holds the README's option table to `--help`, so the three cannot drift.
pub mod defaults {
    /// `--workers`.
    pub const WORKERS: usize = 16;
    /// `--redis-timeout`, in seconds: how long a lost Redis is retried.
    pub const REDIS_TIMEOUT_SECS: f64 = 60.0;
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
    /// `--max-host-pause`, in seconds: the breaker's pauses 5+10+20+40+80 s pass, the next
    /// (160 s) would not fit, so a host that refuses everything is given up after ~2.5 minutes.
    pub const MAX_HOST_PAUSE_SECS: u64 = 300;
    /// `--revisit-depth`: the seeds only.
    pub const REVISIT_DEPTH: u32 = 0;
    /// `--text-format` (with `--text`).
    pub const TEXT_FORMAT: crate::article::TextFormat = crate::article::TextFormat::Plain;
    /// `--scope`.
    pub const SCOPE: crate::scope::ScopeKind = crate::scope::ScopeKind::Host;
    /// `--history-days`: a `--state` forgets pages neither fetched nor found linked this long.
    pub const HISTORY_DAYS: u32 = 90;
    /// `--redis-ttl`, in days: a shared crawl's rows, metadata and known pages are kept this
    /// long after the end of its last run.
    pub const REDIS_TTL_DAYS: u32 = 7;
}

/// Everything a crawl needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The seed URLs, depth 0, in order, without duplicates.
    pub seeds: Vec<Url>,
    /// The rows' destination.
    pub output: OutputTarget,
    /// The optional edges CSV (`from,to`).
    pub links_output: Option<OutputTarget>,
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
    /// `--robots-agent`: the product token matched against robots.txt groups and robots meta
    /// names; `None`: the one [`crate::robots::product_token`] reads from the User-Agent.
    pub robots_agent: Option<String>,
    /// `--header`: added to every request (values marked sensitive: never shown by `Debug`).
    pub headers: reqwest::header::HeaderMap,
    /// The crawl's cookie jar (`--cookies` loads it); `None` with `--no-cookies`.
    pub cookies: Option<std::sync::Arc<crate::download::Jar>>,
    /// `--ca-cert`: certificate authorities (DER) trusted besides the public ones.
    pub ca_certs: Vec<Vec<u8>>,
    /// Which discovered links are followed.
    pub scope: ScopeKind,
    /// Cap on a body's decoded size; past it the page is cut with `error=too_large`.
    pub max_bytes: u64,
    /// Most bytes of page bodies held at once by all workers (see `download::budget::BodyBudget`).
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
    /// A host whose circuit-breaker pauses would add up to more than this is given up.
    pub max_host_pause: Duration,
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
    /// `--state`: pages of the history neither fetched nor found linked for this long are
    /// forgotten when the state is opened.
    pub history_window: Duration,
    /// `--redis`: how long the crawl's rows, metadata and known pages outlive its last run.
    pub redis_ttl: Duration,
    /// How rows are written (format, spreadsheet safety, BOM).
    pub output_options: crate::output::OutputOptions,
    /// `--dedup-canonical`: at most one row per canonical URL (needs `output_options.meta`).
    pub dedup_canonical: bool,
    /// `--text-format`: the form of the `text` column (used only with `output_options.text`).
    pub text_format: crate::article::TextFormat,
    /// Also write the summary as JSON here (a literal path or standard output).
    pub summary_json: Option<OutputTarget>,
    /// Print nothing but fatal errors.
    pub quiet: bool,
}

/// The default User-Agent: trawl and its version, nothing more. trawl has no public home to
/// point at (it is not published), and a contact URL must be the operator's own: the README asks
/// operators to give one with `--user-agent "trawl/0.1 (+mailto:you@example.org)"`.
pub fn default_user_agent() -> String {
    format!("trawl/{}", env!("CARGO_PKG_VERSION"))
}

/// `n` days.
pub fn days(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 86_400)
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
            robots_agent: None,
            headers: reqwest::header::HeaderMap::new(),
            cookies: Some(std::sync::Arc::default()),
            ca_certs: Vec::new(),
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
            max_host_pause: Duration::from_secs(defaults::MAX_HOST_PAUSE_SECS),
            max_pages_per_host: None,
            include: Vec::new(),
            exclude: Vec::new(),
            allow_private: false,
            state: None,
            restart: false,
            shared: None,
            only_new: false,
            revisit_depth: defaults::REVISIT_DEPTH,
            history_window: days(defaults::HISTORY_DAYS),
            redis_ttl: days(defaults::REDIS_TTL_DAYS),
            output_options: crate::output::OutputOptions::default(),
            dedup_canonical: false,
            text_format: defaults::TEXT_FORMAT,
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
    /// `--redis-ca`: trust this CA (PEM) for `rediss://` instead of the public roots.
    pub ca: Option<PathBuf>,
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
            .field("ca", &self.ca)
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

/// Who must agree on a crawl's options: a resume of a `--state` crawl, or every process of a
/// `--redis` run (which also share the politeness rules they enforce together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    Resume,
    Shared,
}

impl Config {
    /// The robots product token of this crawl: `--robots-agent`, or the User-Agent's (see
    /// [`crate::robots::product_token`]).
    pub fn robots_token(&self) -> String {
        self.robots_agent
            .clone()
            .unwrap_or_else(|| crate::robots::product_token(&self.user_agent))
    }

    /// The options that decide what a crawl crawls and writes, as (option, value) in the form a
    /// message shows them: a resume (`--state`) or a joining process (`--redis`) must have the
    /// same ones. With [`Agreement::Shared`] the politeness rules are added.
    pub fn agreed_options(&self, who: Agreement) -> BTreeMap<&'static str, String> {
        fn opt<T: ToString>(v: Option<T>) -> String {
            v.map(|v| v.to_string()).unwrap_or_else(|| "(none)".into())
        }
        fn list(v: &[regex::Regex]) -> String {
            if v.is_empty() {
                return "(none)".into();
            }
            v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ")
        }
        let mut seeds: Vec<&str> = self.seeds.iter().map(|u| u.as_str()).collect();
        seeds.sort_unstable();
        seeds.dedup();
        let flag = |b: bool| if b { "on" } else { "off" }.to_owned();
        let mut agreed = BTreeMap::from([
            ("seeds", seeds.join(" ")),
            ("--scope", format!("{:?}", self.scope).to_lowercase()),
            ("--max-depth", self.max_depth.to_string()),
            ("--max-pages", opt(self.max_pages)),
            ("--max-pages-per-host", opt(self.max_pages_per_host)),
            ("--include", list(&self.include)),
            ("--exclude", list(&self.exclude)),
            ("--allow-private", flag(self.allow_private)),
            ("--ignore-robots", flag(!self.robots)),
            ("--sitemaps", flag(self.sitemaps)),
            ("--feeds", flag(self.feeds)),
            ("--only-new", flag(self.only_new)),
            ("--revisit-depth", self.revisit_depth.to_string()),
            ("--meta", flag(self.output_options.meta)),
            ("--dedup-canonical", flag(self.dedup_canonical)),
            ("--text", self.text_option()),
        ]);
        if who == Agreement::Shared {
            agreed.extend([
                ("--per-host", self.per_host.to_string()),
                ("--delay", self.delay.as_millis().to_string()),
                ("--user-agent", self.user_agent.clone()),
                ("--robots-agent", self.robots_token()),
                ("--retries", self.retries.to_string()),
                (
                    "--max-retry-after",
                    self.max_retry_after.as_secs().to_string(),
                ),
                (
                    "--max-host-pause",
                    self.max_host_pause.as_secs().to_string(),
                ),
            ]);
        }
        agreed
    }
}

impl Config {
    /// `--text` as the crawl agrees on it: `off`, or the form of the column (`plain`, `markdown`).
    fn text_option(&self) -> String {
        match (self.output_options.text, self.text_format) {
            (false, _) => "off".into(),
            (true, crate::article::TextFormat::Plain) => "plain".into(),
            (true, crate::article::TextFormat::Markdown) => "markdown".into(),
        }
    }
}

/// The options in which `ours` and an earlier crawl's `theirs` differ, as (ours, theirs) in one
/// phrase each; `None` when they agree. An option `theirs` does not name (a crawl started by a
/// trawl older than the option) agrees with ours when ours is `off`: that trawl could only do
/// without it.
pub fn differences(
    ours: &BTreeMap<&'static str, String>,
    theirs: &BTreeMap<String, String>,
) -> Option<(String, String)> {
    let show = |name: &str, value: Option<&String>| match (name, value) {
        ("seeds", Some(v)) => format!("the seed set ({v})"),
        (_, Some(v)) => format!("{name} {v}"),
        (_, None) => format!("{name} (not set)"),
    };
    let (a, b): (Vec<String>, Vec<String>) = ours
        .iter()
        .filter(|(k, v)| match theirs.get(**k) {
            Some(t) => t != *v,
            None => v.as_str() != "off",
        })
        .map(|(k, v)| (show(k, Some(v)), show(k, theirs.get(*k))))
        .unzip();
    (!a.is_empty()).then(|| (a.join(", "), b.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_differing_option_is_named_with_both_values() {
        let ours = BTreeMap::from([("--max-depth", "2".to_owned()), ("seeds", "a b".into())]);
        let mut theirs = BTreeMap::from([
            ("--max-depth".to_owned(), "1".to_owned()),
            ("seeds".to_owned(), "a b".to_owned()),
        ]);
        assert_eq!(
            differences(&ours, &theirs),
            Some(("--max-depth 2".into(), "--max-depth 1".into()))
        );
        theirs.insert("seeds".into(), "a".into());
        assert_eq!(
            differences(&ours, &theirs),
            Some((
                "--max-depth 2, the seed set (a b)".into(),
                "--max-depth 1, the seed set (a)".into()
            ))
        );
        theirs.insert("--max-depth".into(), "2".into());
        theirs.insert("seeds".into(), "a b".into());
        assert_eq!(differences(&ours, &theirs), None);
        // An option the earlier crawl did not know agrees only when ours is off.
        let mut ours = ours;
        ours.insert("--text", "off".into());
        assert_eq!(differences(&ours, &theirs), None);
        ours.insert("--text", "plain".into());
        assert_eq!(
            differences(&ours, &theirs),
            Some(("--text plain".into(), "--text (not set)".into()))
        );
    }

    #[test]
    fn a_shared_run_also_agrees_on_politeness() {
        let seeds = vec![Url::parse("http://a.test/").expect("url")];
        let c = Config::new(seeds, OutputTarget::Stdout);
        let resume = c.agreed_options(Agreement::Resume);
        let shared = c.agreed_options(Agreement::Shared);
        assert!(!resume.contains_key("--delay") && shared.contains_key("--delay"));
        assert!(resume.iter().all(|(k, v)| shared.get(k) == Some(v)));
    }

    #[test]
    fn a_password_is_masked() {
        assert_eq!(redact("redis://:s3cret@h:6379/0"), "redis://:***@h:6379/0");
        assert_eq!(redact("rediss://u:p@h/1"), "rediss://***:***@h/1");
        assert_eq!(redact("redis://h:6379"), "redis://h:6379");
        assert!(!redact("redis://:x y@h").contains("x y"));
    }
}
