//! The name an admin gives a messaging account (e.g. "Support (WhatsApp)"): shown in the console
//! and the CLI's lists, checked the same way whether the console or the CLI sets it.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_ACCOUNT_NAME_CHARS: usize = 100;

/// The messages match the console's other one-line fields labelled "Name".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountNameError {
    #[error("Enter the name.")]
    Empty,
    #[error("Name is at most {MAX_ACCOUNT_NAME_CHARS} characters.")]
    TooLong,
    #[error("Name contains characters that are not allowed.")]
    BadCharacters,
}

/// Trimmed, 1–100 characters, no control characters (so one line). Stored as its string; reading
/// it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(s: &str) -> Result<Self, AccountNameError> {
        let s = s.trim();
        if s.is_empty() {
            Err(AccountNameError::Empty)
        } else if s.chars().count() > MAX_ACCOUNT_NAME_CHARS {
            Err(AccountNameError::TooLong)
        } else if s.chars().any(char::is_control) {
            Err(AccountNameError::BadCharacters)
        } else {
            Ok(Self(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountName {
    type Error = AccountNameError;
    fn try_from(s: String) -> Result<Self, AccountNameError> {
        Self::parse(&s)
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_trimmed() {
        assert_eq!(
            AccountName::parse("  Support (WhatsApp) ").map(|n| n.0),
            Ok("Support (WhatsApp)".to_owned())
        );
        assert!(AccountName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn other_names_are_refused_with_the_reason() {
        let long = "a".repeat(101);
        let cases = [
            ("", AccountNameError::Empty, "empty"),
            (" \t ", AccountNameError::Empty, "only blanks"),
            (long.as_str(), AccountNameError::TooLong, "101 characters"),
            ("Sup\nport", AccountNameError::BadCharacters, "two lines"),
            ("Sup\u{7}port", AccountNameError::BadCharacters, "a bell"),
        ];
        for (name, err, why) in cases {
            assert_eq!(AccountName::parse(name), Err(err), "{why}");
        }
    }

    #[test]
    fn a_name_encodes_as_its_string() {
        let name = AccountName::parse("Support").unwrap();
        let as_string = postcard::to_allocvec("Support").unwrap();
        assert_eq!(postcard::to_allocvec(&name).unwrap(), as_string);
        assert_eq!(postcard::from_bytes::<AccountName>(&as_string), Ok(name));
        let blank = postcard::to_allocvec(" ").unwrap();
        assert!(postcard::from_bytes::<AccountName>(&blank).is_err());
    }
}
