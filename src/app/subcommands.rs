//! The subcommands that are not a crawl: `trawl export` (one run's rows from Redis into one
//! output) and `trawl forget` (delete a shared crawl's keys). Each checks its arguments first
//! (a usage error is one line and exit 2) and then does its one thing.

use super::step::{usage, Early, Step};
use crate::cli::{ExportArgs, ForgetArgs, FormatArg};
use crate::config::{OutputTarget, SharedTarget};
use crate::error::ConfigError;
use crate::exit::Exit;
use crate::output::FileSink;
use std::path::PathBuf;
use std::time::Duration;

/// The shared crawl a subcommand names (how long it waits for Redis is not an option).
fn target(redis: String, crawl_id: String, ca: Option<PathBuf>) -> SharedTarget {
    SharedTarget {
        url: redis,
        crawl_id,
        patience: Duration::from_secs(10),
        ca,
    }
}

/// `trawl export`: one run's rows from Redis into one output.
pub(super) fn export(args: ExportArgs) -> Step<Exit> {
    let target = target(args.redis, args.crawl_id, args.redis_ca);
    crate::cli::check_redis_url(&target.url).map_err(|e| usage(&e))?;
    crate::cli::check_crawl_id(&target.crawl_id).map_err(|e| usage(&e))?;
    let output = match &args.output {
        Some(p) => {
            crate::output::paths::target("-o", p, chrono::Utc::now()).map_err(|e| usage(&e))?
        }
        None => OutputTarget::Stdout,
    };
    crate::output::paths::check(&[("-o", &output)], None).map_err(|e| usage(&e))?;
    if args.format == FormatArg::Jsonl {
        for (given, option) in [(args.bom, "--bom"), (args.excel_safe, "--excel-safe")] {
            if given {
                return Err(usage(&ConfigError::Invalid(format!(
                    "{option} applies to CSV only, not to --format jsonl"
                ))));
            }
        }
    }
    let options = crate::output::OutputOptions {
        format: args.format.into(),
        excel_safe: args.excel_safe,
        bom: args.bom,
        meta: args.meta,
        text: args.text,
    };
    let found = match crate::shared::export::open(&target, args.run) {
        Ok(f) => f,
        Err(e) if e.is_usage() => {
            eprintln!("trawl: {e}");
            return Err(Early::Exit(Exit::Usage));
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    let mut file = FileSink::create(&output, None, options).map_err(|e| usage(&e))?;
    let run = found.run;
    let rows = found.write_to(&mut file)?;
    file.finish()?;
    tracing::info!(run, rows, "exported");
    Ok(Exit::Ok)
}

/// `trawl forget`: delete a shared crawl's keys.
pub(super) fn forget(args: ForgetArgs) -> Step<Exit> {
    use crate::shared::forget::Forgot;
    let target = target(args.redis, args.crawl_id, args.redis_ca);
    crate::cli::check_crawl_id(&target.crawl_id).map_err(|e| usage(&e))?;
    let (id, shown) = (target.crawl_id.clone(), target.shown());
    match crate::shared::forget::forget(&target, args.force) {
        Ok(Forgot::Deleted(n)) => {
            tracing::info!(crawl = %id, keys = n, "forgotten");
            Ok(Exit::Ok)
        }
        Ok(Forgot::Nothing) => {
            tracing::info!(crawl = %id, "Redis has no key of this crawl");
            Ok(Exit::Ok)
        }
        Ok(Forgot::Running { run }) => {
            eprintln!(
                "trawl: crawl {id} at {shown} is running (run {run}); nothing deleted (stop its \
                 processes first, or use --force)"
            );
            Ok(Exit::Locked)
        }
        Err(e) if e.is_usage() => {
            eprintln!("trawl: {e}");
            Ok(Exit::Usage)
        }
        Err(e) => Err(anyhow::Error::from(e).into()),
    }
}
