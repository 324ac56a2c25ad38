//! Small text rules shared by the columns: whitespace, lists, names and language tags.

/// Runs of whitespace as single spaces, trimmed.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `s` collapsed, or `None` when nothing is left.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let s = collapse(s);
    (!s.is_empty()).then_some(s)
}

/// Whether `s` starts with `http://` or `https://` (ASCII case-insensitive).
pub(crate) fn is_url(s: &str) -> bool {
    let s = s.trim_start().as_bytes();
    let starts = |p: &[u8]| s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p);
    starts(b"http://") || starts(b"https://")
}

/// A person's or organization's name, collapsed; `None` for an empty name, a URL, or a
/// serialized JavaScript object (`[object Object]`).
pub(crate) fn clean_name(s: &str) -> Option<String> {
    let s = non_empty(s)?;
    (!is_url(&s) && !s.eq_ignore_ascii_case("[object Object]")).then_some(s)
}

/// The comma-separated items of `s`, each collapsed, empty ones dropped.
pub(crate) fn split_commas(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(',').filter_map(non_empty)
}

/// The items, duplicates (after the first) dropped, joined with `; `.
pub(crate) fn join_unique<I: IntoIterator<Item = String>>(items: I) -> String {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen.join("; ")
}

/// A BCP 47 tag with its conventional case: language lowercase, script titlecase, region
/// uppercase, everything else lowercase; `_` is read as `-`. `None` unless it looks like a tag
/// (a 2-8 letter language, then 1-8 character alphanumeric subtags).
pub(crate) fn normalize_lang(tag: &str) -> Option<String> {
    let tag = tag.trim();
    let mut parts = tag.split(['-', '_']);
    let language = parts.next()?;
    if !(2..=8).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = language.to_ascii_lowercase();
    // After a singleton (an extension or private use), subtags are no longer script or region.
    let mut in_extension = false;
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        let letters = part.bytes().all(|b| b.is_ascii_alphabetic());
        let digits = part.bytes().all(|b| b.is_ascii_digit());
        if part.len() == 1 {
            in_extension = true;
            out.push_str(&part.to_ascii_lowercase());
        } else if !in_extension && part.len() == 4 && letters {
            out.push_str(&part[..1].to_ascii_uppercase());
            out.push_str(&part[1..].to_ascii_lowercase());
        } else if !in_extension && ((part.len() == 2 && letters) || (part.len() == 3 && digits)) {
            out.push_str(&part.to_ascii_uppercase());
        } else {
            out.push_str(&part.to_ascii_lowercase());
        }
    }
    Some(out)
}
