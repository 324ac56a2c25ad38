//! Waiting for a condition a test can observe (a request in the server's log, a file on disk, a
//! line on stderr): poll the condition itself, never sleep and hope. The time limit only guards
//! against hangs; past it the test fails naming what it waited for.

use std::time::{Duration, Instant};

/// How long [`wait_until`] polls before it fails the test: a guard against hangs only.
pub const WAIT_GUARD: Duration = Duration::from_secs(60);

/// Wait until `cond` holds, polling it every 2 ms; fail the test (naming `what`) if it does not
/// hold within [`WAIT_GUARD`].
pub fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT_GUARD, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}
