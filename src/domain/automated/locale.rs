//! Message locales: a language code normalized so it can be a key (`es_MX` → `es-mx`), and its
//! primary language, the fallback a locale's texts are looked for in.

use super::FALLBACK_LOCALE;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A message locale, normalized to lower case with `-` (`es_MX` → `es-mx`) so it can be a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Locale(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Use a language code like en, de or es-MX.")]
pub struct LocaleError;

impl Locale {
    /// A primary subtag of 2–3 letters, then subtags of 2–8 letters or digits.
    pub fn parse(s: &str) -> Result<Self, LocaleError> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = s.split('-');
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase())
        });
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && rest_ok && s.len() <= 35 {
            Ok(Self(s))
        } else {
            Err(LocaleError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language (`es` for `es-mx`).
    pub fn language(&self) -> Locale {
        Locale(self.0.split('-').next().unwrap_or(&self.0).to_owned())
    }

    pub fn english() -> Self {
        Self(FALLBACK_LOCALE.to_owned())
    }

    /// This locale, then its primary language if different.
    pub(super) fn with_language(&self) -> Vec<Locale> {
        let lang = self.language();
        if lang == *self {
            vec![self.clone()]
        } else {
            vec![self.clone(), lang]
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(s: &str) -> Locale {
        Locale::parse(s).expect("valid locale")
    }

    #[test]
    fn locales_are_normalized_and_checked() {
        assert_eq!(locale(" es_MX ").as_str(), "es-mx");
        assert_eq!(locale("es-MX").language().as_str(), "es");
        for (bad, why) in [
            ("", "empty"),
            ("e", "too short"),
            ("english", "a name, not a code"),
            ("en-", "empty subtag"),
            ("en-x", "one-letter subtag"),
            ("en us", "a space"),
            ("1a", "digits in the language"),
        ] {
            assert!(Locale::parse(bad).is_err(), "{bad:?}: {why}");
        }
    }
}
