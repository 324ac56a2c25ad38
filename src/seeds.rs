//! Reading seeds: each command-line SEED is an http(s) URL or a path to a seed file (one URL per
//! line, blank lines and `#` comments allowed: a line starting with `#`, or a `#` after whitespace
//! to the end of the line, as in `https://example.com/  # front page`; a `#` right after URL text
//! is its fragment). Every bad entry is refused with its file and line; one without a scheme
//! (`www.example.com`) is told the URL it probably means.
//! This module only reads and validates; it never requests anything.

use crate::error::ConfigError;
use crate::url_norm;
use std::path::Path;
use url::Url;

/// Resolve the SEED arguments into the list of seed URLs (in order, duplicates removed).
pub fn load(args: &[String]) -> Result<Vec<Url>, ConfigError> {
    let mut seeds: Vec<Url> = Vec::new();
    for arg in args {
        if looks_like_url(arg) {
            seeds.push(parse_seed(arg).map_err(|reason| ConfigError::BadSeedUrl {
                text: arg.clone(),
                reason,
            })?);
        } else if let Some(meant) = host_without_scheme(arg).filter(|_| !Path::new(arg).exists()) {
            return Err(ConfigError::BadSeedUrl {
                text: arg.clone(),
                reason: format!("no such seed file, and no scheme: did you mean {meant}?"),
            });
        } else {
            seeds.extend(read_file(Path::new(arg))?);
        }
    }
    let mut seen = std::collections::HashSet::new();
    seeds.retain(|u| seen.insert(u.as_str().to_owned()));
    if seeds.is_empty() {
        return Err(ConfigError::NoSeeds(format!(
            "{} holds no URL",
            args.join(", ")
        )));
    }
    Ok(seeds)
}

/// Read one seed file.
pub fn read_file(path: &Path) -> Result<Vec<Url>, ConfigError> {
    let text = std::fs::read(path).map_err(|source| ConfigError::SeedFile {
        path: path.to_owned(),
        source,
    })?;
    let text = String::from_utf8_lossy(&text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}');
        let line = without_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        let url = parse_seed(line).map_err(|reason| ConfigError::BadSeedLine {
            file: path.display().to_string(),
            line: i + 1,
            text: line.to_owned(),
            reason,
        })?;
        out.push(url);
    }
    Ok(out)
}

/// A command-line SEED is taken as a URL when it has a scheme separator; anything else is a file.
fn looks_like_url(arg: &str) -> bool {
    arg.contains("://")
}

/// The line up to its comment: a `#` at its start or after whitespace.
fn without_comment(line: &str) -> &str {
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_ws {
            return &line[..i];
        }
        prev_ws = c.is_whitespace();
    }
    line
}

/// `www.example.com/news` -> `https://www.example.com/news`: the URL a seed without a scheme
/// probably means (a host name with a dot, or localhost), if it is one.
fn host_without_scheme(text: &str) -> Option<String> {
    if text.contains("://") || text.starts_with('/') || text.starts_with('.') {
        return None;
    }
    let url = Url::parse(&format!("https://{text}")).ok()?;
    let host = url.host_str()?;
    (host.contains('.') || host == "localhost").then(|| url.to_string())
}

fn parse_seed(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| match host_without_scheme(text) {
        Some(meant) => format!("no scheme: did you mean {meant}?"),
        None => e.to_string(),
    })?;
    if !url_norm::is_http(&url) {
        return Err(format!("scheme {:?} is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    url_norm::http_url(None, text).ok_or_else(|| "not an absolute http(s) URL".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn file_with_comments_and_blanks() {
        let mut f = tempfile::NamedTempFile::new().expect("tmp");
        writeln!(
            f,
            "# news\n\nhttps://lenta.ru/\n  https://fontanka.ru/#top  \nhttps://lenta.ru/"
        )
        .expect("write");
        let seeds = load(&[f.path().display().to_string()]).expect("seeds");
        let got: Vec<&str> = seeds.iter().map(Url::as_str).collect();
        assert_eq!(got, ["https://lenta.ru/", "https://fontanka.ru/"]);
    }

    #[test]
    fn bad_line_names_file_and_line() {
        let mut f = tempfile::NamedTempFile::new().expect("tmp");
        writeln!(f, "https://lenta.ru/\n# c\nlenta.ru/news").expect("write");
        let err = load(&[f.path().display().to_string()])
            .expect_err("must fail")
            .to_string();
        assert!(
            err.starts_with(&format!("{}:3: \"lenta.ru/news\"", f.path().display())),
            "{err}"
        );
    }

    #[test]
    fn a_comment_after_whitespace_ends_the_line() {
        let mut f = tempfile::NamedTempFile::new().expect("tmp");
        writeln!(
            f,
            "https://example.com/  # front page\nhttps://example.com/a#frag\t#tab\n\t# only"
        )
        .expect("write");
        let seeds = load(&[f.path().display().to_string()]).expect("seeds");
        let got: Vec<&str> = seeds.iter().map(Url::as_str).collect();
        assert_eq!(got, ["https://example.com/", "https://example.com/a"]);
    }

    #[test]
    fn a_line_without_a_scheme_is_told_the_url_it_means() {
        let mut f = tempfile::NamedTempFile::new().expect("tmp");
        writeln!(f, "https://lenta.ru/\n\nwww.example.com  # typed by hand").expect("write");
        let err = load(&[f.path().display().to_string()])
            .expect_err("must fail")
            .to_string();
        assert_eq!(
            err,
            format!(
                "{}:3: \"www.example.com\" is not an http(s) URL: no scheme: did you mean \
                 https://www.example.com/?",
                f.path().display()
            )
        );
        let err = load(&["www.example.com".into()])
            .expect_err("no file")
            .to_string();
        assert!(
            err.contains("did you mean https://www.example.com/?"),
            "{err}"
        );
    }

    #[test]
    fn non_http_url_argument_is_refused() {
        let err = load(&["ftp://example.org/".into()])
            .expect_err("must fail")
            .to_string();
        assert!(
            err.contains("ftp://example.org/") && err.contains("not http or https"),
            "{err}"
        );
    }

    #[test]
    fn missing_file_is_named() {
        let err = load(&["no/such/seeds.txt".into()])
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("no/such/seeds.txt"), "{err}");
    }
}
