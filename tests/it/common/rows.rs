//! Reading back what trawl wrote: the data rows of an output (CSV or JSONL), each checked
//! whole against the crate's column list (`trawl::record::COLUMNS`), projected onto the columns
//! a test names or read as a [`FileRow`] of every column but the timing ones; rows keyed by URL
//! and compared as sets; where an unfinished run left its rows (`.partial`); and the
//! `--summary-json` file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use trawl::record::COLUMNS;

/// The data rows of an output CSV, each checked to be whole (every column of `COLUMNS`).
pub fn whole_records(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a complete row");
            assert_eq!(rec.len(), COLUMNS.len(), "{rec:?}");
            rec
        })
        .collect()
}

/// Where the output column `name` stands in `COLUMNS`.
fn column(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("no output column {name:?}"))
}

/// The data rows of an output CSV projected onto the columns `names` (by their names in
/// `COLUMNS`), in that order; each row checked whole first.
pub fn columns<const N: usize>(path: &Path, names: [&str; N]) -> Vec<[String; N]> {
    let at = names.map(column);
    whole_records(path)
        .iter()
        .map(|rec| at.map(|i| rec[i].to_owned()))
        .collect()
}

/// The `url` column of an output CSV, as a set.
pub fn urls(path: &Path) -> BTreeSet<String> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.records()
        .map(|rec| rec.expect("record")[0].to_owned())
        .collect()
}

/// The `--summary-json` file at `path`.
pub fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary")).expect("json")
}

/// One output row, every column but the timing ones (`elapsed_ms`, `fetched_at`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileRow {
    pub url: String,
    pub final_url: String,
    pub depth: String,
    pub parent: String,
    pub status: String,
    pub content_type: String,
    pub title: String,
    pub links: String,
    pub bytes: String,
    pub encoding: String,
    pub error: String,
}

/// What two crawls of one site must agree on: every column but `parent` (which of several
/// linking pages finished first) and the timing ones.
pub type Stable = [String; 10];

impl FileRow {
    pub fn from_cells(cells: &[String]) -> FileRow {
        assert_eq!(cells.len(), COLUMNS.len(), "a whole row: {cells:?}");
        let c = |name: &str| cells[column(name)].clone();
        FileRow {
            url: c("url"),
            final_url: c("final_url"),
            depth: c("depth"),
            parent: c("parent"),
            status: c("status"),
            content_type: c("content_type"),
            title: c("title"),
            links: c("links"),
            bytes: c("bytes"),
            encoding: c("encoding"),
            error: c("error"),
        }
    }

    pub fn stable(&self) -> Stable {
        [
            self.url.clone(),
            self.final_url.clone(),
            self.depth.clone(),
            self.status.clone(),
            self.content_type.clone(),
            self.title.clone(),
            self.links.clone(),
            self.bytes.clone(),
            self.encoding.clone(),
            self.error.clone(),
        ]
    }
}

/// The rows of a CSV file, each checked whole, the header checked.
pub fn csv_rows(path: &Path) -> Vec<FileRow> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, COLUMNS, "{}", path.display());
    r.records()
        .map(|rec| {
            let rec = rec.expect("a complete row");
            FileRow::from_cells(&rec.iter().map(str::to_owned).collect::<Vec<_>>())
        })
        .collect()
}

/// The rows of a JSONL file (the CSV's field names; numbers as numbers, empty as null or "").
pub fn jsonl_rows(path: &Path) -> Vec<FileRow> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
            let cells: Vec<String> = COLUMNS
                .iter()
                .map(|k| match &v[*k] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            FileRow::from_cells(&cells)
        })
        .collect()
}

/// The rows of an output (CSV unless the name ends in `.jsonl`).
pub fn rows_of(path: &Path) -> Vec<FileRow> {
    if path.extension().is_some_and(|e| e == "jsonl") {
        jsonl_rows(path)
    } else {
        csv_rows(path)
    }
}

/// `out` with `.partial` appended.
pub fn partial_of(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// The rows a process left in `out` (or in `out.partial` if it never renamed it), and which of
/// the two it was; fails if neither exists.
pub fn kept_rows(out: &Path) -> (Vec<FileRow>, PathBuf) {
    for p in [out.to_path_buf(), partial_of(out)] {
        if p.exists() {
            return (rows_of(&p), p);
        }
    }
    panic!("{}: neither it nor its .partial exists", out.display());
}

/// `rows` by URL, failing if a URL has two rows.
pub fn by_url(what: &str, rows: &[FileRow]) -> BTreeMap<String, FileRow> {
    let mut m = BTreeMap::new();
    for r in rows {
        if let Some(old) = m.insert(r.url.clone(), r.clone()) {
            panic!("{what}: two rows for {}:\n{old:?}\n{r:?}", r.url);
        }
    }
    m
}

/// The union of several processes' rows, failing if any URL has a row in two of them (or two in
/// one).
pub fn union(parts: &[(&str, &[FileRow])]) -> BTreeMap<String, FileRow> {
    let mut all: BTreeMap<String, (String, FileRow)> = BTreeMap::new();
    for (name, rows) in parts {
        for r in by_url(name, rows).into_values() {
            if let Some((other, _)) = all.get(&r.url) {
                panic!("{} has a row in both {other} and {name}", r.url);
            }
            all.insert(r.url.clone(), ((*name).to_owned(), r));
        }
    }
    all.into_iter().map(|(k, (_, r))| (k, r)).collect()
}

pub fn stable_set<'a>(rows: impl IntoIterator<Item = &'a FileRow>) -> BTreeSet<Stable> {
    rows.into_iter().map(FileRow::stable).collect()
}

/// `got` and `want` are the same rows; on failure, shows only the rows that differ.
pub fn assert_same_rows(got: &BTreeSet<Stable>, want: &BTreeSet<Stable>, what: &str) {
    if got != want {
        let extra: Vec<&Stable> = got.difference(want).collect();
        let missing: Vec<&Stable> = want.difference(got).collect();
        panic!("{what}:\nonly in the first: {extra:#?}\nonly in the second: {missing:#?}");
    }
}
