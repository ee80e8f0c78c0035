//! What an agent types about a customer when saving them as a contact: a name and notes, checked
//! before anything is stored.

use std::fmt;

const MAX_NAME_CHARS: usize = 100;
const MAX_NOTES_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("Enter the contact's name.")]
    NameEmpty,
    #[error("A name is at most 100 characters.")]
    NameTooLong,
    #[error("A name is one line of text, without control characters.")]
    NameControl,
    #[error("Notes are at most 2,000 characters.")]
    NotesTooLong,
    #[error("Notes may not hold control characters other than line breaks and tabs.")]
    NotesControl,
}

/// A contact's name as an agent saved it: one trimmed line, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactName(String);

impl ContactName {
    pub fn parse(s: &str) -> Result<Self, ContactError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ContactError::NameEmpty);
        }
        if s.chars().count() > MAX_NAME_CHARS {
            return Err(ContactError::NameTooLong);
        }
        if s.chars().any(char::is_control) {
            return Err(ContactError::NameControl);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContactName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free notes about a contact: at most 2,000 characters, line breaks kept (CRLF made LF).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactNotes(String);

impl ContactNotes {
    pub fn parse(s: &str) -> Result<Self, ContactError> {
        let s = s.replace("\r\n", "\n");
        let s = s.trim();
        if s.chars().count() > MAX_NOTES_CHARS {
            return Err(ContactError::NotesTooLong);
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ContactError::NotesControl);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_trimmed_line() {
        assert_eq!(
            ContactName::parse("  Ana Gómez ").unwrap().as_str(),
            "Ana Gómez"
        );
        assert_eq!(ContactName::parse(" "), Err(ContactError::NameEmpty));
        assert_eq!(
            ContactName::parse("Ana\nGómez"),
            Err(ContactError::NameControl)
        );
        assert_eq!(
            ContactName::parse(&"a".repeat(101)),
            Err(ContactError::NameTooLong)
        );
        assert!(ContactName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn notes_keep_lines_and_refuse_other_controls() {
        assert_eq!(
            ContactNotes::parse("VIP\r\nPrefers mornings\t(EU)")
                .unwrap()
                .as_str(),
            "VIP\nPrefers mornings\t(EU)"
        );
        assert_eq!(
            ContactNotes::parse("a\u{7}b"),
            Err(ContactError::NotesControl)
        );
        assert_eq!(
            ContactNotes::parse(&"n".repeat(2_001)),
            Err(ContactError::NotesTooLong)
        );
        assert_eq!(ContactNotes::parse("").unwrap().as_str(), "");
    }
}
