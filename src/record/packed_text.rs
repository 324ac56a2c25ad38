//! The `text` cell (`--text`) as `--state` and `--redis` keep it: the UTF-8 text compressed
//! with raw DEFLATE (RFC 1951), as bytes for SQLite's `BLOB` and as standard base64 (RFC 4648)
//! for a JSON row in Redis. Article text is prose, which DEFLATE shrinks to a third or so
//! (figures in docs/PERFORMANCE.md, section "--text"). Plain conversions; no I/O.
//!
//! Invariant: `unpack(&pack(t)) == t` and `from_cell(&to_cell(t)) == t` for every text `t`; an
//! empty text is stored as nothing (the empty byte string / the empty cell).

use base64::Engine;
use std::io::{Read, Write};

/// The most a stored text may unpack to: far above any page body trawl keeps (`--max-bytes`
/// tops out where memory does), so only a damaged or foreign store reaches it.
const MAX_UNPACKED: u64 = 1 << 30;

/// Why a stored text cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("stored text: not base64 ({0})")]
    Base64(#[from] base64::DecodeError),
    #[error("stored text: not DEFLATE data ({0})")]
    Deflate(#[from] std::io::Error),
    #[error("stored text: larger than {MAX_UNPACKED} bytes unpacked")]
    TooLarge,
    #[error("stored text: not UTF-8")]
    Utf8,
}

/// `text` compressed (empty for an empty text).
pub fn pack(text: &str) -> Vec<u8> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(text.len() / 3 + 16),
        flate2::Compression::default(),
    );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(text.as_bytes());
    enc.finish().unwrap_or_default()
}

/// A packed text back.
pub fn unpack(bytes: &[u8]) -> Result<String, UnpackError> {
    if bytes.is_empty() {
        return Ok(String::new());
    }
    let mut out = Vec::with_capacity(bytes.len() * 3);
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_UNPACKED + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > MAX_UNPACKED {
        return Err(UnpackError::TooLarge);
    }
    String::from_utf8(out).map_err(|_| UnpackError::Utf8)
}

/// `text` packed, as base64 (empty for an empty text).
pub fn to_cell(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(pack(text))
}

/// A [`to_cell`] cell back.
pub fn from_cell(cell: &str) -> Result<String, UnpackError> {
    unpack(&base64::engine::general_purpose::STANDARD.decode(cell)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip_and_prose_shrinks() {
        let prose =
            "Le maire a présenté jeudi le budget de la ville. « Nous avons fait des choix », \
                     a-t-il déclaré devant le conseil municipal.\n\n"
                .repeat(20);
        for text in ["", "a", "日本語のテキスト", "line\n\nline", prose.as_str()] {
            assert_eq!(unpack(&pack(text)).expect("unpack"), text);
            assert_eq!(from_cell(&to_cell(text)).expect("cell"), text);
        }
        assert!(pack("").is_empty() && to_cell("").is_empty());
        assert!(
            pack(&prose).len() * 4 < prose.len(),
            "{}",
            pack(&prose).len()
        );
    }

    #[test]
    fn damaged_data_is_an_error_not_a_panic() {
        assert!(matches!(
            from_cell("not base64!"),
            Err(UnpackError::Base64(_))
        ));
        assert!(unpack(b"\xff\xff\xff\xff").is_err());
        let mut packed = pack("some text that is long enough to be compressed, some text");
        packed.truncate(packed.len() / 2);
        assert!(unpack(&packed).is_err());
        // Valid DEFLATE of bytes that are not UTF-8.
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"\xff\xfe").expect("write");
        let bytes = enc.finish().expect("finish");
        assert!(matches!(unpack(&bytes), Err(UnpackError::Utf8)));
    }
}
