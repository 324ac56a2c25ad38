//! URL identity. The URL trawl requests and writes is the WHATWG serialization (what the `url`
//! crate produces) with the fragment removed, nothing else rewritten. The dedup key is a
//! fingerprint of a canonical form of it: query parameters sorted and tracking parameters
//! dropped, so the same article reached through two tagged links is fetched once. This module
//! never touches the network and never decides scope.

use std::hash::Hasher;
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

/// The http(s) URL that `text` names, without its fragment: the one rule for every href, seed,
/// sitemap `<loc>`, feed link and robots.txt `Sitemap:` value. ASCII whitespace around `text` is
/// trimmed (as browsers trim an href); it is resolved against `base` when there is one (so empty
/// text is the base itself, as `href=""` names its page) and must be absolute otherwise. `None`
/// for anything that is not http(s) with a host (`mailto:`, `javascript:`, `data:`, relative text
/// without a base). Callers for which empty text names nothing check that first.
pub fn http_url(base: Option<&Url>, text: &str) -> Option<Url> {
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut url = match base {
        Some(base) => base.join(text).ok()?,
        None => Url::parse(text).ok()?,
    };
    if !is_http(&url) || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// The URL an element's text or attribute names, by the one rule ([`http_url`]), with
/// the whitespace XML and text formats allow around it trimmed; empty text names no URL here (an
/// empty `<loc>`, `<link>` or robots.txt `Sitemap:` is not the document itself, as an empty
/// `href` is).
pub(crate) fn named_url(base: Option<&Url>, text: &str) -> Option<Url> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    http_url(base, text)
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

/// The dedup fingerprint of a URL: [`key_of_canonical`] of its canonical form. Stable across runs,
/// builds and toolchains; state files store it.
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

/// The fingerprint of an already canonical string: SipHash-2-4 (Aumasson and Bernstein, 2012, as
/// implemented by the `siphasher` crate) with both keys zero, over the string's UTF-8 bytes
/// followed by one 0xFF byte.
///
/// This definition is trawl's own and fixed: state files store these keys, so changing it (the
/// algorithm, the keys or the bytes fed) needs a new state schema version and a migration
/// (src/state/). It no longer goes through std's `Hash for str`, whose byte feed the standard
/// library does not promise to keep. The trailing 0xFF is what that impl fed when these keys were
/// first written (with the zero-keyed `std::hash::SipHasher`, which is SipHash-2-4), kept so the
/// keys of older state files stay valid; `url_norm` tests pin golden values.
pub fn key_of_canonical(canonical: &str) -> UrlKey {
    let mut h = siphasher::sip::SipHasher24::new_with_keys(0, 0);
    h.write(canonical.as_bytes());
    h.write(&[0xFF]);
    h.finish()
}

#[cfg(test)]
mod tests;
