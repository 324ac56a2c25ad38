//! The command line (clap derive). Doc comments here are the `--help` text. It parses and converts
//! into a [`Config`] once; nothing else in the crate imports clap.

use crate::article::TextFormat;
use crate::config::{defaults, Config, OutputTarget};
use crate::error::ConfigError;
use crate::paths;
use crate::scope::ScopeKind;
use crate::seeds;
use clap::{Parser, ValueEnum};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

pub mod man;

/// The most `--workers`: each is a thread with its own stack and connection pool, and the pages
/// they hold share one `--body-memory` budget (8 MiB by default, so past a few hundred workers
/// most would wait on it); with the default `--per-host` 2, 1024 workers need 512 hosts at once
/// to be busy. A limit, so that a typo (`-w 100000`) is a usage error, not a process aborted
/// while spawning threads.
pub const MAX_WORKERS: usize = 1024;

/// The most `--queue-capacity`: the channel's slots are allocated up front.
pub const MAX_QUEUE_CAPACITY: usize = 65_536;

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
4 a seed's host gave no page while others did (one line says which and why, even with -q);
75 another trawl holds the --state lock; 130 SIGINT; 143 SIGTERM.";

/// trawl: a polite, multi-threaded web crawler that collects page titles and links into CSV.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, after_help = EXAMPLES)]
#[command(
    override_usage = "trawl [OPTIONS] <SEED>...\n       trawl export [OPTIONS] --redis <URL> --crawl-id <ID>\n       trawl forget [--force] --redis <URL> --crawl-id <ID>"
)]
#[command(subcommand_negates_reqs = true)]
#[command(group(clap::ArgGroup::new("store").args(["state", "redis"])))]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Seed URLs (http or https) or files of seed URLs (one per line, `#` comments allowed).
    #[arg(required_unless_present_any = ["completions", "man"], value_name = "SEED")]
    pub seeds: Vec<String>,

    /// File to write (`-` for standard output); `{date}` and `{time}` expand to the UTC start
    /// (YYYY-MM-DD, HHMMSS), and such a name gets `-N` when taken; a literal PATH being written
    /// by another run is refused [default: output/trawl-YYYYMMDD-HHMMSS.csv (.jsonl with --format
    /// jsonl)]
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Number of worker threads fetching pages (at most 1024).
    #[arg(short = 'w', long, value_name = "N", default_value_t = defaults::WORKERS)]
    pub workers: usize,

    /// Capacity of the bounded job channel between the coordinator and the workers (at most
    /// 65536).
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

    /// The User-Agent header; put your contact in it, e.g. "trawl/0.1 (+mailto:you@example.org)"
    /// [default: trawl/<version>]
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,

    /// The product token matched against robots.txt `User-agent:` groups and robots meta names
    /// (letters, `_`, `-`). Without it, the User-Agent's first word, or for a
    /// `Mozilla/5.0 (compatible; MyBot/1.0; ...)` one the word after `compatible;` [default: from
    /// --user-agent]
    #[arg(long, value_name = "TOKEN")]
    pub robots_agent: Option<String>,

    /// Add this header to every request, to every host (repeatable), e.g.
    /// -H 'Accept-Language: de'. The User-Agent is set with --user-agent, cookies with --cookies.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Neither keep nor send cookies. By default the cookies sites set are kept in memory for
    /// the crawl and sent back to their own site only, as a browser does.
    #[arg(long)]
    pub no_cookies: bool,

    /// Also send the cookies of this Netscape cookies.txt file (each to its own site only).
    #[arg(long, value_name = "FILE", conflicts_with = "no_cookies")]
    pub cookies: Option<PathBuf>,

    /// Also trust the certificate authorities in this PEM file for https pages (a private CA).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Which discovered links are followed: the seeds' hosts, their registrable domains, or any.
    #[arg(long, value_enum, default_value_t = ScopeArg::from(defaults::SCOPE))]
    pub scope: ScopeArg,

    /// Also write every link found as an edge to this CSV (`from,to`; `-` for standard output;
    /// `{date}` and `{time}` as for -o).
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

    /// Least gap between two request starts to one host (robots.txt Crawl-delay when larger):
    /// `500ms`, `1.5s`, `2s`; a bare number is milliseconds.
    #[arg(long, value_name = "TIME", default_value = DELAY_DEFAULT, value_parser = parse_delay)]
    pub delay: Duration,

    /// Do not fetch or obey robots.txt (nor robots meta tags and X-Robots-Tag headers).
    #[arg(long)]
    pub ignore_robots: bool,

    /// Also start from the pages listed in the sitemaps named by the seeds' robots.txt.
    #[arg(long)]
    pub sitemaps: bool,

    /// Also start from the items of the RSS/Atom feeds that the seed pages announce.
    #[arg(long)]
    pub feeds: bool,

    /// Retry transient failures (connect errors, timeouts, broken responses, 429, 5xx) up to N times, robots.txt too.
    #[arg(long, value_name = "N", default_value_t = defaults::RETRIES)]
    pub retries: u32,

    /// Honour a server's Retry-After up to this many seconds; a longer one ends the retries.
    #[arg(long, value_name = "SECS", default_value_t = defaults::MAX_RETRY_AFTER_SECS)]
    pub max_retry_after: u64,

    /// Give up a host that keeps answering 429/503 once its pauses would add up to more than this
    /// many seconds; its remaining pages get rows with error host_gave_up.
    #[arg(long, value_name = "SECS", default_value_t = defaults::MAX_HOST_PAUSE_SECS)]
    pub max_host_pause: u64,

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

    /// With --only-new, fetch known pages again up to this many links from the seeds
    /// [default: 0]
    #[arg(long, value_name = "N")]
    pub revisit_depth: Option<u32>,

    /// With --state: forget the pages an earlier crawl remembered once they have been neither
    /// fetched nor found linked for this many days (checked when the state is opened).
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = defaults::HISTORY_DAYS,
        requires = "state"
    )]
    pub history_days: u32,

    /// With --redis: keep the crawl's rows (for `trawl export`), its metadata and the pages
    /// --only-new remembers this many days after the end of its last run, then Redis deletes
    /// them.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = defaults::REDIS_TTL_DAYS,
        requires = "redis"
    )]
    pub redis_ttl: u32,

    /// Row format.
    #[arg(long, value_enum, default_value_t = FormatArg::from(crate::output::Format::default()))]
    pub format: FormatArg,

    /// Prefix ' to CSV cells that begin with =, +, -, @, tab or CR (formula injection; CSV
    /// only).
    #[arg(long)]
    pub excel_safe: bool,

    /// Start the CSV with a UTF-8 byte-order mark (for spreadsheets; CSV only).
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

    /// Also write the end-of-crawl summary as JSON to this file (`-` for standard output;
    /// `{date}` and `{time}` as for -o).
    #[arg(long, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,

    /// Print nothing but fatal errors (no progress line, no summary).
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log more (-v: hosts and retries, -vv: one line per request); RUST_LOG also works.
    #[arg(short = 'v', long, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print a shell completion script and exit.
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<clap_complete::Shell>,

    /// Print a man page (roff) and exit: trawl(1), or trawl-export(1) or trawl-forget(1)
    /// (`trawl --man export > trawl-export.1`).
    #[arg(
        long,
        value_name = "PAGE",
        exclusive = true,
        num_args = 0..=1,
        default_missing_value = "trawl",
        value_enum
    )]
    pub man: Option<man::Page>,
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
    /// Delete every Redis key of a --redis crawl: its runs, rows and remembered pages. Refused
    /// while a run of it is running, unless --force. Exit 0 when the keys are gone (or there were
    /// none), 2 for bad input or keys that are not a trawl crawl, 75 while it is running.
    Forget(ForgetArgs),
}

/// `trawl forget`.
#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    /// The Redis server of the crawl (as given to the crawl).
    #[arg(long, value_name = "URL", env = "TRAWL_REDIS", hide_env_values = true)]
    pub redis: String,

    /// The crawl's id.
    #[arg(long, value_name = "ID")]
    pub crawl_id: String,

    /// Trust the certificate authority in this PEM file for a rediss:// --redis.
    #[arg(long, value_name = "PATH")]
    pub redis_ca: Option<PathBuf>,

    /// Delete the keys even while a run is running (its processes stop at their next step, as
    /// at the end of a run, dropping the pages they have in flight) or
    /// when they are not a trawl crawl's.
    #[arg(long)]
    pub force: bool,
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

    /// Print nothing but errors.
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also say which run was exported and how many rows (-v); RUST_LOG also works.
    #[arg(short = 'v', long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The command line, parsed (clap's own errors and `--help` exit as usual). `trawl export`
/// takes only its own options (and the crawl's `-q`/`-v` before it): a crawl option given
/// with it is refused (exit 2) rather than silently ignored.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let matches = command.get_matches_mut();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if cli.command.is_some() {
        if let Some(option) = crawl_option_given(&command, &matches) {
            command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "{option} is an option of a crawl; `trawl export` does not take it (see trawl export --help)"
                    ),
                )
                .exit();
        }
    }
    cli
}

/// The first crawl option (or seed) given on the command line, as the user wrote its name.
fn crawl_option_given(command: &clap::Command, matches: &clap::ArgMatches) -> Option<String> {
    command
        .get_arguments()
        .filter(|a| !matches!(a.get_id().as_str(), "quiet" | "verbose"))
        .find(|a| {
            matches!(
                matches.value_source(a.get_id().as_str()),
                Some(clap::parser::ValueSource::CommandLine)
            )
        })
        .map(|a| match (a.get_long(), a.get_short()) {
            (Some(long), _) => format!("--{long}"),
            (None, Some(short)) => format!("-{short}"),
            (None, None) => a.get_id().to_string(),
        })
}

/// `--delay`'s default, as typed ([`defaults::DELAY_MS`]; a test holds them equal).
const DELAY_DEFAULT: &str = "200ms";

/// The longest `--delay`: a day.
const MAX_DELAY: Duration = Duration::from_secs(86_400);

/// A `--delay` value: `500ms`, `1.5s`, `2s`, or a bare number of milliseconds.
pub fn parse_delay(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 0.001)
    };
    let value: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| {
            "a time such as 500ms, 1.5s or 2s (a bare number is milliseconds)".to_owned()
        })?;
    // Kept to the millisecond, as a bare number is.
    let millis = (value * scale * 1000.0).round();
    if millis > MAX_DELAY.as_millis() as f64 {
        return Err("at most a day (86400s)".into());
    }
    // In [0, 86_400_000]: the cast cannot truncate or wrap.
    Ok(Duration::from_millis(millis as u64))
}

/// Headers trawl sets itself, or that would carry one site's secrets to every site.
const OWN_HEADERS: &[(&str, &str)] = &[
    ("user-agent", "use --user-agent"),
    (
        "cookie",
        "use --cookies FILE: a cookie given here would go to every site",
    ),
    ("host", "trawl sends each request's own"),
    ("content-length", "trawl sends each request's own"),
    ("transfer-encoding", "trawl sends each request's own"),
    ("connection", "trawl manages its connections"),
    (
        "accept-encoding",
        "trawl asks for the compressions it decodes",
    ),
];

/// One `--header` as `Name: value`. The error names the header but never shows its value.
pub fn parse_header(
    text: &str,
) -> Result<(reqwest::header::HeaderName, reqwest::header::HeaderValue), ConfigError> {
    let bad = |what: String| ConfigError::Invalid(format!("--header {what}"));
    let Some((name, value)) = text.split_once(':') else {
        return Err(bad("expects \"Name: value\" (no colon in it)".to_owned()));
    };
    let name = name.trim();
    let header = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| bad(format!("{name:?}: not a valid header name")))?;
    if let Some((_, why)) = OWN_HEADERS.iter().find(|(n, _)| *n == header.as_str()) {
        return Err(bad(format!("{name}: not allowed here; {why}")));
    }
    let mut value = reqwest::header::HeaderValue::from_str(value.trim()).map_err(|_| {
        bad(format!(
            "{name}: its value holds a character a header cannot carry"
        ))
    })?;
    value.set_sensitive(true);
    Ok((header, value))
}

/// `--ca-cert`: the certificates of a PEM file, each checked to be one (DER out).
fn ca_certs(path: &std::path::Path) -> Result<Vec<Vec<u8>>, ConfigError> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let bad = |why: String| ConfigError::Invalid(format!("--ca-cert {path:?}: {why}"));
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| bad(format!("not a PEM file ({e})")))?;
        rustls::RootCertStore::empty()
            .add(cert.clone())
            .map_err(|e| bad(format!("not a usable CA certificate ({e})")))?;
        out.push(cert.to_vec());
    }
    if out.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(out)
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
    check_redis_url(&url)?;
    Ok(Some(crate::config::SharedTarget {
        url,
        crawl_id,
        patience: Duration::from_secs_f64(patience),
        ca,
    }))
}

/// A `--redis` value that cannot name a server is refused, saying what is wrong with it (a bad
/// port, say) and showing it with any password masked.
pub fn check_redis_url(url: &str) -> Result<(), ConfigError> {
    let shown = crate::config::redact(url);
    if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        return Err(ConfigError::Invalid(format!(
            "--redis {shown}: not a redis:// or rediss:// URL"
        )));
    }
    match url::Url::parse(url) {
        Ok(_) => Ok(()),
        Err(url::ParseError::InvalidPort) => Err(ConfigError::Invalid(format!(
            "--redis {shown}: the port is not a number from 1 to 65535"
        ))),
        Err(e) => Err(ConfigError::Invalid(format!("--redis {shown}: {e}"))),
    }
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
        if self.workers > MAX_WORKERS {
            return Err(ConfigError::Invalid(format!(
                "--workers {}: at most {MAX_WORKERS} (one thread each)",
                self.workers
            )));
        }
        let queue_capacity = NonZeroUsize::new(self.queue_capacity)
            .ok_or_else(|| ConfigError::Invalid("--queue-capacity must be at least 1".into()))?;
        if self.queue_capacity > MAX_QUEUE_CAPACITY {
            return Err(ConfigError::Invalid(format!(
                "--queue-capacity {}: at most {MAX_QUEUE_CAPACITY}",
                self.queue_capacity
            )));
        }
        let format = match self.format {
            FormatArg::Csv => crate::output::Format::Csv,
            FormatArg::Jsonl => crate::output::Format::Jsonl,
        };
        if format == crate::output::Format::Jsonl {
            for (given, option) in [(self.bom, "--bom"), (self.excel_safe, "--excel-safe")] {
                if given {
                    return Err(ConfigError::Invalid(format!(
                        "{option} applies to CSV only, not to --format jsonl"
                    )));
                }
            }
        }
        if self.revisit_depth.is_some() && !self.only_new {
            return Err(ConfigError::Invalid(
                "--revisit-depth applies only with --only-new".into(),
            ));
        }
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
        let now = chrono::Utc::now();
        let output = match &self.output {
            Some(p) => paths::target("-o", p, now)?,
            None => paths::default_output(now, format.extension()),
        };
        let links_output = self
            .links_output
            .as_deref()
            .map(|p| paths::target("--links-output", p, now))
            .transpose()?;
        let summary_json = self
            .summary_json
            .as_deref()
            .map(|p| paths::target("--summary-json", p, now))
            .transpose()?
            // The summary is one small file written whole at the end: never numbered.
            .map(|t| match t {
                OutputTarget::NextFree(p) => OutputTarget::File(p),
                t => t,
            });
        let seeds = seeds::load(&self.seeds)?;
        let timeout = Duration::from_secs_f64(self.timeout);
        let mut config = Config::new(seeds, output);
        config.links_output = links_output;
        config.workers = workers;
        config.queue_capacity = queue_capacity;
        config.max_depth = self.max_depth;
        config.max_pages = self.max_pages;
        config.timeout = timeout;
        config.max_duration = self.max_duration.map(Duration::from_secs_f64);
        config.connect_timeout = crate::config::connect_timeout(timeout);
        if let Some(ua) = self.user_agent {
            if reqwest::header::HeaderValue::from_str(&ua).is_err() {
                return Err(ConfigError::Invalid(
                    "--user-agent: holds a character a header cannot carry (a control character \
                     such as a line break)"
                        .into(),
                ));
            }
            config.user_agent = ua;
        }
        if let Some(token) = self.robots_agent {
            let ok = !token.is_empty()
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-');
            if !ok {
                return Err(ConfigError::Invalid(format!(
                    "--robots-agent {token:?}: a product token is letters, `_` and `-` only \
                     (as in `User-agent: MyBot`)"
                )));
            }
            config.robots_agent = Some(token);
        }
        for text in &self.headers {
            let (name, value) = parse_header(text)?;
            config.headers.append(name, value);
        }
        config.cookies = match (self.no_cookies, &self.cookies) {
            (true, _) => None,
            (false, Some(path)) => Some(std::sync::Arc::new(
                crate::cookies::Jar::load_netscape(path)
                    .map_err(|why| ConfigError::Invalid(format!("--cookies {path:?}: {why}")))?,
            )),
            (false, None) => Some(std::sync::Arc::default()),
        };
        if let Some(path) = &self.ca_cert {
            config.ca_certs = ca_certs(path)?;
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
        config.delay = self.delay;
        config.robots = !self.ignore_robots;
        config.sitemaps = self.sitemaps;
        config.feeds = self.feeds;
        config.retries = self.retries;
        config.max_retry_after = Duration::from_secs(self.max_retry_after);
        config.max_host_pause = Duration::from_secs(self.max_host_pause);
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
        config.revisit_depth = self.revisit_depth.unwrap_or(defaults::REVISIT_DEPTH);
        config.history_window = within_days("--history-days", self.history_days)?;
        config.redis_ttl = within_days("--redis-ttl", self.redis_ttl)?;
        config.output_options = crate::output::OutputOptions {
            format,
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
        config.summary_json = summary_json;
        config.quiet = self.quiet;
        Ok(config)
    }
}

/// A number of days from 1 to 36500 (a hundred years).
fn within_days(option: &str, n: u32) -> Result<Duration, ConfigError> {
    if !(1..=36_500).contains(&n) {
        return Err(ConfigError::Invalid(format!(
            "{option} {n}: must be a number of days from 1 to 36500"
        )));
    }
    Ok(crate::config::days(n))
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_lifetime_options_need_their_store_and_a_day_or_more() {
        for args in [
            &["trawl", "--history-days", "5", "https://a.org/"][..],
            &["trawl", "--redis-ttl", "5", "https://a.org/"][..],
        ] {
            let err = Cli::try_parse_from(args).expect_err("needs its store");
            assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        }
        let c = Cli::parse_from(["trawl", "https://a.org/"])
            .into_config()
            .expect("defaults");
        assert_eq!(c.history_window, Duration::from_secs(90 * 86_400));
        assert_eq!(c.redis_ttl, Duration::from_secs(7 * 86_400));
        let cli = Cli::parse_from([
            "trawl",
            "--state",
            "s.db",
            "--history-days",
            "0",
            "https://a.org/",
        ]);
        let err = cli.into_config().expect_err("zero days").to_string();
        assert_eq!(
            err,
            "--history-days 0: must be a number of days from 1 to 36500"
        );
    }

    #[test]
    fn workers_and_queue_have_an_upper_bound() {
        let cli = Cli::parse_from(["trawl", "-w", "1025", "https://a.org/"]);
        let err = cli.into_config().expect_err("too many").to_string();
        assert_eq!(err, "--workers 1025: at most 1024 (one thread each)");
        let cli = Cli::parse_from(["trawl", "-w", "1024", "https://a.org/"]);
        assert_eq!(cli.into_config().expect("bound").workers.get(), 1024);
        let cli = Cli::parse_from(["trawl", "--queue-capacity", "65537", "https://a.org/"]);
        let err = cli.into_config().expect_err("too many").to_string();
        assert_eq!(err, "--queue-capacity 65537: at most 65536");
    }

    #[test]
    fn a_bad_redis_port_is_named() {
        let err = check_redis_url("redis://:pw@127.0.0.1:70000/0")
            .expect_err("port")
            .to_string();
        assert_eq!(
            err,
            "--redis redis://***: the port is not a number from 1 to 65535"
        );
        assert!(check_redis_url("redis://:pw@127.0.0.1:6379/0").is_ok());
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
    fn delay_takes_units_and_a_bare_number_is_milliseconds() {
        let ms = |v: u64| Ok(Duration::from_millis(v));
        assert_eq!(parse_delay("500ms"), ms(500));
        assert_eq!(parse_delay("1.5s"), ms(1500));
        assert_eq!(parse_delay("2s"), ms(2000));
        assert_eq!(parse_delay("250"), ms(250));
        assert_eq!(parse_delay(" 0 "), ms(0));
        assert_eq!(parse_delay("0.0004s"), ms(0));
        assert_eq!(parse_delay(DELAY_DEFAULT), ms(defaults::DELAY_MS));
        for bad in ["", "s", "-1", "1m", "NaN", "infs", "2 days", "86401s"] {
            assert!(parse_delay(bad).is_err(), "{bad:?}");
        }
        let err = Cli::try_parse_from(["trawl", "--delay", "5min", "https://a.org/"])
            .expect_err("bad delay")
            .to_string();
        assert!(err.contains("--delay"), "{err}");
    }

    #[test]
    fn headers_are_checked_and_their_values_never_shown() {
        let (name, value) = parse_header("Accept-Language:  de-DE ").expect("header");
        assert_eq!(
            (name.as_str(), value.to_str().ok()),
            ("accept-language", Some("de-DE"))
        );
        assert!(value.is_sensitive());
        for (text, starts) in [
            ("no colon", "--header expects"),
            (": x", "--header \"\": not a valid header name"),
            (
                "user-agent: x",
                "--header user-agent: not allowed here; use --user-agent",
            ),
            ("X-Key: a\u{1}secret", "--header X-Key: its value"),
        ] {
            let err = parse_header(text).expect_err(text).to_string();
            assert!(err.starts_with(starts), "{err:?}");
            assert!(!err.contains("secret"), "{err}");
        }
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
        assert!(
            matches!(c.output, OutputTarget::NextFree(ref p) if p.starts_with("output") && p.extension() == Some("csv".as_ref()))
        );
    }
}
