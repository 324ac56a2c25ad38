//! When a failed request is worth another try, and how long to wait first: the one rule for
//! pages and robots.txt alike (timeouts, connection failures, resets, 429 and 5xx answers, up to
//! `--retries` more times, after the server's accepted `Retry-After` or an exponential backoff).
//! Pure functions: the scheduler owns the waiting, nothing here sleeps.

use crate::error::ErrorClass;
use std::time::Duration;

/// The settings the decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct RetryRules {
    /// `--retries`: a URL is requested at most `1 + retries` times.
    pub retries: u32,
    /// `--max-retry-after`: a longer `Retry-After` ends the retries.
    pub max_retry_after: Duration,
}

/// Did the request fail in a way that may pass (a timeout, a refused or broken connection, a
/// 429 or 5xx answer)?
pub fn transient(error: Option<ErrorClass>, status: Option<u16>) -> bool {
    matches!(
        error,
        Some(ErrorClass::Timeout | ErrorClass::Connect | ErrorClass::Truncated)
    ) || status.is_some_and(|s| s == 429 || s >= 500)
}

/// If attempt `attempt` (0 = the first request) failed in a way worth another try, how long to
/// wait before the next one.
pub fn wait(
    rules: RetryRules,
    attempt: u32,
    error: Option<ErrorClass>,
    status: Option<u16>,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    if attempt >= rules.retries || !transient(error, status) {
        return None;
    }
    if let Some(after) = retry_after {
        // A longer wait than we accept ends the retries for this URL.
        return (after <= rules.max_retry_after).then_some(after);
    }
    Some(backoff(attempt))
}

/// Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, … (±50%), at most 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1 << attempt.min(6));
    base.mul_f64(0.5 + fastrand::f64())
        .min(Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: RetryRules = RetryRules {
        retries: 2,
        max_retry_after: Duration::from_secs(10),
    };

    #[test]
    fn transient_failures_are_retried_up_to_the_limit() {
        assert!(wait(RULES, 0, None, Some(503), None).is_some());
        assert!(wait(RULES, 1, Some(ErrorClass::Connect), None, None).is_some());
        assert_eq!(wait(RULES, 2, None, Some(503), None), None, "the last try");
        assert_eq!(wait(RULES, 0, Some(ErrorClass::Dns), None, None), None);
        assert_eq!(wait(RULES, 0, None, Some(404), None), None);
        let after = Some(Duration::from_secs(3));
        assert_eq!(wait(RULES, 0, None, Some(429), after), after);
        let long = Some(Duration::from_secs(11));
        assert_eq!(wait(RULES, 0, None, Some(429), long), None);
    }
}
