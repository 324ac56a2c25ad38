//! From the parsed command line to a [`Config`]: every check a value needs that clap's own
//! parsing cannot make (bounds, combinations, regular expressions, headers, certificates, the
//! Redis URL and crawl id), each refusal one [`ConfigError`] line naming the option. It reads the
//! files the options name (seed lists, `--cookies`, `--ca-cert`) and makes no request.

use super::args::{Cli, ScopeArg};
use crate::config::{defaults, Config, OutputTarget};
use crate::error::ConfigError;
use crate::output::paths;
use crate::scope::ScopeKind;
use crate::seeds;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

/// The most `--workers`: each is a thread with its own stack and connection pool, and the pages
/// they hold share one `--body-memory` budget (8 MiB by default, so past a few hundred workers
/// most would wait on it); with the default `--per-host` 2, 1024 workers need 512 hosts at once
/// to be busy. A limit, so that a typo (`-w 100000`) is a usage error, not a process aborted
/// while spawning threads.
const MAX_WORKERS: usize = 1024;

/// The most `--queue-capacity`: the channel's slots are allocated up front.
const MAX_QUEUE_CAPACITY: usize = 65_536;

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
fn parse_header(
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

/// A `--crawl-id` is what a key prefix can hold without quoting: 1 to 64 letters, digits, `.`,
/// `_` or `-`.
pub fn check_crawl_id(id: &str) -> Result<(), ConfigError> {
    let valid = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid {
        return Err(ConfigError::Invalid(format!(
            "--crawl-id {id:?}: use 1 to 64 letters, digits, `.`, `_` or `-`"
        )));
    }
    Ok(())
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
    check_crawl_id(&crawl_id)?;
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

impl Cli {
    /// Validate the arguments into a [`Config`]. Reads the seed files; makes no request.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let workers = from_one_to("--workers", self.workers, MAX_WORKERS, " (one thread each)")?;
        let queue_capacity = from_one_to(
            "--queue-capacity",
            self.queue_capacity,
            MAX_QUEUE_CAPACITY,
            "",
        )?;
        let format = crate::output::Format::from(self.format);
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
        if self.max_header_bytes < crate::download::MIN_MAX_HEADER_BYTES {
            return Err(ConfigError::Invalid(format!(
                "--max-header-bytes must be at least {}",
                crate::download::MIN_MAX_HEADER_BYTES
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
                crate::download::Jar::load_netscape(path)
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

/// A count from 1 to `max`; `why` ends the message of one above `max`.
fn from_one_to(option: &str, n: usize, max: usize, why: &str) -> Result<NonZeroUsize, ConfigError> {
    let one_or_more = NonZeroUsize::new(n)
        .ok_or_else(|| ConfigError::Invalid(format!("{option} must be at least 1")))?;
    if n > max {
        return Err(ConfigError::Invalid(format!(
            "{option} {n}: at most {max}{why}"
        )));
    }
    Ok(one_or_more)
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
    use crate::article::TextFormat;
    use clap::{CommandFactory, Parser};

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
