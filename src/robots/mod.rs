//! The robots room: what a site tells crawlers, as pure rules over what the downloader already
//! fetched. This file is robots.txt (one origin's rules); [`meta`] is the page-level
//! `<meta name=robots>` and `X-Robots-Tag` directives. The room's rule: it never does network
//! I/O, never keeps rules across origins or across pages (the crawl's robots cache does), and
//! never panics on any body or header value, however malformed.
//!
//! # robots.txt
//!
//! robots.txt (RFC 9309): turning one origin's robots.txt response into [`RobotsRules`] and
//! answering "may this URL be fetched?", "how long between requests?" and "which sitemaps?".
//!
//! Rule matching is texting_robots' (group selection, longest match, `*` and `$`); this module
//! only decides what the fetch outcome means, cuts the body at 500 KiB, and rewrites a few things
//! around the matcher so that it behaves as RFC 9309 says (see "Deviations" below). It must never
//! do network I/O, cache rules across origins, or panic on any body, however malformed.
//!
//! # What a response means
//!
//! | robots.txt fetch | rules |
//! |---|---|
//! | 2xx | the body (first [`MAX_ROBOTS_BYTES`]) is parsed for our product token |
//! | 3xx (redirects not resolved) | allow everything (RFC 9309 §2.3.1.2: "unavailable") |
//! | 4xx except 429 | allow everything (RFC 9309 §2.3.1.3: "unavailable") |
//! | 429, 5xx, any other status, no response | disallow everything (rows say `robots_unreachable`) |
//!
//! 429 counts as unreachable, as Google treats it: "slow down" must never turn into "crawl
//! everything". A 2xx body that texting_robots refuses (in practice: a rule whose regex exceeds its
//! size limit) allows everything, because RFC 9309 asks parsers to be lenient.
//!
//! # Deviations of texting_robots 0.2 from RFC 9309, and what this module does about them
//!
//! - Percent-encoding: texting_robots compares patterns and paths as strings after only encoding
//!   non-ASCII and a few characters, so `/a%3cd.html` never matches `/a<d.html` (`/a%3Cd.html`), and
//!   `%62%61%7A` is not `baz` as RFC 9309 §2.2.2 requires. Worked around: rule values and the
//!   URL's path + query are both brought to one canonical form first ([`canonical_path`]).
//! - Rule values that are not UTF-8 are silently dropped by texting_robots. Worked around: the
//!   canonical form percent-encodes every non-ASCII octet, so such rules match the same octets in
//!   the URL.
//! - User-agent lines are compared whole, so `User-agent: trawl/1.0` is not our group. Worked
//!   around as Google's reference parser does: the line's value is cut to its product token.
//! - An empty `Disallow:` is turned into `Allow: /`, which wins a tie against `Disallow: /` in the
//!   same group (RFC: an empty rule matches nothing). Not worked around: only a self-contradicting
//!   group is affected, and it then errs towards allowing.
//! - Rules before the first User-agent line apply to every agent when the file has no User-agent
//!   line at all (RFC: rules outside a group apply to nobody). Kept: such files clearly mean it.
//! - Crawl-delay (not part of RFC 9309) falls back to one given before any User-agent line.
//! - `$` anywhere in a pattern is an end anchor (RFC: only at the end); a `$` in the middle makes
//!   the rule match nothing.
//! - texting_robots itself does not cap the input size; [`RobotsRules::from_response`] does.

pub mod meta;

use std::sync::Arc;
use std::time::Duration;

use texting_robots::Robot;
use url::{Position, Url};

/// How much of a robots.txt body is read and parsed (RFC 9309 §2.5: at least 500 KiB); the rest
/// is neither downloaded (crawl/work/robots_cache.rs) nor parsed.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// The longest Crawl-delay obeyed; larger values are clamped to it.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// What the rules decide for every path, or the parsed file.
#[derive(Debug)]
enum Decision {
    AllowAll,
    /// robots.txt was unreachable (5xx, 429, no response).
    DisallowAll,
    Parsed(Box<Robot>),
}

/// The rules for one origin (scheme, host, port), decided from how its robots.txt fetch went.
#[derive(Debug)]
pub struct RobotsRules {
    decision: Decision,
    crawl_delay: Option<Duration>,
    sitemaps: Vec<Url>,
    /// The response the rules were made from, when kept (a shared crawl stores it, so every
    /// process makes the same rules from it).
    source: Option<Arc<RobotsSource>>,
}

/// A robots.txt response as fetched: enough to make the same [`RobotsRules`] again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotsSource {
    /// The final URL the robots.txt came from.
    pub url: Url,
    /// Its final status (`None`: no response at all).
    pub status: Option<u16>,
    pub body: Vec<u8>,
}

impl RobotsRules {
    /// From the robots.txt response: `status` is the final HTTP status after redirects (`None` when
    /// no response arrived at all: DNS, connect, timeout), `body` the bytes (only the first
    /// [`MAX_ROBOTS_BYTES`] are parsed), `user_agent` the full User-Agent header string; groups are
    /// matched on [`product_token`]`(user_agent)`, case-insensitively.
    ///
    /// See the module documentation for what each status means. A 2xx body that fails to parse
    /// allows everything. Relative `Sitemap:` lines cannot be resolved without the robots URL and
    /// are dropped here; use [`RobotsRules::from_response_at`] to keep them.
    pub fn from_response(status: Option<u16>, body: &[u8], user_agent: &str) -> RobotsRules {
        RobotsRules::build(None, status, body, user_agent)
    }

    /// [`RobotsRules::from_response`], with `Sitemap:` values resolved against `robots_url` (the
    /// final URL the robots.txt came from), so relative ones are kept too.
    pub fn from_response_at(
        robots_url: &Url,
        status: Option<u16>,
        body: &[u8],
        user_agent: &str,
    ) -> RobotsRules {
        RobotsRules::build(Some(robots_url), status, body, user_agent)
    }

    /// The rules of a kept response (see [`RobotsRules::from_response_at`]), keeping it.
    pub fn from_source(source: RobotsSource, user_agent: &str) -> RobotsRules {
        let mut rules =
            RobotsRules::from_response_at(&source.url, source.status, &source.body, user_agent);
        rules.source = Some(Arc::new(source));
        rules
    }

    /// The response these rules were made from, if it was kept.
    pub fn source(&self) -> Option<&RobotsSource> {
        self.source.as_deref()
    }

    /// Rules that allow every URL (no robots.txt, or robots disabled).
    pub fn allow_all() -> RobotsRules {
        RobotsRules {
            decision: Decision::AllowAll,
            crawl_delay: None,
            sitemaps: Vec::new(),
            source: None,
        }
    }

    /// Rules that refuse every URL but `/robots.txt`: robots.txt was unreachable.
    pub fn unreachable_rules() -> RobotsRules {
        RobotsRules {
            decision: Decision::DisallowAll,
            crawl_delay: None,
            sitemaps: Vec::new(),
            source: None,
        }
    }

    fn build(
        base: Option<&Url>,
        status: Option<u16>,
        body: &[u8],
        user_agent: &str,
    ) -> RobotsRules {
        match status {
            Some(200..=299) => RobotsRules::parse(base, body, user_agent),
            Some(429) => RobotsRules::unreachable_rules(),
            Some(300..=499) => RobotsRules::allow_all(),
            _ => RobotsRules::unreachable_rules(),
        }
    }

    fn parse(base: Option<&Url>, body: &[u8], user_agent: &str) -> RobotsRules {
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        let token = product_token(user_agent);
        // An empty token can only ever mean the `*` group.
        let agent = if token.is_empty() { "*" } else { &token };
        let prepared = prepare_body(body);
        let Ok(robot) = Robot::new(agent, &prepared) else {
            // RFC 9309 §2.2: parsers should be lenient; a file we cannot read restricts nothing.
            return RobotsRules::allow_all();
        };
        let crawl_delay = robot.delay.and_then(delay_from_secs);
        let mut sitemaps: Vec<Url> = Vec::new();
        for raw in &robot.sitemaps {
            if let Some(url) = crate::url_norm::named_url(base, raw) {
                if !sitemaps.contains(&url) {
                    sitemaps.push(url);
                }
            }
        }
        RobotsRules {
            decision: Decision::Parsed(Box::new(robot)),
            crawl_delay,
            sitemaps,
            source: None,
        }
    }

    /// Is this URL allowed? Matches the URL's path + query (no fragment) against our group, after
    /// percent-encoding is normalized on both sides (see [`canonical_path`]). `/robots.txt` itself
    /// is always allowed.
    pub fn allowed(&self, url: &Url) -> bool {
        if url.path() == "/robots.txt" {
            return true;
        }
        match &self.decision {
            Decision::AllowAll => true,
            Decision::DisallowAll => false,
            Decision::Parsed(robot) => {
                let target = &url[Position::BeforePath..Position::AfterQuery];
                robot.allowed(&canonical_path(target.as_bytes()))
            }
        }
    }

    /// Crawl-delay for our group (or, failing that, one given before any User-agent line): fractional
    /// seconds are kept to the millisecond, values above [`MAX_CRAWL_DELAY`] are clamped to it, and
    /// negative or NaN values are ignored.
    pub fn crawl_delay(&self) -> Option<Duration> {
        self.crawl_delay
    }

    /// The `Sitemap:` URLs: absolute http(s), fragment removed, distinct, in file order. They apply
    /// to every agent, whatever group they appear in.
    pub fn sitemaps(&self) -> &[Url] {
        &self.sitemaps
    }

    /// True when everything is disallowed because robots.txt was unreachable (5xx, 429, no response).
    pub fn unreachable(&self) -> bool {
        matches!(self.decision, Decision::DisallowAll)
    }
}

/// `scheme://host:port/robots.txt` for any URL of the origin (user info, query and fragment
/// dropped; a default port is not written, as the `url` crate never writes it).
pub fn robots_url(url: &Url) -> Url {
    let mut robots = url.clone();
    // Both fail only for URLs that cannot have user info (no host); nothing to remove then.
    let _ = robots.set_username("");
    let _ = robots.set_password(None);
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    robots
}

/// The product token of a User-Agent string: the leading run of `[A-Za-z_-]` characters (after
/// leading whitespace), e.g. `trawl` from `trawl/0.1.0 (+https://...)`. A browser-like string
/// that starts with `Mozilla` and names itself after `compatible;` (as Googlebot's and Bingbot's
/// do: `Mozilla/5.0 (compatible; MyBot/1.0; +https://...)`) gives the token after `compatible;`
/// (`MyBot`); any other browser's gives `Mozilla`. Empty when the string does not start with
/// such a character. (`--robots-agent` sets the token outright.)
pub fn product_token(user_agent: &str) -> String {
    let leading = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-')
            .collect()
    };
    let first = leading(user_agent);
    if first == "Mozilla" {
        if let Some((_, after)) = user_agent.split_once("compatible;") {
            let named = leading(after);
            if !named.is_empty() {
                return named;
            }
        }
    }
    first
}

/// A Crawl-delay in seconds as a duration: NaN and negative ignored, above 60 s clamped, kept to
/// the millisecond (so `0.1` is 100 ms, not the f32's 100.000001 ms).
fn delay_from_secs(secs: f32) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    let secs = f64::from(secs);
    if secs >= MAX_CRAWL_DELAY.as_secs_f64() {
        return Some(MAX_CRAWL_DELAY);
    }
    // In [0, 60_000]: the cast cannot truncate or wrap.
    let millis = (secs * 1000.0).round() as u64;
    Some(Duration::from_millis(millis))
}

/// Octets RFC 3986 calls unreserved: an escape of one of these is the octet itself.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Octets RFC 3986 calls reserved, minus `'` (which the `url` crate escapes in special-scheme
/// queries, so a literal `'` in a rule would otherwise never match).
fn is_kept_reserved(b: u8) -> bool {
    matches!(
        b,
        b':' | b'/'
            | b'?'
            | b'#'
            | b'['
            | b']'
            | b'@'
            | b'!'
            | b'$'
            | b'&'
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
    )
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn push_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0x0f)]));
}

/// The canonical form in which rule patterns and URL paths are compared (RFC 9309 §2.2.2):
/// an escape of an unreserved octet is decoded (`%62` → `b`), other escapes get uppercase hex
/// (`%3c` → `%3C`), and every octet that is neither unreserved nor reserved (controls, space,
/// `"<>`{}|\^`, `'`, non-ASCII) is escaped. A `%` not followed by two hex digits stays. The
/// result is ASCII; applying it twice changes nothing. `*` and `$` are reserved, so they survive
/// for the matcher.
pub fn canonical_path(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            let hi = input.get(i + 1).copied().and_then(hex_value);
            let lo = input.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                let octet = (hi << 4) | lo;
                if is_unreserved(octet) {
                    out.push(char::from(octet));
                } else {
                    push_escape(&mut out, octet);
                }
                i += 3;
                continue;
            }
            out.push('%');
        } else if is_unreserved(b) || is_kept_reserved(b) {
            out.push(char::from(b));
        } else {
            push_escape(&mut out, b);
        }
        i += 1;
    }
    out
}

/// The kind of robots.txt line, as texting_robots' grammar recognises its key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKey {
    UserAgent,
    Rule,
}

const USER_AGENT_KEYS: &[&str] = &["user-agent", "user agent", "useragent"];
/// "allow" and the spellings of "disallow" texting_robots accepts.
const RULE_KEYS: &[&str] = &[
    "allow",
    "disallow",
    "dissallow",
    "dissalow",
    "disalow",
    "diasllow",
    "disallaw",
];

/// If `line` is a User-agent or Allow/Disallow line, its kind and the byte range of its value
/// (after the separator, before any `#` comment, untrimmed). Same grammar as texting_robots:
/// optional spaces/tabs, the key (any case), then spaces and `:`, or at least one space/tab.
fn classify(line: &[u8]) -> Option<(LineKey, usize, usize)> {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let start = line.iter().take_while(|b| is_space(b)).count();
    let rest = &line[start..];
    let keys = USER_AGENT_KEYS
        .iter()
        .map(|k| (LineKey::UserAgent, k))
        .chain(RULE_KEYS.iter().map(|k| (LineKey::Rule, k)));
    for (kind, key) in keys {
        let key = key.as_bytes();
        if rest.len() < key.len() || !rest[..key.len()].eq_ignore_ascii_case(key) {
            continue;
        }
        let after = &rest[key.len()..];
        let spaces = after.iter().take_while(|b| is_space(b)).count();
        let value_from = if after.get(spaces) == Some(&b':') {
            spaces + 1
        } else if spaces > 0 {
            spaces
        } else {
            continue;
        };
        let value_start = start + key.len() + value_from;
        let value_end = line[value_start..]
            .iter()
            .position(|b| *b == b'#')
            .map_or(line.len(), |p| value_start + p);
        return Some((kind, value_start, value_end));
    }
    None
}

/// Rewrite one line so texting_robots matches as RFC 9309 says: a User-agent value is cut to its
/// product token (`trawl/1.0` → `trawl`, as Google's parser does; `*` stays), and a rule's value is
/// put in [`canonical_path`] form. Other lines are copied unchanged.
fn prepare_line(line: &[u8], out: &mut Vec<u8>) {
    let Some((kind, start, end)) = classify(line) else {
        out.extend_from_slice(line);
        return;
    };
    let value = line[start..end].trim_ascii();
    out.extend_from_slice(&line[..start]);
    match kind {
        LineKey::UserAgent => {
            if value.first() == Some(&b'*') {
                out.extend_from_slice(value);
            } else {
                let token_len = value
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic() || **b == b'_' || **b == b'-')
                    .count();
                // A value with no token at all ("123bot") matches no product token: keep it.
                let token = if token_len == 0 {
                    value
                } else {
                    &value[..token_len]
                };
                out.extend_from_slice(token);
            }
        }
        LineKey::Rule => out.extend_from_slice(canonical_path(value).as_bytes()),
    }
    out.push(b' ');
    out.extend_from_slice(&line[end..]);
}

/// The body as texting_robots will see it: NULs become newlines (as texting_robots does itself), a
/// UTF-8 BOM is dropped, and every line goes through [`prepare_line`]. Lines end at `\n` or `\r`,
/// as in texting_robots' grammar; the line ends are kept.
fn prepare_body(body: &[u8]) -> Vec<u8> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let body: Vec<u8> = body
        .iter()
        .map(|&b| if b == 0 { b'\n' } else { b })
        .collect();
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    for piece in body.split_inclusive(|b| *b == b'\n' || *b == b'\r') {
        let (line, ending) = match piece.last() {
            Some(b'\n' | b'\r') => piece.split_at(piece.len() - 1),
            _ => (piece, &[][..]),
        };
        prepare_line(line, &mut out);
        out.extend_from_slice(ending);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str = "trawl/0.1.0 (+mailto:ops@example.org)";

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    fn rules(txt: &str) -> RobotsRules {
        RobotsRules::from_response(Some(200), txt.as_bytes(), UA)
    }

    fn allowed(r: &RobotsRules, path: &str) -> bool {
        r.allowed(&url(&format!("https://example.com{path}")))
    }

    #[test]
    fn product_token_is_the_leading_letters() {
        assert_eq!(product_token(UA), "trawl");
        assert_eq!(
            product_token("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"),
            "Mozilla"
        );
        assert_eq!(product_token("Foo_Bar-baz/2"), "Foo_Bar-baz");
        assert_eq!(product_token("  trawl"), "trawl");
        assert_eq!(product_token("123bot"), "");
        assert_eq!(
            product_token("Mozilla/5.0 (compatible; MyBot/1.0; +https://my.example/bot)"),
            "MyBot"
        );
        assert_eq!(
            product_token(
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            ),
            "Googlebot"
        );
        assert_eq!(product_token("Mozilla/5.0 (compatible; 2bot)"), "Mozilla");
        assert_eq!(product_token("trawl/1 (compatible; Other)"), "trawl");
        assert_eq!(product_token(""), "");
    }

    #[test]
    fn robots_url_drops_all_but_the_origin() {
        let u = url("https://user:pw@example.com:8443/a/b?c=d#e");
        assert_eq!(
            robots_url(&u).as_str(),
            "https://example.com:8443/robots.txt"
        );
        assert_eq!(
            robots_url(&url("http://example.com/x")).as_str(),
            "http://example.com/robots.txt"
        );
    }

    #[test]
    fn our_group_wins_over_star_case_insensitively() {
        let r = rules("User-agent: *\nDisallow: /\n\nUser-agent: TRAWL\nDisallow: /private\n");
        assert!(allowed(&r, "/news/1"));
        assert!(!allowed(&r, "/private/x"));
        // Another agent falls to `*`.
        let other = RobotsRules::from_response(
            Some(200),
            b"User-agent: *\nDisallow: /\n\nUser-agent: trawl\nDisallow: /private\n",
            "OtherBot/1.0",
        );
        assert!(!other.allowed(&url("https://example.com/news/1")));
    }

    #[test]
    fn star_group_applies_when_ours_is_absent() {
        let r = rules("User-agent: googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp\n");
        assert!(allowed(&r, "/a"));
        assert!(!allowed(&r, "/tmp/b"));
    }

    #[test]
    fn no_matching_group_and_no_star_allows_all() {
        let r = rules("User-agent: googlebot\nDisallow: /\n");
        assert!(allowed(&r, "/a"));
    }

    #[test]
    fn grouped_user_agents_share_rules_and_our_groups_merge() {
        let r = rules(
            "User-agent: a\nUser-agent: trawl\nDisallow: /x\n\nUser-agent: *\nDisallow: /\n\nUser-agent: trawl\nDisallow: /y\n",
        );
        assert!(!allowed(&r, "/x"));
        assert!(!allowed(&r, "/y"));
        assert!(allowed(&r, "/z"));
    }

    #[test]
    fn user_agent_line_with_version_matches_our_token() {
        // Google's parser cuts `trawl/1.0` to its product token; so do we.
        let r = rules("User-agent: *\nDisallow: /\n\nUser-agent: trawl/1.0 # us\nDisallow: /p\n");
        assert!(allowed(&r, "/a"));
        assert!(!allowed(&r, "/p"));
        // But a longer token is another crawler.
        let r = rules("User-agent: trawler\nDisallow: /\n");
        assert!(allowed(&r, "/a"));
    }

    #[test]
    fn longest_match_wins() {
        let r = rules("User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c\n");
        assert!(!allowed(&r, "/a/x"));
        assert!(allowed(&r, "/a/b/x"));
        assert!(!allowed(&r, "/a/b/c/d"));
        let r = rules("User-agent: *\nAllow: /x/page.\nDisallow: /*.html\n");
        assert!(allowed(&r, "/x/page.html"));
        assert!(!allowed(&r, "/x/y.html"));
    }

    #[test]
    fn allow_wins_a_tie() {
        let r = rules("User-agent: *\nDisallow: /page\nAllow: /page\n");
        assert!(allowed(&r, "/page"));
        let r = rules("User-agent: *\nAllow: /page\nDisallow: /page\n");
        assert!(allowed(&r, "/page"));
    }

    #[test]
    fn star_and_dollar_patterns() {
        let r = rules(
            "User-agent: *\nDisallow: /*.pdf$\nDisallow: /private*/secret\nDisallow: /exact$\n",
        );
        assert!(!allowed(&r, "/docs/a.pdf"));
        assert!(allowed(&r, "/docs/a.pdf?download=1"));
        assert!(allowed(&r, "/docs/a.pdfx"));
        assert!(!allowed(&r, "/private-2024/x/secret/y"));
        assert!(allowed(&r, "/private-2024/x/open"));
        assert!(!allowed(&r, "/exact"));
        assert!(allowed(&r, "/exact/more"));
        let r = rules("User-agent: *\nDisallow: /\nAllow: /$\n");
        assert!(allowed(&r, "/"));
        assert!(!allowed(&r, "/a"));
    }

    #[test]
    fn query_strings_are_matched() {
        let r = rules("User-agent: *\nDisallow: /*?print=\nDisallow: /search?\n");
        assert!(!allowed(&r, "/article/1?print=1"));
        assert!(!allowed(&r, "/article/1?page=2&x=1?print=1"));
        assert!(allowed(&r, "/article/1?page=2&print=1"));
        assert!(allowed(&r, "/article/1"));
        assert!(!allowed(&r, "/search?q=x"));
        assert!(allowed(&r, "/search"));
        // The fragment is never part of the match.
        let r = rules("User-agent: *\nDisallow: /a$\n");
        assert!(!allowed(&r, "/a#frag"));
    }

    #[test]
    fn percent_encoding_is_normalized_on_both_sides() {
        for rule in ["/a%3Cd.html", "/a%3cd.html", "/a<d.html"] {
            let r = rules(&format!("User-agent: *\nDisallow: {rule}\n"));
            assert!(!allowed(&r, "/a<d.html"), "{rule} vs /a<d.html");
            assert!(!allowed(&r, "/a%3Cd.html"), "{rule} vs /a%3Cd.html");
            assert!(!allowed(&r, "/a%3cd.html"), "{rule} vs /a%3cd.html");
            assert!(allowed(&r, "/a>d.html"));
        }
        // RFC 9309 §2.2.2: escapes of unreserved characters are the characters.
        let r = rules("User-agent: *\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n");
        assert!(allowed(&r, "/foo/bar/baz"));
        assert!(allowed(&r, "/foo/bar/%62%61%7A"));
        // Non-ASCII rules match the UTF-8 escapes of the URL.
        let r = rules("User-agent: *\nDisallow: /\nAllow: /foo/bar/ツ\n");
        assert!(allowed(&r, "/foo/bar/ツ"));
        assert!(allowed(&r, "/foo/bar/%E3%83%84"));
        assert!(allowed(&r, "/foo/bar/%e3%83%84"));
        // Reserved characters stay distinct from their escapes.
        let r = rules("User-agent: *\nDisallow: /a%2Fb\n");
        assert!(!allowed(&r, "/a%2fb"));
        assert!(allowed(&r, "/a/b"));
        // A quote in a rule matches the query the url crate escapes it in, a brace the path.
        let r = rules("User-agent: *\nDisallow: /*?q='x'\nDisallow: /a{b}\n");
        assert!(!allowed(&r, "/s?q='x'"));
        assert!(!allowed(&r, "/s?q=%27x%27"));
        assert!(!allowed(&r, "/a{b}"));
        assert!(!allowed(&r, "/a%7bb%7D"));
    }

    #[test]
    fn canonical_path_is_idempotent_ascii() {
        let samples: [&[u8]; 6] = [
            b"/a%3cd.html",
            b"/foo/%62%61%7A?x=%2f&y='z'",
            b"/caf\xe9/ \"{}|\\^`",
            b"/100%/x%zz%4",
            "/ツ*$".as_bytes(),
            b"",
        ];
        for s in samples {
            let once = canonical_path(s);
            assert!(once.is_ascii());
            assert_eq!(canonical_path(once.as_bytes()), once);
        }
        assert_eq!(canonical_path(b"/a%3cd"), "/a%3Cd");
        assert_eq!(canonical_path(b"/%62%61%7A%2f"), "/baz%2F");
        assert_eq!(canonical_path(b"/100%/x"), "/100%/x");
        assert_eq!(canonical_path("/ツ*$".as_bytes()), "/%E3%83%84*$");
    }

    #[test]
    fn crawl_delay_ours_star_and_fractional() {
        let r = rules(
            "User-agent: *\nCrawl-delay: 10\n\nUser-agent: trawl\nCrawl-delay: 2\nDisallow: /x\n",
        );
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
        let r = rules("User-agent: *\nCrawl-delay: 7\n");
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(7)));
        let r = rules("User-agent: trawl\nCrawl-delay: 0.5\n");
        assert_eq!(r.crawl_delay(), Some(Duration::from_millis(500)));
        let r = rules("User-agent: trawl\nCrawl-delay: 0.1\n");
        assert_eq!(r.crawl_delay(), Some(Duration::from_millis(100)));
        // Another group's delay is not ours.
        let r = rules("User-agent: googlebot\nCrawl-delay: 5\n\nUser-agent: trawl\nDisallow: /x\n");
        assert_eq!(r.crawl_delay(), None);
        let r = rules("User-agent: *\nDisallow: /x\n");
        assert_eq!(r.crawl_delay(), None);
    }

    #[test]
    fn crawl_delay_is_clamped_and_junk_ignored() {
        let r = rules("User-agent: trawl\nCrawl-delay: 3600\n");
        assert_eq!(r.crawl_delay(), Some(MAX_CRAWL_DELAY));
        let r = rules("User-agent: trawl\nCrawl-delay: inf\n");
        assert_eq!(r.crawl_delay(), Some(MAX_CRAWL_DELAY));
        for junk in ["-5", "NaN", "soon", ""] {
            let r = rules(&format!(
                "User-agent: trawl\nCrawl-delay: {junk}\nDisallow: /x\n"
            ));
            assert_eq!(r.crawl_delay(), None, "{junk:?}");
            assert!(!allowed(&r, "/x"));
        }
        assert_eq!(delay_from_secs(f32::NAN), None);
        assert_eq!(delay_from_secs(-1.0), None);
        assert_eq!(delay_from_secs(1.5), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn client_errors_allow_everything() {
        for status in [400, 401, 403, 404, 410, 451] {
            let r = RobotsRules::from_response(Some(status), b"User-agent: *\nDisallow: /\n", UA);
            assert!(allowed(&r, "/anything"), "{status}");
            assert!(!r.unreachable());
            assert!(!r.unreachable());
            assert!(r.sitemaps().is_empty());
        }
        // Redirects that never resolved: unavailable as well.
        let r = RobotsRules::from_response(Some(301), b"", UA);
        assert!(allowed(&r, "/anything"));
    }

    #[test]
    fn server_errors_and_no_response_disallow_everything() {
        for status in [
            None,
            Some(500),
            Some(502),
            Some(503),
            Some(429),
            Some(100),
            Some(600),
        ] {
            let r = RobotsRules::from_response(status, b"User-agent: *\nAllow: /\n", UA);
            assert!(!allowed(&r, "/anything"), "{status:?}");
            assert!(!allowed(&r, "/"), "{status:?}");
            assert!(r.unreachable());
            assert!(r.unreachable());
            assert_eq!(r.crawl_delay(), None);
            // robots.txt itself may always be fetched (that is how it gets retried).
            assert!(allowed(&r, "/robots.txt"));
        }
    }

    #[test]
    fn robots_txt_is_always_allowed() {
        let r = rules("User-agent: *\nDisallow: /\n");
        assert!(!allowed(&r, "/"));
        assert!(allowed(&r, "/robots.txt"));
    }

    #[test]
    fn allow_all_allows_all() {
        let r = RobotsRules::allow_all();
        assert!(allowed(&r, "/x"));
        assert!(!r.unreachable());
        assert_eq!(r.crawl_delay(), None);
        assert!(r.sitemaps().is_empty());
    }

    #[test]
    fn sitemaps_are_collected_from_every_group() {
        let body = "Sitemap: https://example.com/news.xml\nUser-agent: googlebot\nDisallow: /\nSitemap: https://example.com/b.xml#frag\n\
                    User-agent: *\nsitemap:/relative.xml\nSitemap: ftp://example.com/x.xml\nSitemap: https://example.com/news.xml\n";
        let r = RobotsRules::from_response(Some(200), body.as_bytes(), UA);
        let got: Vec<&str> = r.sitemaps().iter().map(Url::as_str).collect();
        assert_eq!(
            got,
            ["https://example.com/news.xml", "https://example.com/b.xml"]
        );
        let base = url("https://example.com/robots.txt");
        let r = RobotsRules::from_response_at(&base, Some(200), body.as_bytes(), UA);
        let got: Vec<&str> = r.sitemaps().iter().map(Url::as_str).collect();
        assert_eq!(
            got,
            [
                "https://example.com/news.xml",
                "https://example.com/b.xml",
                "https://example.com/relative.xml"
            ]
        );
    }

    #[test]
    fn an_empty_sitemap_line_names_no_sitemap() {
        // It used to resolve to the robots.txt URL itself, which was then read as a sitemap.
        let base = url("https://example.com/robots.txt");
        let body = b"Sitemap:\nSitemap: \nSitemap: /s.xml\n";
        let r = RobotsRules::from_response_at(&base, Some(200), body, UA);
        let got: Vec<&str> = r.sitemaps().iter().map(Url::as_str).collect();
        assert_eq!(got, ["https://example.com/s.xml"]);
    }

    #[test]
    fn empty_body_and_empty_disallow_allow_everything() {
        let r = rules("");
        assert!(allowed(&r, "/a"));
        assert!(!r.unreachable());
        let r = rules("User-agent: *\nDisallow:\n");
        assert!(allowed(&r, "/a"));
        let r = rules("User-agent: trawl\nDisallow:\n\nUser-agent: *\nDisallow: /\n");
        assert!(allowed(&r, "/a"));
    }

    #[test]
    fn comments_case_and_line_endings_are_tolerated() {
        let r = rules("\u{feff}# hello\r\nUSER-AGENT: *  # all\r\nDISALLOW: /x # no\r\n");
        assert!(!allowed(&r, "/x"));
        assert!(allowed(&r, "/y"));
        // Old Mac line ends.
        let r = rules("User-agent: *\rDisallow: /x\rAllow: /x/y\r");
        assert!(!allowed(&r, "/x"));
        assert!(allowed(&r, "/x/y"));
    }

    #[test]
    fn body_is_cut_at_500_kib() {
        let mut body = b"User-agent: *\nDisallow: /early\n".to_vec();
        while body.len() < 600 * 1024 {
            body.extend_from_slice(b"# filler filler filler filler filler filler filler\n");
        }
        assert!(body.len() > MAX_ROBOTS_BYTES);
        body.extend_from_slice(b"Disallow: /late\n");
        let r = RobotsRules::from_response(Some(200), &body, UA);
        assert!(!allowed(&r, "/early"));
        assert!(allowed(&r, "/late"));
        // A cut in the middle of a line does not panic either.
        let mut body = vec![b'x'; MAX_ROBOTS_BYTES - 5];
        body.extend_from_slice("Disallow: /ツツツ".as_bytes());
        let r = RobotsRules::from_response(Some(200), &body, UA);
        assert!(allowed(&r, "/a"));
    }

    #[test]
    fn non_utf8_bytes_do_not_panic() {
        let body = b"\xff\xfe\x00User-agent: *\n\x80\x81\x82\nDisallow: /caf\xe9\nDisallow: /\xc3\x28\nSitemap: https://ex\xffample.com/\n\x00\x00";
        let r = RobotsRules::from_response(Some(200), body, UA);
        // A Latin-1 rule matches the same octet escaped in the URL.
        assert!(!allowed(&r, "/caf%E9"));
        assert!(allowed(&r, "/caf%C3%A9"));
        assert!(allowed(&r, "/other"));
        // Arbitrary bytes.
        let junk: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let r = RobotsRules::from_response(Some(200), &junk, UA);
        let _ = allowed(&r, "/x");
    }

    #[test]
    fn rules_are_shareable_across_threads() {
        fn check<T: Send + Sync>() {}
        check::<RobotsRules>();
    }
}
