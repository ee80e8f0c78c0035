//! The name of a WhatsApp message template as Meta registers it: lowercase letters, digits and
//! underscores, at most 512 characters (e.g. `order_update`).

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_TEMPLATE_NAME_CHARS: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateNameError {
    #[error("Enter the template name.")]
    Empty,
    #[error("The name is at most {MAX_TEMPLATE_NAME_CHARS} characters.")]
    TooLong,
    #[error("Use only lowercase letters, digits and underscores, e.g. order_update.")]
    BadCharacters,
}

/// Stored as its string; reading it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct TemplateName(String);

impl TryFrom<String> for TemplateName {
    type Error = TemplateNameError;
    fn try_from(s: String) -> Result<Self, TemplateNameError> {
        Self::parse(&s)
    }
}

impl TemplateName {
    pub fn parse(s: &str) -> Result<Self, TemplateNameError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(TemplateNameError::Empty);
        }
        if s.chars().count() > MAX_TEMPLATE_NAME_CHARS {
            return Err(TemplateNameError::TooLong);
        }
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
        if !s.bytes().all(allowed) {
            return Err(TemplateNameError::BadCharacters);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_style_names_are_accepted() {
        for name in ["order_update", "a", "x2", "_", &"a".repeat(512)] {
            assert!(TemplateName::parse(name).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn other_names_are_refused_with_the_reason() {
        let long = "a".repeat(513);
        let cases = [
            ("", TemplateNameError::Empty, "empty"),
            ("   ", TemplateNameError::Empty, "only spaces"),
            (long.as_str(), TemplateNameError::TooLong, "513 characters"),
            ("Order", TemplateNameError::BadCharacters, "uppercase"),
            ("order update", TemplateNameError::BadCharacters, "space"),
            ("order-update", TemplateNameError::BadCharacters, "hyphen"),
            ("café", TemplateNameError::BadCharacters, "not ASCII"),
            ("<script>", TemplateNameError::BadCharacters, "markup"),
        ];
        for (name, err, why) in cases {
            assert_eq!(TemplateName::parse(name), Err(err), "{why}");
        }
    }
}
