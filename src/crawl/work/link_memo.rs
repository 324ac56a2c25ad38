//! The crawl-wide link memo: what a raw href resolved to the last time it was seen under the same
//! base, so that a link already met in the crawl is counted, fingerprinted and judged (scope,
//! filters) without building a `Url`, and one already sent to the coordinator at the same or a
//! smaller depth is not sent again. Shared by the workers (sharded locks, held for one lookup),
//! bounded (a full shard is emptied), and only a cache: forgetting an entry costs a `Url`, never
//! a link. It does no I/O and decides nothing the coordinator decides (dedup stays there).
//!
//! # What a memo key must hold
//!
//! How an href resolves depends on part of the base only, and the key holds at least that part:
//! - `http://…` and `https://…` (any case): nothing of the base.
//! - an href starting with `/` (and no tab or newline): the base's scheme, host and port.
//! - an href whose first character is another path character (ASCII alphanumeric, `. % _ ~ -`) and
//!   that has no scheme and no tab or newline (which the URL parser would remove): the base up
//!   to the last `/` of its path, since a non-empty relative path replaces the base's last path
//!   segment and query.
//! - anything else (empty, `?…`, `#…`, other schemes, `\`, control characters): the whole base
//!   without its fragment.
//!
//! Keys are two 64-bit hashes with secret per-process seeds (keyed SipHash-1-3 and foldhash), so
//! two different (base, href) pairs share a key with probability about 2^-128 and a page cannot
//! choose hrefs that collide.

use crate::url_norm::{BuildKeyHasher, UrlKey};
use std::collections::HashMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use url::Url;

/// Lock shards (a power of two).
const SHARDS: usize = 16;
/// Entries per shard before it is emptied: 1,792 fill 2,048 hashbrown buckets, so the whole memo
/// stays under ~1.4 MB (41 bytes a bucket). On static-d2 (2,574 Rust-docs pages, ~95,000
/// distinct (base part, href) pairs) this keeps 49% of lookups hits, against 53% unbounded.
const SHARD_CAP: usize = 1792;

/// A memo key: two independent 64-bit hashes of (base part, href).
type MemoKey = (u64, u64);

/// What an href resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Not an http(s) URL (or not a URL at all): not a link.
    NotHttp,
    /// An http(s) link.
    Link(LinkFacts),
}

/// What the crawl needs to know about a resolved link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFacts {
    /// Fingerprint of the resolved URL's exact text (see [`LinkMemo::url_hash`]).
    pub url_hash: u64,
    /// Its dedup key.
    pub key: UrlKey,
    /// Does the link filter let the crawl follow it?
    pub follow: bool,
}

#[derive(Debug, Clone, Copy)]
struct Memo {
    resolution: Resolution,
    /// The least link depth at which a page has sent this link to the coordinator
    /// (`u32::MAX`: never).
    sent_at: u32,
}

/// The part of the base a key holds, hashed once per page.
#[derive(Clone)]
struct Part {
    sip: DefaultHasher,
    fold: foldhash::quality::FoldHasher<'static>,
}

/// A page's base, ready to key its hrefs (see the module docs).
#[derive(Clone)]
pub struct BaseContext {
    absolute: Part,
    origin: Part,
    directory: Part,
    whole: Part,
}

/// The memo; one per crawl, shared by every worker.
pub struct LinkMemo {
    shards: Box<[Mutex<HashMap<MemoKey, Memo, BuildKeyHasher>>]>,
    sip: RandomState,
    fold: foldhash::quality::RandomState,
    url_sip: RandomState,
    /// Bumped by [`LinkMemo::forget_judgements`] (the scope grew): a link judged under an
    /// older scope is not remembered.
    generation: AtomicU64,
}

impl Default for LinkMemo {
    fn default() -> LinkMemo {
        LinkMemo::new()
    }
}

impl LinkMemo {
    pub fn new() -> LinkMemo {
        LinkMemo {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            sip: RandomState::new(),
            fold: foldhash::quality::RandomState::default(),
            url_sip: RandomState::new(),
            generation: AtomicU64::new(0),
        }
    }

    /// The scope generation a page's links are judged under: read it before judging, give it to
    /// [`LinkMemo::insert_judged`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The scope grew: forget every judgement (what is followed may have changed). A judgement
    /// made under the old scope and inserted after this is refused by its generation.
    pub fn forget_judgements(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for shard in self.shards.iter() {
            if let Ok(mut s) = shard.lock() {
                s.clear();
            }
        }
    }

    /// [`LinkMemo::insert`] of a link judged under scope generation `judged_at`: not remembered
    /// (and to be sent if wanted) when the scope has grown since.
    pub fn insert_judged(
        &self,
        judged_at: u64,
        key: MemoKey,
        resolution: Resolution,
        sent_at: Option<u32>,
    ) -> bool {
        let Ok(mut shard) = self.shard(key).lock() else {
            return true;
        };
        // Checked under the shard lock, which `forget_judgements` takes after bumping.
        if self.generation.load(Ordering::SeqCst) != judged_at {
            return true;
        }
        insert_locked(&mut shard, key, resolution, sent_at)
    }

    /// Hash the parts of `base` that keys hold.
    pub fn context(&self, base: &Url) -> BaseContext {
        let part = |tag: u8, text: &str| {
            let mut p = Part {
                sip: self.sip.build_hasher(),
                fold: self.fold.build_hasher(),
            };
            p.sip.write_u8(tag);
            p.fold.write_u8(tag);
            p.sip.write(text.as_bytes());
            p.fold.write(text.as_bytes());
            p
        };
        let whole = &base[..url::Position::AfterQuery];
        let path_end = &base[..url::Position::AfterPath];
        let directory = path_end.rfind('/').map_or(whole, |i| &path_end[..=i]);
        BaseContext {
            absolute: part(0, ""),
            origin: part(1, &base[..url::Position::BeforePath]),
            directory: part(2, directory),
            whole: part(3, whole),
        }
    }

    /// The key of `href` (entity-decoded, as on the page) under `base`.
    pub fn key(&self, base: &BaseContext, href: &str) -> MemoKey {
        let href = href.trim_matches(|c: char| c.is_ascii_whitespace());
        let mut part = match base_part_needed(href) {
            Needs::Nothing => base.absolute.clone(),
            Needs::Origin => base.origin.clone(),
            Needs::Directory => base.directory.clone(),
            Needs::Whole => base.whole.clone(),
        };
        // The length first, so (base part, href) pairs cannot run into each other.
        part.sip.write_usize(href.len());
        part.fold.write_usize(href.len());
        part.sip.write(href.as_bytes());
        part.fold.write(href.as_bytes());
        (part.sip.finish(), part.fold.finish())
    }

    /// The fingerprint of a URL's exact text that pages use to tell their links apart (a keyed
    /// SipHash: equal for equal text in every worker, colliding with probability ~2^-64).
    pub fn url_hash(&self, url: &Url) -> u64 {
        self.url_sip.hash_one(url.as_str())
    }

    fn shard(&self, key: MemoKey) -> &Mutex<HashMap<MemoKey, Memo, BuildKeyHasher>> {
        // The table hashes by the second half (`KeyHasher` keeps the last u64 written), so the
        // shard is picked by the first: its buckets must see every bit of their own hash.
        &self.shards[(key.0 as usize) & (SHARDS - 1)]
    }

    /// What `key` resolved to, if remembered; for an http(s) link, `wants(facts)` (always called)
    /// says whether the page would send it at `depth`, and the answer's `bool` whether it must: no page has
    /// sent it at `depth` or less as far as the memo knows (it is then recorded as sent, so the
    /// caller must send it). One lock for the whole question.
    pub fn lookup(
        &self,
        key: MemoKey,
        depth: Option<u32>,
        wants: impl FnOnce(&LinkFacts) -> bool,
    ) -> Option<(Resolution, bool)> {
        let mut shard = self.shard(key).lock().ok()?;
        let memo = shard.get_mut(&key)?;
        let Resolution::Link(facts) = memo.resolution else {
            return Some((memo.resolution, false));
        };
        let wanted = wants(&facts);
        let send = match depth {
            Some(d) if wanted && memo.sent_at > d => {
                memo.sent_at = d;
                true
            }
            _ => false,
        };
        Some((memo.resolution, send))
    }

    /// Remember what `key` resolved to (a full shard is emptied first), and with `sent_at`, that
    /// the caller sends its link at that depth. Returns false when a page already sent it at that
    /// depth or less (the caller then need not send it).
    pub fn insert(&self, key: MemoKey, resolution: Resolution, sent_at: Option<u32>) -> bool {
        let Ok(mut shard) = self.shard(key).lock() else {
            return true;
        };
        insert_locked(&mut shard, key, resolution, sent_at)
    }

    /// Entries remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.len()))
            .sum()
    }

    /// Nothing remembered?
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// [`LinkMemo::insert`] in a locked shard.
fn insert_locked(
    shard: &mut HashMap<MemoKey, Memo, BuildKeyHasher>,
    key: MemoKey,
    resolution: Resolution,
    sent_at: Option<u32>,
) -> bool {
    if shard.len() >= SHARD_CAP && !shard.contains_key(&key) {
        shard.clear();
    }
    let memo = shard.entry(key).or_insert(Memo {
        resolution,
        sent_at: u32::MAX,
    });
    match sent_at {
        Some(d) if memo.sent_at <= d => false,
        Some(d) => {
            memo.sent_at = d;
            true
        }
        None => true,
    }
}

/// How much of the base an href's resolution depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    Origin,
    Directory,
    Whole,
}

/// See the module docs; `href` has its ASCII whitespace trimmed.
fn base_part_needed(href: &str) -> Needs {
    let bytes = href.as_bytes();
    if bytes.contains(&b'\t') || bytes.contains(&b'\n') || bytes.contains(&b'\r') {
        return Needs::Whole;
    }
    let starts = |prefix: &[u8]| {
        bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if starts(b"http://") || starts(b"https://") {
        return Needs::Nothing;
    }
    let Some(&first) = bytes.first() else {
        return Needs::Whole;
    };
    if first == b'/' {
        return Needs::Origin;
    }
    let path_start = first.is_ascii_alphanumeric() || b".%_~-".contains(&first);
    // A scheme: ASCII letters, digits, `+ - .` up to a colon, starting with a letter.
    let has_scheme = first.is_ascii_alphabetic() && {
        let end = bytes
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b"+-.".contains(&b)));
        end.is_some_and(|i| bytes[i] == b':')
    };
    if path_start && !has_scheme {
        Needs::Directory
    } else {
        Needs::Whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_norm::http_url;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn hrefs_are_sorted_by_what_they_need() {
        for href in ["http://x.org/", "HTTPS://X.ORG/p", "https://x.org/a?b#c"] {
            assert_eq!(base_part_needed(href), Needs::Nothing, "{href}");
        }
        for href in [
            "/root",
            "//cdn.example/x",
            "/\\evil.example/",
            "/a/../b?q#f",
        ] {
            assert_eq!(base_part_needed(href), Needs::Origin, "{href}");
        }
        for href in [
            "a.html", "../up/x", "./?q", "%20x", "_x", "~u", "-x", "9:x", "a/b:c", "a?x#y",
        ] {
            assert_eq!(base_part_needed(href), Needs::Directory, "{href}");
        }
        for href in [
            "",
            "?q=1",
            "#top",
            "http:?x",
            "http:x",
            "https:/x",
            "mailto:a@b",
            "javascript:void(0)",
            "\\\\x",
            "\u{1}?x",
            "a\tb",
            "a\nb",
            "h\ttp://x",
        ] {
            assert_eq!(base_part_needed(href), Needs::Whole, "{href:?}");
        }
    }

    /// The rule behind the memo: two bases that agree on the part an href needs resolve it to
    /// the same URL.
    #[test]
    fn bases_that_share_the_needed_part_resolve_alike() {
        let pairs = [
            (
                "https://h.test/d/page.html?q=1",
                "https://h.test/d/other.html",
            ),
            ("https://h.test/d/", "https://h.test/d/x?y"),
            ("http://h.test:8080/a/b/c", "http://h.test:8080/a/b/d?z#f"),
        ];
        for (a, b) in [
            ("https://h.test/d/page.html?q=1", "https://h.test/e/f/"),
            ("http://u:p@h.test:81/", "http://u:p@h.test:81/x/y?z"),
        ] {
            let memo = LinkMemo::new();
            let (ca, cb) = (memo.context(&url(a)), memo.context(&url(b)));
            for href in [
                "/r",
                "/",
                "//c.test/x",
                "/\\c.test/x",
                "/a/../b?q#f",
                "http://x.test/",
            ] {
                assert_eq!(memo.key(&ca, href), memo.key(&cb, href), "{a} {b} {href}");
                assert_eq!(http_url(Some(&url(a)), href), http_url(Some(&url(b)), href));
            }
        }
        let hrefs = [
            "a.html",
            "../up",
            "../../../x",
            "/r",
            "//c.test/x",
            "./?q",
            "x?#",
            "%41",
            "9:x",
            "a/b:c",
            "-",
            ".",
            "..",
            "http://abs.test/p#f",
            "HTTPS://ABS.TEST",
        ];
        for (a, b) in pairs {
            let memo = LinkMemo::new();
            let (ca, cb) = (memo.context(&url(a)), memo.context(&url(b)));
            for href in hrefs {
                assert_eq!(memo.key(&ca, href), memo.key(&cb, href), "{a} {b} {href}");
                assert_eq!(
                    http_url(Some(&url(a)), href),
                    http_url(Some(&url(b)), href),
                    "{a} {b} {href}"
                );
            }
        }
    }

    #[test]
    fn bases_that_differ_in_the_needed_part_give_different_keys() {
        let memo = LinkMemo::new();
        let a = memo.context(&url("https://h.test/d/page.html?q=1"));
        let b = memo.context(&url("https://h.test/d/page.html?q=2"));
        let c = memo.context(&url("https://h.test/e/page.html?q=1"));
        let d = memo.context(&url("http://h.test/d/page.html?q=1"));
        for href in ["?x", "#f", "", "http:?x", "mailto:x", "\u{1}?x"] {
            assert_ne!(memo.key(&a, href), memo.key(&b, href), "{href:?}");
        }
        for href in ["a.html", "?x"] {
            assert_ne!(memo.key(&a, href), memo.key(&c, href), "{href}");
        }
        for href in ["a.html", "/r", "//c.test/", "?x"] {
            assert_ne!(memo.key(&a, href), memo.key(&d, href), "{href}");
        }
        let port = memo.context(&url("https://h.test:8443/d/page.html?q=1"));
        assert_ne!(memo.key(&a, "/r"), memo.key(&port, "/r"));
        // The whole base and its directory never share a key.
        let dir = memo.context(&url("https://h.test/d/"));
        assert_ne!(memo.key(&dir, "?x"), memo.key(&dir, "./?x"));
        assert_eq!(memo.key(&a, " a.html\n"), memo.key(&a, "a.html"));
    }

    #[test]
    fn a_link_is_sent_once_per_depth_or_less() {
        let memo = LinkMemo::new();
        let base = memo.context(&url("https://h.test/"));
        let key = memo.key(&base, "a");
        let yes = |_: &LinkFacts| true;
        assert_eq!(memo.lookup(key, Some(3), yes), None, "unknown");
        let facts = LinkFacts {
            url_hash: 1,
            key: 2,
            follow: true,
        };
        let link = Resolution::Link(facts);
        assert!(memo.insert(key, link, Some(3)), "first sent at 3");
        assert_eq!(memo.lookup(key, Some(3), yes), Some((link, false)));
        assert_eq!(memo.lookup(key, Some(4), yes), Some((link, false)));
        assert_eq!(memo.lookup(key, None, yes), Some((link, false)));
        assert_eq!(
            memo.lookup(key, Some(2), |_| false),
            Some((link, false)),
            "not wanted: not sent, not recorded"
        );
        assert_eq!(memo.lookup(key, Some(2), yes), Some((link, true)));
        assert_eq!(memo.lookup(key, Some(2), yes), Some((link, false)));
        assert!(!memo.insert(key, Resolution::NotHttp, Some(2)));
        assert!(memo.insert(key, Resolution::NotHttp, Some(1)));
        assert_eq!(
            memo.lookup(key, None, yes),
            Some((link, false)),
            "insert keeps what is known"
        );
        let other = memo.key(&base, "mailto:x");
        assert!(memo.insert(other, Resolution::NotHttp, None));
        assert_eq!(
            memo.lookup(other, Some(0), yes),
            Some((Resolution::NotHttp, false))
        );
    }

    #[test]
    fn a_full_shard_is_emptied_not_grown() {
        let memo = LinkMemo::new();
        let base = memo.context(&url("https://h.test/"));
        for i in 0..(SHARDS * SHARD_CAP * 3) {
            memo.insert(memo.key(&base, &format!("p{i}")), Resolution::NotHttp, None);
        }
        assert!(memo.len() <= SHARDS * SHARD_CAP, "{}", memo.len());
        assert!(!memo.is_empty());
    }
}
