//! Which discovered links a crawl follows (`--scope`). Built once from the seeds and then only
//! read (shared by the workers). It decides nothing about robots, depth or duplicates.

use std::collections::HashSet;
use url::{Host, Url};

/// The `--scope` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScopeKind {
    /// The seed's own host name (any scheme or port, so an http to https redirect stays in scope).
    #[default]
    Host,
    /// The seed's registrable domain (public suffix list): `www.bbc.co.uk` covers `news.bbc.co.uk`.
    Domain,
    /// Every http(s) URL.
    Any,
}

/// The scope of a crawl: the seeds' hosts or registrable domains.
#[derive(Debug, Clone)]
pub struct Scope {
    kind: ScopeKind,
    names: HashSet<String>,
}

impl Scope {
    /// The scope that covers every one of `seeds`.
    pub fn new<'a>(kind: ScopeKind, seeds: impl IntoIterator<Item = &'a Url>) -> Scope {
        let names = seeds
            .into_iter()
            .filter_map(|u| match kind {
                ScopeKind::Host => u.host_str().map(str::to_owned),
                ScopeKind::Domain => registrable_domain(u),
                ScopeKind::Any => None,
            })
            .collect();
        Scope { kind, names }
    }

    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// Is `url` inside the scope?
    pub fn contains(&self, url: &Url) -> bool {
        match self.kind {
            ScopeKind::Any => true,
            ScopeKind::Host => url.host_str().is_some_and(|h| self.names.contains(h)),
            ScopeKind::Domain => {
                registrable_domain_str(url).is_some_and(|d| self.names.contains(d))
            }
        }
    }
}

/// The registrable domain (eTLD+1) of a URL's host; an IP address or a name without a known
/// public suffix (such as `localhost`) is its own domain.
pub fn registrable_domain(url: &Url) -> Option<String> {
    registrable_domain_str(url).map(str::to_owned)
}

/// [`registrable_domain`] borrowed from the URL (every link of a `--scope domain` crawl is
/// checked: no allocation per link).
fn registrable_domain_str(url: &Url) -> Option<&str> {
    match url.host()? {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            Some(psl::domain_str(name).unwrap_or(name))
        }
        Host::Ipv4(_) | Host::Ipv6(_) => url.host_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn host_scope_ignores_scheme_and_port() {
        let s = Scope::new(ScopeKind::Host, [&u("http://www.lenta.ru/")]);
        assert!(s.contains(&u("https://www.lenta.ru:8443/news/1")));
        assert!(!s.contains(&u("https://m.lenta.ru/")));
        assert!(!s.contains(&u("https://fontanka.ru/")));
    }

    #[test]
    fn domain_scope_uses_public_suffixes() {
        let s = Scope::new(ScopeKind::Domain, [&u("https://www.bbc.co.uk/news")]);
        assert!(s.contains(&u("https://news.bbc.co.uk/x")));
        assert!(!s.contains(&u("https://other.co.uk/")));
        let ip = Scope::new(ScopeKind::Domain, [&u("http://127.0.0.1:8080/")]);
        assert!(ip.contains(&u("http://127.0.0.1:9/")));
        assert!(!ip.contains(&u("http://127.0.0.2/")));
    }

    #[test]
    fn any_scope_takes_everything() {
        let s = Scope::new(ScopeKind::Any, [&u("https://a.org/")]);
        assert!(s.contains(&u("https://b.org/")));
    }
}
