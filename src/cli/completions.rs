//! The shell completion scripts (`trawl --completions SHELL`), rendered by clap_complete from the
//! same clap definition as `--help`, so a new option completes without a line written here.

use std::io::Write;

/// Write the completion script of `shell` for the `trawl` command `cmd` (`Cli::command()`) to
/// `out`.
pub(super) fn write(shell: clap_complete::Shell, mut cmd: clap::Command, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut cmd, "trawl", out);
}
