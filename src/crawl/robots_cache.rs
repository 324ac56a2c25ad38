//! The robots.txt of every origin met in a crawl, fetched once each and shared by the workers
//! (redirect hops are checked against it too). Whoever needs an origin's rules first fetches them;
//! anyone else who needs them meanwhile waits for that one fetch, so robots.txt is requested once
//! per origin and before anything else there. It never decides scheduling; the coordinator does.

use crate::fetch::Fetcher;
use crate::robots::{self, RobotsRules};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use url::Url;

/// At most this much of a robots.txt is read (RFC 9309 asks for at least 500 KiB).
pub const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

type Slot = Arc<OnceLock<Arc<RobotsRules>>>;

/// Per-origin robots.txt rules, fetched on first use.
pub struct RobotsCache {
    enabled: bool,
    user_agent: String,
    slots: Mutex<HashMap<String, Slot>>,
}

impl RobotsCache {
    /// `enabled == false` (`--ignore-robots`) allows everything and fetches nothing.
    pub fn new(enabled: bool, user_agent: &str) -> RobotsCache {
        RobotsCache {
            enabled,
            user_agent: user_agent.to_owned(),
            slots: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn slot(&self, origin: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(origin.to_owned()).or_default().clone()
    }

    /// The rules for `url`'s origin, fetching robots.txt if nobody has yet (blocking).
    pub fn rules(&self, url: &Url, fetcher: &Fetcher) -> Arc<RobotsRules> {
        if !self.enabled {
            return Arc::new(RobotsRules::allow_all());
        }
        let slot = self.slot(&robots::origin_key(url));
        slot.get_or_init(|| {
            let robots_url = robots::robots_url(url);
            let fetched = fetcher.fetch_resource(&robots_url, ROBOTS_MAX_BYTES);
            tracing::debug!(url = %robots_url, status = ?fetched.status, "robots.txt");
            let body = fetched.body.unwrap_or_default();
            // A response cut short is still a response: parse what arrived.
            let status =
                match fetched.error {
                    Some(
                        crate::error::ErrorClass::Timeout | crate::error::ErrorClass::Truncated,
                    ) if fetched.status.is_some_and(|s| s < 300) => fetched.status,
                    Some(e) if fetched.status.is_none() => {
                        tracing::debug!(error = %e, "robots.txt unreachable");
                        None
                    }
                    _ => fetched.status,
                };
            Arc::new(RobotsRules::from_response_at(
                &fetched.final_url,
                status,
                &body,
                &self.user_agent,
            ))
        })
        .clone()
    }

    /// Is `url` allowed (fetching its origin's robots.txt if needed)?
    pub fn allowed(&self, url: &Url, fetcher: &Fetcher) -> bool {
        !self.enabled || self.rules(url, fetcher).allowed(url)
    }
}
