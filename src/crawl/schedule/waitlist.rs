//! A compact FIFO of URLs waiting to be fetched, the bulk of a large crawl's memory: a crawl that
//! has seen a million URLs mostly holds URLs it has not fetched yet.
//!
//! Entries live in chunks of at most [`CHUNK`] (each grows from empty). A chunk keeps the text of its URLs in one string,
//! so a waiting URL costs its bytes plus a 32-byte record (no allocation of its own, no parsed
//! `Url`); the queue grows a chunk at a time instead of copying itself whole, and a chunk's memory
//! is given back as soon as its last URL is taken. URLs are parsed again when taken.

use crate::url_norm::UrlKey;
use std::collections::VecDeque;
use std::sync::Arc;

/// URLs per chunk.
const CHUNK: usize = 1024;

/// A URL taken from a [`WaitList`].
#[derive(Debug, PartialEq, Eq)]
pub struct Taken {
    /// The URL's serialization, as pushed.
    pub url: String,
    pub key: UrlKey,
    pub parent: Option<Arc<str>>,
}

#[derive(Debug, Default)]
pub struct WaitList {
    chunks: VecDeque<Chunk>,
    len: usize,
}

#[derive(Debug)]
struct Chunk {
    text: String,
    items: Vec<Item>,
    /// Items before this index were taken.
    head: usize,
}

#[derive(Debug)]
struct Item {
    start: u32,
    len: u32,
    key: UrlKey,
    parent: Option<Arc<str>>,
}

impl Chunk {
    /// An empty chunk; it grows as URLs arrive (a host with three waiting URLs must not pay for
    /// a thousand), its growth bounded by [`CHUNK`] entries.
    fn new() -> Chunk {
        Chunk {
            text: String::new(),
            items: Vec::new(),
            head: 0,
        }
    }
}

impl WaitList {
    /// Append a URL (its serialization), its key and the page it was found on.
    pub fn push_back(&mut self, url: &str, key: UrlKey, parent: Option<Arc<str>>) {
        let needs_chunk = self.chunks.back().is_none_or(|c| {
            c.items.len() == CHUNK || c.text.len().saturating_add(url.len()) > u32::MAX as usize
        });
        if needs_chunk {
            self.chunks.push_back(Chunk::new());
        }
        let Some(chunk) = self.chunks.back_mut() else {
            return; // unreachable: a chunk was just pushed
        };
        let start = chunk.text.len() as u32;
        chunk.text.push_str(url);
        chunk.items.push(Item {
            start,
            len: url.len() as u32,
            key,
            parent,
        });
        self.len += 1;
    }

    /// The key of the first URL.
    pub fn front_key(&self) -> Option<UrlKey> {
        let chunk = self.chunks.front()?;
        chunk.items.get(chunk.head).map(|item| item.key)
    }

    /// Take the first URL.
    pub fn pop_front(&mut self) -> Option<Taken> {
        let chunk = self.chunks.front_mut()?;
        let item = chunk.items.get_mut(chunk.head)?;
        let range = item.start as usize..(item.start + item.len) as usize;
        let taken = Taken {
            url: chunk.text.get(range).unwrap_or_default().to_owned(),
            key: item.key,
            parent: item.parent.take(),
        };
        chunk.head += 1;
        if chunk.head == chunk.items.len() {
            self.chunks.pop_front();
        }
        self.len -= 1;
        Some(taken)
    }

    /// Drop the first URL without reading it.
    pub fn drop_front(&mut self) {
        let Some(chunk) = self.chunks.front_mut() else {
            return;
        };
        if let Some(item) = chunk.items.get_mut(chunk.head) {
            item.parent = None;
            chunk.head += 1;
            self.len -= 1;
        }
        if chunk.head >= chunk.items.len() {
            self.chunks.pop_front();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_in_first_out_across_chunks() {
        let mut w = WaitList::default();
        let parent: Arc<str> = Arc::from("http://p.test/");
        for i in 0..(2 * CHUNK + 5) as u64 {
            w.push_back(&format!("http://h.test/{i}"), i, Some(parent.clone()));
        }
        assert_eq!(w.len(), 2 * CHUNK + 5);
        for i in 0..(2 * CHUNK + 5) as u64 {
            assert_eq!(w.front_key(), Some(i));
            let t = w.pop_front().expect("entry");
            assert_eq!(t.url, format!("http://h.test/{i}"));
            assert_eq!(t.key, i);
            assert_eq!(t.parent.as_deref(), Some("http://p.test/"));
        }
        assert!(w.is_empty());
        assert_eq!(w.front_key(), None);
        assert_eq!(w.pop_front(), None);
        assert!(w.chunks.is_empty(), "taken chunks are freed");
    }

    #[test]
    fn drop_front_skips_one() {
        let mut w = WaitList::default();
        w.push_back("http://h.test/a", 1, None);
        w.push_back("http://h.test/b", 2, None);
        w.drop_front();
        assert_eq!(w.len(), 1);
        assert_eq!(w.pop_front().map(|t| t.key), Some(2));
        w.drop_front();
        assert!(w.is_empty());
    }

    #[test]
    fn pushes_after_draining_start_a_new_chunk() {
        let mut w = WaitList::default();
        w.push_back("http://h.test/a", 1, None);
        assert_eq!(w.pop_front().map(|t| t.url), Some("http://h.test/a".into()));
        w.push_back("http://h.test/b", 2, None);
        assert_eq!(w.front_key(), Some(2));
        assert_eq!(w.len(), 1);
    }
}
