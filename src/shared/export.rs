//! `trawl export`: the rows of one run of a shared crawl, as every process completed them (kept
//! in Redis with the run, in completion order), written to one output like a crawl's.

use super::codec;
use super::store::{Store, SCHEMA};
use crate::config::SharedTarget;
use crate::error::CrawlError;
use crate::error::SharedError;
use crate::output::RowSink;

/// Rows read from Redis per round trip.
const CHUNK: isize = 1000;

/// The rows of one run, found in Redis, ready to be written.
pub struct Export {
    store: Store,
    pub run: u64,
}

/// Find the run `run` (default: the latest) of the crawl; refused when the crawl does not exist
/// or its keys are not a trawl crawl of this schema.
pub fn open(target: &SharedTarget, run: Option<u64>) -> Result<Export, SharedError> {
    let mut store = Store::connect(target)?;
    let meta = format!("{}meta", store.prefix);
    let (kind, program, schema, latest): (String, Option<String>, Option<String>, Option<u64>) =
        store.with(|conn, _| {
            let kind: String = redis::cmd("TYPE").arg(&meta).query(conn)?;
            if kind != "hash" {
                return Ok((kind, None, None, None));
            }
            let (p, s, r) = redis::cmd("HMGET")
                .arg(&meta)
                .arg("program")
                .arg("schema")
                .arg("run")
                .query(conn)?;
            Ok((kind, p, s, r))
        })?;
    let foreign = |found: String| SharedError::Foreign {
        key: meta.clone(),
        found,
        schema: SCHEMA,
    };
    match (kind.as_str(), program.as_deref(), schema.as_deref(), latest) {
        ("none", ..) => {
            return Err(SharedError::NoCrawl {
                url: store.shown.clone(),
                id: store.crawl_id.clone(),
            })
        }
        ("hash", Some("trawl"), Some(SCHEMA), Some(_)) => {}
        ("hash", Some("trawl"), Some(SCHEMA), None) => {
            return Err(foreign("a trawl meta key without a run".into()))
        }
        ("hash", Some("trawl"), s, _) => {
            return Err(foreign(format!(
                "a crawl of trawl schema {}",
                s.unwrap_or("(none)")
            )))
        }
        ("hash", p, ..) => {
            return Err(foreign(format!(
                "a hash of another program ({})",
                p.unwrap_or("no program field")
            )))
        }
        (other, ..) => return Err(foreign(format!("a {other}"))),
    }
    let latest = latest.unwrap_or(0);
    let run = run.unwrap_or(latest);
    let no_run = |store: &Store, why: String| SharedError::NoRun {
        url: store.shown.clone(),
        id: store.crawl_id.clone(),
        run,
        why,
    };
    if run == 0 || run > latest {
        let why = format!("its runs are 1 to {latest}");
        return Err(no_run(&store, why));
    }
    // A run's rows, or (before its first row) its rules, are there while it is kept.
    let keys = [
        format!("{}rows:{run}", store.prefix),
        format!("{}{run}:cfg", store.prefix),
    ];
    let kept: u64 = store.with(|conn, _| redis::cmd("EXISTS").arg(&keys).query(conn))?;
    if kept == 0 {
        let why = "its rows have expired from Redis, or it wrote none".to_owned();
        return Err(no_run(&store, why));
    }
    Ok(Export { store, run })
}

impl Export {
    /// Write the run's rows to `sink`, in completion order; returns how many.
    pub fn write_to(mut self, sink: &mut dyn RowSink) -> Result<u64, CrawlError> {
        let (run, store) = (self.run, &mut self.store);
        let list = format!("{}rows:{run}", store.prefix);
        let mut written = 0u64;
        let mut from: isize = 0;
        loop {
            let rows: Vec<String> = store.with(|conn, _| {
                redis::cmd("LRANGE")
                    .arg(&list)
                    .arg(from)
                    .arg(from + CHUNK - 1)
                    .query(conn)
            })?;
            for text in &rows {
                let row = codec::row_from_json(text).map_err(|what| SharedError::Protocol {
                    url: store.shown.clone(),
                    what: format!("a row of {list}: {what}"),
                })?;
                sink.write_row(&row)?;
                written += 1;
            }
            if (rows.len() as isize) < CHUNK {
                break;
            }
            from += CHUNK;
        }
        Ok(written)
    }
}
