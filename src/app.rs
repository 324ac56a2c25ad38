//! One invocation of the `trawl` command, end to end: validate the configuration, open the state
//! (lock, resume or start), create the output before any request, install the signal handlers
//! and the progress line, crawl, close the output, report, and choose the exit status. `main`
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
    if cli.man {
        clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .context("writing the man page")?;
        return Ok(Exit::Ok);
    }
    init_logging(cli.verbose, cli.quiet);
    if let Some(crate::cli::Command::Export(args)) = cli.command {
        return export(args);
    }
    crate::malloc::tune_for_many_threads();
    let mut config = match cli.into_config() {
        Ok(c) => c,
        Err(e) => return Ok(usage(&e)),
    };

    // A shared crawl: joined (or its next run started) before any file is made, so a refusal
    // leaves nothing behind.
    let joined = match &config.shared {
        Some(target) => match crate::shared::join(target, &config) {
            Ok(j) => Some(j),
            Err(e) if e.is_usage() => {
                eprintln!("trawl: {e}");
                return Ok(Exit::Usage);
            }
            Err(e) => return Err(e.into()),
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
                // A resumed crawl keeps the output its crawl started with.
                config.output = if r.meta.output == "-" {
                    OutputTarget::Stdout
                } else {
                    OutputTarget::File(r.meta.output.clone().into())
                };
                resume = Some(r);
            }
            _ => s.start(&meta).context("starting a crawl in the state")?,
        }
        store = Some(s);
    }

    let file_sink = match &resume {
        Some(_) => {
            let rows = match &store {
                Some(s) => s.rows_from(0).context("reading the state's rows")?,
                None => Vec::new(),
            };
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
    let sink = match file_sink {
        Ok(s) => SharedSink::new(s),
        Err(e) => return Ok(usage(&e)),
    };

    let stop = Arc::new(Stop::new(config.timeout.min(Duration::from_secs(5))));
    let signal = Arc::new(AtomicU8::new(0));
    let signals = install_signals(&stop, &signal, &sink, config.state.is_none())?;
    let progress =
        (!config.quiet && std::io::stderr().is_terminal()).then(|| Progress::start(&stop));

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
    if interrupted && config.state.is_some() {
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
    if !config.quiet {
        report(&config, &summary);
    }
    if let Some(path) = &config.summary_json {
        write_summary_json(path, &summary, &config)
            .with_context(|| format!("writing {}", path.display()))?;
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
        eprintln!(
            "trawl: not a single page could be fetched ({}); are the hosts reachable?",
            errors.join(", ")
        );
    }
    Ok(exit)
}

/// `trawl export`: one run's rows from Redis into one output.
fn export(args: crate::cli::ExportArgs) -> anyhow::Result<Exit> {
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
    let output = match args.output {
        Some(p) if p.as_os_str() != "-" => OutputTarget::File(p),
        _ => OutputTarget::Stdout,
    };
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
        output: match &config.output {
            OutputTarget::File(p) => p.display().to_string(),
            OutputTarget::Stdout => "-".into(),
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
    let _ = tracing_subscriber::fmt()
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
    fn start(stop: &Arc<Stop>) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let (flag, stop) = (done.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
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
/// every URL refused by robots.txt).
pub fn exit_status(summary: &Summary) -> Exit {
    if summary.done > 0 && summary.responded == 0 {
        Exit::NothingFetched
    } else {
        Exit::Ok
    }
}

fn report(config: &Config, s: &Summary) {
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
    let dest = match &config.output {
        OutputTarget::File(p) => p.display().to_string(),
        OutputTarget::Stdout => "standard output".into(),
    };
    let none = || "none".to_owned();
    let mut lines = vec![format!(
        "trawl: {} pages requested, {} rows ({} new) -> {dest}",
        s.requested, s.rows, s.new
    )];
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
    if s.interrupted {
        let why = match s.stopped_by {
            Some(StopCause::TimeLimit) => "stopped at the time limit (--max-duration)",
            _ => "interrupted",
        };
        lines.push(format!(
            "  {why} ({} pages in flight left for a resume, {} not started)",
            s.abandoned, s.taken_back
        ));
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

/// The process's peak resident memory in KiB (Linux `VmHWM`), if known.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn write_summary_json(path: &std::path::Path, s: &Summary, config: &Config) -> std::io::Result<()> {
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
        "pages_per_s": if s.elapsed.as_secs_f64() > 0.0 { s.requested as f64 / s.elapsed.as_secs_f64() } else { 0.0 },
    });
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
    std::fs::write(path, text)
}
