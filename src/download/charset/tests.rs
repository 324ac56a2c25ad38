//! Tests of [`super`], the encoding decision: the owned decoder agrees with the borrowed one,
//! the header, `<meta>` prescan, BOM and detection steps in their WHATWG order, and a declaration
//! later in the head (step 4). Here rather than in `charset.rs` because they outweigh its code.

use super::*;
use encoding_rs::{
    EUC_JP, IBM866, ISO_8859_2, ISO_8859_5, KOI8_R, KOI8_U, SHIFT_JIS, WINDOWS_1251, X_MAC_CYRILLIC,
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

// The owned decoder (the worker's, which reuses the body's buffer) agrees with the borrowed one.

#[test]
fn owned_decoding_agrees_with_borrowed() {
    let cases: [(&[u8], Option<&str>); 7] = [
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
        (
            b"<meta charset=gb2312><title>\xe4\xb8\xad\xe6\x96\x87</title>",
            Some("text/html"),
        ),
    ];
    for (body, ct) in cases {
        let (a, ea) = decode_html(body, ct);
        let (b, eb) = decode_html_owned(body.to_vec(), ct);
        assert_eq!((a, ea.name()), (b, eb.name()), "{body:?} {ct:?}");
    }
}

// A declaration later in the head, after the prescan window (step 4).

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

// A declaration the bytes contradict: valid UTF-8 with non-ASCII bytes is UTF-8.

const CHINESE: &str =
    "谷歌在2014年收购的人工智能公司DeepMind开发出一款能够用自己的记忆学习新知识的计算机。";

#[test]
fn valid_utf8_beats_a_legacy_declaration() {
    // A page converted to UTF-8 that kept its <meta charset=gb2312> (a saved Chinese news
    // page); a UTF-8 French page under Apache's default ISO-8859-1 header; the same page
    // declared windows-1251 late in its head.
    let cases: [(&str, String, &str, Option<&str>); 3] = [
        (
            "meta gb2312",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">".into(),
            CHINESE,
            Some("text/html"),
        ),
        (
            "header iso-8859-1",
            String::new(),
            FRENCH,
            Some("text/html; charset=ISO-8859-1"),
        ),
        (
            "late meta windows-1251",
            format!(
                "<style>{}</style><meta charset=windows-1251>",
                "p{margin:0}\n".repeat(120)
            ),
            FRENCH,
            None,
        ),
    ];
    for (case, head, text, content_type) in cases {
        let body = page(&head, text, UTF_8);
        let (decoded, enc) = decode_html(&body, content_type);
        assert_eq!(enc, UTF_8, "{case}: chose {}", enc.name());
        assert!(decoded.contains(text), "{case}: {decoded}");
        let (owned, enc) = decode_html_owned(body, content_type);
        assert_eq!((owned, enc), (decoded, UTF_8), "{case}: owned");
    }
}

#[test]
fn a_body_cut_inside_its_last_character_is_still_utf8() {
    let mut body = page("<meta charset=windows-1252>", FRENCH, UTF_8);
    body.extend_from_slice("<p>é".as_bytes());
    body.pop(); // `--max-bytes` cut the é in half
    let (text, enc) = decode_html(&body, None);
    assert_eq!(enc, UTF_8);
    assert!(
        text.contains(FRENCH) && text.ends_with("<p>\u{FFFD}"),
        "{text}"
    );
}

#[test]
fn the_declaration_stands_when_the_bytes_agree_or_cannot_tell() {
    // Real legacy text is never valid UTF-8: the declaration is taken.
    for (encoding, text) in [
        (WINDOWS_1252, FRENCH),
        (WINDOWS_1251, RUSSIAN),
        (SHIFT_JIS, JAPANESE),
        (encoding_rs::GBK, CHINESE),
        (EUC_JP, JAPANESE),
    ] {
        let label = format!("text/html; charset={}", encoding.name());
        let (decoded, enc) = decode_html(&page("", text, encoding), Some(&label));
        assert_eq!(enc, encoding, "{}", encoding.name());
        assert!(decoded.contains(text), "{}: {decoded}", encoding.name());
    }
    // All ASCII: nothing to contradict, the declared name is kept (the `encoding` column).
    let ascii = page("<meta charset=windows-1251>", "Plain news", UTF_8);
    assert_eq!(decode_html(&ascii, None).1, WINDOWS_1251);
    // ISO-2022-JP is 7-bit: its escapes are valid UTF-8, and it stays ISO-2022-JP.
    let jis = page("", JAPANESE, encoding_rs::ISO_2022_JP);
    let (decoded, enc) = decode_html(&jis, Some("text/html; charset=iso-2022-jp"));
    assert_eq!(enc, encoding_rs::ISO_2022_JP);
    assert!(decoded.contains(JAPANESE), "{decoded}");
    // x-user-defined from the header is honoured as is, valid UTF-8 or not.
    let body = page("", FRENCH, UTF_8);
    let (_, enc) = decode_html(&body, Some("text/html; charset=x-user-defined"));
    assert_eq!(enc, X_USER_DEFINED);
}
