//! Operating hours as pure rules: IANA zone names, HH:MM clock times, a Monday-first weekly
//! schedule and dated holidays, and `is_open`, which reads an instant on the zone's wall clock
//! (daylight-saving aware, through jiff). The store keeps `DayHours` and `Holiday` as they are
//! here; the admin forms parse into them.

use super::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// Monday first: (form key, label).
pub const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// Minutes in a day; also the closing time written 24:00.
pub const END_OF_DAY: u16 = 24 * 60;
/// The longest holiday reason.
pub const MAX_REASON: usize = 200;

/// Why a time zone, time, day or holiday was refused; the messages are shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("Enter the time zone, e.g. Europe/Berlin.")]
    NoZone,
    #[error("\"{0}\" is not a time zone omnidesk knows. Use an IANA name such as Europe/Berlin.")]
    UnknownZone(String),
    #[error("Enter the time as HH:MM, e.g. 09:00.")]
    NoTime,
    #[error("\"{0}\" is not a time. Enter it as HH:MM, e.g. 09:00.")]
    BadTime(String),
    #[error("The closing time must be after the opening time.")]
    FromNotBeforeTo,
    #[error("Enter the date as YYYY-MM-DD, e.g. 2026-12-25.")]
    NoDate,
    #[error("\"{0}\" is not a date. Enter it as YYYY-MM-DD, e.g. 2026-12-25.")]
    BadDate(String),
    #[error("Enter the reason for this holiday.")]
    EmptyReason,
    #[error("The reason is at most {MAX_REASON} characters, on one line.")]
    BadReason,
    #[error("A schedule has exactly seven days, Monday to Sunday.")]
    NotAWeek,
}

/// An IANA time zone name that the bundled time zone database knows, in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZoneName(String);

/// Every IANA zone name of the bundled database that names a place (`Area/Location`) or UTC,
/// sorted: what the forms offer. Legacy aliases (`US/Eastern`, `EST5EDT`) are left out.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .filter(|n| {
            n == "UTC"
                || [
                    "Africa/",
                    "America/",
                    "Antarctica/",
                    "Asia/",
                    "Atlantic/",
                    "Australia/",
                    "Europe/",
                    "Indian/",
                    "Pacific/",
                ]
                .iter()
                .any(|area| n.starts_with(area))
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

impl ZoneName {
    pub fn parse(s: &str) -> Result<Self, HoursError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(HoursError::NoZone);
        }
        let unknown = || HoursError::UnknownZone(s.chars().take(40).collect());
        // Only the characters IANA names use, so nothing path-like reaches the database lookup.
        let plausible = s.len() <= 64
            && !s.starts_with('/')
            && !s.contains("..")
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !plausible {
            return Err(unknown());
        }
        let tz = TimeZone::get(s).map_err(|_| unknown())?;
        Ok(Self(tz.iana_name().unwrap_or(s).to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn time_zone(&self) -> Result<TimeZone, HoursError> {
        TimeZone::get(&self.0).map_err(|_| HoursError::UnknownZone(self.0.clone()))
    }
}

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

    fn covers(&self, minute: u16) -> bool {
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

/// Whether a schedule is open at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Openness {
    Open,
    Closed,
    /// Closed all day for this reason.
    Holiday(String),
}

/// A schedule ready to answer `is_open`: the zone resolved, the week complete, the dates parsed.
#[derive(Debug, Clone)]
pub struct Schedule {
    zone: TimeZone,
    week: [DayHours; 7],
    holidays: Vec<(Date, String)>,
}

impl Schedule {
    pub fn new(
        zone: &ZoneName,
        week: &[DayHours],
        holidays: &[Holiday],
    ) -> Result<Self, HoursError> {
        let week: [DayHours; 7] = week.to_vec().try_into().map_err(|_| HoursError::NotAWeek)?;
        let holidays = holidays
            .iter()
            .map(|h| Ok((parse_date(&h.date)?, h.reason.clone())))
            .collect::<Result<_, HoursError>>()?;
        Ok(Self {
            zone: zone.time_zone()?,
            week,
            holidays,
        })
    }
}

/// Reads `at` on the schedule's wall clock: a holiday on that local date closes the whole day;
/// otherwise the local weekday's hours decide. An instant jiff cannot represent (beyond the years
/// -9999..=9999) counts as closed.
pub fn is_open(schedule: &Schedule, at: Timestamp) -> Openness {
    let Ok(instant) = jiff::Timestamp::from_millisecond(at.as_millis()) else {
        return Openness::Closed;
    };
    let local = schedule.zone.to_datetime(instant);
    if let Some((_, reason)) = schedule.holidays.iter().find(|(d, _)| *d == local.date()) {
        return Openness::Holiday(reason.clone());
    }
    let day = &schedule.week[usize::from(local.weekday().to_monday_zero_offset().unsigned_abs())];
    let minute =
        u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
    if day.covers(minute) {
        Openness::Open
    } else {
        Openness::Closed
    }
}

/// The next instant after `at` at which the schedule opens, within the coming year; None if it
/// never does (every day closed). A local opening time that a daylight-saving change skips counts
/// from the first wall-clock minute after the gap.
pub fn next_opening(schedule: &Schedule, at: Timestamp) -> Option<Timestamp> {
    let instant = jiff::Timestamp::from_millisecond(at.as_millis()).ok()?;
    let today = schedule.zone.to_datetime(instant).date();
    for offset in 0..=370 {
        let date = today.checked_add(jiff::Span::new().days(offset)).ok()?;
        if schedule.holidays.iter().any(|(d, _)| *d == date) {
            continue;
        }
        let day =
            &schedule.week[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())];
        if !day.open {
            continue;
        }
        let hour = i8::try_from(day.from_minute / 60).ok()?;
        let minute = i8::try_from(day.from_minute % 60).ok()?;
        let local = date.at(hour, minute, 0, 0);
        let opens = schedule
            .zone
            .to_ambiguous_zoned(local)
            .later()
            .ok()?
            .timestamp();
        if opens > instant {
            return Some(Timestamp::from_millis(opens.as_millisecond()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> Timestamp {
        let ts: jiff::Timestamp = iso.parse().expect("test instant");
        Timestamp::from_millis(ts.as_millisecond())
    }

    /// Every day 09:00–17:00, plus `holidays`.
    fn nine_to_five(zone: &str, holidays: &[Holiday]) -> Schedule {
        let zone = ZoneName::parse(zone).expect("known zone");
        let week = vec![DayHours::open(9 * 60, 17 * 60).expect("valid"); 7];
        Schedule::new(&zone, &week, holidays).expect("valid schedule")
    }

    #[test]
    fn the_next_opening_skips_holidays_closed_days_and_follows_daylight_saving() {
        let holiday = Holiday::parse("2027-03-15", "Company day").expect("valid");
        let schedule = nine_to_five("America/New_York", &[holiday]);
        // Sunday 14 March 2027, 08:30 in New York: the clocks went forward at 02:00, so 09:00
        // local is 13:00 UTC (EDT), not 14:00 (EST).
        assert_eq!(
            is_open(&schedule, at("2027-03-14T12:30:00Z")),
            Openness::Closed
        );
        assert_eq!(
            next_opening(&schedule, at("2027-03-14T12:30:00Z")),
            Some(at("2027-03-14T13:00:00Z"))
        );
        assert_eq!(
            is_open(&schedule, at("2027-03-14T13:00:00Z")),
            Openness::Open
        );
        // After closing on the Sunday, Monday is a holiday: Tuesday 09:00 EDT.
        assert_eq!(
            next_opening(&schedule, at("2027-03-14T21:30:00Z")),
            Some(at("2027-03-16T13:00:00Z"))
        );
        let zone = ZoneName::parse("UTC").expect("known zone");
        let never = Schedule::new(&zone, &vec![DayHours::office(false); 7], &[]).expect("valid");
        assert_eq!(next_opening(&never, at("2027-03-14T12:30:00Z")), None);
    }

    #[test]
    fn the_zone_list_offers_places_and_utc_and_each_parses() {
        let names = zone_names();
        assert!(names.len() > 300, "{}", names.len());
        for want in ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"] {
            assert!(names.iter().any(|n| n == want), "{want}");
        }
        assert!(!names.iter().any(|n| n == "US/Eastern" || n == "EST5EDT"));
        for n in &names {
            assert!(ZoneName::parse(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn zone_names_are_checked_against_the_bundled_database() {
        assert_eq!(
            ZoneName::parse(" Europe/Berlin ").unwrap().as_str(),
            "Europe/Berlin"
        );
        assert_eq!(ZoneName::parse("UTC").unwrap().as_str(), "UTC");
        for (bad, why) in [
            ("", "empty"),
            ("Mars/Olympus_Mons", "no such zone"),
            ("Europe/Berlín", "not an IANA spelling"),
            ("../../etc/passwd", "a path, not a name"),
            ("/usr/share/zoneinfo/UTC", "an absolute path"),
            ("+01:00", "an offset, not a zone"),
        ] {
            assert!(ZoneName::parse(bad).is_err(), "{bad:?} should fail: {why}");
        }
    }

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

    #[test]
    fn berlin_opening_follows_the_spring_forward_on_2026_03_29() {
        let s = nine_to_five("Europe/Berlin", &[]);
        // The day before the change Berlin is UTC+1: 07:30Z is 08:30 local, before opening.
        assert_eq!(is_open(&s, at("2026-03-28T07:30:00Z")), Openness::Closed);
        assert_eq!(is_open(&s, at("2026-03-28T08:00:00Z")), Openness::Open);
        // From 29 March Berlin is UTC+2: the same UTC time is 09:30 local, open.
        assert_eq!(is_open(&s, at("2026-03-29T07:30:00Z")), Openness::Open);
        assert_eq!(is_open(&s, at("2026-03-29T06:59:59Z")), Openness::Closed);
        // Closing moves an hour earlier in UTC too: 15:00Z is 17:00 local.
        assert_eq!(is_open(&s, at("2026-03-29T14:59:00Z")), Openness::Open);
        assert_eq!(is_open(&s, at("2026-03-29T15:00:00Z")), Openness::Closed);
    }

    #[test]
    fn new_york_opening_follows_the_fall_back_on_2026_11_01() {
        let s = nine_to_five("America/New_York", &[]);
        // Saturday 31 October is EDT (UTC-4): 13:30Z is 09:30 local.
        assert_eq!(is_open(&s, at("2026-10-31T13:30:00Z")), Openness::Open);
        // Sunday 1 November is EST (UTC-5): 13:30Z is 08:30 local, still closed.
        assert_eq!(is_open(&s, at("2026-11-01T13:30:00Z")), Openness::Closed);
        assert_eq!(is_open(&s, at("2026-11-01T14:00:00Z")), Openness::Open);
        assert_eq!(is_open(&s, at("2026-11-01T21:59:00Z")), Openness::Open);
        assert_eq!(is_open(&s, at("2026-11-01T22:00:00Z")), Openness::Closed);
    }

    #[test]
    fn the_repeated_hour_of_the_fall_back_is_read_on_the_wall_clock_both_times() {
        // 01:00–02:00 happens twice in New York on 2026-11-01; a schedule open 01:00–02:00 is open
        // for both of them, and closed right after.
        let zone = ZoneName::parse("America/New_York").unwrap();
        let mut week = vec![DayHours::office(false); 7];
        week[6] = DayHours::open(60, 120).unwrap();
        let s = Schedule::new(&zone, &week, &[]).unwrap();
        assert_eq!(
            is_open(&s, at("2026-11-01T05:30:00Z")),
            Openness::Open,
            "01:30 EDT"
        );
        assert_eq!(
            is_open(&s, at("2026-11-01T06:30:00Z")),
            Openness::Open,
            "01:30 EST"
        );
        assert_eq!(
            is_open(&s, at("2026-11-01T07:00:00Z")),
            Openness::Closed,
            "02:00 EST"
        );
    }

    #[test]
    fn a_holiday_closes_its_local_date_whatever_the_utc_date() {
        let xmas = Holiday::parse("2026-12-25", "Christmas Day").unwrap();
        let s = nine_to_five("Europe/Berlin", &[xmas]);
        let closed = Openness::Holiday("Christmas Day".into());
        assert_eq!(is_open(&s, at("2026-12-25T10:00:00Z")), closed);
        // 23:30Z on the 24th is already 00:30 on the 25th in Berlin.
        assert_eq!(is_open(&s, at("2026-12-24T23:30:00Z")), closed);
        // 23:30Z on the 25th is the 26th in Berlin: an ordinary Saturday night.
        assert_eq!(is_open(&s, at("2026-12-25T23:30:00Z")), Openness::Closed);
        assert_eq!(is_open(&s, at("2026-12-24T10:00:00Z")), Openness::Open);
    }

    #[test]
    fn closed_days_and_out_of_range_instants_are_closed() {
        let zone = ZoneName::parse("UTC").unwrap();
        let mut week = vec![DayHours::open(0, END_OF_DAY).unwrap(); 7];
        week[3] = DayHours::office(false);
        let s = Schedule::new(&zone, &week, &[]).unwrap();
        assert_eq!(
            is_open(&s, at("2026-01-01T12:00:00Z")),
            Openness::Closed,
            "a Thursday"
        );
        assert_eq!(is_open(&s, at("2026-01-02T23:59:59Z")), Openness::Open);
        assert_eq!(
            is_open(&s, Timestamp::from_millis(i64::MAX)),
            Openness::Closed
        );
        assert_eq!(
            is_open(&s, Timestamp::from_millis(i64::MIN)),
            Openness::Closed
        );
    }

    #[test]
    fn a_schedule_needs_seven_days_and_valid_stored_dates() {
        let zone = ZoneName::parse("UTC").unwrap();
        let six = vec![DayHours::office(true); 6];
        assert_eq!(
            Schedule::new(&zone, &six, &[]).err(),
            Some(HoursError::NotAWeek)
        );
        let week = vec![DayHours::office(true); 7];
        let bad = Holiday {
            date: "soon".into(),
            reason: "x".into(),
        };
        assert!(Schedule::new(&zone, &week, &[bad]).is_err());
    }
}
