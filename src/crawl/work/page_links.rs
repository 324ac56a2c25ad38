//! One fetched page's links, as the crawl needs them: how many distinct links the page has (the
//! `links` column) and which to send to the coordinator, read through the crawl-wide
//! [`LinkMemo`] so that an href already resolved under the same base costs two hashes and a
//! lookup instead of a `Url`, and a link some page already sent at the same or a smaller depth
//! is not sent again. The result is what resolving every href (`extract::extract`) and filtering
//! gives, minus links the coordinator would drop as seen. No I/O; dedup across the crawl stays
//! the coordinator's.

use super::filter::LinkFilter;
use super::link_memo::{LinkFacts, LinkMemo, Resolution};
use crate::extract::{self, dom, stream, Extracted};
use crate::meta::RawMeta;
use crate::record::Link;
use crate::robots::meta::RobotsMeta;
use crate::url_norm::{self, BuildKeyHasher};
use std::collections::HashSet;
use url::Url;

/// What a page gives the crawl.
#[derive(Debug, Default)]
pub struct PageLinks {
    /// `document.title` (see [`extract::Extracted`]).
    pub title: String,
    /// Distinct http(s) links on the page.
    pub count: usize,
    /// The links to send to the coordinator, in document order.
    pub follow: Vec<Link>,
    /// A robots meta element told this crawler not to follow the page's links (they are still
    /// counted).
    pub nofollow: bool,
}

/// A page as a worker holds it: its decoded HTML, or the DOM already built from it (`--text`
/// builds one for every page it reads, and its links are read from that tree).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// Read by the streaming pass (the DOM when the stream leaves the page to it).
    Html(&'a str),
    /// Read from the tree.
    Tree(&'a scraper::Html),
}

impl<'a> From<&'a str> for Source<'a> {
    fn from(html: &'a str) -> Self {
        Source::Html(html)
    }
}

impl<'a> From<&'a String> for Source<'a> {
    fn from(html: &'a String) -> Self {
        Source::Html(html)
    }
}

impl<'a> From<&'a scraper::Html> for Source<'a> {
    fn from(document: &'a scraper::Html) -> Self {
        Source::Tree(document)
    }
}

impl Source<'_> {
    /// Every href resolved, without the memo (`--edges`, a failed page): the tree's reading, or
    /// the HTML's by the stream or the DOM.
    pub fn extract(self, page_url: &Url) -> Extracted {
        match self {
            Source::Html(html) => extract::extract(html, page_url),
            Source::Tree(document) => dom::extract_parsed(document, page_url),
        }
    }

    /// [`Source::extract`] with the page's metadata pieces (`--meta`).
    pub fn extract_with_meta(self, page_url: &Url) -> (Extracted, RawMeta) {
        match self {
            Source::Html(html) => extract::extract_with_meta(html, page_url),
            Source::Tree(document) => dom::extract_with_meta_parsed(document, page_url),
        }
    }
}

/// Title and links of a page served at `page_url`. `link_depth` is the depth its links get when
/// the page's links are followed, `None` when they are only counted. `robots` is the robots
/// product token whose robots meta elements are obeyed (`None`: none are). HTML and a tree give
/// the same answer, both through the memo.
pub fn read<'a>(
    page: impl Into<Source<'a>>,
    page_url: &Url,
    link_depth: Option<u32>,
    filter: &LinkFilter,
    memo: &LinkMemo,
    robots: Option<&str>,
) -> PageLinks {
    let scanned = match page.into() {
        Source::Html(html) => read_with(link_depth, filter, memo, robots, |meta, each| {
            stream::scan_hrefs(html, page_url, meta, each)
        })
        .ok_or(html),
        Source::Tree(document) => Ok(read_tree(
            document, page_url, link_depth, filter, memo, robots,
        )),
    };
    match scanned {
        Ok((title, page)) => PageLinks { title, ..page },
        // The DOM decides this page: every link resolved, nothing remembered or claimed.
        Err(html) => from_extracted(
            extract::extract_exact(html, page_url),
            link_depth.is_some(),
            filter,
            robots,
        ),
    }
}

/// [`read`] with the page's metadata pieces (`--meta`), from the same streaming pass or tree, or
/// with the DOM's when the stream leaves the page to it.
pub fn read_with_meta<'a>(
    page: impl Into<Source<'a>>,
    page_url: &Url,
    link_depth: Option<u32>,
    filter: &LinkFilter,
    memo: &LinkMemo,
    robots: Option<&str>,
) -> (PageLinks, RawMeta) {
    let html = match page.into() {
        Source::Html(html) => html,
        Source::Tree(document) => {
            let (title, page) = read_tree(document, page_url, link_depth, filter, memo, robots);
            return (
                PageLinks { title, ..page },
                dom::meta::raw_meta(document, page_url),
            );
        }
    };
    let scanned = read_with(link_depth, filter, memo, robots, |meta, each| {
        stream::scan_hrefs_with_meta(html, page_url, meta, each)
    });
    match scanned {
        Some(((title, raw), page)) => (PageLinks { title, ..page }, raw),
        None => {
            let (page, raw) = extract::extract_with_meta_exact(html, page_url);
            (
                from_extracted(page, link_depth.is_some(), filter, robots),
                raw,
            )
        }
    }
}

/// The tree's title and hrefs through the memo (the tree decides every page).
fn read_tree(
    document: &scraper::Html,
    page_url: &Url,
    link_depth: Option<u32>,
    filter: &LinkFilter,
    memo: &LinkMemo,
    robots: Option<&str>,
) -> (String, PageLinks) {
    read_with(link_depth, filter, memo, robots, |meta, each| {
        Some(dom::scan_hrefs_parsed(document, page_url, meta, each))
    })
    .unwrap_or_default()
}

/// Run `scan` (a reading that gives the robots meta elements to its first callback, then calls
/// `each(base, href)` per href) through the memo: what it returns, and the page's links without
/// their title: the distinct link count, the links to send, and whether a robots meta element of
/// the page (for the token `robots`) said not to follow them (then they are only counted, and
/// the memo records none as sent); `None` when the stream left the page to the DOM (then `each`
/// was never called).
fn read_with<T>(
    link_depth: Option<u32>,
    filter: &LinkFilter,
    memo: &LinkMemo,
    robots: Option<&str>,
    scan: impl FnOnce(&mut dyn FnMut(&RobotsMeta), &mut dyn FnMut(&Url, &str)) -> Option<T>,
) -> Option<(T, PageLinks)> {
    let mut on_page: HashSet<u64, BuildKeyHasher> = HashSet::default();
    let mut follow = Vec::new();
    let mut context = None;
    // Read before any link is judged: a judgement made while the scope grows is not remembered.
    let generation = memo.generation();
    let nofollow = std::cell::Cell::new(false);
    let scanned = scan(
        &mut |meta| nofollow.set(robots.is_some_and(|token| meta.nofollow_for(token))),
        &mut |base, href| {
            let link_depth = link_depth.filter(|_| !nofollow.get());
            let context = context.get_or_insert_with(|| memo.context(base));
            let key = memo.key(context, href);
            // First on this page, and followed: then sent unless already sent at this depth or less.
            let wants = |facts: &LinkFacts| on_page.insert(facts.url_hash) && facts.follow;
            let url = match memo.lookup(key, link_depth, wants) {
                // Remembered: a `Url` only for a link this page must send.
                Some((Resolution::Link(facts), true)) => {
                    url_norm::http_url(Some(base), href).map(|url| (url, facts.key))
                }
                Some(_) => None,
                None => {
                    let Some(url) = url_norm::http_url(Some(base), href) else {
                        memo.insert(key, Resolution::NotHttp, None);
                        return;
                    };
                    let facts = LinkFacts {
                        url_hash: memo.url_hash(&url),
                        key: url_norm::key(&url),
                        follow: filter.follow(&url),
                    };
                    let send = on_page.insert(facts.url_hash) && facts.follow;
                    let sent_at = link_depth.filter(|_| send);
                    let must =
                        memo.insert_judged(generation, key, Resolution::Link(facts), sent_at);
                    (sent_at.is_some() && must).then_some((url, facts.key))
                }
            };
            if let Some((url, key)) = url {
                follow.push(Link { url, key });
            }
        },
    )?;
    Some((
        scanned,
        PageLinks {
            title: String::new(),
            count: on_page.len(),
            follow,
            nofollow: nofollow.get(),
        },
    ))
}

/// A page whose every link is already resolved, read without the memo: all of them counted, and
/// when `followed`, the ones the filter follows sent. (The memo is bypassed for pages the stream
/// leaves to the DOM, for `--edges` crawls and for failed pages, whose links the coordinator may
/// drop for a retry and so must not be recorded as sent.) A robots meta element for the token
/// `robots` that says `nofollow` keeps the links from being sent.
pub fn from_extracted(
    page: Extracted,
    followed: bool,
    filter: &LinkFilter,
    robots: Option<&str>,
) -> PageLinks {
    let nofollow = robots.is_some_and(|token| page.robots.nofollow_for(token));
    let followed = followed && !nofollow;
    let count = page.links.len();
    let follow = page
        .links
        .into_iter()
        .filter(|url| followed && filter.follow(url))
        .map(|url| Link {
            key: url_norm::key(&url),
            url,
        })
        .collect();
    PageLinks {
        title: page.title,
        count,
        follow,
        nofollow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::{Scope, ScopeKind};

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    /// Follows links of example.com only.
    fn filter() -> LinkFilter {
        let seed = url("https://example.com/");
        LinkFilter::new(
            Scope::new(ScopeKind::Host, [&seed]),
            vec![],
            vec![],
            true,
            &[seed],
        )
    }

    fn sent(page: &PageLinks) -> Vec<&str> {
        page.follow.iter().map(|l| l.url.as_str()).collect()
    }

    const NAV: &str = "<title>T</title><a href=a.html>a</a><a href='./a.html#x'>a again</a>\
        <a href=/b>b</a><a href='#top'>self</a><a href='mailto:x@y.z'>m</a>\
        <a href='https://other.org/x'>off scope</a><a href='?p=2'>query</a>";

    #[test]
    fn counts_and_sends_like_resolving_every_href() {
        let memo = LinkMemo::new();
        let page = url("https://example.com/d/one.html?p=1");
        let got = read(NAV, &page, Some(1), &filter(), &memo, None);
        let exact = extract::extract_exact(NAV, &page);
        assert_eq!(got.title, "T");
        assert_eq!(got.count, exact.links.len());
        assert_eq!(
            sent(&got),
            [
                "https://example.com/d/a.html",
                "https://example.com/b",
                "https://example.com/d/one.html?p=1",
                "https://example.com/d/one.html?p=2",
            ]
        );
        for link in &got.follow {
            assert_eq!(link.key, url_norm::key(&link.url), "{}", link.url);
        }
    }

    #[test]
    fn a_link_sent_at_a_depth_is_not_sent_again_at_that_depth_or_deeper() {
        let memo = LinkMemo::new();
        let f = filter();
        let one = url("https://example.com/d/one.html");
        let two = url("https://example.com/d/two.html");
        assert_eq!(read(NAV, &one, Some(2), &f, &memo, None).follow.len(), 4);
        // Same directory: a.html and /b were sent at depth 2; the page's own URL and its
        // query variant are new (they depend on the whole base).
        let again = read(NAV, &two, Some(2), &f, &memo, None);
        assert_eq!(again.count, 5, "the count never changes");
        assert_eq!(
            sent(&again),
            [
                "https://example.com/d/two.html",
                "https://example.com/d/two.html?p=2"
            ]
        );
        assert!(read(NAV, &two, Some(3), &f, &memo, None).follow.is_empty());
        // Shallower: everything is sent again, so the coordinator can move it up.
        assert_eq!(read(NAV, &two, Some(1), &f, &memo, None).follow.len(), 4);
        // Counted only: nothing is sent and nothing is claimed.
        let counted = read(
            NAV,
            &url("https://example.com/e/x.html"),
            None,
            &f,
            &memo,
            None,
        );
        assert_eq!((counted.count, counted.follow.len()), (5, 0));
        let e = read(
            NAV,
            &url("https://example.com/e/y.html"),
            Some(5),
            &f,
            &memo,
            None,
        );
        assert_eq!(
            sent(&e),
            [
                "https://example.com/e/a.html",
                "https://example.com/e/y.html",
                "https://example.com/e/y.html?p=2"
            ]
        );
    }

    #[test]
    fn a_base_element_changes_what_hrefs_mean() {
        let memo = LinkMemo::new();
        let f = filter();
        let page = url("https://example.com/d/one.html");
        read("<a href=a.html>", &page, Some(1), &f, &memo, None);
        let got = read(
            "<base href='/other/'><a href=a.html>",
            &page,
            Some(1),
            &f,
            &memo,
            None,
        );
        assert_eq!(sent(&got), ["https://example.com/other/a.html"]);
    }

    #[test]
    fn pages_the_stream_cannot_judge_are_read_through_the_dom() {
        let memo = LinkMemo::new();
        let html = "<math><mi><a href=/math></a></mi></math><a href=x>x</a>";
        let page = url("https://example.com/d/p.html");
        let got = read(html, &page, Some(1), &filter(), &memo, None);
        assert_eq!(got.count, extract::extract_exact(html, &page).links.len());
        assert_eq!(
            sent(&got),
            ["https://example.com/math", "https://example.com/d/x"]
        );
        assert!(memo.is_empty(), "the DOM path neither remembers nor claims");
    }

    /// The tree's reading (`--text`) gives what the stream's does, and shares its memo: a link
    /// one sent is not sent again by the other.
    #[test]
    fn a_parsed_page_reads_like_the_stream_through_the_same_memo() {
        let f = filter();
        let page = url("https://example.com/d/one.html?p=1");
        let doc = scraper::Html::parse_document(NAV);
        let by_tree = read(&doc, &page, Some(1), &f, &LinkMemo::new(), None);
        let by_stream = read(NAV, &page, Some(1), &f, &LinkMemo::new(), None);
        assert_eq!(by_tree.title, "T");
        assert_eq!((by_tree.count, sent(&by_tree)), (5, sent(&by_stream)));

        let memo = LinkMemo::new();
        read(NAV, &page, Some(2), &f, &memo, None);
        let two = url("https://example.com/d/two.html");
        let again = read(&doc, &two, Some(2), &f, &memo, None);
        assert_eq!(again.count, 5, "the count never changes");
        assert_eq!(
            sent(&again),
            [
                "https://example.com/d/two.html",
                "https://example.com/d/two.html?p=2"
            ]
        );
        let counted = read(&doc, &two, None, &f, &memo, None);
        assert_eq!((counted.count, counted.follow.len()), (5, 0));
    }

    /// A page the stream leaves to the DOM: the tree's reading still resolves through the memo
    /// and counts and sends what resolving every href gives; a robots nofollow is obeyed.
    #[test]
    fn a_parsed_page_the_stream_cannot_judge_and_a_robots_nofollow() {
        let memo = LinkMemo::new();
        let html = "<math><mi><a href=/math></a></mi></math><a href=x>x</a><a href=x#y>x</a>";
        let page = url("https://example.com/d/p.html");
        let doc = scraper::Html::parse_document(html);
        let got = read(&doc, &page, Some(1), &filter(), &memo, None);
        assert_eq!(got.count, extract::extract_exact(html, &page).links.len());
        assert_eq!(
            sent(&got),
            ["https://example.com/math", "https://example.com/d/x"]
        );
        assert!(!memo.is_empty(), "remembered, as the stream's reading is");

        let html = "<meta name=robots content=nofollow><a href=/a>a</a><a href=/b>b</a>";
        let doc = scraper::Html::parse_document(html);
        let got = read(
            &doc,
            &page,
            Some(1),
            &filter(),
            &LinkMemo::new(),
            Some("trawl"),
        );
        assert!(got.nofollow);
        assert_eq!((got.count, got.follow.len()), (2, 0));
    }
}
