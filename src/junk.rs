//! Test-only: inputs no markup parser may panic on (truncated tags and attributes, broken and
//! truncated XML, a recursive entity, gzip magic with garbage after it, invalid UTF-8). One list,
//! run through the `<meta>` prescan (`download/charset.rs`), the feed parser and the sitemap parser.

pub(crate) const JUNK: &[&[u8]] = &[
    b"",
    b"<",
    b"</",
    b"<!",
    b"<a",
    b"<a b",
    b"<a b=",
    b"<a b='",
    b"<meta ",
    b"\xff\xfe<",
    b"not xml at all",
    b"<<<>>>&&&",
    b"<?xml",
    b"<a></b></c>",
    b"<rss><item><link>",
    b"<item><link href=\"x\" href=\"y\"/></item>",
    b"<entry><link href='\xff\xfe'/></entry>",
    b"<!DOCTYPE x [<!ENTITY a \"&a;\">]><rss><item><link>&a;</link></item></rss>",
    b"<urlset><url><loc>",
    b"<!DOCTYPE x [<!ENTITY a \"&a;&a;\">]><urlset><url><loc>&a;</loc></url></urlset>",
    b"\x1f\x8b",
    b"\x1f\x8b\x08\x00garbage",
    b"<\xff\xfe\x00>",
];
