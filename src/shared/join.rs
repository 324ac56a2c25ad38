//! Joining a shared crawl: connect, refuse keys that are not a trawl crawl of this schema, then
//! in one script call either join the running run (refused, naming the option, when the options
//! that decide what is crawled differ) or start the next run and queue its seeds.

use super::codec::{self, LinkJson, ResourceJson};
use super::error::SharedError;
use super::store::{Store, SCHEMA};
use crate::config::{Config, SharedTarget};
use crate::crawl::jobs::ResourceKind;
use crate::robots::origin_key;
use serde_json::json;
use std::collections::BTreeMap;

/// A process in a run of a shared crawl.
pub struct Joined {
    pub store: Store,
    /// The run, as the script names it.
    pub run: String,
    /// This process started the run (and queued the seeds).
    pub seeded: bool,
    /// This process's lease token.
    pub token: String,
}

/// The options every process of a run must agree on (they change what is crawled), as
/// (option, value) in the form a message shows them.
pub fn agreed_options(config: &Config) -> BTreeMap<&'static str, String> {
    fn opt<T: ToString>(v: Option<T>) -> String {
        v.map(|v| v.to_string()).unwrap_or_else(|| "(none)".into())
    }
    fn list(v: &[regex::Regex]) -> String {
        v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ")
    }
    let mut seeds: Vec<&str> = config.seeds.iter().map(|u| u.as_str()).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let flag = |b: bool| if b { "on" } else { "off" }.to_owned();
    BTreeMap::from([
        ("seeds", seeds.join(" ")),
        ("--scope", format!("{:?}", config.scope).to_lowercase()),
        ("--max-depth", config.max_depth.to_string()),
        ("--max-pages", opt(config.max_pages)),
        ("--max-pages-per-host", opt(config.max_pages_per_host)),
        ("--include", list(&config.include)),
        ("--exclude", list(&config.exclude)),
        ("--allow-private", flag(config.allow_private)),
        ("--ignore-robots", flag(!config.robots)),
        ("--sitemaps", flag(config.sitemaps)),
        ("--feeds", flag(config.feeds)),
        ("--only-new", flag(config.only_new)),
        ("--revisit-depth", config.revisit_depth.to_string()),
        ("--per-host", config.per_host.to_string()),
        ("--delay", config.delay.as_millis().to_string()),
        ("--user-agent", config.user_agent.clone()),
        ("--retries", config.retries.to_string()),
        (
            "--max-retry-after",
            config.max_retry_after.as_secs().to_string(),
        ),
        ("--meta", flag(config.output_options.meta)),
        ("--dedup-canonical", flag(config.dedup_canonical)),
    ])
}

/// The options in which `ours` and the running crawl's `theirs` differ, as (ours, theirs) in
/// one phrase each (`None` when they agree).
fn first_difference(
    ours: &BTreeMap<&'static str, String>,
    theirs: &BTreeMap<String, String>,
) -> Option<(String, String)> {
    let show = |name: &str, value: Option<&String>| match (name, value) {
        ("seeds", Some(v)) => format!("the seed set ({v})"),
        (_, Some(v)) => format!("{name} {v}"),
        (_, None) => format!("{name} (not set)"),
    };
    let (a, b): (Vec<String>, Vec<String>) = ours
        .iter()
        .filter(|(k, v)| theirs.get(**k) != Some(*v))
        .map(|(k, v)| (show(k, Some(v)), show(k, theirs.get(*k))))
        .unzip();
    (!a.is_empty()).then(|| (a.join(", "), b.join(", ")))
}

/// The run's rules, as the script reads them.
fn rules(config: &Config, lease_ms: u64) -> serde_json::Value {
    json!({
        "per_host": config.per_host.get(),
        "delay": config.delay.as_millis() as u64,
        "robots": u8::from(config.robots),
        "sitemaps": u8::from(config.sitemaps),
        "max_pages": config.max_pages.unwrap_or(0),
        "max_pages_per_host": config.max_pages_per_host.unwrap_or(0),
        "max_retry_after": config.max_retry_after.as_millis() as u64,
        "only_new": u8::from(config.only_new),
        "revisit_depth": config.revisit_depth,
        "lease": lease_ms,
    })
}

/// Keys under the crawl's prefix while it has no meta key: another program's.
fn foreign_key(store: &mut Store) -> Result<Option<String>, SharedError> {
    let pattern = format!("{}*", store.prefix.replace('[', "\\["));
    let meta = format!("{}meta", store.prefix);
    store.with(|conn, _| {
        let exists: bool = redis::cmd("EXISTS").arg(&meta).query(conn)?;
        if exists {
            return Ok(None);
        }
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(10_000)
                .query(conn)?;
            if let Some(k) = keys.into_iter().next() {
                return Ok(Some(k));
            }
            if next == 0 {
                return Ok(None);
            }
            cursor = next;
        }
    })
}

/// Connect to the crawl's Redis and join its running run, or start the next one.
pub fn join(target: &SharedTarget, config: &Config) -> Result<Joined, SharedError> {
    let mut store = Store::connect(target)?;
    if let Some(key) = foreign_key(&mut store)? {
        return Err(SharedError::Foreign {
            key,
            found: "data of another program (there is no trawl meta key beside it)".into(),
            schema: SCHEMA,
        });
    }
    let token = format!("{:016x}-{}", fastrand::u64(..), std::process::id());
    let grace = config.timeout.min(std::time::Duration::from_secs(5));
    let lease_ms = super::scheduler::lease(config.timeout, grace).as_millis() as u64;
    let ours = agreed_options(config);
    let seeds: Vec<LinkJson> = config
        .seeds
        .iter()
        .map(|u| LinkJson {
            k: codec::hex(crate::url_norm::key(u)),
            u: u.to_string(),
            o: origin_key(u),
        })
        .collect();
    let mut seed_origins: Vec<String> = config.seeds.iter().map(origin_key).collect();
    seed_origins.sort_unstable();
    seed_origins.dedup();
    // Without robots.txt there is no Sitemap: line to read; try the usual place.
    let resources: Vec<ResourceJson> = if config.sitemaps && !config.robots {
        config
            .seeds
            .iter()
            .filter_map(|s| s.join("/sitemap.xml").ok())
            .map(|u| ResourceJson::new(ResourceKind::Sitemap, &u, 1))
            .collect()
    } else {
        Vec::new()
    };
    let arg = json!({
        "schema": SCHEMA,
        "options": serde_json::to_string(&ours).unwrap_or_default(),
        "cfg": rules(config, lease_ms),
        "seeds": seeds,
        "seed_origins": seed_origins,
        "resources": resources,
    });
    let (kind, a, b): (String, String, String) =
        store.call("join", "0", &token, &arg.to_string(), b"")?;
    match kind.as_str() {
        "seeded" => Ok(Joined {
            store,
            run: a,
            seeded: true,
            token,
        }),
        "joined" => {
            let theirs: BTreeMap<String, String> =
                serde_json::from_str(&b).map_err(|e| SharedError::Protocol {
                    url: store.shown.clone(),
                    what: format!("the running crawl's options: {e}"),
                })?;
            if let Some((ours, theirs)) = first_difference(&ours, &theirs) {
                return Err(SharedError::Mismatch {
                    ours,
                    theirs,
                    id: store.crawl_id.clone(),
                    run: a,
                });
            }
            Ok(Joined {
                store,
                run: a,
                seeded: false,
                token,
            })
        }
        "foreign" => Err(SharedError::Foreign {
            key: a,
            found: b,
            schema: SCHEMA,
        }),
        "schema" => Err(SharedError::Foreign {
            key: a,
            found: format!("a crawl of trawl schema {b}"),
            schema: SCHEMA,
        }),
        other => Err(SharedError::Protocol {
            url: store.shown.clone(),
            what: format!("join answered {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_differing_option_is_named_with_both_values() {
        let ours = BTreeMap::from([("--max-depth", "2".to_owned()), ("seeds", "a b".into())]);
        let mut theirs = BTreeMap::from([
            ("--max-depth".to_owned(), "1".to_owned()),
            ("seeds".to_owned(), "a b".to_owned()),
        ]);
        assert_eq!(
            first_difference(&ours, &theirs),
            Some(("--max-depth 2".into(), "--max-depth 1".into()))
        );
        theirs.insert("seeds".into(), "a".into());
        assert_eq!(
            first_difference(&ours, &theirs),
            Some((
                "--max-depth 2, the seed set (a b)".into(),
                "--max-depth 1, the seed set (a)".into()
            ))
        );
        theirs.insert("--max-depth".into(), "2".into());
        theirs.insert("seeds".into(), "a b".into());
        assert_eq!(first_difference(&ours, &theirs), None);
        theirs.insert("seeds".into(), "a".into());
        assert_eq!(
            first_difference(&ours, &theirs).map(|d| d.0),
            Some("the seed set (a b)".into())
        );
    }
}
