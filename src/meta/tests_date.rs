//! The date rules of `normalize_date`, one test per rule.

use chrono::{DateTime, TimeZone, Utc};

use super::normalize_date;

fn fetched() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0)
        .single()
        .expect("a valid fetch time")
}

fn norm(s: &str) -> Option<String> {
    normalize_date(s, fetched())
}

fn is(s: &str, want: &str) {
    assert_eq!(norm(s).as_deref(), Some(want), "input {s:?}");
}

#[test]
fn iso_utc() {
    is("2026-11-30T14:05:00Z", "2026-11-30T14:05:00Z");
    is("2026-11-30t14:05:00z", "2026-11-30T14:05:00Z");
}

#[test]
fn iso_offset_with_colon_becomes_utc() {
    is("2026-11-30T14:05:00+01:00", "2026-11-30T13:05:00Z");
    is("2026-11-30T14:05:00-05:30", "2026-11-30T19:35:00Z");
}

#[test]
fn iso_offset_without_colon_becomes_utc() {
    is("2026-11-30T14:05:00+0100", "2026-11-30T13:05:00Z");
    is("2026-11-30T14:05:00+01", "2026-11-30T13:05:00Z");
}

#[test]
fn iso_fraction_dropped() {
    is("2026-11-30T14:05:00.123456+01:00", "2026-11-30T13:05:00Z");
    is("2026-11-30T14:05:00,5Z", "2026-11-30T14:05:00Z");
}

#[test]
fn iso_without_seconds_gets_them() {
    is("2026-11-30T14:05Z", "2026-11-30T14:05:00Z");
}

#[test]
fn offset_crossing_midnight_changes_the_date() {
    is("2026-12-01T00:30:00+02:00", "2026-11-30T22:30:00Z");
}

#[test]
fn zone_words_and_space_before_zone() {
    is("2026-11-30 14:05:00 UTC", "2026-11-30T14:05:00Z");
    is("2026-11-30 14:05:00 GMT", "2026-11-30T14:05:00Z");
    is("2026-11-30 14:05:00 +0100", "2026-11-30T13:05:00Z");
}

#[test]
fn time_without_zone_kept_as_written() {
    is("2026-11-30T14:05:00", "2026-11-30T14:05:00");
}

#[test]
fn non_iso_space_and_microseconds() {
    is("2015-11-28 05:36:00.000000", "2015-11-28T05:36:00");
}

#[test]
fn non_iso_space_without_seconds() {
    is("2026-11-30 14:05", "2026-11-30T14:05:00");
}

#[test]
fn slashed_and_dotted_dates() {
    is("2026/11/30", "2026-11-30");
    is("2026.11.30", "2026-11-30");
    is("2026/1/5", "2026-01-05");
}

#[test]
fn date_alone() {
    is("2026-11-30", "2026-11-30");
    is("  2026-11-30\n", "2026-11-30");
}

#[test]
fn rfc2822_numeric_zone() {
    is("Mon, 30 Nov 2026 14:05:00 +0000", "2026-11-30T14:05:00Z");
    is("Mon, 30 Nov 2026 14:05:00 +0100", "2026-11-30T13:05:00Z");
}

#[test]
fn rfc2822_gmt_and_utc() {
    is("Mon, 30 Nov 2026 14:05:00 GMT", "2026-11-30T14:05:00Z");
    is("Mon, 30 Nov 2026 14:05:00 UTC", "2026-11-30T14:05:00Z");
    is("30 Nov 2026 14:05:00 GMT", "2026-11-30T14:05:00Z");
}

#[test]
fn year_month_day_never_reordered() {
    is("2023-01-02", "2023-01-02");
    is("2023/01/02", "2023-01-02");
}

#[test]
fn day_first_and_month_first_rejected() {
    assert_eq!(norm("02/01/2023"), None);
    assert_eq!(norm("01/02/2023"), None);
    assert_eq!(norm("30.11.2026"), None);
}

#[test]
fn impossible_dates_rejected() {
    assert_eq!(norm("2026-02-30"), None);
    assert_eq!(norm("2026-13-01"), None);
    assert_eq!(norm("2026-11-30T25:00:00Z"), None);
    assert_eq!(norm("2026-11-30T14:05:00+25:00"), None);
}

#[test]
fn mixed_separators_and_junk_rejected() {
    assert_eq!(norm("2026-11/30"), None);
    assert_eq!(norm("2026-11-30 at noon"), None);
    assert_eq!(norm("2026-11-30T14:05:00Z extra"), None);
    assert_eq!(norm(""), None);
    assert_eq!(norm("yesterday"), None);
    assert_eq!(norm("1480514700"), None);
}

#[test]
fn future_date_rejected() {
    assert_eq!(norm("2026-12-04T00:00:00Z"), None);
    assert_eq!(norm("2027-01-01"), None);
    assert_eq!(norm("Fri, 04 Dec 2026 00:00:00 GMT"), None);
}

#[test]
fn up_to_one_day_ahead_accepted() {
    // A zone far east of UTC can put "today" ahead of the fetch time.
    is("2026-12-03T01:00:00Z", "2026-12-03T01:00:00Z");
    is("2026-12-03", "2026-12-03");
    assert_eq!(norm("2026-12-03T01:00:01Z"), None);
}

#[test]
fn before_1990_rejected() {
    assert_eq!(norm("1989-12-31"), None);
    assert_eq!(norm("1989-06-01T12:00:00Z"), None);
    assert_eq!(norm("Sat, 31 Dec 1989 23:59:59 GMT"), None);
    is("1990-01-01", "1990-01-01");
}

#[test]
fn bound_uses_the_utc_instant() {
    // 1990-01-01T00:30+01:00 is 1989-12-31T23:30Z.
    assert_eq!(norm("1990-01-01T00:30:00+01:00"), None);
}

#[test]
fn rfc2822_variants_feeds_use() {
    is("Tue, 1 Dec 2026 09:00:00 +0000", "2026-12-01T09:00:00Z");
    is("Mon, 30 Nov 2026 14:05 GMT", "2026-11-30T14:05:00Z");
    is("Mon, 30 Nov 2026 09:05:00 EST", "2026-11-30T14:05:00Z");
}

#[test]
fn rfc2822_wrong_weekday_rejected() {
    assert_eq!(norm("Tue, 30 Nov 2026 14:05:00 +0000"), None);
}

#[test]
fn w3c_datetime_without_seconds_with_offset() {
    is("2026-11-30T14:05+01:00", "2026-11-30T13:05:00Z");
}
