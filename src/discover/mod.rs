//! News discovery: turning fetched sitemaps ([`sitemap`]) and feeds ([`feeds`]) into page URLs,
//! and finding the feeds an HTML page announces. These are pure parsers over bytes the crawler
//! already fetched: they must never do network I/O, apply crawl policy (scope, robots, dedup
//! across documents), or panic on malformed input; what parsed before an error is returned, and
//! anything that is not an absolute http(s) URL is dropped silently.

pub mod feeds;
pub mod sitemap;

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesText, Event};
use quick_xml::Reader;
use url::Url;

/// How far into an XML document the `<?xml ... encoding="..."?>` declaration is looked for.
const DECLARATION_SCAN: usize = 1024;

/// The document as text: a BOM decides the encoding, else the XML declaration's `encoding`
/// (any label encoding_rs knows, ASCII-compatible ones only), else UTF-8. Malformed sequences
/// become U+FFFD; the BOM is removed.
fn decode_document(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return text;
    }
    let encoding = declared_encoding(bytes).unwrap_or(encoding_rs::UTF_8);
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    text
}

/// The encoding named by the XML declaration at the start of `bytes`, if it is one encoding_rs
/// knows and ASCII-compatible (a UTF-16 label on a document without a BOM is a lie).
fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(DECLARATION_SCAN)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|b| *b == b'=')? + 1..];
    let rest = rest.trim_ascii_start();
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let rest = &rest[1..];
    let label = &rest[..rest.iter().position(|b| *b == quote)?];
    encoding_rs::Encoding::for_label(label).filter(|e| e.is_ascii_compatible())
}

/// A quick-xml reader as forgiving as quick-xml allows: end tags need not match, a lone `&` is
/// text. Whatever it still rejects ends the parse where it is.
fn lenient_reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    config.trim_text(false);
    reader
}

/// The reader's next event; `None` at the end of the text or at the first error, which ends
/// the parse where it is.
fn next_event<'a>(reader: &mut Reader<&'a [u8]>) -> Option<Event<'a>> {
    match reader.read_event() {
        Ok(Event::Eof) | Err(_) => None,
        Ok(event) => Some(event),
    }
}

/// Append character data to `out`.
fn push_text(out: &mut String, text: &BytesText<'_>) {
    if let Ok(text) = text.decode() {
        out.push_str(&text);
    }
}

/// Append the text of a reference (`&amp;`, `&#x2F;`, `&nbsp;`) to `out`: character references
/// and XML's five entities are resolved, HTML's named entities too (feeds use them), anything
/// else is kept as written.
fn push_reference(out: &mut String, reference: &BytesRef<'_>) {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        out.push(c);
        return;
    }
    let Ok(name) = reference.decode() else {
        return;
    };
    let written = format!("&{name};");
    out.push_str(&htmlize::unescape(written.as_str()));
}

/// Push `url` unless it is already in `list` (keeps first-seen order).
fn push_distinct(list: &mut Vec<Url>, url: Url) {
    if !list.contains(&url) {
        list.push(url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_decoded_by_bom_declaration_or_utf8() {
        assert_eq!(decode_document(b"\xEF\xBB\xBF<a/>"), "<a/>");
        assert_eq!(
            decode_document(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>"),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\u{e9}</a>"
        );
        assert_eq!(
            decode_document(b"  <?xml version='1.0' encoding='windows-1251'?>\xef"),
            "  <?xml version='1.0' encoding='windows-1251'?>\u{43f}"
        );
        // UTF-16 with a BOM.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<a/>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_document(&utf16), "<a/>");
        // A UTF-16 label without a BOM is ignored; bad UTF-8 becomes U+FFFD.
        assert_eq!(
            decode_document(b"<?xml encoding=\"UTF-16\"?><a>\xff</a>"),
            "<?xml encoding=\"UTF-16\"?><a>\u{fffd}</a>"
        );
    }

    #[test]
    fn references_are_resolved() {
        let mut out = String::new();
        push_reference(&mut out, &BytesRef::new("amp"));
        push_reference(&mut out, &BytesRef::new("#x2F"));
        push_reference(&mut out, &BytesRef::new("#47"));
        push_reference(&mut out, &BytesRef::new("nbsp"));
        push_reference(&mut out, &BytesRef::new("nosuchentity"));
        assert_eq!(out, "&//\u{a0}&nosuchentity;");
    }
}
