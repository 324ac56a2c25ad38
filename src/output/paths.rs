//! The output paths of a run (`-o`, `--links-output`, `--summary-json`, and `trawl export`'s):
//! the [`OutputTarget`] each names, and the checks made before the first request: `{date}` and
//! `{time}` expanded (any other `{name}` refused), `-` for standard output (at most one output may
//! be it), a path that is a directory, a directory that is missing or cannot be written in, and
//! two options naming one file. Creating the files themselves (exclusively, with `-N` for numbered
//! names: [`numbered`], [`DEFAULT_DIR`]) is the sinks' job (`super`); nothing here writes anything
//! but a probe file it removes at once, and nothing here imports the sinks.

use crate::error::ConfigError;
use std::path::{Path, PathBuf};

/// Where rows go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// This file (created before the first request); refused while `<PATH>.partial` exists.
    File(PathBuf),
    /// This file or, when it or its `.partial` exists, the first free `<stem>-N.<ext>` beside
    /// it (the default name and names made with `{date}`/`{time}`).
    NextFree(PathBuf),
    /// Standard output (`-`).
    Stdout,
}

impl OutputTarget {
    /// The file's path as given (`None` for standard output).
    pub fn path(&self) -> Option<&Path> {
        match self {
            OutputTarget::File(p) | OutputTarget::NextFree(p) => Some(p),
            OutputTarget::Stdout => None,
        }
    }
}

/// The placeholders a path may hold.
const PLACEHOLDERS: [&str; 2] = ["{date}", "{time}"];

/// The directory the default output is written in; created on demand (any other must exist).
pub(super) const DEFAULT_DIR: &str = "output";

/// `{date}` -> `YYYY-MM-DD` and `{time}` -> `HHMMSS`, in UTC; any other `{name}` is refused,
/// naming `option`. Returns the path and whether it held a placeholder.
fn expand(
    option: &str,
    path: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(PathBuf, bool), ConfigError> {
    let text = path.to_string_lossy();
    if !text.contains('{') {
        return Ok((path.to_owned(), false));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let name = &after[..=close];
        match name {
            "{date}" => out.push_str(&now.format("%Y-%m-%d").to_string()),
            "{time}" => out.push_str(&now.format("%H%M%S").to_string()),
            _ => {
                return Err(ConfigError::Invalid(format!(
                    "{option} {}: unknown placeholder {name} (known: {})",
                    path.display(),
                    PLACEHOLDERS.join(", ")
                )))
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok((PathBuf::from(out), true))
}

/// The target of an output option's value: `-` is standard output; a path with a placeholder
/// (like the default name) gets `-N` when taken, a literal path is that file or a refusal.
pub fn target(
    option: &str,
    path: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OutputTarget, ConfigError> {
    if path.as_os_str() == "-" {
        return Ok(OutputTarget::Stdout);
    }
    let (path, numbered) = expand(option, path, now)?;
    Ok(if numbered {
        OutputTarget::NextFree(path)
    } else {
        OutputTarget::File(path)
    })
}

/// `output/trawl-YYYYMMDD-HHMMSS.<ext>` in UTC; `-N` is added when it is taken (at creation).
pub fn default_output(now: chrono::DateTime<chrono::Utc>, ext: &str) -> OutputTarget {
    let stamp = now.format("%Y%m%d-%H%M%S");
    OutputTarget::NextFree(Path::new(DEFAULT_DIR).join(format!("trawl-{stamp}.{ext}")))
}

/// `path` with `-n` before its extension (`news.csv` -> `news-2.csv`); `n == 0` is the path.
pub(super) fn numbered(path: &Path, n: u32) -> PathBuf {
    if n == 0 {
        return path.to_owned();
    }
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let named = match name.rfind('.').filter(|&i| i > 0) {
        Some(dot) => format!("{}-{n}{}", &name[..dot], &name[dot..]),
        None => format!("{name}-{n}"),
    };
    path.with_file_name(named)
}

/// The directory a file path is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// What a path names, for telling two options apart: its directory made absolute (symbolic
/// links resolved) and its file name. A directory that does not exist is compared as written.
fn identity(path: &Path) -> PathBuf {
    let dir = parent_of(path);
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    match path.file_name() {
        Some(name) => dir.join(name),
        None => dir,
    }
}

/// Can a file be created in `dir`? Creates and removes a probe file there (the only test that
/// holds for every user, root included, and every file system).
fn writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".trawl-probe-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    drop(file);
    std::fs::remove_file(&probe)
}

/// Check the outputs of a run before anything is requested or created: at most one is standard
/// output; no file path is a directory or lies in a missing or unwritable directory (the default
/// directory `output/` excepted: it is created); no two options (the `--state` file included)
/// name the same file. Each error is one line naming the option and the path.
pub fn check(
    outputs: &[(&'static str, &OutputTarget)],
    state: Option<&Path>,
) -> Result<(), ConfigError> {
    let stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, t)| matches!(t, OutputTarget::Stdout))
        .map(|(o, _)| *o)
        .collect();
    if stdout.len() > 1 {
        return Err(ConfigError::Invalid(format!(
            "{} -: only one output can be standard output ({} is -)",
            stdout[1], stdout[0]
        )));
    }
    let mut named: Vec<(&str, &Path, PathBuf)> = Vec::new();
    for (option, t) in outputs {
        let Some(path) = t.path() else { continue };
        if path.is_dir() {
            return Err(ConfigError::Invalid(format!(
                "{option} {}: is a directory",
                path.display()
            )));
        }
        let dir = parent_of(path);
        if dir != Path::new(DEFAULT_DIR) || dir.exists() {
            if !dir.is_dir() {
                let what = if dir.exists() {
                    "is not a directory"
                } else {
                    "does not exist"
                };
                return Err(ConfigError::Invalid(format!(
                    "{option} {}: directory {} {what}",
                    path.display(),
                    dir.display()
                )));
            }
            if let Err(e) = writable(dir) {
                return Err(ConfigError::Invalid(format!(
                    "{option} {}: cannot create a file in {}: {e}",
                    path.display(),
                    dir.display()
                )));
            }
        }
        named.push((option, path, identity(path)));
    }
    if let Some(state) = state {
        named.push(("--state", state, identity(state)));
    }
    for (i, (a, path, id)) in named.iter().enumerate() {
        if let Some((b, ..)) = named[..i].iter().find(|(_, _, other)| other == id) {
            return Err(ConfigError::Invalid(format!(
                "{b} and {a} both name {}: give each its own file",
                path.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-22T03:04:05Z")
            .expect("date")
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn date_and_time_expand_in_utc_and_make_the_name_numbered() {
        let t = target("-o", Path::new("output/news-{date}-{time}.csv"), now()).expect("ok");
        assert_eq!(
            t,
            OutputTarget::NextFree("output/news-2026-11-22-030405.csv".into())
        );
        let t = target("-o", Path::new("plain.csv"), now()).expect("ok");
        assert_eq!(t, OutputTarget::File("plain.csv".into()));
        assert_eq!(
            target("-o", Path::new("-"), now()).expect("ok"),
            OutputTarget::Stdout
        );
        // A brace that opens no placeholder is kept.
        let t = target("-o", Path::new("a{b.csv"), now()).expect("ok");
        assert_eq!(t, OutputTarget::NextFree("a{b.csv".into()));
    }

    #[test]
    fn an_unknown_placeholder_is_refused_naming_the_option() {
        let err = target("--summary-json", Path::new("s-{host}.json"), now())
            .expect_err("unknown")
            .to_string();
        assert_eq!(
            err,
            "--summary-json s-{host}.json: unknown placeholder {host} (known: {date}, {time})"
        );
    }

    #[test]
    fn numbers_go_before_the_extension() {
        assert_eq!(
            numbered(Path::new("output/a.b.csv"), 2),
            PathBuf::from("output/a.b-2.csv")
        );
        assert_eq!(numbered(Path::new("x"), 1), PathBuf::from("x-1"));
        assert_eq!(
            numbered(Path::new(".hidden"), 1),
            PathBuf::from(".hidden-1")
        );
        assert_eq!(numbered(Path::new("a.csv"), 0), PathBuf::from("a.csv"));
    }
}
