//! What a run leaves behind, as a user meets it: two runs on one output path (a literal `-o` is
//! refused, a `{date}` name is numbered; never two writers on one file), every output path
//! checked before the first request, `-` for standard output in every output option, the bound
//! on `-w`, plain log lines off a terminal, JSONL's `null`s and file name, and the placeholders.

use crate::common::cli::{run, stderr, trawl, wait_output};
use crate::common::rows::whole_records;
use crate::common::server::{Barrier, Response, Site, TestServer};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// A guard against hangs only.
const GUARD: Duration = Duration::from_secs(60);

fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = trawl(args);
    c.current_dir(dir);
    wait_output(c.spawn().expect("spawn trawl"), GUARD)
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A one-page site whose page `/` is held at `gate` (the first request only when `first_only`).
fn gated_site(gate: &Barrier, title: &str) -> TestServer {
    let mut site = Site::new();
    site.page("/", format!("<title>{title}</title>"));
    TestServer::start(gate.wrap(move |req| site.handle(req)))
}

/// `-o SAME` twice at once: the second run is refused before any request, naming the path, and
/// the first one's file holds its own rows, whole. The first run's page is held by the server
/// until the second has ended, so both are alive together.
#[test]
fn a_literal_output_being_written_is_refused_and_the_writer_keeps_its_file() {
    let gate = Barrier::new(2, GUARD);
    let first = gated_site(&gate, "First");
    let other = Site::new()
        .page("/", "<title>Other</title>")
        .clone()
        .serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let o = out.to_str().expect("path");
    let seed = first.url("/");
    let a = trawl(&["--ignore-robots", "--max-depth", "0", "-o", o, &seed])
        .spawn()
        .expect("spawn");
    assert!(
        first.wait_for_count("/", 1, GUARD),
        "the first run requested its page"
    );
    // The first run's .partial exists and is locked while its page is held.
    let b = run(&[
        "--ignore-robots",
        "--max-depth",
        "0",
        "-o",
        o,
        &other.url("/"),
    ]);
    assert_eq!(b.status.code(), Some(2), "{}", stderr(&b));
    let err = stderr(&b);
    assert_eq!(
        err,
        format!("trawl: -o {o}: another trawl process is writing it ({o}.partial is locked)\n")
    );
    assert_eq!(other.total_requests(), 0, "refused before any request");
    assert!(gate.wait(), "released the first run's page");
    let a = wait_output(a, GUARD);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let rows = whole_records(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][0], &rows[0][6]), (seed.as_str(), "First"));
    assert_eq!(names(dir.path()), ["out.csv"]);
}

/// Two runs with one `{date}` name at once: each gets a file of its own (`-1` for the later
/// one), each whole with its own row. The server releases the two pages only together, so both
/// files are being written at the same time.
#[test]
fn a_placeholder_name_in_use_gets_the_next_number() {
    let gate = Barrier::new(2, GUARD);
    let site = gated_site(&gate, "Shared");
    let dir = tempfile::tempdir().expect("tmp");
    let name = dir.path().join("news-{date}.csv");
    let name = name.to_str().expect("path");
    let seed = site.url("/");
    let args = ["--ignore-robots", "--max-depth", "0", "-o", name, &seed];
    let a = trawl(&args).spawn().expect("spawn");
    assert!(site.wait_for_count("/", 1, GUARD));
    let b = trawl(&args).spawn().expect("spawn");
    let (a, b) = (wait_output(a, GUARD), wait_output(b, GUARD));
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(gate.filled(), 1, "both pages were held together");
    let files = names(dir.path());
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        files,
        [format!("news-{date}-1.csv"), format!("news-{date}.csv")]
    );
    for f in files {
        let rows = whole_records(&dir.path().join(f));
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][6], "Shared");
    }
}

/// A `.partial` no process holds (a run killed without `--state`): a literal `-o` is refused
/// (the file may hold the only copy of that run's rows), a numbered name goes past it.
#[test]
fn a_partial_left_by_a_killed_run_is_kept() {
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    std::fs::write(dir.path().join("out.csv.partial"), "url\nkept\n").expect("w");
    let o = out.to_str().expect("path");
    let seed = site.url("/");
    let r = run(&["--ignore-robots", "--max-depth", "0", "-o", o, &seed]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert_eq!(
        stderr(&r),
        format!(
            "trawl: -o {o}: {o}.partial was left by a run that did not finish; resume that run \
             with its --state, or remove the file\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv.partial")).expect("r"),
        "url\nkept\n"
    );
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    std::fs::write(dir.path().join(format!("d-{date}.csv.partial")), "x\n").expect("w");
    let named = dir.path().join("d-{date}.csv");
    let r = run(&[
        "--ignore-robots",
        "--max-depth",
        "0",
        "-o",
        named.to_str().expect("path"),
        &seed,
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(
        whole_records(&dir.path().join(format!("d-{date}-1.csv"))).len(),
        1
    );
    assert_eq!(
        site.total_requests(),
        1,
        "the refused run requested nothing"
    );
}

/// Every output path is checked before the first request: exit 2, one line naming the option
/// and the path, nothing requested, no file made.
#[test]
fn bad_output_paths_are_refused_before_any_request() {
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::create_dir(d.join("adir")).expect("mkdir");
    std::fs::write(d.join("afile"), "x").expect("w");
    let p = |s: &str| d.join(s).to_str().expect("path").to_owned();
    let seed = site.url("/");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["-o".into(), p("adir")],
            format!("-o {}: is a directory", p("adir")),
        ),
        (
            vec![
                "-o".into(),
                p("x.csv"),
                "--summary-json".into(),
                p("no/s.json"),
            ],
            format!(
                "--summary-json {}: directory {} does not exist",
                p("no/s.json"),
                p("no")
            ),
        ),
        (
            vec![
                "-o".into(),
                p("x.csv"),
                "--summary-json".into(),
                p("afile/s.json"),
            ],
            format!(
                "--summary-json {}: directory {} is not a directory",
                p("afile/s.json"),
                p("afile")
            ),
        ),
        (
            vec![
                "-o".into(),
                p("x.csv"),
                "--links-output".into(),
                p("no/e.csv"),
            ],
            format!(
                "--links-output {}: directory {} does not exist",
                p("no/e.csv"),
                p("no")
            ),
        ),
        (
            vec!["-o".into(), p("x.csv"), "--summary-json".into(), p("x.csv")],
            format!(
                "-o and --summary-json both name {}: give each its own file",
                p("x.csv")
            ),
        ),
        (
            vec![
                "-o".into(),
                p("x.csv"),
                "--links-output".into(),
                p("adir/../x.csv"),
            ],
            format!(
                "-o and --links-output both name {}: give each its own file",
                p("adir/../x.csv")
            ),
        ),
        (
            vec!["-o".into(), p("x.csv"), "--state".into(), p("x.csv")],
            format!(
                "-o and --state both name {}: give each its own file",
                p("x.csv")
            ),
        ),
        (
            vec!["-o".into(), "-".into(), "--summary-json".into(), "-".into()],
            "--summary-json -: only one output can be standard output (-o is -)".into(),
        ),
    ];
    for (mut args, want) in cases {
        args.push(seed.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), format!("trawl: {want}\n"), "{args:?}");
    }
    assert_eq!(site.total_requests(), 0);
    assert_eq!(names(d), ["adir", "afile"], "no file made");
}

/// `-` is standard output for `--summary-json` and `--links-output` as for `-o`.
#[test]
fn a_dash_is_standard_output_for_every_output() {
    let mut site = Site::new();
    site.page("/", "<title>Front</title><a href=\"/a\">a</a>")
        .page("/a", "<title>A</title>");
    let site = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.csv");
    let o = out.to_str().expect("path");
    let seed = site.url("/");
    let r = run_in(
        dir.path(),
        &[
            "--ignore-robots",
            "--delay",
            "0",
            "-o",
            o,
            "--summary-json",
            "-",
            &seed,
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON on stdout");
    assert_eq!(
        (json["pages"].as_u64(), json["rows"].as_u64()),
        (Some(2), Some(2))
    );
    let r = run_in(
        dir.path(),
        &[
            "--ignore-robots",
            "--delay",
            "0",
            "-o",
            o,
            "--links-output",
            "-",
            &seed,
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        format!("from,to\n{seed},{}\n", site.url("/a"))
    );
    assert_eq!(names(dir.path()), ["out.csv"], "no file named -");
}

/// `-w` has an upper bound: a usage error, not a process aborted while spawning threads.
#[test]
fn too_many_workers_is_a_usage_error_leaving_no_file() {
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let o = dir.path().join("out.csv");
    let r = run(&[
        "-w",
        "100000",
        "-o",
        o.to_str().expect("path"),
        &site.url("/"),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert_eq!(
        stderr(&r),
        "trawl: --workers 100000: at most 1024 (one thread each)\n"
    );
    assert!(names(dir.path()).is_empty());
    assert_eq!(site.total_requests(), 0);
}

/// Log lines on a pipe (cron's mail) carry no colour codes; `-vv` logs a line per request.
#[test]
fn log_lines_off_a_terminal_are_plain() {
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let o = dir.path().join("out.csv");
    let mut c = std::process::Command::new(crate::common::cli::bin());
    c.args([
        "-vv",
        "--ignore-robots",
        "-o",
        o.to_str().expect("path"),
        &site.url("/"),
    ])
    .env_remove("NO_COLOR")
    .env_remove("RUST_LOG")
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let r = wait_output(c.spawn().expect("spawn"), GUARD);
    assert_eq!(r.status.code(), Some(0));
    let err = stderr(&r);
    assert!(err.contains("DEBUG"), "-vv logs: {err}");
    assert!(!err.contains('\x1b'), "no escape codes: {err:?}");
}

/// JSONL: the default name ends in `.jsonl`; an empty value is `null`, so `select(.error)` picks
/// the failed rows; CSV-only options and `--revisit-depth` without `--only-new` are refused.
#[test]
fn jsonl_names_nulls_and_refused_options() {
    let mut site = Site::new();
    site.page("/", "<title>Front</title><a href=\"/gone\">x</a>")
        .response("/gone", Response::not_found());
    let site = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let seed = site.url("/");
    let r = run_in(
        dir.path(),
        &[
            "--ignore-robots",
            "--delay",
            "0",
            "--format",
            "jsonl",
            &seed,
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let files = names(&dir.path().join("output"));
    assert_eq!(files.len(), 1);
    assert!(
        files[0].starts_with("trawl-") && files[0].ends_with(".jsonl"),
        "{files:?}"
    );
    let text = std::fs::read_to_string(dir.path().join("output").join(&files[0])).expect("r");
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(rows.len(), 2);
    let front = rows
        .iter()
        .find(|r| r["url"] == seed.as_str())
        .expect("front");
    assert_eq!(front["error"], serde_json::Value::Null);
    assert_eq!(front["parent"], serde_json::Value::Null);
    assert_eq!(front["status"], 200);
    assert_eq!(front["depth"], 0);
    let gone = rows
        .iter()
        .find(|r| !r["error"].is_null())
        .expect("failed row");
    assert_eq!(gone["url"], site.url("/gone").as_str());
    assert_eq!(gone["error"], "http");
    assert_eq!(gone["status"], 404);
    assert_eq!(gone["parent"], seed.as_str());
    for (args, want) in [
        (
            vec!["--bom"],
            "--bom applies to CSV only, not to --format jsonl",
        ),
        (
            vec!["--excel-safe"],
            "--excel-safe applies to CSV only, not to --format jsonl",
        ),
    ] {
        let mut a = vec!["--format", "jsonl"];
        a.extend(args);
        a.push(&seed);
        let r = run_in(dir.path(), &a);
        assert_eq!(r.status.code(), Some(2));
        assert_eq!(stderr(&r), format!("trawl: {want}\n"));
    }
    let r = run_in(dir.path(), &["--revisit-depth", "1", &seed]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        stderr(&r),
        "trawl: --revisit-depth applies only with --only-new\n"
    );
    assert_eq!(
        site.total_requests(),
        2,
        "the refused runs requested nothing"
    );
}

/// `{date}` and `{time}` work in `--links-output` and `--summary-json` too; any other
/// placeholder is refused in every output option.
#[test]
fn placeholders_in_every_output_and_unknown_ones_refused() {
    let mut site = Site::new();
    site.page("/", "<title>Front</title><a href=\"/a\">a</a>")
        .page("/a", "<title>A</title>");
    let site = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let p = |s: &str| dir.path().join(s).to_str().expect("path").to_owned();
    let seed = site.url("/");
    for (option, value) in [
        ("-o", p("x-{host}.csv")),
        ("--links-output", p("e-{hour}.csv")),
        ("--summary-json", p("s-{}.json")),
    ] {
        let r = run(&[option, &value, &seed]);
        assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
        let err = stderr(&r);
        assert!(
            err.starts_with(&format!("trawl: {option} {value}: unknown placeholder {{")),
            "{err}"
        );
        assert!(err.ends_with("(known: {date}, {time})\n"), "{err}");
    }
    assert_eq!(site.total_requests(), 0);
    let r = run(&[
        "--ignore-robots",
        "--delay",
        "0",
        "-o",
        &p("r-{date}.csv"),
        "--links-output",
        &p("e-{date}.csv"),
        "--summary-json",
        &p("s-{date}.json"),
        &seed,
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        names(dir.path()),
        [
            format!("e-{date}.csv"),
            format!("r-{date}.csv"),
            format!("s-{date}.json")
        ]
    );
}

/// `trawl export` takes only its own options, says what its own `-q`/`-v` do, and the usage
/// line does not suggest `trawl SEED export`.
#[test]
fn export_refuses_crawl_options_and_has_its_own_help() {
    let r = run(&[
        "--max-depth",
        "3",
        "export",
        "--redis",
        "redis://127.0.0.1:1",
        "--crawl-id",
        "x",
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("--max-depth is an option of a crawl; `trawl export` does not take it"),
        "{}",
        stderr(&r)
    );
    let help = crate::common::cli::assert_trawl()
        .args(["export", "--help"])
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    assert!(help.contains("Print nothing but errors"), "{help}");
    assert!(help.contains("which run was exported"), "{help}");
    assert!(!help.contains("progress line"), "{help}");
    let top = crate::common::cli::assert_trawl()
        .arg("--help")
        .output()
        .expect("run");
    let top = String::from_utf8_lossy(&top.stdout).into_owned();
    let usage = top
        .lines()
        .skip_while(|l| !l.starts_with("Usage:"))
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        usage,
        "Usage: trawl [OPTIONS] <SEED>...\n       trawl export [OPTIONS] --redis <URL> --crawl-id <ID>\n       trawl forget [--force] --redis <URL> --crawl-id <ID>"
    );
}

/// `trawl export`: a run the crawl never had is exit 2 naming it; `{date}` works in its `-o`,
/// and an unknown placeholder is refused there too.
#[test]
fn export_of_a_missing_run_is_refused_and_its_output_takes_placeholders() {
    let redis = crate::common::redis::RedisServer::start();
    let url = redis.url();
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let o = dir.path().join("crawl.csv");
    let r = run(&[
        "--redis",
        &url,
        "--crawl-id",
        "ex",
        "--ignore-robots",
        "-o",
        o.to_str().expect("path"),
        &site.url("/"),
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    for run_no in ["0", "2"] {
        let r = run(&[
            "export",
            "--redis",
            &url,
            "--crawl-id",
            "ex",
            "--run",
            run_no,
        ]);
        assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
        assert_eq!(
            stderr(&r),
            format!("trawl: crawl ex at {url} has no run {run_no} (its runs are 1 to 1)\n")
        );
        assert!(r.stdout.is_empty());
    }
    let named = dir.path().join("all-{date}.csv");
    let r = run(&[
        "export",
        "--redis",
        &url,
        "--crawl-id",
        "ex",
        "-o",
        named.to_str().expect("path"),
    ]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let rows = whole_records(&dir.path().join(format!("all-{date}.csv")));
    assert_eq!(rows.len(), 1);
    let bad = dir.path().join("all-{run}.csv");
    let r = run(&[
        "export",
        "--redis",
        &url,
        "--crawl-id",
        "ex",
        "-o",
        bad.to_str().expect("path"),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert_eq!(
        stderr(&r),
        format!(
            "trawl: -o {}: unknown placeholder {{run}} (known: {{date}}, {{time}})\n",
            bad.display()
        )
    );
}

/// A Redis URL with a bad port says so; a wrong (or missing) password is an authentication
/// failure, in one line that never shows the password.
#[test]
fn a_bad_redis_port_and_a_wrong_password_are_named() {
    let redis = crate::common::redis::RedisServer::with_password("s3cret-pw");
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let seed = site.url("/");
    let r = run(&[
        "--redis",
        "redis://127.0.0.1:99999/0",
        "--crawl-id",
        "x",
        &seed,
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert_eq!(
        stderr(&r),
        "trawl: --redis redis://***: the port is not a number from 1 to 65535\n"
    );
    let port = redis.port();
    let wrong = format!("redis://:wrong-pw@127.0.0.1:{port}/0");
    let want = format!(
        "trawl: Redis at redis://:***@127.0.0.1:{port}/0 refused the password (authentication \
         failed); check the password in --redis (or TRAWL_REDIS)\n"
    );
    let r = run(&["--redis", &wrong, "--crawl-id", "x", &seed]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(stderr(&r), want);
    let r = run(&["export", "--redis", &wrong, "--crawl-id", "x"]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(stderr(&r), want);
    let none = format!("redis://127.0.0.1:{port}/0");
    let r = run(&["--redis", &none, "--crawl-id", "x", &seed]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        stderr(&r),
        format!(
            "trawl: Redis at {none} needs a password (authentication required); check the \
             password in --redis (or TRAWL_REDIS)\n"
        )
    );
    assert_eq!(site.total_requests(), 0);
}

/// On a terminal the progress line is drawn, except when the rows go to that same terminal
/// (`-o -`). `script` gives the run a terminal for standard output and standard error.
#[test]
fn no_progress_line_when_rows_go_to_the_terminal() {
    let mut site = Site::new();
    site.response(
        "/",
        Response::html("<title>Front</title>").delay(Duration::from_millis(600)),
    );
    let site = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let bin = crate::common::cli::bin();
    let on_terminal = |output: &str| -> String {
        let cmd = format!(
            "{} --ignore-robots --max-depth 0 -o {output} {}",
            bin.display(),
            site.url("/")
        );
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let out = wait_output(c.spawn().expect("script (util-linux)"), GUARD);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let to_file = on_terminal("out.csv");
    assert!(
        to_file.contains("pages done"),
        "the progress line is drawn: {to_file:?}"
    );
    let to_terminal = on_terminal("-");
    assert!(to_terminal.contains("Front"), "{to_terminal:?}");
    assert!(!to_terminal.contains("pages done"), "{to_terminal:?}");
}

/// On a terminal log lines are coloured, unless `NO_COLOR` is set (https://no-color.org).
/// (`-o -`: the rows go to the terminal too, so no progress line is drawn between them.)
#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let bin = crate::common::cli::bin();
    let on_terminal = |no_color: bool| -> String {
        let cmd = format!(
            "{} -vv --ignore-robots --max-depth 0 -o - {}",
            bin.display(),
            site.url("/")
        );
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        let out = wait_output(c.spawn().expect("script (util-linux)"), GUARD);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_terminal(false);
    assert!(
        coloured.contains("DEBUG") && coloured.contains('\x1b'),
        "{coloured:?}"
    );
    let plain = on_terminal(true);
    assert!(plain.contains("DEBUG"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

/// The default name of a run started in a second whose name is taken (by a run still writing
/// it) gets `-1`: every second of the next half minute is taken here, so
/// whichever second the run starts in, its name is taken.
#[test]
fn a_default_name_taken_in_the_same_second_gets_the_next_number() {
    let site = Site::new().page("/", "<title>T</title>").clone().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("output");
    std::fs::create_dir(&out).expect("mkdir");
    let now = chrono::Utc::now();
    let mut taken = Vec::new();
    for s in 0..30 {
        let stamp = (now + chrono::Duration::seconds(s)).format("%Y%m%d-%H%M%S");
        // Files being written (a finished file's name was already skipped before).
        let name = format!("trawl-{stamp}.csv.partial");
        std::fs::write(out.join(&name), "taken\n").expect("w");
        taken.push(name);
    }
    let r = run_in(
        dir.path(),
        &["--ignore-robots", "--max-depth", "0", &site.url("/")],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    let files = names(&out);
    let new: Vec<&String> = files.iter().filter(|f| !taken.contains(f)).collect();
    assert_eq!(new.len(), 1, "{files:?}");
    assert!(
        new[0].starts_with("trawl-") && new[0].ends_with("-1.csv"),
        "{new:?}"
    );
    assert_eq!(whole_records(&out.join(new[0])).len(), 1);
    for name in &taken {
        assert_eq!(
            std::fs::read_to_string(out.join(name)).expect("kept"),
            "taken\n"
        );
    }
}
