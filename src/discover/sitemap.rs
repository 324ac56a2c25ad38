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
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn base() -> Url {
        Url::parse("https://example.com/sitemap.xml").expect("base")
    }

    fn strs(urls: &[Url]) -> Vec<&str> {
        urls.iter().map(Url::as_str).collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).expect("gzip write");
        enc.finish().expect("gzip finish")
    }

    const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://example.com/news/1</loc>
    <lastmod>2026-01-02</lastmod>
  </url>
  <url><loc>
      https://example.com/news/2?a=1&amp;b=2
  </loc></url>
  <url><loc><![CDATA[https://example.com/news/3#top]]></loc></url>
  <url><loc>https://example.com/news/1</loc></url>
  <url><loc>ftp://example.com/file</loc></url>
  <url><loc>mailto:x@example.com</loc></url>
  <url><loc></loc></url>
  <url><loc/></url>
  <url><loc>/relative/4</loc></url>
</urlset>"#;

    #[test]
    fn news_sitemap_gives_publication_dates() {
        let xml = r#"<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://example.com/a</loc>
    <news:news><news:publication>x</news:publication>
      <news:publication_date> 2026-11-30T14:05:00+01:00 </news:publication_date></news:news></url>
  <url><news:news><news:publication_date>2026-11-29</news:publication_date></news:news>
    <loc>https://example.com/b</loc></url>
  <url><loc>https://example.com/c</loc><publication_date>2020-01-01</publication_date></url>
  <url><loc>https://example.com/a</loc><news:news><news:publication_date>2001-01-01</news:publication_date></news:news></url>
</urlset>"#;
        let s = parse(xml.as_bytes(), &base());
        let dates: Vec<(&str, &str)> = s
            .dates
            .iter()
            .map(|(u, d)| (u.as_str(), d.as_str()))
            .collect();
        assert_eq!(
            dates,
            [
                ("https://example.com/a", "2026-11-30T14:05:00+01:00"),
                ("https://example.com/b", "2026-11-29"),
            ]
        );
        assert_eq!(s.pages.len(), 3);
    }

    #[test]
    fn urlset_gives_pages() {
        let s = parse(URLSET.as_bytes(), &base());
        assert_eq!(
            strs(&s.pages),
            [
                "https://example.com/news/1",
                "https://example.com/news/2?a=1&b=2",
                "https://example.com/news/3",
                "https://example.com/relative/4",
            ]
        );
        assert!(s.sitemaps.is_empty());
    }

    #[test]
    fn sitemapindex_gives_sitemaps() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.com/sitemap-news.xml</loc><lastmod>2026-01-01</lastmod></sitemap>
  <sitemap><loc>https://example.com/sitemap-2026-01.xml.gz</loc></sitemap>
</sitemapindex>"#;
        let s = parse(xml.as_bytes(), &base());
        assert!(s.pages.is_empty());
        assert_eq!(
            strs(&s.sitemaps),
            [
                "https://example.com/sitemap-news.xml",
                "https://example.com/sitemap-2026-01.xml.gz"
            ]
        );
    }

    #[test]
    fn gzip_sitemap_is_decompressed() {
        let s = parse(&gzip(URLSET.as_bytes()), &base());
        assert_eq!(s.pages.len(), 4);
        // Compressed twice (a .gz served with an undecoded Content-Encoding: gzip).
        let s = parse(&gzip(&gzip(URLSET.as_bytes())), &base());
        assert_eq!(s.pages.len(), 4);
    }

    #[test]
    fn truncated_gzip_keeps_what_decompressed() {
        let mut xml = String::from("<urlset>");
        for i in 0..2000 {
            xml.push_str(&format!(
                "<url><loc>https://example.com/p/{i}</loc></url>\n"
            ));
        }
        xml.push_str("</urlset>");
        let gz = gzip(xml.as_bytes());
        let s = parse(&gz[..gz.len() / 2], &base());
        assert!(!s.pages.is_empty());
        assert!(s.pages.len() < 2000);
        assert_eq!(s.pages[0].as_str(), "https://example.com/p/0");
    }

    #[test]
    fn gzip_bomb_is_cut_at_the_cap() {
        // 100 MiB of zeros compresses to about 100 KiB.
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..100 {
            enc.write_all(&zeros).expect("gzip write");
        }
        let bomb = enc.finish().expect("gzip finish");
        assert!(bomb.len() < 1024 * 1024);
        let out = gunzip(&bomb);
        assert_eq!(out.len() as u64, MAX_DECOMPRESSED_BYTES);
        let s = parse(&bomb, &base());
        assert_eq!(s, Sitemap::default());
    }

    #[test]
    fn google_news_sitemap() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
  <url>
    <loc>https://example.com/business/article55.html</loc>
    <news:news>
      <news:publication>
        <news:name>The Example Times</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-12-23</news:publication_date>
      <news:title>Companies A, B in Merger Talks</news:title>
    </news:news>
    <image:image><image:loc>https://cdn.example.com/a.jpg</image:loc></image:image>
    <video:video>
      <video:thumbnail_loc>https://cdn.example.com/t.jpg</video:thumbnail_loc>
      <video:content_loc>https://cdn.example.com/v.mp4</video:content_loc>
    </video:video>
    <image:loc>https://cdn.example.com/stray.jpg</image:loc>
  </url>
  <url><loc>https://example.com/world/article56.html</loc></url>
</urlset>"#;
        let s = parse(xml.as_bytes(), &base());
        assert_eq!(
            strs(&s.pages),
            [
                "https://example.com/business/article55.html",
                "https://example.com/world/article56.html"
            ]
        );
    }

    #[test]
    fn prefixed_and_oddly_cased_elements_are_tolerated() {
        let xml = r#"<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
<sm:url><sm:loc>https://example.com/a</sm:loc></sm:url>
<URL><LOC>https://example.com/b</LOC></URL>
</sm:urlset>"#;
        let s = parse(xml.as_bytes(), &base());
        assert_eq!(
            strs(&s.pages),
            ["https://example.com/a", "https://example.com/b"]
        );
    }

    #[test]
    fn malformed_xml_keeps_what_came_before() {
        let xml = "<urlset><url><loc>https://example.com/a</loc></url>\
                   <url><loc>https://example.com/b</loc></wrong></url>\
                   <url><loc>https://example.com/c&nbsp;x</loc></url>\
                   <url><loc>https://example.com/d?x=1&y=2</loc></url>\
                   <url><loc>https://example.com/e</loc></url><<<>>&&;\
                   <url><loc>https://example.com/f";
        let s = parse(xml.as_bytes(), &base());
        let got = strs(&s.pages);
        assert_eq!(got[..2], ["https://example.com/a", "https://example.com/b"]);
        assert!(got.contains(&"https://example.com/d?x=1&y=2"), "{got:?}");
        assert!(!got.iter().any(|u| u.ends_with("/f")), "{got:?}");
        // Garbage of every kind does not panic.
        for junk in crate::junk::JUNK {
            let _ = parse(junk, &base());
        }
    }

    #[test]
    fn plain_text_sitemap() {
        let text = "https://example.com/a\r\n\n  https://example.com/b  \nnot a url\n/relative\nftp://example.com/c\nhttps://example.com/a#x\nhttp://example.com/d";
        let s = parse(text.as_bytes(), &base());
        assert_eq!(
            strs(&s.pages),
            [
                "https://example.com/a",
                "https://example.com/b",
                "http://example.com/d"
            ]
        );
        assert!(s.sitemaps.is_empty());
        // Gzip-compressed plain text too.
        let s = parse(&gzip(text.as_bytes()), &base());
        assert_eq!(s.pages.len(), 3);
        // With a BOM.
        let s = parse("\u{feff}https://example.com/a\n".as_bytes(), &base());
        assert_eq!(strs(&s.pages), ["https://example.com/a"]);
    }

    #[test]
    fn empty_input() {
        assert_eq!(parse(b"", &base()), Sitemap::default());
        assert_eq!(parse(b"   \n", &base()), Sitemap::default());
    }

    #[test]
    fn latin1_declared_encoding() {
        let xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://example.com/caf\xe9</loc></url></urlset>";
        let s = parse(xml, &base());
        assert_eq!(strs(&s.pages), ["https://example.com/caf%C3%A9"]);
    }
}
