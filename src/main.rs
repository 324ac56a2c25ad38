//! The `trawl` binary: parse arguments, call the library, map the outcome to an exit status.

use clap::Parser;
use std::process::ExitCode;
use trawl::exit::Exit;

fn main() -> ExitCode {
    let cli = trawl::cli::Cli::parse();
    match trawl::app::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            eprintln!("trawl: {err:#}");
            ExitCode::from(Exit::Fatal.code())
        }
    }
}
