//! Where a crawl's memory comes from, before its first request: the `--state` file (locked first,
//! its history pruned to the window, its unfinished crawl resumed when the seeds, scope and
//! agreed options are the same, or discarded by `--restart`; a new crawl started in it once the
//! output files exist), or a `--redis` crawl (joined once the files exist; a refusal removes
//! them). Every refusal is one line and an exit status, before any request.

use super::step::{usage, Early, Step};
use crate::config::{Config, OutputTarget};
use crate::error::ConfigError;
use crate::exit::Exit;
use crate::output::FileSink;
use crate::shared::join::Joined;
use crate::state::{CrawlMeta, Resume, StateError, StateStore};
use anyhow::Context;

/// Open (and lock) `--state`, prune its history, and settle its unfinished crawl: resumed
/// (`config.output` becomes the file that crawl started) or, with `--restart`, discarded with
/// its partial files. `(None, None)` without `--state`.
pub(super) fn open_state(config: &mut Config) -> Step<(Option<StateStore>, Option<Resume>)> {
    let Some(path) = config.state.clone() else {
        return Ok((None, None));
    };
    // Locked before anything else, so a concurrent run leaves at once.
    let mut s = match StateStore::open(&path) {
        Ok(s) => s,
        Err(e @ StateError::Locked { .. }) => {
            eprintln!("trawl: {e}");
            return Err(Early::Exit(Exit::Locked));
        }
        Err(e) => return Err(usage(&ConfigError::Invalid(e.to_string()))),
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
    let meta = crawl_meta(config);
    let mut resume = None;
    match s.unfinished().context("reading the state")? {
        Some(r) if !config.restart => {
            agree(config, &path, &meta, &r)?;
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
                    super::outputs::shown(&kept),
                    super::outputs::shown(&config.output)
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
    Ok((Some(s), resume))
}

/// The resume agreement: the unfinished crawl `r` in the state at `path` is resumed only by the
/// same seeds and scope (`meta`) and the same options that decide what is crawled and written.
fn agree(config: &Config, path: &std::path::Path, meta: &CrawlMeta, r: &Resume) -> Step<()> {
    if r.meta.seeds != meta.seeds || r.meta.scope != meta.scope {
        return Err(usage(&ConfigError::Invalid(format!(
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
        theirs.and_then(|t| crate::config::differences(&meta_options(config), &t))
    {
        return Err(usage(&ConfigError::Invalid(format!(
            "state {} holds an unfinished crawl with {theirs}, not {ours}; run with \
             its options to resume it, or with --restart to discard it",
            path.display()
        ))));
    }
    Ok(())
}

/// A new crawl (not a resumed one) starts in the state once its output files exist, recording
/// the names they got; if it cannot, the files are removed.
pub(super) fn start_crawl(
    store: Option<&mut StateStore>,
    resume: &Option<Resume>,
    config: &Config,
    file_sink: FileSink,
) -> Step<FileSink> {
    if let (Some(s), None) = (store, resume) {
        if let Err(e) = s.start(&crawl_meta(config)) {
            file_sink.discard();
            return Err(anyhow::Error::new(e)
                .context("starting a crawl in the state")
                .into());
        }
    }
    Ok(file_sink)
}

/// A shared crawl: joined (or its next run started) once the files exist; a refusal removes
/// them, so it leaves nothing behind.
pub(super) fn join_shared(
    config: &Config,
    file_sink: FileSink,
) -> Step<(FileSink, Option<Joined>)> {
    let Some(target) = &config.shared else {
        return Ok((file_sink, None));
    };
    let j = match crate::shared::join(target, config) {
        Ok(j) => j,
        Err(e) => {
            file_sink.discard();
            if e.is_usage() {
                eprintln!("trawl: {e}");
                return Err(Early::Exit(Exit::Usage));
            }
            return Err(anyhow::Error::from(e).into());
        }
    };
    tracing::info!(
        crawl = %j.store.crawl_id,
        run = %j.run,
        seeded = j.seeded,
        "joined the shared crawl"
    );
    Ok((file_sink, Some(j)))
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
