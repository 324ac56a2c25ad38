//! Which discovered links a crawl follows, beyond scope: crawler traps (over-long URLs, a path
//! segment repeated more than three times), `--include` / `--exclude` patterns, and addresses of
//! the crawler's own network (loopback, private, link-local, multicast) under `--scope any`.
//! Built once, shared read-only by the workers; it never does I/O.

use crate::download::is_private_ip;
use crate::scope::{Scope, ScopeKind};
use regex::Regex;
use std::net::IpAddr;
use url::{Host, Url};

/// URLs longer than this are never followed (a crawler trap or garbage).
pub const MAX_URL_LEN: usize = 2048;
/// A path segment repeated more than this many times marks a trap (`/a/b/a/b/a/b/a/...`).
pub const MAX_SEGMENT_REPEATS: usize = 3;

/// The follow decision for discovered links.
#[derive(Debug)]
pub struct LinkFilter {
    scope: Scope,
    include: Vec<Regex>,
    exclude: Vec<Regex>,
    block_private: bool,
}

impl LinkFilter {
    /// `allow_private` lifts the private-address rule; it is also lifted when any seed is itself
    /// such an address (a crawl of an intranet or of a test server).
    pub fn new(
        scope: Scope,
        include: Vec<Regex>,
        exclude: Vec<Regex>,
        allow_private: bool,
        seeds: &[Url],
    ) -> LinkFilter {
        let seed_private = seeds.iter().any(is_private_host);
        LinkFilter {
            block_private: scope.kind() == ScopeKind::Any && !allow_private && !seed_private,
            scope,
            include,
            exclude,
        }
    }

    /// Are links to the crawler's own network refused (`--scope any` without `--allow-private`,
    /// and no seed in such a network)?
    pub fn blocks_private(&self) -> bool {
        self.block_private
    }

    /// Is this URL in scope (the test for redirect hops)?
    pub fn in_scope(&self, url: &Url) -> bool {
        self.scope.contains(url) && !(self.block_private && is_private_host(url))
    }

    /// May a seed's redirect chain pass through (and end on) `url` although it is out of scope?
    /// Any http(s) URL but one of the crawler's own network that the scope refuses.
    pub fn seed_may_reach(&self, url: &Url) -> bool {
        !(self.block_private && is_private_host(url))
    }

    /// Bring `url`'s host (or domain) into the scope (see [`Scope::widen`]); true if it was not
    /// in it before. Links judged before this are judged again (the caller clears the memo).
    pub fn widen(&self, url: &Url) -> bool {
        self.seed_may_reach(url) && self.scope.widen(url)
    }

    /// The hosts (or domains) seeds brought into the scope.
    pub fn widened(&self) -> Vec<String> {
        self.scope.added()
    }

    /// Should a link found on a page be followed?
    pub fn follow(&self, url: &Url) -> bool {
        let text = url.as_str();
        text.len() <= MAX_URL_LEN
            && self.in_scope(url)
            && !repeats_a_segment(url)
            && (self.include.is_empty() || self.include.iter().any(|r| r.is_match(text)))
            && !self.exclude.iter().any(|r| r.is_match(text))
    }
}

/// Does some path segment occur more than [`MAX_SEGMENT_REPEATS`] times?
pub fn repeats_a_segment(url: &Url) -> bool {
    let Some(segments) = url.path_segments() else {
        return false;
    };
    // Every followed link is checked: count earlier copies in a small array (paths are short)
    // instead of collecting and sorting the segments.
    let mut earlier: [&str; 32] = [""; 32];
    for (n, segment) in segments.filter(|s| !s.is_empty()).enumerate() {
        if earlier[..n].iter().filter(|&&e| e == segment).count() >= MAX_SEGMENT_REPEATS {
            return true;
        }
        let Some(slot) = earlier.get_mut(n) else {
            return repeats_a_segment_long(url);
        };
        *slot = segment;
    }
    false
}

/// [`repeats_a_segment`] for paths of more than 32 segments.
fn repeats_a_segment_long(url: &Url) -> bool {
    let Some(segments) = url.path_segments() else {
        return false;
    };
    let mut sorted: Vec<&str> = segments.filter(|s| !s.is_empty()).collect();
    sorted.sort_unstable();
    sorted
        .chunk_by(|a, b| a == b)
        .any(|run| run.len() > MAX_SEGMENT_REPEATS)
}

/// Is the URL's host a loopback, private, link-local, unspecified or multicast address, or a
/// name for this machine (`localhost`)?
pub fn is_private_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn filter(kind: ScopeKind, seeds: &[&str], allow_private: bool) -> LinkFilter {
        let seeds: Vec<Url> = seeds.iter().map(|s| u(s)).collect();
        LinkFilter::new(
            Scope::new(kind, &seeds),
            vec![],
            vec![],
            allow_private,
            &seeds,
        )
    }

    #[test]
    fn traps_are_not_followed() {
        let f = filter(ScopeKind::Any, &["https://news.test/"], false);
        assert!(f.follow(&u("https://news.test/a/b/a/b/a/b")));
        assert!(!f.follow(&u("https://news.test/a/b/a/b/a/b/a/b")));
        // Long paths take the sorting path; both count the same.
        let long: String = (0..40).map(|i| format!("/s{i}")).collect();
        assert!(f.follow(&u(&format!("https://news.test{long}"))));
        let long_repeating = format!("https://news.test{long}/x/y/x/z/x/w/x");
        assert!(!f.follow(&u(&long_repeating)));
        assert!(repeats_a_segment(&u("https://news.test/x/x/x/x")));
        assert!(!repeats_a_segment(&u("https://news.test/x/x/x//y")));
        assert!(repeats_a_segment(&u("https://news.test/a/x/b/x/c/x/d/x/")));
        assert!(!f.follow(&u(&format!(
            "https://news.test/{}",
            "x".repeat(MAX_URL_LEN)
        ))));
        assert!(f.follow(&u("https://news.test/2026/11/22/story")));
    }

    #[test]
    fn private_addresses_are_not_followed_under_scope_any() {
        let f = filter(ScopeKind::Any, &["https://news.test/"], false);
        for bad in [
            "http://127.0.0.1/",
            "http://10.1.2.3/",
            "http://192.168.0.1/admin",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://224.0.0.1/",
            "http://localhost:8080/",
            "http://0.0.0.0/",
        ] {
            assert!(!f.follow(&u(bad)), "{bad}");
        }
        assert!(f.follow(&u("http://93.184.216.34/")));
        assert!(
            filter(ScopeKind::Any, &["https://news.test/"], true).follow(&u("http://10.0.0.1/"))
        );
        assert!(filter(ScopeKind::Any, &["http://127.0.0.1:8080/"], false)
            .follow(&u("http://10.0.0.1/")));
    }

    #[test]
    fn include_and_exclude_patterns() {
        let seeds = [u("https://n.test/")];
        let f = LinkFilter::new(
            Scope::new(ScopeKind::Host, &seeds),
            vec![Regex::new("/news/").expect("re")],
            vec![Regex::new(r"\.pdf$").expect("re")],
            false,
            &seeds,
        );
        assert!(f.follow(&u("https://n.test/news/1")));
        assert!(!f.follow(&u("https://n.test/sport/1")));
        assert!(!f.follow(&u("https://n.test/news/1.pdf")));
        assert!(!f.follow(&u("https://other.test/news/1")));
    }
}
