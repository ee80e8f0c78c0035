//! Language codes as WhatsApp templates and quick replies carry them: `en`, `es_MX`, `es-MX`,
//! `zh_Hant_TW`. Kept as typed (WhatsApp wants `es_MX`), compared without regard to case or to
//! `_` versus `-`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest code accepted (BCP 47 tags in practice stay far below this).
pub const MAX_LANGUAGE_CHARS: usize = 35;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Use a language code like en, es_MX or es-MX.")]
pub struct LanguageError;

/// Stored as its string; reading it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct LanguageCode(String);

impl TryFrom<String> for LanguageCode {
    type Error = LanguageError;
    fn try_from(s: String) -> Result<Self, LanguageError> {
        Self::parse(&s)
    }
}

impl LanguageCode {
    /// A primary subtag of 2–3 letters, then subtags of 2–8 letters or digits joined by `-` or `_`.
    pub fn parse(s: &str) -> Result<Self, LanguageError> {
        let s = s.trim();
        let mut parts = s.split(['-', '_']);
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok && s.len() <= MAX_LANGUAGE_CHARS {
            Ok(Self(s.to_owned()))
        } else {
            Err(LanguageError)
        }
    }

    /// English: the language a new workstream's channel setup starts with.
    pub fn english() -> Self {
        Self("en".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `es_MX`, `es-mx` and `ES-MX` name the same language.
    pub fn key(&self) -> String {
        language_key(&self.0)
    }
}

/// The comparison key of a stored language string (see `LanguageCode::key`).
pub fn language_key(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('_', "-")
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_codes_are_accepted_as_typed() {
        for code in [
            "en",
            "es_MX",
            "es-MX",
            "pt_BR",
            "zh_Hant_TW",
            "fil",
            "es-419",
        ] {
            assert_eq!(LanguageCode::parse(code).map(|c| c.0), Ok(code.to_owned()));
        }
        assert_eq!(
            LanguageCode::parse(" en ").map(|c| c.0),
            Ok("en".to_owned())
        );
    }

    #[test]
    fn junk_is_refused_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("e", "primary subtag too short"),
            ("engl", "primary subtag too long"),
            ("e1", "digit in the primary subtag"),
            ("es-", "empty subtag"),
            ("es__MX", "empty subtag between separators"),
            ("es MX", "space"),
            ("es-M", "subtag too short"),
            ("es-ABCDEFGHI", "subtag too long"),
            ("é", "not ASCII"),
            ("en<b>", "markup"),
        ];
        for (code, why) in cases {
            assert!(
                LanguageCode::parse(code).is_err(),
                "{code:?} accepted: {why}"
            );
        }
    }

    #[test]
    fn spellings_of_one_language_share_a_key() {
        let a = LanguageCode::parse("es_MX").unwrap();
        let b = LanguageCode::parse("ES-mx").unwrap();
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), LanguageCode::parse("es").unwrap().key());
    }
}
