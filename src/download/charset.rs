//! Character-encoding decision and decoding of fetched HTML bodies, following the WHATWG
//! "determining the character encoding" order:
//!
//! 1. a byte-order mark;
//! 2. the HTTP `Content-Type` charset;
//! 3. a `<meta>` prescan of the first 1024 bytes ([`prescan_meta`]);
//! 4. a `<meta>` declaration later in the head ([`late_head_meta`]): what the standard's "change
//!    the encoding" step and browsers do when the parser meets one after the prescan window (a
//!    head full of scripts and styles pushes it there on about one page in eight);
//! 5. with no declaration at all: UTF-8 if the body is valid UTF-8, else the `chardetng`
//!    detector (a guess, which a declaration always beats).
//!
//! This module owns only bytes → text. It must never parse the document beyond the meta
//! prescan, never do I/O, and never panic or fail on hostile input: malformed byte sequences
//! become U+FFFD and every decision falls back to a usable encoding.

use encoding_rs::{Encoding, REPLACEMENT, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};

/// How many leading bytes the `<meta>` prescan looks at (WHATWG).
const PRESCAN_LIMIT: usize = 1024;

/// How far [`late_head_meta`] looks for a declaration the prescan missed: heads of news pages
/// carry tens of KB of inline scripts and styles before theirs (the latest seen in the
/// development corpus sits at 8.7 KB), and the scan stops at `<body` or `</head>` well before
/// this on most pages.
const LATE_META_LIMIT: usize = 64 * 1024;

/// The elements whose content is text to the HTML tokenizer, not markup: a `<meta>` written
/// inside one (a script's string, a style, a title) is not a declaration.
const RAW_TEXT: [&[u8]; 9] = [
    b"script",
    b"style",
    b"title",
    b"textarea",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
];

/// The encoding the page declares: the HTTP charset, else a `<meta>` in the prescan window,
/// else one later in the head (steps 2 to 4 of the module's order).
fn declared(body: &[u8], content_type: Option<&str>) -> Option<&'static Encoding> {
    content_type
        .and_then(charset_from_content_type)
        .or_else(|| prescan_meta(body))
        .or_else(|| late_head_meta(body))
}

/// Decode an HTML body the WHATWG way. Returns the text and the name of the encoding used
/// (encoding_rs name, e.g. "UTF-8", "windows-1251", "KOI8-R", "Shift_JIS", "windows-1252").
pub fn decode_html(body: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    // 1. A byte-order mark beats every declaration.
    if let Some((encoding, _bom_len)) = Encoding::for_bom(body) {
        let (text, _had_errors) = encoding.decode_with_bom_removal(body);
        return (text.into_owned(), encoding);
    }
    // 2. Transport layer, 3. meta prescan, 4. a later meta in the head.
    let encoding = match declared(body, content_type) {
        Some(encoding) => encoding,
        // 5. No declaration: valid UTF-8 stays UTF-8, otherwise ask the detector.
        None if std::str::from_utf8(body).is_ok() => UTF_8,
        None => {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(body, true);
            detector.guess(None, true)
        }
    };
    let (text, _had_errors) = encoding.decode_without_bom_handling(body);
    (text.into_owned(), encoding)
}

/// [`decode_html`] for a body the caller no longer needs: a UTF-8 body (the common case) becomes
/// the `String` without a copy.
pub fn decode_html_owned(body: Vec<u8>, content_type: Option<&str>) -> (String, &'static Encoding) {
    if Encoding::for_bom(&body).is_none()
        && declared(&body, content_type).is_none_or(|e| e == UTF_8)
    {
        match String::from_utf8(body) {
            Ok(text) => return (text, UTF_8),
            Err(e) => {
                let body = e.into_bytes();
                return decode_html(&body, content_type);
            }
        }
    }
    decode_html(&body, content_type)
}

/// The charset label from a Content-Type header value, if any (e.g. "text/html; charset=\"koi8-r\"").
///
/// Parameters are `;`-separated `name=value` pairs; the name is matched ASCII
/// case-insensitively, the first `charset` parameter wins, and the value may be a MIME quoted
/// string (`"..."`, with `\` escapes) or, leniently, single-quoted. Unknown labels give `None`.
/// Unlike the meta prescan, an HTTP-declared UTF-16 or x-user-defined is honoured as is.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    let mut rest = content_type;
    // Skip the MIME essence (type/subtype).
    let first_semicolon = rest.find(';')?;
    rest = &rest[first_semicolon + 1..];
    loop {
        rest = rest.trim_start_matches(is_http_whitespace);
        let name_end = rest.find([';', '=']).unwrap_or(rest.len());
        let name = rest[..name_end].trim_matches(is_http_whitespace);
        rest = &rest[name_end..];
        if let Some(after_semicolon) = rest.strip_prefix(';') {
            // A parameter without a value.
            rest = after_semicolon;
            continue;
        }
        let Some(after_equals) = rest.strip_prefix('=') else {
            return None; // end of input
        };
        rest = after_equals;
        let value: String;
        if let Some(quoted) = rest.strip_prefix('"') {
            let (unquoted, remainder) = take_quoted_string(quoted);
            value = unquoted;
            // Anything after the closing quote up to the next ';' is ignored (MIME sniffing).
            rest = match remainder.find(';') {
                Some(i) => &remainder[i + 1..],
                None => "",
            };
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            value = rest[..end]
                .trim_matches(is_http_whitespace)
                .trim_matches('\'')
                .to_string();
            rest = if end < rest.len() {
                &rest[end + 1..]
            } else {
                ""
            };
        }
        if name.eq_ignore_ascii_case("charset") {
            return Encoding::for_label(value.as_bytes());
        }
        if rest.is_empty() {
            return None;
        }
    }
}

/// Unescape a MIME quoted string whose opening `"` has been consumed. Returns the value and the
/// text after the closing quote (empty if the quote is unterminated).
fn take_quoted_string(input: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = input.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &input[i + 1..]),
            '\\' => match chars.next() {
                Some((_, escaped)) => value.push(escaped),
                None => {
                    value.push('\\');
                    return (value, "");
                }
            },
            other => value.push(other),
        }
    }
    (value, "")
}

fn is_http_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' ')
}

fn is_ascii_ws_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

/// The encoding declared by `<meta charset>` / `<meta http-equiv=Content-Type content="...charset=...">`
/// in the first 1024 bytes of `head` (bytes beyond that are ignored, so the whole body may be
/// passed). Implements the WHATWG "prescan a byte stream to determine its encoding" algorithm:
/// comments are skipped, other tags' attributes are consumed so that a `<meta` inside an
/// attribute value does not count, attribute names and values are ASCII-lowercased, duplicate
/// attributes are ignored, and `http-equiv="content-type"` is required when the charset comes
/// from `content`. A meta-declared UTF-16 means UTF-8, `x-user-defined` means windows-1252,
/// and the `replacement` encoding (labels such as `iso-2022-kr`) is ignored, as Gecko does.
/// A declaration cut off by the 1024-byte limit does not count.
pub fn prescan_meta(head: &[u8]) -> Option<&'static Encoding> {
    scan_meta(&head[..head.len().min(PRESCAN_LIMIT)], false)
}

/// The encoding declared by a `<meta>` in the head that [`prescan_meta`] did not reach: the same
/// algorithm over the first [`LATE_META_LIMIT`] bytes, which also knows what the prescan need
/// not within 1024 bytes: the content of [`RAW_TEXT`] elements (scripts, styles, the title) is
/// skipped, not read as markup, and the head ends at the first `<body` start tag or `</head>`
/// end tag (a `<meta charset>` in the body is not the page's declaration). Comments are skipped
/// as in the prescan; a declaration cut off by the limit does not count.
pub fn late_head_meta(body: &[u8]) -> Option<&'static Encoding> {
    scan_meta(&body[..body.len().min(LATE_META_LIMIT)], true)
}

/// The prescan over `input`; `head_only`: the [`late_head_meta`] rules as well.
fn scan_meta(input: &[u8], head_only: bool) -> Option<&'static Encoding> {
    let mut pos = 0;
    while pos < input.len() {
        let rest = &input[pos..];
        if rest.starts_with(b"<!--") {
            // The '>' must be preceded by "--"; the dashes of "<!--" may count ("<!-->").
            pos += 2;
            match find(&input[pos..], b"-->") {
                Some(i) => pos += i + 3,
                None => return None,
            }
            continue;
        }
        if rest.len() >= 6
            && rest[1..5].eq_ignore_ascii_case(b"meta")
            && rest[0] == b'<'
            && (is_ascii_ws_byte(rest[5]) || rest[5] == b'/')
        {
            pos += 6;
            match prescan_meta_attributes(input, &mut pos) {
                MetaOutcome::Found(encoding) => return Some(encoding),
                MetaOutcome::Next => continue,
                MetaOutcome::EndOfInput => return None,
            }
        }
        if rest.first() == Some(&b'<') {
            let tag_start = if rest.get(1) == Some(&b'/') { 2 } else { 1 };
            if rest.get(tag_start).is_some_and(u8::is_ascii_alphabetic) {
                // A start or end tag: skip its name, then its attributes.
                pos += tag_start;
                let name_start = pos;
                while pos < input.len() && !is_ascii_ws_byte(input[pos]) && input[pos] != b'>' {
                    pos += 1;
                }
                let name = &input[name_start..pos];
                let end_tag = tag_start == 2;
                if head_only
                    && (!end_tag && name.eq_ignore_ascii_case(b"body")
                        || end_tag && name.eq_ignore_ascii_case(b"head"))
                {
                    return None;
                }
                loop {
                    match get_attribute(input, &mut pos) {
                        Attr::Some(_, _) => {}
                        Attr::EndOfTag => break,
                        Attr::EndOfInput => return None,
                    }
                }
                pos += 1;
                if head_only && !end_tag && RAW_TEXT.iter().any(|r| name.eq_ignore_ascii_case(r)) {
                    // Up to the element's end tag (which the next round reads as a tag).
                    let mut close = Vec::with_capacity(name.len() + 2);
                    close.extend_from_slice(b"</");
                    close.extend_from_slice(name);
                    pos += find_ignore_ascii_case(&input[pos..], &close)?;
                }
                continue;
            }
            if matches!(rest.get(1), Some(b'!' | b'/' | b'?')) {
                // Markup declaration, bogus end tag or processing instruction.
                match input[pos..].iter().position(|&b| b == b'>') {
                    Some(i) => pos += i + 1,
                    None => return None,
                }
                continue;
            }
        }
        pos += 1;
    }
    None
}

enum MetaOutcome {
    Found(&'static Encoding),
    Next,
    EndOfInput,
}

/// The body of the prescan's `<meta` branch, with `pos` just after `<meta` and its separator.
fn prescan_meta_attributes(input: &[u8], pos: &mut usize) -> MetaOutcome {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    // None = null, Some(None) = failure, Some(Some(e)) = an encoding.
    let mut charset: Option<Option<&'static Encoding>> = None;
    loop {
        let (name, value) = match get_attribute(input, pos) {
            Attr::Some(name, value) => (name, value),
            Attr::EndOfTag => break,
            Attr::EndOfInput => return MetaOutcome::EndOfInput,
        };
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" if value == b"content-type" => got_pragma = true,
            b"content" if charset.is_none() => {
                if let Some(encoding) = charset_from_meta_content(&value) {
                    charset = Some(Some(encoding));
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Some(Encoding::for_label(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    // Processing step.
    let Some(need_pragma) = need_pragma else {
        return MetaOutcome::Next;
    };
    if need_pragma && !got_pragma {
        return MetaOutcome::Next;
    }
    let Some(Some(encoding)) = charset else {
        return MetaOutcome::Next;
    };
    let encoding = if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else if encoding == REPLACEMENT {
        // Not in the prescan algorithm itself, but what Gecko does: a meta-declared
        // "replacement" (iso-2022-kr, hz-gb-2312, ...) would turn the whole page into one
        // U+FFFD, so the declaration is ignored.
        return MetaOutcome::Next;
    } else {
        encoding
    };
    MetaOutcome::Found(encoding)
}

enum Attr {
    Some(Vec<u8>, Vec<u8>),
    EndOfTag,
    EndOfInput,
}

/// WHATWG "get an attribute". On `EndOfTag`, `pos` points at the `>`.
fn get_attribute(input: &[u8], pos: &mut usize) -> Attr {
    let byte = |p: usize| input.get(p).copied();
    // 1. Skip whitespace and slashes.
    while let Some(b) = byte(*pos) {
        if is_ascii_ws_byte(b) || b == b'/' {
            *pos += 1;
        } else {
            break;
        }
    }
    // 2.
    match byte(*pos) {
        None => return Attr::EndOfInput,
        Some(b'>') => return Attr::EndOfTag,
        Some(_) => {}
    }
    let mut name = Vec::new();
    // 4-5. Attribute name.
    loop {
        let Some(b) = byte(*pos) else {
            return Attr::EndOfInput;
        };
        if b == b'=' && !name.is_empty() {
            *pos += 1;
            return attribute_value(input, pos, name);
        }
        if is_ascii_ws_byte(b) {
            break;
        }
        if b == b'/' || b == b'>' {
            return Attr::Some(name, Vec::new());
        }
        name.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    // 6. Spaces after the name.
    while byte(*pos).is_some_and(is_ascii_ws_byte) {
        *pos += 1;
    }
    // 7-8.
    match byte(*pos) {
        None => Attr::EndOfInput,
        Some(b'=') => {
            *pos += 1;
            attribute_value(input, pos, name)
        }
        // Not '=': an attribute with an empty value; `pos` stays on the next name.
        Some(_) => Attr::Some(name, Vec::new()),
    }
}

/// Steps 9-12 of "get an attribute", with `pos` just after the `=`.
fn attribute_value(input: &[u8], pos: &mut usize, name: Vec<u8>) -> Attr {
    let mut value = Vec::new();
    let byte = |p: usize| input.get(p).copied();
    while byte(*pos).is_some_and(is_ascii_ws_byte) {
        *pos += 1;
    }
    match byte(*pos) {
        None => return Attr::EndOfInput,
        Some(quote @ (b'"' | b'\'')) => loop {
            *pos += 1;
            match byte(*pos) {
                None => return Attr::EndOfInput,
                Some(b) if b == quote => {
                    *pos += 1;
                    return Attr::Some(name, value);
                }
                Some(b) => value.push(b.to_ascii_lowercase()),
            }
        },
        Some(b'>') => return Attr::Some(name, value),
        Some(b) => {
            value.push(b.to_ascii_lowercase());
            *pos += 1;
        }
    }
    loop {
        match byte(*pos) {
            None => return Attr::EndOfInput,
            Some(b) if is_ascii_ws_byte(b) || b == b'>' => return Attr::Some(name, value),
            Some(b) => {
                value.push(b.to_ascii_lowercase());
                *pos += 1;
            }
        }
    }
}

/// WHATWG "algorithm for extracting a character encoding from a meta element" applied to a
/// `content` attribute value (e.g. `text/html; charset=koi8-r`).
fn charset_from_meta_content(content: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    loop {
        let i = find_ignore_ascii_case(&content[pos..], b"charset")?;
        pos += i + b"charset".len();
        let mut p = pos;
        while content.get(p).copied().is_some_and(is_ascii_ws_byte) {
            p += 1;
        }
        if content.get(p) != Some(&b'=') {
            continue;
        }
        p += 1;
        while content.get(p).copied().is_some_and(is_ascii_ws_byte) {
            p += 1;
        }
        let rest = &content[p..];
        return match rest.first() {
            None => None,
            Some(&quote @ (b'"' | b'\'')) => {
                let end = rest[1..].iter().position(|&b| b == quote)?;
                Encoding::for_label(&rest[1..1 + end])
            }
            Some(_) => {
                let end = rest
                    .iter()
                    .position(|&b| is_ascii_ws_byte(b) || b == b';')
                    .unwrap_or(rest.len());
                Encoding::for_label(&rest[..end])
            }
        };
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod owned_tests {
    use super::*;

    #[test]
    fn owned_decoding_agrees_with_borrowed() {
        let cases: [(&[u8], Option<&str>); 6] = [
            (b"<title>caf\xc3\xa9</title>", None),
            (
                b"<title>caf\xc3\xa9</title>",
                Some("text/html; charset=utf-8"),
            ),
            (b"<title>caf\xe9</title>", None),
            (
                b"<title>caf\xe9</title>",
                Some("text/html; charset=windows-1251"),
            ),
            (
                b"\xEF\xBB\xBF<title>x</title>",
                Some("text/html; charset=koi8-r"),
            ),
            (b"<meta charset=koi8-r><title>\xf0\xd2\xc9</title>", None),
        ];
        for (body, ct) in cases {
            let (a, ea) = decode_html(body, ct);
            let (b, eb) = decode_html_owned(body.to_vec(), ct);
            assert_eq!((a, ea.name()), (b, eb.name()), "{body:?} {ct:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{
        EUC_JP, IBM866, ISO_8859_2, ISO_8859_5, KOI8_R, KOI8_U, SHIFT_JIS, WINDOWS_1251,
        X_MAC_CYRILLIC,
    };

    const RUSSIAN: &str = "Москва - столица России, крупнейший по численности населения город \
        страны и её политический, экономический и культурный центр. Здесь расположены \
        Кремль, Красная площадь, Большой театр и множество музеев, библиотек и университетов. \
        Каждый год город посещают миллионы туристов со всего мира.";

    const JAPANESE: &str = "日本語のウェブページです。東京は日本の首都です。";

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding.encode(text);
        assert!(
            !had_errors,
            "test text not representable in {}",
            encoding.name()
        );
        bytes.into_owned()
    }

    fn page(head: &str, body_text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let mut out = format!("<!DOCTYPE html><html><head>{head}<title>").into_bytes();
        out.extend(encode(encoding, body_text));
        out.extend_from_slice(b"</title></head><body></body></html>");
        out
    }

    fn cyrillic(encoding: &'static Encoding) -> bool {
        [
            WINDOWS_1251,
            KOI8_R,
            KOI8_U,
            IBM866,
            ISO_8859_5,
            X_MAC_CYRILLIC,
        ]
        .contains(&encoding)
    }

    // --- charset_from_content_type ---

    #[test]
    fn content_type_plain_quoted_and_case() {
        assert_eq!(
            charset_from_content_type("text/html; charset=windows-1251"),
            Some(WINDOWS_1251)
        );
        assert_eq!(
            charset_from_content_type("text/html; charset=\"koi8-r\""),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_content_type("TEXT/HTML;CHARSET=KOI8-R"),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_content_type("text/html ;  Charset = utf-8 "),
            Some(UTF_8)
        );
        assert_eq!(
            charset_from_content_type("text/html; charset='shift_jis'"),
            Some(SHIFT_JIS)
        );
        assert_eq!(
            charset_from_content_type("text/html; foo=bar; charset=\"ko\\i8-r\"; x=y"),
            Some(KOI8_R)
        );
    }

    #[test]
    fn content_type_without_or_with_bad_charset() {
        assert_eq!(charset_from_content_type("text/html"), None);
        assert_eq!(charset_from_content_type(""), None);
        assert_eq!(charset_from_content_type("text/html;"), None);
        assert_eq!(charset_from_content_type("text/html; charset="), None);
        assert_eq!(charset_from_content_type("text/html; charset=bogus"), None);
        assert_eq!(charset_from_content_type("text/html; charset"), None);
        assert_eq!(
            charset_from_content_type("text/html; mycharset=koi8-r"),
            None
        );
        assert_eq!(charset_from_content_type("text/html; charset=\""), None);
    }

    #[test]
    fn content_type_first_charset_wins_and_odd_params() {
        assert_eq!(
            charset_from_content_type("text/html; charset=koi8-r; charset=utf-8"),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_content_type("text/html; novalue; charset=koi8-r"),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_content_type("text/html; a=\"x;charset=utf-8\"; charset=koi8-r"),
            Some(KOI8_R)
        );
    }

    #[test]
    fn latin1_labels_mean_windows_1252() {
        for label in ["iso-8859-1", "ISO-8859-1", "latin1", "us-ascii", "ascii"] {
            assert_eq!(
                charset_from_content_type(&format!("text/html; charset={label}")),
                Some(WINDOWS_1252),
                "{label}"
            );
        }
    }

    #[test]
    fn http_utf16_is_honoured() {
        assert_eq!(
            charset_from_content_type("text/html; charset=utf-16"),
            Some(UTF_16LE)
        );
    }

    // --- prescan_meta ---

    #[test]
    fn meta_charset_forms() {
        assert_eq!(prescan_meta(b"<meta charset=koi8-r>"), Some(KOI8_R));
        assert_eq!(prescan_meta(b"<meta charset=\"KOI8-R\">"), Some(KOI8_R));
        assert_eq!(
            prescan_meta(b"<META CHARSET='windows-1251'/>"),
            Some(WINDOWS_1251)
        );
        assert_eq!(prescan_meta(b"<meta\tcharset = utf-8 >"), Some(UTF_8));
        assert_eq!(prescan_meta(b"<meta/charset=shift_jis>"), Some(SHIFT_JIS));
        assert_eq!(
            prescan_meta(b"<html><head><meta name=x content=y><meta charset=euc-jp>"),
            Some(EUC_JP)
        );
    }

    #[test]
    fn meta_http_equiv_content() {
        assert_eq!(
            prescan_meta(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
            ),
            Some(WINDOWS_1251)
        );
        // Attribute order does not matter, quoting inside content, upper case.
        assert_eq!(
            prescan_meta(b"<META CONTENT=\"text/html;CHARSET='koi8-r'\" HTTP-EQUIV=content-type>"),
            Some(KOI8_R)
        );
        assert_eq!(
            prescan_meta(
                b"<meta http-equiv='content-type' content='text/html; charset = iso-8859-2 ; x'>"
            ),
            Some(ISO_8859_2)
        );
    }

    #[test]
    fn meta_content_needs_pragma() {
        assert_eq!(
            prescan_meta(b"<meta content=\"text/html; charset=koi8-r\">"),
            None
        );
        assert_eq!(
            prescan_meta(b"<meta http-equiv=refresh content=\"text/html; charset=koi8-r\">"),
            None
        );
        // A later pragma-less meta does not stop an even later valid one.
        assert_eq!(
            prescan_meta(b"<meta content=\"charset=koi8-r\"><meta charset=windows-1251>"),
            Some(WINDOWS_1251)
        );
    }

    #[test]
    fn meta_charset_attribute_beats_content_and_duplicates_ignored() {
        assert_eq!(
            prescan_meta(
                b"<meta http-equiv=content-type content=\"text/html; charset=koi8-r\" charset=windows-1251>"
            ),
            Some(WINDOWS_1251)
        );
        assert_eq!(
            prescan_meta(b"<meta charset=koi8-r charset=windows-1251>"),
            Some(KOI8_R)
        );
        // An unknown charset label ends this meta without a result; a later one still counts.
        assert_eq!(
            prescan_meta(b"<meta charset=nonsense><meta charset=koi8-r>"),
            Some(KOI8_R)
        );
    }

    #[test]
    fn meta_utf16_means_utf8_and_x_user_defined_means_1252() {
        assert_eq!(prescan_meta(b"<meta charset=utf-16>"), Some(UTF_8));
        assert_eq!(prescan_meta(b"<meta charset=utf-16be>"), Some(UTF_8));
        assert_eq!(
            prescan_meta(b"<meta charset=x-user-defined>"),
            Some(WINDOWS_1252)
        );
        assert_eq!(
            prescan_meta(b"<meta charset=iso-8859-1>"),
            Some(WINDOWS_1252)
        );
        assert_eq!(prescan_meta(b"<meta charset=iso-2022-kr>"), None);
        assert_eq!(
            prescan_meta(b"<meta charset=iso-2022-kr><meta charset=koi8-r>"),
            Some(KOI8_R)
        );
    }

    #[test]
    fn meta_inside_comment_is_ignored() {
        assert_eq!(
            prescan_meta(b"<!-- <meta charset=koi8-r> --><meta charset=windows-1251>"),
            Some(WINDOWS_1251)
        );
        assert_eq!(prescan_meta(b"<!-- <meta charset=koi8-r> -->"), None);
        assert_eq!(
            prescan_meta(b"<!-- unterminated <meta charset=koi8-r>"),
            None
        );
        // "<!-->" is a complete (empty) comment.
        assert_eq!(prescan_meta(b"<!--><meta charset=koi8-r>"), Some(KOI8_R));
    }

    #[test]
    fn meta_inside_other_tags_attribute_is_ignored() {
        assert_eq!(
            prescan_meta(b"<div title=\"<meta charset=koi8-r>\"><meta charset=windows-1251>"),
            Some(WINDOWS_1251)
        );
        assert_eq!(prescan_meta(b"<metal charset=koi8-r>"), None);
        assert_eq!(prescan_meta(b"<?xml encoding=\"koi8-r\"?>"), None);
        assert_eq!(
            prescan_meta(b"<!DOCTYPE html><meta charset=koi8-r>"),
            Some(KOI8_R)
        );
    }

    #[test]
    fn meta_after_1024_bytes_is_ignored() {
        let mut head = b"<html><head>".to_vec();
        head.resize(1024, b' ');
        let mut late = head.clone();
        late.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(prescan_meta(&late), None);
        // Straddling the limit does not count either.
        let mut straddle = head[..1015].to_vec();
        straddle.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(prescan_meta(&straddle), None);
        // Just inside does.
        let mut inside = head[..1000].to_vec();
        inside.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(prescan_meta(&inside), Some(KOI8_R));
    }

    #[test]
    fn prescan_never_panics_on_truncated_input() {
        let sample =
            b"<meta http-equiv=\"content-type\" content=\"text/html; charset='koi8-r'\"><!-- x -->";
        for end in 0..=sample.len() {
            let _ = prescan_meta(&sample[..end]);
        }
        for junk in crate::junk::JUNK {
            let _ = prescan_meta(junk);
        }
    }

    #[test]
    fn meta_content_extraction() {
        assert_eq!(
            charset_from_meta_content(b"text/html; charset=koi8-r"),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_meta_content(b"charset = \"koi8-r\" x"),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_meta_content(b"charsetcharset=koi8-r"),
            Some(KOI8_R)
        );
        assert_eq!(
            charset_from_meta_content(b"charset x charset=koi8-r"),
            Some(KOI8_R)
        );
        assert_eq!(charset_from_meta_content(b"charset=\"koi8-r"), None);
        assert_eq!(charset_from_meta_content(b"charset="), None);
        assert_eq!(charset_from_meta_content(b"text/html"), None);
    }

    // --- decode_html ---

    /// What `decode_html` must choose.
    enum Chosen {
        Exactly(&'static Encoding),
        /// Any Cyrillic encoding (the page declares none; detection picks one).
        SomeCyrillic,
    }

    /// (case, head, text, the page's encoding, Content-Type, what must be chosen)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static Encoding,
        Option<&'static str>,
        Chosen,
    );

    #[test]
    fn decode_html_takes_the_header_then_meta_then_detection() {
        use Chosen::{Exactly, SomeCyrillic};
        let cases: [Case; 9] = [
            (
                "windows-1251 via the header",
                "",
                RUSSIAN,
                WINDOWS_1251,
                Some("text/html; charset=windows-1251"),
                Exactly(WINDOWS_1251),
            ),
            (
                "KOI8-R via the header",
                "",
                RUSSIAN,
                KOI8_R,
                Some("text/html; charset=\"koi8-r\""),
                Exactly(KOI8_R),
            ),
            (
                "windows-1251 via meta",
                "<meta charset=\"windows-1251\">",
                RUSSIAN,
                WINDOWS_1251,
                Some("text/html"),
                Exactly(WINDOWS_1251),
            ),
            (
                "KOI8-R via meta http-equiv",
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">",
                RUSSIAN,
                KOI8_R,
                None,
                Exactly(KOI8_R),
            ),
            (
                "undeclared windows-1251 is detected",
                "",
                RUSSIAN,
                WINDOWS_1251,
                Some("text/html"),
                SomeCyrillic,
            ),
            (
                "undeclared KOI8-R is detected",
                "",
                RUSSIAN,
                KOI8_R,
                None,
                SomeCyrillic,
            ),
            (
                "Shift_JIS via the header",
                "",
                JAPANESE,
                SHIFT_JIS,
                Some("text/html; charset=Shift_JIS"),
                Exactly(SHIFT_JIS),
            ),
            (
                "the header beats meta",
                "<meta charset=koi8-r>",
                RUSSIAN,
                WINDOWS_1251,
                Some("text/html; charset=windows-1251"),
                Exactly(WINDOWS_1251),
            ),
            (
                "an unknown header label falls through to meta",
                "<meta charset=koi8-r>",
                RUSSIAN,
                KOI8_R,
                Some("text/html; charset=no-such-thing"),
                Exactly(KOI8_R),
            ),
        ];
        for (case, head, want_text, encoding, content_type, chosen) in cases {
            let body = page(head, want_text, encoding);
            let (text, enc) = decode_html(&body, content_type);
            match chosen {
                Exactly(want) => assert_eq!(enc, want, "{case}: chose {}", enc.name()),
                SomeCyrillic => assert!(cyrillic(enc), "{case}: detected {}", enc.name()),
            }
            assert!(
                text.contains(want_text),
                "{case}: {} gave {text}",
                enc.name()
            );
        }
    }

    #[test]
    fn utf8_bom_overrides_header_and_is_removed() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend(page("<meta charset=koi8-r>", RUSSIAN, UTF_8));
        let (text, enc) = decode_html(&body, Some("text/html; charset=windows-1251"));
        assert_eq!(enc, UTF_8);
        assert!(text.starts_with("<!DOCTYPE"), "BOM not removed");
        assert!(text.contains(RUSSIAN));
    }

    #[test]
    fn utf16_boms() {
        let html = format!("<title>{RUSSIAN}</title>");
        let mut le = vec![0xFF, 0xFE];
        for unit in html.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, enc) = decode_html(&le, Some("text/html; charset=koi8-r"));
        assert_eq!(enc, UTF_16LE);
        assert_eq!(text, html);

        let mut be = vec![0xFE, 0xFF];
        for unit in html.encode_utf16() {
            be.extend_from_slice(&unit.to_be_bytes());
        }
        let (text, enc) = decode_html(&be, None);
        assert_eq!(enc, UTF_16BE);
        assert_eq!(text, html);
    }

    #[test]
    fn iso_8859_1_means_windows_1252() {
        let body = b"<title>\x93quoted\x94 caf\xE9</title>";
        let (text, enc) = decode_html(body, Some("text/html; charset=iso-8859-1"));
        assert_eq!(enc, WINDOWS_1252);
        assert_eq!(enc.name(), "windows-1252");
        assert!(text.contains("\u{201C}quoted\u{201D} caf\u{E9}"));

        let mut with_meta = b"<meta charset=latin1>".to_vec();
        with_meta.extend_from_slice(body);
        let (text, enc) = decode_html(&with_meta, None);
        assert_eq!(enc, WINDOWS_1252);
        assert!(text.contains('\u{201C}'));
    }

    #[test]
    fn meta_utf16_decodes_as_utf8() {
        let mut body = b"<meta charset=utf-16><title>".to_vec();
        body.extend_from_slice(RUSSIAN.as_bytes());
        let (text, enc) = decode_html(&body, None);
        assert_eq!(enc, UTF_8);
        assert!(text.contains(RUSSIAN));
    }

    #[test]
    fn undeclared_valid_utf8_is_utf8() {
        let body = page("", RUSSIAN, UTF_8);
        let (text, enc) = decode_html(&body, None);
        assert_eq!(enc, UTF_8);
        assert!(text.contains(RUSSIAN));
        let (text, enc) = decode_html(b"<title>plain ascii</title>", None);
        assert_eq!(enc, UTF_8);
        assert_eq!(text, "<title>plain ascii</title>");
    }

    #[test]
    fn invalid_utf8_without_declaration_does_not_panic() {
        let bodies: [&[u8]; 5] = [
            b"<title>\xC3\x28 broken \xE2\x82 \xF0\x28\x8C\xBC</title>",
            b"\xFF\xFF\xFF\xFF",
            b"\x80",
            b"",
            b"\xEF\xBB",
        ];
        for body in bodies {
            let (text, enc) = decode_html(body, None);
            assert!(body.is_empty() || !text.is_empty(), "{}", enc.name());
        }
    }

    #[test]
    fn invalid_bytes_in_declared_utf8_become_replacement_chars() {
        let (text, enc) = decode_html(b"<title>a\xFFb</title>", Some("text/html; charset=utf-8"));
        assert_eq!(enc, UTF_8);
        assert_eq!(text, "<title>a\u{FFFD}b</title>");
    }

    #[test]
    fn replacement_label_from_header_is_honoured() {
        // WHATWG: iso-2022-kr and friends map to the "replacement" encoding.
        let (text, enc) = decode_html(b"<title>x</title>", Some("text/html; charset=iso-2022-kr"));
        assert_eq!(enc, REPLACEMENT);
        assert_eq!(text, "\u{FFFD}");
    }
}

#[cfg(test)]
mod late_tests {
    use super::*;
    use encoding_rs::{ISO_8859_2, WINDOWS_1251};

    const FRENCH: &str = "Élections régionales : à Besançon, la maire écologiste présente un \
        budget « très serré » où l'on prévoit des économies d'énergie et des crèches.";

    /// A Latin-1 French page whose `<meta charset>` comes after `before` bytes of head (scripts
    /// and styles, as analytics snippets and inline CSS put there).
    fn french_page(before: usize, declaration: &str) -> Vec<u8> {
        let mut head = String::from("<!DOCTYPE html><html lang=\"fr\"><head>");
        head.push_str("<script>window.dataLayer = window.dataLayer || [];");
        while head.len() < before.saturating_sub(40) {
            head.push_str("dataLayer.push({'event': 'page', 'section': 'region'});\n");
        }
        head.push_str("</script><style>p{margin:0}</style>");
        while head.len() < before {
            head.push(' ');
        }
        let at = head.len();
        head.push_str(declaration);
        head.push_str("<title>");
        let mut out = head.into_bytes();
        assert!(at >= before && at < before + 60, "declaration at {at}");
        let (latin1, _, bad) = WINDOWS_1252.encode(FRENCH);
        assert!(!bad);
        out.extend_from_slice(&latin1);
        out.extend_from_slice(b"</title></head><body><p>");
        out.extend_from_slice(&latin1);
        out.extend_from_slice(b"</p></body></html>");
        out
    }

    fn title_of(text: &str) -> &str {
        let start = text.find("<title>").map_or(0, |i| i + 7);
        let end = text[start..]
            .find("</title>")
            .map_or(text.len(), |i| start + i);
        &text[start..end]
    }

    #[test]
    fn a_declaration_after_the_prescan_window_beats_the_guess() {
        for before in [1100, 3000] {
            for decl in [
                "<meta charset=\"iso-8859-1\">",
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">",
            ] {
                let page = french_page(before, decl);
                assert_eq!(prescan_meta(&page), None, "past the window");
                let (text, enc) = decode_html(&page, Some("text/html"));
                assert_eq!(enc, WINDOWS_1252, "at {before}: {decl}");
                assert_eq!(title_of(&text), FRENCH);
                let (owned, enc) = decode_html_owned(page, None);
                assert_eq!((title_of(&owned), enc), (FRENCH, WINDOWS_1252));
            }
        }
    }

    /// A short Latin-1 page (a headline, a line of text) whose declaration comes after
    /// `before` bytes of script, or none with `declaration` empty.
    fn short_page(before: usize, declaration: &str) -> Vec<u8> {
        let (latin1, _, _) = WINDOWS_1252.encode("Fête de la musique");
        let mut page = b"<html><head><script>".to_vec();
        page.extend(std::iter::repeat_n(b' ', before));
        page.extend_from_slice(b"</script>");
        page.extend_from_slice(declaration.as_bytes());
        page.extend_from_slice(b"<title>");
        page.extend_from_slice(&latin1);
        page.extend_from_slice(b"</title></head><body><p>");
        page.extend_from_slice(&latin1);
        page.extend_from_slice(b"</p></body></html>");
        page
    }

    #[test]
    fn a_short_page_is_guessed_wrong_without_its_late_declaration() {
        // Too little text for the detector: it takes "ê" for Polish "ę".
        let (text, guessed) = decode_html(&short_page(1500, ""), None);
        assert_eq!(guessed, encoding_rs::WINDOWS_1250);
        assert_eq!(title_of(&text), "Fęte de la musique");
        let page = short_page(1500, "<meta charset=\"iso-8859-1\">");
        let (text, enc) = decode_html(&page, None);
        assert_eq!((title_of(&text), enc), ("Fête de la musique", WINDOWS_1252));
    }

    #[test]
    fn the_header_and_an_early_declaration_beat_a_late_one() {
        let page = french_page(3000, "<meta charset=\"iso-8859-2\">");
        let (_, enc) = decode_html(&page, Some("text/html; charset=windows-1251"));
        assert_eq!(enc, WINDOWS_1251, "the header wins");
        let mut early = b"<meta charset=windows-1251>".to_vec();
        early.extend(french_page(3000, "<meta charset=\"iso-8859-2\">"));
        assert_eq!(decode_html(&early, None).1, WINDOWS_1251);
        // Alone, the late declaration beats the detector, which reads this French as
        // windows-1252.
        assert_eq!(decode_html(&page, None).1, ISO_8859_2);
        let undeclared = french_page(3000, "");
        assert_eq!(decode_html(&undeclared, None).1, WINDOWS_1252);
    }

    #[test]
    fn a_declaration_in_a_comment_a_script_or_the_body_is_not_taken() {
        let comment = french_page(2000, "<!-- <meta charset=\"iso-8859-2\"> -->");
        let script = french_page(
            2000,
            "<script>document.write('<meta charset=\"iso-8859-2\">');</script>",
        );
        let style = french_page(2000, "<style>/* <meta charset=iso-8859-2> */</style>");
        for page in [&comment, &script, &style] {
            assert_eq!(
                late_head_meta(page),
                None,
                "{}",
                String::from_utf8_lossy(page)
            );
        }
        let mut body = french_page(2000, "");
        body.extend_from_slice(b"<meta charset=\"iso-8859-2\">");
        assert_eq!(late_head_meta(&body), None, "after <body");
        let after_head = b"<html><head><title>x</title></head><meta charset=iso-8859-2>";
        assert_eq!(late_head_meta(after_head), None, "after </head>");
        // An unclosed script hides the rest of the page.
        assert_eq!(
            late_head_meta(b"<script>var a='<meta charset=koi8-r>'"),
            None
        );
    }

    #[test]
    fn a_declaration_cut_by_the_window_is_read_whole_later() {
        let mut page = vec![b' '; PRESCAN_LIMIT - 10];
        page.extend_from_slice(b"<meta charset=\"windows-1251\"><title>x</title>");
        assert_eq!(prescan_meta(&page), None);
        assert_eq!(decode_html(&page, None).1, WINDOWS_1251);
        let mut far = vec![b' '; LATE_META_LIMIT];
        far.extend_from_slice(b"<meta charset=\"windows-1251\">");
        assert_eq!(late_head_meta(&far), None, "past the bound");
    }
}
