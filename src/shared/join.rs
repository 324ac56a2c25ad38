//! Joining a shared crawl: connect, refuse keys that are not a trawl crawl of this schema, then
//! in one script call either join the running run (refused, naming the option, when the options
//! that decide what is crawled differ) or start the next run and queue its seeds.

use super::codec::{self, LinkJson, ResourceJson};
use super::store::{Store, SCHEMA};
use crate::config::{Config, SharedTarget};
use crate::crawl::jobs::ResourceKind;
use crate::error::SharedError;
use crate::record::origin_key;
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
        "max_host_pause": config.max_host_pause.as_millis() as u64,
        "only_new": u8::from(config.only_new),
        "revisit_depth": config.revisit_depth,
        "lease": lease_ms,
        "ttl": config.redis_ttl.as_secs(),
    })
}

/// Keys under the crawl's prefix while it has no meta key: another program's. (The join script
/// checks the meta key itself atomically; this looks only for keys beside a missing one.)
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
                // A process seeding the crawl meanwhile made these keys (its script writes the
                // meta key in the same step): then they are a crawl's, checked by the join.
                let seeded: bool = redis::cmd("EXISTS").arg(&meta).query(conn)?;
                return Ok((!seeded).then_some(k));
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
    let lease_ms = super::scheduler::lease(config.timeout).as_millis() as u64;
    let ours = config.agreed_options(crate::config::Agreement::Shared);
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
        "restart": config.restart,
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
            if let Some((ours, theirs)) = crate::config::differences(&ours, &theirs) {
                return Err(SharedError::Mismatch {
                    verb: if ours.contains(", ") {
                        "differ"
                    } else {
                        "differs"
                    },
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
