//! Running the built `trawl` binary from a test: the command with `-q` and the test's options,
//! and waiting for it with a guard against hangs (past it the process is killed and the test
//! fails).

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary as an `assert_cmd` command, with a 60 s guard against hangs.
pub fn assert_trawl() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("trawl").expect("binary");
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// The data rows of an output CSV, each checked to be whole (13 columns).
pub fn whole_records(path: &std::path::Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a complete row");
            assert_eq!(rec.len(), 13, "{rec:?}");
            rec
        })
        .collect()
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
