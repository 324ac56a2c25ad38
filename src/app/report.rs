//! What a run tells when it ends: the report on stderr (unless `-q`), the `--summary-json` file
//! (written whole, by a rename), and the exit status chosen from the summary, with the one line
//! that some statuses owe even under `-q` (cron mails what a job prints). Reads the crawl's
//! [`Summary`]; changes nothing but those outputs.

use super::outputs::shown;
use crate::config::{Config, OutputTarget};
use crate::crawl::{StopCause, Summary};
use crate::exit::Exit;
use anyhow::Context;
use std::io::Write;

/// Where this run's rows are, for the report: `<OUT>.partial` kept for a resume, and the rows
/// of the earlier runs of a resumed crawl that the file also holds.
pub(super) struct Written {
    pub(super) kept_partial: bool,
    pub(super) earlier_rows: u64,
}

/// The report (unless `-q`) and the `--summary-json` file.
pub(super) fn tell(config: &Config, summary: &Summary, file: &Written) -> anyhow::Result<()> {
    if !config.quiet {
        report(config, summary, file);
    }
    if let Some(target) = &config.summary_json {
        write_summary_json(target, summary, config, file).with_context(|| match target.path() {
            Some(p) => format!("writing {}", p.display()),
            None => "writing the summary to standard output".to_owned(),
        })?;
    }
    Ok(())
}

/// The exit status: 130/143 after a signal (`signal` 2 or 15), else the summary's; with the
/// line that 3 and (under `-q`) 4 owe.
pub(super) fn exit(signal: u8, summary: &Summary, config: &Config) -> Exit {
    let exit = match signal {
        2 => Exit::Interrupted,
        15 => Exit::Terminated,
        _ => exit_status(summary),
    };
    if exit == Exit::NothingFetched {
        // Said even with -q: cron mails what a job prints, and this run needs a look.
        let errors: Vec<String> = summary
            .by_error
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let hint = if unreachable_likely(summary) {
            "; are the hosts reachable?"
        } else {
            ""
        };
        eprintln!(
            "trawl: not a single page could be fetched ({}){hint}",
            errors.join(", ")
        );
    }
    if exit == Exit::SeedGaveNothing && config.quiet {
        // One line even with -q: which seeds' hosts gave nothing and why.
        eprintln!("trawl: {}", barren_line(summary));
    }
    exit
}

/// Pages requested per second of the crawl, as the report and the summary JSON say it (0 for a
/// crawl that took no measurable time).
fn pages_per_s(s: &Summary) -> f64 {
    let secs = s.elapsed.as_secs_f64();
    if secs > 0.0 {
        s.requested as f64 / secs
    } else {
        0.0
    }
}

/// 0 when the crawl ran to its end; 3 when not one page got an HTTP response (unreachable, or
/// every URL refused by robots.txt); 4 when it ran to its end but a seed's host gave no page
/// while another's did.
fn exit_status(summary: &Summary) -> Exit {
    if summary.done > 0 && summary.responded == 0 {
        Exit::NothingFetched
    } else if !summary.interrupted && some_seeds_gave_nothing(summary) {
        Exit::SeedGaveNothing
    } else {
        Exit::Ok
    }
}

/// Did at least one seed's host give no page while another seed's did? Only a crawl that ran to
/// its end judges its seeds (a stopped one never got to some); when no seed gave a page but some
/// page got a response (a lone seed answering 404), the status stays 0 as it always was, and the
/// summary names the hosts.
fn some_seeds_gave_nothing(summary: &Summary) -> bool {
    let barren = summary.hosts_without_pages().len();
    barren > 0 && barren < summary.seed_hosts.len()
}

/// Were most failures of the kind an unreachable host gives (no name, no connection, no TLS, no
/// answer in time, robots.txt unreachable)?
fn unreachable_likely(s: &Summary) -> bool {
    use crate::error::ErrorClass as E;
    let unreachable: u64 = s
        .by_error
        .iter()
        .filter(|(e, _)| {
            matches!(
                e,
                E::Dns | E::Connect | E::Tls | E::Timeout | E::RobotsUnreachable | E::Truncated
            )
        })
        .map(|(_, n)| n)
        .sum();
    unreachable * 2 > s.errors
}

/// `2 of 5 seeds gave no page: a.example (DNS lookup failed); b.example (answered 404)`.
fn barren_line(s: &Summary) -> String {
    let barren = s.hosts_without_pages();
    let list: Vec<String> = barren
        .iter()
        .map(|b| format!("{} ({})", b.host, b.cause))
        .collect();
    let seeds = s.seed_hosts.len();
    format!(
        "{} of {seeds} seed host{} gave no page: {}",
        barren.len(),
        if seeds == 1 { "" } else { "s" },
        list.join("; ")
    )
}

fn report(config: &Config, s: &Summary, file: &Written) {
    let secs = s.elapsed.as_secs_f64();
    let rate = pages_per_s(s);
    let statuses: Vec<String> = s
        .by_status
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let errors: Vec<String> = s.by_error.iter().map(|(k, v)| format!("{k} {v}")).collect();
    // Never a file that is not there: with --state a stopped crawl's rows are in `.partial`.
    let mut dest = match config.output.path() {
        Some(p) if file.kept_partial => format!(
            "{} (kept for the resume; {} appears when the crawl ends)",
            crate::output::partial_path(p).display(),
            p.display()
        ),
        _ => shown(&config.output),
    };
    if file.earlier_rows > 0 {
        dest.push_str(&format!(
            "; the file holds {} rows in all, {} of them from the earlier runs of this crawl",
            file.earlier_rows + s.rows,
            file.earlier_rows
        ));
    }
    let none = || "none".to_owned();
    let mut lines = vec![if s.stopped_by == Some(StopCause::Restarted) {
        format!(
            "trawl: stopped: the run was given up by a --restart in another process; {} pages \
             requested, {} rows -> {dest}",
            s.requested, s.rows
        )
    } else {
        format!(
            "trawl: {} pages requested, {} rows ({} new) -> {dest}",
            s.requested, s.rows, s.new
        )
    }];
    if let (Some(target), Some(run)) = (&config.shared, &s.shared_run) {
        lines.push(format!(
            "  shared crawl {} run {run} (this process's share; `trawl export` has the whole run){}",
            target.crawl_id,
            if s.dropped > 0 {
                format!("; {} pages dropped after their lease expired", s.dropped)
            } else {
                String::new()
            }
        ));
    }
    lines.push(format!(
        "  status: {}; errors: {}",
        if statuses.is_empty() {
            none()
        } else {
            statuses.join(", ")
        },
        if errors.is_empty() {
            none()
        } else {
            errors.join(", ")
        },
    ));
    if s.not_modified > 0 {
        lines.push(format!("  {} unchanged (304)", s.not_modified));
    }
    if s.retries > 0 {
        lines.push(format!("  {} retries", s.retries));
    }
    if config.output_options.meta {
        let mut line = format!(
            "  {} pages name another canonical URL",
            s.canonical_elsewhere
        );
        if config.dedup_canonical {
            line.push_str(&format!(
                "; {} rows skipped as duplicates (--dedup-canonical)",
                s.dedup_skipped
            ));
        }
        lines.push(line);
    }
    if !s.backed_off.is_empty() {
        let hosts: Vec<&str> = s.backed_off.iter().map(String::as_str).collect();
        lines.push(format!("  backed off (429/503): {}", hosts.join(", ")));
    }
    if !s.gave_up.is_empty() {
        let hosts: Vec<&str> = s.gave_up.iter().map(String::as_str).collect();
        lines.push(format!(
            "  given up (429/503 for more than --max-host-pause {} s): {}",
            config.max_host_pause.as_secs(),
            hosts.join(", ")
        ));
    }
    if !s.interrupted {
        for b in s.hosts_without_pages() {
            lines.push(format!("  no page from {}: {}", b.host, b.cause));
        }
    }
    for (host, d) in &s.crawl_delayed {
        lines.push(format!(
            "  robots.txt Crawl-delay of {host}: one request every {} s (more than --delay)",
            d.as_secs_f64()
        ));
    }
    if let Some(hint) = &s.idle_workers {
        lines.push(format!("  {hint}"));
    }
    if s.interrupted {
        lines.push(stopped_line(config, s));
    }
    lines.push(format!(
        "  {:.1} MB in {secs:.1}s ({rate:.1} pages/s)",
        s.bytes as f64 / 1e6
    ));
    // A closed stderr is no reason to fail a crawl whose rows are written.
    let mut err = std::io::stderr().lock();
    for l in lines {
        let _ = writeln!(err, "{l}");
    }
}

/// What a stop left undone, and where it went: with `--state` a resume takes it up; with
/// `--redis` the run keeps it; otherwise it is not crawled.
fn stopped_line(config: &Config, s: &Summary) -> String {
    let why = match s.stopped_by {
        Some(StopCause::TimeLimit) => "stopped at the time limit (--max-duration)",
        Some(StopCause::Restarted) => {
            let run = s.shared_run.as_deref().unwrap_or("?");
            return format!(
                "  run {run} is over: a newer run of the crawl replaced it; this process's \
                 {} pages in flight were dropped",
                s.abandoned
            );
        }
        _ => "interrupted",
    };
    if config.state.is_some() {
        format!(
            "  {why}: {} pages left for a resume ({} in flight, {} queued); run the same \
             command again to go on",
            s.abandoned + s.queued,
            s.abandoned,
            s.queued
        )
    } else if config.shared.is_some() {
        format!(
            "  {why}: the run goes on in Redis ({} pages queued) with its other processes or \
             the next to join; this process's {} pages in flight go back when their leases expire",
            s.queued, s.abandoned
        )
    } else {
        format!(
            "  {why}: {} pages in flight and {} queued were not crawled (without --state there \
             is no resume)",
            s.abandoned, s.queued
        )
    }
}

/// The process's peak resident memory in KiB (Linux `VmHWM`), if known.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn write_summary_json(
    target: &OutputTarget,
    s: &Summary,
    config: &Config,
    file: &Written,
) -> std::io::Result<()> {
    let meta = config.output_options.meta;
    let by_error: serde_json::Map<String, serde_json::Value> = s
        .by_error
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), (*v).into()))
        .collect();
    let mut v = serde_json::json!({
        "pages": s.requested,
        "rows": s.rows,
        "new": s.new,
        "not_modified": s.not_modified,
        "errors": s.errors,
        "elapsed_s": s.elapsed.as_secs(),
        "elapsed_ms": s.elapsed.as_millis() as u64,
        "responded": s.responded,
        "retries": s.retries,
        "bytes": s.bytes,
        "by_status": s.by_status,
        "by_error": by_error,
        "backed_off": s.backed_off,
        "interrupted": s.interrupted,
        "stopped_by": s.stopped_by.map(StopCause::as_str),
        "peak_rss_kb": peak_rss_kb(),
        "peak_body_bytes": s.peak_body_bytes,
        "seen": s.seen,
        "queued": s.queued,
        "rows_in_file": file.earlier_rows + s.rows,
        "pages_per_s": pages_per_s(s),
    });
    let barren: Vec<serde_json::Value> = if s.interrupted {
        Vec::new()
    } else {
        s.hosts_without_pages()
            .into_iter()
            .map(|b| serde_json::json!({ "host": b.host, "cause": b.cause }))
            .collect()
    };
    v["hosts_without_pages"] = barren.into();
    v["gave_up"] = serde_json::json!(s.gave_up);
    let delayed: serde_json::Map<String, serde_json::Value> = s
        .crawl_delayed
        .iter()
        .map(|(h, d)| (h.clone(), d.as_secs_f64().into()))
        .collect();
    v["crawl_delayed_s"] = delayed.into();
    if meta {
        v["canonical_elsewhere"] = s.canonical_elsewhere.into();
        v["dedup_skipped"] = s.dedup_skipped.into();
    }
    if let (Some(target), Some(run)) = (&config.shared, &s.shared_run) {
        // The crawl id and run, never the server (its URL may hold a password).
        v["crawl_id"] = target.crawl_id.clone().into();
        v["run"] = run.parse::<u64>().unwrap_or(0).into();
        v["dropped"] = s.dropped.into();
    }
    let mut text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
    text.push('\n');
    match target.path() {
        Some(path) => write_whole(path, text.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        }
    }
}

/// Write `bytes` to a file beside `path` and rename it into place: a reader of `path` sees the
/// old file or the new one, never half of one.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
