//! The right characters (issue 18 §3) through the crawler: a `<meta charset>` past the 1,024-byte
//! prescan window, behind a head's scripts, decides a Latin-1 page's title.

use crate::common::cli::assert_trawl as trawl;
use crate::common::server::{Response, Site};

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
    let out = trawl()
        .args(["-q", "--ignore-robots", "-o", "-"])
        .arg(server.url("/article"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][6], "Fête de la musique");
    assert_eq!(&rows[0][11], "windows-1252");
}
