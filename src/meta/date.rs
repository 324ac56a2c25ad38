//! Date parsing for the `published` and `modified` columns: [`normalize_date`].

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};

use super::words;

/// What a date string turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A calendar date without a time.
    Date(NaiveDate),
    /// A date and time without a zone.
    Local(NaiveDateTime),
    /// A date and time with the offset the page gave.
    Instant(DateTime<FixedOffset>),
}

impl Parsed {
    /// The value as a UTC wall-clock time (a local time taken as UTC) for the bounds check.
    fn as_naive(self) -> NaiveDateTime {
        match self {
            Parsed::Date(d) => d.and_time(NaiveTime::MIN),
            Parsed::Local(n) => n,
            Parsed::Instant(t) => t.naive_utc(),
        }
    }

    /// The text written to the column: a zone kept as the page gave it (`Z` for a zero offset).
    fn render(self) -> String {
        match self {
            Parsed::Date(d) => d.format("%Y-%m-%d").to_string(),
            Parsed::Local(n) => n.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Parsed::Instant(t) if t.offset().local_minus_utc() == 0 => {
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            }
            Parsed::Instant(t) => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }
}

/// Parse one date string: `Some(normalized text)` or `None`.
///
/// Accepted forms, and nothing else:
///
/// - year-month-day with `-`, `/` or `.` between the parts (the same separator twice), a
///   four-digit year first: `2026-11-30`, `2026/11/30`, `2026.11.30`;
/// - that date, then `T` or a space, then `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (a fraction
///   of any length), then optionally a zone: `Z`, `+01:00`, `+0100`, `+01`, `GMT+01:00`, or an
///   abbreviation (`UTC`, `GMT`, `EDT`, `CEST`, `MSK`, ...; [`super::words`] lists them), a space
///   before the zone allowed;
/// - the ISO 8601 basic form: `20261130`, `20261130T1405`, `20261130T140500Z`,
///   `20261130T140500.25+0100`;
/// - a written month (in any of the languages [`super::words`] knows) with a day and a
///   four-digit year, in any order a date is written in, with an optional English weekday, an
///   optional time (`14:05`, `14:05:00`, `2:05 pm`) and zone (a numeric offset, `GMT+0100`, an
///   abbreviation, a parenthesized zone name is ignored): RFC 2822 (`Mon, 30 Nov 2026 14:05:00
///   +0000`), Unix `date` (`Tue Jul 30 09:35:14 CEST 2019`), JavaScript's `Date` (`Tue Jul 30
///   2019 09:35:14 GMT+0200 (Central European Summer Time)`), `March 11, 2020 5:30 PM EDT`,
///   `11 March 2020`. A weekday that does not fit the date rejects it.
///
/// Day-first and month-first numeric forms (`30/11/2026`, `11/30/2026`) are rejected rather than
/// guessed (the visible-text reader, which knows the page's language, reads them where the
/// order is certain).
///
/// Output: a time with a zone is RFC 3339 with the offset the page gave, whole seconds
/// (`2026-11-30T14:05:00+01:00`; a zero offset is written `Z`): converting it to UTC could move
/// the article to another day. A time without a zone is kept in the page's own (unknown) zone,
/// as `YYYY-MM-DDTHH:MM:SS` without `Z`; a date alone is `YYYY-MM-DD`. Fractions of a second
/// are dropped.
///
/// Bounds: a date before 1990-01-01 or more than one day after the fetch is rejected (compared
/// as a UTC instant; a date without a zone as if it were UTC, the one-day margin covering any
/// real zone).
pub fn normalize_date(text: &str, fetched_at: DateTime<Utc>) -> Option<String> {
    let parsed = parse(text.trim())?;
    in_bounds(parsed, fetched_at).then(|| parsed.render())
}

/// Whether a parsed date lies between 1990-01-01 and a day after the fetch.
pub(crate) fn in_bounds(parsed: Parsed, fetched_at: DateTime<Utc>) -> bool {
    let Some(floor) = NaiveDate::from_ymd_opt(1990, 1, 1) else {
        return false;
    };
    let ceiling = (fetched_at + Duration::days(1)).naive_utc();
    let at = parsed.as_naive();
    floor.and_time(NaiveTime::MIN) <= at && at <= ceiling
}

/// Whether a parsed date is on or after 1990-01-01.
pub(crate) fn after_floor(parsed: Parsed) -> bool {
    NaiveDate::from_ymd_opt(1990, 1, 1)
        .is_some_and(|floor| floor.and_time(NaiveTime::MIN) <= parsed.as_naive())
}

/// A date alone, rendered, if it lies in the bounds of [`normalize_date`].
pub(crate) fn render_day(date: NaiveDate, fetched_at: DateTime<Utc>) -> Option<String> {
    let parsed = Parsed::Date(date);
    in_bounds(parsed, fetched_at).then(|| parsed.render())
}

pub(crate) fn parse(s: &str) -> Option<Parsed> {
    if s.is_empty() {
        return None;
    }
    parse_ymd(s)
        .or_else(|| parse_basic(s))
        .or_else(|| parse_words(s))
}

/// A cursor over the ASCII bytes of a date string.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.at;
        let mut value = 0u32;
        while self.at - start < max {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    self.at += 1;
                }
                _ => break,
            }
        }
        (self.at - start >= min).then_some(value)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn rest(&self) -> &[u8] {
        &self.bytes[self.at..]
    }
}

fn parse_ymd(s: &str) -> Option<Parsed> {
    let mut c = Cursor {
        bytes: s.as_bytes(),
        at: 0,
    };
    let year = c.number(4, 4)?;
    let sep = c.peek().filter(|b| matches!(b, b'-' | b'/' | b'.'))?;
    c.at += 1;
    let month = c.number(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let day = c.number(1, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if c.done() {
        return Some(Parsed::Date(date));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let hour = c.number(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.number(2, 2)?;
    let second = if c.eat(b':') { c.number(2, 2)? } else { 0 };
    fraction(&mut c)?;
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, second)?);
    c.skip_spaces();
    with_zone(local, std::str::from_utf8(c.rest()).ok()?)
}

/// An optional fraction of a second (`.5`, `,123456789012`): any number of digits, dropped.
fn fraction(c: &mut Cursor<'_>) -> Option<()> {
    if c.eat(b'.') || c.eat(b',') {
        c.number(1, 1)?;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.at += 1;
        }
    }
    Some(())
}

/// `local` in the zone `rest` names (nothing: no zone).
fn with_zone(local: NaiveDateTime, rest: &str) -> Option<Parsed> {
    if rest.is_empty() {
        return Some(Parsed::Local(local));
    }
    let offset = zone(rest)?;
    Some(Parsed::Instant(
        offset.from_local_datetime(&local).single()?,
    ))
}

/// ISO 8601 basic form: `YYYYMMDD`, optionally `T` and `HHMM`, `HHMMSS` with a fraction, and a
/// zone.
fn parse_basic(s: &str) -> Option<Parsed> {
    let mut c = Cursor {
        bytes: s.as_bytes(),
        at: 0,
    };
    let year = c.number(4, 4)?;
    let month = c.number(2, 2)?;
    let day = c.number(2, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if c.done() {
        return Some(Parsed::Date(date));
    }
    if !(c.eat(b'T') || c.eat(b't')) {
        return None;
    }
    let hour = c.number(2, 2)?;
    let minute = c.number(2, 2)?;
    let second = c.number(2, 2).unwrap_or(0);
    fraction(&mut c)?;
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, second)?);
    with_zone(local, std::str::from_utf8(c.rest()).ok()?)
}

/// A whole zone: `Z`, an abbreviation, `+HH:MM`, `+HHMM`, `+HH`, or `GMT`/`UTC` followed by a
/// numeric offset.
fn zone(s: &str) -> Option<FixedOffset> {
    if let Some(offset) = words::zone_abbreviation(s) {
        return Some(offset);
    }
    let numeric = ["GMT", "UTC", "gmt", "utc"]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s);
    let mut c = Cursor {
        bytes: numeric.as_bytes(),
        at: 0,
    };
    let sign = match c.peek()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    c.at += 1;
    let hours = c.number(2, 2)?;
    let minutes = if c.done() {
        0
    } else {
        c.eat(b':');
        c.number(2, 2)?
    };
    if !c.done() || hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * i32::try_from(hours * 3600 + minutes * 60).ok()?)
}

/// A date with a written month (see [`normalize_date`]).
fn parse_words(s: &str) -> Option<Parsed> {
    // A parenthesized zone name at the end (JavaScript's `Date`) says nothing more.
    let s = match s.find('(') {
        Some(at) if s.trim_end().ends_with(')') => &s[..at],
        _ => s,
    };
    let (mut month, mut day, mut year, mut weekday) = (None, None, None, None);
    let mut time: Option<NaiveTime> = None;
    let mut offset: Option<FixedOffset> = None;
    let mut pm: Option<bool> = None;
    for token in s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        let lower = token.to_ascii_lowercase();
        let digits = token.trim_end_matches('.');
        if digits.bytes().all(|b| b.is_ascii_digit()) && !digits.is_empty() {
            match digits.len() {
                1 | 2 if day.is_none() => day = digits.parse::<u32>().ok(),
                4 if year.is_none() => year = digits.parse::<i32>().ok(),
                _ => return None,
            }
        } else if let Some(d) = ordinal_day(&lower).filter(|_| day.is_none()) {
            day = Some(d);
        } else if token.contains(':') && time.is_none() {
            time = Some(clock(token)?);
        } else if matches!(lower.as_str(), "am" | "a.m." | "pm" | "p.m.") && pm.is_none() {
            pm = Some(lower.starts_with('p'));
        } else if lower == "at" || lower == "-" {
        } else if let Some(m) = words::month(token).filter(|_| month.is_none()) {
            month = Some(m);
        } else if let Some(w) = words::weekday(token).filter(|_| weekday.is_none()) {
            weekday = Some(w);
        } else if let Some(z) = zone(token).filter(|_| offset.is_none() && time.is_some()) {
            offset = Some(z);
        } else {
            return None;
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    if weekday.is_some_and(|w| w != date.weekday().num_days_from_monday()) {
        return None;
    }
    let Some(mut time) = time else {
        return (offset.is_none() && pm.is_none()).then_some(Parsed::Date(date));
    };
    if let Some(pm) = pm {
        let hour = time.hour();
        if !(1..=12).contains(&hour) {
            return None;
        }
        let hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        time = time.with_hour(hour)?;
    }
    let local = date.and_time(time);
    Some(match offset {
        Some(offset) => Parsed::Instant(offset.from_local_datetime(&local).single()?),
        None => Parsed::Local(local),
    })
}

/// `1st`, `22nd`, `3rd`, `11th`: the day.
fn ordinal_day(word: &str) -> Option<u32> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))?;
    (matches!(digits.len(), 1 | 2) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// `HH:MM`, `HH:MM:SS`, with an optional fraction.
fn clock(token: &str) -> Option<NaiveTime> {
    let mut c = Cursor {
        bytes: token.as_bytes(),
        at: 0,
    };
    let hour = c.number(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.number(2, 2)?;
    let second = if c.eat(b':') { c.number(2, 2)? } else { 0 };
    fraction(&mut c)?;
    if !c.done() {
        return None;
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}
