//! The conditions of a routing rule and how each is tested against a conversation's facts. Text
//! comparisons use Unicode lower case on both sides; first-message words match whole words.

use super::context::{ContextValue, VariableName, parse_number};
use super::matching::Facts;
use crate::domain::language::{LanguageCode, language_key};
use crate::domain::{Channel, NumberId};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_RULE_NAME_CHARS: usize = 100;
pub const MAX_KEYWORDS: usize = 30;
pub const MAX_KEYWORD_CHARS: usize = 60;
/// Digits in an E.164 number, at most.
const MAX_DIGITS: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("Enter a name.")]
    EmptyName,
    #[error("Use at most 100 characters.")]
    NameTooLong,
    #[error("Enter digits, optionally with a leading + (like +44 or +14155550100).")]
    Number,
    #[error("Enter at least one word.")]
    NoKeywords,
    #[error("Use at most 30 words.")]
    TooManyKeywords,
    #[error("Each word or phrase may have at most 60 characters.")]
    KeywordTooLong,
}

/// The name admins give a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct RuleName(String);

impl TryFrom<String> for RuleName {
    type Error = ConditionError;
    fn try_from(s: String) -> Result<Self, ConditionError> {
        Self::parse(&s)
    }
}

impl RuleName {
    pub fn parse(s: &str) -> Result<Self, ConditionError> {
        let s = s.trim();
        if s.is_empty() {
            Err(ConditionError::EmptyName)
        } else if s.chars().count() > MAX_RULE_NAME_CHARS {
            Err(ConditionError::NameTooLong)
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A test of the customer's number, on its digits (`+44 20…` and `4420…` are the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberMatch {
    Equals(String),
    StartsWith(String),
}

impl NumberMatch {
    /// The digits of a number as an admin types it: digits, spaces, `+`, `-`, `(`, `)`.
    pub fn digits(raw: &str) -> Result<String, ConditionError> {
        let t = raw.trim();
        let allowed = t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        if allowed && !digits.is_empty() && digits.len() <= MAX_DIGITS {
            Ok(digits)
        } else {
            Err(ConditionError::Number)
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Self::Equals(d) | Self::StartsWith(d) => d,
        }
    }

    fn holds(&self, customer: &str) -> bool {
        let digits: String = customer.chars().filter(char::is_ascii_digit).collect();
        match self {
            Self::Equals(d) => digits == *d,
            Self::StartsWith(d) => digits.starts_with(d.as_str()),
        }
    }
}

/// Words or phrases, any of which in the first message makes the condition hold. Kept in
/// Unicode lower case; each matches whole words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keywords(Vec<String>);

impl Keywords {
    /// A comma-separated list, as the form takes it.
    pub fn parse(raw: &str) -> Result<Self, ConditionError> {
        let mut words: Vec<String> = Vec::new();
        for w in raw.split([',', '\n']) {
            let w = words_of(w).join(" ");
            if w.chars().count() > MAX_KEYWORD_CHARS {
                return Err(ConditionError::KeywordTooLong);
            }
            if !w.is_empty() && !words.contains(&w) {
                words.push(w);
            }
        }
        match words.len() {
            0 => Err(ConditionError::NoKeywords),
            n if n > MAX_KEYWORDS => Err(ConditionError::TooManyKeywords),
            _ => Ok(Self(words)),
        }
    }

    pub fn words(&self) -> &[String] {
        &self.0
    }

    /// Whether `text` mentions any of the words.
    pub fn found_in(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        let tokens = words_of(&lower);
        self.0.iter().any(|k| {
            if k.chars().any(unspaced_script) {
                // Scripts written without spaces between words: a word is any run of its text.
                lower.contains(k.as_str())
            } else {
                let needle: Vec<&str> = k.split(' ').collect();
                tokens.windows(needle.len()).any(|w| w == needle.as_slice())
            }
        })
    }
}

/// The words of `s` in Unicode lower case: runs of letters, digits and combining marks.
fn words_of(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || is_combining(c)))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}')
}

/// Han, kana and Thai: scripts that do not separate words with spaces.
fn unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0E7F}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}')
}

/// What is known about the customer's contact record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactField {
    /// A saved contact (an agent saved the customer): a known, authenticated customer.
    Known,
    /// Not opted out on the conversation's channel.
    OptedIn,
    NameSet,
}

impl ContactField {
    pub const ALL: [ContactField; 3] = [Self::Known, Self::OptedIn, Self::NameSet];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Known => "known",
            Self::OptedIn => "opted_in",
            Self::NameSet => "name_set",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Known => "Known contact",
            Self::OptedIn => "Opted in",
            Self::NameSet => "Name set",
        }
    }
}

/// A test of one context variable's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ContextTest {
    Equals(String),
    Contains(String),
    GreaterThan(f64),
    LessThan(f64),
}

impl ContextTest {
    fn holds(&self, value: &ContextValue) -> bool {
        match (self, value) {
            (Self::Equals(want), ContextValue::Number(n)) => parse_number(want) == Some(*n),
            (Self::Equals(want), ContextValue::YesNo(b)) => {
                ContextValue::parse(super::VariableKind::YesNo, want).ok()
                    == Some(ContextValue::YesNo(*b))
            }
            (Self::Equals(want), ContextValue::Text(t)) => {
                t.trim().to_lowercase() == want.trim().to_lowercase()
            }
            (Self::Contains(part), v) => v
                .to_string()
                .to_lowercase()
                .contains(&part.trim().to_lowercase()),
            (Self::GreaterThan(x), v) => v.as_number().is_some_and(|n| n > *x),
            (Self::LessThan(x), v) => v.as_number().is_some_and(|n| n < *x),
        }
    }
}

/// One condition of a rule; a rule holds when all of its conditions do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    Channel(Channel),
    BusinessNumber(NumberId),
    CustomerNumber(NumberMatch),
    FirstMessage(Keywords),
    /// `es` holds for `es` and `es-MX`; `es-MX` only for `es-MX`.
    Language(LanguageCode),
    Contact {
        field: ContactField,
        is: bool,
    },
    /// A variable without a value (and without a default) fails every test.
    Context {
        name: VariableName,
        test: ContextTest,
    },
}

impl Condition {
    pub fn holds(&self, facts: &Facts) -> bool {
        match self {
            Self::Channel(c) => facts.channel == *c,
            Self::BusinessNumber(n) => facts.business_number == Some(*n),
            Self::CustomerNumber(m) => m.holds(&facts.customer),
            Self::FirstMessage(k) => k.found_in(&facts.first_message),
            Self::Language(l) => facts.language.as_deref().is_some_and(|have| {
                let (want, have) = (l.key(), language_key(have));
                have == want || have.starts_with(&format!("{want}-"))
            }),
            Self::Contact { field, is } => {
                let c = facts.contact;
                let actual = match field {
                    ContactField::Known => c.known,
                    ContactField::OptedIn => c.opted_in,
                    ContactField::NameSet => c.name_set,
                };
                actual == *is
            }
            Self::Context { name, test } => facts
                .context
                .iter()
                .find(|(n, _)| n.key() == name.key())
                .is_some_and(|(_, v)| test.holds(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_whole_words_in_any_case_and_script() {
        let k = |s: &str| Keywords::parse(s).unwrap();
        // (keywords, message, expected, why)
        let cases = [
            ("refund", "I want a REFUND!", true, "case and punctuation"),
            (
                "refund, invoice",
                "Where is my invoice?",
                true,
                "any of the list",
            ),
            (
                "refund",
                "refunded already",
                false,
                "a longer word is another word",
            ),
            ("card", "my discard pile", false, "inside another word"),
            (
                "credit card",
                "My Credit  Card was charged",
                true,
                "a phrase, any spacing",
            ),
            (
                "credit card",
                "card credit",
                false,
                "a phrase keeps its order",
            ),
            (
                "ÉCOLE",
                "l'école est fermée",
                true,
                "Unicode lower case on both sides",
            ),
            (
                "straße",
                "Die STRASSE",
                false,
                "no folding beyond lower case",
            ),
            ("über", "Über alles", true, "a capital umlaut"),
            ("Привет", "привет, мир", true, "Cyrillic"),
            (
                "退款",
                "我想要退款。",
                true,
                "Chinese has no spaces: a run of the text",
            ),
            (
                "café",
                "cafe\u{301} au lait",
                false,
                "decomposed accents are another spelling",
            ),
            (
                "e\u{301}t\u{e9}",
                "Un e\u{301}t\u{e9} chaud",
                true,
                "combining marks stay in the word",
            ),
        ];
        for (words, message, expected, why) in cases {
            assert_eq!(k(words).found_in(message), expected, "{why}");
        }
    }

    #[test]
    fn bad_keyword_lists_are_refused() {
        assert_eq!(Keywords::parse(" , ,"), Err(ConditionError::NoKeywords));
        let many = (0..31)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(Keywords::parse(&many), Err(ConditionError::TooManyKeywords));
        assert_eq!(
            Keywords::parse(&"x".repeat(61)),
            Err(ConditionError::KeywordTooLong)
        );
        assert_eq!(
            Keywords::parse("Refund, refund").unwrap().words(),
            ["refund"]
        );
    }

    #[test]
    fn numbers_are_compared_on_their_digits() {
        assert_eq!(
            NumberMatch::digits("+44 (20) 7946-0000").unwrap(),
            "442079460000"
        );
        for bad in ["", "+", "call me", "+1 415 555 0100 1234 5"] {
            assert!(NumberMatch::digits(bad).is_err(), "{bad:?}");
        }
        assert!(NumberMatch::StartsWith("44".into()).holds("+442079460000"));
        assert!(!NumberMatch::Equals("44".into()).holds("+442079460000"));
    }
}
