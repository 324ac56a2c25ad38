//! Which discovered links a crawl follows (`--scope`). Built once from the seeds and shared by the
//! workers; it only grows, and only by [`Scope::widen`]: a seed that redirects to another host
//! brings that host in (`bbc.com` -> `www.bbc.com`). It decides nothing about robots, depth or
//! duplicates.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;
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

/// The scope of a crawl: the seeds' hosts or registrable domains, and those that seeds
/// redirected to.
#[derive(Debug)]
pub struct Scope {
    kind: ScopeKind,
    names: HashSet<String>,
    /// Names added by [`Scope::widen`] (rarely written: once per redirecting seed).
    added: RwLock<HashSet<String>>,
    /// Set once `added` holds something: until then a link out of the seeds' names costs no lock.
    widened: AtomicBool,
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
        Scope {
            kind,
            names,
            added: RwLock::new(HashSet::new()),
            widened: AtomicBool::new(false),
        }
    }

    /// The name `url` is judged by: its host, or its registrable domain (`None` under `any`).
    fn name_of(&self, url: &Url) -> Option<String> {
        match self.kind {
            ScopeKind::Host => url.host_str().map(str::to_owned),
            ScopeKind::Domain => registrable_domain(url),
            ScopeKind::Any => None,
        }
    }

    /// Bring `url`'s host (or registrable domain) into the scope. Returns true when it was not
    /// in it before.
    pub fn widen(&self, url: &Url) -> bool {
        if self.contains(url) {
            return false;
        }
        let Some(name) = self.name_of(url) else {
            return false;
        };
        let mut added = self.added.write().unwrap_or_else(|e| e.into_inner());
        let new = added.insert(name);
        self.widened.store(true, Ordering::SeqCst);
        new
    }

    /// The names added by [`Scope::widen`], sorted.
    pub fn added(&self) -> Vec<String> {
        let added = self.added.read().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<String> = added.iter().cloned().collect();
        v.sort();
        v
    }

    fn added_contains(&self, name: Option<&str>) -> bool {
        if !self.widened.load(Ordering::SeqCst) {
            return false;
        }
        let Some(name) = name else {
            return false;
        };
        let added = self.added.read().unwrap_or_else(|e| e.into_inner());
        added.contains(name)
    }

    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// Is `url` inside the scope?
    pub fn contains(&self, url: &Url) -> bool {
        match self.kind {
            ScopeKind::Any => true,
            ScopeKind::Host => {
                let host = url.host_str();
                host.is_some_and(|h| self.names.contains(h)) || self.added_contains(host)
            }
            ScopeKind::Domain => {
                let domain = registrable_domain_str(url);
                domain.is_some_and(|d| self.names.contains(d)) || self.added_contains(domain)
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
    fn widening_adds_the_host_or_the_domain() {
        let s = Scope::new(ScopeKind::Host, [&u("http://bbc.com/")]);
        assert!(!s.contains(&u("https://www.bbc.com/news")));
        assert!(s.widen(&u("https://www.bbc.com/")));
        assert!(!s.widen(&u("https://www.bbc.com/other")), "already in");
        assert!(s.contains(&u("https://www.bbc.com/news")));
        assert!(!s.contains(&u("https://m.bbc.com/")));
        assert_eq!(s.added(), vec!["www.bbc.com".to_owned()]);
        let d = Scope::new(ScopeKind::Domain, [&u("http://cnn.com/")]);
        assert!(!d.widen(&u("https://edition.cnn.com/")), "same domain");
        assert!(d.widen(&u("https://www.cnn.co.uk/")));
        assert!(d.contains(&u("https://sport.cnn.co.uk/")));
        let any = Scope::new(ScopeKind::Any, [&u("http://a.org/")]);
        assert!(!any.widen(&u("http://b.org/")));
    }

    #[test]
    fn any_scope_takes_everything() {
        let s = Scope::new(ScopeKind::Any, [&u("https://a.org/")]);
        assert!(s.contains(&u("https://b.org/")));
    }
}
