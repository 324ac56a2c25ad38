//! One invocation of the `trawl` command, end to end: validate the configuration, create the
//! output before any request, crawl, report, and choose the exit status. `main` only parses
//! arguments and calls [`run`]; this is the edge where typed errors become messages.

use crate::cli::Cli;
use crate::config::Config;
use crate::crawl::{self, Summary};
use crate::error::ConfigError;
use crate::exit::Exit;
use crate::output::CsvSink;
use std::io::Write;
use std::sync::atomic::AtomicBool;

/// Run the command. Errors that are the user's input come back as `Ok(Exit::Usage)` after printing
/// one line; other errors are returned for `main` to print (exit 1).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let config = match cli.into_config() {
        Ok(c) => c,
        Err(e) => return Ok(usage(&e)),
    };
    let mut sink = match CsvSink::create(&config.output, config.links_output.as_ref()) {
        Ok(s) => s,
        Err(e) => return Ok(usage(&e)),
    };
    let stop = AtomicBool::new(false);
    let summary = crawl::crawl(&config, &mut sink, &stop)?;
    report(&config, &summary);
    Ok(exit_status(&summary))
}

fn usage(e: &ConfigError) -> Exit {
    eprintln!("trawl: {e}");
    Exit::Usage
}

/// 0 when the crawl ran to its end; 3 when not one page got an HTTP response.
pub fn exit_status(summary: &Summary) -> Exit {
    if summary.requested > 0 && summary.responded == 0 {
        Exit::NothingFetched
    } else {
        Exit::Ok
    }
}

fn report(config: &Config, s: &Summary) {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.rows as f64 / secs
    } else {
        0.0
    };
    let mut err = std::io::stderr().lock();
    let statuses: Vec<String> = s
        .by_status
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let errors: Vec<String> = s.by_error.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let dest = match &config.output {
        crate::config::OutputTarget::File(p) => p.display().to_string(),
        crate::config::OutputTarget::Stdout => "standard output".into(),
    };
    // A closed stderr is no reason to fail a crawl whose rows are written.
    let _ = writeln!(
        err,
        "trawl: {} pages requested, {} rows -> {dest}; status: {}; errors: {}; {:.1} MB in {:.1}s ({rate:.1} pages/s)",
        s.requested,
        s.rows,
        if statuses.is_empty() { "none".into() } else { statuses.join(", ") },
        if errors.is_empty() { "none".into() } else { errors.join(", ") },
        s.bytes as f64 / 1e6,
        secs,
    );
}
