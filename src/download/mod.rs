//! The downloader room: one request in, one response or one typed failure out. It owns the HTTP
//! client ([`Fetcher`]: connection reuse, decompression, redirects followed hop by hop, the
//! deadline, the Content-Type check and the size cap), the body memory budget (`budget`), the
//! DNS resolver that types lookup failures and refuses private addresses (`dns_guard`, kept here
//! as Scrapy keeps its resolver inside its downloader), the cookie jar ([`Jar`]), the words for a
//! failed request (`failure`) and the decoding of an HTML body into text ([`decode_html`], the
//! WHATWG encoding decision, in `charset`).
//!
//! The rule: it never schedules (whether a redirect hop is followed is the caller's
//! [`HopCheck`]; which URL comes next and when is never decided here), never parses a page (the
//! only reading of a body is the HTML sniff of its first bytes and the charset `<meta>` scan),
//! never writes output or logs (a failure is an `ErrorClass` plus words the caller may print),
//! and never panics on what a server sends. What it does block on: the network, up to the fetch
//! deadline, and room in the body budget, up to the same deadline. The one file it reads is a
//! `--cookies` file, when the command line asks ([`Jar::load_netscape`]). A fetch hands back
//! the body as bytes (decompressed, not decoded); the worker decodes a page with
//! [`decode_html_owned`] once it has it, and the feed and sitemap readers decode their XML
//! themselves.
//!
//! The files stay private to the room (but `failure`, whose [`failure::of_fetch`] the robots
//! cache words its log line with); what other rooms use is exported below, and only what the
//! tests, examples and the public `Config` name (and the types their signatures carry) is
//! public.

mod budget;
mod charset;
mod cookies;
mod dns_guard;
pub(crate) mod failure;
mod fetch;

pub use charset::{decode_html, decode_html_owned};
pub use cookies::Jar;
pub(crate) use dns_guard::is_private_ip;
pub(crate) use fetch::{is_html_type, MIN_MAX_HEADER_BYTES};
pub use fetch::{FetchConfig, Fetched, Fetcher, Hop, HopCheck, Validators, Want};
