//! Operating hours as pure rules: IANA zone names, HH:MM clock times, a Monday-first weekly
//! schedule and dated holidays, and `is_open`, which reads an instant on the zone's wall clock
//! (daylight-saving aware, through jiff). The store keeps `DayHours` and `Holiday` as they are
//! here; the admin forms parse into them.

mod schedule;
mod week;
mod zone;

pub use schedule::{Openness, Schedule, is_open, next_opening};
pub use week::{DayHours, Holiday, format_clock, parse_clock, parse_date, parse_reason};
pub use zone::{ZoneName, zone_names};

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
