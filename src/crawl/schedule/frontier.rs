//! The frontier: the queue of URLs still to visit, kept per host (scheme, host and port) so the
//! scheduler can serve whichever host is ready, and the dedup set of every URL ever queued. Owned
//! by the `LocalScheduler` alone (a shared crawl replaces the whole
//! `Schedule`, not this); no network I/O, no channels, no politeness decisions (those are `hosts`).
//!
//! Order within a host is breadth-first: lowest depth first, FIFO within a depth. Because pages
//! finish out of order, a URL may first be seen from a deeper page and later from a shallower one
//! that was still in flight; `offer` then moves the queued entry up to the smaller depth (a lazy
//! decrease-key: the deeper copy stays in its queue and is skipped when popped).

use super::waitlist::WaitList;
pub use crate::record::{Entry, Origin};
use crate::url_norm::{BuildKeyHasher, UrlKey};
use std::collections::{HashMap, HashSet};
use url::Url;

/// What `offer` did with a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// First time seen: queued.
    New,
    /// Still queued at a greater depth: moved up to this one.
    Promoted,
    /// Already seen (queued at this depth or less, in flight, or done): dropped.
    Seen,
}

/// The in-memory frontier: per origin a FIFO per depth; a set of 64-bit fingerprints; the depth
/// and origin of each queued (not yet dispatched) URL.
#[derive(Debug, Default)]
pub struct MemoryFrontier {
    /// Per origin, one FIFO per depth (compact: see `waitlist`).
    hosts: HashMap<Origin, Vec<WaitList>>,
    seen: HashSet<UrlKey, BuildKeyHasher>,
    queued: HashMap<UrlKey, u32, BuildKeyHasher>,
}

impl MemoryFrontier {
    pub fn new() -> MemoryFrontier {
        MemoryFrontier::default()
    }

    /// Bytes the seen-set's table occupies: its capacity times a key and a control byte
    /// (hashbrown's layout), the per-URL cost of a crawl once the queue has drained.
    #[cfg(test)]
    pub fn seen_bytes(&self) -> usize {
        self.seen.capacity() * (std::mem::size_of::<UrlKey>() + 1)
    }

    fn push_back(&mut self, origin: &Origin, entry: Entry) {
        let levels = self.hosts.entry(origin.clone()).or_default();
        let d = entry.depth as usize;
        if levels.len() <= d {
            levels.resize_with(d + 1, WaitList::default);
        }
        self.queued.insert(entry.key, entry.depth);
        levels[d].push_back(entry.url.as_str(), entry.key, entry.parent);
    }

    /// Drop stale copies at the fronts of `origin`'s queues; return its lowest live depth.
    fn clean_front(&mut self, origin: &Origin) -> Option<usize> {
        let levels = self.hosts.get_mut(origin)?;
        for (d, q) in levels.iter_mut().enumerate() {
            while let Some(key) = q.front_key() {
                if self.queued.get(&key).is_some_and(|&qd| qd as usize == d) {
                    return Some(d);
                }
                q.drop_front();
            }
        }
        self.hosts.remove(origin);
        None
    }
}

impl MemoryFrontier {
    /// Offer a discovered URL of `origin`. A URL enters the queue only when it first enters the
    /// seen-set (or moves up when found shallower while still queued).
    pub fn offer(&mut self, origin: &Origin, entry: Entry) -> Offered {
        if self.seen.insert(entry.key) {
            self.push_back(origin, entry);
            return Offered::New;
        }
        match self.queued.get(&entry.key) {
            Some(&d) if d > entry.depth => {
                self.push_back(origin, entry);
                Offered::Promoted
            }
            _ => Offered::Seen,
        }
    }

    /// Put back an entry of a resumed crawl: queued whether or not its key was seen.
    pub fn restore(&mut self, origin: &Origin, entry: Entry) {
        self.seen.insert(entry.key);
        self.push_back(origin, entry);
    }

    /// Record `key` as seen, leaving any queued copy alone (a resumed crawl's seen-set).
    pub fn insert_seen(&mut self, key: UrlKey) {
        self.seen.insert(key);
    }

    /// Record `key` as seen without queueing it (a redirect's final URL); a queued copy is dropped.
    /// Returns true if the key was not seen before.
    pub fn mark_seen(&mut self, key: UrlKey) -> bool {
        self.queued.remove(&key);
        self.seen.insert(key)
    }

    /// Has `key` been seen?
    pub fn is_seen(&self, key: UrlKey) -> bool {
        self.seen.contains(&key)
    }

    /// Is `key` waiting in the queue (seen, not yet dispatched)?
    pub fn is_queued(&self, key: UrlKey) -> bool {
        self.queued.contains_key(&key)
    }

    /// Would `offer` at `depth` change anything (a new key, or a queued key found shallower)?
    /// A cheap test that spares the caller building an entry for the ~96% of links already seen.
    pub fn wants(&self, key: UrlKey, depth: u32) -> bool {
        !self.seen.contains(&key) || self.queued.get(&key).is_some_and(|&d| d > depth)
    }

    /// The lowest depth queued for `origin`.
    pub fn next_depth(&mut self, origin: &Origin) -> Option<u32> {
        self.clean_front(origin).map(|d| d as u32)
    }

    /// Take the next entry of `origin` (lowest depth, first queued).
    pub fn pop(&mut self, origin: &Origin) -> Option<Entry> {
        loop {
            let d = self.clean_front(origin)?;
            let waiting = self.hosts.get_mut(origin)?.get_mut(d)?.pop_front()?;
            self.queued.remove(&waiting.key);
            // The text is a `Url` serialization, which always parses back to the same URL; were
            // it ever not to, the entry is dropped rather than the queue stalled.
            match Url::parse(&waiting.url) {
                Ok(url) => {
                    return Some(Entry {
                        url,
                        key: waiting.key,
                        depth: d as u32,
                        parent: waiting.parent,
                    })
                }
                Err(e) => tracing::warn!(url = %waiting.url, error = %e, "queued URL unparsable"),
            }
        }
    }

    /// Drop everything queued for `origin` (its page cap was reached); returns how many.
    pub fn drain(&mut self, origin: &Origin) -> usize {
        let mut n = 0;
        while self.pop(origin).is_some() {
            n += 1;
        }
        n
    }

    /// Entries waiting, over all origins.
    pub fn len(&self) -> usize {
        self.queued.len()
    }

    /// Nothing waiting?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// URLs ever seen.
    pub fn seen_len(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn e(path: &str, depth: u32) -> Entry {
        let url = Url::parse(&format!("http://h.test/{path}")).expect("url");
        Entry {
            key: crate::url_norm::key(&url),
            url,
            depth,
            parent: None,
        }
    }

    fn drain(f: &mut MemoryFrontier, o: &Origin) -> Vec<(String, u32)> {
        std::iter::from_fn(|| f.pop(o).map(|e| (e.url.path().to_owned(), e.depth))).collect()
    }

    fn origin(s: &str) -> Origin {
        Arc::from(s)
    }

    #[test]
    fn breadth_first_and_deduplicated() {
        let (mut f, o) = (MemoryFrontier::new(), origin("http://h.test:80"));
        assert_eq!(f.offer(&o, e("b", 1)), Offered::New);
        assert_eq!(f.offer(&o, e("c", 2)), Offered::New);
        assert_eq!(f.offer(&o, e("a", 0)), Offered::New);
        assert_eq!(f.offer(&o, e("b", 1)), Offered::Seen);
        assert_eq!(f.offer(&o, e("d", 1)), Offered::New);
        assert_eq!(f.len(), 4);
        assert_eq!(
            drain(&mut f, &o),
            [
                ("/a".into(), 0),
                ("/b".into(), 1),
                ("/d".into(), 1),
                ("/c".into(), 2)
            ]
        );
        assert!(f.is_empty());
        assert_eq!(f.offer(&o, e("a", 0)), Offered::Seen, "done URLs stay seen");
    }

    #[test]
    fn origins_are_kept_apart() {
        let (mut f, a, b) = (MemoryFrontier::new(), origin("a"), origin("b"));
        f.offer(&a, e("1", 1));
        f.offer(&b, e("2", 0));
        assert_eq!(f.next_depth(&a), Some(1));
        assert_eq!(drain(&mut f, &b), [("/2".into(), 0)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f.drain(&a), 1);
        assert!(f.is_empty());
        assert_eq!(f.next_depth(&a), None);
    }

    #[test]
    fn a_queued_url_found_shallower_moves_up_once() {
        let (mut f, o) = (MemoryFrontier::new(), origin("o"));
        f.offer(&o, e("x", 3));
        f.offer(&o, e("y", 2));
        assert_eq!(f.offer(&o, e("x", 2)), Offered::Promoted);
        assert_eq!(f.offer(&o, e("x", 3)), Offered::Seen);
        assert_eq!(f.len(), 2);
        assert_eq!(drain(&mut f, &o), [("/y".into(), 2), ("/x".into(), 2)]);
    }

    #[test]
    fn the_seen_set_costs_at_most_32_bytes_per_url() {
        let mut f = MemoryFrontier::new();
        // Fingerprints of a million distinct URLs (a cheap stand-in: any distinct u64s).
        for i in 0..1_000_000u64 {
            f.mark_seen(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        }
        assert_eq!(f.seen_len(), 1_000_000);
        let per_url = f.seen_bytes() as f64 / 1e6;
        assert!(per_url <= 32.0, "{per_url:.1} bytes per URL");
    }

    #[test]
    fn mark_seen_cancels_a_queued_copy() {
        let (mut f, o) = (MemoryFrontier::new(), origin("o"));
        let x = e("x", 1);
        f.offer(&o, x.clone());
        assert!(!f.mark_seen(x.key));
        assert!(f.is_empty());
        assert_eq!(f.pop(&o), None);
        assert!(f.mark_seen(e("z", 1).key));
        assert_eq!(f.offer(&o, e("z", 1)), Offered::Seen);
    }
}
