//! The command line (clap derive). Doc comments here are the `--help` text. It parses and converts
//! into a [`Config`] once; nothing else in the crate imports clap.

use crate::article::TextFormat;
use crate::config::{defaults, Config, OutputTarget};
use crate::error::ConfigError;
use crate::scope::ScopeKind;
use crate::seeds;
use clap::{Parser, ValueEnum};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  trawl seeds/news.txt                          crawl the news seeds into output/
  trawl -o titles.csv --max-depth 2 https://lenta.ru/
  trawl --scope domain --links-output edges.csv seeds/news.txt
  trawl -o - https://example.org/ | head        CSV on standard output
  trawl -q --state news.db --only-new -o 'output/news-{date}-{time}.csv' seeds/news.txt
                                                the hourly cron job: only new articles

Exit status: 0 the crawl ran to the end (some pages may have failed); 1 fatal error;
2 bad input (seed, option, output path, state); 3 not a single page could be fetched;
75 another trawl holds the --state lock; 130 SIGINT; 143 SIGTERM.";

/// trawl: a polite, multi-threaded web crawler that collects page titles and links into CSV.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, after_help = EXAMPLES)]
#[command(subcommand_negates_reqs = true)]
#[command(group(clap::ArgGroup::new("store").args(["state", "redis"])))]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Seed URLs (http or https) or files of seed URLs (one per line, `#` comments allowed).
    #[arg(required_unless_present_any = ["completions", "man"], value_name = "SEED")]
    pub seeds: Vec<String>,

    /// File to write (`-` for standard output); `{date}` and `{time}` expand to the UTC start
    /// (YYYY-MM-DD, HHMMSS) [default: output/trawl-YYYYMMDD-HHMMSS.csv]
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Number of worker threads fetching pages.
    #[arg(short = 'w', long, value_name = "N", default_value_t = defaults::WORKERS)]
    pub workers: usize,

    /// Capacity of the bounded job channel between the coordinator and the workers.
    #[arg(long, value_name = "N", default_value_t = defaults::QUEUE_CAPACITY)]
    pub queue_capacity: usize,

    /// Follow links up to this depth (seeds are depth 0; 1 = the seeds and the pages they link to).
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_DEPTH)]
    pub max_depth: u32,

    /// Request at most this many distinct pages [default: no limit].
    #[arg(long, value_name = "N")]
    pub max_pages: Option<u64>,

    /// Limit in seconds on one whole page fetch, from connect to the last body byte.
    #[arg(long, value_name = "SECS", default_value_t = defaults::TIMEOUT_SECS)]
    pub timeout: f64,

    /// Stop the crawl after this many seconds, as SIGTERM does (no new request, the pages in
    /// flight finish, every row written; with --state the rest is left for the next run), and
    /// exit 0 [default: no limit].
    #[arg(long, value_name = "SECS")]
    pub max_duration: Option<f64>,

    /// The User-Agent header [default: trawl/<version> (+https://crates.io/crates/trawl)]
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,

    /// Which discovered links are followed: the seeds' hosts, their registrable domains, or any.
    #[arg(long, value_enum, default_value_t = ScopeArg::from(defaults::SCOPE))]
    pub scope: ScopeArg,

    /// Also write every link found as an edge to this CSV (`from,to`).
    #[arg(long, value_name = "PATH")]
    pub links_output: Option<PathBuf>,

    /// Cut a page's body after this many bytes (after decompression); the row says `too_large`.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::MAX_BYTES)]
    pub max_bytes: u64,

    /// Most bytes of page bodies all workers hold at once; a page that does not fit waits for
    /// others to finish (a page larger than this is still read, alone).
    #[arg(long, value_name = "BYTES", default_value_t = defaults::BODY_MEMORY)]
    pub body_memory: u64,

    /// Response heads (status line and headers) up to this size are always read; a larger one may
    /// fail the page with `too_large`. Also the most each connection's read buffer grows to.
    #[arg(long, value_name = "BYTES", default_value_t = defaults::MAX_HEADER_BYTES)]
    pub max_header_bytes: u64,

    /// Most requests in flight to one host at a time.
    #[arg(long, value_name = "N", default_value_t = defaults::PER_HOST)]
    pub per_host: usize,

    /// Least gap in milliseconds between two request starts to one host (robots.txt Crawl-delay
    /// when larger).
    #[arg(long, value_name = "MS", default_value_t = defaults::DELAY_MS)]
    pub delay: u64,

    /// Do not fetch or obey robots.txt.
    #[arg(long)]
    pub ignore_robots: bool,

    /// Also start from the pages listed in the sitemaps named by the seeds' robots.txt.
    #[arg(long)]
    pub sitemaps: bool,

    /// Also start from the items of the RSS/Atom feeds that the seed pages announce.
    #[arg(long)]
    pub feeds: bool,

    /// Retry transient failures (connect errors, timeouts, broken responses, 429, 5xx) up to N times.
    #[arg(long, value_name = "N", default_value_t = defaults::RETRIES)]
    pub retries: u32,

    /// Honour a server's Retry-After up to this many seconds; a longer one ends the retries.
    #[arg(long, value_name = "SECS", default_value_t = defaults::MAX_RETRY_AFTER_SECS)]
    pub max_retry_after: u64,

    /// Request at most N pages from one host [default: no limit].
    #[arg(long, value_name = "N")]
    pub max_pages_per_host: Option<u64>,

    /// Follow only links matching this regular expression (may be repeated).
    #[arg(long, value_name = "REGEX")]
    pub include: Vec<String>,

    /// Do not follow links matching this regular expression (may be repeated).
    #[arg(long, value_name = "REGEX")]
    pub exclude: Vec<String>,

    /// With --scope any, also follow links to loopback, private, link-local and multicast addresses.
    #[arg(long)]
    pub allow_private: bool,

    /// Keep the crawl's state in this file (SQLite): resume after a crash, new-only runs.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Discard the unfinished crawl in --state (or the running run of the --redis crawl id) and
    /// start a new one.
    #[arg(long, requires = "store")]
    pub restart: bool,

    /// Share one crawl among many processes (on many machines) through this Redis server:
    /// redis://[:PASSWORD@]HOST:PORT/DB, or rediss:// for TLS. Needs --crawl-id. Also read from
    /// the environment, which keeps a password out of the process list.
    #[arg(
        long,
        value_name = "URL",
        requires = "crawl_id",
        env = "TRAWL_REDIS",
        hide_env_values = true
    )]
    pub redis: Option<String>,

    /// With --redis: the crawl's name; every process started with the same one works on the
    /// same crawl (letters, digits, `.`, `_`, `-`; at most 64).
    #[arg(long, value_name = "ID", requires = "redis")]
    pub crawl_id: Option<String>,

    /// With --redis: how long to keep retrying a lost Redis connection before giving up
    /// (exit 1).
    #[arg(long, value_name = "SECS", default_value_t = defaults::REDIS_TIMEOUT_SECS)]
    pub redis_timeout: f64,

    /// With a rediss:// --redis: trust the certificate authority in this PEM file (a private
    /// CA) instead of the public ones.
    #[arg(long, value_name = "PATH", requires = "redis")]
    pub redis_ca: Option<PathBuf>,

    /// Write rows only for pages that no earlier crawl with this --state (or --redis crawl id)
    /// saw (the hourly job).
    #[arg(long, requires = "store")]
    pub only_new: bool,

    /// With --only-new, fetch known pages again up to this many links from the seeds.
    #[arg(long, value_name = "N", default_value_t = defaults::REVISIT_DEPTH)]
    pub revisit_depth: u32,

    /// Row format.
    #[arg(long, value_enum, default_value_t = FormatArg::from(crate::output::Format::default()))]
    pub format: FormatArg,

    /// Prefix ' to CSV cells that begin with =, +, -, @, tab or CR (formula injection).
    #[arg(long)]
    pub excel_safe: bool,

    /// Start the CSV with a UTF-8 byte-order mark (for spreadsheets).
    #[arg(long)]
    pub bom: bool,

    /// Add the news metadata columns (published, modified, date_source, author, description,
    /// canonical, lang, kind, section, keywords, headline, site_name) after the 13 columns.
    #[arg(long)]
    pub meta: bool,

    /// With --meta: write at most one row per canonical URL (an AMP copy and its original make
    /// one row; the links of skipped pages are still followed).
    #[arg(long, requires = "meta")]
    pub dedup_canonical: bool,

    /// Add the `text` column: the article's main text (empty for a page that is not an
    /// article, and for failed and non-HTML pages), after the other columns.
    #[arg(long)]
    pub text: bool,

    /// With --text: the text column as plain text or as Markdown [default: plain]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub text_format: Option<TextFormatArg>,

    /// Also write the end-of-crawl summary as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,

    /// Print nothing but fatal errors (no progress line, no summary).
    #[arg(short = 'q', long, conflicts_with = "verbose", global = true)]
    pub quiet: bool,

    /// Log more (-v: hosts and retries, -vv: one line per request); RUST_LOG also works.
    #[arg(short = 'v', long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print a shell completion script and exit.
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit.
    #[arg(long, exclusive = true)]
    pub man: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values, RFC 4180, with a header row.
    Csv,
    /// One JSON object per line, with the CSV's field names.
    Jsonl,
}

/// `--text-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormatArg {
    /// Paragraphs separated by one blank line.
    Plain,
    /// Markdown: headings, lists, quotes, emphasis, links with absolute URLs.
    Markdown,
}

impl From<TextFormatArg> for TextFormat {
    fn from(arg: TextFormatArg) -> TextFormat {
        match arg {
            TextFormatArg::Plain => TextFormat::Plain,
            TextFormatArg::Markdown => TextFormat::Markdown,
        }
    }
}

/// `--scope` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// The seed's own host name (any scheme or port).
    Host,
    /// The seed's registrable domain (public suffix list).
    Domain,
    /// Every http(s) URL.
    Any,
}

/// The subcommands (a crawl needs none).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write the rows of one run of a --redis crawl, from every process, to one file.
    Export(ExportArgs),
}

/// `trawl export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The Redis server of the crawl (as given to the crawl).
    #[arg(long, value_name = "URL", env = "TRAWL_REDIS", hide_env_values = true)]
    pub redis: String,

    /// The crawl's id.
    #[arg(long, value_name = "ID")]
    pub crawl_id: String,

    /// Trust the certificate authority in this PEM file for a rediss:// --redis.
    #[arg(long, value_name = "PATH")]
    pub redis_ca: Option<PathBuf>,

    /// Which run of the crawl [default: the latest].
    #[arg(long, value_name = "N")]
    pub run: Option<u64>,

    /// File to write (`-` for standard output) [default: standard output].
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Row format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,

    /// Add the --meta columns (rows of a crawl without --meta have them empty).
    #[arg(long)]
    pub meta: bool,

    /// Add the --text column (rows of a crawl without --text have it empty).
    #[arg(long)]
    pub text: bool,

    /// Prefix cells that a spreadsheet would run as a formula with `'`.
    #[arg(long)]
    pub excel_safe: bool,

    /// Start the CSV with a UTF-8 byte order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
}

/// A crawl id: what a key prefix can hold without quoting.
pub fn valid_crawl_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn shared_target(
    redis: Option<String>,
    crawl_id: Option<String>,
    patience: f64,
    ca: Option<PathBuf>,
) -> Result<Option<crate::config::SharedTarget>, ConfigError> {
    let (Some(url), Some(crawl_id)) = (redis, crawl_id) else {
        return Ok(None);
    };
    if !(patience.is_finite() && (0.0..=86_400.0).contains(&patience)) {
        return Err(ConfigError::Invalid(format!(
            "--redis-timeout {patience}: must be a number of seconds from 0 to 86400"
        )));
    }
    if !valid_crawl_id(&crawl_id) {
        return Err(ConfigError::Invalid(format!(
            "--crawl-id {crawl_id:?}: use 1 to 64 letters, digits, `.`, `_` or `-`"
        )));
    }
    let shown = crate::config::redact(&url);
    if !(url.starts_with("redis://") || url.starts_with("rediss://"))
        || url::Url::parse(&url).is_err()
    {
        return Err(ConfigError::Invalid(format!(
            "--redis {shown}: not a redis:// or rediss:// URL"
        )));
    }
    Ok(Some(crate::config::SharedTarget {
        url,
        crawl_id,
        patience: Duration::from_secs_f64(patience),
        ca,
    }))
}

impl From<crate::output::Format> for FormatArg {
    fn from(format: crate::output::Format) -> FormatArg {
        match format {
            crate::output::Format::Csv => FormatArg::Csv,
            crate::output::Format::Jsonl => FormatArg::Jsonl,
        }
    }
}

impl From<ScopeKind> for ScopeArg {
    fn from(kind: ScopeKind) -> ScopeArg {
        match kind {
            ScopeKind::Host => ScopeArg::Host,
            ScopeKind::Domain => ScopeArg::Domain,
            ScopeKind::Any => ScopeArg::Any,
        }
    }
}

impl Cli {
    /// Validate the arguments into a [`Config`]. Reads the seed files; makes no request.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let workers = NonZeroUsize::new(self.workers)
            .ok_or_else(|| ConfigError::Invalid("--workers must be at least 1".into()))?;
        let queue_capacity = NonZeroUsize::new(self.queue_capacity)
            .ok_or_else(|| ConfigError::Invalid("--queue-capacity must be at least 1".into()))?;
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0) {
            return Err(ConfigError::Invalid(format!(
                "--timeout {}: must be a number of seconds above 0 and at most 86400",
                self.timeout
            )));
        }
        if let Some(d) = self.max_duration {
            if !(d.is_finite() && d > 0.0 && d <= 31_536_000.0) {
                return Err(ConfigError::Invalid(format!(
                    "--max-duration {d}: must be a number of seconds above 0 and at most 31536000"
                )));
            }
        }
        if self.max_bytes == 0 {
            return Err(ConfigError::Invalid(
                "--max-bytes must be at least 1".into(),
            ));
        }
        if self.body_memory == 0 {
            return Err(ConfigError::Invalid(
                "--body-memory must be at least 1".into(),
            ));
        }
        if self.max_header_bytes < crate::fetch::MIN_MAX_HEADER_BYTES {
            return Err(ConfigError::Invalid(format!(
                "--max-header-bytes must be at least {}",
                crate::fetch::MIN_MAX_HEADER_BYTES
            )));
        }
        if self.max_pages == Some(0) {
            return Err(ConfigError::Invalid(
                "--max-pages must be at least 1".into(),
            ));
        }
        let seeds = seeds::load(&self.seeds)?;
        let now = chrono::Utc::now();
        let output = match self.output {
            Some(p) if p.as_os_str() == "-" => OutputTarget::Stdout,
            Some(p) => OutputTarget::File(expand_placeholders(&p, now)),
            None => OutputTarget::File(default_output_path()),
        };
        let timeout = Duration::from_secs_f64(self.timeout);
        let mut config = Config::new(seeds, output);
        config.links_output = self.links_output;
        config.workers = workers;
        config.queue_capacity = queue_capacity;
        config.max_depth = self.max_depth;
        config.max_pages = self.max_pages;
        config.timeout = timeout;
        config.max_duration = self.max_duration.map(Duration::from_secs_f64);
        config.connect_timeout = crate::config::connect_timeout(timeout);
        if let Some(ua) = self.user_agent {
            config.user_agent = ua;
        }
        config.scope = match self.scope {
            ScopeArg::Host => ScopeKind::Host,
            ScopeArg::Domain => ScopeKind::Domain,
            ScopeArg::Any => ScopeKind::Any,
        };
        config.max_bytes = self.max_bytes;
        config.body_memory = self.body_memory;
        config.max_header_bytes = self.max_header_bytes;
        config.per_host = NonZeroUsize::new(self.per_host)
            .ok_or_else(|| ConfigError::Invalid("--per-host must be at least 1".into()))?;
        config.delay = Duration::from_millis(self.delay);
        config.robots = !self.ignore_robots;
        config.sitemaps = self.sitemaps;
        config.feeds = self.feeds;
        config.retries = self.retries;
        config.max_retry_after = Duration::from_secs(self.max_retry_after);
        if self.max_pages_per_host == Some(0) {
            return Err(ConfigError::Invalid(
                "--max-pages-per-host must be at least 1".into(),
            ));
        }
        config.max_pages_per_host = self.max_pages_per_host;
        config.include = regexes("--include", &self.include)?;
        config.exclude = regexes("--exclude", &self.exclude)?;
        config.allow_private = self.allow_private;
        config.state = self.state;
        config.restart = self.restart;
        config.shared =
            shared_target(self.redis, self.crawl_id, self.redis_timeout, self.redis_ca)?;
        config.only_new = self.only_new;
        config.revisit_depth = self.revisit_depth;
        config.output_options = crate::output::OutputOptions {
            format: match self.format {
                FormatArg::Csv => crate::output::Format::Csv,
                FormatArg::Jsonl => crate::output::Format::Jsonl,
            },
            excel_safe: self.excel_safe,
            bom: self.bom,
            meta: self.meta,
            text: self.text,
        };
        config.text_format = match (self.text, self.text_format) {
            (false, Some(_)) => {
                return Err(ConfigError::Invalid(
                    "--text-format needs --text (it sets the form of the text column)".into(),
                ))
            }
            (_, Some(format)) => format.into(),
            (_, None) => defaults::TEXT_FORMAT,
        };
        config.dedup_canonical = self.dedup_canonical;
        config.summary_json = self.summary_json;
        config.quiet = self.quiet;
        Ok(config)
    }
}

fn regexes(option: &str, patterns: &[String]) -> Result<Vec<regex::Regex>, ConfigError> {
    patterns
        .iter()
        .map(|p| {
            regex::Regex::new(p).map_err(|e| {
                let first = e.to_string().lines().last().unwrap_or("").trim().to_owned();
                ConfigError::Invalid(format!(
                    "{option} {p:?} is not a valid regular expression: {first}"
                ))
            })
        })
        .collect()
}

/// `{date}` -> `YYYY-MM-DD` and `{time}` -> `HHMMSS`, in UTC.
pub fn expand_placeholders(path: &std::path::Path, now: chrono::DateTime<chrono::Utc>) -> PathBuf {
    let text = path.to_string_lossy();
    if !text.contains('{') {
        return path.to_owned();
    }
    PathBuf::from(
        text.replace("{date}", &now.format("%Y-%m-%d").to_string())
            .replace("{time}", &now.format("%H%M%S").to_string()),
    )
}

/// `output/trawl-YYYYMMDD-HHMMSS.csv` in UTC, with `-N` added if that name is taken.
fn default_output_path() -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let dir = PathBuf::from("output");
    let mut path = dir.join(format!("trawl-{stamp}.csv"));
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("trawl-{stamp}-{n}.csv"));
        n += 1;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn zero_workers_is_refused() {
        let cli = Cli::parse_from(["trawl", "-w", "0", "https://a.org/"]);
        let err = cli.into_config().expect_err("zero workers").to_string();
        assert_eq!(err, "--workers must be at least 1");
    }

    #[test]
    fn max_header_bytes_below_the_smallest_buffer_is_refused() {
        let cli = Cli::parse_from(["trawl", "--max-header-bytes", "8191", "https://a.org/"]);
        let err = cli.into_config().expect_err("too small").to_string();
        assert_eq!(err, "--max-header-bytes must be at least 8192");
        let cli = Cli::parse_from(["trawl", "--max-header-bytes", "8192", "https://a.org/"]);
        let config = cli.into_config().expect("smallest");
        assert_eq!(config.max_header_bytes, 8192);
    }

    #[test]
    fn a_bad_regex_is_named_in_one_line() {
        let cli = Cli::parse_from(["trawl", "--exclude", "a(b", "https://a.org/"]);
        let err = cli.into_config().expect_err("bad regex").to_string();
        assert!(
            err.starts_with("--exclude \"a(b\" is not a valid regular expression"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    #[test]
    fn date_and_time_placeholders_expand_in_utc() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T03:04:05Z")
            .expect("date")
            .with_timezone(&chrono::Utc);
        assert_eq!(
            expand_placeholders(std::path::Path::new("output/news-{date}-{time}.csv"), now),
            PathBuf::from("output/news-2026-11-22-030405.csv")
        );
    }

    #[test]
    fn text_format_needs_text_and_defaults_to_the_documented_value() {
        let cli = Cli::parse_from(["trawl", "--text-format", "markdown", "https://a.org/"]);
        let err = cli.into_config().expect_err("no --text").to_string();
        assert_eq!(
            err,
            "--text-format needs --text (it sets the form of the text column)"
        );
        let c = Cli::parse_from(["trawl", "--text", "https://a.org/"])
            .into_config()
            .expect("config");
        assert!(c.output_options.text);
        assert_eq!(c.text_format, defaults::TEXT_FORMAT);
        let c = Cli::parse_from([
            "trawl",
            "--text",
            "--text-format",
            "markdown",
            "https://a.org/",
        ])
        .into_config()
        .expect("config");
        assert_eq!(c.text_format, TextFormat::Markdown);
        // --help states the default clap cannot apply (it is an Option to tell "not given").
        let help = Cli::command()
            .get_arguments()
            .find(|a| a.get_long() == Some("text-format"))
            .and_then(|a| a.get_help().map(|h| h.to_string()))
            .unwrap_or_default();
        let stated = match defaults::TEXT_FORMAT {
            TextFormat::Plain => "[default: plain]",
            TextFormat::Markdown => "[default: markdown]",
        };
        assert!(help.ends_with(stated), "{help}");
    }

    #[test]
    fn defaults() {
        let c = Cli::parse_from(["trawl", "https://a.org/"])
            .into_config()
            .expect("config");
        assert_eq!(c.workers.get(), 16);
        assert_eq!(c.max_depth, 1);
        assert_eq!(c.scope, ScopeKind::Host);
        assert_eq!(c.timeout, Duration::from_secs(20));
        assert!(matches!(c.output, OutputTarget::File(ref p) if p.starts_with("output")));
    }
}
