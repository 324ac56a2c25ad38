//! The sitemap reader's tests (beside `sitemap.rs`, whose code they outweigh).

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
