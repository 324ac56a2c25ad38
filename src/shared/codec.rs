//! What travels between a process and the shared frontier, as the script reads and writes it:
//! jobs (pages, robots.txt, sitemaps and feeds), redirect continuations, validators, robots.txt
//! verdicts and rows, as JSON; URL keys as 16 hex digits (the first 4 name the seen-set bucket,
//! the other 12 are its member). Plain conversions; no I/O.

use crate::crawl::jobs::{Continuation, ResourceKind};
use crate::record::{Row, Validators};
use crate::robots::{RobotsRules, RobotsSource};
use crate::url_norm::UrlKey;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

/// A URL key as the script takes it.
pub fn hex(key: UrlKey) -> String {
    format!("{key:016x}")
}

pub fn unhex(s: &str) -> Option<UrlKey> {
    u64::from_str_radix(s, 16).ok()
}

/// A link to offer: key, URL, origin.
#[derive(Debug, Serialize)]
pub struct LinkJson {
    pub k: String,
    pub u: String,
    pub o: String,
}

/// Validators of a conditional request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ValidatorsJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l: Option<String>,
}

impl From<&Validators> for ValidatorsJson {
    fn from(v: &Validators) -> Self {
        ValidatorsJson {
            e: v.etag.clone(),
            l: v.last_modified.clone(),
        }
    }
}

impl From<ValidatorsJson> for Validators {
    fn from(v: ValidatorsJson) -> Self {
        Validators {
            etag: v.e,
            last_modified: v.l,
        }
    }
}

/// A redirect continuation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContinuationJson {
    pub url: String,
    pub from: String,
    pub status: u16,
    pub hops: usize,
    pub started: String,
    pub elapsed_ms: u64,
    /// The requests made so far (`Continuation::seen`), in hex: Lua's JSON numbers are doubles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<String>,
}

impl From<&Continuation> for ContinuationJson {
    fn from(c: &Continuation) -> Self {
        ContinuationJson {
            url: c.url.to_string(),
            from: c.from.to_string(),
            status: c.status,
            hops: c.hops,
            started: c
                .started
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            elapsed_ms: c.elapsed.as_millis() as u64,
            seen: c.seen.iter().map(|k| format!("{k:016x}")).collect(),
        }
    }
}

impl ContinuationJson {
    pub fn decode(&self) -> Option<Continuation> {
        Some(Continuation {
            url: Url::parse(&self.url).ok()?,
            from: Url::parse(&self.from).ok()?,
            status: self.status,
            hops: self.hops,
            seen: self
                .seen
                .iter()
                .filter_map(|k| u64::from_str_radix(k, 16).ok())
                .collect(),
            started: chrono::DateTime::parse_from_rfc3339(&self.started)
                .ok()?
                .with_timezone(&chrono::Utc),
            elapsed: Duration::from_millis(self.elapsed_ms),
        })
    }
}

/// A page job as the script leases it.
#[derive(Debug, Clone, Deserialize)]
pub struct PageJson {
    pub k: String,
    pub u: String,
    #[serde(default)]
    pub p: String,
    pub d: u32,
    #[serde(default)]
    pub a: u32,
    /// The origin it is requested from (counted in flight there).
    pub o: String,
    #[serde(default)]
    pub c: Option<ContinuationJson>,
    #[serde(default)]
    pub v: Option<ValidatorsJson>,
    /// Its host was given up (`--max-host-pause`): the page gets a `host_gave_up` row, no request.
    #[serde(default)]
    pub g: u8,
}

/// A robots.txt job.
#[derive(Debug, Deserialize)]
pub struct RobotsJson {
    pub o: String,
    pub u: String,
    /// The attempt (after transient failures; absent: the first).
    #[serde(default)]
    pub a: u32,
}

/// A sitemap or feed, queued or handed out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceJson {
    pub kind: String,
    pub k: String,
    pub u: String,
    pub o: String,
    pub depth: u32,
}

impl ResourceJson {
    pub fn new(kind: ResourceKind, url: &Url, depth: u32) -> ResourceJson {
        ResourceJson {
            kind: match kind {
                ResourceKind::Sitemap => "sitemap",
                ResourceKind::Feed => "feed",
            }
            .to_owned(),
            k: hex(crate::url_norm::key(url)),
            u: url.to_string(),
            o: crate::record::origin_key(url),
            depth,
        }
    }

    pub fn kind(&self) -> ResourceKind {
        if self.kind == "feed" {
            ResourceKind::Feed
        } else {
            ResourceKind::Sitemap
        }
    }
}

/// How a robots.txt fetch went, as stored for the other processes (the body apart).
#[derive(Debug, Serialize, Deserialize)]
pub struct VerdictJson {
    /// The final URL the robots.txt came from (`None`: rules without a response).
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    /// Rules without a response: the origin is unreachable (or the parser failed).
    #[serde(default)]
    pub unreachable: bool,
}

/// The verdict and body to store for `rules`.
pub fn verdict(rules: &RobotsRules) -> (VerdictJson, Vec<u8>) {
    match rules.source() {
        Some(s) => (
            VerdictJson {
                url: Some(s.url.to_string()),
                status: s.status,
                unreachable: false,
            },
            s.body.clone(),
        ),
        None => (
            VerdictJson {
                url: None,
                status: None,
                unreachable: rules.unreachable(),
            },
            Vec::new(),
        ),
    }
}

/// The rules a stored verdict makes (the same as the fetching process made).
pub fn rules_of(verdict: &VerdictJson, body: Vec<u8>, user_agent: &str) -> RobotsRules {
    match verdict.url.as_deref().and_then(|u| Url::parse(u).ok()) {
        Some(url) => crate::crawl::work::robots_guarded(|| {
            RobotsRules::from_source(
                RobotsSource {
                    url,
                    status: verdict.status,
                    body,
                },
                user_agent,
            )
        }),
        None if verdict.unreachable => RobotsRules::unreachable_rules(),
        None => RobotsRules::allow_all(),
    }
}

/// A row as kept in Redis: its stored cells ([`Row::stored_cells`]) as a JSON array of strings.
pub fn row_json(row: &Row) -> String {
    serde_json::to_string(&row.stored_cells()).unwrap_or_else(|_| "[]".to_owned())
}

/// A kept row back.
pub fn row_from_json(text: &str) -> Result<Row, String> {
    let cells: Vec<String> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Row::from_stored_cells(cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;
    use crate::meta::Meta;

    /// The requests a redirect made so far survive the trip through Redis exactly (as hex
    /// strings: the Lua side would round large JSON numbers), and a job of an older trawl
    /// without them decodes with none.
    #[test]
    fn a_continuation_keeps_its_requests() {
        let c = Continuation {
            url: Url::parse("http://b.test/a").expect("url"),
            from: Url::parse("http://a.test/").expect("url"),
            status: 302,
            hops: 2,
            seen: vec![u64::MAX, 0, 0x0123_4567_89ab_cdef],
            started: chrono::Utc::now(),
            elapsed: Duration::from_millis(12),
        };
        let json = serde_json::to_string(&ContinuationJson::from(&c)).expect("json");
        assert!(json.contains("\"ffffffffffffffff\""), "{json}");
        let back: ContinuationJson = serde_json::from_str(&json).expect("parse");
        assert_eq!(back.decode().expect("decode").seen, c.seen);
        let old = json.replace(
            ",\"seen\":[\"ffffffffffffffff\",\"0000000000000000\",\"0123456789abcdef\"]",
            "",
        );
        assert!(!old.contains("seen"), "{old}");
        let back: ContinuationJson = serde_json::from_str(&old).expect("parse");
        assert!(back.decode().expect("decode").seen.is_empty());
    }

    #[test]
    fn rows_round_trip_with_and_without_meta() {
        let mut row = Row {
            url: "http://a.test/x".into(),
            final_url: "http://a.test/y".into(),
            depth: 2,
            parent: "http://a.test/".into(),
            status: Some(200),
            content_type: "text/html".into(),
            title: "A \"title\", with\ttabs\nand lines".into(),
            links: Some(7),
            bytes: Some(1234),
            elapsed_ms: Some(5),
            fetched_at: "2026-12-02T04:00:00Z".into(),
            encoding: "utf-8".into(),
            error: Some(ErrorClass::Http),
            meta: None,
            text: String::new(),
            dedup_key: None,
        };
        assert_eq!(row_from_json(&row_json(&row)), Ok(row.clone()));
        let mut with_text = row.clone();
        with_text.text = "Un paragraphe, « cité ».\n\n- un\n- deux".into();
        assert_eq!(row_from_json(&row_json(&with_text)), Ok(with_text));
        row.meta = Some(Box::new(Meta {
            headline: "h".into(),
            canonical: "http://a.test/c".into(),
            ..Meta::default()
        }));
        row.status = None;
        row.error = None;
        assert_eq!(row_from_json(&row_json(&row)), Ok(row.clone()));
        row.text = "Text with metadata.".repeat(100);
        let json = row_json(&row);
        assert!(json.len() < 1000, "the text is kept packed: {json}");
        assert_eq!(row_from_json(&json), Ok(row));
        assert!(row_from_json("[\"only one\"]").is_err());
        let mut cells: Vec<String> = serde_json::from_str(&json).expect("cells");
        if let Some(last) = cells.last_mut() {
            *last = "!!".into();
        }
        let damaged = serde_json::to_string(&cells).expect("json");
        assert!(row_from_json(&damaged)
            .expect_err("damaged text")
            .contains("stored text"));
    }

    #[test]
    fn keys_are_16_hex_digits_both_ways() {
        for k in [0u64, 1, 0xffff_ffff_ffff_ffff, 0x0123_4567_89ab_cdef] {
            assert_eq!(hex(k).len(), 16);
            assert_eq!(unhex(&hex(k)), Some(k));
        }
    }

    #[test]
    fn a_stored_verdict_makes_the_same_rules() {
        let url = Url::parse("http://a.test/robots.txt").expect("url");
        let body = b"User-agent: *\nDisallow: /private\nCrawl-delay: 2\nSitemap: /s.xml\n".to_vec();
        let fetched = RobotsRules::from_source(
            RobotsSource {
                url: url.clone(),
                status: Some(200),
                body,
            },
            "trawl/1",
        );
        let (v, b) = verdict(&fetched);
        let text = serde_json::to_string(&v).expect("json");
        let again = rules_of(&serde_json::from_str(&text).expect("json"), b, "trawl/1");
        let private = Url::parse("http://a.test/private/x").expect("url");
        let open = Url::parse("http://a.test/open").expect("url");
        assert!(!again.allowed(&private) && again.allowed(&open));
        assert_eq!(again.crawl_delay(), fetched.crawl_delay());
        assert_eq!(again.sitemaps(), fetched.sitemaps());
        let (v, b) = verdict(&RobotsRules::unreachable_rules());
        assert!(rules_of(&v, b, "t").unreachable());
        let (v, b) = verdict(&RobotsRules::allow_all());
        assert!(rules_of(&v, b, "t").allowed(&private));
    }
}
