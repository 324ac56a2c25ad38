//! The two threads a run keeps beside the crawl: the signal thread (SIGINT/SIGTERM: the first
//! stops dispatching and the crawl ends cleanly; a second exits at once, between two rows) and
//! the progress line on a terminal (never on a pipe or under cron). Both only use the crawl's
//! [`Stop`] handle (to stop it, or to read its `Progress` counters); neither writes a row (on a
//! second signal the signal thread closes the output between two rows, then exits).

use super::outputs::outputs;
use crate::config::{Config, OutputTarget};
use crate::crawl::Stop;
use crate::exit::Exit;
use crate::output::SharedSink;
use anyhow::Context;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The installed handlers and the signal received, if any.
pub(super) struct Signals {
    /// 0 until a signal came, then 2 (SIGINT) or 15 (SIGTERM): the first one received.
    signal: Arc<AtomicU8>,
    handle: signal_hook::iterator::Handle,
    thread: std::thread::JoinHandle<()>,
}

impl Signals {
    /// SIGINT/SIGTERM: the first stops dispatching (the crawl then ends cleanly); a second one
    /// exits at once, between two rows, with the rows written so far (renamed into place when
    /// there is no state to resume from).
    pub(super) fn install(
        stop: &Arc<Stop>,
        sink: &SharedSink,
        rename_on_exit: bool,
    ) -> anyhow::Result<Signals> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let signal = Arc::new(AtomicU8::new(0));
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
            .context("installing signal handlers")?;
        let handle = signals.handle();
        let (stop, got, sink) = (stop.clone(), signal.clone(), sink.clone());
        let thread = std::thread::Builder::new()
            .name("trawl-signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    let code = if sig == SIGTERM { 15 } else { 2 };
                    if got
                        .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                    {
                        stop.request();
                        tracing::warn!(
                            "stopping: finishing the pages in flight (again to quit now)"
                        );
                        continue;
                    }
                    // Second signal: quit now, without a torn row.
                    let _ = sink.close(rename_on_exit);
                    eprintln!("trawl: interrupted");
                    std::process::exit(if code == 15 && got.load(Ordering::SeqCst) == 15 {
                        Exit::Terminated.code().into()
                    } else {
                        Exit::Interrupted.code().into()
                    });
                }
            })
            .context("starting the signal thread")?;
        Ok(Signals {
            signal,
            handle,
            thread,
        })
    }

    /// The first signal received so far: 0 for none, 2 for SIGINT, 15 for SIGTERM.
    pub(super) fn received(&self) -> u8 {
        self.signal.load(Ordering::SeqCst)
    }

    /// Uninstall the handlers and end the signal thread.
    pub(super) fn close(self) {
        self.handle.close();
        let _ = self.thread.join();
    }
}

/// The live progress line on a terminal: a display of the crawl's `Progress` counters (which
/// live on its [`Stop`] handle), redrawn every 200 ms by a thread of its own.
pub(super) struct ProgressLine {
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl ProgressLine {
    /// The line, unless `-q`, stderr is no terminal (a pipe, cron), or an output goes to the
    /// terminal it would be drawn on.
    pub(super) fn show(config: &Config, stop: &Arc<Stop>) -> Option<ProgressLine> {
        let to_terminal = std::io::stdout().is_terminal()
            && outputs(config)
                .iter()
                .any(|(_, t)| matches!(t, OutputTarget::Stdout));
        (!config.quiet && std::io::stderr().is_terminal() && !to_terminal)
            .then(|| ProgressLine::start(stop, crate::crawl::idle_workers(config)))
    }

    /// `hint`: said once, above the line (workers that can never be busy).
    fn start(stop: &Arc<Stop>, hint: Option<String>) -> ProgressLine {
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
                // The rate so far, of pages done (the report's is of pages requested).
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
        ProgressLine { done, thread }
    }

    /// Stop redrawing and clear the line.
    pub(super) fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
