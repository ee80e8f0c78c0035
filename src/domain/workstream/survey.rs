//! The post-conversation survey setting of a workstream: none, an external link, or omnidesk's
//! built-in one-question survey (`domain::survey` runs it). Pure parsing of what the admin
//! pages and the configuration file submit.

use super::SettingError;
use serde::{Deserialize, Serialize};

pub const MAX_SURVEY_LINK_CHARS: usize = 2_000;
pub const MAX_SURVEY_MESSAGE_CHARS: usize = 1_000;
/// The built-in survey's question is one line: a page heading, not a letter.
pub const MAX_SURVEY_QUESTION_CHARS: usize = 300;

/// The https link of an external post-conversation survey.
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

/// The survey sent when an agent ends a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Survey {
    /// A link to a survey elsewhere, sent as it is.
    Link {
        link: SurveyLink,
        /// The text before the link; empty means the default.
        message: String,
    },
    /// omnidesk's own one-question survey: a single-use link to `/survey/{token}`.
    BuiltIn {
        /// The text before the link, in the workstream's language; empty means the default.
        message: String,
        /// The question above the 1–5 rating; empty means the default.
        question: String,
    },
}

/// The choice of survey, as the form and the configuration file name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SurveyKind {
    None,
    /// The configuration file's default, so files written before the built-in survey still read.
    #[default]
    Link,
    BuiltIn,
}

impl SurveyKind {
    /// The form values with their labels.
    pub const CHOICES: [(&'static str, &'static str); 3] = [
        ("none", "None"),
        ("link", "External survey link"),
        (
            "built-in",
            "omnidesk's one-question survey (rating 1–5 and a comment)",
        ),
    ];

    pub fn parse(s: &str) -> Result<Self, SettingError> {
        match s.trim() {
            "none" => Ok(SurveyKind::None),
            "link" => Ok(SurveyKind::Link),
            "built-in" => Ok(SurveyKind::BuiltIn),
            _ => Err(SettingError::SurveyChoice),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::None => "none",
            SurveyKind::Link => "link",
            SurveyKind::BuiltIn => "built-in",
        }
    }

    pub fn of(survey: Option<&Survey>) -> Self {
        match survey {
            None => SurveyKind::None,
            Some(Survey::Link { .. }) => SurveyKind::Link,
            Some(Survey::BuiltIn { .. }) => SurveyKind::BuiltIn,
        }
    }
}

/// Trimmed; at most `max` characters; line breaks and tabs allowed only when `lines`.
fn survey_text(
    s: &str,
    max: usize,
    lines: bool,
    long: SettingError,
    bad: SettingError,
) -> Result<String, SettingError> {
    let s = s.trim();
    if s.chars().count() > max {
        Err(long)
    } else if s
        .chars()
        .any(|c| c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t')))
    {
        Err(bad)
    } else {
        Ok(s.to_owned())
    }
}

/// The survey message: at most 1,000 characters; line breaks and tabs allowed.
pub fn parse_survey_message(s: &str) -> Result<String, SettingError> {
    survey_text(
        s,
        MAX_SURVEY_MESSAGE_CHARS,
        true,
        SettingError::LongSurveyMessage,
        SettingError::BadSurveyMessage,
    )
}

/// The built-in survey's question: one line of at most 300 characters.
pub fn parse_survey_question(s: &str) -> Result<String, SettingError> {
    survey_text(
        s,
        MAX_SURVEY_QUESTION_CHARS,
        false,
        SettingError::LongSurveyQuestion,
        SettingError::BadSurveyQuestion,
    )
}

impl Survey {
    /// The survey the parts describe. Without a choice (forms and files from before the built-in
    /// survey) a link means an external survey and nothing means none; a message needs a link.
    /// The built-in survey ignores the link; "none" ignores everything.
    pub fn from_parts(
        kind: Option<SurveyKind>,
        link: Option<SurveyLink>,
        message: String,
        question: String,
    ) -> Result<Option<Self>, SettingError> {
        let kind = kind.unwrap_or(if link.is_some() || !message.is_empty() {
            SurveyKind::Link
        } else {
            SurveyKind::None
        });
        match (kind, link) {
            (SurveyKind::None, _) => Ok(None),
            (SurveyKind::Link, Some(link)) => Ok(Some(Survey::Link { link, message })),
            (SurveyKind::Link, None) if message.is_empty() => Err(SettingError::NoSurveyLink),
            (SurveyKind::Link, None) => Err(SettingError::SurveyMessageWithoutLink),
            (SurveyKind::BuiltIn, _) => Ok(Some(Survey::BuiltIn { message, question })),
        }
    }

    /// The text before the link as configured (empty: the default).
    pub fn message(&self) -> &str {
        match self {
            Survey::Link { message, .. } | Survey::BuiltIn { message, .. } => message,
        }
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
    fn without_a_choice_a_link_is_an_external_survey_and_a_message_needs_one() {
        let link = SurveyLink::parse("https://example.com").ok();
        let parts = |kind, link: Option<SurveyLink>, message: &str| {
            Survey::from_parts(kind, link, message.into(), String::new())
        };
        assert_eq!(parts(None, None, ""), Ok(None));
        assert_eq!(
            parts(None, None, "Rate us"),
            Err(SettingError::SurveyMessageWithoutLink)
        );
        assert!(matches!(
            parts(None, link.clone(), ""),
            Ok(Some(Survey::Link { .. }))
        ));
        assert_eq!(
            parts(Some(SurveyKind::Link), None, ""),
            Err(SettingError::NoSurveyLink),
            "an external survey needs its link"
        );
        assert_eq!(parts(Some(SurveyKind::None), link.clone(), "x"), Ok(None));
        assert_eq!(
            Survey::from_parts(
                Some(SurveyKind::BuiltIn),
                link,
                "Rate us:".into(),
                "How was it?".into()
            ),
            Ok(Some(Survey::BuiltIn {
                message: "Rate us:".into(),
                question: "How was it?".into()
            })),
            "the built-in survey makes its own link"
        );
    }

    #[test]
    fn survey_texts_are_bounded_and_the_question_is_one_line() {
        assert_eq!(
            parse_survey_message(&"m".repeat(1_001)),
            Err(SettingError::LongSurveyMessage)
        );
        assert_eq!(
            parse_survey_message("a\u{7}b"),
            Err(SettingError::BadSurveyMessage)
        );
        assert_eq!(parse_survey_message("a\nb"), Ok("a\nb".into()));
        assert_eq!(
            parse_survey_question(" How was it? "),
            Ok("How was it?".into())
        );
        assert!(parse_survey_question(&"q".repeat(300)).is_ok());
        assert_eq!(
            parse_survey_question(&"q".repeat(301)),
            Err(SettingError::LongSurveyQuestion)
        );
        assert_eq!(
            parse_survey_question("a\nb"),
            Err(SettingError::BadSurveyQuestion),
            "a line break"
        );
    }

    #[test]
    fn survey_choices_read_back_as_written() {
        for (value, _) in SurveyKind::CHOICES {
            assert_eq!(SurveyKind::parse(value).map(SurveyKind::as_str), Ok(value));
        }
        assert_eq!(SurveyKind::parse("email"), Err(SettingError::SurveyChoice));
    }
}
