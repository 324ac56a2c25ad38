//! The run's output files: every path checked before anything is joined, opened or requested;
//! the files made (or, for a resumed crawl, reopened with the rows its earlier runs wrote) before
//! any request, a name in use refused or numbered, and the names chosen written back into the
//! configuration for the state and the report.

use super::step::{usage, Step};
use crate::config::{Config, OutputTarget};
use crate::output::FileSink;
use crate::state::{Resume, StateStore};
use anyhow::Context;

/// The outputs of a crawl, with the option that names each.
pub(super) fn outputs(config: &Config) -> Vec<(&'static str, &OutputTarget)> {
    let mut v = vec![("-o", &config.output)];
    if let Some(t) = &config.links_output {
        v.push(("--links-output", t));
    }
    if let Some(t) = &config.summary_json {
        v.push(("--summary-json", t));
    }
    v
}

/// Every output path (and `--state`) checked before anything is joined, opened or requested.
pub(super) fn check(config: &Config) -> Step<()> {
    crate::output::paths::check(&outputs(config), config.state.as_deref()).map_err(|e| usage(&e))
}

/// The output files, made (or, for a resume, reopened) before any request, and the number of
/// rows the file holds from the earlier runs of a resumed crawl. `config.output` and
/// `config.links_output` become the files' names (a `{date}` name numbered when taken).
pub(super) fn open(
    config: &mut Config,
    store: Option<&StateStore>,
    resume: &Option<Resume>,
) -> Step<(FileSink, u64)> {
    let mut earlier_rows = 0u64;
    let file_sink = match resume {
        Some(_) => {
            let rows = match store {
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
    let file_sink = file_sink.map_err(|e| usage(&e))?;
    if let Some(p) = file_sink.rows_path() {
        config.output = OutputTarget::File(p.to_owned());
    }
    if let Some(p) = file_sink.links_path() {
        config.links_output = Some(OutputTarget::File(p.to_owned()));
    }
    Ok((file_sink, earlier_rows))
}

/// An output as the user reads its name: the path, or "standard output".
pub(super) fn shown(target: &OutputTarget) -> String {
    match target.path() {
        Some(p) => p.display().to_string(),
        None => "standard output".into(),
    }
}
