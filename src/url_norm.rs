//! URL identity. The URL trawl requests and writes is the WHATWG serialization (what the `url`
//! crate produces) with the fragment removed, nothing else rewritten. The dedup key is a
//! fingerprint of a canonical form of it: query parameters sorted and tracking parameters
//! dropped, so the same article reached through two tagged links is fetched once. This module
//! never touches the network and never decides scope.

use std::hash::{Hash, Hasher};
use url::Url;

/// A fixed-size fingerprint of a URL's canonical form: the dedup set stores these, not strings.
pub type UrlKey = u64;

/// Query parameters that only track where a click came from; they never change the page.
pub const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
];

/// Is `name` (the raw, undecoded parameter name) a tracking parameter?
pub fn is_tracking_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// Parse an absolute http(s) URL and drop its fragment. `None` for anything else.
pub fn parse_http(text: &str) -> Option<Url> {
    let mut url = Url::parse(text.trim()).ok()?;
    if !is_http(&url) || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// Is the URL's scheme http or https?
pub fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// The canonical form used for deduplication: the URL without fragment, with its query
/// parameters sorted (stable, by name then value, on the raw text) and tracking parameters removed.
pub fn canonical(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(&url[..url::Position::AfterPath]);
    if let Some(query) = url.query() {
        let mut pairs: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| !is_tracking_param(p.split('=').next().unwrap_or(p)))
            .collect();
        if !pairs.is_empty() {
            pairs.sort_unstable_by(|a, b| {
                let (ak, av) = a.split_once('=').unwrap_or((a, ""));
                let (bk, bv) = b.split_once('=').unwrap_or((b, ""));
                ak.cmp(bk).then(av.cmp(bv))
            });
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
    }
    out
}

/// The dedup fingerprint of a URL (64 bits of a keyed-zero SipHash of the canonical form;
/// stable within and across runs of the same build).
pub fn key(url: &Url) -> UrlKey {
    match url.query() {
        // Without a query the canonical form is the URL up to its path: no allocation.
        None => key_of_canonical(&url[..url::Position::AfterPath]),
        Some(_) => key_of_canonical(&canonical(url)),
    }
}

/// A hasher for sets keyed by [`UrlKey`]s, which are already uniformly distributed hashes: it
/// passes the key through instead of hashing it again.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed with this; fold anything else in byte by byte.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// `BuildHasher` for [`KeyHasher`].
pub type BuildKeyHasher = std::hash::BuildHasherDefault<KeyHasher>;

/// The fingerprint of an already canonical string.
pub fn key_of_canonical(canonical: &str) -> UrlKey {
    #[allow(
        deprecated,
        reason = "SipHasher with zero keys is stable across runs, unlike RandomState"
    )]
    let mut h = std::hash::SipHasher::new();
    canonical.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        parse_http(s).expect("test URL")
    }

    #[test]
    fn fragment_is_dropped_and_nothing_else_rewritten() {
        assert_eq!(
            u("HTTP://Example.COM:80/a/../b?x=1&a=2#frag").as_str(),
            "http://example.com/b?x=1&a=2"
        );
    }

    #[test]
    fn non_http_schemes_are_refused() {
        for s in [
            "mailto:a@b.c",
            "javascript:void(0)",
            "ftp://x.org/",
            "data:text/html,hi",
            "not a url",
        ] {
            assert!(parse_http(s).is_none(), "{s}");
        }
    }

    #[test]
    fn canonical_sorts_query_and_drops_tracking() {
        assert_eq!(
            canonical(&u(
                "https://n.ru/a?utm_source=x&b=2&a=1&fbclid=z&UTM_medium=q&gclid=1"
            )),
            "https://n.ru/a?a=1&b=2"
        );
        assert_eq!(
            canonical(&u("https://n.ru/a?utm_source=x")),
            "https://n.ru/a"
        );
        assert_eq!(
            key(&u("https://n.ru/a?b=2&a=1")),
            key(&u("https://n.ru/a?a=1&b=2&utm_campaign=c"))
        );
        assert_ne!(key(&u("https://n.ru/a?a=1")), key(&u("https://n.ru/a?a=2")));
        assert_ne!(key(&u("http://n.ru/a")), key(&u("https://n.ru/a")));
    }

    #[test]
    fn the_fast_key_equals_the_key_of_the_canonical_form() {
        for s in [
            "https://n.ru/a/b",
            "https://n.ru/",
            "http://x.test:8080/p?q=1&a=2",
            "https://n.ru/a?",
        ] {
            let url = u(s);
            assert_eq!(key(&url), key_of_canonical(&canonical(&url)), "{s}");
        }
    }

    #[test]
    fn empty_query_pieces_are_ignored() {
        assert_eq!(canonical(&u("https://n.ru/a?&&b=1&")), "https://n.ru/a?b=1");
    }
}
