//! The page corpus the benches read: up to N pages of the installed Rust documentation, as
//! `http://docs.test/<path>` URLs (none when the docs are absent). Shared by the benches through
//! `#[path]`; it measures nothing itself.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use url::Url;

pub fn rust_doc_pages(limit: usize) -> Vec<(Url, String)> {
    let Some(root) = rust_docs_dir() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    collect_html(&root.join("std"), &mut files);
    files.sort();
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

fn rust_docs_dir() -> Option<PathBuf> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(output.stdout).ok()?;
    let dir = Path::new(sysroot.trim()).join("share/doc/rust/html");
    dir.is_dir().then_some(dir)
}

fn collect_html(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_html(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}
