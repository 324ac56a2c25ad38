//! A worker that panics on a page never hangs the crawl (ripgrep's `panic_in_parallel`): the
//! debug-build hook `TRAWL_TEST_PANIC_ON` (src/extract/mod.rs) makes extracting one page panic;
//! that page's row says `error=panic`, every other row is intact, and the crawl ends with the
//! exit status of a crawl with failed pages (0).

use crate::common::cli::{trawl, wait_output};
use crate::common::server::Site;
use std::time::Duration;

#[test]
fn a_page_whose_extraction_panics_gets_a_panic_row_and_the_crawl_ends() {
    let mut site = Site::new();
    let leaves = ["a", "b", "boom", "c", "d", "e"];
    let hub: String = leaves
        .iter()
        .map(|p| format!("<a href=\"/{p}\">{p}</a>"))
        .collect();
    site.page("/", format!("<title>hub</title>{hub}"));
    for p in leaves {
        site.page(&format!("/{p}"), format!("<title>Leaf {p}</title>"));
    }
    let server = site.serve();
    // One worker (the only one panics: it must still answer) and several.
    for workers in ["1", "4"] {
        let dir = tempfile::tempdir().expect("tmp");
        let out_csv = dir.path().join("rows.csv");
        let out_path = out_csv.to_str().expect("utf-8 path");
        let seed = server.url("/");
        let mut cmd = trawl(&["-w", workers, "--delay", "0", "-o", out_path, &seed]);
        cmd.env(trawl::extract::TEST_PANIC_ENV, "/boom");
        let out = wait_output(cmd.spawn().expect("spawn"), Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "workers={workers}: {stderr}");
        assert!(
            stderr.contains("panics, as asked"),
            "the hook fired: {stderr}"
        );

        let mut reader = csv::Reader::from_path(&out_csv).expect("csv");
        let header = reader.headers().expect("header").clone();
        let col = |name: &str| header.iter().position(|h| h == name).expect("column");
        let (url, title, status, error, depth, parent) = (
            col("url"),
            col("title"),
            col("status"),
            col("error"),
            col("depth"),
            col("parent"),
        );
        let mut rows: Vec<csv::StringRecord> =
            reader.records().collect::<Result<_, _>>().expect("rows");
        rows.sort_by(|a, b| a[url].cmp(&b[url]));
        assert_eq!(rows.len(), 1 + leaves.len(), "one row per page");
        for row in &rows {
            let path = row[url].trim_start_matches(&server.base()).to_owned();
            if path == "/boom" {
                assert_eq!(&row[error], "panic", "{row:?}");
                assert_eq!(&row[depth], "1", "{row:?}");
                assert_eq!(&row[parent], seed, "{row:?}");
                assert_eq!(&row[title], "", "{row:?}");
            } else {
                assert_eq!(&row[error], "", "{row:?}");
                assert_eq!(&row[status], "200", "{row:?}");
                let want = if path == "/" {
                    "hub".to_owned()
                } else {
                    format!("Leaf {}", &path[1..])
                };
                assert_eq!(&row[title], want, "{row:?}");
            }
        }
        assert_eq!(server.count("/boom"), 1, "a panicked page is not retried");
        server.clear_log();
    }
}
