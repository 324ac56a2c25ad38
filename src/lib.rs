//! trawl: a polite, multi-threaded web crawler that collects page titles and links into CSV.
//!
//! The pieces, Scrapy's architecture in one process with threads: the [`crawl`] coordinator
//! (engine, scheduler and dupefilter), [`download`] (the downloader), [`extract`] (the parser) and
//! [`output`] (the feed exporter). [`cli`] turns the command line into a [`config::Config`] and
//! [`app`] runs one invocation end to end.

pub mod app;
pub mod article;
pub mod cli;
pub mod config;
pub mod crawl;
pub(crate) mod discover;
pub mod download;
pub mod error;
pub mod exit;
pub mod extract;
#[cfg(test)]
mod junk;
pub(crate) mod malloc;
pub mod meta;
pub mod output;
pub mod record;
pub(crate) mod robots;
pub mod scope;
pub(crate) mod seeds;
pub(crate) mod shared;
pub(crate) mod state;
pub mod url_norm;
