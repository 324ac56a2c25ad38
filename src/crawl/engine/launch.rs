//! One crawl from start to end: build what the workers share, the channels and the ledger, have
//! the caller build the schedule (`crawl::crawl` the in-process one, `shared::run` the shared
//! one of a joined run); spawn the workers; run the coordinator's loop; then send the sentinels,
//! join the workers, commit and flush, and put the summary together. Whatever happens (an error, a stop), no job is left for
//! a worker to start and every worker gets its sentinel or a closed channel.

use super::coordinator::{Channels, Coordinator};
use super::ledger::{Ledger, Persist};
use super::stop::Stop;
use super::summary::Summary;
use crate::config::Config;
use crate::crawl::jobs::{Job, Outcome};
use crate::crawl::schedule::Schedule;
use crate::crawl::work::{self, LinkFilter, LinkMemo, RobotsCache, WorkerContext};
use crate::download::{FetchConfig, Fetcher};
use crate::error::CrawlError;
use crate::output::RowSink;
use crate::record::Entry;
use crate::scope::Scope;
use crate::state::Resume;
use crossbeam_channel::bounded;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// How this process takes part: alone (with `--state`, a ledger that persists and may resume),
/// or as one process of a shared run (`--redis`) whose name goes in the summary.
pub enum Mode<'p> {
    Alone(Option<Persist<'p>>),
    Shared { run: String },
}

/// What a schedule is built from (the argument of `crawl_with`'s `make_schedule`): the workers'
/// robots.txt cache and stopping flag, and what a resumed state brought back.
pub struct ScheduleInputs {
    pub robots: Arc<RobotsCache>,
    pub stopping: Arc<AtomicBool>,
    pub resume: Option<Resume>,
}

/// Run a crawl to its end with the schedule `make_schedule` builds, writing rows to `sink`.
/// `make_schedule` gives the schedule and the entries it queued (seeds, links restored), which
/// the ledger mirrors into the state. When `stop` is requested (or `--max-duration` passes) no
/// new request starts; the pages in flight finish within `stop.grace` and are written, the rest
/// are abandoned (left queued in the state for a resume). Every worker thread has exited when
/// this returns, except after abandoning pages: those workers end with their fetch, at the
/// latest after `--timeout`, or with the process.
pub fn crawl_with<S: Schedule>(
    config: &Config,
    sink: &mut dyn RowSink,
    stop: &Stop,
    mode: Mode<'_>,
    make_schedule: impl FnOnce(ScheduleInputs) -> (S, Vec<Entry>),
) -> Result<Summary, CrawlError> {
    let started = Instant::now();
    let (persist, shared_run) = match mode {
        Mode::Alone(persist) => (persist, None),
        Mode::Shared { run } => (None, Some(run)),
    };
    let ctx = context(config, stop, shared_run.is_some())?;
    let (mut ledger, resume) = Ledger::new(sink, persist, started);
    ledger.summary.shared_run = shared_run;
    let (sched, queued) = make_schedule(ScheduleInputs {
        robots: ctx.robots.clone(),
        stopping: ctx.stopping.clone(),
        resume,
    });
    let mut coordinator = Coordinator::new(config, sched, ledger, started);
    coordinator.ledger.queued(queued);
    drive(config, stop, ctx, coordinator, started)
}

/// What the workers share; `shared` keeps robots.txt responses for the other processes.
fn context(config: &Config, stop: &Stop, shared: bool) -> Result<Arc<WorkerContext>, CrawlError> {
    let workers = config.workers.get();
    let filter = LinkFilter::new(
        Scope::new(config.scope, &config.seeds),
        config.include.clone(),
        config.exclude.clone(),
        config.allow_private,
        &config.seeds,
    );
    let fetcher = Fetcher::new(FetchConfig {
        user_agent: config.user_agent.clone(),
        timeout: config.timeout,
        connect_timeout: config.connect_timeout,
        max_bytes: config.max_bytes,
        pool_per_host: config.per_host.get().min(workers),
        block_private: filter.blocks_private(),
        body_budget: config.body_memory,
        max_header_bytes: config.max_header_bytes,
        headers: config.headers.clone(),
        cookies: config.cookies.clone(),
        root_certs: config.ca_certs.clone(),
    })?;
    // The rules are matched on the token (a token is its own product token).
    let token = config.robots_token();
    let mut robots = RobotsCache::new(config.robots, &token);
    if shared {
        robots = robots.keeping_sources();
    }
    Ok(Arc::new(WorkerContext {
        fetcher,
        filter,
        robots: Arc::new(robots),
        max_depth: config.max_depth,
        want_edges: config.links_output.is_some(),
        want_feeds: config.feeds,
        memo: LinkMemo::new(),
        meta: work::PageMeta::for_config(config),
        text: config.output_options.text.then_some(config.text_format),
        stopping: stop.flag(),
        robots_token: config.robots.then_some(token),
        retry: work::retry::RetryRules {
            retries: config.retries,
            max_retry_after: config.max_retry_after,
        },
    }))
}

/// The hint for workers that can never be busy: with `--scope host` the crawl stays on the seeds'
/// hosts, and each takes at most `--per-host` workers at once.
pub fn idle_workers(config: &Config) -> Option<String> {
    if config.scope != crate::scope::ScopeKind::Host {
        return None;
    }
    // `--per-host` counts per origin (scheme, host and port).
    let hosts: std::collections::HashSet<String> =
        config.seeds.iter().map(crate::record::origin_key).collect();
    let per_host = config.per_host.get();
    let busy = hosts.len().saturating_mul(per_host);
    let idle = config.workers.get().checked_sub(busy).filter(|&n| n > 0)?;
    let which = match hosts.len() {
        1 => "one host".to_owned(),
        n => format!("{n} hosts"),
    };
    let allows = if hosts.len() == 1 {
        "the site allows"
    } else {
        "the sites allow"
    };
    Some(format!(
        "{which} at --per-host {per_host}: {idle} workers idle; raise --per-host if {allows}"
    ))
}

/// Spawn the workers, run the loop, wind down, and sum up.
fn drive<S: Schedule>(
    config: &Config,
    stop: &Stop,
    ctx: Arc<WorkerContext>,
    mut coordinator: Coordinator<'_, S>,
    started: Instant,
) -> Result<Summary, CrawlError> {
    let workers = config.workers.get();
    let max_out = workers + config.queue_capacity.get();
    let (job_tx, job_rx) = bounded::<Job>(config.queue_capacity.get());
    let (outcome_tx, outcome_rx) = bounded::<Outcome>(max_out);
    let mut handles = Vec::with_capacity(workers);
    let mut spawn_error = None;
    for i in 0..workers {
        let (jobs, outcomes, ctx) = (job_rx.clone(), outcome_tx.clone(), ctx.clone());
        match std::thread::Builder::new()
            .name(format!("trawl-worker-{i}"))
            .spawn(move || work::run(jobs, outcomes, &ctx))
        {
            Ok(h) => handles.push(h),
            Err(e) => {
                spawn_error = Some(CrawlError::Spawn(e));
                break;
            }
        }
    }
    drop(outcome_tx);
    let ch = Channels {
        jobs: job_tx,
        unsent: job_rx,
        outcomes: outcome_rx,
    };
    let outcome = match spawn_error {
        Some(e) => Err(e),
        None => coordinator.run(&ch, stop),
    };
    if outcome.is_err() {
        // Nothing more may start: workers send back what they take, the channel is emptied.
        ctx.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        coordinator.take_back_unsent(&ch);
    }
    coordinator.send_sentinels(&ch, handles.len());
    let abandoned = coordinator.in_flight();
    // Busy workers of abandoned pages find the channel closed once it is empty.
    drop(ch);
    if abandoned == 0 {
        for h in handles {
            if h.join().is_err() {
                return Err(CrawlError::Worker("a worker thread panicked".into()));
            }
        }
    }
    let persisted = coordinator.ledger.commit(Instant::now());
    let counts = coordinator.sched.counts().clone();
    let seen = coordinator.sched.seen_len() as u64;
    let queued = coordinator.sched.queued() as u64;
    let mut summary = std::mem::take(&mut coordinator.ledger.summary);
    summary.requested = counts.requested;
    summary.retries = counts.retries;
    summary.resources = counts.resources;
    summary.backed_off = counts.backed_off;
    for origin in &counts.gave_up {
        let host = super::summary::host_of_origin(origin);
        // The reason the host gave nothing, whatever failed there first.
        summary.host_causes.insert(
            host.clone(),
            format!(
                "it kept answering 429/503: given up (--max-host-pause {} s)",
                config.max_host_pause.as_secs()
            ),
        );
        summary.gave_up.insert(host);
    }
    summary.idle_workers = idle_workers(config);
    summary.abandoned = abandoned as u64;
    summary.seen = seen;
    summary.queued = queued;
    summary.elapsed = started.elapsed();
    summary.peak_body_bytes = ctx.fetcher.body_usage().1;
    if coordinator.sched.given_up() && summary.stopped_by.is_none() {
        summary.interrupted = true;
        summary.stopped_by = Some(super::stop::StopCause::Restarted);
    }
    // Rows already written stay written, whatever ended the crawl.
    let flushed = coordinator.ledger.flush(Instant::now());
    outcome?;
    persisted?;
    flushed?;
    Ok(summary)
}
