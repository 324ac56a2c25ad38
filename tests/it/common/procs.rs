//! Processes a test keeps running while it acts: a [`Proc`] handle (SIGKILLed if the test ends
//! while it runs), its stderr watched line by line ([`Lines`]), several awaited at once with each
//! exit time taken when it happens ([`finish_all`]), and how each ended ([`Ended`]: exit status,
//! stdout, stderr, when). Waits are bounded by [`PROC_GUARD`], a guard against hangs only.

use super::cli::{bin, trawl, wait_output};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Guard against a hang of one process (never a measure of speed).
pub const PROC_GUARD: Duration = Duration::from_secs(90);

/// One trawl process of a test; SIGKILLed if the test ends (or fails) while it still runs.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    pub spawned: Instant,
}

/// How a process ended (its exit status, stdout and stderr).
pub struct Ended {
    pub name: String,
    pub out: Output,
    /// When the test saw it exit.
    pub at: Instant,
}

impl Ended {
    pub fn code(&self) -> Option<i32> {
        self.out.status.code()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    /// Fail unless it exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Ended {
        assert_eq!(
            self.code(),
            Some(code),
            "{} exited {:?}; stderr: {}",
            self.name,
            self.out.status,
            self.stderr()
        );
        self
    }

    /// Its stderr is exactly one line; returns it.
    pub fn one_line(&self) -> String {
        let err = self.stderr();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "{}: stderr must be one line, got {err:?}",
            self.name
        );
        lines[0].to_owned()
    }
}

impl Proc {
    /// Start `trawl -q ARGS` (`cli.rs`).
    pub fn spawn(name: &str, args: &[String]) -> Proc {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = trawl(&args).spawn().expect("spawn trawl");
        Proc {
            name: name.to_owned(),
            child: Some(child),
            spawned: Instant::now(),
        }
    }

    /// Start `trawl -v ARGS` (not quiet), its stderr read line by line as it comes.
    pub fn spawn_watched(name: &str, args: &[String]) -> (Proc, Lines) {
        let mut child = Command::new(bin())
            .arg("-v")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn trawl");
        let lines = Lines::default();
        let stderr = child.stderr.take().expect("stderr");
        let l = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                l.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let p = Proc {
            name: name.to_owned(),
            child: Some(child),
            spawned: Instant::now(),
        };
        (p, lines)
    }

    /// SIGKILL it and reap it.
    pub fn sigkill(&mut self) {
        let mut c = self.child.take().expect("running");
        c.kill().expect("SIGKILL");
        let _ = c.wait();
    }

    /// Wait for it (guarded).
    pub fn finish(mut self) -> Ended {
        let child = self.child.take().expect("running");
        let out = wait_output(child, PROC_GUARD);
        Ended {
            name: self.name.clone(),
            out,
            at: Instant::now(),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The stderr lines of a watched process so far.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    /// Every line so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn any(&self, needle: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|l| l.contains(needle))
    }
}

/// Wait for all of `procs` at once, each exit time taken when it happens (not when the test got
/// round to it); past `PROC_GUARD` every one still running is killed and the test fails.
pub fn finish_all(procs: Vec<Proc>) -> Vec<Ended> {
    let (tx, rx) = std::sync::mpsc::channel();
    let n = procs.len();
    let mut pids = Vec::new();
    for (i, mut p) in procs.into_iter().enumerate() {
        let child = p.child.take().expect("running");
        pids.push(child.id());
        let name = p.name.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            let out = child.wait_with_output();
            let _ = tx.send((i, name, out, Instant::now()));
        });
    }
    let mut exits: Vec<Option<Ended>> = (0..n).map(|_| None).collect();
    let deadline = Instant::now() + PROC_GUARD;
    for _ in 0..n {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, name, out, at)) => {
                exits[i] = Some(Ended {
                    name,
                    out: out.expect("wait"),
                    at,
                })
            }
            Err(_) => {
                for pid in &pids {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
                panic!("trawl processes did not finish within {PROC_GUARD:?}: a hang");
            }
        }
    }
    exits.into_iter().map(|e| e.expect("exit")).collect()
}

/// Run `trawl ARGS` without `-q` (for `export` and for tests that read stderr) to the end.
pub fn run_plain(args: &[&str]) -> Ended {
    let child = Command::new(bin())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trawl");
    Ended {
        name: format!("trawl {}", args.join(" ")),
        out: wait_output(child, PROC_GUARD),
        at: Instant::now(),
    }
}

/// Owned copies of `v`, for the options of a [`Proc`].
pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A path as an option value (UTF-8 in tests).
pub fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_owned()
}
