//! Page-level robots directives: the robots `<meta>` tag and the `X-Robots-Tag` header (as
//! Google documents them), reduced to the one question a crawler that archives pages asks: may
//! this page's links be followed? `nofollow` and `none` say no. `noindex` says nothing here:
//! trawl is not a search index, so a `noindex` page is still fetched and written.
//!
//! A directive names its audience: `<meta name="robots">` and a header without a prefix are for
//! every crawler; `<meta name="TOKEN">` and `X-Robots-Tag: TOKEN: nofollow` only for the crawler
//! whose robots product token is TOKEN (case-insensitively), as in robots.txt.
//!
//! `rel="nofollow"` on a single link is not one of these: it tells search engines not to pass
//! the page's endorsement to that link (RFC-less, since 2005; Google now reads it as a hint),
//! and says nothing about whether a crawler may fetch the target; a site that does not want it
//! fetched says so in its robots.txt, which trawl obeys. Such links are followed.
//!
//! Nothing here fetches or parses HTML: the extractors collect [`RobotsMeta`], the fetcher
//! keeps the header values.

/// The robots meta elements of a page that stop link following: the names (lowercased) of the
/// `<meta name=... content=...>` elements of the document whose content holds `nofollow` or
/// `none`, each once, in document order. Both extractors collect it (and are held equal).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RobotsMeta {
    names: Vec<String>,
}

impl RobotsMeta {
    /// Take note of one `<meta>` element's `name` and `content` (attribute values, decoded).
    pub fn note(&mut self, name: &str, content: &str) {
        if !says_nofollow(content) {
            return;
        }
        let name = name.trim_matches(is_ascii_ws).to_ascii_lowercase();
        if !self.names.contains(&name) {
            self.names.push(name);
        }
    }

    /// Do the page's meta elements forbid following its links to the crawler with this robots
    /// product token (`robots` always applies)?
    pub fn nofollow_for(&self, token: &str) -> bool {
        self.names
            .iter()
            .any(|n| n == "robots" || (!token.is_empty() && n.eq_ignore_ascii_case(token)))
    }
}

fn is_ascii_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// Does a list of directives (`noindex, nofollow`; commas or spaces between them, any case)
/// say `nofollow` or `none`?
pub fn says_nofollow(directives: &str) -> bool {
    directives
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .any(|d| d.eq_ignore_ascii_case("nofollow") || d.eq_ignore_ascii_case("none"))
}

/// Directives that take a value after a colon: a header value starting with one of them has no
/// crawler prefix.
const VALUED: &[&str] = &[
    "unavailable_after",
    "max-snippet",
    "max-image-preview",
    "max-video-preview",
];

/// Do these `X-Robots-Tag` header values forbid following the page's links to the crawler with
/// this product token? A value is `directives` (for every crawler) or `token: directives`.
pub fn header_nofollow<'a>(values: impl IntoIterator<Item = &'a str>, token: &str) -> bool {
    values.into_iter().any(|value| {
        let (audience, directives) = match value.split_once(':') {
            Some((prefix, rest)) if is_prefix(prefix.trim()) => (Some(prefix.trim()), rest),
            _ => (None, value),
        };
        let ours = audience.is_none_or(|a| !token.is_empty() && a.eq_ignore_ascii_case(token));
        ours && says_nofollow(directives)
    })
}

/// A crawler name before a colon: a product token that is not a directive with a value.
fn is_prefix(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !VALUED.iter().any(|v| v.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_names_robots_or_our_token() {
        let mut m = RobotsMeta::default();
        m.note("description", "nofollow is a word");
        assert!(!m.nofollow_for("trawl"));
        m.note(" MyBot ", "noindex,NOFOLLOW");
        assert!(m.nofollow_for("mybot") && !m.nofollow_for("trawl") && !m.nofollow_for(""));
        m.note("robots", "none");
        assert!(m.nofollow_for("trawl"));
        let mut idx = RobotsMeta::default();
        idx.note("robots", "noindex, noarchive");
        assert!(!idx.nofollow_for("trawl"));
    }

    #[test]
    fn header_with_and_without_a_crawler_prefix() {
        assert!(header_nofollow(["noindex, nofollow"], "trawl"));
        assert!(header_nofollow(["none"], "trawl"));
        assert!(!header_nofollow(["noindex"], "trawl"));
        assert!(header_nofollow(["Trawl: nofollow"], "trawl"));
        assert!(!header_nofollow(["googlebot: nofollow"], "trawl"));
        assert!(header_nofollow(["googlebot: noindex", "nofollow"], "trawl"));
        assert!(!header_nofollow(
            ["unavailable_after: 25 Jun 2010 15:00:00 PST"],
            "trawl"
        ));
        assert!(header_nofollow(["max-snippet: 20, nofollow"], "trawl"));
        assert!(!header_nofollow(Vec::<&str>::new(), "trawl"));
    }
}
