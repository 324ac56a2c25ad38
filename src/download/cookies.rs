//! The crawl's cookie jar: the cookies sites set (`Set-Cookie`), kept in memory for the crawl (one
//! jar per process; a `--redis` crawl's processes each keep their own) and sent back only where
//! RFC 6265 says, as a browser does: domain and path matching, `Secure`, expiry (the `cookie_store`
//! crate's rules), and no cookie for a public suffix (`Domain=com`) unless it is the very host
//! (checked here with `psl`). Also the loading of a Netscape `cookies.txt` (`--cookies`).
//!
//! Cookie values are secrets: nothing here logs, prints or puts one into an error message, and
//! [`Jar`]'s `Debug` shows only how many cookies it holds. (`cookie_store` logs values only in
//! `store_response_cookies`, which is not used.)

use cookie_store::{CookieStore, RawCookie};
use std::path::Path;
use std::sync::RwLock;
use url::Url;

/// The most cookies one jar holds (what browsers allow in all); a cookie set beyond it is
/// dropped, so a site that sets a new cookie on every page cannot grow the crawl's memory.
pub const MAX_COOKIES: usize = 3000;

/// The cookies of one crawl. Shared by every worker (a read lock per request; a write lock only
/// for a response that sets cookies).
pub struct Jar {
    store: RwLock<CookieStore>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jar").field("cookies", &self.len()).finish()
    }
}

impl Default for Jar {
    fn default() -> Jar {
        Jar::new()
    }
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Jar {
        Jar {
            store: RwLock::new(CookieStore::default()),
        }
    }

    /// How many cookies the jar holds (expired ones not yet replaced included).
    pub fn len(&self) -> usize {
        self.read().iter_any().count()
    }

    /// Does the jar hold no cookie?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, CookieStore> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The `Cookie` header for a request to `url` (`name=value; name2=value2`), `None` when no
    /// cookie of the jar goes there.
    pub fn header_for(&self, url: &Url) -> Option<String> {
        let store = self.read();
        let mut header = String::new();
        for (name, value) in store.get_request_values(url) {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        (!header.is_empty()).then_some(header)
    }

    /// Keep the cookies a response from `url` sets (the raw `Set-Cookie` values). Cookies the
    /// rules refuse (another site's domain, a public suffix, an unparsable line) are dropped.
    pub fn store<'a>(&self, url: &Url, set_cookies: impl Iterator<Item = &'a [u8]>) {
        let mut cookies = set_cookies
            .filter_map(|raw| std::str::from_utf8(raw).ok())
            .filter_map(|text| RawCookie::parse(text.to_owned()).ok())
            .peekable();
        if cookies.peek().is_none() {
            return;
        }
        let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
        for cookie in cookies {
            let _ = insert(&mut store, &cookie, url);
        }
    }

    /// A jar with the cookies of a Netscape `cookies.txt` file (as curl, wget and browser
    /// extensions write it): one cookie a line, seven tab-separated fields (domain, whether
    /// subdomains get it, path, secure, expiry in Unix seconds or 0 for a session cookie, name,
    /// value), `#` comments, `#HttpOnly_` before the domain of an HttpOnly cookie. Expired cookies
    /// are skipped. The error names the line, never a cookie's value.
    pub fn load_netscape(path: &Path) -> Result<Jar, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| "not UTF-8 text".to_owned())?;
        let jar = Jar::new();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        {
            let mut store = jar.store.write().unwrap_or_else(|e| e.into_inner());
            for (i, line) in text.lines().enumerate() {
                let n = i + 1;
                let (line, http_only) = match line.strip_prefix("#HttpOnly_") {
                    Some(rest) => (rest, true),
                    None => (line, false),
                };
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let line = line.trim_start_matches('\u{feff}');
                let fields: Vec<&str> = line.split('\t').collect();
                let bad = |what: &str| format!("line {n}: {what}");
                if !(6..=7).contains(&fields.len()) {
                    return Err(bad(
                        "not a cookies.txt line (7 fields separated by tabs: domain, subdomains, \
                         path, secure, expiry, name, value)",
                    ));
                }
                let flag = |v: &str, what: &str| match v {
                    "TRUE" => Ok(true),
                    "FALSE" => Ok(false),
                    _ => Err(bad(&format!("the {what} field is not TRUE or FALSE"))),
                };
                let domain = fields[0].trim();
                let subdomains = flag(fields[1], "subdomains")? || domain.starts_with('.');
                let cookie_path = fields[2];
                let secure = flag(fields[3], "secure")?;
                let expires: u64 = fields[4]
                    .trim()
                    .parse()
                    .map_err(|_| bad("the expiry is not a number of seconds"))?;
                let name = fields[5];
                let value = fields.get(6).copied().unwrap_or("");
                if name.is_empty() {
                    return Err(bad("a cookie without a name"));
                }
                if expires != 0 && expires <= now {
                    continue;
                }
                let host = domain.trim_start_matches('.');
                if subdomains && psl::suffix_str(host) == Some(host) {
                    return Err(bad(&format!(
                        "the cookie for {domain} is refused: its domain is a public suffix"
                    )));
                }
                let url = Url::parse(&format!("https://{host}{cookie_path}"))
                    .ok()
                    .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
                    .ok_or_else(|| bad(&format!("{domain:?} is not a domain name")))?;
                let mut cookie = RawCookie::new(name.to_owned(), value.to_owned());
                cookie.set_path(cookie_path.to_owned());
                if subdomains {
                    cookie.set_domain(host.to_owned());
                }
                cookie.set_secure(secure);
                cookie.set_http_only(http_only);
                if expires != 0 {
                    let secs = i64::try_from(expires - now).unwrap_or(i64::MAX);
                    cookie.set_max_age(cookie::time::Duration::seconds(secs));
                }
                insert(&mut store, &cookie, &url)
                    .map_err(|why| bad(&format!("the cookie for {domain} is refused: {why}")))?;
            }
        }
        Ok(jar)
    }
}

/// Insert one cookie set by `url`, unless a rule refuses it (the reason, without the value).
fn insert(store: &mut CookieStore, cookie: &RawCookie<'_>, url: &Url) -> Result<(), String> {
    if let Some(domain) = cookie.domain() {
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        let host = url.host_str().unwrap_or("");
        // RFC 6265 §5.3 step 5: a Domain that is a public suffix is refused, unless it is the
        // request's host itself (the cookie then stays host-only).
        if !domain.eq_ignore_ascii_case(host) && psl::suffix_str(&domain) == Some(domain.as_str()) {
            return Err("its domain is a public suffix".into());
        }
    }
    let new = store
        .get_any(
            &cookie
                .domain()
                .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
                .unwrap_or_else(|| url.host_str().unwrap_or("").to_owned()),
            cookie.path().unwrap_or("/"),
            cookie.name(),
        )
        .is_none();
    if new && store.iter_any().count() >= MAX_COOKIES {
        return Err(format!("the jar holds {MAX_COOKIES} cookies already"));
    }
    store
        .insert_raw(cookie, url)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn set(jar: &Jar, at: &str, lines: &[&str]) {
        jar.store(&url(at), lines.iter().map(|l| l.as_bytes()));
    }

    #[test]
    fn cookies_go_back_by_domain_and_path_only() {
        let jar = Jar::new();
        set(
            &jar,
            "https://www.news.example.co.uk/a/page",
            &[
                "host=1; Path=/",
                "wide=2; Domain=news.example.co.uk; Path=/",
                "deep=3; Path=/a",
                "secure=4; Path=/; Secure",
            ],
        );
        // The cookies sent to `u`, sorted.
        let got = |u: &str| -> Vec<String> {
            let mut all: Vec<String> = jar
                .header_for(&url(u))
                .unwrap_or_default()
                .split("; ")
                .filter(|kv| !kv.is_empty())
                .map(str::to_owned)
                .collect();
            all.sort();
            all
        };
        assert_eq!(
            got("https://www.news.example.co.uk/a/x"),
            ["deep=3", "host=1", "secure=4", "wide=2"]
        );
        assert_eq!(got("https://sport.news.example.co.uk/"), ["wide=2"]);
        // Not Secure, not under /a.
        assert_eq!(got("http://www.news.example.co.uk/b"), ["host=1", "wide=2"]);
        assert!(got("https://example.co.uk/").is_empty());
        assert!(got("https://other.org/").is_empty());
    }

    #[test]
    fn a_public_suffix_or_another_sites_domain_is_refused() {
        let jar = Jar::new();
        set(
            &jar,
            "https://a.example.co.uk/",
            &[
                "psl=1; Domain=co.uk",
                "tld=1; Domain=uk",
                "other=1; Domain=other.co.uk",
            ],
        );
        assert!(jar.is_empty(), "{jar:?}");
        assert_eq!(jar.header_for(&url("https://b.co.uk/")), None);
    }

    #[test]
    fn the_jar_is_bounded() {
        let jar = Jar::new();
        let many: Vec<String> = (0..MAX_COOKIES + 10).map(|i| format!("c{i}=v")).collect();
        let lines: Vec<&str> = many.iter().map(String::as_str).collect();
        set(&jar, "https://a.example/", &lines);
        assert_eq!(jar.len(), MAX_COOKIES);
        // A cookie already held is still updated.
        set(&jar, "https://a.example/", &["c0=new"]);
        assert!(jar
            .header_for(&url("https://a.example/"))
            .is_some_and(|h| h.split("; ").any(|kv| kv == "c0=new")));
    }

    #[test]
    fn debug_shows_no_value() {
        let jar = Jar::new();
        set(&jar, "https://a.example/", &["sid=topsecret"]);
        assert_eq!(format!("{jar:?}"), "Jar { cookies: 1 }");
    }

    #[test]
    fn a_cookies_txt_file_and_its_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("cookies.txt");
        std::fs::write(
            &path,
            "# Netscape HTTP Cookie File\n\
             .example.org\tTRUE\t/\tTRUE\t0\tall\t1\n\
             www.example.org\tFALSE\t/news\tFALSE\t4102444800\tnews\t2\n\
             #HttpOnly_www.example.org\tFALSE\t/\tFALSE\t0\thttponly\t3\r\n\
             www.example.org\tFALSE\t/\tFALSE\t1\texpired\t4\n\
             www.example.org\tFALSE\t/\tFALSE\t0\tempty\n",
        )
        .expect("write");
        let jar = Jar::load_netscape(&path).expect("jar");
        let mut got: Vec<String> = jar
            .header_for(&url("https://www.example.org/news/1"))
            .expect("cookies")
            .split("; ")
            .map(str::to_owned)
            .collect();
        got.sort();
        assert_eq!(got, ["all=1", "empty=", "httponly=3", "news=2"]);
        assert_eq!(
            jar.header_for(&url("http://m.example.org/")).as_deref(),
            None,
            "`all` is Secure"
        );
        assert_eq!(
            jar.header_for(&url("https://m.example.org/")).as_deref(),
            Some("all=1")
        );
        for (text, why) in [
            ("a\tb\n", "line 1: not a cookies.txt line"),
            (
                "\nx.org\tyes\t/\tFALSE\t0\tn\tv\n",
                "line 2: the subdomains field",
            ),
            ("x.org\tFALSE\t/\tFALSE\tsoon\tn\tv\n", "line 1: the expiry"),
            (
                "x.org\tFALSE\t/\tFALSE\t0\t\tv\n",
                "line 1: a cookie without a name",
            ),
            (
                "com\tTRUE\t/\tFALSE\t0\tn\tsecret\n",
                "line 1: the cookie for com is refused",
            ),
        ] {
            std::fs::write(&path, text).expect("write");
            let err = Jar::load_netscape(&path).expect_err(text);
            assert!(err.starts_with(why), "{err:?} for {text:?}");
            assert!(!err.contains("secret"), "{err}");
        }
        assert!(Jar::load_netscape(&dir.path().join("none.txt")).is_err());
    }
}
