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
//! One departure from browsers, for the data's sake: a declared legacy encoding (steps 2-4) that
//! the bytes contradict gives way to UTF-8 ([`utf8_despite`]): a body with non-ASCII bytes that is
//! valid UTF-8 throughout is UTF-8, whatever its server or its `<meta>` says.
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
    let encoding = choose(body, declared(body, content_type));
    let (text, _had_errors) = encoding.decode_without_bom_handling(body);
    (text.into_owned(), encoding)
}

/// The encoding of a body without a byte-order mark, given what it declares ([`declared`]: the
/// header, the prescan, a later `<meta>`, steps 2 to 4): the declaration unless the bytes
/// contradict it, else step 5.
fn choose(body: &[u8], declared: Option<&'static Encoding>) -> &'static Encoding {
    match declared {
        Some(encoding) if utf8_despite(encoding, body) => UTF_8,
        Some(encoding) => encoding,
        // 5. No declaration: valid UTF-8 stays UTF-8, otherwise ask the detector.
        None if std::str::from_utf8(body).is_ok() => UTF_8,
        None => {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(body, true);
            detector.guess(None, true)
        }
    }
}

/// Whether `body`, declared as `encoding`, is UTF-8 all the same: the declaration names a legacy
/// single- or multi-byte encoding that ASCII passes through (not UTF-8, UTF-16, ISO-2022-JP or
/// x-user-defined), the body holds non-ASCII bytes, and every one of them is part of a valid
/// UTF-8 sequence (the last may be cut, by `--max-bytes`).
///
/// Why the bytes beat the label: pages converted to UTF-8 (a CMS migration, a proxy, a page
/// saver) keep their old `<meta charset>`, and servers label every page with a default charset
/// (Apache's `AddDefaultCharset ISO-8859-1`) whatever it holds; read as declared, such a page is
/// mojibake from its first accented letter. Text really written in a legacy encoding is not valid
/// UTF-8 once it holds a few non-ASCII characters: in UTF-8 every byte from 0xC2 up must be
/// followed by exactly its one to three continuation bytes (0x80-0xBF), and letters in
/// windows-1252, windows-1251, GBK, Shift_JIS or EUC-KR follow one another, or ASCII, instead.
fn utf8_despite(encoding: &'static Encoding, body: &[u8]) -> bool {
    if encoding == UTF_8 || encoding == X_USER_DEFINED || !encoding.is_ascii_compatible() {
        return false;
    }
    if body.is_ascii() {
        return false;
    }
    match std::str::from_utf8(body) {
        Ok(_) => true,
        // Cut inside its last character (the byte budget), valid before it.
        Err(e) => e.error_len().is_none(),
    }
}

/// [`decode_html`] for a body the caller no longer needs: a UTF-8 body (the common case) becomes
/// the `String` without a copy.
pub fn decode_html_owned(body: Vec<u8>, content_type: Option<&str>) -> (String, &'static Encoding) {
    if Encoding::for_bom(&body).is_some() {
        return decode_html(&body, content_type);
    }
    let declared = declared(&body, content_type);
    // UTF-8 by its declaration, by having none, or by its bytes against a legacy one: the
    // `String` is the body itself when it is valid throughout.
    let body = if declared.is_none_or(|e| e == UTF_8 || utf8_despite(e, &body)) {
        match String::from_utf8(body) {
            Ok(text) => return (text, UTF_8),
            Err(e) => e.into_bytes(),
        }
    } else {
        body
    };
    let encoding = choose(&body, declared);
    let (text, _had_errors) = encoding.decode_without_bom_handling(&body);
    (text.into_owned(), encoding)
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
mod tests;
