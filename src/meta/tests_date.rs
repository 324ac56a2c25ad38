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
fn iso_offset_with_colon_is_kept() {
    is("2026-11-30T14:05:00+01:00", "2026-11-30T14:05:00+01:00");
    is("2026-11-30T14:05:00-05:30", "2026-11-30T14:05:00-05:30");
}

#[test]
fn iso_offset_without_colon_is_kept() {
    is("2026-11-30T14:05:00+0100", "2026-11-30T14:05:00+01:00");
    is("2026-11-30T14:05:00+01", "2026-11-30T14:05:00+01:00");
    is("2026-11-30T14:05:00+0000", "2026-11-30T14:05:00Z");
}

#[test]
fn iso_fraction_of_any_length_dropped() {
    is(
        "2026-11-30T14:05:00.123456+01:00",
        "2026-11-30T14:05:00+01:00",
    );
    is("2026-11-30T14:05:00,5Z", "2026-11-30T14:05:00Z");
    is("2026-11-30T14:05:00.1234567890123Z", "2026-11-30T14:05:00Z");
}

#[test]
fn iso_without_seconds_gets_them() {
    is("2026-11-30T14:05Z", "2026-11-30T14:05:00Z");
}

#[test]
fn offset_kept_so_the_day_is_the_publishers() {
    // In UTC this is 2026-11-30; the publisher's day is the 1st of December.
    is("2026-12-01T00:30:00+02:00", "2026-12-01T00:30:00+02:00");
    is("2020-02-15T07:00:00+09:00", "2020-02-15T07:00:00+09:00");
}

#[test]
fn zone_words_and_space_before_zone() {
    is("2026-11-30 14:05:00 UTC", "2026-11-30T14:05:00Z");
    is("2026-11-30 14:05:00 GMT", "2026-11-30T14:05:00Z");
    is("2026-11-30 14:05:00 +0100", "2026-11-30T14:05:00+01:00");
    is("2026-11-30T14:05:00 GMT+01:00", "2026-11-30T14:05:00+01:00");
}

#[test]
fn zone_abbreviations() {
    is("2026-11-30 14:05:00 EDT", "2026-11-30T14:05:00-04:00");
    is("2026-11-30 14:05 CEST", "2026-11-30T14:05:00+02:00");
    is("2026-11-30T14:05:00 MSK", "2026-11-30T14:05:00+03:00");
    is("2026-11-30 14:05:00 IST", "2026-11-30T14:05:00+05:30");
    assert_eq!(norm("2026-11-30 14:05:00 XYZ"), None);
}

#[test]
fn iso_basic_form() {
    is("20201123T110235Z", "2020-11-23T11:02:35Z");
    is("20201123T1102+0100", "2020-11-23T11:02:00+01:00");
    is("20201123T110235.5", "2020-11-23T11:02:35");
    is("20201123", "2020-11-23");
    assert_eq!(norm("20201323"), None);
    assert_eq!(norm("20201123T2502Z"), None);
}

#[test]
fn unix_and_javascript_dates() {
    is("Tue Jul 30 09:35:14 CEST 2019", "2019-07-30T09:35:14+02:00");
    is(
        "Tue Jul 30 2019 09:35:14 GMT+0200 (Central European Summer Time)",
        "2019-07-30T09:35:14+02:00",
    );
    is("Tue Jul 30 09:35:14 2019", "2019-07-30T09:35:14");
    // The weekday must fit.
    assert_eq!(norm("Wed Jul 30 09:35:14 CEST 2019"), None);
}

#[test]
fn written_months() {
    is("March 11, 2020", "2020-03-11");
    is("March 11, 2020 5:30 PM EDT", "2020-03-11T17:30:00-04:00");
    is("11 March 2020 12:15 am", "2020-03-11T00:15:00");
    is("11. März 2020", "2020-03-11");
    assert_eq!(norm("March 2020"), None);
    assert_eq!(norm("March 11, 2020 tomorrow"), None);
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
    is(
        "Mon, 30 Nov 2026 14:05:00 +0100",
        "2026-11-30T14:05:00+01:00",
    );
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
    is("Mon, 30 Nov 2026 09:05:00 EST", "2026-11-30T09:05:00-05:00");
}

#[test]
fn rfc2822_wrong_weekday_rejected() {
    assert_eq!(norm("Tue, 30 Nov 2026 14:05:00 +0000"), None);
}

#[test]
fn w3c_datetime_without_seconds_with_offset() {
    is("2026-11-30T14:05+01:00", "2026-11-30T14:05:00+01:00");
}
