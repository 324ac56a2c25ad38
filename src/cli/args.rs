//! The command line as clap reads it: the `Cli` struct, its subcommands and value enums. The doc
//! comments in this file are the `--help` text (and the man pages' option lists), so an option's
//! words are written here once. Values clap can check itself (`--delay`'s units) are parsed here;
//! every other check is `into_config.rs`'s.

use super::man::Page;
use crate::article::TextFormat;
use crate::config::defaults;
use crate::scope::ScopeKind;
use clap::{Parser, ValueEnum};
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
    pub man: Option<Page>,
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

/// `--delay`'s default, as typed ([`defaults::DELAY_MS`]; a test holds them equal).
const DELAY_DEFAULT: &str = "200ms";

/// The longest `--delay`: a day.
const MAX_DELAY: Duration = Duration::from_secs(86_400);

/// A `--delay` value: `500ms`, `1.5s`, `2s`, or a bare number of milliseconds.
fn parse_delay(text: &str) -> Result<Duration, String> {
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

impl From<FormatArg> for crate::output::Format {
    fn from(arg: FormatArg) -> crate::output::Format {
        match arg {
            FormatArg::Csv => crate::output::Format::Csv,
            FormatArg::Jsonl => crate::output::Format::Jsonl,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
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
}
