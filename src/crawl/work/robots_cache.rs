//! The robots.txt of every origin met in a crawl, fetched once each (by the robots job the
//! scheduler sends before anything else of that origin) and shared by the workers, which check
//! redirect hops against the rules already known. A worker never fetches another origin's
//! robots.txt on its own: a hop to an origin whose rules are not known yet goes back to the
//! scheduler. A robots.txt that fails transiently (a timeout, a refused or broken connection, 429
//! or 5xx) is fetched again later like a page (`--retries`, the scheduler waits) before the origin
//! is declared unreachable. A robots.txt that makes the parser panic is treated like an
//! unreachable one (the origin is disallowed, rows say `robots_unreachable`). It never decides
//! scheduling.

use crate::download::{Fetched, Fetcher, HopCheck};
use crate::record::origin_key;
use crate::robots::{self, RobotsRules, MAX_ROBOTS_BYTES};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use url::Url;

/// What a robots.txt job learned.
#[derive(Debug)]
pub enum RobotsAnswer {
    /// The origin's rules; `cause` says why robots.txt was unreachable when it was
    /// (`DNS lookup failed`, `answered 503`).
    Known {
        rules: Arc<RobotsRules>,
        cause: Option<String>,
    },
    /// It failed in a way that may pass: ask again after `wait` (nothing is known yet).
    Retry {
        wait: Duration,
        status: Option<u16>,
        cause: String,
    },
}

type Slot = Arc<OnceLock<Arc<RobotsRules>>>;

/// Per-origin robots.txt rules, fetched on first use.
pub struct RobotsCache {
    enabled: bool,
    user_agent: String,
    slots: Mutex<HashMap<String, Slot>>,
    /// Keep each response in its rules (a shared crawl stores it for the other processes).
    keep_sources: bool,
}

impl RobotsCache {
    /// `enabled == false` (`--ignore-robots`) allows everything and fetches nothing.
    pub fn new(enabled: bool, user_agent: &str) -> RobotsCache {
        RobotsCache {
            enabled,
            user_agent: user_agent.to_owned(),
            slots: Mutex::new(HashMap::new()),
            keep_sources: false,
        }
    }

    /// Keep the responses the rules are made from ([`RobotsRules::source`]).
    pub fn keeping_sources(mut self) -> RobotsCache {
        self.keep_sources = true;
        self
    }

    /// The User-Agent the rules are matched for.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Rules of `origin` learned elsewhere (another process of a shared crawl fetched them);
    /// rules already known are kept.
    pub fn insert(&self, origin: &str, rules: Arc<RobotsRules>) {
        let _ = self.slot(origin).set(rules);
    }

    fn slot(&self, origin: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(origin.to_owned()).or_default().clone()
    }

    /// The rules for `url`'s origin, fetching robots.txt if nobody has yet (blocking); `hop`
    /// decides its redirects. `retry` says whether a failed fetch is tried again later (and
    /// after how long): then nothing is learned yet and the answer says so; otherwise the rules
    /// are known from now on (disallowing everything when robots.txt was unreachable).
    pub fn fetch(
        &self,
        url: &Url,
        fetcher: &Fetcher,
        hop: HopCheck<'_>,
        retry: &dyn Fn(&Fetched) -> Option<Duration>,
    ) -> RobotsAnswer {
        if !self.enabled {
            return RobotsAnswer::Known {
                rules: Arc::new(RobotsRules::allow_all()),
                cause: None,
            };
        }
        let slot = self.slot(&origin_key(url));
        if let Some(rules) = slot.get() {
            return RobotsAnswer::Known {
                rules: rules.clone(),
                cause: None,
            };
        }
        let robots_url = robots::robots_url(url);
        let fetched = fetcher.fetch_resource_with(&robots_url, MAX_ROBOTS_BYTES as u64, hop);
        let cause = crate::download::failure::of_fetch(
            fetched.status,
            fetched.error,
            fetched.cause.as_deref(),
        );
        tracing::debug!(url = %robots_url, status = ?fetched.status, "robots.txt");
        if let Some(wait) = retry(&fetched) {
            tracing::info!(url = %robots_url, %cause, ?wait, "robots.txt failed: tried again later");
            return RobotsAnswer::Retry {
                wait,
                status: fetched.status,
                cause,
            };
        }
        let body = fetched.body.unwrap_or_default();
        // A response cut short is still a response: parse what arrived.
        let status = match fetched.error {
            Some(crate::error::ErrorClass::Timeout | crate::error::ErrorClass::Truncated)
                if fetched.status.is_some_and(|s| s < 300) =>
            {
                fetched.status
            }
            Some(e) if fetched.status.is_none() => {
                tracing::debug!(error = %e, "robots.txt unreachable");
                None
            }
            _ => fetched.status,
        };
        let parsed = guarded(|| {
            if self.keep_sources {
                let source = robots::RobotsSource {
                    url: fetched.final_url.clone(),
                    status,
                    body,
                };
                return RobotsRules::from_source(source, &self.user_agent);
            }
            RobotsRules::from_response_at(&fetched.final_url, status, &body, &self.user_agent)
        });
        let rules = slot.get_or_init(|| Arc::new(parsed)).clone();
        let cause = rules.unreachable().then_some(cause);
        RobotsAnswer::Known { rules, cause }
    }

    /// The rules of `url`'s origin if they are known (always, when robots.txt is ignored);
    /// `None` while its robots.txt has not been fetched. Never fetches.
    pub fn known(&self, url: &Url) -> Option<Arc<RobotsRules>> {
        if !self.enabled {
            return Some(Arc::new(RobotsRules::allow_all()));
        }
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.get(&origin_key(url))?.get().cloned()
    }
}

/// Parse with `parse`; a panic inside it gives the rules of an unreachable robots.txt (the whole
/// origin disallowed), never the rules of an absent one.
pub fn guarded(parse: impl FnOnce() -> RobotsRules) -> RobotsRules {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(|_| {
        tracing::warn!("robots.txt parser panicked: the origin is treated as unreachable");
        RobotsRules::unreachable_rules()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parser_panic_disallows_the_origin_as_unreachable() {
        let url = Url::parse("http://a.test/page").expect("url");
        let rules = guarded(|| panic!("parser bug"));
        assert!(rules.unreachable());
        assert!(!rules.allowed(&url));
        let fine = guarded(|| RobotsRules::from_response(Some(200), b"User-agent: *\n", "t"));
        assert!(!fine.unreachable() && fine.allowed(&url));
    }

    #[test]
    fn known_never_fetches() {
        let cache = RobotsCache::new(true, "trawl");
        let url = Url::parse("http://a.test/page").expect("url");
        assert!(cache.known(&url).is_none());
        let off = RobotsCache::new(false, "trawl");
        assert!(off.known(&url).is_some_and(|r| r.allowed(&url)));
    }
}
