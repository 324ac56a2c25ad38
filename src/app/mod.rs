//! One invocation of the `trawl` command, end to end: validate the configuration and every output
//! path, open the state (lock, resume or not), create (or reopen) the output files before any
//! request, start the state's crawl or join the shared one (a refusal removes the files), install
//! the signal handlers and the progress line, crawl, close the output, report, and choose the exit
//! status. `main`
//! only parses arguments and calls [`run`]; this is the edge where typed errors become messages.

use crate::cli::Cli;
use crate::config::{Config, OutputTarget};
use crate::crawl::{self, Persist, Stop, StopCause, Summary};
use crate::error::ConfigError;
use crate::exit::Exit;
use crate::output::{FileSink, SharedSink};
use crate::state::{CrawlMeta, StateError, StateStore};
use anyhow::Context;
use clap::CommandFactory;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Run the command. Errors that are the user's input come back as `Ok(Exit::Usage)` after printing
/// one line; other errors are returned for `main` to print (exit 1).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    if let Some(shell) = cli.completions {
        clap_complete::generate(shell, &mut Cli::command(), "trawl", &mut std::io::stdout());
        return Ok(Exit::Ok);
    }
    if let Some(page) = cli.man {
        crate::cli::man::write(Cli::command(), page, &mut std::io::stdout())
            .context("writing the man page")?;
        return Ok(Exit::Ok);
    }
    let (verbose, quiet) = match &cli.command {
        Some(crate::cli::Command::Export(a)) => (cli.verbose.max(a.verbose), cli.quiet || a.quiet),
        Some(crate::cli::Command::Forget(_)) | None => (cli.verbose, cli.quiet),
    };
    init_logging(verbose, quiet);
    if let Some(crate::cli::Command::Export(args)) = cli.command {
        return export(args);
    }
    if let Some(crate::cli::Command::Forget(args)) = cli.command {
        return forget(args);
    }
    crate::malloc::tune_for_many_threads();
    let mut config = match cli.into_config() {
        Ok(c) => c,
        Err(e) => return Ok(usage(&e)),
    };
    // Every output path is checked before anything is joined, opened or requested.
    if let Err(e) = crate::paths::check(&outputs(&config), config.state.as_deref()) {
        return Ok(usage(&e));
    }

    // The state: locked before anything else, so a concurrent run leaves at once.
    let mut store = None;
    let mut resume = None;
    if let Some(path) = config.state.clone() {
        let mut s = match StateStore::open(&path) {
            Ok(s) => s,
            Err(e @ StateError::Locked { .. }) => {
                eprintln!("trawl: {e}");
                return Ok(Exit::Locked);
            }
            Err(e) => return Ok(usage(&ConfigError::Invalid(e.to_string()))),
        };
        // The history's window: pages neither fetched nor seen in it are forgotten.
        let cutoff = chrono::Duration::from_std(config.history_window)
            .ok()
            .and_then(|w| chrono::Utc::now().checked_sub_signed(w))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let forgotten = s
            .forget_before(&cutoff)
            .context("pruning the state's history")?;
        tracing::info!(
            state = %path.display(),
            bytes = s.file_bytes(),
            remembered = s.history_len().unwrap_or(0),
            forgotten,
            window_days = config.history_window.as_secs() / 86_400,
            "state opened"
        );
        let meta = crawl_meta(&config);
        match s.unfinished().context("reading the state")? {
            Some(r) if !config.restart => {
                if r.meta.seeds != meta.seeds || r.meta.scope != meta.scope {
                    return Ok(usage(&ConfigError::Invalid(format!(
                        "state {} holds an unfinished crawl of other seeds or another scope \
                         (seeds {}, scope {}); run with --restart to discard it",
                        path.display(),
                        r.meta.seeds.join(" "),
                        r.meta.scope
                    ))));
                }
                // The options that decide what is crawled and written must be the crawl's
                // (a state written before they were kept has none to check).
                let theirs: Option<std::collections::BTreeMap<String, String>> =
                    serde_json::from_str(&r.meta.options).ok();
                if let Some((ours, theirs)) =
                    theirs.and_then(|t| crate::config::differences(&meta_options(&config), &t))
                {
                    return Ok(usage(&ConfigError::Invalid(format!(
                        "state {} holds an unfinished crawl with {theirs}, not {ours}; run with \
                         its options to resume it, or with --restart to discard it",
                        path.display()
                    ))));
                }
                // A resumed crawl keeps the output its crawl started with (and says so when this
                // command named another).
                let kept = if r.meta.output == "-" {
                    OutputTarget::Stdout
                } else {
                    OutputTarget::File(r.meta.output.clone().into())
                };
                if kept != config.output && !config.quiet {
                    eprintln!(
                        "trawl: resuming the unfinished crawl in {}: its rows go on into {} (the \
                         file it started), not {}",
                        path.display(),
                        shown(&kept),
                        shown(&config.output)
                    );
                }
                config.output = kept;
                resume = Some(r);
            }
            Some(r) => {
                // --restart discards the unfinished crawl, its files being written included
                // (when no process holds them).
                let mut theirs = vec![std::path::PathBuf::from(&r.meta.output)];
                theirs.extend(
                    config
                        .links_output
                        .as_ref()
                        .and_then(|t| t.path())
                        .map(Into::into),
                );
                for path in theirs {
                    crate::output::reclaim_partial(&path);
                }
            }
            None => {}
        }
        store = Some(s);
    }

    // Rows the file holds from the earlier runs of a resumed crawl.
    let mut earlier_rows = 0u64;
    // The output files: made (or, for a resume, reopened) before any request; a name in use is
    // refused, or numbered. The state's new crawl records the name chosen.
    let file_sink = match &resume {
        Some(_) => {
            let rows = match &store {
                Some(s) => s.rows_from(0).context("reading the state's rows")?,
                None => Vec::new(),
            };
            earlier_rows = rows.len() as u64;
            FileSink::resume(
                &config.output,
                config.links_output.as_ref(),
                config.output_options,
                &rows,
            )
        }
        None => FileSink::create(
            &config.output,
            config.links_output.as_ref(),
            config.output_options,
        ),
    };
    let file_sink = match file_sink {
        Ok(s) => s,
        Err(e) => return Ok(usage(&e)),
    };
    if let Some(p) = file_sink.rows_path() {
        config.output = OutputTarget::File(p.to_owned());
    }
    if let Some(p) = file_sink.links_path() {
        config.links_output = Some(OutputTarget::File(p.to_owned()));
    }
    if let (Some(s), None) = (store.as_mut(), &resume) {
        if let Err(e) = s.start(&crawl_meta(&config)) {
            file_sink.discard();
            return Err(anyhow::Error::new(e).context("starting a crawl in the state"));
        }
    }

    // A shared crawl: joined (or its next run started) once the files exist; a refusal
    // removes them, so it leaves nothing behind.
    let joined = match &config.shared {
        Some(target) => match crate::shared::join(target, &config) {
            Ok(j) => Some(j),
            Err(e) => {
                file_sink.discard();
                if e.is_usage() {
                    eprintln!("trawl: {e}");
                    return Ok(Exit::Usage);
                }
                return Err(e.into());
            }
        },
        None => None,
    };
    if let Some(j) = &joined {
        tracing::info!(
            crawl = %j.store.crawl_id,
            run = %j.run,
            seeded = j.seeded,
            "joined the shared crawl"
        );
    }
    let sink = SharedSink::new(file_sink);

    let stop = Arc::new(Stop::new(config.timeout.min(Duration::from_secs(5))));
    let signal = Arc::new(AtomicU8::new(0));
    let signals = install_signals(&stop, &signal, &sink, config.state.is_none())?;
    // No progress line on a pipe, under cron, or when an output goes to the terminal it would
    // be drawn on.
    let to_terminal = std::io::stdout().is_terminal()
        && outputs(&config)
            .iter()
            .any(|(_, t)| matches!(t, OutputTarget::Stdout));
    let progress = (!config.quiet && std::io::stderr().is_terminal() && !to_terminal)
        .then(|| Progress::start(&stop, crate::crawl::launch::idle_workers(&config)));

    let persist = store.as_mut().map(|s| Persist {
        store: s,
        resume,
        only_new: config.only_new,
        revisit_depth: config.revisit_depth,
    });
    let mut writer = sink.clone();
    let result = match joined {
        Some(j) => crate::shared::run::crawl(&config, &mut writer, &stop, j),
        None => crawl::crawl(&config, &mut writer, &stop, persist),
    };
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
    let got = signal.load(Ordering::SeqCst);
    // A stop for the time limit ends the run like a signal (the rest left for the next run with
    // --state), but exits 0.
    let interrupted = got != 0 || summary.stopped_by == Some(StopCause::TimeLimit);
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
    drop(store);
    if let Some((handle, thread)) = signals {
        handle.close();
        let _ = thread.join();
    }
    let file = Written {
        kept_partial,
        earlier_rows,
    };
    if !config.quiet {
        report(&config, &summary, &file);
    }
    if let Some(target) = &config.summary_json {
        write_summary_json(target, &summary, &config, &file).with_context(|| {
            match target.path() {
                Some(p) => format!("writing {}", p.display()),
                None => "writing the summary to standard output".to_owned(),
            }
        })?;
    }
    let exit = match got {
        2 => Exit::Interrupted,
        15 => Exit::Terminated,
        _ => exit_status(&summary),
    };
    if exit == Exit::NothingFetched {
        // Said even with -q: cron mails what a job prints, and this run needs a look.
        let errors: Vec<String> = summary
            .by_error
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let hint = if unreachable_likely(&summary) {
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
        eprintln!("trawl: {}", barren_line(&summary));
    }
    Ok(exit)
}

/// The outputs of a crawl, with the option that names each.
fn outputs(config: &Config) -> Vec<(&'static str, &OutputTarget)> {
    let mut v = vec![("-o", &config.output)];
    if let Some(t) = &config.links_output {
        v.push(("--links-output", t));
    }
    if let Some(t) = &config.summary_json {
        v.push(("--summary-json", t));
    }
    v
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

/// `trawl export`: one run's rows from Redis into one output.
fn export(args: crate::cli::ExportArgs) -> anyhow::Result<Exit> {
    let target = crate::config::SharedTarget {
        url: args.redis,
        crawl_id: args.crawl_id,
        patience: Duration::from_secs(10),
        ca: args.redis_ca,
    };
    if let Err(e) = crate::cli::check_redis_url(&target.url) {
        return Ok(usage(&e));
    }
    if !crate::cli::valid_crawl_id(&target.crawl_id) {
        return Ok(usage(&ConfigError::Invalid(format!(
            "--crawl-id {:?}: use 1 to 64 letters, digits, `.`, `_` or `-`",
            target.crawl_id
        ))));
    }
    let output = match &args.output {
        Some(p) => match crate::paths::target("-o", p, chrono::Utc::now()) {
            Ok(t) => t,
            Err(e) => return Ok(usage(&e)),
        },
        None => OutputTarget::Stdout,
    };
    if let Err(e) = crate::paths::check(&[("-o", &output)], None) {
        return Ok(usage(&e));
    }
    if args.format == crate::cli::FormatArg::Jsonl {
        for (given, option) in [(args.bom, "--bom"), (args.excel_safe, "--excel-safe")] {
            if given {
                return Ok(usage(&ConfigError::Invalid(format!(
                    "{option} applies to CSV only, not to --format jsonl"
                ))));
            }
        }
    }
    let options = crate::output::OutputOptions {
        format: match args.format {
            crate::cli::FormatArg::Csv => crate::output::Format::Csv,
            crate::cli::FormatArg::Jsonl => crate::output::Format::Jsonl,
        },
        excel_safe: args.excel_safe,
        bom: args.bom,
        meta: args.meta,
        text: args.text,
    };
    let found = match crate::shared::export::open(&target, args.run) {
        Ok(f) => f,
        Err(e) if e.is_usage() => {
            eprintln!("trawl: {e}");
            return Ok(Exit::Usage);
        }
        Err(e) => return Err(e.into()),
    };
    let mut file = match FileSink::create(&output, None, options) {
        Ok(f) => f,
        Err(e) => return Ok(usage(&e)),
    };
    let run = found.run;
    let rows = found.write_to(&mut file)?;
    file.finish()?;
    tracing::info!(run, rows, "exported");
    Ok(Exit::Ok)
}

/// `trawl forget`: delete a shared crawl's keys.
fn forget(args: crate::cli::ForgetArgs) -> anyhow::Result<Exit> {
    let target = crate::config::SharedTarget {
        url: args.redis,
        crawl_id: args.crawl_id,
        patience: Duration::from_secs(10),
        ca: args.redis_ca,
    };
    if !crate::cli::valid_crawl_id(&target.crawl_id) {
        return Ok(usage(&ConfigError::Invalid(format!(
            "--crawl-id {:?}: use 1 to 64 letters, digits, `.`, `_` or `-`",
            target.crawl_id
        ))));
    }
    let (id, shown) = (target.crawl_id.clone(), target.shown());
    match crate::shared::forget::forget(&target, args.force) {
        Ok(crate::shared::forget::Forgot::Deleted(n)) => {
            tracing::info!(crawl = %id, keys = n, "forgotten");
            Ok(Exit::Ok)
        }
        Ok(crate::shared::forget::Forgot::Nothing) => {
            tracing::info!(crawl = %id, "Redis has no key of this crawl");
            Ok(Exit::Ok)
        }
        Ok(crate::shared::forget::Forgot::Running { run }) => {
            eprintln!(
                "trawl: crawl {id} at {shown} is running (run {run}); nothing deleted (stop its \
                 processes first, or use --force)"
            );
            Ok(Exit::Locked)
        }
        Err(e) if e.is_usage() => {
            eprintln!("trawl: {e}");
            Ok(Exit::Usage)
        }
        Err(e) => Err(e.into()),
    }
}

fn usage(e: &ConfigError) -> Exit {
    eprintln!("trawl: {e}");
    Exit::Usage
}

/// The options a resume must agree on (`--state`).
fn meta_options(config: &Config) -> std::collections::BTreeMap<&'static str, String> {
    config.agreed_options(crate::config::Agreement::Resume)
}

/// What identifies the crawl in the state: seeds and scope must match to resume.
fn crawl_meta(config: &Config) -> CrawlMeta {
    CrawlMeta {
        seeds: config.seeds.iter().map(|u| u.to_string()).collect(),
        scope: format!("{:?}", config.scope).to_ascii_lowercase(),
        options: serde_json::to_string(&meta_options(config)).unwrap_or_default(),
        output: match config.output.path() {
            Some(p) => p.display().to_string(),
            None => "-".into(),
        },
        started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
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

type SignalThread = (signal_hook::iterator::Handle, std::thread::JoinHandle<()>);

/// SIGINT/SIGTERM: the first stops dispatching (the crawl then ends cleanly); a second one exits
/// at once, between two rows, with the rows written so far (renamed into place when there is no
/// state to resume from).
fn install_signals(
    stop: &Arc<Stop>,
    signal: &Arc<AtomicU8>,
    sink: &SharedSink,
    rename_on_exit: bool,
) -> anyhow::Result<Option<SignalThread>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("installing signal handlers")?;
    let handle = signals.handle();
    let (stop, signal, sink) = (stop.clone(), signal.clone(), sink.clone());
    let thread = std::thread::Builder::new()
        .name("trawl-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let code = if sig == SIGTERM { 15 } else { 2 };
                if signal
                    .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    stop.request();
                    tracing::warn!("stopping: finishing the pages in flight (again to quit now)");
                    continue;
                }
                // Second signal: quit now, without a torn row.
                let _ = sink.close(rename_on_exit);
                eprintln!("trawl: interrupted");
                std::process::exit(if code == 15 && signal.load(Ordering::SeqCst) == 15 {
                    Exit::Terminated.code().into()
                } else {
                    Exit::Interrupted.code().into()
                });
            }
        })
        .context("starting the signal thread")?;
    Ok(Some((handle, thread)))
}

/// The live progress line on a terminal (never on a pipe or under cron).
struct Progress {
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Progress {
    /// `hint`: said once, above the line (workers that can never be busy).
    fn start(stop: &Arc<Stop>, hint: Option<String>) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let (flag, stop) = (done.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            if let Some(hint) = hint {
                bar.println(format!("trawl: {hint}"));
            }
            let started = std::time::Instant::now();
            while !flag.load(Ordering::Relaxed) {
                let p = &stop.progress;
                let done = p.done.load(Ordering::Relaxed);
                let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!(
                    "{done} pages done, {} in flight, {} queued, {} errors, {rate:.1} pages/s",
                    p.in_flight.load(Ordering::Relaxed),
                    p.queued.load(Ordering::Relaxed),
                    p.errors.load(Ordering::Relaxed),
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(200));
            }
            bar.finish_and_clear();
        });
        Progress { done, thread }
    }

    fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

/// 0 when the crawl ran to its end; 3 when not one page got an HTTP response (unreachable, or
/// every URL refused by robots.txt); 4 when it ran to its end but a seed's host gave no page
/// while another's did.
pub fn exit_status(summary: &Summary) -> Exit {
    if summary.done > 0 && summary.responded == 0 {
        Exit::NothingFetched
    } else if !summary.interrupted && some_seeds_gave_nothing(summary) {
        Exit::SeedGaveNothing
    } else {
        Exit::Ok
    }
}

/// Where this run's rows are, for the report: `<OUT>.partial` kept for a resume, and the rows
/// of the earlier runs of a resumed crawl that the file also holds.
struct Written {
    kept_partial: bool,
    earlier_rows: u64,
}

fn shown(target: &OutputTarget) -> String {
    match target.path() {
        Some(p) => p.display().to_string(),
        None => "standard output".into(),
    }
}

fn report(config: &Config, s: &Summary, file: &Written) {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.requested as f64 / secs
    } else {
        0.0
    };
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
pub fn peak_rss_kb() -> Option<u64> {
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
        "pages_per_s": if s.elapsed.as_secs_f64() > 0.0 { s.requested as f64 / s.elapsed.as_secs_f64() } else { 0.0 },
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
