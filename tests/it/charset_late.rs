//! The right characters (issue 18 §3) through the crawler: a `<meta charset>` past the 1,024-byte
//! prescan window, behind a head's scripts, decides a Latin-1 page's title; a UTF-8 page under a
//! server's default ISO-8859-1 charset is read as the UTF-8 it is.

use crate::common::cli::assert_trawl as trawl;
use crate::common::server::{Response, Site};

/// Crawls `urls` (one worker, CSV to stdout), expecting exit 0: each row's URL, title and
/// encoding, sorted by URL.
fn crawl(urls: &[String]) -> Vec<(String, String, String)> {
    let out = trawl()
        .args(["-q", "--ignore-robots", "-w", "1", "-o", "-"])
        .args(urls)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let mut rows: Vec<(String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (r[0].to_string(), r[6].to_string(), r[11].to_string())
        })
        .collect();
    rows.sort();
    rows
}

/// A short French page in Latin-1 (a headline and a line) whose `<meta charset>` sits past the
/// first 1024 bytes, behind the analytics script of its head; served without a charset in the
/// header. Without the declaration the detector reads it as windows-1250 ("Fęte").
fn late_latin1_page() -> Vec<u8> {
    let mut head = String::from("<!DOCTYPE html><html lang=\"fr\"><head><script>");
    while head.len() < 1500 {
        head.push_str("window.dataLayer.push({'rubrique': 'agenda', 'page': 'article'});\n");
    }
    head.push_str("</script><meta charset=\"iso-8859-1\"><title>");
    let mut page = head.into_bytes();
    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode("Fête de la musique");
    page.extend_from_slice(&latin1);
    page.extend_from_slice(b"</title></head><body><p>");
    page.extend_from_slice(&latin1);
    page.extend_from_slice(b"</p></body></html>");
    page
}

#[test]
fn a_late_meta_charset_decides_the_title() {
    let mut site = Site::new();
    site.response(
        "/article",
        Response::html(late_latin1_page()).content_type("text/html"),
    );
    let server = site.serve();
    let rows = crawl(&[server.url("/article")]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "Fête de la musique");
    assert_eq!(rows[0].2, "windows-1252");
}

/// Apache's `AddDefaultCharset ISO-8859-1` in front of a UTF-8 site (its pages say so in their
/// `<meta>`, which the header overrules): the bytes are valid UTF-8, so the title is the page's,
/// not "FÃªte", and the `encoding` column says UTF-8; a page really in Latin-1 under the same
/// header keeps it.
#[test]
fn a_utf8_page_under_a_default_latin1_header_is_read_as_utf8() {
    let utf8 =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Fête de la musique à Besançon\
                </title></head><body><p>Élections régionales</p></body></html>";
    let mut latin1 = b"<html><head><title>".to_vec();
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Fête de la musique");
    latin1.extend_from_slice(&bytes);
    latin1.extend_from_slice(b"</title></head><body></body></html>");
    let mut site = Site::new();
    let header = "text/html; charset=ISO-8859-1";
    site.response("/utf8", Response::html(utf8).content_type(header));
    site.response("/latin1", Response::html(latin1).content_type(header));
    let server = site.serve();
    let rows = crawl(&[server.url("/utf8"), server.url("/latin1")]);
    assert_eq!(
        rows,
        [
            (
                server.url("/latin1"),
                "Fête de la musique".to_string(),
                "windows-1252".to_string()
            ),
            (
                server.url("/utf8"),
                "Fête de la musique à Besançon".to_string(),
                "UTF-8".to_string()
            ),
        ]
    );
}
