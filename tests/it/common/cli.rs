//! Running the built `trawl` binary from a test: the command with `-q` and the test's options,
//! waiting for it with a guard against hangs (past it the process is killed and the test fails),
//! its stderr as text, and signals sent to it. Processes a test keeps running while it acts
//! (killed, joined, watched line by line) are in `procs.rs`.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// How long [`run`] waits for the binary: a guard against hangs, never a measure of speed.
pub const RUN_GUARD: Duration = Duration::from_secs(120);

/// The binary as an `assert_cmd` command, with a 60 s guard against hangs.
pub fn assert_trawl() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("trawl").expect("binary");
    cmd.timeout(Duration::from_secs(60));
    cmd
}

pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("trawl")
}

/// The binary, quiet, with exactly the options a test gives.
pub fn trawl(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.arg("-q").args(args);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// Run `trawl -q ARGS` to its end (guarded by [`RUN_GUARD`]).
pub fn run(args: &[&str]) -> Output {
    wait_output(trawl(args).spawn().expect("spawn trawl"), RUN_GUARD)
}

/// Wait for the process; past `guard` (a guard against hangs only) kill it and fail the test.
pub fn wait_output(child: Child, guard: Duration) -> Output {
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(guard) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("trawl did not finish within {guard:?}: a hang");
        }
    }
}

/// A finished process's stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Send `signal` (as `kill` spells it: `-TERM`, `-INT`, `-KILL`) to a running process.
pub fn kill(child: &Child, signal: &str) {
    assert!(Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill")
        .success());
}
