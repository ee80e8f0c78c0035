//! A schedule read on its zone's wall clock: whether it is open at an instant (holidays close
//! their whole local date) and when it next opens, daylight-saving aware.

use super::{DayHours, Holiday, HoursError, ZoneName, parse_date};
use crate::domain::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

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
    use super::super::END_OF_DAY;
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
