//! The publication day a page's URL path gives: [`url_date`].
//!
//! Content systems put the day an article was published into its address: `/2020/08/24/slug`
//! (WordPress, many newspapers), `/20200428/` or `/20200428-slug` (a date-stamped folder), and
//! `/2020-08-24-slug` or `/slug-2020-08-24.html` (Jekyll, Hugo). A year and a month alone
//! (`/2020/08/slug`) give no day, so no date. Only the path is read (not the host, query or
//! fragment), the year comes first in every form, and the date must exist on the calendar.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use url::Url;

/// `/YYYY/MM/DD` followed by `/`, the end of the path, or a non-digit (`/2020/08/24-slug`).
static SLASHED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"/((?:19|20)\d\d)/(\d\d?)/(\d\d?)(?:/|$|[^\d/])").ok());

/// A segment that is a date: `YYYYMMDD` or `YYYY-MM-DD` (or `_`), bounded by the segment's edges
/// or by a separator (`-`, `_`, `.`), never by another digit or letter-digit run.
static IN_SEGMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|[/_.-])((?:19|20)\d\d)([-_]?)(\d\d)([-_]?)(\d\d)(?:$|[/_.-])").ok()
});

/// The day the URL path names, if it names exactly one way.
pub(crate) fn url_date(url: &Url) -> Option<NaiveDate> {
    let path = url.path();
    if let Some(c) = SLASHED.as_ref()?.captures(path) {
        return ymd(&c[1], &c[2], &c[3]);
    }
    IN_SEGMENT.as_ref()?.captures_iter(path).find_map(|c| {
        // The same separator twice (`2020-08-24`, `20200824`), never `2020-0824`.
        (c[2] == c[4]).then(|| ymd(&c[1], &c[3], &c[5])).flatten()
    })
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(url: &str) -> Option<String> {
        let url = Url::parse(url).expect("test url");
        url_date(&url).map(|d| d.to_string())
    }

    #[test]
    fn path_forms() {
        for (url, want) in [
            ("https://n.example/2020/08/24/slug", "2020-08-24"),
            ("https://n.example/world/2020/8/4/slug.html", "2020-08-04"),
            ("https://n.example/2020/08/24", "2020-08-24"),
            ("https://n.example/news/20200428/story", "2020-04-28"),
            ("https://n.example/20200428-slug", "2020-04-28"),
            ("https://n.example/2020-08-24-slug", "2020-08-24"),
            ("https://n.example/blog/slug-2020-08-24.html", "2020-08-24"),
        ] {
            assert_eq!(day(url).as_deref(), Some(want), "{url}");
        }
    }

    #[test]
    fn no_day_no_date() {
        for url in [
            "https://n.example/2020/08/slug",
            "https://n.example/2020/13/01/slug",
            "https://n.example/2020/02/30/slug",
            "https://n.example/story/123456789",
            "https://n.example/a/12020082400",
            "https://n.example/a?d=2020-08-24",
            "https://2020-08-24.n.example/a",
            "https://n.example/2020-0824-x",
            "https://n.example/img/202008241",
        ] {
            assert_eq!(day(url), None, "{url}");
        }
    }
}
