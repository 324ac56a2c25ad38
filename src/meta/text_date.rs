//! Dates written for readers, in the visible text next to a headline or a byline:
//! [`text_dates`].
//!
//! Forms read (a four-digit year in each, so a copyright line's bare year or a clock is never a
//! date):
//!
//! - `2020-05-11` (ISO, certain in every language);
//! - `2020年5月11日`, `2020년 5월 11일` (year, month, day marked; certain);
//! - a day, a written month and a year: `9 oktober 2020`, `11 мая 2020`, `11. März 2020`,
//!   `9 de octubre de 2020`, `1st March, 2020`; and month first, `March 11, 2020`; a year first,
//!   `2020. május 11.`. A written month makes the order certain; month names come from
//!   [`super::words`] (a name two languages read differently is not used);
//! - numeric day and month, `16.12.2012`, `16/12/2012`, `03/11/2020`: only where the order is
//!   certain, that is when the page's language writes the day first (every language but US
//!   English and the year-first languages) or the month first (`en-US`), or when one of the two
//!   numbers is over 12 and so can only be the day.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::words;

/// The order of a numeric day and month in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    DayFirst,
    MonthFirst,
    /// Not known: only a number over 12 decides.
    Unknown,
}

impl Order {
    /// The order for a BCP 47 language tag (`de`, `en-GB`, `en-US`); `Unknown` for an empty tag,
    /// English without a region (both orders are in use) and the languages that write the year
    /// first (Chinese, Japanese, Korean, Hungarian, Lithuanian).
    pub(crate) fn for_lang(tag: &str) -> Order {
        let tag = tag.to_ascii_lowercase();
        let mut parts = tag.split(['-', '_']);
        let language = parts.next().unwrap_or("");
        let region = parts.find(|p| p.len() == 2);
        match (language, region) {
            ("", _) => Order::Unknown,
            ("en", Some("us")) => Order::MonthFirst,
            ("en", None) => Order::Unknown,
            ("zh" | "ja" | "ko" | "hu" | "lt", _) => Order::Unknown,
            _ => Order::DayFirst,
        }
    }
}

struct Patterns {
    iso: Regex,
    cjk: Regex,
    day_month: Regex,
    month_day: Regex,
    year_month: Regex,
    numeric: Regex,
}

static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(|| {
    let year = r"((?:19|20)\d\d)";
    Some(Patterns {
        iso: Regex::new(&format!(r"\b{year}-(\d\d)-(\d\d)\b")).ok()?,
        cjk: Regex::new(&format!(
            r"{year}\s*[年년]\s*(\d{{1,2}})\s*[月월]\s*(\d{{1,2}})\s*[日일]"
        ))
        .ok()?,
        day_month: Regex::new(&format!(
            r"\b(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(\p{{L}}+\.?)(?:\s+de\s+|,?\s+){year}\b"
        ))
        .ok()?,
        month_day: Regex::new(&format!(
            r"\b(\p{{L}}+\.?)\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{year}\b"
        ))
        .ok()?,
        year_month: Regex::new(&format!(r"\b{year}\.\s+(\p{{L}}+)\s+(\d{{1,2}})\.")).ok()?,
        numeric: Regex::new(&format!(r"\b(\d{{1,2}})([./-])(\d{{1,2}})([./-]){year}\b")).ok()?,
    })
});

/// A date found in a text: the day and the byte range it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) date: NaiveDate,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The dates written in `text`, in order of position (overlapping readings: the first, longest).
pub(crate) fn text_dates(text: &str, order: Order) -> Vec<Found> {
    let Some(p) = PATTERNS.as_ref() else {
        return Vec::new();
    };
    let mut found: Vec<Found> = Vec::new();
    let mut add = |m: Option<regex::Match<'_>>, date: Option<NaiveDate>| {
        if let (Some(m), Some(date)) = (m, date) {
            found.push(Found {
                date,
                start: m.start(),
                end: m.end(),
            });
        }
    };
    let num = |s: &str| s.parse::<u32>().ok();
    let ymd =
        |y: &str, m: Option<u32>, d: Option<u32>| NaiveDate::from_ymd_opt(y.parse().ok()?, m?, d?);
    for c in p.iso.captures_iter(text) {
        add(c.get(0), ymd(&c[1], num(&c[2]), num(&c[3])));
    }
    for c in p.cjk.captures_iter(text) {
        add(c.get(0), ymd(&c[1], num(&c[2]), num(&c[3])));
    }
    for c in p.day_month.captures_iter(text) {
        let date = ymd(&c[3], words::month(&c[2]), num(&c[1]));
        add(c.get(0), date);
    }
    for c in p.month_day.captures_iter(text) {
        let date = ymd(&c[3], words::month(&c[1]), num(&c[2]));
        add(c.get(0), date);
    }
    for c in p.year_month.captures_iter(text) {
        let date = ymd(&c[1], words::month(&c[2]), num(&c[3]));
        add(c.get(0), date);
    }
    for c in p.numeric.captures_iter(text) {
        if c[2] != c[4] {
            continue;
        }
        let (a, b) = (num(&c[1]), num(&c[3]));
        let (Some(a), Some(b)) = (a, b) else { continue };
        let day_first = match order {
            _ if a > 12 && b <= 12 => Some(true),
            _ if b > 12 && a <= 12 => Some(false),
            _ if a > 12 && b > 12 => None,
            Order::DayFirst => Some(true),
            Order::MonthFirst => Some(false),
            Order::Unknown => None,
        };
        let date = day_first.and_then(|df| {
            let (d, m) = if df { (a, b) } else { (b, a) };
            ymd(&c[5], Some(m), Some(d))
        });
        add(c.get(0), date);
    }
    found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut out: Vec<Found> = Vec::new();
    for f in found {
        if out.last().is_none_or(|last| f.start >= last.end) {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(text: &str, lang: &str) -> Vec<String> {
        text_dates(text, Order::for_lang(lang))
            .into_iter()
            .map(|f| f.date.to_string())
            .collect()
    }

    #[test]
    fn written_months_in_many_languages() {
        for (text, lang, want) in [
            ("Published March 11, 2020 at 5:30 pm", "en", "2020-03-11"),
            ("9 oktober 2020", "nl", "2020-10-09"),
            ("Von Anna, 11. März 2020, 14:00 Uhr", "de", "2020-03-11"),
            ("11 мая 2020, 10:15", "ru", "2020-05-11"),
            ("9 de octubre de 2020", "es", "2020-10-09"),
            ("le 3 décembre 2019 à 10h", "fr", "2019-12-03"),
            ("1st March, 2020", "en-GB", "2020-03-01"),
            ("2020. május 11.", "hu", "2020-05-11"),
            ("11 maja 2020", "pl", "2020-05-11"),
            ("Sept. 4, 2019", "", "2019-09-04"),
        ] {
            assert_eq!(days(text, lang), [want], "{text:?}");
        }
    }

    #[test]
    fn cjk_and_iso() {
        assert_eq!(days("2020年5月11日 10:00", "ja"), ["2020-05-11"]);
        assert_eq!(days("2020년 5월 11일", "ko"), ["2020-05-11"]);
        assert_eq!(days("posted 2020-05-11", ""), ["2020-05-11"]);
    }

    #[test]
    fn numeric_only_where_the_order_is_certain() {
        assert_eq!(days("16.12.2012", "de"), ["2012-12-16"]);
        assert_eq!(days("03.11.2020", "de"), ["2020-11-03"]);
        assert_eq!(days("03/11/2020", "en-US"), ["2020-03-11"]);
        assert_eq!(days("03/11/2020", "en-GB"), ["2020-11-03"]);
        // English without a region writes both orders: only a day over 12 decides.
        assert_eq!(days("03/11/2020", "en"), Vec::<String>::new());
        assert_eq!(days("16/12/2012", "en"), ["2012-12-16"]);
        assert_eq!(days("12/16/2012", ""), ["2012-12-16"]);
        assert_eq!(days("03/11/2020", ""), Vec::<String>::new());
        assert_eq!(days("16.12-2012", "de"), Vec::<String>::new());
    }

    #[test]
    fn not_dates() {
        for text in [
            "© 2020 News Corp",
            "May 2020",
            "Updated 10:15",
            "31 February 2020",
            "in 11 days 2020 will end",
            "12 Monkeys 2020",
        ] {
            assert_eq!(days(text, "en"), Vec::<String>::new(), "{text:?}");
        }
    }

    #[test]
    fn several_dates_in_order() {
        assert_eq!(
            days("Published 2 May 2020 · Updated 4 May 2020", "en"),
            ["2020-05-02", "2020-05-04"]
        );
    }
}
