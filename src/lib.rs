//! trawl: a polite, multi-threaded web crawler that collects page titles and links.

pub mod charset;
pub mod extract;
