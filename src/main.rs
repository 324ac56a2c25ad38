//! The `trawl` binary: parse arguments, call the library, map the outcome to an exit status.

use std::process::ExitCode;
use trawl::exit::Exit;

fn main() -> ExitCode {
    let cli = trawl::cli::parse();
    match trawl::app::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        // `trawl -o - SEEDS | head`: the reader has all it wanted. Not an error (the crawl stops
        // there, as a program killed by SIGPIPE would, but cleanly).
        Err(err) if reader_went_away(&err) => ExitCode::from(Exit::Ok.code()),
        Err(err) => {
            eprintln!("trawl: {}", one_line(&err));
            ExitCode::from(Exit::Fatal.code())
        }
    }
}

/// `err` and its causes on one line, as `{err:#}` writes them, except that a cause whose text
/// the line already ends with is not written again: the library's errors keep their typed
/// sources and also name them in their own message (`writing output.csv: No space left on
/// device`), which `{err:#}` would print twice.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Did the crawl end because a write found its reader gone (EPIPE on standard output, or on a
/// pipe given as an output path)? Decided by the `io::Error` in the error's source chain.
fn reader_went_away(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
