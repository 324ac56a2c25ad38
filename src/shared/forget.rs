//! `trawl forget`: delete every key of a shared crawl (its meta key, runs, rows and the pages
//! `--only-new` remembers), for a crawl id that is done with before its keys expire on their own
//! (`--redis-ttl`). A running crawl is refused unless forced: its processes would find their
//! keys gone. Keys under the crawl's prefix that are not a trawl crawl of this schema are refused
//! too (unless forced), as a crawl refuses them.
//!
//! Order: the meta key goes first, in one script that checks it and deletes it, so a process
//! joining meanwhile is refused (keys without a meta key are not a crawl's) rather than joining a
//! crawl whose keys are being deleted; then the rest, found with SCAN, in batches of UNLINK.

use super::store::{Store, SCHEMA};
use crate::config::SharedTarget;
use crate::error::SharedError;

/// Check the meta key and delete it: `{kind, detail}` with kind `none` (no meta key), `running`
/// (detail: the run; not deleted unless forced), `foreign` (detail: what it holds; not deleted
/// unless forced) or `deleted`.
const CHECK_AND_DELETE: &str = r"
local meta = KEYS[1]
local force = ARGV[1] == '1'
local ty = redis.call('TYPE', meta)['ok']
if ty == 'none' then return { 'none', '' } end
if ty ~= 'hash' and not force then return { 'foreign', 'a ' .. ty } end
if ty == 'hash' then
  local m = redis.call('HMGET', meta, 'program', 'schema', 'run', 'state')
  if (m[1] ~= 'trawl' or m[2] ~= ARGV[2]) and not force then
    return { 'foreign', 'a hash of program ' .. tostring(m[1]) .. ' schema ' .. tostring(m[2]) }
  end
  if m[4] == 'running' and not force then return { 'running', tostring(m[3]) } end
end
redis.call('DEL', meta)
return { 'deleted', '' }
";

/// Keys deleted per UNLINK.
const BATCH: usize = 1000;

/// What `forget` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgot {
    /// The crawl's keys are gone (how many there were, the meta key included).
    Deleted(u64),
    /// Redis had no key of the crawl.
    Nothing,
    /// A run is running (refused: not forced). Nothing was deleted.
    Running { run: String },
}

/// Delete every key of the crawl `target.crawl_id`.
pub fn forget(target: &SharedTarget, force: bool) -> Result<Forgot, SharedError> {
    let mut store = Store::connect(target)?;
    let meta = format!("{}meta", store.prefix);
    let script = redis::Script::new(CHECK_AND_DELETE);
    let (kind, detail): (String, String) = store.with(|conn, _| {
        script
            .key(&meta)
            .arg(if force { "1" } else { "0" })
            .arg(SCHEMA)
            .invoke(conn)
    })?;
    match kind.as_str() {
        "running" => return Ok(Forgot::Running { run: detail }),
        "foreign" => {
            return Err(SharedError::Foreign {
                key: meta,
                found: detail,
                schema: SCHEMA,
            })
        }
        _ => {}
    }
    let had_meta = u64::from(kind == "deleted");
    let pattern = format!("{}*", store.prefix.replace('[', "\\["));
    let mut deleted = 0u64;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = store.with(|conn, _| {
            redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(BATCH)
                .query(conn)
        })?;
        if had_meta == 0 && !force {
            if let Some(key) = keys.into_iter().next() {
                // Keys under the prefix without a meta key: another program's, as a crawl
                // calls them. Nothing is deleted.
                return Err(SharedError::Foreign {
                    key,
                    found: "data of another program (there is no trawl meta key beside it)".into(),
                    schema: SCHEMA,
                });
            }
            if next == 0 {
                break;
            }
            cursor = next;
            continue;
        }
        for chunk in keys.chunks(BATCH) {
            let n: u64 = store.with(|conn, _| redis::cmd("UNLINK").arg(chunk).query(conn))?;
            deleted += n;
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    if had_meta == 0 && deleted == 0 {
        return Ok(Forgot::Nothing);
    }
    Ok(Forgot::Deleted(had_meta + deleted))
}
