//! The command line: the room that owns clap. `args.rs` is what clap reads (its doc comments are
//! the `--help` text); [`parse`] reads the arguments once and [`Cli::into_config`]
//! (`into_config.rs`) checks them into a [`Config`](crate::config::Config) before any request.
//! What clap can also render lives here too: the man pages (`man.rs`, `trawl --man`) and the
//! shell completions (`completions.rs`, `trawl --completions`).
//!
//! The room's rule: nothing else in the library imports clap, clap_complete or clap_mangen (the
//! other rooms get a `Config`, or a subcommand's arguments as plain fields, never a parser; the
//! bench-only `src/bin/trawl-latency-server.rs` is a program of its own with its own options);
//! the room reads only the files its options name (seed lists, `--cookies`, `--ca-cert`) and
//! makes no request.

mod args;
mod completions;
mod into_config;
mod man;

pub use args::{Cli, Command, ExportArgs, ForgetArgs, FormatArg};
pub use into_config::{check_crawl_id, check_redis_url};

use clap::CommandFactory;
use std::io::Write;

/// The command line, parsed (clap's own errors and `--help` exit as usual). `trawl export`
/// takes only its own options (and the crawl's `-q`/`-v` before it): a crawl option given
/// with it is refused (exit 2) rather than silently ignored.
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    let mut command = Cli::command();
    let matches = command.get_matches_mut();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if cli.command.is_some() {
        if let Some(option) = crawl_option_given(&command, &matches) {
            command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "{option} is an option of a crawl; `trawl export` does not take it (see trawl export --help)"
                    ),
                )
                .exit();
        }
    }
    cli
}

/// The first crawl option (or seed) given on the command line, as the user wrote its name.
fn crawl_option_given(command: &clap::Command, matches: &clap::ArgMatches) -> Option<String> {
    command
        .get_arguments()
        .filter(|a| !matches!(a.get_id().as_str(), "quiet" | "verbose"))
        .find(|a| {
            matches!(
                matches.value_source(a.get_id().as_str()),
                Some(clap::parser::ValueSource::CommandLine)
            )
        })
        .map(|a| match (a.get_long(), a.get_short()) {
            (Some(long), _) => format!("--{long}"),
            (None, Some(short)) => format!("-{short}"),
            (None, None) => a.get_id().to_string(),
        })
}

/// `trawl --man [PAGE]`: write the man page `page` (roff) to `w`.
pub fn write_man_page(page: man::Page, w: &mut dyn Write) -> std::io::Result<()> {
    man::write(Cli::command(), page, w)
}

/// `trawl --completions SHELL`: write the completion script of `shell` to `out`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    completions::write(shell, Cli::command(), out);
}
