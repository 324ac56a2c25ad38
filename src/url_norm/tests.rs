//! `url_norm`'s tests (beside `mod.rs`, whose code they outweigh).

use super::*;

#[test]
fn named_urls_are_http_only_and_never_empty() {
    let base = Url::parse("https://example.com/feeds/rss.xml").expect("base");
    assert_eq!(
        named_url(Some(&base), " a.html#x ").map(String::from),
        Some("https://example.com/feeds/a.html".to_owned())
    );
    assert_eq!(named_url(None, "a.html"), None);
    assert_eq!(named_url(None, "mailto:x@example.com"), None);
    assert_eq!(named_url(Some(&base), "javascript:void(0)"), None);
    assert_eq!(named_url(Some(&base), "  "), None);
}

fn u(s: &str) -> Url {
    http_url(None, s).expect("test URL")
}

#[test]
fn fragment_is_dropped_and_nothing_else_rewritten() {
    assert_eq!(
        u("HTTP://Example.COM:80/a/../b?x=1&a=2#frag").as_str(),
        "http://example.com/b?x=1&a=2"
    );
}

#[test]
fn non_http_schemes_are_refused() {
    for s in [
        "mailto:a@b.c",
        "javascript:void(0)",
        "ftp://x.org/",
        "data:text/html,hi",
        "not a url",
    ] {
        assert!(http_url(None, s).is_none(), "{s}");
    }
}

#[test]
fn canonical_sorts_query_and_drops_tracking() {
    assert_eq!(
        canonical(&u(
            "https://n.ru/a?utm_source=x&b=2&a=1&fbclid=z&UTM_medium=q&gclid=1"
        )),
        "https://n.ru/a?a=1&b=2"
    );
    assert_eq!(
        canonical(&u("https://n.ru/a?utm_source=x")),
        "https://n.ru/a"
    );
    assert_eq!(
        key(&u("https://n.ru/a?b=2&a=1")),
        key(&u("https://n.ru/a?a=1&b=2&utm_campaign=c"))
    );
    assert_ne!(key(&u("https://n.ru/a?a=1")), key(&u("https://n.ru/a?a=2")));
    assert_ne!(key(&u("http://n.ru/a")), key(&u("https://n.ru/a")));
}

#[test]
fn the_fast_key_equals_the_key_of_the_canonical_form() {
    for s in [
        "https://n.ru/a/b",
        "https://n.ru/",
        "http://x.test:8080/p?q=1&a=2",
        "https://n.ru/a?",
    ] {
        let url = u(s);
        assert_eq!(key(&url), key_of_canonical(&canonical(&url)), "{s}");
    }
}

#[test]
fn empty_query_pieces_are_ignored() {
    assert_eq!(canonical(&u("https://n.ru/a?&&b=1&")), "https://n.ru/a?b=1");
}

/// The persisted key is a fixed function of the canonical bytes: these values are in state
/// files on disk and must never change (see `key_of_canonical`). They were checked against an
/// independent SipHash-2-4 implementation written from the paper, and equal what the
/// zero-keyed `std::hash::SipHasher` gave through `Hash for str` when it was used.
#[test]
fn golden_keys() {
    let cases: [(&str, &str, UrlKey); 5] = [
        ("https://n.ru/", "https://n.ru/", 0x515f_5f75_e89c_9b28),
        (
            "https://example.com/news/2024/article.html#comments",
            "https://example.com/news/2024/article.html",
            0x448a_da0f_3ab7_d86b,
        ),
        (
            "https://n.ru/a?utm_source=x&b=2&a=1&fbclid=z",
            "https://n.ru/a?a=1&b=2",
            0xb075_a124_13a0_c51e,
        ),
        (
            "HTTP://X.test:8080/p?q=1&a=2&gclid=9",
            "http://x.test:8080/p?a=2&q=1",
            0x680f_678f_b9ab_ee41,
        ),
        (
            "https://пример.рф/путь?q=я",
            "https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C?q=%D1%8F",
            0x71ae_27f0_26e7_f6b8,
        ),
    ];
    for (input, canon, golden) in cases {
        let url = u(input);
        assert_eq!(canonical(&url), canon, "{input}");
        assert_eq!(key(&url), golden, "{input}: {:#018x}", key(&url));
        assert_eq!(key_of_canonical(canon), golden, "{canon}");
    }
}

/// The crate computes the SipHash-2-4 of the specification: the paper's test vector (key
/// 00..0f, message 00..0e), and a streamed feed equals the one-shot hash of the whole message.
#[test]
fn the_hash_is_siphash_2_4_as_specified() {
    let key: [u8; 16] = std::array::from_fn(|i| i as u8);
    let msg: Vec<u8> = (0..15).collect();
    let h = siphasher::sip::SipHasher24::new_with_key(&key);
    assert_eq!(h.hash(&msg), 0xa129_ca61_49be_45e5);
    for canon in [
        "",
        "https://n.ru/",
        "https://n.ru/a/very/long/path/past/a/block?x=1",
    ] {
        let mut bytes = canon.as_bytes().to_vec();
        bytes.push(0xFF);
        assert_eq!(
            key_of_canonical(canon),
            siphasher::sip::SipHasher24::new_with_keys(0, 0).hash(&bytes),
            "{canon}"
        );
    }
}

/// The href rule as extraction sees it: against a page URL with a query and a fragment.
mod href_rule {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/dir/page.html?q=1#top").expect("test url")
    }

    fn r(href: &str) -> Option<String> {
        http_url(Some(&base()), href).map(String::from)
    }

    #[test]
    fn resolves_relative_forms() {
        assert_eq!(
            r("other.html").as_deref(),
            Some("https://example.com/dir/other.html")
        );
        assert_eq!(
            r("../up.html").as_deref(),
            Some("https://example.com/up.html")
        );
        assert_eq!(r("../../../x").as_deref(), Some("https://example.com/x"));
        assert_eq!(r("/root").as_deref(), Some("https://example.com/root"));
        assert_eq!(
            r("//cdn.example.org/x").as_deref(),
            Some("https://cdn.example.org/x")
        );
        assert_eq!(
            r("?p=2").as_deref(),
            Some("https://example.com/dir/page.html?p=2")
        );
        assert_eq!(r("./").as_deref(), Some("https://example.com/dir/"));
    }

    #[test]
    fn empty_and_fragment_only_hrefs_resolve_to_the_base() {
        assert_eq!(
            r("").as_deref(),
            Some("https://example.com/dir/page.html?q=1")
        );
        assert_eq!(
            r("#frag").as_deref(),
            Some("https://example.com/dir/page.html?q=1")
        );
        assert_eq!(
            r(" \t\n").as_deref(),
            Some("https://example.com/dir/page.html?q=1")
        );
    }

    #[test]
    fn trims_ascii_whitespace_only() {
        assert_eq!(
            r(" \t\n\x0C\r/a b \r\n").as_deref(),
            Some("https://example.com/a%20b")
        );
        // U+00A0 is not ASCII whitespace: it stays and gets percent-encoded.
        assert_eq!(
            r("\u{A0}x").as_deref(),
            Some("https://example.com/dir/%C2%A0x")
        );
    }

    #[test]
    fn drops_fragments() {
        assert_eq!(
            r("a.html#x").as_deref(),
            Some("https://example.com/dir/a.html")
        );
        assert_eq!(
            r("https://other.org/p?x=1#y").as_deref(),
            Some("https://other.org/p?x=1")
        );
    }

    #[test]
    fn keeps_only_http_and_https() {
        assert_eq!(r("http://plain.org").as_deref(), Some("http://plain.org/"));
        assert_eq!(
            r("HTTPS://UPPER.ORG/Path").as_deref(),
            Some("https://upper.org/Path")
        );
        for href in [
            "mailto:a@b.c",
            "javascript:void(0)",
            " JavaScript:alert(1)",
            "tel:+123",
            "data:text/html,hi",
            "ftp://files.example.com/",
            "file:///etc/passwd",
            "about:blank",
        ] {
            assert_eq!(r(href), None, "{href}");
        }
    }

    #[test]
    fn unparsable_hrefs_are_dropped() {
        assert_eq!(r("http://"), None);
        assert_eq!(r("https://exa mple.com/"), None);
        assert_eq!(r("http://[::1"), None);
    }
}
