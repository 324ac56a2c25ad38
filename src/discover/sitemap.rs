//! Sitemaps (sitemaps.org protocol, with Google's news, image and video extensions): the page
//! URLs of a `<urlset>` and the child sitemaps of a `<sitemapindex>`, from XML, gzip-compressed
//! XML, or a plain-text list. It owns only bytes → URLs; it must never fetch the child sitemaps,
//! decompress beyond [`MAX_DECOMPRESSED_BYTES`], or panic on malformed input.
//!
//! Only `<loc>` directly inside `<url>` (a page) or `<sitemap>` (a child sitemap) counts, matched
//! by local name with the same prefix as its parent, so `<image:loc>`, `<video:content_loc>` and
//! everything in `<news:news>` are ignored, except `<news:publication_date>` (Google News
//! sitemaps), which gives its page's date ([`Sitemap::dates`]). Element names are matched
//! case-insensitively.

use std::io::Read;

use quick_xml::events::Event;
use url::Url;

use super::{
    decode_document, lenient_reader, next_event, push_distinct, push_reference, push_text,
};
use crate::url_norm::named_url;

/// Decompressed gzip is cut at this size (the protocol's own limit is 50 MB uncompressed), so a
/// gzip bomb costs at most this much memory.
pub const MAX_DECOMPRESSED_BYTES: u64 = 50 * 1024 * 1024;

/// How many gzip layers are undone (a `.xml.gz` also served with `Content-Encoding: gzip` that
/// nothing decoded arrives compressed twice).
const MAX_GZIP_LAYERS: usize = 2;

/// What one sitemap document lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// `<urlset><url><loc>` (and plain-text lines): page URLs, distinct, in document order.
    pub pages: Vec<Url>,
    /// `<sitemapindex><sitemap><loc>`: further sitemaps to fetch, distinct, in document order.
    pub sitemaps: Vec<Url>,
    /// `<url><news:news><news:publication_date>`: the page of the same `<url>` and the date's
    /// text, trimmed and unparsed; the first `<url>` of a page with a date gives it.
    pub dates: Vec<(Url, String)>,
}

/// Parse one sitemap document. `base` is the sitemap's own URL.
///
/// - Input starting with the gzip magic `1f 8b` is decompressed first (at most
///   [`MAX_DECOMPRESSED_BYTES`]; a corrupt or truncated stream keeps what decompressed).
/// - Text whose first non-blank character is `<` is XML: `<url><loc>` gives [`Sitemap::pages`],
///   `<sitemap><loc>` gives [`Sitemap::sitemaps`], whatever the root element. A loc is
///   entity-decoded, trimmed, and resolved against `base` (the protocol wants absolute URLs; a
///   relative one is resolved rather than lost). Malformed XML ends the parse: what came before
///   is kept.
/// - Anything else is a plain-text sitemap: one absolute URL per line; other lines are skipped.
///
/// Only http(s) URLs are kept, fragments removed. The encoding is the BOM's, else the XML
/// declaration's, else UTF-8.
pub fn parse(bytes: &[u8], base: &Url) -> Sitemap {
    let bytes = gunzip(bytes);
    let text = decode_document(&bytes);
    if text.trim_start().starts_with('<') {
        parse_xml(&text, base)
    } else {
        parse_text(&text)
    }
}

/// Undo up to [`MAX_GZIP_LAYERS`] of gzip, each capped at [`MAX_DECOMPRESSED_BYTES`].
fn gunzip(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut data = std::borrow::Cow::Borrowed(bytes);
    for _ in 0..MAX_GZIP_LAYERS {
        if !data.starts_with(&[0x1f, 0x8b]) {
            break;
        }
        let mut out = Vec::new();
        let decoder = flate2::read::MultiGzDecoder::new(&data[..]);
        // On a corrupt or truncated stream, read_to_end keeps the bytes it read before the error.
        let _ = decoder.take(MAX_DECOMPRESSED_BYTES).read_to_end(&mut out);
        data = std::borrow::Cow::Owned(out);
    }
    data
}

/// One URL per line; blank lines and lines that are not absolute http(s) URLs are skipped.
fn parse_text(text: &str) -> Sitemap {
    let mut sitemap = Sitemap::default();
    for line in text.lines() {
        if let Some(url) = named_url(None, line) {
            push_distinct(&mut sitemap.pages, url);
        }
    }
    sitemap
}

/// An open element: its local name (lowercased) and prefix, as written.
struct Open {
    local: String,
    prefix: Vec<u8>,
}

/// What a `<loc>` being read belongs to.
#[derive(Clone, Copy)]
enum LocOf {
    Page,
    Sitemap,
    /// `<news:publication_date>` in `<news:news>` in `<url>`.
    Date,
}

fn parse_xml(text: &str, base: &Url) -> Sitemap {
    let mut sitemap = Sitemap::default();
    let mut reader = lenient_reader(text);
    let mut stack: Vec<Open> = Vec::new();
    // The loc being read: what it belongs to, its depth in `stack`, and its text so far.
    let mut loc: Option<(LocOf, usize, String)> = None;
    // `<url>` elements opened so far; the page locs and dates read, by the `<url>` they are in.
    let mut urls = 0usize;
    let mut page_of: Vec<(usize, Url)> = Vec::new();
    let mut date_of: Vec<(usize, String)> = Vec::new();
    while let Some(event) = next_event(&mut reader) {
        match event {
            Event::Start(start) => {
                let name = start.name();
                let open = Open {
                    local: String::from_utf8_lossy(name.local_name().as_ref()).to_ascii_lowercase(),
                    prefix: name
                        .prefix()
                        .map(|p| p.as_ref().to_vec())
                        .unwrap_or_default(),
                };
                if open.local == "url" {
                    urls += 1;
                }
                let in_news = stack.len() >= 2
                    && stack[stack.len() - 1].local == "news"
                    && stack[stack.len() - 2].local == "url";
                if loc.is_none() && open.local == "publication_date" && in_news {
                    loc = Some((LocOf::Date, stack.len(), String::new()));
                }
                if loc.is_none() && open.local == "loc" {
                    if let Some(parent) = stack.last().filter(|p| p.prefix == open.prefix) {
                        let of = match parent.local.as_str() {
                            "url" => Some(LocOf::Page),
                            "sitemap" => Some(LocOf::Sitemap),
                            _ => None,
                        };
                        if let Some(of) = of {
                            loc = Some((of, stack.len(), String::new()));
                        }
                    }
                }
                stack.push(open);
            }
            Event::End(end) => {
                let name = end.name();
                let local =
                    String::from_utf8_lossy(name.local_name().as_ref()).to_ascii_lowercase();
                // Close the innermost open element of that name (ignore a stray end tag).
                if let Some(depth) = stack.iter().rposition(|open| open.local == local) {
                    stack.truncate(depth);
                }
                if let Some((of, depth, text)) = loc.take() {
                    if stack.len() > depth {
                        loc = Some((of, depth, text));
                    } else if matches!(of, LocOf::Date) {
                        let text = text.trim();
                        if !text.is_empty() {
                            date_of.push((urls, text.to_owned()));
                        }
                    } else if let Some(url) = named_url(Some(base), &text) {
                        match of {
                            LocOf::Page => {
                                page_of.push((urls, url.clone()));
                                push_distinct(&mut sitemap.pages, url);
                            }
                            LocOf::Sitemap => push_distinct(&mut sitemap.sitemaps, url),
                            LocOf::Date => {}
                        }
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text)) = loc.as_mut() {
                    push_text(text, &t);
                }
            }
            Event::CData(c) => {
                if let Some((_, _, text)) = loc.as_mut() {
                    text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, text)) = loc.as_mut() {
                    push_reference(text, &r);
                }
            }
            _ => {}
        }
    }
    for (n, date) in date_of {
        let page = page_of.iter().find(|(m, _)| *m == n).map(|(_, url)| url);
        if let Some(url) = page {
            if !sitemap.dates.iter().any(|(u, _)| u == url) {
                sitemap.dates.push((url.clone(), date));
            }
        }
    }
    sitemap
}

#[cfg(test)]
mod tests;
