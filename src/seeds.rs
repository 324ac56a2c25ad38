//! Reading seeds: each command-line SEED is an http(s) URL or a path to a seed file (one URL per
//! line, blank lines and `#` comments allowed). Every bad entry is refused with its file and line.
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
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
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

fn parse_seed(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
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
