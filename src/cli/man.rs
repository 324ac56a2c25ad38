//! The manual pages (`trawl --man [export|forget]`): trawl(1), trawl-export(1) and
//! trawl-forget(1). clap_mangen renders what clap knows (name, description, options); the rest is
//! written here in roff: a real synopsis, the output columns and error classes, the exit
//! statuses, the environment and the pages' cross-references. The tables below are matched
//! exhaustively against the crate's own lists (`COLUMNS`, `ErrorClass::ALL`, `Exit`), so a new
//! column, class or status cannot be left out.

use crate::error::ErrorClass;
use crate::exit::Exit;
use std::io::Write;

/// Which page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Page {
    /// trawl(1): crawling.
    Trawl,
    /// trawl-export(1).
    Export,
    /// trawl-forget(1).
    Forget,
}

/// Text for roff: backslashes and hyphens escaped, no line starting with a control character.
fn esc(text: &str) -> String {
    let body = text.replace('\\', "\\e").replace('-', "\\-");
    body.lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The roff crate starts every piece it renders with the same two lines (defining `\*(Aq`):
/// kept once, at the top of the page.
const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];

/// Pieces rendered by clap_mangen, joined, with the preamble once.
fn joined(pieces: &[Vec<u8>]) -> String {
    let mut out = PREAMBLE.join("\n");
    out.push('\n');
    for piece in pieces {
        for line in String::from_utf8_lossy(piece).lines() {
            if !PREAMBLE.contains(&line) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn section(out: &mut String, name: &str) {
    out.push_str(&format!(".SH \"{name}\"\n"));
}

/// A tagged paragraph: `tag` in bold, then `text`.
fn item(out: &mut String, tag: &str, text: &str) {
    out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(tag), esc(text)));
}

fn para(out: &mut String, text: &str) {
    out.push_str(&format!(".PP\n{}\n", esc(text)));
}

/// What each column holds (the README's table, shortened).
fn column(name: &str) -> &'static str {
    match name {
        "url" => "the URL as requested (the link or seed, fragment removed)",
        "final_url" => "the URL of the final response, after redirects",
        "depth" => "link distance from a seed; seeds are 0",
        "parent" => "the page the URL was found on at its depth (empty for seeds)",
        "status" => "the final HTTP status; empty when no response arrived",
        "content_type" => "the final response's Content-Type header",
        "title" => "the page's title, as document.title gives it",
        "links" => "the number of distinct absolute http(s) links on the page",
        "bytes" => "body bytes received, after decompression",
        "elapsed_ms" => "milliseconds from the request's start to the body's end",
        "fetched_at" => "when the request started, RFC 3339 UTC",
        "encoding" => "the charset the page was decoded with",
        "error" => "empty on success, otherwise one of the ERROR CLASSES",
        _ => "see the README",
    }
}

fn error_class(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Timeout => "the whole fetch took longer than --timeout",
        ErrorClass::Dns => "the host name could not be resolved",
        ErrorClass::Connect => "the connection could not be made",
        ErrorClass::Tls => "the TLS handshake failed",
        ErrorClass::PrivateAddress => {
            "under --scope any, the host resolves only to private addresses; nothing was connected to"
        }
        ErrorClass::Http => "the final status is 400 or more",
        ErrorClass::TooLarge => {
            "the body passed --max-bytes and was cut, or the head passed --max-header-bytes"
        }
        ErrorClass::RedirectLoop => "a redirect cycle, or an 11th redirect",
        ErrorClass::NotHtml => "not HTML; the body was not downloaded",
        ErrorClass::OffScope => "a redirect led outside --scope and was not followed",
        ErrorClass::Robots => "robots.txt disallows the URL; it was not requested",
        ErrorClass::RobotsUnreachable => {
            "the host's robots.txt answered 5xx or not at all; nothing on the host is requested"
        }
        ErrorClass::Truncated => "the connection broke or the body was cut short",
        ErrorClass::Request => "any other HTTP client failure",
        ErrorClass::Panic => "trawl failed on this page (a bug); the crawl went on",
        ErrorClass::HostGaveUp => {
            "the host kept answering 429/503 past --max-host-pause; the page was not requested"
        }
    }
}

/// Every exit status, in order, with what it means for `page`. (The match below makes a new
/// status a compile error here until it is listed.)
fn exit_statuses(page: Page) -> Vec<(Exit, &'static str)> {
    fn listed(e: Exit) {
        match e {
            Exit::Ok
            | Exit::Fatal
            | Exit::Usage
            | Exit::NothingFetched
            | Exit::SeedGaveNothing
            | Exit::Locked
            | Exit::Interrupted
            | Exit::Terminated => {}
        }
    }
    let all = [
        Exit::Ok,
        Exit::Fatal,
        Exit::Usage,
        Exit::NothingFetched,
        Exit::SeedGaveNothing,
        Exit::Locked,
        Exit::Interrupted,
        Exit::Terminated,
    ];
    all.into_iter()
        .inspect(|&e| listed(e))
        .filter_map(|e| {
            let text = match (page, e) {
                (Page::Trawl, Exit::Ok) => {
                    "the crawl ran to its end (some pages may have failed: see the error \
                     column), or stopped at --max-duration, or its run was given up by another \
                     process's --restart, or the reader of its output went away"
                }
                (Page::Export, Exit::Ok) => "the run's rows are written",
                (Page::Forget, Exit::Ok) => "the crawl's keys are deleted (or there were none)",
                (Page::Trawl, Exit::Fatal) => {
                    "a fatal error after the crawl started (a full disk, Redis lost for longer \
                     than --redis-timeout)"
                }
                (Page::Export, Exit::Fatal) => "Redis was lost, or the output could not be written",
                (_, Exit::Fatal) => "Redis was lost while the keys were being deleted",
                (Page::Trawl, Exit::Usage) => {
                    "bad input, refused before any request: a seed, a seed file, an option, an \
                     output path, a --state of another crawl, a Redis server that cannot be \
                     reached or keys that are not a trawl crawl"
                }
                (Page::Export, Exit::Usage) => {
                    "bad input: an option, the output path, an unreachable Redis, a crawl id \
                     Redis does not have, or keys that are not a trawl crawl"
                }
                (Page::Forget, Exit::Usage) => {
                    "bad input: an option, an unreachable Redis, or keys under the crawl id that \
                     are not a trawl crawl (nothing deleted; --force deletes them)"
                }
                (Page::Trawl, Exit::NothingFetched) => {
                    "not a single page could be fetched (a line says so even with -q)"
                }
                (Page::Trawl, Exit::SeedGaveNothing) => {
                    "the crawl ran to its end, but at least one seed's host gave no page while \
                     another seed's did (a line names them even with -q)"
                }
                (Page::Trawl, Exit::Locked) => {
                    "another trawl holds the --state file; nothing was requested"
                }
                (Page::Forget, Exit::Locked) => {
                    "a run of the crawl is running; nothing deleted (--force deletes anyway)"
                }
                (Page::Trawl, Exit::Interrupted) => "stopped by SIGINT",
                (Page::Trawl, Exit::Terminated) => "stopped by SIGTERM",
                _ => return None,
            };
            Some((e, text))
        })
        .collect()
}

fn environment(out: &mut String, page: Page) {
    section(out, "ENVIRONMENT");
    item(
        out,
        "TRAWL_REDIS",
        "the --redis URL when the option is not given (keeps a password out of crontabs and \
         the process list; never printed).",
    );
    if page == Page::Trawl {
        item(
            out,
            "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
            "proxies for https and http requests (ALL_PROXY: both), and the hosts reached \
             directly (NO_PROXY); lower-case names work too.",
        );
    }
    item(
        out,
        "RUST_LOG",
        "what is logged to standard error, overriding -q and -v (e.g. trawl=debug).",
    );
    item(
        out,
        "NO_COLOR",
        "when set, log lines are never coloured (they are not coloured on a non-terminal either).",
    );
}

fn exit_status(out: &mut String, page: Page) {
    section(out, "EXIT STATUS");
    for (e, text) in exit_statuses(page) {
        item(out, &e.code().to_string(), text);
    }
}

fn see_also(out: &mut String, page: Page) {
    section(out, "SEE ALSO");
    let pages: Vec<&str> = [
        (Page::Trawl, "trawl(1)"),
        (Page::Export, "trawl-export(1)"),
        (Page::Forget, "trawl-forget(1)"),
    ]
    .into_iter()
    .filter(|(p, _)| *p != page)
    .map(|(_, name)| name)
    .collect();
    out.push_str(&format!(
        "{}\n.PP\nThe README of trawl's source: cron, Redis, metadata, and the FAQ.\n",
        pages
            .iter()
            .map(|p| format!("\\fB{}\\fR", esc(p)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

const SYNOPSIS: &str = "\
.SH SYNOPSIS
\\fBtrawl\\fR [\\fIOPTIONS\\fR] \\fISEED\\fR...
.br
\\fBtrawl export\\fR \\-\\-redis \\fIURL\\fR \\-\\-crawl\\-id \\fIID\\fR [\\-\\-run \\fIN\\fR] [\\-o \\fIPATH\\fR] [\\fIOPTIONS\\fR]
.br
\\fBtrawl forget\\fR \\-\\-redis \\fIURL\\fR \\-\\-crawl\\-id \\fIID\\fR [\\-\\-force]
.br
\\fBtrawl\\fR \\-\\-man [\\fBexport\\fR|\\fBforget\\fR]
.br
\\fBtrawl\\fR \\-\\-completions \\fISHELL\\fR
";

fn trawl_page(cmd: clap::Command) -> std::io::Result<String> {
    let man = clap_mangen::Man::new(cmd);
    let (mut title, mut name, mut description, mut options) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    man.render_title(&mut title)?;
    man.render_name_section(&mut name)?;
    man.render_description_section(&mut description)?;
    man.render_options_section(&mut options)?;
    let synopsis = SYNOPSIS.as_bytes().to_vec();
    let mut out = joined(&[title, name, synopsis, description, options]);

    section(&mut out, "COMMANDS");
    item(
        &mut out,
        "trawl export",
        "write the rows of one run of a --redis crawl, from every process, to one file: see \
         trawl-export(1) (trawl --man export).",
    );
    item(
        &mut out,
        "trawl forget",
        "delete every Redis key of a --redis crawl: see trawl-forget(1) (trawl --man forget).",
    );

    section(&mut out, "OUTPUT COLUMNS");
    para(
        &mut out,
        "One row per page requested, as CSV (RFC 4180, a header row) or JSONL with the same \
         names, in completion order. The columns, in order:",
    );
    for name in crate::output::COLUMNS {
        item(&mut out, name, column(name));
    }
    para(
        &mut out,
        &format!(
            "With --meta, these follow: {}.",
            crate::output::META_COLUMNS.join(", ")
        ),
    );

    section(&mut out, "ERROR CLASSES");
    para(
        &mut out,
        "The error column holds one of these (a retried page has one row, for its last attempt):",
    );
    for class in ErrorClass::ALL {
        item(&mut out, class.as_str(), error_class(class));
    }

    exit_status(&mut out, Page::Trawl);
    environment(&mut out, Page::Trawl);

    section(&mut out, "EXAMPLES");
    out.push_str(".nf\n");
    for line in [
        "trawl \\-o titles.csv \\-\\-max\\-depth 2 https://example.org/",
        "trawl \\-o \\- https://example.org/ | head",
        "trawl \\-q \\-\\-state news.db \\-\\-only\\-new \\-o 'news\\-{date}\\-{time}.csv' seeds.txt",
        "TRAWL_REDIS=redis://:secret@10.0.0.5:6379/0 trawl \\-q \\-\\-crawl\\-id news seeds.txt",
        "trawl \\-\\-user\\-agent 'trawl/0.1 (+mailto:you@example.org)' seeds.txt",
    ] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(".fi\n");
    see_also(&mut out, Page::Trawl);
    Ok(out)
}

fn sub_page(cmd: &clap::Command, name: &str, page: Page) -> std::io::Result<String> {
    let sub = cmd
        .find_subcommand(name)
        .cloned()
        .ok_or_else(|| std::io::Error::other(format!("no subcommand {name}")))?
        .name(if page == Page::Export {
            "trawl-export"
        } else {
            "trawl-forget"
        })
        .bin_name(if page == Page::Export {
            "trawl export"
        } else {
            "trawl forget"
        })
        .version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(sub);
    let mut pieces = vec![Vec::new(); 5];
    man.render_title(&mut pieces[0])?;
    man.render_name_section(&mut pieces[1])?;
    man.render_synopsis_section(&mut pieces[2])?;
    man.render_description_section(&mut pieces[3])?;
    man.render_options_section(&mut pieces[4])?;
    let mut out = joined(&pieces);
    exit_status(&mut out, page);
    environment(&mut out, page);
    see_also(&mut out, page);
    Ok(out)
}

/// The roff of `page`, from the command line `cmd` (`Cli::command()`).
fn render(cmd: clap::Command, page: Page) -> std::io::Result<String> {
    match page {
        Page::Trawl => trawl_page(cmd),
        Page::Export => sub_page(&cmd, "export", page),
        Page::Forget => sub_page(&cmd, "forget", page),
    }
}

/// Write `page`, from the command line `cmd` (`Cli::command()`), to `w`.
pub(super) fn write(cmd: clap::Command, page: Page, w: &mut dyn Write) -> std::io::Result<()> {
    w.write_all(render(cmd, page)?.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_its_own_description() {
        for name in crate::output::COLUMNS {
            assert_ne!(column(name), "see the README", "{name}");
        }
    }

    #[test]
    fn escaping_keeps_roff_from_reading_text_as_requests() {
        assert_eq!(esc("--max-bytes"), "\\-\\-max\\-bytes");
        assert_eq!(esc(".hidden\n'quote"), "\\&.hidden\n\\&'quote");
        assert_eq!(esc("a\\b"), "a\\eb");
    }
}
