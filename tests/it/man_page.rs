//! The manual pages as `trawl --man [export|forget]` prints them: each has a real synopsis, the
//! sections an operator looks for (ENVIRONMENT, EXIT STATUS; the columns and error classes for
//! trawl(1)), and is well-formed roff. groff may not be installed, so the text is checked here:
//! every line is a known request or text that does not start like one.

use crate::common::cli::bin;
use std::process::Command;

fn man(args: &[&str]) -> String {
    let o = Command::new(bin())
        .arg("--man")
        .args(args)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// The section names, in order.
fn sections(roff: &str) -> Vec<String> {
    roff.lines()
        .filter_map(|l| l.strip_prefix(".SH "))
        .map(|s| s.trim_matches('"').to_owned())
        .collect()
}

/// The text of section `name` (up to the next `.SH`).
fn section<'a>(roff: &'a str, name: &str) -> &'a str {
    let start = roff
        .find(&format!(".SH \"{name}\""))
        .or_else(|| roff.find(&format!(".SH {name}\n")))
        .unwrap_or_else(|| panic!("no section {name}"));
    let rest = &roff[start + 4..];
    &rest[..rest.find("\n.SH ").map_or(rest.len(), |i| i + 1)]
}

/// Lines a man(7) renderer takes as requests must be ones it knows; text lines must not start
/// with a control character (they would vanish or be misread).
fn assert_well_formed(roff: &str) {
    const REQUESTS: [&str; 14] = [
        "TH", "SH", "SS", "TP", "PP", "LP", "IP", "br", "nf", "fi", "RS", "RE", "ie", "el",
    ];
    assert_eq!(roff.matches("\n.TH ").count(), 1, "one title");
    assert_eq!(roff.matches(".ds Aq").count(), 2, "the roff preamble once");
    for line in roff.lines() {
        if let Some(req) = line.strip_prefix('.') {
            let name = req.split_whitespace().next().unwrap_or("");
            assert!(
                REQUESTS.contains(&name) || name.starts_with('\\'),
                "unknown request: {line}"
            );
        }
        assert!(!line.starts_with('\''), "a line starting with ': {line}");
    }
    assert!(!roff.contains("\\f\n"), "a dangling font escape");
    // Where groff is installed, it renders the page without a warning (-ww: all of them).
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    if let Ok(mut child) = groff {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(roff.as_bytes())
            .expect("write");
        let o = child.wait_with_output().expect("groff");
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn the_trawl_page_has_a_synopsis_columns_error_classes_exit_statuses_and_environment() {
    let page = man(&[]);
    assert_well_formed(&page);
    assert!(page.contains("\n.TH trawl 1 "), "{}", &page[..200]);
    let names = sections(&page);
    for want in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "OUTPUT COLUMNS",
        "ERROR CLASSES",
        "EXIT STATUS",
        "ENVIRONMENT",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
    // A synopsis a reader can use, not every option in one line.
    let synopsis = section(&page, "SYNOPSIS");
    assert!(
        synopsis.contains("\\fBtrawl\\fR [\\fIOPTIONS\\fR] \\fISEED\\fR..."),
        "{synopsis}"
    );
    assert!(synopsis.contains("\\fBtrawl export\\fR"), "{synopsis}");
    assert!(synopsis.contains("\\fBtrawl forget\\fR"), "{synopsis}");
    assert!(!synopsis.contains("max\\-bytes"), "{synopsis}");
    // Every column and every error class, by the names the files use.
    let columns = section(&page, "OUTPUT COLUMNS");
    for c in trawl::output::COLUMNS {
        assert!(
            columns.contains(&format!("\\fB{}\\fR", c.replace('-', "\\-"))),
            "{c}"
        );
    }
    let classes = section(&page, "ERROR CLASSES");
    for e in trawl::error::ErrorClass::ALL {
        assert!(
            classes.contains(&format!("\\fB{}\\fR", e.as_str())),
            "{}",
            e.as_str()
        );
    }
    let exit = section(&page, "EXIT STATUS");
    for code in ["0", "1", "2", "3", "75", "130", "143"] {
        assert!(
            exit.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit {code}: {exit}"
        );
    }
    let env = section(&page, "ENVIRONMENT");
    for var in [
        "TRAWL_REDIS",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "RUST_LOG",
        "NO_COLOR",
    ] {
        assert!(env.contains(var), "{var}: {env}");
    }
    assert!(section(&page, "SEE ALSO").contains("trawl\\-export(1)"));
}

#[test]
fn export_and_forget_have_pages_of_their_own() {
    for (sub, options) in [
        (
            "export",
            &["\\-\\-crawl\\-id", "\\-\\-run", "\\-\\-format"][..],
        ),
        ("forget", &["\\-\\-crawl\\-id", "\\-\\-force"][..]),
    ] {
        let page = man(&[sub]);
        assert_well_formed(&page);
        assert!(
            page.contains(&format!("\n.TH trawl-{sub} 1 ")),
            "{}",
            &page[..200]
        );
        let names = sections(&page);
        for want in [
            "NAME",
            "SYNOPSIS",
            "OPTIONS",
            "EXIT STATUS",
            "ENVIRONMENT",
            "SEE ALSO",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "{sub}: no {want} in {names:?}"
            );
        }
        assert!(
            section(&page, "SYNOPSIS").contains(&format!("trawl {sub}")),
            "{sub}"
        );
        let opts = section(&page, "OPTIONS");
        for o in options {
            assert!(opts.contains(o), "{sub}: {o}");
        }
        assert!(section(&page, "ENVIRONMENT").contains("TRAWL_REDIS"));
        assert!(section(&page, "SEE ALSO").contains("trawl(1)"));
    }
    // forget's own exit statuses: 75 while the crawl runs.
    assert!(section(&man(&["forget"]), "EXIT STATUS").contains("\\fB75\\fR"));
}

#[test]
fn an_unknown_page_is_a_usage_error() {
    let o = Command::new(bin())
        .args(["--man", "crawl"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}
