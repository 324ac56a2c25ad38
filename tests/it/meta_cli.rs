//! `--meta` and `--dedup-canonical` as a user runs them: the 12 extra CSV columns after the 13,
//! the summary's canonical count (report and `--summary-json`), with `--state` and across a
//! resume, and the refused combinations.

use crate::common::server::Site;

use crate::common::cli::assert_trawl as trawl;
use crate::common::cli::stderr as stderr_of;

const ARTICLE: &str = r#"<!doctype html><html lang="en"><head><title>Story | Site</title>
<link rel="canonical" href="/story"><link rel="amphtml" href="/amp/story">
<meta property="og:title" content="Story"><meta property="article:published_time" content="2026-11-30T14:05:00+01:00">
</head><body><a href="/amp/story">amp</a></body></html>"#;

const AMP: &str = r#"<!doctype html><html amp lang="en"><head><title>Story (AMP)</title>
<link rel="canonical" href="/story"><meta property="og:title" content="Story">
</head><body><a href="/story">full</a></body></html>"#;

#[test]
fn meta_adds_twelve_columns_and_counts_other_canonicals() {
    let mut site = Site::new();
    site.page("/story", ARTICLE);
    site.page("/amp/story", AMP);
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out_csv = dir.path().join("rows.csv");
    let summary = dir.path().join("summary.json");
    let out = trawl()
        .args(["--meta", "--summary-json"])
        .arg(&summary)
        .arg("-o")
        .arg(&out_csv)
        .arg(server.url("/story"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut reader = csv::Reader::from_path(&out_csv).expect("csv");
    let headers: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let want: Vec<&str> = trawl::output::COLUMNS
        .iter()
        .chain(trawl::record::META_COLUMNS.iter())
        .copied()
        .collect();
    assert_eq!(headers, want);
    let mut rows: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().expect("rows");
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    assert_eq!(rows.len(), 2, "the AMP copy is a row too");
    let story = &rows[1];
    assert_eq!(&story[0], server.url("/story"));
    assert_eq!(&story[13], "2026-11-30T14:05:00+01:00");
    assert_eq!(&story[15], "meta");
    assert_eq!(&story[18], server.url("/story"));
    assert_eq!(&story[19], "en");
    assert_eq!(&story[23], "Story");
    assert_eq!(
        &rows[0][18],
        server.url("/story"),
        "the AMP copy's canonical"
    );
    assert!(
        stderr_of(&out).contains("1 pages name another canonical URL"),
        "{}",
        stderr_of(&out)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");
    assert_eq!(json["canonical_elsewhere"], 1);
}

#[test]
fn dedup_canonical_makes_an_amp_pair_one_row() {
    let mut site = Site::new();
    site.page("/story", ARTICLE);
    site.page("/amp/story", AMP);
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out_csv = dir.path().join("rows.csv");
    let out = trawl()
        .args(["--meta", "--dedup-canonical", "-o"])
        .arg(&out_csv)
        .arg(server.url("/story"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut reader = csv::Reader::from_path(&out_csv).expect("csv");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], server.url("/story"));
    assert_eq!(
        server.count("/amp/story"),
        1,
        "the skipped page was still fetched"
    );
    assert!(
        stderr_of(&out).contains("1 rows skipped as duplicates"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn meta_with_state_writes_the_columns() {
    let mut site = Site::new();
    site.page("/story", ARTICLE);
    site.page("/amp/story", AMP);
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out_csv = dir.path().join("rows.csv");
    let out = trawl()
        .args(["--meta", "--state"])
        .arg(dir.path().join("state.db"))
        .arg("-o")
        .arg(&out_csv)
        .arg(server.url("/story"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut reader = csv::Reader::from_path(&out_csv).expect("csv");
    assert_eq!(
        reader.headers().expect("header").len(),
        trawl::record::COLUMNS.len() + trawl::record::META_COLUMNS.len()
    );
    let mut rows: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().expect("rows");
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[1][13], "2026-11-30T14:05:00+01:00");
    assert_eq!(&rows[0][18], server.url("/story"));
}

#[test]
fn a_resumed_meta_crawl_keeps_the_columns_of_the_rows_before_the_stop() {
    resumed_meta_crawl(false);
}

#[test]
fn a_resumed_dedup_crawl_knows_the_canonical_urls_written_before_the_stop() {
    resumed_meta_crawl(true);
}

fn resumed_meta_crawl(dedup: bool) {
    let mut site = Site::new();
    site.page("/story", ARTICLE);
    site.page("/amp/story", AMP);
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out_csv = dir.path().join("rows.csv");
    let state = dir.path().join("state.db");
    let run = |extra: &[&str]| {
        trawl()
            .args([
                "-q",
                "--meta",
                "--ignore-robots",
                "--delay",
                "3000",
                "--state",
            ])
            .arg(&state)
            .args(dedup.then_some("--dedup-canonical"))
            .args(extra)
            .arg("-o")
            .arg(&out_csv)
            .arg(server.url("/story"))
            .output()
            .expect("run")
    };
    // Stopped before the AMP copy's turn (the delay): one row, the copy left queued.
    let first = run(&["--max-duration", "0.5"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    assert_eq!(server.count("/amp/story"), 0);
    let second = run(&[]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr_of(&second));
    assert_eq!(
        server.count("/story"),
        1,
        "the resume fetched only what was missing"
    );
    assert_eq!(server.count("/amp/story"), 1);
    let mut reader = csv::Reader::from_path(&out_csv).expect("csv");
    let mut rows: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().expect("rows");
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    // The story's row came back from the state, its metadata with it.
    let story = rows.last().expect("story row");
    assert_eq!(&story[0], server.url("/story"));
    assert_eq!(&story[13], "2026-11-30T14:05:00+01:00");
    assert_eq!(&story[23], "Story");
    if dedup {
        // The AMP copy's canonical URL had its row before the stop: none for the copy.
        assert_eq!(rows.len(), 1);
    } else {
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][18], server.url("/story"));
    }
}

#[test]
fn refused_combinations() {
    let site = Site::new().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = trawl()
        .current_dir(dir.path())
        .arg("--dedup-canonical")
        .arg(site.url("/"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--meta"), "{}", stderr_of(&out));
    assert_eq!(site.total_requests(), 0);
}
