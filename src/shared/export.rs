//! `trawl export`: the rows of one run of a shared crawl, as every process completed them (kept
//! in Redis with the run, in completion order), written to one output like a crawl's.

use super::codec;
use super::error::SharedError;
use super::store::{Store, SCHEMA};
use crate::config::SharedTarget;
use crate::error::CrawlError;
use crate::output::RowSink;

/// Rows read from Redis per round trip.
const CHUNK: isize = 1000;

/// Write the rows of `run` (default: the latest) to `sink`; returns (run, rows written).
pub fn export(
    target: &SharedTarget,
    run: Option<u64>,
    sink: &mut dyn RowSink,
) -> Result<(u64, u64), CrawlError> {
    let mut store = Store::connect(target)?;
    let meta = format!("{}meta", store.prefix);
    let (program, schema, latest): (Option<String>, Option<String>, Option<u64>) =
        store.with(|conn, _| {
            redis::cmd("HMGET")
                .arg(&meta)
                .arg("program")
                .arg("schema")
                .arg("run")
                .query(conn)
        })?;
    let Some(latest) = latest else {
        return Err(SharedError::NoCrawl {
            url: store.shown.clone(),
            id: store.crawl_id.clone(),
        }
        .into());
    };
    if program.as_deref() != Some("trawl") || schema.as_deref() != Some(SCHEMA) {
        return Err(SharedError::Foreign {
            key: meta,
            found: format!(
                "program {} schema {}",
                program.unwrap_or_default(),
                schema.unwrap_or_default()
            ),
            schema: SCHEMA,
        }
        .into());
    }
    let run = run.unwrap_or(latest);
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
    Ok((run, written))
}
