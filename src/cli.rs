//! The command line (clap derive). Doc comments here are the `--help` text. It parses and converts
//! into a [`Config`] once; nothing else in the crate imports clap.

use crate::config::{Config, OutputTarget};
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

Exit status: 0 the crawl ran to the end (some pages may have failed); 1 fatal error;
2 bad input (seed, option, output path); 3 not a single page could be fetched.";

/// trawl: a polite, multi-threaded web crawler that collects page titles and links into CSV.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Seed URLs (http or https) or files of seed URLs (one per line, `#` comments allowed).
    #[arg(required = true, value_name = "SEED")]
    pub seeds: Vec<String>,

    /// CSV file to write (`-` for standard output) [default: output/trawl-<UTC date-time>.csv]
    #[arg(short = 'o', long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Number of worker threads fetching pages.
    #[arg(short = 'w', long, value_name = "N", default_value_t = 16)]
    pub workers: usize,

    /// Capacity of the bounded job channel between the coordinator and the workers.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub queue_capacity: usize,

    /// Follow links up to this depth (seeds are depth 0; 1 = the seeds and the pages they link to).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub max_depth: u32,

    /// Request at most this many distinct pages [default: no limit].
    #[arg(long, value_name = "N")]
    pub max_pages: Option<u64>,

    /// Limit in seconds on one whole page fetch, from connect to the last body byte.
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub timeout: f64,

    /// The User-Agent header [default: trawl/<version> (+https://crates.io/crates/trawl)]
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,

    /// Which discovered links are followed: the seeds' hosts, their registrable domains, or any.
    #[arg(long, value_enum, default_value_t = ScopeArg::Host)]
    pub scope: ScopeArg,

    /// Also write every link found as an edge to this CSV (`from,to`).
    #[arg(long, value_name = "PATH")]
    pub links_output: Option<PathBuf>,

    /// Cut a page's body after this many bytes (after decompression); the row says `too_large`.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_bytes: u64,
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
        if self.max_bytes == 0 {
            return Err(ConfigError::Invalid(
                "--max-bytes must be at least 1".into(),
            ));
        }
        if self.max_pages == Some(0) {
            return Err(ConfigError::Invalid(
                "--max-pages must be at least 1".into(),
            ));
        }
        let seeds = seeds::load(&self.seeds)?;
        let output = match self.output {
            Some(p) if p.as_os_str() == "-" => OutputTarget::Stdout,
            Some(p) => OutputTarget::File(p),
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
        config.connect_timeout = timeout.min(Duration::from_secs(10));
        if let Some(ua) = self.user_agent {
            config.user_agent = ua;
        }
        config.scope = match self.scope {
            ScopeArg::Host => ScopeKind::Host,
            ScopeArg::Domain => ScopeKind::Domain,
            ScopeArg::Any => ScopeKind::Any,
        };
        config.max_bytes = self.max_bytes;
        Ok(config)
    }
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
