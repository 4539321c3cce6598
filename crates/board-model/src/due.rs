//! A task's due (DESIGN §1): the stored forms, and what people type into a due field.
//!
//! Stored, `due` is a calendar date (`2026-12-05`) or a moment with its UTC offset
//! (`2026-12-05T15:00:00+01:00`). Typed, it is whatever a person would write: `tomorrow`,
//! `fri 15:00`, `+3d`, `dec 5 3pm`, an ISO date or date-time. Reading what was typed needs
//! "now" and the local offset; both come in as arguments (this crate has no clock).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday,
};

use crate::error::{ModelError, Result};

/// The longest stored `due` accepted (a date-time with offset and fractions is under 40 bytes).
const MAX_STORED_BYTES: usize = 64;
/// The longest typed text read (anything longer is not a date).
const MAX_INPUT_BYTES: usize = 80;

/// A task's due: a day, or a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Due some time that day, wherever the reader is: overdue once that day is over.
    Date(NaiveDate),
    /// Due at that moment.
    At(DateTime<FixedOffset>),
}

fn invalid(reason: impl Into<String>) -> ModelError {
    ModelError::InvalidValue {
        field: "due date",
        reason: reason.into(),
    }
}

impl Due {
    /// Reads a stored `due`: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS[.f]]` with `Z` or `±HH:MM`.
    pub fn parse(stored: &str) -> Result<Due> {
        const EXPECTED: &str = "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS±HH:MM";
        if stored.len() > MAX_STORED_BYTES {
            return Err(invalid(EXPECTED));
        }
        if stored.len() == 10 {
            return parse_calendar_date(stored).map(Due::Date);
        }
        let at = DateTime::parse_from_rfc3339(stored)
            .or_else(|_| DateTime::parse_from_str(stored, "%Y-%m-%dT%H:%M%#z"))
            .map_err(|_| invalid(EXPECTED))?;
        check_year(at.year())?;
        Ok(Due::At(at))
    }

    /// The stored form: `2026-12-05` or `2026-12-05T15:00:00+01:00` (whole seconds).
    pub fn to_stored(&self) -> String {
        match self {
            Due::Date(date) => date.format("%Y-%m-%d").to_string(),
            Due::At(at) => at.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }

    /// The moment after which the task is overdue: a moment itself, or the end of the day for a
    /// date (midnight after it, at `offset_at` that local time).
    pub fn deadline(
        &self,
        offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
    ) -> DateTime<FixedOffset> {
        match self {
            Due::At(at) => *at,
            Due::Date(date) => {
                let midnight = date.succ_opt().unwrap_or(*date).and_time(NaiveTime::MIN);
                at_local(midnight, &offset_at)
            }
        }
    }
}

/// Checks a stored `due` (see [`Due::parse`]).
pub fn validate_due(due: &str) -> Result<()> {
    Due::parse(due).map(|_| ())
}

fn check_year(year: i32) -> Result<()> {
    if (1000..=9999).contains(&year) {
        Ok(())
    } else {
        Err(invalid("the year must have four digits"))
    }
}

/// `YYYY-MM-DD` with a real calendar date, and a reason when it is not one.
fn parse_calendar_date(text: &str) -> Result<NaiveDate> {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(invalid("expected YYYY-MM-DD"));
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(invalid("expected YYYY-MM-DD"));
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(invalid("expected YYYY-MM-DD"));
    };
    check_year(y)?;
    if !(1..=12).contains(&m) {
        return Err(invalid("month must be 01-12"));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| invalid("no such day in that month"))
}

fn at_local(
    local: NaiveDateTime,
    offset_at: &impl Fn(NaiveDateTime) -> FixedOffset,
) -> DateTime<FixedOffset> {
    let offset = offset_at(local);
    // `local` is a wall-clock time at `offset`: `from_local_datetime` on a fixed offset is
    // always single.
    DateTime::from_naive_utc_and_offset(local - offset, offset)
}

/// What a person typed into a due field, read against `now` (their local time and offset).
/// `offset_at` gives the local UTC offset at a wall-clock time (daylight saving moves it), so
/// `fri 15:00` is 15:00 on that Friday where the person is.
///
/// Accepted, case-insensitive, in any order (one day, at most one time, an optional `at`):
/// - days: `today`, `tomorrow` (`tmr`), `yesterday`, a weekday (`fri`, `friday`: the next one,
///   today included), `+3d`, `+2w`, `in 3 days`, `in 2 weeks`, `dec 5` / `5 dec` / `december 5`
///   (this year, or next year once it has passed), `2026-12-05`;
/// - times: `15:00`, `9:30`, `3pm`, `3:30pm`, `noon`, `midnight`;
/// - a whole ISO date-time: `2026-12-05T15:00`, with `Z` or an offset or without one (local).
///
/// A day alone is a date; a time alone is today at that time.
pub fn parse_due_input(
    text: &str,
    now: DateTime<FixedOffset>,
    offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
) -> Result<Due> {
    let text = text.trim();
    let hint = "try tomorrow, fri 15:00, +3d, dec 5 or 2026-12-05";
    if text.is_empty() {
        return Err(invalid(format!("empty ({hint})")));
    }
    if text.len() > MAX_INPUT_BYTES {
        return Err(invalid(format!("too long ({hint})")));
    }
    if let Ok(due) = Due::parse(text) {
        return Ok(due);
    }
    if let Some(local) = parse_iso_local(&text.to_ascii_uppercase()) {
        return Ok(Due::At(at_local(local, &offset_at)));
    }
    let lower = text.to_lowercase();
    let today = now.date_naive();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let mut day: Option<NaiveDate> = None;
    let mut time: Option<NaiveTime> = None;
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        let next = tokens.get(i + 1).copied();
        let mut used = 1;
        let found_day = if token == "at" {
            None
        } else if let Some(t) = parse_time(token, next) {
            if time.replace(t.0).is_some() {
                return Err(invalid(format!("two times in {text:?}")));
            }
            used = t.1;
            None
        } else if let Some((d, n)) = parse_day(token, next, tokens.get(i + 2).copied(), today) {
            used = n;
            Some(d)
        } else {
            return Err(invalid(format!("did not understand {token:?} ({hint})")));
        };
        if let Some(d) = found_day {
            if day.replace(d).is_some() {
                return Err(invalid(format!("two days in {text:?}")));
            }
        }
        i += used;
    }
    match (day, time) {
        (Some(day), None) => Ok(Due::Date(day)),
        (day, Some(time)) => Ok(Due::At(at_local(
            day.unwrap_or(today).and_time(time),
            &offset_at,
        ))),
        (None, None) => Err(invalid(format!("no day or time in {text:?} ({hint})"))),
    }
}

/// `2026-12-05T15:00`, `2026-12-05 15:00` (with optional seconds): a local wall-clock time.
fn parse_iso_local(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .filter(|local| check_year(local.year()).is_ok())
}

/// A time of day, and how many tokens it took (`3 pm` is two).
fn parse_time(token: &str, next: Option<&str>) -> Option<(NaiveTime, usize)> {
    match token {
        "noon" => return Some((NaiveTime::from_hms_opt(12, 0, 0)?, 1)),
        "midnight" => return Some((NaiveTime::MIN, 1)),
        _ => {}
    }
    let (clock, meridiem, used) = if let Some(c) = token.strip_suffix("am") {
        (c, Some(false), 1)
    } else if let Some(c) = token.strip_suffix("pm") {
        (c, Some(true), 1)
    } else if matches!(next, Some("am" | "pm")) && !token.is_empty() {
        (token, Some(next == Some("pm")), 2)
    } else {
        (token, None, 1)
    };
    let (hours, minutes) = match clock.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h, m),
        Some(_) => return None,
        None if meridiem.is_some() => (clock, "00"),
        None => return None,
    };
    if hours.is_empty() || hours.len() > 2 || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !minutes.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut h: u32 = hours.parse().ok()?;
    let m: u32 = minutes.parse().ok()?;
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    Some((NaiveTime::from_hms_opt(h, m, 0)?, used))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_named(token: &str) -> Option<u32> {
    if token.len() < 3 {
        return None;
    }
    let token = token.trim_end_matches('.');
    MONTHS
        .iter()
        .position(|m| m.starts_with(token) && (token.len() >= 3))
        .and_then(|i| u32::try_from(i + 1).ok())
        // "sept" is common; "mar" must not read "march" for "mars": starts_with covers both.
        .filter(|_| token.len() <= 9)
}

fn weekday_named(token: &str) -> Option<Weekday> {
    let days = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    if token.len() < 2 {
        return None;
    }
    days.iter()
        .find(|(name, _)| name.starts_with(token) && token.len() >= 3)
        .map(|(_, day)| *day)
}

fn day_of_month(token: &str) -> Option<u32> {
    let digits = token
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

/// A day, and how many tokens it took (`in 3 days` is three, `dec 5` two).
fn parse_day(
    token: &str,
    next: Option<&str>,
    after: Option<&str>,
    today: NaiveDate,
) -> Option<(NaiveDate, usize)> {
    match token {
        "today" | "tod" => return Some((today, 1)),
        "tomorrow" | "tmr" | "tmrw" | "tom" => return Some((today.succ_opt()?, 1)),
        "yesterday" => return Some((today.pred_opt()?, 1)),
        _ => {}
    }
    if let Ok(date) = parse_calendar_date(token) {
        return Some((date, 1));
    }
    if let Some(offset) = token.strip_prefix('+') {
        return Some((add_span(today, offset, None)?, 1));
    }
    if token == "in" {
        let count = next?;
        return Some((add_span(today, count, after)?, 3));
    }
    if let Some(weekday) = weekday_named(token) {
        let ahead =
            (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        return Some((today + Duration::days(i64::from(ahead)), 1));
    }
    let (month, day) = match (month_named(token), next.and_then(day_of_month)) {
        (Some(month), Some(day)) => (month, day),
        _ => match (day_of_month(token), next.and_then(month_named)) {
            (Some(day), Some(month)) => (month, day),
            _ => return None,
        },
    };
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    let date = if this_year < today {
        NaiveDate::from_ymd_opt(today.year() + 1, month, day)?
    } else {
        this_year
    };
    Some((date, 2))
}

/// `3d`, `2w` (or `3` with a unit word in `unit`: `days`, `weeks`) after `from`.
fn add_span(from: NaiveDate, count: &str, unit: Option<&str>) -> Option<NaiveDate> {
    let split = count
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(count.len());
    let (digits, suffix) = count.split_at(split);
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let unit = if suffix.is_empty() { unit? } else { suffix };
    let days = match unit {
        "d" | "day" | "days" => n,
        "w" | "wk" | "week" | "weeks" => n * 7,
        _ => return None,
    };
    from.checked_add_signed(Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Friday 4 December 2026, 10:30 at +01:00.
    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-12-04T10:30:00+01:00").expect("a valid now")
    }

    fn plus_one(_: NaiveDateTime) -> FixedOffset {
        FixedOffset::east_opt(3600).expect("a valid offset")
    }

    fn read(text: &str) -> String {
        match parse_due_input(text, now(), plus_one) {
            Ok(due) => due.to_stored(),
            Err(err) => format!("error: {err}"),
        }
    }

    #[test]
    fn stored_forms_round_trip_and_bad_ones_say_why() {
        for ok in ["2026-12-05", "2026-12-05T15:00:00+01:00", "2024-02-29"] {
            assert_eq!(
                Due::parse(ok).map(|d| d.to_stored()).ok().as_deref(),
                Some(ok)
            );
        }
        assert_eq!(
            Due::parse("2026-12-05T15:00Z")
                .map(|d| d.to_stored())
                .ok()
                .as_deref(),
            Some("2026-12-05T15:00:00+00:00")
        );
        for (bad, why) in [
            ("2026-02-30", "no such day in that month"),
            ("2026-13-01", "month must be 01-12"),
            ("2025-02-29", "no such day in that month"),
            ("12/05/2026", "expected YYYY-MM-DD"),
            ("2026-12-05T25:00:00+01:00", "expected YYYY-MM-DD or"),
            ("tomorrow", "expected YYYY-MM-DD or"),
            ("0999-01-01", "four digits"),
        ] {
            let err = Due::parse(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(Due::parse(&"9".repeat(200)).is_err());
    }

    #[test]
    fn what_people_type() {
        let cases = [
            ("today", "2026-12-04"),
            ("Tomorrow", "2026-12-05"),
            ("tmr 9:30", "2026-12-05T09:30:00+01:00"),
            ("fri", "2026-12-04"),
            ("friday 15:00", "2026-12-04T15:00:00+01:00"),
            ("mon", "2026-12-07"),
            ("thu 3pm", "2026-12-10T15:00:00+01:00"),
            ("3 pm thu", "2026-12-10T15:00:00+01:00"),
            ("+3d", "2026-12-07"),
            ("+2w", "2026-12-18"),
            ("in 3 days", "2026-12-07"),
            ("in 1 week at noon", "2026-12-11T12:00:00+01:00"),
            ("dec 24", "2026-12-24"),
            ("24 Dec", "2026-12-24"),
            ("december 24th 18:00", "2026-12-24T18:00:00+01:00"),
            ("nov 3", "2027-11-03"),
            ("15:00", "2026-12-04T15:00:00+01:00"),
            ("12am", "2026-12-04T00:00:00+01:00"),
            ("12:30pm", "2026-12-04T12:30:00+01:00"),
            ("2026-12-05", "2026-12-05"),
            ("2026-12-05T15:00", "2026-12-05T15:00:00+01:00"),
            ("2026-12-05 15:00", "2026-12-05T15:00:00+01:00"),
            ("2026-12-05T15:00:00-05:00", "2026-12-05T15:00:00-05:00"),
        ];
        for (typed, stored) in cases {
            assert_eq!(read(typed), stored, "{typed:?}");
        }
    }

    #[test]
    fn what_is_not_a_date_gets_a_reason() {
        for (typed, why) in [
            ("", "empty"),
            ("someday", "did not understand \"someday\""),
            ("fri mon", "two days"),
            ("3pm 4pm", "two times"),
            ("25:00", "did not understand"),
            ("13pm", "did not understand"),
            ("feb 30", "did not understand"),
            ("in days", "did not understand"),
            ("+99999d", "did not understand"),
        ] {
            let got = read(typed);
            assert!(
                got.starts_with("error:") && got.contains(why),
                "{typed:?}: {got}"
            );
        }
        assert!(read(&"x".repeat(100)).contains("too long"));
    }

    #[test]
    fn a_date_is_overdue_after_its_day_a_moment_after_itself() {
        let date = Due::parse("2026-12-04").expect("a date");
        assert_eq!(
            date.deadline(plus_one).to_rfc3339(),
            "2026-12-05T00:00:00+01:00"
        );
        let at = Due::parse("2026-12-04T15:00:00+01:00").expect("a moment");
        assert_eq!(at.deadline(plus_one), at_local_for_test());
    }

    fn at_local_for_test() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-12-04T15:00:00+01:00").expect("valid")
    }
}
