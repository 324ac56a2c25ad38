//! One invocation of the `trawl` command, end to end: the edge where typed errors become one-line
//! messages and exit statuses. [`run`] reads as its steps, in the order a user may rely on:
//! validate the configuration and every output path; open the state (lock, resume or not,
//! `resume.rs`); create or reopen the output files before any request (`outputs.rs`); start the
//! state's crawl or join the shared one (a refusal removes the files); install the signal
//! handlers and the progress line (`signals.rs`); crawl; close the output and the state; report
//! and choose the exit status (`report.rs`). `trawl export` and `trawl forget` are
//! `subcommands.rs`; `--man` and `--completions` are the command line's own (`crate::cli`). Each
//! step returns a `Step` (`step.rs`), so `?` ends the run with its exit status or error.
//!
//! The room's rule: it decides nothing about crawling (that is [`crate::crawl`]'s, from a
//! [`Config`]) and parses no argument (that is [`crate::cli`]'s, which alone imports clap);
//! it owns what is the process's: the terminal, the signals, the log and the exit status.
//! `main` only parses arguments and calls [`run`].

mod outputs;
mod report;
mod resume;
mod signals;
mod step;
mod subcommands;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::crawl::{self, Persist, Stop, StopCause, Summary};
use crate::error::CrawlError;
use crate::exit::Exit;
use crate::output::SharedSink;
use crate::shared::join::Joined;
use crate::state::{Resume, StateStore};
use anyhow::Context;
use report::Written;
use signals::{ProgressLine, Signals};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use step::{usage, Early, Step};

/// Run the command. Errors that are the user's input come back as `Ok(Exit::Usage)` after printing
/// one line; other errors are returned for `main` to print (exit 1).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match steps(cli) {
        Ok(exit) | Err(Early::Exit(exit)) => Ok(exit),
        Err(Early::Error(e)) => Err(e),
    }
}

/// The command's steps, in order.
fn steps(cli: Cli) -> Step<Exit> {
    if let Some(shell) = cli.completions {
        crate::cli::write_completions(shell, &mut std::io::stdout());
        return Ok(Exit::Ok);
    }
    if let Some(page) = cli.man {
        crate::cli::write_man_page(page, &mut std::io::stdout()).context("writing the man page")?;
        return Ok(Exit::Ok);
    }
    let (verbose, quiet) = match &cli.command {
        Some(Command::Export(a)) => (cli.verbose.max(a.verbose), cli.quiet || a.quiet),
        Some(Command::Forget(_)) | None => (cli.verbose, cli.quiet),
    };
    init_logging(verbose, quiet);
    match cli.command {
        Some(Command::Export(args)) => return subcommands::export(args),
        Some(Command::Forget(args)) => return subcommands::forget(args),
        None => {}
    }

    crate::malloc::tune_for_many_threads();
    let mut config = cli.into_config().map_err(|e| usage(&e))?;
    outputs::check(&config)?;
    let (mut store, resume) = resume::open_state(&mut config)?;
    let (file_sink, earlier_rows) = outputs::open(&mut config, store.as_ref(), &resume)?;
    let file_sink = resume::start_crawl(store.as_mut(), &resume, &config, file_sink)?;
    let (file_sink, joined) = resume::join_shared(&config, file_sink)?;
    let sink = SharedSink::new(file_sink);

    let stop = Arc::new(Stop::new(config.timeout.min(Duration::from_secs(5))));
    let signals = Signals::install(&stop, &sink, config.state.is_none())?;
    let progress = ProgressLine::show(&config, &stop);
    let result = crawl(&config, &sink, &stop, store.as_mut(), resume, joined);
    if let Some(p) = progress {
        p.finish();
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            if config.shared.is_some() {
                // The run goes on in Redis: the rows this process wrote are its share of it.
                if let Some(file) = sink.take() {
                    let _ = file.finish();
                }
            }
            return Err(e.into());
        }
    };

    let signal = signals.received();
    let kept_partial = close(&config, &summary, signal, &sink, store)?;
    signals.close();
    let file = Written {
        kept_partial,
        earlier_rows,
    };
    report::tell(&config, &summary, &file)?;
    Ok(report::exit(signal, &summary, &config))
}

/// The crawl itself: this process's part of a shared run, or the whole crawl (with the state's
/// memory when there is one).
fn crawl(
    config: &Config,
    sink: &SharedSink,
    stop: &Stop,
    store: Option<&mut StateStore>,
    resume: Option<Resume>,
    joined: Option<Joined>,
) -> Result<Summary, CrawlError> {
    let persist = store.map(|s| Persist {
        store: s,
        resume,
        only_new: config.only_new,
        revisit_depth: config.revisit_depth,
    });
    let mut writer = sink.clone();
    match joined {
        Some(j) => crate::shared::run::crawl(config, &mut writer, stop, j),
        None => crawl::crawl(config, &mut writer, stop, persist),
    }
}

/// Close the output and the state; `true` when `<OUT>.partial` and the unfinished crawl are kept
/// for a resume run (a stop by a signal or the time limit, with `--state`). A stop for the time
/// limit ends the run like a signal (the rest left for the next run with --state), but exits 0.
fn close(
    config: &Config,
    summary: &Summary,
    signal: u8,
    sink: &SharedSink,
    mut store: Option<StateStore>,
) -> Step<bool> {
    let interrupted = signal != 0 || summary.stopped_by == Some(StopCause::TimeLimit);
    let kept_partial = interrupted && config.state.is_some();
    if kept_partial {
        // Leave <OUT>.partial and the unfinished crawl for the resume run.
        sink.close(false)?;
    } else {
        if let Some(s) = store.as_mut() {
            s.finish().context("closing the crawl in the state")?;
        }
        if let Some(file) = sink.take() {
            file.finish()?;
        }
    }
    Ok(kept_partial)
}

/// `-v` info, `-vv` debug (one line per request); `RUST_LOG` wins when set.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("trawl={level}")));
    // Colour only on a terminal, and never with NO_COLOR set (https://no-color.org): cron mails
    // and log files get plain text.
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_ansi(colour)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
