//! The parts of an operating-hours record: HH:MM clock times, one day's opening, and dated
//! holidays with their reasons, each parsed from what the forms send.

use super::{END_OF_DAY, HoursError, MAX_REASON};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Parses `HH:MM` (as browsers send a time input) into minutes after midnight. As a closing time
/// (`closing`), `00:00` and `24:00` mean midnight at the end of the day.
pub fn parse_clock(s: &str, closing: bool) -> Result<u16, HoursError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(HoursError::NoTime);
    }
    let bad = || HoursError::BadTime(s.chars().take(20).collect());
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (0, 0) | (24, 0) if closing => Ok(END_OF_DAY),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

/// Minutes after midnight as `HH:MM`; the end of the day is `00:00`, as a time input takes it.
pub fn format_clock(minute: u16) -> String {
    let minute = minute % END_OF_DAY;
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// One day's opening, in minutes after local midnight: open from `from_minute` (inclusive) to
/// `to_minute` (exclusive). When `open` is false the times are kept only to refill the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    pub open: bool,
    pub from_minute: u16,
    pub to_minute: u16,
}

impl DayHours {
    /// 09:00 to 17:00, open or closed.
    pub fn office(open: bool) -> Self {
        Self {
            open,
            from_minute: 9 * 60,
            to_minute: 17 * 60,
        }
    }

    /// An open day; `from` must be before `to`.
    pub fn open(from_minute: u16, to_minute: u16) -> Result<Self, HoursError> {
        if from_minute >= to_minute || to_minute > END_OF_DAY {
            return Err(HoursError::FromNotBeforeTo);
        }
        Ok(Self {
            open: true,
            from_minute,
            to_minute,
        })
    }

    pub(super) fn covers(&self, minute: u16) -> bool {
        self.open && self.from_minute <= minute && minute < self.to_minute
    }
}

/// A closed date in the schedule's zone, with the reason customers are told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// ISO date, e.g. 2026-12-25.
    pub date: String,
    pub reason: String,
}

impl Holiday {
    pub fn parse(date: &str, reason: &str) -> Result<Self, HoursError> {
        let date = parse_date(date)?;
        Ok(Self {
            date: date.to_string(),
            reason: parse_reason(reason)?,
        })
    }
}

/// A holiday reason: one line of 1 to `MAX_REASON` characters, trimmed.
pub fn parse_reason(s: &str) -> Result<String, HoursError> {
    let reason = s.trim();
    if reason.is_empty() {
        return Err(HoursError::EmptyReason);
    }
    if reason.chars().count() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(HoursError::BadReason);
    }
    Ok(reason.to_owned())
}

/// A calendar date written YYYY-MM-DD.
pub fn parse_date(s: &str) -> Result<Date, HoursError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(HoursError::NoDate);
    }
    let bad = || HoursError::BadDate(s.chars().take(20).collect());
    let shaped = s.len() == 10
        && s.bytes()
            .enumerate()
            .all(|(i, b)| matches!(i, 4 | 7) == (b == b'-') && (b == b'-' || b.is_ascii_digit()));
    if !shaped {
        return Err(bad());
    }
    s.parse::<Date>().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_are_hh_mm_and_midnight_closes_at_the_end_of_the_day() {
        assert_eq!(parse_clock("09:30", false), Ok(570));
        assert_eq!(parse_clock("00:00", false), Ok(0));
        assert_eq!(parse_clock("00:00", true), Ok(END_OF_DAY));
        assert_eq!(parse_clock("24:00", true), Ok(END_OF_DAY));
        for (bad, closing, why) in [
            ("", false, "empty"),
            ("9:30", false, "one-digit hour"),
            ("09:60", false, "minute out of range"),
            ("25:00", true, "hour out of range"),
            ("24:00", false, "24:00 cannot open"),
            ("24:01", true, "past the end of the day"),
            ("0930", false, "no colon"),
            ("09:30:00", false, "seconds"),
            ("+9:30", false, "a sign"),
            ("٠٩:٣٠", false, "non-ASCII digits"),
        ] {
            assert!(
                parse_clock(bad, closing).is_err(),
                "{bad:?} should fail: {why}"
            );
        }
        assert_eq!(format_clock(570), "09:30");
        assert_eq!(format_clock(END_OF_DAY), "00:00");
    }

    #[test]
    fn an_open_day_closes_after_it_opens() {
        assert!(DayHours::open(540, 1020).is_ok());
        assert_eq!(DayHours::open(1020, 540), Err(HoursError::FromNotBeforeTo));
        assert_eq!(DayHours::open(540, 540), Err(HoursError::FromNotBeforeTo));
    }

    #[test]
    fn holidays_need_a_real_date_and_a_reason() {
        let h = Holiday::parse("2026-12-25", " Christmas ").unwrap();
        assert_eq!(
            (h.date.as_str(), h.reason.as_str()),
            ("2026-12-25", "Christmas")
        );
        for (date, reason, why) in [
            ("2026-02-30", "x", "no such day"),
            ("2026-13-01", "x", "no such month"),
            ("25.12.2026", "x", "not ISO"),
            ("20261225", "x", "basic format is not accepted"),
            ("", "x", "no date"),
            ("2026-12-25", "  ", "empty reason"),
            ("2026-12-25", &"r".repeat(201), "reason too long"),
            ("2026-12-25", "two\nlines", "reason on two lines"),
        ] {
            assert!(
                Holiday::parse(date, reason).is_err(),
                "{date:?}/{reason:?}: {why}"
            );
        }
    }
}
