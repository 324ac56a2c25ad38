//! The `trawl` binary: parse arguments, call the library, map the outcome to an exit status.

use clap::Parser;
use std::process::ExitCode;
use trawl::exit::Exit;

fn main() -> ExitCode {
    let cli = trawl::cli::Cli::parse();
    match trawl::app::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        // `trawl -o - SEEDS | head`: the reader has all it wanted. Not an error (the crawl stops
        // there, as a program killed by SIGPIPE would, but cleanly).
        Err(err) if reader_went_away(&err) => ExitCode::from(Exit::Ok.code()),
        Err(err) => {
            eprintln!("trawl: {err:#}");
            ExitCode::from(Exit::Fatal.code())
        }
    }
}

/// Did the crawl end because a write found its reader gone (EPIPE on standard output, or on a
/// pipe given as an output path)? Decided by the `io::Error` in the error's source chain.
fn reader_went_away(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
