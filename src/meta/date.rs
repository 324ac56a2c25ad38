//! Date parsing for the `published` and `modified` columns: [`normalize_date`].

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// What a date string turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parsed {
    /// A calendar date without a time.
    Date(NaiveDate),
    /// A date and time without a zone.
    Local(NaiveDateTime),
    /// A date and time with a zone.
    Instant(DateTime<Utc>),
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

    fn render(self) -> String {
        match self {
            Parsed::Date(d) => d.format("%Y-%m-%d").to_string(),
            Parsed::Local(n) => n.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Parsed::Instant(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }
}

/// Parse one date string: `Some(normalized text)` or `None`.
///
/// Accepted forms, and nothing else:
///
/// - year-month-day with `-`, `/` or `.` between the parts (the same separator twice), a
///   four-digit year first: `2026-11-30`, `2026/11/30`, `2026.11.30`;
/// - that date, then `T` or a space, then `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction`, then
///   optionally a zone: `Z`, `UTC`, `GMT`, `+01:00`, `+0100` or `+01` (a space before the zone is
///   allowed);
/// - RFC 2822 (`Mon, 30 Nov 2026 14:05:00 +0000`, `... GMT`, `... UTC`).
///
/// Day-first and month-first forms (`30/11/2026`, `11/30/2026`) are rejected rather than guessed.
///
/// Output: a time with a zone becomes RFC 3339 in UTC with whole seconds
/// (`2026-11-30T13:05:00Z`); a time without a zone is kept in the page's own (unknown) zone, as
/// `YYYY-MM-DDTHH:MM:SS` without `Z`; a date alone is `YYYY-MM-DD`. Fractions of a second are
/// dropped.
///
/// Bounds: a date before 1990-01-01 or more than one day after the fetch is rejected. A date
/// without a zone is compared as if it were UTC; the one-day margin covers any real zone.
pub fn normalize_date(text: &str, fetched_at: DateTime<Utc>) -> Option<String> {
    let parsed = parse(text.trim())?;
    let floor = NaiveDate::from_ymd_opt(1990, 1, 1)?.and_time(NaiveTime::MIN);
    let ceiling = (fetched_at + Duration::days(1)).naive_utc();
    let at = parsed.as_naive();
    (floor <= at && at <= ceiling).then(|| parsed.render())
}

fn parse(s: &str) -> Option<Parsed> {
    if s.is_empty() {
        return None;
    }
    if let Some(parsed) = parse_ymd(s) {
        return Some(parsed);
    }
    let s = match s.strip_suffix(" UTC") {
        Some(head) => format!("{head} +0000"),
        None => s.to_string(),
    };
    DateTime::parse_from_rfc2822(&s)
        .ok()
        .map(|t| Parsed::Instant(t.with_timezone(&Utc)))
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
    if c.eat(b'.') || c.eat(b',') {
        c.number(1, 9)?;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.at += 1;
        }
    }
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, second)?);
    c.skip_spaces();
    if c.done() {
        return Some(Parsed::Local(local));
    }
    let offset = zone(&mut c)?;
    let instant = offset.from_local_datetime(&local).single()?;
    Some(Parsed::Instant(instant.with_timezone(&Utc)))
}

/// `Z`, `UTC`, `GMT`, `+HH:MM`, `+HHMM` or `+HH`, ending the string.
fn zone(c: &mut Cursor<'_>) -> Option<FixedOffset> {
    if matches!(c.rest(), b"Z" | b"z" | b"UTC" | b"GMT") {
        return FixedOffset::east_opt(0);
    }
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
