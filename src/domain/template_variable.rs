//! What admins say about each `{{n}}` of a template, for the agent filling it in: a label
//! ("Order number") and an example value ("#4417").

use serde::{Deserialize, Serialize};

const MAX_LABEL_CHARS: usize = 60;
const MAX_EXAMPLE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariableError {
    #[error("A label is at most 60 characters.")]
    LabelTooLong,
    #[error("An example is at most 200 characters.")]
    ExampleTooLong,
    #[error("Labels and examples are one line of text, without control characters.")]
    Control,
}

/// The label and example of one placeholder; either may be empty. Checked again when read
/// (from the store or a configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "RawHint")]
pub struct VariableHint {
    label: String,
    example: String,
}

#[derive(Deserialize)]
struct RawHint {
    #[serde(default)]
    label: String,
    #[serde(default)]
    example: String,
}

impl TryFrom<RawHint> for VariableHint {
    type Error = VariableError;
    fn try_from(r: RawHint) -> Result<Self, VariableError> {
        Self::parse(&r.label, &r.example)
    }
}

impl VariableHint {
    pub fn parse(label: &str, example: &str) -> Result<Self, VariableError> {
        let (label, example) = (label.trim(), example.trim());
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(VariableError::LabelTooLong);
        }
        if example.chars().count() > MAX_EXAMPLE_CHARS {
            return Err(VariableError::ExampleTooLong);
        }
        if label.chars().chain(example.chars()).any(char::is_control) {
            return Err(VariableError::Control);
        }
        Ok(Self {
            label: label.to_owned(),
            example: example.to_owned(),
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn example(&self) -> &str {
        &self.example
    }

    pub fn is_empty(&self) -> bool {
        self.label.is_empty() && self.example.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_trimmed_single_lines_of_bounded_length() {
        let h = VariableHint::parse(" Order number ", " #4417 ").unwrap();
        assert_eq!((h.label(), h.example()), ("Order number", "#4417"));
        assert!(VariableHint::parse("", "").unwrap().is_empty());
        assert_eq!(
            VariableHint::parse(&"l".repeat(61), ""),
            Err(VariableError::LabelTooLong)
        );
        assert_eq!(
            VariableHint::parse("", &"e".repeat(201)),
            Err(VariableError::ExampleTooLong)
        );
        assert_eq!(VariableHint::parse("a\nb", ""), Err(VariableError::Control));
    }
}
