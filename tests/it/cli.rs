//! The `trawl` binary as a user runs it: exit statuses, one-line errors naming the bad input,
//! the CSV file and the edges file, against servers started on 127.0.0.1:0.

use crate::common::server::Site;
use std::io::Write;

use crate::common::cli::assert_trawl as trawl;
use crate::common::cli::stderr as stderr_of;

#[test]
fn a_bad_seed_line_is_refused_with_file_and_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let seeds = dir.path().join("seeds.txt");
    std::fs::write(
        &seeds,
        "# news\nhttps://lenta.ru/\n\nftp://files.example/\n",
    )
    .expect("write");
    let out = trawl()
        .arg("-o")
        .arg(dir.path().join("out.csv"))
        .arg(&seeds)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(&format!("{}:4:", seeds.display())), "{err}");
    assert!(err.contains("ftp://files.example/"), "{err}");
    assert!(
        !dir.path().join("out.csv").exists(),
        "refused before the output is created"
    );
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let site = Site::new().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["no/such/seeds.txt".into()], "no/such/seeds.txt"),
        (
            vec![
                "-o".into(),
                "/nonexistent-dir/out.csv".into(),
                site.url("/"),
            ],
            "/nonexistent-dir/out.csv",
        ),
        (vec!["-w".into(), "0".into(), site.url("/")], "--workers"),
        (
            vec!["mailto:someone@example.org".into()],
            "mailto:someone@example.org",
        ),
        (
            vec!["--queue-capacity".into(), "0".into(), site.url("/")],
            "--queue-capacity",
        ),
    ];
    for (args, named) in cases {
        let out = trawl()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr_of(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("trawl: ") && err.contains(named),
            "{args:?}: {err}"
        );
    }
    assert_eq!(site.total_requests(), 0);
}

#[test]
fn a_crawl_writes_the_csv_and_the_edges_and_exits_0() {
    let mut site = Site::new();
    site.page(
        "/",
        "<title>Front, \"page\"\n  one</title><a href=\"/a\">a</a><a href=\"https://elsewhere.test/x\">x</a>",
    );
    site.page("/a", "<title>=1+2</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out_csv = dir.path().join("rows.csv");
    let edges = dir.path().join("edges.csv");
    let out = trawl()
        .arg("-o")
        .arg(&out_csv)
        .arg("--links-output")
        .arg(&edges)
        .arg(server.url("/"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut reader = csv::Reader::from_path(&out_csv).expect("csv");
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        trawl::output::COLUMNS
    );
    let mut rows: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().expect("rows");
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], server.url("/"));
    assert_eq!(&rows[0][6], "Front, \"page\" one");
    assert_eq!(&rows[0][7], "2");
    assert_eq!(&rows[1][6], "=1+2", "titles are written verbatim");
    assert_eq!(&rows[1][3], server.url("/"), "parent");
    let edges_text = std::fs::read_to_string(&edges).expect("edges");
    let lines: Vec<&str> = edges_text.lines().collect();
    assert_eq!(lines[0], "from,to");
    let mut got = lines[1..].to_vec();
    got.sort();
    let mut want = [
        format!("{},https://elsewhere.test/x", server.url("/")),
        format!("{},{}", server.url("/"), server.url("/a")),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn exit_3_when_not_a_single_page_could_be_fetched() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("tmp");
    // With robots.txt on, the unreachable robots.txt closes the host; without, the page's own
    // connection error is the row's error.
    for (extra, error) in [
        (None, "robots_unreachable"),
        (Some("--ignore-robots"), "connect"),
    ] {
        let out = trawl()
            .arg("-o")
            .arg(dir.path().join("out.csv"))
            .args(extra)
            .args(["--retries", "0"])
            .arg(format!("http://127.0.0.1:{port}/"))
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("not a single page could be fetched"),
            "{}",
            stderr_of(&out)
        );
        let text = std::fs::read_to_string(dir.path().join("out.csv")).expect("csv");
        assert_eq!(
            text.lines().count(),
            2,
            "the header and the failed seed's row: {text}"
        );
        assert!(text.ends_with(&format!(",{error}\n")), "{text}");
    }
}

#[test]
fn a_404_seed_is_fetched_so_exit_0() {
    let server = Site::new().serve();
    let dir = tempfile::tempdir().expect("tmp");
    let out = trawl()
        .arg("-o")
        .arg(dir.path().join("out.csv"))
        .arg(server.url("/gone"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn csv_on_standard_output_and_default_output_directory() {
    let mut site = Site::new();
    site.page("/", "<title>stdout</title>");
    let server = site.serve();
    let out = trawl()
        .args(["-o", "-", &server.url("/")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("url,final_url,depth,"), "{text}");
    assert!(text.contains(",stdout,"), "{text}");

    let dir = tempfile::tempdir().expect("tmp");
    let out = trawl()
        .current_dir(dir.path())
        .arg(server.url("/"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let files: Vec<_> = std::fs::read_dir(dir.path().join("output"))
        .expect("output/ created")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(
        files[0].starts_with("trawl-") && files[0].ends_with(".csv"),
        "{files:?}"
    );
}

#[test]
fn a_seed_file_with_comments_crawls_every_seed() {
    let mut site = Site::new();
    site.page("/one", "<title>one</title>");
    site.page("/two", "<title>two</title>");
    let server = site.serve();
    let dir = tempfile::tempdir().expect("tmp");
    let seeds = dir.path().join("seeds.txt");
    let mut f = std::fs::File::create(&seeds).expect("seeds");
    writeln!(
        f,
        "# two pages\n{}\n\n   {}  \n",
        server.url("/one"),
        server.url("/two")
    )
    .expect("write");
    let out = trawl()
        .arg("-o")
        .arg(dir.path().join("o.csv"))
        .arg(&seeds)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.count("/one") + server.count("/two"), 2);
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let out = trawl().arg("--help").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Examples:") && text.contains("Exit status"),
        "{text}"
    );
}

/// The README's option table (`| option | default | meaning |` under Usage): each row's option
/// (its long name) and default cell (backticks removed), in order.
fn readme_option_defaults() -> Vec<(String, String)> {
    let readme = include_str!("../../README.md");
    let mut lines = readme
        .lines()
        .skip_while(|l| l.trim() != "| option | default | meaning |")
        .skip(2);
    let mut rows = Vec::new();
    for line in lines.by_ref().take_while(|l| l.starts_with('|')) {
        // Cells are split on `|` not escaped as `\|` (as in `host\|domain\|any`).
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut chars = line.trim().trim_matches('|').chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'|') => cell.push(chars.next().unwrap_or('|')),
                '|' => cells.push(std::mem::take(&mut cell)),
                c => cell.push(c),
            }
        }
        cells.push(cell);
        let option = cells[0]
            .split(|c: char| c.is_whitespace() || c == '`' || c == ',')
            .find_map(|word| word.strip_prefix("--"))
            .unwrap_or_else(|| panic!("no --option in README row {line}"))
            .to_owned();
        let default = cells.get(1).map(|d| d.replace('`', "")).unwrap_or_default();
        rows.push((option, default.trim().to_owned()));
    }
    assert!(rows.len() > 20, "the README's option table was not found");
    rows
}

#[test]
fn the_readme_option_table_matches_the_command_line() {
    use clap::{ArgAction, CommandFactory};
    let command = trawl::cli::Cli::command();
    let readme = readme_option_defaults();
    let mut problems = Vec::new();
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if matches!(long, "help" | "version") {
            continue;
        }
        let Some((_, documented)) = readme.iter().find(|(option, _)| option == long) else {
            problems.push(format!("--{long} has no row in the README's option table"));
            continue;
        };
        let applied: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        // What --help says the default is when clap applies none (`[default: no limit]`).
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let stated = help
            .split_once("[default: ")
            .and_then(|(_, rest)| rest.rsplit_once(']'))
            .map(|(value, _)| value.to_owned());
        // A remark after the value, as in `8388608 (8 MiB)`, is for the reader.
        let documented = match documented.split_once(" (") {
            Some((value, _)) if Some(documented) != stated.as_ref() => value.to_owned(),
            _ => documented.clone(),
        };
        let ok = match arg.get_action() {
            ArgAction::SetTrue => documented == "off" || documented.is_empty(),
            ArgAction::Count => documented.is_empty(),
            _ if !applied.is_empty() => applied.join(", ") == documented,
            _ => match &stated {
                Some(stated) => *stated == documented,
                None => matches!(documented.as_str(), "none" | "all" | ""),
            },
        };
        if !ok {
            problems.push(format!(
                "--{long}: the README says {documented:?}, --help {}",
                match (applied.is_empty(), &stated) {
                    (false, _) => format!("applies {applied:?}"),
                    (true, Some(stated)) => format!("says {stated:?}"),
                    (true, None) => "gives no default".to_owned(),
                }
            ));
        }
    }
    for (option, _) in &readme {
        if !command
            .get_arguments()
            .any(|a| a.get_long() == Some(option))
        {
            problems.push(format!(
                "the README documents --{option}, which trawl does not have"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `trawl -o - SEEDS | head -1`: the reader goes away after one line while pages are still
/// arriving. A broken pipe is not an error (STYLE.md): exit 0, and stderr holds no error line,
/// with `-q` nothing at all.
#[test]
fn a_broken_pipe_on_standard_output_ends_quietly_with_exit_0() {
    use std::io::BufRead;
    let mut site = Site::new();
    let hub: String = (0..200)
        .map(|i| format!("<a href=\"/p/{i}\">{i}</a>"))
        .collect();
    site.page("/", format!("<title>hub</title>{hub}"));
    site.fallback(|req| {
        crate::common::server::Response::html(format!("<title>{}</title>", req.path_only()))
            .delay(std::time::Duration::from_millis(20))
    });
    let server = site.serve();
    for quiet in [true, false] {
        let mut cmd = std::process::Command::new(crate::common::cli::bin());
        if quiet {
            cmd.arg("-q");
        }
        cmd.args(["-o", "-", "--delay", "0", "--per-host", "4", "-w", "4"])
            .arg(server.url("/"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read");
        // The reader is dropped here: the pipe is closed with ~200 rows still to come.
        assert!(first.starts_with("url,final_url,"), "{first}");
        let out = crate::common::cli::wait_output(child, std::time::Duration::from_secs(60));
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(0), "quiet={quiet}: {err}");
        assert!(
            !err.contains("trawl:") && !err.to_lowercase().contains("broken pipe"),
            "no error line: {err}"
        );
        if quiet {
            assert_eq!(err, "", "-q prints nothing");
        }
    }
}
