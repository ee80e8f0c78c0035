//! The channel-setup part of a workstream's settings: the steps of "Set up the channel", the
//! numbers chosen, the post-conversation survey and the file-attachment toggles.

use super::SettingError;
use crate::domain::NumberId;
use serde::{Deserialize, Serialize};

pub const MAX_SURVEY_LINK_CHARS: usize = 2_000;
pub const MAX_SURVEY_MESSAGE_CHARS: usize = 1_000;

/// The https link of a post-conversation survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyLink(String);

impl SurveyLink {
    /// `https://host[:port][/path…]`: no spaces, quotes or angle brackets, no user part (a link
    /// like `https://bank.example@evil.example` would mislead customers).
    pub fn parse(s: &str) -> Result<Self, SettingError> {
        let s = s.trim();
        if s.chars().count() > MAX_SURVEY_LINK_CHARS {
            return Err(SettingError::LongSurveyLink);
        }
        let scheme_ok = s
            .get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("https://"));
        if !scheme_ok {
            return Err(SettingError::SurveyLink);
        }
        let rest = &s[8..];
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (host, port) = match rest[..host_end].split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (&rest[..host_end], None),
        };
        let host_ok = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
        let chars_ok = !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"<>\\`{}|^".contains(c));
        if host_ok && port_ok && chars_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(SettingError::SurveyLink)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The post-conversation survey: a link sent in a message when the conversation ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    pub link: SurveyLink,
    /// The text before the link; empty means the automated default.
    pub message: String,
}

/// The survey message: at most 1,000 characters; line breaks and tabs allowed.
pub fn parse_survey_message(s: &str) -> Result<String, SettingError> {
    let s = s.trim();
    if s.chars().count() > MAX_SURVEY_MESSAGE_CHARS {
        Err(SettingError::LongSurveyMessage)
    } else if s
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err(SettingError::BadSurveyMessage)
    } else {
        Ok(s.to_owned())
    }
}

impl Survey {
    /// No link and no message: no survey. A message needs a link.
    pub fn from_parts(
        link: Option<SurveyLink>,
        message: String,
    ) -> Result<Option<Self>, SettingError> {
        match link {
            Some(link) => Ok(Some(Self { link, message })),
            None if message.is_empty() => Ok(None),
            None => Err(SettingError::SurveyMessageWithoutLink),
        }
    }
}

/// "File attachments": who may send files in this workstream's conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachments {
    /// "Customers can send file attachments".
    pub customers: bool,
    /// "Agents can send file attachments".
    pub agents: bool,
}

impl Attachments {
    /// The form values with their labels.
    pub const CHOICES: [(&'static str, &'static str); 2] = [
        ("customers", "Customers can send file attachments"),
        ("agents", "Agents can send file attachments"),
    ];

    pub fn parse(values: &[&str]) -> Result<Self, SettingError> {
        let mut a = Self::default();
        for v in values {
            match *v {
                "customers" => a.customers = true,
                "agents" => a.agents = true,
                _ => return Err(SettingError::UnknownOption),
            }
        }
        Ok(a)
    }
}

/// The checked number ids, without repeats; at least one.
pub fn parse_number_ids(values: &[&str]) -> Result<Vec<NumberId>, SettingError> {
    let mut out: Vec<NumberId> = Vec::new();
    for v in values {
        let id = v
            .trim()
            .parse::<u64>()
            .map_err(|_| SettingError::UnknownNumber)?;
        if !out.iter().any(|n| n.get() == id) {
            out.push(NumberId::new(id));
        }
    }
    if out.is_empty() {
        return Err(SettingError::NoNumber);
    }
    Ok(out)
}

/// The pages of "Set up the channel", in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetupStep {
    Numbers,
    Language,
    Behaviors,
    Features,
    Summary,
}

impl SetupStep {
    pub const ALL: [SetupStep; 5] = [
        SetupStep::Numbers,
        SetupStep::Language,
        SetupStep::Behaviors,
        SetupStep::Features,
        SetupStep::Summary,
    ];

    /// The URL segment.
    pub fn slug(self) -> &'static str {
        match self {
            SetupStep::Numbers => "numbers",
            SetupStep::Language => "language",
            SetupStep::Behaviors => "behaviors",
            SetupStep::Features => "features",
            SetupStep::Summary => "summary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SetupStep::Numbers => "Numbers",
            SetupStep::Language => "Language",
            SetupStep::Behaviors => "Behaviors",
            SetupStep::Features => "User features",
            SetupStep::Summary => "Summary",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.index() + 1).copied()
    }

    pub fn previous(self) -> Option<Self> {
        self.index().checked_sub(1).map(|i| Self::ALL[i])
    }
}

/// How far "Set up the channel" got: each step is saved when submitted, so a setup left half-way
/// resumes at `reached`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupProgress {
    /// The first step not yet saved (Summary once every step before it was).
    pub reached: SetupStep,
    /// Finish was pressed on the summary.
    pub finished: bool,
}

impl Default for SetupProgress {
    fn default() -> Self {
        Self {
            reached: SetupStep::Numbers,
            finished: false,
        }
    }
}

impl SetupProgress {
    /// Records that `step` was saved: the setup resumes after it (never earlier than it was).
    pub fn saved(&mut self, step: SetupStep) {
        let after = step.next().unwrap_or(SetupStep::Summary);
        self.reached = self.reached.max(after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survey_links_are_https_with_a_host() {
        for ok in [
            "https://example.com",
            "HTTPS://example.com/survey?id=1&x=%20#top",
            "https://survey.example.com:8443/a",
        ] {
            assert!(SurveyLink::parse(ok).is_ok(), "{ok}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2_000));
        let cases = [
            ("http://example.com", SettingError::SurveyLink, "not https"),
            ("example.com", SettingError::SurveyLink, "no scheme"),
            ("https://", SettingError::SurveyLink, "no host"),
            ("https:///path", SettingError::SurveyLink, "empty host"),
            ("https://a..b", SettingError::SurveyLink, "empty label"),
            ("https://a b.com", SettingError::SurveyLink, "space"),
            ("https://x.com/<script>", SettingError::SurveyLink, "markup"),
            (
                "https://bank.com@evil.com",
                SettingError::SurveyLink,
                "user part",
            ),
            ("https://x.com:99999", SettingError::SurveyLink, "bad port"),
            ("javascript:alert(1)", SettingError::SurveyLink, "script"),
            (
                &*long,
                SettingError::LongSurveyLink,
                "over 2,000 characters",
            ),
        ];
        for (input, err, why) in cases {
            assert_eq!(SurveyLink::parse(input), Err(err), "{why}");
        }
    }

    #[test]
    fn a_survey_message_needs_a_link() {
        let link = SurveyLink::parse("https://example.com").ok();
        assert_eq!(Survey::from_parts(None, String::new()), Ok(None));
        assert_eq!(
            Survey::from_parts(None, "Rate us".into()),
            Err(SettingError::SurveyMessageWithoutLink)
        );
        assert!(matches!(
            Survey::from_parts(link, String::new()),
            Ok(Some(_))
        ));
        assert_eq!(
            parse_survey_message(&"m".repeat(1_001)),
            Err(SettingError::LongSurveyMessage)
        );
        assert_eq!(
            parse_survey_message("a\u{7}b"),
            Err(SettingError::BadSurveyMessage)
        );
        assert_eq!(parse_survey_message("a\nb"), Ok("a\nb".into()));
    }

    #[test]
    fn attachments_and_numbers_accept_only_listed_values() {
        assert_eq!(
            Attachments::parse(&["agents"]),
            Ok(Attachments {
                customers: false,
                agents: true
            })
        );
        assert_eq!(
            Attachments::parse(&["everyone"]),
            Err(SettingError::UnknownOption)
        );
        assert_eq!(
            parse_number_ids(&["2", "2", "5"]),
            Ok(vec![NumberId::new(2), NumberId::new(5)])
        );
        assert_eq!(parse_number_ids(&[]), Err(SettingError::NoNumber));
        assert_eq!(parse_number_ids(&["x"]), Err(SettingError::UnknownNumber));
    }

    #[test]
    fn setup_steps_run_in_order_and_progress_never_goes_back() {
        assert_eq!(SetupStep::parse("behaviors"), Some(SetupStep::Behaviors));
        assert_eq!(SetupStep::parse("finish"), None);
        assert_eq!(SetupStep::Numbers.previous(), None);
        assert_eq!(SetupStep::Summary.next(), None);
        let mut p = SetupProgress::default();
        p.saved(SetupStep::Numbers);
        assert_eq!(p.reached, SetupStep::Language);
        p.saved(SetupStep::Features);
        p.saved(SetupStep::Numbers);
        assert_eq!(p.reached, SetupStep::Summary);
    }
}
