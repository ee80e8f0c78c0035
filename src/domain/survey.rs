//! omnidesk's built-in one-question survey: the link's token, the customer's answer (a 1–5
//! rating and an optional comment) parsed from the public form, the lines the thread and the
//! conversation page show, and the texts of the public page in the workstream's language
//! (`words`). Pure; the store keeps the surveys, `app::survey` runs them.

mod words;

pub use words::{Words, default_message, default_question};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How long a survey link can be answered.
pub const VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// The token's length: 32 random bytes in unpadded base64url.
pub const TOKEN_CHARS: usize = 43;
/// The thread's line, and the agent's notice, when the WhatsApp window had closed at End.
pub const NOT_SENT_WINDOW: &str = "Survey not sent: the WhatsApp window had closed.";

/// The capability in a survey link (`/survey/{token}`), as the customer's browser sends it back.
/// Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyToken(String);

impl SurveyToken {
    /// 43 characters of the base64url alphabet; anything else cannot be a token we issued.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == TOKEN_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `text` with the token of every built-in survey link shown as "…": the agent the survey rates
/// reads the goodbye in the thread, and must not be able to answer for the customer.
pub fn hide_tokens(text: &str) -> String {
    const MARK: &str = "/survey/";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(MARK) {
        let (head, tail) = rest.split_at(i + MARK.len());
        out.push_str(head);
        let token_len = tail
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        if token_len == TOKEN_CHARS {
            out.push('…');
            rest = &tail[TOKEN_CHARS..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Why an answer is refused; the page shows the text (in its language, see `Words::error`)
/// beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("Choose a rating from 1 to 5.")]
    Rating,
    #[error("The comment is at most 1,000 characters.")]
    LongComment,
    #[error("The comment contains characters that are not allowed.")]
    BadComment,
}

impl AnswerError {
    /// The form field the error belongs beside.
    pub fn field(self) -> &'static str {
        match self {
            AnswerError::Rating => "rating",
            AnswerError::LongComment | AnswerError::BadComment => "comment",
        }
    }
}

/// A rating from 1 (very poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8")]
pub struct Rating(u8);

impl Rating {
    pub const ALL: [u8; 5] = [1, 2, 3, 4, 5];

    pub fn parse(s: &str) -> Result<Self, AnswerError> {
        s.trim()
            .parse::<u8>()
            .ok()
            .and_then(|n| Self::try_from(n).ok())
            .ok_or(AnswerError::Rating)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = AnswerError;
    fn try_from(n: u8) -> Result<Self, AnswerError> {
        if (1..=5).contains(&n) {
            Ok(Self(n))
        } else {
            Err(AnswerError::Rating)
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/5", self.0)
    }
}

/// The customer's optional comment: trimmed, 1–1,000 characters, line breaks and tabs allowed.
/// Stored as its string; reading it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct SurveyComment(String);

impl SurveyComment {
    /// None for an empty comment.
    pub fn parse(s: &str) -> Result<Option<Self>, AnswerError> {
        let s = s.trim();
        if s.is_empty() {
            Ok(None)
        } else if s.chars().count() > MAX_COMMENT_CHARS {
            Err(AnswerError::LongComment)
        } else if s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            Err(AnswerError::BadComment)
        } else {
            Ok(Some(Self(s.to_owned())))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SurveyComment {
    type Error = AnswerError;
    fn try_from(s: String) -> Result<Self, AnswerError> {
        Self::parse(&s)?.ok_or(AnswerError::BadComment)
    }
}

/// What the customer answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub rating: Rating,
    pub comment: Option<SurveyComment>,
}

impl Answer {
    /// Both fields checked; the first refusal is the rating's.
    pub fn parse(rating: &str, comment: &str) -> Result<Self, AnswerError> {
        let rating = Rating::parse(rating);
        let comment = SurveyComment::parse(comment);
        Ok(Self {
            rating: rating?,
            comment: comment?,
        })
    }

    /// "Customer rated 4/5 — comment", as the thread and the conversation page show it.
    pub fn line(&self) -> String {
        match &self.comment {
            Some(c) => format!("Customer rated {} — {}", self.rating, c.as_str()),
            None => format!("Customer rated {}", self.rating),
        }
    }
}

/// Why a survey link cannot be answered (any more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SurveyRefusal {
    /// No survey has this token: mistyped, made up, or its workstream's survey was never sent.
    #[error("This survey link is not known.")]
    Unknown,
    #[error("This survey link has expired.")]
    Expired,
    #[error("This survey was already answered.")]
    Answered,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_base64url_characters() {
        let good = "A".repeat(42) + "_";
        assert!(SurveyToken::parse(&good).is_some());
        for (bad, why) in [
            ("A".repeat(42), "too short"),
            ("A".repeat(44), "too long"),
            ("A".repeat(42) + "=", "padding"),
            ("A".repeat(42) + "/", "not url-safe"),
            ("A".repeat(41) + "é", "not ascii"),
            (String::new(), "empty"),
        ] {
            assert!(SurveyToken::parse(&bad).is_none(), "{why}");
        }
    }

    #[test]
    fn survey_tokens_are_hidden_from_the_thread_and_nothing_else_is() {
        let token = "a".repeat(43);
        assert_eq!(
            hide_tokens(&format!(
                "Rate us: https://d.example/survey/{token} thanks /survey/{token}"
            )),
            "Rate us: https://d.example/survey/… thanks /survey/…"
        );
        for kept in [
            "https://example.com/survey/short",
            "no link at all",
            "/survey/",
            &format!("/survey/{token}a"),
        ] {
            assert_eq!(hide_tokens(kept), kept);
        }
    }

    #[test]
    fn ratings_are_whole_numbers_from_1_to_5() {
        assert_eq!(Rating::parse(" 5 ").map(Rating::get), Ok(5));
        assert_eq!(Rating::parse("1").map(|r| r.to_string()), Ok("1/5".into()));
        for (bad, why) in [
            ("0", "below 1"),
            ("6", "above 5"),
            ("", "none chosen"),
            ("4.5", "not whole"),
            ("-1", "negative"),
            ("999", "overflows a byte"),
            ("five", "not a number"),
        ] {
            assert_eq!(Rating::parse(bad), Err(AnswerError::Rating), "{why}");
        }
        assert!(Rating::try_from(0).is_err());
    }

    #[test]
    fn comments_are_optional_bounded_and_free_of_control_characters() {
        assert_eq!(SurveyComment::parse("   "), Ok(None));
        assert_eq!(
            SurveyComment::parse(" fast\nand kind ").map(|c| c.map(|c| c.0)),
            Ok(Some("fast\nand kind".into()))
        );
        assert!(SurveyComment::parse(&"é".repeat(1_000)).is_ok());
        assert_eq!(
            SurveyComment::parse(&"é".repeat(1_001)),
            Err(AnswerError::LongComment)
        );
        assert_eq!(
            SurveyComment::parse("a\u{0}b"),
            Err(AnswerError::BadComment)
        );
    }

    #[test]
    fn an_answer_reads_as_the_line_the_agent_sees() {
        let a = Answer::parse("4", "Quick <b>help</b>").unwrap();
        assert_eq!(a.line(), "Customer rated 4/5 — Quick <b>help</b>");
        assert_eq!(Answer::parse("2", "").unwrap().line(), "Customer rated 2/5");
        assert_eq!(
            Answer::parse("9", &"x".repeat(1_001)),
            Err(AnswerError::Rating),
            "the rating's refusal comes first"
        );
        assert_eq!(AnswerError::LongComment.field(), "comment");
    }
}
