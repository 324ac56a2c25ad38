//! The page corpus the benches read: up to N pages of the installed Rust documentation, as
//! `http://docs.test/<path>` URLs (none when the docs are absent), and the helpers that find them.
//! Shared by the benches and `tests/it/extract_agreement.rs` through `#[path]`; it measures nothing
//! itself.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use url::Url;

pub fn rust_doc_pages(limit: usize) -> Vec<(Url, String)> {
    let Some(root) = rust_docs_dir() else {
        return Vec::new();
    };
    let mut files = html_files(&root.join("std"));
    files.truncate(limit);
    files
        .iter()
        .filter_map(|path| {
            let html = String::from_utf8_lossy(&fs::read(path).ok()?).into_owned();
            let relative = path
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .into_owned();
            let url = Url::parse(&format!("http://docs.test/{relative}")).ok()?;
            Some((url, html))
        })
        .collect()
}

/// The installed Rust documentation (`$(rustc --print sysroot)/share/doc/rust/html`, with
/// `$RUSTC` when set), if present.
pub fn rust_docs_dir() -> Option<PathBuf> {
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(output.stdout).ok()?;
    let dir = Path::new(sysroot.trim()).join("share/doc/rust/html");
    dir.is_dir().then_some(dir)
}

/// Every `*.html` file under `dir` (symbolic links not followed), sorted.
pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "html") => {
                    out.push(path);
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}
