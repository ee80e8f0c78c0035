//! Workstream settings as the admin pages submit them: names and the work distribution settings
//! (capacity, allowed presences, auto-close, wrap-up, screen pop) here, the channel setup (steps,
//! numbers, attachments) in `channel`, the post-conversation survey in `survey`. Pure parsing
//! with the ranges users know; the store keeps the parsed values in `records::Workstream`, the
//! web layer shows the messages.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

mod channel;
mod survey;

pub use channel::{Attachments, SetupProgress, SetupStep, parse_number_ids};
pub use survey::{
    MAX_SURVEY_LINK_CHARS, MAX_SURVEY_MESSAGE_CHARS, MAX_SURVEY_QUESTION_CHARS, Survey, SurveyKind,
    SurveyLink, parse_survey_message, parse_survey_question,
};

/// Longest workstream or queue name.
pub const MAX_NAME_CHARS: usize = 100;
/// Capacity units a conversation of this workstream uses.
pub const CAPACITY: RangeInclusive<u32> = 1..=100;
pub const DEFAULT_CAPACITY: u32 = 1;
/// "Auto-close after inactivity" of Waiting conversations, in minutes (up to 30 days).
pub const AUTO_CLOSE_MINUTES: RangeInclusive<u32> = 1..=43_200;
/// One day: the wrap-up auto-close of PRODUCT §7, so a Waiting conversation nobody returns to is
/// closed on the same rhythm as a forgotten wrap-up.
pub const DEFAULT_AUTO_CLOSE_MINUTES: u32 = 1_440;
/// "Block capacity for wrap up" for a duration, in minutes (up to the 1-day wrap-up auto-close).
pub const WRAP_UP_MINUTES: RangeInclusive<u32> = 1..=1_440;
/// Notification "Screen pop timeout", in seconds.
pub const SCREEN_POP_SECS: RangeInclusive<u32> = 30..=300;
pub const DEFAULT_SCREEN_POP_SECS: u32 = 120;

/// Why a submitted setting is unusable; the text is what the form shows beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("Enter a name.")]
    EmptyName,
    #[error("Use at most 100 characters.")]
    LongName,
    #[error("Use one line of text without control characters.")]
    BadName,
    #[error("Capacity must be a whole number from 1 to 100.")]
    Capacity,
    #[error("Choose at least one presence.")]
    NoPresence,
    #[error("Choose presences from the list.")]
    UnknownPresence,
    #[error("Auto-close after inactivity must be a whole number of minutes from 1 to 43,200.")]
    AutoClose,
    #[error("Choose how capacity is blocked for wrap up.")]
    WrapUpChoice,
    #[error("Enter the wrap-up duration: a whole number of minutes from 1 to 1,440.")]
    WrapUpMinutes,
    #[error("Screen pop timeout must be a whole number of seconds from 30 to 300.")]
    ScreenPop,
    #[error(
        "The survey link starts with https:// and names a host, like https://example.com/survey."
    )]
    SurveyLink,
    #[error("The survey link is at most 2,000 characters.")]
    LongSurveyLink,
    #[error("The survey message is at most 1,000 characters.")]
    LongSurveyMessage,
    #[error("The survey message contains characters that are not allowed.")]
    BadSurveyMessage,
    #[error("Enter the survey link, or clear the survey message.")]
    SurveyMessageWithoutLink,
    #[error("Enter the survey link, or choose another survey.")]
    NoSurveyLink,
    #[error("Choose a survey from the list.")]
    SurveyChoice,
    #[error("The built-in survey makes its own link: remove the link, or use kind \"link\".")]
    BuiltInSurveyLink,
    #[error("The survey question is at most 300 characters.")]
    LongSurveyQuestion,
    #[error("The survey question is one line without control characters.")]
    BadSurveyQuestion,
    #[error("Choose numbers from the list.")]
    UnknownNumber,
    #[error("Choose at least one number.")]
    NoNumber,
    #[error("Choose options from the list.")]
    UnknownOption,
}

/// Trimmed, 1–100 characters, one line, no control characters.
fn one_line(s: &str) -> Result<String, SettingError> {
    let s = s.trim();
    if s.is_empty() {
        Err(SettingError::EmptyName)
    } else if s.chars().count() > MAX_NAME_CHARS {
        Err(SettingError::LongName)
    } else if s.chars().any(char::is_control) {
        Err(SettingError::BadName)
    } else {
        Ok(s.to_owned())
    }
}

/// A workstream's name; unique among workstreams regardless of case (the store checks that).
/// Stored as its string; reading it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct WorkstreamName(String);

impl WorkstreamName {
    pub fn parse(s: &str) -> Result<Self, SettingError> {
        one_line(s).map(Self)
    }

    /// "Copy of <name>", shortened to fit, with " (n)" when `n > 1`.
    pub fn copy_of(original: &str, n: u32) -> Self {
        let suffix = if n > 1 {
            format!(" ({n})")
        } else {
            String::new()
        };
        let room = MAX_NAME_CHARS - "Copy of ".len() - suffix.chars().count();
        let base: String = original.trim().chars().take(room).collect();
        Self(format!("Copy of {}{suffix}", base.trim_end()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: names differing only in case are the same name.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

/// The uniqueness key of a stored name (see `WorkstreamName::key`).
pub fn name_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The fallback queue's name: where conversations go when no routing rule matches. Stored as its
/// string; reading it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct QueueName(String);

impl QueueName {
    pub fn parse(s: &str) -> Result<Self, SettingError> {
        one_line(s).map(Self)
    }

    /// "<workstream> (default)", shortened to fit.
    pub fn default_for(workstream: &str) -> Self {
        let room = MAX_NAME_CHARS - " (default)".len();
        let base: String = workstream.trim().chars().take(room).collect();
        Self(format!("{} (default)", base.trim_end()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WorkstreamName {
    type Error = SettingError;
    fn try_from(s: String) -> Result<Self, SettingError> {
        Self::parse(&s)
    }
}

impl TryFrom<String> for QueueName {
    type Error = SettingError;
    fn try_from(s: String) -> Result<Self, SettingError> {
        Self::parse(&s)
    }
}

impl fmt::Display for WorkstreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The presences in which an agent may be given work from a workstream. Offline and the
/// system's Inactive never receive work, so they are not choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Presence {
    Available,
    Busy,
    BusyDnd,
    Away,
}

impl Presence {
    pub const ALL: [Presence; 4] = [
        Presence::Available,
        Presence::Busy,
        Presence::BusyDnd,
        Presence::Away,
    ];

    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::BusyDnd => "busy-dnd",
            Presence::Away => "away",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Presence::Available => "Available",
            Presence::Busy => "Busy",
            Presence::BusyDnd => "Busy - DND",
            Presence::Away => "Away",
        })
    }
}

/// The checked presences, in the order of `Presence::ALL`; at least one.
pub fn parse_presences(values: &[&str]) -> Result<Vec<Presence>, SettingError> {
    let mut picked = Vec::new();
    for v in values {
        picked.push(Presence::parse(v).ok_or(SettingError::UnknownPresence)?);
    }
    let out: Vec<Presence> = Presence::ALL
        .into_iter()
        .filter(|p| picked.contains(p))
        .collect();
    if out.is_empty() {
        return Err(SettingError::NoPresence);
    }
    Ok(out)
}

/// "Block capacity for wrap up".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WrapUp {
    /// Capacity stays taken for the whole wrap-up.
    Always,
    /// Capacity is released when the conversation ends.
    DontBlock,
    /// Capacity stays taken for this many minutes of wrap-up.
    Minutes(u32),
}

impl WrapUp {
    /// The form values of the choice, with their labels.
    pub const CHOICES: [(&'static str, &'static str); 3] = [
        ("always", "Always"),
        ("dont-block", "Don't block"),
        ("minutes", "For a duration"),
    ];

    /// From the choice and, for "minutes", the duration (ignored for the other choices).
    pub fn parse(choice: &str, minutes: &str) -> Result<Self, SettingError> {
        match choice {
            "always" => Ok(WrapUp::Always),
            "dont-block" => Ok(WrapUp::DontBlock),
            "minutes" => in_range(minutes, &WRAP_UP_MINUTES)
                .map(WrapUp::Minutes)
                .ok_or(SettingError::WrapUpMinutes),
            _ => Err(SettingError::WrapUpChoice),
        }
    }

    pub fn choice(self) -> &'static str {
        match self {
            WrapUp::Always => "always",
            WrapUp::DontBlock => "dont-block",
            WrapUp::Minutes(_) => "minutes",
        }
    }

    pub fn minutes(self) -> Option<u32> {
        match self {
            WrapUp::Minutes(m) => Some(m),
            _ => None,
        }
    }
}

impl fmt::Display for WrapUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WrapUp::Always => f.write_str("Always"),
            WrapUp::DontBlock => f.write_str("Don't block"),
            WrapUp::Minutes(m) => write!(f, "{m} minutes"),
        }
    }
}

/// A whole number within `range`, or None.
fn in_range(s: &str, range: &RangeInclusive<u32>) -> Option<u32> {
    s.trim().parse::<u32>().ok().filter(|n| range.contains(n))
}

pub fn parse_capacity(s: &str) -> Result<u32, SettingError> {
    in_range(s, &CAPACITY).ok_or(SettingError::Capacity)
}

pub fn parse_auto_close_minutes(s: &str) -> Result<u32, SettingError> {
    in_range(s, &AUTO_CLOSE_MINUTES).ok_or(SettingError::AutoClose)
}

pub fn parse_screen_pop_secs(s: &str) -> Result<u32, SettingError> {
    in_range(s, &SCREEN_POP_SECS).ok_or(SettingError::ScreenPop)
}

/// The work distribution settings of a workstream (the mode is fixed at creation and kept apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    /// Capacity units one conversation uses.
    pub capacity: u32,
    /// Presences in which agents may get work; never empty.
    pub allowed_presences: Vec<Presence>,
    /// "Keep same agent for entire conversation".
    pub keep_same_agent: bool,
    /// "Auto-close after inactivity" of Waiting conversations, in minutes.
    pub auto_close_minutes: u32,
    pub wrap_up: WrapUp,
    /// How long a push offer waits for Accept or Reject.
    pub screen_pop_secs: u32,
}

impl Default for Distribution {
    fn default() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            allowed_presences: vec![Presence::Available, Presence::Busy],
            keep_same_agent: false,
            auto_close_minutes: DEFAULT_AUTO_CLOSE_MINUTES,
            // Capacity is released on end unless the admin says otherwise (PRODUCT §4).
            wrap_up: WrapUp::DontBlock,
            screen_pop_secs: DEFAULT_SCREEN_POP_SECS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_single_lines_of_at_most_100_characters() {
        assert_eq!(
            WorkstreamName::parse("  Support  ").map(|n| n.0),
            Ok("Support".into())
        );
        assert!(WorkstreamName::parse(&"é".repeat(100)).is_ok());
        let cases = [
            ("", SettingError::EmptyName, "empty"),
            ("   ", SettingError::EmptyName, "only spaces"),
            (&*"a".repeat(101), SettingError::LongName, "101 characters"),
            ("a\nb", SettingError::BadName, "line break"),
            ("a\u{0}b", SettingError::BadName, "NUL"),
        ];
        for (input, err, why) in cases {
            assert_eq!(WorkstreamName::parse(input), Err(err.clone()), "{why}");
            assert_eq!(QueueName::parse(input), Err(err), "{why}");
        }
    }

    #[test]
    fn copies_are_named_copy_of_and_stay_within_100_characters() {
        assert_eq!(WorkstreamName::copy_of("Support", 1).0, "Copy of Support");
        assert_eq!(
            WorkstreamName::copy_of("Support", 3).0,
            "Copy of Support (3)"
        );
        let long = "x".repeat(100);
        for n in [1, 2, 999] {
            let c = WorkstreamName::copy_of(&long, n);
            assert!(c.0.chars().count() <= MAX_NAME_CHARS, "{}", c.0);
            assert!(WorkstreamName::parse(c.as_str()).is_ok());
        }
        assert!(QueueName::default_for(&long).0.chars().count() <= MAX_NAME_CHARS);
    }

    #[test]
    fn names_compare_without_case() {
        let a = WorkstreamName::parse("Support").unwrap();
        assert_eq!(a.key(), name_key(" SUPPORT "));
    }

    #[test]
    fn ranges_hold_at_their_edges() {
        assert_eq!(parse_capacity("1"), Ok(1));
        assert_eq!(parse_capacity(" 100 "), Ok(100));
        assert_eq!(parse_auto_close_minutes("43200"), Ok(43_200));
        assert_eq!(parse_screen_pop_secs("30"), Ok(30));
        assert_eq!(parse_screen_pop_secs("300"), Ok(300));
        let bad = [
            (parse_capacity("0"), SettingError::Capacity, "below 1"),
            (parse_capacity("101"), SettingError::Capacity, "above 100"),
            (parse_capacity("1.5"), SettingError::Capacity, "not whole"),
            (parse_capacity("-1"), SettingError::Capacity, "negative"),
            (parse_capacity(""), SettingError::Capacity, "empty"),
            (
                parse_capacity("99999999999999999999"),
                SettingError::Capacity,
                "overflows",
            ),
            (
                parse_auto_close_minutes("0"),
                SettingError::AutoClose,
                "below 1",
            ),
            (
                parse_auto_close_minutes("43201"),
                SettingError::AutoClose,
                "over 30 days",
            ),
            (
                parse_screen_pop_secs("29"),
                SettingError::ScreenPop,
                "below 30",
            ),
            (
                parse_screen_pop_secs("301"),
                SettingError::ScreenPop,
                "above 300",
            ),
        ];
        for (got, err, why) in bad {
            assert_eq!(got, Err(err), "{why}");
        }
    }

    #[test]
    fn presences_come_back_in_list_order_and_at_least_one() {
        assert_eq!(
            parse_presences(&["away", "available", "away"]),
            Ok(vec![Presence::Available, Presence::Away])
        );
        assert_eq!(parse_presences(&[]), Err(SettingError::NoPresence));
        assert_eq!(
            parse_presences(&["available", "offline"]),
            Err(SettingError::UnknownPresence),
            "offline never receives work"
        );
        assert_eq!(Presence::BusyDnd.to_string(), "Busy - DND");
    }

    #[test]
    fn wrap_up_is_always_dont_block_or_a_duration() {
        assert_eq!(WrapUp::parse("always", "junk"), Ok(WrapUp::Always));
        assert_eq!(WrapUp::parse("dont-block", ""), Ok(WrapUp::DontBlock));
        assert_eq!(WrapUp::parse("minutes", "15"), Ok(WrapUp::Minutes(15)));
        let bad = [
            ("minutes", "", SettingError::WrapUpMinutes, "no duration"),
            ("minutes", "0", SettingError::WrapUpMinutes, "zero"),
            ("minutes", "1441", SettingError::WrapUpMinutes, "over a day"),
            (
                "sometimes",
                "5",
                SettingError::WrapUpChoice,
                "unknown choice",
            ),
            ("", "", SettingError::WrapUpChoice, "no choice"),
        ];
        for (choice, minutes, err, why) in bad {
            assert_eq!(WrapUp::parse(choice, minutes), Err(err), "{why}");
        }
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let d = Distribution::default();
        assert_eq!(d.capacity, 1);
        assert_eq!(d.allowed_presences, [Presence::Available, Presence::Busy]);
        assert_eq!(d.auto_close_minutes, 1_440);
        assert_eq!(d.screen_pop_secs, 120);
        assert!(!d.keep_same_agent);
    }
}
