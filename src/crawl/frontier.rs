//! The frontier: the queue of URLs still to visit and the dedup set of every URL ever queued,
//! behind a small trait so an on-disk or shared store can replace the in-memory one without
//! touching workers or extraction. Owned by the coordinator alone; it never does I/O on the
//! network and knows nothing of channels.
//!
//! Order is breadth-first: entries are popped lowest depth first, FIFO within a depth. Because
//! pages finish out of order, a URL may first be seen from a deeper page and later from a shallower
//! one that was still in flight; `offer` then moves the queued entry up to the smaller depth
//! (a lazy decrease-key: the deeper copy stays in its queue and is skipped when popped).

use crate::url_norm::UrlKey;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use url::Url;

/// A URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub url: Url,
    /// Dedup fingerprint of `url`.
    pub key: UrlKey,
    /// Link distance from a seed.
    pub depth: u32,
    /// The page the URL was found on (`None` for seeds).
    pub parent: Option<Arc<str>>,
}

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

/// The frontier interface the coordinator uses.
pub trait Frontier {
    /// Offer a discovered URL. A URL enters the queue only when it first enters the seen-set.
    fn offer(&mut self, entry: Entry) -> Offered;
    /// Record `key` as seen without queueing it (a redirect's final URL); a queued copy is dropped.
    /// Returns true if the key was not seen before.
    fn mark_seen(&mut self, key: UrlKey) -> bool;
    /// Has `key` been seen?
    fn is_seen(&self, key: UrlKey) -> bool;
    /// The depth of the entry `pop` would return next.
    fn next_depth(&mut self) -> Option<u32>;
    /// Take the next entry to fetch.
    fn pop(&mut self) -> Option<Entry>;
    /// Put back an entry just popped that could not be dispatched; it will be popped next.
    fn unpop(&mut self, entry: Entry);
    /// Entries waiting.
    fn len(&self) -> usize;
    /// Nothing waiting?
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// URLs ever seen.
    fn seen_len(&self) -> usize;
}

/// The in-memory frontier: a FIFO per depth, a set of 64-bit fingerprints, and the depth of each
/// queued (not yet dispatched) URL.
#[derive(Debug, Default)]
pub struct MemoryFrontier {
    queues: Vec<VecDeque<Entry>>,
    seen: HashSet<UrlKey>,
    queued: HashMap<UrlKey, u32>,
}

impl MemoryFrontier {
    pub fn new() -> MemoryFrontier {
        MemoryFrontier::default()
    }

    fn push_back(&mut self, entry: Entry) {
        let d = entry.depth as usize;
        if self.queues.len() <= d {
            self.queues.resize_with(d + 1, VecDeque::new);
        }
        self.queued.insert(entry.key, entry.depth);
        self.queues[d].push_back(entry);
    }

    /// Drop stale copies at the queue fronts; return the lowest depth with a live entry.
    fn clean_front(&mut self) -> Option<usize> {
        for (d, q) in self.queues.iter_mut().enumerate() {
            while let Some(front) = q.front() {
                if self.queued.get(&front.key) == Some(&front.depth) {
                    return Some(d);
                }
                q.pop_front();
            }
        }
        None
    }
}

impl Frontier for MemoryFrontier {
    fn offer(&mut self, entry: Entry) -> Offered {
        if self.seen.insert(entry.key) {
            self.push_back(entry);
            return Offered::New;
        }
        match self.queued.get(&entry.key) {
            Some(&d) if d > entry.depth => {
                self.push_back(entry);
                Offered::Promoted
            }
            _ => Offered::Seen,
        }
    }

    fn mark_seen(&mut self, key: UrlKey) -> bool {
        self.queued.remove(&key);
        self.seen.insert(key)
    }

    fn is_seen(&self, key: UrlKey) -> bool {
        self.seen.contains(&key)
    }

    fn next_depth(&mut self) -> Option<u32> {
        self.clean_front().map(|d| d as u32)
    }

    fn pop(&mut self) -> Option<Entry> {
        let d = self.clean_front()?;
        let entry = self.queues[d].pop_front()?;
        self.queued.remove(&entry.key);
        Some(entry)
    }

    fn unpop(&mut self, entry: Entry) {
        let d = entry.depth as usize;
        if self.queues.len() <= d {
            self.queues.resize_with(d + 1, VecDeque::new);
        }
        self.queued.insert(entry.key, entry.depth);
        self.queues[d].push_front(entry);
    }

    fn len(&self) -> usize {
        self.queued.len()
    }

    fn seen_len(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, depth: u32) -> Entry {
        let url = Url::parse(&format!("http://h.test/{path}")).expect("url");
        Entry {
            key: crate::url_norm::key(&url),
            url,
            depth,
            parent: None,
        }
    }

    fn drain(f: &mut MemoryFrontier) -> Vec<(String, u32)> {
        std::iter::from_fn(|| f.pop().map(|e| (e.url.path().to_owned(), e.depth))).collect()
    }

    #[test]
    fn breadth_first_and_deduplicated() {
        let mut f = MemoryFrontier::new();
        assert_eq!(f.offer(e("b", 1)), Offered::New);
        assert_eq!(f.offer(e("c", 2)), Offered::New);
        assert_eq!(f.offer(e("a", 0)), Offered::New);
        assert_eq!(f.offer(e("b", 1)), Offered::Seen);
        assert_eq!(f.offer(e("d", 1)), Offered::New);
        assert_eq!(f.len(), 4);
        assert_eq!(
            drain(&mut f),
            [
                ("/a".into(), 0),
                ("/b".into(), 1),
                ("/d".into(), 1),
                ("/c".into(), 2)
            ]
        );
        assert!(f.is_empty());
        assert_eq!(f.offer(e("a", 0)), Offered::Seen, "done URLs stay seen");
    }

    #[test]
    fn a_queued_url_found_shallower_moves_up_once() {
        let mut f = MemoryFrontier::new();
        f.offer(e("x", 3));
        f.offer(e("y", 2));
        assert_eq!(f.offer(e("x", 2)), Offered::Promoted);
        assert_eq!(f.offer(e("x", 3)), Offered::Seen);
        assert_eq!(f.len(), 2);
        assert_eq!(drain(&mut f), [("/y".into(), 2), ("/x".into(), 2)]);
    }

    #[test]
    fn mark_seen_cancels_a_queued_copy() {
        let mut f = MemoryFrontier::new();
        let x = e("x", 1);
        f.offer(x.clone());
        assert!(!f.mark_seen(x.key));
        assert!(f.is_empty());
        assert_eq!(f.pop(), None);
        assert!(f.mark_seen(e("z", 1).key));
        assert_eq!(f.offer(e("z", 1)), Offered::Seen);
    }

    #[test]
    fn unpop_puts_the_entry_first() {
        let mut f = MemoryFrontier::new();
        f.offer(e("a", 1));
        f.offer(e("b", 1));
        let a = f.pop().expect("a");
        f.unpop(a);
        assert_eq!(f.next_depth(), Some(1));
        assert_eq!(drain(&mut f), [("/a".into(), 1), ("/b".into(), 1)]);
    }
}
